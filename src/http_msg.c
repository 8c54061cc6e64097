/*
 * http_msg.c - building and reading struct http_msg (see http_msg-t.h).
 *
 * The message owns two buffers: <store> holds every string the hstr fields
 * point into, <body> the de-chunked body. Both keep their allocation across
 * http_msg_reset() so that a connection reusing one message per request
 * does not allocate in steady state.
 *
 * Header names are lower-cased on insertion: HTTP/2 requires lower case on
 * the wire, HTTP/1 and FastCGI do not care, so one form serves all muxes.
 * Hop-by-hop headers are never stored: they describe one connection, and
 * every message here is going to be forwarded over another one.
 */
#include <string.h>

#include "buf.h"
#include "http_msg.h"

/* The store holds method, target, reason and header names and values. For
 * HTTP/1 these are a subset of the raw header bytes (<= HTTP_MAX_HDR_SIZE);
 * HPACK and CGI decoders may expand a little, hence the factor of two. */
#define HTTP_MAX_STORE	(2 * HTTP_MAX_HDR_SIZE)

/* Headers that apply to one hop only (RFC 9110 7.6.1) plus content-length,
 * which the parsers turn into HTTP_MSGF_CLEN and <clen>. */
static const char *const http_skip_hdrs[] = {
	"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
	"proxy-connection", "content-length", NULL
};

static int http_name_is(const char *n, size_t nlen, const char *lit)
{
	size_t i;

	for (i = 0; i < nlen; i++) {
		char c = n[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!lit[i] || c != lit[i])
			return 0;
	}
	return lit[i] == '\0';
}

/*
 * http_msg_reset - prepare an empty message.
 * @msg:     the message (zeroed memory or a previously used message)
 * @is_resp: non-zero for a response
 *
 * Allocated store and body areas are kept for reuse.
 * Context: owner thread of the message.
 */
void http_msg_reset(struct http_msg *msg, int is_resp)
{
	struct buffer store = msg->store;
	struct buffer body = msg->body;

	memset(msg, 0, offsetof(struct http_msg, hdr));
	msg->flags = is_resp ? HTTP_MSGF_RESP : 0;
	msg->store = store;
	msg->body = body;
	b_reset(&msg->store);
	b_reset(&msg->body);
}

/*
 * http_msg_free - release the storage of a message.
 * @msg: the message; a zeroed or reset one is accepted
 *
 * The message is left reset (as a request) with no storage.
 * Context: owner thread of the message.
 */
void http_msg_free(struct http_msg *msg)
{
	b_free(&msg->store);
	b_free(&msg->body);
	http_msg_reset(msg, 0);
}

/*
 * http_msg_str - copy a string into the message store.
 * @msg: the message
 * @s:   bytes to copy (need not be NUL-terminated)
 * @len: their number
 * @out: receives the offset and length of the copy
 *
 * Return: 0, or -1 if the store would exceed its cap (2 * HTTP_MAX_HDR_SIZE).
 * Context: owner thread of the message.
 */
int http_msg_str(struct http_msg *msg, const char *s, size_t len,
		 struct hstr *out)
{
	/* hstr offsets count from area, so the store must never realign:
	 * it is only ever appended to and reset as a whole */
	if (msg->store.head)
		return -1;
	if (b_putblk(&msg->store, s, len, HTTP_MAX_STORE) < 0)
		return -1;
	out->off = (uint32_t)(msg->store.data - len);
	out->len = (uint32_t)len;
	return 0;
}

/*
 * http_msg_add_hdr - append one header field.
 * @msg:  the message
 * @n:    field name, any case (stored lower-cased)
 * @nlen: name length
 * @v:    field value, already stripped of surrounding whitespace
 * @vlen: value length
 *
 * Hop-by-hop fields and content-length are silently not stored (return 0):
 * the caller must have turned them into flags first.
 *
 * Return: 0, or -1 when HTTP_MAX_HDRS is reached or the store is full.
 * Context: owner thread of the message.
 */
