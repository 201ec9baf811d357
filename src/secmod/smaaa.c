/* External AAA in sslvpnd-secmod (S15): server groups, host failover and
 * dead-time, requests in flight; the protocols are back-ends (smaaa.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "smaaa.h"
#include "sslvpnd/config.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

/* reactivation-mode timed: a failed host is tried again after 30 s (the
 * ASA's fixed interval). */
enum { SMAAA_TIMED_MS = 30000 };

struct smaaa {
	struct ev_loop *loop;
	int ipc;
	struct smaaa_group *cur, *next;  /* current generation, one being received */
	size_t n_cur, n_next;
	uint32_t next_gen;
	struct smaaa_req req[SMAAA_INFLIGHT_MAX];
};

const struct smaaa_backend *const smaaa_backends[2] = {
	[CFG_AAA_RADIUS] = &smradius_backend,
	[CFG_AAA_LDAP] = &smldap_backend,
};

struct smaaa *smaaa_new(struct ev_loop *loop, int ipc)
{
	struct smaaa *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->loop = loop;
	a->ipc = ipc;
	smldap_preinit();
	return a;
}

int smaaa_ipc(const struct smaaa *a)
{
	return a->ipc;
}

struct ev_loop *smaaa_loop(const struct smaaa *a)
{
	return a->loop;
}

static void groups_free(struct smaaa_group *g, size_t n)
{
	if (g)
		explicit_bzero(g, n * sizeof(*g));
	free(g);
}

struct smaaa_group *smaaa_group(struct smaaa *a, const char *name)
{
	for (size_t i = 0; i < a->n_cur; i++)
		if (!strcmp(a->cur[i].name, name))
			return &a->cur[i];
	return NULL;
}

size_t smaaa_groups(struct smaaa *a, struct smaaa_group **out)
{
	*out = a->cur;
	return a->n_cur;
}

static struct smaaa_group *find_in(struct smaaa_group *g, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].name, name))
			return &g[i];
	return NULL;
}

static size_t host_index(const struct smaaa_group *g, const char *address)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (!strcmp(g->h[i].c.address, address))
			return i;
	return SIZE_MAX;
}

/* A host of the same group and address keeps its state and counters
 * across a reload (show aaa-server counts since the start, as the ASA). */
static void keep_state(struct smaaa *a)
{
	for (size_t i = 0; i < a->n_next; i++) {
		struct smaaa_group *ng = &a->next[i];
		struct smaaa_group *og = find_in(a->cur, a->n_cur, ng->name);

		for (size_t h = 0; og && h < ng->n; h++) {
			size_t o = host_index(og, ng->h[h].c.address);
			struct ipc_secmod_aaa c = ng->h[h].c;

			if (o == SIZE_MAX)
				continue;
			ng->h[h] = og->h[o];
			ng->h[h].c = c;
			explicit_bzero(&c, sizeof(c));
		}
		if (og)
			ng->depleted_at_ms = og->depleted_at_ms;
	}
}

/* Requests in flight follow their group into the new generation (the
 * back-end keeps its own copy of what it sends with); one whose group is
 * gone ends with an error. */
static void move_requests(struct smaaa *a)
{
	for (size_t i = 0; i < SMAAA_INFLIGHT_MAX; i++) {
		struct smaaa_req *r = &a->req[i];
		struct smaaa_group *ng;

		if (!r->used)
			continue;
		ng = find_in(a->next, a->n_next, r->g->name);
		if (ng && ng->protocol == r->g->protocol) {
			r->host = r->host < r->g->n ? host_index(ng, r->g->h[r->host].c.address)
						    : SIZE_MAX;
			r->g = ng;
			continue;
		}
		smaaa_backends[r->g->protocol]->cancel(r);
		r->rep.result = IPC_AAA_ERROR;
		util_strlcpy(r->rep.reason, "server group removed by a reload",
			     sizeof(r->rep.reason));
		r->g = NULL;
		smaaa_done(r);
	}
}

