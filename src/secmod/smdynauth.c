/* RADIUS dynamic authorization (RFC 5176) in secmod (S15): a UDP listener
 * on each dynamic-authorization-port of the groups that enable it.  A
 * datagram is taken only from an address that is a host of such a group,
 * and only when that host's key verifies its Request Authenticator (and
 * its Message-Authenticator when present); main then ends the sessions it
 * names (COA_REQ / COA_REP) and the server gets a Disconnect-ACK or -NAK
 * (Error-Cause).  A CoA-Request is answered CoA-NAK 405: a live session's
 * attributes are not changed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "smaaa.h"
#include "sslvpnd/config.h"
#include "sslvpnd/log.h"
#include "sslvpnd/radius.h"
#include "sslvpnd/util.h"

enum { DYN_PORTS_MAX = 4, DYN_PENDING_MAX = 64 };

struct dyn_listener {
	int fd;                          /* -1: none */
	uint16_t port;
	ev_io io;
};

/* A verified request waiting for main's answer. */
struct dyn_pending {
	uint32_t seq;                    /* 0: free */
	int fd;
	struct sockaddr_storage from;
	socklen_t fromlen;
	uint8_t req[RADIUS_MAX];
	char secret[CFG_AAA_SECRET_MAX];
};

static struct dyn_listener ls[DYN_PORTS_MAX];
static struct dyn_pending pend[DYN_PENDING_MAX];
static struct smaaa *dyn_a;
static uint32_t dyn_seq;
static int dyn_ipc = -1;

static void refused(const char *src, const char *why)
{
	log_event_rl(LM_AAA_DYNAUTH_REFUSED, src, why);
}

/* The host of a dynamic-authorization group at address src. */
static const struct smaaa_host *host_of(const char *src, const char **group)
{
	struct smaaa_group *g;
	size_t n = smaaa_groups(dyn_a, &g);

	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; g[i].protocol == CFG_AAA_RADIUS && h < g[i].n; h++)
			if (g[i].h[h].c.dynamic_authorization &&
			    !strcmp(g[i].h[h].c.address, src)) {
				*group = g[i].name;
				return &g[i].h[h];
			}
	return NULL;
}

static void attr_text(const uint8_t *v, size_t n, char *out, size_t cap)
{
	size_t k = n < cap - 1 ? n : cap - 1;

	memcpy(out, v, k);
	out[k] = '\0';
}

static void to_main(struct dyn_pending *p, const uint8_t *buf, size_t len, const char *src)
{
	struct ipc_coa_req rq = { .seq = p->seq, .code = buf[0] };
	size_t off = RADIUS_HDR, vlen;
	const uint8_t *v;
	uint8_t type;

	util_strlcpy(rq.host, src, sizeof(rq.host));
	while (radius_attr_next(buf, len, &off, &type, &v, &vlen)) {
		if (type == RA_ACCT_SESSION_ID)
			attr_text(v, vlen, rq.session_id, sizeof(rq.session_id));
		else if (type == RA_USER_NAME)
			attr_text(v, vlen, rq.user, sizeof(rq.user));
		else if (type == RA_FRAMED_IP_ADDRESS && vlen == 4)
			memcpy(&rq.framed_ip, v, 4);
	}
	if (IPC_SEND(dyn_ipc, IPC_COA_REQ, coa_req, &rq, 0, -1) < 0)
		log_warn("secmod: cannot pass a Disconnect-Request to main");
}

static void on_datagram(int fd, const uint8_t *buf, size_t len,
			const struct sockaddr_storage *from, socklen_t fromlen)
{
	char src[INET6_ADDRSTRLEN] = "?";
	const struct smaaa_host *h;
	struct dyn_pending *p = NULL;
	const char *why = NULL, *group = NULL;

	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)from)->sin6_addr;

	if (from->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)from)->sin_addr, src, sizeof(src));
	else if (IN6_IS_ADDR_V4MAPPED(a6))  /* the dual-stack socket's IPv4 senders */
		inet_ntop(AF_INET, &a6->s6_addr[12], src, sizeof(src));
	else
		inet_ntop(AF_INET6, a6, src, sizeof(src));
	if (!(h = host_of(src, &group))) {
		refused(src, "not a host of an aaa-server group with dynamic-authorization");
		return;
	}
	if (radius_check_request(buf, len, h->c.key, &why) < 0) {
		refused(src, why);
		return;
	}
	for (size_t i = 0; i < DYN_PENDING_MAX && !p; i++)
		if (!pend[i].seq)
			p = &pend[i];
	if (!p) {
		refused(src, "too many requests waiting");
		return;
	}
	if (++dyn_seq == 0)
		dyn_seq = 1;
	p->seq = dyn_seq;
	p->fd = fd;
	memcpy(&p->from, from, sizeof(*from));
	p->fromlen = fromlen;
	memcpy(p->req, buf, len);
	util_strlcpy(p->secret, h->c.key, sizeof(p->secret));
	log_debugc(LOGC_AAA, 1, "aaa-server %s host %s: %s", group, src,
		   buf[0] == RADIUS_DISCONNECT_REQUEST ? "Disconnect-Request" : "CoA-Request");
	to_main(p, buf, len, src);
}

