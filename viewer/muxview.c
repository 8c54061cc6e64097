/*
 * muxview.c - command line: the interactive viewer and the
 * non-interactive modes (--stats, --check, --dump, --svg, --bench).
 *
 * Exit status: 0 success; 1 --check found violations; 2 bad usage or bad
 * input (missing, empty, corrupt or foreign trace) or --check
 * inconclusive.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "fmt.h"
#include "model.h"
#include "reader.h"
#include "screen.h"
#include "stats.h"
#include "svg.h"
#include "tui.h"
#include "view.h"

#define MUXVIEW_VERSION	"0.1"

enum mode { M_TUI, M_STATS, M_CHECK, M_DUMP, M_SVG, M_BENCH, M_LIVE };

struct opts {
	enum mode mode;
	const char *svg_file;
	const char *at, *span, *filter, *pane;
	int64_t event, thread;
	uint64_t follow;
	int cols, rows;
	int verbose, mono, labels;
	const char *ctl;	/* --ctl: the engine's control socket */
};

/* after a usage error: the error stays on screen, the options are a
 * --help away */
static void short_usage(void)
{
	fprintf(stderr, "usage: muxview [OPTIONS] TRACE [TRACE_B]  "
		"(muxview --help lists the modes and options)\n");
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: muxview [OPTIONS] TRACE           replay a trace thread by thread\n"
"       muxview [OPTIONS] TRACE_A TRACE_B two traces one above the other\n"
"                                         (e.g. legacy and usr1 of a run)\n"
"       muxview --stats TRACE [TRACE2]    statistics (two: side by side)\n"
"       muxview --check [-v] TRACE        verify the trace invariants\n"
"       muxview --dump [OPTIONS] TRACE [TRACE2]  print the viewer's screen\n"
"       muxview --svg FILE [OPTIONS] TRACE [TRACE2]  lanes as SVG\n"
"       muxview --bench TRACE             load/memory/redraw figures\n"
"       muxview --live URL [--ctl SOCKET] follow a live LTTng session\n"
"                                         (lab/live starts everything)\n"
"\n"
"TRACE is the directory of one recorded LTTng trace (lab/record prints\n"
"it; any directory with a `metadata` file in it or below holding one\n"
"recording). A directory of several recordings is refused.\n"
"\n"
"Each thread is a group of rows; each column counts every event under\n"
"it: front/back rows show f (every io_cb fast), L (every io_cb locked)\n"
"or the number of locked ones among fast ones; the flag row USR1 set\n"
"(+) and cleared (-); the lock row steals (S1/s1) and lock activity.\n"
"\n"
"Position options (viewer, --dump, --svg):\n"
"  --at TIME         cursor at TIME from the trace start: 1.25, 1.25s,\n"
"                    1250ms, 40us, 500ns\n"
"  --event N         cursor on event #N (as printed by --check)\n"
"  --span DUR        window width (default: whole trace)\n"
"  --thread N        select thread N\n"
"  --follow CONN     follow connection CONN across threads\n"
"  --filter SPEC     mux=h1,h2,fcgi side=front,back conn=ID\n"
"  --pane NAME       detail, iocb, locks, life, summary (two traces)\n"
"  --size COLSxROWS  --dump size (default 80x24, at least %dx%d)\n"
"  --labels          --svg: name every event (short windows, <= %d)\n"
"  --mono            no colours (also with NO_COLOR set)\n"
"  -v, --verbose     --check: print every violation\n"
"  --no-cache        decode the trace even if an index cache of it\n"
"                    exists, and write none (the cache: TRACE/%s,\n"
"                    or $XDG_CACHE_HOME/muxview/ when TRACE is read-only)\n"
"  --live URL        read a live session through an LTTng relay daemon:\n"
"                    net://HOST:PORT/host/TARGET/SESSION; the window\n"
"                    follows the newest events (--span sets its width,\n"
"                    default 2s); Space pauses/resumes, End resumes\n"
"  --ctl SOCKET      --live: the engine's control socket (its stats\n"
"                    socket, level admin): e flips its mode\n"
"  -h, --help        this help;  --version\n"
"\n"
"With two traces the options apply to the first; o in the viewer makes\n"
"the keys act on the other one.\n"
"Exit status: 0 ok, 1 --check found violations, 2 bad input or usage,\n"
"or --check inconclusive (events discarded or stream files missing).\n"
"Keys: press ? in the viewer. Docs: docs/muxview.md\n", SCREEN_MIN_COLS,
	SCREEN_MIN_ROWS, SVG_MAX_LABELS, CACHE_NAME);
}

