/* The control socket's view of the session table (ctl.c, metrics.c):
 * listings and the administrator's logoff. */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

/* --- the control socket's view (ctl.c) */

static int by_index_cmp(const void *a, const void *b)
{
	uint32_t x = (*(struct session *const *)a)->id, y = (*(struct session *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* "Auth Mode" of the detailed listing, in the ASA's words. */
static const char *auth_mode(const struct session *s)
{
	const struct cfg_tunnel_group *tg = config_tunnel_group(s->snap->cfg, s->tunnel_group);

	if (!tg)
		return "unknown";
	switch (tg->authentication) {
	case CFG_AUTH_AAA: return "userPassword";
	case CFG_AUTH_AAA_CERTIFICATE: return "Certificate and userPassword";
	default: return "Certificate";
	}
}

static void view_of(const struct session *s, uint64_t now, struct session_view *v)
{
	int live = s->state == SS_ACTIVE;

	memset(v, 0, sizeof(*v));
	v->index = s->id;
	v->user = s->user;
	v->tunnel_group = s->tunnel_group;
	v->group_policy = s->policy;
	v->public_ip = s->peer;
	v->addr = s->addr;
	v->addr6 = s->pool6 ? s->addr6 : NULL;
	v->state = live ? SESSION_ACTIVE
		 : s->state == SS_AUTHENTICATED ? SESSION_WAITING : SESSION_INACTIVE;
	v->tunnel_up = live;
	v->dtls_state = live ? s->stats.dtls_state : IPC_DTLS_NONE;
	v->dtls_up = v->dtls_state == IPC_DTLS_UP || v->dtls_state == IPC_DTLS_FALLBACK;
	v->dtls_mode = live ? s->stats.dtls_mode : "";
	v->dtls_cipher = live ? s->stats.dtls_cipher : "";
	v->tls_version = s->tls_version;
	v->tls_cipher = s->tls_cipher;
	/* s->bytes_* sums the closed tunnels; stats is the running one's last
	 * report (reset when a tunnel opens, stale once it closed). */
	v->bytes_in = s->bytes_in + (live ? s->stats.bytes_in : 0);
	v->bytes_out = s->bytes_out + (live ? s->stats.bytes_out : 0);
	v->pkts_in = live ? s->stats.pkts_in : 0;
	v->pkts_out = live ? s->stats.pkts_out : 0;
	v->drops = live ? s->stats.drops : 0;
	v->filter_drops_in = live ? s->stats.filter_drops_in : 0;
	v->filter_drops_out = live ? s->stats.filter_drops_out : 0;
	v->login_time = s->login_time;
	v->duration_s = (now - s->created_ms) / 1000;
	v->inactivity_s = live ? 0 : (now - s->idle_since_ms) / 1000;
	v->live = live ? &s->stats : NULL;
	v->tcp_src_port = s->tcp_src_port;
	v->tcp_dst_port = s->tcp_dst_port;
	v->udp_src_port = s->udp_src_port;
	v->udp_dst_port = s->udp_dst_port;
	v->user_agent = s->user_agent;
	v->device_id = s->device_id;
	v->idle_timeout_s = s->idle_timeout_s;
	/* Reports come every 5 s while traffic flows: idle to that precision. */
	v->idle_s = live ? (now - s->traffic_ms) / 1000 : v->inactivity_s;
	v->auth_mode = auth_mode(s);
}

int sessions_foreach(struct mainctx *m,
		     void (*cb)(const struct session_view *v, void *arg), void *arg)
{
	struct session **all = calloc(m->n_sessions + 1, sizeof(*all));
	uint64_t now = util_now_ms();
	struct session_view v;
	size_t n = 0;

	if (!all)
		return -1;
	for (struct session *s = m->sessions; s && n < m->n_sessions; s = s->next)
		all[n++] = s;
	qsort(all, n, sizeof(*all), by_index_cmp);
	for (size_t i = 0; i < n; i++) {
		view_of(all[i], now, &v);
		cb(&v, arg);
	}
	free(all);
	return (int)n;
}

static int selected(const struct session *s, const struct session_selector *sel)
{
	switch (sel->kind) {
	case SESSION_SEL_ALL: return 1;
	case SESSION_SEL_NAME: return strcmp(s->user, sel->name) == 0;
	case SESSION_SEL_INDEX: return s->id == sel->index;
	case SESSION_SEL_TUNNEL_GROUP: return strcmp(s->tunnel_group, sel->name) == 0;
	}
	return 0;
}

int sessions_disconnect(struct mainctx *m, const char *host, const char *session_id,
			const char *user, uint32_t framed_ip)
{
	int n = 0;
	char aid[25];

	if (!session_id[0] && !user[0] && !framed_ip)
		return 0;  /* names no session: never "all of them" */
	for (struct session *s = m->sessions, *next; s; s = next) {
		next = s->next;
		sessions_audit_id(m, s, aid);
		/* the accounting id when it differs (a session kept across a
		 * restart keeps the Acct-Session-Id of its Start) */
		if (session_id[0] && s->acct_id[0] && !strcmp(session_id, s->acct_id))
			util_strlcpy(aid, s->acct_id, sizeof(aid));
		if ((session_id[0] && strcmp(session_id, aid)) || (user[0] && strcmp(user, s->user)) ||
		    (framed_ip && ntohl(framed_ip) != s->addr))
			continue;
		log_event(LM_AAA_DISCONNECT, s->user, s->peer, host, aid);
		sessions_end(m, s, IPC_KICK_ADMIN, "Administrator Reset");
		n++;
	}
	return n;
}

int sessions_logoff(struct mainctx *m, const struct session_selector *sel)
{
	int n = 0;

	for (struct session *s = m->sessions, *next; s; s = next) {
		next = s->next;
		if (!selected(s, sel))
			continue;
		sessions_end(m, s, IPC_KICK_ADMIN, "Administrator Reset");
		n++;
	}
	return n;
}
