/*
 * activity.c - per-thread event counters and the end-of-run report.
 *
 * Each engine thread increments only activity[tid] (through ACT), with
 * plain adds: no atomics, no shared cache line (struct activity is
 * cache-line aligned). Exact once the threads are joined; activity_sum()
 * may also be called while they run, for an estimate.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "activity.h"

struct activity activity[MAX_THREADS];

/* activity_sum() adds the struct up as an array of uint64_t (the padding of
 * the zero-initialised array adds zeros): every counter must be one. */
_Static_assert(sizeof(struct activity) % sizeof(uint64_t) == 0,
	       "struct activity must hold only uint64_t counters");

static const char *const side_names[SIDE_COUNT] = { "front", "back" };
static const char *const mux_names[MUX_COUNT] = { "h1", "h2", "fcgi" };
static const char *const path_names[PATH_COUNT] = { "fast", "locked" };
static const char *const site_names[SITE_COUNT] = {
	"io_cb", "timeout", "add_idle", "backend_get", "steal_scan",
	"purge", "release", "wake", "other",
};

/*
 * activity_sum - add up every thread's counters
 *
 * @sum: filled with the totals (overwritten)
 *
 * Exact after threads_join(). While the threads run it is an estimate: the
 * owners increment with plain adds (ACT.x++) and this reads without any
 * synchronisation, like HAProxy's own stats. Those reads are aligned
 * 64-bit loads (never torn on the platforms we build for) and are a
 * deliberate, benign race, so ThreadSanitizer is told not to instrument
 * this one function; every other access stays checked.
 * Context: any thread; no lock.
 */
__attribute__((no_sanitize("thread")))
void activity_sum(struct activity *sum)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)sum;
	size_t n = sizeof(struct activity) / sizeof(uint64_t);
	size_t i;
	int thr;

	memset(sum, 0, sizeof(*sum));
	for (thr = 0; thr < MAX_THREADS; thr++) {
		src = (const uint64_t *)&activity[thr];
		for (i = 0; i < n; i++)
			dst[i] += src[i];
	}
}

/*
 * activity_snapshot - copy one thread's counters
 *
 * @out: filled with a copy of activity[<thr>]
 * @thr: the thread, 0 .. MAX_THREADS - 1
 *
 * The same benign race as activity_sum(): an estimate while the thread
 * runs, for the control socket's "show activity".
 * Context: any thread; no lock.
 */
__attribute__((no_sanitize("thread")))
void activity_snapshot(struct activity *out, int thr)
{
	const uint64_t *src = (const uint64_t *)&activity[thr];
	uint64_t *dst = (uint64_t *)out;
	size_t n = sizeof(struct activity) / sizeof(uint64_t);
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

/*
 * activity_foreach - every counter of the report, in its fixed order
 *
 * @a:    counters (a thread's or a sum)
 * @emit: called once per counter with its report key and value
 * @arg:  passed to <emit>
 *
 * One list for the end-of-run report and "show activity", so they never
 * disagree: requests, io_cb paths in total, per side and per side+mux,
 * lock acquisitions per site, steals and flags. Context: any thread.
 */
void activity_foreach(const struct activity *a,
		      void (*emit)(const char *key, uint64_t v, void *arg),
		      void *arg)
{
	char key[64];
	uint64_t v, total;
	int side, mux, path, site;

	emit("requests_ok", a->req_ok, arg);
	emit("requests_err", a->req_err, arg);
	emit("retries", a->retries, arg);
	for (side = 0; side < SIDE_COUNT; side++) {
		for (path = 0; path < PATH_COUNT; path++) {
			v = 0;
			for (mux = 0; mux < MUX_COUNT; mux++)
				v += a->io_cb[side][mux][path];
			snprintf(key, sizeof(key), "io_cb_%s_%s",
				 side_names[side], path_names[path]);
			emit(key, v, arg);
		}
	}
	for (side = 0; side < SIDE_COUNT; side++)
		for (mux = 0; mux < MUX_COUNT; mux++)
			for (path = 0; path < PATH_COUNT; path++) {
				snprintf(key, sizeof(key), "io_cb_%s_%s_%s",
					 side_names[side], mux_names[mux],
					 path_names[path]);
				emit(key, a->io_cb[side][mux][path], arg);
			}

	total = 0;
	for (site = 0; site < SITE_COUNT; site++) {
		snprintf(key, sizeof(key), "lock_acq_%s", site_names[site]);
		emit(key, a->lock_acq[site], arg);
		total += a->lock_acq[site];
	}
	emit("lock_acq_total", total, arg);
	emit("trylock_fail", a->trylock_fail, arg);
	emit("takeover_ok", a->takeover_ok, arg);
	emit("takeover_fail", a->takeover_fail, arg);
	emit("stolen_free", a->stolen_free, arg);
	emit("flag_set", a->flag_set, arg);
	emit("flag_clear", a->flag_clear, arg);
	emit("idle_refused", a->idle_refused, arg);
	emit("purged", a->purged, arg);
	emit("purge_race", a->purge_race, arg);
	emit("conn_new_front", a->conn_new[SIDE_FRONT], arg);
	emit("conn_new_back", a->conn_new[SIDE_BACK], arg);
	emit("wakeups_remote", a->wakeups_remote, arg);
	emit("idle_wakeups", a->idle_wakeups, arg);
	emit("fd_late_events", a->fd_late_events, arg);
}

struct report_ctx {
	FILE *f;
	double req_per_s;
};

static void put(const char *key, uint64_t v, void *arg)
{
	struct report_ctx *rc = arg;

	fprintf(rc->f, "%s %" PRIu64 "\n", key, v);
	/* the rate comes right after the requests */
	if (strcmp(key, "requests_err") == 0)
		fprintf(rc->f, "req_per_s %.1f\n", rc->req_per_s);
}

/*
 * activity_report - print the run summary
 *
 * @f: where
 * @seconds: duration of the measured run (for req_per_s; <= 0: 0)
 *
 * One "key value" line per counter, keys in a fixed order
 * (activity_foreach(), req_per_s after the requests), so scripts
 * (lab/bench, tests) can grep them.
 * Context: main thread after threads_join().
 */
void activity_report(FILE *f, double seconds)
{
	struct activity s;
	struct report_ctx rc = { .f = f };

	activity_sum(&s);
	rc.req_per_s = seconds > 0 ? (double)s.req_ok / seconds : 0.0;
	activity_foreach(&s, put, &rc);
}
