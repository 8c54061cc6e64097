/*
 * mux_h1.c - the HTTP/1.1 multiplexer, front and back (HAProxy mux_h1.c).
 *
 * One struct h1c per connection, at most one struct h1s (the stream being
 * served) at a time. The mux owns the socket's two buffers and turns bytes
 * into struct http_msg and back with the h1 codec (h1.h): the headers
 * whole, the body through the message's bounded FIFO (http_msg-t.h). The
 * message this side receives is fed while the FIFO has room (else reading
 * stops: ibuf fills, then the socket); the one it sends is taken from its
 * FIFO while obuf is under its mark (h1_fwd_body()).
 *
 * Front connection life (created by the listener):
 *
 *	accept -> h1_init (subscribe RECV)
 *	  -> bytes arrive: h1s + stream (stream_new), parse the request
 *	     headers into s->req -> stream_notify(); the body follows into
 *	     s->req.body as the back side takes it
 *	  -> process_stream() picks a server, the back side answers, then
 *	     h1_send_resp() formats s->rsp's headers into obuf, and the body
 *	     as it comes (chunked if its length is unknown)
 *	  -> obuf sent (most often at once: h1_send_resp() then ends the
 *	     transaction itself, else the tasklet does): stream_free(), then
 *	     the next request (pipelined bytes wait in ibuf until then), or
 *	     close
 *
 * Back connection life (created by connect_server()):
 *
 *	h1_init -> h1_attach (clears TASK_F_USR1 once the stream exists),
 *	  request sent (its body as it comes), response headers parsed into
 *	  s->rsp -> stream_notify(), its body into s->rsp.body as the front
 *	  side takes it; complete -> stream_notify()
 *	  -> h1_detach: response complete and keep-alive -> set TASK_F_USR1,
 *	     subscribe RECV, srv_add_to_idle_list() -> from then on another
 *	     thread may take it over (h1_takeover) and we never touch it again
 *	  -> next h1_attach by whoever found it (this thread or a stealer)
 *
 * The lesson (HAProxy e388f2fbc) lives in three places, each marked "USR1":
 *   - h1_detach() sets TASK_F_USR1 on the tasklet BEFORE the connection is
 *     published in an idle or safe list;
 *   - h1_attach() clears it AFTER the stream exists;
 *   - h1_io_cb() takes its thread's idle_conns_lock only when the state
 *     snapshot it was handed carries TASK_F_USR1 (always in legacy mode),
 *     re-reads tl->context under that lock (a stealer NULLs it) and takes
 *     the connection out of its list while it works on it.
 * Front connections are never put in an idle list, so their tasklets never
 * carry TASK_F_USR1 and always take the lock-free path in usr1 mode.
 *
 * Differences from HAProxy at e388f2fbc, on purpose:
 *   - no conn_stream / HTX: headers are held whole in struct http_msg,
 *     bodies pass through its bounded FIFO (http_msg-t.h);
 *   - the single h1s lives inside the h1c (HAProxy allocates it from a
 *     pool): no allocation per request;
 *   - the end of a front transaction (HAProxy: the stream detaches through
 *     h1_detach() on the front side) runs in h1_process() once the response
 *     has left obuf, so one request is served at a time;
 *   - h1_takeover() allocates its task and tasklet before the point of no
 *     return, the order HAProxy adopted in 95fd2d680 (2023).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "buf.h"
#include "connection.h"
#include "fd.h"
#include "flags-t.h"
#include "h1.h"
#include "http_msg.h"
#include "lab.h"
#include "mux.h"
#include "mux_h1.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

/* ibuf: a whole header section must fit (the parser needs it contiguous),
 * plus room for the start of a body or of a pipelined request. Allocated
 * once, at the first read, and kept for the life of the connection. */
#define H1_IBUF_SIZE	(H1_MAX_HDRS_LEN + 4096)

/* An obuf area larger than this is given back once drained, so a rare
 * large header section does not pin memory; smaller ones are kept. */
#define H1_OBUF_KEEP	65536

/* Body bytes are moved into obuf only while it holds less than this
 * (tune.bufsize): obuf stays within one buffer plus one body part. */
static inline size_t h1_obuf_mark(void)
{
	return http_bufsize ? http_bufsize : HTTP_BUFSIZE_DEF;
}

/* h1c.flags */
#define H1C_F_ST_IDLE		0x00000001 /* no stream: front waits for a
					    * request, back is reusable */
#define H1C_F_ST_ATTACHED	0x00000002 /* a stream is attached (h1s) */
#define H1C_F_ST_ERROR		0x00000004 /* no reuse, no more parsing:
					    * release once obuf is flushed */
#define H1C_F_ST_SHUTR		0x00000008 /* the peer closed (read0) */
#define H1C_F_WAIT_NEXT_REQ	0x00000010 /* served a request: the next
					    * one is not the first */
#define H1C_F_IN_FULL		0x00000020 /* ibuf full: reading paused */
#define H1C_F_CONNECTING	0x00000040 /* back: the TCP connect has not
					    * been seen to succeed yet */
#define H1C_F_IS_BACK		0x80000000 /* back side connection */

/* h1s.flags */
#define H1S_F_NOT_FIRST		0x00000001 /* not the conn's first request */
#define H1S_F_REQ_DONE		0x00000002 /* front: request fully parsed;
					    * back: request fully sent */
#define H1S_F_RSP_DONE		0x00000004 /* front: response formatted;
					    * back: response fully parsed */
#define H1S_F_WANT_CLOSE	0x00000008 /* no keep-alive after this one */
#define H1S_F_ERR_SENT		0x00000010 /* back: error reported to the
					    * stream (once) */
#define H1S_F_OUT_STARTED	0x00000020 /* the message we send (front:
					    * response, back: request) has
					    * its headers in obuf */
#define H1S_F_OUT_EOM		0x00000040 /* ... and all of it */

/* The stream side of an H1 connection (HAProxy struct h1s). */
struct h1s {
	struct h1c *h1c;		/* its connection */
	struct stream *stream;		/* the transaction, or NULL */
	unsigned int flags;		/* H1S_F_* */
	struct h1_body body;		/* decoder of the body being received
					 * (request on the front, response on
					 * the back) */
	struct h1_ostate os;		/* framing of the body being sent */
};

/* An H1 connection (HAProxy struct h1c). Owned by the thread that owns the
 * connection; a takeover moves it whole to the stealing thread. */
struct h1c {
	struct connection *conn;
	struct proxy *px;		/* frontend or backend: timeouts */
	unsigned int flags;		/* H1C_F_* */
	struct buffer ibuf;		/* bytes read, not parsed yet */
	struct buffer obuf;		/* bytes formatted, not sent yet */
	struct wait_event wait_event;	/* our I/O tasklet + subscriptions */
	struct task *task;		/* timeout task, always present */
	struct h1s *h1s;		/* the current stream side, or NULL */
	struct h1s h1s_store;		/* storage of the only h1s we have */
	uint64_t req_start;		/* front: when the current request
					 * began (accept for the first one,
					 * its first byte for the next ones):
					 * timeout http-request counts from it */
};

static void h1_release(struct h1c *h1c);

/*
 * h1c_show_flags - decode H1 connection flags.
 * @buf:   output
 * @len:   its size
 * @flags: H1C_F_* word
 *
 * Return: @buf, holding "ST_IDLE|IS_BACK", unknown bits in hex, or "0"
 * (flags_show()).
 * Context: any thread; pure.
 */
