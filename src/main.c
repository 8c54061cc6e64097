/*
 * main.c - the muxlab program: read a scenario, run the engine, tear down.
 *
 * One run, in order:
 *   1. parse the command line and the scenario (cfg.c);
 *   2. set the lab mode and bug mode (lab.h), open the fd table and bind
 *      every listener, still single-threaded;
 *   3. start the embedded backend servers the scenario declares with
 *      "#@lab peer" and wait until each one listens;
 *   4. emit run_start, start the engine threads;
 *   5. start the "#@lab load" load generators;
 *   6. wait for the duration, a signal, or the load generators to finish;
 *   7. stop and join the engine threads, stop the peers, emit run_end,
 *      print the activity report, and check that every task, tasklet,
 *      connection and stream was freed (exit 3 if not).
 *
 * The peers and load generators are other processes, started and stopped
 * by procs.c: in their own process groups (a Ctrl-C in the terminal
 * reaches muxlab only, which then stops them in order), dying with muxlab
 * if it crashes.
 *
 * Signals: SIGINT, SIGTERM and SIGCHLD are blocked in every thread and read
 * by the main thread from a signalfd, so no handler ever runs inside an
 * engine thread; the main thread then calls threads_request_stop(). SIGPIPE
 * is ignored (a closed socket shows up as EPIPE).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "activity.h"
#include "cfg.h"
#include "http_msg.h"
#include "cli.h"
#include "connection.h"
#include "fd.h"
#include "lab.h"
#include "listener.h"
#include "maxconn.h"
#include "procs.h"
#include "server.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

#define PROG		"muxlab"
#define MUXLAB_VERSION	"0.1"

#define LOAD_GRACE_S	10.0	/* loadgens may run this much past the
				 * duration before they are killed */

/* exit statuses, documented in --help */
#define EXIT_OK		0
#define EXIT_CONFIG	1	/* usage, config or start-up error */
#define EXIT_RUN	2	/* a peer or load generator failed */
#define EXIT_LEAK	3	/* objects left alive at the end */


static struct {
	const char *file;
	int mode;		/* -1 = from the scenario, else lab_mode */
	const char *bug;
	double duration;	/* < 0 = from the scenario */
	int seed_set;
	uint64_t seed;
	int quiet;
	int check_only;
	int no_load;		/* --no-load: skip "#@lab load" */
	int no_peers;		/* --no-peers: skip "#@lab peer" */
	int delay_us[DELAY_COUNT];	/* --delay, -1 = from the scenario */
	long wake_idle_ms;		/* --wake-idle, -1 = from the scenario */
} opt = { .mode = -1, .duration = -1, .wake_idle_ms = -1,
	  .delay_us = { [0 ... DELAY_COUNT - 1] = -1 } };

static int run_failed;

/* ------------------------------------------------------------ utilities */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " -f FILE [options]\n"
"\n"
"Run the muxlab engine (a model of HAProxy's scheduler, idle connection\n"
"pools and cross-thread takeover) on scenario FILE: a haproxy.cfg subset\n"
"plus '#@lab' lines (docs/scenarios.md).\n"
"\n"
"  -f FILE            the scenario (required)\n"
"  --mode usr1|legacy after e388f2fbc (default) or before it; overrides\n"
"                     '#@lab mode'\n"
"  --bug NAME         run with a planted bug (see --list-bugs); overrides\n"
"                     '#@lab bug'\n"
"  --list-bugs        list the bug modes and exit\n"
"  --duration S       run S seconds (overrides '#@lab duration'); without\n"
"                     one, run until SIGINT/SIGTERM\n"
"  --seed N           seed handed to the load generators (overrides\n"
"                     '#@lab seed', default %d)\n"
"  --delay SITE=US    wait US microseconds at delay point SITE to widen a\n"
"                     race window (overrides '#@lab delay'; 0 = off;\n"
"                     sites: %s)\n"
"  --wake-idle MS     every MS ms, each thread wakes its first idle\n"
"                     connection of each server and its first purged one,\n"
"                     with no I/O for them, as a transport layer may\n"
"                     (overrides '#@lab wake-idle'; 0 = off)\n"
"  --quiet            no activity report, no peer chatter\n"
"  --no-load          start the '#@lab peer' servers but not the '#@lab\n"
"                     load' generators (drive it with curl, wrk...)\n"
"  --no-peers         do not start the '#@lab peer' servers either (they\n"
"                     are already running, e.g. shared with haproxy in\n"
"                     lab/bench); implies --no-load\n"
"  -c                 check the scenario and exit\n"
"  --help, --version\n"
"\n"
"A 'stats socket PATH mode 600 level admin' line in the scenario's global\n"
"section serves a control socket with HAProxy's CLI conventions (show\n"
"info, show activity, show pools, set mode, set bug, set delay; socat\n"
"stdio unix:PATH): docs/scenarios.md, \"Control socket\".\n"
"\n"
"Exit status: 0 clean run, 1 usage/config/start-up error, 2 a peer or load\n"
"generator failed, 3 objects leaked at shutdown (or a server's counters\n"
"not back to 0). A crash prints a backtrace on stderr (not with\n"
"MUXLAB_NO_BACKTRACE=1) and ends by its signal (status 128+N).\n",
		CFG_DEF_SEED, delay_names());
}