static const char *base_name(const char *path)
{
	static char buf[256];
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, path);
	s = strrchr(buf, '/');
	return s && s[1] ? s + 1 : buf;
}

static int load(const char *path, struct model *m)
{
	char msg[1024], warn[1024];
	int rc;

	model_init(m);
	rc = reader_load(path, m, 1, msg, sizeof(msg), warn, sizeof(warn));
	if (rc) {
		fprintf(stderr, "muxview: %s\n", msg);
		model_free(m);
		return -1;
	}
	if (warn[0])
		fprintf(stderr, "muxview: warning: %s\n", warn);
	return 0;
}

/* apply the position options to a view of a loaded model */
static int apply_opts(struct view *v, const struct model *m, void *arg)
{
	const struct opts *o = arg;
	uint64_t ns;

	if (o->span) {
		if (fmt_parse_time(o->span, &ns) < 0 || !ns) {
			snprintf(v->msg, sizeof(v->msg), "bad --span '%s'",
				 o->span);
			return -1;
		}
		view_set_span(v, ns);
		view_clamp(v, m);
	}
	if (o->at) {
		if (fmt_parse_time(o->at, &ns) < 0) {
			snprintf(v->msg, sizeof(v->msg), "bad --at '%s' (try "
				 "1.25, 1250ms)", o->at);
			return -1;
		}
		view_seek(v, m, ns);
		if (m->nev && ns > m->t_last - m->t_first)
			snprintf(v->msg, sizeof(v->msg), "--at is past the "
				 "end of the trace: last event shown");
	}
	if (o->event >= 0) {
		if ((uint64_t)o->event >= m->nev) {
			snprintf(v->msg, sizeof(v->msg), "no event #%" PRId64
				 " (the trace has %zu)", o->event, m->nev);
			return -1;
		}
		view_goto(v, m, (uint32_t)o->event, 1);
	}
	if (o->thread >= 0) {
		if (o->thread >= m->nlanes) {
			snprintf(v->msg, sizeof(v->msg), "no thread %" PRId64,
				 o->thread);
			return -1;
		}
		v->lane = (int)o->thread;
	}
	if (o->follow) {
		uint32_t c = model_conn_find(m, o->follow);

		if (c == MV_NONE || !c) {
			snprintf(v->msg, sizeof(v->msg), "no conn %" PRIu64
				 " in this trace", o->follow);
			return -1;
		}
		v->follow = c;
		if (!o->at && o->event < 0)
			view_goto(v, m, m->conn_info[c].first, 1);
	}
	if (o->filter && view_filter(v, m, o->filter) < 0)
		return -1;
	if (o->pane) {
		static const char *const panes[] = { "detail", "iocb", "locks",
						     "life", "summary" };
		int i;

		for (i = 0; i < PANE_COUNT; i++)
			if (strcmp(o->pane, panes[i]) == 0)
				break;
		if (i == PANE_COUNT || (i == PANE_SUMMARY && !v->compare)) {
			snprintf(v->msg, sizeof(v->msg), "--pane %s: use detail"
				 ", iocb, locks, life%s", o->pane, v->compare ?
				 ", summary" : " (summary: two traces)");
			return -1;
		}
		v->pane = (enum view_pane)i;
	}
	return 0;
}

