/* bench/acl/acl-bench: CPU cost of the vpn-filter check (aclfilter_check,
 * src/policy/aclfilter.c) per packet, for a 50-entry extended access list.
 *
 * A benchmark, not a test: it prints figures and never judges them (the
 * S4 target, < 50 ns per packet, is printed for context only).  Pure CPU:
 * no network, no files; the access list is built in memory through the
 * same entry parser the configuration loader uses.
 *
 * Cases (each a fixed array of packets, checked in a loop; ns per packet is
 * the thread's CPU time / checks, best, median and worst of R rounds, and
 * the mean wall time beside it):
 *   mix          the realistic mix below, in a shuffled order
 *   first-entry  every packet decided by entry 1
 *   implicit     denied UDP: walks the udp and ip entries (the check keeps
 *                one array per protocol class) to the implicit deny
 *   all-entries  GRE (no class of its own): walks every IPv4 entry to the
 *                implicit deny, the worst case
 *   ipv6         IPv6 packets (the IPv6 entries sit at the end)
 *   fragments    non-initial IPv4 fragments (the slower fragment walk)
 *   no-filter    vpn-filter none (what the worker skips entirely)
 * The mix, per 100 packets: 50 RTP (udp to the voice range, entry 41 up,
 * replies down), 20 SIP/TLS signalling (tcp, entries 21-25), 10 HTTPS to
 * servers (entry 30), 5 ICMP, 5 DNS, 5 IPv6, 5 denied (implicit deny).
 *
 * Usage: acl-bench [--checks N] [--rounds R]   (defaults 5000000, 5) */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/aclfilter.h"
#include "sslvpnd/config.h"

enum { NPKT = 1000, PKT_MAX = 96, ROUNDS_MAX = 50 };

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	enum aclfilter_dir dir;
};

/* ---- the 50-entry list: a site filter for phones and laptops */
static void entries(char out[][ACL_TEXT_MAX], size_t *n)
{
	size_t i = 0;

	/* 1-10: things nobody may reach */
	snprintf(out[i++], ACL_TEXT_MAX, "deny ip any host 198.18.200.1");
	for (int k = 0; k < 9; k++)
		snprintf(out[i++], ACL_TEXT_MAX, "deny tcp any host 198.18.200.%d eq %d",
			 10 + k, 135 + k);
	/* 11-20: management hosts, per service */
	for (int k = 0; k < 10; k++)
		snprintf(out[i++], ACL_TEXT_MAX,
			 "permit tcp 198.19.0.0 255.255.255.0 host 198.18.100.%d eq %d",
			 k + 1, k % 2 ? 22 : 443);
	/* 21-25: call control (SIP, SIP-TLS, SCCP, TFTP, CAPF) */
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.10.0 255.255.255.0 eq 5060");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.10.0 255.255.255.0 eq 5061");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.10.0 255.255.255.0 eq 2000");
	snprintf(out[i++], ACL_TEXT_MAX, "permit udp any 198.18.10.0 255.255.255.0 eq 69");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.10.0 255.255.255.0 eq 3804");
	/* 26-29: DNS, NTP */
	snprintf(out[i++], ACL_TEXT_MAX, "permit udp any host 198.18.1.53 eq 53");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any host 198.18.1.53 eq 53");
	snprintf(out[i++], ACL_TEXT_MAX, "permit udp any host 198.18.1.123 eq 123");
	snprintf(out[i++], ACL_TEXT_MAX, "deny udp any any eq 137");
	/* 30-40: servers */
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.20.0 255.255.252.0 eq 443");
	for (int k = 0; k < 10; k++)
		snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any host 198.18.30.%d range %d %d",
			 k + 1, 8000 + 10 * k, 8009 + 10 * k);
	/* 41-45: media to the voice networks, ICMP */
	snprintf(out[i++], ACL_TEXT_MAX,
		 "permit udp 198.19.0.0 255.255.255.0 198.18.40.0 255.255.248.0 range 16384 32767");
	snprintf(out[i++], ACL_TEXT_MAX,
		 "permit udp 198.19.0.0 255.255.255.0 range 16384 32767 198.18.48.0 255.255.248.0");
	snprintf(out[i++], ACL_TEXT_MAX, "permit icmp any 198.18.0.0 255.254.0.0");
	snprintf(out[i++], ACL_TEXT_MAX, "deny tcp any any lt 1024");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any 198.18.60.0 255.255.255.0 gt 49151");
	/* 46-50: IPv6 */
	snprintf(out[i++], ACL_TEXT_MAX, "permit icmp6 any6 2001:db8:1::/48");
	snprintf(out[i++], ACL_TEXT_MAX, "deny tcp any6 any6 eq 23");
	snprintf(out[i++], ACL_TEXT_MAX, "permit tcp any6 2001:db8:1::/48 eq 443");
	snprintf(out[i++], ACL_TEXT_MAX, "permit udp any6 2001:db8:1::/48 range 16384 32767");
	snprintf(out[i++], ACL_TEXT_MAX, "permit udp any6 host 2001:db8:1::53 eq 53");
	*n = i;
}

