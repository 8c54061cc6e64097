/*
 * synth.h - synthetic muxlab event streams for the viewer's unit tests.
 *
 * Each helper appends one event to a model, 100 ns after the previous
 * one, with the fields of docs/trace-events.md. synth_scenario() plays a
 * small correct usr1 (or legacy) run with one steal; its <bug> argument
 * breaks exactly one invariant so that the checker must fail.
 */
#ifndef MUXVIEW_TEST_SYNTH_H
#define MUXVIEW_TEST_SYNTH_H

#include <stdio.h>
#include <string.h>

#include "model.h"

static uint64_t synth_ts = 1000000000ULL;

static int synth_fail;		/* a model_add() failed */

static inline void synth_add(struct model *m, struct mv_event *e)
{
	synth_ts += 100;
	e->ts = synth_ts;
	if (model_add(m, e) < 0)
		synth_fail = 1;
}

static inline struct mv_event synth_ev(enum mv_type t, int tid)
{
	struct mv_event e;

	memset(&e, 0, sizeof(e));
	e.type = t;
	e.tid = tid;
	e.vtid = 1000 + tid;
	return e;
}

static inline void s_run_start(struct model *m, int mode, int nbthread)
{
	struct mv_event e = synth_ev(MV_T_RUN_START, -1);

	e.mode = mode;
	e.bug = "";
	e.nbthread = nbthread;
	e.seed = 42;
	e.scenario = "synth";
	e.usr1_bit = TASK_F_USR1;
	synth_add(m, &e);
}

static inline void s_run_end(struct model *m)
{
	struct mv_event e = synth_ev(MV_T_RUN_END, -1);

	e.requests_ok = 2;
	e.takeovers = 1;
	synth_add(m, &e);
}

static inline void s_io_cb(struct model *m, int tid, uint64_t tl, uint64_t conn,
		    int mux, int side, unsigned int state, int path)
{
	struct mv_event e = synth_ev(MV_T_IO_CB, tid);

	e.tl = tl;
	e.conn = conn;
	e.mux = mux;
	e.side = side;
	e.state = state;
	e.path = path;
	synth_add(m, &e);
}

static inline void s_stolen(struct model *m, int tid, uint64_t tl, int mux)
{
	struct mv_event e = synth_ev(MV_T_IO_CB_STOLEN, tid);

	e.tl = tl;
	e.mux = mux;
	synth_add(m, &e);
}

static inline void s_flag(struct model *m, int set, int tid, uint64_t tl,
		   uint64_t conn, int mux, unsigned int old, unsigned int nw)
{
	struct mv_event e = synth_ev(set ? MV_T_FLAG_SET : MV_T_FLAG_CLEAR,
				     tid);

	e.tl = tl;
	e.conn = conn;
	e.mux = mux;
	e.old_state = old;
	e.new_state = nw;
	synth_add(m, &e);
}

static inline void s_lock(struct model *m, int tid, int lock, int site,
			  int trylock, int ok, uint64_t wait_ns)
{
	struct mv_event e = synth_ev(MV_T_LOCK_ACQ, tid);

	e.lock = lock;
	e.site = site;
	e.trylock = trylock;
	e.ok = ok;
	e.ns = wait_ns;
	synth_add(m, &e);
}

static inline void s_unlock(struct model *m, int tid, int lock, int site,
		     uint64_t hold_ns)
{
	struct mv_event e = synth_ev(MV_T_LOCK_REL, tid);

	e.lock = lock;
	e.site = site;
	e.ns = hold_ns;
	synth_add(m, &e);
}

static inline void s_takeover(struct model *m, int tid, uint64_t conn, int mux,
		       int from, uint64_t old_tl, uint64_t new_tl, int ok)
{
	struct mv_event e = synth_ev(MV_T_TAKEOVER, tid);

	e.conn = conn;
	e.mux = mux;
	e.from_tid = from;
	e.old_tl = old_tl;
	e.new_tl = new_tl;
	e.ok = ok;
	synth_add(m, &e);
}

