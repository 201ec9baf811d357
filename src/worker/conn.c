/* One client connection: TLS handshake, buffered TLS reads and whole-record
 * writes, timers, teardown.  What the bytes mean is wauth.c's (HTTP) or
 * tunnel.c's (CSTP) business.
 *
 * Buffers are allocated on demand: a connection in its handshake, or idle
 * between requests, holds its SSL object and nothing else (the input
 * buffer grows with the request, wauth.c; the output queue appears with the
 * first answer). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "sslvpnd/ban.h"
#include "sslvpnd/dtls12.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "bufcache.h"
#include "wire.h"
#include "worker.h"

/* What a closed connection gives back besides its own buffers: OpenSSL's
 * SSL object, its session and the client's certificate, about this much
 * (for util_heap_freed: the trim threshold, not an account). */
enum { CONN_SSL_BYTES = 16384 };
/* a resting tunnel's output queue comes back from bufcache.c */
_Static_assert((int)OUTQ_BYTES == (int)BUFCACHE_OUT, "bufcache keeps output queues");

static void on_io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void on_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);

static const struct tls_server *server_for(struct worker *w, const char *iface)
{
	for (size_t i = 0; i < w->wc.tls.n_ifaces; i++)
		if (!strcmp(w->wc.tls.ifaces[i].name, iface))
			return w->servers[i];
	return NULL;
}

static void set_events(struct conn *c, int events)
{
	if (c->io.events == events && ev_is_active(&c->io))
		return;
	ev_io_stop(c->w->loop, &c->io);
	ev_io_set(&c->io, c->fd, events);
	ev_io_start(c->w->loop, &c->io);
}

void conn_set_timer(struct conn *c, double seconds)
{
	ev_timer_stop(c->w->loop, &c->timer);
	ev_timer_set(&c->timer, seconds, seconds);
	ev_timer_start(c->w->loop, &c->timer);
	c->timer_due = 0; /* periodic: conn_traffic leaves it alone */
}

/* Once, at due (ms of util_now_ms): the tunnel's timer sleeps until its
 * next deadline.  Never more than an hour at once (then it looks again).
 * Every deadline of a tunnel has seconds of slack (DPD 30 s, idle
 * timeouts in minutes, the rest after 3 s, the 5 s statistics boundary),
 * so it is rounded up to the next TIMER_GRAIN_MS of the clock, plus
 * TIMER_LATE_MS: the timers of all tunnels due in one grain fire in one
 * wake-up of the worker (the loop's timeout collect interval, worker.c,
 * gathers what a few ms apart) instead of one each; with 10,000 idle
 * phones that was a wake-up every 2 ms.  The grain stays well under a
 * second: a server DTLS DPD a second late let the phones' own DPD (their
 * 1 s tick, also 30 s) go first in half the cases, twice the records.
 * The extra milliseconds keep a timer from firing before its boundary:
 * libev counts from the time its loop woke, a little before now. */
static void timer_at(struct conn *c, uint64_t due, uint64_t now)
{
	enum { MAX_SLEEP_MS = 3600 * 1000, TIMER_GRAIN_MS = 100, TIMER_LATE_MS = 2 };
	uint64_t ms;

	/* first the cap: "nothing due" is UINT64_MAX, which rounding up
	 * would wrap to a deadline of now */
	if (due > now + MAX_SLEEP_MS)
		due = now + MAX_SLEEP_MS;
	due = (due + TIMER_GRAIN_MS - 1) / TIMER_GRAIN_MS * TIMER_GRAIN_MS + TIMER_LATE_MS;
	ms = due > now ? due - now : 1;
	ev_timer_stop(c->w->loop, &c->timer);
	ev_timer_set(&c->timer, (double)ms / 1000., 0.);
	ev_timer_start(c->w->loop, &c->timer);
	c->timer_due = now + ms;
}

void conn_timer_rearm(struct conn *c)
{
	uint64_t now = util_now_ms(), due;

	if (c->timer_due && c->timer_due > now && (due = tunnel_next_due(c, now)) < c->timer_due)
		timer_at(c, due, now);
}

