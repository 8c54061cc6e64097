/*
 * mux_fcgi.c - the FastCGI multiplexer, back side only (HAProxy
 * mux_fcgi.c).
 *
 * One struct fcgi_conn per connection to a FastCGI application (php-fpm,
 * the lab's peer-server --proto fcgi), one struct fcgi_strm per request in
 * progress on it. Records are built and parsed by the FastCGI codec
 * (fcgi.h); the mux owns the socket, the buffers, the request ids and the
 * connection's life.
 *
 * Connection life (created by connect_server(), "server ... proto fcgi"):
 *
 *	fcgi_init: FCGI_GET_VALUES (MAX_CONNS, MAX_REQS, MPXS_CONNS) queued
 *	  -> fcgi_attach: a request id; its records wait until the
 *	     application answered GET_VALUES (HAProxy FCGI_CS_SETTINGS)
 *	  -> GET_VALUES_RESULT: multiplexing allowed or not, how many at once
 *	  -> BEGIN_REQUEST (FCGI_KEEP_CONN), PARAMS (the CGI/1.1 environment of
 *	     s->req, docroot and index of the fcgi-app), STDIN (the body, as
 *	     it arrives in s->req.body)
 *	  -> STDOUT (a CGI response: headers, blank line, body): the headers
 *	     into s->rsp -> stream_notify(), the body into s->rsp.body while
 *	     it has room (else the demux waits), STDERR logged once,
 *	     END_REQUEST -> stream_notify()
 *	  -> fcgi_detach: no request left -> set TASK_F_USR1,
 *	     srv_add_to_idle_list(.., 1) (always the safe list), and we never
 *	     touch it again; requests left and room for more (a multiplexing
 *	     application) -> the available list (owner only, no USR1)
 *	  -> an idle FastCGI connection does not survive any activity:
 *	     fcgi_process() releases a connection that has no request the
 *	     moment it runs, whatever woke it (the application closing, or
 *	     sending anything); its timeout task (timeout server) ends it
 *	     otherwise, unless the purge or a reuse comes first.
 *
 * A non-multiplexing application (FCGI_MPXS_CONNS 0, php-fpm's answer)
 * gets one request at a time per connection, which then behaves like an
 * H1 one; a multiplexing one gets up to FCGI_MAX_REQS (capped at 100).
 *
 * The lesson (HAProxy e388f2fbc) lives in the same three places as in the
 * other muxes, each marked "USR1".
 *
 * Differences from HAProxy at e388f2fbc, on purpose:
 *   - GET_VALUES is always sent (HAProxy: "option get-values", off by
 *     default) and FCGI_KEEP_CONN always set (HAProxy: "option
 *     keep-conn"); an application that never answers GET_VALUES is given
 *     the connect timeout, then treated as not multiplexing;
 *   - no HTX: headers are held whole in struct http_msg, bodies pass
 *     through its bounded FIFO; a STDOUT record is taken whole once the
 *     FIFO is under tune.bufsize (HAProxy copies part of a record), else
 *     the demux waits for room;
 *   - a request abandoned before its END_REQUEST gets ABORT_REQUEST and
 *     the connection is not reused (HAProxy waits for the END_REQUEST);
 *   - an idle connection's timeout is armed by fcgi_detach() before it is
 *     published, as in mux_h2.c;
 *   - fcgi_takeover() allocates first, the order of d069825c5 (2023).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "activity.h"
#include "buf.h"
#include "connection.h"
#include "fcgi.h"
#include "fd.h"
#include "flags-t.h"
#include "http_msg.h"
#include "lab.h"
#include "mux.h"
#include "mux_fcgi.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

/* ibuf holds at least one whole record (8 + 65535 + 255 bytes): the codec
 * only parses complete records. */
#define FCGI_IBUF_SIZE	(2 * (FCGI_HDR_LEN + FCGI_MAX_CONTENT + 255))

/* Requests are encoded into obuf only while it holds less than this; the
 * others wait for the socket to take some. */
#define FCGI_OBUF_HIGH	65536

/* An obuf area larger than this is freed once drained. */
#define FCGI_OBUF_KEEP	65536

/* Most requests at once on a multiplexed connection, whatever the
 * application's FCGI_MAX_REQS (HAProxy: the fcgi-app's max-reqs). */
#define FCGI_MAX_STREAMS	100

/* fconn.flags */
#define FCGI_CF_RCVD_SHUT	0x00000001 /* the application closed (read0) */
#define FCGI_CF_ERROR		0x00000002 /* socket error */
#define FCGI_CF_PROTO_ERR	0x00000004 /* bad records: no more parsing */
#define FCGI_CF_NO_REUSE	0x00000008 /* an aborted request may still
					    * answer: never pooled again */
#define FCGI_CF_VALUES		0x00000010 /* GET_VALUES answered (or given
					    * up on) */
#define FCGI_CF_MPXS		0x00000020 /* the application multiplexes */
#define FCGI_CF_STDERR_LOGGED	0x00000040 /* STDERR was logged once */
#define FCGI_CF_LOGGED		0x00000080 /* a protocol error was logged */
#define FCGI_CF_DEM_SFULL	0x00000100 /* demux paused: a response body
					    * FIFO is full (fcgi_wake()) */

/* Connection states (HAProxy enum fcgi_conn_st, reduced). */
enum fcgi_cs {
	FCGI_CS_SETTINGS = 0,	/* GET_VALUES sent, waiting for the result */
	FCGI_CS_RECORD,		/* requests may be sent, records parsed */
	FCGI_CS_CLOSED,		/* protocol error: nothing more is parsed */
};

/* fstrm.flags */
#define FCGI_SF_REQ_SENT	0x00000001 /* BEGIN..empty STDIN are in obuf */
#define FCGI_SF_HDRS_SENT	0x00000008 /* BEGIN and PARAMS are in obuf */
#define FCGI_SF_ES_RCVD		0x00000002 /* END_REQUEST received */
#define FCGI_SF_ERR_SENT	0x00000004 /* the stream was told of an
					    * error (once) */

/* One request on a FastCGI connection (HAProxy struct fcgi_strm). */
struct fcgi_strm {
	struct fcgi_conn *fconn;	/* its connection */
	struct stream *s;		/* the transaction */
	uint16_t id;			/* FastCGI request id (1..65535) */
	unsigned int flags;		/* FCGI_SF_* */
	struct fcgi_stdout so;		/* STDOUT -> s->rsp */
	struct list list;		/* in fconn->streams, by creation */
};

