/*
 * test_idle.c - the idle connection pools (src/server.c, src/backend.c).
 *
 * Runs the real engine threads (harness.h) with the idle-pool hooks and a
 * fake mux (fake_mux.h), and checks srv_add_to_idle_list()'s admission
 * rules and the counters through add / reuse / release, and the purge:
 * conns moved to the owner's to-remove list with their LIST bits still
 * set, then destroyed by the owner's cleanup task.
 *
 * Prints "PASS name" / "FAIL name: why" per case, exits non-zero if any
 * case failed.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "harness.h"
#include "fake_mux.h"

#include "activity.h"
#include "backend.h"
#include "connection.h"
#include "server.h"
#include "stream-t.h"
#include "task.h"

#define NB_THREADS	4
#ifndef RACE_ROUNDS
#define RACE_ROUNDS	1000	/* a missing back-out showed within 30-330 */
#endif

/* Each case runs its own engine (RUN() stops it): the threads create the
 * idle-pool tasks at start and empty their pools at stop_back. */
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
	int max;		/* max_streams of a new conn */
	int is_safe;
	int ret;
};

static void op_new(void *arg)
{
	struct op *o = arg;

	o->fc = fake_conn_new(o->srv, o->max);
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

static void op_noop(void *arg)
{
	(void)arg;
}

static struct fake_conn *new_on(int thr, struct server *srv, int max)
{
	struct op o = { .srv = srv, .max = max };

	if (run_on(thr, op_new, &o) < 0)
		return NULL;
	return o.fc;
}

/* 1 accepted, 0 refused, -1 the job did not run */
static int add_on(int thr, struct server *srv, struct fake_conn *fc,
		  int is_safe)
{
	struct op o = { .srv = srv, .fc = fc, .is_safe = is_safe };

	if (run_on(thr, op_add, &o) < 0)
		return -1;
	return o.ret;
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

static int count_list(struct list *head)
{
	struct list *pos;
	int n = 0;

	for (pos = head->n; pos != head; pos = pos->n)
		n++;
	return n;
}

/* ---- admission ------------------------------------------------------------ */

/* First conn of a thread: accepted into the list asked for, flags and all
 * counters follow. */
static int admit_idle_then_safe(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_admit", REUSE_SAFE);
	struct fake_conn *a, *b;
	uint64_t refused0 = activity[0].idle_refused;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	a = new_on(0, srv, 1);
	b = new_on(0, srv, 1);
	CHECK(a && b, "no conn");
	CHECK(atomic_load(&srv->curr_used_conns) == 2, "used %d",
	      atomic_load(&srv->curr_used_conns));

	CHECK(add_on(0, srv, a, 0) == 1, "idle conn refused");
	CHECK((a->conn->flags & CO_FL_LIST_MASK) == CO_FL_IDLE_LIST,
	      "flags %#x", a->conn->flags);
	CHECK(a->conn->hash_node.in == LIST_IDLE &&
	      a->conn->hash_node.thr == 0, "in %d thr %d",
	      a->conn->hash_node.in, a->conn->hash_node.thr);
	CHECK(atomic_load(&srv->curr_idle_conns) == 1 &&
	      atomic_load(&srv->curr_idle_nb) == 1 &&
	      atomic_load(&srv->curr_safe_nb) == 0 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 1 &&
	      atomic_load(&srv->curr_used_conns) == 1,
	      "counters idle %d idle_nb %d safe_nb %d thr0 %d used %d",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_idle_nb),
	      atomic_load(&srv->curr_safe_nb),
	      atomic_load(&srv->curr_idle_thr[0]),
	      atomic_load(&srv->curr_used_conns));
	CHECK(atomic_load(&srv->in_purge_list) == 1,
	      "server not registered with the purge");

	/* the safe list is still empty: a safe conn is accepted too */
	CHECK(add_on(0, srv, b, 1) == 1, "safe conn refused");
	CHECK((b->conn->flags & CO_FL_LIST_MASK) == CO_FL_SAFE_LIST,
	      "flags %#x", b->conn->flags);
	CHECK(b->conn->hash_node.in == LIST_SAFE, "in %d",
	      b->conn->hash_node.in);
	CHECK(count_list(&srv->per_thr[0].idle_conns) == 1 &&
	      count_list(&srv->per_thr[0].safe_conns) == 1, "list lengths");
	CHECK(atomic_load(&srv->curr_idle_conns) == 2 &&
	      atomic_load(&srv->curr_safe_nb) == 1 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 2 &&
	      atomic_load(&srv->curr_used_conns) == 0, "counters after safe");
	CHECK(activity[0].idle_refused == refused0, "refusal counted");

	destroy_on(0, a);
	destroy_on(0, b);
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_idle_nb) == 0 &&
	      atomic_load(&srv->curr_safe_nb) == 0 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 0,
	      "counters after release");
	CHECK(list_isempty(&srv->per_thr[0].idle_conns) &&
	      list_isempty(&srv->per_thr[0].safe_conns), "lists not empty");
	return 0;
}

