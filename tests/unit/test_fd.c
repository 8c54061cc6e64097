/*
 * test_fd.c - the fd table and pollers: insert/readiness/delete, takeover
 * refused while the owner runs the fd's callback, takeover otherwise, a
 * late event on the old thread ignored, and a takeover whose epoll_ctl()
 * fails giving the fd back still polled, even to an old owner that was
 * dropping a late event for it at that moment.
 *
 * Runs the real engine threads; fds are the ends of socketpairs whose
 * other end the test writes to. epoll_ctl() is wrapped (below) so a test
 * can make one fail or hold it, to reach the takeover's failure path.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "harness.h"
#include "activity.h"

/* ---- epoll_ctl() fault injection -------------------------------------- */

/* What the wrapper does to the engine's epoll_ctl() calls on fd <fd>
 * (-1: nothing). Engine threads only: <tid> tells them apart. */
static struct {
	int _Atomic fd;
	int _Atomic fail_add_tid;	/* this thread's next ADD fails
					 * (ENOMEM), once; -1 none */
	int _Atomic fail_waits_hold;	/* ...only once a DEL is held */
	int _Atomic hold_del_tid;	/* this thread's next DEL waits for
					 * <del_release>, once; -1 none */
	int _Atomic add_waiting;	/* the failing ADD is waiting */
	int _Atomic add_failed;		/* ADDs failed on purpose */
	int _Atomic del_held;		/* a DEL is being held */
	int _Atomic del_release;	/* let it go */
	int _Atomic del_done;		/* the held DEL went through */
} inj = { .fd = -1, .fail_add_tid = -1, .hold_del_tid = -1 };

static void inj_reset(void)
{
	atomic_store(&inj.fd, -1);
	atomic_store(&inj.fail_add_tid, -1);
	atomic_store(&inj.fail_waits_hold, 0);
	atomic_store(&inj.hold_del_tid, -1);
	atomic_store(&inj.add_waiting, 0);
	atomic_store(&inj.add_failed, 0);
	atomic_store(&inj.del_held, 0);
	atomic_store(&inj.del_release, 0);
	atomic_store(&inj.del_done, 0);
}

/* The engine is linked into this program, so its epoll_ctl() calls land
 * here; everything not steered goes to the real one (the C library's, or
 * a sanitizer's wrapper of it). */
typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event *);
static epoll_ctl_fn _Atomic real_epoll_ctl;

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	epoll_ctl_fn real = atomic_load(&real_epoll_ctl);
	int me = tid, ret, held = 0;

	if (!real) {
		*(void **)&real = dlsym(RTLD_NEXT, "epoll_ctl");
		atomic_store(&real_epoll_ctl, real);
	}
	if (me >= 0 && fd == atomic_load(&inj.fd)) {
		int want = me;

		if (op == EPOLL_CTL_ADD &&
		    atomic_compare_exchange_strong(&inj.fail_add_tid, &want,
						   -1)) {
			if (atomic_load(&inj.fail_waits_hold)) {
				atomic_store(&inj.add_waiting, 1);
				wait_until(atomic_load(&inj.del_held), 5000);
			}
			atomic_fetch_add(&inj.add_failed, 1);
			errno = ENOMEM;
			return -1;
		}
		want = me;
		if (op == EPOLL_CTL_DEL &&
		    atomic_compare_exchange_strong(&inj.hold_del_tid, &want,
						   -1)) {
			atomic_store(&inj.del_held, 1);
			wait_until(atomic_load(&inj.del_release), 5000);
			held = 1;
		}
	}
	ret = real(epfd, op, fd, ev);
	if (held)
		atomic_store(&inj.del_done, 1);
	return ret;
}

/* per-fd record of what the callback saw */
struct rec {
	int fd;
	int peer;			/* the test writes here */
	int _Atomic calls[MAX_THREADS];	/* iocb calls per thread */
	int _Atomic last_tid;
	unsigned int _Atomic last_state;
	int _Atomic drain;		/* read the data and fd_cant_recv() */
	int _Atomic block_on;		/* thread that must block in iocb */
	int _Atomic blocked;		/* it is blocking now */
	int _Atomic release;		/* let it go */
};

