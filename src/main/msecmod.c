/* main's side of sslvpnd-secmod: start it before the workers, hand it the
 * local users' hashes (then wipe main's copy), forward password checks and
 * route the verdicts back to mauth.c, restart it when it dies.
 *
 * secmod runs one KDF at a time off main's loop; main never waits for it:
 * a login waiting for its verdict is parked in mauth.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "main.h"
#include "sslvpnd/radius.h"
#include "sslvpnd/keyprov.h"
#include "sslvpnd/log.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tkeys.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

enum { RESTART_BACKOFF_MS = 1000, SEND_WAIT_MS = 2000, SECMOD_READS_PER_WAKE = 64,
       HEAP_PERTURB = 0x5a, KEYS_MAX = 64, SECMOD_CHANNEL_SNDBUF = 16 << 20 };

struct msecmod {
	struct mainctx *m;
	char path[PATH_MAX + 64];
	pid_t pid;
	int sock;
	ev_io io;
	struct mlog log;          /* its log socket (lines relayed to the sinks) */
	ev_child child;
	ev_timer restart;
	uint64_t started_ms;
	unsigned spawned;            /* runs started: the test aid fires in the first */
	uint64_t verdict_ms;      /* last PASSWD_REP (msecmod_tick) */
	uint64_t pong_ms;         /* last SECMOD_PONG (or the start) */
	uint32_t ping_seq;
	uint32_t users_gen;
	uint32_t aaa_gen;                /* SECMOD_AAA generations (S15) */
	uint32_t keys_gen;
	ipc_seen_t ipc_seen;      /* IPC_ONCE messages this secmod sent */
};

static struct msecmod sm = { .sock = -1, .log = { .fd = -1 } };

static void on_secmod_msg_cb(struct ev_loop *loop, ev_io *io, int revents);
static void on_secmod_child_cb(struct ev_loop *loop, ev_child *cw, int revents);

/* Next to our binary in the build tree, else in libexecdir. */
static void find_secmod(struct msecmod *s)
{
	static const char *const rel[] = { "../secmod/sslvpnd-secmod", "sslvpnd-secmod" };
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
				snprintf(s->path, sizeof(s->path), "%s/%s", self, rel[i]);
				if (access(s->path, X_OK) == 0)
					return;
			}
		}
	}
	snprintf(s->path, sizeof(s->path), "%s/sslvpnd-secmod", LIBEXECDIR);
}

/* Like a worker: exactly stdin/stdout/stderr, the channel as fd 3 and
 * the log socket as fd 4 (LOG_FWD_SECMOD_FD). */
static void exec_secmod(struct mainctx *m, int sock, int logs)
{
	const struct sslvpnd_config *cfg = m->cfg;
	char fac[16], fmt[16], dbg[16], root[CFG_PATH_MAX + 16];
	const char *argv[20];
	int a = 0;

	sock = fcntl(sock, F_DUPFD, 5);
	logs = fcntl(logs, F_DUPFD, 5);
	if (sock < 0 || logs < 0 || dup2(sock, 3) < 0 || dup2(logs, LOG_FWD_SECMOD_FD) < 0)
		_exit(127);
	if (util_close_from(5) < 0)
		_exit(127);
	/* SSLVPND_TEST_SECCOMP_PROBE (man sslvpnd(8)) in the first run only:
	 * the restarted secmod serves on */
	if (sm.spawned > 1)
		unsetenv(SANDBOX_PROBE_ENV);
	snprintf(fac, sizeof(fac), "%d", cfg->logging.facility);
	snprintf(fmt, sizeof(fmt), "%d", (int)cfg->logging.format);
	snprintf(dbg, sizeof(dbg), "%d", m->debug ? m->debug : cfg->logging.debug);
	argv[a++] = "sslvpnd-secmod";
	argv[a++] = "--user";
	argv[a++] = cfg->general.user;
	argv[a++] = "--group";
	argv[a++] = cfg->general.group;
	snprintf(root, sizeof(root), "%s/" SANDBOX_EMPTY_DIR, cfg->general.state_dir);
	argv[a++] = "--chroot";
	argv[a++] = root;
	argv[a++] = "--facility";
	argv[a++] = fac;
	argv[a++] = "--log-format";
	argv[a++] = fmt;
	argv[a++] = "-d";
	argv[a++] = dbg;
	if (m->foreground || !cfg->logging.to_syslog)
		argv[a++] = "-f";
	argv[a] = NULL;
	execv(sm.path, (char *const *)(uintptr_t)argv);
	fprintf(stderr, "sslvpnd: cannot execute %s: %s\n", sm.path, strerror(errno));
	_exit(127);
}

