/*
 * lab.h - the run's mode (legacy / usr1), bug mode and delay points.
 *
 * main() sets them before any thread starts; the control socket (cli.c,
 * "set mode", "set bug", "set delay") may change them while traffic
 * flows. A mode or bug change never takes effect in the middle of a
 * thread's work: each engine thread keeps its own copy (lab_thr[tid]) and
 * switches at a quiescent point of its run loop, lab_thread_sync(), where
 * none of its callbacks runs. Switching a thread to usr1 first sets
 * TASK_F_USR1 on the tasklets of the connections it has idle, under its
 * idle_conns_lock (lab_thread_switch() in lab.c): from then on its io_cbs
 * may take the fast path. The engine reads the thread's copy
 * (lab_thread_mode(), bug_on_mode()); <lab_mode> and <lab_bug> are what
 * was asked for.
 */
#ifndef MUXLAB_LAB_H
#define MUXLAB_LAB_H

#include <stdatomic.h>
#include <stdio.h>

#include "lab-t.h"
#include "task-t.h"
#include "trace-t.h"
#include "compiler.h"
#include "tinfo.h"

/* The mode asked for: the run's (main, before the threads start), then
 * what "set mode" says. Threads follow it at their next quiescent point. */
extern _Atomic enum lab_mode lab_mode;
/* The run's bug mode: what "--bug" and "set bug" asked for, and what
 * BUG_ON()s of the form "only a bug mode gets here" compare with. While
 * "set bug none" is being applied it keeps the old bug until every thread
 * has repaired what that bug left behind (lab_bug_next). */
extern _Atomic enum bug_id lab_bug;
/* "set bug none" in progress: the bug the threads must switch to, or
 * BUG_COUNT when none is pending. */
extern _Atomic enum bug_id lab_bug_next;
extern const struct bug_desc bug_table[BUG_COUNT];
/* Bug modes asked for during the run (--bug, "#@lab bug", "set bug"), and
 * those whose bug_on_mode() test came out true at least once: a bug mode
 * asked for but never reached did nothing (lab_report_unreached()). */
extern unsigned char _Atomic bug_asked[BUG_COUNT];
extern unsigned char _Atomic bug_reached[BUG_COUNT];
extern unsigned int _Atomic lab_delay_us[DELAY_COUNT];
/* "#@lab wake-idle MS": every MS ms each thread wakes its first idle
 * connection of each server and its first purged one, with no I/O for
 * them (server.c); 0 = off. Set by main. */
extern unsigned int lab_wake_idle_ms;
extern const struct delay_desc delay_table[DELAY_COUNT];

/* What one engine thread runs with. Written by that thread only (at its
 * quiescent points), read by it on its data path and by the control
 * socket for "show info". */
struct lab_thread {
	int _Atomic mode;		/* enum lab_mode */
	int _Atomic bug;		/* enum bug_id */
	uint64_t _Atomic switches;	/* mode changes done */
	uint64_t _Atomic marked;	/* USR1 set by those changes */
} THREAD_ALIGNED;

extern struct lab_thread lab_thr[MAX_THREADS];

/* The mode the calling thread runs in: its own copy on an engine
 * thread, the asked-for mode elsewhere (main, unit tests). */
static inline enum lab_mode lab_thread_mode(void)
{
	if (likely(tid >= 0))
		return (enum lab_mode)atomic_load_explicit(&lab_thr[tid].mode,
							   memory_order_relaxed);
	return atomic_load_explicit(&lab_mode, memory_order_relaxed);
}

/* is bug mode <b> active on the calling thread? Notes that its code was
 * reached (one store per run: only a bug mode pays for it). */
static inline int bug_on_mode(enum bug_id b)
{
	int cur = likely(tid >= 0) ?
		  atomic_load_explicit(&lab_thr[tid].bug, memory_order_relaxed) :
		  (int)atomic_load_explicit(&lab_bug, memory_order_relaxed);

	if (likely(cur != (int)b))
		return 0;
	if (unlikely(!atomic_load_explicit(&bug_reached[b],
					   memory_order_relaxed)))
		atomic_store_explicit(&bug_reached[b], 1, memory_order_relaxed);
	return 1;
}

/* At the end of a run: say on <out> which bug modes were asked for but
 * whose code never ran. Return: how many. */
int lab_report_unreached(FILE *out);

/* The bug the threads must run with now. */
static inline enum bug_id lab_bug_target(void)
{
	enum bug_id next = atomic_load_explicit(&lab_bug_next,
						memory_order_relaxed);

	return next != BUG_COUNT ? next :
	       atomic_load_explicit(&lab_bug, memory_order_relaxed);
}

void lab_thread_switch(void);

/* The quiescent point of an engine thread's run loop (thread.c): no
 * callback of this thread runs. If the mode or the bug asked for differs
 * from what this thread runs with, switch now (lab_thread_switch()).
 * Costs three relaxed loads otherwise. */
static inline void lab_thread_sync(void)
{
	struct lab_thread *lt = &lab_thr[tid];

	if (unlikely(atomic_load_explicit(&lt->mode, memory_order_relaxed) !=
		     (int)atomic_load_explicit(&lab_mode,
					       memory_order_relaxed) ||
		     atomic_load_explicit(&lt->bug, memory_order_relaxed) !=
		     (int)lab_bug_target()))
		lab_thread_switch();
}

/* An engine thread starts: it runs with the mode and bug asked for, no
 * switch (thread.c, before its loop). */
void lab_thread_start(void);

/* Control socket: ask every thread for a mode / a bug mode and wait until
 * all run with it (0), or <timeout_ms> passed (-1). Not from an engine
 * thread. */
int lab_wait_threads(unsigned int timeout_ms);
int lab_set_mode(enum lab_mode mode, unsigned int timeout_ms);
int lab_set_bug(enum bug_id bug, unsigned int timeout_ms);

/* The decision at the top of every mux io_cb: must this run take the
 * thread's idle_conns_lock? Before e388f2fbc (legacy): always. After it:
 * only when the state snapshot handed to the callback carries TASK_F_USR1,
 * i.e. when the connection may be in an idle list and may have been
 * stolen. */
static inline int io_cb_must_lock(unsigned int state)
{
	return lab_thread_mode() == MODE_LEGACY || (state & TASK_F_USR1);
}

/* Find a bug by name; BUG_COUNT if unknown. */
enum bug_id bug_lookup(const char *name);

/* Find a delay point by name; DELAY_COUNT if unknown. The valid names,
 * "a, b", for an error message. */
enum lab_delay_site delay_lookup(const char *name);
const char *delay_names(void);

void __lab_delay_wait(enum lab_delay_site site);

/* Delay point <site>: wait there if a lab knob asked for it (docs/
 * scenarios.md, "#@lab delay"). Off, it costs one load and a branch that
 * is never taken. */
static inline void lab_delay(enum lab_delay_site site)
{
	if (unlikely(atomic_load_explicit(&lab_delay_us[site],
					  memory_order_relaxed)))
		__lab_delay_wait(site);
}

#endif /* MUXLAB_LAB_H */
