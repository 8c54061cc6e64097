/*
 * test_model.c - unit tests of the viewer's model, checker, statistics
 * and formatting, on synthetic event streams (no lttng, no terminal).
 *
 * Prints one "PASS name" / "FAIL name: reason" line per case; exits 1 if
 * any case failed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fmt.h"
#include "model.h"
#include "stats.h"
#include "synth.h"

static int failures;

#define CHECK(name, cond, ...) do {					\
	if (cond) {							\
		printf("PASS %s\n", name);				\
	} else {							\
		printf("FAIL %s: ", name);				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		failures++;						\
	}								\
} while (0)

static void build(struct model *m, int bug, int legacy)
{
	model_init(m);
	synth_fail = 0;
	synth_scenario(m, bug, legacy);
	model_finish(m);
}

static void test_records(void)
{
	struct model m;
	struct mv_event e;
	uint32_t i, acq = MV_NONE;
	int ok = 1;

	build(&m, 0, 0);
	CHECK("model.build", !synth_fail && m.nev > 30 && m.nlanes == 2,
	      "nev=%zu lanes=%d", m.nev, m.nlanes);
	CHECK("model.record_size", sizeof(struct mv_rec) == 16,
	      "sizeof(struct mv_rec) = %zu", sizeof(struct mv_rec));
	CHECK("model.run", m.run.have_start && m.run.mode == MODE_USR1 &&
	      m.run.seed == 42 && !strcmp(m.run.scenario, "synth") &&
	      m.run.have_end && m.run.takeovers == 1, "run info wrong");

	/* every record decodes back to what was added */
	for (i = 0; i < m.nev; i++) {
		model_decode(&m, i, &e);
		if (e.type == MV_T_TAKEOVER &&
		    (e.conn != 11 || e.from_tid != 0 || e.old_tl != 101 ||
		     e.new_tl != 102 || !e.ok || e.mux != MUX_H2))
			ok = 0;
		if (e.type == MV_T_FLAG_SET &&
		    (e.old_state != TASK_F_TASKLET ||
		     e.new_state != (TASK_F_TASKLET | TASK_F_USR1) ||
		     e.tl != 101 || e.conn != 11))
			ok = 0;
		if (e.type == MV_T_IDLE_INSERT &&
		    (e.list != LIST_SAFE || e.srv != 1 || e.conn != 11))
			ok = 0;
		if (e.type == MV_T_STREAM_ATTACH && e.stream != 500 &&
		    e.stream != 600)
			ok = 0;
		if (e.type == MV_T_LOCK_ACQ && e.site == SITE_STEAL_SCAN &&
		    !e.trylock)
			ok = 0;
		if (e.type == MV_T_LOCK_ACQ && e.ok && acq == MV_NONE)
			acq = i;
	}
	CHECK("model.decode_roundtrip", ok, "a decoded field differs");
	CHECK("model.lock_pairing", acq != MV_NONE &&
	      model_lock_partner(&m, acq) != MV_NONE &&
	      m.ev[model_lock_partner(&m, acq)].type == MV_T_LOCK_REL &&
	      model_lock_partner(&m, model_lock_partner(&m, acq)) == acq,
	      "acquire %u not paired", acq);
	CHECK("model.steal_on_both_lanes", m.lanes[0].nsteals == 1 &&
	      m.lanes[1].nsteals == 1 && m.lanes[1].st.steal_in == 1 &&
	      m.lanes[0].st.steal_out == 1, "steals %zu/%zu",
	      m.lanes[0].nsteals, m.lanes[1].nsteals);
	CHECK("model.vtid", m.lanes[0].vtid == 1000 && m.lanes[1].vtid == 1001,
	      "vtids %d %d", m.lanes[0].vtid, m.lanes[1].vtid);
	model_free(&m);
}

static void test_big_values(void)
{
	struct model m;
	struct mv_event e;

	model_init(&m);
	s_lock(&m, 0, 0, SITE_PURGE, 0, 1, 6000000000ULL);	/* 6 s */
	s_unlock(&m, 0, 0, SITE_PURGE, 5000000000ULL);
	s_lock(&m, 0, 0, SITE_PURGE, 0, 1, 7);
	model_decode(&m, 0, &e);
	CHECK("model.wait_ns_64bit", e.ns == 6000000000ULL, "got %" PRIu64,
	      e.ns);
	model_decode(&m, 1, &e);
	CHECK("model.hold_ns_64bit", e.ns == 5000000000ULL, "got %" PRIu64,
	      e.ns);
	model_decode(&m, 2, &e);
	CHECK("model.small_ns", e.ns == 7, "got %" PRIu64, e.ns);
	CHECK("model.stats_wait", m.lanes[0].st.wait_max == 6000000000ULL &&
	      m.lanes[0].st.wait_ns == 6000000007ULL, "wait stats wrong");
	model_free(&m);
}

/* Values that do not fit the record: interned slots past 11 bits, 64-bit
 * streams, ids far from the sequence-number window. */