void conn_traffic(struct conn *c, uint64_t now)
{
	if (c->timer_due > now + TUNNEL_STATS_PERIOD_MS)
		conn_timer_rearm(c);
}

static void tls_log_start(struct conn *c)
{
	char port[8], lport[8];

	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	snprintf(lport, sizeof(lport), "%u", c->meta.local_port);
	log_event(LM_TLS_START, c->meta.iface, c->meta.peer, port, c->meta.local, lport);
}

/* Every TLS connection passes here (main accepts, but its listeners are
 * not the worker's to configure): without TCP_NODELAY, Nagle holds a
 * record's tail back for the peer's delayed ACK, which cut one tunnel's
 * download from ~820 to 352 Mbit/s.  Each CSTP frame is one whole record
 * (conn_queue), so there is nothing for Nagle to coalesce.  A failure
 * costs only speed. */
static void set_nodelay(struct worker *w, int fd, const char *peer)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		log_debug("worker %u: TCP_NODELAY on the connection from %s: %s", w->id, peer,
			  strerror(errno));
}

void conn_new(struct worker *w, int fd, const struct ipc_conn_new *meta)
{
	const struct tls_server *srv = server_for(w, meta->iface);
	struct conn *c = calloc(1, sizeof(*c));

	if (!c || !srv || !(c->ssl = SSL_new(srv->ctx))) {
		log_warnx("worker %u: cannot accept connection from %s (%s)", w->id,
			  meta->peer, srv ? "out of memory" : "unknown interface");
		free(c);
		close(fd);
		return;
	}
	c->w = w;
	c->id = meta->conn_id;
	c->fd = fd;
	c->srv = srv;
	c->meta = *meta;
	c->state = CS_HANDSHAKE;
	util_strlcpy(c->info.peer_host, meta->peer, sizeof(c->info.peer_host));
	c->info.peer_port = meta->peer_port;
	util_strlcpy(c->info.ifname, meta->iface, sizeof(c->info.ifname));
	util_nonblock(fd);
	set_nodelay(w, fd, meta->peer);
	SSL_set_fd(c->ssl, fd);
	SSL_set_accept_state(c->ssl);
	SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* idle before the tunnel: OpenSSL's own record buffers go too */
	SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
	/* the handshake runs in a libssl job that pauses while secmod signs
	 * (wkey.c); cleared once it is done: a job per SSL_read would cost */
	SSL_set_mode(c->ssl, SSL_MODE_ASYNC);
	tls_conn_attach(c->ssl, &c->info);
	worker_conn_add(w, c);
	ev_io_init(&c->io, on_io_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(w->loop, &c->io);
	ev_init(&c->timer, on_timer_cb);
	c->timer.data = c;
	conn_set_timer(c, w->wc.limits.handshake_timeout);
	tls_log_start(c);
}

void conn_report_source(struct conn *c, int cause)
{
	struct ipc_src_event e = { .cause = (uint8_t)cause, .conn_id = c->id };
	uint8_t buf[128];

	worker_send(c->w, IPC_SRC_EVENT, buf, ipc_enc_src_event(&e, buf, sizeof(buf)));
}

static void send_conn_done(struct conn *c)
{
	struct ipc_conn_done d = { .conn_id = c->id,
				   .handshake = c->state == CS_HANDSHAKE ? IPC_HS_FAILED
						: c->resumed		 ? IPC_HS_RESUMED
									 : IPC_HS_COMPLETED };
	uint8_t buf[32];

	worker_send(c->w, IPC_CONN_DONE, buf, ipc_enc_conn_done(&d, buf, sizeof(buf)));
}

/* A handshake paused on a key request (timeout, or the worker stops):
 * SSL_free does not end its job, so it is resumed once on a failed request
 * and ends with the handshake's failure (an alert to the client, then the
 * close).  Bounded: a resumed job never pauses again on that request. */
static void end_paused_job(struct conn *c)
{
	if (c->state != CS_HANDSHAKE || !wkey_conn_closing(c->id))
		return;
	ERR_clear_error();
	wkey_conn(c->id, c->meta.peer, c->meta.iface);
	(void)SSL_do_handshake(c->ssl);
	ERR_clear_error();
}

void conn_close(struct conn *c, const char *why)
{
	struct worker *w = c->w;

	if (c->state == CS_TUNNEL)
		tunnel_end(c);
	if (c->state != CS_HANDSHAKE) {
		char port[8];

		snprintf(port, sizeof(port), "%u", c->meta.peer_port);
		log_event(LM_TLS_CLOSED, c->meta.iface, c->meta.peer, port, why);
	}
	ev_io_stop(w->loop, &c->io);
	ev_timer_stop(w->loop, &c->timer);
	end_paused_job(c);
	SSL_set_quiet_shutdown(c->ssl, 0);
	if (c->state != CS_HANDSHAKE) {
		ERR_clear_error();
		SSL_shutdown(c->ssl); /* best effort close_notify */
	}
	/* A close_notify to a peer that is gone fails (EPIPE) and queues an
	 * error; left there, it would make the next connection's WANT_READ
	 * look fatal (see conn_ssl_error). */
	ERR_clear_error();
	SSL_free(c->ssl);
	close(c->fd);
	worker_conn_remove(w, c);
	send_conn_done(c);
	if (c->req)
		OPENSSL_cleanse(c->req, sizeof(*c->req));
	free(c->req);
	util_heap_freed(sizeof(*c) + c->in_cap + (c->out.buf ? OUTQ_BYTES : 0) + CONN_SSL_BYTES);
	conn_in_free(c);
	bufcache_free(c->out.buf);
	free(c);
}

int conn_in_reserve(struct conn *c, size_t cap)
{
	uint8_t *p;

	if (cap <= c->in_cap)
		return 0;
	if (cap < c->in_len || !(p = bufcache_alloc(cap)))
		return -1;
	if (c->in) {
		memcpy(p, c->in, c->in_len);
		OPENSSL_cleanse(c->in, c->in_hwm);
		bufcache_free(c->in);
	}
	c->in = p;
	c->in_cap = cap;
	c->in_hwm = c->in_len;
	return 0;
}

/* The wipe covers what ever held request or tunnel bytes (passwords,
 * cookies), not the whole capacity: a tunnel's 84 KB buffer mostly never
 * sees a byte, and wiping it all would make those pages resident just
 * before they are freed, inflating the memory left after sessions end. */
void conn_in_free(struct conn *c)
{
	if (c->in) {
		OPENSSL_cleanse(c->in, c->in_hwm);
		bufcache_free(c->in);
	}
	c->in = NULL;
	c->in_len = c->in_cap = c->in_hwm = 0;
}

int conn_in_room(struct conn *c, size_t first, size_t max)
{
	if (c->in_len < c->in_cap)
		return 0;
	return conn_in_reserve(c, c->in_cap ? max : first);
}

/* Only what is empty goes: a partial frame or a queued record stays until
 * the next tick.  Counted for the trim: the pages a keepalive or a DPD
 * touched, not the capacity. */
static void release_buffers(struct conn *c)
{
	size_t n = 0;

	if (c->in && !c->in_len) {
		n += c->in_hwm < c->in_cap ? c->in_hwm : c->in_cap;
		conn_in_free(c);
	}
	if (c->out.buf && !c->out.used) {
		n += 4096;
		bufcache_free(c->out.buf);
		c->out.buf = NULL;
		c->out.head = c->out.tail = 0;
	}
	util_heap_freed(n);
}

/* One channel's rest: -1 data flows again (end the rest), 2 quiet for
 * CONN_REST_MS (the rest begins), 1 resting (release again what a
 * keepalive brought back), 0 nothing to do. */
static int rest_step(struct conn_rest *r, uint64_t pkts, uint64_t now)
{
	if (pkts != r->seen || !r->quiet_since) {
		int was = r->resting;

		r->seen = pkts;
		r->quiet_since = now;
		r->resting = 0;
		return was ? -1 : 0;
	}
	if (now - r->quiet_since < CONN_REST_MS)
		return 0;
	if (r->resting)
		return 1;
	r->resting = 1;
	return 2;
}

uint64_t conn_rest_due(const struct conn *c, uint64_t due)
{
	uint64_t d;

	if (c->rest_tls.quiet_since && !c->rest_tls.resting && (d = c->rest_tls.quiet_since + CONN_REST_MS) < due)
		due = d;
	if (c->rest_dtls.quiet_since && !c->rest_dtls.resting && (d = c->rest_dtls.quiet_since + CONN_REST_MS) < due)
		due = d;
	return due;
}

/* Held per tunnel otherwise: the input buffer (4 to 32 KB), the output
 * queue (64 KB), OpenSSL's TLS read and write buffers (about 17 KB each)
 * and the DTLS 1.2 session's read buffer (16.7 KB), of which a phone's
 * keepalives touch a few pages, but recycled chunks come back already
 * resident.  Released buffers cost a malloc and free per record, so a
 * channel carrying data keeps them (SSL_MODE_RELEASE_BUFFERS off). */
void conn_rest_tick(struct conn *c, uint64_t now)
{
	const struct tunnel_state *t = &c->t;
	struct dtls12 *d12 = t->dtls.est ? t->dtls.est->d12 : NULL;
	int r = rest_step(&c->rest_tls, t->pkts_in + t->pkts_out - t->dtls_pkts_in -
				       t->dtls_pkts_out, now);

	if (r < 0)
		SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
	if (r == 2) {
		/* from now on libssl frees its own buffers after each
		 * record (counted as two small records) */
		SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
		if (SSL_free_buffers(c->ssl))
			util_heap_freed(8192);
	}
	if (r > 0)
		release_buffers(c);
	/* every resting tick: the established channel may be a new one */
	r = rest_step(&c->rest_dtls, t->dtls_pkts_in + t->dtls_pkts_out, now);
	if (r && d12)
		dtls12_rest(d12, r > 0);
}

void conn_in_got(struct conn *c, size_t n)
{
	c->in_len += n;
	if (c->in_len > c->in_hwm)
		c->in_hwm = c->in_len;
}

/* Entries [u16 len][bytes] sit between head and tail.  When the tail
 * reaches the end the live part moves to the front; the pending SSL_write
 * may move because of SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER. */
int conn_queue(struct conn *c, const void *a, size_t alen, const void *b, size_t blen)
{
	struct outq *q = &c->out;
	size_t need = 2 + alen + blen;

	if (alen + blen > UINT16_MAX)
		return -1;
	if (!q->buf && !(q->buf = bufcache_alloc(OUTQ_BYTES)))
		return -1;
	if (q->tail + need > OUTQ_BYTES) {
		if (q->tail - q->head + need > OUTQ_BYTES)
			return -1;
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	uint8_t *p = q->buf + q->tail;

	p[0] = (uint8_t)((alen + blen) >> 8);
	p[1] = (uint8_t)(alen + blen);
	memcpy(p + 2, a, alen);
	if (blen)
		memcpy(p + 2 + alen, b, blen);
	q->tail += need;
	q->used = q->tail - q->head;
	return 0;
}

/* SSL_get_error() looks at this thread's error queue first, and every TLS
 * and DTLS connection of the worker shares that queue: an error that one
 * connection left behind (a close_notify to a vanished peer, an unexpected
 * EOF) turns another connection's harmless WANT_READ into SSL_ERROR_SSL,
 * which closed healthy connections and tunnels.  So each SSL I/O call
 * starts on an empty queue (ERR_clear_error right before it); a failure's
 * own errors stay for the caller to report. */
int conn_ssl_error(struct conn *c, int r)
{
	int e = SSL_get_error(c->ssl, r);

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE &&
	    e != SSL_ERROR_ZERO_RETURN)
		log_debug("conn %u from %s: TLS error %d: %s", c->id, c->meta.peer, e,
			  ERR_reason_error_string(ERR_peek_last_error()) ?
			  ERR_reason_error_string(ERR_peek_last_error()) : "(none)");
	return e;
}

/* A tunnel reads with read-ahead: libssl asks the socket for all the room
 * in its buffer, so a read() that returns less found the socket empty.
 * Remembering that saves the second read() per keepalive or DPD record
 * that only came back with EAGAIN (and, while the tunnel rests, the
 * malloc and free of libssl's 17 KB buffer around it).  Data arriving
 * after the short read is readiness again: the loop polls
 * level-triggered. */
static long read_note_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
			 int ret, size_t *processed)
{
	(void)argp;
	(void)argi;
	(void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
		struct conn *c = (struct conn *)BIO_get_callback_arg(b);

		c->rd_drained = ret <= 0 || !processed || *processed < len;
	}
	return ret;
}

