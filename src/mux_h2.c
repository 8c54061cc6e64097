/*
 * mux_h2.c - the HTTP/2 multiplexer, front and back (HAProxy mux_h2.c).
 *
 * One struct h2c per connection, one struct h2s per HTTP/2 stream. The mux
 * owns the socket's two buffers and the connection's HPACK state; the
 * framing, the frame validators and the HPACK <-> struct http_msg mapping
 * are the h2 codec's (h2.h). The lab speaks h2c with prior knowledge: no
 * TLS, no ALPN, no Upgrade.
 *
 * Front connection life (created by the listener, "bind ... proto h2"):
 *
 *	accept -> h2_init: our SETTINGS queued, subscribe RECV
 *	  -> client preface, its SETTINGS (we ACK), then for each request:
 *	     HEADERS (+CONTINUATION) -> h2s + stream (stream_new), headers
 *	     into s->req -> stream_notify(); DATA -> s->req.body while it has
 *	     room (else the demux waits: h2c_handle_data()); END_STREAM ends
 *	     the request
 *	  -> process_stream() gets the answer, then h2_send_resp() puts the
 *	     stream in the send list; the tasklet encodes HEADERS, then DATA
 *	     as the body arrives and as far as both flow-control windows
 *	     allow, and, once END_STREAM is in obuf, frees the stream
 *	  -> many streams at once, up to our SETTINGS_MAX_CONCURRENT_STREAMS
 *
 * Back connection life (created by connect_server(), "server ... proto h2"):
 *
 *	h2_init: preface + SETTINGS queued -> h2_attach: a new stream (odd
 *	  id), HEADERS (+DATA as the body arrives) from s->req, then
 *	  TASK_F_USR1 cleared
 *	  -> response HEADERS into s->rsp -> stream_notify(), DATA into
 *	     s->rsp.body while it has room, END_STREAM -> stream_notify()
 *	  -> h2_detach: the h2s goes; no stream left -> set TASK_F_USR1,
 *	     srv_add_to_idle_list(.., 1) (always the safe list) -> another
 *	     thread may take it over (h2_takeover) and we never touch it
 *	     again; streams left and room for more -> the available list
 *	     (owner thread only, never stolen, no USR1)
 *	  -> an idle conn lives until its timeout task (timeout server) says
 *	     GOAWAY, the purge destroys it, or the server closes it (a
 *	     server GOAWAY, PING or SETTINGS wakes the USR1 tasklet: the
 *	     locked path of h2_io_cb(); GOAWAY leaves no stream available
 *	     and the empty connection is released there)
 *
 * The lesson (HAProxy e388f2fbc) lives in the same three places as in
 * mux_h1.c, each marked "USR1": h2_detach() sets the flag before the
 * insertion in the idle list, h2_attach() clears it after the stream
 * exists, h2_io_cb() locks only when its state snapshot has it.
 *
 * Errors (RFC 9113 5.4): a connection error queues GOAWAY with its code,
 * fails every stream (front: the stream is freed, back: 502) and closes
 * once GOAWAY is flushed; a stream error sends RST_STREAM on that stream
 * only. Each connection logs its first error on stderr, once.
 *
 * Differences from HAProxy at e388f2fbc, on purpose:
 *   - no conn_stream / HTX: headers are held whole in struct http_msg,
 *     bodies pass through its bounded FIFO; a DATA frame is taken whole
 *     once the FIFO is under tune.bufsize (HAProxy copies part of a
 *     frame into the stream's rxbuf), else the demux waits for room, as
 *     HAProxy's does with H2_CF_DEM_SFULL;
 *   - the receive windows are given back as soon as a frame is in the
 *     stream's FIFO (WINDOW_UPDATE for the stream and the connection):
 *     a full FIFO stops the demux, so the peer is held by both windows;
 *   - streams are found by a list walk (HAProxy: the streams_by_id
 *     ebtree), fine for the 100 streams a connection may carry;
 *   - no stream priorities, no server push, no CONNECT (as the codec);
 *   - an idle back connection's timeout is armed by h2_detach() before it
 *     is published (HAProxy arms it at the end of the previous
 *     h2_process(), which saw the stream still attached);
 *   - h2_takeover() allocates its task and tasklet before the point of no
 *     return, the order HAProxy adopted in 4f02e3da6 (2023).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "activity.h"
#include "buf.h"
#include "connection.h"
#include "fd.h"
#include "flags-t.h"
#include "h2.h"
#include "http_msg.h"
#include "lab.h"
#include "mux.h"
#include "mux_h2.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

/* ibuf holds at least one whole frame of our SETTINGS_MAX_FRAME_SIZE
 * (16384, the default we never raise) plus what follows it: two frames.
 * It is what a connection whose demux waits for room holds, so it is
 * kept small (HAProxy: one tune.bufsize). */
#define H2_IBUF_SIZE	32768

/* Frames are produced into obuf until it holds this much; then the mux
 * and the demux pause until the socket took some (HAProxy: mbuf full). */
#define H2_OBUF_HIGH	65536

/* An obuf area larger than this is freed once drained. */
#define H2_OBUF_KEEP	65536

/* Our SETTINGS_MAX_CONCURRENT_STREAMS on the front, and the most streams
 * we open on a back connection whatever the server allows (HAProxy
 * tune.h2.max-concurrent-streams, default 100). */
#define H2_MAX_STREAMS	100

/* Highest stream id (2^31 - 1). */
#define H2_MAX_SID	0x7fffffffU

/* h2c.flags */
#define H2_CF_RCVD_SHUT		0x00000001 /* the peer closed (read0) */
#define H2_CF_ERROR		0x00000002 /* socket error: nothing more moves */
#define H2_CF_GOAWAY_SENT	0x00000004 /* we said GOAWAY: no new stream */
#define H2_CF_GOAWAY_RCVD	0x00000008 /* the peer did: no new stream */
#define H2_CF_DEM_BLOCKED	0x00000010 /* demux paused: obuf over its mark */
#define H2_CF_LOGGED		0x00000020 /* this conn's error was logged */
#define H2_CF_MUX_BLOCKED	0x00000040 /* mux paused: obuf over its mark */
#define H2_CF_DEM_SFULL		0x00000100 /* demux paused: a stream's body
					    * FIFO is full (that side wakes
					    * us: h2_wake()) */
#define H2_CF_IS_BACK		0x80000000 /* back side connection */

/* Connection states (HAProxy enum h2_cs, reduced). */
enum h2_cs {
	H2_CS_PREFACE = 0,	/* front: waiting for the client preface */
	H2_CS_SETTINGS1,	/* waiting for the peer's first SETTINGS */
	H2_CS_FRAME,		/* normal frame processing */
	H2_CS_ERROR,		/* connection error: GOAWAY queued, no more
				 * input is processed, close once flushed */
};

/* Stream states (RFC 9113 5.1; HAProxy enum h2_ss). */
enum h2_ss {
	H2_SS_OPEN = 0,		/* both directions open */
	H2_SS_HREM,		/* half-closed (remote): peer sent END_STREAM */
	H2_SS_HLOC,		/* half-closed (local): we sent END_STREAM */
	H2_SS_CLOSED,		/* both done, or reset */
};

/* h2s.flags */
#define H2_SF_HDRS_RCVD		0x00000001 /* request / final response
					    * headers received */
#define H2_SF_ES_RCVD		0x00000002 /* peer's END_STREAM seen */
#define H2_SF_HDRS_SENT		0x00000004 /* our HEADERS are in obuf */
#define H2_SF_ES_SENT		0x00000008 /* our END_STREAM is in obuf */
#define H2_SF_RST_SENT		0x00000010 /* we reset the stream */
#define H2_SF_RST_RCVD		0x00000020 /* the peer reset it */
#define H2_SF_OUT		0x00000040 /* has output: in the send list */
#define H2_SF_ERR_SENT		0x00000080 /* back: the stream was told of
					    * an error (once) */

/* One HTTP/2 stream (HAProxy struct h2s). */
struct h2s {
	struct h2c *h2c;		/* its connection */
	struct stream *s;		/* the transaction, NULL once gone */
	uint32_t id;			/* HTTP/2 stream id */
	enum h2_ss st;
	unsigned int flags;		/* H2_SF_* */
	int32_t sws;			/* send window (the peer's grant) */
	int32_t rws;			/* what the peer may still send us */
	uint64_t rcvd_body;		/* DATA bytes received (content-length
					 * check, RFC 9113 8.1.1) */
	struct list list;		/* in h2c->streams, by creation */
	struct list send_list;		/* in h2c->send_list while H2_SF_OUT */
};

/* Streams reset by us that a connection remembers once they are freed.
 * HAProxy keeps none and ignores every frame on a stream it forgot (it
 * cannot tell whether it reset it); muxlab answers DATA on a forgotten
 * stream with RST_STREAM(STREAM_CLOSED) (RFC 9113 6.1) unless it is one of
 * the last streams it reset itself (RFC 9113 5.1: such frames are
 * ignored, the peer may have sent them before our RST arrived). */
#define H2C_RST_MEM	16

/* An HTTP/2 connection (HAProxy struct h2c). Owned by the thread that owns
 * the connection; a takeover moves it whole to the stealing thread. */
struct h2c {
	struct connection *conn;
	struct proxy *px;		/* frontend or backend: timeouts */
	unsigned int flags;		/* H2_CF_* */
	enum h2_cs st0;			/* connection state */
	uint32_t errcode;		/* GOAWAY code we sent */
	struct buffer ibuf;		/* bytes read, not parsed yet */
	struct buffer obuf;		/* frames built, not sent yet */
	struct buffer hbuf;		/* scratch: one encoded field block */
	struct wait_event wait_event;	/* our I/O tasklet + subscriptions */
	struct task *task;		/* timeout task, NULL once it fired */
	struct h2_hpack hpack;		/* encoder + decoder */
	struct h2_hblock hblock;	/* HEADERS + CONTINUATION assembly */
	struct h2_settings peer;	/* the peer's settings */
	int32_t mws;			/* connection send window */
	int32_t rws;			/* connection receive window left */
	uint32_t rcvd_c;		/* received, not yet given back */
	uint32_t max_id;		/* highest stream id in use so far
					 * (front: opened by the client; back:
					 * opened by us) */
	uint32_t next_sid;		/* back: id of our next stream */
	uint32_t last_sid;		/* GOAWAY received: last stream the
					 * peer processes (if GOAWAY_RCVD) */
	uint64_t nb_reqs;		/* front: streams created so far */
	struct list streams;		/* every h2s */
	struct list send_list;		/* h2s with output, in order */
	int nb_streams;			/* h2s in <streams> */
	int nb_sc;			/* h2s with a stream attached */
	struct http_msg scratch;	/* decode target (swapped into the
					 * stream, or thrown away) */
	uint32_t rst_sids[H2C_RST_MEM];	/* the last streams we reset: frames
					 * the peer sent on them before it
					 * saw our RST_STREAM are ignored */
	unsigned int rst_n;		/* RSTs sent (next slot: % MEM) */
};

