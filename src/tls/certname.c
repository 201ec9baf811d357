/* Names taken from client certificates (no OpenSSL, no I/O): the fields of
 * an RFC 2253 subject string and the Cisco phone device name.
 *
 * Phone certificates name the device: a MIC's CN is CP-<model>-SEP<mac>
 * (CP-7962G-SEP8CB64F576113), an LSC's CN is SEP<mac> (SEP6C3E18F21868),
 * the CUCM device name.  username-from-certificate "device" gives SEP<mac>
 * for both, so a phone keeps its user name when it moves from MIC to LSC.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

enum { MAC_HEX = 12, MODEL_MAX = 31 };

static int all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* "SEP" + 12 hex digits, the whole string. */
static int is_sep(const char *s)
{
	return strncasecmp(s, "SEP", 3) == 0 && strlen(s) == 3 + MAC_HEX &&
	       all_hex(s + 3, MAC_HEX);
}

int tls_phone_cn(const char *cn, struct tls_phone *out)
{
	const char *sep;
	size_t mlen;

	memset(out, 0, sizeof(*out));
	if (is_sep(cn)) {
		memcpy(out->mac, cn + 3, MAC_HEX);
	} else {
		if (strncasecmp(cn, "CP-", 3) != 0)
			return -1;
		sep = strrchr(cn + 3, '-');
		if (!sep || !is_sep(sep + 1))
			return -1;
		mlen = (size_t)(sep - (cn + 3));
		if (mlen == 0 || mlen > MODEL_MAX)
			return -1;
		memcpy(out->model, cn + 3, mlen);
		memcpy(out->mac, sep + 4, MAC_HEX);
	}
	upper(out->mac);
	upper(out->model);
	snprintf(out->device, sizeof(out->device), "SEP%s", out->mac);
	return 0;
}

/* One RDN value of an RFC 2253 string starting at p (after "X="): copy it
 * unescaped to buf; returns where it ends (',' or NUL), or NULL when it
 * does not fit (a truncated name could name somebody else). */
static const char *rdn_value(const char *p, char *buf, size_t len)
{
	size_t n = 0;

	for (; *p && *p != ',' && *p != '+'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 >= len)
			return NULL;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return p;
}

int tls_dn_field(const char *subject, const char *attr, char *buf, size_t len)
{
	size_t alen = strlen(attr);
	const char *p = subject;
	char tmp[512];

	buf[0] = '\0';
	while (*p) {
		int match = strncasecmp(p, attr, alen) == 0 && p[alen] == '=';
		const char *eq = strchr(p, '=');

		if (!eq)
			return -1;
		p = rdn_value(eq + 1, tmp, sizeof(tmp));
		if (!p)
			return -1;
		if (match) {
			if (strlen(tmp) >= len)
				return -1;
			util_strlcpy(buf, tmp, len);
			return 0; /* RFC 2253 lists the most specific first */
		}
		if (*p)
			p++;
	}
	return -1;
}
