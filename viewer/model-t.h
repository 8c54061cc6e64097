/*
 * model-t.h - the viewer's trace model (types only).
 *
 * A trace is indexed once into a flat array of compact records (struct
 * mv_rec, 16 bytes), in timestamp order as the reader's merge of the
 * trace's streams delivers them. Everything else is an index over that
 * array: one lane per engine thread (the `tid` field), lock spans per
 * lane, steal lists, a block
 * summary of "kinds" for fast binning and jumping, a dense remap of the
 * 64-bit conn and tasklet ids, and per-connection summaries.
 *
 * Nothing here knows about libbabeltrace2 or ncurses: the reader fills a
 * struct mv_event and calls model_add(); unit tests do the same with
 * synthetic streams.
 */
#ifndef MUXVIEW_MODEL_T_H
#define MUXVIEW_MODEL_T_H

#include <stddef.h>
#include <stdint.h>

#include "../src/trace-t.h"
#include "../src/task-t.h"

/* Event types: the muxlab events of docs/trace-events.md, plus two of ours. */
enum mv_type {
	MV_T_NONE = 0,
	MV_T_RUN_START,
	MV_T_RUN_END,
	MV_T_WAKEUP,		/* tasklet_wakeup */
	MV_T_IO_CB,
	MV_T_IO_CB_STOLEN,
	MV_T_FLAG_SET,
	MV_T_FLAG_CLEAR,
	MV_T_LOCK_ACQ,		/* lock_acquire */
	MV_T_LOCK_REL,		/* lock_release */
	MV_T_TAKEOVER,
	MV_T_IDLE_INSERT,
	MV_T_IDLE_REMOVE,
	MV_T_STREAM_ATTACH,
	MV_T_STREAM_DETACH,
	MV_T_CONN_NEW,
	MV_T_CONN_FREE,
	MV_T_MODE_CHANGE,	/* a thread switched mode (control socket) */
	MV_T_LOCK,		/* lock: one critical section (format 2) */
	MV_T_OTHER,		/* a muxlab event this viewer does not know */
	MV_T_DISCARDED,		/* marker: the tracer dropped events here */
	MV_T_COUNT
};

/* A fully decoded event, as the reader (or a test) hands it to the model.
 * Fields an event does not carry are left at 0 (tid at -1). */
struct mv_event {
	enum mv_type type;
	uint64_t ts;		/* ns from the clock origin */
	int tid;		/* engine thread index, -1 = none */
	int vtid;		/* LTTng vtid context, -1 = unknown */
	uint64_t tl;
	uint64_t conn;
	uint64_t old_tl;
	uint64_t new_tl;
	uint64_t stream;
	uint64_t ns;		/* wait_ns (lock_acquire, lock) or hold_ns
				 * (lock_release) */
	uint64_t hold_ns;	/* lock: hold_ns (the reader's slot for it) */
	unsigned int inside;	/* lock: events of the holder inside */
	uint64_t count;		/* discarded marker: events lost */
	uint64_t packets;	/* discarded marker: packets lost */
	unsigned int state;	/* io_cb */
	unsigned int old_state;	/* flag_set / flag_clear */
	unsigned int new_state;
	int mux, side, path, site, list, reason;
	int owner, remote, lock, trylock, ok, from_tid, srv;
	/* mode_change */
	int old_mode, new_mode;
	unsigned int marked, orphans;
	/* run_start / run_end */
	int mode, nbthread;
	unsigned int usr1_bit;
	uint64_t seed;
	const char *bug;	/* copied by the model */
	const char *scenario;	/* copied by the model */
	uint64_t requests_ok, requests_err, takeovers;
	const char *name;	/* MV_T_OTHER: the event name, copied */
};

