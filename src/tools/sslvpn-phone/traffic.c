/* Traffic without a tun device: IPv4 packets the session builds and parses
 * itself, per-session statistics, and the UDP echo service for the far end.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "phone.h"
#include "sslvpnd/util.h"

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;

	for (; n > 1; n -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (n)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void ip_hdr(uint8_t *b, size_t total, uint8_t proto, struct in_addr src,
		   struct in_addr dst)
{
	static uint16_t ipid;

	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)total);
	put16(b + 4, ++ipid);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	put16(b + 10, csum(b, 20, 0));
}

size_t pkt_icmp_echo(uint8_t *buf, struct in_addr src, struct in_addr dst,
		     uint16_t id, uint16_t seq, size_t total)
{
	if (total < 20 + 8 + 8)
		total = 20 + 8 + 8;
	uint8_t *ic = buf + 20;
	uint64_t t = now_us();

	ip_hdr(buf, total, IPPROTO_ICMP, src, dst);
	memset(ic, 0, total - 20);
	ic[0] = ICMP_ECHO;
	put16(ic + 4, id);
	put16(ic + 6, seq);
	memcpy(ic + 8, &t, 8);
	for (size_t i = 16; i < total - 20; i++)
		ic[i] = (uint8_t)i;
	put16(ic + 2, csum(ic, total - 20, 0));
	return total;
}

size_t pkt_udp(uint8_t *buf, struct in_addr src, const struct sockaddr_in *dst,
	       uint16_t sport, const uint8_t *payload, size_t plen)
{
	uint8_t *u = buf + 20;
	size_t ulen = 8 + plen;
	uint8_t pseudo[12];

	ip_hdr(buf, 20 + ulen, IPPROTO_UDP, src, dst->sin_addr);
	put16(u, sport);
	memcpy(u + 2, &dst->sin_port, 2);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	memcpy(u + 8, payload, plen);
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst->sin_addr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	put16(pseudo + 10, (uint16_t)ulen);
	uint32_t s = 0;

	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
	uint16_t c = csum(u, ulen, s);

	put16(u + 6, c ? c : 0xffff);
	return 20 + ulen;
}

size_t pkt_icmp_reply(uint8_t *buf, size_t len, struct in_addr me)
{
	if (len < 28 || (buf[0] >> 4) != 4 || buf[9] != IPPROTO_ICMP)
		return 0;
	size_t ihl = (size_t)(buf[0] & 15) * 4;

	if (ihl < 20 || len < ihl + 8 || memcmp(buf + 16, &me, 4) || buf[ihl] != ICMP_ECHO)
		return 0;
	struct in_addr src;

	memcpy(&src, buf + 12, 4);
	uint8_t *ic = buf + ihl;

	ic[0] = ICMP_ECHOREPLY;
	put16(ic + 2, 0);
	put16(ic + 2, csum(ic, len - ihl, 0));
	ip_hdr(buf, len, IPPROTO_ICMP, me, src);
	if (ihl > 20) { /* drop options: move the ICMP part up */
		memmove(buf + 20, ic, len - ihl);
		len -= ihl - 20;
		ip_hdr(buf, len, IPPROTO_ICMP, me, src);
	}
	return len;
}

/* RFC 3550 interarrival jitter, here over consecutive round-trip times (the
 * echo service is on the same clock, so RTT variation is what a phone's
 * jitter buffer would see twice over). */
void stats_rtt(struct ph_stats *st, double rtt_ms)
{
	if (st->last_rtt_ms > 0) {
		double d = fabs(rtt_ms - st->last_rtt_ms);

		st->jitter_ms += (d - st->jitter_ms) / 16.0;
		if (st->jitter_ms > st->jitter_max_ms)
			st->jitter_max_ms = st->jitter_ms;
	}
	st->last_rtt_ms = rtt_ms;
	st->rtt_sum_ms += rtt_ms;
	if (rtt_ms > st->rtt_max_ms)
		st->rtt_max_ms = rtt_ms;
}

/* ---- the echo service (sslvpn-phone --echo-server ADDR:PORT) */

static void echo_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	uint8_t buf[2048];
	struct sockaddr_in peer;

	(void)loop;
	(void)revents;
	for (int i = 0; i < 256; i++) {
		socklen_t pl = sizeof(peer);
		ssize_t n = recvfrom(w->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);

		if (n < 0)
			return;
		sendto(w->fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, pl);
	}
}

static void echo_stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void echo_sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int echo_server_main(const char *addrport, int lifetime)
{
	char host[64];
	const char *colon = strrchr(addrport, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };

	if (!colon || (size_t)(colon - addrport) >= sizeof(host))
		return 2;
	memcpy(host, addrport, (size_t)(colon - addrport));
	host[colon - addrport] = 0;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || atoi(colon + 1) <= 0)
		return 2;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sslvpn-phone: echo server %s: %s\n", addrport, strerror(errno));
		return 11;
	}
	util_nonblock(fd);
	struct ev_loop *loop = ev_default_loop(0);
	ev_io io;
	ev_timer stop;
	ev_signal sterm, sint;

	ev_io_init(&io, echo_cb, fd, EV_READ);
	ev_io_start(loop, &io);
	ev_timer_init(&stop, echo_stop_cb, lifetime, 0);
	ev_timer_start(loop, &stop);
	ev_signal_init(&sterm, echo_sig_cb, SIGTERM);
	ev_signal_start(loop, &sterm);
	ev_signal_init(&sint, echo_sig_cb, SIGINT);
	ev_signal_start(loop, &sint);
	fprintf(stderr, "sslvpn-phone: UDP echo on %s for at most %d s\n", addrport, lifetime);
	ev_run(loop, 0);
	close(fd);
	return 0;
}
