/*
 * gentrace.c - emit a plausible stream of muxlab events, for muxview's
 * tests and benchmarks, through the real tracepoint provider.
 *
 * This is not the engine: N pthreads act out the request path of
 * docs/architecture.md with real per-thread mutexes standing for the
 * idle_conns_locks, real per-thread idle lists, cross-thread steals and
 * the old tasklet dying on its old thread. Being causally consistent, its
 * traces pass `muxview --check`; each --bug mode plants one violation of
 * one invariant every 50 requests so that --check must fail.
 *
 * Build (viewer/Makefile): cc -I../src gentrace.c ../src/muxlab-tp.c
 *                          -llttng-ust -ldl -lpthread
 * Run it inside an lttng session (tests/viewer/lib.sh: record_trace).
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <lttng/tracef.h>

#include "task-t.h"
#include "trace-t.h"
#include "muxlab-tp.h"

#define MAX_THR		32
#define POOL_MAX	64	/* idle conns per thread (pool-max-conn) */
#define NSRV		4
#define STOLEN_MAX	256
#define BUG_EVERY	50	/* requests between two planted bugs */

enum bug {
	BUG_NONE = 0,
	BUG_FRONT_LOCKED,	/* inv 1 */
	BUG_IDLE_FAST,		/* inv 2 */
	BUG_FLAG_LATE,		/* inv 3 */
	BUG_STEAL_FAST,		/* inv 4 */
	BUG_TWO_LOCKS,		/* inv 5 */
	BUG_LEGACY_FAST,	/* inv 6 */
	BUG_NO_USR1,		/* inv 2 and 3 */
	BUG_PURGE_REINSERT,	/* inv 7 */
	BUG_FAST_LOCKS,		/* inv 5: a fast io_cb takes the lock */
};

static const char *const bug_names[] = {
	"", "front-locked", "idle-fast", "flag-late", "steal-fast",
	"two-locks", "legacy-fast", "no-usr1", "purge-reinsert", "fast-locks",
};

struct sconn {
	uint64_t id, tl;
	int mux, srv, list, nreq;
	unsigned int state;
};

struct stolen {
	uint64_t tl;
	int mux;
};

struct thr {
	pthread_mutex_t lock;		/* this thread's idle_conns_lock */
	uint64_t t_acq;			/* when it was taken */
	uint64_t wait;			/* how long taking it took */
	uint64_t ev_at;			/* the holder's events when taken */
	int site, trylock;
	struct sconn *idle[POOL_MAX];	/* idle + safe list */
	int nidle;
	pthread_mutex_t qlock;		/* shared run queue (not traced) */
	struct stolen q[STOLEN_MAX];
	int nq;
	uint64_t rnd;
	uint64_t events;
	uint64_t requests;
	uint64_t takeovers;
	uint64_t nstolen;		/* stolen tasklets run here */
	pthread_t th;
	int tid;
} __attribute__((aligned(64)));

static struct thr thr[MAX_THR];
static int nthr = 2, mode = MODE_USR1;
static enum bug bug;
static uint64_t target = 100000;
static atomic_uint_fast64_t next_id = 1;
static atomic_int active;		/* workers still in request() */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(struct thr *t)
{
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 7;
	t->rnd ^= t->rnd << 17;
	return (uint32_t)(t->rnd >> 16);
}

static int bug_now(struct thr *t, enum bug b)
{
	return bug == b && t->requests % BUG_EVERY == BUG_EVERY / 2;
}

/* ---- instrumented lock wrappers (what the engine's would do) ----
 * One lock event per critical section, at its end (trace format 2): wait,
 * hold, and how many events this thread emitted while holding it. */

static void lock_event(struct thr *me, int l, int site, int trylock, int ok,
		       uint64_t inside, uint64_t wait, uint64_t hold)
{
	lttng_ust_tracepoint(muxlab, lock, me->tid, l, site, trylock, ok,
			     inside > 65535 ? 65535 : (unsigned int)inside,
			     wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait,
			     hold > UINT32_MAX ? UINT32_MAX : (uint32_t)hold);
	me->events++;
}

