/* Unit tests for the vpn-filter data path (src/policy/aclfilter.c): a table
 * of packets x access lists -> permit / deny / malformed, both directions
 * (rules written from the client's side, applied mirrored towards it),
 * IPv4 and IPv6, fragments, deny-first aggregation, the implicit deny,
 * the empty filter, and compile errors. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/aclfilter.h"
#include "sslvpnd/config.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define C4 "198.19.0.10"            /* the client's assigned address */
#define C6 "2001:db8:200::5"

/* Line numbers matter for the explain test: F1 starts on line 2. */
#define ACLS                                                                        \
	"access_lists = (\n"                                                /* 1 */ \
	"  { name = \"F1\"; type = \"extended\"; entries = [\n"             /* 2 */ \
	"    \"permit icmp host 198.19.0.10 host 198.18.1.1\",\n"           /* 3 */ \
	"    \"permit tcp host 198.19.0.10 198.18.1.0 255.255.255.0 eq 23\",\n" /* 4 */ \
	"    \"deny udp any 198.18.1.0 255.255.255.0 range 5000 5010\",\n"  /* 5 */ \
	"    \"permit udp 198.19.0.0 255.255.255.0 198.18.1.0 255.255.255.0\",\n" /* 6 */ \
	"    \"permit tcp any eq 5060 host 198.18.1.5\",\n"                 /* 7 */ \
	"    \"deny tcp any host 198.18.2.2 neq 80\",\n"                    /* 8 */ \
	"    \"permit tcp any 198.18.2.0 255.255.255.0 lt 1024\",\n"        /* 9 */ \
	"    \"permit ip 2001:db8:100::/64 2001:db8:1::/48\",\n"            /* 10 */ \
	"    \"permit icmp6 any6 host 2001:db8:1::1\",\n"                   /* 11 */ \
	"    \"deny tcp any6 any6 eq 22\",\n"                               /* 12 */ \
	"    \"permit tcp any6 any6\" ]; },\n"                              /* 13 */ \
	"  { name = \"F2\"; type = \"extended\"; entries = [\n"             /* 14 */ \
	"    \"permit udp any any eq 53\",\n"                               /* 15 */ \
	"    \"permit tcp any any gt 65000\" ]; },\n"                       /* 16 */ \
	"  { name = \"D\"; type = \"extended\";\n"                          /* 17 */ \
	"    entries = \"deny udp any host 198.18.1.53\"; },\n"             /* 18 */ \
	"  { name = \"ICMP1\"; type = \"extended\";\n"                      /* 19 */ \
	"    entries = \"permit icmp any host 198.18.1.1\"; },\n"           /* 20 */ \
	"  { name = \"GRE\"; type = \"extended\"; entries = [\n"                \
	"    \"permit 47 any host 198.18.1.1\",\n"                          \
	"    \"permit ip host 198.19.0.10 host 198.18.1.2\" ]; },\n"        \
	"  { name = \"EMPTY\"; type = \"extended\"; entries = \"remark nothing\"; },\n" \
	"  { name = \"STD\"; type = \"standard\"; entries = \"permit any\"; }\n" \
	");\n"

/* ---- packets */
enum { P = ACLF_PERMIT, D = ACLF_DENY, M = ACLF_MALFORMED };
enum { UP = ACLF_UP, DN = ACLF_DOWN };

struct pkt {
	const char *src, *dst;  /* as on the wire */
	uint8_t proto;
	uint16_t sport, dport;
	uint16_t fo;            /* fragment offset in 8-byte units */
	int mf;                 /* more fragments */
	int ext;                /* IPv6: destination-options headers before */
	int cut;                /* >0: keep only this many bytes (and
				 * say so in the IP length field) */
	int hack;               /* see build(): deliberate header damage */
};

enum { H_NONE, H_VERSION, H_IHL, H_TOTLEN, H_PLEN };

static size_t l4_len(uint8_t proto)
{
	return proto == 6 ? 20 : proto == 17 || proto == 1 || proto == 58 ? 8 : 4;
}

