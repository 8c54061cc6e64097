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

static void put(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", key, v);
}

/*
 * activity_report - print the run summary
 *
 * @f: where
 * @seconds: duration of the measured run (for req_per_s; <= 0: 0)
 *
 * One "key value" line per counter, keys in a fixed order, so scripts
 * (lab/bench, tests) can grep them: requests, io_cb paths in total, per
 * side and per side+mux, lock acquisitions per site, steals and flags.
 * Context: main thread after threads_join().
 */
void activity_report(FILE *f, double seconds)
{
	struct activity s;
	char key[64];
	uint64_t v, total;
	int side, mux, path, site;

	activity_sum(&s);
	put(f, "requests_ok", s.req_ok);
	put(f, "requests_err", s.req_err);
	fprintf(f, "req_per_s %.1f\n",
		seconds > 0 ? (double)s.req_ok / seconds : 0.0);

	for (side = 0; side < SIDE_COUNT; side++) {
		for (path = 0; path < PATH_COUNT; path++) {
			v = 0;
			for (mux = 0; mux < MUX_COUNT; mux++)
				v += s.io_cb[side][mux][path];
			snprintf(key, sizeof(key), "io_cb_%s_%s",
				 side_names[side], path_names[path]);
			put(f, key, v);
		}
	}
	for (side = 0; side < SIDE_COUNT; side++)
		for (mux = 0; mux < MUX_COUNT; mux++)
			for (path = 0; path < PATH_COUNT; path++) {
				snprintf(key, sizeof(key), "io_cb_%s_%s_%s",
					 side_names[side], mux_names[mux],
					 path_names[path]);
				put(f, key, s.io_cb[side][mux][path]);
			}

	total = 0;
	for (site = 0; site < SITE_COUNT; site++) {
		snprintf(key, sizeof(key), "lock_acq_%s", site_names[site]);
		put(f, key, s.lock_acq[site]);
		total += s.lock_acq[site];
	}
	put(f, "lock_acq_total", total);
	put(f, "trylock_fail", s.trylock_fail);
	put(f, "takeover_ok", s.takeover_ok);
	put(f, "takeover_fail", s.takeover_fail);
	put(f, "stolen_free", s.stolen_free);
	put(f, "flag_set", s.flag_set);
	put(f, "flag_clear", s.flag_clear);
	put(f, "idle_refused", s.idle_refused);
	put(f, "purged", s.purged);
	put(f, "purge_race", s.purge_race);
	put(f, "conn_new_front", s.conn_new[SIDE_FRONT]);
	put(f, "conn_new_back", s.conn_new[SIDE_BACK]);
	put(f, "wakeups_remote", s.wakeups_remote);
	put(f, "fd_late_events", s.fd_late_events);
}
