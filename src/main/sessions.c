/* The sessions' lifecycle: login, tunnels, timers, end.  The table's
 * indexes (by cookie, id, DTLS id; deadlines): sessions_table.c.
 * Addresses: sessions_lease.c; the tunnel's
 * parameters: tunparams_fill (pure, src/policy/tunparams.c); the control
 * socket's view: sessions_view.c.  A session outlives its tunnel:
 * when TLS drops without a DISCONNECT the address stays leased and the
 * cookie valid for cookie-timeout seconds, so the client (a phone) comes
 * back to the same address (anyconnect-protocol.md 3.6). */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "fleet_lease.h"
#include "fleet_sess.h"
#include "sessions.h"
#include "sessions_user.h"
#include "sslvpnd/acl.h"
#include "sslvpnd/tunparams.h"
#include "metrics.h"
#include "sslvpnd/aclfilter.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tbucket.h"
#include "sslvpnd/util.h"

void sessions_set_dap(struct session *s, const struct dap_result *r)
{
	s->dap = 1;
	util_strlcpy(s->dap_records, r->records, sizeof(s->dap_records));
	util_strlcpy(s->dap_filter, r->filter, sizeof(s->dap_filter));
	s->dap_filter_flags = r->deny_first ? IPC_FILTER_DENY_FIRST : 0;
}

void sessions_set_aaa(struct session *s, const struct ipc_aaa_rep *r)
{
	s->aaa_framed_ip = r->framed_ip;
	util_strlcpy(s->aaa_filter, r->filter, sizeof(s->aaa_filter));
	s->aaa_session_timeout = r->session_timeout;
	s->aaa_idle_timeout = r->idle_timeout;
	util_strlcpy(s->aaa_server, r->host, sizeof(s->aaa_server));
	/* RFC 2866: the Class of the Access-Accept goes back in accounting */
	const char *c = strstr(r->attrs, "aaa.radius.25=");

	if (c && (c == r->attrs || c[-1] == '\n')) {
		size_t n = strcspn(c + 14, "\n");

		snprintf(s->acct_class, sizeof(s->acct_class), "%.*s", (int)n, c + 14);
	}
}

/* 734001 follows 722051 at each tunnel, as in seed 001; the filter DAP
 * chose (tunparams_fill put it in rp) is named once more. */
static void dap_tunnel_log(const struct session *s)
{
	if (!s->dap)
		return;
	log_event(LM_DAP_SELECTED, s->user, s->peer, DAP_CONNECTION, s->dap_records);
	if (!s->dap_filter[0])
		return;
	log_event(LM_DAP_FILTER, s->user, s->peer, s->dap_filter,
		  s->dap_filter_flags & IPC_FILTER_DENY_FIRST ? "deny entries first"
							      : "one list, in order");
}

/* O(1): the count sessions_insert and detach keep (sessions_user.c). */
unsigned sessions_count_user(const struct mainctx *m, const char *user)
{
	return sessions_users_count(&m->users, user);
}

static void log_ended(struct session *s, const char *reason)
{
	char dur[48], in[24], out[24];

	util_duration(dur, sizeof(dur), (util_now_ms() - s->created_ms) / 1000);
	snprintf(in, sizeof(in), "%llu", (unsigned long long)s->bytes_in);
	snprintf(out, sizeof(out), "%llu", (unsigned long long)s->bytes_out);
	log_event(LM_SESSION_DISCONNECTED, s->policy, s->user, s->peer, dur,
		  out, in, reason);
}

/* Out of the table (sessions_table_remove), address back, out of the
 * fleet's registry (if this node still owns its record there). */
static void detach(struct mainctx *m, struct session *s)
{
	sessions_table_remove(m, s);
	sessions_lease_release(m, s);
	fleet_sess_gone(m, s);
}

static void add_bytes(struct session *s, uint64_t in, uint64_t out, uint64_t pin,
		      uint64_t pout)
{
	s->bytes_in += in;
	s->bytes_out += out;
	s->pkts_in += pin;
	s->pkts_out += pout;
}

/* A replaced tunnel that never reported: its last known counters. */
static void settle_replaced(struct session *s)
{
	if (!s->replaced_worker)
		return;
	add_bytes(s, s->replaced_stats.bytes_in, s->replaced_stats.bytes_out,
		  s->replaced_stats.pkts_in, s->replaced_stats.pkts_out);
	s->replaced_worker = NULL;
	s->replaced_conn_id = 0;
}

