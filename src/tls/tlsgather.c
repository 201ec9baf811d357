/* The gather half of the TLS front (main only): the configuration and the
 * files behind the trustpoints -> struct tls_material (tlsmat.h).
 *
 * Everything that reads or writes a file happens here (identity.c: identity
 * key pairs and chains, the temporary identities, CA certificates, CRLs and
 * their signers) and so does every decision the ASA's certificate table
 * makes (CSCuu02848: configured identities win, one RSA and one EC at most,
 * the RSA temporary certificate for RSA-only clients when no RSA identity
 * is configured, the EC one only when none is).  The assemble half
 * (tlsctx.c) turns the result into SSL_CTXs without opening a file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "sslvpnd/dtls12.h"
#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/log.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "identity.h"

#define fail tls_fail

static const struct cfg_trustpoint *
find_trustpoint(const struct sslvpnd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_trustpoints; i++)
		if (!strcmp(cfg->trustpoints[i].name, name))
			return &cfg->trustpoints[i];
	return NULL;
}

static int blob_cert(struct tls_blob *b, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der), rc = n > 0 ? tls_blob_set(b, der, (size_t)n) : -1;

	OPENSSL_free(der);
	return rc;
}

static int blob_crl(struct tls_blob *b, X509_CRL *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(x, &der), rc = n > 0 ? tls_blob_set(b, der, (size_t)n) : -1;

	OPENSSL_free(der);
	return rc;
}

/* S10: the key travels until secmod holds the keys (keyprov). */
static int blob_key(struct tls_blob *b, EVP_PKEY *key)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	unsigned char *der = NULL;
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
	int rc = n > 0 ? tls_blob_set(b, der, (size_t)n) : -1;

	if (n > 0)
		OPENSSL_cleanse(der, (size_t)n);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}

static void log_generated(const char *owner, const struct identity *id)
{
	uint8_t sha1[20];
	char hex[3 * sizeof(sha1)];

	tls_cert_sha1(id->cert, sha1);
	util_hex_colon(hex, sha1, sizeof(sha1));
	log_event(LM_IDENTITY_GENERATED, owner, id->path, hex);
}

/* id (loaded) as the next identity of ctx. */
static int put_identity(struct tls_mat_ctx *ctx, const char *owner,
			const struct identity *id, char *err, size_t errlen)
{
	struct tls_mat_id *m;

	if (id->generated)
		log_generated(owner[0] ? owner : "temporary", id);
	if (ctx->n_ids >= ARRAY_SIZE(ctx->ids))
		return fail(err, errlen, "trustpoint %s: certificate %s cannot be used",
			    owner[0] ? owner : "temporary", id->path);
	m = &ctx->ids[ctx->n_ids++];
	util_strlcpy(m->trustpoint, owner, sizeof(m->trustpoint));
	if (blob_cert(&m->cert, id->cert) < 0 || blob_key(&m->key, id->key) < 0)
		return fail(err, errlen, "trustpoint %s: %s: cannot encode",
			    owner[0] ? owner : "temporary", id->path);
	for (int i = 0; i < sk_X509_num(id->chain); i++) {
		struct tls_blob *b = tls_mat_add_chain(m);

		if (!b || blob_cert(b, sk_X509_value(id->chain, i)) < 0)
			return fail(err, errlen, "out of memory");
	}
	return 0;
}

static unsigned key_bit(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? 1u : 2u;
}

/* One RSA and one EC identity at most, as the ASA allows per interface;
 * a DSA or Ed25519 key cannot serve an AnyConnect client.  dry (the
 * configuration check): read, generate nothing. */
