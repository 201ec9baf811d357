/* sslvpnd-secmod: the key-holding security module (private to src/secmod).
 *
 * Today it holds the local users' password hashes, which main hands it at
 * start and at every reload (SECMOD_USERS), and answers main's PASSWD_REQ
 * with scrypt run here, off main's event loop.  It reads no configuration
 * file and runs sandboxed as the unprivileged general.user (empty chroot,
 * no capabilities, seccomp allowlist: src/sandbox). */
#ifndef SSLVPND_SECMOD_H
#define SSLVPND_SECMOD_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/ipc.h"

struct smauth;

/* smauth_new / smauth_free: the user table and the per-user attempt
 * buckets; smauth_free wipes every hash.  smauth_free(NULL) is a no-op. */
struct smauth *smauth_new(void);
void smauth_free(struct smauth *a);

/* smauth_on_users: one SECMOD_USERS batch.  A FIRST batch starts a new
 * table, a LAST batch makes it current (the previous one is wiped).
 * Returns 0, -1 on a batch out of sequence (a protocol violation). */
int smauth_on_users(struct smauth *a, const struct ipc_secmod_users *b);

/* smauth_admit: the rate check done when a request arrives, before it
 * waits for the KDF: 1 when user may try now from peer, 0 when that pair
 * is over SMAUTH_RATE (logged as 100705, at most once a minute per pair).
 * Keyed by user and source address, so a guesser against an account does
 * not lock its owner out from elsewhere (the bans limit the guesser). */
int smauth_admit(struct smauth *a, const char *user, const char *peer, uint64_t now_ms);

/* smauth_verify: scrypt of password (len bytes) against user's hash (run
 * by the KDF thread: the hash is copied out under the table's lock):
 * IPC_PASSWD_OK, _BAD, _NO_USER (the KDF ran on a dummy hash, so an
 * unknown name costs as long as a wrong password) or _ERROR. */
uint8_t smauth_verify(struct smauth *a, const char *user, const char *password,
		      size_t len);

/* smauth_count: users in the current table. */
size_t smauth_count(const struct smauth *a);

/* ---- the TLS private keys (smkeys.c) */
struct smkeys;
struct keyprov_req;

struct smkeys *smkeys_new(void);
/* smkeys_free: frees (and so clears) every key.  NULL is a no-op. */
void smkeys_free(struct smkeys *k);

/* smkeys_on_key: one SECMOD_KEY.  A FIRST message starts generation gen,
 * the LAST one makes it current and the current one previous (the one
 * before is freed).  *n_loaded: keys of the generation made current by
 * this message ((size_t)-1 for an empty one), else 0.  Returns 0, -1 on a
 * key that does not decode or a message out of sequence. */
int smkeys_on_key(struct smkeys *k, const struct ipc_secmod_key *m, size_t *n_loaded);

/* smkeys_conn_add: connection conn_id of worker worker_id is in its
 * handshake for timeout_ms (SECMOD_CONN), until its one key operation
 * succeeded; a hashed table of at most 65,536 (the oldest goes first). */
void smkeys_conn_add(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		     uint32_t timeout_ms, uint64_t now_ms);
int smkeys_conn_known(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		      uint64_t now_ms);
void smkeys_worker_gone(struct smkeys *k, uint32_t worker_id);
/* smkeys_conns: handshakes tracked now. */
size_t smkeys_conns(const struct smkeys *k);

/* smkeys_do: check and run one key operation of worker worker_id for
 * conn_id; out gets the signature or premaster (cap bytes at most).
 * Returns an enum ipc_key_result; not OK: *why names the cause. */
uint8_t smkeys_do(struct smkeys *k, uint32_t worker_id, uint32_t conn_id,
		  const struct keyprov_req *rq, uint64_t now_ms, uint8_t *out, size_t cap,
		  size_t *outlen, const char **why);

/* ---- TLS session ticket keys (smtickets.c, S11) */
struct ev_loop;

/* smtickets_on_conf: main's SECMOD_TICKETS.  lifetime 0: resumption off,
 * every key wiped.  Else the keys main kept (its file, or what this
 * secmod's predecessor sent) are taken when secmod has none yet, pruned
 * and rotated at once if due; main then gets the result (TICKET_KEYS) and
 * again at every rotation, timed in loop.  ipc: main's channel. */
void smtickets_on_conf(struct ev_loop *loop, int ipc, const struct ipc_secmod_tickets *m);

#endif
