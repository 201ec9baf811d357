/* LDAP client of AAA: service bind, search by naming attribute, bind as the
 * user (ldapcli.h).  Synchronous libldap calls, each bounded by the host's
 * timeout; run in a thread of the caller's, never in an event loop. */
#include "config.h"

#include <ldap.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "sslvpnd/ldapcli.h"
#include "sslvpnd/util.h"

static const char *const status_names[] = {
	[LDAPCLI_OK] = "ok",
	[LDAPCLI_REJECTED] = "rejected",
	[LDAPCLI_NO_USER] = "no such user",
	[LDAPCLI_UNREACHABLE] = "unreachable",
	[LDAPCLI_ERROR] = "error",
};

const char *ldapcli_status_name(int status)
{
	return status >= 0 && (size_t)status < ARRAY_SIZE(status_names) ? status_names[status]
									   : "?";
}

int ldapcli_init(void)
{
	int version = LDAP_VERSION3, zero = 0, never = LDAP_OPT_X_TLS_NEVER;

	/* libldap reads ldap.conf and ~/.ldaprc on its first use unless this is
	 * set: the configuration is ours alone, and a sandbox opens no file. */
	if (setenv("LDAPNOINIT", "1", 1) < 0)
		return -1;
	/* The first option set initialises the library (uname for the host
	 * name); a throw-away global TLS context initialises the TLS library
	 * (GnuTLS's set-up reads files).  Each handle makes its own context
	 * with its own CA later. */
	if (ldap_set_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS)
		return -1;
	ldap_set_option(NULL, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
	ldap_set_option(NULL, LDAP_OPT_X_TLS_NEWCTX, &zero);
	return 0;
}

int ldapcli_escape_filter(const char *user, char *buf, size_t len)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)user; *p; p++) {
		int esc = *p == '*' || *p == '(' || *p == ')' || *p == '\\';

		if (n + (esc ? 3 : 1) >= len)
			return -1;
		if (esc)
			n += (size_t)snprintf(buf + n, len - n, "\\%02x", *p);
		else
			buf[n++] = (char)*p;
	}
	if (n >= len)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

static int set_status(struct ldapcli_result *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_status(struct ldapcli_result *r, int status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return status;
}

/* The server's diagnostic text (or libldap's) of the last failure. */
static const char *diag(LDAP *ld, int rc, char *buf, size_t len)
{
	char *msg = NULL;

	if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS && msg &&
	    *msg)
		snprintf(buf, len, "%s (%s)", ldap_err2string(rc), msg);
	else
		snprintf(buf, len, "%s", ldap_err2string(rc));
	ldap_memfree(msg);
	return buf;
}

/* Codes that mean "no usable server here": the next host is tried. */
static int unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

static int fail(LDAP *ld, struct ldapcli_result *r, int rc, const char *step)
{
	char buf[LDAPCLI_WHY_MAX];

	return set_status(r, unreachable(rc) ? LDAPCLI_UNREACHABLE : LDAPCLI_ERROR, "%s: %s",
			  step, diag(ld, rc, buf, sizeof(buf)));
}

static int set_tls(LDAP *ld, const struct ldapcli_server *s)
{
	int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	struct berval ca = { .bv_len = s->ca_der_len, .bv_val = (char *)(uintptr_t)s->ca_der };

	/* No CA means no trust at all (never the system's store). */
	if (!s->ca_der || !s->ca_der_len)
		return -1;
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERT, &ca) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS)
		return -1;
	return 0;
}

