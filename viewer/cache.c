/*
 * cache.c - the index cache (see cache.h).
 *
 * File layout (host byte order, this build only):
 *
 *   u64 magic      CACHE_MAGIC
 *   u64 keylen     then the key bytes (cache_key_build())
 *   u64 hash       of the chunks, as model_save() computed it
 *   u64 length     of the chunks, in bytes
 *   chunks         model_save()
 *
 * The file is written under a temporary name and renamed, so that a
 * reader never sees half of one. Loading compares the key byte for byte,
 * the length with the file's size, and the hash after model_load(), which
 * also checks every length and index: any difference is a miss.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "model.h"
#include "reader.h"

#define CACHE_MAGIC	0x3130584449564d58ULL	/* "XMVIDX01" */
#define CACHE_SEED	0x6d75787669657721ULL
#define CACHE_VERSION	4	/* bump when model_save() changes (2: the
				 * lock event of trace format 2; 3: a lane's
				 * lrel[] saved only when it has one; 4:
				 * mv_hash() in four chains) */
#define CACHE_RACY_S	2	/* files changed this recently: no cache */
#define KEY_MAX		(1u << 20)

static enum cache_mode cache_mode = CACHE_ON;

/*
 * cache_set_mode - read and write the cache, or neither
 * Context: main(), before the first reader_open().
 */
void cache_set_mode(enum cache_mode mode)
{
	cache_mode = mode;
}

/* MUXVIEW_CACHE_LOG set: say on stderr what the cache did (tests) */
static void cache_log(const char *fmt, const char *a, const char *b)
{
	if (!getenv("MUXVIEW_CACHE_LOG"))
		return;
	fprintf(stderr, "muxview: index cache: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
}

static int key_put(struct cache_key *k, const void *p, size_t len)
{
	if (k->len + len > KEY_MAX) {
		k->bad = 1;
		return -1;
	}
	if (k->len + len > k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 4096;
		char *nb;

		while (ncap < k->len + len)
			ncap *= 2;
		nb = realloc(k->buf, ncap);
		if (!nb) {
			k->bad = 1;
			return -1;
		}
		k->buf = nb;
		k->cap = ncap;
	}
	memcpy(k->buf + k->len, p, len);
	k->len += len;
	return 0;
}

static void key_u64(struct cache_key *k, uint64_t v)
{
	key_put(k, &v, sizeof(v));
}

static void key_str(struct cache_key *k, const char *s)
{
	key_put(k, s, strlen(s) + 1);
}

/* the size, modification time and name of every file of <dir> (sorted,
 * dot files left out); the stream files' sizes summed when <streams> */
static void key_dir(struct cache_key *k, const char *dir, int streams)
{
	char **names, p[PATH_MAX];
	size_t n, i;
	int oom;

	if (access(dir, F_OK) < 0) {
		key_str(k, "-");	/* no such directory: that too */
		return;
	}
	names = reader_file_names(dir, &n, &oom);
	if (oom)
		k->bad = 1;	/* out of memory: do not cache */
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			key_str(k, names[i]);
			key_u64(k, (uint64_t)st.st_size);
			key_u64(k, (uint64_t)st.st_mtim.tv_sec);
			key_u64(k, (uint64_t)st.st_mtim.tv_nsec);
			if (st.st_mtim.tv_sec > k->newest)
				k->newest = st.st_mtim.tv_sec;
			if (streams && strcmp(names[i], "metadata"))
				k->stream_bytes += (uint64_t)st.st_size;
		}
		free(names[i]);
	}
	free(names);
}

