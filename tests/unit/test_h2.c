/*
 * test_h2.c - unit tests of the HTTP/2 framing and HPACK wrapper (src/h2.c).
 *
 * A standalone program: prints "PASS <name>" or "FAIL <name>: <why>" for
 * each case and exits non-zero if any failed.
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -Isrc tests/unit/test_h2.c \
 *        src/h2.c src/h1.c src/http_msg.c src/buf.c -lnghttp2 \
 *        -o /tmp/test_h2
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "h1.h"
#include "h2.h"
#include "http_msg.h"

#include "tcase.h"

static const uint8_t *U(const struct buffer *b)
{
	return (const uint8_t *)b_head(b);
}

static int str_is(const struct http_msg *m, struct hstr s, const char *v)
{
	return s.len == strlen(v) && (!s.len || hstr_eq(m, s, v));
}

static int hdr_is(const struct http_msg *m, const char *n, const char *v)
{
	int i = http_msg_find_hdr(m, n);

	return i >= 0 && str_is(m, m->hdr[i].v, v);
}

static void t_preface(void)
{
	size_t i;

	begin("h2_preface_every_split");
	for (i = 0; i < H2_PREFACE_LEN; i++)
		CHECK(h2_check_preface((const uint8_t *)H2_PREFACE, i) == 0,
		      "prefix %zu", i);
	CHECK(h2_check_preface((const uint8_t *)H2_PREFACE "xx", 26) ==
	      H2_PREFACE_LEN, "whole");
	CHECK(h2_check_preface((const uint8_t *)"GET / HTTP/1.1\r\n", 16) == -1,
	      "h1 accepted");
	CHECK(h2_check_preface((const uint8_t *)"PRI * HTTP/2.1", 14) == -1,
	      "near miss");
	{
		struct buffer b = BUF_NULL;

		CHECK(h2_emit_preface(&b) == 0 && b.data == 24 &&
		      !memcmp(b.area, H2_PREFACE, 24), "emit");
		b_free(&b);
	}
	end();
}

static void t_fh(void)
{
	struct h2_fh fh = { 0x123456, H2_FT_HEADERS, 0x25, 0x7fffffff }, d;
	struct h2_error err;
	const uint8_t *pl;
	uint8_t raw[H2_FH_LEN + 20];
	size_t i;

	begin("h2_frame_header_roundtrip");
	h2_encode_fh(raw, &fh);
	CHECK(!memcmp(raw, "\x12\x34\x56\x01\x25\x7f\xff\xff\xff", 9),
	      "bytes");
	for (i = 0; i < 9; i++)
		CHECK(h2_decode_fh(raw, i, &d) == 0, "prefix %zu", i);
	CHECK(h2_decode_fh(raw, 9, &d) == 9 && d.len == 0x123456 &&
	      d.type == 1 && d.flags == 0x25 && d.sid == 0x7fffffff, "decode");
	raw[5] = 0xff;		/* R bit set: ignored */
	raw[8] = 0x03;
	CHECK(h2_decode_fh(raw, 9, &d) == 9 && d.sid == 0x7fffff03, "R bit");
	end();

	begin("h2_get_frame_every_split_and_oversize");
	fh.len = 20;
	fh.sid = 1;
	h2_encode_fh(raw, &fh);
	memset(raw + 9, 'p', 20);
	for (i = 0; i < sizeof(raw); i++)
		CHECK(h2_get_frame(raw, i, 16384, &d, &pl, &err) == 0,
		      "prefix %zu", i);
	CHECK(h2_get_frame(raw, sizeof(raw), 16384, &d, &pl, &err) == 29 &&
	      pl == raw + 9, "whole");
	CHECK(h2_get_frame(raw, 9, 19, &d, &pl, &err) == -1 &&
	      err.code == H2_ERR_FRAME_SIZE_ERROR && !err.stream, "oversize");
	end();
}

/* Build a frame from its parts into <raw>; returns its size. */
static size_t mkframe(uint8_t *raw, uint8_t type, uint8_t flags, uint32_t sid,
		      const char *payload, size_t len)
{
	struct h2_fh fh = { (uint32_t)len, type, flags, sid };

	h2_encode_fh(raw, &fh);
	if (len)
		memcpy(raw + 9, payload, len);
	return 9 + len;
}

struct bad_frame {
	const char *name;
	uint8_t type, flags;
	uint32_t sid;
	const char *payload;
	size_t len;
	enum h2_err code;
	int stream;
};

