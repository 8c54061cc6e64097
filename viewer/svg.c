/*
 * svg.c - the lane timeline as a standalone SVG.
 *
 * Same bins and priorities as the terminal (screen_lane()), 2 px per bin,
 * one row per thread; lock hold and wait spans as thin bars under the
 * events; each steal as an arrow from the victim's lane to the stealer's
 * (up to a few hundred; beyond that only the marks); discarded events as
 * a red line across every lane.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "screen.h"
#include "svg.h"

#define SVG_W		1400
#define LEFT		60
#define RIGHT		20
#define TOP		64
#define LANE_H		30
#define BIN_PX		2
#define MAX_ARROWS	300

static const char *const colour[ST_COUNT] = {
	[ST_FAST] = "#2ca02c",
	[ST_LOCKED] = "#d62728",
	[ST_WAIT] = "#ff7f0e",
	[ST_HOLD] = "#9467bd",
	[ST_FLAG_SET] = "#17becf",
	[ST_FLAG_CLEAR] = "#7fb8c4",
	[ST_STEAL] = "#000000",
	[ST_STOLEN] = "#8c564b",
	[ST_IDLE] = "#1f77b4",
	[ST_DISCARD] = "#e31a1c",
	[ST_OTHER] = "#c7c7c7",
	[ST_TRYFAIL] = "#bcbd22",
	[ST_FOLLOW] = "#ffbf00",
};

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static double xof(const struct view *v, uint64_t ts, int w)
{
	return LEFT + (double)(ts - v->t0) * (double)(w * BIN_PX) /
		      (double)v->span;
}

/* Write an SVG of view <v> (window, filter, follow) of <m> to <f>.
 * Returns 0, or -1 on a write error or when out of memory. */
