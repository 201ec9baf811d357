/* Private to the session files of main: the session table (sessions.c),
 * the addresses a session leases (sessions_lease.c) and the control socket's
 * view of the table (sessions_view.c). */
#ifndef SSLVPND_SESSIONS_H
#define SSLVPND_SESSIONS_H

#include <stdint.h>
#include <time.h>

#include "main.h"
#include "sslvpnd/dap.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/tbucket.h"

enum { SESSION_COOKIE_HASH_LEN = 32 };

enum session_state { SS_AUTHENTICATED = 1, SS_ACTIVE, SS_DISCONNECTED };

struct session {
	struct session *next;         /* m->sessions or m->ending */
	struct session **pprev;       /* what points at this one: O(1) unlink */
	struct session *cookie_next;  /* chain of m->cookie_table */
	struct session *id_next;      /* chain of m->id_table */
	struct dheap_node timer;      /* in m->timers while in the table */
	uint32_t id;
	char cookie[48];
	char cookie_tag[9];
	/* SHA-256 of the cookie: lookups compare it; the registry file keeps
	 * it.  A session restored from the file has no cookie[], only this. */
	uint8_t cookie_hash[SESSION_COOKIE_HASH_LEN];
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
	uint64_t pkts_in, pkts_out;     /* settled tunnels' packets (accounting) */
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
	char device_id[64];             /* the login's <device-id> ("linux-64") */
	uint32_t idle_timeout_s;
	uint64_t traffic_ms;            /* last report with new traffic */
	/* DAP decided at login (sessions_set_dap): the records 734001 names
	 * at each tunnel, and the network ACLs that replace the group
	 * policy's vpn-filter ("" = keep it). */
	int dap;
	char dap_records[DAP_NAMES_MAX];
	char dap_filter[DAP_FILTER_MAX];
	uint8_t dap_filter_flags;
	/* What the AAA server said at login (sessions_set_aaa, S15): the
	 * address it assigned (network order, 0 = the pools), its filter
	 * (Filter-Id: an access list name), its timeouts (0 = the policy's),
	 * the server and group that authenticated (accounting, show). */
	uint32_t aaa_framed_ip;
	char aaa_filter[1024];
	uint32_t aaa_session_timeout, aaa_idle_timeout;
	char aaa_server[CFG_NAME_MAX];
	/* RADIUS accounting (macct.c): the tunnel group's
	 * accounting-server-group at login ("" = none), the Class to echo,
	 * Start sent, last Interim-Update. */
	char acct_group[CFG_NAME_MAX];
	char acct_class[254];
	char acct_id[25];               /* Acct-Session-Id, fixed at the Start */
	int acct_started;
	uint64_t acct_interim_ms;
};

_Static_assert((int)DAP_FILTER_MAX <= (int)IPC_FILTER_MAX, "DAP network ACLs fit TUNNEL_REP.filter");

/* sessions_cookie_hash: SHA-256 of cookie into out. */
void sessions_cookie_hash(const char *cookie, uint8_t out[SESSION_COOKIE_HASH_LEN]);
/* sessions_insert: s (filled in) into the table: counts, peak, registry.
 * -1 out of memory (the per-user count): s is not in the table. */
int sessions_insert(struct mainctx *m, struct session *s);
/* sessions_table.c: the indexes of the table.  sessions_table_remove: s
 * out of all of them (the addresses stay: sessions_lease_release).
 * sessions_list_push / _unlink: m->sessions and m->ending, O(1) unlink.
 * sessions_dtls_id_new: a fresh DTLS id for s's tunnel (hex out);
 * sessions_dtls_id_drop: none.  sessions_next_due: s's next deadline
 * (vpn-session-timeout, cookie expiry without a tunnel, Interim-Update),
 * UINT64_MAX for none. */
void sessions_table_remove(struct mainctx *m, struct session *s);
void sessions_list_push(struct session **head, struct session *s);
void sessions_list_unlink(struct session *s);
void sessions_dtls_id_new(struct mainctx *m, struct session *s, char hex[65]);
void sessions_dtls_id_drop(struct mainctx *m, struct session *s);
uint64_t sessions_next_due(const struct mainctx *m, const struct session *s);
/* sessions_by_id: the session of that id in the table, or NULL (one
 * bucket of m->id_table). */
struct session *sessions_by_id(struct mainctx *m, uint32_t id);
/* sessions_rearm: s's deadline again from what it holds now (its timeouts,
 * its state, its accounting); call after changing any of them. */
