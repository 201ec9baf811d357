/* fleet_lease.c (engineer FL, S16): addresses across the fleet's nodes.
 * The interface below is the one agreed in the task's fleet.md; until FL's
 * branch is merged, src/main/fleet_lease_stub.c stands in for it. */
#ifndef SSLVPND_FLEET_LEASE_H
#define SSLVPND_FLEET_LEASE_H

#include <stdint.h>

struct mainctx;
struct session;

/* fleet_lease_adopt: s (a session moving here, s->pool/s->addr set from its record) takes its
 * IPv4 address in the local pool even outside this node's slice or marked held-elsewhere;
 * writes the Redis lease for this node. 0, or -1 with *why (address not in any pool here, or
 * held by a local session of another user) and nothing taken. */
int fleet_lease_adopt(struct mainctx *m, struct session *s, const char **why);
/* fleet_lease_moved_away: s moved to another node: its host routes go, its slot becomes
 * held-elsewhere (not free, not remembered for the user); no Redis write (the adopter wrote). */
void fleet_lease_moved_away(struct mainctx *m, struct session *s);
/* fleet_lease_sticky: the address user last held in pool on ANY node, if its lease in Redis is
 * free or held by a node that is dead (no sslvpnd:node:<node> key): cb(m, addr host order or 0,
 * arg). Not up: cb(m, 0, arg) at once. */
typedef void fleet_sticky_fn(struct mainctx *m, uint32_t addr, void *arg);
void fleet_lease_sticky(struct mainctx *m, const char *pool, const char *user,
			fleet_sticky_fn *cb, void *arg);

#endif
