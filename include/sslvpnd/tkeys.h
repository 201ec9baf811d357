/* TLS session ticket keys (S11): what secmod generates and rotates, main
 * keeps across a restart and the workers encrypt and open tickets with.
 * Pure: no I/O, the clock passed in.
 *
 * k[0] is the current key (it encrypts new tickets) for lifetime/2 after
 * it was made; then a new key takes its place and it becomes k[1], which
 * still opens tickets until lifetime after it was made.  A ticket is
 * therefore opened for between lifetime/2 and lifetime after it was
 * issued (and never beyond the session timeout, lifetime, OpenSSL checks
 * itself). */
#ifndef SSLVPND_TKEYS_H
#define SSLVPND_TKEYS_H

#include <stddef.h>
#include <stdint.h>

enum { TKEY_NAME_LEN = 16, TKEY_AES_LEN = 32, TKEY_HMAC_LEN = 32, TKEYS_MAX = 2,
       TKEY_WIRE_LEN = 8 + TKEY_NAME_LEN + TKEY_AES_LEN + TKEY_HMAC_LEN,
       TKEYS_WIRE_MAX = TKEYS_MAX * TKEY_WIRE_LEN };

struct tkey {
	int64_t created;               /* wall clock, seconds */
	uint8_t name[TKEY_NAME_LEN];   /* in the ticket: finds the key */
	uint8_t aes[TKEY_AES_LEN];     /* AES-256-CBC */
	uint8_t hmac[TKEY_HMAC_LEN];   /* HMAC-SHA256 */
};

struct tkeys {
	struct tkey k[TKEYS_MAX];      /* [0] current, [1] previous */
	unsigned n;
};

/* tkeys_encode: t as bytes (IPC and the file); the length, or -1 when cap
 * is too small.  tkeys_decode: the reverse; 0, or -1 (not whole keys). */
int tkeys_encode(const struct tkeys *t, uint8_t *out, size_t cap);
int tkeys_decode(struct tkeys *t, const uint8_t *in, size_t len);

/* tkeys_prune: drops the keys that no longer open tickets at now (made
 * lifetime or more ago, or in the future by more than a minute: a clock
 * that jumped); a previous key is kept only behind a current one. */
void tkeys_prune(struct tkeys *t, int64_t now, uint32_t lifetime);

/* tkeys_rotate: prunes, then when there is no current key or it has
 * encrypted for lifetime/2, makes fresh the current key (fresh->created
 * set to now) and the old current one the previous.  1 when t changed
 * (fresh taken), else 0. */
int tkeys_rotate(struct tkeys *t, int64_t now, uint32_t lifetime, const struct tkey *fresh);

/* tkeys_next: the wall-clock second at which t next changes (rotation or
 * expiry of the previous key). */
int64_t tkeys_next(const struct tkeys *t, uint32_t lifetime);

/* tkeys_find: the index of the key named name that still opens at now,
 * or -1. */
int tkeys_find(const struct tkeys *t, const uint8_t name[TKEY_NAME_LEN], int64_t now,
	       uint32_t lifetime);

#endif
