/*
 * muxlab-tp.h - the LTTng-UST tracepoint provider "muxlab".
 *
 * This is the trace contract (docs/trace-events.md): the engine emits these
 * events, the viewer, checker, exercises and tests read them. Rename or
 * remove nothing without changing every reader in the same commit.
 *
 * Only src/trace.h includes this file; code calls the trace_*() wrappers.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER muxlab

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./muxlab-tp.h"

#if !defined(MUXLAB_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define MUXLAB_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_ENUM(muxlab, mux_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("h1", 0)
		lttng_ust_field_enum_value("h2", 1)
		lttng_ust_field_enum_value("fcgi", 2)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, side_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("front", 0)
		lttng_ust_field_enum_value("back", 1)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, path_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("fast", 0)
		lttng_ust_field_enum_value("locked", 1)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, mode_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("legacy", 0)
		lttng_ust_field_enum_value("usr1", 1)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, site_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("io_cb", 0)
		lttng_ust_field_enum_value("timeout", 1)
		lttng_ust_field_enum_value("add_idle", 2)
		lttng_ust_field_enum_value("backend_get", 3)
		lttng_ust_field_enum_value("steal_scan", 4)
		lttng_ust_field_enum_value("purge", 5)
		lttng_ust_field_enum_value("release", 6)
		lttng_ust_field_enum_value("wake", 7)
		lttng_ust_field_enum_value("other", 8)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, list_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("none", 0)
		lttng_ust_field_enum_value("idle", 1)
		lttng_ust_field_enum_value("safe", 2)
		lttng_ust_field_enum_value("avail", 3)
		lttng_ust_field_enum_value("toremove", 4)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(muxlab, reason_enum,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("reuse", 0)
		lttng_ust_field_enum_value("steal", 1)
		lttng_ust_field_enum_value("io", 2)
		lttng_ust_field_enum_value("purge", 3)
		lttng_ust_field_enum_value("close", 4)
		lttng_ust_field_enum_value("error", 5)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, run_start,
	LTTNG_UST_TP_ARGS(int, mode, const char *, bug, int, nbthread,
			  uint64_t, seed, const char *, scenario,
			  unsigned int, usr1_bit, int, format),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_enum(muxlab, mode_enum, uint8_t, mode, mode)
		lttng_ust_field_string(bug, bug)
		lttng_ust_field_integer(int, nbthread, nbthread)
		lttng_ust_field_integer(uint64_t, seed, seed)
		lttng_ust_field_string(scenario, scenario)
		lttng_ust_field_integer_hex(unsigned int, usr1_bit, usr1_bit)
		lttng_ust_field_integer(uint8_t, format, format)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, run_end,
	LTTNG_UST_TP_ARGS(uint64_t, requests_ok, uint64_t, requests_err,
			  uint64_t, takeovers),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, requests_ok, requests_ok)
		lttng_ust_field_integer(uint64_t, requests_err, requests_err)
		lttng_ust_field_integer(uint64_t, takeovers, takeovers)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, tasklet_wakeup,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, int, owner, int, remote),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, tl, tl)
		lttng_ust_field_integer(int8_t, owner, owner)
		lttng_ust_field_integer(uint8_t, remote, remote)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, io_cb,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, uint64_t, conn, int, mux,
			  int, side, unsigned int, state, int, path),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, tl, tl)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_enum(muxlab, side_enum, uint8_t, side, side)
		lttng_ust_field_integer_hex(unsigned int, state, state)
		lttng_ust_field_enum(muxlab, path_enum, uint8_t, path, path)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, io_cb_stolen,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, int, mux),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, tl, tl)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
	)
)

LTTNG_UST_TRACEPOINT_EVENT_CLASS(muxlab, flag_class,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, uint64_t, conn, int, mux,
			  unsigned int, old_state, unsigned int, new_state),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, tl, tl)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_integer_hex(unsigned int, old_state, old_state)
		lttng_ust_field_integer_hex(unsigned int, new_state, new_state)
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(muxlab, flag_class, muxlab, flag_set,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, uint64_t, conn, int, mux,
			  unsigned int, old_state, unsigned int, new_state)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(muxlab, flag_class, muxlab, flag_clear,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, tl, uint64_t, conn, int, mux,
			  unsigned int, old_state, unsigned int, new_state)
)

/* One event per critical section of an idle_conns_lock, emitted when it
 * ends (just before the lock word is released): <wait_ns> spent getting
 * it, <hold_ns> holding it (both 0 when not timed, saturated at
 * UINT32_MAX), <inside> how many muxlab events this thread emitted while
 * holding it (they are the thread's <inside> events right before this
 * one, saturated at 65535). A failed trylock is one event too: ok=0, no
 * hold, nothing inside. Trace format 2; format 1 had lock_acquire and
 * lock_release instead. */
