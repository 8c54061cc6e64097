/*
 * test_takeover.c - stealing idle connections across threads
 * (conn_backend_get() and connect_server() in src/backend.c).
 *
 * Runs the real engine threads (harness.h) and a fake mux (fake_mux.h)
 * whose takeover() result the test chooses and which records the thread it
 * was asked for and whether that thread's idle_conns lock was held. Checks
 * the success path (conn moved, node deleted, counters fixed against the
 * victim thread), the BUG_IDLE_THR_COUNTER bug mode, the failure path
 * (conn stays, counted, lock released), the trylock-busy path (skipped),
 * the rotating start, and connect_server() end to end over real sockets
 * (new conn, reuse table, steal with fd migration, http-reuse never).
 *
 * The `takeover` trace event is emitted by the mux's takeover() (here the
 * fake's, through conn_trace_takeover()); these tests run without a
 * tracing session and check the counters instead (ACT.takeover_ok/fail).
 *
 * Prints "PASS name" / "FAIL name: why" per case, exits non-zero if any
 * case failed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"
#include "fake_mux.h"

#include "activity.h"
#include "backend.h"
#include "connection.h"
#include "lab.h"
#include "server.h"
#include "stream-t.h"

#define NB_THREADS	3

static void thr_stop_back(void)
{
	srv_cleanup_thread();
}

static const struct thread_hooks idle_hooks = {
	.init		= srv_init_thread,
	.stop_back	= thr_stop_back,
};

static int start(void)
{
	return engine_start(NB_THREADS, &idle_hooks);
}

/* ---- jobs run on engine threads ------------------------------------------ */

struct op {
	struct server *srv;
	struct fake_conn *fc;
	struct connection *conn;
	struct stream *s;
	int is_safe;
	int ret;
};

static void op_new(void *arg)
{
	struct op *o = arg;

	o->fc = fake_conn_new(o->srv, 1);
}

static void op_add(void *arg)
{
	struct op *o = arg;

	o->ret = srv_add_to_idle_list(o->srv, o->fc->conn, o->is_safe);
}

static void op_get(void *arg)
{
	struct op *o = arg;
	struct stream s = { .be = o->srv->proxy, .srv = o->srv };

	o->conn = conn_backend_get(&s, o->srv, o->is_safe,
				   conn_hash(o->srv));
}

static void op_destroy(void *arg)
{
	struct op *o = arg;

	fake_destroy(o->fc);
}

static void op_lock(void *arg)
{
	idle_lock((int)(long)arg, SITE_OTHER);
}

static void op_unlock(void *arg)
{
	idle_unlock((int)(long)arg, SITE_OTHER);
}

/* A conn of <srv> pooled in thread <thr>'s safe list, or NULL. */
static struct fake_conn *pooled_on(int thr, struct server *srv)
{
	struct op o = { .srv = srv, .is_safe = 1 };

	if (run_on(thr, op_new, &o) < 0 || !o.fc)
		return NULL;
	if (run_on(thr, op_add, &o) < 0 || o.ret != 1)
		return NULL;
	return o.fc;
}

static struct connection *get_on(int thr, struct server *srv, int is_safe)
{
	struct op o = { .srv = srv, .is_safe = is_safe };

	if (run_on(thr, op_get, &o) < 0)
		return NULL;
	return o.conn;
}

static void destroy_on(int thr, struct fake_conn *fc)
{
	struct op o = { .fc = fc };

	run_on(thr, op_destroy, &o);
}

static int lock_free(int thr)
{
	return !atomic_load(&idle_conns[thr].idle_conns_lock.locked);
}

/* ---- conn_backend_get() --------------------------------------------------- */

