/*
 * procs.c - the lab's other processes: the "#@lab peer" servers
 * (peer-server) and the "#@lab load" generators (loadgen).
 *
 * muxlab starts them around the engine (main.c): the peers before the
 * engine threads, each handing back a ready byte once it listens; the
 * load generators once the engine runs, their stdout kept in a memfd for
 * the summary at the end. Each child runs in its own process group (a
 * Ctrl-C in the terminal reaches muxlab only, which stops them in order)
 * and gets SIGTERM if muxlab dies (PR_SET_PDEATHSIG). A peer that exits
 * during the run fails the run. Their binaries are found beside the
 * muxlab binary, or in $MUXLAB_PEER_DIR. Everything here runs on the main
 * thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cfg.h"
#include "procs.h"
#include "tinfo.h"

#define PROG		"muxlab"

#define PEER_READY_MS	5000	/* a peer must listen within this */
#define PEER_STOP_MS	3000	/* then SIGKILL */

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

static struct child peers[LAB_MAX_PEERS];
static int nb_peer_procs;
static struct child loads[LAB_MAX_LOADS];
static int nb_load_procs;
static char peer_dir[PATH_MAX + 16];
static int expect_exits;	/* children are being stopped: exits are normal */

static double mono_s(void)
{
	return now_mono_ns() / 1e9;
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

/*
 * procs_find_dir - find where peer-server and loadgen live
 *
 * $MUXLAB_PEER_DIR, else the directory of this binary (build/ for
 * build/muxlab), else its sibling "build" (build-tsan/muxlab uses
 * build/peer-server). 0 or -1. Context: main thread, before any start.
 */
int procs_find_dir(void)
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

/*
 * procs_reap - reap every exited child without blocking; note which one
 *
 * Returns 1 if a peer exited while it should have been running (said on
 * stderr: the run failed), else 0. Context: main thread.
 */
int procs_reap(void)
{
	pid_t pid;
	int status, i, died = 0;

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
			died = 1;
		}
		continue;
found_load:
		loads[i].pid = 0;
		loads[i].status = status;
	}
	return died;
}

/* How many load generators are still running. Context: main thread. */
int procs_loads_running(void)
{
	int i, n = 0;

	for (i = 0; i < nb_load_procs; i++)
		n += loads[i].pid != 0;
	return n;
}

/*
 * procs_start_peers - start every "#@lab peer" of <cfg>
 *
 * Each gets --ready-fd (and --quiet if <quiet> and its line has none);
 * waits until each one wrote its ready byte (PEER_READY_MS at most). 0 or
 * -1 (a message said why; procs_stop_peers() stops those started).
 * Context: main thread, after procs_find_dir().
 */
int procs_start_peers(const struct cfg *cfg, int quiet)
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
		if (quiet && !has_option(cfg->peers[i].args, "--quiet"))
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
 * for them, then SIGKILL the rest. From then on an exit is no failure. */
static void stop_children(struct child *c, int n)
{
	double deadline = mono_s() + PEER_STOP_MS / 1000.0;
	int i, left;

	expect_exits = 1;
	procs_reap();
	for (i = 0; i < n; i++) {
		if (c[i].pid > 0) {
			kill(c[i].pid, SIGTERM);
			c[i].killed = 1;
		}
	}
	for (;;) {
		procs_reap();
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
 * run's --seed, and --quiet if <quiet>, unless its line sets them. 0 or
 * -1. Context: main thread, once the engine runs.
 */
int procs_start_loads(const struct cfg *cfg, double duration, int quiet)
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
		if (quiet && !has_option(cfg->loads[i].args, "--quiet"))
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

/* Print on <f> what each loadgen wrote on its stdout (its summary),
 * unless <quiet>, and release it. Context: main thread, at the end. */
void procs_print_load_summaries(FILE *f, int quiet)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < nb_load_procs; i++) {
		struct child *c = &loads[i];

		if (c->out_fd < 0)
			continue;
		if (!quiet) {
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

/* Stop the load generators / the peers: SIGTERM, then SIGKILL after
 * PEER_STOP_MS. Context: main thread. */
void procs_stop_loads(void)
{
	stop_children(loads, nb_load_procs);
}

void procs_stop_peers(void)
{
	stop_children(peers, nb_peer_procs);
}

/* How many load generators were started. */
int procs_nb_loads(void)
{
	return nb_load_procs;
}

/*
 * procs_loads_failed - say which load generators failed
 *
 * A loadgen that exited non-zero on its own failed (said on stderr); one
 * we had to stop (a signal, the grace period) did not: requests cut short
 * are not the engine's failures (said unless <quiet>). Returns 1 if any
 * failed. Context: main thread, after procs_stop_loads().
 */
int procs_loads_failed(int quiet)
{
	int i, failed = 0;

	for (i = 0; i < nb_load_procs; i++) {
		char st[96];

		if (WIFEXITED(loads[i].status) &&
		    WEXITSTATUS(loads[i].status) == 0)
			continue;
		describe_status(st, sizeof(st), loads[i].status);
		if (loads[i].killed) {
			/* stopped early (signal, grace expired): requests cut
			 * short are not the engine's failures */
			if (!quiet)
				fprintf(stderr, PROG ": %s stopped early (%s)\n",
					loads[i].label, st);
			continue;
		}
		fprintf(stderr, PROG ": %s failed (%s)\n", loads[i].label, st);
		failed = 1;
	}
	return failed;
}
