/*
 * view.c - navigation: window, cursor, playback, jumps, follow, filter,
 * markers, search. Keys follow Trace Compass and Perfetto where they
 * exist there (WASD zoom/pan, ',' '.' previous/next event).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "view.h"

#define MIN_SPAN	64ULL	/* ns: do not zoom below this window */

/* Whole trace duration, at least 1 ns. */
uint64_t view_trace_span(const struct model *m)
{
	if (!m->nev || m->t_last <= m->t_first)
		return 1;
	return m->t_last - m->t_first + 1;
}

/* The window may not start before the trace nor end much after it: the
 * header, the axis and the lanes then always show the same window, and a
 * jump never leaves half of the lanes blank. */
static uint64_t axis_span(const struct view *v, const struct model *m)
{
	uint64_t s = view_trace_span(m);

	return v->axis_span > s ? v->axis_span : s;
}

void view_clamp(struct view *v, const struct model *m)
{
	uint64_t s = axis_span(v, m);
	uint64_t end = m->t_first + s + s / 64 + 1;	/* view_fit()'s end */

	if (v->span < 1)
		v->span = 1;
	if (v->t0 + v->span > end)
		v->t0 = end > v->span ? end - v->span : 0;
	if (v->t0 < m->t_first)
		v->t0 = m->t_first;
}

/* Set the window width; playback keeps the same pace relative to it
 * (a tenth of the window per second, times 2^speed_shift). */
void view_set_span(struct view *v, uint64_t span)
{
	uint64_t sp;

	v->span = span ? span : 1;
	sp = v->span / 10 ? v->span / 10 : 1;
	if (v->speed_shift > 0)
		sp = v->speed_shift >= 40 || sp > (UINT64_MAX >> v->speed_shift)
		     ? UINT64_MAX / 2 : sp << v->speed_shift;
	else if (v->speed_shift < 0)
		sp = -v->speed_shift >= 63 ? 1 : sp >> -v->speed_shift;
	v->speed = sp ? sp : 1;
}

/* Show the whole trace. */
void view_fit(struct view *v, const struct model *m)
{
	uint64_t s = axis_span(v, m);

	/* a little margin so that the last event gets its own column */
	v->t0 = m->t_first;
	view_set_span(v, s + s / 64 + 1);
}

/* Two traces on one relative time axis: give <dst> (a view of <dm>) the
 * window of <src> (a view of <sm>), both relative to their trace start. */
void view_sync(struct view *dst, const struct model *dm,
	       const struct view *src, const struct model *sm)
{
	uint64_t rel = src->t0 > sm->t_first ? src->t0 - sm->t_first : 0;

	dst->t0 = dm->t_first + rel;
	dst->span = src->span;
	dst->speed = src->speed;
	dst->speed_shift = src->speed_shift;
}

/* Start state: whole trace, cursor on the first event of lane 0. */
void view_init(struct view *v, const struct model *m, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->cursor = m->nev ? 0 : MV_NONE;
	v->progress = -1;
	view_fit(v, m);
	if (m->nev && m->ev[0].tid < m->nlanes)
		v->lane = m->ev[0].tid;
}

