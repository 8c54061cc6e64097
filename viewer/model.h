/*
 * model.h - building and querying the trace model.
 *
 * Life cycle: model_init(), model_add() for every event in timestamp order
 * (model_add_name() for events of other providers), model_finish(), then
 * any number of queries, model_free(). A model may be queried while it is
 * still being built (the UI paints during the load); only the per-
 * connection summaries need model_finish(). Single-threaded.
 */
#ifndef MUXVIEW_MODEL_H
#define MUXVIEW_MODEL_H

#include <stdio.h>

#include "model-t.h"

void model_init(struct model *m);
void model_free(struct model *m);
int model_add(struct model *m, const struct mv_event *e);
int model_add_name(struct model *m, const char *name);
int model_finish(struct model *m);
size_t model_memory(const struct model *m);
int model_reserve(struct model *m, size_t nev);
/* the vtid lane <tid> was first seen with, -1 if none yet (or no lane) */
static inline int model_lane_vtid(const struct model *m, int tid)
{
	return tid >= 0 && tid < m->nlanes ? m->lanes[tid].vtid : -1;
}

/* saving a model and loading it back (the reader's index cache) */
struct mv_io {
	int fd;
	int err;		/* a read or write failed, or bad data */
	uint64_t hash;		/* running hash of every chunk */
	uint64_t left;		/* model_load(): bytes left to read */
	uint64_t written;	/* bytes given to mv_io_write() in all */
	/* writing through a staging buffer (an O_DIRECT fd): <sbuf>, of
	 * <scap> bytes, both multiples of MV_IO_ALIGN, <sn> of them filled;
	 * sbuf NULL: plain write()s */
	char *sbuf;
	size_t scap, sn;
};

#define MV_IO_ALIGN	4096	/* O_DIRECT: buffer, length, file offset */

void mv_io_write(struct mv_io *io, const void *p, size_t len);
int mv_io_flush(struct mv_io *io);

int model_save(const struct model *m, struct mv_io *io);
int model_load(struct model *m, struct mv_io *io);
uint64_t mv_hash(uint64_t h, const void *p, size_t len);

/* id remaps */
uint64_t model_conn_id(const struct model *m, uint32_t dense);
uint64_t model_tl_id(const struct model *m, uint32_t dense);
uint32_t model_conn_find(const struct model *m, uint64_t id);
uint32_t model_rec_conn(const struct model *m, uint32_t ev);

/* decoding a record back to the contract's fields */
void model_decode(const struct model *m, uint32_t ev, struct mv_event *e);
uint64_t model_rec_ns(const struct model *m, uint32_t ev);
uint64_t model_lock_hold(const struct model *m, uint32_t ev);
unsigned int model_lock_inside(const struct model *m, uint32_t ev);
int model_lock_span(const struct model *m, const struct mv_lane *l,
		    size_t i, uint64_t *ws, uint64_t *ats, uint64_t *rts);
unsigned int model_io_state(const struct model *m, uint32_t ev);
void model_flag_states(const struct model *m, uint32_t ev,
		       unsigned int *old_state, unsigned int *new_state);
uint32_t model_lock_partner(const struct model *m, uint32_t ev);
unsigned int mv_rec_kinds(const struct mv_rec *r);
int mv_rec_bclass(const struct mv_rec *r);
int mv_kind_of(const struct mv_rec *r);

/* searching */
uint32_t model_lower_bound(const struct model *m, uint64_t ts);
uint32_t model_find_kind(const struct model *m, uint32_t from, int dir,
			 unsigned int kinds, int tid);
uint32_t model_lane_step(const struct model *m, uint32_t from, int dir,
			 int tid);
unsigned int lane_kinds(const struct model *m, int tid, uint32_t lo,
			uint32_t hi);
unsigned int lane_bin(const struct model *m, int tid, uint32_t lo,
		      uint32_t hi, uint32_t n[MV_BC_COUNT]);