static void h2_release(struct h2c *h2c);
static int h2_send(struct h2c *h2c);
static int h2_avail_streams(struct connection *conn);

/* ---------------------------------------------------------------- names */

/*
 * h2c_show_flags - decode H2 connection flags.
 * @buf:   output
 * @len:   its size
 * @flags: H2_CF_* word
 *
 * Return: @buf, holding "GOAWAY_RCVD|IS_BACK", unknown bits in hex, or
 * "0" (flags_show()).
 * Context: any thread; pure.
 */
const char *h2c_show_flags(char *buf, unsigned long len, unsigned int flags)
{
	static const struct flag_name names[] = {
		{ H2_CF_RCVD_SHUT, "RCVD_SHUT" },
		{ H2_CF_ERROR, "ERROR" },
		{ H2_CF_GOAWAY_SENT, "GOAWAY_SENT" },
		{ H2_CF_GOAWAY_RCVD, "GOAWAY_RCVD" },
		{ H2_CF_DEM_BLOCKED, "DEM_BLOCKED" },
		{ H2_CF_LOGGED, "LOGGED" },
		{ H2_CF_MUX_BLOCKED, "MUX_BLOCKED" },
		{ H2_CF_DEM_SFULL, "DEM_SFULL" },
		{ H2_CF_IS_BACK, "IS_BACK" },
	};

	return flags_show(buf, len, flags, names, FLAG_NAMES_NB(names));
}

/* RFC 9113 7 names, for the log. */
static const char *h2_err_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR",
		"FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
		"FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
		"COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] :
							 "UNKNOWN";
}

static inline int h2c_is_back(const struct h2c *h2c)
{
	return !!(h2c->flags & H2_CF_IS_BACK);
}

/* Log the first protocol problem of <h2c> on stderr; later ones stay
 * silent, so a misbehaving peer cannot flood the log. */
static void h2c_log(struct h2c *h2c, const char *scope, uint32_t code,
		    const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (h2c->flags & H2_CF_LOGGED)
		return;
	h2c->flags |= H2_CF_LOGGED;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "muxlab: h2 %s conn %llu: %s %s: %s\n",
		h2c_is_back(h2c) ? "back" : "front",
		(unsigned long long)h2c->conn->id, scope, h2_err_name(code),
		why);
}

/* absolute expiry <ms> from now, 0 (never) for a zero timeout */
static inline uint64_t h2_exp(unsigned int ms)
{
	return ms ? now_mono_ns() + (uint64_t)ms * 1000000ULL : 0;
}

/* ------------------------------------------------------------------ h2s */

static struct h2s *h2c_find(struct h2c *h2c, uint32_t id)
{
	struct list *pos;

	for (pos = h2c->streams.n; pos != &h2c->streams; pos = pos->n) {
		struct h2s *h2s = list_elem(pos, struct h2s, list);

		if (h2s->id == id)
			return h2s;
	}
	return NULL;
}

/* Is <id> a stream that was never opened (RFC 9113 5.1 "idle")? We never
 * push and disable push, so an even id is always idle; an odd one is idle
 * above the highest opened so far. */
static int h2c_sid_is_idle(const struct h2c *h2c, uint32_t id)
{
	if (!(id & 1))
		return 1;
	if (h2c_is_back(h2c))
		return id >= h2c->next_sid;
	return id > h2c->max_id;
}

static struct h2s *h2s_new(struct h2c *h2c, uint32_t id)
{
	struct h2s *h2s = calloc(1, sizeof(*h2s));

	if (!h2s)
		return NULL;
	h2s->h2c = h2c;
	h2s->id = id;
	h2s->st = H2_SS_OPEN;
	h2s->sws = (int32_t)h2c->peer.initial_window_size;
	h2s->rws = H2_DEFAULT_WINDOW;
	list_init(&h2s->send_list);
	list_append(&h2c->streams, &h2s->list);
	h2c->nb_streams++;
	if (id > h2c->max_id)
		h2c->max_id = id;
	return h2s;
}

/* Queue <h2s> for the mux (output to produce). */
static void h2s_want_send(struct h2s *h2s)
{
	if (h2s->flags & H2_SF_OUT)
		return;
	h2s->flags |= H2_SF_OUT;
	list_append(&h2s->h2c->send_list, &h2s->send_list);
}

static void h2s_stop_send(struct h2s *h2s)
{
	if (!(h2s->flags & H2_SF_OUT))
		return;
	h2s->flags &= ~H2_SF_OUT;
	list_delete(&h2s->send_list);
}

/* Forget <h2s> (HAProxy h2s_destroy()). Whatever references it (s->fctx or
 * s->bctx) was cleared by the caller. */
static void h2s_free(struct h2s *h2s)
{
	struct h2c *h2c = h2s->h2c;

	h2s_stop_send(h2s);
	list_delete(&h2s->list);
	h2c->nb_streams--;
	if (h2s->s)
		h2c->nb_sc--;
	free(h2s);
	/* the demux may have been waiting for this stream's room: its
	 * frames are now for a forgotten stream, go on */
	if (h2c->flags & H2_CF_DEM_SFULL)
		tasklet_wakeup(h2c->wait_event.tasklet);
}

/* Our END_STREAM went out: the state moves to half-closed (local) or
 * closed. */
static void h2s_close_local(struct h2s *h2s)
{
	h2s->flags |= H2_SF_ES_SENT;
	h2s->st = (h2s->st == H2_SS_HREM) ? H2_SS_CLOSED : H2_SS_HLOC;
}

/* The peer's END_STREAM arrived. */
static void h2s_close_remote(struct h2s *h2s)
{
	h2s->flags |= H2_SF_ES_RCVD;
	h2s->st = (h2s->st == H2_SS_HLOC) ? H2_SS_CLOSED : H2_SS_HREM;
}

/* Back: tell the stream of <h2s>, once, that its server side failed. The
 * h2s stays until the stream detaches (the stream still points to it). */
static void h2s_report_srv_error(struct h2s *h2s, int status)
{
	struct stream *s = h2s->s;

	if (!s || (h2s->flags & (H2_SF_ERR_SENT)) ||
	    (s->rsp.flags & HTTP_MSGF_BODY_DONE))
		return;
	h2s->flags |= H2_SF_ERR_SENT;
	stream_srv_error(s, status);
}

/* Back: the server did not process the request of <h2s> (REFUSED_STREAM,
 * or a stream above GOAWAY's last-stream-id, RFC 9113 8.7): the stream may
 * send it again on another connection (retries). */
static void h2s_report_refused(struct h2s *h2s)
{
	struct stream *s = h2s->s;

	if (s && !(h2s->flags & (H2_SF_ERR_SENT | H2_SF_HDRS_RCVD)))
		s->flags |= SF_SRV_REFUSED;
	h2s_report_srv_error(h2s, 502);
}

/* Front: the client side of <h2s> is gone (reset, connection error): the
 * transaction is abandoned. stream_free() aborts its back side. */
static void h2s_front_abort(struct h2s *h2s)
{
	struct stream *s = h2s->s;

	if (s) {
		h2s->s = NULL;
		h2s->h2c->nb_sc--;
		s->fctx = NULL;		/* we know: no strm_gone() */
		stream_free(s);
	}
	h2s_free(h2s);
}

/* Queue RST_STREAM(<code>) for stream <id>, at most once per h2s. */
static void h2c_send_rst(struct h2c *h2c, struct h2s *h2s, uint32_t id,
			 uint32_t code)
{
	if (h2s) {
		if (h2s->flags & (H2_SF_RST_SENT | H2_SF_RST_RCVD))
			return;
		h2s->flags |= H2_SF_RST_SENT;
		h2s->st = H2_SS_CLOSED;
		h2s_stop_send(h2s);
	}
	h2_emit_rst_stream(&h2c->obuf, id, code);
	h2c->rst_sids[h2c->rst_n++ % H2C_RST_MEM] = id;
}

/* Did we reset stream <id> lately (h2c_send_rst())? */
static int h2c_reset_lately(const struct h2c *h2c, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < H2C_RST_MEM && i < h2c->rst_n; i++)
		if (h2c->rst_sids[i] == id)
			return 1;
	return 0;
}

/*
 * A stream error (RFC 9113 5.4.2) on stream <id> (<h2s> if we have it):
 * RST_STREAM with <code>; the front frees the stream, the back tells it
 * 502 and keeps the h2s until its detach. The connection carries on.
 */
static void h2c_stream_error(struct h2c *h2c, struct h2s *h2s, uint32_t id,
			     uint32_t code, const char *why)
{
	h2c_log(h2c, "stream error", code, "stream %u: %s", id, why);
	h2c_send_rst(h2c, h2s, id, code);
	if (!h2s)
		return;
	if (h2c_is_back(h2c)) {
		h2s_report_srv_error(h2s, 502);
	} else {
		if (h2s->s && !(h2s->s->flags & SF_REQ_READY))
			ACT.req_err++;	/* never reached the stream layer */
		h2s_front_abort(h2s);
	}
}

/*
 * A connection error (RFC 9113 5.4.1): GOAWAY with <code>, every stream
 * fails, no more input is processed; the connection is released once the
 * GOAWAY is flushed and the back streams detached (h2c_is_dead()).
 * <status> is what back streams are told (502, or 504 for a timeout).
 */
static void h2c_error_status(struct h2c *h2c, uint32_t code, int status,
			     const char *why)
{
	struct list *pos, *tmp;

	if (h2c->st0 >= H2_CS_ERROR)
		return;
	if (code != H2_ERR_NO_ERROR)
		h2c_log(h2c, "connection error", code, "%s", why);
	h2c->st0 = H2_CS_ERROR;
	h2c->errcode = code;
	if (!(h2c->flags & (H2_CF_GOAWAY_SENT | H2_CF_ERROR))) {
		h2c->flags |= H2_CF_GOAWAY_SENT;
		/* last stream we processed: the client's highest on the
		 * front; we never process server-initiated ones */
		h2_emit_goaway(&h2c->obuf, h2c_is_back(h2c) ? 0 : h2c->max_id,
			       code, NULL, 0);
	}
	b_reset(&h2c->ibuf);
	list_for_each_safe(pos, tmp, &h2c->streams) {
		struct h2s *h2s = list_elem(pos, struct h2s, list);

		h2s_stop_send(h2s);
		if (h2c_is_back(h2c)) {
			h2s->st = H2_SS_CLOSED;
			h2s_report_srv_error(h2s, status);
		} else {
			h2s_front_abort(h2s);
		}
	}
}

static void h2c_error(struct h2c *h2c, uint32_t code, const char *why)
{
	h2c_error_status(h2c, code, 502, why);
}

/* ------------------------------------------------------------ timeouts */