static struct rec recs[4] = {
	{ .fd = -1, .peer = -1 }, { .fd = -1, .peer = -1 },
	{ .fd = -1, .peer = -1 }, { .fd = -1, .peer = -1 },
};

static struct rec *rec_of(int fd)
{
	int i;

	for (i = 0; i < 4; i++)
		if (recs[i].fd == fd)
			return &recs[i];
	abort();
}

static void test_iocb(int fd)
{
	struct rec *r = rec_of(fd);
	char buf[256];

	atomic_fetch_add(&r->calls[tid], 1);
	atomic_store(&r->last_tid, tid);
	atomic_store(&r->last_state, atomic_load(&fdtab[fd].state));
	if (atomic_load(&r->block_on) == tid) {
		atomic_store(&r->block_on, -1);
		atomic_store(&r->blocked, 1);
		wait_until(atomic_load(&r->release), 5000);
		atomic_store(&r->blocked, 0);
	}
	if (atomic_load(&r->drain)) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		fd_cant_recv(fd);
	}
}

static int rec_open(struct rec *r)
{
	int sv[2];

	memset(r, 0, sizeof(*r));
	atomic_store(&r->block_on, -1);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	r->fd = sv[0];
	r->peer = sv[1];
	return 0;
}

static int calls_on(struct rec *r, int thr)
{
	return atomic_load(&r->calls[thr]);
}

static void poke(struct rec *r)
{
	if (write(r->peer, "x", 1) != 1)
		abort();
}

/* actions run on an engine thread */
struct act {
	struct rec *r;
	void *owner;
	int ret;
};

static void insert_fn(void *arg)
{
	struct act *a = arg;

	a->ret = fd_insert(a->r->fd, a->r, test_iocb);
}

static void takeover_fn(void *arg)
{
	struct act *a = arg;

	a->ret = fd_takeover(a->r->fd, a->owner);
}

static void is_mine_fn(void *arg)
{
	struct act *a = arg;

	a->ret = fd_is_mine(a->r->fd);
}

static void delete_fn(void *arg)
{
	struct act *a = arg;

	fd_delete(a->r->fd);
	a->ret = 0;
}

static int insert_on(int thr, struct rec *r)
{
	struct act a = { .r = r, .ret = -2 };

	if (run_on(thr, insert_fn, &a) < 0)
		return -2;
	return a.ret;
}

static int takeover_on(int thr, struct rec *r, void *owner)
{
	struct act a = { .r = r, .owner = owner, .ret = -2 };

	if (run_on(thr, takeover_fn, &a) < 0)
		return -2;
	return a.ret;
}

static int is_mine_on(int thr, struct rec *r)
{
	struct act a = { .r = r, .ret = -2 };

	if (run_on(thr, is_mine_fn, &a) < 0)
		return -2;
	return a.ret;
}

static uint64_t own_of(struct rec *r)
{
	return atomic_load(&fdtab[r->fd].own);
}

/* Insert registers the fd with its owner, events run the callback there
 * with readiness recorded, fd_cant_recv() clears it, delete closes. */
