/*
 * test_view.c - unit tests of navigation (view.c) and of the screen model
 * (screen.c, svg.c) on a synthetic stream: keys move the cursor, jumps land
 * on the right events, the rendered grid shows lanes, glyphs, the cursor,
 * the followed connection, help; every size down to the minimum renders.
 * The bins: a column counts every event under it (one locked io_cb among
 * a thousand fast ones shows, front and back apart); the window never
 * leaves the trace; playback pace follows the zoom; the help scrolls and
 * keys do not act behind it; the life pane scrolls to the current step;
 * two traces render one above the other; live: the header keeps the mode
 * at 80x24, the status line follows the engine's mode and its end.
 *
 * Prints one "PASS name" / "FAIL name: reason" line per case.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "screen.h"
#include "stats.h"
#include "svg.h"
#include "synth.h"
#include "view.h"

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

static char *row(const struct screen *s, int y, char *buf)
{
	int x;

	for (x = 0; x < s->cols; x++)
		buf[x] = s->cells[(size_t)y * s->cols + x].ch ?
			 s->cells[(size_t)y * s->cols + x].ch : ' ';
	buf[s->cols] = 0;
	return buf;
}

static int screen_has(const struct screen *s, const char *text)
{
	char buf[1024];
	int y;

	for (y = 0; y < s->rows; y++)
		if (strstr(row(s, y, buf), text))
			return 1;
	return 0;
}

static void keys(struct view *v, const struct model *m, const char *k)
{
	for (; *k; k++)
		view_key(v, m, (unsigned char)*k);
}

/* the screen row whose text starts with <prefix>, -1 if none */
static int row_starting(const struct screen *s, const char *prefix)
{
	char buf[1024];
	int y;

	for (y = 0; y < s->rows; y++)
		if (!strncmp(row(s, y, buf), prefix, strlen(prefix)))
			return y;
	return -1;
}

/* the bins part (after the label) of screen row <y> */
static char *bins_of(const struct screen *s, int y, char *buf)
{
	row(s, y, buf);
	buf[s->cols - 13] = 0;		/* the right margin */
	return buf + SCREEN_LABEL_W;
}

/*
 * A usr1 run at whole-trace zoom: thread 0 runs <n> front io_cbs on the
 * fast path and, in the middle, one back io_cb on the locked path among
 * <n> fast back ones; thread 1 only fast ones. <legacy>: every io_cb
 * locked.
 */
static void lesson_model(struct model *m, int n, int legacy)
{
	int i, p = legacy ? PATH_LOCKED : PATH_FAST;

	s_run_start(m, legacy ? MODE_LEGACY : MODE_USR1, 2);
	for (i = 0; i < n; i++) {
		s_io_cb(m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, p);
		s_io_cb(m, 0, 3, 11, MUX_H1, SIDE_BACK,
			i == n / 2 && !legacy ? USR1_ST : TL_ST,
			i == n / 2 ? PATH_LOCKED : p);
		s_io_cb(m, 1, 4, 21, MUX_H1, SIDE_FRONT, TL_ST, p);
	}
	s_run_end(m);
	model_finish(m);
}