static int add_host(struct smaaa *a, const struct ipc_secmod_aaa *m)
{
	struct smaaa_group *g = find_in(a->next, a->n_next, m->name);

	if (!g) {
		if (a->n_next == SMAAA_GROUPS_MAX || m->protocol > CFG_AAA_LDAP)
			return -1;
		g = &a->next[a->n_next++];
		util_strlcpy(g->name, m->name, sizeof(g->name));
		g->protocol = m->protocol;
	}
	if (g->n == SMAAA_HOSTS_MAX)
		return -1;
	g->h[g->n++].c = *m;
	return 0;
}

int smaaa_on_conf(struct smaaa *a, const struct ipc_secmod_aaa *m)
{
	if (m->flags & IPC_USERS_FIRST) {
		groups_free(a->next, SMAAA_GROUPS_MAX);
		a->next = calloc(SMAAA_GROUPS_MAX, sizeof(*a->next));
		a->n_next = 0;
		a->next_gen = m->gen;
		if (!a->next)
			return -1;
	} else if (!a->next || m->gen != a->next_gen) {
		return -1;
	}
	if (m->name[0] && add_host(a, m) < 0)
		return -1;
	if (!(m->flags & IPC_USERS_LAST))
		return 0;
	keep_state(a);
	move_requests(a);
	groups_free(a->cur, SMAAA_GROUPS_MAX);
	a->cur = a->next;
	a->n_cur = a->n_next;
	a->next = NULL;
	a->n_next = 0;
	for (size_t p = 0; p < ARRAY_SIZE(smaaa_backends); p++)
		if (smaaa_backends[p] && smaaa_backends[p]->configure)
			smaaa_backends[p]->configure(a);
	return 0;
}

/* ---- host state: max-failed-attempts, reactivation-mode, deadtime */

static const char *proto_name(const struct smaaa_group *g)
{
	return g->protocol == CFG_AAA_LDAP ? "LDAP" : "RADIUS";
}

static void host_back(struct smaaa_group *g, struct smaaa_host *h)
{
	if (h->state == SMAAA_FAILED)
		log_event(LM_AAA_SERVER_ACTIVE, proto_name(g), h->c.address, g->name);
	h->state = SMAAA_ACTIVE;
	h->silent = 0;
}

/* Failed hosts come back: timed, each 30 s after it failed; depletion,
 * all of them once every host has failed and deadtime has passed. */
static void reactivate(struct smaaa_group *g, uint64_t now)
{
	const struct ipc_secmod_aaa *c = &g->h[0].c;
	size_t failed = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct smaaa_host *h = &g->h[i];

		if (h->state == SMAAA_FAILED && c->reactivation_mode == CFG_AAA_TIMED &&
		    now - h->failed_at_ms >= SMAAA_TIMED_MS)
			host_back(g, h);
		failed += h->state == SMAAA_FAILED;
	}
	if (c->reactivation_mode != CFG_AAA_DEPLETION || failed < g->n)
		return;
	if (!g->depleted_at_ms)
		g->depleted_at_ms = now;
	if (now - g->depleted_at_ms < (uint64_t)c->deadtime * 60000)
		return;
	for (size_t i = 0; i < g->n; i++)
		host_back(g, &g->h[i]);
	g->depleted_at_ms = 0;
}

int smaaa_pick(struct smaaa_group *g, size_t from, uint64_t now_ms)
{
	reactivate(g, now_ms);
	for (size_t i = from; i < g->n; i++)
		if (g->h[i].state == SMAAA_ACTIVE)
			return (int)i;
	return -1;
}

void smaaa_host_answered(struct smaaa_group *g, size_t host, uint64_t rtt_ms)
{
	if (!g || host >= g->n)
		return;
	g->h[host].silent = 0;
	g->h[host].dirty = 1;
	g->h[host].rtt_sum_ms += rtt_ms;
	g->h[host].n_rtt++;
}

void smaaa_host_silent(struct smaaa_group *g, size_t host, uint64_t now_ms)
{
	struct smaaa_host *h;

	if (!g || host >= g->n)
		return;
	h = &g->h[host];
	h->n_timeouts++;
	h->dirty = 1;
	if (++h->silent < h->c.max_failed_attempts || h->state == SMAAA_FAILED)
		return;
	h->state = SMAAA_FAILED;
	h->failed_at_ms = now_ms;
	log_event(LM_AAA_SERVER_FAILED, proto_name(g), h->c.address, g->name);
}

