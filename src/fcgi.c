/*
 * fcgi.c - FastCGI 1.0 record codec (see fcgi.h for the protocol outline).
 *
 * Two details of the specification shape this file:
 *  - name-value lengths use 1 byte when < 128, else 4 bytes big-endian
 *    with the top bit set (so 127 is "\x7f" and 128 is "\x80\0\0\x80");
 *  - content is padded so that records stay 8-byte aligned, which is only
 *    a recommendation ("SHOULD") for senders, so the decoder accepts any
 *    padding length and the encoder always aligns.
 * PARAMS pairs are never split across two records: the specification
 * allows it, but several application servers handle it poorly, and pairs
 * are bounded by the header size far below 65535 bytes.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "http_msg.h"

/* Output under construction: stops at the first failure, then the caller
 * truncates <b> back to <start> bytes. */
struct fcgi_out {
	struct buffer *b;
	size_t start;
	int err;
};

static void fcgi_out_init(struct fcgi_out *o, struct buffer *b)
{
	o->b = b;
	o->start = b->data;
	o->err = 0;
}

static int fcgi_out_end(struct fcgi_out *o)
{
	if (!o->err)
		return 0;
	o->b->data = o->start;
	if (!o->b->data)
		o->b->head = 0;
	return -1;
}

static void fcgi_put(struct fcgi_out *o, const void *p, size_t len)
{
	if (!o->err && b_putblk(o->b, p, len, FCGI_MAX_OUT) < 0)
		o->err = 1;
}

/*
 * fcgi_encode_hdr - write a record header.
 * @p: 8 bytes of room
 * @h: the header; its version field is ignored (always 1)
 * Context: any thread.
 */
void fcgi_encode_hdr(char *p, const struct fcgi_hdr *h)
{
	unsigned char *u = (unsigned char *)p;

	u[0] = FCGI_VERSION_1;
	u[1] = h->type;
	u[2] = (unsigned char)(h->id >> 8);
	u[3] = (unsigned char)h->id;
	u[4] = (unsigned char)(h->len >> 8);
	u[5] = (unsigned char)h->len;
	u[6] = h->padding;
	u[7] = 0;		/* reserved */
}

/*
 * fcgi_decode_hdr - read a record header.
 * @p:   received bytes
 * @len: how many
 * @h:   filled when the return is 8
 *
 * Return: 0 if @len < 8, 8 once decoded, -1 if the version is not 1.
 * Context: any thread.
 */
int fcgi_decode_hdr(const char *p, size_t len, struct fcgi_hdr *h)
{
	const unsigned char *u = (const unsigned char *)p;

	if (len < FCGI_HDR_LEN)
		return 0;
	if (u[0] != FCGI_VERSION_1)
		return -1;
	h->version = u[0];
	h->type = u[1];
	h->id = (uint16_t)(u[2] << 8 | u[3]);
	h->len = (uint16_t)(u[4] << 8 | u[5]);
	h->padding = u[6];
	return FCGI_HDR_LEN;
}

/*
 * fcgi_get_record - locate one complete record.
 * @p:       received bytes, starting at a record boundary
 * @len:     how many
 * @h:       receives the decoded header
 * @content: receives a pointer to the content (h->len bytes)
 *
 * Return: the whole record's size (8 + content + padding) to consume once
 * all of it is in @p, 0 if it is not yet, -1 if the header is bad.
 * Context: any thread.
 */
int fcgi_get_record(const char *p, size_t len, struct fcgi_hdr *h,
		    const char **content)
{
	size_t total;
	int ret;

	ret = fcgi_decode_hdr(p, len, h);
	if (ret <= 0)
		return ret;
	total = FCGI_HDR_LEN + (size_t)h->len + h->padding;
	if (len < total)
		return 0;
	*content = p + FCGI_HDR_LEN;
	return (int)total;
}

static void fcgi_put_record(struct fcgi_out *o, uint8_t type, uint16_t id,
			    const void *content, size_t len)
{
	static const char zeros[8];
	struct fcgi_hdr h;
	char hb[FCGI_HDR_LEN];

	if (len > FCGI_MAX_CONTENT) {
		o->err = 1;
		return;
	}
	h.version = FCGI_VERSION_1;
	h.type = type;
	h.id = id;
	h.len = (uint16_t)len;
	h.padding = (uint8_t)((8 - (len & 7)) & 7);
	fcgi_encode_hdr(hb, &h);
	fcgi_put(o, hb, sizeof(hb));
	fcgi_put(o, content, len);
	fcgi_put(o, zeros, h.padding);
}

