/* keyprov: the OpenSSL 3 provider whose private operations are remote
 * (include/sslvpnd/keyprov.h).
 *
 * Its algorithms carry the names libssl looks keys up by ("RSA", "EC",
 * "ECDSA"), so a key of ours is an RSA or EC key to libssl.  The default
 * provider's implementations of the same names are preferred for every
 * fetch ("?provider=default"): when libssl signs with our key, EVP first
 * tries the default provider's signature, fails to export our key to it
 * (export of a private part is refused here) and falls back to ours.
 *
 * Key data: the public key as a default-provider EVP_PKEY (every public
 * question is forwarded to it) and the key id. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sslvpnd/keyprov.h"

#define KP_NAME "sslvpndkey"
#define KP_PROPS "provider=" KP_NAME
#define KP_DEFAULT "provider=default"

static keyprov_remote_fn *kp_remote;

struct kp_key {
	EVP_PKEY *pub;                  /* default provider, public only */
	uint8_t id[KEYPROV_ID_LEN];
	int ec;
};

int keyprov_key_id(EVP_PKEY *pk, uint8_t id[KEYPROV_ID_LEN])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len = pk ? i2d_PUBKEY(pk, &der) : -1;
	int ok = len > 0 && EVP_Digest(der, (size_t)len, id, &n, EVP_sha256(), NULL) &&
		 n == KEYPROV_ID_LEN;

	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* ---- keymgmt: public key + id */

static void *kp_new(int ec)
{
	struct kp_key *k = OPENSSL_zalloc(sizeof(*k));

	if (k)
		k->ec = ec;
	return k;
}

static void *kp_rsa_new(void *provctx)
{
	return kp_new(0);
}

static void *kp_ec_new(void *provctx)
{
	return kp_new(1);
}

static void kp_free(void *kd)
{
	struct kp_key *k = kd;

	if (!k)
		return;
	EVP_PKEY_free(k->pub);
	OPENSSL_free(k);
}

/* A key of ours can do everything its selection asks: the private part
 * is secmod's. */
static int kp_has(const void *kd, int selection)
{
	const struct kp_key *k = kd;

	return k && k->pub;
}

static int kp_set_pub(struct kp_key *k, EVP_PKEY *pub)
{
	if (keyprov_key_id(pub, k->id) < 0) {
		EVP_PKEY_free(pub);
		return 0;
	}
	EVP_PKEY_free(k->pub);
	k->pub = pub;
	return 1;
}

/* Only the public part is taken, whatever the selection: main or the
 * certificate never hand a private one here, and a private part would be
 * the very thing a worker must not hold. */
static int kp_import(void *kd, int selection, const OSSL_PARAM params[])
{
	struct kp_key *k = kd;
	EVP_PKEY_CTX *c;
	EVP_PKEY *pub = NULL;
	int ok;

	if (!k || !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 0;
	c = EVP_PKEY_CTX_new_from_name(NULL, k->ec ? "EC" : "RSA", KP_DEFAULT);
	ok = c && EVP_PKEY_fromdata_init(c) > 0 &&
	     EVP_PKEY_fromdata(c, &pub, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)(uintptr_t)params) > 0;
	EVP_PKEY_CTX_free(c);
	return ok && kp_set_pub(k, pub);
}

/* Refused for a private part: EVP then runs the operation here rather
 * than on a public-only copy in the default provider. */
static int kp_export(void *kd, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct kp_key *k = kd;

	if (!k || !k->pub || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY))
		return 0;
	return EVP_PKEY_export(k->pub, selection & EVP_PKEY_PUBLIC_KEY, cb, cbarg) > 0;
}

