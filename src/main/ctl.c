/* The control socket: sslvpnctl talks to main over a UNIX stream socket
 * (mode 0600, default <state-dir>/ctl.sock, or --ctl-socket PATH).
 *
 * Protocol, one exchange per connection:
 *   request   "<format> <word> <word> ...\n"  at most CTL_REQ_MAX bytes,
 *             format "text" or "json", printable ASCII only; a word with
 *             blanks is written in double quotes ("John Smith").
 *   response  "OK\n" followed by the output (ASA text or one JSON
 *             document), or "ERR <message>\n"; then main closes.
 * Main never blocks on a client: the socket is non-blocking, at most
 * CTL_MAX_CLIENTS are served at once (more are told "ERR busy" and closed),
 * and each client has CTL_TIMEOUT seconds for its whole exchange. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "ctlreq.h"
#include "main.h"
#include "metrics.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/showrun.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

enum {
	CTL_MAX_CLIENTS = 4,
	CTL_REQ_MAX = 1024,
	CTL_MAX_WORDS = 16,
	CTL_REPLY_MAX = 16 << 20,
};
static const double CTL_TIMEOUT = 5.0;

struct ctl_client {
	struct ctl *ctl;
	int fd;                   /* -1: free slot */
	ev_io io;
	ev_timer timer;
	char who[24];             /* "root" or "uid N" (SO_PEERCRED) */
	char req[CTL_REQ_MAX + 2];
	size_t req_len;
	char *out;
	size_t out_len, out_off;
};

