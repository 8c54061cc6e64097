/*
 * test_cfg.c - the scenario parser (src/cfg.c).
 *
 * Each case writes a small scenario to a temporary file, parses it and
 * checks what came out: proxies, listeners (thread numbers are 1-based in
 * the file, 0-based in struct listener), servers and their pool settings,
 * the lab lines; or, for a bad file, that the message starts with
 * "FILE:LINE:" at the right line and says something useful. The shipped
 * scenarios must parse too.
 *
 * Exit status 0 when every check passed. One line per failed check, a
 * summary line at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glob.h>

#include "cfg.h"
#include "lab.h"
#include "server.h"

static int checks, failures;
static char tmpdir[] = "/tmp/muxlab-test-cfg.XXXXXX";
static char errbuf[8192];		/* what the last parse printed */

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

/* Write <text> to a fresh file in tmpdir; returns its path (static). */
static const char *write_cfg(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.cfg", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

/* cfg_parse() with stderr captured into errbuf. */
static int parse_capture(const char *path, struct cfg *cfg)
{
	char errpath[256];
	int saved, fd, ret;
	FILE *f;
	size_t n;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fflush(stderr);
	saved = dup(2);
	f = fopen(errpath, "w+");
	if (!f || saved < 0) {
		perror("capture");
		exit(2);
	}
	fd = fileno(f);
	dup2(fd, 2);
	ret = cfg_parse(path, cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, f);
	errbuf[n] = 0;
	fclose(f);
	return ret;
}

static struct proxy *px_by_name(struct cfg *cfg, const char *name, int cap)
{
	struct proxy *px;

	for (px = cfg->proxies; px; px = px->next)
		if ((px->cap & cap) && strcmp(px->id, name) == 0)
			return px;
	return NULL;
}

static struct server *srv_by_name(struct proxy *be, const char *name)
{
	struct server *srv;

	for (srv = be ? be->srv : NULL; srv; srv = srv->next)
		if (strcmp(srv->id, name) == 0)
			return srv;
	return NULL;
}

/* ------------------------------------------------------------ good files */

static const char *good_cfg =
	"# a comment\n"
	"#@lab duration 2.5\n"
	"#@lab mode legacy\n"
	"#@lab seed 0x2a\n"
	"#@lab bug no-usr1-set\n"
	"#@lab peer s1 --proto h1 --listen 127.0.0.1:19901 --size 64\n"
	"#@lab load --proto h1 --target 127.0.0.1:18901@3,127.0.0.1:18902 "
	"--connections 4\n"
	"global\n"
	"\tnbthread 3\n"
	"\tmaxconn 500\n"
	"\tlog /dev/log local0\n"
	"\tdaemon\n"
	"\n"
	"defaults\n"
	"\tmode http\n"
	"\tlog global\n"
	"\toption httplog\n"
	"\toption http-keep-alive\n"
	"\ttimeout connect 1500ms\n"
	"\ttimeout client 1m\n"
	"\ttimeout server 7s\n"
	"\thttp-reuse aggressive\n"
	"\n"
	"frontend fe1   # trailing comment\n"
	"\tbind 127.0.0.1:18901 thread 1\n"
	"\tbind 127.0.0.1:18902 thread 3\n"
	"\tbind *:18903\n"
	"\ttimeout http-keep-alive 250\n"
	"\tdefault_backend be_late\n"
	"\n"
	"backend be_first\n"
	"\tbalance roundrobin\n"
	"\thttp-reuse never\n"
	"\tserver a 127.0.0.1:19900\n"
	"\n"
	"backend be_late\n"
	"\tserver s1 127.0.0.1:19901 pool-max-conn 10 pool-purge-delay 2s "
	"pool-low-conn 3\n"
	"\tserver \"s2\" 127.0.0.1:19902 pool-max-conn -1\n"
	"#@lab delay purge-window 20000\n";

static void test_good(void)
{
	struct cfg cfg;
	struct proxy *fe, *b1, *b2;
	struct listener *l;
	struct server *s;
	int ret;

	ret = parse_capture(write_cfg("good", good_cfg), &cfg);
	CHECK(ret == 0, "parse failed: %s", errbuf);
	if (ret) {
		cfg_free(&cfg);
		return;
	}
	CHECK(errbuf[0] == 0, "unexpected output: %s", errbuf);
	CHECK(cfg.nbthread == 3, "nbthread %d", cfg.nbthread);
	CHECK(cfg.maxconn == 500, "maxconn %d", cfg.maxconn);
	CHECK(cfg.has_lab, "has_lab");
	CHECK(cfg.duration == 2.5, "duration %g", cfg.duration);
	CHECK(cfg.mode == MODE_LEGACY, "mode %d", cfg.mode);
	CHECK(cfg.seed == 42 && cfg.seed_set, "seed %llu",
	      (unsigned long long)cfg.seed);
	CHECK(cfg.bug && strcmp(cfg.bug, "no-usr1-set") == 0, "bug %s",
	      cfg.bug ? cfg.bug : "(null)");
	CHECK(cfg.delay_us[DELAY_PURGE_WINDOW] == 20000 &&
	      cfg.delay_us[DELAY_CTX_READ] == 0, "delays %u %u",
	      cfg.delay_us[DELAY_PURGE_WINDOW], cfg.delay_us[DELAY_CTX_READ]);
	CHECK(cfg.nb_peers == 1, "nb_peers %d", cfg.nb_peers);
	if (cfg.nb_peers == 1) {
		CHECK(strcmp(cfg.peers[0].name, "s1") == 0, "peer name");
		CHECK(strcmp(cfg.peers[0].args, "--proto h1 --listen "
			     "127.0.0.1:19901 --size 64") == 0,
		      "peer args '%s'", cfg.peers[0].args);
		CHECK(cfg.peers[0].conf_line == 6, "peer line %d",
		      cfg.peers[0].conf_line);
	}
	CHECK(cfg.nb_loads == 1, "nb_loads %d", cfg.nb_loads);
	if (cfg.nb_loads == 1)
		CHECK(strcmp(cfg.loads[0].args, "--proto h1 --target "
			     "127.0.0.1:18901@3,127.0.0.1:18902 "
			     "--connections 4") == 0,
		      "load args '%s'", cfg.loads[0].args);

	fe = px_by_name(&cfg, "fe1", PR_CAP_FE);
	b1 = px_by_name(&cfg, "be_first", PR_CAP_BE);
	b2 = px_by_name(&cfg, "be_late", PR_CAP_BE);
	CHECK(fe && b1 && b2, "proxies missing");
	if (!fe || !b1 || !b2) {
		cfg_free(&cfg);
		return;
	}
	CHECK(cfg.proxies == fe, "proxies are in file order");
	CHECK(fe->defbe == b2, "default_backend resolved forward");
	CHECK(fe->timeout_connect == 1500, "connect %u", fe->timeout_connect);
	CHECK(fe->timeout_client == 60000, "client %u", fe->timeout_client);
	CHECK(fe->timeout_http_ka == 250, "ka %u", fe->timeout_http_ka);
	CHECK(b2->timeout_server == 7000, "server %u", b2->timeout_server);
	CHECK(b2->timeout_http_ka == 60000, "ka falls back to client: %u",
	      b2->timeout_http_ka);
	CHECK(fe->reuse == REUSE_AGGRESSIVE, "reuse from defaults");
	CHECK(b1->reuse == REUSE_NEVER, "reuse overridden");
	CHECK(b2->reuse == REUSE_AGGRESSIVE, "reuse from defaults");

	l = fe->listeners;
	CHECK(l && l->thr == 0, "thread 1 -> 0 (got %d)", l ? l->thr : -9);
	CHECK(l && l->conf_line == 25, "bind line %d", l ? l->conf_line : 0);
	CHECK(l && l->fe == fe, "listener fe");
	CHECK(l && l->fd[0] == -1 && l->fd[MAX_THREADS - 1] == -1,
	      "fds start at -1");
	CHECK(l && l->mux == mux_lookup("h1") && l->mux, "front mux h1");
	l = l ? l->next : NULL;
	CHECK(l && l->thr == 2, "thread 3 -> 2 (got %d)", l ? l->thr : -9);
	l = l ? l->next : NULL;
	CHECK(l && l->thr == -1, "no thread -> -1 (got %d)", l ? l->thr : -9);
	CHECK(l && !l->next, "three listeners");

	CHECK(b1->nb_srv == 1 && b2->nb_srv == 2, "nb_srv %d %d", b1->nb_srv,
	      b2->nb_srv);
	s = srv_by_name(b1, "a");
	CHECK(s && s->puid == 0, "puid of first server");
	CHECK(s && s->max_idle_conns == -1, "pool-max-conn default -1");
	CHECK(s && s->pool_purge_delay == 5000, "pool-purge-delay default 5s");
	CHECK(s && s->low_idle_conns == 0, "pool-low-conn default 0");
	CHECK(s && s->proxy == b1, "server proxy");
	CHECK(s && s->mux && s->mux == mux_lookup("h1"), "server mux h1");
	s = srv_by_name(b2, "s1");
	CHECK(s && s->puid == 1, "puid sequential");
	CHECK(s && s->max_idle_conns == 10, "pool-max-conn");
	CHECK(s && s->pool_purge_delay == 2000, "pool-purge-delay");
	CHECK(s && s->low_idle_conns == 3, "pool-low-conn");
	s = srv_by_name(b2, "s2");
	CHECK(s && s->puid == 2, "quoted name, puid 2");
	CHECK(b2->srv && b2->srv->next == s, "servers in file order");
	cfg_free(&cfg);
	CHECK(cfg.proxies == NULL && cfg.file == NULL, "cfg_free zeroes");
}

/* A plain haproxy.cfg without lab lines, the way Debian ships one. */
static void test_plain(void)
{
	struct cfg cfg;
	int ret;

	ret = parse_capture(write_cfg("plain",
		"global\n"
		"\tlog /dev/log\tlocal0\n"
		"\tchroot /var/lib/haproxy\n"
		"\tstats socket /run/haproxy/admin.sock mode 660 level admin\n"
		"\tuser haproxy\n"
		"\tgroup haproxy\n"
		"\tdaemon\n"
		"\tca-base /etc/ssl/certs\n"
		"\tssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n"
		"defaults\n"
		"\tlog global\n"
		"\tmode http\n"
		"\toption httplog\n"
		"\toption dontlognull\n"
		"\ttimeout connect 5000\n"
		"\terrorfile 400 /etc/haproxy/errors/400.http\n"
		"frontend f\n"
		"\tbind :8080\n"
		"\tdefault_backend b\n"
		"backend b\n"
		"\tserver x localhost:8081\n"), &cfg);
	CHECK(ret == 0, "plain cfg: %s", errbuf);
	CHECK(!cfg.has_lab && cfg.duration == 0 && cfg.mode == -1 &&
	      cfg.nb_peers == 0 && cfg.seed == CFG_DEF_SEED && !cfg.seed_set,
	      "no lab part");
	CHECK(cfg.nbthread == 1, "nbthread default 1");
	cfg_free(&cfg);
}

static void test_time(void)
{
	static const struct { const char *s; int ok; unsigned int ms; } t[] = {
		{ "500", 1, 500 }, { "500ms", 1, 500 }, { "2s", 1, 2000 },
		{ "1m", 1, 60000 }, { "2h", 1, 7200000 }, { "1d", 1, 86400000 },
		{ "10us", 1, 1 }, { "1000us", 1, 1 }, { "0", 1, 0 },
		{ "", 0, 0 }, { "s", 0, 0 }, { "5q", 0, 0 }, { "-1", 0, 0 },
		{ "1.5s", 0, 0 }, { "99999999d", 0, 0 },
	};
	unsigned int i, ms;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = cfg_parse_time_ms(t[i].s, &ms);

		CHECK((r == 0) == t[i].ok, "'%s' ok=%d", t[i].s, t[i].ok);
		if (r == 0 && t[i].ok)
			CHECK(ms == t[i].ms, "'%s' -> %u (want %u)", t[i].s,
			      ms, t[i].ms);
	}
}