void sessions_free(struct session *s)
{
	if (!s)
		return;
	snapshot_unref(s->snap);
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	OPENSSL_cleanse(s->cookie_hash, sizeof(s->cookie_hash));
	free(s);
	/* its lease, hash entries and ACL copies go with it: about 2 pages */
	util_heap_freed(sizeof(*s) + 8192);
}

static void finish(struct mainctx *m, struct session *s, const char *reason)
{
	settle_replaced(s);
	macct_event(m, s, IPC_ACCT_STOP, reason);
	log_ended(s, reason);
	log_event(LM_SESSION_TERMINATED, s->policy, s->user, s->peer, reason);
	sessions_free(s);
}

/* The TLS tunnel's end as the ASA logs it: why (722037), then 722023 TCP
 * (the worker logs the UDP one of its DTLS channel). */
static void log_tunnel_down(const struct session *s, const char *why)
{
	log_event(LM_SVC_CLOSING, s->policy, s->user, s->peer, why);
	log_event(LM_TUNNEL_DOWN, s->policy, s->user, s->peer, "without");
}

static void destroy(struct mainctx *m, struct session *s, const char *reason)
{
	detach(m, s);
	finish(m, s, reason);
}

/* How long 113019 waits for a kicked tunnel's TUNNEL_CLOSED (the worker
 * answers at once; this only covers a worker that never does). */
enum { ENDING_WAIT_MS = 3000 };

static void kick(struct session *s, uint8_t reason)
{
	struct ipc_tunnel_kick k = { .session_id = s->id, .conn_id = s->conn_id,
				     .reason = reason };
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_tunnel_kick(&k, buf, sizeof(buf));

	if (s->worker)
		proc_send(s->worker, IPC_TUNNEL_KICK, buf, n, -1);
}

/* main ends a session (logoff, vpn-simultaneous-logins, vpn-session-
 * timeout).  Without a tunnel it goes at once.  With one, the tunnel is
 * told and the session leaves the table now (its address is free for the
 * next login), but 113019 waits on m->ending for the tunnel's
 * TUNNEL_CLOSED: only the worker knows the final TLS and DTLS counts. */
void sessions_end(struct mainctx *m, struct session *s, uint8_t kick_reason,
			const char *reason)
{
	if (s->state != SS_ACTIVE || !s->worker) {
		destroy(m, s, reason);
		return;
	}
	kick(s, kick_reason);
	detach(m, s);
	s->end_reason = reason;
	s->end_ms = util_now_ms() + ENDING_WAIT_MS;
	sessions_list_push(&m->ending, s);
}

void sessions_moved_away(struct mainctx *m, struct session *s, const char *reason)
{
	sessions_table_remove(m, s);
	fleet_lease_moved_away(m, s);
	if (s->state != SS_ACTIVE || !s->worker) {
		finish(m, s, reason);
		return;
	}
	kick(s, IPC_KICK_REPLACED);
	s->end_reason = reason;
	s->end_ms = util_now_ms() + ENDING_WAIT_MS;
	sessions_list_push(&m->ending, s);
}

/* The ending session's last word: the final counters (TUNNEL_CLOSED) or,
 * from a worker that died or never answered, its last report. */
static void ending_done(struct mainctx *m, struct session *s, uint64_t in, uint64_t out,
			uint64_t pin, uint64_t pout)
{
	sessions_list_unlink(s);
	add_bytes(s, in, out, pin, pout);
	log_tunnel_down(s, s->end_reason);
	finish(m, s, s->end_reason);
}

static struct session *ending_by_tunnel(struct mainctx *m, struct worker_proc *w,
					uint32_t session_id, uint32_t conn_id)
{
	for (struct session *s = m->ending; s; s = s->next)
		if (s->id == session_id && s->worker == w && s->conn_id == conn_id)
			return s;
	return NULL;
}

static void ending_tick(struct mainctx *m, struct worker_proc *lost, uint64_t now)
{
	for (struct session *s = m->ending, *n; s; s = n) {
		n = s->next;
		if (lost ? s->worker == lost : now >= s->end_ms)
			ending_done(m, s, s->stats.bytes_in, s->stats.bytes_out,
				    s->stats.pkts_in, s->stats.pkts_out);
	}
}

