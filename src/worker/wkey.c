/* The worker's side of the remote keys: libssl's private-key operations
 * (through keyprov) become KEY_REQs to sslvpnd-secmod on the key channel
 * (fd 4 at start, replaced by SECMOD_CHANNEL when secmod restarts).
 *
 * Asynchronous inside a libssl job (conn.c runs every handshake with
 * SSL_MODE_ASYNC): the request goes out with its id, the job pauses
 * (ASYNC_pause_job) and SSL_do_handshake returns SSL_ERROR_WANT_ASYNC; the
 * worker's loop reads secmod's answers (key_io_cb), matches them to their
 * request by id and resumes that connection's handshake (conn_key_ready)
 * from the loop, never from inside another job.  Before, every handshake's
 * signature was a blocking round trip: under load the workers sat in
 * poll() while ClientHellos waited (10,000 phones back in 64 s).
 * At most WKEY_INFLIGHT requests wait per worker (a job's stack each);
 * beyond that, and outside a job (the test probe, a DTLS context), the
 * synchronous path: one request, at most WKEY_WAIT_MS for its answer,
 * while the event loop stands still.  A late answer to an abandoned
 * request is recognised by its id and dropped.  After a timeout the
 * channel counts as stalled: later requests fail at once (no stall of
 * every tunnel per new connection) until any answer arrives or main hands
 * over a new channel (main restarts a secmod that stops answering its
 * pings). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/rsa.h>

#include "sslvpnd/keyprov.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "worker.h"

/* WKEY_ASYNC_WAIT_MS: a paused handshake's request; longer than the
 * synchronous wait since nothing else stands still meanwhile, and main
 * replaces a secmod silent for 10 s.  WKEY_READS: answers read per
 * wake-up of the key channel. */
enum { WKEY_FD = 4, WKEY_WAIT_MS = 2000, WKEY_ASYNC_WAIT_MS = 10000, WKEY_INFLIGHT = 256,
       WKEY_READS = 64, WKEY_DEFERRED = 16384, PROBE_CONN = 0xfffffff0u };

enum slot_state { SL_FREE, SL_WAITING, SL_DONE };

struct wkey_log {
	uint32_t conn_id;
	char peer[64], iface[CFG_NAME_MAX], err[160];
};

/* One request of a paused handshake. */
struct wkey_slot {
	enum slot_state state;
	int resume;                     /* done: its handshake is to go on */
	uint32_t req_id, conn_id;
	uint64_t sent_ms;
	char peer[64], iface[CFG_NAME_MAX];
	char err[128];                  /* done without an answer: why */
	int answered;
	struct ipc_key_rep rep;
};

static struct {
	struct worker *w;
	int fd;                         /* -1: none (secmod restarting) */
	uint32_t req_id;                /* the last one sent */
	uint32_t sync_id;               /* the synchronous request's */
	uint32_t conn_id;               /* the connection in SSL_do_handshake */
	char peer[64], iface[CFG_NAME_MAX];
	struct ipc_key_rep rep;         /* the synchronous answer, when got */
	int answered;
	int stalled;                    /* a request went unanswered */
	int looping;                    /* wkey_start: the loop reads fd */
	unsigned waiting;               /* slots in SL_WAITING */
	struct wkey_slot slots[WKEY_INFLIGHT];
	struct wkey_log logs[16];
	unsigned n_logs;
	unsigned used;                  /* slots not SL_FREE */
	/* handshakes held back while every slot is used (wkey_defer), by
	 * conn id, oldest first */
	uint32_t deferred[WKEY_DEFERRED];
	unsigned def_head, def_n;
	ev_io io;
	ev_prepare resume;              /* answers got outside key_io_cb */
	ev_timer tick;                  /* while requests wait: timeouts */
} wk = { .fd = -1 };

void wkey_conn(uint32_t conn_id, const char *peer, const char *iface)
{
	wk.conn_id = conn_id;
	util_strlcpy(wk.peer, peer, sizeof(wk.peer));
	util_strlcpy(wk.iface, iface, sizeof(wk.iface));
}