static size_t put_l4(uint8_t *p, const struct pkt *k)
{
	size_t n = l4_len(k->proto);

	memset(p, 0, n + 8);
	if (k->proto == 6 || k->proto == 17) {
		p[0] = (uint8_t)(k->sport >> 8);
		p[1] = (uint8_t)k->sport;
		p[2] = (uint8_t)(k->dport >> 8);
		p[3] = (uint8_t)k->dport;
	}
	if (k->proto == 6)
		p[12] = 5 << 4;
	return n + 8;  /* 8 bytes of payload */
}

static size_t build4(uint8_t *b, const struct pkt *k)
{
	size_t n = 20;
	uint16_t frag = (uint16_t)(k->fo | (k->mf ? 0x2000 : 0));

	memset(b, 0, 20);
	b[0] = 0x45;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = k->proto;
	ck_assert_int_eq(inet_pton(AF_INET, k->src, b + 12), 1);
	ck_assert_int_eq(inet_pton(AF_INET, k->dst, b + 16), 1);
	if (k->fo) {
		memset(b + n, 0xaa, 16);
		n += 16;
	} else {
		n += put_l4(b + n, k);
	}
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	return n;
}

static size_t build6(uint8_t *b, const struct pkt *k)
{
	size_t n = 40;
	uint8_t *nh = b + 6;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[7] = 64;
	ck_assert_int_eq(inet_pton(AF_INET6, k->src, b + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, k->dst, b + 24), 1);
	for (int i = 0; i < k->ext; i++) {   /* destination options, 8 bytes */
		*nh = 60;
		memset(b + n, 0, 8);
		b[n + 2] = 1;    /* PadN */
		b[n + 3] = 4;
		nh = b + n;
		n += 8;
	}
	if (k->fo || k->mf) {
		uint16_t v = (uint16_t)(k->fo << 3 | (k->mf ? 1 : 0));

		*nh = 44;
		memset(b + n, 0, 8);
		b[n + 2] = (uint8_t)(v >> 8);
		b[n + 3] = (uint8_t)v;
		nh = b + n;
		n += 8;
	}
	*nh = k->proto;
	if (k->fo) {
		memset(b + n, 0xaa, 16);
		n += 16;
	} else {
		n += put_l4(b + n, k);
	}
	b[4] = (uint8_t)((n - 40) >> 8);
	b[5] = (uint8_t)(n - 40);
	return n;
}

static size_t build(uint8_t *b, const struct pkt *k)
{
	size_t n = strchr(k->src, ':') ? build6(b, k) : build4(b, k);

	switch (k->hack) {
	case H_VERSION: b[0] = (uint8_t)(0x50 | (b[0] & 15)); break;
	case H_IHL:     b[0] = 0x44; break;
	case H_TOTLEN:  b[3] = (uint8_t)(b[3] + 1); break;
	case H_PLEN:    b[5] = (uint8_t)(b[5] + 1); break;
	default: break;
	}
	if (k->cut <= 0)
		return n;
	/* A cut packet whose length fields agree, so the check reaches the
	 * headers after the IP header. */
	n = (size_t)k->cut;
	if (n >= 4 && (b[0] >> 4) == 4) {
		b[2] = (uint8_t)(n >> 8);
		b[3] = (uint8_t)n;
	} else if (n >= 40 && (b[0] >> 4) == 6) {
		b[4] = (uint8_t)((n - 40) >> 8);
		b[5] = (uint8_t)(n - 40);
	}
	return n;
}

/* ---- the table */
struct row {
	const char *names;
	unsigned flags;
	int dir;
	struct pkt p;
	int want;
	const char *why;
};

#define ICMP(s, d) { s, d, 1, 0, 0, 0, 0, 0, 0, 0 }
#define ICMP6(s, d) { s, d, 58, 0, 0, 0, 0, 0, 0, 0 }
#define TCP(s, sp, d, dp) { s, d, 6, sp, dp, 0, 0, 0, 0, 0 }
#define UDP(s, sp, d, dp) { s, d, 17, sp, dp, 0, 0, 0, 0, 0 }

