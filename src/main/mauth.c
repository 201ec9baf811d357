/* Decisions for the workers: who may log in (AUTH_REQ) and what a tunnel
 * gets (TUNNEL_REQ).  The worker reports what the client sent (path,
 * credentials, its certificate chain); who the client is comes from main
 * (its record of the connection, its own verification of the chain:
 * main_facts); every policy decision is taken here, in the order of an
 * ASA: tunnel group, authentication, group policy, checks, address. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/crypto.h>

#include "main.h"
#include "metrics.h"
#include "mban.h"
#include "mfail.h"
#include "fleet_sess.h"
#include "sessions.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/doctor.h"
#include "sslvpnd/log.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "sslvpnd/xmlauth.h"

static void reply_auth(struct worker_proc *w, struct ipc_auth_rep *rp)
{
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_auth_rep(rp, buf, sizeof(buf));

	proc_send(w, IPC_AUTH_REP, buf, n, -1);
	OPENSSL_cleanse(rp->cookie, sizeof(rp->cookie));
}

static const char *how_text(enum tg_how how)
{
	switch (how) {
	case TG_BY_ALIAS: return "group alias";
	case TG_BY_URL: return "group-url";
	case TG_BY_CERT_MAP: return "certificate map";
	default: return "default";
	}
}

/* username-from-certificate: CN unless the tunnel group says otherwise;
 * C, ST, L and SER (serialNumber) come from the subject string, DEVICE and
 * MAC from a phone's CN (src/tls/certname.c); "" when absent. */
static const char *cert_username(const struct cfg_tunnel_group *tg,
				 const struct ipc_auth_req *rq, char *buf, size_t len)
{
	static const char *const dn[][2] = {
		{ "C", "C" }, { "ST", "ST" }, { "L", "L" }, { "SER", "serialNumber" },
	};
	const char *f = tg->username_from_certificate;
	struct tls_phone ph;

	for (size_t i = 0; i < ARRAY_SIZE(dn); i++)
		if (!strcmp(f, dn[i][0]))
			return tls_dn_field(rq->cert_subject, dn[i][1], buf, len) < 0 ? "" : buf;
	if (!strcmp(f, "DEVICE") || !strcmp(f, "MAC")) {
		if (tls_phone_cn(rq->cert_cn, &ph) < 0)
			return "";
		util_strlcpy(buf, f[0] == 'D' ? ph.device : ph.mac, len);
		return buf;
	}
	if (!strcmp(f, "OU"))
		return rq->cert_ou;
	if (!strcmp(f, "O"))
		return rq->cert_o;
	if (!strcmp(f, "EA"))
		return rq->cert_email;
	if (!strcmp(f, "UPN"))
		return rq->cert_upn;
	return rq->cert_cn;
}

static void refuse(struct worker_proc *w, struct ipc_auth_rep *rp,
		   const struct ipc_auth_req *rq, const char *user,
		   uint8_t result, const char *why, const char *shown)
{
	const char *who = user[0] ? user : "(unknown)";

	/* 716039 as the ASA prints it; the reason on a line of our own */
	log_event(LM_AUTH_REJECTED, POLICY_DFLT_GRP, who, rq->peer);
	log_event(LM_AUTH_REFUSED_REASON, POLICY_DFLT_GRP, who, rq->peer, why);
	metrics_count(MET_AUTH_FAILURE, result == IPC_AUTH_UNKNOWN_GROUP ? "unknown-group"
					: result == IPC_AUTH_CERT_FAIL ? "certificate"
					: metrics_auth_reason(why));
	rp->result = result;
	util_strlcpy(rp->message, shown, sizeof(rp->message));
	reply_auth(w, rp);
}

/* The group-policy checks an ASA applies at login (policy_admit, in the
 * ASA's order), then the logoffs vpn-simultaneous-logins asks for. */
static const char *policy_refusal(struct mainctx *m, const struct gp_effective *e,
				  const struct cfg_tunnel_group *tg, const char *user,
				  const struct cfg_user *u, char *buf, size_t len)
{
	unsigned n = sessions_count_user(m, user);
	struct policy_admit a;
	time_t t = time(NULL);
	struct tm now;

	localtime_r(&t, &now);
	if (policy_admit(e, tg, u, "ssl-client", n, &now, &a) != ADMIT_OK) {
		util_strlcpy(buf, a.reason, len);
		return buf;
	}
	for (unsigned i = 0; i < a.logoff; i++)
		sessions_logoff_oldest(m, user);
	return NULL;
}

/* limits.max-sessions, the platform limit (vpn-sessiondb max ... limit),
 * checked after the logoffs of vpn-simultaneous-logins made room. */
static const char *session_limit(struct mainctx *m, const char *user, const char *peer)
{
	char n[16];

	if (m->n_sessions < (size_t)m->cfg->limits.max_sessions)
		return NULL;
	snprintf(n, sizeof(n), "%d", m->cfg->limits.max_sessions);
	log_event_rl(LM_SESSION_LIMIT, user, peer, n);
	return "the maximum number of sessions is reached";
}

/* The password step of authentication aaa / aaa certificate against the
 * local user database runs in sslvpnd-secmod (scrypt, tens of ms): main
 * forwards the check and parks the login here until the verdict comes
 * (mauth_on_passwd_rep), serving every other event meanwhile.  The parked
 * copy has no password: it is wiped once forwarded. */
enum { MAUTH_PENDING_MAX = 128 };

enum pending_kind { PENDING_LOCAL, PENDING_AAA };

struct pending_login {
	uint32_t req_id;              /* 0: free slot */
	enum pending_kind kind;       /* which verdict it waits for */
	int fallback_local;           /* AAA: "NAME LOCAL": password kept until the answer */
	int authorize;                /* AAA: an authorization lookup (certificate login) */
	char group[CFG_NAME_MAX];     /* AAA: the server group asked */
	uint32_t worker_id;
	pid_t worker_pid;             /* a restarted worker is another one */
	struct ipc_auth_req rq;       /* password wiped */
	struct ipc_auth_rep rp;
	char tunnel_group[CFG_NAME_MAX];
	char name[256];               /* the name the password is for */
	uint64_t since_ms;            /* forwarded then (msecmod_tick) */
};

static struct pending_login pending[MAUTH_PENDING_MAX];
static uint32_t last_req_id;

static struct pending_login *pending_free_slot(void)
{
	for (size_t i = 0; i < MAUTH_PENDING_MAX; i++)
		if (!pending[i].req_id)
			return &pending[i];
	return NULL;
}

