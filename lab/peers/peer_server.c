/*
 * peer_server.c - peer-server: the lab's backend server (HTTP/1.1, h2c,
 * FastCGI), its command line, threads and connection core.
 *
 * The engine under study keeps idle connections to its servers in per-thread
 * pools. What happens to an idle pooled connection depends mostly on the
 * server: if it closes idle connections after a keep-alive timeout, the
 * engine's I/O tasklet for that connection wakes up while the connection is
 * in the pool, possibly while another thread is stealing it. peer-server
 * makes that behaviour a knob (--keepalive-timeout), together with the
 * others a lesson needs: response size and delay, requests per connection,
 * and for FastCGI whether the application multiplexes.
 *
 * Structure: main() parses the command line, opens one listening socket and
 * starts --threads event loops which all wait on it (EPOLLEXCLUSIVE, so one
 * thread is woken per connection). Each accepted connection stays on the
 * thread that accepted it. main() then sleeps in sigwait() until SIGINT or
 * SIGTERM, stops the loops, and prints a one-line summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "http_msg-t.h"
#include "peer_args.h"
#include "peer_server.h"

#define PROG		"peer-server"
#define MAX_THREADS	64

struct srv_cfg srv_cfg;

static const struct srv_proto *srv_proto;
static struct srv_thread *srv_threads;

static const char *const srv_close_names[SRV_CLOSE_COUNT] = {
	[SRV_CLOSE_NONE]   = "unknown",
	[SRV_CLOSE_CLIENT] = "client",
	[SRV_CLOSE_IDLE]   = "idle timeout",
	[SRV_CLOSE_MAXREQ] = "max-requests",
	[SRV_CLOSE_ERROR]  = "protocol error",
	[SRV_CLOSE_RESET]  = "reset",
	[SRV_CLOSE_STOP]   = "server stop",
};

/* ---------------------------------------------------------------- helpers */

/*
 * Print one --verbose line about <c> on stderr. Connection's thread. The
 * line is built first and written with one call so that lines from several
 * threads do not interleave.
 */
void srv_log(const struct srv_conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!srv_cfg.verbose)
		return;
	n = snprintf(line, sizeof(line), PROG "[t%d] conn %lu: ",
		     c->thr->tid, c->id);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

/* Read a decimal number from <p>..<end>, stopping at '/'; -1 if none. */
static int64_t route_num(const char **pp, const char *end)
{
	const char *p = *pp;
	int64_t v = 0;

	if (p == end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 1000000000)
			return -1;
		p++;
	}
	if (p < end && *p != '/')
		return -1;
	*pp = p;
	return v;
}

/*
 * Decide the reply to a request for <path> (not NUL-terminated). The path is
 * a sequence of segments; "status/N", "size/N" and "delay/N" pairs set the
 * corresponding value, every other segment is ignored, and so is a query
 * string. So "/", "/index.html" and "/api/x" all get the defaults, and
 * "/delay/50/size/4096" combines two. Any thread (reads srv_cfg only).
 * Returns 0, or -1 for an out-of-range value (the caller answers 400).
 */
int srv_route(const char *path, size_t len, struct srv_reply *r)
{
	const char *p = path, *end = path + len;
	const char *q = memchr(path, '?', len);

	r->status = 200;
	r->size = srv_cfg.size;
	r->delay_ms = srv_cfg.delay_ms;
	if (q)
		end = q;

	while (p < end) {
		const char *seg;
		size_t slen;
		int64_t v;

		while (p < end && *p == '/')
			p++;
		seg = p;
		while (p < end && *p != '/')
			p++;
		slen = p - seg;
		if (p < end)
			p++;

		if (slen == 6 && memcmp(seg, "status", 6) == 0) {
			v = route_num(&p, end);
			if (v < 200 || v > 599)
				return -1;
			r->status = (int)v;
		} else if (slen == 4 && memcmp(seg, "size", 4) == 0) {
			v = route_num(&p, end);
			if (v < 0 || v > HTTP_MAX_BODY)
				return -1;
			r->size = (uint64_t)v;
		} else if (slen == 5 && memcmp(seg, "delay", 5) == 0) {
			v = route_num(&p, end);
			if (v < 0 || v > 600000)
				return -1;
			r->delay_ms = (uint64_t)v;
		}
	}
	/* these statuses never carry a body */
	if (r->status == 204 || r->status == 304)
		r->size = 0;
	return 0;
}