/* Thread 1 steals thread 0's only idle conn. */
static int steal_success(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a;
	struct connection *c;
	uint64_t ok0 = activity[1].takeover_ok;
	uint64_t scan0 = activity[1].lock_acq[SITE_STEAL_SCAN];

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_steal", REUSE_SAFE);
	CHECK(srv, "no server");
	a = pooled_on(0, srv);
	CHECK(a, "setup");

	c = get_on(1, srv, 1);
	CHECK(c == a->conn, "got %p, want thread 0's conn", (void *)c);
	CHECK(a->takeover_calls == 1 && a->takeover_from == 0 &&
	      a->takeover_by == 1, "takeover calls %d from %d by %d",
	      a->takeover_calls, a->takeover_from, a->takeover_by);
	CHECK(a->takeover_held, "takeover ran without thread 0's lock");
	CHECK(lock_free(0) && lock_free(1), "a lock is still held");
	CHECK(c->hash_node.in == LIST_NONE, "node not deleted (in %d)",
	      c->hash_node.in);
	CHECK(list_isempty(&srv->per_thr[0].safe_conns), "victim list");
	CHECK(!(c->flags & CO_FL_LIST_MASK), "LIST bits left: %#x", c->flags);
	CHECK(atomic_load(&srv->curr_idle_thr[0]) == 0 &&
	      atomic_load(&srv->curr_idle_thr[1]) == 0,
	      "curr_idle_thr fixed against the wrong thread: [0]=%d [1]=%d",
	      atomic_load(&srv->curr_idle_thr[0]),
	      atomic_load(&srv->curr_idle_thr[1]));
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_safe_nb) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 1, "counters");
	CHECK(activity[1].takeover_ok == ok0 + 1, "takeover_ok not counted");
	CHECK(activity[1].lock_acq[SITE_STEAL_SCAN] == scan0 + 1,
	      "%lu steal-scan locks, want 1",
	      (unsigned long)(activity[1].lock_acq[SITE_STEAL_SCAN] - scan0));
	CHECK(atomic_load(&srv->next_takeover) == 1, "next_takeover %d",
	      atomic_load(&srv->next_takeover));

	/* the stealer owns it now and frees it on its own thread */
	destroy_on(1, a);
	CHECK(atomic_load(&srv->curr_used_conns) == 0, "used %d",
	      atomic_load(&srv->curr_used_conns));
	return 0;
}

/* The pre-9c13b62b4 mistake, as a bug mode: the stealer decrements its
 * own curr_idle_thr instead of the victim's. */
static int steal_counter_bug_mode(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a;
	struct connection *c;
	int thr0, thr1;

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_bugmode", REUSE_SAFE);
	CHECK(srv, "no server");
	a = pooled_on(0, srv);
	CHECK(a, "setup");
	lab_bug = BUG_IDLE_THR_COUNTER;
	c = get_on(1, srv, 1);
	lab_bug = BUG_NONE;
	thr0 = atomic_load(&srv->curr_idle_thr[0]);
	thr1 = atomic_load(&srv->curr_idle_thr[1]);
	CHECK(c == a->conn, "steal failed");
	destroy_on(1, a);
	CHECK(thr0 == 1 && thr1 == -1, "bug mode: [0]=%d [1]=%d, want 1 -1",
	      thr0, thr1);
	return 0;
}

/* takeover() fails: the conn stays where it was, the failure is counted,
 * the victim's lock is released. */
static int steal_failure(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a;
	uint64_t fail0 = activity[1].takeover_fail;
	uint64_t ok0 = activity[1].takeover_ok;

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_fail", REUSE_SAFE);
	CHECK(srv, "no server");
	a = pooled_on(0, srv);
	CHECK(a, "setup");
	a->takeover_ret = -1;

	CHECK(get_on(1, srv, 1) == NULL, "got a conn whose takeover failed");
	CHECK(a->takeover_calls == 1 && a->takeover_held,
	      "takeover calls %d held %d", a->takeover_calls,
	      a->takeover_held);
	CHECK(activity[1].takeover_fail == fail0 + 1 &&
	      activity[1].takeover_ok == ok0, "counted fail %lu ok %lu",
	      (unsigned long)(activity[1].takeover_fail - fail0),
	      (unsigned long)(activity[1].takeover_ok - ok0));
	CHECK(lock_free(0), "thread 0's lock left held");
	CHECK(a->conn->hash_node.in == LIST_SAFE &&
	      a->conn->hash_node.thr == 0 &&
	      (a->conn->flags & CO_FL_LIST_MASK) == CO_FL_SAFE_LIST,
	      "conn moved: in %d thr %d flags %#x", a->conn->hash_node.in,
	      a->conn->hash_node.thr, a->conn->flags);
	CHECK(atomic_load(&srv->curr_idle_conns) == 1 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 1 &&
	      atomic_load(&srv->curr_used_conns) == 0, "counters changed");

	/* its owner can still reuse it */
	CHECK(get_on(0, srv, 1) == a->conn, "owner cannot reuse it");
	destroy_on(0, a);
	return 0;
}