static void lock_taken(struct thr *me, int l, int site, int trylock,
		       uint64_t wait)
{
	thr[l].t_acq = now_ns();
	thr[l].site = site;
	thr[l].trylock = trylock;
	thr[l].wait = wait;
	thr[l].ev_at = me->events;
}

static void lock_take(struct thr *me, int l, int site)
{
	uint64_t t0 = now_ns();

	pthread_mutex_lock(&thr[l].lock);
	lock_taken(me, l, site, 0, now_ns() - t0);
}

static int lock_try(struct thr *me, int l, int site)
{
	if (pthread_mutex_trylock(&thr[l].lock)) {
		lock_event(me, l, site, 1, 0, 0, 0, 0);
		return 0;
	}
	lock_taken(me, l, site, 1, 0);
	return 1;
}

static void lock_drop(struct thr *me, int l)
{
	uint64_t hold = now_ns() - thr[l].t_acq;

	/* two-locks: a section of another thread's lock inside this one
	 * (only its event: the mutex is not really taken) */
	if (bug_now(me, BUG_TWO_LOCKS) && l == me->tid &&
	    thr[l].site == SITE_ADD_IDLE && nthr > 1)
		lock_event(me, (l + 1) % nthr, SITE_OTHER, 0, 1, 0, 0, 1);
	/* emitted before the unlock, so that the next owner's section is
	 * always later in the merged trace */
	lock_event(me, l, thr[l].site, thr[l].trylock, 1,
		   me->events - thr[l].ev_at, thr[l].wait, hold);
	pthread_mutex_unlock(&thr[l].lock);
}

/* ---- the request path ---- */

static void io_cb(struct thr *me, uint64_t tl, uint64_t conn, int mux,
		  int side, unsigned int state, int force_path)
{
	int locked = mode == MODE_LEGACY || (state & TASK_F_USR1);

	if (force_path >= 0)
		locked = force_path;
	lttng_ust_tracepoint(muxlab, io_cb, me->tid, tl, conn, mux, side,
			     state, locked);
	me->events++;
	/* the planted fast-locks bug: traced fast, locks all the same */
	if (locked || (side == SIDE_BACK && bug_now(me, BUG_FAST_LOCKS))) {
		lock_take(me, me->tid, SITE_IO_CB);
		lock_drop(me, me->tid);
	}
}

static struct sconn *conn_new(struct thr *me, int side, int mux, int srv)
{
	struct sconn *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->id = atomic_fetch_add(&next_id, 1);
	c->tl = atomic_fetch_add(&next_id, 1);
	c->mux = mux;
	c->srv = srv;
	c->state = TASK_F_TASKLET;
	lttng_ust_tracepoint(muxlab, conn_new, me->tid, c->id, mux, side,
			     srv);
	me->events++;
	return c;
}

static void conn_free(struct thr *me, struct sconn *c, int side)
{
	lttng_ust_tracepoint(muxlab, conn_free, me->tid, c->id, c->mux, side);
	me->events++;
	free(c);
}

/* own idle list first, under our lock */
static struct sconn *take_own(struct thr *me, int srv)
{
	struct sconn *c = NULL;
	int i;

	lock_take(me, me->tid, SITE_BACKEND_GET);
	for (i = me->nidle - 1; i >= 0; i--) {
		if (me->idle[i]->srv != srv)
			continue;
		c = me->idle[i];
		me->idle[i] = me->idle[--me->nidle];
		lttng_ust_tracepoint(muxlab, idle_remove, me->tid, c->id,
				     c->mux, c->srv, c->list, REASON_REUSE);
		me->events++;
		c->list = LIST_NONE;
		break;
	}
	lock_drop(me, me->tid);
	return c;
}

/* other threads with trylock, takeover while holding the victim's lock */
static struct sconn *steal(struct thr *me, int srv)
{
	int k;