static void finish_login(struct worker_proc *w, const struct ipc_auth_req *rq,
			 const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			 const char *user, const struct cfg_user *u,
			 const struct ipc_aaa_rep *aaa);

/* A password that did not let the user in.  counts: a guess (wrong
 * password, unknown user, over the user's rate) feeds the failure
 * counters; secmod being unable to check it does not.  local: the local
 * database decided (113015); an AAA server's verdict has its own line
 * (113005 / 113014), logged by the caller. */
static void login_refused(struct worker_proc *w, const struct ipc_auth_req *rq,
			  const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			  const char *name, const char *why, int counts, int local)
{
	int xml = rq->flow == IPC_FLOW_XML;
	char nu[16], ni[16];

	if (counts) {
		mfail_record(name, rq->peer, util_now_ms() / 1000);
		mban_event(w->m, rq->peer, BAN_PASSWORD);
	}
	snprintf(nu, sizeof(nu), "%u", mfail_count(MFAIL_USER, name));
	snprintf(ni, sizeof(ni), "%u", mfail_count(MFAIL_IP, rq->peer));
	if (local)
		log_event(LM_AAA_USER_REJECTED, name, why, rq->peer, nu, ni);
	/* XML: the login form again with "Login failed." (the ASA re-prompts;
	 * openconnect --non-inter stops on it); the phone gets its 401. */
	util_strlcpy(rp->tunnel_group, tg->name, sizeof(rp->tunnel_group));
	refuse(w, rp, rq, name, xml ? IPC_AUTH_NEED_FORM : IPC_AUTH_FAIL, why,
	       "Login failed.");
}

static void password_refused(struct worker_proc *w, const struct ipc_auth_req *rq,
			     const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			     const char *name, const char *why, int counts)
{
	login_refused(w, rq, tg, rp, name, why, counts, 1);
}

/* A free slot for a login about to be parked, or NULL after answering
 * (too many wait). */
static struct pending_login *pending_take(struct worker_proc *w, const struct ipc_auth_req *rq,
					  const struct cfg_tunnel_group *tg,
					  struct ipc_auth_rep *rp, const char *name)
{
	struct pending_login *p = pending_free_slot();
	char n[16];

	if (p)
		return p;
	snprintf(n, sizeof(n), "%d", MAUTH_PENDING_MAX);
	log_event(LM_SECMOD_PENDING_FULL, name, rq->peer, n);
	password_refused(w, rq, tg, rp, name, "Internal error: too many password checks waiting",
			 0);
	return NULL;
}

static void pending_park(struct pending_login *p, enum pending_kind kind,
			 struct worker_proc *w, const struct ipc_auth_req *rq,
			 const struct cfg_tunnel_group *tg, const struct ipc_auth_rep *rp,
			 const char *name)
{
	p->req_id = last_req_id;
	p->kind = kind;
	p->worker_id = w->id;
	p->worker_pid = w->pid;
	p->rq = *rq;
	OPENSSL_cleanse(p->rq.password, sizeof(p->rq.password));
	p->rp = *rp;
	util_strlcpy(p->tunnel_group, tg->name, sizeof(p->tunnel_group));
	util_strlcpy(p->name, name, sizeof(p->name));
	p->since_ms = util_now_ms();
}

static uint32_t next_req_id(void)
{
	if (++last_req_id == 0)
		last_req_id = 1;
	return last_req_id;
}

/* secmod could not take the request: answered here. */
static int secmod_failed(struct worker_proc *w, const struct ipc_auth_req *rq,
			 const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			 const char *name, int rc)
{
	if (rc == -1)
		log_event(LM_SECMOD_DOWN, name, rq->peer);
	password_refused(w, rq, tg, rp, name, "Internal error: security module unavailable", 0);
	return -1;
}

/* Forward the check to secmod and park the login: returns 1 (parked), or
 * -1 after answering when it cannot be checked now. */
static int check_password(struct worker_proc *w, const struct ipc_auth_req *rq,
			  const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			  const char *name)
{
	struct pending_login *p = pending_take(w, rq, tg, rp, name);
	int rc;

	if (!p)
		return -1;
	rc = msecmod_verify(w->m, next_req_id(), name, rq->peer, rq->password);
	if (rc < 0)
		return secmod_failed(w, rq, tg, rp, name, rc);
	pending_park(p, PENDING_LOCAL, w, rq, tg, rp, name);
	return 1;
}

static void aaa_challenge_state(struct worker_proc *w, const struct ipc_auth_req *rq,
				struct ipc_aaa_req *a);
static void authorized(struct worker_proc *w, struct pending_login *p,
		       const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *r);
static const char *challenge_user(const struct worker_proc *w, uint32_t conn_id);

/* authentication-server-group (S15): the password goes to the group's
 * servers through secmod (which holds their keys); the login is parked as
 * for a local check.  With "NAME LOCAL" the password stays in the parked
 * login until the answer: the local database needs it when no server
 * answers (wiped at the answer either way). */
static int check_external(struct worker_proc *w, const struct ipc_auth_req *rq,
			  const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			  const char *name)
{
	static struct ipc_aaa_req a;
	struct pending_login *p = pending_take(w, rq, tg, rp, name);
	int rc, local;

	if (!p)
		return -1;
	memset(&a, 0, sizeof(a));
	if (config_aaa_group(tg->authentication_server_group, a.group, sizeof(a.group),
			     &local) < 0)
		local = 0;  /* checked at load */
	a.req_id = next_req_id();
	a.op = IPC_AAA_AUTHENTICATE;
	util_strlcpy(a.user, name, sizeof(a.user));
	util_strlcpy(a.password, rq->password, sizeof(a.password));
	util_strlcpy(a.peer, rq->peer, sizeof(a.peer));
	aaa_challenge_state(w, rq, &a);
	rc = msecmod_aaa(w->m, &a);
	OPENSSL_cleanse(&a, sizeof(a));
	if (rc < 0)
		return secmod_failed(w, rq, tg, rp, name, rc);
	pending_park(p, PENDING_AAA, w, rq, tg, rp, name);
	p->fallback_local = local;
	if (local)
		util_strlcpy(p->rq.password, rq->password, sizeof(p->rq.password));
	config_aaa_group(tg->authentication_server_group, p->group, sizeof(p->group), &local);
	return 1;
}

uint64_t mauth_oldest_pending_ms(void)
{
	uint64_t oldest = 0;

	/* local checks only: an AAA server's own timeout bounds its wait */
	for (size_t i = 0; i < MAUTH_PENDING_MAX; i++)
		if (pending[i].req_id && pending[i].kind == PENDING_LOCAL &&
		    (!oldest || pending[i].since_ms < oldest))
			oldest = pending[i].since_ms;
	return oldest;
}

