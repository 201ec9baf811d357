/* The LDAP client of AAA (ASA `aaa-server NAME protocol ldap`), on
 * OpenLDAP's libldap.
 *
 * One call does what the ASA does for one login against one host: bind as
 * the service account (ldap-login-dn / ldap-login-password; anonymous when
 * no DN), search the user by the naming attribute under the base DN, then
 * (authentication) a simple bind as the entry's DN with the user's
 * password, or (authorization only: a certificate user) no bind as the
 * user.  The entry's attributes come back for the attribute map and DAP
 * (aaa.ldap.*).
 *
 * libldap is blocking: the caller runs this in a thread of its own (never
 * in an event loop).  Every step is bounded by the host's timeout
 * (LDAP_OPT_NETWORK_TIMEOUT for the connection, LDAP_OPT_TIMEOUT for each
 * operation), so one call takes at most about four timeouts.  TLS (LDAPS or
 * StartTLS) always checks the server's certificate against the CA given
 * (DER, from a trustpoint) and the address in the URI; libldap reads no
 * ldap.conf (ldapcli_init sets LDAPNOINIT) and no CA file.
 */
#ifndef SSLVPND_LDAPCLI_H
#define SSLVPND_LDAPCLI_H

#include <stddef.h>

enum {
	LDAPCLI_MAX_AV = 64,       /* attribute values kept of one entry */
	LDAPCLI_ATTR_MAX = 64,
	LDAPCLI_VALUE_MAX = 256,
	LDAPCLI_DN_MAX = 512,
	LDAPCLI_WHY_MAX = 256,
};

enum ldapcli_tls {
	LDAPCLI_PLAIN,             /* ldap:// without TLS */
	LDAPCLI_LDAPS,             /* ldaps:// (port 636) */
	LDAPCLI_STARTTLS,          /* ldap:// then StartTLS before any bind */
};

struct ldapcli_server {
	const char *address;       /* IPv4 or IPv6 literal */
	int port;
	int tls;                   /* enum ldapcli_tls */
	int timeout;               /* seconds, per step */
	const char *base_dn;
	int subtree;               /* ldap-scope subtree (else onelevel) */
	const char *naming_attr;   /* ldap-naming-attribute, e.g. uid, sAMAccountName */
	const char *login_dn;      /* NULL or "": anonymous search */
	const char *login_password;
	const unsigned char *ca_der;   /* the CA the server's certificate must chain to */
	size_t ca_der_len;
};

enum ldapcli_status {
	LDAPCLI_OK = 0,
	LDAPCLI_REJECTED,          /* wrong password (or an empty one) */
	LDAPCLI_NO_USER,           /* no entry of that name */
	LDAPCLI_UNREACHABLE,       /* no answer, connection or TLS failed: try the next host */
	LDAPCLI_ERROR,             /* the server answered but the lookup failed (service
				      account refused, several entries, bad base DN) */
};

struct ldapcli_av {
	char attr[LDAPCLI_ATTR_MAX];
	char value[LDAPCLI_VALUE_MAX];
};

struct ldapcli_result {
	int status;                /* enum ldapcli_status */
	char why[LDAPCLI_WHY_MAX]; /* the cause, for the log: never a password */
	char dn[LDAPCLI_DN_MAX];   /* the user's entry */
	size_t n_av;
	struct ldapcli_av av[LDAPCLI_MAX_AV];
	size_t dropped;            /* values not kept (too many, too long, binary) */
};

/* ldapcli_init: once per process, before any thread calls ldapcli_login
 * and before a sandbox forbids opening files: keeps libldap from reading
 * ldap.conf / .ldaprc and initialises it.  0 or -1. */
int ldapcli_init(void);

/* ldapcli_login: the user's entry on server s; password NULL = authorization
 * only (no bind as the user).  Returns r->status. */
int ldapcli_login(const struct ldapcli_server *s, const char *user, const char *password,
		  struct ldapcli_result *r);

/* ldapcli_escape_filter: user as an RFC 4515 assertion value (* ( ) \ NUL
 * escaped) into buf; length or -1 when it does not fit. */
int ldapcli_escape_filter(const char *user, char *buf, size_t len);

/* ldapcli_status_name: "ok", "rejected", ... */
const char *ldapcli_status_name(int status);

#endif
