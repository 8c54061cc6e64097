/*
 * cfg.c - the scenario parser: a haproxy.cfg subset plus "#@lab" lines.
 *
 * A scenario is a file real HAProxy accepts (`haproxy -c -f FILE`), so the
 * same file can drive HAProxy in the comparison benchmark. The parser reads
 * it line by line like HAProxy's cfgparse.c does: a line is split into
 * words, the first word either opens a section (global, defaults, frontend,
 * backend, fcgi-app) or is a keyword of the current section.
 *
 * Lab-only knobs live in comment lines that start with "#@lab" (HAProxy
 * skips them as comments): duration, mode, seed, bug, and the embedded
 * peers and load generators main() starts around the engine.
 *
 * The parser is strict on purpose: a keyword it does not implement is an
 * error, because a silently ignored "option http-server-close" would make
 * a student believe the lab models something it does not. The few
 * directives accepted and ignored (logging, process management, TLS
 * defaults) are in the ignore lists below and in docs/scenarios.md.
 *
 * Every error is printed as "FILE:LINE: message" and makes cfg_parse()
 * return -1; main() then exits with status 1. Main thread only, before the
 * engine threads exist, so nothing here locks.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cfg.h"
#include "http_msg-t.h"
#include "../lab/peers/peer_args.h"
#include "lab.h"
#include "listener.h"
#include "server.h"
#include "thread-t.h"

struct cfg global_cfg;

#define CFG_MAX_ARGS	64
#define CFG_MAX_LINE	4096

enum section {
	SEC_NONE = 0,
	SEC_GLOBAL,
	SEC_DEFAULTS,
	SEC_FRONTEND,
	SEC_BACKEND,
	SEC_FCGI_APP,
};

/* An "fcgi-app" section: only what the FastCGI mux needs. */
struct fcgi_app {
	char *name;
	char *docroot;
	char *index;
	int keep_conn;			/* option keep-conn */
	int mpxs_conns;			/* option mpxs-conns */
	int conf_line;
	struct fcgi_app *next;
};

/* A name used before it may be declared (default_backend, use-fcgi-app),
 * resolved once the whole file is read. */
struct cfg_ref {
	struct proxy *px;		/* who refers */
	char *name;			/* to what */
	int line;
	struct cfg_ref *next;
};

/* What the defaults section hands to every proxy declared after it. */
struct cfg_defaults {
	enum reuse_mode reuse;
	unsigned int timeout_client;
	unsigned int timeout_server;
	unsigned int timeout_connect;
	unsigned int timeout_http_ka;
	unsigned int timeout_http_req;
	int retries;			/* CFG_DEF_RETRIES unless set */
	int maxconn;			/* frontends' maxconn, 0 = unset */
	char *default_backend;		/* owned here */
	int defbe_line;
};

struct cfg_ctx {
	struct cfg *cfg;
	const char *file;
	int line;
	enum section sec;
	struct proxy *px;		/* current frontend / backend */
	struct proxy **px_tail;		/* end of cfg->proxies */
	struct fcgi_app *app;		/* current fcgi-app */
	struct fcgi_app *apps;
	struct cfg_defaults def;
	struct cfg_ref *defbe_refs;	/* default_backend of frontends */
	struct cfg_ref *fcgi_refs;	/* use-fcgi-app of backends */
	int nbthread_line;		/* where nbthread was set, 0 if not */
};

/* Directives accepted and ignored, per section: they change nothing the
 * lab models. Anything else unknown is an error. Keep in sync with
 * docs/scenarios.md ("Accepted and ignored"). */
static const char *const ignored_global[] = {
	"log", "log-tag", "log-send-hostname", "daemon", "master-worker",
	"user", "group", "uid", "gid", "chroot", "pidfile", "stats", "node",
	"description", "ca-base", "crt-base", "ssl-default-bind-ciphers",
	"ssl-default-bind-ciphersuites", "ssl-default-bind-options",
	"ssl-default-server-ciphers", "ssl-default-server-ciphersuites",
	"ssl-default-server-options", NULL
};

static const char *const ignored_proxy[] = {	/* defaults/frontend/backend */
	"log", "errorfile", "description", NULL
};

static const char *const ignored_options[] = {	/* "option X" */
	"httplog", "dontlognull", "log-separate-errors", "dontlog-normal",
	NULL
};

/* ------------------------------------------------------------ utilities */

/* Print "FILE:LINE: message" and return -1, so that callers can write
 * "return cfg_err(ctx, ...)". */
static int __attribute__((format(printf, 2, 3)))
cfg_err(const struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", ctx->file, ctx->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Same, at an explicit line (for checks made after the whole file). */
static int __attribute__((format(printf, 3, 4)))
cfg_err_at(const struct cfg_ctx *ctx, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", ctx->file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int in_list(const char *const *list, const char *word)
{
	for (; *list; list++)
		if (strcmp(*list, word) == 0)
			return 1;
	return 0;
}

/* strdup() that reports failure through the parser's error path. */
static char *cfg_strdup(const struct cfg_ctx *ctx, const char *s)
{
	char *d = strdup(s);

	if (!d)
		cfg_err(ctx, "out of memory");
	return d;
}

/*
 * Split <line> in place into at most CFG_MAX_ARGS words. Words are
 * separated by blanks; a '#' outside quotes starts a comment; double or
 * single quotes group blanks into one word; a backslash escapes the next
 * character (HAProxy's rules, minus environment variables). Returns the
 * number of words or -1 (message printed).
 */
static int cfg_split(const struct cfg_ctx *ctx, char *line, char **args)
{
	char *in = line, *out = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
			in++;
		if (!*in || *in == '#')
			break;
		if (n == CFG_MAX_ARGS)
			return cfg_err(ctx, "too many words on the line (max %d)",
				       CFG_MAX_ARGS);
		args[n++] = out;
		while (*in) {
			if (quote) {
				if (*in == quote) {
					quote = 0;
					in++;
					continue;
				}
			} else if (*in == '"' || *in == '\'') {
				quote = *in++;
				continue;
			} else if (*in == ' ' || *in == '\t' || *in == '\r' ||
				   *in == '\n' || *in == '#') {
				break;
			}
			if (*in == '\\' && quote != '\'' && in[1])
				in++;
			*out++ = *in++;
		}
		if (quote)
			return cfg_err(ctx, "unterminated quote");
		/* <out> never passes <in>, so this cannot clobber input */
		if (*in == '#') {
			*out = 0;
			break;
		}
		if (*in)
			in++;
		*out++ = 0;
	}
	*out = 0;
	return n;
}

/* Parse a decimal integer in [min, max] from the whole of <s>. */
static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parse a HAProxy time value into milliseconds: a decimal integer with an
 * optional unit us, ms, s, m, h or d (no unit = ms, HAProxy's default for
 * timeouts). "us" values are rounded up to the next ms. Returns 0, or -1
 * if malformed or above UINT_MAX ms. Pure function.
 */
int cfg_parse_time_ms(const char *s, unsigned int *ms)
{
	unsigned long long v, mul, div = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (!*end || strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "us") == 0)
		mul = 1, div = 1000;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mul = 86400ULL * 1000;
	else
		return -1;
	if (v > UINT_MAX / mul)
		return -1;
	v = (v * mul + div - 1) / div;
	if (v > UINT_MAX)
		return -1;
	*ms = (unsigned int)v;
	return 0;
}

