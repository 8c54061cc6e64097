/*
 * loadgen.h - loadgen internals shared by its protocol handlers.
 *
 * loadgen is the lab's client: one thread, one event loop, a fixed array of
 * connection slots spread over one or more targets by weight. Each slot
 * keeps a TCP connection to its target, reconnecting when the server (the
 * engine) closes it. The core (loadgen.c) decides when a request is sent
 * and accounts for its outcome; a protocol handler (loadgen_h1.c,
 * loadgen_h2.c) writes requests into <out> and parses responses from <in>.
 *
 * Load shapes:
 *   closed loop (default)  each connection keeps --concurrency requests
 *                          outstanding (h1: one), sending the next one as
 *                          soon as a response completes;
 *   open loop (--rate R)   requests arrive at R per second (Poisson, seeded)
 *                          into one queue, and any free connection takes
 *                          them; latency counts from the arrival, so a slow
 *                          server cannot hide its queueing;
 *   phases (--phases MS)   only the connections of target k % ntargets work
 *                          during phase k; the others stay connected and
 *                          idle. With one engine bind per target, this makes
 *                          one engine thread busy while another runs dry,
 *                          which is when the engine steals idle backend
 *                          connections across threads.
 */
#ifndef MUXLAB_LOADGEN_H
#define MUXLAB_LOADGEN_H

#include <stdint.h>
#include <netinet/in.h>

#include "buf-t.h"
#include "peer.h"

#define LG_MAX_TARGETS	16
#define LG_IN_STEP	16384
#define LG_IN_MAX	(2 * 1024 * 1024)
#define LG_OUT_MAX	(1024 * 1024)
#define LG_BACKOFF_MS	100	/* after a failed connect */
#define LG_MAX_RETRIES	4	/* resends of one unprocessed request */

enum lg_proto_id {
	LG_PROTO_H1 = 0,
	LG_PROTO_H2,
};

/* How a request ended. */
enum lg_result {
	LG_OK = 0,
	LG_ERR_STATUS,		/* a complete response, not 2xx */
	LG_ERR_RESET,		/* connection closed or reset mid-request */
	LG_ERR_TIMEOUT,		/* no complete response within --timeout */
	LG_ERR_PROTO,		/* malformed response or body mismatch */
	LG_ERR_CONNECT,		/* could not connect */
	LG_RESULT_COUNT
};

struct lg_stats {
	uint64_t res[LG_RESULT_COUNT];	/* requests by outcome */
	uint64_t connects;		/* successful TCP connects */
	uint64_t reconnects;		/* connects after a slot's first */
	uint64_t connect_fails;		/* connect attempts that failed */
	uint64_t server_closes;		/* closes the server initiated */
	uint64_t retries;		/* requests resent, see lg_req_retry() */
	uint64_t body_bytes;		/* response body bytes received */
	struct peer_hist lat;		/* latency of OK requests, us */
};

struct lg_target {
	struct sockaddr_in addr;
	char addr_str[32];
	unsigned int weight;
	int nb_conns;			/* slots assigned to it */
	struct lg_stats st;
	struct buffer req_tpl;		/* h1: the serialised request */
};

enum lg_conn_state {
	LC_CLOSED = 0,		/* no socket */
	LC_CONNECTING,		/* connect() in progress */
	LC_READY,		/* connected */
};

/* lg_conn.flags */
#define LC_F_EOF	0x0001	/* the server closed its side */
#define LC_F_NO_MORE	0x0002	/* send nothing more on this connection
				 * (h1 connection: close, h2 GOAWAY) */

struct lg_conn {
	struct peer_fd pfd;
	enum lg_conn_state state;
	unsigned int flags;		/* LC_F_* */
	struct lg_target *tgt;
	int tgt_idx;
	int idx;			/* slot number */
	struct buffer in;
	struct buffer out;
	struct peer_timer to_t;		/* connect / request timeout */
	struct peer_timer retry_t;	/* (re)connect later */
	unsigned int inflight;		/* requests sent, not finished */
	uint64_t done_on_conn;		/* requests finished on this socket */
	uint64_t connects;		/* sockets opened by this slot */
	void *ctx;			/* the handler's state */
};

