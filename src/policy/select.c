/* Tunnel-group selection: group alias, group-url, DefaultWEBVPNGroup.
 *
 * Pure string logic over a config snapshot (anyconnect-protocol.md 1.4,
 * asa-behaviour.md 3).  Phones without DNS dial the headend by IP address,
 * so a group-url host is compared as text, never resolved.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"

/* Length of path without a query and without trailing slashes ("/" stays):
 * "/phone" and "/phone/" name the same group-url. */
/* Strip IPv6 brackets so "[2001:db8::1]" equals "2001:db8::1". */
static void host_span(const char *h, const char **start, size_t *len)
{
	size_t n = strlen(h);

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	*start = h;
	*len = n;
}

/* A request without a Host header (HTTP/1.0 clients) cannot contradict the
 * URL's host, and a URL without a host accepts any: only the path decides. */
static int host_eq(const char *want, const char *have)
{
	const char *w, *h;
	size_t wl, hl;

	if (have == NULL || *have == '\0' || *want == '\0')
		return 1;
	host_span(want, &w, &wl);
	host_span(have, &h, &hl);
	return wl == hl && strncasecmp(w, h, wl) == 0;
}

static int url_matches(const struct cfg_group_url *u, const char *host,
		       uint16_t port, const char *path)
{
	if (!u->enabled)
		return 0;
	if (u->port != 0 && u->port != port)
		return 0;
	return host_eq(u->host, host) && util_path_eq(u->path, path);
}

static int list_has(const struct cfg_name_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static const struct cfg_tunnel_group *by_alias(const struct sslvpnd_config *cfg,
					       const char *alias)
{
	size_t i;

	for (i = 0; i < cfg->n_tunnel_groups; i++)
		if (list_has(&cfg->tunnel_groups[i].aliases, alias))
			return &cfg->tunnel_groups[i];
	if (!cfg->webvpn.tunnel_group_list)
		return NULL;
	for (i = 0; i < cfg->n_tunnel_groups; i++)
		if (strcmp(cfg->tunnel_groups[i].name, alias) == 0)
			return &cfg->tunnel_groups[i];
	return NULL;
}

/* A URL naming the port is more specific than one without, whatever the
 * config order, so it wins. */
static const struct cfg_tunnel_group *by_url(const struct sslvpnd_config *cfg,
					     const char *host, uint16_t port,
					     const char *path)
{
	const struct cfg_tunnel_group *any_port = NULL, *tg;
	size_t i, j;

	for (i = 0; i < cfg->n_tunnel_groups; i++) {
		tg = &cfg->tunnel_groups[i];
		for (j = 0; j < tg->n_urls && j < CFG_LIST_MAX; j++) {
			if (!url_matches(&tg->urls[j], host, port, path))
				continue;
			if (tg->urls[j].port != 0)
				return tg;
			if (any_port == NULL)
				any_port = tg;
		}
	}
	return any_port;
}

const struct cfg_tunnel_group *
policy_select_tunnel_group(const struct sslvpnd_config *cfg, const char *host,
			   uint16_t port, const char *path,
			   const char *group_select, enum tg_how *how)
{
	const struct cfg_tunnel_group *tg;
	enum tg_how dummy;

	if (how == NULL)
		how = &dummy;
	if (group_select != NULL && *group_select != '\0') {
		*how = TG_BY_ALIAS;
		return by_alias(cfg, group_select);
	}
	if (path != NULL) {
		tg = by_url(cfg, host, port, path);
		if (tg != NULL) {
			*how = TG_BY_URL;
			return tg;
		}
	}
	*how = TG_BY_DEFAULT;
	return config_tunnel_group(cfg, POLICY_DFLT_TG);
}

int policy_path_known(const struct sslvpnd_config *cfg, const char *path)
{
	const struct cfg_tunnel_group *tg;
	size_t i, j;

	if (path == NULL)
		return 0;
	if (util_path_eq(path, "/"))
		return 1;
	for (i = 0; i < cfg->n_tunnel_groups; i++) {
		tg = &cfg->tunnel_groups[i];
		for (j = 0; j < tg->n_urls && j < CFG_LIST_MAX; j++)
			if (tg->urls[j].enabled && util_path_eq(tg->urls[j].path, path))
				return 1;
	}
	return 0;
}

static int certmap_holds(const struct cfg_certmap *m, const char *subject,
			 const char *issuer)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!certmap_match_rule(&m->r[i], subject, issuer))
			return 0;
	return m->n > 0;
}

const struct cfg_tunnel_group *
policy_select_by_cert(const struct sslvpnd_config *cfg, const char *subject,
		      const char *issuer, const char **map)
{
	const struct cfg_tunnel_group *tg;
	size_t i;

	for (i = 0; i < cfg->n_certmaps; i++) {
		if (!certmap_holds(&cfg->certmaps[i], subject, issuer))
			continue;
		tg = config_tunnel_group(cfg, cfg->certmaps[i].tunnel_group);
		if (tg == NULL)
			continue;
		if (map != NULL)
			*map = cfg->certmaps[i].name;
		return tg;
	}
	return NULL;
}
