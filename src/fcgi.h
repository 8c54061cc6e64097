/*
 * fcgi.h - FastCGI 1.0 record codec: pure functions over buffers.
 *
 * FastCGI (fastcgi.com specification, 1996) carries CGI requests to a
 * long-running application server over one connection. Everything travels
 * in records: an 8-byte header (version 1, type, request id, content
 * length, padding length), up to 65535 bytes of content, then padding.
 * A request is BEGIN_REQUEST, PARAMS records (the CGI environment as
 * name-value pairs, ended by an empty PARAMS), STDIN records (the body,
 * ended by an empty STDIN); the answer is STDOUT (a CGI response: header
 * lines, a blank line, the body), maybe STDERR, then END_REQUEST. Records
 * with request id 0 manage the connection: GET_VALUES asks whether the
 * application multiplexes requests on one connection (FCGI_MPXS_CONNS),
 * which decides whether mux_fcgi may put a connection in the "available"
 * list (HAProxy mux_fcgi.c does the same).
 *
 * Client side (mux_fcgi): fcgi_emit_begin_request, fcgi_emit_params,
 * fcgi_emit_stdin, fcgi_emit_get_values, fcgi_get_record, the STDOUT
 * accumulator, fcgi_parse_end_request, fcgi_parse_get_values_result.
 * Server side (the lab's FastCGI peer): fcgi_get_record,
 * fcgi_parse_begin_request, fcgi_nv_next, fcgi_emit_stdout,
 * fcgi_emit_end_request, fcgi_emit_get_values_result,
 * fcgi_emit_unknown_type.
 *
 * No I/O, no threads, no globals. Emitters append to a struct buffer and
 * either write everything or leave it as it was (return -1).
 */
#ifndef MUXLAB_FCGI_H
#define MUXLAB_FCGI_H

#include <stddef.h>
#include <stdint.h>

#include "buf-t.h"
#include "http_msg-t.h"

#define FCGI_VERSION_1		1
#define FCGI_HDR_LEN		8
#define FCGI_MAX_CONTENT	65535	/* content bytes in one record */
#define FCGI_NULL_REQUEST_ID	0	/* management records */

/* Output cap for the emitters: a whole request (body included) plus the
 * record overhead, on top of what may already be queued. */
#define FCGI_MAX_OUT		(HTTP_MAX_BODY + 8 * HTTP_MAX_HDR_SIZE)

/* record types */
enum fcgi_type {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_DATA = 8,
	FCGI_GET_VALUES = 9,
	FCGI_GET_VALUES_RESULT = 10,
	FCGI_UNKNOWN_TYPE = 11,
};

/* BEGIN_REQUEST roles */
enum fcgi_role {
	FCGI_RESPONDER = 1,
	FCGI_AUTHORIZER = 2,
	FCGI_FILTER = 3,
};

/* BEGIN_REQUEST flags */
#define FCGI_KEEP_CONN		0x01	/* do not close after this request */

/* END_REQUEST protocolStatus */
enum fcgi_proto_status {
	FCGI_REQUEST_COMPLETE = 0,
	FCGI_CANT_MPX_CONN = 1,
	FCGI_OVERLOADED = 2,
	FCGI_UNKNOWN_ROLE = 3,
};

/* A decoded record header. */
struct fcgi_hdr {
	uint8_t version;
	uint8_t type;		/* enum fcgi_type (other values possible) */
	uint16_t id;		/* request id, 0 for management records */
	uint16_t len;		/* content length */
	uint8_t padding;	/* padding length */
};

/* One name-value pair, pointing into the decoded stream. */
struct fcgi_nv {
	const char *n;
	size_t nlen;
	const char *v;
	size_t vlen;
};

/* Where the CGI environment comes from besides the request itself.
 * Strings are NUL-terminated; NULL means "derive or omit" as noted. */
struct fcgi_params_ctx {
	const char *docroot;		/* DOCUMENT_ROOT; SCRIPT_FILENAME is
					 * docroot + SCRIPT_NAME ("" if NULL) */
	const char *index;		/* appended to a path ending in '/'
					 * (e.g. "index.php"), may be NULL */
	const char *server_name;	/* SERVER_NAME; NULL: host part of the
					 * request authority */
	unsigned int server_port;	/* SERVER_PORT */
	const char *server_addr;	/* SERVER_ADDR, omitted if NULL */
	const char *remote_addr;	/* REMOTE_ADDR, omitted if NULL */
	unsigned int remote_port;	/* REMOTE_PORT */
	const char *software;		/* SERVER_SOFTWARE; NULL: "muxlab" */
	int https;			/* add HTTPS=on */
};

