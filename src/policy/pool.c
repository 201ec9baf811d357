/* Address pools (IPv4 and IPv6): O(1) lease/release with sticky owners.
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
 *
 * Reuse window: a slot also keeps the time it was last leased or released.
 * An owner returning more than `window` seconds after the release finds its
 * memory expired (forgotten lazily, at that lease) and gets ordinary free
 * space.
 *
 * Both families share the slot machinery: slot i is address first+i, a
 * 32-bit offset from a 32-bit (IPv4) or 128-bit (IPv6) base.
 *
 * Slices (S16, a fleet of nodes): slot i belongs to slice i % slices + 1,
 * and there is one free list per slice.  A fresh lease (and the sticky
 * return) takes only from this node's slice, so nodes that share a pool
 * never hand out one address, Redis or not.  pool_take (restore, Framed-IP,
 * adopting a session that moved here) may take any slot.  A slot "held
 * elsewhere" (a session that moved to another node holds it) is neither
 * free nor leased: it sits on its own list, so listing and returning those
 * is O(held) and a lease never sees one.  With one slice nothing changes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/pool.h"

enum {
	POOL_MIN_BUCKETS = 16,
};

/* The lists a slot can be on: the free list of its slice, or the list of
 * slots held elsewhere. */
struct list {
	uint32_t head, tail;
};

#define NIL UINT32_MAX

struct slot {
	uint32_t fnext, fprev; /* free list links, NIL at the ends */
	uint32_t hnext;        /* next slot in the same hash bucket */
	uint32_t owner;        /* last owner: offset in names, NIL when none */
	int64_t last_used;     /* time of the last lease or release */
	uint8_t leased;
	uint8_t elsewhere;     /* held by another node: on p->elsewhere */
};

struct pool {
	char *name;
	int family;            /* 4 or 6 */
	uint32_t first, last, mask;  /* IPv4, host order */
	uint8_t first6[16];    /* IPv6, network order */
	unsigned plen;
	uint32_t window;       /* seconds, 0 = unlimited */
	size_t size, in_use, n_elsewhere;
	uint32_t slice, slices;        /* this node's slice (0-based), count */
	struct list free[POOL_MAX_SLICES]; /* free slots, one list per slice */
	struct list elsewhere;         /* slots held by other nodes */
	struct slot *slots;
	uint32_t *buckets; /* slot index of the first entry, NIL if empty */
	uint32_t nbuckets; /* power of two */
	/* The owners' names, NUL-terminated, side by side (names.c below) */
	char *names;
	size_t names_len, names_cap, names_dead;
};

/* ---- free lists (one per slice) and the held-elsewhere list */

static struct list *list_of(struct pool *p, uint32_t i)
{
	return p->slots[i].elsewhere ? &p->elsewhere : &p->free[i % p->slices];
}

static void list_unlink(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];
	struct list *l = list_of(p, i);

	if (s->fprev != NIL)
		p->slots[s->fprev].fnext = s->fnext;
	else
		l->head = s->fnext;
	if (s->fnext != NIL)
		p->slots[s->fnext].fprev = s->fprev;
	else
		l->tail = s->fprev;
	s->fnext = s->fprev = NIL;
}

static void list_append(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];
	struct list *l = list_of(p, i);

	s->fnext = NIL;
	s->fprev = l->tail;
	if (l->tail != NIL)
		p->slots[l->tail].fnext = i;
	else
		l->head = i;
	l->tail = i;
}

static void lists_clear(struct pool *p)
{
	for (uint32_t k = 0; k < POOL_MAX_SLICES; k++)
		p->free[k].head = p->free[k].tail = NIL;
	p->elsewhere.head = p->elsewhere.tail = NIL;
}

/* ---- owner names
 *
 * A remembered owner outlives its session (the reuse window: a day by
 * default).  One strdup per owner put each name among the blocks of the
 * session that leased it, and once those sessions ended every name kept a
 * whole page of main's heap resident: 2,000 phones left 2,000 names
 * pinning 2.3 MB (bench/heapwalk, S11).  The names live side by side in one
 * buffer per pool instead; a forgotten name leaves a hole, and the buffer is
 * compacted (and shrinks) when the holes outgrow the live names. */

