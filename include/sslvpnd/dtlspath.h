/* The DTLS channels of one tunnel and what a handshake event does to them
 * (pure: no I/O, no OpenSSL; the worker's wdtls.c carries the actions out).
 *
 * A tunnel has at most two channels: the established one, which carries
 * traffic over its UDP socket connected to the client's current address,
 * and a candidate, a handshake in progress from another address (main
 * hands every ClientHello naming the session to the worker, and anybody
 * can send one: the session id travels in clear).  A hello never touches
 * the established channel; the candidate replaces it only once its
 * handshake completed (the client's Finished verified: it holds the
 * key).  A candidate that fails, times out or closes goes alone. */
#ifndef SSLVPND_DTLSPATH_H
#define SSLVPND_DTLSPATH_H

#include <stdint.h>

struct dtlspath {
	uint8_t est;    /* an established channel exists */
	uint8_t cand;   /* a candidate handshake runs */
};

enum dtlspath_ev {
	DTLSPATH_HELLO,         /* main handed over a hello with a new socket */
	DTLSPATH_CAND_UP,       /* the candidate's handshake completed */
	DTLSPATH_CAND_FAILED,   /* the candidate failed, timed out or closed */
	DTLSPATH_EST_CLOSED,    /* the established channel closed or failed */
	DTLSPATH__EV_COUNT
};

/* Actions, carried out in this order. */
enum dtlspath_act {
	DTLSPATH_FREE_CAND = 1 << 0,  /* free the candidate */
	DTLSPATH_FREE_EST = 1 << 1,   /* free the established channel */
	DTLSPATH_NEW_CAND = 1 << 2,   /* the hello's socket becomes the candidate */
	DTLSPATH_PROMOTE = 1 << 3,    /* the candidate becomes the established one */
	DTLSPATH_REPORT_DOWN = 1 << 4, /* no established channel is left: main's
				        * listing must say so */
};

/* dtlspath_step: the actions for event ev in state p (a bit set of enum
 * dtlspath_act) and p updated to the state after them.  An event that
 * cannot happen in p (CAND_UP without a candidate) returns 0 and leaves p
 * alone. */
unsigned dtlspath_step(struct dtlspath *p, enum dtlspath_ev ev);

#endif
