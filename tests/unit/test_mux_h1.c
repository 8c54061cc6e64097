/*
 * test_mux_h1.c - the H1 mux, the stream and the listener, end to end in
 * one process (src/mux_h1.c, src/stream.c, src/listener.c).
 *
 * Runs the real engine threads (harness.h) with a real listener bound on
 * an ephemeral port, a frontend and a backend built by hand, and an HTTP
 * server inside the test (one blocking thread per connection) whose
 * behaviour each case picks: answer with keep-alive, answer then close
 * the idle connection a little later, never answer, or close without
 * answering. The test's main thread is the client, with blocking sockets.
 *
 * What is checked, mostly through the per-thread activity counters (the
 * same numbers the trace shows, without a tracing session):
 *   - a request, keep-alive, and the back connection reused from the idle
 *     then the safe list; TASK_F_USR1 set at each detach, cleared at each
 *     attach; front io_cbs always on the fast path (usr1 mode);
 *   - pipelined requests answered in order; HTTP/1.0 and "connection:
 *     close"; a malformed request gets 400 and a close;
 *   - the server closes an idle connection: its tasklet runs the locked
 *     path and the connection is freed, not re-inserted;
 *   - a cross-thread takeover: the stealer emits/counts it, the old
 *     tasklet frees itself ON THE VICTIM THREAD, the request is served;
 *   - 503 (connection refused), 504 (timeout server), 502 (closed before
 *     any response on a first request), and the silent close of a
 *     non-first request whose reused connection was closed by the server
 *     (HAProxy abort_keep_alive);
 *   - legacy mode: every io_cb locks, USR1 is never set;
 *   - nothing leaks (connections, tasks, tasklets, streams).
 *
 * Prints "PASS name" / "FAIL name: why" per case, exits non-zero if any
 * case failed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "http_msg.h"
#include "harness.h"

#include "activity.h"
#include "connection.h"
#include "lab.h"
#include "listener.h"
#include "mux.h"
#include "mux_h1.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"

#define NB_THREADS	2

/* ---- the HTTP server inside the test ------------------------------------ */

enum srv_mode {
	SRV_OK = 0,		/* answer, keep the connection open */
	SRV_OK_THEN_CLOSE,	/* answer, close 50 ms later (idle close) */
	SRV_SILENT,		/* read the request, never answer */
	SRV_RESET,		/* read the request, close without answering */
	SRV_OK_ONCE,		/* answer the first request, then behave as
				 * SRV_RESET on that connection */
};

static int srv_fd = -1;
static unsigned short srv_port;
static int _Atomic srv_mode;
static int _Atomic srv_accepts;		/* connections accepted */
static int _Atomic srv_requests;	/* requests read */

static const char srv_rsp[] =
	"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
	"content-length: 6\r\n\r\nhello\n";

/* read until the end of one request's headers (requests have no body) */
static int srv_read_req(int fd)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, 1);	/* byte by byte: no over-read */
		if (n <= 0)
			return -1;
		len += n;
		if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
			return 0;
	}
	return -1;
}

static void *srv_conn_thread(void *arg)
{
	int fd = (int)(long)arg;
	int served = 0;

	while (srv_read_req(fd) == 0) {
		int mode = atomic_load(&srv_mode);

		atomic_fetch_add(&srv_requests, 1);
		if (mode == SRV_OK_ONCE && served)
			mode = SRV_RESET;
		if (mode == SRV_SILENT) {
			char c;

			while (read(fd, &c, 1) > 0)
				;
			break;
		}
		if (mode == SRV_RESET)
			break;
		if (write(fd, srv_rsp, sizeof(srv_rsp) - 1) < 0)
			break;
		served++;
		if (mode == SRV_OK_THEN_CLOSE) {
			test_usleep(50000);
			break;
		}
	}
	close(fd);
	return NULL;
}

