/* The DTLS channel of a tunnel: negotiation at CONNECT, the UDP socket
 * main hands over with the first ClientHello, the handshake (DTLS 0.9 on
 * our own record layer, DTLS 1.2 and PSK-NEGOTIATE on libssl), the data
 * path and the choice of channel for downstream traffic.
 *
 * Downstream goes over DTLS while the channel is "active": established,
 * heard from recently, and the client itself still uses it.  It falls back
 * to TLS when DTLS goes silent (server-side DPD over DTLS unanswered) or
 * when the client sends data over TLS that would have fit DTLS (openconnect
 * and phones do that once their DTLS is dead), and comes back with the
 * next DTLS data or DPD from the client.  Upstream is accepted on both
 * channels at all times. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/dtls09.h"
#include "sslvpnd/dtls12.h"
#include "sslvpnd/dtlspath.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "worker.h"

enum {
	UDP_READS_PER_WAKE = 32,
	IPV4_UDP_HDRS = 28,
	IPV6_UDP_HDRS = 48,
	DEFAULT_BASE_MTU = 1500,
	DTLS_DPD_DEFAULT = 30,
};

/* Datagrams taken per recvmmsg: one system call for a burst of records
 * (S11).  A slot holds the largest UDP payload, so nothing is ever
 * truncated and the record layer judges every datagram as before; only
 * the pages a datagram lands on become resident (about one per slot). */
enum { RX_BATCH = 16, RX_SLOT = 65536 };

/* page-aligned: wdtls_scratch_release gives back whole slots */
static _Alignas(4096) uint8_t rx_slots[RX_BATCH][RX_SLOT];
static uint8_t frame_buf[DTLS09_MAX_FRAME + 64];  /* decrypted records */
static uint8_t tx_buf[DTLS09_MAX_FRAME + 256];    /* records to send */

static void tx_gso_init(void);

int wdtls_init(struct worker *w)
{
	char err[256];

	tx_gso_init();
	w->dtls12 = dtls12_ctx_new(w->wc.tls.cipher[CFG_DTLSV1_2], err, sizeof(err));
	if (!w->dtls12) {
		log_warnx("ssl cipher dtlsv1.2 \"%s\": %s",
			  w->wc.tls.cipher[CFG_DTLSV1_2], err);
		return -1;
	}
	return 0;
}

static const struct tls_mat_iface *conn_interface(const struct conn *c)
{
	const struct tls_material *t = &c->w->wc.tls;

	for (size_t i = 0; i < t->n_ifaces; i++)
		if (!strcmp(t->ifaces[i].name, c->meta.iface))
			return &t->ifaces[i];
	return NULL;
}

static uint16_t suite12_ok(const void *arg, const char *name)
{
	return dtls12_suite_id(arg, name);
}

static void send_stats(struct conn *c, uint8_t state)
{
	struct ipc_tunnel_stats st = { .conn_id = c->id, .session_id = c->t.session_id,
				       .dtls_state = state };
	struct wdtls *d = &c->t.dtls;
	uint8_t buf[IPC_MAX_MSG];

	util_strlcpy(st.dtls_mode, dtls_mode_name(d->mode), sizeof(st.dtls_mode));
	util_strlcpy(st.dtls_cipher, d->est && d->est->d12 ? dtls12_cipher(d->est->d12)
							    : d->suite,
		     sizeof(st.dtls_cipher));
	if (d->est) {
		/* the listing shows the path that carries traffic, not the
		 * address of the last hello */
		st.udp_src_port = d->est->peer_port;
		st.udp_dst_port = d->local_port;
	}
	tunnel_counters(c, &st);
	worker_send(c->w, IPC_TUNNEL_STATS, buf, ipc_enc_tunnel_stats(&st, buf, sizeof(buf)));
	conn_timer_rearm(c); /* a state change: DTLS DPD may be due sooner */
}

/* Every STATS_PERIOD seconds while the client sends data, main gets the
 * counters so `show vpn-sessiondb` shows them rising; an idle tunnel
 * costs nothing.  The period is cut by the wall-clock second, as the
 * tunnel has no field for the last report: wdtls_next_due wakes the
 * tunnel's timer at the next such second while data flows; a report
 * missed when the timer runs late comes 5 s later, and TUNNEL_CLOSED is
 * exact. */
enum { STATS_PERIOD = TUNNEL_STATS_PERIOD_MS / 1000 };

