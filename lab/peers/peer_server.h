/*
 * peer_server.h - peer-server internals shared by its protocol handlers.
 *
 * peer-server is the lab's backend: one process, N event-loop threads that
 * all accept from the same listening socket, one struct srv_conn per
 * accepted connection. The core (peer_server.c) does the socket work:
 * reading into <in>, writing <out>, the keep-alive idle timer, the lingering
 * close. A protocol handler (peer_srv_h1.c, peer_srv_h2.c, peer_srv_fcgi.c)
 * turns <in> into requests and queues responses into <out>; it never touches
 * the socket.
 *
 * The knob that matters most for the lesson is the idle timer: when a
 * connection has had nothing to do for --keepalive-timeout ms, the server
 * closes it (h2: GOAWAY first). On the engine side that connection sits in
 * an idle pool, and the close is what wakes its I/O tasklet while nobody
 * uses it: the path e388f2fbc made cheap with TASK_F_USR1.
 *
 * Everything in a srv_conn belongs to the thread whose loop accepted it.
 */
#ifndef MUXLAB_PEER_SERVER_H
#define MUXLAB_PEER_SERVER_H

#include <pthread.h>
#include <stdint.h>
#include <netinet/in.h>

#include "buf-t.h"
#include "list.h"
#include "peer.h"

/* input is read in steps of this size, and never held beyond SRV_IN_MAX */
#define SRV_IN_STEP	16384
#define SRV_IN_MAX	(256 * 1024)
/* a handler produces output until <out> holds this much, then waits */
#define SRV_OUT_HIGH	(256 * 1024)
/* hard cap of <out>: one full response (H1_MAX_OUT) plus frame overhead */
#define SRV_OUT_MAX	(4 * 1024 * 1024)
/* after our FIN, how long we wait for the client's before closing */
#define SRV_LINGER_MS	1000

enum srv_proto_id {
	SRV_PROTO_H1 = 0,
	SRV_PROTO_H2,
	SRV_PROTO_FCGI,
};

/* The command line, parsed once by main() and read-only afterwards. */
struct srv_cfg {
	enum srv_proto_id proto;
	struct sockaddr_in addr;	/* bound address (real port if 0) */
	char addr_str[32];
	uint64_t size;			/* default body size */
	uint64_t delay_ms;		/* default response delay */
	uint64_t ka_timeout_ms;		/* idle close, 0 = never */
	uint64_t max_requests;		/* per connection, 0 = unlimited */
	uint64_t ping_ms;		/* h2: PING idle conns, 0 = never */
	int mpxs;			/* fcgi: FCGI_MPXS_CONNS */
	uint64_t max_reqs;		/* fcgi: FCGI_MAX_REQS */
	int threads;
	int quiet;
	int verbose;
};

extern struct srv_cfg srv_cfg;

/* Parse peer-server's command line into <cfg> (zeroed by the caller) and
 * <ready_fd>: peer_server_args.c, which muxlab links too (peer_args.h).
 * Returns a PEER_ARGS_* code, errors printed on stderr after "<prog>: ". */
int srv_parse_args(const char *prog, int argc, char **argv,
		   struct srv_cfg *cfg, int *ready_fd, unsigned int flags);

/* Why a connection was closed, for the summary and --verbose. */
enum srv_close_reason {
	SRV_CLOSE_NONE = 0,
	SRV_CLOSE_CLIENT,	/* client closed or asked to close */
	SRV_CLOSE_IDLE,		/* --keepalive-timeout expired */
	SRV_CLOSE_MAXREQ,	/* --max-requests reached */
	SRV_CLOSE_ERROR,	/* protocol error from the client */
	SRV_CLOSE_RESET,	/* read/write error (RST) */
	SRV_CLOSE_STOP,		/* the server is exiting */
	SRV_CLOSE_COUNT
};

/* Per-thread counters, summed by main() after the threads stopped. */
struct srv_stats {
	uint64_t conns;			/* accepted */
	uint64_t requests;		/* responses queued */
	uint64_t closes[SRV_CLOSE_COUNT];
};

