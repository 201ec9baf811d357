/* The parameters of one tunnel (the TUNNEL_REP fields a CONNECT answer is
 * made of), as a pure function of the resolved group policy, the client's
 * request and what main knows of the session.  No I/O, no globals, no
 * clock: src/main/sessions.c gathers the facts and acts on the result;
 * tests/unit/check_tunparams.c covers it. */
#ifndef SSLVPND_TUNPARAMS_H
#define SSLVPND_TUNPARAMS_H

#include <stdint.h>

#include "sslvpnd/ipc.h"
#include "sslvpnd/policy.h"

/* What main knows of the session at this CONNECT. */
struct tunparams_facts {
	uint32_t cookie_timeout;      /* general.cookie-timeout, seconds */
	uint64_t since_login_s;       /* seconds since the login */
	/* vpn-session-timeout is fixed at the session's first tunnel (a
	 * reconnect must not get a fresh budget): when timeout_fixed, the
	 * session_timeout below (seconds, 0 = none) wins over the policy's. */
	int timeout_fixed;
	uint32_t session_timeout;
	/* DAP's network ACLs ("" or NULL: none, the group policy's
	 * vpn-filter stays) and their IPC_FILTER_* flags. */
	const char *dap_filter;
	uint8_t dap_filter_flags;
};

/* tunparams_fill: every tunnel attribute of rp from the effective policy e
 * (policy_resolve), the request rq (its X-CSTP-MTU caps the MTU) and the
 * facts f: MTU, keepalive, DPD (gateway and client), idle and session
 * timeouts (seconds, session_remaining counted from the login, at least 1
 * once used up), DTLS on/off, client-bypass-protocol, DNS and WINS servers
 * (IPv4 literals, at most IPC_MAX_DNS), default domain, banner, split
 * tunnel mode and networks (policy_split), split-dns domains (space
 * separated, truncated at a whole name), the vpn-filter (DAP's over the
 * policy's, "none" filters nothing) and disconnected_timeout.  Leaves
 * everything else of rp (address, names, ids, filter entries) alone. */
void tunparams_fill(const struct gp_effective *e, const struct ipc_tunnel_req *rq,
		    const struct tunparams_facts *f, struct ipc_tunnel_rep *rp);

#endif
