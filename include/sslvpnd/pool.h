/* IPv4 address pools (ip local pool NAME FIRST-LAST mask MASK).
 * Pure logic: lease and release in O(1); the same owner key (user/device)
 * gets its previous address back while it is still free. */
#ifndef SSLVPND_POOL_H
#define SSLVPND_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool;

/* pool_new: addresses first..last (host order) inclusive; NULL on bad range
 * or allocation failure.  At most 1<<20 addresses. */
struct pool *pool_new(const char *name, uint32_t first, uint32_t last, uint32_t mask);
void pool_free(struct pool *p);

const char *pool_name(const struct pool *p);
uint32_t pool_mask(const struct pool *p);
size_t pool_size(const struct pool *p);
size_t pool_in_use(const struct pool *p);

/* pool_lease: take a free address for owner (a stable key such as the user
 * name or device id; may be NULL).  The owner's previous address is reused
 * when still free.  Returns 0 with *addr set, or -1 when the pool is full. */
int pool_lease(struct pool *p, const char *owner, uint32_t *addr);
/* pool_take: lease a specific address; 0, or -1 if out of range / in use. */
int pool_take(struct pool *p, uint32_t addr, const char *owner);
/* pool_release: return addr; -1 if it was not leased from this pool. */
int pool_release(struct pool *p, uint32_t addr);
/* pool_contains: 1 when addr lies in first..last. */
int pool_contains(const struct pool *p, uint32_t addr);

#endif
