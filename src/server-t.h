/*
 * server-t.h - servers, their per-thread idle pools, idle_conns locks.
 */
#ifndef MUXLAB_SERVER_T_H
#define MUXLAB_SERVER_T_H

#include <stdint.h>
#include <netinet/in.h>
#include "compiler.h"
#include "list.h"
#include "thread-t.h"
#include "trace-t.h"

struct task;
struct proxy;
struct mux_ops;

/* A spinlock with its holder, for lock_held() assertions and for the
 * "no thread holds two idle_conns locks" rule. */
struct idle_spinlock {
	int _Atomic locked;		/* 0 free, 1 taken */
	int holder;			/* tid of the holder, -1 if free */
	uint64_t taken_ns;		/* when taken (only while tracing) */
	uint32_t wait_ns;		/* spent getting it (only while tracing) */
	unsigned int nev_at;		/* holder's trace_nev when taken */
	unsigned char site;		/* who took it (enum lock_site) */
	unsigned char trylock;		/* taken by idle_trylock() */
};

/* Per-thread idle-connection state (HAProxy's struct idle_conns). One per
 * thread, on its own cache line: the lock is hit by its owner on every
 * locked io_cb and by stealers scanning from other threads; sharing a line
 * with another thread's lock would make them contend for nothing
 * (HAProxy 4d82bf5c2 measured +5% from aligning it). */
struct idle_conns {
	struct idle_spinlock idle_conns_lock;
	struct list toremove_conns;	/* purge: conns this thread must
					 * destroy; under idle_conns_lock
					 * (HAProxy: an mt_list) */
	struct task *cleanup_task;	/* destroys toremove_conns */
	struct task *wake_task;		/* "#@lab wake-idle", or NULL */
} THREAD_ALIGNED;

/* per-server, per-thread lists, all keyed by connection hash */
struct srv_per_thread {
	struct list idle_conns;		/* never served a full request */
	struct list safe_conns;		/* served one: known reusable */
	struct list avail_conns;	/* streams left + room: owner only */
	/* lengths of idle_conns / safe_conns, changed under the thread's
	 * lock with the lists, read WITHOUT it by the admission's balance
	 * rule (HAProxy reads eb_is_empty() unlocked there; reading the
	 * list heads while a stealer deletes would be a data race) */
	int _Atomic nb_idle;
	int _Atomic nb_safe;
	int _Atomic nb_avail;		/* length of avail_conns, for the
					 * control socket ("show pools") */
} THREAD_ALIGNED;

/* http-reuse */
enum reuse_mode {
	REUSE_NEVER = 0,
	REUSE_SAFE,
	REUSE_AGGRESSIVE,
	REUSE_ALWAYS
};

struct server {
	char *id;			/* name in the config */
	int puid;			/* index, the trace's srv field */
	struct proxy *proxy;		/* its backend */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const struct mux_ops *mux;	/* proto h1 (default), h2, fcgi */
	int max_idle_conns;		/* pool-max-conn, -1 = unlimited */
	unsigned int pool_purge_delay;	/* ms, pool-purge-delay */
	int low_idle_conns;		/* pool-low-conn */
	char *fcgi_docroot;		/* fcgi-app docroot, or NULL */
	char *fcgi_index;		/* fcgi-app index, or NULL */

	struct srv_per_thread per_thr[MAX_THREADS];

	/* counters, atomics: updated by any thread */
	int _Atomic curr_idle_conns;	/* in idle or safe lists, all threads */
	int _Atomic curr_idle_nb;	/* in idle lists */
	int _Atomic curr_safe_nb;	/* in safe lists */
	int _Atomic curr_used_conns;	/* attached to streams */
	int _Atomic max_used_conns;	/* peak since last purge */
	int _Atomic est_need;		/* estimated need (purge) */
	int _Atomic curr_idle_thr[MAX_THREADS];	/* idle+safe per thread */
	int _Atomic next_takeover;	/* where the next steal scan starts */
	int _Atomic in_purge_list;	/* registered with the purge task */
	uint64_t _Atomic purge_at;	/* next purge, monotonic ns */

	struct server *next;		/* in its proxy */
	struct server *next_all;	/* all servers */
};

#endif /* MUXLAB_SERVER_T_H */
