/*
 * peer_server_args.c - peer-server's command line: its one option table
 * and the function that parses it, used by peer-server itself and by
 * muxlab to check "#@lab peer" lines (peer_args.h). No I/O besides error
 * messages.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_msg-t.h"
#include "peer_args.h"
#include "peer_server.h"
#include "thread-t.h"

enum {
	OPT_PROTO = 1, OPT_LISTEN, OPT_SIZE, OPT_DELAY, OPT_KA, OPT_MAXREQ,
	OPT_MPXS, OPT_MAXREQS, OPT_THREADS, OPT_READY, OPT_QUIET,
	OPT_VERBOSE, OPT_HELP, OPT_PING,
};

/* Every option peer-server knows; its usage() describes them. */
static const struct option srv_options[] = {
	{ "proto",		required_argument, NULL, OPT_PROTO },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "size",		required_argument, NULL, OPT_SIZE },
	{ "delay",		required_argument, NULL, OPT_DELAY },
	{ "keepalive-timeout",	required_argument, NULL, OPT_KA },
	{ "max-requests",	required_argument, NULL, OPT_MAXREQ },
	{ "ping",		required_argument, NULL, OPT_PING },
	{ "mpxs",		required_argument, NULL, OPT_MPXS },
	{ "max-reqs",		required_argument, NULL, OPT_MAXREQS },
	{ "threads",		required_argument, NULL, OPT_THREADS },
	{ "ready-fd",		required_argument, NULL, OPT_READY },
	{ "quiet",		no_argument,	   NULL, OPT_QUIET },
	{ "verbose",		no_argument,	   NULL, OPT_VERBOSE },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/*
 * srv_parse_args - parse peer-server's command line
 *
 * @prog: prefix of the error messages ("peer-server")
 * @argc, @argv: the command line (getopt may reorder argv)
 * @cfg: filled in; must be zeroed by the caller
 * @ready_fd: set to the --ready-fd, or -1
 * @flags: PEER_ARGS_CHECK for muxlab: --ready-fd need not be open,
 *         --help is refused
 *
 * Returns a PEER_ARGS_* code; errors are printed on stderr. Not
 * thread-safe (getopt's globals).
 */
int srv_parse_args(const char *prog, int argc, char **argv,
		   struct srv_cfg *cfg, int *ready_fd, unsigned int flags)
{
	int have_proto = 0, have_listen = 0, have_maxreqs = 0;
	uint64_t v;
	int opt;

	*ready_fd = -1;
	cfg->size = 128;
	cfg->ka_timeout_ms = 5000;
	cfg->threads = 1;

	optind = 0;		/* glibc: start over, even after another parse */
	opterr = 0;		/* peer_getopt_error() says it our way */
	while ((opt = getopt_long(argc, argv, "", srv_options, NULL)) != -1) {
		switch (opt) {
		case OPT_PROTO:
			if (strcmp(optarg, "h1") == 0)
				cfg->proto = SRV_PROTO_H1;
			else if (strcmp(optarg, "h2") == 0)
				cfg->proto = SRV_PROTO_H2;
			else if (strcmp(optarg, "fcgi") == 0)
				cfg->proto = SRV_PROTO_FCGI;
			else {
				fprintf(stderr, "%s: unknown --proto '%s' "
					"(h1, h2 or fcgi)\n", prog, optarg);
				return PEER_ARGS_BAD;
			}
			have_proto = 1;
			break;
		case OPT_LISTEN:
			if (peer_parse_addr(optarg, &cfg->addr) < 0) {
				fprintf(stderr, "%s: bad --listen '%s' "
					"(want 127.0.0.1:PORT)\n", prog,
					optarg);
				return PEER_ARGS_BAD;
			}
			have_listen = 1;
			break;
		case OPT_SIZE:
			if (peer_parse_num(prog, "size", optarg, 0,
					   HTTP_MAX_BODY, &cfg->size) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_DELAY:
			if (peer_parse_num(prog, "delay", optarg, 0, 600000,
					   &cfg->delay_ms) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_KA:
			if (peer_parse_num(prog, "keepalive-timeout", optarg,
					   0, 86400000,
					   &cfg->ka_timeout_ms) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_MAXREQ:
			if (peer_parse_num(prog, "max-requests", optarg, 0,
					   UINT32_MAX,
					   &cfg->max_requests) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_PING:
			if (peer_parse_num(prog, "ping", optarg, 0, 86400000,
					   &cfg->ping_ms) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_MPXS:
			if (peer_parse_num(prog, "mpxs", optarg, 0, 1, &v) < 0)
				return PEER_ARGS_BAD;
			cfg->mpxs = (int)v;
			break;
		case OPT_MAXREQS:
			if (peer_parse_num(prog, "max-reqs", optarg, 1, 65535,
					   &cfg->max_reqs) < 0)
				return PEER_ARGS_BAD;
			have_maxreqs = 1;
			break;
		case OPT_THREADS:
			if (peer_parse_num(prog, "threads", optarg, 1,
					   MAX_THREADS, &v) < 0)
				return PEER_ARGS_BAD;
			cfg->threads = (int)v;
			break;
		case OPT_READY:
			if (peer_parse_num(prog, "ready-fd", optarg, 0, 65535,
					   &v) < 0)
				return PEER_ARGS_BAD;
			*ready_fd = (int)v;
			if (!(flags & PEER_ARGS_CHECK) &&
			    fcntl(*ready_fd, F_GETFD) < 0) {
				fprintf(stderr, "%s: --ready-fd %d is not "
					"open\n", prog, *ready_fd);
				return PEER_ARGS_BAD;
			}
			break;
		case OPT_QUIET:
			cfg->quiet = 1;
			break;
		case OPT_VERBOSE:
			cfg->verbose = 1;
			break;
		case OPT_HELP:
			if (flags & PEER_ARGS_CHECK) {
				fprintf(stderr, "%s: --help only prints the "
					"usage\n", prog);
				return PEER_ARGS_BAD;
			}
			return PEER_ARGS_HELP;
		default:
			peer_getopt_error(prog, argv);
			return PEER_ARGS_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		return PEER_ARGS_BAD;
	}
	if (!have_proto || !have_listen) {
		fprintf(stderr, "%s: --proto and --listen are required\n",
			prog);
		return PEER_ARGS_USAGE;
	}
	if (!have_maxreqs)
		cfg->max_reqs = cfg->mpxs ? 100 : 1;
	if (cfg->ping_ms && cfg->proto != SRV_PROTO_H2) {
		fprintf(stderr, "%s: --ping is for --proto h2 only\n", prog);
		return PEER_ARGS_BAD;
	}
	return PEER_ARGS_OK;
}

/* See peer_args.h. */
int peer_server_check_args(const char *prefix, int argc, char **argv)
{
	struct srv_cfg cfg;
	int ready_fd;

	memset(&cfg, 0, sizeof(cfg));
	return srv_parse_args(prefix, argc, argv, &cfg, &ready_fd,
			      PEER_ARGS_CHECK) == PEER_ARGS_OK ? 0 : -1;
}
