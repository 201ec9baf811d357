/* Cisco DTLS 1.2 resumption and PSK-NEGOTIATE servers on stock libssl: see
 * include/sslvpnd/dtls12.h.
 *
 * Recipes and pitfalls: dtls-openssl.md 4, 5, 8 and 9 (P2, P3, P5, P6, P7,
 * P10).  libssl does the handshake; this file is glue: a BIO_METHOD that
 * hands libssl exactly the datagram the owner gave us and passes every
 * datagram libssl writes to the owner's send callback, the session lookup
 * and PSK callbacks, a bounded retransmission schedule, and the check that
 * a "resumption" really resumed.  After the handshake AES-GCM sessions are
 * handed over to our own record layer (dtlsrec.c) and the SSL object is
 * freed (dtls12_own_records in dtls12.h says when).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "sslvpnd/dtls12.h"
#include "sslvpnd/dtlsrec.h"

enum {
	/* A record never carries more than this (RFC 6347 4.1 via RFC 5246
	 * 6.2.1); also the cap of every data MTU we report. */
	MAX_FRAME = SSL3_RT_MAX_PLAIN_LENGTH,
	/* libssl's own DTLS minimum (dtls1_min_mtu) without BIO overhead */
	MIN_LINK_MTU = 256,
	MAX_LINK_MTU = 65535,
	REC_HDR_LEN = 13, /* DTLS record header */
	/* Same schedule as the DTLS 0.9 server: resends 1, 3, 7, 15 and 23 s
	 * after the first flight, give up at 31 s. */
	RTO_INITIAL_US = 1000000,
	RTO_MAX_US = 8000000,
	GIVE_UP_MS = 31000,
	/* Only checked when the client resumes, which it does within seconds
	 * of CONNECT; a reconnect gets a new dtls12 and a new session. */
	SESSION_TIMEOUT_S = 24 * 3600,
	ERR_TEXT_LEN = 160,
	/* A PSK session's last flight is ours: the client resends its own
	 * when ours is lost, and libssl must answer that.  Its first
	 * application record proves it has our Finished; without one, this
	 * long without a resend does too (its timer starts at 1 s). */
	HANDOFF_QUIET_MS = 5000,
	/* Epoch-1 sequence numbers below this, received before the handover,
	 * count as seen by our replay window; higher ones only from a
	 * datagram libssl authenticated (a forged one must not move the
	 * window past the client). */
	RX_EARLY_SEQ = 64,
	EPOCH_DATA = 1, /* no renegotiation: the only protected epoch */
};

enum state {
	ST_HANDSHAKE,
	ST_ESTABLISHED,
	ST_CLOSED, /* the peer closed: no more input or output */
	ST_FAILED,
};

struct dtls12_ctx {
	SSL_CTX *resume;
	SSL_CTX *psk;
	/* What the resumption context can serve (dtls12_suite_id): DTLS 1.2
	 * capable, encrypting, authenticated by neither PSK, SRP nor
	 * nothing.  The SSL_CIPHERs are libssl's static table entries. */
	STACK_OF(SSL_CIPHER) *suites;
};

struct dtls12 {
	enum dtls12_mode mode;
	enum state state;
	int err; /* the sticky error once ST_FAILED */
	SSL *ssl;
	SSL_SESSION *sess; /* the pre-made session (resumption only) */
	/* The datagram being fed: the BIO's read hands it over once. */
	const uint8_t *in;
	size_t in_len;
	int sent;	     /* libssl wrote a datagram (handshake deadline) */
	uint64_t give_up_ms; /* handshake deadline, owner clock */
	size_t est_mtu;	     /* data MTU before establishment */
	dtls12_send_fn send;
	dtls12_frame_fn frame;
	void *arg;
	struct dtls12_stats stats;
	/* Once established: the shortest record body and the CBC block of
	 * the negotiated suite (0 when not in rec_shapes), for rec_sane. */
	size_t min_body;
	size_t cbc_block;
	size_t cbc_iv;
	/* The handover to our record layer (dtlsrec.h): once own is set the
	 * SSL object is gone and rec runs the records. */
	int own;
	struct dtlsrec rec;
	const SSL_CIPHER *cipher; /* libssl's static table: outlives ssl */
	size_t own_mtu;
	uint64_t tx_next;  /* above every epoch-1 record libssl sent */
	uint64_t rx_after; /* above every epoch-1 record fed to libssl that
			    * counts as seen (RX_EARLY_SEQ) */
	uint64_t est_ms;   /* when the handshake completed, owner clock */
	uint8_t psk[DTLS12_PSK_LEN];
	char error[ERR_TEXT_LEN];
};

/* --- process-wide libssl glue, created once --- */

static CRYPTO_ONCE glue_once = CRYPTO_ONCE_STATIC_INIT;
static int ex_index = -1;
static BIO_METHOD *bio_method;