static int add_trustpoint_identity(struct tls_mat_ctx *ctx, const struct sslvpnd_config *cfg,
				   const char *ifname, const char *name, unsigned *have,
				   int dry, char *err, size_t errlen)
{
	const struct cfg_trustpoint *tp = find_trustpoint(cfg, name);
	struct identity id;
	unsigned type;
	int rc, base;

	if (!tp)
		return fail(err, errlen, "interface %s: trustpoint %s is not defined",
			    ifname, name);
	if (dry) {
		/* dates: the trustpoint check reports them */
		rc = identity_check(cfg, tp, &id, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1) { /* generated at start, of the configured type */
			type = tp->key_type == CFG_KEY_EC ? 2u : 1u;
			rc = *have & type ? fail(err, errlen,
						 "interface %s: trustpoint %s: a second %s identity (one RSA and one EC at most)",
						 ifname, name, type == 1 ? "RSA" : "EC") : 0;
			*have |= type;
			return rc;
		}
	} else if (identity_load(cfg, tp, &id, err, errlen) < 0) {
		return -1;
	}
	base = EVP_PKEY_get_base_id(id.key);
	type = key_bit(id.key);
	if (base != EVP_PKEY_RSA && base != EVP_PKEY_EC)
		rc = fail(err, errlen, "trustpoint %s: %s: key type %s (RSA or EC only)",
			  name, id.path, OBJ_nid2sn(base));
	else if (*have & type)
		rc = fail(err, errlen,
			  "interface %s: trustpoint %s: a second %s identity (one RSA and one EC at most)",
			  ifname, name, type == 1 ? "RSA" : "EC");
	else
		rc = put_identity(ctx, tp->name, &id, err, errlen);
	*have |= type;
	identity_clear(&id);
	return rc;
}

static int add_temporary(struct tls_mat_ctx *ctx, const char *state_dir,
			 enum cfg_key_type type, int dry, char *err, size_t errlen)
{
	struct identity id;
	int rc;

	if (dry) /* made at start (tls_identity_temporary) */
		return 0;
	if (identity_temporary(state_dir, type, &id, err, errlen) < 0)
		return -1;
	rc = put_identity(ctx, "", &id, err, errlen);
	identity_clear(&id);
	return rc;
}

/* The ASA's table (CSCuu02848): configured certificates always win; the
 * RSA temporary certificate answers RSA-only clients when no RSA identity
 * is configured; the EC temporary one exists only when none at all is.  So
 * with an RSA identity alone, a client offering only ECDSA suites fails. */
static int gather_ids(struct tls_mat_ctx *ctx, const struct sslvpnd_config *cfg,
		      const char *ifname, const struct cfg_name_list *tps, int dry,
		      char *err, size_t errlen)
{
	unsigned have = 0;

	for (size_t i = 0; i < tps->n; i++)
		if (add_trustpoint_identity(ctx, cfg, ifname, tps->v[i], &have, dry,
					    err, errlen) < 0)
			return -1;
	if (!(have & 1u) &&
	    add_temporary(ctx, cfg->general.state_dir, CFG_KEY_RSA, dry, err, errlen) < 0)
		return -1;
	if (!have && add_temporary(ctx, cfg->general.state_dir, CFG_KEY_EC, dry, err, errlen) < 0)
		return -1;
	/* asa-compat temp-ec-cert: the ASA's outage on purpose (asa-behaviour.md
	 * 5): an RSA identity alone still gets the temporary EC certificate,
	 * which clients offering ECDSA suites are then given.  The handshake
	 * comes before the tunnel group is known, so it is per interface. */
	if (have == 1u && config_asa_compat_any(cfg, CFG_ASA_COMPAT_TEMP_EC)) {
		if (add_temporary(ctx, cfg->general.state_dir, CFG_KEY_EC, dry, err, errlen) < 0)
			return -1;
		if (!dry)
			log_event(LM_ASA_COMPAT_TEMP_EC, ifname);
	}
	return 0;
}

/* The interface's own context, then one per identity trustpoint that
 * names domains (SNI), presenting that trustpoint. */