int svg_write(FILE *f, const struct model *m, const struct view *v)
{
	int w = (SVG_W - LEFT - RIGHT) / BIN_PX, h, t, c, arrows = 0;
	struct lane_cell *cells = calloc((size_t)w + 1, sizeof(*cells));
	struct screen s;
	char a[32], b[32];
	size_t k;
	uint64_t step = 1;
	static const int mult[] = { 1, 2, 5 };
	int mk = 0;

	if (!cells)
		return -1;
	memset(&s, 0, sizeof(s));
	h = TOP + m->nlanes * LANE_H + 70;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\""
		" font-size=\"12\">\n", SVG_W, h, SVG_W, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"15\" "
		"font-weight=\"bold\">", LEFT);
	esc(f, v->name);
	fprintf(f, "  mode=%s seed=%" PRIu64 "%s", m->run.have_start ?
		mv_mode_name(m->run.mode) : "?", m->run.seed,
		m->run.bug && m->run.bug[0] ? "  bug=" : "");
	esc(f, m->run.bug && m->run.bug[0] ? m->run.bug : "");
	fprintf(f, "</text>\n<text x=\"%d\" y=\"38\">window +%s s .. +%s s, "
		"%" PRIu64 " events, %" PRIu64 " discarded</text>\n", LEFT,
		fmt_time(a, sizeof(a), v->t0 > m->t_first ?
			 v->t0 - m->t_first : 0),
		fmt_time(b, sizeof(b), v->t0 + v->span - m->t_first),
		m->events_total, m->discarded);

	/* time axis: 1/2/5 steps at least 100 px apart */
	for (;;) {
		uint64_t st = step * (uint64_t)mult[mk];

		if ((double)st * (double)(w * BIN_PX) / (double)v->span >= 100) {
			step = st;
			break;
		}
		if (++mk == 3) {
			mk = 0;
			step *= 10;
		}
	}
	{
		uint64_t rel = v->t0 > m->t_first ? v->t0 - m->t_first : 0;

		rel = (rel + step - 1) / step * step;
		for (; m->t_first + rel < v->t0 + v->span; rel += step) {
			double x = xof(v, m->t_first + rel, w);

			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" stroke=\"#ddd\"/>\n<text x=\"%.1f\" "
				"y=\"%d\" fill=\"#555\">+%s</text>\n", x,
				TOP - 8, x, TOP + m->nlanes * LANE_H, x + 2,
				TOP - 10, fmt_dur(a, sizeof(a), rel));
		}
	}

	for (t = 0; t < m->nlanes; t++) {
		int y = TOP + t * LANE_H;
		const struct mv_lane *l = &m->lanes[t];

		fprintf(f, "<text x=\"8\" y=\"%d\" font-weight=\"bold\">T%d"
			"</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
			" stroke=\"#eee\"/>\n", y + 19, t, LEFT, y + LANE_H - 1,
			LEFT + w * BIN_PX, y + LANE_H - 1);
		screen_lane(&s, m, v, t, w, cells, 0);
		for (c = 0; c < w; c++) {
			const char *col = colour[cells[c].style];
			int hh = cells[c].prio >= MV_K_WAIT ? 4 : 16;
			int yy = cells[c].prio >= MV_K_WAIT ? y + 22 : y + 5;

			if (cells[c].prio == 127 || !col)
				continue;
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
				"height=\"%d\" fill=\"%s\"/>\n",
				LEFT + c * BIN_PX, yy, BIN_PX, hh, col);
		}
		/* steal arrows: from the victim's lane to the stealer's */
		for (k = 0; k < l->nsteals && arrows < MAX_ARROWS; k++) {
			const struct mv_rec *r = &m->ev[l->steals[k]];
			uint64_t rts = model_ts(m, l->steals[k]);
			int from = mv_rec_from(r);
			double x;

			if (r->tid != t || rts < v->t0 ||
			    rts >= v->t0 + v->span || from >= m->nlanes)
				continue;
			x = xof(v, rts, w);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" stroke=\"black\" stroke-width=\"1.2\""
				" marker-end=\"url(#arrow)\"><title>conn %"
				PRIu64 " stolen by T%d from T%d</title></line>\n",
				x, TOP + from * LANE_H + 13, x,
				y + (from < t ? 3 : LANE_H - 3),
				model_conn_id(m, r->a), t, from);
			arrows++;
		}
	}
	for (k = 0; k < m->ndiscards; k++) {
		uint64_t rts = model_ts(m, m->discards[k]);
		double x;

		if (rts < v->t0 || rts >= v->t0 + v->span)
			continue;
		x = xof(v, rts, w);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"%s\" stroke-width=\"2\"/>\n", x, TOP, x,
			TOP + m->nlanes * LANE_H, colour[ST_DISCARD]);
	}
	fprintf(f, "<defs><marker id=\"arrow\" markerWidth=\"8\" "
		"markerHeight=\"8\" refX=\"4\" refY=\"4\" orient=\"auto\">"
		"<path d=\"M0,0 L8,4 L0,8 z\" fill=\"black\"/></marker>"
		"</defs>\n");

	/* legend */
	{
		static const struct {
			int st;
			const char *what;
		} lg[] = {
			{ ST_FAST, "io_cb fast" }, { ST_LOCKED, "io_cb locked" },
			{ ST_WAIT, "lock wait" }, { ST_HOLD, "lock held" },
			{ ST_FLAG_SET, "USR1 set" },
			{ ST_FLAG_CLEAR, "USR1 clear" },
			{ ST_STEAL, "steal (arrow: victim to stealer)" },
			{ ST_STOLEN, "stolen tasklet freed" },
			{ ST_IDLE, "idle in/out" },
			{ ST_DISCARD, "events lost" },
			{ ST_OTHER, "other" },
		};
		int x = LEFT, y = TOP + m->nlanes * LANE_H + 30;
		size_t i;

		for (i = 0; i < sizeof(lg) / sizeof(lg[0]); i++) {
			int tw = (int)strlen(lg[i].what) * 7 + 30;

			if (x + tw > SVG_W - RIGHT) {
				x = LEFT;
				y += 20;
			}
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" "
				"height=\"12\" fill=\"%s\"/><text x=\"%d\" "
				"y=\"%d\">%s</text>\n", x, y - 10,
				colour[lg[i].st], x + 16, y, lg[i].what);
			x += tw;
		}
	}
	fprintf(f, "</svg>\n");
	free(cells);
	screen_free(&s);
	return ferror(f) ? -1 : 0;
}
