/*
 * task-t.h - tasks, tasklets and their state word (types and flags only).
 *
 * The state word is one 32-bit atomic. Its values are HAProxy's at commit
 * e388f2fbc so that a state printed by the lab reads the same as one printed
 * by HAProxy: TASK_F_USR1 is 0x00010000. This header only includes other
 * -t.h headers so that the viewer can decode states without the engine.
 */
#ifndef MUXLAB_TASK_T_H
#define MUXLAB_TASK_T_H

#include <stdint.h>

#include "flags-t.h"

/* state flags */
#define TASK_SLEEPING		0x00000000 /* nothing set */
#define TASK_RUNNING		0x00000001 /* a task (not a tasklet) is running */
#define TASK_QUEUED		0x00000004 /* a task is queued to run */
#define TASK_SELF_WAKING	0x00000010 /* tasklet woke itself while running */
#define TASK_KILLED		0x00000020 /* free it instead of running it */
#define TASK_IN_LIST		0x00000040 /* tasklet/task is in a run list */
#define TASK_WOKEN_INIT		0x00000100 /* woken up for the first time */
#define TASK_WOKEN_TIMER	0x00000200 /* its timer expired */
#define TASK_WOKEN_IO		0x00000400 /* woken by I/O */
#define TASK_WOKEN_MSG		0x00001000 /* woken by another task */
#define TASK_WOKEN_OTHER	0x00004000 /* any other reason */
#define TASK_WOKEN_ANY		0x00005700
#define TASK_F_TASKLET		0x00008000 /* the object is a tasklet */
#define TASK_F_USR1		0x00010000 /* application flag: idle conn tasklet */

/* Bits that survive a run: the dequeue keeps only these (one atomic
 * fetch-and) and hands the previous word to the callback. HAProxy names
 * this set TASK_PERSISTENT since 3193eb990; at e388f2fbc the same mask was
 * written inline in run_tasks_from_lists(). */
#define TASK_PERSISTENT		(TASK_SELF_WAKING | TASK_KILLED | \
				 TASK_F_TASKLET | TASK_F_USR1)

/* Decode <state> into <buf> as "USR1|TASKLET|IN_LIST": names highest bit
 * first, unknown bits as one trailing hex number, "0" for 0 (see
 * flags_show()). Returns <buf>. Pure function, any thread; the one decoder
 * of task states, the viewer's included. Keep the table in the order of
 * the flags above, highest first, and update it with them. */
static inline const char *task_show_flags(char *buf, unsigned long len,
					  unsigned int state)
{
	static const struct flag_name names[] = {
		{ TASK_F_USR1,		"USR1" },
		{ TASK_F_TASKLET,	"TASKLET" },
		{ TASK_WOKEN_OTHER,	"WOKEN_OTHER" },
		{ TASK_WOKEN_MSG,	"WOKEN_MSG" },
		{ TASK_WOKEN_IO,	"WOKEN_IO" },
		{ TASK_WOKEN_TIMER,	"WOKEN_TIMER" },
		{ TASK_WOKEN_INIT,	"WOKEN_INIT" },
		{ TASK_IN_LIST,		"IN_LIST" },
		{ TASK_KILLED,		"KILLED" },
		{ TASK_SELF_WAKING,	"SELF_WAKING" },
		{ TASK_QUEUED,		"QUEUED" },
		{ TASK_RUNNING,		"RUNNING" },
	};

	return flags_show(buf, len, state, names, FLAG_NAMES_NB(names));
}

struct task;

/* A callback gets the object, the context that was read at dequeue time and
 * the state word as it was before the dequeue cleared the transient bits.
 * It returns the object, or NULL if it freed it. */
typedef struct task *(*task_cb)(struct task *t, void *ctx, unsigned int state);

/* Head shared by tasks and tasklets; it must come first in both. */
#define TASK_COMMON							\
	unsigned int _Atomic state;	/* TASK_* flags above */	\
	int tid;		/* owner thread, -1 = the waker's */	\
	task_cb process;	/* callback */				\
	void *_Atomic context;	/* its argument; NULL = stolen */	\
	struct task *next;	/* run-list link (owner or MPSC) */	\
	uint64_t id;		/* never reused: trace id */		\
	unsigned int calls	/* how many times it ran */

struct tasklet {
	TASK_COMMON;
	uint64_t conn_id;	/* trace only: id of the connection it serves,
				 * written by the owner at creation, readable
				 * even after a steal NULLed the context */
	int conn_side;		/* trace only: enum side of that connection,
				 * same rules as conn_id (an io_cb must name
				 * its side before it may trust its context) */
};

struct task {
	TASK_COMMON;
	uint64_t expire;	/* absolute ns (monotonic), 0 = never */
	int heap_idx;		/* index in its owner's timer heap, -1 if not */
};

#endif /* MUXLAB_TASK_T_H */