enum { NAMES_MIN = 4096 };

static const char *owner_of(const struct pool *p, const struct slot *s)
{
	return s->owner == NIL ? NULL : p->names + s->owner;
}

/* A buffer of cap bytes holding only the live names; slots point into it. */
static int names_compact(struct pool *p, size_t cap)
{
	char *nb = malloc(cap);
	size_t len = 0;

	if (nb == NULL)
		return -1;
	for (size_t i = 0; i < p->size; i++) {
		struct slot *s = &p->slots[i];
		size_t n;

		if (s->owner == NIL)
			continue;
		n = strlen(p->names + s->owner) + 1;
		memcpy(nb + len, p->names + s->owner, n);
		s->owner = (uint32_t)len;
		len += n;
	}
	free(p->names);
	p->names = nb;
	p->names_cap = cap;
	p->names_len = len;
	p->names_dead = 0;
	return 0;
}

/* Room for n more bytes: the holes go first when they are half the
 * buffer, else it doubles. */
static int names_room(struct pool *p, size_t n)
{
	size_t live = p->names_len - p->names_dead, cap = NAMES_MIN;

	if (p->names_len + n <= p->names_cap)
		return 0;
	while (cap < 2 * (live + n))
		cap *= 2;
	if (cap > (size_t)NIL)  /* offsets are 32-bit */
		return -1;
	return names_compact(p, cap);
}

/* The offset of a copy of owner, or NIL (out of memory: no stickiness). */
static uint32_t names_add(struct pool *p, const char *owner)
{
	size_t n = strlen(owner) + 1;
	uint32_t off;

	if (names_room(p, n) < 0)
		return NIL;
	off = (uint32_t)p->names_len;
	memcpy(p->names + off, owner, n);
	p->names_len += n;
	return off;
}

