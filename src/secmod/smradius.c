/* RADIUS back-end of secmod's AAA (S15): Access-Request with PAP (or the
 * answer to an Access-Challenge with its State), Message-Authenticator on
 * every request and required on every reply (radius.c), retransmission
 * every retry-interval within the host's timeout, then the next host of
 * the group (smaaa_next_host).
 *
 * Our own small client rather than libradcli: radcli's rc_aaa/rc_auth send
 * and wait in a blocking loop (select on its own socket until its timeout
 * and retries are spent), which would stall secmod's event loop, and with
 * it every TLS handshake's key operation, for up to timeout x retries per
 * unanswered request; it also has no way to require a Message-Authenticator
 * on replies.  A request here is one connected UDP socket (its own source
 * port: the 8-bit identifier space is never shared) watched by the loop.
 * The packets themselves are built and checked by src/common/radius.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "smaaa.h"
#include "sslvpnd/config.h"
#include "sslvpnd/log.h"
#include "sslvpnd/radius.h"
#include "sslvpnd/util.h"

enum { NAS_PORT_TYPE_VIRTUAL = 5 };

struct radreq {
	struct smaaa_req *r;
	int fd;
	ev_io io;
	ev_timer retry, deadline;
	struct radius_pkt pkt;
	char secret[CFG_AAA_SECRET_MAX];
	char group[CFG_NAME_MAX], address[CFG_NAME_MAX];
	uint64_t sent_ms;
};

static void rr_free(struct radreq *q)
{
	struct ev_loop *loop = smaaa_loop(q->r->a);

	ev_io_stop(loop, &q->io);
	ev_timer_stop(loop, &q->retry);
	ev_timer_stop(loop, &q->deadline);
	if (q->fd >= 0)
		close(q->fd);
	q->r->priv = NULL;
	OPENSSL_cleanse(q, sizeof(*q));
	free(q);
}

static int udp_to(const char *address, uint16_t port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int v6 = inet_pton(AF_INET, address, &s4.sin_addr) != 1;
	int fd;

	if (v6 && inet_pton(AF_INET6, address, &s6.sin6_addr) != 1)
		return -1;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (v6 ? connect(fd, (struct sockaddr *)&s6, sizeof(s6))
	       : connect(fd, (struct sockaddr *)&s4, sizeof(s4))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The Access-Request: PAP, or the answer to a challenge with its State. */
static int build(struct radreq *q, const struct ipc_aaa_req *rq)
{
	uint8_t auth[RADIUS_AUTH_LEN], id;
	struct radius_pkt *p = &q->pkt;

	if (RAND_bytes(auth, sizeof(auth)) != 1 || RAND_bytes(&id, 1) != 1)
		return -1;
	radius_init(p, RADIUS_ACCESS_REQUEST, id, auth);
	if (radius_add_str(p, RA_USER_NAME, rq->user) < 0 ||
	    /* an authorization lookup sends the name as password (the ASA's way) */
	    radius_add_password(p, rq->op == IPC_AAA_AUTHORIZE ? rq->user : rq->password,
				q->secret) < 0 ||
	    radius_add_str(p, RA_NAS_IDENTIFIER, "sslvpnd") < 0 ||
	    radius_add_u32(p, RA_NAS_PORT_TYPE, NAS_PORT_TYPE_VIRTUAL) < 0 ||
	    radius_add_str(p, RA_CALLING_STATION_ID, rq->peer) < 0 ||
	    (rq->state_len && radius_add(p, RA_STATE, rq->state, rq->state_len) < 0))
		return -1;
	return radius_finish(p, q->secret, 1);
}

/* An Accounting-Request (RFC 2866): octets as 32 bits + Gigawords (RFC
 * 2869 5.1/5.2), the Request Authenticator computed (radius_finish). */
