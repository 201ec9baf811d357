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

/* smauth_verify: scrypt of password (len bytes) against user's hash:
 * IPC_PASSWD_OK, _BAD, _NO_USER (the KDF ran on a dummy hash, so an
 * unknown name costs as long as a wrong password) or _ERROR. */
uint8_t smauth_verify(const struct smauth *a, const char *user, const char *password,
		      size_t len);

/* smauth_count: users in the current table. */
size_t smauth_count(const struct smauth *a);

#endif