/* A failed takeover moves on to the next conn with the same hash. */
static int steal_next_candidate(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a, *b;
	struct connection *c;

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_next", REUSE_SAFE);
	CHECK(srv, "no server");
	srv->low_idle_conns = 2;	/* let thread 0 pool two */
	a = pooled_on(0, srv);
	b = pooled_on(0, srv);
	CHECK(a && b, "setup");
	a->takeover_ret = -1;

	c = get_on(2, srv, 1);
	CHECK(c == b->conn, "got %p, want the second conn", (void *)c);
	CHECK(a->takeover_calls == 1 && b->takeover_calls == 1,
	      "calls a %d b %d", a->takeover_calls, b->takeover_calls);
	CHECK(a->conn->hash_node.in == LIST_SAFE, "failed one moved");
	CHECK(atomic_load(&srv->curr_idle_thr[0]) == 1 &&
	      atomic_load(&srv->curr_idle_conns) == 1, "counters");
	destroy_on(2, b);
	destroy_on(0, a);
	return 0;
}

/* The victim's lock is held: the stealer does not wait, and moves on. */
static int steal_trylock_busy(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a;
	uint64_t tf0 = activity[1].trylock_fail;
	struct connection *c;

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_busy", REUSE_SAFE);
	CHECK(srv, "no server");
	a = pooled_on(0, srv);
	CHECK(a, "setup");

	CHECK(run_on(0, op_lock, (void *)0L) == 0, "lock job");
	c = get_on(1, srv, 1);
	CHECK(run_on(0, op_unlock, (void *)0L) == 0, "unlock job");
	CHECK(c == NULL, "got a conn through a held lock");
	CHECK(a->takeover_calls == 0, "takeover called without the lock");
	CHECK(activity[1].trylock_fail == tf0 + 1, "trylock_fail %lu",
	      (unsigned long)(activity[1].trylock_fail - tf0));
	CHECK(a->conn->hash_node.in == LIST_SAFE &&
	      atomic_load(&srv->curr_idle_conns) == 1, "state changed");

	/* lock free again: now it works */
	c = get_on(1, srv, 1);
	CHECK(c == a->conn, "no steal once the lock is free");
	destroy_on(1, a);
	return 0;
}

/* The scan starts at next_takeover, skips threads without idle conns
 * (no lock taken there) and continues after the one that gave a conn. */
static int steal_rotation(void)
{
	static struct proxy be;
	struct server *srv;
	struct fake_conn *a, *c2;
	struct connection *c;
	uint64_t scan0 = activity[1].lock_acq[SITE_STEAL_SCAN];

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_rot", REUSE_SAFE);
	CHECK(srv, "no server");
	a = pooled_on(0, srv);
	c2 = pooled_on(2, srv);
	CHECK(a && c2, "setup");

	atomic_store(&srv->next_takeover, 2);
	c = get_on(1, srv, 1);
	CHECK(c == c2->conn, "did not start at thread 2");
	CHECK(atomic_load(&srv->next_takeover) == 0, "next_takeover %d",
	      atomic_load(&srv->next_takeover));
	c = get_on(1, srv, 1);
	CHECK(c == a->conn, "second steal missed thread 0");
	CHECK(atomic_load(&srv->next_takeover) == 1, "next_takeover %d",
	      atomic_load(&srv->next_takeover));
	CHECK(activity[1].lock_acq[SITE_STEAL_SCAN] == scan0 + 2,
	      "%lu scan locks: empty threads must be skipped",
	      (unsigned long)(activity[1].lock_acq[SITE_STEAL_SCAN] - scan0));

	/* nothing left anywhere: no scan lock at all */
	CHECK(get_on(1, srv, 1) == NULL, "conjured a conn");
	CHECK(activity[1].lock_acq[SITE_STEAL_SCAN] == scan0 + 2,
	      "locked threads with no idle conn");
	destroy_on(1, a);
	destroy_on(1, c2);
	CHECK(atomic_load(&srv->curr_used_conns) == 0 &&
	      fake_idle_thr_sum(srv) == 0, "counters at end");
	return 0;
}

