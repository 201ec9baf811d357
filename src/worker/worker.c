/* sslvpnd-worker: one libev loop serving many connections.
 *
 * Started by main with the IPC channel on fd 3.  It reads no file: it waits
 * (10 s at most) for its configuration from main (WORKER_CONFIG: a sealed
 * memfd of WCFG_* messages, include/sslvpnd/wcfg.h), assembles its TLS
 * contexts from it, enters the sandbox (src/sandbox), reports WORKER_READY,
 * then serves: TLS handshakes, the HTTP/XML and phone logins, CSTP tunnels
 * and the tun device main handed over. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/log.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/tkeys.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "bufcache.h"
#include "worker.h"

enum { IPC_FD = 3, CONFIG_WAIT_MS = 10000 };
/* at most this late for any timer of the worker (DTLS handshake
 * retransmissions are 1 s and more, everything else seconds) */
static const double TIMER_COLLECT_S = 0.05;

/* A worker that carries no data but wakes often (only keepalives and DPD
 * of idle phones, each a wake-up of its own: about 400 a second per
 * worker with 10,000 phones) gathers the readiness of IO_GATHER_S into
 * one wake-up: libev sleeps that long between polls.  Those records wait
 * at most that long (DPD and keepalive count in tens of seconds).  A
 * wake-up, not a record, is what an idle worker pays for (S11, 2,000
 * idle phones, no gathering: 72 us per received record with 0.73
 * wake-ups each on a quieter machine, 35 us with 0.32 under load, where
 * the scheduler gathered for us: about 90 us a wake-up, 6 us a record),
 * so the interval is the timers' own (TIMER_COLLECT_S): the tunnels'
 * timers and the records of 50 ms are handled in one wake-up, at most 20
 * a second.  Gathering starts at IO_GATHER_WAKES loop iterations a
 * second (three records an interval); it stops below IO_GATHER_OFF_WAKES
 * while gathering (fewer than one record in two intervals: each record
 * would then cost the sleep and a wake-up of its own).  The first data
 * packet or new connection turns it off at once (io_busy); it comes back
 * after IO_QUIET_TICKS seconds without either.  This is the idle branch
 * of the wake-up policy; a busy worker never sleeps here. */
static const double IO_GATHER_S = 0.05;
enum { IO_QUIET_TICKS = 2, IO_GATHER_WAKES = 60, IO_GATHER_OFF_WAKES = 8 };

static void io_busy(struct worker *w)
{
	w->busy = 1;
	if (w->gathering) {
		w->gathering = 0;
		ev_set_io_collect_interval(w->loop, 0.);
	}
}

static void io_gather_tick(struct worker *w)
{
	unsigned iters = ev_iteration(w->loop), wakes = iters - w->iters_seen;

	w->iters_seen = iters;
	if (w->busy) {
		w->busy = 0;
		w->quiet_ticks = 0;
		return;
	}
	if (w->gathering) {
		if (wakes < IO_GATHER_OFF_WAKES) {
			w->gathering = 0;
			ev_set_io_collect_interval(w->loop, 0.);
		}
		return;
	}
	if (++w->quiet_ticks < IO_QUIET_TICKS || wakes < IO_GATHER_WAKES)
		return;
	w->gathering = 1;
	ev_set_io_collect_interval(w->loop, IO_GATHER_S);
}

struct wopts {
	uint32_t id;
	int debug, foreground;
};

static int parse_opts(int argc, char **argv, struct wopts *o)
{
	static const struct option lo[] = {
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "d:f", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o->id = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': o->debug = atoi(optarg); break;
		case 'f': o->foreground = 1; break;
		default: return -1;
		}
	}
	return 0;
}

void worker_send(struct worker *w, enum ipc_type type, const uint8_t *buf, int len)
{
	/* main is gone or the channel is broken: nothing sensible is left
	 * to do for our clients without it. */
	if (len < 0 || ipc_send(w->ipc, type, 0, buf, (size_t)len, -1) < 0)
		fatal("worker %u: cannot send %s to main", w->id, ipc_msgs[type].name);
}

/* Upstream GRO (S11): the worker profile put one tun write() per
 * upstream packet at 39 % of the worker.  Segments of one TCP flow that
 * arrive together (a recvmmsg batch, one TLS read) are joined by
 * tunoff_gro_add and written once: when a packet cannot join, and at the
 * end of every loop iteration (on_gro_flush_cb), so nothing waits for
 * more than the iteration it came in.  Each segment was checked on its
 * own before (anti-spoofing, vpn-filter, counters: tunnel.c on_data). */
