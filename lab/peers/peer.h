/*
 * peer.h - what the lab's embedded peers share.
 *
 * The peers are the programs around the engine: peer-server (an HTTP/1.1,
 * h2c or FastCGI backend) and loadgen (the client). They run in their own
 * processes, so nothing they do shows up in the engine's trace except the
 * bytes they put on the wire, and they use none of the engine's scheduler,
 * locks or tracepoints. What they share lives here:
 *
 *   - a monotonic clock in microseconds;
 *   - a small event loop: one epoll instance, one timerfd driving a binary
 *     heap of timers, one eventfd so another thread can ask the loop to stop;
 *   - IPv4 address parsing ("127.0.0.1:8001") and non-blocking sockets;
 *   - the deterministic response body, so a client can check every byte a
 *     proxy forwarded;
 *   - a seeded PRNG (splitmix64) we own, so a seed means the same run on
 *     every libc;
 *   - a log-linear latency histogram (about 1.6 % resolution);
 *   - strict number parsing for the command lines.
 *
 * Every loop, and everything hanging off it, belongs to one thread. Only
 * peer_loop_wake() may be called from another thread.
 */
#ifndef MUXLAB_PEER_H
#define MUXLAB_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* ------------------------------------------------------------------ clock */

/* CLOCK_MONOTONIC in microseconds. */
uint64_t peer_now_us(void);

#define US_PER_MS	1000ULL
#define US_PER_S	1000000ULL

/* ------------------------------------------------------------- event loop */

struct peer_loop;

/* One file descriptor watched by a loop. <cb> runs on the loop's thread with
 * the epoll events that fired. The callback may close and free the object
 * that embeds this peer_fd, after peer_loop_del(). */
struct peer_fd {
	int fd;			/* -1 when closed */
	uint32_t events;	/* EPOLL* currently registered, 0 if none */
	void (*cb)(struct peer_loop *loop, struct peer_fd *pfd, uint32_t ev);
};

/* A one-shot timer. Arm it with an absolute expiry; it is disarmed before
 * <cb> runs, so the callback may re-arm it or free its owner. */
struct peer_timer {
	uint64_t expire;	/* monotonic us, meaningful while armed */
	int idx;		/* slot in the loop's heap, -1 when not armed */
	void (*cb)(struct peer_loop *loop, struct peer_timer *t);
};

struct peer_loop {
	int epfd;		/* epoll instance */
	int tfd;		/* timerfd set to the earliest timer */
	int wfd;		/* eventfd written by peer_loop_wake() */
	int _Atomic stop;	/* set to leave peer_loop_run() */
	uint64_t now;		/* monotonic us, refreshed after each wait */
	uint64_t tfd_expire;	/* what tfd is armed for, 0 if disarmed */
	struct peer_timer **heap;	/* min-heap on expire */
	int nb_timers;
	int heap_size;
	void *owner;		/* free for the program's use */
};

/* Create the epoll, timer and wake descriptors. 0 or -1 (errno set). */
int peer_loop_init(struct peer_loop *loop);

/* Close the loop's descriptors and free the heap. Registered peer_fds are
 * not closed: their owners do that. Accepts a loop whose init failed. */
void peer_loop_destroy(struct peer_loop *loop);

/* Register <pfd> for <events> (EPOLLIN, EPOLLOUT, ...). 0 or -1. */
int peer_loop_add(struct peer_loop *loop, struct peer_fd *pfd, uint32_t events);

/* Change the registered events; a no-op when they did not change. */
int peer_loop_mod(struct peer_loop *loop, struct peer_fd *pfd, uint32_t events);

/* Unregister <pfd> (it stays open). */
void peer_loop_del(struct peer_loop *loop, struct peer_fd *pfd);

/* Run callbacks until peer_loop_stop() or peer_loop_wake() asked to stop.
 * Returns 0, or -1 if epoll itself failed. */
int peer_loop_run(struct peer_loop *loop);

/* Ask <loop> to return from peer_loop_run(). Any thread, any time, and also
 * from a signal handler: it only stores a flag and writes an eventfd. */
void peer_loop_wake(struct peer_loop *loop);

/* Has someone asked the loop to stop? */
int peer_loop_stopping(const struct peer_loop *loop);

/* Arm <t> to fire at monotonic time <expire_us> (re-arming moves it). */
void peer_timer_arm(struct peer_loop *loop, struct peer_timer *t,
		    uint64_t expire_us);