static int build_acct(struct radreq *q, const struct ipc_acct_req *a)
{
	struct radius_pkt *p = &q->pkt;
	uint8_t id;

	if (RAND_bytes(&id, 1) != 1)
		return -1;
	radius_init(p, RADIUS_ACCOUNTING_REQUEST, id, NULL);
	if (radius_add_u32(p, RA_ACCT_STATUS_TYPE, a->status) < 0 ||
	    radius_add_str(p, RA_ACCT_SESSION_ID, a->session_id) < 0 ||
	    radius_add_str(p, RA_USER_NAME, a->user) < 0 ||
	    radius_add_str(p, RA_NAS_IDENTIFIER, "sslvpnd") < 0 ||
	    radius_add_u32(p, RA_NAS_PORT_TYPE, NAS_PORT_TYPE_VIRTUAL) < 0 ||
	    radius_add_str(p, RA_CALLING_STATION_ID, a->peer) < 0 ||
	    (a->framed_ip && radius_add(p, RA_FRAMED_IP_ADDRESS, &a->framed_ip, 4) < 0) ||
	    radius_add_str(p, RA_CLASS, a->class_) < 0 ||
	    radius_add_u32(p, RA_ACCT_AUTHENTIC, a->authentic) < 0 ||
	    radius_add_u32(p, RA_ACCT_DELAY_TIME, a->delay) < 0)
		return -1;
	if (a->status != IPC_ACCT_START &&
	    (radius_add_u32(p, RA_ACCT_SESSION_TIME, a->session_time) < 0 ||
	     radius_add_octets(p, RA_ACCT_INPUT_OCTETS, RA_ACCT_INPUT_GIGAWORDS, a->bytes_in) < 0 ||
	     radius_add_octets(p, RA_ACCT_OUTPUT_OCTETS, RA_ACCT_OUTPUT_GIGAWORDS, a->bytes_out) < 0 ||
	     radius_add_u32(p, RA_ACCT_INPUT_PACKETS, (uint32_t)a->pkts_in) < 0 ||
	     radius_add_u32(p, RA_ACCT_OUTPUT_PACKETS, (uint32_t)a->pkts_out) < 0))
		return -1;
	if (a->status == IPC_ACCT_STOP &&
	    radius_add_u32(p, RA_ACCT_TERMINATE_CAUSE, a->cause) < 0)
		return -1;
	return radius_finish(p, q->secret, 0);
}

static void rr_send(struct radreq *q)
{
	struct smaaa_host *h = q->r->host < q->r->g->n ? &q->r->g->h[q->r->host] : NULL;

	if (send(q->fd, q->pkt.b, q->pkt.len, 0) < 0)
		log_debugc(LOGC_AAA, 1, "aaa-server %s host %s: send: %s", q->group, q->address,
			   strerror(errno));
	if (!q->sent_ms)
		q->sent_ms = util_now_ms();
	else if (h)
		h->n_retransmits++;
}

static void fill_rep(struct ipc_aaa_rep *rep, const struct radius_reply *d)
{
	util_strlcpy(rep->group_policy, d->group_policy, sizeof(rep->group_policy));
	rep->framed_ip = d->framed_ip;
	util_strlcpy(rep->filter, d->filter, sizeof(rep->filter));
	rep->session_timeout = d->session_timeout;
	rep->idle_timeout = d->idle_timeout;
	util_strlcpy(rep->reply_message, d->reply_message, sizeof(rep->reply_message));
	memcpy(rep->state, d->state, d->state_len);
	rep->state_len = (uint16_t)d->state_len;
	util_strlcpy(rep->attrs, d->attrs, sizeof(rep->attrs));
}

static void count(struct smaaa_host *h, uint8_t code)
{
	if (!h)
		return;
	h->n_accepts += code == RADIUS_ACCESS_ACCEPT;
	h->n_rejects += code == RADIUS_ACCESS_REJECT;
	h->n_challenges += code == RADIUS_ACCESS_CHALLENGE;
}

/* A reply that checks out ends the request; any other datagram is logged
 * and dropped (the request keeps waiting: a forger must not end it). */
static void on_reply(struct radreq *q, const uint8_t *buf, size_t len)
{
	static struct radius_reply d;
	struct smaaa_req *r = q->r;
	struct smaaa_host *h = r->host < r->g->n ? &r->g->h[r->host] : NULL;
	const char *why = NULL;

	/* an Accounting-Response need not carry a Message-Authenticator */
	if (radius_check_reply(buf, len, &q->pkt, q->secret, !r->acct, &why) < 0 ||
	    radius_decode_reply(buf, len, &d, &why) < 0) {
		if (h)
			h->n_bad_replies++;
		log_event_rl(LM_AAA_BAD_REPLY, q->group, q->address, why);
		return;
	}
	smaaa_host_answered(r->g, r->host, util_now_ms() - q->sent_ms);
	if (r->acct) {
		if (h)
			h->n_acct_responses++;
		r->rep.result = IPC_AAA_ACCEPT;
		util_strlcpy(r->rep.host, q->address, sizeof(r->rep.host));
		rr_free(q);
		smaaa_done(r);
		return;
	}
	count(h, buf[0]);
	r->rep.result = buf[0] == RADIUS_ACCESS_ACCEPT ? IPC_AAA_ACCEPT
		      : buf[0] == RADIUS_ACCESS_CHALLENGE ? IPC_AAA_CHALLENGE : IPC_AAA_REJECT;
	fill_rep(&r->rep, &d);
	util_strlcpy(r->rep.host, q->address, sizeof(r->rep.host));
	OPENSSL_cleanse(&d, sizeof(d));
	rr_free(q);
	smaaa_done(r);
}