static int insert_events_delete(void)
{
	struct rec *r = &recs[0];
	struct act a = { .r = r };
	int n;

	CHECK(rec_open(r) == 0, "socketpair failed");
	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	CHECK(insert_on(0, r) == 0, "fd_insert failed");
	/* thread 0 may already be inside the callback: owner bit only */
	CHECK(FD_OWN_TMASK(own_of(r)) == 1u << 0, "own %#llx",
	      (unsigned long long)own_of(r));
	CHECK(fcntl(r->fd, F_GETFL) & O_NONBLOCK, "fd not non-blocking");
	CHECK(is_mine_on(0, r) == 1 && is_mine_on(1, r) == 0,
	      "fd_is_mine wrong");
	/* EPOLLET reports the initial writability */
	CHECK(wait_until(calls_on(r, 0) >= 1, 2000), "no initial event");
	CHECK(wait_until(own_of(r) == FD_OWN(1u << 0, 0), 2000),
	      "running bit left set: own %#llx",
	      (unsigned long long)own_of(r));

	n = calls_on(r, 0);
	poke(r);
	CHECK(wait_until(calls_on(r, 0) > n, 2000), "no event for data");
	CHECK(atomic_load(&r->last_tid) == 0 && calls_on(r, 1) == 0,
	      "callback ran on thread %d", atomic_load(&r->last_tid));
	CHECK(atomic_load(&r->last_state) & FD_EV_READY_R, "state %#x",
	      atomic_load(&r->last_state));

	atomic_store(&r->drain, 1);
	n = calls_on(r, 0);
	poke(r);
	CHECK(wait_until(calls_on(r, 0) > n, 2000), "no event for data");
	CHECK(wait_until(!(atomic_load(&fdtab[r->fd].state) & FD_EV_READY_R),
			 2000), "READY_R not cleared by fd_cant_recv()");
	CHECK(atomic_load(&fdtab[r->fd].state) & FD_EV_READY_W,
	      "READY_W lost");

	/* peer closes: read-hangup */
	close(r->peer);
	r->peer = -1;
	CHECK(wait_until(atomic_load(&fdtab[r->fd].state) & FD_EV_SHUT_R,
			 2000), "no SHUT_R after the peer closed");

	CHECK(run_on(0, delete_fn, &a) == 0, "delete failed");
	CHECK(fcntl(r->fd, F_GETFD) < 0 && errno == EBADF, "fd still open");
	CHECK(atomic_load(&fdtab[r->fd].own) == 0 && !fdtab[r->fd].owner &&
	      !fdtab[r->fd].iocb && fdtab[r->fd].polled_on == -1,
	      "entry not reset");
	CHECK(fd_insert(-1, NULL, test_iocb) < 0, "fd -1 inserted");
	engine_stop();
	r->fd = -1;
	return 0;
}

/* fd_takeover() fails while the owner is inside the fd's callback (and for
 * a wrong owner object), succeeds once it returned; then events run on the
 * new owner only. */
static int takeover_refused_while_running(void)
{
	struct rec *r = &recs[1];
	uint64_t late0 = activity[0].fd_late_events;	/* no thread yet */
	uint64_t late1 = activity[1].fd_late_events;
	int n0, n1, ret;

	CHECK(rec_open(r) == 0, "socketpair failed");
	atomic_store(&r->drain, 1);
	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	CHECK(insert_on(0, r) == 0, "fd_insert failed");
	CHECK(wait_until(calls_on(r, 0) >= 1, 2000), "no initial event");

	atomic_store(&r->block_on, 0);
	poke(r);
	CHECK(wait_until(atomic_load(&r->blocked), 2000),
	      "owner never entered the callback");
	CHECK(FD_OWN_RMASK(own_of(r)) == 1u << 0,
	      "running mask %#x while in the callback", FD_OWN_RMASK(own_of(r)));

	ret = takeover_on(1, r, r);
	CHECK(ret == -1, "takeover while the owner runs the callback: %d",
	      ret);
	CHECK(own_of(r) == FD_OWN(1u << 0, 1u << 0), "own changed: %#llx",
	      (unsigned long long)own_of(r));

	atomic_store(&r->release, 1);
	CHECK(wait_until(!atomic_load(&r->blocked) &&
			 FD_OWN_RMASK(own_of(r)) == 0, 2000),
	      "callback never returned");

	ret = takeover_on(1, r, &recs[3]);
	CHECK(ret == -1, "takeover with a wrong owner object: %d", ret);
	ret = takeover_on(1, r, r);
	CHECK(ret == 0, "takeover of an idle fd failed");
	/* the ADD reported pending readiness: thread 1 may be in iocb */
	CHECK(FD_OWN_TMASK(own_of(r)) == 1u << 1, "own after takeover %#llx",
	      (unsigned long long)own_of(r));
	CHECK(wait_until(own_of(r) == FD_OWN(1u << 1, 0), 2000),
	      "own after takeover %#llx", (unsigned long long)own_of(r));
	CHECK(is_mine_on(1, r) == 1 && is_mine_on(0, r) == 0,
	      "fd_is_mine after takeover");
	CHECK(takeover_on(1, r, r) == 0, "taking over our own fd failed");

	n0 = calls_on(r, 0);
	n1 = calls_on(r, 1);
	poke(r);
	CHECK(wait_until(calls_on(r, 1) > n1, 2000),
	      "no event on the new owner");
	test_usleep(20000);
	CHECK(calls_on(r, 0) == n0, "old owner still gets events");

	/* and back again, to the first thread */
	CHECK(takeover_on(0, r, r) == 0, "takeover back failed");
	n0 = calls_on(r, 0);
	n1 = calls_on(r, 1);
	poke(r);
	CHECK(wait_until(calls_on(r, 0) > n0, 2000), "no event after return");
	test_usleep(20000);
	CHECK(calls_on(r, 1) == n1, "second owner still gets events");

	engine_stop();
	/* each takeover happened while the other thread sat idle: if the fd
	 * really left the old epoll, no poller ever saw a stale event */
	CHECK(activity[0].fd_late_events == late0 &&
	      activity[1].fd_late_events == late1,
	      "late events %llu/%llu: the fd stayed in the old epoll",
	      (unsigned long long)(activity[0].fd_late_events - late0),
	      (unsigned long long)(activity[1].fd_late_events - late1));
	close(r->fd);
	close(r->peer);
	r->fd = r->peer = -1;
	return 0;
}

