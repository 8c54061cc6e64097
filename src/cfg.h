/*
 * cfg.h - reading a scenario: a haproxy.cfg subset plus "#@lab" lines.
 *
 * The proxy part is plain haproxy.cfg (global nbthread, defaults,
 * frontend/bind, backend/server, http-reuse, pool-max-conn,
 * pool-purge-delay, proto h2, fcgi-app/use-fcgi-app) and must pass
 * `haproxy -c -f`. Lab knobs hide in comments that start with "#@lab" so
 * real HAProxy ignores them (docs/scenarios.md lists them).
 */
#ifndef MUXLAB_CFG_H
#define MUXLAB_CFG_H

#include <stdint.h>
#include "proxy-t.h"

#define LAB_MAX_PEERS	16
#define LAB_MAX_LOADS	8

/* "#@lab peer NAME ARGS...": an embedded peer-server to start */
struct lab_peer {
	char *name;		/* matched with a server name, for the log */
	char *args;		/* peer-server arguments, as written */
};

/* "#@lab load ARGS...": a loadgen to start once the engine listens */
struct lab_load {
	char *args;		/* loadgen arguments, as written */
};

struct cfg {
	char *file;
	int nbthread;			/* global nbthread, default 1 */
	int maxconn;
	struct proxy *proxies;		/* frontends and backends */
	/* lab part: absent in a plain haproxy.cfg */
	int has_lab;			/* any #@lab line seen */
	int mode;			/* -1 = not set, else enum lab_mode */
	char *bug;			/* bug mode name or NULL */
	double duration;		/* seconds, 0 = until signal */
	uint64_t seed;
	int nb_peers;
	struct lab_peer peers[LAB_MAX_PEERS];
	int nb_loads;
	struct lab_load loads[LAB_MAX_LOADS];
};

/* Parse <file> into <cfg>. On error print "FILE:LINE: message" to stderr
 * and return -1. Main thread, before threads start. */
int cfg_parse(const char *file, struct cfg *cfg);

/* Bind every listener (main thread). 0, or -1 with a message. */
int cfg_bind_listeners(struct cfg *cfg);

void cfg_free(struct cfg *cfg);

extern struct cfg global_cfg;

#endif /* MUXLAB_CFG_H */