static void test_wide_values(void)
{
	static uint64_t ids[30000];
	struct model m;
	struct mv_event e;
	uint32_t i, n = 0;
	int ok = 1, dense_ok = 1;

	model_init(&m);
	for (i = 0; i < 3000; i++) {
		memset(&e, 0, sizeof(e));
		e.type = i % 2 ? MV_T_IO_CB : MV_T_FLAG_SET;
		e.ts = 1000 + i;
		e.tid = 0;
		e.vtid = -1;
		e.conn = 7;
		e.tl = 8;
		e.state = 0x100000u + i;
		e.old_state = i;
		e.new_state = 0x200000u + i;
		if (model_add(&m, &e) < 0)
			ok = 0;
	}
	memset(&e, 0, sizeof(e));
	e.type = MV_T_STREAM_ATTACH;
	e.ts = 5000;
	e.tid = 0;
	e.vtid = -1;
	e.conn = 7;
	e.stream = (1ULL << 40) | 5;
	if (model_add(&m, &e) < 0)
		ok = 0;
	for (i = 0; i < 3000; i++) {
		model_decode(&m, i, &e);
		if (i % 2 ? e.state != 0x100000u + i :
		    e.old_state != i || e.new_state != 0x200000u + i)
			ok = 0;
	}
	model_decode(&m, 3000, &e);
	CHECK("model.wide_slots_and_stream", ok && e.stream == ((1ULL << 40) |
	      5), "stream %" PRIu64, e.stream);
	model_free(&m);

	/* sequential ids, far ones, ones below the first, repeats */
	model_init(&m);
	for (i = 0; i < 30000; i++) {
		uint64_t id = i % 5 == 1 ? (1ULL << 40) + i * 7919ULL :
			      i % 7 == 2 ? 1 + i / 7 : 100000 + i * 3ULL;

		memset(&e, 0, sizeof(e));
		e.type = MV_T_CONN_FREE;
		e.ts = 1000 + i;
		e.tid = 0;
		e.vtid = -1;
		e.conn = id;
		if (model_add(&m, &e) < 0)
			dense_ok = 0;
		ids[n++] = id;
		if (i % 11 == 0) {	/* a repeat of an older id */
			e.conn = ids[i / 2];
			if (model_add(&m, &e) < 0)
				dense_ok = 0;
		}
	}
	for (i = 0; i < n; i++) {
		uint32_t d = model_conn_find(&m, ids[i]);

		if (d == MV_NONE || d == 0 || model_conn_id(&m, d) != ids[i])
			dense_ok = 0;
	}
	CHECK("model.idmap_mixed_ids", dense_ok && m.conns.n == n + 1 &&
	      model_conn_find(&m, 100001) == MV_NONE, "n=%zu", m.conns.n);
	model_free(&m);
}

static void test_ids_and_life(void)
{
	struct mv_life_step st[16];
	struct model m;
	uint32_t c11, stolen_io = MV_NONE, i;
	int n, k;
	static const enum mv_conn_state want[] = {
		MV_CS_NEW, MV_CS_ACTIVE, MV_CS_USR1, MV_CS_IDLE,
		MV_CS_STOLEN, MV_CS_ACTIVE, MV_CS_FREED,
	};

	build(&m, 0, 0);
	c11 = model_conn_find(&m, 11);
	CHECK("model.conn_remap", c11 != MV_NONE && c11 != 0 &&
	      model_conn_id(&m, c11) == 11 && model_conn_find(&m, 999) ==
	      MV_NONE, "dense id %u", c11);
	for (i = 0; i < m.nev; i++)
		if (m.ev[i].type == MV_T_IO_CB && m.ev[i].a == 0)
			stolen_io = i;
	CHECK("model.stolen_io_cb_maps_to_conn", stolen_io != MV_NONE &&
	      model_rec_conn(&m, stolen_io) == c11,
	      "io_cb with conn=0 of tasklet 101 not mapped to conn 11");
	CHECK("model.conn_summary", m.conn_info[c11].steals == 1 &&
	      m.conn_info[c11].tid_new == 0 && m.conn_info[c11].tid_last == 1
	      && m.conn_info[c11].mux == MUX_H2 &&
	      m.conn_info[c11].side == SIDE_BACK, "steals=%u new=%u last=%u",
	      m.conn_info[c11].steals, m.conn_info[c11].tid_new,
	      m.conn_info[c11].tid_last);
	n = model_conn_life(&m, c11, st, 16, MV_NONE);
	for (k = 0; k < n && k < 7; k++)
		if (st[k].state != want[k])
			break;
	CHECK("model.conn_life", n == 7 && k == 7 && st[4].tid == 1 &&
	      st[4].other == 0 && st[3].list == LIST_SAFE,
	      "n=%d, first mismatch at step %d (%s)", n, k,
	      k < n ? mv_cs_name(st[k].state) : "-");
	n = model_conn_life(&m, c11, st, 16, st[3].ev);
	CHECK("model.conn_life_upto", n == 4 && st[3].state == MV_CS_IDLE,
	      "n=%d", n);
	model_free(&m);
}

