/*
 * stats.c - statistics tables: event counts by name and per-thread rows.
 *
 * `muxview --stats` prints what babeltrace2 would count (every event name,
 * whatever its provider) and what the lesson needs: io_cb fast and locked
 * by side and mux, lock acquisitions, wait and hold time, steals in and
 * out, per thread.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "stats.h"

static struct stats_row *row_add(struct stats_table *t, const char *label,
				 enum stats_unit unit)
{
	struct stats_row *r;

	if (t->nrows == t->cap) {
		int ncap = t->cap ? t->cap * 2 : 32;
		struct stats_row *nr = realloc(t->rows, ncap * sizeof(*nr));

		if (!nr)
			return NULL;
		t->rows = nr;
		t->cap = ncap;
	}
	r = &t->rows[t->nrows];
	snprintf(r->label, sizeof(r->label), "%s", label);
	r->unit = unit;
	r->v = calloc((size_t)t->nthreads + 1, sizeof(*r->v));
	if (!r->v)
		return NULL;
	t->nrows++;
	return r;
}

/* Add a row whose value per thread is the uint64_t at byte <off> of
 * struct mv_thread_stats; skipped when all zero and <skip_zero>. */
static int row_field(struct stats_table *t, const struct model *m,
		     const char *label, size_t off, enum stats_unit unit,
		     int skip_zero)
{
	struct stats_row *r;
	uint64_t tot = 0, v;
	int i;

	for (i = 0; i < t->nthreads; i++)
		tot += *(const uint64_t *)((const char *)&m->lanes[i].st + off);
	if (skip_zero && !tot)
		return 0;
	r = row_add(t, label, unit);
	if (!r)
		return -1;
	tot = 0;
	for (i = 0; i < t->nthreads; i++) {
		v = *(const uint64_t *)((const char *)&m->lanes[i].st + off);
		r->v[i] = v;
		if (unit == STATS_MAX_NS)
			tot = v > tot ? v : tot;
		else
			tot += v;
	}
	r->v[t->nthreads] = tot;
	return 0;
}

#define ST_OFF(f)	offsetof(struct mv_thread_stats, f)

/* Build the per-thread table of <m> into <t>. Returns 0, or -1 when out of
 * memory (free <t> with stats_free() either way). */