/* ASA behaviour at vpn-simultaneous-logins (Cisco ASA Series CLI
 * Configuration Guide, "Configuring VPN-Specific Attributes"): at the limit
 * "the session with the longest idle time is logged off. If all current
 * sessions have been idle an equally long time, then the oldest session is
 * logged off"; with a limit of 1 the existing session (stale or active)
 * goes.  Idle here: a session without a tunnel has been idle since its
 * tunnel went away and is preferred, longest first; sessions with a tunnel
 * up count as equally idle (main does not see their traffic), so the
 * oldest of them goes. */
static int more_idle(const struct session *a, const struct session *b)
{
	int a_idle = a->state != SS_ACTIVE, b_idle = b->state != SS_ACTIVE;

	if (a_idle != b_idle)
		return a_idle;
	if (a_idle && a->idle_since_ms != b->idle_since_ms)
		return a->idle_since_ms < b->idle_since_ms;
	return a->created_ms < b->created_ms;
}

void sessions_logoff_oldest(struct mainctx *m, const char *user)
{
	struct session *old = NULL;

	for (struct session *s = m->sessions; s; s = s->next)
		if (strcmp(s->user, user) == 0 && (!old || more_idle(s, old)))
			old = s;
	if (!old)
		return;
	sessions_end(m, old, IPC_KICK_ADMIN, "Max logins exceeded");
}

/* The entries of the vpn-filter decided above (group policy or DAP), read
 * from the session's snapshot like everything else of its CONNECT: the
 * worker builds the filter from them and from nothing else.  A filter that
 * cannot be sent (a list gone, more entries than TUNNEL_REP carries) fails
 * closed: the tunnel passes nothing, 100251 says why. */
/* Cisco-AVPair ip:inacl#N=ACE (S15): the AAA server's own entries, one per
 * line, as an extended access list of the session, named as the ASA names
 * a downloaded list (AAA-user-<session>).  Returns the entries' count, or
 * -1 with the reason of the first that does not parse. */
static long aces_parse(const char *lines, struct aclfilter_entry *out, size_t max, char *err,
		       size_t errlen)
{
	char line[512];
	const char *why;
	size_t n = 0;

	for (const char *p = lines; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		size_t l = strcspn(p, "\n");

		if (!l)
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		if (n == max) {
			snprintf(err, errlen, "more than %zu ip:inacl# entries", max);
			return -1;
		}
		out[n].list = 0;
		if (acl_parse_entry(ACL_EXTENDED, line, &out[n].e, &why) < 0) {
			snprintf(err, errlen, "ip:inacl# entry \"%.100s\": %s", line, why);
			return -1;
		}
		n++;
	}
	return (long)n;
}

const char *sessions_aces_check(const char *lines, char *buf, size_t len)
{
	static struct aclfilter_entry e[IPC_FILTER_ENTRIES];

	return aces_parse(lines, e, IPC_FILTER_ENTRIES, buf, len) < 0 ? buf : NULL;
}

static void aces_name(const struct session *s, char *out, size_t len)
{
	snprintf(out, len, "AAA-user-%08x", s->id);
}

static void filter_entries(const struct session *s, const struct sslvpnd_config *cfg,
			   struct ipc_tunnel_rep *rp)
{
	char err[192], own[32];
	long n;

	rp->n_filter_e = 0;
	if (!rp->filter[0])
		return;
	aces_name(s, own, sizeof(own));
	if (strchr(s->aaa_filter, '\n') && !strcmp(rp->filter, own))
		n = aces_parse(s->aaa_filter, rp->filter_e, IPC_FILTER_ENTRIES, err, sizeof(err));
	else
		n = aclfilter_gather(cfg, rp->filter, rp->filter_e, IPC_FILTER_ENTRIES, err,
				     sizeof(err));
	if (n < 0) {
		rp->filter_flags |= IPC_FILTER_CLOSED;
		log_event(LM_VPN_FILTER_FAILED, s->policy, s->user, s->peer, err);
		return;
	}
	rp->n_filter_e = (uint16_t)n;
}

/* A login refused for want of an address leaves nothing behind: the
 * session is taken out of the table as if it never was (cookie, listing,
 * Inactive, Peak, Cumulative, vpn-simultaneous-logins), so a phone retrying
 * against a full pool does not pile up sessions that later log its own
 * retries off.  737019 and 100205 name the cause. */
