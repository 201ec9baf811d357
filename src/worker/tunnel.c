/* The CSTP tunnel: the CONNECT reply, frames from the client, packets from
 * the tun device, DPD/keepalive and idle timers, and the end of a tunnel.
 *
 * Packets from the client must carry the session's assigned address as
 * source (no spoofing other sessions); packets from tun go to the session
 * that owns the destination address. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/http.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "worker.h"

enum { HDRS_MAX = 8192, READS_PER_WAKE = 32 };

static unsigned bucket(uint32_t addr)
{
	return (ntohl(addr) * 2654435761u) >> 20 & (ADDR_BUCKETS - 1);
}

static void table_add(struct worker *w, struct conn *c)
{
	unsigned b = bucket(c->t.addr);

	c->hnext = w->by_addr[b];
	w->by_addr[b] = c;
}

static void table_del(struct worker *w, struct conn *c)
{
	for (struct conn **pp = &w->by_addr[bucket(c->t.addr)]; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
}

static struct conn *table_get(struct worker *w, uint32_t addr)
{
	for (struct conn *c = w->by_addr[bucket(addr)]; c; c = c->hnext)
		if (c->t.addr == addr)
			return c;
	return NULL;
}

static const char *ip4(uint32_t a, char *buf)
{
	struct in_addr in = { a };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static void opt_secs(struct wbuf *b, const char *name, uint32_t v)
{
	if (v)
		wbuf_printf(b, "%s: %u\r\n", name, v);
	else
		wbuf_printf(b, "%s: none\r\n", name);
}

/* Split tunnelling (anyconnect-protocol.md 2.3): IPv4 with a dotted mask,
 * IPv6 as prefix/length under the -IP6 header; then the split-dns domains,
 * one header each. */
