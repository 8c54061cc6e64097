/*
 * listener.c - accepting front connections.
 *
 * Background (HAProxy src/listener.c listener_accept(), src/sock.c, and
 * "bind ... shards by-thread"): the lab gives every thread that serves a
 * bind its own listening socket, all bound to the same address with
 * SO_REUSEPORT, so the kernel spreads incoming connections over the
 * threads and each thread accepts from its own socket in its own poller.
 * An accepted connection therefore lives and dies on the thread that
 * accepted it: front connections never change threads, are never put in
 * an idle list, and their mux tasklets never carry TASK_F_USR1. (HAProxy at
 * e388f2fbc had one socket per bind and dispatched accepted connections to
 * threads through a per-thread queue; the result, a front connection owned
 * by exactly one thread, is the same.)
 *
 * Life of an accepted connection, as the mux sees it:
 *	maxconn_take() -> accept4 -> conn_new(SIDE_FRONT)
 *	  -> fd_insert(conn_sock_iocb) -> conn_set_mux(l->mux)
 *	  -> mux->init() (subscribes RECV)
 *	  -> conn_track_front() (so that stop_front can shut it)
 *
 * A thread stops accepting, leaving the connections in the kernel's
 * backlog, in two cases (HAProxy listener states LI_FULL and LI_NOFD):
 * no connection slot is left (global or frontend maxconn, src/maxconn.c;
 * the next conn_free() wakes the thread's listener task), or accept()
 * failed for lack of a resource (EMFILE, ENFILE, ENOBUFS, ENOMEM; the
 * task retries in LISTENER_RETRY_MS, as HAProxy's global listener queue
 * task does). Connections already accepted are served meanwhile. HAProxy
 * also stops polling a limited listener's fd; with edge-triggered epoll a
 * paused listener here only ignores the edges, which cost one failed
 * slot take each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "connection.h"
#include "fd.h"
#include "listener.h"
#include "maxconn.h"
#include "mux.h"
#include "task.h"
#include "thread.h"

#define LISTEN_BACKLOG		1024
#define LISTENER_RETRY_MS	100	/* after EMFILE & co (HAProxy: 100) */

/* Per thread: the task that resumes its paused listeners (its context:
 * the proxies to walk then). */
static struct task *li_task[MAX_THREADS];

/* Counters for "show info" and the tests, summed over the threads. */
static unsigned long _Atomic li_pauses_full, li_pauses_nofd;

/* "127.0.0.1:8080" or "[::1]:8080" for messages. */
static const char *listener_addr_str(const struct listener *l, char *buf,
				     size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (l->addr.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&l->addr;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	} else if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&l->addr;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", l->addr.ss_family);
	}
	return buf;
}

/* The port <l> is bound to, 0 if none yet. */
static unsigned int listener_port(const struct listener *l)
{
	if (l->addr.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&l->addr)->sin_port);
	if (l->addr.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&l->addr)->sin6_port);
	return 0;
}

/* One listening socket for <l>: non-blocking, SO_REUSEADDR and
 * SO_REUSEPORT, bound and listening. Returns the fd, or -1 with errno. */
static int listener_open_one(struct listener *l)
{
	int fd, one = 1, err;

	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * listener_bind - open the listening sockets of a bind line
 * @l: the listener, as parsed (address, "thread N" in l->thr)
 *
 * One SO_REUSEPORT socket per thread that serves it: only thread l->thr if
 * set, else every thread 0..nbthread-1; the others get -1. A port of 0
 * (tests) is resolved by the first socket and reused by the others, and
 * written back into l->addr.
 *
 * Return: 0, or -1 with "FILE:LINE: cannot bind ADDR: reason" on stderr
 * (the sockets opened so far are closed).
 * Context: main thread, after fd_init() and with <nbthread> set, before
 * the engine threads start.
 */
int listener_bind(struct listener *l)
{
	char addr[INET6_ADDRSTRLEN + 16];
	int n = nbthread > 0 ? nbthread : 1;
	int thr, fd, err;

	for (thr = 0; thr < MAX_THREADS; thr++)
		l->fd[thr] = -1;
	if (l->thr >= n) {
		fprintf(stderr, "%s:%d: cannot bind %s: thread %d but nbthread "
			"is %d\n", l->conf_file ? l->conf_file : "?",
			l->conf_line, listener_addr_str(l, addr, sizeof(addr)),
			l->thr + 1, n);
		return -1;
	}

	for (thr = 0; thr < n; thr++) {
		if (l->thr >= 0 && thr != l->thr)
			continue;
		fd = listener_open_one(l);
		if (fd < 0)
			goto fail;
		l->fd[thr] = fd;
		if (!listener_port(l)) {
			/* port 0: every socket must share the port the
			 * kernel picked for the first one */
			socklen_t len = sizeof(l->addr);

			if (getsockname(fd, (struct sockaddr *)&l->addr,
					&len) < 0)
				goto fail;
			l->addrlen = len;
		}
	}
	return 0;

 fail:
	err = errno;
	fprintf(stderr, "%s:%d: cannot bind %s: %s\n",
		l->conf_file ? l->conf_file : "?", l->conf_line,
		listener_addr_str(l, addr, sizeof(addr)), strerror(err));
	for (thr = 0; thr < MAX_THREADS; thr++) {
		if (l->fd[thr] >= 0)
			close(l->fd[thr]);
		l->fd[thr] = -1;
	}
	return -1;
}

/* Give the accepted socket <cfd> (peer <addr>) its connection and mux on
 * the calling thread; the connection takes over the caller's maxconn slot.
 * On failure the socket is closed, the slot given back, nothing stays. */
static void listener_new_conn(struct listener *l, int cfd,
			      const struct sockaddr_storage *addr)
{
	const struct mux_ops *mux = l->mux ? l->mux : &mux_h1_ops;
	struct connection *conn;

	conn = conn_new(SIDE_FRONT);
	if (!conn) {
		close(cfd);
		maxconn_release(l->fe);
		return;
	}
	conn->px = l->fe;
	conn->flags |= CO_FL_MAXCONN;	/* conn_free() gives it back */
	conn->src = *addr;
	if (conn_attach_fd(conn, cfd) < 0) {
		close(cfd);
		conn_free(conn);
		return;
	}
	conn_set_mux(conn, mux);
	if (mux->init(conn, l->fe) < 0) {
		conn_free(conn);	/* closes cfd */
		return;
	}
	conn_track_front(conn);
}

/* Accept from <l>'s socket <fd> until the backlog is empty (the fd is
 * edge-triggered), each new connection staying on this thread, as long as
 * a connection slot is left and accept() has the resources (HAProxy
 * listener_accept()). Returns 1 when it stopped for want of a resource
 * (the caller arms the retry), else 0. Owner thread. */
static int listener_accept_loop(struct listener *l, int fd)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int cfd, err;

	while (!stopping) {
		if (!maxconn_take(l->fe)) {
			/* LI_FULL: the backlog waits for a conn_free() */
			atomic_fetch_add_explicit(&li_pauses_full, 1,
						  memory_order_relaxed);
			maxconn_wait(li_task[tid], l->fe);
			return 0;
		}
		len = sizeof(addr);
		cfd = accept4(fd, (struct sockaddr *)&addr, &len,
			      SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			listener_new_conn(l, cfd, &addr);
			continue;
		}
		err = errno;	/* before the release, which may wake a task */
		maxconn_release(l->fe);
		if (err == EINTR || err == ECONNABORTED)
			continue;
		if (err == EAGAIN || err == EWOULDBLOCK) {
			fd_cant_recv(fd);
			return 0;
		}
		/* LI_NOFD: EMFILE, ENFILE, ENOBUFS, ENOMEM. Nothing will
		 * signal the end of the shortage: try again from the timer
		 * (a closing connection may free an fd long before) */
		atomic_fetch_add_explicit(&li_pauses_nofd, 1,
					  memory_order_relaxed);
		return 1;
	}
	return 0;
}

