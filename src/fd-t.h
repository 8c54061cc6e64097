/*
 * fd-t.h - the file descriptor table (types only).
 *
 * Each fd has one owner thread at a time. Ownership and "someone is running
 * the fd's callback" share one 64-bit atomic word so that a takeover can
 * switch owner only while nobody runs the callback, in one CAS: HAProxy
 * keeps thread_mask and running_mask apart and switches them with a
 * double-word CAS; the effect is the same.
 */
#ifndef MUXLAB_FD_T_H
#define MUXLAB_FD_T_H

#include <stdint.h>

/* fdtab.state: readiness seen by the poller (edge-triggered epoll) */
#define FD_EV_READY_R	0x01	/* may read without blocking */
#define FD_EV_READY_W	0x02	/* may write without blocking */
#define FD_EV_SHUT_R	0x04	/* peer shut its write side (read0/HUP) */
#define FD_EV_ERR	0x08	/* error reported by the poller */

/* fdtab.own: bits 32..63 thread mask (exactly one bit: the owner),
 * bits 0..31 running mask (threads inside the fd's callback) */
#define FD_OWN_TMASK(own)	((uint32_t)((own) >> 32))
#define FD_OWN_RMASK(own)	((uint32_t)(own))
#define FD_OWN(tmask, rmask)	(((uint64_t)(tmask) << 32) | (uint32_t)(rmask))

struct fdtab {
	uint64_t _Atomic own;		/* owner thread and running threads */
	unsigned int _Atomic state;	/* FD_EV_* */
	void *_Atomic owner;		/* connection or listener */
	void (*iocb)(int fd);		/* called on the owner thread */
	int polled_on;			/* epoll of this thread has it, -1
					 * (meaningful while own != 0) */
};

#endif /* MUXLAB_FD_T_H */