static void gro_write(struct worker *w)
{
	const uint8_t *out;
	unsigned segs = w->gro.segs;
	size_t n = tunoff_gro_take(&w->gro, &out);

	if (n == 0)
		return;
	if (write(w->tun, out, n) < 0 && errno != EAGAIN)
		log_debug("write to %s: %s", w->tun_name, strerror(errno));
	if (segs > 1 && !w->gro_seen) {
		w->gro_seen = 1;
		log_debugc(LOGC_ANYCONNECT, 1, "worker %u: tun offload: first joined TCP"
			   " packet to %s, %zu bytes from %u segments", w->id, w->tun_name,
			   n - TUNOFF_HDR, segs);
	}
}

static void on_gro_flush_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
	gro_write(p->data);
}

void worker_tun_write(struct worker *w, const uint8_t *pkt, size_t len)
{
	/* all zero: a plain packet whose checksums are complete */
	static uint8_t vnet_none[TUNOFF_HDR];
	struct iovec iov[2] = {
		{ .iov_base = vnet_none, .iov_len = sizeof(vnet_none) },
		{ .iov_base = (void *)(uintptr_t)pkt, .iov_len = len },
	};
	ssize_t r;

	if (w->tun < 0)
		return;
	io_busy(w);
	if (w->tun_vnet & IPC_TUN_TSO) {
		if (tunoff_gro_add(&w->gro, pkt, len))
			return;
		if (w->gro.len) {
			gro_write(w);
			if (tunoff_gro_add(&w->gro, pkt, len))
				return;
		}
	}
	r = w->tun_vnet ? writev(w->tun, iov, 2) : write(w->tun, pkt, len);
	if (r < 0 && errno != EAGAIN)
		log_debug("write to %s: %s", w->tun_name, strerror(errno));
}

/* One segment of a super packet (or the plain packet) goes its way like
 * any packet read from tun: route, vpn-filter, MTU, counters.  CSTP over
 * TLS queues a frame per segment in the tunnel's 64 KB output queue; a
 * 64 KB super packet would overflow it before the batch's end, so the
 * queued frames are flushed every SEG_FLUSH segments. */
enum { SEG_FLUSH = 16 };

static void on_tun_segment(void *arg, const uint8_t *pkt, size_t len)
{
	struct worker *w = arg;

	tunnel_on_tun_packet(w, pkt, len);
	if (w->n_tls_batch && ++w->seg_unflushed >= SEG_FLUSH) {
		tunnel_tun_batch_end(w);
		w->seg_unflushed = 0;
	}
}

/* Returns the packets it made of the read (0: dropped). */
static int tun_read_vnet(struct worker *w, size_t n)
{
	int segs = tunoff_rx(w->pkt, n, w->seg, on_tun_segment, w);

	if (segs < 0) {
		log_debug("%s: a packet with an unusable offload header (%zu bytes) dropped",
			  w->tun_name, n);
		return 0;
	}
	if (segs > 1 && !w->tso_seen) {
		w->tso_seen = 1;
		log_debugc(LOGC_ANYCONNECT, 1, "worker %u: tun offload: first TCP super packet"
			   " from %s, %zu bytes in %d segments", w->id, w->tun_name,
			   n - TUNOFF_HDR, segs);
	}
	return segs;
}

static void on_tun_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = io->data;

	/* The bound counts packets, not reads: a wake-up sends the clients
	 * no larger burst with super packets than without (64 super packets
	 * are up to 2,900 datagrams at once into one client's socket buffer,
	 * which drops what does not fit). */
	for (int pkts = 0; pkts < TUN_READS_PER_WAKE;) {
		ssize_t n = read(w->tun, w->pkt, sizeof(w->pkt));

		if (n <= 0)
			break;
		io_busy(w);
		if (w->tun_vnet) {
			int segs = tun_read_vnet(w, (size_t)n);

			pkts += segs > 0 ? segs : 1;
		} else {
			tunnel_on_tun_packet(w, w->pkt, (size_t)n);
			pkts++;
		}
	}
	tunnel_tun_batch_end(w);
	w->seg_unflushed = 0;
}