/* Re-arm the timeout task for the state the connection is in (HAProxy
 * h2c_update_timeout() / h2c_may_expire()). Back: an idle connection (no
 * stream) gets the server timeout, which is how an unused h2 backend
 * connection ends if the server keeps it (HAProxy: GOAWAY then close); a
 * busy one gets none (each stream has its own server timer) except the
 * connect timeout while connecting. Front: idle -> http-keep-alive (else
 * client); a request still arriving or a response still leaving (flow
 * control, slow reader) -> client; streams waiting for the server -> none;
 * after an error -> client, to flush the GOAWAY. */
static void h2_refresh_timeout(struct h2c *h2c)
{
	struct proxy *px = h2c->px;
	unsigned int ms = 0;
	struct list *pos;

	if (!h2c->task || !px)
		return;
	if (h2c_is_back(h2c)) {
		if (h2c->conn->flags & CO_FL_WAIT_L4_CONN)
			ms = px->timeout_connect ? px->timeout_connect :
						   px->timeout_server;
		else if (!h2c->nb_streams || h2c->st0 >= H2_CS_ERROR)
			ms = px->timeout_server;
	} else if (h2c->st0 >= H2_CS_ERROR || b_data(&h2c->obuf) ||
		   !list_isempty(&h2c->send_list)) {
		ms = px->timeout_client;
	} else if (!h2c->nb_streams) {
		ms = px->timeout_http_ka ? px->timeout_http_ka :
					   px->timeout_client;
	} else {
		for (pos = h2c->streams.n; pos != &h2c->streams;
		     pos = pos->n) {
			struct h2s *h2s = list_elem(pos, struct h2s, list);

			if (!(h2s->flags & H2_SF_ES_RCVD)) {
				ms = px->timeout_client;
				break;
			}
		}
	}
	task_schedule(h2c->task, h2_exp(ms));
}

/* ------------------------------------------------------------------ I/O */

/* Read what the socket has into ibuf (HAProxy h2_recv()). Nothing is read
 * after a connection error, a read0 or a socket error, nor while ibuf is
 * full (h2_process() resumes once it parsed some). Returns 1 if anything
 * happened (bytes, read0, error), else 0. */
static int h2_recv(struct h2c *h2c)
{
	struct connection *conn = h2c->conn;
	ssize_t ret;
	int rcvd = 0;

	if (h2c->st0 >= H2_CS_ERROR ||
	    (h2c->flags & (H2_CF_RCVD_SHUT | H2_CF_ERROR)))
		return 0;

	while (b_data(&h2c->ibuf) < H2_IBUF_SIZE) {
		ret = conn_recv(conn, &h2c->ibuf, H2_IBUF_SIZE);
		if (ret > 0) {
			rcvd = 1;
			if (conn_recv_more(conn))
				continue;
			ret = 0;	/* drained: wait for the poller */
		}
		if (ret == 0) {
			if (b_data(&h2c->ibuf) < H2_IBUF_SIZE)
				conn_subscribe(conn, SUB_RETRY_RECV,
					       &h2c->wait_event);
			break;
		}
		if (conn->flags & CO_FL_ERROR)
			h2c->flags |= H2_CF_ERROR;
		else
			h2c->flags |= H2_CF_RCVD_SHUT;
		rcvd = 1;
		break;
	}
	return rcvd;
}

/* Send what obuf holds (HAProxy h2_send()). Subscribes for SEND when the
 * socket would block (also while a connect() is in progress). A write
 * error drops the output and sets H2_CF_ERROR. Returns 1 if anything
 * happened (bytes sent, error), else 0. */
static int h2_send(struct h2c *h2c)
{
	struct connection *conn = h2c->conn;
	ssize_t ret;
	int sent = 0;

	while (b_data(&h2c->obuf)) {
		if (h2c->flags & H2_CF_ERROR)
			ret = -1;
		else
			ret = conn_send(conn, &h2c->obuf);
		if (ret > 0) {
			sent = 1;
			continue;
		}
		if (ret == 0) {
			conn_subscribe(conn, SUB_RETRY_SEND, &h2c->wait_event);
			return sent;
		}
		h2c->flags |= H2_CF_ERROR;
		b_reset(&h2c->obuf);
		sent = 1;
	}

	/* obuf is empty */
	if (h2c->wait_event.events & SUB_RETRY_SEND)
		conn_unsubscribe(conn, SUB_RETRY_SEND, &h2c->wait_event);
	if (h2c->obuf.size > H2_OBUF_KEEP)
		b_free(&h2c->obuf);
	return sent;
}

/* ------------------------------------------------------------- the mux */

/* The message <h2s> sends: the response on the front, the request on the
 * back. */
static inline struct http_msg *h2s_out_msg(struct h2s *h2s)
{
	return h2c_is_back(h2s->h2c) ? &h2s->s->req : &h2s->s->rsp;
}

/* Must the message <h2s> sends go without body? A response to HEAD, or
 * 1xx/204/304 (RFC 9110 6.4.1). */
static int h2s_out_no_body(struct h2s *h2s)
{
	struct http_msg *msg = h2s_out_msg(h2s);

	if (h2c_is_back(h2s->h2c))
		return 0;
	return (msg->flags & HTTP_MSGF_NO_BODY) || (h2s->s->flags & SF_HEAD) ||
	       msg->status < 200 || msg->status == 204 || msg->status == 304;
}

/* Body bytes of <msg> left: the other side may add more if it waited. */
static void h2s_body_taken(struct h2s *h2s, struct http_msg *msg)
{
	if (!(msg->flags & HTTP_MSGF_WAIT_ROOM) || !http_body_room(msg))
		return;
	msg->flags &= ~HTTP_MSGF_WAIT_ROOM;
	if (h2c_is_back(h2s->h2c))
		stream_wake_front(h2s->s);
	else
		stream_wake_back(h2s->s);
}

/* Produce <h2s>'s frames into obuf (HAProxy h2_snd_buf() + h2s_frt_make_
 * resp_headers()/h2s_bck_make_req_headers() + h2s_make_data()): HEADERS
 * (+CONTINUATION) first, then DATA from the message's body FIFO as far as
 * the stream window, the connection window and the obuf mark allow, with
 * END_STREAM once the other side completed the message and all of it is
 * framed. Returns 1 once END_STREAM is in obuf, 0 if blocked (window or
 * room), 2 if waiting for body bytes (h2_wake() queues us again), -1 after
 * a connection error. */
static int h2s_make_frames(struct h2s *h2s)
{
	struct h2c *h2c = h2s->h2c;
	struct http_msg *msg = h2s_out_msg(h2s);
	int no_body = h2s_out_no_body(h2s);
	size_t avail, n;
	int ret, es, moved = 0;

	if (!(h2s->flags & H2_SF_HDRS_SENT)) {
		es = no_body || http_msg_eom(msg);
		b_reset(&h2c->hbuf);
		ret = h2c_is_back(h2c) ?
		      h2_hpack_encode_req(&h2c->hpack, msg, &h2c->hbuf) :
		      h2_hpack_encode_resp(&h2c->hpack, msg, &h2c->hbuf);
		if (ret < 0 ||
		    h2_emit_headers(&h2c->obuf, h2s->id,
				    (const uint8_t *)b_head(&h2c->hbuf),
				    b_data(&h2c->hbuf), es,
				    h2c->peer.max_frame_size) < 0) {
			/* the encoder's table may now differ from the
			 * peer's decoder: nothing more can be sent */
			h2c_error(h2c, H2_ERR_INTERNAL_ERROR,
				  "cannot encode a field block");
			return -1;
		}
		h2s->flags |= H2_SF_HDRS_SENT;
		if (es) {
			h2s_close_local(h2s);
			return 1;
		}
	}

	while ((avail = http_body_avail(msg)) != 0) {
		if (b_data(&h2c->obuf) >= H2_OBUF_HIGH) {
			h2c->flags |= H2_CF_MUX_BLOCKED;
			break;
		}
		if (h2s->sws <= 0 || h2c->mws <= 0)
			break;		/* a WINDOW_UPDATE will resume us */
		n = avail;
		n = MIN(n, (size_t)h2s->sws);
		n = MIN(n, (size_t)h2c->mws);
		n = MIN(n, (size_t)H2_OBUF_HIGH);
		es = n == avail && (msg->flags & HTTP_MSGF_BODY_DONE);
		if (h2_emit_data(&h2c->obuf, h2s->id,
				 (const uint8_t *)http_body_ptr(msg), n, es,
				 h2c->peer.max_frame_size) < 0) {
			h2c_error(h2c, H2_ERR_INTERNAL_ERROR,
				  "output buffer full");
			return -1;
		}
		http_body_forwarded(msg, n);
		h2s->sws -= (int32_t)n;
		h2c->mws -= (int32_t)n;
		moved = 1;
		if (es) {
			h2s_close_local(h2s);
			h2s_body_taken(h2s, msg);
			return 1;
		}
	}
	if (moved)
		h2s_body_taken(h2s, msg);
	if (http_body_avail(msg))
		return 0;		/* blocked */
	if (!(msg->flags & HTTP_MSGF_BODY_DONE))
		return 2;		/* the other side sends more */
	/* all framed already, the end came later: an empty DATA ends it */
	if (b_data(&h2c->obuf) >= H2_OBUF_HIGH) {
		h2c->flags |= H2_CF_MUX_BLOCKED;
		return 0;
	}
	if (h2_emit_data(&h2c->obuf, h2s->id, NULL, 0, 1,
			 h2c->peer.max_frame_size) < 0) {
		h2c_error(h2c, H2_ERR_INTERNAL_ERROR, "output buffer full");
		return -1;
	}
	h2s_close_local(h2s);
	return 1;
}

/* Front: the whole response of <h2s> is in obuf. If the client is still
 * sending its request, tell it to stop (RST_STREAM NO_ERROR, RFC 9113
 * 8.1). The stream is freed: its response was copied into frames. */
static void h2s_front_done(struct h2s *h2s)
{
	struct stream *s = h2s->s;

	if (h2s->st != H2_SS_CLOSED)
		h2c_send_rst(h2s->h2c, h2s, h2s->id, H2_ERR_NO_ERROR);
	if (s) {
		h2s->s = NULL;
		h2s->h2c->nb_sc--;
		s->fctx = NULL;		/* we know: no strm_gone() */
		stream_free(s);
	}
	h2s_free(h2s);
}

/* Produce frames for the streams that have output, in order (HAProxy
 * h2_process_mux()), until obuf reaches its mark. */
static void h2_process_mux(struct h2c *h2c)
{
	struct list *pos, *tmp;
	int ret;

	h2c->flags &= ~H2_CF_MUX_BLOCKED;
	if (h2c->st0 >= H2_CS_ERROR)
		return;
	list_for_each_safe(pos, tmp, &h2c->send_list) {
		struct h2s *h2s = list_elem(pos, struct h2s, send_list);

		if (b_data(&h2c->obuf) >= H2_OBUF_HIGH) {
			h2c->flags |= H2_CF_MUX_BLOCKED;
			break;
		}
		ret = h2s_make_frames(h2s);
		if (ret < 0)
			return;		/* connection error: lists changed */
		if (ret == 0)
			continue;
		h2s_stop_send(h2s);
		if (ret == 2)
			continue;	/* h2_wake() queues it again */
		if (!h2c_is_back(h2c))
			h2s_front_done(h2s);
	}
}