/* ------------------------------------------------------------ bad files */

static const char *base_head =
	"global\n"
	"\tnbthread 2\n"
	"defaults\n"
	"\tmode http\n"
	"frontend f\n"
	"\tbind 127.0.0.1:18999\n"
	"\tdefault_backend b\n"
	"backend b\n"
	"\tserver s1 127.0.0.1:19999\n";	/* 9 lines */

/* Parse base_head + <tail>; expect failure at line <line> with <what> in
 * the message. */
static void expect_error(const char *name, const char *tail, int line,
			 const char *what)
{
	char text[4096], want[512];
	const char *path;
	struct cfg cfg;
	int ret;

	snprintf(text, sizeof(text), "%s%s", base_head, tail);
	path = write_cfg(name, text);
	ret = parse_capture(path, &cfg);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	CHECK(ret == -1, "%s: parse should fail", name);
	CHECK(strncmp(errbuf, want, strlen(want)) == 0,
	      "%s: message should start with '%s', got '%s'", name, want,
	      errbuf);
	CHECK(strstr(errbuf, what) != NULL, "%s: message should mention '%s', "
	      "got '%s'", name, what, errbuf);
	cfg_free(&cfg);
}

/* retries (default 3, from defaults, per backend) and timeout
 * http-request (none unless set, from defaults, per frontend) */