int stats_build(const struct model *m, struct stats_table *t)
{
	struct stats_row *r, *fast, *locked;
	int i, s, x, n = m->nlanes;
	char label[40];

	memset(t, 0, sizeof(*t));
	t->nthreads = n;
	if (row_field(t, m, "events", ST_OFF(events), STATS_COUNT, 0) < 0)
		return -1;
	fast = row_add(t, "io_cb fast", STATS_COUNT);
	locked = row_add(t, "io_cb locked", STATS_COUNT);
	r = row_add(t, "io_cb locked %", STATS_PERMILLE);
	if (!fast || !locked || !r)
		return -1;
	/* io_cb by side and mux: the rows that have counts */
	for (s = 0; s <= SIDE_COUNT; s++) {
		for (x = 0; x <= MUX_COUNT; x++) {
			int p;

			for (p = 0; p < PATH_COUNT; p++) {
				uint64_t tot = 0;
				struct stats_row *pr;

				for (i = 0; i < n; i++)
					tot += m->lanes[i].st.io_cb[s][x][p];
				if (!tot)
					continue;
				snprintf(label, sizeof(label),
					 "  %s %s %s", mv_side_name(s),
					 mv_mux_name(x), mv_path_name(p));
				pr = row_add(t, label, STATS_COUNT);
				if (!pr)
					return -1;
				for (i = 0; i < n; i++)
					pr->v[i] = m->lanes[i].st.io_cb[s][x][p];
				pr->v[n] = tot;
			}
		}
	}
	/* rows may have moved while growing: index, do not keep pointers */
	fast = &t->rows[1];
	locked = &t->rows[2];
	r = &t->rows[3];
	for (i = 0; i < n; i++) {
		for (s = 0; s <= SIDE_COUNT; s++) {
			for (x = 0; x <= MUX_COUNT; x++) {
				fast->v[i] += m->lanes[i].st.io_cb[s][x][0];
				locked->v[i] += m->lanes[i].st.io_cb[s][x][1];
			}
		}
		fast->v[n] += fast->v[i];
		locked->v[n] += locked->v[i];
	}
	for (i = 0; i <= n; i++) {
		uint64_t tot = fast->v[i] + locked->v[i];

		r->v[i] = tot ? (locked->v[i] * 1000 + tot / 2) / tot : 0;
	}
	if (row_field(t, m, "lock acquisitions", ST_OFF(lock_acq),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "trylock failures", ST_OFF(lock_tryfail),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "lock releases", ST_OFF(lock_rel),
		      STATS_COUNT, 0) < 0)
		return -1;
	for (x = 0; x <= SITE_COUNT; x++) {
		snprintf(label, sizeof(label), "  acquired at %s",
			 x < SITE_COUNT ? mv_site_name(x) : "?");
		if (row_field(t, m, label, ST_OFF(lock_site) +
			      (size_t)x * sizeof(uint64_t), STATS_COUNT,
			      1) < 0)
			return -1;
	}
	if (row_field(t, m, "lock wait total (us)", ST_OFF(wait_ns),
		      STATS_NS, 0) < 0 ||
	    row_field(t, m, "lock wait max (us)", ST_OFF(wait_max),
		      STATS_MAX_NS, 0) < 0 ||
	    row_field(t, m, "lock hold total (us)", ST_OFF(hold_ns),
		      STATS_NS, 0) < 0 ||
	    row_field(t, m, "lock hold max (us)", ST_OFF(hold_max),
		      STATS_MAX_NS, 0) < 0 ||
	    row_field(t, m, "steals in", ST_OFF(steal_in), STATS_COUNT,
		      0) < 0 ||
	    row_field(t, m, "steals out", ST_OFF(steal_out), STATS_COUNT,
		      0) < 0 ||
	    row_field(t, m, "failed takeovers", ST_OFF(steal_fail),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "stolen tasklets freed", ST_OFF(stolen_freed),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "flag_set (USR1 on)", ST_OFF(flag_set),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "flag_clear (USR1 off)", ST_OFF(flag_clear),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "idle inserts", ST_OFF(idle_insert),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "idle removes", ST_OFF(idle_remove),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "conns created", ST_OFF(conn_new),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "conns freed", ST_OFF(conn_free),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "tasklet wakeups", ST_OFF(wakeups),
		      STATS_COUNT, 0) < 0 ||
	    row_field(t, m, "  remote wakeups", ST_OFF(wakeups_remote),
		      STATS_COUNT, 0) < 0)
		return -1;
	return 0;
}

/* Free the rows of <t>. */
void stats_free(struct stats_table *t)
{
	int i;

	for (i = 0; i < t->nrows; i++)
		free(t->rows[i].v);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* The row labelled <label> (leading blanks ignored), or NULL. */
const struct stats_row *stats_find(const struct stats_table *t,
				   const char *label)
{
	int i;

	for (i = 0; i < t->nrows; i++) {
		const char *l = t->rows[i].label;

		while (*l == ' ')
			l++;
		if (strcmp(l, label) == 0)
			return &t->rows[i];
	}
	return NULL;
}

static char *cell(char *buf, size_t len, enum stats_unit u, uint64_t v)
{
	if (u == STATS_NS || u == STATS_MAX_NS)
		snprintf(buf, len, "%.1f", (double)v / 1e3);
	else if (u == STATS_PERMILLE)
		snprintf(buf, len, "%.1f", (double)v / 10.0);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

struct name_count {
	const char *name;
	uint64_t count;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_count *)a)->name,
		      ((const struct name_count *)b)->name);
}

/* every event name of <m> with its count, sorted by name */
static struct name_count *names_of(const struct model *m, size_t *n,
				   char (*buf)[48])
{
	struct name_count *nc = calloc(MV_T_COUNT + m->nnames + 1,
				       sizeof(*nc));
	size_t k = 0, i;
	int t;

	if (!nc)
		return NULL;
	for (t = MV_T_RUN_START; t < MV_T_OTHER; t++) {
		if (!m->type_count[t])
			continue;
		snprintf(buf[t], sizeof(buf[t]), "muxlab:%s",
			 mv_type_name(t));
		nc[k].name = buf[t];
		nc[k++].count = m->type_count[t];
	}
	for (i = 0; i < m->nnames; i++) {
		nc[k].name = m->names[i].name;
		nc[k++].count = m->names[i].count;
	}
	qsort(nc, k, sizeof(*nc), cmp_name);
	*n = k;
	return nc;
}

