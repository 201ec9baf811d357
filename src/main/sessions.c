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
#include "metrics.h"
#include "sslvpnd/aclfilter.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tbucket.h"
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
	/* The configuration the session was admitted under: its tunnels get
	 * their parameters from it even after a reload (reload.c). */
	struct cfg_snapshot *snap;
	enum session_state state;
	struct worker_proc *worker;   /* SS_ACTIVE */
	uint32_t conn_id;             /* SS_ACTIVE */
	uint32_t addr;                /* host order, 0 = none */
	struct pool *pool;
	int routed_ifindex;
	uint8_t addr6[16];            /* IPv6 lease (network order) when pool6 */
	struct pool *pool6;           /* NULL: no IPv6 address */
	int routed6_ifindex;
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
	/* ClientHellos naming dtls_id (the id travels in clear): a token
	 * bucket, and the drops summed for the rate-limited 100411 line. */
	struct tbucket hello_bucket;
	uint64_t hello_drops, hello_log_ms;
	struct ipc_tunnel_stats stats;  /* of the current tunnel */
	/* A tunnel replaced by a reconnect (kicked, IPC_KICK_REPLACED) whose
	 * TUNNEL_CLOSED has not come yet: its final counters still belong to
	 * this session.  replaced_stats is its last report, used when the
	 * worker dies before telling. */
	struct worker_proc *replaced_worker;
	uint32_t replaced_conn_id;
	struct ipc_tunnel_stats replaced_stats;
	/* Ending (on m->ending): main ended the session while its tunnel was
	 * up; 113019 waits for the tunnel's final counters until end_ms. */
	const char *end_reason;
	uint64_t end_ms;
	size_t peak_before;             /* m->peak_sessions before this one */
	/* For the control socket's listing (sessions_foreach). */
	time_t login_time;              /* wall clock at authentication */
	char tls_version[16];           /* of the current/last tunnel */
	char tls_cipher[64];
	/* For the detailed listing: ports of the current/last tunnel's TCP
	 * and UDP channels (0 = unknown), the client's User-Agent, the
	 * policy's vpn-idle-timeout in seconds (0 = none). */
	uint16_t tcp_src_port, tcp_dst_port, udp_src_port, udp_dst_port;
	char user_agent[256];
	uint32_t idle_timeout_s;
	uint64_t traffic_ms;            /* last report with new traffic */
	/* DAP decided at login (sessions_set_dap): the records 734001 names
	 * at each tunnel, and the network ACLs that replace the group
	 * policy's vpn-filter ("" = keep it). */
	int dap;
	char dap_records[DAP_NAMES_MAX];
	char dap_filter[DAP_FILTER_MAX];
	uint8_t dap_filter_flags;
};

_Static_assert((int)DAP_FILTER_MAX <= (int)IPC_FILTER_MAX, "DAP network ACLs fit TUNNEL_REP.filter");

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
	s->snap = snapshot_ref(m->snap);
	s->state = SS_AUTHENTICATED;
	s->created_ms = s->idle_since_ms = util_now_ms();
	s->login_time = time(NULL);
	s->next = m->sessions;
	m->sessions = s;
	s->peak_before = m->peak_sessions;
	m->n_sessions++;
	if (m->n_sessions > m->peak_sessions)
		m->peak_sessions = m->n_sessions;
	return s;
}

void sessions_set_dap(struct session *s, const struct dap_result *r)
{
	s->dap = 1;
	util_strlcpy(s->dap_records, r->records, sizeof(s->dap_records));
	util_strlcpy(s->dap_filter, r->filter, sizeof(s->dap_filter));
	s->dap_filter_flags = r->deny_first ? IPC_FILTER_DENY_FIRST : 0;
}

/* The ASA gives DAP attributes precedence over the group policy: the
 * network ACLs of the selected records replace its vpn-filter; without
 * any, the vpn-filter stays.  734001 follows 722051, as in seed 001. */
