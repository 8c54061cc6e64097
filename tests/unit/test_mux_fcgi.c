/*
 * test_mux_fcgi.c - the FastCGI mux end to end in one process
 * (src/mux_fcgi.c behind an H1 frontend, src/stream.c, src/backend.c).
 *
 * Same set-up as test_mux_h1.c: the real engine threads (harness.h), one
 * H1 frontend per thread, one backend whose server is a FastCGI
 * application inside the test (one blocking thread per connection,
 * records with the fcgi codec), its behaviour picked by each case.
 *
 * What is checked:
 *   - GET_VALUES first, then BEGIN_REQUEST/PARAMS/STDIN; the CGI
 *     environment (SCRIPT_FILENAME from the fcgi-app docroot + path,
 *     REQUEST_METHOD, CONTENT_LENGTH); the STDOUT response; keep-alive
 *     reuse of one connection; USR1 set at each detach, cleared at each
 *     attach; STDERR does not break the response;
 *   - a multiplexing application (FCGI_MPXS_CONNS 1): concurrent requests
 *     share one connection (several requests open on it at once);
 *   - the application closes an idle connection: locked io_cb, released;
 *   - a cross-thread takeover, the old tasklet freed on its own thread;
 *   - 504 (silent application), 502 (bad record), 503 (nobody listens);
 *   - an application that never answers GET_VALUES is still served once
 *     the connect timeout passed;
 *   - legacy mode; nothing leaks.
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
#include <poll.h>
#include <sys/socket.h>

#include "http_msg.h"
#include "harness.h"

#include "activity.h"
#include "buf.h"
#include "connection.h"
#include "fcgi.h"
#include "lab.h"
#include "listener.h"
#include "mux.h"
#include "mux_fcgi.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"

#define NB_THREADS	2
#define DOCROOT		"/srv/www"

/* ---- the FastCGI application inside the test ---------------------------- */

enum app_mode {
	APP_OK = 0,		/* FCGI_MPXS_CONNS 0, answer, keep the conn */
	APP_MPXS,		/* FCGI_MPXS_CONNS 1, answers once nothing
				 * arrived for 30 ms: requests pile up */
	APP_STDERR,		/* STDERR record, then the answer */
	APP_CLOSE_IDLE,		/* answer, close the connection 50 ms later */
	APP_SILENT,		/* never answer a request */
	APP_BAD,		/* answer with a record of version 9 */
	APP_NO_VALUES,		/* ignore GET_VALUES, answer requests */
};

#define APP_MAX_REQS	16

struct app_req {
	uint16_t id;		/* 0: free slot */
	struct buffer params;
	char sf[256];		/* SCRIPT_FILENAME */
	char method[16];
	long clen;
	long stdin_bytes;
	int ready;		/* complete, answer pending (APP_MPXS) */
};

static int app_fd = -1;
static unsigned short app_port;
static int _Atomic app_mode;
static int _Atomic app_accepts;
static int _Atomic app_requests;
static int _Atomic app_values;		/* GET_VALUES answered */
static int _Atomic app_max_open;	/* most requests open at once */
static int _Atomic app_eofs;

static void app_parse_params(struct app_req *r)
{
	struct fcgi_nv nv;
	size_t off = 0;

	while (fcgi_nv_next(b_head(&r->params), b_data(&r->params), &off,
			    &nv) == 1) {
		if (nv.nlen == 15 && !memcmp(nv.n, "SCRIPT_FILENAME", 15))
			snprintf(r->sf, sizeof(r->sf), "%.*s", (int)nv.vlen,
				 nv.v);
		else if (nv.nlen == 14 && !memcmp(nv.n, "REQUEST_METHOD", 14))
			snprintf(r->method, sizeof(r->method), "%.*s",
				 (int)nv.vlen, nv.v);
		else if (nv.nlen == 14 && !memcmp(nv.n, "CONTENT_LENGTH", 14))
			r->clen = strtol(nv.v, NULL, 10);
	}
}