static void *srv_accept_thread(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	while ((fd = accept(srv_fd, NULL, NULL)) >= 0) {
		atomic_fetch_add(&srv_accepts, 1);
		if (pthread_create(&th, NULL, srv_conn_thread,
				   (void *)(long)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
	return NULL;
}

static int srv_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	pthread_t th;
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv_fd < 0)
		return -1;
	setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv_fd, 128) < 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	srv_port = ntohs(a.sin_port);
	if (pthread_create(&th, NULL, srv_accept_thread, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

/* ---- the proxy (mux_harness.h): one H1 frontend per thread, one H1 backend */

#define MT_FE_MUX		mux_h1_ops
#define MT_BE_MUX		mux_h1_ops
#define MT_SRV_NAME		"s1"
#define MT_SRV_PORT		srv_port
#define MT_TIMEOUT_CONNECT	1000
#include "mux_harness.h"

/* ---- the client ------------------------------------------------------------ */

static int cli_send(int fd, const char *req)
{
	size_t len = strlen(req);

	return write(fd, req, len) == (ssize_t)len ? 0 : -1;
}

/* Read one response: returns its status (and body in <body>), 0 if the
 * connection closed before any byte, -1 on timeout or garbage. Tells
 * whether the response said "connection: close" in <closing>. */
static int cli_read_rsp(int fd, char *body, size_t bsize, int *closing)
{
	static char buf[8192];
	size_t len = 0, hlen, clen = 0;
	char *end, *p;
	int status;
	ssize_t n;

	if (closing)
		*closing = 0;
	for (;;) {
		n = read(fd, buf + len, 1);
		if (n == 0 && len == 0)
			return 0;
		if (n <= 0)
			return -1;
		len += n;
		buf[len] = 0;
		if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
			break;
		if (len >= sizeof(buf) - 1)
			return -1;
	}
	hlen = len;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	for (p = buf; *p; p++)
		*p = (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p;
	end = strstr(buf, "content-length:");
	if (end)
		clen = strtoul(end + 15, NULL, 10);
	if (closing && strstr(buf, "connection: close"))
		*closing = 1;
	if (clen >= bsize)
		return -1;
	len = 0;
	while (len < clen) {
		n = read(fd, body + len, clen - len);
		if (n <= 0)
			return -1;
		len += n;
	}
	body[len] = 0;
	(void)hlen;
	return status;
}

/* one GET on <fd>; returns the status (body must be "hello\n" for 200) */
static int cli_get(int fd, const char *extra)
{
	char req[512], body[512];
	int st;

	snprintf(req, sizeof(req), "GET /x HTTP/1.1\r\nhost: t\r\n%s\r\n",
		 extra ? extra : "");
	if (cli_send(fd, req) < 0)
		return -1;
	st = cli_read_rsp(fd, body, sizeof(body), NULL);
	if (st == 200 && strcmp(body, "hello\n") != 0)
		return -2;
	return st;
}

/* is the connection closed by the peer (read returns 0) within 3 s? */
static int cli_closed(int fd)
{
	char c;

	return read(fd, &c, 1) == 0;
}

/* ---- cases ------------------------------------------------------------------------ */

static int show_flags(void)
{
	char buf[64];

	CHECK(strcmp(h1c_show_flags(buf, sizeof(buf), 0), "0") == 0, "0");
	CHECK(strcmp(h1c_show_flags(buf, sizeof(buf), 0x80000001),
		     "ST_IDLE|IS_BACK") == 0, "got %s", buf);
	return 0;
}

/* Three requests on one client connection: one back connection, reused
 * (first from the idle list, then from the safe list); USR1 set at each
 * detach and cleared at each attach; every front io_cb is lock-free. */
static int keepalive_reuse(void)
{
	int fd, i, accepts0;

	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	accepts0 = atomic_load(&srv_accepts);
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	for (i = 0; i < 3; i++)
		CHECK(cli_get(fd, NULL) == 200, "request %d", i);
	close(fd);
	CHECK(atomic_load(&srv_accepts) - accepts0 == 1,
	      "%d server connections for 3 requests",
	      atomic_load(&srv_accepts) - accepts0);
	CHECK(ACT_DELTA(conn_new[SIDE_BACK]) == 1, "back conns");
	CHECK(ACT_DELTA(flag_set) == 3, "flag_set %lu",
	      (unsigned long)ACT_DELTA(flag_set));
	CHECK(ACT_DELTA(flag_clear) == 3, "flag_clear %lu",
	      (unsigned long)ACT_DELTA(flag_clear));
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H1][PATH_LOCKED]) == 0,
	      "a front io_cb took the lock");
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H1][PATH_FAST]) >= 3,
	      "front io_cbs");
	CHECK(ACT_DELTA(req_ok) == 3, "req_ok");
	/* the conn waits in the safe list (it served non-first requests) */
	CHECK(atomic_load(&srv->curr_safe_nb) == 1 &&
	      atomic_load(&srv->curr_idle_conns) == 1, "safe %d idle %d",
	      atomic_load(&srv->curr_safe_nb),
	      atomic_load(&srv->curr_idle_conns));
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* Three pipelined requests in one write: three answers, in order, the
 * last one closing the connection as asked. */
static int pipelining(void)
{
	char body[64];
	int fd, i, st, closing;

	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(1);
	CHECK(fd >= 0, "connect");
	CHECK(cli_send(fd, "GET /1 HTTP/1.1\r\nhost: t\r\n\r\n"
		       "GET /2 HTTP/1.1\r\nhost: t\r\n\r\n"
		       "GET /3 HTTP/1.1\r\nhost: t\r\nconnection: close\r\n"
		       "\r\n") == 0, "send");
	for (i = 0; i < 3; i++) {
		st = cli_read_rsp(fd, body, sizeof(body), &closing);
		CHECK(st == 200, "response %d: %d", i, st);
		CHECK(closing == (i == 2), "response %d closing %d", i,
		      closing);
	}
	CHECK(cli_closed(fd), "not closed after connection: close");
	close(fd);
	engine_stop();
	return 0;
}

