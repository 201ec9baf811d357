/* Address pools: IPv4 (ip local pool NAME FIRST-LAST mask MASK) and IPv6
 * (ipv6 local pool NAME PREFIX/LEN COUNT).
 *
 * Pure logic, no I/O, no clock: callers pass the time (seconds, wall
 * clock, so it means the same after a restart).  Lease and release are
 * O(1) whatever the pool size; the same owner key (user or device) gets
 * its previous address back while that address is still free and the
 * owner returns within the pool's reuse window. */
#ifndef SSLVPND_POOL_H
#define SSLVPND_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool;

enum {
	POOL_MAX_ADDRS = 1 << 20,  /* addresses in one pool, either family */
	POOL_OWNER_MAX = 256,      /* longer owner keys are not remembered */
	POOL_MAX_SLICES = 16,      /* fleet.slices at most */
};

/* pool_new: IPv4 addresses first..last (host order) inclusive, handed out
 * with mask; NULL on a bad range or allocation failure. */
struct pool *pool_new(const char *name, uint32_t first, uint32_t last, uint32_t mask);
/* pool_new6: count IPv6 addresses from first (network order) upwards,
 * handed out as first+i/plen.  NULL when count is 0 or above
 * POOL_MAX_ADDRS, plen above 128, the addresses run past ffff:...:ffff, or
 * allocation fails.  The caller checks that they stay inside the prefix. */
struct pool *pool_new6(const char *name, const uint8_t first[16], unsigned plen,
		       uint32_t count);
/* pool_free: frees the pool and every remembered owner; NULL is a no-op. */
void pool_free(struct pool *p);

const char *pool_name(const struct pool *p);
/* pool_family: 4 or 6. */
int pool_family(const struct pool *p);
/* pool_mask: the IPv4 mask (0 for IPv6); pool_prefix_len: the IPv6
 * prefix length (0 for IPv4). */
uint32_t pool_mask(const struct pool *p);
unsigned pool_prefix_len(const struct pool *p);
size_t pool_size(const struct pool *p);
size_t pool_in_use(const struct pool *p);

/* pool_set_window: seconds a released address stays reserved for its last
 * owner (it is still handed to others, but only after every address
 * nobody remembers, oldest release first).  0 = no limit: remembered for
 * as long as nobody else takes it.  Default 0. */
void pool_set_window(struct pool *p, uint32_t seconds);
/* pool_held: free addresses still remembered for an owner within the
 * window at `now` (O(size): for views, not for the data path). */
size_t pool_held(const struct pool *p, int64_t now);

/* ---- IPv4 pools.  All return -1 on an IPv6 pool. */
/* pool_lease_at: a free address for owner (a stable key such as the user
 * name or device id; may be NULL).  The owner's previous address when it
 * is free and was released at most window seconds before now, else the
 * address released longest ago (never used ones first).  0 with *addr
 * set, or -1 when the pool is full (*addr untouched). */
int pool_lease_at(struct pool *p, const char *owner, int64_t now, uint32_t *addr);
/* pool_lease: pool_lease_at at time 0 (for pools without a window). */
int pool_lease(struct pool *p, const char *owner, uint32_t *addr);
/* pool_take: lease a specific address; 0, or -1 if out of range / in use. */
int pool_take(struct pool *p, uint32_t addr, const char *owner);
/* pool_release_at: return addr at time now; its owner stays remembered.
 * -1 if it was not leased from this pool. */
int pool_release_at(struct pool *p, uint32_t addr, int64_t now);
int pool_release(struct pool *p, uint32_t addr);
/* pool_contains: 1 when addr lies in first..last. */
int pool_contains(const struct pool *p, uint32_t addr);

/* ---- IPv6 pools (addresses in network order).  -1 on an IPv4 pool. */
int pool_lease6(struct pool *p, const char *owner, int64_t now, uint8_t addr[16]);
int pool_take6(struct pool *p, const uint8_t addr[16], const char *owner);
int pool_release6(struct pool *p, const uint8_t addr[16], int64_t now);
int pool_contains6(const struct pool *p, const uint8_t addr[16]);

/* ---- by slot index (0 .. size-1), either family: persistence and views */
/* pool_addr_format: text of the address at index (inet_ntop form); buf of
 * at least 46 bytes.  Returns buf, or NULL when index is out of range. */
const char *pool_addr_format(const struct pool *p, size_t index, char *buf, size_t len);
/* pool_addr_parse: index of the address written as text; 0 or -1 when it
 * is not an address of this pool's family or lies outside the pool. */
int pool_addr_parse(const struct pool *p, const char *text, size_t *index);

struct pool_entry {
	size_t index;
	const char *owner;       /* NULL when nobody is remembered */
	int leased;
	int64_t last_used;       /* time of the lease or of the release */
};
/* pool_foreach: cb for every address that is leased or remembers an
 * owner, in address order; stops early when cb returns non-zero (and
 * returns that value), else 0.  cb must not change the pool. */
int pool_foreach(const struct pool *p,
		 int (*cb)(const struct pool_entry *e, void *arg), void *arg);
/* pool_remember: restore a saved memory: owner last used the free address
 * at index at time last_used.  The address moves to the end of the reuse
 * order (call in ascending last_used).  An owner remembered elsewhere
 * moves here.  0, or -1 when index is out of range, leased, or owner is
 * empty / too long. */
int pool_remember(struct pool *p, size_t index, const char *owner, int64_t last_used);

/* ---- slices: a fleet of nodes sharing the pools (S16).  Slot i (of
 * either family) belongs to slice i % slices + 1. */
/* pool_set_slice: fresh leases (and the sticky return) take only slots of
 * slice (1..slices); pool_take still takes any slot.  Default 1 of 1
 * (everything).  -1 when slices is 0 or above POOL_MAX_SLICES or slice is
 * outside 1..slices. */
int pool_set_slice(struct pool *p, unsigned slice, unsigned slices);
void pool_slice(const struct pool *p, unsigned *slice, unsigned *slices);
/* pool_slice_size: addresses in this node's slice. */
size_t pool_slice_size(const struct pool *p);
/* pool_in_slice: 1 when the slot at index is in this node's slice. */
int pool_in_slice(const struct pool *p, size_t index);
/* pool_hold_elsewhere: the slot at index is held by another node (a session
 * that moved there): not leased here (a local lease of it ends without
 * freeing it), not free, not remembered for any owner.  0 (also when
 * already held elsewhere), -1 out of range.  pool_take takes it back. */
int pool_hold_elsewhere(struct pool *p, size_t index);
/* pool_unhold: the other node let it go: free again (end of its slice's
 * free list).  -1 when not held elsewhere. */
int pool_unhold(struct pool *p, size_t index);
int pool_is_elsewhere(const struct pool *p, size_t index);
int pool_is_leased(const struct pool *p, size_t index);
/* pool_elsewhere: how many slots are held elsewhere (O(1)). */
size_t pool_elsewhere(const struct pool *p);
/* pool_elsewhere_list: up to max of their indexes into out; the count
 * (O(count)). */
size_t pool_elsewhere_list(const struct pool *p, size_t *out, size_t max);

#endif