static const OSSL_PARAM kp_key_types[] = {
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_types(int selection)
{
	return kp_key_types;
}

static int kp_match(const void *a, const void *b, int selection)
{
	const struct kp_key *x = a, *y = b;

	return x && y && x->pub && y->pub && EVP_PKEY_eq(x->pub, y->pub) == 1;
}

/* bits, security-bits, max-size, group name, default digest...: the
 * public key's answers. */
static int kp_get_params(void *kd, OSSL_PARAM params[])
{
	struct kp_key *k = kd;

	return k && k->pub && EVP_PKEY_get_params(k->pub, params);
}

static const OSSL_PARAM kp_gettable[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_gettable_params(void *provctx)
{
	return kp_gettable;
}

static void *kp_dup(const void *kd, int selection)
{
	const struct kp_key *k = kd;
	struct kp_key *d = k ? kp_new(k->ec) : NULL;

	if (!d)
		return NULL;
	if (k->pub && EVP_PKEY_up_ref(k->pub)) {
		d->pub = k->pub;
		memcpy(d->id, k->id, sizeof(d->id));
	}
	return d;
}

static const char *kp_rsa_opname(int op)
{
	return "RSA";
}

static const char *kp_ec_opname(int op)
{
	return op == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

#define KP_KEYMGMT(pfx)                                                      \
	static const OSSL_DISPATCH kp_##pfx##_keymgmt[] = {                  \
		{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))kp_##pfx##_new },   \
		{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))kp_free },         \
		{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))kp_dup },           \
		{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))kp_has },           \
		{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))kp_match },       \
		{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))kp_import },     \
		{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))kp_types }, \
		{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))kp_export },     \
		{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))kp_types }, \
		{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))kp_get_params }, \
		{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,                         \
		  (void (*)(void))kp_gettable_params },                      \
		{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,                    \
		  (void (*)(void))kp_##pfx##_opname },                       \
		{ 0, NULL }                                                  \
	};
KP_KEYMGMT(rsa)
KP_KEYMGMT(ec)

/* ---- the remote call */

static int kp_call(const struct keyprov_req *rq, uint8_t *out, size_t outcap, size_t *outlen)
{
	char err[256] = "no key channel";

	if (kp_remote && kp_remote(rq, out, outcap, outlen, err, sizeof(err)) == 0)
		return 1;
	ERR_raise_data(ERR_LIB_PROV, ERR_R_OPERATION_FAIL, "remote key operation: %s", err);
	return 0;
}

/* ---- signature: RSA PKCS#1 v1.5 / PSS, ECDSA; the digest is made here */

struct kp_sig {
	struct kp_key *key;
	EVP_MD *md;
	EVP_MD_CTX *mdctx;              /* digest_sign_update/final */
	int pad;
	int saltlen;
	char mgf1[KEYPROV_MD_MAX];
};

static void *kp_sig_new(void *provctx, const char *propq)
{
	struct kp_sig *s = OPENSSL_zalloc(sizeof(*s));

	if (s)
		s->saltlen = RSA_PSS_SALTLEN_AUTO;
	return s;
}

static void kp_sig_free(void *ctx)
{
	struct kp_sig *s = ctx;

	if (!s)
		return;
	EVP_MD_free(s->md);
	EVP_MD_CTX_free(s->mdctx);
	OPENSSL_free(s);
}

static void *kp_sig_dup(void *ctx)
{
	const struct kp_sig *s = ctx;
	struct kp_sig *d = OPENSSL_memdup(s, sizeof(*s));

	if (!d)
		return NULL;
	d->md = NULL;
	d->mdctx = NULL;
	if (s->md && EVP_MD_up_ref(s->md))
		d->md = s->md;
	if ((s->md && !d->md) ||
	    (s->mdctx && (!(d->mdctx = EVP_MD_CTX_new()) ||
			  !EVP_MD_CTX_copy_ex(d->mdctx, s->mdctx)))) {
		kp_sig_free(d);
		return NULL;
	}
	return d;
}

static int kp_set_md(struct kp_sig *s, const char *name)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, KP_DEFAULT);

	if (!md)
		return 0;
	EVP_MD_free(s->md);
	s->md = md;
	return 1;
}

static int kp_sig_set_params(void *ctx, const OSSL_PARAM params[]);

static int kp_sign_init(void *ctx, void *kd, const OSSL_PARAM params[])
{
	struct kp_sig *s = ctx;
	struct kp_key *k = kd;

	if (!s || !k || !k->pub)
		return 0;
	s->key = k;
	s->pad = k->ec ? 0 : RSA_PKCS1_PADDING;
	return kp_sig_set_params(s, params);
}

static int kp_dsign_init(void *ctx, const char *mdname, void *kd, const OSSL_PARAM params[])
{
	struct kp_sig *s = ctx;

	if (!kp_sign_init(ctx, kd, params))
		return 0;
	if (!kp_set_md(s, mdname && mdname[0] ? mdname : "SHA256"))
		return 0;
	if (!s->mdctx)
		s->mdctx = EVP_MD_CTX_new();
	return s->mdctx && EVP_DigestInit_ex2(s->mdctx, s->md, NULL);
}