struct ctl {
	struct mainctx *m;
	int fd;
	ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t audit_prefix;    /* first field of every Audt Sess ID */
	struct metrics_http *http; /* metrics.listen-port (metrics_http.c) */
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/* ------------------------------------------------------------ text output */

struct text {
	char *p;
	size_t len, cap;
	int err;
};

static void text_printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
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

enum filter_kind { F_NONE, F_NAME, F_IP, F_TUNNEL_GROUP };

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

static int filter_ok(const struct listing *l, const struct session_view *v)
{
	char ip[INET6_ADDRSTRLEN];

	switch (l->fk) {
	case F_NONE: return 1;
	case F_NAME: return strcmp(v->user, l->fv) == 0;
	case F_TUNNEL_GROUP: return strcmp(v->tunnel_group, l->fv) == 0;
	case F_IP:
		return strcmp(fmt_ip(v->addr, ip, sizeof(ip)), l->fv) == 0 ||
		       (v->addr6 && !strcmp(inet_ntop(AF_INET6, v->addr6, ip, sizeof(ip)),
					    l->fv)) ||
		       strcmp(v->public_ip, l->fv) == 0;
	}
	return 0;
}

/* ASA: <ASA address><index * 0x1000><login time>, 24 hex digits. */
static void audit_id(const struct ctl *c, const struct session_view *v, char out[25])
{
	snprintf(out, 25, "%08x%08x%08x", c->audit_prefix, (v->index * 0x1000u),
		 (uint32_t)v->login_time);
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

/* Client OS from the User-Agent, as the ASA names platforms: AnyConnect
 * says "... for Windows 4.8.03036", phones "Cisco SVC IPPhone Client". */
static const char *client_os(const char *ua)
{
	static const struct {
		const char *word, *os;
	} map[] = {
		{ "IPPhone", "Cisco IP Phone" }, { "Windows", "Windows" },
		{ "Mac OS", "Mac OS X" },        { "macOS", "Mac OS X" },
		{ "Darwin", "Mac OS X" },        { "Android", "Android" },
		{ "iPhone", "Apple iOS" },       { "iOS", "Apple iOS" },
		{ "Linux", "Linux" },            { "linux", "Linux" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strstr(ua, map[i].word))
			return map[i].os;
	return "unknown";
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
	text_printf(t, "%s%-13s: %-22llu %-13s: %llu\n", ind, "Pkts Tx", (unsigned long long)tx,
		    "Pkts Rx", (unsigned long long)rx);
	text_printf(t, "%s%-13s: %-22llu %-13s: %llu\n", ind, "Pkts Tx Drop",
		    (unsigned long long)drop_tx, "Pkts Rx Drop", (unsigned long long)drop_rx);
}

static void text_idle(struct text *t, const struct session_view *v)
{
	char to[32], left[32];

	if (!v->idle_timeout_s) {
		text_printf(t, "  %-13s: %-22s %-13s: %s\n", "Idle Time Out", "none",
			    "Idle TO Left", "none");
		return;
	}
	uint64_t left_s = v->idle_s >= v->idle_timeout_s ? 0 : v->idle_timeout_s - v->idle_s;

	snprintf(to, sizeof(to), "%u Minutes", v->idle_timeout_s / 60);
	snprintf(left, sizeof(left), "%llu Minutes", (unsigned long long)(left_s / 60));
	text_printf(t, "  %-13s: %-22s %-13s: %s\n", "Idle Time Out", to, "Idle TO Left", left);
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

	text_printf(t, "%s:\n  %-13s: %u.%d\n", tunnel_names[i], "Tunnel ID", v->index, i + 1);
	const char *encap = i == 2 ? asa_encapsulation(v->dtls_mode) : v->tls_version;

	if (i == 0)
		text_printf(t, "  %-13s: %s\n", "Public IP", v->public_ip);
	else
		text_printf(t, "  %-13s: %-22s %-13s: %s\n", "Assigned IP",
			    fmt_ip(v->addr, ip, sizeof(ip)), "Public IP", v->public_ip);
	if (i > 0 && v->addr6)
		text_printf(t, "  %-13s: %s\n", "Assigned IPv6",
			    inet_ntop(AF_INET6, v->addr6, ip, sizeof(ip)));
	text_printf(t, "  %-13s: %-22s %-13s: %s\n", "Encryption", tn->enc[i], "Hashing",
		    tn->hash[i]);
	if (i > 0)
		text_printf(t, "  %-13s: %s\n  %-13s: %-22s %s Src Port : %u\n"
			       "  %s Dst Port : %-22u %-13s: %s\n",
			    "Ciphersuite", i == 2 ? v->dtls_cipher : v->tls_cipher, "Encapsulation",
			    encap, proto, src, proto, dst,
			    "Auth Mode", v->auth_mode);
	else
		text_printf(t, "  %s Src Port : %-22u %s Dst Port : %u\n  %-13s: %s\n", proto, src,
			    proto, dst, "Auth Mode", v->auth_mode);
	text_idle(t, v);
	text_printf(t, "  %-13s: %s\n  %-13s: %s\n  %-13s: %s\n", "Client OS",
		    client_os(v->user_agent), "Client Type", types[i], "Client Ver", v->user_agent);
	tunnel_counts(v, i, &c);
	text_printf(t, "  %-13s: %-22llu %-13s: %llu\n", "Bytes Tx", (unsigned long long)c.bytes_tx,
		    "Bytes Rx", (unsigned long long)c.bytes_rx);
	text_pkts(t, "  ", c.pkts_tx, c.pkts_rx, c.drop_tx, c.drop_rx);
	text_printf(t, "\n");
}

static void text_tunnels(struct listing *l, const struct session_view *v,
			 const struct tunnels *tn)
{
	for (int i = 0; i < tn->n; i++)
		text_printf(l->t, "%s Tunnels: 1\n", tunnel_names[i]);
	text_printf(l->t, "\n");
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
	json_kv_str(j, "client_os", client_os(v->user_agent));
	json_kv_str(j, "client_ver", v->user_agent);
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
	strftime(when, sizeof(when), "%H:%M:%S UTC %a %b %d %Y", &tm);
	util_duration(dur, sizeof(dur), v->duration_s);
	util_duration(idle, sizeof(idle), v->inactivity_s);
	audit_id(l->ctl, v, aid);
	text_printf(t, "%-13s: %s\n", "Username", v->user);
	text_printf(t, "%-13s: %u\n", "Index", v->index);
	text_printf(t, "%-13s: %-22s %-13s: %s\n", "Assigned IP",
		    fmt_ip(v->addr, ip, sizeof(ip)), "Public IP", v->public_ip);
	if (v->addr6)
		text_printf(t, "%-13s: %s\n", "Assigned IPv6",
			    inet_ntop(AF_INET6, v->addr6, ip6, sizeof(ip6)));
	if (v->state != SESSION_ACTIVE)
		text_printf(t, "%-13s: %s\n", "Tunnel State", state_text[v->state]);
	text_printf(t, "%-13s:", "Protocol");
	for (i = 0; i < tn.n; i++)
		text_printf(t, " %s", tunnel_names[i]);
	text_printf(t, "\n%-13s: AnyConnect Premium\n%-13s:", "License", "Encryption");
	for (i = 0; i < tn.n; i++)
		text_printf(t, "%s%s: (1)%s", i ? "  " : " ", tunnel_names[i], tn.enc[i]);
	text_printf(t, "\n%-13s:", "Hashing");
	for (i = 0; i < tn.n; i++)
		text_printf(t, "%s%s: (1)%s", i ? "  " : " ", tunnel_names[i], tn.hash[i]);
	text_printf(t, "\n%-13s: %-22llu %-13s: %llu\n", "Bytes Tx",
		    (unsigned long long)v->bytes_out, "Bytes Rx", (unsigned long long)v->bytes_in);
	if (l->detail)
		text_pkts(t, "", v->pkts_out, v->pkts_in, v->filter_drops_out,
			  v->drops + v->filter_drops_in);
	text_printf(t, "%-13s: %-22llu %-13s: %llu\n", "Filtered Tx",
		    (unsigned long long)v->filter_drops_out, "Filtered Rx",
		    (unsigned long long)v->filter_drops_in);
	text_printf(t, "%-13s: %-22s %-13s: %s\n", "Group Policy", v->group_policy,
		    "Tunnel Group", v->tunnel_group);
	text_printf(t, "%-13s: %s\n%-13s: %s\n%-13s: %s\n", "Login Time", when,
		    "Duration", dur, "Inactivity", idle);
	text_printf(t, "%-13s: %-22s %-13s: %s\n", "VLAN Mapping", "N/A", "VLAN", "none");
	text_printf(t, "%-13s: %s\n%-13s: %s\n\n", "Audt Sess ID", aid, "Security Grp", "none");
	if (l->detail)
		text_tunnels(l, v, &tn);
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
	json_kv_str(j, "license", "AnyConnect Premium");
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
		text_printf(l->t, "\nSession Type: AnyConnect%s\n\n", l->detail ? " Detailed" : "");
	l->shown++;
	if (l->json)
		json_session(l, v);
	else
		text_session(l, v);
}

/* ------------------------------------------------------------ commands */

struct request {
	struct ctl *ctl;
	int json;
	int argc;
	char *argv[CTL_MAX_WORDS];
	struct text *t;           /* text output */
	struct json *j;           /* JSON output */
	char err[160];            /* set: the command failed */
};

/* ASA-style keyword match: the whole keyword or an abbreviation of at
 * least two characters. */
static int kw(const char *word, const char *keyword)
{
	size_t n = word ? strlen(word) : 0;

	return n >= 2 && n <= strlen(keyword) && strncmp(word, keyword, n) == 0;
}

static void invalid(struct request *r, int at)
{
	if (at < r->argc)
		snprintf(r->err, sizeof(r->err), "%% Invalid input detected at '%.60s'",
			 r->argv[at]);
	else
		snprintf(r->err, sizeof(r->err), "%% Incomplete command");
}

/* show vpn-sessiondb anyconnect [filter name U | filter ip A |
 * filter tunnel-group T] */
/* "show vpn-sessiondb detail anyconnect" (the ASA's order) or "... anyconnect
 * detail": 1 when the word was there (it is removed from argv). */
static int take_detail(struct request *r)
{
	for (int i = 2; i <= 3 && i < r->argc; i++) {
		if (!kw(r->argv[i], "detail"))
			continue;
		memmove(&r->argv[i], &r->argv[i + 1],
			(size_t)(r->argc - i - 1) * sizeof(r->argv[0]));
		r->argv[--r->argc] = NULL;
		return 1;
	}
	return 0;
}

static void cmd_show_anyconnect(struct request *r)
{
	struct listing l = { .ctl = r->ctl, .json = r->json, .t = r->t, .j = r->j };

	l.detail = take_detail(r);
	if (!kw(r->argv[2], "anyconnect")) {
		invalid(r, 2);
		return;
	}

	if (r->argc > 3) {
		if (!kw(r->argv[3], "filter") || r->argc != 6) {
			invalid(r, r->argc < 6 ? r->argc : 6);
			if (!kw(r->argv[3], "filter"))
				invalid(r, 3);
			return;
		}
		if (kw(r->argv[4], "name"))
			l.fk = F_NAME;
		else if (kw(r->argv[4], "ip") || kw(r->argv[4], "a-ipaddress") ||
			 kw(r->argv[4], "p-ipaddress"))
			l.fk = F_IP;
		else if (kw(r->argv[4], "tunnel-group"))
			l.fk = F_TUNNEL_GROUP;
		else {
			invalid(r, 4);
			return;
		}
		l.fv = r->argv[5];
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
		text_printf(r->t, "INFO: There are presently no active sessions\n");
	}
}

struct summary {
	unsigned active, inactive;
};

static void summary_cb(const struct session_view *v, void *arg)
{
	struct summary *s = arg;

	if (v->tunnel_up)
		s->active++;
	else
		s->inactive++;
}

static void cmd_show_summary(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	struct summary s = { 0 };
	unsigned long cum = m->next_session_id - m->n_discarded, peak = (unsigned long)m->peak_sessions;
	static const char rule[] =
		"---------------------------------------------------------------------------\n";

	if (r->argc != 3) {
		invalid(r, 3);
		return;
	}
	if (sessions_foreach(m, summary_cb, &s) < 0) {
		util_strlcpy(r->err, "out of memory", sizeof(r->err));
		return;
	}
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
	text_printf(r->t, "%sVPN Session Summary\n%s", rule, rule);
	text_printf(r->t, "%37s : %10s : %11s : %8s\n", "Active", "Cumulative", "Peak Concur",
		    "Inactive");
	text_printf(r->t, "%29s----------------------------------------------\n", "");
	text_printf(r->t, "%-29s: %6u : %10lu : %11lu : %8u\n", "AnyConnect Client", s.active,
		    cum, peak, s.inactive);
	text_printf(r->t, "%-29s: %6u : %10lu : %11lu : %8u\n", "  SSL/TLS/DTLS", s.active,
		    cum, peak, s.inactive);
	text_printf(r->t, "%s%-29s: %6u %21s : %6lu\n%s", rule, "Total Active and Inactive",
		    s.active + s.inactive, "Total Cumulative", cum, rule);
}

/* vpn-sessiondb logoff name U | index N | tunnel-group T | all [noconfirm] */
static void cmd_logoff(struct request *r)
{
	struct session_selector sel = { .kind = SESSION_SEL_ALL };
	int argc = r->argc, n;
	char what[96] = "";

	if (argc > 3 && kw(r->argv[argc - 1], "noconfirm"))
		argc--; /* sslvpnctl never asks */
	if (argc == 3 && kw(r->argv[2], "all")) {
		sel.kind = SESSION_SEL_ALL;
	} else if (argc == 4 && kw(r->argv[2], "name")) {
		sel.kind = SESSION_SEL_NAME;
		sel.name = r->argv[3];
		snprintf(what, sizeof(what), " with name \"%.60s\"", sel.name);
	} else if (argc == 4 && kw(r->argv[2], "index")) {
		char *end;
		unsigned long v = strtoul(r->argv[3], &end, 10);

		if (!*r->argv[3] || *end || v == 0 || v > UINT32_MAX) {
			invalid(r, 3);
			return;
		}
		sel.kind = SESSION_SEL_INDEX;
		sel.index = (uint32_t)v;
		snprintf(what, sizeof(what), " with index \"%lu\"", v);
	} else if (argc == 4 && kw(r->argv[2], "tunnel-group")) {
		sel.kind = SESSION_SEL_TUNNEL_GROUP;
		sel.name = r->argv[3];
		snprintf(what, sizeof(what), " from TunnelGroup \"%.60s\"", sel.name);
	} else {
		int known = argc > 2 && (kw(r->argv[2], "name") || kw(r->argv[2], "index") ||
					 kw(r->argv[2], "all") || kw(r->argv[2], "tunnel-group"));

		invalid(r, argc <= 2 ? 2 : known ? (argc < 4 ? argc : 4) : 2);
		return;
	}
	n = sessions_logoff(r->ctl->m, &sel);
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "logged_off", n);
		json_obj_end(r->j);
	} else {
		text_printf(r->t, "INFO: Number of sessions%s logged off : %d\n", what, n);
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
		text_printf(r->t, "%s", buf);
	}
}

/* show running-config [all] group-policy [NAME] | tunnel-group [NAME] |
 * access-list [NAME]: the policy model's own renderers (showrun.c). */
static void cmd_show_run(struct request *r)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;
	int at = 2, all = 0, rc;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (at < r->argc && kw(r->argv[at], "all")) {
		all = 1;
		at++;
	}
	const char *what = at < r->argc ? r->argv[at] : NULL;
	const char *name = at + 1 < r->argc ? r->argv[at + 1] : NULL;