/* ------------------------------------------------------ connection core */

/* Queue bytes for the client. Connection's thread. 0 or -1 (over cap). */
int srv_conn_put(struct srv_conn *c, const void *p, size_t len)
{
	return b_putblk(&c->out, p, len, SRV_OUT_MAX);
}

/*
 * Decide that <c> closes once its output is flushed; the first reason
 * given wins. Connection's thread.
 */
void srv_conn_close_after(struct srv_conn *c, enum srv_close_reason reason)
{
	if (c->reason == SRV_CLOSE_NONE)
		c->reason = reason;
	c->flags |= SC_F_CLOSING;
}

/* Close and free <c>, counting the close. Connection's thread. */
static void srv_conn_free(struct srv_conn *c)
{
	struct srv_thread *thr = c->thr;
	enum srv_close_reason r = c->reason;

	if (r == SRV_CLOSE_NONE)
		r = SRV_CLOSE_CLIENT;
	thr->st.closes[r]++;
	srv_log(c, "closed (%s) after %llu request(s)", srv_close_names[r],
		(unsigned long long)c->nb_req);

	peer_timer_disarm(&thr->loop, &c->idle_t);
	peer_timer_disarm(&thr->loop, &c->linger_t);
	peer_timer_disarm(&thr->loop, &c->proto_t);
	peer_loop_del(&thr->loop, &c->pfd);
	close(c->pfd.fd);
	c->pfd.fd = -1;
	srv_proto->release(c);
	b_free(&c->in);
	b_free(&c->out);
	list_delete(&c->list);
	free(c);
}

/* Mark <c> dead after an I/O error; ECONNRESET and EPIPE are the client's
 * doing, anything else too as far as a test server is concerned. */
static void srv_conn_io_error(struct srv_conn *c)
{
	if (c->reason == SRV_CLOSE_NONE)
		c->reason = SRV_CLOSE_RESET;
	c->flags |= SC_F_DEAD;
}

