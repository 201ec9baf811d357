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
#include <openssl/evp.h>

#include "sslvpnd/aclfilter.h"
#include "sslvpnd/buf.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/http.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "bufcache.h"
#include "worker.h"

enum { HDRS_MAX = 8192, READS_PER_WAKE = 32, FILTER_LOG_INTERVAL_MS = 60000 };

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

/* ---- IPv6 addresses (ipv6 local pools): a second table, same shape */

static unsigned bucket6(const uint8_t a[16])
{
	uint32_t v;

	memcpy(&v, a + 12, 4);
	return bucket(v);
}

static void table6_add(struct worker *w, struct conn *c)
{
	unsigned b = bucket6(c->t.addr6);

	if (!c->t.has_addr6)
		return;
	c->hnext6 = w->by_addr6[b];
	w->by_addr6[b] = c;
}

static void table6_del(struct worker *w, struct conn *c)
{
	if (!c->t.has_addr6)
		return;
	for (struct conn **pp = &w->by_addr6[bucket6(c->t.addr6)]; *pp; pp = &(*pp)->hnext6)
		if (*pp == c) {
			*pp = c->hnext6;
			return;
		}
}

/* The tunnel a packet from tun goes to, by its destination address. */
static struct conn *tun_dest(struct worker *w, const uint8_t *pkt, size_t len)
{
	uint32_t dst;

	if (len >= 40 && (pkt[0] >> 4) == 6) {
		for (struct conn *c = w->by_addr6[bucket6(pkt + 24)]; c; c = c->hnext6)
			if (memcmp(c->t.addr6, pkt + 24, 16) == 0)
				return c;
		return NULL;
	}
	if (len < 20 || (pkt[0] >> 4) != 4)
		return NULL;
	memcpy(&dst, pkt + 16, 4);
	return table_get(w, dst);
}

/* X-CSTP-Address-IP6 goes only to clients that announce full IPv6 support
 * and list IPv6 among their address types (anyconnect-protocol.md 2.3),
 * and only on a link that can carry IPv6 (MTU >= 1280). */
int tunnel_client_ipv6(const struct http_request *req)
{
	const char *full = req ? http_header_get(req, "X-CSTP-Full-IPv6-Capability") : NULL;
	const char *types = req ? http_header_get(req, "X-CSTP-Address-Type") : NULL;

	return full && strcasecmp(full, "true") == 0 &&
	       (!types || strstr(types, "IPv6") || strstr(types, "ipv6"));
}

static int wants_ipv6(const struct http_request *req, const struct ipc_tunnel_rep *rp)
{
	return rp->plen6 && rp->mtu >= 1280 && tunnel_client_ipv6(req);
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
	char a[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], banner[3 * sizeof(rp->banner)];
	uint32_t rekey_s;
	const char *rekey = cstp_rekey_announce(rp->rekey_method, rp->rekey_time,
						SSL_version(c->ssl) >= TLS1_3_VERSION, &rekey_s);

	wbuf_printf(b, "HTTP/1.1 200 CONNECTED\r\n"
		       "X-CSTP-Version: 1\r\n"
		       "X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.\r\n");
	wbuf_printf(b, "X-CSTP-Address: %s\r\n", ip4(rp->addr, a));
	wbuf_printf(b, "X-CSTP-Netmask: %s\r\n", ip4(rp->netmask, a));
	if (c->t.has_addr6 && inet_ntop(AF_INET6, c->t.addr6, a6, sizeof(a6)))
		wbuf_printf(b, "X-CSTP-Address-IP6: %s/%u\r\n", a6, c->t.plen6);
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
		       "X-CSTP-Session-Timeout-Alert-Interval: %u\r\n",
		    rp->session_alert ? rp->session_alert : 60);
	opt_secs(b, "X-CSTP-Session-Timeout", rp->session_timeout);
	opt_secs(b, "X-CSTP-Session-Timeout-Remaining", rp->session_remaining);
	opt_secs(b, "X-CSTP-Idle-Timeout", rp->idle_timeout);
	opt_secs(b, "X-CSTP-Disconnected-Timeout", rp->disconnected_timeout);
	wbuf_printf(b, "X-CSTP-Keep: true\r\n"
		       "X-CSTP-Keepalive: %u\r\n"
		       "X-CSTP-DPD: %u\r\n"
		       "X-CSTP-Rekey-Time: %u\r\n"
		       "X-CSTP-Rekey-Method: %s\r\n"
		       "X-CSTP-MTU: %u\r\n"
		       "X-CSTP-Base-MTU: %u\r\n"
		       "X-CSTP-MSIE-Proxy-Lockdown: false\r\n"
		       "X-CSTP-Smartcard-Removal-Disconnect: true\r\n"
		       "X-CSTP-Routing-Filtering-Ignore: false\r\n"
		       "X-CSTP-Quarantine: false\r\n"
		       "X-CSTP-Disable-Always-On-VPN: false\r\n"
		       "X-CSTP-Client-Bypass-Protocol: %s\r\n"
		       "X-CSTP-TCP-Keepalive: true\r\n",
		    rp->keepalive, rp->dpd_client, rekey_s, rekey, rp->mtu, base_mtu,
		    rp->client_bypass ? "true" : "false");
	if (rp->custom_xml[0])
		wbuf_printf(b, "X-CSTP-Post-Auth-XML: %s\r\n", rp->custom_xml);
	wdtls_offer(c, c->req, rp, b);
	wcomp_offer(c, c->req, rp, b);
	wbuf_printf(b, "\r\n");
	return wbuf_ok(b);
}