static struct wkey_slot *slot_by_req(uint32_t req_id)
{
	for (size_t i = 0; i < WKEY_INFLIGHT; i++)
		if (wk.slots[i].state == SL_WAITING && wk.slots[i].req_id == req_id)
			return &wk.slots[i];
	return NULL;
}

/* The request is over (answered or given up): its handshake goes on from
 * the loop (the prepare watcher, or key_io_cb's end). */
static void slot_done(struct wkey_slot *s, const char *why)
{
	if (why)
		util_strlcpy(s->err, why, sizeof(s->err));
	s->state = SL_DONE;
	s->resume = 1;
	wk.waiting--;
	if (wk.looping)
		ev_prepare_start(wk.w->loop, &wk.resume);
}

static void fail_waiting(const char *why)
{
	for (size_t i = 0; i < WKEY_INFLIGHT; i++)
		if (wk.slots[i].state == SL_WAITING)
			slot_done(&wk.slots[i], why);
}

static void on_key_rep(struct worker *w, const uint8_t *buf, size_t len)
{
	static struct ipc_key_rep r;
	struct wkey_slot *s;

	if (ipc_dec_key_rep(&r, buf, len) < 0 || r.result > IPC_KEY__MAX ||
	    r.out_len > sizeof(r.out))
		fatalx("worker %u: malformed KEY_REP from secmod", w->id);
	wk.stalled = 0;  /* secmod answers again */
	if (wk.sync_id && r.req_id == wk.sync_id) {
		wk.rep = r;
		wk.answered = 1;
	} else if ((s = slot_by_req(r.req_id))) {
		s->rep = r;
		s->answered = 1;
		slot_done(s, NULL);
	}
	explicit_bzero(&r, sizeof(r));
}

/* Generated from msgs.def: each IPC_S2W row calls its handler.  secmod is
 * trusted like main: a message the table does not allow is a bug. */
#define K_CASE_IPC_S2W(name, fn, fdp) case IPC_##name: fn(w, buf, h->len); break;
#define K_CASE_IPC_M2W(name, fn, fdp)
#define K_CASE_IPC_W2M(name, fn, fdp)
#define K_CASE_IPC_M2S(name, fn, fdp)
#define K_CASE_IPC_S2M(name, fn, fdp)
#define K_CASE_IPC_W2S(name, fn, fdp)

static void dispatch(struct worker *w, const struct ipc_hdr *h, const uint8_t *buf)
{
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_S2W, IPC_ST_READY, 0, h->type);

	if (v != IPC_ADMIT)
		fatalx("worker %u: %s from secmod refused: %s", w->id,
		       h->type < IPC__COUNT ? ipc_msgs[h->type].name : "unknown message",
		       ipc_verdict_name(v));
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fdp, body, st, fl, fn) K_CASE_##dir(name, fn, fdp)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: fatalx("worker %u: unexpected message %u from secmod", w->id, h->type);
	}
}

/* The channel is gone or replaced: what waits on it gets no answer. */
static void drop_channel(void)
{
	if (wk.looping)
		ev_io_stop(wk.w->loop, &wk.io);
	if (wk.fd >= 0)
		close(wk.fd);
	wk.fd = -1;
	fail_waiting("the security module closed the key channel (restarting)");
}

/* One message from secmod if one is there: 1 read, 0 none, -1 the
 * channel closed (secmod is gone; main hands over a new one). */
static int read_one(void)
{
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd, r = ipc_recv(wk.fd, IPC_S2W, &h, buf, sizeof(buf), &fd);

	/* a secmod killed with our requests unread resets the channel
	 * instead of closing it: the same for us */
	if ((r == 0 && errno == 0) || (r < 0 && errno == ECONNRESET)) {
		drop_channel();
		return -1;
	}
	if (r < 0)
		fatal("worker %u: IPC from secmod", wk.w->id);
	if (r == 1) {
		dispatch(wk.w, &h, buf);
		explicit_bzero(buf, h.len);
	}
	return r;
}