/* A thread that already pools a conn takes more only while the pool does
 * not exceed the recent need (est_need) plus pool-low-conn. */
static int admit_balance_rule(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_balance", REUSE_SAFE);
	struct fake_conn *a, *b;
	uint64_t refused0 = activity[1].idle_refused;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	a = new_on(1, srv, 1);
	b = new_on(1, srv, 1);
	CHECK(a && b, "no conn");
	CHECK(add_on(1, srv, a, 1) == 1, "first conn refused");

	/* used 1 + idle 1 > MAX(used 1, need 1) + low 0 */
	atomic_store(&srv->est_need, 1);
	CHECK(add_on(1, srv, b, 1) == 0, "second conn accepted beyond need");
	CHECK(activity[1].idle_refused == refused0 + 1, "refusal not counted");
	CHECK(b->conn->hash_node.in == LIST_NONE &&
	      !(b->conn->flags & CO_FL_LIST_MASK), "refused conn listed");
	CHECK(atomic_load(&srv->curr_idle_conns) == 1 &&
	      atomic_load(&srv->curr_used_conns) == 1,
	      "refusal changed counters: idle %d used %d",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_used_conns));

	/* pool-low-conn 1 makes room for it */
	srv->low_idle_conns = 1;
	CHECK(add_on(1, srv, b, 1) == 1, "refused despite pool-low-conn");
	CHECK(atomic_load(&srv->curr_idle_thr[1]) == 2, "thr1 %d",
	      atomic_load(&srv->curr_idle_thr[1]));

	destroy_on(1, a);
	destroy_on(1, b);
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_idle_thr[1]) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 0, "counters at end");
	return 0;
}

/* pool-max-conn reached: refused even on a thread with empty lists. */
static int refuse_pool_max_conn(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_max", REUSE_SAFE);
	struct fake_conn *a, *b;
	uint64_t refused0 = activity[2].idle_refused;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	srv->max_idle_conns = 1;
	a = new_on(1, srv, 1);
	b = new_on(2, srv, 1);
	CHECK(a && b, "no conn");
	CHECK(add_on(1, srv, a, 1) == 1, "first conn refused");
	CHECK(add_on(2, srv, b, 1) == 0, "pool-max-conn 1 admitted two");
	CHECK(activity[2].idle_refused == refused0 + 1, "refusal not counted");
	CHECK(atomic_load(&srv->curr_idle_conns) == 1 &&
	      atomic_load(&srv->curr_idle_thr[2]) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 1, "counters");
	destroy_on(1, a);
	destroy_on(2, b);
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 0, "counters at end");
	return 0;
}

/* Every other refusal rule, each on a conn that would otherwise enter. */
static int refuse_rules(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_rules", REUSE_NEVER);
	struct fake_conn *a;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	a = new_on(3, srv, 1);
	CHECK(a, "no conn");

	CHECK(add_on(3, srv, a, 1) == 0, "accepted with http-reuse never");
	be.reuse = REUSE_SAFE;

	a->conn->flags |= CO_FL_PRIVATE;
	CHECK(add_on(3, srv, a, 1) == 0, "accepted a private conn");
	a->conn->flags &= ~CO_FL_PRIVATE;

	srv->pool_purge_delay = 0;
	CHECK(add_on(3, srv, a, 1) == 0, "accepted with pool-purge-delay 0");
	srv->pool_purge_delay = 600000;

	a->used = 1;
	CHECK(add_on(3, srv, a, 1) == 0, "accepted a conn with a stream");
	a->used = 0;

	a->max_streams = 0;
	CHECK(add_on(3, srv, a, 1) == 0, "accepted a conn with no slot");
	a->max_streams = 1;

	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 1 &&
	      a->conn->hash_node.in == LIST_NONE, "a refusal changed state");

	CHECK(add_on(3, srv, a, 1) == 1, "the same conn is admissible");
	destroy_on(3, a);
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 0, "counters at end");
	return 0;
}

