/*
 * connection.c - connection life cycle and the raw socket transport.
 *
 * Background (HAProxy src/connection.c, src/sock.c, src/raw_sock.c at
 * e388f2fbc, much reduced): a connection is a socket plus a mux. The mux
 * never blocks: it reads and writes until the kernel says EAGAIN, then
 * subscribes its tasklet (SUB_RETRY_RECV / SUB_RETRY_SEND) and returns.
 * The poller calls conn_sock_iocb() when the socket becomes ready; that
 * callback only wakes the subscribed tasklet (on the owner thread), and
 * the tasklet's io_cb does the work. This is the path by which an idle
 * back connection whose server closes wakes its USR1-flagged tasklet.
 *
 * fds are registered edge-triggered, read and write, once (fd.h): readiness
 * is remembered in fdtab[fd].state until a read or write would block
 * (fd_cant_recv() / fd_cant_send()). A subscription made while the socket
 * is already ready wakes the tasklet at once, as HAProxy's conn_subscribe()
 * does through fd_want_recv()/fd_want_send().
 *
 * Per-thread state: a live counter (the leak check) and the list of front
 * connections (shutdown), each thread writing only its own element.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "activity.h"
#include "buf.h"
#include "compiler.h"
#include "connection.h"
#include "maxconn.h"
#include "fd.h"
#include "server.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

#define RECV_CHUNK	16384	/* most bytes one conn_recv() asks for */

struct conn_per_thread {
	long live;		/* conn_new() - conn_free() on this thread */
	struct list front;	/* front connections, for stop_front */
} THREAD_ALIGNED;

static struct conn_per_thread conn_thr[MAX_THREADS];

/* connection sockets open, all threads (HAProxy ha_used_fds) */
static int _Atomic conn_fds;

/*
 * conn_new - allocate a connection
 * @side: SIDE_FRONT or SIDE_BACK
 *
 * A fresh trace id, no fd, no mux, in no list. The conn_new event is
 * emitted by conn_set_mux().
 *
 * Return: the connection, or NULL if out of memory.
 * Context: any engine thread (it becomes the owner), no lock.
 */
struct connection *conn_new(enum side side)
{
	struct connection *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->id = new_obj_id();
	conn->fd = -1;
	conn->side = side;
	list_init(&conn->hash_node.list);
	conn->hash_node.in = LIST_NONE;
	conn->hash_node.thr = -1;
	conn->hash_node.conn = conn;
	list_init(&conn->toremove_list);
	list_init(&conn->thr_list);
	conn_thr[tid].live++;
	return conn;
}

/*
 * conn_set_mux - give a connection its mux and announce it
 * @conn: the connection (conn->target already set on the back side)
 * @mux:  its multiplexer
 *
 * Emits conn_new with the server's puid, or -1 on the front side.
 * Context: owner thread, no lock.
 */
void conn_set_mux(struct connection *conn, const struct mux_ops *mux)
{
	conn->mux = mux;
	ACT.conn_new[conn->side]++;
	TRACE(conn_new, tid, conn->id, mux->id, conn->side,
	      conn->target ? conn->target->puid : -1);
}

/*
 * conn_free - free a connection object
 * @conn: the connection, or NULL
 *
 * A non-private back conn is first released from its server's accounting
 * and lists (srv_release_conn(), which takes this thread's idle_conns
 * lock); a front conn leaves this thread's front list. Then the fd is
 * unregistered and closed. The mux context is the caller's business (the
 * mux's destroy calls this last).
 *
 * Context: owner thread, holding NO idle_conns lock (srv_release_conn()
 * takes it: HAProxy 65bf600cc). The conn must not be in another thread's
 * list, i.e. it cannot be the target of a takeover any more.
 */
void conn_free(struct connection *conn)
{
	if (!conn)
		return;
	if (conn->side == SIDE_BACK && conn->target &&
	    !(conn->flags & CO_FL_PRIVATE))
		srv_release_conn(conn->target, conn);
	if (list_inlist(&conn->thr_list))
		list_delete(&conn->thr_list);
	if (conn->fd >= 0) {
		fd_delete(conn->fd);
		conn->fd = -1;
		atomic_fetch_sub_explicit(&conn_fds, 1, memory_order_relaxed);
	}
	/* after the close: a listener woken by the release may accept on the
	 * fd number just freed */
	if (conn->flags & CO_FL_MAXCONN)
		maxconn_release(conn->px);
	if (conn->mux)
		TRACE(conn_free, tid, conn->id, conn->mux->id, conn->side);
	conn_thr[tid].live--;
	free(conn);
}