const char *h1c_show_flags(char *buf, unsigned long len, unsigned int flags)
{
	static const struct flag_name names[] = {
		{ H1C_F_ST_IDLE, "ST_IDLE" },
		{ H1C_F_ST_ATTACHED, "ST_ATTACHED" },
		{ H1C_F_ST_ERROR, "ST_ERROR" },
		{ H1C_F_ST_SHUTR, "ST_SHUTR" },
		{ H1C_F_WAIT_NEXT_REQ, "WAIT_NEXT_REQ" },
		{ H1C_F_IN_FULL, "IN_FULL" },
		{ H1C_F_CONNECTING, "CONNECTING" },
		{ H1C_F_IS_BACK, "IS_BACK" },
	};

	return flags_show(buf, len, flags, names, FLAG_NAMES_NB(names));
}

static inline int h1c_is_back(const struct h1c *h1c)
{
	return !!(h1c->flags & H1C_F_IS_BACK);
}

/* absolute expiry <ms> from now, 0 (never) for a zero timeout */
static inline uint64_t h1_exp(unsigned int ms)
{
	return ms ? now_mono_ns() + (uint64_t)ms * 1000000ULL : 0;
}

/* Front: are the request headers of <h1s> parsed? */
static inline int h1s_req_hdrs_done(const struct h1s *h1s)
{
	return h1s->stream &&
	       (h1s->stream->req.flags & HTTP_MSGF_HDRS_DONE);
}

/* Re-arm the timeout task for the state the connection is in (HAProxy
 * h1_refresh_timeout()). Back: the server timeout (connect timeout while
 * connecting) while a stream is attached, none when idle: an idle H1
 * backend connection dies by purge, the server's close or shutdown (the
 * lab does not model HAProxy's FD-pressure kill), never by its timeout
 * task. Front: http-keep-alive (else client) between requests, client
 * while a request or a response is on the wire, none while the stream
 * waits for the server (the stream's own timer covers it). */
static void h1_refresh_timeout(struct h1c *h1c)
{
	struct proxy *px = h1c->px;
	struct h1s *h1s = h1c->h1s;
	unsigned int ms = 0;
	uint64_t exp;

	if (!h1c->task || !px)
		return;
	if (h1c_is_back(h1c)) {
		if (h1s) {
			ms = px->timeout_server;
			if ((h1c->conn->flags & CO_FL_WAIT_L4_CONN) &&
			    px->timeout_connect)
				ms = px->timeout_connect;
		}
	} else if (h1c->flags & H1C_F_ST_ERROR) {
		ms = px->timeout_client;	/* flushing before close */
	} else if (!h1s) {
		ms = px->timeout_client;
		if ((h1c->flags & H1C_F_WAIT_NEXT_REQ) && px->timeout_http_ka)
			ms = px->timeout_http_ka;
	} else if ((!(h1s->flags & H1S_F_REQ_DONE) &&
		    !(h1s->stream &&
		      (h1s->stream->req.flags & HTTP_MSGF_WAIT_ROOM))) ||
		   b_data(&h1c->obuf)) {
		/* the client is sending (and not held back by a slow
		 * server), or has a response to take */
		ms = px->timeout_client;
	}
	exp = h1_exp(ms);
	/* timeout http-request: the request headers within that time from
	 * their start, however the bytes trickle in (a slowloris client
	 * refreshes timeout client with every byte); the first request's
	 * wait counts from the accept. Expiry with a request under way
	 * answers 408. The body streams on under timeout client, as in
	 * HAProxy without "option http-buffer-request". */
	if (!h1c_is_back(h1c) && px->timeout_http_req &&
	    !(h1c->flags & H1C_F_ST_ERROR) &&
	    (h1s ? !h1s_req_hdrs_done(h1s) :
	     !(h1c->flags & H1C_F_WAIT_NEXT_REQ))) {
		uint64_t cap = h1c->req_start +
			       (uint64_t)px->timeout_http_req * 1000000ULL;

		if (!exp || cap < exp)
			exp = cap ? cap : 1;
	}
	task_schedule(h1c->task, exp);
}

/* Back: did the TCP connect fail? conn_sock_iocb() clears
 * CO_FL_WAIT_L4_CONN when the connect ends, with CO_FL_ERROR if it failed;
 * CONNECTING remembers that we never saw it succeed. Called before each
 * send and receive and when reporting an error. */
static inline int h1_connect_failed(struct h1c *h1c)
{
	unsigned int cflags = h1c->conn->flags;

	if (!(h1c->flags & H1C_F_CONNECTING))
		return 0;
	if (cflags & CO_FL_WAIT_L4_CONN)
		return 0;		/* still connecting */
	if (cflags & CO_FL_ERROR)
		return 1;
	h1c->flags &= ~H1C_F_CONNECTING;	/* connected */
	return 0;
}

/* May we read more? Not after an error or a read0, not with ibuf full. */
static inline int h1_recv_allowed(const struct h1c *h1c)
{
	return !(h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR)) &&
	       b_data(&h1c->ibuf) < H1_IBUF_SIZE;
}

/* ------------------------------------------------------------------ h1s */

/* Start a new front transaction: the h1s and its stream (HAProxy creates
 * the h1s at init and the stream once headers are parsed; here both come
 * with the first byte of the request). NULL if the stream could not be
 * allocated. */
static struct h1s *h1s_new_front(struct h1c *h1c)
{
	struct h1s *h1s = &h1c->h1s_store;
	struct stream *s;

	memset(h1s, 0, sizeof(*h1s));
	h1s->h1c = h1c;
	if (h1c->flags & H1C_F_WAIT_NEXT_REQ) {
		h1s->flags |= H1S_F_NOT_FIRST;
		h1c->req_start = now_mono_ns();	/* its first byte */
	}
	s = stream_new(h1c->conn, h1s);
	if (!s)
		return NULL;
	if (h1s->flags & H1S_F_NOT_FIRST)
		s->flags |= SF_NOT_FIRST;
	h1s->stream = s;
	h1c->h1s = h1s;
	h1c->flags = (h1c->flags & ~H1C_F_ST_IDLE) | H1C_F_ST_ATTACHED;
	return h1s;
}

/* Attach stream <s> to back connection <h1c> (HAProxy h1c_bck_stream_new()).
 * A connection that already served a request marks the h1s NOT_FIRST: this
 * decides the list (idle or safe) it goes back to at detach. Cannot fail:
 * the h1s is embedded in the h1c. */
static struct h1s *h1s_new_back(struct h1c *h1c, struct stream *s)
{
	struct h1s *h1s = &h1c->h1s_store;

	memset(h1s, 0, sizeof(*h1s));
	h1s->h1c = h1c;
	h1s->stream = s;
	if (h1c->flags & H1C_F_WAIT_NEXT_REQ)
		h1s->flags |= H1S_F_NOT_FIRST;
	h1c->h1s = h1s;
	h1c->flags = (h1c->flags & ~H1C_F_ST_IDLE) | H1C_F_ST_ATTACHED;
	s->bconn = h1c->conn;
	s->bctx = h1s;
	TRACE(stream_attach, tid, h1c->conn->id, MUX_H1, SIDE_BACK, s->id);
	return h1s;
}

/* The transaction of <h1s> is over (HAProxy h1s_destroy()). The connection
 * becomes idle (ST_IDLE, and the next request is not its first) only if
 * both messages completed, neither side asked to close and nothing failed;
 * otherwise it is marked ST_ERROR and will be released. */
static void h1s_destroy(struct h1s *h1s)
{
	struct h1c *h1c = h1s->h1c;
	struct connection *conn = h1c->conn;
	struct stream *s = h1s->stream;

	if (h1c_is_back(h1c) && s) {
		TRACE(stream_detach, tid, conn->id, MUX_H1, SIDE_BACK, s->id);
		s->bconn = NULL;
		s->bctx = NULL;
	}
	if (!(h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR)) &&
	    !(conn->flags & (CO_FL_ERROR | CO_FL_SOCK_RD_SH |
			     CO_FL_SOCK_WR_SH)) &&
	    !(h1s->flags & H1S_F_WANT_CLOSE) &&
	    (h1s->flags & (H1S_F_REQ_DONE | H1S_F_RSP_DONE)) ==
	    (H1S_F_REQ_DONE | H1S_F_RSP_DONE))
		h1c->flags |= H1C_F_ST_IDLE | H1C_F_WAIT_NEXT_REQ;
	else
		h1c->flags |= H1C_F_ST_ERROR;
	h1c->flags &= ~H1C_F_ST_ATTACHED;
	h1s->stream = NULL;
	h1c->h1s = NULL;
}