	if (!what || at + 2 < r->argc) {
		invalid(r, what ? at + 2 : at);
		return;
	}
	if (!(fp = open_memstream(&buf, &len))) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	if (kw(what, "group-policy"))
		rc = showrun_group_policy(fp, cfg, name, all);
	else if (kw(what, "tunnel-group") && !all)
		rc = showrun_tunnel_group(fp, cfg, name);
	else if (kw(what, "access-list") && !all)
		rc = showrun_access_list(fp, cfg, name);
	else if (kw(what, "dynamic-access-policy-record") && !all)
		rc = dap_showrun(fp, cfg, name);
	else
		rc = -2;
	fclose(fp);
	if (rc == -2)
		invalid(r, at);
	else if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%.60s %.60s does not exist", what,
			 name ? name : "");
	else
		reply_rendered(r, "config", buf, len);
	free(buf);
}

/* reload: the configuration file again, as SIGHUP (reload.c).  On errors
 * the reply is ERR with every file:line error as its body. */
static void cmd_reload(struct request *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (r->argc != 1) {
		invalid(r, 1);
		return;
	}
	if (!(fp = open_memstream(&out, &len))) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	rc = reload_run(r->ctl->m, fp);
	fclose(fp);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "configuration reload failed; the running "
			 "configuration stays");
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "reloaded", rc == 0);
		json_key(r->j, "output");
		json_strn(r->j, out ? out : "", out ? len : 0);
		json_obj_end(r->j);
	} else if (out) {
		text_printf(r->t, "%s", out);
	}
	free(out);
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
		text_printf(pv->r->t, "%-39s %s\n", a, e->owner ? e->owner : "-");
	}
	return 0;
}

