/*
 * muxlab-tp.c - instantiates the tracepoint provider (probes and the
 * registration constructor). Nothing else belongs in this file.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "muxlab-tp.h"