static const struct bad_frame bad_frames[] = {
	{ "data_stream0", H2_FT_DATA, 0, 0, "abc", 3,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "data_padded_empty", H2_FT_DATA, H2_F_PADDED, 1, "", 0,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "data_pad_too_long", H2_FT_DATA, H2_F_PADDED, 1, "\x03" "ab", 3,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "headers_stream0", H2_FT_HEADERS, H2_F_END_HEADERS, 0, "\x82", 1,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "headers_priority_short", H2_FT_HEADERS, H2_F_PRIORITY, 1,
	  "\0\0\0", 3, H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "headers_pad_too_long", H2_FT_HEADERS, H2_F_PADDED, 1,
	  "\x05" "\x82\x86", 3, H2_ERR_PROTOCOL_ERROR, 0 },
	{ "headers_pad_prio_too_long", H2_FT_HEADERS,
	  H2_F_PADDED | H2_F_PRIORITY, 1, "\x02\0\0\0\0\x10" "\x82", 7,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "headers_self_dependency", H2_FT_HEADERS, H2_F_PRIORITY, 5,
	  "\x80\0\0\x05\x10" "\x82", 6, H2_ERR_PROTOCOL_ERROR, 1 },
	{ "priority_stream0", H2_FT_PRIORITY, 0, 0, "\0\0\0\x01\x10", 5,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "priority_len4", H2_FT_PRIORITY, 0, 3, "\0\0\0\x01", 4,
	  H2_ERR_FRAME_SIZE_ERROR, 1 },
	{ "priority_self", H2_FT_PRIORITY, 0, 3, "\0\0\0\x03\x10", 5,
	  H2_ERR_PROTOCOL_ERROR, 1 },
	{ "rst_stream0", H2_FT_RST_STREAM, 0, 0, "\0\0\0\x08", 4,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "rst_len3", H2_FT_RST_STREAM, 0, 1, "\0\0\x08", 3,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "settings_stream1", H2_FT_SETTINGS, 0, 1, "", 0,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "settings_ack_payload", H2_FT_SETTINGS, H2_F_ACK, 0,
	  "\0\x02\0\0\0\0", 6, H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "settings_len5", H2_FT_SETTINGS, 0, 0, "\0\x02\0\0\0", 5,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "settings_push2", H2_FT_SETTINGS, 0, 0, "\0\x02\0\0\0\x02", 6,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "settings_window_2p31", H2_FT_SETTINGS, 0, 0,
	  "\0\x04\x80\0\0\0", 6, H2_ERR_FLOW_CONTROL_ERROR, 0 },
	{ "settings_frame_16383", H2_FT_SETTINGS, 0, 0,
	  "\0\x05\0\0\x3f\xff", 6, H2_ERR_PROTOCOL_ERROR, 0 },
	{ "settings_frame_2p24", H2_FT_SETTINGS, 0, 0,
	  "\0\x05\x01\0\0\0", 6, H2_ERR_PROTOCOL_ERROR, 0 },
	{ "push_promise", H2_FT_PUSH_PROMISE, H2_F_END_HEADERS, 1,
	  "\0\0\0\x02\x82", 5, H2_ERR_PROTOCOL_ERROR, 0 },
	{ "ping_stream1", H2_FT_PING, 0, 1, "12345678", 8,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "ping_len7", H2_FT_PING, 0, 0, "1234567", 7,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "ping_len9", H2_FT_PING, H2_F_ACK, 0, "123456789", 9,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "goaway_stream1", H2_FT_GOAWAY, 0, 1, "\0\0\0\0\0\0\0\0", 8,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "goaway_len7", H2_FT_GOAWAY, 0, 0, "\0\0\0\0\0\0\0", 7,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "window_len3", H2_FT_WINDOW_UPDATE, 0, 0, "\0\0\x01", 3,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "window_len5_stream", H2_FT_WINDOW_UPDATE, 0, 1, "\0\0\0\x01\0", 5,
	  H2_ERR_FRAME_SIZE_ERROR, 0 },
	{ "window_zero_conn", H2_FT_WINDOW_UPDATE, 0, 0, "\0\0\0\0", 4,
	  H2_ERR_PROTOCOL_ERROR, 0 },
	{ "window_zero_stream", H2_FT_WINDOW_UPDATE, 0, 3, "\x80\0\0\0", 4,
	  H2_ERR_PROTOCOL_ERROR, 1 },
	{ "continuation_stream0", H2_FT_CONTINUATION, H2_F_END_HEADERS, 0,
	  "\x82", 1, H2_ERR_PROTOCOL_ERROR, 0 },
};

/* run the type's own parser, which includes h2_check_frame() */
static int parse_any(const struct h2_fh *fh, const uint8_t *pl,
		     struct h2_error *err)
{
	struct h2_settings s;
	struct h2_goaway ga;
	const uint8_t *p;
	uint32_t u;
	uint8_t op[8];

	h2_settings_init(&s);
	switch (fh->type) {
	case H2_FT_DATA: return h2_parse_data(fh, pl, &p, &u, err);
	case H2_FT_HEADERS: return h2_parse_headers(fh, pl, &p, &u, err);
	case H2_FT_PRIORITY: return h2_parse_priority(fh, pl, err);
	case H2_FT_RST_STREAM: return h2_parse_rst_stream(fh, pl, &u, err);
	case H2_FT_SETTINGS: return h2_parse_settings(fh, pl, &s, err);
	case H2_FT_PING: return h2_parse_ping(fh, pl, op, err);
	case H2_FT_GOAWAY: return h2_parse_goaway(fh, pl, &ga, err);
	case H2_FT_WINDOW_UPDATE:
		return h2_parse_window_update(fh, pl, &u, err);
	}
	return h2_check_frame(fh, pl, err);
}

static void t_bad_frames(void)
{
	uint8_t raw[64];
	char name[80];
	struct h2_error err;
	const uint8_t *pl;
	struct h2_fh fh;
	size_t i, n;
	int ret;

	for (i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]); i++) {
		const struct bad_frame *b = &bad_frames[i];

		snprintf(name, sizeof(name), "h2_reject_%s", b->name);
		begin(name);
		n = mkframe(raw, b->type, b->flags, b->sid, b->payload,
			    b->len);
		ret = h2_get_frame(raw, n, 16384, &fh, &pl, &err);
		CHECK(ret == (int)n, "get_frame %d", ret);
		ret = parse_any(&fh, pl, &err);
		CHECK(ret == -1, "accepted");
		CHECK(err.code == b->code && err.stream == b->stream,
		      "code %d stream %d, want %d %d", err.code, err.stream,
		      b->code, b->stream);
		end();
	}

	begin("h2_unknown_frame_type_ignored");
	n = mkframe(raw, 0xfa, 0xff, 0, "xyz", 3);
	h2_get_frame(raw, n, 16384, &fh, &pl, &err);
	CHECK(h2_check_frame(&fh, pl, &err) == 0, "rejected");
	end();
}

