/* A minimal stand-in for engineer FL's src/main/fleet_lease.c (S16), so
 * that this branch builds and its test runs before FL's is merged.  The
 * lead deletes this file at the merge.  No slices, no Redis leases: adopt
 * takes the address in the local pool, moved_away drops the routes and
 * keeps the slot taken (never handed out again here: "held elsewhere")
 * until the session moves back, sticky knows nothing. */
#include "config.h"

#include "fleet_lease.h"
#include "sessions.h"
#include "sslvpnd/pool.h"

/* Slots whose session moved to another node: taken in the pool, never
 * handed out here, taken back by a session that moves back. */
enum { HELD_MAX = 256 };
static struct {
	const struct pool *pool;
	uint32_t addr;
} held[HELD_MAX];

static int held_take(const struct pool *p, uint32_t addr)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i].pool == p && held[i].addr == addr) {
			held[i].pool = NULL;
			return 0;
		}
	return -1;
}

int fleet_lease_adopt(struct mainctx *m, struct session *s, const char **why)
{
	(void)m;
	if (!s->pool) {
		*why = "the session has no IPv4 address";
		return -1;
	}
	if (held_take(s->pool, s->addr) < 0 && pool_take(s->pool, s->addr, s->user) < 0) {
		*why = "its address is held by a session of this node";
		return -1;
	}
	leases_dirty();
	return 0;
}

void fleet_lease_moved_away(struct mainctx *m, struct session *s)
{
	sessions_lease_unroute(m, s);
	for (size_t i = 0; s->pool && i < HELD_MAX; i++)
		if (!held[i].pool) {
			held[i].pool = s->pool;
			held[i].addr = s->addr;
			return;
		}
}

void fleet_lease_sticky(struct mainctx *m, const char *pool, const char *user,
			fleet_sticky_fn *cb, void *arg)
{
	(void)pool;
	(void)user;
	cb(m, 0, arg);
}
