/*
 * loadgen_h2.c - loadgen's h2c handler (placeholder until src/h2.h).
 */
#include "loadgen.h"

const struct lg_proto lg_proto_h2 = {
	.name = "h2",
};