/* Read what the socket has, up to SRV_IN_MAX buffered. */
static void srv_conn_read(struct srv_conn *c)
{
	for (;;) {
		size_t room;
		ssize_t n;

		if (b_data(&c->in) >= SRV_IN_MAX)
			break;
		room = MIN((size_t)SRV_IN_STEP, SRV_IN_MAX - b_data(&c->in));
		if (b_reserve(&c->in, room, 0, SRV_IN_MAX) < 0) {
			srv_conn_io_error(c);
			break;
		}
		n = recv(c->pfd.fd, b_tail(&c->in), room, 0);
		if (n > 0) {
			b_add(&c->in, n);
			if ((size_t)n < room)
				break;
			continue;
		}
		if (n == 0) {
			c->flags |= SC_F_EOF;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			srv_conn_io_error(c);
		break;
	}
	/* a lingering connection only waits for the client's FIN */
	if (c->flags & SC_F_SHUTW)
		b_reset(&c->in);
}

/* Write what <out> holds. Returns the number of bytes sent. */
static size_t srv_conn_flush(struct srv_conn *c)
{
	size_t sent = 0;

	while (b_data(&c->out)) {
		ssize_t n = send(c->pfd.fd, b_head(&c->out), b_data(&c->out),
				 MSG_NOSIGNAL);

		if (n > 0) {
			b_del(&c->out, n);
			sent += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		srv_conn_io_error(c);
		break;
	}
	return sent;
}

/*
 * Run <c>'s state machine after any event: let the handler consume input and
 * produce output, write it, then decide about closing, epoll interest and
 * the idle timer. Connection's thread; may free <c>.
 */
void srv_conn_wake(struct srv_conn *c)
{
	struct peer_loop *loop = &c->thr->loop;
	uint32_t ev = 0;
	int more = 0;
	int round;

	if (!(c->flags & (SC_F_DEAD | SC_F_SHUTW))) {
		/* A handler produces at most SRV_OUT_HIGH per call; as long
		 * as the socket swallows all of it, let it produce more. After
		 * a few rounds give the other connections a chance and come
		 * back through EPOLLOUT. */
		for (round = 0; round < 8; round++) {
			size_t sent;

			if (srv_proto->process(c) < 0) {
				c->flags |= SC_F_DEAD;
				break;
			}
			sent = srv_conn_flush(c);
			if ((c->flags & SC_F_DEAD) || b_data(&c->out) || !sent)
				break;
		}
		more = round == 8;
	} else if (!(c->flags & SC_F_DEAD)) {
		srv_conn_flush(c);
	}

	if (c->flags & SC_F_DEAD)
		goto close;

	if ((c->flags & SC_F_CLOSING) && !(c->flags & SC_F_SHUTW) &&
	    !b_data(&c->out)) {
		/* Lingering close: send our FIN, keep reading until the
		 * client's, so that a request it sent meanwhile does not turn
		 * our close into a reset that could eat the last response. */
		shutdown(c->pfd.fd, SHUT_WR);
		c->flags |= SC_F_SHUTW;
		b_reset(&c->in);
		peer_timer_disarm(loop, &c->idle_t);
		peer_timer_arm_ms(loop, &c->linger_t, SRV_LINGER_MS);
	}

	if (c->flags & SC_F_EOF) {
		if (c->flags & SC_F_SHUTW)
			goto close;
		if (!srv_proto->busy(c) && !b_data(&c->out)) {
			if (c->reason == SRV_CLOSE_NONE)
				c->reason = SRV_CLOSE_CLIENT;
			goto close;
		}
	}

	if (!(c->flags & (SC_F_EOF | SC_F_RD_PAUSE)) &&
	    b_data(&c->in) < SRV_IN_MAX)
		ev |= EPOLLIN;
	if (b_data(&c->out) || more)
		ev |= EPOLLOUT;
	if (peer_loop_mod(loop, &c->pfd, ev) < 0)
		goto close;

	/* The keep-alive timer runs while the connection has nothing to do,
	 * and restarts on every event (a client trickling a request in is
	 * not idle). */
	if (srv_cfg.ka_timeout_ms &&
	    !(c->flags & (SC_F_CLOSING | SC_F_SHUTW)) &&
	    !srv_proto->busy(c) && !b_data(&c->out))
		peer_timer_arm_ms(loop, &c->idle_t, srv_cfg.ka_timeout_ms);
	else
		peer_timer_disarm(loop, &c->idle_t);
	return;
close:
	srv_conn_free(c);
}

static void srv_conn_io_cb(struct peer_loop *loop, struct peer_fd *pfd,
			   uint32_t ev)
{
	struct srv_conn *c = container_of(pfd, struct srv_conn, pfd);

	(void)loop;
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		srv_conn_read(c);
	srv_conn_wake(c);
}

/* --keepalive-timeout expired on an idle connection. */
static void srv_conn_idle_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct srv_conn *c = container_of(t, struct srv_conn, idle_t);

	(void)loop;
	srv_log(c, "idle for %llu ms, closing",
		(unsigned long long)srv_cfg.ka_timeout_ms);
	if (srv_proto->on_idle(c)) {
		c->reason = SRV_CLOSE_IDLE;
		srv_conn_free(c);
		return;
	}
	srv_conn_close_after(c, SRV_CLOSE_IDLE);
	srv_conn_wake(c);
}

/* The client did not close within SRV_LINGER_MS of our FIN. */
static void srv_conn_linger_cb(struct peer_loop *loop, struct peer_timer *t)
{
	struct srv_conn *c = container_of(t, struct srv_conn, linger_t);

	(void)loop;
	srv_conn_free(c);
}

/* Set up a connection for the accepted socket <fd>. Owner thread. */
static void srv_conn_new(struct srv_thread *thr, int fd,
			 const struct sockaddr_in *peer)
{
	struct srv_conn *c;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->pfd.fd = fd;
	c->pfd.cb = srv_conn_io_cb;
	c->thr = thr;
	c->in = BUF_NULL;
	c->out = BUF_NULL;
	c->peer = *peer;
	c->id = thr->next_id++ * srv_cfg.threads + thr->tid + 1;
	peer_timer_init(&c->idle_t, srv_conn_idle_cb);
	peer_timer_init(&c->linger_t, srv_conn_linger_cb);
	peer_timer_init(&c->proto_t, NULL);
	list_init(&c->list);

	if (peer_loop_add(&thr->loop, &c->pfd, EPOLLIN) < 0) {
		close(fd);
		free(c);
		return;
	}
	list_append(&thr->conns, &c->list);
	thr->st.conns++;
	if (srv_cfg.verbose) {
		char a[32];

		srv_log(c, "accepted from %s",
			peer_addr_str(peer, a, sizeof(a)));
	}
	if (srv_proto->init(c) < 0) {
		c->reason = SRV_CLOSE_ERROR;
		srv_conn_free(c);
		return;
	}
	srv_conn_wake(c);
}

/* The shared listener is readable: accept a batch. */
static void srv_accept_cb(struct peer_loop *loop, struct peer_fd *pfd,
			  uint32_t ev)
{
	struct srv_thread *thr = container_of(pfd, struct srv_thread, lfd);
	int i;

	(void)loop;
	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		int fd;

		fd = accept4(pfd->fd, (struct sockaddr *)&sa, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				fprintf(stderr, PROG ": accept: %s\n",
					strerror(errno));
			break;
		}
		srv_conn_new(thr, fd, &sa);
	}
}