void conn_read_watch(struct conn *c)
{
	BIO *b = SSL_get_rbio(c->ssl);

	if (!b)
		return;
	BIO_set_callback_arg(b, (char *)c);
	BIO_set_callback_ex(b, read_note_cb);
}

/* Nothing left to read: the socket was empty at the last read() and
 * libssl holds no byte of it (not even part of a record). */
int conn_read_drained(const struct conn *c)
{
	return c->rd_drained && !SSL_has_pending(c->ssl);
}

static int write_head(struct conn *c)
{
	struct outq *q = &c->out;
	size_t len = (size_t)q->buf[q->head] << 8 | q->buf[q->head + 1];

	ERR_clear_error();
	int r = SSL_write(c->ssl, q->buf + q->head + 2, (int)len);

	if (r > 0) {
		q->head += len + 2;
		if (q->head == q->tail)
			q->head = q->tail = 0;
		q->used = q->tail - q->head;
		return 1;
	}
	int e = conn_ssl_error(c, r);

	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
		return 0;
	return -1;
}

/* A tunnel that carries data over TLS seals its records into a write
 * buffer (wire.c) and sends them per batch; anything else writes each
 * record straight to the socket.  Failing to get the buffer only costs
 * speed. */
void conn_wire_buffer(struct conn *c)
{
	if (c->wire_buffered)
		return;
	if (wire_buffer(c->ssl, WIRE_BYTES) < 0) {
		log_debug("conn %u: no TLS write buffer (out of memory): one send per record",
			  c->id);
		c->wire_buffered = -1;
		return;
	}
	c->wire_buffered = 1;
}

