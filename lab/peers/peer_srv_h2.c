/*
 * peer_srv_h2.c - peer-server's HTTP/2 handler (h2c, prior knowledge).
 *
 * Frames and HPACK come from the engine's codec (src/h2.c); this file is
 * the connection state machine of a small but conformant server:
 *
 *   - the client preface, then our SETTINGS (MAX_CONCURRENT_STREAMS 100)
 *     and an ACK for each of the client's;
 *   - requests as HEADERS (+ CONTINUATION) and DATA, trailers accepted;
 *   - flow control at both levels in both directions: we give back what a
 *     client sends at once (WINDOW_UPDATE per DATA frame), and we never
 *     send more DATA than the client's windows allow;
 *   - PING answered, RST_STREAM honoured, PRIORITY ignored; with --ping,
 *     our own PING every so often while no stream is open (an idle
 *     connection in the engine's pool wakes up without being closed);
 *   - streams beyond 100 at once are refused (RST_STREAM REFUSED_STREAM);
 *   - GOAWAY: after --max-requests streams (last-stream-id = the last one
 *     accepted, so the client knows which requests to retry elsewhere),
 *     and when the connection has been idle for --keepalive-timeout; then
 *     the connection closes once its last stream is answered.
 *
 * Several responses progress at once: each pass gives every ready stream
 * one slice of DATA, so a large response does not hold up small ones
 * (which the engine's H2 mux sees as interleaved frames).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h2.h"
#include "http_msg.h"
#include "peer_server.h"

#define H2S_MAX_STREAMS		100	/* SETTINGS_MAX_CONCURRENT_STREAMS */
#define H2S_SLICE		16384	/* DATA bytes per stream per pass */
#define H2S_OUR_MAX_FRAME	H2_MIN_FRAME_SIZE	/* we never raise it */

struct h2s_stream {
	struct list list;		/* in h2s.streams, creation order */
	struct srv_conn *c;
	uint32_t id;
	int rx_done;			/* END_STREAM received */
	int ready;			/* the response may go out */
	int hdrs_sent;
	int head;			/* HEAD request: no DATA */
	struct srv_reply reply;
	uint64_t req_no;		/* value of x-peer-req */
	uint64_t sent;			/* body bytes sent */
	int32_t swin;			/* our send window on this stream */
	int32_t rwin;			/* what the client may still send */
	struct peer_timer delay_t;
};

struct h2s {
	int preface_ok;
	int got_settings;		/* the client's first SETTINGS arrived */
	int dead;			/* connection error sent, closing */
	struct h2_settings peer;	/* the client's settings */
	struct h2_hpack hp;
	struct h2_hblock hb;
	struct http_msg req;		/* scratch: the request being decoded */
	struct http_msg rsp;		/* scratch: the response being encoded */
	struct buffer block;		/* scratch: an encoded field block */
	struct list streams;
	int nb_streams;
	uint32_t last_sid;		/* highest stream id opened by the client */
	uint64_t nb_accepted;		/* streams accepted (--max-requests) */
	int32_t swin;			/* connection send window */
	int32_t rwin;			/* connection receive window */
	int goaway_sent;
	int goaway_rcvd;
	enum srv_close_reason goaway_reason;
	uint64_t pings;			/* our PINGs sent (--ping) */
};

static struct h2s_stream *h2s_find(struct h2s *s, uint32_t id)
{
	struct list *e, *tmp;

	list_for_each_safe(e, tmp, &s->streams) {
		struct h2s_stream *st = list_elem(e, struct h2s_stream, list);

		if (st->id == id)
			return st;
	}
	return NULL;
}

static void h2s_stream_free(struct h2s *s, struct h2s_stream *st)
{
	peer_timer_disarm(&st->c->thr->loop, &st->delay_t);
	list_delete(&st->list);
	s->nb_streams--;
	free(st);
}

static void h2s_delay_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct h2s_stream *st = container_of(t, struct h2s_stream, delay_t);

	(void)loop;
	st->ready = 1;
	srv_conn_wake(st->c);
}

