/*
 * fmt.c - text forms of times, durations, counts and events.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"

/* Parse a time relative to the trace start: "1.25" or "1.25s" (seconds),
 * "1250ms", "1250000us", "42ns", an optional leading '+'. Stores
 * nanoseconds in <*ns>. Returns 0, or -1 if <s> is not a time. */
int fmt_parse_time(const char *s, uint64_t *ns)
{
	uint64_t ip = 0, frac = 0, fscale = 1, mult = 1000000000ULL;
	const char *p = s;
	int digits = 0;

	if (!s)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	while (isdigit((unsigned char)*p)) {
		if (ip > UINT64_MAX / 100)
			return -1;
		ip = ip * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (fscale < 1000000000000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fscale *= 10;
			}
			p++;
			digits++;
		}
	}
	if (!digits)
		return -1;
	if (*p == 0 || strcmp(p, "s") == 0)
		mult = 1000000000ULL;
	else if (strcmp(p, "ms") == 0)
		mult = 1000000ULL;
	else if (strcmp(p, "us") == 0)
		mult = 1000ULL;
	else if (strcmp(p, "ns") == 0)
		mult = 1;
	else
		return -1;
	if (ip > UINT64_MAX / mult)
		return -1;
	*ns = ip * mult + (uint64_t)((double)frac * (double)mult /
				     (double)fscale + 0.5);
	return 0;
}

/* Parse "COLSxROWS". Returns 0, or -1 if malformed or out of 1..1000
 * (the caller checks the screen's minimum, SCREEN_MIN_COLS/ROWS). */
int fmt_parse_size(const char *s, int *cols, int *rows)
{
	char *end;
	long c, r;

	c = strtol(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X'))
		return -1;
	s = end + 1;
	r = strtol(s, &end, 10);
	if (end == s || *end)
		return -1;
	if (c < 1 || c > 1000 || r < 1 || r > 1000)
		return -1;
	*cols = (int)c;
	*rows = (int)r;
	return 0;
}

/* "1.234567890" (seconds, relative). Returns <buf>. */
char *fmt_time(char *buf, size_t len, uint64_t rel_ns)
{
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64,
		 rel_ns / 1000000000u, rel_ns % 1000000000u);
	return buf;
}

/* A short duration: "850ns", "12.3us", "4.56ms", "1.23s". */
char *fmt_dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.3gus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3gms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.4gs", (double)ns / 1e9);
	return buf;
}

/* A short count: "999", "12.3k", "4.56M". */
char *fmt_count(char *buf, size_t len, uint64_t n)
{
	if (n < 10000)
		snprintf(buf, len, "%" PRIu64, n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, len, "%.2fM", (double)n / 1e6);
	return buf;
}

/* Full name of event <ev>: "muxlab:io_cb", or the stored name. */
int fmt_event_name(const struct model *m, uint32_t ev, char *buf, size_t len)
{
	const struct mv_rec *r = &m->ev[ev];

	if (r->type == MV_T_OTHER)
		return snprintf(buf, len, "%s", r->a < m->nnames ?
				m->names[r->a].name : "?");
	if (r->type == MV_T_DISCARDED)
		return snprintf(buf, len, "DISCARDED");
	return snprintf(buf, len, "muxlab:%s", mv_type_name(r->type));
}

static const char *enum_or(char *tmp, size_t len, const char *name, int v)
{
	if (strcmp(name, "?") == 0) {
		snprintf(tmp, len, "?(%d)", v);
		return tmp;
	}
	return name;
}

/* One line with every field of event <ev>, flags decoded:
 * "io_cb tid=1 tl=17 conn=42 mux=h2 side=back state=0x10040 USR1|IN_LIST
 * path=locked". Returns the snprintf() length. */
