/*
 * tui.c - the interactive viewer: a single-threaded poll()/getch() loop.
 *
 * The trace loads in slices of ~30 ms between two looks at the keyboard,
 * so the first frame is painted before the first event is decoded and
 * the lanes fill in while the load goes on. Every exit path (quit, error,
 * SIGINT/SIGTERM/SIGHUP, a crash) goes through endwin() so the terminal
 * is left as it was found.
 *
 * Live (--live): the load never ends while the session lives. Each turn
 * reads what the relay daemon has (a few ms), waits 10 ms when it had
 * nothing (reader_waiting()), and paints at most every 33 ms; the window
 * follows the newest events (its right edge is the last event) until a
 * navigation key or Space pauses it; Space or End resumes. Recording goes
 * on meanwhile: a paused view still grows. `e` flips the engine's mode
 * through its control socket (ctl.c). When the session ends the trace
 * stays on screen.
 */
#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "model.h"
#include "screen.h"
#include "tui.h"

#define LIVE_SPAN_NS	2000000000ULL	/* default live window: 2 s */
#define LIVE_PAINT_S	0.033		/* at most 30 frames a second */
#define LIVE_WAIT_MS	10		/* nothing new: ask again after */

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t curses_on;

static void end_curses(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void on_stop_signal(int sig)
{
	got_signal = sig;
}

static void on_fatal_signal(int sig)
{
	/* not async-signal-safe, but the process is dying anyway and a
	 * terminal left in raw mode is worse */
	end_curses();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	atexit(end_curses);
}

static int style_attr[ST_COUNT];

static void setup_styles(int mono)
{
	static const struct {
		short fg, bg;
		int attr;	/* with colours */
		int mattr;	/* monochrome */
	} st[ST_COUNT] = {
		[ST_NORMAL] = { -1, -1, 0, 0 },
		[ST_HEADER] = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
		[ST_AXIS] = { COLOR_CYAN, -1, 0, A_DIM },
		[ST_LABEL] = { -1, -1, 0, 0 },
		[ST_SELLABEL] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_REVERSE },
		[ST_FAST] = { COLOR_GREEN, -1, 0, 0 },
		[ST_LOCKED] = { COLOR_RED, -1, A_BOLD, A_BOLD },
		[ST_WAIT] = { COLOR_YELLOW, -1, 0, 0 },
		[ST_HOLD] = { COLOR_MAGENTA, -1, 0, A_DIM },
		[ST_FLAG_SET] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[ST_FLAG_CLEAR] = { COLOR_CYAN, -1, 0, 0 },
		[ST_STEAL] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD },
		[ST_STOLEN] = { COLOR_RED, -1, 0, A_BOLD },
		[ST_IDLE] = { COLOR_BLUE, -1, A_BOLD, 0 },
		[ST_DISCARD] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD },
		[ST_OTHER] = { -1, -1, A_DIM, A_DIM },
		[ST_TRYFAIL] = { COLOR_YELLOW, -1, 0, 0 },
		[ST_FOLLOW] = { COLOR_BLACK, COLOR_YELLOW, 0, A_BOLD },
		[ST_MARK] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[ST_MSG] = { -1, -1, 0, 0 },
		[ST_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	};
	int i, colours = !mono && has_colors();

	if (colours) {
		start_color();
		if (use_default_colors() == ERR) {
			/* no "-1 = terminal default": use white on black */
			colours = 2;
		}
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (colours) {
			short fg = st[i].fg, bg = st[i].bg;

			if (colours == 2) {
				fg = fg < 0 ? COLOR_WHITE : fg;
				bg = bg < 0 ? COLOR_BLACK : bg;
			}
			init_pair((short)(i + 1), fg, bg);
			style_attr[i] = (int)COLOR_PAIR(i + 1) | st[i].attr;
		} else {
			style_attr[i] = st[i].mattr;
		}
	}
}

static void blit(const struct screen *s)
{
	int x, y;

	for (y = 0; y < s->rows && y < LINES; y++) {
		move(y, 0);
		for (x = 0; x < s->cols && x < COLS; x++) {
			const struct scr_cell *c =
				&s->cells[(size_t)y * s->cols + x];
			int a = style_attr[c->style];

			if (c->attr & SA_BOLD)
				a |= A_BOLD;
			if (c->attr & SA_UNDER)
				a |= A_UNDERLINE;
			if (c->attr & SA_REV)
				a |= A_REVERSE;
			/* the last cell of the last line scrolls on some
			 * terminals: leave it blank */
			if (y == LINES - 1 && x == COLS - 1)
				break;
			addch((chtype)(unsigned char)(c->ch ? c->ch : ' ') |
			      (chtype)a);
		}
	}
	refresh();
}