/* --ping: every srv_cfg.ping_ms, a PING if the connection has no stream.
 * A server pinging an idle connection is I/O the engine must handle on
 * its locked path, with the connection still alive afterwards: what a
 * close (the other trigger) cannot give. The timer is c->proto_t, armed
 * by h2s_process() whenever it is not. */
static void h2s_ping_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct srv_conn *c = container_of(t, struct srv_conn, proto_t);
	struct h2s *s = c->ctx;
	uint8_t opaque[8] = { 0 };

	(void)loop;
	if (s->preface_ok && !s->dead && !s->goaway_sent && !s->goaway_rcvd &&
	    !s->nb_streams && !(c->flags & SC_F_CLOSING)) {
		s->pings++;
		memcpy(opaque, &s->pings, sizeof(s->pings));
		if (h2_emit_ping(&c->out, opaque, 0) < 0) {
			srv_conn_close_after(c, SRV_CLOSE_ERROR);
			s->dead = 1;
		}
	}
	srv_conn_wake(c);
}

/* Send GOAWAY once; no stream above the last one seen will be served. */
static int h2s_goaway(struct srv_conn *c, uint32_t code,
		      enum srv_close_reason why)
{
	struct h2s *s = c->ctx;

	if (s->goaway_sent)
		return 0;
	s->goaway_sent = 1;
	s->goaway_reason = why;
	srv_log(c, "GOAWAY last-stream-id %u code %u", s->last_sid, code);
	return h2_emit_goaway(&c->out, s->last_sid, code, NULL, 0);
}

/* A connection error: GOAWAY with <code>, then close. */
static int h2s_conn_error(struct srv_conn *c, enum h2_err code)
{
	struct h2s *s = c->ctx;

	srv_log(c, "connection error %u", code);
	if (h2s_goaway(c, code, SRV_CLOSE_ERROR) < 0)
		return -1;
	s->dead = 1;
	srv_conn_close_after(c, SRV_CLOSE_ERROR);
	return 0;
}

/* A stream error: RST_STREAM, and forget the stream. */
static int h2s_stream_error(struct srv_conn *c, uint32_t sid,
			    enum h2_err code)
{
	struct h2s *s = c->ctx;
	struct h2s_stream *st = h2s_find(s, sid);

	if (st)
		h2s_stream_free(s, st);
	return h2_emit_rst_stream(&c->out, sid, code);
}

static int h2s_init(struct srv_conn *c)
{
	static const struct h2_setting set[] = {
		{ H2_SET_MAX_CONCURRENT_STREAMS, H2S_MAX_STREAMS },
		{ H2_SET_INITIAL_WINDOW_SIZE, H2_DEFAULT_WINDOW },
	};
	struct h2s *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	if (h2_hpack_init(&s->hp) < 0) {
		free(s);
		return -1;
	}
	c->ctx = s;
	h2_settings_init(&s->peer);
	h2_hblock_init(&s->hb);
	http_msg_reset(&s->req, 0);
	http_msg_reset(&s->rsp, 1);
	s->block = BUF_NULL;
	list_init(&s->streams);
	s->swin = H2_DEFAULT_WINDOW;
	s->rwin = H2_DEFAULT_WINDOW;
	c->proto_t.cb = h2s_ping_cb;
	/* the server's preface is its SETTINGS frame (RFC 9113 3.4) */
	return h2_emit_settings(&c->out, set, 2);
}

static void h2s_release(struct srv_conn *c)
{
	struct h2s *s = c->ctx;
	struct list *e, *tmp;

	if (!s)
		return;
	list_for_each_safe(e, tmp, &s->streams)
		h2s_stream_free(s, list_elem(e, struct h2s_stream, list));
	h2_hpack_free(&s->hp);
	h2_hblock_free(&s->hb);
	http_msg_free(&s->req);
	http_msg_free(&s->rsp);
	b_free(&s->block);
	free(s);
	c->ctx = NULL;
}