static void t_settings(void)
{
	struct h2_setting set[] = {
		{ H2_SET_HEADER_TABLE_SIZE, 0 },
		{ H2_SET_ENABLE_PUSH, 0 },
		{ H2_SET_MAX_CONCURRENT_STREAMS, 100 },
		{ H2_SET_INITIAL_WINDOW_SIZE, H2_MAX_WINDOW },
		{ H2_SET_MAX_FRAME_SIZE, H2_MAX_FRAME_SIZE },
		{ H2_SET_MAX_HEADER_LIST_SIZE, 16384 },
		{ 0x99, 12345 },	/* unknown: ignored */
		{ H2_SET_MAX_FRAME_SIZE, H2_MIN_FRAME_SIZE },
	};
	struct buffer out = BUF_NULL;
	struct h2_settings s;
	struct h2_error err;
	const uint8_t *pl;
	struct h2_fh fh;
	int ret;

	begin("h2_settings_roundtrip_and_bounds");
	CHECK(h2_emit_settings(&out, set, 8) == 0 && out.data == 9 + 48,
	      "emit");
	ret = h2_get_frame(U(&out), out.data, 16384, &fh, &pl, &err);
	h2_settings_init(&s);
	CHECK(ret == 57 && h2_parse_settings(&fh, pl, &s, &err) == 0, "parse");
	CHECK(s.header_table_size == 0 && s.enable_push == 0 &&
	      s.max_concurrent_streams == 100 &&
	      s.initial_window_size == H2_MAX_WINDOW &&
	      s.max_frame_size == H2_MIN_FRAME_SIZE &&
	      s.max_header_list_size == 16384, "values");
	b_reset(&out);
	CHECK(h2_emit_settings_ack(&out) == 0 && out.data == 9, "ack");
	ret = h2_get_frame(U(&out), out.data, 16384, &fh, &pl, &err);
	CHECK(ret == 9 && fh.flags == H2_F_ACK &&
	      h2_parse_settings(&fh, pl, &s, &err) == 0, "parse ack");
	h2_settings_init(&s);
	CHECK(s.initial_window_size == 65535 && s.max_frame_size == 16384 &&
	      s.enable_push == 1 && s.header_table_size == 4096, "defaults");
	CHECK(h2_settings_apply(&s, H2_SET_ENABLE_PUSH, 1, &err) == 0 &&
	      h2_settings_apply(&s, H2_SET_MAX_FRAME_SIZE, 16777215, &err) ==
	      0 && h2_settings_apply(&s, H2_SET_INITIAL_WINDOW_SIZE,
				     0x7fffffff, &err) == 0, "max values");
	end();
	b_free(&out);
}

static void t_windows(void)
{
	struct h2_error err;
	int32_t w;

	begin("h2_flow_control_windows");
	w = 65535;
	CHECK(h2_window_inc(&w, H2_MAX_WINDOW - 65535, 1, &err) == 0 &&
	      w == H2_MAX_WINDOW, "to max");
	CHECK(h2_window_inc(&w, 1, 1, &err) == -1 &&
	      err.code == H2_ERR_FLOW_CONTROL_ERROR && err.stream == 1 &&
	      w == H2_MAX_WINDOW, "stream overflow");
	CHECK(h2_window_inc(&w, 1, 0, &err) == -1 &&
	      err.code == H2_ERR_FLOW_CONTROL_ERROR && err.stream == 0,
	      "conn overflow");
	w = 100;
	CHECK(h2_window_adjust(&w, 65535, 0, &err) == 0 && w == 100 - 65535,
	      "negative");
	w = -5;
	CHECK(h2_window_inc(&w, 10, 3, &err) == 0 && w == 5, "from negative");
	w = 10;
	CHECK(h2_window_adjust(&w, 0, H2_MAX_WINDOW, &err) == -1 &&
	      err.code == H2_ERR_FLOW_CONTROL_ERROR && !err.stream && w == 10,
	      "adjust overflow");
	end();
}

