/*
 * backend.c - server selection and back connection reuse, with takeover.
 *
 * Background (HAProxy src/backend.c at e388f2fbc, connect_server() and
 * conn_backend_get()): a stream that needs a back
 * connection first looks at the connections this thread already has with
 * free stream slots (the available list: owner only, no lock), then, if
 * http-reuse allows, at idle connections: its own thread's idle/safe lists
 * under its own lock, then the other threads' lists. Those belong to other
 * threads: their fds are in another poller and their tasklets run there.
 * So the stealer trylocks the victim's idle_conns_lock (busy: next thread;
 * since b1adf03df) and, holding it, asks the mux to move the connection to
 * the calling thread (mux->takeover(): fd ownership, new tasklet, old
 * tasklet's context NULLed and woken on the victim so it frees itself).
 * Holding the victim's lock is what orders the steal against the victim's
 * io_cb, which takes the same lock when its tasklet has TASK_F_USR1.
 *
 * Only when nothing can be reused is a new connection made.
 *
 * The takeover trace event is emitted by the mux's takeover() (it alone
 * knows the old and new tasklet ids, see conn_trace_takeover()); this file
 * counts ACT.takeover_ok / takeover_fail.
 */
#include <stdatomic.h>

#include "activity.h"
#include "backend.h"
#include "compiler.h"
#include "connection.h"
#include "lab.h"
#include "proxy-t.h"
#include "server.h"
#include "stream-t.h"
#include "thread.h"

/*
 * backend_select - pick a server for a stream
 * @s: the stream (s->be is its backend)
 *
 * Round robin over the backend's servers with one atomic counter per
 * backend (HAProxy's roundrobin without weights).
 *
 * Return: the server, or NULL if the backend has none.
 * Context: the stream's thread, no lock.
 */
struct server *backend_select(struct stream *s)
{
	struct proxy *be = s->be;
	struct server *srv;
	unsigned int n, nb;

	if (!be || !be->srv)
		return NULL;
	nb = be->nb_srv;
	if (!nb)
		for (srv = be->srv; srv; srv = srv->next)
			nb++;
	n = (unsigned int)atomic_fetch_add_explicit(&be->lbrr, 1,
						    memory_order_relaxed) % nb;
	for (srv = be->srv; n && srv->next; n--)
		srv = srv->next;
	return srv;
}

/* Holding thread <thr>'s lock, try to take over a conn with <hash> from
 * <head> (one of <thr>'s lists): each candidate in turn, until a mux
 * takeover() succeeds. The winner leaves the list before the lock is
 * released, so nobody else can find it. A conn the purge queued for
 * destruction is dropped, never stolen (_srv_drop_if_purged()). */
static struct connection *_conn_steal_from(struct list *head, uint64_t hash,
					   int thr)
{
	struct connection *conn, *prev = NULL;

	while ((conn = _srv_lookup_conn(head, hash, prev)) != NULL) {
		if (_srv_drop_if_purged(conn, thr))
			continue;	/* dying: out of the list now */
		prev = conn;
		if (!conn->mux->takeover)
			continue;
		if (conn->mux->takeover(conn, thr) == 0) {
			_conn_delete_from_tree(conn, REASON_STEAL);
			ACT.takeover_ok++;
			return conn;
		}
		/* fd busy on its thread, or allocation failure: the conn
		 * stays where it is, try the next one */
		ACT.takeover_fail++;
	}
	return NULL;
}

/*
 * conn_backend_get - find an idle connection to reuse, stealing if needed
 * @s:       the stream that will use it (unused, HAProxy's signature)
 * @srv:     the server
 * @is_safe: 1: the safe list only; 0: the idle list, then the safe list
 * @hash:    the connection hash (conn_hash())
 *
 * 1. Own thread, blocking lock (SITE_BACKEND_GET): the conn may be being
 *    migrated right now by another thread, which holds this lock. Look up
 *    the requested list (idle falls back to safe), delete the node while
 *    still locked. A conn that is also queued for destruction (only a
 *    broken io_cb puts one back) is dropped, never reused
 *    (_srv_drop_if_purged()).
 * 2. If the pool is below pool-low-conn and FDs are plentiful, do not
 *    steal: new connections are cheaper than contention.
 * 3. Other threads from srv->next_takeover, skipping ourselves and threads
 *    with no idle conn of this server: trylock (SITE_STEAL_SCAN, busy ->
 *    next thread), mux->takeover() while holding it, same list order.
 * 4. Done: next_takeover = the thread after the one that gave the conn;
 *    it counts as used again; the idle counters are fixed against the
 *    thread it came from (HAProxy 9c13b62b4; BUG_IDLE_THR_COUNTER brings
 *    the old mistake back); LIST bits cleared; if the mux can take more
 *    than the stream about to be attached, it enters this thread's
 *    available list.
 *
 * Return: the conn, owned by the calling thread, in no idle/safe list;
 * NULL if none could be had.
 * Context: the stream's thread, holding no idle_conns lock; takes one lock
 * at a time. This IS the takeover's caller.
 */
