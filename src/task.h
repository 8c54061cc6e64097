/*
 * task.h - the per-thread scheduler: tasklets, tasks, timers.
 *
 * Each thread has a local run list (owner only, no atomics) and a shared
 * multi-producer list other threads push onto. A wakeup first sets
 * TASK_IN_LIST with a CAS so an object is queued at most once. When the
 * owner dequeues an object it does one atomic fetch-and with
 * TASK_PERSISTENT: transient bits (IN_LIST, WOKEN_*) are cleared, persistent
 * ones (TASK_F_USR1 among them) survive, and the word as it was before is
 * passed to the callback as <state>. That snapshot is what a mux io_cb tests
 * for TASK_F_USR1.
 *
 * Differences from HAProxy, on purpose: one tasklet class instead of four
 * (TL_URGENT..TL_HEAVY), no global run queue (tasks are bound to one thread),
 * a binary heap per thread instead of an ebtree of timers. A tasklet freed
 * while queued is marked TASK_KILLED and freed by the run loop when it is
 * dequeued (HAProxy's later tasklet_kill() does the same).
 */
#ifndef MUXLAB_TASK_H
#define MUXLAB_TASK_H

#include "task-t.h"
#include "thread.h"

/* Allocate a tasklet: state = TASK_F_TASKLET, tid = -1 (runs on the thread
 * that wakes it), a fresh id. NULL on allocation failure. Any thread. */
struct tasklet *tasklet_new(void);

/* Free <tl>. Owner thread only, also from inside its own callback (which
 * must then return NULL). If the tasklet is queued (a concurrent wakeup),
 * it is marked TASK_KILLED and the run loop frees it instead of running it.
 * Accepts NULL. */
void tasklet_free(struct tasklet *tl);

/* Queue <tl> on its thread (tl->tid, or the calling thread if -1). No-op if
 * already queued. Any thread. Emits tasklet_wakeup. */
void tasklet_wakeup(struct tasklet *tl);

/* Queue <tl> on thread <thr> whatever its tid: used by takeover() to send
 * the old tasklet back to the victim thread so that it frees itself there.
 * Any thread. */
void tasklet_wakeup_on(struct tasklet *tl, int thr);

/* Allocate a task bound to thread <thr> (its owner): state 0, no timer.
 * NULL on allocation failure. Any thread. */
struct task *task_new_on(int thr);

/* Wake task <t> for reason <why> (TASK_WOKEN_*). Any thread. */
void task_wakeup(struct task *t, unsigned int why);

/* (Re)arm <t>'s timer at absolute monotonic ns <expire> (0 disarms).
 * Owner thread only. */
void task_schedule(struct task *t, uint64_t expire);

/* Ask the owner of <t> to free it without running it again. Any thread:
 * this is how a stealer gets rid of the victim's timeout task. */
void task_kill(struct task *t);

/* Free <t> now. Owner thread only, from its own callback (return NULL) or
 * when it is not queued. */
void task_destroy(struct task *t);

/* Run loop steps, called by thread_loop() on the owner thread: */
int sched_run(int budget);		/* run up to <budget>; returns runs */
void sched_wake_timers(uint64_t now);	/* wake every expired task */
uint64_t sched_next_timer(void);	/* next expiry, 0 if none */
int sched_has_work(void);		/* anything queued on this thread? */
int sched_init_thread(void);		/* per-thread init, 0 or -1 */
void sched_deinit_thread(void);		/* frees what is still queued */

/* live objects (for the leak check at shutdown): sum over all threads */
long sched_live_tasklets(void);
long sched_live_tasks(void);

#endif /* MUXLAB_TASK_H */