static const char *verdict_text(uint8_t result, int *counts)
{
	*counts = 1;
	switch (result) {
	case IPC_PASSWD_BAD: return "Invalid password";
	case IPC_PASSWD_NO_USER: return "User was not found";
	case IPC_PASSWD_LIMITED: return "Too many password attempts for this user";
	case IPC_PASSWD_BUSY:
		*counts = 0;
		return "Internal error: security module busy";
	default:
		*counts = 0;
		return "Internal error";
	}
}

/* Where a parked login resumes: its worker (*w) and the tunnel group of
 * the configuration of now (a reload while it waited may have removed
 * it: refused).  NULL when it cannot resume (dropped or answered). */
static const struct cfg_tunnel_group *resume_target(struct mainctx *m,
						    struct pending_login *p,
						    const char *what, struct worker_proc **w)
{
	const struct cfg_tunnel_group *tg;

	*w = p->worker_id < MAIN_MAX_WORKERS ? &m->workers[p->worker_id] : NULL;
	if (!*w || (*w)->pid != p->worker_pid || (*w)->sock < 0) {
		log_debugc(LOGC_AAA, 1, "%s: %s for %s dropped: its worker is gone", p->rq.peer,
			   what, p->name);
		return NULL;
	}
	tg = config_tunnel_group(m->cfg, p->tunnel_group);
	if (!tg)
		refuse(*w, &p->rp, &p->rq, p->name, IPC_AUTH_FAIL,
		       "tunnel group removed by a reload during the login", "Login failed.");
	return tg;
}

/* The verdict applies to the configuration of now: a reload while the
 * check ran may have removed the tunnel group or the user. */
static void resume_login(struct mainctx *m, struct pending_login *p, uint8_t result)
{
	struct worker_proc *w;
	const struct cfg_tunnel_group *tg = resume_target(m, p, "password verdict", &w);
	const struct cfg_user *u;
	int counts;

	if (!tg)
		return;
	u = config_user(m->cfg, p->name);
	if (result == IPC_PASSWD_OK && !u)
		result = IPC_PASSWD_NO_USER;  /* removed by a reload meanwhile */
	if (result != IPC_PASSWD_OK) {
		const char *why = verdict_text(result, &counts);

		password_refused(w, &p->rq, tg, &p->rp, p->name, why, counts);
		return;
	}
	mfail_clear(MFAIL_USER, p->name);
	log_event(LM_AAA_USER_OK, p->name, p->rq.peer);
	finish_login(w, &p->rq, tg, &p->rp, u->name, u, NULL);
}

int mauth_on_passwd_rep(struct mainctx *m, uint32_t req_id, uint8_t result)
{
	static struct pending_login p; /* main is single-threaded */

	for (size_t i = 0; i < MAUTH_PENDING_MAX; i++) {
		if (!req_id || pending[i].req_id != req_id || pending[i].kind != PENDING_LOCAL)
			continue;
		p = pending[i];
		memset(&pending[i], 0, sizeof(pending[i]));
		resume_login(m, &p, result);
		return 0;
	}
	return -1;
}

size_t mauth_secmod_lost(struct mainctx *m)
{
	size_t n = 0;

	for (size_t i = 0; i < MAUTH_PENDING_MAX; i++) {
		static struct ipc_aaa_rep lost = { .result = IPC_AAA_ERROR,
						   .reason = "security module restarted" };

		if (!pending[i].req_id)
			continue;
		if (pending[i].kind == PENDING_AAA) {
			lost.req_id = pending[i].req_id;
			mauth_on_aaa_rep(m, &lost);
		} else {
			mauth_on_passwd_rep(m, pending[i].req_id, IPC_PASSWD_ERROR);
		}
		n++;
	}
	return n;
}

/* ---- external AAA servers (S15) */

/* Access-Challenge (one-time password): the State the server sent is kept
 * per connection until the client answers the new form on it. */
enum { CHALLENGES_MAX = 64, CHALLENGE_TTL_MS = 120000 };

static struct challenge {
	uint32_t worker_id, conn_id;
	pid_t worker_pid;
	uint64_t at_ms;
	char user[256];
	uint8_t state[IPC_AAA_STATE_MAX];
	uint16_t state_len;
} challenges[CHALLENGES_MAX];

static struct challenge *challenge_of(const struct worker_proc *w, uint32_t conn_id)
{
	uint64_t now = util_now_ms();

	for (size_t i = 0; i < CHALLENGES_MAX; i++) {
		struct challenge *c = &challenges[i];

		if (c->at_ms && now - c->at_ms > CHALLENGE_TTL_MS)
			memset(c, 0, sizeof(*c));
		if (c->at_ms && c->worker_id == w->id && c->worker_pid == w->pid &&
		    c->conn_id == conn_id)
			return c;
	}
	return NULL;
}

/* The answer form has no username field: the name the challenge was
 * for, "" when this connection has no challenge open. */
static const char *challenge_user(const struct worker_proc *w, uint32_t conn_id)
{
	const struct challenge *c = challenge_of(w, conn_id);

	return c ? c->user : "";
}

/* The answer to a challenge goes with the State of the challenge (and the
 * name it was for: the answer form has no username field). */
static void aaa_challenge_state(struct worker_proc *w, const struct ipc_auth_req *rq,
				struct ipc_aaa_req *a)
{
	struct challenge *c = challenge_of(w, rq->conn_id);

	if (!c)
		return;
	memcpy(a->state, c->state, c->state_len);
	a->state_len = c->state_len;
	if (!rq->username[0])
		util_strlcpy(a->user, c->user, sizeof(a->user));
	memset(c, 0, sizeof(*c));
}

static void challenge_keep(struct pending_login *p, const struct ipc_aaa_rep *r)
{
	struct challenge *c = NULL;

	for (size_t i = 0; i < CHALLENGES_MAX && !c; i++)
		if (!challenges[i].at_ms)
			c = &challenges[i];
	if (!c)
		c = &challenges[p->req_id % CHALLENGES_MAX];  /* the table is full: reuse */
	c->worker_id = p->worker_id;
	c->worker_pid = p->worker_pid;
	c->conn_id = p->rq.conn_id;
	c->at_ms = util_now_ms();
	util_strlcpy(c->user, p->name, sizeof(c->user));
	memcpy(c->state, r->state, r->state_len);
	c->state_len = r->state_len;
}

/* Access-Challenge: an XML client gets the server's message and a new
 * form; a phone cannot answer one (logged, refused). */
