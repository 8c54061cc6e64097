/*
 * loadgen.c - loadgen: the lab's load generator (HTTP/1.1 and h2c).
 *
 * This file holds the command line, the connection slots and the load
 * shapes (closed loop, open loop, phases); loadgen_h1.c and loadgen_h2.c
 * speak the protocols. See loadgen.h for the overall picture.
 *
 * A request's life: it is created (closed loop: when a connection has room;
 * open loop: at its Poisson arrival time, into the pending queue), given to
 * a connection that has room (lg_conn_kick), written by the handler, and
 * finished by the handler with lg_req_done(). Its latency runs from its
 * creation to its last response byte. Every request finishes exactly once
 * (OK, or one error kind), is retried a few times at most (LG_MAX_RETRIES)
 * when the server provably did not process it, or is still in flight
 * when the run ends ("unfinished"): the totals always add up.
 *
 * Everything runs on the main thread; the only other context is the
 * SIGINT/SIGTERM handler, which just wakes the loop.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "compiler.h"
#include "loadgen.h"
#include "peer_args.h"

#define PROG	"loadgen"

struct lg_cfg lg_cfg;

/* A request waiting for a connection. */
struct lg_pending {
	uint64_t start;		/* creation time, us */
	int retried;		/* times it was already retried */
};

/* The whole run. One instance, owned by the main thread. */
static struct lg_run {
	struct peer_loop loop;
	const struct lg_proto *proto;
	struct lg_conn *conns;
	int nconns;

	/* requests waiting for a connection: a ring, grown when full */
	struct lg_pending *pq;
	size_t pq_head, pq_count, pq_size;

	uint64_t issued;	/* requests created (retries excluded) */
	uint64_t finished;	/* requests finished, OK or not */
	int stopping;		/* no new work, leaving the loop */
	int interrupted;	/* stopped by a signal */

	uint64_t start_us, end_us;
	uint64_t phase;		/* current phase number */
	int active_tgt;		/* phases: the target whose turn it is */
	int rr;			/* open loop: where the next scan starts */

	struct peer_rng rng;
	uint64_t next_arrival;	/* open loop: us */

	struct peer_timer end_t;
	struct peer_timer phase_t;
	struct peer_timer arrival_t;
	struct peer_timer progress_t;
	uint64_t progress_ok;	/* OK count at the last progress line */
	int progress_shown;
} lg;

static const char *const lg_result_names[LG_RESULT_COUNT] = {
	[LG_OK]          = "ok",
	[LG_ERR_STATUS]  = "status",
	[LG_ERR_RESET]   = "reset",
	[LG_ERR_TIMEOUT] = "timeout",
	[LG_ERR_PROTO]   = "proto",
	[LG_ERR_CONNECT] = "connect",
};

static void lg_conn_kick(struct lg_conn *c);
static void lg_conn_close(struct lg_conn *c, enum lg_result why,
			  int by_server);

/* Current time in us. Loadgen thread (any thread, really). */
uint64_t lg_now(void)
{
	return peer_now_us();
}

/* ---------------------------------------------------------- the run */

/* End the run: nothing new is started and the loop returns. */
static void lg_stop(void)
{
	lg.stopping = 1;
	peer_loop_wake(&lg.loop);
}

/* Is it <c>'s turn to send? */
static int lg_conn_active(const struct lg_conn *c)
{
	return !lg_cfg.phases_ms || c->tgt_idx == lg.active_tgt;
}

static int lg_pq_push(uint64_t start, int retried, int front)
{
	size_t i;

	if (lg.pq_count == lg.pq_size) {
		size_t nsize = lg.pq_size ? lg.pq_size * 2 : 1024;
		struct lg_pending *n = malloc(nsize * sizeof(*n));

		if (!n)
			return -1;
		for (i = 0; i < lg.pq_count; i++)
			n[i] = lg.pq[(lg.pq_head + i) % lg.pq_size];
		free(lg.pq);
		lg.pq = n;
		lg.pq_head = 0;
		lg.pq_size = nsize;
	}
	if (front) {
		lg.pq_head = (lg.pq_head + lg.pq_size - 1) % lg.pq_size;
		i = lg.pq_head;
	} else {
		i = (lg.pq_head + lg.pq_count) % lg.pq_size;
	}
	lg.pq[i].start = start;
	lg.pq[i].retried = retried;
	lg.pq_count++;
	return 0;
}

