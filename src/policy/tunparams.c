/* The tunnel parameters of one CONNECT: pure (tunparams.h). */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "sslvpnd/cstp.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/tunparams.h"
#include "sslvpnd/util.h"
#include "sslvpnd/xmlauth.h"

/* IPv4 literals of a list attribute (dns-server, wins-server), at most 3. */
static uint8_t fill_addrs4(const struct gp_value *v, uint32_t *out)
{
	uint8_t n = 0;

	for (size_t i = 0; v->state == GP_VALUE && i < v->n_list && n < IPC_MAX_DNS; i++)
		if (inet_pton(AF_INET, v->list[i], &out[n]) == 1)
			n++;
	return n;
}

/* split-tunnel-policy + split-tunnel-network-list (policy_split), and the
 * split-dns domains, space separated (each becomes one X-CSTP-Split-DNS). */
static void fill_split(const struct gp_effective *e, struct ipc_tunnel_rep *rp)
{
	struct policy_split sp;
	const struct gp_value *dns = e->v[GPA_SPLIT_DNS];
	size_t i, o = 0;

	policy_split(e, &sp);
	rp->split_mode = (uint8_t)sp.mode;
	for (i = 0; i < sp.n4 && rp->n_split < IPC_MAX_ROUTES; i++) {
		rp->split[rp->n_split].addr = sp.v4[i].addr;
		rp->split[rp->n_split++].mask = sp.v4[i].mask;
	}
	for (i = 0; i < sp.n6 && rp->n_split6 < IPC_MAX_ROUTES; i++) {
		memcpy(rp->split6[rp->n_split6].addr, sp.v6[i].a, 16);
		rp->split6[rp->n_split6++].plen = sp.v6[i].plen;
	}
	for (i = 0; dns->state == GP_VALUE && i < dns->n_list; i++) {
		size_t len = strlen(dns->list[i]);

		if (o + len + 2 > sizeof(rp->split_dns))
			break;
		if (o)
			rp->split_dns[o++] = ' ';
		memcpy(rp->split_dns + o, dns->list[i], len + 1);
		o += len;
	}
}

/* anyconnect-custom, per type from the policy then DfltGrpPolicy, as the
 * ASA pushes it: X-CSTP-Post-Auth-XML (xmlauth_custom_attrs). */
static void fill_custom(const struct gp_effective *e, struct ipc_tunnel_rep *rp)
{
	struct policy_custom c;
	const char *types[POLICY_CUSTOM_MAX], *values[POLICY_CUSTOM_MAX];

	rp->custom_xml[0] = '\0';
	if (!e->cfg)
		return;
	policy_custom_attrs(e->cfg, e->policy, &c);
	for (size_t i = 0; i < c.n; i++) {
		types[i] = c.a[i].type;
		values[i] = c.a[i].value;
	}
	if (xmlauth_custom_attrs(rp->custom_xml, sizeof(rp->custom_xml), types, values, c.n) < 0)
		rp->custom_xml[0] = '\0';
}

static uint8_t rekey_method(const char *name)
{
	return !strcmp(name, "ssl")	   ? CSTP_REKEY_SSL
	       : !strcmp(name, "new-tunnel") ? CSTP_REKEY_NEW_TUNNEL
					     : CSTP_REKEY_NONE;
}

static void fill_params(const struct gp_effective *e, const struct ipc_tunnel_req *rq,
			struct ipc_tunnel_rep *rp)
{
	long long mtu = gp_num_or(e, GPA_ANYCONNECT_MTU, 1406);
	long long idle = gp_num_or(e, GPA_VPN_IDLE_TIMEOUT, 0);
	long long sess = gp_num_or(e, GPA_VPN_SESSION_TIMEOUT, 0);

