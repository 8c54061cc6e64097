/*
 * compiler.h - small compiler helpers shared by every module.
 *
 * Only macros live here: branch hints, alignment, container_of and the
 * BUG_ON() used for states that cannot happen (never for bad input).
 */
#ifndef MUXLAB_COMPILER_H
#define MUXLAB_COMPILER_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define CACHELINE	64
#define ALIGNED(x)	__attribute__((aligned(x)))
#define THREAD_ALIGNED	ALIGNED(CACHELINE)

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* An impossible state: print where and abort. Bad input never gets here. */
#define BUG_ON(cond) do {						\
	if (unlikely(cond)) {						\
		fprintf(stderr, "BUG at %s:%d: %s\n",			\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

/* The same, with a sentence for the reader of a student's crash */
#define BUG_ON_MSG(cond, msg) do {					\
	if (unlikely(cond)) {						\
		fprintf(stderr, "BUG at %s:%d: %s: %s\n",		\
			__FILE__, __LINE__, #cond, msg);		\
		abort();						\
	}								\
} while (0)

#endif /* MUXLAB_COMPILER_H */