/* Is there a request for a connection that asks? */
static int lg_work_available(void)
{
	if (lg.stopping)
		return 0;
	if (lg.pq_count)
		return 1;
	return lg_cfg.rate == 0 &&
	       (!lg_cfg.requests || lg.issued < lg_cfg.requests);
}

/*
 * Hand the next request to connection <c>: a queued one first (a retry,
 * or an open-loop arrival), else in closed loop a new one. Queued requests
 * older than --timeout are failed as timeouts on the way: a client would
 * have given up on them. Returns 1 with <start>/<retried> set, or 0.
 */
static int lg_take_request(struct lg_conn *c, uint64_t *start, int *retried)
{
	uint64_t now = lg_now();

	while (lg.pq_count && !lg.stopping) {
		struct lg_pending p = lg.pq[lg.pq_head];

		lg.pq_head = (lg.pq_head + 1) % lg.pq_size;
		lg.pq_count--;
		if (now - p.start > lg_cfg.timeout_ms * US_PER_MS) {
			lg_req_done(c, p.start, LG_ERR_TIMEOUT, 0, 0);
			continue;
		}
		*start = p.start;
		*retried = p.retried;
		return 1;
	}
	if (lg.stopping || lg_cfg.rate != 0)
		return 0;
	if (lg_cfg.requests && lg.issued >= lg_cfg.requests)
		return 0;
	lg.issued++;
	*start = now;
	*retried = 0;
	return 1;
}

/*
 * Account for one finished request. Loadgen thread. Also ends the run when
 * --requests have finished.
 */
void lg_req_done(struct lg_conn *c, uint64_t start, enum lg_result res,
		 int status, uint64_t body)
{
	struct lg_stats *st = &c->tgt->st;
	uint64_t now = lg_now();

	(void)status;
	st->res[res]++;
	if (res == LG_OK) {
		peer_hist_add(&st->lat, now > start ? now - start : 0);
		st->body_bytes += body;
	}
	lg.finished++;
	if (lg_cfg.requests && lg.finished >= lg_cfg.requests)
		lg_stop();
}

/*
 * Queue a request again after its connection died without it being
 * processed. Loadgen thread. After LG_MAX_RETRIES the failure is final, so
 * that a server refusing everything cannot keep a request alive forever.
 */
void lg_req_retry(struct lg_conn *c, uint64_t start, int retried,
		  enum lg_result why)
{
	if (retried >= LG_MAX_RETRIES || lg.stopping ||
	    lg_pq_push(start, retried + 1, 1) < 0) {
		lg_req_done(c, start, why, 0, 0);
		return;
	}
	c->tgt->st.retries++;
}

/* Compare body bytes with peer-server's pattern when --check-body. */
int lg_body_ok(const void *p, size_t len, uint64_t off)
{
	return !lg_cfg.check_body || peer_body_check(p, len, off);
}

/* ------------------------------------------------------ connections */

/* Queue bytes for the server. 0 or -1 (over LG_OUT_MAX). */
int lg_conn_put(struct lg_conn *c, const void *p, size_t len)
{
	return b_putblk(&c->out, p, len, LG_OUT_MAX);
}

/* Arm the request timer of <c> for <deadline> (us), or disarm it (0). */
void lg_conn_set_deadline(struct lg_conn *c, uint64_t deadline)
{
	if (deadline)
		peer_timer_arm(&lg.loop, &c->to_t, deadline);
	else
		peer_timer_disarm(&lg.loop, &c->to_t);
}

/* Wait for the connect, or read always and write when there is output. */
static void lg_conn_update_events(struct lg_conn *c)
{
	uint32_t ev;

	if (c->state == LC_CONNECTING)
		ev = EPOLLOUT;
	else
		ev = EPOLLIN | (b_data(&c->out) ? EPOLLOUT : 0);
	if (peer_loop_mod(&lg.loop, &c->pfd, ev) < 0)
		lg_conn_close(c, LG_ERR_RESET, 0);
}