static void list_bugs(void)
{
	int i;

	printf("%-20s %-12s %s\n", "NAME", "FIXED-BY", "WHAT");
	for (i = 0; i < BUG_COUNT; i++) {
		const struct bug_desc *b = &bug_table[i];

		if (!b->name)
			continue;
		printf("%-20s %-12s %s\n", b->name,
		       b->origin && *b->origin ? b->origin : "-",
		       b->what ? b->what : "");
	}
}

/* --delay SITE=US: how long to wait at delay point SITE (lab.h). */
static int parse_delay_opt(const char *arg)
{
	const char *eq = strchr(arg, '=');
	enum lab_delay_site site = DELAY_COUNT;
	unsigned long us;
	char name[32], *end;

	if (eq && (size_t)(eq - arg) < sizeof(name)) {
		memcpy(name, arg, eq - arg);
		name[eq - arg] = 0;
		site = delay_lookup(name);
	}
	if (site == DELAY_COUNT) {
		fprintf(stderr, PROG ": --delay: expected SITE=MICROSECONDS "
			"with SITE one of: %s\n", delay_names());
		return -1;
	}
	errno = 0;
	us = strtoul(eq + 1, &end, 10);
	if (!isdigit((unsigned char)eq[1]) || errno || *end ||
	    us > LAB_DELAY_MAX_US) {
		fprintf(stderr, PROG ": --delay %s: '%s' is not a number of "
			"microseconds from 0 to %u\n", name, eq + 1,
			LAB_DELAY_MAX_US);
		return -1;
	}
	opt.delay_us[site] = (int)us;
	return 0;
}

static int parse_options(int argc, char **argv)
{
	enum { O_MODE = 256, O_BUG, O_LIST_BUGS, O_DURATION, O_SEED,
	       O_DELAY, O_WAKE_IDLE, O_QUIET, O_NO_LOAD, O_NO_PEERS, O_HELP, O_VERSION };
	static const struct option lopts[] = {
		{ "mode",	required_argument, NULL, O_MODE },
		{ "bug",	required_argument, NULL, O_BUG },
		{ "list-bugs",	no_argument,	   NULL, O_LIST_BUGS },
		{ "duration",	required_argument, NULL, O_DURATION },
		{ "seed",	required_argument, NULL, O_SEED },
		{ "delay",	required_argument, NULL, O_DELAY },
		{ "wake-idle",	required_argument, NULL, O_WAKE_IDLE },
		{ "quiet",	no_argument,	   NULL, O_QUIET },
		{ "no-load",	no_argument,	   NULL, O_NO_LOAD },
		{ "no-peers",	no_argument,	   NULL, O_NO_PEERS },
		{ "help",	no_argument,	   NULL, O_HELP },
		{ "version",	no_argument,	   NULL, O_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "f:cqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt.file = optarg;
			break;
		case 'c':
			opt.check_only = 1;
			break;
		case 'q':
		case O_QUIET:
			opt.quiet = 1;
			break;
		case O_NO_LOAD:
			opt.no_load = 1;
			break;
		case O_NO_PEERS:
			opt.no_peers = opt.no_load = 1;
			break;
		case O_MODE:
			if (strcmp(optarg, "usr1") == 0)
				opt.mode = MODE_USR1;
			else if (strcmp(optarg, "legacy") == 0)
				opt.mode = MODE_LEGACY;
			else {
				fprintf(stderr, PROG ": --mode: '%s' is not "
					"usr1 or legacy\n", optarg);
				return -1;
			}
			break;
		case O_BUG:
			opt.bug = optarg;
			break;
		case O_LIST_BUGS:
			list_bugs();
			exit(EXIT_OK);
		case O_DURATION:
			errno = 0;
			opt.duration = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(opt.duration > 0) || opt.duration > 1e7) {
				fprintf(stderr, PROG ": --duration: '%s' is not "
					"a positive number of seconds\n",
					optarg);
				return -1;
			}
			break;
		case O_SEED:
			errno = 0;
			opt.seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-') {
				fprintf(stderr, PROG ": --seed: '%s' is not an "
					"unsigned integer\n", optarg);
				return -1;
			}
			opt.seed_set = 1;
			break;
		case O_DELAY:
			if (parse_delay_opt(optarg) < 0)
				return -1;
			break;
		case O_WAKE_IDLE:
			errno = 0;
			opt.wake_idle_ms = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    !isdigit((unsigned char)*optarg) ||
			    opt.wake_idle_ms > LAB_WAKE_IDLE_MAX_MS) {
				fprintf(stderr, PROG ": --wake-idle: '%s' is not "
					"a number of milliseconds from 0 to %d\n",
					optarg, LAB_WAKE_IDLE_MAX_MS);
				return -1;
			}
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(EXIT_OK);
		case O_VERSION:
			printf(PROG " " MUXLAB_VERSION " (models HAProxy "
			       "e388f2fbc, TASK_F_USR1 = 0x%08x)\n",
			       TASK_F_USR1);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!opt.file) {
		fprintf(stderr, PROG ": -f FILE is required (--help)\n");
		return -1;
	}
	return 0;
}