/* A FastCGI connection (HAProxy struct fcgi_conn). Owned by the thread
 * that owns the connection; a takeover moves it whole. */
struct fcgi_conn {
	struct connection *conn;
	struct proxy *px;		/* the backend: timeouts */
	unsigned int flags;		/* FCGI_CF_* */
	enum fcgi_cs state;
	struct buffer ibuf;		/* bytes read, not parsed yet */
	struct buffer obuf;		/* records built, not sent yet */
	struct wait_event wait_event;	/* our I/O tasklet + subscriptions */
	struct task *task;		/* timeout task, NULL once it fired */
	struct list streams;		/* every fstrm, by creation */
	int nb_streams;
	int max_reqs;			/* requests at once (1 unless MPXS) */
	uint16_t next_id;		/* last request id handed out */
};

static void fcgi_release(struct fcgi_conn *fconn);
static int fcgi_avail_streams(struct connection *conn);

/* ---------------------------------------------------------------- names */

/*
 * fconn_show_flags - decode FastCGI connection flags.
 * @buf:   output
 * @len:   its size
 * @flags: FCGI_CF_* word
 *
 * Return: @buf, holding "VALUES|MPXS", unknown bits in hex, or "0"
 * (flags_show()).
 * Context: any thread; pure.
 */
const char *fconn_show_flags(char *buf, unsigned long len, unsigned int flags)
{
	static const struct flag_name names[] = {
		{ FCGI_CF_RCVD_SHUT, "RCVD_SHUT" },
		{ FCGI_CF_ERROR, "ERROR" },
		{ FCGI_CF_PROTO_ERR, "PROTO_ERR" },
		{ FCGI_CF_NO_REUSE, "NO_REUSE" },
		{ FCGI_CF_VALUES, "VALUES" },
		{ FCGI_CF_MPXS, "MPXS" },
		{ FCGI_CF_STDERR_LOGGED, "STDERR_LOGGED" },
		{ FCGI_CF_LOGGED, "LOGGED" },
		{ FCGI_CF_DEM_SFULL, "DEM_SFULL" },
	};

	return flags_show(buf, len, flags, names, FLAG_NAMES_NB(names));
}

/* Log the first protocol problem of <fconn> on stderr, once. */
static void fconn_log(struct fcgi_conn *fconn, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (fconn->flags & FCGI_CF_LOGGED)
		return;
	fconn->flags |= FCGI_CF_LOGGED;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "muxlab: fcgi conn %llu: %s\n",
		(unsigned long long)fconn->conn->id, why);
}

/* absolute expiry <ms> from now, 0 (never) for a zero timeout */
static inline uint64_t fcgi_exp(unsigned int ms)
{
	return ms ? now_mono_ns() + (uint64_t)ms * 1000000ULL : 0;
}

/* ---------------------------------------------------------------- fstrm */

static struct fcgi_strm *fcgi_find(struct fcgi_conn *fconn, uint16_t id)
{
	struct list *pos;

	for (pos = fconn->streams.n; pos != &fconn->streams; pos = pos->n) {
		struct fcgi_strm *fstrm = list_elem(pos, struct fcgi_strm,
						    list);

		if (fstrm->id == id)
			return fstrm;
	}
	return NULL;
}

/* A request id not in use on <fconn> (HAProxy: next_sid, wrapping). */
static uint16_t fcgi_next_id(struct fcgi_conn *fconn)
{
	uint16_t id = fconn->next_id;

	do {
		id = id == 0xffff ? 1 : id + 1;
	} while (fcgi_find(fconn, id));
	fconn->next_id = id;
	return id;
}

/* Tell the stream of <fstrm>, once, that its server side failed. */
static void fcgi_strm_error(struct fcgi_strm *fstrm, int status)
{
	struct stream *s = fstrm->s;

	if (!s || (fstrm->flags & FCGI_SF_ERR_SENT) ||
	    (s->rsp.flags & HTTP_MSGF_BODY_DONE))
		return;
	fstrm->flags |= FCGI_SF_ERR_SENT;
	stream_srv_error(s, status);
}

static void fcgi_strm_free(struct fcgi_strm *fstrm)
{
	struct fcgi_conn *fconn = fstrm->fconn;

	list_delete(&fstrm->list);
	fconn->nb_streams--;
	fcgi_stdout_free(&fstrm->so);
	free(fstrm);
	/* the demux may have been waiting for this request's room */
	if (fconn->flags & FCGI_CF_DEM_SFULL)
		tasklet_wakeup(fconn->wait_event.tasklet);
}

/* ------------------------------------------------------------ timeouts */

/* Re-arm the timeout task (HAProxy fcgi_conn_update_timeout()): the
 * connect timeout while connecting or waiting for GET_VALUES_RESULT, the
 * server timeout while idle, none while requests are in progress (each
 * stream has its own server timer). */
static void fcgi_refresh_timeout(struct fcgi_conn *fconn)
{
	struct proxy *px = fconn->px;
	unsigned int ms = 0;

	if (!fconn->task || !px)
		return;
	if ((fconn->conn->flags & CO_FL_WAIT_L4_CONN) ||
	    fconn->state == FCGI_CS_SETTINGS)
		ms = px->timeout_connect ? px->timeout_connect :
					   px->timeout_server;
	else if (!fconn->nb_streams)
		ms = px->timeout_server;
	task_schedule(fconn->task, fcgi_exp(ms));
}

/* ------------------------------------------------------------------ I/O */

/* Read what the socket has into ibuf (HAProxy fcgi_recv()). Returns 1 if
 * anything happened (bytes, read0, error), else 0. */
static int fcgi_recv(struct fcgi_conn *fconn)
{
	struct connection *conn = fconn->conn;
	ssize_t ret;
	int rcvd = 0;

	if (fconn->flags & (FCGI_CF_RCVD_SHUT | FCGI_CF_ERROR))
		return 0;

	while (b_data(&fconn->ibuf) < FCGI_IBUF_SIZE) {
		ret = conn_recv(conn, &fconn->ibuf, FCGI_IBUF_SIZE);
		if (ret > 0) {
			rcvd = 1;
			if (conn_recv_more(conn))
				continue;
			ret = 0;	/* drained: wait for the poller */
		}
		if (ret == 0) {
			if (b_data(&fconn->ibuf) < FCGI_IBUF_SIZE)
				conn_subscribe(conn, SUB_RETRY_RECV,
					       &fconn->wait_event);
			break;
		}
		if (conn->flags & CO_FL_ERROR)
			fconn->flags |= FCGI_CF_ERROR;
		else
			fconn->flags |= FCGI_CF_RCVD_SHUT;
		rcvd = 1;
		break;
	}
	return rcvd;
}