static int spawn(struct mainctx *m)
{
	char pids[16];
	int sv[2], lv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("secmod: socketpair");
		return -1;
	}
	/* main announces every connection here (msecmod_conn) and drops the
	 * announcement when the channel is full: at the default 208 KB a few
	 * hundred filled it while secmod signed for 8 workers (10,000 phones
	 * at 100/s), and each dropped one failed a handshake (100714) */
	(void)util_sndbuf(sv[0], SECMOD_CHANNEL_SNDBUF);
	if (mlog_pair(lv) < 0) {
		log_warn("secmod: log socketpair");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	sm.spawned++;
	pid = fork();
	if (pid < 0) {
		log_warn("secmod: fork");
		close(sv[0]);
		close(sv[1]);
		close(lv[0]);
		close(lv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(lv[0]);
		exec_secmod(m, sv[1], lv[1]);
	}
	close(sv[1]);
	close(lv[1]);
	mlog_start(m->loop, &sm.log, lv[0], "sslvpnd-secmod", pid);
	util_nonblock(sv[0]);
	sm.pid = pid;
	sm.sock = sv[0];
	sm.ipc_seen = 0;
	sm.started_ms = util_now_ms();
	sm.pong_ms = sm.started_ms;
	ev_io_init(&sm.io, on_secmod_msg_cb, sm.sock, EV_READ);
	ev_io_start(m->loop, &sm.io);
	ev_child_init(&sm.child, on_secmod_child_cb, pid, 0);
	ev_child_start(m->loop, &sm.child);
	snprintf(pids, sizeof(pids), "%d", (int)pid);
	log_event(LM_SECMOD_STARTED, pids);
	return 0;
}

static void close_channel(void)
{
	if (sm.sock < 0)
		return;
	ev_io_stop(sm.m->loop, &sm.io);
	close(sm.sock);
	sm.sock = -1;
}

/* A message that must arrive and holds secrets (users' hashes, a key):
 * n bytes encoded in buf (n < 0: the encoding failed).  The channel is
 * non-blocking for main's loop, so wait a bounded time for room; buf (cap
 * bytes) is wiped whatever happens. */
static int send_secret(enum ipc_type type, uint8_t *buf, size_t cap, int n)
{
	int rc = -1;

	for (int tries = 0; n >= 0 && tries < 2; tries++) {
		struct pollfd p = { .fd = sm.sock, .events = POLLOUT };

		if (ipc_send(sm.sock, type, 0, buf, (size_t)n, -1) == 0) {
			rc = 0;
			break;
		}
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || poll(&p, 1, SEND_WAIT_MS) <= 0)
			break;
	}
	explicit_bzero(buf, cap);
	return rc;
}

/* Every user of cfg in batches; the last batch makes them secmod's
 * table. */
static int send_users(const struct sslvpnd_config *cfg)
{
	static struct ipc_secmod_users b;
	static uint8_t buf[IPC_MAX_MSG];
	size_t i = 0;
	int rc = 0;

	sm.users_gen++;
	do {
		memset(&b, 0, sizeof(b));
		b.gen = sm.users_gen;
		b.flags = i == 0 ? IPC_USERS_FIRST : 0;
		for (; i < cfg->n_users && b.n_users < IPC_SECMOD_USERS_MAX; i++, b.n_users++) {
			util_strlcpy(b.u[b.n_users].name, cfg->users[i].name,
				     sizeof(b.u[b.n_users].name));
			util_strlcpy(b.u[b.n_users].hash, cfg->users[i].password,
				     sizeof(b.u[b.n_users].hash));
		}
		if (i == cfg->n_users)
			b.flags |= IPC_USERS_LAST;
		rc = send_secret(IPC_SECMOD_USERS, buf, sizeof(buf),
				 ipc_enc_secmod_users(&b, buf, sizeof(buf)));
	} while (rc == 0 && !(b.flags & IPC_USERS_LAST));
	explicit_bzero(&b, sizeof(b));
	return rc;
}

