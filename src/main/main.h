/* Private to the main (root) process. */
#ifndef SSLVPND_MAIN_H
#define SSLVPND_MAIN_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <ev.h>

#include "sslvpnd/config.h"
#include "mwcfg.h"
#include "sessions_user.h"
#include "sslvpnd/dheap.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/dap.h"

struct pool;
struct net;
struct session;
struct ctl;
struct cfg_snapshot;

enum { MAIN_MAX_WORKERS = 64, MAIN_MAX_LISTENERS = 16, LISTEN_HELD_MAX = 16,
       WORKER_INFLIGHT_MAX = 32 };

struct listener;

/* A client connection main holds: handed to a worker that has not
 * confirmed it yet (CONN_TAKEN), or waiting for a ready worker. */
struct held_conn {
	int fd;                   /* main's copy */
	uint32_t conn_id;         /* in flight: the CONN_NEW's id */
	struct listener *l;
	struct sockaddr_storage peer;
};
enum { SESSION_DTLS_ID_LEN = 32, SESSION_DTLS_BUCKETS = 4096, SESSION_COOKIE_BUCKETS = 4096,
       SESSION_ID_BUCKETS = 16384 /* ids are sequential: one per bucket up to here */ };

/* A sandboxed process's log socket, main's end (mlog.c). */
struct mlog {
	int fd;                   /* -1: none */
	ev_io io;
	struct ev_loop *loop;
	const char *ident;
	int pid;
};
int mlog_pair(int sv[2]);
void mlog_start(struct ev_loop *loop, struct mlog *l, int fd, const char *ident, pid_t pid);
/* mlog_drain: relay what is queued (bounded); mlog_stop: drain, close. */
void mlog_drain(struct mlog *l);
void mlog_stop(struct mlog *l);
/* mlog_batch_start: main's stderr lines written once per loop iteration. */
void mlog_batch_start(struct ev_loop *loop);
void mlog_batch_stop(struct ev_loop *loop);

struct worker_proc {
	struct mainctx *m;
	uint32_t id;
	pid_t pid;
	int sock;                 /* our end of the SEQPACKET pair, -1 when down */
	ev_io io;
	struct mlog log;          /* its log socket (lines relayed to the sinks) */
	ev_timer restart;         /* delayed respawn after a quick death */
	ev_child child;           /* libev's default loop reaps children */
	int ready;
	ipc_seen_t ipc_seen;       /* IPC_ONCE messages it sent (msgs.def) */
	uint32_t conns;           /* open connections (least-loaded choice) */
	/* CONN_NEW sent, CONN_TAKEN not yet read: if the worker dies first
	 * they go to the next ready worker (listen_take_back). */
	struct held_conn inflight[WORKER_INFLIGHT_MAX];
	size_t n_inflight;
	int tun_fd;               /* kept open by main so the device and its
				   * routes survive a worker crash */
	int tun_ifindex;
	uint8_t tun_vnet;          /* IPC_TUN_VNET | IPC_TUN_TSO as created */
	char tun_name[32];
	uint64_t started_ms;
	unsigned restarts;
	/* Reload: a reload that changes what workers are told (mwcfg.c)
	 * starts a new generation in free slots; earlier generations take no
	 * new connections and stop once their last connection closed (their
	 * tunnels are never cut). */
	int used;                 /* slot holds a worker (alive or respawning) */
	uint32_t gen;             /* configuration generation it was told */
	int draining;             /* an earlier generation: no new connections */
	/* The client-chain verifier of gen's configuration (its CA
	 * trustpoints): main re-checks every chain this worker reports. */
	struct tls_verifier *verifier;
};

struct listener {
	struct mainctx *m;
	const struct cfg_interface *ifc;
	int fd;
	ev_io io;
	int paused;               /* no worker ready: io stopped, clients wait
				   * in the kernel's accept queue */
	/* Connections accepted or handed over that no live worker has (it
	 * died before reading them): kept until a worker is ready again
	 * (listen_resume_all), oldest first. */
	struct held_conn held[LISTEN_HELD_MAX];
	size_t n_held;
};

/* UDP (DTLS) listener of an interface: reads ClientHellos only; every
 * established peer has its own connected socket in a worker. */
