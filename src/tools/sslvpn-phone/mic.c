/* Lab MICs made on the fly: one certificate per emulated phone, signed by a
 * lab manufacturing CA given on the command line.  The key pair may be
 * shared by many certificates (load mode): the headend checks the chain and
 * the CN, and RSA key generation would dominate the ramp otherwise.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "phone.h"
#include "sslvpnd/util.h"

EVP_PKEY *mic_key_rsa(void)
{
	return EVP_RSA_gen(2048);
}

static int add_ext(X509 *crt, X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, ca, crt, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);

	if (!ex)
		return -1;
	int r = X509_add_ext(crt, ex, -1) ? 0 : -1;

	X509_EXTENSION_free(ex);
	return r;
}

int mic_make(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key, const char *cn,
	     const char *digest, X509 **out)
{
	X509 *crt = X509_new();
	X509_NAME *name = X509_NAME_new();
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	const EVP_MD *md = EVP_get_digestbyname(digest);

	if (!crt || !name || !md)
		goto fail;
	util_random(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt)))
		goto fail;
	X509_set_version(crt, 2);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"LAB Cisco Systems Inc.", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
				   -1, -1, 0);
	if (!X509_set_subject_name(crt, name) ||
	    !X509_set_issuer_name(crt, X509_get_subject_name(ca)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(crt), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(crt), 86400L * 3650) ||
	    !X509_set_pubkey(crt, key))
		goto fail;
	if (add_ext(crt, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(crt, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
	    add_ext(crt, ca, NID_ext_key_usage, "serverAuth,clientAuth") ||
	    add_ext(crt, ca, NID_authority_key_identifier, "keyid:always"))
		goto fail;
	if (!X509_sign(crt, cakey, md))
		goto fail;
	BN_free(bn);
	X509_NAME_free(name);
	*out = crt;
	return 0;
fail:
	BN_free(bn);
	X509_NAME_free(name);
	X509_free(crt);
	return -1;
}
