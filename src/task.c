/*
 * task.c - the per-thread scheduler: run lists, wakeups, dequeue, timers.
 *
 * Background (HAProxy src/task.c at e388f2fbc, simplified on purpose):
 *
 * Every engine thread owns a scheduler context. Its *local run list* is a
 * plain singly linked FIFO through task->next that only the owner touches.
 * Its *shared list* is where other threads push work for it: a lock-free
 * intrusive LIFO (push = CAS on the head). Once per sched_run() the owner
 * takes the whole shared list with one atomic exchange, reverses it so the
 * oldest wakeup runs first, and splices it at the tail of its local list.
 * Because the consumer only ever takes everything at once, the classic ABA
 * problem of a LIFO pop cannot happen.
 *
 * TASK_IN_LIST is the guard: whoever sets it with a CAS owns the right to
 * put the object in exactly one list; anyone else who wants to wake it sees
 * the bit and does nothing (the object will run anyway). The owner clears
 * it at dequeue with ONE atomic fetch-and against TASK_PERSISTENT, which
 * also clears the WOKEN_* reasons and keeps TASK_F_USR1, and hands the word
 * as it was before to the callback as <state>. That snapshot, taken on the
 * owner thread when the object starts running, is what a mux io_cb tests
 * for TASK_F_USR1 (HAProxy run_tasks_from_lists() in src/task.c).
 *
 * Once IN_LIST is cleared a concurrent wakeup may queue the object again
 * while its callback runs; it simply runs again later. A tasklet freed by
 * its own callback while such a wakeup had queued it is only marked
 * TASK_KILLED; the run loop frees it when it dequeues it, without running
 * it (HAProxy's later tasklet_kill(), 7b368339a, works the same way).
 *
 * Tasks are bound to one thread (tid >= 0), go through the same lists and
 * have a timer in their owner's binary min-heap keyed by <expire>.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "activity.h"
#include "fd.h"
#include "lab.h"
#include "task.h"
#include "tinfo.h"
#include "trace.h"

#define TIMERS_INIT_SIZE	256

/* One per engine thread. The first part is touched by the owner only; the
 * shared list head sits on its own cache line because every other thread
 * CASes it. */
struct sched_ctx {
	struct task *rl_head;		/* local run list, owner only */
	struct task *rl_tail;
	struct task **timers;		/* binary min-heap on ->expire */
	int nb_timers;
	int timers_size;
	struct task *current;		/* object whose callback runs */

	struct task *_Atomic shared ALIGNED(CACHELINE); /* MPSC LIFO */
} THREAD_ALIGNED;

/* Live object counters, one slot per engine thread plus one shared by the
 * threads that are not engine threads (main, tests). An engine thread only
 * writes its own slot; the sum may be negative per slot (a tasklet created
 * on A and freed on B) but not in total. */
struct sched_live {
	long _Atomic tasklets;
	long _Atomic tasks;
} THREAD_ALIGNED;

static struct sched_ctx sched_ctx[MAX_THREADS];
static struct sched_live sched_live[MAX_THREADS + 1];
static __thread struct sched_ctx *sched;

/* ---- small helpers ------------------------------------------------------ */

static inline struct sched_live *live_slot(void)
{
	return &sched_live[tid >= 0 ? tid : MAX_THREADS];
}

/* An engine thread is the only writer of its slot: a relaxed load + store
 * is enough. Outsiders share one slot and need a real RMW. */
static inline void live_add(long _Atomic *c, long d)
{
	if (tid >= 0)
		atomic_store_explicit(c, atomic_load_explicit(c,
				      memory_order_relaxed) + d,
				      memory_order_relaxed);
	else
		atomic_fetch_add_explicit(c, d, memory_order_relaxed);
}

static void __tasklet_release(struct tasklet *tl)
{
	live_add(&live_slot()->tasklets, -1);
	free(tl);
}

/* ---- timer heap (owner thread only) ------------------------------------ */

