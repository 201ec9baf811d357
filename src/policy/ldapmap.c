/* LDAP attribute maps: row text <-> structs, cross-row checks, and the
 * translation of a directory entry into Cisco attributes (ldapmap.h has the
 * ASA semantics this reproduces). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/config.h"
#include "sslvpnd/ldapmap.h"
#include "sslvpnd/util.h"

/* The ASA's spelling of each Cisco attribute (its "Cisco LDAP attribute
 * names" table), matched without case as the ASA's CLI does. */
static const char *const cisco_names[LDM__COUNT] = {
	[LDM_GROUP_POLICY] = "Group-Policy",
	[LDM_IETF_CLASS] = "IETF-Radius-Class",
	[LDM_TUNNELING_PROTOCOLS] = "Tunneling-Protocols",
	[LDM_TUNNEL_GROUP_LOCK] = "Tunnel-Group-Lock",
	[LDM_FILTER_ID] = "IETF-Radius-Filter-Id",
	[LDM_SESSION_TIMEOUT] = "IETF-Radius-Session-Timeout",
	[LDM_IDLE_TIMEOUT] = "IETF-Radius-Idle-Timeout",
	[LDM_SIMULTANEOUS_LOGINS] = "Simultaneous-Logins",
	[LDM_BANNER1] = "Banner1",
};

const char *ldapmap_cisco_name(int cisco)
{
	return cisco >= 0 && cisco < LDM__COUNT ? cisco_names[cisco] : NULL;
}

static int cisco_lookup(const char *w)
{
	for (int i = 0; i < LDM__COUNT; i++)
		if (strcasecmp(w, cisco_names[i]) == 0)
			return i;
	return -1;
}

/* The next word of *s (blank-separated, or "quoted" when q) into w.
 * 1 = got one, 0 = none left, -1 = too long or an unterminated quote. */
static int next_word(const char **s, char *w, size_t len, int q)
{
	const char *p = util_skip_blanks(*s), *end;
	size_t n;

	if (!*p)
		return 0;
	if (q && *p == '"') {
		end = strchr(++p, '"');
		if (!end)
			return -1;
		n = (size_t)(end - p);
		*s = end + 1;
	} else {
		end = p + strcspn(p, " \t");
		n = (size_t)(end - p);
		*s = end;
	}
	if (n == 0 || n >= len)
		return -1;
	memcpy(w, p, n);
	w[n] = '\0';
	return 1;
}

/* The rest of the line, blanks around it dropped, into w: 1, 0, -1. */
static int rest_of_line(const char *s, char *w, size_t len)
{
	size_t n;

	s = util_skip_blanks(s);
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if (n >= len)
		return -1;
	memcpy(w, s, n);
	w[n] = '\0';
	return 1;
}

/* LDAP attribute descriptions: a letter, then letters, digits, hyphens
 * (RFC 4512 descr); OIDs are not what an administrator maps. */
static int ldap_attr_ok(const char *a)
{
	if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z')))
		return 0;
	for (; *a; a++)
		if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
		      (*a >= '0' && *a <= '9') || *a == '-'))
			return 0;
	return 1;
}

static int parse_attr(const char **s, char *w, const char **why)
{
	if (next_word(s, w, LDAPMAP_ATTR_MAX, 0) != 1 || !ldap_attr_ok(w)) {
		*why = "must start with an LDAP attribute name (letters, digits, '-', "
		       "at most 63 characters)";
		return -1;
	}
	return 0;
}

int ldapmap_parse_name(const char *text, struct ldapmap_name *out, const char **why)
{
	const char *s = text;
	char w[LDAPMAP_ATTR_MAX];

	memset(out, 0, sizeof(*out));
	if (parse_attr(&s, out->ldap, why) < 0)
		return -1;
	if (next_word(&s, w, sizeof(w), 0) != 1 || (out->cisco = cisco_lookup(w)) < 0) {
		*why = "the Cisco attribute must be one of Group-Policy, IETF-Radius-Class, "
		       "Tunneling-Protocols, Tunnel-Group-Lock, IETF-Radius-Filter-Id, "
		       "IETF-Radius-Session-Timeout, IETF-Radius-Idle-Timeout, "
		       "Simultaneous-Logins, Banner1";
		return -1;
	}
	if (*util_skip_blanks(s)) {
		*why = "has words after the Cisco attribute";
		return -1;
	}
	return 0;
}

