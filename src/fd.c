/*
 * fd.c - the fd table and the per-thread epoll pollers.
 *
 * Background (HAProxy src/fd.c, include/haproxy/fd.h; HAProxy's
 * doc/internals/fd-migration.txt describes the later version):
 *
 * Each fd has exactly one owner thread at a time, which alone runs the fd's
 * I/O callback (iocb) from its own poller. fdtab[fd].own packs the owner
 * (thread mask, one bit) and the threads currently inside iocb (running
 * mask) in one 64-bit atomic word, so that:
 *
 *  - the poller enters iocb only after a CAS that adds its running bit
 *    *while its owner bit is still there*; if the owner bit is gone the fd
 *    was taken over after epoll_wait() reported it and the late event is
 *    dropped (HAProxy fd_set_running(), and d5402b8df for doing it before
 *    touching the fd state);
 *  - fd_takeover() switches the owner with ONE CAS from (old owner, nobody
 *    running) to (me, nobody running), so it fails while the old owner is
 *    inside iocb. HAProxy keeps the two masks in separate words and uses a
 *    double-word CAS; packing them gives the same guarantee.
 *
 * fds are registered once, edge-triggered, for read, write and read-hangup.
 * Readiness lands in fdtab[fd].state and is cleared by the owner when a
 * read or write would block (fd_cant_recv()/fd_cant_send()), so nothing
 * calls epoll_ctl() per request. epoll_ctl() on another thread's epoll is
 * allowed (the kernel locks it): takeover adds the fd to its own epoll,
 * then removes it from the victim's; with EPOLLET the ADD reports readiness
 * that is already pending, so no event is lost in the move.
 *
 * Sleeping: each poller has an eventfd and a <sleeping> flag. Before a
 * blocking epoll_wait() the thread sets <sleeping>, then looks at its
 * shared run list and at <stopping>; a remote waker first publishes its
 * work, then reads <sleeping> and writes the eventfd only if it is set
 * (both sides seq_cst: one of them must see the other's store).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "compiler.h"
#include "activity.h"
#include "fd.h"
#include "task.h"
#include "tinfo.h"

#define POLL_EVENTS	200	/* events fetched per epoll_wait() */
#define FD_MAX_TABLE	(1 << 20) /* largest fd table (40 MB of virtual) */
#define FD_EPOLL_EVENTS	(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

/* One per thread. epfd and evfd are read by other threads (takeover,
 * thread_wake) hence atomics; <sleeping> is the handshake flag. */
struct poller {
	int _Atomic epfd;		/* this thread's epoll, -1 */
	int _Atomic evfd;		/* its wakeup eventfd, -1 */
	int _Atomic sleeping;		/* 1: may be blocked in epoll_wait */
} THREAD_ALIGNED;

struct fdtab *fdtab;
int maxfd;

static struct poller pollers[MAX_THREADS];
static __thread struct epoll_event poll_events[POLL_EVENTS];

static inline uint32_t my_bit(void)
{
	return 1u << tid;
}

static inline int poller_epfd(int thr)
{
	return atomic_load_explicit(&pollers[thr].epfd, memory_order_relaxed);
}

/*
 * fd_init - allocate the fd table
 *
 * @max: how many fds the run may use (0: as many as the system allows)
 *
 * Raises the soft RLIMIT_NOFILE to the hard one (at most FD_MAX_TABLE),
 * sizes the table to <max> or that limit, whichever is lower, and sets the
 * soft limit to the table size, so that the kernel never hands out an fd
 * number the table cannot hold (accept()/socket() fail with EMFILE
 * instead, like HAProxy with its maxsock). Returns 0, or -1 with a message
 * on stderr. Context: main thread, before threads_start().
 */