static int kp_sig_max(const struct kp_sig *s, size_t *siglen)
{
	int n = EVP_PKEY_get_size(s->key->pub);

	if (n <= 0)
		return 0;
	*siglen = (size_t)n;
	return 1;
}

/* sign: tbs is a digest of s->md. */
static int kp_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		   const unsigned char *tbs, size_t tbslen)
{
	struct kp_sig *s = ctx;
	struct keyprov_req rq = { .op = KEYPROV_SIGN, .pad = s->pad, .saltlen = s->saltlen,
				  .in = tbs, .inlen = tbslen };

	if (!s->key)
		return 0;
	if (!sig)
		return kp_sig_max(s, siglen);
	if (!s->md || (size_t)EVP_MD_get_size(s->md) != tbslen)
		return 0;
	memcpy(rq.key_id, s->key->id, sizeof(rq.key_id));
	snprintf(rq.md, sizeof(rq.md), "%s", EVP_MD_get0_name(s->md));
	snprintf(rq.mgf1_md, sizeof(rq.mgf1_md), "%s", s->mgf1);
	return kp_call(&rq, sig, sigsize, siglen);
}

static int kp_dsign_update(void *ctx, const unsigned char *data, size_t len)
{
	struct kp_sig *s = ctx;

	return s->mdctx && EVP_DigestUpdate(s->mdctx, data, len);
}

static int kp_dsign_final(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct kp_sig *s = ctx;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!sig)
		return s->key && kp_sig_max(s, siglen);
	if (!s->mdctx || !EVP_DigestFinal_ex(s->mdctx, dg, &n))
		return 0;
	return kp_sign(ctx, sig, siglen, sigsize, dg, n);
}

/* One-shot (EVP_DigestSign, what libssl calls): hashed here, signed there. */
static int kp_dsign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		    const unsigned char *tbs, size_t tbslen)
{
	struct kp_sig *s = ctx;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!sig)
		return s->key && kp_sig_max(s, siglen);
	if (!s->md || !EVP_Digest(tbs, tbslen, dg, &n, s->md, NULL))
		return 0;
	return kp_sign(ctx, sig, siglen, sigsize, dg, n);
}

struct kp_name {
	const char *name;
	int v;
};

/* An int parameter EVP may pass as a number or by name (table t). */
static int kp_int_or_name(const OSSL_PARAM *p, const struct kp_name *t, size_t n, int *out)
{
	if (p->data_type != OSSL_PARAM_UTF8_STRING)
		return OSSL_PARAM_get_int(p, out);
	for (size_t i = 0; i < n; i++)
		if (strcmp(p->data, t[i].name) == 0) {
			*out = t[i].v;
			return 1;
		}
	return 0;
}

static int kp_saltlen(const OSSL_PARAM *p, int *out)
{
	static const struct kp_name names[] = {
		{ OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST, RSA_PSS_SALTLEN_DIGEST },
		{ OSSL_PKEY_RSA_PSS_SALT_LEN_MAX, RSA_PSS_SALTLEN_MAX },
		{ OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO, RSA_PSS_SALTLEN_AUTO },
	};

	return kp_int_or_name(p, names, sizeof(names) / sizeof(names[0]), out);
}

static int kp_padmode(const OSSL_PARAM *p, int *out)
{
	static const struct kp_name names[] = {
		{ OSSL_PKEY_RSA_PAD_MODE_PKCSV15, RSA_PKCS1_PADDING },
		{ OSSL_PKEY_RSA_PAD_MODE_PSS, RSA_PKCS1_PSS_PADDING },
	};

	return kp_int_or_name(p, names, sizeof(names) / sizeof(names[0]), out);
}

static int kp_sig_set_params(void *ctx, const OSSL_PARAM params[])
{
	struct kp_sig *s = ctx;
	const OSSL_PARAM *p;
	const char *name = NULL;

	if (!params)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) &&
	    (!kp_padmode(p, &s->pad) || (s->key && s->key->ec)))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) &&
	    !kp_saltlen(p, &s->saltlen))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST))) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
			return 0;
		snprintf(s->mgf1, sizeof(s->mgf1), "%s", name);
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST)) &&
	    (!OSSL_PARAM_get_utf8_string_ptr(p, &name) || !kp_set_md(s, name)))
		return 0;
	return 1;
}