static void t_builders(void)
{
	struct buffer out = BUF_NULL;
	struct h2_error err;
	struct h2_goaway ga;
	const uint8_t *pl, *d;
	struct h2_fh fh;
	uint8_t op[8];
	uint32_t u, dl;
	static uint8_t big[40000];
	size_t off, total;
	int ret, n;

	begin("h2_ping_roundtrip");
	CHECK(h2_emit_ping(&out, (const uint8_t *)"abcdefgh", 0) == 0, "emit");
	CHECK(h2_emit_ping(&out, (const uint8_t *)"abcdefgh", 1) == 0, "ack");
	ret = h2_get_frame(U(&out), out.data, 16384, &fh, &pl, &err);
	CHECK(ret == 17 && !fh.flags && h2_parse_ping(&fh, pl, op, &err) == 0
	      && !memcmp(op, "abcdefgh", 8), "parse");
	ret = h2_get_frame(U(&out) + 17, out.data - 17, 16384, &fh, &pl, &err);
	CHECK(ret == 17 && fh.flags == H2_F_ACK, "parse ack");
	end();

	begin("h2_rst_goaway_window_roundtrip");
	b_reset(&out);
	CHECK(h2_emit_rst_stream(&out, 7, H2_ERR_CANCEL) == 0, "rst");
	CHECK(h2_emit_rst_stream(&out, 0, H2_ERR_CANCEL) == -1, "rst 0");
	CHECK(h2_emit_goaway(&out, 9, H2_ERR_ENHANCE_YOUR_CALM, "bye", 3) == 0,
	      "goaway");
	CHECK(h2_emit_window_update(&out, 0, 1000) == 0, "wu");
	CHECK(h2_emit_window_update(&out, 1, 0) == -1 &&
	      h2_emit_window_update(&out, 1, 0x80000000u) == -1, "wu bounds");
	off = 0;
	ret = h2_get_frame(U(&out), out.data, 16384, &fh, &pl, &err);
	CHECK(ret == 13 && fh.sid == 7 &&
	      h2_parse_rst_stream(&fh, pl, &u, &err) == 0 &&
	      u == H2_ERR_CANCEL, "rst parse");
	off += (size_t)ret;
	ret = h2_get_frame(U(&out) + off, out.data - off, 16384, &fh, &pl,
			   &err);
	CHECK(ret == 20 && h2_parse_goaway(&fh, pl, &ga, &err) == 0 &&
	      ga.last_sid == 9 && ga.code == H2_ERR_ENHANCE_YOUR_CALM &&
	      ga.debug_len == 3 && !memcmp(ga.debug, "bye", 3), "goaway");
	off += (size_t)ret;
	ret = h2_get_frame(U(&out) + off, out.data - off, 16384, &fh, &pl,
			   &err);
	CHECK(ret == 13 && h2_parse_window_update(&fh, pl, &u, &err) == 0 &&
	      u == 1000 && fh.sid == 0, "wu parse");
	end();

	begin("h2_data_split_and_padding");
	memset(big, 'd', sizeof(big));
	b_reset(&out);
	CHECK(h2_emit_data(&out, 3, big, sizeof(big), 1, 16384) == 0, "emit");
	total = 0;
	n = 0;
	for (off = 0; off < out.data; off += (size_t)ret) {
		ret = h2_get_frame(U(&out) + off, out.data - off, 16384, &fh,
				   &pl, &err);
		if (ret <= 0 || h2_parse_data(&fh, pl, &d, &dl, &err) < 0) {
			fail("frame at %zu", off);
			break;
		}
		total += dl;
		n++;
		CHECK(!!(fh.flags & H2_F_END_STREAM) ==
		      (off + (size_t)ret == out.data), "END_STREAM placement");
	}
	CHECK(n == 3 && total == sizeof(big), "frames %d total %zu", n, total);
	b_reset(&out);
	CHECK(h2_emit_data(&out, 3, NULL, 0, 1, 16384) == 0 && out.data == 9 &&
	      out.area[4] == H2_F_END_STREAM, "empty end");
	/* a padded frame from a peer: 2 data bytes, 3 padding bytes */
	{
		uint8_t raw[32];
		size_t m = mkframe(raw, H2_FT_DATA, H2_F_PADDED, 1,
				   "\x03" "hi" "\0\0\0", 6);

		ret = h2_get_frame(raw, m, 16384, &fh, &pl, &err);
		CHECK(ret == 15 && h2_parse_data(&fh, pl, &d, &dl, &err) == 0
		      && dl == 2 && !memcmp(d, "hi", 2), "padded");
		m = mkframe(raw, H2_FT_DATA, H2_F_PADDED, 1, "\x05" "hi" "\0\0\0",
			    6);
		ret = h2_get_frame(raw, m, 16384, &fh, &pl, &err);
		CHECK(h2_parse_data(&fh, pl, &d, &dl, &err) == 0 && dl == 0,
		      "all padding");
	}
	end();
	b_free(&out);
}

/* Run a byte stream of frames through h2_get_frame + h2_hblock_feed;
 * returns the feed result of the last frame, *hb keeps the block. */
static int run_hblock(struct h2_hblock *hb, const struct buffer *in,
		      uint32_t max_frame, struct h2_error *err)
{
	const uint8_t *pl;
	struct h2_fh fh;
	size_t off = 0;
	int ret, r2 = 0;

	while (off < in->data) {
		ret = h2_get_frame(U(in) + off, in->data - off, max_frame, &fh,
				   &pl, err);
		if (ret <= 0)
			return -100;
		r2 = h2_hblock_feed(hb, &fh, pl, err);
		if (r2 < 0)
			return r2;
		off += (size_t)ret;
	}
	return r2;
}