static void aaa_challenged(struct worker_proc *w, struct pending_login *p,
			   const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *r)
{
	log_event(LM_AAA_CHALLENGE, p->name, p->rq.peer, r->host,
		  p->rq.flow == IPC_FLOW_XML ? "new form sent to the client"
		  : "a phone cannot answer a challenge: login refused");
	if (p->rq.flow != IPC_FLOW_XML) {
		login_refused(w, &p->rq, tg, &p->rp, p->name,
			      "AAA server sent a challenge the phone cannot answer", 0, 0);
		return;
	}
	challenge_keep(p, r);
	p->rp.result = IPC_AUTH_CHALLENGE;
	util_strlcpy(p->rp.tunnel_group, tg->name, sizeof(p->rp.tunnel_group));
	util_strlcpy(p->rp.message, r->reply_message[0] ? r->reply_message : "Enter the response",
		     sizeof(p->rp.message));
	reply_auth(w, &p->rp);
}

/* What the server sent must fit the configuration: its group policy must
 * exist.  NULL or the reason. */
static const char *aaa_attr_refusal(const struct mainctx *m, const struct ipc_aaa_rep *r,
				    char *buf, size_t len)
{
	const struct cfg_acl *acl;

	if (r->group_policy[0] && !config_group_policy(m->cfg, r->group_policy)) {
		snprintf(buf, len, "Class names group policy %.64s, which is not configured",
			 r->group_policy);
		return buf;
	}
	if (strchr(r->filter, '\n'))
		return sessions_aces_check(r->filter, buf, len);
	acl = r->filter[0] ? config_acl(m->cfg, r->filter) : NULL;
	if (r->filter[0] && (!acl || acl->type != ACL_EXTENDED)) {
		snprintf(buf, len, "Filter-Id names %.64s, which is not an extended access list",
			 r->filter);
		return buf;
	}
	return NULL;
}

/* An accepted answer as the login uses it: an LDAP host's attribute map
 * (mldap.c) turns the entry into group policy, filter and timeouts first;
 * then what it sent must fit the configuration.  NULL or the refusal. */
static const char *aaa_mapped(const struct mainctx *m, const struct pending_login *p,
			      const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *r,
			      struct ipc_aaa_rep *out, char *why, size_t len)
{
	const char *refusal;

	*out = *r;
	refusal = mldap_apply(m->cfg, tg, p->group, out, why, len);
	return refusal ? refusal : aaa_attr_refusal(m, out, why, len);
}

static void aaa_accepted(struct worker_proc *w, struct pending_login *p,
			 const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *aaa)
{
	static struct ipc_aaa_rep mapped; /* main is single-threaded */
	const struct ipc_aaa_rep *r = &mapped;
	char why[160];
	const char *refusal = aaa_mapped(w->m, p, tg, aaa, &mapped, why, sizeof(why));

	if (refusal) {
		log_event(LM_AAA_ATTR_REFUSED, p->name, p->rq.peer, r->host, refusal);
		refuse(w, &p->rp, &p->rq, p->name, IPC_AUTH_FAIL, refusal, "Login denied.");
		return;
	}
	mfail_clear(MFAIL_USER, p->name);
	log_event(LM_AAA_EXT_USER_OK, r->host, p->name, p->rq.peer);
	finish_login(w, &p->rq, tg, &p->rp, p->name, NULL, r);
}

/* No host answered: "NAME LOCAL" asks the local database (the password
 * was kept for it), else the login fails (113014). */
static void aaa_unreachable(struct worker_proc *w, struct pending_login *p,
			    const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *r)
{
	log_event(LM_AAA_UNREACHABLE, p->group, p->name);
	if (!p->fallback_local) {
		login_refused(w, &p->rq, tg, &p->rp, p->name,
			      r->reason[0] ? r->reason : "AAA server not accessible", 0, 0);
		return;
	}
	log_event(LM_AAA_FALLBACK_LOCAL, p->name, p->rq.peer, p->group);
	check_password(w, &p->rq, tg, &p->rp, p->name);
}

static void resume_aaa(struct mainctx *m, struct pending_login *p, const struct ipc_aaa_rep *r)
{
	struct worker_proc *w;
	const struct cfg_tunnel_group *tg = resume_target(m, p, "AAA answer", &w);

	if (!tg)
		return;
	if (p->authorize) {
		authorized(w, p, tg, r);
		return;
	}
	switch (r->result) {
	case IPC_AAA_ACCEPT:
		aaa_accepted(w, p, tg, r);
		break;
	case IPC_AAA_CHALLENGE:
		aaa_challenged(w, p, tg, r);
		break;
	case IPC_AAA_UNREACHABLE:
		aaa_unreachable(w, p, tg, r);
		break;
	case IPC_AAA_REJECT:
		log_event(LM_AAA_EXT_USER_REJECTED, r->host, p->name,
			  r->reply_message[0] ? r->reply_message : "AAA failure", p->rq.peer);
		login_refused(w, &p->rq, tg, &p->rp, p->name,
			      r->reply_message[0] ? r->reply_message : "AAA failure", 1, 0);
		break;
	default:
		log_event(LM_AAA_BAD_REPLY, p->group, r->host[0] ? r->host : "-",
			  r->reason[0] ? r->reason : "AAA request failed");
		login_refused(w, &p->rq, tg, &p->rp, p->name,
			      r->reason[0] ? r->reason : "Internal error: AAA request failed", 0, 0);
		break;
	}
}

int mauth_on_aaa_rep(struct mainctx *m, const struct ipc_aaa_rep *r)
{
	static struct pending_login p; /* main is single-threaded */

	for (size_t i = 0; i < MAUTH_PENDING_MAX; i++) {
		if (!r->req_id || pending[i].req_id != r->req_id || pending[i].kind != PENDING_AAA)
			continue;
		p = pending[i];
		memset(&pending[i], 0, sizeof(pending[i]));
		resume_aaa(m, &p, r);
		OPENSSL_cleanse(p.rq.password, sizeof(p.rq.password));
		return 0;
	}
	return -1;
}

/* authorization-server-group for a certificate login (S15): the user
 * named by username-from-certificate is looked up (RADIUS: an
 * Access-Request with the name as password, as the ASA; LDAP: a search),
 * the login parked meanwhile.  0: no lookup (go on), 1: parked. */
