/*
 * screen.c - render a view of the model into a character grid.
 *
 * Layout, top to bottom: two header rows, the time axis, the lanes (a
 * group of rows per engine thread; with two traces, each trace under a
 * title row of its own), the legend, the bottom pane (event detail,
 * statistics, a connection's life, or the two traces' totals), the
 * status line.
 *
 * Each column of a lane row is a time bin that summarises every event of
 * the thread under it (screen_bins(): exact counts per class, from the
 * model's per-block counts), so at any zoom a single locked io_cb among a
 * thousand fast ones still shows: the front and back rows draw `f` when
 * every io_cb of the bin took the fast path, `L` when every one locked,
 * and the number of locked ones (1-9, `#` for more) when both happened.
 * The right margin counts the same over the whole window.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "screen.h"

#define HEADER_ROWS	2
#define AXIS_ROW	2
#define LANES_ROW	3
#define RIGHT_W		13	/* window totals at the end of each row */

/* drawing ranks of a lane cell (lower wins) */
enum {
	P_DISCARD = 0, P_STEAL, P_STOLEN, P_FAIL, P_LOCKED, P_FLAG, P_FAST,
	P_TRY, P_WAIT, P_HOLD, P_EMPTY = 127
};

/* rows per thread, richest first: the renderer takes the first that fits */
static const struct layout {
	int rpt;
	uint8_t row[4];
} layouts[] = {
	{ 4, { SR_FRONT, SR_BACK, SR_FLAG, SR_LOCK } },
	{ 3, { SR_FRONT, SR_BACK, SR_EVTS } },
	{ 2, { SR_IO, SR_EVTS } },
};
#define NLAYOUTS	(int)(sizeof(layouts) / sizeof(layouts[0]))

static const char *const row_names[SR_COUNT] = {
	[SR_FRONT] = "front", [SR_BACK] = "back", [SR_IO] = "io_cb",
	[SR_FLAG] = "flag", [SR_LOCK] = "lock", [SR_EVTS] = "marks",
};

/* Name of a lane row (enum scr_row). */
const char *screen_row_name(int row)
{
	return row >= 0 && row < SR_COUNT ? row_names[row] : "?";
}

/* The legend: items drawn in order, on as many rows as allowed; an item
 * that does not fit is left out whole, never cut. A NULL glyph makes a
 * group title. The mode change comes first: shown only when a trace has
 * some, it is then what the screen is about (a live flip, `e`). */
static const struct legend_item {
	const char *glyph;
	uint8_t style;
	const char *text;
	uint8_t rows;	/* bit per layout row set that shows it: 1 the 4-row
			 * layout, 2 the 3-row one, 4 the 2-row one; 8: only
			 * when a trace shown has mode changes */
} legend_items[] = {
	{ "M", ST_MARK, "mode change", 8 | 7 },	/* 8: only then */
	{ NULL, ST_AXIS, "io_cb:", 7 },
	{ "f", ST_FAST, "all fast", 7 },
	{ "L", ST_LOCKED, "all locked", 7 },
	{ "1-9", ST_LOCKED, "that many locked, rest fast", 7 },
	{ NULL, ST_AXIS, "USR1:", 7 },
	{ "+", ST_FLAG_SET, "set", 7 },
	{ "-", ST_FLAG_CLEAR, "cleared", 7 },
	{ "*", ST_FLAG_SET, "both", 7 },
	{ NULL, ST_AXIS, "steal:", 7 },
	{ "S1", ST_STEAL, "took from T1", 7 },
	{ "s1", ST_STEAL, "taken by T1", 7 },
	{ "x", ST_STOLEN, "old tasklet freed", 7 },
	{ "!", ST_DISCARD, "events lost", 7 },
	{ NULL, ST_AXIS, "lock:", 1 },
	{ "=", ST_HOLD, "held", 1 },
	{ "~", ST_WAIT, "waited for", 1 },
	{ "/", ST_TRYFAIL, "trylock failed", 1 },
	{ "?", ST_STEAL, "takeover failed", 7 },
};
#define NLEGEND	(int)(sizeof(legend_items) / sizeof(legend_items[0]))

static char legend_text[512];

/* The legend as one line of text (the full set). */
const char *screen_legend(void)
{
	size_t o = 0;
	int i;

	if (legend_text[0])
		return legend_text;
	for (i = 0; i < NLEGEND && o + 1 < sizeof(legend_text); i++) {
		const struct legend_item *li = &legend_items[i];

		if (li->glyph)
			o += snprintf(legend_text + o, sizeof(legend_text) - o,
				      "%s%s %s", o ? "  " : "", li->glyph,
				      li->text);
		else
			o += snprintf(legend_text + o, sizeof(legend_text) - o,
				      "%s%s", o ? "  " : "", li->text);
	}
	return legend_text;
}

/* First screen row of the lanes (for tests driving the UI). */
int screen_lanes_top_row(void)
{
	return LANES_ROW;
}

/* Allocate a <cols> x <rows> grid in <s> (zeroed first). Returns 0 or -1. */
int screen_init(struct screen *s, int cols, int rows)
{
	memset(s, 0, sizeof(*s));
	if (cols < 1 || rows < 1)
		return -1;
	s->cells = calloc((size_t)cols * (size_t)rows, sizeof(*s->cells));
	if (!s->cells)
		return -1;
	s->cols = cols;
	s->rows = rows;
	return 0;
}

/* Free the grid and caches of <s>. */
void screen_free(struct screen *s)
{
	free(s->cells);
	free(s->fev);
	memset(s, 0, sizeof(*s));
}

static struct scr_cell *at(struct screen *s, int x, int y)
{
	return &s->cells[(size_t)y * (size_t)s->cols + (size_t)x];
}

static void put(struct screen *s, int x, int y, char ch, int style,
		int attr)
{
	struct scr_cell *c;

	if (x < 0 || y < 0 || x >= s->cols || y >= s->rows)
		return;
	c = at(s, x, y);
	c->ch = ch;
	c->style = (uint8_t)style;
	c->attr = (uint8_t)attr;
}

/* write <str> at (x, y), clipped; returns the column after it */
static int puts_at(struct screen *s, int x, int y, const char *str,
		   int style, int attr)
{
	for (; *str && x < s->cols; str++, x++)
		put(s, x, y, *str, style, attr);
	return x;
}