/* Write what <out> holds. 0, or -1 if the connection failed (closed). */
static int lg_conn_flush(struct lg_conn *c)
{
	while (b_data(&c->out)) {
		ssize_t n = send(c->pfd.fd, b_head(&c->out), b_data(&c->out),
				 MSG_NOSIGNAL);

		if (n > 0) {
			b_del(&c->out, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		lg_conn_close(c, LG_ERR_RESET, 1);
		return -1;
	}
	return 0;
}

/*
 * Drop <c>'s socket. Outstanding requests are finished with <why> (or
 * retried) by the handler. <by_server>: the server closed first. The slot
 * reconnects from a timer, never from here: this may run inside another
 * connection's callback, and a new socket must not receive the events
 * the loop already collected for the old one.
 */
static void lg_conn_close(struct lg_conn *c, enum lg_result why, int by_server)
{
	if (c->state == LC_CLOSED)
		return;
	if (c->state == LC_READY)
		lg.proto->eof(c, why);
	if (by_server)
		c->tgt->st.server_closes++;
	peer_loop_del(&lg.loop, &c->pfd);
	close(c->pfd.fd);
	c->pfd.fd = -1;
	c->state = LC_CLOSED;
	c->flags = 0;
	c->inflight = 0;
	b_reset(&c->in);
	b_reset(&c->out);
	peer_timer_disarm(&lg.loop, &c->to_t);
	if (!lg.stopping)
		peer_timer_arm(&lg.loop, &c->retry_t, lg.loop.now);
}

/* A connect attempt failed: fail a request with it, retry later. */
static void lg_conn_connect_failed(struct lg_conn *c, int err)
{
	uint64_t start;
	int retried;

	if (!lg_cfg.quiet && !c->tgt->st.connect_fails)
		fprintf(stderr, PROG ": connect to %s: %s\n",
			c->tgt->addr_str, strerror(err));
	c->tgt->st.connect_fails++;
	if (c->pfd.fd >= 0) {
		peer_loop_del(&lg.loop, &c->pfd);
		close(c->pfd.fd);
		c->pfd.fd = -1;
	}
	c->state = LC_CLOSED;
	peer_timer_disarm(&lg.loop, &c->to_t);
	if (lg_conn_active(c) && lg_take_request(c, &start, &retried))
		lg_req_done(c, start, LG_ERR_CONNECT, 0, 0);
	if (!lg.stopping)
		peer_timer_arm(&lg.loop, &c->retry_t,
			       lg_now() + LG_BACKOFF_MS * US_PER_MS);
}

static void lg_conn_connect(struct lg_conn *c)
{
	int fd = peer_connect(&c->tgt->addr);

	if (fd < 0) {
		lg_conn_connect_failed(c, errno);
		return;
	}
	c->pfd.fd = fd;
	c->state = LC_CONNECTING;
	c->flags = 0;
	if (peer_loop_add(&lg.loop, &c->pfd, EPOLLOUT) < 0) {
		lg_conn_connect_failed(c, errno);
		return;
	}
	lg_conn_set_deadline(c, lg_now() + lg_cfg.timeout_ms * US_PER_MS);
}

/*
 * Give <c> as much work as it can take: connect it if needed, then send
 * requests while the handler reports room. Loadgen thread.
 */
static void lg_conn_kick(struct lg_conn *c)
{
	uint64_t start;
	int retried;

	if (lg.stopping || !lg_conn_active(c))
		return;
	if (c->state == LC_CLOSED) {
		if (lg_work_available() && !peer_timer_armed(&c->retry_t))
			lg_conn_connect(c);
		return;
	}
	if (c->state != LC_READY)
		return;
	while (!(c->flags & LC_F_NO_MORE) && lg.proto->capacity(c) > 0) {
		if (!lg_take_request(c, &start, &retried))
			break;
		if (lg.proto->send(c, start, retried) < 0) {
			lg_req_done(c, start, LG_ERR_PROTO, 0, 0);
			lg_conn_close(c, LG_ERR_RESET, 0);
			return;
		}
		if (lg.stopping)
			break;
	}
	if (lg_conn_flush(c) < 0)
		return;
	lg_conn_update_events(c);
}

static void lg_conn_connected(struct lg_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		lg_conn_connect_failed(c, err);
		return;
	}
	c->state = LC_READY;
	c->connects++;
	c->tgt->st.connects++;
	if (c->connects > 1)
		c->tgt->st.reconnects++;
	c->done_on_conn = 0;
	c->inflight = 0;
	peer_timer_disarm(&lg.loop, &c->to_t);
	if (lg.proto->init(c) < 0) {
		lg_conn_close(c, LG_ERR_PROTO, 0);
		return;
	}
	lg_conn_kick(c);
	if (c->state == LC_READY)
		lg_conn_update_events(c);
}

/* Read what the socket has. Sets LC_F_EOF; returns -1 on a socket error. */
static int lg_conn_read(struct lg_conn *c)
{
	for (;;) {
		size_t room;
		ssize_t n;

		if (b_data(&c->in) >= LG_IN_MAX)
			return 0;
		room = MIN((size_t)LG_IN_STEP, LG_IN_MAX - b_data(&c->in));
		if (b_reserve(&c->in, room, 0, LG_IN_MAX) < 0)
			return -1;
		n = recv(c->pfd.fd, b_tail(&c->in), room, 0);
		if (n > 0) {
			b_add(&c->in, n);
			if ((size_t)n < room)
				return 0;
			continue;
		}
		if (n == 0) {
			c->flags |= LC_F_EOF;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
}

static void lg_conn_io_cb(struct peer_loop *loop, struct peer_fd *pfd,
			  uint32_t ev)
{
	struct lg_conn *c = container_of(pfd, struct lg_conn, pfd);

	(void)loop;
	if (c->state == LC_CONNECTING) {
		lg_conn_connected(c);
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (lg_conn_read(c) < 0) {
			lg_conn_close(c, LG_ERR_RESET, 1);
			return;
		}
		if (b_data(&c->in) && lg.proto->process(c) < 0) {
			lg_conn_close(c, LG_ERR_PROTO, 0);
			return;
		}
		if (c->flags & LC_F_EOF) {
			lg_conn_close(c, LG_ERR_RESET, 1);
			return;
		}
		/* the server announced a close (h1 "connection: close",
		 * h2 GOAWAY) and nothing is left to wait for */
		if ((c->flags & LC_F_NO_MORE) && !c->inflight) {
			lg_conn_close(c, LG_ERR_RESET, 1);
			return;
		}
	}
	lg_conn_kick(c);
	if (c->state == LC_READY && lg_conn_flush(c) == 0)
		lg_conn_update_events(c);
}

/* The request timer of <c>: connect timeout or overdue requests. */
static void lg_conn_timeout_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct lg_conn *c = container_of(t, struct lg_conn, to_t);
	uint64_t next;

	(void)loop;
	if (c->state == LC_CONNECTING) {
		lg_conn_connect_failed(c, ETIMEDOUT);
		return;
	}
	if (c->state != LC_READY)
		return;
	next = lg.proto->expire(c);
	if (next == 1) {
		lg_conn_close(c, LG_ERR_TIMEOUT, 0);
		return;
	}
	lg_conn_set_deadline(c, next);
	lg_conn_kick(c);
}

static void lg_conn_retry_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct lg_conn *c = container_of(t, struct lg_conn, retry_t);

	(void)loop;
	lg_conn_kick(c);
}

/* ---------------------------------------------------------- load shapes */

/* Open loop: hand queued requests to connections with room, scanning from
 * a rotating start so that no connection is favoured. */
static void lg_dispatch(void)
{
	int i, n = lg.nconns;

	for (i = 0; i < n && lg.pq_count && !lg.stopping; i++) {
		struct lg_conn *c = &lg.conns[(lg.rr + i) % n];

		if (!lg_conn_active(c))
			continue;
		if (c->state == LC_READY && (c->flags & LC_F_NO_MORE))
			continue;
		if (c->state == LC_READY && !lg.proto->capacity(c))
			continue;
		lg_conn_kick(c);
	}
	lg.rr = (lg.rr + 1) % n;
}

static void lg_arrival_cb(struct peer_loop *loop, struct peer_timer *t)
{
	double mean_us = (double)US_PER_S / lg_cfg.rate;

	while (lg.next_arrival <= loop->now && !lg.stopping) {
		if (lg_cfg.requests && lg.issued >= lg_cfg.requests)
			break;
		lg.issued++;
		if (lg_pq_push(lg.next_arrival, 0, 0) < 0) {
			fprintf(stderr, PROG ": out of memory\n");
			lg_stop();
			return;
		}
		lg.next_arrival += (uint64_t)llround(
			peer_rng_exp(&lg.rng, mean_us)) + 1;
	}
	lg_dispatch();
	if (!lg.stopping && (!lg_cfg.requests || lg.issued < lg_cfg.requests))
		peer_timer_arm(loop, t, lg.next_arrival);
}

static void lg_phase_cb(struct peer_loop *loop, struct peer_timer *t)
{
	int i;

	lg.phase++;
	lg.active_tgt = (int)(lg.phase % lg_cfg.nb_targets);
	if (!lg_cfg.quiet && !lg_cfg.json && isatty(2)) {
		char msg[96];

		/* over the progress line, which is redrawn below it */
		snprintf(msg, sizeof(msg), PROG ": phase %llu: %s",
			 (unsigned long long)lg.phase,
			 lg_cfg.targets[lg.active_tgt].addr_str);
		fprintf(stderr, "\r%-72s\n", msg);
	}
	peer_timer_arm(loop, t, lg.start_us +
		       (lg.phase + 1) * lg_cfg.phases_ms * US_PER_MS);
	for (i = 0; i < lg.nconns; i++)
		lg_conn_kick(&lg.conns[i]);
	if (lg_cfg.rate)
		lg_dispatch();
}

static void lg_end_cb(struct peer_loop *loop, struct peer_timer *t)
{
	(void)loop;
	(void)t;
	lg_stop();
}

/* Sum of every target's counters into <sum>. */
static void lg_stats_sum(struct lg_stats *sum)
{
	int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < lg_cfg.nb_targets; i++) {
		const struct lg_stats *s = &lg_cfg.targets[i].st;

		for (k = 0; k < LG_RESULT_COUNT; k++)
			sum->res[k] += s->res[k];
		sum->connects += s->connects;
		sum->reconnects += s->reconnects;
		sum->server_closes += s->server_closes;
		sum->connect_fails += s->connect_fails;
		sum->retries += s->retries;
		sum->body_bytes += s->body_bytes;
		peer_hist_merge(&sum->lat, &s->lat);
	}
}

