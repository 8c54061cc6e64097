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

#include <stdatomic.h>

#include "task-t.h"
#include "tinfo.h"

/* Allocate a tasklet: state = TASK_F_TASKLET, tid = -1 (runs on the thread
 * that wakes it), a fresh id. NULL on allocation failure. Any thread. */
struct tasklet *tasklet_new(void);

/* Free <tl>. Owner thread only, also from inside its own callback (which
 * must then return NULL). If the tasklet is queued (a concurrent wakeup),
 * it is marked TASK_KILLED and the run loop frees it instead of running it.
 * Accepts NULL. */
void tasklet_free(struct tasklet *tl);

/* Queue <tl> on its thread (tl->tid, or the calling thread if -1). No-op if
 * already queued. Any thread if tl->tid >= 0, else its owner thread (a
 * foreign thread uses tasklet_wakeup_on()). Emits tasklet_wakeup. */
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
 * When it fires the task leaves the heap, keeps t->expire and is woken
 * with TASK_WOKEN_TIMER. A callback may also write a future t->expire (or
 * 0) and return <t>: the run loop re-arms (or disarms) it. Owner thread
 * only. */
void task_schedule(struct task *t, uint64_t expire);

/* Ask the owner of <t> to free it without running it again. Any thread:
 * this is how a stealer gets rid of the victim's timeout task. */
void task_kill(struct task *t);

/* Free <t> now, or if it is queued mark it TASK_KILLED so the run loop
 * frees it. Owner thread only (also from its own callback, which returns
 * NULL); any thread once the threads are joined. Accepts NULL. */
void task_destroy(struct task *t);

/* The context of a tasklet is the one field another thread writes while
 * the owner may read it without a lock: a stealer NULLs it (under the
 * victim's idle_conns_lock) while the victim's run loop copies it at
 * dequeue. The field is _Atomic, so no access is ever a data race (a
 * plain one is a seq_cst atomic); these two are the relaxed accesses, for
 * every access that may race that way. The mux io_cb's re-read under the
 * lock may use either. Any thread. */
static inline void *tasklet_get_context(struct tasklet *tl)
{
	return atomic_load_explicit(&tl->context, memory_order_relaxed);
}

static inline void tasklet_set_context(struct tasklet *tl, void *ctx)
{
	atomic_store_explicit(&tl->context, ctx, memory_order_relaxed);
}

/* The same for a task: a stealer NULLs the victim's timeout task context
 * (under the victim's lock) while the victim's run loop may be copying it
 * at dequeue. Any thread. */
static inline void *task_get_context(struct task *t)
{
	return atomic_load_explicit(&t->context, memory_order_relaxed);
}

static inline void task_set_context(struct task *t, void *ctx)
{
	atomic_store_explicit(&t->context, ctx, memory_order_relaxed);
}

/* Run loop steps, called by thread_loop() on the owner thread: */
int sched_run(int budget);		/* run up to <budget>; returns runs */
void sched_wake_timers(uint64_t now);	/* wake every expired task */
uint64_t sched_next_timer(void);	/* next expiry, 0 if none */
int sched_has_work(void);		/* anything queued on this thread? */
/* OR <flag> into the queued tasklets of this thread whose context a
 * takeover NULLed; returns how many (the lab's mode switch, lab.c). */
int sched_flag_orphans(unsigned int flag);
int sched_init_thread(void);		/* per-thread init, 0 or -1 */
void sched_deinit_thread(void);		/* frees the KILLED objects still
					 * queued; anything else stays
					 * counted (leak check) */

/* live objects (for the leak check at shutdown): sum over all threads */
long sched_live_tasklets(void);
long sched_live_tasks(void);

#endif /* MUXLAB_TASK_H */