/* One SECMOD_AAA: host h of group as, generation gen. */
static void aaa_host_msg(struct ipc_secmod_aaa *b, const struct cfg_aaa_server *as,
			 size_t h)
{
	const struct cfg_aaa_host *c = &as->hosts[h];

	util_strlcpy(b->name, as->name, sizeof(b->name));
	b->protocol = (uint8_t)as->protocol;
	b->max_failed_attempts = (uint8_t)as->max_failed_attempts;
	b->reactivation_mode = (uint8_t)as->reactivation_mode;
	b->deadtime = (uint32_t)as->deadtime;
	b->interim_accounting_update = (uint32_t)as->interim_accounting_update;
	b->dynamic_authorization = (uint8_t)as->dynamic_authorization;
	b->dynamic_authorization_port = (uint16_t)as->dynamic_authorization_port;
	b->host_index = (uint8_t)h;
	util_strlcpy(b->address, c->address, sizeof(b->address));
	util_strlcpy(b->key, c->key, sizeof(b->key));
	b->authentication_port = (uint16_t)c->authentication_port;
	b->accounting_port = (uint16_t)c->accounting_port;
	b->timeout = (uint16_t)c->timeout;
	b->retry_interval = (uint16_t)c->retry_interval;
	util_strlcpy(b->server_type, c->server_type, sizeof(b->server_type));
	util_strlcpy(b->ldap_base_dn, c->ldap_base_dn, sizeof(b->ldap_base_dn));
	b->ldap_scope = (uint8_t)c->ldap_scope;
	util_strlcpy(b->ldap_naming_attribute, c->ldap_naming_attribute,
		     sizeof(b->ldap_naming_attribute));
	util_strlcpy(b->ldap_login_dn, c->ldap_login_dn, sizeof(b->ldap_login_dn));
	util_strlcpy(b->ldap_login_password, c->ldap_login_password,
		     sizeof(b->ldap_login_password));
	b->ldap_over_ssl = (uint8_t)c->ldap_over_ssl;
	util_strlcpy(b->ldap_attribute_map, c->ldap_attribute_map,
		     sizeof(b->ldap_attribute_map));
}

/* Every host of every aaa-server group, one message each (S15); the last
 * makes them secmod's.  A configuration without groups is one empty
 * message. */
static int send_aaa(const struct sslvpnd_config *cfg)
{
	static struct ipc_secmod_aaa b;
	static uint8_t buf[IPC_MAX_MSG];
	size_t total = 0, sent = 0;
	int rc = 0;

	for (size_t g = 0; g < cfg->n_aaa_servers; g++)
		total += cfg->aaa_servers[g].n_hosts;
	sm.aaa_gen++;
	for (size_t g = 0; rc == 0 && (g < cfg->n_aaa_servers || !total); g++) {
		const struct cfg_aaa_server *as = total ? &cfg->aaa_servers[g] : NULL;

		for (size_t h = 0; rc == 0 && (as ? h < as->n_hosts : h == 0); h++) {
			memset(&b, 0, sizeof(b));
			if (as)
				aaa_host_msg(&b, as, h);
			if (as && as->protocol == CFG_AAA_LDAP)
				mldap_host_ca(cfg, &as->hosts[h], &b);
			b.gen = sm.aaa_gen;
			b.flags = (sent == 0 ? IPC_USERS_FIRST : 0) |
				  (sent + 1 >= total ? IPC_USERS_LAST : 0);
			sent++;
			rc = send_secret(IPC_SECMOD_AAA, buf, sizeof(buf),
					 ipc_enc_secmod_aaa(&b, buf, sizeof(buf)));
		}
		if (!total)
			break;
	}
	explicit_bzero(&b, sizeof(b));
	return rc;
}

