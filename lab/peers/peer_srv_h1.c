/*
 * peer_srv_h1.c - peer-server's HTTP/1.1 handler.
 *
 * One request at a time per connection, in order: parse the headers and the
 * body with the engine's own codec (src/h1.c), wait --delay ms if asked,
 * queue the response, then look at the next request if the client
 * pipelined one. Every response carries a Content-Length, and three
 * headers that let a student see connection reuse from the client side,
 * through the engine:
 *
 *   x-peer-server: 127.0.0.1:8001   which server answered
 *   x-peer-conn: 7                  which server-side connection
 *   x-peer-req: 3                   how many requests that connection served
 *
 * The connection is closed after a response when the client asked for it
 * (Connection: close, or HTTP/1.0 without keep-alive) or when it reached
 * --max-requests; that response then says "connection: close", the way
 * nginx does at keepalive_requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "h1.h"
#include "http_msg.h"
#include "peer_server.h"

enum h1s_state {
	H1S_HDRS = 0,	/* waiting for (the rest of) a request's headers */
	H1S_BODY,	/* reading the request body */
	H1S_DELAY,	/* request complete, --delay timer running */
	H1S_READY,	/* response may be queued */
};

struct h1s {
	enum h1s_state st;
	struct http_msg req;
	struct http_msg rsp;
	struct h1_body body;
	struct srv_reply reply;
	int bad_path;		/* srv_route() refused the path: 400 */
	int close;		/* this exchange ends the connection */
};

static void h1s_delay_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct srv_conn *c = container_of(t, struct srv_conn, proto_t);
	struct h1s *s = c->ctx;

	(void)loop;
	s->st = H1S_READY;
	srv_conn_wake(c);
}

static int h1s_init(struct srv_conn *c)
{
	struct h1s *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	http_msg_reset(&s->req, 0);
	http_msg_reset(&s->rsp, 1);
	c->ctx = s;
	c->proto_t.cb = h1s_delay_cb;
	return 0;
}

static void h1s_release(struct srv_conn *c)
{
	struct h1s *s = c->ctx;

	if (!s)
		return;
	http_msg_free(&s->req);
	http_msg_free(&s->rsp);
	free(s);
	c->ctx = NULL;
}

/* A request we cannot parse: answer <status> and close, like any server. */
static int h1s_fail(struct srv_conn *c, int status)
{
	struct h1s *s = c->ctx;

	srv_log(c, "bad request, answering %d", status);
	s->st = H1S_HDRS;
	if (h1_emit_error(status, &c->out, 1) < 0)
		return -1;
	srv_conn_close_after(c, SRV_CLOSE_ERROR);
	return 0;
}

/* Does the request carry "Expect: 100-continue"? */
static int h1s_wants_continue(const struct http_msg *req)
{
	int i = http_msg_find_hdr(req, "expect");

	return i >= 0 && req->hdr[i].v.len == 12 &&
	       strncasecmp(hstr_ptr(req, req->hdr[i].v), "100-continue",
			   12) == 0;
}

/* Add a "name: <number>" field to the response. */
static int h1s_add_num(struct http_msg *m, const char *name, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);

	return http_msg_add_hdr(m, name, strlen(name), tmp, (size_t)n);
}

/* Build the response to the current request and queue it. 0, 1 if <out>
 * has no room yet (try again when it drained), -1 on failure. */
