/* LDAP attribute maps (ASA `ldap attribute-map NAME`, `map-name LDAPATTR
 * CISCOATTR`, `map-value LDAPATTR LDAPVALUE CISCOVALUE`): the rows as text
 * <-> structs, and the pure translation of a directory entry's attributes
 * into the Cisco attributes a session gets.  Linked into the config library
 * (the loader parses the rows) like certmap.c; no I/O.
 *
 * Semantics reproduced from the ASA:
 * - map-name renames an LDAP attribute (names compare without case, as
 *   LDAP's) to a Cisco attribute; only the Cisco attribute names the ASA
 *   knows are accepted, spelled as the ASA spells them;
 * - map-value translates one value of that attribute; values compare
 *   without case (DNs and AD strings are case-insensitive).  A value no
 *   map-value row translates passes unchanged when the attribute has no
 *   map-value rows at all, and is dropped when it has some (a memberOf DN
 *   that names no group policy does not become one);
 * - several values (memberOf of several groups): the ASA documents that the
 *   mapped value "is chosen based on the alphabetization of the matched
 *   entries"; observed ASAs (and their exam material) pick the shortest
 *   mapped value, then the lowest in byte order.  ldapmap_apply does that.
 */
#ifndef SSLVPND_LDAPMAP_H
#define SSLVPND_LDAPMAP_H

#include <stddef.h>

enum {
	LDAPMAP_MAX_ROWS = 16,    /* map-name or map-value rows of one map (CFG_LIST_MAX) */
	LDAPMAP_ATTR_MAX = 64,    /* an LDAP attribute name */
	LDAPMAP_VALUE_MAX = 256,  /* an LDAP value or a Cisco value */
	LDAPMAP_TEXT_MAX = 600,   /* a row as text */
};

/* The Cisco attributes a map can set (the ASA's "Cisco LDAP attribute
 * names" that mean something to an SSL VPN headend). */
enum ldapmap_cisco {
	LDM_GROUP_POLICY,         /* Group-Policy (ASA 8.2 and later) */
	LDM_IETF_CLASS,           /* IETF-Radius-Class: the group policy too (older name) */
	LDM_TUNNELING_PROTOCOLS,  /* Tunneling-Protocols: bitmap, 32 = SSL client */
	LDM_TUNNEL_GROUP_LOCK,    /* Tunnel-Group-Lock: tunnel group name */
	LDM_FILTER_ID,            /* IETF-Radius-Filter-Id: access list name */
	LDM_SESSION_TIMEOUT,      /* IETF-Radius-Session-Timeout: seconds */
	LDM_IDLE_TIMEOUT,         /* IETF-Radius-Idle-Timeout: seconds */
	LDM_SIMULTANEOUS_LOGINS,  /* Simultaneous-Logins: count */
	LDM_BANNER1,              /* Banner1: text shown after login */
	LDM__COUNT
};

/* Tunneling-Protocols bit of the SSL VPN client (AnyConnect). */
#define LDAPMAP_PROTO_SSL_CLIENT 32u

struct ldapmap_name {
	char ldap[LDAPMAP_ATTR_MAX];
	int cisco;                        /* enum ldapmap_cisco */
};

struct ldapmap_value {
	char ldap[LDAPMAP_ATTR_MAX];
	char from[LDAPMAP_VALUE_MAX];     /* the directory's value */
	char to[LDAPMAP_VALUE_MAX];       /* the Cisco value */
};

struct cfg_ldap_map;

/* ldapmap_cisco_name: "Group-Policy", ...; NULL out of range. */
const char *ldapmap_cisco_name(int cisco);

/* ldapmap_parse_name: "LDAPATTR CISCOATTR".  0, or -1 with *why. */
int ldapmap_parse_name(const char *text, struct ldapmap_name *out, const char **why);

/* ldapmap_parse_value: "LDAPATTR VALUE CISCOVALUE"; VALUE in double quotes
 * when it has blanks (a DN usually has), CISCOVALUE the rest of the line.
 * 0, or -1 with *why. */
int ldapmap_parse_value(const char *text, struct ldapmap_value *out, const char **why);

/* Canonical text of a row; its length, or -1 when buf is too small. */
int ldapmap_format_name(const struct ldapmap_name *n, char *buf, size_t len);
int ldapmap_format_value(const struct ldapmap_value *v, char *buf, size_t len);

/* ldapmap_check: the cross-row rules of one map (a map-value row names an
 * attribute that has a map-name row; one map-name per LDAP attribute).
 * 0, or -1 with *why and *row (the index of the offending map-value or
 * map-name row in *what: "map-name" / "map-value"). */
int ldapmap_check(const struct cfg_ldap_map *m, const char **why, size_t *row,
		  const char **what);

/* One attribute value of the directory entry, as the LDAP client returns
 * them (an attribute with several values appears several times). */
struct ldapmap_av {
	const char *attr;
	const char *value;
};

/* What the map made of an entry: v[c] is set when have & (1u << c). */
struct ldapmap_result {
	unsigned have;
	char v[LDM__COUNT][LDAPMAP_VALUE_MAX];
};

/* ldapmap_apply: translate the entry's attributes through map m (NULL:
 * nothing mapped).  Group-Policy and IETF-Radius-Class both land in
 * LDM_GROUP_POLICY (Group-Policy wins when both are mapped). */
void ldapmap_apply(const struct cfg_ldap_map *m, const struct ldapmap_av *av, size_t n,
		   struct ldapmap_result *out);

/* ldapmap_protocols_allow_ssl: does a Tunneling-Protocols value allow the
 * SSL VPN client?  1 / 0, or -1 when the value is not a number. */
int ldapmap_protocols_allow_ssl(const char *value);

#endif