void wdtls_report(struct conn *c, uint64_t now)
{
	const struct wdtls *d = &c->t.dtls;
	uint64_t last = c->t.last_data_ms > c->t.last_drop_ms ? c->t.last_data_ms
							       : c->t.last_drop_ms;
	uint8_t state;

	/* Denied packets count as activity here: their counters must show. */
	if (now / 1000 % STATS_PERIOD || now - last >= STATS_PERIOD * 1000)
		return;
	if (d->mode == DTLS_MODE_NONE)
		state = IPC_DTLS_NONE;
	else if (d->est)
		state = d->active ? IPC_DTLS_UP : IPC_DTLS_FALLBACK;
	else
		state = IPC_DTLS_OFFERED; /* also after a failed handshake: the
					   * client may send a new hello */
	send_stats(c, state);
}

/* The UDP payload budget: the client's base MTU (its link) capped at
 * Ethernet, less the IP and UDP headers. */
static unsigned link_mtu(const struct conn *c, const struct http_request *req)
{
	const char *v = http_header_get(req, "X-CSTP-Base-MTU");
	unsigned long base = v ? strtoul(v, NULL, 10) : DEFAULT_BASE_MTU;

	if (base < 576 || base > DEFAULT_BASE_MTU)
		base = base < 576 ? 576 : DEFAULT_BASE_MTU;
	/* An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d and
	 * still pays only the IPv4 header. */
	int v6 = strchr(c->meta.peer, ':') && !strchr(c->meta.peer, '.');

	return (unsigned)base - (v6 ? IPV6_UDP_HDRS : IPV4_UDP_HDRS);
}

/* The largest packet (without the type byte) one DTLS record may carry. */
static uint16_t data_mtu(const struct wdtls *d, uint16_t tunnel_mtu)
{
	size_t m;

	if (d->mode == DTLS_MODE_09)
		m = dtls09_data_mtu(d->link_mtu);
	else if (d->mode == DTLS_MODE_12)
		m = dtls12_data_mtu_for(d->suite, d->link_mtu);
	else /* PSK: the suite is picked in the handshake; GCM is the worst case of the PSK list */
		m = dtls12_data_mtu_for("PSK-AES256-GCM-SHA384", d->link_mtu);
	m = m > 1 ? m - 1 : 0;
	return (uint16_t)(m < tunnel_mtu ? m : tunnel_mtu);
}

static void offer_headers(const struct conn *c, const struct ipc_tunnel_rep *rp,
			  struct wbuf *b)
{
	const struct wdtls *d = &c->t.dtls;
	const struct tls_mat_iface *ifc = conn_interface(c);
	char id[65];

	util_hex(id, d->id, sizeof(d->id), 1);
	if (d->mode == DTLS_MODE_PSK)
		wbuf_printf(b, "X-DTLS-App-ID: %s\r\nX-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", id);
	else
		wbuf_printf(b, "X-DTLS-Session-ID: %s\r\n%s: %s\r\nX-DTLS-MTU: %u\r\n", id,
			    d->mode == DTLS_MODE_12 && !d->legacy_header
				    ? "X-DTLS12-CipherSuite" : "X-DTLS-CipherSuite",
			    d->reply, d->mtu);
	wbuf_printf(b, "X-DTLS-Port: %u\r\nX-DTLS-Keepalive: %u\r\nX-DTLS-DPD: %u\r\n"
		       "X-DTLS-Rekey-Time: 172800\r\nX-DTLS-Rekey-Method: new-tunnel\r\n",
		    ifc ? ifc->dtls_port : 443, rp->keepalive, rp->dpd_client);
}