struct udp_listener {
	struct mainctx *m;
	const struct cfg_interface *ifc;
	int fd;
	int family;
	ev_io io;
};

struct mainctx {
	struct ev_loop *loop;
	struct sslvpnd_config *cfg;    /* == snap->cfg: what new logins use */
	struct cfg_snapshot *snap;     /* current snapshot (reload.c) */
	struct cfg_snapshot *listen_snap; /* the one the listeners point into */
	uint32_t worker_gen;           /* generation new connections go to */
	struct mwcfg wcfg;             /* what the workers of worker_gen are told
					* (mwcfg.c); a restart gets the same */
	struct pool **retired;         /* pools of earlier snapshots still leasing */
	size_t n_retired;
	const char *config_path;  /* NULL = embedded default */
	const char *state_dir_arg;
	int foreground;
	int debug;
	char worker_path[4200];
	struct net *net;
	struct pool **pools;      /* parallel to cfg->pools */
	struct pool **pools6;     /* ipv6 local pools, found by pool_name() */
	size_t n_pools6;          /* entries of pools6 (after a reload not
				   * necessarily cfg->n_pools6 until
				   * sessions_pools6_reload ran) */
	size_t n_workers;
	struct worker_proc workers[MAIN_MAX_WORKERS];
	size_t n_listeners;
	struct listener listeners[MAIN_MAX_LISTENERS];
	size_t n_udp;
	struct udp_listener udp[MAIN_MAX_LISTENERS];
	uint64_t udp_handed;      /* ClientHellos handed to a worker */
	uint64_t udp_unknown;     /* datagrams for no known session (dropped) */
	uint64_t udp_limited;     /* hellos over their session's rate (dropped) */
	uint64_t udp_errors;      /* socket/bind/connect/IPC failures */
	uint32_t next_conn_id;
	uint32_t next_session_id;
	ev_signal sigterm, sigint, sighup;
	ev_timer tick;
	int stopping;
	int listening;
	int failed;               /* exit status 1 */
	size_t n_sessions;
	size_t peak_sessions;           /* most sessions at once */
	const char *ctl_path_arg;       /* --ctl-socket, NULL = <state-dir>/ctl.sock */
	struct ctl *ctl;                /* control socket (ctl.c) */
	struct session *sessions;       /* list head */
	struct sessions_users users;    /* sessions per user name (sessions_user.c) */
	/* Sessions main ended while their tunnel was up, waiting for its
	 * final counters before 113019 (sessions.c); not in the table. */
	struct session *ending;
	/* Logins whose first CONNECT found no address: discarded, counted
	 * nowhere (not in Cumulative either: next_session_id - this). */
	uint32_t n_discarded;
	struct session *dtls_table[SESSION_DTLS_BUCKETS]; /* by DTLS id */
	struct session *cookie_table[SESSION_COOKIE_BUCKETS]; /* by cookie hash */
	struct session *id_table[SESSION_ID_BUCKETS]; /* by session id */
	/* Every session of the table, by its next deadline (vpn-session-
	 * timeout, cookie expiry, Interim-Update): sessions_tick pops only
	 * what is due (S11). */
	struct dheap timers;
	struct fleet *fleet;             /* S16: NULL when alone (fleet.c) */
};

/* proc.c: worker processes */
int proc_start_all(struct mainctx *m);
void proc_stop_all(struct mainctx *m);
struct worker_proc *proc_least_loaded(struct mainctx *m);
/* general.workers, or one per CPU when 0, at most MAIN_MAX_WORKERS */
size_t proc_worker_count(const struct sslvpnd_config *cfg);
int proc_send(struct worker_proc *w, enum ipc_type type, const uint8_t *buf,
	      int len, int fd);
void proc_kill(struct worker_proc *w, const char *why);
/* proc_violation: w sent msg, which its channel or connection state
 * (state) does not allow (why): 100518, w killed. */
void proc_violation(struct worker_proc *w, const char *msg, const char *state,
		    const char *why);

