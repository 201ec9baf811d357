/* The control socket's views: the renderers of the show commands
 * (running-config, pools, version, ssl, debug, metrics, bans; the session
 * views are in ctl_sessiondb.c), each as ASA text or as one JSON document.
 * Read-only: a view changes no state. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "ctl.h"
#include "main.h"
#include "mban.h"
#include "metrics.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/showrun.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

void ctl_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = 1;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;

		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *p = cap <= CTL_REPLY_MAX ? realloc(t->p, cap) : NULL;

		if (!p) {
			t->err = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
}

/* A text a renderer wrote (showrun, metrics): as is, or with --json as
 * the one string of {"KEY": "..."}. */
static void reply_rendered(struct request *r, const char *key, const char *buf, size_t len)
{
	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, key);
		json_strn(r->j, buf, len);
		json_obj_end(r->j);
	} else {
		ctl_printf(r->t, "%s", buf);
	}
}

static const char *const ssl_versions[CFG_SSLVER__COUNT] = {
	[CFG_TLSV1] = "tlsv1", [CFG_TLSV1_1] = "tlsv1.1", [CFG_TLSV1_2] = "tlsv1.2",
	[CFG_DTLSV1] = "dtlsv1", [CFG_DTLSV1_2] = "dtlsv1.2", [CFG_TLSV1_3] = "tlsv1.3",
};

/* show running-config ssl: every line, defaults included (our default
 * lists are OpenSSL lists no ASA keyword names, so they print as custom). */
static int showrun_ssl(FILE *fp, const struct sslvpnd_config *cfg)
{
	fprintf(fp, "ssl server-version %s\n", cfg->ssl.server_version);
	fprintf(fp, "%sssl session-resumption lifetime %d\n",
		cfg->ssl.session_resumption ? "" : "no ", cfg->ssl.resumption_lifetime);
	for (int v = 0; v < CFG_SSLVER__COUNT; v++)
		fprintf(fp, "ssl cipher %s custom \"%s\"\n", ssl_versions[v], cfg->ssl.cipher[v]);
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];

		for (size_t k = 0; k < ifc->trustpoints.n; k++)
			fprintf(fp, "ssl trust-point %s %s\n", ifc->trustpoints.v[k], ifc->name);
	}
	return 0;
}

/* hsts sub-mode as seed 004 prints it; left out when it is the default
 * (seed 000's ASA has no hsts lines and an unchanged block stays its). */
static void showrun_hsts(FILE *fp, const struct cfg_webvpn *w)
{
	if (w->hsts && w->hsts_max_age == 31536000 && w->hsts_include_sub_domains &&
	    !w->hsts_preload)
		return;
	fprintf(fp, " hsts\n  %s\n  max-age %d\n  %sinclude-sub-domains\n  %spreload\n",
		w->hsts ? "enable" : "no enable", w->hsts_max_age,
		w->hsts_include_sub_domains ? "" : "no ", w->hsts_preload ? "" : "no ");
}

/* show running-config webvpn: the ASA's webvpn block (seeds 000, 004). The
 * ASA's ports are global: ours per interface, shown when not 443.  Custom
 * data follows the block, as on the ASA. */