/* Raise the soft fd limit to the hard one and return what fd_init()
 * should size the fd table for. */
static int fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1 << 20)
			rl.rlim_cur = 1 << 20;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 20)
		return 1 << 20;
	return (int)rl.rlim_cur;
}

/* File descriptors open now (the listening sockets, the control socket,
 * the signalfd, stdio...). */
static long fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return 64;	/* a guess on the safe side */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * The process's connection limit (src/maxconn.c): "maxconn" in global, or,
 * as HAProxy does when it is not set, what the fd limit allows: each
 * connection may need a front and a back fd, after the fds open now and
 * each thread's poller and wake-up fds, plus a margin for the peers'
 * pipes and the files the run opens. (HAProxy's computation also counts
 * pipes for splicing and SSL engines; the principle is the same.) A
 * global maxconn over what the fd limit allows is kept, as in HAProxy,
 * which only warns: accept() then meets EMFILE, and the listener pauses.
 */
static void set_maxconn(const struct cfg *cfg, long nofile)
{
	long reserved;

	reserved = fds_open() + 4L * (nbthread > 0 ? nbthread : 1) + 16;
	global_maxconn = cfg->maxconn ? cfg->maxconn :
			 maxconn_auto(nofile, reserved);
	/* bodies stream through buffers of this size (http_msg-t.h) */
	http_bufsize = cfg->bufsize ? (size_t)cfg->bufsize : HTTP_BUFSIZE_DEF;
}

/* ------------------------------------------------------- engine threads */

/* Thread init (thread.c already set up the scheduler and the poller):
 * the idle-pool tasks, then this thread's listening sockets. A thread
 * whose init fails gets no other hook: undo what was done. */
static int thr_init(void)
{
	if (srv_init_thread() < 0)
		return -1;
	if (listeners_enable_thread(global_cfg.proxies) < 0) {
		listeners_disable_thread(global_cfg.proxies);
		listeners_deinit_thread();
		srv_cleanup_thread();
		return -1;
	}
	return 0;
}

/* stop_front: no more accepts, close this thread's front connections
 * (their streams detach or destroy their back connections). */
static void thr_stop_front(void)
{
	listeners_disable_thread(global_cfg.proxies);
	conn_shutdown_front_thread();
}

/* stop_back: destroy this thread's idle / safe / available connections
 * and its to-remove list. */
static void thr_stop_back(void)
{
	srv_cleanup_thread();
}

/* deinit: the run queue is drained; free this thread's stream pool (the
 * recycled streams and their tasks) and its listener task. */
static void thr_deinit(void)
{
	stream_deinit_thread();
	listeners_deinit_thread();
}

static const struct thread_hooks hooks = {
	.init		= thr_init,
	.stop_front	= thr_stop_front,
	.stop_back	= thr_stop_back,
	.deinit		= thr_deinit,
};

/* --------------------------------------------------------- fatal signals */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MUXLAB_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MUXLAB_SANITIZER 1
#endif
#endif