static uint64_t retry_at(void)
{
	return now_mono_ns() + LISTENER_RETRY_MS * 1000000ULL;
}

/* The poller's callback for a listening socket. Owner thread. */
static void listener_accept(int fd)
{
	struct task *t = li_task[tid];

	if (listener_accept_loop(fdtab[fd].owner, fd) && !t->expire)
		task_schedule(t, retry_at());
}

/* The listener task of a thread: woken by a released slot or by the retry
 * timer, it runs the accept loop of each of the thread's listeners again
 * (each one stops again if it still cannot accept). Owner thread. */
static struct task *listener_resume(struct task *t, void *ctx,
				    unsigned int state)
{
	struct proxy *px;
	struct listener *l;
	int nofd = 0;

	(void)state;
	for (px = ctx; px; px = px->next)
		for (l = px->listeners; l; l = l->next)
			if (l->fd[tid] >= 0 && fdtab[l->fd[tid]].owner == l)
				nofd |= listener_accept_loop(l, l->fd[tid]);
	t->expire = nofd ? retry_at() : 0;
	return t;
}

void listener_counters(unsigned long *full, unsigned long *nofd)
{
	*full = atomic_load_explicit(&li_pauses_full, memory_order_relaxed);
	*nofd = atomic_load_explicit(&li_pauses_nofd, memory_order_relaxed);
}

/*
 * listeners_enable_thread - start accepting on the calling thread
 * @proxies: every proxy of the configuration
 *
 * Registers, in this thread's poller, the listening socket this thread
 * owns for each bind of each frontend (listener_bind() opened them).
 *
 * Return: 0, or -1 if an fd could not be registered (the caller undoes
 * with listeners_disable_thread()).
 * Context: engine thread, at init, no lock.
 */
int listeners_enable_thread(struct proxy *proxies)
{
	struct proxy *px;
	struct listener *l;

	li_task[tid] = task_new_on(tid);
	if (!li_task[tid])
		return -1;
	li_task[tid]->process = listener_resume;
	task_set_context(li_task[tid], proxies);
	for (px = proxies; px; px = px->next) {
		if (!(px->cap & PR_CAP_FE))
			continue;
		for (l = px->listeners; l; l = l->next) {
			if (l->fd[tid] < 0)
				continue;
			if (fd_insert(l->fd[tid], l, listener_accept) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * listeners_disable_thread - stop accepting on the calling thread
 * @proxies: every proxy of the configuration
 *
 * Unregisters and closes this thread's listening sockets (stop_front):
 * connections not accepted yet are refused by the kernel from then on
 * (or go to another thread's socket of the same port).
 * Context: engine thread, no lock; each thread touches only l->fd[tid].
 */
void listeners_disable_thread(struct proxy *proxies)
{
	struct proxy *px;
	struct listener *l;

	for (px = proxies; px; px = px->next) {
		for (l = px->listeners; l; l = l->next) {
			if (l->fd[tid] < 0)
				continue;
			if (fdtab[l->fd[tid]].owner == l)
				fd_delete(l->fd[tid]);
			else
				close(l->fd[tid]);
			l->fd[tid] = -1;
		}
	}
}

/*
 * listeners_deinit_thread - free the calling thread's listener task
 *
 * Not in listeners_disable_thread(): until every thread's front
 * connections are gone, their conn_free() may still wake it.
 * Context: engine thread, deinit (every thread's fronts freed).
 */
void listeners_deinit_thread(void)
{
	task_destroy(li_task[tid]);
	li_task[tid] = NULL;
}
