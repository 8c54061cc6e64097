/*
 * stats.h - statistics tables (muxview --stats, the UI's stats pane).
 *
 * Rows are built once from the per-thread counters the model accumulated
 * while indexing: one value per thread plus a total. Times are in ns.
 */
#ifndef MUXVIEW_STATS_H
#define MUXVIEW_STATS_H

#include <stdio.h>

#include "model-t.h"

enum stats_unit {
	STATS_COUNT = 0,
	STATS_NS,		/* a duration in ns, printed in us */
	STATS_MAX_NS,		/* a maximum: the total is the max */
	STATS_PERMILLE,		/* a ratio, printed as a percentage */
};

struct stats_row {
	char label[40];
	enum stats_unit unit;
	uint64_t *v;		/* one per thread, then the total */
};

struct stats_table {
	int nthreads;
	struct stats_row *rows;
	int nrows, cap;
};

int stats_build(const struct model *m, struct stats_table *t);
void stats_free(struct stats_table *t);
const struct stats_row *stats_find(const struct stats_table *t,
				   const char *label);
void stats_print(FILE *f, const struct model *m, const char *name);
void stats_print_compare(FILE *f, const struct model *a, const char *na,
			 const struct model *b, const char *nb);

#endif /* MUXVIEW_STATS_H */
