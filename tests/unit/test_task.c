/*
 * test_task.c - the scheduler: wakeup, dequeue snapshot, remote wakeups,
 * freeing from a callback, timers, task_kill, shutdown drain, ids, flags,
 * the bug table.
 *
 * Single-thread cases drive the scheduler by hand on the test's main
 * thread posing as engine thread 0; multi-thread cases run the real engine
 * threads (threads_start()) and act on them through tasklets.
 */
#include <pthread.h>

#include "harness.h"
#include "lab.h"

/* ---- pose as engine thread 0, drive sched_run() by hand ---------------- */

static int solo_begin(void)
{
	nbthread = 1;
	tid = 0;
	return sched_init_thread();
}

static void solo_end(void)
{
	sched_deinit_thread();
	tid = -1;
}

/* what a callback saw */
struct seen {
	int calls;
	unsigned int state_arg[8];	/* <state> argument per call */
	unsigned int state_in[8];	/* t->state read inside, per call */
	void *ctx[8];
	int tid[8];
	int rewake;			/* wake itself on the first call */
	int free_self;			/* tasklet_free() itself on call 1 */
	unsigned int after_rewake;	/* t->state right after the rewake */
};

static struct task *seen_cb(struct task *t, void *ctx, unsigned int state)
{
	struct seen *s = &((struct seen *)ctx)[0];
	int i = s->calls++;

	if (i < 8) {
		s->state_arg[i] = state;
		s->state_in[i] = atomic_load(&t->state);
		s->ctx[i] = ctx;
		s->tid[i] = tid;
	}
	if (i == 0 && s->rewake) {
		tasklet_wakeup((struct tasklet *)t);
		s->after_rewake = atomic_load(&t->state);
	}
	if (i == 0 && s->free_self) {
		tasklet_free((struct tasklet *)t);
		return NULL;
	}
	return t;
}

static struct tasklet *seen_tasklet(struct seen *s)
{
	struct tasklet *tl = tasklet_new();

	memset(s, 0, sizeof(*s));
	if (tl) {
		tl->process = seen_cb;
		tl->context = s;
	}
	return tl;
}

/* USR1 survives the dequeue; IN_LIST is in the snapshot handed to the
 * callback but already cleared in t->state while it runs. */
static int snapshot_usr1_survives(void)
{
	struct seen s;
	struct tasklet *tl;
	unsigned int st;
	int n;

	CHECK(solo_begin() == 0, "sched_init_thread failed");
	tl = seen_tasklet(&s);
	CHECK(tl, "tasklet_new failed");
	CHECK(atomic_load(&tl->state) == TASK_F_TASKLET && tl->tid == -1,
	      "fresh tasklet: state %#x tid %d", atomic_load(&tl->state),
	      tl->tid);

	atomic_fetch_or(&tl->state, TASK_F_USR1);
	tasklet_wakeup(tl);
	st = atomic_load(&tl->state);
	CHECK(st == (TASK_F_TASKLET | TASK_F_USR1 | TASK_IN_LIST),
	      "queued state %#x", st);
	CHECK(sched_has_work(), "nothing queued after a wakeup");

	n = sched_run(200);
	CHECK(n == 1 && s.calls == 1, "ran %d objects, %d calls", n, s.calls);
	CHECK(s.state_arg[0] == (TASK_F_TASKLET | TASK_F_USR1 | TASK_IN_LIST),
	      "state argument %#x: want TASKLET|USR1|IN_LIST", s.state_arg[0]);
	CHECK(s.state_in[0] == (TASK_F_TASKLET | TASK_F_USR1),
	      "t->state inside the callback %#x: IN_LIST must be cleared, "
	      "USR1 kept", s.state_in[0]);
	CHECK(s.ctx[0] == &s && s.tid[0] == 0, "ctx %p tid %d", s.ctx[0],
	      s.tid[0]);
	st = atomic_load(&tl->state);
	CHECK(st == (TASK_F_TASKLET | TASK_F_USR1), "after run: %#x", st);
	CHECK(tl->calls == 1, "calls %u", tl->calls);

	/* without USR1 the snapshot has no USR1: the io_cb fast path */
	atomic_fetch_and(&tl->state, ~TASK_F_USR1);
	tasklet_wakeup(tl);
	sched_run(200);
	CHECK(s.calls == 2 && !(s.state_arg[1] & TASK_F_USR1) &&
	      (s.state_arg[1] & TASK_IN_LIST), "second snapshot %#x",
	      s.state_arg[1]);

	/* the ctx argument is the one read at dequeue */
	tl->context = &s;
	tasklet_wakeup(tl);
	sched_run(200);
	CHECK(s.ctx[2] == &s, "ctx argument changed");

	tasklet_free(tl);
	solo_end();
	return 0;
}