int fd_init(int max)
{
	struct rlimit rl;
	rlim_t lim;
	int i;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fprintf(stderr, "muxlab: getrlimit(NOFILE): %s\n",
			strerror(errno));
		return -1;
	}
	lim = rl.rlim_max;
	if (lim == RLIM_INFINITY || lim > FD_MAX_TABLE)
		lim = FD_MAX_TABLE;
	if (max > 0 && (rlim_t)max < lim)
		lim = max;
	if (rl.rlim_cur != lim) {
		rl.rlim_cur = lim;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 ||
		    getrlimit(RLIMIT_NOFILE, &rl) < 0) {
			fprintf(stderr, "muxlab: setrlimit(NOFILE, %lu): %s\n",
				(unsigned long)lim, strerror(errno));
			return -1;
		}
	}
	if (max > 0 && (rlim_t)max > rl.rlim_cur)
		fprintf(stderr, "muxlab: warning: %d fds wanted, the limit "
			"is %lu\n", max, (unsigned long)rl.rlim_cur);

	free(fdtab);
	maxfd = (int)MIN(rl.rlim_cur, (rlim_t)FD_MAX_TABLE);
	/* calloc: untouched pages stay virtual; an entry is only meaningful
	 * while its <own> is not 0 */
	fdtab = calloc(maxfd, sizeof(*fdtab));
	if (!fdtab) {
		fprintf(stderr, "muxlab: no memory for %d fds\n", maxfd);
		maxfd = 0;
		return -1;
	}
	for (i = 0; i < MAX_THREADS; i++) {
		atomic_store(&pollers[i].epfd, -1);
		atomic_store(&pollers[i].evfd, -1);
		atomic_store(&pollers[i].sleeping, 0);
	}
	return 0;
}

/*
 * fd_deinit - release the fd table and the wakeup eventfds
 *
 * The eventfds live until here rather than fd_deinit_thread() so that a
 * late threads_request_stop() (a second signal) never writes into a closed
 * and reused fd number. Context: main thread, after threads_join().
 */
void fd_deinit(void)
{
	int i, efd;

	for (i = 0; i < MAX_THREADS; i++) {
		efd = atomic_exchange(&pollers[i].evfd, -1);
		if (efd >= 0)
			close(efd);
	}
	free(fdtab);
	fdtab = NULL;
	maxfd = 0;
}

/*
 * fd_init_thread - create the calling thread's epoll and wakeup eventfd
 *
 * Returns 0 or -1 (message on stderr). Context: engine thread at start,
 * tid set.
 */
int fd_init_thread(void)
{
	struct poller *p;
	struct epoll_event ev;
	uint64_t junk;
	int epfd, efd;

	if (tid < 0 || tid >= MAX_THREADS || !fdtab)
		return -1;
	p = &pollers[tid];
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		fprintf(stderr, "muxlab: thread %d: epoll_create: %s\n", tid,
			strerror(errno));
		return -1;
	}
	efd = atomic_load(&p->evfd);
	if (efd < 0) {
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efd < 0) {
			fprintf(stderr, "muxlab: thread %d: eventfd: %s\n",
				tid, strerror(errno));
			close(epfd);
			return -1;
		}
		atomic_store(&p->evfd, efd);
	} else {
		/* left from an earlier run in this process */
		while (read(efd, &junk, sizeof(junk)) > 0)
			;
	}
	ev.events = EPOLLIN;
	ev.data.fd = efd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
		fprintf(stderr, "muxlab: thread %d: epoll_ctl(eventfd): %s\n",
			tid, strerror(errno));
		close(epfd);
		return -1;
	}
	atomic_store(&p->sleeping, 0);
	atomic_store(&p->epfd, epfd);
	return 0;
}

/*
 * fd_deinit_thread - close the calling thread's epoll
 *
 * fds still registered are left to their modules (the leak check shows
 * them). Context: engine thread at exit, after the shutdown barriers (no
 * takeover can target this thread any more).
 */
void fd_deinit_thread(void)
{
	int epfd;

	if (tid < 0)
		return;
	epfd = atomic_exchange(&pollers[tid].epfd, -1);
	if (epfd >= 0)
		close(epfd);
}

/*
 * fd_insert - register an fd owned by the calling thread
 *
 * @fd: the socket; made non-blocking here
 * @owner: the object the fd belongs to (connection, listener): what
 *         fd_takeover() checks
 * @iocb: called by the owner's poller when the fd reports an event
 *
 * Sets own = (my bit, nobody running) and adds the fd to the calling
 * thread's epoll, edge-triggered for read, write and read-hangup.
 * Returns 0, or -1 (fd out of range, epoll_ctl failure; the fd is left
 * open for the caller to close). Context: engine thread.
 */