static void pool_header(struct request *r, const struct pool *p, size_t held)
{
	char first[64], last[64], mask[INET_ADDRSTRLEN];
	size_t n = pool_size(p), used = pool_in_use(p);
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
		json_kv_uint(r->j, "free", n - used - held);
		json_kv_uint(r->j, "held", held);
		json_kv_uint(r->j, "in_use", used);
		return;
	}
	if (pool_family(p) == 4) {
		text_printf(r->t, "%-15s %-15s %-15s %8s %8s %8s\n", "Begin", "End", "Mask",
			    "Free", "Held", "In use");
		text_printf(r->t, "%-15s %-15s %-15s %8zu %8zu %8zu\n", first, last,
			    inet_ntop(AF_INET, &m4, mask, sizeof(mask)), n - used - held, held,
			    used);
		return;
	}
	text_printf(r->t, "IPv6 Pool %s\nBegin Address: %s\nEnd Address: %s\n"
		    "Prefix Length: %u\nPool Size: %zu\nNumber of used addresses: %zu\n"
		    "Number of held addresses: %zu\nNumber of available addresses: %zu\n",
		    pool_name(p), first, last, pool_prefix_len(p), n, used, held,
		    n - used - held);
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
		text_printf(r->t, "Pool %s\n", pool_name(p));
	pool_header(r, p, held);
	for (pv.want_leased = 1; pv.want_leased >= 0; pv.want_leased--) {
		if (r->json) {
			json_key(r->j, pv.want_leased ? "in_use_addresses" : "held_addresses");
			json_arr_begin(r->j);
		} else if (pv.want_leased ? pool_in_use(p) : held) {
			text_printf(r->t, "\n%s Addresses:\n", pv.want_leased ? "In Use" : "Held");
		}
		pool_foreach(p, pool_line_cb, &pv);
		if (r->json)
			json_arr_end(r->j);
	}
	if (r->json)
		json_obj_end(r->j);
}

