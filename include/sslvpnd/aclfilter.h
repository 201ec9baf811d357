/* vpn-filter in the data path: the access lists a tunnel is filtered by,
 * compiled once per tunnel into flat per-family rule arrays, and a per
 * packet check.  Pure: no I/O; allocation only in aclfilter_compile.
 *
 * ASA semantics (Cisco "VPN Filters on Cisco ASA Configuration Example",
 * doc 99103 / 118029, and the group-policy vpn-filter command reference):
 *  - the ACL is written from the remote client's point of view, "inbound":
 *    source = the client's assigned address, destination = the protected
 *    network, ports likewise (source port = client side);
 *  - the same rules are applied in both directions: for traffic towards the
 *    client the ASA compiles the outbound rule itself, i.e. the packet's
 *    destination is matched against the ACL source and its source against
 *    the ACL destination (ports swapped the same way).  Cisco's own example:
 *    "permit tcp host CLIENT NET eq 23" also lets NET open connections to
 *    the client from source port 23.  So return traffic of a permitted flow
 *    passes without connection state, and so does traffic the mirror rule
 *    permits (the ASA's documented caveat);
 *  - first match wins, implicit deny at the end of the (combined) list;
 *  - `any` matches IPv4 and IPv6, any4/any6 one family; "icmp" is IPv4
 *    protocol 1 only (IPv6 needs icmp6 = 58).
 * Fragments: the ASA reassembles (virtually) before the filter, so the first
 * fragment decides for the datagram.  Without reassembly state we apply the
 * classic Cisco rule for non-initial fragments (no ports in them): an entry
 * without port operators matches them normally; an entry with ports matches
 * a non-initial fragment on its layer-3 part when it permits, and is skipped
 * when it denies.  A datagram whose first fragment is denied can never be
 * reassembled by the receiver, so the outcome is the ASA's.
 * Malformed packets (truncated headers, bad lengths, IPv4 options running
 * past the header, a TCP fragment at offset 8 bytes (RFC 1858), more than
 * ACLF_EXT_MAX IPv6 extension headers) return ACLF_MALFORMED. */
#ifndef SSLVPND_ACLFILTER_H
#define SSLVPND_ACLFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/acl.h"

struct sslvpnd_config;
struct aclfilter;

enum aclfilter_dir {
	ACLF_UP = 0,     /* from the client, towards the protected network */
	ACLF_DOWN = 1,   /* towards the client */
};

enum aclfilter_verdict {
	ACLF_PERMIT = 0,
	ACLF_DENY = 1,       /* an entry denied it, or the implicit deny */
	ACLF_MALFORMED = 2,  /* not a well-formed IPv4/IPv6 packet: drop */
};

enum {
	ACLF_DENY_FIRST = 1, /* same value as IPC_FILTER_DENY_FIRST */
	ACLF_EXT_MAX = 8,    /* IPv6 extension headers walked at most */
	ACLF_NAMES_MAX = 512,
	ACLF_LISTS_MAX = 32,         /* access lists in one filter */
};

/* One entry of a filter as main sends it to a worker (TUNNEL_REP): the
 * index of its list in the names string, and the parsed entry. */
struct aclfilter_entry {
	uint16_t list;          /* 0-based index into the names */
	struct acl_entry e;
};

/* aclfilter_gather: the entries of the access lists named in names (space
 * separated), in evaluation order, remarks left out, into out[0..max).
 * Returns the number of entries, or -1 with a reason in err: a list that is
 * undefined or standard, too many names, or more than max entries (the
 * reason says how many).  Pure: what main sends a worker. */
long aclfilter_gather(const struct sslvpnd_config *cfg, const char *names,
		      struct aclfilter_entry *out, size_t max, char *err,
		      size_t errlen);

/* aclfilter_build: the filter of n gathered entries whose lists are named
 * in names (for logs; an entry's list must index a name).  flags as for
 * aclfilter_compile; n == 0 with no names permits everything, n == 0 with
 * names denies everything (lists of remarks only).  Every entry is checked
 * (list index, family, prefix length, protocol, port operators) since it
 * may come from another process.  Returns a new filter, or NULL with the
 * reason in err. */
struct aclfilter *aclfilter_build(const char *names, const struct aclfilter_entry *e,
				  size_t n, unsigned flags, char *err, size_t errlen);

/* aclfilter_lists / aclfilter_list: how many access lists f names, and
 * the i-th ("" past the end). */
size_t aclfilter_lists(const struct aclfilter *f);
const char *aclfilter_list(const struct aclfilter *f, size_t i);

/* aclfilter_compile: the access lists named in names (space separated,
 * evaluated in that order as one list) from cfg.  flags: ACLF_DENY_FIRST
 * moves every deny entry of all lists before every permit entry (DAP
 * aggregation), keeping their relative order.  Empty names: a filter that
 * permits everything.  Lists with no entries (remarks only) add nothing, so
 * the implicit deny still applies.  Returns a new filter (free with
 * aclfilter_free), or NULL with a reason naming the list in err (an
 * undefined list, a standard list, too many names, out of memory). */
struct aclfilter *aclfilter_compile(const struct sslvpnd_config *cfg,
				    const char *names, unsigned flags,
				    char *err, size_t errlen);
void aclfilter_free(struct aclfilter *f);

/* aclfilter_check: the verdict for one IP packet (pkt, len bytes, starting
 * at the IP header) travelling in direction dir.  Never reads outside
 * pkt[0..len).  No allocation, no state: safe to call per packet. */
enum aclfilter_verdict aclfilter_check(const struct aclfilter *f,
				       const uint8_t *pkt, size_t len,
				       enum aclfilter_dir dir);

/* The decision explained, for logs (slow path; call only when logging). */
struct aclfilter_info {
	enum aclfilter_verdict verdict;
	const char *acl;        /* list of the deciding entry; for the implicit
				 * deny the first list named; "" when none */
	int line;               /* config line of that entry (0: unknown) */
	int implicit;           /* decided by the implicit deny */
	int af;                 /* 4 or 6 (0 when malformed) */
	int proto;
	uint8_t src[16], dst[16];  /* as in the packet (not swapped) */
	uint16_t sport, dport;     /* 0 when the protocol has no ports */
};

void aclfilter_explain(const struct aclfilter *f, const uint8_t *pkt, size_t len,
		       enum aclfilter_dir dir, struct aclfilter_info *out);

/* Entries compiled (both families; an entry for `any` counts in each). */
size_t aclfilter_size(const struct aclfilter *f);

#endif
