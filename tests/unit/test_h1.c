/*
 * test_h1.c - unit tests of the HTTP/1.1 codec (src/h1.c).
 *
 * A standalone program: prints "PASS <name>" or "FAIL <name>: <why>" for
 * each case and exits non-zero if any failed.
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -Isrc tests/unit/test_h1.c \
 *        src/h1.c src/http_msg.c src/buf.c -o /tmp/test_h1
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "h1.h"
#include "http_msg.h"

static int failures;
static int case_failed;
static const char *case_name;

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (case_failed)
		return;		/* report the first reason only */
	case_failed = 1;
	printf("FAIL %s: ", case_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* parse a string literal; its length is left in <plen> for the checks */
static int plen;
#define PARSE(lit, m, st) \
	(plen = (int)sizeof(lit) - 1, h1_parse_hdrs(lit, (size_t)plen, m, st))

/* does the output buffer contain <s>? (buffers are not NUL-terminated) */
static int has(const struct buffer *b, const char *s)
{
	return memmem(b_head(b), b_data(b), s, strlen(s)) != NULL;
}

static void begin(const char *name)
{
	case_name = name;
	case_failed = 0;
}

static void end(void)
{
	if (!case_failed)
		printf("PASS %s\n", case_name);
	else
		failures++;
}

/* Does header <name> of <msg> have value <val>? */
static int hdr_is(const struct http_msg *msg, const char *name,
		  const char *val)
{
	int i = http_msg_find_hdr(msg, name);

	return i >= 0 && hstr_eq(msg, msg->hdr[i].v, val);
}

static int str_is(const struct http_msg *msg, struct hstr s, const char *v)
{
	return s.len == strlen(v) && (!s.len || hstr_eq(msg, s, v));
}

/*
 * Parse <raw> whole, then every prefix: each prefix shorter than the
 * header section must return 0 (or the same error when the whole fails
 * early). Returns the whole result; *st gets the error status.
 */
static int parse_all_splits(const char *raw, size_t len, int is_resp,
			    int no_body, struct http_msg *msg, int *st)
{
	struct http_msg tmp;
	int whole, ret, s2 = 0;
	size_t i;

	memset(&tmp, 0, sizeof(tmp));
	*st = 0;
	http_msg_reset(msg, is_resp);
	if (no_body)
		h1_rsp_set_no_body(msg);
	whole = h1_parse_hdrs(raw, len, msg, st);

	for (i = 0; i < len; i++) {
		if (whole > 0 && i >= (size_t)whole)
			break;
		http_msg_reset(&tmp, is_resp);
		if (no_body)
			h1_rsp_set_no_body(&tmp);
		ret = h1_parse_hdrs(raw, i, &tmp, &s2);
		if (whole > 0 && ret != 0) {
			fail("prefix %zu returned %d (status %d), want 0",
			     i, ret, s2);
			break;
		}
		if (whole < 0 && ret > 0) {
			fail("prefix %zu accepted but whole fails", i);
			break;
		}
	}
	http_msg_free(&tmp);
	return whole;
}

static void t_simple_get(void)
{
	static const char raw[] =
		"GET /index.html?x=1 HTTP/1.1\r\n"
		"Host: example.com:8080\r\n"
		"User-Agent: test/1.0\r\n"
		"Accept:  */* \r\n"
		"\r\n";
	struct http_msg m;
	int st, ret;

	begin("h1_simple_get_and_every_split");
	memset(&m, 0, sizeof(m));
	ret = parse_all_splits(raw, sizeof(raw) - 1, 0, 0, &m, &st);
	CHECK(ret == (int)sizeof(raw) - 1, "ret %d st %d", ret, st);
	CHECK(str_is(&m, m.method, "GET"), "method");
	CHECK(str_is(&m, m.uri, "/index.html?x=1"), "uri");
	CHECK(str_is(&m, m.authority, "example.com:8080"), "authority");
	CHECK(m.flags & HTTP_MSGF_VER_11, "ver11");
	CHECK(m.flags & HTTP_MSGF_HDRS_DONE, "hdrs_done");
	CHECK(!(m.flags & (HTTP_MSGF_CONN_CLOSE | HTTP_MSGF_CLEN |
			   HTTP_MSGF_CHUNKED | HTTP_MSGF_RESP)), "flags %x",
	      m.flags);
	CHECK(m.nb_hdrs == 3, "nb_hdrs %d", m.nb_hdrs);
	CHECK(hdr_is(&m, "user-agent", "test/1.0"), "ua");
	CHECK(hdr_is(&m, "accept", "*/*"), "accept trimmed");
	http_msg_free(&m);
	end();
}

static void t_pipelined(void)
{
	static const char raw[] =
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		"GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_msg m;
	struct h1_body b;
	int st, ret, ret2;

	begin("h1_pipelined_not_overconsumed");
	memset(&m, 0, sizeof(m));
	ret = parse_all_splits(raw, sizeof(raw) - 1, 0, 0, &m, &st);
	CHECK(ret == 28, "first ret %d", ret);
	h1_body_init(&b, &m);
	CHECK(h1_body_done(&b) && (m.flags & HTTP_MSGF_BODY_DONE),
	      "GET has no body");
	CHECK(h1_body_feed(&b, raw + ret, sizeof(raw) - 1 - ret, &m) == 0,
	      "body consumed pipelined bytes");
	http_msg_reset(&m, 0);
	ret2 = h1_parse_hdrs(raw + ret, sizeof(raw) - 1 - ret, &m, &st);
	CHECK(ret2 == 28 && str_is(&m, m.uri, "/b"), "second ret %d", ret2);
	http_msg_free(&m);
	end();
}

static void t_leading_crlf(void)
{
	static const char raw[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_msg m;
	int st, ret;

	begin("h1_leading_empty_lines_ignored");
	memset(&m, 0, sizeof(m));
	ret = parse_all_splits(raw, sizeof(raw) - 1, 0, 0, &m, &st);
	CHECK(ret == (int)sizeof(raw) - 1, "ret %d", ret);
	CHECK(str_is(&m, m.method, "GET"), "method");
	http_msg_free(&m);
	end();
}

struct bad_case {
	const char *name;
	const char *raw;
	int is_resp;
	int status;
};

static const struct bad_case bad_cases[] = {
	{ "bare_cr_in_value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
	  0, 400 },
	{ "bare_cr_request_line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  400 },
	{ "bare_lf", "GET / HTTP/1.1\nHost: h\n\n", 0, 400 },
	{ "bare_lf_in_headers", "GET / HTTP/1.1\r\nHost: h\n\r\n", 0, 400 },
	{ "space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0,
	  400 },
	{ "obs_fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 0,
	  400 },
	{ "bad_method_token", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 400 },
	{ "empty_method", " / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 400 },
	{ "double_space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 400 },
	{ "no_version", "GET /\r\nHost: h\r\n\r\n", 0, 400 },
	{ "bad_header_name", "GET / HTTP/1.1\r\nHost: h\r\nX\"Y: 1\r\n\r\n",
	  0, 400 },
	{ "empty_header_name", "GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n", 0,
	  400 },
	{ "no_colon", "GET / HTTP/1.1\r\nHost: h\r\nfoo\r\n\r\n", 0, 400 },
	{ "nul_in_value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 0,
	  400 },
	{ "ctl_in_target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  400 },
	{ "relative_target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 0, 400 },
	{ "cl_and_te", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "te_and_cl", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 0, 400 },
	{ "cl_differ", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	  "Content-Length: 4\r\n\r\n", 0, 400 },
	{ "cl_list_differ", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Content-Length: 3, 4\r\n\r\n", 0, 400 },
	{ "cl_not_number", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Content-Length: 3a\r\n\r\n", 0, 400 },
	{ "cl_negative", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Content-Length: -1\r\n\r\n", 0, 400 },
	{ "cl_empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n"
	  "\r\n", 0, 400 },
	{ "cl_empty_elem", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Content-Length: 3,\r\n\r\n", 0, 400 },
	{ "te_gzip", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", 0, 501 },
	{ "te_gzip_chunked", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, 501 },
	{ "te_chunked_not_last", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 0,
	  400 },
	{ "te_chunked_twice", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: chunked, chunked\r\n\r\n", 0, 400 },
	{ "te_empty", "POST / HTTP/1.1\r\nHost: h\r\n"
	  "Transfer-Encoding: \r\n\r\n", 0, 400 },
	{ "te_http10", "POST / HTTP/1.0\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "version_2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 0, 505 },
	{ "version_lower", "GET / http/1.1\r\nHost: h\r\n\r\n", 0, 400 },
	{ "version_long", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 0, 400 },
	{ "no_host_11", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 0, 400 },
	{ "two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 0,
	  400 },
	{ "connect", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 0,
	  501 },
	{ "asterisk_not_options", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  400 },
	{ "resp_bad_status", "HTTP/1.1 20 OK\r\n\r\n", 1, 502 },
	{ "resp_status_600", "HTTP/1.1 600 X\r\n\r\n", 1, 502 },
	{ "resp_bad_version", "HTTP/2.0 200 OK\r\n\r\n", 1, 502 },
	{ "resp_101", "HTTP/1.1 101 Switching Protocols\r\n\r\n", 1, 502 },
	{ "resp_cl_te", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 1, 502 },
	{ "resp_te_gzip", "HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", 1, 502 },
	{ "resp_ctl_reason", "HTTP/1.1 200 O\x01K\r\n\r\n", 1, 502 },
	{ "resp_obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", 1, 502 },
};

static void t_bad(void)
{
	char name[96];
	struct http_msg m;
	size_t i, len;
	int st, ret;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		snprintf(name, sizeof(name), "h1_reject_%s", c->name);
		begin(name);
		/* cases with an embedded NUL: compute length up to "\r\n\r\n" */
		len = strlen(c->raw);
		if (strcmp(c->name, "nul_in_value") == 0)
			len = 40;
		ret = parse_all_splits(c->raw, len, c->is_resp, 0, &m, &st);
		CHECK(ret == -1, "ret %d, want -1", ret);
		CHECK(st == c->status, "status %d, want %d", st, c->status);
		CHECK(m.nb_hdrs == 0 && !(m.flags & HTTP_MSGF_HDRS_DONE),
		      "msg not reset after error");
		end();
	}
	http_msg_free(&m);
}

static void t_limits(void)
{
	struct http_msg m;
	char *raw;
	size_t n;
	int st, ret, i;

	memset(&m, 0, sizeof(m));
	raw = malloc(4 * HTTP_MAX_HDR_SIZE);

	begin("h1_reject_uri_too_long_414");
	n = (size_t)sprintf(raw, "GET /");
	memset(raw + n, 'a', H1_MAX_LINE);
	n += H1_MAX_LINE;
	n += (size_t)sprintf(raw + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, n, &m, &st);
	CHECK(ret == -1 && st == 414, "ret %d st %d", ret, st);
	/* detected before the line ends, too */
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, H1_MAX_LINE + 10, &m, &st);
	CHECK(ret == -1 && st == 414, "partial: ret %d st %d", ret, st);
	end();

	begin("h1_reject_headers_too_large_431");
	n = (size_t)sprintf(raw, "GET / HTTP/1.1\r\nHost: h\r\n");
	while (n < H1_MAX_HDRS_LEN + 100)
		n += (size_t)sprintf(raw + n, "X-Pad: %0100d\r\n", 7);
	n += (size_t)sprintf(raw + n, "\r\n");
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, n, &m, &st);
	CHECK(ret == -1 && st == 431, "ret %d st %d", ret, st);
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, H1_MAX_HDRS_LEN, &m, &st);
	CHECK(ret == -1 && st == 431, "partial: ret %d st %d", ret, st);
	end();

	begin("h1_reject_too_many_headers_431");
	n = (size_t)sprintf(raw, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 0; i < HTTP_MAX_HDRS + 1; i++)
		n += (size_t)sprintf(raw + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(raw + n, "\r\n");
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, n, &m, &st);
	CHECK(ret == -1 && st == 431, "ret %d st %d", ret, st);
	end();

	begin("h1_accept_max_headers");
	n = (size_t)sprintf(raw, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 0; i < HTTP_MAX_HDRS - 1; i++)
		n += (size_t)sprintf(raw + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(raw + n, "Connection: keep-alive\r\n\r\n");
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(raw, n, &m, &st);
	CHECK(ret == (int)n && m.nb_hdrs == HTTP_MAX_HDRS, "ret %d nb %d",
	      ret, m.nb_hdrs);
	end();

	free(raw);
	http_msg_free(&m);
}

static void t_flags(void)
{
	struct http_msg m;
	int st, ret;

	memset(&m, 0, sizeof(m));

	begin("h1_connection_close");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.1\r\nHost: h\r\n"
			    "Connection: Keep-Alive, CLOSE\r\n\r\n", &m,
			    &st);
	CHECK(ret == plen && (m.flags & HTTP_MSGF_CONN_CLOSE), "ret %d fl %x",
	      ret, m.flags);
	CHECK(m.nb_hdrs == 1, "connection stored");
	end();

	begin("h1_http10_close_by_default");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.0\r\n\r\n", &m, &st);
	CHECK(ret == plen, "ret %d st %d", ret, st);
	CHECK((m.flags & HTTP_MSGF_CONN_CLOSE) &&
	      !(m.flags & HTTP_MSGF_VER_11), "flags %x", m.flags);
	CHECK(m.authority.len == 0, "authority");
	end();

	begin("h1_http10_keep_alive");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &m, &st);
	CHECK(ret == plen && !(m.flags & HTTP_MSGF_CONN_CLOSE), "ret %d fl %x",
	      ret, m.flags);
	end();

	begin("h1_http1x_is_11");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.9\r\nHost: h\r\n\r\n", &m, &st);
	CHECK(ret == plen && (m.flags & HTTP_MSGF_VER_11), "ret %d", ret);
	end();

	begin("h1_connection_options_stripped");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.1\r\nHost: h\r\nX-Hop: 1\r\n"
			    "Connection: x-hop, upgrade\r\nUpgrade: h2c\r\n"
			    "X-End: 2\r\n\r\n", &m, &st);
	CHECK(ret == plen, "ret %d st %d", ret, st);
	CHECK(http_msg_find_hdr(&m, "x-hop") < 0, "x-hop kept");
	CHECK(http_msg_find_hdr(&m, "upgrade") < 0, "upgrade kept");
	CHECK(hdr_is(&m, "x-end", "2") && hdr_is(&m, "host", "h"),
	      "others lost");
	end();

	begin("h1_clen_identical_duplicates");
	http_msg_reset(&m, 0);
	ret = PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
			    "Content-Length: 12, 12\r\nContent-Length: 12\r\n"
			    "\r\n", &m, &st);
	CHECK(ret == plen && (m.flags & HTTP_MSGF_CLEN) && m.clen == 12,
	      "ret %d st %d clen %llu", ret, st,
	      (unsigned long long)m.clen);
	CHECK(http_msg_find_hdr(&m, "content-length") < 0, "cl stored");
	end();

	begin("h1_chunked_case_insensitive");
	http_msg_reset(&m, 0);
	ret = PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
			    "Transfer-Encoding: ChunKed\r\n\r\n", &m, &st);
	CHECK(ret == plen && (m.flags & HTTP_MSGF_CHUNKED), "ret %d st %d",
	      ret, st);
	end();

	begin("h1_absolute_form");
	http_msg_reset(&m, 0);
	ret = PARSE("GET http://Origin:81?q=1 HTTP/1.1\r\n"
			    "Host: other\r\n\r\n", &m, &st);
	CHECK(ret == plen, "ret %d st %d", ret, st);
	CHECK(str_is(&m, m.authority, "Origin:81"), "authority");
	CHECK(str_is(&m, m.uri, "/?q=1"), "uri");
	http_msg_reset(&m, 0);
	ret = PARSE("GET https://o/p/q HTTP/1.1\r\nHost: o\r\n\r\n", &m, &st);
	CHECK(ret == plen && str_is(&m, m.uri, "/p/q"), "https ret %d", ret);
	end();

	begin("h1_options_asterisk");
	http_msg_reset(&m, 0);
	ret = PARSE("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &m,
			    &st);
	CHECK(ret == plen && str_is(&m, m.uri, "*"), "ret %d", ret);
	end();

	begin("h1_obs_text_value_accepted");
	http_msg_reset(&m, 0);
	ret = PARSE("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\t!\r\n"
			    "\r\n", &m, &st);
	CHECK(ret == plen && hdr_is(&m, "x", "caf\xc3\xa9\t!"), "ret %d", ret);
	end();

	http_msg_free(&m);
}

static void t_responses(void)
{
	struct http_msg m;
	int st, ret;
	static const char r200[] =
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		"Content-Length: 5\r\n\r\nhello";
	static const char r204[] = "HTTP/1.1 204 No Content\r\n\r\n";
	static const char r304[] =
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
	static const char r100[] = "HTTP/1.1 100 Continue\r\n\r\n";
	static const char rclose[] = "HTTP/1.1 200 OK\r\nX: y\r\n\r\nabc";
	static const char rnoreason[] = "HTTP/1.0 404\r\n\r\n";

	memset(&m, 0, sizeof(m));

	begin("h1_resp_200_every_split");
	ret = parse_all_splits(r200, sizeof(r200) - 1, 1, 0, &m, &st);
	CHECK(ret == (int)sizeof(r200) - 6, "ret %d", ret);
	CHECK(m.status == 200 && str_is(&m, m.reason, "OK"), "status");
	CHECK((m.flags & HTTP_MSGF_RESP) && (m.flags & HTTP_MSGF_CLEN) &&
	      m.clen == 5 && !(m.flags & HTTP_MSGF_CONN_CLOSE), "flags %x",
	      m.flags);
	CHECK(hdr_is(&m, "content-type", "text/plain"), "ctype");
	end();

	begin("h1_resp_204_no_body");
	ret = parse_all_splits(r204, sizeof(r204) - 1, 1, 0, &m, &st);
	CHECK(ret == (int)sizeof(r204) - 1 && (m.flags & HTTP_MSGF_NO_BODY) &&
	      !(m.flags & HTTP_MSGF_CONN_CLOSE), "ret %d fl %x", ret,
	      m.flags);
	end();

	begin("h1_resp_304_no_body");
	ret = parse_all_splits(r304, sizeof(r304) - 1, 1, 0, &m, &st);
	CHECK(ret > 0 && (m.flags & HTTP_MSGF_NO_BODY) && m.clen == 10,
	      "ret %d", ret);
	end();

	begin("h1_resp_100_interim");
	ret = parse_all_splits(r100, sizeof(r100) - 1, 1, 0, &m, &st);
	CHECK(ret > 0 && m.status == 100 && (m.flags & HTTP_MSGF_NO_BODY),
	      "ret %d", ret);
	end();

	begin("h1_resp_head_preset_no_body");
	ret = parse_all_splits(r200, sizeof(r200) - 1, 1, 1, &m, &st);
	CHECK(ret > 0 && (m.flags & HTTP_MSGF_NO_BODY), "ret %d", ret);
	end();

	begin("h1_resp_until_close");
	ret = parse_all_splits(rclose, sizeof(rclose) - 1, 1, 0, &m, &st);
	CHECK(ret == (int)sizeof(rclose) - 4 &&
	      (m.flags & HTTP_MSGF_CONN_CLOSE), "ret %d", ret);
	end();

	begin("h1_resp_no_reason");
	ret = parse_all_splits(rnoreason, sizeof(rnoreason) - 1, 1, 0, &m,
			       &st);
	CHECK(ret > 0 && m.status == 404 && m.reason.len == 0 &&
	      (m.flags & HTTP_MSGF_CONN_CLOSE), "ret %d", ret);
	end();

	http_msg_free(&m);
}

/*
 * Feed <body> (<len> bytes, possibly followed by extra bytes that belong to
 * the next message) <step> bytes at a time, as a mux would: keep what was
 * not consumed, append more, feed again. Returns what the decoder left
 * unconsumed in *rest, or -1 on decoder error.
 */
static int feed_steps(struct h1_body *b, struct http_msg *m,
		      const char *body, size_t len, size_t step, size_t *rest)
{
	struct buffer in = BUF_NULL;
	size_t off = 0, n;
	int ret = 0;

	ret = h1_body_feed(b, NULL, 0, m);
	if (ret < 0)
		goto out;
	while (off < len || b_data(&in)) {
		n = len - off < step ? len - off : step;
		if (n)
			b_putblk(&in, body + off, n, 1 << 24);
		off += n;
		ret = h1_body_feed(b, b_head(&in), b_data(&in), m);
		if (ret < 0)
			goto out;
		b_del(&in, (size_t)ret);
		if (!n)
			break;
	}
	*rest = b_data(&in);
	ret = 0;
out:
	b_free(&in);
	return ret;
}

static void t_bodies(void)
{
	static const char chunked[] =
		"5\r\nhello\r\n"
		"1A;ext=1;q=\"x\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
		"0003 \t;foo\r\n, !\r\n"
		"0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"
		"GET /next";
	static const char plain[] = "hello, world";
	char want[64];
	struct http_msg m;
	struct h1_body b;
	size_t step, rest;
	int ret, st;

	memset(&m, 0, sizeof(m));
	snprintf(want, sizeof(want), "hello%s, !",
		 "abcdefghijklmnopqrstuvwxyz");

	begin("h1_chunked_every_split");
	for (step = 1; step <= sizeof(chunked); step++) {
		http_msg_reset(&m, 0);
		PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
			      "Transfer-Encoding: chunked\r\n\r\n", &m, &st);
		h1_body_init(&b, &m);
		ret = feed_steps(&b, &m, chunked, sizeof(chunked) - 1, step,
				 &rest);
		if (ret < 0) {
			fail("step %zu: error %d", step, b.err_status);
			break;
		}
		if (!h1_body_done(&b) || !(m.flags & HTTP_MSGF_BODY_DONE) ||
		    rest != 9 || m.body.data != strlen(want) ||
		    memcmp(m.body.area, want, strlen(want)) != 0) {
			fail("step %zu: done %d rest %zu body %zu", step,
			     h1_body_done(&b), rest, m.body.data);
			break;
		}
	}
	end();

	begin("h1_clen_body_every_split");
	for (step = 1; step <= sizeof(plain); step++) {
		http_msg_reset(&m, 0);
		PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
			      "Content-Length: 5\r\n\r\n", &m, &st);
		h1_body_init(&b, &m);
		ret = feed_steps(&b, &m, plain, sizeof(plain) - 1, step,
				 &rest);
		if (ret < 0 || !h1_body_done(&b) || rest != 7 ||
		    m.body.data != 5 || memcmp(m.body.area, "hello", 5)) {
			fail("step %zu: ret %d rest %zu", step, ret, rest);
			break;
		}
	}
	end();

	begin("h1_until_close_body");
	http_msg_reset(&m, 1);
	PARSE("HTTP/1.1 200 OK\r\n\r\n", &m, &st);
	h1_body_init(&b, &m);
	ret = feed_steps(&b, &m, plain, sizeof(plain) - 1, 3, &rest);
	CHECK(ret == 0 && !h1_body_done(&b) && rest == 0, "before eof");
	CHECK(h1_body_eof(&b, &m) == 0 && h1_body_done(&b) &&
	      (m.flags & HTTP_MSGF_BODY_DONE) && m.body.data == 12,
	      "after eof");
	end();

	begin("h1_eof_truncates_clen");
	http_msg_reset(&m, 1);
	PARSE("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", &m,
		      &st);
	h1_body_init(&b, &m);
	ret = h1_body_feed(&b, "abc", 3, &m);
	CHECK(ret == 3 && h1_body_eof(&b, &m) == -1, "ret %d", ret);
	end();

	begin("h1_clen_zero_done_at_init");
	http_msg_reset(&m, 1);
	PARSE("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &m,
		      &st);
	h1_body_init(&b, &m);
	CHECK(h1_body_done(&b) && (m.flags & HTTP_MSGF_BODY_DONE), "done");
	CHECK(h1_body_feed(&b, "x", 1, &m) == 0, "consumed");
	end();

	begin("h1_clen_too_large_413");
	http_msg_reset(&m, 0);
	PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
		      "Content-Length: 99999999999999999999999\r\n\r\n", &m,
		      &st);
	CHECK(m.flags & HTTP_MSGF_CLEN, "parse st %d", st);
	h1_body_init(&b, &m);
	CHECK(h1_body_feed(&b, NULL, 0, &m) == -1 && b.err_status == 413,
	      "err %d", b.err_status);
	end();
	http_msg_free(&m);
}

struct bad_chunk {
	const char *name;
	const char *body;
	int status;
};

static const struct bad_chunk bad_chunks[] = {
	{ "no_digits", "\r\n", 400 },
	{ "bad_hex", "5g\r\nhello\r\n0\r\n\r\n", 400 },
	{ "bare_lf_size", "5\nhello\r\n0\r\n\r\n", 400 },
	{ "missing_crlf_after_data", "5\r\nhelloX\r\n0\r\n\r\n", 400 },
	{ "data_lf_only", "5\r\nhello\n0\r\n\r\n", 400 },
	{ "junk_after_size", "5 x\r\nhello\r\n0\r\n\r\n", 400 },
	{ "ctl_in_ext", "5;a\x01\r\nhello\r\n0\r\n\r\n", 400 },
	{ "trailer_fold", "0\r\nX: 1\r\n 2\r\n\r\n", 400 },
	{ "trailer_bare_lf", "0\r\nX: 1\n\r\n", 400 },
	{ "final_bare_cr", "0\r\n\rX", 400 },
	{ "huge_size", "1000000000000000\r\n", 413 },
	{ "over_max_body", "100001\r\n", 413 },
	{ "negative", "-5\r\n", 400 },
};

static void t_bad_chunks(void)
{
	char name[96];
	struct http_msg m;
	struct h1_body b;
	size_t i, rest;
	int st, ret;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		const struct bad_chunk *c = &bad_chunks[i];
		size_t step;

		snprintf(name, sizeof(name), "h1_chunked_reject_%s", c->name);
		begin(name);
		for (step = 1; step <= strlen(c->body); step++) {
			http_msg_reset(&m, 0);
			PARSE("POST / HTTP/1.1\r\nHost: h\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n", &m, &st);
			h1_body_init(&b, &m);
			ret = feed_steps(&b, &m, c->body, strlen(c->body),
					 step, &rest);
			if (ret != -1 || b.err_status != c->status) {
				fail("step %zu: ret %d status %d", step, ret,
				     b.err_status);
				break;
			}
		}
		end();
	}
	http_msg_free(&m);
}

/* Parse <out> back as a message of the given direction. */
static int reparse(struct buffer *out, struct http_msg *m, int is_resp,
		   int head)
{
	struct h1_body b;
	int ret, st;

	http_msg_reset(m, is_resp);
	if (head)
		h1_rsp_set_no_body(m);
	ret = h1_parse_hdrs(b_head(out), b_data(out), m, &st);
	if (ret <= 0)
		return -1;
	b_del(out, (size_t)ret);
	h1_body_init(&b, m);
	ret = h1_body_feed(&b, b_head(out), b_data(out), m);
	if (ret < 0)
		return -1;
	b_del(out, (size_t)ret);
	if (!h1_body_done(&b) && h1_body_eof(&b, m) < 0)
		return -1;
	return 0;
}

static void t_emit(void)
{
	static const char req[] =
		"POST /up?x HTTP/1.1\r\nHost: a.example\r\nX-A: 1\r\n"
		"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3\r\nabc\r\n0\r\n\r\n";
	struct buffer out = BUF_NULL;
	struct http_msg m, r;
	struct h1_body b;
	int st, ret, code;
	static const int codes[] = { 400, 404, 413, 414, 431, 500, 501, 502,
				     503, 504, 505 };
	size_t i;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));

	begin("h1_emit_req_roundtrip_chunked_to_clen");
	http_msg_reset(&m, 0);
	ret = h1_parse_hdrs(req, sizeof(req) - 1, &m, &st);
	h1_body_init(&b, &m);
	ret = h1_body_feed(&b, req + ret, sizeof(req) - 1 - ret, &m);
	CHECK(h1_body_done(&b), "body");
	CHECK(h1_emit_req(&m, &out, 1) == 0, "emit");
	{
		static const char want[] = "POST /up?x HTTP/1.1\r\n"
			"host: a.example\r\nx-a: 1\r\ncontent-length: 3\r\n"
			"\r\nabc";

		CHECK(out.data == sizeof(want) - 1 &&
		      !memcmp(out.area, want, out.data), "got %.*s",
		      (int)out.data, out.area);
	}
	CHECK(reparse(&out, &r, 0, 0) == 0, "reparse");
	CHECK(str_is(&r, r.method, "POST") && str_is(&r, r.uri, "/up?x") &&
	      str_is(&r, r.authority, "a.example") && r.clen == 3 &&
	      !(r.flags & (HTTP_MSGF_CHUNKED | HTTP_MSGF_CONN_CLOSE)) &&
	      hdr_is(&r, "x-a", "1") && r.body.data == 3 &&
	      b_data(&out) == 0, "fields lost");
	end();

	begin("h1_emit_req_close_and_host_from_authority");
	b_reset(&out);
	http_msg_reset(&m, 0);
	http_msg_str(&m, "GET", 3, &m.method);
	http_msg_str(&m, "/x", 2, &m.uri);
	http_msg_str(&m, "h2.example", 10, &m.authority);
	http_msg_add_hdr(&m, "Host", 4, "stale", 5);
	CHECK(h1_emit_req(&m, &out, 0) == 0, "emit");
	{
		static const char want[] = "GET /x HTTP/1.1\r\n"
			"host: h2.example\r\nconnection: close\r\n\r\n";

		CHECK(out.data == sizeof(want) - 1 &&
		      !memcmp(out.area, want, out.data), "got %.*s",
		      (int)out.data, out.area);
	}
	CHECK(reparse(&out, &r, 0, 0) == 0 && (r.flags & HTTP_MSGF_CONN_CLOSE),
	      "reparse");
	end();

	begin("h1_emit_resp_roundtrip");
	b_reset(&out);
	http_msg_reset(&m, 1);
	m.status = 201;
	http_msg_add_hdr(&m, "Content-Type", 12, "text/html", 9);
	http_msg_add_body(&m, "<p>", 3);
	CHECK(h1_emit_resp(&m, &out, H1_KA_KEEP | H1_KA_PEER_10) == 0, "emit");
	CHECK(!memcmp(out.area, "HTTP/1.1 201 Created\r\n", 22) &&
	      has(&out, "connection: keep-alive\r\n"), "line");
	CHECK(reparse(&out, &r, 1, 0) == 0 && r.status == 201 &&
	      r.body.data == 3 && hdr_is(&r, "content-type", "text/html"),
	      "reparse");
	end();

	begin("h1_emit_resp_head_keeps_clen");
	b_reset(&out);
	http_msg_reset(&m, 1);
	m.status = 200;
	m.flags |= HTTP_MSGF_NO_BODY | HTTP_MSGF_CLEN;
	m.clen = 1234;
	CHECK(h1_emit_resp(&m, &out, 1) == 0, "emit");
	CHECK(has(&out, "content-length: 1234\r\n"), "clen");
	CHECK(reparse(&out, &r, 1, 1) == 0 && r.clen == 1234 &&
	      b_data(&out) == 0, "reparse");
	end();

	begin("h1_emit_resp_204_no_clen");
	b_reset(&out);
	http_msg_reset(&m, 1);
	m.status = 204;
	CHECK(h1_emit_resp(&m, &out, 1) == 0, "emit");
	CHECK(out.data == 27 && !memcmp(out.area,
		"HTTP/1.1 204 No Content\r\n\r\n", 27), "got %.*s",
	      (int)out.data, out.area);
	end();

	begin("h1_emit_resp_bad_status");
	b_reset(&out);
	http_msg_reset(&m, 1);
	m.status = 99;
	CHECK(h1_emit_resp(&m, &out, 1) == -1 && out.data == 0, "accepted");
	end();

	begin("h1_emit_error_all_codes");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		code = codes[i];
		b_reset(&out);
		if (h1_emit_error(code, &out, 1) < 0) {
			fail("emit %d", code);
			break;
		}
		if (reparse(&out, &r, 1, 0) < 0 || r.status != code ||
		    !(r.flags & HTTP_MSGF_CONN_CLOSE) || r.body.data < 5 ||
		    b_data(&out)) {
			fail("reparse %d", code);
			break;
		}
	}
	b_reset(&out);
	CHECK(h1_emit_error(404, &out, 0) == 0 &&
	      !has(&out, "connection"), "keep-alive error");
	end();

	begin("h1_emit_rollback_on_overflow");
	b_reset(&out);
	b_putblk(&out, "queued", 6, H1_MAX_OUT);
	http_msg_reset(&m, 1);
	m.status = 200;
	{
		static char big[HTTP_MAX_BODY];

		memset(big, 'z', sizeof(big));
		http_msg_add_body(&m, big, sizeof(big));
		/* fill the output so the body cannot fit */
		while (b_data(&out) < 5 * HTTP_MAX_HDR_SIZE)
			b_putblk(&out, big, HTTP_MAX_HDR_SIZE, H1_MAX_OUT);
	}
	{
		size_t before = b_data(&out);

		CHECK(h1_emit_resp(&m, &out, 1) == -1 &&
		      b_data(&out) == before &&
		      !memcmp(b_head(&out), "queued", 6), "no rollback");
	}
	end();

	b_free(&out);
	http_msg_free(&m);
	http_msg_free(&r);
}