void wdtls_offer(struct conn *c, const struct http_request *req,
		 const struct ipc_tunnel_rep *rp, struct wbuf *b)
{
	struct wdtls *d = &c->t.dtls;
	const struct tls_material *t = &c->w->wc.tls;
	struct dtls_offer o = {
		.master_secret = http_header_get(req, "X-DTLS-Master-Secret"),
		.suites = http_header_get(req, "X-DTLS-CipherSuite"),
		.suites12 = http_header_get(req, "X-DTLS12-CipherSuite"),
	};
	struct dtls_policy p = {
		.enabled = rp->dtls && strlen(rp->dtls_id) == 2 * sizeof(d->id),
		.psk = 1, .tls_suite = SSL_get_cipher_name(c->ssl),
		.list09 = t->cipher[CFG_DTLSV1], .list12 = t->cipher[CFG_DTLSV1_2],
		.suite12_ok = suite12_ok, .suite12_arg = c->w->dtls12,
		.asa_offer09 = (rp->asa_compat & CFG_ASA_COMPAT_DTLS_CIPHER) != 0,
	};
	struct dtls_choice ch;
	struct tls_versions v;
	char offered[300];

	p.no09 = tls_versions_parse(t->server_version, &v) == 0 &&
		 v.dtls_min == DTLS1_2_VERSION;
	wdtls_reset(d);
	d->mode = DTLS_MODE_NONE;
	if (dtls_negotiate(&o, &p, &ch) == DTLS_MODE_NONE ||
	    util_unhex(d->id, sizeof(d->id), rp->dtls_id, strlen(rp->dtls_id)) < 0 ||
	    (ch.mode == DTLS_MODE_PSK && dtls12_psk_from_tls(c->ssl, d->psk) < 0)) {
		if (ch.why[0] || ch.mode != DTLS_MODE_NONE)
			log_event(LM_DTLS_NOT_OFFERED, c->t.group_policy, c->t.user,
				  c->meta.peer, ch.why[0] ? ch.why : "TLS exporter failed");
		OPENSSL_cleanse(&ch, sizeof(ch));
		return;
	}
	if (ch.asa_compat)
		log_event(LM_ASA_COMPAT_DTLS, c->t.group_policy, c->t.user, c->meta.peer,
			  ch.suite, p.tls_suite ? p.tls_suite : "-", o.suites);
	d->mode = ch.mode;
	memcpy(d->master, ch.master, sizeof(d->master));
	util_strlcpy(d->suite, ch.suite, sizeof(d->suite));
	util_strlcpy(d->reply, ch.reply, sizeof(d->reply));
	d->legacy_header = ch.legacy_header;
	d->suite_id = ch.suite_id;
	OPENSSL_cleanse(&ch, sizeof(ch));
	d->local_port = conn_interface(c) ? conn_interface(c)->dtls_port : 443;
	d->link_mtu = link_mtu(c, req);
	d->mtu = data_mtu(d, c->t.mtu);
	offer_headers(c, rp, b);
	snprintf(offered, sizeof(offered), "%s | %s", o.suites ? o.suites : "-",
		 o.suites12 ? o.suites12 : "-");
	log_event(LM_DTLS_OFFERED, c->t.group_policy, c->t.user, c->meta.peer,
		  dtls_mode_name(d->mode), d->suite, offered);
}

/* --- channels ------------------------------------------------------------ */

void wdtls_reset(struct wdtls *d)
{
	for (int i = 0; i < 2; i++)
		d->slot[i].fd = -1;
	d->est = d->cand = NULL;
}

/* UDP: a full socket buffer loses the datagram, as the network would;
 * ECONNREFUSED means the client's port is gone. */
static void tx_failed(struct wdtls_chan *ch, int err)
{
	struct conn *c = ch->c;
	struct wdtls *d = &c->t.dtls;

	c->t.drops++;
	if (err == ECONNREFUSED && ch == d->est && d->active) {
		d->active = 0;
		log_event(LM_DTLS_FALLBACK, c->t.group_policy, c->t.user, c->meta.peer,
			  "client UDP port unreachable");
	}
}

/* Records to send wait in txq until the loop is about to sleep (an
 * ev_prepare watcher), then go out with one sendmmsg per run of records
 * for the same socket: the tun loop reads up to TUN_READS_PER_WAKE packets
 * per wake-up, and one system call now carries a run of them (S11).  A
 * channel's records leave before its socket closes (chan_free flushes). */
enum { TX_BATCH = 32, TX_SLOT = 2048 };

static struct {
	uint8_t buf[TX_BATCH][TX_SLOT];
	struct wdtls_chan *ch[TX_BATCH];
	size_t len[TX_BATCH];
	int n;
	ev_prepare flush;
	struct ev_loop *loop;
} txq;

size_t wdtls_scratch_release(void)
{
	size_t n = util_pages_release(rx_slots, sizeof(rx_slots));

	n += util_pages_release(frame_buf, sizeof(frame_buf));
	n += util_pages_release(tx_buf, sizeof(tx_buf));
	/* records still queued for this wake-up's flush stay */
	n += util_pages_release(txq.buf[txq.n], sizeof(txq.buf) - (size_t)txq.n * TX_SLOT);
	return n;
}

/* UDP GSO (S11): a run of equal-size records to one socket (the segments
 * of a TCP super packet from tun, each sealed as a record) goes as one
 * sendmsg with UDP_SEGMENT: one trip through the UDP/IP output path, cut
 * by the kernel as late as it can.  The last record of the run may be
 * shorter.  A kernel or path that refuses (anything but a full socket)
 * turns it off for the worker, logged once at debug; the run then goes
 * through sendmmsg as before. */