/* Front: end the current transaction (its response has left obuf) and
 * free the stream. The back side was detached by process_stream() already;
 * stream_free() aborts it otherwise. */
static void h1s_end_front(struct h1s *h1s)
{
	struct stream *s = h1s->stream;

	h1s_destroy(h1s);
	if (s) {
		s->fctx = NULL;		/* we know: no strm_gone() */
		stream_free(s);
	}
}

/* ------------------------------------------------------------------ I/O */

/* Read what the socket has into ibuf (HAProxy h1_recv()). Subscribes for
 * RECV when the socket would block; stops without subscribing when ibuf is
 * full (h1_process() resumes once it consumed some). A read0 or an error
 * sets ST_SHUTR / ST_ERROR. Returns 1 if anything happened (bytes, read0,
 * error), else 0. */
static int h1_recv(struct h1c *h1c)
{
	struct connection *conn = h1c->conn;
	ssize_t ret;
	int rcvd = 0;

	if (h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR))
		return 0;

	h1_connect_failed(h1c);
	h1c->flags &= ~H1C_F_IN_FULL;
	while (1) {
		if (b_reserve(&h1c->ibuf, 1, H1_IBUF_SIZE, H1_IBUF_SIZE) < 0) {
			h1c->flags |= H1C_F_IN_FULL;
			break;
		}
		ret = conn_recv(conn, &h1c->ibuf, H1_IBUF_SIZE);
		if (ret > 0) {
			rcvd = 1;
			if (conn_recv_more(conn))
				continue;
			ret = 0;	/* drained: wait for the poller */
		}
		if (ret == 0) {
			conn_subscribe(conn, SUB_RETRY_RECV, &h1c->wait_event);
			break;
		}
		/* read0 or error: the peer is gone or going */
		if (conn->flags & CO_FL_ERROR)
			h1c->flags |= H1C_F_ST_ERROR;
		else
			h1c->flags |= H1C_F_ST_SHUTR;
		rcvd = 1;
		break;
	}
	/* the server is still sending: timeout server starts again */
	if (rcvd && h1c_is_back(h1c) && h1c->h1s && h1c->h1s->stream)
		stream_srv_activity(h1c->h1s->stream);
	return rcvd;
}

/* Send what obuf holds (HAProxy h1_send()). Subscribes for SEND when the
 * socket would block. A write error drops the output and sets ST_ERROR.
 * On the back side an emptied obuf means the request is fully sent.
 * Returns 1 if anything happened (bytes sent, error), else 0. */
static int h1_send(struct h1c *h1c)
{
	struct connection *conn = h1c->conn;
	ssize_t ret;
	int sent = 0;

	h1_connect_failed(h1c);
	while (b_data(&h1c->obuf)) {
		if (conn->flags & CO_FL_ERROR)
			ret = -1;
		else
			ret = conn_send(conn, &h1c->obuf);
		if (ret > 0) {
			sent = 1;
			continue;
		}
		if (ret == 0) {
			conn_subscribe(conn, SUB_RETRY_SEND, &h1c->wait_event);
			return sent;
		}
		h1c->flags |= H1C_F_ST_ERROR;
		b_reset(&h1c->obuf);
		sent = 1;
	}

	/* obuf is empty */
	if (h1c->wait_event.events & SUB_RETRY_SEND)
		conn_unsubscribe(conn, SUB_RETRY_SEND, &h1c->wait_event);
	if (h1c_is_back(h1c) && h1c->h1s && !(h1c->flags & H1C_F_ST_ERROR) &&
	    (h1c->h1s->flags & H1S_F_OUT_EOM))
		h1c->h1s->flags |= H1S_F_REQ_DONE;
	if (h1c->obuf.size > H1_OBUF_KEEP)
		b_free(&h1c->obuf);
	return sent;
}

/* The message <h1s> sends: the response on the front, the request on the
 * back. */
static inline struct http_msg *h1s_out_msg(const struct h1s *h1s)
{
	return h1c_is_back(h1s->h1c) ? &h1s->stream->req : &h1s->stream->rsp;
}

/*
 * h1_fwd_body - move the body of the message being sent into obuf
 * (HAProxy h1_snd_buf() -> h1_process_mux(), for the data part).
 * @h1c: the connection
 *
 * Takes what the other side put in the message's FIFO while obuf is under
 * its mark, in the framing chosen when the headers went (h1_start_req()/
 * h1_start_resp()), and ends the message (last chunk) once the producer
 * said it was complete and everything left. A producer that stopped for
 * lack of room (HTTP_MSGF_WAIT_ROOM) is woken once there is some. Bytes
 * past an announced Content-Length are dropped; a body that ended short
 * of it cannot be completed: the connection is not kept.
 * Context: owner thread, no lock.
 */
static void h1_fwd_body(struct h1c *h1c)
{
	struct h1s *h1s = h1c->h1s;
	struct http_msg *msg;
	struct stream *s;
	size_t n, emit;
	int moved = 0;

	if (!h1s || !h1s->stream ||
	    (h1s->flags & (H1S_F_OUT_STARTED | H1S_F_OUT_EOM)) !=
	    H1S_F_OUT_STARTED)
		return;
	s = h1s->stream;
	msg = h1s_out_msg(h1s);
	while ((n = http_body_avail(msg)) != 0 &&
	       b_data(&h1c->obuf) < h1_obuf_mark()) {
		emit = n;
		if (h1s->os.mode == H1_OUT_NONE)
			emit = 0;		/* HEAD, 204, 304 */
		else if (h1s->os.mode == H1_OUT_CLEN && emit > h1s->os.left)
			emit = (size_t)h1s->os.left;
		if (emit && h1_emit_body(&h1c->obuf, &h1s->os,
					 http_body_ptr(msg), emit) < 0)
			break;
		http_body_forwarded(msg, n);
		moved = 1;
	}
	if (moved && h1c_is_back(h1c))
		stream_srv_activity(s);		/* the server takes it */
	/* also after the start of the message, which took bytes too */
	if ((msg->flags & HTTP_MSGF_WAIT_ROOM) && http_body_room(msg)) {
		msg->flags &= ~HTTP_MSGF_WAIT_ROOM;
		if (h1c_is_back(h1c))
			stream_wake_front(s);
		else
			stream_wake_back(s);
	}
	if (!http_msg_eom(msg))
		return;
	if (h1s->os.mode == H1_OUT_CLEN && h1s->os.left) {
		/* shorter than announced: the peer would wait forever */
		h1s->flags |= H1S_F_WANT_CLOSE;
		h1c->flags |= H1C_F_ST_ERROR;
		return;
	}
	if (h1_emit_eom(&h1c->obuf, &h1s->os) < 0)
		return;		/* retried once obuf drained */
	h1s->flags |= H1S_F_OUT_EOM;
	if (!h1c_is_back(h1c))
		h1s->flags |= H1S_F_RSP_DONE;
}

/* --------------------------------------------------------------- front */

/* Reject the current request with <status>: queue a short error response
 * with "connection: close", drop the stream (it has no back side yet: the
 * request was never complete) and close once obuf is flushed. */
static void h1_front_error(struct h1c *h1c, int status)
{
	struct h1s *h1s = h1c->h1s;

	ACT.req_err++;
	h1_emit_error(status, &h1c->obuf, 1);
	if (h1s) {
		h1s->flags |= H1S_F_WANT_CLOSE;
		h1s_end_front(h1s);
	}
	h1c->flags |= H1C_F_ST_ERROR;
}

