/*
 * maxconn.h - connection slots: the global and the frontend maxconn.
 *
 * Every accepted connection holds one slot of the process (HAProxy's
 * actconn against global.maxconn) and one of its frontend (feconn against
 * the frontend's maxconn) from accept to conn_free(). A listener that finds
 * no slot stops accepting (HAProxy LI_FULL) and waits here: the next
 * release wakes the task it gave. Slots are taken with a CAS on each
 * counter, never under a lock.
 */
#ifndef MUXLAB_MAXCONN_H
#define MUXLAB_MAXCONN_H

#include "proxy-t.h"
#include "task-t.h"

/* The process limit, 0 = none (set once by the main thread before the
 * engine threads start). */
extern int global_maxconn;

/* The limit muxlab takes when global maxconn is not set (HAProxy computes
 * one from ulimit -n): (@nofile - @reserved) / 2, a front and a back fd
 * per connection; at least 1. */
int maxconn_auto(long nofile, long reserved);

/* Take a slot of the process and of frontend @fe: 1, or 0 if either is
 * full (nothing taken). Any thread. */
int maxconn_take(struct proxy *fe);

/* Give back what maxconn_take() took, and wake the listeners waiting for
 * a slot. Any thread. */
void maxconn_release(struct proxy *fe);

/* The calling thread has a listener waiting for a slot: wake @t at the
 * next release (or now, if a slot freed meanwhile for @fe). Owner thread
 * of @t. */
void maxconn_wait(struct task *t, struct proxy *fe);

/* Connections holding a slot now (show info's CurrConns). */
int maxconn_current(void);

#endif /* MUXLAB_MAXCONN_H */
