/*
 * fuzz_fcgi.c - libFuzzer target for the FastCGI codec.
 *
 * Input: one control byte, then bytes. If bit 0x01 is set the bytes are
 * raw STDOUT content fed to the accumulator in steps of ((c >> 1) & 15) + 1
 * bytes; otherwise they are a record stream, decoded as mux_fcgi and the
 * lab peer would: STDOUT to the accumulator, END_REQUEST,
 * GET_VALUES[_RESULT], BEGIN_REQUEST and PARAMS (pairs iterated once the
 * empty PARAMS arrives) through their parsers. A completed response is
 * re-emitted as HTTP/1.1 and must parse back; answers built by the server
 * helpers must decode again.
 * Build/run: see docs/codecs.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "h1.h"
#include "http_msg.h"

#define INVARIANT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "invariant failed: %s (line %d)\n",	\
			#c, __LINE__);					\
		abort();						\
	}								\
} while (0)

static void check_response(struct http_msg *rsp)
{
	struct buffer out = BUF_NULL;
	struct http_msg r;
	int ret, st;

	memset(&r, 0, sizeof(r));
	if (h1_emit_resp(rsp, &out, 1) == 0) {
		http_msg_reset(&r, 1);
		ret = h1_parse_hdrs(b_head(&out), b_data(&out), &r, &st);
		INVARIANT(ret > 0 || (ret < 0 && b_data(&out) >
				      H1_MAX_HDRS_LEN - 512));
		if (ret > 0)
			INVARIANT(r.status == rsp->status);
	}
	b_free(&out);
	http_msg_free(&r);
}

static void params_stream(const struct buffer *params)
{
	struct fcgi_nv nv;
	size_t off = 0, n = 0;
	int ret;

	if (!b_data(params))
		return;
	while ((ret = fcgi_nv_next(b_head(params), b_data(params), &off,
				   &nv)) > 0) {
		INVARIANT(nv.n >= b_head(params) &&
			  nv.v + nv.vlen <= b_head(params) + b_data(params));
		n++;
	}
	INVARIANT(ret == 0 || off < b_data(params));
	(void)n;
}

static void record_stream(const char *p, size_t len)
{
	struct buffer params = BUF_NULL, ans = BUF_NULL;
	struct fcgi_stdout so;
	struct http_msg rsp;
	struct fcgi_values v, app = { 4, 16, 1 };
	struct fcgi_hdr h;
	const char *c;
	uint32_t as;
	uint16_t role;
	uint8_t ps;
	int ret, kc, dead = 0;

	memset(&so, 0, sizeof(so));
	memset(&rsp, 0, sizeof(rsp));
	fcgi_stdout_init(&so);
	http_msg_reset(&rsp, 1);

	while ((ret = fcgi_get_record(p, len, &h, &c)) > 0) {
		INVARIANT((size_t)ret <= len);
		switch (h.type) {
		case FCGI_STDOUT:
			if (dead)
				break;
			if (!h.len) {
				if (fcgi_stdout_end(&so, &rsp) == 0)
					check_response(&rsp);
				dead = 1;
			} else if (fcgi_stdout_feed(&so, c, h.len, &rsp) < 0) {
				dead = 1;
			}
			break;
		case FCGI_END_REQUEST:
			fcgi_parse_end_request(c, h.len, &as, &ps);
			break;
		case FCGI_GET_VALUES:
			b_reset(&ans);
			if (fcgi_emit_get_values_result(&ans, c, h.len,
							&app) == 0) {
				struct fcgi_hdr h2;
				const char *c2;

				INVARIANT(fcgi_get_record(b_head(&ans),
							  b_data(&ans), &h2,
							  &c2) ==
					  (int)b_data(&ans));
				INVARIANT(fcgi_parse_get_values_result(
						c2, h2.len, &v) == 0);
			}
			break;
		case FCGI_GET_VALUES_RESULT:
			fcgi_parse_get_values_result(c, h.len, &v);
			break;
		case FCGI_BEGIN_REQUEST:
			fcgi_parse_begin_request(c, h.len, &role, &kc);
			break;
		case FCGI_PARAMS:
			if (h.len)
				b_putblk(&params, c, h.len, 1 << 20);
			else {
				params_stream(&params);
				b_reset(&params);
			}
			break;
		default:
			b_reset(&ans);
			INVARIANT(fcgi_emit_unknown_type(&ans, h.type) == 0);
			break;
		}
		p += ret;
		len -= (size_t)ret;
	}
	fcgi_stdout_free(&so);
	http_msg_free(&rsp);
	b_free(&params);
	b_free(&ans);
}

static void raw_stdout(const char *p, size_t len, size_t step)
{
	struct fcgi_stdout so;
	struct http_msg rsp;
	size_t off, n;
	int ret = 0;

	memset(&so, 0, sizeof(so));
	memset(&rsp, 0, sizeof(rsp));
	fcgi_stdout_init(&so);
	http_msg_reset(&rsp, 1);
	for (off = 0; off < len && !ret; off += n) {
		n = len - off < step ? len - off : step;
		ret = fcgi_stdout_feed(&so, p + off, n, &rsp);
	}
	if (!ret && fcgi_stdout_end(&so, &rsp) == 0) {
		INVARIANT(rsp.status >= 200 && rsp.status <= 599);
		check_response(&rsp);
	}
	fcgi_stdout_free(&so);
	http_msg_free(&rsp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		raw_stdout((const char *)data + 1, size - 1,
			   (size_t)((data[0] >> 1) & 15) + 1);
	else
		record_stream((const char *)data + 1, size - 1);
	return 0;
}
