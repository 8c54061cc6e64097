/*
 * check.c - the seven invariants of the trace contract, checked in one
 * pass.
 *
 * The pass keeps, per connection, which server list it is in, whether the
 * purge queued it on a to-remove list (a conn may be on one and, through
 * the bug of invariant 7, in an idle list at once) and which thread set
 * its TASK_F_USR1; per tasklet, whether it was stolen and is
 * waiting to die on its old thread; per thread, the idle_conns_locks it
 * holds and the mode it runs in. Events come in timestamp order from
 * every thread, so "at that moment" means "before this event in the
 * merged stream".
 *
 * Modes: a thread starts in the mode of run_start and switches at each of
 * its mode_change events (the control socket's "set mode"). The usr1
 * invariants (1-4) apply to the events of a thread while it runs in usr1,
 * invariant 6 while it runs in legacy; the bookkeeping (lists, flags,
 * stolen tasklets) goes on in both, so a rule is checked from the first
 * event of an interval with what happened before it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fmt.h"
#include "model.h"

#define HELD_MAX	4	/* locks remembered per thread */

struct stolen {			/* a tasklet taken over, not yet dead */
	uint32_t takeover;	/* the takeover event */
	uint32_t conn;		/* dense conn */
	uint32_t io_ev;		/* its io_cb after the steal, or MV_NONE */
	int from;		/* the thread it must die on */
	int saw_lock;		/* that thread held its own lock meanwhile */
};

struct thr {
	uint32_t held[HELD_MAX];	/* lock_acquire events, oldest first */
	int nheld;
	uint32_t dying;			/* dense tl whose stolen io_cb runs */
	uint32_t io_ev;			/* its last io_cb on the locked path
					 * that has not taken its own lock
					 * yet, or MV_NONE */
	uint32_t fast_ev;		/* its last io_cb if that one took
					 * the fast path, or MV_NONE */
	int mode;			/* enum lab_mode it runs in, -1 */
	/* format 2 (one lock event at the end of each section): */
	uint64_t seq;			/* this thread's events so far */
	uint64_t io_seq;		/* seq of io_ev */
	uint64_t lock_seq;		/* seq of its last lock event taken,
					 * 0 = none */
	uint32_t lock_ev;		/* that event */
	uint32_t free_ev;		/* an io_cb_stolen whose lock is not
					 * seen yet (MV_NONE: none)... */
	uint64_t free_seq;		/* ...its seq */
	uint32_t free_io;		/* ...the io_cb it ended */
	int free_from;			/* ...the lock it must be under */
	uint32_t free_tl;		/* ...its dense tasklet */
};

struct cstate {
	uint8_t list;		/* idle/safe/avail list it is in, or none */
	int16_t usr1_tid;	/* thread of the last flag_set, -1 = clear */
	uint32_t toremove;	/* 1 + the idle_insert list=toremove that
				 * queued it for destruction; 0 = not */
};

struct ctx {
	const struct model *m;
	struct check_result *res;
	struct cstate *conn;
	uint32_t *tl_stolen;	/* dense tl -> index in stolen[] + 1 */
	struct stolen *stolen;
	size_t nstolen, cap;
	struct thr *thr;
	int nthr;
	int track;		/* some thread runs in usr1 at some point:
				 * follow stolen tasklets */
	int fmt2;		/* lock events (format 2), not acquire/release */
};

/* Does thread <tid> run in <mode> now? */
static int thr_in(const struct ctx *c, int tid, int mode)
{
	return tid >= 0 && tid < c->nthr && c->thr[tid].mode == mode;
}

static const char *const titles[CHECK_NINV + 1] = {
	NULL,
	"front io_cb never takes the locked path",
	"io_cb of a conn in an idle/safe list is locked",
	"flag_set precedes idle_insert, same thread",
	"stolen tasklet dies on its old thread, locked",
	"locks paired, one at a time, none in fast io_cb",
	"legacy: every io_cb is locked",
	"purged conn is never re-inserted nor reused",
};

/* One-line title of invariant <inv> (1..CHECK_NINV). */
const char *check_inv_title(int inv)
{
	return inv >= 1 && inv <= CHECK_NINV ? titles[inv] : "?";
}

