/* Tun offload: completing partial checksums and cutting TCP super packets
 * into segments (include/sslvpnd/tunoff.h).  The header is the kernel's
 * struct virtio_net_hdr in host byte order (a tun without
 * TUNSETVNETLE/BE on a little-endian host: native). */
#include "config.h"

#include <string.h>

#include <linux/virtio_net.h>

#include "sslvpnd/tunoff.h"

enum { TH_FIN = 0x01, TH_PSH = 0x08, TH_CWR = 0x80, IPPROTO_TCP_ = 6 };

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* Summed in memory order, 32 bits at a time: RFC 1071's sum does not
 * depend on the byte order it is taken in, as long as the result is
 * stored back in the same order (put_sum). */
static uint64_t sum_raw(const uint8_t *p, size_t len, uint64_t s)
{
	uint32_t w;
	uint16_t h;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		s += h;
	}
	return s;
}

uint16_t tunoff_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint16_t r = (uint16_t)fold(sum_raw(p, len, sum));

	return r;
}

static void put_sum(uint8_t *at, uint64_t s)
{
	uint16_t v = (uint16_t)~fold(s);

	memcpy(at, &v, 2);
}

/* TUN_F_CSUM: the L4 checksum field holds the pseudo-header's sum; the
 * rest from csum_start on is still to be added. */
static int finish_csum(const struct virtio_net_hdr *h, uint8_t *p, size_t len)
{
	size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;

	if (start >= len || at + 2 > len)
		return -1;
	uint64_t s = sum_raw(p + start, len - start, 0);

	put_sum(p + at, s);
	return 0;
}

/* The pseudo-header of a TCP segment whose L4 part is l4len bytes. */
static uint64_t pseudo_sum(const uint8_t *ip, int v6, size_t l4len)
{
	uint8_t tail[8] = { 0 };
	uint64_t s = v6 ? sum_raw(ip + 8, 32, 0) : sum_raw(ip + 12, 8, 0);

	put32(tail, (uint32_t)l4len);
	tail[7] = IPPROTO_TCP_;
	return sum_raw(tail, sizeof(tail), s);
}

struct tso {
	const uint8_t *p;
	size_t l4, hl, payload, gso;
	int v6;
};

/* What a super packet must look like before it is cut: the IP version of
 * its GSO type, TCP, no IPv4 fragment, headers inside the packet. */
static int tso_check(struct tso *t, const struct virtio_net_hdr *h, const uint8_t *p,
		     size_t len)
{
	t->p = p;
	t->v6 = (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV6;
	t->l4 = h->csum_start;
	t->gso = h->gso_size;
	if (len < 20 || (p[0] >> 4) != (t->v6 ? 6 : 4) || t->gso == 0)
		return -1;
	if (t->v6 ? (t->l4 < 40 || (t->l4 == 40 && p[6] != IPPROTO_TCP_))
		  : (t->l4 != (size_t)(p[0] & 15) * 4 || t->l4 < 20 || p[9] != IPPROTO_TCP_ ||
		     (get16(p + 6) & 0x3fff)))
		return -1;
	if (t->l4 + 20 > len)
		return -1;
	t->hl = t->l4 + (size_t)(p[t->l4 + 12] >> 4) * 4;
	if (t->hl < t->l4 + 20 || t->hl > len || t->hl + t->gso > TUNOFF_SEG_MAX)
		return -1;
	t->payload = len - t->hl;
	return 0;
}

/* Segment i (payload from off, n bytes) of the super packet, in seg. */
static size_t tso_segment(const struct tso *t, uint8_t *seg, unsigned i, size_t off, size_t n)
{
	const uint8_t *th = t->p + t->l4;
	size_t total = t->hl + n;
	uint8_t flags = th[13];

	memcpy(seg, t->p, t->hl);
	memcpy(seg + t->hl, t->p + t->hl + off, n);
	if (t->v6) {
		put16(seg + 4, (uint16_t)(total - 40));
	} else {
		put16(seg + 2, (uint16_t)total);
		put16(seg + 4, (uint16_t)(get16(t->p + 4) + i));
		seg[10] = seg[11] = 0;
		put_sum(seg + 10, sum_raw(seg, t->l4, 0));
	}
	put32(seg + t->l4 + 4, get32(th + 4) + (uint32_t)off);
	if (off + n < t->payload)
		flags &= (uint8_t)~(TH_FIN | TH_PSH);
	if (i > 0)
		flags &= (uint8_t)~TH_CWR;
	seg[t->l4 + 13] = flags;
	seg[t->l4 + 16] = seg[t->l4 + 17] = 0;
	put_sum(seg + t->l4 + 16,
		sum_raw(seg + t->l4, total - t->l4, pseudo_sum(seg, t->v6, total - t->l4)));
	return total;
}

static int tso_split(const struct virtio_net_hdr *h, const uint8_t *p, size_t len,
		     uint8_t *seg, tunoff_emit_fn emit, void *arg)
{
	struct tso t;
	unsigned i = 0;

	if (tso_check(&t, h, p, len) < 0)
		return -1;
	if (t.payload == 0)
		return -1;  /* the kernel never sends a super packet without data */
	for (size_t off = 0; off < t.payload; off += t.gso, i++) {
		size_t n = t.payload - off < t.gso ? t.payload - off : t.gso;

		emit(arg, seg, tso_segment(&t, seg, i, off, n));
	}
	return (int)i;
}

int tunoff_rx(uint8_t *buf, size_t len, uint8_t *seg, tunoff_emit_fn emit, void *arg)
{
	struct virtio_net_hdr h;
	uint8_t *p = buf + TUNOFF_HDR;

	if (len <= TUNOFF_HDR)
		return -1;
	memcpy(&h, buf, sizeof(h));
	len -= TUNOFF_HDR;
	switch (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && finish_csum(&h, p, len) < 0)
			return -1;
		emit(arg, p, len);
		return 1;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return tso_split(&h, p, len, seg, emit, arg);
	default:
		return -1;  /* UDP (USO) or UFO: never asked for */
	}
}

