/*
 * reader.c - libbabeltrace2 graph: src.ctf.fs (one per trace), each of
 * its streams into one port of our sink, which merges them by time ->
 * model_add(); or, live, src.ctf.lttng-live (one session of a relay
 * daemon, already merged by time) -> a simple sink, the same handling.
 *
 * Event classes are resolved once: for each class we cache its type and
 * the index of every contract field in its payload, so decoding an event
 * is a few borrow-by-index calls. Everything kept is copied (names,
 * strings): bt2 objects die with their messages.
 */
#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "fmt.h"
#include "model.h"
#include "reader.h"

/* payload fields of the contract, by name */
enum fid {
	FLD_TID, FLD_TL, FLD_CONN, FLD_MUX, FLD_SIDE, FLD_STATE, FLD_PATH,
	FLD_OLD_STATE, FLD_NEW_STATE, FLD_LOCK, FLD_SITE, FLD_TRYLOCK, FLD_OK,
	FLD_WAIT_NS, FLD_HOLD_NS, FLD_FROM_TID, FLD_OLD_TL, FLD_NEW_TL,
	FLD_SRV, FLD_LIST, FLD_REASON, FLD_STREAM, FLD_OWNER, FLD_REMOTE,
	FLD_MODE, FLD_BUG, FLD_NBTHREAD, FLD_SEED, FLD_SCENARIO, FLD_USR1_BIT,
	FLD_REQ_OK, FLD_REQ_ERR, FLD_TAKEOVERS,
	FLD_OLD_MODE, FLD_NEW_MODE, FLD_MARKED, FLD_ORPHANS, FLD_INSIDE,
	FLD_COUNT
};

static const char *const fnames[FLD_COUNT] = {
	"tid", "tl", "conn", "mux", "side", "state", "path", "old_state",
	"new_state", "lock", "site", "trylock", "ok", "wait_ns", "hold_ns",
	"from_tid", "old_tl", "new_tl", "srv", "list", "reason", "stream",
	"owner", "remote", "mode", "bug", "nbthread", "seed", "scenario",
	"usr1_bit", "requests_ok", "requests_err", "takeovers",
	"old_mode", "new_mode", "marked", "orphans", "inside",
};

enum fkind { FK_SIGNED, FK_UNSIGNED, FK_STRING, FK_OTHER };

/* The fewest bytes an event takes in an LTTng stream file (an event
 * header, the vtid context, a tid): the model is sized from the stream
 * files' sizes divided by this (model_reserve()). */
#define READER_EV_BYTES	16

/* How a contract field lands in struct mv_event: its width there. */
enum fdst { FD_INT, FD_UINT, FD_U64, FD_STR };

#define EV_FIELD(f, d)	{ offsetof(struct mv_event, f), d }

static const struct {
	uint16_t off;
	uint8_t dst;
} fdest[FLD_COUNT] = {
	[FLD_TID] = EV_FIELD(tid, FD_INT),
	[FLD_TL] = EV_FIELD(tl, FD_U64),
	[FLD_CONN] = EV_FIELD(conn, FD_U64),
	[FLD_MUX] = EV_FIELD(mux, FD_INT),
	[FLD_SIDE] = EV_FIELD(side, FD_INT),
	[FLD_STATE] = EV_FIELD(state, FD_UINT),
	[FLD_PATH] = EV_FIELD(path, FD_INT),
	[FLD_OLD_STATE] = EV_FIELD(old_state, FD_UINT),
	[FLD_NEW_STATE] = EV_FIELD(new_state, FD_UINT),
	[FLD_LOCK] = EV_FIELD(lock, FD_INT),
	[FLD_SITE] = EV_FIELD(site, FD_INT),
	[FLD_TRYLOCK] = EV_FIELD(trylock, FD_INT),
	[FLD_OK] = EV_FIELD(ok, FD_INT),
	[FLD_WAIT_NS] = EV_FIELD(ns, FD_U64),
	[FLD_HOLD_NS] = EV_FIELD(hold_ns, FD_U64),
	[FLD_FROM_TID] = EV_FIELD(from_tid, FD_INT),
	[FLD_OLD_TL] = EV_FIELD(old_tl, FD_U64),
	[FLD_NEW_TL] = EV_FIELD(new_tl, FD_U64),
	[FLD_SRV] = EV_FIELD(srv, FD_INT),
	[FLD_LIST] = EV_FIELD(list, FD_INT),
	[FLD_REASON] = EV_FIELD(reason, FD_INT),
	[FLD_STREAM] = EV_FIELD(stream, FD_U64),
	[FLD_OWNER] = EV_FIELD(owner, FD_INT),
	[FLD_REMOTE] = EV_FIELD(remote, FD_INT),
	[FLD_MODE] = EV_FIELD(mode, FD_INT),
	[FLD_BUG] = EV_FIELD(bug, FD_STR),
	[FLD_NBTHREAD] = EV_FIELD(nbthread, FD_INT),
	[FLD_SEED] = EV_FIELD(seed, FD_U64),
	[FLD_SCENARIO] = EV_FIELD(scenario, FD_STR),
	[FLD_USR1_BIT] = EV_FIELD(usr1_bit, FD_UINT),
	[FLD_REQ_OK] = EV_FIELD(requests_ok, FD_U64),
	[FLD_REQ_ERR] = EV_FIELD(requests_err, FD_U64),
	[FLD_TAKEOVERS] = EV_FIELD(takeovers, FD_U64),
	[FLD_OLD_MODE] = EV_FIELD(old_mode, FD_INT),
	[FLD_NEW_MODE] = EV_FIELD(new_mode, FD_INT),
	[FLD_MARKED] = EV_FIELD(marked, FD_UINT),
	[FLD_ORPHANS] = EV_FIELD(orphans, FD_UINT),
	[FLD_INSIDE] = EV_FIELD(inside, FD_UINT),
};

/* One operation per present field, resolved once per class: how to read
 * it (signed, unsigned, string) and at which width to store it. */
enum fop {
	OP_S_INT, OP_S_UINT, OP_S_U64,
	OP_U_INT, OP_U_UINT, OP_U_U64,
	OP_STR, OP_SKIP
};

struct cls {
	const bt_event_class *ec;	/* key (borrowed) */
	int type;			/* enum mv_type, MV_T_NONE = foreign */
	char *name;			/* copied */
	int nf;
	uint8_t fop[FLD_COUNT];		/* fields present: enum fop */
	uint16_t foff[FLD_COUNT];	/* offset in struct mv_event */
	uint64_t fidx[FLD_COUNT];	/* member index in the payload */
	int has_clock;			/* its stream class has a clock */
	int ns_base_set;		/* ns_base known */
	int64_t ns_base;		/* 1 GHz clock: ns = ns_base + cycles */
	int64_t vtid_idx;		/* in the common context, -1 none */
	enum fkind vtid_kind;
	/* the event handed to the model: the fields of this class are
	 * written over it for each event, the others stay as set here
	 * (0, tid -1), so it is never cleared or copied */
	struct mv_event ev;
};

/* a slot of the class table: the key beside its class, so that a lookup
 * reads one array */
struct cls_slot {
	const bt_event_class *ec;	/* NULL: empty */
	struct cls *c;
};

struct reader {
	struct model *m;
	char *path;
	char **dirs;
	int ndirs, dcap;
	bt_graph *graph;
	const bt_plugin *ctf;
	int ended;
	enum reader_err err;
	char msg[1024];
	struct cls_slot *cls;		/* open addressing on ec pointer */
	size_t ccap, ncls;
	struct cls *last;
	uint64_t muxlab_events;
	uint32_t vtid_tick;		/* events handled: vtid read on 1 in 256 */
	uint64_t raw_min, raw_max, raw_cur;
	int have_range;
	uint64_t missing_packets;	/* stream data known to be missing */
	char warn[512];			/* why (the first problem found) */
	int live;			/* src.ctf.lttng-live */
	int waiting;			/* live: the last step met "try again
					 * later": nothing new for now */
	char *root;			/* the directory given (cache.h) */
	struct cache_key key;		/* the trace's files when opened */
	int from_cache;			/* the model came from the cache */
};