/* ---- vpn-filter (src/policy/aclfilter.c has the ASA semantics) */

/* Built from the entries main sent with the names (main decided which
 * lists and read them from the session's snapshot): the worker's own copy
 * of the configuration is not renewed by a reload of access lists alone.
 * A filter that main refused or that cannot be built fails closed: the
 * tunnel comes up (the client would only retry) but passes nothing, and
 * the log says why (main logs its own refusals). */
static void filter_start(struct conn *c, const struct ipc_tunnel_rep *rp)
{
	struct tunnel_state *t = &c->t;
	unsigned flags = rp->filter_flags & IPC_FILTER_DENY_FIRST ? ACLF_DENY_FIRST : 0;
	char err[256], what[IPC_FILTER_MAX + 16], n[24];

	if (!rp->filter[0])
		return;
	if (rp->filter_flags & IPC_FILTER_CLOSED) {
		t->filter_closed = 1;
		return;
	}
	t->filter = aclfilter_build(rp->filter, rp->filter_e, rp->n_filter_e, flags, err,
				    sizeof(err));
	if (!t->filter) {
		t->filter_closed = 1;
		log_event(LM_VPN_FILTER_FAILED, t->group_policy, t->user, c->meta.peer, err);
		return;
	}
	snprintf(what, sizeof(what), "%s%s", rp->filter, flags ? " (deny-first)" : "");
	snprintf(n, sizeof(n), "%zu", aclfilter_size(t->filter));
	log_event(LM_VPN_FILTER_APPLIED, t->group_policy, t->user, c->meta.peer, what, n);
}

static const char *proto_name(int p, char buf[8])
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmp6";
	default: snprintf(buf, 8, "%d", p & 0xff); return buf;
	}
}

static void endpoint(char *buf, size_t len, const char *ifname, int af,
		     const uint8_t *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(af == 6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip)))
		util_strlcpy(ip, "?", sizeof(ip));
	snprintf(buf, len, "%s/%s(%u)", ifname, ip, port);
}

/* 106103's first hash code: the ASA's are opaque per-ACE values; ours is
 * the first 4 bytes of the SHA-1 of "LIST line N", stable while the entry
 * stays where it is.  The implicit deny has no entry: 0x0, as the second
 * code (the ASA's object-group expansion, which we do not have). */
static void ace_hash(char *buf, size_t len, const struct aclfilter_info *in)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char text[CFG_NAME_MAX + 24];
	int tl = snprintf(text, sizeof(text), "%s line %d", in->acl, in->line);

	if (in->implicit || tl < 0 ||
	    !EVP_Digest(text, (size_t)tl, md, &n, EVP_sha1(), NULL) || n < 4) {
		util_strlcpy(buf, "0x0", len);
		return;
	}
	snprintf(buf, len, "0x%08lx", (unsigned long)md[0] << 24 | (unsigned long)md[1] << 16 |
		 (unsigned long)md[2] << 8 | md[3]);
}

/* 100250 (ASA 106103), rate-limited per tunnel: the first denial at once,
 * then the denials of each FILTER_LOG_INTERVAL_MS summed in one line. */