/* The compact record. <a>, <b> and <bits> mean different things per
 * type; only the accessors in model.h read them:
 *
 *   type          a         b             bits               elsewhere
 *   WAKEUP        owner     tl            remote             -
 *   IO_CB         conn      tl            mux side path slot state (1)
 *   IO_CB_STOLEN  -         tl            mux                -
 *   FLAG_*        conn      tl            mux slot           states (1)
 *   LOCK_ACQ      lock      wait_ns(sat)  site trylock ok    release (2)
 *   LOCK_REL      lock      hold_ns(sat)  site               -
 *   LOCK          lock|wait hold_ns(sat)  site trylock ok    wait (4)
 *                 <<8       inside (10 bits: 0-3, 10-15)
 *   TAKEOVER      conn      old_tl        mux ok from_tid    new_tl (3)
 *   IDLE_*        conn      srv           mux list reason    -
 *   STREAM_*      conn      stream(sat)   mux side           -
 *   CONN_NEW      conn      srv           mux side           -
 *   CONN_FREE     conn      -             mux side           -
 *   MODE_CHANGE   old|marked<<8 new       orphans (sat)      -
 *   OTHER         name idx  -             -                  -
 *   DISCARDED     -         count(sat)    -                  -
 *
 * (1) io_cb states and flag_set/flag_clear state pairs are interned: the
 *     11-bit slot (MV_B_SLOT_*) indexes m->states / m->flags; a slot that
 *     does not fit (MV_SLOT_BIG) has its value (the state, or old_state <<
 *     32 | new_state) in the big-value side table.
 * (2) per lane, lrel[] parallel to locks[] (model_lock_partner()).
 * (3) in the big-value side table (a takeover is rare).
 * (4) wait_ns in 24 bits; from 0xffffff (16.7 ms) on, exact in the big-
 *     value side table unless hold_ns took it (then 0xffffff stays).
 *
 * conn and tl are dense indexes (0 = id 0 = none), see model_conn_id().
 * A saturated (sat) value (0xffffffff) has its exact value in the big-
 * value side table, which holds at most one value per event. The
 * timestamp is a 32-bit offset from the time of the first event of its
 * block of MV_BLOCK events (model.tbase); an offset that does not fit (a
 * gap of more than 4.29 s inside a block) is kept exactly in the tbig side
 * table. Read it with model_ts(). 16 bytes a record.
 */
struct mv_rec {
	uint32_t dt;		/* ns after its block's base time (model_ts()),
				 * MV_SAT32: exact time in the side table */
	uint8_t type;		/* enum mv_type */
	uint8_t tid;		/* engine thread, MV_TID_NONE / MV_TID_BAD */
	uint16_t bits;		/* small enums, see MV_B_* */
	uint32_t a;
	uint32_t b;
};

#define MV_TID_NONE	255	/* the event has no tid field */
#define MV_TID_BAD	254	/* tid out of range (negative or >= 254) */
#define MV_MAX_LANES	254

#define MV_NONE		0xffffffffu	/* "no event" index */
#define MV_SAT32	0xffffffffu	/* saturated 32-bit value */

/* bit fields in mv_rec.bits */
#define MV_B_MUX_SHIFT		0	/* 2 bits, 3 = out of range */
#define MV_B_SIDE_SHIFT		2	/* 2 bits, 3 = out of range */
#define MV_B_BOOL		0x0010	/* path=locked / ok / remote */
#define MV_B_TRYLOCK		0x0020	/* lock_acquire trylock */
#define MV_B_SITE_SHIFT		6	/* 4 bits, 15 = out of range */
#define MV_B_LIST_SHIFT		10	/* 3 bits, 7 = out of range */
#define MV_B_REASON_SHIFT	13	/* 3 bits, 7 = out of range */
#define MV_B_FROM_SHIFT		6	/* takeover from_tid, 8 bits, 255 = bad */
#define MV_B_SLOT_SHIFT		5	/* io_cb / flag_* interned slot, 11 bits */
#define MV_SLOT_BIG		2047	/* slot too large: value in big table */
#define MV_WAIT24		0xffffffu /* lock: wait_ns saturated in a */
#define MV_INSIDE_MAX		1023	/* lock: inside saturates here */

/* Kinds: what an event means for the lanes, one bit each. The order of
 * the list is the drawing priority (first wins a crowded cell). */
enum mv_kind {
	MV_K_DISCARD = 0,	/* events lost here */
	MV_K_STEAL,		/* takeover ok=1 (stealer and victim lanes) */
	MV_K_STOLEN,		/* io_cb_stolen: old tasklet freed */
	MV_K_LOCKED,		/* io_cb path=locked */
	MV_K_FLAG_SET,
	MV_K_FLAG_CLEAR,
	MV_K_STEAL_FAIL,	/* takeover ok=0 */
	MV_K_IDLE_IN,
	MV_K_IDLE_OUT,
	MV_K_FAST,		/* io_cb path=fast */
	MV_K_TRYFAIL,		/* lock_acquire / lock ok=0 */
	MV_K_LOCK,		/* lock_acquire ok=1 / lock_release / lock */
	MV_K_CONN,		/* conn_new / conn_free */
	MV_K_OTHER,		/* wakeups, streams, run_start/end ... */
	MV_K_WAIT,		/* span: waiting for a lock (not an event) */
	MV_K_HOLD,		/* span: holding a lock (not an event) */
	MV_K_COUNT
};

