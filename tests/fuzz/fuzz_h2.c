/*
 * fuzz_h2.c - libFuzzer target for the HTTP/2 framing and HPACK wrapper.
 *
 * Input: one control byte, then a frame stream as a peer would send it
 * (no preface). Bit 0x01: field blocks are responses (else requests);
 * bit 0x02: our SETTINGS_MAX_FRAME_SIZE is 16 (else 16384), to exercise
 * the size checks. Every frame goes through h2_get_frame(),
 * h2_hblock_feed() and its type's parser; complete field blocks through
 * h2_hpack_decode(). Invariants checked (abort on failure):
 *   - errors carry a real code;
 *   - a block that decodes cleanly re-encodes (with a second HPACK pair)
 *     and decodes again to the same start line, and is written as
 *     HTTP/1.1 in a form the h1 parser accepts (what mux_h2 -> mux_h1
 *     forwarding relies on);
 *   - every parsed control frame re-emits and re-parses identically.
 * Build/run: see docs/codecs.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h1.h"
#include "h2.h"
#include "http_msg.h"

#define INVARIANT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "invariant failed: %s (line %d)\n",	\
			#c, __LINE__);					\
		abort();						\
	}								\
} while (0)

static int same(const struct http_msg *a, struct hstr sa,
		const struct http_msg *b, struct hstr sb)
{
	return sa.len == sb.len &&
	       (!sa.len || !memcmp(hstr_ptr(a, sa), hstr_ptr(b, sb), sa.len));
}

static void reencode(struct h2_hpack *enc, struct h2_hpack *dec,
		     const struct http_msg *m, int is_resp)
{
	struct buffer blk = BUF_NULL;
	struct http_msg r;
	int ret, st;

	memset(&r, 0, sizeof(r));
	ret = is_resp ? h2_hpack_encode_resp(enc, m, &blk) :
			h2_hpack_encode_req(enc, m, &blk);
	INVARIANT(ret == 0);
	http_msg_reset(&r, is_resp);
	ret = h2_hpack_decode(dec, (const uint8_t *)b_head(&blk), b_data(&blk),
			      &r, is_resp);
	INVARIANT(ret == H2_HPACK_OK);
	if (is_resp) {
		INVARIANT(r.status == m->status);
	} else {
		INVARIANT(same(m, m->method, &r, r.method));
		INVARIANT(same(m, m->uri, &r, r.uri));
		INVARIANT(same(m, m->authority, &r, r.authority));
	}
	/* the same message as HTTP/1.1 */
	b_reset(&blk);
	ret = is_resp ? h1_emit_resp(m, &blk, H1_KA_KEEP) :
			h1_emit_req(m, &blk, H1_KA_KEEP);
	INVARIANT(ret == 0);
	http_msg_reset(&r, is_resp);
	ret = h1_parse_hdrs(b_head(&blk), b_data(&blk), &r, &st);
	INVARIANT(ret > 0 || (ret < 0 && st == 431));
	if (ret > 0 && is_resp)
		INVARIANT(r.status == m->status);
	if (ret > 0 && !is_resp) {
		INVARIANT(same(m, m->method, &r, r.method));
		INVARIANT(same(m, m->uri, &r, r.uri));
		INVARIANT(same(m, m->authority, &r, r.authority));
	}
	b_free(&blk);
	http_msg_free(&r);
}

/* control frames: parse, re-emit, re-parse */
static void control(const struct h2_fh *fh, const uint8_t *pl,
		    struct h2_settings *peer, int32_t *win)
{
	struct buffer out = BUF_NULL;
	struct h2_error err;
	struct h2_goaway ga, ga2;
	const uint8_t *p2;
	struct h2_fh f2;
	uint8_t op[8], op2[8];
	uint32_t u, u2;

