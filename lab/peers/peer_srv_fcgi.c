/*
 * peer_srv_fcgi.c - peer-server's FastCGI responder.
 *
 * A FastCGI application in the style of php-fpm, with the two properties
 * the engine's FCGI mux cares about made into knobs:
 *
 *   --mpxs 0|1    FCGI_MPXS_CONNS. With 0 the application handles one
 *                 request at a time per connection, and answers a second
 *                 BEGIN_REQUEST on a busy connection with END_REQUEST /
 *                 FCGI_CANT_MPX_CONN, as the specification says. With 1
 *                 it takes up to --max-reqs requests at once on one
 *                 connection and interleaves their STDOUT records. Whether
 *                 the engine may put a backend connection in the
 *                 "available" list (usable by more streams while busy)
 *                 depends on this value, which it learns with
 *                 FCGI_GET_VALUES.
 *   --max-reqs N  FCGI_MAX_REQS; beyond it, END_REQUEST / FCGI_OVERLOADED.
 *
 * Records are decoded and encoded with the engine's codec (src/fcgi.c).
 * The response to a request is one CGI response on STDOUT,
 *
 *	Status: 200 OK\r\nContent-Type: text/plain\r\n
 *	X-Peer-Server: ...\r\nX-Peer-Conn: ...\r\nX-Peer-Req: ...\r\n\r\n<body>
 *
 * then an empty STDOUT and END_REQUEST (FCGI_REQUEST_COMPLETE). The path
 * is REQUEST_URI (or SCRIPT_NAME + PATH_INFO), routed like the HTTP paths.
 * Without FCGI_KEEP_CONN in BEGIN_REQUEST the connection is closed after
 * the answer, as the specification requires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "h1.h"
#include "peer_server.h"

#define FCGIS_PARAMS_MAX	(2 * HTTP_MAX_HDR_SIZE)
#define FCGIS_SLICE		16384	/* STDOUT bytes per request per turn */

enum fcgis_req_state {
	FR_PARAMS = 0,	/* collecting PARAMS records */
	FR_STDIN,	/* reading the body (STDIN records) */
	FR_DELAY,	/* complete, --delay timer running */
	FR_SEND,	/* writing STDOUT */
};

struct fcgis_req {
	struct list list;		/* in fcgis.reqs, arrival order */
	struct srv_conn *c;
	uint16_t id;
	int keep_conn;
	enum fcgis_req_state st;
	struct buffer params;		/* the PARAMS stream */
	uint64_t stdin_bytes;
	struct srv_reply reply;
	int bad_path;
	char head[512];			/* the CGI header block */
	size_t head_len;
	uint64_t sent;			/* bytes of head + body emitted */
	uint64_t req_no;		/* value of x-peer-req */
	struct peer_timer delay_t;
};

struct fcgis {
	struct list reqs;		/* struct fcgis_req */
	int nb_reqs;
};

static struct fcgis_req *fcgis_find(struct fcgis *s, uint16_t id)
{
	struct list *e, *tmp;

	list_for_each_safe(e, tmp, &s->reqs) {
		struct fcgis_req *r = list_elem(e, struct fcgis_req, list);

		if (r->id == id)
			return r;
	}
	return NULL;
}

static void fcgis_req_free(struct fcgis *s, struct fcgis_req *r)
{
	peer_timer_disarm(&r->c->thr->loop, &r->delay_t);
	b_free(&r->params);
	list_delete(&r->list);
	s->nb_reqs--;
	free(r);
}

static void fcgis_delay_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct fcgis_req *r = container_of(t, struct fcgis_req, delay_t);

	(void)loop;
	r->st = FR_SEND;
	srv_conn_wake(r->c);
}

static int fcgis_init(struct srv_conn *c)
{
	struct fcgis *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	list_init(&s->reqs);
	c->ctx = s;
	return 0;
}

static void fcgis_release(struct srv_conn *c)
{
	struct fcgis *s = c->ctx;
	struct list *e, *tmp;

	if (!s)
		return;
	list_for_each_safe(e, tmp, &s->reqs)
		fcgis_req_free(s, list_elem(e, struct fcgis_req, list));
	free(s);
	c->ctx = NULL;
}

/* Answer a BEGIN_REQUEST we refuse with END_REQUEST / <why>. */
static int fcgis_refuse(struct srv_conn *c, uint16_t id, uint8_t why)
{
	srv_log(c, "request %u refused (%s)", id,
		why == FCGI_CANT_MPX_CONN ? "cannot multiplex" :
		why == FCGI_OVERLOADED ? "overloaded" : "unknown role");
	return fcgi_emit_end_request(&c->out, id, 0, why);
}

