/* The control socket's session views, laid out as the ASA's: show
 * vpn-sessiondb [detail] anyconnect [filter ...] (seeds 000 and 004),
 * summary and license-summary; each as ASA text or as one JSON document.
 * Read-only: a view changes no state. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "sessions.h"
#include "main.h"
#include "sslvpnd/json.h"
#include "sslvpnd/util.h"

/* ------------------------------------------------------------ the listing */

/* ASA names of a cipher suite's bulk cipher and MAC, from the OpenSSL name
 * (TLS 1.2 "ECDHE-RSA-AES256-GCM-SHA384", TLS 1.3 "TLS_AES_256_GCM_SHA384",
 * DTLS 0.9 "AES256-SHA"). */
static void asa_cipher(const char *suite, const char **enc, const char **hash)
{
	char n[64];
	size_t i;

	util_strlcpy(n, suite ? suite : "", sizeof(n));
	for (i = 0; n[i]; i++)
		if (n[i] == '_')
			n[i] = '-';
	*enc = "unknown";
	*hash = "unknown";
	if (!n[0]) {
		*enc = *hash = "none";
		return;
	}
	if (strstr(n, "AES256-GCM") || strstr(n, "AES-256-GCM"))
		*enc = "AES-GCM-256";
	else if (strstr(n, "AES128-GCM") || strstr(n, "AES-128-GCM"))
		*enc = "AES-GCM-128";
	else if (strstr(n, "CHACHA20"))
		*enc = "CHACHA20-POLY1305";
	else if (strstr(n, "AES256"))
		*enc = "AES256";
	else if (strstr(n, "AES128"))
		*enc = "AES128";
	else if (strstr(n, "DES-CBC3") || strstr(n, "3DES"))
		*enc = "3DES";
	size_t len = strlen(n);

	if (len >= 6 && strcmp(n + len - 6, "SHA384") == 0)
		*hash = "SHA384";
	else if (len >= 6 && strcmp(n + len - 6, "SHA256") == 0)
		*hash = "SHA256";
	else if (len >= 4 && strcmp(n + len - 4, "-SHA") == 0)
		*hash = "SHA1";
}

/* F_IP (our "filter ip") matches any of the session's addresses; the ASA's
 * a-ipaddress the assigned ones, p-ipaddress the public one. */
enum filter_kind { F_NONE, F_NAME, F_IP, F_ASSIGNED, F_PUBLIC, F_TUNNEL_GROUP };

struct listing {
	struct ctl *ctl;
	enum filter_kind fk;
	const char *fv;
	int json;
	int detail;               /* show vpn-sessiondb detail anyconnect */
	struct text *t;
	struct json *j;
	int shown;
};

static const char *fmt_ip(uint32_t host, char *buf, size_t len)
{
	struct in_addr in = { htonl(host) };

	if (!host)
		return util_strlcpy(buf, "0.0.0.0", len), buf;
	inet_ntop(AF_INET, &in, buf, (socklen_t)len);
	return buf;
}

static int assigned_is(const struct session_view *v, const char *want)
{
	char ip[INET6_ADDRSTRLEN];

	return strcmp(fmt_ip(v->addr, ip, sizeof(ip)), want) == 0 ||
	       (v->addr6 && !strcmp(inet_ntop(AF_INET6, v->addr6, ip, sizeof(ip)), want));
}

static int filter_ok(const struct listing *l, const struct session_view *v)
{
	switch (l->fk) {
	case F_NONE: return 1;
	case F_NAME: return strcmp(v->user, l->fv) == 0;
	case F_TUNNEL_GROUP: return strcmp(v->tunnel_group, l->fv) == 0;
	case F_ASSIGNED: return assigned_is(v, l->fv);
	case F_PUBLIC: return strcmp(v->public_ip, l->fv) == 0;
	case F_IP: return assigned_is(v, l->fv) || strcmp(v->public_ip, l->fv) == 0;
	}
	return 0;
}