static void __attribute__((format(printf, 5, 6)))
violation(struct ctx *c, int inv, uint32_t ev, uint32_t ev2,
	  const char *fmt, ...)
{
	struct check_result *res = c->res;
	const struct mv_rec *r = &c->m->ev[ev];
	struct check_violation *v;
	va_list ap;

	res->count[inv]++;
	res->total++;
	if (res->nv >= CHECK_KEEP)
		return;
	if (res->nv == res->cap) {
		size_t ncap = res->cap ? res->cap * 2 : 64;
		struct check_violation *nv = realloc(res->v,
						     ncap * sizeof(*nv));

		if (!nv)
			return;
		res->v = nv;
		res->cap = ncap;
	}
	v = &res->v[res->nv++];
	v->inv = inv;
	v->ev = ev;
	v->ev2 = ev2;
	v->tid = r->tid >= MV_TID_BAD ? -1 : r->tid;
	v->conn = model_conn_id(c->m, model_rec_conn(c->m, ev));
	if (!v->conn && ev2 != MV_NONE)	/* a lock: the conn it is about */
		v->conn = model_conn_id(c->m, model_rec_conn(c->m, ev2));
	va_start(ap, fmt);
	vsnprintf(v->what, sizeof(v->what), fmt, ap);
	va_end(ap);
}

static uint64_t cid(struct ctx *c, uint32_t dense)
{
	return model_conn_id(c->m, dense);
}

static int is_idle_list(int list)
{
	return list == LIST_IDLE || list == LIST_SAFE;
}

static void inv4_end_callback(struct ctx *c, struct thr *t, uint32_t ev)
{
	uint32_t tl = t->dying;
	struct stolen *s;

	if (!tl || !c->tl_stolen[tl])
		return;
	s = &c->stolen[c->tl_stolen[tl] - 1];
	if (t->mode == MODE_USR1)
		violation(c, 4, ev, s->io_ev, "the io_cb of stolen tasklet %"
			  PRIu64 " (conn %" PRIu64 ") did not end in "
			  "io_cb_stolen", model_tl_id(c->m, tl),
			  cid(c, s->conn));
	c->tl_stolen[tl] = 0;
	t->dying = 0;
}

/* Format 2: the io_cb_stolen pending on <t> turned out to be under no
 * section of its old thread's lock (the thread's next lock event did not
 * contain it, or none came before its next io_cb or, <at_end>, the end
 * of the trace: then the lock may also have been taken and never
 * released, which format 2, tracing a section at its release, cannot
 * tell apart). */
static void inv4_free_unlocked(struct ctx *c, struct thr *t, int at_end)
{
	if (at_end)
		violation(c, 4, t->free_ev, t->free_io, "stolen tasklet %"
			  PRIu64 " freed with no section of thread %d's lock "
			  "by the end (not taken, or never released: a "
			  "section is traced at release)",
			  model_tl_id(c->m, t->free_tl), t->free_from);
	else
		violation(c, 4, t->free_ev, t->free_io, "stolen tasklet %"
			  PRIu64 " was freed without taking thread %d's lock",
			  model_tl_id(c->m, t->free_tl), t->free_from);
	t->free_ev = MV_NONE;
}