static void cmd_show_pool(struct request *r, int family)
{
	struct mainctx *m = r->ctl->m;
	struct pool **v = family == 4 ? m->pools : m->pools6;
	size_t n = family == 4 ? m->cfg->n_pools : m->n_pools6, shown = 0;
	const char *name = r->argc == 5 ? r->argv[4] : NULL;

	if (r->argc < 4 || !kw(r->argv[2], "local") || !kw(r->argv[3], "pool") || r->argc > 5) {
		invalid(r, r->argc < 4 ? r->argc : !kw(r->argv[2], "local") ? 2
					 : !kw(r->argv[3], "pool") ? 3 : 5);
		return;
	}
	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "pools");
		json_arr_begin(r->j);
	}
	for (size_t i = 0; v && i < n; i++) {
		if (!v[i] || (name && strcmp(pool_name(v[i]), name)))
			continue;
		if (shown++ && !r->json)
			text_printf(r->t, "\n");
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
static void cmd_metrics(struct request *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (r->argc != 1) {
		invalid(r, 1);
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
static void cmd_show_version(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	time_t up = time(NULL) - metrics_start_time();
	char dur[48], host[256] = "sslvpnd";
	unsigned workers = 0;

	if (r->argc != 2) {
		invalid(r, 2);
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
	text_printf(r->t, "\nsslvpnd Version %s\n", PACKAGE_VERSION);
	text_printf(r->t, "Compiled with %s, running %s\n\n", OPENSSL_VERSION_TEXT,
		    OpenSSL_version(OPENSSL_VERSION));
	text_printf(r->t, "%s up %s\n\n", host, dur);
	/* Two generations: the configuration's (+1 per reload) and that of
	 * the workers taking new connections (+1 only when a reload changed
	 * what workers load). */
	text_printf(r->t, "Configuration file: %s (generation %u)\n", m->cfg->source,
		    m->snap->gen);
	text_printf(r->t, "Worker processes  : %u\n", workers);
	text_printf(r->t, "Worker generation : %u\n", m->worker_gen);
}

static const char *const ssl_versions[CFG_SSLVER__COUNT] = {
	[CFG_TLSV1] = "tlsv1", [CFG_TLSV1_1] = "tlsv1.1", [CFG_TLSV1_2] = "tlsv1.2",
	[CFG_DTLSV1] = "dtlsv1", [CFG_DTLSV1_2] = "dtlsv1.2",
};

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
	text_printf(r->t, "  %s interface:", ifc->name);
	for (size_t k = 0; k < ifc->trustpoints.n; k++)
		text_printf(r->t, " %s", ifc->trustpoints.v[k]);
	if (!ifc->trustpoints.n)
		text_printf(r->t, " (temporary self-signed certificate)");
	text_printf(r->t, "\n");
}

/* show ssl: versions, the cipher list of each version (effective: the
 * configured one or the default), the trustpoint of each interface. */
static void cmd_show_ssl(struct request *r)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;

	if (r->argc != 2) {
		invalid(r, 2);
		return;
	}
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "server_version", cfg->ssl.server_version);
		json_kv_str(r->j, "max_version", "tlsv1.2");
		json_key(r->j, "ciphers");
		json_obj_begin(r->j);
		for (int v = 0; v < CFG_SSLVER__COUNT; v++)
			json_kv_str(r->j, ssl_versions[v], cfg->ssl.cipher[v]);
		json_obj_end(r->j);
		json_key(r->j, "interfaces");
		json_arr_begin(r->j);
	} else {
		text_printf(r->t, "Accept connections using %s or greater, negotiate up to "
			    "tlsv1.2\n\nCurrent cipher configuration:\n", cfg->ssl.server_version);
		for (int v = 0; v < CFG_SSLVER__COUNT; v++) {
			char list[CFG_CIPHERS_MAX];

			util_strlcpy(list, cfg->ssl.cipher[v], sizeof(list));
			text_printf(r->t, "%s:\n", ssl_versions[v]);
			for (char *save, *c = strtok_r(list, ":", &save); c;
			     c = strtok_r(NULL, ":", &save))
				text_printf(r->t, "  %s\n", c);
		}
		text_printf(r->t, "\nSSL trust-points:\n");
	}
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		ssl_trustpoints(r, &cfg->interfaces[i]);
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
}

/* ------------------------------------------------ debug classes */

void ctl_send_log_levels(struct worker_proc *w)
{
	struct ipc_log_levels l = { .levels_len = LOGC__COUNT };
	uint8_t buf[IPC_MAX_MSG];
	int n;

	for (int c = 0; c < LOGC__COUNT; c++)
		l.levels[c] = (uint8_t)log_class_get((enum log_class)c);
	n = ipc_enc_log_levels(&l, buf, sizeof(buf));
	if (n > 0 && w->sock >= 0 && w->ready)
		proc_send(w, IPC_LOG_LEVELS, buf, n, -1);
}

static void levels_to_workers(struct mainctx *m)
{
	for (size_t i = 0; i < MAIN_MAX_WORKERS; i++)
		if (m->workers[i].pid > 0)
			ctl_send_log_levels(&m->workers[i]);
}

/* The current levels: "debug <class> enabled at level N" for each class on
 * (show debug, and the answer of every debug command). */
static void debug_state(struct request *r)
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
			text_printf(r->t, "debug %s enabled at level %d\n",
				    log_class_name((enum log_class)c), lv);
		any |= lv;
	}
	if (r->json) {
		json_obj_end(r->j);
		json_obj_end(r->j);
		return;
	}
	if (log_get_debug())
		text_printf(r->t, "logging debug level %d (all classes)\n", log_get_debug());
	else if (!any)
		text_printf(r->t, "No debug classes are enabled\n");
}

/* debug CLASS [LEVEL] (level 1 when omitted, as on the ASA) | undebug all |
 * undebug CLASS | no debug all | no debug CLASS.  argv[from..] are the
 * words after "debug"/"undebug". */