int http_msg_add_hdr(struct http_msg *msg, const char *n, size_t nlen,
		     const char *v, size_t vlen)
{
	struct http_hdr *h;
	char *p;
	size_t i;

	for (i = 0; http_skip_hdrs[i]; i++) {
		if (http_name_is(n, nlen, http_skip_hdrs[i]))
			return 0;
	}
	if (msg->nb_hdrs >= HTTP_MAX_HDRS)
		return -1;
	h = &msg->hdr[msg->nb_hdrs];
	if (http_msg_str(msg, n, nlen, &h->n) < 0)
		return -1;
	if (http_msg_str(msg, v, vlen, &h->v) < 0) {
		/* give the name's bytes back so a failure leaves no trace */
		msg->store.data -= nlen;
		return -1;
	}
	p = msg->store.area + h->n.off;
	for (i = 0; i < nlen; i++) {
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] += 'a' - 'A';
	}
	msg->nb_hdrs++;
	return 0;
}

/*
 * http_msg_find_hdr - look a header up by name.
 * @msg:  the message
 * @name: lower-case name, NUL-terminated
 *
 * Return: index of the first field with that name in msg->hdr, or -1.
 * Context: owner thread of the message.
 */
int http_msg_find_hdr(const struct http_msg *msg, const char *name)
{
	int i;

	for (i = 0; i < msg->nb_hdrs; i++) {
		if (hstr_eq(msg, msg->hdr[i].n, name))
			return i;
	}
	return -1;
}

int http_req_idempotent(const struct http_msg *msg)
{
	static const char *const m[] = {
		"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", NULL
	};
	int i;

	for (i = 0; m[i]; i++)
		if (hstr_eq(msg, msg->method, m[i]))
			return 1;
	return 0;
}

void http_msg_del_hdr(struct http_msg *msg, int i)
{
	if (i < 0 || i >= msg->nb_hdrs)
		return;
	memmove(&msg->hdr[i], &msg->hdr[i + 1],
		(size_t)(msg->nb_hdrs - i - 1) * sizeof(msg->hdr[0]));
	msg->nb_hdrs--;
}

size_t http_bufsize;

/*
 * http_msg_add_body - append body bytes.
 * @msg: the message
 * @p:   the bytes (may be NULL when @len is 0)
 * @len: their number
 *
 * Producers ask http_body_room() first; the cap only stops one that did
 * not (or a unit larger than HTTP_BODY_SLACK).
 *
 * Return: 0, or -1 (nothing appended) when the body would exceed its cap:
 * HTTP_MAX_BODY for whole messages, tune.bufsize + HTTP_BODY_SLACK when
 * streaming.
 * Context: owner thread of the message.
 */
int http_msg_add_body(struct http_msg *msg, const void *p, size_t len)
{
	size_t cap = http_bufsize ? http_bufsize + HTTP_BODY_SLACK :
				    HTTP_MAX_BODY;

	return b_putblk(&msg->body, p, len, cap);
}

/*
 * http_body_forwarded - the consumer sent body bytes on.
 * @msg: the message
 * @n:   how many of the http_body_avail() bytes left
 *
 * A message still complete and unsent at its first forward is kept whole
 * (HTTP_MSGF_KEEP): the bytes stay and body_fwd moves, so that a retry can
 * send them again (http_body_rewind()). Otherwise they are dropped and the
 * message is marked HTTP_MSGF_BODY_CUT: it cannot be resent.
 * Context: owner thread of the message.
 */
void http_body_forwarded(struct http_msg *msg, size_t n)
{
	if (!n)
		return;
	if (!(msg->flags & (HTTP_MSGF_KEEP | HTTP_MSGF_BODY_CUT)) &&
	    (msg->flags & HTTP_MSGF_BODY_DONE) && !msg->body_fwd)
		msg->flags |= HTTP_MSGF_KEEP;
	if (msg->flags & HTTP_MSGF_KEEP) {
		msg->body_fwd += (uint32_t)n;
		return;
	}
	b_del(&msg->body, n);
	msg->flags |= HTTP_MSGF_BODY_CUT;
}
