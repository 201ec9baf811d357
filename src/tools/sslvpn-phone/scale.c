/* sslvpn-phone: the pure arithmetic of large runs (--source-addrs,
 * --procs, descriptor needs, reconnect storms), kept apart from the
 * sockets so the unit tests can check it (check_phone_vpngroup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "phone.h"

/* "A" or "A-B" or "A/LEN".  A prefix shorter than /31 leaves out its
 * network and broadcast addresses: the bench adds the addresses to lo, and
 * a phone never sends from either. */
int src_range_parse(const char *text, struct in_addr *lo, struct in_addr *hi)
{
	char a[INET_ADDRSTRLEN];
	const char *sep = strpbrk(text, "-/");
	size_t alen = sep ? (size_t)(sep - text) : strlen(text);

	if (alen == 0 || alen >= sizeof(a))
		return -1;
	memcpy(a, text, alen);
	a[alen] = 0;
	if (inet_pton(AF_INET, a, lo) != 1)
		return -1;
	if (!sep) {
		*hi = *lo;
		return 0;
	}
	if (*sep == '-') {
		if (inet_pton(AF_INET, sep + 1, hi) != 1 || ntohl(hi->s_addr) < ntohl(lo->s_addr))
			return -1;
		return 0;
	}
	char *end;
	long len = strtol(sep + 1, &end, 10);

	if (end == sep + 1 || *end || len < 1 || len > 32)
		return -1;
	uint32_t mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
	uint32_t net = ntohl(lo->s_addr) & mask, bcast = net | ~mask;

	if (len < 31) {
		net++;
		bcast--;
	}
	lo->s_addr = htonl(net);
	hi->s_addr = htonl(bcast);
	return 0;
}

/* Process p's share of total sessions over procs (the first total % procs
 * get one more); *base receives its first session index. */
unsigned proc_share(unsigned total, unsigned procs, unsigned p, unsigned *base)
{
	unsigned per = total / procs, extra = total % procs;

	*base = p * per + (p < extra ? p : extra);
	return per + (p < extra);
}

/* Descriptors one emulator process needs for n sessions: a TCP and a UDP
 * socket each, plus the loop, the pipes and stdio. */
unsigned long nofile_need(unsigned n)
{
	return (unsigned long)n * 2u + 64u;
}

/* Reconnect-storm figures from the per-session loss and return times
 * (monotonic ms, 0 = none): sessions back, the outage of each (p50, p99,
 * max) and the span from the first loss to the last return. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void storm_figures(const uint64_t *lost, const uint64_t *back, unsigned n, struct storm *st)
{
	uint64_t *out = malloc((n ? n : 1) * sizeof(*out));
	uint64_t first = 0, last = 0;

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < n; i++) {
		if (!lost[i])
			continue;
		st->lost++;
		if (!first || lost[i] < first)
			first = lost[i];
		if (back[i] < lost[i])
			continue; /* lost, not back */
		if (out)
			out[st->back] = back[i] - lost[i];
		st->back++;
		if (back[i] > last)
			last = back[i];
	}
	if (out && st->back) {
		qsort(out, st->back, sizeof(*out), cmp_u64);
		st->p50_ms = out[(st->back - 1) / 2];
		st->p99_ms = out[(st->back * 99 + 99) / 100 - 1];
		st->max_ms = out[st->back - 1];
		st->span_ms = last - first;
	}
	free(out);
}