/* io_cb <i>; <usr1>, <legacy>: the mode its thread runs in */
static void check_io_cb(struct ctx *c, uint32_t i, int usr1, int legacy)
{
	const struct mv_rec *r = &c->m->ev[i];
	uint32_t conn = model_rec_conn(c->m, i);
	uint32_t tl = r->b;
	int locked = mv_rec_bool(r);
	struct thr *t = r->tid < c->nthr ? &c->thr[r->tid] : NULL;

	if (t) {
		t->io_ev = locked ? i : MV_NONE;
		t->fast_ev = locked ? MV_NONE : i;
		t->io_seq = t->seq;
		if (c->fmt2 && t->free_ev != MV_NONE)
			inv4_free_unlocked(c, t, 0);	/* no lock since */
	}
	if (legacy) {
		c->res->checked[6]++;
		if (!locked)
			violation(c, 6, i, MV_NONE, "legacy mode but io_cb of "
				  "conn %" PRIu64 " took the fast path",
				  cid(c, conn));
	}
	if (!c->track)
		return;

	/* 1: front connections never carry USR1, never lock */
	if (usr1 && mv_rec_side(r) == SIDE_FRONT) {
		c->res->checked[1]++;
		if (locked)
			violation(c, 1, i, MV_NONE, "io_cb of front conn %"
				  PRIu64 " took the locked path",
				  cid(c, conn));
	}

	/* 4: a new callback on this thread ends the previous one */
	if (t && t->dying && t->dying != tl)
		inv4_end_callback(c, t, i);

	/* 4: the first io_cb of a stolen tasklet */
	if (tl && c->tl_stolen[tl]) {
		struct stolen *s = &c->stolen[c->tl_stolen[tl] - 1];

		if (s->io_ev != MV_NONE) {
			if (usr1)
				violation(c, 4, i, s->io_ev, "stolen tasklet %"
					  PRIu64 " ran io_cb again instead of "
					  "ending in io_cb_stolen",
					  model_tl_id(c->m, tl));
			c->tl_stolen[tl] = 0;
			if (t)
				t->dying = 0;
			return;
		}
		s->io_ev = i;
		if (usr1 && r->tid != s->from)
			violation(c, 4, i, s->takeover, "stolen tasklet %"
				  PRIu64 " of conn %" PRIu64 " ran on thread "
				  "%d, not on its old thread %d",
				  model_tl_id(c->m, tl), cid(c, s->conn),
				  r->tid, s->from);
		if (usr1 && !locked)
			violation(c, 4, i, s->takeover, "stolen tasklet %"
				  PRIu64 " of conn %" PRIu64 " took the fast "
				  "path: it would use a context it no longer "
				  "owns", model_tl_id(c->m, tl),
				  cid(c, s->conn));
		if (t) {
			int k;

			t->dying = tl;
			for (k = 0; k < t->nheld; k++)
				if ((int)c->m->ev[t->held[k]].a == s->from)
					s->saw_lock = 1;
		}
		return;
	}

	/* 2: a conn sitting in an idle or safe list must be locked */
	if (usr1 && conn) {
		c->res->checked[2]++;
		if (is_idle_list(c->conn[conn].list) && !locked) {
			unsigned int st = model_io_state(c->m, i);

			violation(c, 2, i, MV_NONE, "io_cb took the fast path "
				  "while conn %" PRIu64 " is in the %s list "
				  "(state=0x%x %s)", cid(c, conn),
				  mv_list_name(c->conn[conn].list), st,
				  st & c->m->run.usr1_bit ? "has USR1: the path "
				  "ignored it" : "has no USR1");
		}
	}
}

/* 7: event <i> puts conn <conn> back into list <list> (idle_insert), or
 * hands it to a stream (<how>: "reused" or "stolen"), while the purge has
 * it queued for destruction: its owner's cleanup task will destroy it
 * under whoever finds it (HAProxy 5e1b0e7bf, 9481cef94). */
static void check_purged(struct ctx *c, uint32_t i, uint32_t conn, int list,
			 const char *how)
{
	struct cstate *cs = &c->conn[conn];

	c->res->checked[7]++;
	if (!cs->toremove)
		return;
	if (how)
		violation(c, 7, i, cs->toremove - 1, "conn %" PRIu64 " %s "
			  "from the %s list while on a to-remove list (purged "
			  "at #%" PRIu32 ")", cid(c, conn), how,
			  mv_list_name(list), cs->toremove - 1);
	else
		violation(c, 7, i, cs->toremove - 1, "conn %" PRIu64 " enters "
			  "the %s list while on a to-remove list (purged at "
			  "#%" PRIu32 "): the purge will destroy it there",
			  cid(c, conn), mv_list_name(list), cs->toremove - 1);
}