static uint64_t get48(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* The larger of at and one past the highest epoch-1 sequence number below
 * limit among the records of a datagram (walked by their lengths, up to
 * the first that does not fit). */
static uint64_t epoch1_after(const uint8_t *p, size_t len, uint64_t at,
			     uint64_t limit)
{
	size_t off = 0, body;
	uint64_t seq;

	while (len - off >= REC_HDR_LEN) {
		body = (size_t)p[off + 11] << 8 | p[off + 12];
		if (body > len - off - REC_HDR_LEN)
			break;
		seq = get48(p + off + 5);
		if (((unsigned)p[off + 3] << 8 | p[off + 4]) == EPOCH_DATA &&
		    seq < limit && seq + 1 > at)
			at = seq + 1;
		off += REC_HDR_LEN + body;
	}
	return at;
}

/* The datagram of the current dtls12_input, or EAGAIN: libssl reads until
 * it sees a retry, so a second read in the same call must not succeed.
 * A datagram larger than libssl's buffer is cut; its records then fail
 * their length or MAC checks and are dropped, as on a socket. */
static int bio_read(BIO *b, char *out, int outl)
{
	struct dtls12 *d = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (!d->in || outl <= 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = d->in_len < (size_t)outl ? d->in_len : (size_t)outl;
	memcpy(out, d->in, n);
	d->in = NULL;
	return (int)n;
}

/* Each call is one datagram.  During the handshake libssl's buffering BIO
 * sits in front of this one, so a flight arrives here whole (as long as
 * it fits the MTU); a retransmitted flight comes one message per call,
 * application data one record per SSL_write. */
static int bio_write(BIO *b, const char *buf, int len)
{
	struct dtls12 *d = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	d->sent = 1;
	d->tx_next = epoch1_after((const uint8_t *)buf, (size_t)len,
				  d->tx_next, UINT64_MAX);
	d->send(d->arg, (const uint8_t *)buf, (size_t)len);
	return len;
}

/* What libssl 3.0.22 asks this BIO (traced over the unit tests): FLUSH
 * after every flight (0 would be a write error), WPENDING while it packs
 * a flight, PUSH / POP when its buffering BIO goes in front of ours for
 * the handshake and away again, SET_NEXT_TIMEOUT whenever it arms or
 * stops its timer, GET_MTU_OVERHEAD, GET_KTLS_SEND, and GET_KTLS_RECV on
 * every read.  Never seen: QUERY_MTU and GET_FALLBACK_MTU (we set
 * SSL_OP_NO_QUERY_MTU), MTU_EXCEEDED (writes never fail), GET_PEER (no
 * DTLSv1_listen).  0 answers all of them but FLUSH: no overhead (link_mtu
 * is already the UDP payload budget), nothing pending, no kTLS, no socket
 * timeouts to set. */
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static void glue_init(void)
{
	BIO_METHOD *m;
	int type = BIO_get_new_index();

	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (type < 0)
		return;
	m = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK, "sslvpnd dtls12");
	if (!m || !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_write(m, bio_write) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl)) {
		BIO_meth_free(m);
		return;
	}
	bio_method = m; /* lives as long as the process */
}

static int glue_ready(void)
{
	return CRYPTO_THREAD_run_once(&glue_once, glue_init) &&
	       ex_index >= 0 && bio_method;
}

static struct dtls12 *owner(SSL *ssl)
{
	return SSL_get_ex_data(ssl, ex_index);
}

/* --- libssl callbacks --- */

/* The only session the resumption context knows is the one made for this
 * peer at CONNECT.  *copy = 1: libssl takes its own reference. */
static SSL_SESSION *sess_get_cb(SSL *ssl, const unsigned char *id, int len,
				int *copy)
{
	struct dtls12 *d = owner(ssl);
	const unsigned char *sid;
	unsigned int sid_len;

	*copy = 0;
	if (!d || !d->sess || len != DTLS12_ID_LEN)
		return NULL;
	sid = SSL_SESSION_get_id(d->sess, &sid_len);
	if (sid_len != DTLS12_ID_LEN || CRYPTO_memcmp(sid, id, DTLS12_ID_LEN))
		return NULL;
	*copy = 1;
	return d->sess;
}

/* openconnect sends the identity "psk"; only the key matters. */
static unsigned int psk_cb(SSL *ssl, const char *identity, unsigned char *psk,
			   unsigned int max_psk_len)
{
	struct dtls12 *d = owner(ssl);

	(void)identity;
	if (!d || d->mode != DTLS12_PSK || max_psk_len < DTLS12_PSK_LEN)
		return 0;
	memcpy(psk, d->psk, DTLS12_PSK_LEN);
	return DTLS12_PSK_LEN;
}

/* Called with 0 when libssl arms a fresh timer and with the current
 * duration on every expiry, i.e. once per retransmitted flight, whether
 * dtls12_timeout or a late read noticed the expiry. */
static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
	struct dtls12 *d = owner(ssl);

	if (timer_us == 0)
		return RTO_INITIAL_US;
	if (d)
		d->stats.hs_timeouts++;
	return timer_us >= RTO_MAX_US / 2 ? RTO_MAX_US : timer_us * 2;
}

/* --- contexts --- */

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static SSL_CTX *ctx_base(void)
{
	SSL_CTX *c = SSL_CTX_new(DTLS_server_method());

	/* No renegotiation: a rekey is a new handshake from the client,
	 * which the owner routes to a new dtls12 (P11).  No encrypt-then-MAC:
	 * libssl 3.0 treats a bad MAC on an EtM record as fatal (alert,
	 * session dead) where every other DTLS record error is a silent
	 * drop, so one forged datagram would end a CBC session; GnuTLS
	 * clients never offer EtM anyway (dtls-openssl.md 4). */
	if (!c || !SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_ciphersuites(c, "")) {
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU |
				       SSL_OP_NO_RENEGOTIATION |
				       SSL_OP_NO_ENCRYPT_THEN_MAC);
	/* Nothing is ever stored: resumption finds its session through the
	 * callback, PSK sessions are never resumed. */
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER |
						  SSL_SESS_CACHE_NO_INTERNAL);
	return c;
}