static inline void heap_set(struct sched_ctx *s, int i, struct task *t)
{
	s->timers[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct sched_ctx *s, int i)
{
	struct task *t = s->timers[i];

	while (i > 0) {
		int parent = (i - 1) / 2;

		if (s->timers[parent]->expire <= t->expire)
			break;
		heap_set(s, i, s->timers[parent]);
		i = parent;
	}
	heap_set(s, i, t);
}

static void heap_down(struct sched_ctx *s, int i)
{
	struct task *t = s->timers[i];

	for (;;) {
		int c = 2 * i + 1;

		if (c >= s->nb_timers)
			break;
		if (c + 1 < s->nb_timers &&
		    s->timers[c + 1]->expire < s->timers[c]->expire)
			c++;
		if (t->expire <= s->timers[c]->expire)
			break;
		heap_set(s, i, s->timers[c]);
		i = c;
	}
	heap_set(s, i, t);
}

static void heap_insert(struct sched_ctx *s, struct task *t)
{
	if (s->nb_timers == s->timers_size) {
		int size = s->timers_size ? 2 * s->timers_size :
			   TIMERS_INIT_SIZE;
		struct task **n = realloc(s->timers, size * sizeof(*n));

		if (!n) {
			fprintf(stderr, "muxlab: out of memory for timers\n");
			abort();
		}
		s->timers = n;
		s->timers_size = size;
	}
	s->timers[s->nb_timers] = t;
	t->heap_idx = s->nb_timers++;
	heap_up(s, t->heap_idx);
}

static void heap_remove(struct sched_ctx *s, struct task *t)
{
	int i = t->heap_idx;
	struct task *last;

	t->heap_idx = -1;
	last = s->timers[--s->nb_timers];
	if (i == s->nb_timers)
		return;
	heap_set(s, i, last);
	heap_up(s, i);
	heap_down(s, last->heap_idx);
}

/* After a move of <t>->expire: put it back where it belongs. */
static void heap_fix(struct sched_ctx *s, struct task *t)
{
	heap_up(s, t->heap_idx);
	heap_down(s, t->heap_idx);
}

static void __task_release(struct task *t)
{
	if (t->heap_idx >= 0) {
		/* only the owner may touch its heap */
		BUG_ON(t->tid != tid || !sched);
		heap_remove(sched, t);
	}
	live_add(&live_slot()->tasks, -1);
	free(t);
}

/* ---- queueing ------------------------------------------------------------ */

/* Append <t> to the calling thread's local run list. */
static inline void __sched_push_local(struct sched_ctx *s, struct task *t)
{
	t->next = NULL;
	if (s->rl_tail)
		s->rl_tail->next = t;
	else
		s->rl_head = t;
	s->rl_tail = t;
}

/* Push <t> on thread <thr>'s shared list and wake it if it sleeps. The CAS
 * is seq_cst: together with the poller's "set sleeping, then look at the
 * shared list" (fd_poll()) it forms a Dekker pair, so either the sleeper
 * sees our element or we see it sleeping and kick its eventfd. */
static void __sched_push_remote(int thr, struct task *t)
{
	struct sched_ctx *s = &sched_ctx[thr];
	struct task *head = atomic_load_explicit(&s->shared,
						 memory_order_relaxed);

	do {
		t->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&s->shared, &head, t,
				memory_order_seq_cst, memory_order_relaxed));
	fd_poller_wake(thr);
}

/* The caller won TASK_IN_LIST on <t>: put it on thread <thr>'s list.
 * Returns 1 if that was another thread's shared list. */
static int __sched_enqueue(struct task *t, int thr)
{
	if (thr == tid) {
		__sched_push_local(&sched_ctx[thr], t);
		return 0;
	}
	__sched_push_remote(thr, t);
	if (tid >= 0)
		ACT.wakeups_remote++;
	return 1;
}

/* Move everything other threads pushed to us to the tail of the local list,
 * oldest first. */
static void __sched_splice_shared(struct sched_ctx *s)
{
	struct task *lifo, *fifo = NULL, *tail, *next;

	if (!atomic_load_explicit(&s->shared, memory_order_relaxed))
		return;
	lifo = atomic_exchange_explicit(&s->shared, NULL,
					memory_order_acquire);
	tail = lifo;
	while (lifo) {
		next = lifo->next;
		lifo->next = fifo;
		fifo = lifo;
		lifo = next;
	}
	if (!fifo)
		return;
	if (s->rl_tail)
		s->rl_tail->next = fifo;
	else
		s->rl_head = fifo;
	s->rl_tail = tail;
}

/* ---- tasklets ------------------------------------------------------------ */

/*
 * tasklet_new - allocate a tasklet
 *
 * Returns a tasklet with state TASK_F_TASKLET, tid -1 (it runs on whichever
 * thread wakes it, i.e. for a mux tasklet the thread owning the connection),
 * no callback yet and a fresh trace id; NULL if out of memory.
 * Context: any thread, no lock.
 */