static const struct row rows[] = {
	/* ip/icmp, host: the client pings the permitted host; its echo
	 * reply is the mirror and passes without state */
	{ "F1", 0, UP, ICMP(C4, "198.18.1.1"), P, "icmp to the host" },
	{ "F1", 0, DN, ICMP("198.18.1.1", C4), P, "icmp reply mirrored" },
	{ "F1", 0, UP, ICMP(C4, "198.18.1.2"), D, "icmp to another host: implicit deny" },
	{ "F1", 0, UP, ICMP("198.19.0.11", "198.18.1.1"), D, "icmp from another client" },
	{ "F1", 0, DN, ICMP("198.18.1.1", "198.19.0.11"), D, "icmp to another client" },
	/* tcp eq, mask */
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.1.77", 23), P, "telnet into the /24" },
	{ "F1", 0, DN, TCP("198.18.1.77", 23, C4, 40000), P, "telnet reply" },
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.1.77", 22), D, "ssh: no entry" },
	{ "F1", 0, DN, TCP("198.18.1.77", 40000, C4, 23), D, "net opening client:23 needs sport 23" },
	{ "F1", 0, DN, TCP("198.18.1.77", 23, C4, 1234), P, "Cisco's caveat: sport 23 reaches any client port" },
	/* udp range deny before a broader permit, both directions */
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.1.1", 5005), D, "udp range denied" },
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.1.1", 5000), D, "range low end" },
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.1.1", 5010), D, "range high end" },
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.1.1", 5011), P, "past the range: /24 permit" },
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.1.1", 4999), P, "before the range" },
	{ "F1", 0, DN, UDP("198.18.1.1", 5005, C4, 40000), D, "range checked on the mirror" },
	{ "F1", 0, DN, UDP("198.18.1.1", 53, C4, 5005), P, "client port in range is the ACL source port" },
	{ "F1", 0, UP, UDP(C4, 40000, "198.18.9.9", 53), D, "udp elsewhere: implicit deny" },
	/* source port on the client side */
	{ "F1", 0, UP, TCP(C4, 5060, "198.18.1.5", 9999), P, "client sport eq 5060" },
	{ "F1", 0, DN, TCP("198.18.1.5", 9999, C4, 5060), P, "reply to client:5060" },
	{ "F1", 0, UP, TCP(C4, 5061, "198.18.1.5", 9999), D, "sport 5061" },
	/* neq and lt */
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.2.2", 80), P, "neq 80 lets 80 on to lt 1024" },
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.2.2", 443), D, "neq 80 denies 443" },
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.2.3", 1023), P, "lt 1024" },
	{ "F1", 0, UP, TCP(C4, 40000, "198.18.2.3", 1024), D, "lt 1024 excludes 1024" },
	/* gt, and lists in order */
	{ "F2", 0, UP, TCP(C4, 1, "198.18.7.7", 65001), P, "gt 65000" },
	{ "F2", 0, UP, TCP(C4, 1, "198.18.7.7", 65000), D, "gt excludes the bound" },
	{ "F2 D", 0, UP, UDP(C4, 40000, "198.18.1.53", 53), P, "F2 first: permitted" },
	{ "D F2", 0, UP, UDP(C4, 40000, "198.18.1.53", 53), D, "D first: denied" },
	{ "F2 D", ACLF_DENY_FIRST, UP, UDP(C4, 40000, "198.18.1.53", 53), D, "deny-first" },
	{ "F2 D", ACLF_DENY_FIRST, UP, UDP(C4, 40000, "198.18.1.54", 53), P, "deny-first keeps permits" },
	{ "D", 0, UP, UDP(C4, 40000, "198.18.1.54", 53), D, "deny-only list: implicit deny" },
	/* protocol families: icmp is IPv4 protocol 1, any covers IPv6 */
	{ "ICMP1", 0, UP, ICMP6(C6, "2001:db8:1::1"), D, "icmp does not match icmp6" },
	{ "F2", 0, UP, UDP(C6, 40000, "2001:db8:1::53", 53), P, "any matches IPv6" },
	{ "F2", 0, DN, UDP("2001:db8:1::53", 53, C6, 40000), P, "IPv6 reply mirrored" },
	{ "ICMP1", 0, UP, TCP(C4, 1, "198.18.1.1", 80), D, "icmp entry vs tcp" },
	/* protocols without a class of their own, and "ip" in every class */
	{ "GRE", 0, UP, { C4, "198.18.1.1", 47, 0, 0, 0, 0, 0, 0, 0 }, P, "gre by number" },
	{ "GRE", 0, DN, { "198.18.1.1", C4, 47, 0, 0, 0, 0, 0, 0, 0 }, P, "gre mirrored" },
	{ "GRE", 0, UP, { C4, "198.18.1.1", 50, 0, 0, 0, 0, 0, 0, 0 }, D, "esp is not gre" },
	{ "GRE", 0, UP, { C4, "198.18.1.2", 50, 0, 0, 0, 0, 0, 0, 0 }, P, "ip entry matches esp" },
	{ "GRE", 0, UP, UDP(C4, 1, "198.18.1.2", 2), P, "ip entry matches udp" },
	{ "GRE", 0, UP, TCP(C4, 1, "198.18.1.2", 2), P, "ip entry matches tcp" },
	{ "GRE", 0, UP, ICMP(C4, "198.18.1.2"), P, "ip entry matches icmp" },
	{ "GRE", 0, UP, TCP(C4, 1, "198.18.1.1", 2), D, "gre entry does not match tcp" },
	{ "GRE", 0, UP, { C4, "198.18.1.1", 58, 0, 0, 0, 0, 0, 0, 0 }, D, "icmp6 over IPv4" },
	/* IPv6 */
	{ "F1", 0, UP, ICMP6("2001:db8:100::5", "2001:db8:1::9"), P, "v6 ip prefix to prefix" },
	{ "F1", 0, DN, ICMP6("2001:db8:1::9", "2001:db8:100::5"), P, "v6 mirrored" },
	{ "F1", 0, UP, ICMP6(C6, "2001:db8:1::1"), P, "icmp6 to host" },
	{ "F1", 0, UP, ICMP6(C6, "2001:db8:1::2"), D, "icmp6 elsewhere" },
	{ "F1", 0, UP, TCP(C6, 40000, "2001:db8:1::2", 22), D, "v6 ssh denied" },
	{ "F1", 0, UP, TCP(C6, 40000, "2001:db8:1::2", 443), P, "v6 tcp permitted" },
	{ "F1", 0, DN, TCP("2001:db8:1::2", 443, C6, 40000), P, "v6 tcp reply" },
	{ "F1", 0, DN, TCP("2001:db8:1::2", 22, C6, 40000), D, "v6 sport 22 mirrors eq 22" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 40000, 22, 0, 0, 2, 0, 0 }, D, "ext headers skipped (deny)" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 40000, 443, 0, 0, 2, 0, 0 }, P, "ext headers skipped (permit)" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 40000, 22, 0, 1, 0, 0, 0 }, D, "v6 first fragment has ports" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 0, 0, 100, 0, 1, 0, 0 }, P, "v6 non-initial: deny eq 22 skipped" },
	/* IPv4 fragments */
	{ "F1", 0, UP, { C4, "198.18.1.1", 17, 40000, 5005, 0, 1, 0, 0, 0 }, D, "first fragment: ports checked" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 17, 0, 0, 100, 1, 0, 0, 0 }, P, "non-initial: port deny skipped, l3 permit" },
	{ "F1", 0, UP, { C4, "198.18.1.9", 6, 0, 0, 100, 0, 0, 0, 0 }, P, "non-initial: l3 part of a port permit" },
	{ "F1", 0, UP, { C4, "198.18.9.9", 17, 0, 0, 100, 0, 0, 0, 0 }, D, "non-initial elsewhere: implicit deny" },
	{ "D F2", 0, UP, { C4, "198.18.1.53", 17, 0, 0, 100, 0, 0, 0, 0 }, D, "non-initial: portless deny applies" },
	{ "D F2", 0, UP, { C4, "198.18.1.54", 17, 0, 0, 100, 0, 0, 0, 0 }, P, "non-initial: port permit on l3" },
	/* empty filter, remark-only list */
	{ "", 0, UP, UDP(C4, 1, "198.18.9.9", 9), P, "no filter" },
	{ "", 0, DN, UDP("198.18.9.9", 9, C4, 1), P, "no filter, down" },
	{ "EMPTY", 0, UP, ICMP(C4, "198.18.1.1"), D, "remarks only: implicit deny" },
	/* malformed */
	{ "F1", 0, UP, { C4, "198.18.1.1", 1, 0, 0, 0, 0, 0, 19, 0 }, M, "short IPv4 header" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 1, 0, 0, 0, 0, 0, 0, H_VERSION }, M, "version 5" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 1, 0, 0, 0, 0, 0, 0, H_IHL }, M, "IHL 4" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 1, 0, 0, 0, 0, 0, 0, H_TOTLEN }, M, "total length past the end" },
	{ "F1", 0, UP, { C4, "198.18.1.77", 6, 1, 23, 0, 0, 0, 30, 0 }, M, "truncated tcp header" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 17, 1, 53, 0, 0, 0, 27, 0 }, M, "truncated udp header" },
	{ "F1", 0, UP, { C4, "198.18.1.1", 1, 0, 0, 0, 0, 0, 24, 0 }, M, "truncated icmp header" },
	{ "F1", 0, UP, { C4, "198.18.1.9", 6, 0, 0, 1, 0, 0, 0, 0 }, M, "tcp fragment at offset 8 (RFC 1858)" },
	{ "F1", 0, UP, { C6, "2001:db8:1::1", 58, 0, 0, 0, 0, 0, 39, 0 }, M, "short IPv6 header" },
	{ "F1", 0, UP, { C6, "2001:db8:1::1", 58, 0, 0, 0, 0, 0, 0, H_PLEN }, M, "IPv6 payload length past the end" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 1, 443, 0, 0, 9, 0, 0 }, M, "9 extension headers" },
	{ "F1", 0, UP, { C6, "2001:db8:1::2", 6, 1, 443, 0, 0, 2, 50, 0 }, M, "extension header cut" },
	{ "F1", 0, DN, { "198.18.1.1", C4, 1, 0, 0, 0, 0, 0, 0, H_VERSION }, M, "malformed downstream" },
};

