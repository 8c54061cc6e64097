/*
 * stream.c - one HTTP transaction between a front and a back mux.
 *
 * Background (HAProxy src/stream.c process_stream(), src/backend.c
 * assign_server() + connect_server(), much reduced): a front mux delivers
 * the request headers in s->req and calls stream_notify(); the stream's
 * task then runs process_stream(), which picks a server and gets a back
 * connection (reused, stolen from another thread or new: connect_server()),
 * whose mux sends the request and parses the response into s->rsp. On the
 * response headers the stream hands the response to the front mux; once
 * the back mux has received the whole response body it detaches the back
 * side (that is where an H1 back connection becomes idle and gets
 * TASK_F_USR1). Bodies flow meanwhile through the bounded FIFOs of s->req
 * and s->rsp (http_msg-t.h), each mux waking the other with
 * stream_wake_front()/stream_wake_back(): the stream's task is not
 * involved, as HAProxy's muxes exchange data through the stream
 * connectors' buffers and wake each other. On a server error or timeout
 * before the response headers it answers 502, 503 or 504 itself; after
 * them the response is cut (the client sees an aborted transfer, as with
 * HAProxy). The front mux frees the stream once the response has left
 * (stream_free()).
 *
 * Everything about a stream runs on its front connection's thread: the
 * stream's task is bound to that thread, and a reused back connection is
 * brought to it (own idle list, or takeover from another thread).
 *
 * Streams are recycled through a per-thread free list with their task and
 * their two messages' storage, so a steady request flow allocates nothing
 * (HAProxy: pool_head_stream, a per-thread cache in front of malloc).
 *
 * State machine of process_stream(), one step per condition, re-evaluated
 * after each step (a step may complete the next one synchronously):
 *
 *	RESP_SENT, error/timeout -> cut the response: free the stream
 *	RESP_SENT, rsp complete  -> detach back
 *	SRV_ERR or timeout       -> abort back, retry or send 502/503/504
 *	RSP_READY                -> (rsp complete: detach back), send the
 *	                            response                    (RESP_SENT)
 *	REQ_READY, no server     -> pick one, connect_server(), arm timeout
 *	                            server
 */
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "backend.h"
#include "connection.h"
#include "h1.h"
#include "http_msg.h"
#include "proxy-t.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

/* Most free streams a thread keeps for reuse; more are really freed. */
#define STREAM_POOL_MAX		1024

/* A stream and its free-list link, private to this file: the stream
 * itself stays a plain struct for the muxes. */
struct stream_slot {
	struct stream s;
	struct stream_slot *next_free;
};

/* Per-thread stream pool and counters; each thread writes its own. */
struct stream_per_thr {
	struct stream_slot *free;	/* recycled streams */
	unsigned int nb_free;
	long live;			/* in use (stream_new - stream_free) */
} THREAD_ALIGNED;

static struct stream_per_thr stream_thr[MAX_THREADS];

static struct task *process_stream(struct task *t, void *ctx,
				   unsigned int state);

static inline struct stream_slot *stream_slot(struct stream *s)
{
	return container_of(s, struct stream_slot, s);
}

/* Release a slot for good: its task, its messages' storage, itself.
 * While the thread runs, the task may be queued or even running (a stream
 * freeing itself from process_stream()): task_kill() has the run loop free
 * it later, without calling it again. At deinit the run queue is drained
 * and nothing would dequeue it: task_destroy() frees it now. Owner
 * thread. */
static void stream_slot_release(struct stream_slot *slot, int at_deinit)
{
	if (at_deinit)
		task_destroy(slot->s.task);
	else
		task_kill(slot->s.task);
	http_msg_free(&slot->s.req);
	http_msg_free(&slot->s.rsp);
	free(slot);
}

