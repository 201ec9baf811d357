/* Failed-login counters (mfail.h). */
#include "config.h"

#include <string.h>

#include "mfail.h"
#include "sslvpnd/util.h"

enum { MFAIL_SLOTS = 1024, MFAIL_KEY_MAX = 256 };

struct mfail_slot {
	uint8_t used;
	uint8_t kind;
	unsigned count;
	uint64_t last;              /* time of the latest failure */
	char key[MFAIL_KEY_MAX];
};

/* main is one process with one loop: a file-scope table is its state. */
static struct mfail_slot slots[MFAIL_SLOTS];

static struct mfail_slot *find(enum mfail_kind kind, const char *key)
{
	size_t i;

	for (i = 0; i < MFAIL_SLOTS; i++)
		if (slots[i].used && slots[i].kind == kind &&
		    !strcmp(slots[i].key, key))
			return &slots[i];
	return NULL;
}

static struct mfail_slot *take(enum mfail_kind kind, const char *key)
{
	struct mfail_slot *s = find(kind, key), *old = &slots[0];
	size_t i;

	if (s)
		return s;
	for (i = 0; i < MFAIL_SLOTS; i++) {
		if (!slots[i].used) {
			old = &slots[i];
			break;
		}
		if (slots[i].last < old->last)
			old = &slots[i];
	}
	memset(old, 0, sizeof(*old));
	old->used = 1;
	old->kind = (uint8_t)kind;
	util_strlcpy(old->key, key, sizeof(old->key));
	return old;
}

static void bump(enum mfail_kind kind, const char *key, uint64_t now)
{
	struct mfail_slot *s;

	if (!key || !*key)
		return;
	s = take(kind, key);
	s->count++;
	s->last = now;
}

void mfail_record(const char *user, const char *ip, uint64_t now)
{
	bump(MFAIL_USER, user, now);
	bump(MFAIL_IP, ip, now);
}

unsigned mfail_count(enum mfail_kind kind, const char *key)
{
	const struct mfail_slot *s = key ? find(kind, key) : NULL;

	return s ? s->count : 0;
}

void mfail_clear(enum mfail_kind kind, const char *key)
{
	struct mfail_slot *s = key ? find(kind, key) : NULL;

	if (s)
		memset(s, 0, sizeof(*s));
}