/* The filters after "filter": the grammar's word -> what it matches. */
static const struct {
	int node;
	enum filter_kind fk;
} filter_kws[] = {
	{ CTLG_SHOW_VPNS_AC_F_IP, F_IP },              { CTLG_SHOW_VPNS_AC_F_NAME, F_NAME },
	{ CTLG_SHOW_VPNS_AC_F_AIP, F_ASSIGNED },       { CTLG_SHOW_VPNS_AC_F_IPADDR, F_ASSIGNED },
	{ CTLG_SHOW_VPNS_AC_F_PIP, F_PUBLIC },         { CTLG_SHOW_VPNS_AC_F_TG, F_TUNNEL_GROUP },
};

static enum filter_kind filter_kind_of(int node)
{
	for (size_t i = 0; i < ARRAY_SIZE(filter_kws); i++)
		if (filter_kws[i].node == node)
			return filter_kws[i].fk;
	return F_NONE;
}

/* ASA: <ASA address><index * 0x1000><login time>, 24 hex digits. */
static void audit_id_of(uint32_t prefix, uint32_t index, time_t login, char out[25])
{
	snprintf(out, 25, "%08x%08x%08x", prefix, (index * 0x1000u), (uint32_t)login);
}

static void audit_id(const struct ctl *c, const struct session_view *v, char out[25])
{
	audit_id_of(c->audit_prefix, v->index, v->login_time, out);
}

/* The same for accounting (Acct-Session-Id = the Audt Sess ID). */
void sessions_audit_id(const struct mainctx *m, const struct session *s, char out[25])
{
	audit_id_of(m->ctl ? m->ctl->audit_prefix : 0, s->id, s->login_time, out);
}

struct tunnels {
	const char *enc[3], *hash[3];
	int n;
};

static void tunnels_of(const struct session_view *v, struct tunnels *tn)
{
	tn->n = 1 + v->tunnel_up + v->dtls_up;
	tn->enc[0] = tn->hash[0] = "none";
	asa_cipher(v->tls_cipher, &tn->enc[1], &tn->hash[1]);
	asa_cipher(v->dtls_cipher, &tn->enc[2], &tn->hash[2]);
}

/* Words for the session's state (session_view_state): the text line of a
 * session without a tunnel, and the JSON "state". */
static const char *const state_text[] = {
	[SESSION_WAITING] = "Waiting for tunnel (authenticated, no CONNECT yet)",
	[SESSION_ACTIVE] = "Active",
	[SESSION_INACTIVE] = "Inactive (tunnel lost, the client may resume)",
};
static const char *const state_json[] = {
	[SESSION_WAITING] = "waiting-for-tunnel",
	[SESSION_ACTIVE] = "active",
	[SESSION_INACTIVE] = "inactive",
};

static const char *const tunnel_names[3] = { "AnyConnect-Parent", "SSL-Tunnel", "DTLS-Tunnel" };

/* ------------------------------------------------ the detailed listing */

struct os_word {
	const char *word, *os;
};

static const char *os_lookup(const char *s, const struct os_word *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(s, map[i].word))
			return map[i].os;
	return NULL;
}

/* Client OS as the ASA names platforms: from the User-Agent (AnyConnect
 * says "... for Windows 4.8.03036", phones "Cisco SVC IPPhone Client"),
 * else from the login's <device-id>, where openconnect, whose User-Agent
 * names no platform, sends "linux-64", "win", "mac-intel", ... */
static const char *client_os(const struct session_view *v)
{
	static const struct os_word by_ua[] = {
		{ "IPPhone", "Cisco IP Phone" }, { "Windows", "Windows" },
		{ "Mac OS", "Mac OS X" },        { "macOS", "Mac OS X" },
		{ "Darwin", "Mac OS X" },        { "Android", "Android" },
		{ "iPhone", "Apple iOS" },       { "iOS", "Apple iOS" },
		{ "Linux", "Linux" },            { "linux", "Linux" },
	};
	static const struct os_word by_device[] = {
		{ "linux", "Linux" },     { "win", "Windows" },       { "mac", "Mac OS X" },
		{ "android", "Android" }, { "apple-ios", "Apple iOS" },
	};
	const char *os = os_lookup(v->user_agent, by_ua, ARRAY_SIZE(by_ua));

	if (!os && v->device_id)
		os = os_lookup(v->device_id, by_device, ARRAY_SIZE(by_device));
	return os ? os : "unknown";
}