/*
 * fcgi_emit_record - append one record.
 * @out:     destination
 * @type:    record type
 * @id:      request id (0 for management records)
 * @content: content bytes (may be NULL if @len is 0)
 * @len:     at most FCGI_MAX_CONTENT
 *
 * Padding is added to reach a multiple of 8 bytes.
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_record(struct buffer *out, uint8_t type, uint16_t id,
		     const void *content, size_t len)
{
	struct fcgi_out o;

	fcgi_out_init(&o, out);
	fcgi_put_record(&o, type, id, content, len);
	return fcgi_out_end(&o);
}

/* A stream split into as many records as needed, then an empty record. */
static void fcgi_put_stream(struct fcgi_out *o, uint8_t type, uint16_t id,
			    const char *data, size_t len)
{
	size_t n;

	while (len) {
		n = len > FCGI_MAX_CONTENT ? FCGI_MAX_CONTENT : len;
		fcgi_put_record(o, type, id, data, n);
		data += n;
		len -= n;
	}
	fcgi_put_record(o, type, id, NULL, 0);
}

static size_t fcgi_nv_len_size(size_t l)
{
	return l < 128 ? 1 : 4;
}

static void fcgi_put_nv_len(unsigned char *p, size_t l)
{
	if (l < 128) {
		p[0] = (unsigned char)l;
		return;
	}
	p[0] = (unsigned char)(0x80 | (l >> 24));
	p[1] = (unsigned char)(l >> 16);
	p[2] = (unsigned char)(l >> 8);
	p[3] = (unsigned char)l;
}

/*
 * fcgi_nv_encode - append one name-value pair.
 * @out:  destination (a PARAMS or GET_VALUES content being built)
 * @n:    name, @nlen bytes
 * @v:    value, @vlen bytes (may be NULL if 0)
 * @max:  allocation cap for @out
 *
 * Return: 0, or -1 (@out unchanged) if a length is over 2^31-1 or @out
 * would exceed @max.
 * Context: any thread owning @out.
 */
int fcgi_nv_encode(struct buffer *out, const char *n, size_t nlen,
		   const char *v, size_t vlen, size_t max)
{
	unsigned char lens[8];
	size_t ls, total;

	if (nlen > 0x7fffffff || vlen > 0x7fffffff)
		return -1;
	ls = fcgi_nv_len_size(nlen);
	fcgi_put_nv_len(lens, nlen);
	fcgi_put_nv_len(lens + ls, vlen);
	ls += fcgi_nv_len_size(vlen);
	total = ls + nlen + vlen;
	if (b_reserve(out, total, 0, max) < 0)
		return -1;
	memcpy(b_tail(out), lens, ls);
	if (nlen)
		memcpy(b_tail(out) + ls, n, nlen);
	if (vlen)
		memcpy(b_tail(out) + ls + nlen, v, vlen);
	b_add(out, total);
	return 0;
}

static int fcgi_get_nv_len(const unsigned char *p, size_t len, size_t *off,
			   size_t *l)
{
	if (*off >= len)
		return -1;
	if (!(p[*off] & 0x80)) {
		*l = p[*off];
		*off += 1;
		return 0;
	}
	if (len - *off < 4)
		return -1;
	*l = ((size_t)(p[*off] & 0x7f) << 24) | ((size_t)p[*off + 1] << 16) |
	     ((size_t)p[*off + 2] << 8) | p[*off + 3];
	*off += 4;
	return 0;
}

/*
 * fcgi_nv_next - decode the next name-value pair of a stream.
 * @p:   the whole stream (all PARAMS contents concatenated, or one
 *       GET_VALUES[_RESULT] content)
 * @len: its length
 * @off: position, 0 on the first call; advanced past the pair
 * @nv:  receives pointers into @p
 *
 * Return: 1 with @nv set, 0 at the end of the stream, -1 if the bytes left
 * do not form a whole pair.
 * Context: any thread.
 */
int fcgi_nv_next(const char *p, size_t len, size_t *off, struct fcgi_nv *nv)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t o = *off, nl, vl;

	if (o == len)
		return 0;
	if (o > len || fcgi_get_nv_len(u, len, &o, &nl) < 0 ||
	    fcgi_get_nv_len(u, len, &o, &vl) < 0)
		return -1;
	if (nl > len - o || vl > len - o - nl)
		return -1;
	nv->n = p + o;
	nv->nlen = nl;
	nv->v = p + o + nl;
	nv->vlen = vl;
	*off = o + nl + vl;
	return 1;
}