#define MV_KBIT(k)	(1u << (k))

/* Per-thread statistics, accumulated while indexing. Index MUX_COUNT /
 * SIDE_COUNT collects out-of-range values. */
struct mv_thread_stats {
	uint64_t events;
	uint64_t io_cb[SIDE_COUNT + 1][MUX_COUNT + 1][PATH_COUNT];
	uint64_t lock_acq;		/* successful acquisitions */
	uint64_t lock_tryfail;		/* trylock ok=0 */
	uint64_t lock_rel;		/* releases (a lock event is both) */
	uint64_t lock_site[SITE_COUNT + 1];
	uint64_t wait_ns, wait_max;	/* over every acquisition */
	uint64_t hold_ns, hold_max;	/* over every release */
	uint64_t steal_in;		/* takeover ok=1 done by this thread */
	uint64_t steal_out;		/* takeover ok=1 from this thread */
	uint64_t steal_fail;		/* takeover ok=0 done by this thread */
	uint64_t stolen_freed;		/* io_cb_stolen */
	uint64_t flag_set, flag_clear;
	uint64_t idle_insert, idle_remove;
	uint64_t conn_new, conn_free;
	uint64_t wakeups, wakeups_remote;
};

#define MV_BLOCK	64	/* events summarised by one kind mask */

/* Per lane and block, how many of the lane's events of the block are of
 * each of these classes (at most MV_BLOCK: a byte each). The viewer bins
 * columns from these counts, so a column of a million events costs a few
 * thousand additions, and no event is hidden by another. */
enum mv_bcount {
	MV_BC_FRONT_FAST = 0,	/* io_cb side=front path=fast */
	MV_BC_FRONT_LOCKED,
	MV_BC_BACK_FAST,	/* io_cb side=back (or out of range) */
	MV_BC_BACK_LOCKED,
	MV_BC_FLAG_SET,
	MV_BC_FLAG_CLEAR,
	MV_BC_STOLEN,		/* io_cb_stolen: a stolen tasklet freed */
	MV_BC_LOCK,		/* lock_acquire ok=1, lock ok=1 */
	MV_BC_COUNT
};

struct mv_bcnt {
	uint8_t n[MV_BC_COUNT];
};

/*
 * One lane: the events of one engine thread. A lane keeps no list of its
 * events (that would cost 4 bytes per event): it keeps, for each block of
 * MV_BLOCK global events, the kinds of its own events in that block.
 * Binning and stepping walk the global array and skip the blocks where the
 * lane has nothing.
 */
struct mv_lane {
	uint16_t *bmask;	/* kinds of this lane's events per block */
	size_t nbmask, bcap;	/* blocks covered (later ones are empty) */
	struct mv_bcnt *bcnt;	/* parallel to bmask: counts per class */
	size_t bccap;
	uint64_t nev;		/* events of this lane */
	uint32_t *locks;	/* lock_acquire events (span starts), or
				 * lock events (whole spans, format 2) */
	uint32_t *lrel;		/* parallel: its release, or MV_NONE; NULL
				 * until the lane's first lock_acquire
				 * (format 1): a format 2 lock event is its
				 * own release */
	size_t nlocks, lcap, lrcap;
	uint32_t *steals;	/* takeover ok=1 as stealer or victim */
	size_t nsteals, scap;
	uint32_t open_lock;	/* acquire not yet released, or MV_NONE */
	size_t open_lock_i;	/* its index in locks[] */
	int vtid;		/* first vtid seen, -1 if none */
	int vtid_multi;		/* several vtids used this tid (the reader
				 * reads one event's vtid in 256) */
	struct mv_thread_stats st;
};

/* Connection summary, built by model_finish(). */
struct mv_conn {
	uint32_t first, last;	/* first and last event touching it */
	uint32_t nev;		/* events touching it (incl. its tasklets) */
	uint8_t mux, side;	/* from the first event carrying them */
	uint8_t tid_new;	/* thread of conn_new, MV_TID_NONE if unseen */
	uint8_t tid_last;	/* owner at the end (after steals) */
	uint16_t steals;	/* successful takeovers */
	uint16_t usr1_sets;
};