struct connection *conn_backend_get(struct stream *s, struct server *srv,
				    int is_safe, uint64_t hash)
{
	struct srv_per_thread *pt = &srv->per_thr[tid];
	struct connection *conn;
	int i = tid, stop;

	(void)s;
	idle_lock(tid, SITE_BACKEND_GET);
	do {
		conn = _srv_lookup_conn(is_safe ? &pt->safe_conns :
					&pt->idle_conns, hash, NULL);
		if (!conn && !is_safe)
			conn = _srv_lookup_conn(&pt->safe_conns, hash, NULL);
	} while (conn && _srv_drop_if_purged(conn, tid));
	if (conn)
		_conn_delete_from_tree(conn, REASON_REUSE);
	idle_unlock(tid, SITE_BACKEND_GET);
	if (conn)
		goto done;

	if (atomic_load(&srv->curr_idle_conns) < srv->low_idle_conns &&
	    conn_used_fds() < pool_low_count())
		return NULL;

	stop = atomic_load(&srv->next_takeover);
	if (stop < 0 || stop >= nbthread)
		stop = 0;
	i = stop;
	do {
		if (i == tid || !atomic_load(&srv->curr_idle_thr[i]))
			continue;
		if (!idle_trylock(i, SITE_STEAL_SCAN))
			continue;
		conn = _conn_steal_from(is_safe ? &srv->per_thr[i].safe_conns :
					&srv->per_thr[i].idle_conns, hash, i);
		if (!conn && !is_safe && atomic_load(&srv->curr_safe_nb) > 0)
			conn = _conn_steal_from(&srv->per_thr[i].safe_conns,
						hash, i);
		idle_unlock(i, SITE_STEAL_SCAN);
	} while (!conn && (i = (i + 1 == nbthread) ? 0 : i + 1) != stop);

	if (!conn)
		return NULL;

done:
	atomic_store(&srv->next_takeover, (i + 1 == nbthread) ? 0 : i + 1);
	srv_use_conn(srv, conn);
	atomic_fetch_sub(&srv->curr_idle_conns, 1);
	atomic_fetch_sub(conn->flags & CO_FL_SAFE_LIST ? &srv->curr_safe_nb :
			 &srv->curr_idle_nb, 1);
	if (bug_on_mode(BUG_IDLE_THR_COUNTER))
		atomic_fetch_sub(&srv->curr_idle_thr[tid], 1);	/* < 9c13b62b4 */
	else
		atomic_fetch_sub(&srv->curr_idle_thr[i], 1);
	conn->flags &= ~CO_FL_LIST_MASK;

	/* HAProxy inserts unconditionally and connect_server() deletes it
	 * again when this stream takes the last slot; same result */
	if (conn->mux->avail_streams(conn) > 1)
		srv_add_to_avail_list(srv, conn);
	return conn;
}

/* Look in the calling thread's available list for a conn with <hash>.
 * Owner-only list: no lock. */
static struct connection *srv_lookup_avail(struct server *srv, uint64_t hash)
{
	return _srv_lookup_conn(&srv->per_thr[tid].avail_conns, hash, NULL);
}

/* The reuse table of connect_server() (HAProxy's comment tables): a
 * request that is not the first of its client connection may use an idle
 * conn (then a safe one); a first request only a safe one, and only with
 * http-reuse aggressive or always; "always" also accepts an idle one. */
static struct connection *backend_pick_idle(struct stream *s,
					    struct server *srv,
					    enum reuse_mode reuse,
					    uint64_t hash)
{
	struct connection *conn = NULL;
	int idle = atomic_load(&srv->curr_idle_nb) > 0;
	int safe = atomic_load(&srv->curr_safe_nb) > 0;

	if (s->flags & SF_NOT_FIRST) {
		if (idle || safe)
			conn = conn_backend_get(s, srv, 0, hash);
	} else if (reuse >= REUSE_AGGRESSIVE) {
		if (safe)
			conn = conn_backend_get(s, srv, 1, hash);
		if (!conn && reuse == REUSE_ALWAYS && idle)
			conn = conn_backend_get(s, srv, 0, hash);
	}
	return conn;
}