/*
 * fcgi_emit_begin_request - append a BEGIN_REQUEST record.
 * @out:       destination
 * @id:        request id (1..65535)
 * @role:      FCGI_RESPONDER for the lab
 * @keep_conn: set FCGI_KEEP_CONN: the application must not close the
 *             connection after answering (required to reuse it)
 *
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_begin_request(struct buffer *out, uint16_t id, uint16_t role,
			    int keep_conn)
{
	unsigned char body[8] = { 0 };

	body[0] = (unsigned char)(role >> 8);
	body[1] = (unsigned char)role;
	body[2] = keep_conn ? FCGI_KEEP_CONN : 0;
	return fcgi_emit_record(out, FCGI_BEGIN_REQUEST, id, body,
				sizeof(body));
}

/* PARAMS builder: whole pairs packed into records of at most 65535. */
struct fcgi_pb {
	struct fcgi_out *o;
	uint16_t id;
	struct buffer rec;	/* content of the record being filled */
	struct buffer tmp;	/* scratch for names and joined values */
};

static void fcgi_pb_flush(struct fcgi_pb *pb)
{
	if (b_data(&pb->rec))
		fcgi_put_record(pb->o, FCGI_PARAMS, pb->id, b_head(&pb->rec),
				b_data(&pb->rec));
	b_reset(&pb->rec);
}

static void fcgi_pb_add(struct fcgi_pb *pb, const char *n, size_t nlen,
			const char *v, size_t vlen)
{
	size_t need = fcgi_nv_len_size(nlen) + fcgi_nv_len_size(vlen) +
		      nlen + vlen;

	if (pb->o->err)
		return;
	if (need > FCGI_MAX_CONTENT) {
		pb->o->err = 1;
		return;
	}
	if (b_data(&pb->rec) + need > FCGI_MAX_CONTENT)
		fcgi_pb_flush(pb);
	if (fcgi_nv_encode(&pb->rec, n, nlen, v, vlen, FCGI_MAX_CONTENT) < 0)
		pb->o->err = 1;
}

static void fcgi_pb_adds(struct fcgi_pb *pb, const char *n, const char *v)
{
	fcgi_pb_add(pb, n, strlen(n), v, strlen(v));
}

static void fcgi_pb_addh(struct fcgi_pb *pb, const char *n,
			 const struct http_msg *msg, struct hstr s)
{
	fcgi_pb_add(pb, n, strlen(n), s.len ? hstr_ptr(msg, s) : "", s.len);
}

static void fcgi_pb_addu(struct fcgi_pb *pb, const char *n, uint64_t v)
{
	char tmp[24];

	tmp[u64_to_dec(tmp, v)] = 0;
	fcgi_pb_adds(pb, n, tmp);
}

/* may a header be passed as HTTP_<NAME>? Only [a-z0-9-] names, so that
 * "x-a" and "x_a" cannot both claim HTTP_X_A; and never "proxy", whose
 * HTTP_PROXY would be taken for a proxy setting (the "httpoxy" issue). */
static int fcgi_hdr_passable(const struct http_msg *req, struct hstr n)
{
	const char *p = hstr_ptr(req, n);
	uint32_t i;

	if (!n.len || (n.len == 5 && !memcmp(p, "proxy", 5)))
		return 0;
	for (i = 0; i < n.len; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	}
	return 1;
}

static int fcgi_hstr_same(const struct http_msg *m, struct hstr a,
			  struct hstr b)
{
	return a.len == b.len &&
	       !memcmp(hstr_ptr(m, a), hstr_ptr(m, b), a.len);
}

/* HTTP_* variables: one per distinct header name, repeated fields joined
 * with ", " ("; " for cookie, RFC 9113 8.2.3). Host is replaced by the
 * authority when there is one; content-type becomes CONTENT_TYPE. */
