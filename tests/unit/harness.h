/*
 * harness.h - a tiny runner for the engine's unit tests (header only).
 *
 * Each test is a function returning 0 (pass) or -1 after setting a reason
 * with FAILF(). RUN() prints "PASS name" or "FAIL name: why". An alarm()
 * turns a hang into "FAIL timeout" and a non-zero exit instead of a stuck
 * CI job.
 *
 * Engine helpers: engine_start()/engine_stop() run the real threads
 * (threads_start() with no hooks), run_on() executes a function on a given
 * engine thread through a tasklet and waits for it, wait_until() polls a
 * condition with a deadline. Everything shared between threads is atomic,
 * so the tests themselves are ThreadSanitizer-clean.
 */
#ifndef MUXLAB_TEST_HARNESS_H
#define MUXLAB_TEST_HARNESS_H

#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "task.h"
#include "thread.h"

#ifndef TEST_ALARM_S
#define TEST_ALARM_S	120	/* whole program; TSan builds are slow */
#endif

static char test_why[512];
static int test_failures;
static const char *test_current = "?";

#define FAILF(...) do {							\
	snprintf(test_why, sizeof(test_why), __VA_ARGS__);		\
	return -1;							\
} while (0)

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		int n_ = snprintf(test_why, sizeof(test_why),		\
				  "line %d: ", __LINE__);		\
		snprintf(test_why + n_, sizeof(test_why) - n_,		\
			 __VA_ARGS__);					\
		return -1;						\
	}								\
} while (0)

/* After a failed CHECK a test returns early: leave no engine thread
 * running and no posing as thread 0 behind for the next test. */
static inline void test_cleanup(void)
{
	threads_request_stop();
	threads_join();
	if (tid >= 0) {
		sched_deinit_thread();
		fd_deinit_thread();
		tid = -1;
	}
}

#define RUN(fn) do {							\
	test_current = #fn;						\
	test_why[0] = '\0';						\
	if ((fn)() == 0) {						\
		printf("PASS %s\n", #fn);				\
	} else {							\
		printf("FAIL %s: %s\n", #fn, test_why);			\
		test_failures++;					\
	}								\
	fflush(stdout);							\
	test_cleanup();							\
} while (0)

static void test_on_alarm(int sig)
{
	char msg[160];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "FAIL %s: timeout (hang)\n",
		     test_current);
	if (write(1, msg, n) < 0) {
		/* nothing more we can do */
	}
	_exit(2);
}

static inline void test_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, test_on_alarm);
	alarm(TEST_ALARM_S);
}

static inline uint64_t test_ms(void)
{
	return now_mono_ns() / 1000000;
}

/* sleep <us> microseconds */
static inline void test_usleep(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Poll <cond> every 100 us until true or <ms> elapsed: 1 if true. */
#define wait_until(cond, ms) ({						\
	uint64_t end_ = test_ms() + (ms);				\
	int ok_ = 0;							\
	for (;;) {							\
		if (cond) { ok_ = 1; break; }				\
		if (test_ms() > end_) break;				\
		test_usleep(100);					\
	}								\
	ok_;								\
})

/* ---- the real engine ---------------------------------------------------- */

static const struct thread_hooks test_no_hooks;

static inline int engine_start(int n, const struct thread_hooks *h)
{
	nbthread = n;
	return threads_start(h ? h : &test_no_hooks);
}

static inline void engine_stop(void)
{
	threads_request_stop();
	threads_join();
}

/* run a function on an engine thread */
struct job {
	void (*fn)(void *arg);
	void *arg;
	int _Atomic done;
};

static struct task *job_cb(struct task *t, void *ctx, unsigned int state)
{
	struct job *j = ctx;

	(void)state;
	j->fn(j->arg);
	tasklet_free((struct tasklet *)t);
	atomic_store(&j->done, 1);	/* last: <j> may vanish after this */
	return NULL;
}

/* Queue <j> on thread <thr> and return at once (j must stay valid until
 * j->done). 0, or -1 if out of memory. */
static inline int run_on_async(int thr, struct job *j)
{
	struct tasklet *tl = tasklet_new();

	if (!tl)
		return -1;
	atomic_store(&j->done, 0);
	tl->process = job_cb;
	tl->context = j;
	tasklet_wakeup_on(tl, thr);
	return 0;
}

/* Run fn(arg) on engine thread <thr> and wait for it (5 s). 0 or -1. */
static inline int run_on(int thr, void (*fn)(void *), void *arg)
{
	struct job j = { .fn = fn, .arg = arg };

	if (run_on_async(thr, &j) < 0)
		return -1;
	return wait_until(atomic_load(&j.done), 5000) ? 0 : -1;
}

#endif /* MUXLAB_TEST_HARNESS_H */
