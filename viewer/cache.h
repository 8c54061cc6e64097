/*
 * cache.h - the index cache: a loaded model saved beside its trace.
 *
 * The first load of a trace decodes it with babeltrace2 and saves the
 * model (model_save()) into TRACE/.muxview-index, or, when the trace
 * directory is not writable (a shipped, read-only copy), into
 * $XDG_CACHE_HOME/muxview/ (default ~/.cache/muxview/). A later open
 * reads the model back instead of decoding the trace, after checking that
 * the file was written for this very trace and this build: the key holds
 * the size and modification time of every file of the trace, a hash of
 * the metadata's content, and the executable's size and time. A stale,
 * cut or damaged cache is ignored and rewritten, never trusted.
 * babeltrace2 skips files whose name starts with a dot, so the cache
 * beside the trace does not disturb it.
 */
#ifndef MUXVIEW_CACHE_H
#define MUXVIEW_CACHE_H

#include <stdint.h>
#include <time.h>

#include "model-t.h"

#define CACHE_NAME	".muxview-index"

/* What identifies a trace on disk, computed when it is opened. */
struct cache_key {
	char *buf;		/* the key bytes */
	size_t len, cap;
	uint64_t stream_bytes;	/* sizes of the stream files, summed */
	time_t newest;		/* the latest modification time of a file */
	time_t taken;		/* when the key was computed */
	int bad;		/* could not be computed: no caching */
};

enum cache_mode {
	CACHE_ON = 0,		/* read and write the cache */
	CACHE_OFF,		/* neither (muxview --no-cache) */
};

void cache_set_mode(enum cache_mode mode);
int cache_key_build(struct cache_key *k, const char *root,
		    char *const *dirs, int ndirs);
void cache_key_free(struct cache_key *k);
int cache_load(const char *root, const struct cache_key *k,
	       struct model *m);
int cache_save(const char *root, const struct cache_key *k,
	       const struct model *m);

#endif /* MUXVIEW_CACHE_H */