/* proc_start_generation: start the workers of the current snapshot
 * (m->snap, generation m->worker_gen) in free slots.  The earlier
 * generations keep serving until every new worker is ready, then drain.
 * Returns 0, or -1 with err filled when there are not enough free slots
 * (nothing started then). */
int proc_start_generation(struct mainctx *m, char *err, size_t errlen);

/* reload.c: configuration snapshots and reload.
 * reload_load: the one validation of sslvpnd -t, the start and a reload:
 * load and validate path (NULL: the embedded default) into a new
 * configuration, then what only OpenSSL and the files can judge
 * (tls_config_check: cipher lists, trustpoint files, CRLs, interface
 * contexts, read only).  With tls, every interface's context is also built
 * for real (generating enrollment self identities), as the reload does
 * before new workers start.  Every error goes to errs as file:line; NULL
 * when there is any. */
struct cfg_errors;
struct sslvpnd_config *reload_load(const char *path, const char *state_dir, int tls,
				   struct cfg_errors *errs);
/* reload_run: the one reload path (SIGHUP and sslvpnctl reload).  Loads
 * m->config_path into a new snapshot; on any error keeps the running one,
 * writes every "file:line: message" to out and returns -1; on success
 * makes it current (new logins, new workers for new connections; sessions
 * and their tunnels keep theirs), reconciles the pools, writes a summary to
 * out and returns 0.  Logs 100510 / 100511 + 100512 per error. */
int reload_run(struct mainctx *m, FILE *out);
/* main_reload: reload_run, then the running configuration's logging
 * (main.c; reload_run's callers use this). */
int main_reload(struct mainctx *m, FILE *out);
/* main_logging: m->cfg's logging_hosts, trap, buffered, timestamp,
 * device-id and logging_messages into the log (main's own lines and those
 * it relays for workers and secmod). */
void main_logging(struct mainctx *m);
/* proc_respawn_down: start at once every worker of the current generation
 * that is down waiting for its restart timer (after a reload that keeps
 * the workers). */
void proc_respawn_down(struct mainctx *m);
/* reload_tick: frees retired pools whose last lease ended. */
void reload_tick(struct mainctx *m);
/* reload_retire_pool: a pool a reload replaced (v6: an IPv6 pool) is freed
 * now when no lease is live, else kept on m->retired (100515 for IPv4)
 * until reload_tick sees its last lease end. */
void reload_retire_pool(struct mainctx *m, struct pool *p, int v6);
/* reload_notify: sd_notify(3) without libsystemd: state ("READY=1", ...)
 * as one datagram to $NOTIFY_SOCKET; a no-op when it is not set. */
void reload_notify(const char *state);

/* listen.c: TCP listeners */
int listen_start_all(struct mainctx *m);
void listen_stop_all(struct mainctx *m);
/* listen_resume_all: a worker became ready; listeners paused for want of
 * one accept again (their queued connections first).  No-op otherwise. */
void listen_resume_all(struct mainctx *m);
/* listen_take_back: w is dead; the connections it never confirmed
 * (CONN_TAKEN) go back to their listeners and to a ready worker if any. */
void listen_take_back(struct worker_proc *w);
/* listen_taken: w confirmed conn_id; main's copy of its socket closes. */
void listen_taken(struct worker_proc *w, uint32_t conn_id);

/* preauth.c: main's record of every handed-over connection, and the
 * pre-auth counts (connections not yet in a tunnel, per source and in
 * total).  preauth_admit: 0 when a connection from peer may be handed
 * over, -1 when a limit refuses it (logged as 100322).  preauth_add: w has
 * the connection cn (peer: its address from accept).  preauth_tunnel: its
 * tunnel opened (no longer pre-auth).  preauth_worker_gone: forget w's
 * connections. */
int preauth_admit(struct mainctx *m, const struct listener *l, const struct sockaddr *peer);
void preauth_add(const struct worker_proc *w, const struct ipc_conn_new *cn,
		 const struct sockaddr *peer);
