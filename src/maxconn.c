/*
 * maxconn.c - connection slots: the global and the frontend maxconn.
 *
 * Background (HAProxy src/listener.c listener_accept(), limit_listener(),
 * dequeue_all_listeners(); global.maxconn, fe->maxconn, actconn, feconn):
 * before accepting, HAProxy increments actconn and the frontend's feconn
 * with a CAS loop bounded by their limits; a listener that cannot is
 * limited (LI_FULL) and queued, either in its frontend's queue or in the
 * global one, and a connection that ends dequeues them. Nothing is refused:
 * the connections not accepted wait in the kernel's backlog.
 *
 * muxlab keeps the CAS slots and the pause, with one difference: a paused
 * thread does not queue its listener in a per-frontend or global list but
 * sets its bit in one mask, and a release wakes every thread of the mask,
 * whose listener task then tries again (a thread that still finds no slot
 * waits again). With at most MAX_THREADS threads the extra wakeups are
 * bounded, and the release path costs one atomic load when nobody waits.
 */
#include <stdatomic.h>

#include "maxconn.h"
#include "task.h"
#include "thread.h"

int global_maxconn;
static int _Atomic actconn;			/* slots held, all frontends */
static uint32_t _Atomic waiting;		/* threads waiting for a slot */
static struct task *_Atomic wait_task[MAX_THREADS]; /* each one's listener
						       * task */

int maxconn_auto(long nofile, long reserved)
{
	long v = (nofile - reserved) / 2;

	return v < 1 ? 1 : v > 1 << 24 ? 1 << 24 : (int)v;
}

/* one more on @c unless it would pass @max (0 = no limit) */
static int slot_inc(int _Atomic *c, int max)
{
	int v = atomic_load_explicit(c, memory_order_relaxed);

	do {
		if (max && v >= max)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(c, &v, v + 1,
							memory_order_acq_rel,
							memory_order_relaxed));
	return 1;
}

int maxconn_take(struct proxy *fe)
{
	if (!slot_inc(&actconn, global_maxconn))
		return 0;
	if (!slot_inc(&fe->feconn, fe->maxconn)) {
		atomic_fetch_sub_explicit(&actconn, 1, memory_order_acq_rel);
		return 0;
	}
	return 1;
}

/* a slot of @fe could be taken now (a hint: the caller tries again) */
static int slot_free(struct proxy *fe)
{
	return (!global_maxconn ||
		atomic_load_explicit(&actconn, memory_order_acquire) <
		global_maxconn) &&
	       (!fe->maxconn ||
		atomic_load_explicit(&fe->feconn, memory_order_acquire) <
		fe->maxconn);
}

void maxconn_release(struct proxy *fe)
{
	uint32_t m;
	int thr;

	atomic_fetch_sub_explicit(&fe->feconn, 1, memory_order_acq_rel);
	atomic_fetch_sub_explicit(&actconn, 1, memory_order_acq_rel);
	if (!atomic_load_explicit(&waiting, memory_order_acquire))
		return;
	m = atomic_exchange_explicit(&waiting, 0, memory_order_acq_rel);
	for (thr = 0; m; thr++, m >>= 1)
		if (m & 1)
			task_wakeup(atomic_load_explicit(&wait_task[thr],
				    memory_order_relaxed), TASK_WOKEN_OTHER);
}

void maxconn_wait(struct task *t, struct proxy *fe)
{
	atomic_store_explicit(&wait_task[tid], t, memory_order_relaxed);
	atomic_fetch_or_explicit(&waiting, 1u << tid, memory_order_acq_rel);
	/* a release between our failed take and the line above saw no bit:
	 * look again, or we could wait for a release that already happened */
	if (slot_free(fe))
		task_wakeup(t, TASK_WOKEN_OTHER);
}

int maxconn_current(void)
{
	return atomic_load_explicit(&actconn, memory_order_relaxed);
}
