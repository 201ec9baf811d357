/* The session table: one entry per authenticated user session, found by
 * its cookie (the webvpn token) or its id.  A session outlives its tunnel:
 * when TLS drops without a DISCONNECT the address stays leased and the
 * cookie valid for cookie-timeout seconds, so the client (a phone) comes
 * back to the same address (anyconnect-protocol.md 3.6). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "main.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/util.h"

enum session_state { SS_AUTHENTICATED = 1, SS_ACTIVE, SS_DISCONNECTED };

struct session {
	struct session *next;
	uint32_t id;
	char cookie[48];
	char cookie_tag[9];
	char user[256];
	char tunnel_group[CFG_NAME_MAX];
	char policy[CFG_NAME_MAX];
	char peer[64];
	enum session_state state;
	struct worker_proc *worker;   /* SS_ACTIVE */
	uint32_t conn_id;             /* SS_ACTIVE */
	uint32_t addr;                /* host order, 0 = none */
	struct pool *pool;
	int routed_ifindex;
	uint64_t created_ms;
	uint64_t idle_since_ms;       /* when the tunnel went away */
	uint64_t bytes_in, bytes_out;
	/* vpn-session-timeout of the policy the session was admitted under,
	 * in seconds from created_ms (0 = none); fixed at the first tunnel so
	 * a reconnect does not restart the clock. */
	uint32_t session_timeout;
	int timeout_set;
	/* DTLS: the id announced at CONNECT (X-DTLS-Session-ID or App-ID),
	 * hashed for the UDP demultiplexer; what the worker reported. */
	int has_dtls_id;
	uint8_t dtls_id[SESSION_DTLS_ID_LEN];
	struct session *dtls_next;
	struct ipc_tunnel_stats stats;  /* of the current tunnel */
	/* For the control socket's listing (sessions_foreach). */
	time_t login_time;              /* wall clock at authentication */
	char tls_version[16];           /* of the current/last tunnel */
	char tls_cipher[64];
};

/* Bucket of a DTLS id: its bytes are random, so any four will do. */
static unsigned dtls_bucket(const uint8_t id[SESSION_DTLS_ID_LEN])
{
	uint32_t v;

	memcpy(&v, id, sizeof(v));
	return v & (SESSION_DTLS_BUCKETS - 1);
}

static void dtls_id_drop(struct mainctx *m, struct session *s)
{
	if (!s->has_dtls_id)
		return;
	for (struct session **pp = &m->dtls_table[dtls_bucket(s->dtls_id)]; *pp;
	     pp = &(*pp)->dtls_next)
		if (*pp == s) {
			*pp = s->dtls_next;
			break;
		}
	s->has_dtls_id = 0;
	OPENSSL_cleanse(s->dtls_id, sizeof(s->dtls_id));
}

/* A fresh id per tunnel: the master secret is fresh too, and an old id
 * must stop routing the moment a new CONNECT replaced it. */
static void dtls_id_new(struct mainctx *m, struct session *s, char hex[65])
{
	unsigned b;

	dtls_id_drop(m, s);
	util_random(s->dtls_id, sizeof(s->dtls_id));
	b = dtls_bucket(s->dtls_id);
	s->dtls_next = m->dtls_table[b];
	m->dtls_table[b] = s;
	s->has_dtls_id = 1;
	util_hex(hex, s->dtls_id, SESSION_DTLS_ID_LEN, 1);
}

/* One bucket walk, no allocation: what a flood of random ids costs.  Only
 * a session whose tunnel is up has a worker to take the datagram. */
struct session *sessions_by_dtls_id(struct mainctx *m,
				    const uint8_t id[SESSION_DTLS_ID_LEN],
				    struct worker_proc **w, uint32_t *conn_id,
				    uint32_t *session_id)
{
	for (struct session *s = m->dtls_table[dtls_bucket(id)]; s; s = s->dtls_next) {
		if (CRYPTO_memcmp(s->dtls_id, id, SESSION_DTLS_ID_LEN))
			continue;
		if (s->state != SS_ACTIVE || !s->worker)
			return NULL;
		*w = s->worker;
		*conn_id = s->conn_id;
		*session_id = s->id;
		return s;
	}
	return NULL;
}

static const char *fmt_addr(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { htonl(a) };

	inet_ntop(AF_INET, &in, buf, (socklen_t)len);
	return buf;
}