static void msg(struct view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void msg(struct view *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/* Is the filter on? */
int view_filtering(const struct view *v)
{
	return v->mux_mask || v->side_mask || v->fconn;
}

/* Does event <ev> pass the filter? An event without the filtered field
 * (a lock, a wakeup) passes mux and side filters: the locks are what the
 * lesson is about. A conn filter keeps only that connection's events. */
int view_passes(const struct view *v, const struct model *m, uint32_t ev)
{
	const struct mv_rec *r = &m->ev[ev];

	if (r->type == MV_T_DISCARDED)
		return 1;
	if (v->fconn && model_rec_conn(m, ev) != v->fconn)
		return 0;
	if (v->mux_mask && mv_rec_has_mux(r) &&
	    !(v->mux_mask & (1u << mv_rec_mux(r))))
		return 0;
	if (v->side_mask && mv_rec_has_side(r) &&
	    !(v->side_mask & (1u << mv_rec_side(r))))
		return 0;
	return 1;
}

static void keep_lane_visible(struct view *v)
{
	int shown = v->lanes_shown > 0 ? v->lanes_shown : 1;

	if (v->lane < v->lane_top)
		v->lane_top = v->lane;
	if (v->lane >= v->lane_top + shown)
		v->lane_top = v->lane - shown + 1;
	if (v->lane_top < 0)
		v->lane_top = 0;
}

/* Put the cursor on event <ev>, select its lane, and move the window if
 * the event is outside it (to its centre when <center>). */
void view_goto(struct view *v, const struct model *m, uint32_t ev,
	       int center)
{
	uint64_t ts;

	if (ev == MV_NONE || ev >= m->nev)
		return;
	v->cursor = ev;
	if (m->ev[ev].tid < m->nlanes)
		v->lane = m->ev[ev].tid;
	keep_lane_visible(v);
	ts = model_ts(m, ev);
	if (center || ts < v->t0 || ts >= v->t0 + v->span) {
		v->t0 = ts > v->span / 2 ? ts - v->span / 2 : 0;
		view_clamp(v, m);
	}
	if (v->playing)
		v->play_t = ts;
}

/* Move the cursor to the first event at or after <rel_ns> from the start
 * of the trace (the last event if past the end). Returns 0, -1 if the
 * trace is empty. */
int view_seek(struct view *v, const struct model *m, uint64_t rel_ns)
{
	uint32_t e;

	if (!m->nev)
		return -1;
	e = model_lower_bound(m, m->t_first + rel_ns);
	/* still loading and the time is not reached yet: wait on the
	 * newest event, and go on when more arrives (view_loaded) */
	v->seek_pending = v->loading && e >= m->nev;
	v->seek_ns = rel_ns;
	if (e >= m->nev)
		e = (uint32_t)m->nev - 1;
	view_goto(v, m, e, 1);
	if (v->seek_pending)
		msg(v, "seeking: waiting for the load to reach +%.6f",
		    rel_ns / 1e9);
	return 0;
}

/* More events were loaded (or the load ended: v->loading is 0): finish
 * a seek that was past the loaded part. */
void view_loaded(struct view *v, const struct model *m)
{
	if (!v->seek_pending)
		return;
	if (view_seek(v, m, v->seek_ns) == 0 && !v->seek_pending)
		v->msg[0] = 0;
}

/* next/previous event of the selected lane (or of any lane when <all>)
 * passing the filter */
static void step(struct view *v, const struct model *m, int dir, int all)
{
	int64_t i;

	if (!m->nev)
		return;
	if (v->cursor == MV_NONE)
		v->cursor = 0;
	if (!all && v->lane < m->nlanes) {
		uint32_t e = v->cursor;

		while ((e = model_lane_step(m, e, dir, v->lane)) != MV_NONE) {
			if (view_passes(v, m, e)) {
				view_goto(v, m, e, 0);
				return;
			}
		}
		msg(v, "no %s event on thread %d", dir > 0 ? "next" :
		    "previous", v->lane);
		return;
	}
	for (i = (int64_t)v->cursor + dir; i >= 0 && i < (int64_t)m->nev;
	     i += dir) {
		if (m->ev[i].tid < MV_TID_BAD && view_passes(v, m, (uint32_t)i)) {
			view_goto(v, m, (uint32_t)i, 0);
			return;
		}
	}
	msg(v, "no %s event", dir > 0 ? "next" : "previous");
}

static void jump(struct view *v, const struct model *m, unsigned int kinds,
		 int dir, const char *what)
{
	uint32_t e = v->cursor;

	for (;;) {
		e = model_find_kind(m, e, dir, kinds, -1);
		if (e == MV_NONE) {
			msg(v, "no %s %s", dir > 0 ? "next" : "previous", what);
			return;
		}
		if (view_passes(v, m, e))
			break;
	}
	view_goto(v, m, e, 0);
	msg(v, "%s", what);
}

static void zoom(struct view *v, const struct model *m, int in)
{
	uint64_t c = v->cursor != MV_NONE ? model_ts(m, v->cursor) :
		     v->t0 + v->span / 2;
	uint64_t full = axis_span(v, m);
	uint64_t ns;
	double rel;

	if (c < v->t0 || c >= v->t0 + v->span)
		c = v->t0 + v->span / 2;
	rel = (double)(c - v->t0) / (double)v->span;
	if (in) {
		ns = v->span / 2;
		if (ns < MIN_SPAN) {
			msg(v, "zoomed in all the way");
			return;
		}
	} else {
		ns = v->span * 2;
		if (ns > full * 2) {
			view_fit(v, m);
			msg(v, "whole trace");
			return;
		}
	}
	view_set_span(v, ns);
	/* keep the cursor at the same column */
	v->t0 = c > (uint64_t)(rel * (double)ns) ?
		c - (uint64_t)(rel * (double)ns) : 0;
	view_clamp(v, m);
}

static void pan(struct view *v, const struct model *m, int64_t num, int den)
{
	uint64_t d = v->span / (uint64_t)den;

	if (num < 0)
		v->t0 = v->t0 > d ? v->t0 - d : 0;
	else
		v->t0 += d;
	view_clamp(v, m);
}

static int parse_list(const char *val, const char *(*name)(int), int n,
		      unsigned int *mask)
{
	char buf[64], *tok, *save = NULL;
	int i;

	snprintf(buf, sizeof(buf), "%s", val);
	*mask = 0;
	for (tok = strtok_r(buf, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		for (i = 0; i < n; i++)
			if (strcmp(tok, name(i)) == 0)
				break;
		if (i == n)
			return -1;
		*mask |= 1u << i;
	}
	return 0;
}

/* Apply filter <spec>: space separated mux=h1,h2 side=front|back
 * conn=ID|follow; empty clears. Returns 0, or -1 with the reason in
 * v->msg. */
int view_filter(struct view *v, const struct model *m, const char *spec)
{
	char buf[128], *tok, *save = NULL;
	unsigned int mux = 0, side = 0;
	uint32_t conn = 0;

	snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, "mux=", 4) == 0) {
			if (parse_list(tok + 4, mv_mux_name, MUX_COUNT,
				       &mux) < 0)
				goto bad;
		} else if (strncmp(tok, "side=", 5) == 0) {
			if (parse_list(tok + 5, mv_side_name, SIDE_COUNT,
				       &side) < 0)
				goto bad;
		} else if (strncmp(tok, "conn=", 5) == 0) {
			if (strcmp(tok + 5, "follow") == 0) {
				conn = v->follow;
			} else {
				char *end;
				uint64_t id = strtoull(tok + 5, &end, 10);

				if (*end || !id)
					goto bad;
				conn = model_conn_find(m, id);
				if (conn == MV_NONE) {
					msg(v, "no conn %" PRIu64 " in this "
					    "trace", id);
					return -1;
				}
			}
		} else {
			goto bad;
		}
	}
	v->mux_mask = mux;
	v->side_mask = side;
	v->fconn = conn;
	if (view_filtering(v))
		msg(v, "filter on (f then Enter on an empty line clears it)");
	else
		msg(v, "filter off");
	return 0;
bad:
	msg(v, "bad filter '%s': use mux=h1,h2,fcgi side=front,back "
	    "conn=ID|follow", tok);
	return -1;
}

