/*
 * h2.h - HTTP/2 framing (RFC 9113) and an HPACK wrapper (RFC 7541).
 *
 * What is here: the connection preface, the 9-byte frame header, one
 * builder per frame type the lab sends, one validator/parser per frame
 * type it receives, SETTINGS handling, flow-control window arithmetic, the
 * accumulation of a field block split over HEADERS + CONTINUATION, and the
 * conversion between a field block and struct http_msg through nghttp2's
 * HPACK codec (nghttp2_hd_*; the nghttp2 session layer is not used: the
 * framing is ours, so students can read it).
 *
 * What is not here: stream states, flow-control bookkeeping, priorities,
 * which frame may arrive when. Those belong to mux_h2.c, which owns the
 * connection; every function here is pure (a struct h2_hpack is the only
 * state, and it belongs to one connection).
 *
 * Errors. RFC 9113 distinguishes connection errors (send GOAWAY with the
 * code and close) from stream errors (send RST_STREAM with the code on
 * that stream and carry on). Every parser reports both the code and the
 * scope in a struct h2_error; the RFC section is cited next to each check
 * in h2.c.
 *
 * Byte order is network order throughout; buffers are uint8_t here and
 * char in struct buffer, cast at the boundary.
 */
#ifndef MUXLAB_H2_H
#define MUXLAB_H2_H

#include <stddef.h>
#include <stdint.h>

#include "buf-t.h"
#include "http_msg-t.h"

/* client connection preface (RFC 9113 3.4) */
#define H2_PREFACE		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN		24

#define H2_FH_LEN		9		/* frame header */
#define H2_MIN_FRAME_SIZE	16384		/* also the default */
#define H2_MAX_FRAME_SIZE	16777215	/* 2^24 - 1 */
#define H2_DEFAULT_WINDOW	65535
#define H2_MAX_WINDOW		0x7fffffff	/* 2^31 - 1 */
#define H2_DEFAULT_TABLE_SIZE	4096		/* HPACK dynamic table */

/* Largest field block (sum of HEADERS + CONTINUATION fragments) that the
 * accumulator keeps; larger is a connection error (ENHANCE_YOUR_CALM). */
#define H2_MAX_HBLOCK		(2 * HTTP_MAX_HDR_SIZE)

/* Output cap for the frame builders, on top of what is queued. */
#define H2_MAX_OUT		(HTTP_MAX_BODY + 8 * HTTP_MAX_HDR_SIZE)

/* frame types (RFC 9113 6) */
enum h2_ftype {
	H2_FT_DATA = 0,
	H2_FT_HEADERS = 1,
	H2_FT_PRIORITY = 2,
	H2_FT_RST_STREAM = 3,
	H2_FT_SETTINGS = 4,
	H2_FT_PUSH_PROMISE = 5,
	H2_FT_PING = 6,
	H2_FT_GOAWAY = 7,
	H2_FT_WINDOW_UPDATE = 8,
	H2_FT_CONTINUATION = 9,
};

/* frame flags */
#define H2_F_END_STREAM		0x01	/* DATA, HEADERS */
#define H2_F_ACK		0x01	/* SETTINGS, PING */
#define H2_F_END_HEADERS	0x04	/* HEADERS, CONTINUATION */
#define H2_F_PADDED		0x08	/* DATA, HEADERS */
#define H2_F_PRIORITY		0x20	/* HEADERS */

/* error codes (RFC 9113 7) */
enum h2_err {
	H2_ERR_NO_ERROR = 0x0,
	H2_ERR_PROTOCOL_ERROR = 0x1,
	H2_ERR_INTERNAL_ERROR = 0x2,
	H2_ERR_FLOW_CONTROL_ERROR = 0x3,
	H2_ERR_SETTINGS_TIMEOUT = 0x4,
	H2_ERR_STREAM_CLOSED = 0x5,
	H2_ERR_FRAME_SIZE_ERROR = 0x6,
	H2_ERR_REFUSED_STREAM = 0x7,
	H2_ERR_CANCEL = 0x8,
	H2_ERR_COMPRESSION_ERROR = 0x9,
	H2_ERR_CONNECT_ERROR = 0xa,
	H2_ERR_ENHANCE_YOUR_CALM = 0xb,
	H2_ERR_INADEQUATE_SECURITY = 0xc,
	H2_ERR_HTTP_1_1_REQUIRED = 0xd,
};

