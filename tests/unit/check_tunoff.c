/* Unit tests for tun offload (src/common/tunoff.c): TCP super packets as
 * the kernel hands them with IFF_VNET_HDR + TSO4/TSO6 are built here, cut,
 * and every segment is checked as a packet of its own, against a checksum
 * written independently (16-bit big-endian words, as RFC 1071 says). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>

#include "sslvpnd/tunoff.h"

enum { MAXSEG = 64, TH_FIN = 1, TH_SYN = 2, TH_PSH = 8, TH_ACK = 16, TH_CWR = 0x80 };

static uint8_t segbuf[TUNOFF_SEG_MAX];
static uint8_t got[MAXSEG][2048];
static size_t got_len[MAXSEG];
static int n_got;

static void collect(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	ck_assert_int_lt(n_got, MAXSEG);
	ck_assert_uint_le(len, sizeof(got[0]));
	memcpy(got[n_got], p, len);
	got_len[n_got++] = len;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)(v >> 16)); wr16(p + 2, (uint16_t)v); }

static uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* 0xffff when the checksum stored in the data is right */
static uint16_t l4_check(const uint8_t *ip, size_t len, int v6, uint8_t proto)
{
	size_t l4 = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
	uint32_t s = v6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);

	s += proto + (uint32_t)(len - l4);
	return ref_fold(ref_sum(ip + l4, len - l4, s));
}

static void vnet(uint8_t *buf, uint8_t type, uint16_t gso, uint16_t start, uint16_t off)
{
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = type, .gso_size = gso,
		.csum_start = start, .csum_offset = off,
	};

	h.hdr_len = (uint16_t)(start + 32);
	memcpy(buf, &h, sizeof(h));
}

/* A TCP super packet behind a vnet header: IPv4 (id 0x1234) or IPv6,
 * TCP with the timestamp option (32-byte header), payload bytes i*7, seq
 * 0xfffff000 (wraps), the checksum field holding only the pseudo-header
 * sum (as the kernel leaves it). */
static size_t super(uint8_t *buf, int v6, size_t payload, uint16_t gso, uint8_t flags)
{
	uint8_t *ip = buf + TUNOFF_HDR;
	size_t l4 = v6 ? 40 : 20, hl = l4 + 32, len = hl + payload;

	memset(ip, 0, hl);
	if (v6) {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(len - 40));
		ip[6] = 6;
		ip[7] = 64;
		memset(ip + 8, 0x20, 16);
		memset(ip + 24, 0x30, 16);
	} else {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)len);
		wr16(ip + 4, 0x1234);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\xc6\x12\x01\x01\xc6\x12\x64\x02", 8);
	}
	uint8_t *th = ip + l4;

	wr16(th, 5201);
	wr16(th + 2, 40000);
	wr32(th + 4, 0xfffff000u);
	wr32(th + 8, 77);
	th[12] = 8 << 4;
	th[13] = flags;
	wr16(th + 14, 501);
	memcpy(th + 20, "\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02", 12);
	for (size_t i = 0; i < payload; i++)
		ip[hl + i] = (uint8_t)(i * 7);
	vnet(buf, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, gso, (uint16_t)l4, 16);
	return TUNOFF_HDR + len;
}

