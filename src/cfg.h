/*
 * cfg.h - reading a scenario: a haproxy.cfg subset plus "#@lab" lines.
 *
 * The proxy part is plain haproxy.cfg (global nbthread, defaults,
 * frontend/bind, backend/server, http-reuse, pool-max-conn,
 * pool-purge-delay, proto h2, fcgi-app/use-fcgi-app) and must pass
 * `haproxy -c -f`. Lab knobs hide in comments that start with "#@lab" so
 * real HAProxy ignores them (docs/scenarios.md lists them).
 *
 * Anything the parser does not know is an error ("FILE:LINE: message"),
 * never silently ignored, except the short allow-list of directives that
 * change nothing the lab models (logging, daemon, user...), documented in
 * docs/scenarios.md.
 */
#ifndef MUXLAB_CFG_H
#define MUXLAB_CFG_H

#include <stdint.h>
#include "cli-t.h"
#include "lab-t.h"
#include "proxy-t.h"

#define LAB_MAX_PEERS	16
#define LAB_DELAY_MAX_US	1000000	/* "#@lab delay": at most 1 s */
#define LAB_WAKE_IDLE_MAX_MS	60000	/* "#@lab wake-idle": at most 1 min */
#define LAB_MAX_LOADS	8

/* defaults applied when a scenario sets nothing (docs/scenarios.md) */
#define CFG_DEF_TIMEOUT_CONNECT	5000	/* ms */
#define CFG_DEF_TIMEOUT_CLIENT	30000	/* ms */
#define CFG_DEF_TIMEOUT_SERVER	30000	/* ms */
#define CFG_DEF_RETRIES		3	/* retries: HAProxy default */
#define CFG_DEF_POOL_PURGE	5000	/* ms, HAProxy's pool-purge-delay */
#define CFG_DEF_SEED		1

/* "#@lab peer NAME ARGS...": an embedded peer-server to start */
struct lab_peer {
	char *name;		/* matched with a server name, for the log */
	char *args;		/* peer-server arguments, as written */
	int conf_line;		/* where it was declared */
};

/* "#@lab load ARGS...": a loadgen to start once the engine listens */
struct lab_load {
	char *args;		/* loadgen arguments, as written */
	int conf_line;
};

struct cfg {
	char *file;
	int nbthread;			/* global nbthread, default 1 */
	int maxconn;			/* global maxconn, 0 = not set */
	int bufsize;			/* global tune.bufsize, 0 = not set */
	/* global "stats socket PATH [mode M] [level L]": the control
	 * socket (cli.c); one at most */
	char *cli_path;			/* NULL: none */
	int cli_mode;			/* permissions, -1 = from the umask */
	enum cli_level cli_level;	/* default CLI_LEVEL_USER */
	int cli_line;			/* where it was declared */
	struct proxy *proxies;		/* frontends and backends */
	/* lab part: absent in a plain haproxy.cfg */
	int has_lab;			/* any #@lab line seen */
	int mode;			/* -1 = not set, else enum lab_mode */
	char *bug;			/* bug mode name or NULL */
	double duration;		/* seconds, 0 = until signal */
	uint64_t seed;			/* CFG_DEF_SEED unless set */
	int seed_set;			/* "#@lab seed" seen */
	unsigned int delay_us[DELAY_COUNT];	/* "#@lab delay", 0 = off */
	unsigned int wake_idle_ms;	/* "#@lab wake-idle", 0 = off */
	int nb_peers;
	struct lab_peer peers[LAB_MAX_PEERS];
	int nb_loads;
	struct lab_load loads[LAB_MAX_LOADS];
};

/* Parse <file> into <cfg> (which is overwritten). Servers are created
 * with srv_new() and linked in the global server list as well as in their
 * backend. On error print "FILE:LINE: message" to stderr and return -1;
 * what was built so far is released by cfg_free(). Main thread, before
 * threads start. */
int cfg_parse(const char *file, struct cfg *cfg);

/* Bind every listener (main thread). 0, or -1 with a message. */
int cfg_bind_listeners(struct cfg *cfg);

/* Release everything cfg_parse() allocated, servers included. Accepts a
 * zeroed or partly filled cfg. Main thread, after threads are joined. */
void cfg_free(struct cfg *cfg);

/* Parse a HAProxy time ("500", "500ms", "2s", "1m", "1h", "1d"; no unit
 * means ms) into milliseconds. 0, or -1 if malformed or too large. */
int cfg_parse_time_ms(const char *s, unsigned int *ms);

/* The mux for protocol name <proto> ("h1", "h2", "fcgi"), or NULL if that
 * name is unknown or the mux is not linked into this binary (src/mux.c:
 * weak references, so the config parser builds before every mux does).
 * Any thread. */
const struct mux_ops *mux_lookup(const char *proto);

extern struct cfg global_cfg;

#endif /* MUXLAB_CFG_H */