enum { GSO_MAX_BYTES = 60000, GSO_MAX_SEGS = 64 };
static int tx_gso_off, tx_gso_seen;

static void tx_gso_init(void)
{
	/* the same switch as the tun offload (man sslvpnd(8)): the path of
	 * before, for comparisons */
	const char *off = getenv("SSLVPND_TEST_NO_TUN_OFFLOAD");

	tx_gso_off = off && *off && strcmp(off, "0") != 0;
}

static int gso_run(int i, int run)
{
	size_t seg = txq.len[i], total = 0;
	int k = 0;

	while (!tx_gso_off && k < run && k < GSO_MAX_SEGS && total + txq.len[i + k] <= GSO_MAX_BYTES) {
		size_t l = txq.len[i + k];

		if (l > seg)
			break;
		total += l;
		k++;
		if (l < seg)
			break;
	}
	return k;
}

static int tx_gso(int fd, struct iovec *iov, int k, size_t seg)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = (size_t)k,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	uint16_t gso = (uint16_t)seg;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
	if (sendmsg(fd, &mh, MSG_DONTWAIT) >= 0) {
		if (!tx_gso_seen) {
			tx_gso_seen = 1;
			log_debugc(LOGC_ANYCONNECT, 1, "DTLS: first UDP GSO send: %d records of %zu"
				   " bytes in one sendmsg", k, seg);
		}
		return 0;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
	    errno != ECONNREFUSED) {
		tx_gso_off = 1;
		log_debug("DTLS: UDP GSO refused (%s): one datagram per record from now on",
			  strerror(errno));
	}
	return -1;
}

static void tx_flush(void)
{
	struct mmsghdr m[TX_BATCH];
	struct iovec iov[TX_BATCH];
	int n = txq.n;

	txq.n = 0;
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ .iov_base = txq.buf[i], .iov_len = txq.len[i] };
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	/* Every pass sends or drops at least one record. */
	for (int i = 0; i < n;) {
		int fd = txq.ch[i]->fd, run = 1, sent;

		while (i + run < n && txq.ch[i + run]->fd == fd)
			run++;
		int k = gso_run(i, run);

		if (k >= 2 && tx_gso(fd, iov + i, k, txq.len[i]) == 0) {
			i += k;
			continue;
		}
		sent = sendmmsg(fd, m + i, (unsigned)run, MSG_DONTWAIT);
		if (sent <= 0) {
			tx_failed(txq.ch[i], sent < 0 ? errno : EAGAIN);
			i++;
		} else {
			i += sent;
		}
	}
}

static void tx_prepare_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
	(void)loop;
	(void)p;
	(void)revents;
	if (txq.n)
		tx_flush();
}

/* Room for one record of len bytes, or NULL when it is larger than a
 * slot (it then goes out alone, after what is queued). */
static uint8_t *tx_slot(struct wdtls_chan *ch, size_t len)
{
	if (!txq.loop) {
		txq.loop = ch->c->w->loop;
		ev_prepare_init(&txq.flush, tx_prepare_cb);
		ev_prepare_start(txq.loop, &txq.flush);
		/* the watcher alone must not keep the loop running */
		ev_unref(txq.loop);
	}
	if (txq.n == TX_BATCH || len > TX_SLOT)
		tx_flush();
	return len > TX_SLOT ? NULL : txq.buf[txq.n];
}

static void tx_commit(struct wdtls_chan *ch, size_t len)
{
	txq.ch[txq.n] = ch;
	txq.len[txq.n++] = len;
}

static void udp_send(struct wdtls_chan *ch, const uint8_t *p, size_t len)
{
	uint8_t *slot;

	/* Nothing may queue for a closed channel: the queue holds ch. */
	if (ch->fd < 0)
		return;
	slot = tx_slot(ch, len);
	if (slot) {
		memcpy(slot, p, len);
		tx_commit(ch, len);
	} else if (send(ch->fd, p, len, MSG_DONTWAIT) < 0) {
		tx_failed(ch, errno);
	}
}

static void d12_send_cb(void *arg, const uint8_t *pkt, size_t len)
{
	udp_send(arg, pkt, len);
}

static void established(struct wdtls_chan *ch);

/* Records only decrypt under the keys of a completed handshake: a frame
 * of either channel is the client's, and a candidate's first frame (in
 * the datagram of its Finished) proves it, so it is promoted before the
 * frame is handled and any answer goes back over the new path. */
