/*
 * h1.c - HTTP/1.1 codec (RFC 9110 semantics, RFC 9112 syntax).
 *
 * The parser is deliberately strict, as a proxy's front side must be: any
 * ambiguity in message framing is how request smuggling starts (a front end
 * and a back end disagreeing on where a message ends). So it rejects what
 * RFC 9112 allows a recipient to reject and a few things it merely
 * discourages:
 *   - lines must end with CRLF; a bare CR or a bare LF is an error;
 *   - no whitespace between a field name and its colon, no obs-fold;
 *   - method and field names are tokens; the target is visible ASCII;
 *   - Content-Length together with Transfer-Encoding is an error, as are
 *     differing Content-Length values (identical duplicates are merged);
 *   - the only transfer coding is "chunked", and it must be the last one;
 *   - an HTTP/1.1 request needs exactly one Host field.
 *
 * The header parser keeps no state between calls: it reparses from the
 * first byte each time and returns 0 until the empty line has arrived. A
 * header section is at most H1_MAX_HDRS_LEN bytes, so the repeated work is
 * bounded, and the mux needs no parser state to save on takeover.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "h1.h"
#include "http_msg.h"

/* Cap used for Content-Length values: comfortably over HTTP_MAX_BODY, far
 * from overflowing 64 bits. Larger values saturate here (then 413). */
#define H1_CLEN_SAT		(1ULL << 50)

/* Most Connection options we remember to strip the fields they name. */
#define H1_MAX_CONN_OPTS	16

/* One span of the input buffer. */
struct h1_span {
	const char *p;
	size_t len;
};

/* Everything one h1_parse_hdrs() call learns; discarded at return. */
struct h1_pstate {
	struct http_msg *msg;
	int is_resp;
	int absolute;			/* request target in absolute-form */
	int nb_host;			/* Host fields seen */
	int has_te;			/* Transfer-Encoding seen */
	int chunked;			/* ... ending with chunked */
	int nb_clen;			/* Content-Length fields seen */
	uint64_t clen;			/* their (common) value */
	int conn_close;			/* Connection: close */
	int conn_ka;			/* Connection: keep-alive */
	int nb_opts;
	struct h1_span opts[H1_MAX_CONN_OPTS];	/* other Connection options */
};

/* tchar from RFC 9110 5.6.2 */
static int h1_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / SP / HTAB: anything but controls (obs-text is allowed) */
static int h1_is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int h1_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 'a' - 'A' : c;
}

/* case-insensitive comparison of a span with a lower-case literal */
static int h1_span_is(const char *p, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!lit[i] || h1_lower((unsigned char)p[i]) != lit[i])
			return 0;
	}
	return lit[i] == '\0';
}

/*
 * Find the end of the line starting at <pos>. Returns 1 with *eol on the CR
 * and *next after the LF, 0 if the line is not complete yet, -1 if it holds
 * a bare CR or a bare LF. A CR as the last byte may still be followed by LF,
 * so it means "incomplete", never "bare".
 */
static int h1_get_line(const char *buf, size_t len, size_t pos,
		       size_t *eol, size_t *next)
{
	size_t i;

	for (i = pos; i < len; i++) {
		if (buf[i] == '\n')
			return -1;
		if (buf[i] != '\r')
			continue;
		if (i + 1 == len)
			return 0;
		if (buf[i + 1] != '\n')
			return -1;
		*eol = i;
		*next = i + 2;
		return 1;
	}
	return 0;
}

/*
 * Split a comma-separated list in <p, len> and call <fn> on each non-empty
 * element with its surrounding whitespace removed. Stops on the first
 * negative return of <fn> and returns it, else 0.
 */
static int h1_for_each_elem(const char *p, size_t len,
			    int (*fn)(struct h1_pstate *, const char *, size_t),
			    struct h1_pstate *ps)
{
	size_t i = 0, s, e;
	int ret;

	while (i < len) {
		s = i;
		while (i < len && p[i] != ',')
			i++;
		e = i;
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e > s) {
			ret = fn(ps, p + s, e - s);
			if (ret < 0)
				return ret;
		}
		i++;		/* skip the comma */
	}
	return 0;
}

/* Content-Length element: 1*DIGIT, equal to any previous one. Returns 0 or
 * -400. Empty elements are errors here, unlike in other lists, because the
 * field is a single number that some senders repeat. */
static int h1_clen_elem(struct h1_pstate *ps, const char *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -400;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > H1_CLEN_SAT)
			v = H1_CLEN_SAT;
	}
	if (ps->nb_clen && v != ps->clen)
		return -400;
	ps->clen = v;
	ps->nb_clen++;
	return 0;
}

static int h1_parse_clen(struct h1_pstate *ps, const char *v, size_t vlen)
{
	size_t i, s = 0;

	/* every element must be non-empty: "5," or ",5" are rejected */
	for (i = 0; i <= vlen; i++) {
		if (i < vlen && v[i] != ',')
			continue;
		while (s < i && (v[s] == ' ' || v[s] == '\t'))
			s++;
		if (s == i)
			return -400;
		s = i + 1;
	}
	return h1_for_each_elem(v, vlen, h1_clen_elem, ps);
}

/* Transfer-Encoding element. "chunked" must come last and only once;
 * any other coding is one we cannot decode (501). */
static int h1_te_elem(struct h1_pstate *ps, const char *p, size_t len)
{
	if (ps->chunked)
		return -400;	/* something after chunked: not the last */
	if (!h1_span_is(p, len, "chunked"))
		return -501;
	ps->chunked = 1;
	return 0;
}