static void check_stolen_free(struct ctx *c, uint32_t i)
{
	const struct mv_rec *r = &c->m->ev[i];
	uint32_t tl = r->b;
	struct stolen *s;

	if (!tl || !c->tl_stolen[tl])
		return;
	s = &c->stolen[c->tl_stolen[tl] - 1];
	/* in a legacy interval: bookkeeping only */
	if (thr_in(c, r->tid, MODE_USR1)) {
		c->res->checked[4]++;
		if (s->io_ev == MV_NONE)
			violation(c, 4, i, s->takeover, "io_cb_stolen of "
				  "tasklet %" PRIu64 " without an io_cb after "
				  "the takeover", model_tl_id(c->m, tl));
		else if (r->tid != s->from)
			violation(c, 4, i, s->takeover, "stolen tasklet %"
				  PRIu64 " freed on thread %d, not on its old "
				  "thread %d", model_tl_id(c->m, tl), r->tid,
				  s->from);
		else if (c->fmt2 && r->tid < c->nthr && !s->saw_lock) {
			/* the lock event ends the section: decided there */
			struct thr *t = &c->thr[r->tid];

			t->free_ev = i;
			t->free_seq = t->seq;
			t->free_io = s->io_ev;
			t->free_from = s->from;
			t->free_tl = tl;
		} else if (!s->saw_lock)
			violation(c, 4, i, s->io_ev, "stolen tasklet %" PRIu64
				  " was freed without taking thread %d's lock",
				  model_tl_id(c->m, tl), s->from);
	}
	c->tl_stolen[tl] = 0;
	if (r->tid < c->nthr && c->thr[r->tid].dying == tl)
		c->thr[r->tid].dying = 0;
}

static void check_takeover(struct ctx *c, uint32_t i)
{
	const struct mv_rec *r = &c->m->ev[i];
	uint32_t conn = r->a, old_tl = r->b;
	struct stolen *s;

	if (!mv_rec_bool(r))
		return;
	check_purged(c, i, conn, c->conn[conn].list, "stolen");
	/* the conn left its list; its new tasklet carries no USR1 */
	c->conn[conn].list = LIST_NONE;
	c->conn[conn].usr1_tid = -1;
	if (!c->track || !old_tl)
		return;
	if (c->nstolen == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct stolen *ns = realloc(c->stolen, ncap * sizeof(*ns));

		if (!ns)
			return;
		c->stolen = ns;
		c->cap = ncap;
	}
	s = &c->stolen[c->nstolen];
	s->takeover = i;
	s->conn = conn;
	s->io_ev = MV_NONE;
	s->from = mv_rec_from(r);
	s->saw_lock = 0;
	c->tl_stolen[old_tl] = (uint32_t)++c->nstolen;

	/* The old tasklet may have been dequeued on its thread already: its
	 * io_cb is traced first thing, before its lock, and then waits for
	 * the lock the stealer holds. That io_cb, traced just before this
	 * takeover, is the one that must find the context NULL. */
	if (s->from < c->nthr) {
		struct thr *v = &c->thr[s->from];

		if (v->io_ev != MV_NONE && c->m->ev[v->io_ev].b == old_tl &&
		    !v->dying) {
			s->io_ev = v->io_ev;
			v->dying = old_tl;
		}
	}
}

/*
 * Format 2: lock event <i> ends a critical section of thread r->tid; the
 * thread's last <inside> events before it were inside. So: 5, no other
 * lock section ended inside it (two locks held at once); 4, a stolen
 * tasklet's callback took its old thread's lock if a section of that
 * lock began after its io_cb (the io_cb_stolen comes before or after the
 * release), or if its io_cb_stolen is inside the section; and the last
 * locked io_cb, if it came before the section, got its lock.
 */
static void check_lock2(struct ctx *c, uint32_t i, struct thr *t)
{
	const struct mv_rec *r = &c->m->ev[i];
	int lock = (int)(r->a & 255);
	uint64_t in = model_lock_inside(c->m, i);
	uint64_t first = t->seq > in ? t->seq - in : 0;	/* first inside */

	if (!mv_rec_bool(r))
		return;		/* failed trylock: nothing held */
	c->res->checked[5]++;
	if (t->lock_seq && t->lock_seq >= first)
		violation(c, 5, i, MV_NONE, "thread %d held lock %d while "
			  "holding lock %d (a section of %" PRIu64 " of its "
			  "events ends here, another one ended inside it)",
			  r->tid, (int)c->m->ev[t->lock_ev].a & 255, lock, in);
	t->lock_seq = t->seq;
	t->lock_ev = i;
	/* a section of the old thread's lock that began after the stolen
	 * tasklet's io_cb: its callback took the lock (its io_cb_stolen
	 * may come after the release) */
	if (t->dying && c->tl_stolen[t->dying]) {
		struct stolen *s = &c->stolen[c->tl_stolen[t->dying] - 1];

		if (lock == s->from && s->io_ev != MV_NONE &&
		    first > t->io_seq)
			s->saw_lock = 1;
	}
	if (t->free_ev != MV_NONE) {
		if (lock == t->free_from && t->free_seq >= first)
			t->free_ev = MV_NONE;	/* freed under the lock */
		else
			inv4_free_unlocked(c, t, 0);
	}
	if (lock == r->tid && t->io_ev != MV_NONE && t->io_seq < first)
		t->io_ev = MV_NONE;	/* its io_cb got the lock */
}