/* ---------------------------------------------------------------- threads */

static void *srv_thread_main(void *arg)
{
	struct srv_thread *thr = arg;
	struct list *e, *tmp;

	if (peer_loop_run(&thr->loop) < 0)
		fprintf(stderr, PROG ": t%d: epoll: %s\n", thr->tid,
			strerror(errno));
	list_for_each_safe(e, tmp, &thr->conns) {
		struct srv_conn *c = list_elem(e, struct srv_conn, list);

		c->reason = SRV_CLOSE_STOP;
		srv_conn_free(c);
	}
	return NULL;
}

/* ----------------------------------------------------------- command line */

/* The options are parsed by srv_parse_args() (peer_server_args.c, with
 * their table): keep this text in step with it. */
static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --proto h1|h2|fcgi --listen ADDR:PORT [options]\n"
"\n"
"A backend server for the muxlab engine. Answers every request with a\n"
"deterministic body; paths /status/N, /size/N and /delay/N override the\n"
"status, the body size and the delay (they combine: /delay/20/size/100).\n"
"\n"
"  --proto h1|h2|fcgi          HTTP/1.1, h2c (prior knowledge) or FastCGI\n"
"  --listen ADDR:PORT          address to listen on; port 0 picks one\n"
"  --size BYTES                body size (default 128, max %d)\n"
"  --delay MS                  answer each request after MS ms (default 0)\n"
"  --keepalive-timeout MS      close a connection idle for MS ms; h2 sends\n"
"                              GOAWAY first (default 5000, 0 = never)\n"
"  --max-requests N            close a connection after N requests (h1:\n"
"                              'Connection: close' on the last, h2: GOAWAY)\n"
"                              (default 0 = unlimited)\n"
"  --ping MS                   h2: every MS ms, send a PING on the\n"
"                              connection if no stream is open (default 0\n"
"                              = never)\n"
"  --mpxs 0|1                  fcgi: FCGI_MPXS_CONNS, several requests at\n"
"                              once on one connection (default 0)\n"
"  --max-reqs N                fcgi: FCGI_MAX_REQS (default 1, or 100 with\n"
"                              --mpxs 1)\n"
"  --threads N                 event-loop threads (default 1)\n"
"  --ready-fd FD               write one byte to FD once listening\n"
"  --quiet                     do not print 'listening on ADDR'\n"
"  --verbose                   one line per connection event on stderr\n"
"  --help                      this text\n"
"\n"
"SIGINT or SIGTERM: clean exit with a one-line summary on stderr.\n",
		HTTP_MAX_BODY);
}