/* main keeps the users (names, group policy, group-lock) but not their
 * hashes, nor the AAA servers' keys and passwords: from here on only
 * secmod holds them. */
static void wipe_hashes(struct sslvpnd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_users; i++)
		explicit_bzero(cfg->users[i].password, sizeof(cfg->users[i].password));
	for (size_t g = 0; g < cfg->n_aaa_servers; g++)
		for (size_t h = 0; h < cfg->aaa_servers[g].n_hosts; h++) {
			struct cfg_aaa_host *c = &cfg->aaa_servers[g].hosts[h];

			explicit_bzero(c->key, sizeof(c->key));
			explicit_bzero(c->ldap_login_password, sizeof(c->ldap_login_password));
		}
}

void msecmod_heap_guard(int on)
{
	mallopt(M_PERTURB, on ? HEAP_PERTURB : 0);
}

/* glibc's per-thread cache keeps small freed chunks as they were (M_PERTURB
 * does not reach it): every cached chunk is cleared (util_heap_trim).
 * Called after a configuration load, so the parser's freed copies of the
 * hashes (libconfig's strings) do not stay in main's heap. */
void msecmod_heap_scrub(void)
{
	util_heap_trim(1);
}

/* Hand cfg's users to secmod and wipe main's copy (start, reload). */
int msecmod_users(struct mainctx *m, struct sslvpnd_config *cfg)
{
	int rc = sm.sock >= 0 ? send_users(cfg) : -1;

	if (sm.sock >= 0 && rc < 0)
		log_warn("secmod: cannot hand over the local users");
	if (sm.sock >= 0 && send_aaa(cfg) < 0) {
		log_warn("secmod: cannot hand over the aaa-server groups");
		rc = -1;
	}
	wipe_hashes(cfg);
	msecmod_heap_scrub();
	(void)m;
	return rc;
}

/* A restarted secmod needs the hashes main no longer has: load the file
 * main runs again and hand them over when it is still that file (the
 * snapshot's fingerprint); an edited file waits for a reload, as a
 * worker does (password logins fail until then, logged). */
static void resend_users(struct mainctx *m)
{
	struct cfg_errors *errs = calloc(1, sizeof(*errs));
	struct sslvpnd_config *cfg;

	msecmod_heap_guard(1);
	cfg = errs ? reload_load(m->config_path, m->state_dir_arg, 0, errs) : NULL;
	if (cfg && snapshot_fingerprint(cfg) == m->snap->fingerprint) {
		msecmod_users(m, cfg);
	} else {
		log_warnx("secmod: %s changed since it was loaded: password logins fail "
			  "until sslvpnctl reload", m->cfg->source);
		if (cfg)
			wipe_hashes(cfg);
		msecmod_heap_scrub();
	}
	config_free(cfg);
	free(errs);
	msecmod_heap_scrub();
	msecmod_heap_guard(0);
}

/* ---- the TLS private keys */

/* The identity keys of one configuration, each once (an identity may
 * serve several interfaces), as DER. */
struct keybag {
	uint8_t id[KEYS_MAX][KEYPROV_ID_LEN];
	unsigned char *der[KEYS_MAX];
	int len[KEYS_MAX];
	size_t n;
	int overflow;
};

static void collect_key(void *arg, EVP_PKEY *key)
{
	struct keybag *b = arg;
	uint8_t id[KEYPROV_ID_LEN];

	if (keyprov_key_id(key, id) < 0)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (memcmp(b->id[i], id, sizeof(id)) == 0)
			return;
	if (b->n == KEYS_MAX) {
		b->overflow = 1;
		return;
	}
	b->der[b->n] = NULL;
	b->len[b->n] = i2d_PrivateKey(key, &b->der[b->n]);
	if (b->len[b->n] <= 0 || b->len[b->n] > IPC_KEY_DER_MAX) {
		OPENSSL_clear_free(b->der[b->n], b->len[b->n] > 0 ? (size_t)b->len[b->n] : 0);
		b->overflow = 1;
		return;
	}
	memcpy(b->id[b->n], id, sizeof(id));
	b->n++;
}

/* Every context of cfg built as a worker builds it (interfaces, SNI,
 * the temporary identities they use), the keys caught on the way. */