struct tasklet *tasklet_new(void)
{
	struct tasklet *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	atomic_init(&tl->state, TASK_F_TASKLET);
	tl->tid = -1;
	tl->id = new_obj_id();
	live_add(&live_slot()->tasklets, 1);
	return tl;
}

/*
 * tasklet_free - free a tasklet, or have the run loop free it
 *
 * @tl: the tasklet, or NULL
 *
 * One atomic OR sets TASK_KILLED and tells us whether the tasklet is queued
 * somewhere (TASK_IN_LIST). If it is, a wakeup raced with us (for instance
 * the tasklet freeing itself from its own callback while another thread
 * woke it): we must not free memory that sits in a run list, so we leave it
 * to the run loop, which frees a KILLED object instead of running it. If it
 * is not queued nobody may reference it any more and it is freed now.
 *
 * Context: the thread responsible for the tasklet (its owner; for a stolen
 * mux tasklet, the victim thread from inside the tasklet's own callback,
 * which must then return NULL). Waking a tasklet after it was freed is a
 * use-after-free, as in HAProxy: callers guarantee it with their own
 * locking (takeover NULLs the old tasklet's context and wakes it under the
 * victim's lock, and never touches it again; the victim frees it only
 * after it saw that NULL context under that same lock).
 */
void tasklet_free(struct tasklet *tl)
{
	unsigned int old;

	if (!tl)
		return;
	old = atomic_fetch_or_explicit(&tl->state, TASK_KILLED,
				       memory_order_acq_rel);
	if (old & TASK_IN_LIST)
		return;		/* the run loop frees it */
	__tasklet_release(tl);
}

/*
 * tasklet_wakeup_on - queue a tasklet on a given thread
 *
 * @tl: the tasklet
 * @thr: the thread that must run it (0 .. nbthread-1)
 *
 * A CAS loop sets TASK_IN_LIST; if it was already set the tasklet is queued
 * somewhere and will run, so nothing is done. The winner appends it to its
 * own local list if <thr> is the calling thread, else pushes it on <thr>'s
 * shared list and wakes <thr> if it sleeps. Other bits (TASK_F_USR1) are
 * preserved. Emits tasklet_wakeup for a shared-list push (remote = 1)
 * only.
 *
 * This is how takeover() sends the old tasklet back to the victim thread
 * (orig_tid) so that it frees itself there (HAProxy 1662cdb0c).
 * Context: any thread, lock-free.
 */
void tasklet_wakeup_on(struct tasklet *tl, int thr)
{
	unsigned int old;
	int remote;

	BUG_ON(thr < 0 || thr >= nbthread);
	old = atomic_load_explicit(&tl->state, memory_order_relaxed);
	do {
		if (old & TASK_IN_LIST)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&tl->state, &old,
				old | TASK_IN_LIST, memory_order_acq_rel,
				memory_order_relaxed));

	/* from here on the tasklet may run and be freed on <thr>: emit
	 * before publishing it. Only a wakeup onto another thread is an
	 * event: a thread queueing its own tasklet is told by the io_cb
	 * that follows on that thread (trace format 2) */
	remote = thr != tid;
	if (remote)
		TRACE(tasklet_wakeup, tid, tl->id, thr, remote);
	__sched_enqueue((struct task *)tl, thr);
}

/*
 * tasklet_wakeup - queue a tasklet on its thread
 *
 * @tl: the tasklet
 *
 * Same as tasklet_wakeup_on() with tl->tid, or the calling thread if
 * tl->tid is -1. Waking a tid -1 tasklet from another thread than its
 * owner's is a bug in the caller (use tasklet_wakeup_on()).
 * Context: any engine thread (any thread if tl->tid >= 0), lock-free.
 */
void tasklet_wakeup(struct tasklet *tl)
{
	int thr = tl->tid >= 0 ? tl->tid : tid;

	BUG_ON(thr < 0);
	tasklet_wakeup_on(tl, thr);
}

/* ---- tasks ----------------------------------------------------------------- */

/*
 * task_new_on - allocate a task bound to a thread
 *
 * @thr: its owner thread, the only one that runs it and owns its timer
 *
 * Returns the task (state 0, no callback, no timer, fresh id) or NULL.
 * Context: any thread, no lock.
 */
struct task *task_new_on(int thr)
{
	struct task *t;