/*
 * conn_connect - start connecting a back connection to its server
 * @conn: a back connection without fd
 * @srv:  where to connect
 *
 * Non-blocking socket, TCP_NODELAY (requests are small and must not wait
 * for Nagle), registered in the calling thread's poller before connect()
 * so that no readiness edge can be missed. A connect() in progress sets
 * CO_FL_WAIT_L4_CONN; conn_sock_iocb() clears it when the socket becomes
 * writable, reading SO_ERROR to tell success from failure.
 *
 * Return: 0 (connected or in progress), -1 on immediate failure (the conn
 * is left without fd).
 * Context: the thread that will own the connection, no lock.
 */
int conn_connect(struct connection *conn, struct server *srv)
{
	int fd, one = 1;

	fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (srv->addr.ss_family == AF_INET || srv->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (conn_attach_fd(conn, fd) < 0) {
		close(fd);
		return -1;
	}

	if (connect(fd, (struct sockaddr *)&srv->addr, srv->addrlen) == 0)
		return 0;
	if (errno == EINPROGRESS || errno == EINTR) {
		conn->flags |= CO_FL_WAIT_L4_CONN;
		return 0;
	}
	fd_delete(fd);
	conn->fd = -1;
	atomic_fetch_sub_explicit(&conn_fds, 1, memory_order_relaxed);
	return -1;
}

/*
 * conn_attach_fd - give socket <fd> to <conn> on the calling thread
 * @conn: a connection without fd
 * @fd:   a connected or connecting socket
 *
 * Registers the fd in the calling thread's poller with conn_sock_iocb()
 * and counts it in the connection sockets in use (HAProxy ha_used_fds),
 * which conn_free() uncounts: every connection socket, front or back, goes
 * through here so the count cannot drift.
 *
 * Return: 0, or -1 (the fd is left open, the caller closes it).
 * Context: the thread that will own the connection, no lock.
 */
int conn_attach_fd(struct connection *conn, int fd)
{
	if (fd_insert(fd, conn, conn_sock_iocb) < 0)
		return -1;
	conn->fd = fd;
	atomic_fetch_add_explicit(&conn_fds, 1, memory_order_relaxed);
	return 0;
}

/* A pending connect() finished, one way or the other: SO_ERROR says how. */
static void conn_connect_done(struct connection *conn)
{
	int err = 0;
	socklen_t len = sizeof(err);

	conn->flags &= ~CO_FL_WAIT_L4_CONN;
	if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		conn->flags |= CO_FL_ERROR;
}

/*
 * conn_sock_iocb - the poller's callback for a connection's fd
 * @fd: the fd, owned by the calling thread
 *
 * HAProxy's sock_conn_iocb(): first completes a pending connect (writable,
 * error or hang-up), then wakes the subscribed tasklet if what it waits
 * for happened: RECV on readable, read0 or error; SEND on writable or
 * error. The woken direction is unsubscribed (one-shot, as in HAProxy) and
 * conn->subs dropped when nothing is left. The wakeup is a plain local
 * tasklet_wakeup(): the fd and the tasklet belong to this thread.
 *
 * Context: owner thread, from fd_poll(), no lock. A takeover cannot move
 * the fd while this runs (fd_takeover() fails while the owner is inside
 * the fd's callback).
 */
void conn_sock_iocb(int fd)
{
	struct connection *conn = atomic_load_explicit(&fdtab[fd].owner,
						       memory_order_relaxed);
	unsigned int st = fdtab[fd].state;
	struct wait_event *es;
	int wake = 0;

	if (conn->flags & CO_FL_WAIT_L4_CONN) {
		if (!(st & (FD_EV_READY_W | FD_EV_ERR | FD_EV_SHUT_R)))
			return;
		conn_connect_done(conn);
	}

	es = conn->subs;
	if (!es)
		return;
	if ((es->events & SUB_RETRY_RECV) &&
	    ((st & (FD_EV_READY_R | FD_EV_SHUT_R | FD_EV_ERR)) ||
	     (conn->flags & CO_FL_ERROR))) {
		es->events &= ~SUB_RETRY_RECV;
		wake = 1;
	}
	if ((es->events & SUB_RETRY_SEND) &&
	    ((st & (FD_EV_READY_W | FD_EV_ERR)) ||
	     (conn->flags & CO_FL_ERROR))) {
		es->events &= ~SUB_RETRY_SEND;
		wake = 1;
	}
	if (!es->events)
		conn->subs = NULL;
	if (wake)
		tasklet_wakeup(es->tasklet);
}

/*
 * conn_subscribe - ask to be woken when the socket can make progress
 * @conn:       the connection
 * @event_type: SUB_RETRY_RECV and/or SUB_RETRY_SEND
 * @es:         the mux's wait_event (its tasklet is the one woken)
 *
 * If the socket is already ready in that direction (data or a read0 is
 * pending, or it is writable and connected), the tasklet is woken now and
 * that direction is not kept: this is how an H1 detach that subscribes
 * RECV on a conn the server already closed wakes its (USR1) tasklet at
 * once. A connection has one subscriber at a time.
 *
 * Return: 0.
 * Context: owner thread (a stealer calls it from takeover() for the conn
 * it just took, whose fd it owns by then), no lock needed.
 */
int conn_subscribe(struct connection *conn, int event_type,
		   struct wait_event *es)
{
	int wake = 0;

	BUG_ON(event_type & ~(SUB_RETRY_RECV | SUB_RETRY_SEND));
	BUG_ON(conn->subs && conn->subs != es);

	es->events |= event_type;
	conn->subs = es;
	if (conn->fd < 0)
		return 0;
	if ((event_type & SUB_RETRY_RECV) && fd_recv_ready(conn->fd)) {
		es->events &= ~SUB_RETRY_RECV;
		wake = 1;
	}
	if ((event_type & SUB_RETRY_SEND) &&
	    !(conn->flags & CO_FL_WAIT_L4_CONN) && fd_send_ready(conn->fd)) {
		es->events &= ~SUB_RETRY_SEND;
		wake = 1;
	}
	if (!es->events)
		conn->subs = NULL;
	if (wake)
		tasklet_wakeup(es->tasklet);
	return 0;
}

/*
 * conn_unsubscribe - stop waiting for <event_type> on <conn>
 *
 * Return: 0. Context: owner thread (or a stealer inside takeover() for
 * the old tasklet's subscriptions, holding the victim's lock), no lock
 * needed.
 */
int conn_unsubscribe(struct connection *conn, int event_type,
		     struct wait_event *es)
{
	BUG_ON(event_type & ~(SUB_RETRY_RECV | SUB_RETRY_SEND));
	BUG_ON(conn->subs && conn->subs != es);

	es->events &= ~event_type;
	if (!es->events)
		conn->subs = NULL;
	return 0;
}

/*
 * conn_recv - read from the socket into a buffer
 * @conn: the connection
 * @buf:  appended to; grown as needed
 * @max:  the buffer never holds or allocates more than this
 *
 * One recv() of at most RECV_CHUNK bytes. EAGAIN clears the fd's read
 * readiness (fd_cant_recv()) so that a later subscription waits for the
 * poller. So does a short read, unless the poller saw the peer's shutdown
 * (HAProxy raw_sock_to_buf()): the socket had no more, and reading again
 * would only cost a recv() meeting EAGAIN (the poller is edge-triggered:
 * new bytes bring a new event). Callers stop reading when
 * conn_recv_more() says so. A read0 sets CO_FL_SOCK_RD_SH; an error sets
 * CO_FL_ERROR.
 *
 * Return: bytes read; 0 if it would block or <buf> is already at <max>;
 * -1 on read0, error, or allocation failure (CO_FL_ERROR).
 * Context: owner thread, no lock.
 */
ssize_t conn_recv(struct connection *conn, struct buffer *buf, size_t max)
{
	size_t want, room;
	ssize_t ret;

	if (conn->flags & (CO_FL_ERROR | CO_FL_SOCK_RD_SH) || conn->fd < 0)
		return -1;
	if (conn->flags & CO_FL_WAIT_L4_CONN)
		return 0;
	if (buf->data >= max)
		return 0;

	want = MIN(max - buf->data, RECV_CHUNK);
	if (b_room(buf) < want && b_reserve(buf, want, 0, max) < 0) {
		conn->flags |= CO_FL_ERROR;
		return -1;
	}
	room = MIN(b_room(buf), max - buf->data);

	do {
		ret = recv(conn->fd, b_tail(buf), room, 0);
	} while (ret < 0 && errno == EINTR);

	if (ret > 0) {
		b_add(buf, ret);
		if ((size_t)ret < room)
			fd_cant_recv(conn->fd);
		return ret;
	}
	if (ret == 0) {
		conn->flags |= CO_FL_SOCK_RD_SH;
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		fd_cant_recv(conn->fd);
		return 0;
	}
	conn->flags |= CO_FL_ERROR;
	return -1;
}

/*
 * conn_send - write a buffer's bytes to the socket
 * @conn: the connection
 * @buf:  consumed from its head
 *
 * Loops until the buffer is empty or the socket would block (then clears
 * its write readiness, fd_cant_send()). MSG_NOSIGNAL: a closed peer is an
 * EPIPE, never a signal.
 *
 * Return: bytes sent (0 if it would block, or the connect() is still in
 * progress); -1 on error (CO_FL_ERROR), even if some bytes went out
 * before.
 * Context: owner thread, no lock.
 */
ssize_t conn_send(struct connection *conn, struct buffer *buf)
{
	ssize_t ret, done = 0;

	if (conn->flags & CO_FL_ERROR || conn->fd < 0)
		return -1;
	if (conn->flags & CO_FL_WAIT_L4_CONN)
		return 0;

	while (b_data(buf)) {
		ret = send(conn->fd, b_head(buf), b_data(buf),
			   MSG_NOSIGNAL | MSG_DONTWAIT);
		if (ret > 0) {
			b_del(buf, ret);
			done += ret;
			continue;
		}
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fd_cant_send(conn->fd);
			break;
		}
		conn->flags |= CO_FL_ERROR;
		return -1;
	}
	return done;
}