/* Parse requests from ibuf (HAProxy h1_process_demux() on the front
 * side). One request at a time: its headers are handed to the stream at
 * once, its body follows into s->req.body while there is room (the back
 * side wakes us when it took some); whatever follows the request (a
 * pipelined one) waits in ibuf until the response has been sent. */
static void h1_process_req(struct h1c *h1c)
{
	struct h1s *h1s;
	struct stream *s;
	int ret, status = 400, expect = -1, fed;

	while (!(h1c->flags & H1C_F_ST_ERROR)) {
		h1s = h1c->h1s;
		if (!h1s) {
			if (!b_data(&h1c->ibuf))
				return;
			h1s = h1s_new_front(h1c);
			if (!h1s) {
				h1_front_error(h1c, 500);
				return;
			}
		}
		if (h1s->flags & H1S_F_REQ_DONE)
			return;		/* the stream has it: wait */
		s = h1s->stream;

		if (!(s->req.flags & HTTP_MSGF_HDRS_DONE)) {
			/* the parser is stateless: start again from the
			 * first byte with a clean message each time */
			http_msg_reset(&s->req, 0);
			ret = h1_parse_hdrs(b_head(&h1c->ibuf),
					    b_data(&h1c->ibuf), &s->req,
					    &status);
			if (ret < 0) {
				h1_front_error(h1c, status);
				return;
			}
			if (ret == 0) {
				if (b_data(&h1c->ibuf) >= H1_IBUF_SIZE)
					h1_front_error(h1c, 431);
				return;	/* more bytes, or read0 (caller) */
			}
			b_del(&h1c->ibuf, ret);
			if (h1_req_is_head(&s->req))
				s->flags |= SF_HEAD;
			h1_body_init(&h1s->body, &s->req);
			expect = h1_req_expects_continue(&s->req);
		}

		fed = 0;
		if (!h1_body_done(&h1s->body)) {
			if (s->req.flags & HTTP_MSGF_WAIT_ROOM)
				return;	/* the back side wakes us */
			ret = h1_body_feed(&h1s->body, b_head(&h1c->ibuf),
					   b_data(&h1c->ibuf), &s->req);
			if (ret < 0) {
				if (s->flags & SF_REQ_READY) {
					/* part of it left already: no
					 * error response, just cut (the
					 * stream counts the error) */
					h1c->flags |= H1C_F_ST_ERROR;
					return;
				}
				h1_front_error(h1c, h1s->body.err_status ?
					       h1s->body.err_status : 400);
				return;
			}
			b_del(&h1c->ibuf, ret);
			fed = ret > 0;
			if (!h1_body_done(&h1s->body) &&
			    !http_body_room(&s->req))
				s->req.flags |= HTTP_MSGF_WAIT_ROOM;
		}
		if (expect >= 0) {
			/* Expect: 100-continue. We answer it ourselves (as
			 * HAProxy does when it waits for the body, "option
			 * http-buffer-request"): tell the client to send the
			 * body now, unless it already did, and do not pass
			 * the expectation on (the server gets the body right
			 * behind the headers). */
			http_msg_del_hdr(&s->req, expect);
			if (!h1_body_done(&h1s->body) &&
			    h1_emit_continue(&h1c->obuf) == 0)
				h1_send(h1c);
			expect = -1;
		}
		if (h1_body_done(&h1s->body)) {
			h1s->flags |= H1S_F_REQ_DONE;
			if (s->req.flags & HTTP_MSGF_CONN_CLOSE)
				h1s->flags |= H1S_F_WANT_CLOSE;
		}
		if (!(s->flags & SF_REQ_READY)) {
			/* the headers (and the body at hand, often all of
			 * it): hand the request over */
			s->flags |= SF_REQ_READY;
			stream_notify(s);
		} else if (fed || (h1s->flags & H1S_F_REQ_DONE)) {
			stream_wake_back(s);	/* more body for it */
		}
		return;
	}
}

/* Front side of h1_process(). Returns 0, or -1 when the caller must
 * release the connection. */
static int h1_process_front(struct h1c *h1c)
{
	struct h1s *h1s = h1c->h1s;

	/* more of the response body, or its end */
	h1_fwd_body(h1c);
	if (b_data(&h1c->obuf) && !(h1c->wait_event.events & SUB_RETRY_SEND))
		h1_send(h1c);

	/* the response left obuf: end of this transaction */
	if (h1s && (h1s->flags & H1S_F_RSP_DONE) && !b_data(&h1c->obuf))
		h1s_end_front(h1s);

	h1_process_req(h1c);

	/* an error response may have been queued: try to flush it now */
	if (b_data(&h1c->obuf) && !(h1c->wait_event.events & SUB_RETRY_SEND))
		h1_send(h1c);

	h1s = h1c->h1s;
	if (!h1s) {
		/* Between requests. An error response or the last one
		 * before a close is flushed first; then a client that closed,
		 * an error or "connection: close" (ST_ERROR after
		 * h1s_destroy()) ends the connection. */
		if (b_data(&h1c->obuf) && !(h1c->conn->flags & CO_FL_ERROR))
			return 0;
		if (h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR))
			return -1;
		return 0;
	}
	/* a write error, or the client left before its request was
	 * complete: abort (the stream and its back side go with us) */
	if (h1c->flags & H1C_F_ST_ERROR)
		return -1;
	if ((h1c->flags & H1C_F_ST_SHUTR) && !(h1s->flags & H1S_F_REQ_DONE))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- back */

/* Tell the attached stream, once, that the server side failed: 503 if the
 * TCP connection never completed (HAProxy answers a failed connect with
 * 503), 502 for a reset, a close or garbage before the response completed.
 * A close or reset (not garbage) before the response headers also marks
 * the stream SF_SRV_CLOSED: that is the keep-alive race (the server closed
 * the idle connection we just reused), which the stream turns into a
 * silent client close for a non-first request. The connection is marked
 * ST_ERROR and released when the stream detaches (never before: the
 * stream still points to it). */
static void h1_report_srv_error(struct h1c *h1c, int garbage)
{
	struct h1s *h1s = h1c->h1s;
	struct stream *s;
	int status = 502;

	h1c->flags |= H1C_F_ST_ERROR;
	if (!h1s || !h1s->stream ||
	    (h1s->flags & (H1S_F_RSP_DONE | H1S_F_ERR_SENT)))
		return;
	h1s->flags |= H1S_F_ERR_SENT;
	s = h1s->stream;
	if ((h1c->conn->flags & CO_FL_WAIT_L4_CONN) || h1_connect_failed(h1c))
		status = 503;
	else if (!garbage && !(s->rsp.flags & HTTP_MSGF_HDRS_DONE)) {
		s->flags |= SF_SRV_CLOSED;
		/* not one byte of a response, and a request the server may
		 * see twice: it may be sent again (HAProxy retry-on
		 * empty-response) */
		if (!b_data(&h1c->ibuf) && http_req_idempotent(&s->req))
			s->flags |= SF_SRV_REFUSED;
	}
	stream_srv_error(s, status);
}

/* Prepare s->rsp for a (new) parse attempt. */
static inline void h1_rsp_reset(struct stream *s)
{
	http_msg_reset(&s->rsp, 1);
	if (h1_req_is_head(&s->req))
		h1_rsp_set_no_body(&s->rsp);
}

/* Parse the response of the attached stream from ibuf (HAProxy
 * h1_process_demux() on the back side). Interim 1xx responses are
 * skipped. The headers go to the stream at once (stream_notify()), the
 * body into s->rsp.body while there is room (the front side wakes us when
 * it took some). A response that ends with the close is completed by the
 * read0. Complete -> RSP_DONE, stream_notify(). Bytes after the response
 * stay in ibuf: h1_detach() will refuse to reuse the connection. */