static void names_del(struct pool *p, uint32_t off)
{
	p->names_dead += strlen(p->names + off) + 1;
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

/* The free slot remembered for owner (its sticky address), other than
 * except; NIL when none.  Leased slots keep their owner too (the listing
 * names who holds each address), so an owner with several sessions has
 * several slots in the chain, of which at most one is free. */
static uint32_t owner_find_free(struct pool *p, const char *owner, uint32_t except)
{
	uint32_t i = *bucket_of(p, owner);

	while (i != NIL && (i == except || p->slots[i].leased ||
			    strcmp(owner_of(p, &p->slots[i]), owner) != 0))
		i = p->slots[i].hnext;
	return i;
}

static void owner_forget(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];
	uint32_t *link;

	if (s->owner == NIL)
		return;
	link = bucket_of(p, owner_of(p, s));
	while (*link != i)
		link = &p->slots[*link].hnext;
	*link = s->hnext;
	s->hnext = NIL;
	names_del(p, s->owner);
	s->owner = NIL;
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

	if (s->owner != NIL && owner != NULL && strcmp(owner_of(p, s), owner) == 0)
		return;
	owner_forget(p, i);
	if (!owner_usable(owner))
		return;
	/* One memory per owner: an older free slot of the same owner is
	 * forgotten, a slot it still holds (another session) is not. */
	while ((prev = owner_find_free(p, owner, i)) != NIL)
		owner_forget(p, prev);
	s->owner = names_add(p, owner);
	if (s->owner == NIL)
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

/* Slots, free list and owner table for n addresses; the caller fills in
 * the family and the base. */
static struct pool *pool_alloc(const char *name, size_t n)
{
	struct pool *p = calloc(1, sizeof(*p));
	uint32_t i;

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
	p->size = n;
	p->slices = 1;
	lists_clear(p);
	for (i = 0; i < n; i++) {
		p->slots[i].hnext = NIL;
		p->slots[i].owner = NIL;
		list_append(p, i);
	}
	return p;
}

struct pool *pool_new(const char *name, uint32_t first, uint32_t last, uint32_t mask)
{
	struct pool *p;

	if (first > last || (uint64_t)last - first + 1 > POOL_MAX_ADDRS)
		return NULL;
	p = pool_alloc(name, (size_t)last - first + 1);
	if (p == NULL)
		return NULL;
	p->family = 4;
	p->first = first;
	p->last = last;
	p->mask = mask;
	return p;
}

/* a + v (v < 2^32) in 128-bit big-endian arithmetic; 1 on overflow. */
static int add128(uint8_t out[16], const uint8_t a[16], uint32_t v)
{
	uint64_t carry = v;

	for (int k = 15; k >= 0; k--) {
		carry += a[k];
		out[k] = (uint8_t)carry;
		carry >>= 8;
	}
	return carry != 0;
}

/* a - b when it fits 32 bits (and a >= b): 0 with *d, else -1. */
static int sub128(const uint8_t a[16], const uint8_t b[16], uint32_t *d)
{
	uint8_t r[16];
	int borrow = 0;

	for (int k = 15; k >= 0; k--) {
		int x = a[k] - b[k] - borrow;

		borrow = x < 0;
		r[k] = (uint8_t)(x + (borrow ? 256 : 0));
	}
	if (borrow)
		return -1;
	for (int k = 0; k < 12; k++)
		if (r[k])
			return -1;
	*d = (uint32_t)r[12] << 24 | (uint32_t)r[13] << 16 | (uint32_t)r[14] << 8 | r[15];
	return 0;
}

struct pool *pool_new6(const char *name, const uint8_t first[16], unsigned plen,
		       uint32_t count)
{
	uint8_t last[16];
	struct pool *p;

	if (count == 0 || count > POOL_MAX_ADDRS || plen > 128 ||
	    add128(last, first, count - 1))
		return NULL;
	p = pool_alloc(name, count);
	if (p == NULL)
		return NULL;
	p->family = 6;
	memcpy(p->first6, first, 16);
	p->plen = plen;
	return p;
}

void pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	free(p->names);
	free(p->slots);
	free(p->buckets);
	free(p->name);
	free(p);
}

const char *pool_name(const struct pool *p)
{
	return p->name;
}

int pool_family(const struct pool *p)
{
	return p->family;
}

uint32_t pool_mask(const struct pool *p)
{
	return p->family == 4 ? p->mask : 0;
}

unsigned pool_prefix_len(const struct pool *p)
{
	return p->family == 6 ? p->plen : 0;
}

size_t pool_size(const struct pool *p)
{
	return p->size;
}

size_t pool_in_use(const struct pool *p)
{
	return p->in_use;
}

void pool_set_window(struct pool *p, uint32_t seconds)
{
	p->window = seconds;
}

/* A released slot's memory outlived the window.  Times from before a clock
 * step backwards count as fresh. */
static int expired(const struct pool *p, const struct slot *s, int64_t now)
{
	return p->window && now > s->last_used && now - s->last_used > (int64_t)p->window;
}

size_t pool_held(const struct pool *p, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < p->size; i++) {
		const struct slot *s = &p->slots[i];

		n += !s->leased && s->owner != NIL && !expired(p, s, now);
	}
	return n;
}

int pool_contains(const struct pool *p, uint32_t addr)
{
	return p->family == 4 && addr >= p->first && addr <= p->last;
}

int pool_contains6(const struct pool *p, const uint8_t addr[16])
{
	uint32_t d;

	return p->family == 6 && sub128(addr, p->first6, &d) == 0 && d < p->size;
}

/* ---- lease / release by slot index */

static void slot_lease(struct pool *p, uint32_t i, const char *owner, int64_t now)
{
	list_unlink(p, i);
	if (p->slots[i].elsewhere) {
		p->slots[i].elsewhere = 0;
		p->n_elsewhere--;
	}
	p->slots[i].leased = 1;
	p->slots[i].last_used = now;
	p->in_use++;
	owner_remember(p, i, owner);
}