static void test_retries_timeouts(void)
{
	static const char text[] =
		"defaults\n"
		"\tmode http\n"
		"\tretries 1\n"
		"\ttimeout http-request 2s\n"
		"frontend f\n"
		"\tbind 127.0.0.1:18999\n"
		"\ttimeout http-request 500ms\n"
		"\tdefault_backend b\n"
		"backend b\n"
		"\tretries 0\n"
		"\tserver s1 127.0.0.1:19999\n"
		"backend c\n"
		"\tserver s1 127.0.0.1:19998\n"
		"defaults\n"
		"\tmode http\n"
		"backend d\n"
		"\tserver s1 127.0.0.1:19997\n";
	struct proxy *f, *b, *c, *d;
	struct cfg cfg;

	CHECK(parse_capture(write_cfg("retries", text), &cfg) == 0,
	      "parse failed: %s", errbuf);
	f = px_by_name(&cfg, "f", PR_CAP_FE);
	b = px_by_name(&cfg, "b", PR_CAP_BE);
	c = px_by_name(&cfg, "c", PR_CAP_BE);
	d = px_by_name(&cfg, "d", PR_CAP_BE);
	CHECK(f && b && c && d, "proxies missing");
	if (f && b && c && d) {
		CHECK(b->retries == 0, "retries set in the backend: %d",
		      b->retries);
		CHECK(c->retries == 1, "retries from defaults: %d",
		      c->retries);
		CHECK(d->retries == 3, "retries by default (a new defaults "
		      "section): %d", d->retries);
		CHECK(f->timeout_http_req == 500, "http-request %u",
		      f->timeout_http_req);
		CHECK(c->timeout_http_req == 2000,
		      "http-request from defaults %u", c->timeout_http_req);
		CHECK(d->timeout_http_req == 0, "http-request unset %u",
		      d->timeout_http_req);
	}
	cfg_free(&cfg);
}

