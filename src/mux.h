/*
 * mux.h - helpers shared by the three muxes: the TASK_F_USR1 transitions.
 *
 * These are the two lines e388f2fbc added to every mux, wrapped so that
 * each change emits flag_set / flag_clear with the old and new state.
 * Whether they do anything depends on the mode the calling thread runs
 * in (lab_thread_mode(): the mode may change while the lab runs). Both
 * also note the tasklet in conn->mux_tl, in either mode: a thread that
 * switches to usr1 sets the flag through it on its idle connections.
 */
#ifndef MUXLAB_MUX_H
#define MUXLAB_MUX_H

#include <stdatomic.h>

#include "task-t.h"
#include "connection-t.h"
#include "activity.h"
#include "trace.h"
#include "lab.h"

extern const struct mux_ops mux_h1_ops;
extern const struct mux_ops mux_h2_ops;
extern const struct mux_ops mux_fcgi_ops;

/* detach: from now on the connection may be published in an idle list,
 * where another thread may steal it and NULL this tasklet's context, so
 * its io_cb must check the context under the idle_conns lock.
 * Owner thread, before the conn is published in an idle/safe list. Does
 * nothing in legacy mode (the flag did not exist before the commit). */
static inline void mux_set_idle_flag(struct tasklet *tl,
				     struct connection *conn)
{
	unsigned int old;

	atomic_store_explicit(&conn->mux_tl, tl, memory_order_relaxed);
	if (lab_thread_mode() == MODE_LEGACY)
		return;
	old = atomic_fetch_or_explicit(&tl->state, TASK_F_USR1,
					memory_order_seq_cst);
	ACT.flag_set++;
	TRACE(flag_set, tid, tl->id, conn->id, conn->mux->id, old,
	      old | TASK_F_USR1);
}

/* attach: the connection is in use again, no longer stealable. Owner
 * thread, after the stream exists. */
static inline void mux_clear_idle_flag(struct tasklet *tl,
				       struct connection *conn)
{
	unsigned int old;

	atomic_store_explicit(&conn->mux_tl, tl, memory_order_relaxed);
	if (lab_thread_mode() == MODE_LEGACY) {
		/* no flag before the commit; but a thread that ran in usr1
		 * (mode changed at run time) may have left it on this
		 * conn: take it off, or the conn would keep taking the
		 * lock once the thread is back in usr1 */
		if (!(atomic_load_explicit(&tl->state, memory_order_relaxed) &
		      TASK_F_USR1))
			return;
		old = atomic_fetch_and_explicit(&tl->state, ~TASK_F_USR1,
						memory_order_seq_cst);
		ACT.flag_clear++;
		TRACE(flag_clear, tid, tl->id, conn->id, conn->mux->id, old,
		      old & ~TASK_F_USR1);
		return;
	}
	if (bug_on_mode(BUG_USR1_ATTACH_OR)) {
		/* the edb99e296 slip: OR where an AND-NOT was meant */
		old = atomic_fetch_or_explicit(&tl->state, TASK_F_USR1,
						memory_order_seq_cst);
		ACT.flag_set++;
		TRACE(flag_set, tid, tl->id, conn->id, conn->mux->id, old,
		      old | TASK_F_USR1);
		return;
	}
	old = atomic_fetch_and_explicit(&tl->state, ~TASK_F_USR1,
					memory_order_seq_cst);
	ACT.flag_clear++;
	TRACE(flag_clear, tid, tl->id, conn->id, conn->mux->id, old,
	      old & ~TASK_F_USR1);
}

#endif /* MUXLAB_MUX_H */