static struct sslvpnd_config *make_config(void)
{
	static char text[ACL_MAX_ENTRIES][ACL_TEXT_MAX];
	struct sslvpnd_config *cfg = calloc(1, sizeof(*cfg));
	struct cfg_acl *a = calloc(1, sizeof(*a));
	const char *why;
	size_t n;

	if (!cfg || !a)
		return NULL;
	entries(text, &n);
	snprintf(a->name, sizeof(a->name), "SITE-FILTER");
	a->type = ACL_EXTENDED;
	for (size_t i = 0; i < n; i++) {
		if (acl_parse_entry(ACL_EXTENDED, text[i], &a->e[i], &why) < 0) {
			fprintf(stderr, "acl-bench: entry %zu \"%s\": %s\n", i + 1, text[i], why);
			exit(1);
		}
		a->e[i].line = (int)i + 1;
	}
	a->n = n;
	cfg->acls = a;
	cfg->n_acls = 1;
	return cfg;
}

/* ---- packets */
static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void v4(struct pkt *k, uint8_t proto, const char *src, unsigned sp,
	       const char *dst, unsigned dp, unsigned frag)
{
	size_t l4 = proto == 6 ? 20 : 8;

	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x45;
	put16(k->b + 6, frag);
	k->b[8] = 64;
	k->b[9] = proto;
	inet_pton(AF_INET, src, k->b + 12);
	inet_pton(AF_INET, dst, k->b + 16);
	put16(k->b + 20, sp);
	put16(k->b + 22, dp);
	k->len = 20 + l4 + 32;
	put16(k->b + 2, (unsigned)k->len);
	k->dir = ACLF_UP;
}

static void v6(struct pkt *k, uint8_t proto, const char *src, unsigned sp,
	       const char *dst, unsigned dp)
{
	size_t l4 = proto == 6 ? 20 : 8;

	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x60;
	k->b[6] = proto;
	k->b[7] = 64;
	inet_pton(AF_INET6, src, k->b + 8);
	inet_pton(AF_INET6, dst, k->b + 24);
	put16(k->b + 40, sp);
	put16(k->b + 42, dp);
	k->len = 40 + l4 + 8;
	put16(k->b + 4, (unsigned)(k->len - 40));
	k->dir = ACLF_UP;
}

static void down(struct pkt *k)
{
	uint8_t t[16];
	int six = (k->b[0] >> 4) == 6;
	size_t o = six ? 8 : 12, n = six ? 16 : 4, l4 = six ? 40 : 20;

	memcpy(t, k->b + o, n);
	memcpy(k->b + o, k->b + o + n, n);
	memcpy(k->b + o + n, t, n);
	memcpy(t, k->b + l4, 2);
	memcpy(k->b + l4, k->b + l4 + 2, 2);
	memcpy(k->b + l4 + 2, t, 2);
	k->dir = ACLF_DOWN;
}