	for (k = 1; k < nthr; k++) {
		int j = (me->tid + k) % nthr, i;
		struct thr *v = &thr[j];
		struct sconn *c = NULL;

		if (!lock_try(me, j, SITE_STEAL_SCAN))
			continue;
		for (i = v->nidle - 1; i >= 0; i--) {
			if (v->idle[i]->srv == srv) {
				c = v->idle[i];
				break;
			}
		}
		if (c && rnd(me) % 20 == 0) {
			/* fd_takeover failed: the owner is in its callback */
			lttng_ust_tracepoint(muxlab, takeover, me->tid, c->id,
					     c->mux, j, c->tl, 0, 0);
			me->events++;
			c = NULL;
		} else if (c) {
			uint64_t old_tl = c->tl;

			v->idle[i] = v->idle[--v->nidle];
			c->tl = atomic_fetch_add(&next_id, 1);
			lttng_ust_tracepoint(muxlab, takeover, me->tid, c->id,
					     c->mux, j, old_tl, c->tl, 1);
			lttng_ust_tracepoint(muxlab, idle_remove, me->tid,
					     c->id, c->mux, c->srv, c->list,
					     REASON_STEAL);
			me->events += 2;
			c->list = LIST_NONE;
			/* the new tasklet carries no USR1 */
			c->state = TASK_F_TASKLET;
			/* wake the old tasklet on its old thread */
			pthread_mutex_lock(&v->qlock);
			if (v->nq < STOLEN_MAX) {
				v->q[v->nq].tl = old_tl;
				v->q[v->nq].mux = c->mux;
				v->nq++;
				lttng_ust_tracepoint(muxlab, tasklet_wakeup,
						     me->tid, old_tl, j, 1);
				me->events++;
			}
			pthread_mutex_unlock(&v->qlock);
			me->takeovers++;
		}
		lock_drop(me, j);
		if (c)
			return c;
	}
	return NULL;
}

/* the old tasklets other threads stole from us die here */
static void run_shared_queue(struct thr *me)
{
	struct stolen q[STOLEN_MAX];
	int n, i;

	pthread_mutex_lock(&me->qlock);
	n = me->nq;
	memcpy(q, me->q, n * sizeof(q[0]));
	me->nq = 0;
	pthread_mutex_unlock(&me->qlock);
	for (i = 0; i < n; i++) {
		unsigned int st = TASK_F_USR1 | TASK_F_TASKLET | TASK_IN_LIST |
				  TASK_WOKEN_OTHER;

		if (mode == MODE_LEGACY)
			st &= ~TASK_F_USR1;
		if (bug == BUG_STEAL_FAST && me->nstolen++ % 5 == 0) {
			/* the bug the commit guards against: no lock */
			lttng_ust_tracepoint(muxlab, io_cb, me->tid, q[i].tl,
					     0, q[i].mux, SIDE_BACK, st, 0);
			lttng_ust_tracepoint(muxlab, io_cb_stolen, me->tid,
					     q[i].tl, q[i].mux);
			me->events += 2;
			continue;
		}
		lttng_ust_tracepoint(muxlab, io_cb, me->tid, q[i].tl, 0,
				     q[i].mux, SIDE_BACK, st, 1);
		me->events++;
		lock_take(me, me->tid, SITE_IO_CB);
		lttng_ust_tracepoint(muxlab, io_cb_stolen, me->tid, q[i].tl,
				     q[i].mux);
		me->events++;
		lock_drop(me, me->tid);
	}
}

