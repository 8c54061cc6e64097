/*
 * svg.c - the lane timeline as a standalone SVG.
 *
 * The same bins as the terminal (screen_bins(): every event under a bin
 * counted, none hidden), 2 px per bin. Each thread has the terminal's
 * rows: front and back io_cbs as stacked bars (fast green at the bottom,
 * locked red on top, stolen tasklets that ran and freed themselves -
 * "lost" connections - purple above; height by count, at least 2 px for
 * one event, so a single locked io_cb among thousands shows), the USR1
 * flag changes, and the lock row (hold and wait bands, steal arrows from
 * the victim's lane to the stealer's, freed stolen tasklets). Discarded
 * events are red lines across every lane. Every bar carries a tooltip
 * with its exact counts. With two traces (muxview --svg FILE A B) each
 * has its own block under a common relative time axis. With --labels
 * and a short window, every event is named under its lane.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "screen.h"
#include "svg.h"

#define SVG_W		1400
#define LEFT		96
#define RIGHT		150
#define BIN_PX		2
#define IO_H		26	/* front / back rows */
#define FLAG_H		12
#define LOCK_H		16
#define GAP		8	/* between threads */
#define LABEL_ROWS	8	/* --labels: rows of event names */
#define LABEL_RH	11	/* their height */
#define LABEL_CW	5.4	/* monospace 9 px */
#define LABEL_H		(LABEL_ROWS * LABEL_RH + 8)
#define CHAR_W		7.2	/* monospace 12 px */
#define MAX_ARROWS	300

#define C_FAST		"#2ca02c"
#define C_LOCKED	"#d62728"
#define C_LOST		"#7b2cbf"
#define C_SET		"#17becf"
#define C_CLEAR		"#9ecae1"
#define C_HOLD		"#c994c7"
#define C_WAIT		"#ff7f0e"
#define C_STEAL		"#000000"
#define C_DISCARD	"#e31a1c"
#define C_TRY		"#bcbd22"
#define C_MODE		"#1f3b99"	/* a thread's mode change */

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

static uint64_t bin_t(const struct view *v, int c, int n)
{
	return v->t0 + (uint64_t)((unsigned __int128)v->span * (unsigned)c /
				  (unsigned)n);
}

static int thread_h(int labels)
{
	return 2 * IO_H + FLAG_H + LOCK_H + GAP + (labels ? LABEL_H : 0);
}

/* events in the window of <v> (for --labels) */
static uint32_t window_events(const struct model *m, const struct view *v)
{
	return model_lower_bound(m, v->t0 + v->span) -
	       model_lower_bound(m, v->t0);
}

/* one io row: stacked bars per bin, scaled by <max> */
static void io_row(FILE *f, const struct model *m, const struct view *v,
		   const struct scr_bin *bins, int w, int y, int back,
		   uint32_t max, int lane)
{
	int c;

	for (c = 0; c < w; c++) {
		uint32_t fa = bins[c].n[back ? MV_BC_BACK_FAST :
					  MV_BC_FRONT_FAST];
		uint32_t lo = bins[c].n[back ? MV_BC_BACK_LOCKED :
					  MV_BC_FRONT_LOCKED];
		uint32_t lost = back ? bins[c].n[MV_BC_STOLEN] : 0;
		double hf, hl, hx, yy = y + IO_H - 1, x = LEFT + c * BIN_PX;
		char t0[32], t1[32];

		if (!fa && !lo && !lost)
			continue;
		hf = fa ? 2 + (double)fa * (IO_H - 8) / max : 0;
		hl = lo ? 2 + (double)lo * (IO_H - 8) / max : 0;
		hx = lost ? 2 + (double)lost * (IO_H - 8) / max : 0;
		fprintf(f, "<g><title>T%d %s +%s..+%s s: %" PRIu32 " fast, %"
			PRIu32 " locked", lane, back ? "back" : "front",
			fmt_time(t0, sizeof(t0), bin_t(v, c, w) - m->t_first),
			fmt_time(t1, sizeof(t1), bin_t(v, c + 1, w) -
				 m->t_first), fa, lo);
		if (back)
			fprintf(f, ", %" PRIu32 " stolen tasklets freed",
				lost);
		fprintf(f, "</title>");
		if (hf) {
			yy -= hf;
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" "
				"height=\"%.1f\" fill=\"" C_FAST "\"/>", x, yy,
				BIN_PX, hf);
		}
		if (hl) {
			yy -= hl;
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" "
				"height=\"%.1f\" fill=\"" C_LOCKED "\"/>", x,
				yy, BIN_PX, hl);
		}
		if (hx) {
			yy -= hx;
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" "
				"height=\"%.1f\" fill=\"" C_LOST "\"/>", x, yy,
				BIN_PX, hx);
		}
		fprintf(f, "</g>\n");
	}
}

