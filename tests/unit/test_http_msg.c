/*
 * test_http_msg.c - unit tests of struct http_msg helpers (src/http_msg.c)
 * and of the buffer storage functions (src/buf.c).
 *
 * A standalone program: prints "PASS <name>" or "FAIL <name>: <why>" for
 * each case and exits non-zero if any failed.
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -Isrc tests/unit/test_http_msg.c \
 *        src/http_msg.c src/buf.c -o /tmp/test_http_msg
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_msg.h"

#include "tcase.h"

static void t_reset_free(void)
{
	struct http_msg m;
	char *area;

	begin("http_msg_reset_keeps_storage");
	memset(&m, 0, sizeof(m));
	http_msg_reset(&m, 1);
	CHECK(m.flags == HTTP_MSGF_RESP && m.nb_hdrs == 0, "fresh");
	http_msg_add_hdr(&m, "X", 1, "y", 1);
	http_msg_add_body(&m, "abc", 3);
	m.status = 200;
	m.clen = 3;
	area = m.store.area;
	http_msg_reset(&m, 0);
	CHECK(m.flags == 0 && m.status == 0 && m.clen == 0 &&
	      m.nb_hdrs == 0 && m.store.data == 0 && m.body.data == 0,
	      "not cleared");
	CHECK(m.store.area == area && area != NULL, "storage dropped");
	http_msg_free(&m);
	CHECK(m.store.area == NULL && m.body.area == NULL, "free");
	http_msg_free(&m);	/* twice is fine */
	end();
}

static void t_hdrs(void)
{
	struct http_msg m;
	static const char *const skipped[] = {
		"Connection", "keep-alive", "Transfer-Encoding", "TE",
		"upgrade", "Proxy-Connection", "Content-Length",
	};
	char name[16];
	size_t i;
	int k, ret;

	memset(&m, 0, sizeof(m));
	http_msg_reset(&m, 0);

	begin("http_msg_add_hdr_lowercases");
	CHECK(http_msg_add_hdr(&m, "X-Mixed-CASE", 12, "Value Kept", 10) == 0,
	      "add");
	CHECK(m.nb_hdrs == 1 && hstr_eq(&m, m.hdr[0].n, "x-mixed-case") &&
	      hstr_eq(&m, m.hdr[0].v, "Value Kept"), "stored");
	CHECK(http_msg_find_hdr(&m, "x-mixed-case") == 0 &&
	      http_msg_find_hdr(&m, "x-mixed") == -1 &&
	      http_msg_find_hdr(&m, "X-Mixed-CASE") == -1, "find");
	end();

	begin("http_msg_add_hdr_skips_hop_by_hop");
	for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		ret = http_msg_add_hdr(&m, skipped[i], strlen(skipped[i]),
				       "v", 1);
		CHECK(ret == 0, "%s: %d", skipped[i], ret);
	}
	CHECK(m.nb_hdrs == 1, "stored some: %d", m.nb_hdrs);
	CHECK(http_msg_add_hdr(&m, "te-x", 4, "", 0) == 0 && m.nb_hdrs == 2,
	      "te-x is not te");
	end();

	begin("http_msg_max_headers");
	http_msg_reset(&m, 0);
	for (k = 0; k < HTTP_MAX_HDRS; k++) {
		snprintf(name, sizeof(name), "h%d", k);
		CHECK(http_msg_add_hdr(&m, name, strlen(name), "v", 1) == 0,
		      "add %d", k);
	}
	CHECK(http_msg_add_hdr(&m, "one-more", 8, "v", 1) == -1 &&
	      m.nb_hdrs == HTTP_MAX_HDRS, "65th accepted");
	CHECK(http_msg_add_hdr(&m, "connection", 10, "close", 5) == 0,
	      "skipped header must not count");
	end();

	begin("http_msg_store_cap");
	{
		char *big = malloc(4 * HTTP_MAX_HDR_SIZE);
		struct hstr s;
		size_t before;

		memset(big, 'b', 4 * HTTP_MAX_HDR_SIZE);
		http_msg_reset(&m, 0);
		CHECK(http_msg_str(&m, big, HTTP_MAX_HDR_SIZE, &s) == 0 &&
		      s.off == 0 && s.len == HTTP_MAX_HDR_SIZE, "16k");
		CHECK(http_msg_str(&m, big, 4 * HTTP_MAX_HDR_SIZE, &s) == -1,
		      "64k accepted");
		before = m.store.data;
		CHECK(http_msg_add_hdr(&m, "n", 1, big,
				       2 * HTTP_MAX_HDR_SIZE - before) == -1 &&
		      m.store.data == before && m.nb_hdrs == 0,
		      "failed add left bytes");
		free(big);
	}
	end();

	begin("http_msg_str_offsets_survive_growth");
	{
		struct hstr a, b;
		char fill[1000];

		memset(fill, 'f', sizeof(fill));
		http_msg_reset(&m, 0);
		http_msg_str(&m, "first", 5, &a);
		for (k = 0; k < 20; k++)
			http_msg_str(&m, fill, sizeof(fill), &b);
		CHECK(hstr_eq(&m, a, "first") && b.off == 5 + 19 * 1000,
		      "offsets");
	}
	end();
	http_msg_free(&m);
}

static void t_body(void)
{
	struct http_msg m;
	static char chunk[65536];
	int k, ok = 1;

	memset(&m, 0, sizeof(m));
	http_msg_reset(&m, 1);
	begin("http_msg_body_limit");
	for (k = 0; k < HTTP_MAX_BODY / (int)sizeof(chunk); k++)
		ok &= http_msg_add_body(&m, chunk, sizeof(chunk)) == 0;
	CHECK(ok && m.body.data == HTTP_MAX_BODY, "fill");
	CHECK(http_msg_add_body(&m, "x", 1) == -1 &&
	      m.body.data == HTTP_MAX_BODY, "over max");
	CHECK(http_msg_add_body(&m, NULL, 0) == 0, "empty");
	end();
	http_msg_free(&m);
}

static void t_buf(void)
{
	struct buffer b = BUF_NULL;

	begin("buf_reserve_contract");
	CHECK(b_reserve(&b, 0, 0, 0) == 0 && b.area == NULL, "nothing");
	CHECK(b_reserve(&b, 100, 0, 50) == -1 && b.area == NULL, "over max");
	CHECK(b_reserve(&b, 10, 1000, 4096) == 0 && b.size >= 1000 &&
	      b_room(&b) >= 10, "size");
	b_putblk(&b, "abcdef", 6, 4096);
	b_del(&b, 4);
	CHECK(b_reserve(&b, b.size - 2, 0, b.size) == 0 && b.head == 0 &&
	      !memcmp(b_head(&b), "ef", 2), "realign instead of grow");
	CHECK(b_reserve(&b, b.size, 0, b.size) == -1 &&
	      !memcmp(b_head(&b), "ef", 2) && b.data == 2, "unchanged");
	CHECK(b_putblk(&b, "gh", 2, 4096) == 0 && b.data == 4 &&
	      !memcmp(b_head(&b), "efgh", 4), "append");
	b_free(&b);
	CHECK(b.area == NULL && b.size == 0 && b.data == 0, "free");
	end();
}

int main(void)
{
	t_reset_free();
	t_hdrs();
	t_body();
	t_buf();
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
