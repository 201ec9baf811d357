/* Local-user password hashes: scrypt in a self-describing string.
 *
 *   $scrypt$ln=14,r=8,p=1$<salt>$<key>
 *
 * ln is log2 of the scrypt cost N; salt and key are standard base64
 * without padding (16-byte salt and 32-byte key when we make them).  Only
 * hashes are stored in sslvpnd.conf; `sslvpnd --hash-password` makes them.
 *
 * Pure computation: no I/O, no logging, no global state.  The KDF runs
 * through OpenSSL 3.0's EVP_KDF "SCRYPT"; parsing needs no OpenSSL, so the
 * config loader can validate hashes.  Lives in src/common because the
 * config loader, main (--hash-password) and sslvpnd-secmod (which verifies
 * every login's password) use it.
 */
#ifndef SSLVPND_PASSWD_H
#define SSLVPND_PASSWD_H

#include <stddef.h>
#include <stdint.h>

enum {
	PASSWD_HASH_MAX = 160,      /* longest accepted hash string incl. NUL */
	PASSWD_SALT_LEN = 16,       /* salt we generate */
	PASSWD_KEY_LEN = 32,        /* derived key we generate */
	PASSWD_SALT_MIN = 8, PASSWD_SALT_MAX = 64,
	PASSWD_KEY_MIN = 16, PASSWD_KEY_MAX = 64,
	PASSWD_LN_DEFAULT = 14,     /* N = 2^14: ~16 MiB, tens of ms */
	PASSWD_LN_MIN = 10, PASSWD_LN_MAX = 20,
	PASSWD_R_DEFAULT = 8, PASSWD_R_MAX = 32,
	PASSWD_P_DEFAULT = 1, PASSWD_P_MAX = 16,
	PASSWD_INPUT_MAX = 1024,    /* longest password hashed or verified */
	PASSWD_MEM_MAX = 256 << 20, /* scrypt memory bound, bytes */
};

struct passwd_hash {
	unsigned ln, r, p;
	uint8_t salt[PASSWD_SALT_MAX];
	size_t salt_len;
	uint8_t key[PASSWD_KEY_MAX];
	size_t key_len;
};

/* passwd_parse: split a hash string into out.  Returns 0, or -1 with *why
 * set to a static reason (not a hash, unknown scheme, parameter out of
 * range, bad base64, wrong salt or key length).  Parameters are bounded
 * (ln 10..20, r 1..32, p 1..16, memory 128*r*2^ln <= 256 MiB) so a
 * configuration cannot make one login cost more than a few seconds. */
int passwd_parse(const char *s, struct passwd_hash *out, const char **why);

/* passwd_make: hash password (len bytes) with the given parameters and
 * salt into out (cap >= PASSWD_HASH_MAX).  Returns 0, -1 on bad parameters
 * or KDF failure.  passwd_hash is the same with the default parameters and
 * a fresh random salt. */
int passwd_make(char *out, size_t cap, const char *password, size_t len,
		unsigned ln, unsigned r, unsigned p, const uint8_t *salt,
		size_t salt_len);
int passwd_hash(char *out, size_t cap, const char *password, size_t len);

/* passwd_verify: 1 when password (len bytes) matches the stored hash, 0
 * when not, -1 when stored does not parse or the KDF fails.  stored NULL
 * runs the KDF against a fixed dummy hash and returns 0, so an unknown
 * user costs as much time as a wrong password.  The comparison is constant
 * time; derived keys are wiped. */
int passwd_verify(const char *stored, const char *password, size_t len);

#endif