#define LICENSE_PHONE "AnyConnect Premium, AnyConnect for Cisco VPN Phone"

/* The License line: phones count against the ASA's VPN phone license. */
static const char *license(const struct session_view *v)
{
	return strcmp(client_os(v), "Cisco IP Phone") == 0 ? LICENSE_PHONE : "AnyConnect Premium";
}

/* The ASA writes TLS 1.0 as TLSv1.0; OpenSSL says TLSv1. */
static const char *asa_tls_version(const char *v)
{
	return strcmp(v, "TLSv1") == 0 ? "TLSv1.0" : v;
}

/* Per-tunnel counters: the SSL tunnel is the total minus the DTLS share.
 * Drops: Rx are packets from the client the tunnel dropped (malformed,
 * refused by the vpn-filter; the worker's other drops, such as a full
 * socket, are counted here too as it does not tell their direction), Tx
 * packets towards the client the vpn-filter refused; on the DTLS tunnel
 * Rx are the refused DTLS records. */
struct tunnel_counts {
	uint64_t bytes_tx, bytes_rx, pkts_tx, pkts_rx, drop_tx, drop_rx;
};

static void tunnel_counts(const struct session_view *v, int tunnel, struct tunnel_counts *c)
{
	const struct ipc_tunnel_stats *s = v->live;

	memset(c, 0, sizeof(*c));
	if (!s || tunnel == 0)
		return;
	if (tunnel == 2) {
		*c = (struct tunnel_counts){ s->dtls_bytes_out, s->dtls_bytes_in,
					     s->dtls_pkts_out, s->dtls_pkts_in, 0, s->dtls_bad };
		return;
	}
	*c = (struct tunnel_counts){ s->bytes_out - s->dtls_bytes_out,
				     s->bytes_in - s->dtls_bytes_in,
				     s->pkts_out - s->dtls_pkts_out,
				     s->pkts_in - s->dtls_pkts_in, s->filter_drops_out,
				     s->drops + s->filter_drops_in };
}

static void text_pkts(struct text *t, const char *ind, uint64_t tx, uint64_t rx,
		      uint64_t drop_tx, uint64_t drop_rx)
{
	ctl_printf(t, "%s%-13s: %-22llu %-13s: %llu\n", ind, "Pkts Tx", (unsigned long long)tx,
		    "Pkts Rx", (unsigned long long)rx);
	ctl_printf(t, "%s%-13s: %-22llu %-13s: %llu\n", ind, "Pkts Tx Drop",
		    (unsigned long long)drop_tx, "Pkts Rx Drop", (unsigned long long)drop_rx);
}

static void text_idle(struct text *t, const struct session_view *v)
{
	char to[32], left[32];

	if (!v->idle_timeout_s) {
		ctl_printf(t, "  %-13s: %-22s %-13s: %s\n", "Idle Time Out", "none",
			    "Idle TO Left", "none");
		return;
	}
	uint64_t left_s = v->idle_s >= v->idle_timeout_s ? 0 : v->idle_timeout_s - v->idle_s;

	snprintf(to, sizeof(to), "%u Minutes", v->idle_timeout_s / 60);
	snprintf(left, sizeof(left), "%llu Minutes", (unsigned long long)(left_s / 60));
	ctl_printf(t, "  %-13s: %-22s %-13s: %s\n", "Idle Time Out", to, "Idle TO Left", left);
}

/* The ASA's Encapsulation of a DTLS tunnel: Cisco's pre-standard DTLS 0.9
 * shows as DTLSv1.0, PSK-NEGOTIATE is DTLS 1.2 with a PSK. */