static void d12_frame_cb(void *arg, const uint8_t *frame, size_t len)
{
	struct wdtls_chan *ch = arg;

	if (ch == ch->c->t.dtls.cand && dtls12_established(ch->d12))
		established(ch);
	tunnel_on_dtls_frame(ch->c, frame, len);
}

static uint64_t chan_bad(const struct wdtls_chan *ch)
{
	uint64_t n = 0;

	if (ch->d09) {
		const struct dtls09_stats *s = dtls09_stats(ch->d09);

		n += s->rx_bad_mac + s->rx_replay + s->rx_bad_epoch + s->rx_malformed;
	}
	if (ch->d12)
		n += dtls12_stats(ch->d12)->rx_dropped;
	return n;
}

static void chan_free(struct wdtls *d, struct wdtls_chan *ch, struct ev_loop *loop)
{
	d->bad_prev += chan_bad(ch);
	if (ch->fd >= 0) {
		tx_flush();
		ev_io_stop(loop, &ch->io);
		ev_timer_stop(loop, &ch->hs);
		close(ch->fd);
		ch->fd = -1;
	}
	dtls09_free(ch->d09);
	dtls12_free(ch->d12);
	ch->d09 = NULL;
	ch->d12 = NULL;
}

static struct dtlspath path_of(const struct wdtls *d)
{
	return (struct dtlspath){ .est = d->est != NULL, .cand = d->cand != NULL };
}

/* Carries out the actions of dtlspath_step() for ev; returns them.  A
 * hello's new channel (DTLSPATH_NEW_CAND) is filled in by the caller. */
static unsigned path_event(struct conn *c, enum dtlspath_ev ev)
{
	struct wdtls *d = &c->t.dtls;
	struct dtlspath p = path_of(d);
	unsigned act = dtlspath_step(&p, ev);

	if (act & DTLSPATH_FREE_CAND) {
		chan_free(d, d->cand, c->w->loop);
		d->cand = NULL;
	}
	if (act & DTLSPATH_FREE_EST) {
		chan_free(d, d->est, c->w->loop);
		d->est = NULL;
		d->active = d->dpd_pending = 0;
	}
	if (act & DTLSPATH_NEW_CAND)
		d->cand = d->slot[0].fd < 0 ? &d->slot[0] : &d->slot[1];
	if (act & DTLSPATH_PROMOTE) {
		d->est = d->cand;
		d->cand = NULL;
	}
	return act;
}

/* The client closed a channel (close_notify, alert): the tunnel goes on
 * over TLS (or the other channel); the master secret stays for the
 * client's next hello. */
static void closed(struct wdtls_chan *ch)
{
	struct conn *c = ch->c;
	struct wdtls *d = &c->t.dtls;

	if (ch != d->est) {
		path_event(c, DTLSPATH_CAND_FAILED);
		return;
	}
	log_event(LM_DTLS_DOWN, c->t.group_policy, c->t.user, ch->peer, "client closed DTLS");
	if (path_event(c, DTLSPATH_EST_CLOSED) & DTLSPATH_REPORT_DOWN)
		send_stats(c, IPC_DTLS_OFFERED);
}

/* A handshake that fails (or a channel that breaks) goes alone: a
 * candidate from another address never costs the established channel. */
static void fail(struct wdtls_chan *ch, const char *why)
{
	struct conn *c = ch->c;
	struct wdtls *d = &c->t.dtls;
	char peer[80];

	snprintf(peer, sizeof(peer), "%s:%u", ch->peer, ch->peer_port);
	log_event(LM_DTLS_HS_FAILED, c->t.group_policy, c->t.user, peer, why);
	if (path_event(c, ch == d->est ? DTLSPATH_EST_CLOSED : DTLSPATH_CAND_FAILED) &
	    DTLSPATH_REPORT_DOWN)
		send_stats(c, IPC_DTLS_FAILED);
}

/* The candidate's handshake completed (the client's Finished verified):
 * it becomes the tunnel's channel and the old path, if any, goes. */
static void established(struct wdtls_chan *ch)
{
	struct conn *c = ch->c;
	struct wdtls *d = &c->t.dtls;
	char port[8], why[96];

	if (ch != d->cand)
		return;
	if (d->est) {
		snprintf(why, sizeof(why), "client moved to %s port %u", ch->peer,
			 ch->peer_port);
		log_event(LM_DTLS_DOWN, c->t.group_policy, c->t.user, d->est->peer, why);
	}
	path_event(c, DTLSPATH_CAND_UP);
	d->active = 1;
	d->dpd_pending = 0;
	d->last_rx_ms = util_now_ms();
	ev_timer_stop(c->w->loop, &ch->hs);
	snprintf(port, sizeof(port), "%u", ch->peer_port);
	log_event(LM_DTLS_UP, c->t.group_policy, c->t.user, ch->peer,
		  dtls_mode_name(d->mode), ch->d12 ? dtls12_cipher(ch->d12) : d->suite, port);
	send_stats(c, IPC_DTLS_UP);
}

