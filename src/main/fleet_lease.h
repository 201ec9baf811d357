/* fleet_lease.c: the addresses of a fleet (S16).  Every pool is cut into
 * fleet.slices slices and this node leases fresh addresses only from its
 * own (pool.c), so no round trip to Redis sits in the CONNECT path and two
 * nodes never hand out one address, Redis or not.  Redis carries one claim
 * per leased IPv4 address, `sslvpnd:lease:<pool>:<addr>` = "<node>
 * <cookie-sha256-hex> <user>" with a TTL (fleet.lease-ttl) refreshed while
 * the session lives, and the address a user last held,
 * `sslvpnd:user-addr:<pool>:<user>` (EX general.address-reuse-window).
 * An address leaves its slice only with a session that moves: the adopting
 * node takes it (fleet_lease_adopt), the home node marks it held elsewhere
 * (fleet_lease_moved_away, or its reconcile finding the claim) until the
 * claim in Redis is gone.
 *
 * Without fleet.redis every call is a no-op and the pools are not cut. */
#ifndef SSLVPND_FLEET_LEASE_H
#define SSLVPND_FLEET_LEASE_H

#include <stdint.h>

struct mainctx;
struct pool;
struct session;

/* fleet_lease_adopt: s (a session moving here, s->pool/s->addr set from its
 * record) takes its IPv4 address in the local pool even outside this node's
 * slice or marked held-elsewhere; writes the Redis lease for this node.  0,
 * or -1 with *why (address not in any pool here, or held by a local session
 * of another user) and nothing taken. */
int fleet_lease_adopt(struct mainctx *m, struct session *s, const char **why);
/* fleet_lease_moved_away: s moved to another node: its host routes go, its
 * slot becomes held-elsewhere (not free, not remembered for the user); no
 * Redis write (the adopter wrote). */
void fleet_lease_moved_away(struct mainctx *m, struct session *s);
/* fleet_lease_sticky: the address user last held in pool on ANY node, if its
 * lease in Redis is free or held by a node that is dead (no
 * sslvpnd:node:<node> key): cb(m, addr host order or 0, arg).  Not up:
 * cb(m, 0, arg) at once. */
typedef void fleet_sticky_fn(struct mainctx *m, uint32_t addr, void *arg);
void fleet_lease_sticky(struct mainctx *m, const char *pool, const char *user,
			fleet_sticky_fn *cb, void *arg);

/* ---- hooks of the ordinary lease life (sessions_lease.c, main.c) */
/* fleet_lease_cut: cut a pool just made into this node's slice (the fleet
 * group as read at start); nothing without fleet.redis. */
void fleet_lease_cut(struct mainctx *m, struct pool *p);
/* fleet_lease_claim: s leased its IPv4 address here: claim it in Redis
 * (kept when another node's claim is there: logged as a conflict). */
void fleet_lease_claim(struct mainctx *m, const struct session *s);
/* fleet_lease_drop: s gives its IPv4 address back: its claim goes (only if
 * it still names this node and session) and the address is remembered for
 * the user fleet-wide.  Call before s->pool/s->addr are cleared. */
void fleet_lease_drop(struct mainctx *m, const struct session *s);
/* fleet_lease_reconcile: the on_up[] row of fleet.c: every local claim
 * again, this slice's addresses claimed by other nodes held elsewhere, and
 * the periodic refresh (every lease-ttl/3 s) started. */
void fleet_lease_reconcile(struct mainctx *m);
void fleet_lease_stop(struct mainctx *m);

#endif
