/* The doctor's facts about the trustpoints' certificate files (main only:
 * it reads files; the checks themselves are pure, src/policy/doctor.c). */
#include "config.h"

#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "sslvpnd/doctor.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "identity.h"

static int64_t asn1_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static void subject_text(X509 *x, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_get_mem_data(b, &p);
	if (n > 0)
		snprintf(buf, len, "%.*s", (int)n, p);
	BIO_free(b);
}

static void sans(X509 *x, struct doc_cert *d)
{
	GENERAL_NAMES *gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	for (int i = 0; gns && i < sk_GENERAL_NAME_num(gns); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, i);
		int len;

		if (gn->type == GEN_DNS && d->n_dns < DOC_MAX_NAMES) {
			const char *s = (const char *)ASN1_STRING_get0_data(gn->d.dNSName);

			len = ASN1_STRING_length(gn->d.dNSName);
			if (len > 0 && (size_t)len == strlen(s))
				snprintf(d->dns[d->n_dns++], sizeof(d->dns[0]), "%s", s);
		} else if (gn->type == GEN_IPADD && d->n_ip < DOC_MAX_NAMES) {
			len = ASN1_STRING_length(gn->d.iPAddress);
			if (len == 4 || len == 16)
				inet_ntop(len == 4 ? AF_INET : AF_INET6,
					  ASN1_STRING_get0_data(gn->d.iPAddress), d->ip[d->n_ip++],
					  sizeof(d->ip[0]));
		}
	}
	GENERAL_NAMES_free(gns);
}

static void add_cert(struct doc_facts *f, const char *tp, int ca, X509 *x)
{
	struct doc_cert *d;
	int md = NID_undef;

	if (f->n >= DOC_MAX_CERTS)
		return;
	d = &f->c[f->n++];
	memset(d, 0, sizeof(*d));
	util_strlcpy(d->tp, tp, sizeof(d->tp));
	d->ca = ca;
	d->ec = EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC;
	OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, NULL);
	util_strlcpy(d->sig, md != NID_undef ? OBJ_nid2ln(md) : "unknown", sizeof(d->sig));
	d->not_before = asn1_epoch(X509_get0_notBefore(x));
	d->not_after = asn1_epoch(X509_get0_notAfter(x));
	subject_text(x, d->subject, sizeof(d->subject));
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, d->cn,
				      sizeof(d->cn)) < 0)
		d->cn[0] = '\0';
	sans(x, d);
}

static void unread(struct doc_facts *f, const char *tp, const char *why)
{
	if (f->n_unread >= sizeof(f->unread) / sizeof(f->unread[0]))
		return;
	util_strlcpy(f->unread[f->n_unread].tp, tp, sizeof(f->unread[0].tp));
	util_strlcpy(f->unread[f->n_unread].why, why, sizeof(f->unread[0].why));
	f->n_unread++;
}

static void identity_facts(const struct sslvpnd_config *cfg, const struct cfg_trustpoint *tp,
			   struct doc_facts *f)
{
	struct identity id;
	char err[512];
	int rc = identity_check(cfg, tp, &id, err, sizeof(err));

	if (rc < 0)
		unread(f, tp->name, err);
	if (rc != 0) /* 1: enrollment self, generated at the start */
		return;
	add_cert(f, tp->name, 0, id.cert);
	identity_clear(&id);
}

static void ca_facts(const struct cfg_trustpoint *tp, struct doc_facts *f)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	char err[512];

	if (!sk)
		return;
	if (identity_ca_certs(tp, sk, err, sizeof(err)) < 0)
		unread(f, tp->name, err);
	for (int i = 0; i < sk_X509_num(sk); i++)
		add_cert(f, tp->name, 1, sk_X509_value(sk, i));
	sk_X509_pop_free(sk, X509_free);
}

void tls_doctor_facts(const struct sslvpnd_config *cfg, struct doc_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->now = (int64_t)time(NULL);
	for (size_t i = 0; i < cfg->n_trustpoints; i++) {
		const struct cfg_trustpoint *tp = &cfg->trustpoints[i];

		if (tp->enrollment == CFG_ENROLL_TERMINAL)
			ca_facts(tp, f);
		else
			identity_facts(cfg, tp, f);
	}
	ERR_clear_error();
}