/* A wakeup of a queued tasklet is a no-op; waking one from its own
 * callback queues it again (IN_LIST was cleared) and it runs again. */
static int wakeup_queued_once_and_rewake(void)
{
	struct seen s;
	struct tasklet *tl;
	long base = sched_live_tasklets();

	CHECK(solo_begin() == 0, "sched_init_thread failed");
	tl = seen_tasklet(&s);
	CHECK(tl, "tasklet_new failed");
	tasklet_wakeup(tl);
	tasklet_wakeup(tl);
	tasklet_wakeup_on(tl, 0);
	CHECK(sched_run(200) == 1 && s.calls == 1,
	      "three wakeups of a queued tasklet ran it %d times", s.calls);
	CHECK(!sched_has_work(), "work left");

	s.calls = 0;
	s.rewake = 1;
	tasklet_wakeup(tl);
	sched_run(200);
	CHECK(s.calls == 2, "woken while running: ran %d times, want 2",
	      s.calls);
	CHECK(s.after_rewake & TASK_IN_LIST,
	      "the rewake did not queue it (state %#x)", s.after_rewake);
	CHECK(s.state_arg[1] & TASK_IN_LIST, "second run snapshot %#x",
	      s.state_arg[1]);
	tasklet_free(tl);
	CHECK(sched_live_tasklets() == base, "live tasklets %ld, want %ld",
	      sched_live_tasklets(), base);
	solo_end();
	return 0;
}

static struct task *loop_cb(struct task *t, void *ctx, unsigned int state)
{
	(*(int *)ctx)++;
	tasklet_wakeup((struct tasklet *)t);
	return t;
}

/* A tasklet that keeps waking itself cannot starve the poller. */
static int budget_is_respected(void)
{
	struct tasklet *tl;
	int runs = 0;

	CHECK(solo_begin() == 0, "sched_init_thread failed");
	tl = tasklet_new();
	CHECK(tl, "tasklet_new failed");
	tl->process = loop_cb;
	tl->context = &runs;
	tasklet_wakeup(tl);
	CHECK(sched_run(5) == 5 && runs == 5, "budget 5: ran %d", runs);
	CHECK(sched_has_work(), "the self-waking tasklet is not queued");
	tasklet_free(tl);		/* queued: KILLED, freed by the loop */
	CHECK(sched_run(5) == 1 && runs == 5, "killed tasklet ran (%d)",
	      runs);
	solo_end();
	return 0;
}

/* tasklet_free() from its own callback after it was re-queued: the KILLED
 * path, freed by the run loop, never run again. */
static int free_in_cb_after_local_rewake(void)
{
	struct seen s;
	struct tasklet *tl;
	long base = sched_live_tasklets();

	CHECK(solo_begin() == 0, "sched_init_thread failed");
	tl = seen_tasklet(&s);
	CHECK(tl, "tasklet_new failed");
	s.rewake = 1;
	s.free_self = 1;
	tasklet_wakeup(tl);
	CHECK(sched_live_tasklets() == base + 1, "not counted");
	sched_run(200);
	CHECK(s.calls == 1, "ran %d times after freeing itself", s.calls);
	CHECK(sched_live_tasklets() == base, "leak: %ld live, want %ld",
	      sched_live_tasklets(), base);
	CHECK(!sched_has_work(), "work left");
	solo_end();
	return 0;
}

/* ---- timers -------------------------------------------------------------- */

struct tmr {
	int idx;
	int calls;
	uint64_t fired_at;
	unsigned int state;
	int rearm;			/* write t->expire on the first call */
	int *order;
	int *nb_order;
};