static int suite_servable(const SSL_CIPHER *c)
{
	int kx = SSL_CIPHER_get_kx_nid(c), auth = SSL_CIPHER_get_auth_nid(c);

	return SSL_CIPHER_get_cipher_nid(c) != NID_undef &&
	       auth != NID_auth_null && auth != NID_auth_psk &&
	       auth != NID_auth_srp && kx != NID_kx_psk &&
	       kx != NID_kx_ecdhe_psk && kx != NID_kx_dhe_psk &&
	       kx != NID_kx_rsa_psk && kx != NID_kx_srp;
}

/* SSL_get1_supported_ciphers applies what a cipher string cannot: the
 * DTLS 1.2 version range (drops TLS 1.3 and TLS-only suites) and the
 * security level.  It returns NULL for "none", hence the empty stack. */
static STACK_OF(SSL_CIPHER) *suites_servable(SSL_CTX *ctx)
{
	SSL *s = SSL_new(ctx);
	STACK_OF(SSL_CIPHER) *all = s ? SSL_get1_supported_ciphers(s) : NULL;
	int i;

	SSL_free(s);
	if (!all)
		return sk_SSL_CIPHER_new_null();
	for (i = sk_SSL_CIPHER_num(all) - 1; i >= 0; i--)
		if (!suite_servable(sk_SSL_CIPHER_value(all, i)))
			(void)sk_SSL_CIPHER_delete(all, i);
	return all;
}

