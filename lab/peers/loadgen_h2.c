/*
 * loadgen_h2.c - loadgen's HTTP/2 handler (h2c, prior knowledge).
 *
 * Each connection keeps up to --concurrency streams open (never more than
 * the server's SETTINGS_MAX_CONCURRENT_STREAMS), each a GET without a body.
 * Frames and HPACK come from the engine's codec (src/h2.c). What a client
 * must do is here:
 *
 *   - preface and SETTINGS (no push; 1 MiB stream windows), a connection
 *     WINDOW_UPDATE to 16 MiB, and windows given back as DATA is read;
 *   - ACK the server's SETTINGS, answer PING;
 *   - a response is complete with END_STREAM on HEADERS or DATA; its
 *     DATA must add up to its content-length (RFC 9113 8.1.1);
 *   - GOAWAY: no new stream on that connection; streams above its
 *     last-stream-id were not processed and are retried elsewhere, the
 *     others finish; the connection is replaced once they did;
 *   - RST_STREAM REFUSED_STREAM: not processed either, retried; any other
 *     RST_STREAM fails the request as a reset;
 *   - a stream past --timeout is cancelled (RST_STREAM CANCEL), the
 *     connection stays.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h2.h"
#include "http_msg.h"
#include "loadgen.h"

#define LG_H2_STREAM_WIN	(1 << 20)	/* SETTINGS_INITIAL_WINDOW_SIZE */
#define LG_H2_CONN_WIN		(16 << 20)	/* after our WINDOW_UPDATE */
#define LG_H2_MAX_FRAME		H2_MIN_FRAME_SIZE
#define LG_H2_ASSUMED_MCS	100		/* before the server's SETTINGS */

struct lg_h2_stream {
	uint32_t id;			/* 0: free slot */
	uint64_t start;
	int retried;
	uint64_t deadline;
	int hdrs_done;			/* final (non-1xx) HEADERS seen */
	int got_bytes;			/* anything arrived for it */
	int status;
	int has_clen;
	uint64_t clen;
	uint64_t body;			/* DATA bytes */
	uint32_t unacked;		/* DATA bytes not yet given back */
	int bad;			/* body differs from the pattern */
};

struct lg_h2 {
	struct h2_settings peer;	/* the server's settings */
	struct h2_hpack hp;
	int hp_ready;
	struct h2_hblock hb;
	struct http_msg req;		/* the request, built once */
	struct http_msg rsp;		/* scratch: decoded response */
	struct buffer block;		/* scratch: encoded field block */
	struct lg_h2_stream *st;	/* --concurrency slots */
	unsigned int nb_open;
	uint32_t next_sid;
	int32_t rwin;			/* connection receive window */
	uint32_t unacked;		/* connection bytes not given back */
	int goaway;
	uint32_t goaway_last;
};

static struct lg_h2_stream *lg_h2_find(struct lg_h2 *s, uint32_t id)
{
	int i;

	if (!id)
		return NULL;
	for (i = 0; i < lg_cfg.concurrency; i++)
		if (s->st[i].id == id)
			return &s->st[i];
	return NULL;
}

/* The earliest deadline of the open streams, 0 if none. */
static uint64_t lg_h2_next_deadline(const struct lg_h2 *s)
{
	uint64_t d = 0;
	int i;

	for (i = 0; i < lg_cfg.concurrency; i++)
		if (s->st[i].id && (!d || s->st[i].deadline < d))
			d = s->st[i].deadline;
	return d;
}

/* Free slot <st> after its request finished. */
static void lg_h2_close_stream(struct lg_conn *c, struct lg_h2_stream *st)
{
	struct lg_h2 *s = c->ctx;

	st->id = 0;
	s->nb_open--;
	c->inflight = s->nb_open;
	c->done_on_conn++;
}

static void lg_h2_finish(struct lg_conn *c, struct lg_h2_stream *st,
			 enum lg_result res)
{
	uint64_t start = st->start;
	int status = st->status;
	uint64_t body = st->body;

	lg_h2_close_stream(c, st);
	lg_req_done(c, start, res, status, body);
}

/* Retry a stream the server did not process (GOAWAY, REFUSED_STREAM). */
static void lg_h2_retry(struct lg_conn *c, struct lg_h2_stream *st,
			enum lg_result why)
{
	uint64_t start = st->start;
	int retried = st->retried;

	lg_h2_close_stream(c, st);
	c->done_on_conn--;
	lg_req_retry(c, start, retried, why);
}

/* END_STREAM: judge the response. */
static void lg_h2_complete(struct lg_conn *c, struct lg_h2_stream *st)
{
	enum lg_result res = LG_OK;

	if (!st->hdrs_done || st->bad ||
	    (st->has_clen && st->clen != st->body))
		res = LG_ERR_PROTO;
	else if (st->status < 200 || st->status > 299)
		res = LG_ERR_STATUS;
	lg_h2_finish(c, st, res);
}