/* SETTINGS identifiers (RFC 9113 6.5.2) */
enum h2_setting_id {
	H2_SET_HEADER_TABLE_SIZE = 0x1,
	H2_SET_ENABLE_PUSH = 0x2,
	H2_SET_MAX_CONCURRENT_STREAMS = 0x3,
	H2_SET_INITIAL_WINDOW_SIZE = 0x4,
	H2_SET_MAX_FRAME_SIZE = 0x5,
	H2_SET_MAX_HEADER_LIST_SIZE = 0x6,
};

/* A decoded frame header. */
struct h2_fh {
	uint32_t len;		/* payload length (24 bits) */
	uint8_t type;		/* enum h2_ftype, or unknown */
	uint8_t flags;		/* H2_F_* */
	uint32_t sid;		/* stream id (31 bits, R bit dropped) */
};

/* What went wrong, and how far the damage goes. */
struct h2_error {
	enum h2_err code;	/* H2_ERR_NO_ERROR if nothing */
	int stream;		/* 1: stream error (RST_STREAM on fh.sid),
				 * 0: connection error (GOAWAY) */
};

/* One connection side's settings; h2_settings_init() gives the RFC's
 * initial values, which apply until the peer's SETTINGS arrive. */
struct h2_settings {
	uint32_t header_table_size;	/* 4096 */
	uint32_t enable_push;		/* 1 */
	uint32_t max_concurrent_streams;	/* unlimited: UINT32_MAX */
	uint32_t initial_window_size;	/* 65535 */
	uint32_t max_frame_size;	/* 16384 */
	uint32_t max_header_list_size;	/* unlimited: UINT32_MAX */
};

/* One SETTINGS parameter to send. */
struct h2_setting {
	uint16_t id;			/* enum h2_setting_id */
	uint32_t value;
};

/* Payload of a GOAWAY. */
struct h2_goaway {
	uint32_t last_sid;
	uint32_t code;			/* enum h2_err, or unknown */
	const uint8_t *debug;		/* debug data, points into the frame */
	uint32_t debug_len;
};

/* Field block being accumulated from HEADERS + CONTINUATION frames. */
struct h2_hblock {
	struct buffer buf;		/* concatenated fragments */
	uint32_t sid;			/* its stream, 0 when idle */
	int end_stream;			/* the HEADERS had END_STREAM */
	int complete;			/* END_HEADERS seen: buf is whole */
	enum h2_err stream_err;		/* the HEADERS frame carried a stream
					 * error (self-dependency): decode
					 * the block anyway (HPACK state),
					 * then RST_STREAM with this code */
};

/* HPACK state of one connection: our encoder, our decoder. The nghttp2
 * types stay opaque here so that including h2.h needs no nghttp2 header;
 * only h2.c and the final link need libnghttp2. */
struct nghttp2_hd_deflater;
struct nghttp2_hd_inflater;

struct h2_hpack {
	struct nghttp2_hd_deflater *deflater;	/* for what we send */
	struct nghttp2_hd_inflater *inflater;	/* for what we receive */
};

/* h2_hpack_decode() results */
#define H2_HPACK_OK		0
#define H2_HPACK_MALFORMED	-1	/* stream error PROTOCOL_ERROR */
#define H2_HPACK_TOO_LARGE	-2	/* stream error (may answer 431) */
#define H2_HPACK_COMPRESSION	-3	/* connection error COMPRESSION_ERROR */

/* ---- preface and frame header ---- */

/* Check the client preface: 0 need more, H2_PREFACE_LEN ok, -1 not h2. */
int h2_check_preface(const uint8_t *p, size_t len);
int h2_emit_preface(struct buffer *out);

void h2_encode_fh(uint8_t *p, const struct h2_fh *fh);
/* 0 if fewer than 9 bytes, else 9 with <fh> filled. */
int h2_decode_fh(const uint8_t *p, size_t len, struct h2_fh *fh);

/* Locate a whole frame: its total size (9 + payload) with <fh> and
 * *payload set, 0 if incomplete, -1 with <err> if the length exceeds
 * <max_frame> (our SETTINGS_MAX_FRAME_SIZE). */
int h2_get_frame(const uint8_t *p, size_t len, uint32_t max_frame,
		 struct h2_fh *fh, const uint8_t **payload,
		 struct h2_error *err);

/* Stateless checks of any received frame: stream id zero or not, fixed
 * payload sizes, PUSH_PROMISE refused. 0, or -1 with <err>. Unknown
 * frame types pass (they must be ignored). */
int h2_check_frame(const struct h2_fh *fh, const uint8_t *payload,
		   struct h2_error *err);

/* ---- per-frame payload parsers (each also runs h2_check_frame) ---- */