/* Thread 0 fetched events for x then y in one epoll_wait(); while it runs
 * x's callback, thread 1 takes y over. Thread 0 must then ignore y's
 * event: y's callback never runs on thread 0 again, it runs on thread 1,
 * and thread 0's epoll no longer reports y. */
static int _Atomic gate_open, gate_in;

static void gate_fn(void *arg)
{
	(void)arg;
	atomic_store(&gate_in, 1);
	wait_until(atomic_load(&gate_open), 5000);
}

static int late_event_ignored(void)
{
	struct rec *x = &recs[2], *y = &recs[3];
	struct job gate = { .fn = gate_fn };
	uint64_t late_before;
	int y0, y1, ret;

	CHECK(rec_open(x) == 0 && rec_open(y) == 0, "socketpair failed");
	atomic_store(&x->drain, 1);
	atomic_store(&y->drain, 1);
	late_before = activity[0].fd_late_events;	/* no thread yet */
	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	CHECK(insert_on(0, x) == 0 && insert_on(0, y) == 0,
	      "fd_insert failed");
	CHECK(wait_until(calls_on(x, 0) >= 1 && calls_on(y, 0) >= 1, 2000),
	      "no initial events");

	/* keep thread 0 busy so both events land in one epoll_wait() */
	atomic_store(&gate_open, 0);
	atomic_store(&gate_in, 0);
	CHECK(run_on_async(0, &gate) == 0, "run_on_async failed");
	CHECK(wait_until(atomic_load(&gate_in), 2000), "gate never ran");
	atomic_store(&x->block_on, 0);
	y0 = calls_on(y, 0);
	y1 = calls_on(y, 1);
	poke(x);			/* x first in the ready list */
	poke(y);
	atomic_store(&gate_open, 1);

	CHECK(wait_until(atomic_load(&x->blocked), 2000),
	      "thread 0 never entered x's callback");
	/* thread 0 holds y's event in its batch; y is not running */
	ret = takeover_on(1, y, y);
	CHECK(ret == 0, "takeover of y failed: %d", ret);
	atomic_store(&x->release, 1);

	CHECK(wait_until(calls_on(y, 1) > y1, 2000),
	      "y's pending event did not follow it to thread 1");
	CHECK(wait_until(!atomic_load(&x->blocked), 2000), "x stuck");
	test_usleep(20000);
	CHECK(calls_on(y, 0) == y0, "thread 0 ran y's callback after the "
	      "takeover (%d -> %d)", y0, calls_on(y, 0));

	poke(y);
	CHECK(wait_until(calls_on(y, 1) > y1 + 1 || calls_on(y, 0) > y0,
			 2000), "no event for y");
	test_usleep(20000);
	CHECK(calls_on(y, 0) == y0, "thread 0 still polls y");

	engine_stop();
	/* activity is read after the join: no race with the increments */
	CHECK(activity[0].fd_late_events > late_before,
	      "thread 0 never saw the late event (the test did not test)");
	close(x->fd);
	close(x->peer);
	close(y->fd);
	close(y->peer);
	x->fd = x->peer = y->fd = y->peer = -1;
	return 0;
}