static int showrun_webvpn(FILE *fp, const struct sslvpnd_config *cfg)
{
	const struct cfg_webvpn *w = &cfg->webvpn;

	fprintf(fp, "webvpn\n");
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];

		fprintf(fp, " enable %s\n", ifc->name);
		if (ifc->port != 443)
			fprintf(fp, " port %u\n", ifc->port);
		if (ifc->dtls_port != 443)
			fprintf(fp, " dtls port %u\n", ifc->dtls_port);
	}
	for (size_t i = 0; i < cfg->n_ac_cattrs; i++)
		fprintf(fp, " anyconnect-custom-attr %s%s%s\n", cfg->ac_cattrs[i].type,
			cfg->ac_cattrs[i].description[0] ? " description " : "",
			cfg->ac_cattrs[i].description);
	showrun_hsts(fp, w);
	for (size_t i = 0; i < w->anyconnect_image.n; i++)
		fprintf(fp, " anyconnect image %s\n", w->anyconnect_image.v[i]);
	for (size_t i = 0; i < cfg->n_ac_profiles; i++)
		fprintf(fp, " anyconnect profiles %s %s\n", cfg->ac_profiles[i].name,
			cfg->ac_profiles[i].file);
	fprintf(fp, " anyconnect enable\n");
	if (w->tunnel_group_list)
		fprintf(fp, " tunnel-group-list enable\n");
	if (w->csd_image[0])
		fprintf(fp, " csd image %s\n", w->csd_image);
	if (w->csd)
		fprintf(fp, " csd enable\n");
	for (size_t i = 0; i < cfg->n_ac_cdata; i++)
		fprintf(fp, "%sanyconnect-custom-data %s %s %s\n", i ? "" : "!\n",
			cfg->ac_cdata[i].type, cfg->ac_cdata[i].name, cfg->ac_cdata[i].value);
	return 0;
}

/* show running-config ip local pool: "ip local pool NAME FIRST-LAST mask
 * MASK" and "ipv6 local pool NAME PREFIX/LEN COUNT", as configured. */
static int showrun_pools(FILE *fp, const struct sslvpnd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_pools; i++) {
		const struct cfg_pool *p = &cfg->pools[i];
		struct in_addr a = { htonl(p->first) }, b = { htonl(p->last) },
			       m = { htonl(p->mask) };
		char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];

		fprintf(fp, "ip local pool %s %s-%s mask %s\n", p->name,
			inet_ntop(AF_INET, &a, first, sizeof(first)),
			inet_ntop(AF_INET, &b, last, sizeof(last)),
			inet_ntop(AF_INET, &m, mask, sizeof(mask)));
	}
	for (size_t i = 0; i < cfg->n_pools6; i++)
		fprintf(fp, "ipv6 local pool %s %s %d\n", cfg->pools6[i].name,
			cfg->pools6[i].prefix, cfg->pools6[i].count);
	return 0;
}

/* show running-config with no section: every section we render, in the
 * ASA's order (logging, webvpn, policies, tunnel groups, ssl). */
static int showrun_all(FILE *fp, const struct sslvpnd_config *cfg, int all)
{
	int rc = 0;

	rc |= showrun_logging(fp, cfg, all);
	rc |= showrun_pools(fp, cfg);
	rc |= showrun_aaa_server(fp, cfg, NULL);
	rc |= showrun_access_list(fp, cfg, NULL);
	rc |= showrun_webvpn(fp, cfg);
	rc |= showrun_group_policy(fp, cfg, NULL, all);
	rc |= dap_showrun(fp, cfg, NULL);
	rc |= showrun_tunnel_group(fp, cfg, NULL);
	rc |= showrun_ssl(fp, cfg);
	return rc < 0 ? -1 : 0;
}

/* One section of the running configuration (section: the grammar's node
 * of its last keyword; name: NULL for all); the policy model's own
 * renderers (showrun.c) and main's sections. */
static void show_section(struct request *r, int section, int all, const char *name)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (!(fp = open_memstream(&buf, &len))) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	switch (section) {
	case CTLG_SHOW_RUN_IP_LOCAL_POOL: rc = showrun_pools(fp, cfg); break;
	case CTLG_SHOW_RUN_GP:
	case CTLG_SHOW_RUN_ALL_GP: rc = showrun_group_policy(fp, cfg, name, all); break;
	case CTLG_SHOW_RUN_TG: rc = showrun_tunnel_group(fp, cfg, name); break;
	case CTLG_SHOW_RUN_ACL: rc = showrun_access_list(fp, cfg, name); break;
	case CTLG_SHOW_RUN_AAA: rc = showrun_aaa_server(fp, cfg, name); break;
	case CTLG_SHOW_RUN_LOGGING:
	case CTLG_SHOW_RUN_ALL_LOGGING: rc = showrun_logging(fp, cfg, all); break;
	case CTLG_SHOW_RUN_SSL: rc = showrun_ssl(fp, cfg); break;
	case CTLG_SHOW_RUN_WEBVPN: rc = showrun_webvpn(fp, cfg); break;
	case CTLG_SHOW_RUN_DAP: rc = dap_showrun(fp, cfg, name); break;
	default: rc = showrun_all(fp, cfg, all); break; /* show running-config [all] */
	}
	fclose(fp);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%.60s %.60s does not exist",
			 ctlg_nodes[section].word, name ? name : "");
	else
		reply_rendered(r, "config", buf, len);
	free(buf);
}

