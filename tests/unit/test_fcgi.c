/*
 * test_fcgi.c - unit tests of the FastCGI codec (src/fcgi.c).
 *
 * A standalone program: prints "PASS <name>" or "FAIL <name>: <why>" for
 * each case and exits non-zero if any failed.
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -Isrc tests/unit/test_fcgi.c \
 *        src/fcgi.c src/h1.c src/http_msg.c src/buf.c -o /tmp/test_fcgi
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "h1.h"
#include "http_msg.h"

#include "tcase.h"

/* Walk the records in <b>: all must be whole, version 1, 8-aligned; the
 * contents of those of type <type> are concatenated into <cat>. Returns
 * the number of records of that type, -1 on a bad stream. *last_empty
 * tells whether the last such record was empty. */
static int collect(const struct buffer *b, uint8_t type, struct buffer *cat,
		   int *last_empty)
{
	const char *p = b_head(b), *c;
	size_t len = b_data(b);
	struct fcgi_hdr h;
	int n = 0, ret;

	while (len) {
		ret = fcgi_get_record(p, len, &h, &c);
		if (ret <= 0 || (ret & 7))
			return -1;
		if (h.type == type) {
			n++;
			if (h.len)
				b_putblk(cat, c, h.len, 1 << 24);
			*last_empty = h.len == 0;
		}
		p += ret;
		len -= (size_t)ret;
	}
	return n;
}

/* value of CGI variable <name> in the params stream, or NULL */
static int param_is(const struct buffer *cat, const char *name,
		    const char *want)
{
	struct fcgi_nv nv;
	size_t off = 0;

	while (fcgi_nv_next(b_head(cat), b_data(cat), &off, &nv) > 0) {
		if (nv.nlen == strlen(name) && !memcmp(nv.n, name, nv.nlen)) {
			if (!want)
				return 0;	/* present but not wanted */
			return nv.vlen == strlen(want) &&
			       !memcmp(nv.v, want, nv.vlen);
		}
	}
	return want == NULL;
}

static void t_hdr(void)
{
	struct fcgi_hdr h = { 1, FCGI_STDOUT, 0xabcd, 0x1234, 7 }, d;
	char raw[8];
	size_t i;

	begin("fcgi_hdr_roundtrip_and_split");
	fcgi_encode_hdr(raw, &h);
	CHECK(!memcmp(raw, "\x01\x06\xab\xcd\x12\x34\x07\x00", 8), "bytes");
	for (i = 0; i < 8; i++)
		CHECK(fcgi_decode_hdr(raw, i, &d) == 0, "prefix %zu", i);
	CHECK(fcgi_decode_hdr(raw, 8, &d) == 8 && d.type == FCGI_STDOUT &&
	      d.id == 0xabcd && d.len == 0x1234 && d.padding == 7, "decode");
	raw[0] = 2;
	CHECK(fcgi_decode_hdr(raw, 8, &d) == -1, "version 2 accepted");
	raw[0] = 0;
	CHECK(fcgi_decode_hdr(raw, 8, &d) == -1, "version 0 accepted");
	end();
}

static void t_record(void)
{
	struct buffer out = BUF_NULL;
	struct fcgi_hdr h;
	const char *c;
	size_t i;
	int ret;

	begin("fcgi_record_padding_and_every_split");
	CHECK(fcgi_emit_record(&out, FCGI_STDOUT, 3, "hello", 5) == 0, "emit");
	CHECK(out.data == 16 && !memcmp(out.area,
		"\x01\x06\x00\x03\x00\x05\x03\x00hello\0\0\0", 16), "bytes");
	for (i = 0; i < 16; i++) {
		ret = fcgi_get_record(out.area, i, &h, &c);
		CHECK(ret == 0, "prefix %zu: %d", i, ret);
	}
	ret = fcgi_get_record(out.area, out.data, &h, &c);
	CHECK(ret == 16 && h.len == 5 && !memcmp(c, "hello", 5), "whole");
	b_reset(&out);
	CHECK(fcgi_emit_record(&out, FCGI_STDOUT, 3, "12345678", 8) == 0 &&
	      out.data == 16, "aligned content gets no padding");
	CHECK(fcgi_emit_record(&out, FCGI_STDOUT, 1, "x", FCGI_MAX_CONTENT + 1)
	      == -1 && out.data == 16, "oversized content accepted");
	/* a record with unusual padding from a peer is still accepted */
	ret = fcgi_get_record("\x01\x06\x00\x01\x00\x01\x02\x00zPP", 11, &h,
			      &c);
	CHECK(ret == 11 && *c == 'z', "foreign padding %d", ret);
	b_free(&out);
	end();
}

