/*
 * tinfo.c - thread identity and the clock (tinfo.h).
 */
#include <stdatomic.h>
#include <time.h>

#include "tinfo.h"

__thread int tid = -1;
__thread unsigned int trace_nev;
int nbthread = 1;
int _Atomic stopping;

static uint64_t _Atomic obj_id_seq = 1;

/*
 * new_obj_id - a fresh trace id
 *
 * Returns a 64-bit number never returned before in this process (starts at
 * 1, so 0 can mean "none" in a trace). Context: any thread, lock-free.
 */
uint64_t new_obj_id(void)
{
	return atomic_fetch_add_explicit(&obj_id_seq, 1, memory_order_relaxed);
}

/*
 * now_mono_ns - the monotonic clock in ns
 *
 * Reads CLOCK_MONOTONIC on each call (a vDSO call, no syscall). The run
 * loop reads it once per turn for the timers. Context: any thread.
 */
uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