static void discard(struct mainctx *m, struct session *s)
{
	detach(m, s);
	/* This session raised the peak only if the peak grew in its lifetime;
	 * without it every count of that time was one lower. */
	if (m->peak_sessions > s->peak_before)
		m->peak_sessions = m->peak_sessions - 1 > s->peak_before ? m->peak_sessions - 1
									 : s->peak_before;
	m->n_discarded++;
	sessions_free(s);
}

static void refuse_no_address(struct mainctx *m, struct session *s,
			      const struct cfg_name_list *pools, struct ipc_tunnel_rep *rp)
{
	char tag[16];

	sessions_lease_log_no_address(s, pools, "4");
	snprintf(tag, sizeof(tag), "%u", s->id);
	log_event(LM_POOL_EXHAUSTED, tag, pools->n ? pools->v[0] : "(none configured)",
		  s->user);
	util_strlcpy(rp->reason, pools->n ? "no address available"
					  : "no address pool configured",
		     sizeof(rp->reason));
	rp->result = IPC_TUNNEL_NO_RESOURCES;
	discard(m, s);
}

/* The client came back on a new connection (TLS died, or a second client
 * holds the cookie): the old tunnel goes; its final counters come in its
 * TUNNEL_CLOSED. */
static void replace_tunnel(struct session *s, struct ipc_tunnel_rep *rp)
{
	kick(s, IPC_KICK_REPLACED);
	settle_replaced(s);
	s->replaced_worker = s->worker;
	s->replaced_conn_id = s->conn_id;
	s->replaced_stats = s->stats;
	rp->resumed = 1;
}

/* The session now rides this worker's connection. */
static void take_tunnel(struct worker_proc *w, struct session *s,
			const struct ipc_tunnel_req *rq)
{
	s->state = SS_ACTIVE;
	s->worker = w;
	s->conn_id = rq->conn_id;
	util_strlcpy(s->peer, rq->peer, sizeof(s->peer));
	util_strlcpy(s->tls_version, rq->tls_version, sizeof(s->tls_version));
	util_strlcpy(s->tls_cipher, rq->tls_cipher, sizeof(s->tls_cipher));
	util_strlcpy(s->user_agent, rq->user_agent, sizeof(s->user_agent));
	s->tcp_src_port = rq->peer_port;
	s->traffic_ms = util_now_ms();
	s->udp_src_port = s->udp_dst_port = 0;
	memset(&s->stats, 0, sizeof(s->stats));
	leases_dirty(); /* the registry's state of the session */
}

/* Who the tunnel is and which addresses it has. */
static void fill_identity(const struct session *s, struct ipc_tunnel_rep *rp)
{
	rp->session_id = s->id;
	rp->addr = htonl(s->addr);
	rp->netmask = htonl(pool_mask(s->pool));
	if (s->pool6) {
		memcpy(rp->addr6, s->addr6, 16);
		rp->plen6 = (uint8_t)pool_prefix_len(s->pool6);
	}
	util_strlcpy(rp->username, s->user, sizeof(rp->username));
	util_strlcpy(rp->tunnel_group, s->tunnel_group, sizeof(rp->tunnel_group));
	util_strlcpy(rp->group_policy, s->policy, sizeof(rp->group_policy));
}

/* The parameters (tunparams_fill, pure) from what the session knows; the
 * vpn-session-timeout is fixed at the first tunnel. */
static void fill_params(struct session *s, const struct sslvpnd_config *cfg,
			const struct gp_effective *e, const struct ipc_tunnel_req *rq,
			struct ipc_tunnel_rep *rp)
{
	struct tunparams_facts f = {
		.cookie_timeout = (uint32_t)cfg->general.cookie_timeout,
		.since_login_s = (util_now_ms() - s->created_ms) / 1000,
		.timeout_fixed = s->timeout_set,
		.session_timeout = s->session_timeout,
		.dap_filter = s->dap ? s->dap_filter : NULL,
		.dap_filter_flags = s->dap_filter_flags,
	};

	/* The AAA server's Session-Timeout and Filter-Id win over the group
	 * policy's (as on the ASA); DAP's network ACLs over both. */
	if (!s->timeout_set && s->aaa_session_timeout) {
		f.timeout_fixed = 1;
		f.session_timeout = s->aaa_session_timeout;
	}
	char own[32];