static int gather_iface(struct tls_material *m, const struct sslvpnd_config *cfg,
			const struct cfg_interface *ifc, int dry, char *err, size_t errlen)
{
	struct tls_mat_iface *f = tls_mat_add_iface(m);
	struct tls_mat_ctx *ctx = f ? tls_mat_add_ctx(f) : NULL;

	if (!ctx)
		return fail(err, errlen, "out of memory");
	util_strlcpy(f->name, ifc->name, sizeof(f->name));
	f->dtls_port = ifc->dtls_port;
	if (gather_ids(ctx, cfg, ifc->name, &ifc->trustpoints, dry, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_trustpoints; i++) {
		const struct cfg_trustpoint *tp = &cfg->trustpoints[i];
		struct cfg_name_list one = { .n = 1 };

		if (!tp->domains.n || tp->enrollment == CFG_ENROLL_TERMINAL)
			continue;
		ctx = tls_mat_add_ctx(f);
		if (!ctx)
			return fail(err, errlen, "out of memory");
		util_strlcpy(ctx->trustpoint, tp->name, sizeof(ctx->trustpoint));
		ctx->domains = tp->domains;
		util_strlcpy(one.v[0], tp->name, CFG_NAME_MAX);
		if (gather_ids(ctx, cfg, ifc->name, &one, dry, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Every CA trustpoint's certificates and CRLs, read and checked into a
 * scratch store as the verify path would use them (identity.c). */
static int gather_cas(struct tls_material *m, const struct sslvpnd_config *cfg,
		      char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509_NAME) *issuers = NULL;
	struct ca_anchors a = { 0 };
	int rc = store ? identity_ca_store(cfg, store, &issuers, &a, err, errlen)
		       : fail(err, errlen, "out of memory");

	for (size_t i = 0; rc == 0 && i < a.n; i++) {
		struct tls_mat_ca *ca = tls_mat_add_ca(m);

		if (!ca || blob_cert(&ca->der, a.v[i].cert) < 0) {
			rc = fail(err, errlen, "out of memory");
			break;
		}
		util_strlcpy(ca->name, a.v[i].name, sizeof(ca->name));
		ca->flags = (uint8_t)((a.v[i].accept_sha1 ? TLS_CA_ACCEPT_SHA1 : 0) |
				      (a.v[i].ignore_expiry ? TLS_CA_IGNORE_EXPIRY : 0));
	}
	for (int i = 0; rc == 0 && i < sk_X509_CRL_num(a.crls); i++) {
		struct tls_blob *b = tls_mat_add_crl(m);

		if (!b || blob_crl(b, sk_X509_CRL_value(a.crls, i)) < 0)
			rc = fail(err, errlen, "out of memory");
	}
	ca_anchors_free(&a);
	sk_X509_NAME_pop_free(issuers, X509_NAME_free);
	X509_STORE_free(store);
	return rc;
}

int tls_material_gather(const struct sslvpnd_config *cfg, const struct cfg_interface *only,
			int dry, struct tls_material *m, char *err, size_t errlen)
{
	util_strlcpy(m->server_version, cfg->ssl.server_version, sizeof(m->server_version));
	m->ticket_lifetime = cfg->ssl.session_resumption ? (uint32_t)cfg->ssl.resumption_lifetime : 0;
	for (int v = 0; v < CFG_SSLVER__COUNT; v++)
		util_strlcpy(m->cipher[v], cfg->ssl.cipher[v], CFG_CIPHERS_MAX);
	if (gather_cas(m, cfg, err, errlen) < 0)
		return -1;
	if (only)
		return gather_iface(m, cfg, only, dry, err, errlen);
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		if (gather_iface(m, cfg, &cfg->interfaces[i], dry, err, errlen) < 0)
			return -1;
	return 0;
}

/* gather + assemble: main's checks build the interface's context exactly
 * as its workers will. */
static struct tls_server *server_from_config(const struct sslvpnd_config *cfg,
					     const struct cfg_interface *ifc,
					     int dry, char *err, size_t errlen)
{
	struct tls_material m = { 0 };
	struct tls_server *s = NULL;

	if (tls_material_gather(cfg, ifc, dry, &m, err, errlen) == 0)
		s = tls_server_assemble(&m, 0, err, errlen);
	tls_material_free(&m);
	return s;
}

struct tls_server *tls_server_new(const struct sslvpnd_config *cfg,
				  const struct cfg_interface *ifc, char *err,
				  size_t errlen)
{
	return server_from_config(cfg, ifc, 0, err, errlen);
}

/* ---- the configuration check (sslvpnd -t, start, reload) */

/* Each TLS list as setup_protocol compiles it. */
static void check_tls_lists(const struct sslvpnd_config *cfg,
			    struct cfg_errors *errs)
{
	const struct cfg_ssl *ssl = &cfg->ssl;
	const char *tls10 = tls_cipher_or(ssl->cipher[CFG_TLSV1], DEFAULT_LEGACY_CIPHERS);
	const struct {
		enum cfg_sslver v;
		const char *what, *list;
	} lists[] = {
		{ CFG_TLSV1, "tlsv1", tls10 },
		{ CFG_TLSV1_1, "tlsv1_1", tls_cipher_or(ssl->cipher[CFG_TLSV1_1], tls10) },
		{ CFG_TLSV1_2, "tlsv1_2",
		  tls_cipher_or(ssl->cipher[CFG_TLSV1_2], DEFAULT_TLS12_CIPHERS) },
	};
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char out[CFG_CIPHERS_MAX], err[512];

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		if (ctx && tls_ec_first(ctx, lists[i].what, lists[i].list, out,
				    sizeof(out), err, sizeof(err)) == 0)
			continue;
		if (!ctx)
			fail(err, sizeof(err), "SSL_CTX_new");
		snapshot_error(errs, cfg->source, ssl->cipher_line[lists[i].v],
			       "%.250s", err);
	}
	if (ctx && tls_ciphersuites(ctx, tls_cipher_or(ssl->cipher[CFG_TLSV1_3],
						       DEFAULT_TLS13_CIPHERS),
				    err, sizeof(err)) < 0)
		snapshot_error(errs, cfg->source, ssl->cipher_line[CFG_TLSV1_3], "%.250s", err);
	SSL_CTX_free(ctx);
}

/* The DTLS lists must name suites the DTLS servers can serve. */
static void check_dtls_lists(const struct sslvpnd_config *cfg,
			     struct cfg_errors *errs)
{
	const struct cfg_ssl *ssl = &cfg->ssl;
	const char *l09 = ssl->cipher[CFG_DTLSV1], *l12 = ssl->cipher[CFG_DTLSV1_2];
	char err[256];
	struct dtls12_ctx *x = dtls12_ctx_new(l12, err, sizeof(err));

	if (!x)
		snapshot_error(errs, cfg->source, ssl->cipher_line[CFG_DTLSV1_2],
			       "ssl cipher dtlsv1_2 \"%.120s\": %.100s", l12, err);
	dtls12_ctx_free(x);
	if (!dtls_list_has(l09, "AES256-SHA") && !dtls_list_has(l09, "AES128-SHA"))
		snapshot_error(errs, cfg->source, ssl->cipher_line[CFG_DTLSV1],
			       "ssl cipher dtlsv1 \"%.120s\": DTLS 0.9 (phones) needs "
			       "AES256-SHA or AES128-SHA", l09);
}

int tls_config_check(const struct sslvpnd_config *cfg, struct cfg_errors *errs)
{
	size_t before = errs->n + errs->dropped;
	char err[512];

	if (tls_global_init() < 0) {
		snapshot_error(errs, cfg->source, 0, "OpenSSL initialisation failed");
		return 1;
	}
	check_tls_lists(cfg, errs);
	check_dtls_lists(cfg, errs);
	tls_trustpoints_check(cfg, errs);
	/* What only a whole interface shows (key types, two identities of a
	 * type, SNI contexts), once the parts are known to be good: the
	 * interface's context as the workers build it, minus generation. */
	for (size_t i = 0; errs->n + errs->dropped == before && i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];
		struct tls_server *s = server_from_config(cfg, ifc, 1, err, sizeof(err));

		if (!s)
			snapshot_error(errs, cfg->source, ifc->line, "interface %s: %.200s",
				       ifc->name, err);
		tls_server_free(s);
	}
	ERR_clear_error();
	return (int)(errs->n + errs->dropped - before);
}
