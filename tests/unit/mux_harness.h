/*
 * mux_harness.h - the proxy and the counters shared by the end-to-end mux
 * tests (test_mux_h1.c, test_mux_h2.c, test_mux_fcgi.c; header only, on
 * top of harness.h).
 *
 * The including test defines, before including it:
 *   NB_THREADS          engine threads (one frontend and listener each)
 *   MT_FE_MUX           the frontends' mux (struct mux_ops)
 *   MT_BE_MUX           the backend's mux
 *   MT_SRV_NAME         the server's name
 *   MT_SRV_PORT         an lvalue: the port of the server inside the test
 *   MT_TIMEOUT_CONNECT  the backend's timeout connect, ms
 * and may define MT_SRV_INIT(srv), run once when the server is created
 * (FastCGI: its docroot and index).
 *
 * The proxy: frontend i is bound "thread i+1" on an ephemeral loopback
 * port (fe_port(i)), so a client picks the engine thread by its port; all
 * share one backend with one server. want_max_idle and want_reuse are
 * read at each start(), so a case can change them for one run.
 *
 * The counters: the activity counters are plain per-thread fields written
 * by their thread. The tests read them through a job on each engine
 * thread (the job's completion flag is the synchronisation), never
 * directly, so that ThreadSanitizer agrees.
 */
#ifndef MUXLAB_TEST_MUX_HARNESS_H
#define MUXLAB_TEST_MUX_HARNESS_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "harness.h"

#include "activity.h"
#include "connection.h"
#include "listener.h"
#include "mux.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"

/* ---- the proxy ------------------------------------------------------------- */

static struct proxy fe[NB_THREADS], be;
static struct listener lst[NB_THREADS];
static struct server *srv;
static struct proxy *proxies;
static int want_max_idle = 16;		/* pool-max-conn for the next start */
static enum reuse_mode want_reuse = REUSE_SAFE;	/* http-reuse, same */
static int want_retries;			/* retries, same */

static void thr_stop_front(void)
{
	listeners_disable_thread(proxies);
	conn_shutdown_front_thread();
}

static void thr_stop_back(void)
{
	srv_cleanup_thread();
}

static int thr_init(void)
{
	if (srv_init_thread() < 0)
		return -1;
	return listeners_enable_thread(proxies);
}

static void thr_deinit(void)
{
	stream_deinit_thread();
	listeners_deinit_thread();
}

static const struct thread_hooks hooks = {
	.init		= thr_init,
	.stop_front	= thr_stop_front,
	.stop_back	= thr_stop_back,
	.deinit		= thr_deinit,
};

/* Build the proxies (the server once) and point the server at
 * MT_SRV_PORT. */
static int setup_proxies(void)
{
	struct sockaddr_in *a;
	int i;

	if (!srv) {
		srv = srv_new(MT_SRV_NAME);
		if (!srv)
			return -1;
#ifdef MT_SRV_INIT
		MT_SRV_INIT(srv);
#endif
	}
	memset(&be, 0, sizeof(be));
	be.id = "be";
	be.cap = PR_CAP_BE;
	be.srv = srv;
	be.nb_srv = 1;
	be.reuse = want_reuse;
	be.retries = want_retries;
	be.timeout_connect = MT_TIMEOUT_CONNECT;
	be.timeout_server = 300;
	srv->proxy = &be;
	srv->mux = &MT_BE_MUX;
	srv->max_idle_conns = want_max_idle;
	srv->pool_purge_delay = 10000;
	a = (struct sockaddr_in *)&srv->addr;
	memset(&srv->addr, 0, sizeof(srv->addr));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(MT_SRV_PORT);
	srv->addrlen = sizeof(*a);

	proxies = NULL;
	for (i = NB_THREADS - 1; i >= 0; i--) {
		memset(&fe[i], 0, sizeof(fe[i]));
		memset(&lst[i], 0, sizeof(lst[i]));
		fe[i].id = "fe";
		fe[i].cap = PR_CAP_FE;
		fe[i].listeners = &lst[i];
		fe[i].defbe = &be;
		fe[i].timeout_client = 2000;
		fe[i].timeout_http_ka = 2000;
		fe[i].next = proxies;
		proxies = &fe[i];

		a = (struct sockaddr_in *)&lst[i].addr;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lst[i].addrlen = sizeof(*a);
		lst[i].thr = i;
		lst[i].mux = &MT_FE_MUX;
		lst[i].fe = &fe[i];
		lst[i].conf_file = "test";
		lst[i].conf_line = i + 1;
	}
	be.next = NULL;
	fe[NB_THREADS - 1].next = &be;
	return 0;
}

/* bind the listeners and start the engine */
static int start(void)
{
	int i;

	if (setup_proxies() < 0)
		return -1;
	nbthread = NB_THREADS;
	for (i = 0; i < NB_THREADS; i++)
		if (listener_bind(&lst[i]) < 0)
			return -1;
	return engine_start(NB_THREADS, &hooks);
}

static unsigned short fe_port(int thr)
{
	return ntohs(((struct sockaddr_in *)&lst[thr].addr)->sin_port);
}

/* A blocking TCP client of frontend <thr> (3 s receive timeout, no Nagle),
 * or -1. */
static inline int cli_connect(int thr)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 3, 0 };
	int fd, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(fe_port(thr));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- counters -------------------------------------------------------------- */

static struct activity act_thr[NB_THREADS];	/* last snapshot, per thread */
static struct activity act0;			/* sum at act_mark() */

static void job_copy_act(void *arg)
{
	memcpy(arg, &activity[tid], sizeof(struct activity));
}

/* snapshot every thread into act_thr[] and return their sum in <sum> */
static int act_snapshot(struct activity *sum)
{
	uint64_t *d = (uint64_t *)sum;
	size_t i, n = sizeof(*sum) / sizeof(uint64_t);
	int thr;

	memset(sum, 0, sizeof(*sum));
	for (thr = 0; thr < NB_THREADS; thr++) {
		const uint64_t *s = (const uint64_t *)&act_thr[thr];

		if (run_on(thr, job_copy_act, &act_thr[thr]) < 0)
			return -1;
		for (i = 0; i < n; i++)
			d[i] += s[i];
	}
	return 0;
}

static void act_mark(void)
{
	act_snapshot(&act0);
}

/* delta of field <f> since act_mark() (a fresh snapshot each time) */
#define ACT_DELTA(f) ({ struct activity a_; act_snapshot(&a_);		\
			a_.f - act0.f; })

/* field <f> of thread <thr> in a fresh snapshot */
#define ACT_THR(thr, f) ({ struct activity a_; act_snapshot(&a_);	\
			   act_thr[thr].f; })

#endif /* MUXLAB_TEST_MUX_HARNESS_H */
