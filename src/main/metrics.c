/* Prometheus metrics of the main process: the text exposition format
 * (version 0.0.4) served by the control socket (`sslvpnctl metrics`).
 *
 * Gauges are read from main's tables at scrape time: sessions by tunnel
 * group, protocol and DTLS state (sessions_foreach), address pools
 * (pool.h), workers.  Counters that must survive the objects they count
 * (ended tunnels' bytes, authentication results, worker restarts, DAP
 * terminations) are kept here.  Traffic counters are "ended tunnels +
 * tunnels up now", so they only grow while tunnels come and go. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "fleet.h"
#include "main.h"
#include "mban.h"
#include "metrics.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/util.h"

struct label_count {
	char value[32];
	uint64_t n;
};

struct counter {
	size_t n;                                   /* labels in use */
	struct label_count v[METRICS_MAX_LABELS + 1]; /* + "other" */
};

/* Traffic of tunnels: bytes/packets both ways, the DTLS share, drops. */
struct traffic {
	uint64_t bytes_in, bytes_out, pkts_in, pkts_out;
	uint64_t dtls_bytes_in, dtls_bytes_out, dtls_pkts_in, dtls_pkts_out;
	uint64_t drops, dtls_bad, filter_in, filter_out;
};

static struct {
	struct counter c[MET__COUNT];
	struct traffic ended;
	time_t started;
} mt;

void metrics_init(void)
{
	mt.started = time(NULL);
}

time_t metrics_start_time(void)
{
	return mt.started;
}

void metrics_count(enum metrics_counter c, const char *label)
{
	struct counter *k = &mt.c[c];
	size_t i;

	if (!label)
		label = "";
	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i].value, label) == 0)
			break;
	if (i == k->n) {
		if (k->n == METRICS_MAX_LABELS) {
			i = METRICS_MAX_LABELS;
			util_strlcpy(k->v[i].value, "other", sizeof(k->v[i].value));
		} else {
			util_strlcpy(k->v[i].value, label, sizeof(k->v[i].value));
			k->n++;
		}
	}
	k->v[i].n++;
}

/* Reasons an administrator acts on differently; the full text is in the
 * 716039 line. */