static uint64_t lg_errors(const struct lg_stats *s)
{
	uint64_t e = 0;
	int k;

	for (k = LG_OK + 1; k < LG_RESULT_COUNT; k++)
		e += s->res[k];
	return e;
}

/* Once a second, on a terminal only: where the run is. */
static void lg_progress_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct lg_stats sum;
	double el = (double)(loop->now - lg.start_us) / US_PER_S;

	lg_stats_sum(&sum);
	fprintf(stderr, "\r" PROG ": %6.1f s  %10llu ok  %6llu errors  "
		"%8.0f req/s  ", el, (unsigned long long)sum.res[LG_OK],
		(unsigned long long)lg_errors(&sum),
		(double)(sum.res[LG_OK] - lg.progress_ok));
	lg.progress_ok = sum.res[LG_OK];
	lg.progress_shown = 1;
	peer_timer_arm(loop, t, loop->now + US_PER_S);
}

/* ------------------------------------------------------------- report */

static void lg_report(void)
{
	struct lg_stats sum;
	double secs = (double)(lg.end_us - lg.start_us) / US_PER_S;
	uint64_t unfinished = 0, errors;
	double rps;
	int i;

	for (i = 0; i < lg.nconns; i++)
		unfinished += lg.conns[i].inflight;
	unfinished += lg.pq_count;
	lg_stats_sum(&sum);
	errors = lg_errors(&sum);
	rps = secs > 0 ? (double)sum.res[LG_OK] / secs : 0;

	if (lg.progress_shown)
		fputc('\n', stderr);

	if (lg_cfg.json) {
		printf("{\"proto\":\"%s\",\"connections\":%d,"
		       "\"concurrency\":%d,\"rate\":%.3f,\"phases_ms\":%llu,"
		       "\"seed\":%llu,\"duration_s\":%.3f,\"interrupted\":%s,",
		       lg.proto->name, lg_cfg.connections, lg_cfg.concurrency,
		       lg_cfg.rate, (unsigned long long)lg_cfg.phases_ms,
		       (unsigned long long)lg_cfg.seed, secs,
		       lg.interrupted ? "true" : "false");
		printf("\"requests_ok\":%llu,\"errors\":%llu,"
		       "\"errors_by_kind\":{", (unsigned long long)sum.res[LG_OK],
		       (unsigned long long)errors);
		for (i = LG_OK + 1; i < LG_RESULT_COUNT; i++)
			printf("%s\"%s\":%llu", i > 1 ? "," : "",
			       lg_result_names[i],
			       (unsigned long long)sum.res[i]);
		printf("},\"unfinished\":%llu,\"rps\":%.1f,",
		       (unsigned long long)unfinished, rps);
		printf("\"latency_us\":{\"p50\":%llu,\"p90\":%llu,"
		       "\"p99\":%llu,\"max\":%llu,\"mean\":%.1f},",
		       (unsigned long long)peer_hist_quantile(&sum.lat, 0.50),
		       (unsigned long long)peer_hist_quantile(&sum.lat, 0.90),
		       (unsigned long long)peer_hist_quantile(&sum.lat, 0.99),
		       (unsigned long long)sum.lat.max,
		       sum.lat.count ? (double)sum.lat.sum / sum.lat.count : 0);
		printf("\"connects\":%llu,\"reconnects\":%llu,"
		       "\"connect_failures\":%llu,\"server_closes\":%llu,"
		       "\"retries\":%llu,\"body_bytes\":%llu,\"targets\":[",
		       (unsigned long long)sum.connects,
		       (unsigned long long)sum.reconnects,
		       (unsigned long long)sum.connect_fails,
		       (unsigned long long)sum.server_closes,
		       (unsigned long long)sum.retries,
		       (unsigned long long)sum.body_bytes);
		for (i = 0; i < lg_cfg.nb_targets; i++) {
			const struct lg_target *t = &lg_cfg.targets[i];
			const struct lg_stats *ts = &t->st;

			printf("%s{\"addr\":\"%s\",\"weight\":%u,"
			       "\"connections\":%d,\"ok\":%llu,\"errors\":%llu,"
			       "\"reconnects\":%llu,\"p99_us\":%llu}",
			       i ? "," : "", t->addr_str, t->weight,
			       t->nb_conns, (unsigned long long)ts->res[LG_OK],
			       (unsigned long long)lg_errors(ts),
			       (unsigned long long)ts->reconnects,
			       (unsigned long long)
			       peer_hist_quantile(&ts->lat, 0.99));
		}
		printf("]}\n");
		fflush(stdout);
		return;
	}

	printf(PROG ": %s, %d target(s), %d connection(s)", lg.proto->name,
	       lg_cfg.nb_targets, lg_cfg.connections);
	if (lg_cfg.proto == LG_PROTO_H2)
		printf(" x %d stream(s)", lg_cfg.concurrency);
	if (lg_cfg.rate)
		printf(", open loop %.1f req/s", lg_cfg.rate);
	else
		printf(", closed loop");
	if (lg_cfg.phases_ms)
		printf(", phases of %llu ms",
		       (unsigned long long)lg_cfg.phases_ms);
	printf(", %.2f s%s\n", secs, lg.interrupted ? " (interrupted)" : "");
	for (i = 0; i < lg_cfg.nb_targets; i++) {
		const struct lg_target *t = &lg_cfg.targets[i];

		printf("  %-21s weight %-3u %4d conn(s) %10llu ok %6llu errors "
		       "%6llu reconnects\n", t->addr_str, t->weight,
		       t->nb_conns, (unsigned long long)t->st.res[LG_OK],
		       (unsigned long long)lg_errors(&t->st),
		       (unsigned long long)t->st.reconnects);
	}
	printf("requests:    %llu ok, %llu errors (", (unsigned long long)
	       sum.res[LG_OK], (unsigned long long)errors);
	for (i = LG_OK + 1; i < LG_RESULT_COUNT; i++)
		printf("%s%s %llu", i > 1 ? ", " : "", lg_result_names[i],
		       (unsigned long long)sum.res[i]);
	printf("), %llu unfinished\n", (unsigned long long)unfinished);
	printf("throughput:  %.1f req/s\n", rps);
	printf("latency:     p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
	       peer_hist_quantile(&sum.lat, 0.50) / 1000.0,
	       peer_hist_quantile(&sum.lat, 0.99) / 1000.0,
	       sum.lat.max / 1000.0);
	printf("connections: %llu connects, %llu reconnects, %llu server "
	       "closes, %llu connect failures, %llu retries\n",
	       (unsigned long long)sum.connects,
	       (unsigned long long)sum.reconnects,
	       (unsigned long long)sum.server_closes,
	       (unsigned long long)sum.connect_fails,
	       (unsigned long long)sum.retries);
	fflush(stdout);
}

