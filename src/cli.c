/*
 * cli.c - the control socket: "stats socket" in global, HAProxy's CLI
 * conventions, served by one small thread outside the engine threads.
 *
 * Background (HAProxy src/cli.c): a stats socket speaks a line protocol.
 * A client sends one line, commands separated by ';', gets each answer
 * followed by an empty line, and the connection closes; "prompt" turns
 * on the interactive mode (a "> " prompt after each answer, the
 * connection stays until "quit" or EOF). `socat stdio unix:PATH` or
 * `echo 'show info' | socat stdio unix:PATH` are the usual clients. An
 * unknown command gets HAProxy's answer: the commands that share its
 * first word, else the whole list. The level of the socket ("level
 * user|operator|admin") decides who may change things: the set commands
 * need admin ("Permission denied").
 *
 * muxlab's commands (help lists them): show info, show activity, show
 * pools, show bugs, set mode, set bug, set delay.
 *
 * Nothing here takes a lock that the engine threads take. The show
 * commands read atomics and the per-thread counters (benign races, like
 * the end-of-run report: activity_snapshot()); the set commands write the
 * mode, bug or delay asked for (lab.c) and wait until every engine thread
 * has switched at a quiescent point of its loop. The thread serves the
 * clients in turn from one poll() loop, so a slow client delays the
 * others, never the engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "activity.h"
#include "cfg.h"
#include "cli.h"
#include "lab.h"
#include "listener.h"
#include "maxconn.h"
#include "proxy-t.h"
#include "server.h"
#include "thread.h"
#include "trace.h"

#ifndef MUXLAB_VERSION
#define MUXLAB_VERSION	"0.1"	/* as main.c says it */
#endif

#define CLI_MAX_CLIENTS	16
#define CLI_LINE_MAX	4096
#define CLI_SWITCH_MS	2000	/* how long "set mode/bug" waits */

struct cli_client {
	int fd;				/* -1: free slot */
	int prompt;			/* interactive mode */
	size_t len;			/* bytes in buf */
	char buf[CLI_LINE_MAX];
};

static struct {
	int fd;				/* listening socket, -1 if none */
	char *path;
	enum cli_level level;
	int wake[2];			/* pipe: stop the thread */
	pthread_t thread;
	int running;
	double t0;			/* for Uptime_sec */
	char scenario[256];
	uint64_t seed;
	struct cli_client cl[CLI_MAX_CLIENTS];
} cli = { .fd = -1, .wake = { -1, -1 } };

/* ---- output -------------------------------------------------------------- */

/* An answer being built (a growing buffer). */
struct out {
	char *buf;
	size_t len, cap;
	int oom;
};

static void __attribute__((format(printf, 2, 3)))
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL,
			      o->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (o->buf && (size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (o->cap ? o->cap * 2 : 4096);
			char *nb;

			while (ncap < o->len + (size_t)n + 1)
				ncap *= 2;
			nb = realloc(o->buf, ncap);
			if (!nb) {
				o->oom = 1;
				return;
			}
			o->buf = nb;
			o->cap = ncap;
		}
	}
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *mode_name(int m)
{
	return m == MODE_USR1 ? "usr1" : m == MODE_LEGACY ? "legacy" : "?";
}

/* ---- commands ------------------------------------------------------------ */

struct cli_cmd {
	const char *words[3];	/* the words that name it */
	const char *usage;	/* as help prints it */
	const char *what;
	int admin;		/* needs level admin */
	void (*fn)(struct out *o, char **args, int n);
};

static void cmd_help(struct out *o, char **args, int n);

