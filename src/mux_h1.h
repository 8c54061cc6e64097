/*
 * mux_h1.h - the HTTP/1.1 multiplexer (front and back), exported parts.
 *
 * The mux is reached through mux_h1_ops (declared in mux.h). Its two
 * scheduler callbacks are exported as well, as in HAProxy, so that tests,
 * debuggers and the trace checker can name them: a tasklet whose <process>
 * is h1_io_cb is an H1 connection's I/O tasklet, a task whose <process> is
 * h1_timeout_task is its timeout task.
 */
#ifndef MUXLAB_MUX_H1_H
#define MUXLAB_MUX_H1_H

#include "task-t.h"

/* I/O tasklet of every H1 connection (HAProxy h1_io_cb()). */
struct task *h1_io_cb(struct task *t, void *ctx, unsigned int state);

/* Timeout task of every H1 connection (HAProxy h1_timeout_task()). */
struct task *h1_timeout_task(struct task *t, void *ctx, unsigned int state);

/* Decode H1 connection flags into <buf> ("IS_BACK|ST_IDLE", or "0").
 * Returns <buf>. Pure function. */
const char *h1c_show_flags(char *buf, unsigned long len, unsigned int flags);

#endif /* MUXLAB_MUX_H1_H */