/* The request on <st> is complete: answer now or after the delay. */
static void h2s_request_done(struct srv_conn *c, struct h2s_stream *st)
{
	st->rx_done = 1;
	if (st->reply.delay_ms)
		peer_timer_arm_ms(&c->thr->loop, &st->delay_t,
				  st->reply.delay_ms);
	else
		st->ready = 1;
}

/* A complete field block arrived (s->hb): a new request, or trailers. */
static int h2s_on_headers(struct srv_conn *c)
{
	struct h2s *s = c->ctx;
	struct h2_hblock *hb = &s->hb;
	struct h2s_stream *st;
	struct h2_error err;
	uint32_t sid = hb->sid;
	int ret;

	/* client streams are odd (5.1.1) */
	if (!(sid & 1))
		return h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR);

	/* the block is decoded whatever happens next: the HPACK dynamic
	 * table must see every block */
	http_msg_reset(&s->req, 0);
	ret = h2_hpack_decode(&s->hp, (const uint8_t *)b_head(&hb->buf),
			      b_data(&hb->buf), &s->req, 0);
	if (ret == H2_HPACK_COMPRESSION)
		return h2s_conn_error(c, H2_ERR_COMPRESSION_ERROR);

	st = h2s_find(s, sid);
	if (st) {
		/* trailers: allowed once, with END_STREAM, before ours */
		if (st->rx_done || !hb->end_stream)
			return h2s_stream_error(c, sid, H2_ERR_PROTOCOL_ERROR);
		h2s_request_done(c, st);
		return 0;
	}
	if (sid <= s->last_sid)	/* a stream we already closed (5.1) */
		return h2s_conn_error(c, H2_ERR_STREAM_CLOSED);
	s->last_sid = sid;

	if (hb->stream_err)
		return h2s_stream_error(c, sid, hb->stream_err);
	if (ret != H2_HPACK_OK) {
		h2_hpack_error(ret, &err);
		return h2s_stream_error(c, sid, err.code);
	}
	if (s->goaway_sent || s->nb_streams >= H2S_MAX_STREAMS) {
		srv_log(c, "stream %u refused", sid);
		return h2_emit_rst_stream(&c->out, sid, H2_ERR_REFUSED_STREAM);
	}

	st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	st->c = c;
	st->id = sid;
	st->swin = (int32_t)s->peer.initial_window_size;
	st->rwin = H2_DEFAULT_WINDOW;
	st->head = s->req.method.len == 4 &&
		   hstr_eq(&s->req, s->req.method, "HEAD");
	peer_timer_init(&st->delay_t, h2s_delay_cb);
	if (srv_route(hstr_ptr(&s->req, s->req.uri), s->req.uri.len,
		      &st->reply) < 0) {
		st->reply.status = 400;
		st->reply.size = 0;
		st->reply.delay_ms = 0;
	}
	list_append(&s->streams, &st->list);
	s->nb_streams++;
	s->nb_accepted++;
	c->nb_req = s->nb_accepted;
	st->req_no = s->nb_accepted;
	if (hb->end_stream)
		h2s_request_done(c, st);

	/* the last stream --max-requests allows: tell the client now, so
	 * it opens no more streams here */
	if (srv_cfg.max_requests && s->nb_accepted >= srv_cfg.max_requests)
		return h2s_goaway(c, H2_ERR_NO_ERROR, SRV_CLOSE_MAXREQ);
	return 0;
}

