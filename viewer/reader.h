/*
 * reader.h - loading a recorded trace into the model (libbabeltrace2).
 *
 * One src.ctf.fs component per trace directory found under the path (any
 * directory holding `metadata`), each of its streams into one input port
 * of our own sink, which merges them by time, decodes each event into a
 * struct mv_event and calls model_add(). The graph runs in steps so that the UI can paint and read
 * keys between them; bt2 is never asked to seek. A trace opened before
 * is read back from its index cache (cache.h) instead, when the cache is
 * valid: reader_open() then loads the whole model and the first
 * reader_step() says it has ended. Live (muxview --live):
 * one src.ctf.lttng-live component instead, whose steps return at once
 * when nothing new arrived (reader_waiting()).
 */
#ifndef MUXVIEW_READER_H
#define MUXVIEW_READER_H

#include "model-t.h"

/* What went wrong, so that main() can print one message and exit 2. */
enum reader_err {
	RERR_NONE = 0,
	RERR_NOENT,		/* the path does not exist */
	RERR_NOTRACE,		/* no `metadata` under it */
	RERR_OPEN,		/* bt2 refused the metadata (corrupt) */
	RERR_DECODE,		/* decoding failed (truncated, corrupt) */
	RERR_EMPTY,		/* a trace with no event at all */
	RERR_FOREIGN,		/* events, but none from muxlab */
	RERR_NOVTID,		/* recorded without the vtid context */
	RERR_SEVERAL,		/* the path holds several recorded traces */
	RERR_NOMEM,
};

struct reader;

char **reader_file_names(const char *dir, size_t *n, int *oom);
struct reader *reader_open(const char *path, struct model *m);
struct reader *reader_open_live(const char *url, struct model *m);
int reader_waiting(const struct reader *r);
int reader_is_live(const struct reader *r);
int reader_step(struct reader *r, double seconds);
double reader_progress(const struct reader *r);
enum reader_err reader_error(const struct reader *r);
const char *reader_message(const struct reader *r);
const char *reader_warning(const struct reader *r);
int reader_ntraces(const struct reader *r);
void reader_close(struct reader *r);
int reader_load(const char *path, struct model *m, int progress,
		char *msg, size_t len, char *warn, size_t wlen);

#endif /* MUXVIEW_READER_H */
