/*
 * screen.c - render a view of the model into a character grid.
 *
 * Layout, top to bottom: two header rows, the time axis, one row per lane
 * (engine thread), the legend, the bottom pane (event detail, statistics
 * or a connection's life), the status line. Each lane column is a time
 * bin; the cell shows the most important event kind in the bin (see
 * enum mv_kind), underlined when the bin hides other important kinds.
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

static const struct {
	char ch;
	uint8_t style;
} glyphs[MV_K_COUNT] = {
	[MV_K_DISCARD] = { '!', ST_DISCARD },
	[MV_K_STEAL] = { 'S', ST_STEAL },
	[MV_K_STOLEN] = { 'x', ST_STOLEN },
	[MV_K_FLAG_SET] = { '+', ST_FLAG_SET },
	[MV_K_FLAG_CLEAR] = { '-', ST_FLAG_CLEAR },
	[MV_K_LOCKED] = { 'L', ST_LOCKED },
	[MV_K_STEAL_FAIL] = { '?', ST_STEAL },
	[MV_K_IDLE_IN] = { 'i', ST_IDLE },
	[MV_K_IDLE_OUT] = { 'o', ST_IDLE },
	[MV_K_FAST] = { 'f', ST_FAST },
	[MV_K_TRYFAIL] = { '/', ST_TRYFAIL },
	[MV_K_LOCK] = { '=', ST_HOLD },
	[MV_K_CONN] = { 'c', ST_OTHER },
	[MV_K_OTHER] = { '.', ST_OTHER },
	[MV_K_WAIT] = { '~', ST_WAIT },
	[MV_K_HOLD] = { '=', ST_HOLD },
};

/* kinds whose glyph matters: a cell hiding two of them is "dense" */
#define MEANINGFUL	(~(MV_KBIT(MV_K_OTHER) | MV_KBIT(MV_K_LOCK) | \
			   MV_KBIT(MV_K_CONN) | MV_KBIT(MV_K_WAIT) | \
			   MV_KBIT(MV_K_HOLD) | MV_KBIT(MV_K_TRYFAIL)))

static const char legend[] =
	"f fast L locked ~ wait = hold + USR1 set - clr S3 stole from T3 "
	"s1 stolen by T1 x freed i/o idle in/out ! lost";