static long vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --bench: the figures of docs/muxview.md for one trace */
static int bench(const char *path)
{
	long hwm0 = vm_hwm_kb(), hwm1;
	struct screen s;
	struct view v;
	struct model m;
	double t0 = now_s(), t1, tr = 0, worst = 0;
	int i, n = 50;

	if (load(path, &m) < 0)
		return 2;
	t1 = now_s();
	hwm1 = vm_hwm_kb();
	printf("trace: %s\nevents stored: %zu (read: %" PRIu64 ")\n", path,
	       m.nev, m.events_total);
	printf("load time: %.3f s (%.2f M events/s)\n", t1 - t0,
	       (double)m.nev / (t1 - t0) / 1e6);
	printf("model arrays: %zu bytes = %.1f B/event\n", model_memory(&m),
	       m.nev ? (double)model_memory(&m) / (double)m.nev : 0);
	printf("peak RSS (VmHWM): %ld kB before load, %ld kB after = %.1f "
	       "B/event over the baseline\n", hwm0, hwm1,
	       m.nev ? (double)(hwm1 - hwm0) * 1024.0 / (double)m.nev : 0);
	if (screen_init(&s, 200, 60) < 0)
		return 2;
	view_init(&v, &m, base_name(path));
	srand(1);
	for (i = 0; i < n && m.nev; i++) {
		double a, b;

		/* a seek, then zoomed to 1/64 of the trace half the time */
		view_fit(&v, &m);
		view_goto(&v, &m, (uint32_t)((uint64_t)rand() * m.nev /
					     ((uint64_t)RAND_MAX + 1)), 1);
		if (i & 1)
			view_set_span(&v, v.span / 64 + 1);
		a = now_s();
		screen_render(&s, &m, &v);
		b = now_s();
		tr += b - a;
		if (b - a > worst)
			worst = b - a;
	}
	printf("redraw 200x60 after a seek: %.2f ms mean, %.2f ms worst "
	       "(%d frames, half whole-trace, half 1/64 zoom)\n",
	       n ? tr / n * 1e3 : 0, worst * 1e3, n);
	screen_free(&s);
	model_free(&m);
	return 0;
}

static int run_tui(char *const *paths, int n, struct opts *o)
{
	struct tui_opts to = { .mono = o->mono, .ready = apply_opts,
			       .ready_arg = o };
	struct model mm[2], *m[2] = { &mm[0], &mm[1] };
	struct reader *r[2] = { NULL, NULL };
	char names[2][256], err[1024];
	const char *nm[2] = { names[0], names[1] };
	int rc = 2, i;

	/* the path first: a wrong one is named even without a terminal */
	for (i = 0; i < n; i++) {
		model_init(m[i]);
		r[i] = reader_open(paths[i], m[i]);
		if (!r[i] || reader_error(r[i])) {
			/* before curses starts: a plain message */
			fprintf(stderr, "muxview: %s\n", reader_message(r[i]));
			goto out;
		}
		snprintf(names[i], sizeof(names[i]), "%s", base_name(paths[i]));
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "muxview: the interactive viewer needs a "
			"terminal; use --dump, --stats or --check\n");
		goto out;
	}
	rc = tui_run(r, m, nm, n, &to, err, sizeof(err));
	if (rc == 2)
		fprintf(stderr, "muxview: %s\n", err);
out:
	for (i = 0; i < n; i++) {
		reader_close(r[i]);
		model_free(m[i]);
	}
	return rc;
}

/* --live: follow a live session (tui.c); the trace stays on the relay
 * daemon's disk for a replay */
static int run_live(const char *url, struct opts *o)
{
	struct tui_opts to = { .mono = o->mono, .ctl = o->ctl };
	struct model mm, *m = &mm;
	struct reader *r;
	const char *nm = "live";
	char err[1024], name[256];
	uint64_t ns;
	int rc = 2;

	if (o->span && fmt_parse_time(o->span, &ns) == 0)
		to.live_span = ns;
	model_init(m);
	r = reader_open_live(url, m);
	if (!r || reader_error(r)) {
		fprintf(stderr, "muxview: %s\n", reader_message(r));
		goto out;
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "muxview: the interactive viewer needs a "
			"terminal\n");
		goto out;
	}
	/* the session name, last part of the URL */
	snprintf(name, sizeof(name), "live %s", strrchr(url, '/') ?
		 strrchr(url, '/') + 1 : url);
	nm = name;
	rc = tui_run(&r, &m, &nm, 1, &to, err, sizeof(err));
	if (rc == 2)
		fprintf(stderr, "muxview: %s\n", err);
out:
	reader_close(r);
	model_free(m);
	return rc;
}