static int lg_h2_build_req(struct lg_conn *c)
{
	static const char ua[] = "muxlab-loadgen";
	struct lg_h2 *s = c->ctx;
	struct http_msg *req = &s->req;

	http_msg_reset(req, 0);
	req->flags |= HTTP_MSGF_VER_11;
	if (http_msg_str(req, "GET", 3, &req->method) < 0 ||
	    http_msg_str(req, lg_cfg.path, strlen(lg_cfg.path),
			 &req->uri) < 0 ||
	    http_msg_str(req, c->tgt->addr_str, strlen(c->tgt->addr_str),
			 &req->authority) < 0 ||
	    http_msg_add_hdr(req, "user-agent", 10, ua, sizeof(ua) - 1) < 0 ||
	    http_msg_add_hdr(req, "accept", 6, "*/*", 3) < 0)
		return -1;
	return 0;
}

/* A new TCP connection: fresh HPACK state, preface, SETTINGS. */
static int lg_h2_init(struct lg_conn *c)
{
	static const struct h2_setting set[] = {
		{ H2_SET_ENABLE_PUSH, 0 },
		{ H2_SET_INITIAL_WINDOW_SIZE, LG_H2_STREAM_WIN },
	};
	struct lg_h2 *s = c->ctx;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->st = calloc(lg_cfg.concurrency, sizeof(*s->st));
		if (!s->st) {
			free(s);
			return -1;
		}
		c->ctx = s;
		h2_hblock_init(&s->hb);
		s->block = BUF_NULL;
		if (lg_h2_build_req(c) < 0)
			return -1;
	}
	if (s->hp_ready)
		h2_hpack_free(&s->hp);
	s->hp_ready = 0;
	if (h2_hpack_init(&s->hp) < 0)
		return -1;
	s->hp_ready = 1;
	h2_settings_init(&s->peer);
	h2_hblock_reset(&s->hb);
	memset(s->st, 0, lg_cfg.concurrency * sizeof(*s->st));
	s->nb_open = 0;
	s->next_sid = 1;
	s->rwin = LG_H2_CONN_WIN;
	s->unacked = 0;
	s->goaway = 0;
	s->goaway_last = 0;

	if (h2_emit_preface(&c->out) < 0 ||
	    h2_emit_settings(&c->out, set, 2) < 0 ||
	    h2_emit_window_update(&c->out, 0,
				  LG_H2_CONN_WIN - H2_DEFAULT_WINDOW) < 0)
		return -1;
	return 0;
}

static void lg_h2_release(struct lg_conn *c)
{
	struct lg_h2 *s = c->ctx;

	if (!s)
		return;
	if (s->hp_ready)
		h2_hpack_free(&s->hp);
	h2_hblock_free(&s->hb);
	http_msg_free(&s->req);
	http_msg_free(&s->rsp);
	b_free(&s->block);
	free(s->st);
	free(s);
	c->ctx = NULL;
}

static unsigned int lg_h2_capacity(const struct lg_conn *c)
{
	const struct lg_h2 *s = c->ctx;
	uint32_t limit = (uint32_t)lg_cfg.concurrency;

	if (!s || s->goaway || s->next_sid > 0x7ffffff0)
		return 0;
	if (s->peer.max_concurrent_streams < limit)
		limit = s->peer.max_concurrent_streams;
	if (limit > LG_H2_ASSUMED_MCS &&
	    s->peer.max_concurrent_streams == UINT32_MAX)
		limit = LG_H2_ASSUMED_MCS;
	return limit > s->nb_open ? limit - s->nb_open : 0;
}