static struct sslvpnd_config *cfg;

static void setup(void)
{
	cfg = cfgtest_load_ok(ACLS, "aclfilter.conf");
}

static void teardown(void)
{
	config_free(cfg);
	cfg = NULL;
}

static const char *vname(int v)
{
	return v == P ? "permit" : v == D ? "deny" : "malformed";
}

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	uint8_t b[512];
	char err[256];
	size_t n = build(b, &r->p);
	struct aclfilter *f = aclfilter_compile(cfg, r->names, r->flags, err, sizeof(err));
	int got;

	ck_assert_msg(f != NULL, "compile \"%s\": %s", r->names, err);
	got = (int)aclfilter_check(f, b, n, (enum aclfilter_dir)r->dir);
	ck_assert_msg(got == r->want, "row %d (%s) [%s %s]: expected %s, got %s", _i, r->why,
		      r->names, r->dir == UP ? "up" : "down", vname(r->want), vname(got));
	aclfilter_free(f);
}
END_TEST

/* Every prefix of a valid packet, and random bytes: a verdict, no crash
 * (run under ASan in CI), never reading past len. */
START_TEST(test_truncations)
{
	char err[128];
	struct aclfilter *f = aclfilter_compile(cfg, "F1", 0, err, sizeof(err));
	uint8_t b[512];
	struct pkt k6 = { C6, "2001:db8:1::2", 6, 40000, 443, 0, 0, 3, 0, 0 };
	struct pkt k4 = TCP(C4, 40000, "198.18.1.77", 23);
	size_t n6 = build(b, &k6);
	uint8_t *copy;

	ck_assert_ptr_nonnull(f);
	for (size_t len = 0; len < n6; len++) {
		copy = malloc(len ? len : 1);   /* exact size: ASan sees overreads */
		memcpy(copy, b, len);
		ck_assert_int_eq(aclfilter_check(f, copy, len, ACLF_UP), ACLF_MALFORMED);
		free(copy);
	}
	ck_assert_int_eq(aclfilter_check(f, b, n6, ACLF_UP), ACLF_PERMIT);
	size_t n4 = build(b, &k4);

	for (size_t len = 0; len < 40; len++) {
		copy = malloc(len ? len : 1);
		memcpy(copy, b, len);
		ck_assert_int_eq(aclfilter_check(f, copy, len, ACLF_UP), ACLF_MALFORMED);
		free(copy);
	}
	ck_assert_int_eq(aclfilter_check(f, b, n4, ACLF_UP), ACLF_PERMIT);
	srand(7);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 120);

		copy = malloc(len ? len : 1);
		for (size_t j = 0; j < len; j++)
			copy[j] = (uint8_t)rand();
		if (len)
			copy[0] = (uint8_t)((i & 1 ? 0x40 : 0x60) | (copy[0] & 15));
		int v = aclfilter_check(f, copy, len, (enum aclfilter_dir)(i & 1));

		ck_assert(v == P || v == D || v == M);
		free(copy);
	}
	aclfilter_free(f);
}
END_TEST