static void cmd_debug(struct request *r, int from, int off)
{
	const char *const *words = (const char *const *)&r->argv[from];
	int n = r->argc - from, level = 1, c;

	if (n == 1 && off && kw(words[0], "all")) {
		for (c = 0; c < LOGC__COUNT; c++)
			log_class_set((enum log_class)c, 0);
	} else {
		if (!off && n > 1) {
			char *end;
			long v = strtol(words[n - 1], &end, 10);

			if (!*end && end != words[n - 1]) {
				if (v < 1 || v > 255) {
					snprintf(r->err, sizeof(r->err),
						 "%% Invalid level %.20s (1-255)", words[n - 1]);
					return;
				}
				level = (int)v;
				n--;
			}
		}
		c = n > 0 ? log_class_lookup(words, n) : -1;
		if (c < 0) {
			invalid(r, n > 0 ? from : r->argc);
			return;
		}
		log_class_set((enum log_class)c, off ? 0 : level);
	}
	levels_to_workers(r->ctl->m);
	debug_state(r);
}

static void cmd_help(struct request *r)
{
	static const char *const lines[] = {
		"show vpn-sessiondb [detail] anyconnect [filter name U | filter ip A | "
		"filter tunnel-group T]",
		"show vpn-sessiondb summary",
		"vpn-sessiondb logoff name U | index N | tunnel-group T | all [noconfirm]",
		"show version",
		"show ssl",
		"metrics",
		"debug webvpn | webvpn anyconnect | crypto ca | ssl | aaa | dap [LEVEL]",
		"undebug all | CLASS   (also: no debug ...)",
		"show debug",
		"show running-config [all] group-policy [NAME]",
		"show running-config tunnel-group [NAME]",
		"show running-config access-list [NAME]",
		"show running-config dynamic-access-policy-record [NAME] | show dap [NAME]",
		"show ip local pool [NAME]",
		"show crypto ca certificates [TP] | show crypto ca expiry [DAYS]",
		"crypto ca enroll TP | crypto ca export TP identity-certificate",
		"certhash TP [TP...] [--tunnel-group NAME]",
		"show ipv6 local pool [NAME]",
		"reload",
	};

	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "commands");
		json_arr_begin(r->j);
	}
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		if (r->json)
			json_str(r->j, lines[i]);
		else
			text_printf(r->t, "%s\n", lines[i]);
	}
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
}

/* show crypto ca certificates|expiry, crypto ca enroll|export, certhash
 * (src/tls/tpcli.c) on the running configuration.  authenticate needs a
 * PEM on stdin: `sslvpnd --crypto crypto ca authenticate TP < ca.pem`. */
static void cmd_crypto(struct request *r)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc;

	if (!out) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	rc = tls_ca_command(r->ctl->m->cfg, r->argc, r->argv, out, NULL, err, sizeof(err));
	fclose(out);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%.150s", err);
	else if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "output", buf ? buf : "");
		json_obj_end(r->j);
	} else {
		text_printf(r->t, "%s", buf ? buf : "");
	}
	free(buf);
}

/* Returns 1 for a command that changes state (logged as 111008). */
/* show dap [NAME]: the DAP records, as show running-config
 * dynamic-access-policy-record [NAME] prints them. */
static void cmd_show_dap(struct request *r)
{
	static char run[] = "running-config", rec[] = "dynamic-access-policy-record";

	if (r->argc == 3)
		r->argv[3] = r->argv[2];
	r->argv[1] = run;
	r->argv[2] = rec;
	r->argc++;
	cmd_show_run(r);
}

static int dispatch(struct request *r)
{
	if (r->argc == 1 && strcmp(r->argv[0], "help") == 0) {
		cmd_help(r);
	} else if (r->argc > 1 && kw(r->argv[0], "show") && strcmp(r->argv[1], "crypto") == 0) {
		cmd_crypto(r);
	} else if (r->argc > 0 && strcmp(r->argv[0], "certhash") == 0) {
		cmd_crypto(r);
	} else if (r->argc > 2 && strcmp(r->argv[0], "crypto") == 0) {
		cmd_crypto(r);
		return strcmp(r->argv[2], "enroll") == 0;
	} else if (r->argc > 0 && kw(r->argv[0], "show")) {
		if (kw(r->argv[1], "running-config"))
			cmd_show_run(r);
		else if (kw(r->argv[1], "version"))
			cmd_show_version(r);
		else if (r->argc > 1 && strcmp(r->argv[1], "ssl") == 0)
			cmd_show_ssl(r);
		else if (r->argc == 2 && kw(r->argv[1], "debug"))
			debug_state(r);
		else if (r->argc <= 3 && strcmp(r->argv[1], "dap") == 0)
			cmd_show_dap(r);
		else if (r->argc > 1 && strcmp(r->argv[1], "ipv6") == 0)
			cmd_show_pool(r, 6);
		else if (r->argc > 1 && strcmp(r->argv[1], "ip") == 0)
			cmd_show_pool(r, 4);
		else if (!kw(r->argv[1], "vpn-sessiondb"))
			invalid(r, 1);
		else if (kw(r->argv[2], "anyconnect") || kw(r->argv[2], "detail"))
			cmd_show_anyconnect(r);
		else if (kw(r->argv[2], "summary"))
			cmd_show_summary(r);
		else
			invalid(r, 2);
	} else if (r->argc > 0 && strcmp(r->argv[0], "metrics") == 0) {
		cmd_metrics(r);
	} else if (r->argc > 0 && (kw(r->argv[0], "debug") || kw(r->argv[0], "undebug"))) {
		cmd_debug(r, 1, kw(r->argv[0], "undebug"));
		return 1;
	} else if (r->argc > 1 && strcmp(r->argv[0], "no") == 0 && kw(r->argv[1], "debug")) {
		cmd_debug(r, 2, 1);
		return 1;
	} else if (r->argc > 0 && strcmp(r->argv[0], "reload") == 0) {
		cmd_reload(r);
		return 1;
	} else if (r->argc > 0 && kw(r->argv[0], "vpn-sessiondb")) {
		if (kw(r->argv[1], "logoff"))
			cmd_logoff(r);
		else
			invalid(r, 1);
		return 1;
	} else {
		invalid(r, 0);
	}
	return 0;
}