static void on_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct dyn_listener *l = io->data;
	uint8_t buf[RADIUS_MAX];

	(void)loop;
	(void)revents;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n < 0)
			return;
		on_datagram(l->fd, buf, (size_t)n, &from, fl);
	}
}

void smdynauth_on_rep(const struct ipc_coa_rep *rep)
{
	struct radius_pkt out;

	for (size_t i = 0; i < DYN_PENDING_MAX; i++) {
		struct dyn_pending *p = &pend[i];
		int ack = rep->ended > 0 && !rep->error_cause;
		uint8_t code;

		if (!p->seq || p->seq != rep->seq)
			continue;
		code = p->req[0] == RADIUS_DISCONNECT_REQUEST
			       ? (ack ? RADIUS_DISCONNECT_ACK : RADIUS_DISCONNECT_NAK)
			       : (ack ? RADIUS_COA_ACK : RADIUS_COA_NAK);
		radius_init(&out, code, p->req[1], NULL);
		if ((ack || radius_add_u32(&out, RA_ERROR_CAUSE, rep->error_cause) == 0) &&
		    radius_finish_response(&out, p->req, p->secret) == 0)
			sendto(p->fd, out.b, out.len, 0, (struct sockaddr *)&p->from, p->fromlen);
		OPENSSL_cleanse(p, sizeof(*p));
		return;
	}
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;  /* dual-stack: IPv4 servers arrive as mapped addresses */
	if (fd >= 0)
		close(fd);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int want_port(uint16_t port)
{
	struct smaaa_group *g;
	size_t n = smaaa_groups(dyn_a, &g);

	for (size_t i = 0; i < n; i++)
		if (g[i].protocol == CFG_AAA_RADIUS && g[i].n && g[i].h[0].c.dynamic_authorization &&
		    g[i].h[0].c.dynamic_authorization_port == port)
			return 1;
	return 0;
}

/* A new configuration: listeners for the ports it names, closed for the
 * ports it no longer does. */
void smdynauth_configure(struct smaaa *a, int ipc)
{
	struct ev_loop *loop = smaaa_loop(a);
	struct smaaa_group *g;
	size_t n;

	dyn_a = a;
	dyn_ipc = ipc;
	for (size_t i = 0; i < DYN_PORTS_MAX; i++)
		if (ls[i].fd >= 0 && ls[i].port && !want_port(ls[i].port)) {
			ev_io_stop(loop, &ls[i].io);
			close(ls[i].fd);
			ls[i].fd = -1;
			ls[i].port = 0;
		}
	n = smaaa_groups(a, &g);
	for (size_t i = 0; i < n; i++) {
		uint16_t port = g[i].n ? g[i].h[0].c.dynamic_authorization_port : 0;
		struct dyn_listener *free_l = NULL;
		int have = 0;

		if (g[i].protocol != CFG_AAA_RADIUS || !g[i].n || !g[i].h[0].c.dynamic_authorization)
			continue;
		for (size_t k = 0; k < DYN_PORTS_MAX; k++) {
			have |= ls[k].port == port && ls[k].fd >= 0;
			if (!free_l && (ls[k].fd < 0 || !ls[k].port))
				free_l = &ls[k];
		}
		if (have)
			continue;
		if (!free_l || (free_l->fd = listen_on(port)) < 0) {
			log_warn("secmod: cannot listen for RADIUS dynamic-authorization on UDP port %u "
				 "(aaa-server %s)", port, g[i].name);
			if (free_l)
				free_l->fd = -1;
			continue;
		}
		free_l->port = port;
		ev_io_init(&free_l->io, on_io_cb, free_l->fd, EV_READ);
		free_l->io.data = free_l;
		ev_io_start(loop, &free_l->io);
		log_debugc(LOGC_AAA, 1, "RADIUS dynamic-authorization listening on UDP port %u", port);
	}
}

void smdynauth_init(void)
{
	for (size_t i = 0; i < DYN_PORTS_MAX; i++)
		ls[i].fd = -1;
}