static void set_err(struct reader *r, enum reader_err e, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void set_err(struct reader *r, enum reader_err e, const char *fmt,
		    ...)
{
	va_list ap;

	if (r->err)
		return;		/* keep the first, most precise, reason */
	r->err = e;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* The causes of the current bt2 error, most specific last, one line. */
static void bt_error_text(char *buf, size_t len)
{
	const bt_error *err = bt_current_thread_take_error();
	uint64_t i, n;
	size_t o = 0;

	buf[0] = 0;
	if (!err)
		return;
	n = bt_error_get_cause_count(err);
	/* cause 0 is the root: what was wrong in the data. The outer
	 * causes only say which component failed, with addresses. */
	for (i = 0; i < n && o + 1 < len; i++) {
		const bt_error_cause *c = bt_error_borrow_cause_by_index(err,
									 i);
		const char *msg = bt_error_cause_get_message(c);

		if (!msg || !*msg || strstr(buf, msg) ||
		    strstr(msg, "comp-addr=") || strstr(msg, "status="))
			continue;
		o += snprintf(buf + o, len - o, "%s%s", o ? "; " : "", msg);
		if (o > 160)
			break;
	}
	bt_error_release(err);
	/* messages may hold newlines */
	for (o = 0; buf[o]; o++)
		if (buf[o] == '\n')
			buf[o] = ' ';
}

/* ---- finding the trace directories ---- */

static int add_dir(struct reader *r, const char *d)
{
	if (r->ndirs == r->dcap) {
		int ncap = r->dcap ? r->dcap * 2 : 8;
		char **nd = realloc(r->dirs, ncap * sizeof(*nd));

		if (!nd)
			return -1;
		r->dirs = nd;
		r->dcap = ncap;
	}
	r->dirs[r->ndirs] = strdup(d);
	return r->dirs[r->ndirs++] ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every directory under <d> holding a `metadata` file */
static int walk(struct reader *r, const char *d, int depth)
{
	struct dirent *de;
	char **subs = NULL;
	int nsubs = 0, scap = 0, has_meta = 0, i, rc = 0;
	DIR *dir;

	if (depth > 16)
		return 0;
	dir = opendir(d);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		char p[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode) && strcmp(de->d_name, "metadata") == 0)
			has_meta = 1;
		if (S_ISDIR(st.st_mode)) {
			if (nsubs == scap) {
				char **ns;

				scap = scap ? scap * 2 : 8;
				ns = realloc(subs, scap * sizeof(*ns));
				if (!ns) {
					rc = -1;
					break;
				}
				subs = ns;
			}
			subs[nsubs] = strdup(p);
			if (!subs[nsubs]) {
				rc = -1;
				break;
			}
			nsubs++;
		}
	}
	closedir(dir);
	if (!rc && has_meta)
		rc = add_dir(r, d);
	if (subs)
		qsort(subs, nsubs, sizeof(*subs), cmp_str);
	for (i = 0; i < nsubs; i++) {
		if (!rc && !has_meta)
			rc = walk(r, subs[i], depth + 1);
		free(subs[i]);
	}
	free(subs);
	return rc;
}

/* ---- the metadata, before babeltrace2 sees it ---- */

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}


#define META_MAGIC	0x75d11d57u	/* CTF packetized metadata */
#define META_HDR	37		/* bytes of a metadata packet header */

static uint32_t rd32(const unsigned char *p, int be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3] :
		    (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[1] << 8 | p[0];
}

/* the string value of `key = "..."` in metadata text <t>, into <out> */
static void env_string(const char *t, const char *key, char *out,
		       size_t len)
{
	const char *p = t;
	size_t n = strlen(key), i = 0;

	out[0] = 0;
	while ((p = strstr(p, key))) {
		const char *q = p + n;

		p = q;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '"')
			continue;
		while (*q && *q != '"' && i + 1 < len)
			out[i++] = *q++;
		out[i] = 0;
		return;
	}
}

/*
 * Check <dir>/metadata before babeltrace2 parses it: babeltrace2 2.0 spins
 * forever at 100% CPU on a packetized metadata file cut inside a packet
 * (it waits for the rest of the packet). Every packet must be whole up to
 * its content size. Stores in <id> what identifies the recording session
 * (the env's trace_name and creation time; "" if the metadata has none),
 * so that the traces of one session (per-PID buffers, 32 and 64-bit) are
 * told apart from unrelated recordings. Returns 0, or -1 with the reason
 * in <why>.
 */
static int meta_check(const char *dir, char *id, size_t idlen, char *why,
		      size_t wlen)
{
	char p[4096], name[256], when[64];
	unsigned char *buf = NULL;
	char *text = NULL;
	size_t size = 0, off = 0, tl = 0, cap = 0;
	struct stat st;
	FILE *f;
	int be, rc = -1;

	id[0] = 0;
	snprintf(p, sizeof(p), "%s/metadata", dir);
	f = fopen(p, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		snprintf(why, wlen, "cannot read its metadata file: %s",
			 strerror(errno));
		goto out;
	}
	size = (size_t)st.st_size;
	if (size > (256u << 20)) {	/* not ours to judge: let bt2 say */
		rc = 0;
		goto out;
	}
	buf = malloc(size + 1);
	text = malloc(size + 1);
	if (!buf || !text || fread(buf, 1, size, f) != size) {
		snprintf(why, wlen, "cannot read its metadata file");
		goto out;
	}
	buf[size] = 0;
	if (size >= 4 && (rd32(buf, 0) == META_MAGIC ||
			  rd32(buf, 1) == META_MAGIC)) {
		be = rd32(buf, 1) == META_MAGIC;
		while (off < size) {
			uint32_t content, psize;

			if (size - off < META_HDR) {
				snprintf(why, wlen, "the metadata file is "
					 "truncated: it ends %zu bytes into a "
					 "packet header (%zu bytes in all)",
					 size - off, size);
				goto out;
			}
			if (rd32(buf + off, be) != META_MAGIC) {
				snprintf(why, wlen, "the metadata file is "
					 "corrupt: no metadata packet starts at "
					 "byte %zu", off);
				goto out;
			}
			content = rd32(buf + off + 24, be);
			psize = rd32(buf + off + 28, be);
			if (content % 8 || psize % 8 ||
			    content < META_HDR * 8 || content > psize) {
				snprintf(why, wlen, "the metadata file is "
					 "corrupt: the packet at byte %zu has "
					 "content size %u and packet size %u "
					 "bits", off, content, psize);
				goto out;
			}
			if (off + content / 8 > size) {
				snprintf(why, wlen, "the metadata file is "
					 "truncated: its packet at byte %zu "
					 "holds %u bytes, the file ends %zu "
					 "bytes into it", off, content / 8,
					 size - off);
				goto out;
			}
			memcpy(text + tl, buf + off + META_HDR,
			       content / 8 - META_HDR);
			tl += content / 8 - META_HDR;
			off += psize / 8;
		}
	} else {
		memcpy(text, buf, size);
		tl = size;
	}
	(void)cap;
	text[tl] = 0;
	env_string(text, "trace_name", name, sizeof(name));
	env_string(text, "trace_creation_datetime", when, sizeof(when));
	if (name[0] || when[0])
		snprintf(id, idlen, "%s@%s", name, when);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(text);
	return rc;
}

/* The length of <d> without LTTng's own layout below a recording
 * (/ust/uid/UID/64-bit, /ust/pid/PROC-PID-TIME, /kernel): the directory
 * lab/record and lttng print, which is what a user opens. */
static int recording_len(const char *d)
{
	const char *u = NULL, *p = d;
	size_t n = strlen(d);

	while ((p = strstr(p, "/ust/")))
		u = p++;
	if (u && (!strncmp(u, "/ust/uid/", 9) || !strncmp(u, "/ust/pid/", 9)))
		return (int)(u - d);
	if (n > 7 && !strcmp(d + n - 7, "/kernel"))
		return (int)(n - 7);
	return (int)n;
}