/* ------------------------------------------------------------ client I/O */

static void client_close(struct ctl_client *cl)
{
	struct ev_loop *loop = cl->ctl->m->loop;

	if (cl->fd < 0)
		return;
	ev_io_stop(loop, &cl->io);
	ev_timer_stop(loop, &cl->timer);
	close(cl->fd);
	cl->fd = -1;
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = cl->req_len = 0;
}

/* After the reply: wait for the client's EOF, discarding what it still
 * sends.  Closing a UNIX socket with unread input resets it, and the
 * client would lose the reply (e.g. "ERR ... longer than 1024 bytes").
 * The client's timer bounds the wait. */
static void client_drain_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);
	char sink[4096];
	ssize_t n = recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0)
		client_close(cl);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);

	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	shutdown(cl->fd, SHUT_WR);
	ev_io_stop(loop, &cl->io);
	ev_io_init(&cl->io, client_drain_cb, cl->fd, EV_READ);
	ev_io_start(loop, &cl->io);
}

/* The reply as one buffer: status line + body. */
static void reply_set(struct ctl_client *cl, const char *status, const char *body, size_t len)
{
	size_t sl = strlen(status);

	cl->out = malloc(sl + len + 1);
	if (!cl->out) {
		client_close(cl);
		return;
	}
	memcpy(cl->out, status, sl);
	if (len)
		memcpy(cl->out + sl, body, len);
	cl->out_len = sl + len;
	cl->out_off = 0;
	ev_io_stop(cl->ctl->m->loop, &cl->io);
	ev_io_init(&cl->io, client_write_cb, cl->fd, EV_WRITE);
	ev_io_start(cl->ctl->m->loop, &cl->io);
	client_write_cb(cl->ctl->m->loop, &cl->io, EV_WRITE);
}

static void reply_err(struct ctl_client *cl, const char *msg)
{
	char line[256];

	snprintf(line, sizeof(line), "ERR %s\n", msg);
	reply_set(cl, line, NULL, 0);
}

/* The command words as one line for the audit log (111008/111009). */
static void join_words(char *out, size_t cap, const struct request *r)
{
	size_t o = 0;

	out[0] = 0;
	for (int i = 0; i < r->argc && o + 1 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, i ? " %s" : "%s", r->argv[i]);
}

/* One request line: parse, run, reply. */
static void execute(struct ctl_client *cl, char *line)
{
	struct request r = { .ctl = cl->ctl };
	struct text t = { 0 };
	struct json j;
	char cmd[CTL_REQ_MAX + 1];
	const char *body;
	char status[200] = "OK\n";
	size_t len = 0;
	int changes;

	json_init(&j, CTL_REPLY_MAX);
	r.t = &t;
	r.j = &j;
	r.argc = ctl_split_words(line, r.argv, CTL_MAX_WORDS);
	if (r.argc < 1 || (strcmp(r.argv[0], "text") && strcmp(r.argv[0], "json"))) {
		log_event(LM_CTL_REFUSED, "bad request line", cl->who);
		reply_err(cl, r.argc < 0 ? "bad request: unbalanced quotes or too many words"
					 : "bad request: expected 'text' or 'json' first");
		goto out;
	}
	r.json = strcmp(r.argv[0], "json") == 0;
	memmove(r.argv, r.argv + 1, (size_t)--r.argc * sizeof(r.argv[0]));
	for (int i = r.argc; i < CTL_MAX_WORDS; i++)
		r.argv[i] = NULL;
	join_words(cmd, sizeof(cmd), &r);
	changes = dispatch(&r);
	log_event(changes ? LM_CTL_EXEC : LM_CTL_SHOW, cl->who, cmd);
	if (r.err[0] && (r.json ? !j.len : !t.len)) {
		char msg[200];

		snprintf(msg, sizeof(msg), "ERROR: %s", r.err);
		reply_err(cl, msg);
		goto out;
	}
	/* A failed command with output (reload's errors): ERR + the output. */
	if (r.err[0])
		snprintf(status, sizeof(status), "ERR ERROR: %s\n", r.err);
	if (r.json) {
		body = json_result(&j, &len);
	} else {
		body = t.err ? NULL : (t.p ? t.p : "");
		len = t.p ? t.len : 0;
	}
	if (!body) {
		reply_err(cl, "ERROR: reply too large or out of memory");
		goto out;
	}
	if (r.json) {
		/* JSON documents end with a newline for line-oriented tools. */
		char *p = malloc(len + 1);

		if (!p) {
			reply_err(cl, "ERROR: out of memory");
			goto out;
		}
		memcpy(p, body, len);
		p[len++] = '\n';
		reply_set(cl, status, p, len);
		free(p);
	} else {
		reply_set(cl, status, body, len);
	}
out:
	json_free(&j);
	free(t.p);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);
	ssize_t n = recv(cl->fd, cl->req + cl->req_len, sizeof(cl->req) - 1 - cl->req_len,
			 MSG_DONTWAIT);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		client_close(cl);
		return;
	}
	cl->req_len += (size_t)n;
	cl->req[cl->req_len] = 0;
	nl = memchr(cl->req, '\n', cl->req_len);
	if (!nl && n > 0 && cl->req_len <= CTL_REQ_MAX)
		return; /* more to come */
	if (!nl && n == 0 && cl->req_len == 0) {
		client_close(cl);
		return;
	}
	if (!nl && n > 0) {
		log_event(LM_CTL_REFUSED, "request line longer than 1024 bytes", cl->who);
		reply_err(cl, "bad request: line longer than 1024 bytes");
		return;
	}
	size_t len = nl ? (size_t)(nl - cl->req) : cl->req_len;

	if (len && cl->req[len - 1] == '\r')
		len--;
	cl->req[len] = 0;
	if (!ctl_line_ok(cl->req, len) || memchr(cl->req, 0, len)) {
		log_event(LM_CTL_REFUSED, "non-printable bytes in the request", cl->who);
		reply_err(cl, "bad request: only printable ASCII is accepted");
		return;
	}
	execute(cl, cl->req);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, timer);

	log_event(LM_CTL_REFUSED, "client too slow", cl->who);
	client_close(cl);
}

