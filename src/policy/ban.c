/* Per-source scores and bans (ban.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sslvpnd/ban.h"

enum { NIL = UINT32_MAX };

static const struct {
	const char *key;
	unsigned weight;
	const char *text;
} causes[BAN__COUNT] = {
#define BANCAUSE(name, key, weight, text) [BAN_##name] = { key, weight, text },
#include "sslvpnd/bancause.def"
#undef BANCAUSE
};

struct ban_slot {
	struct ban_entry e;
	uint32_t next;            /* next slot of the bucket, NIL ends */
	uint8_t used;
};

struct ban_table {
	size_t cap, n_buckets;
	uint32_t *buckets;
	struct ban_slot *slots;
};

enum ban_cause ban_cause_of(const char *key)
{
	for (unsigned i = 0; i < BAN__COUNT; i++)
		if (!strcmp(causes[i].key, key))
			return (enum ban_cause)i;
	return BAN__COUNT;
}

const char *ban_cause_key(enum ban_cause cause)
{
	return (unsigned)cause < BAN__COUNT ? causes[cause].key : "?";
}

const char *ban_cause_text(enum ban_cause cause)
{
	return (unsigned)cause < BAN__COUNT ? causes[cause].text : "?";
}

unsigned ban_cause_weight(enum ban_cause cause)
{
	return (unsigned)cause < BAN__COUNT ? causes[cause].weight : 0;
}

struct ban_table *ban_new(size_t cap)
{
	struct ban_table *t;

	if (cap < 1 || cap >= NIL)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cap = cap;
	t->n_buckets = cap;
	t->buckets = malloc(cap * sizeof(*t->buckets));
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->buckets || !t->slots) {
		ban_free(t);
		return NULL;
	}
	for (size_t i = 0; i < cap; i++)
		t->buckets[i] = NIL;
	return t;
}

void ban_free(struct ban_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->slots);
	free(t);
}

/* FNV-1a of the address text. */
static size_t bucket_of(const struct ban_table *t, const char *addr)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % t->n_buckets;
}

static struct ban_slot *find(const struct ban_table *t, const char *addr)
{
	uint32_t i = t->buckets[bucket_of(t, addr)];

	while (i != NIL) {
		if (!strcmp(t->slots[i].e.addr, addr))
			return &t->slots[i];
		i = t->slots[i].next;
	}
	return NULL;
}

static void unlink_slot(struct ban_table *t, struct ban_slot *s)
{
	uint32_t *pp = &t->buckets[bucket_of(t, s->e.addr)];
	uint32_t self = (uint32_t)(s - t->slots);

	while (*pp != NIL && *pp != self)
		pp = &t->slots[*pp].next;
	if (*pp == self)
		*pp = s->next;
	memset(s, 0, sizeof(*s));
}

/* A free slot, else the unbanned one idle longest, else the ban ending
 * first (a flood of addresses beyond cap can end a ban early: the table
 * stays bounded). */
static struct ban_slot *victim(struct ban_table *t)
{
	struct ban_slot *idle = NULL, *ban = NULL;

	for (size_t i = 0; i < t->cap; i++) {
		struct ban_slot *s = &t->slots[i];

		if (!s->used)
			return s;
		if (!s->e.until && (!idle || s->e.last < idle->e.last))
			idle = s;
		if (s->e.until && (!ban || s->e.until < ban->e.until))
			ban = s;
	}
	return idle ? idle : ban;
}

static struct ban_slot *take(struct ban_table *t, const char *addr)
{
	struct ban_slot *s = find(t, addr);
	size_t b;

	if (s)
		return s;
	s = victim(t);
	if (s->used)
		unlink_slot(t, s);
	s->used = 1;
	memcpy(s->e.addr, addr, strnlen(addr, BAN_ADDR_MAX - 1));
	b = bucket_of(t, s->e.addr);
	s->next = t->buckets[b];
	t->buckets[b] = (uint32_t)(s - t->slots);
	return s;
}