static void gather_keys(const struct sslvpnd_config *cfg, struct keybag *b)
{
	char err[512];

	tls_key_sink(collect_key, b);
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		struct tls_server *s = tls_server_new(cfg, &cfg->interfaces[i], err, sizeof(err));

		if (!s)
			log_warnx("secmod: interface %s: %s", cfg->interfaces[i].name, err);
		tls_server_free(s);  /* frees main's copy of the keys */
	}
	tls_key_sink(NULL, NULL);
}

static int send_keys(struct keybag *b)
{
	static struct ipc_secmod_key k;
	static uint8_t buf[IPC_MAX_MSG];
	size_t i = 0;
	int rc = 0;

	sm.keys_gen++;
	do {
		memset(&k, 0, sizeof(k));
		k.gen = sm.keys_gen;
		k.flags = (i == 0 ? IPC_KEYS_FIRST : 0) | (i + 1 >= b->n ? IPC_KEYS_LAST : 0);
		if (i < b->n) {
			memcpy(k.der, b->der[i], (size_t)b->len[i]);
			k.der_len = (uint16_t)b->len[i];
		}
		rc = send_secret(IPC_SECMOD_KEY, buf, sizeof(buf),
				 ipc_enc_secmod_key(&k, buf, sizeof(buf)));
		i++;
	} while (rc == 0 && !(k.flags & IPC_KEYS_LAST));
	explicit_bzero(&k, sizeof(k));
	return rc;
}

int msecmod_keys(struct mainctx *m, const struct sslvpnd_config *cfg)
{
	static struct keybag b;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	gather_keys(cfg, &b);
	if (b.overflow)
		log_warnx("secmod: more than %d identity keys or a key over %d bytes: "
			  "some are not handed over", KEYS_MAX, IPC_KEY_DER_MAX);
	if (sm.sock >= 0)
		rc = send_keys(&b);
	if (sm.sock >= 0 && rc < 0)
		log_warn("secmod: cannot hand over the TLS private keys");
	for (size_t i = 0; i < b.n; i++)
		OPENSSL_clear_free(b.der[i], (size_t)b.len[i]);
	memset(&b, 0, sizeof(b));
	(void)m;
	return rc;
}

void msecmod_worker(struct mainctx *m, uint32_t id, pid_t pid, int fd)
{
	struct ipc_secmod_worker w = { .worker_id = id, .pid = (uint32_t)pid };

	if (sm.sock >= 0 && IPC_SEND(sm.sock, IPC_SECMOD_WORKER, secmod_worker, &w, 0, fd) < 0)
		log_warn("secmod: cannot hand over worker %u's key channel", id);
	close(fd);  /* a worker without one fails its handshakes until secmod restarts */
	(void)m;
}

void msecmod_conn(struct mainctx *m, uint32_t worker_id, uint32_t conn_id)
{
	int t = m->cfg->limits.handshake_timeout;
	struct ipc_secmod_conn c = { .worker_id = worker_id, .conn_id = conn_id,
				     .timeout_ms = (uint32_t)(t > 0 ? t : 30) * 1000 + 1000 };

	/* A full channel means a stalled secmod: that handshake fails
	 * (the worker logs 100714) and the pings replace secmod; one line
	 * per connection would only flood the log. */
	if (sm.sock >= 0 && IPC_SEND(sm.sock, IPC_SECMOD_CONN, secmod_conn, &c, 0, -1) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK)
		log_warn("secmod: cannot announce connection %u", conn_id);
}

/* ---- TLS ticket keys (mtickets.c keeps them; secmod rotates them) */

static void bad_secmod(const char *why);

int msecmod_tickets(struct mainctx *m)
{
	static struct ipc_secmod_tickets t;
	static uint8_t buf[512];

	(void)m;
	if (sm.sock < 0)
		return -1;
	mtickets_secmod_msg(&t);
	int rc = send_secret(IPC_SECMOD_TICKETS, buf, sizeof(buf),
			     ipc_enc_secmod_tickets(&t, buf, sizeof(buf)));

	explicit_bzero(&t, sizeof(t));
	if (rc < 0)
		log_warn("secmod: cannot hand over the TLS ticket keys");
	return rc;
}