/* Send what obuf holds (HAProxy fcgi_send()). Returns 1 if anything
 * happened (bytes sent, error), else 0. */
static int fcgi_send(struct fcgi_conn *fconn)
{
	struct connection *conn = fconn->conn;
	ssize_t ret;
	int sent = 0;

	while (b_data(&fconn->obuf)) {
		if (fconn->flags & FCGI_CF_ERROR)
			ret = -1;
		else
			ret = conn_send(conn, &fconn->obuf);
		if (ret > 0) {
			sent = 1;
			continue;
		}
		if (ret == 0) {
			conn_subscribe(conn, SUB_RETRY_SEND,
				       &fconn->wait_event);
			return sent;
		}
		fconn->flags |= FCGI_CF_ERROR;
		b_reset(&fconn->obuf);
		sent = 1;
	}
	if (fconn->wait_event.events & SUB_RETRY_SEND)
		conn_unsubscribe(conn, SUB_RETRY_SEND, &fconn->wait_event);
	if (fconn->obuf.size > FCGI_OBUF_KEEP)
		b_free(&fconn->obuf);
	return sent;
}

/* -------------------------------------------------------------- requests */

/* Fill the server-side CGI variables of <s>'s request: the document root
 * and index of its fcgi-app, the port the client connected to, the
 * client's address. <addr> is scratch for REMOTE_ADDR. */
static void fcgi_params_ctx_of(struct fcgi_conn *fconn, struct stream *s,
			       struct fcgi_params_ctx *ctx, char *addr,
			       size_t alen)
{
	const struct server *srv = fconn->conn->target;
	const struct sockaddr_storage *ss;

	memset(ctx, 0, sizeof(*ctx));
	ctx->docroot = srv ? srv->fcgi_docroot : NULL;
	ctx->index = srv ? srv->fcgi_index : NULL;

	if (s->fe && s->fe->listeners) {
		ss = &s->fe->listeners->addr;
		if (ss->ss_family == AF_INET)
			ctx->server_port = ntohs(((const struct sockaddr_in *)
						  ss)->sin_port);
		else if (ss->ss_family == AF_INET6)
			ctx->server_port = ntohs(((const struct sockaddr_in6 *)
						  ss)->sin6_port);
	}
	if (s->fconn) {
		ss = &s->fconn->src;
		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)ss;

			if (inet_ntop(AF_INET, &in->sin_addr, addr, alen)) {
				ctx->remote_addr = addr;
				ctx->remote_port = ntohs(in->sin_port);
			}
		} else if (ss->ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const void *)ss;

			if (inet_ntop(AF_INET6, &in6->sin6_addr, addr, alen)) {
				ctx->remote_addr = addr;
				ctx->remote_port = ntohs(in6->sin6_port);
			}
		}
	}
}

/* Encode the request of <fstrm> as far as it goes (HAProxy fcgi_strm_
 * send_begin_request(), fcgi_strm_send_params(), fcgi_strm_send_stdin()):
 * BEGIN_REQUEST with FCGI_KEEP_CONN and the PARAMS stream first, then the
 * body from s->req.body as STDIN records while obuf is under its mark,
 * and the empty STDIN once the body is complete. Returns 0, or -1 after
 * telling the stream (the request cannot be encoded: 500). */
static int fcgi_strm_send_req(struct fcgi_strm *fstrm)
{
	struct fcgi_conn *fconn = fstrm->fconn;
	struct buffer *out = &fconn->obuf;
	struct stream *s = fstrm->s;
	struct http_msg *req = &s->req;
	struct fcgi_params_ctx ctx;
	char addr[64];
	size_t start = b_data(out), n;
	int moved = 0;

	if (!(fstrm->flags & FCGI_SF_HDRS_SENT)) {
		fcgi_params_ctx_of(fconn, s, &ctx, addr, sizeof(addr));
		if (fcgi_emit_begin_request(out, fstrm->id, FCGI_RESPONDER,
					    1) < 0 ||
		    fcgi_emit_params(out, fstrm->id, req, &ctx) < 0) {
			/* back to where this request started */
			out->data = start;
			if (!out->data)
				out->head = 0;
			fcgi_strm_error(fstrm, 500);
			return -1;
		}
		fstrm->flags |= FCGI_SF_HDRS_SENT;
	}
	while ((n = http_body_avail(req)) != 0 &&
	       b_data(out) < FCGI_OBUF_HIGH) {
		if (n > FCGI_MAX_CONTENT)
			n = FCGI_MAX_CONTENT;
		if (fcgi_emit_record(out, FCGI_STDIN, fstrm->id,
				     http_body_ptr(req), n) < 0)
			return 0;	/* retried once obuf drained */
		http_body_forwarded(req, n);
		moved = 1;
	}
	if (moved) {
		stream_srv_activity(s);		/* the application takes it */
		if ((req->flags & HTTP_MSGF_WAIT_ROOM) &&
		    http_body_room(req)) {
			req->flags &= ~HTTP_MSGF_WAIT_ROOM;
			stream_wake_front(s);
		}
	}
	if (http_msg_eom(req) &&
	    fcgi_emit_record(out, FCGI_STDIN, fstrm->id, NULL, 0) == 0)
		fstrm->flags |= FCGI_SF_REQ_SENT;	/* all of it */
	return 0;
}

/* Encode the requests that wait, in order, while obuf has room (HAProxy
 * fcgi_process_mux()): their start, or more of their body. Nothing goes
 * before the GET_VALUES answer. */
static void fcgi_process_mux(struct fcgi_conn *fconn)
{
	struct list *pos;

	if (fconn->state != FCGI_CS_RECORD)
		return;
	for (pos = fconn->streams.n; pos != &fconn->streams; pos = pos->n) {
		struct fcgi_strm *fstrm = list_elem(pos, struct fcgi_strm,
						    list);

		if (fstrm->flags & (FCGI_SF_REQ_SENT | FCGI_SF_ERR_SENT))
			continue;
		if (b_data(&fconn->obuf) >= FCGI_OBUF_HIGH)
			break;
		fcgi_strm_send_req(fstrm);
	}
}