/* Disarm <t>; harmless when it is not armed. */
void peer_timer_disarm(struct peer_loop *loop, struct peer_timer *t);

static inline void peer_timer_init(struct peer_timer *t,
				   void (*cb)(struct peer_loop *,
					      struct peer_timer *))
{
	t->expire = 0;
	t->idx = -1;
	t->cb = cb;
}

static inline int peer_timer_armed(const struct peer_timer *t)
{
	return t->idx >= 0;
}

/* Arm <t> <ms> milliseconds after the loop's current time. */
static inline void peer_timer_arm_ms(struct peer_loop *loop,
				     struct peer_timer *t, uint64_t ms)
{
	peer_timer_arm(loop, t, loop->now + ms * US_PER_MS);
}

/* -------------------------------------------------------------- addresses */

/* Parse "A.B.C.D:PORT", ":PORT" or "PORT" (address defaults to 127.0.0.1)
 * into <sa>. Port 0 is accepted (bind picks one). 0 or -1. */
int peer_parse_addr(const char *s, struct sockaddr_in *sa);

/* Format <sa> as "A.B.C.D:PORT" into <buf> (at least 24 bytes). */
const char *peer_addr_str(const struct sockaddr_in *sa, char *buf, size_t size);

/* A non-blocking listening socket bound to <sa> (SO_REUSEADDR); on success
 * <sa> holds the port actually bound. Returns the fd or -1. */
int peer_listen(struct sockaddr_in *sa, int backlog);

/* Start a non-blocking connect to <sa> with TCP_NODELAY. Returns the fd
 * (connection possibly still in progress) or -1. */
int peer_connect(const struct sockaddr_in *sa);

/* O_NONBLOCK, close-on-exec and TCP_NODELAY on an accepted socket. */
int peer_sock_setup(int fd);

/* Raise the soft RLIMIT_NOFILE to the hard limit (thousands of test
 * connections need more than the usual 1024). Returns the new limit. */
long peer_raise_nofile(void);

/* -------------------------------------------------------- response bodies */

/* The body of every peer-server response is the first N bytes of an endless
 * repetition of one 64-byte line ("0123...XYZ-\n"), whatever the protocol.
 * Returns a pointer to the body bytes starting at offset <off>; at least
 * PEER_BODY_CHUNK bytes are readable there. */
#define PEER_BODY_LINE		64
#define PEER_BODY_CHUNK		65536
const char *peer_body_at(uint64_t off);

/* Is <p>[0..len) the body's bytes at offset <off>? */
int peer_body_check(const void *p, size_t len, uint64_t off);

/* --------------------------------------------------------------- the PRNG */

struct peer_rng {
	uint64_t s;
};

static inline void peer_rng_seed(struct peer_rng *r, uint64_t seed)
{
	r->s = seed;
}

/* splitmix64: one 64-bit draw. */
uint64_t peer_rng_next(struct peer_rng *r);

/* A draw from an exponential law of mean <mean> (Poisson arrivals). */
double peer_rng_exp(struct peer_rng *r, double mean);

/* ---------------------------------------------------- latency histogram */

#define PEER_HIST_SUB		64	/* sub-buckets per power of two */
#define PEER_HIST_BUCKETS	(PEER_HIST_SUB * 60)

struct peer_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t b[PEER_HIST_BUCKETS];
};

/* Record one value (any unit, the lab uses microseconds). */
void peer_hist_add(struct peer_hist *h, uint64_t v);

/* The value below which a fraction <q> (0..1) of the records fall, within
 * one bucket's width; 0 when empty. */
uint64_t peer_hist_quantile(const struct peer_hist *h, double q);

/* Add every record of <src> to <dst>. */
void peer_hist_merge(struct peer_hist *dst, const struct peer_hist *src);

/* ------------------------------------------------------- command lines */

/* Parse a decimal unsigned integer in [min, max]. On failure print
 * "<prog>: bad value for --<opt>: <s>" and return -1. */
int peer_parse_num(const char *prog, const char *opt, const char *s,
		   uint64_t min, uint64_t max, uint64_t *out);

/* getopt_long() (with opterr = 0) returned '?': print why, as
 * "<prog>: unknown ... option '--x'" or "option '--x' needs a value". */
void peer_getopt_error(const char *prog, char **argv);

#endif /* MUXLAB_PEER_H */