static struct task *tmr_cb(struct task *t, void *ctx, unsigned int state)
{
	struct tmr *m = ctx;

	m->calls++;
	m->fired_at = now_mono_ns();
	m->state = state;
	m->order[(*m->nb_order)++] = m->idx;
	if (m->rearm && m->calls == 1)
		t->expire = now_mono_ns() + 5 * 1000000ull;
	return t;
}

/* Timers fire in expiry order, never early, with TASK_WOKEN_TIMER; a
 * disarmed one never fires; rescheduling moves it; a callback writing a
 * future expire re-arms it (HAProxy style). */
static int timers_fire_in_order(void)
{
	static const int delay_ms[6] = { 80, 10, 30, 20, 40, 25 };
	struct task *t[6];
	struct tmr m[6];
	uint64_t start, expire[6], end;
	int order[32], nb = 0, i;
	long base = sched_live_tasks();

	CHECK(solo_begin() == 0, "sched_init_thread failed");
	start = now_mono_ns();
	for (i = 0; i < 6; i++) {
		t[i] = task_new_on(0);
		CHECK(t[i], "task_new_on failed");
		memset(&m[i], 0, sizeof(m[i]));
		m[i].idx = i;
		m[i].order = order;
		m[i].nb_order = &nb;
		t[i]->process = tmr_cb;
		t[i]->context = &m[i];
		expire[i] = start + delay_ms[i] * 1000000ull;
		task_schedule(t[i], expire[i]);
	}
	CHECK(sched_next_timer() == expire[1], "next timer is not the 10 ms");
	task_schedule(t[4], 0);			/* 40 ms: disarmed */
	expire[5] = start + 5 * 1000000ull;	/* 25 ms -> 5 ms */
	task_schedule(t[5], expire[5]);
	m[2].rearm = 1;				/* 30 ms, again at ~35 */

	end = test_ms() + 2000;
	while (nb < 6 && test_ms() < end) {
		sched_wake_timers(now_mono_ns());
		sched_run(200);
		test_usleep(500);
	}
	/* expected: 5 (5ms) 1 (10) 3 (20) 2 (30) 2 (~35) 0 (80) */
	CHECK(nb == 6, "%d timer runs in 2 s, want 6", nb);
	CHECK(order[0] == 5 && order[1] == 1 && order[2] == 3 &&
	      order[3] == 2 && order[4] == 2 && order[5] == 0,
	      "order %d %d %d %d %d %d", order[0], order[1], order[2],
	      order[3], order[4], order[5]);
	for (i = 0; i < 6; i++) {
		if (i == 4)
			continue;
		CHECK(m[i].fired_at >= expire[i], "timer %d fired early", i);
		CHECK(m[i].state & TASK_WOKEN_TIMER, "timer %d state %#x", i,
		      m[i].state);
		CHECK(!(atomic_load(&t[i]->state) & TASK_WOKEN_ANY),
		      "timer %d keeps wake reasons: %#x", i,
		      atomic_load(&t[i]->state));
	}
	CHECK(m[4].calls == 0, "disarmed timer fired");
	CHECK(m[2].calls == 2, "re-armed timer ran %d times", m[2].calls);
	CHECK(sched_next_timer() == 0, "a timer is still armed");

	/* a wake reason reaches the callback and is cleared afterwards */
	task_wakeup(t[4], TASK_WOKEN_MSG);
	sched_run(200);
	CHECK(m[4].calls == 1 && (m[4].state & TASK_WOKEN_MSG) &&
	      !(m[4].state & TASK_WOKEN_TIMER), "woken by msg: %#x",
	      m[4].state);

	for (i = 0; i < 6; i++)
		task_destroy(t[i]);
	CHECK(sched_live_tasks() == base, "live tasks %ld, want %ld",
	      sched_live_tasks(), base);
	solo_end();
	return 0;
}

/* ---- with the real engine threads ----------------------------------------- */

struct remote {
	int _Atomic calls;
	int _Atomic wrong_tid;		/* ran elsewhere than <want_tid> */
	int _Atomic last_tid;
	int _Atomic inside;		/* callbacks running now */
	int _Atomic overlap;		/* two ran at once */
	int want_tid;
};

