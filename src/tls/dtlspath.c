/* The DTLS channel table of a tunnel (dtlspath.h).  One row per event and
 * state; the worker follows it, the unit test walks it. */
#include "config.h"

#include "sslvpnd/dtlspath.h"

struct row {
	unsigned act;
	uint8_t est, cand;   /* state after the actions */
	uint8_t valid;
};

/* [event][est][cand] */
static const struct row table[DTLSPATH__EV_COUNT][2][2] = {
	[DTLSPATH_HELLO] = {
		/* a new hello replaces a running candidate, never the
		 * established channel */
		[0][0] = { DTLSPATH_NEW_CAND, 0, 1, 1 },
		[0][1] = { DTLSPATH_FREE_CAND | DTLSPATH_NEW_CAND, 0, 1, 1 },
		[1][0] = { DTLSPATH_NEW_CAND, 1, 1, 1 },
		[1][1] = { DTLSPATH_FREE_CAND | DTLSPATH_NEW_CAND, 1, 1, 1 },
	},
	[DTLSPATH_CAND_UP] = {
		/* proven: the new path replaces the old one */
		[0][1] = { DTLSPATH_PROMOTE, 1, 0, 1 },
		[1][1] = { DTLSPATH_FREE_EST | DTLSPATH_PROMOTE, 1, 0, 1 },
	},
	[DTLSPATH_CAND_FAILED] = {
		[0][1] = { DTLSPATH_FREE_CAND | DTLSPATH_REPORT_DOWN, 0, 0, 1 },
		[1][1] = { DTLSPATH_FREE_CAND, 1, 0, 1 },
	},
	[DTLSPATH_EST_CLOSED] = {
		[1][0] = { DTLSPATH_FREE_EST | DTLSPATH_REPORT_DOWN, 0, 0, 1 },
		[1][1] = { DTLSPATH_FREE_EST | DTLSPATH_REPORT_DOWN, 0, 1, 1 },
	},
};

unsigned dtlspath_step(struct dtlspath *p, enum dtlspath_ev ev)
{
	if ((unsigned)ev >= DTLSPATH__EV_COUNT)
		return 0;
	const struct row *r = &table[ev][p->est ? 1 : 0][p->cand ? 1 : 0];

	if (!r->valid)
		return 0;
	p->est = r->est;
	p->cand = r->cand;
	return r->act;
}