int main(int argc, char **argv)
{
	struct srv_stats sum;
	sigset_t set;
	int ready_fd, lfd, i, sig, r;

	switch (srv_parse_args(PROG, argc, argv, &srv_cfg, &ready_fd, 0)) {
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
	peer_raise_nofile();
	switch (srv_cfg.proto) {
	case SRV_PROTO_H1:
		srv_proto = &srv_proto_h1;
		break;
	case SRV_PROTO_H2:
		srv_proto = &srv_proto_h2;
		break;
	case SRV_PROTO_FCGI:
		srv_proto = &srv_proto_fcgi;
		break;
	}

	if (!srv_proto->process) {
		fprintf(stderr, PROG ": --proto %s is not available in this "
			"build\n", srv_proto->name);
		return 2;
	}
	lfd = peer_listen(&srv_cfg.addr, 1024);
	if (lfd < 0) {
		char a[32];

		fprintf(stderr, PROG ": cannot listen on %s: %s\n",
			peer_addr_str(&srv_cfg.addr, a, sizeof(a)),
			strerror(errno));
		return 1;
	}
	peer_addr_str(&srv_cfg.addr, srv_cfg.addr_str,
		      sizeof(srv_cfg.addr_str));

	/* Threads inherit this mask: only main() sees the signals, in
	 * sigwait(), so no handler ever runs inside an event loop. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	srv_threads = calloc(srv_cfg.threads, sizeof(*srv_threads));
	if (!srv_threads) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (i = 0; i < srv_cfg.threads; i++) {
		struct srv_thread *thr = &srv_threads[i];

		thr->tid = i;
		list_init(&thr->conns);
		if (peer_loop_init(&thr->loop) < 0) {
			fprintf(stderr, PROG ": event loop: %s\n",
				strerror(errno));
			return 1;
		}
		thr->lfd.fd = lfd;
		thr->lfd.cb = srv_accept_cb;
		if (peer_loop_add(&thr->loop, &thr->lfd,
				  EPOLLIN | EPOLLEXCLUSIVE) < 0) {
			fprintf(stderr, PROG ": epoll: %s\n", strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < srv_cfg.threads; i++) {
		r = pthread_create(&srv_threads[i].th, NULL, srv_thread_main,
				   &srv_threads[i]);
		if (r) {
			fprintf(stderr, PROG ": pthread_create: %s\n",
				strerror(r));
			return 1;
		}
	}

	if (!srv_cfg.quiet)
		fprintf(stderr, PROG ": %s listening on %s\n", srv_proto->name,
			srv_cfg.addr_str);
	if (ready_fd >= 0) {
		ssize_t n = write(ready_fd, "R", 1);

		(void)n;
		close(ready_fd);
	}

	do {
		r = sigwait(&set, &sig);
	} while (r == EINTR);

	for (i = 0; i < srv_cfg.threads; i++)
		peer_loop_wake(&srv_threads[i].loop);
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < srv_cfg.threads; i++) {
		struct srv_thread *thr = &srv_threads[i];
		int k;

		pthread_join(thr->th, NULL);
		sum.conns += thr->st.conns;
		sum.requests += thr->st.requests;
		for (k = 0; k < SRV_CLOSE_COUNT; k++)
			sum.closes[k] += thr->st.closes[k];
		peer_loop_destroy(&thr->loop);
	}
	close(lfd);
	fprintf(stderr, PROG ": %s %s: %llu requests, %llu connections, "
		"%llu idle closes, %llu max-requests closes, "
		"%llu client closes, %llu resets, %llu errors\n",
		srv_proto->name, srv_cfg.addr_str,
		(unsigned long long)sum.requests,
		(unsigned long long)sum.conns,
		(unsigned long long)sum.closes[SRV_CLOSE_IDLE],
		(unsigned long long)sum.closes[SRV_CLOSE_MAXREQ],
		(unsigned long long)sum.closes[SRV_CLOSE_CLIENT],
		(unsigned long long)sum.closes[SRV_CLOSE_RESET],
		(unsigned long long)sum.closes[SRV_CLOSE_ERROR]);
	free(srv_threads);
	return 0;
}