static void routes(struct wbuf *b, const struct ipc_tunnel_rep *rp)
{
	const char *h = rp->split_mode == 1 ? "X-CSTP-Split-Include"
					    : "X-CSTP-Split-Exclude";
	char a[INET6_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	char dns[sizeof(rp->split_dns)], *save = NULL, *d;

	for (uint16_t i = 0; rp->split_mode && i < rp->n_split; i++)
		wbuf_printf(b, "%s: %s/%s\r\n", h, ip4(rp->split[i].addr, a),
			    ip4(rp->split[i].mask, m));
	for (uint16_t i = 0; rp->split_mode && i < rp->n_split6; i++)
		if (inet_ntop(AF_INET6, rp->split6[i].addr, a, sizeof(a)))
			wbuf_printf(b, "%s-IP6: %s/%u\r\n", h, a, rp->split6[i].plen);
	util_strlcpy(dns, rp->split_dns, sizeof(dns));
	for (d = strtok_r(dns, " ", &save); d; d = strtok_r(NULL, " ", &save))
		wbuf_printf(b, "X-CSTP-Split-DNS: %s\r\n", d);
}

/* Header spellings matter: openconnect compares the part after X-CSTP-
 * case-sensitively (anyconnect-protocol.md 2.3). */
static int reply_headers(struct conn *c, struct wbuf *b,
			 const struct ipc_tunnel_rep *rp, uint16_t base_mtu)
{
	char a[INET_ADDRSTRLEN], banner[3 * sizeof(rp->banner)];

	wbuf_printf(b, "HTTP/1.1 200 CONNECTED\r\n"
		       "X-CSTP-Version: 1\r\n"
		       "X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.\r\n");
	wbuf_printf(b, "X-CSTP-Address: %s\r\n", ip4(rp->addr, a));
	wbuf_printf(b, "X-CSTP-Netmask: %s\r\n", ip4(rp->netmask, a));
	for (uint8_t i = 0; i < rp->n_dns; i++)
		wbuf_printf(b, "X-CSTP-DNS: %s\r\n", ip4(rp->dns[i], a));
	for (uint8_t i = 0; i < rp->n_nbns; i++)
		wbuf_printf(b, "X-CSTP-NBNS: %s\r\n", ip4(rp->nbns[i], a));
	if (rp->default_domain[0])
		wbuf_printf(b, "X-CSTP-Default-Domain: %s\r\n", rp->default_domain);
	routes(b, rp);
	if (rp->banner[0] && http_percent_encode(banner, sizeof(banner), rp->banner) >= 0)
		wbuf_printf(b, "X-CSTP-Banner: %s\r\n", banner);
	wbuf_printf(b, "X-CSTP-Lease-Duration: 1209600\r\n"
		       "X-CSTP-Session-Timeout-Alert-Interval: 60\r\n");
	opt_secs(b, "X-CSTP-Session-Timeout", rp->session_timeout);
	opt_secs(b, "X-CSTP-Session-Timeout-Remaining", rp->session_remaining);
	opt_secs(b, "X-CSTP-Idle-Timeout", rp->idle_timeout);
	opt_secs(b, "X-CSTP-Disconnected-Timeout", rp->disconnected_timeout);
	wbuf_printf(b, "X-CSTP-Keep: true\r\n"
		       "X-CSTP-Keepalive: %u\r\n"
		       "X-CSTP-DPD: %u\r\n"
		       "X-CSTP-Rekey-Time: 172800\r\n"
		       "X-CSTP-Rekey-Method: new-tunnel\r\n"
		       "X-CSTP-MTU: %u\r\n"
		       "X-CSTP-Base-MTU: %u\r\n"
		       "X-CSTP-MSIE-Proxy-Lockdown: false\r\n"
		       "X-CSTP-Smartcard-Removal-Disconnect: true\r\n"
		       "X-CSTP-Routing-Filtering-Ignore: false\r\n"
		       "X-CSTP-Quarantine: false\r\n"
		       "X-CSTP-Disable-Always-On-VPN: false\r\n"
		       "X-CSTP-Client-Bypass-Protocol: %s\r\n"
		       "X-CSTP-TCP-Keepalive: true\r\n",
		    rp->keepalive, rp->dpd, rp->mtu, base_mtu,
		    rp->client_bypass ? "true" : "false");
	wdtls_offer(c, c->req, rp, b);
	wbuf_printf(b, "\r\n");
	return wbuf_ok(b);
}

int tunnel_start(struct conn *c, const struct ipc_tunnel_rep *rp)
{
	static uint8_t hdrs[HDRS_MAX];
	struct wbuf b;
	struct tunnel_state *t = &c->t;
	uint64_t now = util_now_ms();

	memset(t, 0, sizeof(*t));
	t->dtls.fd = -1;
	t->session_id = rp->session_id;
	t->addr = rp->addr;
	t->netmask = rp->netmask;
	t->mtu = rp->mtu;
	t->dpd = rp->dpd;
	t->keepalive = rp->keepalive;
	t->idle_timeout = rp->idle_timeout;
	t->last_rx_ms = t->last_tx_ms = t->last_data_ms = now;
	util_strlcpy(t->user, rp->username, sizeof(t->user));
	util_strlcpy(t->group_policy, rp->group_policy, sizeof(t->group_policy));
	wbuf_init(&b, hdrs, sizeof(hdrs));
	if (reply_headers(c, &b, rp, 1500) < 0) {
		wdtls_end(c);
		wauth_send_status(c, 500, NULL);
		return -1;
	}
	/* An older tunnel of the same address in this worker was kicked
	 * before this reply (main orders the messages), so the slot is free. */
	c->state = CS_TUNNEL;
	free(c->req);
	c->req = NULL;
	table_add(c->w, c);
	conn_queue(c, hdrs, b.len, NULL, 0);
	conn_set_timer(c, 1.0);
	conn_flush(c);
	return 0;
}

static int send_frame(struct conn *c, uint8_t type, const uint8_t *p, size_t len)
{
	uint8_t h[CSTP_HDR_LEN];

	cstp_hdr(h, type, (uint16_t)len);
	if (conn_queue(c, h, sizeof(h), p, len) < 0)
		return -1;
	c->t.last_tx_ms = util_now_ms();
	return 0;
}

/* Anti-spoofing: an IPv4 packet whose source is not the session's address
 * never reaches the tun device. */
static int packet_ok(const struct conn *c, const uint8_t *p, size_t len)
{
	if (len < 20 || (p[0] >> 4) != 4 || (p[0] & 15) < 5)
		return 0;
	size_t tot = (size_t)p[2] << 8 | p[3];
	uint32_t src;

	memcpy(&src, p + 12, 4);
	return tot <= len && tot >= 20 && src == c->t.addr;
}

static void on_data(struct conn *c, const uint8_t *p, uint16_t len, int dtls)
{
	if (!packet_ok(c, p, len)) {
		c->t.drops++;
		return;
	}
	c->t.bytes_in += len;
	c->t.pkts_in++;
	if (dtls) {
		c->t.dtls_bytes_in += len;
		c->t.dtls_pkts_in++;
	} else {
		wdtls_on_tls_data(c, len);
	}
	c->t.last_data_ms = util_now_ms();
	worker_tun_write(c->w, p, len);
}

static int on_frame(struct conn *c, uint8_t type, const uint8_t *p, uint16_t len)
{
	switch (type) {
	case CSTP_DATA:
		on_data(c, p, len, 0);
		break;
	case CSTP_DPD_REQ:
		send_frame(c, CSTP_DPD_RESP, p, len);
		break;
	case CSTP_DPD_RESP:
		c->t.dpd_pending = 0;
		break;
	case CSTP_DISCONNECT:
		c->t.close_reason = (len && p[0] == CSTP_BYE_USER) ? IPC_CLOSE_USER
								    : IPC_CLOSE_LOST;
		log_debug("conn %u: DISCONNECT (%s)", c->id,
			  len ? cstp_bye_name(p[0]) : "no reason");
		return -1;
	case CSTP_COMPRESSED:  /* never negotiated */
		c->t.drops++;
		break;
	default:               /* KEEPALIVE and unknown types: liveness only */
		break;
	}
	return 0;
}

static int parse_frames(struct conn *c)
{
	size_t off = 0;

	while (off < c->in_len) {
		uint8_t type;
		const uint8_t *payload;
		uint16_t plen;
		int n = cstp_parse(c->in + off, c->in_len - off, &type, &payload, &plen);

		if (n == 0)
			break;
		if (n < 0) {
			c->t.close_reason = IPC_CLOSE_PROTOCOL;
			return -1;
		}
		off += (size_t)n;
		if (on_frame(c, type, payload, plen) < 0)
			return -1;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return 0;
}

void tunnel_on_readable(struct conn *c)
{
	uint32_t id = c->id;
	struct worker *w = c->w;

	for (int i = 0; i < READS_PER_WAKE; i++) {
		ERR_clear_error(); /* see conn_ssl_error */
		int r = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));

		if (r <= 0) {
			int e = conn_ssl_error(c, r);

			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				break;
			if (!c->t.close_reason)
				c->t.close_reason = IPC_CLOSE_LOST;
			conn_close(c, "TLS closed");
			return;
		}
		c->in_len += (size_t)r;
		c->t.last_rx_ms = util_now_ms();
		c->t.dpd_pending = 0;
		if (parse_frames(c) < 0) {
			conn_close(c, "tunnel ended by client");
			return;
		}
	}
	if (worker_conn_by_id(w, id) && c->out.used)
		conn_flush(c);
}

