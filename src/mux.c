/*
 * mux.c - finding a multiplexer by its protocol name.
 *
 * The config says "proto h2" on a bind or a server line. The three muxes
 * live in their own files (mux_h1.c, mux_h2.c, mux_fcgi.c). H1 is the
 * default and always built; h2 and fcgi are referenced weakly so that the
 * binary links, and the config parser can be unit-tested, even when one of
 * them is not built: its ops then read as NULL and the parser says "proto
 * h2 is not built into this muxlab". (A static link pulls an archive member
 * only for a strong reference: a unit test linked against libmuxlab.a sees
 * h2 and fcgi only if something else in it needs them.)
 *
 * This file deliberately does not include mux.h, whose strong extern
 * declarations of the same symbols would fight the weak ones below.
 */
#include <string.h>

#include "connection-t.h"
#include "cfg.h"

extern const struct mux_ops mux_h1_ops;
extern const struct mux_ops mux_h2_ops __attribute__((weak));
extern const struct mux_ops mux_fcgi_ops __attribute__((weak));

/*
 * Return the mux ops registered for protocol <proto> ("h1", "h2" or
 * "fcgi"), or NULL if the name is unknown or that mux is not linked in.
 * Pure lookup: any thread, no lock.
 */
const struct mux_ops *mux_lookup(const char *proto)
{
	if (strcmp(proto, "h1") == 0)
		return &mux_h1_ops;
	if (strcmp(proto, "h2") == 0)
		return &mux_h2_ops;
	if (strcmp(proto, "fcgi") == 0)
		return &mux_fcgi_ops;
	return NULL;
}