	BUG_ON(thr < 0 || thr >= MAX_THREADS);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	atomic_init(&t->state, 0);
	t->tid = thr;
	t->heap_idx = -1;
	t->id = new_obj_id();
	live_add(&live_slot()->tasks, 1);
	return t;
}

/*
 * task_wakeup - wake a task for a reason
 *
 * @t: the task
 * @why: TASK_WOKEN_* bits, visible in the <state> its callback receives
 *
 * One CAS loop ORs <why> in and sets TASK_IN_LIST if it was clear; only in
 * that case is the task queued on its owner thread (remote push + wake if
 * the caller is another thread). A task woken while its callback runs is
 * queued again and runs once more.
 * Context: any thread, lock-free.
 */
void task_wakeup(struct task *t, unsigned int why)
{
	unsigned int old, new;

	old = atomic_load_explicit(&t->state, memory_order_relaxed);
	do {
		new = old | why | TASK_IN_LIST;
	} while (!atomic_compare_exchange_weak_explicit(&t->state, &old, new,
				memory_order_acq_rel, memory_order_relaxed));
	if (old & TASK_IN_LIST)
		return;
	__sched_enqueue(t, t->tid);
}

/*
 * task_schedule - (re)arm or disarm a task's timer
 *
 * @t: the task
 * @expire: absolute monotonic time in ns (now_mono_ns()), 0 to disarm
 *
 * When the time is reached the owner's loop wakes the task with
 * TASK_WOKEN_TIMER and takes it out of the heap; t->expire keeps its value
 * so the callback can tell that it expired. Re-arm by calling this again,
 * or by writing a future t->expire before returning <t> from the callback
 * (HAProxy style): the run loop re-queues it.
 * Context: owner thread only (the heap is per thread, no lock).
 */
void task_schedule(struct task *t, uint64_t expire)
{
	BUG_ON(t->tid != tid || !sched);
	t->expire = expire;
	if (!expire) {
		if (t->heap_idx >= 0)
			heap_remove(sched, t);
		return;
	}
	if (t->heap_idx >= 0)
		heap_fix(sched, t);
	else
		heap_insert(sched, t);
}

/*
 * task_kill - have the owner free a task without running it again
 *
 * @t: the task
 *
 * ORs TASK_KILLED (persistent: every later dequeue sees it) then queues the
 * task on its owner like a wakeup; if it is already queued the pending
 * dequeue will see KILLED. The owner takes it out of its timer heap and
 * frees it instead of calling it. If the callback is running at that
 * moment it finishes normally, then the queued entry frees the task.
 * This is how a stealer gets rid of the victim's timeout task (HAProxy
 * 09e0d9ecb). Call it once, and only while <t> is guaranteed alive (the
 * stealer holds the victim's idle_conns_lock, which the victim's timeout
 * task takes before destroying itself).
 * Context: any thread, lock-free.
 */
void task_kill(struct task *t)
{
	unsigned int old, new;

	old = atomic_load_explicit(&t->state, memory_order_relaxed);
	do {
		new = old | TASK_KILLED | TASK_IN_LIST;
	} while (!atomic_compare_exchange_weak_explicit(&t->state, &old, new,
				memory_order_acq_rel, memory_order_relaxed));
	if (old & TASK_IN_LIST)
		return;
	__sched_enqueue(t, t->tid);
}

/*
 * task_destroy - free a task now, or as soon as it leaves its run list
 *
 * @t: the task, or NULL
 *
 * Like tasklet_free(): one atomic OR of TASK_KILLED; if the task is queued
 * the run loop frees it, else it leaves the timer heap and is freed here.
 * Context: owner thread (from its own callback, which returns NULL, or from
 * any code of that thread). After the threads are joined any thread may
 * destroy a task whose owner is gone.
 */
void task_destroy(struct task *t)
{
	unsigned int old;

	if (!t)
		return;
	old = atomic_fetch_or_explicit(&t->state, TASK_KILLED,
				       memory_order_acq_rel);
	if (old & TASK_IN_LIST)
		return;
	__task_release(t);
}

/* After the callback of task <t> returned it: re-arm or move its timer if
 * the callback wrote t->expire directly (HAProxy style). An expire that is
 * already past is not re-armed: it fired, the callback saw it. */
static void __task_requeue(struct sched_ctx *s, struct task *t)
{
	if (!t->expire) {
		if (t->heap_idx >= 0)
			heap_remove(s, t);
		return;
	}
	if (t->heap_idx >= 0)
		heap_fix(s, t);
	else if (t->expire > now_mono_ns())
		heap_insert(s, t);
}

