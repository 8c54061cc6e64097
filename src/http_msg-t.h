/*
 * http_msg-t.h - one HTTP message, independent of the wire format (types).
 *
 * Every mux converts between its wire protocol and this structure: mux_h1
 * parses and writes HTTP/1.1, mux_h2 HEADERS/DATA frames (HPACK), mux_fcgi
 * PARAMS/STDOUT records. The stream moves it from the front mux to the back
 * mux and the response the other way. It plays the role of HAProxy's HTX,
 * in a simpler form: the headers are held whole (they must be, to be
 * re-encoded), the de-chunked body flows through <body>, a bounded FIFO:
 *
 *	producer (the mux that receives the message) appends while
 *	  http_body_room() says there is room (tune.bufsize, HAProxy's
 *	  default 16384), else sets HTTP_MSGF_WAIT_ROOM and stops reading;
 *	  HTTP_MSGF_BODY_DONE once the last byte is in
 *	consumer (the mux that sends it) takes http_body_avail() bytes from
 *	  http_body_ptr() and calls http_body_forwarded(); the message has
 *	  fully left once http_msg_eom() is true
 *
 * and the stream wakes one side when the other made data or room (see
 * stream.c). A message whose body is complete before its first byte is
 * forwarded is kept whole (HTTP_MSGF_KEEP): a request may then be sent
 * again on another connection (retries), as HAProxy's L7 retries need the
 * request to fit in its buffer.
 *
 * With http_bufsize 0 (the peers and the codec tests) a body is instead
 * collected whole, up to HTTP_MAX_BODY.
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
#define HTTP_MAX_BODY		(1024 * 1024)	/* whole messages (http_bufsize
						 * 0): larger gets 413 / 502 */
#define HTTP_BUFSIZE_DEF	16384		/* tune.bufsize default */
#define HTTP_BUFSIZE_MIN	1024
#define HTTP_BUFSIZE_MAX	(1024 * 1024)
/* A producer appends one unit (an H2 DATA frame, a FastCGI record) while
 * the body holds less than tune.bufsize, so the body may hold up to this
 * much more: a record, and the bytes that followed the CGI headers in the
 * record that ended them (HAProxy demuxes frames and records partially
 * instead). */
#define HTTP_BODY_SLACK		(65535 + HTTP_MAX_HDR_SIZE + 256)

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
#define HTTP_MSGF_WAIT_ROOM	0x00000100 /* the producer stopped: body full;
					    * the consumer wakes it */
#define HTTP_MSGF_KEEP		0x00000200 /* forwarded bytes are kept (body
					    * complete at its first send:
					    * the request may be resent) */
#define HTTP_MSGF_BODY_CUT	0x00000400 /* forwarded bytes were dropped:
					    * the message cannot be resent */

struct http_msg {
	unsigned int flags;		/* HTTP_MSGF_* */
	int status;			/* response status code */
	struct hstr method;		/* request method */
	struct hstr uri;		/* request target (path and query) */
	struct hstr authority;		/* Host / :authority, may be empty */
	struct hstr reason;		/* response reason phrase */
	uint64_t clen;			/* Content-Length value if CLEN */
	uint32_t body_fwd;		/* KEEP: body bytes already forwarded
					 * (still at the head of <body>) */
	int nb_hdrs;
	struct http_hdr hdr[HTTP_MAX_HDRS];	/* excluding hop-by-hop ones
						 * (connection, keep-alive,
						 * transfer-encoding, te,
						 * upgrade, proxy-connection)
						 * and content-length */
	struct buffer store;		/* backing bytes of all hstr */
	struct buffer body;		/* the body, de-chunked: what was
					 * received and not yet forwarded */
};

#endif /* MUXLAB_HTTP_MSG_T_H */