/* ---- connect_server() over real sockets ------------------------------------- */

static int listen_fd = -1;

/* A listening socket on 127.0.0.1 for <srv> (connect() completes through
 * the backlog, nobody needs to accept). */
static int srv_listen(struct server *srv)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&srv->addr;
	socklen_t len = sizeof(*sin);

	if (listen_fd < 0) {
		listen_fd = socket(AF_INET, SOCK_STREAM, 0);
		if (listen_fd < 0)
			return -1;
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(listen_fd, (struct sockaddr *)sin, len) < 0 ||
		    listen(listen_fd, 64) < 0)
			return -1;
	}
	if (getsockname(listen_fd, (struct sockaddr *)&srv->addr, &len) < 0)
		return -1;
	srv->addrlen = len;
	return 0;
}

struct cs_op {
	struct stream s;
	int ret;
	int fd_mine;		/* the conn's fd belongs to this thread */
	unsigned int flags;	/* conn->flags, read on its thread */
	int pooled;		/* srv_add_to_idle_list() result */
};

static void op_connect(void *arg)
{
	struct cs_op *o = arg;

	o->ret = connect_server(&o->s);
	if (o->ret < 0)
		return;
	o->fd_mine = fd_is_mine(o->s.bconn->fd);
	o->flags = o->s.bconn->flags;
}

/* What a mux detach does: the stream leaves, the conn is offered. */
static void op_detach(void *arg)
{
	struct cs_op *o = arg;
	struct connection *conn = o->s.bconn;

	fake_ctx(conn)->used--;
	o->s.bconn = NULL;
	o->pooled = srv_add_to_idle_list(o->s.srv, conn, 1);
	if (!o->pooled)
		fake_destroy(conn->ctx);
}

static int connect_reuse_and_steal(void)
{
	static struct proxy be;
	struct server *srv;
	struct cs_op a = { 0 }, b = { 0 }, c = { 0 };
	struct connection *first;
	uint64_t ok0 = activity[2].takeover_ok;

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_cs", REUSE_SAFE);
	CHECK(srv && srv_listen(srv) == 0, "setup");

	/* a first request: a new connection on thread 0 */
	a.s.be = &be;
	CHECK(run_on(0, op_connect, &a) == 0 && a.ret == 0,
	      "connect_server failed (%d, err %d)", a.ret, a.s.err_status);
	CHECK(a.s.srv == srv && a.s.bconn && a.s.bconn->fd >= 0 &&
	      a.fd_mine, "new conn not set up on thread 0");
	first = a.s.bconn;
	CHECK(first->target == srv && first->side == SIDE_BACK &&
	      !(a.flags & CO_FL_PRIVATE) &&
	      fake_ctx(first)->used == 1, "new conn state");
	CHECK(atomic_load(&srv->curr_used_conns) == 1, "used %d",
	      atomic_load(&srv->curr_used_conns));
	CHECK(run_on(0, op_detach, &a) == 0 && a.pooled == 1, "not pooled");

	/* a first request with http-reuse safe never takes an idle conn */
	b.s.be = &be;
	CHECK(run_on(1, op_connect, &b) == 0 && b.ret == 0, "second connect");
	CHECK(b.s.bconn != first, "first request reused an idle conn");
	CHECK(b.fd_mine, "new conn not on thread 1");

	/* a later request may: thread 2 steals thread 0's conn, fd too */
	c.s.be = &be;
	c.s.flags = SF_NOT_FIRST;
	CHECK(run_on(2, op_connect, &c) == 0 && c.ret == 0, "third connect");
	CHECK(c.s.bconn == first, "not-first request did not reuse");
	CHECK(c.fd_mine, "stolen conn's fd still owned by thread 0");
	CHECK(fake_ctx(first)->takeover_from == 0 &&
	      fake_ctx(first)->takeover_by == 2, "takeover from %d by %d",
	      fake_ctx(first)->takeover_from, fake_ctx(first)->takeover_by);
	CHECK(activity[2].takeover_ok == ok0 + 1, "takeover not counted");
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 2 &&
	      fake_idle_thr_sum(srv) == 0, "counters: idle %d used %d",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_used_conns));

	CHECK(run_on(1, op_detach, &b) == 0 && b.pooled == 1, "b not pooled");
	CHECK(run_on(2, op_detach, &c) == 0 && c.pooled == 1, "c not pooled");
	CHECK(atomic_load(&srv->curr_idle_thr[1]) == 1 &&
	      atomic_load(&srv->curr_idle_thr[2]) == 1 &&
	      atomic_load(&srv->curr_used_conns) == 0, "pooled counters");
	/* the engine's stop_back frees them, each on its new owner */
	return 0;
}

