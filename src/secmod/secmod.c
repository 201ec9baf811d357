/* sslvpnd-secmod: started by main over a SOCK_SEQPACKET pair (fd 3),
 * before the workers.  It reads no configuration: main sends the local
 * users' hashes (SECMOD_USERS) and the TLS private keys (SECMOD_KEY) at
 * start and at each reload, then password checks (PASSWD_REQ), which wait
 * in a bounded queue for the KDF thread, so new requests are read (and
 * refused when the queue is full) while scrypt works.  Each worker has its
 * own key channel (SECMOD_WORKER hands secmod its end): its KEY_REQs are
 * answered at once by the event loop, never behind a KDF run.  Exits when
 * main closes the channel. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ev.h>

#include "secmod.h"
#include "smaaa.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/keyprov.h"
#include "sslvpnd/tbucket.h"
#include "sslvpnd/log.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/util.h"

/* Password checks waiting for the KDF: at tens of ms each, 64 is a few
 * seconds of work; beyond it a request is answered BUSY at once (main
 * refuses that login) rather than making every later login wait longer. */
enum { SECMOD_FD = 3, SECMOD_QUEUE_MAX = 64, SECMOD_READS_PER_WAKE = 64,
       SECMOD_BUSY_LOG_MS = 10000, SECMOD_WORKERS = 64, KDF_NICE = 10, SECMOD_NICE = -5,
       SECMOD_CONN_DRAINS = 16 };

/* Key operations of one worker: a burst of 200, then one per 5 ms (200
 * handshakes a second per worker, several times what one core completes);
 * beyond it the worker is refused, so a compromised worker cannot turn
 * secmod into a signing service for others. */
static const struct tbucket_rate key_rate = { 200, 5 };

struct secmod;

/* A worker's key channel (fd from SECMOD_WORKER). */
struct smworker {
	struct secmod *s;
	int fd;                          /* -1: free */
	ev_io io;
	uint32_t worker_id, pid;
	struct tbucket rate;
	ipc_seen_t ipc_seen;
};

struct secmod_opts {
	const char *user, *group;
	const char *root;          /* the empty sandbox root main made */
	int debug, foreground, facility, format;
};

struct secmod {
	struct ev_loop *loop;
	int ipc;
	ev_io ipc_io;
	/* The KDF thread: it takes checks from q (under lock, woken by
	 * more) and puts verdicts in done, then wakes the loop (done_async),
	 * which answers main.  Everything else (both channels, the keys, the
	 * rate table) is the loop's alone. */
	pthread_t kdf;
	pthread_mutex_t lock;
	pthread_cond_t more;
	ev_async done_async;
	ev_signal sigterm;
	ev_timer log_flush;
	struct smauth *auth;
	struct smkeys *keys;
	struct smaaa *aaa;               /* external AAA servers (S15) */
	struct smworker workers[SECMOD_WORKERS];
	struct ipc_passwd_req q[SECMOD_QUEUE_MAX];  /* waiting for the KDF */
	size_t q_head, q_len;
	struct ipc_passwd_rep done[SECMOD_QUEUE_MAX + 1];  /* verdicts to send */
	size_t done_n;
	ipc_seen_t ipc_seen;             /* IPC_ONCE messages main sent */
	uint64_t busy_logged_ms;
	uint32_t busy_refused;
};

static int parse_opts(int argc, char **argv, struct secmod_opts *o)
{
	static const struct option lo[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "chroot", required_argument, NULL, 'r' },
		{ "facility", required_argument, NULL, 'F' },
		{ "log-format", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "d:f", lo, NULL)) != -1) {
		switch (c) {
		case 'u': o->user = optarg; break;
		case 'g': o->group = optarg; break;
		case 'r': o->root = optarg; break;
		case 'F': o->facility = atoi(optarg); break;
		case 'L': o->format = atoi(optarg); break;
		case 'd': o->debug = atoi(optarg); break;
		case 'f': o->foreground = 1; break;
		default: return -1;
		}
	}
	return o->user && o->group && optind == argc ? 0 : -1;
}

/* The same sandbox as the workers (general.user/group, the empty chroot),
 * with a smaller allowlist: secmod needs no privilege and no file at all,
 * only the hashes main sends. */
