/*
 * h1.h - HTTP/1.1 codec: pure functions between bytes and struct http_msg.
 *
 * No I/O, no threads, no globals: every function works on the buffers it is
 * given and may be called from any thread on objects that thread owns. The
 * mux (mux_h1.c) owns the sockets and the buffers; this codec only tells it
 * how many bytes form a message and what they mean.
 *
 * Receiving a message, as mux_h1 does it:
 *
 *	http_msg_reset(msg, is_resp);
 *	if (is_resp && h1_req_is_head(req))
 *		h1_rsp_set_no_body(msg);	// the answer to HEAD has no body
 *	ret = h1_parse_hdrs(b_head(ibuf), b_data(ibuf), msg, &status);
 *	// 0: wait for more bytes and call again with the whole buffer
 *	// <0: reject with <status> (h1_emit_error) and close
 *	// >0: b_del(ibuf, ret), then:
 *	h1_body_init(&body, msg);
 *	while (!h1_body_done(&body)) {
 *		ret = h1_body_feed(&body, b_head(ibuf), b_data(ibuf), msg);
 *		// <0: reject with body.err_status; else b_del(ibuf, ret)
 *		// and wait for more bytes (or h1_body_eof() on read0)
 *	}
 *
 * The header parser is restartable but stateless: it re-reads the message
 * from its first byte on each call, so the caller simply keeps the bytes
 * until the parser accepts them. It never consumes past the empty line
 * that ends the headers and the body decoder never past the end of the
 * body, so pipelined requests stay in the buffer for the next round.
 *
 * Sending: h1_emit_req()/h1_emit_resp() serialise a complete message with
 * a Content-Length (the peers, the tests). The engine streams: it starts a
 * message with h1_start_req()/h1_start_resp(), which choose the framing
 * (the length if known, else chunked, or the close for an HTTP/1.0
 * client) and send the body bytes at hand, then h1_emit_body() for each
 * later part and h1_emit_eom() at the end.
 */
#ifndef MUXLAB_H1_H
#define MUXLAB_H1_H

#include <stddef.h>
#include <stdint.h>

#include "buf-t.h"
#include "http_msg-t.h"

/* Longest request line (method, target, version) accepted; longer gets 414.
 * Longest status line for responses, longer is a bad response. */
#define H1_MAX_LINE		8192

/* Largest header section (start line to empty line included); longer gets
 * 431. It is the same limit as the store of struct http_msg. */
#define H1_MAX_HDRS_LEN		HTTP_MAX_HDR_SIZE

/* Largest chunk-size line or trailer section accepted by the decoder. */
#define H1_MAX_CHUNK_LINE	4096

/* Output cap used by the emitters when growing <out>: a whole message plus
 * what may already be queued in front of it. The engine's muxes keep far
 * less: they only add body bytes while their obuf is under its mark. */
#define H1_MAX_OUT		(HTTP_MAX_BODY + 4 * HTTP_MAX_HDR_SIZE)

/* How a started message's body goes on the wire (struct h1_ostate.mode). */
enum h1_out_mode {
	H1_OUT_NONE = 0,	/* no body */
	H1_OUT_CLEN,		/* content-length: <left> bytes still to go */
	H1_OUT_CHUNKED,		/* chunked */
	H1_OUT_CLOSE,		/* until the close (HTTP/1.0 client) */
};

/* Sending state of one message (h1_start_req() .. h1_emit_eom()). */
struct h1_ostate {
	enum h1_out_mode mode;
	uint64_t left;		/* H1_OUT_CLEN: bytes the length still owes */
	uint64_t sent;		/* body bytes emitted so far */
};

/* h1_emit_req() / h1_emit_resp() <keep_alive> bits. A plain boolean works:
 * 0 asks the peer to close, 1 to keep the connection open. */
#define H1_KA_KEEP		0x1	/* keep the connection open */
#define H1_KA_PEER_10		0x2	/* the peer spoke HTTP/1.0: announce
					 * keep-alive explicitly */

/* How the body of a message is delimited (struct h1_body.mode). */
enum h1_body_mode {
	H1_BODY_NONE = 0,	/* no body at all */
	H1_BODY_CLEN,		/* Content-Length bytes */
	H1_BODY_CHUNKED,	/* chunked transfer coding */
	H1_BODY_CLOSE,		/* response read until the server closes */
};

/* Decoder state for chunked bodies (struct h1_body.state). */
enum h1_chunk_state {
	H1_CH_SIZE = 0,		/* reading the hex digits of a size line */
	H1_CH_SIZE_WS,		/* after the size: spaces before ';' or CR */
	H1_CH_SIZE_EXT,		/* inside chunk extensions (ignored) */
	H1_CH_SIZE_LF,		/* size line: got CR, want LF */
	H1_CH_DATA,		/* inside chunk data */
	H1_CH_DATA_CR,		/* after chunk data: want CR */
	H1_CH_DATA_LF,		/* after chunk data: want LF */
	H1_CH_TRL_START,	/* start of a trailer line or of the final CRLF */
	H1_CH_TRL_LINE,		/* inside a trailer line (discarded) */
	H1_CH_TRL_LF,		/* trailer line: got CR, want LF */
	H1_CH_END_LF,		/* final empty line: got CR, want LF */
	H1_CH_DONE,		/* body complete */
};