/* a hash of the content of <dir>/metadata */
static void key_metadata(struct cache_key *k, const char *dir)
{
	char p[PATH_MAX], buf[65536];
	uint64_t h = CACHE_SEED;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/metadata", dir);
	fd = open(p, O_RDONLY);
	if (fd < 0) {
		k->bad = 1;
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = mv_hash(h, buf, (size_t)n);
	if (n < 0)
		k->bad = 1;
	close(fd);
	key_u64(k, h);
}

/*
 * cache_key_build - what identifies the trace under <root> and this build
 *
 * @k:     filled (free with cache_key_free())
 * @root:  the directory given (the cache is named from it)
 * @dirs:  its trace directories (those holding a `metadata` file)
 *
 * Also sums the stream files' sizes (k->stream_bytes), which the reader
 * uses to size the model, cache or not.
 *
 * Return: 0, or -1 when the key could not be built (k->bad: no caching).
 */
int cache_key_build(struct cache_key *k, const char *root,
		    char *const *dirs, int ndirs)
{
	char p[PATH_MAX];
	size_t rl = strlen(root);
	struct stat st;
	int t;

	memset(k, 0, sizeof(*k));
	k->taken = time(NULL);
	key_str(k, "muxview index cache");
	key_u64(k, CACHE_VERSION);
	/* the layout of what model_save() writes */
	key_u64(k, sizeof(struct mv_rec));
	key_u64(k, sizeof(struct mv_thread_stats));
	key_u64(k, sizeof(struct mv_bcnt));
	key_u64(k, sizeof(struct mv_flags));
	key_u64(k, MV_T_COUNT);
	key_u64(k, MV_BLOCK);
	/* this build: a new muxview may build another model from the same
	 * trace (a fix, a new count), so it never reads an older one's */
	if (stat("/proc/self/exe", &st) == 0) {
		key_u64(k, (uint64_t)st.st_size);
		key_u64(k, (uint64_t)st.st_mtim.tv_sec);
		key_u64(k, (uint64_t)st.st_mtim.tv_nsec);
		key_u64(k, (uint64_t)st.st_ino);
	} else {
		k->bad = 1;
	}
	for (t = 0; t < ndirs; t++) {
		const char *rel = dirs[t];

		if (!strncmp(rel, root, rl) && (rel[rl] == '/' || !rel[rl]))
			rel += rl;
		key_str(k, rel);
		key_dir(k, dirs[t], 1);
		snprintf(p, sizeof(p), "%s/index", dirs[t]);
		key_dir(k, p, 0);
		key_metadata(k, dirs[t]);
	}
	return k->bad ? -1 : 0;
}

/* Free the key's buffer; <k> may be zeroed or already freed. */
void cache_key_free(struct cache_key *k)
{
	free(k->buf);
	memset(k, 0, sizeof(*k));
}

/* the cache file beside the trace: <root>/CACHE_NAME */
static void path_beside(char *p, size_t len, const char *root)
{
	snprintf(p, len, "%s/%s", root, CACHE_NAME);
}

/* the cache file in $XDG_CACHE_HOME/muxview/ (or ~/.cache/muxview/),
 * named from the absolute path of <root>; "" if there is none. With
 * <mkdirs>, create the directories. */
static void path_xdg(char *p, size_t len, const char *root, int mkdirs)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char base[PATH_MAX], real[PATH_MAX];

	p[0] = 0;
	if (x && x[0] == '/')
		snprintf(base, sizeof(base), "%s", x);
	else if (home && home[0] == '/')
		snprintf(base, sizeof(base), "%s/.cache", home);
	else
		return;
	if (!realpath(root, real))
		return;
	if (mkdirs)
		mkdir(base, 0700);
	if ((size_t)snprintf(p, len, "%s/muxview", base) >= len)
		goto none;
	if (mkdirs)
		mkdir(p, 0700);
	if ((size_t)snprintf(p, len, "%s/muxview/%016" PRIx64 ".idx", base,
			     mv_hash(CACHE_SEED, real, strlen(real))) >= len)
		goto none;
	return;
none:
	p[0] = 0;
}