/* connections */
int model_conn_life(const struct model *m, uint32_t conn,
		    struct mv_life_step *steps, int max, uint32_t upto);
int model_rec_touches(const struct model *m, uint32_t ev, uint32_t conn);

/* names */
const char *mv_type_name(int type);
const char *mv_mux_name(int v);
const char *mv_side_name(int v);
const char *mv_path_name(int v);
const char *mv_mode_name(int v);
const char *mv_site_name(int v);
const char *mv_list_name(int v);
const char *mv_reason_name(int v);
const char *mv_cs_name(int v);
const char *mv_show_state(char *buf, size_t len, unsigned int state);
int mv_type_from_name(const char *name);

uint64_t model_ts_big(const struct model *m, uint32_t ev);

/* Timestamp of event <ev> (ns from the clock origin). */
static inline uint64_t model_ts(const struct model *m, uint32_t ev)
{
	uint32_t d = m->ev[ev].dt;

	return d != MV_SAT32 ? m->tbase[ev / MV_BLOCK] + d :
	       model_ts_big(m, ev);
}

/* Accessors of the small fields of a record. */
static inline int mv_rec_mux(const struct mv_rec *r)
{
	return (r->bits >> MV_B_MUX_SHIFT) & 3;
}

static inline int mv_rec_side(const struct mv_rec *r)
{
	return (r->bits >> MV_B_SIDE_SHIFT) & 3;
}

static inline int mv_rec_bool(const struct mv_rec *r)
{
	return !!(r->bits & MV_B_BOOL);
}

static inline int mv_rec_trylock(const struct mv_rec *r)
{
	return !!(r->bits & MV_B_TRYLOCK);
}

static inline int mv_rec_site(const struct mv_rec *r)
{
	return (r->bits >> MV_B_SITE_SHIFT) & 15;
}

static inline int mv_rec_list(const struct mv_rec *r)
{
	return (r->bits >> MV_B_LIST_SHIFT) & 7;
}

static inline int mv_rec_reason(const struct mv_rec *r)
{
	return (r->bits >> MV_B_REASON_SHIFT) & 7;
}

static inline int mv_rec_from(const struct mv_rec *r)
{
	return (r->bits >> MV_B_FROM_SHIFT) & 255;
}

/* conn of a record that carries a conn field, else 0 */


/* tasklet of a record that carries a tl field, else 0 */
static inline uint32_t mv_rec_tl(const struct mv_rec *r)
{
	switch (r->type) {
	case MV_T_WAKEUP: case MV_T_IO_CB: case MV_T_IO_CB_STOLEN:
	case MV_T_FLAG_SET: case MV_T_FLAG_CLEAR:
		return r->b;
	}
	return 0;
}

static inline int mv_rec_has_mux(const struct mv_rec *r)
{
	switch (r->type) {
	case MV_T_IO_CB: case MV_T_IO_CB_STOLEN:
	case MV_T_FLAG_SET: case MV_T_FLAG_CLEAR:
	case MV_T_TAKEOVER: case MV_T_IDLE_INSERT: case MV_T_IDLE_REMOVE:
	case MV_T_STREAM_ATTACH: case MV_T_STREAM_DETACH:
	case MV_T_CONN_NEW: case MV_T_CONN_FREE:
		return 1;
	}
	return 0;
}

static inline uint32_t mv_rec_conn_field(const struct mv_rec *r)
{
	return r->type != MV_T_IO_CB_STOLEN && mv_rec_has_mux(r) ? r->a : 0;
}

static inline int mv_rec_has_side(const struct mv_rec *r)
{
	switch (r->type) {
	case MV_T_IO_CB: case MV_T_STREAM_ATTACH: case MV_T_STREAM_DETACH:
	case MV_T_CONN_NEW: case MV_T_CONN_FREE:
		return 1;
	}
	return 0;
}

#endif /* MUXVIEW_MODEL_H */