/* HTTP/1.0 without keep-alive: answered, then closed. */
static int http10_close(void)
{
	char body[64];
	int fd, st, closing;

	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_send(fd, "GET /x HTTP/1.0\r\nhost: t\r\n\r\n") == 0, "send");
	st = cli_read_rsp(fd, body, sizeof(body), &closing);
	CHECK(st == 200 && closing, "status %d closing %d", st, closing);
	CHECK(cli_closed(fd), "not closed");
	close(fd);
	engine_stop();
	return 0;
}

/* A malformed request: 400, connection: close, closed; no stream leaks. */
static int bad_request(void)
{
	char body[64];
	int fd, st, closing;

	CHECK(start() == 0, "engine start");
	act_mark();
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_send(fd, "GARBAGE\r\n\r\n") == 0, "send");
	st = cli_read_rsp(fd, body, sizeof(body), &closing);
	CHECK(st == 400 && closing, "status %d closing %d", st, closing);
	CHECK(cli_closed(fd), "not closed");
	close(fd);
	CHECK(ACT_DELTA(req_err) == 1, "req_err");
	CHECK(ACT_DELTA(conn_new[SIDE_BACK]) == 0, "a back conn was made");
	engine_stop();
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* The server closes the idle connection: the tasklet (USR1) wakes, takes
 * the locked path, finds the conn in its list, takes it out, sees the
 * read0 and releases it; nothing is re-inserted. */
static int server_closes_idle(void)
{
	int fd;

	atomic_store(&srv_mode, SRV_OK_THEN_CLOSE);
	CHECK(start() == 0, "engine start");
	act_mark();
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_get(fd, NULL) == 200, "request");
	CHECK(wait_until(ACT_DELTA(io_cb[SIDE_BACK][MUX_H1][PATH_LOCKED]) >= 1
			 && atomic_load(&srv->curr_idle_conns) == 0, 2000),
	      "idle conn not released (locked io_cbs %lu, idle %d)",
	      (unsigned long)ACT_DELTA(io_cb[SIDE_BACK][MUX_H1][PATH_LOCKED]),
	      atomic_load(&srv->curr_idle_conns));
	CHECK(wait_until(atomic_load(&srv->curr_used_conns) == 0, 2000),
	      "back conn still counted as used");
	CHECK(ACT_DELTA(lock_acq[SITE_IO_CB]) ==
	      ACT_DELTA(io_cb[SIDE_BACK][MUX_H1][PATH_LOCKED]),
	      "the io_cb re-inserted a closed conn");
	close(fd);
	engine_stop();
	return 0;
}

/* Thread 0 parks a conn in its idle list (pool-max-conn 1 keeps thread 1
 * from pooling its own); a non-first request on thread 1 steals it. The
 * stealer counts the takeover, the OLD tasklet frees itself on thread 0,
 * the request is answered over the stolen connection. */
static int takeover_across_threads(void)
{
	uint64_t stolen0;
	int fd0, fd1, accepts0;

	atomic_store(&srv_mode, SRV_OK);
	want_max_idle = 1;
	CHECK(start() == 0, "engine start");
	want_max_idle = 16;
	stolen0 = ACT_THR(0, stolen_free);

	fd0 = cli_connect(0);
	CHECK(fd0 >= 0, "connect 0");
	CHECK(cli_get(fd0, NULL) == 200, "thread 0 request");
	CHECK(wait_until(atomic_load(&srv->curr_idle_thr[0]) == 1, 1000),
	      "thread 0 did not pool its conn");

	fd1 = cli_connect(1);
	CHECK(fd1 >= 0, "connect 1");
	/* first request: a new conn (http-reuse safe), refused by the full
	 * pool at detach and destroyed */
	CHECK(cli_get(fd1, NULL) == 200, "thread 1 first request");
	accepts0 = atomic_load(&srv_accepts);
	/* not first: thread 1's pool is empty, it steals thread 0's */
	CHECK(cli_get(fd1, NULL) == 200, "thread 1 second request");
	CHECK(atomic_load(&srv_accepts) == accepts0,
	      "a new server connection instead of a steal");
	CHECK(ACT_THR(1, takeover_ok) >= 1, "no takeover counted on 1");
	CHECK(wait_until(ACT_THR(0, stolen_free) == stolen0 + 1, 1000),
	      "old tasklet not freed on thread 0 (%lu)",
	      (unsigned long)(ACT_THR(0, stolen_free) - stolen0));
	/* the stolen conn now idles on thread 1 */
	CHECK(atomic_load(&srv->curr_idle_thr[1]) == 1 &&
	      atomic_load(&srv->curr_idle_thr[0]) == 0, "idle per thread %d %d",
	      atomic_load(&srv->curr_idle_thr[0]),
	      atomic_load(&srv->curr_idle_thr[1]));
	close(fd0);
	close(fd1);
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	return 0;
}

