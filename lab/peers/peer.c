/*
 * peer.c - the shared half of the lab's embedded peers: clock, event loop,
 * timer heap, sockets, deterministic body, PRNG, histogram, number parsing.
 *
 * See peer.h for the contracts. Everything here runs on the thread that
 * owns the loop, except peer_loop_wake().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

/* ------------------------------------------------------------------ clock */

uint64_t peer_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * US_PER_S + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ timer heap */

/* The heap keeps the earliest timer in slot 0. Each timer knows its slot so
 * it can be moved or removed in O(log n) when a connection's idle timer is
 * pushed back, which happens on every request. */

static void heap_set(struct peer_loop *loop, int i, struct peer_timer *t)
{
	loop->heap[i] = t;
	t->idx = i;
}

static void heap_up(struct peer_loop *loop, int i)
{
	struct peer_timer *t = loop->heap[i];

	while (i > 0) {
		int parent = (i - 1) / 2;

		if (loop->heap[parent]->expire <= t->expire)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct peer_loop *loop, int i)
{
	struct peer_timer *t = loop->heap[i];
	int n = loop->nb_timers;

	for (;;) {
		int c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n &&
		    loop->heap[c + 1]->expire < loop->heap[c]->expire)
			c++;
		if (t->expire <= loop->heap[c]->expire)
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

/*
 * Arm <t> for monotonic time <expire_us>; an armed timer is moved. Loop
 * thread only. Allocation failure of the heap is fatal: a peer that cannot
 * keep its timers would hang its clients, which is worse than exiting.
 */
void peer_timer_arm(struct peer_loop *loop, struct peer_timer *t,
		    uint64_t expire_us)
{
	if (t->idx >= 0) {
		uint64_t old = t->expire;

		t->expire = expire_us;
		if (expire_us < old)
			heap_up(loop, t->idx);
		else
			heap_down(loop, t->idx);
		return;
	}

	if (loop->nb_timers == loop->heap_size) {
		int nsize = loop->heap_size ? loop->heap_size * 2 : 256;
		struct peer_timer **nh;

		nh = realloc(loop->heap, nsize * sizeof(*nh));
		if (!nh) {
			fprintf(stderr, "peer: out of memory for timers\n");
			exit(1);
		}
		loop->heap = nh;
		loop->heap_size = nsize;
	}
	t->expire = expire_us;
	loop->heap[loop->nb_timers] = t;
	t->idx = loop->nb_timers++;
	heap_up(loop, t->idx);
}

/*
 * Disarm <t>. Loop thread only; harmless on a disarmed timer, which lets
 * connection teardown disarm everything without checking.
 */
void peer_timer_disarm(struct peer_loop *loop, struct peer_timer *t)
{
	int i = t->idx;
	struct peer_timer *last;

	if (i < 0)
		return;
	t->idx = -1;
	last = loop->heap[--loop->nb_timers];
	if (last == t)
		return;
	heap_set(loop, i, last);
	if (i > 0 && loop->heap[(i - 1) / 2]->expire > last->expire)
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

/* Point the timerfd at the earliest timer, if that changed. */
static void loop_sync_timerfd(struct peer_loop *loop)
{
	struct itimerspec its;
	uint64_t exp = loop->nb_timers ? loop->heap[0]->expire : 0;

	if (exp == loop->tfd_expire)
		return;
	memset(&its, 0, sizeof(its));
	if (exp) {
		/* an expiry in the past makes the timerfd fire at once */
		its.it_value.tv_sec = exp / US_PER_S;
		its.it_value.tv_nsec = (exp % US_PER_S) * 1000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	loop->tfd_expire = exp;
}

/* Run every timer due at the loop's current time. */
static void loop_run_timers(struct peer_loop *loop)
{
	while (loop->nb_timers && loop->heap[0]->expire <= loop->now) {
		struct peer_timer *t = loop->heap[0];

		peer_timer_disarm(loop, t);
		t->cb(loop, t);
	}
}

/* ------------------------------------------------------------- event loop */

/* The timerfd and the eventfd are registered with these sentinel pointers
 * rather than with peer_fd objects of their own. */
static char loop_tag_timer;
static char loop_tag_wake;

/*
 * Create <loop>'s epoll, timerfd and eventfd. Returns 0, or -1 with errno
 * set and nothing left open. Any thread; the loop then belongs to the
 * thread that runs it.
 */
int peer_loop_init(struct peer_loop *loop)
{
	struct epoll_event ev;

	memset(loop, 0, sizeof(*loop));
	loop->epfd = loop->tfd = loop->wfd = -1;

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		goto fail;
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tfd < 0)
		goto fail;
	loop->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wfd < 0)
		goto fail;

	ev.events = EPOLLIN;
	ev.data.ptr = &loop_tag_timer;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->tfd, &ev) < 0)
		goto fail;
	ev.data.ptr = &loop_tag_wake;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wfd, &ev) < 0)
		goto fail;
	loop->now = peer_now_us();
	return 0;