static void test_find(void)
{
	struct model m;
	uint32_t e, f;

	build(&m, 0, 0);
	e = model_find_kind(&m, MV_NONE, 1, MV_KBIT(MV_K_STEAL), -1);
	CHECK("model.find_next_steal", e != MV_NONE &&
	      m.ev[e].type == MV_T_TAKEOVER, "got %u", e);
	f = model_find_kind(&m, e, 1, MV_KBIT(MV_K_STEAL), -1);
	CHECK("model.find_no_second_steal", f == MV_NONE, "got %u", f);
	f = model_find_kind(&m, e, 1, MV_KBIT(MV_K_STEAL), 0);
	CHECK("model.find_steal_victim_lane",
	      model_find_kind(&m, MV_NONE, 1, MV_KBIT(MV_K_STEAL), 0) == e,
	      "the victim's lane does not find its steal");
	f = model_find_kind(&m, (uint32_t)m.nev - 1, -1,
			    MV_KBIT(MV_K_FLAG_SET), -1);
	CHECK("model.find_prev_flag", f != MV_NONE &&
	      m.ev[f].type == MV_T_FLAG_SET, "got %u", f);
	CHECK("model.lower_bound", model_lower_bound(&m, model_ts(&m, 5)) == 5 &&
	      model_lower_bound(&m, m.t_last + 1) == m.nev, "bad bound");
	CHECK("model.lane_kinds", (lane_kinds(&m, 1, 0, (uint32_t)m.nev) &
				   MV_KBIT(MV_K_STEAL)) &&
	      !(lane_kinds(&m, 1, 0, (uint32_t)m.nev) &
		MV_KBIT(MV_K_FLAG_SET)), "lane 1 kinds wrong");
	e = model_lane_step(&m, MV_NONE, 1, 1);
	f = e != MV_NONE ? model_lane_step(&m, e, 1, 1) : MV_NONE;
	CHECK("model.lane_step", e != MV_NONE && m.ev[e].tid == 1 &&
	      f > e && f != MV_NONE && m.ev[f].tid == 1 &&
	      model_lane_step(&m, f, -1, 1) == e &&
	      model_lane_step(&m, e, -1, 1) == MV_NONE, "e=%u f=%u", e, f);
	model_free(&m);
}

