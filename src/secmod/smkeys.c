/* The TLS private keys and the key operations of the workers, in
 * sslvpnd-secmod only: main sends the keys (SECMOD_KEY) and wipes its
 * copies; a worker asks for one signature or decryption at a time
 * (KEY_REQ) during a handshake main told us about (SECMOD_CONN). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "secmod.h"
#include "sslvpnd/keyprov.h"
#include "sslvpnd/util.h"

/* SMKEYS_CONNS handshakes tracked at once (main's pre-auth limit is far
 * below); SMKEYS_OPS per handshake: TLS needs one (a signature or the
 * premaster), 4 leaves room and no signing oracle. */
enum { SMKEYS_CONNS = 4096, SMKEYS_OPS = 4, TLS_PREMASTER_LEN = 48 };

struct smkey {
	uint8_t id[KEYPROV_ID_LEN];
	EVP_PKEY *key;
	int ec;
};

struct smkeyset {
	struct smkey *v;
	size_t n, cap;
	uint32_t gen;
};

struct smconn {
	uint32_t worker_id, conn_id;
	uint64_t expires_ms;           /* 0: free */
	uint8_t ops;
};

struct smkeys {
	struct smkeyset cur, prev, next;
	int loading;
	struct smconn conns[SMKEYS_CONNS];
};

static void set_free(struct smkeyset *s)
{
	for (size_t i = 0; i < s->n; i++)
		EVP_PKEY_free(s->v[i].key);  /* clears the private parts */
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct smkeys *smkeys_new(void)
{
	return calloc(1, sizeof(struct smkeys));
}

void smkeys_free(struct smkeys *k)
{
	if (!k)
		return;
	set_free(&k->cur);
	set_free(&k->prev);
	set_free(&k->next);
	free(k);
}

static int set_add(struct smkeyset *s, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	int base = key ? EVP_PKEY_get_base_id(key) : 0;
	struct smkey *e;

	if (!key || p != der + len || (base != EVP_PKEY_RSA && base != EVP_PKEY_EC))
		goto fail;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct smkey *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			goto fail;
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n];
	if (keyprov_key_id(key, e->id) < 0)
		goto fail;
	e->key = key;
	e->ec = base == EVP_PKEY_EC;
	s->n++;
	return 0;
fail:
	EVP_PKEY_free(key);
	ERR_clear_error();
	return -1;
}

int smkeys_on_key(struct smkeys *k, const struct ipc_secmod_key *m, size_t *n_loaded)
{
	if (m->flags & IPC_KEYS_FIRST) {
		set_free(&k->next);
		k->next.gen = m->gen;
		k->loading = 1;
	}
	if (!k->loading || m->gen != k->next.gen)
		return -1;
	if (m->der_len && set_add(&k->next, m->der, m->der_len) < 0)
		return -1;
	*n_loaded = 0;
	if (m->flags & IPC_KEYS_LAST) {
		set_free(&k->prev);
		k->prev = k->cur;
		k->cur = k->next;
		memset(&k->next, 0, sizeof(k->next));
		k->loading = 0;
		*n_loaded = k->cur.n ? k->cur.n : (size_t)-1;
	}
	return 0;
}

/* ---- connections in their handshake */

static struct smconn *conn_find(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
				uint64_t now_ms)
{
	for (size_t i = 0; i < SMKEYS_CONNS; i++) {
		struct smconn *c = &k->conns[i];

		if (c->expires_ms > now_ms && c->worker_id == worker_id && c->conn_id == conn_id)
			return c;
	}
	return NULL;
}

/* A free or expired slot, else the one closest to expiry: the table stays
 * bounded and the oldest handshakes lose their right first. */
void smkeys_conn_add(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		     uint32_t timeout_ms, uint64_t now_ms)
{
	struct smconn *slot = &k->conns[0];

	for (size_t i = 0; i < SMKEYS_CONNS; i++) {
		struct smconn *c = &k->conns[i];

		if (c->expires_ms <= now_ms) {
			slot = c;
			break;
		}
		if (c->expires_ms < slot->expires_ms)
			slot = c;
	}
	slot->worker_id = worker_id;
	slot->conn_id = conn_id;
	slot->ops = 0;
	slot->expires_ms = now_ms + (timeout_ms ? timeout_ms : 1);
}

/* A worker that is gone: its connections' rights go too. */
void smkeys_worker_gone(struct smkeys *k, uint32_t worker_id)
{
	for (size_t i = 0; i < SMKEYS_CONNS; i++)
		if (k->conns[i].worker_id == worker_id)
			k->conns[i].expires_ms = 0;
}

int smkeys_conn_known(struct smkeys *k, uint32_t worker_id, uint32_t conn_id, uint64_t now_ms)
{
	return conn_find(k, worker_id, conn_id, now_ms) != NULL;
}

/* ---- the operations */

static const struct smkey *key_find(const struct smkeys *k, const uint8_t *id)
{
	const struct smkeyset *sets[] = { &k->cur, &k->prev };

	for (size_t s = 0; s < ARRAY_SIZE(sets); s++)
		for (size_t i = 0; i < sets[s]->n; i++)
			if (memcmp(sets[s]->v[i].id, id, KEYPROV_ID_LEN) == 0)
				return &sets[s]->v[i];
	return NULL;
}

/* The digests TLS 1.0-1.3 sign with; MD5-SHA1 only with PKCS#1 v1.5
 * (TLS 1.0/1.1 RSA). */