/* Read what secmod sent until the synchronous answer came or wait_ms is
 * up (0: only what is there now; a stall is noted only when waiting).
 * Answers to paused handshakes read meanwhile are kept for the loop. */
static int wait_answer(int wait_ms, char *err, size_t errlen)
{
	uint64_t until = util_now_ms() + (uint64_t)wait_ms;
	int pr;

	while (!wk.answered && wk.fd >= 0) {
		uint64_t now = util_now_ms();
		struct pollfd p = { .fd = wk.fd, .events = POLLIN };

		pr = poll(&p, 1, now < until ? (int)(until - now) : 0);
		if (pr < 0 && errno == EINTR)
			continue;  /* bounded: the time left shrinks */
		if (pr <= 0) {
			if (wait_ms) {
				snprintf(err, errlen, "no answer from the security module "
					 "within %d ms", wait_ms);
				wk.stalled = 1;
			}
			return -1;
		}
		if (read_one() < 0) {
			snprintf(err, errlen, "the security module closed the key channel "
				 "(restarting)");
			return -1;
		}
	}
	return wk.answered ? 0 : -1;
}

static const char *result_name(uint8_t res)
{
	static const char *const names[] = {
		[IPC_KEY_UNKNOWN] = "refused by the security module: unknown key",
		[IPC_KEY_NOT_ALLOWED] = "refused by the security module: operation not allowed",
		[IPC_KEY_BAD_INPUT] = "refused by the security module: bad input length",
		[IPC_KEY_NO_CONN] = "refused by the security module: connection not in its "
				    "handshake",
		[IPC_KEY_BUDGET] = "refused by the security module: too many operations in "
				   "one handshake",
		[IPC_KEY_RATE] = "refused by the security module: over the worker's rate",
		[IPC_KEY_FAILED] = "the security module's operation failed",
	};

	return res < ARRAY_SIZE(names) && names[res] ? names[res] : "refused";
}

static int send_req(const struct keyprov_req *rq)
{
	static struct ipc_key_req m;
	static uint8_t enc[IPC_MAX_MSG];
	int rc;

	memset(&m, 0, sizeof(m));
	wk.answered = 0;  /* a late answer read before does not count */
	if (!++wk.req_id)
		wk.req_id = 1;  /* 0: no synchronous request */
	m.req_id = wk.req_id;
	m.conn_id = wk.conn_id;
	memcpy(m.key_id, rq->key_id, sizeof(m.key_id));
	m.key_id_len = sizeof(m.key_id);
	m.op = rq->op;
	m.pad = (uint8_t)rq->pad;
	util_strlcpy(m.md, rq->md, sizeof(m.md));
	util_strlcpy(m.mgf1_md, rq->mgf1_md, sizeof(m.mgf1_md));
	m.saltlen = (uint32_t)rq->saltlen;
	m.tls_version = rq->tls_version;
	m.tls_alt_version = rq->tls_alt_version;
	memcpy(m.in, rq->in, rq->inlen);
	m.in_len = (uint16_t)rq->inlen;
	/* encoded in static memory, not IPC_SEND's stack buffer: this runs
	 * on a libssl job's stack (32 KB) */
	int n = ipc_enc_key_req(&m, enc, sizeof(enc));

	rc = n < 0 ? -1 : ipc_send(wk.fd, IPC_KEY_REQ, 0, enc, (size_t)n, -1);
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(enc, sizeof(enc));
	return rc;
}

static void log_now(uint32_t conn_id, const char *peer, const char *iface, const char *err)
{
	char conn[16];

	snprintf(conn, sizeof(conn), "%u", conn_id);
	log_event_rl(LM_KEY_OP_FAILED, conn, peer, iface, err);
}

/* A failure inside a job is logged from the loop (run_ready): formatting
 * a line takes kilobytes of stack a job does not have.  100714 is
 * rate-limited anyway; what does not fit here is dropped. */
