/*
 * mux_fcgi.h - the FastCGI multiplexer (back side only), exported parts.
 *
 * The mux is reached through mux_fcgi_ops (declared in mux.h). Its two
 * scheduler callbacks are exported as well, as in HAProxy, so that tests,
 * debuggers and the trace checker can name them: a tasklet whose <process>
 * is fcgi_io_cb is a FastCGI connection's I/O tasklet, a task whose
 * <process> is fcgi_timeout_task is its timeout task.
 */
#ifndef MUXLAB_MUX_FCGI_H
#define MUXLAB_MUX_FCGI_H

#include "task-t.h"

/* I/O tasklet of every FastCGI connection (HAProxy fcgi_io_cb()). */
struct task *fcgi_io_cb(struct task *t, void *ctx, unsigned int state);

/* Timeout task of every FastCGI connection (HAProxy fcgi_timeout_task()). */
struct task *fcgi_timeout_task(struct task *t, void *ctx, unsigned int state);

/* Decode FastCGI connection flags into <buf> ("MPXS|VALUES", or "0").
 * Returns <buf>. Pure function. */
const char *fconn_show_flags(char *buf, unsigned long len, unsigned int flags);

#endif /* MUXLAB_MUX_FCGI_H */