void sessions_rearm(struct mainctx *m, struct session *s);
/* macct_interim_due: when s's next Interim-Update is due, 0 for none. */
uint64_t macct_interim_due(const struct mainctx *m, const struct session *s);
/* sessions_by_cookie_hash: the session of that cookie SHA-256, or NULL. */
struct session *sessions_by_cookie_hash(struct mainctx *m,
					const uint8_t h[SESSION_COOKIE_HASH_LEN]);
/* sessions_store.c: a session as one registry record, and back.
 * sessions_store_record: s as a record now.  sessions_store_rebuild: a
 * session from r under the configuration of now (its tunnel group and
 * group policy must exist, its cookie and vpn-session-timeout must not have
 * run out), not in the table and without its addresses (r->pool/addr say
 * which); NULL with *why (static text or buf) otherwise. */
struct sessfile_rec;
void sessions_store_record(const struct session *s, struct sessfile_rec *r);
struct session *sessions_store_rebuild(struct mainctx *m, const struct sessfile_rec *r,
				       char *buf, size_t len, const char **why);
/* sessions_moved_away: s's cookie was taken over by another node
 * (fleet_sess.c, reason names it for 113019): its tunnel here is kicked, it
 * leaves the table without giving its address back to the pool
 * (fleet_lease_moved_away) and without touching the registry in Redis (the
 * record is the new owner's now); accounting Stop as for any end. */
void sessions_moved_away(struct mainctx *m, struct session *s, const char *reason);
/* sessions_free: a session out of every table: its snapshot reference
 * dropped, secrets wiped, memory freed; NULL is a no-op. */
void sessions_free(struct session *s);

/* sessions_end: main ends s (logoff, vpn-simultaneous-logins, vpn-session-
 * timeout): without a tunnel at once; with one the tunnel is kicked
 * (kick_reason), s leaves the table now and 113019 (reason) waits for the
 * tunnel's final counters. */
void sessions_end(struct mainctx *m, struct session *s, uint8_t kick_reason,
		  const char *reason);

/* sessions_lease.c: a session's addresses and their host routes. */
/* sessions_lease_first: the IPv4 address of a login's first CONNECT, from the
 * pools of e (address-pools) over tg (address-pool); 0, or -1 with *pools
 * naming the pools tried. */
int sessions_lease_first(struct mainctx *m, struct session *s, const struct gp_effective *e,
		    const struct cfg_tunnel_group *tg, struct cfg_name_list *pools);
/* sessions_lease_pools: the IPv4 pools s's first CONNECT leases from, in
 * order (its snapshot's policy over its tunnel group). */
void sessions_lease_pools(struct mainctx *m, const struct session *s,
			 struct cfg_name_list *pools);
/* sessions_lease_ipv6: an IPv6 address when the policy names IPv6 pools; none
 * free is logged (737019) and the session stays IPv4 only. */
void sessions_lease_ipv6(struct mainctx *m, struct session *s, const struct gp_effective *e,
		    const struct cfg_tunnel_group *tg);
/* sessions_lease_route: host routes of the session's addresses via ifindex. */
void sessions_lease_route(struct mainctx *m, struct session *s, int ifindex);
void sessions_lease_unroute(struct mainctx *m, struct session *s);
/* sessions_lease_release: routes gone, addresses back to their pools
 * (remembered for the user), 722xxx-like 100202 logged. */
void sessions_lease_release(struct mainctx *m, struct session *s);
void sessions_lease_log_no_address(const struct session *s, const struct cfg_name_list *pools,
			      const char *family);
/* sessions_lease_take: the addresses a restored session held (pool and
 * address as text, "" = none) taken again from the running pools; 0, or
 * -1 with *why (static text or buf) and nothing taken. */
int sessions_lease_take(struct mainctx *m, struct session *s, const char *pool,
			const char *addr, const char *pool6, const char *addr6, char *buf,
			size_t buflen, const char **why);
/* sessions_lease_locate: s->pool and s->addr from a record's pool and address
 * text, nothing taken (fleet_lease_adopt takes it); 0, or -1 with *why
 * (buf) when that pool is not configured here or does not hold the address. */
int sessions_lease_locate(struct mainctx *m, struct session *s, const char *pool,
			  const char *addr, char *buf, size_t buflen, const char **why);
/* sessions_lease_take6: only the IPv6 address of a record, the IPv4 one
 * untouched (a session moving here: fleet_lease_adopt took that). */
int sessions_lease_take6(struct mainctx *m, struct session *s, const char *pool6,
			 const char *addr6, char *buf, size_t buflen, const char **why);
const char *sessions_fmt4(uint32_t a, char *buf, size_t len);
const char *sessions_fmt6(const uint8_t a[16], char *buf, size_t len);

#endif
