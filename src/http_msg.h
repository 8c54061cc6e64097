/*
 * http_msg.h - building and reading struct http_msg.
 *
 * Owner-thread only: a message belongs to one stream at a time. None of
 * these functions does I/O. Errors are negative returns, never aborts.
 */
#ifndef MUXLAB_HTTP_MSG_H
#define MUXLAB_HTTP_MSG_H

#include <string.h>
#include "http_msg-t.h"

/* Prepare an empty message (request if !is_resp). Keeps allocated storage
 * of a previous use, so a reused message costs no allocation. */
void http_msg_reset(struct http_msg *msg, int is_resp);

/* Release the storage. Accepts a reset or zeroed message. */
void http_msg_free(struct http_msg *msg);

/* Copy <len> bytes into the store; fill <out>. 0 or -1 (too large). */
int http_msg_str(struct http_msg *msg, const char *s, size_t len,
		 struct hstr *out);

/* Add a header; the name is lower-cased while copied. Hop-by-hop headers
 * and content-length are not stored (the caller sets flags/clen instead).
 * Returns 0, -1 if too many headers or too large. */
int http_msg_add_hdr(struct http_msg *msg, const char *n, size_t nlen,
		     const char *v, size_t vlen);

/* Find header <name> (lower case). Returns its index or -1. */
int http_msg_find_hdr(const struct http_msg *msg, const char *name);

/* Is request <msg>'s method idempotent (RFC 9110 9.2.2: GET, HEAD, PUT,
 * DELETE, OPTIONS, TRACE), so that it may be sent twice? */
int http_req_idempotent(const struct http_msg *msg);

/* Remove header <i> (an index from http_msg_find_hdr()), keeping the
 * order of the others. */
void http_msg_del_hdr(struct http_msg *msg, int i);

/* tune.bufsize: the body FIFO's size in the engine; 0 (the default, for
 * the peers and the codec tests) collects whole bodies. */
extern size_t http_bufsize;

/* Append body bytes. 0, or -1 when over the cap (HTTP_MAX_BODY for whole
 * messages, tune.bufsize + HTTP_BODY_SLACK when streaming). */
int http_msg_add_body(struct http_msg *msg, const void *p, size_t len);

/* Forget the first <n> of the body bytes http_body_avail() offered: they
 * left (HTTP_MSGF_KEEP: they stay, past body_fwd). */
void http_body_forwarded(struct http_msg *msg, size_t n);

/* Send the message again from its first body byte (retries). Only valid
 * if !(flags & HTTP_MSGF_BODY_CUT). */
static inline void http_body_rewind(struct http_msg *msg)
{
	msg->body_fwd = 0;
}

/* Body bytes received and not forwarded yet, and where they start. */
static inline size_t http_body_avail(const struct http_msg *msg)
{
	return msg->body.data - msg->body_fwd;
}

static inline const char *http_body_ptr(const struct http_msg *msg)
{
	return msg->body.area ? msg->body.area + msg->body.head +
				msg->body_fwd : "";
}

/* How many more body bytes the producer may append now: 0 when the FIFO
 * holds tune.bufsize (the producer then stops reading). Whole messages:
 * what is left under HTTP_MAX_BODY. */
static inline size_t http_body_room(const struct http_msg *msg)
{
	size_t cap = http_bufsize ? http_bufsize : HTTP_MAX_BODY;

	return msg->body.data < cap ? cap - msg->body.data : 0;
}

/* May a producer that appends whole units (an H2 DATA frame, a FastCGI
 * record) append one of <len> bytes now? Only if it fits under
 * tune.bufsize; one larger than tune.bufsize only into an empty FIFO. So
 * the FIFO never holds more than tune.bufsize, or one unit. */
static inline int http_body_fits(const struct http_msg *msg, size_t len)
{
	size_t cap = http_bufsize ? http_bufsize : HTTP_MAX_BODY;

	return http_body_room(msg) >= (len < cap ? len : cap);
}

/* Has the whole message been forwarded (complete, nothing left)? */
static inline int http_msg_eom(const struct http_msg *msg)
{
	return (msg->flags & HTTP_MSGF_BODY_DONE) && !http_body_avail(msg);
}

/* Pointer to the bytes of <s> in <msg>. */
static inline const char *hstr_ptr(const struct http_msg *msg, struct hstr s)
{
	return msg->store.area ? msg->store.area + s.off : "";
}

/* Does <s> equal the C string <lit> (case-sensitive)? */
static inline int hstr_eq(const struct http_msg *msg, struct hstr s,
			  const char *lit)
{
	size_t l = strlen(lit);

	return s.len == l && memcmp(hstr_ptr(msg, s), lit, l) == 0;
}

/* Write <v> in decimal into <out> (at least 21 bytes), no NUL. Returns
 * the length. Used on every message for Content-Length: no printf on the
 * data path. */
static inline size_t u64_to_dec(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

#endif /* MUXLAB_HTTP_MSG_H */