static void t_hblock(void)
{
	struct buffer out = BUF_NULL;
	struct h2_hblock hb;
	struct h2_error err;
	uint8_t block[100];
	uint8_t raw[64];
	size_t i, n;
	int ret;

	for (i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)i;
	h2_hblock_init(&hb);

	begin("h2_headers_continuation_split");
	CHECK(h2_emit_headers(&out, 5, block, sizeof(block), 1, 30) == 0,
	      "emit");
	CHECK(out.data == 4 * 9 + 100, "4 frames: %zu", out.data);
	CHECK(out.area[3] == H2_FT_HEADERS && out.area[4] == H2_F_END_STREAM &&
	      out.area[39 + 3] == H2_FT_CONTINUATION &&
	      out.area[(9 + 30) * 3 + 4] == H2_F_END_HEADERS, "flags");
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == 2 && hb.complete && hb.sid == 5 && hb.end_stream &&
	      hb.buf.data == 100 && !memcmp(hb.buf.area, block, 100),
	      "ret %d", ret);
	b_reset(&out);
	CHECK(h2_emit_headers(&out, 5, block, 30, 0, 30) == 0 &&
	      out.data == 39 && out.area[4] == H2_F_END_HEADERS, "exact fit");
	end();

	begin("h2_hblock_continuation_without_headers");
	h2_hblock_reset(&hb);
	b_reset(&out);
	n = mkframe(raw, H2_FT_CONTINUATION, H2_F_END_HEADERS, 1, "\x82", 1);
	b_putblk(&out, raw, n, 1024);
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == -1 && err.code == H2_ERR_PROTOCOL_ERROR && !err.stream,
	      "ret %d", ret);
	end();

	begin("h2_hblock_interleaved_frame");
	h2_hblock_reset(&hb);
	b_reset(&out);
	n = mkframe(raw, H2_FT_HEADERS, 0, 1, "\x82", 1);
	b_putblk(&out, raw, n, 1024);
	n = mkframe(raw, H2_FT_PING, 0, 0, "12345678", 8);
	b_putblk(&out, raw, n, 1024);
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == -1 && err.code == H2_ERR_PROTOCOL_ERROR && !err.stream,
	      "ret %d", ret);
	end();

	begin("h2_hblock_continuation_other_stream");
	h2_hblock_reset(&hb);
	b_reset(&out);
	n = mkframe(raw, H2_FT_HEADERS, 0, 1, "\x82", 1);
	b_putblk(&out, raw, n, 1024);
	n = mkframe(raw, H2_FT_CONTINUATION, H2_F_END_HEADERS, 3, "\x84", 1);
	b_putblk(&out, raw, n, 1024);
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == -1 && err.code == H2_ERR_PROTOCOL_ERROR && !err.stream,
	      "ret %d", ret);
	end();

	begin("h2_hblock_other_frames_pass");
	h2_hblock_reset(&hb);
	b_reset(&out);
	n = mkframe(raw, H2_FT_DATA, 0, 1, "x", 1);
	b_putblk(&out, raw, n, 1024);
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == 0, "ret %d", ret);
	end();

	begin("h2_hblock_too_large");
	{
		static uint8_t huge[H2_MAX_HBLOCK + 100];

		h2_hblock_reset(&hb);
		b_reset(&out);
		h2_emit_headers(&out, 1, huge, sizeof(huge), 0, 16384);
		ret = run_hblock(&hb, &out, 16384, &err);
		CHECK(ret == -1 && err.code == H2_ERR_ENHANCE_YOUR_CALM &&
		      !err.stream, "ret %d", ret);
	}
	end();

	begin("h2_hblock_self_dependency_kept_for_hpack");
	h2_hblock_reset(&hb);
	b_reset(&out);
	n = mkframe(raw, H2_FT_HEADERS, H2_F_PRIORITY | H2_F_END_HEADERS, 5,
		    "\x80\0\0\x05\x10" "\x82", 6);
	b_putblk(&out, raw, n, 1024);
	ret = run_hblock(&hb, &out, 16384, &err);
	CHECK(ret == 2 && hb.stream_err == H2_ERR_PROTOCOL_ERROR &&
	      hb.buf.data == 1 && hb.buf.area[0] == (char)0x82, "ret %d", ret);
	end();

	h2_hblock_free(&hb);
	b_free(&out);
}

/* ---- HPACK ---- */

struct nvspec {
	const char *n, *v;
};

/* Encode a raw field list with a plain nghttp2 deflater (no checks),
 * to produce blocks our encoder would refuse to make. */
static size_t raw_block(nghttp2_hd_deflater *d, const struct nvspec *l,
			int nb, uint8_t *out, size_t room)
{
	nghttp2_nv nv[80];
	ssize_t r;
	int i;

	for (i = 0; i < nb; i++) {
		nv[i].name = (uint8_t *)l[i].n;
		nv[i].namelen = strlen(l[i].n);
		nv[i].value = (uint8_t *)l[i].v;
		nv[i].valuelen = strlen(l[i].v);
		nv[i].flags = NGHTTP2_NV_FLAG_NONE;
	}
	r = nghttp2_hd_deflate_hd(d, out, room, nv, (size_t)nb);
	return r < 0 ? 0 : (size_t)r;
}

#define REQ_PSEUDO \
	{ ":method", "GET" }, { ":scheme", "http" }, { ":path", "/" }

struct bad_block {
	const char *name;
	int is_resp;
	struct nvspec nv[8];
	int nb;
	int want;
};

