/*
 * h2.c - HTTP/2 framing (RFC 9113) and HPACK conversion (RFC 7541).
 *
 * Every frame starts with the same 9 bytes:
 *
 *	+-----------------------------------------------+
 *	|                 Length (24)                   |
 *	+---------------+---------------+---------------+
 *	|   Type (8)    |   Flags (8)   |
 *	+-+-------------+---------------+-------------------------------+
 *	|R|                 Stream Identifier (31)                      |
 *	+=+=============================================================+
 *	|                   Frame Payload (0...)                      ...
 *
 * The validators below apply the checks the RFC states for each frame type
 * in isolation; each check carries its section number. Checks that need
 * the connection's state (is this stream idle? was a SETTINGS ACK
 * expected?) are left to mux_h2.c.
 *
 * HPACK is delegated to nghttp2's stand-alone header codec
 * (nghttp2_hd_deflate_* / nghttp2_hd_inflate_*): the compression tables
 * and Huffman coding are a separate subject from the multiplexing this
 * lab is about. What HTTP/2 adds on top of HPACK - pseudo-header fields,
 * lower-case names, no connection-specific fields (RFC 9113 8.2, 8.3) -
 * is checked here while the fields are mapped to struct http_msg.
 */
#include <stdio.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "h2.h"
#include "http_msg.h"

/* ---- small helpers ---- */

static uint32_t h2_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void h2_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int h2_fail(struct h2_error *err, enum h2_err code, int stream)
{
	err->code = code;
	err->stream = stream;
	return -1;
}

/* a connection error / a stream error */
#define CONN_ERR(code)		h2_fail(err, H2_ERR_##code, 0)
#define STREAM_ERR(code)	h2_fail(err, H2_ERR_##code, 1)

/* Output under construction, rolled back as a whole on failure. */
struct h2_out {
	struct buffer *b;
	size_t start;
	int err;
};

static void h2_out_init(struct h2_out *o, struct buffer *b)
{
	o->b = b;
	o->start = b->data;
	o->err = 0;
}

static int h2_out_end(struct h2_out *o)
{
	if (!o->err)
		return 0;
	o->b->data = o->start;
	if (!o->b->data)
		o->b->head = 0;
	return -1;
}

static void h2_put(struct h2_out *o, const void *p, size_t len)
{
	if (!o->err && b_putblk(o->b, p, len, H2_MAX_OUT) < 0)
		o->err = 1;
}

static void h2_put_fh(struct h2_out *o, uint32_t len, uint8_t type,
		      uint8_t flags, uint32_t sid)
{
	struct h2_fh fh = { len, type, flags, sid };
	uint8_t raw[H2_FH_LEN];

	if (len > H2_MAX_FRAME_SIZE || sid > H2_MAX_WINDOW) {
		o->err = 1;
		return;
	}
	h2_encode_fh(raw, &fh);
	h2_put(o, raw, sizeof(raw));
}

/* ---- preface and frame header ---- */

/*
 * h2_check_preface - recognise the client connection preface.
 * @p:   received bytes
 * @len: how many
 * Return: 0 if they match so far but are fewer than 24, H2_PREFACE_LEN
 * when the whole preface is there, -1 if they differ (not HTTP/2).
 * Context: any thread.
 */
int h2_check_preface(const uint8_t *p, size_t len)
{
	size_t n = len < H2_PREFACE_LEN ? len : H2_PREFACE_LEN;

	if (memcmp(p, H2_PREFACE, n) != 0)
		return -1;
	return n == H2_PREFACE_LEN ? H2_PREFACE_LEN : 0;
}

/*
 * h2_emit_preface - append the client connection preface (the caller
 * follows it with a SETTINGS frame, RFC 9113 3.4).
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_preface(struct buffer *out)
{
	return b_putblk(out, H2_PREFACE, H2_PREFACE_LEN, H2_MAX_OUT);
}

/*
 * h2_encode_fh - write a 9-byte frame header.
 * @p:  9 bytes of room
 * @fh: the header; len is truncated to 24 bits, sid to 31 (R bit 0)
 * Context: any thread.
 */
void h2_encode_fh(uint8_t *p, const struct h2_fh *fh)
{
	p[0] = (uint8_t)(fh->len >> 16);
	p[1] = (uint8_t)(fh->len >> 8);
	p[2] = (uint8_t)fh->len;
	p[3] = fh->type;
	p[4] = fh->flags;
	h2_put32(p + 5, fh->sid & 0x7fffffff);
}

/*
 * h2_decode_fh - read a 9-byte frame header.
 * @p:   received bytes
 * @len: how many
 * @fh:  filled when the return is 9
 *
 * The reserved bit is ignored on receipt (RFC 9113 4.1).
 * Return: 0 if @len < 9, else 9.
 * Context: any thread.
 */
int h2_decode_fh(const uint8_t *p, size_t len, struct h2_fh *fh)
{
	if (len < H2_FH_LEN)
		return 0;
	fh->len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	fh->type = p[3];
	fh->flags = p[4];
	fh->sid = h2_get32(p + 5) & 0x7fffffff;
	return H2_FH_LEN;
}

/*
 * h2_get_frame - locate one whole frame.
 * @p:         received bytes, at a frame boundary
 * @len:       how many
 * @max_frame: our SETTINGS_MAX_FRAME_SIZE
 * @fh:        receives the header
 * @payload:   receives a pointer to the payload (fh->len bytes)
 * @err:       receives the error on -1
 *
 * A frame over @max_frame is reported as a connection FRAME_SIZE_ERROR
 * whatever its type: RFC 9113 4.2 requires it for the frame types that
 * change connection state and allows it for the others.
 *
 * Return: 9 + payload length once the whole frame is in @p, 0 if not yet,
 * -1 on an oversized frame.
 * Context: any thread.
 */
int h2_get_frame(const uint8_t *p, size_t len, uint32_t max_frame,
		 struct h2_fh *fh, const uint8_t **payload,
		 struct h2_error *err)
{
	if (!h2_decode_fh(p, len, fh))
		return 0;
	if (fh->len > max_frame)
		return CONN_ERR(FRAME_SIZE_ERROR);
	if (len - H2_FH_LEN < fh->len)
		return 0;
	*payload = p + H2_FH_LEN;
	return (int)(H2_FH_LEN + fh->len);
}

/* Check padding (and priority block) of DATA/HEADERS; return the number of
 * leading bytes to skip and set *pad. -1 on error. */
static int h2_check_pad(const struct h2_fh *fh, const uint8_t *payload,
			uint32_t prio_len, uint32_t *pad,
			struct h2_error *err)
{
	uint32_t head = prio_len;