fail:
	peer_loop_destroy(loop);
	return -1;
}

/*
 * Release <loop>'s own descriptors and its timer heap. Loop thread (or any
 * thread once the loop no longer runs). Accepts a loop whose init failed.
 */
void peer_loop_destroy(struct peer_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->tfd >= 0)
		close(loop->tfd);
	if (loop->wfd >= 0)
		close(loop->wfd);
	loop->epfd = loop->tfd = loop->wfd = -1;
	free(loop->heap);
	loop->heap = NULL;
	loop->nb_timers = loop->heap_size = 0;
}

/* Register <pfd> for <events>. Loop thread. 0, or -1 with errno set. */
int peer_loop_add(struct peer_loop *loop, struct peer_fd *pfd, uint32_t events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = pfd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, pfd->fd, &ev) < 0)
		return -1;
	pfd->events = events;
	return 0;
}

/*
 * Change what <pfd> waits for. Loop thread. Skips the system call when the
 * set did not change, which is the common case on a busy connection.
 */
int peer_loop_mod(struct peer_loop *loop, struct peer_fd *pfd, uint32_t events)
{
	struct epoll_event ev;

	if (pfd->events == events)
		return 0;
	ev.events = events;
	ev.data.ptr = pfd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, pfd->fd, &ev) < 0)
		return -1;
	pfd->events = events;
	return 0;
}

/* Unregister <pfd>; its descriptor stays open. Loop thread. */
void peer_loop_del(struct peer_loop *loop, struct peer_fd *pfd)
{
	if (pfd->fd >= 0)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, pfd->fd, NULL);
	pfd->events = 0;
}

/*
 * Ask <loop> to stop. Any thread, and async-signal-safe: it stores the flag
 * and writes the eventfd, nothing else.
 */
void peer_loop_wake(struct peer_loop *loop)
{
	uint64_t one = 1;
	ssize_t ret;

	atomic_store_explicit(&loop->stop, 1, memory_order_release);
	ret = write(loop->wfd, &one, sizeof(one));
	(void)ret;
}

/* Has a stop been requested? Any thread. */
int peer_loop_stopping(const struct peer_loop *loop)
{
	return atomic_load_explicit(&loop->stop, memory_order_acquire);
}

/*
 * Dispatch I/O events and timers on the calling thread until a stop is
 * requested. Returns 0, or -1 when epoll_wait() fails for a reason other
 * than a signal.
 */
int peer_loop_run(struct peer_loop *loop)
{
	struct epoll_event evs[128];
	uint64_t junk;
	ssize_t ret;
	int n, i;

	while (!peer_loop_stopping(loop)) {
		loop_sync_timerfd(loop);
		n = epoll_wait(loop->epfd, evs, 128, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		loop->now = peer_now_us();
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct peer_fd *pfd;

			if (p == &loop_tag_timer) {
				ret = read(loop->tfd, &junk, sizeof(junk));
				loop->tfd_expire = 0;
				continue;
			}
			if (p == &loop_tag_wake) {
				ret = read(loop->wfd, &junk, sizeof(junk));
				continue;
			}
			pfd = p;
			if (pfd->fd >= 0)
				pfd->cb(loop, pfd, evs[i].events);
		}
		loop->now = peer_now_us();
		loop_run_timers(loop);
	}
	(void)ret;
	return 0;
}

/* ---------------------------------------------------------------- sockets */

/*
 * Open a non-blocking listener on <sa>, writing back the bound port (so
 * port 0 works). Any thread. Returns the fd, or -1 with errno set.
 */
