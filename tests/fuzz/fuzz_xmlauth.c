/* libFuzzer target: the config-auth XML parser.
 *
 * Besides memory safety, a round-trip property: whatever the parser accepts
 * is written back as a fresh document with xmlauth_escape() and parsed
 * again; both results must be identical.  That catches decoding that loses
 * or invents bytes, escaping the parser does not undo, and fields that are
 * not terminated inside their arrays.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/http.h"
#include "sslvpnd/xmlauth.h"
#include "fuzz.h"

struct doc {
	char p[4 * HTTP_MAX_BODY];
	size_t len;
};

static struct doc doc;
static struct xmlauth_req first, second;

static void add(struct doc *d, const char *s)
{
	size_t n = strlen(s);

	CHECK(n < sizeof(d->p) - d->len);
	memcpy(d->p + d->len, s, n + 1);
	d->len += n;
}

static void add_esc(struct doc *d, const char *s)
{
	int n = xmlauth_escape(d->p + d->len, sizeof(d->p) - d->len, s);

	CHECK(n >= 0);
	d->len += (size_t)n;
}

static void element(struct doc *d, const char *open, const char *val,
		    const char *close)
{
	add(d, open);
	add_esc(d, val);
	add(d, close);
}

#define TERMINATED(f) CHECK(strnlen((f), sizeof(f)) < sizeof(f))

static void check_terminated(const struct xmlauth_req *r)
{
	TERMINATED(r->client);
	TERMINATED(r->version);
	TERMINATED(r->device_id);
	TERMINATED(r->group_select);
	TERMINATED(r->group_access);
	TERMINATED(r->username);
	TERMINATED(r->password);
	TERMINATED(r->secondary_password);
	TERMINATED(r->group_list);
	TERMINATED(r->session_token);
	TERMINATED(r->opaque_tunnel_group);
	TERMINATED(r->aggauth_handle);
}

static const char *const type_attr[] = {
	[XA_UNKNOWN] = "",
	[XA_INIT] = " type=\"init\"",
	[XA_AUTH_REPLY] = " type=\"auth-reply\"",
	[XA_LOGOUT] = " type=\"logout\"",
};

/* Rebuild a document that must parse to exactly r. */
static void rebuild(struct doc *d, const struct xmlauth_req *r)
{
	d->len = 0;
	add(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	add(d, "<config-auth client=\"");
	add_esc(d, r->client);
	add(d, "\"");
	add(d, type_attr[r->type]);
	add(d, ">");
	element(d, "<version who=\"vpn\">", r->version, "</version>");
	element(d, "<device-id>", r->device_id, "</device-id>");
	element(d, "<group-select>", r->group_select, "</group-select>");
	element(d, "<group-access>", r->group_access, "</group-access>");
	element(d, "<session-token>", r->session_token, "</session-token>");
	if (r->has_auth) {
		add(d, "<auth>");
		element(d, "<username>", r->username, "</username>");
		element(d, "<password>", r->password, "</password>");
		element(d, "<secondary_password>", r->secondary_password,
			"</secondary_password>");
		element(d, "<group_list>", r->group_list, "</group_list>");
		add(d, "</auth>");
	}
	add(d, "<opaque is-for=\"sg\">");
	element(d, "<tunnel-group>", r->opaque_tunnel_group, "</tunnel-group>");
	element(d, "<aggauth-handle>", r->aggauth_handle, "</aggauth-handle>");
	add(d, "</opaque>");
	if (r->client_cert_fail)
		add(d, "<client-cert-fail/>");
	add(d, "</config-auth>\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r;

	(void)xmlauth_is_xml(data, size);
	r = xmlauth_parse(&first, data, size);
	CHECK(r == 0 || r == -1);
	if (r)
		return 0;
	check_terminated(&first);
	CHECK(first.type <= XA_LOGOUT);
	/* auth fields only ever come from inside <auth> */
	if (!first.has_auth)
		CHECK(!first.username[0] && !first.password[0] &&
		      !first.secondary_password[0] && !first.group_list[0]);
	rebuild(&doc, &first);
	if (doc.len > HTTP_MAX_BODY)
		return 0; /* escaping can grow a legal body past the limit */
	CHECK(xmlauth_parse(&second, (const uint8_t *)doc.p, doc.len) == 0);
	CHECK(!memcmp(&first, &second, sizeof(first)));
	return 0;
}