int conn_out_pending(struct conn *c)
{
	return c->out.used || (c->wire_buffered > 0 && wire_pending(c->ssl));
}

void conn_flush(struct conn *c)
{
	int r = 1;

	while (c->out.used && (r = write_head(c)) > 0)
		;
	/* the queue is sealed: send what the buffer holds (after a
	 * WANT_WRITE the socket is full, nothing to try before EV_WRITE) */
	if (r > 0 && c->wire_buffered > 0)
		r = wire_flush(c->ssl);
	if (r < 0) {
		if (c->state == CS_TUNNEL && !c->t.close_reason)
			c->t.close_reason = IPC_CLOSE_LOST;
		conn_close(c, "TLS write failed");
		return;
	}
	c->want_write = conn_out_pending(c);
	if (!c->want_write && c->close_after_flush) {
		conn_close(c, "response sent");
		return;
	}
	set_events(c, EV_READ | (c->want_write ? EV_WRITE : 0));
}

static void handshake_failed(struct conn *c, int sslerr)
{
	char port[8], reason[256];

	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	if (c->info.verify_failed) {
		log_event(LM_CERT_INVALID, c->info.verify_asa_reason, c->info.verify_serial,
			  c->info.verify_subject, c->meta.peer, c->info.verify_issuer);
		log_event(LM_CERT_INVALID_DETAIL, c->meta.peer, port, c->info.verify_reason);
		log_debugc(LOGC_CRYPTO_CA, 1, "CRYPTO_PKI: client certificate of %s/%u refused: "
			   "%s (subject %s, serial %s)", c->meta.peer, c->meta.peer_port,
			   c->info.verify_reason, c->info.verify_subject, c->info.verify_serial);
		snprintf(reason, sizeof(reason), "client certificate: %s",
			 c->info.verify_reason);
		conn_report_source(c, BAN_CERT);
		tls_error_log(NULL, 0, c->meta.peer); /* 725014, as the ASA */
	} else if (sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN) {
		util_strlcpy(reason, "connection closed by peer", sizeof(reason));
	} else {
		tls_error_log(reason, sizeof(reason), c->meta.peer);
	}
	log_event(LM_TLS_FAILED, c->meta.iface, c->meta.peer, port, reason);
	conn_close(c, "handshake failed");
}