static void bins_tests(void)
{
	struct model m;
	struct screen s;
	struct view v;
	char buf[1024], *b;
	int y, c, digits = 0, locked = 0, fast = 0, other = 0;

	/* usr1: front rows all fast, one locked among fast on T0's back */
	model_init(&m);
	lesson_model(&m, 20000, 0);
	view_init(&v, &m, "lesson");
	screen_init(&s, 80, 24);
	screen_render(&s, &m, &v);
	y = row_starting(&s, ">T0");
	b = y >= 0 ? bins_of(&s, y, buf) : "";
	for (c = 0; b[c]; c++) {
		fast += b[c] == 'f';
		other += b[c] != 'f' && b[c] != ' ';
	}
	CHECK("bins.front_all_fast", y >= 0 && strstr(row(&s, y, buf),
						       "front|") &&
	      fast > 40 && !other, "T0 front: '%s'", y >= 0 ?
	      row(&s, y, buf) : "(no row)");
	b = y >= 0 ? bins_of(&s, y + 1, buf) : "";
	for (c = 0, fast = 0; b[c]; c++) {
		digits += b[c] == '1';
		fast += b[c] == 'f';
		locked += b[c] == 'L';
	}
	CHECK("bins.one_locked_among_fast_shows", digits == 1 && !locked &&
	      fast > 40 && strstr(row(&s, y + 1, buf), "back|") &&
	      strstr(row(&s, y + 1, buf), "1L"),
	      "T0 back: '%s' (one '1' expected among 'f')",
	      row(&s, y + 1, buf));
	CHECK("bins.right_margin_counts", y >= 0 &&
	      strstr(row(&s, y, buf), "20.0kf") && strstr(row(&s, y, buf),
							   "0L"),
	      "T0 front: '%s'", row(&s, y, buf));
	/* the same at any zoom: still exactly one locked column */
	keys(&v, &m, "www");
	screen_render(&s, &m, &v);
	y = row_starting(&s, ">T0");
	CHECK("bins.zoomed_front_fast", y >= 0 &&
	      !strchr(bins_of(&s, y, buf), 'L'), "'%s'", row(&s, y, buf));
	/* --mono: glyphs tell fast from locked without colours */
	{
		struct scr_bin bn;
		struct lane_cell a, l, x;

		memset(&bn, 0, sizeof(bn));
		bn.n[MV_BC_FRONT_FAST] = 5;
		screen_cell(&bn, SR_FRONT, &a);
		bn.n[MV_BC_FRONT_LOCKED] = 2;
		screen_cell(&bn, SR_FRONT, &x);
		bn.n[MV_BC_FRONT_FAST] = 0;
		screen_cell(&bn, SR_FRONT, &l);
		CHECK("bins.glyphs_differ", a.ch == 'f' && x.ch == '2' &&
		      l.ch == 'L' && a.style != l.style, "f/mixed/L = %c %c %c",
		      a.ch, x.ch, l.ch);
		bn.n[MV_BC_FRONT_FAST] = 30;
		bn.n[MV_BC_FRONT_LOCKED] = 12;
		screen_cell(&bn, SR_FRONT, &x);
		CHECK("bins.many_locked_among_fast", x.ch == '#',
		      "glyph %c", x.ch);
	}
	screen_free(&s);
	model_free(&m);

	/* legacy: every io cell locked, none fast */
	model_init(&m);
	lesson_model(&m, 20000, 1);
	view_init(&v, &m, "lesson");
	screen_init(&s, 80, 24);
	screen_render(&s, &m, &v);
	y = row_starting(&s, ">T0");
	fast = locked = 0;
	b = y >= 0 ? bins_of(&s, y, buf) : "";
	for (c = 0; b[c]; c++) {
		fast += b[c] == 'f';
		locked += b[c] == 'L';
	}
	CHECK("bins.legacy_all_locked", fast == 0 && locked > 40, "'%s'",
	      y >= 0 ? row(&s, y, buf) : "(no row)");
	screen_free(&s);

	/* the window stays on the trace: --event N on the whole trace does
	 * not shift it (the header, the axis and the lanes agree) */
	view_init(&v, &m, "lesson");
	view_goto(&v, &m, (uint32_t)(m.nev * 3 / 4), 1);
	CHECK("view.goto_keeps_window", v.t0 == m.t_first &&
	      v.span >= view_trace_span(&m), "t0 +%" PRIu64 " span %" PRIu64,
	      v.t0 - m.t_first, v.span);
	v.span = view_trace_span(&m) / 10;
	view_goto(&v, &m, 1, 1);
	CHECK("view.goto_start_clamped", v.t0 == m.t_first,
	      "t0 %" PRId64 " from the start", (int64_t)(v.t0 - m.t_first));
	view_goto(&v, &m, (uint32_t)m.nev - 1, 1);
	CHECK("view.goto_end_clamped", v.t0 + v.span <= m.t_first +
	      view_trace_span(&m) * 65 / 64 + 2 &&
	      model_ts(&m, v.cursor) >= v.t0 &&
	      model_ts(&m, v.cursor) < v.t0 + v.span, "window past the end");

	/* playback moves a tenth of the window a second, at any zoom */
	view_init(&v, &m, "lesson");
	{
		uint64_t s0 = v.speed, s1;

		keys(&v, &m, "w");
		s1 = v.speed;
		keys(&v, &m, ">");
		CHECK("view.speed_follows_zoom", s1 * 2 <= s0 + 2 &&
		      s1 * 2 + 2 >= s0 && v.speed == s1 * 2,
		      "speed %" PRIu64 " -> %" PRIu64 " -> %" PRIu64, s0, s1,
		      v.speed);
		keys(&v, &m, "s");
		CHECK("view.speed_keeps_factor", v.speed >= s0 * 2 - 2 &&
		      v.speed <= s0 * 2 + 2, "speed %" PRIu64 " (was %" PRIu64
		      ")", v.speed, s0);
	}
	model_free(&m);
}