/* Find the request path in the CGI environment: REQUEST_URI, else
 * SCRIPT_NAME followed by PATH_INFO. */
static void fcgis_route(struct fcgis_req *r)
{
	const char *p = b_head(&r->params);
	size_t len = b_data(&r->params), off = 0;
	char path[2048];
	size_t plen = 0;
	struct fcgi_nv nv;
	const char *uri = NULL, *script = NULL, *info = NULL;
	size_t uri_len = 0, script_len = 0, info_len = 0;

	while (fcgi_nv_next(p, len, &off, &nv) > 0) {
		if (nv.nlen == 11 && memcmp(nv.n, "REQUEST_URI", 11) == 0) {
			uri = nv.v;
			uri_len = nv.vlen;
		} else if (nv.nlen == 11 &&
			   memcmp(nv.n, "SCRIPT_NAME", 11) == 0) {
			script = nv.v;
			script_len = nv.vlen;
		} else if (nv.nlen == 9 && memcmp(nv.n, "PATH_INFO", 9) == 0) {
			info = nv.v;
			info_len = nv.vlen;
		}
	}
	if (!uri) {
		if (script && script_len < sizeof(path)) {
			memcpy(path, script, script_len);
			plen = script_len;
		}
		if (info && plen + info_len < sizeof(path)) {
			memcpy(path + plen, info, info_len);
			plen += info_len;
		}
		uri = path;
		uri_len = plen;
	}
	r->bad_path = srv_route(uri, uri_len, &r->reply) < 0;
	if (r->bad_path) {
		r->reply.status = 400;
		r->reply.size = 0;
		r->reply.delay_ms = 0;
	}
}

/* The request is complete: prepare its answer. */
static void fcgis_req_ready(struct srv_conn *c, struct fcgis_req *r)
{
	int n;

	c->nb_req++;
	r->req_no = c->nb_req;
	fcgis_route(r);
	n = snprintf(r->head, sizeof(r->head),
		     "Status: %d %s\r\nContent-Type: text/plain\r\n"
		     "X-Peer-Server: %s\r\nX-Peer-Conn: %lu\r\n"
		     "X-Peer-Req: %llu\r\n\r\n",
		     r->reply.status, h1_reason(r->reply.status),
		     srv_cfg.addr_str, c->id, (unsigned long long)r->req_no);
	r->head_len = (size_t)n;
	r->sent = 0;
	if (r->reply.delay_ms) {
		r->st = FR_DELAY;
		peer_timer_arm_ms(&c->thr->loop, &r->delay_t,
				  r->reply.delay_ms);
	} else {
		r->st = FR_SEND;
	}
}

/* BEGIN_REQUEST: accept, or refuse as the knobs say. */
static int fcgis_begin(struct srv_conn *c, const struct fcgi_hdr *h,
		       const char *content)
{
	struct fcgis *s = c->ctx;
	struct fcgis_req *r;
	uint16_t role;
	int keep;

	if (fcgi_parse_begin_request(content, h->len, &role, &keep) < 0)
		return -1;
	if (h->id == FCGI_NULL_REQUEST_ID || fcgis_find(s, h->id))
		return -1;	/* a web server bug: drop the connection */
	if (role != FCGI_RESPONDER)
		return fcgis_refuse(c, h->id, FCGI_UNKNOWN_ROLE);
	if (!srv_cfg.mpxs && s->nb_reqs)
		return fcgis_refuse(c, h->id, FCGI_CANT_MPX_CONN);
	if ((uint64_t)s->nb_reqs >= srv_cfg.max_reqs)
		return fcgis_refuse(c, h->id, FCGI_OVERLOADED);

	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->c = c;
	r->id = h->id;
	r->keep_conn = keep;
	r->st = FR_PARAMS;
	r->params = BUF_NULL;
	peer_timer_init(&r->delay_t, fcgis_delay_cb);
	list_append(&s->reqs, &r->list);
	s->nb_reqs++;
	return 0;
}