static void h1_process_rsp(struct h1c *h1c)
{
	struct h1s *h1s = h1c->h1s;
	struct stream *s = h1s->stream;
	int ret, status = 502, fed = 0;

	if (h1s->flags & (H1S_F_RSP_DONE | H1S_F_ERR_SENT))
		return;

	while (!(s->rsp.flags & HTTP_MSGF_HDRS_DONE)) {
		h1_rsp_reset(s);
		ret = h1_parse_hdrs(b_head(&h1c->ibuf), b_data(&h1c->ibuf),
				    &s->rsp, &status);
		if (ret < 0)
			goto bad;
		if (ret == 0) {
			if (b_data(&h1c->ibuf) >= H1_IBUF_SIZE)
				goto bad;
			if (h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR))
				goto closed;	/* closed before a response */
			return;
		}
		b_del(&h1c->ibuf, ret);
		if (s->rsp.status < 200) {
			if (s->rsp.status == 101)
				goto bad;	/* no protocol upgrades */
			h1_rsp_reset(s);	/* 1xx: the real one follows */
			continue;
		}
		h1_body_init(&h1s->body, &s->rsp);
	}

	if (!h1_body_done(&h1s->body)) {
		if (s->rsp.flags & HTTP_MSGF_WAIT_ROOM)
			return;		/* the front side wakes us */
		ret = h1_body_feed(&h1s->body, b_head(&h1c->ibuf),
				   b_data(&h1c->ibuf), &s->rsp);
		if (ret < 0)
			goto bad;
		b_del(&h1c->ibuf, ret);
		fed = ret > 0;
		if (!h1_body_done(&h1s->body)) {
			if (!http_body_room(&s->rsp)) {
				s->rsp.flags |= HTTP_MSGF_WAIT_ROOM;
			} else {
				if (h1c->flags & H1C_F_ST_ERROR)
					goto closed;
				/* read0: completes an until-close body
				 * only */
				if ((h1c->flags & H1C_F_ST_SHUTR) &&
				    h1_body_eof(&h1s->body, &s->rsp) < 0)
					goto closed;
			}
		}
	}

	if (h1_body_done(&h1s->body)) {
		h1s->flags |= H1S_F_RSP_DONE;
		/* the request we sent always asked for keep-alive: only
		 * the server's answer decides */
		if ((s->rsp.flags & HTTP_MSGF_CONN_CLOSE) ||
		    h1s->body.mode == H1_BODY_CLOSE)
			h1s->flags |= H1S_F_WANT_CLOSE;
	}
	if (h1s->flags & H1S_F_RSP_DONE) {
		stream_rsp_done(s);		/* detach us, end it */
	} else if (!(s->flags & SF_RSP_READY)) {
		/* the headers and the body at hand: the rest follows */
		s->flags |= SF_RSP_READY;
		stream_notify(s);
	} else if (fed && (s->flags & SF_RESP_SENT)) {
		stream_wake_front(s);		/* more body to send */
	}
	return;

 closed:
	h1_report_srv_error(h1c, 0);
	return;
 bad:
	h1_report_srv_error(h1c, 1);
}

/* Back side of h1_process(). Returns 0, or -1 when the caller must
 * release the connection. */
static int h1_process_back(struct h1c *h1c)
{
	if (!h1c->h1s) {
		/* Idle (or about to be): nobody asked for anything, so a
		 * read0, an error or unsolicited bytes from the server all
		 * end the connection (HAProxy h1_process(): back side, no
		 * stream -> release). This is how an idle keep-alive
		 * connection dies when the server closes it. */
		if (b_data(&h1c->ibuf) ||
		    (h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR)))
			return -1;
		return 0;
	}
	/* more of the request body, or its end */
	h1_fwd_body(h1c);
	if (b_data(&h1c->obuf) && !(h1c->wait_event.events & SUB_RETRY_SEND))
		h1_send(h1c);
	if (h1c->h1s->stream)
		h1_process_rsp(h1c);
	if (h1c->flags & H1C_F_ST_ERROR)
		h1_report_srv_error(h1c, 0);
	return 0;
}

/* Turn what was received into messages and decide what happens to the
 * connection (HAProxy h1_process()). Returns 0 if the connection is still
 * alive, -1 if it was released (h1c, conn and tasklet are gone). */
static int h1_process(struct h1c *h1c)
{
	int ret;

	if (h1c_is_back(h1c))
		ret = h1_process_back(h1c);
	else
		ret = h1_process_front(h1c);
	if (ret < 0) {
		h1_release(h1c);
		return -1;
	}

	h1_refresh_timeout(h1c);
	/* ibuf had been full: reading resumes now there is room */
	if (!(h1c->wait_event.events & SUB_RETRY_RECV) && h1_recv_allowed(h1c))
		conn_subscribe(h1c->conn, SUB_RETRY_RECV, &h1c->wait_event);
	return 0;
}

/* --------------------------------------------------------------- tasks */

/*
 * h1_io_cb - the I/O tasklet of an H1 connection (HAProxy h1_io_cb()).
 * @t:     the tasklet
 * @ctx:   its context as read at dequeue time, before any lock: the h1c,
 *         or NULL if the connection was taken over meanwhile
 * @state: the tasklet's state word as it was at dequeue time
 *
 * The prologue is the heart of e388f2fbc. A tasklet whose connection sits
 * in an idle or safe list carries TASK_F_USR1 (set by h1_detach() before
 * the list insertion); any other thread may then steal the connection
 * under this thread's idle_conns_lock, NULLing tl->context and waking the
 * tasklet here so that it frees itself. So with USR1 in @state (or always,
 * in legacy mode) we lock, re-read tl->context (NOT @ctx: it was copied
 * before the lock), free ourselves if it is NULL, else take the connection
 * out of its list so that nobody steals it while we work on it. Without
 * USR1 the connection was in no stealable list when we were dequeued and
 * only this thread could put it back, which it cannot do while it runs
 * this function: @ctx is valid and no lock is needed.
 *
 * Then send, receive, process; if the connection survived and was in a
 * list, put it back into the same list under the lock, and touch nothing
 * of it after the unlock.
 *
 * Return: @t, or NULL if the tasklet was freed (stolen or released).
 * Context: the thread the tasklet was queued on (the connection's owner,
 * or the victim of a takeover for the old tasklet). Takes this thread's
 * idle_conns_lock (SITE_IO_CB) on the locked path, twice if it re-inserts.
 */
struct task *h1_io_cb(struct task *t, void *ctx, unsigned int state)
{
	struct tasklet *tl = (struct tasklet *)t;
	struct h1c *h1c = ctx;
	struct connection *conn;
	enum cb_path path;
	int side = tl->conn_side;	/* tl fields only: see conn_side */
	int conn_in_list;
	int ret = 0;

	path = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;
	TRACE(io_cb, tid, tl->id, tl->conn_id, MUX_H1, side, state, path);
	ACT.io_cb[side][MUX_H1][path]++;