static void cmd_show_info(struct out *o, char **args, int n)
{
	struct activity s;
	uint64_t switches = 0;
	unsigned long full, nofd;
	int thr, i;

	activity_sum(&s);
	out_printf(o, "Name: muxlab\n");
	out_printf(o, "Version: " MUXLAB_VERSION "\n");
	out_printf(o, "Models: HAProxy e388f2fbc (TASK_F_USR1 = 0x%08x)\n",
		   TASK_F_USR1);
	out_printf(o, "Pid: %d\n", (int)getpid());
	out_printf(o, "Uptime_sec: %.0f\n", mono_s() - cli.t0);
	out_printf(o, "Scenario: %s\n", cli.scenario);
	out_printf(o, "Seed: %" PRIu64 "\n", cli.seed);
	out_printf(o, "Nbthread: %d\n", nbthread);
	listener_counters(&full, &nofd);
	out_printf(o, "Maxconn: %d\n", global_maxconn);
	out_printf(o, "CurrConns: %d\n", maxconn_current());
	out_printf(o, "Listener_pauses_full: %lu\n", full);
	out_printf(o, "Listener_pauses_nofd: %lu\n", nofd);
	out_printf(o, "Mode: %s\n", mode_name((int)atomic_load(&lab_mode)));
	out_printf(o, "Thread_modes:");
	for (thr = 0; thr < nbthread && thr < MAX_THREADS; thr++)
		out_printf(o, " %s", mode_name(atomic_load_explicit(
			&lab_thr[thr].mode, memory_order_relaxed)));
	out_printf(o, "\n");
	for (thr = 0; thr < nbthread && thr < MAX_THREADS; thr++)
		switches += atomic_load_explicit(&lab_thr[thr].switches,
						 memory_order_relaxed);
	out_printf(o, "Mode_changes: %" PRIu64 "\n", switches);
	out_printf(o, "Bug: %s%s\n", bug_table[lab_bug_target()].name,
		   atomic_load(&lab_bug_next) != BUG_COUNT ?
		   " (pending: some thread has not switched yet)" : "");
	for (i = 0; i < DELAY_COUNT; i++)
		out_printf(o, "Delay_%s_us: %u\n", delay_table[i].name,
			   atomic_load_explicit(&lab_delay_us[i],
						memory_order_relaxed));
	out_printf(o, "Tracing: %s\n", TRACE_ON(io_cb) ? "on" : "off");
	out_printf(o, "Requests_ok: %" PRIu64 "\n", s.req_ok);
	out_printf(o, "Requests_err: %" PRIu64 "\n", s.req_err);
	out_printf(o, "Takeovers: %" PRIu64 "\n", s.takeover_ok);
}

/* "show activity": every counter of the end-of-run report, as HAProxy's
 * "show activity" prints them: "key: total [ t0 t1 ... ]". */
#define ACT_ROWS	128

struct act_table {
	int col;			/* column being filled */
	int row;			/* next row */
	char key[ACT_ROWS][40];
	uint64_t val[ACT_ROWS][MAX_THREADS + 1];
};

static void act_put(const char *key, uint64_t v, void *arg)
{
	struct act_table *t = arg;

	if (t->row >= ACT_ROWS)
		return;
	snprintf(t->key[t->row], sizeof(t->key[0]), "%s", key);
	t->val[t->row++][t->col] = v;
}

static void cmd_show_activity(struct out *o, char **args, int n)
{
	int nthr = nbthread < MAX_THREADS ? nbthread : MAX_THREADS;
	struct act_table *t = calloc(1, sizeof(*t));
	struct activity a;
	int thr, row, rows = 0;

	if (!t) {
		out_printf(o, "Out of memory.\n");
		return;
	}
	for (thr = 0; thr <= nthr; thr++) {
		if (thr < nthr)
			activity_snapshot(&a, thr);
		else
			activity_sum(&a);
		t->col = thr;
		t->row = 0;
		activity_foreach(&a, act_put, t);
		rows = t->row;
	}
	out_printf(o, "nbthread: %d\n", nthr);
	out_printf(o, "uptime_sec: %.3f\n", mono_s() - cli.t0);
	for (row = 0; row < rows; row++) {
		out_printf(o, "%s: %" PRIu64 " [", t->key[row],
			   t->val[row][nthr]);
		for (thr = 0; thr < nthr; thr++)
			out_printf(o, " %" PRIu64, t->val[row][thr]);
		out_printf(o, " ]\n");
	}
	free(t);
}

/* "show pools": the idle connection pools, per thread (idle, safe and
 * available lists, all servers), then per server. Counters read without
 * the lock: a snapshot that may be a moment old. */