int smaaa_next_host(struct smaaa_req *r)
{
	int next;

	if (!r->g)
		return 0;
	next = smaaa_pick(r->g, r->host == SIZE_MAX ? r->g->n : r->host + 1, util_now_ms());
	if (next < 0)
		return 0;
	r->host = (size_t)next;
	return smaaa_backends[r->g->protocol]->start(r) == 0;
}

/* ---- requests */

static uint32_t pending_of(const struct smaaa *a, const struct smaaa_group *g, size_t h)
{
	uint32_t n = 0;

	for (size_t i = 0; i < SMAAA_INFLIGHT_MAX; i++)
		n += a->req[i].used && a->req[i].g == g && a->req[i].host == h;
	return n;
}

void smaaa_report(struct smaaa *a)
{
	static struct ipc_aaa_stats st;
	uint64_t now = util_now_ms();

	for (size_t i = 0; i < a->n_cur; i++) {
		struct smaaa_group *g = &a->cur[i];

		for (size_t k = 0; k < g->n; k++) {
			struct smaaa_host *h = &g->h[k];

			if (!h->dirty && h->state == SMAAA_ACTIVE)
				continue;
			memset(&st, 0, sizeof(st));
			util_strlcpy(st.group, g->name, sizeof(st.group));
			util_strlcpy(st.address, h->c.address, sizeof(st.address));
			st.state = (uint8_t)h->state;
			st.failed_s = h->state == SMAAA_FAILED
					      ? (uint32_t)((now - h->failed_at_ms) / 1000) : 0;
			st.rtt_ms = h->n_rtt ? (uint32_t)(h->rtt_sum_ms / h->n_rtt) : 0;
			st.pending = pending_of(a, g, k);
			st.requests = h->n_requests;
			st.acct_requests = h->n_acct_requests;
			st.retransmits = h->n_retransmits;
			st.accepts = h->n_accepts;
			st.rejects = h->n_rejects;
			st.challenges = h->n_challenges;
			st.bad_replies = h->n_bad_replies;
			st.timeouts = h->n_timeouts;
			st.acct_responses = h->n_acct_responses;
			if (IPC_SEND(a->ipc, IPC_AAA_STATS, aaa_stats, &st, 0, -1) < 0)
				return;  /* channel full: next second */
			h->dirty = 0;
		}
	}
}

/* main parks at most 128 logins and reads its channel every loop turn:
 * should it be slow, wait a bounded time for room (as secmod's reply()). */
static void send_wait(struct smaaa *a, enum ipc_type type, const uint8_t *buf, int n)
{
	for (int tries = 0; n >= 0 && tries < 2; tries++) {
		struct pollfd p = { .fd = a->ipc, .events = POLLOUT };

		if (ipc_send(a->ipc, type, 0, buf, (size_t)n, -1) == 0)
			return;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		poll(&p, 1, 1000);
	}
	fatal("secmod: cannot answer main");
}

static void send_rep(struct smaaa *a, struct ipc_aaa_rep *rep)
{
	static uint8_t buf[IPC_MAX_MSG];

	send_wait(a, IPC_AAA_REP, buf, ipc_enc_aaa_rep(rep, buf, sizeof(buf)));
}

static void answer_now(struct smaaa *a, uint32_t req_id, uint8_t result, const char *why)
{
	static struct ipc_aaa_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.req_id = req_id;
	rep.result = result;
	util_strlcpy(rep.reason, why, sizeof(rep.reason));
	send_rep(a, &rep);
}

static void send_acct_rep(struct smaaa *a, uint32_t seq, uint8_t result, const char *host)
{
	struct ipc_acct_rep rep = { .seq = seq, .result = result };
	uint8_t buf[256];

	util_strlcpy(rep.host, host, sizeof(rep.host));
	send_wait(a, IPC_ACCT_REP, buf, ipc_enc_acct_rep(&rep, buf, sizeof(buf)));
}

