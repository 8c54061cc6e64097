/*
 * loadgen_h1.c - loadgen's HTTP/1.1 handler.
 *
 * One request at a time per connection (no pipelining: the engine's H1 mux
 * handles one stream per connection, as HAProxy's does). The request is
 * serialised once per target with the engine's codec (h1_emit_req) and
 * copied for each send; responses are parsed with h1_parse_hdrs and the
 * h1_body decoder, so Content-Length, chunked and until-close bodies are
 * all read to their last byte before the request counts as done.
 *
 * A response that does not parse, a body cut short, a status that is not
 * 2xx, or (with --check-body) a body that differs from peer-server's
 * pattern, all finish the request as an error; nothing waits forever,
 * because the request timer (--timeout) closes the connection.
 *
 * When the server closes a reused connection before sending a single byte
 * of the response, the request is sent again on a new connection: the
 * server closed an idle keep-alive connection at the moment we reused it,
 * the race every HTTP client has to live with (RFC 9112 9.3.1). It is
 * counted in "retries" (LG_MAX_RETRIES times at most).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h1.h"
#include "http_msg.h"
#include "loadgen.h"

struct lg_h1 {
	struct http_msg rsp;
	struct h1_body body;
	int in_body;		/* the headers of the response are parsed */
	int got_bytes;		/* some of the response arrived */
	uint64_t start;		/* the outstanding request */
	int retried;
	uint64_t deadline;	/* its timeout, us */
};

/* Serialise the request for target <t> once: GET <path>, Host = target. */
static int lg_h1_build_tpl(struct lg_target *t)
{
	static const char ua[] = "muxlab-loadgen";
	struct http_msg req;
	int ret = -1;

	memset(&req, 0, sizeof(req));
	http_msg_reset(&req, 0);
	if (http_msg_str(&req, "GET", 3, &req.method) < 0 ||
	    http_msg_str(&req, lg_cfg.path, strlen(lg_cfg.path),
			 &req.uri) < 0 ||
	    http_msg_str(&req, t->addr_str, strlen(t->addr_str),
			 &req.authority) < 0 ||
	    http_msg_add_hdr(&req, "user-agent", 10, ua, sizeof(ua) - 1) < 0 ||
	    http_msg_add_hdr(&req, "accept", 6, "*/*", 3) < 0)
		goto out;
	req.flags |= HTTP_MSGF_VER_11;
	ret = h1_emit_req(&req, &t->req_tpl, H1_KA_KEEP);
out:
	http_msg_free(&req);
	return ret;
}

static int lg_h1_init(struct lg_conn *c)
{
	struct lg_h1 *s = c->ctx;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		c->ctx = s;
	}
	s->in_body = 0;
	s->got_bytes = 0;
	return 0;
}

static void lg_h1_release(struct lg_conn *c)
{
	struct lg_h1 *s = c->ctx;

	if (!s)
		return;
	http_msg_free(&s->rsp);
	free(s);
	c->ctx = NULL;
}

static unsigned int lg_h1_capacity(const struct lg_conn *c)
{
	return c->inflight ? 0 : 1;
}

static int lg_h1_send(struct lg_conn *c, uint64_t start, int retried)
{
	struct lg_h1 *s = c->ctx;
	struct lg_target *t = c->tgt;

	if (!b_data(&t->req_tpl) && lg_h1_build_tpl(t) < 0)
		return -1;
	if (lg_conn_put(c, b_head(&t->req_tpl), b_data(&t->req_tpl)) < 0)
		return -1;
	s->start = start;
	s->retried = retried;
	s->in_body = 0;
	s->got_bytes = 0;
	s->deadline = start + lg_cfg.timeout_ms * US_PER_MS;
	c->inflight = 1;
	lg_conn_set_deadline(c, s->deadline);
	return 0;
}

/* The outstanding request ends with <res>. */
static void lg_h1_finish(struct lg_conn *c, enum lg_result res)
{
	struct lg_h1 *s = c->ctx;
	int status = s->in_body ? s->rsp.status : 0;
	uint64_t body = s->in_body ? b_data(&s->rsp.body) : 0;

	c->inflight = 0;
	c->done_on_conn++;
	s->in_body = 0;
	s->got_bytes = 0;
	lg_conn_set_deadline(c, 0);
	lg_req_done(c, s->start, res, status, body);
}

/* A complete response: judge it. */
static void lg_h1_complete(struct lg_conn *c)
{
	struct lg_h1 *s = c->ctx;
	const struct http_msg *rsp = &s->rsp;
	enum lg_result res = LG_OK;

	if (rsp->status < 200 || rsp->status > 299)
		res = LG_ERR_STATUS;
	else if (!lg_body_ok(b_head(&rsp->body), b_data(&rsp->body), 0))
		res = LG_ERR_PROTO;
	if (rsp->flags & HTTP_MSGF_CONN_CLOSE)
		c->flags |= LC_F_NO_MORE;
	lg_h1_finish(c, res);
}

static int lg_h1_process(struct lg_conn *c)
{
	struct lg_h1 *s = c->ctx;
	int ret, err;

	while (b_data(&c->in)) {
		if (!c->inflight || (c->flags & LC_F_NO_MORE))
			return -1;	/* bytes nobody asked for */
		s->got_bytes = 1;
		if (!s->in_body) {
			http_msg_reset(&s->rsp, 1);
			ret = h1_parse_hdrs(b_head(&c->in), b_data(&c->in),
					    &s->rsp, &err);
			if (ret == 0)
				return 0;
			if (ret < 0) {
				lg_h1_finish(c, LG_ERR_PROTO);
				return -1;
			}
			b_del(&c->in, ret);
			h1_body_init(&s->body, &s->rsp);
			s->in_body = 1;
		}
		if (!h1_body_done(&s->body)) {
			ret = h1_body_feed(&s->body, b_head(&c->in),
					   b_data(&c->in), &s->rsp);
			if (ret < 0) {
				lg_h1_finish(c, LG_ERR_PROTO);
				return -1;
			}
			b_del(&c->in, ret);
			if (!h1_body_done(&s->body))
				return 0;
		}
		lg_h1_complete(c);
	}
	return 0;
}

static void lg_h1_eof(struct lg_conn *c, enum lg_result why)
{
	struct lg_h1 *s = c->ctx;

	if (!c->inflight)
		return;
	/* a body delimited by the close ends here */
	if (why == LG_ERR_RESET && s->in_body &&
	    h1_body_eof(&s->body, &s->rsp) == 0) {
		lg_h1_complete(c);
		return;
	}
	c->inflight = 0;
	lg_conn_set_deadline(c, 0);
	if (why == LG_ERR_RESET && !s->got_bytes && c->done_on_conn > 0) {
		lg_req_retry(c, s->start, s->retried, why);
		return;
	}
	c->done_on_conn++;
	lg_req_done(c, s->start, why, 0, 0);
}

/* HTTP/1.1 cannot cancel a request: an overdue one closes the connection. */
static uint64_t lg_h1_expire(struct lg_conn *c)
{
	struct lg_h1 *s = c->ctx;

	if (!c->inflight)
		return 0;
	if (lg_now() >= s->deadline)
		return 1;
	return s->deadline;
}

const struct lg_proto lg_proto_h1 = {
	.name		= "h1",
	.init		= lg_h1_init,
	.capacity	= lg_h1_capacity,
	.send		= lg_h1_send,
	.process	= lg_h1_process,
	.eof		= lg_h1_eof,
	.expire		= lg_h1_expire,
	.release	= lg_h1_release,
};