/* Cookies are 32 random bytes as URL-safe base64 without padding: cookie-
 * safe (no ';', ',' or blanks) and opaque to every client. */
static void make_cookie(char out[48])
{
	uint8_t raw[32];
	char b64[64];

	util_random(raw, sizeof(raw));
	util_base64(b64, sizeof(b64), raw, sizeof(raw));
	size_t o = 0;

	for (const char *p = b64; *p && *p != '=' && o < 47; p++)
		out[o++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	out[o] = 0;
	OPENSSL_cleanse(raw, sizeof(raw));
}

struct session *sessions_create(struct mainctx *m, const char *user,
				const char *tunnel_group, const char *policy,
				const char *peer)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->id = ++m->next_session_id;
	make_cookie(s->cookie);
	util_cookie_tag(s->cookie_tag, s->cookie);
	util_strlcpy(s->user, user, sizeof(s->user));
	util_strlcpy(s->tunnel_group, tunnel_group, sizeof(s->tunnel_group));
	util_strlcpy(s->policy, policy, sizeof(s->policy));
	util_strlcpy(s->peer, peer, sizeof(s->peer));
	s->state = SS_AUTHENTICATED;
	s->created_ms = s->idle_since_ms = util_now_ms();
	s->login_time = time(NULL);
	s->next = m->sessions;
	m->sessions = s;
	m->n_sessions++;
	if (m->n_sessions > m->peak_sessions)
		m->peak_sessions = m->n_sessions;
	return s;
}

const char *session_cookie(const struct session *s)
{
	return s->cookie;
}

/* Constant-time compare: the cookie is the tunnel's only credential. */
struct session *sessions_by_cookie(struct mainctx *m, const char *cookie)
{
	size_t n = strlen(cookie);

	for (struct session *s = m->sessions; s; s = s->next)
		if (strlen(s->cookie) == n && CRYPTO_memcmp(s->cookie, cookie, n) == 0)
			return s;
	return NULL;
}