static const struct bad_block bad_blocks[] = {
	{ "missing_method", 0, { { ":scheme", "http" }, { ":path", "/" } }, 2,
	  H2_HPACK_MALFORMED },
	{ "missing_scheme", 0, { { ":method", "GET" }, { ":path", "/" } }, 2,
	  H2_HPACK_MALFORMED },
	{ "missing_path", 0, { { ":method", "GET" }, { ":scheme", "http" } },
	  2, H2_HPACK_MALFORMED },
	{ "empty_path", 0, { { ":method", "GET" }, { ":scheme", "http" },
	  { ":path", "" } }, 3, H2_HPACK_MALFORMED },
	{ "relative_path", 0, { { ":method", "GET" }, { ":scheme", "http" },
	  { ":path", "x" } }, 3, H2_HPACK_MALFORMED },
	{ "dup_path", 0, { REQ_PSEUDO, { ":path", "/" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "status_in_request", 0, { REQ_PSEUDO, { ":status", "200" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "unknown_pseudo", 0, { REQ_PSEUDO, { ":protocol", "ws" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "pseudo_after_regular", 0, { { ":method", "GET" },
	  { ":scheme", "http" }, { "x", "1" }, { ":path", "/" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "uppercase_name", 0, { REQ_PSEUDO, { "X-Foo", "1" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "space_in_name", 0, { REQ_PSEUDO, { "x foo", "1" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "connection_header", 0, { REQ_PSEUDO, { "connection", "close" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "keep_alive_header", 0, { REQ_PSEUDO, { "keep-alive", "1" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "transfer_encoding", 0, { REQ_PSEUDO,
	  { "transfer-encoding", "chunked" } }, 4, H2_HPACK_MALFORMED },
	{ "upgrade_header", 0, { REQ_PSEUDO, { "upgrade", "h2c" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "te_gzip", 0, { REQ_PSEUDO, { "te", "gzip" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "cr_in_value", 0, { REQ_PSEUDO, { "x", "a\rb" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "lf_in_value", 0, { REQ_PSEUDO, { "x", "a\nb" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "leading_space_value", 0, { REQ_PSEUDO, { "x", " a" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "trailing_tab_value", 0, { REQ_PSEUDO, { "x", "a\t" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "bad_content_length", 0, { REQ_PSEUDO,
	  { "content-length", "1x" } }, 4, H2_HPACK_MALFORMED },
	{ "differing_content_length", 0, { REQ_PSEUDO,
	  { "content-length", "1" }, { "content-length", "2" } }, 5,
	  H2_HPACK_MALFORMED },
	{ "host_differs", 0, { REQ_PSEUDO, { ":authority", "a" },
	  { "host", "b" } }, 5, H2_HPACK_MALFORMED },
	{ "connect", 0, { { ":method", "CONNECT" }, { ":authority", "a:1" } },
	  2, H2_HPACK_MALFORMED },
	{ "ctl_in_value", 0, { REQ_PSEUDO, { "x", "a\x01" "b" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "non_token_name", 0, { REQ_PSEUDO, { "x(y", "1" } }, 4,
	  H2_HPACK_MALFORMED },
	{ "space_in_path", 0, { { ":method", "GET" }, { ":scheme", "http" },
	  { ":path", "/a b" } }, 3, H2_HPACK_MALFORMED },
	{ "space_in_method", 0, { { ":method", "G T" }, { ":scheme", "http" },
	  { ":path", "/" } }, 3, H2_HPACK_MALFORMED },
	{ "connect_with_path", 0, { { ":method", "CONNECT" },
	  { ":scheme", "http" }, { ":path", "/" } }, 3, H2_HPACK_MALFORMED },
	{ "bad_scheme", 0, { { ":method", "GET" }, { ":scheme", "ftp" },
	  { ":path", "/" } }, 3, H2_HPACK_MALFORMED },
	{ "resp_missing_status", 1, { { "server", "x" } }, 1,
	  H2_HPACK_MALFORMED },
	{ "resp_method", 1, { { ":status", "200" }, { ":method", "GET" } }, 2,
	  H2_HPACK_MALFORMED },
	{ "resp_status_abc", 1, { { ":status", "2x0" } }, 1,
	  H2_HPACK_MALFORMED },
	{ "resp_status_4digits", 1, { { ":status", "2000" } }, 1,
	  H2_HPACK_MALFORMED },
	{ "resp_status_101", 1, { { ":status", "101" } }, 1,
	  H2_HPACK_MALFORMED },
};

static void t_hpack_bad(void)
{
	struct h2_hpack hp;
	struct http_msg m;
	nghttp2_hd_deflater *d;
	uint8_t blk[1024];
	char name[80];
	size_t i, n;
	int ret;

	memset(&m, 0, sizeof(m));
	h2_hpack_init(&hp);
	nghttp2_hd_deflate_new(&d, 4096);

	for (i = 0; i < sizeof(bad_blocks) / sizeof(bad_blocks[0]); i++) {
		const struct bad_block *b = &bad_blocks[i];

		snprintf(name, sizeof(name), "h2_hpack_reject_%s", b->name);
		begin(name);
		n = raw_block(d, b->nv, b->nb, blk, sizeof(blk));
		http_msg_reset(&m, b->is_resp);
		ret = h2_hpack_decode(&hp, blk, n, &m, b->is_resp);
		CHECK(ret == b->want, "ret %d want %d", ret, b->want);
		end();
	}

	/* the same decoder state must still decode a good block that
	 * references entries the malformed blocks added */
	begin("h2_hpack_state_survives_malformed");
	{
		static const struct nvspec ok[] = {
			REQ_PSEUDO, { "x", "a\t" }, { "x foo", "1" },
			{ "host", "b" },
		};
		struct h2_error err;

		n = raw_block(d, ok, 3, blk, sizeof(blk));
		http_msg_reset(&m, 0);
		ret = h2_hpack_decode(&hp, blk, n, &m, 0);
		CHECK(ret == H2_HPACK_OK && str_is(&m, m.method, "GET") &&
		      str_is(&m, m.authority, ""), "ret %d", ret);
		n = raw_block(d, ok, 6, blk, sizeof(blk));
		http_msg_reset(&m, 0);
		ret = h2_hpack_decode(&hp, blk, n, &m, 0);
		h2_hpack_error(ret, &err);
		CHECK(ret == H2_HPACK_MALFORMED &&
		      err.code == H2_ERR_PROTOCOL_ERROR && err.stream == 1,
		      "ret %d", ret);
	}
	end();

	begin("h2_hpack_garbage_is_compression_error");
	{
		struct h2_error err;
		struct h2_hpack hp2;

		h2_hpack_init(&hp2);
		/* index 127 (not in any table) */
		http_msg_reset(&m, 0);
		ret = h2_hpack_decode(&hp2, (const uint8_t *)"\xff\x60", 2, &m,
				      0);
		h2_hpack_error(ret, &err);
		CHECK(ret == H2_HPACK_COMPRESSION &&
		      err.code == H2_ERR_COMPRESSION_ERROR && !err.stream,
		      "ret %d", ret);
		h2_hpack_free(&hp2);
		h2_hpack_init(&hp2);
		/* literal with a name length running past the end */
		http_msg_reset(&m, 0);
		ret = h2_hpack_decode(&hp2, (const uint8_t *)"\x40\x0a" "ab", 4,
				      &m, 0);
		CHECK(ret == H2_HPACK_COMPRESSION, "truncated: ret %d", ret);
		h2_hpack_free(&hp2);
	}
	end();

	nghttp2_hd_deflate_del(d);
	h2_hpack_free(&hp);
	http_msg_free(&m);
}

static void t_hpack_good(void)
{
	struct h2_hpack cli, srv;
	struct buffer blk = BUF_NULL;
	struct http_msg req, got;
	nghttp2_hd_deflater *d;
	uint8_t raw[1024];
	size_t n, first_len = 0;
	int ret, i;

	memset(&req, 0, sizeof(req));
	memset(&got, 0, sizeof(got));
	h2_hpack_init(&cli);
	h2_hpack_init(&srv);

	begin("h2_hpack_request_roundtrip_twice");
	http_msg_reset(&req, 0);
	http_msg_str(&req, "POST", 4, &req.method);
	http_msg_str(&req, "/submit?a=b", 11, &req.uri);
	http_msg_str(&req, "lab.example:8080", 16, &req.authority);
	http_msg_add_hdr(&req, "Host", 4, "ignored", 7);
	http_msg_add_hdr(&req, "User-Agent", 10, "muxlab-test", 11);
	http_msg_add_hdr(&req, "Authorization", 13, "Basic eA==", 10);
	http_msg_add_body(&req, "12345", 5);
	for (i = 0; i < 2; i++) {
		b_reset(&blk);
		CHECK(h2_hpack_encode_req(&cli, &req, &blk) == 0, "encode");
		if (!i)
			first_len = blk.data;
		http_msg_reset(&got, 0);
		ret = h2_hpack_decode(&srv, U(&blk), blk.data, &got, 0);
		CHECK(ret == H2_HPACK_OK, "decode %d (round %d)", ret, i);
		CHECK(str_is(&got, got.method, "POST") &&
		      str_is(&got, got.uri, "/submit?a=b") &&
		      str_is(&got, got.authority, "lab.example:8080"),
		      "pseudo");
		CHECK(hdr_is(&got, "user-agent", "muxlab-test") &&
		      hdr_is(&got, "authorization", "Basic eA==") &&
		      http_msg_find_hdr(&got, "host") < 0, "fields");
		CHECK((got.flags & HTTP_MSGF_CLEN) && got.clen == 5 &&
		      (got.flags & HTTP_MSGF_HDRS_DONE), "clen");
	}
	CHECK(blk.data < first_len, "dynamic table not used: %zu vs %zu",
	      blk.data, first_len);
	end();

	begin("h2_hpack_response_roundtrip");
	http_msg_reset(&req, 1);
	req.status = 404;
	http_msg_add_hdr(&req, "Content-Type", 12, "text/plain", 10);
	http_msg_add_body(&req, "nope", 4);
	b_reset(&blk);
	CHECK(h2_hpack_encode_resp(&srv, &req, &blk) == 0, "encode");
	http_msg_reset(&got, 1);
	ret = h2_hpack_decode(&cli, U(&blk), blk.data, &got, 1);
	CHECK(ret == H2_HPACK_OK && got.status == 404 && got.clen == 4 &&
	      hdr_is(&got, "content-type", "text/plain"), "ret %d", ret);
	req.status = 204;
	b_reset(&blk);
	h2_hpack_encode_resp(&srv, &req, &blk);
	http_msg_reset(&got, 1);
	ret = h2_hpack_decode(&cli, U(&blk), blk.data, &got, 1);
	CHECK(ret == 0 && got.status == 204 &&
	      (got.flags & HTTP_MSGF_NO_BODY) && !(got.flags & HTTP_MSGF_CLEN),
	      "204");
	req.status = 101;
	CHECK(h2_hpack_encode_resp(&srv, &req, &blk) == -1, "101 encoded");
	end();

	nghttp2_hd_deflate_new(&d, 4096);

	begin("h2_hpack_host_only_and_cookies_and_te");
	{
		static const struct nvspec l[] = {
			{ ":method", "GET" }, { ":scheme", "https" },
			{ ":path", "/c" }, { "cookie", "a=1" },
			{ "host", "h.example" }, { "cookie", "b=2" },
			{ "te", "trailers" }, { "cookie", "c=3" },
			{ "x-after", "z" },
		};

		n = raw_block(d, l, 9, raw, sizeof(raw));
		http_msg_reset(&got, 0);
		ret = h2_hpack_decode(&srv, raw, n, &got, 0);
		CHECK(ret == H2_HPACK_OK, "ret %d", ret);
		CHECK(str_is(&got, got.authority, "h.example"), "authority");
		CHECK(hdr_is(&got, "cookie", "a=1; b=2; c=3"), "cookies");
		CHECK(hdr_is(&got, "x-after", "z") &&
		      hdr_is(&got, "host", "h.example") &&
		      http_msg_find_hdr(&got, "te") < 0 && got.nb_hdrs == 3,
		      "others (%d)", got.nb_hdrs);
	}
	end();

	begin("h2_hpack_options_asterisk_and_interim");
	{
		static const struct nvspec l[] = {
			{ ":method", "OPTIONS" }, { ":scheme", "http" },
			{ ":path", "*" }, { ":authority", "a" },
			{ "host", "a" },
		};
		static const struct nvspec r[] = { { ":status", "103" } };

		n = raw_block(d, l, 5, raw, sizeof(raw));
		http_msg_reset(&got, 0);
		CHECK(h2_hpack_decode(&srv, raw, n, &got, 0) == 0 &&
		      str_is(&got, got.uri, "*"), "options");
		n = raw_block(d, r, 1, raw, sizeof(raw));
		http_msg_reset(&got, 1);
		CHECK(h2_hpack_decode(&srv, raw, n, &got, 1) == 0 &&
		      got.status == 103 && (got.flags & HTTP_MSGF_NO_BODY),
		      "103");
	}
	end();

	begin("h2_hpack_too_many_fields");
	{
		static struct nvspec l[3 + HTTP_MAX_HDRS + 1];
		static char names[HTTP_MAX_HDRS + 1][8];
		static uint8_t bigblk[4096];
		struct h2_error err;
		int k;

		l[0].n = ":method", l[0].v = "GET";
		l[1].n = ":scheme", l[1].v = "http";
		l[2].n = ":path", l[2].v = "/";
		for (k = 0; k < HTTP_MAX_HDRS + 1; k++) {
			snprintf(names[k], sizeof(names[k]), "y-%d", k);
			l[3 + k].n = names[k];
			l[3 + k].v = "w";
		}
		n = raw_block(d, l, 3 + HTTP_MAX_HDRS, bigblk, sizeof(bigblk));
		http_msg_reset(&got, 0);
		CHECK(h2_hpack_decode(&srv, bigblk, n, &got, 0) == 0 &&
		      got.nb_hdrs == HTTP_MAX_HDRS, "64 fields");
		n = raw_block(d, l, 4 + HTTP_MAX_HDRS, bigblk, sizeof(bigblk));
		http_msg_reset(&got, 0);
		ret = h2_hpack_decode(&srv, bigblk, n, &got, 0);
		h2_hpack_error(ret, &err);
		CHECK(ret == H2_HPACK_TOO_LARGE && err.stream == 1, "65: %d",
		      ret);
		/* and the decoder is still in step */
		n = raw_block(d, l, 4, bigblk, sizeof(bigblk));
		http_msg_reset(&got, 0);
		CHECK(h2_hpack_decode(&srv, bigblk, n, &got, 0) == 0 &&
		      hdr_is(&got, "y-0", "w"), "after");
	}
	end();

	nghttp2_hd_deflate_del(d);
	b_free(&blk);
	h2_hpack_free(&cli);
	h2_hpack_free(&srv);
	http_msg_free(&req);
	http_msg_free(&got);
}

/* Whole path: H1 request -> H2 frames (tiny frames) -> decode -> H1. */
static void t_h1_h2_h1(void)
{
	static const char in[] =
		"PUT /obj?v=2 HTTP/1.1\r\nHost: store.example\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: 10\r\nCookie: k=v\r\n\r\n0123456789";
	struct buffer wire = BUF_NULL, blk = BUF_NULL, h1 = BUF_NULL;
	struct h2_hpack cli, srv;
	struct http_msg a, b;
	struct h2_hblock hb;
	struct h2_error err;
	struct h1_body body;
	const uint8_t *pl, *d;
	struct h2_fh fh;
	uint32_t dl;
	size_t off;
	int ret, st, got_block = 0, es = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	h2_hpack_init(&cli);
	h2_hpack_init(&srv);
	h2_hblock_init(&hb);

	begin("h2_h1_to_h2_to_h1_roundtrip");
	http_msg_reset(&a, 0);
	ret = h1_parse_hdrs(in, sizeof(in) - 1, &a, &st);
	h1_body_init(&body, &a);
	h1_body_feed(&body, in + ret, sizeof(in) - 1 - ret, &a);
	CHECK(h1_body_done(&body), "h1 body");

	CHECK(h2_hpack_encode_req(&cli, &a, &blk) == 0, "encode");
	CHECK(h2_emit_headers(&wire, 1, U(&blk), blk.data, 0, 16) == 0,
	      "headers");
	CHECK(h2_emit_data(&wire, 1, (const uint8_t *)a.body.area, a.body.data,
			   1, 4) == 0, "data");

	http_msg_reset(&b, 0);
	for (off = 0; off < wire.data; off += (size_t)ret) {
		ret = h2_get_frame(U(&wire) + off, wire.data - off, 16384, &fh,
				   &pl, &err);
		if (ret <= 0) {
			fail("frame at %zu", off);
			break;
		}
		st = h2_hblock_feed(&hb, &fh, pl, &err);
		if (st == 2) {
			got_block = 1;
			CHECK(h2_hpack_decode(&srv, U(&hb.buf), hb.buf.data,
					      &b, 0) == 0, "decode");
			h2_hblock_reset(&hb);
		} else if (st == 0 && fh.type == H2_FT_DATA) {
			CHECK(h2_parse_data(&fh, pl, &d, &dl, &err) == 0,
			      "data");
			http_msg_add_body(&b, d, dl);
			es = !!(fh.flags & H2_F_END_STREAM);
		}
	}
	CHECK(got_block && es, "block %d end_stream %d", got_block, es);
	CHECK(b.clen == 10 && b.body.data == 10, "clen/body");

	CHECK(h1_emit_req(&b, &h1, 1) == 0, "h1 emit");
	http_msg_reset(&a, 0);
	ret = h1_parse_hdrs(b_head(&h1), b_data(&h1), &a, &st);
	CHECK(ret > 0 && str_is(&a, a.method, "PUT") &&
	      str_is(&a, a.uri, "/obj?v=2") &&
	      str_is(&a, a.authority, "store.example") && a.clen == 10 &&
	      hdr_is(&a, "cookie", "k=v") &&
	      hdr_is(&a, "content-type", "application/octet-stream"),
	      "h1 reparse %d", ret);
	end();

	h2_hblock_free(&hb);
	h2_hpack_free(&cli);
	h2_hpack_free(&srv);
	http_msg_free(&a);
	http_msg_free(&b);
	b_free(&wire);
	b_free(&blk);
	b_free(&h1);
}

int main(void)
{
	t_preface();
	t_fh();
	t_bad_frames();
	t_settings();
	t_windows();
	t_builders();
	t_hblock();
	t_hpack_bad();
	t_hpack_good();
	t_h1_h2_h1();
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