static void cmd_show_pools(struct out *o, char **args, int n)
{
	int nthr = nbthread < MAX_THREADS ? nbthread : MAX_THREADS;
	long tot[3] = { 0, 0, 0 };
	struct server *srv;
	int thr;

	out_printf(o, "# idle connection pools per thread, all servers\n");
	out_printf(o, "%-8s %6s %6s %6s\n", "thread", "idle", "safe",
		   "avail");
	for (thr = 0; thr < nthr; thr++) {
		long v[3] = { 0, 0, 0 };

		for (srv = servers; srv; srv = srv->next_all) {
			v[0] += atomic_load_explicit(&srv->per_thr[thr].nb_idle,
						     memory_order_relaxed);
			v[1] += atomic_load_explicit(&srv->per_thr[thr].nb_safe,
						     memory_order_relaxed);
			v[2] += atomic_load_explicit(&srv->per_thr[thr].nb_avail,
						     memory_order_relaxed);
		}
		out_printf(o, "T%-7d %6ld %6ld %6ld\n", thr, v[0], v[1], v[2]);
		tot[0] += v[0];
		tot[1] += v[1];
		tot[2] += v[2];
	}
	out_printf(o, "%-8s %6ld %6ld %6ld\n", "total", tot[0], tot[1],
		   tot[2]);
	out_printf(o, "# per server: idle/safe/avail on each thread, "
		   "connections in use\n");
	for (srv = servers; srv; srv = srv->next_all) {
		char name[128];

		snprintf(name, sizeof(name), "%s/%s", srv->proxy &&
			 srv->proxy->id ? srv->proxy->id : "?", srv->id);
		out_printf(o, "%-20s", name);
		for (thr = 0; thr < nthr; thr++)
			out_printf(o, " T%d %d/%d/%d", thr,
				   atomic_load_explicit(&srv->per_thr[thr].nb_idle,
							memory_order_relaxed),
				   atomic_load_explicit(&srv->per_thr[thr].nb_safe,
							memory_order_relaxed),
				   atomic_load_explicit(&srv->per_thr[thr].nb_avail,
							memory_order_relaxed));
		out_printf(o, " used %d\n", atomic_load_explicit(
			&srv->curr_used_conns, memory_order_relaxed));
	}
}

static void cmd_show_bugs(struct out *o, char **args, int n)
{
	int i;

	for (i = 0; i < BUG_COUNT; i++)
		out_printf(o, "%-20s %-10s %s\n", bug_table[i].name,
			   *bug_table[i].origin ? bug_table[i].origin : "-",
			   bug_table[i].what);
}

/* Which threads have not switched yet, for an answer. */
static void lagging(struct out *o)
{
	int mode = (int)atomic_load(&lab_mode), bug = (int)lab_bug_target();
	int thr;

	for (thr = 0; thr < nbthread && thr < MAX_THREADS; thr++)
		if (atomic_load_explicit(&lab_thr[thr].mode,
					 memory_order_relaxed) != mode ||
		    atomic_load_explicit(&lab_thr[thr].bug,
					 memory_order_relaxed) != bug)
			out_printf(o, " %d", thr);
}

static void cmd_set_mode(struct out *o, char **args, int n)
{
	enum lab_mode m;

	if (n != 3 || (strcmp(args[2], "usr1") && strcmp(args[2], "legacy"))) {
		out_printf(o, "'set mode' expects 'legacy' or 'usr1'.\n");
		return;
	}
	m = strcmp(args[2], "usr1") == 0 ? MODE_USR1 : MODE_LEGACY;
	if (lab_set_mode(m, CLI_SWITCH_MS) < 0) {
		out_printf(o, "Mode %s asked for; thread(s)", mode_name(m));
		lagging(o);
		out_printf(o, " did not switch within %d ms (stopping?).\n",
			   CLI_SWITCH_MS);
		return;
	}
	out_printf(o, "Mode is now %s on all %d threads.\n", mode_name(m),
		   nbthread);
}