/* Peer credentials: only the daemon's own user (root) may command it; the
 * socket's mode says the same, this holds even if the mode was changed. */
static int peer_allowed(int fd, char who[24])
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		util_strlcpy(who, "unknown", 24);
		return 0;
	}
	if (uc.uid == 0)
		util_strlcpy(who, "root", 24);
	else
		snprintf(who, 24, "uid %u", (unsigned)uc.uid);
	return uc.uid == 0 || uc.uid == geteuid();
}

static void busy(int fd)
{
	static const char msg[] = "ERR busy: too many control clients, try again\n";

	/* Best effort, never blocks: the reply fits any socket buffer. */
	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing more to do for this client */
	}
	close(fd);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *c = container_of(w, struct ctl, io);

	/* A bounded number per wakeup keeps main's loop fair. */
	for (int k = 0; k < 8; k++) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *cl = NULL;
		char who[24];

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control socket: accept");
			return;
		}
		if (!peer_allowed(fd, who)) {
			log_event(LM_CTL_REFUSED, "peer is not root", who);
			busy(fd);
			continue;
		}
		for (int i = 0; i < CTL_MAX_CLIENTS && !cl; i++)
			if (c->clients[i].fd < 0)
				cl = &c->clients[i];
		if (!cl) {
			log_event(LM_CTL_REFUSED, "too many clients", who);
			busy(fd);
			continue;
		}
		cl->fd = fd;
		cl->req_len = 0;
		util_strlcpy(cl->who, who, sizeof(cl->who));
		ev_io_init(&cl->io, client_read_cb, fd, EV_READ);
		ev_io_start(loop, &cl->io);
		ev_timer_init(&cl->timer, client_timeout_cb, CTL_TIMEOUT, 0.);
		ev_timer_start(loop, &cl->timer);
	}
}

/* ------------------------------------------------------------ the socket */

/* A socket file left by a daemon that died is removed; one that answers
 * belongs to a running daemon and is left alone. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		log_warnx("control socket %s: another sslvpnd is listening on it", path);
		return -1;
	}
	if (unlink(path) < 0) {
		log_warn("control socket %s: cannot remove the stale socket", path);
		return -1;
	}
	return 0;
}

static int open_socket(struct ctl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	util_strlcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	if (clear_stale(c->path, &sa) < 0)
		return -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		log_warn("control socket");
		return -1;
	}
	old = umask(0077); /* never a moment with a wider mode */
	rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(c->path, 0600) < 0 || listen(c->fd, 8) < 0) {
		log_warn("control socket %s", c->path);
		return -1;
	}
	return 0;
}

int ctl_start(struct mainctx *m)
{
	struct ctl *c = calloc(1, sizeof(*c));
	int n;

	if (!c)
		return -1;
	c->m = m;
	c->fd = -1;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		c->clients[i].ctl = c;
		c->clients[i].fd = -1;
	}
	m->ctl = c;
	if (m->ctl_path_arg)
		n = snprintf(c->path, sizeof(c->path), "%s", m->ctl_path_arg);
	else
		n = snprintf(c->path, sizeof(c->path), "%s/ctl.sock",
			     m->cfg->general.state_dir);
	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		log_warnx("control socket path too long (at most %zu bytes): %s%s",
			  sizeof(c->path) - 1, m->ctl_path_arg ? m->ctl_path_arg
							 : m->cfg->general.state_dir,
			  m->ctl_path_arg ? "" : "/ctl.sock");
		c->path[0] = 0;
		return -1;
	}
	if (open_socket(c) < 0) {
		c->path[0] = 0; /* not ours to remove */
		return -1;
	}
	util_random(&c->audit_prefix, sizeof(c->audit_prefix));
	metrics_init();
	if (metrics_http_start(m, &c->http) < 0)
		return -1;
	ev_io_init(&c->io, accept_cb, c->fd, EV_READ);
	ev_io_start(m->loop, &c->io);
	log_event(LM_CTL_LISTENING, c->path);
	return 0;
}

void ctl_stop(struct mainctx *m)
{
	struct ctl *c = m->ctl;

	if (!c)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&c->clients[i]);
	metrics_http_stop(c->http);
	if (c->fd >= 0) {
		ev_io_stop(m->loop, &c->io);
		close(c->fd);
		if (c->path[0])
			unlink(c->path);
	}
	free(c);
	m->ctl = NULL;
}
