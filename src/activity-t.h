/*
 * activity-t.h - per-thread event counters (types only).
 *
 * Counted whether or not a tracing session is active, printed at the end
 * of a run, so benchmarks without tracing still see the lock traffic.
 * Each thread writes only its own element: no atomics. Every field is a
 * uint64_t counter (activity_sum() relies on it): add new ones freely.
 */
#ifndef MUXLAB_ACTIVITY_T_H
#define MUXLAB_ACTIVITY_T_H

#include <stdint.h>
#include "compiler.h"
#include "thread-t.h"
#include "trace-t.h"

struct activity {
	uint64_t io_cb[SIDE_COUNT][MUX_COUNT][PATH_COUNT];
	uint64_t lock_acq[SITE_COUNT];	/* successful acquisitions by site */
	uint64_t trylock_fail;
	uint64_t takeover_ok;
	uint64_t takeover_fail;
	uint64_t stolen_free;		/* io_cb found its context NULL */
	uint64_t flag_set;
	uint64_t flag_clear;
	uint64_t req_ok;
	uint64_t req_err;
	uint64_t retries;		/* refused requests sent again */
	uint64_t conn_new[SIDE_COUNT];
	uint64_t idle_refused;
	uint64_t purged;
	uint64_t purge_race;		/* a purged conn found back in an idle
					 * list, dropped (_srv_drop_if_purged) */
	uint64_t wakeups_remote;
	uint64_t idle_wakeups;		/* "#@lab wake-idle": idle conns'
					 * tasklets woken with no I/O */
	uint64_t fd_late_events;	/* poller events dropped: the fd had
					 * been taken over meanwhile */
} THREAD_ALIGNED;

#endif /* MUXLAB_ACTIVITY_T_H */
