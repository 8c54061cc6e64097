/*
 * model.c - the viewer's trace model: compact records and their indexes.
 *
 * See model-t.h for the record layout. The model is built in one pass, in
 * timestamp order, and can be read between two model_add() calls, which is
 * how the UI paints while a large trace is still loading.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model.h"


#define BIG_ARRAY	(64u << 10)	/* from here: mmap, mremap, munmap */
#define HUGE_ARRAY	(2u << 20)	/* from here: huge pages */

/* Grow <*p> (elements of <elem> bytes, capacity <*cap>) to hold <need>.
 * Doubling keeps appends amortised O(1). Arrays of 64 KiB and more live
 * in their own mapping and grow with mremap(), which moves page tables
 * instead of copying (glibc's realloc copies them whenever its dynamic
 * mmap threshold has risen). Free with array_free(). grow() is the
 * inline check done on every append, grow_slow() the growing. */
static int grow_slow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t ncap, nb, ob = *cap * elem;
	void *n;

	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	nb = ncap * elem;
	if (nb < BIG_ARRAY) {
		n = realloc(*p, nb);
		if (!n)
			return -1;
	} else if (ob < BIG_ARRAY) {
		n = mmap(NULL, nb, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (n == MAP_FAILED)
			return -1;
		if (ob)
			memcpy(n, *p, ob);
		free(*p);
	} else {
		n = mremap(*p, ob, nb, MREMAP_MAYMOVE);
		if (n == MAP_FAILED)
			return -1;
	}
#ifdef MADV_HUGEPAGE
	/* page faults are dear in a VM: one per 2 MiB instead of per 4 KiB */
	if (nb >= HUGE_ARRAY)
		madvise(n, nb, MADV_HUGEPAGE);
#endif
	*p = n;
	*cap = ncap;
	return 0;
}

static inline int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap ? 0 : grow_slow(pp, cap, need, elem);
}

/* A zeroed array of <n> elements of <elem> bytes, big ones mapped like
 * grow()'s. Free with array_free(). */
static void *array_zalloc(size_t n, size_t elem)
{
	void *p;

	if (n * elem < BIG_ARRAY)
		return calloc(n, elem);
	p = mmap(NULL, n * elem, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (n * elem >= HUGE_ARRAY)
		madvise(p, n * elem, MADV_HUGEPAGE);
#endif
	return p;
}

/* Free an array grown by grow() to capacity <cap>. */
static void array_free(void *p, size_t cap, size_t elem)
{
	if (!p)
		return;
	if (cap * elem >= BIG_ARRAY)
		munmap(p, cap * elem);
	else
		free(p);
}

/* ---- id maps ---- */

static uint64_t id_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* Home slot of <id>: ids are mostly sequence numbers, so 16 consecutive
 * ids share one 64-byte line of slots (a new id is then usually a cache
 * hit) while the groups of 16 are spread by the hash. <cap> >= 16. */
static size_t id_slot(uint64_t id, size_t cap)
{
	return (size_t)(id_hash(id >> 4) << 4 | (id & 15)) & (cap - 1);
}

#define DIR_SLACK	65536	/* direct window: up to 8 words an id + this */

/* dense index + 1 of <id> in the direct window, 0 if not there */
static uint32_t dir_get(const struct mv_idmap *im, uint64_t id)
{
	uint64_t off = id - im->dbase;

	return im->dbase && id >= im->dbase && off < im->dlen ?
	       im->dir[off] : 0;
}

static int idmap_rehash(struct mv_idmap *im, size_t ncap)
{
	uint32_t *slots = array_zalloc(ncap, sizeof(*slots));
	size_t i;

	if (!slots)
		return -1;
	for (i = 1; i < im->n; i++) {
		size_t j;

		if (dir_get(im, im->ids[i]) == i + 1)
			continue;	/* in the direct window */
		j = id_slot(im->ids[i], ncap);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = (uint32_t)i + 1;
	}
	array_free(im->slots, im->cap, sizeof(*im->slots));
	im->slots = slots;
	im->cap = ncap;
	return 0;
}

static uint32_t hash_find(const struct mv_idmap *im, uint64_t id)
{
	size_t j;

	if (!im->cap)
		return MV_NONE;
	j = id_slot(id, im->cap);
	while (im->slots[j]) {
		if (im->ids[im->slots[j] - 1] == id)
			return im->slots[j] - 1;
		j = (j + 1) & (im->cap - 1);
	}
	return MV_NONE;
}

static uint32_t idmap_find(const struct mv_idmap *im, uint64_t id)
{
	uint32_t d;

	if (id == 0)
		return 0;
	d = dir_get(im, id);
	return d ? d - 1 : hash_find(im, id);
}

/* Put new <id> at dense index <v>: in the direct window when it is (or
 * can cheaply be made) wide enough, else in the hash. */
static int idmap_insert(struct mv_idmap *im, uint64_t id, uint32_t v)
{
	uint64_t off;
	size_t j;

	if (!im->dbase)
		im->dbase = id > DIR_SLACK / 4 ? id - DIR_SLACK / 4 : 1;
	off = id - im->dbase;
	if (id >= im->dbase && off < im->dlen) {
		im->dir[off] = v + 1;
		return 0;
	}
	if (id >= im->dbase && off < (uint64_t)im->n * 8 + DIR_SLACK) {
		if (grow(&im->dir, &im->dcap, off + 1, sizeof(*im->dir)) < 0)
			return -1;
		memset(im->dir + im->dlen, 0,
		       (off + 1 - im->dlen) * sizeof(*im->dir));
		im->dlen = off + 1;
		im->dir[off] = v + 1;
		return 0;
	}
	/* load factor up to 3/4: slots are only 4 bytes */
	if ((im->nhash + 1) * 4 > im->cap * 3 &&
	    idmap_rehash(im, im->cap ? im->cap * 2 : 1024) < 0)
		return -1;
	j = id_slot(id, im->cap);
	while (im->slots[j])
		j = (j + 1) & (im->cap - 1);
	im->slots[j] = v + 1;
	im->nhash++;
	return 0;
}

/* dense index of <id>, allocated on first sight; id 0 is dense 0 */
static uint32_t idmap_get(struct mv_idmap *im, uint64_t id)
{
	size_t c = (size_t)(id ^ id >> 8) & (MV_IDCACHE - 1);
	uint32_t v;

	if (id == 0)
		return 0;
	if (im->cache_id[c] == id)
		return im->cache_val[c];
	v = dir_get(im, id);
	if (v) {
		v--;
		goto found;
	}
	if (!im->n) {
		/* dense 0 is reserved for id 0 ("none") */
		if (grow(&im->ids, &im->ids_cap, 1, sizeof(*im->ids)) < 0)
			goto oom;
		im->ids[0] = 0;
		im->n = 1;
	}
	/* ids are sequence numbers: a larger one is new, no need to look */
	if (id <= im->max_id) {
		v = hash_find(im, id);
		if (v != MV_NONE)
			goto found;
	} else {
		im->max_id = id;
	}
	if (grow(&im->ids, &im->ids_cap, im->n + 1, sizeof(*im->ids)) < 0)
		goto oom;
	v = (uint32_t)im->n;
	im->ids[v] = id;
	im->n++;
	if (idmap_insert(im, id, v) < 0)
		goto oom;
found:
	im->cache_id[c] = id;
	im->cache_val[c] = v;
	return v;
oom:
	im->oom = 1;
	return 0;
}

static void idmap_free(struct mv_idmap *im)
{
	array_free(im->slots, im->cap, sizeof(*im->slots));
	array_free(im->ids, im->ids_cap, sizeof(*im->ids));
	array_free(im->dir, im->dcap, sizeof(*im->dir));
	memset(im, 0, sizeof(*im));
}

/* ---- names ---- */

static const char *const type_names[MV_T_COUNT] = {
	[MV_T_NONE] = "none",
	[MV_T_RUN_START] = "run_start",
	[MV_T_RUN_END] = "run_end",
	[MV_T_WAKEUP] = "tasklet_wakeup",
	[MV_T_IO_CB] = "io_cb",
	[MV_T_IO_CB_STOLEN] = "io_cb_stolen",
	[MV_T_FLAG_SET] = "flag_set",
	[MV_T_FLAG_CLEAR] = "flag_clear",
	[MV_T_LOCK_ACQ] = "lock_acquire",
	[MV_T_LOCK_REL] = "lock_release",
	[MV_T_TAKEOVER] = "takeover",
	[MV_T_IDLE_INSERT] = "idle_insert",
	[MV_T_IDLE_REMOVE] = "idle_remove",
	[MV_T_STREAM_ATTACH] = "stream_attach",
	[MV_T_STREAM_DETACH] = "stream_detach",
	[MV_T_CONN_NEW] = "conn_new",
	[MV_T_CONN_FREE] = "conn_free",
	[MV_T_MODE_CHANGE] = "mode_change",
	[MV_T_LOCK] = "lock",
	[MV_T_OTHER] = "other",
	[MV_T_DISCARDED] = "discarded",
};

/* Name of event type <type> without the provider ("io_cb"). */
const char *mv_type_name(int type)
{
	if (type < 0 || type >= MV_T_COUNT)
		return "?";
	return type_names[type];
}

/* Type of the muxlab event named <name> (without "muxlab:"), or MV_T_OTHER
 * when this viewer does not know it. */
int mv_type_from_name(const char *name)
{
	int t;

	for (t = MV_T_RUN_START; t < MV_T_OTHER; t++)
		if (strcmp(name, type_names[t]) == 0)
			return t;
	return MV_T_OTHER;
}

#define ENUM_NAME(fn, ...)						\
const char *fn(int v)							\
{									\
	static const char *const n[] = { __VA_ARGS__ };		\
	if (v < 0 || v >= (int)(sizeof(n) / sizeof(n[0])))		\
		return "?";						\
	return n[v];							\
}

/* Labels of the contract's enums (trace-t.h order); "?" out of range. */
ENUM_NAME(mv_mux_name, "h1", "h2", "fcgi")
ENUM_NAME(mv_side_name, "front", "back")
ENUM_NAME(mv_path_name, "fast", "locked")
ENUM_NAME(mv_mode_name, "legacy", "usr1")
ENUM_NAME(mv_site_name, "io_cb", "timeout", "add_idle", "backend_get",
	  "steal_scan", "purge", "release", "wake", "other")
ENUM_NAME(mv_list_name, "none", "idle", "safe", "avail", "toremove")
ENUM_NAME(mv_reason_name, "reuse", "steal", "io", "purge", "close", "error")
ENUM_NAME(mv_cs_name, "?", "new", "active", "usr1", "idle", "stolen",
	  "freed")

/* Decode a task state word into <buf> as "USR1|TASKLET|IN_LIST" (highest
 * bit first, unknown bits as hex), or "0". Returns <buf>. The engine's
 * decoder, with its table (src/task-t.h). */
const char *mv_show_state(char *buf, size_t len, unsigned int state)
{
	return task_show_flags(buf, len, state);
}

/* ---- building ---- */

/* Reset <m> to an empty model. */
void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->run.mode = -1;
}