/* ----------------------------------------------------------- the demux */

/* A protocol error (bad record, unparsable answer): nothing more is parsed,
 * every request in progress fails with 502, the connection goes once its
 * streams detached. */
static void fcgi_conn_error(struct fcgi_conn *fconn, const char *why)
{
	struct list *pos;

	fconn_log(fconn, "protocol error: %s", why);
	fconn->state = FCGI_CS_CLOSED;
	fconn->flags |= FCGI_CF_PROTO_ERR;
	b_reset(&fconn->ibuf);
	for (pos = fconn->streams.n; pos != &fconn->streams; pos = pos->n)
		fcgi_strm_error(list_elem(pos, struct fcgi_strm, list), 502);
}

/* The application said how it handles connections (or will not say):
 * requests may go now. */
static void fcgi_values_known(struct fcgi_conn *fconn,
			      const struct fcgi_values *v)
{
	fconn->flags |= FCGI_CF_VALUES;
	fconn->max_reqs = 1;
	if (v && v->mpxs_conns > 0) {
		fconn->flags |= FCGI_CF_MPXS;
		fconn->max_reqs = (v->max_reqs > 0 &&
				   v->max_reqs < FCGI_MAX_STREAMS) ?
				  (int)v->max_reqs : FCGI_MAX_STREAMS;
	}
	if (fconn->state == FCGI_CS_SETTINGS)
		fconn->state = FCGI_CS_RECORD;
}

/* A management record (request id 0). */
static void fcgi_handle_mgmt(struct fcgi_conn *fconn, const struct fcgi_hdr *h,
			     const char *content)
{
	struct fcgi_values v;

	switch (h->type) {
	case FCGI_GET_VALUES_RESULT:
		if (fcgi_parse_get_values_result(content, h->len, &v) < 0) {
			fcgi_conn_error(fconn, "bad GET_VALUES_RESULT");
			return;
		}
		fcgi_values_known(fconn, &v);
		break;
	case FCGI_UNKNOWN_TYPE:
		/* an application that does not know GET_VALUES */
		if (!(fconn->flags & FCGI_CF_VALUES))
			fcgi_values_known(fconn, NULL);
		break;
	default:
		break;		/* nothing else is meant for us */
	}
}

