/* The TLS records of a tunnel leave in few send() calls.
 *
 * Each CSTP frame must stay one TLS record: openconnect takes what one
 * SSL_read returns as one frame and drops a record holding two ("Unexpected
 * packet length").  What costs is not the record but the write() per
 * record: with TCP_NODELAY every one is its own trip through the TCP stack
 * and its own segment, 56 % of the worker's CPU on a TLS download (perf,
 * S11).  So once a tunnel carries data over TLS, a write buffer sits between
 * the SSL object and its socket: SSL_write seals the record into it, and
 * wire_flush sends what a batch of packets produced at once.
 *
 * The buffer is OpenSSL's own BIO_f_buffer (libssl uses it for handshake
 * flights): it keeps partial sends and the retry flags, so SSL_write's
 * WANT_WRITE and its retry with the same arguments work as on the socket.
 * Only the write side goes through it; reads stay on the socket BIO. */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "wire.h"

int wire_buffer(SSL *ssl, int bytes)
{
	BIO *sock = SSL_get_wbio(ssl), *buf;

	if (!sock || !(buf = BIO_new(BIO_f_buffer())))
		return -1;
	if (BIO_set_write_buffer_size(buf, bytes) <= 0 || !BIO_up_ref(sock)) {
		BIO_free(buf);
		return -1;
	}
	/* the chain holds its own reference to the socket BIO; SSL_set0_wbio
	 * drops the SSL object's write reference (the read one stays) */
	BIO_push(buf, sock);
	SSL_set0_wbio(ssl, buf);
	return 0;
}

size_t wire_pending(SSL *ssl)
{
	BIO *b = SSL_get_wbio(ssl);

	return b ? BIO_wpending(b) : 0;
}

int wire_flush(SSL *ssl)
{
	BIO *b = SSL_get_wbio(ssl);

	if (!b || BIO_wpending(b) == 0)
		return 1;
	if (BIO_flush(b) > 0)
		return 1;
	return BIO_should_retry(b) ? 0 : -1;
}
