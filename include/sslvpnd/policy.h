/* The ASA policy model: tunnel-group selection and group-policy inheritance.
 * Pure logic over a config snapshot: no I/O, no OpenSSL. */
#ifndef SSLVPND_POLICY_H
#define SSLVPND_POLICY_H

#include <stdint.h>

#include "sslvpnd/config.h"

#define POLICY_DFLT_GRP "DfltGrpPolicy"
#define POLICY_DFLT_TG "DefaultWEBVPNGroup"

enum tg_how {
	TG_BY_ALIAS = 1,   /* <group-select> / group_list matched an alias or name */
	TG_BY_URL,         /* group-url matched host/port/path */
	TG_BY_DEFAULT,     /* nothing matched: DefaultWEBVPNGroup */
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

/* The built-in DfltGrpPolicy value of attribute a (parsed from gpattrs.def). */
const struct gp_value *gp_builtin(enum gp_attr a);

#endif