static const EVP_MD *tls_digest(const char *name, int rsa_pkcs1)
{
	static const char *const ok[] = { "SHA1", "SHA256", "SHA384", "SHA512",
					   "SHA2-256", "SHA2-384", "SHA2-512" };
	const EVP_MD *md = EVP_get_digestbyname(name);

	if (!md)
		return NULL;
	if (EVP_MD_get_type(md) == NID_md5_sha1)
		return rsa_pkcs1 ? md : NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(name, ok[i]) == 0 || EVP_MD_is_a(md, ok[i]))
			return md;
	return NULL;
}

/* What the key type allows: RSA signs with PKCS#1 v1.5 or PSS and
 * decrypts the TLS premaster; EC signs with ECDSA.  The input length is
 * exact for the digest or the key. */
static uint8_t check_op(const struct smkey *key, const struct keyprov_req *rq,
			const EVP_MD **md, const char **why)
{
	*md = NULL;
	if (rq->op == KEYPROV_DECRYPT) {
		if (key->ec || rq->pad != RSA_PKCS1_WITH_TLS_PADDING) {
			*why = "decryption other than the RSA TLS premaster";
			return IPC_KEY_NOT_ALLOWED;
		}
		if (rq->inlen != (size_t)EVP_PKEY_get_size(key->key)) {
			*why = "ciphertext length is not the key size";
			return IPC_KEY_BAD_INPUT;
		}
		return IPC_KEY_OK;
	}
	if (rq->op != KEYPROV_SIGN ||
	    (key->ec ? rq->pad != 0
		     : rq->pad != RSA_PKCS1_PADDING && rq->pad != RSA_PKCS1_PSS_PADDING)) {
		*why = "operation or padding not used by TLS with this key type";
		return IPC_KEY_NOT_ALLOWED;
	}
	*md = tls_digest(rq->md, !key->ec && rq->pad == RSA_PKCS1_PADDING);
	if (!*md || (rq->mgf1_md[0] && !tls_digest(rq->mgf1_md, 0))) {
		*why = "digest not used by TLS";
		return IPC_KEY_NOT_ALLOWED;
	}
	if (rq->inlen != (size_t)EVP_MD_get_size(*md)) {
		*why = "input is not one digest";
		return IPC_KEY_BAD_INPUT;
	}
	return IPC_KEY_OK;
}

static int do_sign(EVP_PKEY_CTX *c, const struct keyprov_req *rq, const EVP_MD *md)
{
	const EVP_MD *mgf1 = rq->mgf1_md[0] ? EVP_get_digestbyname(rq->mgf1_md) : NULL;

	if (EVP_PKEY_sign_init(c) <= 0 || EVP_PKEY_CTX_set_signature_md(c, md) <= 0)
		return 0;
	if (rq->pad && EVP_PKEY_CTX_set_rsa_padding(c, rq->pad) <= 0)
		return 0;
	if (rq->pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_pss_saltlen(c, rq->saltlen) <= 0 ||
	     (mgf1 && EVP_PKEY_CTX_set_rsa_mgf1_md(c, mgf1) <= 0)))
		return 0;
	return 1;
}

/* The premaster check (and its implicit rejection: a random premaster on
 * bad padding) is OpenSSL's, with the versions libssl gave the worker. */
static int do_decrypt(EVP_PKEY_CTX *c, const struct keyprov_req *rq)
{
	unsigned cv = rq->tls_version, av = rq->tls_alt_version;
	OSSL_PARAM p[3], *pp = p;

	*pp++ = OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &cv);
	if (av)
		*pp++ = OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION,
						  &av);
	*pp = OSSL_PARAM_construct_end();
	return EVP_PKEY_decrypt_init(c) > 0 &&
	       EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_WITH_TLS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_params(c, p) > 0;
}

uint8_t smkeys_do(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		  const struct keyprov_req *rq, uint64_t now_ms, uint8_t *out, size_t cap,
		  size_t *outlen, const char **why)
{
	const struct smkey *key = key_find(k, rq->key_id);
	struct smconn *c = conn_find(k, worker_id, conn_id, now_ms);
	const EVP_MD *md;
	EVP_PKEY_CTX *pc;
	uint8_t res;
	int ok;

	*outlen = 0;
	if (!key) {
		*why = "unknown key id";
		return IPC_KEY_UNKNOWN;
	}
	if (!c) {
		*why = "connection not in a handshake of this worker";
		return IPC_KEY_NO_CONN;
	}
	if (c->ops >= SMKEYS_OPS) {
		*why = "more than 4 operations in one handshake";
		return IPC_KEY_BUDGET;
	}
	res = check_op(key, rq, &md, why);
	if (res != IPC_KEY_OK)
		return res;
	c->ops++;
	pc = EVP_PKEY_CTX_new_from_pkey(NULL, key->key, NULL);
	*outlen = cap;
	if (rq->op == KEYPROV_DECRYPT)
		ok = pc && cap >= TLS_PREMASTER_LEN && do_decrypt(pc, rq) &&
		     EVP_PKEY_decrypt(pc, out, outlen, rq->in, rq->inlen) > 0;
	else
		ok = pc && do_sign(pc, rq, md) &&
		     EVP_PKEY_sign(pc, out, outlen, rq->in, rq->inlen) > 0;
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	if (!ok) {
		*outlen = 0;
		*why = "the operation failed";
		return IPC_KEY_FAILED;
	}
	return IPC_KEY_OK;
}