/*
 * Parse "ADDR:PORT" into <ss>. ADDR is an IPv4 address, "[IPv6]", a host
 * name resolved now (IPv4 first), or, when <is_bind>, empty or "*" for
 * any address. PORT is 1..65535. Returns 0, or -1 with a message.
 */
static int parse_addr(const struct cfg_ctx *ctx, const char *str, int is_bind,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon;
	long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(str, ':');
	if (!colon)
		return cfg_err(ctx, "'%s': expected ADDRESS:PORT", str);
	if (parse_int(colon + 1, 1, 65535, &port) < 0)
		return cfg_err(ctx, "'%s': bad port (1..65535)", str);
	hlen = colon - str;
	if (hlen >= sizeof(host))
		return cfg_err(ctx, "'%s': address too long", str);
	memcpy(host, str, hlen);
	host[hlen] = 0;

	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[hlen - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return cfg_err(ctx, "'%s': bad IPv6 address", str);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}

	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof(*s4);
	if (!*host || strcmp(host, "*") == 0) {
		if (!is_bind)
			return cfg_err(ctx, "'%s': a server needs an address",
				       str);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
		return 0;

	/* a name: resolved once, now, like HAProxy does at startup */
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int err = getaddrinfo(host, NULL, &hints, &res);

	if (err || !res)
		return cfg_err(ctx, "'%s': cannot resolve '%s': %s", str, host,
			       err ? gai_strerror(err) : "no address");
	s4->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static struct proxy *find_proxy(const struct cfg *cfg, const char *name,
				int cap)
{
	struct proxy *px;

	for (px = cfg->proxies; px; px = px->next)
		if ((px->cap & cap) && strcmp(px->id, name) == 0)
			return px;
	return NULL;
}

static struct server *find_server_any(const struct cfg *cfg, const char *name)
{
	struct proxy *px;
	struct server *srv;

	for (px = cfg->proxies; px; px = px->next)
		for (srv = px->srv; srv; srv = srv->next)
			if (strcmp(srv->id, name) == 0)
				return srv;
	return NULL;
}

static int add_ref(struct cfg_ctx *ctx, struct cfg_ref **head,
		   struct proxy *px, const char *name, int line)
{
	struct cfg_ref *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name))) {
		free(r);
		return cfg_err(ctx, "out of memory");
	}
	r->px = px;
	r->line = line;
	r->next = *head;
	*head = r;
	return 0;
}

static void free_refs(struct cfg_ref *r)
{
	while (r) {
		struct cfg_ref *next = r->next;

		free(r->name);
		free(r);
		r = next;
	}
}

/* ------------------------------------------------------------ #@lab lines */