static void right_text(FILE *f, int y, const char *fmt, uint64_t a,
		       uint64_t b)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#333\">", SVG_W - RIGHT + 8,
		y);
	fprintf(f, fmt, a, b);
	fprintf(f, "</text>\n");
}

/* short name of event <ev> for --labels */
static void short_name(const struct model *m, uint32_t ev, char *buf,
		       size_t len)
{
	const struct mv_rec *r = &m->ev[ev];

	switch (r->type) {
	case MV_T_IO_CB:
		snprintf(buf, len, "io_cb %s %s conn %" PRIu64,
			 mv_side_name(mv_rec_side(r)),
			 mv_rec_bool(r) ? "LOCKED" : "fast",
			 model_conn_id(m, r->a));
		break;
	case MV_T_LOCK_ACQ:
	case MV_T_LOCK_REL:
		snprintf(buf, len, "%s %s", r->type == MV_T_LOCK_ACQ ?
			 "lock" : "unlock", mv_site_name(mv_rec_site(r)));
		break;
	case MV_T_LOCK:
		snprintf(buf, len, "%s %s", mv_rec_bool(r) ? "locked" :
			 "trylock failed", mv_site_name(mv_rec_site(r)));
		break;
	case MV_T_TAKEOVER:
		snprintf(buf, len, "takeover conn %" PRIu64 " from T%d%s",
			 model_conn_id(m, r->a), mv_rec_from(r),
			 mv_rec_bool(r) ? "" : " failed");
		break;
	case MV_T_FLAG_SET:
	case MV_T_FLAG_CLEAR:
	case MV_T_IDLE_INSERT:
	case MV_T_IDLE_REMOVE:
	case MV_T_CONN_NEW:
	case MV_T_CONN_FREE:
	case MV_T_STREAM_ATTACH:
	case MV_T_STREAM_DETACH:
		snprintf(buf, len, "%s conn %" PRIu64, mv_type_name(r->type),
			 model_conn_id(m, model_rec_conn(m, ev)));
		break;
	default:
		fmt_event_name(m, ev, buf, len);
		if (!strncmp(buf, "muxlab:", 7))
			memmove(buf, buf + 7, strlen(buf + 7) + 1);
	}
}

/* the block of trace <m> from <y>; returns the y after it. A refusal of
 * --labels is written in the block and added to <note> (if not NULL). */