/* ----------------------------------------------------------- the demux */

/* Give back the connection window for what was consumed. */
static void h2c_ack_rcvd(struct h2c *h2c)
{
	if (!h2c->rcvd_c || h2c->st0 >= H2_CS_ERROR)
		return;
	if (h2_emit_window_update(&h2c->obuf, 0, h2c->rcvd_c) == 0) {
		h2c->rws += (int32_t)h2c->rcvd_c;
		h2c->rcvd_c = 0;
	}
}

/* Front: the request of <h2s> is complete (END_STREAM): check the
 * content-length against the DATA received, then tell the stream (the
 * headers were handed over already unless END_STREAM came with them). */
static void h2s_req_end(struct h2s *h2s)
{
	struct h2c *h2c = h2s->h2c;
	struct stream *s = h2s->s;

	h2s_close_remote(h2s);
	if ((s->req.flags & HTTP_MSGF_CLEN) && s->req.clen != h2s->rcvd_body) {
		h2c_stream_error(h2c, h2s, h2s->id, H2_ERR_PROTOCOL_ERROR,
				 "content-length mismatch");
		return;
	}
	s->req.flags |= HTTP_MSGF_BODY_DONE;
	if (!(s->flags & SF_REQ_READY)) {
		s->flags |= SF_REQ_READY;
		stream_notify(s);
	} else {
		stream_wake_back(s);	/* the back side ends the request */
	}
}

/* Back: the response of <h2s> is complete (END_STREAM). */
static void h2s_rsp_end(struct h2s *h2s)
{
	struct h2c *h2c = h2s->h2c;
	struct stream *s = h2s->s;

	h2s_close_remote(h2s);
	if (!s || (h2s->flags & H2_SF_ERR_SENT))
		return;
	if (!(s->rsp.flags & HTTP_MSGF_NO_BODY) &&
	    (s->rsp.flags & HTTP_MSGF_CLEN) && s->rsp.clen != h2s->rcvd_body) {
		h2c_stream_error(h2c, h2s, h2s->id, H2_ERR_PROTOCOL_ERROR,
				 "content-length mismatch");
		return;
	}
	s->rsp.flags |= HTTP_MSGF_BODY_DONE;
	stream_rsp_done(s);
}

/* Swap the decoded scratch message into <dst> (a stream's message), so
 * that neither side allocates: the stream's old storage becomes the next
 * scratch. */
static void h2c_take_scratch(struct h2c *h2c, struct http_msg *dst)
{
	struct http_msg tmp = *dst;

	*dst = h2c->scratch;
	h2c->scratch = tmp;
	/* the scratch only ever decodes headers: a body area it inherited
	 * would be pinned for the life of the connection */
	b_free(&h2c->scratch.body);
}

/* Decode the complete field block in h2c->hblock into the scratch
 * message. Returns the h2_hpack_decode() result; a COMPRESSION failure is
 * turned into the connection error here. */
static int h2c_decode_block(struct h2c *h2c, int is_resp)
{
	int ret;

	http_msg_reset(&h2c->scratch, is_resp);
	ret = h2_hpack_decode(&h2c->hpack,
			      (const uint8_t *)b_head(&h2c->hblock.buf),
			      b_data(&h2c->hblock.buf), &h2c->scratch, is_resp);
	if (ret == H2_HPACK_COMPRESSION)
		h2c_error(h2c, H2_ERR_COMPRESSION_ERROR, "bad HPACK block");
	return ret;
}

/* Front: a complete field block from the client (HAProxy h2c_frt_handle_
 * headers()): a new request, or trailers of one in progress. */
static void h2c_frt_handle_headers(struct h2c *h2c)
{
	struct h2_hblock *hb = &h2c->hblock;
	uint32_t id = hb->sid;
	struct h2s *h2s;
	struct stream *s;
	int ret;

	if (!(id & 1)) {
		h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
			  "HEADERS on an even stream id");
		return;
	}

	h2s = h2c_find(h2c, id);
	if (h2s) {
		/* trailers: decoded to keep HPACK in step, then dropped */
		if (h2c_decode_block(h2c, 0) == H2_HPACK_COMPRESSION)
			return;
		if (h2s->st != H2_SS_OPEN && h2s->st != H2_SS_HLOC) {
			h2c_stream_error(h2c, h2s, id, H2_ERR_STREAM_CLOSED,
					 "HEADERS after END_STREAM");
			return;
		}
		if (!hb->end_stream) {
			h2c_stream_error(h2c, h2s, id, H2_ERR_PROTOCOL_ERROR,
					 "trailers without END_STREAM");
			return;
		}
		h2s_req_end(h2s);
		return;
	}

	if (id <= h2c->max_id) {
		/* RFC 9113 5.1.1: a new stream id must be above every id
		 * the client used; this one is closed (or was skipped) */
		if (h2c_decode_block(h2c, 0) == H2_HPACK_COMPRESSION)
			return;
		h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
			  "HEADERS on a closed stream id");
		return;
	}

	ret = h2c_decode_block(h2c, 0);
	h2c->max_id = id;
	if (ret == H2_HPACK_COMPRESSION)
		return;
	if (h2c->flags & H2_CF_GOAWAY_SENT)
		return;		/* above our GOAWAY's last id: ignored */
	if (hb->stream_err) {
		ACT.req_err++;
		h2c_stream_error(h2c, NULL, id, hb->stream_err,
				 "bad priority in HEADERS");
		return;
	}
	if (ret != H2_HPACK_OK) {
		ACT.req_err++;
		h2c_stream_error(h2c, NULL, id, H2_ERR_PROTOCOL_ERROR,
				 ret == H2_HPACK_TOO_LARGE ?
				 "request headers too large" :
				 "malformed request headers");
		return;
	}
	if (h2c->nb_streams >= H2_MAX_STREAMS || stopping) {
		/* over our SETTINGS_MAX_CONCURRENT_STREAMS: the client may
		 * retry it (RFC 9113 5.1.2) */
		h2c_send_rst(h2c, NULL, id, H2_ERR_REFUSED_STREAM);
		return;
	}

	h2s = h2s_new(h2c, id);
	if (!h2s) {
		h2c_send_rst(h2c, NULL, id, H2_ERR_REFUSED_STREAM);
		return;
	}
	s = stream_new(h2c->conn, h2s);
	if (!s) {
		h2c_send_rst(h2c, h2s, id, H2_ERR_REFUSED_STREAM);
		h2s_free(h2s);
		return;
	}
	h2s->s = s;
	h2c->nb_sc++;
	if (h2c->nb_reqs++)
		s->flags |= SF_NOT_FIRST;
	h2c_take_scratch(h2c, &s->req);
	if (hstr_eq(&s->req, s->req.method, "HEAD"))
		s->flags |= SF_HEAD;
	h2s->flags |= H2_SF_HDRS_RCVD;
	if (hb->end_stream) {
		h2s_req_end(h2s);
	} else {
		/* the body follows through s->req.body */
		s->flags |= SF_REQ_READY;
		stream_notify(s);
	}
}

/* Back: a complete field block from the server (HAProxy h2c_bck_handle_
 * headers()): the response headers (interim 1xx skipped), or trailers. */
static void h2c_bck_handle_headers(struct h2c *h2c)
{
	struct h2_hblock *hb = &h2c->hblock;
	uint32_t id = hb->sid;
	struct h2s *h2s = h2c_find(h2c, id);
	struct stream *s;
	int ret;

	if (!h2s) {
		if (h2c_decode_block(h2c, 1) == H2_HPACK_COMPRESSION)
			return;
		if (h2c_sid_is_idle(h2c, id))
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "HEADERS on an idle stream");
		/* else a stream we reset or left: ignored (RFC 9113 5.1) */
		return;
	}
	if (h2s->flags & H2_SF_HDRS_RCVD) {
		/* trailers: decoded to keep HPACK in step, then dropped */
		if (h2c_decode_block(h2c, 1) == H2_HPACK_COMPRESSION)
			return;
		if (h2s->st != H2_SS_OPEN && h2s->st != H2_SS_HLOC) {
			h2c_stream_error(h2c, h2s, id, H2_ERR_STREAM_CLOSED,
					 "HEADERS after END_STREAM");
			return;
		}
		if (!hb->end_stream) {
			h2c_stream_error(h2c, h2s, id, H2_ERR_PROTOCOL_ERROR,
					 "trailers without END_STREAM");
			return;
		}
		h2s_rsp_end(h2s);
		return;
	}

	ret = h2c_decode_block(h2c, 1);
	if (ret == H2_HPACK_COMPRESSION)
		return;
	if (h2s->st != H2_SS_OPEN && h2s->st != H2_SS_HLOC) {
		if (!(h2s->flags & (H2_SF_RST_SENT | H2_SF_RST_RCVD)))
			h2c_stream_error(h2c, h2s, id, H2_ERR_STREAM_CLOSED,
					 "HEADERS after END_STREAM");
		return;
	}
	if (hb->stream_err || ret != H2_HPACK_OK) {
		h2c_stream_error(h2c, h2s, id, hb->stream_err ?
				 hb->stream_err : H2_ERR_PROTOCOL_ERROR,
				 "malformed response headers");
		return;
	}
	if (h2c->scratch.status < 200) {
		/* 1xx: informational, the final response follows */
		if (hb->end_stream)
			h2c_stream_error(h2c, h2s, id, H2_ERR_PROTOCOL_ERROR,
					 "1xx with END_STREAM");
		return;
	}
	s = h2s->s;
	h2s->flags |= H2_SF_HDRS_RCVD;
	if (s && !(h2s->flags & H2_SF_ERR_SENT)) {
		h2c_take_scratch(h2c, &s->rsp);
		if (s->flags & SF_HEAD)
			s->rsp.flags |= HTTP_MSGF_NO_BODY;
	}
	if (hb->end_stream) {
		h2s_rsp_end(h2s);
	} else if (s && !(h2s->flags & H2_SF_ERR_SENT)) {
		/* the body follows through s->rsp.body */
		s->flags |= SF_RSP_READY;
		stream_notify(s);
	}
}

/* DATA (RFC 9113 6.1; HAProxy h2_frt_transfer_data()). Flow control counts
 * the whole payload, padding included, even on a stream we no longer
 * know. */
