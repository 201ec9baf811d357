/* The DTLS demultiplexer (anyconnect-protocol.md 4.5, dtls-openssl.md P11).
 *
 * main owns one UDP socket per interface.  It reads only the first
 * datagram a peer sends: a DTLS ClientHello whose session id (at a fixed
 * offset, before any crypto) names a session with a tunnel up.  For such a
 * hello main opens a new UDP socket bound to the same local address and
 * port (SO_REUSEPORT), connects it to the peer and hands it, with the
 * hello, to the worker of that session.  From then on the kernel delivers
 * the peer's datagrams to the connected socket (a connected UDP socket
 * scores higher than the wildcard one), so main never sees them again and
 * the worker does the crypto.  A hello from a new address or port (NAT
 * rebinding, openconnect reconnecting DTLS) lands here again and replaces
 * the worker's socket for that session only.
 *
 * Anything else gets no answer: unknown ids cost one hash-bucket walk and
 * no allocation, so a flood of random hellos buys an attacker nothing. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "main.h"
#include "mban.h"
#include "sslvpnd/dtls09.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { UDP_READS_PER_WAKE = 64, UDP_MAX_DGRAM = 2048 };

static int reuse(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return -1;
	return 0;
}

/* Ask for the local address of each datagram: the connected socket must
 * be bound to the address the client talked to, or its replies would
 * leave from another source and be dropped by the client. */
static int want_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
}

static int open_udp(const struct cfg_interface *ifc, int *family)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (listen_parse_addr(ifc->address, ifc->dtls_port, &ss, &sl) < 0) {
		log_warnx("interface %s: bad address %s", ifc->name, ifc->address);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_warn("interface %s: UDP socket", ifc->name);
		return -1;
	}
	if (reuse(fd) < 0 || want_pktinfo(fd, ss.ss_family) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		log_warn("interface %s: cannot use UDP %s port %u for DTLS", ifc->name,
			 ifc->address, ifc->dtls_port);
		close(fd);
		return -1;
	}
	*family = ss.ss_family;
	return fd;
}

/* The local address the datagram was sent to, with the listener's port. */
static int local_of(struct msghdr *mh, const struct udp_listener *u,
		    struct sockaddr_storage *out, socklen_t *len)
{
	memset(out, 0, sizeof(*out));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c;
	     c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *s4 = (struct sockaddr_in *)out;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			s4->sin_family = AF_INET;
			s4->sin_addr = pi.ipi_addr;
			s4->sin_port = htons(u->ifc->dtls_port);
			*len = sizeof(*s4);
			return 0;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = pi.ipi6_addr;
			s6->sin6_port = htons(u->ifc->dtls_port);
			s6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			*len = sizeof(*s6);
			return 0;
		}
	}
	return -1;
}

static int connected_socket(const struct sockaddr_storage *local, socklen_t ll,
			    const struct sockaddr_storage *peer, socklen_t pl)
{
	int fd = socket(local->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (reuse(fd) < 0 || bind(fd, (const struct sockaddr *)local, ll) < 0 ||
	    connect(fd, (const struct sockaddr *)peer, pl) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void hand_over(struct udp_listener *u, const uint8_t *pkt, size_t len,
		      struct msghdr *mh, const struct sockaddr_storage *peer,
		      socklen_t pl)
{
	struct mainctx *m = u->m;
	uint8_t id[DTLS09_SESSION_ID_LEN];
	struct ipc_dtls_hello h = { 0 };
	struct worker_proc *w;
	struct sockaddr_storage local;
	socklen_t ll;
	struct session *s = NULL;

	if (mban_refuse(MBAN_DTLS, (const struct sockaddr *)peer))
		return;
	if (dtls09_hello_session_id(pkt, len, id) < 0 || len > sizeof(h.hello) ||
	    !(s = sessions_by_dtls_id(m, id, &w, &h.conn_id, &h.session_id))) {
		m->udp_unknown++;
		return;
	}
	util_sockaddr_str((const struct sockaddr *)peer, h.peer, sizeof(h.peer),
			  &h.peer_port);
	if (!sessions_hello_allowed(s, h.peer, util_now_ms())) {
		m->udp_limited++;
		return;
	}
	if (local_of(mh, u, &local, &ll) < 0) {
		m->udp_errors++;
		return;
	}
	int fd = connected_socket(&local, ll, peer, pl);

	if (fd < 0) {
		m->udp_errors++;
		log_warn("interface %s: DTLS socket for a session", u->ifc->name);
		return;
	}
	memcpy(h.hello, pkt, len);
	h.hello_len = (uint16_t)len;
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_dtls_hello(&h, buf, sizeof(buf));

	if (proc_send(w, IPC_DTLS_HELLO, buf, n, fd) == 0)
		m->udp_handed++;
	else
		m->udp_errors++;
	close(fd);
}

static void on_udp_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct udp_listener *u = io->data;
	uint8_t pkt[UDP_MAX_DGRAM];
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;

	(void)loop;
	(void)revents;
	for (int i = 0; i < UDP_READS_PER_WAKE; i++) {
		struct sockaddr_storage peer;
		struct iovec iov = { pkt, sizeof(pkt) };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(u->fd, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("interface %s: UDP receive", u->ifc->name);
			return;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			u->m->udp_unknown++;
			continue;
		}
		hand_over(u, pkt, (size_t)n, &mh, &peer, mh.msg_namelen);
	}
}

int udp_start_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->cfg->n_interfaces && i < MAIN_MAX_LISTENERS; i++) {
		const struct cfg_interface *ifc = &m->cfg->interfaces[i];
		struct udp_listener *u = &m->udp[m->n_udp];
		char port[8];

		if (!ifc->dtls_port)
			continue;
		u->fd = open_udp(ifc, &u->family);
		if (u->fd < 0)
			return -1;
		u->m = m;
		u->ifc = ifc;
		ev_io_init(&u->io, on_udp_cb, u->fd, EV_READ);
		u->io.data = u;
		ev_io_start(m->loop, &u->io);
		m->n_udp++;
		snprintf(port, sizeof(port), "%u", ifc->dtls_port);
		log_event(LM_DTLS_LISTENING, ifc->name, ifc->address, port);
		if (ifc->dtls_port != 443)
			log_event(LM_DTLS_PORT_NOT_443, ifc->name, port);
	}
	return 0;
}

void udp_stop_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_udp; i++) {
		ev_io_stop(m->loop, &m->udp[i].io);
		close(m->udp[i].fd);
	}
	m->n_udp = 0;
}
