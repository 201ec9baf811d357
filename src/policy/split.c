/* Split tunnelling: split-tunnel-policy + split-tunnel-network-list of an
 * effective group policy -> the networks a client routes into (or around)
 * the tunnel.  Pure: reads the access list of the snapshot the policy was
 * resolved in. */
#include "config.h"

#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/policy.h"

static enum policy_split_mode split_mode(const struct gp_effective *e)
{
	const char *p = gp_str_or(e, GPA_SPLIT_TUNNEL_POLICY, "tunnelall");

	if (strcmp(p, "tunnelspecified") == 0)
		return SPLIT_INCLUDE;
	if (strcmp(p, "excludespecified") == 0)
		return SPLIT_EXCLUDE;
	return SPLIT_ALL;
}

static void add4(struct policy_split *out, const struct acl_addr *a)
{
	struct policy_split4 r;
	size_t i;

	if (a->plen == 0 || acl_prefix4(a, &r.addr, &r.mask) < 0)
		return;
	for (i = 0; i < out->n4; i++)
		if (out->v4[i].addr == r.addr && out->v4[i].mask == r.mask)
			return;
	out->v4[out->n4++] = r;
}

static void add6(struct policy_split *out, const struct acl_addr *a)
{
	size_t i;

	if (a->af != ACL_AF_6 || a->plen == 0)
		return;
	for (i = 0; i < out->n6; i++)
		if (out->v6[i].plen == a->plen && !memcmp(out->v6[i].a, a->a, 16))
			return;
	out->v6[out->n6++] = *a;
}

void policy_split(const struct gp_effective *e, struct policy_split *out)
{
	const struct cfg_acl *acl;
	const char *name;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->mode = split_mode(e);
	name = gp_str_or(e, GPA_SPLIT_TUNNEL_NETWORK_LIST, NULL);
	acl = out->mode != SPLIT_ALL && name && e->cfg ? config_acl(e->cfg, name) : NULL;
	for (i = 0; acl && i < acl->n && i < ACL_MAX_ENTRIES; i++) {
		const struct acl_entry *x = &acl->e[i];

		if (x->remark || !x->permit)
			continue;
		add4(out, &x->dst);
		add6(out, &x->dst);
	}
	if (out->n4 + out->n6 == 0)
		out->mode = SPLIT_ALL;
}