void preauth_tunnel(const struct worker_proc *w, uint32_t conn_id);
void preauth_worker_gone(const struct worker_proc *w);
/* The record: main's own facts about a connection. */
enum mconn_state {
	MCONN_HANDED,              /* CONN_NEW sent, CONN_TAKEN not read */
	MCONN_TAKEN,               /* the worker has it: handshake, logins */
	MCONN_TUNNEL,              /* its CONNECT was answered OK */
};
struct mconn {
	uint32_t conn_id;
	enum mconn_state state;
	char peer[64];             /* the client's address, from accept */
	uint16_t peer_port;
	uint16_t local_port;       /* ours, from getsockname */
	time_t handed_at;          /* when main handed it over */
};
/* mconn_check: the record of conn_id for a message of type from w, after
 * applying the message to its state (CONN_DONE ends the record: the
 * returned copy lives until the next call).  NULL when w was never given
 * conn_id or type is not allowed in its state: a protocol violation,
 * logged (100518) and w killed (the caller only returns). */
const struct mconn *mconn_check(struct worker_proc *w, uint32_t conn_id,
				enum ipc_type type);
const char *mconn_state_name(enum mconn_state st);
/* mconn_find: the record of conn_id of w as it is, or NULL (closed since):
 * for an answer that comes later (fleet_sess.c); changes nothing. */
const struct mconn *mconn_find(const struct worker_proc *w, uint32_t conn_id);
size_t preauth_count(void);
/* listen_parse_addr: an interface address (IPv4 or IPv6 text) and port as a
 * sockaddr; 0 or -1. */
struct sockaddr_storage;
int listen_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len);

/* udp.c: DTLS ClientHello demultiplexer */
int udp_start_all(struct mainctx *m);
void udp_stop_all(struct mainctx *m);

/* mauth.c: decisions for the workers' requests */
void mauth_on_auth_req(struct worker_proc *w, const uint8_t *buf, size_t len);
void mauth_on_tunnel_req(struct worker_proc *w, const uint8_t *buf, size_t len);
void mauth_on_profile_req(struct worker_proc *w, const uint8_t *buf, size_t len);
/* mauth_tunnel_answer: the TUNNEL_REP for rq (peer: main's record): s's
 * tunnel, or, s NULL, refused with why (100502); score: the refusal counts
 * towards a ban of the peer (an unknown cookie, not one another node's
 * session could not bring here). */
struct session;
void mauth_tunnel_answer(struct worker_proc *w, struct session *s,
			 const struct ipc_tunnel_req *rq, const char *why, int score);
/* mauth_on_passwd_rep: secmod's verdict for the parked login req_id; the
 * login goes on (or is refused) as if the check had run in place.  A
 * login whose worker died meanwhile is dropped.  Returns 0, -1 when no
 * login waits for req_id (secmod answered what was never asked). */
int mauth_on_passwd_rep(struct mainctx *m, uint32_t req_id, uint8_t result);
/* mauth_secmod_lost: secmod died: every parked login is refused ("Login
 * failed.", logged as 100214 "Internal error").  Returns how many. */
size_t mauth_secmod_lost(struct mainctx *m);
/* mauth_oldest_pending_ms: when the oldest parked login was forwarded
 * (util_now_ms clock), 0 when none waits. */
uint64_t mauth_oldest_pending_ms(void);
/* mauth_on_aaa_rep (S15): secmod's answer for the login parked on an
 * external AAA server group; -1 when no login waits for it. */
int mauth_on_aaa_rep(struct mainctx *m, const struct ipc_aaa_rep *r);
/* ctl_aaa.c: a test aaa-server's answer (0; -1: not a test's id) and the
 * hosts' counters from secmod. */
int ctl_aaa_test_done(struct mainctx *m, const struct ipc_aaa_rep *r);
void ctl_aaa_stats(const struct ipc_aaa_stats *st);

/* msecmod.c: the security module sslvpnd-secmod (src/secmod).
 * msecmod_start: start it (before the workers) and hand it the users of
 * m->cfg; 0, or -1 when it cannot be started (logged).  It is restarted
 * whenever it dies (100702).  msecmod_stop: close its channel and reap it
 * (bounded wait).  msecmod_users: hand cfg's local users to secmod and
 * wipe their hashes from cfg (start and reload); 0, -1 when secmod did not
 * get them (logged; the hashes are wiped all the same).
 * msecmod_verify: forward a password check; 0 sent (the verdict comes to
 * mauth_on_passwd_rep), -1 secmod is down, -2 the channel is full or
 * broken.  The caller wipes its own copy of password.
 * msecmod_heap_guard(1) makes every free() in main clear the block (glibc
 * M_PERTURB) while a configuration with hashes is loaded; (0) ends it.
 * msecmod_heap_scrub clears the small freed blocks M_PERTURB does not
 * reach (glibc's thread cache). */