static void log_failed(uint32_t conn_id, const char *peer, const char *iface, const char *err)
{
	struct wkey_log *l;

	if (!ASYNC_get_current_job()) {
		log_now(conn_id, peer, iface, err);
		return;
	}
	if (wk.n_logs == ARRAY_SIZE(wk.logs))
		return;
	l = &wk.logs[wk.n_logs++];
	l->conn_id = conn_id;
	util_strlcpy(l->peer, peer, sizeof(l->peer));
	util_strlcpy(l->iface, iface, sizeof(l->iface));
	util_strlcpy(l->err, err, sizeof(l->err));
	if (wk.looping)
		ev_prepare_start(wk.w->loop, &wk.resume);
}

static void flush_logs(void)
{
	for (unsigned i = 0; i < wk.n_logs; i++)
		log_now(wk.logs[i].conn_id, wk.logs[i].peer, wk.logs[i].iface, wk.logs[i].err);
	wk.n_logs = 0;
}

/* One request and a bounded wait for its answer, the loop standing still. */
static int remote_sync(const struct keyprov_req *rq, char *err, size_t errlen)
{
	int rc = -1;

	if (send_req(rq) < 0)
		snprintf(err, errlen, "cannot send to the security module: %s", strerror(errno));
	else if ((wk.sync_id = wk.req_id),
		 wait_answer(WKEY_WAIT_MS, err, errlen) == 0 && wk.rep.result != IPC_KEY_OK)
		snprintf(err, errlen, "%s", result_name(wk.rep.result));
	else if (wk.answered)
		rc = 0;
	wk.sync_id = 0;
	return rc;
}

/* Inside the handshake's job: send, pause until the loop has the answer
 * (or gave up on it), take it.  A resumption before that (the client's
 * socket became readable) pauses again. */
static int remote_async(struct wkey_slot *s, const struct keyprov_req *rq, char *err,
			size_t errlen)
{
	int rc = -1;

	if (send_req(rq) < 0) {
		snprintf(err, errlen, "cannot send to the security module: %s", strerror(errno));
		return -1;
	}
	memset(s, 0, sizeof(*s));
	wk.used++;
	s->state = SL_WAITING;
	s->req_id = wk.req_id;
	s->conn_id = wk.conn_id;
	s->sent_ms = util_now_ms();
	util_strlcpy(s->peer, wk.peer, sizeof(s->peer));
	util_strlcpy(s->iface, wk.iface, sizeof(s->iface));
	if (!wk.waiting++)
		ev_timer_again(wk.w->loop, &wk.tick);
	while (s->state == SL_WAITING)
		if (!ASYNC_pause_job()) {
			slot_done(s, "cannot pause the handshake");
			s->resume = 0;
		}
	if (!s->answered)
		snprintf(err, errlen, "%s", s->err);
	else if (s->rep.result != IPC_KEY_OK)
		snprintf(err, errlen, "%s", result_name(s->rep.result));
	else
		rc = 0;
	wk.rep = s->rep;  /* remote() takes it from there */
	wkey_conn(s->conn_id, s->peer, s->iface);  /* for remote()'s log line */
	explicit_bzero(s, sizeof(*s));  /* SL_FREE */
	wk.used--;
	if (wk.def_n)
		ev_prepare_start(wk.w->loop, &wk.resume);  /* a held-back one may go */
	return rc;
}

static struct wkey_slot *slot_free(void)
{
	if (!wk.looping || !ASYNC_get_current_job())
		return NULL;
	for (size_t i = 0; i < WKEY_INFLIGHT; i++)
		if (wk.slots[i].state == SL_FREE)
			return &wk.slots[i];
	return NULL;  /* WKEY_INFLIGHT wait already */
}