/* the io_cb pane says what --stats says */
static void pane_matches_stats(const struct model *m, const char *name)
{
	struct stats_table t;
	struct screen s;
	struct view v;
	char buf[1024], label[64];
	int lane, ok = 1;

	view_init(&v, m, name);
	v.pane = PANE_IOCB;
	screen_init(&s, 100, 40);
	screen_render(&s, m, &v);
	stats_build(m, &t);
	for (lane = 0; lane < m->nlanes; lane++) {
		const struct stats_row *f = stats_find(&t, "io_cb fast");
		const struct stats_row *l = stats_find(&t, "io_cb locked");
		char want[64];
		int y;

		snprintf(label, sizeof(label), "T%d ", lane);
		y = row_starting(&s, label);
		snprintf(want, sizeof(want), " %" PRIu64 " %" PRIu64 " ",
			 f->v[lane], l->v[lane]);
		if (y < 0) {
			ok = 0;
			break;
		}
		/* squeeze the blanks: "T0   12   3" -> "T0 12 3" */
		{
			char sq[1024], *o = sq, *p = row(&s, y, buf);

			for (; *p; p++)
				if (*p != ' ' || (o > sq && o[-1] != ' '))
					*o++ = *p;
			*o = 0;
			if (!strstr(sq, want + 1))
				ok = 0;
		}
	}
	CHECK(name, ok, "pane '%s' does not show the --stats counts",
	      row(&s, row_starting(&s, "T0") >= 0 ?
		  row_starting(&s, "T0") : 0, buf));
	stats_free(&t);
	screen_free(&s);
}

/* A seek typed while the trace still loads, to a time not loaded yet,
 * waits on the newest event and lands once the load reaches the time
 * (or on the last event when the load ends short of it); a later key
 * cancels it. */
