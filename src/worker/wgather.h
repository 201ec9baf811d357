/* When the worker's loop gathers readiness (libev's io collect interval)
 * instead of waking for every ready socket: the pure policy, in
 * src/worker/wgather.c; worker.c applies gather_interval() to the loop
 * whenever a call here returns 1 (the mode changed). */
#ifndef SSLVPND_WGATHER_H
#define SSLVPND_WGATHER_H

enum gather_mode {
	GATHER_OFF,    /* every readiness wakes the loop at once */
	GATHER_IDLE,   /* only keepalives and DPD: GATHER_IDLE_S (20 ms) per wake-up */
	GATHER_BATCH,  /* a high packet rate: GATHER_BATCH_S per wake-up */
};

/* A data packet rate of GATHER_BATCH_PKTS a second or more gathers the
 * readiness of GATHER_BATCH_S (200 us) into one wake-up, until a second
 * with fewer than GATHER_BATCH_OFF_PKTS (hysteresis: a rate around the
 * threshold does not switch it every second). */
enum { GATHER_BATCH_PKTS = 5000, GATHER_BATCH_OFF_PKTS = 2500 };

struct gather {
	enum gather_mode mode;
	int busy;             /* a data packet or new connection since the tick */
	unsigned pkts;        /* data packets since the last tick */
	unsigned quiet_ticks; /* ticks in a row without either */
	unsigned iters_seen;  /* the loop's iteration count at the last tick */
};

/* Per data packet (tun read or write): a flag, a count and a compare. */
static inline int gather_packet(struct gather *g)
{
	g->busy = 1;
	if (++g->pkts == GATHER_BATCH_PKTS && g->mode != GATHER_BATCH) {
		g->mode = GATHER_BATCH;
		return 1;
	}
	if (g->mode == GATHER_IDLE) {
		g->mode = GATHER_OFF;
		return 1;
	}
	return 0;
}

int gather_conn(struct gather *g);
int gather_tick(struct gather *g, unsigned iters);
double gather_interval(enum gather_mode m);

#endif