static int enter_sandbox(const struct secmod_opts *o)
{
	const struct sandbox_spec sp = {
		.kind = SANDBOX_SECMOD, .who = "secmod", .root = o->root,
		.user = o->user, .group = o->group,
	};

	/* Every handshake of every worker waits for one operation of this
	 * loop, and since S11 the workers go on meanwhile, taking the CPU
	 * secmod needs (a 2,000-phone ramp on a loaded machine: handshakes
	 * 1.2 s in the server, p50, queued at secmod).  A higher share for
	 * it, while still root; its token buckets bound what a worker can
	 * make it do.  The KDF thread lowers its own again (KDF_NICE). */
	if (setpriority(PRIO_PROCESS, 0, SECMOD_NICE) < 0)
		log_debug("secmod: keeps its priority: %s", strerror(errno));
	return sandbox_enter(&sp);
}

/* Test aid (SSLVPND_TEST_SECCOMP_PROBE=secmod:CALL[:SECS], man
 * sslvpnd(8)): the named call a few seconds into the sandbox, in secmod's
 * first run only (main drops the variable for restarts).  Only a call:
 * the sandbox decides its fate. */
static void on_probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	sandbox_probe((int)(intptr_t)t->data);
}

static void arm_probe(struct secmod *s)
{
	static ev_timer probe;
	double delay = 3.;
	int nr = sandbox_probe_nr("secmod", &delay);

	if (nr < 0)
		return;
	ev_timer_init(&probe, on_probe_cb, delay, 0.);
	probe.data = (void *)(intptr_t)nr;
	ev_timer_start(s->loop, &probe);
}

/* main parks at most 128 logins, so its channel has room for every
 * verdict; should main be slow to read, wait a bounded time for room. */
static void reply(struct secmod *s, uint32_t id, uint8_t result)
{
	struct ipc_passwd_rep r = { .req_id = id, .result = result };

	for (int tries = 0; tries < 2; tries++) {
		struct pollfd p = { .fd = s->ipc, .events = POLLOUT };

		if (IPC_SEND(s->ipc, IPC_PASSWD_REP, passwd_rep, &r, 0, -1) == 0)
			return;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		poll(&p, 1, 1000);
	}
	fatal("secmod: cannot answer main");
}

static void refuse_busy(struct secmod *s, uint32_t id)
{
	uint64_t now = util_now_ms();
	char n[16], c[16];

	reply(s, id, IPC_PASSWD_BUSY);
	s->busy_refused++;
	if (s->busy_logged_ms && now - s->busy_logged_ms < SECMOD_BUSY_LOG_MS)
		return;
	snprintf(n, sizeof(n), "%d", SECMOD_QUEUE_MAX);
	snprintf(c, sizeof(c), "%u", s->busy_refused);
	log_event(LM_SECMOD_QUEUE_FULL, n, c);
	s->busy_logged_ms = now;
	s->busy_refused = 0;
}

static void on_passwd_req(struct secmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_passwd_req *slot;
	struct ipc_passwd_req rq;
	int bad = ipc_dec_passwd_req(&rq, buf, len) < 0;

	if (bad)
		fatalx("secmod: malformed PASSWD_REQ from main");
	if (!smauth_admit(s->auth, rq.user, rq.peer, util_now_ms())) {
		reply(s, rq.req_id, IPC_PASSWD_LIMITED);
	} else {
		pthread_mutex_lock(&s->lock);
		slot = s->q_len == SECMOD_QUEUE_MAX ? NULL
			: &s->q[(s->q_head + s->q_len++) % SECMOD_QUEUE_MAX];
		if (slot)
			*slot = rq;
		pthread_cond_signal(&s->more);
		pthread_mutex_unlock(&s->lock);
		if (!slot)
			refuse_busy(s, rq.req_id);
	}
	explicit_bzero(&rq, sizeof(rq));
}

static void on_users(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_secmod_users b;
	int bad = ipc_dec_secmod_users(&b, buf, len) < 0 || smauth_on_users(s->auth, &b) < 0;

	explicit_bzero(&b, sizeof(b));
	if (bad)
		fatalx("secmod: malformed or out-of-sequence SECMOD_USERS from main");
}

static void on_aaa_conf(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_secmod_aaa m;
	int bad = ipc_dec_secmod_aaa(&m, buf, len) < 0 || smaaa_on_conf(s->aaa, &m) < 0;

	explicit_bzero(&m, sizeof(m));
	if (bad)
		fatalx("secmod: malformed or out-of-sequence SECMOD_AAA from main");
}