/* fd_takeover() whose epoll_ctl(ADD) on the new thread fails returns -1
 * and leaves the fd with its owner, still polled there and not on the
 * would-be stealer; a later takeover works. */
static int takeover_add_fails(void)
{
	struct rec *r = &recs[2];
	int n0, n1, ret;

	inj_reset();
	CHECK(rec_open(r) == 0, "socketpair failed");
	atomic_store(&r->drain, 1);
	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	CHECK(insert_on(0, r) == 0, "fd_insert failed");
	CHECK(wait_until(calls_on(r, 0) >= 1 &&
			 own_of(r) == FD_OWN(1u << 0, 0), 2000),
	      "no initial event");

	atomic_store(&inj.fd, r->fd);
	atomic_store(&inj.fail_add_tid, 1);
	ret = takeover_on(1, r, r);
	CHECK(atomic_load(&inj.add_failed) == 1,
	      "the injected epoll_ctl failure did not happen");
	CHECK(ret == -1, "takeover with a failing epoll_ctl: %d", ret);
	CHECK(FD_OWN_TMASK(own_of(r)) == 1u << 0, "own after the failed "
	      "takeover %#llx", (unsigned long long)own_of(r));
	CHECK(is_mine_on(0, r) == 1 && is_mine_on(1, r) == 0,
	      "fd_is_mine after the failed takeover");
	CHECK(fdtab[r->fd].polled_on == 0, "polled_on %d",
	      fdtab[r->fd].polled_on);

	n0 = calls_on(r, 0);
	n1 = calls_on(r, 1);
	poke(r);
	CHECK(wait_until(calls_on(r, 0) > n0, 2000),
	      "the owner lost the fd: no event after the failed takeover");
	test_usleep(20000);
	CHECK(calls_on(r, 1) == n1, "the failed stealer got an event");

	inj_reset();
	CHECK(takeover_on(1, r, r) == 0, "takeover after the failure failed");
	n1 = calls_on(r, 1);
	poke(r);
	CHECK(wait_until(calls_on(r, 1) > n1, 2000),
	      "no event on the new owner");

	engine_stop();
	close(r->fd);
	close(r->peer);
	r->fd = r->peer = -1;
	return 0;
}

/* The rollback race. Thread 0 owns y and has fetched an event for it;
 * thread 1 takes y over (CAS done), then its epoll_ctl(ADD) fails. In
 * between, thread 0 reaches y's event, sees y is not its own any more
 * and starts dropping it from its epoll (the late-event path). Held here:
 * thread 0 has read <own> and is about to DEL; thread 1 gives y back and
 * returns; only then does the DEL go through. y must still be polled by
 * thread 0 afterwards (it used to be lost: the rollback's re-ADD came
 * before the late DEL). */
static void takeover_async_fn(void *arg)
{
	struct act *a = arg;

	a->ret = fd_takeover(a->r->fd, a->owner);
}