static int app_answer(int fd, struct app_req *r, int mode)
{
	struct buffer out = BUF_NULL;
	char head[512];
	int n, ret;

	n = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
		     "Content-Type: text/plain\r\nX-Script: %s\r\n"
		     "X-Method: %s\r\nX-Stdin: %ld/%ld\r\n\r\nhello\n",
		     r->sf, r->method, r->stdin_bytes, r->clen);
	ret = 0;
	if (mode == APP_STDERR)
		ret = fcgi_emit_record(&out, FCGI_STDERR, r->id, "oops\n", 5);
	if (!ret)
		ret = fcgi_emit_stdout(&out, r->id, head, (size_t)n);
	if (!ret)
		ret = fcgi_emit_stdout(&out, r->id, NULL, 0);
	if (!ret)
		ret = fcgi_emit_end_request(&out, r->id, 0,
					    FCGI_REQUEST_COMPLETE);
	if (mode == APP_BAD)
		out.area[out.head] = 9;		/* version 9: garbage */
	if (!ret && write(fd, b_head(&out), b_data(&out)) !=
	    (ssize_t)b_data(&out))
		ret = -1;
	b_free(&out);
	return ret;
}

static void *app_conn_thread(void *arg)
{
	int fd = (int)(long)arg;
	struct app_req reqs[APP_MAX_REQS];
	struct buffer in = BUF_NULL, out = BUF_NULL;
	struct fcgi_values v;
	struct fcgi_hdr h;
	const char *content;
	int i, ret, open = 0, mode;
	ssize_t n;

	memset(reqs, 0, sizeof(reqs));
	for (;;) {
		ret = fcgi_get_record(b_head(&in), b_data(&in), &h, &content);
		if (ret < 0)
			break;
		if (ret == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int nready = 0;

			for (i = 0; i < APP_MAX_REQS; i++)
				nready += reqs[i].ready;
			if (nready && poll(&pfd, 1, 30) == 0) {
				/* quiet for 30 ms: answer what piled up */
				for (i = 0; i < APP_MAX_REQS; i++) {
					if (!reqs[i].ready)
						continue;
					if (app_answer(fd, &reqs[i], APP_MPXS) < 0)
						goto out;
					b_free(&reqs[i].params);
					reqs[i].id = 0;
					reqs[i].ready = 0;
					open--;
				}
				continue;
			}
			if (b_reserve(&in, 65536, 0, 1 << 22) < 0)
				break;
			n = read(fd, b_tail(&in), b_room(&in));
			if (n <= 0) {
				atomic_fetch_add(&app_eofs, 1);
				break;
			}
			b_add(&in, n);
			continue;
		}
		mode = atomic_load(&app_mode);
		if (h.id == 0 && h.type == FCGI_GET_VALUES) {
			if (mode != APP_NO_VALUES) {
				v.max_conns = 100;
				v.max_reqs = APP_MAX_REQS;
				v.mpxs_conns = mode == APP_MPXS;
				fcgi_emit_get_values_result(&out, content, h.len,
							    &v);
				if (write(fd, b_head(&out), b_data(&out)) < 0)
					break;
				b_reset(&out);
				atomic_fetch_add(&app_values, 1);
			}
			b_del(&in, ret);
			continue;
		}
		for (i = 0; i < APP_MAX_REQS; i++)
			if (reqs[i].id == h.id && h.id)
				break;
		if (h.type == FCGI_BEGIN_REQUEST && i == APP_MAX_REQS) {
			for (i = 0; i < APP_MAX_REQS && reqs[i].id; i++)
				;
			if (i < APP_MAX_REQS) {
				memset(&reqs[i], 0, sizeof(reqs[i]));
				reqs[i].id = h.id;
				open++;
				if (open > atomic_load(&app_max_open))
					atomic_store(&app_max_open, open);
			}
		} else if (i < APP_MAX_REQS && h.type == FCGI_PARAMS) {
			if (h.len)
				b_putblk(&reqs[i].params, content, h.len,
					 1 << 20);
			else
				app_parse_params(&reqs[i]);
		} else if (i < APP_MAX_REQS && h.type == FCGI_STDIN) {
			reqs[i].stdin_bytes += h.len;
			if (!h.len) {
				atomic_fetch_add(&app_requests, 1);
				if (mode == APP_MPXS) {
					reqs[i].ready = 1;
					b_del(&in, ret);
					continue;
				}
				if (mode != APP_SILENT &&
				    app_answer(fd, &reqs[i], mode) < 0)
					break;
				b_free(&reqs[i].params);
				reqs[i].id = 0;
				open--;
				if (mode == APP_CLOSE_IDLE) {
					test_usleep(50000);
					break;
				}
			}
		}
		b_del(&in, ret);
	}
out:
	for (i = 0; i < APP_MAX_REQS; i++)
		b_free(&reqs[i].params);
	b_free(&in);
	b_free(&out);
	close(fd);
	return NULL;
}