/*
 * A crash in the engine (a student's takeover that frees the wrong
 * tasklet, say) ends with a backtrace on stderr before the default action
 * (core, exit status 128+sig): the frames are "build/muxlab(+0xOFFSET)",
 * which `addr2line -f -e build/muxlab 0xOFFSET` (gradelib.sh does it)
 * turns into a function and a line. write() is async-signal-safe;
 * backtrace() and backtrace_symbols_fd() are not promised to be, but the
 * only unsafe step, loading libgcc for the unwinder, was done by a first
 * backtrace() at start, and backtrace_symbols_fd() allocates nothing. HAProxy has its own, richer, handler
 * (debug.c: ha_panic() and the thread dump); the sanitizer builds keep
 * their own reports.
 */
static void crash_handler(int sig)
{
	const char *msg = sig == SIGSEGV ? PROG ": fatal signal SIGSEGV, backtrace:\n" :
			  sig == SIGBUS ? PROG ": fatal signal SIGBUS, backtrace:\n" :
			  sig == SIGFPE ? PROG ": fatal signal SIGFPE, backtrace:\n" :
			  sig == SIGILL ? PROG ": fatal signal SIGILL, backtrace:\n" :
			  PROG ": fatal signal SIGABRT, backtrace:\n";
	void *frames[48];
	int n;

	if (write(STDERR_FILENO, msg, strlen(msg)) >= 0) {
		n = backtrace(frames, 48);
		backtrace_symbols_fd(frames, n, STDERR_FILENO);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void crash_handler_install(void)
{
#ifndef MUXLAB_SANITIZER
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	void *warm[1];
	size_t i;

	if (getenv("MUXLAB_NO_BACKTRACE"))
		return;
	(void)backtrace(warm, 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
#endif
}

/* ------------------------------------------------------------- waiting */

/*
 * Wait until the run should end: the deadline <end> (0 = none), a signal,
 * or, when load generators were started, all of them exited (they stop on
 * their own --duration; they get LOAD_GRACE_S more before the engine
 * stops anyway). Returns the signal number that ended it, or 0.
 */
static int wait_for_end(int sfd, double end)
{
	int have_loads = procs_nb_loads() > 0;

	if (have_loads && end > 0)
		end += LOAD_GRACE_S;
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int timeout = -1;

		if (procs_reap())
			run_failed = 1;
		if (have_loads && !procs_loads_running())
			return 0;
		if (end > 0) {
			double left = end - mono_s();

			if (left <= 0) {
				if (have_loads) {
					fprintf(stderr, PROG ": load generators "
						"still running %.0f s after the "
						"duration: stopping\n",
						LOAD_GRACE_S);
					run_failed = 1;
				}
				return 0;
			}
			timeout = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, timeout) > 0) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGINT ||
				    si.ssi_signo == SIGTERM)
					return si.ssi_signo;
				/* SIGCHLD: reaped at the top */
			}
		}
	}
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct cfg *cfg = &global_cfg;
	struct activity sum;
	uint64_t ok = 0, err = 0;
	double duration, t0, t1;
	const char *bug_name;
	enum bug_id bug;
	sigset_t sigs;
	int sfd = -1, ret = EXIT_CONFIG, sig, i;
	long live[4], nofile;

	if (parse_options(argc, argv) < 0)
		return EXIT_CONFIG;
	if (cfg_parse(opt.file, cfg) < 0)
		goto out_cfg;

	lab_mode = opt.mode >= 0 ? opt.mode :
		   cfg->mode >= 0 ? cfg->mode : MODE_USR1;
	bug_name = opt.bug ? opt.bug : cfg->bug ? cfg->bug : "";
	bug = *bug_name ? bug_lookup(bug_name) : BUG_NONE;
	if (bug == BUG_COUNT) {
		fprintf(stderr, PROG ": unknown bug '%s' (muxlab "
			"--list-bugs)\n", bug_name);
		goto out_cfg;
	}
	if (bug == BUG_NONE)
		bug_name = "";
	lab_bug = bug;
	bug_asked[bug] = 1;
	if (opt.seed_set)
		cfg->seed = opt.seed;
	duration = opt.duration > 0 ? opt.duration : cfg->duration;
	for (i = 0; i < DELAY_COUNT; i++)
		lab_delay_us[i] = opt.delay_us[i] >= 0 ?
				  (unsigned int)opt.delay_us[i] :
				  cfg->delay_us[i];
	lab_wake_idle_ms = opt.wake_idle_ms >= 0 ?
			   (unsigned int)opt.wake_idle_ms : cfg->wake_idle_ms;

	if (opt.check_only) {
		printf("%s: configuration is valid (%d thread%s, %d peer%s, "
		       "%d load%s, duration %s)\n", opt.file, cfg->nbthread,
		       cfg->nbthread > 1 ? "s" : "", cfg->nb_peers,
		       cfg->nb_peers == 1 ? "" : "s", cfg->nb_loads,
		       cfg->nb_loads == 1 ? "" : "s",
		       duration > 0 ? "set" : "until a signal");
		ret = EXIT_OK;
		goto out_cfg;
	}
	nbthread = cfg->nbthread;

	/* Block the signals in every thread to come; main reads them from a
	 * signalfd. */
	signal(SIGPIPE, SIG_IGN);
	crash_handler_install();
	/* a shell without job control starts background jobs with SIGINT
	 * ignored: take the default back, the signalfd below reads it */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(errno));
		goto out_cfg;
	}

	nofile = fd_budget();
	if (fd_init(nofile) < 0) {
		fprintf(stderr, PROG ": cannot allocate the fd table\n");
		goto out_cfg;
	}
	if (cfg_bind_listeners(cfg) < 0 || cli_bind(cfg) < 0)
		goto out_fd;
	set_maxconn(cfg, nofile);

	if ((cfg->nb_peers || cfg->nb_loads) && procs_find_dir() < 0) {
		fprintf(stderr, PROG ": cannot locate peer-server/loadgen\n");
		goto out_fd;
	}
	if (!opt.no_peers && procs_start_peers(cfg, opt.quiet) < 0) {
		procs_stop_peers();
		goto out_fd;
	}

	/* the file name only: a trace shared with others must not carry the
	 * directory it was recorded in */
	TRACE(run_start, lab_mode, bug_name, nbthread, cfg->seed,
	      strrchr(cfg->file, '/') ? strrchr(cfg->file, '/') + 1 : cfg->file,
	      TASK_F_USR1, TRACE_FORMAT);
	if (!opt.quiet) {
		fprintf(stderr, PROG ": %s mode=%s bug=%s nbthread=%d seed=%llu "
			"duration=%g", cfg->file,
			lab_mode == MODE_USR1 ? "usr1" : "legacy",
			*bug_name ? bug_name : "none", nbthread,
			(unsigned long long)cfg->seed, duration);
		for (i = 0; i < DELAY_COUNT; i++)
			if (lab_delay_us[i])
				fprintf(stderr, " delay %s=%uus",
					delay_table[i].name, lab_delay_us[i]);
		if (lab_wake_idle_ms)
			fprintf(stderr, " wake-idle=%ums", lab_wake_idle_ms);
		fputc('\n', stderr);
	}

	t0 = mono_s();
	if (threads_start(&hooks) < 0) {
		fprintf(stderr, PROG ": cannot start the engine threads\n");
		threads_request_stop();
		threads_join();
		procs_stop_peers();
		goto out_fd;
	}

	/* the control socket ("stats socket"), served from its own thread */
	if (cli_start() < 0)
		run_failed = 1;
	else if (!opt.no_load &&
		 procs_start_loads(cfg, duration, opt.quiet) < 0)
		run_failed = 1;
	else {
		sig = wait_for_end(sfd, duration > 0 ? t0 + duration : 0);
		if (sig && !opt.quiet)
			fprintf(stderr, PROG ": %s: stopping\n", strsignal(sig));
	}
	t1 = mono_s();
	cli_stop();

	procs_stop_loads();
	threads_request_stop();
	threads_join();
	procs_stop_peers();
	if (procs_loads_failed(opt.quiet))
		run_failed = 1;

	lab_report_unreached(stderr);
	stream_counts(&ok, &err);
	activity_sum(&sum);
	TRACE(run_end, ok, err, sum.takeover_ok);
	if (!opt.quiet)
		activity_report(stderr, t1 - t0);
	procs_print_load_summaries(stdout, opt.quiet);
	fflush(stdout);

	ret = run_failed ? EXIT_RUN : EXIT_OK;
	live[0] = sched_live_tasklets();
	live[1] = sched_live_tasks();
	live[2] = conn_live_count();
	live[3] = stream_live_count();
	if (live[0] || live[1] || live[2] || live[3]) {
		fprintf(stderr, "leak: tasklets=%ld tasks=%ld connections=%ld "
			"streams=%ld still alive after shutdown\n", live[0],
			live[1], live[2], live[3]);
		ret = EXIT_LEAK;
	}
	/* every connection gone: the servers' counters must be 0 too */
	if (!live[2] && srv_check_counters(stderr))
		ret = EXIT_LEAK;
out_fd:
	cli_stop();
	fd_deinit();
out_cfg:
	if (sfd >= 0)
		close(sfd);
	cfg_free(cfg);
	return ret;
}