/* debug ssl / debug crypto ca: what the handshake settled. */
static void debug_handshake(struct conn *c)
{
	struct tls_peer_cert pc;

	log_debugc(LOGC_SSL, 1, "conn %u from %s/%u on %s: %s %s%s", c->id, c->meta.peer,
		   c->meta.peer_port, c->meta.iface, SSL_get_version(c->ssl),
		   SSL_get_cipher_name(c->ssl), c->info.legacy ? " (legacy phone profile)" : "");
	if (!log_class_on(LOGC_CRYPTO_CA, 1))
		return;
	tls_peer_cert_get(c->ssl, &pc);
	if (!pc.present)
		log_debugc(LOGC_CRYPTO_CA, 1, "CRYPTO_PKI: %s/%u presented no client certificate",
			   c->meta.peer, c->meta.peer_port);
	else
		log_debugc(LOGC_CRYPTO_CA, 1, "CRYPTO_PKI: client certificate of %s/%u %s: "
			   "subject %s, issuer %s, serial %s%s%s", c->meta.peer,
			   c->meta.peer_port, pc.verified ? "validated" : "not validated",
			   pc.subject, pc.issuer, pc.serial, pc.trustpoint[0] ? ", trustpoint " : "",
			   pc.trustpoint);
}

/* 725012 once, as soon as the server has chosen (after the ClientHello),
 * so that it comes before any failure later in the handshake. */
