/*
 * trace-t.h - the closed sets of the muxlab trace contract (types only).
 *
 * These enums are the values written in the trace; muxlab-tp.h maps them to
 * LTTng enum labels so babeltrace2 prints "front" rather than 0. The viewer
 * includes this header to decode them. Append new values at the end only:
 * recorded traces keep their numbers. docs/trace-events.md is the prose.
 */
#ifndef MUXLAB_TRACE_T_H
#define MUXLAB_TRACE_T_H

/* run_start.format: 2 = one lock event per critical section, wakeups only
 * across threads, streams on the back side only, narrow fields. Format 1
 * traces (no format field) had lock_acquire/lock_release, every wakeup and
 * both sides' streams. Readers take both. */
#define TRACE_FORMAT	2

enum mux_id {
	MUX_H1 = 0,
	MUX_H2,
	MUX_FCGI,
	MUX_COUNT
};

enum side {
	SIDE_FRONT = 0,
	SIDE_BACK,
	SIDE_COUNT
};

enum cb_path {
	PATH_FAST = 0,		/* no lock taken: state had no TASK_F_USR1 */
	PATH_LOCKED,		/* took the thread's idle_conns_lock */
	PATH_COUNT
};

enum lab_mode {
	MODE_LEGACY = 0,	/* before e388f2fbc: every io_cb locks */
	MODE_USR1,		/* after it: only USR1-flagged tasklets lock */
	MODE_COUNT
};

/* who takes an idle_conns_lock */
enum lock_site {
	SITE_IO_CB = 0,		/* mux io_cb prologue / epilogue */
	SITE_TIMEOUT,		/* mux timeout task */
	SITE_ADD_IDLE,		/* srv_add_to_idle_list() */
	SITE_BACKEND_GET,	/* conn_backend_get(), own thread */
	SITE_STEAL_SCAN,	/* conn_backend_get(), other threads (trylock) */
	SITE_PURGE,		/* purge tasks */
	SITE_RELEASE,		/* srv_release_conn() from conn_free() */
	SITE_WAKE,		/* conn notify: "#@lab wake-idle" */
	SITE_OTHER,
	SITE_COUNT
};

/* which server list a connection is in */
enum conn_list {
	LIST_NONE = 0,
	LIST_IDLE,		/* idle: never served a complete request */
	LIST_SAFE,		/* safe: served one, known to be reusable */
	LIST_AVAIL,		/* available: has streams, room for more (owner only) */
	LIST_TOREMOVE,		/* queued for destruction by the purge */
	LIST_COUNT
};

/* why a connection leaves a list */
enum remove_reason {
	REASON_REUSE = 0,	/* picked by its own thread */
	REASON_STEAL,		/* taken over by another thread */
	REASON_IO,		/* io_cb took it out while processing */
	REASON_PURGE,		/* purge moved it to the to-remove list */
	REASON_CLOSE,		/* being freed */
	REASON_ERROR,
	REASON_COUNT
};

#endif /* MUXLAB_TRACE_T_H */