/* Join args[from..n) with single spaces into a new string. */
static char *join_args(char **args, int from, int n)
{
	size_t len = 1;
	char *s, *p;
	int i;

	for (i = from; i < n; i++)
		len += strlen(args[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = 0;
	for (i = from; i < n; i++) {
		if (i > from)
			*p++ = ' ';
		strcpy(p, args[i]);
		p += strlen(args[i]);
	}
	return s;
}

/*
 * Parse a duration for "#@lab duration": seconds as a decimal number
 * ("5", "2.5"), or a number with a unit ms, s or m. Must be > 0.
 */
static int parse_lab_duration(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		v /= 1000.0;
	else if (strcmp(end, "m") == 0)
		v *= 60.0;
	else if (*end && strcmp(end, "s") != 0)
		return -1;
	if (v > 86400.0 * 365)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parse "#@lab delay SITE MICROSECONDS": a delay point of lab.c and how
 * long to wait there, 0 (off) to LAB_DELAY_MAX_US.
 */
static int parse_lab_delay(struct cfg_ctx *ctx, char **args, int n)
{
	enum lab_delay_site site;
	unsigned long v;
	char *end;

	if (n != 4)
		return cfg_err(ctx, "#@lab delay: expected SITE MICROSECONDS "
			       "(sites: %s)", delay_names());
	site = delay_lookup(args[2]);
	if (site == DELAY_COUNT)
		return cfg_err(ctx, "#@lab delay: unknown site '%s' (sites: "
			       "%s)", args[2], delay_names());
	errno = 0;
	v = strtoul(args[3], &end, 10);
	if (!isdigit((unsigned char)args[3][0]) || errno || *end ||
	    v > LAB_DELAY_MAX_US)
		return cfg_err(ctx, "#@lab delay %s: '%s' is not a number of "
			       "microseconds from 0 to %u", args[2], args[3],
			       LAB_DELAY_MAX_US);
	ctx->cfg->delay_us[site] = (unsigned int)v;
	return 0;
}

/*
 * Parse "#@lab wake-idle MILLISECONDS": how often each thread wakes one
 * idle connection per server with no I/O for it (server.c), 1 to
 * LAB_WAKE_IDLE_MAX_MS; 0 = off.
 */
static int parse_lab_wake_idle(struct cfg_ctx *ctx, char **args, int n)
{
	unsigned long v;
	char *end;

	if (n != 3)
		return cfg_err(ctx, "#@lab wake-idle: expected MILLISECONDS");
	errno = 0;
	v = strtoul(args[2], &end, 10);
	if (!isdigit((unsigned char)args[2][0]) || errno || *end ||
	    v > LAB_WAKE_IDLE_MAX_MS)
		return cfg_err(ctx, "#@lab wake-idle: '%s' is not a number of "
			       "milliseconds from 0 to %u", args[2],
			       LAB_WAKE_IDLE_MAX_MS);
	ctx->cfg->wake_idle_ms = (unsigned int)v;
	return 0;
}

/*
 * Would peer-server (<load> 0) or loadgen (<load> 1) start with the options
 * args[0..n)? Asked to the programs' own parsers (lab/peers/peer_args.h),
 * so a typo fails here, at -c time, with "FILE:LINE: #@lab peer NAME:
 * ..." instead of a peer dying at start-up. muxlab's own additions
 * (--ready-fd, --duration, --seed, --quiet) are left out. 0 or -1.
 */
static int check_lab_args(const struct cfg_ctx *ctx, int load,
			  const char *name, char **args, int n)
{
	char *argv[CFG_MAX_ARGS + 2];
	char prefix[PATH_MAX + 200];

	argv[0] = load ? "loadgen" : "peer-server";
	memcpy(argv + 1, args, n * sizeof(*args));
	argv[n + 1] = NULL;
	snprintf(prefix, sizeof(prefix), "%s:%d: #@lab %s%s%s", ctx->file,
		 ctx->line, load ? "load" : "peer", name ? " " : "",
		 name ? name : "");
	if (load)
		return loadgen_check_args(prefix, n + 1, argv);
	return peer_server_check_args(prefix, n + 1, argv);
}

/*
 * One "#@lab KEYWORD ARGS..." line (args[0] is "#@lab"). Keywords:
 * duration, mode, seed, bug, delay, wake-idle, peer, load. See
 * docs/scenarios.md.
 */
static int parse_lab_line(struct cfg_ctx *ctx, char **args, int n)
{
	struct cfg *cfg = ctx->cfg;
	const char *kw = n > 1 ? args[1] : "";

	cfg->has_lab = 1;
	if (n < 2)
		return cfg_err(ctx, "empty #@lab line (expected duration, "
			       "mode, seed, bug, delay, wake-idle, peer or "
			       "load)");

	if (strcmp(kw, "duration") == 0) {
		if (n != 3 || parse_lab_duration(args[2], &cfg->duration) < 0)
			return cfg_err(ctx, "#@lab duration: expected one "
				       "positive number of seconds (e.g. 5, "
				       "2.5, 500ms)");
		return 0;
	}
	if (strcmp(kw, "mode") == 0) {
		if (n != 3)
			return cfg_err(ctx, "#@lab mode: expected usr1 or legacy");
		if (strcmp(args[2], "usr1") == 0)
			cfg->mode = MODE_USR1;
		else if (strcmp(args[2], "legacy") == 0)
			cfg->mode = MODE_LEGACY;
		else
			return cfg_err(ctx, "#@lab mode: '%s' is not usr1 or "
				       "legacy", args[2]);
		return 0;
	}
	if (strcmp(kw, "seed") == 0) {
		char *end;

		if (n != 3 || !isdigit((unsigned char)args[2][0]))
			return cfg_err(ctx, "#@lab seed: expected one unsigned "
				       "integer");
		errno = 0;
		cfg->seed = strtoull(args[2], &end, 0);
		if (errno || *end)
			return cfg_err(ctx, "#@lab seed: '%s' is not an unsigned "
				       "64-bit integer", args[2]);
		cfg->seed_set = 1;
		return 0;
	}
	if (strcmp(kw, "bug") == 0) {
		if (n != 3)
			return cfg_err(ctx, "#@lab bug: expected one bug name "
				       "(muxlab --list-bugs)");
		if (bug_lookup(args[2]) == BUG_COUNT)
			return cfg_err(ctx, "#@lab bug: unknown bug '%s' "
				       "(muxlab --list-bugs)", args[2]);
		free(cfg->bug);
		if (!(cfg->bug = cfg_strdup(ctx, args[2])))
			return -1;
		return 0;
	}
	if (strcmp(kw, "delay") == 0)
		return parse_lab_delay(ctx, args, n);
	if (strcmp(kw, "wake-idle") == 0)
		return parse_lab_wake_idle(ctx, args, n);
	if (strcmp(kw, "peer") == 0) {
		struct lab_peer *p;

		if (n < 4)
			return cfg_err(ctx, "#@lab peer: expected NAME and "
				       "peer-server arguments");
		if (cfg->nb_peers == LAB_MAX_PEERS)
			return cfg_err(ctx, "#@lab peer: too many peers (max %d)",
				       LAB_MAX_PEERS);
		for (int i = 0; i < cfg->nb_peers; i++)
			if (strcmp(cfg->peers[i].name, args[2]) == 0)
				return cfg_err(ctx, "#@lab peer: '%s' already "
					       "declared at line %d", args[2],
					       cfg->peers[i].conf_line);
		if (strncmp(args[3], "--", 2) != 0)
			return cfg_err(ctx, "#@lab peer %s: arguments must be "
				       "peer-server options (--...), got '%s'",
				       args[2], args[3]);
		if (check_lab_args(ctx, 0, args[2], args + 3, n - 3) < 0)
			return -1;
		p = &cfg->peers[cfg->nb_peers];
		p->name = strdup(args[2]);
		p->args = join_args(args, 3, n);
		p->conf_line = ctx->line;
		cfg->nb_peers++;
		if (!p->name || !p->args)
			return cfg_err(ctx, "out of memory");
		return 0;
	}
	if (strcmp(kw, "load") == 0) {
		struct lab_load *l;

		if (n < 3 || strncmp(args[2], "--", 2) != 0)
			return cfg_err(ctx, "#@lab load: expected loadgen "
				       "options (--...)");
		if (check_lab_args(ctx, 1, NULL, args + 2, n - 2) < 0)
			return -1;
		if (cfg->nb_loads == LAB_MAX_LOADS)
			return cfg_err(ctx, "#@lab load: too many loads (max %d)",
				       LAB_MAX_LOADS);
		l = &cfg->loads[cfg->nb_loads++];
		l->args = join_args(args, 2, n);
		l->conf_line = ctx->line;
		if (!l->args)
			return cfg_err(ctx, "out of memory");
		return 0;
	}
	return cfg_err(ctx, "unknown #@lab keyword '%s' (expected duration, "
		       "mode, seed, bug, delay, wake-idle, peer or load)", kw);
}

/* ------------------------------------------------------------- sections */

static void defaults_reset(struct cfg_defaults *d)
{
	free(d->default_backend);
	memset(d, 0, sizeof(*d));
	d->reuse = REUSE_SAFE;		/* HAProxy's default since 2.0 */
	d->retries = CFG_DEF_RETRIES;	/* HAProxy's default */
}

/* Open "frontend NAME" or "backend NAME": a new proxy with the current
 * defaults. */
static int open_proxy(struct cfg_ctx *ctx, char **args, int n, int cap)
{
	const char *what = cap == PR_CAP_FE ? "frontend" : "backend";
	struct proxy *px, *dup;

	if (n != 2)
		return cfg_err(ctx, "'%s' expects exactly one name", what);
	dup = find_proxy(ctx->cfg, args[1], cap);
	if (dup)
		return cfg_err(ctx, "%s '%s' already declared at line %d",
			       what, args[1], dup->conf_line);
	px = calloc(1, sizeof(*px));
	if (!px)
		return cfg_err(ctx, "out of memory");
	/* linked first, so that cfg_free() releases it whatever happens */
	*ctx->px_tail = px;
	ctx->px_tail = &px->next;
	px->cap = cap;
	px->conf_line = ctx->line;
	if (!(px->id = cfg_strdup(ctx, args[1])) ||
	    !(px->conf_file = cfg_strdup(ctx, ctx->file)))
		return -1;
	px->reuse = ctx->def.reuse;
	px->timeout_client = ctx->def.timeout_client;
	px->timeout_server = ctx->def.timeout_server;
	px->timeout_connect = ctx->def.timeout_connect;
	px->timeout_http_ka = ctx->def.timeout_http_ka;
	px->timeout_http_req = ctx->def.timeout_http_req;
	px->retries = ctx->def.retries;
	if (cap & PR_CAP_FE)
		px->maxconn = ctx->def.maxconn;
	if (cap == PR_CAP_FE && ctx->def.default_backend) {
		if (!(px->default_backend =
		      cfg_strdup(ctx, ctx->def.default_backend)))
			return -1;
		if (add_ref(ctx, &ctx->defbe_refs, px, px->default_backend,
			    ctx->def.defbe_line) < 0)
			return -1;
	}
	ctx->px = px;
	ctx->sec = cap == PR_CAP_FE ? SEC_FRONTEND : SEC_BACKEND;
	return 0;
}

static int open_fcgi_app(struct cfg_ctx *ctx, char **args, int n)
{
	struct fcgi_app *app;

	if (n != 2)
		return cfg_err(ctx, "'fcgi-app' expects exactly one name");
	for (app = ctx->apps; app; app = app->next)
		if (strcmp(app->name, args[1]) == 0)
			return cfg_err(ctx, "fcgi-app '%s' already declared at "
				       "line %d", args[1], app->conf_line);
	app = calloc(1, sizeof(*app));
	if (!app)
		return cfg_err(ctx, "out of memory");
	app->next = ctx->apps;
	ctx->apps = app;
	app->conf_line = ctx->line;
	if (!(app->name = cfg_strdup(ctx, args[1])))
		return -1;
	ctx->app = app;
	ctx->sec = SEC_FCGI_APP;
	return 0;
}

/*
 * "stats socket PATH [mode OCTAL] [level user|operator|admin] ...": the
 * control socket, HAProxy's syntax (cli.c serves it). A unix socket path
 * only. user/group/uid/gid and "expose-fd listeners" are accepted and
 * ignored (they change nothing the lab models); any other word is an
 * error, as in HAProxy.
 */
static int parse_stats_socket(struct cfg_ctx *ctx, char **args, int n)
{
	struct cfg *cfg = ctx->cfg;
	int i;

	if (n < 3)
		return cfg_err(ctx, "'stats socket' expects a path (a unix "
			       "socket, e.g. /tmp/muxlab.sock)");
	if (cfg->cli_path)
		return cfg_err(ctx, "'stats socket': muxlab serves one control "
			       "socket, already declared at line %d",
			       cfg->cli_line);
	if (strchr(args[2], '@') || strchr(args[2], ':'))
		return cfg_err(ctx, "'stats socket %s': muxlab serves the "
			       "control socket on a unix socket path only",
			       args[2]);
	if (strlen(args[2]) >= 108)
		return cfg_err(ctx, "'stats socket': the path is %zu bytes "
			       "long, a unix socket path holds at most 107",
			       strlen(args[2]));
	cfg->cli_mode = -1;
	cfg->cli_level = CLI_LEVEL_USER;
	for (i = 3; i < n; i++) {
		if (strcmp(args[i], "mode") == 0 && i + 1 < n) {
			char *end;
			long m = strtol(args[++i], &end, 8);

			if (*end || !*args[i] || m < 0 || m > 0777)
				return cfg_err(ctx, "'stats socket': mode "
					       "expects octal permissions "
					       "(e.g. 600), not '%s'", args[i]);
			cfg->cli_mode = (int)m;
		} else if (strcmp(args[i], "level") == 0 && i + 1 < n) {
			i++;
			if (strcmp(args[i], "user") == 0)
				cfg->cli_level = CLI_LEVEL_USER;
			else if (strcmp(args[i], "operator") == 0)
				cfg->cli_level = CLI_LEVEL_OPERATOR;
			else if (strcmp(args[i], "admin") == 0)
				cfg->cli_level = CLI_LEVEL_ADMIN;
			else
				return cfg_err(ctx, "'stats socket': level "
					       "is user, operator or admin, "
					       "not '%s'", args[i]);
		} else if ((strcmp(args[i], "user") == 0 ||
			    strcmp(args[i], "group") == 0 ||
			    strcmp(args[i], "uid") == 0 ||
			    strcmp(args[i], "gid") == 0) && i + 1 < n) {
			i++;		/* accepted, ignored */
		} else if (strcmp(args[i], "expose-fd") == 0 && i + 1 < n &&
			   strcmp(args[i + 1], "listeners") == 0) {
			i++;		/* accepted, ignored */
		} else {
			return cfg_err(ctx, "'stats socket': unknown keyword "
				       "'%s' (muxlab knows mode and level)",
				       args[i]);
		}
	}
	cfg->cli_line = ctx->line;
	cfg->cli_path = cfg_strdup(ctx, args[2]);
	return cfg->cli_path ? 0 : -1;
}

static int parse_global(struct cfg_ctx *ctx, char **args, int n)
{
	long v;

	if (strcmp(args[0], "nbthread") == 0) {
		if (n != 2 || parse_int(args[1], 1, MAX_THREADS, &v) < 0)
			return cfg_err(ctx, "nbthread: expected an integer "
				       "between 1 and %d", MAX_THREADS);
		ctx->cfg->nbthread = v;
		ctx->nbthread_line = ctx->line;
		return 0;
	}
	if (strcmp(args[0], "maxconn") == 0) {
		if (n != 2 || parse_int(args[1], 1, INT_MAX, &v) < 0)
			return cfg_err(ctx, "maxconn: expected a positive "
				       "integer");
		ctx->cfg->maxconn = v;
		return 0;
	}
	if (strcmp(args[0], "tune.bufsize") == 0) {
		/* the size of a body buffer: how much of a message body a
		 * stream holds in each direction (HAProxy's buffers hold
		 * headers too; here the headers are held apart) */
		if (n != 2 || parse_int(args[1], HTTP_BUFSIZE_MIN,
					HTTP_BUFSIZE_MAX, &v) < 0)
			return cfg_err(ctx, "tune.bufsize: expected a size in "
				       "bytes between %d and %d",
				       HTTP_BUFSIZE_MIN, HTTP_BUFSIZE_MAX);
		ctx->cfg->bufsize = v;
		return 0;
	}
	if (strcmp(args[0], "stats") == 0 && n >= 2 &&
	    strcmp(args[1], "socket") == 0)
		return parse_stats_socket(ctx, args, n);
	if (in_list(ignored_global, args[0]))
		return 0;
	return cfg_err(ctx, "unknown keyword '%s' in global section "
		       "(muxlab knows nbthread, maxconn and tune.bufsize; see "
		       "docs/scenarios.md)", args[0]);
}

/*
 * Keywords shared by defaults, frontend and backend. Values go into the
 * current proxy, or into the defaults when <px> is NULL. Returns 1 if the
 * keyword was handled, 0 if it is not a common keyword, -1 on error.
 */
static int parse_proxy_common(struct cfg_ctx *ctx, struct proxy *px,
			      char **args, int n)
{
	struct cfg_defaults *d = &ctx->def;
	const char *kw = args[0];
	long v;

	if (strcmp(kw, "mode") == 0) {
		if (n != 2 || strcmp(args[1], "http") != 0)
			return cfg_err(ctx, "mode: muxlab only models 'mode "
				       "http'");
		return 1;
	}
	if (strcmp(kw, "timeout") == 0) {
		unsigned int ms, *dst;

		if (n != 3)
			return cfg_err(ctx, "timeout: expected 'timeout NAME "
				       "VALUE'");
		if (strcmp(args[1], "connect") == 0)
			dst = px ? &px->timeout_connect : &d->timeout_connect;
		else if (strcmp(args[1], "client") == 0)
			dst = px ? &px->timeout_client : &d->timeout_client;
		else if (strcmp(args[1], "server") == 0)
			dst = px ? &px->timeout_server : &d->timeout_server;
		else if (strcmp(args[1], "http-keep-alive") == 0)
			dst = px ? &px->timeout_http_ka : &d->timeout_http_ka;
		else if (strcmp(args[1], "http-request") == 0)
			dst = px ? &px->timeout_http_req : &d->timeout_http_req;
		else
			return cfg_err(ctx, "timeout '%s' is not modelled "
				       "(connect, client, server, "
				       "http-keep-alive, http-request)", args[1]);
		if (cfg_parse_time_ms(args[2], &ms) < 0 || ms == 0)
			return cfg_err(ctx, "timeout %s: bad time '%s' (e.g. "
				       "500ms, 5s, 1m)", args[1], args[2]);
		*dst = ms;
		return 1;
	}
	if (strcmp(kw, "http-reuse") == 0) {
		enum reuse_mode r;

		if (n != 2)
			goto bad_reuse;
		if (strcmp(args[1], "never") == 0)
			r = REUSE_NEVER;
		else if (strcmp(args[1], "safe") == 0)
			r = REUSE_SAFE;
		else if (strcmp(args[1], "aggressive") == 0)
			r = REUSE_AGGRESSIVE;
		else if (strcmp(args[1], "always") == 0)
			r = REUSE_ALWAYS;
		else
			goto bad_reuse;
		if (px)
			px->reuse = r;
		else
			d->reuse = r;
		return 1;
bad_reuse:
		return cfg_err(ctx, "http-reuse: expected never, safe, "
			       "aggressive or always");
	}
	if (strcmp(kw, "option") == 0) {
		if (n != 2)
			return cfg_err(ctx, "option: expected one option name");
		if (strcmp(args[1], "http-keep-alive") == 0)
			return 1;	/* the only mode muxlab implements */
		if (in_list(ignored_options, args[1]))
			return 1;
		return cfg_err(ctx, "option '%s' is not modelled by muxlab "
			       "(http-keep-alive is the only connection "
			       "mode)", args[1]);
	}
	if (strcmp(kw, "retries") == 0) {
		/* HAProxy: how many times a request is sent again; here
		 * only a request the server did not process (src/stream.c),
		 * which HAProxy's retry-on would call empty-response and
		 * refused streams */
		if (n != 2 || parse_int(args[1], 0, 100, &v) < 0)
			return cfg_err(ctx, "retries: expected an integer "
				       "from 0 to 100");
		if (!px)
			d->retries = (int)v;
		else
			px->retries = (int)v;
		return 1;
	}
	if (strcmp(kw, "maxconn") == 0) {
		/* a frontend's concurrent connections (src/maxconn.c); in a
		 * backend HAProxy ignores it with a warning (fullconn and
		 * the servers' maxconn are what count there): here too,
		 * silently */
		if (n != 2 || parse_int(args[1], 1, INT_MAX, &v) < 0)
			return cfg_err(ctx, "maxconn: expected a positive "
				       "integer");
		if (!px)
			d->maxconn = (int)v;
		else if (px->cap & PR_CAP_FE)
			px->maxconn = (int)v;
		return 1;
	}
	if (in_list(ignored_proxy, kw))
		return 1;
	return 0;
}

/* "bind ADDR:PORT [thread N|all] [proto h1|h2]" */
static int parse_bind(struct cfg_ctx *ctx, char **args, int n)
{
	struct listener *l, **tail;
	const char *proto = "h1";
	long thr = 0;
	int i;

	if (n < 2)
		return cfg_err(ctx, "bind: expected ADDRESS:PORT");
	l = calloc(1, sizeof(*l));
	if (!l)
		return cfg_err(ctx, "out of memory");
	/* linked first, so that cfg_free() releases it whatever happens */
	for (tail = &ctx->px->listeners; *tail; tail = &(*tail)->next)
		;
	*tail = l;
	for (i = 0; i < MAX_THREADS; i++)
		l->fd[i] = -1;
	l->fe = ctx->px;
	l->thr = -1;
	l->conf_line = ctx->line;
	if (!(l->conf_file = cfg_strdup(ctx, ctx->file)))
		return -1;
	if (parse_addr(ctx, args[1], 1, &l->addr, &l->addrlen) < 0)
		return -1;

	for (i = 2; i < n; i++) {
		if (strcmp(args[i], "thread") == 0 && i + 1 < n) {
			i++;
			if (strcmp(args[i], "all") == 0) {
				thr = 0;
				continue;
			}
			if (parse_int(args[i], 1, MAX_THREADS, &thr) < 0)
				return cfg_err(ctx, "bind: 'thread %s': expected "
					       "a thread number from 1 or "
					       "'all' (ranges are not "
					       "modelled)", args[i]);
		} else if (strcmp(args[i], "proto") == 0 && i + 1 < n) {
			proto = args[++i];
			if (strcmp(proto, "h1") != 0 &&
			    strcmp(proto, "h2") != 0)
				return cfg_err(ctx, "bind: proto '%s': a "
					       "frontend speaks h1 or h2",
					       proto);
		} else {
			return cfg_err(ctx, "bind: unknown or incomplete "
				       "argument '%s' (muxlab knows 'thread "
				       "N' and 'proto h2')", args[i]);
		}
	}
	l->thr = thr ? (int)thr - 1 : -1;	/* 1-based in the file */
	l->mux = mux_lookup(proto);
	if (!l->mux)
		return cfg_err(ctx, "bind: proto %s is not built into this "
			       "muxlab", proto);
	return 0;
}

/* "server NAME ADDR:PORT [pool-max-conn N] [pool-purge-delay T]
 *  [pool-low-conn N] [proto h1|h2|fcgi]" */
static int parse_server(struct cfg_ctx *ctx, char **args, int n)
{
	struct proxy *px = ctx->px;
	struct server *srv, **tail;
	const char *proto = "h1";
	long v;
	int i;

	if (n < 3)
		return cfg_err(ctx, "server: expected NAME ADDRESS:PORT");
	for (srv = px->srv; srv; srv = srv->next)
		if (strcmp(srv->id, args[1]) == 0)
			return cfg_err(ctx, "server '%s' already declared in "
				       "backend '%s'", args[1], px->id);
	srv = srv_new(args[1]);
	if (!srv)
		return cfg_err(ctx, "out of memory");
	for (tail = &px->srv; *tail; tail = &(*tail)->next)
		;
	*tail = srv;
	px->nb_srv++;
	/* srv_new() numbered it: puid 0, 1, ... in file order */
	srv->proxy = px;
	srv->max_idle_conns = -1;
	srv->pool_purge_delay = CFG_DEF_POOL_PURGE;
	srv->low_idle_conns = 0;
	if (parse_addr(ctx, args[2], 0, &srv->addr, &srv->addrlen) < 0)
		return -1;

	for (i = 3; i < n; i++) {
		const char *kw = args[i];
		static const char *const known[] = {
			"pool-max-conn", "pool-purge-delay", "pool-low-conn",
			"proto", NULL
		};

		if (!in_list(known, kw))
			return cfg_err(ctx, "server %s: unknown keyword '%s' "
				       "(muxlab knows pool-max-conn, "
				       "pool-purge-delay, pool-low-conn, "
				       "proto)", srv->id, kw);
		if (i + 1 >= n)
			return cfg_err(ctx, "server %s: '%s' expects a value",
				       srv->id, kw);
		if (strcmp(kw, "pool-max-conn") == 0) {
			if (parse_int(args[++i], -1, INT_MAX, &v) < 0)
				return cfg_err(ctx, "server %s: pool-max-conn: "
					       "expected -1 (unlimited) or a "
					       "count", srv->id);
			srv->max_idle_conns = v;
		} else if (strcmp(kw, "pool-purge-delay") == 0) {
			unsigned int ms;

			if (cfg_parse_time_ms(args[++i], &ms) < 0)
				return cfg_err(ctx, "server %s: "
					       "pool-purge-delay: bad time "
					       "'%s'", srv->id, args[i]);
			srv->pool_purge_delay = ms;
		} else if (strcmp(kw, "pool-low-conn") == 0) {
			if (parse_int(args[++i], 0, INT_MAX, &v) < 0)
				return cfg_err(ctx, "server %s: pool-low-conn: "
					       "expected a count", srv->id);
			srv->low_idle_conns = v;
		} else {	/* proto */
			proto = args[++i];
			if (strcmp(proto, "h1") != 0 &&
			    strcmp(proto, "h2") != 0 &&
			    strcmp(proto, "fcgi") != 0)
				return cfg_err(ctx, "server %s: unknown proto "
					       "'%s' (h1, h2, fcgi)", srv->id,
					       proto);
		}
	}
	srv->mux = mux_lookup(proto);
	if (!srv->mux)
		return cfg_err(ctx, "server %s: proto %s is not built into "
			       "this muxlab", srv->id, proto);
	return 0;
}

static int parse_defaults(struct cfg_ctx *ctx, char **args, int n)
{
	int ret = parse_proxy_common(ctx, NULL, args, n);

	if (ret)
		return ret < 0 ? -1 : 0;
	if (strcmp(args[0], "balance") == 0) {
		if (n != 2 || strcmp(args[1], "roundrobin") != 0)
			return cfg_err(ctx, "balance: muxlab only models "
				       "roundrobin");
		return 0;
	}
	if (strcmp(args[0], "default_backend") == 0) {
		if (n != 2)
			return cfg_err(ctx, "default_backend: expected a name");
		free(ctx->def.default_backend);
		if (!(ctx->def.default_backend = cfg_strdup(ctx, args[1])))
			return -1;
		ctx->def.defbe_line = ctx->line;
		return 0;
	}
	return cfg_err(ctx, "unknown keyword '%s' in defaults section (see "
		       "docs/scenarios.md)", args[0]);
}

static int parse_frontend(struct cfg_ctx *ctx, char **args, int n)
{
	struct proxy *px = ctx->px;
	int ret = parse_proxy_common(ctx, px, args, n);

	if (ret)
		return ret < 0 ? -1 : 0;
	if (strcmp(args[0], "bind") == 0)
		return parse_bind(ctx, args, n);
	if (strcmp(args[0], "default_backend") == 0) {
		struct cfg_ref *r;

		if (n != 2)
			return cfg_err(ctx, "default_backend: expected a name");
		free(px->default_backend);
		if (!(px->default_backend = cfg_strdup(ctx, args[1])))
			return -1;
		/* replaces one inherited from defaults */
		for (r = ctx->defbe_refs; r; r = r->next)
			if (r->px == px)
				break;
		if (r) {
			free(r->name);
			r->line = ctx->line;
			if (!(r->name = cfg_strdup(ctx, args[1])))
				return -1;
			return 0;
		}
		return add_ref(ctx, &ctx->defbe_refs, px, args[1], ctx->line);
	}
	if (strcmp(args[0], "server") == 0 || strcmp(args[0], "balance") == 0 ||
	    strcmp(args[0], "use-fcgi-app") == 0)
		return cfg_err(ctx, "'%s' belongs in a backend section, not in "
			       "frontend '%s'", args[0], px->id);
	return cfg_err(ctx, "unknown keyword '%s' in frontend '%s' (see "
		       "docs/scenarios.md)", args[0], px->id);
}

static int parse_backend(struct cfg_ctx *ctx, char **args, int n)
{
	struct proxy *px = ctx->px;
	int ret = parse_proxy_common(ctx, px, args, n);

	if (ret)
		return ret < 0 ? -1 : 0;
	if (strcmp(args[0], "server") == 0)
		return parse_server(ctx, args, n);
	if (strcmp(args[0], "balance") == 0) {
		if (n != 2 || strcmp(args[1], "roundrobin") != 0)
			return cfg_err(ctx, "balance: muxlab only models "
				       "roundrobin");
		return 0;
	}
	if (strcmp(args[0], "use-fcgi-app") == 0) {
		struct cfg_ref *r;

		if (n != 2)
			return cfg_err(ctx, "use-fcgi-app: expected a name");
		for (r = ctx->fcgi_refs; r; r = r->next)
			if (r->px == px)
				return cfg_err(ctx, "backend '%s' already uses "
					       "fcgi-app '%s' (line %d)", px->id,
					       r->name, r->line);
		return add_ref(ctx, &ctx->fcgi_refs, px, args[1], ctx->line);
	}
	if (strcmp(args[0], "bind") == 0 ||
	    strcmp(args[0], "default_backend") == 0)
		return cfg_err(ctx, "'%s' belongs in a frontend section, not in "
			       "backend '%s'", args[0], px->id);
	return cfg_err(ctx, "unknown keyword '%s' in backend '%s' (see "
		       "docs/scenarios.md)", args[0], px->id);
}

static int parse_fcgi_app(struct cfg_ctx *ctx, char **args, int n)
{
	struct fcgi_app *app = ctx->app;
	char **dst;

	if (strcmp(args[0], "docroot") == 0 || strcmp(args[0], "index") == 0) {
		if (n != 2)
			return cfg_err(ctx, "%s: expected one path", args[0]);
		dst = args[0][0] == 'd' ? &app->docroot : &app->index;
		free(*dst);
		if (!(*dst = cfg_strdup(ctx, args[1])))
			return -1;
		return 0;
	}
	if (strcmp(args[0], "option") == 0 && n == 2) {
		if (strcmp(args[1], "keep-conn") == 0) {
			app->keep_conn = 1;
			return 0;
		}
		if (strcmp(args[1], "mpxs-conns") == 0) {
			app->mpxs_conns = 1;
			return 0;
		}
		/* HAProxy queries the application's FCGI_MAX_CONNS,
		 * MAX_REQS and MPXS_CONNS only with this option; the lab
		 * always does (mux_fcgi.c), so it is accepted as is and a
		 * scenario can ask real HAProxy to multiplex like the lab */
		if (strcmp(args[1], "get-values") == 0)
			return 0;
		return cfg_err(ctx, "fcgi-app %s: option '%s' is not modelled "
			       "(keep-conn, mpxs-conns, get-values)", app->name,
			       args[1]);
	}
	if (strcmp(args[0], "log-stderr") == 0)
		return 0;	/* accepted, FastCGI stderr is not logged */
	return cfg_err(ctx, "unknown keyword '%s' in fcgi-app '%s' (docroot, "
		       "index, option keep-conn|mpxs-conns|get-values, "
		       "log-stderr)",
		       args[0], app->name);
}

/* One line, split into <args>. */
static int parse_line(struct cfg_ctx *ctx, char **args, int n)
{
	const char *kw = args[0];

	if (strcmp(kw, "global") == 0) {
		if (n != 1)
			return cfg_err(ctx, "'global' takes no argument");
		ctx->sec = SEC_GLOBAL;
		return 0;
	}
	if (strcmp(kw, "defaults") == 0) {
		if (n > 2)
			return cfg_err(ctx, "'defaults' takes at most a name");
		/* a new defaults section starts from scratch (HAProxy) */
		defaults_reset(&ctx->def);
		ctx->sec = SEC_DEFAULTS;
		return 0;
	}
	if (strcmp(kw, "frontend") == 0)
		return open_proxy(ctx, args, n, PR_CAP_FE);
	if (strcmp(kw, "backend") == 0)
		return open_proxy(ctx, args, n, PR_CAP_BE);
	if (strcmp(kw, "fcgi-app") == 0)
		return open_fcgi_app(ctx, args, n);
	if (strcmp(kw, "listen") == 0 || strcmp(kw, "peers") == 0 ||
	    strcmp(kw, "resolvers") == 0 || strcmp(kw, "userlist") == 0 ||
	    strcmp(kw, "cache") == 0 || strcmp(kw, "program") == 0 ||
	    strcmp(kw, "ring") == 0 || strcmp(kw, "http-errors") == 0)
		return cfg_err(ctx, "'%s' sections are not modelled by muxlab "
			       "(use frontend + backend)", kw);

	switch (ctx->sec) {
	case SEC_GLOBAL:
		return parse_global(ctx, args, n);
	case SEC_DEFAULTS:
		return parse_defaults(ctx, args, n);
	case SEC_FRONTEND:
		return parse_frontend(ctx, args, n);
	case SEC_BACKEND:
		return parse_backend(ctx, args, n);
	case SEC_FCGI_APP:
		return parse_fcgi_app(ctx, args, n);
	case SEC_NONE:
		break;
	}
	return cfg_err(ctx, "'%s' outside of any section", kw);
}

/* Is this line (leading blanks skipped) a "#@lab" line? */
static int is_lab_line(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return strncmp(p, "#@lab", 5) == 0 &&
	       (p[5] == 0 || isspace((unsigned char)p[5]));
}

/* ---------------------------------------------------- whole-file checks */

/* Everything that needs the whole file: references, thread numbers,
 * defaults for unset timeouts, lab peers matched with servers. */
static int cfg_post_check(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;
	struct proxy *px;
	struct listener *l;
	struct cfg_ref *r;
	struct server *srv;
	int nb_fe = 0;

	for (r = ctx->defbe_refs; r; r = r->next) {
		r->px->defbe = find_proxy(cfg, r->name, PR_CAP_BE);
		if (!r->px->defbe)
			return cfg_err_at(ctx, r->line, "frontend '%s': "
					  "default_backend '%s' is not a "
					  "backend", r->px->id, r->name);
	}

	for (r = ctx->fcgi_refs; r; r = r->next) {
		struct fcgi_app *app;

		for (app = ctx->apps; app; app = app->next)
			if (strcmp(app->name, r->name) == 0)
				break;
		if (!app)
			return cfg_err_at(ctx, r->line, "backend '%s': "
					  "use-fcgi-app '%s': no such fcgi-app",
					  r->px->id, r->name);
		if (!app->docroot)
			return cfg_err_at(ctx, app->conf_line, "fcgi-app '%s': "
					  "'docroot' is mandatory", app->name);
		for (srv = r->px->srv; srv; srv = srv->next) {
			if (!(srv->fcgi_docroot = strdup(app->docroot)) ||
			    (app->index &&
			     !(srv->fcgi_index = strdup(app->index))))
				return cfg_err_at(ctx, r->line, "out of memory");
		}
	}

	for (px = cfg->proxies; px; px = px->next) {
		if (!px->timeout_connect)
			px->timeout_connect = CFG_DEF_TIMEOUT_CONNECT;
		if (!px->timeout_client)
			px->timeout_client = CFG_DEF_TIMEOUT_CLIENT;
		if (!px->timeout_server)
			px->timeout_server = CFG_DEF_TIMEOUT_SERVER;
		if (!px->timeout_http_ka)	/* HAProxy: falls back */
			px->timeout_http_ka = px->timeout_client;

		if (px->cap & PR_CAP_FE) {
			nb_fe++;
			if (!px->listeners)
				return cfg_err_at(ctx, px->conf_line,
						  "frontend '%s' has no 'bind' "
						  "line", px->id);
			if (!px->defbe)
				return cfg_err_at(ctx, px->conf_line,
						  "frontend '%s' has no "
						  "default_backend (muxlab has "
						  "no use_backend rules)",
						  px->id);
			for (l = px->listeners; l; l = l->next)
				if (l->thr >= cfg->nbthread)
					return cfg_err_at(ctx, l->conf_line,
						"bind: thread %d but nbthread "
						"is %d%s", l->thr + 1,
						cfg->nbthread,
						ctx->nbthread_line ? "" :
						" (not set: default 1)");
		}
		if (px->cap & PR_CAP_BE) {
			int has_fcgi = 0;

			for (srv = px->srv; srv; srv = srv->next)
				if (srv->mux == mux_lookup("fcgi"))
					has_fcgi = 1;
			if (has_fcgi) {
				for (r = ctx->fcgi_refs; r; r = r->next)
					if (r->px == px)
						break;
				if (!r)
					return cfg_err_at(ctx, px->conf_line,
						"backend '%s' has 'proto fcgi' "
						"servers but no use-fcgi-app",
						px->id);
			}
		}
	}
	if (!nb_fe)
		return cfg_err_at(ctx, ctx->line, "no frontend: nothing to "
				  "listen on");

	for (int i = 0; i < cfg->nb_peers; i++)
		if (!find_server_any(cfg, cfg->peers[i].name))
			return cfg_err_at(ctx, cfg->peers[i].conf_line,
					  "#@lab peer '%s': no server of that "
					  "name", cfg->peers[i].name);
	return 0;
}

/* --------------------------------------------------------------- entry */

/*
 * Parse <file> into <cfg>. <cfg> is fully overwritten. Creates proxies,
 * listeners (not bound yet) and servers (srv_new(), puid 0, 1, ... in file
 * order). On error prints "FILE:LINE: message" and returns -1; the caller
 * then calls cfg_free(). Main thread, before the engine threads start.
 */
int cfg_parse(const char *file, struct cfg *cfg)
{
	struct cfg_ctx ctx = { 0 };
	char line[CFG_MAX_LINE];
	char *args[CFG_MAX_ARGS];
	struct fcgi_app *app;
	int ret = -1;
	FILE *f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nbthread = 1;
	cfg->mode = -1;
	cfg->seed = CFG_DEF_SEED;
	ctx.cfg = cfg;
	ctx.file = file;
	ctx.px_tail = &cfg->proxies;
	defaults_reset(&ctx.def);

	cfg->file = strdup(file);
	if (!cfg->file) {
		fprintf(stderr, "%s: out of memory\n", file);
		return -1;
	}
	f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", file, strerror(errno));
		goto out;
	}

	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		int n;

		ctx.line++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			cfg_err(&ctx, "line too long (max %d bytes)",
				CFG_MAX_LINE - 2);
			goto out_close;
		}
		if (is_lab_line(line)) {
			/* split what follows '#' as an ordinary line */
			char *p = strchr(line, '#');

			p[0] = ' ';	/* "#@lab" -> " @lab" ... */
			n = cfg_split(&ctx, p, args);
			if (n < 0)
				goto out_close;
			args[0] = "#@lab";
			if (parse_lab_line(&ctx, args, n) < 0)
				goto out_close;
			continue;
		}
		n = cfg_split(&ctx, line, args);
		if (n < 0)
			goto out_close;
		if (n == 0)
			continue;
		if (parse_line(&ctx, args, n) < 0)
			goto out_close;
	}
	if (ferror(f)) {
		cfg_err(&ctx, "read error: %s", strerror(errno));
		goto out_close;
	}
	ctx.line++;	/* "end of file" errors point past the last line */
	if (cfg_post_check(&ctx) < 0)
		goto out_close;
	ret = 0;

out_close:
	fclose(f);
out:
	free(ctx.def.default_backend);
	free_refs(ctx.defbe_refs);
	free_refs(ctx.fcgi_refs);
	while ((app = ctx.apps)) {
		ctx.apps = app->next;
		free(app->name);
		free(app->docroot);
		free(app->index);
		free(app);
	}
	return ret;
}