/* Free everything <m> holds; <m> may be re-initialised afterwards. */
void model_free(struct model *m)
{
	size_t i;
	int t;

	if (!m)
		return;
	array_free(m->ev, m->cap, sizeof(*m->ev));
	array_free(m->tbase, m->tbase_cap, sizeof(*m->tbase));
	array_free(m->tbig, m->tbig_cap, sizeof(*m->tbig));
	array_free(m->blk, m->blk_cap, sizeof(*m->blk));
	for (t = 0; t < m->nlanes; t++) {
		struct mv_lane *l = &m->lanes[t];

		array_free(l->bmask, l->bcap, sizeof(*l->bmask));
		array_free(l->bcnt, l->bccap, sizeof(*l->bcnt));
		array_free(l->locks, l->lcap, sizeof(*l->locks));
		array_free(l->lrel, l->lrcap, sizeof(*l->lrel));
		array_free(l->steals, l->scap, sizeof(*l->steals));
	}
	free(m->lanes);
	idmap_free(&m->conns);
	idmap_free(&m->tls);
	idmap_free(&m->flagmap);
	idmap_free(&m->statemap);
	array_free(m->flags, m->flags_cap, sizeof(*m->flags));
	array_free(m->big, m->big_cap, sizeof(*m->big));
	array_free(m->discards, m->dcap, sizeof(*m->discards));
	array_free(m->modes, m->mcap, sizeof(*m->modes));
	for (i = 0; i < m->nnames; i++)
		free(m->names[i].name);
	array_free(m->names, m->names_cap, sizeof(*m->names));
	free(m->run.bug);
	free(m->run.scenario);
	array_free(m->tl_conn, m->tl_conn_cap, sizeof(*m->tl_conn));
	array_free(m->conn_info, m->nconn_info, sizeof(*m->conn_info));
	model_init(m);
}

static struct mv_lane *lane_get(struct model *m, int tid)
{
	struct mv_lane *nl;
	int t;

	if (tid < 0 || tid >= MV_MAX_LANES)
		return NULL;
	if (tid < m->nlanes)
		return &m->lanes[tid];
	nl = realloc(m->lanes, (tid + 1) * sizeof(*nl));
	if (!nl)
		return NULL;
	m->lanes = nl;
	for (t = m->nlanes; t <= tid; t++) {
		memset(&nl[t], 0, sizeof(nl[t]));
		nl[t].open_lock = MV_NONE;
		nl[t].vtid = -1;
		/* room for the whole trace, as model_reserve() said (if
		 * refused, the arrays grow as they fill) */
		if (m->reserve &&
		    grow(&nl[t].bmask, &nl[t].bcap, m->reserve / MV_BLOCK + 1,
			 sizeof(*nl[t].bmask)) == 0)
			grow(&nl[t].bcnt, &nl[t].bccap,
			     m->reserve / MV_BLOCK + 1, sizeof(*nl[t].bcnt));
	}
	m->nlanes = tid + 1;
	return &m->lanes[tid];
}

static int name_index(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nnames; i++)
		if (strcmp(m->names[i].name, name) == 0)
			return (int)i;
	if (grow(&m->names, &m->names_cap, m->nnames + 1,
		 sizeof(*m->names)) < 0)
		return -1;
	m->names[m->nnames].name = strdup(name);
	if (!m->names[m->nnames].name)
		return -1;
	m->names[m->nnames].count = 0;
	return (int)m->nnames++;
}

/* Count one event of another provider (or an event the viewer skips) by
 * <name>. Returns 0, or -1 when out of memory. */
int model_add_name(struct model *m, const char *name)
{
	int i = name_index(m, name);

	if (i < 0)
		return -1;
	m->names[i].count++;
	m->events_total++;
	return 0;
}

static uint32_t sat32(struct model *m, uint32_t ev, uint64_t v)
{
	if (v < MV_SAT32)
		return (uint32_t)v;
	if (grow(&m->big, &m->big_cap, m->nbig + 1, sizeof(*m->big)) == 0) {
		m->big[m->nbig].ev = ev;
		m->big[m->nbig].val = v;
		m->nbig++;
	}
	return MV_SAT32;
}

/* Keep <v> exactly for event <ev> in the big-value side table. */
static int big_put(struct model *m, uint32_t ev, uint64_t v)
{
	if (grow(&m->big, &m->big_cap, m->nbig + 1, sizeof(*m->big)) < 0)
		return -1;
	m->big[m->nbig].ev = ev;
	m->big[m->nbig].val = v;
	m->nbig++;
	return 0;
}

/* The bits of interned slot <slot>: in the record if it fits, else in the
 * big-value side table. */
static int slot_bits(struct model *m, uint32_t ev, uint32_t slot,
		     unsigned int *bits)
{
	if (slot < MV_SLOT_BIG) {
		*bits |= slot << MV_B_SLOT_SHIFT;
		return 0;
	}
	*bits |= (unsigned int)MV_SLOT_BIG << MV_B_SLOT_SHIFT;
	return big_put(m, ev, slot);
}

static unsigned int clamp_enum(int v, int count, unsigned int bad)
{
	return v >= 0 && v < count ? (unsigned int)v : bad;
}

/* Kind of record <r> (enum mv_kind). */
int mv_kind_of(const struct mv_rec *r)
{
	switch (r->type) {
	case MV_T_DISCARDED:
		return MV_K_DISCARD;
	case MV_T_TAKEOVER:
		return mv_rec_bool(r) ? MV_K_STEAL : MV_K_STEAL_FAIL;
	case MV_T_IO_CB_STOLEN:
		return MV_K_STOLEN;
	case MV_T_FLAG_SET:
		return MV_K_FLAG_SET;
	case MV_T_FLAG_CLEAR:
		return MV_K_FLAG_CLEAR;
	case MV_T_IO_CB:
		return mv_rec_bool(r) ? MV_K_LOCKED : MV_K_FAST;
	case MV_T_IDLE_INSERT:
		return MV_K_IDLE_IN;
	case MV_T_IDLE_REMOVE:
		return MV_K_IDLE_OUT;
	case MV_T_LOCK_ACQ:
		return mv_rec_bool(r) ? MV_K_LOCK : MV_K_TRYFAIL;
	case MV_T_LOCK_REL:
		return MV_K_LOCK;
	case MV_T_LOCK:
		return mv_rec_bool(r) ? MV_K_LOCK : MV_K_TRYFAIL;
	case MV_T_CONN_NEW:
	case MV_T_CONN_FREE:
		return MV_K_CONN;
	}
	return MV_K_OTHER;
}

/* Kind bit mask of record <r>. */
unsigned int mv_rec_kinds(const struct mv_rec *r)
{
	return MV_KBIT(mv_kind_of(r));
}

/* per-thread counts of a lock acquisition (or failed trylock) that waited
 * <wait> ns, and of a release after holding <hold> ns */
static void stats_acquire(struct mv_thread_stats *st, const struct mv_rec *r,
			  uint64_t wait)
{
	if (mv_rec_bool(r)) {
		st->lock_acq++;
		st->lock_site[mv_rec_site(r) > SITE_COUNT ?
			      SITE_COUNT : mv_rec_site(r)]++;
	} else {
		st->lock_tryfail++;
	}
	st->wait_ns += wait;
	if (wait > st->wait_max)
		st->wait_max = wait;
}

static void stats_release(struct mv_thread_stats *st, uint64_t hold)
{
	st->lock_rel++;
	st->hold_ns += hold;
	if (hold > st->hold_max)
		st->hold_max = hold;
}

static void thread_stats(struct model *m, const struct mv_rec *r,
			 const struct mv_event *e)
{
	struct mv_lane *v = NULL;
	struct mv_thread_stats *st;

	/* the victim's lane first: creating it may move m->lanes */
	if (r->type == MV_T_TAKEOVER && mv_rec_bool(r))
		v = lane_get(m, e->from_tid);
	st = &m->lanes[r->tid].st;

	st->events++;
	switch (r->type) {
	case MV_T_IO_CB:
		st->io_cb[mv_rec_side(r) > SIDE_COUNT ? SIDE_COUNT :
			  mv_rec_side(r)]
			 [mv_rec_mux(r)][mv_rec_bool(r)]++;
		break;
	case MV_T_LOCK_ACQ:
		stats_acquire(st, r, e->ns);
		break;
	case MV_T_LOCK_REL:
		stats_release(st, e->ns);
		break;
	case MV_T_LOCK:		/* an acquisition and its release */
		stats_acquire(st, r, e->ns);
		if (mv_rec_bool(r))
			stats_release(st, e->hold_ns);
		break;
	case MV_T_TAKEOVER:
		if (mv_rec_bool(r)) {
			st->steal_in++;
			if (v)
				v->st.steal_out++;
		} else {
			st->steal_fail++;
		}
		break;
	case MV_T_IO_CB_STOLEN:
		st->stolen_freed++;
		break;
	case MV_T_FLAG_SET:
		st->flag_set++;
		break;
	case MV_T_FLAG_CLEAR:
		st->flag_clear++;
		break;
	case MV_T_IDLE_INSERT:
		st->idle_insert++;
		break;
	case MV_T_IDLE_REMOVE:
		st->idle_remove++;
		break;
	case MV_T_CONN_NEW:
		st->conn_new++;
		break;
	case MV_T_CONN_FREE:
		st->conn_free++;
		break;
	case MV_T_WAKEUP:
		st->wakeups++;
		if (mv_rec_bool(r))
			st->wakeups_remote++;
		break;
	}
}

static int lane_push(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
	if (grow(arr, cap, *n + 1, sizeof(**arr)) < 0)
		return -1;
	(*arr)[(*n)++] = v;
	return 0;
}