static void h2c_handle_data(struct h2c *h2c, const struct h2_fh *fh,
			    const uint8_t *payload)
{
	struct h2_error err;
	const uint8_t *data;
	uint32_t dlen;
	struct h2s *h2s;
	struct http_msg *msg;

	if (h2_parse_data(fh, payload, &data, &dlen, &err) < 0) {
		h2c_error(h2c, err.code, "bad DATA frame");
		return;
	}
	h2s = h2c_find(h2c, fh->sid);
	if (dlen && h2s && h2s->s && !(h2s->flags & H2_SF_ERR_SENT) &&
	    (h2s->st == H2_SS_OPEN || h2s->st == H2_SS_HLOC) &&
	    (h2s->flags & H2_SF_HDRS_RCVD)) {
		msg = h2c_is_back(h2c) ? &h2s->s->rsp : &h2s->s->req;
		if (!http_body_fits(msg, dlen)) {
			/* the stream's FIFO is full: leave the frame in
			 * ibuf and stop the demux until the other side
			 * took some (h2_wake()) */
			msg->flags |= HTTP_MSGF_WAIT_ROOM;
			h2c->flags |= H2_CF_DEM_SFULL;
			return;
		}
	}
	if ((int64_t)fh->len > h2c->rws) {
		h2c_error(h2c, H2_ERR_FLOW_CONTROL_ERROR,
			  "DATA beyond the connection window");
		return;
	}
	h2c->rws -= (int32_t)fh->len;
	h2c->rcvd_c += fh->len;

	if (!h2s) {
		if (h2c_sid_is_idle(h2c, fh->sid))
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "DATA on an idle stream");
		else if (!h2c_reset_lately(h2c, fh->sid))
			/* closed and forgotten, not by a reset of ours:
			 * RFC 9113 6.1 (see H2C_RST_MEM) */
			h2c_send_rst(h2c, NULL, fh->sid, H2_ERR_STREAM_CLOSED);
		return;
	}
	if (h2s->st != H2_SS_OPEN && h2s->st != H2_SS_HLOC) {
		if (!(h2s->flags & (H2_SF_RST_SENT | H2_SF_RST_RCVD)))
			h2c_stream_error(h2c, h2s, fh->sid,
					 H2_ERR_STREAM_CLOSED,
					 "DATA after END_STREAM");
		return;
	}
	if ((int64_t)fh->len > h2s->rws) {
		h2c_stream_error(h2c, h2s, fh->sid, H2_ERR_FLOW_CONTROL_ERROR,
				 "DATA beyond the stream window");
		return;
	}
	h2s->rws -= (int32_t)fh->len;
	if (!(h2s->flags & H2_SF_HDRS_RCVD)) {
		h2c_stream_error(h2c, h2s, fh->sid, H2_ERR_PROTOCOL_ERROR,
				 "DATA before the response headers");
		return;
	}

	h2s->rcvd_body += dlen;
	if (h2c_is_back(h2c) && h2s->s)
		stream_srv_activity(h2s->s);	/* timeout server again */
	if (h2s->s && !(h2s->flags & H2_SF_ERR_SENT)) {
		msg = h2c_is_back(h2c) ? &h2s->s->rsp : &h2s->s->req;
		if (dlen && (msg->flags & HTTP_MSGF_NO_BODY)) {
			h2c_stream_error(h2c, h2s, fh->sid,
					 H2_ERR_PROTOCOL_ERROR,
					 "DATA in a response without body");
			return;
		}
		if ((msg->flags & HTTP_MSGF_CLEN) &&
		    h2s->rcvd_body > msg->clen) {
			h2c_stream_error(h2c, h2s, fh->sid,
					 H2_ERR_PROTOCOL_ERROR,
					 "more DATA than content-length");
			return;
		}
		if (http_msg_add_body(msg, data, dlen) < 0) {
			/* out of memory: we give the response up (CANCEL,
			 * RFC 9113 8.7); a request may be retried
			 * (REFUSED_STREAM) */
			h2c_stream_error(h2c, h2s, fh->sid,
					 h2c_is_back(h2c) ? H2_ERR_CANCEL :
					 H2_ERR_REFUSED_STREAM,
					 "cannot hold the body");
			return;
		}
		/* the other side has more to send */
		if (dlen && !(fh->flags & H2_F_END_STREAM)) {
			if (!h2c_is_back(h2c))
				stream_wake_back(h2s->s);
			else if (h2s->s->flags & SF_RESP_SENT)
				stream_wake_front(h2s->s);
		}
	}

	if (fh->flags & H2_F_END_STREAM) {
		if (h2c_is_back(h2c))
			h2s_rsp_end(h2s);
		else
			h2s_req_end(h2s);
		return;
	}
	/* consumed already: the stream window comes back at once */
	if (fh->len &&
	    h2_emit_window_update(&h2c->obuf, fh->sid, fh->len) == 0)
		h2s->rws += (int32_t)fh->len;
}

/* RST_STREAM (RFC 9113 6.4). */
static void h2c_handle_rst(struct h2c *h2c, const struct h2_fh *fh,
			   const uint8_t *payload)
{
	struct h2_error err;
	struct h2s *h2s;
	uint32_t code;

	if (h2_parse_rst_stream(fh, payload, &code, &err) < 0) {
		h2c_error(h2c, err.code, "bad RST_STREAM frame");
		return;
	}
	h2s = h2c_find(h2c, fh->sid);
	if (!h2s) {
		if (h2c_sid_is_idle(h2c, fh->sid))
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "RST_STREAM on an idle stream");
		return;
	}
	h2s->flags |= H2_SF_RST_RCVD;
	h2s->st = H2_SS_CLOSED;
	h2s_stop_send(h2s);
	if (h2c_is_back(h2c) && code == H2_ERR_REFUSED_STREAM)
		h2s_report_refused(h2s);	/* may be sent again */
	else if (h2c_is_back(h2c))
		h2s_report_srv_error(h2s, 502);	/* unless already complete */
	else
		h2s_front_abort(h2s);		/* the client gave up */
}

/* SETTINGS (RFC 9113 6.5): apply, adjust the stream windows, follow the
 * peer's HPACK table size, ACK. The peer's first SETTINGS ends the
 * connection set-up. */
static void h2c_handle_settings(struct h2c *h2c, const struct h2_fh *fh,
				const uint8_t *payload)
{
	uint32_t old_iws = h2c->peer.initial_window_size;
	uint32_t old_hts = h2c->peer.header_table_size;
	struct h2_error err;
	struct list *pos;

	if (h2c_is_back(h2c))
		h2c->peer.enable_push = 0;	/* to catch a server's 1 */
	if (h2_parse_settings(fh, payload, &h2c->peer, &err) < 0) {
		h2c_error(h2c, err.code, "bad SETTINGS frame");
		return;
	}
	if (fh->flags & H2_F_ACK)
		return;		/* our settings are the RFC's defaults */
	if (h2c_is_back(h2c) && h2c->peer.enable_push) {
		/* RFC 9113 6.5.2: only clients may say 1 */
		h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
			  "server sent SETTINGS_ENABLE_PUSH=1");
		return;
	}
	if (h2c->peer.initial_window_size != old_iws) {
		for (pos = h2c->streams.n; pos != &h2c->streams;
		     pos = pos->n) {
			struct h2s *h2s = list_elem(pos, struct h2s, list);

			if (h2_window_adjust(&h2s->sws, old_iws,
					     h2c->peer.initial_window_size,
					     &err) < 0) {
				h2c_error(h2c, err.code,
					  "SETTINGS_INITIAL_WINDOW_SIZE "
					  "overflows a window");
				return;
			}
		}
	}
	if (h2c->peer.header_table_size != old_hts &&
	    h2_hpack_set_peer_table_size(&h2c->hpack,
					 h2c->peer.header_table_size) < 0) {
		h2c_error(h2c, H2_ERR_INTERNAL_ERROR, "HPACK table resize");
		return;
	}
	h2_emit_settings_ack(&h2c->obuf);
	if (h2c->st0 == H2_CS_SETTINGS1)
		h2c->st0 = H2_CS_FRAME;
}

/* GOAWAY (RFC 9113 6.8): no new stream on this connection; on the back,
 * our streams above <last_sid> were not processed and fail. */
static void h2c_handle_goaway(struct h2c *h2c, const struct h2_fh *fh,
			      const uint8_t *payload)
{
	struct h2_goaway ga;
	struct h2_error err;
	struct list *pos, *tmp;

	if (h2_parse_goaway(fh, payload, &ga, &err) < 0) {
		h2c_error(h2c, err.code, "bad GOAWAY frame");
		return;
	}
	if (ga.code != H2_ERR_NO_ERROR)
		h2c_log(h2c, "peer sent GOAWAY", ga.code, "last stream %u",
			ga.last_sid);
	if ((h2c->flags & H2_CF_GOAWAY_RCVD) && ga.last_sid > h2c->last_sid)
		ga.last_sid = h2c->last_sid;	/* it may only decrease */
	h2c->flags |= H2_CF_GOAWAY_RCVD;
	h2c->last_sid = ga.last_sid;
	if (!h2c_is_back(h2c))
		return;
	list_for_each_safe(pos, tmp, &h2c->streams) {
		struct h2s *h2s = list_elem(pos, struct h2s, list);

		if (h2s->id <= ga.last_sid)
			continue;
		h2s->st = H2_SS_CLOSED;
		h2s_stop_send(h2s);
		h2s_report_refused(h2s);	/* never processed */
	}
}

/* WINDOW_UPDATE (RFC 9113 6.9). */
static void h2c_handle_window_update(struct h2c *h2c, const struct h2_fh *fh,
				     const uint8_t *payload)
{
	struct h2_error err;
	struct h2s *h2s = NULL;
	uint32_t inc;

	if (fh->sid) {
		h2s = h2c_find(h2c, fh->sid);
		if (!h2s && h2c_sid_is_idle(h2c, fh->sid)) {
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "WINDOW_UPDATE on an idle stream");
			return;
		}
	}
	if (h2_parse_window_update(fh, payload, &inc, &err) < 0) {
		if (err.stream)
			h2c_stream_error(h2c, h2s, fh->sid, err.code,
					 "WINDOW_UPDATE of zero");
		else
			h2c_error(h2c, err.code, "bad WINDOW_UPDATE frame");
		return;
	}
	if (!fh->sid) {
		if (h2_window_inc(&h2c->mws, inc, 0, &err) < 0)
			h2c_error(h2c, err.code,
				  "connection window over 2^31-1");
		return;
	}
	if (!h2s)
		return;		/* closed stream: nothing to send any more */
	if (h2_window_inc(&h2s->sws, inc, fh->sid, &err) < 0)
		h2c_stream_error(h2c, h2s, fh->sid, err.code,
				 "stream window over 2^31-1");
}