static int authorize(struct worker_proc *w, const struct ipc_auth_req *rq,
		     const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp, const char *user)
{
	static struct ipc_aaa_req a;
	struct pending_login *p;
	int rc;

	if (tg->authentication != CFG_AUTH_CERTIFICATE || !tg->authorization_server_group[0])
		return 0;
	if (!(p = pending_take(w, rq, tg, rp, user)))
		return -1;
	memset(&a, 0, sizeof(a));
	a.req_id = next_req_id();
	a.op = IPC_AAA_AUTHORIZE;
	util_strlcpy(a.group, tg->authorization_server_group, sizeof(a.group));
	util_strlcpy(a.user, user, sizeof(a.user));
	util_strlcpy(a.peer, rq->peer, sizeof(a.peer));
	rc = msecmod_aaa(w->m, &a);
	if (rc < 0)
		return secmod_failed(w, rq, tg, rp, user, rc);
	pending_park(p, PENDING_AAA, w, rq, tg, rp, user);
	p->authorize = 1;
	util_strlcpy(p->group, tg->authorization_server_group, sizeof(p->group));
	return 1;
}

/* The authorization answer: its attributes when the server knows the
 * user; without a record the login goes on with the tunnel group's
 * defaults, unless authorize-required. */
static void authorized(struct worker_proc *w, struct pending_login *p,
		       const struct cfg_tunnel_group *tg, const struct ipc_aaa_rep *aaa)
{
	static struct ipc_aaa_rep mapped; /* main is single-threaded */
	const struct ipc_aaa_rep *r = &mapped;
	char why[400];
	const char *refusal = NULL;

	mapped = *aaa;
	if (aaa->result == IPC_AAA_ACCEPT)
		refusal = aaa_mapped(w->m, p, tg, aaa, &mapped, why, sizeof(why));

	if (refusal) {
		log_event(LM_AAA_ATTR_REFUSED, p->name, p->rq.peer, r->host, refusal);
		refuse(w, &p->rp, &p->rq, p->name, IPC_AUTH_FAIL, refusal, "Login denied.");
		return;
	}
	if (r->result == IPC_AAA_ACCEPT) {
		log_event(LM_AAA_AUTHORIZED, p->name, p->rq.peer, r->host, p->group);
		finish_login(w, &p->rq, tg, &p->rp, p->name, NULL, r);
		return;
	}
	snprintf(why, sizeof(why), "authorization by aaa-server group %s failed: %s", p->group,
		 r->result == IPC_AAA_REJECT ? "no such user"
		 : r->reason[0] ? r->reason : "no answer");
	if (tg->authorize_required) {
		refuse(w, &p->rp, &p->rq, p->name, IPC_AUTH_FAIL, why, "Login denied.");
		return;
	}
	log_event(LM_AAA_AUTHZ_SKIPPED, p->name, p->rq.peer, why);
	finish_login(w, &p->rq, tg, &p->rp, p->name, NULL, NULL);
}

/* Who the session belongs to under `aaa certificate`: the AAA (form)
 * username, as on an ASA without pre-fill-username: the certificate only
 * has to validate, the password decides who logs in, so group-lock, the
 * user's group policy and simultaneous-logins follow the name the password
 * was checked for.  The phone's "Password only" method sends no username:
 * then, and only with a valid certificate, the name comes from the
 * certificate (username-from-certificate). */
static const char *aaa_username(const struct cfg_tunnel_group *tg,
				const struct ipc_auth_req *rq)
{
	static char ubuf[256]; /* main is single-threaded */

	if (!rq->username[0] && rq->flow == IPC_FLOW_SVC &&
	    tg->authentication == CFG_AUTH_AAA_CERTIFICATE && rq->cert == IPC_CERT_OK)
		return cert_username(tg, rq, ubuf, sizeof(ubuf));
	return rq->username;
}

static int aaa_login(struct worker_proc *w, const struct ipc_auth_req *rq,
		     const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
		     const char **user, const struct cfg_user **u)
{
	static char cname[256]; /* main is single-threaded */
	const char *name = aaa_username(tg, rq);

	if (!name[0] && rq->password[0] && tg->authentication_server_group[0]) {
		/* the answer to a challenge (its record is consumed on sending) */
		util_strlcpy(cname, challenge_user(w, rq->conn_id), sizeof(cname));
		name = cname;
	}
	if (!name[0] && !rq->password[0]) {
		if (rq->flow == IPC_FLOW_XML) {
			/* First round: no credentials yet, ask for them. */
			rp->result = IPC_AUTH_NEED_FORM;
			util_strlcpy(rp->tunnel_group, tg->name, sizeof(rp->tunnel_group));
			reply_auth(w, rp);
			return -1;
		}
		refuse(w, rp, rq, "", IPC_AUTH_FAIL,
		       "tunnel group requires a username and password and the phone sent none",
		       "Login failed.");
		return -1;
	}
	if (tg->authentication_server_group[0])
		return check_external(w, rq, tg, rp, name);
	return check_password(w, rq, tg, rp, name);
}

/* validation-trustpoints: the chain must end at one of them (none = any). */
static int cert_trustpoint_ok(const struct cfg_tunnel_group *tg, const char *tp)
{
	const struct cfg_name_list *l = &tg->validation_trustpoints;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], tp))
			return 1;
	return l->n == 0;
}

/* Returns 0 (authenticated: *user, *u set), -1 (answered) or 1 (parked
 * for secmod's password verdict). */
static int authenticate(struct worker_proc *w, const struct ipc_auth_req *rq,
			const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			const char **user, const struct cfg_user **u)
{
	int want_cert = tg->authentication != CFG_AUTH_AAA;

	*user = "";
	*u = NULL;
	if (want_cert && rq->cert != IPC_CERT_OK) {
		if (rq->flow == IPC_FLOW_XML && !rq->client_cert_fail) {
			rp->result = IPC_AUTH_NEED_CERT;
			reply_auth(w, rp);
			return -1;
		}
		refuse(w, rp, rq, rq->username, IPC_AUTH_CERT_FAIL,
		       "tunnel group requires a valid client certificate and none was presented",
		       "Certificate Validation Failure");
		return -1;
	}
	if (want_cert && !cert_trustpoint_ok(tg, rq->cert_trustpoint)) {
		char why[160];

		snprintf(why, sizeof(why), "client certificate validated by trustpoint %.60s, "
			 "not one of the tunnel group's validation-trustpoints",
			 rq->cert_trustpoint[0] ? rq->cert_trustpoint : "(none)");
		refuse(w, rp, rq, rq->cert_cn, IPC_AUTH_CERT_FAIL, why,
		       "Certificate Validation Failure");
		return -1;
	}
	if (tg->authentication != CFG_AUTH_CERTIFICATE)
		return aaa_login(w, rq, tg, rp, user, u);
	static char ubuf[256]; /* main is single-threaded; used before the next login */

	*user = cert_username(tg, rq, ubuf, sizeof(ubuf));
	if (!**user) {
		refuse(w, rp, rq, "", IPC_AUTH_FAIL,
		       "client certificate has no username field for username-from-certificate",
		       "Certificate Validation Failure");
		return -1;
	}
	return 0;
}