static void on_ticket_keys(struct msecmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_ticket_keys k;

	if (ipc_dec_ticket_keys(&k, buf, len) < 0 || k.keys_len % TKEY_WIRE_LEN) {
		bad_secmod("malformed TICKET_KEYS");
		return;
	}
	mtickets_on_keys(s->m, &k);
	explicit_bzero(&k, sizeof(k));
}

static void on_restart_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	if (sm.m->stopping || sm.pid)
		return;
	if (spawn(sm.m) == 0) {
		resend_users(sm.m);
		msecmod_heap_guard(1);  /* the key files' copies: cleared when freed */
		msecmod_keys(sm.m, sm.m->cfg);
		msecmod_heap_scrub();
		msecmod_heap_guard(0);
		msecmod_tickets(sm.m);
		proc_secmod_channels(sm.m);
	}
}

static void on_secmod_child_cb(struct ev_loop *loop, ev_child *cw, int revents)
{
	char why[96], pids[16], n[16];

	ev_child_stop(loop, cw);
	close_channel();
	mlog_stop(&sm.log);  /* its last lines before the line on its death */
	util_wait_status(cw->rstatus, why, sizeof(why));
	snprintf(pids, sizeof(pids), "%d", (int)sm.pid);
	sm.pid = 0;
	snprintf(n, sizeof(n), "%zu", mauth_secmod_lost(sm.m));
	macct_secmod_lost(sm.m);
	if (sm.m->stopping)
		return;
	log_event(LM_SECMOD_DIED, pids, why, n);
	/* One that dies at once (missing binary, bad user) must not turn
	 * main into a fork loop. */
	ev_timer_stop(loop, &sm.restart);
	ev_timer_set(&sm.restart,
		     util_now_ms() - sm.started_ms < RESTART_BACKOFF_MS ? 1. : 0., 0.);
	ev_timer_start(loop, &sm.restart);
}

static void bad_secmod(const char *why)
{
	char pids[16];

	snprintf(pids, sizeof(pids), "%d", (int)sm.pid);
	log_event(LM_SECMOD_BAD_MSG, pids, why);
	close_channel();
	if (sm.pid > 0)
		kill(sm.pid, SIGKILL);  /* SIGCHLD restarts it */
}

static void on_passwd_rep(struct msecmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_passwd_rep r;

	if (ipc_dec_passwd_rep(&r, buf, len) < 0 || r.result > IPC_PASSWD__MAX) {
		bad_secmod("malformed PASSWD_REP");
		return;
	}
	s->verdict_ms = util_now_ms();
	if (mauth_on_passwd_rep(s->m, r.req_id, r.result) < 0)
		bad_secmod("PASSWD_REP for no request");
}

static void on_aaa_rep(struct msecmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_aaa_rep r;

	if (ipc_dec_aaa_rep(&r, buf, len) < 0 || r.result > IPC_AAA__MAX) {
		bad_secmod("malformed AAA_REP");
		return;
	}
	if (ctl_aaa_test_done(s->m, &r) < 0 && mauth_on_aaa_rep(s->m, &r) < 0)
		bad_secmod("AAA_REP for no request");
}

static void on_acct_rep(struct msecmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_acct_rep r;

	if (ipc_dec_acct_rep(&r, buf, len) < 0 || r.result > IPC_AAA__MAX) {
		bad_secmod("malformed ACCT_REP");
		return;
	}
	if (macct_on_rep(s->m, &r) < 0)
		bad_secmod("ACCT_REP for no record");
}

/* RFC 5176 (S15): a Disconnect-Request logs the sessions it names off
 * (113019 Administrator Reset, accounting Stop Admin-Reset); a CoA-Request
 * (changing a live session's attributes) is refused. */