/*
 * stream_new - start a transaction on a front connection
 * @fconn: the front connection (its thread is the calling thread)
 * @fctx:  the front mux's stream context (h1s, h2s)
 *
 * Takes a stream from this thread's pool (or allocates one with its task),
 * resets it and its messages (their storage is kept) and gives it a fresh
 * id (no event: the front side's attach is not traced).
 *
 * Return: the stream, or NULL if out of memory.
 * Context: the front connection's thread, no lock.
 */
struct stream *stream_new(struct connection *fconn, void *fctx)
{
	struct stream_per_thr *st = &stream_thr[tid];
	struct stream_slot *slot = st->free;
	struct stream *s;

	if (slot) {
		st->free = slot->next_free;
		st->nb_free--;
	} else {
		slot = calloc(1, sizeof(*slot));
		if (!slot)
			return NULL;
		slot->s.task = task_new_on(tid);
		if (!slot->s.task) {
			free(slot);
			return NULL;
		}
		slot->s.task->process = process_stream;
		slot->s.task->context = &slot->s;
	}
	slot->next_free = NULL;
	s = &slot->s;

	s->id = new_obj_id();
	s->flags = 0;
	s->fe = fconn->px;
	s->be = NULL;
	s->srv = NULL;
	s->err_status = 0;
	s->fconn = fconn;
	s->fctx = fctx;
	s->bconn = NULL;
	s->bctx = NULL;
	http_msg_reset(&s->req, 0);
	http_msg_reset(&s->rsp, 1);
	st->live++;
	/* no stream_attach for the front side (trace format 2): a stream's
	 * life on its front connection is not the lesson, and two events
	 * per request were a tenth of the tracing cost; the back side's
	 * attach and detach (where USR1 is cleared and set) are traced */
	return s;
}

/*
 * stream_notify - something happened for <s>: run process_stream()
 *
 * Context: the stream's thread (also from inside process_stream() itself,
 * e.g. a back mux reporting an error from attach(): the task is queued
 * again and process_stream() re-checks its state anyway).
 */
void stream_notify(struct stream *s)
{
	task_wakeup(s->task, TASK_WOKEN_MSG);
}

/*
 * stream_srv_activity - the server side of <s> made progress
 *
 * timeout server is an inactivity timeout, as in HAProxy (the response
 * channel's read timeout is refreshed by every read): a server that keeps
 * sending, however slowly, is never cut, one that goes silent for that
 * long is (504). Called by the back muxes when response bytes for the
 * stream arrive.
 * Context: the stream's thread.
 */
void stream_srv_activity(struct stream *s)
{
	if (s && s->be && s->be->timeout_server &&
	    !(s->flags & SF_SRV_ERR) &&
	    !(s->rsp.flags & HTTP_MSGF_BODY_DONE))
		task_schedule(s->task, now_mono_ns() +
			      (uint64_t)s->be->timeout_server * 1000000ULL);
}

/*
 * stream_wake_front / stream_wake_back - body bytes moved for <s>
 *
 * The back mux added response bytes (or ended the response, or took
 * request bytes out of a full s->req.body): the front mux has something
 * to send or room to fill; and the other way round. Each mux's wake()
 * queues its tasklet; nothing happens for a side that is not attached.
 * Context: the stream's thread.
 */
void stream_wake_front(struct stream *s)
{
	if (s->fctx && s->fconn)
		s->fconn->mux->wake(s, SIDE_FRONT);
}

void stream_wake_back(struct stream *s)
{
	if (s->bctx && s->bconn)
		s->bconn->mux->wake(s, SIDE_BACK);
}

/*
 * stream_rsp_done - the back mux has put the last response byte in
 * s->rsp.body (HTTP_MSGF_BODY_DONE is set)
 *
 * The stream detaches the back side; if the front mux already has the
 * response it is woken to end it; if the headers had not been handed over
 * yet (the whole response came at once), they are now.
 * Context: the stream's thread.
 */
void stream_rsp_done(struct stream *s)
{
	s->flags |= SF_RSP_READY;
	stream_notify(s);
	if (s->flags & SF_RESP_SENT)
		stream_wake_front(s);
}

