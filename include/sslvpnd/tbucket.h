/* A token bucket (pure: the caller passes the clock). */
#ifndef SSLVPND_TBUCKET_H
#define SSLVPND_TBUCKET_H

#include <stdint.h>

/* burst tokens at most; one token comes back every period_ms. */
struct tbucket_rate {
	uint32_t burst;
	uint32_t period_ms;
};

/* Zero-initialised it is full: the first use fills it. */
struct tbucket {
	uint64_t last_ms;   /* when the tokens were last counted */
	uint32_t tokens;
	uint8_t started;
};

/* tbucket_take: refills b for the time elapsed up to now_ms (a clock that
 * goes back refills nothing), then takes one token.  Returns 1 when a token
 * was taken, 0 when the bucket is empty (the event is over the rate).
 * Partial periods are kept: a caller asking every period_ms - 1 ms still
 * gets one token per period_ms. */
int tbucket_take(struct tbucket *b, const struct tbucket_rate *r, uint64_t now_ms);

#endif
