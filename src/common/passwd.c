/* scrypt password hashes for local users (see include/sslvpnd/passwd.h).
 *
 * The base64 here is strict on purpose: standard alphabet, no padding, no
 * blanks, unused trailing bits zero.  A hash has exactly one spelling, so a
 * truncated or edited string is an error at load time, not a user who can
 * never log in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "sslvpnd/passwd.h"
#include "sslvpnd/util.h"

#define PASSWD_PREFIX "$scrypt$"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

/* Unpadded base64 of n bytes; cap must hold 4*ceil(n/3)+1. */
static void b64_encode(char *dst, const uint8_t *src, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | src[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*dst++ = b64_alphabet[(acc >> bits) & 63];
		}
	}
	if (bits)
		*dst++ = b64_alphabet[(acc << (6 - bits)) & 63];
	*dst = 0;
}

/* Decode exactly len characters of s; returns the byte count or -1. */
static int b64_decode(uint8_t *dst, size_t cap, const char *s, size_t len)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i, n = 0;

	if (len % 4 == 1)
		return -1;  /* 6 bits cannot end a byte */
	for (i = 0; i < len; i++) {
		if ((v = b64_value(s[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			dst[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;  /* non-canonical: leftover bits must be zero */
	return (int)n;
}

static int params_ok(unsigned ln, unsigned r, unsigned p)
{
	return ln >= PASSWD_LN_MIN && ln <= PASSWD_LN_MAX && r >= 1 &&
	       r <= PASSWD_R_MAX && p >= 1 && p <= PASSWD_P_MAX &&
	       128ull * r * (1ull << ln) <= PASSWD_MEM_MAX;
}

/* "ln=14,r=8,p=1" exactly in that order, decimal without leading zeros
 * (sscanf alone would also take blanks, signs and "08"). */
static int parse_params(const char *s, size_t len, struct passwd_hash *h)
{
	char buf[32];
	int used = -1;
	size_t i;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	for (i = 0; i < len; i++)
		if (!strchr("lnrp=,0123456789", buf[i]) ||
		    (buf[i] == '=' && buf[i + 1] == '0' && buf[i + 2] >= '0' &&
		     buf[i + 2] <= '9'))
			return -1;
	if (sscanf(buf, "ln=%2u,r=%2u,p=%2u%n", &h->ln, &h->r, &h->p, &used) != 3 ||
	    used != (int)len)
		return -1;
	return 0;
}

int passwd_parse(const char *s, struct passwd_hash *out, const char **why)
{
	const char *params, *salt, *key;
	int n;

	memset(out, 0, sizeof(*out));
	*why = "is not a password hash ($scrypt$ln=14,r=8,p=1$SALT$KEY from sslvpnd --hash-password)";
	if (!s || strncmp(s, PASSWD_PREFIX, strlen(PASSWD_PREFIX)) ||
	    strlen(s) >= PASSWD_HASH_MAX)
		return -1;
	params = s + strlen(PASSWD_PREFIX);
	if (!(salt = strchr(params, '$')) || !(key = strchr(++salt, '$')))
		return -1;
	key++;
	if (strchr(key, '$'))
		return -1;
	*why = "has malformed scrypt parameters (expected ln=N,r=N,p=N)";
	if (parse_params(params, (size_t)(salt - 1 - params), out) < 0)
		return -1;
	*why = "has scrypt parameters out of range (ln 10..20, r 1..32, p 1..16, at most 256 MiB)";
	if (!params_ok(out->ln, out->r, out->p))
		return -1;
	*why = "has a malformed or wrong-length salt (base64 of 8..64 bytes)";
	n = b64_decode(out->salt, sizeof(out->salt), salt, (size_t)(key - 1 - salt));
	if (n < PASSWD_SALT_MIN)
		return -1;
	out->salt_len = (size_t)n;
	*why = "has a malformed or wrong-length key (base64 of 16..64 bytes)";
	n = b64_decode(out->key, sizeof(out->key), key, strlen(key));
	if (n < PASSWD_KEY_MIN)
		return -1;
	out->key_len = (size_t)n;
	*why = NULL;
	return 0;
}

static int derive(uint8_t *key, size_t key_len, const char *pw, size_t len,
		  const struct passwd_hash *h)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t n = 1ull << h->ln, maxmem = 2ull * PASSWD_MEM_MAX;
	uint32_t r = h->r, p = h->p;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						  (void *)(uintptr_t)pw, len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						  (void *)(uintptr_t)h->salt,
						  h->salt_len),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int rc = ctx && EVP_KDF_derive(ctx, key, key_len, params) == 1 ? 0 : -1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int passwd_make(char *out, size_t cap, const char *password, size_t len,
		unsigned ln, unsigned r, unsigned p, const uint8_t *salt,
		size_t salt_len)
{
	struct passwd_hash h = { .ln = ln, .r = r, .p = p,
				 .salt_len = salt_len, .key_len = PASSWD_KEY_LEN };
	char s64[PASSWD_SALT_MAX * 4 / 3 + 4], k64[PASSWD_KEY_MAX * 4 / 3 + 4];
	int n, rc = -1;

	if (!params_ok(ln, r, p) || salt_len < PASSWD_SALT_MIN ||
	    salt_len > PASSWD_SALT_MAX || len > PASSWD_INPUT_MAX ||
	    cap < PASSWD_HASH_MAX)
		return -1;
	memcpy(h.salt, salt, salt_len);
	if (derive(h.key, h.key_len, password, len, &h) == 0) {
		b64_encode(s64, h.salt, h.salt_len);
		b64_encode(k64, h.key, h.key_len);
		n = snprintf(out, cap, PASSWD_PREFIX "ln=%u,r=%u,p=%u$%s$%s", ln, r,
			     p, s64, k64);
		rc = n > 0 && (size_t)n < cap ? 0 : -1;
	}
	OPENSSL_cleanse(&h, sizeof(h));
	OPENSSL_cleanse(k64, sizeof(k64));
	return rc;
}

int passwd_hash(char *out, size_t cap, const char *password, size_t len)
{
	uint8_t salt[PASSWD_SALT_LEN];

	util_random(salt, sizeof(salt));
	return passwd_make(out, cap, password, len, PASSWD_LN_DEFAULT,
			   PASSWD_R_DEFAULT, PASSWD_P_DEFAULT, salt, sizeof(salt));
}

/* A well-formed hash of no password anyone knows: unknown users are
 * "verified" against it so that timing does not tell whether a name exists. */
static const char dummy_hash[] =
	"$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

int passwd_verify(const char *stored, const char *password, size_t len)
{
	struct passwd_hash h;
	uint8_t key[PASSWD_KEY_MAX];
	const char *why;
	int rc = -1;

	if (passwd_parse(stored ? stored : dummy_hash, &h, &why) < 0)
		return -1;
	if (len <= PASSWD_INPUT_MAX && derive(key, h.key_len, password, len, &h) == 0)
		rc = stored && CRYPTO_memcmp(key, h.key, h.key_len) == 0;
	else if (len > PASSWD_INPUT_MAX)
		rc = 0;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&h, sizeof(h));
	return rc;
}