/* log_event takes its arguments variadically and reads exactly as many
 * as the event has (at most four for the DAP events). */
static void dap_emit(void *arg, int ev, const char *const *a)
{
	(void)arg;
	switch (log_catalogue[ev].nargs) {
	case 3: log_event((enum log_event)ev, a[0], a[1], a[2]); break;
	default: log_event((enum log_event)ev, a[0], a[1], a[2], a[3]); break;
	}
}

/* Dynamic access policies, after authentication and the group-policy
 * checks (seed 001: 716038, then 734003 per attribute, 734001, 734002).
 * Returns the result to keep in the session, NULL when DAP is not
 * configured, or sets *refused after answering the worker: a terminating
 * record refuses the login with its user-message and no 716039 (the ASA
 * logs the refusal as 734002 only). */
static const struct dap_result *dap_login(struct worker_proc *w, const struct ipc_auth_req *rq,
					  struct ipc_auth_rep *rp, const char *user,
					  const struct ipc_aaa_rep *aaa, int *refused)
{
	static struct dap_result r;
	static struct dap_session ds;
	struct dap_input in = {
		.group_policy = rp->group_policy, .tunnel_group = rp->tunnel_group,
		.username = user, .user_agent = rq->user_agent,
		.server_attrs = aaa ? aaa->attrs : NULL,  /* aaa.radius.N, aaa.ldap.NAME */
	};

	*refused = 0;
	if (!dap_active(w->m->cfg))
		return NULL;
	if (rq->cert == IPC_CERT_OK) {
		in.cert_subject = rq->cert_subject;
		in.cert_issuer = rq->cert_issuer;
		in.cert_serial = rq->cert_serial;
	}
	dap_session_init(&ds, &in);
	dap_evaluate(w->m->cfg, &ds, &r);
	log_debugc(LOGC_DAP, 1, "user %s from %s: %zu DAP records selected (%s), action %s",
		   user, rq->peer, r.n_selected, r.dflt ? "DfltAccessPolicy" : r.records,
		   r.action == DAP_TERMINATE ? "terminate" : "continue");
	dap_login_events(&r, user, rq->peer, dap_emit, NULL);
	if (r.action != DAP_TERMINATE)
		return &r;
	rp->result = IPC_AUTH_FAIL;
	util_strlcpy(rp->message, r.message[0] ? r.message : "Login denied.",
		     sizeof(rp->message));
	reply_auth(w, rp);
	*refused = 1;
	metrics_count(MET_DAP_TERMINATED, NULL);
	metrics_count(MET_AUTH_FAILURE, "DAP");
	return NULL;
}

static const char *auth_method(const struct cfg_tunnel_group *tg)
{
	switch (tg->authentication) {
	case CFG_AUTH_AAA: return "local database";
	case CFG_AUTH_AAA_CERTIFICATE: return "certificate and local database";
	default: return "certificate";
	}
}

/* After authentication: group-policy checks, 716038, DAP, the session and
 * its cookie.  rq, rp: the login (rq's password already wiped or unused). */
static void finish_login(struct worker_proc *w, const struct ipc_auth_req *rq,
			 const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp,
			 const char *user, const struct cfg_user *u,
			 const struct ipc_aaa_rep *aaa)
{
	struct mainctx *m = w->m;
	struct gp_effective e;
	const char *refusal;
	char why[512];
	/* username X attributes / vpn-group-policy replaces the tunnel
	 * group's default-group-policy for this user's sessions; so does
	 * the AAA server's group policy (RADIUS Class OU=NAME;). */
	const char *gp = aaa && aaa->group_policy[0] ? aaa->group_policy
		       : u && u->vpn_group_policy[0] ? u->vpn_group_policy
						     : tg->default_group_policy;

	util_strlcpy(rp->group_policy, gp, sizeof(rp->group_policy));
	policy_resolve(m->cfg, gp, &e);
	refusal = policy_refusal(m, &e, tg, user, u, why, sizeof(why));
	if (!refusal)
		refusal = session_limit(m, user, rq->peer);
	if (refusal) {
		refuse(w, rp, rq, user, IPC_AUTH_FAIL, refusal, "Login denied.");
		return;
	}
	/* The seeds show 716038 naming DfltGrpPolicy: the ASA logs it before
	 * the session's group policy is applied, and before DAP. */
	log_event(LM_AUTH_OK, POLICY_DFLT_GRP, user, rq->peer, auth_method(tg));
	mban_login_ok(rq->peer);
	metrics_count(MET_AUTH_SUCCESS, NULL);
	int dap_refused;
	const struct dap_result *dap = dap_login(w, rq, rp, user, aaa, &dap_refused);

	if (dap_refused)
		return;
	struct session *s = sessions_create(m, user, tg->name, e.policy, rq->peer);

	if (!s) {
		refuse(w, rp, rq, user, IPC_AUTH_FAIL, "out of memory", "Login failed.");
		return;
	}
	if (dap)
		sessions_set_dap(s, dap);
	if (aaa)
		sessions_set_aaa(s, aaa);
	util_strlcpy(s->acct_group, tg->accounting_server_group, sizeof(s->acct_group));
	sessions_set_tcp_dst_port(s, rq->local_port);
	sessions_set_device_id(s, rq->device_id);
	log_event(LM_PARENT_STARTED, e.policy, user, rq->peer);
	log_event(LM_SESSION_STARTED, e.policy, user, rq->peer);
	rp->result = IPC_AUTH_OK;
	util_strlcpy(rp->cookie, session_cookie(s), sizeof(rp->cookie));
	util_strlcpy(rp->username, user, sizeof(rp->username));
	util_strlcpy(rp->banner, gp_str_or(&e, GPA_BANNER, ""), sizeof(rp->banner));
	if (policy_profiles(&e, rp->profiles, sizeof(rp->profiles)) < 0)
		log_warnx("group policy %s: anyconnect-profiles do not fit the login reply; "
			  "none offered", e.policy);
	reply_auth(w, rp);
}

/* Who the client is comes from main, never from the worker: its address
 * and our port from main's record of the connection, the certificate
 * fields from main's own verification of the chain (the CA trustpoints
 * of the configuration the worker runs).  -1: a violation (the worker is
 * killed, nothing to answer). */
/* ---- load balancing (vpn load-balancing): a redirect, no load exchange */