/* One whole frame (HAProxy h2_process_demux()'s switch). */
static void h2c_handle_frame(struct h2c *h2c, const struct h2_fh *fh,
			     const uint8_t *payload)
{
	struct h2_error err;
	uint8_t opaque[8];
	int ret;

	/* HEADERS + CONTINUATION: nothing else may come in between */
	ret = h2_hblock_feed(&h2c->hblock, fh, payload, &err);
	if (ret < 0) {
		h2c_error(h2c, err.code, "bad HEADERS/CONTINUATION sequence");
		return;
	}
	if (ret == 1)
		return;
	if (ret == 2) {
		if (h2c_is_back(h2c))
			h2c_bck_handle_headers(h2c);
		else
			h2c_frt_handle_headers(h2c);
		h2_hblock_reset(&h2c->hblock);
		return;
	}

	switch (fh->type) {
	case H2_FT_DATA:
		h2c_handle_data(h2c, fh, payload);
		break;
	case H2_FT_PRIORITY:
		if (h2_parse_priority(fh, payload, &err) < 0) {
			if (err.stream)
				h2c_stream_error(h2c,
						 h2c_find(h2c, fh->sid),
						 fh->sid, err.code,
						 "bad PRIORITY frame");
			else
				h2c_error(h2c, err.code, "bad PRIORITY frame");
		}
		break;		/* priorities are ignored */
	case H2_FT_RST_STREAM:
		h2c_handle_rst(h2c, fh, payload);
		break;
	case H2_FT_SETTINGS:
		h2c_handle_settings(h2c, fh, payload);
		break;
	case H2_FT_PING:
		if (h2_parse_ping(fh, payload, opaque, &err) < 0)
			h2c_error(h2c, err.code, "bad PING frame");
		else if (!(fh->flags & H2_F_ACK))
			h2_emit_ping(&h2c->obuf, opaque, 1);
		break;
	case H2_FT_GOAWAY:
		h2c_handle_goaway(h2c, fh, payload);
		break;
	case H2_FT_WINDOW_UPDATE:
		h2c_handle_window_update(h2c, fh, payload);
		break;
	default:
		/* PUSH_PROMISE is refused by the validator; unknown types
		 * are ignored (RFC 9113 4.1) */
		if (h2_check_frame(fh, payload, &err) < 0)
			h2c_error(h2c, err.code, "unexpected frame");
		break;
	}
}

/* Parse and handle the frames in ibuf (HAProxy h2_process_demux()) while
 * obuf has room for the answers. */
static void h2_process_demux(struct h2c *h2c)
{
	const uint8_t *payload;
	struct h2_error err;
	struct h2_fh fh;
	int ret;

	h2c->flags &= ~(H2_CF_DEM_BLOCKED | H2_CF_DEM_SFULL);
	if (h2c->st0 == H2_CS_PREFACE) {
		ret = h2_check_preface((const uint8_t *)b_head(&h2c->ibuf),
				       b_data(&h2c->ibuf));
		if (ret < 0) {
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "not an HTTP/2 client preface");
			return;
		}
		if (ret == 0)
			return;
		b_del(&h2c->ibuf, H2_PREFACE_LEN);
		h2c->st0 = H2_CS_SETTINGS1;
	}

	while (h2c->st0 < H2_CS_ERROR) {
		if (b_data(&h2c->obuf) >= H2_OBUF_HIGH) {
			h2c->flags |= H2_CF_DEM_BLOCKED;
			break;
		}
		ret = h2_get_frame((const uint8_t *)b_head(&h2c->ibuf),
				   b_data(&h2c->ibuf), H2_MIN_FRAME_SIZE, &fh,
				   &payload, &err);
		if (ret < 0) {
			h2c_error(h2c, err.code, "frame too large");
			break;
		}
		if (ret == 0)
			break;
		if (h2c->st0 == H2_CS_SETTINGS1 &&
		    (fh.type != H2_FT_SETTINGS || (fh.flags & H2_F_ACK))) {
			/* RFC 9113 3.4: SETTINGS must come first */
			h2c_error(h2c, H2_ERR_PROTOCOL_ERROR,
				  "first frame is not SETTINGS");
			break;
		}
		h2c_handle_frame(h2c, &fh, payload);
		if (h2c->st0 >= H2_CS_ERROR)
			break;		/* ibuf was dropped */
		if (h2c->flags & H2_CF_DEM_SFULL)
			break;		/* the frame waits in ibuf */
		b_del(&h2c->ibuf, (size_t)ret);
	}
	h2c_ack_rcvd(h2c);
}

/* ------------------------------------------------------------- process */

/* May the connection go now (HAProxy h2c_is_dead())? Never while streams
 * remain: the back ones are released by their detach, the front ones by
 * the mux. Then: a socket error or a read0 at once; a GOAWAY (sent or
 * received) or a connection error once obuf is flushed. */
static int h2c_is_dead(const struct h2c *h2c)
{
	if (h2c->nb_streams)
		return 0;
	if (h2c->flags & (H2_CF_ERROR | H2_CF_RCVD_SHUT))
		return 1;
	if (h2c->st0 >= H2_CS_ERROR ||
	    (h2c->flags & (H2_CF_GOAWAY_SENT | H2_CF_GOAWAY_RCVD)))
		return !b_data(&h2c->obuf);
	return 0;
}

/* The peer closed or the socket failed: every stream in progress fails.
 * Front: the client is gone, its streams are abandoned. Back: 503 if the
 * server never spoke (connect refused, or closed at once), else 502. */
static void h2c_handle_shut(struct h2c *h2c)
{
	struct list *pos, *tmp;
	int status;

	if (!(h2c->flags & (H2_CF_RCVD_SHUT | H2_CF_ERROR)))
		return;
	if (h2c->flags & H2_CF_ERROR)
		b_reset(&h2c->obuf);
	status = h2c->st0 == H2_CS_SETTINGS1 ? 503 : 502;
	list_for_each_safe(pos, tmp, &h2c->streams) {
		struct h2s *h2s = list_elem(pos, struct h2s, list);

		if (h2c_is_back(h2c)) {
			if (h2s->st == H2_SS_CLOSED &&
			    (h2s->flags & H2_SF_ES_RCVD))
				continue;	/* complete: not affected */
			h2s->st = H2_SS_CLOSED;
			h2s_stop_send(h2s);
			h2s_report_srv_error(h2s, status);
		} else if (!(h2s->flags & H2_SF_OUT) ||
			   (h2c->flags & H2_CF_ERROR)) {
			/* nobody to send an answer to (a read0 with a
			 * response being sent lets it go out) */
			h2s_front_abort(h2s);
		}
	}
}

/* Turn what was received into streams and frames and decide what happens
 * to the connection (HAProxy h2_process()). Returns 0 if the connection is
 * still alive, -1 if it was released (h2c, conn and tasklet are gone). */
static int h2_process(struct h2c *h2c)
{
	struct connection *conn = h2c->conn;
	int rounds = 0;

	/* Demux, mux, send. When the demux or the mux paused because obuf
	 * reached its mark and the socket took it all, nobody would wake us
	 * (no SEND subscription): go round again, a few times, then requeue
	 * ourselves so that other tasklets run too. */
	for (;;) {
		if (b_data(&h2c->ibuf) && h2c->st0 < H2_CS_ERROR)
			h2_process_demux(h2c);
		else
			h2c->flags &= ~H2_CF_DEM_BLOCKED;
		h2_process_mux(h2c);
		h2_send(h2c);
		if (b_data(&h2c->obuf) >= H2_OBUF_HIGH ||
		    !(h2c->flags & (H2_CF_DEM_BLOCKED | H2_CF_MUX_BLOCKED)))
			break;
		if (++rounds >= 4) {
			tasklet_wakeup(h2c->wait_event.tasklet);
			break;
		}
	}
	h2c_handle_shut(h2c);

	if (h2c_is_dead(h2c)) {
		h2_release(h2c);
		return -1;
	}

	/* a back conn that cannot take new streams leaves the available
	 * list (owner thread, no lock: nobody else reads it) */
	if (h2c_is_back(h2c) && conn->hash_node.in == LIST_AVAIL &&
	    h2_avail_streams(conn) <= 0)
		_conn_delete_from_tree(conn, REASON_ERROR);

	h2_refresh_timeout(h2c);
	/* reading resumes once there is room and the mux may answer */
	if (!(h2c->wait_event.events & SUB_RETRY_RECV) &&
	    h2c->st0 < H2_CS_ERROR &&
	    !(h2c->flags & (H2_CF_RCVD_SHUT | H2_CF_ERROR |
			    H2_CF_DEM_BLOCKED)) &&
	    b_data(&h2c->ibuf) < H2_IBUF_SIZE)
		conn_subscribe(conn, SUB_RETRY_RECV, &h2c->wait_event);
	return 0;
}

/* --------------------------------------------------------------- tasks */

/*
 * h2_io_cb - the I/O tasklet of an H2 connection (HAProxy h2_io_cb()).
 * @t:     the tasklet
 * @ctx:   its context as read at dequeue time, before any lock: the h2c,
 *         or NULL if the connection was taken over meanwhile
 * @state: the tasklet's state word as it was at dequeue time
 *
 * Same prologue and epilogue as h1_io_cb(), the heart of e388f2fbc: with
 * TASK_F_USR1 in @state (always in legacy mode) the connection may sit in
 * an idle or safe list where another thread can steal it under this
 * thread's idle_conns_lock, so we lock, re-read tl->context (NOT @ctx),
 * free ourselves if it is NULL, else take the connection out of its list
 * while we work on it. Without USR1 the connection is in no stealable
 * list (front conns never are; busy or available back conns are not) and
 * @ctx is valid without a lock.
 *
 * For an idle back connection this is how a server's PING, SETTINGS or
 * GOAWAY (or its close) is handled: locked path, h2_process() answers, or
 * releases the connection when no stream can use it any more (GOAWAY,
 * read0), else it goes back into its list.
 *
 * Return: @t, or NULL if the tasklet was freed (stolen or released).
 * Context: the thread the tasklet was queued on. Takes this thread's
 * idle_conns_lock (SITE_IO_CB) on the locked path, twice if it re-inserts.
 */
struct task *h2_io_cb(struct task *t, void *ctx, unsigned int state)
{
	struct tasklet *tl = (struct tasklet *)t;
	struct h2c *h2c = ctx;
	struct connection *conn;
	enum cb_path path;
	int side = tl->conn_side;	/* tl fields only: see conn_side */
	int conn_in_list;
	int ret = 0;

	path = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;
	TRACE(io_cb, tid, tl->id, tl->conn_id, MUX_H2, side, state, path);
	ACT.io_cb[side][MUX_H2][path]++;