/* Threads offering conns at the same time never exceed pool-max-conn: the
 * unlocked check can be passed by several, the atomic increment with
 * back-out catches them. */
static struct server *race_srv;
static struct fake_conn *race_fc[NB_THREADS];
static int race_ret[NB_THREADS];
static int _Atomic race_go;

static void op_race_add(void *arg)
{
	int i = (int)(long)arg;

	while (!atomic_load(&race_go))
		;
	race_ret[i] = srv_add_to_idle_list(race_srv, race_fc[i]->conn, 1);
}

static int pool_max_conn_race(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct job jobs[NB_THREADS];
	int round, i, accepted;

	CHECK(start() == 0, "cannot start the engine");
	race_srv = fake_server(&be, "s_race", REUSE_SAFE);
	CHECK(race_srv, "no server");
	race_srv->max_idle_conns = 2;
	for (round = 0; round < RACE_ROUNDS; round++) {
		for (i = 0; i < NB_THREADS; i++) {
			race_fc[i] = new_on(i, race_srv, 1);
			CHECK(race_fc[i], "no conn");
		}
		atomic_store(&race_go, 0);
		for (i = 0; i < NB_THREADS; i++) {
			jobs[i] = (struct job){ .fn = op_race_add,
						.arg = (void *)(long)i };
			CHECK(run_on_async(i, &jobs[i]) == 0, "no job");
		}
		atomic_store(&race_go, 1);
		for (i = 0; i < NB_THREADS; i++)
			CHECK(wait_until(atomic_load(&jobs[i].done), 5000),
			      "job %d hangs", i);
		accepted = 0;
		for (i = 0; i < NB_THREADS; i++)
			accepted += race_ret[i];
		CHECK(accepted >= 1 && accepted <= 2,
		      "round %d: %d accepted with pool-max-conn 2", round,
		      accepted);
		CHECK(atomic_load(&race_srv->curr_idle_conns) == accepted &&
		      fake_idle_thr_sum(race_srv) == accepted &&
		      atomic_load(&race_srv->curr_used_conns) ==
		      NB_THREADS - accepted,
		      "round %d: idle %d thr-sum %d used %d for %d accepted",
		      round, atomic_load(&race_srv->curr_idle_conns),
		      fake_idle_thr_sum(race_srv),
		      atomic_load(&race_srv->curr_used_conns), accepted);
		for (i = 0; i < NB_THREADS; i++)
			destroy_on(i, race_fc[i]);
		CHECK(atomic_load(&race_srv->curr_idle_conns) == 0 &&
		      atomic_load(&race_srv->curr_used_conns) == 0,
		      "round %d: counters after release", round);
	}
	return 0;
}

/* ---- reuse and release ------------------------------------------------------- */

/* Own-thread reuse: the conn leaves the list under the lock, counts as
 * used again, LIST bits cleared; idle asked falls back to safe, safe asked
 * never takes an idle one. */