/*
 * Open the listening sockets of every frontend (listener_bind()). Main
 * thread, after cfg_parse() and fd_init(), before threads start. Returns
 * 0, or -1 (listener_bind() printed why).
 */
int cfg_bind_listeners(struct cfg *cfg)
{
	struct proxy *px;
	struct listener *l;

	for (px = cfg->proxies; px; px = px->next)
		for (l = px->listeners; l; l = l->next)
			if (listener_bind(l) < 0)
				return -1;
	return 0;
}

/*
 * Free what cfg_parse() built: proxies, listeners, lab lines, and every
 * server (srv_free_all()). Listening sockets must already be closed (each
 * thread closes its own in listeners_disable_thread()). Accepts a zeroed
 * cfg. Main thread, after threads_join().
 */
void cfg_free(struct cfg *cfg)
{
	struct proxy *px;
	int i;

	while ((px = cfg->proxies)) {
		struct listener *l;

		cfg->proxies = px->next;
		while ((l = px->listeners)) {
			px->listeners = l->next;
			free(l->conf_file);
			free(l);
		}
		free(px->id);
		free(px->default_backend);
		free(px->conf_file);
		free(px);
	}
	srv_free_all();
	for (i = 0; i < cfg->nb_peers; i++) {
		free(cfg->peers[i].name);
		free(cfg->peers[i].args);
	}
	for (i = 0; i < cfg->nb_loads; i++)
		free(cfg->loads[i].args);
	free(cfg->bug);
	free(cfg->cli_path);
	free(cfg->file);
	memset(cfg, 0, sizeof(*cfg));
}