static struct task *remote_cb(struct task *t, void *ctx, unsigned int st)
{
	struct remote *r = ctx;

	if (atomic_fetch_add(&r->inside, 1) != 0)
		atomic_store(&r->overlap, 1);
	atomic_store(&r->last_tid, tid);
	if (r->want_tid >= 0 && tid != r->want_tid)
		atomic_fetch_add(&r->wrong_tid, 1);
	atomic_fetch_sub(&r->inside, 1);
	atomic_fetch_add(&r->calls, 1);
	return t;
}

/* Wakeups from a non-engine thread reach the owner, run there, and wake it
 * from its poller at once (no lost wakeup: each would cost up to 100 ms). */
static int remote_wakeups_run_on_owner(void)
{
	struct remote r = { .want_tid = 1 };
	struct tasklet *tl;
	uint64_t t0, spent;
	int i;

	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	tl = tasklet_new();
	CHECK(tl, "tasklet_new failed");
	tl->tid = 1;
	tl->process = remote_cb;
	tl->context = &r;

	t0 = test_ms();
	for (i = 0; i < 200; i++) {
		/* let the owner fall asleep from time to time */
		if (i % 20 == 0)
			test_usleep(3000);
		tasklet_wakeup(tl);
		CHECK(wait_until(atomic_load(&r.calls) == i + 1, 2000),
		      "wakeup %d never ran", i);
	}
	spent = test_ms() - t0;
	CHECK(atomic_load(&r.wrong_tid) == 0, "ran on thread %d",
	      atomic_load(&r.last_tid));
	CHECK(spent < 3000, "200 wakeups took %llu ms: sleeping thread not "
	      "woken", (unsigned long long)spent);
	engine_stop();
	tasklet_free(tl);
	return 0;
}

/* Many producers push onto the same shared list at once: every element
 * arrives exactly once, on the owner. */
#define PRODUCERS	4
#define PER_PRODUCER	2000

struct producer {
	pthread_t th;
	struct tasklet *tl;
	struct remote r;
	struct tasklet *common;
	int failed;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	int i;

	for (i = 0; i < PER_PRODUCER; i++) {
		tasklet_wakeup(p->tl);
		tasklet_wakeup(p->common);	/* contended, may coalesce */
		if (!wait_until(atomic_load(&p->r.calls) == i + 1, 5000)) {
			p->failed = i + 1;
			break;
		}
	}
	return NULL;
}

static int concurrent_remote_pushes(void)
{
	struct producer p[PRODUCERS];
	struct remote common = { .want_tid = 1 };
	struct tasklet *ctl;
	int i, before;

	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	ctl = tasklet_new();
	CHECK(ctl, "tasklet_new failed");
	ctl->tid = 1;
	ctl->process = remote_cb;
	ctl->context = &common;
	for (i = 0; i < PRODUCERS; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].r.want_tid = 1;
		p[i].common = ctl;
		p[i].tl = tasklet_new();
		CHECK(p[i].tl, "tasklet_new failed");
		p[i].tl->tid = 1;
		p[i].tl->process = remote_cb;
		p[i].tl->context = &p[i].r;
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i].th, NULL, producer_main, &p[i]);
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(p[i].th, NULL);
	for (i = 0; i < PRODUCERS; i++) {
		CHECK(!p[i].failed, "producer %d: wakeup %d lost", i,
		      p[i].failed);
		CHECK(atomic_load(&p[i].r.calls) == PER_PRODUCER,
		      "producer %d: %d runs, want %d", i,
		      atomic_load(&p[i].r.calls), PER_PRODUCER);
		CHECK(!atomic_load(&p[i].r.wrong_tid), "ran off its owner");
	}
	/* the shared tasklet: coalesced wakeups, never two runs at once */
	CHECK(wait_until(!(atomic_load(&ctl->state) & TASK_IN_LIST), 2000),
	      "common tasklet stays queued");
	before = atomic_load(&common.calls);
	CHECK(before >= 1 && before <= PRODUCERS * PER_PRODUCER,
	      "common tasklet ran %d times", before);
	CHECK(!atomic_load(&common.overlap), "two runs overlapped");
	CHECK(!atomic_load(&common.wrong_tid), "common ran off its owner");
	tasklet_wakeup(ctl);
	CHECK(wait_until(atomic_load(&common.calls) == before + 1, 2000),
	      "a wakeup after the storm was lost");

	engine_stop();
	for (i = 0; i < PRODUCERS; i++)
		tasklet_free(p[i].tl);
	tasklet_free(ctl);
	return 0;
}