static int remote(const struct keyprov_req *rq, uint8_t *out, size_t outcap, size_t *outlen,
		  char *err, size_t errlen)
{
	struct wkey_slot *s;
	int rc = -1;

	ASYNC_JOB *job = ASYNC_get_current_job();

	wk.answered = 0;
	if (!job && wk.stalled && wk.fd >= 0)
		wait_answer(0, err, errlen);  /* a late answer clears it (in a job
					       * the loop reads: no stack there) */
	if (rq->inlen > KEYPROV_IN_MAX)
		snprintf(err, errlen, "input of %zu bytes is too long", rq->inlen);
	else if (wk.fd < 0)
		snprintf(err, errlen, "no key channel to the security module (restarting)");
	else if (wk.stalled)
		snprintf(err, errlen, "the security module has not answered an earlier "
			 "request (stalled; main restarts it)");
	else if ((s = slot_free()))
		rc = remote_async(s, rq, err, errlen);
	else if (job)
		/* secmod is that far behind: shed this handshake (the client
		 * retries) rather than stop the worker or queue without end */
		snprintf(err, errlen, "%d key operations of this worker already wait for the "
			 "security module", WKEY_INFLIGHT);
	else
		rc = remote_sync(rq, err, errlen);
	if (rc == 0 && wk.rep.out_len > outcap) {
		snprintf(err, errlen, "answer of %u bytes does not fit", wk.rep.out_len);
		rc = -1;
	}
	if (rc == 0) {
		memcpy(out, wk.rep.out, wk.rep.out_len);
		*outlen = wk.rep.out_len;
	} else {
		log_failed(wk.conn_id, wk.peer, wk.iface, err);
	}
	explicit_bzero(&wk.rep, sizeof(wk.rep));
	wk.answered = 0;
	return rc;
}

/* Answers got: their handshakes go on, each from the loop. */
static void run_ready(void)
{
	ev_prepare_stop(wk.w->loop, &wk.resume);
	flush_logs();
	for (size_t i = 0; i < WKEY_INFLIGHT; i++) {
		struct wkey_slot *s = &wk.slots[i];

		if (s->state != SL_DONE || !s->resume)
			continue;
		s->resume = 0;
		if (!conn_key_ready(wk.w, s->conn_id)) {
			explicit_bzero(s, sizeof(*s));  /* nobody left to take it */
			wk.used--;
		}
	}
	/* handshakes held back go on while slots are free; a closed one is
	 * skipped */
	while (wk.def_n && wk.used < WKEY_INFLIGHT) {
		uint32_t id = wk.deferred[wk.def_head];

		wk.def_head = (wk.def_head + 1) % WKEY_DEFERRED;
		wk.def_n--;
		conn_key_ready(wk.w, id);
	}
	if (!wk.waiting)
		ev_timer_stop(wk.w->loop, &wk.tick);
	flush_logs();  /* the resumed handshakes' failures */
}

static void resume_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
	run_ready();
}

static void key_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	for (int i = 0; i < WKEY_READS && wk.fd >= 0 && read_one() > 0; i++)
		;
	run_ready();
}

/* Requests secmod has not answered in WKEY_ASYNC_WAIT_MS: their
 * handshakes fail, and the channel counts as stalled (as a synchronous
 * timeout) until an answer comes. */
static void tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	uint64_t now = util_now_ms();

	for (size_t i = 0; i < WKEY_INFLIGHT; i++) {
		struct wkey_slot *s = &wk.slots[i];

		if (s->state == SL_WAITING && now - s->sent_ms >= WKEY_ASYNC_WAIT_MS) {
			slot_done(s, "no answer from the security module within 10000 ms");
			wk.stalled = 1;
		}
	}
	run_ready();
}

int wkey_defer(uint32_t conn_id)
{
	if (!wk.looping || wk.used < WKEY_INFLIGHT || wk.def_n == WKEY_DEFERRED)
		return 0;
	wk.deferred[(wk.def_head + wk.def_n++) % WKEY_DEFERRED] = conn_id;
	return 1;
}

/* The connection closes while its request waits or its answer is not yet
 * taken: its job must end (a paused job is never freed with its SSL), so
 * the handshake is resumed once more, on a failed request. */