static void cmd_set_bug(struct out *o, char **args, int n)
{
	enum bug_id b;
	int i;

	b = n == 3 ? bug_lookup(args[2]) : BUG_COUNT;
	if (b == BUG_COUNT) {
		out_printf(o, "'set bug' expects a bug mode or 'none':");
		for (i = 0; i < BUG_COUNT; i++)
			out_printf(o, " %s", bug_table[i].name);
		out_printf(o, ".\n");
		return;
	}
	if (lab_set_bug(b, CLI_SWITCH_MS) < 0) {
		out_printf(o, "Bug %s asked for; thread(s)", bug_table[b].name);
		lagging(o);
		out_printf(o, " did not switch within %d ms (stopping?).\n",
			   CLI_SWITCH_MS);
		return;
	}
	out_printf(o, "Bug mode is now %s on all %d threads.\n",
		   bug_table[b].name, nbthread);
}

static void cmd_set_delay(struct out *o, char **args, int n)
{
	enum lab_delay_site site = n == 4 ? delay_lookup(args[2]) :
				   DELAY_COUNT;
	unsigned long us;
	char *end;

	if (site == DELAY_COUNT) {
		out_printf(o, "'set delay' expects a delay point (%s) and "
			   "microseconds.\n", delay_names());
		return;
	}
	errno = 0;
	us = strtoul(args[3], &end, 10);
	if (!*args[3] || *end || errno || args[3][0] == '-' ||
	    us > LAB_DELAY_MAX_US) {
		out_printf(o, "'set delay %s': '%s' is not a number of "
			   "microseconds from 0 to %u.\n", args[2], args[3],
			   LAB_DELAY_MAX_US);
		return;
	}
	atomic_store_explicit(&lab_delay_us[site], (unsigned int)us,
			      memory_order_relaxed);
	out_printf(o, "Delay %s is now %lu us%s.\n", delay_table[site].name,
		   us, us ? "" : " (off)");
}

static const struct cli_cmd cmds[] = {
	{ { "help" }, "help [<command>]", "list matching or all commands",
	  0, cmd_help },
	{ { "prompt" }, "prompt", "toggle interactive mode with prompt",
	  0, NULL },
	{ { "quit" }, "quit", "disconnect", 0, NULL },
	{ { "show", "info" }, "show info",
	  "report the run: mode of each thread, bug, delays, requests", 0,
	  cmd_show_info },
	{ { "show", "activity" }, "show activity",
	  "every counter of the activity report, total [ per thread ]", 0,
	  cmd_show_activity },
	{ { "show", "pools" }, "show pools",
	  "idle, safe and available connections per thread and server", 0,
	  cmd_show_pools },
	{ { "show", "bugs" }, "show bugs", "list the bug modes", 0,
	  cmd_show_bugs },
	{ { "set", "mode" }, "set mode legacy|usr1",
	  "switch every thread's mode (at its next quiescent point)", 1,
	  cmd_set_mode },
	{ { "set", "bug" }, "set bug <name>|none",
	  "plant a bug mode, or remove it (see show bugs)", 1, cmd_set_bug },
	{ { "set", "delay" }, "set delay <site> <us>",
	  "wait <us> microseconds at a delay point (0 = off)", 1,
	  cmd_set_delay },
};

#define NB_CMDS	(sizeof(cmds) / sizeof(cmds[0]))

static int cmd_words(const struct cli_cmd *c)
{
	int k = 0;

	while (k < 3 && c->words[k])
		k++;
	return k;
}

static void help_line(struct out *o, const struct cli_cmd *c)
{
	out_printf(o, "  %-40s: %s\n", c->usage, c->what);
}

static void cmd_help(struct out *o, char **args, int n)
{
	size_t i;
	int shown = 0;

	if (n > 1) {
		for (i = 0; i < NB_CMDS; i++)
			if (strcmp(cmds[i].words[0], args[1]) == 0) {
				help_line(o, &cmds[i]);
				shown++;
			}
		if (shown)
			return;
	}
	out_printf(o, "The following commands are valid at this level:\n");
	for (i = 0; i < NB_CMDS; i++)
		help_line(o, &cmds[i]);
}

/* HAProxy's answer to an unknown command: the commands that begin with
 * the same word if any, else every command. */