static int lease_index(struct pool *p, const char *owner, int64_t now, uint32_t *idx)
{
	uint32_t i = NIL;

	if (p->free[p->slice].head == NIL)
		return -1;
	if (owner_usable(owner)) {
		i = owner_find_free(p, owner, NIL);
		if (i != NIL && expired(p, &p->slots[i], now)) {
			owner_forget(p, i);
			i = NIL;
		}
		/* remembered in another node's slice: adopted here, then released */
		if (i != NIL && i % p->slices != p->slice)
			i = NIL;
	}
	if (i == NIL)
		i = p->free[p->slice].head;
	slot_lease(p, i, owner, now);
	*idx = i;
	return 0;
}

static int take_index(struct pool *p, uint32_t i, const char *owner)
{
	if (p->slots[i].leased)
		return -1;
	slot_lease(p, i, owner, p->slots[i].last_used);
	return 0;
}

/* The owner stays remembered on the slot so a reconnect gets it back. */
static int release_index(struct pool *p, uint32_t i, int64_t now)
{
	if (!p->slots[i].leased)
		return -1;
	p->slots[i].leased = 0;
	p->slots[i].last_used = now;
	p->in_use--;
	list_append(p, i);
	return 0;
}

/* ---- IPv4 */

int pool_lease_at(struct pool *p, const char *owner, int64_t now, uint32_t *addr)
{
	uint32_t i;

	if (p->family != 4 || lease_index(p, owner, now, &i) < 0)
		return -1;
	*addr = p->first + i;
	return 0;
}

int pool_lease(struct pool *p, const char *owner, uint32_t *addr)
{
	return pool_lease_at(p, owner, 0, addr);
}

int pool_take(struct pool *p, uint32_t addr, const char *owner)
{
	if (!pool_contains(p, addr))
		return -1;
	return take_index(p, addr - p->first, owner);
}

int pool_release_at(struct pool *p, uint32_t addr, int64_t now)
{
	if (!pool_contains(p, addr))
		return -1;
	return release_index(p, addr - p->first, now);
}

int pool_release(struct pool *p, uint32_t addr)
{
	return pool_release_at(p, addr, 0);
}

/* ---- IPv6 */

int pool_lease6(struct pool *p, const char *owner, int64_t now, uint8_t addr[16])
{
	uint32_t i;

	if (p->family != 6 || lease_index(p, owner, now, &i) < 0)
		return -1;
	add128(addr, p->first6, i);
	return 0;
}

int pool_take6(struct pool *p, const uint8_t addr[16], const char *owner)
{
	uint32_t i;

	if (!pool_contains6(p, addr))
		return -1;
	sub128(addr, p->first6, &i);
	return take_index(p, i, owner);
}

int pool_release6(struct pool *p, const uint8_t addr[16], int64_t now)
{
	uint32_t i;

	if (!pool_contains6(p, addr))
		return -1;
	sub128(addr, p->first6, &i);
	return release_index(p, i, now);
}

/* ---- by index: persistence and views */

const char *pool_addr_format(const struct pool *p, size_t index, char *buf, size_t len)
{
	uint8_t a6[16];
	struct in_addr a4;

	if (index >= p->size)
		return NULL;
	if (p->family == 4) {
		a4.s_addr = htonl(p->first + (uint32_t)index);
		return inet_ntop(AF_INET, &a4, buf, (socklen_t)len);
	}
	add128(a6, p->first6, (uint32_t)index);
	return inet_ntop(AF_INET6, a6, buf, (socklen_t)len);
}

int pool_addr_parse(const struct pool *p, const char *text, size_t *index)
{
	uint8_t a6[16];
	struct in_addr a4;
	uint32_t i;

	if (p->family == 4) {
		if (inet_pton(AF_INET, text, &a4) != 1 || !pool_contains(p, ntohl(a4.s_addr)))
			return -1;
		*index = ntohl(a4.s_addr) - p->first;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a6) != 1 || !pool_contains6(p, a6))
		return -1;
	sub128(a6, p->first6, &i);
	*index = i;
	return 0;
}