/* Connection option: close, keep-alive, or the name of a field to strip. */
static int h1_conn_elem(struct h1_pstate *ps, const char *p, size_t len)
{
	if (h1_span_is(p, len, "close")) {
		ps->conn_close = 1;
	} else if (h1_span_is(p, len, "keep-alive")) {
		ps->conn_ka = 1;
	} else {
		if (ps->nb_opts >= H1_MAX_CONN_OPTS)
			return -400;
		ps->opts[ps->nb_opts].p = p;
		ps->opts[ps->nb_opts].len = len;
		ps->nb_opts++;
	}
	return 0;
}

/* "HTTP/d.d" -> 0 with *minor set, -505 wrong major, -400 malformed */
static int h1_parse_version(const char *p, size_t len, int *minor)
{
	if (len != 8 || memcmp(p, "HTTP/", 5) != 0 ||
	    p[5] < '0' || p[5] > '9' || p[6] != '.' ||
	    p[7] < '0' || p[7] > '9')
		return -400;
	if (p[5] != '1')
		return -505;
	*minor = p[7] - '0';
	return 0;
}

/* Store the request target; split an absolute-form one into authority and
 * path. Returns 0 or a negative status. */
static int h1_store_target(struct h1_pstate *ps, const char *t, size_t tlen,
			   const char *method, size_t mlen)
{
	struct http_msg *msg = ps->msg;
	struct hstr slash;
	size_t skip, a;

	if (mlen == 7 && memcmp(method, "CONNECT", 7) == 0)
		return -501;	/* authority-form and tunnels: unsupported */
	if (t[0] == '/')
		return http_msg_str(msg, t, tlen, &msg->uri) < 0 ? -414 : 0;
	if (tlen == 1 && t[0] == '*') {
		if (!(mlen == 7 && memcmp(method, "OPTIONS", 7) == 0))
			return -400;
		return http_msg_str(msg, t, tlen, &msg->uri) < 0 ? -414 : 0;
	}
	if (tlen > 7 && h1_span_is(t, 7, "http://"))
		skip = 7;
	else if (tlen > 8 && h1_span_is(t, 8, "https://"))
		skip = 8;
	else
		return -400;

	/* absolute-form: the authority wins over Host (RFC 9112 3.2.2) */
	for (a = skip; a < tlen && t[a] != '/' && t[a] != '?' && t[a] != '#';
	     a++)
		;
	if (a == skip)
		return -400;
	ps->absolute = 1;
	if (http_msg_str(msg, t + skip, a - skip, &msg->authority) < 0)
		return -414;
	if (a < tlen && t[a] == '/')
		return http_msg_str(msg, t + a, tlen - a, &msg->uri) < 0 ?
			-414 : 0;
	/* no path: it is "/", followed by the query if any. The store only
	 * grows by appending, so the two copies are contiguous. */
	if (http_msg_str(msg, "/", 1, &slash) < 0 ||
	    (a < tlen && http_msg_str(msg, t + a, tlen - a, &msg->uri) < 0))
		return -414;
	msg->uri.off = slash.off;
	msg->uri.len = (uint32_t)(1 + tlen - a);
	return 0;
}