/* The shared list is LIFO; the owner must run it oldest first. */
struct fifo_rec {
	int _Atomic order[8];
	int _Atomic nb;
};

struct fifo_item {
	struct fifo_rec *rec;
	int idx;
};

static struct task *fifo_cb(struct task *t, void *ctx, unsigned int st)
{
	struct fifo_item *it = ctx;

	atomic_store(&it->rec->order[atomic_fetch_add(&it->rec->nb, 1)],
		     it->idx);
	return t;
}

static int _Atomic gate_open;
static int _Atomic gate_in;

static void gate_fn(void *arg)
{
	(void)arg;
	atomic_store(&gate_in, 1);
	while (!atomic_load(&gate_open))
		test_usleep(100);
}

static int shared_list_runs_fifo(void)
{
	struct fifo_rec rec = { .nb = 0 };
	struct fifo_item it[5];
	struct tasklet *tl[5];
	struct job gate = { .fn = gate_fn };
	int i;

	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	atomic_store(&gate_open, 0);
	atomic_store(&gate_in, 0);
	CHECK(run_on_async(1, &gate) == 0, "run_on_async failed");
	CHECK(wait_until(atomic_load(&gate_in), 2000), "gate never ran");
	/* thread 1 is busy: these pile up in its shared list */
	for (i = 0; i < 5; i++) {
		it[i].rec = &rec;
		it[i].idx = i;
		tl[i] = tasklet_new();
		CHECK(tl[i], "tasklet_new failed");
		tl[i]->process = fifo_cb;
		tl[i]->context = &it[i];
		tasklet_wakeup_on(tl[i], 1);
	}
	atomic_store(&gate_open, 1);
	CHECK(wait_until(atomic_load(&rec.nb) == 5, 2000), "ran %d of 5",
	      atomic_load(&rec.nb));
	for (i = 0; i < 5; i++)
		CHECK(atomic_load(&rec.order[i]) == i,
		      "position %d ran tasklet %d", i,
		      atomic_load(&rec.order[i]));
	CHECK(wait_until(atomic_load(&gate.done), 2000), "gate stuck");
	engine_stop();
	for (i = 0; i < 5; i++)
		tasklet_free(tl[i]);
	return 0;
}

/* tasklet_wakeup_on() runs a tid -1 tasklet on the named thread, from
 * outside or from another engine thread; tasklet_wakeup() of a tid -1
 * tasklet from an engine thread runs it there. */
struct wake_arg {
	struct tasklet *tl;
	int thr;
};

static void wake_on_fn(void *arg)
{
	struct wake_arg *w = arg;

	if (w->thr >= 0)
		tasklet_wakeup_on(w->tl, w->thr);
	else
		tasklet_wakeup(w->tl);
}

static int wakeup_on_targets_thread(void)
{
	struct remote r = { .want_tid = -1 };
	struct tasklet *tl;
	struct wake_arg w;
	int n = 0;

	CHECK(engine_start(3, NULL) == 0, "threads_start failed");
	tl = tasklet_new();
	CHECK(tl, "tasklet_new failed");
	tl->process = remote_cb;
	tl->context = &r;

#define EXPECT_RUN_ON(thr) do {						\
	n++;								\
	CHECK(wait_until(atomic_load(&r.calls) == n, 2000),		\
	      "run %d missing", n);					\
	CHECK(atomic_load(&r.last_tid) == (thr), "run %d on thread %d,"	\
	      " want %d", n, atomic_load(&r.last_tid), (thr));		\
} while (0)

	tasklet_wakeup_on(tl, 1);		/* from outside */
	EXPECT_RUN_ON(1);
	tasklet_wakeup_on(tl, 2);
	EXPECT_RUN_ON(2);
	w.tl = tl;
	w.thr = 2;				/* from thread 0 to thread 2 */
	CHECK(run_on(0, wake_on_fn, &w) == 0, "run_on failed");
	EXPECT_RUN_ON(2);
	w.thr = 0;				/* from thread 1 to thread 0 */
	CHECK(run_on(1, wake_on_fn, &w) == 0, "run_on failed");
	EXPECT_RUN_ON(0);
	w.thr = -1;				/* tid -1: the waker's */
	CHECK(run_on(1, wake_on_fn, &w) == 0, "run_on failed");
	EXPECT_RUN_ON(1);
	tl->tid = 2;				/* bound: wherever woken */
	CHECK(run_on(0, wake_on_fn, &w) == 0, "run_on failed");
	EXPECT_RUN_ON(2);
