/*
 * check.h - the trace checker (muxview --check).
 *
 * Verifies the seven invariants of docs/trace-events.md over a finished
 * model, in event order, from outside the engine: 1-4 apply to a `usr1`
 * run, 5 and 7 to every run, 6 to a `legacy` run. Pure computation over
 * the model; printing is separate so that tests can assert on the
 * result.
 */
#ifndef MUXVIEW_CHECK_H
#define MUXVIEW_CHECK_H

#include <stdio.h>

#include "model-t.h"

#define CHECK_NINV	7

struct check_violation {
	int inv;		/* 1..CHECK_NINV */
	uint32_t ev;		/* the offending event */
	uint32_t ev2;		/* a related earlier event, or MV_NONE */
	int tid;
	uint64_t conn;		/* 64-bit conn id, 0 if none */
	char what[160];
};

struct check_result {
	int mode;				/* enum lab_mode, -1 unknown */
	int applies[CHECK_NINV + 1];		/* inv 1..7 checked */
	uint64_t count[CHECK_NINV + 1];		/* violations per inv */
	uint64_t checked[CHECK_NINV + 1];	/* events examined */
	struct check_violation *v;		/* the first CHECK_KEEP */
	size_t nv, cap;
	uint64_t total;				/* all violations */
	uint64_t pending_end;	/* stolen tasklets that never ran */
	uint64_t mode_changes;	/* mode_change events (threads switching) */
	int inconclusive;	/* events lost, or mode unknown */
	int lost;		/* events or packets were discarded */
	char why[256];		/* why inconclusive */
};

#define CHECK_KEEP	1000

int check_run(const struct model *m, struct check_result *res);
void check_free(struct check_result *res);
int check_exit_status(const struct check_result *res);
/* <prog>: how this muxview was run (argv[0]), for the "view:" command
 * lines a reader copies */
void check_print(FILE *f, const struct model *m,
		 const struct check_result *res, const char *prog,
		 const char *trace, int verbose);
const char *check_inv_title(int inv);

#endif /* MUXVIEW_CHECK_H */
