/*
 * stream.h - the transaction logic between the front and back muxes.
 *
 * Flow: the front mux creates a stream (stream_new()), parses the request
 * headers into s->req and calls stream_notify(); process_stream() then
 * picks a server and connects (connect_server(): reuse, steal or new), the
 * back mux sends the request, parses the response headers into s->rsp and
 * calls stream_notify(); process_stream() hands the response to the front
 * mux, and detaches the back side (the conn may become idle) once the
 * response body is all in s->rsp.body. Bodies flow through the two
 * messages' bounded FIFOs meanwhile (http_msg-t.h): each mux wakes the
 * other side with stream_wake_front()/stream_wake_back() when it added
 * bytes or made room. Everything runs on the front connection's thread.
 */
#ifndef MUXLAB_STREAM_H
#define MUXLAB_STREAM_H

#include "stream-t.h"

struct connection;

/* Create a stream for front connection <fconn> (front mux ctx <fctx>).
 * NULL on allocation failure (the front mux answers 500 and closes). */
struct stream *stream_new(struct connection *fconn, void *fctx);

/* Something happened on one side (request ready, response ready, error):
 * wake the stream's task. Owner thread. */
void stream_notify(struct stream *s);

/* The server side of <s> made progress (response bytes arrived): timeout
 * server starts again. Owner thread. */
void stream_srv_activity(struct stream *s);

/* Body bytes moved (data added to the message the other side sends, or
 * room made in the one it fills): wake the front / back mux of <s>, if
 * attached. Owner thread. */
void stream_wake_front(struct stream *s);
void stream_wake_back(struct stream *s);

/* The back mux completed s->rsp (BODY_DONE set): detach it, and end the
 * response on the front side. Owner thread. */
void stream_rsp_done(struct stream *s);

/* Back side error: record <status> (502, 503, 504) and notify. */
void stream_srv_error(struct stream *s, int status);

/* The front mux is done with <s> (response sent, or client gone): free it,
 * detaching the back side if still attached. Owner thread. */
void stream_free(struct stream *s);

/* Free this thread's pool of unused streams (thread deinit, after the run
 * queue was drained). */
void stream_deinit_thread(void);

/* request accounting, summed over threads for run_end */
void stream_counts(uint64_t *ok, uint64_t *err);
long stream_live_count(void);

#endif /* MUXLAB_STREAM_H */