int peer_listen(struct sockaddr_in *sa, int backlog)
{
	socklen_t len = sizeof(*sa);
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0)
		goto fail;
	if (listen(fd, backlog) < 0)
		goto fail;
	if (getsockname(fd, (struct sockaddr *)sa, &len) < 0)
		goto fail;
	return fd;
fail:
	{
		int err = errno;

		close(fd);
		errno = err;
	}
	return -1;
}

/*
 * Start a non-blocking connect to <sa>. Any thread. Returns the fd: the
 * caller waits for EPOLLOUT and reads SO_ERROR. -1 with errno set when the
 * connect failed at once.
 */
int peer_connect(const struct sockaddr_in *sa)
{
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
	    errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Make an accepted socket non-blocking, close-on-exec, TCP_NODELAY. */
int peer_sock_setup(int fd)
{
	int one = 1;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* Soft RLIMIT_NOFILE up to the hard one. Main thread, before any socket. */
long peer_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
}

/* -------------------------------------------------------- response bodies */

static const char body_line[PEER_BODY_LINE + 1] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n";

/* PEER_BODY_CHUNK readable bytes from any offset inside the first line */
static char body_pattern[PEER_BODY_CHUNK + PEER_BODY_LINE];

/* Filled before main() so that threads never race on it. */
__attribute__((constructor))
static void body_pattern_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(body_pattern); i += PEER_BODY_LINE)
		memcpy(body_pattern + i, body_line, PEER_BODY_LINE);
}

/* The body bytes from offset <off>. Any thread (read-only data). */
const char *peer_body_at(uint64_t off)
{
	return body_pattern + off % PEER_BODY_LINE;
}

/* Compare <p> with the body at <off>. Any thread. 1 if equal, else 0. */
int peer_body_check(const void *p, size_t len, uint64_t off)
{
	const char *c = p;

	while (len) {
		size_t n = len < PEER_BODY_CHUNK ? len : PEER_BODY_CHUNK;

		if (memcmp(c, peer_body_at(off), n) != 0)
			return 0;
		c += n;
		off += n;
		len -= n;
	}
	return 1;
}

/* --------------------------------------------------------------- the PRNG */

/* splitmix64 (Steele, Lea, Flood): tiny, and stable forever. */
uint64_t peer_rng_next(struct peer_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Exponential draw of mean <mean>: -mean * ln(1 - u), u uniform in [0,1). */
double peer_rng_exp(struct peer_rng *r, double mean)
{
	double u = (double)(peer_rng_next(r) >> 11) / (double)(1ULL << 53);

	return -mean * log1p(-u);
}

/* ---------------------------------------------------- latency histogram */

/* Values below 2 * PEER_HIST_SUB get a bucket each; above, each power of two
 * is split into PEER_HIST_SUB buckets, so a bucket is at most 1/64 wide. */
static unsigned int hist_index(uint64_t v)
{
	int e;

	if (v < 2 * PEER_HIST_SUB)
		return v;
	e = 63 - __builtin_clzll(v) - 6;
	return e * PEER_HIST_SUB + (unsigned int)(v >> e);
}

/* The highest value that falls into bucket <i>. */
static uint64_t hist_value(unsigned int i)
{
	int e;
	uint64_t m;

	if (i < 2 * PEER_HIST_SUB)
		return i;
	e = i / PEER_HIST_SUB - 1;
	m = i % PEER_HIST_SUB + PEER_HIST_SUB;
	return ((m + 1) << e) - 1;
}

/* Record <v> in <h>. Owner thread of <h>. */
void peer_hist_add(struct peer_hist *h, uint64_t v)
{
	unsigned int i = hist_index(v);

	if (i >= PEER_HIST_BUCKETS)
		i = PEER_HIST_BUCKETS - 1;
	h->b[i]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* Quantile <q> of <h>, never above the largest recorded value. */
uint64_t peer_hist_quantile(const struct peer_hist *h, double q)
{
	uint64_t target, cum = 0;
	unsigned int i;

	if (!h->count)
		return 0;
	target = (uint64_t)ceil(q * (double)h->count);
	if (target < 1)
		target = 1;
	for (i = 0; i < PEER_HIST_BUCKETS; i++) {
		cum += h->b[i];
		if (cum >= target) {
			uint64_t v = hist_value(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

/* <dst> += <src>. */
void peer_hist_merge(struct peer_hist *dst, const struct peer_hist *src)
{
	unsigned int i;

	for (i = 0; i < PEER_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}
