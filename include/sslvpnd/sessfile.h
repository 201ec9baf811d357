/* The session registry file: main's sessions (cookie hash, user, groups,
 * addresses, times, DAP decision) as text, so that clients keep their
 * session, cookie and address across a restart of main.  Pure: buffers in,
 * buffers out; src/main/sessions_store.c does the file I/O and the
 * restore.
 *
 * Format, one record a line:
 *   sslvpnd-sessions 1
 *   ID COOKIE-SHA256 STATE LOGIN IDLE-SINCE SESSION-TIMEOUT TIMEOUT-FIXED
 *      BYTES-IN BYTES-OUT POOL ADDR POOL6 ADDR6 DAP DAP-FLAGS USER
 *      TUNNEL-GROUP GROUP-POLICY PEER DAP-RECORDS DAP-FILTER USER-AGENT
 *   end RECORDS CRC32                    (CRC-32 of every byte before "end")
 * Text fields are percent-encoded (no blanks), "-" is the empty string.
 * Times are wall-clock seconds.  The cookie itself is never written: only
 * its SHA-256, which is all a lookup needs.  A torn, garbled or foreign
 * file, or one of another version, is rejected as a whole. */
#ifndef SSLVPND_SESSFILE_H
#define SSLVPND_SESSFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"
#include "sslvpnd/dap.h"

enum {
	SESSFILE_VERSION = 1,
	SESSFILE_HASH_LEN = 32,      /* SHA-256 of the cookie */
	SESSFILE_USER_MAX = 256,
	SESSFILE_PEER_MAX = 64,
	SESSFILE_ADDR_MAX = 48,      /* IPv4/IPv6 text */
	SESSFILE_UA_MAX = 256,
	SESSFILE_MAX = 64 << 20,     /* bytes: a file larger is refused */
};

/* The session's state when it was written: authenticated without a
 * tunnel yet, a tunnel up, or the tunnel gone (cookie still valid). */
enum sessfile_state { SESSFILE_WAITING = 0, SESSFILE_ACTIVE = 1, SESSFILE_INACTIVE = 2 };

struct sessfile_rec {
	uint32_t id;
	uint8_t cookie_hash[SESSFILE_HASH_LEN];
	uint8_t state;                      /* enum sessfile_state */
	int64_t login_time;                 /* wall clock of the login */
	int64_t idle_since;                 /* wall clock the tunnel went away
					     * (WAITING: the login); ACTIVE: 0 */
	uint32_t session_timeout;           /* seconds, fixed at the first tunnel */
	uint8_t timeout_fixed;
	uint64_t bytes_in, bytes_out;       /* of the closed tunnels */
	char pool[CFG_NAME_MAX], addr[SESSFILE_ADDR_MAX];   /* "" = none */
	char pool6[CFG_NAME_MAX], addr6[SESSFILE_ADDR_MAX];
	uint8_t dap, dap_filter_flags;
	char user[SESSFILE_USER_MAX];
	char tunnel_group[CFG_NAME_MAX];
	char policy[CFG_NAME_MAX];
	char peer[SESSFILE_PEER_MAX];
	char dap_records[DAP_NAMES_MAX];
	char dap_filter[DAP_FILTER_MAX];
	char user_agent[SESSFILE_UA_MAX];
};

/* sessfile_encode: v[0..n-1] as the file's text; *out is malloc'd (caller
 * frees), *len its length.  0, or -1 when out of memory or beyond
 * SESSFILE_MAX. */
int sessfile_encode(const struct sessfile_rec *v, size_t n, char **out, size_t *len);

/* sessfile_decode: check buf (modified in place) and return its records in
 * *out (malloc'd, caller frees; NULL when there are none).  Returns the
 * number of records, or -1 with *why set (static text naming the cause:
 * not a registry, incompatible version, truncated, checksum, garbled
 * record, count mismatch, out of memory); then *out is NULL. */
long sessfile_decode(char *buf, size_t len, struct sessfile_rec **out, const char **why);

#endif
