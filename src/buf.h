/*
 * buf.h - helpers for struct buffer. All are owner-thread only.
 */
#ifndef MUXLAB_BUF_H
#define MUXLAB_BUF_H

#include <string.h>
#include "buf-t.h"

/* NULL for a never-allocated buffer: NULL + 0 is undefined behaviour */
static inline char *b_head(const struct buffer *b)
{
	return b->area ? b->area + b->head : NULL;
}
static inline char *b_tail(const struct buffer *b)
{
	return b->area ? b->area + b->head + b->data : NULL;
}
static inline size_t b_data(const struct buffer *b) { return b->data; }
/* contiguous room after the tail */
static inline size_t b_room(const struct buffer *b) { return b->size - b->head - b->data; }

static inline void b_reset(struct buffer *b) { b->head = b->data = 0; }

/* consume <n> bytes from the head */
static inline void b_del(struct buffer *b, size_t n)
{
	b->head += n;
	b->data -= n;
	if (!b->data)
		b->head = 0;
}

/* account <n> bytes written at the tail */
static inline void b_add(struct buffer *b, size_t n) { b->data += n; }

/* move live bytes to the front so all room is contiguous */
static inline void b_realign(struct buffer *b)
{
	if (b->head) {
		memmove(b->area, b->area + b->head, b->data);
		b->head = 0;
	}
}

/* Make sure <b> has an area of at least <size> bytes and at least <room>
 * contiguous free bytes at the tail (realigning or growing). Returns 0, or
 * -1 on allocation failure or if that would exceed <max>. */
int b_reserve(struct buffer *b, size_t room, size_t size, size_t max);

/* Append <len> bytes; same failure rules as b_reserve(). */
int b_putblk(struct buffer *b, const void *blk, size_t len, size_t max);

/* Free the area; the buffer becomes BUF_NULL. Accepts an empty buffer. */
void b_free(struct buffer *b);

#endif /* MUXLAB_BUF_H */