/* 100953 once per phone tunnel group and configuration generation. */
static void lb_phone_kept(const struct mainctx *m, const struct sslvpnd_config *cfg,
			  const struct cfg_tunnel_group *tg)
{
	static uint32_t gen;
	static uint8_t seen[256];
	size_t i = (size_t)(tg - cfg->tunnel_groups);

	if (gen != m->snap->gen) {
		gen = m->snap->gen;
		memset(seen, 0, sizeof(seen));
	}
	if (i < sizeof(seen) && seen[i])
		return;
	if (i < sizeof(seen))
		seen[i] = 1;
	log_event_rl(LM_LB_PHONE_KEPT, tg->name);
}

/* The ASA's cluster answers the first request of a login with a 302 whose
 * Location is the chosen node with the request's path, and the client
 * starts over there (openconnect: a new host, a new TLS connection).  Only
 * logins addressed to cluster-address: a node's own address is where a
 * redirected client arrives.  Phones stay here unless asa-compat
 * lb-redirect asks for the ASA's behaviour.  1 = answered. */
static int lb_redirect(struct worker_proc *w, const struct ipc_auth_req *rq,
		       const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp)
{
	static unsigned next; /* main is single-threaded */
	const struct sslvpnd_config *cfg = w->m->cfg;
	const struct cfg_load_balancing *lb = &cfg->load_balancing;
	int phone = doctor_phone_group(tg) || rq->flow == IPC_FLOW_SVC;
	char n[12], of[12];

	if (!lb->participate || !lb->n_peers || strcasecmp(rq->host, lb->cluster_address))
		return 0;
	if (phone && !(tg->asa_compat_mask & CFG_ASA_COMPAT_LB_REDIRECT)) {
		lb_phone_kept(w->m, cfg, tg);
		return 0;
	}
	size_t i = next++ % lb->n_peers;
	const struct cfg_group_url *p = &lb->peers[i];
	size_t base = strlen(p->url);

	while (base > 8 && p->url[base - 1] == '/')
		base--;
	int len = snprintf(rp->message, sizeof(rp->message), "%.*s%s", (int)base, p->url,
			   rq->path[0] == '/' ? rq->path : "/");

	if (len < 0 || (size_t)len >= sizeof(rp->message)) {
		/* a cut Location would send the client somewhere else: serve it */
		log_warnx("load balancing: %s%s is too long for a redirect; login served here",
			  p->url, rq->path);
		rp->message[0] = '\0';
		return 0;
	}
	snprintf(n, sizeof(n), "%zu", i + 1);
	snprintf(of, sizeof(of), "%zu", lb->n_peers);
	log_event(LM_LB_REDIRECT, tg->name, rq->peer, rp->message, n, of);
	if (phone)
		log_event(LM_ASA_COMPAT_LB, tg->name, rq->peer, rp->message);
	rp->result = IPC_AUTH_REDIRECT;
	reply_auth(w, rp);
	return 1;
}

static int main_facts(struct worker_proc *w, struct ipc_auth_req *rq)
{
	const struct mconn *c = mconn_check(w, rq->conn_id, IPC_AUTH_REQ);
	struct tls_peer_cert pc = { 0 };
	char why[200], conn[16];

	if (!c)
		return -1;
	util_strlcpy(rq->peer, c->peer, sizeof(rq->peer));
	rq->local_port = c->local_port;
	/* Now, or when main handed the connection over (the handshake came
	 * after): a certificate or CRL that expired since the handshake is a
	 * disagreement of clocks, not a lie. */
	if (rq->chain_len &&
	    tls_verifier_check(w->verifier, rq->chain, rq->chain_len, 0, &pc, why, sizeof(why)) < 0 &&
	    tls_verifier_check(w->verifier, rq->chain, rq->chain_len, c->handed_at, &pc, why,
			       sizeof(why)) < 0) {
		snprintf(conn, sizeof(conn), "%u", rq->conn_id);
		log_event(LM_CHAIN_REFUSED, conn, c->peer, why);
		metrics_count(MET_AUTH_FAILURE, "certificate");
		proc_kill(w, "it reported a client chain main does not verify");
		return -1;
	}
	rq->cert = pc.verified ? IPC_CERT_OK : IPC_CERT_NONE;
	util_strlcpy(rq->cert_cn, pc.cn, sizeof(rq->cert_cn));
	util_strlcpy(rq->cert_o, pc.o, sizeof(rq->cert_o));
	util_strlcpy(rq->cert_ou, pc.ou, sizeof(rq->cert_ou));
	util_strlcpy(rq->cert_email, pc.email, sizeof(rq->cert_email));
	util_strlcpy(rq->cert_upn, pc.upn, sizeof(rq->cert_upn));
	util_strlcpy(rq->cert_subject, pc.subject, sizeof(rq->cert_subject));
	util_strlcpy(rq->cert_issuer, pc.issuer, sizeof(rq->cert_issuer));
	util_strlcpy(rq->cert_serial, pc.serial, sizeof(rq->cert_serial));
	util_strlcpy(rq->cert_trustpoint, pc.trustpoint, sizeof(rq->cert_trustpoint));
	return 0;
}

/* webvpn csd enable without the tunnel group's without-csd: host scan is
 * required before the login (and none is implemented here). */
/* webvpn csd without without-csd on the tunnel group: the client must run
 * host scan, which sslvpnd does not have.  Refused with the ASA's debug
 * text (seed 001) when so; 1 = refused. */
static int csd_refused(struct worker_proc *w, const struct ipc_auth_req *rq,
		       const struct cfg_tunnel_group *tg, struct ipc_auth_rep *rp)
{
	if (!w->m->cfg->webvpn.csd || tg->without_csd)
		return 0;
	log_event(LM_CSD_REFUSED, tg->name, rq->username[0] ? rq->username : rq->cert_cn,
		  rq->peer);
	refuse(w, rp, rq, rq->username, IPC_AUTH_CSD, "CSD data not sent from client",
	       "Login denied.");
	return 1;
}

