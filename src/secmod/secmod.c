/* sslvpnd-secmod: started by main over a SOCK_SEQPACKET pair (fd 3),
 * before the workers.  It reads no configuration: main sends the local
 * users' hashes (SECMOD_USERS) at start and at each reload, then password
 * checks (PASSWD_REQ), which wait in a bounded queue and run one per loop
 * turn, so new requests are read (and refused when the queue is full)
 * while scrypt works.  Exits when main closes the channel. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "secmod.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/log.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/util.h"

/* Password checks waiting for the KDF: at tens of ms each, 64 is a few
 * seconds of work; beyond it a request is answered BUSY at once (main
 * refuses that login) rather than making every later login wait longer. */
enum { SECMOD_FD = 3, SECMOD_QUEUE_MAX = 64, SECMOD_READS_PER_WAKE = 64,
       SECMOD_BUSY_LOG_MS = 10000 };

struct secmod_opts {
	const char *user, *group;
	const char *root;          /* the empty sandbox root main made */
	int debug, foreground, facility, format;
};

struct secmod {
	struct ev_loop *loop;
	int ipc;
	ev_io ipc_io;
	/* One queued check per loop turn, after the poll (ev_check): an idle
	 * watcher alone would starve while main keeps the channel busy.
	 * spin (ev_idle) only keeps the poll from blocking meanwhile. */
	ev_check work;
	ev_idle spin;
	ev_signal sigterm;
	struct smauth *auth;
	struct ipc_passwd_req q[SECMOD_QUEUE_MAX];
	size_t q_head, q_len;
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

	return sandbox_enter(&sp);
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
	} else if (s->q_len == SECMOD_QUEUE_MAX) {
		refuse_busy(s, rq.req_id);
	} else {
		slot = &s->q[(s->q_head + s->q_len++) % SECMOD_QUEUE_MAX];
		*slot = rq;
		ev_idle_start(s->loop, &s->spin);
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

/* Generated from msgs.def: each IPC_M2S row calls its handler.  main is
 * trusted: a message the table does not allow is a bug, and fatal.  The
 * channel has no setup: always "ready". */
#define S_CALL_IPC_FD_NONE(fn) fn(s, buf, h->len)
#define S_CASE_IPC_M2S(name, fn, fdp) case IPC_##name: S_CALL_##fdp(fn); break;
#define S_CASE_IPC_W2M(name, fn, fdp)
#define S_CASE_IPC_M2W(name, fn, fdp)
#define S_CASE_IPC_S2M(name, fn, fdp)

static void dispatch(struct secmod *s, const struct ipc_hdr *h, const uint8_t *buf)
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
		dispatch(s, &h, buf);
		explicit_bzero(buf, h.len);
	}
}

/* One check per loop turn: the channel is read between two KDF runs. */
static void on_work_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct secmod *s = w->data;
	struct ipc_passwd_req *rq;

	if (!s->q_len) {
		ev_idle_stop(loop, &s->spin);
		return;
	}
	rq = &s->q[s->q_head];
	s->q_head = (s->q_head + 1) % SECMOD_QUEUE_MAX;
	s->q_len--;
	uint8_t res = smauth_verify(s->auth, rq->user, rq->password,
				    strnlen(rq->password, sizeof(rq->password)));
	uint32_t id = rq->req_id;

	explicit_bzero(rq, sizeof(*rq));
	reply(s, id, res);
}

static void on_spin_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
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
	s.ipc = SECMOD_FD;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);  /* a ^C in main's terminal: main decides */
	if (util_nonblock(s.ipc) < 0)
		fatal("secmod: IPC channel (fd 3) missing: start sslvpnd, not secmod");
	s.auth = smauth_new();
	if (!s.auth)
		fatalx("secmod: out of memory");
	s.loop = ev_default_loop(EVFLAG_AUTO);
	if (enter_sandbox(&o) < 0)
		fatalx("secmod: cannot enter the sandbox; not starting");
	ev_io_init(&s.ipc_io, on_ipc_cb, s.ipc, EV_READ);
	s.ipc_io.data = &s;
	ev_io_start(s.loop, &s.ipc_io);
	ev_check_init(&s.work, on_work_cb);
	s.work.data = &s;
	ev_check_start(s.loop, &s.work);
	ev_idle_init(&s.spin, on_spin_cb);
	ev_signal_init(&s.sigterm, on_sigterm_cb, SIGTERM);
	ev_signal_start(s.loop, &s.sigterm);
	ev_run(s.loop, 0);
	smauth_free(s.auth);
	explicit_bzero(s.q, sizeof(s.q));
	return 0;
}