int msecmod_start(struct mainctx *m);
/* msecmod_tickets (S11): hand secmod the ticket-key lifetime (0 = off)
 * and the keys main kept (SECMOD_TICKETS); at its start and a reload. */
int msecmod_tickets(struct mainctx *m);
/* mtickets.c (S11, ssl session-resumption): the TLS ticket keys secmod
 * made, kept in <state-dir>/ticket-keys across a restart.  load: at
 * start, before secmod (off: the file is removed); secmod_msg: what
 * msecmod_tickets sends; on_keys: secmod's TICKET_KEYS (saved, handed to
 * every worker); worker: to one ready worker (WORKER_TICKETS); reload: 1
 * when the lifetime changed (secmod must be told; off: keys dropped, file
 * removed, workers told). */
struct ipc_secmod_tickets;
struct ipc_ticket_keys;
void mtickets_load(struct mainctx *m);
int mtickets_secmod_msg(struct ipc_secmod_tickets *msg);
void mtickets_on_keys(struct mainctx *m, const struct ipc_ticket_keys *k);
void mtickets_worker(struct worker_proc *w);
int mtickets_reload(struct mainctx *m);
void msecmod_stop(struct mainctx *m);
int msecmod_users(struct mainctx *m, struct sslvpnd_config *cfg);
int msecmod_verify(struct mainctx *m, uint32_t req_id, const char *user,
		   const char *peer, const char *password);
void msecmod_heap_guard(int on);
/* msecmod_tick (every second): pings secmod (SECMOD_PING).  A secmod that
 * answered no ping for MSECMOD_HUNG_MS (the workers' handshakes wait for
 * it), or gave no verdict for that long while checks wait (each check takes
 * well under that even at the costliest hash parameters), is hung: killed
 * and restarted (100707), its parked logins refused. */
enum { MSECMOD_HUNG_MS = 10000 };
void msecmod_tick(struct mainctx *m);
/* msecmod_aaa (S15): forward an AAA request (AAA_REQ); 0 sent (the answer
 * comes to mauth_on_aaa_rep), -1 secmod is down, -2 cannot send. */
int msecmod_aaa(struct mainctx *m, const struct ipc_aaa_req *rq);
/* msecmod_acct (S15): forward an accounting record; as msecmod_aaa, the
 * answer comes to macct_on_rep. */
int msecmod_acct(struct mainctx *m, const struct ipc_acct_req *rq);

/* macct.c: RADIUS accounting of the sessions (S15).  macct_event: a
 * session's Start (first tunnel), Interim-Update or Stop (reason: its
 * 113019 reason) when its tunnel group has an accounting-server-group.
 * macct_on_rep: secmod's answer (-1: no such record).  macct_tick: resend
 * due Stops, Interim-Updates, keep the Stops on disk.  macct_start /
 * macct_stop: read / write <state-dir>/acct-stops.  macct_secmod_lost:
 * records in flight are sent again. */
struct session;
void macct_event(struct mainctx *m, struct session *s, uint8_t status, const char *reason);
int macct_on_rep(struct mainctx *m, const struct ipc_acct_rep *rp);
void macct_tick(struct mainctx *m);
void macct_start(struct mainctx *m);
void macct_stop(struct mainctx *m);
void macct_secmod_lost(struct mainctx *m);
/* macct_keep: s is kept for the next start (sessions_shutdown): its AAA
 * state goes to <state-dir>/aaa-sessions at macct_stop, back onto the
 * restored session at macct_start. */
void macct_keep(const struct session *s);
/* macct_state_line: s's AAA state and accounting (the Class, filter,
 * timeouts, Acct-Session-Id, Start sent, packets) as one line of text for
 * the fleet's registry; -1 (buf "") when it has none.  macct_state_apply:
 * that line back onto s, a session that moved here (fleet_sess.c). */