static int get_own_thread(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_get", REUSE_SAFE);
	struct fake_conn *a, *b;
	struct connection *c;
	uint64_t acq0 = activity[0].lock_acq[SITE_BACKEND_GET];

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	a = new_on(0, srv, 1);
	b = new_on(0, srv, 1);
	CHECK(a && b, "no conn");
	CHECK(add_on(0, srv, a, 0) == 1, "idle add refused");

	CHECK(get_on(0, srv, 1) == NULL, "safe lookup returned an idle conn");
	c = get_on(0, srv, 0);
	CHECK(c == a->conn, "idle lookup: got %p want %p", (void *)c,
	      (void *)a->conn);
	CHECK(activity[0].lock_acq[SITE_BACKEND_GET] == acq0 + 2,
	      "own lock taken %lu times",
	      (unsigned long)(activity[0].lock_acq[SITE_BACKEND_GET] - acq0));
	CHECK(c->hash_node.in == LIST_NONE && !(c->flags & CO_FL_LIST_MASK),
	      "still listed or flagged: in %d flags %#x", c->hash_node.in,
	      c->flags);
	CHECK(atomic_load(&srv->curr_idle_conns) == 0 &&
	      atomic_load(&srv->curr_idle_nb) == 0 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 2,
	      "counters: idle %d idle_nb %d thr0 %d used %d",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_idle_nb),
	      atomic_load(&srv->curr_idle_thr[0]),
	      atomic_load(&srv->curr_used_conns));
	CHECK(atomic_load(&srv->next_takeover) == 1, "next_takeover %d",
	      atomic_load(&srv->next_takeover));

	/* idle asked, only a safe one: fallback */
	CHECK(add_on(0, srv, b, 1) == 1, "safe add refused");
	c = get_on(0, srv, 0);
	CHECK(c == b->conn, "no fallback to the safe list");
	CHECK(atomic_load(&srv->curr_safe_nb) == 0 &&
	      atomic_load(&srv->curr_used_conns) == 2, "counters after safe");

	destroy_on(0, a);
	destroy_on(0, b);
	CHECK(atomic_load(&srv->curr_used_conns) == 0, "used %d at end",
	      atomic_load(&srv->curr_used_conns));
	return 0;
}

/* A multiplexed conn with slots left enters this thread's available list
 * when reused, and leaves it when freed. */
static int get_to_avail_list(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_avail", REUSE_SAFE);
	struct fake_conn *a;
	struct connection *c;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	a = new_on(2, srv, 10);
	CHECK(a, "no conn");
	CHECK(add_on(2, srv, a, 1) == 1, "add refused");
	c = get_on(2, srv, 1);
	CHECK(c == a->conn, "not found");
	CHECK(c->hash_node.in == LIST_AVAIL && c->hash_node.thr == 2,
	      "in %d thr %d", c->hash_node.in, c->hash_node.thr);
	CHECK(count_list(&srv->per_thr[2].avail_conns) == 1, "avail list");
	destroy_on(2, a);
	CHECK(list_isempty(&srv->per_thr[2].avail_conns),
	      "freed conn still in the available list");
	CHECK(atomic_load(&srv->curr_used_conns) == 0, "used %d",
	      atomic_load(&srv->curr_used_conns));
	return 0;
}

/* ---- purge ---------------------------------------------------------------------- */

static int _Atomic hold_thread;
static struct fake_conn *purge_victim;	/* freed by its owner meanwhile */

/* Keep a thread busy (so its cleanup task cannot run), then let the owner
 * free one of its conns itself, as a server close would. */
static void op_block_then_free(void *arg)
{
	(void)arg;
	while (atomic_load(&hold_thread))
		test_usleep(100);
	if (purge_victim)
		fake_destroy(purge_victim);
}

struct purge_view {
	struct server *srv;
	int thr;
	int toremove;		/* conns on thr's to-remove list */
	int flagged;		/* of which still have LIST bits */
	int unlisted;		/* of which are in no idle/safe list */
	int left;		/* still in thr's idle + safe lists */
};

/* Look at thread v->thr's lists under its lock, from another thread. */
static void op_view(void *arg)
{
	struct purge_view *v = arg;
	struct list *head = &idle_conns[v->thr].toremove_conns, *pos;
	struct connection *c;

	idle_lock(v->thr, SITE_OTHER);
	v->toremove = v->flagged = v->unlisted = 0;
	for (pos = head->n; pos != head; pos = pos->n) {
		c = list_elem(pos, struct connection, toremove_list);
		v->toremove++;
		v->flagged += !!(c->flags & CO_FL_LIST_MASK);
		v->unlisted += c->hash_node.in == LIST_NONE;
	}
	v->left = count_list(&v->srv->per_thr[v->thr].idle_conns) +
		  count_list(&v->srv->per_thr[v->thr].safe_conns);
	idle_unlock(v->thr, SITE_OTHER);
}

/* Make the purge due now with the given history and wake it (thread 0). */
static struct server *purge_srv;
static int purge_max_used;