struct cerr {
	const char *names;
	const char *msg;
};

static const struct cerr cerrs[] = {
	{ "NOPE", "access list \"NOPE\" is not defined" },
	{ "F1 NOPE", "access list \"NOPE\" is not defined" },
	{ "STD", "access list \"STD\" is standard; a vpn-filter needs an extended list" },
	{ "f1", "access list \"f1\" is not defined" },
};

START_TEST(test_compile_errors)
{
	char err[256];
	struct aclfilter *f = aclfilter_compile(cfg, cerrs[_i].names, 0, err, sizeof(err));

	ck_assert_ptr_null(f);
	ck_assert_str_eq(err, cerrs[_i].msg);
}
END_TEST

START_TEST(test_compile_sizes)
{
	char err[256], many[ACLF_NAMES_MAX];
	struct aclfilter *f;

	/* F1: 7 IPv4-only + 4 IPv6-only entries; F2's `any` counts twice */
	f = aclfilter_compile(cfg, "F1", 0, err, sizeof(err));
	ck_assert_uint_eq(aclfilter_size(f), 11);
	aclfilter_free(f);
	f = aclfilter_compile(cfg, "F2", 0, err, sizeof(err));
	ck_assert_uint_eq(aclfilter_size(f), 4);
	aclfilter_free(f);
	f = aclfilter_compile(cfg, "EMPTY", 0, err, sizeof(err));
	ck_assert_uint_eq(aclfilter_size(f), 0);
	aclfilter_free(f);
	f = aclfilter_compile(cfg, "  ", 0, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	aclfilter_free(f);
	aclfilter_free(NULL);
	many[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(many, "D ");
	f = aclfilter_compile(cfg, many, 0, err, sizeof(err));
	ck_assert_ptr_null(f);
	ck_assert_str_eq(err, "more than 32 access lists");
}
END_TEST

/* What main sends a worker (TUNNEL_REP): the gathered entries of the lists
 * in order, remarks left out; more than the cap is refused with the count;
 * a malformed entry (it came from another process) is refused by build. */
START_TEST(test_gather_build)
{
	struct aclfilter_entry e[16];
	char err[256];
	struct aclfilter *f;
	long n;

	n = aclfilter_gather(cfg, "F2 EMPTY D", e, 16, err, sizeof(err));
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(e[0].list, 0);
	ck_assert_int_eq(e[0].e.line, 15);
	ck_assert_uint_eq(e[2].list, 2);
	ck_assert_int_eq(e[2].e.line, 18);
	f = aclfilter_build("F2 EMPTY D", e, (size_t)n, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(aclfilter_size(f), 5);   /* F2's `any` twice, D once */
	aclfilter_free(f);
	ck_assert_int_eq(aclfilter_gather(cfg, "F1", e, 10, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "11 entries, more than the 10 a tunnel can carry");
	ck_assert_int_eq(aclfilter_gather(cfg, "F2 NOPE", e, 16, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "access list \"NOPE\" is not defined");
	n = aclfilter_gather(cfg, "F2", e, 16, err, sizeof(err));
	e[1].list = 1;                             /* only one name */
	ck_assert_ptr_null(aclfilter_build("F2", e, (size_t)n, 0, err, sizeof(err)));
	ck_assert_str_eq(err, "entry 2 of 2 is malformed");
	e[1].list = 0;
	e[1].e.dport = (struct acl_port){ .op = ACL_OP_RANGE, .lo = 9, .hi = 8 };
	ck_assert_ptr_null(aclfilter_build("F2", e, (size_t)n, 0, err, sizeof(err)));
	e[1].e.dport.op = ACL_OP_GT;
	e[1].e.dst.plen = 33;
	e[1].e.dst.af = ACL_AF_4;
	ck_assert_ptr_null(aclfilter_build("F2", e, (size_t)n, 0, err, sizeof(err)));
	/* names without entries: every packet denied (lists of remarks) */
	f = aclfilter_build("EMPTY", NULL, 0, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(aclfilter_size(f), 0);
	aclfilter_free(f);
}
END_TEST

START_TEST(test_explain)
{
	char err[128], a[INET6_ADDRSTRLEN];
	struct aclfilter *f = aclfilter_compile(cfg, "F2 F1", 0, err, sizeof(err));
	struct pkt k = UDP("198.18.1.1", 5005, C4, 40000);
	struct aclfilter_info in;
	uint8_t b[256];
	size_t n = build(b, &k);

	aclfilter_explain(f, b, n, ACLF_DOWN, &in);
	ck_assert_int_eq(in.verdict, ACLF_DENY);
	ck_assert_str_eq(in.acl, "F1");
	ck_assert_int_eq(in.line, 5);
	ck_assert_int_eq(in.implicit, 0);
	ck_assert_int_eq(in.af, 4);
	ck_assert_int_eq(in.proto, 17);
	ck_assert_uint_eq(in.sport, 5005);   /* as on the wire, not swapped */
	ck_assert_uint_eq(in.dport, 40000);
	ck_assert_str_eq(inet_ntop(AF_INET, in.src, a, sizeof(a)), "198.18.1.1");
	ck_assert_str_eq(inet_ntop(AF_INET, in.dst, a, sizeof(a)), C4);

	struct pkt k2 = UDP(C4, 1, "198.18.9.9", 7);

	n = build(b, &k2);
	aclfilter_explain(f, b, n, ACLF_UP, &in);
	ck_assert_int_eq(in.verdict, ACLF_DENY);
	ck_assert_int_eq(in.implicit, 1);
	ck_assert_str_eq(in.acl, "F2");

	struct pkt k3 = TCP(C6, 40000, "2001:db8:1::2", 443);

	n = build(b, &k3);
	aclfilter_explain(f, b, n, ACLF_UP, &in);
	ck_assert_int_eq(in.verdict, ACLF_PERMIT);
	ck_assert_int_eq(in.af, 6);
	ck_assert_int_eq(in.line, 13);
	ck_assert_str_eq(inet_ntop(AF_INET6, in.dst, a, sizeof(a)), "2001:db8:1::2");
	aclfilter_free(f);
}
END_TEST

static Suite *aclfilter_suite(void)
{
	Suite *s = suite_create("aclfilter");
	TCase *c = tcase_create("core"), *l = tcase_create("limits");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_loop_test(c, test_table, 0, (int)ARRAY_SIZE(rows));
	tcase_add_test(c, test_explain);
	suite_add_tcase(s, c);
	tcase_add_checked_fixture(l, setup, teardown);
	tcase_add_test(l, test_truncations);
	tcase_add_loop_test(l, test_compile_errors, 0, (int)ARRAY_SIZE(cerrs));
	tcase_add_test(l, test_compile_sizes);
	tcase_add_test(l, test_gather_build);
	suite_add_tcase(s, l);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(aclfilter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