static void log_cipher_chosen(struct conn *c)
{
	const SSL_CIPHER *ch = SSL_get_pending_cipher(c->ssl);
	char port[8];

	if (c->cipher_told || !(ch || (ch = SSL_get_current_cipher(c->ssl))))
		return;
	c->cipher_told = 1;
	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	log_event(LM_TLS_CHOSE, SSL_CIPHER_get_name(ch), c->meta.iface, c->meta.peer, port);
}

/* A session resumed from a ticket: its client certificate (leaf only,
 * from the ticket) is checked again now, as a full handshake checks the
 * chain it is sent (trustpoints, CRLs, dates of this configuration); a
 * refused one ends the connection with the full handshake's lines.
 * 0: go on. */
static int resumed(struct conn *c, const char *port)
{
	struct tls_peer_cert pc;

	if (!SSL_session_reused(c->ssl))
		return 0;
	if (tls_resumed_verify(c->ssl) < 0) {
		handshake_failed(c, SSL_ERROR_SSL);
		return -1;
	}
	c->resumed = 1;
	tls_peer_cert_get(c->ssl, &pc);
	log_event(LM_TLS_RESUMED, c->meta.iface, c->meta.peer, port, SSL_get_version(c->ssl),
		  pc.present ? pc.subject : "none");
	return 0;
}

static void handshake_step(struct conn *c);

/* While secmod has WKEY_INFLIGHT of this worker's requests, a handshake
 * not yet paused waits with its bytes in the socket (backpressure: no job,
 * no request shed) until a request is answered. */
static void handshake(struct conn *c)
{
	if (wkey_defer(c->id)) {
		ev_io_stop(c->w->loop, &c->io);
		return;
	}
	handshake_step(c);
}