static int lg_h2_send(struct lg_conn *c, uint64_t start, int retried)
{
	struct lg_h2 *s = c->ctx;
	struct lg_h2_stream *st = NULL;
	int i;

	for (i = 0; !st && i < lg_cfg.concurrency; i++)
		if (!s->st[i].id)
			st = &s->st[i];
	if (!st)
		return -1;
	b_reset(&s->block);
	if (h2_hpack_encode_req(&s->hp, &s->req, &s->block) < 0 ||
	    h2_emit_headers(&c->out, s->next_sid,
			    (const uint8_t *)b_head(&s->block),
			    b_data(&s->block), 1, s->peer.max_frame_size) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	st->id = s->next_sid;
	st->start = start;
	st->retried = retried;
	st->deadline = start + lg_cfg.timeout_ms * US_PER_MS;
	s->next_sid += 2;
	s->nb_open++;
	c->inflight = s->nb_open;
	lg_conn_set_deadline(c, lg_h2_next_deadline(s));
	return 0;
}

/* Give back received DATA once half a window was used. */
static int lg_h2_ack_data(struct lg_conn *c, struct lg_h2_stream *st,
			  uint32_t len)
{
	struct lg_h2 *s = c->ctx;

	s->unacked += len;
	if (s->unacked >= LG_H2_CONN_WIN / 2) {
		if (h2_emit_window_update(&c->out, 0, s->unacked) < 0)
			return -1;
		s->rwin += (int32_t)s->unacked;
		s->unacked = 0;
	}
	if (st) {
		st->unacked += len;
		if (st->unacked >= LG_H2_STREAM_WIN / 2) {
			if (h2_emit_window_update(&c->out, st->id,
						  st->unacked) < 0)
				return -1;
			st->unacked = 0;
		}
	}
	return 0;
}

/* A complete field block: the response headers, or its trailers. */
static int lg_h2_on_headers(struct lg_conn *c)
{
	struct lg_h2 *s = c->ctx;
	struct lg_h2_stream *st;
	int ret;

	http_msg_reset(&s->rsp, 1);
	ret = h2_hpack_decode(&s->hp, (const uint8_t *)b_head(&s->hb.buf),
			      b_data(&s->hb.buf), &s->rsp, 1);
	if (ret == H2_HPACK_COMPRESSION)
		return -1;
	st = lg_h2_find(s, s->hb.sid);
	if (!st)
		return 0;	/* a stream we cancelled */
	st->got_bytes = 1;
	if (ret != H2_HPACK_OK || s->hb.stream_err) {
		if (h2_emit_rst_stream(&c->out, st->id,
				       H2_ERR_PROTOCOL_ERROR) < 0)
			return -1;
		lg_h2_finish(c, st, LG_ERR_PROTO);
		return 0;
	}
	if (!st->hdrs_done) {
		if (s->rsp.status >= 100 && s->rsp.status < 200 &&
		    !s->hb.end_stream)
			return 0;	/* interim response */
		st->hdrs_done = 1;
		st->status = s->rsp.status;
		st->has_clen = !!(s->rsp.flags & HTTP_MSGF_CLEN) &&
			       !(s->rsp.flags & HTTP_MSGF_NO_BODY);
		st->clen = s->rsp.clen;
	} else if (!s->hb.end_stream) {
		/* trailers must end the stream (8.1) */
		lg_h2_finish(c, st, LG_ERR_PROTO);
		return h2_emit_rst_stream(&c->out, st->id,
					  H2_ERR_PROTOCOL_ERROR);
	}
	if (s->hb.end_stream)
		lg_h2_complete(c, st);
	return 0;
}

static int lg_h2_on_data(struct lg_conn *c, const struct h2_fh *fh,
			 const uint8_t *payload)
{
	struct lg_h2 *s = c->ctx;
	struct lg_h2_stream *st;
	struct h2_error err;
	const uint8_t *data;
	uint32_t dlen;

	if (h2_parse_data(fh, payload, &data, &dlen, &err) < 0)
		return -1;
	s->rwin -= (int32_t)fh->len;
	if (s->rwin < 0)
		return -1;	/* the server ignored our window */
	st = lg_h2_find(s, fh->sid);
	if (lg_h2_ack_data(c, st, fh->len) < 0)
		return -1;
	if (!st)
		return 0;
	st->got_bytes = 1;
	if (!st->hdrs_done) {
		lg_h2_finish(c, st, LG_ERR_PROTO);	/* DATA first */
		return h2_emit_rst_stream(&c->out, fh->sid,
					  H2_ERR_PROTOCOL_ERROR);
	}
	if (dlen && !lg_body_ok(data, dlen, st->body))
		st->bad = 1;
	st->body += dlen;
	if (fh->flags & H2_F_END_STREAM)
		lg_h2_complete(c, st);
	return 0;
}

/* GOAWAY: streams above last-stream-id go elsewhere; no new ones here. */
static void lg_h2_on_goaway(struct lg_conn *c, const struct h2_goaway *ga)
{
	struct lg_h2 *s = c->ctx;
	int i;

	s->goaway = 1;
	s->goaway_last = ga->last_sid;
	c->flags |= LC_F_NO_MORE;
	for (i = 0; i < lg_cfg.concurrency; i++) {
		struct lg_h2_stream *st = &s->st[i];

		if (st->id && st->id > ga->last_sid)
			lg_h2_retry(c, st, LG_ERR_RESET);
	}
}

static int lg_h2_on_frame(struct lg_conn *c, const struct h2_fh *fh,
			  const uint8_t *payload)
{
	struct lg_h2 *s = c->ctx;
	struct lg_h2_stream *st;
	struct h2_goaway ga;
	struct h2_error err;
	uint8_t opaque[8];
	uint32_t v;

	switch (fh->type) {
	case H2_FT_DATA:
		return lg_h2_on_data(c, fh, payload);
	case H2_FT_SETTINGS:
		if (h2_parse_settings(fh, payload, &s->peer, &err) < 0)
			return -1;
		if (fh->flags & H2_F_ACK)
			return 0;
		if (h2_hpack_set_peer_table_size(&s->hp,
						 s->peer.header_table_size) < 0)
			return -1;
		return h2_emit_settings_ack(&c->out);
	case H2_FT_PING:
		if (h2_parse_ping(fh, payload, opaque, &err) < 0)
			return -1;
		return (fh->flags & H2_F_ACK) ? 0 :
		       h2_emit_ping(&c->out, opaque, 1);
	case H2_FT_GOAWAY:
		if (h2_parse_goaway(fh, payload, &ga, &err) < 0)
			return -1;
		lg_h2_on_goaway(c, &ga);
		return 0;
	case H2_FT_RST_STREAM:
		if (h2_parse_rst_stream(fh, payload, &v, &err) < 0)
			return -1;
		st = lg_h2_find(s, fh->sid);
		if (!st)
			return 0;
		if (v == H2_ERR_REFUSED_STREAM)
			lg_h2_retry(c, st, LG_ERR_RESET);
		else
			lg_h2_finish(c, st, LG_ERR_RESET);
		return 0;
	case H2_FT_WINDOW_UPDATE:
		/* we send no bodies: only check it is well formed */
		if (h2_parse_window_update(fh, payload, &v, &err) < 0 &&
		    !err.stream)
			return -1;
		return 0;
	default:
		/* PRIORITY, unknown types: ignored; PUSH_PROMISE refused */
		if (h2_check_frame(fh, payload, &err) < 0 && !err.stream)
			return -1;
		return 0;
	}
}

static int lg_h2_process(struct lg_conn *c)
{
	struct lg_h2 *s = c->ctx;
	const uint8_t *payload;
	struct h2_error err;
	struct h2_fh fh;
	int ret, flen;

	while (b_data(&c->in)) {
		ret = h2_get_frame((const uint8_t *)b_head(&c->in),
				   b_data(&c->in), LG_H2_MAX_FRAME, &fh,
				   &payload, &err);
		if (ret == 0)
			return 0;
		if (ret < 0)
			return -1;
		flen = ret;
		switch (h2_hblock_feed(&s->hb, &fh, payload, &err)) {
		case -1:
			return -1;
		case 0:
			ret = lg_h2_on_frame(c, &fh, payload);
			break;
		case 1:
			ret = 0;
			break;
		default:
			ret = lg_h2_on_headers(c);
			h2_hblock_reset(&s->hb);
			break;
		}
		if (ret < 0)
			return -1;
		b_del(&c->in, flen);
	}
	lg_conn_set_deadline(c, lg_h2_next_deadline(s));
	return 0;
}

/* The connection goes away: finish or retry every open stream. */
static void lg_h2_eof(struct lg_conn *c, enum lg_result why)
{
	struct lg_h2 *s = c->ctx;
	int i;

	if (!s)
		return;
	for (i = 0; i < lg_cfg.concurrency; i++) {
		struct lg_h2_stream *st = &s->st[i];

		if (!st->id)
			continue;
		if (why == LG_ERR_RESET && !st->got_bytes &&
		    (c->done_on_conn > 0 ||
		     (s->goaway && st->id > s->goaway_last)))
			lg_h2_retry(c, st, why);
		else
			lg_h2_finish(c, st, why);
	}
	s->nb_open = 0;
	c->inflight = 0;
}

/* Cancel the overdue streams; the connection stays. */
static uint64_t lg_h2_expire(struct lg_conn *c)
{
	struct lg_h2 *s = c->ctx;
	uint64_t now = lg_now();
	int i;

	for (i = 0; i < lg_cfg.concurrency; i++) {
		struct lg_h2_stream *st = &s->st[i];

		if (!st->id || st->deadline > now)
			continue;
		if (h2_emit_rst_stream(&c->out, st->id, H2_ERR_CANCEL) < 0)
			return 1;
		lg_h2_finish(c, st, LG_ERR_TIMEOUT);
	}
	return lg_h2_next_deadline(s);
}

const struct lg_proto lg_proto_h2 = {
	.name		= "h2",
	.init		= lg_h2_init,
	.capacity	= lg_h2_capacity,
	.send		= lg_h2_send,
	.process	= lg_h2_process,
	.eof		= lg_h2_eof,
	.expire		= lg_h2_expire,
	.release	= lg_h2_release,
};
