/*
 * thread.c - engine threads: the run loop, start and stop (their
 * identity and the clock are in tinfo.c).
 *
 * Each engine thread runs thread_loop(): wake its expired timers, run a
 * budget of its run list, then wait in its own epoll poller until an fd
 * event, a wakeup from another thread (eventfd) or its next timer. Nothing
 * here is shared by all threads on the data path.
 *
 * Shutdown is two phases so that every object is freed by the thread that
 * owns it (thread.h). Between phases all threads reach a *quiescent* point
 * together: each drains its run list, they meet at a barrier, then each
 * looks again; if any thread found new work (a tasklet another thread woke
 * on it after it had drained) they all drain and meet again. While all are
 * at the barrier nobody runs, so nobody can queue anything: when a round
 * ends with every list empty, the work is really done.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"
#include "fd.h"
#include "lab.h"
#include "task.h"
#include "thread.h"

#define SCHED_BUDGET		200	/* objects run per loop turn */
#define POLL_MAX_WAIT_MS	100	/* longest sleep in the poller */

static pthread_t threads[MAX_THREADS];
static int nb_started;			/* threads created by threads_start */
static const struct thread_hooks *thread_hooks;

/* start handshake: main waits for every thread's init, then releases them */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static int start_ready;			/* threads done with their init */
static int start_released;		/* main said go */
static int start_failed;		/* some init failed */

/* shutdown */
static pthread_barrier_t stop_barrier;
static int _Atomic drain_more[2];	/* quiescence rounds, see above */

/*
 * thread_wake - get thread <thr> out of its poller
 *
 * Writes its eventfd only if it is sleeping (or about to), see fd_poll().
 * Context: any thread, also a signal handler.
 */
void thread_wake(int thr)
{
	fd_poller_wake(thr);
}

/*
 * threads_request_stop - ask every engine thread to stop
 *
 * Sets <stopping> (seq_cst, the other half of the sleeping handshake) then
 * kicks every sleeping poller. Async-signal-safe: one atomic store plus
 * atomic exchanges and write(2)s. Context: any thread or signal handler.
 */
void threads_request_stop(void)
{
	int saved_errno = errno;
	int thr;

	atomic_store_explicit(&stopping, 1, memory_order_seq_cst);
	for (thr = 0; thr < nbthread && thr < MAX_THREADS; thr++)
		fd_poller_wake(thr);
	errno = saved_errno;
}

/* How long the poller may sleep: 0 if work is queued, else until the next
 * timer, at most POLL_MAX_WAIT_MS. */
static int thread_poll_timeout(void)
{
	uint64_t next, now;
	uint64_t ms;

	if (sched_has_work())
		return 0;
	next = sched_next_timer();
	if (!next)
		return POLL_MAX_WAIT_MS;
	now = now_mono_ns();
	if (next <= now)
		return 0;
	ms = (next - now + 999999) / 1000000;	/* round up: never early */
	return ms > POLL_MAX_WAIT_MS ? POLL_MAX_WAIT_MS : (int)ms;
}

/* Run this thread's list (and its fd events, which may queue more) until
 * nothing is queued. Timers are not fired any more: a periodic task must
 * not keep a stopping thread busy. */
static void thread_drain_local(void)
{
	do {
		sched_run(SCHED_BUDGET);
		fd_poll(0);
	} while (sched_has_work());
}

/* Drain until every thread is quiescent at the same time (see the top of
 * the file). All threads must call it the same number of times. */
static void thread_drain_all(void)
{
	unsigned int round = 0;
	int again;

	for (;;) {
		thread_drain_local();
		pthread_barrier_wait(&stop_barrier);
		/* nobody runs anything now: what is queued stays queued */
		if (sched_has_work())
			atomic_store(&drain_more[round & 1], 1);
		pthread_barrier_wait(&stop_barrier);
		again = atomic_load(&drain_more[round & 1]);
		/* the other slot is next round's; nobody can set it before
		 * every thread has passed the first barrier of that round,
		 * i.e. after this store */
		atomic_store(&drain_more[(round + 1) & 1], 0);
		if (!again)
			break;
		round++;
	}
	/* leave both slots clear for the next drain: no thread reads them
	 * before the barrier that starts it */
	pthread_barrier_wait(&stop_barrier);
	atomic_store(&drain_more[0], 0);
	atomic_store(&drain_more[1], 0);
}