static void test_check(void)
{
	struct check_result r;
	struct model m;
	char name[64];
	int bug, inv, others;

	build(&m, 0, 0);
	check_run(&m, &r);
	CHECK("check.clean_usr1", r.total == 0 && check_exit_status(&r) == 0 &&
	      r.checked[4] == 1 && r.checked[1] == 2,
	      "%" PRIu64 " violations (first: %s)", r.total,
	      r.nv ? r.v[0].what : "-");
	check_free(&r);
	model_free(&m);

	build(&m, 0, 1);
	check_run(&m, &r);
	CHECK("check.clean_legacy", r.total == 0 && !r.applies[1] &&
	      r.applies[6] && check_exit_status(&r) == 0,
	      "%" PRIu64 " violations (first: %s)", r.total,
	      r.nv ? r.v[0].what : "-");
	check_free(&r);
	model_free(&m);

	/* an io_cb traced path=fast that takes the lock at site io_cb: a
	 * front one breaks invariant 1 (usr1), a back one invariant 5 */
	for (bug = 11; bug <= 12; bug++) {
		int want = bug == 11 ? 1 : 5;

		build(&m, bug, 0);
		check_run(&m, &r);
		snprintf(name, sizeof(name), "check.fast_io_cb_locks_inv%d", want);
		CHECK(name, r.count[want] == 1 && r.total == 1 &&
		      check_exit_status(&r) == 1,
		      "count[%d]=%" PRIu64 ", total %" PRIu64 " (first: inv%d %s)",
		      want, r.count[want], r.total, r.nv ? r.v[0].inv : 0,
		      r.nv ? r.v[0].what : "-");
		check_free(&r);
		model_free(&m);
	}

	/* each planted bug must fail its invariant, and only it */
	for (bug = 1; bug <= CHECK_NINV; bug++) {
		build(&m, bug, bug == 6);
		check_run(&m, &r);
		others = 0;
		for (inv = 1; inv <= CHECK_NINV; inv++)
			if (inv != bug && r.count[inv])
				others++;
		snprintf(name, sizeof(name), "check.violates_inv%d", bug);
		CHECK(name, r.count[bug] >= 1 && !others &&
		      check_exit_status(&r) == 1,
		      "count[%d]=%" PRIu64 ", %d other invariants failed "
		      "(first: inv%d %s)", bug, r.count[bug], others,
		      r.nv ? r.v[0].inv : 0, r.nv ? r.v[0].what : "-");
		snprintf(name, sizeof(name), "check.report_inv%d", bug);
		CHECK(name, r.nv >= 1 && r.v[0].ev < m.nev && r.v[0].what[0],
		      "no violation record");
		check_free(&r);
		model_free(&m);
	}

	/* a stolen tasklet running on the wrong thread */
	model_init(&m);
	s_run_start(&m, MODE_USR1, 2);
	s_takeover(&m, 1, 11, MUX_H1, 0, 101, 102, 1);
	s_io_cb(&m, 1, 101, 0, MUX_H1, SIDE_BACK, USR1_ST, PATH_LOCKED);
	s_lock(&m, 1, 1, SITE_IO_CB, 0, 1, 0);
	s_stolen(&m, 1, 101, MUX_H1);
	s_unlock(&m, 1, 1, SITE_IO_CB, 0);
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.inv4_wrong_thread", r.count[4] >= 1 && r.total ==
	      r.count[4], "count[4]=%" PRIu64, r.count[4]);
	check_free(&r);
	model_free(&m);

	/* the old tasklet was already dequeued on T0: its io_cb is traced
	 * before the takeover, then waits for T0's lock held by the stealer:
	 * that io_cb is the one that dies, no violation */
	model_init(&m);
	s_run_start(&m, MODE_USR1, 2);
	s_lock(&m, 1, 0, SITE_STEAL_SCAN, 1, 1, 0);
	s_io_cb(&m, 0, 101, 11, MUX_H2, SIDE_BACK, USR1_ST, PATH_LOCKED);
	s_takeover(&m, 1, 11, MUX_H2, 0, 101, 102, 1);
	s_idle(&m, 0, 1, 11, MUX_H2, LIST_SAFE, REASON_STEAL);
	s_unlock(&m, 1, 0, SITE_STEAL_SCAN, 300);
	s_lock(&m, 0, 0, SITE_IO_CB, 0, 1, 250);
	s_stolen(&m, 0, 101, MUX_H2);
	s_unlock(&m, 0, 0, SITE_IO_CB, 10);
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.inv4_io_cb_waits_for_stealer", r.total == 0 &&
	      r.checked[4] == 1, "%" PRIu64 " violations (first: %s)",
	      r.total, r.nv ? r.v[0].what : "-");
	check_free(&r);
	model_free(&m);

	/* two locks at once */
	model_init(&m);
	s_run_start(&m, MODE_LEGACY, 2);
	s_lock(&m, 0, 0, SITE_BACKEND_GET, 0, 1, 0);
	s_lock(&m, 0, 1, SITE_STEAL_SCAN, 1, 1, 0);
	s_unlock(&m, 0, 1, SITE_STEAL_SCAN, 0);
	s_unlock(&m, 0, 0, SITE_BACKEND_GET, 0);
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.inv5_two_locks", r.count[5] == 1, "count[5]=%" PRIu64,
	      r.count[5]);
	check_free(&r);
	model_free(&m);

	/* events lost: inconclusive, whatever else */
	build(&m, 0, 0);
	s_discarded(&m, 12);
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.discarded_inconclusive", check_exit_status(&r) == 2 &&
	      m.discarded == 12, "status %d", check_exit_status(&r));
	check_free(&r);
	model_free(&m);

	/* no run_start: only invariant 5, inconclusive when clean */
	model_init(&m);
	s_lock(&m, 0, 0, SITE_IO_CB, 0, 1, 0);
	s_unlock(&m, 0, 0, SITE_IO_CB, 0);
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.no_run_start", check_exit_status(&r) == 2 &&
	      !r.applies[1] && r.applies[5], "status %d",
	      check_exit_status(&r));
	check_free(&r);
	s_lock(&m, 0, 0, SITE_IO_CB, 0, 1, 0);	/* never released */
	model_finish(&m);
	check_run(&m, &r);
	CHECK("check.no_run_start_violation", check_exit_status(&r) == 1 &&
	      r.count[5] == 1, "status %d", check_exit_status(&r));
	check_free(&r);
	model_free(&m);
}

/* A run whose threads change mode: each invariant applies in the
 * intervals of its mode, per thread (mode_change events). */