/* ----------------------------------------------------------- command line */

/* The options are parsed by lg_parse_args() (loadgen_args.c, with their
 * table): keep this text in step with it. */
static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --proto h1|h2 --target ADDR:PORT[@W][,ADDR:PORT[@W]...]\n"
"               [options]\n"
"\n"
"Sends HTTP requests and reports ok/errors, req/s and latency.\n"
"\n"
"  --proto h1|h2            HTTP/1.1 or h2c with prior knowledge\n"
"  --target LIST            targets, comma-separated; @W gives a weight\n"
"                           (default 1): connections are spread by weight\n"
"  --connections N          connections in total (default 10)\n"
"  --concurrency N          h2: streams kept open per connection (default\n"
"                           1); h1 always has one request per connection\n"
"  --rate R                 open loop: R requests/s in total, Poisson\n"
"                           arrivals (default 0 = closed loop)\n"
"  --duration S             stop after S seconds (default 10; 0 = no time\n"
"                           limit, needs --requests)\n"
"  --requests N             stop after N requests finished\n"
"  --path PATH              request path (default /)\n"
"  --phases MS              during phase k (MS ms each) only the\n"
"                           connections of target k %% ntargets send\n"
"  --seed N                 seed of the arrival process (default 1)\n"
"  --timeout MS             per-request timeout (default 5000)\n"
"  --check-body             compare bodies with peer-server's pattern\n"
"  --json                   print one JSON object on stdout at the end\n"
"  --quiet                  no progress line, no connect warnings\n"
"  --help                   this text\n"
"\n"
"Exit status: 0 if every request succeeded, 1 if some failed (or none\n"
"succeeded in a run that was not interrupted), 2 on a usage error.\n");
}

