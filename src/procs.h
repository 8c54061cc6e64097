/*
 * procs.h - the lab's other processes: "#@lab peer" servers and "#@lab
 * load" generators, started and stopped around the engine by main.c.
 * Main thread only.
 */
#ifndef MUXLAB_PROCS_H
#define MUXLAB_PROCS_H

#include <stdio.h>

struct cfg;

int procs_find_dir(void);		/* locate peer-server, loadgen */
int procs_start_peers(const struct cfg *cfg, int quiet);
int procs_start_loads(const struct cfg *cfg, double duration, int quiet);
void procs_stop_loads(void);
void procs_stop_peers(void);

int procs_reap(void);			/* 1 if a peer died during the run */
int procs_nb_loads(void);		/* load generators started */
int procs_loads_running(void);		/* ...and still running */
int procs_loads_failed(int quiet);	/* 1 if one failed on its own */
void procs_print_load_summaries(FILE *f, int quiet);

#endif /* MUXLAB_PROCS_H */