static int map_key(int k)
{
	switch (k) {
	case KEY_UP: return VK_UP;
	case KEY_DOWN: return VK_DOWN;
	case KEY_LEFT: return VK_LEFT;
	case KEY_RIGHT: return VK_RIGHT;
	case KEY_SLEFT: return VK_SLEFT;
	case KEY_SRIGHT: return VK_SRIGHT;
	case KEY_PPAGE: return VK_PGUP;
	case KEY_NPAGE: return VK_PGDN;
	case KEY_HOME: return VK_HOME;
	case KEY_END: return VK_END;
	case KEY_ENTER: case '\n': case '\r': return VK_ENTER;
	case 27: return VK_ESC;
	case KEY_BACKSPACE: case 127: case 8: return VK_BACKSPACE;
	case '\t': return VK_TAB;
	case KEY_BTAB: return VK_BTAB;
	}
	return k;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int resize_screen(struct screen *s)
{
	screen_free(s);
	return screen_init(s, COLS > 0 ? COLS : 80, LINES > 0 ? LINES : 24);
}

/* the views of a second trace follow the active one's window */
static void sync_views(struct view *v, struct model *const *m, int n,
		       int active)
{
	if (n == 2)
		view_sync(&v[!active], m[!active], &v[active], m[active]);
}

/*
 * Live latency, measured when MUXVIEW_LATENCY names a file: for every
 * event that reaches the screen while the view follows, the time from
 * its timestamp (the tracer's clock, which LTTng ties to the real-time
 * clock) to the end of the paint that first shows it. Written at exit:
 * count, mean, percentiles and maximum, in ms.
 */
#define LAT_BUCKETS	10000		/* 1 ms each: up to 10 s */

static struct {
	FILE *f;
	uint64_t hist[LAT_BUCKETS + 1];
	uint64_t n;
	double sum, max;
	size_t seen;			/* events already on screen */
} lat;

static void lat_paint(const struct model *m, const struct view *v)
{
	struct timespec ts;
	uint64_t now;
	size_t i;

	if (!lat.f)
		return;
	if (!v->live_follow || v->live_ended) {
		lat.seen = m->nev;	/* not followed: not measured */
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (i = lat.seen; i < m->nev; i++) {
		uint64_t t = model_ts(m, (uint32_t)i);
		double ms = now > t ? (double)(now - t) / 1e6 : 0;
		size_t b = ms < LAT_BUCKETS ? (size_t)ms : LAT_BUCKETS;

		lat.hist[b]++;
		lat.n++;
		lat.sum += ms;
		if (ms > lat.max)
			lat.max = ms;
	}
	lat.seen = m->nev;
}

static double lat_pct(double p)
{
	uint64_t want = (uint64_t)(p * (double)lat.n), acc = 0;
	size_t b;

	for (b = 0; b <= LAT_BUCKETS; b++) {
		acc += lat.hist[b];
		if (acc > want)
			return (double)b + 0.5;
	}
	return LAT_BUCKETS;
}

static void lat_report(void)
{
	if (!lat.f)
		return;
	fprintf(lat.f, "events %" PRIu64 " mean_ms %.1f p50_ms %.1f p95_ms "
		"%.1f p99_ms %.1f max_ms %.1f\n", lat.n,
		lat.n ? lat.sum / (double)lat.n : 0, lat_pct(0.5),
		lat_pct(0.95), lat_pct(0.99), lat.max);
	fclose(lat.f);
	lat.f = NULL;
}

/* live: the window's right edge on the newest event, the cursor on it */
static void live_follow(struct view *v, const struct model *m, uint64_t span)
{
	uint64_t end;

	if (!m->nev)
		return;
	if (span)
		v->span = span;
	end = m->t_last + 1;
	v->t0 = end > m->t_first + v->span ? end - v->span : m->t_first;
	v->cursor = (uint32_t)m->nev - 1;
}

/* live: a key for the live view itself (1 if taken). Space and p pause
 * or resume the following, End resumes it, e flips the engine's mode. */
static int live_key(struct view *v, const struct model *m, int k,
		    const struct tui_opts *o)
{
	char ans[512];
	int mode;

	switch (k) {
	case ' ':
	case 'p':
		v->live_follow = !v->live_follow;
		if (v->live_follow)
			live_follow(v, m, 0);
		snprintf(v->msg, sizeof(v->msg), "%s", v->live_follow ?
			 "following the newest events" : "paused: recording "
			 "goes on; Space or End follows again");
		return 1;
	case VK_END:
		v->live_follow = 1;
		live_follow(v, m, 0);
		v->msg[0] = 0;
		return 1;
	case 'e':
		if (v->live_ended || m->run.have_end) {
			snprintf(v->msg, sizeof(v->msg), "the run is over: "
				 "no engine to switch");
			return 1;
		}
		mode = ctl_flip_mode(o->ctl, ans, sizeof(ans));
		/* the engine's answer, on one line */
		for (k = 0; ans[k]; k++)
			if (ans[k] == '\n')
				ans[k] = ' ';
		snprintf(v->msg, sizeof(v->msg), "%s%.170s", mode < 0 ?
			 "mode flip failed: " : "", ans);
		return 1;
	}
	return 0;
}

/* start state once every trace is loaded */
static void init_views(struct view *v, struct model *const *m,
		       const char *const *name, int n)
{
	uint64_t span = 0;
	int i;

	for (i = 0; i < n; i++)
		if (view_trace_span(m[i]) > span)
			span = view_trace_span(m[i]);
	for (i = 0; i < n; i++) {
		view_init(&v[i], m[i], name[i]);
		if (n > 1) {
			v[i].compare = 1;
			v[i].axis_span = span;
			v[i].pane = PANE_SUMMARY;
			view_fit(&v[i], m[i]);
		}
	}
}

/* Run the viewer on the <n> models <m> (one, or two shown one above the
 * other), loading them from <r> (already opened, no error yet) as it
 * goes. <name> are shown in the header. Returns 0 when the user quits, 2
 * on a load error (message in <err>), 128 + signal on a signal (the
 * terminal is restored in every case). */
int tui_run(struct reader *const *r, struct model *const *m,
	    const char *const *name, int n, const struct tui_opts *o,
	    char *err, size_t errlen)
{
	struct screen scr;
	struct view v[2];
	int loading = 1, touched = 0, rc = 0, dirty = 1, active = 0, cur = 0;
	int live = n == 1 && reader_is_live(r[0]);
	uint64_t live_span = o->live_span ? o->live_span : LIVE_SPAN_NS;
	double last_paint = 0, last_tick = now_s();
	char warn[1024] = "";

	err[0] = 0;
	if (n < 1 || n > 2) {
		snprintf(err, errlen, "one or two traces");
		return 2;
	}
	setup_signals();
	if (!getenv("ESCDELAY"))
		setenv("ESCDELAY", "25", 1);
	if (!initscr()) {
		snprintf(err, errlen, "cannot initialise the terminal");
		return 2;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	setup_styles(o->mono || getenv("NO_COLOR"));
	if (screen_init(&scr, COLS, LINES) < 0) {
		end_curses();
		snprintf(err, errlen, "out of memory");
		return 2;
	}
	memset(v, 0, sizeof(v));
	init_views(v, m, name, n);
	v[0].loading = v[1].loading = !live;
	if (live && getenv("MUXVIEW_LATENCY"))
		lat.f = fopen(getenv("MUXVIEW_LATENCY"), "w");
	if (live)
		view_live_start(&v[0], live_span, o->ctl);

	while (!v[active].quit && !got_signal) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		double t;
		int k;

		if (loading && live) {
			size_t before = m[0]->nev;
			int st = reader_step(r[0], 0.02);

			if (st < 0) {
				snprintf(err, errlen, "%s",
					 reader_message(r[0]));
				rc = 2;
				break;
			}
			if (st == 0) {
				/* the session was destroyed: what came is
				 * a trace now (and on the relay's disk) */
				loading = 0;
				v[0].live_ended = 1;
				v[0].live_follow = 0;
				snprintf(v[0].msg, sizeof(v[0].msg), "the live "
					 "session ended: %zu event%s; browse "
					 "them, q quits", m[0]->nev,
					 m[0]->nev == 1 ? "" : "s");
				dirty = 1;
			} else if (m[0]->nev != before) {
				if (v[0].live_follow)
					live_follow(&v[0], m[0], 0);
				if (v[0].cursor == MV_NONE)
					v[0].cursor = 0;
				view_live_events(&v[0], m[0]);
				dirty = 1;
			}
		} else if (loading) {
			/* the traces one after the other */
			int st = reader_step(r[cur], 0.03);

			v[cur].progress = reader_progress(r[cur]);
			if (st < 0) {
				snprintf(err, errlen, "%s",
					 reader_message(r[cur]));
				rc = 2;
				break;
			}
			if (st == 0 && reader_warning(r[cur])[0])
				snprintf(warn, sizeof(warn), "%s",
					 reader_warning(r[cur]));
			if (st == 0 && cur + 1 < n) {
				cur++;
				st = 1;
			}
			if (!touched) {
				view_fit(&v[active], m[active]);
				if (v[active].cursor == MV_NONE &&
				    m[active]->nev)
					v[active].cursor = 0;
			}
			if (st == 0) {
				loading = 0;
				if (!touched) {
					init_views(v, m, name, n);
					/* --at, --follow...; a bad one leaves
					 * its message in v.msg */
					if (o->ready)
						o->ready(&v[0], m[0],
							 o->ready_arg);
				}
				v[0].loading = v[1].loading = 0;
				/* the status line shows what fits of it */
				if (warn[0] && !v[active].msg[0])
					snprintf(v[active].msg,
						 sizeof(v[active].msg), "%.*s",
						 (int)sizeof(v[active].msg) - 1,
						 warn);
			}
			view_loaded(&v[active], m[active]);
			sync_views(v, m, n, active);
			dirty = 1;
		}
		t = now_s();
		if (v[active].playing) {
			view_tick(&v[active], m[active], t - last_tick);
			sync_views(v, m, n, active);
			dirty = 1;
		}
		last_tick = t;
		if (dirty && (!loading || t - last_paint >
			      (live ? LIVE_PAINT_S : 0.1))) {
			if (n == 2) {
				const struct model *mm[2] = { m[0], m[1] };
				struct view *vv[2] = { &v[0], &v[1] };

				screen_render2(&scr, mm, vv, active);
			} else {
				screen_render(&scr, m[0], &v[0]);
			}
			blit(&scr);
			if (live)
				lat_paint(m[0], &v[0]);
			last_paint = t;
			dirty = 0;
		}
		if (!loading && poll(&pfd, 1, v[active].playing ? 40 : 500) <
		    0 && errno != EINTR)
			break;
		/* live: nothing new from the relay daemon, or a frame due
		 * soon: wait a little for keys rather than spin */
		if (loading && live &&
		    poll(&pfd, 1, reader_waiting(r[0]) ? LIVE_WAIT_MS : 0) <
		    0 && errno != EINTR)
			break;
		while ((k = getch()) != ERR) {
			if (k == KEY_RESIZE) {
				if (resize_screen(&scr) < 0) {
					snprintf(err, errlen, "out of memory");
					rc = 2;
					v[active].quit = 1;
				}
				clear();
			} else if (k == 12) {	/* ^L */
				clearok(curscr, TRUE);
			} else if (loading && !live && (k == 'q' || k == 27)) {
				v[active].quit = 1;
				break;
			} else if (live && !v[0].prompt && !v[0].help &&
				   live_key(&v[0], m[0], map_key(k), o)) {
				;	/* Space, End, e */
			} else if (n == 2 && k == 'o' && !v[active].prompt &&
				   !v[active].help) {
				/* keys act on the other trace, same window */
				v[active].playing = 0;
				v[active].msg[0] = 0;
				view_sync(&v[!active], m[!active], &v[active],
					  m[active]);
				v[!active].pane = v[active].pane;
				active = !active;
				snprintf(v[active].msg, sizeof(v[active].msg),
					 "keys act on %c (%s); o switches back",
					 'A' + active, name[active]);
			} else {
				uint64_t t0 = v[active].t0;
				uint64_t span = v[active].span;
				uint32_t cursor = v[active].cursor;

				touched = 1;
				view_key(&v[active], m[active], map_key(k));
				if (v[active].quit)
					break;
				/* live: a key that moves the window or the
				 * cursor stops the following; a zoom keeps
				 * it, at the new width */
				if (live && v[0].live_follow) {
					if (v[0].span != span)
						live_follow(&v[0], m[0], 0);
					else if (v[0].t0 != t0 ||
						 v[0].cursor != cursor)
						v[0].live_follow = 0;
				}
				sync_views(v, m, n, active);
			}
			dirty = 1;
		}
	}
	end_curses();
	screen_free(&scr);
	lat_report();
	if (got_signal && !rc)
		rc = 128 + got_signal;
	return rc;
}