#undef EXPECT_RUN_ON
	engine_stop();
	tasklet_free(tl);
	return 0;
}

/* tasklet_free() from its own callback while another thread woke it
 * meanwhile: marked KILLED, freed by the owner's run loop, never run
 * again, not leaked. */
struct killme {
	int _Atomic calls;
	int _Atomic in_cb;
	int _Atomic woken;
	int _Atomic timeout;
};

static struct task *killme_cb(struct task *t, void *ctx, unsigned int st)
{
	struct killme *k = ctx;

	atomic_fetch_add(&k->calls, 1);
	atomic_store(&k->in_cb, 1);
	if (!wait_until(atomic_load(&k->woken), 5000))
		atomic_store(&k->timeout, 1);
	tasklet_free((struct tasklet *)t);
	return NULL;
}

static int free_in_cb_with_remote_wakeup(void)
{
	struct killme k = { .calls = 0 };
	struct tasklet *tl;
	long base;
	unsigned int st;

	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	base = sched_live_tasklets();
	tl = tasklet_new();
	CHECK(tl, "tasklet_new failed");
	tl->tid = 1;
	tl->process = killme_cb;
	tl->context = &k;
	tasklet_wakeup(tl);
	CHECK(wait_until(atomic_load(&k.in_cb), 2000), "never ran");
	/* the callback runs, IN_LIST is clear: this queues it again */
	tasklet_wakeup(tl);
	st = atomic_load(&tl->state);
	CHECK(st & TASK_IN_LIST, "remote wakeup did not queue: %#x", st);
	atomic_store(&k.woken, 1);
	/* from here on <tl> may be freed: do not touch it */
	CHECK(wait_until(sched_live_tasklets() == base, 2000),
	      "killed tasklet leaked (%ld live, want %ld)",
	      sched_live_tasklets(), base);
	test_usleep(20000);
	CHECK(atomic_load(&k.calls) == 1, "ran %d times",
	      atomic_load(&k.calls));
	CHECK(!atomic_load(&k.timeout), "callback timed out");
	engine_stop();
	CHECK(sched_live_tasklets() == base, "leak after stop");
	return 0;
}

/* task_kill() from another thread: freed by the owner without running,
 * even with a timer armed; a task killed while running finishes that run
 * and is freed without running again. */
struct ktask {
	struct task *t;
	int _Atomic calls;
	int _Atomic in_cb;
	int _Atomic go;
	int block;
};

static struct task *ktask_cb(struct task *t, void *ctx, unsigned int st)
{
	struct ktask *k = ctx;

	atomic_fetch_add(&k->calls, 1);
	atomic_store(&k->in_cb, 1);
	if (k->block)
		wait_until(atomic_load(&k->go), 5000);
	return t;
}

static void arm_fn(void *arg)
{
	struct ktask *k = arg;

	task_schedule(k->t, now_mono_ns() + 30 * 1000000ull);
}

static void kill_fn(void *arg)
{
	task_kill(((struct ktask *)arg)->t);
}