void tunnel_on_dtls_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	if (len < 1 || len - 1 > CSTP_MAX_PAYLOAD) {
		c->t.drops++;
		return;
	}
	uint8_t type = frame[0];
	const uint8_t *p = frame + 1;
	uint16_t plen = (uint16_t)(len - 1);

	wdtls_on_rx(c, type);
	c->t.last_rx_ms = util_now_ms();
	c->t.dpd_pending = 0;
	switch (type) {
	case CSTP_DATA:
		on_data(c, p, plen, 1);
		break;
	case CSTP_DPD_REQ:
		/* Same payload back on the same channel: openconnect probes
		 * the DTLS MTU with these (dtls-openssl.md 2). */
		wdtls_send(c, CSTP_DPD_RESP, p, plen);
		break;
	case CSTP_COMPRESSED:
		c->t.drops++;
		break;
	default: /* DPD-RESP, KEEPALIVE, DISCONNECT of the DTLS channel alone */
		break;
	}
}

void tunnel_counters(const struct conn *c, struct ipc_tunnel_stats *st)
{
	const struct tunnel_state *t = &c->t;

	st->bytes_in = t->bytes_in;
	st->bytes_out = t->bytes_out;
	st->pkts_in = t->pkts_in;
	st->pkts_out = t->pkts_out;
	st->drops = t->drops;
	st->dtls_bytes_in = t->dtls_bytes_in;
	st->dtls_bytes_out = t->dtls_bytes_out;
	st->dtls_pkts_in = t->dtls_pkts_in;
	st->dtls_pkts_out = t->dtls_pkts_out;
	st->dtls_bad = wdtls_bad(c);
}

