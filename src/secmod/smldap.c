/* LDAP back-end of secmod's AAA (S15): each request runs ldapcli_login
 * (src/aaa/ldapcli.c: service bind, search, bind as the user) in one of a
 * few threads of its own, because libldap is blocking; an ev_async brings
 * the result back to secmod's loop, which answers main (smaaa_done) or
 * moves the request to the next host.  Every step of ldapcli_login is
 * bounded by the host's timeout, so a thread is never held longer than a
 * few timeouts; secmod's loop is never held at all.
 *
 * A job owns copies of everything it needs (the host's settings, the
 * service password, the user's password), so a request cancelled meanwhile
 * (secmod exits, a reload drops its group) only marks its job: the thread
 * finishes, the loop frees it.  Passwords are wiped as soon as the thread
 * is done with them. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smaaa.h"
#include "sslvpnd/ldapcli.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

/* Threads running LDAP requests: each holds one request for at most a few
 * timeouts; more requests wait in the queue (bounded by
 * SMAAA_INFLIGHT_MAX, smaaa.c). */
enum { SMLDAP_THREADS = 4 };

struct smldap_job {
	struct smldap_job *next;
	struct smaaa_req *r;             /* NULL: cancelled, nobody waits */
	uint64_t started_ms;
	struct ldapcli_server s;         /* points into the copies below */
	struct ipc_secmod_aaa c;         /* the host (service password included) */
	char user[256];
	char password[256];
	int authorize_only;
	struct ldapcli_result res;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct smldap_job *todo, *todo_tail, *done;
	struct ev_loop *loop;
	ev_async wake;
	int started;
} L = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void job_free(struct smldap_job *j)
{
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void *smldap_thread(void *arg)
{
	struct smldap_job *j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&L.mu);
		while (!L.todo)
			pthread_cond_wait(&L.cv, &L.mu);
		j = L.todo;
		L.todo = j->next;
		if (!L.todo)
			L.todo_tail = NULL;
		pthread_mutex_unlock(&L.mu);

		ldapcli_login(&j->s, j->user, j->authorize_only ? NULL : j->password, &j->res);
		explicit_bzero(j->password, sizeof(j->password));
		explicit_bzero(j->c.ldap_login_password, sizeof(j->c.ldap_login_password));

		pthread_mutex_lock(&L.mu);
		j->next = L.done;
		L.done = j;
		pthread_mutex_unlock(&L.mu);
		ev_async_send(L.loop, &L.wake);
	}
	return NULL;
}

/* "aaa.ldap.NAME=VALUE" lines (the DAP attributes, and what main's
 * attribute map reads); values that do not fit are left out. */