static void print_header(FILE *f, const struct model *m, const char *name)
{
	char tb[32];

	fprintf(f, "trace: %s\n", name);
	if (m->run.have_start)
		fprintf(f, "run: mode=%s seed=%" PRIu64 " nbthread=%d "
			"bug=\"%s\" scenario=\"%s\" usr1_bit=0x%x\n",
			mv_mode_name(m->run.mode), m->run.seed,
			m->run.nbthread, m->run.bug, m->run.scenario,
			m->run.usr1_bit);
	else
		fprintf(f, "run: no run_start event (mode unknown)\n");
	if (m->run.have_end)
		fprintf(f, "end: requests_ok=%" PRIu64 " requests_err=%"
			PRIu64 " takeovers=%" PRIu64 "\n",
			m->run.requests_ok, m->run.requests_err,
			m->run.takeovers);
	fprintf(f, "events: %" PRIu64 "  discarded: %" PRIu64 "%s  span: %s s"
		"  threads: %d\n", m->events_total, m->discarded,
		m->discarded_packets ? " (+ whole packets)" : "",
		fmt_time(tb, sizeof(tb), m->nev ? m->t_last - m->t_first : 0),
		m->nlanes);
	if (m->unordered)
		fprintf(f, "warning: %" PRIu64 " events were out of timestamp "
			"order\n", m->unordered);
	if (m->bad_tid)
		fprintf(f, "warning: %" PRIu64 " events had a tid out of "
			"range\n", m->bad_tid);
}

/* Print the statistics of <m> (trace <name>): the event counts by name,
 * then one column per thread and a total. */