enum { MACCT_LINE_MAX = 3 * 2048 };
int macct_state_line(const struct session *s, char *buf, size_t len);
void macct_state_apply(struct mainctx *m, struct session *s, const char *line);
/* sessions_audit_id: the session's Audt Sess ID (show vpn-sessiondb
 * detail; Acct-Session-Id): 24 hex digits. */
void sessions_audit_id(const struct mainctx *m, const struct session *s, char out[25]);
/* sessions_disconnect (RFC 5176 Disconnect-Request from AAA server host):
 * end the sessions matching every criterion given (Audt Sess ID, user,
 * framed address in network order; "" / 0 = any, at least one given);
 * returns how many. */
int sessions_disconnect(struct mainctx *m, const char *host, const char *session_id,
			const char *user, uint32_t framed_ip);

/* mldap.c (S15 LDAP): mldap_host_ca puts the DER of the host's
 * ldap-ca-trustpoint certificate into b (none when unreadable);
 * mldap_apply runs the answering host's ldap attribute map over r->attrs
 * and sets r's group policy, filter and timeouts: NULL, or the refusal
 * (Tunneling-Protocols without the SSL client, Tunnel-Group-Lock) in buf. */
void mldap_host_ca(const struct sslvpnd_config *cfg, const struct cfg_aaa_host *c,
		   struct ipc_secmod_aaa *b);
const char *mldap_apply(const struct sslvpnd_config *cfg, const struct cfg_tunnel_group *tg,
			const char *group, struct ipc_aaa_rep *r, char *buf, size_t len);
void msecmod_heap_scrub(void);
/* Keys (S10 item 1).  msecmod_keys: build every TLS context of cfg as the
 * workers will, hand each identity's private key to secmod as a new
 * generation, free main's copies.  msecmod_worker: hand secmod its end
 * (fd, always closed here) of worker id's key channel.  msecmod_conn:
 * tell secmod conn_id goes to worker id (before CONN_NEW).
 * proc_secmod_channels: new key channels for the live workers after a
 * secmod restart (SECMOD_CHANNEL). */
int msecmod_keys(struct mainctx *m, const struct sslvpnd_config *cfg);
void msecmod_worker(struct mainctx *m, uint32_t id, pid_t pid, int fd);
void msecmod_conn(struct mainctx *m, uint32_t worker_id, uint32_t conn_id);
void proc_secmod_channels(struct mainctx *m);

/* sessions.c: session table (by cookie, id, DTLS id) and lifecycle;
 * sessions_lease.c: a session's addresses and routes (sessions_move_leases,
 * sessions_pools6_reload); sessions_view.c: sessions_foreach, logoff.
 * Tunnel parameters: tunparams_fill (src/policy/tunparams.c, pure). */
struct session *sessions_create(struct mainctx *m, const char *user,
				const char *tunnel_group, const char *policy,
				const char *peer);
struct session *sessions_by_cookie(struct mainctx *m, const char *cookie);
const char *session_cookie(const struct session *s);
/* sessions_set_dap: keep the DAP decision of the login (records for
 * 734001 at each tunnel, network ACLs replacing the vpn-filter). */
void sessions_set_dap(struct session *s, const struct dap_result *r);
/* sessions_set_aaa: keep what the AAA server said at login (S15: framed
 * address, filter, timeouts) for the session's tunnels. */
void sessions_set_aaa(struct session *s, const struct ipc_aaa_rep *r);
/* sessions_aces_check: NULL when every line of a Cisco-AVPair ip:inacl#
 * list parses as an extended access-list entry, else the reason in buf. */
const char *sessions_aces_check(const char *lines, char *buf, size_t len);
/* For the detailed listing: the local TCP port of the login, the client's
 * and our UDP port of its DTLS channel. */
void sessions_set_tcp_dst_port(struct session *s, uint16_t port);
/* sessions_set_device_id: the <device-id> of the login's XML (openconnect
 * sends its platform there: Client OS of the detailed listing). */
