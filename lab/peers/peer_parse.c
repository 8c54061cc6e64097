/*
 * peer_parse.c - command-line and address parsing of the lab peers.
 *
 * Apart from the rest of peer.c (event loop, sockets) because muxlab links
 * these too: it checks the peers' command lines with the peers' own parse
 * functions (peer_args.h). Pure functions of libc, any thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

/* -------------------------------------------------------------- addresses */

/* Parse an IPv4 "A.B.C.D:PORT", ":PORT" or "PORT". Any thread. 0 or -1. */
int peer_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	const char *port = colon ? colon + 1 : s;
	char *end;
	unsigned long p;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;

	if (!*port)
		return -1;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535 || *port == '-' || *port == '+')
		return -1;
	sa->sin_port = htons((uint16_t)p);

	if (!colon || colon == s) {
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	if (strcmp(host, "localhost") == 0) {
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

/* "A.B.C.D:PORT" of <sa> in <buf>. Any thread. Returns <buf>. */
const char *peer_addr_str(const struct sockaddr_in *sa, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip)))
		strcpy(ip, "?");
	snprintf(buf, size, "%s:%u", ip, ntohs(sa->sin_port));
	return buf;
}

/* ------------------------------------------------------- command lines */

/* Strict decimal parse for option --<opt>. Any thread. 0 or -1. */
int peer_parse_num(const char *prog, const char *opt, const char *s,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "%s: bad value for --%s: '%s' (expected %llu..%llu)\n",
		prog, opt, s ? s : "", (unsigned long long)min,
		(unsigned long long)max);
	return -1;
}

/*
 * After getopt_long() returned '?' (opterr = 0): say what was wrong with
 * argv[optind - 1], "unknown option" or "needs a value", as
 * "<prog>: ...". Any thread (getopt's globals are the caller's).
 */
void peer_getopt_error(const char *prog, char **argv)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";

	if (optopt && strncmp(word, "--", 2) == 0)
		fprintf(stderr, "%s: option '%s' needs a value\n", prog, word);
	else
		fprintf(stderr, "%s: unknown or ambiguous option '%s'\n",
			prog, word);
}