/* show running-config [all] [group-policy [NAME] | tunnel-group [NAME] |
 * access-list [NAME] | aaa-server [NAME] | dynamic-access-policy-record
 * [NAME] | logging | ssl | webvpn | ip local pool]: the grammar placed the
 * words (and allows "all" only before group-policy and logging). */
void ctl_view_run(struct request *r)
{
	int section = CTLG_SHOW_RUN, all = 0;
	const char *name = NULL;

	for (int i = 1; i < r->argc; i++) {
		if (ctlg_nodes[r->node[i]].type == CTLG_T_KW)
			section = r->node[i];
		else
			name = r->argv[i];
		all |= r->node[i] == CTLG_SHOW_RUN_ALL;
	}
	show_section(r, section, all, name);
}

/* show dap [NAME]: the DAP records, as show running-config
 * dynamic-access-policy-record [NAME] prints them. */
void ctl_view_dap(struct request *r)
{
	show_section(r, CTLG_SHOW_RUN_DAP, 0, r->argc == 3 ? r->argv[2] : NULL);
}

/* ------------------------------------------------ show ip local pool */

/* show ip local pool [NAME] / show ipv6 local pool [NAME]: the ASA's
 * counters (Free + Held + In use = size; Held: released addresses still
 * reserved for their last user within general.address-reuse-window), then
 * one line per address in use or held, with its owner. */
struct pool_view {
	struct request *r;
	const struct pool *p;
	int64_t now;
	uint32_t window;
	int want_leased;          /* 1: in use lines, 0: held lines */
};

static int pool_entry_held(const struct pool_view *pv, const struct pool_entry *e)
{
	return !e->leased && e->owner &&
	       !(pv->window && pv->now > e->last_used && pv->now - e->last_used > pv->window);
}

static int pool_line_cb(const struct pool_entry *e, void *arg)
{
	struct pool_view *pv = arg;
	char a[64];
	int held = pool_entry_held(pv, e);

	if (!(pv->want_leased ? e->leased : held))
		return 0;
	pool_addr_format(pv->p, e->index, a, sizeof(a));
	if (pv->r->json) {
		json_obj_begin(pv->r->j);
		json_kv_str(pv->r->j, "address", a);
		json_kv_str(pv->r->j, "state", e->leased ? "in-use" : "held");
		json_kv_str(pv->r->j, "owner", e->owner ? e->owner : "");
		json_kv_int(pv->r->j, "last_used", e->last_used);
		json_obj_end(pv->r->j);
	} else {
		ctl_printf(pv->r->t, "%-39s %s\n", a, e->owner ? e->owner : "-");
	}
	return 0;
}