static int ctx_resume(struct dtls12_ctx *x, const char *ciphers, char *err,
		      size_t errlen)
{
	if (!(x->resume = ctx_base()))
		goto libssl;
	/* P3: a client that offers EMS would otherwise not resume a session
	 * made without it (there is no setter for the flag). */
	SSL_CTX_set_options(x->resume, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	SSL_CTX_sess_set_get_cb(x->resume, sess_get_cb);
	if (!SSL_CTX_set_cipher_list(x->resume, ciphers)) {
		set_err(err, errlen,
			"DTLS 1.2 cipher list '%s' selects no suite", ciphers);
		return -1;
	}
	if (!(x->suites = suites_servable(x->resume)))
		goto libssl;
	if (sk_SSL_CIPHER_num(x->suites) == 0) {
		set_err(err, errlen,
			"DTLS 1.2 cipher list '%s' has no suite that can be "
			"resumed (PSK, SRP, anonymous and NULL suites cannot)",
			ciphers);
		return -1;
	}
	return 0;
libssl:
	set_err(err, errlen, "libssl: %s",
		"cannot create the DTLS 1.2 context");
	return -1;
}

/* EMS stays on here: the PSK handshake is a full one, and P3 only hurts
 * resumption of a session made without EMS. */
static int ctx_psk(struct dtls12_ctx *x, char *err, size_t errlen)
{
	if (!(x->psk = ctx_base()) || !SSL_CTX_set_cipher_list(x->psk, "PSK")) {
		set_err(err, errlen, "libssl: %s",
			"cannot create the DTLS PSK context");
		return -1;
	}
	SSL_CTX_set_options(x->psk, SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_psk_server_callback(x->psk, psk_cb);
	return 0;
}

struct dtls12_ctx *dtls12_ctx_new(const char *resume_ciphers, char *err,
				  size_t errlen)
{
	struct dtls12_ctx *x;

	if (err && errlen)
		err[0] = '\0';
	if (!resume_ciphers) {
		set_err(err, errlen, "%s", "no DTLS 1.2 cipher list");
		return NULL;
	}
	if (!glue_ready() || !(x = calloc(1, sizeof(*x)))) {
		set_err(err, errlen, "%s", "out of memory");
		return NULL;
	}
	if (ctx_resume(x, resume_ciphers, err, errlen) ||
	    ctx_psk(x, err, errlen)) {
		dtls12_ctx_free(x);
		x = NULL;
	}
	ERR_clear_error(); /* partial cipher-list matches leave notes too */
	return x;
}

void dtls12_ctx_free(struct dtls12_ctx *x)
{
	if (!x)
		return;
	sk_SSL_CIPHER_free(x->suites);
	SSL_CTX_free(x->resume);
	SSL_CTX_free(x->psk);
	free(x);
}

static const SSL_CIPHER *suite_find(const struct dtls12_ctx *x,
				    const char *name)
{
	int i;

	if (!x || !name)
		return NULL;
	for (i = 0; i < sk_SSL_CIPHER_num(x->suites); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(x->suites, i);

		if (strcmp(SSL_CIPHER_get_name(c), name) == 0)
			return c;
	}
	return NULL;
}

uint16_t dtls12_suite_id(const struct dtls12_ctx *x, const char *name)
{
	const SSL_CIPHER *c = suite_find(x, name);

	return c ? SSL_CIPHER_get_protocol_id(c) : 0;
}

/* --- sessions --- */

static void fail_text(struct dtls12 *d, int code, const char *text)
{
	snprintf(d->error, sizeof(d->error), "%s", text);
	d->state = ST_FAILED;
	d->err = code;
}

/* The first queued libssl error is the cause (later ones are the callers
 * reporting it). */
static const char *first_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	return reason ? reason : "no libssl reason";
}

/* The error queue is cleared: it is per thread, shared by every session
 * of this worker, and SSL_get_error reads it. */
static int fail_ssl(struct dtls12 *d, int code, const char *what)
{
	snprintf(d->error, sizeof(d->error), "%s: %s", what, first_reason());
	ERR_clear_error();
	d->state = ST_FAILED;
	d->err = code;
	return code;
}

static struct dtls12 *session_new(SSL_CTX *ctx, enum dtls12_mode mode,
				  unsigned link_mtu, dtls12_send_fn send,
				  dtls12_frame_fn frame, void *arg)
{
	struct dtls12 *d;
	BIO *bio;

	if (!send || !frame || link_mtu < MIN_LINK_MTU ||
	    link_mtu > MAX_LINK_MTU || !glue_ready() ||
	    !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->mode = mode;
	d->state = ST_HANDSHAKE;
	d->give_up_ms = UINT64_MAX;
	d->send = send;
	d->frame = frame;
	d->arg = arg;
	if (!(d->ssl = SSL_new(ctx)) || !(bio = BIO_new(bio_method)))
		goto err;
	BIO_set_data(bio, d);
	BIO_set_init(bio, 1);
	SSL_set_bio(d->ssl, bio, bio);
	/* With SSL_OP_NO_QUERY_MTU this is the MTU libssl fragments the
	 * handshake to and DTLS_get_data_mtu works from; it refuses values
	 * below its minimum (256). */
	if (!SSL_set_ex_data(d->ssl, ex_index, d) ||
	    SSL_set_mtu(d->ssl, link_mtu) <= 0)
		goto err;
	DTLS_set_timer_cb(d->ssl, timer_cb);
	SSL_set_accept_state(d->ssl);
	return d;
err:
	ERR_clear_error();
	dtls12_free(d);
	return NULL;
}

/* dtls-openssl.md 4 step 2: the session the client believes it resumes. */
static SSL_SESSION *session_make(const SSL_CIPHER *c,
				 const uint8_t master[DTLS12_MASTER_LEN],
				 const uint8_t id[DTLS12_ID_LEN])
{
	SSL_SESSION *s = SSL_SESSION_new();

	if (!s || !SSL_SESSION_set1_id(s, id, DTLS12_ID_LEN) ||
	    !SSL_SESSION_set1_master_key(s, master, DTLS12_MASTER_LEN) ||
	    !SSL_SESSION_set_cipher(s, c) ||
	    !SSL_SESSION_set_protocol_version(s, DTLS1_2_VERSION) ||
	    !SSL_SESSION_set_timeout(s, SESSION_TIMEOUT_S)) {
		SSL_SESSION_free(s);
		return NULL;
	}
	return s;
}

struct dtls12 *dtls12_new_resume(struct dtls12_ctx *x,
				 const uint8_t master[DTLS12_MASTER_LEN],
				 const uint8_t session_id[DTLS12_ID_LEN],
				 const char *suite, unsigned link_mtu,
				 dtls12_send_fn send, dtls12_frame_fn frame,
				 void *arg)
{
	const SSL_CIPHER *c = suite_find(x, suite);
	struct dtls12 *d;

	if (!c || !master || !session_id)
		return NULL;
	d = session_new(x->resume, DTLS12_RESUME, link_mtu, send, frame, arg);
	if (!d)
		return NULL;
	if (!(d->sess = session_make(c, master, session_id))) {
		ERR_clear_error();
		dtls12_free(d);
		return NULL;
	}
	d->est_mtu = dtls12_data_mtu_for(suite, link_mtu);
	return d;
}

struct dtls12 *dtls12_new_psk(struct dtls12_ctx *x,
			      const uint8_t psk[DTLS12_PSK_LEN],
			      unsigned link_mtu, dtls12_send_fn send,
			      dtls12_frame_fn frame, void *arg)
{
	struct dtls12 *d;

	if (!x || !psk)
		return NULL;
	d = session_new(x->psk, DTLS12_PSK, link_mtu, send, frame, arg);
	if (!d)
		return NULL;
	memcpy(d->psk, psk, DTLS12_PSK_LEN);
	/* openconnect offers GCM first and gets it (dtls-openssl.md 5). */
	d->est_mtu = dtls12_data_mtu_for("PSK-AES256-GCM-SHA384", link_mtu);
	return d;
}

int dtls12_psk_from_tls(SSL *tls, uint8_t out[DTLS12_PSK_LEN])
{
	static const char label[] = "EXPORTER-openconnect-psk";

	if (!tls || !out)
		return -1;
	if (SSL_export_keying_material(tls, out, DTLS12_PSK_LEN, label,
				       sizeof(label) - 1, NULL, 0, 0) != 1) {
		OPENSSL_cleanse(out, DTLS12_PSK_LEN);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* SSL_free frees the BIO; SSL_SESSION_free wipes the master secret in
 * our session (libssl's reference from the lookup went with the SSL). */
void dtls12_free(struct dtls12 *d)
{
	if (!d)
		return;
	SSL_free(d->ssl);
	SSL_SESSION_free(d->sess);
	dtlsrec_wipe(&d->rec);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

void dtls12_rest(struct dtls12 *d, int on)
{
	if (!d || d->state != ST_ESTABLISHED || d->own)
		return; /* our record layer keeps no buffers */
	if (on)
		SSL_set_mode(d->ssl, SSL_MODE_RELEASE_BUFFERS);
	else
		SSL_clear_mode(d->ssl, SSL_MODE_RELEASE_BUFFERS);
}

/* --- handshake and records --- */

/* A resumption that did not resume is a full handshake, which without a
 * certificate only an anonymous suite can complete: a MITM (4 step 3). */
static void shape_learn(struct dtls12 *d);

static int hs_done(struct dtls12 *d, unsigned int *ev)
{
	if (d->mode == DTLS12_RESUME && SSL_session_reused(d->ssl) != 1) {
		fail_text(d, DTLS12_ERR_HANDSHAKE,
			  "handshake failed: the client did not resume the "
			  "announced session");
		return d->err;
	}
	d->state = ST_ESTABLISHED;
	d->cipher = SSL_get_current_cipher(d->ssl);
	shape_learn(d);
	*ev |= DTLS12_EV_ESTABLISHED;
	return 0;
}

static int hs_step(struct dtls12 *d, uint64_t now_ms, unsigned int *ev)
{
	int r = SSL_do_handshake(d->ssl);

	d->est_ms = now_ms;
	/* The deadline runs from our first flight: a datagram that libssl
	 * did not answer commits nothing. */
	if (d->sent && d->give_up_ms == UINT64_MAX)
		d->give_up_ms = now_ms + GIVE_UP_MS;
	if (r == 1)
		return hs_done(d, ev);
	if (SSL_get_error(d->ssl, r) == SSL_ERROR_WANT_READ)
		return 0;
	return fail_ssl(d, DTLS12_ERR_HANDSHAKE, "handshake failed");
}

/* close_notify, or a fatal alert (libssl marks both as a received
 * shutdown); anything else failing a read is libssl's own trouble. */
static int rx_error(struct dtls12 *d, int r, unsigned int *ev)
{
	switch (SSL_get_error(d->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(d->error, sizeof(d->error), "peer sent close_notify");
		break;
	case SSL_ERROR_SSL:
		if (SSL_get_shutdown(d->ssl) & SSL_RECEIVED_SHUTDOWN) {
			snprintf(d->error, sizeof(d->error),
				 "peer sent an alert: %s", first_reason());
			break;
		}
		/* fall through */
	default:
		return fail_ssl(d, DTLS12_ERR_INTERNAL, "read failed");
	}
	ERR_clear_error();
	d->state = ST_CLOSED;
	*ev |= DTLS12_EV_CLOSED;
	return 0;
}

/* One SSL_read is one record is one AnyConnect frame.  The buffer is
 * shared by the sessions of a thread: the frame callback must be done
 * with it before it returns and must not feed another datagram. */
static int rx_records(struct dtls12 *d, unsigned int *ev, size_t *records)
{
	static _Thread_local uint8_t buf[MAX_FRAME];
	size_t n;
	int r;

	/* The callback may run other SSL objects of this thread, whose
	 * failures would land in the error queue SSL_get_error reads. */
	while ((ERR_clear_error(), r = SSL_read_ex(d->ssl, buf, sizeof(buf), &n)) == 1) {
		if (n == 0)
			continue;
		d->stats.rx++;
		(*records)++;
		d->frame(d->arg, buf, n);
		if (d->state != ST_ESTABLISHED)
			return 0; /* the callback's dtls12_send failed */
	}
	return rx_error(d, r, ev);
}

/* One record of an established session that libssl could only reject:
 * a type DTLS does not have, another version, a length past the datagram,
 * or a protected body shorter than (or, CBC, not shaped as) anything the
 * suite produces.  libssl before 3.0.22 (Debian 12 shipped 3.0.17 to
 * 3.0.20) turns an AEAD record shorter than nonce + tag into a fatal
 * error with no reason instead of dropping it (RFC 6347 4.1.2.7), so one
 * forged datagram would end the session: such records never reach it. */
static int rec_sane(const struct dtls12 *d, const uint8_t *r, size_t left,
		    size_t *used)
{
	size_t body;
	unsigned epoch;

	if (left < REC_HDR_LEN)
		return 0;
	body = (size_t)r[11] << 8 | r[12];
	epoch = (unsigned)r[3] << 8 | r[4];
	*used = REC_HDR_LEN + body;
	if (r[0] < SSL3_RT_CHANGE_CIPHER_SPEC ||
	    r[0] > SSL3_RT_APPLICATION_DATA ||
	    ((unsigned)r[1] << 8 | r[2]) != DTLS1_2_VERSION ||
	    body > left - REC_HDR_LEN)
		return 0;
	if (epoch == 0)
		return 1; /* plaintext: libssl drops it as out of epoch */
	if (body < d->min_body)
		return 0;
	return !d->cbc_block || (body - d->cbc_iv) % d->cbc_block == 0;
}

/* Every record of the datagram is one libssl can judge without harm; a
 * genuine peer never mixes a bad record into a datagram. */
static int datagram_sane(const struct dtls12 *d, const uint8_t *pkt,
			 size_t len)
{
	size_t off = 0, used;

	while (off < len) {
		if (!rec_sane(d, pkt + off, len - off, &used))
			return 0;
		off += used;
	}
	return 1;
}

/* --- our record layer after the handshake --- */

/* RFC 6347 4.2.4: the peer has our Finished, so libssl will never be
 * asked to resend a flight.  In a resumption the client's Finished is
 * the last flight and proves it; in a PSK handshake ours is the last, so
 * the client's first application record (records > 0) or a quiet spell
 * proves it. */
static int handover_due(const struct dtls12 *d, size_t records,
			uint64_t now_ms)
{
	if (d->own || d->state != ST_ESTABLISHED || !dtlsrec_covers(d->cipher))
		return 0;
	return d->mode == DTLS12_RESUME || records > 0 ||
	       now_ms - d->est_ms >= HANDOFF_QUIET_MS;
}

/* Keys out of libssl (master secret, hello randoms), then the SSL object
 * goes: its handshake buffer, write buffer and the object itself are
 * ~46 KB a session that libssl 3.0 has no call to release.  On any
 * failure libssl simply keeps the records. */
static void handover(struct dtls12 *d)
{
	uint8_t master[DTLS12_MASTER_LEN], cr[DTLSREC_RANDOM],
		sr[DTLSREC_RANDOM];
	SSL_SESSION *s = SSL_get_session(d->ssl);
	size_t m = DTLS_get_data_mtu(d->ssl);
	int ok;

	ok = d->tx_next > 0 && d->rx_after > 0 && s &&
	     SSL_SESSION_get_master_key(s, master, sizeof(master)) ==
		     sizeof(master) &&
	     SSL_get_client_random(d->ssl, cr, sizeof(cr)) == sizeof(cr) &&
	     SSL_get_server_random(d->ssl, sr, sizeof(sr)) == sizeof(sr) &&
	     dtlsrec_init(&d->rec, d->cipher, master, sizeof(master), cr, sr,
			  EPOCH_DATA, d->tx_next, d->rx_after - 1) == 0;
	OPENSSL_cleanse(master, sizeof(master));
	ERR_clear_error();
	if (!ok)
		return;
	d->own_mtu = m > MAX_FRAME ? MAX_FRAME : m;
	SSL_free(d->ssl);
	SSL_SESSION_free(d->sess);
	d->ssl = NULL;
	d->sess = NULL;
	d->own = 1;
}

static int own_seal_send(struct dtls12 *d, uint8_t type, const uint8_t *pt,
			 size_t len)
{
	static _Thread_local uint8_t out[DTLSREC_OVERHEAD + MAX_FRAME];
	size_t n = dtlsrec_seal(&d->rec, type, pt, len, out, sizeof(out));

	if (!n) {
		fail_text(d, DTLS12_ERR_INTERNAL,
			  "write failed: cannot seal a record (sequence "
			  "numbers spent or libcrypto failure)");
		return d->err;
	}
	d->send(d->arg, out, n);
	return 0;
}

/* close_notify or a fatal alert ends the session; warnings are dropped,
 * as libssl does. */
static void own_alert(struct dtls12 *d, const uint8_t *a, size_t n,
		      unsigned int *ev)
{
	if (n != 2 || (a[1] != SSL3_AD_CLOSE_NOTIFY && a[0] != SSL3_AL_FATAL))
		return;
	if (a[1] == SSL3_AD_CLOSE_NOTIFY)
		snprintf(d->error, sizeof(d->error), "peer sent close_notify");
	else
		snprintf(d->error, sizeof(d->error), "peer sent an alert: %s",
			 SSL_alert_desc_string_long(a[1]));
	d->state = ST_CLOSED;
	*ev |= DTLS12_EV_CLOSED;
}

/* A protected ClientHello is a renegotiation: refused with the warning
 * libssl sends (SSL_OP_NO_RENEGOTIATION).  Other handshake messages are
 * late copies of the client's Finished flight: nothing to answer. */
static void own_handshake(struct dtls12 *d, const uint8_t *h, size_t n)
{
	static const uint8_t refuse[2] = { SSL3_AL_WARNING,
					   SSL_AD_NO_RENEGOTIATION };

	if (n >= 1 && h[0] == SSL3_MT_CLIENT_HELLO)
		(void)own_seal_send(d, SSL3_RT_ALERT, refuse, sizeof(refuse));
}

/* Records of a datagram that passed datagram_sane, one by one; those
 * that do not open (epoch 0, replay, bad tag) are skipped.  The buffer is
 * shared by the sessions of a thread, like rx_records'. */
static void own_input(struct dtls12 *d, const uint8_t *pkt, size_t len,
		      unsigned int *ev, size_t *records)
{
	static _Thread_local uint8_t buf[DTLSREC_NONCE + MAX_FRAME + DTLSREC_TAG];
	const uint8_t *text = buf + DTLSREC_NONCE;
	size_t off = 0, used;
	uint8_t type;
	long n;

	while (off < len && d->state == ST_ESTABLISHED) {
		used = REC_HDR_LEN + ((size_t)pkt[off + 11] << 8 | pkt[off + 12]);
		n = dtlsrec_open(&d->rec, pkt + off, used, buf, sizeof(buf),
				 &type);
		off += used;
		if (n < 0)
			continue;
		if (type == SSL3_RT_ALERT)
			own_alert(d, text, (size_t)n, ev);
		else if (type == SSL3_RT_HANDSHAKE)
			own_handshake(d, text, (size_t)n);
		else if (type == SSL3_RT_APPLICATION_DATA && n > 0) {
			d->stats.rx++;
			(*records)++;
			d->frame(d->arg, text, (size_t)n);
		}
	}
}

/* libssl's part of dtls12_input: the handshake, then its records.  The
 * epoch-1 sequence numbers it was fed count for our replay window: low
 * ones always, any from a datagram in which a record authenticated. */
static int ssl_input(struct dtls12 *d, const uint8_t *pkt, size_t len,
		     uint64_t now_ms, unsigned int *ev, size_t *records)
{
	int rc = 0;

	ERR_clear_error();
	d->in = pkt;
	d->in_len = len;
	d->sent = 0;
	if (d->state == ST_HANDSHAKE)
		rc = hs_step(d, now_ms, ev);
	/* Records may follow the Finished, or have been buffered by libssl
	 * during the handshake. */
	if (rc == 0 && d->state == ST_ESTABLISHED)
		rc = rx_records(d, ev, records);
	d->in = NULL;
	d->rx_after = epoch1_after(pkt, len, d->rx_after,
				   *records || (*ev & DTLS12_EV_ESTABLISHED)
					   ? UINT64_MAX
					   : RX_EARLY_SEQ);
	return rc;
}

int dtls12_input(struct dtls12 *d, const uint8_t *pkt, size_t len,
		 uint64_t now_ms)
{
	int was_up = d->state == ST_ESTABLISHED, rc = 0;
	unsigned int ev = 0;
	size_t records = 0;

	if (d->state == ST_FAILED)
		return d->err;
	if ((!pkt && len) || len > INT_MAX)
		return DTLS12_ERR_INVAL;
	/* An empty read means EOF to libssl, which would end the session. */
	if (len == 0 || d->state == ST_CLOSED ||
	    (was_up && !datagram_sane(d, pkt, len))) {
		d->stats.rx_dropped += was_up || d->state == ST_CLOSED;
		return 0;
	}
	if (d->own)
		own_input(d, pkt, len, &ev, &records);
	else
		rc = ssl_input(d, pkt, len, now_ms, &ev, &records);
	if (rc < 0)
		return rc;
	if (d->state == ST_FAILED)
		return d->err;
	if (was_up && !records && !(ev & DTLS12_EV_CLOSED))
		d->stats.rx_dropped++;
	if (handover_due(d, records, now_ms))
		handover(d);
	return (int)ev;
}

/* --- timers --- */

/* libssl runs its retransmission timer on gettimeofday(), not on the
 * owner's clock: map its remaining time onto now_ms, rounded up so that
 * libssl agrees the timer expired when the owner's timer fires. */
uint64_t dtls12_next_timeout(const struct dtls12 *d, uint64_t now_ms)
{
	struct timeval tv;
	uint64_t at = UINT64_MAX;

	if (d->state == ST_FAILED || d->state == ST_CLOSED || d->own)
		return UINT64_MAX;
	if (DTLSv1_get_timeout(d->ssl, &tv) == 1)
		at = now_ms + (uint64_t)tv.tv_sec * 1000 +
		     ((uint64_t)tv.tv_usec + 999) / 1000;
	if (d->state == ST_HANDSHAKE && d->give_up_ms < at)
		at = d->give_up_ms;
	return at;
}

int dtls12_timeout(struct dtls12 *d, uint64_t now_ms)
{
	if (d->state == ST_FAILED)
		return d->err;
	if (d->state == ST_CLOSED || d->own)
		return 0;
	if (d->state == ST_HANDSHAKE && now_ms >= d->give_up_ms) {
		fail_text(d, DTLS12_ERR_HANDSHAKE,
			  "handshake timed out: no valid client Finished");
		return d->err;
	}
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0)
		return fail_ssl(d, d->state == ST_HANDSHAKE
					   ? DTLS12_ERR_HANDSHAKE
					   : DTLS12_ERR_INTERNAL,
				"retransmission failed");
	return 0;
}

/* --- data --- */

int dtls12_send(struct dtls12 *d, const uint8_t *frame, size_t len)
{
	size_t written = 0;

	if (d->state == ST_FAILED)
		return d->err;
	if (d->state != ST_ESTABLISHED)
		return DTLS12_ERR_STATE;
	/* libssl would send a record larger than the MTU (P6). */
	if (!frame || len == 0 || len > dtls12_data_mtu(d))
		return DTLS12_ERR_INVAL;
	if (d->own) {
		if (own_seal_send(d, SSL3_RT_APPLICATION_DATA, frame, len))
			return d->err;
		d->stats.tx++;
		return 0;
	}
	ERR_clear_error();
	if (SSL_write_ex(d->ssl, frame, len, &written) != 1 || written != len)
		return fail_ssl(d, DTLS12_ERR_INTERNAL, "write failed");
	d->stats.tx++;
	return 0;
}

size_t dtls12_data_mtu(const struct dtls12 *d)
{
	size_t m;

	if (d->state != ST_ESTABLISHED && d->state != ST_CLOSED)
		return d->est_mtu;
	if (d->own)
		return d->own_mtu;
	m = DTLS_get_data_mtu(d->ssl);
	return m > MAX_FRAME ? MAX_FRAME : m;
}

int dtls12_established(const struct dtls12 *d)
{
	return d->state == ST_ESTABLISHED;
}

const char *dtls12_cipher(const struct dtls12 *d)
{
	if (d->state != ST_ESTABLISHED && d->state != ST_CLOSED)
		return "";
	return d->cipher ? SSL_CIPHER_get_name(d->cipher) : "";
}

int dtls12_own_records(const struct dtls12 *d)
{
	return d->own;
}

int dtls12_close(struct dtls12 *d)
{
	static const uint8_t close_notify[2] = { SSL3_AL_WARNING,
						 SSL3_AD_CLOSE_NOTIFY };
	int rc = 0;

	if (d->state != ST_ESTABLISHED)
		return d->state == ST_FAILED ? d->err : DTLS12_ERR_STATE;
	if (d->own)
		rc = own_seal_send(d, SSL3_RT_ALERT, close_notify,
				   sizeof(close_notify));
	else {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl); /* one datagram; no answer awaited */
		ERR_clear_error();
	}
	if (rc == 0) {
		d->state = ST_CLOSED;
		snprintf(d->error, sizeof(d->error), "closed by us");
	}
	return rc;
}

const struct dtls12_stats *dtls12_stats(const struct dtls12 *d)
{
	return &d->stats;
}

const char *dtls12_error(const struct dtls12 *d)
{
	return d->error;
}

/* --- data MTU without a session --- */

/* Record protection by the tail of the OpenSSL suite name: the key
 * exchange in front does not change the record layer. */
static const struct rec_shape {
	const char *tail;
	unsigned char iv;    /* explicit IV or nonce in every record */
	unsigned char tag;   /* AEAD tag or MAC */
	unsigned char block; /* CBC block size, 0 for AEAD */
} rec_shapes[] = {
	{ "AES128-GCM-SHA256", 8, 16, 0 },
	{ "AES256-GCM-SHA384", 8, 16, 0 },
	{ "ARIA128-GCM-SHA256", 8, 16, 0 },
	{ "ARIA256-GCM-SHA384", 8, 16, 0 },
	{ "CHACHA20-POLY1305", 0, 16, 0 },
	{ "AES128-CCM", 8, 16, 0 },
	{ "AES256-CCM", 8, 16, 0 },
	{ "AES128-CCM8", 8, 8, 0 },
	{ "AES256-CCM8", 8, 8, 0 },
	{ "AES128-SHA", 16, 20, 16 },
	{ "AES256-SHA", 16, 20, 16 },
	{ "AES128-SHA256", 16, 32, 16 },
	{ "AES256-SHA256", 16, 32, 16 },
	{ "AES256-SHA384", 16, 48, 16 },
	{ "CAMELLIA128-SHA", 16, 20, 16 },
	{ "CAMELLIA256-SHA", 16, 20, 16 },
	{ "CAMELLIA128-SHA256", 16, 32, 16 },
	{ "CAMELLIA256-SHA256", 16, 32, 16 },
	{ "CAMELLIA256-SHA384", 16, 48, 16 },
};

/* name is tail, or ends in "-" tail. */
static int tail_match(const char *name, const char *tail)
{
	size_t n = strlen(name), t = strlen(tail);

	if (n < t || strcmp(name + n - t, tail))
		return 0;
	return n == t || name[n - t - 1] == '-';
}

/* CBC, MAC-then-encrypt (EtM is off): the MAC and at least one padding
 * length byte go inside the block-aligned ciphertext. */
static long cbc_data_mtu(const struct rec_shape *s, long room)
{
	return room - room % s->block - s->tag - 1;
}

static const struct rec_shape *shape_find(const char *suite)
{
	const struct rec_shape *s = NULL;
	size_t i;

	for (i = 0; suite && i < sizeof(rec_shapes) / sizeof(rec_shapes[0]);
	     i++)
		if (tail_match(suite, rec_shapes[i].tail))
			s = &rec_shapes[i];
	return s;
}

/* The record shape of the negotiated suite, for rec_sane. */
static void shape_learn(struct dtls12 *d)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(d->ssl);
	const struct rec_shape *s;
	size_t blocks;

	s = shape_find(c ? SSL_CIPHER_get_name(c) : NULL);
	if (!s)
		return;
	d->cbc_block = s->block;
	d->cbc_iv = s->block ? s->iv : 0;
	if (!s->block) { /* AEAD: nonce + tag */
		d->min_body = (size_t)s->iv + s->tag;
		return;
	}
	/* CBC MAC-then-encrypt: IV + the MAC and one padding byte, in
	 * whole blocks. */
	blocks = ((size_t)s->tag + 1 + s->block - 1) / s->block;
	d->min_body = (size_t)s->iv + blocks * s->block;
}

size_t dtls12_data_mtu_for(const char *suite, unsigned link_mtu)
{
	const struct rec_shape *s = shape_find(suite);
	long room, m;

	if (!s)
		return 0;
	room = (long)link_mtu - REC_HDR_LEN - s->iv;
	if (room <= 0)
		return 0;
	m = s->block ? cbc_data_mtu(s, room) : room - s->tag;
	if (m <= 0)
		return 0;
	return m > MAX_FRAME ? MAX_FRAME : (size_t)m;
}