void stats_print(FILE *f, const struct model *m, const char *name)
{
	char nbuf[MV_T_COUNT][48], c[32], h[16];
	struct stats_table t;
	struct name_count *nc;
	size_t n, i;
	int r, k;

	print_header(f, m, name);
	fprintf(f, "\nevents by name\n");
	nc = names_of(m, &n, nbuf);
	for (i = 0; nc && i < n; i++)
		fprintf(f, "  %-32s %12" PRIu64 "\n", nc[i].name,
			nc[i].count);
	free(nc);
	fprintf(f, "  %-32s %12" PRIu64 "\n", "total", m->events_total);

	if (stats_build(m, &t) < 0) {
		stats_free(&t);
		fprintf(f, "out of memory\n");
		return;
	}
	fprintf(f, "\nper thread%*s", 22, "");
	for (k = 0; k < t.nthreads; k++) {
		snprintf(h, sizeof(h), "T%d", k);
		fprintf(f, " %11s", h);
	}
	fprintf(f, " %12s\n", "total");
	for (r = 0; r < t.nrows; r++) {
		fprintf(f, "  %-30s", t.rows[r].label);
		for (k = 0; k <= t.nthreads; k++)
			fprintf(f, " %*s", k == t.nthreads ? 12 : 11,
				cell(c, sizeof(c), t.rows[r].unit,
				     t.rows[r].v[k]));
		fputc('\n', f);
	}
	stats_free(&t);
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static void ratio(char *buf, size_t len, uint64_t a, uint64_t b)
{
	if (!a && !b)
		snprintf(buf, len, "-");
	else if (!a)
		snprintf(buf, len, "inf");
	else
		snprintf(buf, len, "%.3f", (double)b / (double)a);
}

/* Print <a> and <b> side by side with the ratio b/a (so with a legacy
 * trace first and a usr1 trace second, "io_cb locked 0.05" reads "usr1
 * locks 5% as often"). Totals only, plus per-request figures when both
 * runs recorded run_end. */
void stats_print_compare(FILE *f, const struct model *a, const char *na,
			 const struct model *b, const char *nb)
{
	char ba[MV_T_COUNT][48], bb[MV_T_COUNT][48], c1[32], c2[32], rt[32];
	char ha[24], hb[24];
	struct stats_table ta, tb;
	struct name_count *la, *lb;
	size_t nla = 0, nlb = 0, i, j;

	print_header(f, a, na);
	print_header(f, b, nb);
	snprintf(ha, sizeof(ha), "A:%s", a->run.have_start ?
		 mv_mode_name(a->run.mode) : "?");
	snprintf(hb, sizeof(hb), "B:%s", b->run.have_start ?
		 mv_mode_name(b->run.mode) : "?");
	fprintf(f, "\nA = %s\nB = %s\n", na, nb);
	fprintf(f, "\n%-34s %14s %14s %10s\n", "events by name", ha, hb,
		"B/A");
	la = names_of(a, &nla, ba);
	lb = names_of(b, &nlb, bb);
	/* merge the two sorted name lists */
	for (i = 0, j = 0; la && lb && (i < nla || j < nlb);) {
		int cmp = i == nla ? 1 : j == nlb ? -1 :
			  strcmp(la[i].name, lb[j].name);
		uint64_t va = cmp <= 0 ? la[i].count : 0;
		uint64_t vb = cmp >= 0 ? lb[j].count : 0;
		const char *nm = cmp <= 0 ? la[i].name : lb[j].name;

		ratio(rt, sizeof(rt), va, vb);
		fprintf(f, "  %-32s %14" PRIu64 " %14" PRIu64 " %10s\n", nm,
			va, vb, rt);
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
	free(la);
	free(lb);
	ratio(rt, sizeof(rt), a->events_total, b->events_total);
	fprintf(f, "  %-32s %14" PRIu64 " %14" PRIu64 " %10s\n", "total",
		a->events_total, b->events_total, rt);

	if (stats_build(a, &ta) < 0 || stats_build(b, &tb) < 0) {
		fprintf(f, "out of memory\n");
		goto out;
	}
	fprintf(f, "\n%-34s %14s %14s %10s\n", "all threads", ha, hb, "B/A");
	/* both tables list their rows in the same order, each leaving out
	 * rows that are zero: merge them so a row present in one trace
	 * only keeps its place (a missing row is 0) */
	for (i = 0, j = 0; i < (size_t)ta.nrows || j < (size_t)tb.nrows;) {
		const struct stats_row *ra = i < (size_t)ta.nrows ?
					     &ta.rows[i] : NULL;
		const struct stats_row *rb = j < (size_t)tb.nrows ?
					     &tb.rows[j] : NULL;
		const struct stats_row *lab;
		uint64_t va, vb;

		if (ra && rb && strcmp(ra->label, rb->label)) {
			/* the one that comes later in the other table waits */
			if (stats_find(&tb, skip_blanks(ra->label)) &&
			    !stats_find(&ta, skip_blanks(rb->label)))
				ra = NULL;
			else
				rb = NULL;
		}
		lab = ra ? ra : rb;
		va = ra ? ra->v[ta.nthreads] : 0;
		vb = rb ? rb->v[tb.nthreads] : 0;
		if (lab->unit == STATS_PERMILLE)
			/* a ratio of percentages means nothing: the
			 * difference, in percentage points */
			snprintf(rt, sizeof(rt), "%+.1fpt", ((double)vb -
							     (double)va) / 10);
		else
			ratio(rt, sizeof(rt), va, vb);
		fprintf(f, "  %-32s %14s %14s %10s\n", lab->label,
			cell(c1, sizeof(c1), lab->unit, va),
			cell(c2, sizeof(c2), lab->unit, vb), rt);
		if (ra)
			i++;
		if (rb)
			j++;
	}
	if (a->run.have_end && b->run.have_end && a->run.requests_ok &&
	    b->run.requests_ok) {
		static const char *const per[] = {
			"io_cb locked", "lock acquisitions",
			"lock wait total (us)", "lock hold total (us)",
			"steals in",
		};
		size_t p;

		fprintf(f, "\n%-34s %14s %14s %10s\n", "per 1000 requests",
			ha, hb, "B/A");
		for (p = 0; p < sizeof(per) / sizeof(per[0]); p++) {
			const struct stats_row *ra = stats_find(&ta, per[p]);
			const struct stats_row *rb = stats_find(&tb, per[p]);
			double va, vb;

			if (!ra || !rb)
				continue;
			va = (double)ra->v[ta.nthreads] * 1000.0 /
			     (double)a->run.requests_ok;
			vb = (double)rb->v[tb.nthreads] * 1000.0 /
			     (double)b->run.requests_ok;
			if (ra->unit == STATS_NS) {
				va /= 1e3;
				vb /= 1e3;
			}
			if (va > 0)
				snprintf(rt, sizeof(rt), "%.3f", vb / va);
			else
				snprintf(rt, sizeof(rt), "-");
			fprintf(f, "  %-32s %14.1f %14.1f %10s\n", per[p], va,
				vb, rt);
		}
	}
out:
	stats_free(&ta);
	stats_free(&tb);
}