	if ((!f.dap_filter || !f.dap_filter[0]) && s->aaa_filter[0]) {
		aces_name(s, own, sizeof(own));
		f.dap_filter = strchr(s->aaa_filter, '\n') ? own : s->aaa_filter;
		f.dap_filter_flags = 0;
	}
	tunparams_fill(e, rq, &f, rp);
	if (s->aaa_idle_timeout)
		rp->idle_timeout = s->aaa_idle_timeout;
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, s->tunnel_group);

	rp->asa_compat = tg ? (uint8_t)tg->asa_compat_mask : 0;
	if (!s->timeout_set) {
		s->session_timeout = rp->session_timeout;
		s->timeout_set = 1;
	}
	s->idle_timeout_s = rp->idle_timeout;
}

static void log_tunnel_up(const struct session *s, int resumed)
{
	char addr[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	sessions_fmt4(s->addr, addr, sizeof(addr));
	if (resumed)
		log_event(LM_SESSION_RESUMED, s->policy, s->user, s->peer, addr);
	if (s->pool6)
		log_event(LM_ADDR_ASSIGNED_DUAL, s->policy, s->user, s->peer, addr,
			  sessions_fmt6(s->addr6, a6, sizeof(a6)));
	else
		log_event(LM_ADDR_ASSIGNED, s->policy, s->user, s->peer, addr);
	dap_tunnel_log(s);
}

int sessions_open_tunnel(struct worker_proc *w, struct session *s,
			 const struct ipc_tunnel_req *rq, struct ipc_tunnel_rep *rp)
{
	struct mainctx *m = w->m;
	/* The session's own snapshot, not the current one: a reload must
	 * not change what a reconnecting client gets mid-session. */
	const struct sslvpnd_config *cfg = s->snap->cfg;
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, s->tunnel_group);
	struct gp_effective e;
	struct cfg_name_list pools;

	policy_resolve(cfg, s->policy, &e);
	/* Only a login's first CONNECT has no address yet: a session keeps
	 * its lease until it ends. */
	if (!s->addr && sessions_lease_first(m, s, &e, tg, &pools) < 0) {
		refuse_no_address(m, s, &pools, rp);
		return -1;
	}
	/* 722032 replacing, 722034 none open, 722033 the first (after 722022) */
	enum log_event svc = s->state == SS_DISCONNECTED ? LM_SVC_NO_EXISTING : LM_SVC_FIRST;

	if (s->state == SS_ACTIVE)
		replace_tunnel(s, rp);
	else if (s->state == SS_DISCONNECTED) /* resumes after 716058 */
		log_event(LM_SESSION_RESUMED_FROM, s->policy, s->user, s->peer, rq->peer);
	if (!s->pool6 && rq->want_ipv6)
		sessions_lease_ipv6(m, s, &e, tg);
	sessions_lease_route(m, s, w->tun_ifindex);
	take_tunnel(w, s, rq);
	fill_identity(s, rp);
	fill_params(s, cfg, &e, rq, rp);
	if (rp->dtls)
		sessions_dtls_id_new(m, s, rp->dtls_id);
	else
		sessions_dtls_id_drop(m, s);
	log_tunnel_up(s, rp->resumed);
	filter_entries(s, cfg, rp);
	log_event(LM_TUNNEL_UP, s->policy, s->user, s->peer, "without");
	if (!rp->resumed)
		log_event(svc, s->policy, s->user, s->peer);
	log_event(LM_CLIENT_TYPE, s->policy, s->user, s->peer, s->user_agent);
	if (!s->acct_started)  /* the session's first tunnel: it has its address */
		macct_event(m, s, IPC_ACCT_START, NULL);
	sessions_rearm(m, s); /* a tunnel: no cookie expiry; its timeouts, its Start */
	fleet_sess_update(m, s); /* tunnel 1, and the Acct-Session-Id of its Start */
	return 0;
}

static const char *close_reason_text(uint8_t r)
{
	switch (r) {
	case IPC_CLOSE_USER: return "User Requested";
	case IPC_CLOSE_IDLE: return "Idle Timeout";
	case IPC_CLOSE_KICKED: return "Administrator Reset";
	case IPC_CLOSE_DPD: return "Peer dead (DPD)";
	case IPC_CLOSE_PROTOCOL: return "Protocol error";
	default: return "Connection lost";
	}
}

