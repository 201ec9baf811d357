/* DTLS client for the Cisco "fake resumption" handshakes, on stock libssl.
 *
 * The client makes the session itself: master secret (sent as
 * X-DTLS-Master-Secret), the session id and the suite the server answered,
 * and the protocol version chosen by the header that carried the suite:
 * X-DTLS-CipherSuite = DTLS 0.9 (DTLS1_BAD_VER, which libssl still speaks as
 * a client with SSL_OP_CISCO_ANYCONNECT), X-DTLS12-CipherSuite = DTLS 1.2.
 * Nothing is negotiated, so a server that answers with a full handshake is
 * refused (SSL_session_reused() must be 1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "phone.h"

struct dtls {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

static void ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char b[160];

	ERR_error_string_n(e, b, sizeof(b));
	snprintf(err, errlen, "%s: %s", what, e ? b : "failed");
	ERR_clear_error();
}

static const SSL_CIPHER *find_cipher(SSL *ssl, const char *name)
{
	STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(ssl);

	for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);

		if (!strcmp(SSL_CIPHER_get_name(c), name))
			return c;
	}
	return NULL;
}

/* One context per protocol version for the whole process (load mode would
 * otherwise build 1000 identical ones); the suite is set per connection. */
static SSL_CTX *ctx_for(int ver, char *err, size_t errlen)
{
	static SSL_CTX *ctxs[2];
	SSL_CTX **slot = &ctxs[ver == DTLS1_2_VERSION];

	if (*slot)
		return *slot;
	/* DTLS_client_method() pinned to a single version.  For DTLS 0.9 that
	 * is DTLS1_BAD_VER, as OpenSSL's own bad_dtls_test does; the fixed
	 * DTLSv1_client_method() with SSL_OP_CISCO_ANYCONNECT sends 0x0100
	 * but then refuses the server's 0x0100 ServerHello ("wrong ssl
	 * version") in OpenSSL 3.0. */
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());

	if (!ctx) {
		ssl_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, ver) || !SSL_CTX_set_max_proto_version(ctx, ver)) {
		ssl_err(err, errlen, "DTLS version");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* No EMS (the session's master secret came over CSTP), no tickets,
	 * and ASAs do no secure renegotiation on these sessions.  No
	 * encrypt-then-MAC either: GnuTLS (ocserv 1.1.6) accepts it on a DTLS
	 * 0.9 resumption and the first protected record then fails with "bad
	 * record mac" on one side; Cisco's clients never offer it. */
	/* idle phones (most of a 50,000-phone run) hold no record buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_EXTENDED_MASTER_SECRET |
					 SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_QUERY_MTU |
					 SSL_OP_NO_ENCRYPT_THEN_MAC);
	*slot = ctx;
	return ctx;
}

struct dtls *dtls_new(struct session *s, int fd, const char *suite, const char *sess_suite, int v12,
		      const uint8_t master[48], const uint8_t *sid, size_t sidlen,
		      char *err, size_t errlen)
{
	struct dtls *d = calloc(1, sizeof(*d));
	SSL_SESSION *sess = NULL;
	int ver = v12 ? DTLS1_2_VERSION : DTLS1_BAD_VER;

	(void)s;
	if (!d)
		return NULL;
	d->fd = fd;
	if (!(d->ctx = ctx_for(ver, err, errlen)))
		goto fail;
	SSL_CTX_up_ref(d->ctx);
	d->ssl = SSL_new(d->ctx);
	if (!d->ssl)
		goto fail_ssl;
	/* the session's suite is looked up in a list holding it, then the
	 * hello offers the server's suite only (what the phone logs as its
	 * "cipher list") */
	char both[160];

	snprintf(both, sizeof(both), "%s:%s", sess_suite, suite);
	if (!SSL_set_cipher_list(d->ssl, both)) {
		ssl_err(err, errlen, "unknown DTLS suite");
		goto fail;
	}
	const SSL_CIPHER *c = find_cipher(d->ssl, sess_suite);

	if (!c || !find_cipher(d->ssl, suite)) {
		snprintf(err, errlen, "suite %s not available in libssl", c ? suite : sess_suite);
		goto fail;
	}
	if (!SSL_set_cipher_list(d->ssl, suite)) {
		ssl_err(err, errlen, "unknown DTLS suite");
		goto fail;
	}
	sess = SSL_SESSION_new();
	if (!sess || !SSL_SESSION_set_protocol_version(sess, ver) ||
	    !SSL_SESSION_set1_master_key(sess, master, 48) ||
	    !SSL_SESSION_set1_id(sess, sid, (unsigned)sidlen) ||
	    !SSL_SESSION_set_cipher(sess, c) || !SSL_set_session(d->ssl, sess))
		goto fail_ssl;
	SSL_SESSION_free(sess);
	sess = NULL;
	BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);

	if (!bio)
		goto fail_ssl;
	/* the socket is connect()ed; tell the BIO so it uses send(), not
	 * sendto() with an empty peer */
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	BIO_ADDR *pa = BIO_ADDR_new();

	if (pa && getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 &&
	    BIO_ADDR_rawmake(pa, AF_INET, &peer.sin_addr, 4, peer.sin_port))
		BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, pa);
	BIO_ADDR_free(pa);
	SSL_set_bio(d->ssl, bio, bio);
	SSL_set_mtu(d->ssl, 1400);
	SSL_set_connect_state(d->ssl);
	return d;
fail_ssl:
	ssl_err(err, errlen, "DTLS session setup");
fail:
	SSL_SESSION_free(sess);
	dtls_free(d);
	return NULL;
}

int dtls_handshake(struct dtls *d, char *err, size_t errlen)
{
	int r = SSL_do_handshake(d->ssl);

	if (r == 1) {
		if (!SSL_session_reused(d->ssl)) {
			snprintf(err, errlen, "server did a full handshake, not a resumption");
			return -1;
		}
		return 1;
	}
	int e = SSL_get_error(d->ssl, r);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	char what[64];

	snprintf(what, sizeof(what), "SSL_connect (error %d%s%s)", e,
		 e == SSL_ERROR_SYSCALL ? ", " : "", e == SSL_ERROR_SYSCALL ? strerror(errno) : "");
	ssl_err(err, errlen, what);
	return -1;
}

long dtls_timeout_ms(struct dtls *d)
{
	struct timeval tv;

	if (!DTLSv1_get_timeout(d->ssl, &tv))
		return -1;
	return tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

void dtls_on_timeout(struct dtls *d)
{
	DTLSv1_handle_timeout(d->ssl);
}

int dtls_read(struct dtls *d, uint8_t *buf, size_t cap)
{
	int r = SSL_read(d->ssl, buf, (int)cap);

	if (r > 0)
		return r;
	int e = SSL_get_error(d->ssl, r);

	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return -1;
}

int dtls_write(struct dtls *d, const uint8_t *buf, size_t len)
{
	int r = SSL_write(d->ssl, buf, (int)len);

	if (r <= 0) {
		ERR_clear_error();
		return -1;
	}
	return r;
}

const char *dtls_cipher(struct dtls *d)
{
	return SSL_get_cipher_name(d->ssl);
}

int dtls_version(struct dtls *d)
{
	return SSL_version(d->ssl);
}

void dtls_free(struct dtls *d)
{
	if (!d)
		return;
	SSL_free(d->ssl);
	SSL_CTX_free(d->ctx);
	free(d);
}