static void t_nv(void)
{
	struct buffer b = BUF_NULL;
	struct fcgi_nv nv;
	static char big[70000];
	static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 65535,
				       65536 };
	size_t i, j, off, cut;

	memset(big, 'v', sizeof(big));

	begin("fcgi_nv_length_127_128_boundary");
	CHECK(fcgi_nv_encode(&b, "N", 1, big, 127, 1 << 20) == 0, "127");
	CHECK(!memcmp(b.area, "\x01\x7f" "N", 3) && b.data == 3 + 127,
	      "127 must use one byte");
	b_reset(&b);
	CHECK(fcgi_nv_encode(&b, "N", 1, big, 128, 1 << 20) == 0, "128");
	CHECK(!memcmp(b.area, "\x01\x80\x00\x00\x80" "N", 6) &&
	      b.data == 6 + 128, "128 must use four bytes");
	b_reset(&b);
	CHECK(fcgi_nv_encode(&b, big, 128, "", 0, 1 << 20) == 0 &&
	      !memcmp(b.area, "\x80\x00\x00\x80\x00", 5), "name 128");
	end();

	begin("fcgi_nv_roundtrip_all_lengths");
	b_reset(&b);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j += 3)
			CHECK(fcgi_nv_encode(&b, big, lens[i], big, lens[j],
					     1 << 24) == 0, "encode");
	}
	off = 0;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j += 3) {
			int r = fcgi_nv_next(b.area, b.data, &off, &nv);

			CHECK(r == 1 && nv.nlen == lens[i] &&
			      nv.vlen == lens[j], "pair %zu/%zu", i, j);
		}
	}
	CHECK(fcgi_nv_next(b.area, b.data, &off, &nv) == 0, "end");
	end();

	begin("fcgi_nv_truncated_every_byte");
	b_reset(&b);
	fcgi_nv_encode(&b, "NAME", 4, big, 200, 1 << 20);
	for (cut = 1; cut < b.data; cut++) {
		off = 0;
		if (fcgi_nv_next(b.area, cut, &off, &nv) != -1) {
			fail("cut %zu accepted", cut);
			break;
		}
	}
	off = 0;
	CHECK(fcgi_nv_next(b.area, 0, &off, &nv) == 0, "empty stream");
	end();
	b_free(&b);
}

static void t_begin_end(void)
{
	struct buffer out = BUF_NULL;
	struct fcgi_hdr h;
	const char *c;
	uint16_t role;
	uint32_t app;
	uint8_t ps;
	int kc, ret;

	begin("fcgi_begin_request_roundtrip");
	CHECK(fcgi_emit_begin_request(&out, 1, FCGI_RESPONDER, 1) == 0, "emit");
	CHECK(out.data == 16 && !memcmp(out.area,
		"\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x01\0\0\0\0\0", 16),
	      "bytes");
	ret = fcgi_get_record(out.area, out.data, &h, &c);
	CHECK(ret == 16 && fcgi_parse_begin_request(c, h.len, &role, &kc) == 0
	      && role == FCGI_RESPONDER && kc == 1, "parse");
	CHECK(fcgi_parse_begin_request(c, 7, &role, &kc) == -1, "short");
	b_reset(&out);
	fcgi_emit_begin_request(&out, 9, FCGI_AUTHORIZER, 0);
	fcgi_get_record(out.area, out.data, &h, &c);
	CHECK(fcgi_parse_begin_request(c, h.len, &role, &kc) == 0 &&
	      role == FCGI_AUTHORIZER && kc == 0 && h.id == 9, "no keep");
	end();

	begin("fcgi_end_request_roundtrip");
	b_reset(&out);
	CHECK(fcgi_emit_end_request(&out, 7, 0x01020304, FCGI_OVERLOADED) == 0,
	      "emit");
	ret = fcgi_get_record(out.area, out.data, &h, &c);
	CHECK(ret == 16 && h.type == FCGI_END_REQUEST && h.id == 7, "hdr");
	CHECK(fcgi_parse_end_request(c, h.len, &app, &ps) == 0 &&
	      app == 0x01020304 && ps == FCGI_OVERLOADED, "parse");
	CHECK(fcgi_parse_end_request(c, 9, &app, &ps) == -1, "bad len");
	end();

	begin("fcgi_abort_and_unknown_type");
	b_reset(&out);
	CHECK(fcgi_emit_abort_request(&out, 5) == 0 && out.data == 8 &&
	      out.area[1] == FCGI_ABORT_REQUEST, "abort");
	b_reset(&out);
	CHECK(fcgi_emit_unknown_type(&out, 42) == 0 && out.data == 16 &&
	      out.area[1] == FCGI_UNKNOWN_TYPE && out.area[8] == 42 &&
	      out.area[2] == 0 && out.area[3] == 0, "unknown");
	end();
	b_free(&out);
}