/* Attach <s> to <conn> (mux->attach() clears TASK_F_USR1 there). */
static int backend_attach(struct connection *conn, struct stream *s)
{
	s->bconn = conn;
	if (conn->mux->attach(conn, s) < 0) {
		s->bconn = NULL;
		return -1;
	}
	return 0;
}

/* Make a new connection to <srv> for <s> and attach <s> to it. */
static int backend_new_conn(struct stream *s, struct server *srv,
			    enum reuse_mode reuse, uint64_t hash)
{
	struct connection *conn;

	conn = conn_new(SIDE_BACK);
	if (!conn)
		return -1;
	conn->target = srv;
	conn->px = s->be;
	conn->hash_node.hash = hash;	/* before any insertion (aee4fdbd1) */
	if (reuse == REUSE_NEVER)
		conn->flags |= CO_FL_PRIVATE;	/* never shared, not counted */
	else
		srv_use_conn(srv, conn);

	if (conn_connect(conn, srv) < 0)
		goto fail_free;
	conn_set_mux(conn, srv->mux);
	if (srv->mux->init(conn, s->be) < 0)
		goto fail_free;

	/* http-reuse always: a multiplexed conn is offered to the next
	 * streams of this thread at once */
	if (reuse == REUSE_ALWAYS && conn->mux->avail_streams(conn) > 1)
		srv_add_to_avail_list(srv, conn);

	if (backend_attach(conn, s) < 0) {
		conn->mux->destroy(conn->ctx);
		return -1;
	}
	return 0;

fail_free:
	conn_free(conn);	/* no mux context yet */
	return -1;
}

/*
 * connect_server - give a stream a back connection and attach it
 * @s: the stream; s->srv is chosen here if not yet (backend_select())
 *
 * Unless http-reuse is never or this is a retry (SF_RETRY_NEW): this
 * thread's available list (no lock, owner only), then idle/safe
 * connections through conn_backend_get() (own lists, then steals)
 * following the reuse table. A reused conn whose last stream
 * slot this stream takes leaves the available list first. Failing that, a
 * new connection (private if http-reuse is never).
 *
 * Return: 0 with the stream attached, or -1 with s->err_status = 503 (no
 * server, connect or mux failure).
 * Context: the stream's thread, holding no idle_conns lock; the steal path
 * takes other threads' locks one at a time.
 */
int connect_server(struct stream *s)
{
	struct server *srv = s->srv;
	struct connection *conn = NULL;
	enum reuse_mode reuse;
	uint64_t hash;
	int avail;

	if (!srv)
		srv = s->srv = backend_select(s);
	if (!srv || !srv->mux)
		goto fail;
	reuse = s->be ? s->be->reuse : srv->proxy->reuse;
	hash = conn_hash(srv);

	/* A retry goes on a new connection. The server refused the request
	 * on a connection we reused: another reused one may refuse it the
	 * same way (an h2 connection near its server's GOAWAY, another
	 * keep-alive connection the server is closing), a new one cannot.
	 * HAProxy's L7 retries may reuse a connection (GUIDE.md section 8). */
	if (reuse != REUSE_NEVER && !(s->flags & SF_RETRY_NEW)) {
		conn = srv_lookup_avail(srv, hash);
		if (!conn && srv->max_idle_conns &&
		    atomic_load(&srv->curr_idle_conns) > 0)
			conn = backend_pick_idle(s, srv, reuse, hash);
	}

	if (conn) {
		avail = conn->mux->avail_streams(conn);
		/* Taking the last slot: out of the available list. At
		 * e388f2fbc this delete takes no lock; HAProxy 7ae48a70d later
		 * wrapped it in the idle_conns lock because there the node
		 * could sit in a list other threads scan. Here it can only be
		 * in this thread's available list, which nobody else reads
		 * (_conn_delete_from_tree() asserts it). */
		if (avail <= 1)
			_conn_delete_from_tree(conn, REASON_REUSE);
		if (avail >= 1 && backend_attach(conn, s) == 0)
			return 0;
		/* Unusable. Nobody else uses it if it has no stream: free
		 * it; otherwise its other streams keep it alive. */
		if (!conn->mux->used_streams(conn))
			conn->mux->destroy(conn->ctx);
	}

	if (backend_new_conn(s, srv, reuse, hash) == 0)
		return 0;
fail:
	s->err_status = 503;
	return -1;
}