/* Check the metadata of every trace found, and that they are one
 * recording: a directory of several recordings (traces/, a folder of
 * lab/record outputs) is refused, not merged into a false timeline. */
static int check_traces(struct reader *r)
{
	char (*ids)[320] = calloc((size_t)r->ndirs, sizeof(*ids));
	char why[600];
	int t, u, distinct = 0;

	if (!ids) {
		set_err(r, RERR_NOMEM, "out of memory");
		return -1;
	}
	for (t = 0; t < r->ndirs; t++) {
		if (meta_check(r->dirs[t], ids[t], sizeof(ids[t]), why,
			       sizeof(why)) < 0) {
			set_err(r, RERR_OPEN, "cannot open the trace in %s: %s."
				"\n  (babeltrace2 would hang on it.) fix: "
				"record the trace again; a trace copied while "
				"LTTng was still writing it is incomplete",
				r->dirs[t], why);
			free(ids);
			return -1;
		}
	}
	for (t = 0; t < r->ndirs; t++) {
		for (u = 0; u < t; u++)
			if (ids[t][0] && !strcmp(ids[t], ids[u]))
				break;
		if (u == t)
			distinct++;
	}
	if (distinct > 1) {
		size_t o;
		int shown = 0;

		o = (size_t)snprintf(r->msg, sizeof(r->msg), "%s holds %d "
				     "separate recordings, not one trace; "
				     "muxview would mix them. Open one (or two "
				     "side by side: muxview A B):", r->path,
				     distinct);
		for (t = 0; t < r->ndirs && o + 1 < sizeof(r->msg); t++) {
			for (u = 0; u < t; u++)
				if (ids[t][0] && !strcmp(ids[t], ids[u]))
					break;
			if (u < t)
				continue;
			if (++shown > 12) {
				o += (size_t)snprintf(r->msg + o,
						      sizeof(r->msg) - o,
						      "\n  ...");
				break;
			}
			o += (size_t)snprintf(r->msg + o, sizeof(r->msg) - o,
					      "\n  %.*s",
					      recording_len(r->dirs[t]),
					      r->dirs[t]);
		}
		r->err = RERR_SEVERAL;
		free(ids);
		return -1;
	}
	free(ids);
	return 0;
}

/* ---- streams: missing or truncated ones ---- */