int fmt_event(const struct model *m, uint32_t ev, char *buf, size_t len)
{
	struct mv_event e;
	char s1[96], s2[96], t1[16], t2[16];
	const char *mux, *side;

	model_decode(m, ev, &e);
	mux = enum_or(t1, sizeof(t1), mv_mux_name(e.mux), e.mux);
	side = enum_or(t2, sizeof(t2), mv_side_name(e.side), e.side);
	switch (e.type) {
	case MV_T_RUN_START:
		return snprintf(buf, len, "run_start mode=%s bug=\"%s\" "
				"nbthread=%d seed=%" PRIu64 " scenario=\"%s\" "
				"usr1_bit=0x%x", mv_mode_name(e.mode), e.bug,
				e.nbthread, e.seed, e.scenario, e.usr1_bit);
	case MV_T_RUN_END:
		return snprintf(buf, len, "run_end requests_ok=%" PRIu64
				" requests_err=%" PRIu64 " takeovers=%" PRIu64,
				e.requests_ok, e.requests_err, e.takeovers);
	case MV_T_WAKEUP:
		return snprintf(buf, len, "tasklet_wakeup tid=%d tl=%" PRIu64
				" owner=%d remote=%d", e.tid, e.tl, e.owner,
				e.remote);
	case MV_T_IO_CB:
		return snprintf(buf, len, "io_cb tid=%d tl=%" PRIu64
				" conn=%" PRIu64 " mux=%s side=%s state=0x%x %s"
				" path=%s", e.tid, e.tl, e.conn, mux, side,
				e.state, mv_show_state(s1, sizeof(s1), e.state),
				mv_path_name(e.path));
	case MV_T_IO_CB_STOLEN:
		return snprintf(buf, len, "io_cb_stolen tid=%d tl=%" PRIu64
				" mux=%s", e.tid, e.tl, mux);
	case MV_T_FLAG_SET:
	case MV_T_FLAG_CLEAR:
		return snprintf(buf, len, "%s tid=%d tl=%" PRIu64 " conn=%"
				PRIu64 " mux=%s old_state=0x%x %s new_state="
				"0x%x %s", mv_type_name(e.type), e.tid, e.tl,
				e.conn, mux, e.old_state,
				mv_show_state(s1, sizeof(s1), e.old_state),
				e.new_state,
				mv_show_state(s2, sizeof(s2), e.new_state));
	case MV_T_LOCK_ACQ:
		return snprintf(buf, len, "lock_acquire tid=%d lock=%d site=%s"
				" trylock=%d ok=%d wait_ns=%" PRIu64, e.tid,
				e.lock, enum_or(t1, sizeof(t1),
						mv_site_name(e.site), e.site),
				e.trylock, e.ok, e.ns);
	case MV_T_LOCK_REL:
		return snprintf(buf, len, "lock_release tid=%d lock=%d site=%s"
				" hold_ns=%" PRIu64, e.tid, e.lock,
				enum_or(t1, sizeof(t1), mv_site_name(e.site),
					e.site), e.ns);
	case MV_T_LOCK:
		return snprintf(buf, len, "lock tid=%d lock=%d site=%s"
				" trylock=%d ok=%d inside=%u wait_ns=%" PRIu64
				" hold_ns=%" PRIu64, e.tid, e.lock,
				enum_or(t1, sizeof(t1), mv_site_name(e.site),
					e.site), e.trylock, e.ok, e.inside,
				e.ns, e.hold_ns);
	case MV_T_TAKEOVER:
		return snprintf(buf, len, "takeover tid=%d conn=%" PRIu64
				" mux=%s from_tid=%d old_tl=%" PRIu64
				" new_tl=%" PRIu64 " ok=%d", e.tid, e.conn, mux,
				e.from_tid, e.old_tl, e.new_tl, e.ok);
	case MV_T_IDLE_INSERT:
		return snprintf(buf, len, "idle_insert tid=%d conn=%" PRIu64
				" mux=%s srv=%d list=%s", e.tid, e.conn, mux,
				e.srv, enum_or(t2, sizeof(t2),
					       mv_list_name(e.list), e.list));
	case MV_T_IDLE_REMOVE:
		return snprintf(buf, len, "idle_remove tid=%d conn=%" PRIu64
				" mux=%s srv=%d list=%s reason=%s", e.tid,
				e.conn, mux, e.srv,
				enum_or(t2, sizeof(t2), mv_list_name(e.list),
					e.list),
				enum_or(s1, sizeof(s1),
					mv_reason_name(e.reason), e.reason));
	case MV_T_STREAM_ATTACH:
	case MV_T_STREAM_DETACH:
		return snprintf(buf, len, "%s tid=%d conn=%" PRIu64 " mux=%s"
				" side=%s stream=%" PRIu64,
				mv_type_name(e.type), e.tid, e.conn, mux, side,
				e.stream);
	case MV_T_CONN_NEW:
		return snprintf(buf, len, "conn_new tid=%d conn=%" PRIu64
				" mux=%s side=%s srv=%d", e.tid, e.conn, mux,
				side, e.srv);
	case MV_T_CONN_FREE:
		return snprintf(buf, len, "conn_free tid=%d conn=%" PRIu64
				" mux=%s side=%s", e.tid, e.conn, mux, side);
	case MV_T_MODE_CHANGE:
		return snprintf(buf, len, "mode_change tid=%d old_mode=%s "
				"new_mode=%s marked=%u orphans=%u", e.tid,
				mv_mode_name(e.old_mode),
				mv_mode_name(e.new_mode), e.marked, e.orphans);
	case MV_T_OTHER:
		return snprintf(buf, len, "%s tid=%d", e.name, e.tid);
	case MV_T_DISCARDED:
		return snprintf(buf, len, "DISCARDED %" PRIu64 " events lost "
				"(ring buffer full)", e.count);
	default:
		return snprintf(buf, len, "?");
	}
}
