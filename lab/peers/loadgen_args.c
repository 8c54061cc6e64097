/*
 * loadgen_args.c - loadgen's command line: its one option table and the
 * function that parses it, used by loadgen itself and by muxlab to check
 * "#@lab load" lines (peer_args.h). No I/O besides error messages.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"
#include "peer_args.h"

enum {
	OPT_PROTO = 1, OPT_TARGET, OPT_CONNS, OPT_CONC, OPT_RATE, OPT_DUR,
	OPT_REQS, OPT_PATH, OPT_PHASES, OPT_SEED, OPT_TIMEOUT, OPT_CHECK,
	OPT_JSON, OPT_QUIET, OPT_HELP,
};

/* Every option loadgen knows; its usage() describes them. */
static const struct option lg_options[] = {
	{ "proto",	 required_argument, NULL, OPT_PROTO },
	{ "target",	 required_argument, NULL, OPT_TARGET },
	{ "connections", required_argument, NULL, OPT_CONNS },
	{ "concurrency", required_argument, NULL, OPT_CONC },
	{ "rate",	 required_argument, NULL, OPT_RATE },
	{ "duration",	 required_argument, NULL, OPT_DUR },
	{ "requests",	 required_argument, NULL, OPT_REQS },
	{ "path",	 required_argument, NULL, OPT_PATH },
	{ "phases",	 required_argument, NULL, OPT_PHASES },
	{ "seed",	 required_argument, NULL, OPT_SEED },
	{ "timeout",	 required_argument, NULL, OPT_TIMEOUT },
	{ "check-body",	 no_argument,	    NULL, OPT_CHECK },
	{ "json",	 no_argument,	    NULL, OPT_JSON },
	{ "quiet",	 no_argument,	    NULL, OPT_QUIET },
	{ "help",	 no_argument,	    NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* A non-negative decimal number, fractions allowed (--rate, --duration). */
static int parse_real(const char *prog, const char *opt, const char *s,
		      double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > max) {
		fprintf(stderr, "%s: bad value for --%s: '%s'\n", prog, opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* "A:P[@W],A:P[@W]..." into cfg->targets. */
static int parse_targets(const char *prog, struct lg_cfg *cfg,
			 const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int ret = -1;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct lg_target *t;
		char *at = strchr(tok, '@');
		uint64_t w = 1;

		if (cfg->nb_targets == LG_MAX_TARGETS) {
			fprintf(stderr, "%s: at most %d targets\n", prog,
				LG_MAX_TARGETS);
			goto out;
		}
		t = &cfg->targets[cfg->nb_targets];
		if (at) {
			*at = 0;
			if (peer_parse_num(prog, "target weight", at + 1, 1,
					   1000, &w) < 0)
				goto out;
		}
		if (peer_parse_addr(tok, &t->addr) < 0 ||
		    t->addr.sin_port == 0) {
			fprintf(stderr, "%s: bad target '%s' (want "
				"127.0.0.1:PORT[@WEIGHT])\n", prog, tok);
			goto out;
		}
		peer_addr_str(&t->addr, t->addr_str, sizeof(t->addr_str));
		t->weight = (unsigned int)w;
		cfg->nb_targets++;
	}
	ret = cfg->nb_targets ? 0 : -1;
	if (ret < 0)
		fprintf(stderr, "%s: empty --target\n", prog);
out:
	free(copy);
	return ret;
}

/*
 * lg_parse_args - parse loadgen's command line
 *
 * @prog: prefix of the error messages ("loadgen")
 * @argc, @argv: the command line (getopt may reorder argv)
 * @cfg: filled in; must be zeroed by the caller
 * @flags: PEER_ARGS_CHECK for muxlab: --help is refused
 *
 * Returns a PEER_ARGS_* code; errors are printed on stderr. Not
 * thread-safe (getopt's globals).
 */
int lg_parse_args(const char *prog, int argc, char **argv,
		  struct lg_cfg *cfg, unsigned int flags)
{
	int have_proto = 0, have_dur = 0;
	double dur = 10;
	uint64_t v;
	int opt;

	cfg->connections = 10;
	cfg->concurrency = 1;
	cfg->seed = 1;
	cfg->timeout_ms = 5000;
	strcpy(cfg->path, "/");

	optind = 0;		/* glibc: start over, even after another parse */
	opterr = 0;		/* peer_getopt_error() says it our way */
	while ((opt = getopt_long(argc, argv, "", lg_options, NULL)) != -1) {
		switch (opt) {
		case OPT_PROTO:
			if (strcmp(optarg, "h1") == 0)
				cfg->proto = LG_PROTO_H1;
			else if (strcmp(optarg, "h2") == 0)
				cfg->proto = LG_PROTO_H2;
			else {
				fprintf(stderr, "%s: unknown --proto '%s' "
					"(h1 or h2)\n", prog, optarg);
				return PEER_ARGS_BAD;
			}
			have_proto = 1;
			break;
		case OPT_TARGET:
			if (parse_targets(prog, cfg, optarg) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_CONNS:
			if (peer_parse_num(prog, "connections", optarg, 1,
					   10000, &v) < 0)
				return PEER_ARGS_BAD;
			cfg->connections = (int)v;
			break;
		case OPT_CONC:
			if (peer_parse_num(prog, "concurrency", optarg, 1,
					   1000, &v) < 0)
				return PEER_ARGS_BAD;
			cfg->concurrency = (int)v;
			break;
		case OPT_RATE:
			if (parse_real(prog, "rate", optarg, 10000000,
				       &cfg->rate) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_DUR:
			if (parse_real(prog, "duration", optarg, 86400,
				       &dur) < 0)
				return PEER_ARGS_BAD;
			have_dur = 1;
			break;
		case OPT_REQS:
			if (peer_parse_num(prog, "requests", optarg, 1,
					   UINT64_MAX / 2, &cfg->requests) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_PATH:
			if (optarg[0] != '/' ||
			    strlen(optarg) >= sizeof(cfg->path) ||
			    strpbrk(optarg, " \r\n\t")) {
				fprintf(stderr, "%s: bad --path '%s' (must "
					"start with '/', no spaces)\n", prog,
					optarg);
				return PEER_ARGS_BAD;
			}
			strcpy(cfg->path, optarg);
			break;
		case OPT_PHASES:
			if (peer_parse_num(prog, "phases", optarg, 1,
					   86400000, &cfg->phases_ms) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_SEED:
			if (peer_parse_num(prog, "seed", optarg, 0, UINT64_MAX,
					   &cfg->seed) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_TIMEOUT:
			if (peer_parse_num(prog, "timeout", optarg, 1,
					   3600000, &cfg->timeout_ms) < 0)
				return PEER_ARGS_BAD;
			break;
		case OPT_CHECK:
			cfg->check_body = 1;
			break;
		case OPT_JSON:
			cfg->json = 1;
			break;
		case OPT_QUIET:
			cfg->quiet = 1;
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
	if (!have_proto || !cfg->nb_targets) {
		fprintf(stderr, "%s: --proto and --target are required\n",
			prog);
		return PEER_ARGS_USAGE;
	}
	if (cfg->proto == LG_PROTO_H1 && cfg->concurrency > 1) {
		fprintf(stderr, "%s: --concurrency is for h2; h1 keeps one "
			"request per connection (use --connections)\n", prog);
		return PEER_ARGS_BAD;
	}
	if (have_dur && dur == 0 && !cfg->requests) {
		fprintf(stderr, "%s: --duration 0 needs --requests\n", prog);
		return PEER_ARGS_BAD;
	}
	cfg->duration_ms = (uint64_t)llround(dur * 1000);
	if (cfg->connections < cfg->nb_targets) {
		fprintf(stderr, "%s: %d connection(s) for %d targets: each "
			"target needs one at least\n", prog, cfg->connections,
			cfg->nb_targets);
		return PEER_ARGS_BAD;
	}
	return PEER_ARGS_OK;
}

/* See peer_args.h. */
int loadgen_check_args(const char *prefix, int argc, char **argv)
{
	struct lg_cfg *cfg = calloc(1, sizeof(*cfg));	/* ~500 kB */
	int ret;

	if (!cfg) {
		fprintf(stderr, "%s: out of memory\n", prefix);
		return -1;
	}
	ret = lg_parse_args(prefix, argc, argv, cfg, PEER_ARGS_CHECK);
	free(cfg);
	return ret == PEER_ARGS_OK ? 0 : -1;
}
