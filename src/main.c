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
 * The peers run in their own processes and process groups (a Ctrl-C in the
 * terminal reaches muxlab only, which then stops them in order) and die
 * with muxlab if it crashes (PR_SET_PDEATHSIG). Their binaries are found
 * beside the muxlab binary (build/peer-server, build/loadgen), or in
 * $MUXLAB_PEER_DIR.
 *
 * Signals: SIGINT, SIGTERM and SIGCHLD are blocked in every thread and read
 * by the main thread from a signalfd, so no handler ever runs inside an
 * engine thread; the main thread then calls threads_request_stop(). SIGPIPE
 * is ignored (a closed socket shows up as EPIPE).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "activity.h"
#include "cfg.h"
#include "connection.h"
#include "fd.h"
#include "lab.h"
#include "listener.h"
#include "server.h"
#include "stream.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

#define PROG		"muxlab"
#define MUXLAB_VERSION	"0.1"

#define PEER_READY_MS	5000	/* a peer must listen within this */
#define PEER_STOP_MS	3000	/* then SIGKILL */
#define LOAD_GRACE_S	10.0	/* loadgens may run this much past the
				 * duration before they are killed */

/* exit statuses, documented in --help */
#define EXIT_OK		0
#define EXIT_CONFIG	1	/* usage, config or start-up error */
#define EXIT_RUN	2	/* a peer or load generator failed */
#define EXIT_LEAK	3	/* objects left alive at the end */

/* A child process: peer-server or loadgen. */
struct child {
	pid_t pid;		/* 0 once reaped */
	int status;		/* wait status once reaped */
	const char *what;	/* "peer s1", "load #1" (static or cfg) */
	char label[64];
	int out_fd;		/* loadgen: memfd holding its stdout, or -1 */
	int killed;		/* we had to stop it (SIGTERM) */
	int line;		/* scenario line */
};

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
} opt = { .mode = -1, .duration = -1,
	  .delay_us = { [0 ... DELAY_COUNT - 1] = -1 } };

static struct child peers[LAB_MAX_PEERS];
static int nb_peer_procs;
static struct child loads[LAB_MAX_LOADS];
static int nb_load_procs;
static char peer_dir[PATH_MAX + 16];
static int run_failed;
static int expect_exits;	/* children are being stopped: exits are normal */

