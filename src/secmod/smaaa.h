/* External AAA in sslvpnd-secmod (S15): the server groups main hands over
 * (SECMOD_AAA, with their keys), the requests in flight (AAA_REQ) and the
 * back-ends that answer them (RADIUS: smradius.c; LDAP: smldap.c).
 *
 * A back-end never blocks secmod's event loop: start() sends what it must
 * and returns; its own watchers (UDP sockets, timers, a thread of its own
 * answering through an ev_async) call smaaa_done() when it knows, which
 * sends main the AAA_REP and frees the request.  Which host to ask, and
 * when a host counts as failed or comes back (max-failed-attempts,
 * reactivation-mode, deadtime), is decided here for every back-end:
 * smaaa_pick / smaaa_host_answered / smaaa_host_silent. */
#ifndef SSLVPND_SMAAA_H
#define SSLVPND_SMAAA_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "sslvpnd/ipc.h"

enum { SMAAA_GROUPS_MAX = 64, SMAAA_HOSTS_MAX = 16, SMAAA_INFLIGHT_MAX = 256 };

enum smaaa_host_state { SMAAA_ACTIVE, SMAAA_FAILED };

/* One host: its configuration as main sent it (key and password
 * included: only here) and its state and counters (show aaa-server). */
struct smaaa_host {
	struct ipc_secmod_aaa c;
	enum smaaa_host_state state;
	unsigned silent;                 /* unanswered requests in a row */
	uint64_t failed_at_ms;           /* when it was marked FAILED */
	uint64_t n_requests, n_accepts, n_rejects, n_challenges, n_timeouts,
		 n_bad_replies, n_retransmits, n_acct_requests, n_acct_responses;
	uint64_t rtt_sum_ms, n_rtt;
	int dirty;                       /* changed since the last AAA_STATS */
};

struct smaaa_group {
	char name[CFG_NAME_MAX];
	uint8_t protocol;                /* enum cfg_aaa_protocol */
	struct smaaa_host h[SMAAA_HOSTS_MAX];
	size_t n;
	uint64_t depleted_at_ms;         /* every host failed then (depletion) */
};

struct smaaa;

/* One request in flight: an AAA_REQ (rq), or an ACCT_REQ (acct set: arq;
 * answered with ACCT_REP, rep.result and rep.host only).  rq's password
 * is wiped by smaaa_done. */
struct smaaa_req {
	struct smaaa *a;
	int acct;
	struct ipc_acct_req arq;
	struct ipc_aaa_req rq;
	struct ipc_aaa_rep rep;          /* filled by the back-end */
	struct smaaa_group *g;
	size_t host;                     /* index of the host asked now */
	void *priv;                      /* the back-end's state */
	int used;
};

struct smaaa_backend {
	/* start: ask r->g's host r->host (smaaa_pick chose it); returns 0
	 * (smaaa_done follows, maybe from inside start) or -1 (nothing
	 * started: the caller answers IPC_AAA_ERROR with rep.reason). */
	int (*start)(struct smaaa_req *r);
	/* cancel: the request ends without an answer (secmod exits, a new
	 * configuration removed its group): stop its watchers, free priv. */
	void (*cancel)(struct smaaa_req *r);
	/* configure: a new generation of groups is current (open sockets,
	 * dynamic-authorization listeners); may be NULL. */
	void (*configure)(struct smaaa *a);
};

/* smaaa_new: the table, answering main on ipc from loop. */
struct smaaa *smaaa_new(struct ev_loop *loop, int ipc);
struct ev_loop *smaaa_loop(const struct smaaa *a);

/* smaaa_on_conf: one SECMOD_AAA (generation handling as SECMOD_USERS);
 * -1 on a message out of sequence or a group over the limits. */
int smaaa_on_conf(struct smaaa *a, const struct ipc_secmod_aaa *m);
/* smaaa_on_req: one AAA_REQ: picks the group's host and starts its
 * back-end; answers at once when it cannot (no group, all busy). */
void smaaa_on_req(struct smaaa *a, const struct ipc_aaa_req *rq);
/* smaaa_on_acct: one ACCT_REQ (RADIUS groups only), same failover. */
void smaaa_on_acct(struct smaaa *a, const struct ipc_acct_req *rq);

/* smaaa_group / smaaa_groups: the current generation's groups. */
struct smaaa_group *smaaa_group(struct smaaa *a, const char *name);
size_t smaaa_groups(struct smaaa *a, struct smaaa_group **out);

/* smaaa_pick: the host to ask next, from index `from` in the group's order
 * (failed hosts skipped until they come back); -1 when none is left. */
int smaaa_pick(struct smaaa_group *g, size_t from, uint64_t now_ms);
/* A host answered (any valid reply) / stayed silent for a whole request
 * (its timeout): the failure counting of max-failed-attempts. */
void smaaa_host_answered(struct smaaa_group *g, size_t host, uint64_t rtt_ms);
void smaaa_host_silent(struct smaaa_group *g, size_t host, uint64_t now_ms);

/* smaaa_next_host: r's host stayed silent: move r to the next live host
 * and start it again (1), or 0 when no host is left (the caller then
 * finishes with IPC_AAA_UNREACHABLE). */
int smaaa_next_host(struct smaaa_req *r);

/* smaaa_done: r is answered (r->rep.result set): AAA_REP to main, the
 * request freed (its password wiped). */
void smaaa_done(struct smaaa_req *r);

/* smaaa_report: AAA_STATS to main for every host that changed (called
 * once a second, with the PONG). */
void smaaa_report(struct smaaa *a);

/* smaaa_ipc: main's channel (a back-end telling main something). */
int smaaa_ipc(const struct smaaa *a);

/* RFC 5176 listeners (smdynauth.c): smdynauth_init once; configure at each
 * generation (RADIUS back-end's configure); on_rep: main's COA_REP. */
void smdynauth_init(void);
void smdynauth_configure(struct smaaa *a, int ipc);
void smdynauth_on_rep(const struct ipc_coa_rep *rep);

/* Back-ends, by enum cfg_aaa_protocol. */
extern const struct smaaa_backend smradius_backend;
extern const struct smaaa_backend smldap_backend;
/* smldap_preinit: libldap's one-time set-up (uname, GnuTLS), before the
 * sandbox forbids it; called by smaaa_new. */
void smldap_preinit(void);
extern const struct smaaa_backend *const smaaa_backends[2];

#endif