/* the server closed an idle conn: its tasklet wakes in the idle list */
static void idle_wake(struct thr *me)
{
	struct sconn *c;
	unsigned int st;
	int i, fast;

	/* the pick is the lab's, not an io_cb's: SITE_OTHER until the io_cb
	 * below says which path it took (a fast one takes no io_cb lock) */
	lock_take(me, me->tid, SITE_OTHER);
	if (!me->nidle) {
		lock_drop(me, me->tid);
		return;
	}
	i = (int)(rnd(me) % (uint32_t)me->nidle);
	c = me->idle[i];
	st = c->state | TASK_IN_LIST | TASK_WOKEN_IO;
	fast = mode == MODE_USR1 && !(st & TASK_F_USR1);
	if (bug_now(me, BUG_IDLE_FAST))
		fast = 1;
	if (!fast)
		thr[me->tid].site = SITE_IO_CB;
	lttng_ust_tracepoint(muxlab, io_cb, me->tid, c->tl, c->id, c->mux,
			     SIDE_BACK, st, !fast);
	lttng_ust_tracepoint(muxlab, idle_remove, me->tid, c->id, c->mux,
			     c->srv, c->list, REASON_IO);
	me->events += 2;
	me->idle[i] = me->idle[--me->nidle];
	lock_drop(me, me->tid);
	lock_take(me, me->tid, SITE_RELEASE);
	lock_drop(me, me->tid);
	conn_free(me, c, SIDE_BACK);
}

/* The purge queues one of our idle conns for destruction; a server PING
 * wakes its tasklet before the cleanup task ran, and the io_cb puts the
 * conn back into its list (the bug of HAProxy 9481cef94: it took the LIST
 * bits for list membership). Then the cleanup destroys it. The conn never
 * goes back into me->idle, so no other thread can find it meanwhile. */
static void purge_reinsert(struct thr *me)
{
	struct sconn *c;
	int list;

	lock_take(me, me->tid, SITE_PURGE);
	if (!me->nidle) {
		lock_drop(me, me->tid);
		return;
	}
	c = me->idle[--me->nidle];
	list = c->list;
	lttng_ust_tracepoint(muxlab, idle_remove, me->tid, c->id, c->mux,
			     c->srv, list, REASON_PURGE);
	lttng_ust_tracepoint(muxlab, idle_insert, me->tid, c->id, c->mux,
			     c->srv, LIST_TOREMOVE);
	me->events += 2;
	lock_drop(me, me->tid);

	io_cb(me, c->tl, c->id, c->mux, SIDE_BACK,
	      c->state | TASK_IN_LIST | TASK_WOKEN_IO, -1);
	lock_take(me, me->tid, SITE_IO_CB);
	lttng_ust_tracepoint(muxlab, idle_insert, me->tid, c->id, c->mux,
			     c->srv, list);
	me->events++;
	lock_drop(me, me->tid);

	/* the cleanup task: off the to-remove list, destroyed */
	lock_take(me, me->tid, SITE_PURGE);
	lttng_ust_tracepoint(muxlab, idle_remove, me->tid, c->id, c->mux,
			     c->srv, LIST_TOREMOVE, REASON_CLOSE);
	me->events++;
	lock_drop(me, me->tid);
	lock_take(me, me->tid, SITE_RELEASE);
	lttng_ust_tracepoint(muxlab, idle_remove, me->tid, c->id, c->mux,
			     c->srv, list, REASON_CLOSE);
	me->events++;
	lock_drop(me, me->tid);
	conn_free(me, c, SIDE_BACK);
}