	if (path == PATH_LOCKED) {
		/* USR1 was set when this run was dequeued: the connection
		 * sat in an idle list and another thread may have taken
		 * it over since. Look at the context under our lock.
		 */
		idle_lock(tid, SITE_IO_CB);
		if (bug_on_mode(BUG_TRUST_CTX))
			h2c = ctx;		/* BUG: read before the lock */
		else
			h2c = tasklet_get_context(tl); /* a stealer NULLs it */
		if (h2c == NULL) {
			/* Stolen: the connection now belongs to the
			 * stealer, which NULLed our context under this
			 * lock. Only the old tasklet is ours to free.
			 */
			idle_unlock(tid, SITE_IO_CB);
			ACT.stolen_free++;
			TRACE(io_cb_stolen, tid, tl->id, MUX_H2);
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
		conn = h2c->conn;

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
		if (unlikely(h2c == NULL)) {
			/* stolen but no USR1: only a bug mode gets here;
			 * keep the run going and leak the tasklet (the
			 * leak check reports it), as mux_h1 does */
			BUG_ON(lab_bug == BUG_NONE);
			return t;
		}
		conn = h2c->conn;
		conn_in_list = 0;
	}

	if (!(h2c->wait_event.events & SUB_RETRY_SEND))
		h2_send(h2c);
	if (!(h2c->wait_event.events & SUB_RETRY_RECV))
		h2_recv(h2c);
	/* HAProxy runs h2_process() when something moved or the conn may be
	 * dead; it is cheap when there is nothing to do, so always */
	ret = h2_process(h2c);

	/* Put the connection back in the list it came from, unless
	 * h2_process() returned -1 (it destroyed the connection).
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
static inline int h2_task_expired(const struct task *t)
{
	return t->expire && now_mono_ns() >= t->expire;
}

/*
 * h2_timeout_task - the timeout task of an H2 connection (HAProxy
 * h2_timeout_task(), unchanged by e388f2fbc).
 * @t:     the task
 * @ctx:   the h2c as read at dequeue time; NULL once h2_release() or a
 *         takeover detached the task from its connection
 * @state: its state word at dequeue time
 *
 * Always takes the lock when it still has a context: an idle back
 * connection's timer is live (timeout server), and a stealer may NULL
 * t->context at any time while the connection sits in an idle list.
 * Under the lock: NULL context -> stolen, free the task only. Not expired
 * -> nothing to do. Else take the connection out of its list, if any, so
 * that nobody steals what we are about to close; then, out of the lock,
 * GOAWAY (NO_ERROR), fail what is in progress (front: streams abandoned;
 * back: 504, or 503 while connecting) and release the connection unless
 * back streams still have to detach.
 *
 * Return: @t, or NULL when the task freed itself.
 * Context: the task's owner thread. Takes this thread's idle_conns_lock
 * (SITE_TIMEOUT) whenever @ctx is not NULL.
 */
struct task *h2_timeout_task(struct task *t, void *ctx, unsigned int state)
{
	struct h2c *h2c = ctx;
	int expired = h2_task_expired(t);
	int status;

	(void)state;
	if (!h2c) {
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

	/* We're about to destroy the connection, so make sure nobody
	 * attempts to steal it from us.
	 */
	if (h2c->conn->flags & CO_FL_LIST_MASK)
		_conn_delete_from_tree(h2c->conn, REASON_CLOSE);

	idle_unlock(tid, SITE_TIMEOUT);

	task_destroy(t);
	h2c->task = NULL;

	status = (h2c->conn->flags & CO_FL_WAIT_L4_CONN) ? 503 : 504;
	h2c_error_status(h2c, H2_ERR_NO_ERROR, status, "timeout");
	/* try to send the GOAWAY, best effort */
	h2_send(h2c);

	/* either we can release everything now or it will be done later
	 * once the last stream detaches */
	if (!h2c->nb_streams)
		h2_release(h2c);
	return NULL;
}

/* ------------------------------------------------------------- release */

/* Free everything of <h2c> and its connection (HAProxy h2_release()):
 * front streams go with it (stream_free() aborts their back sides), back
 * streams are told 502 if they did not complete and forget the
 * connection, subscriptions are dropped, the tasklet freed (the run loop
 * frees it if it is queued), the timeout task told to free itself, then
 * conn_free() closes the socket and fixes the server's counters. The
 * caller holds no idle_conns_lock and touches nothing of h2c afterwards;
 * from inside h2_io_cb() that means returning NULL. */
static void h2_release(struct h2c *h2c)
{
	struct connection *conn = h2c->conn;
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &h2c->streams) {
		struct h2s *h2s = list_elem(pos, struct h2s, list);
		struct stream *s = h2s->s;

		if (!s) {
			h2s_free(h2s);
		} else if (h2c_is_back(h2c)) {
			/* a back conn is normally released by its streams'
			 * detach; if not, the stream must not keep it */
			h2s_report_srv_error(h2s, 502);
			TRACE(stream_detach, tid, conn->id, MUX_H2, SIDE_BACK,
			      s->id);
			s->bconn = NULL;
			s->bctx = NULL;
			h2s_free(h2s);
		} else {
			h2s_front_abort(h2s);
		}
	}

	if (h2c->wait_event.events)
		conn_unsubscribe(conn, h2c->wait_event.events,
				 &h2c->wait_event);
	if (h2c->task) {
		h2c->task->context = NULL;
		task_wakeup(h2c->task, TASK_WOKEN_OTHER);
		h2c->task = NULL;
	}
	tasklet_free(h2c->wait_event.tasklet);
	h2c->wait_event.tasklet = NULL;
	h2_hpack_free(&h2c->hpack);
	h2_hblock_free(&h2c->hblock);
	http_msg_free(&h2c->scratch);
	b_free(&h2c->ibuf);
	b_free(&h2c->obuf);
	b_free(&h2c->hbuf);
	conn->ctx = NULL;
	conn_free(conn);
	free(h2c);
}

/* ------------------------------------------------------------ mux ops */

/* Create the h2c of <conn>, its tasklet, timeout task and HPACK state,
 * queue our side of the connection set-up and subscribe (HAProxy
 * h2_init()): the back side sends the client preface and SETTINGS at once
 * (ENABLE_PUSH 0), the front side its SETTINGS (MAX_CONCURRENT_STREAMS)
 * and waits for the client preface. <px> is the frontend or the backend.
 * Returns 0 or -1 (nothing allocated). Owner thread. */
static int h2_init(struct connection *conn, struct proxy *px)
{
	static const struct h2_setting fe_set[] = {
		{ H2_SET_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS },
	};
	static const struct h2_setting be_set[] = {
		{ H2_SET_ENABLE_PUSH, 0 },
		{ H2_SET_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS },
	};
	struct h2c *h2c;
	struct tasklet *tl;
	struct task *task;
	int is_back = conn->side == SIDE_BACK;

	h2c = calloc(1, sizeof(*h2c));
	tl = tasklet_new();
	task = task_new_on(tid);
	if (!h2c || !tl || !task)
		goto fail;
	if (h2_hpack_init(&h2c->hpack) < 0)
		goto fail;

	h2c->conn = conn;
	h2c->px = px;
	h2c->flags = is_back ? H2_CF_IS_BACK : 0;
	h2c->st0 = is_back ? H2_CS_SETTINGS1 : H2_CS_PREFACE;
	h2c->ibuf = BUF_NULL;
	h2c->obuf = BUF_NULL;
	h2c->hbuf = BUF_NULL;
	h2_hblock_init(&h2c->hblock);
	h2_settings_init(&h2c->peer);
	h2c->mws = H2_DEFAULT_WINDOW;
	h2c->rws = H2_DEFAULT_WINDOW;
	h2c->next_sid = 1;
	list_init(&h2c->streams);
	list_init(&h2c->send_list);
	http_msg_reset(&h2c->scratch, 0);

	if ((is_back && h2_emit_preface(&h2c->obuf) < 0) ||
	    h2_emit_settings(&h2c->obuf, is_back ? be_set : fe_set,
			     is_back ? 2 : 1) < 0) {
		h2_hpack_free(&h2c->hpack);
		b_free(&h2c->obuf);
		goto fail;
	}

	tl->process = h2_io_cb;
	tl->context = h2c;
	tl->conn_id = conn->id;
	tl->conn_side = conn->side;
	h2c->wait_event.tasklet = tl;
	h2c->wait_event.events = 0;

	task->process = h2_timeout_task;
	task->context = h2c;
	h2c->task = task;

	/* Responses of several streams leave in separate writes while the
	 * client delays its ACKs: with Nagle each one would wait for the
	 * previous ACK (40 ms on Linux). The back side has it already. */
	if (!is_back && conn->fd >= 0) {
		int one = 1;

		setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof(one));
	}

	conn->ctx = h2c;
	h2_refresh_timeout(h2c);
	/* prepare to read something; the queued frames go out on the
	 * first run of the tasklet (the back connect may be in progress) */
	conn_subscribe(conn, SUB_RETRY_RECV, &h2c->wait_event);
	tasklet_wakeup(tl);
	return 0;

 fail:
	if (task)
		task_destroy(task);
	tasklet_free(tl);
	free(h2c);
	return -1;
}

/* How many more streams <conn> may carry (HAProxy h2_avail_streams()):
 * none after a GOAWAY either way, an error or a close, nor when stream
 * ids run out; else the peer's SETTINGS_MAX_CONCURRENT_STREAMS (capped at
 * ours) minus those in use. Only meaningful on the back side. */
static int h2_avail_streams(struct connection *conn)
{
	struct h2c *h2c = conn->ctx;
	uint32_t limit;

	if (h2c->st0 >= H2_CS_ERROR ||
	    (h2c->flags & (H2_CF_GOAWAY_SENT | H2_CF_GOAWAY_RCVD |
			   H2_CF_ERROR | H2_CF_RCVD_SHUT)) ||
	    (conn->flags & (CO_FL_ERROR | CO_FL_SOCK_RD_SH |
			    CO_FL_SOCK_WR_SH)))
		return 0;
	if (h2c_is_back(h2c) && h2c->next_sid > H2_MAX_SID - 2)
		return 0;
	limit = MIN(h2c->peer.max_concurrent_streams, (uint32_t)H2_MAX_STREAMS);
	if ((uint32_t)h2c->nb_streams >= limit)
		return 0;
	return (int)(limit - (uint32_t)h2c->nb_streams);
}

/* HAProxy h2_used_streams(): the streams in the connection. */
static int h2_used_streams(struct connection *conn)
{
	struct h2c *h2c = conn->ctx;

	return h2c->nb_streams;
}

/* Back: stream <s> starts on <conn> (HAProxy h2_attach() +
 * h2c_bck_stream_new()). Refused when the connection can take no new
 * stream. Once the h2s exists the connection is no longer idle and
 * TASK_F_USR1 is cleared (it was taken out of any idle list by
 * conn_backend_get(), or never was in one). The request is then queued
 * for the connection's tasklet, which frames and sends it: the streams
 * attached during one turn of the scheduler leave in one send(), as
 * HAProxy's h2_snd_buf() wakes the tasklet instead of sending; a failure
 * from here on reaches the stream through stream_srv_error().
 * Returns 0, or -1 with nothing attached. Owner thread, no lock. */
static int h2_attach(struct connection *conn, struct stream *s)
{
	struct h2c *h2c = conn->ctx;
	struct h2s *h2s;

	if (h2_avail_streams(conn) <= 0)
		return -1;
	h2s = h2s_new(h2c, h2c->next_sid);
	if (!h2s)
		return -1;
	h2c->next_sid += 2;
	h2s->s = s;
	h2c->nb_sc++;
	s->bconn = conn;
	s->bctx = h2s;
	TRACE(stream_attach, tid, conn->id, MUX_H2, SIDE_BACK, s->id);

	/* USR1 off: the stream exists, the connection is in use */
	mux_clear_idle_flag(h2c->wait_event.tasklet, conn);

	/* the response will be decoded into s->rsp */
	http_msg_reset(&s->rsp, 1);
	if (s->flags & SF_HEAD)
		s->rsp.flags |= HTTP_MSGF_NO_BODY;

	h2s_want_send(h2s);
	tasklet_wakeup(h2c->wait_event.tasklet);
	h2_refresh_timeout(h2c);
	return 0;
}

/*
 * Back: stream <s> leaves its connection (HAProxy h2_detach()). The h2s
 * goes (RST_STREAM CANCEL if the exchange did not complete). If the
 * connection is healthy:
 *   - no stream left: offered to the server's pool of this thread, always
 *     as safe (an h2 connection that answered is known to be reusable);
 *   - streams left and room for more: the available list of this thread
 *     (owner only, no lock, no TASK_F_USR1: it can never be stolen).
 * A dead connection (error, GOAWAY, close, refused insertion, private) is
 * released once it has no stream.
 *
 * USR1: the flag is set BEFORE the insertion, after which another thread
 * may steal the connection; once srv_add_to_idle_list() accepted it we
 * return without touching h2c or conn again. Owner thread, no lock.
 */
static void h2_detach(struct stream *s)
{
	struct h2s *h2s = s->bctx;
	struct h2c *h2c;
	struct connection *conn;
	struct server *srv;

	if (!h2s)
		return;
	h2c = h2s->h2c;
	conn = h2c->conn;
	srv = conn->target;

	TRACE(stream_detach, tid, conn->id, MUX_H2, SIDE_BACK, s->id);
	s->bconn = NULL;
	s->bctx = NULL;
	if ((h2s->flags & H2_SF_HDRS_SENT) && h2s->st != H2_SS_CLOSED)
		h2c_send_rst(h2c, h2s, h2s->id, H2_ERR_CANCEL);
	h2s_free(h2s);		/* nb_sc-- as h2s->s is still set */

	if (h2c_is_back(h2c) && srv && !(conn->flags & CO_FL_PRIVATE) &&
	    !(h2c->px && h2c->px->reuse == REUSE_NEVER) &&
	    h2_avail_streams(conn) > 0) {
		if (!h2c->nb_streams) {
			conn->owner = NULL;
			h2_refresh_timeout(h2c);	/* idle: server */
			if (b_data(&h2c->obuf))
				tasklet_wakeup(h2c->wait_event.tasklet);

			/* USR1 on, before the connection is published: from
			 * the insert on a stealer may NULL our context, so the
			 * io_cb must look at it under the idle_conns lock.
			 */
			if (bug_on_mode(BUG_NO_USR1_SET) ||
			    bug_on_mode(BUG_USR1_AFTER_INSERT))
				; /* BUG: not now (never, or too late) */
			else
				mux_set_idle_flag(h2c->wait_event.tasklet,
						  conn);

			if (!srv_add_to_idle_list(srv, conn, 1)) {
				/* refused by the pool: close it now */
				h2_release(h2c);
				return;
			}

			if (bug_on_mode(BUG_USR1_AFTER_INSERT)) {
				/* BUG: already published: another thread
				 * may own (even have freed) it by now */
				mux_set_idle_flag(h2c->wait_event.tasklet,
						  conn);
			}
			/* At this point, the connection has been added to
			 * the server idle list, so another thread may
			 * already have hijacked it, so we can't do
			 * anything with it.
			 */
			return;
		}
		if (conn->hash_node.in == LIST_NONE)
			srv_add_to_avail_list(srv, conn);
	}

	/* We don't want to close right now unless we're removing the last
	 * stream and the connection cannot serve another one. */
	if (!h2c->nb_streams) {
		h2_send(h2c);		/* RST_STREAM or GOAWAY, best effort */
		h2_release(h2c);
		return;
	}
	h2_refresh_timeout(h2c);
	if (b_data(&h2c->obuf))
		tasklet_wakeup(h2c->wait_event.tasklet);
}

/* Front: the stream's response is ready in s->rsp. It joins the send
 * list; the tasklet frames it and frees the stream once END_STREAM is in
 * obuf, never from here: the caller, process_stream(), still uses the
 * stream. Always 0: a stream whose client is gone was freed already (it
 * has no fctx). Owner thread. */
static int h2_send_resp(struct stream *s)
{
	struct h2s *h2s = s->fctx;

	if (!h2s)
		return -1;
	h2s_want_send(h2s);
	tasklet_wakeup(h2s->h2c->wait_event.tasklet);
	return 0;
}

/* The other side of stream <s> added body bytes to the message we send,
 * ended it, or made room in the one we receive: queue the h2s for the mux
 * if its message is under way, and run the tasklet (the demux retries the
 * DATA frame that waited for room). Owner thread. */
static void h2_wake(struct stream *s, enum side side)
{
	struct h2s *h2s = side == SIDE_BACK ? s->bctx : s->fctx;

	if (!h2s)
		return;
	if ((side == SIDE_BACK || (s->flags & SF_RESP_SENT)) &&
	    !(h2s->flags & (H2_SF_ES_SENT | H2_SF_RST_SENT | H2_SF_RST_RCVD)))
		h2s_want_send(h2s);
	tasklet_wakeup(h2s->h2c->wait_event.tasklet);
}

/* Front: stream <s> was freed by someone else than this mux: forget it,
 * reset the HTTP/2 stream if it is still open. Owner thread. */
static void h2_strm_gone(struct stream *s)
{
	struct h2s *h2s = s->fctx;
	struct h2c *h2c;

	if (!h2s)
		return;
	h2c = h2s->h2c;
	h2s->s = NULL;
	h2c->nb_sc--;
	s->fctx = NULL;
	if (h2s->st != H2_SS_CLOSED)
		h2c_send_rst(h2c, h2s, h2s->id, H2_ERR_CANCEL);
	h2s_free(h2s);
	tasklet_wakeup(h2c->wait_event.tasklet);
}

/*
 * Move idle back connection <conn> from thread <orig_tid> to the calling
 * thread (HAProxy h2_takeover(), with the allocation-first order of
 * 4f02e3da6). Called by conn_backend_get() while it holds <orig_tid>'s
 * idle_conns_lock, which the old tasklet's io_cb and the old timeout task
 * take before they look at their context. Same steps as h1_takeover():
 *
 *  1. allocate the new tasklet (and task, if the old one is still there:
 *     it is gone once it fired);
 *  2. fd_takeover(): fails while the victim runs the fd's callback; from
 *     here on there is no way back;
 *  3. drop the subscriptions made with the old tasklet;
 *  4. NULL the old tasklet's context and wake it ON ITS THREAD, where it
 *     frees itself under the lock;
 *  5. same for the old timeout task (task_kill()), the new one belongs to
 *     this thread and is armed for the idle timeout;
 *  6. install the new tasklet WITHOUT TASK_F_USR1 and subscribe for RECV.
 *
 * Emits the takeover event once per call: ok=1 as soon as fd_takeover()
 * succeeded (before the old tasklet is woken, so that the trace shows the
 * steal before the old tasklet's io_cb), ok=0 on failure; the caller
 * counts it. Returns 0 or -1 (nothing changed).
 */
static int h2_takeover(struct connection *conn, int orig_tid)
{
	struct h2c *h2c = conn->ctx;
	struct tasklet *old_tl = h2c->wait_event.tasklet;
	uint64_t old_tl_id = old_tl->id;
	struct tasklet *new_tl;
	struct task *new_task = NULL;
	struct task *old_task = h2c->task;

	/* Pre-allocate so that we never have to roll back after the fd was
	 * migrated. */
	new_tl = tasklet_new();
	if (old_task)
		new_task = task_new_on(tid);
	if (!new_tl || (old_task && !new_task))
		goto fail;

	if (fd_takeover(conn->fd, conn) != 0)
		goto fail;

	/* Point of no return: the conn is ours. Say so now, before the old
	 * tasklet is woken: its io_cb may start (and be traced) on the
	 * victim thread before we release the victim's lock, and a reader
	 * of the trace must see the steal first. */
	conn_trace_takeover(conn, orig_tid, old_tl_id, new_tl->id, 1);

	if (h2c->wait_event.events)
		conn_unsubscribe(conn, h2c->wait_event.events,
				 &h2c->wait_event);

	/* To let the tasklet know it should free itself, and do nothing
	 * else, set its context to NULL.
	 */
	tasklet_set_context(old_tl, NULL);
	if (bug_on_mode(BUG_WAKE_OLD_LOCAL))
		tasklet_wakeup(old_tl);		/* BUG: runs on the stealer */
	else
		tasklet_wakeup_on(old_tl, orig_tid);

	if (old_task) {
		task_set_context(old_task, NULL);
		h2c->task = NULL;
		task_kill(old_task);
		new_task->process = h2_timeout_task;
		new_task->context = h2c;
		h2c->task = new_task;
		h2_refresh_timeout(h2c);	/* idle: timeout server */
	}

	new_tl->process = h2_io_cb;
	new_tl->context = h2c;
	new_tl->conn_id = conn->id;
	new_tl->conn_side = SIDE_BACK;
	h2c->wait_event.tasklet = new_tl;
	conn_subscribe(conn, SUB_RETRY_RECV, &h2c->wait_event);
	return 0;

 fail:
	if (new_task)
		task_destroy(new_task);
	tasklet_free(new_tl);
	conn_trace_takeover(conn, orig_tid, old_tl_id, 0, 0);
	return -1;
}

/* Destroy the connection whose mux context is <ctx> (HAProxy h2_destroy()):
 * purge, refused insertion, failed reuse, shutdown. A GOAWAY is attempted
 * on the way out. Owner thread; the caller holds no idle_conns lock. */
static void h2_destroy(void *ctx)
{
	struct h2c *h2c = ctx;

	if (!h2c)
		return;
	if (!(h2c->flags & (H2_CF_GOAWAY_SENT | H2_CF_ERROR)) &&
	    h2c->st0 < H2_CS_ERROR) {
		h2c->flags |= H2_CF_GOAWAY_SENT;
		h2_emit_goaway(&h2c->obuf, h2c_is_back(h2c) ? 0 : h2c->max_id,
			       H2_ERR_NO_ERROR, NULL, 0);
		h2_send(h2c);
	}
	h2_release(h2c);
}

/* The process stops: say GOAWAY to the client and release front
 * connection <conn> now; streams in progress are aborted (their back
 * sides go with them). Owner thread, from stop_front. */
static void h2_shutdown(struct connection *conn)
{
	h2_destroy(conn->ctx);
}

const struct mux_ops mux_h2_ops = {
	.name = "h2",
	.id = MUX_H2,
	.flags = MX_FL_HOL_RISK,
	.init = h2_init,
	.attach = h2_attach,
	.detach = h2_detach,
	.send_resp = h2_send_resp,
	.strm_gone = h2_strm_gone,
	.wake = h2_wake,
	.avail_streams = h2_avail_streams,
	.used_streams = h2_used_streams,
	.takeover = h2_takeover,
	.destroy = h2_destroy,
	.shutdown = h2_shutdown,
};