/* DATA: flow control, then count the body bytes of the request. */
static int h2s_on_data(struct srv_conn *c, const struct h2_fh *fh,
		       const uint8_t *payload)
{
	struct h2s *s = c->ctx;
	struct h2s_stream *st;
	struct h2_error err;
	const uint8_t *data;
	uint32_t dlen;

	if (h2_parse_data(fh, payload, &data, &dlen, &err) < 0)
		return err.stream ? h2s_stream_error(c, fh->sid, err.code) :
				    h2s_conn_error(c, err.code);
	/* the whole payload counts, padding included (6.1) */
	s->rwin -= (int32_t)fh->len;
	if (s->rwin < 0)
		return h2s_conn_error(c, H2_ERR_FLOW_CONTROL_ERROR);
	if (fh->len) {
		/* we consume at once: give the connection window back */
		if (h2_emit_window_update(&c->out, 0, fh->len) < 0)
			return -1;
		s->rwin += (int32_t)fh->len;
	}

	st = h2s_find(s, fh->sid);
	if (!st) {
		if (fh->sid > s->last_sid)	/* idle stream (5.1) */
			return h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR);
		return h2_emit_rst_stream(&c->out, fh->sid,
					  H2_ERR_STREAM_CLOSED);
	}
	if (st->rx_done)
		return h2s_stream_error(c, fh->sid, H2_ERR_STREAM_CLOSED);
	st->rwin -= (int32_t)fh->len;
	if (st->rwin < 0)
		return h2s_stream_error(c, fh->sid,
					H2_ERR_FLOW_CONTROL_ERROR);
	if (fh->flags & H2_F_END_STREAM) {
		h2s_request_done(c, st);
		return 0;
	}
	if (fh->len) {
		if (h2_emit_window_update(&c->out, fh->sid, fh->len) < 0)
			return -1;
		st->rwin += (int32_t)fh->len;
	}
	return 0;
}

/* SETTINGS from the client: apply, adjust the stream windows, ACK. */
static int h2s_on_settings(struct srv_conn *c, const struct h2_fh *fh,
			   const uint8_t *payload)
{
	struct h2s *s = c->ctx;
	uint32_t old_iws = s->peer.initial_window_size;
	struct h2_error err;
	struct list *e, *tmp;

	if (h2_parse_settings(fh, payload, &s->peer, &err) < 0)
		return h2s_conn_error(c, err.code);
	if (fh->flags & H2_F_ACK)
		return 0;
	s->got_settings = 1;
	list_for_each_safe(e, tmp, &s->streams) {
		struct h2s_stream *st = list_elem(e, struct h2s_stream, list);

		if (h2_window_adjust(&st->swin, old_iws,
				     s->peer.initial_window_size, &err) < 0)
			return h2s_conn_error(c, err.code);
	}
	if (h2_hpack_set_peer_table_size(&s->hp,
					 s->peer.header_table_size) < 0)
		return -1;
	return h2_emit_settings_ack(&c->out);
}

/* Every frame that is not part of a field block. */
static int h2s_on_frame(struct srv_conn *c, const struct h2_fh *fh,
			const uint8_t *payload)
{
	struct h2s *s = c->ctx;
	struct h2s_stream *st;
	struct h2_goaway ga;
	struct h2_error err;
	uint8_t opaque[8];
	uint32_t v;

	/* the client's preface ends with a SETTINGS frame (3.4) */
	if (!s->got_settings && fh->type != H2_FT_SETTINGS)
		return h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR);

	switch (fh->type) {
	case H2_FT_DATA:
		return h2s_on_data(c, fh, payload);
	case H2_FT_SETTINGS:
		return h2s_on_settings(c, fh, payload);
	case H2_FT_PRIORITY:
		if (h2_parse_priority(fh, payload, &err) < 0)
			goto error;
		return 0;
	case H2_FT_RST_STREAM:
		if (h2_parse_rst_stream(fh, payload, &v, &err) < 0)
			goto error;
		if (fh->sid > s->last_sid)	/* idle stream (6.4) */
			return h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR);
		st = h2s_find(s, fh->sid);
		if (st) {
			srv_log(c, "stream %u reset by the client (%u)",
				fh->sid, v);
			h2s_stream_free(s, st);
		}
		return 0;
	case H2_FT_PING:
		if (h2_parse_ping(fh, payload, opaque, &err) < 0)
			goto error;
		if (fh->flags & H2_F_ACK)
			return 0;
		return h2_emit_ping(&c->out, opaque, 1);
	case H2_FT_GOAWAY:
		if (h2_parse_goaway(fh, payload, &ga, &err) < 0)
			goto error;
		srv_log(c, "GOAWAY from the client (code %u)", ga.code);
		s->goaway_rcvd = 1;
		return 0;
	case H2_FT_WINDOW_UPDATE:
		if (h2_parse_window_update(fh, payload, &v, &err) < 0)
			goto error;
		if (!fh->sid) {
			if (h2_window_inc(&s->swin, v, 0, &err) < 0)
				goto error;
			return 0;
		}
		st = h2s_find(s, fh->sid);
		if (st && h2_window_inc(&st->swin, v, fh->sid, &err) < 0)
			goto error;
		return 0;
	default:
		/* PUSH_PROMISE is refused by the checker; unknown types
		 * are ignored (4.1) */
		if (h2_check_frame(fh, payload, &err) < 0)
			goto error;
		return 0;
	}
