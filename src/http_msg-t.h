/*
 * http_msg-t.h - one HTTP message, independent of the wire format (types).
 *
 * Every mux converts between its wire protocol and this structure: mux_h1
 * parses and writes HTTP/1.1, mux_h2 HEADERS/DATA frames (HPACK), mux_fcgi
 * PARAMS/STDOUT records. The stream moves it from the front mux to the back
 * mux and the response the other way. It plays the role of HAProxy's HTX,
 * in a much simpler form: the whole message (headers and de-chunked body)
 * is held in memory before it is forwarded. HAProxy streams bodies through
 * fixed-size buffers instead; the lab's responses are small.
 *
 * Strings are (offset, length) pairs into <store>, so the store may grow
 * (realloc) without invalidating them. They are not NUL-terminated.
 */
#ifndef MUXLAB_HTTP_MSG_T_H
#define MUXLAB_HTTP_MSG_T_H

#include <stdint.h>
#include "buf-t.h"

#define HTTP_MAX_HDRS		64
#define HTTP_MAX_HDR_SIZE	16384		/* request/status line + headers */
#define HTTP_MAX_BODY		(1024 * 1024)	/* larger gets 413 / 502 */

/* a string inside http_msg.store */
struct hstr {
	uint32_t off;
	uint32_t len;
};

struct http_hdr {
	struct hstr n;	/* name, lower-cased by the parsers */
	struct hstr v;	/* value, without surrounding spaces */
};

/* http_msg.flags */
#define HTTP_MSGF_RESP		0x00000001 /* a response (else a request) */
#define HTTP_MSGF_VER_11	0x00000002 /* HTTP/1.1 or later on the wire */
#define HTTP_MSGF_CLEN		0x00000004 /* had a Content-Length */
#define HTTP_MSGF_CHUNKED	0x00000008 /* had Transfer-Encoding: chunked */
#define HTTP_MSGF_CONN_CLOSE	0x00000010 /* Connection: close (or HTTP/1.0) */
#define HTTP_MSGF_HDRS_DONE	0x00000020 /* all headers parsed */
#define HTTP_MSGF_BODY_DONE	0x00000040 /* body complete: message complete */
#define HTTP_MSGF_NO_BODY	0x00000080 /* HEAD response, 204, 304 */

struct http_msg {
	unsigned int flags;		/* HTTP_MSGF_* */
	int status;			/* response status code */
	struct hstr method;		/* request method */
	struct hstr uri;		/* request target (path and query) */
	struct hstr authority;		/* Host / :authority, may be empty */
	struct hstr reason;		/* response reason phrase */
	uint64_t clen;			/* Content-Length value if CLEN */
	int nb_hdrs;
	struct http_hdr hdr[HTTP_MAX_HDRS];	/* excluding hop-by-hop ones
						 * (connection, keep-alive,
						 * transfer-encoding, te,
						 * upgrade, proxy-connection)
						 * and content-length */
	struct buffer store;		/* backing bytes of all hstr */
	struct buffer body;		/* the body, de-chunked */
};

#endif /* MUXLAB_HTTP_MSG_T_H */