/* Nobody listens on the server's port: 503, and the client keeps its
 * connection (keep-alive after an error response). */
static int refused_503(void)
{
	unsigned short port = srv_port;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd, tmp;

	/* a port nobody listens on: bind one, read it, close it */
	tmp = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(tmp, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(tmp, (struct sockaddr *)&a, &len) == 0, "probe");
	close(tmp);
	srv_port = ntohs(a.sin_port);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_get(fd, NULL) == 503, "not 503");
	srv_port = port;
	close(fd);
	engine_stop();
	return 0;
}

/* The server never answers: 504 after timeout server (300 ms), the back
 * connection is destroyed, not pooled. */
static int timeout_504(void)
{
	uint64_t t0;
	int fd, st;

	atomic_store(&srv_mode, SRV_SILENT);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	t0 = test_ms();
	st = cli_get(fd, NULL);
	CHECK(st == 504, "status %d", st);
	CHECK(test_ms() - t0 >= 250, "too early: %lu ms",
	      (unsigned long)(test_ms() - t0));
	CHECK(wait_until(atomic_load(&srv->curr_used_conns) == 0, 1000),
	      "back conn kept");
	CHECK(atomic_load(&srv->curr_idle_conns) == 0, "504 conn pooled");
	close(fd);
	engine_stop();
	return 0;
}

/* The server closes without answering the FIRST request: 502. */
static int closed_first_502(void)
{
	int fd, st;

	atomic_store(&srv_mode, SRV_RESET);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	st = cli_get(fd, NULL);
	CHECK(st == 502, "status %d", st);
	close(fd);
	engine_stop();
	return 0;
}

/* The reused connection is closed by the server when a NON-first request
 * is sent on it: no response, the client connection is closed so that the
 * client retries (HAProxy abort_keep_alive). */
static int closed_not_first_silent(void)
{
	int fd, st;

	atomic_store(&srv_mode, SRV_OK_ONCE);
	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_get(fd, NULL) == 200, "first request");
	st = cli_get(fd, NULL);
	CHECK(st == 0, "expected a silent close, got status %d", st);
	close(fd);
	engine_stop();
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* Legacy mode (before e388f2fbc): every io_cb, front included, takes the
 * lock; TASK_F_USR1 is never set nor cleared. */
static int legacy_mode(void)
{
	int fd, i;

	lab_mode = MODE_LEGACY;
	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	fd = cli_connect(1);
	CHECK(fd >= 0, "connect");
	for (i = 0; i < 3; i++)
		CHECK(cli_get(fd, NULL) == 200, "request %d", i);
	close(fd);
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H1][PATH_FAST]) == 0 &&
	      ACT_DELTA(io_cb[SIDE_BACK][MUX_H1][PATH_FAST]) == 0,
	      "a fast path in legacy mode");
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H1][PATH_LOCKED]) >= 3,
	      "front io_cbs not locked");
	CHECK(ACT_DELTA(flag_set) == 0 && ACT_DELTA(flag_clear) == 0,
	      "USR1 touched in legacy mode");
	engine_stop();
	lab_mode = MODE_USR1;
	return 0;
}

static int nothing_leaked(void)
{
	CHECK(conn_live_count() == 0, "%ld connections", conn_live_count());
	CHECK(sched_live_tasks() == 0, "%ld tasks", sched_live_tasks());
	CHECK(sched_live_tasklets() == 0, "%ld tasklets",
	      sched_live_tasklets());
	CHECK(stream_live_count() == 0, "%ld streams", stream_live_count());
	return 0;
}

int main(void)
{
	test_init();
	http_bufsize = HTTP_BUFSIZE_DEF;	/* the engine streams bodies */
	if (fd_init(0) < 0 || srv_start() < 0) {
		printf("FAIL setup\n");
		return 1;
	}
	RUN(show_flags);
	RUN(keepalive_reuse);
	RUN(pipelining);
	RUN(http10_close);
	RUN(bad_request);
	RUN(server_closes_idle);
	RUN(takeover_across_threads);
	RUN(refused_503);
	RUN(timeout_504);
	RUN(closed_first_502);
	RUN(closed_not_first_silent);
	RUN(legacy_mode);
	RUN(nothing_leaked);
	srv_free_all();
	fd_deinit();
	return test_failures ? 1 : 0;
}