static void pool_header(struct request *r, const struct pool *p, size_t held)
{
	char first[64], last[64], mask[INET_ADDRSTRLEN];
	/* Free + Held + In use (+ held elsewhere, in a fleet) = size */
	size_t n = pool_size(p), used = pool_in_use(p), avail = n - used - held - pool_elsewhere(p);
	struct in_addr m4 = { htonl(pool_mask(p)) };

	pool_addr_format(p, 0, first, sizeof(first));
	pool_addr_format(p, n - 1, last, sizeof(last));
	if (r->json) {
		json_kv_str(r->j, "name", pool_name(p));
		json_kv_int(r->j, "family", pool_family(p));
		json_kv_str(r->j, "begin", first);
		json_kv_str(r->j, "end", last);
		if (pool_family(p) == 4)
			json_kv_str(r->j, "mask", inet_ntop(AF_INET, &m4, mask, sizeof(mask)));
		else
			json_kv_uint(r->j, "prefix_length", pool_prefix_len(p));
		json_kv_uint(r->j, "size", n);
		json_kv_uint(r->j, "free", avail);
		json_kv_uint(r->j, "held", held);
		json_kv_uint(r->j, "in_use", used);
		return;
	}
	if (pool_family(p) == 4) {
		ctl_printf(r->t, "%-15s %-15s %-15s %8s %8s %8s\n", "Begin", "End", "Mask",
			    "Free", "Held", "In use");
		ctl_printf(r->t, "%-15s %-15s %-15s %8zu %8zu %8zu\n", first, last,
			    inet_ntop(AF_INET, &m4, mask, sizeof(mask)), avail, held,
			    used);
		return;
	}
	ctl_printf(r->t, "IPv6 Pool %s\nBegin Address: %s\nEnd Address: %s\n"
		    "Prefix Length: %u\nPool Size: %zu\nNumber of used addresses: %zu\n"
		    "Number of held addresses: %zu\nNumber of available addresses: %zu\n",
		    pool_name(p), first, last, pool_prefix_len(p), n, used, held,
		    avail);
}

/* A pool cut into fleet slices (S16): which one this node leases from, and
 * the addresses sessions that moved to other nodes hold (not in Free). */
static void pool_fleet(struct request *r, const struct pool *p)
{
	unsigned slice, slices;

	pool_slice(p, &slice, &slices);
	if (slices < 2)
		return;
	if (r->json) {
		json_kv_uint(r->j, "slice", slice);
		json_kv_uint(r->j, "slices", slices);
		json_kv_uint(r->j, "slice_size", pool_slice_size(p));
		json_kv_uint(r->j, "held_elsewhere", pool_elsewhere(p));
		return;
	}
	ctl_printf(r->t, "Fleet: this node leases slice %u of %u (%zu addresses); "
		    "held elsewhere: %zu\n", slice, slices, pool_slice_size(p), pool_elsewhere(p));
}

static void show_one_pool(struct request *r, const struct pool *p, int named)
{
	struct pool_view pv = { .r = r, .p = p, .now = time(NULL),
				.window = (uint32_t)r->ctl->m->cfg->general.address_reuse_window };
	size_t held = pool_held(p, pv.now);

	if (r->json)
		json_obj_begin(r->j);
	/* The ASA shows one pool, named on the command line; listing them all,
	 * each IPv4 table needs its name (the IPv6 one starts with it). */
	if (!r->json && !named && pool_family(p) == 4)
		ctl_printf(r->t, "Pool %s\n", pool_name(p));
	pool_header(r, p, held);
	pool_fleet(r, p);
	for (pv.want_leased = 1; pv.want_leased >= 0; pv.want_leased--) {
		if (r->json) {
			json_key(r->j, pv.want_leased ? "in_use_addresses" : "held_addresses");
			json_arr_begin(r->j);
		} else if (pv.want_leased ? pool_in_use(p) : held) {
			ctl_printf(r->t, "\n%s Addresses:\n", pv.want_leased ? "In Use" : "Held");
		}
		pool_foreach(p, pool_line_cb, &pv);
		if (r->json)
			json_arr_end(r->j);
	}
	if (r->json)
		json_obj_end(r->j);
}