void sessions_set_device_id(struct session *s, const char *device_id);
/* sessions_hello_allowed: 1 when a DTLS ClientHello naming s (from the
 * peer "from", for the log) is within the session's rate limit; 0 when it
 * must be dropped (logged as 100411, at most once a minute). */
int sessions_hello_allowed(struct session *s, const char *from, uint64_t now);
void sessions_on_tunnel_closed(struct worker_proc *w, const uint8_t *buf, size_t len);
void sessions_on_worker_lost(struct worker_proc *w);
void sessions_on_tunnel_stats(struct worker_proc *w, const uint8_t *buf, size_t len);
struct session *sessions_by_dtls_id(struct mainctx *m,
				    const uint8_t id[SESSION_DTLS_ID_LEN],
				    struct worker_proc **w, uint32_t *conn_id,
				    uint32_t *session_id);
void sessions_tick(struct mainctx *m);
/* sessions_rearm_all: every session's deadline again (reload: the
 * accounting intervals are the running configuration's). */
void sessions_rearm_all(struct mainctx *m);
void sessions_shutdown(struct mainctx *m);
unsigned sessions_count_user(const struct mainctx *m, const char *user);
void sessions_logoff_oldest(struct mainctx *m, const char *user);
/* sessions_move_leases: every session leasing from `from` whose address
 * lies inside `to` moves its lease there (same address, same owner); the
 * others stay on `from`.  Returns how many moved. */
size_t sessions_move_leases(struct mainctx *m, struct pool *from, struct pool *to);

/* leases.c: the pools' owner memory in <state-dir>/pool-leases.
 * leases_load: restore it into m->pools / m->pools6 (once, at start);
 * a missing file is 0, an unusable one -1 with 100222 logged (the pools
 * stay as they are).  leases_save: write it now (atomically); 0 / -1 with
 * 100223.  leases_dirty: note a change; leases_tick writes a noted change
 * at most every few seconds. */
int leases_load(struct mainctx *m);
int leases_save(struct mainctx *m);
void leases_dirty(void);
void leases_tick(struct mainctx *m);
/* leases_write_atomic: p[0..n-1] as path in directory dir: a temporary
 * file, fsync, rename, fsync(dir), so a crash leaves the old or the new
 * file whole.  0, or -1 with errno set. */
int leases_write_atomic(const char *dir, const char *path, const char *p, size_t n);
/* leases_read: the whole regular file path (at most max bytes), malloc'd,
 * length in *len.  NULL with *why NULL when it does not exist; NULL with
 * *why set (static text) when it cannot be used. */
char *leases_read(const char *path, size_t max, size_t *len, const char **why);

/* sessions_store.c: the session registry <state-dir>/sessions (format:
 * sessfile.h), written with the leases (leases_tick, at most every few
 * seconds after a change) and at shutdown, read once at start.
 * sessions_store_save: 0 / -1 (100242 logged).  sessions_store_load: after
 * leases_load; restores every session still valid under the current
 * configuration with its address (100240); an unusable file is logged
 * (100241) and ignored; each session left behind is logged (100243). */
int sessions_store_save(struct mainctx *m);
void sessions_store_load(struct mainctx *m);

/* sessions_pools6_reload: make m->pools6 the IPv6 pools of next (reload,
 * called while m->cfg is still the old configuration).  An unchanged pool
 * (same name, prefix, count) keeps its object, leases and memory; a
 * changed or removed one keeps serving its live leases on m->retired
 * until they end; new sessions lease from the new objects.  On allocation
 * failure the running pools stay (logged). */
void sessions_pools6_reload(struct mainctx *m, const struct sslvpnd_config *next);

/* Opening a tunnel for a session: lease, route, parameters. */
int sessions_open_tunnel(struct worker_proc *w, struct session *s,
			 const struct ipc_tunnel_req *rq, struct ipc_tunnel_rep *rp);

/* A read-only snapshot of one session for the control socket.  The strings
 * point into the session and are valid only during the callback. */