/* ------------------------------------------------------------ utilities */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Does the word list <args> contain option <name>? */
static int has_option(const char *args, const char *name)
{
	size_t len = strlen(name);
	const char *p = args;

	while ((p = strstr(p, name))) {
		if ((p == args || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[len] == 0 || p[len] == ' ' || p[len] == '=' ||
		     p[len] == '\t'))
			return 1;
		p += len;
	}
	return 0;
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
"  --quiet            no activity report, no peer chatter\n"
"  --no-load          start the '#@lab peer' servers but not the '#@lab\n"
"                     load' generators (drive it with curl, wrk...)\n"
"  --no-peers         do not start the '#@lab peer' servers either (they\n"
"                     are already running, e.g. shared with haproxy in\n"
"                     lab/bench); implies --no-load\n"
"  -c                 check the scenario and exit\n"
"  --help, --version\n"
"\n"
"Exit status: 0 clean run, 1 usage/config/start-up error, 2 a peer or load\n"
"generator failed, 3 objects leaked at shutdown.\n",
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
	       O_DELAY, O_QUIET, O_NO_LOAD, O_NO_PEERS, O_HELP, O_VERSION };
	static const struct option lopts[] = {
		{ "mode",	required_argument, NULL, O_MODE },
		{ "bug",	required_argument, NULL, O_BUG },
		{ "list-bugs",	no_argument,	   NULL, O_LIST_BUGS },
		{ "duration",	required_argument, NULL, O_DURATION },
		{ "seed",	required_argument, NULL, O_SEED },
		{ "delay",	required_argument, NULL, O_DELAY },
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

/* Where peer-server and loadgen live: $MUXLAB_PEER_DIR, else the directory
 * of this binary (build/ for build/muxlab), else its sibling "build"
 * (build-tsan/muxlab uses build/peer-server). */
static int find_peer_dir(void)
{
	const char *env = getenv("MUXLAB_PEER_DIR");
	char self[PATH_MAX - 16], probe[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(peer_dir, sizeof(peer_dir), "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = 0;
	snprintf(probe, sizeof(probe), "%s/peer-server", self);
	if (access(probe, X_OK) == 0) {
		snprintf(peer_dir, sizeof(peer_dir), "%s", self);
		return 0;
	}
	snprintf(probe, sizeof(probe), "%s/../build/peer-server", self);
	if (access(probe, X_OK) == 0) {
		snprintf(peer_dir, sizeof(peer_dir), "%s/../build", self);
		return 0;
	}
	snprintf(peer_dir, sizeof(peer_dir), "%s", self);
	return 0;
}

/* ----------------------------------------------------------- children */

/*
 * fork/exec <prog> (in peer_dir) with the words of <args> then <extra>
 * (NULL-terminated). The child gets its own process group, the default
 * signal mask, and SIGTERM if muxlab dies. <keep_fd> (or -1) stays open in
 * the child; <out_fd> (or -1) becomes its stdout. Returns the pid or -1.
 */
static pid_t spawn(const char *prog, const char *args, const char **extra,
		   int keep_fd, int out_fd)
{
	char path[PATH_MAX + 64];
	char *copy, *argv[128], *save = NULL, *w;
	int argc = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", peer_dir, prog);
	if (access(path, X_OK) < 0) {
		fprintf(stderr, PROG ": cannot run %s: %s (build it with "
			"'make', or set MUXLAB_PEER_DIR)\n", path,
			strerror(errno));
		return -1;
	}
	copy = strdup(args);
	if (!copy)
		return -1;
	argv[argc++] = (char *)prog;
	for (w = strtok_r(copy, " \t", &save); w && argc < 100;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	for (; extra && *extra && argc < 126; extra++)
		argv[argc++] = (char *)*extra;
	argv[argc] = NULL;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		free(copy);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execv(path, argv);
		fprintf(stderr, PROG ": exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	free(copy);
	return pid;
}

static void describe_status(char *buf, size_t len, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
}

/* Reap every exited child without blocking; note which one. */
static void reap_children(void)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nb_peer_procs; i++)
			if (peers[i].pid == pid)
				goto found_peer;
		for (i = 0; i < nb_load_procs; i++)
			if (loads[i].pid == pid)
				goto found_load;
		continue;
found_peer:
		peers[i].pid = 0;
		peers[i].status = status;
		if (!expect_exits) {
			char st[96];

			describe_status(st, sizeof(st), status);
			fprintf(stderr, PROG ": %s exited during the run (%s)\n",
				peers[i].label, st);
			run_failed = 1;
		}
		continue;
found_load:
		loads[i].pid = 0;
		loads[i].status = status;
	}
}

static int loads_running(void)
{
	int i, n = 0;

	for (i = 0; i < nb_load_procs; i++)
		n += loads[i].pid != 0;
	return n;
}

/* Start every "#@lab peer" and wait until each one writes its ready byte
 * (PEER_READY_MS at most). 0 or -1 (a message said why). */
static int start_peers(struct cfg *cfg)
{
	struct pollfd pfd[LAB_MAX_PEERS];
	int rfd[LAB_MAX_PEERS];
	int i, pending = 0, ret = -1;
	double deadline;

	for (i = 0; i < cfg->nb_peers; i++)
		rfd[i] = -1;
	for (i = 0; i < cfg->nb_peers; i++) {
		struct child *c = &peers[i];
		char fdarg[16];
		const char *extra[5] = { "--ready-fd", fdarg, NULL, NULL };
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0) {
			fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
			goto out;
		}
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		if (opt.quiet && !has_option(cfg->peers[i].args, "--quiet"))
			extra[2] = "--quiet";
		snprintf(c->label, sizeof(c->label), "peer %s",
			 cfg->peers[i].name);
		c->line = cfg->peers[i].conf_line;
		c->out_fd = -1;
		c->pid = spawn("peer-server", cfg->peers[i].args, extra, p[1],
			       -1);
		close(p[1]);
		if (c->pid < 0) {
			c->pid = 0;
			close(p[0]);
			goto out;
		}
		nb_peer_procs = i + 1;
		rfd[i] = p[0];
		pending++;
	}

	deadline = mono_s() + PEER_READY_MS / 1000.0;
	while (pending) {
		int n = 0, left = (int)((deadline - mono_s()) * 1000);

		if (left <= 0) {
			for (i = 0; i < cfg->nb_peers; i++)
				if (rfd[i] >= 0)
					fprintf(stderr, "%s:%d: %s did not "
						"report ready within %d ms\n",
						cfg->file, peers[i].line,
						peers[i].label, PEER_READY_MS);
			goto out;
		}
		for (i = 0; i < cfg->nb_peers; i++) {
			if (rfd[i] < 0)
				continue;
			pfd[n].fd = rfd[i];
			pfd[n].events = POLLIN;
			n++;
		}
		if (poll(pfd, n, left) < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			goto out;
		}
		for (int k = 0; k < n; k++) {
			char b;

			if (!pfd[k].revents)
				continue;
			for (i = 0; rfd[i] != pfd[k].fd; i++)
				;
			if (read(rfd[i], &b, 1) != 1) {
				fprintf(stderr, "%s:%d: %s failed to start "
					"(see its message above)\n", cfg->file,
					peers[i].line, peers[i].label);
				goto out;
			}
			close(rfd[i]);
			rfd[i] = -1;
			pending--;
		}
	}
	ret = 0;
out:
	for (i = 0; i < cfg->nb_peers; i++)
		if (rfd[i] >= 0)
			close(rfd[i]);
	return ret;
}

/* Send SIGTERM to every child still running and wait up to PEER_STOP_MS
 * for them, then SIGKILL the rest. */
static void stop_children(struct child *c, int n)
{
	double deadline = mono_s() + PEER_STOP_MS / 1000.0;
	int i, left;

	expect_exits = 1;
	reap_children();
	for (i = 0; i < n; i++) {
		if (c[i].pid > 0) {
			kill(c[i].pid, SIGTERM);
			c[i].killed = 1;
		}
	}
	for (;;) {
		reap_children();
		for (left = 0, i = 0; i < n; i++)
			left += c[i].pid > 0;
		if (!left)
			return;
		if (mono_s() > deadline)
			break;
		usleep(10000);
	}
	for (i = 0; i < n; i++) {
		if (c[i].pid > 0) {
			fprintf(stderr, PROG ": %s did not stop, killing it\n",
				c[i].label);
			kill(c[i].pid, SIGKILL);
			waitpid(c[i].pid, &c[i].status, 0);
			c[i].pid = 0;
		}
	}
}

/*
 * Start every "#@lab load" with its stdout captured for the end-of-run
 * summary. Each gets --duration: the run's (it stops on its own and the
 * engine stops once all loadgens exited), or, for a run until a signal,
 * loadgen's maximum (it is then stopped with SIGTERM). It also gets the
 * run's --seed and --quiet unless its line sets them. 0 or -1.
 */
static int start_loads(struct cfg *cfg, double duration)
{
	char dur[32], seed[32];
	int i;

	snprintf(dur, sizeof(dur), "%g", duration > 0 ? duration : 86400.0);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)cfg->seed);
	for (i = 0; i < cfg->nb_loads; i++) {
		struct child *c = &loads[i];
		const char *extra[8] = { NULL };
		int k = 0;

		if (!has_option(cfg->loads[i].args, "--duration")) {
			extra[k++] = "--duration";
			extra[k++] = dur;
		}
		if (!has_option(cfg->loads[i].args, "--seed")) {
			extra[k++] = "--seed";
			extra[k++] = seed;
		}
		if (opt.quiet && !has_option(cfg->loads[i].args, "--quiet"))
			extra[k++] = "--quiet";
		snprintf(c->label, sizeof(c->label), "loadgen #%d (line %d)",
			 i + 1, cfg->loads[i].conf_line);
		c->line = cfg->loads[i].conf_line;
		c->out_fd = memfd_create("loadgen-out", MFD_CLOEXEC);
		c->pid = spawn("loadgen", cfg->loads[i].args, extra, -1,
			       c->out_fd);
		if (c->pid < 0) {
			c->pid = 0;
			return -1;
		}
		nb_load_procs = i + 1;
	}
	return 0;
}