	switch (fh->type) {
	case H2_FT_SETTINGS:
		if (h2_parse_settings(fh, pl, peer, &err) < 0)
			INVARIANT(!err.stream && err.code);
		break;
	case H2_FT_PING:
		if (h2_parse_ping(fh, pl, op, &err) < 0)
			break;
		INVARIANT(h2_emit_ping(&out, op, 1) == 0);
		INVARIANT(h2_get_frame((const uint8_t *)b_head(&out),
				       b_data(&out), 16384, &f2, &p2, &err) ==
			  17);
		INVARIANT(h2_parse_ping(&f2, p2, op2, &err) == 0 &&
			  !memcmp(op, op2, 8));
		break;
	case H2_FT_GOAWAY:
		if (h2_parse_goaway(fh, pl, &ga, &err) < 0)
			break;
		if (h2_emit_goaway(&out, ga.last_sid, ga.code, ga.debug,
				   ga.debug_len) < 0)
			break;	/* debug data longer than we send */
		INVARIANT(h2_get_frame((const uint8_t *)b_head(&out),
				       b_data(&out), H2_MAX_FRAME_SIZE, &f2,
				       &p2, &err) > 0);
		INVARIANT(h2_parse_goaway(&f2, p2, &ga2, &err) == 0 &&
			  ga2.last_sid == ga.last_sid &&
			  ga2.code == ga.code &&
			  ga2.debug_len == ga.debug_len);
		break;
	case H2_FT_WINDOW_UPDATE:
		if (h2_parse_window_update(fh, pl, &u, &err) < 0) {
			INVARIANT(err.code == H2_ERR_FRAME_SIZE_ERROR ||
				  err.code == H2_ERR_PROTOCOL_ERROR);
			break;
		}
		INVARIANT(u >= 1 && u <= H2_MAX_WINDOW);
		if (h2_window_inc(win, u, fh->sid, &err) < 0)
			INVARIANT(err.code == H2_ERR_FLOW_CONTROL_ERROR);
		INVARIANT(h2_emit_window_update(&out, fh->sid, u) == 0);
		h2_get_frame((const uint8_t *)b_head(&out), b_data(&out),
			     16384, &f2, &p2, &err);
		INVARIANT(h2_parse_window_update(&f2, p2, &u2, &err) == 0 &&
			  u2 == u);
		break;
	case H2_FT_RST_STREAM:
		if (h2_parse_rst_stream(fh, pl, &u, &err) == 0) {
			INVARIANT(h2_emit_rst_stream(&out, fh->sid, u) == 0);
		}
		break;
	case H2_FT_PRIORITY:
		h2_parse_priority(fh, pl, &err);
		break;
	default:
		h2_check_frame(fh, pl, &err);
		break;
	}
	b_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_hpack dec, enc2, dec2;
	struct h2_settings peer;
	struct h2_hblock hb;
	struct h2_error err;
	struct http_msg m;
	const uint8_t *pl, *d;
	struct h2_fh fh;
	uint32_t max_frame, dl;
	int32_t win = H2_DEFAULT_WINDOW;
	int is_resp, ret, st, dr;

	if (size < 1)
		return 0;
	is_resp = data[0] & 1;
	max_frame = (data[0] & 2) ? 16 : 16384;
	data++;
	size--;

	memset(&m, 0, sizeof(m));
	if (h2_hpack_init(&dec) < 0)
		return 0;
	h2_hpack_init(&enc2);
	h2_hpack_init(&dec2);
	h2_hblock_init(&hb);
	h2_settings_init(&peer);

	while ((ret = h2_get_frame(data, size, max_frame, &fh, &pl,
				   &err)) > 0) {
		INVARIANT((size_t)ret <= size && (uint32_t)ret == 9 + fh.len);
		data += ret;
		size -= (size_t)ret;

		st = h2_hblock_feed(&hb, &fh, pl, &err);
		if (st < 0) {
			INVARIANT(err.code && !err.stream);
			break;		/* connection error: GOAWAY */
		}
		if (st == 1)
			continue;
		if (st == 2) {
			http_msg_reset(&m, is_resp);
			dr = h2_hpack_decode(&dec,
					     (const uint8_t *)b_head(&hb.buf),
					     b_data(&hb.buf), &m, is_resp);
			h2_hblock_reset(&hb);
			if (dr == H2_HPACK_COMPRESSION)
				break;
			if (dr == H2_HPACK_OK)
				reencode(&enc2, &dec2, &m, is_resp);
			continue;
		}
		if (fh.type == H2_FT_DATA) {
			if (h2_parse_data(&fh, pl, &d, &dl, &err) == 0)
				INVARIANT(dl <= fh.len);
			continue;
		}
		control(&fh, pl, &peer, &win);
	}
	if (ret < 0)
		INVARIANT(err.code == H2_ERR_FRAME_SIZE_ERROR && !err.stream);

	h2_hblock_free(&hb);
	h2_hpack_free(&dec);
	h2_hpack_free(&enc2);
	h2_hpack_free(&dec2);
	http_msg_free(&m);
	return 0;
}
