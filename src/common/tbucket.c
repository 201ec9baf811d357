/* Token bucket: rate limits per object with a few bytes of state, no timer. */
#include "config.h"

#include "sslvpnd/tbucket.h"

static void refill(struct tbucket *b, const struct tbucket_rate *r, uint64_t now_ms)
{
	if (!b->started) {
		b->started = 1;
		b->tokens = r->burst;
		b->last_ms = now_ms;
		return;
	}
	if (now_ms <= b->last_ms || !r->period_ms)
		return;
	uint64_t n = (now_ms - b->last_ms) / r->period_ms;

	if (b->tokens + n >= r->burst) {
		b->tokens = r->burst;
		b->last_ms = now_ms;
		return;
	}
	b->tokens += (uint32_t)n;
	b->last_ms += n * r->period_ms;   /* keep the partial period */
}

int tbucket_take(struct tbucket *b, const struct tbucket_rate *r, uint64_t now_ms)
{
	refill(b, r, now_ms);
	if (!b->tokens)
		return 0;
	b->tokens--;
	return 1;
}
