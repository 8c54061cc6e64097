/*
 * server.c - servers, their per-thread idle connection pools, the
 * idle_conns locks and the purge.
 *
 * Background (HAProxy include/haproxy/server.h and src/server.c at
 * e388f2fbc):
 *
 * When a back connection has no stream left, its mux offers it to the
 * server with srv_add_to_idle_list(). If admitted it goes into the calling
 * thread's idle list (it served only its first request: reusable for
 * requests that can be retried) or safe list (proven reusable). From then
 * on any thread may take it: its own thread with conn_backend_get() under
 * its own lock, another thread by calling the mux takeover() while holding
 * the owner's lock (backend.c). So thread T's idle_conns_lock protects T's
 * idle and safe lists of every server and, through the mux io_cb's locked
 * path, the tasklet context of every conn sitting in them.
 *
 * The available lists (conns with streams and room for more, H2/FCGI) are
 * looked at by their owner thread only and take no lock.
 *
 * Idle conns do not live forever: srv_add_to_idle_list() registers the
 * server with the purge task (thread 0). Every pool-purge-delay that task
 * computes how many idle conns exceed the recent need and, for each thread
 * under that thread's lock, moves that thread's share to the thread's
 * to-remove list, then wakes the thread's cleanup task, which destroys
 * them on their owner thread. The move leaves the CO_FL_*_LIST bits set:
 * the conn is still accounted as idle until conn_free() releases it. That
 * is faithful to HAProxy at e388f2fbc, and it is the window in which the
 * 2023 and 2025 bugs (5e1b0e7bf, 9481cef94) re-inserted a dying conn into
 * an idle list: an io_cb that runs in it must not take the LIST bits for
 * "in a list" (_conn_in_idle_list(); BUG_PURGE_REINSERT puts the mistake
 * back, and _srv_drop_if_purged() keeps the lab alive when it happens).
 *
 * The lock: a test-and-test-and-set spinlock with a pause, one per thread
 * on its own cache line. Wait and hold times are measured (clock_gettime)
 * only while a tracing session records the lock event, so an untraced run
 * pays one atomic exchange per acquisition and nothing else. One event per
 * critical section, emitted when it ends (trace format 2): it carries the
 * wait, the hold and how many events the holder emitted meanwhile.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "compiler.h"
#include "connection.h"
#include "fd.h"
#include "lab.h"
#include "proxy-t.h"
#include "server.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

#define DEF_POOL_PURGE_DELAY	5000	/* ms, HAProxy's default */
#define POOL_HIGH_FD_RATIO	25	/* % of the fd table */
#define POOL_LOW_FD_RATIO	20

struct idle_conns idle_conns[MAX_THREADS] = {
	[0 ... MAX_THREADS - 1] = { .idle_conns_lock = { .holder = -1 } }
};
struct server *servers;
int nb_servers;
struct task *idle_conn_task;

/* Which idle_conns lock each thread holds, -1 for none. Written and read
 * by that thread only: it is what makes "never two at once" checkable and
 * idle_lock_held() exact. */
static struct {
	int thr;
} THREAD_ALIGNED lock_owner[MAX_THREADS] = {
	[0 ... MAX_THREADS - 1] = { .thr = -1 }
};

/* ---- the idle_conns locks ---------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static inline uint64_t lock_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* saturate a duration to the event's 32-bit field */
static inline uint32_t ns32(uint64_t ns)
{
	return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* The lock at <l> (thread <thr>'s) was just taken by the calling thread;
 * <t0> is when it started waiting, 0 if it did not wait (or is not being
 * timed). The hold is timed while the lock event is recorded. Nothing is
 * traced yet: the section's event comes at idle_unlock(). */
static inline void __idle_lock_taken(struct idle_spinlock *l, int thr,
				     enum lock_site site, int trylock,
				     uint64_t t0)
{
	uint64_t now = 0;

	l->holder = tid;
	l->site = site;
	l->trylock = trylock;
	lock_owner[tid].thr = thr;
	ACT.lock_acq[site]++;
	if (TRACE_ON(lock))
		now = lock_clock_ns();
	l->taken_ns = now;
	l->wait_ns = t0 && now > t0 ? ns32(now - t0) : 0;
	l->nev_at = trace_nev;
}

/*
 * idle_lock - take thread <thr>'s idle_conns lock, spinning if needed
 * @thr:  whose lock (0 .. nbthread-1): the calling thread's own in every
 *        path except the purge task, which takes each thread's in turn
 * @site: who takes it, for the trace and ACT.lock_acq[]
 *
 * Test-and-test-and-set: one atomic exchange; while it fails, spin on a
 * plain load with a pause so that waiters do not bounce the cache line.
 * A wait is timed while tracing; the event comes at idle_unlock().
 *
 * Context: engine thread holding no idle_conns lock (BUG_ON otherwise: a
 * thread holding two could deadlock against another doing the opposite).
 * Blocking on another thread's lock is only legal for the purge; stealers
 * use idle_trylock().
 */
void idle_lock(int thr, enum lock_site site)
{
	struct idle_spinlock *l = &idle_conns[thr].idle_conns_lock;
	uint64_t t0 = 0;

	BUG_ON(tid < 0 || thr < 0 || thr >= MAX_THREADS);
	BUG_ON_MSG(lock_owner[tid].thr >= 0, "this thread already holds an "
		   "idle_conns lock (a path that took one and never called "
		   "idle_unlock()?)");
	/* the wait is timed only when there is one: a free lock costs no
	 * clock read, and its wait is 0 */
	if (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		if (TRACE_ON(lock))
			t0 = lock_clock_ns();
		do {
			while (atomic_load_explicit(&l->locked,
						    memory_order_relaxed))
				cpu_relax();
		} while (atomic_exchange_explicit(&l->locked, 1,
						  memory_order_acquire));
	}
	__idle_lock_taken(l, thr, site, 0, t0);
}

/*
 * idle_trylock - take thread <thr>'s idle_conns lock if it is free
 * @thr:  whose lock
 * @site: who takes it (SITE_STEAL_SCAN for the steal scan)
 *
 * Never waits: a plain load first (a busy lock costs no cache-line
 * ownership), then one exchange. On failure emits the lock event at once
 * with ok=0 (nothing held, no hold time) and counts ACT.trylock_fail.
 *
 * Return: 1 if taken (release with idle_unlock()), 0 if busy.
 * Context: engine thread holding no idle_conns lock.
 */
int idle_trylock(int thr, enum lock_site site)
{
	struct idle_spinlock *l = &idle_conns[thr].idle_conns_lock;

	BUG_ON(tid < 0 || thr < 0 || thr >= MAX_THREADS);
	BUG_ON_MSG(lock_owner[tid].thr >= 0, "this thread already holds an "
		   "idle_conns lock (a path that took one and never called "
		   "idle_unlock()?)");
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) ||
	    atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		ACT.trylock_fail++;
		TRACE(lock, tid, thr, site, 1, 0, 0, 0, 0);
		return 0;
	}
	__idle_lock_taken(l, thr, site, 1, 0);	/* a trylock never waits */
	return 1;
}