static void t_buf(void)
{
	struct buffer b = BUF_NULL;
	int i, ok = 1;

	begin("buf_reserve_grow_realign_max");
	CHECK(b_reserve(&b, 10, 0, 5) == -1 && b.area == NULL, "over max");
	for (i = 0; i < 1000; i++)
		ok &= b_putblk(&b, "0123456789", 10, 1 << 20) == 0;
	CHECK(ok && b.data == 10000, "append");
	b_del(&b, 9995);
	CHECK(b_reserve(&b, b.size - 5, 0, b.size) == 0 && b.head == 0 &&
	      !memcmp(b_head(&b), "56789", 5), "realign");
	{
		struct buffer s = BUF_NULL;

		CHECK(b_putblk(&s, "0123456789", 10, 16) == 0 &&
		      b_putblk(&s, "0123456789", 10, 16) == -1 &&
		      s.data == 10 && s.size <= 16, "max respected");
		b_free(&s);
	}
	CHECK(b_reserve(&b, 0, 50000, 60000) == 0 && b.size >= 50000, "size");
	b_free(&b);
	CHECK(b.area == NULL && b.size == 0, "free");
	b_free(&b);
	end();
}

int main(void)
{
	t_buf();
	t_simple_get();
	t_pipelined();
	t_leading_crlf();
	t_bad();
	t_limits();
	t_flags();
	t_responses();
	t_bodies();
	t_bad_chunks();
	t_emit();
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