static void search(struct view *v, const struct model *m, int dir)
{
	char line[512];
	int64_t i, n = (int64_t)m->nev;
	int64_t start = v->cursor == MV_NONE ? 0 : v->cursor;
	int64_t k;

	if (!v->search[0]) {
		msg(v, "no search: type / first");
		return;
	}
	for (k = 1; k <= n; k++) {
		i = ((start + dir * k) % n + n) % n;
		if (!view_passes(v, m, (uint32_t)i))
			continue;
		fmt_event(m, (uint32_t)i, line, sizeof(line));
		if (strstr(line, v->search)) {
			view_goto(v, m, (uint32_t)i, 0);
			msg(v, "/%s: event #%" PRId64 "%s", v->search, i,
			    (dir > 0 ? i <= start : i >= start) ?
			    " (wrapped)" : "");
			return;
		}
	}
	msg(v, "/%s: not found", v->search);
}

static void follow(struct view *v, const struct model *m, int clear)
{
	uint32_t c;

	if (clear || v->cursor == MV_NONE) {
		v->follow = 0;
		msg(v, "follow off");
		return;
	}
	if (!m->finished) {
		msg(v, "follow needs the whole trace: wait for the load");
		return;
	}
	c = model_rec_conn(m, v->cursor);
	if (!c) {
		msg(v, "this event has no connection to follow");
		return;
	}
	if (c == v->follow) {
		v->follow = 0;
		msg(v, "follow off");
		return;
	}
	v->follow = c;
	msg(v, "following conn %" PRIu64 " ({ } previous/next event of it)",
	    model_conn_id(m, c));
}