static void op_purge_now(void *arg)
{
	(void)arg;
	atomic_store(&purge_srv->max_used_conns, purge_max_used);
	atomic_store(&purge_srv->est_need, purge_max_used);
	atomic_store(&purge_srv->purge_at, 0);
	task_wakeup(idle_conn_task, TASK_WOKEN_OTHER);
}

/* Run one purge while thread 1 is busy; return its view of thread 1. */
static int purge_round(struct purge_view *v, struct job *block)
{
	atomic_store(&hold_thread, 1);
	if (run_on_async(1, block) < 0)
		return -1;
	if (run_on(0, op_purge_now, NULL) < 0 ||
	    run_on(0, op_noop, NULL) < 0 ||	/* the purge ran before it */
	    run_on(0, op_view, v) < 0)
		return -1;
	return 0;
}

static int purge_check(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct purge_view v = { .thr = 1 };
	struct job block = { .fn = op_block_then_free };
	struct fake_conn *fc[4];
	int destroyed0, i;
	uint64_t purged0 = activity[1].purged;

	CHECK(start() == 0, "cannot start the engine");
	purge_srv = fake_server(&be, "s_purge", REUSE_SAFE);
	CHECK(purge_srv, "no server");
	v.srv = purge_srv;
	for (i = 0; i < 4; i++) {
		fc[i] = new_on(1, purge_srv, 1);
		CHECK(fc[i], "no conn");
	}
	for (i = 0; i < 4; i++)
		CHECK(add_on(1, purge_srv, fc[i], i & 1) == 1,
		      "conn %d refused", i);
	CHECK(atomic_load(&purge_srv->curr_idle_conns) == 4 &&
	      atomic_load(&purge_srv->curr_used_conns) == 0, "setup counters");

	/* round 1: the peak was 2 conns: exceed = 0 + 4 - 2 = 2, half
	 * rounded up = 1, thread 1's share 1 * 4 / 4 + 1 = 2 conns */
	purge_max_used = 2;
	purge_victim = NULL;
	destroyed0 = atomic_load(&fake_destroyed);
	CHECK(purge_round(&v, &block) == 0, "jobs did not run");
	CHECK(v.toremove == 2 && v.left == 2,
	      "to-remove %d left %d, want 2 and 2", v.toremove, v.left);
	CHECK(v.flagged == 2, "purge cleared LIST bits (%d of 2 flagged)",
	      v.flagged);
	CHECK(v.unlisted == 2, "purged conns still in an idle list");
	CHECK(atomic_load(&purge_srv->curr_idle_conns) == 4 &&
	      atomic_load(&purge_srv->curr_idle_thr[1]) == 4,
	      "accounting changed before destruction: idle %d thr1 %d",
	      atomic_load(&purge_srv->curr_idle_conns),
	      atomic_load(&purge_srv->curr_idle_thr[1]));
	CHECK(atomic_load(&fake_destroyed) == destroyed0,
	      "destroyed by the purge thread");

	atomic_store(&hold_thread, 0);
	CHECK(wait_until(atomic_load(&fake_destroyed) == destroyed0 + 2, 5000),
	      "owner destroyed %d, want 2",
	      atomic_load(&fake_destroyed) - destroyed0);
	CHECK(run_on(1, op_noop, NULL) == 0, "thread 1 stuck");
	CHECK(activity[1].purged == purged0 + 2, "purged %lu",
	      (unsigned long)(activity[1].purged - purged0));
	CHECK(atomic_load(&purge_srv->curr_idle_conns) == 2 &&
	      atomic_load(&purge_srv->curr_idle_thr[1]) == 2 &&
	      atomic_load(&purge_srv->curr_used_conns) == 0,
	      "counters after destruction: idle %d thr1 %d used %d",
	      atomic_load(&purge_srv->curr_idle_conns),
	      atomic_load(&purge_srv->curr_idle_thr[1]),
	      atomic_load(&purge_srv->curr_used_conns));
	CHECK(atomic_load(&purge_srv->in_purge_list) == 1,
	      "server left the purge with idle conns");

	/* round 2: no need at all: both remaining conns are queued; the
	 * owner frees one itself before its cleanup task runs, which must
	 * then destroy only the other one */
	purge_max_used = 0;
	CHECK(purge_round(&v, &block) == 0, "jobs did not run");
	CHECK(v.toremove == 2 && v.left == 0, "to-remove %d left %d",
	      v.toremove, v.left);
	/* thread 1 is held and the purge is done: nobody touches the list */
	purge_victim = list_elem(idle_conns[1].toremove_conns.p,
				 struct connection, toremove_list)->ctx;
	destroyed0 = atomic_load(&fake_destroyed);
	atomic_store(&hold_thread, 0);
	CHECK(wait_until(atomic_load(&fake_destroyed) == destroyed0 + 2, 5000),
	      "destroyed %d, want 2", atomic_load(&fake_destroyed) - destroyed0);
	CHECK(run_on(1, op_noop, NULL) == 0, "thread 1 stuck");
	CHECK(atomic_load(&fake_destroyed) == destroyed0 + 2,
	      "destroyed %d: a conn freed while queued was destroyed again",
	      atomic_load(&fake_destroyed) - destroyed0);
	CHECK(list_isempty(&idle_conns[1].toremove_conns), "to-remove left");
	CHECK(atomic_load(&purge_srv->curr_idle_conns) == 0 &&
	      atomic_load(&purge_srv->curr_idle_nb) == 0 &&
	      atomic_load(&purge_srv->curr_safe_nb) == 0 &&
	      atomic_load(&purge_srv->curr_idle_thr[1]) == 0,
	      "counters at end");
	purge_victim = NULL;
	return 0;
}