/* Spread the connection slots over the targets by weight, with the smooth
 * weighted round-robin of nginx: deterministic, and interleaved (3:1 gives
 * A A B A) so that slot order does not cluster one target. Every target
 * gets one slot first, so a light target is never left out. */
static int lg_assign_slots(void)
{
	int cur[LG_MAX_TARGETS] = { 0 };
	int i, k, total = 0, left = lg_cfg.connections - lg_cfg.nb_targets;
	int count[LG_MAX_TARGETS];

	for (k = 0; k < lg_cfg.nb_targets; k++) {
		total += lg_cfg.targets[k].weight;
		count[k] = 1;
	}
	/* the remaining slots by weight, on top of the first one each */
	for (i = 0; i < left; i++) {
		int best = 0;

		for (k = 0; k < lg_cfg.nb_targets; k++) {
			cur[k] += lg_cfg.targets[k].weight;
			if (cur[k] > cur[best])
				best = k;
		}
		cur[best] -= total;
		count[best]++;
	}
	/* lay the slots out interleaved: target order repeated */
	lg.conns = calloc(lg_cfg.connections, sizeof(*lg.conns));
	if (!lg.conns)
		return -1;
	for (i = 0; i < lg_cfg.connections; ) {
		for (k = 0; k < lg_cfg.nb_targets && i < lg_cfg.connections;
		     k++) {
			struct lg_conn *c;

			if (lg_cfg.targets[k].nb_conns == count[k])
				continue;
			c = &lg.conns[i];
			c->idx = i++;
			c->tgt_idx = k;
			c->tgt = &lg_cfg.targets[k];
			c->tgt->nb_conns++;
		}
	}
	lg.nconns = lg_cfg.connections;
	return 0;
}