static void follow_step(struct view *v, const struct model *m, int dir)
{
	int64_t i;

	if (!v->follow || v->cursor == MV_NONE) {
		msg(v, "not following a connection (c on an event)");
		return;
	}
	for (i = (int64_t)v->cursor + dir; i >= 0 && i < (int64_t)m->nev;
	     i += dir) {
		if (model_rec_conn(m, (uint32_t)i) == v->follow) {
			view_goto(v, m, (uint32_t)i, 0);
			return;
		}
	}
	msg(v, "conn %" PRIu64 " has no %s event",
	    model_conn_id(m, v->follow), dir > 0 ? "later" : "earlier");
}

static void prompt_done(struct view *v, const struct model *m)
{
	enum view_prompt p = v->prompt;
	uint64_t ns;

	v->prompt = PROMPT_NONE;
	v->input[v->input_len] = 0;
	switch (p) {
	case PROMPT_SEEK:
		if (fmt_parse_time(v->input, &ns) < 0) {
			msg(v, "not a time: '%s' (try 1.25, 1250ms, 40us)",
			    v->input);
			return;
		}
		view_seek(v, m, ns);
		break;
	case PROMPT_SEARCH:
		if (v->input_len)
			snprintf(v->search, sizeof(v->search), "%s", v->input);
		search(v, m, 1);
		break;
	case PROMPT_FILTER:
		view_filter(v, m, v->input);
		break;
	default:
		break;
	}
}

static void prompt_key(struct view *v, const struct model *m, int key)
{
	if (key == VK_ENTER || key == '\n' || key == '\r') {
		prompt_done(v, m);
	} else if (key == VK_ESC) {
		v->prompt = PROMPT_NONE;
		v->msg[0] = 0;
	} else if (key == VK_BACKSPACE || key == 127 || key == 8) {
		if (v->input_len)
			v->input[--v->input_len] = 0;
	} else if (key >= 32 && key < 127 &&
		   v->input_len + 1 < (int)sizeof(v->input)) {
		v->input[v->input_len++] = (char)key;
		v->input[v->input_len] = 0;
	}
}

static void start_prompt(struct view *v, enum view_prompt p)
{
	v->prompt = p;
	v->input_len = 0;
	v->input[0] = 0;
	v->playing = 0;
}

/* Apply key <key> (a character or a VK_* code). Returns 1 if the screen
 * must be redrawn. */