static void *thread_loop(void *arg)
{
	const struct thread_hooks *h = thread_hooks;
	int sched_ok = 0, fd_ok = 0, init_ok = 0;
	int failed;

	tid = (int)(long)arg;

	sched_ok = sched_init_thread() == 0;
	if (sched_ok)
		fd_ok = fd_init_thread() == 0;
	if (fd_ok)
		init_ok = !h || !h->init || h->init() == 0;

	pthread_mutex_lock(&start_lock);
	if (!init_ok)
		start_failed = 1;
	start_ready++;
	pthread_cond_broadcast(&start_cond);
	while (!start_released)
		pthread_cond_wait(&start_cond, &start_lock);
	failed = start_failed;
	pthread_mutex_unlock(&start_lock);

	if (!failed) {
		lab_thread_start();
		while (!atomic_load_explicit(&stopping,
					     memory_order_relaxed)) {
			/* quiescent point: a mode change asked for on the
			 * control socket takes effect here (lab.h) */
			lab_thread_sync();
			sched_wake_timers(now_mono_ns());
			sched_run(SCHED_BUDGET);
			fd_poll(thread_poll_timeout());
		}
	}

	/* phase 1: fronts go away; afterwards nobody steals any more. A
	 * thread whose init failed still takes part in the barriers (its
	 * sched_run() and fd_poll() do nothing). */
	if (init_ok && h && h->stop_front)
		h->stop_front();
	thread_drain_all();

	/* phase 2: idle / safe / available conns and to-remove lists */
	if (init_ok && h && h->stop_back)
		h->stop_back();
	thread_drain_all();

	if (init_ok && h && h->deinit)
		h->deinit();
	if (sched_ok)
		sched_deinit_thread();
	if (fd_ok)
		fd_deinit_thread();
	tid = -1;
	return NULL;
}

/*
 * threads_start - start the engine threads
 *
 * @hooks: what each thread does around its loop (any member may be NULL);
 *         must stay valid until threads_join()
 *
 * Starts <nbthread> threads, each with its tid set before anything else,
 * then runs sched_init_thread(), fd_init_thread() and hooks->init on each.
 * Waits until every thread finished its init. If any failed (or a thread
 * could not be created), the run is cancelled: every thread goes straight
 * to the shutdown sequence (a thread whose own init failed calls none of
 * its hooks and must have cleaned up after itself), they are joined and -1
 * is returned. Returns 0 once all threads run their loop.
 * Context: main thread, after fd_init(), before any engine thread exists.
 */
int threads_start(const struct thread_hooks *hooks)
{
	int i, err, failed;

	if (nb_started) {
		fprintf(stderr, "muxlab: threads_start: threads still running\n");
		return -1;
	}
	if (nbthread < 1 || nbthread > MAX_THREADS) {
		fprintf(stderr, "muxlab: nbthread must be 1..%d (got %d)\n",
			MAX_THREADS, nbthread);
		return -1;
	}
	thread_hooks = hooks;
	atomic_store(&stopping, 0);
	atomic_store(&drain_more[0], 0);
	atomic_store(&drain_more[1], 0);
	start_ready = start_released = start_failed = 0;

	for (i = 0; i < nbthread; i++) {
		err = pthread_create(&threads[i], NULL, thread_loop,
				     (void *)(long)i);
		if (err) {
			fprintf(stderr, "muxlab: cannot start thread %d: %s\n",
				i, strerror(err));
			break;
		}
	}
	nb_started = i;

	/* the barrier counts the threads that really exist; it is used only
	 * after the release below */
	if (nb_started)
		pthread_barrier_init(&stop_barrier, NULL, nb_started);

	pthread_mutex_lock(&start_lock);
	if (nb_started < nbthread)
		start_failed = 1;
	while (start_ready < nb_started)
		pthread_cond_wait(&start_cond, &start_lock);
	failed = start_failed;
	if (failed)
		atomic_store(&stopping, 1);
	start_released = 1;
	pthread_cond_broadcast(&start_cond);
	pthread_mutex_unlock(&start_lock);

	if (failed) {
		threads_join();
		return -1;
	}
	return 0;
}

/*
 * threads_join - wait for every engine thread to exit
 *
 * Returns once all threads finished their shutdown. Safe to call twice and
 * after a failed threads_start(). Context: main thread.
 */
void threads_join(void)
{
	int i;

	if (!nb_started)
		return;
	for (i = 0; i < nb_started; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&stop_barrier);
	nb_started = 0;
}