static void on_tun_fd(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_tun_fd t;

	if (ipc_dec_tun_fd(&t, buf, len) < 0 || !w->configured)
		fatalx("worker %u: bad TUN_FD from main", w->id);
	w->ipc_state = IPC_ST_READY;
	w->tun = fd;
	w->tun_vnet = t.vnet;
	if (w->tun_vnet & IPC_TUN_TSO) {
		ev_prepare_init(&w->gro_flush, on_gro_flush_cb);
		w->gro_flush.data = w;
		ev_prepare_start(w->loop, &w->gro_flush);
	}
	util_strlcpy(w->tun_name, t.ifname, sizeof(w->tun_name));
	util_nonblock(fd);
	ev_io_init(&w->tun_io, on_tun_cb, fd, EV_READ);
	w->tun_io.data = w;
	ev_io_start(w->loop, &w->tun_io);
}

static void on_conn_new(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_conn_new c;

	if (ipc_dec_conn_new(&c, buf, len) < 0)
		fatalx("worker %u: bad CONN_NEW from main", w->id);
	/* First, before the socket is read: main drops its copy. */
	struct ipc_conn_taken t = { .conn_id = c.conn_id };
	uint8_t out[16];

	worker_send(w, IPC_CONN_TAKEN, out, ipc_enc_conn_taken(&t, out, sizeof(out)));
	io_busy(w);
	conn_new(w, fd, &c);
}

/* sslvpnctl debug ...: main's levels of the debug classes. */
static void on_log_levels(struct worker *w, const uint8_t *buf, size_t len)
{
	struct ipc_log_levels l;

	if (ipc_dec_log_levels(&l, buf, len) < 0)
		fatalx("worker %u: bad LOG_LEVELS from main", w->id);
	for (int c = 0; c < LOGC__COUNT && c < l.levels_len; c++)
		log_class_set((enum log_class)c, l.levels[c]);
}

/* The ticket keys secmod made (tickets.c seals and opens with them). */
static void on_worker_tickets(struct worker *w, const uint8_t *buf, size_t len)
{
	struct ipc_worker_tickets m;
	struct tkeys t;

	if (ipc_dec_worker_tickets(&m, buf, len) < 0 || tkeys_decode(&t, m.keys, m.keys_len) < 0)
		fatalx("worker %u: bad WORKER_TICKETS from main", w->id);
	tls_tickets_set(&t, m.lifetime);
	OPENSSL_cleanse(&t, sizeof(t));
	OPENSSL_cleanse(&m, sizeof(m));
}

/* The WCFG_* messages of the configuration (read from WORKER_CONFIG's
 * memfd): each goes into w->wc; one that does not fit is main's bug. */
#define WCFG_ON(part)                                                        \
	static void on_wcfg_##part(struct worker *w, const uint8_t *buf, size_t len) \
	{                                                                    \
		if (wcfg_on_##part(&w->wc, buf, len) < 0)                    \
			fatalx("worker %u: WCFG_%s from main does not fit", w->id, #part); \
	}
WCFG_ON(general)
WCFG_ON(name)
WCFG_ON(ctx)
WCFG_ON(der)

static void on_worker_config(struct worker *w, const uint8_t *buf, size_t len, int fd);

/* Generated from msgs.def: each IPC_M2W row calls its handler, with the
 * descriptor when the row carries one. */
#define W_CALL_IPC_FD_NONE(fn) fn(w, buf, h->len)
#define W_CALL_IPC_FD_ONE(fn) fn(w, buf, h->len, fd)
#define W_CASE_IPC_M2W(name, fn, fdp) case IPC_##name: W_CALL_##fdp(fn); break;
#define W_CASE_IPC_W2M(name, fn, fdp)
#define W_CASE_IPC_M2S(name, fn, fdp)
#define W_CASE_IPC_S2M(name, fn, fdp)
#define W_CASE_IPC_W2S(name, fn, fdp)
#define W_CASE_IPC_S2W(name, fn, fdp)

/* main is trusted: a message the table does not allow now is a bug. */
static void dispatch(struct worker *w, const struct ipc_hdr *h,
		     const uint8_t *buf, int fd)
{
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_M2W, w->ipc_state, w->ipc_seen, h->type);

	if (v != IPC_ADMIT)
		fatalx("worker %u: %s from main refused in state %s: %s", w->id,
		       h->type < IPC__COUNT ? ipc_msgs[h->type].name : "unknown message",
		       ipc_state_name(w->ipc_state), ipc_verdict_name(v));
	ipc_seen_note(ipc_msgs, &w->ipc_seen, h->type);
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fdp, body, st, fl, fn) W_CASE_##dir(name, fn, fdp)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: fatalx("worker %u: unexpected message %u from main", w->id, h->type);
	}
}

