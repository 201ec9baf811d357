/* The worker's side of the remote keys: libssl's private-key operations
 * (through keyprov) become KEY_REQs to sslvpnd-secmod on the key channel
 * (fd 4 at start, replaced by SECMOD_CHANNEL when secmod restarts).
 *
 * Synchronous with a bounded wait: one request at a time, at most
 * WKEY_WAIT_MS for its answer, while the event loop stands still (secmod
 * answers from its event loop, never behind a KDF run: well under a
 * millisecond).  A late answer to an abandoned request is recognised by
 * its id and dropped.  After a timeout the channel counts as stalled:
 * later requests fail at once (no 2 s stall of every tunnel per new
 * connection) until any answer arrives or main hands over a new channel
 * (main restarts a secmod that stops answering its pings). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rsa.h>

#include "sslvpnd/keyprov.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "worker.h"

enum { WKEY_FD = 4, WKEY_WAIT_MS = 2000, PROBE_CONN = 0xfffffff0u };

static struct {
	struct worker *w;
	int fd;                         /* -1: none (secmod restarting) */
	uint32_t req_id;
	uint32_t conn_id;               /* the connection in SSL_do_handshake */
	char peer[64], iface[CFG_NAME_MAX];
	struct ipc_key_rep rep;         /* the answer, when got */
	int answered;
	int stalled;                    /* a request went unanswered */
} wk = { .fd = -1 };

void wkey_conn(uint32_t conn_id, const char *peer, const char *iface)
{
	wk.conn_id = conn_id;
	util_strlcpy(wk.peer, peer, sizeof(wk.peer));
	util_strlcpy(wk.iface, iface, sizeof(wk.iface));
}

static void on_key_rep(struct worker *w, const uint8_t *buf, size_t len)
{
	static struct ipc_key_rep r;

	if (ipc_dec_key_rep(&r, buf, len) < 0 || r.result > IPC_KEY__MAX ||
	    r.out_len > sizeof(r.out))
		fatalx("worker %u: malformed KEY_REP from secmod", w->id);
	wk.stalled = 0;  /* secmod answers again */
	if (r.req_id == wk.req_id) {
		wk.rep = r;
		wk.answered = 1;
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

static void drop_channel(void)
{
	if (wk.fd >= 0)
		close(wk.fd);
	wk.fd = -1;
}

/* Read what secmod sent until our answer came or wait_ms is up (0: only
 * what is there now; a stall is noted only when waiting). */
static int wait_answer(int wait_ms, char *err, size_t errlen)
{
	uint64_t until = util_now_ms() + (uint64_t)wait_ms;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd, r, pr;

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
		r = ipc_recv(wk.fd, IPC_S2W, &h, buf, sizeof(buf), &fd);
		if (r == 0 && errno == 0) {
			drop_channel();
			snprintf(err, errlen, "the security module closed the key channel "
				 "(restarting)");
			return -1;
		}
		if (r < 0)
			fatal("worker %u: IPC from secmod", wk.w->id);
		if (r == 1) {
			dispatch(wk.w, &h, buf);
			explicit_bzero(buf, h.len);
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
	int rc;

	memset(&m, 0, sizeof(m));
	wk.answered = 0;  /* a late answer read before does not count */
	m.req_id = ++wk.req_id;
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
	rc = IPC_SEND(wk.fd, IPC_KEY_REQ, key_req, &m, 0, -1);
	explicit_bzero(&m, sizeof(m));
	return rc;
}

static int remote(const struct keyprov_req *rq, uint8_t *out, size_t outcap, size_t *outlen,
		  char *err, size_t errlen)
{
	char conn[16];
	int rc = -1;

	wk.answered = 0;
	if (wk.stalled && wk.fd >= 0)
		wait_answer(0, err, errlen);  /* a late answer clears it */
	if (rq->inlen > KEYPROV_IN_MAX)
		snprintf(err, errlen, "input of %zu bytes is too long", rq->inlen);
	else if (wk.fd < 0)
		snprintf(err, errlen, "no key channel to the security module (restarting)");
	else if (wk.stalled)
		snprintf(err, errlen, "the security module has not answered an earlier "
			 "request (stalled; main restarts it)");
	else if (send_req(rq) < 0)
		snprintf(err, errlen, "cannot send to the security module: %s", strerror(errno));
	else if (wait_answer(WKEY_WAIT_MS, err, errlen) == 0 && wk.rep.result != IPC_KEY_OK)
		snprintf(err, errlen, "%s", result_name(wk.rep.result));
	else if (wk.answered && wk.rep.out_len > outcap)
		snprintf(err, errlen, "answer of %u bytes does not fit", wk.rep.out_len);
	else if (wk.answered)
		rc = 0;
	if (rc == 0) {
		memcpy(out, wk.rep.out, wk.rep.out_len);
		*outlen = wk.rep.out_len;
	} else {
		snprintf(conn, sizeof(conn), "%u", wk.conn_id);
		log_event_rl(LM_KEY_OP_FAILED, conn, wk.peer, wk.iface, err);
	}
	explicit_bzero(&wk.rep, sizeof(wk.rep));
	wk.answered = 0;
	return rc;
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

/* secmod restarted: main made a new key channel for us. */
void on_secmod_channel(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_secmod_channel m;

	if (ipc_dec_secmod_channel(&m, buf, len) < 0 || util_nonblock(fd) < 0)
		fatalx("worker %u: bad SECMOD_CHANNEL from main", w->id);
	drop_channel();
	wk.fd = fd;
	wk.stalled = 0;
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
