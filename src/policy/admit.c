/* The login decision of a group policy: the checks an ASA applies once the
 * user is authenticated, each with its precise reason and origin.  Pure:
 * the caller counts the user's sessions and carries out the logoffs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"

const char *policy_origin_name(const struct gp_effective *e, enum gp_attr a)
{
	switch (e->origin[a]) {
	case GPO_POLICY: return e->policy;
	case GPO_DFLT: return POLICY_DFLT_GRP;
	default: return "built-in default";
	}
}

static enum admit_refusal refuse(struct policy_admit *out, enum admit_refusal r,
				 enum gp_attr a)
{
	out->refusal = r;
	out->attr = a;
	return r;
}

/* The user's own group-lock (username X attributes) replaces the policy's. */
static const char *group_lock(const struct gp_effective *e,
			      const struct cfg_user *u, struct policy_admit *out)
{
	if (u && u->group_lock[0]) {
		snprintf(out->origin, sizeof(out->origin), "user %s", u->name);
		return u->group_lock;
	}
	util_strlcpy(out->origin, e->origin[GPA_GROUP_LOCK] == GPO_POLICY ? e->policy
									  : POLICY_DFLT_GRP,
		     sizeof(out->origin));
	return gp_str_or(e, GPA_GROUP_LOCK, NULL);
}

int policy_time_range_active(const struct cfg_time_range *tr, const struct tm *now)
{
	int64_t key = timerange_key(now);
	size_t i;

	if ((tr->start && key < tr->start) || (tr->end && key > tr->end))
		return 0;
	for (i = 0; i < tr->n_periodic; i++)
		if (timerange_periodic_holds(&tr->periodic[i], now))
			return 1;
	return tr->n_periodic == 0;
}

/* vpn-access-hours: a range the snapshot lacks (not possible once
 * validated) refuses, failing closed. */
static int outside_hours(const struct gp_effective *e, const struct tm *now,
			 struct policy_admit *out)
{
	const char *name = gp_str_or(e, GPA_VPN_ACCESS_HOURS, NULL);
	const struct cfg_time_range *tr;

	if (!name || !now)
		return 0;
	tr = e->cfg ? config_time_range(e->cfg, name) : NULL;
	if (tr && policy_time_range_active(tr, now))
		return 0;
	util_strlcpy(out->origin, policy_origin_name(e, GPA_VPN_ACCESS_HOURS),
		     sizeof(out->origin));
	snprintf(out->reason, sizeof(out->reason),
		 "vpn-access-hours value %s (from %s): outside the time range at %02d:%02d",
		 name, out->origin, now->tm_hour, now->tm_min);
	return 1;
}

enum admit_refusal policy_admit(const struct gp_effective *e,
				const struct cfg_tunnel_group *tg,
				const struct cfg_user *u, const char *protocol,
				unsigned logins, const struct tm *now,
				struct policy_admit *out)
{
	long long max = gp_num_or(e, GPA_VPN_SIMULTANEOUS_LOGINS, 3);
	const char *lock;

	memset(out, 0, sizeof(*out));
	if (!gp_list_has(e, GPA_VPN_TUNNEL_PROTOCOL, protocol)) {
		util_strlcpy(out->origin, policy_origin_name(e, GPA_VPN_TUNNEL_PROTOCOL),
			     sizeof(out->origin));
		snprintf(out->reason, sizeof(out->reason),
			 "vpn-tunnel-protocol of group policy %s (from %s) does not include %s",
			 e->policy, out->origin, protocol);
		return refuse(out, ADMIT_PROTOCOL, GPA_VPN_TUNNEL_PROTOCOL);
	}
	lock = group_lock(e, u, out);
	if (lock && strcmp(lock, tg->name) != 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "group-lock value %s (from %s) but the connection uses tunnel group %s",
			 lock, out->origin, tg->name);
		return refuse(out, ADMIT_GROUP_LOCK, GPA_GROUP_LOCK);
	}
	if (outside_hours(e, now, out))
		return refuse(out, ADMIT_ACCESS_HOURS, GPA_VPN_ACCESS_HOURS);
	util_strlcpy(out->origin, policy_origin_name(e, GPA_VPN_SIMULTANEOUS_LOGINS),
		     sizeof(out->origin));
	if (max == 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "vpn-simultaneous-logins is 0 (from %s)", out->origin);
		return refuse(out, ADMIT_NO_LOGINS, GPA_VPN_SIMULTANEOUS_LOGINS);
	}
	out->origin[0] = '\0';
	if ((long long)logins >= max)
		out->logoff = (unsigned)((long long)logins - max + 1);
	out->filter = gp_str_or(e, GPA_VPN_FILTER, NULL);
	return ADMIT_OK;
}