static void arm_hs_timer(struct wdtls_chan *ch)
{
	struct conn *c = ch->c;
	uint64_t now, at;

	/* an established channel's timer was stopped when it became so
	 * (established): nothing per record */
	if (ch == c->t.dtls.est)
		return;
	now = util_now_ms();
	at = ch->d09 ? dtls09_next_timeout(ch->d09) : dtls12_next_timeout(ch->d12, now);
	ev_timer_stop(c->w->loop, &ch->hs);
	if (at == UINT64_MAX)
		return;
	ev_timer_set(&ch->hs, at > now ? (double)(at - now) / 1000.0 : 0.001, 0.);
	ev_timer_start(c->w->loop, &ch->hs);
}

/* Feeds one datagram; returns -1 when the channel died in it. */
static int feed09(struct wdtls_chan *ch, const uint8_t *pkt, size_t len)
{
	struct dtls09_out o = { .tx = tx_buf, .tx_cap = sizeof(tx_buf),
				.frame = frame_buf, .frame_cap = sizeof(frame_buf) };

	for (size_t off = 0; off < len;) {
		int n = dtls09_handle(ch->d09, pkt + off, len - off, util_now_ms(), &o);

		if (n < 0) {
			fail(ch, n == DTLS09_ERR_HANDSHAKE ? "client Finished did not verify"
							   : "DTLS 0.9 internal error");
			return -1;
		}
		off += (size_t)n;
		if (o.events & DTLS09_EV_TX)
			udp_send(ch, o.tx, o.tx_len);
		if (o.events & DTLS09_EV_ESTABLISHED)
			established(ch);
		if (o.events & DTLS09_EV_FRAME)
			tunnel_on_dtls_frame(ch->c, o.frame, o.frame_len);
		if (o.events & DTLS09_EV_CLOSED) {
			closed(ch);
			return -1;
		}
	}
	return 0;
}

static int feed12(struct wdtls_chan *ch, const uint8_t *pkt, size_t len)
{
	int r = dtls12_input(ch->d12, pkt, len, util_now_ms());

	if (r < 0) {
		fail(ch, dtls12_error(ch->d12)[0] ? dtls12_error(ch->d12)
						  : "DTLS 1.2 handshake failed");
		return -1;
	}
	if (r & DTLS12_EV_ESTABLISHED)
		established(ch);
	if (r & DTLS12_EV_CLOSED) {
		closed(ch);
		return -1;
	}
	return 0;
}

static int feed(struct wdtls_chan *ch, const uint8_t *pkt, size_t len)
{
	int r = ch->d09 ? feed09(ch, pkt, len) : feed12(ch, pkt, len);

	if (r == 0)
		arm_hs_timer(ch);
	return r;
}

/* One recvmmsg: how many datagrams came (0: none or an error that ends
 * this wake-up). */
static int rx_batch(int fd, struct mmsghdr *m, struct iovec *iov)
{
	for (int i = 0; i < RX_BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = rx_slots[i], .iov_len = RX_SLOT };
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	for (int tries = 0; tries < 2; tries++) {
		int n = recvmmsg(fd, m, RX_BATCH, MSG_DONTWAIT, NULL);

		if (n >= 0)
			return n;
		if (errno != ECONNREFUSED)
			return 0;
		/* an ICMP error for an earlier send, reported once: read on */
	}
	return 0;
}

static void udp_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wdtls_chan *ch = io->data;
	struct mmsghdr m[RX_BATCH];
	struct iovec iov[RX_BATCH];

	(void)loop;
	(void)revents;
	for (int got = 0; got < UDP_READS_PER_WAKE;) {
		int n = rx_batch(ch->fd, m, iov);

		for (int i = 0; i < n; i++)
			if (feed(ch, rx_slots[i], m[i].msg_len) < 0)
				return;
		if (n < RX_BATCH)
			return;
		got += n;
	}
}