static void rep_attrs(struct ipc_aaa_rep *rep, const struct ldapcli_result *res)
{
	size_t n = 0;
	int w;

	rep->attrs[0] = '\0';
	for (size_t i = 0; i < res->n_av; i++) {
		w = snprintf(rep->attrs + n, sizeof(rep->attrs) - n, "aaa.ldap.%s=%s\n",
			     res->av[i].attr, res->av[i].value);
		if (w < 0 || (size_t)w >= sizeof(rep->attrs) - n) {
			rep->attrs[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

/* The server answered (any LDAP result): its verdict goes to main. */
static void answered(struct smaaa_req *r, struct smldap_job *j, uint64_t now)
{
	static const uint8_t result[] = {
		[LDAPCLI_OK] = IPC_AAA_ACCEPT,       [LDAPCLI_REJECTED] = IPC_AAA_REJECT,
		[LDAPCLI_NO_USER] = IPC_AAA_REJECT,  [LDAPCLI_ERROR] = IPC_AAA_ERROR,
	};
	struct ipc_aaa_rep *rep = &r->rep;

	/* a reload may have removed the host meanwhile (smaaa.c move_requests) */
	struct smaaa_host *h = r->host < r->g->n && r->rq.op != IPC_AAA_TEST ? &r->g->h[r->host]
									      : NULL;

	smaaa_host_answered(r->g, r->host, now - j->started_ms);
	rep->result = result[j->res.status];
	/* show aaa-server: an LDAP error answer (the service bind refused,
	 * several entries) counts as a reject, as the ASA counts it */
	if (h) {
		h->n_accepts += rep->result == IPC_AAA_ACCEPT;
		h->n_rejects += rep->result != IPC_AAA_ACCEPT;
	}
	util_strlcpy(rep->host, j->c.address, sizeof(rep->host));
	util_strlcpy(rep->reason, j->res.why, sizeof(rep->reason));
	/* the ASA's 113005 reasons */
	if (j->res.status == LDAPCLI_REJECTED)
		util_strlcpy(rep->reply_message, "Invalid password", sizeof(rep->reply_message));
	else if (j->res.status == LDAPCLI_NO_USER)
		util_strlcpy(rep->reply_message, "User was not found", sizeof(rep->reply_message));
	if (j->res.status == LDAPCLI_OK)
		rep_attrs(rep, &j->res);
	if (j->res.status == LDAPCLI_ERROR)
		log_event(LM_LDAP_HOST_FAILED, r->g->name, j->c.address, j->res.why);
	smaaa_done(r);
}

static void finished(struct smldap_job *j)
{
	struct smaaa_req *r = j->r;
	uint64_t now = util_now_ms();

	if (!r)
		return;
	r->priv = NULL;
	if (j->res.status != LDAPCLI_UNREACHABLE) {
		answered(r, j, now);
		return;
	}
	log_event(LM_LDAP_HOST_FAILED, r->g->name, j->c.address, j->res.why);
	smaaa_host_silent(r->g, r->host, now);
	if (smaaa_next_host(r))
		return;
	r->rep.result = IPC_AAA_UNREACHABLE;
	util_strlcpy(r->rep.reason, j->res.why, sizeof(r->rep.reason));
	smaaa_done(r);
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct smldap_job *j, *next;

	(void)loop;
	(void)w;
	(void)revents;
	pthread_mutex_lock(&L.mu);
	j = L.done;
	L.done = NULL;
	pthread_mutex_unlock(&L.mu);
	for (; j; j = next) {
		next = j->next;
		finished(j);
		job_free(j);
	}
}

void smldap_preinit(void)
{
	/* the threads start later, under the sandbox's filter */
	if (ldapcli_init() < 0)
		log_event(LM_LDAP_HOST_FAILED, "-", "-", "libldap could not be initialised");
}

/* The threads and the async watcher, at the first request. */
static int start_threads(struct ev_loop *loop)
{
	pthread_t t;

	if (L.started)
		return 0;
	L.loop = loop;
	ev_async_init(&L.wake, on_wake);
	ev_async_start(loop, &L.wake);
	for (int i = 0; i < SMLDAP_THREADS; i++) {
		if (pthread_create(&t, NULL, smldap_thread, NULL) != 0)
			return i ? 0 : -1;
		pthread_detach(t);
	}
	L.started = 1;
	return 0;
}

/* The host's settings as ldapcli wants them: ldap-over-ssl is LDAPS, or
 * StartTLS on port 389 (config.c gives an LDAP host 389 / 636 when the
 * file names no port). */
static void job_server(struct smldap_job *j)
{
	const struct ipc_secmod_aaa *c = &j->c;

	j->s = (struct ldapcli_server){
		.address = c->address,
		.port = c->authentication_port,
		.tls = !c->ldap_over_ssl ? LDAPCLI_PLAIN
		       : c->authentication_port == 389 ? LDAPCLI_STARTTLS : LDAPCLI_LDAPS,
		.timeout = c->timeout,
		.base_dn = c->ldap_base_dn,
		.subtree = c->ldap_scope == 1,
		.naming_attr = c->ldap_naming_attribute,
		.login_dn = c->ldap_login_dn,
		.login_password = c->ldap_login_password,
		.ca_der = c->ldap_ca_len ? c->ldap_ca : NULL,
		.ca_der_len = c->ldap_ca_len,
	};
}

static int ldap_start(struct smaaa_req *r)
{
	struct smldap_job *j;

	if (start_threads(smaaa_loop(r->a)) < 0) {
		util_strlcpy(r->rep.reason, "LDAP: cannot start the client threads",
			     sizeof(r->rep.reason));
		return -1;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		util_strlcpy(r->rep.reason, "LDAP: out of memory", sizeof(r->rep.reason));
		return -1;
	}
	j->r = r;
	j->started_ms = util_now_ms();
	j->c = r->g->h[r->host].c;
	util_strlcpy(j->user, r->rq.user, sizeof(j->user));
	util_strlcpy(j->password, r->rq.password, sizeof(j->password));
	j->authorize_only = r->rq.op == IPC_AAA_AUTHORIZE;
	job_server(j);
	r->priv = j;
	/* test aaa-server (IPC_AAA_TEST) leaves the counters alone */
	r->g->h[r->host].n_requests += r->rq.op != IPC_AAA_TEST;
	pthread_mutex_lock(&L.mu);
	if (L.todo_tail)
		L.todo_tail->next = j;
	else
		L.todo = j;
	L.todo_tail = j;
	pthread_cond_signal(&L.cv);
	pthread_mutex_unlock(&L.mu);
	return 0;
}

/* Nobody waits for the request any more: its job, queued or running, ends
 * unanswered (freed by on_wake). */
static void ldap_cancel(struct smaaa_req *r)
{
	struct smldap_job *j = r->priv;

	if (!j)
		return;
	pthread_mutex_lock(&L.mu);
	j->r = NULL;
	pthread_mutex_unlock(&L.mu);
	r->priv = NULL;
}

const struct smaaa_backend smldap_backend = { ldap_start, ldap_cancel, NULL };