static int trace_block(FILE *f, const struct model *m, const struct view *v,
		       int w, int y, char tag, int labels, int *arrows,
		       char *note, size_t notelen)
{
	struct scr_bin *bins = calloc((size_t)w, sizeof(*bins));
	uint32_t *pos = screen_bin_pos(m, v, w);
	uint32_t max = 1, nwin = labels ? window_events(m, v) : 0;
	int t, c, k2, ylanes;
	size_t k;
	char a[32], b[32];

	if (!bins || !pos) {
		free(bins);
		free(pos);
		return -1;
	}
	fprintf(f, "<text x=\"8\" y=\"%d\" font-size=\"14\" font-weight="
		"\"bold\">%s", y + 14, tag ? (tag == 'A' ? "A " : "B ") : "");
	esc(f, v->name);
	fprintf(f, "  mode=%s seed=%" PRIu64, m->run.have_start ?
		mv_mode_name(m->run.mode) : "?", m->run.seed);
	if (m->nmodes)
		fprintf(f, " (at start; %zu mode changes)", m->nmodes);
	if (m->run.bug && m->run.bug[0]) {
		fprintf(f, "  bug=");
		esc(f, m->run.bug);
	}
	fprintf(f, "  %" PRIu64 " events, %" PRIu64 " discarded, %s long"
		"</text>\n", m->events_total, m->discarded,
		fmt_dur(a, sizeof(a), view_trace_span(m)));
	y += 24;
	if (labels && nwin > SVG_MAX_LABELS) {
		char msg[160];

		snprintf(msg, sizeof(msg), "--labels: %" PRIu32 " events in the "
			 "window, more than %d: narrow it (--at, --span) to "
			 "name them", nwin, SVG_MAX_LABELS);
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#a00\">%s</text>\n",
			LEFT, y, msg);
		if (note) {
			size_t o = strlen(note);

			snprintf(note + o, notelen - o, "%s%s%s", o ? "; " :
				 "", tag ? (tag == 'A' ? "A: " : "B: ") : "",
				 msg);
		}
		y += 16;
		labels = 0;
	}
	ylanes = y;
	/* one scale for every io row of the trace */
	for (t = 0; t < m->nlanes; t++) {
		screen_bins(m, v, t, w, pos, bins);
		for (c = 0; c < w; c++)
			for (k2 = MV_BC_FRONT_FAST; k2 <= MV_BC_BACK_LOCKED;
			     k2 += 2) {
				uint32_t n = bins[c].n[k2] + bins[c].n[k2 + 1] +
					     (k2 == MV_BC_BACK_FAST ?
					      bins[c].n[MV_BC_STOLEN] : 0);

				if (n > max)
					max = n;
			}
	}
	for (t = 0; t < m->nlanes; t++) {
		const struct mv_lane *l = &m->lanes[t];
		int yf = y, yb = y + IO_H, yg = y + 2 * IO_H;
		int yl = yg + FLAG_H, ye = yl + LOCK_H;
		uint64_t sum[MV_BC_COUNT] = { 0 }, sin = 0;

		screen_bins(m, v, t, w, pos, bins);
		for (c = 0; c < w; c++) {
			for (k2 = 0; k2 < MV_BC_COUNT; k2++)
				sum[k2] += bins[c].n[k2];
			sin += bins[c].steal_in;
		}
		fprintf(f, "<g id=\"%s%sT%d\">\n", tag ? (tag == 'A' ? "A" :
							  "B") : "",
			tag ? "-" : "", t);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"#f7f7f7\"/>\n", LEFT, y, w * BIN_PX, 2 * IO_H);
		fprintf(f, "<text x=\"8\" y=\"%d\" font-weight=\"bold\">T%d"
			"</text><text x=\"40\" y=\"%d\">front</text>"
			"<text x=\"40\" y=\"%d\">back</text>"
			"<text x=\"40\" y=\"%d\" font-size=\"10\">USR1</text>"
			"<text x=\"40\" y=\"%d\" font-size=\"10\">lock</text>\n",
			yf + 17, t, yf + 17, yb + 17, yg + 10, yl + 12);
		io_row(f, m, v, bins, w, yf, 0, max, t);
		io_row(f, m, v, bins, w, yb, 1, max, t);
		right_text(f, yf + 17, "%" PRIu64 " fast %" PRIu64 " locked",
			   sum[MV_BC_FRONT_FAST], sum[MV_BC_FRONT_LOCKED]);
		right_text(f, yb + 17, "%" PRIu64 " fast %" PRIu64 " locked",
			   sum[MV_BC_BACK_FAST], sum[MV_BC_BACK_LOCKED]);
		right_text(f, yg + 10, "USR1 +%" PRIu64 " -%" PRIu64,
			   sum[MV_BC_FLAG_SET], sum[MV_BC_FLAG_CLEAR]);
		right_text(f, yl + 12, sin == 1 ? "%" PRIu64 " steal, %"
			   PRIu64 " freed" : "%" PRIu64 " steals, %" PRIu64
			   " freed", sin, sum[MV_BC_STOLEN]);
		for (c = 0; c < w; c++) {
			const struct scr_bin *bn = &bins[c];
			int x = LEFT + c * BIN_PX;

			if (bn->n[MV_BC_FLAG_SET])
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\""
					" height=\"5\" fill=\"" C_SET "\"/>\n",
					x, yg + 1, BIN_PX);
			if (bn->n[MV_BC_FLAG_CLEAR])
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\""
					" height=\"5\" fill=\"" C_CLEAR "\"/>\n",
					x, yg + 6, BIN_PX);
			if (bn->kinds & MV_KBIT(MV_K_HOLD))
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\""
					" height=\"4\" fill=\"" C_HOLD "\"/>\n",
					x, yl + 2, BIN_PX);
			if (bn->kinds & MV_KBIT(MV_K_WAIT))
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\""
					" height=\"4\" fill=\"" C_WAIT "\"/>\n",
					x, yl + 7, BIN_PX);
			if (bn->kinds & MV_KBIT(MV_K_TRYFAIL))
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\""
					" height=\"3\" fill=\"" C_TRY "\"/>\n",
					x, yl + 12, BIN_PX);
			if (bn->n[MV_BC_STOLEN])
				fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\""
					C_LOST "\" font-size=\"11\">x<title>"
					"%" PRIu32 " stolen tasklet(s) ran and "
					"freed themselves</title></text>\n",
					x - 2, yl + 12, bn->n[MV_BC_STOLEN]);
		}
		/* mode changes of this thread (control socket "set mode"):
		 * a dashed line down its rows at that instant, named with
		 * the new mode; its io_cbs change colour from there */
		for (k = 0; k < m->nmodes; k++) {
			const struct mv_rec *r = &m->ev[m->modes[k]];
			uint64_t rts = model_ts(m, m->modes[k]);
			double x;

			if (r->tid != t || rts < v->t0 ||
			    rts >= v->t0 + v->span)
				continue;
			x = xof(v, rts, w);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" stroke=\"" C_MODE "\" stroke-width="
				"\"1.5\" stroke-dasharray=\"4 2\"><title>T%d "
				"switches to %s at +%s s</title></line>"
				"<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
				"fill=\"" C_MODE "\">%s</text>\n", x, yf, x, ye,
				t, mv_mode_name((int)r->b),
				fmt_time(b, sizeof(b), rts - m->t_first),
				x + 2, yf + 9, mv_mode_name((int)r->b));
		}
		/* steal arrows: from the victim's lane to the stealer's */
		for (k = 0; k < l->nsteals && *arrows < MAX_ARROWS; k++) {
			const struct mv_rec *r = &m->ev[l->steals[k]];
			uint64_t rts = model_ts(m, l->steals[k]);
			int from = mv_rec_from(r), ytop, ybot;
			double x;

			if (r->tid != t || rts < v->t0 ||
			    rts >= v->t0 + v->span || from >= m->nlanes)
				continue;
			x = xof(v, rts, w);
			ytop = ylanes + from * thread_h(labels) + 2 * IO_H +
			       FLAG_H + LOCK_H / 2;
			ybot = yl + LOCK_H / 2;
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" stroke=\"" C_STEAL "\" stroke-width="
				"\"1.2\" marker-end=\"url(#arrow)\"><title>conn %"
				PRIu64 " stolen by T%d from T%d at +%s s"
				"</title></line>\n", x, ytop, x,
				ybot + (from < t ? -4 : 4),
				model_conn_id(m, r->a), t, from,
				fmt_time(b, sizeof(b), rts - m->t_first));
			(*arrows)++;
		}
		if (labels) {
			/* horizontal names on up to LABEL_ROWS rows under the
			 * lane, each in the first row free at its x, with a
			 * leader line to its event */
			uint32_t e = model_lower_bound(m, v->t0);
			uint32_t end = model_lower_bound(m, v->t0 + v->span);
			double free_x[LABEL_ROWS];
			int lr, skipped = 0;

			for (lr = 0; lr < LABEL_ROWS; lr++)
				free_x[lr] = -1e9;
			for (; e < end; e++) {
				char nm[96], txt[128];
				double x;

				if (m->ev[e].tid != t)
					continue;
				x = xof(v, model_ts(m, e), w);
				short_name(m, e, nm, sizeof(nm));
				snprintf(txt, sizeof(txt), "#%" PRIu32 " %s",
					 e, nm);
				for (lr = 0; lr < LABEL_ROWS; lr++)
					if (free_x[lr] <= x)
						break;
				if (lr == LABEL_ROWS) {
					skipped++;
					continue;
				}
				free_x[lr] = x + (double)strlen(txt) *
						     LABEL_CW + 6;
				fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f"
					"\" y2=\"%d\" stroke=\"#bbb\"/><text x=\""
					"%.1f\" y=\"%d\" font-size=\"9\">", x,
					ye, x, ye + 3 + LABEL_RH * (lr + 1) - 7,
					x + 1, ye + 2 + LABEL_RH * (lr + 1));
				esc(f, txt);
				fprintf(f, "</text>\n");
			}
			if (skipped)
				fprintf(f, "<text x=\"8\" y=\"%d\" font-size="
					"\"9\" fill=\"#a00\">%d not named:</text>"
					"<text x=\"8\" y=\"%d\" font-size=\"9\" "
					"fill=\"#a00\">narrow the window</text>\n",
					ye + 12, skipped, ye + 23);
		}
		fprintf(f, "</g>\n");
		y += thread_h(labels);
	}
	for (k = 0; k < m->ndiscards; k++) {
		uint64_t rts = model_ts(m, m->discards[k]);
		double x;

		if (rts < v->t0 || rts >= v->t0 + v->span)
			continue;
		x = xof(v, rts, w);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"" C_DISCARD "\" stroke-width=\"2\"><title>"
			"events lost here</title></line>\n", x, ylanes, x, y);
	}
	free(bins);
	free(pos);
	return y;
}