static const OSSL_PARAM kp_sig_settable[] = {
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_sig_settable_params(void *ctx, void *provctx)
{
	return kp_sig_settable;
}

static int kp_sig_get_params(void *ctx, OSSL_PARAM params[])
{
	struct kp_sig *s = ctx;
	OSSL_PARAM *p;

	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST)) &&
	    !OSSL_PARAM_set_utf8_string(p, s->md ? EVP_MD_get0_name(s->md) : ""))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) &&
	    !OSSL_PARAM_set_int(p, s->pad))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) &&
	    !OSSL_PARAM_set_int(p, s->saltlen))
		return 0;
	return 1;
}

static const OSSL_PARAM kp_sig_gettable[] = {
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL),
	OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_sig_gettable_params(void *ctx, void *provctx)
{
	return kp_sig_gettable;
}

static const OSSL_DISPATCH kp_signature[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))kp_sig_new },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))kp_sig_free },
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))kp_sig_dup },
	{ OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))kp_sign_init },
	{ OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))kp_sign },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))kp_dsign_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))kp_dsign_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))kp_dsign_final },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))kp_dsign },
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))kp_sig_set_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))kp_sig_settable_params },
	{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))kp_sig_get_params },
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))kp_sig_gettable_params },
	{ 0, NULL }
};

/* ---- asym cipher: RSA decrypt with the TLS premaster padding */

struct kp_dec {
	struct kp_key *key;
	int pad;
	unsigned client_version, alt_version;
};

static void *kp_dec_new(void *provctx)
{
	return OPENSSL_zalloc(sizeof(struct kp_dec));
}

static void kp_dec_free(void *ctx)
{
	OPENSSL_free(ctx);
}

static void *kp_dec_dup(void *ctx)
{
	return OPENSSL_memdup(ctx, sizeof(struct kp_dec));
}

static int kp_dec_set_params(void *ctx, const OSSL_PARAM params[])
{
	struct kp_dec *d = ctx;
	const OSSL_PARAM *p;

	if (!params)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE)) &&
	    !kp_padmode(p, &d->pad))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION)) &&
	    !OSSL_PARAM_get_uint(p, &d->client_version))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION)) &&
	    !OSSL_PARAM_get_uint(p, &d->alt_version))
		return 0;
	return 1;
}

static int kp_dec_init(void *ctx, void *kd, const OSSL_PARAM params[])
{
	struct kp_dec *d = ctx;
	struct kp_key *k = kd;

	if (!d || !k || !k->pub || k->ec)
		return 0;
	d->key = k;
	d->pad = RSA_PKCS1_PADDING;
	return kp_dec_set_params(d, params);
}

static int kp_decrypt(void *ctx, unsigned char *out, size_t *outlen, size_t outsize,
		      const unsigned char *in, size_t inlen)
{
	struct kp_dec *d = ctx;
	struct keyprov_req rq = { .op = KEYPROV_DECRYPT, .pad = d->pad, .in = in, .inlen = inlen,
				  .tls_version = d->client_version,
				  .tls_alt_version = d->alt_version };

	if (!d->key)
		return 0;
	if (!out) {
		int n = EVP_PKEY_get_size(d->key->pub);

		*outlen = n > 0 ? (size_t)n : 0;
		return n > 0;
	}
	memcpy(rq.key_id, d->key->id, sizeof(rq.key_id));
	return kp_call(&rq, out, outsize, outlen);
}

static int kp_dec_get_params(void *ctx, OSSL_PARAM params[])
{
	struct kp_dec *d = ctx;
	OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE);

	return !p || OSSL_PARAM_set_int(p, d->pad);
}

static const OSSL_PARAM kp_dec_settable[] = {
	OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL, 0),
	OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, NULL),
	OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_dec_settable_params(void *ctx, void *provctx)
{
	return kp_dec_settable;
}