static void on_aaa_req(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_aaa_req rq;
	int bad = ipc_dec_aaa_req(&rq, buf, len) < 0 || rq.op > IPC_AAA_OP__MAX;

	if (!bad)
		smaaa_on_req(s->aaa, &rq);
	explicit_bzero(&rq, sizeof(rq));
	if (bad)
		fatalx("secmod: malformed AAA_REQ from main");
}

static void on_acct_req(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_acct_req rq;

	if (ipc_dec_acct_req(&rq, buf, len) < 0)
		fatalx("secmod: malformed ACCT_REQ from main");
	smaaa_on_acct(s->aaa, &rq);
}

static void on_coa_rep(struct secmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_coa_rep rep;

	(void)s;
	if (ipc_dec_coa_rep(&rep, buf, len) < 0)
		fatalx("secmod: malformed COA_REP from main");
	smdynauth_on_rep(&rep);
}

static void on_key(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_secmod_key m;
	size_t n = 0;
	int bad = ipc_dec_secmod_key(&m, buf, len) < 0 || smkeys_on_key(s->keys, &m, &n) < 0;
	char ns[24], gen[16];

	snprintf(gen, sizeof(gen), "%u", m.gen);
	explicit_bzero(&m, sizeof(m));
	if (bad)
		fatalx("secmod: malformed, undecodable or out-of-sequence SECMOD_KEY from main");
	if (!n)
		return;
	snprintf(ns, sizeof(ns), "%zu", n == (size_t)-1 ? (size_t)0 : n);
	log_event(LM_SECMOD_KEYS, ns, gen);
}

static void on_tickets(struct secmod *s, const uint8_t *buf, size_t len)
{
	static struct ipc_secmod_tickets m;

	if (ipc_dec_secmod_tickets(&m, buf, len) < 0)
		fatalx("secmod: malformed SECMOD_TICKETS from main");
	smtickets_on_conf(s->loop, s->ipc, &m);
	explicit_bzero(&m, sizeof(m));
}

static void on_ping(struct secmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_secmod_ping p;
	struct ipc_secmod_pong r;

	if (ipc_dec_secmod_ping(&p, buf, len) < 0)
		fatalx("secmod: malformed SECMOD_PING from main");
	r.seq = p.seq;
	if (IPC_SEND(s->ipc, IPC_SECMOD_PONG, secmod_pong, &r, 0, -1) < 0 && errno != EAGAIN)
		fatal("secmod: cannot answer main");
	smaaa_report(s->aaa);
}

static void on_conn(struct secmod *s, const uint8_t *buf, size_t len)
{
	struct ipc_secmod_conn c;

	if (ipc_dec_secmod_conn(&c, buf, len) < 0)
		fatalx("secmod: malformed SECMOD_CONN from main");
	smkeys_conn_add(s->keys, c.worker_id, c.conn_id, c.timeout_ms, util_now_ms());
}

static void worker_close(struct smworker *k)
{
	if (k->fd < 0)
		return;
	ev_io_stop(k->s->loop, &k->io);
	close(k->fd);
	k->fd = -1;
	smkeys_worker_gone(k->s->keys, k->worker_id);
}

static void on_worker_io_cb(struct ev_loop *loop, ev_io *io, int revents);

/* A worker's key channel; one already open for that worker (it was
 * restarted) is closed first. */
static void on_worker(struct secmod *s, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_secmod_worker m;
	struct smworker *slot = NULL;

	if (ipc_dec_secmod_worker(&m, buf, len) < 0 || util_nonblock(fd) < 0)
		fatalx("secmod: malformed SECMOD_WORKER from main");
	for (size_t i = 0; i < SECMOD_WORKERS; i++) {
		struct smworker *k = &s->workers[i];

		if (k->fd >= 0 && k->worker_id == m.worker_id)
			worker_close(k);
		if (k->fd < 0 && !slot)
			slot = k;
	}
	if (!slot)
		fatalx("secmod: more than %d worker key channels", SECMOD_WORKERS);
	memset(slot, 0, sizeof(*slot));
	slot->s = s;
	slot->fd = fd;
	slot->worker_id = m.worker_id;
	slot->pid = m.pid;
	ev_io_init(&slot->io, on_worker_io_cb, fd, EV_READ);
	slot->io.data = slot;
	ev_io_start(s->loop, &slot->io);
}

/* Generated from msgs.def: each IPC_M2S row calls its handler.  main is
 * trusted: a message the table does not allow is a bug, and fatal.  The
 * channel has no setup: always "ready". */