static void test_check_modes(void)
{
	static const int bugs[] = { 1, 2, 6 };
	struct check_result r;
	struct mv_event e;
	struct model m;
	char name[64];
	size_t k;
	int inv, others;

	model_init(&m);
	synth_mixed(&m, 0);
	model_finish(&m);
	CHECK("modes.recorded", m.nmodes == 3 &&
	      m.type_count[MV_T_MODE_CHANGE] == 3, "nmodes=%zu", m.nmodes);
	model_decode(&m, m.modes[0], &e);
	CHECK("modes.decode", e.type == MV_T_MODE_CHANGE && e.tid == 0 &&
	      e.old_mode == MODE_LEGACY && e.new_mode == MODE_USR1 &&
	      e.marked == 1, "type %d tid %d %d->%d marked %u", e.type, e.tid,
	      e.old_mode, e.new_mode, e.marked);
	check_run(&m, &r);
	CHECK("modes.clean_mixed", r.total == 0 && check_exit_status(&r) == 0 &&
	      r.applies[1] && r.applies[6] && r.mode_changes == 3 &&
	      r.checked[1] == 3 && r.checked[6] == 3,
	      "%" PRIu64 " violations (first: %s), checked inv1 %" PRIu64
	      " inv6 %" PRIu64, r.total, r.nv ? r.v[0].what : "-",
	      r.checked[1], r.checked[6]);
	check_free(&r);
	model_free(&m);

	/* a mistake inside one interval fails that interval's invariant,
	 * and nothing else */
	for (k = 0; k < sizeof(bugs) / sizeof(bugs[0]); k++) {
		model_init(&m);
		synth_mixed(&m, bugs[k]);
		model_finish(&m);
		check_run(&m, &r);
		others = 0;
		for (inv = 1; inv <= CHECK_NINV; inv++)
			if (inv != bugs[k] && r.count[inv])
				others++;
		snprintf(name, sizeof(name), "modes.violates_inv%d", bugs[k]);
		CHECK(name, r.count[bugs[k]] == 1 && !others &&
		      check_exit_status(&r) == 1,
		      "count[%d]=%" PRIu64 ", %d others (first: inv%d %s)",
		      bugs[k], r.count[bugs[k]], others,
		      r.nv ? r.v[0].inv : 0, r.nv ? r.v[0].what : "-");
		check_free(&r);
		model_free(&m);
	}
}

static void test_stats(void)
{
	const struct stats_row *row;
	struct stats_table t;
	struct model m;

	build(&m, 0, 0);
	stats_build(&m, &t);
	row = stats_find(&t, "io_cb fast");
	CHECK("stats.io_cb_fast", row && row->v[0] == 3 && row->v[1] == 1 &&
	      row->v[2] == 4, "row %s", row ? "wrong" : "missing");
	row = stats_find(&t, "io_cb locked");
	CHECK("stats.io_cb_locked", row && row->v[0] == 1 && row->v[2] == 1,
	      "row %s", row ? "wrong" : "missing");
	row = stats_find(&t, "trylock failures");
	CHECK("stats.trylock", row && row->v[1] == 1, "wrong");
	row = stats_find(&t, "back h2 locked");
	CHECK("stats.by_side_mux", row && row->v[0] == 1, "wrong");
	row = stats_find(&t, "lock hold total (us)");
	CHECK("stats.hold", row && row->v[2] == 30 + 40 + 30 + 300 + 60,
	      "hold %" PRIu64, row ? row->v[2] : 0);
	stats_free(&t);
	CHECK("stats.type_count", m.type_count[MV_T_IO_CB] == 5 &&
	      m.events_total == m.nev, "io_cb %" PRIu64,
	      m.type_count[MV_T_IO_CB]);
	model_add_name(&m, "other:thing");
	CHECK("stats.foreign_name", m.nnames == 1 && m.events_total ==
	      m.nev + 1, "names %zu", m.nnames);
	model_free(&m);
}

static void test_fmt(void)
{
	char buf[256];
	uint64_t ns = 0;
	struct model m;
	uint32_t i;

	CHECK("fmt.state", !strcmp(mv_show_state(buf, sizeof(buf), 0x10040),
				   "USR1|IN_LIST"), "got %s", buf);
	CHECK("fmt.state_unknown", !strcmp(mv_show_state(buf, sizeof(buf),
							 0x80000040),
					   "IN_LIST|0x80000000"), "got %s",
	      buf);
	CHECK("fmt.state_zero", !strcmp(mv_show_state(buf, sizeof(buf), 0),
					"0"), "got %s", buf);
	CHECK("fmt.time_s", fmt_parse_time("1.25", &ns) == 0 &&
	      ns == 1250000000ULL, "got %" PRIu64, ns);
	CHECK("fmt.time_ms", fmt_parse_time("1250ms", &ns) == 0 &&
	      ns == 1250000000ULL, "got %" PRIu64, ns);
	CHECK("fmt.time_us", fmt_parse_time("+40us", &ns) == 0 &&
	      ns == 40000, "got %" PRIu64, ns);
	CHECK("fmt.time_ns", fmt_parse_time("7ns", &ns) == 0 && ns == 7,
	      "got %" PRIu64, ns);
	CHECK("fmt.time_s_unit", fmt_parse_time("0.000000001s", &ns) == 0 &&
	      ns == 1, "got %" PRIu64, ns);
	CHECK("fmt.time_bad", fmt_parse_time("abc", &ns) < 0 &&
	      fmt_parse_time("1.2x", &ns) < 0 && fmt_parse_time("", &ns) < 0,
	      "accepted garbage");
	CHECK("fmt.time_print", !strcmp(fmt_time(buf, sizeof(buf),
						 1250000001ULL),
					"1.250000001"), "got %s", buf);

	build(&m, 0, 0);
	for (i = 0; i < m.nev; i++)
		if (m.ev[i].type == MV_T_IO_CB &&
		    model_io_state(&m, i) == USR1_ST)
			break;
	fmt_event(&m, i, buf, sizeof(buf));
	CHECK("fmt.event_io_cb", strstr(buf, "state=0x18040 "
					"USR1|TASKLET|IN_LIST") &&
	      strstr(buf, "path=locked") && strstr(buf, "conn=0") &&
	      strstr(buf, "tl=101"), "got %s", buf);
	model_free(&m);
}

