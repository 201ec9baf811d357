/* The phone's VPN configuration (CUCM <vpnGroup>), server pinning and the
 * host-ID check.
 *
 * The XML comes from a file the tester wrote (the TFTP-served SEP<MAC>.cnf.xml
 * in real life), so the reader is small: it looks for each known leaf
 * element by name, anywhere, and refuses DOCTYPE/ENTITY declarations.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "phone.h"
#include "sslvpnd/util.h"

enum vg_type { VG_INT, VG_URL, VG_HASH };

struct vg_key {
	const char *name;
	enum vg_type type;
	size_t off; /* VG_INT: offset of the int in struct vpngroup */
	int min, max;
};

#define VGI(n, field, lo, hi) { n, VG_INT, offsetof(struct vpngroup, field), lo, hi }
/* clang-format off */
static const struct vg_key keys[] = {
	VGI("mtu", mtu, 256, 1500),
	VGI("failConnectTime", fail_connect_time, 1, 600),
	VGI("authMethod", auth_method, 0, 2),
	VGI("enableHostIDCheck", host_id_check, 0, 1),
	VGI("hashAlg", hash_alg, 0, 0),
	{ "url1", VG_URL, 0, 0, 0 }, { "url2", VG_URL, 0, 0, 0 },
	{ "url3", VG_URL, 0, 0, 0 },
	{ "certHash1", VG_HASH, 0, 0, 0 }, { "certHash2", VG_HASH, 0, 0, 0 },
	{ "certHash3", VG_HASH, 0, 0, 0 }, { "certHash4", VG_HASH, 0, 0, 0 },
	{ "certHash5", VG_HASH, 0, 0, 0 }, { "certHash6", VG_HASH, 0, 0, 0 },
	{ "certHash7", VG_HASH, 0, 0, 0 }, { "certHash8", VG_HASH, 0, 0, 0 },
	{ "certHash9", VG_HASH, 0, 0, 0 }, { "certHash10", VG_HASH, 0, 0, 0 },
};
/* clang-format on */

void vpngroup_defaults(struct vpngroup *g)
{
	memset(g, 0, sizeof(*g));
	g->mtu = 1290;
	g->fail_connect_time = 30;
	g->auth_method = 2;
}

int vpngroup_add_url(struct vpngroup *g, const char *s)
{
	char host[PH_HOST_MAX], path[PH_URL_MAX];
	uint16_t port;

	if (g->n_url >= PH_MAX_URLS ||
	    url_split(s, host, sizeof(host), &port, path, sizeof(path)) < 0)
		return -1;
	util_strlcpy(g->url[g->n_url++], s, PH_URL_MAX);
	return 0;
}

int vpngroup_add_hash(struct vpngroup *g, const char *s)
{
	uint8_t raw[64];
	size_t n = strlen(s);

	if (g->n_hash >= PH_MAX_HASHES)
		return -1;
	if (n == 40 && util_unhex(g->hash[g->n_hash], 20, s, n) == 0) {
		g->n_hash++;
		return 0;
	}
	/* base64 of 20 bytes: 28 characters with one '=' */
	if (n != 28 || EVP_DecodeBlock(raw, (const unsigned char *)s, (int)n) != 21)
		return -1;
	memcpy(g->hash[g->n_hash++], raw, 20);
	return 0;
}

/* Element text of <name>..</name> (case-insensitive name, no attributes
 * expected but tolerated) into out; 1 found, 0 absent, -1 too long. */
static int element(const char *xml, size_t len, const char *name, char *out,
		   size_t cap)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 2 < len; i++) {
		if (xml[i] != '<' || strncasecmp(xml + i + 1, name, nl))
			continue;
		char c = xml[i + 1 + nl];

		if (c != '>' && c != ' ' && c != '\t' && c != '/')
			continue;
		const char *gt = memchr(xml + i, '>', len - i);

		if (!gt)
			return 0;
		if (gt[-1] == '/') { /* <url2/> */
			out[0] = 0;
			return 1;
		}
		const char *start = gt + 1, *end = start;

		while (end < xml + len && *end != '<')
			end++;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		size_t o = 0;

		for (const char *p = start; p < end; p++) {
			if (o + 1 >= cap)
				return -1;
			if (*p == '&' && !strncmp(p, "&amp;", 5)) {
				out[o++] = '&';
				p += 4;
			} else {
				out[o++] = *p;
			}
		}
		out[o] = 0;
		return 1;
	}
	return 0;
}

