/*
 * lab.c - the run's mode, the one table of bug modes, the delay points,
 * and how a thread switches mode while the lab runs.
 *
 * A bug mode re-introduces one mistake, tested in the code with
 * bug_on_mode(BUG_X) right next to the correct line. This table is the
 * only list of them: `muxlab --list-bugs` prints it, `--bug NAME` looks a
 * name up here. <origin> is the HAProxy commit that fixed the mistake, or
 * that introduced the rule the bug breaks; "" for none.
 *
 * It also holds the delay points (lab-t.h): the knobs that widen a race
 * window, set from "#@lab delay" or --delay before the threads start, or
 * by the control socket ("set delay") at any time.
 *
 * Changing the mode at run time (control socket "set mode", cli.c) has no
 * HAProxy counterpart: HAProxy is either before e388f2fbc or after it. The
 * lab lets a lecturer flip it while traffic flows, which must never let a
 * thread run an io_cb on the fast path for a connection another thread
 * may steal. So the threads switch one by one, each at a quiescent point
 * of its own loop (lab_thread_sync(), between two loop turns: none of its
 * callbacks runs, and it holds no lock):
 *
 *   - to legacy: nothing to prepare, every io_cb takes the lock from now
 *     on; the flags set meanwhile stay (legacy ignores them);
 *   - to usr1: under its own idle_conns_lock, which every stealer of its
 *     connections takes, the thread first sets TASK_F_USR1 on the tasklet
 *     of every connection it has in an idle, safe or to-remove list (with
 *     a flag_set each: what its detach would have done in usr1 mode), and
 *     on every stolen tasklet still queued on it (a steal it suffered in
 *     legacy mode left that tasklet without the flag, and it must free
 *     itself on the locked path). Only then does it run in usr1 mode; its
 *     own detaches set the flag from now on.
 *
 * Each switch emits mode_change (tid, old and new mode), so that the
 * checker knows which rules apply to which events of each thread. A bug
 * mode change goes the same way (a thread leaving a bug mode that skipped
 * the flag repairs the same way), and "set bug none" keeps <lab_bug> at
 * the old bug until every thread has switched: BUG_ON()s that say "only a
 * bug mode gets here" may still meet what the old bug left until then.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab.h"
#include "server.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

_Atomic enum lab_mode lab_mode = MODE_USR1;
_Atomic enum bug_id lab_bug = BUG_NONE;
_Atomic enum bug_id lab_bug_next = BUG_COUNT;
struct lab_thread lab_thr[MAX_THREADS];
unsigned char _Atomic bug_asked[BUG_COUNT];
unsigned char _Atomic bug_reached[BUG_COUNT];

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
	[BUG_PURGE_CLEAR_BITS] = {
		.name	= "purge-clear-bits",
		.origin	= "5e1b0e7bf",
		.what	= "the purge clears the LIST bits of the conns it "
			  "moves to the to-remove list: the servers' idle "
			  "counters never come down (reverted by 3a7b539b1)",
	},
};

/* Microseconds to wait at each delay point; 0 = off. */
unsigned int _Atomic lab_delay_us[DELAY_COUNT];
unsigned int lab_wake_idle_ms;

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
	unsigned int us = atomic_load_explicit(&lab_delay_us[site],
					       memory_order_relaxed);
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

/* ---- run-time changes (control socket) ---------------------------------- */

/*
 * lab_thread_start - an engine thread takes the mode and bug asked for
 *
 * No mode_change: the run starts in that mode (run_start says which).
 * Context: engine thread, before its loop (thread.c).
 */
void lab_thread_start(void)
{
	struct lab_thread *lt = &lab_thr[tid];

	atomic_store_explicit(&lt->mode, (int)atomic_load(&lab_mode),
			      memory_order_relaxed);
	atomic_store_explicit(&lt->bug, (int)lab_bug_target(),
			      memory_order_relaxed);
	atomic_store_explicit(&lt->switches, 0, memory_order_relaxed);
	atomic_store_explicit(&lt->marked, 0, memory_order_relaxed);
}

/*
 * lab_thread_switch - switch the calling thread to the mode and bug asked
 * for (the top of this file says why and how)
 *
 * Emits mode_change if the mode changed, after the flag_set events of
 * what it flagged.
 * Context: engine thread, from lab_thread_sync() at a quiescent point of
 * its loop, holding no lock; takes its own idle_conns_lock (SITE_OTHER)
 * when it must flag.
 */