/*
 * stream_srv_error - the back side of <s> failed
 * @s:      the stream
 * @status: what to answer the client: 502 (bad or missing response), 503
 *          (no connection), 504 (server timeout), 500 (internal)
 *
 * Only the first error counts, and none once the response is complete.
 * Context: the stream's thread, no lock.
 */
void stream_srv_error(struct stream *s, int status)
{
	if (!(s->flags & SF_SRV_ERR) &&
	    !(s->rsp.flags & HTTP_MSGF_BODY_DONE)) {
		s->err_status = status;
		s->flags |= SF_SRV_ERR;
	}
	stream_notify(s);
}

/* Replace s->rsp with a short error response of our own (HAProxy's
 * http_error_message() with its built-in error files). Error path only:
 * the little formatting it does is not on the request fast path. */
static void stream_set_error_rsp(struct stream *s, int status)
{
	struct http_msg *rsp = &s->rsp;
	const char *reason = h1_reason(status);
	const char *why;
	char body[160];
	int n;

	switch (status) {
	case 502: why = "The server sent an invalid or incomplete response."; break;
	case 503: why = "No server could take this request."; break;
	case 504: why = "The server did not answer in time."; break;
	default:  why = "The request could not be served."; break;
	}
	n = snprintf(body, sizeof(body), "%d %s\n%s\n", status, reason, why);

	http_msg_reset(rsp, 1);
	rsp->status = status;
	rsp->flags |= HTTP_MSGF_VER_11;
	http_msg_str(rsp, reason, strlen(reason), &rsp->reason);
	http_msg_add_hdr(rsp, "content-type", 12, "text/plain", 10);
	http_msg_add_hdr(rsp, "cache-control", 13, "no-cache", 8);
	if (s->flags & SF_HEAD)
		rsp->flags |= HTTP_MSGF_NO_BODY;
	else if (n > 0)
		http_msg_add_body(rsp, body, (size_t)MIN(n, (int)sizeof(body) - 1));
	rsp->flags |= HTTP_MSGF_HDRS_DONE | HTTP_MSGF_BODY_DONE;
}

/* Hand s->rsp to the front mux: from now on the stream only waits for the
 * back side to finish the response and the front mux to free it. timeout
 * server keeps running while the back side is still receiving. */
static void stream_send_rsp(struct stream *s)
{
	s->flags |= SF_RESP_SENT;
	if (s->rsp.flags & HTTP_MSGF_BODY_DONE)
		task_schedule(s->task, 0);
	/* a failure means the front is going away: it frees us then */
	s->fconn->mux->send_resp(s);
}

/* The server closed (or reset) the connection before answering a request
 * that was not the first of its client connection: most likely it closed
 * an idle keep-alive connection at the very moment we reused it. As
 * HAProxy does (http_wait_for_response(), "abort_keep_alive"), answer
 * nothing and close the client connection: a client must be ready to
 * resend a request on a new connection when a persistent one closes
 * before the response (RFC 9112 9.3.1), and this is exactly why
 * http-reuse safe only ever reuses connections for such requests. The
 * stream is freed here, from its own task: the caller returns at once. */
static void stream_abort_keep_alive(struct stream *s)
{
	s->flags |= SF_RESP_SENT;	/* stream_free() counts the error */
	task_schedule(s->task, 0);
	stream_free(s);		/* strm_gone(): the front mux closes */
}

/* The back side is done with <s>: detach it (an H1 back conn becomes
 * idle here: TASK_F_USR1, idle list). A complete response counts as a
 * request served. */
static void stream_detach_back(struct stream *s)
{
	if (s->bconn)
		s->bconn->mux->detach(s);
	s->bconn = NULL;
	s->bctx = NULL;
}

/* Is the stream's server timeout over? */
static inline int stream_expired(const struct task *t)
{
	return t->expire && now_mono_ns() >= t->expire;
}

