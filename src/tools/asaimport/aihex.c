/* crypto ca certificate chain NAME / certificate [ca] SERIAL / hex / quit:
 * the ASA prints each certificate of a trustpoint as its DER in hex, eight
 * words of four bytes per line.  Collected here and turned into PEM. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "asaimport.h"

enum { AI_DER_MAX = 65536 }; /* no CA certificate is larger */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Adds the hex digits of one line; 0, or -1 on a character that is not a
 * hex digit or blank, or when the certificate grows past AI_DER_MAX. */
int aihex_add(struct aihex *h, const char *text)
{
	for (const char *p = text; *p; p++)
		if (hexval((unsigned char)*p) < 0 && !isspace((unsigned char)*p))
			return -1;
	for (; *text; text++) {
		int v = hexval((unsigned char)*text);

		if (isspace((unsigned char)*text))
			continue;
		if (v < 0)
			return -1;
		if (!h->odd) {
			h->half = (unsigned char)v;
			h->odd = 1;
			continue;
		}
		if (h->n == AI_DER_MAX)
			return -1;
		if (h->n == h->cap) {
			unsigned char *p = realloc(h->der, h->cap ? 2 * h->cap : 1024);

			if (!p)
				return -1;
			h->der = p;
			h->cap = h->cap ? 2 * h->cap : 1024;
		}
		h->der[h->n++] = (unsigned char)(h->half << 4 | v);
		h->odd = 0;
	}
	return 0;
}

/* The PEM of the collected DER (exactly one certificate, nothing after it)
 * and its subject in one line.  0, or -1 when it is not a certificate. */
int aihex_pem(const struct aihex *h, char *pem, size_t cap, char *subject, size_t scap)
{
	const unsigned char *p = h->der;
	X509 *x = h->odd || !h->n ? NULL : d2i_X509(NULL, &p, (long)h->n);
	BIO *bio = NULL;
	int rc = -1;
	long len;
	char *data;

	if (!x || p != h->der + h->n)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, x))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || (size_t)len >= cap)
		goto out;
	memcpy(pem, data, (size_t)len);
	pem[len] = 0;
	X509_NAME_oneline(X509_get_subject_name(x), subject, (int)scap);
	rc = 0;
out:
	BIO_free(bio);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

void aihex_free(struct aihex *h)
{
	free(h->der);
	memset(h, 0, sizeof(*h));
}