/* http-reuse never: a private new conn even with idle conns around, not
 * counted by the server and never pooled. */
static int connect_reuse_never(void)
{
	static struct proxy be;
	struct server *srv;
	struct cs_op a = { 0 }, b = { 0 };

	CHECK(start() == 0, "cannot start the engine");
	srv = fake_server(&be, "s_never", REUSE_SAFE);
	CHECK(srv && srv_listen(srv) == 0, "setup");
	a.s.be = &be;
	CHECK(run_on(0, op_connect, &a) == 0 && a.ret == 0, "first connect");
	CHECK(run_on(0, op_detach, &a) == 0 && a.pooled == 1, "not pooled");

	be.reuse = REUSE_NEVER;
	b.s.be = &be;
	b.s.flags = SF_NOT_FIRST;
	CHECK(run_on(0, op_connect, &b) == 0 && b.ret == 0, "connect");
	CHECK(b.s.bconn && (b.flags & CO_FL_PRIVATE),
	      "not a new private conn");
	CHECK(atomic_load(&srv->curr_idle_conns) == 1 &&
	      atomic_load(&srv->curr_used_conns) == 0,
	      "private conn counted: idle %d used %d",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_used_conns));
	CHECK(run_on(0, op_detach, &b) == 0 && b.pooled == 0,
	      "private conn pooled");
	CHECK(atomic_load(&srv->curr_used_conns) == 0, "used %d after free",
	      atomic_load(&srv->curr_used_conns));
	return 0;
}

/* No server: 503, nothing allocated. */
static int connect_no_server(void)
{
	static struct proxy be;
	struct cs_op a = { 0 };
	long live0;

	CHECK(start() == 0, "cannot start the engine");
	memset(&be, 0, sizeof(be));
	be.reuse = REUSE_SAFE;
	a.s.be = &be;
	live0 = conn_live_count();
	CHECK(run_on(0, op_connect, &a) == 0, "job");
	CHECK(a.ret == -1 && a.s.err_status == 503 && !a.s.bconn,
	      "ret %d status %d", a.ret, a.s.err_status);
	CHECK(conn_live_count() == live0, "a connection was left behind");
	return 0;
}

/* Whatever the cases left pooled was freed by the stops. */
static int nothing_leaked(void)
{
	CHECK(conn_live_count() == 0, "%ld connections alive",
	      conn_live_count());
	CHECK(sched_live_tasks() == 0, "%ld tasks alive", sched_live_tasks());
	return 0;
}

int main(void)
{
	test_init();
	if (fd_init(0) < 0) {
		printf("FAIL fd_init\n");
		return 1;
	}
	RUN(steal_success);
	RUN(steal_counter_bug_mode);
	RUN(steal_failure);
	RUN(steal_next_candidate);
	RUN(steal_trylock_busy);
	RUN(steal_rotation);
	RUN(connect_reuse_and_steal);
	RUN(connect_reuse_never);
	RUN(connect_no_server);
	RUN(nothing_leaked);
	if (listen_fd >= 0)
		close(listen_fd);
	srv_free_all();
	fd_deinit();
	return test_failures ? 1 : 0;
}