	/* Never advertise more than the client asked for: its X-CSTP-MTU
	 * already accounts for its own path. */
	if (rq->req_mtu >= 576 && rq->req_mtu < mtu)
		mtu = rq->req_mtu;
	rp->mtu = (uint16_t)mtu;
	rp->keepalive = (uint16_t)gp_num_or(e, GPA_ANYCONNECT_SSL_KEEPALIVE, 20);
	rp->dpd = (uint16_t)gp_num_or(e, GPA_ANYCONNECT_DPD_GATEWAY, 30);
	rp->dpd_client = (uint16_t)gp_num_or(e, GPA_ANYCONNECT_DPD_CLIENT, 30);
	rp->idle_timeout = (uint32_t)(idle * 60);
	rp->session_timeout = (uint32_t)(sess * 60);
	rp->session_remaining = rp->session_timeout;
	rp->session_alert = (uint32_t)(gp_num_or(e, GPA_VPN_SESSION_TIMEOUT_ALERT, 1) * 60);
	rp->dtls = (uint8_t)gp_num_or(e, GPA_ANYCONNECT_SSL_DTLS, 0);
	rp->rekey_time = (uint32_t)(gp_num_or(e, GPA_ANYCONNECT_SSL_REKEY_TIME, 0) * 60);
	rp->rekey_method = rekey_method(gp_str_or(e, GPA_ANYCONNECT_SSL_REKEY_METHOD, "none"));
	rp->client_bypass = (uint8_t)gp_num_or(e, GPA_CLIENT_BYPASS_PROTOCOL, 0);
	util_strlcpy(rp->ssl_compression, gp_str_or(e, GPA_ANYCONNECT_SSL_COMPRESSION, "none"),
		     sizeof(rp->ssl_compression));
	util_strlcpy(rp->dtls_compression, gp_str_or(e, GPA_ANYCONNECT_DTLS_COMPRESSION, "none"),
		     sizeof(rp->dtls_compression));
	rp->n_dns = fill_addrs4(e->v[GPA_DNS_SERVER], rp->dns);
	rp->n_nbns = fill_addrs4(e->v[GPA_WINS_SERVER], rp->nbns);
	fill_split(e, rp);
	util_strlcpy(rp->default_domain, gp_str_or(e, GPA_DEFAULT_DOMAIN, ""),
		     sizeof(rp->default_domain));
	util_strlcpy(rp->banner, gp_str_or(e, GPA_BANNER, ""), sizeof(rp->banner));
	/* vpn-filter value NAME | none; "none" (or unset) filters nothing. */
	const char *f = gp_str_or(e, GPA_VPN_FILTER, "none");

	if (strcmp(f, "none"))
		util_strlcpy(rp->filter, f, sizeof(rp->filter));
	fill_custom(e, rp);
}


/* X-CSTP-Session-Timeout is the policy's limit; -Remaining what is left of
 * it since the login (a reconnecting phone must not get a fresh budget). */
static void session_timer(const struct tunparams_facts *f, struct ipc_tunnel_rep *rp)
{
	if (f->timeout_fixed)
		rp->session_timeout = f->session_timeout;
	if (!rp->session_timeout) {
		rp->session_remaining = 0;
		return;
	}
	rp->session_remaining = f->since_login_s >= rp->session_timeout
				? 1 : (uint32_t)(rp->session_timeout - f->since_login_s);
}

/* The ASA gives DAP attributes precedence over the group policy: the
 * network ACLs of the selected records replace its vpn-filter; without
 * any, the vpn-filter stays. */
static void dap_filter(const struct tunparams_facts *f, struct ipc_tunnel_rep *rp)
{
	if (!f->dap_filter || !f->dap_filter[0])
		return;
	util_strlcpy(rp->filter, f->dap_filter, sizeof(rp->filter));
	rp->filter_flags = f->dap_filter_flags;
}

void tunparams_fill(const struct gp_effective *e, const struct ipc_tunnel_req *rq,
		    const struct tunparams_facts *f, struct ipc_tunnel_rep *rp)
{
	fill_params(e, rq, rp);
	session_timer(f, rp);
	dap_filter(f, rp);
	rp->disconnected_timeout = f->cookie_timeout;
}
