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

#define TRACE(event, ...) \
	lttng_ust_tracepoint(muxlab, event, __VA_ARGS__)

/* is event <event> being recorded? (to skip measuring e.g. lock times) */
#define TRACE_ON(event) \
	lttng_ust_tracepoint_enabled(muxlab, event)

#endif /* MUXLAB_TRACE_H */