	if (path == PATH_LOCKED) {
		/* USR1 was set when this run was dequeued: the connection
		 * sat in an idle list and another thread may have taken
		 * it over since. Look at the context under our lock.
		 */
		idle_lock(tid, SITE_IO_CB);
		if (bug_on_mode(BUG_TRUST_CTX))
			h1c = ctx;		/* BUG: read before the lock */
		else
			h1c = tasklet_get_context(tl); /* a stealer NULLs it */
		if (h1c == NULL) {
			/* Stolen: the connection now belongs to the
			 * stealer, which NULLed our context under this
			 * lock. Only the old tasklet is ours to free.
			 */
			idle_unlock(tid, SITE_IO_CB);
			ACT.stolen_free++;
			TRACE(io_cb_stolen, tid, tl->id, MUX_H1);
			tasklet_free(tl);
			return NULL;
		}
		if (bug_on_mode(BUG_TRUST_CTX) && !tasklet_get_context(tl)) {
			/* The planted bug struck: stolen after @ctx was
			 * copied. HAProxy would drive another thread's
			 * connection; the lab stops here, without the
			 * io_cb_stolen of a correct run (invariant 4). */
			idle_unlock(tid, SITE_IO_CB);
			tasklet_free(tl);
			return NULL;
		}
		conn = h1c->conn;

		/* Take the connection out of its list while we work
		 * on it, so that no stealer can find it meanwhile. Ask
		 * the list, not the LIST bits: a conn the purge queued
		 * for destruction keeps them and must not go back.
		 */
		conn_in_list = _conn_in_idle_list(conn);
		if (conn_in_list)
			_conn_delete_from_tree(conn, REASON_IO);

		idle_unlock(tid, SITE_IO_CB);
	} else {
		/* no USR1: the connection was in no stealable list */
		if (unlikely(h1c == NULL)) {
			/* A stolen tasklet that runs unlocked: impossible
			 * unless a bug mode broke the USR1 rule. HAProxy
			 * would dereference NULL right below; the lab keeps
			 * the run (and its trace) going and leaks the
			 * tasklet, which the leak check reports. */
			BUG_ON(lab_bug == BUG_NONE);
			return t;
		}
		conn = h1c->conn;
		conn_in_list = 0;
	}

	if (!(h1c->wait_event.events & SUB_RETRY_SEND))
		ret = h1_send(h1c);
	if (!(h1c->wait_event.events & SUB_RETRY_RECV))
		ret |= h1_recv(h1c);
	/* HAProxy runs h1_process() only if something moved or no stream is
	 * attached; the end of a front transaction lives there too in the
	 * lab, so it always runs (it is cheap when there is nothing to do) */
	ret = h1_process(h1c);

	/* Put the connection back in the list it came from, unless
	 * h1_process() returned -1 (it destroyed the connection).
	 */
	if (!ret && conn_in_list) {
		struct server *srv = conn->target;

		idle_lock(tid, SITE_IO_CB);
		_srv_insert_conn(srv, conn, conn_in_list == CO_FL_SAFE_LIST ?
				 LIST_SAFE : LIST_IDLE, tid);
		idle_unlock(tid, SITE_IO_CB);
		/* from here on another thread may own the connection */
	}
	return ret < 0 ? NULL : t;
}

/* Has <t>'s timer expired? */
static inline int h1_task_expired(const struct task *t)
{
	return t->expire && now_mono_ns() >= t->expire;
}

/*
 * h1_timeout_task - the timeout task of an H1 connection (HAProxy
 * h1_timeout_task(), unchanged by e388f2fbc).
 * @t:     the task
 * @ctx:   the h1c as read at dequeue time; NULL once h1_release() or a
 *         takeover detached the task from its connection
 * @state: its state word at dequeue time
 *
 * Unlike the io_cb, it always takes the lock when it still has a context:
 * the task runs rarely, and a stealer may NULL t->context at any time
 * while the connection is idle. Under the lock: NULL context -> stolen,
 * free the task only. Not expired -> nothing to do. A stream attached ->
 * tell it (back: 504, or 503 while connecting) and let its detach release
 * the connection. Else take the connection out of its list, if any, and
 * release it.
 *
 * Return: @t, or NULL when the task freed itself.
 * Context: the task's owner thread. Takes this thread's idle_conns_lock
 * (SITE_TIMEOUT) whenever @ctx is not NULL.
 */
struct task *h1_timeout_task(struct task *t, void *ctx, unsigned int state)
{
	struct h1c *h1c = ctx;
	int expired = h1_task_expired(t);

	if (!h1c) {
		/* the connection was released: only this task is left */
		task_destroy(t);
		return NULL;
	}

	/* Make sure nobody stole the connection from us */
	idle_lock(tid, SITE_TIMEOUT);

	if (!task_get_context(t)) {
		/* Somebody already stole the connection from us, so we
		 * should not free it, we just have to free the task.
		 */
		idle_unlock(tid, SITE_TIMEOUT);
		task_destroy(t);
		return NULL;
	}

	if (!expired) {
		idle_unlock(tid, SITE_TIMEOUT);
		return t;
	}

	if (h1c_is_back(h1c) && (h1c->flags & H1C_F_ST_ATTACHED)) {
		/* A stream is attached: the mux must wait for it to leave,
		 * so we let it know and return.
		 */
		struct h1s *h1s = h1c->h1s;

		idle_unlock(tid, SITE_TIMEOUT);
		h1c->flags |= H1C_F_ST_ERROR;
		if (h1s->stream &&
		    !(h1s->flags & (H1S_F_RSP_DONE | H1S_F_ERR_SENT))) {
			h1s->flags |= H1S_F_ERR_SENT;
			stream_srv_error(h1s->stream,
					 (h1c->conn->flags & CO_FL_WAIT_L4_CONN) ?
					 503 : 504);
		}
		task_schedule(t, 0);
		return t;
	}

	/* We're about to destroy the connection, so make sure nobody
	 * attempts to steal it from us.
	 */
	if (h1c->conn->flags & CO_FL_LIST_MASK)
		_conn_delete_from_tree(h1c->conn, REASON_CLOSE);

	idle_unlock(tid, SITE_TIMEOUT);

	/* Front: a request was on its way -> 408, best effort, before the
	 * close (HAProxy h1_handle_req_tout()); an idle keep-alive or a
	 * stalled response just closes. */
	if (!h1c_is_back(h1c) && h1c->h1s &&
	    !h1s_req_hdrs_done(h1c->h1s) &&
	    !(h1c->flags & H1C_F_ST_ERROR)) {
		h1_front_error(h1c, 408);
		h1_send(h1c);
	}

	task_destroy(t);
	h1c->task = NULL;
	h1_release(h1c);
	return NULL;
}

/* ------------------------------------------------------------- release */

/* Free everything of <h1c> and its connection (HAProxy h1_release()): a
 * front stream goes with it (stream_free() aborts its back side), the
 * subscriptions are dropped, the tasklet freed (if it is queued, the run
 * loop frees it instead of running it), the timeout task is told to free
 * itself, then conn_free() closes the socket and fixes the server's
 * counters. The caller must not hold any idle_conns_lock (conn_free()
 * takes its own) and must not touch h1c, conn or the tasklet afterwards;
 * from inside h1_io_cb() that means returning NULL. */
static void h1_release(struct h1c *h1c)
{
	struct connection *conn = h1c->conn;
	struct h1s *h1s = h1c->h1s;

	if (h1s) {
		struct stream *s = h1s->stream;

		h1s->stream = NULL;
		h1c->h1s = NULL;
		h1c->flags &= ~H1C_F_ST_ATTACHED;
		if (s && h1c_is_back(h1c)) {
			/* a back conn is normally released by its stream's
			 * detach; if not, the stream must not keep it */
			s->bconn = NULL;
			s->bctx = NULL;
			TRACE(stream_detach, tid, conn->id, MUX_H1, SIDE_BACK,
			      s->id);
			if (!(h1s->flags & (H1S_F_RSP_DONE | H1S_F_ERR_SENT)))
				stream_srv_error(s, 502);
		} else if (s) {
			s->fctx = NULL;
			stream_free(s);
		}
	}

	if (h1c->wait_event.events)
		conn_unsubscribe(conn, h1c->wait_event.events,
				 &h1c->wait_event);
	if (h1c->task) {
		/* it frees itself when it runs and finds no context */
		task_set_context(h1c->task, NULL);
		task_wakeup(h1c->task, TASK_WOKEN_OTHER);
		h1c->task = NULL;
	}
	tasklet_free(h1c->wait_event.tasklet);
	h1c->wait_event.tasklet = NULL;
	b_free(&h1c->ibuf);
	b_free(&h1c->obuf);
	conn->ctx = NULL;
	conn_free(conn);
	free(h1c);
}

