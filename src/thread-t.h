/*
 * thread-t.h - engine thread identity (types only).
 *
 * Every engine thread has an index 0..nbthread-1 called its tid. Per-thread
 * state lives in arrays indexed by tid, each element cache-line aligned, and
 * is reached through the thread-local <tid> / <th_ctx>. (HAProxy tinfo-t.h)
 */
#ifndef MUXLAB_THREAD_T_H
#define MUXLAB_THREAD_T_H

#define MAX_THREADS	32	/* fd ownership masks are 32-bit words */

#endif /* MUXLAB_THREAD_T_H */