/* Life-cycle states of a connection (model_conn_life()). */
enum mv_conn_state {
	MV_CS_UNKNOWN = 0,
	MV_CS_NEW,		/* conn_new */
	MV_CS_ACTIVE,		/* a stream attached (or flag cleared) */
	MV_CS_USR1,		/* TASK_F_USR1 set, not yet in a list */
	MV_CS_IDLE,		/* in an idle/safe/avail list */
	MV_CS_STOLEN,		/* taken over, on its new thread */
	MV_CS_FREED,
	MV_CS_COUNT
};

struct mv_life_step {
	enum mv_conn_state state;
	uint32_t ev;		/* event that caused it */
	int tid;
	int other;		/* steals: the other thread */
	int list;		/* idle: which list */
};

/* run_start / run_end */
struct mv_run {
	int have_start, have_end;
	int mode;		/* enum lab_mode, -1 if unknown */
	char *bug;
	char *scenario;
	int nbthread;
	uint64_t seed;
	unsigned int usr1_bit;
	uint64_t requests_ok, requests_err, takeovers;
};

/* An event name and its count (for events the model does not store). */
struct mv_name {
	char *name;
	uint64_t count;
};

/* Map from 64-bit ids to dense 32-bit indexes: a direct-indexed window
 * for sequence-number ids, else open addressing where a slot holds only
 * the dense index (+1); the id is read back from ids[], so a slot costs
 * 4 bytes. A small direct-mapped cache catches the ids of the last
 * events, which repeat. */
#define MV_IDCACHE	4096

struct mv_idmap {
	uint32_t *slots;	/* dense index + 1, 0 = empty */
	size_t cap;		/* power of two */
	size_t n;
	uint64_t *ids;		/* dense index -> id */
	size_t ids_cap;
	uint64_t cache_id[MV_IDCACHE];
	uint32_t cache_val[MV_IDCACHE];
	uint64_t max_id;	/* largest id seen */
	/* ids are mostly sequence numbers: those in [dbase, dbase + dlen)
	 * are indexed directly (dense index + 1, 0 = not there), the others
	 * go to the hash; dir stays within a few words per id. */
	uint32_t *dir;
	size_t dlen, dcap;
	uint64_t dbase;		/* 0: not set yet */
	size_t nhash;		/* ids in the hash slots */
	int oom;		/* an allocation failed */
};

struct mv_big {			/* exact value of a saturated field */
	uint32_t ev;
	uint64_t val;
};

struct mv_flags {		/* flag_set / flag_clear states */
	unsigned int old_state, new_state;
};

struct model {
	struct mv_rec *ev;		/* every stored event, ts order */
	size_t nev, cap;
	uint64_t *tbase;		/* time of each block's first event */
	size_t tbase_cap;
	struct mv_big *tbig;		/* exact times of saturated dt */
	size_t ntbig, tbig_cap;
	uint16_t *blk;			/* kind mask per MV_BLOCK events */
	size_t blk_cap;
	size_t reserve;			/* events model_reserve() made room for */
	struct mv_lane *lanes;		/* indexed by tid */
	int nlanes;			/* highest tid seen + 1 */
	struct mv_idmap conns;		/* conn id -> dense */
	struct mv_idmap tls;		/* tasklet id -> dense */
	struct mv_flags *flags;		/* distinct flag states (interned) */
	size_t nflags, flags_cap;
	struct mv_idmap flagmap;	/* old_state << 32 | new_state -> slot */
	struct mv_idmap statemap;	/* io_cb state -> slot (ids = states) */
	struct mv_big *big;
	size_t nbig, big_cap;
	uint32_t *discards;		/* discarded markers (event indexes) */
	size_t ndiscards, dcap;
	uint32_t *modes;		/* mode_change events (indexes) */
	size_t nmodes, mcap;
	struct mv_name *names;		/* foreign and unknown event names */
	size_t nnames, names_cap;
	struct mv_run run;
	uint64_t type_count[MV_T_COUNT];
	uint64_t events_total;		/* every event read, stored or not */
	uint64_t discarded;		/* events the tracer lost */
	uint64_t discarded_packets;	/* packets the tracer lost */
	uint64_t bad_tid;		/* events with a tid out of range */
	uint64_t unordered;		/* events older than their predecessor */
	uint64_t t_first, t_last;	/* first and last stored timestamp */
	uint32_t *tl_conn;		/* dense tl -> dense conn (0 = unknown) */
	size_t tl_conn_n, tl_conn_cap;
	/* built by model_finish() */
	int finished;
	struct mv_conn *conn_info;	/* dense conn -> summary */
	size_t nconn_info;
};

#endif /* MUXVIEW_MODEL_T_H */