static void filter_log(struct conn *c, const uint8_t *p, size_t len,
		       enum aclfilter_dir dir)
{
	struct tunnel_state *t = &c->t;
	uint64_t now = util_now_ms();
	const char *cside = c->meta.iface[0] ? c->meta.iface : "outside";
	/* the ASA names the network side by its inside interface, never
	 * the tunnel; we have no inside interface of our own to name */
	const char *nside = "inside";
	struct aclfilter_info in;
	char pr[8], src[CFG_NAME_MAX + INET6_ADDRSTRLEN + 16];
	char dst[sizeof(src)], hits[24], hash[16];

	t->filter_log_hits++;
	if (t->filter_log_ms && now - t->filter_log_ms < FILTER_LOG_INTERVAL_MS)
		return;
	aclfilter_explain(t->filter, p, len, dir, &in);
	endpoint(src, sizeof(src), dir == ACLF_UP ? cside : nside, in.af, in.src, in.sport);
	endpoint(dst, sizeof(dst), dir == ACLF_UP ? nside : cside, in.af, in.dst, in.dport);
	snprintf(hits, sizeof(hits), "%llu", (unsigned long long)t->filter_log_hits);
	ace_hash(hash, sizeof(hash), &in);
	log_event(LM_VPN_FILTER_DENIED, in.acl, proto_name(in.proto, pr), t->user, src, dst,
		  hits, t->filter_log_ms ? "60-second interval" : "first hit", hash, "0x0");
	t->filter_log_ms = now;
	t->filter_log_hits = 0;
}

/* 1 when the packet may pass.  Denials count per direction; packets the
 * filter cannot parse count as ordinary drops. */
static int filter_pass(struct conn *c, const uint8_t *p, size_t len,
		       enum aclfilter_dir dir)
{
	struct tunnel_state *t = &c->t;
	enum aclfilter_verdict v;

	if (!t->filter && !t->filter_closed)
		return 1;
	v = t->filter ? aclfilter_check(t->filter, p, len, dir) : ACLF_DENY;
	if (v == ACLF_PERMIT)
		return 1;
	t->last_drop_ms = worker_now(c->w);
	conn_traffic(c, t->last_drop_ms); /* denied packets are reported too */
	if (v == ACLF_MALFORMED) {
		t->drops++;
		return 0;
	}
	if (dir == ACLF_UP)
		t->filter_drops_in++;
	else
		t->filter_drops_out++;
	if (t->filter)
		filter_log(c, p, len, dir);
	return 0;
}

/* Two whole CSTP frames: a partial frame always leaves room for a read.
 * The buffer starts at one page (control frames and packets of a normal
 * MTU) and grows to the whole cap only for a longer frame (conn_in_room);
 * a resting tunnel has none (conn_rest_tick). */
enum { TUNNEL_IN_CAP = 2 * (CSTP_HDR_LEN + CSTP_MAX_PAYLOAD), TUNNEL_IN_FIRST = 4096 };
/* a resting tunnel's first buffer comes back from bufcache.c */
_Static_assert((int)TUNNEL_IN_FIRST == (int)BUFCACHE_IN, "bufcache keeps first input buffers");

int tunnel_start(struct conn *c, const struct ipc_tunnel_rep *rp)
{
	static uint8_t hdrs[HDRS_MAX];
	struct wbuf b;
	struct tunnel_state *t = &c->t;
	uint64_t now = util_now_ms();

	memset(t, 0, sizeof(*t));
	wdtls_reset(&t->dtls);
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
	t->has_addr6 = wants_ipv6(c->req, rp);
	memcpy(t->addr6, rp->addr6, 16);
	t->plen6 = rp->plen6;
	wbuf_init(&b, hdrs, sizeof(hdrs));
	/* The HTTP phase grew the input buffer only as far as its requests
	 * needed; CSTP reads whole frames. */
	if (conn_in_reserve(c, TUNNEL_IN_FIRST) < 0 || reply_headers(c, &b, rp, 1500) < 0) {
		wdtls_end(c);
		wcomp_end(c);
		wauth_send_status(c, 500, NULL);
		return -1;
	}
	log_debugc(LOGC_ANYCONNECT, 1, "conn %u: CONNECT of %s accepted: session %u, MTU %u, "
		   "keepalive %u, DPD %u, idle timeout %u s, DTLS %s", c->id, rp->username,
		   rp->session_id, rp->mtu, rp->keepalive, rp->dpd, rp->idle_timeout,
		   rp->dtls ? "allowed" : "off");
	/* An older tunnel of the same address in this worker was kicked
	 * before this reply (main orders the messages), so the slot is free. */
	c->state = CS_TUNNEL;
	SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS); /* busy from now on */
	/* one read() for many records, not two (header, body) per frame,
	 * and none after a short one (conn_read_watch) */
	SSL_set_read_ahead(c->ssl, 1);
	conn_read_watch(c);
	free(c->req);
	c->req = NULL;
	filter_start(c, rp);
	table_add(c->w, c);
	table6_add(c->w, c);
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
	c->t.last_tx_ms = worker_now(c->w);
	return 0;
}