static int read_all(int fd, void *p, size_t len)
{
	char *c = p;

	while (len) {
		ssize_t n = read(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1: <m> loaded from file <p>; 0: no file, or not valid for key <k> */
static int load_file(const char *p, const struct cache_key *k,
		     struct model *m)
{
	uint64_t hdr[2], tail[2];
	struct mv_io io;
	struct stat st;
	char *key = NULL;
	const char *why = "its key differs: the trace or muxview changed";
	int fd, ok = 0;

	fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || read_all(fd, hdr, sizeof(hdr)) < 0 ||
	    hdr[0] != CACHE_MAGIC || hdr[1] != k->len) {
		why = "not a cache of this trace and build";
		goto out;
	}
	key = malloc(k->len ? k->len : 1);
	if (!key || read_all(fd, key, k->len) < 0 ||
	    memcmp(key, k->buf, k->len))
		goto out;
	if (read_all(fd, tail, sizeof(tail)) < 0 ||
	    tail[1] != (uint64_t)st.st_size - sizeof(hdr) - k->len -
		       sizeof(tail)) {
		why = "its length is wrong (cut or damaged)";
		goto out;
	}
	io = (struct mv_io){ .fd = fd, .hash = CACHE_SEED, .left = tail[1] };
	if (model_load(m, &io) < 0 || io.hash != tail[0]) {
		why = "its content is damaged";
		model_free(m);
		goto out;
	}
	ok = 1;
out:
	free(key);
	close(fd);
	cache_log(ok ? "loaded %s%s" : "ignored %s: %s", p, ok ? "" : why);
	return ok;
}

/*
 * cache_load - the model of the trace under <root> from its cache
 *
 * @root: the directory the user gave
 * @k:    its key (cache_key_build())
 * @m:    an empty model; on success, loaded and finished
 *
 * Tries the cache beside the trace, then the one in $XDG_CACHE_HOME.
 *
 * Return: 1 when loaded, 0 when there is no valid cache (<m> is empty).
 * Context: the UI thread, before any model_add() on <m>.
 */
int cache_load(const char *root, const struct cache_key *k, struct model *m)
{
	char p[PATH_MAX];

	if (cache_mode == CACHE_OFF || k->bad)
		return 0;
	path_beside(p, sizeof(p), root);
	if (load_file(p, k, m))
		return 1;
	path_xdg(p, sizeof(p), root, 0);
	return p[0] && load_file(p, k, m);
}

/* The staging buffer of an O_DIRECT cache write */
#define CACHE_DIO_BUF	(256u << 10)

/*
 * save_file - write the cache of <m> to <p>, through a temporary file
 * @direct: write it with O_DIRECT
 *
 * The cache is about as large as the model (16 bytes an event and more):
 * copying that into the page cache costs the kernel as much CPU as a
 * twentieth of decoding the trace, for a file read again only at the next
 * open. With O_DIRECT the disk takes it from a small staging buffer
 * instead, and the copy is gone; the last block is padded, then the file
 * cut to its length, and the 16 bytes of hash and length (known last) are
 * written at their place with a plain write. A file system that refuses
 * O_DIRECT (tmpfs before Linux 6.6) gets plain writes, and so does
 * everyone with MUXVIEW_CACHE_DIRECT=0 in the environment.
 *
 * Return: 1 written with O_DIRECT, 0 with plain writes, or -1 (nothing
 * left behind).
 */
static int save_file(const char *p, const struct cache_key *k,
		     const struct model *m, int direct)
{
	uint64_t hdr[2] = { CACHE_MAGIC, k->len }, tail[2] = { 0, 0 };
	char tmp[PATH_MAX + 32];
	struct mv_io io;
	uint64_t start;
	void *buf = NULL;
	int fd, fl, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", p,
			     (int)getpid()) >= sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0),
		  0644);
	if (fd < 0 && direct && errno == EINVAL)
		return save_file(p, k, m, 0);
	if (fd < 0)
		return -1;
	io = (struct mv_io){ .fd = fd, .hash = CACHE_SEED };
	if (direct) {
		if (posix_memalign(&buf, MV_IO_ALIGN, CACHE_DIO_BUF)) {
			buf = NULL;
			goto out;
		}
		io.sbuf = buf;
		io.scap = CACHE_DIO_BUF;
	}
	mv_io_write(&io, hdr, sizeof(hdr));
	mv_io_write(&io, k->buf, k->len);
	mv_io_write(&io, tail, sizeof(tail));
	start = io.written;
	if (io.err || model_save(m, &io) < 0 || mv_io_flush(&io) < 0)
		goto out;
	tail[0] = io.hash;
	tail[1] = io.written - start;
	if (direct &&
	    (ftruncate(fd, (off_t)io.written) < 0 ||
	     (fl = fcntl(fd, F_GETFL)) < 0 ||
	     fcntl(fd, F_SETFL, fl & ~O_DIRECT) < 0))
		goto out;
	if (pwrite(fd, tail, sizeof(tail), (off_t)(start - sizeof(tail))) !=
	    (ssize_t)sizeof(tail))
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, p) < 0)
		goto out;
	rc = direct;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (rc < 0) {
		unlink(tmp);
		/* O_DIRECT opened but a write refused (an alignment this
		 * device wants larger): plain writes */
		if (direct && io.err)
			return save_file(p, k, m, 0);
	}
	return rc;
}

/*
 * cache_save - save model <m> of the trace under <root> for next time
 *
 * @root: the directory the user gave
 * @k:    its key, computed when the trace was opened (before reading it)
 * @m:    the finished model
 *
 * Beside the trace when its directory is writable, else in
 * $XDG_CACHE_HOME. Not when a trace file changed in the last
 * CACHE_RACY_S seconds before the key was taken: a file still being
 * written could change again within the same timestamp, unseen by the
 * key. A failure is not an error: the next open decodes the trace again.
 *
 * Return: 0 if saved, -1 if not. Context: the UI thread.
 */
int cache_save(const char *root, const struct cache_key *k,
	       const struct model *m)
{
	const char *env = getenv("MUXVIEW_CACHE_DIRECT");
	char p[PATH_MAX];
	int direct, rc;

	if (cache_mode == CACHE_OFF || k->bad)
		return -1;
	if (k->newest + CACHE_RACY_S >= k->taken) {
		cache_log("not written: %s%s", "the trace changed less than "
			  "2 s ago", "");
		return -1;
	}
	direct = !env || strcmp(env, "0");
	path_beside(p, sizeof(p), root);
	if ((rc = save_file(p, k, m, direct)) >= 0) {
		cache_log("written %s%s", p, rc ? " (O_DIRECT)" : "");
		return 0;
	}
	path_xdg(p, sizeof(p), root, 1);
	if (p[0] && (rc = save_file(p, k, m, direct)) >= 0) {
		cache_log("written %s%s", p, rc ? " (O_DIRECT)" : "");
		return 0;
	}
	cache_log("not written: %s%s", "no writable place", "");
	return -1;
}
