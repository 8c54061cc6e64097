/*
 * ctl.c - muxview's client of the engine's control socket.
 *
 * The engine serves HAProxy's CLI conventions on the scenario's "stats
 * socket" (src/cli.c): one command line per connection, the answer ends
 * with an empty line, then the engine closes. The live viewer uses it
 * to flip the mode (legacy <-> usr1) while recording goes on; lab/live
 * passes the socket's path (--ctl).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../src/trace-t.h"
#include "ctl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int ctl_command(const char *path, const char *cmd, char *out, size_t len,
		int timeout_ms)
{
	struct sockaddr_un sun;
	size_t got = 0, n;
	double end = now_ms() + timeout_ms;
	char line[256];
	int fd;

	out[0] = 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (!path || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(out, len, "no control socket (lab/live passes --ctl)");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(out, len, "control socket %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = (size_t)snprintf(line, sizeof(line), "%s\n", cmd);
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(out, len, "control socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = (int)(end - now_ms());
		ssize_t k;

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			snprintf(out, len, "control socket: no answer within "
				 "%d ms", timeout_ms);
			close(fd);
			return -1;
		}
		if (got + 1 >= len) {
			k = recv(fd, line, sizeof(line), 0);	/* drain */
		} else {
			k = recv(fd, out + got, len - 1 - got, 0);
			if (k > 0)
				got += (size_t)k;
		}
		if (k <= 0)
			break;
	}
	close(fd);
	out[got] = 0;
	/* the answer's closing empty line */
	while (got && out[got - 1] == '\n')
		out[--got] = 0;
	return 0;
}

int ctl_flip_mode(const char *path, char *msg, size_t len)
{
	char info[4096], cmd[32];
	const char *p;
	int want;

	if (ctl_command(path, "show info", info, sizeof(info), 2000) < 0) {
		snprintf(msg, len, "%s", info);
		return -1;
	}
	p = strstr(info, "\nMode: ");
	if (!p) {
		snprintf(msg, len, "the engine did not say its mode");
		return -1;
	}
	want = strncmp(p + 7, "usr1", 4) == 0 ? MODE_LEGACY : MODE_USR1;
	snprintf(cmd, sizeof(cmd), "set mode %s",
		 want == MODE_USR1 ? "usr1" : "legacy");
	if (ctl_command(path, cmd, msg, len, 4000) < 0)
		return -1;
	return strstr(msg, "Mode is now") ? want : -1;
}