/* Anti-spoofing: an IPv4 packet whose source is not the session's address
 * never reaches the tun device. */
static int packet6_ok(const struct conn *c, const uint8_t *p, size_t len)
{
	return c->t.has_addr6 && len >= 40 && 40 + ((size_t)p[4] << 8 | p[5]) <= len &&
	       memcmp(p + 8, c->t.addr6, 16) == 0;
}

static int packet_ok(const struct conn *c, const uint8_t *p, size_t len)
{
	if (len >= 1 && (p[0] >> 4) == 6)
		return packet6_ok(c, p, len); /* same rule for the IPv6 address */
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
	/* Denied traffic is no user data for the idle timeout. */
	if (!filter_pass(c, p, len, ACLF_UP))
		return;
	c->t.last_data_ms = worker_now(c->w);
	conn_traffic(c, c->t.last_data_ms);
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
		log_debugc(LOGC_ANYCONNECT, 1, "conn %u: DISCONNECT (%s)", c->id,
			   len ? cstp_bye_name(p[0]) : "no reason");
		return -1;
	case CSTP_COMPRESSED:
		if ((p = wcomp_unpack(c, 0, p, &len)))
			on_data(c, p, len, 0);
		else if (c->t.comp_failed)
			return -1;
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
	int i;

	for (i = 0; i < READS_PER_WAKE; i++) {
		if (conn_in_room(c, TUNNEL_IN_FIRST, TUNNEL_IN_CAP) < 0) {
			conn_close(c, "out of memory");
			return;
		}
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
		conn_in_got(c, (size_t)r);
		c->t.last_rx_ms = worker_now(w);
		c->t.dpd_pending = 0;
		if (parse_frames(c) < 0) {
			conn_close(c, c->t.comp_failed ? "malformed compressed packet"
						       : "tunnel ended by client");
			return;
		}
		/* The read() behind this record came back short (the socket is
		 * empty) and libssl holds nothing more: one more SSL_read would
		 * only be a read() that says EAGAIN, one system call per voice
		 * frame or keepalive.  Bytes still in the socket wake the
		 * (level-triggered) loop again. */
		if (conn_read_drained(c))
			break;
	}
	/* With read-ahead, records the bound left behind sit in libssl's
	 * buffer, not in the socket: poll would not wake us for them. */
	if (i == READS_PER_WAKE && SSL_has_pending(c->ssl))
		ev_feed_event(w->loop, &c->io, EV_READ);
	/* DPD answers queued above; a TLS 1.3 KeyUpdate answer may wait in
	 * the write buffer */
	if (worker_conn_by_id(w, id) && conn_out_pending(c))
		conn_flush(c);
}

void tunnel_on_dtls_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	if (c->t.comp_failed)
		return;         /* closing at the next timer */
	if (len < 1 || len - 1 > CSTP_MAX_PAYLOAD) {
		c->t.drops++;
		return;
	}
	uint8_t type = frame[0];
	const uint8_t *p = frame + 1;
	uint16_t plen = (uint16_t)(len - 1);

	wdtls_on_rx(c, type);
	c->t.last_rx_ms = worker_now(c->w);
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
		/* Not closed from inside the DTLS record loop: the timer
		 * does it at once. */
		if ((p = wcomp_unpack(c, 1, p, &plen)))
			on_data(c, p, plen, 1);
		else if (c->t.comp_failed)
			conn_set_timer(c, 0.0);
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
	st->filter_drops_in = t->filter_drops_in;
	st->filter_drops_out = t->filter_drops_out;
}

/* A packet to the client goes compressed when that was negotiated and
 * makes it smaller; over DTLS only if it would fit uncompressed (the
 * client sizes its buffers by the MTU). */
static int send_data_dtls(struct conn *c, const uint8_t *p, size_t len)
{
	size_t n = len;
	const uint8_t *z = len <= c->t.dtls.mtu ? wcomp_pack(c, 1, p, &n) : NULL;

	return z ? wdtls_send(c, CSTP_COMPRESSED, z, n) : wdtls_send(c, CSTP_DATA, p, len);
}