/* --dump and --svg: the screen of one trace or two */
static int run_dump(char *const *paths, int n, struct opts *o)
{
	struct model mm[2];
	struct view vv[2];
	const struct model *m[2] = { &mm[0], &mm[1] };
	struct view *v[2] = { &vv[0], &vv[1] };
	char names[2][256];
	uint64_t span = 0;
	int i, rc = 2, loaded = 0;

	for (i = 0; i < n; i++) {
		if (load(paths[i], &mm[i]) < 0)
			goto out;
		loaded++;
		snprintf(names[i], sizeof(names[i]), "%s", base_name(paths[i]));
		if (view_trace_span(&mm[i]) > span)
			span = view_trace_span(&mm[i]);
	}
	for (i = 0; i < n; i++) {
		view_init(&vv[i], &mm[i], names[i]);
		if (n > 1) {
			vv[i].compare = 1;
			vv[i].axis_span = span;
			vv[i].pane = PANE_SUMMARY;
			view_fit(&vv[i], &mm[i]);
		}
	}
	if (apply_opts(&vv[0], &mm[0], o) < 0) {
		fprintf(stderr, "muxview: %s\n", vv[0].msg);
		goto out;
	}
	if (n > 1)
		view_sync(&vv[1], &mm[1], &vv[0], &mm[0]);
	if (o->mode == M_SVG) {
		FILE *f = strcmp(o->svg_file, "-") ? fopen(o->svg_file, "w") :
			  stdout;
		const struct view *cv[2] = { &vv[0], &vv[1] };
		char note[512] = "";

		rc = f ? svg_write_n(f, m, cv, n, o->labels, note,
				     sizeof(note)) : -1;
		if (f && f != stdout && fclose(f))
			rc = -1;
		if (rc < 0)
			fprintf(stderr, "muxview: cannot write %s\n",
				o->svg_file);
		else if (note[0])
			/* the SVG is written, without the names asked for */
			fprintf(stderr, "muxview: %s (the SVG is written "
				"without them)\n", note);
		rc = rc < 0 ? 2 : 0;
	} else {
		struct screen s;

		if (screen_init(&s, o->cols, o->rows) < 0)
			goto out;
		if (n > 1)
			screen_render2(&s, m, v, 0);
		else
			screen_render(&s, &mm[0], &vv[0]);
		screen_print(&s, stdout);
		screen_free(&s);
		rc = 0;
	}
out:
	for (i = 0; i < loaded; i++)
		model_free(&mm[i]);
	return rc;
}

