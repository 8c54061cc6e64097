/*
 * fake_mux.h - a fake multiplexer for the idle-pool and takeover tests
 * (header only, included by test_idle.c and test_takeover.c).
 *
 * It has no protocol and no tasklet: a context counting streams, and a
 * takeover() whose result the test chooses and which records how it was
 * called (from which thread, with which lock held). Its destroy() frees the
 * connection like a real mux's release does, so the server's counters go
 * through the real srv_release_conn().
 *
 * Everything the fake records is read by the test's main thread after a
 * run_on() handshake (or is atomic), so no extra locking is needed.
 */
#ifndef MUXLAB_TEST_FAKE_MUX_H
#define MUXLAB_TEST_FAKE_MUX_H

#include <stdatomic.h>
#include <stdlib.h>

#include "connection.h"
#include "fd.h"
#include "proxy-t.h"
#include "server.h"
#include "stream-t.h"
#include "thread.h"

struct fake_conn {
	struct connection *conn;
	int max_streams;		/* avail = max_streams - used */
	int used;
	int takeover_ret;		/* what takeover() answers: 0 or -1 */
	int takeover_calls;
	int takeover_from;		/* its orig_tid */
	int takeover_held;		/* orig_tid's lock held inside it */
	int takeover_by;		/* tid of the stealer */
};

static int _Atomic fake_destroyed;	/* destroy() calls, all threads */
static int fake_new_max = 1;		/* max_streams of conns made by init */

static struct fake_conn *fake_ctx(const struct connection *conn)
{
	return conn->ctx;
}

static int fake_init(struct connection *conn, struct proxy *px)
{
	struct fake_conn *fc = calloc(1, sizeof(*fc));

	(void)px;
	if (!fc)
		return -1;
	fc->conn = conn;
	fc->max_streams = fake_new_max;
	fc->takeover_from = -1;
	conn->ctx = fc;
	return 0;
}

static int fake_attach(struct connection *conn, struct stream *s)
{
	struct fake_conn *fc = fake_ctx(conn);

	if (fc->used >= fc->max_streams)
		return -1;
	fc->used++;
	s->bctx = fc;
	return 0;
}

static int fake_avail_streams(struct connection *conn)
{
	return fake_ctx(conn)->max_streams - fake_ctx(conn)->used;
}

static int fake_used_streams(struct connection *conn)
{
	return fake_ctx(conn)->used;
}

/* The contract of a real takeover(): called with orig_tid's lock held,
 * moves the fd (if any) to the calling thread, emits the takeover event
 * once with ok=0 or ok=1. */
static int fake_takeover(struct connection *conn, int orig_tid)
{
	struct fake_conn *fc = fake_ctx(conn);

	fc->takeover_calls++;
	fc->takeover_from = orig_tid;
	fc->takeover_held = idle_lock_held(orig_tid);
	fc->takeover_by = tid;
	if (fc->takeover_ret < 0 ||
	    (conn->fd >= 0 && fd_takeover(conn->fd, conn) < 0)) {
		conn_trace_takeover(conn, orig_tid, 0, 0, 0);
		return -1;
	}
	conn_trace_takeover(conn, orig_tid, 0, 0, 1);
	return 0;
}

static void fake_destroy(void *ctx)
{
	struct fake_conn *fc = ctx;

	conn_free(fc->conn);
	free(fc);
	atomic_fetch_add(&fake_destroyed, 1);
}

static const struct mux_ops fake_ops = {
	.name		= "fake",
	.id		= MUX_H1,
	.init		= fake_init,
	.attach		= fake_attach,
	.avail_streams	= fake_avail_streams,
	.used_streams	= fake_used_streams,
	.takeover	= fake_takeover,
	.destroy	= fake_destroy,
};

/* A backend proxy and one server using the fake mux. The server gets a
 * long purge delay so that the purge task never fires on its own during a
 * test. */
static struct server *fake_server(struct proxy *be, const char *name,
				  enum reuse_mode reuse)
{
	struct server *srv = srv_new(name);

	if (!srv)
		return NULL;
	memset(be, 0, sizeof(*be));
	be->id = "be";
	be->cap = PR_CAP_BE;
	be->reuse = reuse;
	be->srv = srv;
	be->nb_srv = 1;
	srv->proxy = be;
	srv->mux = &fake_ops;
	srv->pool_purge_delay = 600000;
	return srv;
}

/* Make a back conn to <srv> on the calling thread the way connect_server()
 * does, without a socket: counted as used. NULL if out of memory. */
static struct fake_conn *fake_conn_new(struct server *srv, int max_streams)
{
	struct connection *conn = conn_new(SIDE_BACK);

	if (!conn)
		return NULL;
	conn->target = srv;
	conn->px = srv->proxy;
	conn->hash_node.hash = conn_hash(srv);
	conn_set_mux(conn, &fake_ops);
	if (fake_init(conn, srv->proxy) < 0) {
		conn_free(conn);
		return NULL;
	}
	fake_ctx(conn)->max_streams = max_streams;
	srv_use_conn(srv, conn);
	return fake_ctx(conn);
}

/* Sum of curr_idle_thr[] over the engine threads. */
static int fake_idle_thr_sum(struct server *srv)
{
	int i, sum = 0;

	for (i = 0; i < nbthread; i++)
		sum += atomic_load(&srv->curr_idle_thr[i]);
	return sum;
}

#endif /* MUXLAB_TEST_FAKE_MUX_H */