/* ------------------------------------------------------------ mux ops */

/* Create the h1c of <conn>, its tasklet and its timeout task, and
 * subscribe for RECV (HAProxy h1_init()). <px> is the frontend (front) or
 * the backend (back). Returns 0 or -1 (nothing allocated). Owner thread. */
static int h1_init(struct connection *conn, struct proxy *px)
{
	struct h1c *h1c;
	struct tasklet *tl;
	struct task *task;

	h1c = calloc(1, sizeof(*h1c));
	tl = tasklet_new();
	task = task_new_on(tid);
	if (!h1c || !tl || !task)
		goto fail;

	h1c->conn = conn;
	h1c->px = px;
	h1c->flags = H1C_F_ST_IDLE;
	h1c->req_start = now_mono_ns();		/* accept */
	if (conn->side == SIDE_BACK)
		h1c->flags |= H1C_F_IS_BACK | H1C_F_CONNECTING;
	h1c->ibuf = BUF_NULL;
	h1c->obuf = BUF_NULL;

	tl->process = h1_io_cb;
	tl->context = h1c;
	tl->conn_id = conn->id;
	tl->conn_side = conn->side;
	h1c->wait_event.tasklet = tl;
	h1c->wait_event.events = 0;

	task->process = h1_timeout_task;
	task->context = h1c;
	h1c->task = task;

	conn->ctx = h1c;
	h1_refresh_timeout(h1c);
	/* prepare to read something */
	conn_subscribe(conn, SUB_RETRY_RECV, &h1c->wait_event);
	return 0;

 fail:
	if (task)
		task_destroy(task);
	tasklet_free(tl);
	free(h1c);
	return -1;
}

/* Back: stream <s> starts on <conn> (HAProxy h1_attach()). Refused if the
 * connection failed. Once the h1s exists the connection is no longer idle
 * and TASK_F_USR1 is cleared: a takeover can no longer reach it (it was
 * taken out of any list by conn_backend_get(), or never was in one). The
 * request is then formatted and sent (HAProxy does this in h1_snd_buf());
 * a failure from here on reaches the stream through stream_srv_error().
 * Returns 0, or -1 with nothing attached. Owner thread, no lock. */
static int h1_attach(struct connection *conn, struct stream *s)
{
	struct h1c *h1c = conn->ctx;
	struct h1s *h1s;
	int ka;

	if (h1c->flags & H1C_F_ST_ERROR)
		return -1;

	h1s = h1s_new_back(h1c, s);

	/* USR1 off: the stream exists, the connection is in use */
	mux_clear_idle_flag(h1c->wait_event.tasklet, conn);

	/* the response will be parsed into s->rsp */
	h1_rsp_reset(s);
	ka = (h1c->px && h1c->px->reuse == REUSE_NEVER) ? 0 : H1_KA_KEEP;
	if (h1_start_req(&s->req, &h1c->obuf, ka, &h1s->os) < 0) {
		h1s->flags |= H1S_F_ERR_SENT;
		h1c->flags |= H1C_F_ST_ERROR;
		stream_srv_error(s, 500);
		return 0;
	}
	h1s->flags |= H1S_F_OUT_STARTED;
	http_body_forwarded(&s->req, (size_t)h1s->os.sent);
	h1_fwd_body(h1c);		/* the rest at hand, or the end */
	h1_send(h1c);
	if (h1c->flags & H1C_F_ST_ERROR)
		h1_report_srv_error(h1c, 0);
	h1_refresh_timeout(h1c);
	return 0;
}

/*
 * Back: stream <s> leaves its connection (HAProxy h1_detach()). If the
 * response completed cleanly and nothing else arrived, the connection is
 * offered to the server's pool of this thread: the idle list if it served
 * its first request, the safe list otherwise. Everything else (an aborted
 * transaction, "connection: close", http-reuse never, a private conn, a
 * refused insertion) destroys it.
 *
 * USR1: the flag is set before the insertion (after which another thread
 * may steal the connection), and before the RECV subscription, in
 * HAProxy's order (a subscription may queue a wakeup at once if the
 * server already closed; it runs on this thread after we return and sees
 * the state as it is then, so only the insertion is a deadline). Once
 * srv_add_to_idle_list() accepted it we return without touching h1c or
 * conn again.
 */
static void h1_detach(struct stream *s)
{
	struct h1s *h1s = s->bctx;
	struct h1c *h1c;
	struct connection *conn;
	struct server *srv;
	int is_not_first;

	if (!h1s)
		return;
	h1c = h1s->h1c;
	conn = h1c->conn;
	srv = conn->target;

	is_not_first = !!(h1s->flags & H1S_F_NOT_FIRST);
	h1s_destroy(h1s);		/* emits stream_detach (back) */

	if (!h1c_is_back(h1c) || !(h1c->flags & H1C_F_ST_IDLE))
		goto release;		/* aborted or must close */

	if (b_data(&h1c->ibuf))
		goto release;		/* the server said more than asked */
	if (!srv || (conn->flags & CO_FL_PRIVATE) ||
	    (h1c->px && h1c->px->reuse == REUSE_NEVER))
		goto release;		/* never shared: no session list here */

	conn->owner = NULL;
	h1_refresh_timeout(h1c);	/* idle back conn: no expiry */

	/* USR1 on, before the connection is published: from
	 * the insert on a stealer may NULL our context, so the
	 * io_cb must look at it under the idle_conns lock.
	 */
	if (bug_on_mode(BUG_NO_USR1_SET) || bug_on_mode(BUG_USR1_AFTER_INSERT))
		; /* BUG: not now (never, or after publishing, see below) */
	else
		mux_set_idle_flag(h1c->wait_event.tasklet, conn);

	conn_subscribe(conn, SUB_RETRY_RECV, &h1c->wait_event);
	if (!srv_add_to_idle_list(srv, conn, is_not_first)) {
		/* refused by the pool: close it now */
		h1_release(h1c);
		return;
	}

	if (bug_on_mode(BUG_USR1_AFTER_INSERT)) {
		/* BUG: the connection is already published: another thread
		 * may have stolen it (even released it) by now, and its old
		 * tasklet may already be queued here without the flag */
		mux_set_idle_flag(h1c->wait_event.tasklet, conn);
	}
	/* from now on the connection may belong to another thread */
	return;

 release:
	h1_release(h1c);
}

/* Front: the stream's response headers are ready in s->rsp; format them
 * and the body at hand into obuf and send at once (HAProxy h1_snd_buf()
 * calls h1_send()); the rest of the body follows as the back side
 * delivers it (h1_fwd_body(), woken by h1_wake()). Keep-alive unless the
 * request asked to close (or was HTTP/1.0 without keep-alive), the client
 * already closed, we stop, or the body's end is the close (unknown length
 * and an HTTP/1.0 client).
 *
 * When it all left and the connection simply waits for the next request
 * (request complete, nothing pipelined in ibuf, keep-alive, no error), the
 * transaction ends here, the stream is freed and the connection waits for
 * reading, as HAProxy's process_stream() ends a stream and h1_detach()
 * subscribes: no extra run of the tasklet per request. The caller,
 * process_stream(), touches the stream no more once send_resp() returned.
 * Otherwise (a partial send, pipelined bytes, a close to do) the tasklet
 * finishes the transaction once obuf is empty.
 * Returns 0 or -1. Owner thread. */