static int takeover_rollback_vs_late_event(void)
{
	struct rec *x = &recs[2], *y = &recs[3];
	struct job gate = { .fn = gate_fn };
	struct act ta = { .r = y, .owner = y, .ret = -2 };
	struct job tj = { .fn = takeover_async_fn, .arg = &ta };
	int y0;

	inj_reset();
	CHECK(rec_open(x) == 0 && rec_open(y) == 0, "socketpair failed");
	atomic_store(&x->drain, 1);
	atomic_store(&y->drain, 1);
	CHECK(engine_start(2, NULL) == 0, "threads_start failed");
	CHECK(insert_on(0, x) == 0 && insert_on(0, y) == 0,
	      "fd_insert failed");
	CHECK(wait_until(calls_on(x, 0) >= 1 && calls_on(y, 0) >= 1 &&
			 own_of(y) == FD_OWN(1u << 0, 0), 2000),
	      "no initial events");

	/* thread 0 fetches x's and y's events in one epoll_wait(), then
	 * blocks in x's callback with y's event still to handle */
	atomic_store(&gate_open, 0);
	atomic_store(&gate_in, 0);
	CHECK(run_on_async(0, &gate) == 0, "run_on_async failed");
	CHECK(wait_until(atomic_load(&gate_in), 2000), "gate never ran");
	atomic_store(&x->block_on, 0);
	poke(x);
	poke(y);
	atomic_store(&gate_open, 1);
	CHECK(wait_until(atomic_load(&x->blocked), 2000),
	      "thread 0 never entered x's callback");

	/* thread 1: CAS, then its ADD waits for thread 0's DEL, and fails */
	atomic_store(&inj.fd, y->fd);
	atomic_store(&inj.fail_waits_hold, 1);
	atomic_store(&inj.fail_add_tid, 1);
	atomic_store(&inj.hold_del_tid, 0);
	CHECK(run_on_async(1, &tj) == 0, "run_on_async failed");
	CHECK(wait_until(atomic_load(&inj.add_waiting), 2000),
	      "thread 1 never reached its epoll_ctl(ADD)");
	CHECK(FD_OWN_TMASK(own_of(y)) == 1u << 1, "own during the takeover "
	      "%#llx", (unsigned long long)own_of(y));

	/* thread 0 goes on to y's late event: held before its DEL */
	y0 = calls_on(y, 0);
	atomic_store(&x->release, 1);
	CHECK(wait_until(atomic_load(&inj.del_held), 2000),
	      "thread 0 never dropped y's late event");
	CHECK(wait_until(atomic_load(&tj.done), 5000),
	      "the takeover never returned");
	CHECK(ta.ret == -1 && atomic_load(&inj.add_failed) == 1,
	      "takeover returned %d, %d injected failure(s)", ta.ret,
	      atomic_load(&inj.add_failed));
	CHECK(FD_OWN_TMASK(own_of(y)) == 1u << 0, "own after the rollback "
	      "%#llx", (unsigned long long)own_of(y));

	/* now the late DEL */
	atomic_store(&inj.del_release, 1);
	CHECK(wait_until(atomic_load(&inj.del_done), 2000),
	      "the held DEL never finished");
	inj_reset();
	CHECK(wait_until(!atomic_load(&x->blocked), 2000), "x stuck");
	/* y's byte is still unread: back in thread 0's epoll, EPOLLET
	 * reports it again */
	CHECK(wait_until(calls_on(y, 0) > y0, 2000),
	      "y's pending data never reached thread 0");
	y0 = calls_on(y, 0);
	poke(y);
	CHECK(wait_until(calls_on(y, 0) > y0, 2000),
	      "y is polled by nobody after the failed takeover");
	CHECK(calls_on(y, 1) == 0, "thread 1 ran y's callback");

	engine_stop();
	close(x->fd);
	close(x->peer);
	close(y->fd);
	close(y->peer);
	x->fd = x->peer = y->fd = y->peer = -1;
	return 0;
}

/* The table covers every fd number the kernel can hand out: the soft
 * limit is set to the table size, so a socket beyond it fails cleanly. */
static int table_covers_limit(void)
{
	struct rlimit rl;
	int fds[80], n = 0, i, ok = 1;

	CHECK(fd_init(64) == 0, "fd_init(64) failed");
	CHECK(maxfd == 64, "maxfd %d, want 64", maxfd);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 64,
	      "soft limit %lu, want 64", (unsigned long)rl.rlim_cur);
	while (n < 80 && (fds[n] = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0) {
		if (fds[n] >= maxfd)
			ok = 0;
		n++;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	CHECK(ok, "got an fd beyond the table");
	CHECK(n < 80 && errno == EMFILE, "no EMFILE after %d sockets", n);
	CHECK(fd_init(0) == 0 && maxfd > 64, "fd_init(0): maxfd %d", maxfd);
	return 0;
}

int main(void)
{
	test_init();
	if (fd_init(0) < 0) {
		printf("FAIL fd_init\n");
		return 1;
	}
	RUN(table_covers_limit);
	RUN(insert_events_delete);
	RUN(takeover_refused_while_running);
	RUN(late_event_ignored);
	RUN(takeover_add_fails);
	RUN(takeover_rollback_vs_late_event);
	fd_deinit();
	return test_failures ? 1 : 0;
}