static void handshake_step(struct conn *c)
{
	ERR_clear_error();
	wkey_conn(c->id, c->meta.peer, c->meta.iface);
	int r = SSL_do_handshake(c->ssl);

	log_cipher_chosen(c);
	if (r == 1) {
		char port[8], lport[8];

		snprintf(port, sizeof(port), "%u", c->meta.peer_port);
		snprintf(lport, sizeof(lport), "%u", c->meta.local_port);
		if (resumed(c, port) < 0)
			return;
		tls_log_cert_ok(c->ssl);
		log_event(LM_TLS_DONE, c->meta.iface, c->meta.peer, port,
			  SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl),
			  c->meta.local, lport);
		debug_handshake(c);
		SSL_clear_mode(c->ssl, SSL_MODE_ASYNC);
		c->state = CS_HTTP;
		conn_set_timer(c, c->w->wc.limits.request_timeout);
		/* finished by a resumption (RSA key exchange: the premaster
		 * was the last step) while the socket was not watched */
		set_events(c, EV_READ);
		wauth_on_readable(c);
		return;
	}
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ) {
		set_events(c, EV_READ);
	} else if (e == SSL_ERROR_WANT_WRITE) {
		set_events(c, EV_READ | EV_WRITE);
	} else if (e == SSL_ERROR_WANT_ASYNC) {
		/* paused on secmod's answer: the socket is not looked at
		 * until conn_key_ready (no wake-up per client byte) */
		ev_io_stop(c->w->loop, &c->io);
	} else if (e == SSL_ERROR_WANT_ASYNC_JOB) {
		/* no job free in the pool (not expected: wkey.c bounds the
		 * paused ones): this handshake waits for secmod the old way */
		SSL_clear_mode(c->ssl, SSL_MODE_ASYNC);
		handshake_step(c);
	} else {
		handshake_failed(c, e);
	}
}

int conn_key_ready(struct worker *w, uint32_t id)
{
	struct conn *c = worker_conn_by_id(w, id);

	if (!c || c->state != CS_HANDSHAKE)
		return 0;
	handshake_step(c);  /* never held back: it holds a slot, or had its turn */
	return 1;
}


static void on_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct conn *c = io->data;
	uint32_t id = c->id;
	struct worker *w = c->w;

	if (c->state == CS_HANDSHAKE) {
		handshake(c);
		return;
	}
	if ((revents & EV_WRITE) && c->want_write) {
		conn_flush(c);
		if (!worker_conn_by_id(w, id))
			return;  /* closed while flushing */
	}
	if (!(revents & EV_READ))
		return;
	if (c->state == CS_TUNNEL)
		tunnel_on_readable(c);
	else
		wauth_on_readable(c);
}

/* Before the tunnel the timer is a budget: the handshake, then each whole
 * request (restarted by wauth.c when one is complete), so a client that
 * trickles bytes (slowloris) is closed when it runs out. */
static void on_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct conn *c = t->data;
	const struct cfg_limits *lim = &c->w->wc.limits;
	int hs = c->state == CS_HANDSHAKE;
	char port[8], secs[16];

	if (c->state == CS_TUNNEL) {
		/* Not every second for every tunnel (S11): the timer fires
		 * at the tunnel's next deadline, computed again here. */
		struct worker *w = c->w;
		uint32_t id = c->id;

		tunnel_on_timer(c);
		if (worker_conn_by_id(w, id) == c && c->state == CS_TUNNEL) {
			uint64_t now = util_now_ms(), due = tunnel_next_due(c, now);

			/* A deadline still past (the idle TERMINATE waits for
			 * its flush) is looked at again a second later, as
			 * before, not in a loop. */
			timer_at(c, due > now ? due : now + 1000, now);
		}
		return;
	}
	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	snprintf(secs, sizeof(secs), "%d", hs ? lim->handshake_timeout : lim->request_timeout);
	log_event_rl(LM_PREAUTH_TIMEOUT, c->meta.peer, port,
		     hs ? "TLS handshake" : "HTTP request", secs);
	conn_close(c, hs ? "TLS handshake timeout" : "HTTP request timeout");
}