static int banned(const struct ban_entry *e, uint64_t now)
{
	return e->until && now < e->until;
}

int ban_score(struct ban_table *t, const struct ban_params *p, const char *addr,
	      enum ban_cause cause, uint64_t now, struct ban_entry *out)
{
	struct ban_slot *s;
	struct ban_entry *e;

	if (!addr || !*addr || (unsigned)cause >= BAN__COUNT)
		return 0;
	s = take(t, addr);
	e = &s->e;
	if (banned(e, now))
		return 0;
	if (e->until) { /* over, not yet expired by ban_expire */
		e->until = 0;
		e->score = 0;
	}
	if (!e->score || now < e->window_start || now - e->window_start >= p->window) {
		e->score = 0;
		e->window_start = now;
	}
	e->score += causes[cause].weight;
	e->last_cause = (uint8_t)cause;
	e->last = now;
	if (!p->threshold || e->score < p->threshold)
		return 0;
	e->until = now + p->duration;
	e->refused = e->refused_unlogged = 0;
	e->log_after = 0;
	if (out)
		*out = *e;
	return 1;
}

int ban_impose(struct ban_table *t, const char *addr, enum ban_cause cause, uint64_t now,
	       uint64_t until)
{
	struct ban_slot *s;
	struct ban_entry *e;

	if (!addr || !*addr || (unsigned)cause >= BAN__COUNT || until <= now)
		return 0;
	s = take(t, addr);
	e = &s->e;
	if (banned(e, now) && e->until >= until)
		return 0;
	if (!banned(e, now)) {
		e->refused = e->refused_unlogged = 0;
		e->log_after = 0;
	}
	e->until = until;
	e->last_cause = (uint8_t)cause;
	e->last = now;
	return 1;
}

uint64_t ban_refuse(struct ban_table *t, const char *addr, uint64_t now,
		    unsigned log_every, uint64_t *log_count)
{
	struct ban_slot *s = addr ? find(t, addr) : NULL;
	struct ban_entry *e = s ? &s->e : NULL;

	*log_count = 0;
	if (!e || !banned(e, now))
		return 0;
	e->refused++;
	e->refused_unlogged++;
	if (now >= e->log_after) {
		*log_count = e->refused_unlogged;
		e->refused_unlogged = 0;
		e->log_after = now + log_every;
	}
	return e->until - now;
}

void ban_reset(struct ban_table *t, const char *addr)
{
	struct ban_slot *s = addr ? find(t, addr) : NULL;

	if (s && !s->e.until)
		unlink_slot(t, s);
}

size_t ban_clear(struct ban_table *t, const char *addr, uint64_t now,
		 void (*cb)(const struct ban_entry *e, void *arg), void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct ban_slot *s = &t->slots[i];

		if (!s->used || (addr && strcmp(s->e.addr, addr)))
			continue;
		if (banned(&s->e, now)) {
			if (cb)
				cb(&s->e, arg);
			n++;
		}
		unlink_slot(t, s);
	}
	return n;
}

size_t ban_expire(struct ban_table *t, const struct ban_params *p, uint64_t now,
		  void (*cb)(const struct ban_entry *e, void *arg), void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct ban_slot *s = &t->slots[i];

		if (!s->used)
			continue;
		if (s->e.until && now >= s->e.until) {
			if (cb)
				cb(&s->e, arg);
			n++;
			unlink_slot(t, s);
		} else if (!s->e.until && now - s->e.window_start >= p->window) {
			unlink_slot(t, s);
		}
	}
	return n;
}

void ban_foreach(const struct ban_table *t, uint64_t now,
		 void (*cb)(const struct ban_entry *e, void *arg), void *arg)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].used && banned(&t->slots[i].e, now))
			cb(&t->slots[i].e, arg);
}

const struct ban_entry *ban_get(const struct ban_table *t, const char *addr)
{
	const struct ban_slot *s = addr ? find(t, addr) : NULL;

	return s ? &s->e : NULL;
}