/* The memfd main sealed (no write, no resize): its length and SHA-256 are
 * those WORKER_CONFIG announced, so what is dispatched is what main
 * encoded.  Mapped rather than read into a buffer: only the decoded pieces
 * reach our heap, and setup() wipes the key copies once the contexts hold
 * them. */
static const uint8_t *map_config(struct worker *w, int fd, const struct ipc_worker_config *m)
{
	int want = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
	uint8_t md[32];
	unsigned int mdlen = 0;
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size != m->len || m->len == 0 ||
	    (fcntl(fd, F_GET_SEALS) & want) != want || m->sha256_len != sizeof(md))
		fatalx("worker %u: WORKER_CONFIG: the memfd is not the sealed %u bytes announced",
		       w->id, m->len);
	p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		fatal("worker %u: WORKER_CONFIG: mmap", w->id);
	if (!EVP_Digest(p, m->len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md) ||
	    memcmp(md, m->sha256, sizeof(md)))
		fatalx("worker %u: WORKER_CONFIG: SHA-256 of the content differs", w->id);
	return p;
}

/* Every message in the memfd goes through ipc_admit and the dispatch, as
 * if it had come over the channel (we are STARTING: only WCFG_* pass). */
static void on_worker_config(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	struct ipc_worker_config m;
	const uint8_t *content, *payload;
	struct ipc_hdr h;
	struct rbuf r;
	int rc;

	if (ipc_dec_worker_config(&m, buf, len) < 0)
		fatalx("worker %u: bad WORKER_CONFIG from main", w->id);
	content = map_config(w, fd, &m);
	rbuf_init(&r, content, m.len);
	while ((rc = ipc_frame_next(&r, IPC_M2W, &h, &payload)) == 1)
		dispatch(w, &h, payload, -1);
	if (rc < 0 || wcfg_complete(&w->wc) < 0)
		fatalx("worker %u: WORKER_CONFIG: %s", w->id,
		       rc < 0 ? "a message breaks its row" : "incomplete");
	wauth_hash_profiles(&w->wc);
	munmap((void *)(uintptr_t)content, m.len);
	close(fd);
}

static void on_ipc_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = io->data;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	for (int i = 0; i < 64; i++) {
		int r = ipc_recv(w->ipc, IPC_M2W, &h, buf, sizeof(buf), &fd);

		if (r == 0 && errno == 0) {
			log_info("worker %u: main closed the channel; exiting", w->id);
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		if (r == 0)
			return;
		if (r < 0)
			fatal("worker %u: IPC from main", w->id);
		dispatch(w, &h, buf, fd);
	}
}

static void on_sigterm_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static int load_tls(struct worker *w)
{
	char err[512];

	const struct tls_material *t = &w->wc.tls;

	w->servers = calloc(t->n_ifaces, sizeof(*w->servers));
	if (!w->servers)
		return -1;
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct tls_mat_iface *ifc = &t->ifaces[i];
		struct tls_server *s = tls_server_assemble(t, i, err, sizeof(err));
		char hex[41], subj[256];

		if (!s) {
			log_warnx("interface %s: %s", ifc->name, err);
			return -1;
		}
		w->servers[i] = s;
		/* with tickets (tls_tickets_enable) a session lives as long as
		 * the ticket keys open it */
		if (w->wc.tls_session_timeout > 0 && !t->ticket_lifetime)
			SSL_CTX_set_timeout(s->ctx, w->wc.tls_session_timeout);
		if (w->id != 0)
			continue;  /* one line per interface is enough */
		util_hex(hex, s->sha1, 20, 1);
		X509_NAME_oneline(X509_get_subject_name(s->cert), subj, sizeof(subj));
		log_event(LM_IDENTITY_LOADED, ifc->name, subj,
			  s->trustpoint[0] ? s->trustpoint : "(temporary self-signed)", hex,
			  tls_server_first_clients(s));
		tls_server_log_others(s);
	}
	return 0;
}

/* Root is needed only to read keys; from here on the worker handles
 * untrusted bytes in the sandbox: the empty chroot main made, the
 * unprivileged user, no capabilities, the seccomp allowlist.  Nothing is
 * opened after this point (a reload starts new workers). */