int h2_parse_data(const struct h2_fh *fh, const uint8_t *payload,
		  const uint8_t **data, uint32_t *dlen, struct h2_error *err);
int h2_parse_headers(const struct h2_fh *fh, const uint8_t *payload,
		     const uint8_t **frag, uint32_t *flen,
		     struct h2_error *err);
int h2_parse_priority(const struct h2_fh *fh, const uint8_t *payload,
		      struct h2_error *err);
int h2_parse_rst_stream(const struct h2_fh *fh, const uint8_t *payload,
			uint32_t *code, struct h2_error *err);
int h2_parse_settings(const struct h2_fh *fh, const uint8_t *payload,
		      struct h2_settings *s, struct h2_error *err);
int h2_parse_ping(const struct h2_fh *fh, const uint8_t *payload,
		  uint8_t opaque[8], struct h2_error *err);
int h2_parse_goaway(const struct h2_fh *fh, const uint8_t *payload,
		    struct h2_goaway *ga, struct h2_error *err);
int h2_parse_window_update(const struct h2_fh *fh, const uint8_t *payload,
			   uint32_t *inc, struct h2_error *err);

/* ---- settings and windows ---- */

void h2_settings_init(struct h2_settings *s);
/* Validate and apply one parameter; unknown ids are ignored. */
int h2_settings_apply(struct h2_settings *s, uint16_t id, uint32_t value,
		      struct h2_error *err);
/* window += inc (WINDOW_UPDATE); -1 with FLOW_CONTROL_ERROR (stream
 * scope if <sid>) if it would pass 2^31-1. */
int h2_window_inc(int32_t *window, uint32_t inc, uint32_t sid,
		  struct h2_error *err);
/* window += new_initial - old_initial (SETTINGS_INITIAL_WINDOW_SIZE
 * change, may go negative); -1 with a connection FLOW_CONTROL_ERROR if it
 * would pass 2^31-1. */
int h2_window_adjust(int32_t *window, uint32_t old_initial,
		     uint32_t new_initial, struct h2_error *err);

/* ---- frame builders: 0, or -1 with <out> unchanged ---- */

int h2_emit_settings(struct buffer *out, const struct h2_setting *set,
		     int nb);
int h2_emit_settings_ack(struct buffer *out);
int h2_emit_headers(struct buffer *out, uint32_t sid, const uint8_t *block,
		    size_t len, int end_stream, uint32_t max_frame);
int h2_emit_data(struct buffer *out, uint32_t sid, const uint8_t *data,
		 size_t len, int end_stream, uint32_t max_frame);
int h2_emit_window_update(struct buffer *out, uint32_t sid, uint32_t inc);
int h2_emit_ping(struct buffer *out, const uint8_t opaque[8], int ack);
int h2_emit_rst_stream(struct buffer *out, uint32_t sid, uint32_t code);
int h2_emit_goaway(struct buffer *out, uint32_t last_sid, uint32_t code,
		   const void *debug, size_t dlen);

/* ---- field block accumulation ---- */

void h2_hblock_init(struct h2_hblock *hb);
void h2_hblock_free(struct h2_hblock *hb);
/* Forget the completed block (keeps the storage). */
void h2_hblock_reset(struct h2_hblock *hb);
/* Offer every received frame, in order. Returns 0 if the frame is not
 * part of a field block (handle it normally), 1 if a fragment was stored
 * and more CONTINUATION must follow, 2 if the block is complete
 * (hb->buf, hb->sid, hb->end_stream), -1 with <err> on a sequencing
 * error (connection PROTOCOL_ERROR) or an oversized block. */
int h2_hblock_feed(struct h2_hblock *hb, const struct h2_fh *fh,
		   const uint8_t *payload, struct h2_error *err);

/* ---- HPACK ---- */

int h2_hpack_init(struct h2_hpack *hp);
void h2_hpack_free(struct h2_hpack *hp);
/* The peer's SETTINGS_HEADER_TABLE_SIZE: bound our encoder's table. */
int h2_hpack_set_peer_table_size(struct h2_hpack *hp, uint32_t size);
int h2_hpack_encode_req(struct h2_hpack *hp, const struct http_msg *msg,
			struct buffer *out);
int h2_hpack_encode_resp(struct h2_hpack *hp, const struct http_msg *msg,
			 struct buffer *out);
int h2_hpack_decode(struct h2_hpack *hp, const uint8_t *block, size_t len,
		    struct http_msg *msg, int is_resp);
/* Map an h2_hpack_decode() result to the error to send. */
void h2_hpack_error(int ret, struct h2_error *err);

#endif /* MUXLAB_H2_H */