static const char *asa_encapsulation(const char *dtls_mode)
{
	if (strcmp(dtls_mode, "DTLSv0.9") == 0)
		return "DTLSv1.0";
	if (strcmp(dtls_mode, "PSK-NEGOTIATE") == 0)
		return "DTLSv1.2";
	return dtls_mode;
}

/* One tunnel block of the ASA's detailed listing (seed 004 layout). */
static void text_tunnel(struct listing *l, const struct session_view *v,
			const struct tunnels *tn, int i)
{
	static const char *const types[3] = { "AnyConnect", "SSL VPN Client", "DTLS VPN Client" };
	struct text *t = l->t;
	struct tunnel_counts c;
	char ip[INET6_ADDRSTRLEN];
	const char *proto = i == 2 ? "UDP" : "TCP";
	unsigned src = i == 2 ? v->udp_src_port : v->tcp_src_port;
	unsigned dst = i == 2 ? v->udp_dst_port : v->tcp_dst_port;

	ctl_printf(t, "%s:\n  %-13s: %u.%d\n", tunnel_names[i], "Tunnel ID", v->index, i + 1);
	const char *encap = i == 2 ? asa_encapsulation(v->dtls_mode) : asa_tls_version(v->tls_version);

	if (i == 0)
		ctl_printf(t, "  %-13s: %s\n", "Public IP", v->public_ip);
	else
		ctl_printf(t, "  %-13s: %-22s %-13s: %s\n", "Assigned IP",
			    fmt_ip(v->addr, ip, sizeof(ip)), "Public IP", v->public_ip);
	if (i > 0 && v->addr6)
		ctl_printf(t, "  %-13s: %s\n", "Assigned IPv6",
			    inet_ntop(AF_INET6, v->addr6, ip, sizeof(ip)));
	ctl_printf(t, "  %-13s: %-22s %-13s: %s\n", "Encryption", tn->enc[i], "Hashing",
		    tn->hash[i]);
	if (i > 0)
		ctl_printf(t, "  %-13s: %s\n  %-13s: %-22s %s Src Port : %u\n"
			       "  %s Dst Port : %-22u %-13s: %s\n",
			    "Ciphersuite", i == 2 ? v->dtls_cipher : v->tls_cipher, "Encapsulation",
			    encap, proto, src, proto, dst,
			    "Auth Mode", v->auth_mode);
	else
		ctl_printf(t, "  %s Src Port : %-22u %s Dst Port : %u\n  %-13s: %s\n", proto, src,
			    proto, dst, "Auth Mode", v->auth_mode);
	text_idle(t, v);
	ctl_printf(t, "  %-13s: %s\n  %-13s: %s\n  %-13s: %s\n", "Client OS",
		    client_os(v), "Client Type", types[i], "Client Ver", v->user_agent);
	tunnel_counts(v, i, &c);
	ctl_printf(t, "  %-13s: %-22llu %-13s: %llu\n", "Bytes Tx", (unsigned long long)c.bytes_tx,
		    "Bytes Rx", (unsigned long long)c.bytes_rx);
	text_pkts(t, "  ", c.pkts_tx, c.pkts_rx, c.drop_tx, c.drop_rx);
	ctl_printf(t, "\n");
}

static void text_tunnels(struct listing *l, const struct session_view *v,
			 const struct tunnels *tn)
{
	for (int i = 0; i < tn->n; i++)
		ctl_printf(l->t, "%s Tunnels: 1\n", tunnel_names[i]);
	ctl_printf(l->t, "\n");
	for (int i = 0; i < tn->n; i++)
		text_tunnel(l, v, tn, i);
}

