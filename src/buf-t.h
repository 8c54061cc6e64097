/*
 * buf-t.h - a plain linear byte buffer (types only).
 *
 * Bytes live in area[head .. head+data). Producers append at the tail,
 * consumers advance head; b_realign() moves the live bytes to the front
 * when room runs out. HAProxy uses a ring buffer (struct buffer); a linear
 * one is easier to read in a debugger and costs one memmove per realign.
 */
#ifndef MUXLAB_BUF_T_H
#define MUXLAB_BUF_T_H

#include <stddef.h>

struct buffer {
	char *area;	/* storage, NULL if none allocated yet */
	size_t size;	/* allocated bytes */
	size_t head;	/* offset of the first live byte */
	size_t data;	/* live bytes */
};

#define BUF_NULL	((struct buffer){ NULL, 0, 0, 0 })

#endif /* MUXLAB_BUF_T_H */