void mauth_on_auth_req(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	static struct ipc_auth_req rq;
	struct ipc_auth_rep rp = { 0 };
	struct mainctx *m = w->m;
	enum tg_how how = TG_BY_DEFAULT;
	const struct cfg_user *u;
	const char *user;
	int bad = ipc_dec_auth_req(&rq, buf, len) < 0;

	/* The payload may hold a password: proc.c's receive buffer is a
	 * writable stack array, wipe it as soon as it is decoded. */
	OPENSSL_cleanse((void *)(uintptr_t)buf, len);
	if (bad) {
		OPENSSL_cleanse(&rq, sizeof(rq));
		proc_kill(w, "bad AUTH_REQ");
		return;
	}
	if (main_facts(w, &rq) < 0)
		goto out;
	rp.conn_id = rq.conn_id;
	const struct cfg_tunnel_group *tg = policy_select_tunnel_group(
		m->cfg, rq.host, rq.local_port, rq.path, rq.group_select, &how);

	if (!tg) {
		refuse(w, &rp, &rq, rq.username, IPC_AUTH_UNKNOWN_GROUP,
		       "unknown group alias", "Login failed.");
		goto out;
	}
	const char *detail = how == TG_BY_ALIAS ? rq.group_select : rq.path;

	if (how == TG_BY_DEFAULT && rq.cert == IPC_CERT_OK) {
		const struct cfg_tunnel_group *by_cert =
			policy_select_by_cert(m->cfg, rq.cert_subject, rq.cert_issuer, &detail);

		if (by_cert) {
			tg = by_cert;
			how = TG_BY_CERT_MAP;
		} else {
			detail = rq.path;
		}
	}
	log_event(LM_TUNNEL_GROUP_SELECTED, rq.peer, tg->name, how_text(how), detail);
	log_debugc(LOGC_AAA, 1, "%s: %s login to tunnel group %s, certificate %s, username "
		   "\"%s\", %s", rq.peer, rq.flow == IPC_FLOW_SVC ? "phone (SVC)" : "XML",
		   tg->name, rq.cert == IPC_CERT_OK ? rq.cert_subject : "none", rq.username,
		   rq.password[0] ? "password given" : "no password");
	util_strlcpy(rp.tunnel_group, tg->name, sizeof(rp.tunnel_group));
	util_strlcpy(rp.group_policy, tg->default_group_policy, sizeof(rp.group_policy));
	if (how == TG_BY_ALIAS)  /* echoed back by the client in a second round */
		util_strlcpy(rp.group_alias, rq.group_select, sizeof(rp.group_alias));
	if (csd_refused(w, &rq, tg, &rp) || lb_redirect(w, &rq, tg, &rp))
		goto out;
	if (authenticate(w, &rq, tg, &rp, &user, &u) == 0 &&
	    authorize(w, &rq, tg, &rp, user) == 0)
		finish_login(w, &rq, tg, &rp, user, u, NULL);
out:
	OPENSSL_cleanse(rq.password, sizeof(rq.password));
}

void mauth_tunnel_answer(struct worker_proc *w, struct session *s,
			 const struct ipc_tunnel_req *rq, const char *why, int score)
{
	static struct ipc_tunnel_rep rp;
	uint8_t out[IPC_MAX_MSG];

	memset(&rp, 0, sizeof(rp));
	rp.conn_id = rq->conn_id;
	if (!s) {
		rp.result = IPC_TUNNEL_BAD_COOKIE;
		util_strlcpy(rp.reason, why, sizeof(rp.reason));
		log_event_rl(LM_CONNECT_REFUSED, rq->peer, rp.reason);
		if (score)
			mban_event(w->m, rq->peer, BAN_COOKIE);
	} else {
		sessions_open_tunnel(w, s, rq, &rp);
		if (rp.result != IPC_TUNNEL_OK)
			log_event_rl(LM_CONNECT_REFUSED, rq->peer, rp.reason);
		else
			preauth_tunnel(w, rq->conn_id);  /* a tunnel now */
	}
	int n = ipc_enc_tunnel_rep(&rp, out, sizeof(out));

	proc_send(w, IPC_TUNNEL_REP, out, n, -1);
}

void mauth_on_tunnel_req(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	static struct ipc_tunnel_req rq;

	if (ipc_dec_tunnel_req(&rq, buf, len) < 0) {
		proc_kill(w, "bad TUNNEL_REQ");
		return;
	}
	const struct mconn *c = mconn_check(w, rq.conn_id, IPC_TUNNEL_REQ);

	if (!c)
		return;
	/* main's record, not the worker's word: sessions and bans use it */
	util_strlcpy(rq.peer, c->peer, sizeof(rq.peer));
	rq.peer_port = c->peer_port;
	/* the format is checked before any lookup: a guess that cannot be a
	 * cookie costs no comparison */
	int well_formed = util_cookie_well_formed(rq.cookie);
	struct session *s = well_formed ? sessions_by_cookie(w->m, rq.cookie) : NULL;

	/* S16 (fleet_sess.c): a login's first CONNECT may keep its user's
	 * address from another node; a cookie of no session here may be
	 * another node's.  Either asks Redis and answers later: the worker
	 * waits. */
	int deferred = s ? fleet_sess_sticky(w, s, &rq)
			 : well_formed && fleet_sess_claim(w, &rq);

	if (!deferred)
		mauth_tunnel_answer(w, s, &rq, !rq.cookie[0] ? "no webvpn cookie"
					      : !well_formed ? "malformed webvpn cookie"
					      : "cookie is not acceptable", rq.cookie[0] != 0);
	OPENSSL_cleanse(rq.cookie, sizeof(rq.cookie));
}

/* GET of an AnyConnect profile (S7): served only when the cookie names a
 * session whose policy, in the session's own snapshot, offers that
 * profile.  A cookie that names no session counts like one at CONNECT. */
void mauth_on_profile_req(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_profile_req rq;
	struct ipc_profile_rep rp = { 0 };
	uint8_t out[64];

	if (ipc_dec_profile_req(&rq, buf, len) < 0) {
		proc_kill(w, "bad PROFILE_REQ");
		return;
	}
	const struct mconn *c = mconn_check(w, rq.conn_id, IPC_PROFILE_REQ);

	if (!c)
		goto out;
	rp.conn_id = rq.conn_id;
	struct session *s = util_cookie_well_formed(rq.cookie) ? sessions_by_cookie(w->m, rq.cookie)
							      : NULL;

	if (s) {
		struct gp_effective e;
		char list[512];

		policy_resolve(s->snap->cfg, s->policy, &e);
		rp.ok = policy_profiles(&e, list, sizeof(list)) >= 0 &&
			xmlauth_profile_listed(list, rq.name);
	} else {
		log_event_rl(LM_CONNECT_REFUSED, c->peer, "profile download: cookie is not acceptable");
		mban_event(w->m, c->peer, BAN_COOKIE);
	}
	int n = ipc_enc_profile_rep(&rp, out, sizeof(out));

	proc_send(w, IPC_PROFILE_REP, out, n, -1);
out:
	OPENSSL_cleanse(rq.cookie, sizeof(rq.cookie));
}