int vpngroup_parse(struct vpngroup *g, const char *xml, size_t len, char *err,
		   size_t errlen)
{
	char val[PH_URL_MAX];

	if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8)) {
		snprintf(err, errlen, "DOCTYPE/ENTITY declarations are not accepted");
		return -1;
	}
	if (!memmem(xml, len, "<vpnGroup", 9) && !memmem(xml, len, "<vpngroup", 9)) {
		snprintf(err, errlen, "no <vpnGroup> element");
		return -1;
	}
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		const struct vg_key *key = &keys[k];
		int r = element(xml, len, key->name, val, sizeof(val));

		if (r < 0) {
			snprintf(err, errlen, "<%s>: value too long", key->name);
			return -1;
		}
		if (r == 0 || (!val[0] && key->type != VG_INT))
			continue;
		if (key->type == VG_INT) {
			char *end;
			long v = strtol(val, &end, 10);

			if (!val[0] || *end || v < key->min || v > key->max) {
				snprintf(err, errlen, "<%s>%s</%s>: want %d..%d", key->name,
					 val, key->name, key->min, key->max);
				return -1;
			}
			*(int *)(void *)((char *)g + key->off) = (int)v;
		} else if (key->type == VG_URL) {
			if (vpngroup_add_url(g, val) < 0) {
				snprintf(err, errlen, "<%s>%s</%s>: not an https URL", key->name,
					 val, key->name);
				return -1;
			}
		} else if (vpngroup_add_hash(g, val) < 0) {
			snprintf(err, errlen, "<%s>: not a base64 SHA-1 (28 chars)", key->name);
			return -1;
		}
	}
	if (!g->n_url) {
		snprintf(err, errlen, "no <url1>");
		return -1;
	}
	return 0;
}

int url_split(const char *url, char *host, size_t hostlen, uint16_t *port,
	      char *path, size_t pathlen)
{
	if (strncasecmp(url, "https://", 8))
		return -1;
	const char *h = url + 8, *e = h;

	while (*e && *e != '/' && *e != ':')
		e++;
	if (e == h || (size_t)(e - h) >= hostlen)
		return -1;
	memcpy(host, h, (size_t)(e - h));
	host[e - h] = 0;
	*port = 443;
	if (*e == ':') {
		char *end;
		long p = strtol(e + 1, &end, 10);

		if (p < 1 || p > 65535 || (*end && *end != '/'))
			return -1;
		*port = (uint16_t)p;
		e = end;
	}
	if (util_strlcpy(path, *e ? e : "/", pathlen) >= pathlen)
		return -1;
	return 0;
}

/* ---- host-ID check (seed 001: "Generic third level wildcards are not
 * allowed, stopping checks on host=(test.vpn.com) and dns=(*.vpn.com)") */

static int labels(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

int hostid_match(const char *host, const char *pattern)
{
	if (strncmp(pattern, "*.", 2))
		return !strcasecmp(host, pattern);
	/* A wildcard standing for the third level of a two-label domain
	 * (*.vpn.com, *.lab.example) is refused outright, whatever the host. */
	if (labels(pattern + 2) < 3)
		return -1;
	const char *dot = strchr(host, '.');

	return dot && dot != host && !strcasecmp(dot + 1, pattern + 2);
}

static int check_name(const char *host, const char *name, int *refused)
{
	int r = hostid_match(host, name);

	if (r < 0) {
		vpnc_log("hostid_check", "DNS has wildcard, starting checks...");
		vpnc_log("hostid_check",
			 "Generic third level wildcards are not allowed, stopping checks on host=(%s) and dns=(%s)",
			 host, name);
		*refused = 1;
		return 0;
	}
	return r;
}

int hostid_check(const char *host, X509 *cert)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	struct in_addr ip;
	int is_ip = inet_pton(AF_INET, host, &ip) == 1, ok = 0, refused = 0;

	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !ok && !refused; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS) {
			const char *n = (const char *)ASN1_STRING_get0_data(gn->d.dNSName);

			if ((size_t)ASN1_STRING_length(gn->d.dNSName) == strlen(n))
				ok = check_name(host, n, &refused);
		} else if (gn->type == GEN_IPADD && is_ip &&
			   ASN1_STRING_length(gn->d.iPAddress) == 4) {
			ok = !memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), &ip, 4);
		}
	}
	GENERAL_NAMES_free(sans);
	if (ok)
		return 1;
	vpnc_log("hostid_check", "hostID not found in subjectAltNames");
	if (!refused) {
		char cn[256];

		if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
					      cn, sizeof(cn)) > 0 &&
		    check_name(host, cn, &refused) > 0)
			return 1;
	}
	vpnc_log("hostid_check", "hostID not found in subject name");
	vpnc_log("hostid_check", "hostIDCheck failed!!");
	return 0;
}

int pin_check(const struct vpngroup *g, X509 *cert, char leaf_hex[41])
{
	uint8_t md[20];
	unsigned int mdlen = sizeof(md);

	if (!X509_digest(cert, EVP_sha1(), md, &mdlen))
		return 0;
	util_hex(leaf_hex, md, 20, 1);
	for (int i = 0; i < g->n_hash; i++)
		if (!memcmp(g->hash[i], md, 20))
			return 1;
	return 0;
}