/* tune.bufsize: unset (the engine's default then), or the size given */
static void test_bufsize(void)
{
	struct cfg cfg;

	static const char tail[] =
		"frontend f\n\tbind 127.0.0.1:18999\n\tdefault_backend b\n"
		"backend b\n\tserver s1 127.0.0.1:19999\n";
	char text[512];

	snprintf(text, sizeof(text), "global\n\ttune.bufsize 32768\n%s", tail);
	CHECK(parse_capture(write_cfg("bufsize", text), &cfg) == 0,
	      "parse failed: %s", errbuf);
	CHECK(cfg.bufsize == 32768, "tune.bufsize %d", cfg.bufsize);
	cfg_free(&cfg);
	snprintf(text, sizeof(text), "global\n\tnbthread 1\n%s", tail);
	CHECK(parse_capture(write_cfg("bufsize0", text), &cfg) == 0,
	      "parse failed: %s", errbuf);
	CHECK(cfg.bufsize == 0, "tune.bufsize unset: %d", cfg.bufsize);
	cfg_free(&cfg);
}

static void test_errors(void)
{
	expect_error("unknown-global", "global\n\tnbproc 2\n", 11, "nbproc");
	expect_error("bufsize-small", "global\n\ttune.bufsize 100\n", 11,
		     "tune.bufsize");
	expect_error("bufsize-bad", "global\n\ttune.bufsize 16k\n", 11,
		     "tune.bufsize");
	expect_error("nbthread-range", "global\n\tnbthread 99\n", 11,
		     "nbthread");
	expect_error("bind-thread", "frontend g\n\tbind :18998 thread 3\n"
		     "\tdefault_backend b\n", 11, "nbthread is 2");
	expect_error("bind-thread0", "frontend g\n\tbind :18998 thread 0\n",
		     11, "thread");
	expect_error("bind-arg", "frontend g\n\tbind :18998 ssl\n", 11, "ssl");
	expect_error("defbe", "frontend g\n\tbind :18998\n"
		     "\tdefault_backend nope\n", 12, "nope");
	expect_error("no-bind", "frontend g\n\tdefault_backend b\n", 10,
		     "no 'bind'");
	expect_error("no-defbe", "frontend g\n\tbind :18998\n", 10,
		     "default_backend");
	expect_error("srv-kw", "\tserver s2 127.0.0.1:1 check\n", 10,
		     "check");
	expect_error("srv-val", "\tserver s2 127.0.0.1:1 pool-max-conn\n", 10,
		     "expects a value");
	expect_error("srv-dup", "\tserver s1 127.0.0.1:1\n", 10,
		     "already declared");
	expect_error("srv-port", "\tserver s2 127.0.0.1:0\n", 10, "port");
	expect_error("srv-addr", "\tserver s2 127.0.0.1\n", 10, "ADDRESS:PORT");
	expect_error("srv-proto", "\tserver s2 127.0.0.1:1 proto h3\n", 10,
		     "h3");
	expect_error("purge", "\tserver s2 127.0.0.1:1 pool-purge-delay 5x\n",
		     10, "pool-purge-delay");
	expect_error("timeout-unit", "\ttimeout server 10 s\n", 10, "timeout");
	expect_error("timeout-bad", "\ttimeout server 10q\n", 10, "10q");
	expect_error("timeout-kind", "\ttimeout tunnel 10s\n", 10, "tunnel");
	expect_error("option", "\toption http-server-close\n", 10,
		     "http-server-close");
	expect_error("mode", "\tmode tcp\n", 10, "mode http");
	expect_error("reuse", "\thttp-reuse sometimes\n", 10, "http-reuse");
	expect_error("balance", "\tbalance leastconn\n", 10, "roundrobin");
	expect_error("listen", "listen l\n\tbind :1\n", 10, "listen");
	expect_error("dup-be", "backend b\n", 10, "already declared");
	expect_error("server-in-fe", "frontend g\n\tserver x 1.2.3.4:5\n", 11,
		     "backend section");
	expect_error("bind-in-be", "\tbind :1\n", 10, "frontend section");
	expect_error("quote", "\tserver \"s2 127.0.0.1:1\n", 10,
		     "unterminated quote");
	expect_error("unknown-px-kw", "\tretry-on all-retryable-errors\n", 10,
		     "retry-on");
	expect_error("retries-range", "\tretries 101\n", 10, "retries");
	expect_error("retries-word", "\tretries some\n", 10, "retries");
	expect_error("timeout-http-request", "\ttimeout http-request 0\n", 10,
		     "http-request");
	expect_error("fcgi-missing", "backend c\n\tuse-fcgi-app php\n", 11,
		     "no such fcgi-app");
	expect_error("fcgi-docroot", "backend c\n\tuse-fcgi-app php\n"
		     "fcgi-app php\n\tindex index.php\n", 12, "docroot");
	expect_error("fcgi-kw", "fcgi-app php\n\tpath-info x\n", 11,
		     "path-info");
	/* lab lines */
	expect_error("lab-empty", "#@lab\n", 10, "empty #@lab");
	expect_error("lab-kw", "#@lab speed 3\n", 10, "speed");
	expect_error("lab-dur", "#@lab duration soon\n", 10, "duration");
	expect_error("lab-dur0", "#@lab duration 0\n", 10, "duration");
	expect_error("lab-mode", "#@lab mode fast\n", 10, "fast");
	expect_error("lab-seed", "#@lab seed -3\n", 10, "seed");
	expect_error("lab-bug", "#@lab bug nosuchbug\n", 10, "nosuchbug");
	expect_error("lab-delay-site", "#@lab delay nowhere 10\n", 10,
		     "sites: purge-window, ctx-read");
	expect_error("lab-delay-us", "#@lab delay ctx-read 10ms\n", 10,
		     "microseconds");
	expect_error("lab-delay-big", "#@lab delay ctx-read 1000001\n", 10,
		     "microseconds");
	expect_error("lab-delay-args", "#@lab delay purge-window\n", 10,
		     "SITE MICROSECONDS");
	expect_error("lab-peer-args", "#@lab peer s1 proto h1\n", 10,
		     "peer-server options");
	expect_error("lab-peer-srv", "#@lab peer zz --proto h1 --listen "
		     "127.0.0.1:19901\n", 10,
		     "no server");
	expect_error("lab-peer-dup", "#@lab peer s1 --proto h1 --listen :1\n"
		     "#@lab peer s1 --proto h1 --listen :1\n", 11,
		     "already declared");
	expect_error("lab-load", "#@lab load\n", 10, "loadgen");
	/* the loadgen's own parser checks the options */
	expect_error("lab-load-typo", "#@lab load --proto h1 --target "
		     "127.0.0.1:18901 --conections 4\n", 10, "'--conections'");
	expect_error("lab-load-value", "#@lab load --proto h3 --target "
		     "127.0.0.1:18901\n", 10, "--proto 'h3'");
	expect_error("lab-load-noarg", "#@lab load --proto h1 --target "
		     "127.0.0.1:18901 --rate\n", 10, "needs a value");
	expect_error("lab-load-help", "#@lab load --proto h1 --target "
		     "127.0.0.1:18901 --help\n", 10, "--help");
	/* and peer-server's */
	expect_error("lab-peer-typo", "#@lab peer s1 --proto h1 --listen "
		     "127.0.0.1:19901 --keepalive-timout 100\n", 10,
		     "'--keepalive-timout'");
	expect_error("lab-peer-value", "#@lab peer s1 --proto h1 --listen "
		     "127.0.0.1:19901 --mpxs 2\n", 10, "--mpxs");
	expect_error("lab-peer-listen", "#@lab peer s1 --proto h1\n", 10,
		     "--listen");
	expect_error("lab-peer-ping", "#@lab peer s1 --proto h1 --listen "
		     "127.0.0.1:19901 --ping 100\n", 10, "--ping");
	/* indented lab lines count too, "#@labx" is a plain comment */
	expect_error("lab-indent", "  #@lab durationn 3\n", 10, "durationn");
	{
		struct cfg cfg;
		char text[1024];

		snprintf(text, sizeof(text), "%s#@labx anything\n# @lab x\n",
			 base_head);
		CHECK(parse_capture(write_cfg("labx", text), &cfg) == 0,
		      "'#@labx' is a plain comment: %s", errbuf);
		CHECK(!cfg.has_lab, "no lab line seen");
		cfg_free(&cfg);
	}
	{
		struct cfg cfg;

		CHECK(parse_capture("/nonexistent/x.cfg", &cfg) == -1,
		      "missing file");
		CHECK(strstr(errbuf, "/nonexistent/x.cfg") != NULL,
		      "missing file named: %s", errbuf);
		cfg_free(&cfg);
	}
}