static void on_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct radreq *q = io->data;
	uint8_t buf[RADIUS_MAX];

	(void)loop;
	(void)revents;
	for (int i = 0; i < 8 && q; i++) {
		ssize_t n = recv(q->fd, buf, sizeof(buf), 0);

		if (n < 0)
			return;  /* EAGAIN, or ICMP unreachable: the deadline decides */
		if (q->r->priv != q)
			return;
		struct smaaa_req *r = q->r;

		on_reply(q, buf, (size_t)n);
		if (r->priv != q)
			return;  /* answered: q is gone */
	}
}

static void on_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	rr_send(t->data);
}

/* The host left the whole request unanswered: the next host, or none. */
static void on_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct radreq *q = t->data;
	struct smaaa_req *r = q->r;

	(void)loop;
	(void)revents;
	smaaa_host_silent(r->g, r->host, util_now_ms());
	log_debugc(LOGC_AAA, 1, "aaa-server %s host %s: no valid answer for %s", q->group,
		   q->address, r->acct ? r->arq.user : r->rq.user);
	rr_free(q);
	if (r->rq.host[0] || !smaaa_next_host(r)) {
		r->rep.result = IPC_AAA_UNREACHABLE;
		util_strlcpy(r->rep.reason, "no RADIUS server answered", sizeof(r->rep.reason));
		smaaa_done(r);
	}
}

static int rad_start(struct smaaa_req *r)
{
	const struct ipc_secmod_aaa *c = &r->g->h[r->host].c;
	struct ev_loop *loop = smaaa_loop(r->a);
	struct radreq *q = calloc(1, sizeof(*q));

	if (!q) {
		util_strlcpy(r->rep.reason, "out of memory", sizeof(r->rep.reason));
		return -1;
	}
	q->r = r;
	q->fd = -1;
	util_strlcpy(q->secret, c->key, sizeof(q->secret));
	util_strlcpy(q->group, r->g->name, sizeof(q->group));
	util_strlcpy(q->address, c->address, sizeof(q->address));
	r->priv = q;
	q->fd = udp_to(c->address, r->acct ? c->accounting_port : c->authentication_port);
	if (q->fd < 0 || (r->acct ? build_acct(q, &r->arq) : build(q, &r->rq)) < 0) {
		util_strlcpy(r->rep.reason, q->fd < 0 ? "cannot open a UDP socket to the server"
						      : "request does not fit a RADIUS packet",
			     sizeof(r->rep.reason));
		rr_free(q);
		return -1;
	}
	if (r->acct)
		r->g->h[r->host].n_acct_requests++;
	else
		r->g->h[r->host].n_requests++;
	ev_io_init(&q->io, on_io_cb, q->fd, EV_READ);
	q->io.data = q;
	ev_io_start(loop, &q->io);
	ev_timer_init(&q->retry, on_retry_cb, c->retry_interval, c->retry_interval);
	q->retry.data = q;
	if (c->retry_interval < c->timeout)
		ev_timer_start(loop, &q->retry);
	ev_timer_init(&q->deadline, on_deadline_cb, c->timeout, 0.);
	q->deadline.data = q;
	ev_timer_start(loop, &q->deadline);
	rr_send(q);
	return 0;
}

static void rad_cancel(struct smaaa_req *r)
{
	if (r->priv)
		rr_free(r->priv);
}

static void rad_configure(struct smaaa *a)
{
	smdynauth_configure(a, smaaa_ipc(a));
}

const struct smaaa_backend smradius_backend = { rad_start, rad_cancel, rad_configure };
