/*
 * thread.h - engine threads: start, stop, the run loop (identity and
 * clock: tinfo.h, included here).
 *
 * Each engine thread runs thread_loop(): run its tasklets and tasks, wake
 * expired timers, then wait in its own epoll poller. Per-thread state is in
 * arrays indexed by <tid>; nothing on the data path is shared by all threads
 * except the idle_conns locks of the threads a stealer scans.
 */
#ifndef MUXLAB_THREAD_H
#define MUXLAB_THREAD_H

#include "thread-t.h"
#include "tinfo.h"			/* tid, nbthread, stopping, clock */

/* What each engine thread does around its run loop. Shutdown is two
 * phases separated by barriers so that every object is freed by the thread
 * that owns it:
 *   stop_front: close this thread's listeners and front connections (their
 *               streams detach or destroy their back connections);
 *   -- barrier: nobody creates streams or steals any more --
 *   stop_back:  destroy this thread's idle / safe / available connections
 *               and to-remove list;
 *   then the thread runs its run queue until empty (a stolen tasklet sent
 *   back to its old thread frees itself there), barrier, deinit, exit. */
struct thread_hooks {
	int (*init)(void);		/* 0 or -1 (the run is aborted) */
	void (*stop_front)(void);
	void (*stop_back)(void);
	void (*deinit)(void);
};

/* Start <nbthread> engine threads with <hooks> (tid set before init; any
 * hook may be NULL) and wait until every init is done. Returns 0, or -1
 * if a thread or its init failed: then the threads have already gone
 * through the shutdown and been joined (a thread whose own init failed
 * calls none of its other hooks). Main thread only, after fd_init(). */
int threads_start(const struct thread_hooks *hooks);

/* Ask every thread to stop (any thread or a signal handler: only sets a
 * flag and writes to each thread's wakeup eventfd). */
void threads_request_stop(void);

/* Wait for all engine threads to exit. Main thread only. */
void threads_join(void);

/* Wake thread <thr> out of its poller (any thread, signal-safe). Cheap if
 * it is not sleeping: one atomic load. */
void thread_wake(int thr);

#endif /* MUXLAB_THREAD_H */