static void json_tunnels(struct listing *l, const struct session_view *v,
			 const struct tunnels *tn)
{
	struct json *j = l->j;
	struct tunnel_counts c;
	char id[24];

	json_key(j, "tunnels");
	json_arr_begin(j);
	for (int i = 0; i < tn->n; i++) {
		snprintf(id, sizeof(id), "%u.%d", v->index, i + 1);
		tunnel_counts(v, i, &c);
		json_obj_begin(j);
		json_kv_str(j, "type", tunnel_names[i]);
		json_kv_str(j, "tunnel_id", id);
		json_kv_str(j, "encryption", tn->enc[i]);
		json_kv_str(j, "hashing", tn->hash[i]);
		json_kv_str(j, "ciphersuite", i == 0 ? "" : i == 2 ? v->dtls_cipher : v->tls_cipher);
		json_kv_str(j, "encapsulation",
			    i == 0 ? "" : i == 2 ? asa_encapsulation(v->dtls_mode) : v->tls_version);
		json_kv_str(j, "transport", i == 2 ? "udp" : "tcp");
		json_kv_uint(j, "src_port", i == 2 ? v->udp_src_port : v->tcp_src_port);
		json_kv_uint(j, "dst_port", i == 2 ? v->udp_dst_port : v->tcp_dst_port);
		json_kv_uint(j, "bytes_tx", c.bytes_tx);
		json_kv_uint(j, "bytes_rx", c.bytes_rx);
		json_kv_uint(j, "pkts_tx", c.pkts_tx);
		json_kv_uint(j, "pkts_rx", c.pkts_rx);
		json_kv_uint(j, "pkts_tx_drop", c.drop_tx);
		json_kv_uint(j, "pkts_rx_drop", c.drop_rx);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kv_str(j, "auth_mode", v->auth_mode);
	json_kv_uint(j, "idle_timeout_s", v->idle_timeout_s);
	json_kv_uint(j, "idle_s", v->idle_s);
	json_kv_str(j, "client_os", client_os(v));
	json_kv_str(j, "client_ver", v->user_agent);
}

/* "14:31:05 UTC Sat Feb 5 2022": the ASA pads neither the day nor with
 * zeros (seeds 000, 004). */
static void login_time(char *buf, size_t len, const struct tm *tm)
{
	char hms[16], wd_mon[16];

	strftime(hms, sizeof(hms), "%H:%M:%S", tm);
	strftime(wd_mon, sizeof(wd_mon), "%a %b", tm);
	snprintf(buf, len, "%s UTC %s %d %d", hms, wd_mon, tm->tm_mday, tm->tm_year + 1900);
}

static void text_session(struct listing *l, const struct session_view *v)
{
	struct text *t = l->t;
	char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN], when[64], dur[48], idle[48], aid[25];
	struct tm tm;
	struct tunnels tn;
	int i;

	tunnels_of(v, &tn);
	gmtime_r(&v->login_time, &tm);
	login_time(when, sizeof(when), &tm);
	util_duration(dur, sizeof(dur), v->duration_s);
	util_duration(idle, sizeof(idle), v->inactivity_s);
	audit_id(l->ctl, v, aid);
	ctl_printf(t, "%-13s: %-22s %-13s: %u\n", "Username", v->user, "Index", v->index);
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n", "Assigned IP",
		    fmt_ip(v->addr, ip, sizeof(ip)), "Public IP", v->public_ip);
	if (v->addr6)
		ctl_printf(t, "%-13s: %s\n", "Assigned IPv6",
			    inet_ntop(AF_INET6, v->addr6, ip6, sizeof(ip6)));
	if (v->state != SESSION_ACTIVE)
		ctl_printf(t, "%-13s: %s\n", "Tunnel State", state_text[v->state]);
	ctl_printf(t, "%-13s:", "Protocol");
	for (i = 0; i < tn.n; i++)
		ctl_printf(t, " %s", tunnel_names[i]);
	ctl_printf(t, "\n%-13s: %s\n%-13s:", "License", license(v), "Encryption");
	for (i = 0; i < tn.n; i++)
		ctl_printf(t, "%s%s: (1)%s", i ? "  " : " ", tunnel_names[i], tn.enc[i]);
	ctl_printf(t, "\n%-13s:", "Hashing");
	for (i = 0; i < tn.n; i++)
		ctl_printf(t, "%s%s: (1)%s", i ? "  " : " ", tunnel_names[i], tn.hash[i]);
	ctl_printf(t, "\n%-13s: %-22llu %-13s: %llu\n", "Bytes Tx",
		    (unsigned long long)v->bytes_out, "Bytes Rx", (unsigned long long)v->bytes_in);
	if (l->detail)
		text_pkts(t, "", v->pkts_out, v->pkts_in, v->filter_drops_out,
			  v->drops + v->filter_drops_in);
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n", "Group Policy", v->group_policy,
		    "Tunnel Group", v->tunnel_group);
	ctl_printf(t, "%-13s: %s\n%-13s: %s\n%-13s: %s\n", "Login Time", when,
		    "Duration", dur, "Inactivity", idle);
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n", "VLAN Mapping", "N/A", "VLAN", "none");
	ctl_printf(t, "%-13s: %s\n%-13s: %s\n\n", "Audt Sess ID", aid, "Security Grp", "none");
	if (l->detail)
		text_tunnels(l, v, &tn);
	/* Ours, after the ASA's block so a line-by-line diff with an ASA's
	 * output sees only values: packets the vpn-filter refused. */
	ctl_printf(t, "%-13s: %-22llu %-13s: %llu\n\n", "Filtered Tx",
		    (unsigned long long)v->filter_drops_out, "Filtered Rx",
		    (unsigned long long)v->filter_drops_in);
}