static void fcgi_pb_http_vars(struct fcgi_pb *pb, const struct http_msg *req)
{
	const struct http_hdr *h;
	int i, j, first, cookie;
	size_t k;

	if (req->authority.len)
		fcgi_pb_addh(pb, "HTTP_HOST", req, req->authority);
	for (i = 0; i < req->nb_hdrs && !pb->o->err; i++) {
		h = &req->hdr[i];
		if (!fcgi_hdr_passable(req, h->n))
			continue;
		if (hstr_eq(req, h->n, "content-type"))
			continue;
		if (req->authority.len && hstr_eq(req, h->n, "host"))
			continue;
		for (j = 0; j < i; j++) {
			if (fcgi_hstr_same(req, req->hdr[j].n, h->n))
				break;
		}
		if (j < i)
			continue;	/* already emitted with the first */

		b_reset(&pb->tmp);
		if (b_putblk(&pb->tmp, "HTTP_", 5, FCGI_MAX_CONTENT) < 0 ||
		    b_reserve(&pb->tmp, h->n.len, 0, FCGI_MAX_CONTENT) < 0) {
			pb->o->err = 1;
			return;
		}
		for (k = 0; k < h->n.len; k++) {
			char c = hstr_ptr(req, h->n)[k];

			c = c == '-' ? '_' :
			    (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
			b_tail(&pb->tmp)[k] = c;
		}
		b_add(&pb->tmp, h->n.len);

		/* the value goes after the name in the same scratch */
		cookie = hstr_eq(req, h->n, "cookie");
		first = 1;
		for (j = i; j < req->nb_hdrs; j++) {
			const struct http_hdr *d = &req->hdr[j];

			if (!fcgi_hstr_same(req, d->n, h->n))
				continue;
			if (!first &&
			    b_putblk(&pb->tmp, cookie ? "; " : ", ", 2,
				     FCGI_MAX_CONTENT) < 0)
				pb->o->err = 1;
			if (d->v.len &&
			    b_putblk(&pb->tmp, hstr_ptr(req, d->v), d->v.len,
				     FCGI_MAX_CONTENT) < 0)
				pb->o->err = 1;
			first = 0;
		}
		if (pb->o->err)
			return;
		fcgi_pb_add(pb, b_head(&pb->tmp), 5 + h->n.len,
			    b_head(&pb->tmp) + 5 + h->n.len,
			    b_data(&pb->tmp) - 5 - h->n.len);
	}
}

/*
 * fcgi_emit_params - append the CGI/1.1 environment of a request.
 * @out: destination
 * @id:  request id
 * @req: the HTTP request: its headers, and for CONTENT_LENGTH its body if
 *       complete (always when http_bufsize is 0), else its announced
 *       Content-Length
 * @ctx: server-side values (document root, addresses, ports)
 *
 * Emits GATEWAY_INTERFACE, SERVER_SOFTWARE, SERVER_PROTOCOL,
 * REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME (path part, plus ctx->index
 * when it ends in '/'), SCRIPT_FILENAME (docroot + SCRIPT_NAME),
 * DOCUMENT_ROOT, QUERY_STRING, SERVER_NAME, SERVER_PORT, SERVER_ADDR,
 * REMOTE_ADDR, REMOTE_PORT, CONTENT_LENGTH and CONTENT_TYPE when there is
 * a body of known length or a type (a body still arriving without a
 * Content-Length goes without CONTENT_LENGTH: the application reads STDIN
 * to its end), HTTPS, then HTTP_* for the headers, in PARAMS records,
 * then the empty PARAMS record that ends the stream. The path is passed
 * as received (not percent-decoded).
 *
 * Return: 0, or -1 with @out unchanged (no room, or a pair over 65535).
 * Context: any thread owning @out and @req.
 */
int fcgi_emit_params(struct buffer *out, uint16_t id,
		     const struct http_msg *req,
		     const struct fcgi_params_ctx *ctx)
{
	const char *docroot = ctx->docroot ? ctx->docroot : "";
	const char *uri = req->uri.len ? hstr_ptr(req, req->uri) : "/";
	size_t ulen = req->uri.len ? req->uri.len : 1, plen, dlen, ilen = 0;
	struct fcgi_out o;
	struct fcgi_pb pb;
	const char *q;
	int ct;

	fcgi_out_init(&o, out);
	memset(&pb, 0, sizeof(pb));
	pb.o = &o;
	pb.id = id;

	q = memchr(uri, '?', ulen);
	plen = q ? (size_t)(q - uri) : ulen;
	if (plen && uri[plen - 1] == '/' && ctx->index)
		ilen = strlen(ctx->index);
	dlen = strlen(docroot);

	fcgi_pb_adds(&pb, "GATEWAY_INTERFACE", "CGI/1.1");
	fcgi_pb_adds(&pb, "SERVER_SOFTWARE",
		     ctx->software ? ctx->software : "muxlab");
	fcgi_pb_adds(&pb, "SERVER_PROTOCOL",
		     (req->flags & HTTP_MSGF_VER_11) ? "HTTP/1.1" :
						       "HTTP/1.0");
	fcgi_pb_addh(&pb, "REQUEST_METHOD", req, req->method);
	fcgi_pb_add(&pb, "REQUEST_URI", 11, uri, ulen);
	fcgi_pb_add(&pb, "QUERY_STRING", 12, q ? q + 1 : "",
		    q ? ulen - plen - 1 : 0);
	fcgi_pb_adds(&pb, "DOCUMENT_ROOT", docroot);

	/* SCRIPT_NAME and SCRIPT_FILENAME share one scratch string:
	 * docroot + path + index, the name being its tail */
	b_reset(&pb.tmp);
	if (b_putblk(&pb.tmp, docroot, dlen, FCGI_MAX_CONTENT) < 0 ||
	    b_putblk(&pb.tmp, uri, plen, FCGI_MAX_CONTENT) < 0 ||
	    b_putblk(&pb.tmp, ctx->index, ilen, FCGI_MAX_CONTENT) < 0)
		o.err = 1;
	if (!o.err) {
		fcgi_pb_add(&pb, "SCRIPT_NAME", 11, b_head(&pb.tmp) + dlen,
			    plen + ilen);
		fcgi_pb_add(&pb, "SCRIPT_FILENAME", 15, b_head(&pb.tmp),
			    dlen + plen + ilen);
	}

	if (ctx->server_name) {
		fcgi_pb_adds(&pb, "SERVER_NAME", ctx->server_name);
	} else {
		const char *a = req->authority.len ?
				hstr_ptr(req, req->authority) : "";
		size_t al = req->authority.len, hl = 0;

		if (al && a[0] == '[') {
			const char *e = memchr(a, ']', al);

			hl = e ? (size_t)(e - a) + 1 : al;
		} else {
			while (hl < al && a[hl] != ':')
				hl++;
		}
		fcgi_pb_add(&pb, "SERVER_NAME", 11, a, hl);
	}
	fcgi_pb_addu(&pb, "SERVER_PORT", ctx->server_port);
	if (ctx->server_addr)
		fcgi_pb_adds(&pb, "SERVER_ADDR", ctx->server_addr);
	if (ctx->remote_addr) {
		fcgi_pb_adds(&pb, "REMOTE_ADDR", ctx->remote_addr);
		fcgi_pb_addu(&pb, "REMOTE_PORT", ctx->remote_port);
	}
	if (http_bufsize && !(req->flags & HTTP_MSGF_BODY_DONE)) {
		if (req->flags & HTTP_MSGF_CLEN)
			fcgi_pb_addu(&pb, "CONTENT_LENGTH", req->clen);
	} else if (http_body_avail(req) ||
		   (req->flags & (HTTP_MSGF_CLEN | HTTP_MSGF_CHUNKED))) {
		fcgi_pb_addu(&pb, "CONTENT_LENGTH", http_body_avail(req));
	}
	ct = http_msg_find_hdr(req, "content-type");
	if (ct >= 0)
		fcgi_pb_addh(&pb, "CONTENT_TYPE", req, req->hdr[ct].v);
	if (ctx->https)
		fcgi_pb_adds(&pb, "HTTPS", "on");

	fcgi_pb_http_vars(&pb, req);
	fcgi_pb_flush(&pb);
	fcgi_put_record(&o, FCGI_PARAMS, id, NULL, 0);
	b_free(&pb.rec);
	b_free(&pb.tmp);
	return fcgi_out_end(&o);
}

/*
 * fcgi_emit_stdin - append the request body as STDIN records.
 * @out:  destination
 * @id:   request id
 * @data: body bytes (may be NULL if @len is 0)
 * @len:  body length
 *
 * Emits as many STDIN records as needed, then the empty STDIN record that
 * tells the application the body is complete (also for an empty body).
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_stdin(struct buffer *out, uint16_t id, const char *data,
		    size_t len)
{
	struct fcgi_out o;

	fcgi_out_init(&o, out);
	fcgi_put_stream(&o, FCGI_STDIN, id, data, len);
	return fcgi_out_end(&o);
}

/*
 * fcgi_emit_abort_request - append an ABORT_REQUEST record.
 * @out: destination
 * @id:  request id to abort
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_abort_request(struct buffer *out, uint16_t id)
{
	return fcgi_emit_record(out, FCGI_ABORT_REQUEST, id, NULL, 0);
}

/*
 * fcgi_emit_get_values - append a GET_VALUES query for FCGI_MAX_CONNS,
 * FCGI_MAX_REQS and FCGI_MPXS_CONNS (names with empty values, id 0).
 * @out: destination
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_get_values(struct buffer *out)
{
	struct buffer c = BUF_NULL;
	int ret = -1;

	if (fcgi_nv_encode(&c, "FCGI_MAX_CONNS", 14, NULL, 0, 256) < 0 ||
	    fcgi_nv_encode(&c, "FCGI_MAX_REQS", 13, NULL, 0, 256) < 0 ||
	    fcgi_nv_encode(&c, "FCGI_MPXS_CONNS", 15, NULL, 0, 256) < 0)
		goto out;
	ret = fcgi_emit_record(out, FCGI_GET_VALUES, FCGI_NULL_REQUEST_ID,
			       b_head(&c), b_data(&c));
out:
	b_free(&c);
	return ret;
}

/*
 * fcgi_parse_end_request - decode an END_REQUEST content.
 * @content:      the record content
 * @len:          its length (must be 8)
 * @app_status:   receives the application's exit status
 * @proto_status: receives enum fcgi_proto_status
 * Return: 0, or -1 if @len is not 8.
 * Context: any thread.
 */
int fcgi_parse_end_request(const char *content, size_t len,
			   uint32_t *app_status, uint8_t *proto_status)
{
	const unsigned char *u = (const unsigned char *)content;

	if (len != 8)
		return -1;
	*app_status = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
		      (uint32_t)u[2] << 8 | u[3];
	*proto_status = u[4];
	return 0;
}

/* a non-negative decimal of at most 9 digits, or -1 */
static long fcgi_parse_num(const char *p, size_t len)
{
	long v = 0;
	size_t i;

	if (!len || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int fcgi_nv_is(const struct fcgi_nv *nv, const char *name)
{
	size_t l = strlen(name);

	return nv->nlen == l && !memcmp(nv->n, name, l);
}

/*
 * fcgi_parse_get_values_result - decode a GET_VALUES_RESULT content.
 * @content: the record content (name-value pairs)
 * @len:     its length
 * @v:       receives the three values, -1 for those not answered
 *
 * Unknown names are ignored, as the specification asks.
 * Return: 0, or -1 if the pairs or a known value are malformed.
 * Context: any thread.
 */
int fcgi_parse_get_values_result(const char *content, size_t len,
				 struct fcgi_values *v)
{
	struct fcgi_nv nv;
	size_t off = 0;
	long *dst;
	int ret;

	v->max_conns = v->max_reqs = v->mpxs_conns = -1;
	while ((ret = fcgi_nv_next(content, len, &off, &nv)) > 0) {
		if (fcgi_nv_is(&nv, "FCGI_MAX_CONNS"))
			dst = &v->max_conns;
		else if (fcgi_nv_is(&nv, "FCGI_MAX_REQS"))
			dst = &v->max_reqs;
		else if (fcgi_nv_is(&nv, "FCGI_MPXS_CONNS"))
			dst = &v->mpxs_conns;
		else
			continue;
		*dst = fcgi_parse_num(nv.v, nv.vlen);
		if (*dst < 0)
			return -1;
	}
	if (ret < 0 || (v->mpxs_conns > 1))
		return -1;
	return 0;
}

/*
 * fcgi_stdout_init - prepare a STDOUT accumulator for a new response.
 * @so: the accumulator (storage of a previous use is kept)
 * Context: any thread owning @so.
 */
void fcgi_stdout_init(struct fcgi_stdout *so)
{
	struct buffer keep = so->hdrs;

	memset(so, 0, sizeof(*so));
	so->hdrs = keep;
	b_reset(&so->hdrs);
}

/*
 * fcgi_stdout_free - release the accumulator's storage.
 * @so: the accumulator; a zeroed one is accepted
 * Context: any thread owning @so.
 */
void fcgi_stdout_free(struct fcgi_stdout *so)
{
	b_free(&so->hdrs);
	memset(so, 0, sizeof(*so));
}

static int fcgi_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int fcgi_name_is(const char *p, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!lit[i] || c != lit[i])
			return 0;
	}
	return !lit[i];
}

/* "Status: 404 Not Found" (the reason is optional) */
static int fcgi_parse_status(const char *v, size_t len, struct http_msg *rsp)
{
	size_t i;

	if (len < 3 || v[0] < '2' || v[0] > '5' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9' || (len > 3 && v[3] != ' '))
		return -1;
	rsp->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
	for (i = 4; i < len && v[i] == ' '; i++)
		;
	if (i < len && http_msg_str(rsp, v + i, len - i, &rsp->reason) < 0)
		return -1;
	return 0;
}

/* Parse the CGI header block <p, len> (ends with its blank line). */
static int fcgi_parse_cgi_hdrs(const char *p, size_t len,
			       struct http_msg *rsp)
{
	size_t pos = 0, eol, next, n, vs, ve, i;
	int has_status = 0, has_loc = 0;
	uint64_t clen;

	while (pos < len) {
		const char *nl = memchr(p + pos, '\n', len - pos);

		if (!nl)
			return -1;
		next = (size_t)(nl - p) + 1;
		eol = next - 1;
		if (eol > pos && p[eol - 1] == '\r')
			eol--;
		if (eol == pos)
			break;		/* the blank line */
		for (n = pos; n < eol && p[n] != ':'; n++) {
			if (!fcgi_is_tchar((unsigned char)p[n]))
				return -1;
		}
		if (n == pos || n == eol)
			return -1;
		vs = n + 1;
		ve = eol;
		while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
			vs++;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
			ve--;
		for (i = vs; i < ve; i++) {
			unsigned char c = (unsigned char)p[i];

			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return -1;
		}
		n -= pos;
		if (fcgi_name_is(p + pos, n, "status")) {
			if (has_status++ ||
			    fcgi_parse_status(p + vs, ve - vs, rsp) < 0)
				return -1;
		} else if (fcgi_name_is(p + pos, n, "content-length")) {
			clen = 0;
			if (ve == vs || ve - vs > 15)
				return -1;
			for (i = vs; i < ve; i++) {
				if (p[i] < '0' || p[i] > '9')
					return -1;
				clen = clen * 10 + (uint64_t)(p[i] - '0');
			}
			if ((rsp->flags & HTTP_MSGF_CLEN) && rsp->clen != clen)
				return -1;
			rsp->flags |= HTTP_MSGF_CLEN;
			rsp->clen = clen;
		} else {
			if (fcgi_name_is(p + pos, n, "location"))
				has_loc = 1;
			if (http_msg_add_hdr(rsp, p + pos, n, p + vs,
					     ve - vs) < 0)
				return -1;
		}
		pos = next;
	}
	if (!has_status)
		rsp->status = has_loc ? 302 : 200;
	if (rsp->status == 204 || rsp->status == 304)
		rsp->flags |= HTTP_MSGF_NO_BODY;
	rsp->flags |= HTTP_MSGF_RESP | HTTP_MSGF_VER_11 | HTTP_MSGF_HDRS_DONE;
	return 0;
}

/* Find the end of the header block in so->hdrs: the offset just after the
 * blank line ("\n\n" or "\n\r\n", or one at the very start), or 0. */
static size_t fcgi_find_blank(const struct fcgi_stdout *so, size_t from)
{
	const char *p = b_head(&so->hdrs);
	size_t len = b_data(&so->hdrs), i;

	/* resume a little before the new bytes to catch a split "\n\r\n" */
	i = from > 2 ? from - 2 : 0;
	for (; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i == 0 || (i == 1 && p[0] == '\r'))
			return i + 1;
		if (p[i - 1] == '\n' ||
		    (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n'))
			return i + 1;
	}
	return 0;
}

/*
 * fcgi_stdout_feed - consume STDOUT content of one request.
 * @so:  accumulator set up by fcgi_stdout_init()
 * @p:   content of a STDOUT record (any split is fine)
 * @len: its length
 * @rsp: the response message, reset by the caller (http_msg_reset(rsp, 1))
 *
 * Collects the CGI header lines (LF or CRLF endings) until the blank line,
 * then fills @rsp: "Status: 404 Not Found" gives status and reason;
 * without Status it is 302 if there is a Location, else 200; Content-Length
 * sets HTTP_MSGF_CLEN; other fields are stored (hop-by-hop ones dropped).
 * Bytes after the blank line are body. HDRS_DONE is set once the headers
 * are parsed.
 *
 * Return: 0, or -1 if the headers are malformed or over HTTP_MAX_HDR_SIZE,
 * or the body over HTTP_MAX_BODY (the caller answers 502). After -1 every
 * later call fails too.
 * Context: any thread owning @so and @rsp.
 */
int fcgi_stdout_feed(struct fcgi_stdout *so, const char *p, size_t len,
		     struct http_msg *rsp)
{
	size_t old, n, end;

	if (so->state == FCGI_SO_BODY) {
		if (http_msg_add_body(rsp, p, len) < 0)
			goto fail;
		return 0;
	}
	if (so->state != FCGI_SO_HDRS)
		goto fail;

	old = b_data(&so->hdrs);
	n = HTTP_MAX_HDR_SIZE - old;
	if (n > len)
		n = len;
	if (b_putblk(&so->hdrs, p, n, HTTP_MAX_HDR_SIZE) < 0)
		goto fail;
	end = fcgi_find_blank(so, old);
	if (!end) {
		if (b_data(&so->hdrs) >= HTTP_MAX_HDR_SIZE)
			goto fail;
		return 0;
	}
	if (fcgi_parse_cgi_hdrs(b_head(&so->hdrs), end, rsp) < 0)
		goto fail;
	so->state = FCGI_SO_BODY;
	if (http_msg_add_body(rsp, b_head(&so->hdrs) + end,
			      b_data(&so->hdrs) - end) < 0 ||
	    http_msg_add_body(rsp, p + n, len - n) < 0)
		goto fail;
	return 0;
fail:
	so->state = FCGI_SO_ERROR;
	return -1;
}

/*
 * fcgi_stdout_end - the STDOUT stream ended (empty STDOUT or END_REQUEST).
 * @so:  the accumulator
 * @rsp: the response being built
 *
 * Return: 0 with HTTP_MSGF_BODY_DONE set on @rsp, or -1 if the header
 * block never completed (or an earlier call failed).
 * Context: any thread owning @so and @rsp.
 */
int fcgi_stdout_end(struct fcgi_stdout *so, struct http_msg *rsp)
{
	if (so->state == FCGI_SO_DONE)
		return 0;
	if (so->state != FCGI_SO_BODY) {
		so->state = FCGI_SO_ERROR;
		return -1;
	}
	so->state = FCGI_SO_DONE;
	rsp->flags |= HTTP_MSGF_BODY_DONE;
	return 0;
}

/*
 * fcgi_parse_begin_request - decode a BEGIN_REQUEST content (server side).
 * @content:   the record content
 * @len:       its length (must be 8)
 * @role:      receives the role (FCGI_RESPONDER...)
 * @keep_conn: receives 1 if FCGI_KEEP_CONN is set
 * Return: 0, or -1 if @len is not 8.
 * Context: any thread.
 */
int fcgi_parse_begin_request(const char *content, size_t len,
			     uint16_t *role, int *keep_conn)
{
	const unsigned char *u = (const unsigned char *)content;

	if (len != 8)
		return -1;
	*role = (uint16_t)(u[0] << 8 | u[1]);
	*keep_conn = !!(u[2] & FCGI_KEEP_CONN);
	return 0;
}

/*
 * fcgi_emit_stdout - append response bytes as STDOUT records (server side).
 * @out:  destination
 * @id:   request id
 * @data: CGI response bytes (headers, blank line, body), any split
 * @len:  their number; 0 appends the empty STDOUT that ends the stream
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_stdout(struct buffer *out, uint16_t id, const char *data,
		     size_t len)
{
	struct fcgi_out o;
	size_t n;

	fcgi_out_init(&o, out);
	if (!len)
		fcgi_put_record(&o, FCGI_STDOUT, id, NULL, 0);
	while (len) {
		n = len > FCGI_MAX_CONTENT ? FCGI_MAX_CONTENT : len;
		fcgi_put_record(&o, FCGI_STDOUT, id, data, n);
		data += n;
		len -= n;
	}
	return fcgi_out_end(&o);
}

/*
 * fcgi_emit_end_request - append END_REQUEST (server side).
 * @out:          destination
 * @id:           request id
 * @app_status:   the application's exit status
 * @proto_status: enum fcgi_proto_status
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_end_request(struct buffer *out, uint16_t id,
			  uint32_t app_status, uint8_t proto_status)
{
	unsigned char body[8] = { 0 };

	body[0] = (unsigned char)(app_status >> 24);
	body[1] = (unsigned char)(app_status >> 16);
	body[2] = (unsigned char)(app_status >> 8);
	body[3] = (unsigned char)app_status;
	body[4] = proto_status;
	return fcgi_emit_record(out, FCGI_END_REQUEST, id, body,
				sizeof(body));
}

/*
 * fcgi_emit_get_values_result - answer a GET_VALUES query (server side).
 * @out:   destination
 * @query: the GET_VALUES content (names with empty values)
 * @qlen:  its length
 * @v:     the application's values; negative ones are not reported
 *
 * Only the asked names that the application knows are answered.
 * Return: 0, or -1 (@out unchanged) if the query is malformed.
 * Context: any thread owning @out.
 */
int fcgi_emit_get_values_result(struct buffer *out, const char *query,
				size_t qlen, const struct fcgi_values *v)
{
	struct buffer c = BUF_NULL;
	struct fcgi_nv nv;
	size_t off = 0;
	char num[24];
	long val;
	int ret;

	while ((ret = fcgi_nv_next(query, qlen, &off, &nv)) > 0) {
		if (fcgi_nv_is(&nv, "FCGI_MAX_CONNS"))
			val = v->max_conns;
		else if (fcgi_nv_is(&nv, "FCGI_MAX_REQS"))
			val = v->max_reqs;
		else if (fcgi_nv_is(&nv, "FCGI_MPXS_CONNS"))
			val = v->mpxs_conns;
		else
			continue;
		if (val < 0)
			continue;
		snprintf(num, sizeof(num), "%ld", val);
		if (fcgi_nv_encode(&c, nv.n, nv.nlen, num, strlen(num),
				   FCGI_MAX_CONTENT) < 0) {
			ret = -1;
			break;
		}
	}
	if (!ret)
		ret = fcgi_emit_record(out, FCGI_GET_VALUES_RESULT,
				       FCGI_NULL_REQUEST_ID,
				       b_data(&c) ? b_head(&c) : NULL,
				       b_data(&c));
	b_free(&c);
	return ret;
}

/*
 * fcgi_emit_unknown_type - answer a management record of an unknown type.
 * @out:  destination
 * @type: the type received
 * Return: 0, or -1 with @out unchanged.
 * Context: any thread owning @out.
 */
int fcgi_emit_unknown_type(struct buffer *out, uint8_t type)
{
	unsigned char body[8] = { 0 };

	body[0] = type;
	return fcgi_emit_record(out, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID,
				body, sizeof(body));
}