static int h1_send_resp(struct stream *s)
{
	struct h1s *h1s = s->fctx;
	struct h1c *h1c;
	int ka = H1_KA_KEEP;

	if (!h1s)
		return -1;
	h1c = h1s->h1c;

	if ((h1s->flags & H1S_F_WANT_CLOSE) ||
	    (s->req.flags & HTTP_MSGF_CONN_CLOSE) ||
	    (h1c->flags & (H1C_F_ST_SHUTR | H1C_F_ST_ERROR)) || stopping)
		ka = 0;
	if (!(s->req.flags & HTTP_MSGF_VER_11))
		ka |= H1_KA_PEER_10;

	if (h1_start_resp(&s->rsp, &h1c->obuf, ka, &h1s->os) < 0) {
		/* cannot be formatted: the client gets an error instead */
		h1s->flags |= H1S_F_WANT_CLOSE | H1S_F_RSP_DONE;
		h1_emit_error(502, &h1c->obuf, 1);
	} else {
		h1s->flags |= H1S_F_OUT_STARTED;
		if (!(ka & H1_KA_KEEP) || h1s->os.mode == H1_OUT_CLOSE)
			h1s->flags |= H1S_F_WANT_CLOSE;
		http_body_forwarded(&s->rsp, (size_t)h1s->os.sent);
		h1_fwd_body(h1c);	/* the rest at hand, or the end */
	}
	h1_send(h1c);
	if (!(h1s->flags & H1S_F_RSP_DONE))
		return 0;	/* the back side wakes us with more */
	if (!b_data(&h1c->obuf) && !b_data(&h1c->ibuf) &&
	    (h1s->flags & (H1S_F_REQ_DONE | H1S_F_WANT_CLOSE)) ==
	    H1S_F_REQ_DONE &&
	    !(h1c->flags & (H1C_F_ST_ERROR | H1C_F_ST_SHUTR)) &&
	    !(h1c->conn->flags & CO_FL_ERROR)) {
		h1s_end_front(h1s);		/* ST_IDLE, stream freed */
		h1_refresh_timeout(h1c);	/* timeout http-keep-alive */
		if (!(h1c->wait_event.events & SUB_RETRY_RECV))
			conn_subscribe(h1c->conn, SUB_RETRY_RECV,
				       &h1c->wait_event);
		return 0;
	}
	tasklet_wakeup(h1c->wait_event.tasklet);
	return 0;
}

/* Front: stream <s> was freed by someone else than this mux (HAProxy: the
 * stream layer shuts the conn_stream): forget it and close after what is
 * already queued. Owner thread. */
static void h1_strm_gone(struct stream *s)
{
	struct h1s *h1s = s->fctx;
	struct h1c *h1c;

	if (!h1s)
		return;
	h1c = h1s->h1c;
	h1s->stream = NULL;
	h1s->flags |= H1S_F_WANT_CLOSE;
	h1s_destroy(h1s);
	tasklet_wakeup(h1c->wait_event.tasklet);
}

/* The other side of stream <s> added body bytes to the message we send,
 * ended it, or made room in the one we receive: run our tasklet, which
 * forwards and parses what it can (h1_process()). Owner thread. */
static void h1_wake(struct stream *s, enum side side)
{
	struct h1s *h1s = side == SIDE_BACK ? s->bctx : s->fctx;

	if (h1s)
		tasklet_wakeup(h1s->h1c->wait_event.tasklet);
}

/* HAProxy h1_avail_streams(): one stream at most. */
static int h1_avail_streams(struct connection *conn)
{
	struct h1c *h1c = conn->ctx;

	return h1c->h1s ? 0 : 1;
}

/* HAProxy h1_used_streams(). */
static int h1_used_streams(struct connection *conn)
{
	struct h1c *h1c = conn->ctx;

	return h1c->h1s ? 1 : 0;
}

/*
 * Move idle back connection <conn> from thread <orig_tid> to the calling
 * thread (HAProxy h1_takeover(), with the allocation-first order of
 * 95fd2d680). Called by conn_backend_get() while it holds <orig_tid>'s
 * idle_conns_lock, which is what the old tasklet's io_cb and the old
 * timeout task take before they look at their context.
 *
 *  1. allocate the new tasklet and task: failing later would leave a half
 *     migrated connection;
 *  2. fd_takeover(): fails while the victim runs the fd's callback; from
 *     here on there is no way back;
 *  3. drop the subscriptions made with the old tasklet;
 *  4. NULL the old tasklet's context and wake it ON ITS THREAD: it runs
 *     there once, takes the lock, sees NULL and frees itself;
 *  5. same for the old timeout task (task_kill() works across threads),
 *     the new one belongs to this thread;
 *  6. install the new tasklet, WITHOUT TASK_F_USR1 (h1_attach() follows at
 *     once), and subscribe for RECV with it.
 *
 * Emits the takeover event (ok=1 or ok=0) once per call; the caller
 * counts it. Returns 0 or -1 (nothing changed: the caller tries another
 * connection).
 */
static int h1_takeover(struct connection *conn, int orig_tid)
{
	struct h1c *h1c = conn->ctx;
	struct tasklet *old_tl = h1c->wait_event.tasklet;
	uint64_t old_tl_id = old_tl->id;
	struct tasklet *new_tl;
	struct task *new_task;
	struct task *old_task;

	/* Pre-allocate so that we never have to roll back after the fd was
	 * migrated. */
	new_tl = tasklet_new();
	new_task = task_new_on(tid);
	if (!new_tl || !new_task)
		goto fail;

	if (fd_takeover(conn->fd, conn) != 0)
		goto fail;

	/* Point of no return: nothing below can fail. Say so now, before
	 * the old tasklet is woken, so that in the trace the takeover
	 * precedes everything it causes on the victim thread. */
	conn_trace_takeover(conn, orig_tid, old_tl_id, new_tl->id, 1);

	if (h1c->wait_event.events)
		conn_unsubscribe(conn, h1c->wait_event.events,
				 &h1c->wait_event);

	/* To let the tasklet know it should free itself, and do nothing
	 * else, set its context to NULL.
	 */
	tasklet_set_context(old_tl, NULL);
	if (bug_on_mode(BUG_WAKE_OLD_LOCAL))
		tasklet_wakeup(old_tl);		/* BUG: runs on the stealer */
	else
		tasklet_wakeup_on(old_tl, orig_tid);

	old_task = h1c->task;
	if (old_task) {
		task_set_context(old_task, NULL);
		h1c->task = NULL;
		task_kill(old_task);
	}
	new_task->process = h1_timeout_task;
	new_task->context = h1c;
	h1c->task = new_task;		/* idle: not armed */

	new_tl->process = h1_io_cb;
	new_tl->context = h1c;
	new_tl->conn_id = conn->id;
	new_tl->conn_side = SIDE_BACK;
	h1c->wait_event.tasklet = new_tl;
	conn_subscribe(conn, SUB_RETRY_RECV, &h1c->wait_event);
	return 0;

 fail:
	if (new_task)
		task_destroy(new_task);
	tasklet_free(new_tl);
	conn_trace_takeover(conn, orig_tid, old_tl_id, 0, 0);
	return -1;
}

/* Destroy the connection whose mux context is <ctx> (HAProxy h1_destroy()):
 * purge, refused insertion, failed reuse, shutdown. Owner thread; the conn
 * must already be out of any list or the caller holds no lock (conn_free()
 * takes this thread's lock). */
static void h1_destroy(void *ctx)
{
	if (ctx)
		h1_release(ctx);
}

/* The process stops: release front connection <conn> now. A transaction
 * in progress is aborted (its stream and back side go with it). Owner
 * thread, from stop_front. */
static void h1_shutdown(struct connection *conn)
{
	if (conn->ctx)
		h1_release(conn->ctx);
}

const struct mux_ops mux_h1_ops = {
	.name = "h1",
	.id = MUX_H1,
	.flags = 0,
	.init = h1_init,
	.attach = h1_attach,
	.detach = h1_detach,
	.send_resp = h1_send_resp,
	.strm_gone = h1_strm_gone,
	.wake = h1_wake,
	.avail_streams = h1_avail_streams,
	.used_streams = h1_used_streams,
	.takeover = h1_takeover,
	.destroy = h1_destroy,
	.shutdown = h1_shutdown,
};