static inline void s_idle(struct model *m, int insert, int tid, uint64_t conn,
		   int mux, int list, int reason)
{
	struct mv_event e = synth_ev(insert ? MV_T_IDLE_INSERT :
				     MV_T_IDLE_REMOVE, tid);

	e.conn = conn;
	e.mux = mux;
	e.srv = 1;
	e.list = list;
	e.reason = reason;
	synth_add(m, &e);
}

static inline void s_stream(struct model *m, int attach, int tid, uint64_t conn,
		     int mux, int side, uint64_t stream)
{
	struct mv_event e = synth_ev(attach ? MV_T_STREAM_ATTACH :
				     MV_T_STREAM_DETACH, tid);

	e.conn = conn;
	e.mux = mux;
	e.side = side;
	e.stream = stream;
	synth_add(m, &e);
}

static inline void s_conn(struct model *m, int create, int tid, uint64_t conn,
		   int mux, int side)
{
	struct mv_event e = synth_ev(create ? MV_T_CONN_NEW : MV_T_CONN_FREE,
				     tid);

	e.conn = conn;
	e.mux = mux;
	e.side = side;
	e.srv = side == SIDE_FRONT ? -1 : 1;
	synth_add(m, &e);
}

static inline void s_wakeup(struct model *m, int tid, uint64_t tl, int owner,
		     int remote)
{
	struct mv_event e = synth_ev(MV_T_WAKEUP, tid);

	e.tl = tl;
	e.owner = owner;
	e.remote = remote;
	synth_add(m, &e);
}

static inline void s_mode(struct model *m, int tid, int old, int nw,
			  unsigned int marked)
{
	struct mv_event e = synth_ev(MV_T_MODE_CHANGE, tid);

	e.old_mode = old;
	e.new_mode = nw;
	e.marked = marked;
	synth_add(m, &e);
}

static inline void s_discarded(struct model *m, uint64_t n)
{
	struct mv_event e = synth_ev(MV_T_DISCARDED, -1);

	e.count = n;
	synth_add(m, &e);
}

#define TL_ST	(TASK_F_TASKLET | TASK_IN_LIST)
#define USR1_ST	(TASK_F_USR1 | TASK_F_TASKLET | TASK_IN_LIST)

/*
 * A run with one front request on T0 whose backend conn 11 (tasklet 101)
 * goes idle on T0, is stolen by T1 (new tasklet 102), and whose old
 * tasklet dies on T0. <bug> 0 = correct; 1..7 breaks that invariant.
 * With 7, the purge queues conn 11 for destruction and its io_cb puts it
 * back into the safe list (HAProxy 9481cef94), where it is stolen.
 * <legacy>: record a legacy run (every io_cb locked, no USR1).
 */