#define S_CALL_IPC_FD_NONE(fn) fn(s, buf, h->len)
#define S_CALL_IPC_FD_ONE(fn) fn(s, buf, h->len, fd)
#define S_CASE_IPC_M2S(name, fn, fdp) case IPC_##name: S_CALL_##fdp(fn); break;
#define S_CASE_IPC_W2M(name, fn, fdp)
#define S_CASE_IPC_M2W(name, fn, fdp)
#define S_CASE_IPC_S2M(name, fn, fdp)
#define S_CASE_IPC_W2S(name, fn, fdp)
#define S_CASE_IPC_S2W(name, fn, fdp)

static void dispatch(struct secmod *s, const struct ipc_hdr *h, const uint8_t *buf, int fd)
{
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_M2S, IPC_ST_READY, s->ipc_seen, h->type);

	if (v != IPC_ADMIT)
		fatalx("secmod: %s from main refused: %s",
		       h->type < IPC__COUNT ? ipc_msgs[h->type].name : "unknown message",
		       ipc_verdict_name(v));
	ipc_seen_note(ipc_msgs, &s->ipc_seen, h->type);
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, fn) S_CASE_##dir(name, fn, fd)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: fatalx("secmod: unexpected %s from main", ipc_msgs[h->type].name);
	}
}

static void on_ipc_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct secmod *s = io->data;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	for (int i = 0; i < SECMOD_READS_PER_WAKE; i++) {
		int r = ipc_recv(s->ipc, IPC_M2S, &h, buf, sizeof(buf), &fd);

		if (r == 0 && errno == 0) {
			log_debug("secmod: main closed the channel; exiting");
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		if (r == 0)
			return;
		if (r < 0)
			fatal("secmod: bad message from main");
		dispatch(s, &h, buf, fd);
		explicit_bzero(buf, h.len);
	}
}

/* ---- the workers' key channels */

static void worker_bad(struct smworker *k, const char *why)
{
	char ids[16], pids[16];

	snprintf(ids, sizeof(ids), "%u", k->worker_id);
	snprintf(pids, sizeof(pids), "%u", k->pid);
	log_event(LM_SECMOD_WORKER_BAD, ids, pids, why);
	worker_close(k);
}

static void key_req_of(const struct ipc_key_req *m, struct keyprov_req *rq)
{
	memset(rq, 0, sizeof(*rq));
	memcpy(rq->key_id, m->key_id, sizeof(rq->key_id));
	rq->op = m->op;
	rq->pad = m->pad;
	util_strlcpy(rq->md, m->md, sizeof(rq->md));
	util_strlcpy(rq->mgf1_md, m->mgf1_md, sizeof(rq->mgf1_md));
	rq->saltlen = (int32_t)m->saltlen;
	rq->tls_version = m->tls_version;
	rq->tls_alt_version = m->tls_alt_version;
	rq->in = m->in;
	rq->inlen = m->in_len;
}

static void refused_log(const struct smworker *k, uint32_t conn_id, uint8_t res, const char *why)
{
	static const char *const names[] = {
		[IPC_KEY_UNKNOWN] = "unknown-key", [IPC_KEY_NOT_ALLOWED] = "not-allowed",
		[IPC_KEY_BAD_INPUT] = "bad-input", [IPC_KEY_NO_CONN] = "no-handshake",
		[IPC_KEY_BUDGET] = "budget", [IPC_KEY_RATE] = "rate",
		[IPC_KEY_FAILED] = "failed",
	};
	char ids[16], conn[16];

	snprintf(ids, sizeof(ids), "%u", k->worker_id);
	snprintf(conn, sizeof(conn), "%u", conn_id);
	log_event_rl(LM_SECMOD_KEY_REFUSED, ids, conn, why,
		     res < ARRAY_SIZE(names) && names[res] ? names[res] : "refused");
}

/* main announces a connection (SECMOD_CONN) before it hands it over, but
 * on its own channel: one we do not know yet may be waiting there, behind
 * more than one read's worth (64) when main announced hundreds while we
 * signed for eight workers (10,000 phones at 100/s: 516 handshakes refused
 * "not in a handshake" 0.2 s after they began).  Read on until it is known
 * or the channel is empty (an empty read costs one recv), bounded. */
static int conn_known(struct smworker *k, uint32_t conn_id)
{
	struct secmod *s = k->s;

	for (int i = 0; i < SECMOD_CONN_DRAINS; i++) {
		if (smkeys_conn_known(s->keys, k->worker_id, conn_id, util_now_ms()))
			return 1;
		ev_invoke(s->loop, &s->ipc_io, EV_READ);
	}
	return smkeys_conn_known(s->keys, k->worker_id, conn_id, util_now_ms());
}

