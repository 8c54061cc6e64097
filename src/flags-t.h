/*
 * flags-t.h - decode a flag word into "NAME|NAME|0x..." text.
 *
 * Each flag set keeps ONE table of names, beside its #defines (task states
 * in task-t.h, mux connection flags in each mux), and every decoder of that
 * set, in the engine or in the viewer, goes through it and through the one
 * loop below. Header only, like the -t.h headers that use it, so the
 * viewer decodes flags without linking the engine. (HAProxy:
 * include/haproxy/show_flags-t.h, task_show_state() in task-t.h.)
 */
#ifndef MUXLAB_FLAGS_T_H
#define MUXLAB_FLAGS_T_H

#include <stdio.h>

/* one flag of a set and its name */
struct flag_name {
	unsigned int bit;
	const char *name;
};

#define FLAG_NAMES_NB(names)	(sizeof(names) / sizeof((names)[0]))

/*
 * flags_show - decode <flags> with the table <names> of <nb> entries
 *
 * @buf, @len: where to write (always NUL-terminated if len > 0; output
 *             that does not fit is cut, never overflows)
 *
 * Writes the names of the set bits in table order, joined by '|', then
 * the bits the table does not know as one hex number ("USR1|IN_LIST",
 * "IS_BACK|0x100"); "0" for an empty word. Returns <buf>. Pure function,
 * any thread.
 */
static inline const char *flags_show(char *buf, unsigned long len,
				     unsigned int flags,
				     const struct flag_name *names,
				     unsigned long nb)
{
	unsigned long pos = 0, i;
	unsigned int rest = flags;
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 0; i < nb; i++) {
		if (!(flags & names[i].bit))
			continue;
		rest &= ~names[i].bit;
		n = snprintf(buf + pos, len - pos, "%s%s", pos ? "|" : "",
			     names[i].name);
		if (n < 0 || (unsigned long)n >= len - pos)
			return buf;
		pos += n;
	}
	if (rest)
		snprintf(buf + pos, len - pos, "%s0x%x", pos ? "|" : "", rest);
	return buf;
}

#endif /* MUXLAB_FLAGS_T_H */
