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

enum mode { M_TUI, M_STATS, M_CHECK, M_DUMP, M_SVG, M_BENCH };

struct opts {
	enum mode mode;
	const char *svg_file;
	const char *at, *span, *filter, *pane;
	int64_t event, thread;
	uint64_t follow;
	int cols, rows;
	int verbose, mono;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: muxview [OPTIONS] TRACE           replay a trace thread by thread\n"
"       muxview --stats TRACE [TRACE2]    statistics (two: side by side)\n"
"       muxview --check [-v] TRACE        verify the trace invariants\n"
"       muxview --dump [OPTIONS] TRACE    print the viewer's screen\n"
"       muxview --svg FILE [OPTIONS] TRACE  lane timeline as SVG\n"
"       muxview --bench TRACE             load/memory/redraw figures\n"
"\n"
"TRACE is a directory holding a recorded LTTng trace (any directory with\n"
"a `metadata` file in it or below, e.g. an `lttng create --output` dir).\n"
"\n"
"Position options (viewer, --dump, --svg):\n"
"  --at TIME         cursor at TIME from the trace start: 1.25, 1.25s,\n"
"                    1250ms, 40us, 500ns\n"
"  --event N         cursor on event #N (as printed by --check)\n"
"  --span DUR        window width (default: whole trace)\n"
"  --thread N        select thread N\n"
"  --follow CONN     follow connection CONN across threads\n"
"  --filter SPEC     mux=h1,h2,fcgi side=front,back conn=ID\n"
"  --pane NAME       detail, iocb, locks, life\n"
"  --size COLSxROWS  --dump size (default 80x24)\n"
"  --mono            no colours (also with NO_COLOR set)\n"
"  -v, --verbose     --check: print every violation\n"
"  -h, --help        this help;  --version\n"
"\n"
"Exit status: 0 ok, 1 --check found violations, 2 bad input or usage,\n"
"or --check inconclusive (events were discarded).\n"
"Keys: press ? in the viewer. Docs: docs/muxview.md\n");
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
	char msg[1024];
	int rc;

	model_init(m);
	rc = reader_load(path, m, 1, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "muxview: %s\n", msg);
		model_free(m);
		return -1;
	}
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
		v->span = ns;
		v->speed = ns / 10 ? ns / 10 : 1;
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
						     "life" };
		int i;

		for (i = 0; i < PANE_COUNT; i++)
			if (strcmp(o->pane, panes[i]) == 0)
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
			v.span = v.span / 64 + 1;
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

static int run_tui(const char *path, struct opts *o)
{
	struct tui_opts to = { .mono = o->mono, .ready = apply_opts,
			       .ready_arg = o };
	struct model m;
	struct reader *r;
	char err[1024];
	int rc;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "muxview: the interactive viewer needs a "
			"terminal; use --dump, --stats or --check\n");
		return 2;
	}
	model_init(&m);
	r = reader_open(path, &m);
	if (!r || reader_error(r)) {
		/* before curses starts: a plain message */
		fprintf(stderr, "muxview: %s\n", reader_message(r));
		reader_close(r);
		return 2;
	}
	rc = tui_run(r, &m, base_name(path), &to, err, sizeof(err));
	reader_close(r);
	model_free(&m);
	if (rc == 2)
		fprintf(stderr, "muxview: %s\n", err);
	return rc;
}

int main(int argc, char **argv)
{
	enum {
		O_STATS = 256, O_CHECK, O_DUMP, O_SVG, O_AT, O_EVENT, O_SPAN,
		O_SIZE, O_THREAD, O_FOLLOW, O_FILTER, O_PANE, O_MONO,
		O_VERSION, O_BENCH,
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .mode = M_TUI, .event = -1, .thread = -1,
			  .cols = 80, .rows = 24 };
	struct model m, m2;
	struct view v;
	int c, nmodes = 0, rc;
	uint64_t tmp;
	char *end;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_STATS: o.mode = M_STATS; nmodes++; break;
		case O_CHECK: o.mode = M_CHECK; nmodes++; break;
		case O_DUMP: o.mode = M_DUMP; nmodes++; break;
		case O_BENCH: o.mode = M_BENCH; nmodes++; break;
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
			break;
		case O_FILTER: o.filter = optarg; break;
		case O_PANE: o.pane = optarg; break;
		case O_MONO: o.mono = 1; break;
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
			usage(stderr);
			return 2;
		}
	}
	if (nmodes > 1) {
		fprintf(stderr, "muxview: choose one of --stats, --check, "
			"--dump, --svg, --bench\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "muxview: no trace given\n");
		usage(stderr);
		return 2;
	}
	if (argc - optind > (o.mode == M_STATS ? 2 : 1)) {
		fprintf(stderr, "muxview: too many arguments (only --stats "
			"takes two traces)\n");
		return 2;
	}

	switch (o.mode) {
	case M_TUI:
		return run_tui(argv[optind], &o);
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
		check_print(stdout, &m, &res, argv[optind], o.verbose);
		rc = check_exit_status(&res);
		check_free(&res);
		model_free(&m);
		return rc;
	}
	case M_DUMP:
	case M_SVG: {
		struct screen s;
		FILE *f;

		if (load(argv[optind], &m) < 0)
			return 2;
		view_init(&v, &m, base_name(argv[optind]));
		if (apply_opts(&v, &m, &o) < 0) {
			fprintf(stderr, "muxview: %s\n", v.msg);
			model_free(&m);
			return 2;
		}
		if (o.mode == M_SVG) {
			f = strcmp(o.svg_file, "-") ? fopen(o.svg_file, "w") :
			    stdout;
			rc = f ? svg_write(f, &m, &v) : -1;
			if (f && f != stdout && fclose(f))
				rc = -1;
			if (rc < 0)
				fprintf(stderr, "muxview: cannot write %s\n",
					o.svg_file);
			model_free(&m);
			return rc < 0 ? 2 : 0;
		}
		if (screen_init(&s, o.cols, o.rows) < 0) {
			model_free(&m);
			return 2;
		}
		screen_render(&s, &m, &v);
		screen_print(&s, stdout);
		screen_free(&s);
		model_free(&m);
		return 0;
	}
	}
	return 2;
}