/* One record from the web server. 0, or -1 to drop the connection. */
static int fcgis_record(struct srv_conn *c, const struct fcgi_hdr *h,
			const char *content)
{
	struct fcgis *s = c->ctx;
	struct fcgis_req *r;
	struct fcgi_values v;

	if (h->id == FCGI_NULL_REQUEST_ID) {
		if (h->type == FCGI_GET_VALUES) {
			v.max_conns = 1024;
			v.max_reqs = (long)srv_cfg.max_reqs;
			v.mpxs_conns = srv_cfg.mpxs;
			return fcgi_emit_get_values_result(&c->out, content,
							   h->len, &v);
		}
		return fcgi_emit_unknown_type(&c->out, h->type);
	}
	if (h->type == FCGI_BEGIN_REQUEST)
		return fcgis_begin(c, h, content);

	/* records of a request we do not know (refused, or already
	 * answered) are ignored, as the specification says */
	r = fcgis_find(s, h->id);
	if (!r)
		return 0;

	switch (h->type) {
	case FCGI_PARAMS:
		if (r->st != FR_PARAMS)
			return -1;
		if (!h->len) {
			r->st = FR_STDIN;
			return 0;
		}
		return b_putblk(&r->params, content, h->len, FCGIS_PARAMS_MAX);
	case FCGI_STDIN:
		if (r->st != FR_STDIN)
			return -1;
		if (h->len) {
			r->stdin_bytes += h->len;
			return 0;
		}
		fcgis_req_ready(c, r);
		return 0;
	case FCGI_ABORT_REQUEST:
		srv_log(c, "request %u aborted by the web server", r->id);
		if (fcgi_emit_end_request(&c->out, r->id, 0,
					  FCGI_REQUEST_COMPLETE) < 0)
			return -1;
		fcgis_req_free(s, r);
		return 0;
	default:
		return 0;	/* DATA (filter role) and others: not ours */
	}
}

/* Emit up to one slice of <r>'s answer; finishes it when all is out. */
static int fcgis_send_slice(struct srv_conn *c, struct fcgis_req *r)
{
	struct fcgis *s = c->ctx;
	uint64_t total = r->head_len + r->reply.size;
	size_t n;
	int keep = r->keep_conn;

	if (r->sent < r->head_len) {
		n = r->head_len - r->sent;
		if (fcgi_emit_stdout(&c->out, r->id, r->head + r->sent, n) < 0)
			return -1;
		r->sent += n;
	}
	if (r->sent < total) {
		uint64_t off = r->sent - r->head_len;

		n = MIN(total - r->sent, (uint64_t)FCGIS_SLICE);
		if (fcgi_emit_stdout(&c->out, r->id, peer_body_at(off),
				     n) < 0)
			return -1;
		r->sent += n;
	}
	if (r->sent < total)
		return 0;

	if (fcgi_emit_stdout(&c->out, r->id, NULL, 0) < 0 ||
	    fcgi_emit_end_request(&c->out, r->id, 0,
				  FCGI_REQUEST_COMPLETE) < 0)
		return -1;
	c->thr->st.requests++;
	fcgis_req_free(s, r);
	if (!keep)
		srv_conn_close_after(c, SRV_CLOSE_CLIENT);
	else if (srv_last_request(c))
		srv_conn_close_after(c, SRV_CLOSE_MAXREQ);
	return 0;
}

/*
 * Decode the records in <in>, then write the answers that are ready, one
 * slice per request in turn so multiplexed answers interleave. Connection's
 * thread. 0, or -1 to close at once.
 */
static int fcgis_process(struct srv_conn *c)
{
	struct fcgis *s = c->ctx;
	struct fcgi_hdr h;
	const char *content;
	int ret, progress;

	while (!(c->flags & SC_F_CLOSING)) {
		ret = fcgi_get_record(b_head(&c->in), b_data(&c->in), &h,
				      &content);
		if (ret == 0)
			break;
		if (ret < 0 || fcgis_record(c, &h, content) < 0) {
			srv_log(c, "bad FastCGI record, closing");
			c->reason = SRV_CLOSE_ERROR;
			return -1;
		}
		b_del(&c->in, ret);
	}

	do {
		struct list *e, *tmp;

		progress = 0;
		list_for_each_safe(e, tmp, &s->reqs) {
			struct fcgis_req *r = list_elem(e, struct fcgis_req,
							list);

			if (b_data(&c->out) >= SRV_OUT_HIGH)
				return 0;
			if (r->st != FR_SEND)
				continue;
			if (fcgis_send_slice(c, r) < 0)
				return -1;
			progress = 1;
		}
	} while (progress);
	return 0;
}

static int fcgis_busy(const struct srv_conn *c)
{
	const struct fcgis *s = c->ctx;

	return s->nb_reqs > 0;
}

/* FastCGI has no goodbye record: an idle close is a plain close. */
static int fcgis_on_idle(struct srv_conn *c)
{
	(void)c;
	return 1;
}

const struct srv_proto srv_proto_fcgi = {
	.name		= "fcgi",
	.init		= fcgis_init,
	.process	= fcgis_process,
	.busy		= fcgis_busy,
	.on_idle	= fcgis_on_idle,
	.release	= fcgis_release,
};