static void check_lock(struct ctx *c, uint32_t i)
{
	const struct mv_rec *r = &c->m->ev[i];
	struct thr *t;
	int k;

	if (r->tid >= c->nthr)
		return;
	t = &c->thr[r->tid];
	/* the io_cb site's lock is the locked path's: an io_cb that says it
	 * took the fast path and locks anyway lies in its trace (the locks
	 * e388f2fbc saves, saved on paper only). A front one breaks 1 (in
	 * usr1 mode), any other 5. */
	if (r->type != MV_T_LOCK_REL && mv_rec_site(r) == SITE_IO_CB &&
	    mv_rec_bool(r) && t->fast_ev != MV_NONE &&
	    /* format 2: the section began after that io_cb (its first
	     * inside event is later), as format 1's acquire would */
	    (r->type != MV_T_LOCK ||
	     (t->seq > model_lock_inside(c->m, i) ?
	      t->seq - model_lock_inside(c->m, i) : 0) > t->io_seq)) {
		const struct mv_rec *io = &c->m->ev[t->fast_ev];
		int front = mv_rec_side(io) == SIDE_FRONT;
		int inv = front && c->res->applies[1] ? 1 : 5;

		violation(c, inv, i, t->fast_ev, "thread %d took lock %d at "
			  "site io_cb in the io_cb of %s conn %" PRIu64
			  " (#%" PRIu32 ") that took the fast path",
			  r->tid, (int)(r->a & 255), front ? "front" : "back",
			  cid(c, model_rec_conn(c->m, t->fast_ev)),
			  t->fast_ev);
		t->fast_ev = MV_NONE;	/* once per io_cb */
	}
	if (r->type == MV_T_LOCK) {
		check_lock2(c, i, t);
		return;
	}
	if (r->type == MV_T_LOCK_ACQ) {
		if (!mv_rec_bool(r))
			return;		/* failed trylock: no release */
		c->res->checked[5]++;
		for (k = t->nheld - 1; k >= 0; k--)
			if (c->m->ev[t->held[k]].a == r->a)
				break;
		if (k >= 0) {
			/* the same lock again: its release is missing. Say
			 * so once and forget the old acquire, rather than
			 * blaming every later acquire for it */
			violation(c, 5, i, t->held[k], "thread %d takes lock "
				  "%d again: no lock_release since #%" PRIu32,
				  r->tid, (int)r->a, t->held[k]);
			memmove(t->held + k, t->held + k + 1,
				(t->nheld - k - 1) * sizeof(t->held[0]));
			t->nheld--;
		} else if (t->nheld) {
			violation(c, 5, i, t->held[t->nheld - 1],
				  "thread %d takes lock %d while holding "
				  "lock %d (since #%" PRIu32 ")", r->tid,
				  (int)r->a,
				  (int)c->m->ev[t->held[t->nheld - 1]].a,
				  t->held[t->nheld - 1]);
		}
		if (t->nheld == HELD_MAX) {
			memmove(t->held, t->held + 1,
				(HELD_MAX - 1) * sizeof(t->held[0]));
			t->nheld--;
		}
		t->held[t->nheld++] = i;
		if ((int)r->a == r->tid)
			t->io_ev = MV_NONE;	/* its io_cb got the lock */
		if (t->dying && c->tl_stolen[t->dying]) {
			struct stolen *s =
				&c->stolen[c->tl_stolen[t->dying] - 1];

			if ((int)r->a == s->from)
				s->saw_lock = 1;
		}
		return;
	}
	/* release: the most recent acquire of the same lock */
	for (k = t->nheld - 1; k >= 0; k--)
		if (c->m->ev[t->held[k]].a == r->a)
			break;
	if (k < 0) {
		violation(c, 5, i, MV_NONE, "thread %d releases lock %d it "
			  "does not hold", r->tid, (int)r->a);
		return;
	}
	memmove(t->held + k, t->held + k + 1,
		(t->nheld - k - 1) * sizeof(t->held[0]));
	t->nheld--;
}