static void unknown(struct out *o, char **args, int n)
{
	size_t i;
	int close = 0;

	for (i = 0; i < NB_CMDS; i++)
		if (strcmp(cmds[i].words[0], args[0]) == 0)
			close++;
	if (!close) {
		out_printf(o, "Unknown command: '%s'. Please enter one of "
			   "the following commands only:\n", args[0]);
		for (i = 0; i < NB_CMDS; i++)
			help_line(o, &cmds[i]);
		return;
	}
	out_printf(o, "Unknown command, but maybe one of the following ones "
		   "is a better match:\n");
	for (i = 0; i < NB_CMDS; i++)
		if (strcmp(cmds[i].words[0], args[0]) == 0)
			help_line(o, &cmds[i]);
}

/* Run one command (words in <args>) for client <c>; the answer goes to
 * <o>. Returns 1 if the client asked to quit. */
static int run_command(struct cli_client *c, struct out *o, char **args,
		       int n)
{
	size_t i;
	int k, w;

	if (!n)
		return 0;
	for (i = 0; i < NB_CMDS; i++) {
		w = cmd_words(&cmds[i]);
		if (n < w)
			continue;
		for (k = 0; k < w; k++)
			if (strcmp(cmds[i].words[k], args[k]))
				break;
		if (k == w)
			break;
	}
	if (i == NB_CMDS) {
		unknown(o, args, n);
		return 0;
	}
	if (strcmp(args[0], "quit") == 0)
		return 1;
	if (strcmp(args[0], "prompt") == 0) {
		c->prompt = !c->prompt;
		return 0;
	}
	if (cmds[i].admin && cli.level < CLI_LEVEL_ADMIN) {
		out_printf(o, "Permission denied\n");
		return 0;
	}
	cmds[i].fn(o, args, n);
	return 0;
}

/* Split <line> into commands at ';' and each into blank-separated words;
 * run them. Returns 1 if the client quit. */
static int run_line(struct cli_client *c, struct out *o, char *line)
{
	char *cmd, *save = NULL;
	int quit = 0;

	for (cmd = strtok_r(line, ";", &save); cmd && !quit;
	     cmd = strtok_r(NULL, ";", &save)) {
		char *args[16], *w, *wsave = NULL;
		int n = 0;

		for (w = strtok_r(cmd, " \t\r", &wsave); w && n < 16;
		     w = strtok_r(NULL, " \t\r", &wsave))
			args[n++] = w;
		if (!n)
			continue;
		quit = run_command(c, o, args, n);
		if (!quit)
			out_printf(o, "\n");	/* every answer ends so */
	}
	return quit;
}

/* ---- the server thread ---------------------------------------------------- */

static void client_close(struct cli_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->prompt = 0;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Data arrived for client <c>: run each complete line. */
static void client_read(struct cli_client *c)
{
	ssize_t k;
	char *nl;

	k = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
		 MSG_DONTWAIT);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)k;
	c->buf[c->len] = 0;
	while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		struct out o = { 0 };
		size_t used = (size_t)(nl - c->buf) + 1;
		int quit, was_prompt = c->prompt;

		*nl = 0;
		quit = run_line(c, &o, c->buf);
		if (!quit && (c->prompt || was_prompt))
			out_printf(&o, c->prompt ? "> " : "");
		if (o.oom || (o.len && send_all(c->fd, o.buf, o.len) < 0))
			quit = 1;
		free(o.buf);
		/* not interactive: one line, then the connection closes */
		if (quit || !c->prompt) {
			client_close(c);
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len >= sizeof(c->buf) - 1) {
		static const char msg[] = "Line too long.\n\n";

		send_all(c->fd, msg, sizeof(msg) - 1);
		client_close(c);
	}
}

