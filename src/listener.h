/*
 * listener.h - accepting front connections.
 *
 * Each thread that serves a bind has its own listening socket (bound with
 * SO_REUSEPORT by the main thread), polled by its own epoll, so an accepted
 * connection lives on the thread that accepted it and front connections
 * never change threads (they are never in an idle list).
 */
#ifndef MUXLAB_LISTENER_H
#define MUXLAB_LISTENER_H

#include "proxy-t.h"

/* Open the sockets of <l> for every thread that serves it (main thread,
 * before threads start). 0, or -1 with "FILE:LINE: cannot bind ..." on
 * stderr. */
int listener_bind(struct listener *l);

/* Register this thread's listening sockets of every frontend in its poller
 * (thread init). 0 or -1. */
int listeners_enable_thread(struct proxy *proxies);

/* Stop accepting on this thread and close its sockets (stop_front). */
void listeners_disable_thread(struct proxy *proxies);

/* Free this thread's listener task (deinit, once every thread's front
 * connections are freed). */
void listeners_deinit_thread(void);

/* How many times a listener stopped for want of a connection slot
 * (maxconn) and for want of a resource (EMFILE & co), all threads. */
void listener_counters(unsigned long *full, unsigned long *nofd);

#endif /* MUXLAB_LISTENER_H */