/* model <a> and <b> answer every query alike */
static int same_model(const struct model *a, const struct model *b,
		      char *why, size_t len)
{
	uint32_t i;
	int t;

	if (a->nev != b->nev || a->nlanes != b->nlanes ||
	    memcmp(a->ev, b->ev, a->nev * sizeof(*a->ev)) ||
	    memcmp(a->type_count, b->type_count, sizeof(a->type_count)) ||
	    a->events_total != b->events_total ||
	    a->discarded != b->discarded || a->t_first != b->t_first ||
	    a->t_last != b->t_last || a->nconn_info != b->nconn_info ||
	    memcmp(a->conn_info, b->conn_info,
		   a->nconn_info * sizeof(*a->conn_info)) ||
	    a->nnames != b->nnames || a->ndiscards != b->ndiscards ||
	    a->nmodes != b->nmodes) {
		snprintf(why, len, "counts or records differ");
		return 0;
	}
	for (t = 0; t < a->nlanes; t++) {
		const struct mv_lane *x = &a->lanes[t], *y = &b->lanes[t];

		if (x->nbmask != y->nbmask || x->nlocks != y->nlocks ||
		    x->nsteals != y->nsteals || x->vtid != y->vtid ||
		    memcmp(&x->st, &y->st, sizeof(x->st)) ||
		    memcmp(x->bmask, y->bmask, x->nbmask * 2) ||
		    memcmp(x->bcnt, y->bcnt, x->nbmask * sizeof(*x->bcnt)) ||
		    !x->lrel != !y->lrel ||
		    (x->nlocks && (memcmp(x->locks, y->locks, x->nlocks * 4) ||
				   (x->lrel && memcmp(x->lrel, y->lrel,
						      x->nlocks * 4))))) {
			snprintf(why, len, "lane %d differs", t);
			return 0;
		}
	}
	for (i = 0; i < a->nev; i++) {
		struct mv_event e, f;

		model_decode(a, i, &e);
		model_decode(b, i, &f);
		if (e.ts != f.ts || e.conn != f.conn || e.tl != f.tl ||
		    e.new_tl != f.new_tl || e.state != f.state ||
		    e.old_state != f.old_state || e.ns != f.ns ||
		    e.stream != f.stream || e.count != f.count ||
		    model_rec_conn(a, i) != model_rec_conn(b, i) ||
		    model_lock_partner(a, i) != model_lock_partner(b, i)) {
			snprintf(why, len, "event %u decodes differently", i);
			return 0;
		}
	}
	for (i = 1; i < a->conns.n; i++)
		if (model_conn_find(b, a->conns.ids[i]) != i) {
			snprintf(why, len, "conn id %u not found", i);
			return 0;
		}
	return 1;
}

/* save <m> into a temporary file; its fd (at 0), hash and size */
static int save_tmp(const struct model *m, uint64_t *hash, uint64_t *size)
{
	FILE *f = tmpfile();
	struct mv_io io = { .hash = 7 };

	if (!f)
		return -1;
	io.fd = dup(fileno(f));
	fclose(f);
	if (model_save(m, &io) < 0)
		return -1;
	*hash = io.hash;
	*size = (uint64_t)lseek(io.fd, 0, SEEK_CUR);
	lseek(io.fd, 0, SEEK_SET);
	return io.fd;
}