static void request(struct thr *me)
{
	int fmux = rnd(me) % 3 == 0 ? MUX_H2 : MUX_H1;
	int srv = (int)(rnd(me) % NSRV), bmux;
	struct sconn *f, *b;
	uint64_t stream = atomic_fetch_add(&next_id, 1);
	unsigned int st;
	int force = -1;

	me->requests++;
	/* front side */
	f = conn_new(me, SIDE_FRONT, fmux, -1);
	lttng_ust_tracepoint(muxlab, tasklet_wakeup, me->tid, f->tl, me->tid,
			     0);
	me->events++;
	if (bug_now(me, BUG_FRONT_LOCKED))
		force = 1;
	if (bug_now(me, BUG_LEGACY_FAST))
		force = 0;
	io_cb(me, f->tl, f->id, fmux, SIDE_FRONT,
	      f->state | TASK_IN_LIST | TASK_WOKEN_IO, force);
	lttng_ust_tracepoint(muxlab, stream_attach, me->tid, f->id, fmux,
			     SIDE_FRONT, stream);
	me->events++;

	/* backend: own idle list, then steal, then a new conn */
	b = take_own(me, srv);
	if (!b && nthr > 1)
		b = steal(me, srv);
	if (!b) {
		bmux = (int)(rnd(me) % MUX_COUNT);
		b = conn_new(me, SIDE_BACK, bmux, srv);
	}
	lttng_ust_tracepoint(muxlab, stream_attach, me->tid, b->id, b->mux,
			     SIDE_BACK, stream);
	me->events++;
	if (b->state & TASK_F_USR1) {
		/* attach clears USR1 once the stream exists */
		st = b->state;
		b->state &= ~TASK_F_USR1;
		lttng_ust_tracepoint(muxlab, flag_clear, me->tid, b->tl, b->id,
				     b->mux, st, b->state);
		me->events++;
	}
	b->nreq++;

	/* the response arrives */
	lttng_ust_tracepoint(muxlab, tasklet_wakeup, me->tid, b->tl, me->tid,
			     0);
	me->events++;
	io_cb(me, b->tl, b->id, b->mux, SIDE_BACK,
	      b->state | TASK_IN_LIST | TASK_WOKEN_IO, -1);

	/* detach: set USR1, then publish in the idle/safe list */
	lttng_ust_tracepoint(muxlab, stream_detach, me->tid, b->id, b->mux,
			     SIDE_BACK, stream);
	me->events++;
	if (rnd(me) % 10 == 0) {
		lock_take(me, me->tid, SITE_RELEASE);
		lock_drop(me, me->tid);
		conn_free(me, b, SIDE_BACK);
	} else {
		int late = bug_now(me, BUG_FLAG_LATE);
		int noflag = bug == BUG_NO_USR1 || mode == MODE_LEGACY;

		st = b->state;
		if (!late && !noflag) {
			b->state |= TASK_F_USR1;
			lttng_ust_tracepoint(muxlab, flag_set, me->tid, b->tl,
					     b->id, b->mux, st, b->state);
			me->events++;
		}
		lock_take(me, me->tid, SITE_ADD_IDLE);
		if (me->nidle < POOL_MAX) {
			b->list = b->nreq > 1 ? LIST_SAFE : LIST_IDLE;
			me->idle[me->nidle++] = b;
			lttng_ust_tracepoint(muxlab, idle_insert, me->tid,
					     b->id, b->mux, b->srv, b->list);
			me->events++;
			if (late) {
				b->state |= TASK_F_USR1;
				lttng_ust_tracepoint(muxlab, flag_set, me->tid,
						     b->tl, b->id, b->mux, st,
						     b->state);
				me->events++;
			}
			b = NULL;
		}
		lock_drop(me, me->tid);
		if (b) {
			lock_take(me, me->tid, SITE_RELEASE);
			lock_drop(me, me->tid);
			conn_free(me, b, SIDE_BACK);
		}
	}

	/* the front sends the response and closes */
	io_cb(me, f->tl, f->id, fmux, SIDE_FRONT,
	      f->state | TASK_IN_LIST | TASK_WOKEN_IO, -1);
	lttng_ust_tracepoint(muxlab, stream_detach, me->tid, f->id, fmux,
			     SIDE_FRONT, stream);
	me->events++;
	conn_free(me, f, SIDE_FRONT);

	run_shared_queue(me);
	/* the planted idle-fast bug needs an idle wake at its request: force
	 * one there, or a short run may never meet it */
	if (rnd(me) % 8 == 0 || bug_now(me, BUG_IDLE_FAST))
		idle_wake(me);
	if (bug_now(me, BUG_PURGE_REINSERT))
		purge_reinsert(me);
}