/* Count class of record <r> (enum mv_bcount), -1 if none. */
int mv_rec_bclass(const struct mv_rec *r)
{
	switch (r->type) {
	case MV_T_IO_CB:
		return (mv_rec_side(r) == SIDE_FRONT ? MV_BC_FRONT_FAST :
			MV_BC_BACK_FAST) + mv_rec_bool(r);
	case MV_T_FLAG_SET:
		return MV_BC_FLAG_SET;
	case MV_T_FLAG_CLEAR:
		return MV_BC_FLAG_CLEAR;
	case MV_T_IO_CB_STOLEN:
		return MV_BC_STOLEN;
	case MV_T_LOCK_ACQ:
	case MV_T_LOCK:
		return mv_rec_bool(r) ? MV_BC_LOCK : -1;
	}
	return -1;
}

/* note kinds <k> of event <idx> in lane <l>'s block summary, and count
 * it in class <bc> (enum mv_bcount, -1: none) */
static int lane_mark(struct mv_lane *l, uint32_t idx, unsigned int k, int bc)
{
	size_t b = idx / MV_BLOCK;

	if (b >= l->nbmask) {
		if (grow(&l->bmask, &l->bcap, b + 1, sizeof(*l->bmask)) < 0 ||
		    grow(&l->bcnt, &l->bccap, b + 1, sizeof(*l->bcnt)) < 0)
			return -1;
		memset(l->bmask + l->nbmask, 0,
		       (b + 1 - l->nbmask) * sizeof(*l->bmask));
		memset(l->bcnt + l->nbmask, 0,
		       (b + 1 - l->nbmask) * sizeof(*l->bcnt));
		l->nbmask = b + 1;
	}
	l->bmask[b] |= (uint16_t)k;
	if (bc >= 0)
		l->bcnt[b].n[bc]++;
	return 0;
}

/* Entry <n> of lane <l>'s lrel[] (parallel to locks[]), set to MV_NONE.
 * The array exists only once the lane has a lock_acquire (trace format
 * 1): a lock event (format 2) is its own release, so a format 2 trace
 * never allocates it, which saves 4 bytes per lock event. When it is
 * created, the entries of the lock events before it are MV_NONE too:
 * nothing reads them. */
static int lrel_grow(struct mv_lane *l, size_t n)
{
	size_t k = l->lrel ? n : 0;

	if (grow(&l->lrel, &l->lrcap, n + 1, sizeof(*l->lrel)) < 0)
		return -1;
	for (; k <= n; k++)
		l->lrel[k] = MV_NONE;
	return 0;
}

/* Append event <e> to <m>. Events must come in timestamp order (an older
 * one is clamped to its predecessor's time and counted in m->unordered).
 * Strings are copied. Returns 0, or -1 when out of memory. */