static const OSSL_PARAM kp_dec_gettable[] = {
	OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *kp_dec_gettable_params(void *ctx, void *provctx)
{
	return kp_dec_gettable;
}

static const OSSL_DISPATCH kp_asym[] = {
	{ OSSL_FUNC_ASYM_CIPHER_NEWCTX, (void (*)(void))kp_dec_new },
	{ OSSL_FUNC_ASYM_CIPHER_FREECTX, (void (*)(void))kp_dec_free },
	{ OSSL_FUNC_ASYM_CIPHER_DUPCTX, (void (*)(void))kp_dec_dup },
	{ OSSL_FUNC_ASYM_CIPHER_DECRYPT_INIT, (void (*)(void))kp_dec_init },
	{ OSSL_FUNC_ASYM_CIPHER_DECRYPT, (void (*)(void))kp_decrypt },
	{ OSSL_FUNC_ASYM_CIPHER_SET_CTX_PARAMS, (void (*)(void))kp_dec_set_params },
	{ OSSL_FUNC_ASYM_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))kp_dec_settable_params },
	{ OSSL_FUNC_ASYM_CIPHER_GET_CTX_PARAMS, (void (*)(void))kp_dec_get_params },
	{ OSSL_FUNC_ASYM_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))kp_dec_gettable_params },
	{ 0, NULL }
};

/* ---- the provider */

#define KP_RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"
#define KP_EC_NAMES "EC:id-ecPublicKey:1.2.840.10045.2.1"

static const OSSL_ALGORITHM kp_keymgmts[] = {
	{ KP_RSA_NAMES, KP_PROPS, kp_rsa_keymgmt, "sslvpnd remote RSA key" },
	{ KP_EC_NAMES, KP_PROPS, kp_ec_keymgmt, "sslvpnd remote EC key" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM kp_signatures[] = {
	{ KP_RSA_NAMES, KP_PROPS, kp_signature, "sslvpnd remote RSA signature" },
	{ "ECDSA", KP_PROPS, kp_signature, "sslvpnd remote ECDSA" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM kp_asyms[] = {
	{ KP_RSA_NAMES, KP_PROPS, kp_asym, "sslvpnd remote RSA decryption" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *kp_query(void *provctx, int op, int *no_cache)
{
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT: return kp_keymgmts;
	case OSSL_OP_SIGNATURE: return kp_signatures;
	case OSSL_OP_ASYM_CIPHER: return kp_asyms;
	default: return NULL;
	}
}

static const OSSL_DISPATCH kp_provider[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))kp_query },
	{ 0, NULL }
};

static int kp_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
			    const OSSL_DISPATCH **out, void **provctx)
{
	*out = kp_provider;
	*provctx = (void *)(uintptr_t)handle;
	return 1;
}

int keyprov_init(keyprov_remote_fn *fn, char *err, size_t errlen)
{
	static int loaded;

	kp_remote = fn;
	if (loaded)
		return 0;
	if (!OSSL_PROVIDER_load(NULL, "default") ||
	    !OSSL_PROVIDER_add_builtin(NULL, KP_NAME, kp_provider_init) ||
	    !OSSL_PROVIDER_load(NULL, KP_NAME) ||
	    !EVP_set_default_properties(NULL, "?" KP_DEFAULT)) {
		snprintf(err, errlen, "cannot load the remote key provider");
		return -1;
	}
	loaded = 1;
	return 0;
}

struct kp_export_arg {
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *out;
};

static int kp_fromdata_cb(const OSSL_PARAM params[], void *arg)
{
	struct kp_export_arg *a = arg;

	return EVP_PKEY_fromdata(a->ctx, &a->out, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)(uintptr_t)params) > 0;
}

EVP_PKEY *keyprov_pkey(EVP_PKEY *pub, char *err, size_t errlen)
{
	int base = pub ? EVP_PKEY_get_base_id(pub) : 0;
	struct kp_export_arg a = { NULL, NULL };

	if (base != EVP_PKEY_RSA && base != EVP_PKEY_EC) {
		snprintf(err, errlen, "remote keys are RSA or EC only");
		return NULL;
	}
	a.ctx = EVP_PKEY_CTX_new_from_name(NULL, base == EVP_PKEY_EC ? "EC" : "RSA", KP_PROPS);
	if (!a.ctx || EVP_PKEY_fromdata_init(a.ctx) <= 0 ||
	    EVP_PKEY_export(pub, EVP_PKEY_PUBLIC_KEY, kp_fromdata_cb, &a) <= 0) {
		EVP_PKEY_free(a.out);
		a.out = NULL;
		snprintf(err, errlen, "cannot make the remote twin of the %s key (provider %s)",
			 base == EVP_PKEY_EC ? "EC" : "RSA", KP_NAME);
	}
	EVP_PKEY_CTX_free(a.ctx);
	return a.out;
}
