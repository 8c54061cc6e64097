/*
 * server.h - idle connection pools and the per-thread idle_conns locks.
 *
 * Locking: thread T's idle_conns_lock covers T's idle_conns and safe_conns
 * lists of every server and T's toremove_conns. The available lists are
 * touched by their owner thread only and take no lock (as at e388f2fbc).
 * Functions prefixed with '_' require the caller to hold the lock of the
 * thread whose list they touch (asserted with idle_lock_held()).
 */
#ifndef MUXLAB_SERVER_H
#define MUXLAB_SERVER_H

#include "server-t.h"
#include "connection-t.h"

extern struct idle_conns idle_conns[MAX_THREADS];
extern struct server *servers;	/* all servers, via next_all */
extern int nb_servers;

/* The only way to take an idle_conns lock. Each emits lock_acquire /
 * lock_release with the thread of the lock, the site, wait and hold times
 * (measured only while a tracing session is active). A thread never holds
 * two idle_conns locks: BUG_ON if it tries. */
void idle_lock(int thr, enum lock_site site);
int idle_trylock(int thr, enum lock_site site);	/* 1 taken, 0 busy */
void idle_unlock(int thr, enum lock_site site);
int idle_lock_held(int thr);	/* held by the calling thread? */

/* Remove <conn> from whatever list it is in, emitting idle_remove with
 * <reason>. Flags are NOT touched (HAProxy's conn_delete_from_tree()). A
 * conn in no list: no-op. Caller holds the lock of the list's thread
 * unless the list is an available list (owner thread, no lock). */
void _conn_delete_from_tree(struct connection *conn, enum remove_reason reason);

/* Insert <conn> in list <which> of <srv> for thread <thr> (caller holds
 * thr's lock for LIST_IDLE/LIST_SAFE/LIST_TOREMOVE); emits idle_insert. */
void _srv_insert_conn(struct server *srv, struct connection *conn,
		      enum conn_list which, int thr);

/* Available list, owner thread only, no lock. */
void srv_add_to_avail_list(struct server *srv, struct connection *conn);

/* Offer <conn>, now idle, to <srv>'s pool of the calling thread: the safe
 * list if <is_safe>, else the idle list. Applies the admission rules
 * (reuse mode, pool-max-conn, FD room, per-thread balance, no streams
 * used, one available). Returns 1 if inserted: from then on another thread
 * may own it and the caller must not touch it. Returns 0 if refused: the
 * caller destroys it. Takes the calling thread's lock (SITE_ADD_IDLE).
 * The mux has already set TASK_F_USR1 (usr1 mode). */
int srv_add_to_idle_list(struct server *srv, struct connection *conn,
			 int is_safe);

/* Account for a conn being freed: idle/safe counters if its LIST bits are
 * set, else curr_used_conns; then remove it from any list under the
 * owner's lock (SITE_RELEASE). Owner thread, from conn_free(). */
void srv_release_conn(struct server *srv, struct connection *conn);

/* A conn leaves the idle pool to serve a stream: curr_used++ and peaks. */
void srv_use_conn(struct server *srv, struct connection *conn);

/* Create the per-thread cleanup tasks and the purge task. Called on each
 * thread at start (thread init). 0 or -1. */
int srv_init_thread(void);
/* Destroy every idle conn the calling thread has (shutdown). */
void srv_cleanup_thread(void);

/* Allocate a zeroed server with empty lists. NULL on failure. */
struct server *srv_new(const char *id);
void srv_free_all(void);

#endif /* MUXLAB_SERVER_H */