static void on_coa_req(struct msecmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_coa_req r;
	struct ipc_coa_rep rep = { 0 };

	if (ipc_dec_coa_req(&r, buf, len) < 0) {
		bad_secmod("malformed COA_REQ");
		return;
	}
	rep.seq = r.seq;
	if (r.code == RADIUS_COA_REQUEST)
		rep.error_cause = RADIUS_ERR_UNSUPPORTED_SERVICE;
	else
		rep.ended = (uint32_t)sessions_disconnect(s->m, r.host, r.session_id, r.user,
							  r.framed_ip);
	if (r.code != RADIUS_COA_REQUEST && !rep.ended)
		rep.error_cause = RADIUS_ERR_NO_SESSION;
	IPC_SEND(sm.sock, IPC_COA_REP, coa_rep, &rep, 0, -1);
}

static void on_aaa_stats(struct msecmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_aaa_stats st;

	(void)s;
	if (ipc_dec_aaa_stats(&st, buf, len) < 0) {
		bad_secmod("malformed AAA_STATS");
		return;
	}
	ctl_aaa_stats(&st);
}

static void on_pong(struct msecmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_secmod_pong p;

	if (ipc_dec_secmod_pong(&p, buf, len) < 0) {
		bad_secmod("malformed SECMOD_PONG");
		return;
	}
	s->pong_ms = util_now_ms();
}

/* Generated from msgs.def: each IPC_S2M row calls its handler.  The
 * channel has no setup: secmod is always "ready". */
#define SM_CALL_IPC_FD_NONE(fn) fn(&sm, buf, h->len)
#define SM_CASE_IPC_S2M(name, fn, fdp) case IPC_##name: SM_CALL_##fdp(fn); break;
#define SM_CASE_IPC_W2M(name, fn, fdp)
#define SM_CASE_IPC_M2W(name, fn, fdp)
#define SM_CASE_IPC_M2S(name, fn, fdp)
#define SM_CASE_IPC_W2S(name, fn, fdp)
#define SM_CASE_IPC_S2W(name, fn, fdp)

static void dispatch(const struct ipc_hdr *h, const uint8_t *buf)
{
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_S2M, IPC_ST_READY, sm.ipc_seen, h->type);
	char why[128];

	if (v != IPC_ADMIT) {
		snprintf(why, sizeof(why), "%s refused: %s",
			 h->type < IPC__COUNT ? ipc_msgs[h->type].name : "unknown message",
			 ipc_verdict_name(v));
		bad_secmod(why);
		return;
	}
	ipc_seen_note(ipc_msgs, &sm.ipc_seen, h->type);
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, fn) SM_CASE_##dir(name, fn, fd)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: bad_secmod("unexpected message"); break;  /* ipc_admit refused it */
	}
}

static void on_secmod_msg_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	mlog_drain(&sm.log);  /* what it logged before this message first */
	for (int i = 0; i < SECMOD_READS_PER_WAKE && sm.sock >= 0; i++) {
		int rc = ipc_recv(sm.sock, IPC_S2M, &h, buf, sizeof(buf), &fd);

		if (rc == 0 && errno == 0) {
			close_channel();  /* EOF: SIGCHLD does the rest */
			return;
		}
		if (rc == 0)
			return;
		if (rc < 0) {
			bad_secmod(errno == EPROTO ? "IPC protocol violation" : "IPC receive error");
			return;
		}
		dispatch(&h, buf);
	}
}

/* Hung: no answer to the pings for MSECMOD_HUNG_MS, or checks wait and no
 * verdict came for MSECMOD_HUNG_MS, counted from the later of the last
 * verdict and the oldest waiting check (a long queue of slow hashes keeps
 * answering, so it is never taken for hung). */
void msecmod_tick(struct mainctx *m)
{
	uint64_t oldest = mauth_oldest_pending_ms(), since;
	struct ipc_secmod_ping p;
	char why[96];

	if (sm.sock < 0)
		return;
	/* The workers' handshakes wait for its event loop: one that stops
	 * answering is replaced, whether or not a password check waits.  Its
	 * answers are read first (main's own loop may have been busy). */
	ev_invoke(m->loop, &sm.io, EV_READ);
	if (sm.sock < 0)
		return;
	if (util_now_ms() - sm.pong_ms >= MSECMOD_HUNG_MS) {
		snprintf(why, sizeof(why), "no answer to main's pings for %d s",
			 MSECMOD_HUNG_MS / 1000);
		bad_secmod(why);
		return;
	}
	p.seq = ++sm.ping_seq;
	IPC_SEND(sm.sock, IPC_SECMOD_PING, secmod_ping, &p, 0, -1);
	if (!oldest)
		return;
	since = sm.verdict_ms > oldest ? sm.verdict_ms : oldest;
	if (util_now_ms() - since < MSECMOD_HUNG_MS)
		return;
	snprintf(why, sizeof(why), "no password verdict for %d s while checks wait",
		 MSECMOD_HUNG_MS / 1000);
	bad_secmod(why);
}