/*
 * process_stream - the stream's task (HAProxy process_stream())
 * @t:     the stream's task
 * @ctx:   the stream
 * @state: its state word at dequeue
 *
 * See the state machine at the top of this file. A task woken for a stream
 * that was freed meanwhile (it sits in the pool) finds no front connection
 * and does nothing.
 *
 * Return: @t (the task lives as long as the pooled stream).
 * Context: the stream's thread. Takes idle_conns locks only through
 * connect_server() (conn_backend_get()) and the back mux's detach
 * (srv_add_to_idle_list()), one at a time.
 */
static struct task *process_stream(struct task *t, void *ctx,
				   unsigned int state)
{
	struct stream *s = ctx;
	int status;

	(void)state;
	if (!s->fconn)
		return t;	/* freed: a wakeup that was already queued */

	while (1) {
		if (s->flags & SF_RESP_SENT) {
			/* the front mux sends the response; the back side
			 * may still be receiving its body */
			if (!(s->flags & (SF_SRV_ERR | SF_OWN_RSP)) &&
			    s->bconn && stream_expired(t)) {
				if (s->rsp.flags & HTTP_MSGF_WAIT_ROOM) {
					/* the client is slow, not the
					 * server: its timeout is the front
					 * mux's business */
					stream_srv_activity(s);
					break;
				}
				s->flags |= SF_SRV_ERR;	/* timeout server */
			}
			if ((s->flags & (SF_SRV_ERR | SF_OWN_RSP)) ==
			    SF_SRV_ERR) {
				/* too late for an error response: cut it
				 * (the front mux closes or resets);
				 * stream_free() counts the error */
				stream_free(s);
				return t;	/* <s> is back in the pool */
			}
			if (s->bconn &&
			    (s->rsp.flags & HTTP_MSGF_BODY_DONE)) {
				stream_detach_back(s);
				ACT.req_ok++;
				task_schedule(t, 0);
			}
			break;
		}

		if (!(s->flags & SF_SRV_ERR) && s->be && stream_expired(t)) {
			s->err_status = 504;	/* timeout server */
			s->flags |= SF_SRV_ERR;
		}

		if (s->flags & SF_SRV_ERR) {
			/* never reuse a connection that failed us: its mux
			 * sees an unfinished transaction and destroys it */
			stream_detach_back(s);
			if ((s->flags & SF_SRV_REFUSED) && s->retries > 0 &&
			    s->srv && !(s->req.flags & HTTP_MSGF_BODY_CUT)) {
				/* the server did not process it: send it
				 * again on another connection (HAProxy
				 * retries / retry-on, L7 retries: the whole
				 * request is still in s->req, its body
				 * kept since it was complete when sent) */
				s->retries--;
				ACT.retries++;
				s->flags &= ~(SF_SRV_ERR | SF_SRV_REFUSED |
					      SF_SRV_CLOSED | SF_RSP_READY);
				s->flags |= SF_RETRY_NEW;
				s->err_status = 0;
				http_msg_reset(&s->rsp, 1);
				http_body_rewind(&s->req);
				stream_srv_activity(s);	/* a new timeout server */
				if (connect_server(s) < 0) {
					s->err_status = 503;
					s->flags |= SF_SRV_ERR;
				}
				continue;
			}
			if ((s->flags & (SF_SRV_CLOSED | SF_NOT_FIRST)) ==
			    (SF_SRV_CLOSED | SF_NOT_FIRST)) {
				stream_abort_keep_alive(s);
				return t;	/* <s> is back in the pool */
			}
			status = s->err_status ? s->err_status : 502;
			stream_set_error_rsp(s, status);
			s->flags |= SF_OWN_RSP;
			ACT.req_err++;
			stream_send_rsp(s);
			break;
		}

		if (s->flags & SF_RSP_READY) {
			/* the whole response already in: detach the back
			 * side first (an H1 back conn becomes idle,
			 * TASK_F_USR1, idle list); else it streams on */
			if (s->rsp.flags & HTTP_MSGF_BODY_DONE) {
				stream_detach_back(s);
				ACT.req_ok++;
			}
			stream_send_rsp(s);
			break;		/* the front mux may have freed <s> */
		}

		if ((s->flags & SF_REQ_READY) && !s->be) {
			/* HAProxy: process_switching_rules() (default
			 * backend), assign_server(), connect_server() */
			s->be = s->fe ? s->fe->defbe : NULL;
			s->srv = s->be ? backend_select(s) : NULL;
			s->retries = s->be ? s->be->retries : 0;
			stream_srv_activity(s);	/* arms timeout server */
			if (!s->srv || connect_server(s) < 0) {
				s->err_status = s->err_status ?
						s->err_status : 503;
				s->flags |= SF_SRV_ERR;
			}
			continue;	/* attach may have completed more */
		}
		break;			/* wait for the next event */
	}
	return t;
}

