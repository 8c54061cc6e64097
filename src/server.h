/*
 * server.h - idle connection pools and the per-thread idle_conns locks.
 *
 * Locking: thread T's idle_conns_lock covers T's idle_conns and safe_conns
 * lists of every server and T's toremove_conns. The available lists are
 * touched by their owner thread only and take no lock (as at e388f2fbc).
 * Functions prefixed with '_' require the caller to hold the lock of the
 * thread whose list they touch (asserted with idle_lock_held()).
 *
 * CO_FL_SAFE_LIST / CO_FL_IDLE_LIST mean "accounted as idle/safe by the
 * server" (curr_idle_conns, curr_safe_nb/curr_idle_nb, curr_idle_thr[]),
 * not "linked in a list": the purge moves a conn to a to-remove list and
 * leaves its bits set, as HAProxy did at e388f2fbc. List membership is
 * conn->hash_node.in (idle/safe/avail) and conn->toremove_list.
 */
#ifndef MUXLAB_SERVER_H
#define MUXLAB_SERVER_H

#include <stdio.h>

#include "server-t.h"
#include "connection-t.h"

extern struct idle_conns idle_conns[MAX_THREADS];
extern struct server *servers;	/* all servers, via next_all */
extern int nb_servers;
extern struct task *idle_conn_task;	/* the purge task, on thread 0 */

/* The only way to take an idle_conns lock. Each critical section emits one
 * lock event when it ends (a failed trylock at once), with the thread of
 * the lock, the site that took it, wait and hold times (measured only
 * while a tracing session is active) and the number of events traced
 * inside it. A thread never holds two idle_conns locks: BUG_ON if it
 * tries. */
void idle_lock(int thr, enum lock_site site);
int idle_trylock(int thr, enum lock_site site);	/* 1 taken, 0 busy */
void idle_unlock(int thr, enum lock_site site);
int idle_lock_held(int thr);	/* held by the calling thread? */

/* Remove <conn> from the idle, safe or available list it is in, emitting
 * idle_remove with <reason>. Flags are NOT touched (HAProxy's
 * conn_delete_from_tree()), nor is a to-remove list membership. A conn in
 * no list: no-op. Caller holds the lock of the list's thread unless the
 * list is an available list (owner thread, no lock). */
void _conn_delete_from_tree(struct connection *conn, enum remove_reason reason);

/* Insert <conn> in list <which> of <srv> for thread <thr> (caller holds
 * thr's lock for LIST_IDLE/LIST_SAFE/LIST_TOREMOVE); emits idle_insert.
 * Flags are not touched either. */
void _srv_insert_conn(struct server *srv, struct connection *conn,
		      enum conn_list which, int thr);

/* First connection with <hash> in list <head> (a server's per-thread idle,
 * safe or available list) after <prev>, or from the start if <prev> is
 * NULL. NULL if none. Caller holds the list's lock, or owns the available
 * list. (HAProxy's srv_lookup_conn() / srv_lookup_conn_next().) */
static inline struct connection *_srv_lookup_conn(struct list *head,
						  uint64_t hash,
						  struct connection *prev)
{
	struct list *pos = prev ? prev->hash_node.list.n : head->n;
	struct conn_hash_node *node;

	for (; pos != head; pos = pos->n) {
		node = list_elem(pos, struct conn_hash_node, list);
		if (node->hash == hash)
			return node->conn;
	}
	return NULL;
}

/* The io_cb prologue's test: CO_FL_SAFE_LIST or CO_FL_IDLE_LIST if <conn>
 * is linked in that list of the calling thread, 0 if in none (a conn the
 * purge moved to the to-remove list keeps its LIST bits but is in none:
 * HAProxy 9481cef94). Caller holds its own lock. */
int _conn_in_idle_list(const struct connection *conn);

/* <conn> was found in thread <thr>'s idle or safe list: if it is also on
 * the to-remove list (an io_cb re-inserted it after the purge), take it
 * out of the idle list and return 1, the caller must not use it; else 0.
 * Caller holds <thr>'s lock. */
int _srv_drop_if_purged(struct connection *conn, int thr);

/* Available list, owner thread only, no lock. */
void srv_add_to_avail_list(struct server *srv, struct connection *conn);

/* Offer <conn>, now idle, to <srv>'s pool of the calling thread: the safe
 * list if <is_safe>, else the idle list. Applies the admission rules
 * (reuse mode, pool-max-conn, FD room, per-thread balance, no streams
 * used, one available, not stopping). Returns 1 if inserted: from then on
 * another thread may own it and the caller must not touch it. Returns 0 if
 * refused: the caller destroys it. Takes the calling thread's lock
 * (SITE_ADD_IDLE). The mux has already set TASK_F_USR1 (usr1 mode). */
int srv_add_to_idle_list(struct server *srv, struct connection *conn,
			 int is_safe);

/* Account for a conn being freed: idle/safe counters if its LIST bits are
 * set, else curr_used_conns; then remove it from any list (idle, safe,
 * available, to-remove) under the owner's lock (SITE_RELEASE). Owner
 * thread, from conn_free(). */
void srv_release_conn(struct server *srv, struct connection *conn);

/* A conn starts serving streams: curr_used++ and peaks. */
void srv_use_conn(struct server *srv, struct connection *conn);

/* FD pressure thresholds (HAProxy tune.pool-high-fd-ratio 25 % and
 * tune.pool-low-fd-ratio 20 % of the fd table), compared with
 * conn_used_fds(). INT_MAX while the fd table is not sized (fd_init()). */
int pool_high_count(void);
int pool_low_count(void);

/* Set TASK_F_USR1 (with flag_set) on the tasklet of every conn in the
 * calling thread's idle, safe and to-remove lists: what a thread switching
 * to usr1 mode does first. Returns how many. Caller holds its own lock. */
unsigned int _srv_mark_idle_usr1(void);

/* Create the per-thread cleanup tasks and the purge task. Called on each
 * thread at start (thread init). 0 or -1. */
int srv_init_thread(void);
/* Destroy every idle conn the calling thread has (shutdown). */
void srv_cleanup_thread(void);

/* Allocate a zeroed server with empty lists. NULL on failure. */
struct server *srv_new(const char *id);
void srv_free_all(void);

/* After the run, once no connection is left: 0 if every server's idle and
 * used counters are back to 0, else how many are not (said on <out>). */
int srv_check_counters(FILE *out);

#endif /* MUXLAB_SERVER_H */