void tunnel_on_tun_packet(struct worker *w, const uint8_t *pkt, size_t len)
{
	uint32_t dst;

	if (len < 20 || (pkt[0] >> 4) != 4)
		return;  /* IPv6 arrives with the IPv6 pool work */
	memcpy(&dst, pkt + 16, 4);
	struct conn *c = table_get(w, dst);

	if (!c)
		return;
	if (wdtls_send(c, CSTP_DATA, pkt, len) == 0) {
		c->t.bytes_out += len;
		c->t.pkts_out++;
		c->t.dtls_bytes_out += len;
		c->t.dtls_pkts_out++;
		return;
	}
	if (len > CSTP_MAX_PAYLOAD || send_frame(c, CSTP_DATA, pkt, len) < 0) {
		c->t.drops++;
		return;
	}
	c->t.bytes_out += len;
	c->t.pkts_out++;
	if (!c->want_write)
		conn_flush(c);
}

/* Runs every second: server-side DPD (3 x DPD of silence ends the tunnel,
 * the session stays resumable), keepalive, idle timeout on user data. */
void tunnel_on_timer(struct conn *c)
{
	struct tunnel_state *t = &c->t;
	uint64_t now = util_now_ms();

	wdtls_on_timer(c, now);
	wdtls_report(c, now);
	if (t->idle_timeout && now - t->last_data_ms > (uint64_t)t->idle_timeout * 1000) {
		t->close_reason = IPC_CLOSE_IDLE;
		send_frame(c, CSTP_DISCONNECT, NULL, 0);
		c->close_after_flush = 1;
		conn_flush(c);
		return;
	}
	if (t->dpd && now - t->last_rx_ms > 3ull * t->dpd * 1000) {
		t->close_reason = IPC_CLOSE_DPD;
		conn_close(c, "dead peer (DPD)");
		return;
	}
	if (t->dpd && !t->dpd_pending && now - t->last_rx_ms > (uint64_t)t->dpd * 1000) {
		t->dpd_pending = 1;
		send_frame(c, CSTP_DPD_REQ, NULL, 0);
		conn_flush(c);
	}
}

void tunnel_on_kick(struct worker *w, const uint8_t *buf, size_t len)
{
	struct ipc_tunnel_kick k;

	if (ipc_dec_tunnel_kick(&k, buf, len) < 0)
		fatalx("worker %u: bad TUNNEL_KICK from main", w->id);
	struct conn *c = worker_conn_by_id(w, k.conn_id);

	if (!c || c->state != CS_TUNNEL || c->t.session_id != k.session_id)
		return;
	c->t.close_reason = IPC_CLOSE_KICKED;
	/* A replaced tunnel just goes away; an administrator's logoff tells
	 * the client, which then exits instead of reconnecting. */
	if (k.reason == IPC_KICK_REPLACED) {
		conn_close(c, "replaced by a new connection");
		return;
	}
	send_frame(c, CSTP_DISCONNECT, NULL, 0);
	c->close_after_flush = 1;
	conn_flush(c);
}

void tunnel_end(struct conn *c)
{
	struct tunnel_state *t = &c->t;
	struct ipc_tunnel_stats st;
	struct ipc_tunnel_closed m = {
		.conn_id = c->id, .session_id = t->session_id,
		.reason = t->close_reason ? t->close_reason : IPC_CLOSE_LOST,
	};
	uint8_t buf[256];
	char n[6][24];

	tunnel_counters(c, &st);
	wdtls_end(c);
#define COPY_COUNTER(kind, f) m.f = st.f;
	IPC_COUNTERS_F(COPY_COUNTER)
#undef COPY_COUNTER
	snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)(st.pkts_in - st.dtls_pkts_in));
	snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)(st.pkts_out - st.dtls_pkts_out));
	snprintf(n[2], sizeof(n[2]), "%llu", (unsigned long long)st.dtls_pkts_in);
	snprintf(n[3], sizeof(n[3]), "%llu", (unsigned long long)st.dtls_pkts_out);
	snprintf(n[4], sizeof(n[4]), "%llu", (unsigned long long)st.drops);
	snprintf(n[5], sizeof(n[5]), "%llu", (unsigned long long)st.dtls_bad);
	log_event(LM_TUNNEL_COUNTERS, t->group_policy, t->user, c->meta.peer,
		  n[0], n[1], n[2], n[3], n[4], n[5]);
	table_del(c->w, c);
	c->state = CS_CLOSING;
	worker_send(c->w, IPC_TUNNEL_CLOSED, buf,
		    ipc_enc_tunnel_closed(&m, buf, sizeof(buf)));
}
