/* Certificate map rules: text <-> struct certmap_rule, and matching against
 * the RFC 2253 subject / issuer the worker reports (tls_peer_cert). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/certmap.h"
#include "sslvpnd/util.h"

/* ASA attribute names and the keys OpenSSL prints in RFC 2253 names. */
static const struct {
	const char *asa, *rfc;
} certmap_attrs[] = {
	{ "cn", "CN" }, { "o", "O" },   { "ou", "OU" }, { "c", "C" },
	{ "st", "ST" }, { "l", "L" },   { "ea", "emailAddress" },
	{ "dc", "DC" }, { "uid", "UID" }, { "serialnumber", "serialNumber" },
	{ "t", "title" }, { "sn", "SN" }, { "gn", "GN" }, { "i", "initials" },
	{ NULL, NULL },
};

static const char *const certmap_ops[] = { "", "eq", "ne", "co", "nc" };

static const char *rfc_key(const char *asa)
{
	for (int i = 0; certmap_attrs[i].asa; i++)
		if (strcmp(certmap_attrs[i].asa, asa) == 0)
			return certmap_attrs[i].rfc;
	return NULL;
}

/* The next blank-separated word of *s into w; 0 or -1 at the end. */
static int word(const char **s, char *w, size_t len)
{
	size_t n = 0;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	while (**s && **s != ' ' && **s != '\t') {
		if (n + 1 < len)
			w[n++] = **s;
		(*s)++;
	}
	w[n] = '\0';
	return n ? 0 : -1;
}

static int parse_op(const char *w)
{
	for (int i = CERTMAP_EQ; i <= CERTMAP_NC; i++)
		if (strcmp(w, certmap_ops[i]) == 0)
			return i;
	return -1;
}

int certmap_parse_rule(const char *text, struct certmap_rule *out, const char **why)
{
	const char *s = text;
	char w[CERTMAP_ATTR_MAX];

	memset(out, 0, sizeof(*out));
	word(&s, w, sizeof(w));
	if (strcmp(w, "subject-name") == 0)
		out->field = CERTMAP_SUBJECT;
	else if (strcmp(w, "issuer-name") == 0)
		out->field = CERTMAP_ISSUER;
	else {
		*why = "must start with subject-name or issuer-name";
		return -1;
	}
	word(&s, w, sizeof(w));
	if (strcmp(w, "attr") == 0) {
		if (word(&s, out->attr, sizeof(out->attr)) < 0 || !rfc_key(out->attr)) {
			*why = "attr needs one of cn o ou c st l ea dc uid serialnumber t sn gn i";
			return -1;
		}
		word(&s, w, sizeof(w));
	}
	if ((out->op = parse_op(w)) < 0) {
		*why = "expected an operator eq, ne, co or nc";
		return -1;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || strlen(s) >= sizeof(out->value)) {
		*why = "needs a value of 1..127 characters";
		return -1;
	}
	util_strlcpy(out->value, s, sizeof(out->value));
	return 0;
}

int certmap_format_rule(const struct certmap_rule *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s%s %s %s",
			 r->field == CERTMAP_ISSUER ? "issuer-name" : "subject-name",
			 r->attr[0] ? " attr " : "", r->attr, certmap_ops[r->op], r->value);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

static int value_holds(int op, const char *v, const char *want)
{
	return op == CERTMAP_EQ || op == CERTMAP_NE ? strcasecmp(v, want) == 0
						     : contains_ci(v, want);
}

/* The next "KEY=value" of an RFC 2253 name (',' or '+' separated, '\'
 * escapes a character); key and value unescaped.  0, or -1 at the end. */
static int next_rdn(const char **s, char *key, size_t klen, char *val, size_t vlen)
{
	size_t k = 0, v = 0;
	int in_val = 0;

	if (!**s)
		return -1;
	for (; **s && !((**s == ',' || **s == '+')); (*s)++) {
		char ch = **s;

		if (ch == '\\' && (*s)[1])
			ch = *++(*s);
		else if (ch == '=' && !in_val) {
			in_val = 1;
			continue;
		}
		if (in_val && v + 1 < vlen)
			val[v++] = ch;
		else if (!in_val && k + 1 < klen)
			key[k++] = ch;
	}
	if (**s)
		(*s)++;
	key[k] = val[v] = '\0';
	return 0;
}

int certmap_match_rule(const struct certmap_rule *r, const char *subject,
		       const char *issuer)
{
	const char *name = r->field == CERTMAP_ISSUER ? issuer : subject;
	const char *key = r->attr[0] ? rfc_key(r->attr) : NULL;
	char k[32], v[256];
	int found = 0;

	if (!name)
		name = "";
	if (!key)
		found = value_holds(r->op, name, r->value);
	else
		while (!found && next_rdn(&name, k, sizeof(k), v, sizeof(v)) == 0)
			if (strcasecmp(k, key) == 0)
				found = value_holds(r->op, v, r->value);
	return r->op == CERTMAP_EQ || r->op == CERTMAP_CO ? found : !found;
}