error:
	return err.stream ? h2s_stream_error(c, fh->sid, err.code) :
			    h2s_conn_error(c, err.code);
}

/* Queue the HEADERS of <st>'s response. */
static int h2s_send_headers(struct srv_conn *c, struct h2s_stream *st)
{
	struct h2s *s = c->ctx;
	struct http_msg *rsp = &s->rsp;
	char num[24];
	int end, n;

	http_msg_reset(rsp, 1);
	rsp->status = st->reply.status;
	/* The body is streamed from the pattern, never held in the message:
	 * the encoder learns its length the way it does for a HEAD answer
	 * (NO_BODY + CLEN), and the DATA frames follow separately. */
	rsp->flags |= HTTP_MSGF_NO_BODY | HTTP_MSGF_CLEN;
	rsp->clen = st->reply.size;
	if (http_msg_add_hdr(rsp, "content-type", 12, "text/plain", 10) < 0 ||
	    http_msg_add_hdr(rsp, "x-peer-server", 13, srv_cfg.addr_str,
			     strlen(srv_cfg.addr_str)) < 0)
		return -1;
	n = snprintf(num, sizeof(num), "%lu", c->id);
	if (http_msg_add_hdr(rsp, "x-peer-conn", 11, num, (size_t)n) < 0)
		return -1;
	n = snprintf(num, sizeof(num), "%llu", (unsigned long long)st->req_no);
	if (http_msg_add_hdr(rsp, "x-peer-req", 10, num, (size_t)n) < 0)
		return -1;

	b_reset(&s->block);
	if (h2_hpack_encode_resp(&s->hp, rsp, &s->block) < 0)
		return -1;
	end = st->head || !st->reply.size;
	if (h2_emit_headers(&c->out, st->id, (const uint8_t *)b_head(&s->block),
			    b_data(&s->block), end, s->peer.max_frame_size) < 0)
		return -1;
	st->hdrs_sent = 1;
	return 0;
}

/* One slice of <st>'s response. 1 if something was queued, 0 if it is
 * blocked by flow control, -1 on failure. Frees <st> when it is done. */
static int h2s_send_slice(struct srv_conn *c, struct h2s_stream *st)
{
	struct h2s *s = c->ctx;
	uint64_t left;
	int32_t win;
	size_t n;
	int end;

	if (!st->hdrs_sent) {
		if (h2s_send_headers(c, st) < 0)
			return -1;
		if (st->head || !st->reply.size)
			goto done;
		return 1;
	}
	left = st->reply.size - st->sent;
	win = MIN(s->swin, st->swin);
	if (win <= 0)
		return 0;
	n = (size_t)MIN(left, (uint64_t)MIN(win, H2S_SLICE));
	end = n == left;
	if (h2_emit_data(&c->out, st->id,
			 (const uint8_t *)peer_body_at(st->sent), n, end,
			 s->peer.max_frame_size) < 0)
		return -1;
	s->swin -= (int32_t)n;
	st->swin -= (int32_t)n;
	st->sent += n;
	if (!end)
		return 1;
done:
	c->thr->st.requests++;
	h2s_stream_free(s, st);
	return 1;
}

