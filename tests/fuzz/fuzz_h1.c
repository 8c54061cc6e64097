/*
 * fuzz_h1.c - libFuzzer target for the HTTP/1.1 codec.
 *
 * Input: one control byte, then the wire bytes. Control bits:
 *   0x01 parse a response (else a request)
 *   0x02 the response answers HEAD
 *   0x1c body feed step = ((c >> 2) & 7) * 3 + 1 bytes
 *   0x20 signal EOF after the last byte
 * Beyond not crashing, it checks invariants and aborts if one fails:
 *   - a header section accepted whole is refused (0) for a shorter prefix;
 *   - the body decoder never consumes more than it was given;
 *   - a fully decoded message re-emitted with h1_emit_* parses back to the
 *     same start line, header count and body.
 * Build/run: see docs/codecs.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h1.h"
#include "http_msg.h"

#define INVARIANT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "invariant failed: %s (line %d)\n",	\
			#c, __LINE__);					\
		abort();						\
	}								\
} while (0)

static int same_str(const struct http_msg *a, struct hstr sa,
		    const struct http_msg *b, struct hstr sb)
{
	if (sa.len != sb.len)
		return 0;
	return !sa.len || !memcmp(hstr_ptr(a, sa), hstr_ptr(b, sb), sa.len);
}

static void roundtrip(struct http_msg *m, int is_resp, int head)
{
	struct buffer out = BUF_NULL;
	struct http_msg r;
	struct h1_body b;
	int ret, st;

	memset(&r, 0, sizeof(r));
	if (is_resp)
		ret = h1_emit_resp(m, &out, H1_KA_KEEP);
	else
		ret = h1_emit_req(m, &out, H1_KA_KEEP);
	if (ret < 0)
		goto out;
	http_msg_reset(&r, is_resp);
	if (head)
		h1_rsp_set_no_body(&r);
	ret = h1_parse_hdrs(b_head(&out), b_data(&out), &r, &st);
	/* re-emission adds host/content-length: a message at the limits
	 * may legitimately no longer fit them */
	if (ret < 0 && st == 431)
		goto out;
	INVARIANT(ret > 0);
	b_del(&out, (size_t)ret);
	h1_body_init(&b, &r);
	ret = h1_body_feed(&b, b_head(&out), b_data(&out), &r);
	INVARIANT(ret >= 0);
	b_del(&out, (size_t)ret);
	INVARIANT(h1_body_done(&b));
	INVARIANT(b_data(&out) == 0);
	if (is_resp) {
		INVARIANT(r.status == m->status);
	} else {
		INVARIANT(same_str(m, m->method, &r, r.method));
		INVARIANT(same_str(m, m->uri, &r, r.uri));
		INVARIANT(same_str(m, m->authority, &r, r.authority));
	}
	INVARIANT(r.body.data == m->body.data);
	INVARIANT(!r.body.data ||
		  !memcmp(r.body.area, m->body.area, r.body.data));
out:
	b_free(&out);
	http_msg_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_msg m, p;
	struct h1_body b;
	const char *buf;
	size_t len, off, step, n;
	int ret, pret, st = 0, is_resp, head, eof;
	uint8_t c;

	if (size < 1)
		return 0;
	c = data[0];
	buf = (const char *)data + 1;
	len = size - 1;
	is_resp = c & 0x01;
	head = is_resp && (c & 0x02);
	step = ((c >> 2) & 7) * 3 + 1;
	eof = !!(c & 0x20);

	memset(&m, 0, sizeof(m));
	memset(&p, 0, sizeof(p));
	http_msg_reset(&m, is_resp);
	if (head)
		h1_rsp_set_no_body(&m);
	ret = h1_parse_hdrs(buf, len, &m, &st);
	if (ret < 0) {
		INVARIANT(st >= 400 && st <= 505);
		goto out;
	}
	if (ret == 0)
		goto out;
	INVARIANT((size_t)ret <= len);

	/* a prefix of an accepted section is "need more" */
	http_msg_reset(&p, is_resp);
	if (head)
		h1_rsp_set_no_body(&p);
	pret = h1_parse_hdrs(buf, (size_t)ret - 1, &p, &st);
	INVARIANT(pret == 0);
	http_msg_reset(&p, is_resp);
	pret = h1_parse_hdrs(buf, (size_t)(c % ret), &p, &st);
	INVARIANT(pret == 0 || (c % ret) == 0);

	off = (size_t)ret;
	h1_body_init(&b, &m);
	if (h1_body_feed(&b, buf + off, 0, &m) < 0)
		goto out;
	while (!h1_body_done(&b) && off < len) {
		n = len - off < step ? len - off : step;
		ret = h1_body_feed(&b, buf + off, n, &m);
		if (ret < 0) {
			INVARIANT(b.err_status == 400 || b.err_status == 413);
			goto out;
		}
		INVARIANT((size_t)ret <= n);
		off += (size_t)ret;
		if ((size_t)ret < n) {
			/* decoder stops only at the end of the body */
			INVARIANT(h1_body_done(&b));
		}
	}
	if (!h1_body_done(&b) && eof)
		h1_body_eof(&b, &m);
	if (h1_body_done(&b)) {
		INVARIANT(m.flags & HTTP_MSGF_BODY_DONE);
		roundtrip(&m, is_resp, head);
	}
out:
	/* the error page for any status must always be producible */
	{
		struct buffer e = BUF_NULL;

		INVARIANT(h1_emit_error(400 + (c % 106), &e, c & 1) == 0);
		b_free(&e);
	}
	http_msg_free(&m);
	http_msg_free(&p);
	return 0;
}
