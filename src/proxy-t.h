/*
 * proxy-t.h - frontends, backends, listeners (types), from the config.
 */
#ifndef MUXLAB_PROXY_T_H
#define MUXLAB_PROXY_T_H

#include <netinet/in.h>
#include "server-t.h"

struct mux_ops;

#define PR_CAP_FE	0x01
#define PR_CAP_BE	0x02

struct listener {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd[MAX_THREADS];		/* listening socket of each thread, -1
					 * where that thread does not accept:
					 * one SO_REUSEPORT socket per thread
					 * (HAProxy "shards by-thread") */
	int thr;			/* "thread N" on bind (0-based here,
					 * 1-based in the file): the only
					 * thread that accepts; -1 = all */
	const struct mux_ops *mux;	/* proto h2 on bind -> h2, else h1 */
	struct proxy *fe;
	struct listener *next;
	int _Atomic rr;			/* round robin of accepted conns */
	char *conf_file;		/* where it was declared */
	int conf_line;
};

struct proxy {
	char *id;
	int cap;			/* PR_CAP_* */
	struct listener *listeners;	/* frontend */
	char *default_backend;		/* frontend: name until resolved */
	struct proxy *defbe;		/* frontend: resolved backend */
	struct server *srv;		/* backend: its servers */
	int nb_srv;
	int _Atomic lbrr;		/* backend: round robin position */
	enum reuse_mode reuse;		/* http-reuse */
	unsigned int timeout_client;	/* ms */
	unsigned int timeout_server;	/* ms */
	unsigned int timeout_connect;	/* ms */
	unsigned int timeout_http_ka;	/* ms, front keep-alive */
	unsigned int timeout_http_req;	/* ms, front: a whole request, 0 = none */
	int retries;			/* backend: sends again of a request the
					 * server refused unprocessed (3) */
	int maxconn;			/* frontend: most connections at once,
					 * 0 = only the global limit */
	int _Atomic feconn;		/* frontend: connections now
					 * (src/maxconn.c) */
	char *conf_file;
	int conf_line;
	struct proxy *next;
};

#endif /* MUXLAB_PROXY_T_H */