/* What one key operation allocates and frees (libcrypto's BIGNUM scratch
 * and contexts of an RSA-2048 private operation): for util_heap_freed, a
 * trim threshold, not an account. */
enum { KEY_OP_BYTES = 4096 };

static void on_key_req(struct smworker *k, const uint8_t *buf, size_t len)
{
	static struct ipc_key_req m;
	static struct ipc_key_rep r;
	struct keyprov_req rq;
	const char *why = "";
	size_t n = 0;

	if (ipc_dec_key_req(&m, buf, len) < 0) {
		worker_bad(k, "malformed KEY_REQ");
		return;
	}
	key_req_of(&m, &rq);
	memset(&r, 0, sizeof(r));
	r.req_id = m.req_id;
	if (!tbucket_take(&k->rate, &key_rate, util_now_ms())) {
		why = "over the worker's rate of key operations";
		r.result = IPC_KEY_RATE;
	} else {
		conn_known(k, m.conn_id);
		r.result = smkeys_do(k->s->keys, k->worker_id, m.conn_id, &rq, util_now_ms(),
				     r.out, sizeof(r.out), &n, &why);
		r.out_len = (uint16_t)n;
		util_heap_freed(KEY_OP_BYTES);
	}
	if (r.result != IPC_KEY_OK)
		refused_log(k, m.conn_id, r.result, why);
	/* never waits for a worker: its channel (16 MB, proc.c) holds the
	 * answers to its requests in flight (at most 64, wkey.c); one that
	 * does not read loses this answer (its request times out) */
	if (IPC_SEND(k->fd, IPC_KEY_REP, key_rep, &r, 0, -1) < 0 && errno != EAGAIN)
		worker_close(k);
	explicit_bzero(&r, sizeof(r));
	explicit_bzero(&m, sizeof(m));
}

/* Generated from msgs.def: each IPC_W2S row calls its handler. */
#define K_CASE_IPC_W2S(name, fn, fdp) case IPC_##name: fn(k, buf, h->len); break;
#define K_CASE_IPC_M2W(name, fn, fdp)
#define K_CASE_IPC_W2M(name, fn, fdp)
#define K_CASE_IPC_M2S(name, fn, fdp)
#define K_CASE_IPC_S2M(name, fn, fdp)
#define K_CASE_IPC_S2W(name, fn, fdp)

static void worker_dispatch(struct smworker *k, const struct ipc_hdr *h, const uint8_t *buf)
{
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, k->ipc_seen, h->type);
	char why[128];

	if (v != IPC_ADMIT) {
		snprintf(why, sizeof(why), "%s refused: %s",
			 h->type < IPC__COUNT ? ipc_msgs[h->type].name : "unknown message",
			 ipc_verdict_name(v));
		worker_bad(k, why);
		return;
	}
	ipc_seen_note(ipc_msgs, &k->ipc_seen, h->type);
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fdp, body, st, fl, fn) K_CASE_##dir(name, fn, fdp)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: worker_bad(k, "unexpected message"); break;
	}
}

/* EOF: the worker is gone (or restarted): forget it. */
static void on_worker_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct smworker *k = io->data;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	for (int i = 0; i < SECMOD_READS_PER_WAKE && k->fd >= 0; i++) {
		int r = ipc_recv(k->fd, IPC_W2S, &h, buf, sizeof(buf), &fd);

		if (r == 0 && errno == 0) {
			worker_close(k);
			return;
		}
		if (r == 0)
			return;
		if (r < 0) {
			worker_bad(k, errno == EPROTO ? "IPC protocol violation" : "IPC receive error");
			return;
		}
		worker_dispatch(k, &h, buf);
		explicit_bzero(buf, h.len);
	}
}

/* Rate-limited log counts are told; what key operations freed goes back
 * after a burst (util_heap_tick, S11: every process trims, secmod too). */
static void on_log_flush_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	uint64_t now = util_now_ms();

	log_rl_flush(now);
	util_heap_tick(now);
}

/* The KDF thread: one check at a time, for as long as secmod runs (it ends
 * with the process).  The password is wiped as soon as it is used. */
