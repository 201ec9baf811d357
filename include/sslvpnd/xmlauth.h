/* The AnyConnect "aggregate auth" XML (config-auth) of the login phase.
 *
 * A small non-validating parser of our own for this one untrusted document
 * type: no DTD, no external or custom entities (only &lt; &gt; &amp; &quot;
 * &apos; and numeric references), depth <= 16, at most HTTP_MAX_BODY bytes,
 * every extracted string bounded by its field size (too long = malformed).
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

/* xmlauth_is_xml: 1 when the body (after blanks) starts with "<?xml" or
 * "<config-auth": clients send XML under any Content-Type. */
int xmlauth_is_xml(const uint8_t *body, size_t len);

/* xmlauth_parse: fill out from a config-auth document. Returns 0, or -1 when
 * the document is malformed, over a limit, or its root is not config-auth. */
int xmlauth_parse(struct xmlauth_req *out, const uint8_t *body, size_t len);

/* xmlauth_escape: XML-escape src (& < > " ') into dst; returns the length, or
 * -1 when cap is too small.  Bytes < 0x20 other than \t \n \r are dropped. */
int xmlauth_escape(char *dst, size_t cap, const char *src);

#endif