int pool_foreach(const struct pool *p,
		 int (*cb)(const struct pool_entry *e, void *arg), void *arg)
{
	struct pool_entry e;
	int rc;

	for (size_t i = 0; i < p->size; i++) {
		const struct slot *s = &p->slots[i];

		if (!s->leased && s->owner == NIL)
			continue;
		e.index = i;
		e.owner = owner_of(p, s);
		e.leased = s->leased;
		e.last_used = s->last_used;
		rc = cb(&e, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int pool_remember(struct pool *p, size_t index, const char *owner, int64_t last_used)
{
	uint32_t i = (uint32_t)index;

	if (index >= p->size || p->slots[i].leased || p->slots[i].elsewhere ||
	    !owner_usable(owner))
		return -1;
	owner_remember(p, i, owner);
	if (p->slots[i].owner == NIL)
		return -1;
	p->slots[i].last_used = last_used;
	list_unlink(p, i);
	list_append(p, i);
	return 0;
}

/* ---- slices and slots held elsewhere (S16) */

int pool_set_slice(struct pool *p, unsigned slice, unsigned slices)
{
	uint32_t order[POOL_MAX_SLICES], old = p->slices;
	struct list held = p->elsewhere;

	if (slices < 1 || slices > POOL_MAX_SLICES || slice < 1 || slice > slices)
		return -1;
	/* Free slots move to their new lists in their present FIFO order
	 * (old list by old list), so release order survives within a slice. */
	for (uint32_t k = 0; k < old; k++)
		order[k] = p->free[k].head;
	p->slices = slices;
	p->slice = slice - 1;
	lists_clear(p);
	p->elsewhere = held;
	for (uint32_t k = 0; k < old; k++) {
		for (uint32_t i = order[k], next; i != NIL; i = next) {
			next = p->slots[i].fnext;
			list_append(p, i);
		}
	}
	return 0;
}

void pool_slice(const struct pool *p, unsigned *slice, unsigned *slices)
{
	*slice = p->slice + 1;
	*slices = p->slices;
}

size_t pool_slice_size(const struct pool *p)
{
	return p->size / p->slices + (p->slice < p->size % p->slices);
}

int pool_in_slice(const struct pool *p, size_t index)
{
	return index < p->size && index % p->slices == p->slice;
}

/* The slot is another node's now: nobody here may lease it and no owner
 * here gets it back (the session that remembered it lives there). */
int pool_hold_elsewhere(struct pool *p, size_t index)
{
	uint32_t i = (uint32_t)index;
	struct slot *s;

	if (index >= p->size)
		return -1;
	s = &p->slots[i];
	if (s->elsewhere)
		return 0;
	if (s->leased) {
		s->leased = 0;
		p->in_use--;
	} else {
		list_unlink(p, i);
	}
	owner_forget(p, i);
	s->elsewhere = 1;
	p->n_elsewhere++;
	list_append(p, i);
	return 0;
}

int pool_unhold(struct pool *p, size_t index)
{
	uint32_t i = (uint32_t)index;

	if (index >= p->size || !p->slots[i].elsewhere)
		return -1;
	list_unlink(p, i);
	p->slots[i].elsewhere = 0;
	p->n_elsewhere--;
	list_append(p, i);
	return 0;
}

int pool_is_leased(const struct pool *p, size_t index)
{
	return index < p->size && p->slots[index].leased;
}

int pool_is_elsewhere(const struct pool *p, size_t index)
{
	return index < p->size && p->slots[index].elsewhere;
}

size_t pool_elsewhere(const struct pool *p)
{
	return p->n_elsewhere;
}

size_t pool_elsewhere_list(const struct pool *p, size_t *out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = p->elsewhere.head; i != NIL && n < max; i = p->slots[i].fnext)
		out[n++] = i;
	return n;
}