static const char *dtls_state_name(uint8_t s)
{
	switch (s) {
	case IPC_DTLS_OFFERED: return "offered";
	case IPC_DTLS_UP: return "up";
	case IPC_DTLS_FALLBACK: return "fallback";
	case IPC_DTLS_FAILED: return "failed";
	default: return "none";
	}
}

static void json_session(struct listing *l, const struct session_view *v)
{
	struct json *j = l->j;
	char ip[INET6_ADDRSTRLEN], when[32], aid[25];
	struct tm tm;
	struct tunnels tn;
	static const char *const keys[3] = { "anyconnect_parent", "ssl_tunnel", "dtls_tunnel" };

	tunnels_of(v, &tn);
	gmtime_r(&v->login_time, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	audit_id(l->ctl, v, aid);
	json_obj_begin(j);
	json_kv_str(j, "username", v->user);
	json_kv_uint(j, "index", v->index);
	json_key(j, "assigned_ip");
	if (v->addr)
		json_str(j, fmt_ip(v->addr, ip, sizeof(ip)));
	else
		json_null(j);
	json_key(j, "assigned_ipv6");
	if (v->addr6)
		json_str(j, inet_ntop(AF_INET6, v->addr6, ip, sizeof(ip)));
	else
		json_null(j);
	json_kv_str(j, "state", state_json[v->state]);
	json_kv_str(j, "public_ip", v->public_ip);
	json_key(j, "protocol");
	json_arr_begin(j);
	for (int i = 0; i < tn.n; i++)
		json_str(j, tunnel_names[i]);
	json_arr_end(j);
	json_kv_str(j, "license", license(v));
	for (int k = 0; k < 2; k++) {
		json_key(j, k ? "hashing" : "encryption");
		json_obj_begin(j);
		for (int i = 0; i < tn.n; i++)
			json_kv_str(j, keys[i], k ? tn.hash[i] : tn.enc[i]);
		json_obj_end(j);
	}
	json_kv_uint(j, "bytes_tx", v->bytes_out);
	json_kv_uint(j, "bytes_rx", v->bytes_in);
	json_kv_uint(j, "pkts_tx", v->pkts_out);
	json_kv_uint(j, "pkts_rx", v->pkts_in);
	json_kv_uint(j, "pkts_drop", v->drops);
	json_kv_uint(j, "filter_drops_tx", v->filter_drops_out);
	json_kv_uint(j, "filter_drops_rx", v->filter_drops_in);
	json_kv_str(j, "group_policy", v->group_policy);
	json_kv_str(j, "tunnel_group", v->tunnel_group);
	json_kv_str(j, "login_time", when);
	json_kv_uint(j, "duration_s", v->duration_s);
	json_kv_uint(j, "inactivity_s", v->inactivity_s);
	json_kv_str(j, "vlan", "none");
	json_kv_str(j, "audit_session_id", aid);
	json_kv_str(j, "security_group", "none");
	json_key(j, "tls");
	json_obj_begin(j);
	json_kv_str(j, "version", v->tls_version);
	json_kv_str(j, "cipher", v->tls_cipher);
	json_obj_end(j);
	json_key(j, "dtls");
	json_obj_begin(j);
	json_kv_str(j, "state", dtls_state_name(v->dtls_state));
	json_kv_str(j, "mode", v->dtls_mode);
	json_kv_str(j, "cipher", v->dtls_cipher);
	json_obj_end(j);
	if (l->detail)
		json_tunnels(l, v, &tn);
	json_obj_end(j);
}

static void listing_cb(const struct session_view *v, void *arg)
{
	struct listing *l = arg;

	if (!filter_ok(l, v))
		return;
	if (!l->shown && !l->json)
		ctl_printf(l->t, "\nSession Type: AnyConnect%s\n\n", l->detail ? " Detailed" : "");
	l->shown++;
	if (l->json)
		json_session(l, v);
	else
		text_session(l, v);
}

/* show vpn-sessiondb [detail] anyconnect [detail] [filter name U | filter ip A |
 * filter a-ipaddress A | filter p-ipaddress A | filter tunnel-group T]
 * [--fleet]: the grammar placed the words ("detail" in the ASA's order or
 * after); --fleet reads every node's sessions from the registry
 * (fleet_view.c). */
void ctl_view_anyconnect(struct request *r)
{
	struct listing l = { .ctl = r->ctl, .json = r->json, .t = r->t, .j = r->j };
	int filter_node = 0;

	for (int i = 2; i < r->argc; i++) {
		if (r->node[i] == CTLG_SHOW_VPNS_DETAIL || r->node[i] == CTLG_SHOW_VPNS_AC_DETAIL)
			l.detail = 1;
		if (r->node[i] == CTLG_SHOW_VPNS_AC_FILTER && i + 2 < r->argc) {
			filter_node = r->node[i + 1];
			l.fk = filter_kind_of(filter_node);
			l.fv = r->argv[i + 2];
			break;
		}
	}
	if (r->node[r->argc - 1] == CTLG_SHOW_VPNS_FLEET) {
		ctl_fleet_sessions(r, l.detail, filter_node, l.fv);
		return;
	}
	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "sessions");
		json_arr_begin(r->j);
	}
	if (sessions_foreach(r->ctl->m, listing_cb, &l) < 0) {
		util_strlcpy(r->err, "out of memory", sizeof(r->err));
		return;
	}
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	} else if (!l.shown) {
		ctl_printf(r->t, "INFO: There are presently no active sessions\n");
	}
}