/* Log the application's STDERR, the first record only per connection. */
static void fcgi_log_stderr(struct fcgi_conn *fconn, uint16_t id,
			    const char *p, size_t len)
{
	char line[160];
	size_t i, n = 0;

	if (fconn->flags & FCGI_CF_STDERR_LOGGED)
		return;
	fconn->flags |= FCGI_CF_STDERR_LOGGED;
	for (i = 0; i < len && n < sizeof(line) - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n' || c == '\r') {
			if (n)
				break;
			continue;
		}
		line[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	line[n] = '\0';
	fprintf(stderr, "muxlab: fcgi conn %llu request %u: application "
		"stderr: %s\n", (unsigned long long)fconn->conn->id, id, line);
}

/* END_REQUEST: the response is complete, or the application refused the
 * request. */
static void fcgi_handle_end_request(struct fcgi_conn *fconn,
				    struct fcgi_strm *fstrm,
				    const struct fcgi_hdr *h,
				    const char *content)
{
	struct stream *s = fstrm->s;
	uint32_t app_status;
	uint8_t proto_status;

	if (fcgi_parse_end_request(content, h->len, &app_status,
				   &proto_status) < 0) {
		fcgi_conn_error(fconn, "bad END_REQUEST");
		return;
	}
	fstrm->flags |= FCGI_SF_ES_RCVD;
	switch (proto_status) {
	case FCGI_REQUEST_COMPLETE:
		break;
	case FCGI_CANT_MPX_CONN:
		/* it does not multiplex after all: one at a time from now */
		fconn->flags &= ~FCGI_CF_MPXS;
		fconn->max_reqs = 1;
		fconn_log(fconn, "request %u refused: FCGI_CANT_MPX_CONN",
			  fstrm->id);
		fcgi_strm_error(fstrm, 503);
		return;
	case FCGI_OVERLOADED:
		fconn_log(fconn, "request %u refused: FCGI_OVERLOADED",
			  fstrm->id);
		fcgi_strm_error(fstrm, 503);
		return;
	default:
		fconn_log(fconn, "request %u refused: protocol status %u",
			  fstrm->id, proto_status);
		fcgi_strm_error(fstrm, 502);
		return;
	}
	if (!s || (fstrm->flags & FCGI_SF_ERR_SENT))
		return;
	if (fcgi_stdout_end(&fstrm->so, &s->rsp) < 0) {
		fconn_log(fconn, "request %u: incomplete CGI response",
			  fstrm->id);
		fcgi_strm_error(fstrm, 502);
		return;
	}
	if (s->flags & SF_HEAD)
		s->rsp.flags |= HTTP_MSGF_NO_BODY;
	stream_rsp_done(s);
}

/* One record for request <h->id>. */
static void fcgi_handle_record(struct fcgi_conn *fconn,
			       const struct fcgi_hdr *h, const char *content)
{
	struct fcgi_strm *fstrm;
	struct stream *s;

	if (h->id == FCGI_NULL_REQUEST_ID) {
		fcgi_handle_mgmt(fconn, h, content);
		return;
	}
	fstrm = fcgi_find(fconn, h->id);
	if (!fstrm || (fstrm->flags & FCGI_SF_ES_RCVD))
		return;		/* aborted, or already answered: ignored */

	switch (h->type) {
	case FCGI_STDOUT:
		if (!h->len || !fstrm->s || (fstrm->flags & FCGI_SF_ERR_SENT))
			break;		/* the empty one only ends STDOUT */
		s = fstrm->s;
		if (fstrm->so.state == FCGI_SO_BODY &&
		    !http_body_fits(&s->rsp, h->len)) {
			/* the body FIFO is full: the record waits in ibuf
			 * until the front side took some (fcgi_wake()) */
			s->rsp.flags |= HTTP_MSGF_WAIT_ROOM;
			fconn->flags |= FCGI_CF_DEM_SFULL;
			break;
		}
		stream_srv_activity(s);	/* timeout server again */
		if (fcgi_stdout_feed(&fstrm->so, content, h->len,
				     &s->rsp) < 0) {
			fconn_log(fconn, "request %u: bad CGI response",
				  fstrm->id);
			fcgi_strm_error(fstrm, 502);
			break;
		}
		if (fstrm->so.state != FCGI_SO_BODY)
			break;		/* headers not complete yet */
		if (s->flags & SF_HEAD) {
			s->rsp.flags |= HTTP_MSGF_NO_BODY;
			b_reset(&s->rsp.body);	/* no body for HEAD */
		}
		if (!(s->flags & SF_RSP_READY)) {
			/* the headers: the body follows */
			s->flags |= SF_RSP_READY;
			stream_notify(s);
		} else if (s->flags & SF_RESP_SENT) {
			stream_wake_front(s);	/* more body to send */
		}
		break;
	case FCGI_STDERR:
		if (h->len)
			fcgi_log_stderr(fconn, h->id, content, h->len);
		break;
	case FCGI_END_REQUEST:
		fcgi_handle_end_request(fconn, fstrm, h, content);
		break;
	default:
		break;		/* not for a responder's web server */
	}
}

/* Parse and handle the whole records in ibuf (HAProxy
 * fcgi_process_demux()). */
static void fcgi_process_demux(struct fcgi_conn *fconn)
{
	const char *content;
	struct fcgi_hdr h;
	int ret;

	fconn->flags &= ~FCGI_CF_DEM_SFULL;
	while (fconn->state != FCGI_CS_CLOSED) {
		ret = fcgi_get_record(b_head(&fconn->ibuf),
				      b_data(&fconn->ibuf), &h, &content);
		if (ret < 0) {
			fcgi_conn_error(fconn, "bad record header");
			return;
		}
		if (ret == 0)
			break;
		fcgi_handle_record(fconn, &h, content);
		if (fconn->state == FCGI_CS_CLOSED)
			return;		/* ibuf was dropped */
		if (fconn->flags & FCGI_CF_DEM_SFULL)
			break;		/* the record waits in ibuf */
		b_del(&fconn->ibuf, (size_t)ret);
	}
}

/* ------------------------------------------------------------- process */

/* The application closed or the socket failed: requests not answered yet
 * fail: 503 if nothing was sent for them (connect refused, or closed at
 * once), else 502. */
static void fcgi_handle_shut(struct fcgi_conn *fconn)
{
	struct list *pos;

	if (!(fconn->flags & (FCGI_CF_RCVD_SHUT | FCGI_CF_ERROR)))
		return;
	if (fconn->flags & FCGI_CF_ERROR)
		b_reset(&fconn->obuf);
	for (pos = fconn->streams.n; pos != &fconn->streams; pos = pos->n) {
		struct fcgi_strm *fstrm = list_elem(pos, struct fcgi_strm,
						    list);

		if (fstrm->flags & FCGI_SF_ES_RCVD)
			continue;
		fcgi_strm_error(fstrm, (fstrm->flags & FCGI_SF_REQ_SENT) ?
				502 : 503);
	}
}

/* Turn what was received into responses and decide what happens to the
 * connection (HAProxy fcgi_process()). Returns 0 if the connection is
 * still alive, -1 if it was released. */
static int fcgi_process(struct fcgi_conn *fconn)
{
	struct connection *conn = fconn->conn;

	if (b_data(&fconn->ibuf) && fconn->state != FCGI_CS_CLOSED)
		fcgi_process_demux(fconn);
	fcgi_process_mux(fconn);
	fcgi_send(fconn);
	fcgi_handle_shut(fconn);

	/* HAProxy releases a FastCGI connection whenever it is processed
	 * with no stream left: an idle one does not survive any activity
	 * (the application closing it, or saying anything at all) */
	if (!fconn->nb_streams) {
		fcgi_release(fconn);
		return -1;
	}

	/* a conn that cannot take new requests leaves the available list
	 * (owner thread, no lock: nobody else reads it) */
	if (conn->hash_node.in == LIST_AVAIL && fcgi_avail_streams(conn) <= 0)
		_conn_delete_from_tree(conn, REASON_ERROR);

	fcgi_refresh_timeout(fconn);
	if (!(fconn->wait_event.events & SUB_RETRY_RECV) &&
	    !(fconn->flags & (FCGI_CF_RCVD_SHUT | FCGI_CF_ERROR)) &&
	    b_data(&fconn->ibuf) < FCGI_IBUF_SIZE)
		conn_subscribe(conn, SUB_RETRY_RECV, &fconn->wait_event);
	/* obuf drained below its mark with requests still waiting */
	if (fconn->state == FCGI_CS_RECORD && !b_data(&fconn->obuf)) {
		struct list *pos;

		for (pos = fconn->streams.n; pos != &fconn->streams;
		     pos = pos->n) {
			struct fcgi_strm *fstrm = list_elem(pos,
						struct fcgi_strm, list);

			if (!(fstrm->flags & (FCGI_SF_REQ_SENT |
					      FCGI_SF_ERR_SENT))) {
				tasklet_wakeup(fconn->wait_event.tasklet);
				break;
			}
		}
	}
	return 0;
}

/* --------------------------------------------------------------- tasks */

/*
 * fcgi_io_cb - the I/O tasklet of a FastCGI connection (HAProxy
 * fcgi_io_cb(), the third file e388f2fbc changed).
 * @t:     the tasklet
 * @ctx:   its context as read at dequeue time, before any lock: the fconn,
 *         or NULL if the connection was taken over meanwhile
 * @state: the tasklet's state word as it was at dequeue time
 *
 * Same prologue and epilogue as h1_io_cb(): with TASK_F_USR1 in @state
 * (always in legacy mode) lock, re-read tl->context (NOT @ctx), free
 * ourselves if it is NULL, else take the connection out of its list while
 * we work on it; without USR1 @ctx is valid without a lock. Then send,
 * receive, and process if anything moved (HAProxy does the same: a
 * spurious wakeup must not close an idle FastCGI connection, but any real
 * activity does). If the connection survived and was in a list, it goes
 * back into the same list under the lock.
 *
 * Return: @t, or NULL if the tasklet was freed (stolen or released).
 * Context: the thread the tasklet was queued on. Takes this thread's
 * idle_conns_lock (SITE_IO_CB) on the locked path, twice if it re-inserts.
 */
struct task *fcgi_io_cb(struct task *t, void *ctx, unsigned int state)
{
	struct tasklet *tl = (struct tasklet *)t;
	struct fcgi_conn *fconn = ctx;
	struct connection *conn;
	enum cb_path path;
	int side = tl->conn_side;	/* tl fields only: see conn_side */
	int conn_in_list;
	int ret = 0;

	path = io_cb_must_lock(state) ? PATH_LOCKED : PATH_FAST;
	TRACE(io_cb, tid, tl->id, tl->conn_id, MUX_FCGI, side, state, path);
	ACT.io_cb[side][MUX_FCGI][path]++;

	if (path == PATH_LOCKED) {
		/* USR1 was set when this run was dequeued: the connection
		 * sat in an idle list and another thread may have taken
		 * it over since. Look at the context under our lock.
		 */
		idle_lock(tid, SITE_IO_CB);
		if (bug_on_mode(BUG_TRUST_CTX))
			fconn = ctx;		/* BUG: read before the lock */
		else
			fconn = tasklet_get_context(tl); /* a stealer NULLs it */
		if (fconn == NULL) {
			/* Stolen: the connection now belongs to the
			 * stealer, which NULLed our context under this
			 * lock. Only the old tasklet is ours to free.
			 */
			idle_unlock(tid, SITE_IO_CB);
			ACT.stolen_free++;
			TRACE(io_cb_stolen, tid, tl->id, MUX_FCGI);
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
		conn = fconn->conn;

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
		if (unlikely(fconn == NULL)) {
			/* stolen but no USR1: only a bug mode gets here;
			 * keep the run going and leak the tasklet (the
			 * leak check reports it), as mux_h1 does */
			BUG_ON(lab_bug == BUG_NONE);
			return t;
		}
		conn = fconn->conn;
		conn_in_list = 0;
	}

	if (!(fconn->wait_event.events & SUB_RETRY_SEND))
		ret = fcgi_send(fconn);
	if (!(fconn->wait_event.events & SUB_RETRY_RECV))
		ret |= fcgi_recv(fconn);
	if (ret || b_data(&fconn->ibuf) ||
	    (fconn->state == FCGI_CS_RECORD && fconn->nb_streams))
		ret = fcgi_process(fconn);
	else
		ret = 0;

	/* Put the connection back in the list it came from, unless
	 * fcgi_process() returned -1 (it destroyed the connection).
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
static inline int fcgi_task_expired(const struct task *t)
{
	return t->expire && now_mono_ns() >= t->expire;
}

/*
 * fcgi_timeout_task - the timeout task of a FastCGI connection (HAProxy
 * fcgi_timeout_task(), unchanged by e388f2fbc).
 * @t:     the task
 * @ctx:   the fconn as read at dequeue time; NULL once fcgi_release() or a
 *         takeover detached the task from its connection
 * @state: its state word at dequeue time
 *
 * Always takes the lock when it still has a context (a stealer may NULL
 * t->context while the connection is idle). Under the lock: NULL context
 * -> stolen, free the task only; not expired -> nothing. An application
 * that did not answer GET_VALUES in time, with requests waiting, is
 * treated as not multiplexing and the requests go. Else the connection
 * leaves its list (nobody may steal what we are closing) and, out of the
 * lock, what is in progress fails (504, or 503 while connecting) and the
 * connection is released unless streams still have to detach.
 *
 * Return: @t, or NULL when the task freed itself.
 * Context: the task's owner thread. Takes this thread's idle_conns_lock
 * (SITE_TIMEOUT) whenever @ctx is not NULL.
 */
struct task *fcgi_timeout_task(struct task *t, void *ctx, unsigned int state)
{
	struct fcgi_conn *fconn = ctx;
	int expired = fcgi_task_expired(t);
	struct list *pos;
	int status;

	(void)state;
	if (!fconn) {
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

	if (fconn->state == FCGI_CS_SETTINGS && fconn->nb_streams &&
	    !(fconn->conn->flags & CO_FL_WAIT_L4_CONN)) {
		/* connected, but no answer to GET_VALUES: go without */
		idle_unlock(tid, SITE_TIMEOUT);
		fconn_log(fconn, "no answer to FCGI_GET_VALUES: assuming "
			  "FCGI_MPXS_CONNS=0");
		fcgi_values_known(fconn, NULL);
		fcgi_process_mux(fconn);
		fcgi_send(fconn);
		t->expire = 0;
		fcgi_refresh_timeout(fconn);
		return t;
	}

	/* We're about to destroy the connection, so make sure nobody
	 * attempts to steal it from us.
	 */
	if (fconn->conn->flags & CO_FL_LIST_MASK)
		_conn_delete_from_tree(fconn->conn, REASON_CLOSE);

	idle_unlock(tid, SITE_TIMEOUT);

	task_destroy(t);
	fconn->task = NULL;

	status = (fconn->conn->flags & CO_FL_WAIT_L4_CONN) ? 503 : 504;
	fconn->flags |= FCGI_CF_NO_REUSE;
	for (pos = fconn->streams.n; pos != &fconn->streams; pos = pos->n)
		fcgi_strm_error(list_elem(pos, struct fcgi_strm, list), status);

	/* either we can release everything now or it will be done later
	 * once the last stream detaches */
	if (!fconn->nb_streams)
		fcgi_release(fconn);
	return NULL;
}

/* ------------------------------------------------------------- release */

/* Free everything of <fconn> and its connection (HAProxy fcgi_release()):
 * streams still attached are told 502 if they did not complete and
 * forget the connection, subscriptions are dropped, the tasklet freed,
 * the timeout task told to free itself, then conn_free() closes the
 * socket and fixes the server's counters. The caller holds no
 * idle_conns_lock and touches nothing of fconn afterwards. */
static void fcgi_release(struct fcgi_conn *fconn)
{
	struct connection *conn = fconn->conn;

	while (!list_isempty(&fconn->streams)) {
		struct fcgi_strm *fstrm = list_elem(fconn->streams.n,
						    struct fcgi_strm, list);
		struct stream *s = fstrm->s;

		if (s) {
			if (!(fstrm->flags & FCGI_SF_ES_RCVD))
				fcgi_strm_error(fstrm, 502);
			TRACE(stream_detach, tid, conn->id, MUX_FCGI,
			      SIDE_BACK, s->id);
			s->bconn = NULL;
			s->bctx = NULL;
		}
		fcgi_strm_free(fstrm);
	}

	if (fconn->wait_event.events)
		conn_unsubscribe(conn, fconn->wait_event.events,
				 &fconn->wait_event);
	if (fconn->task) {
		fconn->task->context = NULL;
		task_wakeup(fconn->task, TASK_WOKEN_OTHER);
		fconn->task = NULL;
	}
	tasklet_free(fconn->wait_event.tasklet);
	fconn->wait_event.tasklet = NULL;
	b_free(&fconn->ibuf);
	b_free(&fconn->obuf);
	conn->ctx = NULL;
	conn_free(conn);
	free(fconn);
}

/* ------------------------------------------------------------ mux ops */

/* Create the fconn of back connection <conn>, its tasklet and timeout
 * task, queue FCGI_GET_VALUES and subscribe (HAProxy fcgi_init()). A
 * FastCGI front end does not exist: refused. <px> is the backend.
 * Returns 0 or -1 (nothing allocated). Owner thread. */
static int fcgi_init(struct connection *conn, struct proxy *px)
{
	struct fcgi_conn *fconn;
	struct tasklet *tl;
	struct task *task;

	if (conn->side != SIDE_BACK)
		return -1;
	fconn = calloc(1, sizeof(*fconn));
	tl = tasklet_new();
	task = task_new_on(tid);
	if (!fconn || !tl || !task)
		goto fail;

	fconn->conn = conn;
	fconn->px = px;
	fconn->state = FCGI_CS_SETTINGS;
	fconn->max_reqs = 1;		/* until the application says more */
	fconn->ibuf = BUF_NULL;
	fconn->obuf = BUF_NULL;
	list_init(&fconn->streams);
	if (fcgi_emit_get_values(&fconn->obuf) < 0)
		goto fail;

	tl->process = fcgi_io_cb;
	tl->context = fconn;
	tl->conn_id = conn->id;
	tl->conn_side = SIDE_BACK;
	fconn->wait_event.tasklet = tl;
	fconn->wait_event.events = 0;

	task->process = fcgi_timeout_task;
	task->context = fconn;
	fconn->task = task;

	conn->ctx = fconn;
	fcgi_refresh_timeout(fconn);
	/* GET_VALUES goes out as soon as the connect completes */
	conn_subscribe(conn, SUB_RETRY_RECV, &fconn->wait_event);
	fcgi_send(fconn);
	return 0;

 fail:
	if (task)
		task_destroy(task);
	tasklet_free(tl);
	if (fconn)
		b_free(&fconn->obuf);
	free(fconn);
	return -1;
}

/* How many more requests <conn> may carry (HAProxy fcgi_avail_streams()):
 * none once it failed, was closed or may not be reused; else the
 * application's limit (1 unless it multiplexes) minus those in progress. */
static int fcgi_avail_streams(struct connection *conn)
{
	struct fcgi_conn *fconn = conn->ctx;

	if (fconn->state == FCGI_CS_CLOSED ||
	    (fconn->flags & (FCGI_CF_RCVD_SHUT | FCGI_CF_ERROR |
			     FCGI_CF_PROTO_ERR | FCGI_CF_NO_REUSE)) ||
	    (conn->flags & (CO_FL_ERROR | CO_FL_SOCK_RD_SH |
			    CO_FL_SOCK_WR_SH)))
		return 0;
	return fconn->nb_streams < fconn->max_reqs ?
	       fconn->max_reqs - fconn->nb_streams : 0;
}

/* HAProxy fcgi_used_streams(). */
static int fcgi_used_streams(struct connection *conn)
{
	struct fcgi_conn *fconn = conn->ctx;

	return fconn->nb_streams;
}

/* Stream <s> starts on <conn> (HAProxy fcgi_attach() +
 * fcgi_conn_stream_new()). Refused when the connection has no room. Once
 * the fstrm exists TASK_F_USR1 is cleared. The request is encoded and
 * sent by the connection's tasklet (the streams attached during one turn
 * of the scheduler leave in one send(), as HAProxy's fcgi_snd_buf() wakes
 * the tasklet instead of sending), once the application answered
 * GET_VALUES if it was asked.
 * Returns 0, or -1 with nothing attached. Owner thread, no lock. */
static int fcgi_attach(struct connection *conn, struct stream *s)
{
	struct fcgi_conn *fconn = conn->ctx;
	struct fcgi_strm *fstrm;

	if (fcgi_avail_streams(conn) <= 0)
		return -1;
	fstrm = calloc(1, sizeof(*fstrm));
	if (!fstrm)
		return -1;
	fstrm->fconn = fconn;
	fstrm->s = s;
	fstrm->id = fcgi_next_id(fconn);
	fcgi_stdout_init(&fstrm->so);
	list_append(&fconn->streams, &fstrm->list);
	fconn->nb_streams++;
	s->bconn = conn;
	s->bctx = fstrm;
	TRACE(stream_attach, tid, conn->id, MUX_FCGI, SIDE_BACK, s->id);

	/* USR1 off: the stream exists, the connection is in use */
	mux_clear_idle_flag(fconn->wait_event.tasklet, conn);

	/* the response will be decoded into s->rsp */
	http_msg_reset(&s->rsp, 1);

	tasklet_wakeup(fconn->wait_event.tasklet);
	fcgi_refresh_timeout(fconn);
	return 0;
}

/*
 * Stream <s> leaves its connection (HAProxy fcgi_detach()). A request
 * that did not complete is aborted (ABORT_REQUEST) and the connection
 * will not be reused. If the connection is healthy:
 *   - no request left: offered to the server's pool of this thread, as
 *     safe (HAProxy inserts every FastCGI idle connection as safe);
 *   - requests left and room for more: the available list of this thread
 *     (owner only, no lock, no TASK_F_USR1: never stolen).
 * Otherwise it is released once it has no request.
 *
 * USR1: the flag is set BEFORE the insertion; once srv_add_to_idle_list()
 * accepted it we return without touching fconn or conn again. Owner
 * thread, no lock.
 */
static void fcgi_detach(struct stream *s)
{
	struct fcgi_strm *fstrm = s->bctx;
	struct fcgi_conn *fconn;
	struct connection *conn;
	struct server *srv;

	if (!fstrm)
		return;
	fconn = fstrm->fconn;
	conn = fconn->conn;
	srv = conn->target;

	TRACE(stream_detach, tid, conn->id, MUX_FCGI, SIDE_BACK, s->id);
	s->bconn = NULL;
	s->bctx = NULL;
	if (!(fstrm->flags & FCGI_SF_ES_RCVD)) {
		/* the application may still answer it: this connection
		 * cannot be trusted with another request */
		if ((fstrm->flags & FCGI_SF_HDRS_SENT) &&
		    fconn->state == FCGI_CS_RECORD)
			fcgi_emit_abort_request(&fconn->obuf, fstrm->id);
		fconn->flags |= FCGI_CF_NO_REUSE;
	}
	fcgi_strm_free(fstrm);

	if (srv && !(conn->flags & CO_FL_PRIVATE) &&
	    !(fconn->px && fconn->px->reuse == REUSE_NEVER) &&
	    fconn->state == FCGI_CS_RECORD && fcgi_avail_streams(conn) > 0) {
		if (!fconn->nb_streams) {
			conn->owner = NULL;
			fcgi_refresh_timeout(fconn);	/* idle: server */

			/* USR1 on, before the connection is published: from
			 * the insert on a stealer may NULL our context, so the
			 * io_cb must look at it under the idle_conns lock.
			 */
			if (bug_on_mode(BUG_NO_USR1_SET) ||
			    bug_on_mode(BUG_USR1_AFTER_INSERT))
				; /* BUG: not now (never, or too late) */
			else
				mux_set_idle_flag(fconn->wait_event.tasklet,
						  conn);

			if (!srv_add_to_idle_list(srv, conn, 1)) {
				/* refused by the pool: close it now */
				fcgi_release(fconn);
				return;
			}

			if (bug_on_mode(BUG_USR1_AFTER_INSERT)) {
				/* BUG: already published: another thread
				 * may own (even have freed) it by now */
				mux_set_idle_flag(fconn->wait_event.tasklet,
						  conn);
			}
			/* from now on the connection may belong to another
			 * thread */
			return;
		}
		if (conn->hash_node.in == LIST_NONE)
			srv_add_to_avail_list(srv, conn);
	}

	if (!fconn->nb_streams) {
		fcgi_send(fconn);	/* the ABORT_REQUEST, best effort */
		fcgi_release(fconn);
		return;
	}
	fcgi_refresh_timeout(fconn);
	if (b_data(&fconn->obuf))
		tasklet_wakeup(fconn->wait_event.tasklet);
}

/* Front-side operations: FastCGI has no front end. */
/* The other side of stream <s> added request body bytes, ended the
 * request, or made room in the response body: run the tasklet, which
 * encodes more STDIN (fcgi_process_mux()) and retries the STDOUT record
 * that waited for room. Owner thread. */
static void fcgi_wake(struct stream *s, enum side side)
{
	struct fcgi_strm *fstrm = s->bctx;

	(void)side;			/* back side only */
	if (fstrm)
		tasklet_wakeup(fstrm->fconn->wait_event.tasklet);
}

static int fcgi_send_resp(struct stream *s)
{
	(void)s;
	return -1;
}

static void fcgi_strm_gone(struct stream *s)
{
	(void)s;
}

/*
 * Move idle connection <conn> from thread <orig_tid> to the calling
 * thread (HAProxy fcgi_takeover(), with the allocation-first order of
 * d069825c5). Called by conn_backend_get() while it holds <orig_tid>'s
 * idle_conns_lock. Same steps as h1_takeover() and h2_takeover(): new
 * tasklet (and task) first, fd_takeover() (the point of no return), drop
 * the old subscriptions, NULL the old tasklet's context and wake it on
 * <orig_tid>, kill the old task, install the new tasklet WITHOUT
 * TASK_F_USR1 and subscribe for RECV.
 *
 * Emits the takeover event once per call: ok=1 as soon as fd_takeover()
 * succeeded (before the old tasklet is woken, so that the trace shows the
 * steal before the old tasklet's io_cb), ok=0 on failure. Returns 0 or -1
 * (nothing changed).
 */
static int fcgi_takeover(struct connection *conn, int orig_tid)
{
	struct fcgi_conn *fconn = conn->ctx;
	struct tasklet *old_tl = fconn->wait_event.tasklet;
	uint64_t old_tl_id = old_tl->id;
	struct tasklet *new_tl;
	struct task *new_task = NULL;
	struct task *old_task = fconn->task;

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

	if (fconn->wait_event.events)
		conn_unsubscribe(conn, fconn->wait_event.events,
				 &fconn->wait_event);

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
		fconn->task = NULL;
		task_kill(old_task);
		new_task->process = fcgi_timeout_task;
		new_task->context = fconn;
		fconn->task = new_task;
		fcgi_refresh_timeout(fconn);	/* idle: timeout server */
	}

	new_tl->process = fcgi_io_cb;
	new_tl->context = fconn;
	new_tl->conn_id = conn->id;
	new_tl->conn_side = SIDE_BACK;
	fconn->wait_event.tasklet = new_tl;
	conn_subscribe(conn, SUB_RETRY_RECV, &fconn->wait_event);
	return 0;

 fail:
	if (new_task)
		task_destroy(new_task);
	tasklet_free(new_tl);
	conn_trace_takeover(conn, orig_tid, old_tl_id, 0, 0);
	return -1;
}

/* Destroy the connection whose mux context is <ctx> (HAProxy
 * fcgi_destroy()): purge, refused insertion, failed reuse, shutdown.
 * Owner thread; the caller holds no idle_conns lock. */
static void fcgi_destroy(void *ctx)
{
	if (ctx)
		fcgi_release(ctx);
}

/* Never a front connection; kept for the ops table. */
static void fcgi_shutdown(struct connection *conn)
{
	fcgi_destroy(conn->ctx);
}

const struct mux_ops mux_fcgi_ops = {
	.name = "fcgi",
	.id = MUX_FCGI,
	.flags = MX_FL_HOL_RISK,
	.init = fcgi_init,
	.attach = fcgi_attach,
	.detach = fcgi_detach,
	.send_resp = fcgi_send_resp,
	.strm_gone = fcgi_strm_gone,
	.wake = fcgi_wake,
	.avail_streams = fcgi_avail_streams,
	.used_streams = fcgi_used_streams,
	.takeover = fcgi_takeover,
	.destroy = fcgi_destroy,
	.shutdown = fcgi_shutdown,
};
