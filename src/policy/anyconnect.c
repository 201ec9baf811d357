/* AnyConnect profiles and custom attributes of an effective group policy,
 * and the -t warnings of a policy used as a management tunnel.
 *
 * anyconnect-profiles inherits as a whole list (policy_resolve);
 * anyconnect-custom inherits per TYPE, as the ASA does: a type the
 * session's policy does not name comes from DfltGrpPolicy, and "TYPE none"
 * on the policy stops that.  Pure: no I/O beyond the FILE of the warnings.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"

#define MGMT_ATTR "ManagementTunnelAllAllowed"

/* Add the entries of gp's anyconnect-custom whose type is not in out yet. */
static void custom_merge(const struct sslvpnd_config *cfg, const struct cfg_group_policy *gp,
			 struct policy_custom *out)
{
	const struct gp_value *v = gp ? &gp->attr[GPA_ANYCONNECT_CUSTOM] : NULL;
	char type[CFG_NAME_MAX], name[CFG_NAME_MAX];
	const char *why;
	size_t i, j;

	for (i = 0; v && v->state == GP_VALUE && i < v->n_list; i++) {
		if (config_parse_ac_custom(v->list[i], type, name, &why) < 0)
			continue;
		for (j = 0; j < out->n && strcmp(out->a[j].type, type); j++)
			;
		if (j < out->n || out->n == POLICY_CUSTOM_MAX)
			continue;
		util_strlcpy(out->a[out->n].type, type, CFG_NAME_MAX);
		const struct cfg_ac_cdata *d = name[0] ? config_ac_cdata(cfg, type, name) : NULL;

		out->a[out->n].value = d ? d->value : NULL; /* NULL: none */
		out->n++;
	}
}

void policy_custom_attrs(const struct sslvpnd_config *cfg, const char *policy,
			 struct policy_custom *out)
{
	const struct cfg_group_policy *gp = config_group_policy(cfg, policy);
	size_t i, k = 0;

	out->n = 0;
	custom_merge(cfg, gp, out);
	/* anyconnect-custom = "none", the whole value, stops every type, as
	 * "none" does for every attribute */
	if (strcmp(policy, POLICY_DFLT_GRP) &&
	    !(gp && gp->attr[GPA_ANYCONNECT_CUSTOM].state == GP_NONE))
		custom_merge(cfg, config_group_policy(cfg, POLICY_DFLT_GRP), out);
	/* "TYPE none" only stopped inheritance: nothing is pushed for it */
	for (i = 0; i < out->n; i++)
		if (out->a[i].value)
			out->a[k++] = out->a[i];
	out->n = k;
}

const char *policy_custom_value(const struct policy_custom *c, const char *type)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->a[i].type, type))
			return c->a[i].value;
	return NULL;
}

int policy_profiles(const struct gp_effective *e, char *out, size_t cap)
{
	const struct gp_value *v = e->v[GPA_ANYCONNECT_PROFILES];
	char name[CFG_NAME_MAX];
	const char *why;
	size_t used = 0;
	int mgmt, any = 0;

	out[0] = '\0';
	for (size_t i = 0; v && v->state == GP_VALUE && i < v->n_list; i++) {
		if (config_parse_ac_profile_ref(v->list[i], name, &mgmt, &why) < 0)
			continue;
		int n = snprintf(out + used, cap - used, "%s%s%s", used ? " " : "", name,
				 mgmt ? ":vpn-mgmt" : ":user");

		if (n < 0 || (size_t)n >= cap - used) {
			out[used] = '\0';
			return -1;
		}
		used += (size_t)n;
		any |= mgmt;
	}
	return any;
}

/* A policy is a management tunnel when it offers a vpn-mgmt profile or
 * pushes ManagementTunnelAllAllowed (seed 004); *all_allowed: that value
 * is "true", the only way AnyConnect accepts a tunnel-all management
 * tunnel.  The doctor's mgmt-tunnel check (a warning of sslvpnd -t too)
 * reads it. */
int policy_mgmt_tunnel(const struct sslvpnd_config *cfg, const char *gp_name, int *all_allowed)
{
	struct gp_effective e;
	struct policy_custom c;
	char profiles[1024];

	policy_resolve(cfg, gp_name, &e);
	policy_custom_attrs(cfg, gp_name, &c);
	const char *allowed = policy_custom_value(&c, MGMT_ATTR);

	*all_allowed = allowed && !strcmp(allowed, "true");
	return policy_profiles(&e, profiles, sizeof(profiles)) == 1 || allowed;
}
