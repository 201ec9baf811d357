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

#include "main.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/showrun.h"
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
	char ip[INET_ADDRSTRLEN];

	switch (l->fk) {
	case F_NONE: return 1;
	case F_NAME: return strcmp(v->user, l->fv) == 0;
	case F_TUNNEL_GROUP: return strcmp(v->tunnel_group, l->fv) == 0;
	case F_IP:
		return strcmp(fmt_ip(v->addr, ip, sizeof(ip)), l->fv) == 0 ||
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

static const char *const tunnel_names[3] = { "AnyConnect-Parent", "SSL-Tunnel", "DTLS-Tunnel" };

static void text_session(struct listing *l, const struct session_view *v)
{
	struct text *t = l->t;
	char ip[INET_ADDRSTRLEN], when[64], dur[48], idle[48], aid[25];
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
	text_printf(t, "%-13s: %-22s %-13s: %s\n", "Group Policy", v->group_policy,
		    "Tunnel Group", v->tunnel_group);
	text_printf(t, "%-13s: %s\n%-13s: %s\n%-13s: %s\n", "Login Time", when,
		    "Duration", dur, "Inactivity", idle);
	text_printf(t, "%-13s: %-22s %-13s: %s\n", "VLAN Mapping", "N/A", "VLAN", "none");
	text_printf(t, "%-13s: %s\n%-13s: %s\n\n", "Audt Sess ID", aid, "Security Grp", "none");
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
	char ip[INET_ADDRSTRLEN], when[32], aid[25];
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
	json_obj_end(j);
}

static void listing_cb(const struct session_view *v, void *arg)
{
	struct listing *l = arg;

	if (!filter_ok(l, v))
		return;
	if (!l->shown && !l->json)
		text_printf(l->t, "\nSession Type: AnyConnect\n\n");
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
static void cmd_show_anyconnect(struct request *r)
{
	struct listing l = { .ctl = r->ctl, .json = r->json, .t = r->t, .j = r->j };

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
	unsigned long cum = m->next_session_id, peak = (unsigned long)m->peak_sessions;
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

/* vpn-sessiondb logoff name U | index N | all [noconfirm] */
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
	} else {
		int known = argc > 2 && (kw(r->argv[2], "name") || kw(r->argv[2], "index") ||
					 kw(r->argv[2], "all"));

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
		snprintf(r->err, sizeof(r->err), "ERROR: out of memory");
		return;
	}
	if (kw(what, "group-policy"))
		rc = showrun_group_policy(fp, cfg, name, all);
	else if (kw(what, "tunnel-group") && !all)
		rc = showrun_tunnel_group(fp, cfg, name);
	else if (kw(what, "access-list") && !all)
		rc = showrun_access_list(fp, cfg, name);
	else
		rc = -2;
	fclose(fp);
	if (rc == -2)
		invalid(r, at);
	else if (rc < 0)
		snprintf(r->err, sizeof(r->err), "ERROR: %.60s %.60s does not exist", what,
			 name ? name : "");
	else if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "config");
		json_strn(r->j, buf, len);
		json_obj_end(r->j);
	} else {
		text_printf(r->t, "%s", buf);
	}
	free(buf);
}

static void cmd_help(struct request *r)
{
	static const char *const lines[] = {
		"show vpn-sessiondb anyconnect [filter name U | filter ip A | filter tunnel-group T]",
		"show vpn-sessiondb summary",
		"vpn-sessiondb logoff name U | index N | all [noconfirm]",
		"show running-config [all] group-policy [NAME]",
		"show running-config tunnel-group [NAME]",
		"show running-config access-list [NAME]",
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

/* Returns 1 for a command that changes state (logged as 111008). */
static int dispatch(struct request *r)
{
	if (r->argc == 1 && strcmp(r->argv[0], "help") == 0) {
		cmd_help(r);
	} else if (r->argc > 0 && kw(r->argv[0], "show")) {
		if (kw(r->argv[1], "running-config"))
			cmd_show_run(r);
		else if (!kw(r->argv[1], "vpn-sessiondb"))
			invalid(r, 1);
		else if (kw(r->argv[2], "anyconnect"))
			cmd_show_anyconnect(r);
		else if (kw(r->argv[2], "summary"))
			cmd_show_summary(r);
		else
			invalid(r, 2);
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

/* Words of the request (in place): blanks separate, "..." groups. */
static int split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return argc;
		if (argc == max)
			return -1;
		if (*p == '"') {
			char *end = strchr(++p, '"');

			if (!end || (end[1] && end[1] != ' ' && end[1] != '\t'))
				return -1;
			argv[argc++] = p;
			*end = 0;
			p = end + 1;
			continue;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '"')
			p++;
		if (*p == '"')
			return -1;
		if (*p)
			*p++ = 0;
	}
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
	size_t len = 0;
	int changes;

	json_init(&j, CTL_REPLY_MAX);
	r.t = &t;
	r.j = &j;
	r.argc = split_words(line, r.argv, CTL_MAX_WORDS);
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
	if (r.err[0]) {
		char msg[200];

		snprintf(msg, sizeof(msg), "ERROR: %s", r.err);
		reply_err(cl, msg);
		goto out;
	}
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
		reply_set(cl, "OK\n", p, len);
		free(p);
	} else {
		reply_set(cl, "OK\n", body, len);
	}
out:
	json_free(&j);
	free(t.p);
}

/* Only printable ASCII before the newline: the line goes into the log. */
static int line_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			if (p[i] != '\t')
				return 0;
	return 1;
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
	if (!line_ok(cl->req, len) || memchr(cl->req, 0, len)) {
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
	if (c->fd >= 0) {
		ev_io_stop(m->loop, &c->io);
		close(c->fd);
		if (c->path[0])
			unlink(c->path);
	}
	free(c);
	m->ctl = NULL;
}