static inline void synth_scenario(struct model *m, int bug, int legacy)
{
	int fast = legacy ? PATH_LOCKED : PATH_FAST;

	s_run_start(m, legacy ? MODE_LEGACY : MODE_USR1, 2);
	/* T0: a front request */
	s_conn(m, 1, 0, 1, MUX_H1, SIDE_FRONT);
	s_wakeup(m, 0, 2, 0, 0);
	s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST,
		bug == 1 ? PATH_LOCKED : bug == 6 ? PATH_FAST : fast);
	/* (11: a fast front io_cb locks all the same: invariant 1) */
	if ((legacy && bug != 6) || bug == 1 || bug == 11) {
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
	}
	s_stream(m, 1, 0, 1, MUX_H1, SIDE_FRONT, 500);
	/* its backend conn */
	s_lock(m, 0, 0, SITE_BACKEND_GET, 0, 1, 5);
	s_unlock(m, 0, 0, SITE_BACKEND_GET, 30);
	s_conn(m, 1, 0, 11, MUX_H2, SIDE_BACK);
	s_stream(m, 1, 0, 11, MUX_H2, SIDE_BACK, 500);
	s_wakeup(m, 0, 101, 0, 0);
	s_io_cb(m, 0, 101, 11, MUX_H2, SIDE_BACK, TL_ST, fast);
	/* (12: a fast back io_cb locks all the same: invariant 5) */
	if (legacy || bug == 12) {
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
	}
	s_stream(m, 0, 0, 11, MUX_H2, SIDE_BACK, 500);
	/* detach: USR1, then the safe list */
	if (!legacy && bug != 3)
		s_flag(m, 1, 0, 101, 11, MUX_H2, TASK_F_TASKLET,
		       TASK_F_TASKLET | TASK_F_USR1);
	s_lock(m, 0, 0, SITE_ADD_IDLE, 0, 1, 5);
	s_idle(m, 1, 0, 11, MUX_H2, LIST_SAFE, 0);
	if (bug != 5)
		s_unlock(m, 0, 0, SITE_ADD_IDLE, 40);
	/* the front answers */
	s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, fast);
	if (legacy) {
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
	}
	s_stream(m, 0, 0, 1, MUX_H1, SIDE_FRONT, 500);
	s_conn(m, 0, 0, 1, MUX_H1, SIDE_FRONT);
	if (bug == 2) {
		/* a server close wakes the idle tasklet: it must lock */
		s_io_cb(m, 0, 101, 11, MUX_H2, SIDE_BACK, TL_ST, PATH_FAST);
	}
	if (bug == 7) {
		/* the purge moves conn 11 to T0's to-remove list... */
		s_lock(m, 0, 0, SITE_PURGE, 0, 1, 5);
		s_idle(m, 0, 0, 11, MUX_H2, LIST_SAFE, REASON_PURGE);
		s_idle(m, 1, 0, 11, MUX_H2, LIST_TOREMOVE, 0);
		s_unlock(m, 0, 0, SITE_PURGE, 30);
		/* ...a server PING wakes it, and the io_cb puts it back */
		s_io_cb(m, 0, 101, 11, MUX_H2, SIDE_BACK, USR1_ST,
			PATH_LOCKED);
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_idle(m, 1, 0, 11, MUX_H2, LIST_SAFE, 0);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
	}

	/* T1 steals conn 11 */
	s_lock(m, 1, 1, SITE_BACKEND_GET, 0, 1, 5);
	s_unlock(m, 1, 1, SITE_BACKEND_GET, 30);
	s_lock(m, 1, 0, SITE_STEAL_SCAN, 1, 0, 0);	/* busy: no release */
	s_lock(m, 1, 0, SITE_STEAL_SCAN, 1, 1, 0);
	s_takeover(m, 1, 11, MUX_H2, 0, 101, 102, 1);
	s_idle(m, 0, 1, 11, MUX_H2, LIST_SAFE, REASON_STEAL);
	s_wakeup(m, 1, 101, 0, 1);
	s_unlock(m, 1, 0, SITE_STEAL_SCAN, 300);
	s_stream(m, 1, 1, 11, MUX_H2, SIDE_BACK, 600);
	s_io_cb(m, 1, 102, 11, MUX_H2, SIDE_BACK, TL_ST, fast);
	if (legacy) {
		s_lock(m, 1, 1, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 1, 1, SITE_IO_CB, 20);
	}

	/* the old tasklet dies on T0, under T0's lock, without the conn */
	if (bug == 4) {
		s_io_cb(m, 0, 101, 0, MUX_H2, SIDE_BACK, USR1_ST, PATH_FAST);
		s_stolen(m, 0, 101, MUX_H2);
	} else {
		s_io_cb(m, 0, 101, 0, MUX_H2, SIDE_BACK,
			legacy ? TL_ST : USR1_ST, PATH_LOCKED);
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 50);
		s_stolen(m, 0, 101, MUX_H2);
		s_unlock(m, 0, 0, SITE_IO_CB, 60);
	}

	s_stream(m, 0, 1, 11, MUX_H2, SIDE_BACK, 600);
	s_conn(m, 0, 1, 11, MUX_H2, SIDE_BACK);
	s_run_end(m);
}