static void check_segments(int v6, size_t payload, uint16_t gso, uint8_t flags)
{
	static uint8_t buf[TUNOFF_HDR + 65536];
	size_t len = super(buf, v6, payload, gso, flags), l4 = v6 ? 40 : 20, hl = l4 + 32;
	int want = (int)((payload + gso - 1) / gso);
	size_t off = 0;

	n_got = 0;
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), want);
	ck_assert_int_eq(n_got, want);
	for (int i = 0; i < n_got; i++) {
		const uint8_t *p = got[i], *th = p + l4;
		size_t n = got_len[i] - hl;
		int last = i == n_got - 1;

		ck_assert_uint_eq(n, last ? payload - off : gso);
		if (v6) {
			ck_assert_uint_eq(be16(p + 4), got_len[i] - 40);
		} else {
			ck_assert_uint_eq(be16(p + 2), got_len[i]);
			ck_assert_uint_eq(be16(p + 4), 0x1234 + i);
			ck_assert_uint_eq(ref_fold(ref_sum(p, 20, 0)), 0xffff);
		}
		ck_assert_uint_eq(be32(th + 4), 0xfffff000u + (uint32_t)off);
		ck_assert_uint_eq(be32(th + 8), 77);
		ck_assert_uint_eq(th[13] & (TH_FIN | TH_PSH), last ? flags & (TH_FIN | TH_PSH) : 0);
		ck_assert_uint_eq(th[13] & TH_CWR, i == 0 ? flags & TH_CWR : 0);
		ck_assert_uint_eq(th[13] & TH_ACK, TH_ACK);
		ck_assert_uint_eq(l4_check(p, got_len[i], v6, 6), 0xffff);
		for (size_t k = 0; k < n; k++)
			ck_assert_uint_eq(p[hl + k], (uint8_t)((off + k) * 7));
		off += n;
	}
	ck_assert_uint_eq(off, payload);
}

START_TEST(tso4)
{
	check_segments(0, 5000, 1388, TH_ACK | TH_PSH);
	check_segments(0, 65000, 1448, TH_ACK | TH_PSH | TH_FIN | TH_CWR);
	check_segments(0, 2 * 1300, 1300, TH_ACK);  /* exact multiple */
	check_segments(0, 1301, 1300, TH_ACK | TH_PSH); /* odd last byte */
}
END_TEST

START_TEST(tso6)
{
	check_segments(1, 7001, 1228, TH_ACK | TH_PSH | TH_FIN);
	check_segments(1, 64000, 1428, TH_ACK | TH_CWR);
}
END_TEST

/* A plain UDP packet with a partial checksum (TUN_F_CSUM): completed in
 * place, nothing else changes. */
START_TEST(partial_csum)
{
	uint8_t buf[TUNOFF_HDR + 20 + 8 + 33];
	uint8_t *ip = buf + TUNOFF_HDR;
	size_t len = 20 + 8 + 33;
	uint32_t ps;

	memset(ip, 0, len);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)len);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xc6\x12\x01\x01\xc6\x12\x64\x02", 8);
	wr16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20, 0)));
	wr16(ip + 20, 5060);
	wr16(ip + 22, 5060);
	wr16(ip + 24, 8 + 33);
	for (int i = 0; i < 33; i++)
		ip[28 + i] = (uint8_t)(i + 1);
	ps = ref_sum(ip + 12, 8, 0) + 17 + 8 + 33;
	wr16(ip + 26, ref_fold(ps)); /* the kernel's seed: pseudo-header, not inverted */
	vnet(buf, VIRTIO_NET_HDR_GSO_NONE, 0, 20, 6);
	n_got = 0;
	ck_assert_int_eq(tunoff_rx(buf, sizeof(buf), segbuf, collect, NULL), 1);
	ck_assert_uint_eq(got_len[0], len);
	ck_assert_uint_eq(l4_check(got[0], len, 0, 17), 0xffff);
	ck_assert_mem_eq(got[0], ip, 26);
	/* no NEEDS_CSUM: untouched */
	memset(buf, 0, TUNOFF_HDR);
	n_got = 0;
	ck_assert_int_eq(tunoff_rx(buf, sizeof(buf), segbuf, collect, NULL), 1);
	ck_assert_mem_eq(got[0], ip, len);
}
END_TEST

