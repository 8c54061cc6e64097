/*
 * ctl.h - muxview's client of the engine's control socket ("stats socket"
 * of the scenario, src/cli.c): the live viewer's mode flip.
 */
#ifndef MUXVIEW_CTL_H
#define MUXVIEW_CTL_H

#include <stddef.h>

/* Send one command line to the control socket at <path>; the answer
 * (without its closing empty line) goes to <out>. 0, or -1 with the
 * reason in <out>. Waits at most <timeout_ms> for the answer. */
int ctl_command(const char *path, const char *cmd, char *out, size_t len,
		int timeout_ms);

/* Ask the engine which mode it runs in and ask for the other one. The
 * engine's answer (or why it failed) goes to <msg>. Returns the mode
 * asked for (enum lab_mode), or -1. */
int ctl_flip_mode(const char *path, char *msg, size_t len);

#endif /* MUXVIEW_CTL_H */