/* The legend line, shortest form of every glyph's meaning. */
const char *screen_legend(void)
{
	return legend;
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

/* ---- header, axis ---- */

static void draw_header(struct screen *s, const struct model *m,
			const struct view *v)
{
	char a[32], b[32], c[32], d[32];
	int x;

	fill_row(s, 0, ST_HEADER);
	fill_row(s, 1, ST_HEADER);
	x = printf_at(s, 0, 0, ST_HEADER, SA_BOLD, "muxview %s", v->name);
	x = printf_at(s, x, 0, ST_HEADER, 0, "  mode=%s",
		      m->run.have_start ? mv_mode_name(m->run.mode) : "?");
	if (m->run.have_start) {
		x = printf_at(s, x, 0, ST_HEADER, 0, " seed=%" PRIu64,
			      m->run.seed);
		if (m->run.bug && m->run.bug[0])
			x = printf_at(s, x, 0, ST_WARN, SA_BOLD, " bug=%s",
				      m->run.bug);
	}
	x = printf_at(s, x, 0, ST_HEADER, 0, "  events=%s",
		      fmt_count(a, sizeof(a), m->events_total));
	x = printf_at(s, x, 0, m->discarded || m->discarded_packets ?
		      ST_DISCARD : ST_HEADER, 0, " discarded=%s",
		      fmt_count(b, sizeof(b), m->discarded));
	if (v->loading) {
		int k, w = 10;

		x = printf_at(s, x, 0, ST_WARN, SA_BOLD, "  loading ");
		if (v->progress >= 0) {
			for (k = 0; k < w; k++)
				put(s, x++, 0, k < (int)(v->progress * w) ?
				    '#' : '.', ST_WARN, 0);
			x = printf_at(s, x, 0, ST_WARN, 0, " %d%%",
				      (int)(v->progress * 100));
		}
	} else {
		x = printf_at(s, x, 0, ST_HEADER, v->playing ? SA_BOLD : 0,
			      "  %s %s/s", v->playing ? "PLAY" : "pause",
			      fmt_dur(c, sizeof(c), v->speed));
	}

	/* second row: window, cursor, markers, follow, filter */
	x = printf_at(s, 0, 1, ST_HEADER, 0, "window +%s wide %s",
		      fmt_time(a, sizeof(a), v->t0 > m->t_first ?
			       v->t0 - m->t_first : 0),
		      fmt_dur(c, sizeof(c), v->span));
	if (v->cursor != MV_NONE)
		x = printf_at(s, x, 1, ST_HEADER, SA_BOLD, "  cursor +%s",
			      fmt_time(d, sizeof(d), model_ts(m, v->cursor) -
				       m->t_first));
	/* the markers themselves are on the axis: only the delta here */
	if (v->have_a && v->have_b)
		x = printf_at(s, x, 1, ST_MARK, SA_BOLD, "  A>B=%s%s",
			      v->mark_b < v->mark_a ? "-" : "",
			      fmt_dur(c, sizeof(c), v->mark_b > v->mark_a ?
				      v->mark_b - v->mark_a :
				      v->mark_a - v->mark_b));
	else if (v->have_a || v->have_b)
		x = printf_at(s, x, 1, ST_MARK, 0, "  %c+%s",
			      v->have_a ? 'A' : 'B',
			      fmt_time(a, sizeof(a), (v->have_a ? v->mark_a :
						      v->mark_b) - m->t_first));
	if (v->follow)
		x = printf_at(s, x, 1, ST_FOLLOW, SA_BOLD, "  follow conn %"
			      PRIu64, model_conn_id(m, v->follow));
	if (view_filtering(v)) {
		x = printf_at(s, x, 1, ST_WARN, SA_BOLD, "  filter");
		if (v->mux_mask)
			x = printf_at(s, x, 1, ST_WARN, 0, " mux=%s%s%s",
				      v->mux_mask & 1 ? "h1," : "",
				      v->mux_mask & 2 ? "h2," : "",
				      v->mux_mask & 4 ? "fcgi" : "");
		if (v->side_mask)
			x = printf_at(s, x, 1, ST_WARN, 0, " side=%s%s",
				      v->side_mask & 1 ? "front," : "",
				      v->side_mask & 2 ? "back" : "");
		if (v->fconn)
			x = printf_at(s, x, 1, ST_WARN, 0, " conn=%" PRIu64,
				      model_conn_id(m, v->fconn));
	}
	(void)x;
}

static void tick_label(char *buf, size_t len, uint64_t rel, uint64_t step)
{
	if (step >= 1000000000ULL)
		snprintf(buf, len, "%" PRIu64 "s", rel / 1000000000u);
	else if (step >= 1000000ULL)
		snprintf(buf, len, "%" PRIu64 "ms", rel / 1000000u);
	else if (step >= 1000ULL)
		snprintf(buf, len, "%" PRIu64 "us", rel / 1000u);
	else
		snprintf(buf, len, "%" PRIu64 "ns", rel);
}

static void draw_axis(struct screen *s, const struct model *m,
		      const struct view *v, int w)
{
	uint64_t step = 1, t, base = m->t_first;
	int x0 = SCREEN_LABEL_W, last = -100, c;
	static const int mult[] = { 1, 2, 5 };
	int k = 0;

	fill_row(s, AXIS_ROW, ST_AXIS);
	puts_at(s, 0, AXIS_ROW, "thread|", ST_AXIS, 0);
	if (w <= 0)
		return;
	/* smallest 1/2/5 step giving ticks at least 12 columns apart */
	for (;;) {
		uint64_t st = step * (uint64_t)mult[k];

		if ((unsigned __int128)st * (unsigned)w >=
		    (unsigned __int128)v->span * 12) {
			step = st;
			break;
		}
		if (++k == 3) {
			k = 0;
			step *= 10;
		}
	}
	t = v->t0 > base ? v->t0 - base : 0;
	t = (t + step - 1) / step * step;
	for (; base + t < v->t0 + v->span; t += step) {
		char lab[24];

		c = col_of(v, base + t, w);
		if (c < 0 || c - last < 2)
			continue;
		tick_label(lab, sizeof(lab), t, step);
		put(s, x0 + c, AXIS_ROW, '|', ST_AXIS, 0);
		if (c + 1 + (int)strlen(lab) < w)
			puts_at(s, x0 + c + 1, AXIS_ROW, lab, ST_AXIS, 0);
		last = c;
	}
	if (v->have_a && (c = col_of(v, v->mark_a, w)) >= 0)
		put(s, x0 + c, AXIS_ROW, 'A', ST_MARK, SA_BOLD);
	if (v->have_b && (c = col_of(v, v->mark_b, w)) >= 0)
		put(s, x0 + c, AXIS_ROW, 'B', ST_MARK, SA_BOLD);
	if (v->cursor != MV_NONE &&
	    (c = col_of(v, model_ts(m, v->cursor), w)) >= 0)
		put(s, x0 + c, AXIS_ROW, 'v', ST_MARK, SA_BOLD);
}

/* ---- lanes ---- */

static size_t locks_lower_bound(const struct model *m,
				const struct mv_lane *l, uint64_t ts)
{
	size_t lo = 0, hi = l->nlocks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model_ts(m, l->locks[mid]) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

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
	size_t i = locks_lower_bound(m, l, b0), n = 0;

	/* the span that started before the bin may still run into it */
	if (i > 0)
		i--;
	for (; i < l->nlocks && k != both; i++) {
		/* a bin with this many acquisitions is lock-dense: held */
		if (++n > 64) {
			k |= MV_KBIT(MV_K_HOLD);
			break;
		}
		const struct mv_rec *a = &m->ev[l->locks[i]];
		uint64_t ats = model_ts(m, l->locks[i]);
		uint64_t w = model_rec_ns(m, l->locks[i]);
		uint64_t ws = ats > w ? ats - w : 0;

		if (ws >= b1)
			break;
		if (w && ws < b1 && ats >= b0)
			k |= MV_KBIT(MV_K_WAIT);
		if (mv_rec_bool(a) && l->lrel[i] != MV_NONE && ats < b1 &&
		    model_ts(m, l->lrel[i]) >= b0)
			k |= MV_KBIT(MV_K_HOLD);
	}
	return k;
}

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

/* Compute the <w> cells of lane <lane> for view <v> into <cells> (w + 1
 * entries); <numbers>: write the other thread's number after a steal.
 * Returns 1 if the followed connection has an event in the lane. The
 * SVG export draws from the same cells. */
int screen_lane(struct screen *s, const struct model *m,
		const struct view *v, int lane, int w,
		struct lane_cell *cells, int numbers)
{
	const struct mv_lane *l = &m->lanes[lane];
	int filtering = view_filtering(v);
	int c, has_follow = 0;
	uint32_t *pos = calloc((size_t)w + 1, sizeof(*pos));
	size_t k;

	if (!pos)
		return 0;
	if (v->follow)
		ensure_follow(s, m, v->follow);
	/* global event range of each bin */
	for (c = 0; c <= w; c++)
		pos[c] = model_lower_bound(m, bin_t(v, c, w));
	for (c = 0; c < w; c++) {
		uint64_t b0 = bin_t(v, c, w), b1 = bin_t(v, c + 1, w);
		unsigned int kinds = 0, mean;
		struct lane_cell *lc = &cells[c];
		int kd;

		if (filtering) {
			uint32_t e = pos[c] ? pos[c] - 1 : MV_NONE;

			while ((e = model_lane_step(m, e, 1, lane)) <
			       pos[c + 1])
				if (view_passes(v, m, e))
					kinds |= mv_rec_kinds(&m->ev[e]);
		} else {
			kinds = lane_kinds(m, lane, pos[c], pos[c + 1]);
		}
		if (!filtering || !v->fconn)
			kinds |= span_kinds(m, l, b0, b1 > b0 ? b1 : b0 + 1);
		lc->ch = ' ';
		lc->style = ST_NORMAL;
		lc->attr = 0;
		lc->prio = 127;
		if (!kinds)
			continue;
		for (kd = 0; kd < MV_K_COUNT; kd++)
			if (kinds & MV_KBIT(kd))
				break;
		lc->ch = glyphs[kd].ch;
		lc->style = glyphs[kd].style;
		lc->prio = (int8_t)kd;
		mean = kinds & MEANINGFUL;
		if (mean & (mean - 1))
			lc->attr |= SA_UNDER;
	}

	/* steals: 'S' + victim on the stealer's lane, 's' + stealer on the
	 * victim's, the number in the following cells */
	k = idx_lower_bound(m, l->steals, l->nsteals, v->t0);
	for (; k < l->nsteals; k++) {
		const struct mv_rec *r = &m->ev[l->steals[k]];
		uint64_t rts = model_ts(m, l->steals[k]);
		char num[8];
		int other, j;

		if (rts >= v->t0 + v->span)
			break;
		if (filtering && !view_passes(v, m, l->steals[k]))
			continue;
		c = col_of(v, rts, w);
		if (c < 0)
			continue;
		other = r->tid == lane ? mv_rec_from(r) : r->tid;
		cells[c].ch = r->tid == lane ? 'S' : 's';
		cells[c].style = ST_STEAL;
		cells[c].attr |= SA_BOLD;
		cells[c].prio = MV_K_STEAL;
		snprintf(num, sizeof(num), "%d", other);
		for (j = 0; numbers && num[j] && c + 1 + j < w; j++) {
			struct lane_cell *n = &cells[c + 1 + j];

			if (n->prio <= MV_K_STEAL)
				break;
			n->ch = num[j];
			n->style = ST_STEAL;
			n->attr = SA_BOLD;
			n->prio = MV_K_STEAL;
		}
	}
	/* discarded events: on every lane, the loss is not per thread */
	k = idx_lower_bound(m, m->discards, m->ndiscards, v->t0);
	for (; k < m->ndiscards; k++) {
		uint64_t rts = model_ts(m, m->discards[k]);

		if (rts >= v->t0 + v->span)
			break;
		c = col_of(v, rts, w);
		if (c < 0)
			continue;
		cells[c].ch = '!';
		cells[c].style = ST_DISCARD;
		cells[c].attr = SA_BOLD;
		cells[c].prio = MV_K_DISCARD;
	}

	/* the followed connection: its events reversed, its ownership on
	 * this thread as '_' in empty cells */
	if (v->follow && s->nfev) {
		size_t lo = idx_lower_bound(m, s->fev, s->nfev, v->t0);
		int owner = -1;
		uint64_t seg0 = 0;

		for (k = 0; k < s->nfev; k++) {
			const struct mv_rec *r = &m->ev[s->fev[k]];
			uint64_t rts = model_ts(m, s->fev[k]);
			int nowner = owner;

			if (owner < 0 && r->tid < MV_TID_BAD)
				nowner = r->tid;
			if (r->type == MV_T_TAKEOVER && mv_rec_bool(r))
				nowner = r->tid;
			if (nowner != owner || k + 1 == s->nfev ||
			    r->type == MV_T_CONN_FREE) {
				uint64_t end = rts;

				if (owner == lane) {
					int c0 = col_of(v, seg0 > v->t0 ? seg0 :
							v->t0, w);
					int c1 = end >= v->t0 + v->span ?
						 w - 1 : col_of(v, end, w);

					if (end >= v->t0 && c0 >= 0) {
						for (c = c0; c <= c1 && c < w;
						     c++) {
							if (cells[c].prio ==
							    127)
								cells[c].ch =
									'_';
							cells[c].style =
								cells[c].prio ==
								127 ? ST_FOLLOW
								: cells[c].style;
						}
					}
				}
				owner = nowner;
				seg0 = rts;
			}
			if (r->type == MV_T_CONN_FREE)
				break;
		}
		for (k = lo; k < s->nfev; k++) {
			const struct mv_rec *r = &m->ev[s->fev[k]];
			uint64_t rts = model_ts(m, s->fev[k]);

			if (rts >= v->t0 + v->span)
				break;
			if (r->tid != lane)
				continue;
			c = col_of(v, rts, w);
			if (c < 0)
				continue;
			has_follow = 1;
			cells[c].style = ST_FOLLOW;
			cells[c].attr |= SA_REV | SA_BOLD;
			if (cells[c].prio == 127) {
				cells[c].ch = glyphs[mv_kind_of(r)].ch;
				cells[c].prio = (int8_t)mv_kind_of(r);
			}
		}
	}

	free(pos);
	return has_follow;
}

static void draw_lane(struct screen *s, const struct model *m,
		      const struct view *v, int lane, int y, int w,
		      struct lane_cell *cells)
{
	int c, sel = lane == v->lane;
	int has_follow = screen_lane(s, m, v, lane, w, cells, 1);

	/* label */
	fill_row(s, y, ST_NORMAL);
	printf_at(s, 0, y, sel ? ST_SELLABEL : ST_LABEL, sel ? SA_BOLD : 0,
		  "%cT%-3d%c|", sel ? '>' : ' ', lane, has_follow ? '*' : ' ');
	for (c = 0; c < w; c++)
		put(s, SCREEN_LABEL_W + c, y, cells[c].ch, cells[c].style,
		    cells[c].attr);
	/* cursor column */
	if (v->cursor != MV_NONE &&
	    (c = col_of(v, model_ts(m, v->cursor), w)) >= 0) {
		struct scr_cell *sc = at(s, SCREEN_LABEL_W + c, y);

		sc->attr |= SA_REV;
		if (sel && sc->ch == ' ')
			sc->ch = '|';
	}
}

/* ---- bottom pane ---- */

static void wrap_text(struct screen *s, int y0, int rows, const char *text,
		      int indent)
{
	int w = s->cols - indent, y = y0;
	const char *p = text;

	while (*p && y < y0 + rows) {
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

static void draw_life(struct screen *s, const struct model *m,
		      const struct view *v, int y0, int rows);

static void draw_detail(struct screen *s, const struct model *m,
			const struct view *v, int y0, int rows)
{
	char line[1024], name[64], t[32];
	uint32_t conn;
	int vt, used;

	if (v->cursor == MV_NONE) {
		puts_at(s, 0, y0, "(empty trace)", ST_NORMAL, 0);
		return;
	}
	fmt_event_name(m, v->cursor, name, sizeof(name));
	vt = m->ev[v->cursor].tid < m->nlanes ?
	     m->lanes[m->ev[v->cursor].tid].vtid : -1;
	fill_row(s, y0, ST_NORMAL);
	printf_at(s, 0, y0, ST_NORMAL, SA_BOLD, "#%" PRIu32 " +%s %s  (vtid "
		  "%d)", v->cursor, fmt_time(t, sizeof(t),
					     model_ts(m, v->cursor) - m->t_first),
		  name, vt);
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
			draw_life(s, m, v, y, rows - (y - y0));
		} else {
			fill_row(s, y0 + rows - 1, ST_NORMAL);
			puts_at(s, 0, y0 + rows - 1, line, ST_FOLLOW, 0);
		}
	}
}

static void draw_stats(struct screen *s, const struct model *m,
		       const struct view *v, int y0, int rows, int locks)
{
	int y = y0, t, k;
	char a[16], b[16], c[16], d[16], e[16];

	fill_row(s, y, ST_AXIS);
	if (!locks)
		printf_at(s, 0, y, ST_AXIS, SA_BOLD, "thr   io_cb fast   locked  "
			  "%%lock  front f/L     back f/L      h1 L   h2 L "
			  "fcgi L");
	else
		printf_at(s, 0, y, ST_AXIS, SA_BOLD, "thr   locks  tryfail "
			  "wait(us) max(us) hold(us) max(us) steal in/out "
			  "freed  USR1 +/-");
	y++;
	for (t = v->lane_top; t < m->nlanes && y < y0 + rows; t++, y++) {
		const struct mv_thread_stats *st = &m->lanes[t].st;
		uint64_t f = 0, l = 0, ff = 0, fl = 0, bf = 0, bl = 0;
		uint64_t ml[MUX_COUNT + 1] = { 0 };
		int x;

		for (k = 0; k <= MUX_COUNT; k++) {
			int sd;

			for (sd = 0; sd <= SIDE_COUNT; sd++) {
				f += st->io_cb[sd][k][0];
				l += st->io_cb[sd][k][1];
				ml[k] += st->io_cb[sd][k][1];
			}
			ff += st->io_cb[SIDE_FRONT][k][0];
			fl += st->io_cb[SIDE_FRONT][k][1];
			bf += st->io_cb[SIDE_BACK][k][0];
			bl += st->io_cb[SIDE_BACK][k][1];
		}
		fill_row(s, y, ST_NORMAL);
		x = printf_at(s, 0, y, t == v->lane ? ST_SELLABEL : ST_LABEL,
			      0, "T%-3d", t);
		if (!locks) {
			printf_at(s, x, y, ST_NORMAL, 0, " %10s %8s %5.1f  "
				  "%6s/%-6s %6s/%-6s %6s %6s %6s",
				  fmt_count(a, sizeof(a), f),
				  fmt_count(b, sizeof(b), l),
				  f + l ? 100.0 * (double)l / (double)(f + l)
				  : 0.0, fmt_count(c, sizeof(c), ff),
				  fmt_count(d, sizeof(d), fl),
				  fmt_count(e, sizeof(e), bf),
				  fmt_count(a, sizeof(a), bl),
				  fmt_count(b, sizeof(b), ml[MUX_H1]),
				  fmt_count(c, sizeof(c), ml[MUX_H2]),
				  fmt_count(d, sizeof(d), ml[MUX_FCGI]));
		} else {
			printf_at(s, x, y, ST_NORMAL, 0, " %7s %7s %8.1f %7.1f "
				  "%8.1f %7.1f %5" PRIu64 "/%-5" PRIu64
				  " %5" PRIu64 " %5" PRIu64 "/%-5" PRIu64,
				  fmt_count(a, sizeof(a), st->lock_acq),
				  fmt_count(b, sizeof(b), st->lock_tryfail),
				  (double)st->wait_ns / 1e3,
				  (double)st->wait_max / 1e3,
				  (double)st->hold_ns / 1e3,
				  (double)st->hold_max / 1e3, st->steal_in,
				  st->steal_out, st->stolen_freed,
				  st->flag_set, st->flag_clear);
		}
	}
	for (; y < y0 + rows; y++)
		fill_row(s, y, ST_NORMAL);
	(void)e;
}

static void draw_life(struct screen *s, const struct model *m,
		      const struct view *v, int y0, int rows)
{
	struct mv_life_step st[256];
	uint32_t conn = v->cursor != MV_NONE ? model_rec_conn(m, v->cursor) :
			0;
	int n, i, y = y0;
	char t[32];

	if (!conn || !m->finished) {
		puts_at(s, 0, y0, "no connection at the cursor (life of the "
			"cursor's conn)", ST_NORMAL, 0);
		return;
	}
	n = model_conn_life(m, conn, st, 256, MV_NONE);
	printf_at(s, 0, y++, ST_AXIS, SA_BOLD, "life of conn %" PRIu64
		  " (%u events, %u steals)", model_conn_id(m, conn),
		  m->conn_info[conn].nev, m->conn_info[conn].steals);
	for (i = 0; i < n && i < 256 && y < y0 + rows; i++, y++) {
		int here = st[i].ev <= v->cursor &&
			   (i + 1 >= n || st[i + 1].ev > v->cursor);

		printf_at(s, 0, y, here ? ST_FOLLOW : ST_NORMAL,
			  here ? SA_BOLD : 0, "%c #%-9" PRIu32 " +%s  T%-3d %s",
			  here ? '>' : ' ', st[i].ev,
			  fmt_time(t, sizeof(t), model_ts(m, st[i].ev) -
				   m->t_first), st[i].tid,
			  mv_cs_name(st[i].state));
		if (st[i].state == MV_CS_STOLEN)
			printf_at(s, 40, y, ST_STEAL, 0, "from T%d",
				  st[i].other);
		if (st[i].state == MV_CS_IDLE)
			printf_at(s, 40, y, ST_IDLE, 0, "%s list",
				  mv_list_name(st[i].list));
	}
}

static const char *const help_text[] = {
	"muxview keys (Trace Compass / Perfetto style)",
	"",
	"  , . or <- ->   previous/next event of the selected thread",
	"  [ ]            previous/next event of any thread",
	"  up down  k j   select thread        PgUp PgDn  pan a window",
	"  w s   + -      zoom in/out around the cursor",
	"  a d            pan a quarter window  0  whole trace",
	"  Home End       first/last event     Enter  centre on cursor",
	"  space p        play/pause           < >  slower/faster",
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
	"  Tab            pane: detail, io_cb stats, lock stats, conn life",
	"  ?              this help        q  quit",
	"",
	"glyphs: f io_cb fast path  L io_cb locked path  ~ lock wait",
	"  = lock held  + USR1 set  - USR1 cleared  S3 stole from T3",
	"  s1 stolen by T1  x stolen tasklet freed  i/o idle list in/out",
	"  / trylock failed  ? takeover failed  c conn new/free  . other",
	"  ! events lost (discarded)  underlined: more in this cell, zoom in",
	"  _ the followed connection lives on this thread",
	"",
	"press any key to close",
};

static void draw_help(struct screen *s)
{
	size_t i;
	int y;

	for (y = 0; y < s->rows; y++)
		fill_row(s, y, ST_NORMAL);
	for (i = 0; i < sizeof(help_text) / sizeof(help_text[0]) &&
	     (int)i < s->rows; i++)
		puts_at(s, 1, (int)i, help_text[i], i ? ST_NORMAL : ST_HEADER,
			i ? 0 : SA_BOLD);
}

static void draw_footer(struct screen *s, const struct view *v, int y)
{
	static const char *const prompts[] = {
		[PROMPT_SEEK] = "go to time: ",
		[PROMPT_SEARCH] = "/",
		[PROMPT_FILTER] = "filter (mux=h1,h2 side=back conn=ID): ",
	};
	int x;

	fill_row(s, y, ST_MSG);
	if (v->prompt) {
		x = puts_at(s, 0, y, prompts[v->prompt], ST_MSG, SA_BOLD);
		x = puts_at(s, x, y, v->input, ST_MSG, 0);
		put(s, x, y, '_', ST_MSG, SA_REV);
	} else if (v->msg[0]) {
		puts_at(s, 0, y, v->msg, ST_MSG, SA_BOLD);
	} else {
		puts_at(s, 0, y, "? help  q quit  space play  ,. step  w/s "
			"zoom  a/d pan  t steal  l locked  u flag  c follow  "
			"/ search  Tab pane", ST_MSG, 0);
	}
}

/* Draw view <v> of model <m> into <s>. Sets v->lanes_shown (and scrolls
 * v->lane_top to keep the selected lane visible). */
void screen_render(struct screen *s, const struct model *m, struct view *v)
{
	int w = s->cols - SCREEN_LABEL_W, pane_h, lanes_h, y, t;
	struct lane_cell *cells;

	for (y = 0; y < s->rows; y++)
		fill_row(s, y, ST_NORMAL);
	if (v->help) {
		draw_help(s);
		return;
	}
	if (s->rows < 8 || w < 8) {
		puts_at(s, 0, 0, "muxview: terminal too small", ST_WARN, 0);
		v->lanes_shown = 1;
		return;
	}
	pane_h = v->pane == PANE_DETAIL ? 4 :
		 m->nlanes + 1 > 10 ? 10 : m->nlanes + 1 < 4 ? 4 :
		 m->nlanes + 1;
	lanes_h = s->rows - LANES_ROW - 2 - pane_h;
	/* few threads: the pane gets the rows the lanes do not need */
	if (m->nlanes >= 1 && lanes_h > m->nlanes) {
		pane_h += lanes_h - m->nlanes;
		lanes_h = m->nlanes;
	}
	if (lanes_h < 1) {
		pane_h -= 1 - lanes_h;
		lanes_h = 1;
	}
	if (pane_h < 1)
		pane_h = 1;
	v->lanes_shown = lanes_h;
	if (v->lane < v->lane_top)
		v->lane_top = v->lane;
	if (v->lane >= v->lane_top + lanes_h)
		v->lane_top = v->lane - lanes_h + 1;
	if (v->lane_top + lanes_h > m->nlanes)
		v->lane_top = m->nlanes > lanes_h ? m->nlanes - lanes_h : 0;

	draw_header(s, m, v);
	draw_axis(s, m, v, w);
	cells = calloc((size_t)w + 1, sizeof(*cells));
	for (t = v->lane_top, y = LANES_ROW;
	     cells && t < m->nlanes && y < LANES_ROW + lanes_h; t++, y++)
		draw_lane(s, m, v, t, y, w, cells);
	if (!m->nlanes)
		puts_at(s, 0, LANES_ROW, v->loading ? "  (loading...)" :
			"  (no thread in this trace)", ST_NORMAL, 0);
	free(cells);
	/* more lanes than rows: say so on the first/last label */
	if (v->lane_top > 0)
		put(s, 5, LANES_ROW, '^', ST_LABEL, SA_BOLD);
	if (v->lane_top + lanes_h < m->nlanes)
		put(s, 5, LANES_ROW + lanes_h - 1, 'v', ST_LABEL, SA_BOLD);

	y = LANES_ROW + lanes_h;
	fill_row(s, y, ST_AXIS);
	puts_at(s, 0, y, legend, ST_AXIS, 0);
	y++;
	switch (v->pane) {
	case PANE_DETAIL:
		draw_detail(s, m, v, y, pane_h);
		break;
	case PANE_IOCB:
		draw_stats(s, m, v, y, pane_h, 0);
		break;
	case PANE_LOCKS:
		draw_stats(s, m, v, y, pane_h, 1);
		break;
	default:
		draw_life(s, m, v, y, pane_h);
		break;
	}
	draw_footer(s, v, s->rows - 1);
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