static int h1s_respond(struct srv_conn *c)
{
	struct h1s *s = c->ctx;
	struct http_msg *rsp = &s->rsp;
	uint64_t left, off = 0;
	int keep;

	keep = s->close ? 0 : H1_KA_KEEP;
	if (keep && !(s->req.flags & HTTP_MSGF_VER_11))
		keep |= H1_KA_PEER_10;

	if (s->bad_path) {
		if (h1_emit_error(400, &c->out, s->close) < 0)
			return b_data(&c->out) ? 1 : -1;
		return 0;
	}

	http_msg_reset(rsp, 1);
	rsp->status = s->reply.status;
	if (h1_req_is_head(&s->req)) {
		/* same headers as GET, no body */
		rsp->flags |= HTTP_MSGF_NO_BODY | HTTP_MSGF_CLEN;
		rsp->clen = s->reply.size;
	}
	if (http_msg_add_hdr(rsp, "content-type", 12, "text/plain", 10) < 0 ||
	    http_msg_add_hdr(rsp, "x-peer-server", 13, srv_cfg.addr_str,
			     strlen(srv_cfg.addr_str)) < 0 ||
	    h1s_add_num(rsp, "x-peer-conn", c->id) < 0 ||
	    h1s_add_num(rsp, "x-peer-req", c->nb_req) < 0)
		return -1;
	if (!(rsp->flags & HTTP_MSGF_NO_BODY)) {
		for (left = s->reply.size; left; ) {
			size_t n = MIN(left, (uint64_t)PEER_BODY_CHUNK);

			if (http_msg_add_body(rsp, peer_body_at(off), n) < 0)
				return -1;
			off += n;
			left -= n;
		}
	}
	if (h1_emit_resp(rsp, &c->out, keep) < 0)
		return b_data(&c->out) ? 1 : -1;
	return 0;
}

/*
 * Consume requests from <in> and queue their responses, one at a time.
 * Connection's thread. 0, or -1 to close at once.
 */
static int h1s_process(struct srv_conn *c)
{
	struct h1s *s = c->ctx;
	int ret, err = 400;

	for (;;) {
		switch (s->st) {
		case H1S_HDRS:
			/* nothing after a response that closes */
			if ((c->flags & SC_F_CLOSING) || !b_data(&c->in))
				return 0;
			ret = h1_parse_hdrs(b_head(&c->in), b_data(&c->in),
					    &s->req, &err);
			if (ret == 0)
				return 0;
			if (ret < 0)
				return h1s_fail(c, err);
			b_del(&c->in, ret);
			h1_body_init(&s->body, &s->req);
			s->st = H1S_BODY;
			if (!h1_body_done(&s->body) &&
			    h1s_wants_continue(&s->req) &&
			    srv_conn_put(c, "HTTP/1.1 100 Continue\r\n\r\n",
					 25) < 0)
				return -1;
			/* fall through */
		case H1S_BODY:
			if (!h1_body_done(&s->body)) {
				ret = h1_body_feed(&s->body, b_head(&c->in),
						   b_data(&c->in), &s->req);
				if (ret < 0)
					return h1s_fail(c, s->body.err_status);
				b_del(&c->in, ret);
				if (!h1_body_done(&s->body))
					return 0;
			}
			/* the request is complete */
			c->nb_req++;
			s->bad_path = srv_route(hstr_ptr(&s->req, s->req.uri),
						s->req.uri.len, &s->reply) < 0;
			s->close = !!(s->req.flags & HTTP_MSGF_CONN_CLOSE) ||
				   srv_last_request(c);
			if (s->reply.delay_ms && !s->bad_path) {
				s->st = H1S_DELAY;
				peer_timer_arm_ms(&c->thr->loop, &c->proto_t,
						  s->reply.delay_ms);
				return 0;
			}
			s->st = H1S_READY;
			/* fall through */
		case H1S_READY:
			if (b_data(&c->out) >= SRV_OUT_HIGH)
				return 0;
			ret = h1s_respond(c);
			if (ret < 0)
				return -1;
			if (ret > 0)
				return 0;
			c->thr->st.requests++;
			s->st = H1S_HDRS;
			if (s->close) {
				srv_conn_close_after(c,
					(s->req.flags & HTTP_MSGF_CONN_CLOSE) ?
					SRV_CLOSE_CLIENT : SRV_CLOSE_MAXREQ);
				return 0;
			}
			break;
		case H1S_DELAY:
			return 0;
		}
	}
}

/* Busy from a complete request until its response is queued: a body that
 * trickles in counts as activity for the idle timer, not as work. */
static int h1s_busy(const struct srv_conn *c)
{
	const struct h1s *s = c->ctx;

	return s->st == H1S_DELAY || s->st == H1S_READY;
}

/* HTTP/1.1 has no goodbye message: an idle close is a plain close. */
static int h1s_on_idle(struct srv_conn *c)
{
	(void)c;
	return 1;
}

const struct srv_proto srv_proto_h1 = {
	.name		= "h1",
	.init		= h1s_init,
	.process	= h1s_process,
	.busy		= h1s_busy,
	.on_idle	= h1s_on_idle,
	.release	= h1s_release,
};