const char *metrics_auth_reason(const char *why)
{
	static const struct {
		const char *prefix, *label;
	} map[] = {
		{ "User was not found", "password" },
		{ "Invalid password", "password" },
		{ "Too many password attempts", "password" },
		{ "Internal error", "internal" },
		{ "out of memory", "internal" },
		{ "unknown group", "unknown-group" },
		{ "tunnel group requires a valid client certificate", "certificate" },
		{ "client certificate", "certificate" },
		{ "tunnel group requires a username", "password" },
	};
	static const char *const attrs[] = {
		"vpn-tunnel-protocol", "group-lock", "vpn-access-hours",
		"vpn-simultaneous-logins", "DAP",
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strncmp(why, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].label;
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (strstr(why, attrs[i]))
			return attrs[i];
	return "other";
}

void metrics_tunnel_closed(const struct ipc_tunnel_closed *c)
{
	struct traffic *t = &mt.ended;

	t->bytes_in += c->bytes_in;
	t->bytes_out += c->bytes_out;
	t->pkts_in += c->pkts_in;
	t->pkts_out += c->pkts_out;
	t->dtls_bytes_in += c->dtls_bytes_in;
	t->dtls_bytes_out += c->dtls_bytes_out;
	t->dtls_pkts_in += c->dtls_pkts_in;
	t->dtls_pkts_out += c->dtls_pkts_out;
	t->drops += c->drops;
	t->dtls_bad += c->dtls_bad;
	t->filter_in += c->filter_drops_in;
	t->filter_out += c->filter_drops_out;
}

static void traffic_add_stats(struct traffic *t, const struct ipc_tunnel_stats *st)
{
	t->bytes_in += st->bytes_in;
	t->bytes_out += st->bytes_out;
	t->pkts_in += st->pkts_in;
	t->pkts_out += st->pkts_out;
	t->dtls_bytes_in += st->dtls_bytes_in;
	t->dtls_bytes_out += st->dtls_bytes_out;
	t->dtls_pkts_in += st->dtls_pkts_in;
	t->dtls_pkts_out += st->dtls_pkts_out;
	t->drops += st->drops;
	t->dtls_bad += st->dtls_bad;
	t->filter_in += st->filter_drops_in;
	t->filter_out += st->filter_drops_out;
}

void metrics_tunnel_lost(const struct ipc_tunnel_stats *st)
{
	traffic_add_stats(&mt.ended, st);
}

/* ------------------------------------------------------------ rendering */

/* Label values: backslash, double quote and newline escaped (the format's
 * only escapes); tunnel group names come from the configuration. */
static void label_value(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '"')
			fputs("\\\"", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *fp, const char *name, unsigned long long v)
{
	fprintf(fp, "%s %llu\n", name, v);
}

static void sample1(FILE *fp, const char *name, const char *label, const char *value,
		    unsigned long long v)
{
	fprintf(fp, "%s{%s=\"", name, label);
	label_value(fp, value);
	fprintf(fp, "\"} %llu\n", v);
}

/* Sessions grouped by (tunnel group, protocol, DTLS state). */
struct sess_group {
	char tunnel_group[CFG_NAME_MAX];
	const char *protocol, *dtls;
	unsigned long n;
};

struct sess_scan {
	struct sess_group *g;
	size_t n, cap;
	int oom;
	struct traffic live;
	unsigned long active, inactive;
};

static const char *view_protocol(const struct session_view *v)
{
	if (v->dtls_up)
		return "DTLS-Tunnel";
	return v->tunnel_up ? "SSL-Tunnel" : "AnyConnect-Parent";
}

static const char *view_dtls(const struct session_view *v)
{
	switch (v->dtls_state) {
	case IPC_DTLS_OFFERED: return "offered";
	case IPC_DTLS_UP: return "up";
	case IPC_DTLS_FALLBACK: return "fallback";
	case IPC_DTLS_FAILED: return "failed";
	default: return "none";
	}
}

static void scan_cb(const struct session_view *v, void *arg)
{
	struct sess_scan *sc = arg;
	const char *proto = view_protocol(v), *dtls = view_dtls(v);
	size_t i;

	if (v->live)
		traffic_add_stats(&sc->live, v->live);
	if (v->tunnel_up)
		sc->active++;
	else
		sc->inactive++;
	for (i = 0; i < sc->n; i++)
		if (sc->g[i].protocol == proto && sc->g[i].dtls == dtls &&
		    strcmp(sc->g[i].tunnel_group, v->tunnel_group) == 0)
			break;
	if (i == sc->n) {
		if (sc->n == sc->cap) {
			size_t cap = sc->cap ? sc->cap * 2 : 16;
			struct sess_group *g = realloc(sc->g, cap * sizeof(*g));

			if (!g) {
				sc->oom = 1;
				return;
			}
			sc->g = g;
			sc->cap = cap;
		}
		util_strlcpy(sc->g[i].tunnel_group, v->tunnel_group, CFG_NAME_MAX);
		sc->g[i].protocol = proto;
		sc->g[i].dtls = dtls;
		sc->g[i].n = 0;
		sc->n++;
	}
	sc->g[i].n++;
}

static void render_sessions(struct mainctx *m, FILE *fp, const struct sess_scan *sc)
{
	family(fp, "sslvpnd_sessions", "gauge",
	       "Sessions by tunnel group, protocol (the ASA's innermost tunnel: "
	       "AnyConnect-Parent without a tunnel, SSL-Tunnel, DTLS-Tunnel) and DTLS state.");
	for (size_t i = 0; i < sc->n; i++) {
		fputs("sslvpnd_sessions{tunnel_group=\"", fp);
		label_value(fp, sc->g[i].tunnel_group);
		fprintf(fp, "\",protocol=\"%s\",dtls_state=\"%s\"} %lu\n", sc->g[i].protocol,
			sc->g[i].dtls, sc->g[i].n);
	}
	family(fp, "sslvpnd_sessions_active", "gauge",
	       "Sessions with a tunnel up (show vpn-sessiondb summary: Active).");
	sample(fp, "sslvpnd_sessions_active", sc->active);
	family(fp, "sslvpnd_sessions_inactive", "gauge",
	       "Sessions waiting for their client to reconnect (Inactive).");
	sample(fp, "sslvpnd_sessions_inactive", sc->inactive);
	family(fp, "sslvpnd_sessions_peak", "gauge", "Most sessions at once since start.");
	sample(fp, "sslvpnd_sessions_peak", m->peak_sessions);
	family(fp, "sslvpnd_sessions_created_total", "counter",
	       "Sessions created since start (Cumulative).");
	sample(fp, "sslvpnd_sessions_created_total", m->next_session_id - m->n_discarded);
}

static void two_way(FILE *fp, const char *name, const char *type, const char *help,
		    uint64_t in, uint64_t out)
{
	family(fp, name, type, help);
	sample1(fp, name, "direction", "in", in);
	sample1(fp, name, "direction", "out", out);
}

static void render_traffic(struct mainctx *m, FILE *fp, const struct traffic *live)
{
	struct traffic t = mt.ended;
	const struct traffic *l = live;

	t.bytes_in += l->bytes_in, t.bytes_out += l->bytes_out;
	t.pkts_in += l->pkts_in, t.pkts_out += l->pkts_out;
	t.dtls_bytes_in += l->dtls_bytes_in, t.dtls_bytes_out += l->dtls_bytes_out;
	t.dtls_pkts_in += l->dtls_pkts_in, t.dtls_pkts_out += l->dtls_pkts_out;
	t.drops += l->drops, t.dtls_bad += l->dtls_bad;
	t.filter_in += l->filter_in, t.filter_out += l->filter_out;
	two_way(fp, "sslvpnd_tunnel_bytes_total", "counter",
		"Bytes through tunnels (in = from clients), TLS and DTLS together; "
		"live tunnels as of their last report.", t.bytes_in, t.bytes_out);
	two_way(fp, "sslvpnd_tunnel_packets_total", "counter",
		"Packets through tunnels (in = from clients), TLS and DTLS together.",
		t.pkts_in, t.pkts_out);
	two_way(fp, "sslvpnd_dtls_bytes_total", "counter", "The DTLS share of the tunnel bytes.",
		t.dtls_bytes_in, t.dtls_bytes_out);
	two_way(fp, "sslvpnd_dtls_packets_total", "counter",
		"The DTLS share of the tunnel packets.", t.dtls_pkts_in, t.dtls_pkts_out);
	family(fp, "sslvpnd_drops_total", "counter",
	       "Packets and datagrams dropped, by cause.");
	sample1(fp, "sslvpnd_drops_total", "cause", "tunnel", t.drops);
	sample1(fp, "sslvpnd_drops_total", "cause", "dtls-bad-record", t.dtls_bad);
	sample1(fp, "sslvpnd_drops_total", "cause", "vpn-filter-in", t.filter_in);
	sample1(fp, "sslvpnd_drops_total", "cause", "vpn-filter-out", t.filter_out);
	sample1(fp, "sslvpnd_drops_total", "cause", "dtls-unknown-session", m->udp_unknown);
	sample1(fp, "sslvpnd_drops_total", "cause", "dtls-hello-error", m->udp_errors);
	sample1(fp, "sslvpnd_drops_total", "cause", "dtls-hello-rate-limit", m->udp_limited);
	sample1(fp, "sslvpnd_drops_total", "cause", "banned-tcp", mban_refused_total(MBAN_TCP));
	sample1(fp, "sslvpnd_drops_total", "cause", "banned-dtls-hello",
		mban_refused_total(MBAN_DTLS));
}

static void render_counter(FILE *fp, enum metrics_counter c, const char *name,
			   const char *label, const char *help)
{
	const struct counter *k = &mt.c[c];

	family(fp, name, "counter", help);
	if (!label) {
		sample(fp, name, k->n ? k->v[0].n : 0);
		return;
	}
	for (size_t i = 0; i <= METRICS_MAX_LABELS; i++)
		if (i < k->n || (i == METRICS_MAX_LABELS && k->v[i].n))
			sample1(fp, name, label, k->v[i].value, k->v[i].n);
}

static void render_events(struct mainctx *m, FILE *fp)
{
	family(fp, "sslvpnd_connections_total", "counter",
	       "TCP connections accepted and handed to a worker for the TLS handshake.");
	sample(fp, "sslvpnd_connections_total", m->next_conn_id);
	family(fp, "sslvpnd_dtls_hellos_total", "counter",
	       "DTLS ClientHellos matched to a session and handed to its worker.");
	sample(fp, "sslvpnd_dtls_hellos_total", m->udp_handed);
	render_counter(fp, MET_TLS_HANDSHAKE, "sslvpnd_tls_handshakes_total", "result",
		       "TLS handshakes of ended connections: completed, resumed (a session "
		       "ticket, no signature: 100114), or failed (refused, timed out, closed "
		       "by the client).");
	render_counter(fp, MET_PREAUTH_REFUSED, "sslvpnd_preauth_refused_total", "limit",
		       "Connections refused at accept by max-preauth-per-source (source) "
		       "or max-preauth-total (total), event 100322.");
	family(fp, "sslvpnd_preauth_connections", "gauge",
	       "Connections handed to a worker and not yet in a tunnel.");
	sample(fp, "sslvpnd_preauth_connections", preauth_count());
	render_counter(fp, MET_AUTH_SUCCESS, "sslvpnd_auth_success_total", NULL,
		       "Successful authentications (716038).");
	render_counter(fp, MET_AUTH_FAILURE, "sslvpnd_auth_failures_total", "reason",
		       "Refused logins (716039) by reason.");
	render_counter(fp, MET_DAP_TERMINATED, "sslvpnd_dap_terminations_total", NULL,
		       "Logins refused by a DAP record with action terminate (734002).");
	render_counter(fp, MET_WORKER_RESTART, "sslvpnd_worker_restarts_total", NULL,
		       "Worker processes that died and were restarted.");
}

static void render_pool_list(FILE *fp, const char *name, struct pool *const *pools, size_t n,
			     int in_use)
{
	for (size_t i = 0; i < n; i++)
		if (pools[i])
			sample1(fp, name, "pool", pool_name(pools[i]),
				in_use ? pool_in_use(pools[i]) : pool_size(pools[i]));
}

static void render_pools(struct mainctx *m, FILE *fp)
{
	family(fp, "sslvpnd_pool_addresses", "gauge",
	       "Addresses of each ip local pool (IPv4 and IPv6).");
	render_pool_list(fp, "sslvpnd_pool_addresses", m->pools, m->cfg->n_pools, 0);
	render_pool_list(fp, "sslvpnd_pool_addresses", m->pools6, m->n_pools6, 0);
	family(fp, "sslvpnd_pool_addresses_in_use", "gauge", "Addresses leased to sessions.");
	render_pool_list(fp, "sslvpnd_pool_addresses_in_use", m->pools, m->cfg->n_pools, 1);
	render_pool_list(fp, "sslvpnd_pool_addresses_in_use", m->pools6, m->n_pools6, 1);
}

static void render_process(struct mainctx *m, FILE *fp)
{
	unsigned long running = 0, conns = 0;

	for (size_t i = 0; i < MAIN_MAX_WORKERS; i++)
		if (m->workers[i].pid > 0) {
			running++;
			conns += m->workers[i].conns;
		}
	family(fp, "sslvpnd_info", "gauge", "Version of sslvpnd and of the OpenSSL library.");
	fprintf(fp, "sslvpnd_info{version=\"%s\",openssl=\"", PACKAGE_VERSION);
	label_value(fp, OpenSSL_version(OPENSSL_VERSION));
	fputs("\"} 1\n", fp);
	family(fp, "sslvpnd_start_time_seconds", "gauge", "When main started (Unix time).");
	sample(fp, "sslvpnd_start_time_seconds", (unsigned long long)mt.started);
	family(fp, "sslvpnd_workers", "gauge", "Worker processes running.");
	sample(fp, "sslvpnd_workers", running);
	family(fp, "sslvpnd_worker_connections", "gauge",
	       "Open TCP connections held by the workers.");
	sample(fp, "sslvpnd_worker_connections", conns);
}

/* The fleet (S16): every sample gets node="<fleet.node>" first, so the
 * scrapes of several nodes merge in Prometheus without a relabel rule.
 * Done on the rendered text (one rule for every family, present and
 * future): "name value" -> "name{node="n"} value", "name{..." ->
 * "name{node="n",...". */
static int add_node_label(FILE *fp, const char *text, size_t len, const char *node)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		size_t name = strcspn(p, "{ \n");

		if (*p == '#' || name >= n || (p[name] != '{' && p[name] != ' ')) {
			fwrite(p, 1, n, fp);
		} else {
			fwrite(p, 1, name, fp);
			fputs("{node=\"", fp);
			label_value(fp, node);
			if (p[name] == '{')
				fputs(p[name + 1] == '}' ? "\"" : "\",", fp);
			else
				fputs("\"}", fp);
			fwrite(p + name + (p[name] == '{'), 1, n - name - (p[name] == '{'), fp);
		}
		p += n;
	}
	return ferror(fp) ? -1 : 0;
}

static int render_all(struct mainctx *m, FILE *fp);

int metrics_render(struct mainctx *m, FILE *fp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	if (!fleet_enabled(m))
		return render_all(m, fp);
	if (!(mem = open_memstream(&buf, &len)))
		return -1;
	rc = render_all(m, mem);
	if (fclose(mem) != 0)
		rc = -1;
	if (rc == 0)
		rc = add_node_label(fp, buf, len, fleet_node(m));
	free(buf);
	return rc;
}

static int render_all(struct mainctx *m, FILE *fp)
{
	struct sess_scan sc = { 0 };

	if (sessions_foreach(m, scan_cb, &sc) < 0 || sc.oom) {
		free(sc.g);
		return -1;
	}
	render_process(m, fp);
	render_sessions(m, fp, &sc);
	render_traffic(m, fp, &sc.live);
	render_events(m, fp);
	render_pools(m, fp);
	free(sc.g);
	return ferror(fp) ? -1 : 0;
}