static void dap_tunnel(const struct session *s, struct ipc_tunnel_rep *rp)
{
	if (!s->dap)
		return;
	log_event(LM_DAP_SELECTED, s->user, s->peer, DAP_CONNECTION, s->dap_records);
	if (!s->dap_filter[0])
		return;
	util_strlcpy(rp->filter, s->dap_filter, sizeof(rp->filter));
	rp->filter_flags = s->dap_filter_flags;
	log_event(LM_DAP_FILTER, s->user, s->peer, s->dap_filter,
		  s->dap_filter_flags & IPC_FILTER_DENY_FIRST ? "deny entries first"
							      : "one list, in order");
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
	if (s->pool6 && s->routed6_ifindex > 0)
		net_route_host6_del(m->net, s->addr6, s->routed6_ifindex);
	s->routed6_ifindex = 0;
}

static const char *fmt_addr6(const uint8_t a[16], char *buf, size_t len)
{
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* The address stays remembered for the user (reuse window); the pools'
 * memory is saved soon (leases.c). */
static void release(struct mainctx *m, struct session *s)
{
	int64_t now = time(NULL);
	char tag[16], a[INET6_ADDRSTRLEN];

	unroute(m, s);
	snprintf(tag, sizeof(tag), "%x", s->id);
	if (s->addr && s->pool && pool_release_at(s->pool, s->addr, now) == 0)
		log_event(LM_ADDR_RELEASED, tag, fmt_addr(s->addr, a, sizeof(a)));
	if (s->pool6 && pool_release6(s->pool6, s->addr6, now) == 0)
		log_event(LM_ADDR_RELEASED, tag, fmt_addr6(s->addr6, a, sizeof(a)));
	if (s->pool || s->pool6)
		leases_dirty();
	s->addr = 0;
	s->pool = NULL;
	s->pool6 = NULL;
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

static void unlink_from(struct session **pp, struct session *s)
{
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	s->next = NULL;
}

/* Out of the table: no cookie, no listing, no DTLS id, address back. */
static void detach(struct mainctx *m, struct session *s)
{
	unlink_from(&m->sessions, s);
	m->n_sessions--;
	dtls_id_drop(m, s);
	release(m, s);
}

static void add_bytes(struct session *s, uint64_t in, uint64_t out)
{
	s->bytes_in += in;
	s->bytes_out += out;
}

/* A replaced tunnel that never reported: its last known counters. */
static void settle_replaced(struct session *s)
{
	if (!s->replaced_worker)
		return;
	add_bytes(s, s->replaced_stats.bytes_in, s->replaced_stats.bytes_out);
	s->replaced_worker = NULL;
	s->replaced_conn_id = 0;
}

static void finish(struct session *s, const char *reason)
{
	settle_replaced(s);
	log_ended(s, reason);
	snapshot_unref(s->snap);
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	free(s);
}

static void destroy(struct mainctx *m, struct session *s, const char *reason)
{
	detach(m, s);
	finish(s, reason);
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
static void end_session(struct mainctx *m, struct session *s, uint8_t kick_reason,
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
	s->next = m->ending;
	m->ending = s;
}

/* The ending session's last word: the final counters (TUNNEL_CLOSED) or,
 * from a worker that died or never answered, its last report. */
static void ending_done(struct mainctx *m, struct session *s, uint64_t in, uint64_t out)
{
	unlink_from(&m->ending, s);
	add_bytes(s, in, out);
	finish(s, s->end_reason);
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
			ending_done(m, s, s->stats.bytes_in, s->stats.bytes_out);
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
	end_session(m, old, IPC_KICK_ADMIN, "Max logins exceeded");
}

size_t sessions_move_leases(struct mainctx *m, struct pool *from, struct pool *to)
{
	size_t n = 0;

	for (struct session *s = m->sessions; s; s = s->next) {
		if (s->pool != from || !s->addr || !pool_contains(to, s->addr))
			continue;
		if (pool_take(to, s->addr, s->user) < 0)
			continue;
		pool_release(from, s->addr);
		s->pool = to;
		n++;
	}
	return n;
}

static int lease(struct mainctx *m, struct session *s,
		 const struct cfg_name_list *pools)
{
	for (size_t i = 0; i < pools->n; i++) {
		for (size_t j = 0; j < m->cfg->n_pools; j++) {
			if (strcmp(m->cfg->pools[j].name, pools->v[i]))
				continue;
			if (pool_lease_at(m->pools[j], s->user, time(NULL), &s->addr) == 0) {
				s->pool = m->pools[j];
				leases_dirty();
				return 0;
			}
		}
	}
	return -1;
}

static int lease6(struct mainctx *m, struct session *s,
		  const struct cfg_name_list *pools)
{
	for (size_t i = 0; i < pools->n; i++) {
		for (size_t j = 0; j < m->n_pools6; j++) {
			if (!m->pools6[j] || strcmp(pool_name(m->pools6[j]), pools->v[i]))
				continue;
			if (pool_lease6(m->pools6[j], s->user, time(NULL), s->addr6) == 0) {
				s->pool6 = m->pools6[j];
				leases_dirty();
				return 0;
			}
		}
	}
	return -1;
}

/* ---- IPv6 pools at a reload */

static int same_pool6(struct pool *old, const struct cfg_pool6 *p)
{
	char first[64];
	size_t idx;

	return old && !strcmp(pool_name(old), p->name) && pool_size(old) == (size_t)p->count &&
	       pool_prefix_len(old) == (unsigned)p->plen &&
	       inet_ntop(AF_INET6, p->first, first, sizeof(first)) &&
	       pool_addr_parse(old, first, &idx) == 0 && idx == 0;
}

/* Live leases of old that fall inside one of the new pools move there
 * (same address, same owner), so no new session gets an address in use. */
static void move_leases6(struct mainctx *m, struct pool *old, struct pool **np, size_t n)
{
	for (struct session *s = m->sessions; s; s = s->next) {
		if (s->pool6 != old)
			continue;
		for (size_t i = 0; i < n; i++)
			if (np[i] && pool_take6(np[i], s->addr6, s->user) == 0) {
				pool_release6(old, s->addr6, time(NULL));
				s->pool6 = np[i];
				break;
			}
	}
}

/* Onto m->retired (reload.c frees it once its last lease ended). */
static void retire6(struct mainctx *m, struct pool *p)
{
	struct pool **r;

	if (pool_in_use(p) == 0) {
		pool_free(p);
		return;
	}
	r = realloc(m->retired, (m->n_retired + 1) * sizeof(*r));
	if (!r) {
		log_warnx("ipv6 local pool %s: out of memory retiring it", pool_name(p));
		return; /* leaked, never freed under live leases */
	}
	m->retired = r;
	m->retired[m->n_retired++] = p;
}

void sessions_pools6_reload(struct mainctx *m, const struct sslvpnd_config *next)
{
	struct pool **np = calloc(next->n_pools6 + 1, sizeof(*np));
	size_t i, j;

	if (!np) {
		log_warnx("ipv6 local pools: out of memory at reload; the running pools stay");
		return;
	}
	for (i = 0; i < next->n_pools6; i++) {
		const struct cfg_pool6 *p = &next->pools6[i];

		for (j = 0; j < m->n_pools6 && !np[i]; j++)
			if (same_pool6(m->pools6[j], p)) {
				np[i] = m->pools6[j];
				m->pools6[j] = NULL; /* kept: not retired below */
			}
		if (!np[i])
			np[i] = pool_new6(p->name, p->first, (unsigned)p->plen, (uint32_t)p->count);
		if (!np[i])
			log_warnx("ipv6 local pool %s: cannot create (out of memory)", p->name);
		else
			pool_set_window(np[i], (uint32_t)next->general.address_reuse_window);
	}
	for (j = 0; j < m->n_pools6; j++) {
		if (!m->pools6[j])
			continue;
		move_leases6(m, m->pools6[j], np, next->n_pools6);
		retire6(m, m->pools6[j]);
	}
	free(m->pools6);
	m->pools6 = np;
	m->n_pools6 = next->n_pools6;
	leases_dirty();
}

/* 737019 names no pool; our text lists the ones tried. */
static void log_no_address(const struct session *s, const struct cfg_name_list *pools,
			   const char *family)
{
	char tag[16], list[CFG_LIST_MAX * (CFG_NAME_MAX + 1) + 1] = "";
	size_t o = 0;

	snprintf(tag, sizeof(tag), "%x", s->id);
	for (size_t i = 0; i < pools->n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? "," : "",
				      pools->v[i]);
	if (!pools->n)
		util_strlcpy(list, "(none configured)", sizeof(list));
	log_event(LM_POOL_NO_ADDRESS, tag, s->user, list, family);
}

/* IPv6 pools: group policy ipv6-address-pools over tunnel group
 * ipv6-address-pool.  As on the ASA, a session that finds no IPv6 address
 * still comes up with IPv4 only. */
static void session_lease6(struct mainctx *m, struct session *s,
			   const struct gp_effective *e, const struct cfg_tunnel_group *tg)
{
	const struct gp_value *v = e->v[GPA_IPV6_ADDRESS_POOLS];
	struct cfg_name_list pools;

	memset(&pools, 0, sizeof(pools));
	if (v->state == GP_VALUE) {
		for (size_t i = 0; i < v->n_list && i < CFG_LIST_MAX; i++)
			util_strlcpy(pools.v[pools.n++], v->list[i], CFG_NAME_MAX);
	} else if (tg) {
		pools = tg->ipv6_address_pools;
	}
	if (pools.n && lease6(m, s, &pools) < 0)
		log_no_address(s, &pools, "6");
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
	rp->dpd_client = (uint16_t)gp_num_or(e, GPA_ANYCONNECT_DPD_CLIENT, 30);
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

/* The entries of the vpn-filter decided above (group policy or DAP), read
 * from the session's snapshot like everything else of its CONNECT: the
 * worker builds the filter from them and from nothing else.  A filter that
 * cannot be sent (a list gone, more entries than TUNNEL_REP carries) fails
 * closed: the tunnel passes nothing, 100251 says why. */
static void filter_entries(const struct session *s, const struct sslvpnd_config *cfg,
			   struct ipc_tunnel_rep *rp)
{
	char err[192];
	long n;

	rp->n_filter_e = 0;
	if (!rp->filter[0])
		return;
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
	snapshot_unref(s->snap);
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	free(s);
}

static void refuse_no_address(struct mainctx *m, struct session *s,
			      const struct cfg_name_list *pools, struct ipc_tunnel_rep *rp)
{
	char tag[16];

	log_no_address(s, pools, "4");
	snprintf(tag, sizeof(tag), "%u", s->id);
	log_event(LM_POOL_EXHAUSTED, tag, pools->n ? pools->v[0] : "(none configured)",
		  s->user);
	util_strlcpy(rp->reason, pools->n ? "no address available"
					  : "no address pool configured",
		     sizeof(rp->reason));
	rp->result = IPC_TUNNEL_NO_RESOURCES;
	discard(m, s);
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
	char addr[INET_ADDRSTRLEN];

	policy_resolve(cfg, s->policy, &e);
	if (!s->addr) {
		/* Only a login's first CONNECT has no address yet: a session
		 * keeps its lease until it ends. */
		session_pools(m, &e, tg, &pools);
		if (lease(m, s, &pools) < 0) {
			refuse_no_address(m, s, &pools, rp);
			return -1;
		}
	}
	if (s->state == SS_ACTIVE) {
		/* The client came back on a new connection (TLS died, or a
		 * second client holds the cookie): the old tunnel goes; its
		 * final counters come in its TUNNEL_CLOSED. */
		kick(s, IPC_KICK_REPLACED);
		settle_replaced(s);
		s->replaced_worker = s->worker;
		s->replaced_conn_id = s->conn_id;
		s->replaced_stats = s->stats;
		rp->resumed = 1;
	}
	if (!s->pool6 && rq->want_ipv6)
		session_lease6(m, s, &e, tg);
	if (s->routed_ifindex != w->tun_ifindex) {
		unroute(m, s);
		if (net_route_host_set(m->net, htonl(s->addr), w->tun_ifindex) == 0)
			s->routed_ifindex = w->tun_ifindex;
	}
	if (s->pool6 && s->routed6_ifindex != w->tun_ifindex &&
	    net_route_host6_set(m->net, s->addr6, w->tun_ifindex) == 0)
		s->routed6_ifindex = w->tun_ifindex;
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
	rp->session_id = s->id;
	rp->addr = htonl(s->addr);
	rp->netmask = htonl(pool_mask(s->pool));
	if (s->pool6) {
		memcpy(rp->addr6, s->addr6, 16);
		rp->plen6 = (uint8_t)pool_prefix_len(s->pool6);
	}
	rp->disconnected_timeout = (uint32_t)cfg->general.cookie_timeout;
	util_strlcpy(rp->username, s->user, sizeof(rp->username));
	util_strlcpy(rp->tunnel_group, s->tunnel_group, sizeof(rp->tunnel_group));
	util_strlcpy(rp->group_policy, s->policy, sizeof(rp->group_policy));
	fill_params(&e, rq, rp);
	s->idle_timeout_s = rp->idle_timeout;
	session_timer(s, rp);
	memset(&s->stats, 0, sizeof(s->stats));
	if (rp->dtls)
		dtls_id_new(m, s, rp->dtls_id);
	else
		dtls_id_drop(m, s);
	fmt_addr(s->addr, addr, sizeof(addr));
	if (rp->resumed)
		log_event(LM_SESSION_RESUMED, s->policy, s->user, s->peer, addr);
	if (s->pool6) {
		char a6[INET6_ADDRSTRLEN];

		log_event(LM_ADDR_ASSIGNED_DUAL, s->policy, s->user, s->peer, addr,
			  fmt_addr6(s->addr6, a6, sizeof(a6)));
	} else {
		log_event(LM_ADDR_ASSIGNED, s->policy, s->user, s->peer, addr);
	}
	dap_tunnel(s, rp);
	filter_entries(s, cfg, rp);
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
	metrics_tunnel_closed(&c);
	struct session *s = ending_by_tunnel(w->m, w, c.session_id, c.conn_id);

	if (s) {
		ending_done(w->m, s, c.bytes_in, c.bytes_out);
		return;
	}
	s = by_id(w->m, c.session_id);
	if (!s)
		return;
	/* A replaced tunnel reports late: the session already moved on,
	 * only its bytes count. */
	if (s->replaced_worker == w && s->replaced_conn_id == c.conn_id) {
		add_bytes(s, c.bytes_in, c.bytes_out);
		s->replaced_worker = NULL;
		s->replaced_conn_id = 0;
		return;
	}
	if (s->worker != w || s->conn_id != c.conn_id)
		return;
	add_bytes(s, c.bytes_in, c.bytes_out);
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
			add_bytes(s, s->stats.bytes_in, s->stats.bytes_out);
			tunnel_gone(w->m, s, IPC_CLOSE_LOST);
		}
	}
	ending_tick(w->m, w, 0);
}

void sessions_tick(struct mainctx *m)
{
	uint64_t now = util_now_ms();

	leases_tick(m);
	ending_tick(m, NULL, now);

	for (struct session *s = m->sessions, *n; s; s = n) {
		uint64_t limit = (uint64_t)s->snap->cfg->general.cookie_timeout * 1000;

		n = s->next;
		if (s->session_timeout &&
		    now - s->created_ms >= (uint64_t)s->session_timeout * 1000) {
			/* vpn-session-timeout: the ASA ends the session, tunnel
			 * or not, and the client is told. */
			end_session(m, s, IPC_KICK_TIMEOUT, "Max time exceeded");
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
	/* The workers stop with main: a running tunnel's last report is all
	 * that 113019 can count. */
	for (struct session *s = m->sessions; s; s = s->next)
		if (s->state == SS_ACTIVE)
			add_bytes(s, s->stats.bytes_in, s->stats.bytes_out);
	while (m->sessions)
		destroy(m, m->sessions, "System Shutdown");
	while (m->ending)
		ending_done(m, m->ending, m->ending->stats.bytes_in, m->ending->stats.bytes_out);
	leases_save(m);
}

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

/* Ports for the detailed listing: the TCP port the client logged in on
 * (mauth.c), the UDP ports of its DTLS hello (udp.c). */
void sessions_set_tcp_dst_port(struct session *s, uint16_t port)
{
	s->tcp_dst_port = port;
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

int sessions_logoff(struct mainctx *m, const struct session_selector *sel)
{
	int n = 0;

	for (struct session *s = m->sessions, *next; s; s = next) {
		next = s->next;
		if (!selected(s, sel))
			continue;
		end_session(m, s, IPC_KICK_ADMIN, "Administrator Reset");
		n++;
	}
	return n;
}