static struct session *by_id(struct mainctx *m, uint32_t id)
{
	for (struct session *s = m->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

int sessions_count_user(struct mainctx *m, const char *user)
{
	int n = 0;

	for (struct session *s = m->sessions; s; s = s->next)
		n += strcmp(s->user, user) == 0;
	return n;
}

static void unroute(struct mainctx *m, struct session *s)
{
	if (s->addr && s->routed_ifindex > 0)
		net_route_host_del(m->net, htonl(s->addr), s->routed_ifindex);
	s->routed_ifindex = 0;
}

static void release(struct mainctx *m, struct session *s)
{
	unroute(m, s);
	if (s->addr && s->pool)
		pool_release(s->pool, s->addr);
	s->addr = 0;
	s->pool = NULL;
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

static void destroy(struct mainctx *m, struct session *s, const char *reason)
{
	struct session **pp = &m->sessions;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	m->n_sessions--;
	dtls_id_drop(m, s);
	release(m, s);
	log_ended(s, reason);
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	free(s);
}

static void kick(struct session *s, uint8_t reason)
{
	struct ipc_tunnel_kick k = { .session_id = s->id, .conn_id = s->conn_id,
				     .reason = reason };
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_tunnel_kick(&k, buf, sizeof(buf));

	if (s->worker)
		proc_send(s->worker, IPC_TUNNEL_KICK, buf, n, -1);
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
	if (old->state == SS_ACTIVE)
		kick(old, IPC_KICK_ADMIN);
	destroy(m, old, "Max logins exceeded");
}

static int lease(struct mainctx *m, struct session *s,
		 const struct cfg_name_list *pools)
{
	for (size_t i = 0; i < pools->n; i++) {
		for (size_t j = 0; j < m->cfg->n_pools; j++) {
			if (strcmp(m->cfg->pools[j].name, pools->v[i]))
				continue;
			if (pool_lease(m->pools[j], s->user, &s->addr) == 0) {
				s->pool = m->pools[j];
				return 0;
			}
		}
	}
	return -1;
}

/* Pools: group policy address-pools over tunnel group address-pool. */
static void session_pools(struct mainctx *m, const struct gp_effective *e,
			  const struct cfg_tunnel_group *tg,
			  struct cfg_name_list *out)
{
	const struct gp_value *v = e->v[GPA_ADDRESS_POOLS];

	memset(out, 0, sizeof(*out));
	if (v->state == GP_VALUE) {
		for (size_t i = 0; i < v->n_list && i < CFG_LIST_MAX; i++)
			util_strlcpy(out->v[out->n++], v->list[i], CFG_NAME_MAX);
		return;
	}
	if (tg)
		*out = tg->address_pools;
}

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
	rp->idle_timeout = (uint32_t)(idle * 60);
	rp->session_timeout = (uint32_t)(sess * 60);
	rp->session_remaining = rp->session_timeout;
	rp->dtls = (uint8_t)gp_num_or(e, GPA_ANYCONNECT_SSL_DTLS, 0);
	rp->client_bypass = (uint8_t)gp_num_or(e, GPA_CLIENT_BYPASS_PROTOCOL, 0);
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
}

/* X-CSTP-Session-Timeout is the policy's limit; -Remaining what is left of
 * it since the login (a reconnecting phone must not get a fresh budget). */
static void session_timer(struct session *s, struct ipc_tunnel_rep *rp)
{
	if (!s->timeout_set) {
		s->session_timeout = rp->session_timeout;
		s->timeout_set = 1;
	}
	rp->session_timeout = s->session_timeout;
	if (!s->session_timeout) {
		rp->session_remaining = 0;
		return;
	}
	uint64_t used = (util_now_ms() - s->created_ms) / 1000;

	rp->session_remaining = used >= s->session_timeout ? 1
			      : (uint32_t)(s->session_timeout - used);
}

int sessions_open_tunnel(struct worker_proc *w, struct session *s,
			 const struct ipc_tunnel_req *rq, struct ipc_tunnel_rep *rp)
{
	struct mainctx *m = w->m;
	const struct cfg_tunnel_group *tg = config_tunnel_group(m->cfg, s->tunnel_group);
	struct gp_effective e;
	struct cfg_name_list pools;
	char addr[INET_ADDRSTRLEN], tag[16];

	policy_resolve(m->cfg, s->policy, &e);
	if (s->state == SS_ACTIVE) {
		/* The client came back on a new connection (TLS died, or a
		 * second client holds the cookie): the old tunnel goes. */
		kick(s, IPC_KICK_REPLACED);
		rp->resumed = 1;
	}
	if (!s->addr) {
		session_pools(m, &e, tg, &pools);
		if (lease(m, s, &pools) < 0) {
			snprintf(tag, sizeof(tag), "%u", s->id);
			log_event(LM_POOL_EXHAUSTED, tag,
				  pools.n ? pools.v[0] : "(none configured)", s->user);
			util_strlcpy(rp->reason, pools.n ? "no address available"
							 : "no address pool configured",
				     sizeof(rp->reason));
			rp->result = IPC_TUNNEL_NO_RESOURCES;
			return -1;
		}
	}
	if (s->routed_ifindex != w->tun_ifindex) {
		unroute(m, s);
		if (net_route_host_set(m->net, htonl(s->addr), w->tun_ifindex) == 0)
			s->routed_ifindex = w->tun_ifindex;
	}
	s->state = SS_ACTIVE;
	s->worker = w;
	s->conn_id = rq->conn_id;
	util_strlcpy(s->peer, rq->peer, sizeof(s->peer));
	util_strlcpy(s->tls_version, rq->tls_version, sizeof(s->tls_version));
	util_strlcpy(s->tls_cipher, rq->tls_cipher, sizeof(s->tls_cipher));
	rp->session_id = s->id;
	rp->addr = htonl(s->addr);
	rp->netmask = htonl(pool_mask(s->pool));
	rp->disconnected_timeout = (uint32_t)m->cfg->general.cookie_timeout;
	util_strlcpy(rp->username, s->user, sizeof(rp->username));
	util_strlcpy(rp->tunnel_group, s->tunnel_group, sizeof(rp->tunnel_group));
	util_strlcpy(rp->group_policy, s->policy, sizeof(rp->group_policy));
	fill_params(&e, rq, rp);
	session_timer(s, rp);
	memset(&s->stats, 0, sizeof(s->stats));
	if (rp->dtls)
		dtls_id_new(m, s, rp->dtls_id);
	else
		dtls_id_drop(m, s);
	fmt_addr(s->addr, addr, sizeof(addr));
	if (rp->resumed)
		log_event(LM_SESSION_RESUMED, s->policy, s->user, s->peer, addr);
	log_event(LM_ADDR_ASSIGNED, s->policy, s->user, s->peer, addr);
	log_event(LM_TUNNEL_UP, s->policy, s->user, s->peer, "without");
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
	log_event(LM_TUNNEL_DOWN, s->policy, s->user, s->peer, "without");
	dtls_id_drop(m, s);
	s->worker = NULL;
	s->conn_id = 0;
	if (reason == IPC_CLOSE_USER || reason == IPC_CLOSE_IDLE ||
	    reason == IPC_CLOSE_KICKED) {
		destroy(m, s, close_reason_text(reason));
		return;
	}
	/* Resumable: keep the lease and the cookie, drop the route. */
	unroute(m, s);
	s->state = SS_DISCONNECTED;
	s->idle_since_ms = util_now_ms();
}

void sessions_on_tunnel_closed(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_tunnel_closed c;

	if (ipc_dec_tunnel_closed(&c, buf, len) < 0) {
		proc_kill(w, "bad TUNNEL_CLOSED");
		return;
	}
	struct session *s = by_id(w->m, c.session_id);

	/* A replaced tunnel reports late: the session already moved on. */
	if (!s || s->worker != w || s->conn_id != c.conn_id)
		return;
	s->bytes_in += c.bytes_in;
	s->bytes_out += c.bytes_out;
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
	struct session *s = by_id(w->m, st.session_id);

	if (!s || s->worker != w || s->conn_id != st.conn_id)
		return;
	s->stats = st;
}

void sessions_on_worker_lost(struct worker_proc *w)
{
	for (struct session *s = w->m->sessions, *n; s; s = n) {
		n = s->next;
		if (s->state == SS_ACTIVE && s->worker == w)
			tunnel_gone(w->m, s, IPC_CLOSE_LOST);
	}
}

void sessions_tick(struct mainctx *m)
{
	uint64_t now = util_now_ms();
	uint64_t limit = (uint64_t)m->cfg->general.cookie_timeout * 1000;

	for (struct session *s = m->sessions, *n; s; s = n) {
		n = s->next;
		if (s->session_timeout &&
		    now - s->created_ms >= (uint64_t)s->session_timeout * 1000) {
			/* vpn-session-timeout: the ASA ends the session, tunnel
			 * or not, and the client is told. */
			if (s->state == SS_ACTIVE)
				kick(s, IPC_KICK_TIMEOUT);
			destroy(m, s, "Max time exceeded");
			continue;
		}
		if (s->state == SS_ACTIVE || now - s->idle_since_ms < limit)
			continue;
		char dur[48];

		util_duration(dur, sizeof(dur), limit / 1000);
		log_event(LM_SESSION_EXPIRED, s->user, s->policy, dur);
		destroy(m, s, s->state == SS_AUTHENTICATED ? "Idle Timeout"
							    : "Lost Service");
	}
}

void sessions_shutdown(struct mainctx *m)
{
	while (m->sessions)
		destroy(m, m->sessions, "System Shutdown");
}

/* --- the control socket's view (ctl.c) */

static int by_index_cmp(const void *a, const void *b)
{
	uint32_t x = (*(struct session *const *)a)->id, y = (*(struct session *const *)b)->id;

	return x < y ? -1 : x > y;
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
	v->login_time = s->login_time;
	v->duration_s = (now - s->created_ms) / 1000;
	v->inactivity_s = live ? 0 : (now - s->idle_since_ms) / 1000;
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
	}
	return 0;
}

int sessions_logoff(struct mainctx *m, const struct session_selector *sel)
{
	int n = 0;

	for (struct session *s = m->sessions, *next; s; s = next) {
		next = s->next;
		if (!selected(s, sel))
			continue;
		if (s->state == SS_ACTIVE) {
			/* The tunnel's TUNNEL_CLOSED will find no session:
			 * count its bytes now for the 113019 line. */
			s->bytes_in += s->stats.bytes_in;
			s->bytes_out += s->stats.bytes_out;
			kick(s, IPC_KICK_ADMIN);
		}
		destroy(m, s, "Administrator Reset");
		n++;
	}
	return n;
}