struct session_view {
	uint32_t index;               /* session id, "Index" */
	const char *user, *tunnel_group, *group_policy;
	const char *public_ip;        /* the client's address as seen by us */
	uint32_t addr;                /* assigned IPv4, host order, 0 = none */
	const uint8_t *addr6;         /* assigned IPv6 (network order), NULL = none */
	/* SESSION_WAITING: authenticated, no CONNECT yet (openconnect
	 * --authenticate, or a client between its login and its CONNECT);
	 * SESSION_ACTIVE: a tunnel is up; SESSION_INACTIVE: the tunnel went
	 * away and the cookie still resumes it. */
	enum session_view_state { SESSION_WAITING, SESSION_ACTIVE, SESSION_INACTIVE } state;
	int tunnel_up;                /* a TLS tunnel carries the session now */
	int dtls_up;                  /* ... and a DTLS channel is established
				       * (carrying traffic or fallen back) */
	uint8_t dtls_state;           /* enum ipc_dtls_state of the tunnel */
	const char *dtls_mode, *dtls_cipher; /* "" when no DTLS */
	const char *tls_version, *tls_cipher; /* "" before the first tunnel */
	uint64_t bytes_in, bytes_out; /* whole session, live tunnel included */
	uint64_t pkts_in, pkts_out, drops; /* live tunnel only */
	uint64_t filter_drops_in, filter_drops_out; /* vpn-filter, live tunnel */
	time_t login_time;
	uint64_t duration_s;          /* since the login */
	uint64_t inactivity_s;        /* since the tunnel went away, 0 when up */
	/* The running tunnel's last report (NULL without a tunnel): metrics
	 * and the per-tunnel counters of the detailed listing. */
	const struct ipc_tunnel_stats *live;
	/* Detailed listing: ports of the current/last tunnel (0 = unknown),
	 * the client's User-Agent ("" before the first tunnel), the policy's
	 * vpn-idle-timeout (0 = none), the tunnel group's authentication in
	 * ASA words ("Certificate", "userPassword", ...). */
	uint16_t tcp_src_port, tcp_dst_port, udp_src_port, udp_dst_port;
	const char *user_agent;
	const char *device_id;        /* the login's <device-id>, "" = none */
	uint32_t idle_timeout_s;
	uint64_t idle_s;              /* without traffic (5 s precision) */
	const char *auth_mode;
};

/* sessions_foreach: cb for every session in index order; returns the
 * number of sessions visited, -1 when out of memory (cb not called).  cb
 * must not change the session table. */
int sessions_foreach(struct mainctx *m,
		     void (*cb)(const struct session_view *v, void *arg), void *arg);

enum session_sel_kind { SESSION_SEL_ALL, SESSION_SEL_NAME, SESSION_SEL_INDEX,
			 SESSION_SEL_TUNNEL_GROUP };
struct session_selector {
	enum session_sel_kind kind;
	const char *name;             /* SESSION_SEL_NAME, _TUNNEL_GROUP */
	uint32_t index;               /* SESSION_SEL_INDEX */
};

/* sessions_logoff: the administrator's logoff of every matching session:
 * a tunnel that is up is told (TUNNEL_KICK, IPC_KICK_ADMIN: the client gets
 * a DISCONNECT and exits), the session leaves the table (its cookie stops
 * working, its address is released) and 113019 "Administrator Reset" is
 * logged with the tunnel's final counts once its TUNNEL_CLOSED came (at
 * most 3 s later).  Returns the number of sessions logged off. */
int sessions_logoff(struct mainctx *m, const struct session_selector *sel);

/* ctl.c: the control socket (sslvpnctl).  ctl_start creates the socket
 * (mode 0600) at m->ctl_path_arg or <state-dir>/ctl.sock and watches it in
 * m->loop; 0 or -1 (logged).  ctl_stop closes every client, the socket and
 * removes its path; safe when ctl_start failed or never ran. */
int ctl_start(struct mainctx *m);
void ctl_stop(struct mainctx *m);
/* ctl_send_log_levels: the debug class levels set with "debug ..." to
 * worker w (LOG_LEVELS), so a started or restarted worker has them too. */
void ctl_send_log_levels(struct worker_proc *w);

/* main_doctor: the doctor's report (doctor.h) on cfg and the files of its
 * trustpoints, as read now; NULL when out of memory.  free() it. */
struct doc_report;
struct doc_report *main_doctor(const struct sslvpnd_config *cfg);

#endif
