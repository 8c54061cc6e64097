/*
 * trace.h - the engine side of the trace contract.
 *
 * Code emits events through these macros only. Each one costs a load and a
 * predicted branch when no session is active (LTTng-UST tracepoints are
 * off until a session enables them); no formatting ever happens here.
 * The first argument of every event is the engine thread index <tid>.
 */
#ifndef MUXLAB_TRACE_H
#define MUXLAB_TRACE_H

#include "muxlab-tp.h"
#include "thread.h"
#include "tinfo.h"

/* Each event emitted is counted in the thread's trace_nev, so that a lock
 * event can say how many of the thread's events happened while it held
 * the lock (its "inside" field): the count only moves while the event is
 * being recorded. */
#define TRACE(event, ...) do {						\
	if (lttng_ust_tracepoint_enabled(muxlab, event)) {		\
		trace_nev++;						\
		lttng_ust_do_tracepoint(muxlab, event, __VA_ARGS__);	\
	}								\
} while (0)

/* is event <event> being recorded? (to skip measuring e.g. lock times) */
#define TRACE_ON(event) \
	lttng_ust_tracepoint_enabled(muxlab, event)

#endif /* MUXLAB_TRACE_H */