/* One packet of the mix; i spreads addresses and ports. */
static void mix_one(struct pkt *k, int slot, int i)
{
	char c[32], d[32];

	snprintf(c, sizeof(c), "198.19.0.%d", 10 + i % 200);
	if (slot < 50) {                 /* RTP, half of it towards the phone */
		snprintf(d, sizeof(d), "198.18.%d.%d", 40 + i % 8, 1 + i % 250);
		v4(k, 17, c, 16384 + 2 * (i % 8000), d, 16384 + 2 * (i % 7000), 0);
		if (slot % 2)
			down(k);
	} else if (slot < 70) {          /* signalling */
		snprintf(d, sizeof(d), "198.18.10.%d", 1 + i % 4);
		v4(k, 6, c, 40000 + i % 20000, d, slot % 2 ? 5061 : 5060, 0);
		if (slot % 3 == 0)
			down(k);
	} else if (slot < 80) {          /* https to the servers */
		snprintf(d, sizeof(d), "198.18.%d.%d", 20 + i % 4, 1 + i % 250);
		v4(k, 6, c, 40000 + i % 20000, d, 443, 0);
		if (slot % 2)
			down(k);
	} else if (slot < 85) {          /* ping */
		v4(k, 1, c, 0x0800, "198.18.1.1", 0, 0);
	} else if (slot < 90) {          /* dns */
		v4(k, 17, c, 40000 + i % 20000, "198.18.1.53", 53, 0);
	} else if (slot < 95) {          /* ipv6 media */
		v6(k, 17, "2001:db8:200::5", 20000, "2001:db8:1::7", 16384 + i % 16000);
	} else {                         /* denied: walks to the implicit deny */
		v4(k, 17, c, 40000, "198.18.250.1", 9999, 0);
	}
}

static int build_case(const char *name, struct pkt *p)
{
	for (int i = 0; i < NPKT; i++) {
		if (!strcmp(name, "mix"))
			mix_one(&p[i], i % 100, i);
		else if (!strcmp(name, "first-entry"))
			v4(&p[i], 6, "198.19.0.10", 40000 + i, "198.18.200.1", 80, 0);
		else if (!strcmp(name, "implicit"))
			v4(&p[i], 17, "198.19.0.10", 40000 + i, "198.18.250.1", 9999, 0);
		else if (!strcmp(name, "all-entries"))
			v4(&p[i], 47, "198.19.0.10", 0, "198.18.250.1", 0, 0);
		else if (!strcmp(name, "ipv6"))
			v6(&p[i], i % 2 ? 6 : 17, "2001:db8:200::5", 40000 + i, "2001:db8:1::7",
			   i % 2 ? 443 : 16384 + i);
		else if (!strcmp(name, "fragments"))
			v4(&p[i], 17, "198.19.0.10", 0, "198.18.40.9", 0, 100 + i);
		else
			mix_one(&p[i], i % 100, i);
	}
	if (!strcmp(name, "mix")) {          /* shuffled: no branch-pattern luck */
		srand(1);
		for (int i = NPKT - 1; i > 0; i--) {
			int j = rand() % (i + 1);
			struct pkt t = p[i];

			p[i] = p[j];
			p[j] = t;
		}
	}
	return 0;
}