static int task_kill_from_other_thread(void)
{
	struct ktask a = { .calls = 0 }, b = { .calls = 0 },
		     c = { .calls = 0 };
	long base;

	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	base = sched_live_tasks();

	/* a: armed on thread 1, killed from outside before it fires */
	a.t = task_new_on(1);
	CHECK(a.t, "task_new_on failed");
	a.t->process = ktask_cb;
	a.t->context = &a;
	CHECK(run_on(1, arm_fn, &a) == 0, "arm failed");
	task_kill(a.t);
	CHECK(wait_until(sched_live_tasks() == base, 2000),
	      "killed task not freed");
	test_usleep(60000);			/* past its expiry */
	CHECK(atomic_load(&a.calls) == 0, "killed task ran");

	/* b: killed from engine thread 0 */
	b.t = task_new_on(1);
	CHECK(b.t, "task_new_on failed");
	b.t->process = ktask_cb;
	b.t->context = &b;
	CHECK(run_on(1, arm_fn, &b) == 0, "arm failed");
	CHECK(run_on(0, kill_fn, &b) == 0, "kill failed");
	CHECK(wait_until(sched_live_tasks() == base, 2000),
	      "task killed by thread 0 not freed");
	test_usleep(60000);
	CHECK(atomic_load(&b.calls) == 0, "killed task ran");

	/* c: killed while its callback runs */
	c.t = task_new_on(1);
	CHECK(c.t, "task_new_on failed");
	c.t->process = ktask_cb;
	c.t->context = &c;
	c.block = 1;
	task_wakeup(c.t, TASK_WOKEN_MSG);
	CHECK(wait_until(atomic_load(&c.in_cb), 2000), "never ran");
	task_kill(c.t);
	atomic_store(&c.go, 1);
	CHECK(wait_until(sched_live_tasks() == base, 2000),
	      "task killed while running not freed");
	test_usleep(20000);
	CHECK(atomic_load(&c.calls) == 1, "ran %d times",
	      atomic_load(&c.calls));

	engine_stop();
	return 0;
}

/* Shutdown: a tasklet woken on thread 1 by thread 0's stop_back, after
 * thread 1 drained its list, still runs before the threads exit. */
static struct tasklet *late_tl;
static int _Atomic late_calls;

static struct task *late_cb(struct task *t, void *ctx, unsigned int st)
{
	atomic_fetch_add(&late_calls, 1);
	tasklet_free((struct tasklet *)t);
	return NULL;
}

static void late_stop_back(void)
{
	if (tid != 0)
		return;
	test_usleep(50000);		/* thread 1 waits at the barrier */
	tasklet_wakeup_on(late_tl, 1);
}

static int shutdown_drains_late_remote_work(void)
{
	static const struct thread_hooks hooks = {
		.stop_back = late_stop_back,
	};
	long base = sched_live_tasklets();

	atomic_store(&late_calls, 0);
	late_tl = tasklet_new();
	CHECK(late_tl, "tasklet_new failed");
	late_tl->process = late_cb;
	CHECK(engine_start(2, &hooks) == 0, "threads_start failed");
	test_usleep(10000);
	engine_stop();
	CHECK(atomic_load(&late_calls) == 1, "late tasklet ran %d times",
	      atomic_load(&late_calls));
	CHECK(sched_live_tasklets() == base, "leak: %ld live",
	      sched_live_tasklets());
	return 0;
}

/* threads_start() fails cleanly when one thread's init fails. */
static int _Atomic deinit_calls;

static int init_fail_on_1(void)
{
	return tid == 1 ? -1 : 0;
}

static void count_deinit(void)
{
	atomic_fetch_add(&deinit_calls, 1);
}

static int start_fails_when_an_init_fails(void)
{
	static const struct thread_hooks hooks = {
		.init = init_fail_on_1,
		.deinit = count_deinit,
	};

	atomic_store(&deinit_calls, 0);
	CHECK(engine_start(3, &hooks) == -1, "threads_start succeeded");
	CHECK(atomic_load(&deinit_calls) == 2,
	      "deinit ran %d times, want 2 (not on the failed thread)",
	      atomic_load(&deinit_calls));
	threads_join();			/* harmless second join */
	CHECK(engine_start(2, NULL) == 0, "engine does not restart");
	engine_stop();
	return 0;
}

/* ---- ids, flags, bug table ------------------------------------------------ */

#define ID_THREADS	4
#define ID_PER_THREAD	20000

static uint64_t ids[ID_THREADS * ID_PER_THREAD];