static void seek_while_loading_tests(void)
{
	struct model m;
	struct view v;
	uint64_t t1;
	int i;

	model_init(&m);
	s_run_start(&m, MODE_USR1, 2);
	for (i = 0; i < 10; i++)
		s_io_cb(&m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	view_init(&v, &m, "loading");
	v.loading = 1;
	/* 1500 ns after the first event: the 16th event (100 ns apart) */
	keys(&v, &m, "g1500ns\r");
	CHECK("view.seek_loading_waits", v.seek_pending &&
	      v.cursor == m.nev - 1 && strstr(v.msg, "waiting"),
	      "pending %d cursor %u of %zu msg '%s'", v.seek_pending,
	      v.cursor, m.nev, v.msg);
	for (i = 0; i < 10; i++)
		s_io_cb(&m, 1, 4, 3, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	view_loaded(&v, &m);
	t1 = m.t_first + 1500;
	CHECK("view.seek_loading_lands", !v.seek_pending &&
	      model_ts(&m, v.cursor) >= t1 &&
	      model_ts(&m, v.cursor - 1) < t1 && v.lane == 1 && !v.msg[0],
	      "pending %d cursor %u lane %d", v.seek_pending, v.cursor,
	      v.lane);
	keys(&v, &m, "g1s\r");
	keys(&v, &m, ",");
	CHECK("view.seek_loading_cancelled", !v.seek_pending,
	      "a key after the seek left it pending");
	keys(&v, &m, "g1s\r");
	v.loading = 0;
	view_loaded(&v, &m);
	CHECK("view.seek_loading_ends", !v.seek_pending &&
	      v.cursor == m.nev - 1, "cursor %u of %zu", v.cursor, m.nev);
	model_free(&m);
}

/* the whole help, one line of text per help line, in <out> */
static void help_text_of(struct view *v, const struct model *m, char *out,
			 size_t len)
{
	struct screen hs;
	char buf[1024];
	size_t o = 0;
	int y;

	out[0] = 0;
	view_key(v, m, '?');
	screen_init(&hs, 80, 200);
	screen_render(&hs, m, v);
	for (y = 0; y < hs.rows && o + 1 < len; y++) {
		size_t n = strlen(row(&hs, y, buf));

		while (n && buf[n - 1] == ' ')	/* trailing blanks cut */
			buf[--n] = 0;
		o += (size_t)snprintf(out + o, len - o, "%s\n", buf);
	}
	screen_free(&hs);
	view_key(v, m, VK_ESC);
}

/*
 * Live (lab/live, muxview --live): a session followed as it grows. The
 * model grows the way the live reader grows it (model_add, no finish).
 * At 80x24 the header keeps the mode (the session's long name is cut
 * for it) and the live state; the status line: the waiting hint goes
 * when events come, a mode change made on the control socket replaces
 * `e`'s answer when that says another mode, run_end says the run is over
 * and the header says "LIVE ended". The legend has the M and the help
 * every key.
 */
static void live_tests(void)
{
	static const char name[] =
		"live muxlab-live-default-usr1-20261206-023115-4995";
	struct model m;
	struct screen s;
	struct view v;
	char buf[1024], help[16384];
	int i;

	model_init(&m);
	s_run_start(&m, MODE_USR1, 2);
	view_init(&v, &m, name);
	view_live_start(&v, 2000000000ULL, "/tmp/mxlive.X/ctl.sock");
	CHECK("live.hint_waiting", !strncmp(v.msg, "live: waiting", 13) &&
	      strstr(v.msg, "e flips"), "msg '%s'", v.msg);
	for (i = 0; i < 50; i++) {
		s_io_cb(&m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
		s_io_cb(&m, 1, 4, 3, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	}
	view_live_events(&v, &m);
	CHECK("live.hint_goes_with_events", !v.msg[0], "msg '%s'", v.msg);
	v.cursor = (uint32_t)m.nev - 1;
	screen_init(&s, 80, 24);
	screen_render(&s, &m, &v);
	CHECK("live.header_80x24_mode", strstr(row(&s, 0, buf), "mode=usr1") &&
	      strstr(buf, "LIVE follow"), "row 0: '%s'", buf);
	CHECK("live.footer_keys", strstr(row(&s, 23, buf), "e flip mode"),
	      "status line: '%s'", buf);

	/* e: the engine answers; its threads' mode_change events follow */
	snprintf(v.msg, sizeof(v.msg), "Mode is now legacy on all 2 threads.");
	s_mode(&m, 0, MODE_USR1, MODE_LEGACY, 0);
	view_live_events(&v, &m);
	s_mode(&m, 1, MODE_USR1, MODE_LEGACY, 0);
	s_io_cb(&m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_LOCKED);
	view_live_events(&v, &m);
	CHECK("live.e_answer_stays", !strcmp(v.msg, "Mode is now legacy on "
	      "all 2 threads."), "msg '%s'", v.msg);
	v.cursor = (uint32_t)m.nev - 1;
	screen_render(&s, &m, &v);
	CHECK("live.header_80x24_mode_changed",
	      strstr(row(&s, 0, buf), "mode=legacy (2 thread switches)") &&
	      strstr(buf, "LIVE follow"), "row 0: '%s'", buf);
	CHECK("live.legend_has_M", screen_has(&s, "M mode change"),
	      "no M in the legend at 80x24");

	/* the control socket, from a shell: set mode usr1 */
	s_mode(&m, 0, MODE_LEGACY, MODE_USR1, 0);
	s_mode(&m, 1, MODE_LEGACY, MODE_USR1, 0);
	view_live_events(&v, &m);
	CHECK("live.socket_flip_updates_status", !strstr(v.msg, "legacy") &&
	      strstr(v.msg, "now usr1"), "msg '%s'", v.msg);
	/* halfway through a flip (threads disagree): nothing said yet */
	s_mode(&m, 0, MODE_USR1, MODE_LEGACY, 0);
	view_live_events(&v, &m);
	CHECK("live.mixed_says_nothing", strstr(v.msg, "now usr1") != NULL,
	      "msg '%s'", v.msg);
	s_mode(&m, 1, MODE_USR1, MODE_LEGACY, 0);
	view_live_events(&v, &m);
	CHECK("live.socket_flip_back", strstr(v.msg, "now legacy") != NULL,
	      "msg '%s'", v.msg);

	/* the engine stops: run_end */
	s_run_end(&m);
	view_live_events(&v, &m);
	v.cursor = (uint32_t)m.nev - 1;
	screen_render(&s, &m, &v);
	CHECK("live.engine_stopped_header", strstr(row(&s, 0, buf),
	      "LIVE ended") && !strstr(buf, "LIVE follow") &&
	      strstr(buf, "mode=legacy"), "row 0: '%s'", buf);
	CHECK("live.engine_stopped_status", strstr(v.msg, "engine stopped") !=
	      NULL, "msg '%s'", v.msg);

	/* the help lists every key the viewer takes, live ones too */
	help_text_of(&v, &m, help, sizeof(help));
	CHECK("live.help_keys", strstr(help, "e              flip the engine's "
	      "mode") && strstr(help, "End            follow the newest") &&
	      strstr(help, "space p        pause / follow") &&
	      strstr(help, "  M            the thread switched mode") &&
	      strstr(help, "? h ") && strstr(help, "Ctrl-L") &&
	      strstr(help, "Shift-Tab") && strstr(help, "(or Shift-<- ->)") &&
	      strstr(help, "+ = -") && strstr(help, "shows as M\n"),
	      "help lacks a key:\n%s", help);
	CHECK("live.help_names_socket", strstr(help, "shows as M\n"
	      "                  (socket /tmp/mxlive.X/ctl.sock, for socat"),
	      "help lacks the control socket");
	screen_free(&s);
	model_free(&m);

	/* one switch: singular */
	model_init(&m);
	s_run_start(&m, MODE_USR1, 1);
	s_io_cb(&m, 0, 2, 1, MUX_H1, SIDE_FRONT, TL_ST, PATH_FAST);
	s_mode(&m, 0, MODE_USR1, MODE_LEGACY, 0);
	model_finish(&m);
	view_init(&v, &m, "one");
	screen_init(&s, 80, 24);
	screen_render(&s, &m, &v);
	CHECK("screen.one_thread_switch", screen_has(&s, "(1 thread switch)"),
	      "row 0: '%s'", row(&s, 0, buf));
	screen_free(&s);
	model_free(&m);
}

int main(void)
{
	struct screen s;
	struct model m;
	struct view v;
	char buf[1024];
	uint32_t c0, steal = MV_NONE, i;
	int sizes[][2] = { { 80, 24 }, { 200, 60 }, { 40, 10 }, { 10, 5 },
			   { 1000, 8 } };
	size_t k;
	FILE *f;

	model_init(&m);
	synth_scenario(&m, 0, 0);
	model_finish(&m);
	for (i = 0; i < m.nev; i++)
		if (m.ev[i].type == MV_T_TAKEOVER)
			steal = i;

	view_init(&v, &m, "synth");
	screen_init(&s, 80, 24);
	screen_render(&s, &m, &v);
	CHECK("screen.header", screen_has(&s, "muxview synth") &&
	      screen_has(&s, "mode=usr1") && screen_has(&s, "seed=42"),
	      "header: %s", row(&s, 0, buf));
	CHECK("screen.lanes", !strncmp(row(&s, screen_lanes_top_row(), buf),
				       ">T0", 3) && row_starting(&s, " T1") >
	      screen_lanes_top_row() && screen_has(&s, "front|") &&
	      screen_has(&s, "back|") && screen_has(&s, "flag|") &&
	      screen_has(&s, "lock|"),
	      "lane rows: '%s'", row(&s, screen_lanes_top_row(), buf));
	CHECK("screen.legend", screen_has(&s, "f all fast") &&
	      screen_has(&s, "L all locked"), "no legend");
	CHECK("screen.detail", screen_has(&s, "muxlab:run_start"),
	      "detail pane lacks the cursor's event");
	CHECK("screen.steal_glyphs", screen_has(&s, "S0") &&
	      screen_has(&s, "s1"), "no S0/s1 steal marks");

	/* keys: next event on the selected lane */
	view_key(&v, &m, '.');
	c0 = v.cursor;
	CHECK("view.step_lane", c0 != MV_NONE && m.ev[c0].tid == v.lane,
	      "cursor %u", c0);
	view_key(&v, &m, '.');
	CHECK("view.step_forward", v.cursor > c0, "cursor %u -> %u", c0,
	      v.cursor);
	view_key(&v, &m, ',');
	CHECK("view.step_back", v.cursor == c0, "cursor %u", v.cursor);
	view_key(&v, &m, VK_DOWN);
	CHECK("view.lane_down", v.lane == 1, "lane %d", v.lane);
	view_key(&v, &m, VK_RIGHT);
	CHECK("view.step_other_lane", m.ev[v.cursor].tid == 1,
	      "cursor tid %u", m.ev[v.cursor].tid);
	view_key(&v, &m, ']');
	CHECK("view.step_all", v.cursor != MV_NONE, "no cursor");

	/* jump to the steal, then follow its connection */
	view_key(&v, &m, VK_HOME);
	view_key(&v, &m, 't');
	CHECK("view.jump_steal", v.cursor == steal && v.lane == 1,
	      "cursor %u (steal %u) lane %d", v.cursor, steal, v.lane);
	view_key(&v, &m, 'T');
	CHECK("view.no_prev_steal", v.cursor == steal && v.msg[0],
	      "cursor moved");
	view_key(&v, &m, 'c');
	CHECK("view.follow", model_conn_id(&m, v.follow) == 11,
	      "following %" PRIu64, model_conn_id(&m, v.follow));
	screen_render(&s, &m, &v);
	CHECK("screen.follow_header", screen_has(&s, "follow conn 11"),
	      "header lacks follow");
	CHECK("screen.follow_lanes", row_starting(&s, ">T1  *") >= 0 &&
	      row_starting(&s, " T0  *") >= 0,
	      "both lanes should carry '*': '%s'",
	      row(&s, screen_lanes_top_row(), buf));
	CHECK("screen.conn_life", screen_has(&s, "life of conn 11") &&
	      screen_has(&s, "stolen") && screen_has(&s, "from T0"),
	      "no life of the conn in the detail pane");
	CHECK("screen.conn_life_singular", screen_has(&s, ", 1 steal)"),
	      "'1 steal' expected: %s", row(&s, row_starting(&s, "life of") >=
	      0 ? row_starting(&s, "life of") : 0, buf));
	view_key(&v, &m, '}');
	CHECK("view.follow_next", model_rec_conn(&m, v.cursor) == v.follow &&
	      v.cursor > steal, "cursor %u", v.cursor);
	view_key(&v, &m, 'C');
	CHECK("view.unfollow", v.follow == 0, "still following");

	view_key(&v, &m, 'u');
	CHECK("view.jump_flag", m.ev[v.cursor].type == MV_T_FLAG_SET ||
	      m.ev[v.cursor].type == MV_T_FLAG_CLEAR || v.msg[0],
	      "not on a flag event");
	view_key(&v, &m, VK_HOME);
	view_key(&v, &m, 'l');
	CHECK("view.jump_locked", m.ev[v.cursor].type == MV_T_IO_CB &&
	      mv_rec_bool(&m.ev[v.cursor]), "not on a locked io_cb");

	/* zoom keeps the cursor inside the window */
	keys(&v, &m, "www");
	CHECK("view.zoom_in", v.span < view_trace_span(&m) &&
	      model_ts(&m, v.cursor) >= v.t0 &&
	      model_ts(&m, v.cursor) < v.t0 + v.span, "span %" PRIu64, v.span);
	keys(&v, &m, "ssssssss");
	CHECK("view.zoom_out_stops", v.span <= 2 * view_trace_span(&m) + 2,
	      "span %" PRIu64, v.span);
	keys(&v, &m, "0");
	CHECK("view.fit", v.t0 == m.t_first, "t0");

	/* seek and search through the prompt */
	keys(&v, &m, "g0.000001\r");
	CHECK("view.seek", model_ts(&m, v.cursor) >= m.t_first + 1000 &&
	      (v.cursor == 0 || model_ts(&m, v.cursor - 1) < m.t_first + 1000),
	      "cursor %u", v.cursor);
	keys(&v, &m, "/io_cb_stolen\r");
	CHECK("view.search", m.ev[v.cursor].type == MV_T_IO_CB_STOLEN,
	      "cursor on %s", mv_type_name(m.ev[v.cursor].type));
	keys(&v, &m, "gnonsense\r");
	CHECK("view.seek_bad", strstr(v.msg, "not a time") != NULL,
	      "msg '%s'", v.msg);

	/* filters */
	keys(&v, &m, "fmux=h1\r");
	CHECK("view.filter_mux", v.mux_mask == 1 && view_filtering(&v),
	      "mask %u (%s)", v.mux_mask, v.msg);
	for (i = 0; i < m.nev; i++)
		if (m.ev[i].type == MV_T_IO_CB && mv_rec_mux(&m.ev[i]) ==
		    MUX_H2)
			break;
	CHECK("view.filter_hides", !view_passes(&v, &m, i), "h2 passes");
	keys(&v, &m, "fbogus\r");
	CHECK("view.filter_bad", strstr(v.msg, "bad filter") && v.mux_mask == 1,
	      "msg '%s'", v.msg);
	keys(&v, &m, "f\r");
	CHECK("view.filter_clear", !view_filtering(&v), "still filtering");
	CHECK("view.filter_conn", view_filter(&v, &m, "conn=11") == 0 &&
	      v.fconn == model_conn_find(&m, 11), "conn filter");
	view_filter(&v, &m, "");

	/* markers */
	view_key(&v, &m, VK_HOME);
	view_key(&v, &m, 'm');
	view_key(&v, &m, VK_END);
	view_key(&v, &m, 'M');
	screen_render(&s, &m, &v);
	CHECK("screen.markers", v.have_a && v.have_b &&
	      screen_has(&s, "A>B="), "no delta in the header");

	/* help and quit */
	view_key(&v, &m, '?');
	screen_render(&s, &m, &v);
	CHECK("screen.help", screen_has(&s, "muxview keys") &&
	      screen_has(&s, "follow the cursor's connection"), "no help");
	{
		uint64_t t0 = v.t0;
		uint32_t cur = v.cursor;

		screen_free(&s);
		screen_init(&s, 80, 24);
		screen_render(&s, &m, &v);
		view_key(&v, &m, VK_DOWN);
		view_key(&v, &m, VK_PGDN);
		screen_render(&s, &m, &v);
		CHECK("view.help_scrolls", v.help && v.help_top > 0 &&
		      screen_has(&s, "lines ") && !screen_has(&s, "muxview keys"),
		      "help_top %d", v.help_top);
		view_key(&v, &m, 'd');
		CHECK("view.help_closes", !v.help, "help still open");
		CHECK("view.help_key_does_not_act", v.t0 == t0 &&
		      v.cursor == cur, "the key closing the help also acted");
		screen_free(&s);
		screen_init(&s, 80, 24);
	}

	/* panes */
	view_key(&v, &m, VK_TAB);
	screen_render(&s, &m, &v);
	CHECK("screen.pane_iocb", screen_has(&s, "io_cb fast") &&
	      screen_has(&s, "front f/L"), "no io_cb pane");
	view_key(&v, &m, VK_TAB);
	screen_render(&s, &m, &v);
	CHECK("screen.pane_locks", screen_has(&s, "in/out") &&
	      screen_has(&s, "USR1 +/-"), "no locks pane");
	view_key(&v, &m, VK_TAB);
	view_key(&v, &m, VK_TAB);
	CHECK("view.no_summary_alone", v.pane == PANE_DETAIL,
	      "Tab reached pane %d with one trace", v.pane);
	pane_matches_stats(&m, "screen.pane_iocb_equals_stats");

	/* playback reaches the end */
	view_key(&v, &m, VK_HOME);
	view_key(&v, &m, ' ');
	for (k = 0; k < 200 && v.playing; k++)
		view_tick(&v, &m, 1.0);
	CHECK("view.play_to_end", !v.playing && v.cursor + 1 == m.nev,
	      "cursor %u of %zu", v.cursor, m.nev);

	/* every size renders, small ones say so */
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char name[64];

		screen_free(&s);
		screen_init(&s, sizes[k][0], sizes[k][1]);
		screen_render(&s, &m, &v);
		snprintf(name, sizeof(name), "screen.size_%dx%d", sizes[k][0],
			 sizes[k][1]);
		CHECK(name, screen_has(&s, "muxview"), "nothing drawn");
	}
	screen_free(&s);

	/* svg */
	f = tmpfile();
	view_init(&v, &m, "synth");
	CHECK("svg.write", f && svg_write(f, &m, &v) == 0, "svg_write failed");
	if (f) {
		long n;
		char *txt;

		fflush(f);
		n = ftell(f);
		rewind(f);
		txt = calloc(1, (size_t)n + 1);
		if (txt && fread(txt, 1, (size_t)n, f) == (size_t)n)
			CHECK("svg.content", strstr(txt, "<svg") &&
			      strstr(txt, "</svg>") &&
			      strstr(txt, "stolen by T1 from T0") &&
			      strstr(txt, ">T1<") && strstr(txt, " fast, ") &&
			      strstr(txt, "locked"), "svg lacks lanes or steal");
		if (txt)
			CHECK("svg.no_mode_marks", !strstr(txt, "switches to") &&
			      !strstr(txt, "mode changes"),
			      "a run without mode changes shows some");
		free(txt);
		fclose(f);
	}

	/* svg: a thread's mode change is drawn on its lanes, named with
	 * the new mode, and counted in the header */
	{
		struct model mm;
		struct view mv;
		FILE *mf = tmpfile();
		char *txt = NULL;
		long n;

		model_init(&mm);
		synth_mixed(&mm, 0);
		model_finish(&mm);
		view_init(&mv, &mm, "mixed");
		CHECK("svg.modes_write", mf && svg_write(mf, &mm, &mv) == 0,
		      "svg_write failed");
		if (mf) {
			fflush(mf);
			n = ftell(mf);
			rewind(mf);
			txt = calloc(1, (size_t)n + 1);
			if (txt && fread(txt, 1, (size_t)n, mf) != (size_t)n)
				txt[0] = 0;
			fclose(mf);
		}
		CHECK("svg.mode_marks", txt &&
		      strstr(txt, "T0 switches to usr1") &&
		      strstr(txt, "T1 switches to usr1") &&
		      strstr(txt, "3 mode changes"),
		      "svg lacks the mode changes of each thread");
		free(txt);
		model_free(&mm);
	}

	bins_tests();
	seek_while_loading_tests();
	live_tests();

	/* the life pane scrolls to the current step */
	{
		struct model lm;
		struct screen ls;
		uint32_t last = 0, j;
		int k2;

		model_init(&lm);
		s_run_start(&lm, MODE_USR1, 1);
		s_conn(&lm, 1, 0, 7, MUX_H1, SIDE_BACK);
		for (k2 = 0; k2 < 40; k2++) {
			s_flag(&lm, 1, 0, 9, 7, MUX_H1, TL_ST, USR1_ST);
			s_idle(&lm, 1, 0, 7, MUX_H1, LIST_SAFE, 0);
			s_idle(&lm, 0, 0, 7, MUX_H1, LIST_SAFE, REASON_REUSE);
			s_flag(&lm, 0, 0, 9, 7, MUX_H1, USR1_ST, TL_ST);
		}
		model_finish(&lm);
		for (j = 0; j < lm.nev; j++)
			if (lm.ev[j].type == MV_T_IDLE_INSERT)
				last = j;
		view_init(&v, &lm, "life");
		view_goto(&v, &lm, last, 1);
		v.pane = PANE_LIFE;
		screen_init(&ls, 80, 24);
		screen_render(&ls, &lm, &v);
		snprintf(buf, sizeof(buf), "> #%-9" PRIu32, last);
		CHECK("screen.life_scrolls_to_current", screen_has(&ls, buf),
		      "no '%s' line in the life pane", buf);
		screen_free(&ls);
		model_free(&lm);
	}

	/* two traces one above the other */
	{
		struct model ma, mb;
		struct screen cs;
		struct view va, vb;
		const struct model *mm[2] = { &ma, &mb };
		struct view *vv[2] = { &va, &vb };
		int ya, yb;

		model_init(&ma);
		model_init(&mb);
		lesson_model(&ma, 3000, 1);
		lesson_model(&mb, 3000, 0);
		view_init(&va, &ma, "legacy");
		view_init(&vb, &mb, "usr1");
		va.compare = vb.compare = 1;
		va.pane = vb.pane = PANE_SUMMARY;
		view_sync(&vb, &mb, &va, &ma);
		screen_init(&cs, 80, 24);
		screen_render2(&cs, mm, vv, 0);
		ya = row_starting(&cs, ">A legacy");
		yb = row_starting(&cs, " B usr1");
		CHECK("screen.two_traces", ya > 0 && yb > ya &&
		      screen_has(&cs, "mode=legacy") &&
		      screen_has(&cs, "mode=usr1") &&
		      row_starting(&cs, "A legacy") > yb &&
		      row_starting(&cs, "B usr1") > yb,
		      "titles at %d %d, summary rows %d %d", ya, yb,
		      row_starting(&cs, "A legacy"),
		      row_starting(&cs, "B usr1"));
		CHECK("screen.two_traces_contrast", ya > 0 && yb > ya &&
		      strchr(bins_of(&cs, ya + 1, buf), 'L') &&
		      !strchr(bins_of(&cs, ya + 1, buf), 'f') &&
		      strchr(bins_of(&cs, yb + 1, buf), 'f') &&
		      !strchr(bins_of(&cs, yb + 1, buf), 'L'),
		      "A: '%s'", row(&cs, ya + 1, buf));
		view_key(&va, &ma, 'w');
		view_sync(&vb, &mb, &va, &ma);
		CHECK("view.sync_relative", vb.span == va.span &&
		      vb.t0 - mb.t_first == va.t0 - ma.t_first,
		      "B's window does not follow A's");
		view_key(&va, &ma, VK_TAB);
		CHECK("view.summary_pane_cycles", va.pane == PANE_DETAIL,
		      "pane %d", va.pane);
		screen_free(&cs);
		model_free(&ma);
		model_free(&mb);
	}

	/* tick labels: exact at any zoom, one unit per axis */
	{
		char lab[48];

		screen_tick_label(lab, sizeof(lab), 223560000, 20000,
				  223706950);
		CHECK("screen.tick_label_zoomed", !strcmp(lab, "223.56ms"),
		      "'%s'", lab);
		screen_tick_label(lab, sizeof(lab), 1200000000, 200000000,
				  1300000000);
		CHECK("screen.tick_label_s", !strcmp(lab, "1.2s"), "'%s'",
		      lab);
	}

	/* an empty model */
	model_free(&m);
	model_init(&m);
	view_init(&v, &m, "empty");
	screen_init(&s, 80, 24);
	keys(&v, &m, ".,[]tlucw s0");
	screen_render(&s, &m, &v);
	CHECK("screen.empty_model", screen_has(&s, "no thread"),
	      "empty model not handled");
	screen_free(&s);
	model_free(&m);
	return failures ? 1 : 0;
}