int fd_insert(int fd, void *owner, void (*iocb)(int fd))
{
	struct fdtab *f;
	struct epoll_event ev;
	int flags;

	if (fd < 0 || fd >= maxfd || tid < 0)
		return -1;
	/* accept4()/socket() callers already ask for SOCK_NONBLOCK: then
	 * one syscall instead of two per connection */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (!(flags & O_NONBLOCK) &&
			  fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
		return -1;

	f = &fdtab[fd];
	/* This number may have just been closed by another thread, whose
	 * fd_delete() reset the entry then released own = 0. The kernel
	 * orders that close() before the socket()/accept() that returned
	 * the number to us, but only the kernel knows: this acquire pairs
	 * with that release, so the reset happens-before our writes for the
	 * memory model too (and for ThreadSanitizer). */
	(void)atomic_load_explicit(&f->own, memory_order_acquire);
	atomic_store_explicit(&f->owner, owner, memory_order_relaxed);
	f->iocb = iocb;
	f->polled_on = tid;
	atomic_store_explicit(&f->state, 0, memory_order_relaxed);
	atomic_store_explicit(&f->own, FD_OWN(my_bit(), 0),
			      memory_order_release);

	ev.events = FD_EPOLL_EVENTS;
	ev.data.fd = fd;
	if (epoll_ctl(poller_epfd(tid), EPOLL_CTL_ADD, fd, &ev) < 0) {
		atomic_store_explicit(&f->own, 0, memory_order_release);
		atomic_store_explicit(&f->owner, NULL, memory_order_relaxed);
		f->iocb = NULL;
		f->polled_on = -1;
		return -1;
	}
	return 0;
}

/*
 * fd_delete - unregister and close an fd
 *
 * @fd: an fd the calling thread owns (or one never inserted: it is only
 *      closed)
 *
 * The entry is reset *before* close(): as soon as the number is closed
 * another thread may get it from socket()/accept() and insert it.
 * May be called from the fd's own iocb. Context: owner thread.
 */
void fd_delete(int fd)
{
	struct fdtab *f;
	uint64_t own;
	int thr;

	if (fd < 0)
		return;
	if (fd >= maxfd) {
		close(fd);
		return;
	}
	f = &fdtab[fd];
	own = atomic_load_explicit(&f->own, memory_order_acquire);
	if (FD_OWN_TMASK(own)) {
		BUG_ON(tid < 0 || !(FD_OWN_TMASK(own) & my_bit()));
		thr = f->polled_on;
		if (thr >= 0 && poller_epfd(thr) >= 0)
			epoll_ctl(poller_epfd(thr), EPOLL_CTL_DEL, fd, NULL);
	}
	f->iocb = NULL;
	f->polled_on = -1;
	atomic_store_explicit(&f->owner, NULL, memory_order_relaxed);
	atomic_store_explicit(&f->state, 0, memory_order_relaxed);
	atomic_store_explicit(&f->own, 0, memory_order_release);
	close(fd);
}

/*
 * fd_takeover - make the calling thread the owner of an fd
 *
 * @fd: the fd
 * @expected_owner: the object the fd must still belong to
 *
 * Fails (-1) if the fd's owner object is not <expected_owner>, or if any
 * thread is inside the fd's iocb (running mask not empty): then the victim
 * is processing this connection and must not lose it. Otherwise ONE CAS
 * switches own from (old owner, nobody running) to (me, nobody running);
 * from then on the old thread's poller ignores the fd even for an event it
 * already fetched. Then the fd joins our epoll (EPOLLET reports what is
 * already pending) and, once it is there, leaves the old thread's. If our
 * epoll refuses it, the old owner gets it back, still polled (see the
 * rollback below). Returns 0 on success, also if the fd was already ours;
 * -1 if the fd stays with its owner.
 *
 * Context: the stealing thread, from a mux takeover(), holding the victim
 * thread's idle_conns_lock (that lock is what keeps the victim from
 * deleting the fd and reusing its number concurrently).
 */
int fd_takeover(int fd, void *expected_owner)
{
	struct fdtab *f;
	struct epoll_event ev;
	uint64_t own;
	int old_thr;

	BUG_ON(tid < 0);
	if (fd < 0 || fd >= maxfd)
		return -1;
	f = &fdtab[fd];
	if (atomic_load_explicit(&f->owner, memory_order_relaxed) !=
	    expected_owner)
		return -1;
	own = atomic_load_explicit(&f->own, memory_order_acquire);
	if (!FD_OWN_TMASK(own) || FD_OWN_RMASK(own))
		return -1;
	if (FD_OWN_TMASK(own) == my_bit())
		return 0;
	if (!atomic_compare_exchange_strong_explicit(&f->own, &own,
			FD_OWN(my_bit(), 0), memory_order_acq_rel,
			memory_order_acquire))
		return -1;	/* the owner entered iocb meanwhile */

	old_thr = __builtin_ctz(FD_OWN_TMASK(own));
	ev.events = FD_EPOLL_EVENTS;
	ev.data.fd = fd;
	/* Join our epoll first and leave the old one only once that
	 * worked, so that a failure leaves the fd where it was. */
	if (epoll_ctl(poller_epfd(tid), EPOLL_CTL_ADD, fd, &ev) < 0 &&
	    (errno != EEXIST ||
	     epoll_ctl(poller_epfd(tid), EPOLL_CTL_MOD, fd, &ev) < 0)) {
		/* Cannot poll it here: give it back. Ownership first, then
		 * the ADD (EEXIST when, as usual, the fd never left): the
		 * old owner may have fetched an event while we owned the
		 * fd and be about to drop it from its epoll (the stale
		 * event path of fd_update_events()), which re-reads <own>
		 * after its DEL. Either it sees the old owner back and
		 * re-adds the fd itself, or its DEL came before our ADD
		 * (both seq_cst): the fd cannot end up polled by nobody. */
		fprintf(stderr, "muxlab: thread %d: takeover of fd %d: "
			"epoll_ctl: %s\n", tid, fd, strerror(errno));
		atomic_store_explicit(&f->own, own, memory_order_seq_cst);
		if (poller_epfd(old_thr) >= 0)
			epoll_ctl(poller_epfd(old_thr), EPOLL_CTL_ADD, fd, &ev);
		return -1;
	}
	if (poller_epfd(old_thr) >= 0)
		epoll_ctl(poller_epfd(old_thr), EPOLL_CTL_DEL, fd, NULL);
	f->polled_on = tid;
	return 0;
}

/*
 * fd_is_mine - does the calling thread own <fd>?
 *
 * Context: any engine thread.
 */
int fd_is_mine(int fd)
{
	if (tid < 0 || fd < 0 || fd >= maxfd)
		return 0;
	return !!(FD_OWN_TMASK(atomic_load_explicit(&fdtab[fd].own,
			       memory_order_acquire)) & my_bit());
}

/*
 * fd_cant_recv / fd_cant_send - a read / write would block
 *
 * Clears FD_EV_READY_R / FD_EV_READY_W (atomic AND) so that the next
 * readiness comes from the poller. Context: owner thread.
 */
void fd_cant_recv(int fd)
{
	atomic_fetch_and_explicit(&fdtab[fd].state, ~FD_EV_READY_R,
				  memory_order_relaxed);
}

void fd_cant_send(int fd)
{
	atomic_fetch_and_explicit(&fdtab[fd].state, ~FD_EV_READY_W,
				  memory_order_relaxed);
}

/* One event reported by our epoll for <fd>: claim the running bit if we
 * still own the fd, record readiness, run iocb, release the bit. */
static void fd_update_events(int fd, uint32_t events)
{
	struct fdtab *f = &fdtab[fd];
	uint64_t own = atomic_load_explicit(&f->own, memory_order_relaxed);
	uint32_t bit = my_bit();
	unsigned int st = 0;
	void (*iocb)(int fd);

	do {
		if (!(FD_OWN_TMASK(own) & bit)) {
			/* Taken over (or closed) after epoll_wait() fetched
			 * this event: not ours any more. The stealer removes
			 * it from our epoll; make sure of it. But a takeover
			 * that failed gives the fd back, and may have done
			 * so between our load and our DEL: look again after
			 * the DEL, and if the fd is ours again put it back
			 * (fd_takeover() re-adds it too; one of the two ADDs
			 * comes after our DEL). */
			epoll_ctl(poller_epfd(tid), EPOLL_CTL_DEL, fd, NULL);
			ACT.fd_late_events++;
			own = atomic_load_explicit(&f->own,
						   memory_order_seq_cst);
			if (FD_OWN_TMASK(own) & bit) {
				struct epoll_event ev = {
					.events = FD_EPOLL_EVENTS,
					.data.fd = fd,
				};

				epoll_ctl(poller_epfd(tid), EPOLL_CTL_ADD, fd,
					  &ev);
			}
			return;
		}
	} while (!atomic_compare_exchange_weak_explicit(&f->own, &own,
				own | bit, memory_order_acq_rel,
				memory_order_relaxed));

	if (events & EPOLLIN)
		st |= FD_EV_READY_R;
	if (events & EPOLLOUT)
		st |= FD_EV_READY_W;
	if (events & (EPOLLRDHUP | EPOLLHUP))
		st |= FD_EV_SHUT_R;
	if (events & EPOLLERR)
		st |= FD_EV_ERR;
	atomic_fetch_or_explicit(&f->state, st, memory_order_relaxed);

	iocb = f->iocb;
	if (iocb)
		iocb(fd);

	/* iocb may have deleted the fd (own = 0) and the number may even be
	 * in use by another thread already: clearing only our own running
	 * bit is right in every case */
	atomic_fetch_and_explicit(&f->own, ~(uint64_t)bit,
				  memory_order_release);
}

/*
 * fd_poll - wait for and handle this thread's fd events
 *
 * @timeout_ms: longest wait in ms (0 = just look, -1 = no limit)
 *
 * For a wait that may block, sets <sleeping> first and re-checks the run
 * lists and <stopping> (see the top of the file), then epoll_wait()s; the
 * wakeup eventfd is drained, every other event goes through
 * fd_update_events(). Returns the number of fd events handled.
 * Context: engine thread, from thread_loop(); no lock held.
 */
int fd_poll(int timeout_ms)
{
	struct poller *p;
	uint64_t junk;
	int epfd, efd, n, i, handled = 0;

	if (tid < 0)
		return 0;
	p = &pollers[tid];
	epfd = poller_epfd(tid);
	if (epfd < 0)
		return 0;
	efd = atomic_load_explicit(&p->evfd, memory_order_relaxed);

	if (timeout_ms) {
		atomic_store_explicit(&p->sleeping, 1, memory_order_seq_cst);
		if (sched_has_work() ||
		    atomic_load_explicit(&stopping, memory_order_seq_cst))
			timeout_ms = 0;
	}
	n = epoll_wait(epfd, poll_events, POLL_EVENTS, timeout_ms);
	atomic_store_explicit(&p->sleeping, 0, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		int fd = poll_events[i].data.fd;

		if (fd == efd) {
			/* one read resets a (non-semaphore) eventfd to 0: a
			 * second one would only cost a syscall for EAGAIN */
			if (read(efd, &junk, sizeof(junk)) < 0) {
				/* EAGAIN: another waker's kick was already
				 * consumed, nothing to do */
			}
			continue;
		}
		fd_update_events(fd, poll_events[i].events);
		handled++;
	}
	return handled;
}

/*
 * fd_poller_wake - kick thread <thr> out of epoll_wait() if it sleeps
 *
 * Only the waker that flips <sleeping> from 1 to 0 writes the eventfd, so a
 * burst of wakeups costs one write. Async-signal-safe.
 * Context: any thread, after publishing the work the thread must see.
 */
void fd_poller_wake(int thr)
{
	struct poller *p;
	uint64_t one = 1;
	int efd;

	if (thr < 0 || thr >= MAX_THREADS)
		return;
	p = &pollers[thr];
	if (!atomic_load_explicit(&p->sleeping, memory_order_seq_cst))
		return;
	if (!atomic_exchange_explicit(&p->sleeping, 0, memory_order_seq_cst))
		return;
	efd = atomic_load_explicit(&p->evfd, memory_order_relaxed);
	if (efd >= 0 && write(efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, it is awake anyway */
	}
}
