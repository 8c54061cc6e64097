/*
 * cli.h - the control socket ("stats socket" in global, HAProxy's CLI
 * conventions): show info / activity / pools, set mode / bug / delay.
 */
#ifndef MUXLAB_CLI_H
#define MUXLAB_CLI_H

#include "cli-t.h"

struct cfg;

/* Open the socket <cfg> declares, if any (main thread, before the
 * engine threads start). 0, or -1 with a message. */
int cli_bind(const struct cfg *cfg);

/* Serve it from its own thread, once the engine threads run. 0 or -1. */
int cli_start(void);

/* Stop serving, close and remove the socket file (safe to repeat). */
void cli_stop(void);

#endif /* MUXLAB_CLI_H */