static void lg_signal(int sig)
{
	(void)sig;
	lg.interrupted = 1;
	lg.stopping = 1;
	peer_loop_wake(&lg.loop);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct lg_stats sum;
	long nofile;
	int i;

	switch (lg_parse_args(PROG, argc, argv, &lg_cfg, 0)) {
	case PEER_ARGS_OK:
		break;
	case PEER_ARGS_HELP:
		usage(stdout);
		return 0;
	case PEER_ARGS_USAGE:
		usage(stderr);
		return 2;
	default:
		return 2;
	}
	lg.proto = lg_cfg.proto == LG_PROTO_H1 ? &lg_proto_h1 : &lg_proto_h2;
	if (!lg.proto->send) {
		fprintf(stderr, PROG ": --proto %s is not available in this "
			"build\n", lg.proto->name);
		return 2;
	}
	peer_rng_seed(&lg.rng, lg_cfg.seed);
	nofile = peer_raise_nofile();
	if (nofile > 0 && lg_cfg.connections + 64 > nofile)
		fprintf(stderr, PROG ": warning: %d connections but only %ld "
			"file descriptors (ulimit -n)\n", lg_cfg.connections,
			nofile);

	if (peer_loop_init(&lg.loop) < 0) {
		fprintf(stderr, PROG ": event loop: %s\n", strerror(errno));
		return 2;
	}
	if (lg_assign_slots() < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lg_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lg.start_us = lg.loop.now = peer_now_us();
	peer_timer_init(&lg.end_t, lg_end_cb);
	peer_timer_init(&lg.phase_t, lg_phase_cb);
	peer_timer_init(&lg.arrival_t, lg_arrival_cb);
	peer_timer_init(&lg.progress_t, lg_progress_cb);
	if (lg_cfg.duration_ms)
		peer_timer_arm(&lg.loop, &lg.end_t,
			       lg.start_us + lg_cfg.duration_ms * US_PER_MS);
	if (lg_cfg.phases_ms)
		peer_timer_arm(&lg.loop, &lg.phase_t,
			       lg.start_us + lg_cfg.phases_ms * US_PER_MS);
	if (lg_cfg.rate) {
		lg.next_arrival = lg.start_us;
		peer_timer_arm(&lg.loop, &lg.arrival_t, lg.next_arrival);
	}
	if (!lg_cfg.quiet && !lg_cfg.json && isatty(2))
		peer_timer_arm(&lg.loop, &lg.progress_t,
			       lg.start_us + US_PER_S);

	/* every slot connects now, working or not: in phase mode the idle
	 * ones hold keep-alive connections to their engine thread */
	for (i = 0; i < lg.nconns; i++) {
		struct lg_conn *c = &lg.conns[i];

		c->pfd.fd = -1;
		c->pfd.cb = lg_conn_io_cb;
		c->in = BUF_NULL;
		c->out = BUF_NULL;
		peer_timer_init(&c->to_t, lg_conn_timeout_cb);
		peer_timer_init(&c->retry_t, lg_conn_retry_cb);
		lg_conn_connect(c);
	}

	if (peer_loop_run(&lg.loop) < 0)
		fprintf(stderr, PROG ": epoll: %s\n", strerror(errno));
	lg.end_us = peer_now_us();
	lg.stopping = 1;
	lg_report();

	for (i = 0; i < lg.nconns; i++) {
		struct lg_conn *c = &lg.conns[i];

		if (c->pfd.fd >= 0)
			close(c->pfd.fd);
		if (c->ctx)
			lg.proto->release(c);
		b_free(&c->in);
		b_free(&c->out);
	}
	for (i = 0; i < lg_cfg.nb_targets; i++)
		b_free(&lg_cfg.targets[i].req_tpl);
	lg_stats_sum(&sum);
	free(lg.conns);
	free(lg.pq);
	peer_loop_destroy(&lg.loop);
	/* a run cut short by a signal before anything finished is not a
	 * failure; a complete run that achieved nothing is */
	if (lg_errors(&sum))
		return 1;
	return (sum.res[LG_OK] || lg.interrupted) ? 0 : 1;
}