/* What the kernel should never send, and must not be cut on trust. */
START_TEST(refused)
{
	static uint8_t buf[TUNOFF_HDR + 8000];
	size_t len;
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)buf;

	n_got = 0;
	len = super(buf, 0, 3000, 1000, TH_ACK);
	h->gso_type = VIRTIO_NET_HDR_GSO_UDP;        /* never asked for */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 0, 3000, 0, TH_ACK);        /* no segment size */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 0, 3000, 1000, TH_ACK);
	buf[TUNOFF_HDR + 6] = 0x20;                  /* IPv4 fragment (MF) */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 1, 3000, 1000, TH_ACK);     /* v6 header, v4 type */
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 0, 3000, 1000, TH_ACK);
	buf[TUNOFF_HDR + 9] = 17;                    /* not TCP */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 0, 0, 1000, TH_ACK);        /* no payload */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	len = super(buf, 0, 100, 1000, TH_ACK);
	vnet(buf, VIRTIO_NET_HDR_GSO_NONE, 0, 20, (uint16_t)len); /* offset out */
	ck_assert_int_eq(tunoff_rx(buf, len, segbuf, collect, NULL), -1);
	ck_assert_int_eq(tunoff_rx(buf, TUNOFF_HDR, segbuf, collect, NULL), -1);
	ck_assert_int_eq(n_got, 0);
}
END_TEST

/* The segments of a super packet, as a client's stack sends them: each
 * with a valid checksum (tunoff_rx is checked above to make them so). */
static int make_train(int v6, size_t payload, uint16_t gso, uint8_t flags)
{
	static uint8_t buf[TUNOFF_HDR + 65536];

	n_got = 0;
	return tunoff_rx(buf, super(buf, v6, payload, gso, flags), segbuf, collect, NULL);
}

static struct tunoff_gro gro;
static uint8_t train[MAXSEG][2048];
static size_t train_len[MAXSEG];

static int keep_train(void)
{
	memcpy(train, got, sizeof(train));
	memcpy(train_len, got_len, sizeof(train_len));
	return n_got;
}

/* Joined, then cut again by tunoff_rx: the very segments sent. */
static void round_trip(int v6, size_t payload, uint16_t gso, uint8_t flags)
{
	int n = (make_train(v6, payload, gso, flags), keep_train());
	const uint8_t *out;
	struct virtio_net_hdr h;
	size_t len;
	static uint8_t copy[TUNOFF_HDR + 65536];

	for (int i = 0; i < n; i++)
		ck_assert_int_eq(tunoff_gro_add(&gro, train[i], train_len[i]), 1);
	len = tunoff_gro_take(&gro, &out);
	ck_assert_uint_eq(gro.len, 0);
	ck_assert_uint_eq(len, TUNOFF_HDR + (v6 ? 40 : 20) + 32 + payload);
	memcpy(&h, out, sizeof(h));
	ck_assert_uint_eq(h.gso_type, n > 1 ? (v6 ? VIRTIO_NET_HDR_GSO_TCPV6
						  : VIRTIO_NET_HDR_GSO_TCPV4)
					    : VIRTIO_NET_HDR_GSO_NONE);
	if (n > 1) {
		ck_assert_uint_eq(h.gso_size, gso);
		ck_assert_uint_eq(h.csum_start, v6 ? 40 : 20);
		ck_assert_uint_eq(h.csum_offset, 16);
		ck_assert_uint_eq(h.hdr_len, (v6 ? 40 : 20) + 32);
		ck_assert_uint_eq(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		if (!v6)
			ck_assert_uint_eq(ref_fold(ref_sum(out + TUNOFF_HDR, 20, 0)), 0xffff);
	}
	memcpy(copy, out, len);
	n_got = 0;
	ck_assert_int_eq(tunoff_rx(copy, len, segbuf, collect, NULL), n);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(got_len[i], train_len[i]);
		ck_assert_mem_eq(got[i], train[i], got_len[i]);
	}
}

START_TEST(gro_joins)
{
	round_trip(0, 20000, 1388, TH_ACK | TH_PSH);
	round_trip(0, 1388 * 3, 1388, TH_ACK);
	round_trip(1, 9000, 1228, TH_ACK | TH_PSH);
	round_trip(0, 500, 1388, TH_ACK);          /* one segment: as it is */
}
END_TEST

