/*
 * connection.h - connection life cycle and the raw socket transport.
 */
#ifndef MUXLAB_CONNECTION_H
#define MUXLAB_CONNECTION_H

#include <sys/types.h>
#include "connection-t.h"
#include "buf-t.h"

/* Allocate a connection for <side> with a fresh id; fd = -1. Emits
 * nothing yet (conn_new is emitted by conn_set_mux... see below). NULL on
 * allocation failure. */
struct connection *conn_new(enum side side);

/* Attach mux <mux> and emit conn_new; srv index or -1. */
void conn_set_mux(struct connection *conn, const struct mux_ops *mux);

/* Free <conn>: closes its fd if any, releases it from its server's
 * accounting (srv_release_conn()), emits conn_free. Owner thread only.
 * Accepts NULL. */
void conn_free(struct connection *conn);

/* Start a non-blocking connect() to <srv> from the calling thread; the fd
 * is owned by the calling thread. 0 or -1. */
int conn_connect(struct connection *conn, struct server *srv);

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

/* The fd callback for connections: wakes the subscribed tasklet on
 * readiness (HAProxy's sock_conn_iocb()). */
void conn_sock_iocb(int fd);

/* per-thread list of front connections, for shutdown */
void conn_track_front(struct connection *conn);

/* compute the reuse hash of a connection to <srv> */
uint64_t conn_hash(const struct server *srv);

long conn_live_count(void);	/* sum over threads, for the leak check */

#endif /* MUXLAB_CONNECTION_H */
