/*
 * lab.h - the run's mode (legacy / usr1) and bug mode.
 *
 * Set once by main() before any thread starts, read-only afterwards, so
 * reading them needs no synchronisation.
 */
#ifndef MUXLAB_LAB_H
#define MUXLAB_LAB_H

#include "lab-t.h"
#include "task-t.h"
#include "trace-t.h"
#include "compiler.h"

extern enum lab_mode lab_mode;
extern enum bug_id lab_bug;
extern const struct bug_desc bug_table[BUG_COUNT];
extern unsigned int lab_delay_us[DELAY_COUNT];
extern const struct delay_desc delay_table[DELAY_COUNT];

/* is bug mode <b> active? */
static inline int bug_on_mode(enum bug_id b)
{
	return unlikely(lab_bug == b);
}

/* The decision at the top of every mux io_cb: must this run take the
 * thread's idle_conns_lock? Before e388f2fbc (legacy): always. After it:
 * only when the state snapshot handed to the callback carries TASK_F_USR1,
 * i.e. when the connection may be in an idle list and may have been
 * stolen. */
static inline int io_cb_must_lock(unsigned int state)
{
	return lab_mode == MODE_LEGACY || (state & TASK_F_USR1);
}

/* Find a bug by name; BUG_COUNT if unknown. */
enum bug_id bug_lookup(const char *name);

/* Find a delay point by name; DELAY_COUNT if unknown. The valid names,
 * "a, b", for an error message. */
enum lab_delay_site delay_lookup(const char *name);
const char *delay_names(void);

void __lab_delay_wait(enum lab_delay_site site);

/* Delay point <site>: wait there if a lab knob asked for it (docs/
 * scenarios.md, "#@lab delay"). Off, it costs one load and a branch that
 * is never taken. */
static inline void lab_delay(enum lab_delay_site site)
{
	if (unlikely(lab_delay_us[site]))
		__lab_delay_wait(site);
}

#endif /* MUXLAB_LAB_H */