/* A failed check must not leave thread 1 held: the engine stop joins it. */
static int purge_moves_then_owner_destroys(void)
{
	int ret = purge_check();

	atomic_store(&hold_thread, 0);
	purge_victim = NULL;
	return ret;
}

/* ---- shutdown ------------------------------------------------------------------- */

static struct fake_conn *late_fc;
static struct server *late_srv;

/* Conns left pooled at the end are destroyed by srv_cleanup_thread() on
 * their own thread: nothing leaks. */
static int shutdown_frees_everything(void)
{
	static struct proxy be;	/* outlives the case: srv->proxy */
	struct server *srv = fake_server(&be, "s_stop", REUSE_SAFE);
	struct fake_conn *fc;
	int i;

	CHECK(start() == 0, "cannot start the engine");
	CHECK(srv, "no server");
	fc = new_on(0, srv, 10);	/* one in the available list */
	CHECK(fc && add_on(0, srv, fc, 1) == 1 && get_on(0, srv, 1) == fc->conn,
	      "avail setup");
	for (i = 0; i < NB_THREADS; i++) {
		fc = new_on(i, srv, 1);
		CHECK(fc && add_on(i, srv, fc, 1) == 1, "thread %d", i);
	}
	/* one more for the after-stop check below */
	late_srv = srv;
	late_fc = new_on(3, srv, 1);
	CHECK(late_fc, "no conn");

	engine_stop();
	CHECK(atomic_load(&srv->curr_idle_conns) == 0, "idle %d after stop",
	      atomic_load(&srv->curr_idle_conns));
	CHECK(atomic_load(&srv->curr_used_conns) == 1, "used %d after stop",
	      atomic_load(&srv->curr_used_conns));

	/* Once stopping, nothing is admitted (it would never be freed). The
	 * threads are gone: borrow thread 3's identity to ask. */
	tid = 3;
	i = srv_add_to_idle_list(late_srv, late_fc->conn, 1);
	fake_destroy(late_fc);
	tid = -1;
	CHECK(i == 0, "admitted while stopping");

	CHECK(conn_live_count() == 0, "%ld connections leaked",
	      conn_live_count());
	CHECK(sched_live_tasks() == 0, "%ld tasks leaked", sched_live_tasks());
	return 0;
}

int main(void)
{
	test_init();
	if (fd_init(0) < 0) {
		printf("FAIL fd_init\n");
		return 1;
	}
	RUN(admit_idle_then_safe);
	RUN(admit_balance_rule);
	RUN(refuse_pool_max_conn);
	RUN(refuse_rules);
	RUN(pool_max_conn_race);
	RUN(get_own_thread);
	RUN(get_to_avail_list);
	RUN(purge_moves_then_owner_destroys);
	RUN(shutdown_frees_everything);
	srv_free_all();
	fd_deinit();
	return test_failures ? 1 : 0;
}