/* Print what each loadgen wrote on its stdout (its summary). */
static void print_load_summaries(FILE *f)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < nb_load_procs; i++) {
		struct child *c = &loads[i];

		if (c->out_fd < 0)
			continue;
		if (!opt.quiet) {
			if (nb_load_procs > 1)
				fprintf(f, "# %s\n", c->label);
			fflush(f);
			lseek(c->out_fd, 0, SEEK_SET);
			while ((n = read(c->out_fd, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, n, f);
		}
		close(c->out_fd);
		c->out_fd = -1;
	}
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
 * recycled streams and their tasks). */
static void thr_deinit(void)
{
	stream_deinit_thread();
}

static const struct thread_hooks hooks = {
	.init		= thr_init,
	.stop_front	= thr_stop_front,
	.stop_back	= thr_stop_back,
	.deinit		= thr_deinit,
};

/* ------------------------------------------------------------- waiting */

/*
 * Wait until the run should end: the deadline <end> (0 = none), a signal,
 * or, when load generators were started, all of them exited (they stop on
 * their own --duration; they get LOAD_GRACE_S more before the engine
 * stops anyway). Returns the signal number that ended it, or 0.
 */
static int wait_for_end(int sfd, double end)
{
	int have_loads = nb_load_procs > 0;

	if (have_loads && end > 0)
		end += LOAD_GRACE_S;
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int timeout = -1;

		reap_children();
		if (have_loads && !loads_running())
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
	long live[4];

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
	if (opt.seed_set)
		cfg->seed = opt.seed;
	duration = opt.duration > 0 ? opt.duration : cfg->duration;
	for (i = 0; i < DELAY_COUNT; i++)
		lab_delay_us[i] = opt.delay_us[i] >= 0 ?
				  (unsigned int)opt.delay_us[i] :
				  cfg->delay_us[i];

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

	if (fd_init(fd_budget()) < 0) {
		fprintf(stderr, PROG ": cannot allocate the fd table\n");
		goto out_cfg;
	}
	if (cfg_bind_listeners(cfg) < 0)
		goto out_fd;

	if ((cfg->nb_peers || cfg->nb_loads) && find_peer_dir() < 0) {
		fprintf(stderr, PROG ": cannot locate peer-server/loadgen\n");
		goto out_fd;
	}
	if (!opt.no_peers && start_peers(cfg) < 0) {
		stop_children(peers, nb_peer_procs);
		goto out_fd;
	}

	/* the file name only: a trace shared with others must not carry the
	 * directory it was recorded in */
	TRACE(run_start, lab_mode, bug_name, nbthread, cfg->seed,
	      strrchr(cfg->file, '/') ? strrchr(cfg->file, '/') + 1 : cfg->file,
	      TASK_F_USR1);
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
		fputc('\n', stderr);
	}

	t0 = mono_s();
	if (threads_start(&hooks) < 0) {
		fprintf(stderr, PROG ": cannot start the engine threads\n");
		threads_request_stop();
		threads_join();
		stop_children(peers, nb_peer_procs);
		goto out_fd;
	}

	if (!opt.no_load && start_loads(cfg, duration) < 0)
		run_failed = 1;
	else {
		sig = wait_for_end(sfd, duration > 0 ? t0 + duration : 0);
		if (sig && !opt.quiet)
			fprintf(stderr, PROG ": %s: stopping\n", strsignal(sig));
	}
	t1 = mono_s();

	stop_children(loads, nb_load_procs);
	threads_request_stop();
	threads_join();
	stop_children(peers, nb_peer_procs);

	for (i = 0; i < nb_load_procs; i++) {
		char st[96];

		if (WIFEXITED(loads[i].status) &&
		    WEXITSTATUS(loads[i].status) == 0)
			continue;
		describe_status(st, sizeof(st), loads[i].status);
		if (loads[i].killed) {
			/* stopped early (signal, grace expired): requests cut
			 * short are not the engine's failures */
			if (!opt.quiet)
				fprintf(stderr, PROG ": %s stopped early (%s)\n",
					loads[i].label, st);
			continue;
		}
		fprintf(stderr, PROG ": %s failed (%s)\n", loads[i].label, st);
		run_failed = 1;
	}

	stream_counts(&ok, &err);
	activity_sum(&sum);
	TRACE(run_end, ok, err, sum.takeover_ok);
	if (!opt.quiet)
		activity_report(stderr, t1 - t0);
	print_load_summaries(stdout);
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
out_fd:
	fd_deinit();
out_cfg:
	if (sfd >= 0)
		close(sfd);
	cfg_free(cfg);
	return ret;
}