/*
 * conn_track_front - remember a front connection for shutdown
 * @conn: a front connection of the calling thread
 *
 * conn_free() forgets it. Context: owner thread, no lock.
 */
void conn_track_front(struct connection *conn)
{
	struct list *head = &conn_thr[tid].front;

	if (!head->n)
		list_init(head);
	list_append(head, &conn->thr_list);
}

/*
 * conn_shutdown_front_thread - release this thread's front connections
 *
 * Calls mux->shutdown() on each front connection of the calling thread.
 * A shutdown usually frees the conn (and with it its streams, which detach
 * or destroy their back connections); one that stays (a graceful close
 * still in progress) stays tracked and is called only once.
 * Context: owner thread, stop_front phase, no lock.
 */
void conn_shutdown_front_thread(void)
{
	struct list *head = &conn_thr[tid].front;
	struct list done;
	struct connection *conn;

	if (!head->n)
		return;
	list_init(&done);
	while (!list_isempty(head)) {
		conn = list_elem(head->n, struct connection, thr_list);
		list_delete(&conn->thr_list);
		list_append(&done, &conn->thr_list);
		conn->mux->shutdown(conn);	/* may free <conn> */
	}
	/* survivors go back */
	while (!list_isempty(&done)) {
		conn = list_elem(done.n, struct connection, thr_list);
		list_delete(&conn->thr_list);
		list_append(head, &conn->thr_list);
	}
}

/*
 * conn_hash - the reuse key of a connection to <srv>
 *
 * HAProxy hashes target, SNI, source, destination, proxy-protocol... The
 * lab has none of the optional parts, so the key is the server identity:
 * FNV-1a over its puid and address. Every conn of one server has the same
 * hash. Context: any thread, pure.
 */
uint64_t conn_hash(const struct server *srv)
{
	const unsigned char *p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	p = (const unsigned char *)&srv->puid;
	for (i = 0; i < sizeof(srv->puid); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	p = (const unsigned char *)&srv->addr;
	for (i = 0; i < srv->addrlen && i < sizeof(srv->addr); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/*
 * conn_live_count - connections allocated and not freed, all threads
 *
 * Exact once the engine threads are joined. Context: any thread.
 */
long conn_live_count(void)
{
	long sum = 0;
	int i;

	for (i = 0; i < MAX_THREADS; i++)
		sum += conn_thr[i].live;
	return sum;
}

/*
 * conn_used_fds - connection sockets currently open
 *
 * Compared with pool_high_count() / pool_low_count() by the idle pools.
 * Context: any thread, a relaxed snapshot.
 */
int conn_used_fds(void)
{
	return atomic_load_explicit(&conn_fds, memory_order_relaxed);
}