static void add_missing(struct reader *r, uint64_t packets, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

static void add_missing(struct reader *r, uint64_t packets, const char *fmt,
			...)
{
	va_list ap;

	r->missing_packets += packets ? packets : 1;
	if (r->warn[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->warn, sizeof(r->warn), fmt, ap);
	va_end(ap);
}

/* channel name and CPU of a stream file name "chan_N", -1 if not so */
static int stream_cpu(const char *name, char *chan, size_t len)
{
	const char *u = strrchr(name, '_');
	char *end;
	long n;

	if (!u || !u[1])
		return -1;
	n = strtol(u + 1, &end, 10);
	if (*end || n < 0 || n > 65535)
		return -1;
	snprintf(chan, len, "%.*s", (int)(u - name), name);
	return (int)n;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * reader_file_names - the regular files of a trace directory
 *
 * @dir: the directory
 * @n:   the number of names returned
 * @oom: set to 1 when the list could not be completed (out of memory)
 *
 * Returns their names, sorted, dot files left out (the index cache is one),
 * each and the array to free(); NULL with *n = 0 when there are none or
 * @dir cannot be read.
 */
char **reader_file_names(const char *dir, size_t *n, int *oom)
{
	char **names = NULL, p[4096];
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*n = 0;
	*oom = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 16) *
					    sizeof(*nn));

			if (!nn)
				break;
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		if (!(names[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	if (de)
		*oom = 1;
	closedir(d);
	if (names)
		qsort(names, *n, sizeof(*names), cmp_cstr);
	return names;
}

/* Open an LTTng index file (index/STREAM.idx) and check its header:
 * magic, and an entry length between the 40 bytes of CTF 1.8's
 * packet_index and @max. Returns it positioned on the first entry, the
 * entry length in @elen; NULL if it cannot be opened or is not one. */
static FILE *idx_open(const char *path, uint32_t *elen, size_t max)
{
	unsigned char hdr[16];
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return NULL;
	if (fread(hdr, 1, 16, fp) != 16 || be64(hdr) >> 32 != 0xC1F1DCC1u)
		goto bad;
	*elen = (uint32_t)hdr[12] << 24 | hdr[13] << 16 | hdr[14] << 8 |
		hdr[15];
	if (*elen < 40 || *elen > max)
		goto bad;
	return fp;
bad:
	fclose(fp);
	return NULL;
}

/*
 * An LTTng trace directory holds one stream file per CPU and channel
 * (chan_0, chan_1...), each with an index (index/chan_N.idx) listing its
 * packets. A stream file that is missing, empty or shorter than its index
 * says, or a CPU number missing in the sequence, means events are gone:
 * babeltrace2 reads the rest without a word, and a checker would then
 * report the holes as engine bugs. Noted in r->missing_packets.
 */
static void check_streams(struct reader *r, const char *dir)
{
	char p[4096], chan[256], prev[256] = "", where[4096];
	char **names;
	size_t n, i;
	struct dirent *de;
	DIR *d;
	int maxcpu = -1, k, oom;
	unsigned char seen[1024];

	/* stream files are named from the trace directory given when it is
	 * the only one */
	snprintf(where, sizeof(where), "%s%s", r->ndirs > 1 ? dir : "",
		 r->ndirs > 1 ? "/" : "");
	names = reader_file_names(dir, &n, &oom);

	/* each index: its stream must hold every packet it lists */
	snprintf(p, sizeof(p), "%s/index", dir);
	d = opendir(p);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		unsigned char ent[72];
		uint64_t npk = 0, lost = 0;
		char f[4352], sf[4352];
		struct stat st;
		uint32_t elen;
		FILE *fp;
		int have;

		if (len < 5 || strcmp(de->d_name + len - 4, ".idx"))
			continue;
		snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
		snprintf(sf, sizeof(sf), "%s/%.*s", dir, (int)(len - 4),
			 de->d_name);
		fp = idx_open(f, &elen, sizeof(ent));
		if (!fp)
			continue;
		have = stat(sf, &st) == 0;
		while (fread(ent, 1, elen, fp) == elen) {
			uint64_t o = be64(ent), cs = be64(ent + 16) / 8;

			npk++;
			if (!have || o + cs > (uint64_t)st.st_size)
				lost++;
		}
		fclose(fp);
		if (!have && npk)
			add_missing(r, npk, "the stream file %s%.*s is "
				    "missing, but its index lists %" PRIu64
				    " packet(s)", where, (int)(len - 4),
				    de->d_name, npk);
		else if (lost && !st.st_size)
			add_missing(r, lost, "the stream file %s%.*s is "
				    "empty, but its index lists %" PRIu64
				    " packet(s)", where, (int)(len - 4),
				    de->d_name, npk);
		else if (lost)
			add_missing(r, lost, "the stream file %s%.*s is "
				    "shorter than its index says: %" PRIu64
				    " of its %" PRIu64 " packets are missing",
				    where, (int)(len - 4), de->d_name, lost,
				    npk);
	}
	if (d)
		closedir(d);

	/* streams: none empty (LTTng writes at least one packet per
	 * stream), and no CPU missing in each channel's sequence */
	for (i = 0; i <= n; i++) {
		int cpu = i < n ? stream_cpu(names[i], chan, sizeof(chan)) : -1;

		if (i < n && !strcmp(names[i], "metadata"))
			continue;

		if (i == n || cpu < 0 || strcmp(chan, prev)) {
			for (k = 0; prev[0] && k <= maxcpu && k < 1024; k++)
				if (!seen[k])
					add_missing(r, 1, "the stream file "
						    "%s%s_%d is missing (the "
						    "other CPUs' streams of "
						    "channel %s are there)",
						    where, prev, k, prev);
			prev[0] = 0;
			maxcpu = -1;
			memset(seen, 0, sizeof(seen));
			if (i == n || cpu < 0)
				continue;
			snprintf(prev, sizeof(prev), "%s", chan);
		}
		if (cpu < 1024)
			seen[cpu] = 1;
		if (cpu > maxcpu)
			maxcpu = cpu;
	}
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (stream_cpu(names[i], chan, sizeof(chan)) >= 0 &&
		    stat(p, &st) == 0 && st.st_size == 0) {
			snprintf(p, sizeof(p), "%s/index/%s.idx", dir,
				 names[i]);
			if (access(p, F_OK) < 0)	/* else counted above */
				add_missing(r, 1, "the stream file %s%s is "
					    "empty (LTTng writes at least one "
					    "packet per stream)", where,
					    names[i]);
		}
		free(names[i]);
	}
	free(names);
}

/* ---- progress: packet time ranges from the LTTng index files ---- */

static void scan_index(struct reader *r, const char *tdir)
{
	char p[4096];
	struct dirent *de;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/index", tdir);
	dir = opendir(p);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		unsigned char ent[72];
		char f[4352];
		uint32_t elen;
		FILE *fp;
		size_t n = strlen(de->d_name);

		if (n < 4 || strcmp(de->d_name + n - 4, ".idx"))
			continue;
		snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
		fp = idx_open(f, &elen, sizeof(ent));
		if (!fp)
			continue;
		while (fread(ent, 1, elen, fp) == elen) {
			uint64_t b = be64(ent + 24), e = be64(ent + 32);

			if (!r->have_range || b < r->raw_min)
				r->raw_min = b;
			if (!r->have_range || e > r->raw_max)
				r->raw_max = e;
			r->have_range = 1;
		}
		fclose(fp);
	}
	closedir(dir);
}

/* ---- event classes ---- */

static size_t ptr_hash(const void *p, size_t cap)
{
	uintptr_t v = (uintptr_t)p;

	v ^= v >> 17;
	v *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(v >> 20) & (cap - 1);
}

static int cls_insert(struct reader *r, struct cls *c)
{
	size_t j;

	if ((r->ncls + 1) * 2 > r->ccap) {
		size_t ncap = r->ccap ? r->ccap * 2 : 64, i;
		struct cls_slot *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return -1;
		for (i = 0; i < r->ccap; i++) {
			if (!r->cls[i].ec)
				continue;
			j = ptr_hash(r->cls[i].ec, ncap);
			while (nt[j].ec)
				j = (j + 1) & (ncap - 1);
			nt[j] = r->cls[i];
		}
		free(r->cls);
		r->cls = nt;
		r->ccap = ncap;
	}
	j = ptr_hash(c->ec, r->ccap);
	while (r->cls[j].ec)
		j = (j + 1) & (r->ccap - 1);
	r->cls[j].ec = c->ec;
	r->cls[j].c = c;
	r->ncls++;
	return 0;
}

static int64_t member_index(const bt_field_class *fc, const char *name,
			    enum fkind *kind)
{
	uint64_t i, n;

	if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(fc);
	for (i = 0; i < n; i++) {
		const bt_field_class_structure_member *mb =
			bt_field_class_structure_borrow_member_by_index_const(
				fc, i);
		const bt_field_class *mfc;
		bt_field_class_type t;

		if (strcmp(bt_field_class_structure_member_get_name(mb), name))
			continue;
		mfc = bt_field_class_structure_member_borrow_field_class_const(
			mb);
		t = bt_field_class_get_type(mfc);
		if (kind) {
			if (bt_field_class_type_is(t,
				BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
				*kind = FK_SIGNED;
			else if (bt_field_class_type_is(t,
				BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
				*kind = FK_UNSIGNED;
			else if (t == BT_FIELD_CLASS_TYPE_STRING)
				*kind = FK_STRING;
			else
				*kind = FK_OTHER;
		}
		return (int64_t)i;
	}
	return -1;
}

static struct cls *cls_lookup(struct reader *r, const bt_event_class *ec)
{
	const bt_stream_class *sc;
	const bt_clock_class *cc;
	const bt_field_class *pfc;
	const char *name;
	struct cls *c;
	size_t j;
	int f;

	if (r->last && r->last->ec == ec)
		return r->last;
	if (r->ccap) {
		j = ptr_hash(ec, r->ccap);
		while (r->cls[j].ec) {
			if (r->cls[j].ec == ec)
				return r->last = r->cls[j].c;
			j = (j + 1) & (r->ccap - 1);
		}
	}

	/* first event of this class: resolve everything once */
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ec = ec;
	name = bt_event_class_get_name(ec);
	c->name = strdup(name ? name : "?");
	if (!c->name || cls_insert(r, c) < 0) {
		free(c->name);
		free(c);
		return NULL;
	}
	if (strncmp(c->name, "muxlab:", 7) == 0)
		c->type = mv_type_from_name(c->name + 7);
	else
		c->type = MV_T_NONE;
	pfc = bt_event_class_borrow_payload_field_class_const(ec);
	for (f = 0; f < FLD_COUNT; f++) {
		enum fkind k = FK_OTHER;
		int64_t idx = member_index(pfc, fnames[f], &k);

		int op = OP_SKIP;

		if (idx < 0 || k == FK_OTHER)
			continue;
		switch (fdest[f].dst) {
		case FD_INT:
			op = k == FK_SIGNED ? OP_S_INT :
			     k == FK_UNSIGNED ? OP_U_INT : OP_SKIP;
			break;
		case FD_UINT:
			op = k == FK_SIGNED ? OP_S_UINT :
			     k == FK_UNSIGNED ? OP_U_UINT : OP_SKIP;
			break;
		case FD_U64:
			op = k == FK_SIGNED ? OP_S_U64 :
			     k == FK_UNSIGNED ? OP_U_U64 : OP_SKIP;
			break;
		case FD_STR:
			op = k == FK_STRING ? OP_STR : OP_SKIP;
			break;
		}
		if (op == OP_SKIP)
			continue;
		c->fop[c->nf] = (uint8_t)op;
		c->foff[c->nf] = fdest[f].off;
		c->fidx[c->nf] = (uint64_t)idx;
		c->nf++;
	}
	c->ev.type = c->type;
	c->ev.tid = -1;
	c->ev.vtid = -1;
	if (c->type == MV_T_OTHER)
		c->ev.name = c->name;
	sc = bt_event_class_borrow_stream_class_const(ec);
	cc = bt_stream_class_borrow_default_clock_class_const(sc);
	c->has_clock = cc != NULL;
	/* LTTng's clock counts nanoseconds: then the time of an event is
	 * its cycles plus the clock's offset, which bt2 would compute again
	 * for every event (set from the first one) */
	c->ns_base_set = 0;
	if (cc && bt_clock_class_get_frequency(cc) == 1000000000ULL)
		c->ns_base_set = -1;	/* to be set by the first event */
	c->vtid_idx = member_index(
		bt_stream_class_borrow_event_common_context_field_class_const(sc),
		"vtid", &c->vtid_kind);
	return r->last = c;
}

/* The time of event message <msg> of class <c>, in ns from the clock's
 * origin (0 without a clock); its raw clock value in *cyc. LTTng's
 * clock counts nanoseconds: then the time is the cycles plus the clock's
 * offset, taken from the first event of the class, which saves bt2's
 * conversion (and its overflow checks) on every event. */
static int64_t event_ns(struct cls *c, const bt_message *msg, uint64_t *cyc)
{
	const bt_clock_snapshot *cs;
	int64_t ns;

	*cyc = 0;
	if (!c->has_clock)
		return 0;
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	*cyc = bt_clock_snapshot_get_value(cs);
	if (c->ns_base_set > 0 && *cyc <= (uint64_t)INT64_MAX -
	    (uint64_t)(c->ns_base > 0 ? c->ns_base : 0))
		return c->ns_base + (int64_t)*cyc;
	if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) !=
	    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return 0;
	if (c->ns_base_set < 0) {
		c->ns_base = ns - (int64_t)*cyc;
		c->ns_base_set = 1;
	}
	return ns;
}

/* Event <ev> (of an event message) of class <c> (cls_lookup()), at time
 * <ns> with raw clock value <cyc> (event_ns()), into the model. */
static int handle_event_at(struct reader *r, const bt_event *ev,
			   struct cls *c, int64_t ns, uint64_t cyc)
{
	const bt_field *pl, *ctx;
	struct mv_event *e;
	int i;

	if (c->type == MV_T_NONE) {
		if (model_add_name(r->m, c->name) < 0) {
			set_err(r, RERR_NOMEM, "out of memory");
			return -1;
		}
		return 0;
	}
	if (c->vtid_idx < 0) {
		set_err(r, RERR_NOVTID, "%s: the trace was recorded without "
			"the vtid context, so its threads cannot be told "
			"apart by LTTng.\n  fix: record again with `lttng "
			"add-context -u -t vtid` after `lttng enable-event` "
			"and before `lttng start`", r->path);
		return -1;
	}

	e = &c->ev;
	if (c->has_clock)
		r->raw_cur = cyc;
	e->ts = ns > 0 ? (uint64_t)ns : 0;
	pl = bt_event_borrow_payload_field_const(ev);
	for (i = 0; pl && i < c->nf; i++) {
		const bt_field *f =
			bt_field_structure_borrow_member_field_by_index_const(
				pl, c->fidx[i]);

		char *d = (char *)e + c->foff[i];

		switch (c->fop[i]) {
		case OP_S_INT:
			*(int *)d = (int)bt_field_integer_signed_get_value(f);
			break;
		case OP_S_UINT:
			*(unsigned int *)d = (unsigned int)
				bt_field_integer_signed_get_value(f);
			break;
		case OP_S_U64:
			*(uint64_t *)d = (uint64_t)
				bt_field_integer_signed_get_value(f);
			break;
		case OP_U_INT:
			*(int *)d = (int)bt_field_integer_unsigned_get_value(f);
			break;
		case OP_U_UINT:
			*(unsigned int *)d = (unsigned int)
				bt_field_integer_unsigned_get_value(f);
			break;
		case OP_U_U64:
			*(uint64_t *)d = bt_field_integer_unsigned_get_value(f);
			break;
		case OP_STR:
			*(const char **)d = bt_field_string_get_value(f);
			break;
		}
	}
	/* the vtid context only names a lane's thread (model_add() keeps
	 * the first one, and notes a tid that several threads used): read
	 * it until the lane has one, then on one event in 256, which
	 * saves three library calls on the others (3 % of a load) */
	e->vtid = -1;
	if ((r->vtid_tick++ & 255) == 0 || model_lane_vtid(r->m, e->tid) < 0) {
		ctx = bt_event_borrow_common_context_field_const(ev);
		if (ctx) {
			const bt_field *f =
				bt_field_structure_borrow_member_field_by_index_const(
					ctx, (uint64_t)c->vtid_idx);

			if (c->vtid_kind == FK_SIGNED)
				e->vtid = (int)bt_field_integer_signed_get_value(f);
			else if (c->vtid_kind == FK_UNSIGNED)
				e->vtid = (int)bt_field_integer_unsigned_get_value(f);
		}
	}
	if (c->type == MV_T_LOCK_REL)
		e->ns = e->hold_ns;	/* format 1: a release's one duration */
	r->muxlab_events++;
	if (model_add(r->m, e) < 0) {
		set_err(r, RERR_NOMEM, "out of memory after %zu events",
			r->m->nev);
		return -1;
	}
	return 0;
}

static int handle_event(struct reader *r, const bt_message *msg)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	struct cls *c = cls_lookup(r, bt_event_borrow_class_const(ev));
	uint64_t cyc;
	int64_t ns;

	if (!c) {
		set_err(r, RERR_NOMEM, "out of memory");
		return -1;
	}
	ns = event_ns(c, msg, &cyc);
	return handle_event_at(r, ev, c, ns, cyc);
}

/* The beginning time of a discarded-packets (<packets> 1) or discarded-
 * events message, in ns from the clock's origin; 0 if it has none. */
static int64_t discarded_ns(const bt_message *msg, int packets)
{
	const bt_clock_snapshot *cs = NULL;
	const bt_stream_class *sc;
	int64_t ns;

	if (packets) {
		sc = bt_stream_borrow_class_const(
			bt_message_discarded_packets_borrow_stream_const(msg));
		if (bt_stream_class_discarded_packets_have_default_clock_snapshots(sc))
			cs = bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(
				msg);
	} else {
		sc = bt_stream_borrow_class_const(
			bt_message_discarded_events_borrow_stream_const(msg));
		if (bt_stream_class_discarded_events_have_default_clock_snapshots(sc))
			cs = bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
				msg);
	}
	if (!cs || bt_clock_snapshot_get_ns_from_origin(cs, &ns) !=
	    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return 0;
	return ns;
}

static int handle_discarded(struct reader *r, const bt_message *msg,
			    int packets)
{
	struct mv_event e;
	uint64_t n = 0;
	int64_t ns = discarded_ns(msg, packets);

	memset(&e, 0, sizeof(e));
	e.type = MV_T_DISCARDED;
	e.tid = -1;
	e.vtid = -1;
	if (packets) {
		if (bt_message_discarded_packets_get_count(msg, &n) !=
		    BT_PROPERTY_AVAILABILITY_AVAILABLE)
			n = 1;
		e.packets = n ? n : 1;
	} else {
		if (bt_message_discarded_events_get_count(msg, &n) !=
		    BT_PROPERTY_AVAILABILITY_AVAILABLE)
			n = 0;
		e.count = n;
	}
	e.ts = ns > 0 ? (uint64_t)ns : r->m->t_last;
	if (model_add(r->m, &e) < 0) {
		set_err(r, RERR_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

static bt_graph_simple_sink_component_consume_func_status
sink_consume(bt_message_iterator *it, void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t count, i;
	int rc = 0;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];

		if (!rc) {
			switch (bt_message_get_type(msg)) {
			case BT_MESSAGE_TYPE_EVENT:
				rc = handle_event(r, msg);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
				rc = handle_discarded(r, msg, 0);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
				rc = handle_discarded(r, msg, 1);
				break;
			default:
				break;
			}
		}
		bt_message_put_ref(msg);
	}
	return rc ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR :
		    BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* ---- the merging sink: a trace on disk ----
 *
 * src.ctf.fs gives one output port per stream (an LTTng per-CPU file),
 * each in time order. babeltrace2's own flt.utils.muxer merges them for
 * any consumer; for ours a sink with one input port per stream does it
 * for less: the time of each stream's next event is computed once (and
 * handed to handle_event_at(), which needs it anyway), and a stream's
 * events are taken in a row while they come before every other
 * stream's next one, so most events cost one comparison. Equal times go
 * to the lower port (a fixed order: the same trace always loads the
 * same way). Messages other than events and discarded-events/packets
 * records are only dropped, so they go first, whatever their time. */

struct mport {
	bt_message_iterator *it;	/* NULL once ended */
	bt_message_array_const msgs;	/* the current batch (the iterator's) */
	uint64_t n, pos;		/* its size, the next message in it */
	/* the next message, msgs[pos], decoded for the merge */
	const bt_event *ev;		/* its event (an event message) */
	struct cls *c;			/* its event class, NULL: not an event */
	int64_t ns;			/* its time, INT64_MIN: at once */
	uint64_t cyc;			/* its raw clock value (events) */
};

struct merge {
	struct reader *r;
	struct mport *p;
	uint64_t np;
};

/* the key of port <p>'s next message; -1 (error set) if out of memory */
static int mport_head(struct reader *r, struct mport *p)
{
	const bt_message *msg = p->msgs[p->pos];

	p->c = NULL;
	p->ns = INT64_MIN;
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		p->ev = bt_message_event_borrow_event_const(msg);
		p->c = cls_lookup(r, bt_event_borrow_class_const(p->ev));
		if (!p->c) {
			set_err(r, RERR_NOMEM, "out of memory");
			return -1;
		}
		p->ns = event_ns(p->c, msg, &p->cyc);
		break;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		p->ns = discarded_ns(msg, 0);
		break;
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		p->ns = discarded_ns(msg, 1);
		break;
	default:
		break;
	}
	return 0;
}

/* Port <p> has no message left in its batch: the next batch. Returns 1
 * if it has one, 0 if the stream ended, or the status to give up with. */
static int mport_fill(struct reader *r, struct mport *p,
		      bt_component_class_sink_consume_method_status *st)
{
	switch (bt_message_iterator_next(p->it, &p->msgs, &p->n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		p->pos = 0;
		if (mport_head(r, p) < 0)
			break;
		return 1;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(p->it);
		p->n = p->pos = 0;
		return 0;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		p->n = p->pos = 0;
		*st = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
		return -1;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		p->n = p->pos = 0;
		*st = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
		return -1;
	default:
		p->n = p->pos = 0;
		break;
	}
	*st = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	return -1;
}

/* Handle port <p>'s next message, put it, and decode the one after.
 * Returns -1 (error set) if the model refused it. */
static int mport_take(struct reader *r, struct mport *p)
{
	const bt_message *msg = p->msgs[p->pos];
	int rc = 0;

	if (p->c)
		rc = handle_event_at(r, p->ev, p->c, p->ns, p->cyc);
	else if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_DISCARDED_EVENTS)
		rc = handle_discarded(r, msg, 0);
	else if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_DISCARDED_PACKETS)
		rc = handle_discarded(r, msg, 1);
	bt_message_put_ref(msg);
	if (++p->pos < p->n && rc == 0)
		rc = mport_head(r, p);
	return rc;
}

/* messages merged in one call: reader_step() looks at the clock every
 * 256 calls, so that the UI paints its progress every 30 ms or so */
#define MERGE_BUDGET	256

static bt_component_class_sink_consume_method_status
merge_consume(bt_self_component_sink *self)
{
	struct merge *g = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));
	bt_component_class_sink_consume_method_status st =
		BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
	struct reader *r = g->r;
	unsigned int budget = MERGE_BUDGET;
	uint64_t i;

	while (budget) {
		struct mport *best = NULL;
		int64_t limit = INT64_MAX;
		uint64_t bi = 0, li = UINT64_MAX;

		/* every live port has its next message decoded */
		for (i = 0; i < g->np; i++) {
			struct mport *p = &g->p[i];

			if (p->it && p->pos == p->n &&
			    mport_fill(r, p, &st) < 0)
				return st;
			if (!p->it)
				continue;
			if (!best || p->ns < best->ns) {
				if (best && (best->ns < limit ||
					     (best->ns == limit && bi < li))) {
					limit = best->ns;
					li = bi;
				}
				best = p;
				bi = i;
			} else if (p->ns < limit) {
				limit = p->ns;
				li = i;
			}
		}
		if (!best)
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
		/* its messages while they come first (ties: lower port) */
		do {
			if (mport_take(r, best) < 0)
				return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
			budget--;
		} while (budget && best->pos < best->n &&
			 (best->ns < limit || (best->ns == limit && bi < li)));
	}
	return st;
}