struct summary {
	unsigned active, inactive, phones;
};

static void summary_cb(const struct session_view *v, void *arg)
{
	struct summary *s = arg;

	if (v->tunnel_up)
		s->active++;
	else
		s->inactive++;
	s->phones += strcmp(license(v), LICENSE_PHONE) == 0;
}

static const char rule[] =
	"---------------------------------------------------------------------------\n";

static int count_sessions(struct request *r, struct summary *s)
{
	if (r->argc != 3) {
		ctl_invalid(r, 3);
		return -1;
	}
	if (sessions_foreach(r->ctl->m, summary_cb, s) < 0) {
		util_strlcpy(r->err, "out of memory", sizeof(r->err));
		return -1;
	}
	return 0;
}

void ctl_view_summary(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	struct summary s = { 0 };
	unsigned long cum = m->next_session_id - m->n_discarded, peak = (unsigned long)m->peak_sessions;

	if (count_sessions(r, &s) < 0)
		return;
	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "anyconnect");
		json_obj_begin(r->j);
		json_kv_uint(r->j, "active", s.active);
		json_kv_uint(r->j, "inactive", s.inactive);
		json_kv_uint(r->j, "cumulative", cum);
		json_kv_uint(r->j, "peak_concurrent", peak);
		json_obj_end(r->j);
		json_kv_uint(r->j, "total_active_and_inactive", s.active + s.inactive);
		json_kv_uint(r->j, "total_cumulative", cum);
		json_obj_end(r->j);
		return;
	}
	ctl_printf(r->t, "%sVPN Session Summary\n%s", rule, rule);
	ctl_printf(r->t, "%37s : %10s : %11s : %8s\n", "Active", "Cumulative", "Peak Concur",
		    "Inactive");
	ctl_printf(r->t, "%29s----------------------------------------------\n", "");
	ctl_printf(r->t, "%-29s: %6u : %10lu : %11lu : %8u\n", "AnyConnect Client", s.active,
		    cum, peak, s.inactive);
	ctl_printf(r->t, "%-29s: %6u : %10lu : %11lu : %8u\n", "  SSL/TLS/DTLS", s.active,
		    cum, peak, s.inactive);
	ctl_printf(r->t, "%s%-29s: %6u %21s : %6lu\n%s", rule, "Total Active and Inactive",
		    s.active + s.inactive, "Total Cumulative", cum, rule);
}