/*
 * idle_unlock - release thread <thr>'s idle_conns lock
 * @thr:  whose lock; the calling thread must hold it
 * @site: who releases it (normally the site that took it)
 *
 * Emits the section's lock event (site: the one that took it) before the
 * lock word is really released, so that in the trace the sections of one
 * lock never overlap and everything the holder traced meanwhile comes
 * before it.
 * Context: the thread that took the lock.
 */
void idle_unlock(int thr, enum lock_site site)
{
	struct idle_spinlock *l = &idle_conns[thr].idle_conns_lock;
	uint64_t hold = 0;
	unsigned int inside;

	(void)site;
	BUG_ON_MSG(tid < 0 || lock_owner[tid].thr != thr || l->holder != tid,
		   "idle_unlock() of a lock this thread does not hold (unlocked "
		   "twice?)");
	if (TRACE_ON(lock)) {
		if (l->taken_ns)
			hold = lock_clock_ns() - l->taken_ns;
		inside = trace_nev - l->nev_at;
		TRACE(lock, tid, thr, l->site, l->trylock, 1,
		      inside > 65535 ? 65535 : inside, l->wait_ns, ns32(hold));
	}
	l->holder = -1;
	lock_owner[tid].thr = -1;
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

/*
 * idle_lock_held - does the calling thread hold thread <thr>'s lock?
 *
 * Exact for the calling thread (it reads its own record only), so it is
 * what the '_' functions assert. Context: any engine thread.
 */
int idle_lock_held(int thr)
{
	return tid >= 0 && lock_owner[tid].thr == thr;
}

/* ---- list membership ----------------------------------------------------- */

static inline int conn_srv_puid(const struct connection *conn)
{
	return conn->target ? conn->target->puid : -1;
}

/* The length counter of <srv>'s list <which> of thread <thr>, or NULL for
 * the lists that have none. */
static inline int _Atomic *srv_list_len(struct server *srv,
					enum conn_list which, int thr)
{
	if (which == LIST_IDLE)
		return &srv->per_thr[thr].nb_idle;
	if (which == LIST_SAFE)
		return &srv->per_thr[thr].nb_safe;
	if (which == LIST_AVAIL)
		return &srv->per_thr[thr].nb_avail;
	return NULL;
}

/*
 * _conn_delete_from_tree - take a conn out of its idle/safe/available list
 * @conn:   the connection (in no list: nothing happens)
 * @reason: why, for the idle_remove event
 *
 * Leaves the flags alone: the caller decides what the conn is accounted
 * as. Leaves a to-remove list membership alone too (separate element).
 *
 * Context: for an idle or safe list, the caller holds the lock of the
 * thread whose list it is (asserted): that is what makes the delete
 * atomic against a stealer's scan and takeover. For an available list,
 * the owner thread, no lock.
 */
void _conn_delete_from_tree(struct connection *conn, enum remove_reason reason)
{
	struct conn_hash_node *node = &conn->hash_node;
	int _Atomic *len;

	if (node->in == LIST_NONE)
		return;
	if (node->in == LIST_AVAIL)
		BUG_ON(node->thr != tid);
	else
		BUG_ON(!idle_lock_held(node->thr));
	list_delete(&node->list);
	len = srv_list_len(conn->target, node->in, node->thr);
	if (len)
		atomic_fetch_sub_explicit(len, 1, memory_order_relaxed);
	TRACE(idle_remove, tid, conn->id, conn->mux->id, conn_srv_puid(conn),
	      node->in, reason);
	node->in = LIST_NONE;
	node->thr = -1;
	/* the stealer's takeover() replaced the tasklet; the old one is
	 * freed on its thread: forget it until the stealer attaches */
	if (reason == REASON_STEAL)
		atomic_store_explicit(&conn->mux_tl, NULL,
				      memory_order_relaxed);
}

/*
 * _srv_insert_conn - put a conn in one of a server's per-thread lists
 * @srv:   the server (ignored for LIST_TOREMOVE, which is per thread)
 * @conn:  the connection, in no idle/safe/avail list for those three
 * @which: LIST_IDLE, LIST_SAFE, LIST_AVAIL or LIST_TOREMOVE
 * @thr:   whose list
 *
 * Flags are not touched. Emits idle_insert. From the moment an idle or
 * safe insertion is done and the lock released, another thread may take
 * the conn over: the caller must not touch it after unlocking.
 *
 * Context: holding <thr>'s lock for idle, safe and to-remove lists
 * (asserted); for the available list, the owner (thr == tid), no lock.
 */
void _srv_insert_conn(struct server *srv, struct connection *conn,
		      enum conn_list which, int thr)
{
	struct conn_hash_node *node = &conn->hash_node;
	struct list *head;

	switch (which) {
	case LIST_IDLE:
		head = &srv->per_thr[thr].idle_conns;
		break;
	case LIST_SAFE:
		head = &srv->per_thr[thr].safe_conns;
		break;
	case LIST_AVAIL:
		BUG_ON(thr != tid);
		head = &srv->per_thr[thr].avail_conns;
		break;
	case LIST_TOREMOVE:
		BUG_ON(!idle_lock_held(thr));
		BUG_ON(list_inlist(&conn->toremove_list));
		/* only the purge moves a conn here; HAProxy's first fix of
		 * the purge window cleared its LIST bits now, and the conn
		 * was then freed as a used one */
		if (bug_on_mode(BUG_PURGE_CLEAR_BITS))
			conn->flags &= ~CO_FL_LIST_MASK;	/* BUG */
		list_append(&idle_conns[thr].toremove_conns,
			    &conn->toremove_list);
		TRACE(idle_insert, tid, conn->id, conn->mux->id,
		      conn_srv_puid(conn), LIST_TOREMOVE);
		return;
	default:
		BUG_ON(1);
		return;
	}
	if (which != LIST_AVAIL)
		BUG_ON(!idle_lock_held(thr));
	BUG_ON(node->in != LIST_NONE || conn->target != srv);
	list_append(head, &node->list);
	node->in = which;
	node->thr = thr;
	atomic_fetch_add_explicit(srv_list_len(srv, which, thr), 1,
				  memory_order_relaxed);
	TRACE(idle_insert, tid, conn->id, conn->mux->id, srv->puid, which);
}

/*
 * _conn_in_idle_list - is <conn> linked in an idle or safe list right now?
 * @conn: a back conn of the calling thread, whose io_cb runs
 *
 * The io_cb prologue's question: "must I put this conn back into a list
 * when I am done?". The LIST bits cannot answer it: they say what the
 * server accounts the conn as, and the purge leaves them set when it
 * moves a conn to the to-remove list (its counters are fixed when the
 * conn is freed). Reading them as "in a list" re-inserts a conn that is
 * queued for destruction, where another thread can steal it or this one
 * reuse it while the cleanup task destroys it (HAProxy 5e1b0e7bf, then
 * 9481cef94, which settled on testing the membership itself). So look at
 * the list node: a purged conn is in no idle list, only on its thread's
 * to-remove list, and gets 0 here.
 *
 * Return: CO_FL_SAFE_LIST or CO_FL_IDLE_LIST for the list it is in, 0 if
 * it is in none (in use, in the available list, or purged).
 * Context: the conn's owner thread, holding its own idle_conns_lock (a
 * stealer changes the node under that lock).
 */
int _conn_in_idle_list(const struct connection *conn)
{
	const struct conn_hash_node *node = &conn->hash_node;

	BUG_ON(!idle_lock_held(tid));
	if (bug_on_mode(BUG_PURGE_REINSERT))
		return conn->flags & CO_FL_LIST_MASK;	/* BUG: accounted, but
							 * maybe purged */
	if (node->in != LIST_IDLE && node->in != LIST_SAFE)
		return 0;
	/* linked in an idle list means accounted as idle, and ours */
	BUG_ON(!(conn->flags & CO_FL_LIST_MASK) || node->thr != tid);
	return node->in == LIST_SAFE ? CO_FL_SAFE_LIST : CO_FL_IDLE_LIST;
}

/*
 * _srv_drop_if_purged - never hand out a conn that is being destroyed
 * @conn: a conn just found in thread <thr>'s idle or safe list
 * @thr:  whose list
 *
 * A conn can be in an idle list and on the to-remove list at once only
 * if an io_cb re-inserted it after the purge moved it (BUG_PURGE_REINSERT,
 * or exercise 07 before it is done). In HAProxy the reuse or the steal
 * would go ahead and the owner's cleanup task would then destroy the conn
 * under its new user: a use-after-free (the crash 4a6dec719 describes). The
 * lab must survive to keep the trace, so it stops there: it takes the conn
 * out of the idle list (idle_remove reason=purge) and leaves it to the
 * cleanup task, which destroys it as the purge meant. Counted in
 * ACT.purge_race ("purge_race" in the activity report). The trace shows the
 * mistake itself, the idle_insert (invariant 7).
 *
 * Return: 1 if <conn> was dropped (the caller looks for another one), 0
 * if it may be used.
 * Context: holding <thr>'s idle_conns_lock.
 */
int _srv_drop_if_purged(struct connection *conn, int thr)
{
	BUG_ON(!idle_lock_held(thr));
	if (likely(!list_inlist(&conn->toremove_list)))
		return 0;
	_conn_delete_from_tree(conn, REASON_PURGE);
	ACT.purge_race++;
	return 1;
}

/* Take <conn> off <thr>'s to-remove list if it is on it. Caller holds
 * <thr>'s lock. */
static void _conn_delete_from_toremove(struct connection *conn, int thr,
				       enum remove_reason reason)
{
	BUG_ON(!idle_lock_held(thr));
	if (!list_inlist(&conn->toremove_list))
		return;
	list_delete(&conn->toremove_list);
	TRACE(idle_remove, tid, conn->id, conn->mux->id, conn_srv_puid(conn),
	      LIST_TOREMOVE, reason);
}

/*
 * srv_add_to_avail_list - publish a conn that has room for more streams
 * @srv:  its server
 * @conn: a non-private back conn of the calling thread, in no list
 *
 * Context: owner thread, no lock: other threads never look at available
 * lists, so a conn there can never be taken over.
 */
void srv_add_to_avail_list(struct server *srv, struct connection *conn)
{
	_srv_insert_conn(srv, conn, LIST_AVAIL, tid);
}

/* ---- accounting ------------------------------------------------------------ */

/*
 * pool_high_count / pool_low_count - FD pressure thresholds
 *
 * HAProxy sizes them from tune.pool-{high,low}-fd-ratio (25 and 20 % of
 * maxsock). The lab compares them with conn_used_fds(), which counts
 * connection sockets only (listeners, pollers and eventfds are not
 * counted). Before fd_init() sized the table they do not limit anything.
 * Context: any thread.
 */
int pool_high_count(void)
{
	return maxfd > 0 ? (int)((long)maxfd * POOL_HIGH_FD_RATIO / 100) :
			   INT_MAX;
}

int pool_low_count(void)
{
	return maxfd > 0 ? (int)((long)maxfd * POOL_LOW_FD_RATIO / 100) :
			   INT_MAX;
}

/*
 * srv_use_conn - a conn starts serving: count it as used
 * @srv:  its server
 * @conn: the connection (unused, kept for HAProxy's signature)
 *
 * Raises the peaks the purge sizes itself on. The peaks are updated with a
 * plain load/store: an approximate maximum is enough (as in HAProxy).
 * Context: any engine thread, no lock.
 */
void srv_use_conn(struct server *srv, struct connection *conn)
{
	int curr;

	(void)conn;
	curr = atomic_fetch_add(&srv->curr_used_conns, 1) + 1;
	if (atomic_load_explicit(&srv->max_used_conns,
				 memory_order_relaxed) < curr)
		atomic_store_explicit(&srv->max_used_conns, curr,
				      memory_order_relaxed);
	if (atomic_load_explicit(&srv->est_need, memory_order_relaxed) < curr)
		atomic_store_explicit(&srv->est_need, curr,
				      memory_order_relaxed);
}

/*
 * srv_release_conn - a conn of <srv> is being freed: fix the counters
 * @srv:  its server
 * @conn: the connection, owned by the calling thread
 *
 * If its LIST bits are set it is still accounted as idle (even if the
 * purge already moved it to the to-remove list): decrement the idle
 * counters and this thread's curr_idle_thr. Otherwise it was counted as
 * used. Then, under this thread's lock, take it out of any list (idle,
 * safe, available, to-remove), so that a conn freed by its own thread
 * while queued for the purge is not destroyed twice.
 *
 * Context: owner thread, from conn_free(), holding no idle_conns lock:
 * takes its own (SITE_RELEASE). This is why nobody may destroy a conn
 * while holding its own lock (HAProxy 65bf600cc). The conn is not in
 * another thread's list, so no takeover can race with this.
 */
void srv_release_conn(struct server *srv, struct connection *conn)
{
	if (conn->flags & CO_FL_LIST_MASK) {
		atomic_fetch_sub(&srv->curr_idle_conns, 1);
		atomic_fetch_sub(conn->flags & CO_FL_SAFE_LIST ?
				 &srv->curr_safe_nb : &srv->curr_idle_nb, 1);
		atomic_fetch_sub(&srv->curr_idle_thr[tid], 1);
	} else {
		atomic_fetch_sub(&srv->curr_used_conns, 1);
	}

	idle_lock(tid, SITE_RELEASE);
	_conn_delete_from_tree(conn, REASON_CLOSE);
	_conn_delete_from_toremove(conn, tid, REASON_CLOSE);
	idle_unlock(tid, SITE_RELEASE);
}

/* ---- admission ----------------------------------------------------------------- */

/* Register <srv> with the purge task if it is not yet: the purge runs
 * pool-purge-delay from now. The purge task lives on thread 0 and only its
 * owner may arm its timer, so we just wake it; it re-arms itself for the
 * earliest server. (HAProxy: idle_conn_srv tree under idle_conn_srv_lock.)
 * in_purge_list is set with a CAS after purge_at is written, and the purge
 * clears it before re-reading curr_idle_conns: see srv_purge_reschedule(). */
static void srv_register_purge(struct server *srv)
{
	int zero = 0;

	if (atomic_load(&srv->in_purge_list))
		return;
	atomic_store(&srv->purge_at, now_mono_ns() +
		     (uint64_t)srv->pool_purge_delay * 1000000ull);
	if (!atomic_compare_exchange_strong(&srv->in_purge_list, &zero, 1))
		return;
	if (idle_conn_task)
		task_wakeup(idle_conn_task, TASK_WOKEN_OTHER);
}

/* May <conn> enter an idle list of the calling thread? Every rule of
 * HAProxy's srv_add_to_idle_list() at e388f2fbc, in its order, plus the
 * lab's "not while stopping". Reads counters and list lengths without
 * the lock (as HAProxy does): they are hints, and the pool-max-conn limit
 * is enforced again by the caller's atomic increment. */
static int srv_may_pool(struct server *srv, struct connection *conn,
			int is_safe)
{
	struct srv_per_thread *pt = &srv->per_thr[tid];
	int used_fds = conn_used_fds();
	int used, idle;

	/* session-bound (http-reuse never): never shared */
	if (conn->flags & CO_FL_PRIVATE)
		return 0;
	/* pool-purge-delay 0 disables pooling */
	if (!srv->pool_purge_delay)
		return 0;
	if (!srv->proxy || srv->proxy->reuse == REUSE_NEVER)
		return 0;
	/* shutdown: stop_back will not see a conn parked after it ran */
	if (atomic_load_explicit(&stopping, memory_order_relaxed))
		return 0;
	/* FD pressure: keep sockets for new connections */
	if (used_fds >= pool_high_count())
		return 0;
	/* pool-max-conn */
	if (srv->max_idle_conns != -1 &&
	    srv->max_idle_conns <= atomic_load(&srv->curr_idle_conns))
		return 0;
	/* Per-thread balance: a thread always keeps one conn (its safe list
	 * empty, and its idle list too unless this one is safe); beyond that
	 * only while FDs are plentiful and the pool does not exceed the
	 * recent need plus pool-low-conn. */
	if (!(!atomic_load_explicit(&pt->nb_safe, memory_order_relaxed) &&
	      (is_safe || !atomic_load_explicit(&pt->nb_idle,
						memory_order_relaxed)))) {
		used = atomic_load(&srv->curr_used_conns);
		idle = atomic_load(&srv->curr_idle_conns);
		if (used_fds >= pool_low_count() ||
		    used + idle > MAX(used, atomic_load(&srv->est_need)) +
				  srv->low_idle_conns)
			return 0;
	}
	/* the mux must really be idle and able to take a stream */
	if (conn->mux->used_streams(conn) != 0 ||
	    conn->mux->avail_streams(conn) < 1)
		return 0;
	return 1;
}

/*
 * srv_add_to_idle_list - offer an idle conn to its server's pool
 * @srv:     the server (may be NULL: refused)
 * @conn:    a back conn of the calling thread with no stream; its mux
 *           already set TASK_F_USR1 on its tasklet (usr1 mode)
 * @is_safe: 1 for the safe list, 0 for the idle list
 *
 * Admission as in srv_may_pool(), then curr_idle_conns is incremented
 * atomically and the insertion backs out if that exceeded pool-max-conn
 * (two threads may both have passed the check). curr_used_conns--; under
 * this thread's lock (SITE_ADD_IDLE) the conn leaves whatever list it was
 * in (typically the available list), gets CO_FL_SAFE_LIST or
 * CO_FL_IDLE_LIST and enters the list; curr_idle_thr[tid]++ after the
 * unlock (so it may briefly lag behind a steal, as in HAProxy); finally
 * the server is registered with the purge.
 *
 * Return: 1 if inserted: the conn may belong to another thread already and
 * the caller must not touch it any more. 0 if refused (ACT.idle_refused):
 * the caller destroys it.
 * Context: owner thread, holding no idle_conns lock. Races with takeovers
 * from the moment the lock is released, by design.
 */
int srv_add_to_idle_list(struct server *srv, struct connection *conn,
			 int is_safe)
{
	int retadd;

	if (!srv || !srv_may_pool(srv, conn, is_safe))
		goto refuse;

	retadd = atomic_fetch_add(&srv->curr_idle_conns, 1) + 1;
	if (srv->max_idle_conns != -1 && retadd > srv->max_idle_conns) {
		atomic_fetch_sub(&srv->curr_idle_conns, 1);
		goto refuse;
	}
	atomic_fetch_sub(&srv->curr_used_conns, 1);

	idle_lock(tid, SITE_ADD_IDLE);
	/* usually from the available list; the idle_insert that follows
	 * tells the reader where it went */
	_conn_delete_from_tree(conn, REASON_REUSE);
	conn->flags &= ~CO_FL_LIST_MASK;
	if (is_safe) {
		conn->flags |= CO_FL_SAFE_LIST;
		_srv_insert_conn(srv, conn, LIST_SAFE, tid);
		atomic_fetch_add(&srv->curr_safe_nb, 1);
	} else {
		conn->flags |= CO_FL_IDLE_LIST;
		_srv_insert_conn(srv, conn, LIST_IDLE, tid);
		atomic_fetch_add(&srv->curr_idle_nb, 1);
	}
	idle_unlock(tid, SITE_ADD_IDLE);
	/* <conn> may belong to another thread now: only <srv> from here */
	atomic_fetch_add(&srv->curr_idle_thr[tid], 1);

	srv_register_purge(srv);
	return 1;

refuse:
	ACT.idle_refused++;
	return 0;
}

/* ---- purge ------------------------------------------------------------------------ */

/* Move up to <max> conns from <srv>'s <which> list (idle or safe) of thread
 * <thr> to <thr>'s to-remove list. Flags untouched (faithful to HAProxy's
 * srv_migrate_conns_to_remove()). Returns how many moved. Caller holds
 * <thr>'s lock. */
static int _srv_migrate_conns_to_remove(struct server *srv,
					enum conn_list which, int thr, int max)
{
	struct list *head = which == LIST_IDLE ? &srv->per_thr[thr].idle_conns :
						 &srv->per_thr[thr].safe_conns;
	struct connection *conn;
	int n = 0;

	while (n < max && !list_isempty(head)) {
		conn = list_elem(head->n, struct conn_hash_node, list)->conn;
		if (_srv_drop_if_purged(conn, thr))
			continue;	/* re-inserted: already queued */
		_conn_delete_from_tree(conn, REASON_PURGE);
		_srv_insert_conn(srv, conn, LIST_TOREMOVE, thr);
		n++;
	}
	return n;
}

/* One purge round for <srv> (HAProxy srv_cleanup_idle_conns()): kill half
 * of what exceeds the recent need, rounded up, spread over the threads by
 * their share of idle conns. */
static void srv_purge_server(struct server *srv)
{
	int curr_idle = atomic_load(&srv->curr_idle_conns);
	int used = atomic_load(&srv->curr_used_conns);
	int max_used = atomic_load(&srv->max_used_conns);
	int est_need = atomic_load(&srv->est_need);
	int exceed, max_conn, moved, i;

	if (curr_idle <= 0)
		return;
	exceed = used + curr_idle - MAX(max_used, est_need);
	exceed = exceed / 2 + (exceed & 1);

	/* the estimate decays towards the last period's peak */
	est_need = (est_need + max_used) / 2;
	if (est_need < max_used)
		est_need = max_used;
	atomic_store(&srv->est_need, est_need);
	atomic_store(&srv->max_used_conns, used);

	if (exceed <= 0)
		return;

	/* every thread, starting with ours, each under its own lock */
	for (i = tid;;) {
		max_conn = exceed * atomic_load(&srv->curr_idle_thr[i]) /
			   curr_idle + 1;
		if (max_conn > 0) {
			idle_lock(i, SITE_PURGE);
			moved = _srv_migrate_conns_to_remove(srv, LIST_IDLE, i,
							     max_conn);
			if (max_conn - moved > 0)
				moved += _srv_migrate_conns_to_remove(srv,
						LIST_SAFE, i, max_conn - moved);
			idle_unlock(i, SITE_PURGE);
			if (moved) {
				/* the moved conns are out of every list but
				 * still alive until the cleanup task runs: the
				 * window of the 2023/2025 bugs */
				lab_delay(DELAY_PURGE_WINDOW);
				task_wakeup(idle_conns[i].cleanup_task,
					    TASK_WOKEN_OTHER);
			}
		}
		i = i + 1 == nbthread ? 0 : i + 1;
		if (i == tid)
			break;
	}
}

/* After a purge round: keep <srv> registered (next round one delay from
 * <now>) while it has idle conns. Leaving is a store then a re-check: a
 * thread adding a conn increments curr_idle_conns then reads in_purge_list
 * (both seq_cst), so either it sees 0 and registers, or we see its conn
 * and stay; the CAS makes sure only one of us does it. Returns the next
 * purge date of <srv>, 0 if it left. */
static uint64_t srv_purge_reschedule(struct server *srv, uint64_t now)
{
	uint64_t next = now + (uint64_t)srv->pool_purge_delay * 1000000ull;
	int zero = 0;

	if (atomic_load(&srv->curr_idle_conns) > 0) {
		atomic_store(&srv->purge_at, next);
		return next;
	}
	atomic_store(&srv->in_purge_list, 0);
	if (atomic_load(&srv->curr_idle_conns) > 0 &&
	    atomic_compare_exchange_strong(&srv->in_purge_list, &zero, 1)) {
		atomic_store(&srv->purge_at, next);
		return next;
	}
	return 0;
}

/* The purge task (thread 0): run the rounds that are due and sleep until
 * the next one. Does nothing once the process is stopping: srv_cleanup_
 * thread() empties every list then, and a purge waking a cleanup task that
 * its thread already destroyed would be a use-after-free. */
static struct task *srv_cleanup_idle_conns(struct task *t, void *ctx,
					   unsigned int state)
{
	uint64_t now = now_mono_ns(), next = 0, at;
	struct server *srv;

	(void)ctx;
	(void)state;
	if (atomic_load(&stopping)) {
		t->expire = 0;
		return t;
	}
	for (srv = servers; srv; srv = srv->next_all) {
		if (!atomic_load(&srv->in_purge_list))
			continue;
		at = atomic_load(&srv->purge_at);
		if (at <= now) {
			srv_purge_server(srv);
			at = srv_purge_reschedule(srv, now);
		}
		if (at && (!next || at < next))
			next = at;
	}
	task_schedule(t, next);
	return t;
}

/* Pop the first conn of thread <thr>'s to-remove list under its lock, or
 * NULL. */
static struct connection *srv_pop_toremove(int thr)
{
	struct list *head = &idle_conns[thr].toremove_conns;
	struct connection *conn = NULL;

	idle_lock(thr, SITE_PURGE);
	if (!list_isempty(head)) {
		conn = list_elem(head->n, struct connection, toremove_list);
		_conn_delete_from_toremove(conn, thr, REASON_CLOSE);
	}
	idle_unlock(thr, SITE_PURGE);
	return conn;
}

/* A thread's cleanup task (HAProxy srv_cleanup_toremove_conns()): destroy
 * the conns the purge queued for this thread, on this thread, each one
 * OUTSIDE the lock: destroy -> conn_free -> srv_release_conn takes this
 * same lock, and the spinlock is not recursive (HAProxy 65bf600cc). */
static struct task *srv_cleanup_toremove_conns(struct task *t, void *ctx,
					       unsigned int state)
{
	struct connection *conn;

	(void)ctx;
	(void)state;
	while ((conn = srv_pop_toremove(tid)) != NULL) {
		ACT.purged++;
		conn->mux->destroy(conn->ctx);
	}
	return t;
}

/* ---- spurious wakeups of idle connections (lab) ------------------------------ */

/* The I/O tasklet of <conn>, as its mux last handed it to attach/detach,
 * or NULL. */
static struct tasklet *conn_io_tasklet(const struct connection *conn)
{
	struct tasklet *tl = atomic_load_explicit(&conn->mux_tl,
						  memory_order_relaxed);

	if (!tl && conn->subs)
		tl = conn->subs->tasklet;
	return tl;
}

/* Wake <conn>'s I/O tasklet with no I/O for it (srv_wake_idle()). */
static void conn_wake_io(const struct connection *conn)
{
	struct tasklet *tl = conn_io_tasklet(conn);

	if (tl) {
		ACT.idle_wakeups++;
		tasklet_wakeup(tl);
	}
}

/*
 * srv_wake_idle - a thread's wake-idle task ("#@lab wake-idle MS")
 *
 * Every MS ms, under the thread's own lock (SITE_WAKE: what a conn
 * notification takes), wake the I/O tasklet of the first connection of
 * each server's idle list of this thread (else of its safe list), and of
 * the first connection of the thread's to-remove list, with no I/O for
 * them. An idle one's io_cb then runs the locked path (the tasklet
 * carries TASK_F_USR1 in usr1 mode), takes the connection out of its
 * list, finds nothing to read or send and puts it back in the epilogue:
 * the prologue and epilogue that every idle connection's I/O goes
 * through, on every mux, even where the servers never talk to an idle
 * connection (H1, FastCGI). A purged one's io_cb finds it in no list and
 * must leave it there (the purge window, HAProxy 5e1b0e7bf). A tasklet
 * woken here and stolen before it runs finds its context NULL, as after
 * any wakeup.
 *
 * HAProxy has no such task: its idle connections' io_cbs run when the
 * transport below the mux wakes them, which is mostly a close, but also
 * I/O that leaves the connection alive and idle (an HTTP/2 PING or
 * SETTINGS, a TLS 1.3 session ticket read by the SSL layer with no data
 * for the mux). The lab has no SSL layer; this knob stands in for it.
 * Context: the task's own thread; does nothing once the run is stopping.
 */
static struct task *srv_wake_idle(struct task *t, void *ctx,
				  unsigned int state)
{
	struct list *toremove = &idle_conns[tid].toremove_conns;
	struct srv_per_thread *pt;
	struct server *srv;

	(void)ctx;
	(void)state;
	if (atomic_load(&stopping)) {
		t->expire = 0;
		return t;
	}
	idle_lock(tid, SITE_WAKE);
	for (srv = servers; srv; srv = srv->next_all) {
		pt = &srv->per_thr[tid];
		if (!list_isempty(&pt->idle_conns))
			conn_wake_io(list_elem(pt->idle_conns.n,
					       struct conn_hash_node, list)->conn);
		else if (!list_isempty(&pt->safe_conns))
			conn_wake_io(list_elem(pt->safe_conns.n,
					       struct conn_hash_node, list)->conn);
	}
	if (!list_isempty(toremove))
		conn_wake_io(list_elem(toremove->n, struct connection,
				       toremove_list));
	idle_unlock(tid, SITE_WAKE);
	task_schedule(t, now_mono_ns() +
		      (uint64_t)lab_wake_idle_ms * 1000000ull);
	return t;
}

/* ---- thread start and stop -------------------------------------------------------- */

/* Free the calling thread's cleanup and wake-idle tasks and, on thread 0,
 * the purge task (each may be NULL). */
static void srv_deinit_thread_tasks(void)
{
	struct idle_conns *ic = &idle_conns[tid];

	task_destroy(ic->cleanup_task);
	ic->cleanup_task = NULL;
	task_destroy(ic->wake_task);
	ic->wake_task = NULL;
	if (tid == 0) {
		task_destroy(idle_conn_task);
		idle_conn_task = NULL;
	}
}

/*
 * srv_init_thread - per-thread set-up of the idle pools
 *
 * Initialises the calling thread's idle_conns element (its to-remove list
 * is only ever touched after this: the purge moves only conns this thread
 * has already pooled), creates its cleanup task and, on thread 0, the
 * purge task (HAProxy creates both in cfgparse.c), and with "#@lab
 * wake-idle" its wake-idle task (lab only, srv_wake_idle()).
 *
 * Return: 0, or -1 if out of memory.
 * Context: each engine thread, at start, before any traffic; no lock.
 */
int srv_init_thread(void)
{
	struct idle_conns *ic = &idle_conns[tid];
	struct task *t;

	list_init(&ic->toremove_conns);
	ic->idle_conns_lock.holder = -1;
	lock_owner[tid].thr = -1;

	t = task_new_on(tid);
	if (!t)
		return -1;
	t->process = srv_cleanup_toremove_conns;
	t->context = ic;
	ic->cleanup_task = t;

	if (tid == 0) {
		t = task_new_on(0);
		if (!t) {
			task_destroy(ic->cleanup_task);
			ic->cleanup_task = NULL;
			return -1;
		}
		t->process = srv_cleanup_idle_conns;
		t->context = NULL;
		idle_conn_task = t;
	}

	if (lab_wake_idle_ms) {
		t = task_new_on(tid);
		if (!t) {
			srv_deinit_thread_tasks();
			return -1;
		}
		t->process = srv_wake_idle;
		t->context = NULL;
		ic->wake_task = t;
		task_schedule(t, now_mono_ns() +
			      (uint64_t)lab_wake_idle_ms * 1000000ull);
	}
	return 0;
}

/* Take the first conn of <head> (thread <thr>'s idle or safe list) out
 * under <thr>'s lock, or NULL. */
static struct connection *srv_pop_idle(struct list *head, int thr)
{
	struct connection *conn = NULL;

	idle_lock(thr, SITE_OTHER);
	if (!list_isempty(head)) {
		conn = list_elem(head->n, struct conn_hash_node, list)->conn;
		_conn_delete_from_tree(conn, REASON_CLOSE);
	}
	idle_unlock(thr, SITE_OTHER);
	return conn;
}

/*
 * srv_cleanup_thread - destroy every pooled conn of the calling thread
 *
 * The stop_back phase: no thread creates streams or steals any more. Pops
 * this thread's to-remove list, then for every server its idle and safe
 * lists (each conn under the lock, destroyed after unlocking: the destroy
 * takes the lock again) and its available list (owner only, no lock).
 * Then frees this thread's cleanup and wake-idle tasks and, on thread 0,
 * the purge task (which does nothing once <stopping> is set, so nobody
 * wakes a freed cleanup task).
 * Context: each engine thread, at shutdown, holding no lock.
 */
void srv_cleanup_thread(void)
{
	struct connection *conn;
	struct server *srv;
	struct srv_per_thread *pt;

	while ((conn = srv_pop_toremove(tid)) != NULL)
		conn->mux->destroy(conn->ctx);

	for (srv = servers; srv; srv = srv->next_all) {
		pt = &srv->per_thr[tid];
		while ((conn = srv_pop_idle(&pt->idle_conns, tid)) != NULL)
			conn->mux->destroy(conn->ctx);
		while ((conn = srv_pop_idle(&pt->safe_conns, tid)) != NULL)
			conn->mux->destroy(conn->ctx);
		while (!list_isempty(&pt->avail_conns)) {
			conn = list_elem(pt->avail_conns.n,
					 struct conn_hash_node, list)->conn;
			_conn_delete_from_tree(conn, REASON_CLOSE);
			conn->mux->destroy(conn->ctx);
		}
	}

	srv_deinit_thread_tasks();
}

/* ---- mode switch (lab) ------------------------------------------------------- */

/* Set TASK_F_USR1 on <conn>'s I/O tasklet, as its detach would have done
 * in usr1 mode; emits flag_set. 1 if done, 0 if the tasklet is unknown. */
static int _srv_mark_conn_usr1(struct connection *conn)
{
	struct tasklet *tl = conn_io_tasklet(conn);
	unsigned int old;

	if (!tl)
		return 0;
	old = atomic_fetch_or_explicit(&tl->state, TASK_F_USR1,
				       memory_order_seq_cst);
	ACT.flag_set++;
	TRACE(flag_set, tid, tl->id, conn->id, conn->mux->id, old,
	      old | TASK_F_USR1);
	return 1;
}

/*
 * _srv_mark_idle_usr1 - flag what the calling thread has idle
 *
 * A thread that switches from legacy to usr1 mode (or leaves a bug mode
 * that skipped the flag) may hold connections in its idle and safe lists
 * whose tasklet lacks TASK_F_USR1: once the thread runs in usr1 their
 * io_cb would take the fast path while a stealer may take them. So,
 * before it switches, it sets the flag on every connection in its idle
 * and safe lists of every server, and on those its to-remove list holds
 * (as they would carry it in usr1 mode), each with a flag_set event,
 * through the tasklet its mux last handed to attach/detach
 * (conn->mux_tl).
 *
 * Return: the number of tasklets flagged.
 * Context: engine thread at a quiescent point of its loop, holding its own
 * idle_conns_lock (what every stealer of its connections takes).
 */
unsigned int _srv_mark_idle_usr1(void)
{
	struct connection *conn;
	struct server *srv;
	struct list *pos, *tmp;
	unsigned int n = 0;

	BUG_ON(!idle_lock_held(tid));
	for (srv = servers; srv; srv = srv->next_all) {
		struct srv_per_thread *pt = &srv->per_thr[tid];

		list_for_each_safe(pos, tmp, &pt->idle_conns) {
			conn = list_elem(pos, struct conn_hash_node, list)->conn;
			n += _srv_mark_conn_usr1(conn);
		}
		list_for_each_safe(pos, tmp, &pt->safe_conns) {
			conn = list_elem(pos, struct conn_hash_node, list)->conn;
			n += _srv_mark_conn_usr1(conn);
		}
	}
	list_for_each_safe(pos, tmp, &idle_conns[tid].toremove_conns) {
		conn = list_elem(pos, struct connection, toremove_list);
		if (conn->hash_node.in == LIST_IDLE ||
		    conn->hash_node.in == LIST_SAFE)
			continue;	/* flagged above */
		n += _srv_mark_conn_usr1(conn);
	}
	return n;
}

/* ---- servers ------------------------------------------------------------------------ */

/*
 * srv_new - allocate a server named <id>
 *
 * Empty per-thread lists, pool-max-conn -1 (unlimited), pool-purge-delay
 * 5 s, puid = its rank; appended to <servers>. The config sets the rest
 * (proxy, address, mux, limits) and may renumber puid.
 *
 * Return: the server, or NULL if out of memory.
 * Context: main thread, while parsing the config.
 */
struct server *srv_new(const char *id)
{
	struct server *srv, **tail;
	int i;

	/* per_thr[] is cache-line aligned: malloc() only promises 16 bytes */
	srv = aligned_alloc(CACHELINE, sizeof(*srv));
	if (!srv)
		return NULL;
	memset(srv, 0, sizeof(*srv));
	srv->id = strdup(id);
	if (!srv->id) {
		free(srv);
		return NULL;
	}
	for (i = 0; i < MAX_THREADS; i++) {
		list_init(&srv->per_thr[i].idle_conns);
		list_init(&srv->per_thr[i].safe_conns);
		list_init(&srv->per_thr[i].avail_conns);
	}
	srv->max_idle_conns = -1;
	srv->pool_purge_delay = DEF_POOL_PURGE_DELAY;
	srv->puid = nb_servers;

	for (tail = &servers; *tail; tail = &(*tail)->next_all)
		;
	*tail = srv;
	nb_servers++;
	return srv;
}

/*
 * srv_check_counters - once every connection is freed, every server's idle
 * and used counters must be back to 0
 * @out: where to say which are not
 *
 * A counter left above 0 means a connection was freed with other LIST
 * bits than it was counted with: srv_release_conn() decides from them.
 * HAProxy's first fix of the purge window (5e1b0e7bf) cleared the bits in
 * the purge and was reverted (3a7b539b1) for that: the idle counters never
 * came down again and the pool refused idle connections from then on.
 * Return: the number of servers whose counters are off.
 * Context: main thread, after the engine threads are joined.
 */
int srv_check_counters(FILE *out)
{
	struct server *srv;
	int bad = 0, t, thr;

	for (srv = servers; srv; srv = srv->next_all) {
		int idle = atomic_load(&srv->curr_idle_conns);
		int nb_idle = atomic_load(&srv->curr_idle_nb);
		int nb_safe = atomic_load(&srv->curr_safe_nb);
		int used = atomic_load(&srv->curr_used_conns);

		for (thr = 0, t = 0; t < MAX_THREADS; t++)
			thr += atomic_load(&srv->curr_idle_thr[t]);
		if (!idle && !nb_idle && !nb_safe && !used && !thr)
			continue;
		bad++;
		fprintf(out, "leak: server %s/%s: counters not back to 0 once "
			"every connection was freed: curr_idle_conns=%d "
			"curr_idle_nb=%d curr_safe_nb=%d curr_used_conns=%d "
			"curr_idle_thr=%d (was a connection freed with other "
			"CO_FL_*_LIST bits than it was counted with?)\n",
			srv->proxy && srv->proxy->id ? srv->proxy->id : "?",
			srv->id, idle, nb_idle, nb_safe, used, thr);
	}
	return bad;
}

/*
 * srv_free_all - free every server
 *
 * Their lists must be empty (srv_cleanup_thread() ran on every thread).
 * Context: main thread, after the engine threads are joined.
 */
void srv_free_all(void)
{
	struct server *srv;

	while ((srv = servers) != NULL) {
		servers = srv->next_all;
		free(srv->id);
		free(srv->fcgi_docroot);
		free(srv->fcgi_index);
		free(srv);
	}
	nb_servers = 0;
}