static void t_get_values(void)
{
	struct buffer out = BUF_NULL, ans = BUF_NULL;
	struct fcgi_values v, app = { 10, 50, 1 };
	struct fcgi_hdr h;
	const char *c;
	int ret;

	begin("fcgi_get_values_roundtrip");
	CHECK(fcgi_emit_get_values(&out) == 0, "emit");
	ret = fcgi_get_record(out.area, out.data, &h, &c);
	CHECK(ret > 0 && h.type == FCGI_GET_VALUES && h.id == 0, "hdr");
	CHECK(fcgi_emit_get_values_result(&ans, c, h.len, &app) == 0, "answer");
	ret = fcgi_get_record(ans.area, ans.data, &h, &c);
	CHECK(ret > 0 && h.type == FCGI_GET_VALUES_RESULT && h.id == 0,
	      "result hdr");
	CHECK(fcgi_parse_get_values_result(c, h.len, &v) == 0 &&
	      v.max_conns == 10 && v.max_reqs == 50 && v.mpxs_conns == 1,
	      "values %ld %ld %ld", v.max_conns, v.max_reqs, v.mpxs_conns);
	end();

	begin("fcgi_get_values_partial_and_bad");
	b_reset(&ans);
	app.mpxs_conns = -1;
	ret = fcgi_get_record(out.area, out.data, &h, &c);
	fcgi_emit_get_values_result(&ans, c, h.len, &app);
	fcgi_get_record(ans.area, ans.data, &h, &c);
	CHECK(fcgi_parse_get_values_result(c, h.len, &v) == 0 &&
	      v.mpxs_conns == -1 && v.max_reqs == 50, "unanswered");
	CHECK(fcgi_parse_get_values_result("\x0f\x01" "FCGI_MPXS_CONNSx", 18,
					   &v) == -1, "non-number");
	CHECK(fcgi_parse_get_values_result("\x0f\x01" "FCGI_MPXS_CONNS2", 18,
					   &v) == -1, "mpxs 2");
	CHECK(fcgi_parse_get_values_result("\x03\x01" "FOO1", 6, &v) == 0 &&
	      v.mpxs_conns == -1, "unknown name not ignored");
	CHECK(fcgi_parse_get_values_result("\x0f\x05" "FCGI", 6, &v) == -1,
	      "truncated");
	CHECK(fcgi_emit_get_values_result(&ans, "\x0f", 1, &app) == -1,
	      "bad query answered");
	end();
	b_free(&out);
	b_free(&ans);
}

