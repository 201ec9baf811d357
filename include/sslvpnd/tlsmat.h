/* TLS material: what an interface's TLS contexts are assembled from, as
 * plain bytes (DER) and settings, with no file and no OpenSSL object in it.
 *
 * main gathers it from the configuration and the trustpoint files
 * (tls_material_gather, src/tls/tlsctx.c: identity.c reads the files and
 * makes the temporary identities); a worker receives it in its
 * configuration (include/sslvpnd/wcfg.h) and assembles its SSL_CTXs from
 * it (tls_server_assemble) without opening a file.  Pure memory: the
 * helpers live in libcommon. */
#ifndef SSLVPND_TLSMAT_H
#define SSLVPND_TLSMAT_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"

struct tls_blob {
	uint8_t *p;
	size_t n;
};

/* One identity an interface (or an SNI context) presents. */
struct tls_mat_id {
	char trustpoint[CFG_NAME_MAX]; /* "" for a temporary certificate */
	struct tls_blob cert;          /* leaf, DER */
	struct tls_blob key;           /* PKCS#8 DER; S10: leaves with keyprov */
	struct tls_blob *chain;        /* sent after the leaf, DER each */
	size_t n_chain;
};

/* A context: [0] of an interface is its own; the others are its SNI
 * contexts, one per identity trustpoint with domains. */
struct tls_mat_ctx {
	char trustpoint[CFG_NAME_MAX]; /* SNI: the trustpoint; "" for [0] */
	struct cfg_name_list domains;
	struct tls_mat_id ids[2];      /* one RSA and one EC at most */
	size_t n_ids;
};

struct tls_mat_iface {
	char name[CFG_NAME_MAX];
	uint16_t dtls_port;
	struct tls_mat_ctx *ctx;
	size_t n_ctx;
};

enum { TLS_CA_ACCEPT_SHA1 = 1, TLS_CA_IGNORE_EXPIRY = 2 };

/* A certificate of a CA trustpoint (an anchor of client chains). */
struct tls_mat_ca {
	char name[CFG_NAME_MAX];
	uint8_t flags;                 /* TLS_CA_* */
	struct tls_blob der;
};

struct tls_material {
	char server_version[CFG_SSLVER_MAX]; /* ssl server-version ("" = tlsv1) */
	uint32_t ticket_lifetime;      /* s; 0: no session tickets (ssl session-resumption) */
	char cipher[CFG_SSLVER__COUNT][CFG_CIPHERS_MAX]; /* "" = default */
	struct tls_mat_iface *ifaces;
	size_t n_ifaces;
	struct tls_mat_ca *cas;        /* every CA trustpoint's certificates */
	size_t n_cas;
	struct tls_blob *crls;         /* CRLs of the CA trustpoints, checked
					* against their signer by main */
	size_t n_crls;
};

/* Builders: each returns the new (zeroed) element or NULL (no memory). */
struct tls_mat_iface *tls_mat_add_iface(struct tls_material *m);
struct tls_mat_ctx *tls_mat_add_ctx(struct tls_mat_iface *f);
struct tls_mat_ca *tls_mat_add_ca(struct tls_material *m);
struct tls_blob *tls_mat_add_crl(struct tls_material *m);
struct tls_blob *tls_mat_add_chain(struct tls_mat_id *id);
/* tls_blob_set: copy n bytes into b (replacing what it held); 0 or -1. */
int tls_blob_set(struct tls_blob *b, const void *p, size_t n);
/* tls_blob_append: n more bytes at the end of b; 0 or -1. */
int tls_blob_append(struct tls_blob *b, const void *p, size_t n);
/* tls_material_free: release everything, keys wiped first; m zeroed. */
void tls_material_free(struct tls_material *m);

#endif