LTTNG_UST_TRACEPOINT_EVENT(muxlab, lock,
	LTTNG_UST_TP_ARGS(int, tid, int, lock, int, site, int, trylock,
			  int, ok, unsigned int, inside, uint32_t, wait_ns,
			  uint32_t, hold_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint8_t, lock, lock)
		lttng_ust_field_enum(muxlab, site_enum, uint8_t, site, site)
		lttng_ust_field_integer(uint8_t, trylock, trylock)
		lttng_ust_field_integer(uint8_t, ok, ok)
		lttng_ust_field_integer(uint16_t, inside, inside)
		lttng_ust_field_integer(uint32_t, wait_ns, wait_ns)
		lttng_ust_field_integer(uint32_t, hold_ns, hold_ns)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, takeover,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, from_tid,
			  uint64_t, old_tl, uint64_t, new_tl, int, ok),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_integer(int8_t, from_tid, from_tid)
		lttng_ust_field_integer(uint64_t, old_tl, old_tl)
		lttng_ust_field_integer(uint64_t, new_tl, new_tl)
		lttng_ust_field_integer(uint8_t, ok, ok)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, idle_insert,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, srv,
			  int, list),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_integer(int16_t, srv, srv)
		lttng_ust_field_enum(muxlab, list_enum, uint8_t, list, list)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, idle_remove,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, srv,
			  int, list, int, reason),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_integer(int16_t, srv, srv)
		lttng_ust_field_enum(muxlab, list_enum, uint8_t, list, list)
		lttng_ust_field_enum(muxlab, reason_enum, uint8_t, reason, reason)
	)
)

LTTNG_UST_TRACEPOINT_EVENT_CLASS(muxlab, stream_class,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, side,
			  uint64_t, stream),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_enum(muxlab, side_enum, uint8_t, side, side)
		lttng_ust_field_integer(uint64_t, stream, stream)
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(muxlab, stream_class, muxlab,
	stream_attach,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, side,
			  uint64_t, stream)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(muxlab, stream_class, muxlab,
	stream_detach,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, side,
			  uint64_t, stream)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, conn_new,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, side,
			  int, srv),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_enum(muxlab, side_enum, uint8_t, side, side)
		lttng_ust_field_integer(int16_t, srv, srv)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(muxlab, conn_free,
	LTTNG_UST_TP_ARGS(int, tid, uint64_t, conn, int, mux, int, side),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_integer(uint64_t, conn, conn)
		lttng_ust_field_enum(muxlab, mux_enum, uint8_t, mux, mux)
		lttng_ust_field_enum(muxlab, side_enum, uint8_t, side, side)
	)
)

/* A thread switched mode at a quiescent point of its loop (control
 * socket "set mode"). Its events after this one follow <new_mode>.
 * <marked>: idle conns it flagged USR1 first (each has its flag_set
 * just before); <orphans>: queued stolen tasklets it flagged. */
LTTNG_UST_TRACEPOINT_EVENT(muxlab, mode_change,
	LTTNG_UST_TP_ARGS(int, tid, int, old_mode, int, new_mode,
			  unsigned int, marked, unsigned int, orphans),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int8_t, tid, tid)
		lttng_ust_field_enum(muxlab, mode_enum, uint8_t, old_mode, old_mode)
		lttng_ust_field_enum(muxlab, mode_enum, uint8_t, new_mode, new_mode)
		lttng_ust_field_integer(unsigned int, marked, marked)
		lttng_ust_field_integer(unsigned int, orphans, orphans)
	)
)

#endif /* MUXLAB_TP_H */

#include <lttng/tracepoint-event.h>
