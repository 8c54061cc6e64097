/*
 * connection.h - connection life cycle and the raw socket transport.
 *
 * A connection belongs to one thread at a time: the one owning its fd and
 * running its mux tasklet. Front connections never change threads; a back
 * connection changes threads only through a mux takeover() called from
 * conn_backend_get() (backend.c) under the victim thread's idle_conns lock.
 */
#ifndef MUXLAB_CONNECTION_H
#define MUXLAB_CONNECTION_H

#include <sys/types.h>
#include "connection-t.h"
#include "buf-t.h"
#include "fd.h"
#include "trace.h"

/* Allocate a connection for <side> with a fresh id; fd = -1, in no list.
 * Emits nothing yet: the conn_new event comes with conn_set_mux(), when
 * the mux (a field of the event) is known. NULL on allocation failure. */
struct connection *conn_new(enum side side);

/* Attach mux <mux> and emit conn_new (srv = server puid, or -1). */
void conn_set_mux(struct connection *conn, const struct mux_ops *mux);

/* Free <conn>: releases it from its server's accounting
 * (srv_release_conn(), back side, not private), closes its fd if any,
 * emits conn_free (only if conn_new was emitted, i.e. a mux was set).
 * Does not touch the mux context. Owner thread only. Accepts NULL. */
void conn_free(struct connection *conn);

/* Start a non-blocking connect() to <srv> from the calling thread; the fd
 * is owned by the calling thread. 0 or -1. */
int conn_connect(struct connection *conn, struct server *srv);

/* Register socket <fd> for <conn> in the calling thread's poller and count
 * it as a connection socket. 0, or -1 (fd left open for the caller). */
int conn_attach_fd(struct connection *conn, int fd);

/* Subscribe <es> to <event_type> (SUB_RETRY_*) on <conn>. If the socket is
 * already ready for it, the tasklet is woken at once (HAProxy's
 * conn_subscribe() does the same through the control layer). */
int conn_subscribe(struct connection *conn, int event_type,
		   struct wait_event *es);
int conn_unsubscribe(struct connection *conn, int event_type,
		     struct wait_event *es);

/* Raw transport. recv appends into <buf> (up to its room, grows to at
 * most <max>), send consumes from it. Return bytes moved, 0 when it would
 * block (readiness cleared), -1 on error/shutdown (flags set: CO_FL_ERROR
 * or CO_FL_SOCK_RD_SH). */
ssize_t conn_recv(struct connection *conn, struct buffer *buf, size_t max);
ssize_t conn_send(struct connection *conn, struct buffer *buf);

/* After conn_recv() returned bytes: may the socket hold more? Not after a
 * short read (it cleared the readiness: the poller tells when more
 * comes); yes while a shutdown the poller saw is still to be read. */
static inline int conn_recv_more(const struct connection *conn)
{
	return conn->fd >= 0 && fd_recv_ready(conn->fd);
}

/* The fd callback for connections: wakes the subscribed tasklet on
 * readiness (HAProxy's sock_conn_iocb()). */
void conn_sock_iocb(int fd);

/* per-thread list of front connections, for shutdown */
void conn_track_front(struct connection *conn);

/* stop_front: call mux->shutdown() on every front connection of the
 * calling thread. */
void conn_shutdown_front_thread(void);

/* compute the reuse hash of a connection to <srv> */
uint64_t conn_hash(const struct server *srv);

long conn_live_count(void);	/* sum over threads, for the leak check */

/* connection sockets open right now, all threads (HAProxy's ha_used_fds,
 * counting only connection sockets): the idle pools' FD-pressure rules */
int conn_used_fds(void);

/*
 * conn_trace_takeover - emit the `takeover` event for <conn>
 * @conn:     the connection a mux takeover() was asked to move
 * @from_tid: the victim thread (takeover()'s orig_tid)
 * @old_tl:   id of the victim's tasklet (the one whose context is NULLed)
 * @new_tl:   id of the tasklet created on the calling thread, 0 if none
 * @ok:       1 if the conn now belongs to the calling thread, else 0
 *
 * Each mux takeover() calls this exactly once, on success and on failure,
 * because only the mux knows its tasklets. conn_backend_get() emits no
 * takeover event of its own.
 * Context: the stealing thread, holding from_tid's idle_conns lock.
 */
static inline void conn_trace_takeover(const struct connection *conn,
				       int from_tid, uint64_t old_tl,
				       uint64_t new_tl, int ok)
{
	TRACE(takeover, tid, conn->id, conn->mux->id, from_tid, old_tl,
	      new_tl, ok);
}

#endif /* MUXLAB_CONNECTION_H */