int model_add(struct model *m, const struct mv_event *e)
{
	struct mv_rec r;
	struct mv_lane *l = NULL;
	uint32_t idx = (uint32_t)m->nev;
	unsigned int bits = 0;
	uint32_t newtl = 0;
	uint64_t ts, d;
	size_t lcap;

	if (m->nev >= MV_NONE - 1)
		return -1;
	if (grow(&m->ev, &m->cap, m->nev + 1, sizeof(*m->ev)) < 0)
		return -1;
	lcap = m->nev / MV_BLOCK + 1;
	if (m->nev % MV_BLOCK == 0) {
		if (grow(&m->blk, &m->blk_cap, lcap, sizeof(*m->blk)) < 0 ||
		    grow(&m->tbase, &m->tbase_cap, lcap,
			 sizeof(*m->tbase)) < 0)
			return -1;
		m->blk[lcap - 1] = 0;
	}

	memset(&r, 0, sizeof(r));
	ts = e->ts;
	if (m->nev && ts < m->t_last) {
		m->unordered++;
		ts = m->t_last;
	}
	if (m->nev % MV_BLOCK == 0)
		m->tbase[lcap - 1] = ts;
	d = ts - m->tbase[lcap - 1];
	if (d >= MV_SAT32) {
		if (grow(&m->tbig, &m->tbig_cap, m->ntbig + 1,
			 sizeof(*m->tbig)) < 0)
			return -1;
		m->tbig[m->ntbig].ev = idx;
		m->tbig[m->ntbig].val = ts;
		m->ntbig++;
		d = MV_SAT32;
	}
	r.dt = (uint32_t)d;
	r.type = (uint8_t)e->type;
	if (e->type == MV_T_RUN_START || e->type == MV_T_RUN_END ||
	    e->type == MV_T_DISCARDED || e->tid < 0)
		r.tid = MV_TID_NONE;
	else if (e->tid >= MV_MAX_LANES)
		r.tid = MV_TID_BAD;
	else
		r.tid = (uint8_t)e->tid;
	if (e->tid < -1 || (e->tid >= MV_MAX_LANES &&
			    e->type != MV_T_DISCARDED))
		m->bad_tid++;

	if (mv_rec_has_mux(&r))
		bits |= clamp_enum(e->mux, MUX_COUNT, 3) << MV_B_MUX_SHIFT;
	if (mv_rec_has_side(&r))
		bits |= clamp_enum(e->side, SIDE_COUNT, 3) << MV_B_SIDE_SHIFT;

	switch (e->type) {
	case MV_T_RUN_START:
		m->run.have_start = 1;
		m->run.mode = e->mode;
		free(m->run.bug);
		free(m->run.scenario);
		m->run.bug = strdup(e->bug ? e->bug : "");
		m->run.scenario = strdup(e->scenario ? e->scenario : "");
		m->run.nbthread = e->nbthread;
		m->run.seed = e->seed;
		m->run.usr1_bit = e->usr1_bit;
		if (!m->run.bug || !m->run.scenario)
			return -1;
		break;
	case MV_T_RUN_END:
		m->run.have_end = 1;
		m->run.requests_ok = e->requests_ok;
		m->run.requests_err = e->requests_err;
		m->run.takeovers = e->takeovers;
		break;
	case MV_T_WAKEUP:
		r.a = (uint32_t)e->owner;
		r.b = idmap_get(&m->tls, e->tl);
		if (e->remote)
			bits |= MV_B_BOOL;
		break;
	case MV_T_IO_CB:
		r.a = idmap_get(&m->conns, e->conn);
		r.b = idmap_get(&m->tls, e->tl);
		/* few distinct states: interned, the slot in the bits */
		if (slot_bits(m, idx, idmap_get(&m->statemap, e->state),
			      &bits) < 0 || m->statemap.oom)
			return -1;
		if (e->path == PATH_LOCKED)
			bits |= MV_B_BOOL;
		break;
	case MV_T_IO_CB_STOLEN:
		r.b = idmap_get(&m->tls, e->tl);
		break;
	case MV_T_FLAG_SET:
	case MV_T_FLAG_CLEAR:
	{
		/* few distinct states: one slot per distinct pair */
		uint32_t fs = idmap_get(&m->flagmap,
					(uint64_t)e->old_state << 32 |
					e->new_state);

		r.a = idmap_get(&m->conns, e->conn);
		r.b = idmap_get(&m->tls, e->tl);
		if (m->flagmap.oom)
			return -1;
		if (fs >= m->nflags) {
			if (grow(&m->flags, &m->flags_cap, fs + 1,
				 sizeof(*m->flags)) < 0)
				return -1;
			for (; m->nflags <= fs; m->nflags++) {
				uint64_t k = m->nflags < m->flagmap.n ?
					     m->flagmap.ids[m->nflags] : 0;

				m->flags[m->nflags].old_state =
					(unsigned int)(k >> 32);
				m->flags[m->nflags].new_state =
					(unsigned int)k;
			}
		}
		if (slot_bits(m, idx, fs, &bits) < 0)
			return -1;
		break;
	}
	case MV_T_LOCK_ACQ:
		r.a = (uint32_t)e->lock;
		r.b = sat32(m, idx, e->ns);
		bits |= clamp_enum(e->site, SITE_COUNT, 15) << MV_B_SITE_SHIFT;
		if (e->trylock)
			bits |= MV_B_TRYLOCK;
		if (e->ok)
			bits |= MV_B_BOOL;
		break;
	case MV_T_LOCK_REL:
		r.a = (uint32_t)e->lock;
		r.b = sat32(m, idx, e->ns);
		bits |= clamp_enum(e->site, SITE_COUNT, 15) << MV_B_SITE_SHIFT;
		break;
	case MV_T_LOCK: {
		unsigned int in = e->inside > MV_INSIDE_MAX ? MV_INSIDE_MAX :
				  e->inside;

		r.b = sat32(m, idx, e->hold_ns);
		r.a = (uint32_t)clamp_enum(e->lock, MV_MAX_LANES, 255) |
		      (uint32_t)(e->ns >= MV_WAIT24 ? MV_WAIT24 : e->ns) << 8;
		if (e->ns >= MV_WAIT24 && r.b != MV_SAT32 &&
		    big_put(m, idx, e->ns) < 0)
			return -1;
		bits |= clamp_enum(e->site, SITE_COUNT, 15) << MV_B_SITE_SHIFT;
		bits |= (in & 15) | (in >> 4) << MV_B_LIST_SHIFT;
		if (e->trylock)
			bits |= MV_B_TRYLOCK;
		if (e->ok)
			bits |= MV_B_BOOL;
		break;
	}
	case MV_T_TAKEOVER:
		r.a = idmap_get(&m->conns, e->conn);
		r.b = idmap_get(&m->tls, e->old_tl);
		newtl = idmap_get(&m->tls, e->new_tl);
		if (big_put(m, idx, newtl) < 0)
			return -1;
		if (e->ok)
			bits |= MV_B_BOOL;
		bits |= clamp_enum(e->from_tid, MV_MAX_LANES, 255)
			<< MV_B_FROM_SHIFT;
		break;
	case MV_T_IDLE_INSERT:
	case MV_T_IDLE_REMOVE:
		r.a = idmap_get(&m->conns, e->conn);
		r.b = (uint32_t)e->srv;
		bits |= clamp_enum(e->list, LIST_COUNT, 7) << MV_B_LIST_SHIFT;
		if (e->type == MV_T_IDLE_REMOVE)
			bits |= clamp_enum(e->reason, REASON_COUNT, 7)
				<< MV_B_REASON_SHIFT;
		break;
	case MV_T_STREAM_ATTACH:
	case MV_T_STREAM_DETACH:
		r.a = idmap_get(&m->conns, e->conn);
		r.b = sat32(m, idx, e->stream);
		break;
	case MV_T_CONN_NEW:
		r.a = idmap_get(&m->conns, e->conn);
		r.b = (uint32_t)e->srv;
		break;
	case MV_T_CONN_FREE:
		r.a = idmap_get(&m->conns, e->conn);
		break;
	case MV_T_MODE_CHANGE:
		r.a = (uint32_t)clamp_enum(e->old_mode, MODE_COUNT, 255) |
		      (e->marked > 0xffffff ? 0xffffffu : e->marked) << 8;
		r.b = (uint32_t)clamp_enum(e->new_mode, MODE_COUNT, 255);
		bits = e->orphans > 0xffff ? 0xffff : e->orphans;
		if (lane_push(&m->modes, &m->nmodes, &m->mcap, idx) < 0)
			return -1;
		break;
	case MV_T_OTHER: {
		int ni = name_index(m, e->name ? e->name : "muxlab:?");

		if (ni < 0)
			return -1;
		m->names[ni].count++;
		r.a = (uint32_t)ni;
		break;
	}
	case MV_T_DISCARDED:
		r.b = sat32(m, idx, e->count);
		m->discarded += e->count;
		if (e->packets)
			m->discarded_packets += e->packets;
		if (lane_push(&m->discards, &m->ndiscards, &m->dcap, idx) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (m->conns.oom || m->tls.oom)
		return -1;	/* an id map ran out of memory */
	r.bits = (uint16_t)bits;

	/* lanes */
	if (r.tid < MV_TID_BAD) {
		l = lane_get(m, r.tid);
		if (!l)
			return -1;
		if (e->vtid >= 0) {
			if (l->vtid < 0)
				l->vtid = e->vtid;
			else if (l->vtid != e->vtid)
				l->vtid_multi = 1;
		}
		if (lane_mark(l, idx, mv_rec_kinds(&r), mv_rec_bclass(&r)) < 0)
			return -1;
		l->nev++;

		if (r.type == MV_T_LOCK_ACQ || r.type == MV_T_LOCK) {
			/* a span starts (format 1), or a whole span, its own
			 * start and end (format 2) */
			size_t n = l->nlocks;

			if ((r.type == MV_T_LOCK_ACQ || l->lrel) &&
			    lrel_grow(l, n) < 0)
				return -1;
			if (lane_push(&l->locks, &l->nlocks, &l->lcap,
				      idx) < 0)
				return -1;
			if (mv_rec_bool(&r) && r.type == MV_T_LOCK_ACQ) {
				l->open_lock = idx;
				l->open_lock_i = n;
			}
		} else if (r.type == MV_T_LOCK_REL &&
			   l->open_lock != MV_NONE &&
			   m->ev[l->open_lock].a == r.a) {
			l->lrel[l->open_lock_i] = idx;
			l->open_lock = MV_NONE;
		} else if (r.type == MV_T_TAKEOVER && mv_rec_bool(&r)) {
			struct mv_lane *v;

			if (lane_push(&l->steals, &l->nsteals, &l->scap,
				      idx) < 0)
				return -1;
			v = lane_get(m, e->from_tid);
			l = &m->lanes[r.tid];	/* lanes may have moved */
			/* the victim's lane shows the steal too */
			if (v && v != l &&
			    (lane_push(&v->steals, &v->nsteals, &v->scap,
				       idx) < 0 ||
			     lane_mark(v, idx, MV_KBIT(MV_K_STEAL), -1) < 0))
				return -1;
		}
		thread_stats(m, &r, e);
	}

	/* tasklet -> conn, as soon as an event ties them */
	if (m->tls.n > m->tl_conn_n) {
		if (grow(&m->tl_conn, &m->tl_conn_cap, m->tls.n,
			 sizeof(*m->tl_conn)) < 0)
			return -1;
		memset(m->tl_conn + m->tl_conn_n, 0,
		       (m->tls.n - m->tl_conn_n) * sizeof(*m->tl_conn));
		m->tl_conn_n = m->tls.n;
	}
	if (r.type == MV_T_TAKEOVER && r.a) {
		m->tl_conn[r.b] = r.a;
		m->tl_conn[newtl] = r.a;
	} else if (mv_rec_tl(&r) && mv_rec_conn_field(&r) &&
		   !m->tl_conn[r.b]) {
		m->tl_conn[r.b] = r.a;
	}
	if (m->tl_conn_n)
		m->tl_conn[0] = 0;

	m->ev[m->nev++] = r;
	m->blk[idx / MV_BLOCK] |= (uint16_t)mv_rec_kinds(&r);
	m->type_count[r.type]++;
	if (r.type != MV_T_DISCARDED)
		m->events_total++;
	if (m->nev == 1)
		m->t_first = ts;
	m->t_last = ts;
	m->finished = 0;
	return 0;
}

/* Conn of event <ev>: its conn field, or, for a tasklet event without one
 * (wakeups, io_cb_stolen, the io_cb of a stolen tasklet carrying conn=0),
 * the conn its tasklet belongs to (known once an event tied them; a
 * wakeup before the tasklet's first io_cb is resolved when loaded). */
uint32_t model_rec_conn(const struct model *m, uint32_t ev)
{
	const struct mv_rec *r = &m->ev[ev];
	uint32_t c = mv_rec_conn_field(r);
	uint32_t tl;

	if (c)
		return c;
	tl = mv_rec_tl(r);
	if (tl && tl < m->tl_conn_n)
		return m->tl_conn[tl];
	return 0;
}

/* Does event <ev> touch dense conn <conn>? */
int model_rec_touches(const struct model *m, uint32_t ev, uint32_t conn)
{
	return conn && model_rec_conn(m, ev) == conn;
}

/* Build what needs the whole trace: the per-connection summaries. May be
 * called again after more model_add().
 * Returns 0, or -1 when out of memory. */
int model_finish(struct model *m)
{
	size_t i, nc = m->conns.n ? m->conns.n : 1;

	array_free(m->conn_info, m->nconn_info, sizeof(*m->conn_info));
	m->conn_info = array_zalloc(nc, sizeof(*m->conn_info));
	if (!m->conn_info)
		return -1;
	m->nconn_info = nc;

	for (i = 0; i < nc; i++) {
		struct mv_conn *ci = &m->conn_info[i];

		ci->first = ci->last = MV_NONE;
		ci->mux = ci->side = 255;
		ci->tid_new = ci->tid_last = MV_TID_NONE;
	}
	for (i = 0; i < m->nev; i++) {
		const struct mv_rec *r = &m->ev[i];
		uint32_t c = model_rec_conn(m, (uint32_t)i);
		struct mv_conn *ci;

		if (!c)
			continue;
		ci = &m->conn_info[c];
		if (ci->first == MV_NONE) {
			ci->first = (uint32_t)i;
			ci->tid_last = r->tid;
		}
		ci->last = (uint32_t)i;
		ci->nev++;
		if (ci->mux == 255 && mv_rec_has_mux(r))
			ci->mux = (uint8_t)mv_rec_mux(r);
		if (ci->side == 255 && mv_rec_has_side(r))
			ci->side = (uint8_t)mv_rec_side(r);
		switch (r->type) {
		case MV_T_CONN_NEW:
			ci->tid_new = r->tid;
			ci->tid_last = r->tid;
			break;
		case MV_T_TAKEOVER:
			if (mv_rec_bool(r)) {
				ci->steals++;
				ci->tid_last = r->tid;
			}
			break;
		case MV_T_FLAG_SET:
			ci->usr1_sets++;
			break;
		}
	}
	m->finished = 1;
	return 0;
}

/* Bytes held by the model's arrays (used part, not capacity). */
size_t model_memory(const struct model *m)
{
	size_t sz = m->nev * sizeof(*m->ev) +
		    (m->nev / MV_BLOCK + 1) * (sizeof(*m->blk) +
					       sizeof(*m->tbase)) +
		    m->ntbig * sizeof(*m->tbig);
	int t;

	for (t = 0; t < m->nlanes; t++) {
		const struct mv_lane *l = &m->lanes[t];

		sz += l->nbmask * (sizeof(*l->bmask) + sizeof(*l->bcnt)) +
		      l->nlocks * (sizeof(*l->locks) +
				   (l->lrel ? sizeof(*l->lrel) : 0)) +
		      l->nsteals * 4;
	}
	sz += m->nflags * sizeof(*m->flags) + m->nbig * sizeof(*m->big);
	sz += m->conns.cap * 4 + m->conns.n * 8 + m->conns.dlen * 4;
	sz += m->tls.cap * 4 + m->tls.n * 8 + m->tls.dlen * 4;
	sz += m->statemap.cap * 4 + m->statemap.n * 8 +
	      m->statemap.dlen * 4;
	if (m->finished)
		sz += m->tls.n * 4 + m->nconn_info * sizeof(*m->conn_info);
	return sz;
}

/* ---- queries ---- */

/* 64-bit id of dense conn <dense>. */
uint64_t model_conn_id(const struct model *m, uint32_t dense)
{
	return dense < m->conns.n ? m->conns.ids[dense] : 0;
}

/* 64-bit id of dense tasklet <dense>. */
uint64_t model_tl_id(const struct model *m, uint32_t dense)
{
	return dense < m->tls.n ? m->tls.ids[dense] : 0;
}

/* Dense index of conn <id>, MV_NONE if the trace never names it. */
uint32_t model_conn_find(const struct model *m, uint64_t id)
{
	return idmap_find(&m->conns, id);
}

static uint64_t big_find(const struct mv_big *big, size_t n, uint32_t ev,
			 uint64_t dflt)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (big[mid].ev < ev)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && big[lo].ev == ev)
		return big[lo].val;
	return dflt;
}

static uint64_t big_lookup(const struct model *m, uint32_t ev)
{
	return big_find(m->big, m->nbig, ev, MV_SAT32);
}

/* Timestamp of event <ev> whose offset did not fit 32 bits (model_ts()). */
uint64_t model_ts_big(const struct model *m, uint32_t ev)
{
	return big_find(m->tbig, m->ntbig, ev,
			m->tbase[ev / MV_BLOCK] + MV_SAT32);
}

/* wait_ns of a lock_acquire or lock, hold_ns of a lock_release <ev>. */
uint64_t model_rec_ns(const struct model *m, uint32_t ev)
{
	const struct mv_rec *r = &m->ev[ev];
	uint32_t v = r->b;

	if (r->type == MV_T_LOCK) {
		v = r->a >> 8;
		return v == MV_WAIT24 && r->b != MV_SAT32 ?
		       big_lookup(m, ev) : v;
	}
	return v == MV_SAT32 ? big_lookup(m, ev) : v;
}