static void *kdf_main(void *arg)
{
	struct secmod *s = arg;
	struct ipc_passwd_req rq;

	/* Linux: this thread only.  On a busy machine the event loop thread
	 * (key operations, every handshake waits for one) gets the CPU
	 * first; a failure changes nothing else. */
	if (setpriority(PRIO_PROCESS, 0, KDF_NICE) < 0)
		log_debug("secmod: KDF thread keeps its priority");
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->q_len)
			pthread_cond_wait(&s->more, &s->lock);
		rq = s->q[s->q_head];
		explicit_bzero(&s->q[s->q_head], sizeof(rq));
		s->q_head = (s->q_head + 1) % SECMOD_QUEUE_MAX;
		s->q_len--;
		pthread_mutex_unlock(&s->lock);

		uint8_t res = smauth_verify(s->auth, rq.user, rq.password,
					    strnlen(rq.password, sizeof(rq.password)));
		uint32_t id = rq.req_id;

		explicit_bzero(&rq, sizeof(rq));
		pthread_mutex_lock(&s->lock);
		/* at most QUEUE_MAX waiting + this one: room is certain */
		s->done[s->done_n++] = (struct ipc_passwd_rep){ .req_id = id, .result = res };
		pthread_mutex_unlock(&s->lock);
		ev_async_send(s->loop, &s->done_async);
	}
	return NULL;
}

/* The loop's side: answer main for every verdict the thread left. */
static void on_done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct secmod *s = w->data;
	struct ipc_passwd_rep d[SECMOD_QUEUE_MAX + 1];
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->done_n;
	memcpy(d, s->done, n * sizeof(d[0]));
	s->done_n = 0;
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n; i++)
		reply(s, d[i].req_id, d[i].result);
}

static void on_sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	static struct secmod s;
	struct secmod_opts o = { 0 };

	log_init("sslvpnd-secmod", 1, 0, LOG_FMT_ASA, 0);
	if (parse_opts(argc, argv, &o) < 0)
		fatalx("usage: sslvpnd-secmod --user USER --group GROUP [--chroot DIR] [--facility N] "
		       "[--log-format N] [-d N] [-f] (started by sslvpnd)");
	log_init("sslvpnd-secmod", o.foreground, o.facility,
		 o.format ? LOG_FMT_NATIVE : LOG_FMT_ASA, o.debug);
	log_forward_set(LOG_FWD_SECMOD_FD);  /* main writes its lines (log.h) */
	s.ipc = SECMOD_FD;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);  /* a ^C in main's terminal: main decides */
	if (util_nonblock(s.ipc) < 0)
		fatal("secmod: IPC channel (fd 3) missing: start sslvpnd, not secmod");
	s.auth = smauth_new();
	s.keys = smkeys_new();
	if (!s.auth || !s.keys)
		fatalx("secmod: out of memory");
	for (size_t i = 0; i < SECMOD_WORKERS; i++)
		s.workers[i].fd = -1;
	s.loop = ev_default_loop(EVFLAG_AUTO);
	smdynauth_init();
	s.aaa = smaaa_new(s.loop, s.ipc);
	if (!s.aaa)
		fatalx("secmod: out of memory");
	if (enter_sandbox(&o) < 0)
		fatalx("secmod: cannot enter the sandbox; not starting");
	arm_probe(&s);
	ev_io_init(&s.ipc_io, on_ipc_cb, s.ipc, EV_READ);
	s.ipc_io.data = &s;
	ev_io_start(s.loop, &s.ipc_io);
	ev_async_init(&s.done_async, on_done_cb);
	s.done_async.data = &s;
	ev_async_start(s.loop, &s.done_async);
	/* after the sandbox: the thread is under the same filter (clone with
	 * CLONE_THREAD only, sandbox.def) */
	if (pthread_mutex_init(&s.lock, NULL) || pthread_cond_init(&s.more, NULL) ||
	    pthread_create(&s.kdf, NULL, kdf_main, &s))
		fatalx("secmod: cannot start the KDF thread");
	ev_signal_init(&s.sigterm, on_sigterm_cb, SIGTERM);
	ev_signal_start(s.loop, &s.sigterm);
	ev_timer_init(&s.log_flush, on_log_flush_cb, 1., 1.);
	ev_timer_start(s.loop, &s.log_flush);
	ev_run(s.loop, 0);
	/* The KDF thread may be in a run: with the lock held it takes no
	 * further check; _exit ends it with the process (the hash tables go
	 * with the address space). */
	pthread_mutex_lock(&s.lock);
	explicit_bzero(s.q, sizeof(s.q));
	smkeys_free(s.keys);
	_exit(0);
}