void smaaa_done(struct smaaa_req *r)
{
	r->rep.req_id = r->rq.req_id;
	if (r->g && r->host < r->g->n && !r->rep.host[0])
		util_strlcpy(r->rep.host, r->g->h[r->host].c.address, sizeof(r->rep.host));
	if (r->g && r->host < r->g->n)
		r->g->h[r->host].dirty = 1;
	if (r->acct)
		send_acct_rep(r->a, r->arq.seq, r->rep.result, r->rep.host);
	else
		send_rep(r->a, &r->rep);
	r->acct = 0;
	memset(&r->arq, 0, sizeof(r->arq));
	explicit_bzero(&r->rq, sizeof(r->rq));
	memset(&r->rep, 0, sizeof(r->rep));
	r->used = 0;
	r->priv = NULL;
	r->g = NULL;
}

/* A free request slot.  Its back pointer is set here, not for all 256 at
 * start: each slot is about 7 KB, and writing them all made secmod's idle
 * PSS 1 MB larger (one page each) for requests an installation without
 * RADIUS or LDAP never makes (S11). */
static struct smaaa_req *req_slot(struct smaaa *a)
{
	for (size_t i = 0; i < SMAAA_INFLIGHT_MAX; i++)
		if (!a->req[i].used) {
			a->req[i].a = a;
			return &a->req[i];
		}
	return NULL;
}

void smaaa_on_acct(struct smaaa *a, const struct ipc_acct_req *rq)
{
	struct smaaa_group *g = smaaa_group(a, rq->group);
	struct smaaa_req *r;
	int host;

	if (!g || g->protocol != CFG_AAA_RADIUS) {
		send_acct_rep(a, rq->seq, IPC_AAA_ERROR, "");
		return;
	}
	host = smaaa_pick(g, 0, util_now_ms());
	if (host < 0) {
		send_acct_rep(a, rq->seq, IPC_AAA_UNREACHABLE, "");
		return;
	}
	if (!(r = req_slot(a))) {
		send_acct_rep(a, rq->seq, IPC_AAA_BUSY, "");
		return;
	}
	r->used = 1;
	r->acct = 1;
	r->arq = *rq;
	memset(&r->rq, 0, sizeof(r->rq));
	memset(&r->rep, 0, sizeof(r->rep));
	r->g = g;
	r->host = (size_t)host;
	if (smradius_backend.start(r) < 0) {
		r->rep.result = IPC_AAA_ERROR;
		smaaa_done(r);
	}
}

void smaaa_on_req(struct smaaa *a, const struct ipc_aaa_req *rq)
{
	struct smaaa_group *g = smaaa_group(a, rq->group);
	struct smaaa_req *r;
	int host;

	if (!g) {
		answer_now(a, rq->req_id, IPC_AAA_ERROR, "no such aaa-server group");
		return;
	}
	if (!smaaa_backends[g->protocol]) {
		answer_now(a, rq->req_id, IPC_AAA_ERROR, "protocol not supported by this build");
		return;
	}
	if (rq->host[0]) {  /* test aaa-server: that host, whatever its state */
		size_t i = host_index(g, rq->host);

		host = i == SIZE_MAX ? -1 : (int)i;
		if (host < 0) {
			answer_now(a, rq->req_id, IPC_AAA_ERROR, "host is not in the server group");
			return;
		}
	} else {
		host = smaaa_pick(g, 0, util_now_ms());
	}
	if (host < 0) {
		answer_now(a, rq->req_id, IPC_AAA_UNREACHABLE,
			   "every host of the server group is marked failed");
		return;
	}
	if (!(r = req_slot(a))) {
		answer_now(a, rq->req_id, IPC_AAA_BUSY, "too many AAA requests in flight");
		return;
	}
	r->used = 1;
	r->rq = *rq;
	memset(&r->rep, 0, sizeof(r->rep));
	r->g = g;
	r->host = (size_t)host;
	if (smaaa_backends[g->protocol]->start(r) < 0) {
		r->rep.result = IPC_AAA_ERROR;
		if (!r->rep.reason[0])
			util_strlcpy(r->rep.reason, "cannot send the request",
				     sizeof(r->rep.reason));
		smaaa_done(r);
	}
}