int main(int argc, char **argv)
{
	enum {
		O_STATS = 256, O_CHECK, O_DUMP, O_SVG, O_AT, O_EVENT, O_SPAN,
		O_SIZE, O_THREAD, O_FOLLOW, O_FILTER, O_PANE, O_MONO,
		O_VERSION, O_BENCH, O_LABELS, O_LIVE, O_CTL, O_NO_CACHE,
	};
	static const struct option lo[] = {
		{ "stats", no_argument, NULL, O_STATS },
		{ "check", no_argument, NULL, O_CHECK },
		{ "dump", no_argument, NULL, O_DUMP },
		{ "svg", required_argument, NULL, O_SVG },
		{ "bench", no_argument, NULL, O_BENCH },
		{ "at", required_argument, NULL, O_AT },
		{ "event", required_argument, NULL, O_EVENT },
		{ "span", required_argument, NULL, O_SPAN },
		{ "size", required_argument, NULL, O_SIZE },
		{ "thread", required_argument, NULL, O_THREAD },
		{ "follow", required_argument, NULL, O_FOLLOW },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "pane", required_argument, NULL, O_PANE },
		{ "mono", no_argument, NULL, O_MONO },
		{ "labels", no_argument, NULL, O_LABELS },
		{ "live", no_argument, NULL, O_LIVE },
		{ "ctl", required_argument, NULL, O_CTL },
		{ "no-cache", no_argument, NULL, O_NO_CACHE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .mode = M_TUI, .event = -1, .thread = -1,
			  .cols = 80, .rows = 24 };
	struct model m, m2;
	int c, nmodes = 0, rc, ntr;
	uint64_t tmp;
	char *end;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_STATS: o.mode = M_STATS; nmodes++; break;
		case O_CHECK: o.mode = M_CHECK; nmodes++; break;
		case O_DUMP: o.mode = M_DUMP; nmodes++; break;
		case O_BENCH: o.mode = M_BENCH; nmodes++; break;
		case O_NO_CACHE: cache_set_mode(CACHE_OFF); break;
		case O_SVG:
			o.mode = M_SVG;
			o.svg_file = optarg;
			nmodes++;
			break;
		case O_AT:
			if (fmt_parse_time(optarg, &tmp) < 0) {
				fprintf(stderr, "muxview: --at %s: not a time "
					"(try 1.25, 1.25s, 1250ms, 40us)\n",
					optarg);
				return 2;
			}
			o.at = optarg;
			break;
		case O_SPAN:
			if (fmt_parse_time(optarg, &tmp) < 0 || !tmp) {
				fprintf(stderr, "muxview: --span %s: not a "
					"duration\n", optarg);
				return 2;
			}
			o.span = optarg;
			break;
		case O_EVENT:
			o.event = strtoll(optarg, &end, 10);
			if (*end || o.event < 0) {
				fprintf(stderr, "muxview: --event %s: not an "
					"event index\n", optarg);
				return 2;
			}
			break;
		case O_THREAD:
			o.thread = strtoll(optarg, &end, 10);
			if (*end || o.thread < 0) {
				fprintf(stderr, "muxview: --thread %s: not a "
					"thread number\n", optarg);
				return 2;
			}
			break;
		case O_FOLLOW:
			o.follow = strtoull(optarg, &end, 10);
			if (*end || !o.follow) {
				fprintf(stderr, "muxview: --follow %s: not a "
					"conn id\n", optarg);
				return 2;
			}
			break;
		case O_SIZE:
			if (fmt_parse_size(optarg, &o.cols, &o.rows) < 0) {
				fprintf(stderr, "muxview: --size %s: use "
					"COLSxROWS, e.g. 80x24\n", optarg);
				return 2;
			}
			if (o.cols < SCREEN_MIN_COLS ||
			    o.rows < SCREEN_MIN_ROWS) {
				fprintf(stderr, "muxview: --size %s: too small"
					", the screen needs at least %dx%d "
					"(80x24 shows everything)\n", optarg,
					SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
				return 2;
			}
			break;
		case O_FILTER: o.filter = optarg; break;
		case O_PANE: o.pane = optarg; break;
		case O_MONO: o.mono = 1; break;
		case O_LABELS: o.labels = 1; break;
		case O_LIVE: o.mode = M_LIVE; nmodes++; break;
		case O_CTL: o.ctl = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'h':
			usage(stdout);
			return 0;
		case O_VERSION:
			printf("muxview %s (muxlab trace viewer, libbabeltrace2"
			       " reader, trace contract of "
			       "docs/trace-events.md)\n", MUXVIEW_VERSION);
			return 0;
		default:
			short_usage();
			return 2;
		}
	}
	if (nmodes > 1) {
		fprintf(stderr, "muxview: choose one of --stats, --check, "
			"--dump, --svg, --bench, --live\n");
		return 2;
	}
	if (o.ctl && o.mode != M_LIVE) {
		fprintf(stderr, "muxview: --ctl goes with --live\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "muxview: no trace given\n");
		short_usage();
		return 2;
	}
	ntr = argc - optind;
	if (o.mode == M_LIVE) {
		if (ntr != 1) {
			fprintf(stderr, "muxview: --live takes one URL "
				"(net://HOST:PORT/host/TARGET/SESSION)\n");
			return 2;
		}
		return run_live(argv[optind], &o);
	}
	if (ntr > (o.mode == M_CHECK || o.mode == M_BENCH ? 1 : 2)) {
		fprintf(stderr, "muxview: too many arguments (%s)\n",
			o.mode == M_CHECK || o.mode == M_BENCH ?
			"--check and --bench take one trace" :
			"at most two traces");
		return 2;
	}
	if (o.labels && o.mode != M_SVG) {
		fprintf(stderr, "muxview: --labels goes with --svg\n");
		return 2;
	}

	switch (o.mode) {
	case M_TUI:
		return run_tui(argv + optind, ntr, &o);
	case M_BENCH:
		return bench(argv[optind]);
	case M_STATS:
		if (load(argv[optind], &m) < 0)
			return 2;
		if (argc - optind == 2) {
			if (load(argv[optind + 1], &m2) < 0) {
				model_free(&m);
				return 2;
			}
			stats_print_compare(stdout, &m, argv[optind], &m2,
					    argv[optind + 1]);
			model_free(&m2);
		} else {
			stats_print(stdout, &m, argv[optind]);
		}
		model_free(&m);
		return 0;
	case M_CHECK: {
		struct check_result res;

		if (load(argv[optind], &m) < 0)
			return 2;
		if (check_run(&m, &res) < 0) {
			fprintf(stderr, "muxview: out of memory\n");
			model_free(&m);
			return 2;
		}
		check_print(stdout, &m, &res, argv[0], argv[optind],
			    o.verbose);
		rc = check_exit_status(&res);
		check_free(&res);
		model_free(&m);
		return rc;
	}
	case M_DUMP:
	case M_SVG:
		return run_dump(argv + optind, ntr, &o);
	case M_LIVE:
		break;		/* handled above */
	}
	return 2;
}