/*
 * A protocol handler. All calls on the loadgen thread.
 *   init()      a TCP connection was just established: reset per-socket
 *               state, queue any preface. 0 or -1.
 *   capacity()  how many more requests may be sent right now.
 *   send()      queue one request that started at <start> (us); <retried>
 *               (how often it was resent) is passed back to
 *               lg_req_retry(). 0 or -1.
 *   process()   parse <in>, finishing requests with lg_req_done(). Returns
 *               0, or -1 to drop the connection (it finished or failed its
 *               requests first).
 *   eof()       the connection is going away (server close, error,
 *               timeout): finish every outstanding request with <why>, or
 *               retry it with lg_req_retry() when it is safe.
 *   expire()    the request timer fired: fail what is overdue and return
 *               the next deadline (0 if none left), or return 1 to ask for
 *               the connection to be closed (h1 cannot cancel a request).
 *   release()   free the handler's state.
 */
struct lg_proto {
	const char *name;
	int (*init)(struct lg_conn *c);
	unsigned int (*capacity)(const struct lg_conn *c);
	int (*send)(struct lg_conn *c, uint64_t start, int retried);
	int (*process)(struct lg_conn *c);
	void (*eof)(struct lg_conn *c, enum lg_result why);
	uint64_t (*expire)(struct lg_conn *c);
	void (*release)(struct lg_conn *c);
};

extern const struct lg_proto lg_proto_h1;
extern const struct lg_proto lg_proto_h2;

/* The command line, read-only once parsed. */
struct lg_cfg {
	enum lg_proto_id proto;
	int nb_targets;
	struct lg_target targets[LG_MAX_TARGETS];
	int connections;
	int concurrency;		/* h2 streams per connection */
	double rate;			/* req/s, 0 = closed loop */
	uint64_t duration_ms;		/* 0 = no time limit */
	uint64_t requests;		/* 0 = no count limit */
	char path[1024];
	uint64_t phases_ms;		/* 0 = every target all the time */
	uint64_t seed;
	uint64_t timeout_ms;		/* per request */
	int json;
	int check_body;			/* compare bodies to peer-server's */
	int quiet;
};

extern struct lg_cfg lg_cfg;

/* Parse loadgen's command line into <cfg> (zeroed by the caller):
 * loadgen_args.c, which muxlab links too (peer_args.h). Returns a
 * PEER_ARGS_* code, errors printed on stderr after "<prog>: ". */
int lg_parse_args(const char *prog, int argc, char **argv,
		  struct lg_cfg *cfg, unsigned int flags);

/* The clock of the loop, in us: what handlers use for timestamps. */
uint64_t lg_now(void);

/* Finish one request of <c> started at <start> with <res>; <status> is
 * the HTTP status (0 if none) and <body> the body bytes received. */
void lg_req_done(struct lg_conn *c, uint64_t start, enum lg_result res,
		 int status, uint64_t body);

/* Put a request that the server provably did not process (nothing came
 * back on a reused connection, h2 GOAWAY or REFUSED_STREAM said so) back
 * at the head of the queue, keeping its start time. <retried> is how often
 * it was resent already; after LG_MAX_RETRIES it fails with <why>. */
void lg_req_retry(struct lg_conn *c, uint64_t start, int retried,
		  enum lg_result why);

/* (Re)arm <c>'s request timer for <deadline> us (0 disarms). */
void lg_conn_set_deadline(struct lg_conn *c, uint64_t deadline);

/* Queue bytes on <c>; -1 if <out> would exceed LG_OUT_MAX. */
int lg_conn_put(struct lg_conn *c, const void *p, size_t len);

/* Is the response body <p>[0..len) at offset <off> what peer-server sends?
 * Always true unless --check-body. */
int lg_body_ok(const void *p, size_t len, uint64_t off);

#endif /* MUXLAB_LOADGEN_H */
