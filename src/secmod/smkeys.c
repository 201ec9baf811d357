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

/* SMKEYS_CONNS handshakes tracked at once, hashed (50,000 phones
 * reconnecting after a restart are more than 4,096 handshakes at once;
 * the linear table of 4,096 evicted live ones).  The table grows from
 * SMKEYS_CONNS_FIRST as needed: an idle secmod stays small.
 * SMKEYS_OPS attempts per handshake: a TLS server handshake needs exactly
 * one private-key operation (a signature or the premaster; renegotiation
 * is off), so the entry goes once one succeeded; refused or failed
 * attempts count against SMKEYS_OPS (no signing oracle either way). */
enum { SMKEYS_CONNS = 65536, SMKEYS_CONNS_FIRST = 1024, SMKEYS_BUCKETS = 65536,
       SMKEYS_OPS = 4, TLS_PREMASTER_LEN = 48 };

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

/* Links are index + 1 (0: none): hash chain, free list, and the order of
 * arrival (all handshakes have the same timeout, so the oldest is the
 * nearest its end). */
struct smconn {
	uint32_t worker_id, conn_id;
	uint64_t expires_ms;
	uint32_t hnext, older, newer;
	uint8_t ops;
};

struct smconns {
	struct smconn *v;
	uint32_t cap, used, n;         /* allocated, ever handed out, live */
	uint32_t free, oldest, newest;
	uint32_t *bucket;              /* SMKEYS_BUCKETS chains */
};

struct smkeys {
	struct smkeyset cur, prev, next;
	int loading;
	struct smconns c;
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
	free(k->c.v);
	free(k->c.bucket);
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

#define SC(t, i) (&(t)->v[(i) - 1])

static uint32_t *chain_of(struct smconns *t, uint32_t worker_id, uint32_t conn_id)
{
	uint32_t h = (conn_id * 2654435761u) ^ (worker_id * 40503u);

	return &t->bucket[(h ^ h >> 16) & (SMKEYS_BUCKETS - 1)];
}

static void conn_unlink(struct smconns *t, uint32_t i)
{
	struct smconn *c = SC(t, i);
	uint32_t *pp = chain_of(t, c->worker_id, c->conn_id);

	while (*pp != i)
		pp = &SC(t, *pp)->hnext;
	*pp = c->hnext;
	if (c->older)
		SC(t, c->older)->newer = c->newer;
	else
		t->oldest = c->newer;
	if (c->newer)
		SC(t, c->newer)->older = c->older;
	else
		t->newest = c->older;
	memset(c, 0, sizeof(*c));
	c->hnext = t->free;
	t->free = i;
	t->n--;
}

static uint32_t conn_lookup(struct smconns *t, uint32_t worker_id, uint32_t conn_id)
{
	if (!t->bucket)
		return 0;
	for (uint32_t i = *chain_of(t, worker_id, conn_id); i; i = SC(t, i)->hnext)
		if (SC(t, i)->worker_id == worker_id && SC(t, i)->conn_id == conn_id)
			return i;
	return 0;
}

static struct smconn *conn_find(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
				uint64_t now_ms)
{
	uint32_t i = conn_lookup(&k->c, worker_id, conn_id);

	if (i && SC(&k->c, i)->expires_ms <= now_ms) {
		conn_unlink(&k->c, i);
		i = 0;
	}
	return i ? SC(&k->c, i) : NULL;
}

/* A free entry: from the free list, else a new one (the table doubles up
 * to SMKEYS_CONNS), else the oldest handshake's (it loses its right
 * first).  0: out of memory. */
static uint32_t conn_take(struct smconns *t)
{
	uint32_t i;

	if (!t->free && t->used == t->cap && t->cap < SMKEYS_CONNS) {
		uint32_t cap = t->cap ? 2 * t->cap : SMKEYS_CONNS_FIRST;
		struct smconn *v = realloc(t->v, cap * sizeof(*v));

		if (v) {
			t->v = v;
			t->cap = cap;
		}
	}
	if (!t->free && t->used < t->cap)
		return ++t->used;
	if (!t->free && t->oldest)
		conn_unlink(t, t->oldest);
	i = t->free;
	if (i)
		t->free = SC(t, i)->hnext;
	return i;
}

void smkeys_conn_add(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		     uint32_t timeout_ms, uint64_t now_ms)
{
	struct smconns *t = &k->c;
	uint32_t i, *chain;
	struct smconn *c;

	if (!t->bucket && !(t->bucket = calloc(SMKEYS_BUCKETS, sizeof(*t->bucket))))
		return;  /* that handshake is refused: "not in a handshake" */
	if ((i = conn_lookup(t, worker_id, conn_id)))
		conn_unlink(t, i);  /* announced again: a new handshake */
	while (t->oldest && SC(t, t->oldest)->expires_ms <= now_ms)
		conn_unlink(t, t->oldest);
	if (!(i = conn_take(t)))
		return;
	c = SC(t, i);
	memset(c, 0, sizeof(*c));
	c->worker_id = worker_id;
	c->conn_id = conn_id;
	c->expires_ms = now_ms + (timeout_ms ? timeout_ms : 1);
	chain = chain_of(t, worker_id, conn_id);
	c->hnext = *chain;
	*chain = i;
	c->older = t->newest;
	if (t->newest)
		SC(t, t->newest)->newer = i;
	else
		t->oldest = i;
	t->newest = i;
	t->n++;
}

/* A worker that is gone: its connections' rights go too. */
void smkeys_worker_gone(struct smkeys *k, uint32_t worker_id)
{
	struct smconns *t = &k->c;

	for (uint32_t i = t->oldest, next; i; i = next) {
		next = SC(t, i)->newer;
		if (SC(t, i)->worker_id == worker_id)
			conn_unlink(t, i);
	}
}

int smkeys_conn_known(struct smkeys *k, uint32_t worker_id, uint32_t conn_id, uint64_t now_ms)
{
	return conn_find(k, worker_id, conn_id, now_ms) != NULL;
}

size_t smkeys_conns(const struct smkeys *k)
{
	return k->c.n;
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
	c->ops++;  /* a refused attempt counts too */
	res = check_op(key, rq, &md, why);
	if (res != IPC_KEY_OK)
		return res;
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
	/* the handshake's one operation is done: its right ends here */
	conn_unlink(&k->c, (uint32_t)(c - k->c.v) + 1);
	return IPC_KEY_OK;
}