/* request-line = method SP request-target SP HTTP-version */
static int h1_parse_req_line(struct h1_pstate *ps, const char *p, size_t len)
{
	struct http_msg *msg = ps->msg;
	size_t m, t, te;
	int minor, ret;

	if (len > H1_MAX_LINE)
		return -414;
	for (m = 0; m < len && p[m] != ' '; m++) {
		if (!h1_is_tchar((unsigned char)p[m]))
			return -400;
	}
	if (!m || m == len)
		return -400;
	t = m + 1;
	for (te = t; te < len && p[te] != ' '; te++) {
		if ((unsigned char)p[te] <= 0x20 ||
		    (unsigned char)p[te] >= 0x7f)
			return -400;
	}
	if (te == t || te == len)
		return -400;
	ret = h1_parse_version(p + te + 1, len - te - 1, &minor);
	if (ret < 0)
		return ret;
	if (minor >= 1)
		msg->flags |= HTTP_MSGF_VER_11;
	if (http_msg_str(msg, p, m, &msg->method) < 0)
		return -431;
	return h1_store_target(ps, p + t, te - t, p, m);
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * (a missing SP before an empty reason is tolerated, as most clients do) */
static int h1_parse_status_line(struct h1_pstate *ps, const char *p,
				size_t len)
{
	struct http_msg *msg = ps->msg;
	size_t i;
	int minor;

	if (len > H1_MAX_LINE || len < 12 || p[8] != ' ')
		return -502;
	if (h1_parse_version(p, 8, &minor) < 0)
		return -502;
	if (minor >= 1)
		msg->flags |= HTTP_MSGF_VER_11;
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return -502;
	msg->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (len == 12)
		return 0;
	if (p[12] != ' ')
		return -502;
	for (i = 13; i < len; i++) {
		if (!h1_is_value_char((unsigned char)p[i]))
			return -502;
	}
	if (http_msg_str(msg, p + 13, len - 13, &msg->reason) < 0)
		return -502;
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS */
static int h1_parse_field(struct h1_pstate *ps, const char *p, size_t len)
{
	struct http_msg *msg = ps->msg;
	size_t n, vs, ve, i;
	int ret = 0;

	if (p[0] == ' ' || p[0] == '\t')
		return -400;		/* obs-fold */
	for (n = 0; n < len && p[n] != ':'; n++) {
		if (!h1_is_tchar((unsigned char)p[n]))
			return -400;	/* includes space before colon */
	}
	if (!n || n == len)
		return -400;
	vs = n + 1;
	ve = len;
	while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	for (i = vs; i < ve; i++) {
		if (!h1_is_value_char((unsigned char)p[i]))
			return -400;
	}

	if (h1_span_is(p, n, "content-length")) {
		ret = h1_parse_clen(ps, p + vs, ve - vs);
	} else if (h1_span_is(p, n, "transfer-encoding")) {
		ps->has_te = 1;
		ret = h1_for_each_elem(p + vs, ve - vs, h1_te_elem, ps);
	} else if (h1_span_is(p, n, "connection")) {
		ret = h1_for_each_elem(p + vs, ve - vs, h1_conn_elem, ps);
	} else if (h1_span_is(p, n, "host")) {
		ps->nb_host++;
	}
	if (ret < 0)
		return ret;

	if (http_msg_add_hdr(msg, p, n, p + vs, ve - vs) < 0)
		return -431;
	if (h1_span_is(p, n, "host") && !ps->absolute)
		msg->authority = msg->hdr[msg->nb_hdrs - 1].v;
	return 0;
}

/* Drop the stored fields that a Connection option named (RFC 9110 7.6.1).
 * The strings stay in the store; only the index entries go. */
static void h1_strip_conn_opts(struct h1_pstate *ps)
{
	struct http_msg *msg = ps->msg;
	int i, j, o, drop;

	for (i = j = 0; i < msg->nb_hdrs; i++) {
		struct http_hdr *h = &msg->hdr[i];

		drop = 0;
		for (o = 0; o < ps->nb_opts; o++) {
			if (h1_span_is(ps->opts[o].p, ps->opts[o].len,
				       "host"))
				continue;	/* never strip Host */
			if (h->n.len == ps->opts[o].len) {
				const char *hn = hstr_ptr(msg, h->n);
				size_t k;

				for (k = 0; k < h->n.len; k++) {
					if (h1_lower((unsigned char)
						     ps->opts[o].p[k]) != hn[k])
						break;
				}
				if (k == h->n.len)
					drop = 1;
			}
		}
		if (!drop)
			msg->hdr[j++] = *h;
	}
	msg->nb_hdrs = j;
}

/* Checks once the empty line has been seen; sets the framing flags. */
static int h1_finish(struct h1_pstate *ps)
{
	struct http_msg *msg = ps->msg;
	int st = msg->status;

	if (ps->has_te && ps->nb_clen)
		return -400;	/* the smuggling classic: refuse both */
	if (ps->has_te && !ps->chunked)
		return -400;	/* empty Transfer-Encoding */
	if (!ps->is_resp) {
		if (ps->has_te && !(msg->flags & HTTP_MSGF_VER_11))
			return -400;	/* RFC 9112 6.1: HTTP/1.0 + TE */
		if (ps->nb_host > 1)
			return -400;
		if (!ps->nb_host && (msg->flags & HTTP_MSGF_VER_11))
			return -400;
	} else if (st == 101) {
		return -502;	/* we never ask for an upgrade */
	}

	h1_strip_conn_opts(ps);
	if (ps->conn_close ||
	    (!(msg->flags & HTTP_MSGF_VER_11) && !ps->conn_ka))
		msg->flags |= HTTP_MSGF_CONN_CLOSE;
	if (ps->chunked)
		msg->flags |= HTTP_MSGF_CHUNKED;
	if (ps->nb_clen) {
		msg->flags |= HTTP_MSGF_CLEN;
		msg->clen = ps->clen;
	}
	if (ps->is_resp) {
		if ((st >= 100 && st < 200) || st == 204 || st == 304)
			msg->flags |= HTTP_MSGF_NO_BODY;
		/* no framing at all: the body ends when the server closes */
		if (!(msg->flags & HTTP_MSGF_NO_BODY) && !ps->chunked &&
		    !ps->nb_clen)
			msg->flags |= HTTP_MSGF_CONN_CLOSE;
	}
	msg->flags |= HTTP_MSGF_HDRS_DONE;
	return 0;
}

/* The body of h1_parse_hdrs(); returns >0, 0 or -status. */
static int h1_parse(const char *buf, size_t len, struct h1_pstate *ps)
{
	size_t pos = 0, eol = 0, next = 0, start;
	int ret, first = 1;

	/* RFC 9112 2.2: ignore empty lines before a request line (some
	 * clients add CRLF after a POST body) */
	if (!ps->is_resp) {
		while (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n')
			pos += 2;
	}

	while (1) {
		start = pos;
		ret = h1_get_line(buf, len, pos, &eol, &next);
		if (ret < 0)
			return ps->is_resp ? -502 : -400;
		if (ret == 0) {
			size_t part = len - start;

			if (part && buf[len - 1] == '\r')
				part--;
			if (first && part > H1_MAX_LINE)
				return ps->is_resp ? -502 : -414;
			if (len >= H1_MAX_HDRS_LEN)
				return ps->is_resp ? -502 : -431;
			return 0;
		}
		if (next > H1_MAX_HDRS_LEN)
			return ps->is_resp ? -502 : (first ? -414 : -431);
		pos = next;

		if (first) {
			if (eol == start)
				return ps->is_resp ? -502 : -400;
			ret = ps->is_resp ?
				h1_parse_status_line(ps, buf + start,
						     eol - start) :
				h1_parse_req_line(ps, buf + start,
						  eol - start);
			first = 0;
		} else if (eol == start) {
			ret = h1_finish(ps);
			if (ret < 0)
				break;
			return (int)pos;
		} else {
			ret = h1_parse_field(ps, buf + start, eol - start);
		}
		if (ret < 0)
			break;
	}
	/* a response gets no status of its own: the caller answers 502 */
	return ps->is_resp ? -502 : ret;
}

/*
 * h1_parse_hdrs - parse the start line and header section of a message.
 * @buf:        the received bytes, starting at the message's first byte
 * @len:        how many there are
 * @msg:        a message reset by http_msg_reset(); HTTP_MSGF_RESP selects
 *              a status line, HTTP_MSGF_NO_BODY may be preset (HEAD)
 * @err_status: receives the HTTP status to answer on error (may be NULL)
 *
 * Fills method/uri/authority (request) or status/reason (response), the
 * stored headers (hop-by-hop ones and Content-Length excluded, fields
 * named by Connection stripped) and the flags VER_11, CLEN + clen, CHUNKED,
 * CONN_CLOSE, NO_BODY (1xx, 204, 304) and HDRS_DONE. The authority comes
 * from an absolute-form target or else from Host. A response with neither
 * Content-Length nor chunked has a body until close and gets CONN_CLOSE.
 * 1xx responses (not 101, refused) are interim: skip them and parse the
 * next response. CONNECT is refused with 501.
 *
 * Each call starts over from @buf[0]: it resets @msg itself, keeping only
 * the RESP and NO_BODY flags, so the caller just calls again with the
 * whole buffer when more bytes arrive. On 0 or -1, @msg is left reset.
 *
 * Return: bytes of the header section (>0) once the empty line is in
 * @buf; 0 if more bytes are needed; -1 on error with *@err_status set to
 * 400, 414, 431, 501 or 505 for a request and 502 for a response.
 * Context: any thread owning @msg; no locks; no allocation beyond @msg.
 */
int h1_parse_hdrs(const char *buf, size_t len, struct http_msg *msg,
		  int *err_status)
{
	unsigned int keep = msg->flags & (HTTP_MSGF_RESP | HTTP_MSGF_NO_BODY);
	struct h1_pstate ps;
	int ret;

	/* start from scratch: a previous call may have filled half of it */
	http_msg_reset(msg, keep & HTTP_MSGF_RESP);
	msg->flags = keep;
	memset(&ps, 0, sizeof(ps));
	ps.msg = msg;
	ps.is_resp = !!(keep & HTTP_MSGF_RESP);

	ret = h1_parse(buf, len, &ps);
	if (ret > 0)
		return ret;
	http_msg_reset(msg, ps.is_resp);
	msg->flags = keep;
	if (ret == 0)
		return 0;
	if (err_status)
		*err_status = -ret;
	return -1;
}

/*
 * h1_body_init - prepare the body decoder for a parsed message.
 * @b:   the decoder state to initialise
 * @msg: the message whose headers h1_parse_hdrs() accepted
 *
 * Chooses the delimitation: none (NO_BODY, or a request without framing),
 * chunked, Content-Length, or until close (a response without framing).
 * When there is no body, @msg gets HTTP_MSGF_BODY_DONE now.
 * Context: any thread owning @msg and @b.
 */
void h1_body_init(struct h1_body *b, struct http_msg *msg)
{
	memset(b, 0, sizeof(*b));
	if (msg->flags & HTTP_MSGF_NO_BODY)
		b->mode = H1_BODY_NONE;
	else if (msg->flags & HTTP_MSGF_CHUNKED)
		b->mode = H1_BODY_CHUNKED;
	else if (msg->flags & HTTP_MSGF_CLEN)
		b->mode = msg->clen ? H1_BODY_CLEN : H1_BODY_NONE;
	else if (msg->flags & HTTP_MSGF_RESP)
		b->mode = H1_BODY_CLOSE;
	else
		b->mode = H1_BODY_NONE;

	b->state = H1_CH_SIZE;
	b->left = b->mode == H1_BODY_CLEN ? msg->clen : 0;
	if (b->mode == H1_BODY_NONE) {
		b->done = 1;
		msg->flags |= HTTP_MSGF_BODY_DONE;
	}
}

static void h1_body_finish(struct h1_body *b, struct http_msg *msg)
{
	b->done = 1;
	b->state = H1_CH_DONE;
	msg->flags |= HTTP_MSGF_BODY_DONE;
}

static int h1_body_fail(struct h1_body *b, int status)
{
	b->err_status = status;
	return -1;
}

static int h1_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)h1_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Room for body bytes in msg->body now (http_body_room()). */
static uint64_t h1_body_room(const struct http_msg *msg)
{
	return http_body_room(msg);
}

/* Whole messages only: is a body part of <len> bytes more than the message
 * may ever hold? A streamed body has no size limit: it only waits for
 * room. */
static int h1_body_too_big(const struct http_msg *msg, uint64_t len)
{
	return !http_bufsize && len > h1_body_room(msg);
}

/* The chunked decoder: one byte at a time except for chunk data. */
static int h1_chunked_feed(struct h1_body *b, const char *buf, size_t len,
			   struct http_msg *msg)
{
	size_t i = 0, n;
	unsigned char c;
	int v;

	while (i < len) {
		c = (unsigned char)buf[i];
		switch (b->state) {
		case H1_CH_SIZE:
			v = h1_hexval(c);
			if (v >= 0) {
				/* 15 digits = 2^60: far over any body we take */
				if (b->nb_digits >= 15)
					return h1_body_fail(b, 413);
				b->left = b->left * 16 + (uint64_t)v;
				b->nb_digits++;
			} else if (!b->nb_digits) {
				return h1_body_fail(b, 400);
			} else if (c == ' ' || c == '\t') {
				b->state = H1_CH_SIZE_WS;
			} else if (c == ';') {
				b->state = H1_CH_SIZE_EXT;
			} else if (c == '\r') {
				b->state = H1_CH_SIZE_LF;
			} else {
				return h1_body_fail(b, 400);
			}
			break;
		case H1_CH_SIZE_WS:
			if (c == ';')
				b->state = H1_CH_SIZE_EXT;
			else if (c == '\r')
				b->state = H1_CH_SIZE_LF;
			else if (c != ' ' && c != '\t')
				return h1_body_fail(b, 400);
			break;
		case H1_CH_SIZE_EXT:
			/* extensions are ignored, only their bytes checked */
			if (c == '\r')
				b->state = H1_CH_SIZE_LF;
			else if (!h1_is_value_char(c))
				return h1_body_fail(b, 400);
			break;
		case H1_CH_SIZE_LF:
			if (c != '\n')
				return h1_body_fail(b, 400);
			if (h1_body_too_big(msg, b->left))
				return h1_body_fail(b, 413);
			b->nb_digits = 0;
			b->line_len = 0;
			b->state = b->left ? H1_CH_DATA : H1_CH_TRL_START;
			i++;
			continue;
		case H1_CH_DATA:
			n = len - i;
			if (n > b->left)
				n = (size_t)b->left;
			if (n > h1_body_room(msg))
				n = (size_t)h1_body_room(msg);
			if (!n)
				return (int)i;	/* body full: wait for room */
			if (http_msg_add_body(msg, buf + i, n) < 0)
				return h1_body_fail(b, 413);
			b->left -= n;
			i += n;
			if (!b->left)
				b->state = H1_CH_DATA_CR;
			continue;
		case H1_CH_DATA_CR:
			if (c != '\r')
				return h1_body_fail(b, 400);
			b->state = H1_CH_DATA_LF;
			break;
		case H1_CH_DATA_LF:
			if (c != '\n')
				return h1_body_fail(b, 400);
			b->state = H1_CH_SIZE;
			i++;
			continue;
		case H1_CH_TRL_START:
			/* trailer fields are checked for framing only and
			 * dropped: the lab forwards no trailers */
			if (c == '\r')
				b->state = H1_CH_END_LF;
			else if (c == ' ' || c == '\t' || c == ':' ||
				 !h1_is_value_char(c))
				return h1_body_fail(b, 400);
			else
				b->state = H1_CH_TRL_LINE;
			break;
		case H1_CH_TRL_LINE:
			if (c == '\r')
				b->state = H1_CH_TRL_LF;
			else if (!h1_is_value_char(c))
				return h1_body_fail(b, 400);
			break;
		case H1_CH_TRL_LF:
			if (c != '\n')
				return h1_body_fail(b, 400);
			b->state = H1_CH_TRL_START;
			break;
		case H1_CH_END_LF:
			if (c != '\n')
				return h1_body_fail(b, 400);
			h1_body_finish(b, msg);
			return (int)(i + 1);
		case H1_CH_DONE:
			return (int)i;
		}
		/* size lines and trailers are bounded, data is not */
		if (++b->line_len > H1_MAX_CHUNK_LINE)
			return h1_body_fail(b, 400);
		i++;
	}
	return (int)i;
}

/*
 * h1_body_feed - decode body bytes and append them to the message.
 * @b:   decoder state from h1_body_init()
 * @buf: bytes following the header section (or the previous feed)
 * @len: how many there are
 * @msg: the message; its body grows, BODY_DONE is set at the end
 *
 * Consumes no byte past the end of the body, so what follows (a pipelined
 * request) stays for the caller. Bytes of a partial size line or trailer
 * are consumed and remembered in @b.
 *
 * When streaming (http_bufsize), it stops where the body FIFO is full
 * (http_body_room()) and the caller feeds the rest once the consumer made
 * room; whole messages fail above HTTP_MAX_BODY instead.
 *
 * Return: bytes consumed (0..@len), or -1 with b->err_status = 400 (bad
 * chunked framing) or 413 (whole message over HTTP_MAX_BODY). @len must
 * fit an int.
 * Context: any thread owning @msg and @b.
 */
int h1_body_feed(struct h1_body *b, const char *buf, size_t len,
		 struct http_msg *msg)
{
	size_t n;

	if (b->done)
		return 0;
	if (len > (size_t)0x7fffffff)
		len = 0x7fffffff;

	switch (b->mode) {
	case H1_BODY_CLEN:
		if (h1_body_too_big(msg, b->left))
			return h1_body_fail(b, 413);
		n = len < b->left ? len : (size_t)b->left;
		if (n > h1_body_room(msg))
			n = (size_t)h1_body_room(msg);
		if (http_msg_add_body(msg, buf, n) < 0)
			return h1_body_fail(b, 413);
		b->left -= n;
		if (!b->left)
			h1_body_finish(b, msg);
		return (int)n;
	case H1_BODY_CLOSE:
		if (http_bufsize && len > h1_body_room(msg))
			len = (size_t)h1_body_room(msg);
		if (http_msg_add_body(msg, buf, len) < 0)
			return h1_body_fail(b, 413);
		return (int)len;
	case H1_BODY_CHUNKED:
		return h1_chunked_feed(b, buf, len, msg);
	case H1_BODY_NONE:
		break;
	}
	return 0;
}

/*
 * h1_body_eof - the peer closed its side.
 * @b:   decoder state
 * @msg: the message
 *
 * Return: 0 if the body is complete (an until-close body is completed
 * here), -1 if the close cut a Content-Length or chunked body short.
 * Context: any thread owning @msg and @b.
 */
int h1_body_eof(struct h1_body *b, struct http_msg *msg)
{
	if (b->done)
		return 0;
	if (b->mode != H1_BODY_CLOSE)
		return h1_body_fail(b, 400);
	h1_body_finish(b, msg);
	return 0;
}

/*
 * h1_req_is_head - does a request use the HEAD method?
 * @req: a parsed request
 *
 * Return: 1 for HEAD, else 0.
 * Context: any thread owning @req.
 */
int h1_req_is_head(const struct http_msg *req)
{
	return req->method.len == 4 && hstr_eq(req, req->method, "HEAD");
}

/*
 * h1_must_close - will the connection close after this exchange?
 * @req: the request (may be NULL)
 * @rsp: the response (may be NULL)
 *
 * Return: 1 if either side announced close (or HTTP/1.0 without
 * keep-alive), or the response body ends with the close; else 0.
 * Context: any thread owning both messages.
 */
int h1_must_close(const struct http_msg *req, const struct http_msg *rsp)
{
	if (req && (req->flags & HTTP_MSGF_CONN_CLOSE))
		return 1;
	if (rsp && (rsp->flags & HTTP_MSGF_CONN_CLOSE))
		return 1;
	return 0;
}

/*
 * h1_reason - standard reason phrase of a status code.
 * @status: 100..599
 *
 * Return: a static string, "Unknown" for codes without a registered
 * phrase.
 * Context: any thread.
 */
const char *h1_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 425: return "Too Early";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

/* Output under construction: appends stop at the first failure and the
 * caller rolls <out> back to where it started. */
struct h1_out {
	struct buffer *b;
	size_t start;		/* b->data on entry */
	int err;
};

static void h1_put(struct h1_out *o, const char *p, size_t len)
{
	if (!o->err && b_putblk(o->b, p, len, H1_MAX_OUT) < 0)
		o->err = 1;
}

static void h1_puts(struct h1_out *o, const char *s)
{
	h1_put(o, s, strlen(s));
}

static void h1_put_hstr(struct h1_out *o, const struct http_msg *msg,
			struct hstr s)
{
	if (s.len)
		h1_put(o, hstr_ptr(msg, s), s.len);
}

static void h1_put_u64(struct h1_out *o, uint64_t v)
{
	char tmp[24];

	h1_put(o, tmp, u64_to_dec(tmp, v));
}

/* Body bytes, as one chunk (hex size line, data, CRLF) if <chunked>. */
static void h1_put_body(struct h1_out *o, const char *p, size_t len,
			int chunked)
{
	char tmp[20];
	size_t n = 0, v = len;

	if (chunked) {
		do {
			tmp[sizeof(tmp) - 1 - n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
		h1_put(o, tmp + sizeof(tmp) - n, n);
		h1_put(o, "\r\n", 2);
	}
	h1_put(o, p, len);
	if (chunked)
		h1_put(o, "\r\n", 2);
}

/* Stored fields, then framing and connection management, then <blen>
 * body bytes. <clen_mode>: 0 or 4 none, 1 "content-length: <clen>", 3
 * "transfer-encoding: chunked" (the body bytes then form one chunk). */
static void h1_put_fields_and_body(struct h1_out *o,
				   const struct http_msg *msg,
				   int skip_host, int clen_mode, uint64_t clen,
				   size_t blen, int keep_alive, int interim)
{
	int i;

	for (i = 0; i < msg->nb_hdrs; i++) {
		const struct http_hdr *h = &msg->hdr[i];

		if (skip_host && h->n.len == 4 && hstr_eq(msg, h->n, "host"))
			continue;
		h1_put_hstr(o, msg, h->n);
		h1_put(o, ": ", 2);
		h1_put_hstr(o, msg, h->v);
		h1_put(o, "\r\n", 2);
	}
	if (clen_mode == 1) {
		h1_puts(o, "content-length: ");
		h1_put_u64(o, clen);
		h1_put(o, "\r\n", 2);
	} else if (clen_mode == 3) {
		h1_puts(o, "transfer-encoding: chunked\r\n");
	}
	if (!interim) {
		if (!(keep_alive & H1_KA_KEEP))
			h1_puts(o, "connection: close\r\n");
		else if (keep_alive & H1_KA_PEER_10)
			h1_puts(o, "connection: keep-alive\r\n");
	}
	h1_put(o, "\r\n", 2);
	if (!blen)
		return;
	h1_put_body(o, http_body_ptr(msg), blen, clen_mode == 3);
}

static int h1_out_end(struct h1_out *o)
{
	if (!o->err)
		return 0;
	o->b->data = o->start;
	if (!o->b->data)
		o->b->head = 0;
	return -1;
}

/* How the body of <msg> goes on the wire, and how many of its available
 * bytes go with the headers. <is_resp_nobody>: a response without body
 * (1xx, 204, 304, HEAD). Whole messages (!os) are complete by definition.
 * Returns the clen_mode of h1_put_fields_and_body(), or 4: no framing,
 * the body ends with the close. */
static int h1_framing(const struct http_msg *msg, int is_req, int no_body,
		      int peer_10, struct h1_ostate *os, uint64_t *clen,
		      size_t *blen)
{
	int done = !os || (msg->flags & HTTP_MSGF_BODY_DONE);
	size_t avail = http_body_avail(msg);
	int mode;

	*blen = 0;
	*clen = 0;
	if (no_body) {
		mode = 0;
		if (os)
			os->mode = H1_OUT_NONE;
		return mode;
	}
	if (done) {
		/* the whole body is here: its length is known */
		if (is_req && !avail &&
		    !(msg->flags & (HTTP_MSGF_CLEN | HTTP_MSGF_CHUNKED)))
			mode = 0;
		else
			mode = 1;
		*clen = avail;
		*blen = avail;
	} else if (msg->flags & HTTP_MSGF_CLEN) {
		mode = 1;
		*clen = msg->clen;
		*blen = avail < msg->clen ? avail : (size_t)msg->clen;
	} else if (is_req || !peer_10) {
		mode = 3;
		*blen = avail;
	} else {
		/* an HTTP/1.0 client, length unknown: until the close */
		mode = 4;
		*blen = avail;
	}
	if (os) {
		os->mode = mode == 1 ? H1_OUT_CLEN : mode == 3 ?
			   H1_OUT_CHUNKED : mode == 4 ? H1_OUT_CLOSE :
			   H1_OUT_NONE;
		os->sent = *blen;
		os->left = mode == 1 ? *clen - *blen : 0;
	}
	return mode;
}

/*
 * h1_emit_req - serialise a request as HTTP/1.1.
 * @msg:        the request: a complete one with @os NULL, else its headers
 *              and the body bytes received so far
 * @out:        where to append; grown as needed up to H1_MAX_OUT
 * @keep_alive: H1_KA_* bits; 0 adds "connection: close"
 * @os:         NULL, or where to say how the body goes on (h1_start_req())
 *
 * Writes "METHOD target HTTP/1.1", then "host: <authority>" (replacing any
 * stored Host; an empty Host if there is no authority at all), the stored
 * fields, the framing, the connection field and the body bytes at hand.
 * Framing: "content-length: <body size>" for a complete body (none if
 * there is no body and the original had no framing), the announced
 * Content-Length for a body still arriving, chunked otherwise.
 *
 * Return: 0, or -1 with @out as it was (no method, or no room).
 * Context: any thread owning @msg and @out.
 */
static int h1_emit_req_os(const struct http_msg *msg, struct buffer *out,
			  int keep_alive, struct h1_ostate *os)
{
	struct h1_out o = { out, out->data, 0 };
	uint64_t clen;
	size_t blen;
	int mode;

	if (!msg->method.len)
		return -1;
	mode = h1_framing(msg, 1, 0, 0, os, &clen, &blen);
	h1_put_hstr(&o, msg, msg->method);
	h1_put(&o, " ", 1);
	if (msg->uri.len)
		h1_put_hstr(&o, msg, msg->uri);
	else
		h1_put(&o, "/", 1);
	h1_puts(&o, " HTTP/1.1\r\n");
	if (msg->authority.len || http_msg_find_hdr(msg, "host") < 0) {
		h1_puts(&o, "host: ");
		h1_put_hstr(&o, msg, msg->authority);
		h1_put(&o, "\r\n", 2);
	}
	h1_put_fields_and_body(&o, msg, msg->authority.len != 0, mode, clen,
			       blen, keep_alive, 0);
	return h1_out_end(&o);
}

int h1_emit_req(const struct http_msg *msg, struct buffer *out,
		int keep_alive)
{
	return h1_emit_req_os(msg, out, keep_alive, NULL);
}

int h1_start_req(const struct http_msg *msg, struct buffer *out,
		 int keep_alive, struct h1_ostate *os)
{
	return h1_emit_req_os(msg, out, keep_alive, os);
}

/*
 * h1_emit_resp - serialise a response as HTTP/1.1.
 * @msg:        the response, complete with @os NULL, as h1_emit_req()
 * @out:        where to append; grown as needed up to H1_MAX_OUT
 * @keep_alive: H1_KA_* bits; 0 adds "connection: close", H1_KA_KEEP |
 *              H1_KA_PEER_10 adds "connection: keep-alive"; H1_KA_PEER_10
 *              alone says the client is HTTP/1.0 (no chunked for it)
 * @os:         NULL, or where to say how the body goes on
 *
 * The reason phrase is msg->reason or the standard one. 1xx and 204 get no
 * Content-Length and no body; 304 and answers to HEAD (NO_BODY) get no
 * body and the original Content-Length if there was one; all others get
 * the framing of h1_emit_req() (a body still arriving without a length
 * is chunked, or delimited by the close for an HTTP/1.0 client, which
 * then gets "connection: close"). 1xx get no connection field.
 *
 * Return: 0, or -1 with @out as it was (bad status, or no room).
 * Context: any thread owning @msg and @out.
 */
static int h1_emit_resp_os(const struct http_msg *msg, struct buffer *out,
			   int keep_alive, struct h1_ostate *os)
{
	struct h1_out o = { out, out->data, 0 };
	int st = msg->status, interim, no_body, mode;
	uint64_t clen;
	size_t blen;

	if (st < 100 || st > 599)
		return -1;
	interim = st < 200;
	no_body = interim || st == 204 || st == 304 ||
		  (msg->flags & HTTP_MSGF_NO_BODY);
	mode = h1_framing(msg, 0, no_body, keep_alive & H1_KA_PEER_10, os,
			  &clen, &blen);
	if (no_body && !interim && st != 204 &&
	    (msg->flags & HTTP_MSGF_CLEN)) {
		mode = 1;	/* HEAD, 304: the length it would have */
		clen = msg->clen;
	}
	if (mode == 4)
		keep_alive &= ~H1_KA_KEEP;	/* the close ends the body */

	h1_puts(&o, "HTTP/1.1 ");
	h1_put_u64(&o, (uint64_t)st);
	h1_put(&o, " ", 1);
	if (msg->reason.len)
		h1_put_hstr(&o, msg, msg->reason);
	else
		h1_puts(&o, h1_reason(st));
	h1_put(&o, "\r\n", 2);
	h1_put_fields_and_body(&o, msg, 0, mode, clen, blen, keep_alive,
			       interim);
	return h1_out_end(&o);
}

int h1_emit_resp(const struct http_msg *msg, struct buffer *out,
		 int keep_alive)
{
	return h1_emit_resp_os(msg, out, keep_alive, NULL);
}

int h1_start_resp(const struct http_msg *msg, struct buffer *out,
		  int keep_alive, struct h1_ostate *os)
{
	return h1_emit_resp_os(msg, out, keep_alive, os);
}

/*
 * h1_emit_body - append body bytes of a message started by h1_start_req()
 * or h1_start_resp(), in its framing.
 * @out: where to append
 * @os:  the framing state (updated)
 * @p:   the bytes
 * @len: their number (> 0); in H1_OUT_CLEN no more than os->left
 *
 * Return: 0, or -1 with @out as it was.
 * Context: any thread owning @out.
 */
int h1_emit_body(struct buffer *out, struct h1_ostate *os, const char *p,
		 size_t len)
{
	struct h1_out o = { out, out->data, 0 };

	h1_put_body(&o, p, len, os->mode == H1_OUT_CHUNKED);
	if (h1_out_end(&o) < 0)
		return -1;
	os->sent += len;
	if (os->mode == H1_OUT_CLEN)
		os->left -= len;
	return 0;
}

/*
 * h1_emit_eom - end the body of a started message: the last chunk for a
 * chunked one, nothing otherwise.
 * Return: 0, or -1 with @out as it was.
 * Context: any thread owning @out.
 */
int h1_emit_eom(struct buffer *out, struct h1_ostate *os)
{
	struct h1_out o = { out, out->data, 0 };

	if (os->mode == H1_OUT_CHUNKED)
		h1_put(&o, "0\r\n\r\n", 5);
	return h1_out_end(&o);
}

/*
 * h1_emit_continue - append the interim "100 Continue" response.
 * @out: where to append
 *
 * Return: 0, or -1 with @out as it was.
 * Context: any thread owning @out.
 */
int h1_emit_continue(struct buffer *out)
{
	struct h1_out o = { out, out->data, 0 };

	h1_puts(&o, "HTTP/1.1 100 Continue\r\n\r\n");
	return h1_out_end(&o);
}

/*
 * h1_req_expects_continue - does request @msg ask for "100 Continue"?
 * @msg: a parsed request
 *
 * Return: the index of its "Expect: 100-continue" header (HTTP/1.1 only,
 * RFC 9110 10.1.1), else -1.
 * Context: any thread; pure.
 */
int h1_req_expects_continue(const struct http_msg *msg)
{
	int i = http_msg_find_hdr(msg, "expect");

	if (i < 0 || !(msg->flags & HTTP_MSGF_VER_11) ||
	    msg->hdr[i].v.len != 12 ||
	    strncasecmp(hstr_ptr(msg, msg->hdr[i].v), "100-continue", 12))
		return -1;
	return i;
}

/*
 * h1_emit_error - append a small complete error response.
 * @status: 100..599 (meant for 400, 404, 413, 414, 431, 500, 501, 502,
 *          503, 504, 505)
 * @out:    where to append
 * @close:  non-zero to add "connection: close"
 *
 * The body is one line of text, "<status> <reason>\n".
 *
 * Return: 0, or -1 with @out as it was.
 * Context: any thread owning @out.
 */
int h1_emit_error(int status, struct buffer *out, int close)
{
	struct h1_out o = { out, out->data, 0 };
	char body[96];
	int n;

	if (status < 100 || status > 599)
		return -1;
	n = snprintf(body, sizeof(body), "%d %s\n", status,
		     h1_reason(status));
	h1_puts(&o, "HTTP/1.1 ");
	h1_put(&o, body, (size_t)n - 1);
	h1_puts(&o, "\r\ncontent-type: text/plain\r\n"
		"cache-control: no-cache\r\ncontent-length: ");
	h1_put_u64(&o, (uint64_t)n);
	h1_puts(&o, close ? "\r\nconnection: close\r\n\r\n" : "\r\n\r\n");
	h1_put(&o, body, (size_t)n);
	return h1_out_end(&o);
}