int msecmod_start(struct mainctx *m)
{
	sm.m = m;
	find_secmod(&sm);
	if (access(sm.path, X_OK) < 0) {
		log_warn("cannot start the security module %s (installed with sslvpnd "
			 "in libexecdir)", sm.path);
		return -1;
	}
	ev_timer_init(&sm.restart, on_restart_cb, 1., 0.);
	if (spawn(m) < 0)
		return -1;
	if (msecmod_keys(m, m->cfg) < 0)
		return -1;
	(void)msecmod_tickets(m);  /* without them: full handshakes */
	return msecmod_users(m, m->cfg);
}

int msecmod_verify(struct mainctx *m, uint32_t req_id, const char *user,
		   const char *peer, const char *password)
{
	static struct ipc_passwd_req rq;
	uint8_t buf[1024];
	int n, rc;

	if (sm.sock < 0)
		return -1;
	rq.req_id = req_id;
	util_strlcpy(rq.user, user, sizeof(rq.user));
	util_strlcpy(rq.peer, peer, sizeof(rq.peer));
	util_strlcpy(rq.password, password, sizeof(rq.password));
	n = ipc_enc_passwd_req(&rq, buf, sizeof(buf));
	rc = n < 0 ? -1 : ipc_send(sm.sock, IPC_PASSWD_REQ, 0, buf, (size_t)n, -1);
	explicit_bzero(&rq, sizeof(rq));
	explicit_bzero(buf, sizeof(buf));
	if (rc < 0)
		log_warn("secmod: cannot send a password check");
	(void)m;
	return rc < 0 ? -2 : 0;
}

/* A request encoded in buf (n bytes, n < 0: the encoding failed): 0
 * sent, -1 secmod is down, -2 cannot send; buf (cap bytes) wiped. */
static int send_request(enum ipc_type type, uint8_t *buf, size_t cap, int n, const char *what)
{
	int rc = sm.sock < 0 ? -1
		 : n < 0 || ipc_send(sm.sock, type, 0, buf, (size_t)n, -1) < 0 ? -2 : 0;

	explicit_bzero(buf, cap);
	if (rc == -2)
		log_warn("secmod: cannot send %s", what);
	return rc;
}

int msecmod_aaa(struct mainctx *m, const struct ipc_aaa_req *rq)
{
	uint8_t buf[2048];

	(void)m;
	return send_request(IPC_AAA_REQ, buf, sizeof(buf), ipc_enc_aaa_req(rq, buf, sizeof(buf)),
			    "an AAA request");
}

int msecmod_acct(struct mainctx *m, const struct ipc_acct_req *rq)
{
	uint8_t buf[1024];

	(void)m;
	return send_request(IPC_ACCT_REQ, buf, sizeof(buf), ipc_enc_acct_req(rq, buf, sizeof(buf)),
			    "an accounting record");
}

void msecmod_stop(struct mainctx *m)
{
	if (!sm.m)
		return;
	ev_timer_stop(m->loop, &sm.restart);
	ev_child_stop(m->loop, &sm.child);
	close_channel();  /* secmod exits on EOF */
	if (sm.pid > 0) {
		pid_t r = 0;

		/* bounded: one that is still in a KDF run gets 2 s */
		for (int i = 0; i < 40 && (r = waitpid(sm.pid, NULL, WNOHANG)) == 0; i++)
			usleep(50000);
		if (r == 0) {
			kill(sm.pid, SIGKILL);
			waitpid(sm.pid, NULL, 0);
		}
	}
	mlog_stop(&sm.log);
	sm.pid = 0;
}