/* What must not join, and what must stay as it is. */
START_TEST(gro_refuses)
{
	const uint8_t *out;
	int n;

	n = (make_train(0, 5000, 1000, TH_ACK), keep_train());
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(tunoff_gro_add(&gro, train[0], train_len[0]), 1);
	ck_assert_int_eq(tunoff_gro_add(&gro, train[2], train_len[2]), 0); /* gap */
	ck_assert_int_eq(tunoff_gro_add(&gro, train[1], train_len[1]), 1);
	train[2][20 + 16] ^= 1;                                          /* checksum */
	ck_assert_int_eq(tunoff_gro_add(&gro, train[2], train_len[2]), 0);
	train[2][20 + 16] ^= 1;
	train[2][20 + 14] ^= 1;                                  /* other window */
	ck_assert_int_eq(tunoff_gro_add(&gro, train[2], train_len[2]), 0);
	train[2][20 + 14] ^= 1;
	ck_assert_int_eq(tunoff_gro_add(&gro, train[2], train_len[2]), 1);
	ck_assert_uint_eq(tunoff_gro_take(&gro, &out), TUNOFF_HDR + 52 + 3000);
	ck_assert_uint_eq(tunoff_gro_take(&gro, &out), 0);

	/* a shorter segment ends the train; so does PSH */
	n = (make_train(0, 2500, 1000, TH_ACK | TH_PSH), keep_train());
	ck_assert_int_eq(tunoff_gro_add(&gro, train[2], train_len[2]), 1);
	ck_assert_int_eq(tunoff_gro_add(&gro, train[0], train_len[0]), 0);
	tunoff_gro_take(&gro, &out);
	n = (make_train(0, 3000, 1000, TH_ACK | TH_PSH), keep_train());
	train[0][33] |= TH_PSH;  /* PSH on the first: recompute its checksum */
	train[0][36] = train[0][37] = 0;
	{
		uint16_t c = (uint16_t)~l4_check(train[0], train_len[0], 0, 6);

		wr16(train[0] + 36, c);
	}
	ck_assert_int_eq(tunoff_gro_add(&gro, train[0], train_len[0]), 1);
	ck_assert_int_eq(tunoff_gro_add(&gro, train[1], train_len[1]), 0);
	tunoff_gro_take(&gro, &out);

	/* not candidates at all: SYN, an option other than timestamps, an
	 * IPv4 option, no payload */
	uint8_t p[128];

	memcpy(p, train[1], 100);
	wr16(p + 2, 100);
	p[33] = TH_SYN | TH_ACK;
	ck_assert_int_eq(tunoff_gro_add(&gro, p, 100), 0);
	p[33] = TH_ACK;
	p[40] = 2;               /* MSS where the timestamps were */
	ck_assert_int_eq(tunoff_gro_add(&gro, p, 100), 0);
	memcpy(p, train[1], 52);
	wr16(p + 2, 52);
	ck_assert_int_eq(tunoff_gro_add(&gro, p, 52), 0);
	p[0] = 0x46;
	ck_assert_int_eq(tunoff_gro_add(&gro, p, 52), 0);
	ck_assert_uint_eq(gro.len, 0);
}
END_TEST

START_TEST(sum)
{
	uint8_t b[7] = { 0x45, 0x00, 0x12, 0x34, 0xff, 0xee, 0x01 };
	uint16_t s = tunoff_sum(b, sizeof(b), 0), r = ref_fold(ref_sum(b, sizeof(b), 0));
	uint8_t sb[2];

	memcpy(sb, &s, 2); /* memory order, like the packet */
	ck_assert_uint_eq(be16(sb), r);
}
END_TEST

static Suite *tunoff_suite(void)
{
	Suite *s = suite_create("tunoff");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tso4);
	tcase_add_test(tc, tso6);
	tcase_add_test(tc, partial_csum);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, gro_joins);
	tcase_add_test(tc, gro_refuses);
	tcase_add_test(tc, sum);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tunoff_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