static void test_save_load(void)
{
	struct model m, l;
	struct mv_event e;
	struct mv_io io;
	uint64_t h = 0, size = 0, ok_loads = 0;
	char why[128] = "";
	unsigned char byte;
	int fd, same, i;

	/* the scenario, a foreign name, wide values, a discarded marker */
	build(&m, 0, 0);
	model_add_name(&m, "other:event");
	memset(&e, 0, sizeof(e));
	e.type = MV_T_LOCK_ACQ;
	e.ts = synth_ts + 7000000000ULL;	/* a saturated time offset */
	e.tid = 1;
	e.vtid = 1001;
	e.ok = 1;
	e.ns = 6000000000ULL;
	model_add(&m, &e);
	e.type = MV_T_DISCARDED;
	e.tid = -1;
	e.count = 12;
	model_add(&m, &e);
	model_finish(&m);

	fd = save_tmp(&m, &h, &size);
	model_init(&l);
	io = (struct mv_io){ .fd = fd, .hash = 7, .left = size };
	same = fd >= 0 && model_load(&l, &io) == 0 && io.hash == h &&
	       same_model(&m, &l, why, sizeof(why));
	CHECK("model.save_load_same", same, "%s", why[0] ? why : "load failed");
	model_free(&l);

	/* a file cut anywhere never loads */
	for (i = 0; fd >= 0 && i < 64; i++) {
		model_init(&l);
		lseek(fd, 0, SEEK_SET);
		io = (struct mv_io){ .fd = fd, .hash = 7,
				     .left = size * (uint64_t)i / 64 };
		if (model_load(&l, &io) == 0)
			ok_loads++;
		model_free(&l);
	}
	CHECK("model.load_truncated_fails", fd >= 0 && ok_loads == 0,
	      "%" PRIu64 " cut files loaded", ok_loads);

	/* a flipped byte: refused, or the hash differs */
	ok_loads = 0;
	for (i = 0; fd >= 0 && i < 64; i++) {
		off_t at = (off_t)(size * (uint64_t)i / 64);

		if (pread(fd, &byte, 1, at) != 1)
			break;
		byte ^= 0x41;
		if (pwrite(fd, &byte, 1, at) != 1)
			break;
		model_init(&l);
		lseek(fd, 0, SEEK_SET);
		io = (struct mv_io){ .fd = fd, .hash = 7, .left = size };
		if (model_load(&l, &io) == 0 && io.hash == h)
			ok_loads++;
		model_free(&l);
		byte ^= 0x41;
		if (pwrite(fd, &byte, 1, at) != 1)
			break;
	}
	CHECK("model.load_damaged_detected", fd >= 0 && i == 64 && !ok_loads,
	      "%" PRIu64 " damaged files passed", ok_loads);
	if (fd >= 0)
		close(fd);
	model_free(&m);
}