static bt_component_class_initialize_method_status
merge_init(bt_self_component_sink *self,
	   bt_self_component_sink_configuration *conf,
	   const bt_value *params, void *data)
{
	struct merge *g = data;
	uint64_t i;

	(void)conf;
	(void)params;
	for (i = 0; i < g->np; i++) {
		char name[32];

		snprintf(name, sizeof(name), "in%" PRIu64, i);
		if (bt_self_component_sink_add_input_port(self, name, NULL,
							  NULL) !=
		    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
			return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}
	/* only now: a component whose initialisation failed never owns
	 * <g> (add_merge_sink() frees it), finalised or not */
	bt_self_component_set_data(
		bt_self_component_sink_as_self_component(self), g);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static bt_component_class_sink_graph_is_configured_method_status
merge_configured(bt_self_component_sink *self)
{
	struct merge *g = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));
	uint64_t i;

	for (i = 0; i < g->np; i++)
		if (bt_message_iterator_create_from_sink_component(self,
			bt_self_component_sink_borrow_input_port_by_index(
				self, i), &g->p[i].it) !=
		    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK)
			return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

static void merge_finalize(bt_self_component_sink *self)
{
	struct merge *g = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));
	uint64_t i;

	if (!g)
		return;
	for (i = 0; i < g->np; i++) {
		struct mport *p = &g->p[i];

		for (; p->pos < p->n; p->pos++)
			bt_message_put_ref(p->msgs[p->pos]);
		BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(p->it);
	}
	free(g->p);
	free(g);
}