void lab_thread_switch(void)
{
	struct lab_thread *lt = &lab_thr[tid];
	int old_mode = atomic_load_explicit(&lt->mode, memory_order_relaxed);
	int old_bug = atomic_load_explicit(&lt->bug, memory_order_relaxed);
	int new_mode = (int)atomic_load(&lab_mode);
	int new_bug = (int)lab_bug_target();
	unsigned int marked = 0, orphans = 0;
	int flag = new_mode == MODE_USR1 &&
		   (old_mode != MODE_USR1 || old_bug != BUG_NONE);

	if (flag) {
		idle_lock(tid, SITE_OTHER);
		marked = _srv_mark_idle_usr1();
		orphans = (unsigned int)sched_flag_orphans(TASK_F_USR1);
	}
	atomic_store_explicit(&lt->bug, new_bug, memory_order_relaxed);
	atomic_store_explicit(&lt->mode, new_mode, memory_order_relaxed);
	if (old_mode != new_mode) {
		TRACE(mode_change, tid, old_mode, new_mode, marked, orphans);
		atomic_fetch_add_explicit(&lt->switches, 1,
					  memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&lt->marked, marked + orphans,
				  memory_order_relaxed);
	if (flag)
		idle_unlock(tid, SITE_OTHER);
}

/*
 * lab_wait_threads - wait until every engine thread runs with the mode and
 * bug asked for
 *
 * @timeout_ms: how long at most
 *
 * Kicks the threads that sleep in their poller so that they reach their
 * quiescent point at once.
 * Return: 0 when all have switched, -1 after <timeout_ms> or when the run
 * is stopping.
 * Context: any thread but an engine thread (the control socket's); no
 * lock.
 */
int lab_wait_threads(unsigned int timeout_ms)
{
	uint64_t end = delay_clock_us() + (uint64_t)timeout_ms * 1000u;
	struct timespec ts = { 0, 1000000 };
	int thr, done;

	for (;;) {
		int mode = (int)atomic_load(&lab_mode);
		int bug = (int)lab_bug_target();

		done = 1;
		for (thr = 0; thr < nbthread && thr < MAX_THREADS; thr++) {
			if (atomic_load_explicit(&lab_thr[thr].mode,
						 memory_order_relaxed) == mode &&
			    atomic_load_explicit(&lab_thr[thr].bug,
						 memory_order_relaxed) == bug)
				continue;
			done = 0;
			thread_wake(thr);
		}
		if (done)
			return 0;
		if (atomic_load(&stopping) || delay_clock_us() >= end)
			return -1;
		nanosleep(&ts, NULL);
	}
}

/*
 * lab_set_mode - ask every engine thread to run in <mode>
 *
 * Return: 0 once all have switched, -1 if one did not within <timeout_ms>
 * (it switches later) or the run is stopping.
 * Context: the control socket's thread.
 */
int lab_set_mode(enum lab_mode mode, unsigned int timeout_ms)
{
	atomic_store(&lab_mode, mode);
	return lab_wait_threads(timeout_ms);
}

/*
 * lab_set_bug - ask every engine thread to run with bug mode <bug>
 *
 * A bug goes into <lab_bug> at once (the BUG_ON()s that tolerate a bug
 * must tolerate it from the first thread that runs with it); "none" only
 * once every thread has left the old bug and repaired what it left.
 * Return: 0 once all have switched, -1 if one did not within <timeout_ms>
 * (then "none" stays pending: a later call finishes it).
 * Context: the control socket's thread.
 */
int lab_set_bug(enum bug_id bug, unsigned int timeout_ms)
{
	if (bug == BUG_NONE && atomic_load(&lab_bug) != BUG_NONE) {
		atomic_store(&lab_bug_next, BUG_NONE);
		if (lab_wait_threads(timeout_ms) < 0)
			return -1;
		atomic_store(&lab_bug, BUG_NONE);
		atomic_store(&lab_bug_next, BUG_COUNT);
		return 0;
	}
	atomic_store(&bug_asked[bug], 1);
	atomic_store(&lab_bug, bug);
	atomic_store(&lab_bug_next, BUG_COUNT);
	return lab_wait_threads(timeout_ms);
}

/*
 * lab_report_unreached - name the bug modes that did nothing
 *
 * A bug mode acts only where the code tests it (bug_on_mode()). If the
 * scenario never takes that path (a steal-only bug in a run without
 * steals), or this copy of the code lost the test (an exercise handout
 * cuts the code around some of them), asking for it changed nothing, and
 * a trace that passes the checker proves nothing about it: say so.
 * Return: the number of such bug modes.
 * Context: main, after the threads are joined.
 */
int lab_report_unreached(FILE *out)
{
	char id[64];
	int b, i, n = 0;

	for (b = BUG_NONE + 1; b < BUG_COUNT; b++) {
		const char *name = bug_table[b].name;

		if (!atomic_load(&bug_asked[b]) || atomic_load(&bug_reached[b]))
			continue;
		/* "no-usr1-set" is tested as bug_on_mode(BUG_NO_USR1_SET) */
		for (i = 0; name[i] && i < (int)sizeof(id) - 1; i++)
			id[i] = name[i] == '-' ? '_' :
				(name[i] >= 'a' && name[i] <= 'z') ?
				(char)(name[i] - 'a' + 'A') : name[i];
		id[i] = 0;
		fprintf(out, "muxlab: warning: bug mode '%s' never reached its "
			"code: this run never took the path it breaks, or this "
			"copy of the code has no bug_on_mode(BUG_%s) test (an "
			"exercise handout may have cut it)\n", name, id);
		n++;
	}
	return n;
}