/* hold_ns of a lock <ev> (format 2). */
uint64_t model_lock_hold(const struct model *m, uint32_t ev)
{
	uint32_t v = m->ev[ev].b;

	return v == MV_SAT32 ? big_lookup(m, ev) : v;
}

/*
 * model_lock_span - the <i>th lock span of lane <l>
 *
 * Sets *ws (the wait began), *ats (the lock was taken, or the trylock
 * failed) and *rts (it was released; 0 if it never was: a failed trylock,
 * or an acquire without its release). Format 1 spans start at their
 * lock_acquire; a format 2 lock event ends its span, which began hold_ns
 * before it (the section's events lie in between).
 * Returns 1 if the lock was taken, 0 if not (failed trylock).
 */
int model_lock_span(const struct model *m, const struct mv_lane *l,
		    size_t i, uint64_t *ws, uint64_t *ats, uint64_t *rts)
{
	uint32_t ev = l->locks[i];
	const struct mv_rec *r = &m->ev[ev];
	uint64_t t = model_ts(m, ev), w = model_rec_ns(m, ev), h;

	if (r->type == MV_T_LOCK) {
		h = mv_rec_bool(r) ? model_lock_hold(m, ev) : 0;
		*rts = mv_rec_bool(r) ? t : 0;
		*ats = t > h ? t - h : 0;
	} else {
		*ats = t;
		*rts = mv_rec_bool(r) && l->lrel[i] != MV_NONE ?
		       model_ts(m, l->lrel[i]) : 0;
	}
	*ws = *ats > w ? *ats - w : 0;
	return mv_rec_bool(r);
}

/* The number of this thread's events inside lock <ev> (format 2): they
 * are the lane's events right before it. */
unsigned int model_lock_inside(const struct model *m, uint32_t ev)
{
	const struct mv_rec *r = &m->ev[ev];

	return (r->bits & 15) | ((r->bits >> MV_B_LIST_SHIFT) & 63) << 4;
}

static uint32_t rec_slot(const struct model *m, uint32_t ev)
{
	uint32_t s = (m->ev[ev].bits >> MV_B_SLOT_SHIFT) & MV_SLOT_BIG;

	return s != MV_SLOT_BIG ? s : (uint32_t)big_lookup(m, ev);
}

/* Task state of io_cb <ev>. */
unsigned int model_io_state(const struct model *m, uint32_t ev)
{
	uint32_t s = rec_slot(m, ev);

	return s < m->statemap.n ? (unsigned int)m->statemap.ids[s] : 0;
}

/* old_state and new_state of flag_set / flag_clear <ev>. */
void model_flag_states(const struct model *m, uint32_t ev,
		       unsigned int *old_state, unsigned int *new_state)
{
	uint32_t s = rec_slot(m, ev);

	*old_state = s < m->nflags ? m->flags[s].old_state : 0;
	*new_state = s < m->nflags ? m->flags[s].new_state : 0;
}

/* The release paired with lock_acquire <ev>, or the acquire paired with
 * lock_release <ev>; MV_NONE if none. */
uint32_t model_lock_partner(const struct model *m, uint32_t ev)
{
	const struct mv_rec *r = &m->ev[ev];
	const struct mv_lane *l;
	size_t lo = 0, hi;

	if (r->type == MV_T_LOCK)
		return mv_rec_bool(r) ? ev : MV_NONE;	/* its own */
	if (r->tid >= m->nlanes ||
	    (r->type != MV_T_LOCK_ACQ && r->type != MV_T_LOCK_REL))
		return MV_NONE;
	l = &m->lanes[r->tid];
	if (!l->lrel)
		return MV_NONE;	/* no lock_acquire on this lane */
	hi = l->nlocks;
	while (lo < hi) {	/* first acquire >= ev */
		size_t mid = (lo + hi) / 2;

		if (l->locks[mid] < ev)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->type == MV_T_LOCK_ACQ)
		return lo < l->nlocks && l->locks[lo] == ev ? l->lrel[lo] :
		       MV_NONE;
	/* a release pairs with the last successful acquire before it */
	while (lo-- > 0) {
		if (!mv_rec_bool(&m->ev[l->locks[lo]]))
			continue;
		return l->lrel[lo] == ev ? l->locks[lo] : MV_NONE;
	}
	return MV_NONE;
}

static int unclamp(unsigned int v, unsigned int bad)
{
	return v == bad ? -1 : (int)v;
}

/* Expand record <ev> back into the contract's fields (strings of run_start
 * and names point into the model). */
void model_decode(const struct model *m, uint32_t ev, struct mv_event *e)
{
	const struct mv_rec *r = &m->ev[ev];

	memset(e, 0, sizeof(*e));
	e->type = r->type;
	e->ts = model_ts(m, ev);
	e->tid = r->tid == MV_TID_NONE ? -1 : r->tid;
	e->vtid = r->tid < m->nlanes ? m->lanes[r->tid].vtid : -1;
	e->mux = unclamp(mv_rec_mux(r), 3);
	e->side = unclamp(mv_rec_side(r), 3);
	e->path = mv_rec_bool(r);
	e->ok = mv_rec_bool(r);
	e->remote = mv_rec_bool(r);
	e->trylock = mv_rec_trylock(r);
	e->site = unclamp(mv_rec_site(r), 15);
	e->list = unclamp(mv_rec_list(r), 7);
	e->reason = unclamp(mv_rec_reason(r), 7);
	switch (r->type) {
	case MV_T_RUN_START:
		e->mode = m->run.mode;
		e->bug = m->run.bug;
		e->scenario = m->run.scenario;
		e->nbthread = m->run.nbthread;
		e->seed = m->run.seed;
		e->usr1_bit = m->run.usr1_bit;
		break;
	case MV_T_RUN_END:
		e->requests_ok = m->run.requests_ok;
		e->requests_err = m->run.requests_err;
		e->takeovers = m->run.takeovers;
		break;
	case MV_T_WAKEUP:
		e->owner = (int)r->a;
		e->tl = model_tl_id(m, r->b);
		break;
	case MV_T_IO_CB:
		e->conn = model_conn_id(m, r->a);
		e->tl = model_tl_id(m, r->b);
		e->state = model_io_state(m, ev);
		break;
	case MV_T_IO_CB_STOLEN:
		e->tl = model_tl_id(m, r->b);
		break;
	case MV_T_FLAG_SET:
	case MV_T_FLAG_CLEAR:
		e->conn = model_conn_id(m, r->a);
		e->tl = model_tl_id(m, r->b);
		model_flag_states(m, ev, &e->old_state, &e->new_state);
		break;
	case MV_T_LOCK_ACQ:
	case MV_T_LOCK_REL:
		e->lock = (int)r->a;
		e->ns = model_rec_ns(m, ev);
		break;
	case MV_T_LOCK:		/* its low bits hold <inside>, not these */
		e->mux = e->side = e->list = e->reason = 0;
		e->lock = unclamp(r->a & 255, 255);
		e->ns = model_rec_ns(m, ev);
		e->hold_ns = model_lock_hold(m, ev);
		e->inside = model_lock_inside(m, ev);
		break;
	case MV_T_TAKEOVER:
		e->conn = model_conn_id(m, r->a);
		e->old_tl = model_tl_id(m, r->b);
		e->new_tl = model_tl_id(m, (uint32_t)big_lookup(m, ev));
		e->from_tid = unclamp(mv_rec_from(r), 255);
		break;
	case MV_T_IDLE_INSERT:
	case MV_T_IDLE_REMOVE:
		e->conn = model_conn_id(m, r->a);
		e->srv = (int)r->b;
		break;
	case MV_T_STREAM_ATTACH:
	case MV_T_STREAM_DETACH:
		e->conn = model_conn_id(m, r->a);
		e->stream = r->b == MV_SAT32 ? big_lookup(m, ev) : r->b;
		break;
	case MV_T_CONN_NEW:
		e->conn = model_conn_id(m, r->a);
		e->srv = (int)r->b;
		break;
	case MV_T_CONN_FREE:
		e->conn = model_conn_id(m, r->a);
		break;
	case MV_T_MODE_CHANGE:
		e->old_mode = unclamp((int)(r->a & 0xff), 255);
		e->new_mode = unclamp((int)r->b, 255);
		e->marked = r->a >> 8;
		e->orphans = r->bits;
		break;
	case MV_T_OTHER:
		e->name = r->a < m->nnames ? m->names[r->a].name : "?";
		break;
	case MV_T_DISCARDED:
		e->count = r->b == MV_SAT32 ? big_lookup(m, ev) : r->b;
		break;
	}
}