void ctl_view_pool(struct request *r, int family)
{
	struct mainctx *m = r->ctl->m;
	struct pool **v = family == 4 ? m->pools : m->pools6;
	size_t n = family == 4 ? m->cfg->n_pools : m->n_pools6, shown = 0;
	const char *name = r->argc == 5 ? r->argv[4] : NULL; /* show ip local pool NAME */

	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "pools");
		json_arr_begin(r->j);
	}
	for (size_t i = 0; v && i < n; i++) {
		if (!v[i] || (name && strcmp(pool_name(v[i]), name)))
			continue;
		if (shown++ && !r->json)
			ctl_printf(r->t, "\n");
		show_one_pool(r, v[i], name != NULL);
	}
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
	if (name && !shown)
		snprintf(r->err, sizeof(r->err), "%s local pool %.60s does not exist",
			 family == 4 ? "ip" : "ipv6", name);
}

/* ------------------------------------------------ metrics, version, ssl */

/* metrics: the Prometheus text exposition (metrics.c); with --json the
 * same text as one string. */
void ctl_view_metrics(struct request *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (r->argc != 1) {
		ctl_invalid(r, 1);
		return;
	}
	if (!(fp = open_memstream(&buf, &len))) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	rc = metrics_render(r->ctl->m, fp);
	fclose(fp);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "out of memory");
	else
		reply_rendered(r, "prometheus", buf, len);
	free(buf);
}

/* show version: ours, the OpenSSL we were built with and run with, the
 * uptime, the configuration in use. */
void ctl_view_version(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	time_t up = time(NULL) - metrics_start_time();
	char dur[48], host[256] = "sslvpnd";
	unsigned workers = 0;

	if (r->argc != 2) {
		ctl_invalid(r, 2);
		return;
	}
	for (size_t i = 0; i < MAIN_MAX_WORKERS; i++)
		workers += m->workers[i].pid > 0;
	gethostname(host, sizeof(host) - 1);
	util_duration(dur, sizeof(dur), up > 0 ? (uint64_t)up : 0);
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "version", PACKAGE_VERSION);
		json_kv_str(r->j, "openssl_built", OPENSSL_VERSION_TEXT);
		json_kv_str(r->j, "openssl_running", OpenSSL_version(OPENSSL_VERSION));
		json_kv_str(r->j, "hostname", host);
		json_kv_uint(r->j, "uptime_s", up > 0 ? (uint64_t)up : 0);
		json_kv_str(r->j, "config", m->cfg->source);
		json_kv_uint(r->j, "config_generation", m->snap->gen);
		json_kv_uint(r->j, "worker_generation", m->worker_gen);
		json_kv_uint(r->j, "workers", workers);
		json_obj_end(r->j);
		return;
	}
	ctl_printf(r->t, "\nsslvpnd Version %s\n", PACKAGE_VERSION);
	ctl_printf(r->t, "Compiled with %s, running %s\n\n", OPENSSL_VERSION_TEXT,
		    OpenSSL_version(OPENSSL_VERSION));
	ctl_printf(r->t, "%s up %s\n\n", host, dur);
	/* Two generations: the configuration's (+1 per reload) and that of
	 * the workers taking new connections (+1 only when a reload changed
	 * what workers load). */
	ctl_printf(r->t, "Configuration file: %s (generation %u)\n", m->cfg->source,
		    m->snap->gen);
	ctl_printf(r->t, "Worker processes  : %u\n", workers);
	ctl_printf(r->t, "Worker generation : %u\n", m->worker_gen);
}

/* The trustpoints an interface presents (none: the temporary one). */
static void ssl_trustpoints(struct request *r, const struct cfg_interface *ifc)
{
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "interface", ifc->name);
		json_key(r->j, "trustpoints");
		json_arr_begin(r->j);
		for (size_t k = 0; k < ifc->trustpoints.n; k++)
			json_str(r->j, ifc->trustpoints.v[k]);
		json_arr_end(r->j);
		json_obj_end(r->j);
		return;
	}
	ctl_printf(r->t, "  %s interface:", ifc->name);
	for (size_t k = 0; k < ifc->trustpoints.n; k++)
		ctl_printf(r->t, " %s", ifc->trustpoints.v[k]);
	if (!ifc->trustpoints.n)
		ctl_printf(r->t, " (temporary self-signed certificate)");
	ctl_printf(r->t, "\n");
}