/* Add the merging sink for <np> streams to <r>'s graph; the caller then
 * connects the sources' ports to its input ports in order. */
static const bt_component_sink *add_merge_sink(struct reader *r, uint64_t np)
{
	const bt_component_sink *sink = NULL;
	bt_component_class_sink *cls;
	struct merge *g = calloc(1, sizeof(*g));

	if (!g || !(g->p = calloc(np ? np : 1, sizeof(*g->p)))) {
		free(g);
		return NULL;
	}
	g->r = r;
	g->np = np;
	cls = bt_component_class_sink_create("muxview-merge", merge_consume);
	if (!cls ||
	    bt_component_class_sink_set_initialize_method(cls, merge_init) !=
	    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_component_class_sink_set_graph_is_configured_method(cls,
		merge_configured) != BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_component_class_sink_set_finalize_method(cls, merge_finalize) !=
	    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_graph_add_sink_component_with_initialize_method_data(r->graph,
		cls, "muxview", NULL, g, BT_LOGGING_LEVEL_NONE, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		/* once added, the component owns <g> (merge_finalize) */
		if (!sink) {
			free(g->p);
			free(g);
		}
		BT_COMPONENT_CLASS_SINK_PUT_REF_AND_RESET(cls);
		return NULL;
	}
	BT_COMPONENT_CLASS_SINK_PUT_REF_AND_RESET(cls);
	return sink;
}

static const bt_plugin *find_plugin(struct reader *r, const char *name)
{
	const bt_plugin *p = NULL;

	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
			   &p) != BT_PLUGIN_FIND_STATUS_OK) {
		set_err(r, RERR_OPEN, "the babeltrace2 `%s` plugin is not "
			"installed.\n  fix: apt-get install babeltrace2", name);
		return NULL;
	}
	return p;
}

/* babeltrace2 may spin forever on input we could not foresee: a
 * watchdog turns a hang while it opens a trace into a message */
static char watchdog_msg[1200];

static void on_watchdog(int sig)
{
	ssize_t n = write(2, watchdog_msg, strlen(watchdog_msg));

	(void)n;
	(void)sig;
	_exit(2);
}

#define WATCHDOG_S	20