/* Check every invariant that applies to the run recorded in <m> (which
 * must be finished), filling <res> (zeroed first). Returns 0, or -1 when
 * out of memory. */
int check_run(const struct model *m, struct check_result *res)
{
	struct ctx c;
	int usr1, legacy, rc = -1;
	uint32_t i;
	size_t k;
	int t;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.res = res;
	res->mode = m->run.have_start ? m->run.mode : -1;
	usr1 = res->mode == MODE_USR1;
	legacy = res->mode == MODE_LEGACY;
	/* a run whose mode changed: each mode applies in its intervals */
	for (k = 0; k < m->nmodes; k++) {
		const struct mv_rec *r = &m->ev[m->modes[k]];

		usr1 |= r->b == MODE_USR1;
		legacy |= r->b == MODE_LEGACY;
	}
	res->mode_changes = m->nmodes;
	c.track = usr1;
	res->applies[1] = res->applies[2] = res->applies[3] = usr1;
	res->applies[4] = usr1;
	res->applies[5] = 1;
	res->applies[6] = legacy;
	res->applies[7] = 1;
	if (m->discarded || m->discarded_packets) {
		res->inconclusive = 1;
		res->lost = 1;
		/* whole packets: discarded by the tracer, or stream files
		 * missing or cut (the reader adds those, and says which) */
		if (m->discarded_packets)
			snprintf(res->why, sizeof(res->why), "events are "
				 "missing (%" PRIu64 " discarded by the tracer, "
				 "%" PRIu64 " whole packets discarded or missing "
				 "from the stream files): a missing event can "
				 "hide or fake a violation", m->discarded,
				 m->discarded_packets);
		else
			snprintf(res->why, sizeof(res->why), "the tracer "
				 "discarded %" PRIu64 " events: a missing event "
				 "can hide or fake a violation", m->discarded);
	} else if (!usr1 && !legacy) {
		res->inconclusive = 1;
		snprintf(res->why, sizeof(res->why), "%s: only invariants 5 "
			 "and 7 were checked", m->run.have_start ?
			 "run_start has an unknown mode" :
			 "no run_start event, so the mode is unknown");
	}

	c.conn = calloc(m->conns.n + 1, sizeof(*c.conn));
	c.tl_stolen = calloc(m->tls.n + 1, sizeof(*c.tl_stolen));
	c.nthr = m->nlanes;
	c.thr = calloc((size_t)c.nthr + 1, sizeof(*c.thr));
	if (!c.conn || !c.tl_stolen || !c.thr)
		goto out;
	for (i = 0; i <= m->conns.n; i++)
		c.conn[i].usr1_tid = -1;
	for (t = 0; t <= c.nthr; t++) {
		c.thr[t].io_ev = MV_NONE;
		c.thr[t].fast_ev = MV_NONE;
		c.thr[t].free_ev = MV_NONE;
		c.thr[t].mode = res->mode;
	}
	c.fmt2 = m->type_count[MV_T_LOCK] > 0;

	for (i = 0; i < m->nev; i++) {
		const struct mv_rec *r = &m->ev[i];
		uint32_t conn = mv_rec_conn_field(r);
		struct thr *th = r->tid < c.nthr ? &c.thr[r->tid] : NULL;
		int tu = th && th->mode == MODE_USR1;	/* this thread's */
		int tl = th && th->mode == MODE_LEGACY;	/* mode now */

		if (th)
			th->seq++;

		/* 4: a thread running a stolen tasklet's callback must not
		 * touch the connection that is now someone else's */
		if (tu && th->dying && conn && r->type != MV_T_IO_CB &&
		    c.tl_stolen[th->dying]) {
			struct stolen *s =
				&c.stolen[c.tl_stolen[th->dying] - 1];

			if (s->conn == conn)
				violation(&c, 4, i, s->io_ev, "thread %d "
					  "touched conn %" PRIu64 " (%s) "
					  "after another thread stole it",
					  r->tid, cid(&c, conn),
					  mv_type_name(r->type));
		}

		switch (r->type) {
		case MV_T_MODE_CHANGE:
			if (th)
				th->mode = (int)r->b;
			break;
		case MV_T_IO_CB:
			check_io_cb(&c, i, tu, tl);
			break;
		case MV_T_IO_CB_STOLEN:
			if (c.track)
				check_stolen_free(&c, i);
			break;
		case MV_T_FLAG_SET:
			c.conn[conn].usr1_tid = (int16_t)r->tid;
			break;
		case MV_T_FLAG_CLEAR:
			c.conn[conn].usr1_tid = -1;
			break;
		case MV_T_IDLE_INSERT:
			if (mv_rec_list(r) == LIST_TOREMOVE) {
				c.conn[conn].toremove = i + 1;
				break;
			}
			check_purged(&c, i, conn, mv_rec_list(r), NULL);
			if (tu && is_idle_list(mv_rec_list(r))) {
				int ut = c.conn[conn].usr1_tid;

				res->checked[3]++;
				if (ut < 0)
					violation(&c, 3, i, MV_NONE, "conn %"
						  PRIu64 " enters the %s list "
						  "without TASK_F_USR1 set on "
						  "its tasklet", cid(&c, conn),
						  mv_list_name(mv_rec_list(r)));
				else if (ut != r->tid)
					violation(&c, 3, i, MV_NONE, "conn %"
						  PRIu64 " enters the %s list "
						  "on thread %d but USR1 was "
						  "set on thread %d",
						  cid(&c, conn),
						  mv_list_name(mv_rec_list(r)),
						  r->tid, ut);
			}
			c.conn[conn].list = (uint8_t)mv_rec_list(r);
			break;
		case MV_T_IDLE_REMOVE:
			if (mv_rec_list(r) == LIST_TOREMOVE) {
				c.conn[conn].toremove = 0;
				break;
			}
			if (mv_rec_reason(r) == REASON_REUSE &&
			    is_idle_list(mv_rec_list(r)))
				check_purged(&c, i, conn, mv_rec_list(r),
					     "reused");
			c.conn[conn].list = LIST_NONE;
			break;
		case MV_T_CONN_FREE:
			c.conn[conn].list = LIST_NONE;
			c.conn[conn].usr1_tid = -1;
			c.conn[conn].toremove = 0;
			break;
		case MV_T_TAKEOVER:
			check_takeover(&c, i);
			break;
		case MV_T_LOCK_ACQ:
		case MV_T_LOCK_REL:
		case MV_T_LOCK:
			check_lock(&c, i);
			break;
		}
	}

	/* end of trace: locks still held, stolen tasklets half dead */
	for (t = 0; t < c.nthr; t++) {
		struct thr *th = &c.thr[t];
		int k;

		for (k = 0; k < th->nheld; k++)
			violation(&c, 5, th->held[k], MV_NONE, "thread %d "
				  "never releases lock %d", t,
				  (int)m->ev[th->held[k]].a);
		if (th->dying)
			inv4_end_callback(&c, th, (uint32_t)m->nev - 1);
		if (th->free_ev != MV_NONE)
			inv4_free_unlocked(&c, th, 1);
	}
	for (i = 1; i < m->tls.n; i++)
		if (c.tl_stolen[i])
			res->pending_end++;
	rc = 0;
out:
	free(c.conn);
	free(c.tl_stolen);
	free(c.stolen);
	free(c.thr);
	return rc;
}