static void *app_accept_thread(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	while ((fd = accept(app_fd, NULL, NULL)) >= 0) {
		atomic_fetch_add(&app_accepts, 1);
		if (pthread_create(&th, NULL, app_conn_thread,
				   (void *)(long)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
	return NULL;
}

static int app_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	pthread_t th;
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	app_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (app_fd < 0)
		return -1;
	setsockopt(app_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(app_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(app_fd, 128) < 0 ||
	    getsockname(app_fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	app_port = ntohs(a.sin_port);
	if (pthread_create(&th, NULL, app_accept_thread, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

/* ---- the proxy (mux_harness.h): one H1 frontend per thread, one FastCGI
 * backend */

#define MT_FE_MUX		mux_h1_ops
#define MT_BE_MUX		mux_fcgi_ops
#define MT_SRV_NAME		"app"
#define MT_SRV_PORT		app_port
#define MT_TIMEOUT_CONNECT	100	/* also the GET_VALUES wait */
#define MT_SRV_INIT(s)		do {					\
		(s)->fcgi_docroot = strdup(DOCROOT);			\
		(s)->fcgi_index = strdup("index.php");			\
	} while (0)
#include "mux_harness.h"

/* ---- the HTTP/1.1 client ------------------------------------------------------ */

static __thread char cli_hdrs[8192];	/* last response headers, lower case */

/* Read one response: its status, body into <body>; 0 if closed first,
 * -1 on timeout or garbage. */
static int cli_read_rsp(int fd, char *body, size_t bsize)
{
	size_t len = 0, clen = 0;
	char *p;
	int status;
	ssize_t n;

	for (;;) {
		n = read(fd, cli_hdrs + len, 1);
		if (n == 0 && len == 0)
			return 0;
		if (n <= 0)
			return -1;
		len += n;
		cli_hdrs[len] = 0;
		if (len >= 4 && !memcmp(cli_hdrs + len - 4, "\r\n\r\n", 4))
			break;
		if (len >= sizeof(cli_hdrs) - 1)
			return -1;
	}
	if (sscanf(cli_hdrs, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	for (p = cli_hdrs; *p; p++)
		*p = (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p;
	p = strstr(cli_hdrs, "content-length:");
	if (p)
		clen = strtoul(p + 15, NULL, 10);
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
	return status;
}

/* one request (<data> non-NULL: a POST); the status, -2 if a 200 did not
 * carry the application's body */
static int cli_req(int fd, const char *path, const char *data)
{
	char req[512], body[512];
	int st, n;

	if (data)
		n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nhost: t\r\n"
			     "content-length: %zu\r\n\r\n%s", path,
			     strlen(data), data);
	else
		n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nhost: t\r\n"
			     "\r\n", path);
	if (write(fd, req, (size_t)n) != n)
		return -1;
	st = cli_read_rsp(fd, body, sizeof(body));
	if (st == 200 && strcmp(body, "hello\n") != 0)
		return -2;
	return st;
}

/* ---- cases ------------------------------------------------------------------------ */

static int show_flags(void)
{
	char buf[64];

	CHECK(strcmp(fconn_show_flags(buf, sizeof(buf), 0), "0") == 0, "0");
	CHECK(strcmp(fconn_show_flags(buf, sizeof(buf), 0x30),
		     "VALUES|MPXS") == 0, "got %s", buf);
	return 0;
}

/* GET, POST, GET on one client connection: GET_VALUES once, the CGI
 * variables, one application connection reused; USR1 at each detach. */
static int requests_and_params(void)
{
	int fd, st, accepts0, values0;

	atomic_store(&app_mode, APP_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	accepts0 = atomic_load(&app_accepts);
	values0 = atomic_load(&app_values);
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	st = cli_req(fd, "/a/x.php?q=1", NULL);
	CHECK(st == 200, "GET: %d", st);
	CHECK(strstr(cli_hdrs, "x-script: " DOCROOT "/a/x.php\r\n") &&
	      strstr(cli_hdrs, "x-method: get\r\n"), "CGI vars: %.300s",
	      cli_hdrs);
	st = cli_req(fd, "/dir/", "abcdef");
	CHECK(st == 200, "POST: %d", st);
	CHECK(strstr(cli_hdrs, "x-script: " DOCROOT "/dir/index.php\r\n") &&
	      strstr(cli_hdrs, "x-stdin: 6/6\r\n"), "POST vars: %.300s",
	      cli_hdrs);
	atomic_store(&app_mode, APP_STDERR);
	st = cli_req(fd, "/e", NULL);
	CHECK(st == 200, "GET with STDERR: %d", st);
	close(fd);
	CHECK(atomic_load(&app_accepts) - accepts0 == 1, "%d app conns",
	      atomic_load(&app_accepts) - accepts0);
	CHECK(atomic_load(&app_values) - values0 == 1, "GET_VALUES %d",
	      atomic_load(&app_values) - values0);
	CHECK(ACT_DELTA(flag_set) == 3 && ACT_DELTA(flag_clear) == 3,
	      "flag_set %lu flag_clear %lu", (unsigned long)ACT_DELTA(flag_set),
	      (unsigned long)ACT_DELTA(flag_clear));
	CHECK(atomic_load(&srv->curr_safe_nb) == 1, "not in the safe list");
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	return 0;
}

struct par_arg {
	int thr;
	int _Atomic status;
};

static void *par_client(void *arg)
{
	struct par_arg *pa = arg;
	int fd = cli_connect(pa->thr);

	atomic_store(&pa->status, fd < 0 ? -1 : cli_req(fd, "/m", NULL));
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* A multiplexing application: once it said FCGI_MPXS_CONNS 1, four
 * concurrent requests of one thread share its connection (http-reuse
 * always: the idle conn goes to the available list, the next ones find it
 * there), several open at once on it. */
static int multiplexed(void)
{
	struct par_arg pa[4];
	pthread_t th[4];
	int fd, i, accepts0;

	atomic_store(&app_mode, APP_MPXS);
	atomic_store(&app_max_open, 0);
	want_reuse = REUSE_ALWAYS;
	CHECK(start() == 0, "engine start");
	want_reuse = REUSE_SAFE;
	accepts0 = atomic_load(&app_accepts);
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_req(fd, "/first", NULL) == 200, "first request");
	close(fd);
	for (i = 0; i < 4; i++) {
		pa[i].thr = 0;
		atomic_store(&pa[i].status, 0);
		CHECK(pthread_create(&th[i], NULL, par_client, &pa[i]) == 0,
		      "thread");
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		CHECK(atomic_load(&pa[i].status) == 200, "client %d: %d", i,
		      atomic_load(&pa[i].status));
	CHECK(atomic_load(&app_accepts) - accepts0 == 1, "%d app conns",
	      atomic_load(&app_accepts) - accepts0);
	CHECK(atomic_load(&app_max_open) >= 2, "never more than %d at once",
	      atomic_load(&app_max_open));
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	return 0;
}

/* The application closes the idle connection: locked io_cb, released,
 * not re-inserted. */
static int app_closes_idle(void)
{
	int fd;

	atomic_store(&app_mode, APP_CLOSE_IDLE);
	CHECK(start() == 0, "engine start");
	act_mark();
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	CHECK(cli_req(fd, "/x", NULL) == 200, "request");
	CHECK(wait_until(ACT_DELTA(io_cb[SIDE_BACK][MUX_FCGI][PATH_LOCKED])
			 >= 1 && atomic_load(&srv->curr_idle_conns) == 0 &&
			 atomic_load(&srv->curr_used_conns) == 0, 2000),
	      "idle conn not released (idle %d used %d)",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_used_conns));
	CHECK(ACT_DELTA(lock_acq[SITE_IO_CB]) ==
	      ACT_DELTA(io_cb[SIDE_BACK][MUX_FCGI][PATH_LOCKED]),
	      "a closed conn was re-inserted");
	close(fd);
	engine_stop();
	return 0;
}

/* Thread 0 pools a conn (pool-max-conn 1); a non-first request of thread
 * 1 steals it; the old tasklet frees itself on thread 0. */
static int takeover_across_threads(void)
{
	uint64_t stolen0;
	int fd0, fd1, accepts0;

	atomic_store(&app_mode, APP_OK);
	want_max_idle = 1;
	CHECK(start() == 0, "engine start");
	want_max_idle = 16;
	stolen0 = ACT_THR(0, stolen_free);
	fd0 = cli_connect(0);
	CHECK(fd0 >= 0, "connect 0");
	CHECK(cli_req(fd0, "/a", NULL) == 200, "thread 0 request");
	CHECK(wait_until(atomic_load(&srv->curr_idle_thr[0]) == 1, 1000),
	      "thread 0 did not pool its conn");
	fd1 = cli_connect(1);
	CHECK(fd1 >= 0, "connect 1");
	CHECK(cli_req(fd1, "/b", NULL) == 200, "thread 1 first request");
	accepts0 = atomic_load(&app_accepts);
	CHECK(cli_req(fd1, "/c", NULL) == 200, "thread 1 second request");
	CHECK(atomic_load(&app_accepts) == accepts0,
	      "a new app connection instead of a steal");
	CHECK(ACT_THR(1, takeover_ok) >= 1, "no takeover on 1");
	CHECK(wait_until(ACT_THR(0, stolen_free) == stolen0 + 1, 1000),
	      "old tasklet not freed on thread 0");
	close(fd0);
	close(fd1);
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	return 0;
}

/* 504 from a silent application, 502 from a bad record, 503 when nobody
 * listens; an application that ignores GET_VALUES is served after the
 * connect timeout. */
static int errors_and_fallback(void)
{
	unsigned short port = app_port;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	uint64_t t0;
	int fd, st, tmp;

	CHECK(start() == 0, "engine start");
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	atomic_store(&app_mode, APP_SILENT);
	st = cli_req(fd, "/s", NULL);
	CHECK(st == 504, "silent: %d", st);
	atomic_store(&app_mode, APP_BAD);
	st = cli_req(fd, "/b", NULL);
	CHECK(st == 502, "bad record: %d", st);
	atomic_store(&app_mode, APP_NO_VALUES);
	t0 = test_ms();
	st = cli_req(fd, "/nv", NULL);
	CHECK(st == 200, "no GET_VALUES answer: %d", st);
	CHECK(test_ms() - t0 >= 80, "served before the connect timeout");
	close(fd);
	engine_stop();

	tmp = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(tmp, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(tmp, (struct sockaddr *)&a, &len) == 0, "probe");
	close(tmp);
	app_port = ntohs(a.sin_port);
	CHECK(start() == 0, "engine start");
	app_port = port;
	fd = cli_connect(0);
	CHECK(fd >= 0, "connect");
	st = cli_req(fd, "/r", NULL);
	CHECK(st == 503, "refused: %d", st);
	close(fd);
	engine_stop();
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* Legacy mode: every io_cb locks; USR1 never touched. */
static int legacy_mode(void)
{
	int fd, i;

	lab_mode = MODE_LEGACY;
	atomic_store(&app_mode, APP_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	fd = cli_connect(1);
	CHECK(fd >= 0, "connect");
	for (i = 0; i < 3; i++)
		CHECK(cli_req(fd, "/l", NULL) == 200, "request %d", i);
	close(fd);
	CHECK(ACT_DELTA(io_cb[SIDE_BACK][MUX_FCGI][PATH_FAST]) == 0,
	      "a fast path in legacy mode");
	CHECK(ACT_DELTA(io_cb[SIDE_BACK][MUX_FCGI][PATH_LOCKED]) >= 3,
	      "back io_cbs not locked");
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
	if (fd_init(0) < 0 || app_start() < 0) {
		printf("FAIL setup\n");
		return 1;
	}
	RUN(show_flags);
	RUN(requests_and_params);
	RUN(multiplexed);
	RUN(app_closes_idle);
	RUN(takeover_across_threads);
	RUN(errors_and_fallback);
	RUN(legacy_mode);
	RUN(nothing_leaked);
	srv_free_all();
	fd_deinit();
	return test_failures ? 1 : 0;
}
