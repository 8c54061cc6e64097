/*
 * connection-t.h - connections, wait events and mux operations (types).
 */
#ifndef MUXLAB_CONNECTION_T_H
#define MUXLAB_CONNECTION_T_H

#include <stdint.h>
#include <netinet/in.h>
#include "list.h"
#include "trace-t.h"

struct tasklet;
struct task;
struct server;
struct proxy;
struct stream;

/* wait_event.events: what the owner is subscribed to */
#define SUB_RETRY_RECV	0x01
#define SUB_RETRY_SEND	0x02

/* A tasklet to wake when the transport can make progress (HAProxy's
 * struct wait_event). The mux owns it; conn->subs points to it. */
struct wait_event {
	struct tasklet *tasklet;
	int events;			/* SUB_RETRY_* subscribed */
};

/* connection flags */
#define CO_FL_SAFE_LIST		0x00000001 /* accounted in a safe list */
#define CO_FL_IDLE_LIST		0x00000002 /* accounted in an idle list */
#define CO_FL_LIST_MASK		0x00000003
#define CO_FL_PRIVATE		0x00000004 /* bound to a session: never shared */
#define CO_FL_WAIT_L4_CONN	0x00000008 /* connect() not completed yet */
#define CO_FL_MAXCONN		0x00000010 /* front: holds a maxconn slot of
					    * its frontend (src/maxconn.c) */
#define CO_FL_ERROR		0x00000100 /* fatal error on the socket */
#define CO_FL_SOCK_RD_SH	0x00000200 /* read0 seen */
#define CO_FL_SOCK_WR_SH	0x00000400 /* we shut our write side */

/* Intrusive node of a server's idle / safe / available list, keyed by the
 * connection hash. HAProxy uses an ebtree keyed by the hash; the lab uses a
 * list scanned by hash (every connection of a lab server has the same hash,
 * so the first element always matches). Deleting a node re-initialises it,
 * so a second delete is a no-op like conn_delete_from_tree(). The purge's
 * to-remove list does NOT use this node but connection.toremove_list, as in
 * HAProxy: a conn may be on a to-remove list and, through the 2023/2025 bug
 * family, back in an idle list at the same time. */
struct conn_hash_node {
	struct list list;		/* in a server per-thread list */
	uint64_t hash;			/* key */
	int in;				/* LIST_NONE/IDLE/SAFE/AVAIL */
	int thr;			/* thread whose list it is in, or -1 */
	struct connection *conn;
};

/* mux_ops.flags */
#define MX_FL_HOL_RISK	0x01	/* multiplexed: head-of-line risk (h2) */

/* What a multiplexer provides. Functions are called on the thread that
 * owns the connection unless said otherwise. */
struct mux_ops {
	const char *name;
	enum mux_id id;
	unsigned int flags;
	/* create the mux context for <conn> (front or back side), its
	 * tasklet and subscriptions: 0 or -1 */
	int (*init)(struct connection *conn, struct proxy *px);
	/* back side: add stream <s> to <conn> and start sending s->req.
	 * Clears TASK_F_USR1 once the stream exists. 0 or -1 (nothing
	 * attached). */
	int (*attach)(struct connection *conn, struct stream *s);
	/* back side: stream <s> leaves its connection, normally after the
	 * response completed. May put the conn in an idle list (setting
	 * TASK_F_USR1 first) or destroy it; the caller must not touch the
	 * conn afterwards. */
	void (*detach)(struct stream *s);
	/* front side: send s->rsp to the client; 0 or -1 */
	int (*send_resp)(struct stream *s);
	/* front side: the stream is freed, forget it */
	void (*strm_gone)(struct stream *s);
	/* the other side of stream <s> added body bytes to the message this
	 * side sends, ended it, or made room in the one this side receives:
	 * look at it (<side>: which side of <s> this conn is) */
	void (*wake)(struct stream *s, enum side side);
	int (*avail_streams)(struct connection *conn);
	int (*used_streams)(struct connection *conn);
	/* Called by a stealing thread holding thread <orig_tid>'s
	 * idle_conns_lock: move <conn> to the calling thread. 0 or -1 (the
	 * conn stays where it was; the caller tries the next one). The mux
	 * emits the `takeover` trace event itself, once per call, ok=1 or
	 * ok=0, because only it knows the old and the new tasklet ids: use
	 * conn_trace_takeover() (connection.h). The caller only counts
	 * (ACT.takeover_ok / takeover_fail) and deletes the node. */
	int (*takeover)(struct connection *conn, int orig_tid);
	/* destroy the mux context and the connection */
	void (*destroy)(void *ctx);
	/* the process is stopping: release front conns (owner thread) */
	void (*shutdown)(struct connection *conn);
};

struct connection {
	uint64_t id;			/* trace id, never reused */
	unsigned int flags;		/* CO_FL_* */
	int fd;				/* socket, -1 once closed */
	enum side side;
	const struct mux_ops *mux;
	void *ctx;			/* mux context (h1c, h2c, fconn) */
	struct server *target;		/* back side: the server; else NULL */
	struct proxy *px;		/* frontend or backend proxy */
	void *owner;			/* session (front conn) owning it */
	struct wait_event *subs;	/* subscriber woken by socket events */
	struct conn_hash_node hash_node;/* idle/safe/avail list */
	struct list toremove_list;	/* in idle_conns[thr].toremove_conns
					 * (purge), under thr's lock */
	struct list thr_list;		/* front: per-thread list of front conns */
	/* back: the mux's I/O tasklet as attach() and detach() last handed
	 * it to mux_clear_idle_flag() / mux_set_idle_flag() on the owner
	 * thread, NULL after a steal until the stealer attaches. Lab only:
	 * a thread switching to usr1 mode sets TASK_F_USR1 through it on
	 * what it has idle (lab_thread_switch()). */
	struct tasklet *_Atomic mux_tl;
	struct sockaddr_storage src;	/* peer address (front) */
};

#endif /* MUXLAB_CONNECTION_T_H */