/* ---- the run loop -------------------------------------------------------- */

/*
 * sched_run - run what is queued on the calling thread
 *
 * @budget: maximum number of objects to dequeue, so that the poller runs
 *          regularly even if tasklets keep waking each other
 *
 * Splices the shared list first, then for each object: copy ->process and
 * ->context (before anything else: the context is the field a stealer
 * NULLs), ONE atomic fetch-and with TASK_PERSISTENT that clears IN_LIST
 * and the wake reasons and returns the previous word; if that word has
 * TASK_KILLED the object is freed without running; else the callback gets
 * (object, context copy, previous word). A tasklet callback may free its
 * tasklet and return NULL; nothing touches the object after a tasklet
 * callback. Returns the number of objects dequeued.
 * Context: the owner thread, from thread_loop(), no lock held.
 */
int sched_run(int budget)
{
	struct sched_ctx *s = sched;
	struct task *t, *ret;
	task_cb process;
	unsigned int old;
	void *ctx;
	int done = 0;

	if (!s)
		return 0;
	__sched_splice_shared(s);
	while (done < budget && (t = s->rl_head) != NULL) {
		s->rl_head = t->next;
		if (!s->rl_head)
			s->rl_tail = NULL;
		t->next = NULL;
		done++;

		process = t->process;
		ctx = atomic_load_explicit(&t->context, memory_order_relaxed);
		old = atomic_fetch_and_explicit(&t->state, TASK_PERSISTENT,
						memory_order_acq_rel);

		if (old & TASK_F_TASKLET) {
			if (old & TASK_KILLED) {
				__tasklet_release((struct tasklet *)t);
				continue;
			}
			/* woken before its callback was set: its owner still
			 * holds it, freeing it here would hide a bug */
			BUG_ON(!process);
			/* lab knob: widen the window between the copy of the
			 * context above and the io_cb's lock, in which a
			 * stealer may NULL it (what BUG_TRUST_CTX misses) */
			if (old & TASK_F_USR1)
				lab_delay(DELAY_CTX_READ);
			t->calls++;
			s->current = t;
			process(t, ctx, old);
			s->current = NULL;
			continue;
		}

		/* a task without a callback is freed (HAProxy's deferred
		 * task_destroy() idiom) */
		if ((old & TASK_KILLED) || !process) {
			__task_release(t);
			continue;
		}
		t->calls++;
		s->current = t;
		ret = process(t, ctx, old);
		s->current = NULL;
		if (ret)
			__task_requeue(s, ret);
	}
	return done;
}

/*
 * sched_wake_timers - wake every task of this thread whose timer expired
 *
 * @now: the loop's current monotonic time in ns
 *
 * Each expired task leaves the heap and is woken with TASK_WOKEN_TIMER.
 * Context: owner thread, from thread_loop().
 */
void sched_wake_timers(uint64_t now)
{
	struct sched_ctx *s = sched;
	struct task *t;

	if (!s)
		return;
	while (s->nb_timers && s->timers[0]->expire <= now) {
		t = s->timers[0];
		heap_remove(s, t);
		task_wakeup(t, TASK_WOKEN_TIMER);
	}
}

/*
 * sched_next_timer - when the calling thread's next timer expires
 *
 * Returns the absolute monotonic ns of the earliest armed timer, 0 if none.
 * Context: owner thread.
 */
uint64_t sched_next_timer(void)
{
	struct sched_ctx *s = sched;

	if (!s || !s->nb_timers)
		return 0;
	return s->timers[0]->expire;
}

/*
 * sched_has_work - is anything queued for the calling thread?
 *
 * Looks at the local run list and at the shared list (seq_cst load: this
 * is the second half of the sleeping handshake in fd_poll()).
 * Context: owner thread.
 */
int sched_has_work(void)
{
	struct sched_ctx *s = sched;

	if (!s)
		return 0;
	return s->rl_head != NULL ||
	       atomic_load_explicit(&s->shared, memory_order_seq_cst) != NULL;
}

/*
 * sched_init_thread - set up the calling thread's scheduler
 *
 * Returns 0, or -1 if out of memory. Context: engine thread, at start,
 * tid already set.
 */