/* Write an SVG of the traces <m> (views <v>: window, filter, follow; the
 * first one's window, relative to each trace's start, applies to all) to
 * <f>. <labels>: name each event when the window is short enough; when
 * it is not, the SVG says so and so does <note> (if not NULL; else
 * emptied). Returns 0, or -1 on a write error or when out of memory. */
int svg_write_n(FILE *out, const struct model *const *m,
		const struct view *const *v, int n, int labels, char *note,
		size_t notelen)
{
	int w = (SVG_W - LEFT - RIGHT) / BIN_PX, i, y, arrows = 0, rc = 0;
	struct view vv[2];
	uint64_t step, rel, rel0, maxrel, base;
	char a[48], b[48], c[48], *body = NULL;
	size_t blen = 0;
	FILE *f;
	static const struct {
		const char *colour, *what;
	} lg[] = {
		{ C_FAST, "io_cb fast path (no lock)" },
		{ C_LOCKED, "io_cb locked path (idle_conns_lock)" },
		{ C_LOST, "stolen tasklet freed (conn lost to another thread)" },
		{ C_SET, "USR1 set" }, { C_CLEAR, "USR1 cleared" },
		{ C_HOLD, "lock held" }, { C_WAIT, "lock wait" },
		{ C_TRY, "trylock failed" },
		{ C_STEAL, "steal: arrow from victim to stealer" },
		{ C_DISCARD, "events lost (discarded)" },
	};

	if (note && notelen)
		note[0] = 0;
	else
		note = NULL;
	if (n < 1 || n > 2)
		return -1;
	for (i = 0; i < n; i++) {
		vv[i] = *v[i];
		if (i)
			view_sync(&vv[i], m[i], &vv[0], m[0]);
	}
	/* the body first (its height is known at the end) */
	f = open_memstream(&body, &blen);
	if (!f)
		return -1;
	base = m[0]->t_first;
	rel0 = vv[0].t0 > base ? vv[0].t0 - base : 0;
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight="
		"\"bold\">window +%s s .. +%s s (%s wide)%s</text>\n", LEFT,
		fmt_time(a, sizeof(a), rel0),
		fmt_time(b, sizeof(b), rel0 + vv[0].span),
		fmt_dur(c, sizeof(c), vv[0].span), n > 1 ? ", time from each "
		"trace's first event" : "");
	y = 56;
	for (i = 0; i < n && y >= 0; i++) {
		y = trace_block(f, m[i], &vv[i], w, y, n > 1 ?
				(char)('A' + i) : 0, labels, &arrows, note,
				notelen);
		y += 12;
	}
	if (y < 0)
		rc = -1;
	/* the time axis: 1/2/5 steps, labels never overlap, exact at any
	 * zoom (as many decimals as the step needs) */
	maxrel = rel0 + vv[0].span;
	step = screen_tick_step(vv[0].span, w * BIN_PX, 16, CHAR_W, maxrel);
	for (rel = (rel0 + step - 1) / step * step; base + rel < vv[0].t0 +
	     vv[0].span; rel += step) {
		double x = xof(&vv[0], base + rel, w);

		screen_tick_label(a, sizeof(a), rel, step, maxrel);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#ccc\" stroke-dasharray=\"2,3\"/>\n<text x="
			"\"%.1f\" y=\"%d\" fill=\"#333\">%s</text>\n", x, 44, x,
			y, x + 2, 42, a);
	}
	/* legend */
	{
		int x = LEFT;
		size_t k;

		y += 14;
		for (k = 0; k < sizeof(lg) / sizeof(lg[0]); k++) {
			int tw = (int)strlen(lg[k].what) * 7 + 30;

			if (x + tw > SVG_W - 20) {
				x = LEFT;
				y += 20;
			}
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" "
				"height=\"12\" fill=\"%s\"/><text x=\"%d\" "
				"y=\"%d\">%s</text>\n", x, y - 10,
				lg[k].colour, x + 16, y, lg[k].what);
			x += tw;
		}
		y += 20;
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">bar height: "
			"io_cbs in the %d px bin (at least 2 px for one); "
			"hover a bar for its counts</text>\n", LEFT, y, BIN_PX);
		y += 16;
	}
	if (fclose(f))
		rc = -1;
	if (!rc) {
		fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
			"height=\"%d\" viewBox=\"0 0 %d %d\" font-family="
			"\"monospace\" font-size=\"12\">\n", SVG_W, y, SVG_W,
			y);
		fprintf(out, "<rect width=\"100%%\" height=\"100%%\" "
			"fill=\"white\"/>\n<defs><marker id=\"arrow\" "
			"markerWidth=\"8\" markerHeight=\"8\" refX=\"4\" "
			"refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 "
			"z\" fill=\"black\"/></marker></defs>\n");
		fwrite(body, 1, blen, out);
		fprintf(out, "</svg>\n");
	}
	free(body);
	return rc || ferror(out) ? -1 : 0;
}

/* Write an SVG of view <v> of <m> to <f>. Returns 0, or -1. */
int svg_write(FILE *f, const struct model *m, const struct view *v)
{
	return svg_write_n(f, &m, &v, 1, 0, NULL, 0);
}