/* One event-loop thread. */
struct srv_thread {
	struct peer_loop loop;
	struct peer_fd lfd;		/* the shared listener, EPOLLEXCLUSIVE */
	struct list conns;		/* struct srv_conn.list */
	struct srv_stats st;
	unsigned long next_id;		/* connection numbers: id * threads + tid */
	pthread_t th;
	int tid;
} __attribute__((aligned(64)));

/* srv_conn.flags */
#define SC_F_EOF	0x0001	/* the client shut its side (read returned 0) */
#define SC_F_CLOSING	0x0002	/* close once <out> is flushed */
#define SC_F_SHUTW	0x0004	/* our FIN is sent, lingering */
#define SC_F_DEAD	0x0008	/* close now, do not flush */
#define SC_F_RD_PAUSE	0x0010	/* the handler wants no more input for now */

struct srv_conn {
	struct peer_fd pfd;
	struct srv_thread *thr;
	struct list list;		/* in thr->conns */
	struct buffer in;
	struct buffer out;
	struct peer_timer idle_t;	/* keep-alive idle timeout */
	struct peer_timer linger_t;	/* bounded lingering close */
	struct peer_timer proto_t;	/* free for the handler (delays) */
	unsigned int flags;		/* SC_F_* */
	enum srv_close_reason reason;	/* set when the close is decided */
	unsigned long id;		/* connection number, for x-peer-conn */
	uint64_t nb_req;		/* requests answered on this connection */
	struct sockaddr_in peer;
	void *ctx;			/* the handler's state */
};

/*
 * A protocol handler. The core calls, always on the connection's thread:
 *   init()     once after accept; may queue output (h2 SETTINGS).
 *   process()  whenever something happened (input arrived, <out> drained,
 *              a timer fired): consume <in>, queue output up to
 *              SRV_OUT_HIGH. Returns 0, or -1 to close at once (it then
 *              set c->reason).
 *   busy()     does the connection have a request in progress? An idle
 *              connection (not busy, nothing to write) gets the idle timer.
 *   on_idle()  the idle timer fired: return 1 to close now, or queue a
 *              goodbye (h2 GOAWAY), call srv_conn_close_after() and
 *              return 0.
 *   release()  free the handler's state (the connection is going away).
 */
struct srv_proto {
	const char *name;
	int (*init)(struct srv_conn *c);
	int (*process)(struct srv_conn *c);
	int (*busy)(const struct srv_conn *c);
	int (*on_idle)(struct srv_conn *c);
	void (*release)(struct srv_conn *c);
};

extern const struct srv_proto srv_proto_h1;
extern const struct srv_proto srv_proto_h2;
extern const struct srv_proto srv_proto_fcgi;

/* Close <c> once its queued output is flushed, for <reason>. */
void srv_conn_close_after(struct srv_conn *c, enum srv_close_reason reason);

/* Re-run the connection's state machine: call from a handler's own timer
 * callback. May close and free <c>: do not touch it afterwards. */
void srv_conn_wake(struct srv_conn *c);

/* Queue <len> bytes; -1 if <out> would exceed SRV_OUT_MAX. */
int srv_conn_put(struct srv_conn *c, const void *p, size_t len);

/* What a request path asks for (shared by all protocols):
 *   /status/NNN  -> that status, /size/N -> N-byte body,
 *   /delay/N     -> answer after N ms, anything else -> 200 with --size.
 * Returns 0, or -1 when the path is invalid (answer 400). */
struct srv_reply {
	int status;
	uint64_t size;
	uint64_t delay_ms;
};
int srv_route(const char *path, size_t len, struct srv_reply *r);

/* The connection reached --max-requests with this request? */
static inline int srv_last_request(const struct srv_conn *c)
{
	return srv_cfg.max_requests && c->nb_req >= srv_cfg.max_requests;
}

/* --verbose logging, one line per event, prefixed with the conn number. */
void srv_log(const struct srv_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MUXLAB_PEER_SERVER_H */
