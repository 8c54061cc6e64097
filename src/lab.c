/*
 * lab.c - the run's mode and the one table of bug modes.
 *
 * A bug mode re-introduces one mistake, tested in the code with
 * bug_on_mode(BUG_X) right next to the correct line. This table is the
 * only list of them: `muxlab --list-bugs` prints it, `--bug NAME` looks a
 * name up here. <origin> is the HAProxy commit that fixed the mistake, or
 * that introduced the rule the bug breaks; "" for none.
 */
#include <string.h>

#include "lab.h"

enum lab_mode lab_mode = MODE_USR1;
enum bug_id lab_bug = BUG_NONE;

const struct bug_desc bug_table[BUG_COUNT] = {
	[BUG_NONE] = {
		.name	= "none",
		.origin	= "",
		.what	= "no bug: the code as HAProxy has it after e388f2fbc",
	},
	[BUG_NO_USR1_SET] = {
		.name	= "no-usr1-set",
		.origin	= "e388f2fbc",
		.what	= "detach publishes an idle conn without setting "
			  "TASK_F_USR1: its io_cb runs unlocked on a "
			  "stealable conn",
	},
	[BUG_USR1_AFTER_INSERT] = {
		.name	= "usr1-after-insert",
		.origin	= "e388f2fbc",
		.what	= "detach sets TASK_F_USR1 after the conn is in the "
			  "idle list: a wakeup sampled in between runs "
			  "unlocked",
	},
	[BUG_TRUST_CTX] = {
		.name	= "trust-ctx",
		.origin	= "",
		.what	= "io_cb trusts the ctx copied at dequeue and does "
			  "not re-read tl->context under the lock",
	},
	[BUG_USR1_ATTACH_OR] = {
		.name	= "usr1-attach-or",
		.origin	= "edb99e296",
		.what	= "attach ORs TASK_F_USR1 instead of clearing it: "
			  "busy conns keep taking the lock",
	},
	[BUG_WAKE_OLD_LOCAL] = {
		.name	= "wake-old-local",
		.origin	= "1662cdb0c",
		.what	= "takeover wakes the old tasklet on the stealing "
			  "thread instead of its own (orig_tid)",
	},
	[BUG_IDLE_THR_COUNTER] = {
		.name	= "idle-thr-counter",
		.origin	= "9c13b62b4",
		.what	= "a steal decrements curr_idle_thr[] of the "
			  "stealing thread instead of the victim's",
	},
};

/*
 * bug_lookup - find a bug mode by name
 *
 * @name: as on the command line or in "#@lab bug NAME"; NULL or "" mean
 *        "none"
 *
 * Returns its id, BUG_NONE for "none", BUG_COUNT if unknown.
 * Context: any thread (the table is constant).
 */
enum bug_id bug_lookup(const char *name)
{
	int i;

	if (!name || !*name)
		return BUG_NONE;
	for (i = 0; i < BUG_COUNT; i++)
		if (bug_table[i].name && strcmp(bug_table[i].name, name) == 0)
			return (enum bug_id)i;
	return BUG_COUNT;
}