static void t_params(void)
{
	static const char raw[] =
		"POST /app/index.php?a=1&b=2 HTTP/1.1\r\n"
		"Host: www.example.com:8080\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 7\r\n"
		"X-Multi: one\r\nCookie: a=1\r\nX-Multi: two\r\n"
		"Cookie: b=2\r\nProxy: evil\r\nX_Under: no\r\n"
		"Accept-Language: fr\r\n\r\nx=1&y=2";
	struct fcgi_params_ctx ctx = {
		.docroot = "/srv/www", .index = "index.php",
		.server_port = 8080, .remote_addr = "192.0.2.1",
		.remote_port = 5555,
	};
	struct buffer out = BUF_NULL, cat = BUF_NULL;
	struct http_msg m;
	struct h1_body b;
	int ret, st, last_empty = 0, n;

	memset(&m, 0, sizeof(m));
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, sizeof(raw) - 1, &m, &st);
	h1_body_init(&b, &m);
	h1_body_feed(&b, raw + ret, sizeof(raw) - 1 - ret, &m);

	begin("fcgi_params_from_http_request");
	CHECK(fcgi_emit_params(&out, 1, &m, &ctx) == 0, "emit");
	n = collect(&out, FCGI_PARAMS, &cat, &last_empty);
	CHECK(n == 2 && last_empty, "records %d last_empty %d", n,
	      last_empty);
	CHECK(param_is(&cat, "REQUEST_METHOD", "POST"), "method");
	CHECK(param_is(&cat, "REQUEST_URI", "/app/index.php?a=1&b=2"), "uri");
	CHECK(param_is(&cat, "SCRIPT_NAME", "/app/index.php"), "script");
	CHECK(param_is(&cat, "SCRIPT_FILENAME", "/srv/www/app/index.php"),
	      "filename");
	CHECK(param_is(&cat, "QUERY_STRING", "a=1&b=2"), "query");
	CHECK(param_is(&cat, "DOCUMENT_ROOT", "/srv/www"), "docroot");
	CHECK(param_is(&cat, "SERVER_PROTOCOL", "HTTP/1.1"), "proto");
	CHECK(param_is(&cat, "GATEWAY_INTERFACE", "CGI/1.1"), "gw");
	CHECK(param_is(&cat, "SERVER_SOFTWARE", "muxlab"), "software");
	CHECK(param_is(&cat, "SERVER_NAME", "www.example.com"), "sname");
	CHECK(param_is(&cat, "SERVER_PORT", "8080"), "sport");
	CHECK(param_is(&cat, "REMOTE_ADDR", "192.0.2.1"), "raddr");
	CHECK(param_is(&cat, "REMOTE_PORT", "5555"), "rport");
	CHECK(param_is(&cat, "CONTENT_LENGTH", "7"), "clen");
	CHECK(param_is(&cat, "CONTENT_TYPE",
		       "application/x-www-form-urlencoded"), "ctype");
	CHECK(param_is(&cat, "HTTP_CONTENT_TYPE", NULL), "http_ctype");
	CHECK(param_is(&cat, "HTTP_HOST", "www.example.com:8080"), "host");
	CHECK(param_is(&cat, "HTTP_X_MULTI", "one, two"), "multi");
	CHECK(param_is(&cat, "HTTP_COOKIE", "a=1; b=2"), "cookie");
	CHECK(param_is(&cat, "HTTP_ACCEPT_LANGUAGE", "fr"), "lang");
	CHECK(param_is(&cat, "HTTP_PROXY", NULL), "httpoxy");
	CHECK(param_is(&cat, "HTTP_X_UNDER", NULL), "underscore");
	CHECK(param_is(&cat, "HTTPS", NULL), "https");
	end();

	begin("fcgi_params_index_and_get");
	b_reset(&out);
	b_reset(&cat);
	http_msg_reset(&m, 0);
	h1_parse_hdrs("GET /dir/ HTTP/1.0\r\n\r\n", 22, &m, &st);
	ctx.server_name = "fixed";
	ctx.https = 1;
	CHECK(fcgi_emit_params(&out, 2, &m, &ctx) == 0, "emit");
	collect(&out, FCGI_PARAMS, &cat, &last_empty);
	CHECK(param_is(&cat, "SCRIPT_NAME", "/dir/index.php"), "index");
	CHECK(param_is(&cat, "QUERY_STRING", ""), "empty query");
	CHECK(param_is(&cat, "SERVER_PROTOCOL", "HTTP/1.0"), "1.0");
	CHECK(param_is(&cat, "SERVER_NAME", "fixed"), "fixed name");
	CHECK(param_is(&cat, "CONTENT_LENGTH", NULL), "no body, no clen");
	CHECK(param_is(&cat, "HTTPS", "on"), "https");
	CHECK(param_is(&cat, "HTTP_HOST", NULL), "no host");
	end();

	begin("fcgi_params_split_across_records");
	{
		static char longroot[40000];

		memset(longroot, 'd', sizeof(longroot) - 1);
		longroot[0] = '/';
		b_reset(&out);
		b_reset(&cat);
		ctx.docroot = longroot;
		CHECK(fcgi_emit_params(&out, 3, &m, &ctx) == 0, "emit");
		n = collect(&out, FCGI_PARAMS, &cat, &last_empty);
		CHECK(n == 3 && last_empty, "records %d", n);
		CHECK(param_is(&cat, "DOCUMENT_ROOT", longroot), "root");
		CHECK(param_is(&cat, "REQUEST_METHOD", "GET"), "method");
		/* a single pair over 65535 cannot be sent */
		{
			static char huge[70000];

			memset(huge, 'h', sizeof(huge) - 1);
			ctx.docroot = huge;
			n = (int)out.data;
			CHECK(fcgi_emit_params(&out, 3, &m, &ctx) == -1 &&
			      out.data == (size_t)n, "huge accepted");
		}
	}
	end();

	begin("fcgi_stdin_records");
	{
		static char body[70000];
		struct buffer in = BUF_NULL;

		memset(body, 'b', sizeof(body));
		b_reset(&out);
		CHECK(fcgi_emit_stdin(&out, 4, body, sizeof(body)) == 0, "emit");
		n = collect(&out, FCGI_STDIN, &in, &last_empty);
		CHECK(n == 3 && last_empty && in.data == sizeof(body),
		      "records %d data %zu", n, in.data);
		b_reset(&out);
		CHECK(fcgi_emit_stdin(&out, 4, NULL, 0) == 0 && out.data == 8,
		      "empty body");
		b_free(&in);
	}
	end();

	http_msg_free(&m);
	b_free(&out);
	b_free(&cat);
}