/*
 * stream_free - the transaction is over for the front mux
 * @s: the stream, or NULL
 *
 * Detaches the back side if it is still attached (the back mux aborts and
 * destroys a connection whose transaction did not complete), tells the
 * front mux if it still references the stream (strm_gone(); a front mux
 * freeing its own stream clears s->fctx first), counts an abandoned
 * request as an error, disarms the timer and recycles the stream.
 *
 * Called by the front mux once the response left (from send_resp() when
 * it all left at once, else from its tasklet), or by process_stream() of
 * this very stream as its last action (abort_keep_alive): the stream's
 * task outlives the stream in both cases (pooled, or killed).
 * Context: the stream's thread, no lock.
 */
void stream_free(struct stream *s)
{
	struct stream_per_thr *st = &stream_thr[tid];
	struct stream_slot *slot;
	struct connection *fconn;

	if (!s)
		return;
	fconn = s->fconn;
	if (s->flags & SF_REQ_READY) {
		if (!(s->flags & SF_RESP_SENT) ||
		    !(s->rsp.flags & HTTP_MSGF_BODY_DONE))
			ACT.req_err++;	/* no whole answer: the client left
					 * before it, or it was cut */
		else if (s->bconn)
			ACT.req_ok++;	/* the front sent it all before our
					 * task detached the back side */
	}
	if (s->bconn)
		s->bconn->mux->detach(s);
	s->bconn = NULL;
	s->bctx = NULL;
	if (s->fctx && fconn) {
		fconn->mux->strm_gone(s);
		s->fctx = NULL;
	}
	task_schedule(s->task, 0);
	s->fconn = NULL;
	s->flags = 0;
	st->live--;

	slot = stream_slot(s);
	if (st->nb_free >= STREAM_POOL_MAX) {
		stream_slot_release(slot, 0);
		return;
	}
	slot->next_free = st->free;
	st->free = slot;
	st->nb_free++;
}

/*
 * stream_deinit_thread - free the calling thread's stream pool
 *
 * Context: engine thread at exit, after its run queue was drained (a
 * pooled stream's task is then neither queued nor armed).
 */
void stream_deinit_thread(void)
{
	struct stream_per_thr *st = &stream_thr[tid];
	struct stream_slot *slot;

	while ((slot = st->free) != NULL) {
		st->free = slot->next_free;
		stream_slot_release(slot, 1);
	}
	st->nb_free = 0;
}

/*
 * stream_counts - requests answered with the server's response (ok) and
 * with an error or not at all (err), all threads
 *
 * Exact once the threads are joined. Context: any thread.
 */
void stream_counts(uint64_t *ok, uint64_t *err)
{
	uint64_t o = 0, e = 0;
	int i;

	for (i = 0; i < MAX_THREADS; i++) {
		o += activity[i].req_ok;
		e += activity[i].req_err;
	}
	*ok = o;
	*err = e;
}

/*
 * stream_live_count - streams in use (not in a pool), all threads
 *
 * Exact once the threads are joined (leak check). Context: any thread.
 */
long stream_live_count(void)
{
	long sum = 0;
	int i;

	for (i = 0; i < MAX_THREADS; i++)
		sum += stream_thr[i].live;
	return sum;
}
