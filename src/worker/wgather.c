/* The worker's wake-up policy (S11): when its loop lets readiness gather
 * for a while before it polls, so that one wake-up serves several ready
 * sockets, datagrams (recvmmsg) and tun packets.
 *
 * libev's io collect interval sleeps before a poll only for what is left
 * of the interval since the previous wake-up: a packet that comes after a
 * quiet spell is handled at once, one that comes soon after another waits
 * at most the interval.  Two uses:
 * - GATHER_BATCH: at GATHER_BATCH_PKTS data packets a second or more
 *   (25,000 voice packets a second were each a wake-up of its own:
 *   epoll_wait, one recvmmsg returning 1, one sendmsg) the loop gathers
 *   GATHER_BATCH_S, 200 us, like a NIC's interrupt moderation: a voice
 *   packet waits at most that (plus the kernel's timer slack, 50 us).
 *   On as soon as the count of the current second reaches the rate, off
 *   at the tick after a second below half of it.  Between the two rates
 *   (packets 200-400 us apart) the sleep rarely happens at all.
 * - GATHER_IDLE: a worker with no data packet and no new connection for
 *   IDLE_QUIET_TICKS seconds that still wakes IDLE_WAKES times a second
 *   or more (keepalives and DPD of many idle phones) gathers 20 ms; the
 *   first data packet or new connection turns it off at once, and so do
 *   fewer than IDLE_OFF_WAKES wake-ups a second (below IDLE_WAKES the
 *   sleep would cost about a wake-up of its own). */
#include "config.h"

#include "wgather.h"

static const double GATHER_IDLE_S = 0.02, GATHER_BATCH_S = 0.0002;
enum { IDLE_QUIET_TICKS = 2, IDLE_WAKES = 150, IDLE_OFF_WAKES = 20 };

double gather_interval(enum gather_mode m)
{
	return m == GATHER_BATCH ? GATHER_BATCH_S : m == GATHER_IDLE ? GATHER_IDLE_S : 0.;
}

/* A new connection: its handshake must not wait 20 ms per flight. */
int gather_conn(struct gather *g)
{
	g->busy = 1;
	if (g->mode != GATHER_IDLE)
		return 0;
	g->mode = GATHER_OFF;
	return 1;
}

/* Every second: iters is the loop's iteration count (ev_iteration). */
int gather_tick(struct gather *g, unsigned iters)
{
	enum gather_mode was = g->mode;
	unsigned wakes = iters - g->iters_seen, pkts = g->pkts;

	g->iters_seen = iters;
	g->pkts = 0;
	if (g->mode == GATHER_BATCH && pkts < GATHER_BATCH_OFF_PKTS)
		g->mode = GATHER_OFF;
	if (g->busy) {
		g->busy = 0;
		g->quiet_ticks = 0;
	} else if (g->mode == GATHER_IDLE) {
		if (wakes < IDLE_OFF_WAKES)
			g->mode = GATHER_OFF;
	} else if (++g->quiet_ticks >= IDLE_QUIET_TICKS && wakes >= IDLE_WAKES) {
		g->mode = GATHER_IDLE;
	}
	return g->mode != was;
}