static void *cli_loop(void *arg)
{
	struct pollfd pfd[CLI_MAX_CLIENTS + 2];
	int map[CLI_MAX_CLIENTS + 2];
	int i, n;

	(void)arg;
	for (;;) {
		n = 0;
		pfd[n].fd = cli.wake[0];
		pfd[n].events = POLLIN;
		map[n++] = -2;
		pfd[n].fd = cli.fd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (i = 0; i < CLI_MAX_CLIENTS; i++) {
			if (cli.cl[i].fd < 0)
				continue;
			pfd[n].fd = cli.cl[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		for (i = 2; i < n; i++)
			if (pfd[i].revents && cli.cl[map[i]].fd == pfd[i].fd)
				client_read(&cli.cl[map[i]]);
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(cli.fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd < 0)
				continue;
			for (i = 0; i < CLI_MAX_CLIENTS; i++)
				if (cli.cl[i].fd < 0)
					break;
			if (i == CLI_MAX_CLIENTS) {
				static const char msg[] = "Too many clients.\n\n";

				send_all(fd, msg, sizeof(msg) - 1);
				close(fd);
				continue;
			}
			cli.cl[i].fd = fd;
			cli.cl[i].len = 0;
			cli.cl[i].prompt = 0;
		}
	}
	for (i = 0; i < CLI_MAX_CLIENTS; i++)
		if (cli.cl[i].fd >= 0)
			client_close(&cli.cl[i]);
	return NULL;
}

/*
 * cli_bind - open the control socket the scenario declares
 *
 * @cfg: the parsed scenario; nothing to do without "stats socket"
 *
 * A socket file left by a run that died is replaced; one a live process
 * answers on is an error (two runs of one scenario at once). Applies
 * "mode" to the socket file.
 * Return: 0, or -1 with a message on stderr.
 * Context: main thread, before the engine threads start.
 */
int cli_bind(const struct cfg *cfg)
{
	struct sockaddr_un sun;
	struct stat st;
	const char *base;
	int fd, i;

	for (i = 0; i < CLI_MAX_CLIENTS; i++)
		cli.cl[i].fd = -1;
	if (!cfg->cli_path)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cfg->cli_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (stat(cfg->cli_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			fprintf(stderr, "%s:%d: stats socket %s: another "
				"process serves it (a run of the same "
				"scenario?)\n", cfg->file, cfg->cli_line,
				cfg->cli_path);
			close(fd);
			return -1;
		}
		close(fd);
		unlink(cfg->cli_path);		/* left by a dead run */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    (cfg->cli_mode >= 0 && chmod(cfg->cli_path,
					 (mode_t)cfg->cli_mode) < 0) ||
	    listen(fd, 8) < 0) {
		close(fd);
		goto fail;
	}
	cli.fd = fd;
	cli.path = strdup(cfg->cli_path);
	cli.level = cfg->cli_level;
	base = strrchr(cfg->file, '/');
	snprintf(cli.scenario, sizeof(cli.scenario), "%s",
		 base ? base + 1 : cfg->file);
	cli.seed = cfg->seed;
	cli.t0 = mono_s();
	return 0;
fail:
	fprintf(stderr, "%s:%d: stats socket %s: %s\n", cfg->file,
		cfg->cli_line, cfg->cli_path, strerror(errno));
	return -1;
}

/*
 * cli_start - serve the control socket in its own thread
 *
 * Return: 0 (also when there is no socket), -1 if the thread could not
 * start (a message says why).
 * Context: main thread, once the engine threads run.
 */
int cli_start(void)
{
	sigset_t all, old;
	int err;

	if (cli.fd < 0 || cli.running)
		return 0;
	if (pipe2(cli.wake, O_CLOEXEC) < 0) {
		fprintf(stderr, "muxlab: control socket: pipe: %s\n",
			strerror(errno));
		return -1;
	}
	/* the signals are for the main thread's signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&cli.thread, NULL, cli_loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "muxlab: control socket: cannot start its "
			"thread: %s\n", strerror(err));
		return -1;
	}
	cli.running = 1;
	return 0;
}

/*
 * cli_stop - stop serving, close and remove the socket file
 *
 * Safe without cli_bind() or cli_start(), and twice.
 * Context: main thread.
 */
void cli_stop(void)
{
	if (cli.running) {
		ssize_t k = write(cli.wake[1], "x", 1);

		(void)k;
		pthread_join(cli.thread, NULL);
		cli.running = 0;
	}
	if (cli.wake[0] >= 0) {
		close(cli.wake[0]);
		close(cli.wake[1]);
		cli.wake[0] = cli.wake[1] = -1;
	}
	if (cli.fd >= 0) {
		close(cli.fd);
		cli.fd = -1;
		if (cli.path)
			unlink(cli.path);
	}
	free(cli.path);
	cli.path = NULL;
}