static void tunnel_gone(struct mainctx *m, struct session *s, uint8_t reason)
{
	log_tunnel_down(s, close_reason_text(reason));
	sessions_dtls_id_drop(m, s);
	s->worker = NULL;
	s->conn_id = 0;
	if (reason == IPC_CLOSE_USER || reason == IPC_CLOSE_IDLE ||
	    reason == IPC_CLOSE_KICKED) {
		destroy(m, s, close_reason_text(reason));
		return;
	}
	/* Resumable: keep the lease and the cookie, drop the route. */
	sessions_lease_unroute(m, s);
	s->state = SS_DISCONNECTED;
	log_event(LM_SESSION_LOST, s->policy, s->user, s->peer);
	s->idle_since_ms = util_now_ms();
	sessions_rearm(m, s); /* the cookie expires from now */
	leases_dirty(); /* the registry: since when without a tunnel */
	fleet_sess_update(m, s);
}

void sessions_on_tunnel_closed(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_tunnel_closed c;

	if (ipc_dec_tunnel_closed(&c, buf, len) < 0) {
		proc_kill(w, "bad TUNNEL_CLOSED");
		return;
	}
	metrics_tunnel_closed(&c);
	struct session *s = ending_by_tunnel(w->m, w, c.session_id, c.conn_id);

	if (s) {
		ending_done(w->m, s, c.bytes_in, c.bytes_out, c.pkts_in, c.pkts_out);
		return;
	}
	s = sessions_by_id(w->m, c.session_id);
	if (!s)
		return;
	/* A replaced tunnel reports late: the session already moved on,
	 * only its bytes count. */
	if (s->replaced_worker == w && s->replaced_conn_id == c.conn_id) {
		add_bytes(s, c.bytes_in, c.bytes_out, c.pkts_in, c.pkts_out);
		s->replaced_worker = NULL;
		s->replaced_conn_id = 0;
		return;
	}
	if (s->worker != w || s->conn_id != c.conn_id)
		return;
	add_bytes(s, c.bytes_in, c.bytes_out, c.pkts_in, c.pkts_out);
	tunnel_gone(w->m, s, c.reason);
}

/* The worker's view of a tunnel's DTLS (state and counters), kept for the
 * session listing. */
void sessions_on_tunnel_stats(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_tunnel_stats st;

	if (ipc_dec_tunnel_stats(&st, buf, len) < 0) {
		proc_kill(w, "bad TUNNEL_STATS");
		return;
	}
	struct session *s = sessions_by_id(w->m, st.session_id);

	if (!s || s->worker != w || s->conn_id != st.conn_id)
		return;
	if (st.bytes_in != s->stats.bytes_in || st.bytes_out != s->stats.bytes_out)
		s->traffic_ms = util_now_ms();
	s->stats = st;
	/* The ports of the channel that carries traffic: a hello from
	 * elsewhere moves nothing until its handshake completed. */
	if (st.udp_src_port) {
		s->udp_src_port = st.udp_src_port;
		s->udp_dst_port = st.udp_dst_port;
	}
}

void sessions_on_worker_lost(struct worker_proc *w)
{
	for (struct session *s = w->m->sessions, *n; s; s = n) {
		n = s->next;
		if (s->replaced_worker == w)
			settle_replaced(s);
		if (s->state == SS_ACTIVE && s->worker == w) {
			metrics_tunnel_lost(&s->stats); /* no TUNNEL_CLOSED will come */
			add_bytes(s, s->stats.bytes_in, s->stats.bytes_out,
				  s->stats.pkts_in, s->stats.pkts_out);
			tunnel_gone(w->m, s, IPC_CLOSE_LOST);
		}
	}
	ending_tick(w->m, w, 0);
}

/* A session whose deadline came (it is out of m->timers): whichever of
 * its timers is due. */
static void session_due(struct mainctx *m, struct session *s, uint64_t now)
{
	uint64_t limit = (uint64_t)s->snap->cfg->general.cookie_timeout * 1000;
	uint64_t acct = macct_interim_due(m, s);

	if (s->session_timeout && now - s->created_ms >= (uint64_t)s->session_timeout * 1000) {
		/* vpn-session-timeout: the ASA ends the session, tunnel or
		 * not, and the client is told. */
		sessions_end(m, s, IPC_KICK_TIMEOUT, "Max time exceeded");
		return;
	}
	if (s->state != SS_ACTIVE && now - s->idle_since_ms >= limit) {
		char dur[48];

		util_duration(dur, sizeof(dur), limit / 1000);
		log_event(LM_SESSION_EXPIRED, s->user, s->policy, dur);
		destroy(m, s, s->state == SS_AUTHENTICATED ? "Idle Timeout" : "Lost Service");
		return;
	}
	if (acct && now >= acct)
		macct_event(m, s, IPC_ACCT_INTERIM, NULL);
	/* Back in the heap (its slot is free: no allocation).  Never due
	 * again in this tick: an Interim-Update the full queue dropped is
	 * tried at the next. */
	uint64_t due = sessions_next_due(m, s);

	(void)dheap_set(&m->timers, &s->timer, due > now ? due : now + 1000);
}