/* ---- userspace GRO (upstream) ---- */

static const uint8_t ts_opt[4] = { 1, 1, 8, 10 };  /* NOP NOP TS len 10 */

struct seg_info {
	size_t l4, hl, payload;
	uint32_t seq;
	uint8_t v6, flags;
};

/* A segment that may join a train: see tunoff.h. */
static int gro_candidate(const uint8_t *p, size_t len, struct seg_info *s)
{
	size_t doff;

	if (len < 20)
		return 0;
	if ((p[0] >> 4) == 4) {
		if (p[0] != 0x45 || p[9] != IPPROTO_TCP_ || (get16(p + 6) & 0x3fff) ||
		    get16(p + 2) != len)
			return 0;
		s->v6 = 0;
		s->l4 = 20;
	} else if ((p[0] >> 4) == 6) {
		if (len < 60 || p[6] != IPPROTO_TCP_ || (size_t)get16(p + 4) + 40 != len)
			return 0;
		s->v6 = 1;
		s->l4 = 40;
	} else {
		return 0;
	}
	if (s->l4 + 20 > len)
		return 0;
	doff = (size_t)(p[s->l4 + 12] >> 4) * 4;
	if ((doff != 20 && doff != 32) || s->l4 + doff >= len)
		return 0;
	if (doff == 32 && memcmp(p + s->l4 + 20, ts_opt, sizeof(ts_opt)) != 0)
		return 0;
	s->flags = p[s->l4 + 13];
	if (s->flags != 0x10 && s->flags != (0x10 | TH_PSH))
		return 0;
	s->hl = s->l4 + doff;
	s->payload = len - s->hl;
	s->seq = get32(p + s->l4 + 4);
	/* the checksum the client computed must hold: once joined, the
	 * kernel only sees ours */
	return fold(sum_raw(p + s->l4, len - s->l4, pseudo_sum(p, s->v6, len - s->l4))) == 0xffff;
}

/* Every header byte equal but IPv4 length/id/checksum, TCP sequence,
 * flags (PSH) and checksum. */
static int same_flow(const struct tunoff_gro *g, const uint8_t *p, const struct seg_info *s)
{
	const uint8_t *h = g->buf + TUNOFF_HDR;

	if (s->v6 != g->v6 || s->hl != g->hl)
		return 0;
	if (s->v6 ? memcmp(h, p, 4) || memcmp(h + 6, p + 6, 34)
		  : h[1] != p[1] || memcmp(h + 6, p + 6, 4) || memcmp(h + 12, p + 12, 8))
		return 0;
	return !memcmp(h + s->l4, p + s->l4, 4) &&            /* ports */
	       !memcmp(h + s->l4 + 8, p + s->l4 + 8, 5) &&    /* ack, offset */
	       !memcmp(h + s->l4 + 14, p + s->l4 + 14, 2) &&  /* window */
	       !memcmp(h + s->l4 + 18, p + s->l4 + 18, s->hl - s->l4 - 18);
}

int tunoff_gro_add(struct tunoff_gro *g, const uint8_t *pkt, size_t len)
{
	struct seg_info s;

	if (!gro_candidate(pkt, len, &s))
		return 0;
	if (g->len == 0) {
		memcpy(g->buf + TUNOFF_HDR, pkt, len);
		g->len = len;
		g->l4 = s.l4;
		g->hl = s.hl;
		g->v6 = s.v6;
		g->gso = (uint16_t)s.payload;
		g->next_seq = s.seq + (uint32_t)s.payload;
		g->closed = g->psh = (s.flags & TH_PSH) != 0;
		g->segs = 1;
		return 1;
	}
	if (g->closed || s.seq != g->next_seq || s.payload > g->gso ||
	    g->len + s.payload > 65535 || !same_flow(g, pkt, &s))
		return 0;
	memcpy(g->buf + TUNOFF_HDR + g->len, pkt + s.hl, s.payload);
	g->len += s.payload;
	g->next_seq += (uint32_t)s.payload;
	g->segs++;
	if (s.payload < g->gso || (s.flags & TH_PSH)) {
		g->closed = 1;
		g->psh |= (s.flags & TH_PSH) != 0;
	}
	return 1;
}

size_t tunoff_gro_take(struct tunoff_gro *g, const uint8_t **out)
{
	struct virtio_net_hdr h = { 0 };
	uint8_t *p = g->buf + TUNOFF_HDR;
	size_t len = g->len;

	if (len == 0)
		return 0;
	if (g->segs > 1) {
		if (g->v6) {
			put16(p + 4, (uint16_t)(len - 40));
		} else {
			put16(p + 2, (uint16_t)len);
			p[10] = p[11] = 0;
			put_sum(p + 10, sum_raw(p, 20, 0));
		}
		if (g->psh)
			p[g->l4 + 13] |= TH_PSH;
		/* partial: the pseudo-header's sum, not inverted, as a NIC's
		 * GRO leaves it for CHECKSUM_PARTIAL */
		uint16_t ps = (uint16_t)fold(pseudo_sum(p, g->v6, len - g->l4));

		memcpy(p + g->l4 + 16, &ps, 2);
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.gso_type = g->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		h.hdr_len = (uint16_t)g->hl;
		h.gso_size = g->gso;
		h.csum_start = (uint16_t)g->l4;
		h.csum_offset = 16;
	}
	memcpy(g->buf, &h, sizeof(h));
	g->len = 0;
	*out = g->buf;
	return TUNOFF_HDR + len;
}