static int enter_sandbox(struct worker *w)
{
	char who[32];
	const struct sandbox_spec sp = {
		.kind = SANDBOX_WORKER, .who = who, .root = w->wc.sandbox_root,
		.user = w->wc.user, .group = w->wc.group,
	};

	snprintf(who, sizeof(who), "worker %u", w->id);
	return sandbox_enter(&sp);
}

/* Test aid (SSLVPND_TEST_SECCOMP_PROBE, man sslvpnd(8)): worker 1 makes
 * the named call a few seconds into the sandbox.  Only a call: the
 * sandbox decides its fate like any other. */
static void on_probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	sandbox_probe((int)(intptr_t)t->data);
}

static void arm_probe(struct worker *w)
{
	static ev_timer probe;
	double delay = 3.;
	int nr = w->id == 1 ? sandbox_probe_nr("worker", &delay) : -1;

	if (nr < 0)
		return;
	ev_timer_init(&probe, on_probe_cb, delay, 0.);
	probe.data = (void *)(intptr_t)nr;
	ev_timer_start(w->loop, &probe);
}

/* Blocks until main's WORKER_CONFIG arrived and was applied: main sends
 * it right after starting us; 10 s without it is a broken main. */
static void receive_config(struct worker *w)
{
	uint64_t deadline = util_now_ms() + CONFIG_WAIT_MS;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	for (int turns = 0; turns < 64; turns++) {
		uint64_t now = util_now_ms();
		struct pollfd p = { .fd = w->ipc, .events = POLLIN };
		int r;

		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) == 0)
			break;
		r = ipc_recv(w->ipc, IPC_M2W, &h, buf, sizeof(buf), &fd);
		if (r < 0 || (r == 0 && errno == 0))
			fatal("worker %u: main's channel while waiting for the configuration", w->id);
		if (r == 0)
			continue;
		if (h.type != IPC_WORKER_CONFIG)
			fatalx("worker %u: %s from main before WORKER_CONFIG", w->id,
			       h.type < IPC__COUNT ? ipc_msgs[h.type].name : "unknown message");
		dispatch(w, &h, buf, fd);
		return;
	}
	fatalx("worker %u: no configuration from main within %d s; not starting", w->id,
	       CONFIG_WAIT_MS / 1000);
}

static int setup(struct worker *w, const struct wopts *o)
{
	const struct cfg_logging *lg = &w->wc.logging;

	log_init("sslvpnd-worker", o->foreground || !lg->to_syslog, lg->facility, lg->format,
		 o->debug ? o->debug : lg->debug);
	log_debug_events_set(lg->trap >= LOG_DEBUG);  /* a sink of main's wants 725008... */
	/* Its lines go to main, which writes them where its own go (local
	 * log, buffer, logging hosts); run by hand, it logs itself. */
	log_forward_set(LOG_FWD_WORKER_FD);
	if (tls_global_init() < 0 || wkey_init(w) < 0 || load_tls(w) < 0 || wdtls_init(w) < 0)
		return -1;
	w->configured = 1;
	return 0;
}

/* A cached TLS session (resumption; a 7962G resumes) holds the client's
 * parsed certificate chain, about 24 KB with its heap fragments.  It lives
 * as long as a session cookie (cookie-timeout, not libssl's 2 hours), and
 * libssl drops expired ones only every 255 handshakes, so after the last
 * phone is gone they are swept here, every SESS_SWEEP_MS. */
enum { SESS_SWEEP_MS = 5000, SESS_BYTES = 24576 };

static void sweep_sessions(struct worker *w, uint64_t now)
{
	static uint64_t last;

	if (now - last < SESS_SWEEP_MS)
		return;
	last = now;
	for (size_t i = 0; w->servers && i < w->wc.tls.n_ifaces; i++) {
		SSL_CTX *ctx = w->servers[i]->ctx;
		long before = SSL_CTX_sess_number(ctx);

		SSL_CTX_flush_sessions(ctx, (long)time(NULL));
		util_heap_freed((size_t)(before - SSL_CTX_sess_number(ctx)) * SESS_BYTES);
	}
}

/* Static scratch buffers and tables a burst made resident (S11): the
 * receive slots (1 MB), record buffers, the tun read buffer, and with no
 * connection left the lookup tables' buckets.  Given back every
 * SCRATCH_QUIET_TICKS ticks without a data packet: idle phones' DPD and
 * keepalives touch a page or two again, a few faults per period, never a
 * cost per packet under load (busy: nothing is released). */