/* Incremental body decoder. Owned by whoever owns the message; reset with
 * h1_body_init() for every message. */
struct h1_body {
	enum h1_body_mode mode;		/* how the body is delimited */
	enum h1_chunk_state state;	/* chunked: where we are */
	uint64_t left;			/* CLEN: bytes still expected;
					 * CHUNKED: bytes left in this chunk */
	unsigned int nb_digits;		/* CHUNKED: hex digits in size line */
	unsigned int line_len;		/* CHUNKED: bytes of the current size
					 * line or of the trailer section */
	int done;			/* the body is complete */
	int err_status;			/* after a -1: 400 (bad framing) or
					 * 413 (too large); for a response
					 * the caller answers 502 instead */
};

/* Parse the start line and header fields of a message. <msg> must have
 * been reset by the caller (http_msg_reset) with the right direction; a
 * response that answers a HEAD request must have been marked with
 * h1_rsp_set_no_body() before the first call. Returns the length of the
 * header section (>0) when complete, 0 when more bytes are needed, -1 when
 * malformed with *err_status set (400, 414, 431, 501, 505 for requests, 502
 * for responses). Details and the exact rules are in h1.c. */
int h1_parse_hdrs(const char *buf, size_t len, struct http_msg *msg,
		  int *err_status);

/* Set up <b> to decode the body announced by the parsed headers of <msg>.
 * Marks <msg> HTTP_MSGF_BODY_DONE at once when there is no body. */
void h1_body_init(struct h1_body *b, struct http_msg *msg);

/* Decode body bytes from <buf>, append them to msg->body. Returns the number
 * of bytes consumed (never past the end of the body), or -1 on bad chunked
 * framing or a whole message over HTTP_MAX_BODY (see b->err_status). When
 * streaming (http_bufsize) it stops where the body FIFO is full and never
 * fails for the size. Call it once right after h1_body_init() even with no
 * bytes: for a whole message an announced Content-Length over
 * HTTP_MAX_BODY is reported at once (413). */
int h1_body_feed(struct h1_body *b, const char *buf, size_t len,
		 struct http_msg *msg);

/* Is the body complete? (msg->flags also has HTTP_MSGF_BODY_DONE then.) */
static inline int h1_body_done(const struct h1_body *b)
{
	return b->done;
}

/* The peer closed. Completes an until-close body (returns 0); returns -1 if
 * the close truncated a body of any other kind, 0 if it was already done. */
int h1_body_eof(struct h1_body *b, struct http_msg *msg);

/* Does the request <req> use the HEAD method? */
int h1_req_is_head(const struct http_msg *req);

/* Mark the reset response <rsp> as answering a HEAD request: it carries no
 * body whatever its headers say. Call before h1_parse_hdrs(). */
static inline void h1_rsp_set_no_body(struct http_msg *rsp)
{
	rsp->flags |= HTTP_MSGF_NO_BODY;
}

/* Should the connection be closed after this exchange? True if either
 * message asked for it or if the response body ends with the close. */
int h1_must_close(const struct http_msg *req, const struct http_msg *rsp);

/* Append the HTTP/1.1 request <msg> (start line, stored headers, Host from
 * the authority if no host header, Content-Length, body) to <out>. Returns
 * 0, or -1 with <out> unchanged if it would grow beyond H1_MAX_OUT. */
int h1_emit_req(const struct http_msg *msg, struct buffer *out,
		int keep_alive);

/* Append the response <msg> to <out>, same rules as h1_emit_req(). */
int h1_emit_resp(const struct http_msg *msg, struct buffer *out,
		 int keep_alive);

/* Start a message whose body may still be arriving: headers with the
 * framing chosen from what <msg> knows, then the body bytes at hand
 * (os->sent of them: the caller marks them forwarded). 0 or -1. */
int h1_start_req(const struct http_msg *msg, struct buffer *out,
		 int keep_alive, struct h1_ostate *os);
int h1_start_resp(const struct http_msg *msg, struct buffer *out,
		  int keep_alive, struct h1_ostate *os);

/* Body bytes of a started message, in its framing; the end of it. */
int h1_emit_body(struct buffer *out, struct h1_ostate *os, const char *p,
		 size_t len);
int h1_emit_eom(struct buffer *out, struct h1_ostate *os);

/* Append a small complete error response (status 100..599; text body).
 * Adds "connection: close" when <close>. Returns 0 or -1. */
int h1_emit_error(int status, struct buffer *out, int close);

/* Append "HTTP/1.1 100 Continue" (an interim response, RFC 9110 15.2.1)
 * to <out>. 0, or -1 (nothing appended) if <out> has no room. */
int h1_emit_continue(struct buffer *out);

/* Does request <msg> (HTTP/1.1) carry "Expect: 100-continue"? Returns the
 * header's index, else -1. */
int h1_req_expects_continue(const struct http_msg *msg);

/* Standard reason phrase for <status> ("Unknown" if none). */
const char *h1_reason(int status);

#endif /* MUXLAB_H1_H */