/* CPU time of this thread: on a shared host, time spent preempted is not
 * the check's cost (the wall time is printed beside it). */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run_case(const struct aclfilter *f, const char *name, long checks, int rounds)
{
	static struct pkt p[NPKT];
	double ns[ROUNDS_MAX], wall = 0;
	unsigned long verdicts[3] = { 0 };
	volatile unsigned sink = 0;

	build_case(name, p);
	for (int i = 0; i < NPKT; i++)
		verdicts[aclfilter_check(f, p[i].b, p[i].len, p[i].dir)]++;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_ns(), w0 = now_ns(), total;
		unsigned acc = 0;
		long n = 0;

		while (n < checks)
			for (int i = 0; i < NPKT; i++, n++)
				acc += aclfilter_check(f, p[i].b, p[i].len, p[i].dir);
		total = (double)n;
		ns[r] = (cpu_ns() - t0) / total;
		wall += (now_ns() - w0) / total;
		sink += acc;
	}
	qsort(ns, (size_t)rounds, sizeof(ns[0]), cmp_d);
	printf("%-12s %8.1f %8.1f %8.1f %8.1f   %3lu%% / %3lu%% / %3lu%%\n", name, ns[0],
	       ns[rounds / 2], ns[rounds - 1], wall / rounds, verdicts[ACLF_PERMIT] * 100 / NPKT,
	       verdicts[ACLF_DENY] * 100 / NPKT, verdicts[ACLF_MALFORMED] * 100 / NPKT);
	(void)sink;
}

static void header(const struct aclfilter *f, long checks, int rounds)
{
	char line[256], model[256] = "unknown";
	FILE *fp = fopen("/proc/cpuinfo", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (fp)
		fclose(fp);
	printf("# acl-bench: aclfilter_check, one 50-entry extended list "
	       "(%zu compiled entries: IPv4 + IPv6)\n", aclfilter_size(f));
	printf("# cpu: %s; compiler: %s%s%s\n", model, __VERSION__,
#ifdef __OPTIMIZE__
	       ", optimised",
#else
	       ", NOT optimised (-O0)",
#endif
#if defined(__SANITIZE_ADDRESS__)
	       ", ASan (figures inflated)"
#else
	       ""
#endif
	);
	fp = fopen("/proc/loadavg", "r");
	if (fp && fgets(line, sizeof(line), fp))
		line[strcspn(line, "\n")] = '\0';
	else
		snprintf(line, sizeof(line), "unknown");
	if (fp)
		fclose(fp);
	printf("# load average: %s (other work on the host inflates the wall column)\n", line);
	printf("# %ld checks per round, %d rounds; target (S4): < 50 ns/packet\n",
	       checks, rounds);
	printf("%-12s %8s %8s %8s %8s   %s\n", "case", "best", "median", "worst", "wall",
	       "permit / deny / malformed");
	printf("%-12s %8s %8s %8s %8s   (best/median/worst: CPU ns per packet of the\n",
	       "", "ns/pkt", "ns/pkt", "ns/pkt", "ns/pkt");
	printf("%-12s %8s %8s %8s %8s    rounds; wall: the mean, preemption included)\n",
	       "", "", "", "", "");
}

int main(int argc, char **argv)
{
	long checks = 5000000;
	int rounds = 5;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--checks") && i + 1 < argc)
			checks = atol(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: acl-bench [--checks N] [--rounds R]\n");
			return 2;
		}
	}
	if (checks < NPKT || rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "acl-bench: --checks >= %d, --rounds 1..%d\n", NPKT, ROUNDS_MAX);
		return 2;
	}
	struct sslvpnd_config *cfg = make_config();
	struct aclfilter *f = cfg ? aclfilter_compile(cfg, "SITE-FILTER", 0, err, sizeof(err))
				  : NULL;
	struct aclfilter *none = cfg ? aclfilter_compile(cfg, "", 0, err, sizeof(err)) : NULL;

	if (!f || !none) {
		fprintf(stderr, "acl-bench: %s\n", cfg ? err : "out of memory");
		return 1;
	}
	header(f, checks, rounds);
	run_case(f, "mix", checks, rounds);
	run_case(f, "first-entry", checks, rounds);
	run_case(f, "implicit", checks, rounds);
	run_case(f, "all-entries", checks, rounds);
	run_case(f, "ipv6", checks, rounds);
	run_case(f, "fragments", checks, rounds);
	run_case(none, "no-filter", checks, rounds);
	aclfilter_free(f);
	aclfilter_free(none);
	free(cfg->acls);
	free(cfg);
	return 0;
}