/* feed <s> to a fresh accumulator <step> bytes at a time */
static int stdout_steps(const char *s, size_t len, size_t step,
			struct http_msg *rsp)
{
	struct fcgi_stdout so;
	size_t off, n;
	int ret = 0;

	memset(&so, 0, sizeof(so));
	fcgi_stdout_init(&so);
	http_msg_reset(rsp, 1);
	for (off = 0; off < len && ret == 0; off += n) {
		n = len - off < step ? len - off : step;
		ret = fcgi_stdout_feed(&so, s + off, n, rsp);
	}
	if (ret == 0)
		ret = fcgi_stdout_end(&so, rsp);
	fcgi_stdout_free(&so);
	return ret;
}

static int hdr_is(const struct http_msg *m, const char *n, const char *v)
{
	int i = http_msg_find_hdr(m, n);

	return i >= 0 && m->hdr[i].v.len == strlen(v) &&
	       !memcmp(hstr_ptr(m, m->hdr[i].v), v, strlen(v));
}

static void t_stdout(void)
{
	static const char s404[] =
		"Status: 404 Not Found\r\nContent-Type: text/html\r\n"
		"X-Powered-By: lab\r\nContent-Length: 4\r\n\r\noops";
	static const char sloc[] = "Location: /elsewhere\n\n";
	static const char splain[] = "Content-type: text/plain\n\nhi\n\n\r\n";
	static const struct { const char *name, *s; } bad[] = {
		{ "no_colon", "Content-Type text/html\r\n\r\n" },
		{ "bad_status", "Status: abc\r\n\r\n" },
		{ "status_1xx", "Status: 100 Continue\r\n\r\n" },
		{ "status_no_space", "Status: 200OK\r\n\r\n" },
		{ "two_status", "Status: 200\r\nStatus: 200\r\n\r\n" },
		{ "bare_cr", "X: a\rb\r\n\r\n" },
		{ "space_in_name", "X Y: 1\r\n\r\n" },
		{ "bad_clen", "Content-Length: x\r\n\r\n" },
		{ "no_end", "Content-Type: text/html\r\n" },
	};
	struct http_msg m;
	char name[64];
	size_t step, i;
	int ret;

	memset(&m, 0, sizeof(m));

	begin("fcgi_stdout_status_every_split");
	for (step = 1; step <= sizeof(s404); step++) {
		ret = stdout_steps(s404, sizeof(s404) - 1, step, &m);
		if (ret || m.status != 404 || m.reason.len != 9 ||
		    !hdr_is(&m, "content-type", "text/html") ||
		    !hdr_is(&m, "x-powered-by", "lab") ||
		    !(m.flags & HTTP_MSGF_CLEN) || m.clen != 4 ||
		    m.body.data != 4 || memcmp(m.body.area, "oops", 4) ||
		    !(m.flags & HTTP_MSGF_BODY_DONE) ||
		    !(m.flags & HTTP_MSGF_HDRS_DONE)) {
			fail("step %zu: ret %d status %d", step, ret,
			     m.status);
			break;
		}
	}
	end();

	begin("fcgi_stdout_location_302");
	for (step = 1; step <= sizeof(sloc); step++) {
		ret = stdout_steps(sloc, sizeof(sloc) - 1, step, &m);
		if (ret || m.status != 302 ||
		    !hdr_is(&m, "location", "/elsewhere") || m.body.data) {
			fail("step %zu", step);
			break;
		}
	}
	end();

	begin("fcgi_stdout_default_200_lf");
	for (step = 1; step <= sizeof(splain); step++) {
		ret = stdout_steps(splain, sizeof(splain) - 1, step, &m);
		if (ret || m.status != 200 || m.body.data != 6 ||
		    memcmp(m.body.area, "hi\n\n\r\n", 6)) {
			fail("step %zu: body %zu", step, m.body.data);
			break;
		}
	}
	end();

	begin("fcgi_stdout_no_headers");
	ret = stdout_steps("\r\nbody", 6, 1, &m);
	CHECK(ret == 0 && m.status == 200 && m.body.data == 4, "ret %d", ret);
	end();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "fcgi_stdout_reject_%s",
			 bad[i].name);
		begin(name);
		for (step = 1; step <= strlen(bad[i].s); step++) {
			if (stdout_steps(bad[i].s, strlen(bad[i].s), step,
					 &m) != -1) {
				fail("step %zu accepted", step);
				break;
			}
		}
		end();
	}

	begin("fcgi_stdout_headers_too_large");
	{
		char *big = malloc(HTTP_MAX_HDR_SIZE + 64);

		memcpy(big, "X-Big: ", 7);
		memset(big + 7, 'a', HTTP_MAX_HDR_SIZE);
		memcpy(big + 7 + HTTP_MAX_HDR_SIZE, "\r\n\r\n", 4);
		CHECK(stdout_steps(big, HTTP_MAX_HDR_SIZE + 11, 4096, &m) ==
		      -1, "accepted");
		free(big);
	}
	end();

	begin("fcgi_stdout_then_h1_emit");
	{
		struct buffer out = BUF_NULL;
		struct http_msg r;
		struct h1_body b;
		int st;

		memset(&r, 0, sizeof(r));
		stdout_steps(s404, sizeof(s404) - 1, 7, &m);
		CHECK(h1_emit_resp(&m, &out, 1) == 0, "emit");
		http_msg_reset(&r, 1);
		ret = h1_parse_hdrs(out.area, out.data, &r, &st);
		CHECK(ret > 0 && r.status == 404 && r.clen == 4, "reparse");
		h1_body_init(&b, &r);
		h1_body_feed(&b, out.area + ret, out.data - ret, &r);
		CHECK(h1_body_done(&b) && r.body.data == 4, "body");
		b_free(&out);
		http_msg_free(&r);
	}
	end();

	http_msg_free(&m);
}

int main(void)
{
	t_hdr();
	t_record();
	t_nv();
	t_begin_end();
	t_get_values();
	t_params();
	t_stdout();
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