/* proto h2 / fcgi: fine when that mux is linked in, else a clear error. */
static void test_protos(void)
{
	static const char *const protos[] = { "h2", "fcgi" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		char text[2048];
		struct cfg cfg;
		int ret;

		snprintf(text, sizeof(text), "%s"
			 "backend c\n"
			 "\tuse-fcgi-app app\n"
			 "\tserver x 127.0.0.1:19998 proto %s\n"
			 "fcgi-app app\n"
			 "\tdocroot /srv\n"
			 "\toption keep-conn\n", base_head, protos[i]);
		ret = parse_capture(write_cfg(protos[i], text), &cfg);
		if (mux_lookup(protos[i])) {
			struct proxy *c = px_by_name(&cfg, "c", PR_CAP_BE);

			CHECK(ret == 0, "proto %s: %s", protos[i], errbuf);
			CHECK(c && c->srv && c->srv->mux == mux_lookup(protos[i]),
			      "proto %s mux", protos[i]);
			CHECK(c && c->srv && c->srv->fcgi_docroot &&
			      strcmp(c->srv->fcgi_docroot, "/srv") == 0,
			      "docroot copied to the server");
		} else {
			CHECK(ret == -1 && strstr(errbuf, "not built"),
			      "proto %s unavailable: %s", protos[i], errbuf);
		}
		cfg_free(&cfg);
	}
}

