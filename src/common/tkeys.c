/* TLS session ticket keys: rotation rules and the wire form (tkeys.h). */
#include "config.h"

#include <string.h>

#include "sslvpnd/tkeys.h"

enum { CLOCK_SLACK = 60 };

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int tkeys_encode(const struct tkeys *t, uint8_t *out, size_t cap)
{
	size_t off = 0;

	if (t->n > TKEYS_MAX || cap < t->n * TKEY_WIRE_LEN)
		return -1;
	for (unsigned i = 0; i < t->n; i++) {
		const struct tkey *k = &t->k[i];

		put64(out + off, (uint64_t)k->created);
		memcpy(out + off + 8, k->name, TKEY_NAME_LEN);
		memcpy(out + off + 8 + TKEY_NAME_LEN, k->aes, TKEY_AES_LEN);
		memcpy(out + off + 8 + TKEY_NAME_LEN + TKEY_AES_LEN, k->hmac, TKEY_HMAC_LEN);
		off += TKEY_WIRE_LEN;
	}
	return (int)off;
}

int tkeys_decode(struct tkeys *t, const uint8_t *in, size_t len)
{
	memset(t, 0, sizeof(*t));
	if (len % TKEY_WIRE_LEN || len > TKEYS_WIRE_MAX)
		return -1;
	for (size_t off = 0; off < len; off += TKEY_WIRE_LEN) {
		struct tkey *k = &t->k[t->n++];

		k->created = (int64_t)get64(in + off);
		memcpy(k->name, in + off + 8, TKEY_NAME_LEN);
		memcpy(k->aes, in + off + 8 + TKEY_NAME_LEN, TKEY_AES_LEN);
		memcpy(k->hmac, in + off + 8 + TKEY_NAME_LEN + TKEY_AES_LEN, TKEY_HMAC_LEN);
	}
	return 0;
}

static int opens(const struct tkey *k, int64_t now, uint32_t lifetime)
{
	return k->created <= now + CLOCK_SLACK && now - k->created < (int64_t)lifetime;
}

void tkeys_prune(struct tkeys *t, int64_t now, uint32_t lifetime)
{
	unsigned j = 0;

	for (unsigned i = 0; i < t->n && i < TKEYS_MAX; i++)
		if (opens(&t->k[i], now, lifetime))
			t->k[j++] = t->k[i];
	for (unsigned i = j; i < TKEYS_MAX; i++)
		memset(&t->k[i], 0, sizeof(t->k[i]));
	t->n = j;
}

int tkeys_rotate(struct tkeys *t, int64_t now, uint32_t lifetime, const struct tkey *fresh)
{
	tkeys_prune(t, now, lifetime);
	if (t->n && now - t->k[0].created < (int64_t)(lifetime / 2))
		return 0;
	t->k[1] = t->k[0];
	t->k[0] = *fresh;
	t->k[0].created = now;
	t->n = t->n ? 2 : 1;
	return 1;
}

int64_t tkeys_next(const struct tkeys *t, uint32_t lifetime)
{
	int64_t at = t->n ? t->k[0].created + (int64_t)(lifetime / 2) : 0;

	if (t->n > 1 && t->k[1].created + (int64_t)lifetime < at)
		at = t->k[1].created + (int64_t)lifetime;
	return at;
}

int tkeys_find(const struct tkeys *t, const uint8_t name[TKEY_NAME_LEN], int64_t now,
	       uint32_t lifetime)
{
	for (unsigned i = 0; i < t->n && i < TKEYS_MAX; i++)
		if (!memcmp(t->k[i].name, name, TKEY_NAME_LEN) && opens(&t->k[i], now, lifetime))
			return (int)i;
	return -1;
}