static void *id_main(void *arg)
{
	uint64_t *out = arg;
	int i;

	for (i = 0; i < ID_PER_THREAD; i++)
		out[i] = new_obj_id();
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int obj_ids_unique(void)
{
	pthread_t th[ID_THREADS];
	int i;

	for (i = 0; i < ID_THREADS; i++)
		pthread_create(&th[i], NULL, id_main, ids + i * ID_PER_THREAD);
	for (i = 0; i < ID_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < ID_THREADS; i++) {
		int j;

		for (j = 1; j < ID_PER_THREAD; j++)
			CHECK(ids[i * ID_PER_THREAD + j] >
			      ids[i * ID_PER_THREAD + j - 1],
			      "ids not increasing in one thread");
	}
	qsort(ids, ID_THREADS * ID_PER_THREAD, sizeof(ids[0]), cmp_u64);
	CHECK(ids[0] >= 1, "id 0 handed out");
	for (i = 1; i < ID_THREADS * ID_PER_THREAD; i++)
		CHECK(ids[i] != ids[i - 1], "id %llu handed out twice",
		      (unsigned long long)ids[i]);
	return 0;
}

static int show_flags(void)
{
	char buf[128], small[8];

	CHECK(!strcmp(task_show_flags(buf, sizeof(buf), 0), "0"), "0: %s",
	      buf);
	task_show_flags(buf, sizeof(buf), TASK_F_USR1 | TASK_IN_LIST);
	CHECK(!strcmp(buf, "USR1|IN_LIST"), "got %s", buf);
	task_show_flags(buf, sizeof(buf), TASK_F_USR1 | TASK_F_TASKLET |
			TASK_KILLED | TASK_WOKEN_TIMER | 0x80000000u);
	CHECK(!strcmp(buf, "USR1|TASKLET|WOKEN_TIMER|KILLED|0x80000000"),
	      "got %s", buf);
	task_show_flags(small, sizeof(small), TASK_F_USR1 | TASK_IN_LIST);
	CHECK(strlen(small) < sizeof(small) && !strncmp(small, "USR1", 4),
	      "truncation: %s", small);
	return 0;
}

static int bug_table_complete(void)
{
	int i;

	CHECK(lab_mode == MODE_USR1 && lab_bug == BUG_NONE,
	      "defaults: mode %d bug %d", lab_mode, lab_bug);
	for (i = 0; i < BUG_COUNT; i++) {
		CHECK(bug_table[i].name && bug_table[i].origin &&
		      bug_table[i].what && *bug_table[i].what,
		      "entry %d incomplete", i);
		CHECK(bug_lookup(bug_table[i].name) == (enum bug_id)i,
		      "lookup of %s", bug_table[i].name);
	}
	CHECK(bug_lookup("trust-ctx") == BUG_TRUST_CTX, "trust-ctx");
	CHECK(bug_lookup("usr1-attach-or") == BUG_USR1_ATTACH_OR, "attach-or");
	CHECK(bug_lookup("no-such-bug") == BUG_COUNT, "unknown name found");
	CHECK(bug_lookup(NULL) == BUG_NONE && bug_lookup("") == BUG_NONE,
	      "empty name");
	return 0;
}

int main(void)
{
	test_init();
	if (fd_init(0) < 0) {
		printf("FAIL fd_init\n");
		return 1;
	}
	RUN(snapshot_usr1_survives);
	RUN(wakeup_queued_once_and_rewake);
	RUN(budget_is_respected);
	RUN(free_in_cb_after_local_rewake);
	RUN(timers_fire_in_order);
	RUN(remote_wakeups_run_on_owner);
	RUN(concurrent_remote_pushes);
	RUN(shared_list_runs_fifo);
	RUN(wakeup_on_targets_thread);
	RUN(free_in_cb_with_remote_wakeup);
	RUN(task_kill_from_other_thread);
	RUN(shutdown_drains_late_remote_work);
	RUN(start_fails_when_an_init_fails);
	RUN(obj_ids_unique);
	RUN(show_flags);
	RUN(bug_table_complete);
	fd_deinit();
	return test_failures ? 1 : 0;
}