/* show ssl: versions, the cipher list of each version (effective: the
 * configured one or the default), the trustpoint of each interface. */
void ctl_view_ssl(struct request *r)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;

	if (r->argc != 2) {
		ctl_invalid(r, 2);
		return;
	}
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "server_version", cfg->ssl.server_version);
		json_kv_str(r->j, "max_version", "tlsv1.3");
		json_key(r->j, "ciphers");
		json_obj_begin(r->j);
		for (int v = 0; v < CFG_SSLVER__COUNT; v++)
			json_kv_str(r->j, ssl_versions[v], cfg->ssl.cipher[v]);
		json_obj_end(r->j);
		json_key(r->j, "interfaces");
		json_arr_begin(r->j);
	} else {
		ctl_printf(r->t, "Accept connections using %s or greater, negotiate up to "
			    "tlsv1.3\n\nCurrent cipher configuration:\n", cfg->ssl.server_version);
		for (int v = 0; v < CFG_SSLVER__COUNT; v++) {
			char list[CFG_CIPHERS_MAX];

			util_strlcpy(list, cfg->ssl.cipher[v], sizeof(list));
			ctl_printf(r->t, "%s:\n", ssl_versions[v]);
			for (char *save, *c = strtok_r(list, ":", &save); c;
			     c = strtok_r(NULL, ":", &save))
				ctl_printf(r->t, "  %s\n", c);
		}
		ctl_printf(r->t, "\nSSL trust-points:\n");
	}
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		ssl_trustpoints(r, &cfg->interfaces[i]);
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
}

/* The current levels: "debug <class> enabled at level N" for each class on
 * (show debug, and the answer of every debug command). */
void ctl_view_debug(struct request *r)
{
	int any = 0;

	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "global", log_get_debug());
		json_key(r->j, "classes");
		json_obj_begin(r->j);
	}
	for (int c = 0; c < LOGC__COUNT; c++) {
		int lv = log_class_get((enum log_class)c);

		if (r->json)
			json_kv_int(r->j, log_class_name((enum log_class)c), lv);
		else if (lv)
			ctl_printf(r->t, "debug %s enabled at level %d\n",
				    log_class_name((enum log_class)c), lv);
		any |= lv;
	}
	if (r->json) {
		json_obj_end(r->j);
		json_obj_end(r->j);
		return;
	}
	if (log_get_debug())
		ctl_printf(r->t, "logging debug level %d (all classes)\n", log_get_debug());
	else if (!any)
		ctl_printf(r->t, "No debug classes are enabled\n");
}


/* ------------------------------------------------ show ip bans */

struct bans_view {
	struct request *r;
	int n;
};

static void ban_line_cb(const struct mban_view *v, void *arg)
{
	struct bans_view *bv = arg;
	struct request *r = bv->r;
	char left[48];

	if (!bv->n++ && !r->json)
		ctl_printf(r->t, "%-40s %6s  %-12s %-14s %s\n", "Source Address", "Score",
			   "Last Cause", "Remaining", "Refused");
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "address", v->addr);
		json_kv_int(r->j, "score", v->score);
		json_kv_str(r->j, "cause", v->cause);
		json_kv_int(r->j, "remaining", (long long)v->remaining);
		json_kv_int(r->j, "refused", (long long)v->refused);
		json_obj_end(r->j);
		return;
	}
	util_duration(left, sizeof(left), v->remaining);
	ctl_printf(r->t, "%-40s %6u  %-12s %-14s %llu\n", v->addr, v->score, v->cause, left,
		   (unsigned long long)v->refused);
}

/* show ip bans: every source address banned now (mban.c). */
void ctl_view_bans(struct request *r)
{
	struct bans_view bv = { .r = r };

	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "bans");
		json_arr_begin(r->j);
	}
	mban_foreach(ban_line_cb, &bv);
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	} else {
		ctl_printf(r->t, "%sTotal bans: %d\n", bv.n ? "\n" : "", bv.n);
	}
}