/* Values learned from GET_VALUES_RESULT; -1 when not answered. */
struct fcgi_values {
	long max_conns;			/* FCGI_MAX_CONNS */
	long max_reqs;			/* FCGI_MAX_REQS */
	long mpxs_conns;		/* FCGI_MPXS_CONNS (0 or 1) */
};

/* STDOUT accumulator state (client side). */
enum fcgi_stdout_state {
	FCGI_SO_HDRS = 0,	/* collecting CGI header lines */
	FCGI_SO_BODY,		/* headers done, the rest is body */
	FCGI_SO_DONE,		/* fcgi_stdout_end() accepted the message */
	FCGI_SO_ERROR,		/* a previous call failed */
};

struct fcgi_stdout {
	enum fcgi_stdout_state state;
	struct buffer hdrs;		/* header bytes seen so far */
};

/* ---- record layer ---- */

/* Write the 8 header bytes of <h> (version forced to 1) at <p>. */
void fcgi_encode_hdr(char *p, const struct fcgi_hdr *h);

/* Decode a record header: 0 if fewer than 8 bytes, 8 when decoded, -1 if
 * the version is not 1. */
int fcgi_decode_hdr(const char *p, size_t len, struct fcgi_hdr *h);

/* Find a whole record at <p>: returns its full size (header, content,
 * padding) with <h> and *content set, 0 if incomplete, -1 if bad. */
int fcgi_get_record(const char *p, size_t len, struct fcgi_hdr *h,
		    const char **content);

/* Append one record (content <= FCGI_MAX_CONTENT, padded to 8). 0 / -1. */
int fcgi_emit_record(struct buffer *out, uint8_t type, uint16_t id,
		     const void *content, size_t len);

/* ---- name-value pairs ---- */

/* Append one encoded pair (1-byte length if < 128, else 4 bytes). */
int fcgi_nv_encode(struct buffer *out, const char *n, size_t nlen,
		   const char *v, size_t vlen, size_t max);

/* Iterate over a complete name-value stream: 1 with <nv> set and *off
 * advanced, 0 at the end, -1 if the rest is not a whole pair. */
int fcgi_nv_next(const char *p, size_t len, size_t *off, struct fcgi_nv *nv);

/* ---- client side: requests ---- */

int fcgi_emit_begin_request(struct buffer *out, uint16_t id, uint16_t role,
			    int keep_conn);
int fcgi_emit_params(struct buffer *out, uint16_t id,
		     const struct http_msg *req,
		     const struct fcgi_params_ctx *ctx);
int fcgi_emit_stdin(struct buffer *out, uint16_t id, const char *data,
		    size_t len);
int fcgi_emit_abort_request(struct buffer *out, uint16_t id);
int fcgi_emit_get_values(struct buffer *out);

/* ---- client side: answers ---- */

int fcgi_parse_end_request(const char *content, size_t len,
			   uint32_t *app_status, uint8_t *proto_status);
int fcgi_parse_get_values_result(const char *content, size_t len,
				 struct fcgi_values *v);

void fcgi_stdout_init(struct fcgi_stdout *so);
void fcgi_stdout_free(struct fcgi_stdout *so);
int fcgi_stdout_feed(struct fcgi_stdout *so, const char *p, size_t len,
		     struct http_msg *rsp);
int fcgi_stdout_end(struct fcgi_stdout *so, struct http_msg *rsp);

/* ---- server side (lab peer) ---- */

int fcgi_parse_begin_request(const char *content, size_t len,
			     uint16_t *role, int *keep_conn);
int fcgi_emit_stdout(struct buffer *out, uint16_t id, const char *data,
		     size_t len);
int fcgi_emit_end_request(struct buffer *out, uint16_t id,
			  uint32_t app_status, uint8_t proto_status);
int fcgi_emit_get_values_result(struct buffer *out, const char *query,
				size_t qlen, const struct fcgi_values *v);
int fcgi_emit_unknown_type(struct buffer *out, uint8_t type);

#endif /* MUXLAB_FCGI_H */
