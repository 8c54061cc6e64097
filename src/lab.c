/*
 * lab.c - the run's mode and the one table of bug modes.
 *
 * A bug mode re-introduces one mistake, tested in the code with
 * bug_on_mode(BUG_X) right next to the correct line. This table is the
 * only list of them: `muxlab --list-bugs` prints it, `--bug NAME` looks a
 * name up here. <origin> is the HAProxy commit that fixed the mistake, or
 * that introduced the rule the bug breaks; "" for none.
 *
 * It also holds the delay points (lab-t.h): the knobs that widen a race
 * window, set from "#@lab delay" or --delay before the threads start.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	[BUG_PURGE_REINSERT] = {
		.name	= "purge-reinsert",
		.origin	= "9481cef94",
		.what	= "io_cb reads the LIST bits as \"in a list\": a conn "
			  "the purge moved to the to-remove list goes back "
			  "into an idle list",
	},
};

/* Microseconds to wait at each delay point; 0 = off. */
unsigned int lab_delay_us[DELAY_COUNT];

const struct delay_desc delay_table[DELAY_COUNT] = {
	[DELAY_PURGE_WINDOW] = {
		.name	= "purge-window",
		.what	= "purge: after moving a thread's conns to its "
			  "to-remove list, before waking its cleanup task",
	},
	[DELAY_CTX_READ] = {
		.name	= "ctx-read",
		.what	= "scheduler: after copying a USR1 tasklet's "
			  "context, before calling its io_cb",
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

/*
 * delay_lookup - find a delay point by name
 *
 * @name: as in "#@lab delay SITE US" or "--delay SITE=US"
 *
 * Returns its site, or DELAY_COUNT if unknown.
 * Context: any thread (the table is constant).
 */
enum lab_delay_site delay_lookup(const char *name)
{
	int i;

	for (i = 0; i < DELAY_COUNT; i++)
		if (strcmp(delay_table[i].name, name) == 0)
			return (enum lab_delay_site)i;
	return DELAY_COUNT;
}

/*
 * delay_names - the valid SITE names, for an error message
 *
 * Returns "a, b" in a static buffer.
 * Context: main thread (not reentrant).
 */
const char *delay_names(void)
{
	static char buf[128];
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < DELAY_COUNT && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					i ? ", " : "", delay_table[i].name);
	return buf;
}

static uint64_t delay_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * __lab_delay_wait - wait at delay point <site> for its configured time
 *
 * Short delays spin on the clock: a sleep would take at least the
 * scheduler's wake-up latency, tens of microseconds, which is longer
 * than the windows ctx-read is about. From 200 us on, nanosleep: the
 * precision no longer matters and the CPU is left to the other threads
 * (the lab often runs two engine threads and the peers on two cores).
 * The thread holds no lock here (every delay point is outside them).
 *
 * Context: any engine thread; only through lab_delay().
 */
void __lab_delay_wait(enum lab_delay_site site)
{
	unsigned int us = lab_delay_us[site];
	struct timespec ts;
	uint64_t end;

	if (us >= 200) {
		ts.tv_sec = us / 1000000u;
		ts.tv_nsec = (long)(us % 1000000u) * 1000;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return;
	}
	end = delay_clock_us() + us;
	while (delay_clock_us() < end)
		;
}