/* Once a second, but only the sessions whose deadline came: the cost is
 * per timer event, not per session (S11). */
void sessions_tick(struct mainctx *m)
{
	uint64_t now = util_now_ms();

	leases_tick(m);
	fleet_sess_tick(m, now);
	ending_tick(m, NULL, now);
	for (struct dheap_node *e; (e = dheap_pop_due(&m->timers, now));)
		session_due(m, (struct session *)((char *)e - offsetof(struct session, timer)),
			    now);
}

/* Sessions saved for the next start leave quietly: no 113019 (they go on
 * after the restart), routes removed, addresses back to the pools, whose
 * memory is saved next. */
static size_t keep_for_restart(struct mainctx *m)
{
	size_t n = 0;

	for (struct session *s; (s = m->sessions); n++) {
		/* not detach: the fleet's record stays, the session goes on */
		sessions_table_remove(m, s);
		sessions_lease_release(m, s);
		settle_replaced(s);
		macct_keep(s);  /* its AAA state and accounting, beside the registry */
		sessions_free(s);
	}
	return n;
}

void sessions_shutdown(struct mainctx *m)
{
	size_t n = m->n_sessions;

	/* The registry first, with every session in it (an empty one too: a
	 * registry of an earlier run must not come back). */
	if (sessions_store_save(m) == 0 && n) {
		char num[24], tmo[24];

		snprintf(num, sizeof(num), "%zu", keep_for_restart(m));
		snprintf(tmo, sizeof(tmo), "%d", m->cfg->general.cookie_timeout);
		log_event(LM_SESSIONS_KEPT, num, m->cfg->general.state_dir, tmo);
	}
	/* Not saved: the workers stop with main; a running tunnel's last
	 * report is all that 113019 can count. */
	for (struct session *s = m->sessions; s; s = s->next)
		if (s->state == SS_ACTIVE)
			add_bytes(s, s->stats.bytes_in, s->stats.bytes_out,
				  s->stats.pkts_in, s->stats.pkts_out);
	while (m->sessions)
		destroy(m, m->sessions, "System Shutdown");
	while (m->ending)
		ending_done(m, m->ending, m->ending->stats.bytes_in, m->ending->stats.bytes_out,
			    m->ending->stats.pkts_in, m->ending->stats.pkts_out);
	leases_save(m);
	sessions_users_free(&m->users);
	dheap_free(&m->timers);
}

/* Ports for the detailed listing: the TCP port the client logged in on
 * (mauth.c), the UDP ports of its DTLS hello (udp.c). */
void sessions_set_tcp_dst_port(struct session *s, uint16_t port)
{
	s->tcp_dst_port = port;
}

void sessions_set_device_id(struct session *s, const char *device_id)
{
	util_strlcpy(s->device_id, device_id, sizeof(s->device_id));
}

/* Hellos per session: a burst of HELLO_BURST (a client retrying over a
 * lossy link, openconnect reconnecting DTLS), then one per HELLO_PERIOD_MS.
 * Each hello main passes on costs a socket, an IPC message and a server
 * flight sent to the hello's source. */
enum { HELLO_BURST = 4, HELLO_PERIOD_MS = 2000, HELLO_LOG_MS = 60000 };

static const struct tbucket_rate hello_rate = { HELLO_BURST, HELLO_PERIOD_MS };

int sessions_hello_allowed(struct session *s, const char *from, uint64_t now)
{
	if (tbucket_take(&s->hello_bucket, &hello_rate, now))
		return 1;
	s->hello_drops++;
	if (!s->hello_log_ms || now - s->hello_log_ms >= HELLO_LOG_MS) {
		char n[24];

		snprintf(n, sizeof(n), "%llu", (unsigned long long)s->hello_drops);
		log_event(LM_DTLS_HELLO_LIMITED, s->policy, s->user, s->peer, n, from);
		s->hello_log_ms = now;
		s->hello_drops = 0;
	}
	return 0;
}

