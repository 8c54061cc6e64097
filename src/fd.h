/*
 * fd.h - fd table and the per-thread epoll poller.
 *
 * fds are registered edge-triggered for read and write once; readiness is
 * remembered in fdtab.state and cleared when a read or write would block
 * (fd_cant_recv()/fd_cant_send()), so no epoll_ctl() happens per request.
 */
#ifndef MUXLAB_FD_H
#define MUXLAB_FD_H

#include "fd-t.h"
#include "tinfo.h"

extern struct fdtab *fdtab;	/* indexed by fd */
extern int maxfd;

/* Size the table for <max> fds (0 = the system limit, at most 1M) and set
 * the soft RLIMIT_NOFILE to that size, so no fd number ever exceeds it.
 * 0 or -1. Main thread, before the threads start. */
int fd_init(int max);
void fd_deinit(void);			/* main thread, after the join */
int fd_init_thread(void);		/* create this thread's epoll */
void fd_deinit_thread(void);

/* Register <fd> owned by the calling thread, with <owner> and <iocb>.
 * The fd is made non-blocking. Returns 0 or -1. */
int fd_insert(int fd, void *owner, void (*iocb)(int fd));

/* Unregister and close <fd>. Owner thread only. */
void fd_delete(int fd);

/* The calling thread tries to become the owner of <fd>, which must still
 * have <expected_owner> as owner object. Fails (-1) if the owner thread is
 * running the fd's callback right now, or the owner changed. On success the
 * fd has left the old thread's epoll and joined the caller's; a late event
 * the old thread already fetched is ignored by fd_update_events(). Called by
 * a mux takeover() with the victim thread's idle_conns_lock held. */
int fd_takeover(int fd, void *expected_owner);

/* Is the calling thread the owner of <fd>? */
int fd_is_mine(int fd);

/* readiness bookkeeping, owner thread */
static inline int fd_recv_ready(int fd)
{
	return fdtab[fd].state & (FD_EV_READY_R | FD_EV_SHUT_R | FD_EV_ERR);
}
static inline int fd_send_ready(int fd)
{
	return fdtab[fd].state & (FD_EV_READY_W | FD_EV_ERR);
}
void fd_cant_recv(int fd);
void fd_cant_send(int fd);

/* Wait up to <timeout_ms> (-1 = forever) for events on this thread's
 * poller and run the callbacks of the fds this thread owns. Returns the
 * number of events handled. */
int fd_poll(int timeout_ms);

/* the thread's wakeup eventfd (thread_wake()) lives in the poller: written
 * only if thread <thr> is sleeping or about to (any thread, signal-safe) */
void fd_poller_wake(int thr);

#endif /* MUXLAB_FD_H */
