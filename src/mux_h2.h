/*
 * mux_h2.h - the HTTP/2 multiplexer (front and back), exported parts.
 *
 * The mux is reached through mux_h2_ops (declared in mux.h). Its two
 * scheduler callbacks are exported as well, as in HAProxy, so that tests,
 * debuggers and the trace checker can name them: a tasklet whose <process>
 * is h2_io_cb is an H2 connection's I/O tasklet, a task whose <process> is
 * h2_timeout_task is its timeout task.
 */
#ifndef MUXLAB_MUX_H2_H
#define MUXLAB_MUX_H2_H

#include "task-t.h"

/* I/O tasklet of every H2 connection (HAProxy h2_io_cb()). */
struct task *h2_io_cb(struct task *t, void *ctx, unsigned int state);

/* Timeout task of every H2 connection (HAProxy h2_timeout_task()). */
struct task *h2_timeout_task(struct task *t, void *ctx, unsigned int state);

/* Decode H2 connection flags into <buf> ("IS_BACK|GOAWAY_RCVD", or "0").
 * Returns <buf>. Pure function. */
const char *h2c_show_flags(char *buf, unsigned long len, unsigned int flags);

#endif /* MUXLAB_MUX_H2_H */