static void hs_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct wdtls_chan *ch = t->data;
	uint64_t now = util_now_ms();

	(void)loop;
	(void)revents;
	if (ch->d09) {
		int n = dtls09_timeout(ch->d09, now, tx_buf, sizeof(tx_buf));

		if (n < 0) {
			fail(ch, "no answer to the server flight");
			return;
		}
		if (n > 0)
			udp_send(ch, tx_buf, (size_t)n);
	} else if (ch->d12 && dtls12_timeout(ch->d12, now) < 0) {
		fail(ch, dtls12_error(ch->d12)[0] ? dtls12_error(ch->d12) : "handshake timed out");
		return;
	}
	arm_hs_timer(ch);
}

static int channel_new(struct conn *c, struct wdtls_chan *ch)
{
	struct wdtls *d = &c->t.dtls;

	switch (d->mode) {
	case DTLS_MODE_09:
		ch->d09 = dtls09_new(d->master, d->id, d->suite_id);
		return ch->d09 ? 0 : -1;
	case DTLS_MODE_12:
		ch->d12 = dtls12_new_resume(c->w->dtls12, d->master, d->id, d->suite,
					    d->link_mtu, d12_send_cb, d12_frame_cb, ch);
		return ch->d12 ? 0 : -1;
	case DTLS_MODE_PSK:
		ch->d12 = dtls12_new_psk(c->w->dtls12, d->psk, d->link_mtu, d12_send_cb,
					 d12_frame_cb, ch);
		return ch->d12 ? 0 : -1;
	default:
		return -1;
	}
}

void wdtls_on_hello(struct worker *w, const uint8_t *buf, size_t len, int fd)
{
	static struct ipc_dtls_hello h;

	if (fd < 0 || ipc_dec_dtls_hello(&h, buf, len) < 0)
		fatalx("worker %u: bad DTLS_HELLO from main", w->id);
	struct conn *c = worker_conn_by_id(w, h.conn_id);

	/* The tunnel may have ended while main routed the hello. */
	if (!c || c->state != CS_TUNNEL || c->t.session_id != h.session_id ||
	    c->t.dtls.mode == DTLS_MODE_NONE) {
		close(fd);
		return;
	}
	struct wdtls *d = &c->t.dtls;

	/* A hello from a new address/port: a fresh DTLS state beside the
	 * established channel (new randoms, new keys; dtls-openssl.md P11),
	 * which keeps serving the tunnel until this one proves the key. */
	if (d->est)
		log_debugc(LOGC_ANYCONNECT, 1, "conn %u: DTLS hello from %s port %u, "
			   "channel of %s port %u kept until it completes", c->id, h.peer,
			   h.peer_port, d->est->peer, d->est->peer_port);
	path_event(c, DTLSPATH_HELLO);
	struct wdtls_chan *ch = d->cand;

	ch->c = c;
	util_strlcpy(ch->peer, h.peer, sizeof(ch->peer));
	ch->peer_port = h.peer_port;
	ch->fd = fd;
	ev_io_init(&ch->io, udp_cb, fd, EV_READ);
	ch->io.data = ch;
	ev_init(&ch->hs, hs_cb);
	ch->hs.data = ch;
	if (channel_new(c, ch) < 0) {
		fail(ch, "cannot create the DTLS state");
		return;
	}
	ev_io_start(w->loop, &ch->io);
	feed(ch, h.hello, h.hello_len);
}

/* --- data path --------------------------------------------------------------- */

int wdtls_send(struct conn *c, uint8_t type, const uint8_t *p, size_t len)
{
	struct wdtls *d = &c->t.dtls;

	if (!d->est || !d->active || (type == CSTP_DATA && len > d->mtu) ||
	    len + 1 > sizeof(frame_buf))
		return -1;
	if (d->est->d09) {
		/* sealed in place, straight into the send queue when it fits */
		size_t rlen = dtls09_sealed_len(len + 1);
		uint8_t *slot = tx_slot(d->est, rlen), *out = slot ? slot : tx_buf;
		uint8_t *f = out + DTLS09_HDR_LEN + DTLS09_IV_LEN;
		int n;

		f[0] = type;
		memcpy(f + 1, p, len);
		n = dtls09_seal(d->est->d09, f, len + 1, out, slot ? TX_SLOT : sizeof(tx_buf));
		if (n < 0)
			return -1;
		if (slot)
			tx_commit(d->est, (size_t)n);
		else
			udp_send(d->est, tx_buf, (size_t)n);
		return 0;
	}
	frame_buf[0] = type;
	memcpy(frame_buf + 1, p, len);
	/* A DPD probe larger than the data MTU is refused by dtls12_send:
	 * the client learns the path MTU from that (P6). */
	return dtls12_send(d->est->d12, frame_buf, len + 1) == 0 ? 0 : -1;
}