/* show vpn-sessiondb license-summary: the ASA's two tables, with what
 * stands for a license here: AnyConnect Premium is every session, its
 * capacity limits.max-sessions; the VPN phone line counts the sessions of
 * phones.  The layout is the ASA's as we know it, not from a seed. */
void ctl_view_license(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	struct summary s = { 0 };
	unsigned cap = (unsigned)m->cfg->limits.max_sessions;
	unsigned long peak = (unsigned long)m->peak_sessions;

	if (count_sessions(r, &s) < 0)
		return;
	unsigned in_use = s.active + s.inactive, usage = cap ? in_use * 100u / cap : 0;

	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "anyconnect_premium");
		json_obj_begin(r->j);
		json_kv_str(r->j, "status", "ENABLED");
		json_kv_uint(r->j, "capacity", cap);
		json_kv_uint(r->j, "in_use", in_use);
		json_kv_uint(r->j, "peak_in_use", peak);
		json_kv_uint(r->j, "usage_pct", usage);
		json_obj_end(r->j);
		json_key(r->j, "anyconnect_for_cisco_vpn_phone");
		json_obj_begin(r->j);
		json_kv_str(r->j, "status", "ENABLED");
		json_kv_uint(r->j, "in_use", s.phones);
		json_obj_end(r->j);
		json_obj_end(r->j);
		return;
	}
	ctl_printf(r->t, "%sVPN Licenses and Configured Limits Summary\n%s", rule, rule);
	ctl_printf(r->t, "%43s : %8s : %9s : %6s\n%35s%s\n", "Status", "Capacity", "Installed",
		    "Limit", "", "-----------------------------------------");
	ctl_printf(r->t, "%-33s: %8s : %8u : %9u : %6s\n", "AnyConnect Premium", "ENABLED", cap,
		    cap, "NONE");
	ctl_printf(r->t, "%-33s: %8s\n", "AnyConnect for Cisco VPN Phone", "ENABLED");
	ctl_printf(r->t, "%sVPN Licenses Usage Summary\n%s", rule, rule);
	ctl_printf(r->t, "%41s : %6s : %6s : %6s :\n%41s : %6s : %6s : %6s : %5s\n%35s%s\n",
		    "Local", "All", "Peak", "Eff.", "In Use", "In Use", "In Use", "Limit", "Usage",
		    "", "---------------------------------------------");
	ctl_printf(r->t, "%-33s: %6u : %6u : %6lu : %6u : %4u%%\n", "AnyConnect Premium", in_use,
		    in_use, peak, cap, usage);
	ctl_printf(r->t, "%-33s: %6u : %6u :\n%s", "  AnyConnect for Cisco VPN Phone", s.phones,
		    s.phones, rule);
}