/* First event with ts >= <ts> (m->nev if none). */
uint32_t model_lower_bound(const struct model *m, uint64_t ts)
{
	size_t lo = 0, hi = m->nev;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model_ts(m, (uint32_t)mid) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Kinds of lane <tid>'s events among global events [<lo>, <hi>): whole
 * blocks from the lane's summary, the ragged ends one by one. */
unsigned int lane_kinds(const struct model *m, int tid, uint32_t lo,
			uint32_t hi)
{
	const struct mv_lane *l = &m->lanes[tid];
	unsigned int k = 0;

	while (lo < hi && lo % MV_BLOCK) {
		if (m->ev[lo].tid == tid)
			k |= mv_rec_kinds(&m->ev[lo]);
		lo++;
	}
	while (lo + MV_BLOCK <= hi) {
		if (lo / MV_BLOCK < l->nbmask)
			k |= l->bmask[lo / MV_BLOCK];
		lo += MV_BLOCK;
	}
	for (; lo < hi; lo++)
		if (m->ev[lo].tid == tid)
			k |= mv_rec_kinds(&m->ev[lo]);
	return k;
}

/* Kinds of lane <tid>'s events among global events [<lo>, <hi>), as
 * lane_kinds(), and their counts per class added to <n> (enum
 * mv_bcount): whole blocks from the lane's per-block counts, the ragged
 * ends one by one. Exact: every event is counted, none hides another. */
unsigned int lane_bin(const struct model *m, int tid, uint32_t lo,
		      uint32_t hi, uint32_t n[MV_BC_COUNT])
{
	const struct mv_lane *l = &m->lanes[tid];
	unsigned int k = 0;
	int c, bc;

	while (lo < hi && lo % MV_BLOCK) {
		if (m->ev[lo].tid == tid) {
			k |= mv_rec_kinds(&m->ev[lo]);
			if ((bc = mv_rec_bclass(&m->ev[lo])) >= 0)
				n[bc]++;
		}
		lo++;
	}
	while (lo + MV_BLOCK <= hi) {
		size_t b = lo / MV_BLOCK;

		if (b < l->nbmask && l->bmask[b]) {
			k |= l->bmask[b];
			for (c = 0; c < MV_BC_COUNT; c++)
				n[c] += l->bcnt[b].n[c];
		}
		lo += MV_BLOCK;
	}
	if (lo < hi && (lo / MV_BLOCK >= l->nbmask ||
			!l->bmask[lo / MV_BLOCK]))
		return k;
	for (; lo < hi; lo++) {
		if (m->ev[lo].tid == tid) {
			k |= mv_rec_kinds(&m->ev[lo]);
			if ((bc = mv_rec_bclass(&m->ev[lo])) >= 0)
				n[bc]++;
		}
	}
	return k;
}

/* Next (<dir> > 0) or previous event of thread <tid> strictly after or
 * before event <from> (MV_NONE: from an end), MV_NONE if none. Blocks
 * where the lane has no event are skipped. */
uint32_t model_lane_step(const struct model *m, uint32_t from, int dir,
			 int tid)
{
	const struct mv_lane *l;
	int64_t i = (int64_t)from + (dir > 0 ? 1 : -1);

	if (tid < 0 || tid >= m->nlanes)
		return MV_NONE;
	l = &m->lanes[tid];
	if (from == MV_NONE)
		i = dir > 0 ? 0 : (int64_t)m->nev - 1;
	while (i >= 0 && i < (int64_t)m->nev) {
		size_t b = (size_t)i / MV_BLOCK;

		if (b >= l->nbmask || !l->bmask[b]) {
			if (dir > 0 && b >= l->nbmask)
				break;
			i = dir > 0 ? (int64_t)(b + 1) * MV_BLOCK :
			    (int64_t)b * MV_BLOCK - 1;
			continue;
		}
		if (m->ev[i].tid == tid)
			return (uint32_t)i;
		i += dir > 0 ? 1 : -1;
	}
	return MV_NONE;
}

static int rec_matches(const struct model *m, uint32_t i, unsigned int kinds,
		       int tid)
{
	const struct mv_rec *r = &m->ev[i];

	if (!(mv_rec_kinds(r) & kinds))
		return 0;
	if (tid < 0 || r->tid == tid)
		return 1;
	/* a steal also belongs to its victim's lane */
	return r->type == MV_T_TAKEOVER && mv_rec_from(r) == tid;
}

/* Next (<dir> > 0) or previous event strictly after/before <from> whose
 * kind is in <kinds>, on thread <tid> (-1: any). MV_NONE if none. Whole
 * blocks without a wanted kind are skipped through the summary. */
uint32_t model_find_kind(const struct model *m, uint32_t from, int dir,
			 unsigned int kinds, int tid)
{
	int64_t i = (int64_t)from + (dir > 0 ? 1 : -1);

	if (from == MV_NONE)
		i = dir > 0 ? 0 : (int64_t)m->nev - 1;
	while (i >= 0 && i < (int64_t)m->nev) {
		size_t b = (size_t)i / MV_BLOCK;
		unsigned int bk = tid < 0 ? m->blk[b] :
				  tid < m->nlanes && b < m->lanes[tid].nbmask ?
				  m->lanes[tid].bmask[b] : 0;

		if (!(bk & kinds)) {
			/* skip to the next/previous block */
			if (dir > 0)
				i = (i / MV_BLOCK + 1) * MV_BLOCK;
			else
				i = (i / MV_BLOCK) * MV_BLOCK - 1;
			continue;
		}
		if (rec_matches(m, (uint32_t)i, kinds, tid))
			return (uint32_t)i;
		i += dir > 0 ? 1 : -1;
	}
	return MV_NONE;
}

/* Life of dense conn <conn> up to event <upto> (inclusive; MV_NONE = the
 * whole trace): one step per state change, at most <max> stored in
 * <steps>. Returns the number of steps (may exceed <max>). Needs
 * model_finish() for the events of stolen tasklets. */
int model_conn_life(const struct model *m, uint32_t conn,
		    struct mv_life_step *steps, int max, uint32_t upto)
{
	const struct mv_conn *ci;
	enum mv_conn_state cur = MV_CS_UNKNOWN;
	uint32_t i, end;
	int n = 0;

	if (!conn || !m->finished || conn >= m->nconn_info)
		return 0;
	ci = &m->conn_info[conn];
	if (ci->first == MV_NONE)
		return 0;
	end = upto == MV_NONE || upto > ci->last ? ci->last : upto;
	for (i = ci->first; i <= end && i != MV_NONE; i++) {
		const struct mv_rec *r = &m->ev[i];
		enum mv_conn_state s = cur;
		int other = -1, list = -1;

		if (model_rec_conn(m, i) != conn)
			continue;
		switch (r->type) {
		case MV_T_CONN_NEW:
			s = MV_CS_NEW;
			break;
		case MV_T_STREAM_ATTACH:
		case MV_T_FLAG_CLEAR:
			s = MV_CS_ACTIVE;
			break;
		case MV_T_FLAG_SET:
			s = MV_CS_USR1;
			break;
		case MV_T_IDLE_INSERT:
			s = MV_CS_IDLE;
			list = mv_rec_list(r);
			break;
		case MV_T_IDLE_REMOVE:
			if (mv_rec_reason(r) != REASON_STEAL &&
			    mv_rec_reason(r) != REASON_CLOSE)
				s = MV_CS_ACTIVE;
			break;
		case MV_T_TAKEOVER:
			if (!mv_rec_bool(r))
				break;
			s = MV_CS_STOLEN;
			other = mv_rec_from(r);
			break;
		case MV_T_CONN_FREE:
			s = MV_CS_FREED;
			break;
		default:
			if (cur == MV_CS_UNKNOWN && r->type == MV_T_IO_CB)
				s = MV_CS_ACTIVE;
			break;
		}
		if (s == cur && s != MV_CS_STOLEN && s != MV_CS_IDLE)
			continue;
		if (s == cur && s == MV_CS_STOLEN && r->type != MV_T_TAKEOVER)
			continue;
		if (s == cur && s == MV_CS_IDLE && r->type != MV_T_IDLE_INSERT)
			continue;
		if (n < max) {
			steps[n].state = s;
			steps[n].ev = i;
			steps[n].tid = r->tid == MV_TID_NONE ? -1 : r->tid;
			steps[n].other = other;
			steps[n].list = list;
		}
		n++;
		cur = s;
	}
	return n;
}

/* ---- reserving and saving (the index cache, reader.c) ---- */

/*
 * model_reserve - make room for about <nev> events before the load
 *
 * The reader estimates the event count from the size of the stream files,
 * so that the record, block and per-lane arrays are mapped once instead of
 * doubling (each doubling moves page tables and shoots TLBs down). Only
 * the virtual size is reserved: pages cost memory when first written.
 * An estimate too small is harmless (the arrays keep doubling from there);
 * so is a failure (no room reserved, or only for some arrays).
 *
 * Return: 0, or -1 when the address space was refused. Context: before
 * the first model_add().
 */
int model_reserve(struct model *m, size_t nev)
{
	size_t nb = nev / MV_BLOCK + 1;

	if (nev > MV_NONE - 2)
		nev = MV_NONE - 2;
	if (grow(&m->ev, &m->cap, nev, sizeof(*m->ev)) < 0 ||
	    grow(&m->tbase, &m->tbase_cap, nb, sizeof(*m->tbase)) < 0 ||
	    grow(&m->blk, &m->blk_cap, nb, sizeof(*m->blk)) < 0)
		return -1;
	m->reserve = nev;	/* new lanes reserve their blocks too */
	return 0;
}

/*
 * The saved model is a sequence of chunks, each a 64-bit length and its
 * bytes, in the order written by model_save(); model_load() reads them in
 * the same order and checks every length against what it expects. A
 * running hash covers every chunk; the caller compares it with the one it
 * stored. Everything is in host byte order: the file is a cache for this
 * build on this machine (reader.c keys it on the executable too).
 */

#define MV_HASH_MUL	0x100000001b3ULL

/* one 64-bit word into one running hash */
static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * MV_HASH_MUL;
	return h ^ h >> 29;
}

/*
 * mv_hash - fast 64-bit hash of <len> bytes, chained on <h>
 *
 * Long inputs go through four independent running hashes, one per word
 * of each 32 bytes, folded into <h> at the end: a single chain waits for
 * each multiply before the next (about 4 GB/s), four chains keep the
 * multiplier busy (about 14 GB/s), which is most of what checking a large
 * cache costs (0.045 s -> 0.013 s for the 186 MB cache of 10M events).
 * It detects damage, it is no defence against someone forging a cache.
 */
uint64_t mv_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t w;

	h ^= len * 0x9e3779b97f4a7c15ULL;
	if (!len)
		return h;
	if (len >= 32) {
		uint64_t h0 = h, h1 = h ^ 1, h2 = h ^ 2, h3 = h ^ 3, x[4];

		do {
			memcpy(x, c, sizeof(x));
			h0 = hash_word(h0, x[0]);
			h1 = hash_word(h1, x[1]);
			h2 = hash_word(h2, x[2]);
			h3 = hash_word(h3, x[3]);
			c += 32;
			len -= 32;
		} while (len >= 32);
		h = hash_word(hash_word(hash_word(hash_word(h, h0), h1), h2),
			      h3);
	}
	while (len >= 8) {
		memcpy(&w, c, 8);
		h = hash_word(h, w);
		c += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, c, len);
	h = (h ^ w) * MV_HASH_MUL;
	return h ^ h >> 32;
}

static void io_write_fd(struct mv_io *io, const char *c, size_t len)
{
	while (!io->err && len) {
		ssize_t n = write(io->fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			io->err = 1;
			return;
		}
		c += n;
		len -= (size_t)n;
	}
}

/* <len> bytes at <p> to the file, unhashed (a cache's header uses it) */
void mv_io_write(struct mv_io *io, const void *p, size_t len)
{
	const char *c = p;

	io->written += len;
	if (!io->sbuf) {
		io_write_fd(io, c, len);
		return;
	}
	while (!io->err && len) {
		size_t k = io->scap - io->sn < len ? io->scap - io->sn : len;

		memcpy(io->sbuf + io->sn, c, k);
		io->sn += k;
		c += k;
		len -= k;
		if (io->sn == io->scap) {
			io_write_fd(io, io->sbuf, io->sn);
			io->sn = 0;
		}
	}
}