/* Every shipped scenario parses. */
static void test_shipped(void)
{
	const char *top = getenv("MUXLAB_TOP");
	char pattern[1024];
	glob_t g;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/lab/scenarios/*.cfg",
		 top ? top : ".");
	if (glob(pattern, 0, NULL, &g) != 0) {
		printf("note: no scenarios under %s (run from the top "
		       "directory or set MUXLAB_TOP)\n", pattern);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		struct cfg cfg;
		int ret = parse_capture(g.gl_pathv[i], &cfg);

		/* this test binary links only the muxes something needs
		 * (see src/mux.c): h2/fcgi scenarios may be out of reach */
		if (ret < 0 && strstr(errbuf, "is not built into")) {
			printf("note: %s needs a mux this test does not link: "
			       "%s", g.gl_pathv[i], errbuf);
			cfg_free(&cfg);
			continue;
		}
		CHECK(ret == 0, "%s: %s", g.gl_pathv[i], errbuf);
		CHECK(cfg.nb_peers == 0 || cfg.has_lab, "%s", g.gl_pathv[i]);
		cfg_free(&cfg);
	}
	globfree(&g);
}

int main(void)
{
	char cmd[512];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_time();
	test_good();
	test_plain();
	test_errors();
	test_retries_timeouts();
	test_bufsize();
	test_protos();
	test_shipped();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("test_cfg: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