static int build_graph(struct reader *r)
{
	const bt_component_class_source *src_cls;
	const bt_component_sink *sink;
	const bt_port_output **ports = NULL;
	uint64_t nports = 0, pcap = 0, p;
	char cause[600];
	int t;

	r->ctf = find_plugin(r, "ctf");
	if (!r->ctf)
		return -1;
	r->graph = bt_graph_create(0);
	if (!r->graph) {
		set_err(r, RERR_NOMEM, "out of memory");
		return -1;
	}
	src_cls = bt_plugin_borrow_source_component_class_by_name_const(
		r->ctf, "fs");
	if (!src_cls) {
		set_err(r, RERR_OPEN, "the babeltrace2 `ctf` plugin has no "
			"`fs` source.\n  fix: apt-get install babeltrace2");
		return -1;
	}
	for (t = 0; t < r->ndirs; t++) {
		const bt_component_source *src = NULL;
		bt_value *params = bt_value_map_create();
		bt_value *inputs = NULL;
		bt_graph_add_component_status st;
		uint64_t np;
		char name[32];

		if (!params || bt_value_map_insert_empty_array_entry(
			    params, "inputs", &inputs) !=
		    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
		    bt_value_array_append_string_element(inputs, r->dirs[t]) !=
		    BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK) {
			BT_VALUE_PUT_REF_AND_RESET(params);
			set_err(r, RERR_NOMEM, "out of memory");
			goto fail;
		}
		snprintf(name, sizeof(name), "src%d", t);
		{
			struct sigaction sa, old;

			snprintf(watchdog_msg, sizeof(watchdog_msg),
				 "muxview: %s: babeltrace2 did not finish "
				 "opening this trace in %d s: its metadata or "
				 "stream files are probably truncated or "
				 "corrupt.\n  fix: record the trace again\n",
				 r->dirs[t], WATCHDOG_S);
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_watchdog;
			sigaction(SIGALRM, &sa, &old);
			alarm(WATCHDOG_S);
			st = bt_graph_add_source_component(r->graph, src_cls,
							   name, params,
							   BT_LOGGING_LEVEL_NONE,
							   &src);
			alarm(0);
			sigaction(SIGALRM, &old, NULL);
		}
		BT_VALUE_PUT_REF_AND_RESET(params);
		if (st != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			bt_error_text(cause, sizeof(cause));
			set_err(r, RERR_OPEN, "cannot open the trace in %s: "
				"its metadata or stream files are truncated or corrupt "
				"(%s).\n  fix: record the trace again",
				r->dirs[t], cause);
			goto fail;
		}
		np = bt_component_source_get_output_port_count(src);
		for (p = 0; p < np; p++) {
			if (nports == pcap) {
				const bt_port_output **n;

				pcap = pcap ? 2 * pcap : 16;
				n = realloc(ports, pcap * sizeof(*ports));
				if (!n) {
					set_err(r, RERR_NOMEM, "out of memory");
					goto fail;
				}
				ports = n;
			}
			ports[nports++] =
				bt_component_source_borrow_output_port_by_index_const(
					src, p);
		}
		scan_index(r, r->dirs[t]);
	}
	/* one input port per stream: the sink merges them by time */
	sink = add_merge_sink(r, nports);
	if (!sink) {
		bt_error_text(cause, sizeof(cause));
		set_err(r, RERR_OPEN, "cannot set up the babeltrace2 graph: "
			"%s", cause[0] ? cause : "out of memory");
		goto fail;
	}
	for (p = 0; p < nports; p++)
		if (bt_graph_connect_ports(r->graph, ports[p],
			bt_component_sink_borrow_input_port_by_index_const(
				sink, p), NULL) !=
		    BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			bt_error_text(cause, sizeof(cause));
			set_err(r, RERR_OPEN, "cannot connect the streams of "
				"%s: %s", r->root ? r->root : r->path, cause);
			goto fail;
		}
	free(ports);
	return 0;
fail:
	free(ports);
	return -1;
}

/* Open the trace(s) under <path> and prepare to load them into <m>
 * (which must be initialised). Never returns NULL unless out of memory;
 * check reader_error() for RERR_NOENT / RERR_NOTRACE / RERR_OPEN. */
struct reader *reader_open(const char *path, struct model *m)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct stat st;

	if (!r)
		return NULL;
	r->m = m;
	r->path = strdup(path);
	/* bt2 and its plugins log to stderr; we report errors ourselves */
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	if (stat(path, &st) < 0) {
		int e = errno;

		set_err(r, RERR_NOENT, "%s: %s%s.\n  fix: give the directory "
			"of a recorded trace: lab/record records one and "
			"prints its directory (under traces/local/), traces/ "
			"holds the shipped ones (muxview traces/default-usr1)",
			path, strerror(e), e == ENOENT ? " (the path does not "
			"exist)" : "");
		return r;
	}
	if (S_ISREG(st.st_mode)) {
		/* the metadata file itself: use its directory */
		char *d = strdup(path), *s = d ? strrchr(d, '/') : NULL;

		if (d && strcmp(s ? s + 1 : d, "metadata") == 0) {
			add_dir(r, s ? (*s = 0, d) : ".");
			r->root = strdup(s ? d : ".");
		}
		free(d);
	} else {
		/* "traces/" lists traces/x, not traces//x */
		char *d = strdup(path);
		size_t n = d ? strlen(d) : 0;

		while (n > 1 && d[n - 1] == '/')
			d[--n] = 0;
		if (!d || walk(r, d, 0) < 0) {
			free(d);
			set_err(r, RERR_NOMEM, "out of memory");
			return r;
		}
		r->root = d;
	}
	if (r->ndirs && !r->root) {
		set_err(r, RERR_NOMEM, "out of memory");
		return r;
	}
	if (!r->ndirs) {
		set_err(r, RERR_NOTRACE, "%s: no CTF trace here (no "
			"`metadata` file in it or below).\n  fix: record "
			"one with lab/record (e.g. `lab/record --mode usr1 "
			"default`; its last line is the trace directory), or "
			"open a shipped one: muxview traces/default-usr1",
			path);
		return r;
	}
	if (check_traces(r) < 0)
		return r;
	{
		int t;

		for (t = 0; t < r->ndirs; t++)
			check_streams(r, r->dirs[t]);
	}
	/* the key is taken before reading: a file changed during the load
	 * makes the cache saved at its end stale, never wrong */
	cache_key_build(&r->key, r->root, r->dirs, r->ndirs);
	if (cache_load(r->root, &r->key, m)) {
		r->from_cache = 1;
		r->ended = 1;
		return r;
	}
	/* room for every event at once: LTTng stream files hold at least
	 * READER_EV_BYTES bytes an event (headers and contexts included).
	 * Only address space: if even that is refused, the arrays grow as
	 * they fill, as without it */
	model_reserve(m, r->key.stream_bytes / READER_EV_BYTES);
	build_graph(r);
	return r;
}

static void check_end(struct reader *r)
{
	struct model *m = r->m;
	char names[256];
	size_t i, o = 0;

	if (r->muxlab_events || m->discarded)
		return;
	if (!m->events_total) {
		set_err(r, RERR_EMPTY, "%s: the trace holds no event.\n  fix:"
			" start the session (`lttng start`) before the "
			"program runs, and enable `muxlab:*`", r->path);
		return;
	}
	names[0] = 0;
	for (i = 0; i < m->nnames && i < 4 && o + 1 < sizeof(names); i++)
		o += snprintf(names + o, sizeof(names) - o, "%s%s",
			      i ? ", " : "", m->names[i].name);
	set_err(r, RERR_FOREIGN, "%s: not a muxlab trace: none of its %"
		PRIu64 " events comes from the muxlab provider (it holds %s%s)."
		"\n  fix: trace the muxlab engine with `lttng enable-event -u "
		"'muxlab:*'`", r->path, m->events_total, names,
		m->nnames > 4 ? ", ..." : "");
}

/* Run the graph for about <seconds> of wall time. Returns 1 if there is
 * more to read, 0 at the end (the model is then finished), -1 on error
 * (see reader_error()). */
