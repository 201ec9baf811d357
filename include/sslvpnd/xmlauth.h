/* The AnyConnect "aggregate auth" XML (config-auth) of the login phase.
 *
 * A small non-validating parser of our own for this one untrusted document
 * type: no DTD, no external or custom entities (only &lt; &gt; &amp; &quot;
 * &apos; and numeric references), bounded size, depth and element count
 * (struct xmlauth_limits), every extracted string bounded by its field size
 * (too long = malformed).
 */
#ifndef SSLVPND_XMLAUTH_H
#define SSLVPND_XMLAUTH_H

#include <stddef.h>
#include <stdint.h>

enum xmlauth_type {
	XA_UNKNOWN = 0,
	XA_INIT,
	XA_AUTH_REPLY,
	XA_LOGOUT,
};

struct xmlauth_req {
	enum xmlauth_type type;      /* config-auth@type */
	char client[16];             /* config-auth@client ("vpn") */
	char version[64];            /* <version who="vpn"> */
	char device_id[64];          /* <device-id> text */
	char group_select[128];      /* <group-select> directly under config-auth */
	char group_access[512];      /* <group-access> URL */
	char username[256];          /* <auth><username> */
	char password[256];          /* <auth><password> */
	char secondary_password[256];/* <auth><secondary_password> */
	char group_list[128];        /* <auth><group_list> (form select answer) */
	char session_token[256];     /* <session-token> (logout) */
	char opaque_tunnel_group[128]; /* <opaque is-for="sg"><tunnel-group> */
	char aggauth_handle[64];     /* <opaque><aggauth-handle> */
	int client_cert_fail;        /* <client-cert-fail/> present */
	int has_auth;                /* an <auth> element was present */
};

enum {
	XMLAUTH_DEPTH_CEILING = 64,    /* largest configurable depth */
	XMLAUTH_DEPTH_DEFAULT = 16,
	XMLAUTH_ELEMENTS_DEFAULT = 512,
};

struct xmlauth_limits {
	size_t max_bytes;              /* document size */
	int max_depth;                 /* open elements (cut to the ceiling) */
	size_t max_elements;           /* start tags in the document */
};

/* Why a document was refused. */
enum xmlauth_err {
	XAE_NONE = 0,
	XAE_MALFORMED,
	XAE_SIZE,
	XAE_DEPTH,
	XAE_ELEMENTS,
};

/* xmlauth_err_text: what went over ("XML nesting depth"), for logs. */
const char *xmlauth_err_text(enum xmlauth_err e);

/* xmlauth_is_xml: 1 when the body (after blanks) starts with "<?xml" or
 * "<config-auth": clients send XML under any Content-Type. */
int xmlauth_is_xml(const uint8_t *body, size_t len);

/* xmlauth_parse_limited: fill out from a config-auth document.  Returns 0,
 * or -1 when the document is malformed, over a limit of lim (NULL =
 * HTTP_MAX_BODY bytes, XMLAUTH_DEPTH_DEFAULT, no element count limit) or
 * its root is not config-auth; *err says which.  The worker passes the
 * configured limits (XMLAUTH_ELEMENTS_DEFAULT elements by default). */
int xmlauth_parse_limited(struct xmlauth_req *out, const uint8_t *body, size_t len,
			  const struct xmlauth_limits *lim, enum xmlauth_err *err);

/* xmlauth_parse: xmlauth_parse_limited with the default limits. */
int xmlauth_parse(struct xmlauth_req *out, const uint8_t *body, size_t len);

/* xmlauth_escape: XML-escape src (& < > " ') into dst; returns the length, or
 * -1 when cap is too small.  Bytes < 0x20 other than \t \n \r are dropped. */
int xmlauth_escape(char *dst, size_t cap, const char *src);

/* S7: what the ASA sends AnyConnect beside the login.
 *
 * xmlauth_manifest: the <vpn-profile-manifest> of the aggregate-auth
 * complete, one <file type="profile" service-type="user|vpn-mgmt"> per
 * profile with <uri>/CACHE/stc/profiles/NAME</uri> and <hash type="sha1">
 * (the layout of an ASA's reply, as openconnect's auth.c parses it).
 * profiles: "NAME:TYPE NAME:TYPE ..." (main's AUTH_REP); sha1_of gives a
 * profile's hex SHA-1 or NULL (then it is left out).  "" when none.
 * Returns the length, or -1 when cap is too small. */
int xmlauth_manifest(char *out, size_t cap, const char *profiles,
		     const char *(*sha1_of)(const void *ctx, const char *name), const void *ctx);

/* xmlauth_profile_listed: 1 when profiles ("NAME:TYPE ...") names name. */
int xmlauth_profile_listed(const char *profiles, const char *name);

/* xmlauth_custom_attrs: the X-CSTP-Post-Auth-XML value carrying custom
 * attributes, one line (it is an HTTP header): config-auth type complete /
 * config / opaque is-for vpn-client / custom-attr / <TYPE><![CDATA[VALUE]]>.
 * A type that is not an XML name, or a value holding a control character
 * or "]]>", is left out.  "" when n is 0.  Length, or -1 (cap too small). */
int xmlauth_custom_attrs(char *out, size_t cap, const char *const *types,
			 const char *const *values, size_t n);

#endif