static int send_data_tls(struct conn *c, const uint8_t *p, size_t len)
{
	size_t n = len;
	const uint8_t *z = wcomp_pack(c, 0, p, &n);

	if (!z)
		return send_frame(c, CSTP_DATA, p, len);
	if (send_frame(c, CSTP_COMPRESSED, z, n) < 0) {
		wcomp_unsent(c);
		return -1;
	}
	return 0;
}

/* A tunnel that queued a frame in this tun batch is flushed once at its
 * end: its records leave in one send (wire.c) instead of one per packet.
 * The list holds ids, not pointers: nothing closes a tunnel between a
 * packet and the batch's end today, and a lookup keeps it so. */
static void tls_batch_add(struct worker *w, struct conn *c)
{
	if (c->t.in_tls_batch || c->want_write)
		return;         /* listed, or waiting for EV_WRITE anyway */
	if (w->n_tls_batch == TUN_READS_PER_WAKE) {
		conn_flush(c);  /* cannot happen: one packet, at most one entry */
		return;
	}
	conn_wire_buffer(c);
	c->t.in_tls_batch = 1;
	w->tls_batch[w->n_tls_batch++] = c->id;
}

void tunnel_tun_batch_end(struct worker *w)
{
	for (unsigned i = 0; i < w->n_tls_batch; i++) {
		struct conn *c = worker_conn_by_id(w, w->tls_batch[i]);

		if (!c)
			continue;
		c->t.in_tls_batch = 0;
		conn_flush(c);
	}
	w->n_tls_batch = 0;
}

void tunnel_on_tun_packet(struct worker *w, const uint8_t *pkt, size_t len)
{
	struct conn *c = tun_dest(w, pkt, len);

	if (!c || !filter_pass(c, pkt, len, ACLF_DOWN))
		return;
	if (send_data_dtls(c, pkt, len) == 0) {
		c->t.bytes_out += len;
		c->t.pkts_out++;
		c->t.dtls_bytes_out += len;
		c->t.dtls_pkts_out++;
		return;
	}
	if (len > CSTP_MAX_PAYLOAD || send_data_tls(c, pkt, len) < 0) {
		c->t.drops++;
		return;
	}
	c->t.bytes_out += len;
	c->t.pkts_out++;
	tls_batch_add(w, c);
}

/* Runs at the tunnel's next deadline (tunnel_next_due): server-side DPD
 * (3 x DPD of silence ends the tunnel, the session stays resumable),
 * keepalive, idle timeout on user data, the rest of quiet buffers. */
void tunnel_on_timer(struct conn *c)
{
	struct tunnel_state *t = &c->t;
	uint64_t now = util_now_ms();

	if (t->comp_failed) {
		conn_close(c, "malformed compressed packet");
		return;
	}
	wdtls_on_timer(c, now);
	wdtls_report(c, now);
	conn_rest_tick(c, now);
	if (t->idle_timeout && now - t->last_data_ms > (uint64_t)t->idle_timeout * 1000) {
		t->close_reason = IPC_CLOSE_IDLE;
		send_frame(c, CSTP_TERMINATE, NULL, 0);
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

uint64_t tunnel_next_due(const struct conn *c, uint64_t now)
{
	const struct tunnel_state *t = &c->t;
	uint64_t due = wdtls_next_due(c, now), d;

	if (t->idle_timeout && (d = t->last_data_ms + (uint64_t)t->idle_timeout * 1000 + 1) < due)
		due = d;
	if (t->dpd && (d = t->last_rx_ms + 3ull * t->dpd * 1000 + 1) < due)
		due = d;
	if (t->dpd && !t->dpd_pending && (d = t->last_rx_ms + (uint64_t)t->dpd * 1000 + 1) < due)
		due = d;
	return conn_rest_due(c, due);
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
	/* A replaced tunnel just goes away; a session the headend ends
	 * (logoff, session timeout, max logins) is a TERMINATE, as the ASA
	 * sends: the client exits instead of reconnecting with its cookie. */
	if (k.reason == IPC_KICK_REPLACED) {
		conn_close(c, "replaced by a new connection");
		return;
	}
	send_frame(c, CSTP_TERMINATE, NULL, 0);
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
	wcomp_end(c);
#define COPY_COUNTER(kind, f, n) m.f = st.f;
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
	table6_del(c->w, c);
	aclfilter_free(t->filter);
	t->filter = NULL;
	c->state = CS_CLOSING;
	worker_send(c->w, IPC_TUNNEL_CLOSED, buf,
		    ipc_enc_tunnel_closed(&m, buf, sizeof(buf)));
}
