/* The worker's configuration: everything a worker uses, decided by main
 * (S10 "main decides, workers are told").  A worker reads no file: main
 * builds this from its snapshot and the trustpoint files
 * (src/main/mwcfg.c), encodes it as WCFG_* messages of the one table
 * (msgs.def) and hands them over in a sealed memfd with WORKER_CONFIG.  It
 * holds no local user, no password hash, no policy.
 *
 * Encoding (wcfg_encode) and the per-message decoders (wcfg_on_*) live in
 * libipc; the worker's generated dispatch calls the decoders. */
#ifndef SSLVPND_WCFG_H
#define SSLVPND_WCFG_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"
#include "sslvpnd/tlsmat.h"

struct wcfg {
	struct cfg_logging logging;
	struct cfg_limits limits;
	char user[CFG_NAME_MAX], group[CFG_NAME_MAX];
	char sandbox_root[CFG_PATH_MAX + 16]; /* <state-dir>/empty */
	int tunnel_group_list;              /* webvpn: offer the group list */
	char (*paths)[CFG_URL_MAX];         /* paths of enabled group-urls */
	size_t n_paths;
	char (*aliases)[CFG_NAME_MAX];      /* group list, in file order */
	size_t n_aliases;
	struct tls_material tls;
	char hsts[96];                      /* Strict-Transport-Security, "" = off */
	int tls_session_timeout;            /* s a cached TLS session lives: cookie-timeout */
	struct wcfg_profile {               /* anyconnect profiles, file order */
		char name[CFG_NAME_MAX];
		struct tls_blob data;
		char sha1[41];              /* hex, upper case (filled by the worker) */
	} *profiles;
	size_t n_profiles;
	/* decoder state */
	int has_general;
	int der_open;                       /* the last WCFG_DER said "more" */
	uint8_t der_kind;
	struct tls_blob *der_into;          /* where the pieces go */
	struct tls_mat_id *last_id;         /* CHAIN certificates go there */
};

/* wcfg_encode: c as framed WCFG_* messages (ipc_frame_hdr) into a new
 * buffer *out of *len bytes (free() it, after explicit_bzero: it holds
 * keys).  0, or -1 (no memory, a field over its message's size). */
int wcfg_encode(const struct wcfg *c, uint8_t **out, size_t *len);

/* Decoders, one per message: apply the payload to c.  0, or -1 when the
 * payload does not decode or does not fit what came before (a key with no
 * identity, an SNI context before any interface, a piece that does not
 * continue the last one). */
int wcfg_on_general(struct wcfg *c, const uint8_t *buf, size_t len);
int wcfg_on_name(struct wcfg *c, const uint8_t *buf, size_t len);
int wcfg_on_ctx(struct wcfg *c, const uint8_t *buf, size_t len);
int wcfg_on_der(struct wcfg *c, const uint8_t *buf, size_t len);
/* wcfg_complete: 0 when everything announced arrived (WCFG_GENERAL, at
 * least one interface, no DER piece left open), else -1. */
int wcfg_complete(const struct wcfg *c);

/* wcfg_path_known: 1 when path is "/" or the path of an enabled
 * group-url (as policy_path_known), else 0. */
int wcfg_path_known(const struct wcfg *c, const char *path);

/* wcfg_profile: the profile named name, NULL when none (a table lookup:
 * no path is ever made from a request). */
const struct wcfg_profile *wcfg_profile(const struct wcfg *c, const char *name);

/* wcfg_free: release everything (keys wiped); c zeroed. */
void wcfg_free(struct wcfg *c);

#endif