static void *worker(void *arg)
{
	struct thr *me = arg;
	uint64_t quota = target / (uint64_t)nthr;

	while (me->events < quota)
		request(me);
	atomic_fetch_sub(&active, 1);
	/* a stolen tasklet dies on its old thread: keep running our shared
	 * queue until no thread can steal from us any more */
	while (atomic_load(&active) > 0)
		run_shared_queue(me);
	run_shared_queue(me);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: gentrace [-m legacy|usr1] [-t THREADS] [-n EVENTS] [-s SEED]\n"
"                [-b BUG] [--no-run-start] [--foreign] [--wait FILE]\n"
"Emits about EVENTS muxlab events from THREADS pthreads. Run it inside an\n"
"lttng session with 'muxlab:*' enabled and the vtid context.\n"
"BUG plants a violation every %d requests: front-locked (inv 1),\n"
"idle-fast (2), flag-late (3), steal-fast (4), two-locks (5),\n"
"legacy-fast (6, use with -m legacy), no-usr1 (2 and 3),\n"
"purge-reinsert (7), fast-locks (5: a back io_cb traced path=fast takes\n"
"the lock).\n"
"--foreign emits only lttng_ust_tracef events (not a muxlab trace).\n"
"--wait FILE starts only once FILE exists, so that a recorder can track\n"
"our pid and start its session first.\n",
		BUG_EVERY);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no-run-start", no_argument, NULL, 'R' },
		{ "foreign", no_argument, NULL, 'F' },
		{ "wait", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, events = 0, takeovers = 0, requests = 0;
	const char *wait_file = NULL;
	int c, i, no_start = 0, foreign = 0;

	while ((c = getopt_long(argc, argv, "m:t:n:s:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = strcmp(optarg, "legacy") == 0 ? MODE_LEGACY :
			       MODE_USR1;
			break;
		case 't':
			nthr = atoi(optarg);
			break;
		case 'n':
			target = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			for (i = 1; i < (int)(sizeof(bug_names) /
					      sizeof(bug_names[0])); i++)
				if (strcmp(optarg, bug_names[i]) == 0)
					bug = (enum bug)i;
			if (!bug) {
				fprintf(stderr, "gentrace: unknown bug %s\n",
					optarg);
				return 2;
			}
			break;
		case 'R':
			no_start = 1;
			break;
		case 'F':
			foreign = 1;
			break;
		case 'W':
			wait_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (nthr < 1 || nthr > MAX_THR) {
		fprintf(stderr, "gentrace: 1 to %d threads\n", MAX_THR);
		return 2;
	}
	if (wait_file) {
		/* the recorder tracks our pid, starts its session, then
		 * creates <wait_file>: nothing of ours is missed, nobody
		 * else's events get in (lttng track -u --vpid) */
		int n;

		for (n = 0; access(wait_file, F_OK) < 0; n++) {
			if (n == 2000) {
				fprintf(stderr, "gentrace: %s did not appear "
					"within 20 s\n", wait_file);
				return 2;
			}
			usleep(10000);
		}
	}
	if (foreign) {
		for (i = 0; i < (int)target; i++)
			lttng_ust_tracef("not muxlab: tick %d", i);
		return 0;
	}
	if (!no_start)
		lttng_ust_tracepoint(muxlab, run_start, mode, bug_names[bug],
				     nthr, seed, "gentrace", TASK_F_USR1, TRACE_FORMAT);
	for (i = 0; i < nthr; i++) {
		thr[i].tid = i;
		thr[i].rnd = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i + 1;
		pthread_mutex_init(&thr[i].lock, NULL);
		pthread_mutex_init(&thr[i].qlock, NULL);
	}
	atomic_store(&active, nthr);
	for (i = 0; i < nthr; i++)
		pthread_create(&thr[i].th, NULL, worker, &thr[i]);
	for (i = 0; i < nthr; i++)
		pthread_join(thr[i].th, NULL);
	for (i = 0; i < nthr; i++) {
		events += thr[i].events;
		takeovers += thr[i].takeovers;
		requests += thr[i].requests;
	}
	lttng_ust_tracepoint(muxlab, run_end, requests, 0, takeovers);
	fprintf(stderr, "gentrace: %llu events, %llu requests, %llu "
		"takeovers, %d threads, mode %s%s%s\n",
		(unsigned long long)events + 1 + !no_start,
		(unsigned long long)requests, (unsigned long long)takeovers,
		nthr, mode == MODE_LEGACY ? "legacy" : "usr1",
		bug ? ", bug " : "", bug_names[bug]);
	return 0;
}