static int printf_at(struct screen *s, int x, int y, int style, int attr,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int printf_at(struct screen *s, int x, int y, int style, int attr,
		     const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return puts_at(s, x, y, buf, style, attr);
}

/* Like printf_at(), but only if the whole text fits before column <end>:
 * a header field is shown whole or not at all. */
static int field_at(struct screen *s, int x, int y, int end, int style,
		    int attr, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int field_at(struct screen *s, int x, int y, int end, int style,
		    int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (x + n > end)
		return x;
	return puts_at(s, x, y, buf, style, attr);
}

static void fill_row(struct screen *s, int y, int style)
{
	int x;

	for (x = 0; x < s->cols; x++)
		put(s, x, y, ' ', style, 0);
}

/* bin <c> of <n> over the window starts at this time */
static uint64_t bin_t(const struct view *v, int c, int n)
{
	return v->t0 + (uint64_t)((unsigned __int128)v->span * (unsigned)c /
				  (unsigned)n);
}

static int col_of(const struct view *v, uint64_t ts, int n)
{
	if (ts < v->t0 || ts >= v->t0 + v->span)
		return -1;
	return (int)((unsigned __int128)(ts - v->t0) * (unsigned)n /
		     v->span);
}

/* ---- one trace on the screen ---- */

struct tr {
	const struct model *m;
	struct view *v;
	char tag;		/* 0: alone; 'A' or 'B' */
	int active;		/* keys act on it */
	int have_cur;		/* the cursor column (same relative time on
				 * both traces) */
	uint64_t cur_ts;	/* ... in this trace's clock */
};

/* ---- header, axis ---- */

static int play_width(const struct view *v)
{
	char c[32], b[64];

	if (v->live && !v->live_ended)
		return 13;	/* "  LIVE follow" */
	if (v->loading)
		return v->progress >= 0 ? 25 : 10;
	return snprintf(b, sizeof(b), "  %s %s/s", v->playing ? "PLAY" :
			"pause", fmt_dur(c, sizeof(c), v->speed));
}

/* the play state; live: following, paused, or ended (the engine's
 * run_end came: nothing more will) while the session still lives */
static void play_state(struct screen *s, int x, int y, const struct view *v,
		       const struct model *m)
{
	char c[32];
	int k, w = 10;

	if (v->live && !v->live_ended) {
		field_at(s, x, y, s->cols, v->live_follow && !m->run.have_end ?
			 ST_WARN : ST_HEADER, SA_BOLD, "  LIVE %s",
			 m->run.have_end ? "ended" : v->live_follow ?
			 "follow" : "paused");
		return;
	}
	if (v->loading) {
		x = field_at(s, x, y, s->cols, ST_WARN, SA_BOLD, "  loading ");
		if (v->progress >= 0 && x + w + 5 <= s->cols) {
			for (k = 0; k < w; k++)
				put(s, x++, y, k < (int)(v->progress * w) ?
				    '#' : '.', ST_WARN, 0);
			printf_at(s, x, y, ST_WARN, 0, " %d%%",
				  (int)(v->progress * 100));
		}
	} else {
		field_at(s, x, y, s->cols, ST_HEADER, v->playing ? SA_BOLD : 0,
			 "  %s %s/s", v->playing ? "PLAY" : "pause",
			 fmt_dur(c, sizeof(c), v->speed));
	}
}

/* The mode thread <lane> runs in at <ts>: that of its last mode_change
 * before <ts>, else the run's (-1 if unknown). */
static int mode_at(const struct model *m, int lane, uint64_t ts)
{
	int mode = m->run.have_start ? m->run.mode : -1;
	size_t k;

	for (k = 0; k < m->nmodes && model_ts(m, m->modes[k]) <= ts; k++)
		if (m->ev[m->modes[k]].tid == lane)
			mode = (int)m->ev[m->modes[k]].b;
	return mode;
}

/* "  mode=usr1"; in a run whose threads changed mode (control socket), the
 * mode at <ts> ("mixed" while the threads disagree) and, if <count>, how
 * many thread switches the trace holds: each thread switches on its own
 * (one mode_change event each), so one flip of a 2-thread engine is 2 */
static void mode_text(char *buf, size_t len, const struct model *m,
		      uint64_t ts, int count)
{
	size_t o;
	int mode, lane;

	if (!m->nmodes) {
		snprintf(buf, len, "  mode=%s", m->run.have_start ?
			 mv_mode_name(m->run.mode) : "?");
		return;
	}
	mode = mode_at(m, 0, ts);
	for (lane = 1; lane < m->nlanes; lane++)
		if (mode_at(m, lane, ts) != mode)
			mode = -2;
	snprintf(buf, len, "  mode=%s", mode == -2 ? "mixed" : mode >= 0 ?
		 mv_mode_name(mode) : "?");
	o = strlen(buf);
	if (count)
		snprintf(buf + o, len - o, " (%zu thread switch%s)",
			 m->nmodes, m->nmodes == 1 ? "" : "es");
}

#define NAME_MIN	12	/* a name is cut to this before the count of
				 * thread switches goes */

/* The trace's <name> (attributes <attr>), then its mode, from column <x>
 * of row <y>, before column <end>. The mode is what a room watching the
 * screen must see: the name is cut (its last character shown as '~') to
 * leave the mode room, and the count of thread switches goes before the
 * name is cut below NAME_MIN. Returns the column after the mode. */
static int name_mode_fields(struct screen *s, int x, int y, int end,
			    const struct model *m, int style, int attr,
			    const char *name, uint64_t ts)
{
	char full[96], brief[48];
	const char *mt = full;
	int nlen = (int)strlen(name), room, i;

	mode_text(full, sizeof(full), m, ts, 1);
	mode_text(brief, sizeof(brief), m, ts, 0);
	room = end - x - (int)strlen(full);
	if (room < nlen && room < NAME_MIN) {
		mt = brief;
		room = end - x - (int)strlen(brief);
	}
	if (room > nlen)
		room = nlen;
	for (i = 0; i < room; i++)
		put(s, x + i, y, i == room - 1 && room < nlen ? '~' : name[i],
		    style, attr);
	if (room > 0)
		x += room;
	return field_at(s, x, y, end, style, m->nmodes ? SA_BOLD : 0, "%s",
			mt);
}

/* what follows the mode in a trace's header: lost events, seed, bug,
 * event count, each whole or not at all */
static int run_fields(struct screen *s, int x, int y, int end,
		      const struct model *m, int style)
{
	char a[32], b[32];
	int lost = m->discarded || m->discarded_packets;

	/* lost events matter most: shown before what may not fit */
	if (lost)
		x = field_at(s, x, y, end, ST_DISCARD, 0, "  discarded=%s%s",
			     fmt_count(b, sizeof(b), m->discarded),
			     m->discarded_packets ? "+packets" : "");
	if (m->run.have_start) {
		x = field_at(s, x, y, end, style, 0, " seed=%" PRIu64,
			     m->run.seed);
		if (m->run.bug && m->run.bug[0])
			x = field_at(s, x, y, end, ST_WARN, SA_BOLD, " bug=%s",
				     m->run.bug);
	}
	x = field_at(s, x, y, end, style, 0, "  events=%s",
		     fmt_count(a, sizeof(a), m->events_total));
	if (!lost)
		x = field_at(s, x, y, end, style, 0, " discarded=0");
	return x;
}

/* Live: what each thread did over the last second of the trace (the
 * counters tick as the window follows): io_cb fast and locked, lock
 * acquisitions, steals. From the same per-block counts as the lanes. */
static int live_rates(struct screen *s, int x, int y, const struct model *m)
{
	struct view w;
	struct scr_bin b;
	uint32_t *pos;
	char n1[16], n2[16], n3[16];
	int lane;

	if (!m->nev || !m->nlanes)
		return x;
	memset(&w, 0, sizeof(w));
	w.span = 1000000000ULL;
	w.t0 = m->t_last + 1 > m->t_first + w.span ?
	       m->t_last + 1 - w.span : m->t_first;
	pos = screen_bin_pos(m, &w, 1);
	if (!pos)
		return x;
	x = field_at(s, x, y, s->cols, ST_HEADER, SA_BOLD, "  last 1s:");
	for (lane = 0; lane < m->nlanes; lane++) {
		screen_bins(m, &w, lane, 1, pos, &b);
		x = field_at(s, x, y, s->cols, ST_HEADER, 0, " T%d f%s L%s "
			     "lk%s S%u", lane, fmt_count(n1, sizeof(n1),
			     b.n[MV_BC_FRONT_FAST] + b.n[MV_BC_BACK_FAST]),
			     fmt_count(n2, sizeof(n2), b.n[MV_BC_FRONT_LOCKED] +
				       b.n[MV_BC_BACK_LOCKED]),
			     fmt_count(n3, sizeof(n3), b.n[MV_BC_LOCK]),
			     b.steal_in);
	}
	free(pos);
	return x;
}

static void draw_header(struct screen *s, const struct tr *t, int ntr)
{
	const struct tr *a = &t[0];
	const struct view *v = a->v;
	const struct model *m = a->m;
	char b1[32], b2[32];
	int x, i;

	for (i = 0; i < ntr; i++)
		if (t[i].active) {
			a = &t[i];
			v = a->v;
			m = a->m;
		}
	fill_row(s, 0, ST_HEADER);
	fill_row(s, 1, ST_HEADER);
	if (ntr == 1) {
		x = puts_at(s, 0, 0, "muxview ", ST_HEADER, SA_BOLD);
		x = name_mode_fields(s, x, 0, s->cols - play_width(v), m,
				     ST_HEADER, SA_BOLD, v->name,
				     v->cursor != MV_NONE &&
				     v->cursor < m->nev ?
				     model_ts(m, v->cursor) :
				     v->t0 + v->span);
		x = run_fields(s, x, 0, s->cols - play_width(v), m,
			       ST_HEADER);
	} else {
		x = printf_at(s, 0, 0, ST_HEADER, SA_BOLD, "muxview");
		for (i = 0; i < ntr; i++)
			x = field_at(s, x, 0, s->cols - play_width(v), ST_HEADER,
				     t[i].active ? SA_BOLD : 0, "  %c=%s",
				     t[i].tag, t[i].v->name);
	}
	play_state(s, x, 0, v, m);

	/* second row: window, cursor, markers, follow, filter; live: the
	 * last second's counters first */
	if (v->live && !v->live_ended)
		x = field_at(s, live_rates(s, 0, 1, m), 1, s->cols, ST_HEADER,
			     0, "  window %s", fmt_dur(b2, sizeof(b2),
						      v->span));
	else
		x = printf_at(s, 0, 1, ST_HEADER, 0, "window +%s wide %s",
			      fmt_time(b1, sizeof(b1), v->t0 > m->t_first ?
				       v->t0 - m->t_first : 0),
			      fmt_dur(b2, sizeof(b2), v->span));
	if (v->cursor != MV_NONE && v->cursor < m->nev)
		x = field_at(s, x, 1, s->cols, ST_HEADER, SA_BOLD,
			     "  cursor %s%s+%s", ntr > 1 ? (a->tag == 'A' ?
							  "A" : "B") : "",
			     ntr > 1 ? " " : "",
			     fmt_time(b1, sizeof(b1), model_ts(m, v->cursor) -
				      m->t_first));
	if (v->have_a && v->have_b)
		x = field_at(s, x, 1, s->cols, ST_MARK, SA_BOLD, "  A>B=%s%s",
			     v->mark_b < v->mark_a ? "-" : "",
			     fmt_dur(b2, sizeof(b2), v->mark_b > v->mark_a ?
				     v->mark_b - v->mark_a :
				     v->mark_a - v->mark_b));
	else if (v->have_a || v->have_b)
		x = field_at(s, x, 1, s->cols, ST_MARK, 0, "  %c+%s",
			     v->have_a ? 'A' : 'B',
			     fmt_time(b1, sizeof(b1), (v->have_a ? v->mark_a :
						       v->mark_b) -
				      m->t_first));
	if (v->follow)
		x = field_at(s, x, 1, s->cols, ST_FOLLOW, SA_BOLD,
			     "  follow conn %" PRIu64,
			     model_conn_id(m, v->follow));
	if (view_filtering(v)) {
		x = field_at(s, x, 1, s->cols, ST_WARN, SA_BOLD, "  filter");
		if (v->mux_mask)
			x = field_at(s, x, 1, s->cols, ST_WARN, 0,
				     " mux=%s%s%s", v->mux_mask & 1 ? "h1," :
				     "", v->mux_mask & 2 ? "h2," : "",
				     v->mux_mask & 4 ? "fcgi" : "");
		if (v->side_mask)
			x = field_at(s, x, 1, s->cols, ST_WARN, 0,
				     " side=%s%s", v->side_mask & 1 ?
				     "front," : "", v->side_mask & 2 ?
				     "back" : "");
		if (v->fconn)
			x = field_at(s, x, 1, s->cols, ST_WARN, 0,
				     " conn=%" PRIu64,
				     model_conn_id(m, v->fconn));
	}
	if (ntr > 1)
		field_at(s, x, 1, s->cols, ST_HEADER, 0, "  (o: other trace)");
}

static const uint64_t unit_ns[] = { 1000000000ULL, 1000000ULL, 1000ULL, 1 };
static const char *const unit_name[] = { "s", "ms", "us", "ns" };

/* Label of a tick at <rel> ns from the trace start, ticks <step> apart,
 * the largest shown <maxrel>: one unit for the whole axis (that of
 * <maxrel>), as many decimals as <step> needs, so every label is exact
 * and they all read alike ("0.2236s", "223.60ms"). */
void screen_tick_label(char *buf, size_t len, uint64_t rel, uint64_t step,
		       uint64_t maxrel)
{
	uint64_t u, p;
	int i, dec = 0;
	char frac[16];

	for (i = 0; i < 3 && maxrel < unit_ns[i]; i++)
		;
	u = unit_ns[i];
	for (p = u; p > 1 && step % p; p /= 10)
		dec++;
	/* the digits of the unit's fraction, then as many as needed */
	switch (i) {
	case 0:
		snprintf(frac, sizeof(frac), "%09u", (unsigned)(rel % u));
		break;
	case 1:
		snprintf(frac, sizeof(frac), "%06u", (unsigned)(rel % u));
		break;
	case 2:
		snprintf(frac, sizeof(frac), "%03u", (unsigned)(rel % u));
		break;
	default:
		frac[0] = 0;
		dec = 0;
	}
	if (dec > (int)strlen(frac))
		dec = (int)strlen(frac);
	frac[dec] = 0;
	snprintf(buf, len, "%" PRIu64 "%s%s%s", rel / u, dec ? "." : "", frac,
		 unit_name[i]);
}

/* Smallest 1/2/5 x 10^k step (ns) whose ticks are at least the width of
 * their label plus <min_gap> apart, on an axis of <units> units (columns
 * or pixels, <char_w> each character) for <span> ns. */
uint64_t screen_tick_step(uint64_t span, double units, double min_gap,
			  double char_w, uint64_t maxrel)
{
	static const int mult[] = { 1, 2, 5 };
	uint64_t step = 1;
	int k = 0;

	for (;;) {
		uint64_t st = step * (uint64_t)mult[k];
		char lab[48];

		screen_tick_label(lab, sizeof(lab), maxrel / st * st, st,
				  maxrel);
		if ((double)st * units / (double)span >=
		    (double)strlen(lab) * char_w + min_gap ||
		    st > (UINT64_MAX / 20))
			return st;
		if (++k == 3) {
			k = 0;
			step *= 10;
		}
	}
}

static void draw_axis(struct screen *s, const struct tr *t, int w, int rw)
{
	const struct view *v = t->v;
	const struct model *m = t->m;
	uint64_t base = m->t_first, step, rel, maxrel;
	int x0 = SCREEN_LABEL_W, last = -100, c, mk[3];

	fill_row(s, AXIS_ROW, ST_AXIS);
	puts_at(s, 0, AXIS_ROW, "thread  row|", ST_AXIS, 0);
	if (rw)
		puts_at(s, x0 + w, AXIS_ROW, "  window sum", ST_AXIS, 0);
	if (w <= 0)
		return;
	maxrel = v->t0 + v->span - base;
	step = screen_tick_step(v->span, w, 2, 1, maxrel);
	/* markers first: a label never covers the cursor or A/B */
	mk[0] = v->have_a ? col_of(v, v->mark_a, w) : -1;
	mk[1] = v->have_b ? col_of(v, v->mark_b, w) : -1;
	mk[2] = t->have_cur ? col_of(v, t->cur_ts, w) : -1;
	rel = v->t0 > base ? v->t0 - base : 0;
	rel = (rel + step - 1) / step * step;
	for (; base + rel < v->t0 + v->span; rel += step) {
		char lab[48];
		int len, j, hit = 0;

		c = col_of(v, base + rel, w);
		if (c < 0 || c - last < 2)
			continue;
		screen_tick_label(lab, sizeof(lab), rel, step, maxrel);
		len = (int)strlen(lab);
		for (j = 0; j < 3; j++)
			if (mk[j] > c && mk[j] <= c + len)
				hit = 1;
		put(s, x0 + c, AXIS_ROW, '|', ST_AXIS, 0);
		if (c + 1 + len <= w && !hit)
			puts_at(s, x0 + c + 1, AXIS_ROW, lab, ST_AXIS, 0);
		last = c;
	}
	if (mk[0] >= 0)
		put(s, x0 + mk[0], AXIS_ROW, 'A', ST_MARK, SA_BOLD);
	if (mk[1] >= 0)
		put(s, x0 + mk[1], AXIS_ROW, 'B', ST_MARK, SA_BOLD);
	if (mk[2] >= 0)
		put(s, x0 + mk[2], AXIS_ROW, 'v', ST_MARK, SA_BOLD);
}

/* ---- bins ---- */

static size_t idx_lower_bound(const struct model *m, const uint32_t *a,
			      size_t n, uint64_t ts)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model_ts(m, a[mid]) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* wait and hold spans of lane <l> overlapping [b0, b1) */
static unsigned int span_kinds(const struct model *m, const struct mv_lane *l,
			       uint64_t b0, uint64_t b1)
{
	unsigned int k = 0, both = MV_KBIT(MV_K_WAIT) | MV_KBIT(MV_K_HOLD);
	size_t i = idx_lower_bound(m, l->locks, l->nlocks, b0), n = 0;

	/* the span that started before the bin may still run into it */
	if (i > 0)
		i--;
	for (; i < l->nlocks && k != both; i++) {
		uint64_t ats, rts, ws;
		int taken;

		/* a bin with this many acquisitions is lock-dense: held */
		if (++n > 64) {
			k |= MV_KBIT(MV_K_HOLD);
			break;
		}
		taken = model_lock_span(m, l, i, &ws, &ats, &rts);
		if (ws >= b1)
			break;
		if (ws < ats && ats >= b0)
			k |= MV_KBIT(MV_K_WAIT);
		if (taken && rts && ats < b1 && rts >= b0)
			k |= MV_KBIT(MV_K_HOLD);
	}
	return k;
}

/* The <w> + 1 bin boundaries of view <v> as global event indexes (bin
 * c holds events [pos[c], pos[c + 1])). malloc()ed; NULL when out of
 * memory. */
uint32_t *screen_bin_pos(const struct model *m, const struct view *v, int w)
{
	uint32_t *pos = malloc(((size_t)w + 1) * sizeof(*pos));
	int c;

	if (!pos)
		return NULL;
	for (c = 0; c <= w; c++)
		pos[c] = model_lower_bound(m, bin_t(v, c, w));
	return pos;
}

/* Fill the <w> bins of lane <lane> for view <v> (filter included), from
 * the boundaries <pos> (screen_bin_pos()). Every event counts: a bin of
 * a million fast io_cbs and one locked one says so. */
void screen_bins(const struct model *m, const struct view *v, int lane,
		 int w, const uint32_t *pos, struct scr_bin *bins)
{
	const struct mv_lane *l = &m->lanes[lane];
	int filtering = view_filtering(v), c, bc;
	size_t k;

	memset(bins, 0, (size_t)w * sizeof(*bins));
	for (c = 0; c < w; c++) {
		struct scr_bin *b = &bins[c];
		uint64_t b0 = bin_t(v, c, w), b1 = bin_t(v, c + 1, w);

		if (filtering) {
			uint32_t e = pos[c] ? pos[c] - 1 : MV_NONE;

			while ((e = model_lane_step(m, e, 1, lane)) <
			       pos[c + 1]) {
				if (!view_passes(v, m, e))
					continue;
				b->kinds |= mv_rec_kinds(&m->ev[e]);
				if ((bc = mv_rec_bclass(&m->ev[e])) >= 0)
					b->n[bc]++;
			}
		} else if (pos[c] < pos[c + 1]) {
			b->kinds = lane_bin(m, lane, pos[c], pos[c + 1], b->n);
		}
		/* a lane's steal bit may come from the victim side: the
		 * steal lists below say which */
		b->kinds &= ~MV_KBIT(MV_K_STEAL);
		if (!filtering || !v->fconn)
			b->kinds |= span_kinds(m, l, b0, b1 > b0 ? b1 : b0 + 1);
	}
	/* steals: done by this lane (in) or suffered (out) */
	k = idx_lower_bound(m, l->steals, l->nsteals, v->t0);
	for (; k < l->nsteals; k++) {
		const struct mv_rec *r = &m->ev[l->steals[k]];
		uint64_t rts = model_ts(m, l->steals[k]);

		if (rts >= v->t0 + v->span)
			break;
		if (filtering && !view_passes(v, m, l->steals[k]))
			continue;
		if ((c = col_of(v, rts, w)) < 0)
			continue;
		if (r->tid == lane)
			bins[c].steal_in++;
		else
			bins[c].steal_out++;
		bins[c].kinds |= MV_KBIT(MV_K_STEAL);
	}
	/* discarded events: on every lane, the loss is not per thread */
	k = idx_lower_bound(m, m->discards, m->ndiscards, v->t0);
	for (; k < m->ndiscards; k++) {
		uint64_t rts = model_ts(m, m->discards[k]);

		if (rts >= v->t0 + v->span)
			break;
		if ((c = col_of(v, rts, w)) >= 0)
			bins[c].kinds |= MV_KBIT(MV_K_DISCARD);
	}
}

static void set_cell(struct lane_cell *c, char ch, int style, int attr,
		     int prio)
{
	c->ch = ch;
	c->style = (uint8_t)style;
	c->attr = (uint8_t)attr;
	c->prio = (int8_t)prio;
}

/* fast f / locked l io_cbs in one bin */
static void io_cell(uint32_t f, uint32_t l, struct lane_cell *c)
{
	if (!f && !l)
		return;
	if (!l)
		set_cell(c, 'f', ST_FAST, 0, P_FAST);
	else if (!f)
		set_cell(c, 'L', ST_LOCKED, SA_BOLD, P_LOCKED);
	else
		set_cell(c, l <= 9 ? (char)('0' + l) : '#', ST_LOCKED, SA_BOLD,
			 P_LOCKED);
}

/* The cell of row <row> (enum scr_row) for bin <b>. Steal cells get 'S'
 * (this thread stole) or 's' (it was stolen from); screen_render() writes
 * the other thread's number after it. */
void screen_cell(const struct scr_bin *b, int row, struct lane_cell *c)
{
	unsigned int k = b->kinds, marks = 0;
	uint32_t fs = b->n[MV_BC_FLAG_SET], fc = b->n[MV_BC_FLAG_CLEAR];

	set_cell(c, ' ', ST_NORMAL, 0, P_EMPTY);
	switch (row) {
	case SR_FRONT:
		io_cell(b->n[MV_BC_FRONT_FAST], b->n[MV_BC_FRONT_LOCKED], c);
		return;
	case SR_BACK:
		io_cell(b->n[MV_BC_BACK_FAST], b->n[MV_BC_BACK_LOCKED], c);
		return;
	case SR_IO:
		io_cell(b->n[MV_BC_FRONT_FAST] + b->n[MV_BC_BACK_FAST],
			b->n[MV_BC_FRONT_LOCKED] + b->n[MV_BC_BACK_LOCKED], c);
		return;
	case SR_FLAG:
		if (fs && fc)
			set_cell(c, '*', ST_FLAG_SET, SA_BOLD, P_FLAG);
		else if (fs)
			set_cell(c, '+', ST_FLAG_SET, SA_BOLD, P_FLAG);
		else if (fc)
			set_cell(c, '-', ST_FLAG_CLEAR, 0, P_FLAG);
		if (k & MV_KBIT(MV_K_DISCARD))
			set_cell(c, '!', ST_DISCARD, SA_BOLD, P_DISCARD);
		return;
	}
	/* SR_LOCK and SR_EVTS: the rare marks, most important first */
	if (k & MV_KBIT(MV_K_DISCARD))
		marks++;
	if (b->steal_in || b->steal_out)
		marks++;
	if (b->n[MV_BC_STOLEN])
		marks++;
	if (k & MV_KBIT(MV_K_STEAL_FAIL))
		marks++;
	if (row == SR_EVTS && (fs || fc))
		marks++;
	if (k & MV_KBIT(MV_K_DISCARD))
		set_cell(c, '!', ST_DISCARD, SA_BOLD, P_DISCARD);
	else if (b->steal_in)
		set_cell(c, 'S', ST_STEAL, SA_BOLD, P_STEAL);
	else if (b->steal_out)
		set_cell(c, 's', ST_STEAL, SA_BOLD, P_STEAL);
	else if (b->n[MV_BC_STOLEN])
		set_cell(c, 'x', ST_STOLEN, SA_BOLD, P_STOLEN);
	else if (k & MV_KBIT(MV_K_STEAL_FAIL))
		set_cell(c, '?', ST_STEAL, SA_BOLD, P_FAIL);
	else if (row == SR_EVTS && fs && fc)
		set_cell(c, '*', ST_FLAG_SET, SA_BOLD, P_FLAG);
	else if (row == SR_EVTS && fs)
		set_cell(c, '+', ST_FLAG_SET, SA_BOLD, P_FLAG);
	else if (row == SR_EVTS && fc)
		set_cell(c, '-', ST_FLAG_CLEAR, 0, P_FLAG);
	else if (row == SR_LOCK && (k & MV_KBIT(MV_K_TRYFAIL)))
		set_cell(c, '/', ST_TRYFAIL, 0, P_TRY);
	else if (row == SR_LOCK && (k & (MV_KBIT(MV_K_HOLD) |
					 MV_KBIT(MV_K_LOCK))))
		set_cell(c, '=', ST_HOLD, 0, P_HOLD);
	else if (row == SR_LOCK && (k & MV_KBIT(MV_K_WAIT)))
		set_cell(c, '~', ST_WAIT, 0, P_WAIT);
	if (marks > 1)
		c->attr |= SA_UNDER;
}

/* ---- lanes ---- */

static void ensure_follow(struct screen *s, const struct model *m,
			  uint32_t conn)
{
	const struct mv_conn *ci;
	uint32_t i;
	size_t n = 0;

	if (s->fm == m && s->fconn == conn && s->fm_nev == m->nev)
		return;
	free(s->fev);
	s->fev = NULL;
	s->nfev = 0;
	s->fm = m;
	s->fconn = conn;
	s->fm_nev = m->nev;
	if (!conn || !m->finished || conn >= m->nconn_info)
		return;
	ci = &m->conn_info[conn];
	if (ci->first == MV_NONE || !ci->nev)
		return;
	s->fev = malloc(ci->nev * sizeof(*s->fev));
	if (!s->fev)
		return;
	for (i = ci->first; i <= ci->last; i++)
		if (model_rec_conn(m, i) == conn && n < ci->nev)
			s->fev[n++] = i;
	s->nfev = n;
}

/* the row of layout <L> where an event of kind <want> (enum scr_row)
 * goes, -1 if none */
static int layout_row(const struct layout *L, int want)
{
	int i;

	if (L->rpt < 4 && (want == SR_FLAG || want == SR_LOCK))
		want = SR_EVTS;
	if (L->rpt < 3 && (want == SR_FRONT || want == SR_BACK))
		want = SR_IO;
	for (i = 0; i < L->rpt; i++)
		if (L->row[i] == want)
			return i;
	return -1;
}

/* which row a followed connection's event belongs to */
static int follow_row(const struct mv_rec *r, int conn_side)
{
	switch (r->type) {
	case MV_T_FLAG_SET: case MV_T_FLAG_CLEAR:
		return SR_FLAG;
	case MV_T_TAKEOVER: case MV_T_IO_CB_STOLEN:
		return SR_LOCK;
	case MV_T_IO_CB:
		return mv_rec_side(r) == SIDE_FRONT ? SR_FRONT : SR_BACK;
	}
	return conn_side == SIDE_FRONT ? SR_FRONT : SR_BACK;
}

/* the followed connection on lane <lane>: its events in reverse video,
 * its time on this thread as '_' in empty cells of its side's row.
 * Returns 1 if it has an event in the window on this lane. */
static int follow_overlay(struct screen *s, const struct model *m,
			  const struct view *v, int lane, int w,
			  const struct layout *L, struct lane_cell *cells)
{
	const struct mv_conn *ci;
	size_t k, lo;
	int owner = -1, has = 0, c, side_row;
	uint64_t seg0 = 0;

	if (!v->follow)
		return 0;
	ensure_follow(s, m, v->follow);
	if (!s->nfev || v->follow >= m->nconn_info)
		return 0;
	ci = &m->conn_info[v->follow];
	side_row = layout_row(L, ci->side == SIDE_FRONT ? SR_FRONT : SR_BACK);
	for (k = 0; k < s->nfev && side_row >= 0; k++) {
		const struct mv_rec *r = &m->ev[s->fev[k]];
		uint64_t rts = model_ts(m, s->fev[k]);
		int nowner = owner;

		if (owner < 0 && r->tid < MV_TID_BAD)
			nowner = r->tid;
		if (r->type == MV_T_TAKEOVER && mv_rec_bool(r))
			nowner = r->tid;
		if (nowner != owner || k + 1 == s->nfev ||
		    r->type == MV_T_CONN_FREE) {
			if (owner == lane && rts >= v->t0) {
				int c0 = col_of(v, seg0 > v->t0 ? seg0 : v->t0,
						w);
				int c1 = rts >= v->t0 + v->span ? w - 1 :
					 col_of(v, rts, w);
				struct lane_cell *row = cells +
							(size_t)side_row * w;

				for (c = c0; c0 >= 0 && c <= c1 && c < w; c++)
					if (row[c].prio == P_EMPTY)
						set_cell(&row[c], '_',
							 ST_FOLLOW, 0, P_EMPTY);
			}
			owner = nowner;
			seg0 = rts;
		}
		if (r->type == MV_T_CONN_FREE)
			break;
	}
	lo = idx_lower_bound(m, s->fev, s->nfev, v->t0);
	for (k = lo; k < s->nfev; k++) {
		const struct mv_rec *r = &m->ev[s->fev[k]];
		uint64_t rts = model_ts(m, s->fev[k]);
		struct lane_cell *cell;
		int row;

		if (rts >= v->t0 + v->span)
			break;
		if (r->tid != lane || (c = col_of(v, rts, w)) < 0)
			continue;
		row = layout_row(L, follow_row(r, ci->side));
		if (row < 0)
			continue;
		has = 1;
		cell = &cells[(size_t)row * w + c];
		cell->style = ST_FOLLOW;
		cell->attr |= SA_REV | SA_BOLD;
		if (cell->prio == P_EMPTY) {
			cell->ch = r->type == MV_T_IO_CB ?
				   (mv_rec_bool(r) ? 'L' : 'f') : 'o';
			cell->prio = P_HOLD;
		}
	}
	return has;
}

static void right_counts(struct screen *s, int x, int y, uint64_t a,
			 char ga, int sa, uint64_t b, char gb, int sb)
{
	char n1[16], n2[16];

	/* a zero count is dim: the eye goes to what happened */
	printf_at(s, x, y, a ? ST_NORMAL : ST_OTHER, 0, " %5s",
		  fmt_count(n1, sizeof(n1), a));
	put(s, x + 6, y, ga, a ? sa : ST_OTHER, a && sa == ST_LOCKED ?
	    SA_BOLD : 0);
	printf_at(s, x + 7, y, b ? ST_NORMAL : ST_OTHER, 0, "%5s",
		  fmt_count(n2, sizeof(n2), b));
	put(s, x + 12, y, gb, b ? sb : ST_OTHER, b && sb == ST_LOCKED ?
	    SA_BOLD : 0);
}

/* Draw the rows of thread <lane> of trace <t> from screen row <y>. */
static void draw_thread(struct screen *s, const struct tr *t, int lane,
			int y, const struct layout *L, int w, int rw,
			const uint32_t *pos, struct scr_bin *bins,
			struct lane_cell *cells)
{
	const struct model *m = t->m;
	const struct view *v = t->v;
	const struct mv_lane *l = &m->lanes[lane];
	int sel = t->active && lane == v->lane, r, c, has_follow, cur = -1;
	uint64_t sum[MV_BC_COUNT] = { 0 }, sin = 0;
	size_t k;

	screen_bins(m, v, lane, w, pos, bins);
	for (c = 0; c < w; c++) {
		for (k = 0; k < MV_BC_COUNT; k++)
			sum[k] += bins[c].n[k];
		sin += bins[c].steal_in;
		for (r = 0; r < L->rpt; r++)
			screen_cell(&bins[c], L->row[r],
				    &cells[(size_t)r * w + c]);
	}
	/* steals: the other thread's number after S / s */
	k = idx_lower_bound(m, l->steals, l->nsteals, v->t0);
	for (; k < l->nsteals; k++) {
		const struct mv_rec *rr = &m->ev[l->steals[k]];
		uint64_t rts = model_ts(m, l->steals[k]);
		int row = layout_row(L, SR_LOCK), other, j;
		char num[8];

		if (rts >= v->t0 + v->span || row < 0)
			break;
		if (view_filtering(v) && !view_passes(v, m, l->steals[k]))
			continue;
		if ((c = col_of(v, rts, w)) < 0)
			continue;
		other = rr->tid == lane ? mv_rec_from(rr) : rr->tid;
		snprintf(num, sizeof(num), "%d", other);
		for (j = 0; num[j] && c + 1 + j < w; j++) {
			struct lane_cell *n = &cells[(size_t)row * w + c + 1 +
						     j];

			if (n->prio <= P_STEAL)
				break;
			set_cell(n, num[j], ST_STEAL, SA_BOLD, P_STEAL);
		}
	}
	/* mode changes of this thread (control socket): an M down its
	 * rows at that instant; its io_cbs change colour from there */
	k = idx_lower_bound(m, m->modes, m->nmodes, v->t0);
	for (; k < m->nmodes; k++) {
		const struct mv_rec *rr = &m->ev[m->modes[k]];
		uint64_t rts = model_ts(m, m->modes[k]);

		if (rts >= v->t0 + v->span)
			break;
		if (rr->tid != lane || (c = col_of(v, rts, w)) < 0)
			continue;
		for (r = 0; r < L->rpt; r++)
			set_cell(&cells[(size_t)r * w + c], r ? '|' : 'M',
				 ST_MARK, SA_BOLD, P_DISCARD);
	}
	has_follow = follow_overlay(s, m, v, lane, w, L, cells);
	if (t->have_cur)
		cur = col_of(v, t->cur_ts, w);

	for (r = 0; r < L->rpt; r++) {
		int yy = y + r, row = L->row[r];
		const struct lane_cell *rc = &cells[(size_t)r * w];

		fill_row(s, yy, ST_NORMAL);
		if (r == 0)
			printf_at(s, 0, yy, sel ? ST_SELLABEL : ST_LABEL,
				  sel ? SA_BOLD : 0, "%cT%-3d%c%5s|",
				  sel ? '>' : ' ', lane, has_follow ? '*' : ' ',
				  row_names[row]);
		else
			printf_at(s, 0, yy, sel ? ST_SELLABEL : ST_LABEL, 0,
				  "      %5s|", row_names[row]);
		for (c = 0; c < w; c++)
			put(s, SCREEN_LABEL_W + c, yy, rc[c].ch, rc[c].style,
			    rc[c].attr);
		if (cur >= 0) {
			struct scr_cell *sc = at(s, SCREEN_LABEL_W + cur, yy);

			sc->attr |= SA_REV;
			if (sel && sc->ch == ' ')
				sc->ch = '|';
		}
		if (!rw)
			continue;
		switch (row) {
		case SR_FRONT:
			right_counts(s, SCREEN_LABEL_W + w, yy,
				     sum[MV_BC_FRONT_FAST], 'f', ST_FAST,
				     sum[MV_BC_FRONT_LOCKED], 'L', ST_LOCKED);
			break;
		case SR_BACK:
			right_counts(s, SCREEN_LABEL_W + w, yy,
				     sum[MV_BC_BACK_FAST], 'f', ST_FAST,
				     sum[MV_BC_BACK_LOCKED], 'L', ST_LOCKED);
			break;
		case SR_IO:
			right_counts(s, SCREEN_LABEL_W + w, yy,
				     sum[MV_BC_FRONT_FAST] +
				     sum[MV_BC_BACK_FAST], 'f', ST_FAST,
				     sum[MV_BC_FRONT_LOCKED] +
				     sum[MV_BC_BACK_LOCKED], 'L', ST_LOCKED);
			break;
		case SR_FLAG:
			right_counts(s, SCREEN_LABEL_W + w, yy,
				     sum[MV_BC_FLAG_SET], '+', ST_FLAG_SET,
				     sum[MV_BC_FLAG_CLEAR], '-',
				     ST_FLAG_CLEAR);
			break;
		case SR_LOCK:
			right_counts(s, SCREEN_LABEL_W + w, yy, sin, 'S',
				     ST_STEAL, sum[MV_BC_STOLEN], 'x',
				     ST_STOLEN);
			break;
		case SR_EVTS:
			right_counts(s, SCREEN_LABEL_W + w, yy, sin, 'S',
				     ST_STEAL, sum[MV_BC_FLAG_SET], '+',
				     ST_FLAG_SET);
			break;
		}
	}
}

/* Draw the lanes of trace <t>, threads from v->lane_top, on rows [y,
 * y + h). Sets v->lanes_shown. */
static void draw_lanes(struct screen *s, const struct tr *t, int y, int h,
		       const struct layout *L, int w, int rw)
{
	const struct model *m = t->m;
	struct view *v = t->v;
	int shown = h / L->rpt, lane;
	struct scr_bin *bins;
	struct lane_cell *cells;
	uint32_t *pos;

	if (shown < 1)
		shown = 1;
	v->lanes_shown = shown;
	if (v->lane < v->lane_top)
		v->lane_top = v->lane;
	if (v->lane >= v->lane_top + shown)
		v->lane_top = v->lane - shown + 1;
	if (v->lane_top + shown > m->nlanes)
		v->lane_top = m->nlanes > shown ? m->nlanes - shown : 0;
	if (!m->nlanes || w <= 0) {
		puts_at(s, 0, y, v->loading ? "  (loading...)" :
			"  (no thread in this trace)", ST_NORMAL, 0);
		return;
	}
	bins = calloc((size_t)w, sizeof(*bins));
	cells = calloc((size_t)w * (size_t)L->rpt, sizeof(*cells));
	pos = screen_bin_pos(m, v, w);
	for (lane = v->lane_top; bins && cells && pos && lane < m->nlanes &&
	     y + L->rpt <= s->rows && (lane - v->lane_top) < shown; lane++) {
		draw_thread(s, t, lane, y, L, w, rw, pos, bins, cells);
		y += L->rpt;
	}
	free(pos);
	free(cells);
	free(bins);
	/* more threads than rows: say so on the first/last label, where
	 * the label is blank */
	if (v->lane_top > 0)
		put(s, 4, y - shown * L->rpt, '^', ST_LABEL, SA_BOLD);
	if (v->lane_top + shown < m->nlanes)
		put(s, 0, y - 1, 'v', ST_LABEL, SA_BOLD);
}

/* ---- legend ---- */

/* Lay the legend for layout <L> out on rows [y, y + rows); with
 * <draw> 0 only count the rows it needs (at most <rows>). */
static int draw_legend(struct screen *s, int y, int rows,
		       const struct layout *L, int draw, int modes)
{
	int x = 0, r = 0, i, bit = L->rpt == 4 ? 1 : L->rpt == 3 ? 2 : 4;

	if (draw)
		for (i = 0; i < rows; i++)
			fill_row(s, y + i, ST_AXIS);
	for (i = 0; i < NLEGEND; i++) {
		const struct legend_item *li = &legend_items[i];
		int len = (li->glyph ? (int)strlen(li->glyph) + 1 : 0) +
			  (int)strlen(li->text);
		int gap = x ? (li->glyph ? 1 : 2) : 0;

		if (!(li->rows & bit) || ((li->rows & 8) && !modes))
			continue;
		if (x + gap + len > s->cols) {
			if (r + 1 >= rows)
				continue;	/* left out whole */
			r++;
			x = 0;
			gap = 0;
		}
		x += gap;
		if (draw) {
			if (li->glyph) {
				x = puts_at(s, x, y + r, li->glyph, li->style,
					    li->style == ST_LOCKED ||
					    li->style == ST_STEAL ? SA_BOLD : 0);
				x = puts_at(s, x + 1, y + r, li->text, ST_AXIS,
					    0);
			} else {
				x = puts_at(s, x, y + r, li->text, ST_AXIS,
					    SA_BOLD);
			}
		} else {
			x += len;
		}
	}
	return r + 1;
}

/* ---- bottom pane ---- */

static void wrap_text(struct screen *s, int y0, int rows, const char *text,
		      int indent)
{
	int w = s->cols - indent, y = y0;
	const char *p = text;

	while (*p && y < y0 + rows && w > 0) {
		int n = (int)strlen(p), cut = n;

		if (n > w) {
			cut = w;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = w;
		}
		fill_row(s, y, ST_NORMAL);
		for (int i = 0; i < cut; i++)
			put(s, indent + i, y, p[i], ST_NORMAL, 0);
		p += cut;
		while (*p == ' ')
			p++;
		y++;
	}
}

static int life_text(const struct model *m, uint32_t conn, uint32_t upto,
		     char *buf, size_t len)
{
	struct mv_life_step st[64];
	int n = model_conn_life(m, conn, st, 64, MV_NONE), i, o, cur = -1;
	const struct mv_conn *ci = &m->conn_info[conn];

	for (i = 0; i < n && i < 64; i++)
		if (st[i].ev <= upto)
			cur = i;
	o = snprintf(buf, len, "conn %" PRIu64 " (%s %s):",
		     model_conn_id(m, conn),
		     ci->mux < MUX_COUNT ? mv_mux_name(ci->mux) : "?",
		     ci->side < SIDE_COUNT ? mv_side_name(ci->side) : "?");
	for (i = 0; i < n && i < 64 && o < (int)len; i++) {
		char t[32], what[48];

		if (st[i].state == MV_CS_STOLEN)
			snprintf(what, sizeof(what), "stolen T%d>T%d",
				 st[i].other, st[i].tid);
		else if (st[i].state == MV_CS_IDLE)
			snprintf(what, sizeof(what), "%s",
				 mv_list_name(st[i].list));
		else
			snprintf(what, sizeof(what), "%s@T%d",
				 mv_cs_name(st[i].state), st[i].tid);
		o += snprintf(buf + o, len - o, " %s%s%s+%s%s", i ? "> " : "",
			      i == cur ? "[" : "", what,
			      fmt_time(t, sizeof(t), model_ts(m, st[i].ev) -
				       m->t_first), i == cur ? "]" : "");
	}
	if (n > 64 && o < (int)len)
		snprintf(buf + o, len - o, " ...");
	return n;
}

static void draw_life(struct screen *s, const struct tr *t, int y0,
		      int rows);

static void draw_detail(struct screen *s, const struct tr *t, int y0,
			int rows)
{
	const struct model *m = t->m;
	const struct view *v = t->v;
	char line[1024], name[64], tm[32];
	uint32_t conn;
	int vt, used;

	if (v->cursor == MV_NONE || v->cursor >= m->nev) {
		puts_at(s, 0, y0, "(empty trace)", ST_NORMAL, 0);
		return;
	}
	fmt_event_name(m, v->cursor, name, sizeof(name));
	vt = m->ev[v->cursor].tid < m->nlanes ?
	     m->lanes[m->ev[v->cursor].tid].vtid : -1;
	fill_row(s, y0, ST_NORMAL);
	printf_at(s, 0, y0, ST_NORMAL, SA_BOLD, "%s%s#%" PRIu32 " +%s %s  "
		  "(vtid %d)", t->tag ? (t->tag == 'A' ? "A" : "B") : "",
		  t->tag ? " " : "", v->cursor,
		  fmt_time(tm, sizeof(tm), model_ts(m, v->cursor) -
			   m->t_first), name, vt);
	fmt_event(m, v->cursor, line, sizeof(line));
	used = rows > 2 ? rows - 2 : rows - 1;
	wrap_text(s, y0 + 1, used, line, 2);
	conn = model_rec_conn(m, v->cursor);
	if (rows > 2 && conn && m->finished) {
		int n = life_text(m, conn, v->cursor, line, sizeof(line));
		int y = y0 + 1 + used;

		/* the text may leave rows free: the life as a list there */
		while (y > y0 + 1 && at(s, 2, y - 1)->ch == ' ' &&
		       at(s, 3, y - 1)->ch == ' ')
			y--;
		if (rows - (y - y0) >= 4 && n > 0) {
			draw_life(s, t, y, rows - (y - y0));
		} else {
			fill_row(s, y0 + rows - 1, ST_NORMAL);
			puts_at(s, 0, y0 + rows - 1, line, ST_FOLLOW, 0);
		}
	}
}

/* io_cb counts of one thread, as --stats counts them */
struct iocb_sum {
	uint64_t fast, locked, ff, fl, bf, bl;
	uint64_t mux_locked[MUX_COUNT + 1];
};

static void iocb_sum(const struct mv_thread_stats *st, struct iocb_sum *o)
{
	int x, sd;

	memset(o, 0, sizeof(*o));
	for (sd = 0; sd <= SIDE_COUNT; sd++) {
		for (x = 0; x <= MUX_COUNT; x++) {
			o->fast += st->io_cb[sd][x][PATH_FAST];
			o->locked += st->io_cb[sd][x][PATH_LOCKED];
			o->mux_locked[x] += st->io_cb[sd][x][PATH_LOCKED];
		}
	}
	for (x = 0; x <= MUX_COUNT; x++) {
		o->ff += st->io_cb[SIDE_FRONT][x][PATH_FAST];
		o->fl += st->io_cb[SIDE_FRONT][x][PATH_LOCKED];
		o->bf += st->io_cb[SIDE_BACK][x][PATH_FAST];
		o->bl += st->io_cb[SIDE_BACK][x][PATH_LOCKED];
	}
}

/* io_cb (<locks> 0) or locks (<locks> 1) per thread of each trace */
static void draw_stats(struct screen *s, const struct tr *t, int ntr,
		       int y0, int rows, int locks)
{
	int y = y0, i, lane, lw = ntr > 1 ? 6 : 4;

	fill_row(s, y, ST_AXIS);
	if (!locks)
		printf_at(s, 0, y, ST_AXIS, SA_BOLD, "%-*s %10s %7s %5s "
			  "%13s %13s %6s %6s %6s", lw, "thr", "io_cb fast",
			  "locked", "%lock", "front f/L ", "back f/L  ",
			  "h1 L", "h2 L", "fcgi L");
	else
		printf_at(s, 0, y, ST_AXIS, SA_BOLD, "%-*s %6s %5s %8s %7s "
			  "%8s %7s %7s %5s %11s", lw, "thr", "locks", "tryf",
			  "wait us", "max us", "hold us", "max us", "in/out",
			  "freed", "USR1 +/-  ");
	y++;
	for (i = 0; i < ntr; i++) {
		const struct model *m = t[i].m;
		const struct view *v = t[i].v;
		int top = ntr > 1 ? 0 : v->lane_top;

		for (lane = top; lane < m->nlanes && y < y0 + rows;
		     lane++, y++) {
			const struct mv_thread_stats *st = &m->lanes[lane].st;
			char lab[16], a[16], b[16], c[16], d[16], e[16];
			char f[16], g[16], h[16], k[16], fl[32], bl[32];
			int x;

			fill_row(s, y, ST_NORMAL);
			if (ntr > 1)
				snprintf(lab, sizeof(lab), "%c T%d", t[i].tag,
					 lane);
			else
				snprintf(lab, sizeof(lab), "T%d", lane);
			x = printf_at(s, 0, y, t[i].active && lane == v->lane ?
				      ST_SELLABEL : ST_LABEL, 0, "%-*s", lw,
				      lab);
			if (!locks) {
				struct iocb_sum o;

				iocb_sum(st, &o);
				snprintf(fl, sizeof(fl), "%s/%s",
					 fmt_count(a, sizeof(a), o.ff),
					 fmt_count(b, sizeof(b), o.fl));
				snprintf(bl, sizeof(bl), "%s/%s",
					 fmt_count(c, sizeof(c), o.bf),
					 fmt_count(d, sizeof(d), o.bl));
				printf_at(s, x, y, ST_NORMAL, 0, " %10s %7s "
					  "%5.1f %13s %13s %6s %6s %6s",
					  fmt_count(e, sizeof(e), o.fast),
					  fmt_count(f, sizeof(f), o.locked),
					  o.fast + o.locked ? 100.0 *
					  (double)o.locked /
					  (double)(o.fast + o.locked) : 0.0,
					  fl, bl,
					  fmt_count(g, sizeof(g),
						    o.mux_locked[MUX_H1]),
					  fmt_count(h, sizeof(h),
						    o.mux_locked[MUX_H2]),
					  fmt_count(k, sizeof(k),
						    o.mux_locked[MUX_FCGI]));
			} else {
				snprintf(fl, sizeof(fl), "%" PRIu64 "/%" PRIu64,
					 st->steal_in, st->steal_out);
				snprintf(bl, sizeof(bl), "%" PRIu64 "/%" PRIu64,
					 st->flag_set, st->flag_clear);
				printf_at(s, x, y, ST_NORMAL, 0, " %6s %5s "
					  "%8.1f %7.1f %8.1f %7.1f %7s %5" PRIu64
					  " %11s",
					  fmt_count(a, sizeof(a), st->lock_acq),
					  fmt_count(b, sizeof(b),
						    st->lock_tryfail),
					  (double)st->wait_ns / 1e3,
					  (double)st->wait_max / 1e3,
					  (double)st->hold_ns / 1e3,
					  (double)st->hold_max / 1e3, fl,
					  st->stolen_freed, bl);
			}
		}
	}
	for (; y < y0 + rows; y++)
		fill_row(s, y, ST_NORMAL);
}

/* two traces: their totals side by side, then per thread if room */
static void draw_summary(struct screen *s, const struct tr *t, int ntr,
			 int y0, int rows)
{
	int y = y0, i, lane, nw = 8, pass;

	for (i = 0; i < ntr; i++) {
		int n = (int)strlen(t[i].v->name) + 2;

		if (n > nw)
			nw = n;
	}
	if (nw > s->cols - 62)
		nw = s->cols - 62 > 8 ? s->cols - 62 : 8;
	fill_row(s, y, ST_AXIS);
	printf_at(s, 0, y, ST_AXIS, SA_BOLD, "%-*s %-6s %7s %7s %6s %7s %6s "
		  "%6s %6s", nw, "trace", "mode", "io fast", "locked", "%lock",
		  "locks", "steals", "USR1+", "USR1-");
	y++;
	/* pass 0: whole traces; pass 1: each thread, when there is room */
	for (pass = 0; pass < 2; pass++) {
		int need = 0;

		for (i = 0; i < ntr; i++)
			need += t[i].m->nlanes;
		if (pass == 1 && y + need >= y0 + rows)
			break;
		for (i = 0; i < ntr; i++) {
			const struct model *m = t[i].m;
			int l0 = pass ? 0 : -1, l1 = pass ? m->nlanes : 0;

			for (lane = l0; lane < l1 && y < y0 + rows; lane++) {
				struct iocb_sum o, tot;
				uint64_t acq = 0, st = 0, fs = 0, fc = 0;
				char name[64], a[16], b[16], c[16], d[16];
				char e[16], f[16];
				int k, k0 = lane < 0 ? 0 : lane;
				int k1 = lane < 0 ? m->nlanes : lane + 1;

				memset(&tot, 0, sizeof(tot));
				for (k = k0; k < k1; k++) {
					const struct mv_thread_stats *ts =
						&m->lanes[k].st;

					iocb_sum(ts, &o);
					tot.fast += o.fast;
					tot.locked += o.locked;
					acq += ts->lock_acq;
					st += ts->steal_in;
					fs += ts->flag_set;
					fc += ts->flag_clear;
				}
				if (lane < 0)
					snprintf(name, sizeof(name), "%c %s",
						 t[i].tag, t[i].v->name);
				else
					snprintf(name, sizeof(name), "%c   T%d",
						 t[i].tag, lane);
				fill_row(s, y, ST_NORMAL);
				printf_at(s, 0, y, t[i].active ? ST_SELLABEL :
					  ST_LABEL, lane < 0 ? SA_BOLD : 0,
					  "%-*.*s", nw, nw, name);
				printf_at(s, nw, y, ST_NORMAL, 0, " %-6s %7s",
					  m->run.have_start ?
					  mv_mode_name(m->run.mode) : "?",
					  fmt_count(a, sizeof(a), tot.fast));
				printf_at(s, nw + 15, y, tot.locked ?
					  ST_LOCKED : ST_NORMAL, tot.locked ?
					  SA_BOLD : 0, " %7s", fmt_count(b,
					  sizeof(b), tot.locked));
				printf_at(s, nw + 23, y, ST_NORMAL, 0, " %6.1f "
					  "%7s %6s %6s %6s", tot.fast +
					  tot.locked ? 100.0 *
					  (double)tot.locked /
					  (double)(tot.fast + tot.locked) : 0.0,
					  fmt_count(c, sizeof(c), acq),
					  fmt_count(d, sizeof(d), st),
					  fmt_count(e, sizeof(e), fs),
					  fmt_count(f, sizeof(f), fc));
				y++;
			}
		}
	}
	for (; y < y0 + rows; y++)
		fill_row(s, y, ST_NORMAL);
}

static void draw_life(struct screen *s, const struct tr *t, int y0,
		      int rows)
{
	const struct model *m = t->m;
	const struct view *v = t->v;
	struct mv_life_step st[256];
	uint32_t conn = v->cursor != MV_NONE && v->cursor < m->nev ?
			model_rec_conn(m, v->cursor) : 0;
	int n, i, y = y0, cur = -1, first = 0, list;
	char tm[32];

	if (!conn || !m->finished) {
		puts_at(s, 0, y0, "no connection at the cursor (life of the "
			"cursor's conn)", ST_NORMAL, 0);
		return;
	}
	n = model_conn_life(m, conn, st, 256, MV_NONE);
	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		if (st[i].ev <= v->cursor)
			cur = i;
	/* keep the current step in sight: scroll the list around it */
	list = rows - 1;
	if (list > 0 && cur >= 0 && n > list) {
		first = cur - list / 2;
		if (first > n - list)
			first = n - list;
		if (first < 0)
			first = 0;
	}
	fill_row(s, y, ST_NORMAL);
	printf_at(s, 0, y++, ST_AXIS, SA_BOLD, "life of conn %" PRIu64
		  " (%u event%s, %u steal%s)  step %d of %d",
		  model_conn_id(m, conn), m->conn_info[conn].nev,
		  m->conn_info[conn].nev == 1 ? "" : "s",
		  m->conn_info[conn].steals,
		  m->conn_info[conn].steals == 1 ? "" : "s", cur + 1, n);
	for (i = first; i < n && y < y0 + rows; i++, y++) {
		int here = i == cur;

		fill_row(s, y, ST_NORMAL);
		printf_at(s, 0, y, here ? ST_FOLLOW : ST_NORMAL,
			  here ? SA_BOLD : 0, "%c #%-9" PRIu32 " +%s  T%-3d %s",
			  here ? '>' : ' ', st[i].ev,
			  fmt_time(tm, sizeof(tm), model_ts(m, st[i].ev) -
				   m->t_first), st[i].tid,
			  mv_cs_name(st[i].state));
		if (st[i].state == MV_CS_STOLEN)
			printf_at(s, 42, y, ST_STEAL, 0, "from T%d",
				  st[i].other);
		if (st[i].state == MV_CS_IDLE)
			printf_at(s, 42, y, ST_IDLE, 0, "%s list",
				  mv_list_name(st[i].list));
	}
}

/* the help line after which a live view's control socket is named */
#define HELP_CTL_AFTER	\
	"                 control socket; each thread's switch shows as M"

static const char *const help_text[] = {
	"muxview keys (Trace Compass / Perfetto style)",
	"",
	"  , . or <- ->   previous/next event of the selected thread",
	"  [ ]            previous/next event of any thread (or Shift-<- ->)",
	"  up down  k j   select thread        PgUp PgDn  pan a window",
	"  w s  + = -     zoom in/out around the cursor",
	"  a d            pan a quarter window  0  whole trace",
	"  Home End       first/last event     Enter  centre on cursor",
	"  space p        play/pause           < >  slower/faster",
	"                 (playback moves a tenth of the window a second)",
	"  g              go to a time (1.25, 1250ms, 40us)",
	"  t T            next/previous steal (takeover ok=1)",
	"  l L            next/previous locked io_cb",
	"  u U            next/previous USR1 flag set/clear",
	"  x X            next/previous discarded-events marker",
	"  c C            follow the cursor's connection / stop",
	"  { }            previous/next event of the followed conn",
	"  f              filter: mux=h1,h2,fcgi side=front,back conn=ID",
	"  F              filter on the followed connection (toggle)",
	"  m M  z         set marker A / B, zoom to A..B",
	"  / n N          search text, next/previous match",
	"  Tab Shift-Tab  pane: detail, io_cb stats, lock stats, conn life",
	"                 (two traces: and their totals side by side)",
	"  o              two traces: keys act on the other one",
	"  ? h            this help        q  quit     Ctrl-L  redraw",
	"live (lab/live):",
	"  space p        pause / follow the newest events (recording goes on)",
	"  End            follow the newest events again",
	"  e              flip the engine's mode (legacy <-> usr1) through its",
	HELP_CTL_AFTER,
	"",
	"Each thread T0, T1... has a group of rows; each column is a time",
	"bin holding every event under it, so nothing rare hides:",
	"  front, back  io_cbs of front / back connections:",
	"               f  every io_cb took the fast path (no lock)",
	"               L  every io_cb took the idle_conns_lock",
	"               3  3 took the lock, the others the fast path",
	"                  (# for 10 or more)",
	"  flag         TASK_F_USR1: + set  - cleared  * both",
	"  lock         S1 this thread took a connection from T1",
	"               s1 T1 took a connection from this thread",
	"               x  a stolen conn's old tasklet ran and freed itself",
	"               ?  takeover failed   / trylock failed",
	"               ~  waiting for a lock   =  a lock is held",
	"               !  events lost (discarded by the tracer)",
	"  M            the thread switched mode here (| down its other rows)",
	"  (fewer rows: io_cb = front and back, marks = flag and lock)",
	"  right margin: the same counted over the whole window",
	"  underlined: the cell hides another mark, zoom in",
	"  reverse video: the cursor column, the followed connection;",
	"  _ the followed connection lives on this thread",
};
#define HELP_LINES	(int)(sizeof(help_text) / sizeof(help_text[0]))

/* the help, scrolled to v->help_top; live, with a control socket, its
 * path after the live keys (the viewer covers the terminal where
 * lab/live printed it) */
static void draw_help(struct screen *s, struct view *v)
{
	const char *line[HELP_LINES + 1];
	char ctl[160];
	int y, body = s->rows - 1, i, n = 0;

	for (i = 0; i < HELP_LINES; i++) {
		line[n++] = help_text[i];
		if (v->live_ctl && !strcmp(help_text[i], HELP_CTL_AFTER)) {
			snprintf(ctl, sizeof(ctl), "                 (socket %s,"
				 " for socat from a shell)", v->live_ctl);
			line[n++] = ctl;
		}
	}
	if (body < 1)
		body = 1;
	v->help_rows = body;
	if (v->help_top > n - body)
		v->help_top = n - body > 0 ? n - body : 0;
	for (y = 0; y < s->rows; y++)
		fill_row(s, y, ST_NORMAL);
	for (y = 0; y < body && v->help_top + y < n; y++) {
		i = v->help_top + y;
		puts_at(s, 1, y, line[i], i ? ST_NORMAL : ST_HEADER,
			i ? 0 : SA_BOLD);
	}
	fill_row(s, s->rows - 1, ST_MSG);
	if (n > body)
		printf_at(s, 0, s->rows - 1, ST_MSG, SA_BOLD, "lines %d-%d of "
			  "%d: up/down j/k PgUp/PgDn space scroll, any other "
			  "key closes", v->help_top + 1, v->help_top + y, n);
	else
		puts_at(s, 0, s->rows - 1, "any key closes this help",
			ST_MSG, SA_BOLD);
}

static void draw_footer(struct screen *s, const struct view *v, int y,
			int compare)
{
	static const char *const prompts[] = {
		[PROMPT_SEEK] = "go to time: ",
		[PROMPT_SEARCH] = "/",
		[PROMPT_FILTER] = "filter (mux=h1,h2 side=back conn=ID): ",
	};
	static const char *const keys[] = {
		"? help", "q quit", "space play", ",. step", "w/s zoom",
		"a/d pan", "t steal", "l locked", "u flag", "c follow",
		"/ search", "Tab pane",
	};
	/* live: its own keys first (the engine may have stopped) */
	static const char *const live_keys[] = {
		"? help", "q quit", "e flip mode", "space pause", "End follow",
		"a/d pan", "w/s zoom", "t steal", "l locked", "Tab pane",
	};
	int live = v->live && !v->live_ended;
	const char *const *k = live ? live_keys : keys;
	size_t i, n = live ? sizeof(live_keys) / sizeof(live_keys[0]) :
		      sizeof(keys) / sizeof(keys[0]);
	int x = 0;

	fill_row(s, y, ST_MSG);
	if (v->prompt) {
		x = puts_at(s, 0, y, prompts[v->prompt], ST_MSG, SA_BOLD);
		x = puts_at(s, x, y, v->input, ST_MSG, 0);
		put(s, x, y, '_', ST_MSG, SA_REV);
	} else if (v->msg[0]) {
		puts_at(s, 0, y, v->msg, ST_MSG, SA_BOLD);
	} else {
		/* whole key hints only */
		if (compare)
			x = field_at(s, x, y, s->cols, ST_MSG, SA_BOLD,
				     "o other trace");
		/* (the UI leaves the last cell of the screen blank) */
		for (i = 0; i < n; i++)
			x = field_at(s, x, y, s->cols - 1, ST_MSG, 0, "%s%s",
				     x ? "  " : "", k[i]);
	}
}

/* the bottom pane of the active trace */
static void draw_pane(struct screen *s, const struct tr *t, int ntr,
		      const struct tr *act, int y, int h)
{
	switch (act->v->pane) {
	case PANE_DETAIL:
		draw_detail(s, act, y, h);
		break;
	case PANE_IOCB:
		draw_stats(s, t, ntr, y, h, 0);
		break;
	case PANE_LOCKS:
		draw_stats(s, t, ntr, y, h, 1);
		break;
	case PANE_SUMMARY:
		draw_summary(s, t, ntr, y, h);
		break;
	default:
		draw_life(s, act, y, h);
		break;
	}
}

/* rows the bottom pane needs at least */
static int pane_min(const struct tr *t, int ntr, const struct tr *act)
{
	int n = 0, i;

	switch (act->v->pane) {
	case PANE_IOCB:
	case PANE_LOCKS:
		for (i = 0; i < ntr; i++)
			n += t[i].m->nlanes;
		return n + 1 > 10 ? 10 : n + 1 < 3 ? 3 : n + 1;
	case PANE_SUMMARY:
		return 3;
	default:
		return ntr > 1 ? 3 : 4;
	}
}

/* Draw traces <t> (one, or two one above the other) into <s>. */
static void render(struct screen *s, struct tr *t, int ntr)
{
	int w, rw = RIGHT_W, i, li, avail, pmin, lanes_h, pane_h, y, legend;
	int threads = 0, cap, modes = 0;
	struct tr *act = &t[0];
	const struct layout *L = &layouts[NLAYOUTS - 1];

	for (i = 0; i < ntr; i++)
		if (t[i].active)
			act = &t[i];
	for (y = 0; y < s->rows; y++)
		fill_row(s, y, ST_NORMAL);
	if (act->v->help) {
		draw_help(s, act->v);
		return;
	}
	w = s->cols - SCREEN_LABEL_W - rw;
	if (w < 24) {
		rw = 0;
		w = s->cols - SCREEN_LABEL_W;
	}
	if (s->rows < SCREEN_MIN_ROWS || s->cols < SCREEN_MIN_COLS) {
		puts_at(s, 0, 0, "muxview: terminal too small", ST_WARN, 0);
		for (i = 0; i < ntr; i++)
			t[i].v->lanes_shown = 1;
		return;
	}
	/* the cursor column: the active trace's cursor, and the same
	 * time from the start on the other trace */
	for (i = 0; i < ntr; i++)
		t[i].have_cur = 0;
	if (act->v->cursor != MV_NONE && act->v->cursor < act->m->nev) {
		uint64_t rel = model_ts(act->m, act->v->cursor) -
			       act->m->t_first;

		for (i = 0; i < ntr; i++) {
			t[i].have_cur = 1;
			t[i].cur_ts = t[i].m->t_first + rel;
		}
	}
	for (i = 0; i < ntr; i++) {
		threads += t[i].m->nlanes;
		modes |= t[i].m->nmodes > 0;
	}
	pmin = pane_min(t, ntr, act);
	/* the richest layout that fits, its legend */
	for (li = 0; li < NLAYOUTS; li++) {
		legend = draw_legend(s, 0, s->cols >= 160 ? 1 : 2,
				     &layouts[li], 0, modes);
		avail = s->rows - LANES_ROW - (ntr > 1 ? ntr : 0) - legend -
			1 - pmin;
		if (threads * layouts[li].rpt <= avail) {
			L = &layouts[li];
			break;
		}
	}
	legend = draw_legend(s, 0, s->cols >= 160 ? 1 : 2, L, 0, modes);
	avail = s->rows - LANES_ROW - (ntr > 1 ? ntr : 0) - legend - 1;
	if (avail - pmin < L->rpt * ntr)
		pmin = avail - L->rpt * ntr > 1 ? avail - L->rpt * ntr : 1;
	/* lanes: each trace its threads, or its share of the rows */
	lanes_h = 0;
	cap = (avail - pmin) / ntr;
	y = LANES_ROW;
	draw_header(s, t, ntr);
	draw_axis(s, act, w, rw);
	for (i = 0; i < ntr; i++) {
		int want = t[i].m->nlanes * L->rpt, h;

		h = ntr > 1 ? cap : avail - pmin;
		if (want < L->rpt)
			want = L->rpt;
		if (h > want)
			h = want;
		if (h < L->rpt)
			h = L->rpt;
		h -= h % L->rpt;
		if (ntr > 1) {
			char c[32];
			int x;

			fill_row(s, y, ST_HEADER);
			x = printf_at(s, 0, y, ST_HEADER, t[i].active ? SA_BOLD
				      : 0, "%c%c ", t[i].active ? '>' : ' ',
				      t[i].tag);
			x = name_mode_fields(s, x, y, s->cols, t[i].m,
					     ST_HEADER, t[i].active ? SA_BOLD :
					     0, t[i].v->name,
					     t[i].v->t0 + t[i].v->span);
			x = run_fields(s, x, y, s->cols, t[i].m, ST_HEADER);
			field_at(s, x, y, s->cols, ST_HEADER, 0, "  %s long",
				 fmt_dur(c, sizeof(c),
					 view_trace_span(t[i].m)));
			y++;
			lanes_h++;
		}
		draw_lanes(s, &t[i], y, h, L, w, rw);
		y += h;
		lanes_h += h;
	}
	pane_h = s->rows - y - legend - 1;
	draw_legend(s, y, legend, L, 1, modes);
	y += legend;
	if (pane_h > 0)
		draw_pane(s, t, ntr, act, y, pane_h);
	draw_footer(s, act->v, s->rows - 1, ntr > 1);
	(void)lanes_h;
}

/* Draw view <v> of model <m> into <s>. Sets v->lanes_shown (and scrolls
 * v->lane_top to keep the selected lane visible). */
void screen_render(struct screen *s, const struct model *m, struct view *v)
{
	struct tr t = { .m = m, .v = v, .tag = 0, .active = 1 };

	render(s, &t, 1);
}

/* Draw two traces one above the other on a common time axis relative to
 * each trace's start: v[active] drives the window (the caller keeps the
 * other view in step with view_sync()) and takes the keys. */
void screen_render2(struct screen *s, const struct model *const m[2],
		    struct view *const v[2], int active)
{
	struct tr t[2] = {
		{ .m = m[0], .v = v[0], .tag = 'A', .active = active == 0 },
		{ .m = m[1], .v = v[1], .tag = 'B', .active = active == 1 },
	};

	render(s, t, 2);
}

/* Print the characters of <s>, one line per row, trailing blanks cut. */
void screen_print(const struct screen *s, FILE *f)
{
	int x, y, end;

	for (y = 0; y < s->rows; y++) {
		const struct scr_cell *row = &s->cells[(size_t)y * s->cols];

		for (end = s->cols; end > 0 && (row[end - 1].ch == ' ' ||
						 !row[end - 1].ch); end--)
			;
		for (x = 0; x < end; x++)
			fputc(row[x].ch ? row[x].ch : ' ', f);
		fputc('\n', f);
	}
}