	*pad = 0;
	if (fh->flags & H2_F_PADDED) {
		head++;
		if (fh->len < head)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 4.2 */
		*pad = payload[0];
	} else if (fh->len < head) {
		return CONN_ERR(FRAME_SIZE_ERROR);		/* 4.2 */
	}
	/* 6.1 / 6.2: padding longer than what remains */
	if (*pad > fh->len - head)
		return CONN_ERR(PROTOCOL_ERROR);
	return (int)head;
}

/*
 * h2_check_frame - stateless validation of a received frame.
 * @fh:      its header
 * @payload: its payload (fh->len bytes)
 * @err:     receives the error on -1
 *
 * Return: 0 if nothing in the frame itself is wrong (unknown types
 * included: RFC 9113 4.1 says to ignore them), or -1 with @err.
 * Context: any thread.
 */
int h2_check_frame(const struct h2_fh *fh, const uint8_t *payload,
		   struct h2_error *err)
{
	uint32_t pad;

	err->code = H2_ERR_NO_ERROR;
	err->stream = 0;
	switch (fh->type) {
	case H2_FT_DATA:
		if (!fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.1 */
		return h2_check_pad(fh, payload, 0, &pad, err) < 0 ? -1 : 0;
	case H2_FT_HEADERS:
		if (!fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.2 */
		if (h2_check_pad(fh, payload,
				 (fh->flags & H2_F_PRIORITY) ? 5 : 0, &pad,
				 err) < 0)
			return -1;
		if (fh->flags & H2_F_PRIORITY) {
			const uint8_t *pr = payload +
				((fh->flags & H2_F_PADDED) ? 1 : 0);

			/* 5.3.1: a stream cannot depend on itself */
			if ((h2_get32(pr) & 0x7fffffff) == fh->sid)
				return STREAM_ERR(PROTOCOL_ERROR);
		}
		return 0;
	case H2_FT_PRIORITY:
		if (!fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.3 */
		if (fh->len != 5)
			return STREAM_ERR(FRAME_SIZE_ERROR);	/* 6.3 */
		if ((h2_get32(payload) & 0x7fffffff) == fh->sid)
			return STREAM_ERR(PROTOCOL_ERROR);	/* 5.3.1 */
		return 0;
	case H2_FT_RST_STREAM:
		if (!fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.4 */
		if (fh->len != 4)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 6.4 */
		return 0;
	case H2_FT_SETTINGS:
		if (fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.5 */
		if ((fh->flags & H2_F_ACK) && fh->len)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 6.5 */
		if (fh->len % 6)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 6.5 */
		return 0;
	case H2_FT_PUSH_PROMISE:
		/* 8.4: we always send SETTINGS_ENABLE_PUSH=0, and a client
		 * must never push: a PUSH_PROMISE is always unexpected */
		return CONN_ERR(PROTOCOL_ERROR);
	case H2_FT_PING:
		if (fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.7 */
		if (fh->len != 8)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 6.7 */
		return 0;
	case H2_FT_GOAWAY:
		if (fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.8 */
		if (fh->len < 8)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 4.2 */
		return 0;
	case H2_FT_WINDOW_UPDATE:
		if (fh->len != 4)
			return CONN_ERR(FRAME_SIZE_ERROR);	/* 6.9 */
		if (!(h2_get32(payload) & 0x7fffffff))		/* 6.9 */
			return h2_fail(err, H2_ERR_PROTOCOL_ERROR,
				       fh->sid != 0);
		return 0;
	case H2_FT_CONTINUATION:
		if (!fh->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.10 */
		return 0;
	}
	return 0;
}

/* ---- per-frame parsers ---- */

/*
 * h2_parse_data - validate a DATA frame and find its data.
 * @fh, @payload: the frame
 * @data, @dlen:  receive the data without padding
 * @err:          receives the error on -1
 *
 * Flow control counts the whole payload (fh->len), padding included
 * (RFC 9113 6.1), not just @dlen.
 * Return: 0 or -1.
 * Context: any thread.
 */
int h2_parse_data(const struct h2_fh *fh, const uint8_t *payload,
		  const uint8_t **data, uint32_t *dlen, struct h2_error *err)
{
	uint32_t pad;
	int head;

	if (fh->type != H2_FT_DATA)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	head = h2_check_pad(fh, payload, 0, &pad, err);
	*data = payload + head;
	*dlen = fh->len - (uint32_t)head - pad;
	return 0;
}

/*
 * h2_parse_headers - validate a HEADERS frame and find its fragment.
 * @fh, @payload: the frame
 * @frag, @flen:  receive the field block fragment (no padding/priority)
 * @err:          receives the error on -1
 *
 * A stream error (self-dependency) still sets @frag and @flen: the block
 * must be decoded to keep the HPACK state in step.
 * Return: 0 or -1.
 * Context: any thread.
 */
int h2_parse_headers(const struct h2_fh *fh, const uint8_t *payload,
		     const uint8_t **frag, uint32_t *flen,
		     struct h2_error *err)
{
	struct h2_error e2;
	uint32_t pad;
	int head, ret;

	if (fh->type != H2_FT_HEADERS)
		return CONN_ERR(INTERNAL_ERROR);
	ret = h2_check_frame(fh, payload, err);
	if (ret < 0 && !err->stream)
		return -1;
	head = h2_check_pad(fh, payload, (fh->flags & H2_F_PRIORITY) ? 5 : 0,
			    &pad, &e2);
	*frag = payload + head;
	*flen = fh->len - (uint32_t)head - pad;
	return ret;
}

/*
 * h2_parse_priority - validate a PRIORITY frame (the lab ignores
 * priorities, RFC 9113 5.3.2 deprecates them).
 * Return: 0 or -1 with @err.
 * Context: any thread.
 */
int h2_parse_priority(const struct h2_fh *fh, const uint8_t *payload,
		      struct h2_error *err)
{
	if (fh->type != H2_FT_PRIORITY)
		return CONN_ERR(INTERNAL_ERROR);
	return h2_check_frame(fh, payload, err);
}

/*
 * h2_parse_rst_stream - validate RST_STREAM and read its error code.
 * Return: 0 with *@code set, or -1 with @err.
 * Context: any thread.
 */
int h2_parse_rst_stream(const struct h2_fh *fh, const uint8_t *payload,
			uint32_t *code, struct h2_error *err)
{
	if (fh->type != H2_FT_RST_STREAM)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	*code = h2_get32(payload);
	return 0;
}

/*
 * h2_settings_init - the initial values of RFC 9113 6.5.2.
 * Context: any thread.
 */
void h2_settings_init(struct h2_settings *s)
{
	s->header_table_size = H2_DEFAULT_TABLE_SIZE;
	s->enable_push = 1;
	s->max_concurrent_streams = UINT32_MAX;
	s->initial_window_size = H2_DEFAULT_WINDOW;
	s->max_frame_size = H2_MIN_FRAME_SIZE;
	s->max_header_list_size = UINT32_MAX;
}

/*
 * h2_settings_apply - validate and record one SETTINGS parameter.
 * @s:     the peer's settings so far
 * @id:    parameter identifier
 * @value: its value
 * @err:   receives the error on -1
 *
 * Unknown identifiers are ignored (RFC 9113 6.5.2).
 * Return: 0, or -1 with a connection error: PROTOCOL_ERROR for
 * ENABLE_PUSH other than 0/1 or MAX_FRAME_SIZE outside 16384..16777215,
 * FLOW_CONTROL_ERROR for INITIAL_WINDOW_SIZE over 2^31-1.
 * Context: any thread owning @s.
 */
int h2_settings_apply(struct h2_settings *s, uint16_t id, uint32_t value,
		      struct h2_error *err)
{
	switch (id) {
	case H2_SET_HEADER_TABLE_SIZE:
		s->header_table_size = value;
		break;
	case H2_SET_ENABLE_PUSH:
		if (value > 1)
			return CONN_ERR(PROTOCOL_ERROR);
		s->enable_push = value;
		break;
	case H2_SET_MAX_CONCURRENT_STREAMS:
		s->max_concurrent_streams = value;
		break;
	case H2_SET_INITIAL_WINDOW_SIZE:
		if (value > H2_MAX_WINDOW)
			return CONN_ERR(FLOW_CONTROL_ERROR);
		s->initial_window_size = value;
		break;
	case H2_SET_MAX_FRAME_SIZE:
		if (value < H2_MIN_FRAME_SIZE || value > H2_MAX_FRAME_SIZE)
			return CONN_ERR(PROTOCOL_ERROR);
		s->max_frame_size = value;
		break;
	case H2_SET_MAX_HEADER_LIST_SIZE:
		s->max_header_list_size = value;
		break;
	}
	return 0;
}

/*
 * h2_parse_settings - validate a SETTINGS frame and apply its parameters.
 * @fh, @payload: the frame
 * @s:            the peer's settings, updated in order
 * @err:          receives the error on -1
 *
 * An ACK carries nothing and changes nothing. The caller must answer a
 * non-ACK SETTINGS with h2_emit_settings_ack() and apply the effects
 * (window adjustment, HPACK table size).
 * Return: 0 or -1 (always a connection error).
 * Context: any thread owning @s.
 */
int h2_parse_settings(const struct h2_fh *fh, const uint8_t *payload,
		      struct h2_settings *s, struct h2_error *err)
{
	uint32_t i;

	if (fh->type != H2_FT_SETTINGS)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	if (fh->flags & H2_F_ACK)
		return 0;
	for (i = 0; i < fh->len; i += 6) {
		uint16_t id = (uint16_t)(payload[i] << 8 | payload[i + 1]);

		if (h2_settings_apply(s, id, h2_get32(payload + i + 2),
				      err) < 0)
			return -1;
	}
	return 0;
}

/*
 * h2_parse_ping - validate a PING and copy its opaque data.
 * Return: 0 or -1 with @err. An un-ACKed PING must be answered with
 * h2_emit_ping(out, opaque, 1).
 * Context: any thread.
 */
int h2_parse_ping(const struct h2_fh *fh, const uint8_t *payload,
		  uint8_t opaque[8], struct h2_error *err)
{
	if (fh->type != H2_FT_PING)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	memcpy(opaque, payload, 8);
	return 0;
}

/*
 * h2_parse_goaway - validate a GOAWAY and read it.
 * Return: 0 with @ga filled (debug data points into @payload), or -1.
 * Context: any thread.
 */
int h2_parse_goaway(const struct h2_fh *fh, const uint8_t *payload,
		    struct h2_goaway *ga, struct h2_error *err)
{
	if (fh->type != H2_FT_GOAWAY)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	ga->last_sid = h2_get32(payload) & 0x7fffffff;
	ga->code = h2_get32(payload + 4);
	ga->debug = payload + 8;
	ga->debug_len = fh->len - 8;
	return 0;
}

/*
 * h2_parse_window_update - validate a WINDOW_UPDATE and read it.
 * Return: 0 with *@inc set (1..2^31-1), or -1: FRAME_SIZE_ERROR
 * (connection), or PROTOCOL_ERROR for a zero increment (stream error on a
 * stream, connection error on stream 0).
 * Context: any thread.
 */
int h2_parse_window_update(const struct h2_fh *fh, const uint8_t *payload,
			   uint32_t *inc, struct h2_error *err)
{
	if (fh->type != H2_FT_WINDOW_UPDATE)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_check_frame(fh, payload, err) < 0)
		return -1;
	*inc = h2_get32(payload) & 0x7fffffff;
	return 0;
}

/*
 * h2_window_inc - apply a WINDOW_UPDATE increment to a send window.
 * @window: the window (may be negative after a SETTINGS decrease)
 * @inc:    the increment
 * @sid:    the stream, or 0 for the connection window
 * @err:    receives the error on -1
 *
 * Return: 0, or -1 with FLOW_CONTROL_ERROR if the window would exceed
 * 2^31-1 (RFC 9113 6.9.1): a stream error on a stream, a connection error
 * on the connection window. The window is unchanged on error.
 * Context: any thread owning @window.
 */
int h2_window_inc(int32_t *window, uint32_t inc, uint32_t sid,
		  struct h2_error *err)
{
	int64_t w = (int64_t)*window + inc;

	if (w > H2_MAX_WINDOW)
		return h2_fail(err, H2_ERR_FLOW_CONTROL_ERROR, sid != 0);
	*window = (int32_t)w;
	return 0;
}

/*
 * h2_window_adjust - apply a change of SETTINGS_INITIAL_WINDOW_SIZE to one
 * stream's send window (RFC 9113 6.9.2); the result may be negative.
 * Return: 0, or -1 with a connection FLOW_CONTROL_ERROR if it would exceed
 * 2^31-1. The window is unchanged on error.
 * Context: any thread owning @window.
 */
int h2_window_adjust(int32_t *window, uint32_t old_initial,
		     uint32_t new_initial, struct h2_error *err)
{
	int64_t w = (int64_t)*window + (int64_t)new_initial -
		    (int64_t)old_initial;

	if (w > H2_MAX_WINDOW || w < INT32_MIN)
		return CONN_ERR(FLOW_CONTROL_ERROR);
	*window = (int32_t)w;
	return 0;
}

/* ---- frame builders ---- */

/*
 * h2_emit_settings - append a SETTINGS frame.
 * @out: destination
 * @set: parameters to send, in order
 * @nb:  how many (0 sends an empty SETTINGS)
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_settings(struct buffer *out, const struct h2_setting *set,
		     int nb)
{
	struct h2_out o;
	uint8_t e[6];
	int i;

	if (nb < 0 || nb > 1000)
		return -1;
	h2_out_init(&o, out);
	h2_put_fh(&o, (uint32_t)nb * 6, H2_FT_SETTINGS, 0, 0);
	for (i = 0; i < nb; i++) {
		e[0] = (uint8_t)(set[i].id >> 8);
		e[1] = (uint8_t)set[i].id;
		h2_put32(e + 2, set[i].value);
		h2_put(&o, e, sizeof(e));
	}
	return h2_out_end(&o);
}

/*
 * h2_emit_settings_ack - append an empty SETTINGS frame with ACK.
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_settings_ack(struct buffer *out)
{
	struct h2_out o;

	h2_out_init(&o, out);
	h2_put_fh(&o, 0, H2_FT_SETTINGS, H2_F_ACK, 0);
	return h2_out_end(&o);
}

/*
 * h2_emit_headers - append a field block as HEADERS + CONTINUATION frames.
 * @out:        destination
 * @sid:        stream id (1..2^31-1)
 * @block:      the HPACK-encoded field block
 * @len:        its length
 * @end_stream: set END_STREAM on the HEADERS frame (no body follows)
 * @max_frame:  the peer's SETTINGS_MAX_FRAME_SIZE
 *
 * The block is cut into frames of at most @max_frame bytes; END_HEADERS
 * goes on the last one. Nothing may be sent on the connection between
 * them (RFC 9113 6.10), which is why they are built together.
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_headers(struct buffer *out, uint32_t sid, const uint8_t *block,
		    size_t len, int end_stream, uint32_t max_frame)
{
	struct h2_out o;
	uint8_t type = H2_FT_HEADERS, flags;
	size_t n;

	if (!sid || !max_frame)
		return -1;
	if (max_frame > H2_MAX_FRAME_SIZE)
		max_frame = H2_MAX_FRAME_SIZE;
	h2_out_init(&o, out);
	flags = end_stream ? H2_F_END_STREAM : 0;
	do {
		n = len > max_frame ? max_frame : len;
		if (n == len)
			flags |= H2_F_END_HEADERS;
		h2_put_fh(&o, (uint32_t)n, type, flags, sid);
		if (n) {
			h2_put(&o, block, n);
			block += n;
			len -= n;
		}
		type = H2_FT_CONTINUATION;
		flags = 0;
	} while (len && !o.err);
	return h2_out_end(&o);
}

/*
 * h2_emit_data - append data as DATA frames.
 * @out:        destination
 * @sid:        stream id
 * @data:       bytes (may be NULL if @len is 0)
 * @len:        how many; the caller has checked both flow-control windows
 * @end_stream: set END_STREAM on the last frame
 * @max_frame:  the peer's SETTINGS_MAX_FRAME_SIZE
 *
 * @len 0 appends one empty DATA frame (useful to end a stream).
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_data(struct buffer *out, uint32_t sid, const uint8_t *data,
		 size_t len, int end_stream, uint32_t max_frame)
{
	struct h2_out o;
	size_t n;

	if (!sid || !max_frame)
		return -1;
	if (max_frame > H2_MAX_FRAME_SIZE)
		max_frame = H2_MAX_FRAME_SIZE;
	h2_out_init(&o, out);
	do {
		n = len > max_frame ? max_frame : len;
		h2_put_fh(&o, (uint32_t)n, H2_FT_DATA,
			  (n == len && end_stream) ? H2_F_END_STREAM : 0, sid);
		if (n) {
			h2_put(&o, data, n);
			data += n;
			len -= n;
		}
	} while (len && !o.err);
	return h2_out_end(&o);
}

/*
 * h2_emit_window_update - append a WINDOW_UPDATE.
 * @sid: stream id, or 0 for the connection window
 * @inc: 1..2^31-1
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_window_update(struct buffer *out, uint32_t sid, uint32_t inc)
{
	struct h2_out o;
	uint8_t p[4];

	if (!inc || inc > H2_MAX_WINDOW)
		return -1;
	h2_out_init(&o, out);
	h2_put_fh(&o, 4, H2_FT_WINDOW_UPDATE, 0, sid);
	h2_put32(p, inc);
	h2_put(&o, p, 4);
	return h2_out_end(&o);
}

/*
 * h2_emit_ping - append a PING (or its ACK, echoing @opaque).
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_ping(struct buffer *out, const uint8_t opaque[8], int ack)
{
	struct h2_out o;

	h2_out_init(&o, out);
	h2_put_fh(&o, 8, H2_FT_PING, ack ? H2_F_ACK : 0, 0);
	h2_put(&o, opaque, 8);
	return h2_out_end(&o);
}

/*
 * h2_emit_rst_stream - append an RST_STREAM.
 * @sid:  the stream (not 0)
 * @code: enum h2_err
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_rst_stream(struct buffer *out, uint32_t sid, uint32_t code)
{
	struct h2_out o;
	uint8_t p[4];

	if (!sid)
		return -1;
	h2_out_init(&o, out);
	h2_put_fh(&o, 4, H2_FT_RST_STREAM, 0, sid);
	h2_put32(p, code);
	h2_put(&o, p, 4);
	return h2_out_end(&o);
}

/*
 * h2_emit_goaway - append a GOAWAY.
 * @last_sid: highest peer-initiated stream we processed or may process
 * @code:     enum h2_err
 * @debug:    opaque debug data (may be NULL)
 * @dlen:     its length
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int h2_emit_goaway(struct buffer *out, uint32_t last_sid, uint32_t code,
		   const void *debug, size_t dlen)
{
	struct h2_out o;
	uint8_t p[8];

	if (last_sid > H2_MAX_WINDOW || dlen > H2_MIN_FRAME_SIZE - 8)
		return -1;
	h2_out_init(&o, out);
	h2_put_fh(&o, (uint32_t)(8 + dlen), H2_FT_GOAWAY, 0, 0);
	h2_put32(p, last_sid);
	h2_put32(p + 4, code);
	h2_put(&o, p, 8);
	if (dlen)
		h2_put(&o, debug, dlen);
	return h2_out_end(&o);
}

/* ---- field block accumulation ---- */

/*
 * h2_hblock_init - prepare an empty accumulator.
 * Context: any thread owning @hb.
 */
void h2_hblock_init(struct h2_hblock *hb)
{
	memset(hb, 0, sizeof(*hb));
}

/*
 * h2_hblock_free - release the accumulator's storage (zeroed is fine).
 * Context: any thread owning @hb.
 */
void h2_hblock_free(struct h2_hblock *hb)
{
	b_free(&hb->buf);
	h2_hblock_init(hb);
}

/*
 * h2_hblock_reset - forget the current block, keep the storage.
 * Context: any thread owning @hb.
 */
void h2_hblock_reset(struct h2_hblock *hb)
{
	struct buffer keep = hb->buf;

	memset(hb, 0, sizeof(*hb));
	hb->buf = keep;
	b_reset(&hb->buf);
}

static int h2_hblock_add(struct h2_hblock *hb, const uint8_t *p,
			 uint32_t len, struct h2_error *err)
{
	if (len && b_putblk(&hb->buf, p, len, H2_MAX_HBLOCK) < 0)
		return CONN_ERR(ENHANCE_YOUR_CALM);
	return 0;
}

/*
 * h2_hblock_feed - follow the HEADERS/CONTINUATION sequence.
 * @hb:      the connection's accumulator
 * @fh:      a received frame, already returned by h2_get_frame()
 * @payload: its payload
 * @err:     receives the error on -1
 *
 * Every frame must be offered, in order: while a block is open, only
 * CONTINUATION frames of the same stream may arrive (RFC 9113 6.10), and a
 * CONTINUATION may only follow an open block. A completed block stays in
 * @hb until h2_hblock_reset() or the next HEADERS.
 *
 * Return: 0 (not a field block frame), 1 (fragment stored, block open),
 * 2 (block complete: decode hb->buf, then reset), or -1: connection
 * PROTOCOL_ERROR on a sequencing error or a bad HEADERS/CONTINUATION,
 * ENHANCE_YOUR_CALM when the block passes H2_MAX_HBLOCK.
 * Context: any thread owning @hb.
 */
int h2_hblock_feed(struct h2_hblock *hb, const struct h2_fh *fh,
		   const uint8_t *payload, struct h2_error *err)
{
	const uint8_t *frag;
	uint32_t flen;
	int ret;

	if (hb->sid && !hb->complete) {
		if (fh->type != H2_FT_CONTINUATION || fh->sid != hb->sid)
			return CONN_ERR(PROTOCOL_ERROR);	/* 6.10 */
		if (h2_check_frame(fh, payload, err) < 0 ||
		    h2_hblock_add(hb, payload, fh->len, err) < 0)
			return -1;
		if (!(fh->flags & H2_F_END_HEADERS))
			return 1;
		hb->complete = 1;
		return 2;
	}
	if (fh->type == H2_FT_CONTINUATION)
		return CONN_ERR(PROTOCOL_ERROR);		/* 6.10 */
	if (fh->type != H2_FT_HEADERS)
		return 0;

	h2_hblock_reset(hb);
	ret = h2_parse_headers(fh, payload, &frag, &flen, err);
	if (ret < 0 && !err->stream)
		return -1;
	if (ret < 0)
		hb->stream_err = err->code;
	hb->sid = fh->sid;
	hb->end_stream = !!(fh->flags & H2_F_END_STREAM);
	/* always give the buffer an area, so that b_head() of an empty
	 * block is a real pointer */
	if (b_reserve(&hb->buf, 0, 64, H2_MAX_HBLOCK) < 0)
		return CONN_ERR(INTERNAL_ERROR);
	if (h2_hblock_add(hb, frag, flen, err) < 0)
		return -1;
	if (!(fh->flags & H2_F_END_HEADERS))
		return 1;
	hb->complete = 1;
	return 2;
}

/* ---- HPACK ---- */

/*
 * h2_hpack_init - create the encoder and decoder of one connection.
 * @hp: the state to fill
 *
 * Both start with the default 4096-byte dynamic table. The lab never
 * advertises another SETTINGS_HEADER_TABLE_SIZE, so the decoder keeps it.
 * Return: 0, or -1 (out of memory) with @hp zeroed.
 * Context: any thread; the result belongs to one connection.
 */
int h2_hpack_init(struct h2_hpack *hp)
{
	nghttp2_hd_deflater *d = NULL;
	nghttp2_hd_inflater *i = NULL;

	memset(hp, 0, sizeof(*hp));
	if (nghttp2_hd_deflate_new(&d, H2_DEFAULT_TABLE_SIZE) != 0)
		return -1;
	if (nghttp2_hd_inflate_new(&i) != 0) {
		nghttp2_hd_deflate_del(d);
		return -1;
	}
	hp->deflater = d;
	hp->inflater = i;
	return 0;
}

/*
 * h2_hpack_free - release the codec state (zeroed or freed is fine).
 * Context: the thread owning the connection.
 */
void h2_hpack_free(struct h2_hpack *hp)
{
	if (hp->deflater)
		nghttp2_hd_deflate_del(hp->deflater);
	if (hp->inflater)
		nghttp2_hd_inflate_del(hp->inflater);
	memset(hp, 0, sizeof(*hp));
}

/*
 * h2_hpack_set_peer_table_size - follow the peer's
 * SETTINGS_HEADER_TABLE_SIZE (our encoder never uses more than 4096).
 * Return: 0, or -1 (out of memory).
 * Context: the thread owning the connection.
 */
int h2_hpack_set_peer_table_size(struct h2_hpack *hp, uint32_t size)
{
	return nghttp2_hd_deflate_change_table_size(hp->deflater, size) ?
		-1 : 0;
}

/* Field list being prepared for the encoder. */
struct h2_nvlist {
	nghttp2_nv nv[HTTP_MAX_HDRS + 8];
	int nb;
	char num[24];		/* content-length digits */
	char status[4];		/* :status digits */
};

static void h2_nv_add(struct h2_nvlist *l, const char *n, size_t nlen,
		      const char *v, size_t vlen, int sensitive)
{
	nghttp2_nv *e = &l->nv[l->nb++];

	e->name = (uint8_t *)n;
	e->namelen = nlen;
	e->value = (uint8_t *)(vlen ? v : "");
	e->valuelen = vlen;
	e->flags = sensitive ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE;
}

static void h2_nv_add_hstr(struct h2_nvlist *l, const char *n,
			   const struct http_msg *msg, struct hstr v)
{
	h2_nv_add(l, n, strlen(n), v.len ? hstr_ptr(msg, v) : "", v.len, 0);
}

/* the stored fields, minus host (it became :authority) */
static void h2_nv_add_fields(struct h2_nvlist *l, const struct http_msg *msg)
{
	const struct http_hdr *h;
	int i, sens;

	for (i = 0; i < msg->nb_hdrs; i++) {
		h = &msg->hdr[i];
		if (hstr_eq(msg, h->n, "host"))
			continue;
		/* RFC 7541 7.1.3: keep credentials out of the table */
		sens = hstr_eq(msg, h->n, "authorization") ||
		       hstr_eq(msg, h->n, "proxy-authorization");
		h2_nv_add(l, hstr_ptr(msg, h->n), h->n.len,
			  h->v.len ? hstr_ptr(msg, h->v) : "", h->v.len, sens);
	}
}

static int h2_deflate(struct h2_hpack *hp, struct h2_nvlist *l,
		      struct buffer *out)
{
	size_t bound;
	ssize_t ret;

	bound = nghttp2_hd_deflate_bound(hp->deflater, l->nv, (size_t)l->nb);
	if (b_reserve(out, bound, 0, H2_MAX_OUT) < 0)
		return -1;
	ret = nghttp2_hd_deflate_hd(hp->deflater, (uint8_t *)b_tail(out),
				    bound, l->nv, (size_t)l->nb);
	if (ret < 0)
		return -1;
	b_add(out, (size_t)ret);
	return 0;
}

/* Is the whole body of <msg> at hand? Always for whole messages
 * (http_bufsize 0: the peers, the tests); when streaming, once the
 * producer completed it. */
static int h2_msg_complete(const struct http_msg *msg)
{
	return !http_bufsize || (msg->flags & HTTP_MSGF_BODY_DONE);
}

/*
 * h2_hpack_encode_req - encode a request's field block.
 * @hp:  the connection's HPACK state
 * @msg: the request
 * @out: where to append the block (then framed by h2_emit_headers())
 *
 * Emits :method, :scheme (always "http": the lab speaks h2c), :authority
 * (the authority, else the Host value, else none), :path ("/" if empty),
 * the stored fields except host, and content-length when the request has
 * a body or had framing. Credentials are sent never-indexed.
 *
 * Return: 0, or -1 (no method, no room, or an encoder failure, after
 * which the connection's HPACK state is unusable: close it).
 * Context: the thread owning the connection.
 */
int h2_hpack_encode_req(struct h2_hpack *hp, const struct http_msg *msg,
			struct buffer *out)
{
	struct h2_nvlist l;
	struct hstr auth = msg->authority;
	int host;

	if (!msg->method.len)
		return -1;
	l.nb = 0;
	h2_nv_add_hstr(&l, ":method", msg, msg->method);
	h2_nv_add(&l, ":scheme", 7, "http", 4, 0);
	host = http_msg_find_hdr(msg, "host");
	if (!auth.len && host >= 0)
		auth = msg->hdr[host].v;
	if (auth.len)
		h2_nv_add_hstr(&l, ":authority", msg, auth);
	if (msg->uri.len)
		h2_nv_add_hstr(&l, ":path", msg, msg->uri);
	else
		h2_nv_add(&l, ":path", 5, "/", 1, 0);
	h2_nv_add_fields(&l, msg);
	if (!h2_msg_complete(msg)) {
		/* the body is still arriving: its announced length, if
		 * any (END_STREAM delimits it otherwise) */
		if (msg->flags & HTTP_MSGF_CLEN) {
			snprintf(l.num, sizeof(l.num), "%llu",
				 (unsigned long long)msg->clen);
			h2_nv_add(&l, "content-length", 14, l.num,
				  strlen(l.num), 0);
		}
	} else if (http_body_avail(msg) ||
		   (msg->flags & (HTTP_MSGF_CLEN | HTTP_MSGF_CHUNKED))) {
		snprintf(l.num, sizeof(l.num), "%zu", http_body_avail(msg));
		h2_nv_add(&l, "content-length", 14, l.num, strlen(l.num), 0);
	}
	return h2_deflate(hp, &l, out);
}

/*
 * h2_hpack_encode_resp - encode a response's field block.
 * @hp:  the connection's HPACK state
 * @msg: the response (status 100..599, not 101)
 * @out: where to append the block
 *
 * Emits :status, the stored fields, and content-length: none for 1xx and
 * 204, the original one for 304, answers to HEAD (NO_BODY) and bodies
 * still arriving (h2_msg_complete()), else the body size.
 * Return: 0, or -1 as for h2_hpack_encode_req().
 * Context: the thread owning the connection.
 */
int h2_hpack_encode_resp(struct h2_hpack *hp, const struct http_msg *msg,
			 struct buffer *out)
{
	struct h2_nvlist l;
	int st = msg->status;
	uint64_t clen = 0;
	int send_clen = 0;

	if (st < 100 || st > 599 || st == 101)
		return -1;
	l.nb = 0;
	snprintf(l.status, sizeof(l.status), "%d", st);
	h2_nv_add(&l, ":status", 7, l.status, 3, 0);
	h2_nv_add_fields(&l, msg);
	if (st >= 200 && st != 204) {
		if (st == 304 || (msg->flags & HTTP_MSGF_NO_BODY) ||
		    !h2_msg_complete(msg)) {
			/* no body, or one still arriving: the announced
			 * length, if any */
			send_clen = !!(msg->flags & HTTP_MSGF_CLEN);
			clen = msg->clen;
		} else {
			send_clen = 1;
			clen = http_body_avail(msg);
		}
	}
	if (send_clen) {
		snprintf(l.num, sizeof(l.num), "%llu",
			 (unsigned long long)clen);
		h2_nv_add(&l, "content-length", 14, l.num, strlen(l.num), 0);
	}
	return h2_deflate(hp, &l, out);
}

/* Decoder state for one field block. */
struct h2_dec {
	struct http_msg *msg;
	int is_resp;
	int result;			/* worst H2_HPACK_* so far */
	int regular_seen;		/* a regular field came already */
	unsigned int pseudo;		/* H2_PS_* seen */
	int nb_clen;
	uint64_t clen;
	int host;			/* hdr index of host, or -1 */
	int nb_cookie;
};

#define H2_PS_METHOD	0x01
#define H2_PS_SCHEME	0x02
#define H2_PS_AUTH	0x04
#define H2_PS_PATH	0x08
#define H2_PS_STATUS	0x10

static void h2_dec_bad(struct h2_dec *d, int why)
{
	/* keep the most severe: compression > too large > malformed */
	if (why < d->result)
		d->result = why;
}

/* RFC 9113 8.2.1 forbids controls, space, upper case and non-ASCII in
 * names; HTTP semantics (RFC 9110 5.1) make a name a token. Requiring the
 * token form means every field we accept can be written as HTTP/1.1. */
static int h2_is_name_char(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9113 8.2.1: no NUL, CR, LF, no leading or trailing SP/HTAB. The
 * other controls are refused too (RFC 9110 5.5 calls them invalid), for
 * the same reason: the message may go on over HTTP/1.1. */
static int h2_value_ok(const uint8_t *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return 0;
	}
	if (len && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' ||
		    v[len - 1] == '\t'))
		return 0;
	return 1;
}

/* :method is a token, :path and :authority visible ASCII */
static int h2_pseudo_value_ok(unsigned int bit, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)v[i];

		if (bit == H2_PS_METHOD ? !h2_is_name_char(c) &&
					  !(c >= 'A' && c <= 'Z') :
					  (c <= 0x20 || c >= 0x7f))
			return 0;
	}
	return 1;
}

static int h2_nv_is(const nghttp2_nv *nv, const char *lit)
{
	size_t l = strlen(lit);

	return nv->namelen == l && !memcmp(nv->name, lit, l);
}

static void h2_dec_pseudo(struct h2_dec *d, const nghttp2_nv *nv)
{
	struct http_msg *msg = d->msg;
	const char *v = (const char *)nv->value;
	unsigned int bit;
	struct hstr *dst = NULL;

	if (d->regular_seen)
		goto bad;			/* 8.3: pseudo fields first */
	if (!d->is_resp && h2_nv_is(nv, ":method")) {
		bit = H2_PS_METHOD;
		dst = &msg->method;
	} else if (!d->is_resp && h2_nv_is(nv, ":scheme")) {
		bit = H2_PS_SCHEME;
	} else if (!d->is_resp && h2_nv_is(nv, ":authority")) {
		bit = H2_PS_AUTH;
		dst = &msg->authority;
	} else if (!d->is_resp && h2_nv_is(nv, ":path")) {
		bit = H2_PS_PATH;
		dst = &msg->uri;
	} else if (d->is_resp && h2_nv_is(nv, ":status")) {
		bit = H2_PS_STATUS;
	} else {
		goto bad;	/* unknown, or of the other direction */
	}
	if (d->pseudo & bit)
		goto bad;			/* 8.3: no duplicates */
	d->pseudo |= bit;

	if (bit == H2_PS_STATUS) {
		if (nv->valuelen != 3 || v[0] < '1' || v[0] > '5' ||
		    v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9')
			goto bad;
		msg->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 +
			      (v[2] - '0');
		return;
	}
	if (bit == H2_PS_SCHEME) {
		if (!((nv->valuelen == 4 && !memcmp(v, "http", 4)) ||
		      (nv->valuelen == 5 && !memcmp(v, "https", 5))))
			goto bad;
		return;
	}
	if (bit == H2_PS_PATH || bit == H2_PS_METHOD) {
		if (!nv->valuelen)
			goto bad;		/* 8.3.1: :path not empty */
	}
	if (!h2_pseudo_value_ok(bit, v, nv->valuelen))
		goto bad;
	/* 8.5: CONNECT opens a tunnel, which the lab does not do */
	if (bit == H2_PS_METHOD && nv->valuelen == 7 &&
	    !memcmp(v, "CONNECT", 7))
		goto bad;
	if (http_msg_str(msg, v, nv->valuelen, dst) < 0)
		h2_dec_bad(d, H2_HPACK_TOO_LARGE);
	return;
bad:
	h2_dec_bad(d, H2_HPACK_MALFORMED);
}

static int h2_clen_parse(const uint8_t *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (!len || len > 15)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return 0;
}

static void h2_dec_field(struct h2_dec *d, const nghttp2_nv *nv)
{
	struct http_msg *msg = d->msg;
	uint64_t cl;
	size_t i;

	if (!nv->namelen)
		goto bad;
	if (!h2_value_ok(nv->value, nv->valuelen))
		goto bad;			/* 8.2.1 */
	if (nv->name[0] == ':') {
		for (i = 1; i < nv->namelen; i++) {
			if (!h2_is_name_char(nv->name[i]))
				goto bad;
		}
		h2_dec_pseudo(d, nv);
		return;
	}
	for (i = 0; i < nv->namelen; i++) {
		if (!h2_is_name_char(nv->name[i]))
			goto bad;		/* 8.2.1, 8.2 lower case */
	}
	d->regular_seen = 1;

	/* 8.2.2: connection-specific fields make the message malformed */
	if (h2_nv_is(nv, "connection") || h2_nv_is(nv, "proxy-connection") ||
	    h2_nv_is(nv, "keep-alive") || h2_nv_is(nv, "transfer-encoding") ||
	    h2_nv_is(nv, "upgrade"))
		goto bad;
	if (h2_nv_is(nv, "te")) {
		if (nv->valuelen != 8 || memcmp(nv->value, "trailers", 8))
			goto bad;
		return;			/* not stored: hop-by-hop */
	}
	if (h2_nv_is(nv, "content-length")) {
		if (h2_clen_parse(nv->value, nv->valuelen, &cl) < 0 ||
		    (d->nb_clen && cl != d->clen))
			goto bad;
		d->clen = cl;
		d->nb_clen++;
		return;
	}
	if (h2_nv_is(nv, "host")) {
		if (d->host >= 0)
			goto bad;		/* two Host fields */
		d->host = msg->nb_hdrs;
	}
	if (h2_nv_is(nv, "cookie"))
		d->nb_cookie++;
	if (http_msg_add_hdr(msg, (const char *)nv->name, nv->namelen,
			     (const char *)nv->value, nv->valuelen) < 0) {
		if (d->host == msg->nb_hdrs)
			d->host = -1;
		h2_dec_bad(d, H2_HPACK_TOO_LARGE);
	}
	return;
bad:
	h2_dec_bad(d, H2_HPACK_MALFORMED);
}

/* 8.2.3: cookie crumbs are joined with "; " before going to HTTP/1.1,
 * so the message carries a single cookie field. */
static void h2_join_cookies(struct h2_dec *d)
{
	struct http_msg *msg = d->msg;
	struct buffer tmp = BUF_NULL;
	int i, j, first = 1;

	for (i = j = 0; i < msg->nb_hdrs; i++) {
		struct http_hdr *h = &msg->hdr[i];

		if (!hstr_eq(msg, h->n, "cookie")) {
			if (d->host == i)
				d->host = j;
			msg->hdr[j++] = *h;
			continue;
		}
		if (!h->v.len)
			continue;	/* an empty crumb adds nothing */
		if ((!first && b_putblk(&tmp, "; ", 2, HTTP_MAX_HDR_SIZE) < 0) ||
		    b_putblk(&tmp, hstr_ptr(msg, h->v), h->v.len,
			     HTTP_MAX_HDR_SIZE) < 0)
			h2_dec_bad(d, H2_HPACK_TOO_LARGE);
		first = 0;
	}
	msg->nb_hdrs = j;
	if (d->result == H2_HPACK_OK &&
	    http_msg_add_hdr(msg, "cookie", 6, b_data(&tmp) ? b_head(&tmp) : "",
			     b_data(&tmp)) < 0)
		h2_dec_bad(d, H2_HPACK_TOO_LARGE);
	b_free(&tmp);
}

/* checks that need the whole field list (RFC 9113 8.3) */
static void h2_dec_finish(struct h2_dec *d)
{
	struct http_msg *msg = d->msg;
	int st;

	if (d->result != H2_HPACK_OK)
		return;
	if (d->nb_cookie > 1)
		h2_join_cookies(d);
	if (d->is_resp) {
		st = msg->status;
		if (!(d->pseudo & H2_PS_STATUS) || st == 101)
			goto bad;		/* 8.3.2, 8.6 */
		if (st < 200 || st == 204 || st == 304)
			msg->flags |= HTTP_MSGF_NO_BODY;
	} else {
		const char *u;

		if ((d->pseudo & (H2_PS_METHOD | H2_PS_SCHEME | H2_PS_PATH)) !=
		    (H2_PS_METHOD | H2_PS_SCHEME | H2_PS_PATH))
			goto bad;	/* 8.3.1 (CONNECT is not supported) */
		u = hstr_ptr(msg, msg->uri);
		if (u[0] != '/' &&
		    !(msg->uri.len == 1 && u[0] == '*' &&
		      hstr_eq(msg, msg->method, "OPTIONS")))
			goto bad;
		/* 8.3.1: Host and :authority must agree; Host alone is
		 * the authority */
		if (d->host >= 0) {
			struct hstr hv = msg->hdr[d->host].v;

			if (!(d->pseudo & H2_PS_AUTH))
				msg->authority = hv;
			else if (hv.len != msg->authority.len ||
				 (hv.len && memcmp(hstr_ptr(msg, hv),
						   hstr_ptr(msg,
							    msg->authority),
						   hv.len)))
				goto bad;
		}
	}
	if (d->nb_clen) {
		msg->flags |= HTTP_MSGF_CLEN;
		msg->clen = d->clen;
	}
	msg->flags |= HTTP_MSGF_VER_11 | HTTP_MSGF_HDRS_DONE;
	return;
bad:
	h2_dec_bad(d, H2_HPACK_MALFORMED);
}

/*
 * h2_hpack_decode - decode a complete field block into a message.
 * @hp:      the connection's HPACK state
 * @block:   the whole block (see struct h2_hblock)
 * @len:     its length
 * @msg:     a message reset by the caller (http_msg_reset(msg, is_resp))
 * @is_resp: decode a response (:status) rather than a request
 *
 * The block is always decoded to the end, even once the message is known
 * to be malformed, because the HPACK dynamic table must see every field
 * for the next blocks to decode. Sets method/uri/authority or status,
 * the stored fields (cookie crumbs joined, te dropped), CLEN/clen,
 * NO_BODY for 1xx/204/304, VER_11 and HDRS_DONE. It does not check that
 * DATA adds up to content-length: the mux does (RFC 9113 8.1.1).
 *
 * Return: H2_HPACK_OK (0); H2_HPACK_MALFORMED (stream PROTOCOL_ERROR:
 * missing/duplicate/unknown/misplaced pseudo-header, upper case or
 * invalid name, CR/LF/NUL or edge whitespace in a value, a
 * connection-specific field, te other than "trailers", bad or differing
 * content-length, Host differing from :authority, CONNECT);
 * H2_HPACK_TOO_LARGE (stream error, too many or too large fields);
 * H2_HPACK_COMPRESSION (connection COMPRESSION_ERROR: the HPACK data
 * itself is bad and the decoder state is lost). See h2_hpack_error().
 * Context: the thread owning the connection.
 */
int h2_hpack_decode(struct h2_hpack *hp, const uint8_t *block, size_t len,
		    struct http_msg *msg, int is_resp)
{
	struct h2_dec d;
	nghttp2_nv nv;
	ssize_t ret;
	int flags;

	memset(&d, 0, sizeof(d));
	d.msg = msg;
	d.is_resp = is_resp;
	d.host = -1;
	d.result = H2_HPACK_OK;

	for (;;) {
		flags = 0;
		ret = nghttp2_hd_inflate_hd2(hp->inflater, &nv, &flags,
					     block, len, 1);
		if (ret < 0)
			return H2_HPACK_COMPRESSION;
		if (ret) {
			block += ret;
			len -= (size_t)ret;
		}
		if (flags & NGHTTP2_HD_INFLATE_EMIT)
			h2_dec_field(&d, &nv);
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(hp->inflater);
			break;
		}
		if (!ret && !(flags & NGHTTP2_HD_INFLATE_EMIT))
			return H2_HPACK_COMPRESSION;	/* no progress */
	}
	h2_dec_finish(&d);
	return d.result;
}

/*
 * h2_hpack_error - the frame-level error for an h2_hpack_decode() result.
 * @ret: the result
 * @err: filled: NO_ERROR for H2_HPACK_OK, a stream PROTOCOL_ERROR for
 *       MALFORMED and TOO_LARGE (a server may prefer to answer 431 to the
 *       latter, RFC 9113 10.5.1), a connection COMPRESSION_ERROR for
 *       COMPRESSION.
 * Context: any thread.
 */
void h2_hpack_error(int ret, struct h2_error *err)
{
	err->stream = 1;
	switch (ret) {
	case H2_HPACK_OK:
		err->code = H2_ERR_NO_ERROR;
		err->stream = 0;
		break;
	case H2_HPACK_MALFORMED:
	case H2_HPACK_TOO_LARGE:
		err->code = H2_ERR_PROTOCOL_ERROR;
		break;
	default:
		err->code = H2_ERR_COMPRESSION_ERROR;
		err->stream = 0;
		break;
	}
}