/*
 * Read frames from <in>, then let the ready streams write, one slice each
 * per pass. Connection's thread. 0, or -1 to close at once.
 */
static int h2s_process(struct srv_conn *c)
{
	struct h2s *s = c->ctx;
	const uint8_t *payload;
	struct h2_error err;
	struct h2_fh fh;
	int ret, flen, progress;

	if (srv_cfg.ping_ms && !peer_timer_armed(&c->proto_t))
		peer_timer_arm_ms(&c->thr->loop, &c->proto_t, srv_cfg.ping_ms);

	if (!s->preface_ok && !s->dead) {
		if (!b_data(&c->in))
			return 0;
		ret = h2_check_preface((const uint8_t *)b_head(&c->in),
				       b_data(&c->in));
		if (ret < 0) {
			srv_log(c, "not an HTTP/2 client preface");
			c->reason = SRV_CLOSE_ERROR;
			return -1;
		}
		if (ret == 0)
			return 0;
		b_del(&c->in, ret);
		s->preface_ok = 1;
	}

	while (!s->dead && b_data(&c->in)) {
		ret = h2_get_frame((const uint8_t *)b_head(&c->in),
				   b_data(&c->in), H2S_OUR_MAX_FRAME, &fh,
				   &payload, &err);
		if (ret == 0)
			break;
		if (ret < 0) {
			if (h2s_conn_error(c, err.code) < 0)
				return -1;
			break;
		}
		flen = ret;
		switch (h2_hblock_feed(&s->hb, &fh, payload, &err)) {
		case -1:
			if (h2s_conn_error(c, err.code) < 0)
				return -1;
			break;
		case 0:
			if (h2s_on_frame(c, &fh, payload) < 0)
				return -1;
			break;
		case 1:
			if (!s->got_settings &&
			    h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR) < 0)
				return -1;
			break;
		case 2:
			if (!s->got_settings)
				ret = h2s_conn_error(c, H2_ERR_PROTOCOL_ERROR);
			else
				ret = h2s_on_headers(c);
			h2_hblock_reset(&s->hb);
			if (ret < 0)
				return -1;
			break;
		}
		b_del(&c->in, flen);
	}
	if (s->dead) {
		b_reset(&c->in);
		return 0;
	}

	do {
		struct list *e, *tmp;

		progress = 0;
		list_for_each_safe(e, tmp, &s->streams) {
			struct h2s_stream *st = list_elem(e, struct h2s_stream,
							  list);

			if (b_data(&c->out) >= SRV_OUT_HIGH)
				return 0;
			if (!st->ready)
				continue;
			ret = h2s_send_slice(c, st);
			if (ret < 0)
				return -1;
			progress |= ret;
		}
	} while (progress);

	/* after a GOAWAY, either way, the connection ends with its last
	 * stream */
	if ((s->goaway_sent || s->goaway_rcvd) && !s->nb_streams)
		srv_conn_close_after(c, s->goaway_sent ? s->goaway_reason :
							 SRV_CLOSE_CLIENT);
	return 0;
}

static int h2s_busy(const struct srv_conn *c)
{
	const struct h2s *s = c->ctx;

	return s->nb_streams > 0;
}

/* Idle for --keepalive-timeout: say GOAWAY, then the core closes. */
static int h2s_on_idle(struct srv_conn *c)
{
	if (h2s_goaway(c, H2_ERR_NO_ERROR, SRV_CLOSE_IDLE) < 0)
		return 1;
	return 0;
}

const struct srv_proto srv_proto_h2 = {
	.name		= "h2",
	.init		= h2s_init,
	.process	= h2s_process,
	.busy		= h2s_busy,
	.on_idle	= h2s_on_idle,
	.release	= h2s_release,
};
