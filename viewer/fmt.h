/*
 * fmt.h - text forms of times, durations, counts and events.
 *
 * Times shown to the user are relative to the first event of the trace, in
 * seconds with nanosecond digits ("1.250000000"); --at and the UI's seek
 * prompt accept the same form, or a value with a unit (1250ms, 3us, 42ns).
 */
#ifndef MUXVIEW_FMT_H
#define MUXVIEW_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "model-t.h"

int fmt_parse_time(const char *s, uint64_t *ns);
int fmt_parse_size(const char *s, int *cols, int *rows);
char *fmt_time(char *buf, size_t len, uint64_t rel_ns);
char *fmt_dur(char *buf, size_t len, uint64_t ns);
char *fmt_count(char *buf, size_t len, uint64_t n);
int fmt_event(const struct model *m, uint32_t ev, char *buf, size_t len);
int fmt_event_name(const struct model *m, uint32_t ev, char *buf, size_t len);

#endif /* MUXVIEW_FMT_H */