enum { SCRATCH_QUIET_TICKS = 5 };

static void worker_scratch_rest(struct worker *w, int busy)
{
	if (busy) {
		w->scratch_quiet = 0;
		return;
	}
	if (++w->scratch_quiet % SCRATCH_QUIET_TICKS)
		return;
	wdtls_scratch_release();
	util_pages_release(w->pkt, sizeof(w->pkt));
	if (w->n_conns)
		return;
	util_pages_release(w->by_id, sizeof(w->by_id));
	util_pages_release(w->by_addr, sizeof(w->by_addr));
	util_pages_release(w->by_addr6, sizeof(w->by_addr6));
}

/* Counts of rate-limited log lines (log_event_rl) are told within a
 * second of their window's end; expired TLS sessions go, and what they,
 * closed connections and resting tunnels freed goes back to the kernel
 * (util_heap_tick). */
static void on_log_flush_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;
	uint64_t now = util_now_ms();
	int busy = w->busy; /* io_gather_tick clears it */

	log_rl_flush(now);
	io_gather_tick(w);
	worker_scratch_rest(w, busy);
	sweep_sessions(w, now);
	util_heap_freed(bufcache_tick(now));
	util_heap_tick(now);
}

/* First of every wake-up (highest priority): the clock of the packets
 * this wake-up handles (worker_now). */
static void on_wake_cb(struct ev_loop *loop, ev_check *c, int revents)
{
	struct worker *w = c->data;

	w->now_ms = util_now_ms();
}

int main(int argc, char **argv)
{
	static struct worker w;
	struct wopts o = { 0 };

	/* first: OpenSSL's allocator can only be set before it allocates */
	int cached = bufcache_install();

	log_init("sslvpnd-worker", 1, 0, LOG_FMT_ASA, 0);
	if (cached < 0)
		fatalx("worker: OpenSSL allocated before the worker could set its allocator");
	if (parse_opts(argc, argv, &o) < 0)
		fatalx("usage: sslvpnd-worker --id N [-d N] [-f] (started by sslvpnd, which"
		       " sends the configuration over fd 3)");
	w.id = o.id;
	w.ipc = IPC_FD;
	w.tun = -1;
	w.ipc_state = IPC_ST_STARTING;
	signal(SIGPIPE, SIG_IGN);
	if (util_nonblock(w.ipc) < 0)
		fatal("worker %u: IPC channel (fd 3) missing: start sslvpnd, not the worker", w.id);
	receive_config(&w);
	if (setup(&w, &o) < 0)
		fatalx("worker %u: setup failed", w.id);
	w.loop = ev_default_loop(EVFLAG_AUTO);
	if (!w.loop || enter_sandbox(&w) < 0)
		fatalx("worker %u: cannot enter the sandbox; not starting", w.id);
	arm_probe(&w);
	wkey_start(&w);
	wkey_arm_probe(&w);
	wforge_arm(&w);
	ev_io_init(&w.ipc_io, on_ipc_cb, w.ipc, EV_READ);
	w.ipc_io.data = &w;
	ev_io_start(w.loop, &w.ipc_io);
	w.now_ms = util_now_ms();
	ev_check_init(&w.wake, on_wake_cb);
	ev_set_priority(&w.wake, EV_MAXPRI);
	w.wake.data = &w;
	ev_check_start(w.loop, &w.wake);
	ev_unref(w.loop); /* it alone must not keep the loop running */
	ev_signal_init(&w.sigterm, on_sigterm_cb, SIGTERM);
	ev_signal_start(w.loop, &w.sigterm);
	/* A timer due sooner than this waits until then, gathering the
	 * tunnels' timers (conn.c timer_at) into one wake-up; readiness of a
	 * socket still wakes the loop at once. */
	ev_set_timeout_collect_interval(w.loop, TIMER_COLLECT_S);
	ev_timer_init(&w.log_flush, on_log_flush_cb, 1., 1.);
	w.log_flush.data = &w;
	ev_timer_start(w.loop, &w.log_flush);

	struct ipc_worker_ready r = { .worker_id = w.id };
	uint8_t buf[64];

	worker_send(&w, IPC_WORKER_READY, buf, ipc_enc_worker_ready(&r, buf, sizeof(buf)));
	ev_run(w.loop, 0);
	return 0;
}
