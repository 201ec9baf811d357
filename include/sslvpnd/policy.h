/* The ASA policy model: tunnel-group selection and group-policy inheritance.
 * Pure logic over a config snapshot: no I/O, no OpenSSL. */
#ifndef SSLVPND_POLICY_H
#define SSLVPND_POLICY_H

#include <stdint.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/config.h"

#define POLICY_DFLT_GRP "DfltGrpPolicy"
#define POLICY_DFLT_TG "DefaultWEBVPNGroup"

enum tg_how {
	TG_BY_ALIAS = 1,   /* <group-select> / group_list matched an alias or name */
	TG_BY_URL,         /* group-url matched host/port/path */
	TG_BY_DEFAULT,     /* nothing matched: DefaultWEBVPNGroup */
	TG_BY_CERT_MAP,    /* a certificate map matched (policy_select_by_cert) */
};

/* policy_select_tunnel_group: choose the tunnel group for a request.
 * host is the Host header without port (may be NULL), port the local TCP port,
 * path the request path, group_select the alias the client chose (NULL/"").
 * Order (anyconnect-protocol.md 1.4): alias (enabled aliases, then tunnel-group
 * names when tunnel-group-list is enabled), enabled group-url (path match
 * case-sensitive, host case-insensitive, port only when the URL names one),
 * else DefaultWEBVPNGroup.  An unknown alias returns NULL (never a session).
 * *how says which rule matched. */
const struct cfg_tunnel_group *
policy_select_tunnel_group(const struct sslvpnd_config *cfg, const char *host,
			   uint16_t port, const char *path,
			   const char *group_select, enum tg_how *how);

/* policy_select_by_cert: the tunnel group of the first certificate map
 * (file order) whose rules all hold for a verified client certificate
 * (RFC 2253 subject and issuer); *map names it.  NULL when none matches.
 * Consulted only when neither an alias nor a group-url chose a group: an
 * explicit choice of the client wins over the map. */
const struct cfg_tunnel_group *
policy_select_by_cert(const struct sslvpnd_config *cfg, const char *subject,
		      const char *issuer, const char **map);

/* policy_path_known: 1 when path is "/" or the path of an enabled group-url
 * of any tunnel group (these are the paths the login flows answer on). */
int policy_path_known(const struct sslvpnd_config *cfg, const char *path);

/* The effective group policy of a session: for every attribute the value
 * and where it came from. */
enum gp_origin { GPO_POLICY = 1, GPO_DFLT, GPO_BUILTIN };

struct gp_effective {
	const struct gp_value *v[GPA__COUNT];
	enum gp_origin origin[GPA__COUNT];
	char policy[CFG_NAME_MAX];   /* the policy chosen for the session */
	const struct sslvpnd_config *cfg; /* the snapshot it was resolved in */
};

/* policy_resolve: attributes set on `policy` (by name; must exist in cfg),
 * then on DfltGrpPolicy, then the built-in defaults of gpattrs.def. */
void policy_resolve(const struct sslvpnd_config *cfg, const char *policy,
		    struct gp_effective *out);

/* Typed accessors; *_or return `none` when the effective value is none. */
long long gp_num_or(const struct gp_effective *e, enum gp_attr a, long long none);
const char *gp_str_or(const struct gp_effective *e, enum gp_attr a, const char *none);
/* 1 when the effective list attribute contains item (exact match). */
int gp_list_has(const struct gp_effective *e, enum gp_attr a, const char *item);

/* Split tunnelling of an effective policy (src/policy/split.c). */
enum policy_split_mode { SPLIT_ALL = 0, SPLIT_INCLUDE = 1, SPLIT_EXCLUDE = 2 };

struct policy_split4 {
	uint32_t addr, mask;         /* network byte order */
};

struct policy_split {
	enum policy_split_mode mode; /* the TUNNEL_REP split_mode values */
	size_t n4, n6;
	struct policy_split4 v4[ACL_MAX_ENTRIES];
	struct acl_addr v6[ACL_MAX_ENTRIES];  /* af ACL_AF_6 */
};