/* 1 if model <m>, saved, loads again */
static int saves_and_loads(const struct model *m)
{
	struct model l;
	struct mv_io io;
	uint64_t h = 0, size = 0;
	int fd = save_tmp(m, &h, &size), ok;

	model_init(&l);
	io = (struct mv_io){ .fd = fd, .hash = 7, .left = size };
	ok = fd >= 0 && model_load(&l, &io) == 0 && io.hash == h;
	model_free(&l);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* a lock event of trace format 2 on lane <tid> */
static void s_lock2(struct model *m, int tid, int ok, uint64_t wait_ns,
		    uint64_t hold_ns)
{
	struct mv_event e = synth_ev(MV_T_LOCK, tid);

	e.lock = tid;
	e.site = SITE_ADD_IDLE;
	e.ok = ok;
	e.trylock = !ok;
	e.ns = wait_ns;
	e.hold_ns = hold_ns;
	synth_add(m, &e);
}

/* Format 2 lock events need no lrel[] (a lock event is its own release);
 * a lane that later gets a format 1 acquire has one, and both save and
 * load the same. */
static void test_lock_formats(void)
{
	struct model m, l;
	struct mv_io io;
	uint64_t h = 0, size = 0, ws, ats, rts;
	uint32_t acq = MV_NONE, rel = MV_NONE, lk = MV_NONE, orphan = MV_NONE;
	uint32_t i, *keep;
	char why[128] = "";
	int fd, same;

	synth_fail = 0;
	model_init(&m);
	s_run_start(&m, MODE_USR1, 2);
	s_io_cb(&m, 0, 0x10, 0x20, MUX_H1, SIDE_BACK, 0, PATH_LOCKED);
	s_lock2(&m, 0, 1, 100, 2000);
	s_lock2(&m, 0, 0, 50, 0);
	s_unlock(&m, 0, 0, SITE_PURGE, 5);	/* a release, no acquire */
	s_lock2(&m, 1, 1, 10, 300);
	s_lock(&m, 1, 1, SITE_PURGE, 0, 1, 40);
	s_unlock(&m, 1, 1, SITE_PURGE, 500);
	s_lock2(&m, 1, 1, 20, 700);
	s_run_end(&m);
	model_finish(&m);
	for (i = 0; i < m.nev; i++) {
		if (m.ev[i].type == MV_T_LOCK_ACQ)
			acq = i;
		else if (m.ev[i].type == MV_T_LOCK_REL && m.ev[i].tid == 1)
			rel = i;
		else if (m.ev[i].type == MV_T_LOCK_REL)
			orphan = i;
		else if (m.ev[i].type == MV_T_LOCK && lk == MV_NONE)
			lk = i;
	}
	CHECK("model.lock_format2_no_lrel",
	      !synth_fail && m.nlanes == 2 && !m.lanes[0].lrel &&
	      m.lanes[0].nlocks == 2 && m.lanes[1].lrel &&
	      m.lanes[1].nlocks == 3,
	      "lane 0 lrel %p (%zu locks), lane 1 lrel %p (%zu locks)",
	      (void *)m.lanes[0].lrel, m.lanes[0].nlocks,
	      (void *)m.lanes[1].lrel, m.lanes[1].nlocks);
	CHECK("model.lock_format2_spans",
	      lk != MV_NONE && acq != MV_NONE && rel != MV_NONE &&
	      model_lock_partner(&m, lk) == lk &&
	      model_lock_partner(&m, acq) == rel &&
	      model_lock_partner(&m, rel) == acq &&
	      orphan != MV_NONE && model_lock_partner(&m, orphan) == MV_NONE &&
	      model_lock_span(&m, &m.lanes[0], 0, &ws, &ats, &rts) == 1 &&
	      rts == model_ts(&m, lk) && ats == rts - 2000 &&
	      ws == ats - 100 &&
	      model_lock_span(&m, &m.lanes[1], 1, &ws, &ats, &rts) == 1 &&
	      ats == model_ts(&m, acq) && rts == model_ts(&m, rel),
	      "a lock event or an acquire/release pair is misread");

	fd = save_tmp(&m, &h, &size);
	model_init(&l);
	io = (struct mv_io){ .fd = fd, .hash = 7, .left = size };
	same = fd >= 0 && model_load(&l, &io) == 0 && io.hash == h &&
	       same_model(&m, &l, why, sizeof(why));
	CHECK("model.lock_formats_save_load", same, "%s",
	      why[0] ? why : "load failed");
	if (fd >= 0)
		close(fd);
	model_free(&l);

	/* a saved lane that has acquires but no lrel[] (as a damaged or
	 * crafted cache would say), or an open acquire without one, must not
	 * load: model_lock_span() would read lrel[] */
	keep = m.lanes[1].lrel;
	m.lanes[1].lrel = NULL;
	same = saves_and_loads(&m);
	m.lanes[1].lrel = keep;
	CHECK("model.load_acquire_without_lrel_fails", !same,
	      "a lane with lock_acquire records and no lrel[] loaded");
	m.lanes[0].open_lock = lk;
	m.lanes[0].open_lock_i = 0;
	same = saves_and_loads(&m);
	m.lanes[0].open_lock = MV_NONE;
	CHECK("model.load_open_lock_without_lrel_fails", !same,
	      "a lane with an open acquire and no lrel[] loaded");
	model_free(&m);
}

/* a format 2 section of thread <lock>'s lock, ended by <tid>, with its
 * last <inside> events under it */
static void s_sect(struct model *m, int tid, int lock, int site,
		   unsigned int inside)
{
	struct mv_event e = synth_ev(MV_T_LOCK, tid);

	e.lock = lock;
	e.site = site;
	e.ok = 1;
	e.inside = inside;
	e.hold_ns = 100;
	synth_add(m, &e);
}

/* Format 2, invariant 4: a stolen tasklet freed under its old thread's
 * lock is fine; freed with no section around it, a violation, whose
 * text says, when the trace ends first, that a lock never released
 * looks the same (its section is traced at its release) */
static void test_check_fmt2_stolen(void)
{
	static const char *const names[] = {
		"check.fmt2_stolen_under_lock", "check.fmt2_stolen_unlocked",
		"check.fmt2_stolen_unlocked_at_end" };
	struct check_result r;
	struct model m;
	int k, ok;

	for (k = 0; k < 3; k++) {
		model_init(&m);
		s_run_start(&m, MODE_USR1, 2);
		s_takeover(&m, 1, 11, MUX_H1, 0, 101, 102, 1);
		s_sect(&m, 1, 0, SITE_STEAL_SCAN, 1);	/* the takeover */
		s_io_cb(&m, 0, 101, 11, MUX_H1, SIDE_BACK, USR1_ST,
			PATH_LOCKED);
		s_stolen(&m, 0, 101, MUX_H1);
		if (k == 0)
			s_sect(&m, 0, 0, SITE_IO_CB, 1);
		if (k < 2)
			s_io_cb(&m, 0, 103, 12, MUX_H1, SIDE_FRONT, 0,
				PATH_FAST);
		model_finish(&m);
		check_run(&m, &r);
		if (k == 0)
			ok = r.total == 0 && r.checked[4] == 1;
		else
			ok = r.count[4] == 1 && r.total == 1 &&
			     (strstr(r.v[0].what, "never released: a "
				     "section is traced at release)") != NULL)
			     == (k == 2);
		CHECK(names[k], ok, "%" PRIu64 " violations, count[4]=%" PRIu64
		      " (first: %s)", r.total, r.count[4],
		      r.nv ? r.v[0].what : "-");
		check_free(&r);
		model_free(&m);
	}
}

int main(void)
{
	test_records();
	test_big_values();
	test_wide_values();
	test_ids_and_life();
	test_find();
	test_check();
	test_check_modes();
	test_check_fmt2_stolen();
	test_stats();
	test_fmt();
	test_save_load();
	test_lock_formats();
	return failures ? 1 : 0;
}