int view_key(struct view *v, const struct model *m, int key)
{
	uint64_t c;
	char buf[32];

	if (v->prompt) {
		prompt_key(v, m, key);
		return 1;
	}
	v->msg[0] = 0;
	v->seek_pending = 0;	/* a later key wins over a waiting seek */
	if (v->help) {
		/* the help scrolls with the arrows, PgUp/PgDn, space, j/k;
		 * any other key closes it and does nothing else (q too: it
		 * closes the help, a second q quits) */
		int page = v->help_rows > 2 ? v->help_rows - 1 : 1;

		switch (key) {
		case VK_DOWN: case 'j':
			v->help_top++;
			break;
		case VK_UP: case 'k':
			v->help_top--;
			break;
		case VK_PGDN: case ' ':
			v->help_top += page;
			break;
		case VK_PGUP:
			v->help_top -= page;
			break;
		case VK_HOME:
			v->help_top = 0;
			break;
		default:
			v->help = 0;
			break;
		}
		if (v->help_top < 0)
			v->help_top = 0;
		return 1;
	}
	switch (key) {
	case 'q':
		v->quit = 1;
		break;
	case '?':
	case 'h':
		v->help = 1;
		v->help_top = 0;
		break;
	case ' ':
	case 'p':
		v->playing = !v->playing;
		if (v->playing) {
			v->play_t = v->cursor != MV_NONE ?
				    model_ts(m, v->cursor) : v->t0;
			v->play_frac = 0;
		}
		msg(v, v->playing ? "playing (space pauses, < > speed)" :
		    "paused");
		break;
	case '>':
		if (v->speed < (1ULL << 50)) {
			v->speed_shift++;
			view_set_span(v, v->span);
		}
		msg(v, "speed %s of trace time per second",
		    fmt_dur(buf, sizeof(buf), v->speed));
		break;
	case '<':
		if (v->speed > 1) {
			v->speed_shift--;
			view_set_span(v, v->span);
		}
		msg(v, "speed %s of trace time per second",
		    fmt_dur(buf, sizeof(buf), v->speed));
		break;
	case '.':
	case VK_RIGHT:
		step(v, m, 1, 0);
		break;
	case ',':
	case VK_LEFT:
		step(v, m, -1, 0);
		break;
	case ']':
	case VK_SRIGHT:
		step(v, m, 1, 1);
		break;
	case '[':
	case VK_SLEFT:
		step(v, m, -1, 1);
		break;
	case VK_UP:
	case 'k':
		if (v->lane > 0)
			v->lane--;
		keep_lane_visible(v);
		break;
	case VK_DOWN:
	case 'j':
		if (v->lane + 1 < m->nlanes)
			v->lane++;
		keep_lane_visible(v);
		break;
	case 'w':
	case '+':
	case '=':
		zoom(v, m, 1);
		break;
	case 's':
	case '-':
		zoom(v, m, 0);
		break;
	case 'a':
		pan(v, m, -1, 4);
		break;
	case 'd':
		pan(v, m, 1, 4);
		break;
	case VK_PGUP:
		pan(v, m, -1, 1);
		break;
	case VK_PGDN:
		pan(v, m, 1, 1);
		break;
	case '0':
		view_fit(v, m);
		break;
	case VK_HOME:
		if (m->nev)
			view_goto(v, m, 0, 0);
		break;
	case VK_END:
		if (m->nev)
			view_goto(v, m, (uint32_t)m->nev - 1, 0);
		break;
	case VK_ENTER:
	case '\n':
	case '\r':
		if (v->cursor != MV_NONE)
			view_goto(v, m, v->cursor, 1);
		break;
	case 'g':
		start_prompt(v, PROMPT_SEEK);
		break;
	case '/':
		start_prompt(v, PROMPT_SEARCH);
		break;
	case 'f':
		start_prompt(v, PROMPT_FILTER);
		break;
	case 'F':
		if (v->fconn)
			view_filter(v, m, "");
		else if (v->follow)
			view_filter(v, m, "conn=follow");
		else
			msg(v, "F filters on the followed connection: "
			    "c first");
		break;
	case 'n':
		search(v, m, 1);
		break;
	case 'N':
		search(v, m, -1);
		break;
	case 't':
		jump(v, m, MV_KBIT(MV_K_STEAL), 1, "steal");
		break;
	case 'T':
		jump(v, m, MV_KBIT(MV_K_STEAL), -1, "steal");
		break;
	case 'l':
		jump(v, m, MV_KBIT(MV_K_LOCKED), 1, "locked io_cb");
		break;
	case 'L':
		jump(v, m, MV_KBIT(MV_K_LOCKED), -1, "locked io_cb");
		break;
	case 'u':
		jump(v, m, MV_KBIT(MV_K_FLAG_SET) | MV_KBIT(MV_K_FLAG_CLEAR),
		     1, "USR1 flag change");
		break;
	case 'U':
		jump(v, m, MV_KBIT(MV_K_FLAG_SET) | MV_KBIT(MV_K_FLAG_CLEAR),
		     -1, "USR1 flag change");
		break;
	case 'x':
		jump(v, m, MV_KBIT(MV_K_DISCARD), 1, "discarded-events marker");
		break;
	case 'X':
		jump(v, m, MV_KBIT(MV_K_DISCARD), -1,
		     "discarded-events marker");
		break;
	case 'c':
		follow(v, m, 0);
		break;
	case 'C':
		follow(v, m, 1);
		break;
	case '}':
		follow_step(v, m, 1);
		break;
	case '{':
		follow_step(v, m, -1);
		break;
	case 'm':
	case 'M':
		if (v->cursor == MV_NONE)
			break;
		c = model_ts(m, v->cursor);
		if (key == 'm') {
			v->have_a = 1;
			v->mark_a = c;
		} else {
			v->have_b = 1;
			v->mark_b = c;
		}
		msg(v, "marker %c set", key == 'm' ? 'A' : 'B');
		break;
	case 'z':
		if (v->have_a && v->have_b && v->mark_a != v->mark_b) {
			uint64_t lo = v->mark_a < v->mark_b ? v->mark_a :
				      v->mark_b;
			uint64_t d = (v->mark_a > v->mark_b ? v->mark_a :
				      v->mark_b) - lo;

			v->t0 = lo - (lo > d / 16 ? d / 16 : lo);
			view_set_span(v, d + d / 8 + 1);
			view_clamp(v, m);
		} else {
			msg(v, "set markers A (m) and B (M) first");
		}
		break;
	case VK_TAB:
	case VK_BTAB: {
		/* the summary pane compares two traces: only then */
		int n = v->compare ? PANE_COUNT : PANE_SUMMARY;

		v->pane = (v->pane + (key == VK_TAB ? 1 : n - 1)) % n;
		break;
	}
	case VK_ESC:
		break;
	default:
		return 0;
	}
	return 1;
}