int wkey_conn_closing(uint32_t conn_id)
{
	for (size_t i = 0; i < WKEY_INFLIGHT; i++) {
		struct wkey_slot *s = &wk.slots[i];

		if (s->state == SL_FREE || s->conn_id != conn_id)
			continue;
		if (s->state == SL_WAITING)
			slot_done(s, "the connection closed during its handshake");
		s->answered = 0;
		util_strlcpy(s->err, "the connection closed during its handshake",
			     sizeof(s->err));
		s->resume = 0;
		return 1;
	}
	return 0;
}

int wkey_init(struct worker *w)
{
	char err[128];

	wk.w = w;
	wk.fd = WKEY_FD;
	if (util_nonblock(wk.fd) < 0) {
		log_warnx("worker %u: key channel (fd 4) missing: start sslvpnd, not the worker",
			  w->id);
		return -1;
	}
	if (keyprov_init(remote, err, sizeof(err)) < 0) {
		log_warnx("worker %u: %s", w->id, err);
		return -1;
	}
	tls_keys_remote();
	return 0;
}

void wkey_start(struct worker *w)
{
	ev_io_init(&wk.io, key_io_cb, wk.fd, EV_READ);
	ev_prepare_init(&wk.resume, resume_cb);
	ev_init(&wk.tick, tick_cb);
	wk.tick.repeat = 1.;
	/* the pool keeps the jobs that ran (a stack each): as many as can
	 * be paused at once, and the one running */
	if (!ASYNC_init_thread(WKEY_INFLIGHT + 2, 0)) {
		log_warnx("worker %u: no asynchronous jobs (OpenSSL): every key operation "
			  "waits for secmod with the loop standing", w->id);
		return;
	}
	wk.looping = 1;
	if (wk.fd >= 0)
		ev_io_start(w->loop, &wk.io);
}

/* secmod restarted: main made a new key channel for us. */
void on_secmod_channel(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_secmod_channel m;

	if (ipc_dec_secmod_channel(&m, buf, len) < 0 || util_nonblock(fd) < 0)
		fatalx("worker %u: bad SECMOD_CHANNEL from main", w->id);
	drop_channel();
	wk.fd = fd;
	wk.stalled = 0;
	if (wk.looping) {
		ev_io_set(&wk.io, fd, EV_READ);
		ev_io_start(w->loop, &wk.io);
	}
}

/* Test aid (SSLVPND_TEST_KEY_PROBE=SECONDS, man sslvpnd(8)): worker 0 asks
 * secmod, that many seconds after its start, to sign with the first
 * interface's key for a connection main never handed it.  secmod must
 * refuse (100713) and the worker logs the failure (100714), as a
 * compromised worker asking for a signature would be refused. */
static void on_probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;
	EVP_PKEY *pub = X509_get0_pubkey(w->servers[0]->cert);
	struct keyprov_req rq = { .op = KEYPROV_SIGN, .md = "SHA256" };
	uint8_t dg[32] = { 0 }, out[KEYPROV_OUT_MAX];
	size_t n = 0;
	char err[160];

	if (keyprov_key_id(pub, rq.key_id) < 0)
		return;
	rq.pad = EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC ? 0 : RSA_PKCS1_PADDING;
	rq.in = dg;
	rq.inlen = sizeof(dg);
	wkey_conn(PROBE_CONN, "test-probe", w->servers[0]->ifname);
	if (remote(&rq, out, sizeof(out), &n, err, sizeof(err)) == 0)
		log_warnx("worker %u: test probe: secmod signed for an unknown connection", w->id);
}

void wkey_arm_probe(struct worker *w)
{
	static ev_timer probe;
	const char *v = getenv("SSLVPND_TEST_KEY_PROBE");
	double delay = v ? atof(v) : 0.;

	if (w->id != 0 || delay <= 0. || !w->wc.tls.n_ifaces)
		return;
	ev_timer_init(&probe, on_probe_cb, delay, 0.);
	probe.data = w;
	ev_timer_start(w->loop, &probe);
}