/*
 * mv_io_flush - write what the staging buffer holds
 *
 * Padded with zeros to MV_IO_ALIGN (an O_DIRECT write must be): the file
 * is then longer than io->written, and the caller cuts it (ftruncate).
 * Return: 0, or -1 if a write failed (io->err).
 */
int mv_io_flush(struct mv_io *io)
{
	if (io->sbuf && io->sn && !io->err) {
		size_t n = (io->sn + MV_IO_ALIGN - 1) & ~(size_t)(MV_IO_ALIGN - 1);

		memset(io->sbuf + io->sn, 0, n - io->sn);
		io_write_fd(io, io->sbuf, n);
		io->sn = 0;
	}
	return io->err ? -1 : 0;
}

/* one chunk: its length, then its bytes */
static void io_put(struct mv_io *io, const void *p, size_t len)
{
	uint64_t l = len;

	io->hash = mv_hash(io->hash, &l, sizeof(l));
	io->hash = mv_hash(io->hash, p, len);
	mv_io_write(io, &l, sizeof(l));
	mv_io_write(io, p, len);
}

static void io_read(struct mv_io *io, void *p, size_t len)
{
	char *c = p;

	if (len > io->left)
		io->err = 1;
	while (!io->err && len) {
		ssize_t n = read(io->fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			io->err = 1;
			return;
		}
		c += n;
		len -= (size_t)n;
		io->left -= (uint64_t)n;
	}
}

/* the length of the next chunk, which must be <elem> * n bytes with n at
 * most <max>: returns n (0 with io->err set if not so) */
static size_t io_len(struct mv_io *io, size_t elem, uint64_t max)
{
	uint64_t l = 0;

	io_read(io, &l, sizeof(l));
	io->hash = mv_hash(io->hash, &l, sizeof(l));
	if (io->err || l % elem || l / elem > max || l > io->left) {
		io->err = 1;
		return 0;
	}
	return (size_t)(l / elem);
}

/* read the next chunk of exactly <n> elements of <elem> bytes into <p> */
static void io_get(struct mv_io *io, void *p, size_t n, size_t elem)
{
	if (io_len(io, elem, n) != n && n)
		io->err = 1;
	if (io->err)
		return;
	io_read(io, p, n * elem);
	if (!io->err)
		io->hash = mv_hash(io->hash, p, n * elem);
}

/* read the next chunk (at most <max> elements) into an array grown by
 * grow(); its element count in <*n> */
static void io_get_array(struct mv_io *io, void *pp, size_t *cap, size_t *n,
			 size_t elem, uint64_t max)
{
	void **p = pp;
	size_t k = io_len(io, elem, max);

	*n = 0;
	if (io->err || !k)
		return;
	if (grow(pp, cap, k, elem) < 0) {
		io->err = 1;
		return;
	}
	io_read(io, *p, k * elem);
	if (io->err)
		return;
	io->hash = mv_hash(io->hash, *p, k * elem);
	*n = k;
}

static void io_put_str(struct mv_io *io, const char *s)
{
	io_put(io, s ? s : "", s ? strlen(s) + 1 : 0);
}

/* a string (NULL if it was NULL when saved) */
static char *io_get_str(struct mv_io *io)
{
	size_t n = io_len(io, 1, 1u << 20);
	char *s;

	if (io->err || !n)
		return NULL;
	s = malloc(n);
	if (!s) {
		io->err = 1;
		return NULL;
	}
	io_read(io, s, n);
	if (!io->err)
		io->hash = mv_hash(io->hash, s, n);
	if (io->err || s[n - 1]) {
		io->err = 1;
		free(s);
		return NULL;
	}
	return s;
}

/* big-value tables hold padding: saved as (ev, val) pairs of u64 */
static void io_put_big(struct mv_io *io, const struct mv_big *b, size_t n)
{
	uint64_t *t = malloc((n ? n : 1) * 2 * sizeof(*t));
	size_t i;

	if (!t) {
		io->err = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		t[2 * i] = b[i].ev;
		t[2 * i + 1] = b[i].val;
	}
	io_put(io, t, n * 2 * sizeof(*t));
	free(t);
}

static void io_get_big(struct mv_io *io, struct mv_big **b, size_t *cap,
		       size_t *n, uint64_t nev)
{
	size_t k = io_len(io, 2 * sizeof(uint64_t), nev), i;
	uint64_t *t;

	*n = 0;
	if (io->err || !k)
		return;
	t = malloc(k * 2 * sizeof(*t));
	if (!t || grow(b, cap, k, sizeof(**b)) < 0) {
		free(t);
		io->err = 1;
		return;
	}
	io_read(io, t, k * 2 * sizeof(*t));
	if (!io->err)
		io->hash = mv_hash(io->hash, t, k * 2 * sizeof(*t));
	for (i = 0; !io->err && i < k; i++) {
		if (t[2 * i] >= nev || (i && t[2 * i] <= t[2 * i - 2]))
			io->err = 1;	/* not an event, or not sorted */
		(*b)[i].ev = (uint32_t)t[2 * i];
		(*b)[i].val = t[2 * i + 1];
	}
	free(t);
	*n = io->err ? 0 : k;
}

/* the scalars of a model, in one chunk */
enum {
	S_NEV, S_NLANES, S_NNAMES, S_TL_CONN_N, S_CONNS, S_TLS, S_FLAGMAP,
	S_STATEMAP, S_NFLAGS, S_EVENTS_TOTAL, S_DISCARDED, S_DISC_PACKETS,
	S_BAD_TID, S_UNORDERED, S_T_FIRST, S_T_LAST, S_HAVE_START,
	S_HAVE_END, S_MODE, S_NBTHREAD, S_SEED, S_USR1_BIT, S_REQ_OK,
	S_REQ_ERR, S_TAKEOVERS, S_TYPE_COUNT,
	S_COUNT = S_TYPE_COUNT + MV_T_COUNT
};

/* per lane, in one chunk before its arrays */
enum {
	L_NBMASK, L_NEV, L_NLOCKS, L_NSTEALS, L_OPEN_LOCK, L_OPEN_LOCK_I,
	L_VTID, L_VTID_MULTI, L_HAS_LREL, L_COUNT
};

static void io_put_ids(struct mv_io *io, const struct mv_idmap *im)
{
	io_put(io, im->ids, im->n * sizeof(*im->ids));
}

/* the ids saved, inserted again in the same order: the same map */
static void io_get_ids(struct mv_io *io, struct mv_idmap *im, uint64_t n)
{
	size_t i;

	if (!n) {
		io_get(io, NULL, 0, sizeof(*im->ids));
		return;
	}
	if (grow(&im->ids, &im->ids_cap, n, sizeof(*im->ids)) < 0) {
		io->err = 1;
		return;
	}
	io_get(io, im->ids, n, sizeof(*im->ids));
	if (io->err || im->ids[0]) {
		io->err = 1;
		return;
	}
	for (i = 1; i < n; i++) {
		if (!im->ids[i]) {
			io->err = 1;	/* id 0 is dense 0 only */
			return;
		}
		if (im->ids[i] > im->max_id)
			im->max_id = im->ids[i];
		im->n = i + 1;
		if (idmap_insert(im, im->ids[i], (uint32_t)i) < 0) {
			io->err = 1;
			return;
		}
	}
	im->n = n;
}

/*
 * model_save - write model <m> to io->fd, for model_load()
 *
 * @m:  a model, finished or not
 * @io: fd set; hash set to the seed the loader will use
 *
 * Return: 0, or -1 on a write error (io->err). The caller stores io->hash.
 * Context: single-threaded; <m> is not changed.
 */
int model_save(const struct model *m, struct mv_io *io)
{
	uint64_t s[S_COUNT], l[L_COUNT];
	size_t i, nb = (m->nev + MV_BLOCK - 1) / MV_BLOCK;
	int t;

	memset(s, 0, sizeof(s));
	s[S_NEV] = m->nev;
	s[S_NLANES] = (uint64_t)m->nlanes;
	s[S_NNAMES] = m->nnames;
	s[S_TL_CONN_N] = m->tl_conn_n;
	s[S_CONNS] = m->conns.n;
	s[S_TLS] = m->tls.n;
	s[S_FLAGMAP] = m->flagmap.n;
	s[S_STATEMAP] = m->statemap.n;
	s[S_NFLAGS] = m->nflags;
	s[S_EVENTS_TOTAL] = m->events_total;
	s[S_DISCARDED] = m->discarded;
	s[S_DISC_PACKETS] = m->discarded_packets;
	s[S_BAD_TID] = m->bad_tid;
	s[S_UNORDERED] = m->unordered;
	s[S_T_FIRST] = m->t_first;
	s[S_T_LAST] = m->t_last;
	s[S_HAVE_START] = (uint64_t)m->run.have_start;
	s[S_HAVE_END] = (uint64_t)m->run.have_end;
	s[S_MODE] = (uint64_t)(int64_t)m->run.mode;
	s[S_NBTHREAD] = (uint64_t)(int64_t)m->run.nbthread;
	s[S_SEED] = m->run.seed;
	s[S_USR1_BIT] = m->run.usr1_bit;
	s[S_REQ_OK] = m->run.requests_ok;
	s[S_REQ_ERR] = m->run.requests_err;
	s[S_TAKEOVERS] = m->run.takeovers;
	memcpy(s + S_TYPE_COUNT, m->type_count, sizeof(m->type_count));
	io_put(io, s, sizeof(s));

	io_put(io, m->ev, m->nev * sizeof(*m->ev));
	io_put(io, m->tbase, nb * sizeof(*m->tbase));
	io_put(io, m->blk, nb * sizeof(*m->blk));
	io_put_big(io, m->tbig, m->ntbig);
	io_put_big(io, m->big, m->nbig);
	for (t = 0; t < m->nlanes; t++) {
		const struct mv_lane *ln = &m->lanes[t];

		l[L_NBMASK] = ln->nbmask;
		l[L_NEV] = ln->nev;
		l[L_NLOCKS] = ln->nlocks;
		l[L_NSTEALS] = ln->nsteals;
		l[L_OPEN_LOCK] = ln->open_lock;
		l[L_OPEN_LOCK_I] = ln->open_lock_i;
		l[L_VTID] = (uint64_t)(int64_t)ln->vtid;
		l[L_VTID_MULTI] = (uint64_t)ln->vtid_multi;
		l[L_HAS_LREL] = ln->lrel != NULL;
		io_put(io, l, sizeof(l));
		io_put(io, &ln->st, sizeof(ln->st));
		io_put(io, ln->bmask, ln->nbmask * sizeof(*ln->bmask));
		io_put(io, ln->bcnt, ln->nbmask * sizeof(*ln->bcnt));
		io_put(io, ln->locks, ln->nlocks * sizeof(*ln->locks));
		if (ln->lrel)
			io_put(io, ln->lrel, ln->nlocks * sizeof(*ln->lrel));
		io_put(io, ln->steals, ln->nsteals * sizeof(*ln->steals));
	}
	io_put_ids(io, &m->conns);
	io_put_ids(io, &m->tls);
	io_put_ids(io, &m->flagmap);
	io_put_ids(io, &m->statemap);
	io_put(io, m->flags, m->nflags * sizeof(*m->flags));
	io_put(io, m->discards, m->ndiscards * sizeof(*m->discards));
	io_put(io, m->modes, m->nmodes * sizeof(*m->modes));
	io_put(io, m->tl_conn, m->tl_conn_n * sizeof(*m->tl_conn));
	for (i = 0; i < m->nnames; i++) {
		io_put_str(io, m->names[i].name);
		io_put(io, &m->names[i].count, sizeof(m->names[i].count));
	}
	io_put_str(io, m->run.bug);
	io_put_str(io, m->run.scenario);
	return io->err ? -1 : 0;
}