int sched_init_thread(void)
{
	struct sched_ctx *s;

	if (tid < 0 || tid >= MAX_THREADS)
		return -1;
	s = &sched_ctx[tid];
	/* The run lists are NOT reset here: another thread, or this one
	 * before this point, may already have queued work for us (they are
	 * empty at process start and sched_deinit_thread() leaves them
	 * empty). */
	s->current = NULL;
	s->nb_timers = 0;
	s->timers_size = TIMERS_INIT_SIZE;
	s->timers = malloc(s->timers_size * sizeof(*s->timers));
	if (!s->timers) {
		s->timers_size = 0;
		return -1;
	}
	sched = s;
	return 0;
}

/*
 * sched_deinit_thread - tear down the calling thread's scheduler
 *
 * Frees the objects still queued that were killed (their owner is done
 * with them). Anything else still queued or armed is unlinked but left
 * allocated and counted, so that the leak check reports the module that
 * forgot to free it instead of this function hiding it.
 * Context: engine thread, at exit, after the last barrier.
 */
void sched_deinit_thread(void)
{
	struct sched_ctx *s = sched;
	struct task *t, *next;
	unsigned int old;
	int i;

	if (!s)
		return;
	__sched_splice_shared(s);
	for (t = s->rl_head; t; t = next) {
		next = t->next;
		t->next = NULL;
		old = atomic_fetch_and_explicit(&t->state, TASK_PERSISTENT,
						memory_order_acq_rel);
		if (!(old & TASK_KILLED))
			continue;
		if (old & TASK_F_TASKLET)
			__tasklet_release((struct tasklet *)t);
		else
			__task_release(t);
	}
	s->rl_head = s->rl_tail = NULL;
	for (i = 0; i < s->nb_timers; i++)
		s->timers[i]->heap_idx = -1;
	s->nb_timers = 0;
	free(s->timers);
	s->timers = NULL;
	s->timers_size = 0;
	sched = NULL;
}

/*
 * sched_flag_orphans - OR <flag> into every queued tasklet that was stolen
 *
 * @flag: the bits to set (TASK_F_USR1)
 *
 * A takeover NULLs the old tasklet's context and queues it on its old
 * thread, where it frees itself on the locked path of its io_cb. If that
 * thread ran in legacy mode when the steal happened, the tasklet carries
 * no TASK_F_USR1; should the thread switch to usr1 mode before it runs,
 * the io_cb would take the fast path with a NULL context. The mode switch
 * (lab_thread_switch()) calls this to give such orphans the flag, the
 * same way a usr1 thread's idle tasklets already have it. Lab only; no
 * HAProxy counterpart (its mode never changes at run time).
 *
 * Splices the shared list first, so that every tasklet another thread
 * queued here before this call is seen. Only tasklets that are not
 * killed and whose context is NULL are touched.
 *
 * Return: how many tasklets were flagged.
 * Context: the owner thread at a quiescent point of its loop (no callback
 * runs), holding its own idle_conns_lock, which every stealer of its
 * connections holds while it NULLs a context and queues the tasklet here.
 */
int sched_flag_orphans(unsigned int flag)
{
	struct sched_ctx *s = sched;
	struct task *t;
	unsigned int st;
	int n = 0;

	if (!s)
		return 0;
	__sched_splice_shared(s);
	for (t = s->rl_head; t; t = t->next) {
		st = atomic_load_explicit(&t->state, memory_order_relaxed);
		if (!(st & TASK_F_TASKLET) || (st & TASK_KILLED) ||
		    (st & flag) == flag)
			continue;
		if (atomic_load_explicit(&t->context, memory_order_relaxed))
			continue;
		atomic_fetch_or_explicit(&t->state, flag, memory_order_seq_cst);
		n++;
	}
	return n;
}

/*
 * sched_live_tasklets / sched_live_tasks - objects allocated and not freed
 *
 * Sums every thread's counter. Exact once the threads are stopped (leak
 * check); a moving estimate while they run.
 * Context: any thread.
 */
long sched_live_tasklets(void)
{
	long sum = 0;
	int i;

	for (i = 0; i <= MAX_THREADS; i++)
		sum += atomic_load_explicit(&sched_live[i].tasklets,
					    memory_order_relaxed);
	return sum;
}

long sched_live_tasks(void)
{
	long sum = 0;
	int i;

	for (i = 0; i <= MAX_THREADS; i++)
		sum += atomic_load_explicit(&sched_live[i].tasks,
					    memory_order_relaxed);
	return sum;
}