int reader_step(struct reader *r, double seconds)
{
	struct timespec t0, t1;
	unsigned int n = 0;
	char cause[600];

	if (r->err)
		return -1;
	if (r->ended)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bt_graph_run_once_status s = bt_graph_run_once(r->graph);

		if (s == BT_GRAPH_RUN_ONCE_STATUS_END)
			break;
		if (s == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
			/* live: nothing new yet; the UI waits a little
			 * (about the source's polling period) and asks
			 * again. A trace on disk never says so for long. */
			if (r->live) {
				r->waiting = 1;
				return 1;
			}
			continue;
		}
		r->waiting = 0;
		if (s != BT_GRAPH_RUN_ONCE_STATUS_OK && r->live) {
			bt_error_text(cause, sizeof(cause));
			set_err(r, RERR_DECODE, "%s: reading the live session "
				"failed after %zu events (%s).\n  fix: is the "
				"relay daemon running and the session name "
				"right? (`babeltrace2 -i lttng-live "
				"net://HOST:PORT` lists the sessions)", r->path,
				r->m->nev, cause);
			return -1;
		}
		if (s != BT_GRAPH_RUN_ONCE_STATUS_OK) {
			bt_error_text(cause, sizeof(cause));
			set_err(r, RERR_DECODE, "%s: the trace is truncated "
				"or corrupt: decoding failed after %zu "
				"events (%s).\n  fix: record the trace again; "
				"a trace copied while still being written is "
				"incomplete", r->path, r->m->nev, cause);
			return -1;
		}
		if (++n % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if ((double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				return 1;
		}
	}
	r->ended = 1;
	/* the graph (decoder buffers, mapped stream files) is not needed
	 * any more: free it before model_finish() allocates, to keep the
	 * peak memory down */
	BT_GRAPH_PUT_REF_AND_RESET(r->graph);
	check_end(r);
	if (r->err)
		return -1;
	if (r->missing_packets && r->m->nev) {
		/* what babeltrace2 read silently without: mark it as lost
		 * (the lanes show '!', --check is inconclusive) */
		struct mv_event e;

		memset(&e, 0, sizeof(e));
		e.type = MV_T_DISCARDED;
		e.tid = -1;
		e.vtid = -1;
		e.ts = r->m->t_last;
		e.packets = r->missing_packets;
		if (model_add(r->m, &e) < 0) {
			set_err(r, RERR_NOMEM, "out of memory");
			return -1;
		}
	}
	if (model_finish(r->m) < 0) {
		set_err(r, RERR_NOMEM, "out of memory");
		return -1;
	}
	if (!r->live)
		cache_save(r->root, &r->key, r->m);
	return 0;
}

/* Fraction of the trace read so far (0..1), or -1 if unknown (no LTTng
 * index files). Based on packet timestamps, so roughly linear in time. */
double reader_progress(const struct reader *r)
{
	double f;

	if (r->ended)
		return 1.0;
	if (!r->have_range || r->raw_max <= r->raw_min)
		return -1.0;
	if (r->raw_cur <= r->raw_min)
		return 0.0;
	f = (double)(r->raw_cur - r->raw_min) /
	    (double)(r->raw_max - r->raw_min);
	return f > 1.0 ? 1.0 : f;
}

/*
 * reader_open_live - follow a live LTTng session through a relay daemon
 *
 * @url: net://HOST:PORT/host/TARGET_HOST/SESSION (the relay daemon's live
 *       port; lttng-relayd -L)
 * @m:   the model to fill (initialised)
 *
 * One src.ctf.lttng-live component (it merges the session's streams by
 * time itself), straight into our sink. It attaches at "now": events
 * recorded before are not seen (start it before the program). The
 * session-not-found-action is "end": when the session is destroyed the
 * graph ends (with the default, "continue", it would wait forever).
 * reader_step() then returns 1 while the session lives, with
 * reader_waiting() telling whether it had nothing new.
 *
 * Return: the reader (check reader_error()), NULL if out of memory.
 * Context: the UI thread; bt2 objects stay in it.
 */
struct reader *reader_open_live(const char *url, struct model *m)
{
	const bt_component_class_source *src_cls;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	struct reader *r = calloc(1, sizeof(*r));
	bt_value *params = NULL, *inputs = NULL;
	char cause[600];

	if (!r)
		return NULL;
	r->m = m;
	r->live = 1;
	r->path = strdup(url);
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	if (strncmp(url, "net://", 6) && strncmp(url, "net4://", 7)) {
		set_err(r, RERR_NOENT, "%s: not a live URL.\n  fix: give "
			"net://HOST:PORT/host/TARGET_HOST/SESSION (lab/live "
			"does it for you)", url);
		return r;
	}
	r->ctf = find_plugin(r, "ctf");
	if (!r->ctf)
		return r;
	r->graph = bt_graph_create(0);
	src_cls = bt_plugin_borrow_source_component_class_by_name_const(
		r->ctf, "lttng-live");
	params = bt_value_map_create();
	if (!r->graph || !src_cls || !params ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_array_append_string_element(inputs, url) !=
	    BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK ||
	    bt_value_map_insert_string_entry(params,
					     "session-not-found-action",
					     "end") !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK) {
		BT_VALUE_PUT_REF_AND_RESET(params);
		set_err(r, RERR_NOMEM, "out of memory, or no lttng-live "
			"source in the babeltrace2 ctf plugin");
		return r;
	}
	if (bt_graph_add_source_component(r->graph, src_cls, "live", params,
					  BT_LOGGING_LEVEL_NONE, &src) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_simple_sink_component(r->graph, "muxview", NULL,
					       sink_consume, NULL, r, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(r->graph,
		bt_component_source_borrow_output_port_by_index_const(src, 0),
		bt_component_sink_borrow_input_port_by_index_const(sink, 0),
		NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		bt_error_text(cause, sizeof(cause));
		set_err(r, RERR_OPEN, "%s: cannot set up the live source: %s",
			url, cause);
	}
	BT_VALUE_PUT_REF_AND_RESET(params);
	return r;
}

/* Live: did the last reader_step() find nothing new (the UI should wait a
 * little before the next one)? */
int reader_waiting(const struct reader *r)
{
	return r && r->waiting;
}

/* Is <r> reading a live session? */
int reader_is_live(const struct reader *r)
{
	return r && r->live;
}

/* The error, RERR_NONE if none. */
enum reader_err reader_error(const struct reader *r)
{
	return r ? r->err : RERR_NOMEM;
}

/* One message naming the problem and its fix. */
const char *reader_message(const struct reader *r)
{
	return r ? r->msg : "out of memory";
}

/* A problem that does not stop the load (stream files missing or cut:
 * the events read are shown, the loss is marked), "" if none. */
const char *reader_warning(const struct reader *r)
{
	static char buf[700];

	if (!r || !r->missing_packets)
		return "";
	snprintf(buf, sizeof(buf), "%s: the trace is incomplete: %s; its "
		 "events are missing, so the viewer marks the loss and "
		 "--check is inconclusive", r->path, r->warn);
	return buf;
}

/* Number of trace directories (src.ctf.fs components). */
int reader_ntraces(const struct reader *r)
{
	return r->ndirs;
}

/* Destroy the graph (before the plugins) and free <r>; NULL is fine. */
void reader_close(struct reader *r)
{
	size_t i;
	int t;

	if (!r)
		return;
	BT_GRAPH_PUT_REF_AND_RESET(r->graph);
	BT_PLUGIN_PUT_REF_AND_RESET(r->ctf);
	for (i = 0; i < r->ccap; i++) {
		if (r->cls[i].ec) {
			free(r->cls[i].c->name);
			free(r->cls[i].c);
		}
	}
	free(r->cls);
	for (t = 0; t < r->ndirs; t++)
		free(r->dirs[t]);
	free(r->dirs);
	free(r->path);
	free(r->root);
	cache_key_free(&r->key);
	free(r);
}

/* Load the whole trace under <path> into <m>, with a progress bar on
 * stderr when <progress> and stderr is a terminal. Returns 0, or the
 * enum reader_err with its message in <msg>. */
int reader_load(const char *path, struct model *m, int progress, char *msg,
		size_t len, char *warn, size_t wlen)
{
	struct reader *r = reader_open(path, m);
	int rc, shown = 0;

	if (!r) {
		snprintf(msg, len, "out of memory");
		return RERR_NOMEM;
	}
	progress = progress && isatty(2);
	while ((rc = reader_step(r, 0.1)) > 0) {
		double f = reader_progress(r);
		char c[32];
		int k, w = 30;

		if (!progress)
			continue;
		fprintf(stderr, "\rloading %s [", path);
		for (k = 0; k < w; k++)
			fputc(f >= 0 && k < (int)(f * w) ? '#' : '.', stderr);
		fprintf(stderr, "] %3d%% %s events ", f >= 0 ? (int)(f * 100)
			: 0, fmt_count(c, sizeof(c), m->nev));
		shown = 1;
	}
	if (shown)
		fprintf(stderr, "\r\033[K");
	rc = rc < 0 ? (int)reader_error(r) : 0;
	snprintf(msg, len, "%s", rc ? reader_message(r) : "");
	if (warn)
		snprintf(warn, wlen, "%s", rc ? "" : reader_warning(r));
	reader_close(r);
	return rc;
}