/* every index a query follows stays inside its array */
static int model_sane(const struct model *m)
{
	size_t i, k, nb = (m->nev + MV_BLOCK - 1) / MV_BLOCK;
	int t;

	for (i = 0; i < m->nev; i++) {
		const struct mv_rec *r = &m->ev[i];
		uint32_t c = mv_rec_conn_field(r), tl = mv_rec_tl(r);

		if (r->type == MV_T_NONE || r->type >= MV_T_COUNT ||
		    (r->tid < MV_TID_BAD && r->tid >= m->nlanes) ||
		    c >= m->conns.n || (tl && tl >= m->tls.n) ||
		    (r->type == MV_T_OTHER && r->a >= m->nnames))
			return -1;
	}
	for (t = 0; t < m->nlanes; t++) {
		const struct mv_lane *l = &m->lanes[t];

		if (l->nbmask > nb || (l->open_lock != MV_NONE &&
				       (l->open_lock >= m->nev || !l->lrel ||
					l->open_lock_i >= l->nlocks)))
			return -1;
		for (k = 0; k < l->nlocks; k++)
			if (l->locks[k] >= m->nev ||
			    (l->lrel ? l->lrel[k] != MV_NONE &&
				       l->lrel[k] >= m->nev :
				       m->ev[l->locks[k]].type != MV_T_LOCK))
				return -1;
		for (k = 0; k < l->nsteals; k++)
			if (l->steals[k] >= m->nev)
				return -1;
	}
	for (k = 0; k < m->ndiscards; k++)
		if (m->discards[k] >= m->nev)
			return -1;
	for (k = 0; k < m->nmodes; k++)
		if (m->modes[k] >= m->nev)
			return -1;
	for (k = 0; k < m->tl_conn_n; k++)
		if (m->tl_conn[k] >= m->conns.n)
			return -1;
	if (m->tl_conn_n > m->tls.n || m->nflags > m->flagmap.n)
		return -1;
	return 0;
}

/*
 * model_load - read into <m> a model written by model_save()
 *
 * @m:  an empty model (model_init())
 * @io: fd at the first chunk, left = bytes to the end of the chunks,
 *      hash = the seed used when saving
 *
 * Every length is checked against what the chunks before it announced and
 * against the bytes left, and every index a query follows is checked
 * against its array: a damaged file fails here, it is never trusted. The
 * connection summaries are rebuilt (model_finish()). The caller compares
 * io->hash with the one stored.
 *
 * Return: 0, or -1 (damaged, or out of memory; <m> is then freed and
 * empty). Context: single-threaded.
 */
int model_load(struct model *m, struct mv_io *io)
{
	uint64_t s[S_COUNT], l[L_COUNT], nev;
	size_t i, nb, n;
	int t;

	io_get(io, s, S_COUNT, sizeof(*s));
	if (io->err)
		goto fail;
	nev = s[S_NEV];
	nb = (size_t)((nev + MV_BLOCK - 1) / MV_BLOCK);
	if (nev > io->left / sizeof(*m->ev) || s[S_NLANES] > MV_MAX_LANES ||
	    s[S_CONNS] > nev + 1 || s[S_TLS] > 2 * nev + 1 ||
	    s[S_FLAGMAP] > nev + 1 || s[S_STATEMAP] > nev + 1 ||
	    s[S_NFLAGS] > s[S_FLAGMAP] || s[S_NNAMES] > nev + 1 ||
	    s[S_TL_CONN_N] > s[S_TLS])
		goto fail;
	io_get_array(io, &m->ev, &m->cap, &m->nev, sizeof(*m->ev), nev);
	io_get_array(io, &m->tbase, &m->tbase_cap, &n, sizeof(*m->tbase), nb);
	if (!io->err && n != nb)
		goto fail;
	io_get_array(io, &m->blk, &m->blk_cap, &n, sizeof(*m->blk), nb);
	if (io->err || n != nb || m->nev != nev)
		goto fail;
	io_get_big(io, &m->tbig, &m->tbig_cap, &m->ntbig, nev);
	io_get_big(io, &m->big, &m->big_cap, &m->nbig, nev);
	if (io->err)
		goto fail;
	if (s[S_NLANES]) {
		m->lanes = calloc((size_t)s[S_NLANES], sizeof(*m->lanes));
		if (!m->lanes)
			goto fail;
		m->nlanes = (int)s[S_NLANES];
	}
	for (t = 0; t < m->nlanes && !io->err; t++) {
		struct mv_lane *ln = &m->lanes[t];

		ln->open_lock = MV_NONE;
		io_get(io, l, L_COUNT, sizeof(*l));
		if (io->err || l[L_NBMASK] > nb || l[L_NLOCKS] > nev ||
		    l[L_NSTEALS] > nev || l[L_NEV] > nev || l[L_HAS_LREL] > 1)
			goto fail;
		ln->nev = l[L_NEV];
		ln->open_lock = (uint32_t)l[L_OPEN_LOCK];
		ln->open_lock_i = (size_t)l[L_OPEN_LOCK_I];
		ln->vtid = (int)(int64_t)l[L_VTID];
		ln->vtid_multi = (int)l[L_VTID_MULTI];
		io_get(io, &ln->st, 1, sizeof(ln->st));
		io_get_array(io, &ln->bmask, &ln->bcap, &ln->nbmask,
			     sizeof(*ln->bmask), l[L_NBMASK]);
		io_get_array(io, &ln->bcnt, &ln->bccap, &n, sizeof(*ln->bcnt),
			     l[L_NBMASK]);
		if (!io->err && (ln->nbmask != l[L_NBMASK] || n != ln->nbmask))
			goto fail;
		io_get_array(io, &ln->locks, &ln->lcap, &ln->nlocks,
			     sizeof(*ln->locks), l[L_NLOCKS]);
		n = ln->nlocks;
		if (l[L_HAS_LREL])
			io_get_array(io, &ln->lrel, &ln->lrcap, &n,
				     sizeof(*ln->lrel), l[L_NLOCKS]);
		if (!io->err && (ln->nlocks != l[L_NLOCKS] || n != ln->nlocks))
			goto fail;
		io_get_array(io, &ln->steals, &ln->scap, &ln->nsteals,
			     sizeof(*ln->steals), l[L_NSTEALS]);
		if (!io->err && ln->nsteals != l[L_NSTEALS])
			goto fail;
	}
	io_get_ids(io, &m->conns, s[S_CONNS]);
	io_get_ids(io, &m->tls, s[S_TLS]);
	io_get_ids(io, &m->flagmap, s[S_FLAGMAP]);
	io_get_ids(io, &m->statemap, s[S_STATEMAP]);
	io_get_array(io, &m->flags, &m->flags_cap, &m->nflags,
		     sizeof(*m->flags), s[S_NFLAGS]);
	io_get_array(io, &m->discards, &m->dcap, &m->ndiscards,
		     sizeof(*m->discards), nev);
	io_get_array(io, &m->modes, &m->mcap, &m->nmodes, sizeof(*m->modes),
		     nev);
	io_get_array(io, &m->tl_conn, &m->tl_conn_cap, &m->tl_conn_n,
		     sizeof(*m->tl_conn), s[S_TL_CONN_N]);
	if (io->err || m->nflags != s[S_NFLAGS] ||
	    m->tl_conn_n != s[S_TL_CONN_N])
		goto fail;
	if (s[S_NNAMES] && grow(&m->names, &m->names_cap, (size_t)s[S_NNAMES],
				sizeof(*m->names)) < 0)
		goto fail;
	for (i = 0; i < s[S_NNAMES] && !io->err; i++) {
		m->names[i].name = io_get_str(io);
		if (!m->names[i].name)
			goto fail;
		m->nnames++;
		io_get(io, &m->names[i].count, 1, sizeof(m->names[i].count));
	}
	m->run.bug = io_get_str(io);
	m->run.scenario = io_get_str(io);
	if (io->err || io->left)
		goto fail;
	m->events_total = s[S_EVENTS_TOTAL];
	m->discarded = s[S_DISCARDED];
	m->discarded_packets = s[S_DISC_PACKETS];
	m->bad_tid = s[S_BAD_TID];
	m->unordered = s[S_UNORDERED];
	m->t_first = s[S_T_FIRST];
	m->t_last = s[S_T_LAST];
	m->run.have_start = (int)s[S_HAVE_START];
	m->run.have_end = (int)s[S_HAVE_END];
	m->run.mode = (int)(int64_t)s[S_MODE];
	m->run.nbthread = (int)(int64_t)s[S_NBTHREAD];
	m->run.seed = s[S_SEED];
	m->run.usr1_bit = (unsigned int)s[S_USR1_BIT];
	m->run.requests_ok = s[S_REQ_OK];
	m->run.requests_err = s[S_REQ_ERR];
	m->run.takeovers = s[S_TAKEOVERS];
	memcpy(m->type_count, s + S_TYPE_COUNT, sizeof(m->type_count));
	if (model_sane(m) < 0 || model_finish(m) < 0)
		goto fail;
	return 0;
fail:
	io->err = 1;
	model_free(m);
	return -1;
}