int ldapmap_parse_value(const char *text, struct ldapmap_value *out, const char **why)
{
	const char *s = text;

	memset(out, 0, sizeof(*out));
	if (parse_attr(&s, out->ldap, why) < 0)
		return -1;
	if (next_word(&s, out->from, sizeof(out->from), 1) != 1) {
		*why = "needs the directory's value after the attribute (in double quotes "
		       "when it has blanks; at most 255 characters)";
		return -1;
	}
	if (rest_of_line(s, out->to, sizeof(out->to)) != 1) {
		*why = "needs the Cisco value after the directory's value (at most 255 "
		       "characters)";
		return -1;
	}
	return 0;
}

int ldapmap_format_name(const struct ldapmap_name *n, char *buf, size_t len)
{
	const char *c = ldapmap_cisco_name(n->cisco);
	int r = snprintf(buf, len, "%s %s", n->ldap, c ? c : "?");

	return r < 0 || (size_t)r >= len ? -1 : r;
}

int ldapmap_format_value(const struct ldapmap_value *v, char *buf, size_t len)
{
	int quote = strpbrk(v->from, " \t") != NULL;
	int r = snprintf(buf, len, quote ? "%s \"%s\" %s" : "%s %s %s", v->ldap, v->from,
			 v->to);

	return r < 0 || (size_t)r >= len ? -1 : r;
}

static const struct ldapmap_name *name_row(const struct cfg_ldap_map *m, const char *attr)
{
	for (size_t i = 0; i < m->n_names; i++)
		if (strcasecmp(m->names[i].ldap, attr) == 0)
			return &m->names[i];
	return NULL;
}

int ldapmap_check(const struct cfg_ldap_map *m, const char **why, size_t *row,
		  const char **what)
{
	for (size_t i = 0; i < m->n_names; i++) {
		if (name_row(m, m->names[i].ldap) != &m->names[i]) {
			*why = "maps an LDAP attribute a previous map-name row maps already";
			*row = i;
			*what = "map-name";
			return -1;
		}
	}
	for (size_t i = 0; i < m->n_values; i++) {
		if (!name_row(m, m->values[i].ldap)) {
			*why = "names an LDAP attribute that no map-name row of the map maps";
			*row = i;
			*what = "map-value";
			return -1;
		}
	}
	return 0;
}

/* The Cisco value of one directory value: the to of its map-value row;
 * the value itself when the attribute has no map-value rows; else NULL. */
static const char *translate(const struct cfg_ldap_map *m, const char *attr,
			     const char *value)
{
	int has_rows = 0;

	for (size_t i = 0; i < m->n_values; i++) {
		if (strcasecmp(m->values[i].ldap, attr) != 0)
			continue;
		has_rows = 1;
		if (strcasecmp(m->values[i].from, value) == 0)
			return m->values[i].to;
	}
	return has_rows ? NULL : value;
}

/* The ASA's pick among several mapped values: shortest, then lowest. */
static int better(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la < lb : strcmp(a, b) < 0;
}

/* The winning value of one map-name row over the entry, or NULL. */
static const char *pick(const struct cfg_ldap_map *m, const struct ldapmap_name *nm,
			const struct ldapmap_av *av, size_t n)
{
	const char *best = NULL, *t;

	for (size_t i = 0; i < n; i++) {
		if (!av[i].attr || !av[i].value || strcasecmp(av[i].attr, nm->ldap) != 0)
			continue;
		t = translate(m, nm->ldap, av[i].value);
		if (t && *t && (!best || better(t, best)))
			best = t;
	}
	return best;
}

void ldapmap_apply(const struct cfg_ldap_map *m, const struct ldapmap_av *av, size_t n,
		   struct ldapmap_result *out)
{
	const char *v;
	int c;

	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	for (size_t i = 0; i < m->n_names; i++) {
		c = m->names[i].cisco;
		v = pick(m, &m->names[i], av, n);
		if (!v)
			continue;
		util_strlcpy(out->v[c], v, sizeof(out->v[c]));
		out->have |= 1u << c;
	}
	/* IETF-Radius-Class is the pre-8.2 name of Group-Policy. */
	if ((out->have & (1u << LDM_IETF_CLASS)) && !(out->have & (1u << LDM_GROUP_POLICY))) {
		memcpy(out->v[LDM_GROUP_POLICY], out->v[LDM_IETF_CLASS],
		       sizeof(out->v[LDM_GROUP_POLICY]));
		out->have |= 1u << LDM_GROUP_POLICY;
	}
}

int ldapmap_protocols_allow_ssl(const char *value)
{
	char *end;
	unsigned long v;

	if (!value || !*value)
		return -1;
	v = strtoul(value, &end, 10);
	if (*end || v > 0xffffffffUL)
		return -1;
	return (v & LDAPMAP_PROTO_SSL_CLIENT) != 0;
}