/* A handle for s with its timeouts and TLS settings; NULL with r set. */
static LDAP *open_handle(const struct ldapcli_server *s, struct ldapcli_result *r)
{
	struct timeval tv = { .tv_sec = s->timeout > 0 ? s->timeout : 10 };
	int version = LDAP_VERSION3, v6 = strchr(s->address, ':') != NULL;
	char uri[128];
	LDAP *ld = NULL;

	snprintf(uri, sizeof(uri), "%s://%s%s%s:%d", s->tls == LDAPCLI_LDAPS ? "ldaps" : "ldap",
		 v6 ? "[" : "", s->address, v6 ? "]" : "", s->port);
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS || !ld) {
		set_status(r, LDAPCLI_ERROR, "cannot make an LDAP handle for %s", uri);
		return NULL;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS) {
		set_status(r, LDAPCLI_ERROR, "cannot set the LDAP options of %s", uri);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	if (s->tls != LDAPCLI_PLAIN && s->ca_der && set_tls(ld, s) < 0) {
		set_status(r, LDAPCLI_ERROR, "cannot set up TLS for %s (no CA certificate?)", uri);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

/* ---- why a TLS handshake failed.  libldap (GnuTLS underneath) says only
 * "Connect error": a second handshake that does not check the certificate
 * fetches it, and OpenSSL names the cause.  No bind is made on it.
 *
 * The cause of a failed verification of certificate x by the CA given, as
 * OpenSSL sees it; NULL when OpenSSL finds none. */
static const char *cert_fault(const struct ldapcli_server *s, X509 *x, X509 *ca)
{
	EVP_PKEY *k = ca ? X509_get0_pubkey(ca) : NULL;

	if (!k || X509_verify(x, k) != 1)
		return "is not signed by the CA given";
	if (X509_check_ip_asc(x, s->address, 0) != 1)
		return "does not name the server's address in its subjectAltName";
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return "is not valid now";
	return NULL;
}

static void judge_cert(const struct ldapcli_server *s, const struct berval *der,
		       struct ldapcli_result *r, const char *step)
{
	const unsigned char *p = (const unsigned char *)der->bv_val, *c = s->ca_der;
	X509 *x = d2i_X509(NULL, &p, (long)der->bv_len);
	X509 *ca = d2i_X509(NULL, &c, (long)s->ca_der_len);
	char subj[160] = "?", iss[160] = "?", casubj[160] = "?";
	const char *fault = x ? cert_fault(s, x, ca) : NULL;

	if (fault) {
		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		X509_NAME_oneline(X509_get_issuer_name(x), iss, sizeof(iss));
		if (ca)
			X509_NAME_oneline(X509_get_subject_name(ca), casubj, sizeof(casubj));
		set_status(r, LDAPCLI_UNREACHABLE, "%s: TLS: the server's certificate %s (%s, "
			   "issued by %s; CA given %s, address %s)", step, fault, subj, iss,
			   casubj, s->address);
	}
	X509_free(x);
	X509_free(ca);
}

static void diagnose_tls(const struct ldapcli_server *s, struct ldapcli_result *r,
			 const char *step)
{
	struct ldapcli_server loose = *s;
	struct ldapcli_result scratch;
	struct berval der = { 0 };
	int never = LDAP_OPT_X_TLS_NEVER, zero = 0, rc;
	LDAP *ld;

	loose.ca_der = NULL; /* open_handle leaves the TLS settings alone */
	if (!(ld = open_handle(&loose, &scratch)))
		return;
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
	ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	rc = s->tls == LDAPCLI_LDAPS ? ldap_connect(ld) : ldap_start_tls_s(ld, NULL, NULL);
	if (rc == LDAP_SUCCESS &&
	    ldap_get_option(ld, LDAP_OPT_X_TLS_PEERCERT, &der) == LDAP_OPT_SUCCESS && der.bv_val)
		judge_cert(s, &der, r, step);
	else if (rc != LDAP_SUCCESS && !unreachable(rc))
		set_status(r, LDAPCLI_UNREACHABLE, "%s: TLS: no handshake with the server (%s)",
			   step, ldap_err2string(rc));
	ber_memfree(der.bv_val);
	ldap_unbind_ext_s(ld, NULL, NULL);
}

static int simple_bind(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = { .bv_len = password ? strlen(password) : 0,
			       .bv_val = (char *)(uintptr_t)(password ? password : "") };

	return ldap_sasl_bind_s(ld, dn ? dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* A value the attribute map and DAP can use: text, no NUL or control. */
static int printable(const struct berval *v)
{
	for (size_t i = 0; i < v->bv_len; i++)
		if ((unsigned char)v->bv_val[i] < 0x20 || v->bv_val[i] == 0x7f)
			return 0;
	return 1;
}

/* Attributes never handed on, whatever the directory returns. */
static int secret_attr(const char *a)
{
	return strcasecmp(a, "userPassword") == 0 || strcasecmp(a, "unicodePwd") == 0 ||
	       strcasecmp(a, "sambaNTPassword") == 0 || strcasecmp(a, "sambaLMPassword") == 0;
}

static void keep_values(LDAP *ld, LDAPMessage *e, const char *a, struct ldapcli_result *r)
{
	struct berval **vals = ldap_get_values_len(ld, e, a);

	for (size_t i = 0; vals && vals[i]; i++) {
		struct ldapcli_av *av = &r->av[r->n_av];

		if (r->n_av == LDAPCLI_MAX_AV || strlen(a) >= sizeof(av->attr) ||
		    vals[i]->bv_len >= sizeof(av->value) || !printable(vals[i])) {
			r->dropped++;
			continue;
		}
		memcpy(av->attr, a, strlen(a) + 1);
		memcpy(av->value, vals[i]->bv_val, vals[i]->bv_len);
		av->value[vals[i]->bv_len] = '\0';
		r->n_av++;
	}
	ldap_value_free_len(vals);
}

static void keep_entry(LDAP *ld, LDAPMessage *e, struct ldapcli_result *r)
{
	BerElement *ber = NULL;
	char *dn = ldap_get_dn(ld, e);

	util_strlcpy(r->dn, dn ? dn : "", sizeof(r->dn));
	ldap_memfree(dn);
	for (char *a = ldap_first_attribute(ld, e, &ber); a;
	     a = ldap_next_attribute(ld, e, ber)) {
		if (!secret_attr(a))
			keep_values(ld, e, a, r);
		ldap_memfree(a);
	}
	ber_free(ber, 0);
}

/* The user's entry: exactly one under the base DN. */
static int find_user(LDAP *ld, const struct ldapcli_server *s, const char *user,
		     struct ldapcli_result *r)
{
	/* memberOf of OpenLDAP's memberof overlay is operational: asked by name */
	char *attrs[] = { "*", "memberOf", NULL };
	struct timeval tv = { .tv_sec = s->timeout > 0 ? s->timeout : 10 };
	char esc[3 * 256 + 1], filter[sizeof(esc) + LDAPCLI_ATTR_MAX + 8];
	LDAPMessage *res = NULL, *e;
	int rc, n;

	if (ldapcli_escape_filter(user, esc, sizeof(esc)) < 0)
		return set_status(r, LDAPCLI_NO_USER, "user name too long for a search");
	snprintf(filter, sizeof(filter), "(%s=%s)", s->naming_attr, esc);
	rc = ldap_search_ext_s(ld, s->base_dn, s->subtree ? LDAP_SCOPE_SUBTREE
							  : LDAP_SCOPE_ONELEVEL,
			       filter, attrs, 0, NULL, NULL, &tv, 2, &res);
	if (rc == LDAP_SIZELIMIT_EXCEEDED) {
		ldap_msgfree(res);
		return set_status(r, LDAPCLI_ERROR, "search %s under \"%s\": several entries",
				  filter, s->base_dn);
	}
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return fail(ld, r, rc, "search");
	}
	n = ldap_count_entries(ld, res);
	if (n != 1) {
		ldap_msgfree(res);
		return set_status(r, n == 0 ? LDAPCLI_NO_USER : LDAPCLI_ERROR,
				  "search %s under \"%s\": %s", filter, s->base_dn,
				  n == 0 ? "no entry" : "several entries");
	}
	e = ldap_first_entry(ld, res);
	keep_entry(ld, e, r);
	ldap_msgfree(res);
	return LDAPCLI_OK;
}

static int run(LDAP *ld, const struct ldapcli_server *s, const char *user,
	       const char *password, struct ldapcli_result *r)
{
	const char *bind = s->login_dn && *s->login_dn ? "bind as ldap-login-dn"
							 : "anonymous bind";
	const char *step = s->tls == LDAPCLI_STARTTLS ? "StartTLS" : bind;
	int rc;

	/* The TLS handshake is StartTLS's, or (LDAPS) the first bind's. */
	if (s->tls == LDAPCLI_STARTTLS)
		rc = ldap_start_tls_s(ld, NULL, NULL);
	else
		rc = simple_bind(ld, s->login_dn, s->login_password);
	if (rc != LDAP_SUCCESS) {
		fail(ld, r, rc, step);
		if (s->tls != LDAPCLI_PLAIN && unreachable(rc))
			diagnose_tls(s, r, step);
		return r->status;
	}
	if (s->tls == LDAPCLI_STARTTLS &&
	    (rc = simple_bind(ld, s->login_dn, s->login_password)) != LDAP_SUCCESS)
		return fail(ld, r, rc, bind);
	if (find_user(ld, s, user, r) != LDAPCLI_OK || !password)
		return r->status;
	/* An empty password would be an unauthenticated bind (RFC 4513 5.1.2),
	 * which servers accept as anonymous: never a login. */
	if (!*password)
		return set_status(r, LDAPCLI_REJECTED, "empty password");
	rc = simple_bind(ld, r->dn, password);
	if (rc == LDAP_INVALID_CREDENTIALS)
		return set_status(r, LDAPCLI_REJECTED, "bind as \"%s\": invalid credentials", r->dn);
	if (rc != LDAP_SUCCESS)
		return fail(ld, r, rc, "bind as the user");
	return LDAPCLI_OK;
}

int ldapcli_login(const struct ldapcli_server *s, const char *user, const char *password,
		  struct ldapcli_result *r)
{
	LDAP *ld;

	memset(r, 0, sizeof(*r));
	if (!user || !*user)
		return set_status(r, LDAPCLI_NO_USER, "no user name");
	/* TLS without a CA would trust nobody or (libldap's default) the
	 * system's store: neither is what ldap-over-ssl means here. */
	if (s->tls != LDAPCLI_PLAIN && (!s->ca_der || !s->ca_der_len))
		return set_status(r, LDAPCLI_ERROR, "TLS needs the CA certificate of a trustpoint");
	ld = open_handle(s, r);
	if (!ld)
		return r->status;
	set_status(r, LDAPCLI_OK, "ok");
	run(ld, s, user, password, r);
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (r->status != LDAPCLI_OK)
		r->n_av = 0;
	return r->status;
}
