/*
 * stream-t.h - one HTTP transaction between a front and a back mux.
 */
#ifndef MUXLAB_STREAM_T_H
#define MUXLAB_STREAM_T_H

#include <stdint.h>
#include "http_msg-t.h"

struct task;
struct connection;
struct server;
struct proxy;

/* stream.flags */
#define SF_REQ_READY	0x0001	/* front mux delivered the request headers
				 * (the body follows in s->req.body) */
#define SF_RSP_READY	0x0002	/* back mux delivered the response headers
				 * (the body follows in s->rsp.body) */
#define SF_SRV_ERR	0x0004	/* back side failed: see err_status */
#define SF_CLI_GONE	0x0008	/* front side gone: abort */
#define SF_HEAD		0x0010	/* HEAD request: no response body */
#define SF_NOT_FIRST	0x0020	/* not the first request of the front conn */
#define SF_RESP_SENT	0x0040	/* handed to the front mux (it sends the
				 * body as the back side delivers it) */
#define SF_SRV_CLOSED	0x0080	/* with SF_SRV_ERR: the server closed or
				 * reset before the response headers. On
				 * an SF_NOT_FIRST request the client is
				 * closed without a response so that it
				 * retries (HAProxy abort_keep_alive) */
#define SF_SRV_REFUSED	0x0100	/* with SF_SRV_ERR: the server did not
				 * process the request (h2 REFUSED_STREAM,
				 * a stream above GOAWAY's last-stream-id,
				 * an idempotent H1 request met by a close
				 * before any response byte): it may be
				 * sent again (retries) */
#define SF_RETRY_NEW	0x0400	/* a retry: on a new connection (see
				 * connect_server()) */
#define SF_OWN_RSP	0x0200	/* the response is ours (an error): a server
				 * error no longer concerns it */

/* One request/response. Lives on the thread of its front connection; its
 * back connection is brought to that thread (reuse or takeover). */
struct stream {
	uint64_t id;			/* trace id, never reused */
	unsigned int flags;		/* SF_* */
	struct task *task;		/* runs process_stream() */
	struct proxy *fe;
	struct proxy *be;
	struct server *srv;
	int err_status;			/* 502/503/504 to send, or 0 */
	int retries;			/* sends left of a refused request */

	/* front endpoint */
	struct connection *fconn;
	void *fctx;			/* front mux stream (h1s, h2s) */
	/* back endpoint */
	struct connection *bconn;
	void *bctx;			/* back mux stream */

	struct http_msg req;
	struct http_msg rsp;
};

#endif /* MUXLAB_STREAM_T_H */
