/*
 * lab-t.h - lab-wide run settings: mode and bug modes (types only).
 *
 * Bug modes re-introduce, one at a time, a mistake HAProxy made or could
 * have made around TASK_F_USR1, so that a student can see in the trace what
 * goes wrong. They are listed in ONE table (lab.c: bug_table[]) and tested
 * in the code with bug_on_mode(BUG_X) next to the correct line, never with
 * #ifdef, so a reader sees the right line and the broken one together.
 */
#ifndef MUXLAB_LAB_T_H
#define MUXLAB_LAB_T_H

enum bug_id {
	BUG_NONE = 0,
	BUG_NO_USR1_SET,	/* detach forgets to set TASK_F_USR1 */
	BUG_USR1_AFTER_INSERT,	/* set after publishing in the idle list */
	BUG_TRUST_CTX,		/* io_cb trusts ctx, no re-read under lock */
	BUG_USR1_ATTACH_OR,	/* attach ORs USR1 instead of clearing it
				 * (HAProxy edb99e296, ssl_set_used) */
	BUG_WAKE_OLD_LOCAL,	/* takeover wakes the old tasklet on the
				 * stealer, not its thread (1662cdb0c) */
	BUG_IDLE_THR_COUNTER,	/* steal fixes curr_idle_thr[tid] instead of
				 * the victim's (9c13b62b4) */
	BUG_PURGE_REINSERT,	/* io_cb takes the LIST bits for list
				 * membership and re-inserts a purged conn
				 * (5e1b0e7bf, 9481cef94) */
	BUG_PURGE_CLEAR_BITS,	/* the purge clears the LIST bits of what it
				 * moves (5e1b0e7bf, reverted by 3a7b539b1) */
	BUG_COUNT
};

/*
 * Delay points: a named place in the engine where a lab knob
 * ("#@lab delay SITE US", muxlab --delay SITE=US) makes the thread wait,
 * to widen one race window so that a rare race happens within seconds.
 * Off (0) by default. The table of names is lab.c's delay_table[].
 */
enum lab_delay_site {
	DELAY_PURGE_WINDOW = 0,	/* the purge, between moving a thread's conns
				 * to its to-remove list and waking the
				 * thread's cleanup task */
	DELAY_CTX_READ,		/* the scheduler, between copying a USR1
				 * tasklet's context and calling it */
	DELAY_COUNT
};

struct delay_desc {
	const char *name;	/* SITE in "#@lab delay SITE US" */
	const char *what;	/* one line for --help and errors */
};

struct bug_desc {
	const char *name;	/* --bug NAME */
	const char *origin;	/* HAProxy commit that fixed it, or "" */
	const char *what;	/* one line for --list-bugs */
};

#endif /* MUXLAB_LAB_T_H */
