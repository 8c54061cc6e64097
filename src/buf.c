/*
 * buf.c - storage management for struct buffer (see buf-t.h).
 *
 * The inline helpers in buf.h only move offsets; the three functions here
 * are the only ones that allocate or free. A buffer grows geometrically
 * (doubling) so that appending byte by byte stays amortised O(1), but never
 * beyond the <max> the caller passes: every user knows its own limit
 * (header size, body size, output queue) and a hostile peer must not be
 * able to make us allocate more than that.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN_ALLOC	256	/* first allocation, avoids tiny reallocs */

/*
 * b_reserve - make room at the tail of a buffer.
 * @b:    the buffer (may be BUF_NULL)
 * @room: contiguous free bytes wanted after the tail
 * @size: minimum total allocation wanted (0 if none)
 * @max:  hard cap on the allocation; never exceeded
 *
 * Realigns the live bytes first if that alone provides the room, otherwise
 * grows the area (at least doubling it, capped at @max). The live bytes are
 * preserved; on failure the buffer is left exactly as it was.
 *
 * Return: 0, or -1 if the request would exceed @max or malloc failed.
 * Context: owner thread of the buffer; no locks.
 */
int b_reserve(struct buffer *b, size_t room, size_t size, size_t max)
{
	size_t need, alloc;
	char *area;

	if (room > max || b->data > max - room)
		return -1;
	need = b->data + room;
	if (need < size)
		need = size;
	if (need > max)
		return -1;

	if (!need)
		return 0;
	if (b->area && b->size >= need) {
		if (b_room(b) < room)
			b_realign(b);
		return 0;
	}

	/* double until it fits; need <= max so clamping to max still fits */
	alloc = b->size ? b->size : BUF_MIN_ALLOC;
	while (alloc < need)
		alloc = alloc > max / 2 ? max : alloc * 2;
	if (alloc > max)
		alloc = max;

	/* move the live bytes to the front before growing, so that realloc
	 * copies only what matters and the new room is contiguous */
	if (b->area)
		b_realign(b);
	area = realloc(b->area, alloc);
	if (!area)
		return -1;
	b->area = area;
	b->size = alloc;
	return 0;
}

/*
 * b_putblk - append a block of bytes at the tail.
 * @b:   the buffer
 * @blk: bytes to copy (may be NULL when @len is 0)
 * @len: number of bytes
 * @max: hard cap on the allocation, as for b_reserve()
 *
 * Return: 0, or -1 (buffer unchanged) if it does not fit within @max.
 * Context: owner thread of the buffer; no locks.
 */
int b_putblk(struct buffer *b, const void *blk, size_t len, size_t max)
{
	if (!len)
		return 0;
	if (b_reserve(b, len, 0, max) < 0)
		return -1;
	memcpy(b_tail(b), blk, len);
	b_add(b, len);
	return 0;
}

/*
 * b_free - release the storage of a buffer.
 * @b: the buffer; BUF_NULL is accepted
 *
 * The buffer becomes BUF_NULL and may be reused with b_reserve().
 * Context: owner thread of the buffer; no locks.
 */
void b_free(struct buffer *b)
{
	free(b->area);
	*b = BUF_NULL;
}
