/*
 * activity.h - per-thread counters and their report.
 */
#ifndef MUXLAB_ACTIVITY_H
#define MUXLAB_ACTIVITY_H

#include <stdio.h>
#include "activity-t.h"
#include "thread.h"

extern struct activity activity[MAX_THREADS];

/* this thread's counters */
#define ACT	(activity[tid])

/* Sum all threads into <sum>: exact after threads_join(), an estimate
 * while threads run (benign race, not reported by ThreadSanitizer). Read
 * counters through it rather than activity[i].x when threads may run. */
void activity_sum(struct activity *sum);

/* Copy thread <thr>'s counters (an estimate while it runs). */
void activity_snapshot(struct activity *out, int thr);

/* Call <emit> for every counter of the report, in its fixed order. */
void activity_foreach(const struct activity *a,
		      void (*emit)(const char *key, uint64_t v, void *arg),
		      void *arg);

/* Print the end-of-run summary to <f> (one block, stable format that
 * scripts parse: "key value" lines). */
void activity_report(FILE *f, double seconds);

#endif /* MUXLAB_ACTIVITY_H */