static void deactivate(struct conn *c, const char *why)
{
	c->t.dtls.active = 0;
	log_event(LM_DTLS_FALLBACK, c->t.group_policy, c->t.user, c->meta.peer, why);
	send_stats(c, IPC_DTLS_FALLBACK);
}

void wdtls_on_tls_data(struct conn *c, size_t len)
{
	struct wdtls *d = &c->t.dtls;

	if (d->est && d->active && len <= d->mtu)
		deactivate(c, "client sends its data over TLS");
}

/* Any authentic DTLS record proves the channel; data or DPD from the client
 * also proves the client uses it, which reactivates a fallen-back channel. */
void wdtls_on_rx(struct conn *c, uint8_t type)
{
	struct wdtls *d = &c->t.dtls;

	d->last_rx_ms = worker_now(c->w);
	d->dpd_pending = 0;
	if (d->est && !d->active && (type == CSTP_DATA || type == CSTP_DPD_REQ)) {
		d->active = 1;
		log_event(LM_DTLS_BACK, c->t.group_policy, c->t.user, c->meta.peer);
		send_stats(c, IPC_DTLS_UP);
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The conditions of wdtls_report and wdtls_on_timer as times: each is
 * strict (>), hence the + 1. */
uint64_t wdtls_next_due(const struct conn *c, uint64_t now)
{
	const struct wdtls *d = &c->t.dtls;
	uint64_t dpd = (c->t.dpd ? c->t.dpd : DTLS_DPD_DEFAULT) * 1000ull;
	uint64_t last = c->t.last_data_ms > c->t.last_drop_ms ? c->t.last_data_ms
							       : c->t.last_drop_ms;
	uint64_t due = UINT64_MAX;

	if (now - last < STATS_PERIOD * 1000) /* the next period's first second */
		due = (now / (STATS_PERIOD * 1000) + 1) * (STATS_PERIOD * 1000);
	if (!d->est || !d->active)
		return due;
	due = earliest(due, d->last_rx_ms + 2 * dpd + 1000 + 1);
	return d->dpd_pending ? due : earliest(due, d->last_rx_ms + dpd + 1);
}

void wdtls_on_timer(struct conn *c, uint64_t now)
{
	struct wdtls *d = &c->t.dtls;
	uint64_t dpd = (c->t.dpd ? c->t.dpd : DTLS_DPD_DEFAULT) * 1000ull;

	if (!d->est || !d->active)
		return;
	if (now - d->last_rx_ms > 2 * dpd + 1000) {
		char why[64];

		snprintf(why, sizeof(why), "no DTLS record for %llu s",
			 (unsigned long long)((now - d->last_rx_ms) / 1000));
		deactivate(c, why);
		return;
	}
	if (now - d->last_rx_ms > dpd && !d->dpd_pending) {
		d->dpd_pending = 1;
		wdtls_send(c, CSTP_DPD_REQ, NULL, 0);
	}
}

uint64_t wdtls_bad(const struct conn *c)
{
	const struct wdtls *d = &c->t.dtls;
	uint64_t n = d->bad_prev;

	for (int i = 0; i < 2; i++)
		if (d->slot[i].fd >= 0)
			n += chan_bad(&d->slot[i]);
	return n;
}

void wdtls_end(struct conn *c)
{
	struct wdtls *d = &c->t.dtls;

	if (d->est) {
		log_event(LM_DTLS_DOWN, c->t.group_policy, c->t.user, d->est->peer,
			  "tunnel ended");
		/* The client learns DTLS is over from its own channel, as TLS
		 * gets its close_notify in conn.c: one datagram, on either
		 * DTLS 1.2 record path (ours or libssl's), queued now and
		 * flushed by chan_free before the socket closes.  DTLS 0.9
		 * has no close of its own.  Not active first: a send error
		 * now is no fallback to report (tx_failed). */
		d->active = 0;
		if (d->est->d12)
			(void)dtls12_close(d->est->d12);
	}
	for (int i = 0; i < 2; i++)
		if (d->slot[i].fd >= 0 || d->slot[i].d09 || d->slot[i].d12)
			chan_free(d, &d->slot[i], c->w->loop);
	d->est = d->cand = NULL;
	d->active = d->dpd_pending = 0;
	OPENSSL_cleanse(d->master, sizeof(d->master));
	OPENSSL_cleanse(d->psk, sizeof(d->psk));
}