/*
 * A run that starts in legacy mode on two threads, switches both to usr1
 * (the control socket's "set mode usr1"; T0 first flags its idle conn 11)
 * and T1 back to legacy. T0's front conn 1 (tasklet 2) and back conn 11
 * (tasklet 101), T1's front conn 3 (tasklet 4). Correct with <bug> 0;
 * otherwise one mistake, in one mode interval:
 *   1  T0's front io_cb locks in its usr1 interval (invariant 1);
 *   2  T0's idle conn 11 is woken on the fast path in usr1 (invariant 2);
 *   6  T1's front io_cb is fast in its second legacy interval (inv 6).
 * The same events in the other mode would be correct: a locked front
 * io_cb and a lock-free wakeup are fine in legacy and usr1 respectively.
 */
static inline void synth_mixed(struct model *m, int bug)
{
	s_run_start(m, MODE_LEGACY, 2);
	/* legacy: every io_cb locked, no USR1 */
	s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_LOCKED);
	s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
	s_unlock(m, 0, 0, SITE_IO_CB, 20);
	s_conn(m, 1, 0, 11, MUX_H1, SIDE_BACK);
	s_flag(m, 0, 0, 101, 11, MUX_H1, TL_ST, TL_ST);	/* attach */
	s_lock(m, 0, 0, SITE_ADD_IDLE, 0, 1, 5);
	s_idle(m, 1, 0, 11, MUX_H1, LIST_SAFE, 0);	/* no USR1: legacy */
	s_unlock(m, 0, 0, SITE_ADD_IDLE, 40);
	s_io_cb(m, 1, 4, 3, MUX_H1, SIDE_FRONT, TL_ST, PATH_LOCKED);
	s_lock(m, 1, 1, SITE_IO_CB, 0, 1, 10);
	s_unlock(m, 1, 1, SITE_IO_CB, 20);
	/* T0 switches: flags its idle conn under its lock, then usr1 */
	s_lock(m, 0, 0, SITE_OTHER, 0, 1, 5);
	s_flag(m, 1, 0, 101, 11, MUX_H1, TASK_F_TASKLET,
	       TASK_F_TASKLET | TASK_F_USR1);
	s_mode(m, 0, MODE_LEGACY, MODE_USR1, 1);
	s_unlock(m, 0, 0, SITE_OTHER, 20);
	s_mode(m, 1, MODE_LEGACY, MODE_USR1, 0);
	/* usr1 on both */
	s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST,
		bug == 1 ? PATH_LOCKED : PATH_FAST);
	if (bug == 1) {
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
	}
	/* the server closes idle conn 11: its io_cb locks (USR1) */
	s_io_cb(m, 0, 101, 11, MUX_H1, SIDE_BACK, bug == 2 ? TL_ST : USR1_ST,
		bug == 2 ? PATH_FAST : PATH_LOCKED);
	if (bug != 2) {
		s_lock(m, 0, 0, SITE_IO_CB, 0, 1, 10);
		s_idle(m, 0, 0, 11, MUX_H1, LIST_SAFE, REASON_IO);
		s_unlock(m, 0, 0, SITE_IO_CB, 20);
		s_conn(m, 0, 0, 11, MUX_H1, SIDE_BACK);
	}
	s_io_cb(m, 1, 4, 3, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	/* T1 back to legacy */
	s_mode(m, 1, MODE_USR1, MODE_LEGACY, 0);
	s_io_cb(m, 1, 4, 3, MUX_H1, SIDE_FRONT, TL_ST,
		bug == 6 ? PATH_FAST : PATH_LOCKED);
	if (bug != 6) {
		s_lock(m, 1, 1, SITE_IO_CB, 0, 1, 10);
		s_unlock(m, 1, 1, SITE_IO_CB, 20);
	}
	/* T0 still usr1: its front stays fast */
	s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	s_run_end(m);
}

#endif /* MUXVIEW_TEST_SYNTH_H */
