/*
 * test_view.c - unit tests of navigation (view.c) and of the screen model
 * (screen.c, svg.c) on a synthetic stream: keys move the cursor, jumps land
 * on the right events, the rendered grid shows lanes, glyphs, the cursor,
 * the followed connection, help; every size down to the minimum renders.
 *
 * Prints one "PASS name" / "FAIL name: reason" line per case.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "screen.h"
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
				       ">T0", 3) &&
	      !strncmp(row(&s, screen_lanes_top_row() + 1, buf), " T1", 3),
	      "lane rows: '%s'", row(&s, screen_lanes_top_row(), buf));
	CHECK("screen.legend", screen_has(&s, "f fast L locked"), "no legend");
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
	CHECK("screen.follow_lanes", row(&s, screen_lanes_top_row(), buf)[5]
	      == '*' && row(&s, screen_lanes_top_row() + 1, buf)[5] == '*',
	      "both lanes should carry '*'");
	CHECK("screen.conn_life", screen_has(&s, "life of conn 11") &&
	      screen_has(&s, "stolen") && screen_has(&s, "from T0"),
	      "no life of the conn in the detail pane");
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
	view_key(&v, &m, 'x');
	CHECK("view.help_closes", !v.help, "help still open");

	/* panes */
	view_key(&v, &m, VK_TAB);
	screen_render(&s, &m, &v);
	CHECK("screen.pane_iocb", screen_has(&s, "io_cb fast"), "no io_cb pane");
	view_key(&v, &m, VK_TAB);
	screen_render(&s, &m, &v);
	CHECK("screen.pane_locks", screen_has(&s, "steal in/out"),
	      "no locks pane");

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
			      strstr(txt, ">T1<"), "svg lacks lanes or steal");
		free(txt);
		fclose(f);
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