/* policy_split: split-tunnel-policy tunnelspecified / excludespecified with
 * split-tunnel-network-list -> the networks to include / exclude: the
 * permit entries of the (standard) access list, IPv4 and IPv6 apart, in
 * list order, duplicates dropped.  Deny and remark entries and the
 * wildcards any / any4 / any6 are not networks and are skipped.  Without a
 * list (none, or a name the snapshot lacks) or without any network in it,
 * the mode is SPLIT_ALL: nothing to include or exclude means tunnel all. */
void policy_split(const struct gp_effective *e, struct policy_split *out);

/* policy_origin_name: where attribute a of e came from, for messages: the
 * policy's name, "DfltGrpPolicy" or "built-in default". */
const char *policy_origin_name(const struct gp_effective *e, enum gp_attr a);

/* The login decision (src/policy/admit.c), in the order the ASA checks. */
enum admit_refusal {
	ADMIT_OK = 0,
	ADMIT_PROTOCOL,       /* vpn-tunnel-protocol lacks the protocol */
	ADMIT_GROUP_LOCK,     /* group-lock names another tunnel group */
	ADMIT_ACCESS_HOURS,   /* outside the vpn-access-hours time range */
	ADMIT_NO_LOGINS,      /* vpn-simultaneous-logins 0 */
};

struct policy_admit {
	enum admit_refusal refusal;
	enum gp_attr attr;           /* the attribute that decided (refusals) */
	char origin[CFG_NAME_MAX + 8]; /* where it came from ("user NAME" for a
				      * user's own group-lock) */
	unsigned logoff;             /* admitted: log off this many of the
				      * user's oldest sessions first */
	const char *filter;          /* admitted: vpn-filter ACL name, NULL none */
	char reason[512];            /* refusals: the precise reason (logs) */
};

/* policy_admit: may `user` (local user record u, NULL when none) start a
 * session of `protocol` ("ssl-client") in tunnel group tg under the
 * effective policy e, holding `logins` sessions already, at local time now
 * (NULL: vpn-access-hours not checked)?  Checks vpn-tunnel-protocol, then
 * group-lock (the user's own lock replaces the policy's), then
 * vpn-access-hours, then vpn-simultaneous-logins: 0 refuses, at the limit
 * the oldest sessions make room (out->logoff).  vpn-filter never refuses: the
 * tunnel comes up and the filter applies to its traffic (out->filter).
 * Returns out->refusal. */
enum admit_refusal policy_admit(const struct gp_effective *e,
				const struct cfg_tunnel_group *tg,
				const struct cfg_user *u, const char *protocol,
				unsigned logins, const struct tm *now,
				struct policy_admit *out);

/* policy_time_range_active: 1 when local time now is inside the time range
 * (after absolute-start, before absolute-end, and in a periodic window when
 * it has any). */
int policy_time_range_active(const struct cfg_time_range *tr, const struct tm *now);

/* The built-in DfltGrpPolicy value of attribute a (parsed from gpattrs.def). */
const struct gp_value *gp_builtin(enum gp_attr a);

/* AnyConnect custom attributes of a session's policy (src/policy/anyconnect.c):
 * anyconnect-custom per TYPE from the policy, then DfltGrpPolicy; values
 * point into cfg. */
enum { POLICY_CUSTOM_MAX = CFG_LIST_MAX * 2 };
struct policy_custom {
	size_t n;
	struct {
		char type[CFG_NAME_MAX];
		const char *value;
	} a[POLICY_CUSTOM_MAX];
};
void policy_custom_attrs(const struct sslvpnd_config *cfg, const char *policy,
			 struct policy_custom *out);
/* The value pushed for type, NULL when none. */
const char *policy_custom_value(const struct policy_custom *c, const char *type);
/* policy_profiles: the effective anyconnect-profiles as "NAME:user
 * NAME:vpn-mgmt ..." into out; 1 when one is a vpn-mgmt profile, 0 when
 * not, -1 when out is too small. */
int policy_profiles(const struct gp_effective *e, char *out, size_t cap);
/* 1: the policy is used as a management tunnel (a vpn-mgmt profile or
 * ManagementTunnelAllAllowed pushed); *all_allowed: that value is "true". */
int policy_mgmt_tunnel(const struct sslvpnd_config *cfg, const char *gp_name, int *all_allowed);

#endif