/* Advance playback by <wall_s> seconds of wall time: the cursor follows
 * the play head (the last event not after it), the window pages along. */
void view_tick(struct view *v, const struct model *m, double wall_s)
{
	double adv;
	uint32_t e;

	if (!v->playing || !m->nev)
		return;
	adv = (double)v->speed * wall_s + v->play_frac;
	v->play_t += (uint64_t)adv;
	v->play_frac = adv - (double)(uint64_t)adv;
	if (v->play_t >= m->t_last) {
		v->play_t = m->t_last;
		v->playing = 0;
		msg(v, "end of trace");
	}
	e = model_lower_bound(m, v->play_t + 1);
	if (e > 0)
		e--;
	while (e > 0 && !view_passes(v, m, e))
		e--;
	v->cursor = e;
	if (m->ev[e].tid < m->nlanes)
		v->lane = m->ev[e].tid;
	keep_lane_visible(v);
	if (v->play_t >= v->t0 + v->span || v->play_t < v->t0) {
		v->t0 = v->play_t > v->span / 8 ? v->play_t - v->span / 8 : 0;
		view_clamp(v, m);
	}
}

#define LIVE_HINT	"live: waiting for events"

/* Live: make <v> a live view (the UI calls it before the first event):
 * it follows the newest events in a window <span> ns wide, and the status
 * line says it waits for them (and, with a control socket <ctl>, kept for
 * the help, that e flips the engine's mode) until they come. */
void view_live_start(struct view *v, uint64_t span, const char *ctl)
{
	v->live = v->live_follow = 1;
	v->span = span;
	v->live_ctl = ctl;
	msg(v, LIVE_HINT "%s", ctl ? "; e flips the engine's mode" : "");
}

/* live: the mode the engine's threads run in after the newest event:
 * each one's last mode_change, else run_start's; -1 unknown, -2 while
 * they disagree (a flip reaches the threads one after the other) */
static int live_mode(const struct model *m)
{
	int mode = m->run.have_start ? m->run.mode : -1, lane;
	size_t k;

	for (lane = 0; lane < m->nlanes; lane++) {
		int lm = m->run.have_start ? m->run.mode : -1;

		for (k = m->nmodes; k-- > 0;)
			if (m->ev[m->modes[k]].tid == lane) {
				lm = (int)m->ev[m->modes[k]].b;
				break;
			}
		if (lane == 0)
			mode = lm;
		else if (lm != mode)
			return -2;
	}
	return mode;
}

/* Live: bring the status line of <v> up to date once new events of <m>
 * came (the UI calls it after each batch). The waiting hint goes; a mode
 * change, whoever asked for it (`e`, or the control socket from a
 * shell), replaces a message that says another mode (`e` leaves the
 * engine's answer there); the engine's run_end says the run is over. */
void view_live_events(struct view *v, const struct model *m)
{
	int mode = live_mode(m);
	char now[32];

	if (m->nev && !strncmp(v->msg, LIVE_HINT, strlen(LIVE_HINT)))
		v->msg[0] = 0;
	if (mode >= 0 && (!v->live_mode_known || mode != v->live_mode)) {
		/* the first mode seen is run_start's: nothing changed */
		snprintf(now, sizeof(now), "now %s", mv_mode_name(mode));
		if (v->live_mode_known && !strstr(v->msg, now))
			msg(v, "The engine's mode is now %s on all %d threads "
			    "(control socket).", mv_mode_name(mode),
			    m->nlanes);
		v->live_mode = mode;
		v->live_mode_known = 1;
	}
	if (m->run.have_end && !v->live_run_over) {
		v->live_run_over = 1;
		msg(v, "the engine stopped (run_end): %zu event%s; browse "
		    "them, q quits", m->nev, m->nev == 1 ? "" : "s");
	}
}
