/* A write buffer between a TLS connection and its socket (wire.c). */
#ifndef SSLVPND_WIRE_H
#define SSLVPND_WIRE_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Put a write buffer of bytes under ssl's record layer: from now on its
 * records collect there until wire_flush.  0, or -1 when out of memory
 * (ssl is unchanged and writes go straight to the socket). */
int wire_buffer(SSL *ssl, int bytes);

/* Sealed bytes waiting in the buffer (0 without one). */
size_t wire_pending(SSL *ssl);

/* Send what is buffered: 1 all sent (or nothing to send), 0 the socket is
 * full (wait for it to be writable, then call again), -1 the connection
 * failed. */
int wire_flush(SSL *ssl);

#endif
