/* main's share of LDAP AAA (S15): the CA certificate an LDAP host's TLS is
 * checked against (main reads the trustpoint's file and hands the DER to
 * secmod, which reads no file), and the ldap attribute map applied to the
 * entry secmod returns (the map is configuration, which only main has):
 * Group-Policy -> the session's group policy, Tunneling-Protocols and
 * Tunnel-Group-Lock -> refusals, Filter-Id and the timeouts -> the session,
 * as for RADIUS's attributes. */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "sslvpnd/ldapcli.h"
#include "sslvpnd/ldapmap.h"
#include "sslvpnd/util.h"

void mldap_host_ca(const struct sslvpnd_config *cfg, const struct cfg_aaa_host *c,
		   struct ipc_secmod_aaa *b)
{
	const struct cfg_trustpoint *tp = config_trustpoint(cfg, c->ldap_ca_trustpoint);
	FILE *fp = tp ? fopen(tp->certificate, "r") : NULL;
	X509 *x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
	unsigned char *p = b->ldap_ca;
	int n = x ? i2d_X509(x, NULL) : -1;

	b->ldap_ca_len = 0;
	/* Without it secmod's client refuses TLS to the host (100293 says
	 * why at the first login). */
	if (n > 0 && (size_t)n <= sizeof(b->ldap_ca) && i2d_X509(x, &p) == n)
		b->ldap_ca_len = (uint16_t)n;
	X509_free(x);
	if (fp)
		fclose(fp);
}

/* The host of group that answered (r->host), for its attribute map. */
static const struct cfg_aaa_host *answering_host(const struct sslvpnd_config *cfg,
						 const char *group, const char *address)
{
	const struct cfg_aaa_server *as = config_aaa_server(cfg, group);

	for (size_t i = 0; as && as->protocol == CFG_AAA_LDAP && i < as->n_hosts; i++)
		if (!strcmp(as->hosts[i].address, address))
			return &as->hosts[i];
	return NULL;
}

/* r->attrs "aaa.ldap.NAME=VALUE\n" lines as the map's input; text is a
 * copy the entries point into.  Returns the count. */
static size_t parse_attrs(char *text, struct ldapmap_av *av, size_t max)
{
	static const char prefix[] = "aaa.ldap.";
	size_t n = 0;
	char *line, *save = NULL, *eq;

	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, sizeof(prefix) - 1) != 0 || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		av[n++] = (struct ldapmap_av){ line + sizeof(prefix) - 1, eq + 1 };
	}
	return n;
}

/* What the map set, onto the answer; NULL or the refusal. */
static const char *apply_result(const struct ldapmap_result *m,
				const struct cfg_tunnel_group *tg, struct ipc_aaa_rep *r,
				char *buf, size_t len)
{
	const char *v;

#define HAVE(c) (m->have & (1u << (c)))
	if (HAVE(LDM_TUNNELING_PROTOCOLS) &&
	    ldapmap_protocols_allow_ssl(v = m->v[LDM_TUNNELING_PROTOCOLS]) == 0) {
		snprintf(buf, len, "LDAP Tunneling-Protocols %.32s does not allow the SSL VPN "
			 "client (32)", v);
		return buf;
	}
	if (HAVE(LDM_TUNNEL_GROUP_LOCK) && strcmp(v = m->v[LDM_TUNNEL_GROUP_LOCK], "none") &&
	    strcmp(v, tg->name)) {
		snprintf(buf, len, "LDAP Tunnel-Group-Lock: the user must connect through "
			 "tunnel group %.64s", v);
		return buf;
	}
	if (HAVE(LDM_GROUP_POLICY))
		util_strlcpy(r->group_policy, m->v[LDM_GROUP_POLICY], sizeof(r->group_policy));
	if (HAVE(LDM_FILTER_ID))
		util_strlcpy(r->filter, m->v[LDM_FILTER_ID], sizeof(r->filter));
	if (HAVE(LDM_SESSION_TIMEOUT))
		r->session_timeout = (uint32_t)strtoul(m->v[LDM_SESSION_TIMEOUT], NULL, 10);
	if (HAVE(LDM_IDLE_TIMEOUT))
		r->idle_timeout = (uint32_t)strtoul(m->v[LDM_IDLE_TIMEOUT], NULL, 10);
#undef HAVE
	return NULL;
}

const char *mldap_apply(const struct sslvpnd_config *cfg, const struct cfg_tunnel_group *tg,
			const char *group, struct ipc_aaa_rep *r, char *buf, size_t len)
{
	static char text[IPC_AAA_ATTRS_MAX];      /* main is single-threaded */
	static struct ldapmap_av av[LDAPCLI_MAX_AV];
	struct ldapmap_result m;
	const struct cfg_aaa_host *h = answering_host(cfg, group, r->host);
	size_t n;

	if (!h || !h->ldap_attribute_map[0])
		return NULL;
	util_strlcpy(text, r->attrs, sizeof(text));
	n = parse_attrs(text, av, LDAPCLI_MAX_AV);
	ldapmap_apply(config_ldap_map(cfg, h->ldap_attribute_map), av, n, &m);
	return apply_result(&m, tg, r, buf, len);
}
