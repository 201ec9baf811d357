/* IPv4 address pools: O(1) lease/release with sticky owners.
 *
 * Every address of first..last has one slot.  Free slots sit on a doubly
 * linked FIFO list: release appends at the tail, lease takes from the head,
 * so a released address is reused as late as possible and its previous owner
 * has the longest chance to get it back.  The doubly linked list lets
 * pool_take and the sticky path unlink any slot in O(1).
 *
 * Stickiness: a slot remembers the owner it was last leased to.  A hash table
 * (chained through the slots themselves) finds that slot by owner.  A slot
 * holds at most one owner and an owner is remembered on one slot (its most
 * recent lease), so the table never has more entries than the pool has
 * addresses: it is bounded without any eviction policy.  Leasing a slot to a
 * different party forgets its previous owner.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sslvpnd/pool.h"

enum {
	POOL_MAX_ADDRS = 1 << 20,
	POOL_OWNER_MAX = 256, /* longer owner keys are not remembered */
	POOL_MIN_BUCKETS = 16,
};

#define NIL UINT32_MAX

struct slot {
	uint32_t fnext, fprev; /* free list links, NIL at the ends */
	uint32_t hnext;        /* next slot in the same hash bucket */
	char *owner;           /* last owner, NULL when none remembered */
	uint8_t leased;
};

struct pool {
	char *name;
	uint32_t first, last, mask;
	size_t size, in_use;
	uint32_t fhead, ftail;
	struct slot *slots;
	uint32_t *buckets; /* slot index of the first entry, NIL if empty */
	uint32_t nbuckets; /* power of two */
};

/* ---- free list */

static void free_unlink(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];

	if (s->fprev != NIL)
		p->slots[s->fprev].fnext = s->fnext;
	else
		p->fhead = s->fnext;
	if (s->fnext != NIL)
		p->slots[s->fnext].fprev = s->fprev;
	else
		p->ftail = s->fprev;
	s->fnext = s->fprev = NIL;
}

static void free_append(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];

	s->fnext = NIL;
	s->fprev = p->ftail;
	if (p->ftail != NIL)
		p->slots[p->ftail].fnext = i;
	else
		p->fhead = i;
	p->ftail = i;
}

/* ---- owner hash table */

/* FNV-1a: owners are short user or device names, no attacker gains from
 * collisions beyond a longer chain on one pool. */
static uint32_t owner_hash(const char *owner)
{
	uint32_t h = 2166136261u;

	for (; *owner; owner++)
		h = (h ^ (uint8_t)*owner) * 16777619u;
	return h;
}

static uint32_t *bucket_of(struct pool *p, const char *owner)
{
	return &p->buckets[owner_hash(owner) & (p->nbuckets - 1)];
}

static uint32_t owner_find(struct pool *p, const char *owner)
{
	uint32_t i = *bucket_of(p, owner);

	while (i != NIL && strcmp(p->slots[i].owner, owner) != 0)
		i = p->slots[i].hnext;
	return i;
}

static void owner_forget(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];
	uint32_t *link;

	if (s->owner == NULL)
		return;
	link = bucket_of(p, s->owner);
	while (*link != i)
		link = &p->slots[*link].hnext;
	*link = s->hnext;
	s->hnext = NIL;
	free(s->owner);
	s->owner = NULL;
}

static int owner_usable(const char *owner)
{
	return owner != NULL && *owner != '\0' &&
	       strnlen(owner, POOL_OWNER_MAX) < POOL_OWNER_MAX;
}

/* Record owner on slot i.  An allocation failure only loses stickiness,
 * never the lease itself. */
static void owner_remember(struct pool *p, uint32_t i, const char *owner)
{
	struct slot *s = &p->slots[i];
	uint32_t prev;
	uint32_t *head;

	if (s->owner != NULL && owner != NULL && strcmp(s->owner, owner) == 0)
		return;
	owner_forget(p, i);
	if (!owner_usable(owner))
		return;
	prev = owner_find(p, owner);
	if (prev != NIL)
		owner_forget(p, prev);
	s->owner = strdup(owner);
	if (s->owner == NULL)
		return;
	head = bucket_of(p, owner);
	s->hnext = *head;
	*head = i;
}

/* ---- lifecycle */

static uint32_t bucket_count(size_t n)
{
	uint32_t b = POOL_MIN_BUCKETS;

	while (b < n)
		b <<= 1;
	return b;
}

struct pool *pool_new(const char *name, uint32_t first, uint32_t last, uint32_t mask)
{
	struct pool *p;
	size_t n;
	uint32_t i;

	if (first > last || (uint64_t)last - first + 1 > POOL_MAX_ADDRS)
		return NULL;
	n = (size_t)last - first + 1;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->name = strdup(name != NULL ? name : "");
	p->slots = calloc(n, sizeof(*p->slots));
	p->nbuckets = bucket_count(n);
	p->buckets = malloc(p->nbuckets * sizeof(*p->buckets));
	if (p->name == NULL || p->slots == NULL || p->buckets == NULL) {
		pool_free(p);
		return NULL;
	}
	memset(p->buckets, 0xff, p->nbuckets * sizeof(*p->buckets));
	p->first = first;
	p->last = last;
	p->mask = mask;
	p->size = n;
	p->fhead = p->ftail = NIL;
	for (i = 0; i < n; i++) {
		p->slots[i].hnext = NIL;
		free_append(p, i);
	}
	return p;
}

void pool_free(struct pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->slots != NULL)
		for (i = 0; i < p->size; i++)
			free(p->slots[i].owner);
	free(p->slots);
	free(p->buckets);
	free(p->name);
	free(p);
}

const char *pool_name(const struct pool *p)
{
	return p->name;
}

uint32_t pool_mask(const struct pool *p)
{
	return p->mask;
}

size_t pool_size(const struct pool *p)
{
	return p->size;
}

size_t pool_in_use(const struct pool *p)
{
	return p->in_use;
}

int pool_contains(const struct pool *p, uint32_t addr)
{
	return addr >= p->first && addr <= p->last;
}

/* ---- lease / release */

static void slot_lease(struct pool *p, uint32_t i, const char *owner)
{
	free_unlink(p, i);
	p->slots[i].leased = 1;
	p->in_use++;
	owner_remember(p, i, owner);
}

int pool_lease(struct pool *p, const char *owner, uint32_t *addr)
{
	uint32_t i = NIL;

	if (p->fhead == NIL)
		return -1;
	if (owner_usable(owner)) {
		i = owner_find(p, owner);
		if (i != NIL && p->slots[i].leased)
			i = NIL;
	}
	if (i == NIL)
		i = p->fhead;
	slot_lease(p, i, owner);
	*addr = p->first + i;
	return 0;
}

int pool_take(struct pool *p, uint32_t addr, const char *owner)
{
	uint32_t i;

	if (!pool_contains(p, addr))
		return -1;
	i = addr - p->first;
	if (p->slots[i].leased)
		return -1;
	slot_lease(p, i, owner);
	return 0;
}

/* The owner stays remembered on the slot so a reconnect gets it back. */
int pool_release(struct pool *p, uint32_t addr)
{
	uint32_t i;

	if (!pool_contains(p, addr))
		return -1;
	i = addr - p->first;
	if (!p->slots[i].leased)
		return -1;
	p->slots[i].leased = 0;
	p->in_use--;
	free_append(p, i);
	return 0;
}