/* Free what check_run() allocated in <res>. */
void check_free(struct check_result *res)
{
	free(res->v);
	res->v = NULL;
	res->nv = res->cap = 0;
}

/* Exit status of muxview --check: 0 clean, 1 violations, 2 inconclusive
 * (events were discarded, so a violation may be an artefact, or the mode
 * is unknown and nothing was found). */
int check_exit_status(const struct check_result *res)
{
	if (res->lost)
		return 2;
	if (res->total)
		return 1;
	return res->inconclusive ? 2 : 0;
}

/* Print <res> for <trace> (the path the user gave): each violation with
 * its event index, time, thread and conn, and the command that opens the
 * viewer there; then one line per invariant and the verdict. At most 10
 * violations per invariant unless <verbose>. */
void check_print(FILE *f, const struct model *m,
		 const struct check_result *res, const char *prog,
		 const char *trace, int verbose)
{
	size_t shown[CHECK_NINV + 1] = { 0 };
	char tbuf[32], cbuf[32];
	size_t k;
	int inv;

	fprintf(f, "trace: %s  mode=%s  seed=%" PRIu64 "  bug=\"%s\"  "
		"events=%" PRIu64 "  discarded=%" PRIu64 "\n", trace,
		res->mode >= 0 ? mv_mode_name(res->mode) : "unknown",
		m->run.seed, m->run.bug ? m->run.bug : "", m->events_total,
		m->discarded);
	if (res->mode_changes)
		fprintf(f, "mode changes: %" PRIu64 " (mode_change events: "
			"invariants 1-4 hold in each thread's usr1 intervals, "
			"6 in its legacy ones)\n", res->mode_changes);
	for (k = 0; k < res->nv; k++) {
		const struct check_violation *v = &res->v[k];
		uint64_t rel = model_ts(m, v->ev) - m->t_first;

		if (!verbose && shown[v->inv]++ >= 10)
			continue;
		fmt_time(tbuf, sizeof(tbuf), rel);
		if (v->conn)
			snprintf(cbuf, sizeof(cbuf), "%" PRIu64, v->conn);
		else
			snprintf(cbuf, sizeof(cbuf), "-");
		fprintf(f, "VIOLATION inv%d event #%" PRIu32 " t=+%s thread=%d"
			" conn=%s: %s\n", v->inv, v->ev, tbuf, v->tid, cbuf,
			v->what);
		if (v->ev2 != MV_NONE)
			fprintf(f, "  related: event #%" PRIu32 " t=+%s\n",
				v->ev2, fmt_time(cbuf, sizeof(cbuf),
						 model_ts(m, v->ev2) -
						 m->t_first));
		/* by index, not by time: events of two threads may share a
		 * timestamp, and --at lands on the first of them */
		fprintf(f, "  view: %s --event %" PRIu32 " %s\n", prog, v->ev,
			trace);
	}
	for (inv = 1; inv <= CHECK_NINV; inv++) {
		uint64_t extra = !verbose && res->count[inv] > 10 ?
				 res->count[inv] - 10 : 0;

		if (extra)
			fprintf(f, "  (%" PRIu64 " more violations of "
				"invariant %d not shown; use --verbose)\n",
				extra, inv);
	}
	for (inv = 1; inv <= CHECK_NINV; inv++) {
		const char *st;

		if (!res->applies[inv])
			st = "n/a";
		else if (res->count[inv])
			st = "FAILED";
		else
			st = "ok";
		fprintf(f, "invariant %d  %-48s %-6s", inv,
			check_inv_title(inv), st);
		if (res->count[inv])
			fprintf(f, " %" PRIu64 " violation%s", res->count[inv],
				res->count[inv] > 1 ? "s" : "");
		else if (res->applies[inv])
			fprintf(f, " (%" PRIu64 " checked)",
				res->checked[inv]);
		else if (inv == 6 || inv < 5)
			fprintf(f, " (%s mode)", res->mode >= 0 ?
				mv_mode_name(res->mode) : "unknown");
		fputc('\n', f);
	}
	if (res->pending_end)
		fprintf(f, "note: %" PRIu64 " stolen tasklet(s) had not run "
			"when the trace ended\n", res->pending_end);
	if (check_exit_status(res) == 2)
		fprintf(f, "result: INCONCLUSIVE: %s%s\n", res->why,
			res->total ? " (violations above may be artefacts)" :
			"");
	else if (res->total)
		fprintf(f, "result: FAIL: %" PRIu64 " violation%s\n",
			res->total, res->total > 1 ? "s" : "");
	else
		fprintf(f, "result: OK\n");
}
