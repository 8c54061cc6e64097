/*
 * tinfo.h - who the calling thread is, and the clock.
 *
 * What the scheduler, the pollers and every other module need from the
 * engine threads, without the threads' run loop (thread.h, which drives
 * the scheduler and the pollers: keeping the two apart keeps task.c and
 * fd.c from depending on thread.c). (HAProxy tinfo.h and clock.h)
 */
#ifndef MUXLAB_TINFO_H
#define MUXLAB_TINFO_H

#include <stdint.h>
#include "thread-t.h"

extern __thread int tid;		/* this thread's index, -1 outside */
extern __thread unsigned int trace_nev;	/* muxlab events it emitted (trace.h) */
extern int nbthread;			/* engine threads in this run */
extern int _Atomic stopping;		/* 1 once a stop was requested */

/* A fresh id for a trace object (connection, tasklet, task, stream):
 * never reused in a run. Any thread. */
uint64_t new_obj_id(void);

/* monotonic clock in ns, cached per loop turn for timers */
uint64_t now_mono_ns(void);

#endif /* MUXLAB_TINFO_H */
