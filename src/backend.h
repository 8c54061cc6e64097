/*
 * backend.h - server selection and connection reuse (backend.c).
 */
#ifndef MUXLAB_BACKEND_H
#define MUXLAB_BACKEND_H

#include <stdint.h>

struct stream;
struct server;
struct connection;

/* Pick a server for <s> (round robin in its backend). */
struct server *backend_select(struct stream *s);

/* Find or make a back connection to s->srv for <s> and attach the stream
 * to it (mux->attach(), which clears TASK_F_USR1). Reuse order follows
 * http-reuse: the calling thread's available list, then idle/safe lists
 * through conn_backend_get(), then a new connection. 0, or -1 with
 * s->err_status set (503 no server / connect failure). Calling thread
 * only; takes idle_conns locks through conn_backend_get(). */
int connect_server(struct stream *s);

/* Look for an idle connection to <srv> with <hash>: the calling thread's
 * lists under its own lock first (blocking), then the other threads' lists
 * with a trylock from srv->next_takeover, calling mux->takeover() while
 * holding the victim's lock. Returns the conn, out of any idle/safe list
 * (in this thread's available list if the mux has more than one free
 * stream slot), LIST bits cleared, counters fixed against the thread it
 * came from; or NULL.
 *
 * Trace: this function emits idle_remove (reason reuse or steal) and the
 * lock events; the `takeover` event itself is emitted by the mux's
 * takeover(), once per attempt, ok=1 or ok=0, through
 * conn_trace_takeover() (connection.h), because only the mux knows the old
 * and new tasklet ids. Counters: ACT.takeover_ok / ACT.takeover_fail are
 * counted here. */
struct connection *conn_backend_get(struct stream *s, struct server *srv,
				    int is_safe, uint64_t hash);

#endif /* MUXLAB_BACKEND_H */
