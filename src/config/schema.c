/* The schema table and the text parsers of its value types.
 *
 * Everything that knows what a key means lives here: the rows expanded from
 * schema.def and gpattrs.def, the allowed-value maps, and small pure parsers
 * (addresses, masks, ranges, group-urls) that both the loader and the unit
 * tests can reason about.  No I/O, no libconfig tree walking (config.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "sslvpnd/config.h"
#include "sslvpnd/util.h"
#include "schema.h"

/* ---- allowed-value maps (NULL-terminated) */
#define schema_map_NONE NULL

static const struct schema_enum schema_map_log_format[] = {
	{ "asa", LOG_FMT_ASA }, { "native", LOG_FMT_NATIVE }, { NULL, 0 },
};

/* logging trap: the ASA's level names (and numbers) */
static const struct schema_enum schema_map_log_level[] = {
	{ "none", -1 },         { "emergencies", 0 }, { "alerts", 1 },
	{ "critical", 2 },      { "errors", 3 },      { "warnings", 4 },
	{ "notifications", 5 }, { "informational", 6 }, { "debugging", 7 },
	{ NULL, 0 },
};

static const struct schema_enum schema_map_log_devid[] = {
	{ "none", CFG_DEVID_NONE }, { "hostname", CFG_DEVID_HOSTNAME },
	{ "string", CFG_DEVID_STRING }, { NULL, 0 },
};

static const struct schema_enum schema_map_log_proto[] = {
	{ "udp", CFG_LOG_UDP }, { "tcp", CFG_LOG_TCP }, { NULL, 0 },
};

static const struct schema_enum schema_map_log_hostfmt[] = {
	{ "bsd", CFG_LOG_BSD }, { "rfc5424", CFG_LOG_RFC5424 }, { NULL, 0 },
};

static const struct schema_enum schema_map_log_dest[] = {
	{ "syslog", 1 }, { "stderr", 0 }, { NULL, 0 },
};

static const struct schema_enum schema_map_facility[] = {
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "auth", LOG_AUTH },     { NULL, 0 },
};

static const struct schema_enum schema_map_enrollment[] = {
	{ "self", CFG_ENROLL_SELF },
	{ "file", CFG_ENROLL_FILE },
	{ "terminal", CFG_ENROLL_TERMINAL },
	{ NULL, 0 },
};

static const struct schema_enum schema_map_key_type[] = {
	{ "rsa", CFG_KEY_RSA }, { "ec", CFG_KEY_EC }, { NULL, 0 },
};

/* The ASA spells both methods as two words: "authentication aaa certificate". */
static const struct schema_enum schema_map_auth[] = {
	{ "certificate", CFG_AUTH_CERTIFICATE },
	{ "aaa", CFG_AUTH_AAA },
	{ "aaa certificate", CFG_AUTH_AAA_CERTIFICATE },
	{ NULL, 0 },
};

/* ssl server-version as the ASA 9.19+ CLI spells it: the lowest TLS
 * version, optionally followed by the lowest DTLS version; "any" is the
 * older releases' word for the lowest.  tlsctx.c reads the words. */
static const struct schema_enum schema_map_sslver[] = {
	{ "any", 0 },		   { "tlsv1", 0 },	      { "tlsv1.1", 1 },
	{ "tlsv1.2", 2 },	   { "tlsv1.3", 3 },	      { "any dtlsv1", 0 },
	{ "tlsv1 dtlsv1", 0 },	   { "tlsv1.1 dtlsv1", 1 },   { "tlsv1.2 dtlsv1", 2 },
	{ "tlsv1.3 dtlsv1", 3 },   { "any dtlsv1.2", 0 },     { "tlsv1 dtlsv1.2", 0 },
	{ "tlsv1.1 dtlsv1.2", 1 }, { "tlsv1.2 dtlsv1.2", 2 }, { "tlsv1.3 dtlsv1.2", 3 },
	{ NULL, 0 },
};

/* ssl client-version: accepted, not applicable (no outbound TLS). */
static const struct schema_enum schema_map_sslcver[] = {
	{ "any", 0 },	  { "tlsv1", 0 },   { "tlsv1.1", 1 },
	{ "tlsv1.2", 2 }, { "tlsv1.3", 3 }, { NULL, 0 },
};

/* Subject fields the ASA offers for username-from-certificate. */
static const struct schema_enum schema_map_ufc[] = {
	{ "CN", 0 }, { "OU", 1 }, { "O", 2 },  { "EA", 3 }, { "UPN", 4 },
	{ "C", 5 },  { "ST", 6 }, { "L", 7 },  { "SER", 8 },
	/* sslvpnd: the phone's CUCM device name SEP<mac> (MIC or LSC), its MAC */
	{ "DEVICE", 9 }, { "MAC", 10 }, { NULL, 0 },
};

static const struct schema_enum schema_map_aaa_protocol[] = {
	{ "radius", CFG_AAA_RADIUS }, { "ldap", CFG_AAA_LDAP }, { NULL, 0 },
};

static const struct schema_enum schema_map_aaa_react[] = {
	{ "depletion", CFG_AAA_DEPLETION }, { "timed", CFG_AAA_TIMED }, { NULL, 0 },
};

static const struct schema_enum schema_map_ldap_scope[] = {
	{ "onelevel", 0 }, { "subtree", 1 }, { NULL, 0 },
};

static const struct schema_enum schema_map_server_type[] = {
	{ "auto", 0 }, { "microsoft", 1 }, { "novell", 2 }, { "openldap", 3 },
	{ "sun", 4 }, { "generic", 5 }, { NULL, 0 },
};

static const struct schema_enum schema_map_tg_type[] = {
	{ "remote-access", 0 }, { NULL, 0 },
};

static const struct schema_enum schema_map_acl_type[] = {
	{ "standard", ACL_STANDARD }, { "extended", ACL_EXTENDED }, { NULL, 0 },
};

static const struct schema_enum schema_map_dap_action[] = {
	{ "continue", DAP_CONTINUE }, { "terminate", DAP_TERMINATE },
	{ "quarantine", DAP_QUARANTINE }, { NULL, 0 },
};

/* ASDM spells the combinators in capitals; lower case is accepted too. */
static const struct schema_enum schema_map_dap_match[] = {
	{ "ANY", DAP_MATCH_ANY }, { "ALL", DAP_MATCH_ALL }, { "NONE", DAP_MATCH_NONE },
	{ "any", DAP_MATCH_ANY }, { "all", DAP_MATCH_ALL }, { "none", DAP_MATCH_NONE },
	{ NULL, 0 },
};

/* ---- the rows */
#define SCHEMA_T_ROOT struct sslvpnd_config
#define SCHEMA_T_GENERAL struct sslvpnd_config
#define SCHEMA_T_LOGGING struct sslvpnd_config
#define SCHEMA_T_SSL struct sslvpnd_config
#define SCHEMA_T_SSL_CIPHER struct sslvpnd_config
#define SCHEMA_T_WEBVPN struct sslvpnd_config
#define SCHEMA_T_METRICS struct sslvpnd_config
#define SCHEMA_T_LOAD_BALANCING struct sslvpnd_config
#define SCHEMA_T_FLEET struct sslvpnd_config
#define SCHEMA_T_LIMITS struct sslvpnd_config
#define SCHEMA_T_BANS struct sslvpnd_config
#define SCHEMA_T_INTERFACE struct cfg_interface
#define SCHEMA_T_TRUSTPOINT struct cfg_trustpoint
#define SCHEMA_T_POOL struct cfg_pool
#define SCHEMA_T_POOL6 struct cfg_pool6
#define SCHEMA_T_GROUP_POLICY struct cfg_group_policy
#define SCHEMA_T_TUNNEL_GROUP struct cfg_tunnel_group
#define SCHEMA_T_USER struct cfg_user
#define SCHEMA_T_ACL struct cfg_acl
#define SCHEMA_T_CERTMAP struct cfg_certmap
#define SCHEMA_T_TIME_RANGE struct cfg_time_range
#define SCHEMA_T_LDAP_MAP struct cfg_ldap_map
#define SCHEMA_T_DAP struct cfg_dap
#define SCHEMA_T_DAP_AAA struct cfg_dap
#define SCHEMA_T_DAP_ENDPOINT struct cfg_dap
#define SCHEMA_T_LOG_HOST struct cfg_log_host
#define SCHEMA_T_LOG_MESSAGE struct cfg_log_message
#define SCHEMA_T_AAA_SERVER struct cfg_aaa_server
#define SCHEMA_T_AAA_HOST struct cfg_aaa_host
#define SCHEMA_T_AC_PROFILE struct cfg_ac_profile
#define SCHEMA_T_AC_CATTR struct cfg_ac_cattr
#define SCHEMA_T_AC_CDATA struct cfg_ac_cdata

#define SCHEMA_FIELD(T, m) .off = offsetof(T, m), .size = sizeof(((T *)0)->m)

#define SCHEMA_KEY(o, k, t, f, lo, hi, d, m, mem, dc)                          \
	{ .obj = SO_##o, .key = k, .type = ST_##t, .flags = f, .min = lo,      \
	  .max = hi, .dflt = d, .map = schema_map_##m,                         \
	  SCHEMA_FIELD(SCHEMA_T_##o, mem), .doc = dc },
#define SCHEMA_CONST(o, k, d, m, dc)                                           \
	{ .obj = SO_##o, .key = k, .type = ST_CONST, .dflt = d,                \
	  .map = schema_map_##m, .doc = dc },
#define SCHEMA_GROUP(o, k, s, dc)                                              \
	{ .obj = SO_##o, .key = k, .type = ST_GROUP, .sub = SO_##s, .doc = dc },
#define SCHEMA_LIST(o, k, s, w, mem, nmem, dc)                                 \
	{ .obj = SO_##o, .key = k, .type = ST_GLIST, .sub = SO_##s, .what = w, \
	  SCHEMA_FIELD(struct sslvpnd_config, mem),                            \
	  .n_off = offsetof(struct sslvpnd_config, nmem),                      \
	  .elem_size = sizeof(*((struct sslvpnd_config *)0)->mem), .doc = dc },
/* a list inside a list element (the hosts of an aaa-server group) */
#define SCHEMA_SUBLIST(o, k, s, w, mem, nmem, dc)                              \
	{ .obj = SO_##o, .key = k, .type = ST_GLIST, .sub = SO_##s, .what = w, \
	  SCHEMA_FIELD(SCHEMA_T_##o, mem),                                     \
	  .n_off = offsetof(SCHEMA_T_##o, nmem),                               \
	  .elem_size = sizeof(*((SCHEMA_T_##o *)0)->mem), .doc = dc },

const struct schema_key schema_keys[] = {
#include "schema.def"
};
const size_t schema_n_keys = ARRAY_SIZE(schema_keys);

#undef SCHEMA_KEY
#undef SCHEMA_CONST
#undef SCHEMA_GROUP
#undef SCHEMA_LIST
#undef SCHEMA_SUBLIST

const struct gp_attr_info gp_attr_table[GPA__COUNT] = {
#define GPATTR(id, k, t, d, lo, hi, a) [GPA_##id] = { k, t, d, lo, hi, a },
#include "sslvpnd/gpattrs.def"
#undef GPATTR
};

const struct schema_key *schema_find(enum schema_obj obj, const char *key)
{
	const struct schema_key *k;

	schema_for_each(k, obj)
	{
		if (strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

int schema_gp_find(const char *key)
{
	int i;

	for (i = 0; i < GPA__COUNT; i++)
		if (strcmp(gp_attr_table[i].key, key) == 0)
			return i;
	return -1;
}

int schema_enum_value(const struct schema_enum *map, const char *name,
		      int *value)
{
	for (; map && map->name; map++) {
		if (strcmp(map->name, name) == 0) {
			*value = map->value;
			return 0;
		}
	}
	return -1;
}

const char *schema_enum_name(const struct schema_enum *map, int value)
{
	for (; map && map->name; map++)
		if (map->value == value)
			return map->name;
	return NULL;
}

const char *schema_enum_list(const struct schema_enum *map, char *buf,
			     size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; map && map->name && used < len; map++)
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "|" : "", map->name);
	return buf;
}

int schema_allowed(const char *allowed, const char *word)
{
	size_t n = strlen(word);
	const char *p = allowed;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* ---- value parsers */
int schema_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

void schema_ipv4_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

int schema_parse_mask(const char *s, uint32_t *out, const char **why)
{
	uint32_t m, host;

	if (schema_parse_ipv4(s, &m) < 0) {
		*why = "is not an IPv4 netmask";
		return -1;
	}
	/* A contiguous mask has a host part of the form 2^k - 1. */
	host = ~m;
	if (m == 0 || (host & (host + 1)) != 0) {
		*why = "is not a contiguous netmask";
		return -1;
	}
	*out = m;
	return 0;
}

int schema_parse_range(const char *s, uint32_t *first, uint32_t *last,
		       const char **why)
{
	char a[64];
	const char *dash = strchr(s, '-');

	if (!dash || (size_t)(dash - s) >= sizeof(a)) {
		*why = "is not FIRST-LAST";
		return -1;
	}
	memcpy(a, s, dash - s);
	a[dash - s] = '\0';
	if (schema_parse_ipv4(a, first) < 0 ||
	    schema_parse_ipv4(dash + 1, last) < 0) {
		*why = "is not a range of IPv4 addresses FIRST-LAST";
		return -1;
	}
	if (*first > *last) {
		*why = "ends before it starts";
		return -1;
	}
	return 0;
}

int schema_parse_addr(const char *s, const char **why)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return 0;
	*why = "is not an IPv4 or IPv6 address";
	return -1;
}

int schema_parse_name(const char *s, const char **why)
{
	const char *p;

	if (!*s) {
		*why = "is empty";
		return -1;
	}
	if (strlen(s) >= CFG_NAME_MAX) {
		*why = "is longer than 64 characters";
		return -1;
	}
	for (p = s; *p; p++) {
		if (!isgraph((unsigned char)*p) || *p == '"') {
			*why = "contains a blank, a quote or a control character";
			return -1;
		}
	}
	return 0;
}

int schema_parse_ciphers(const char *s, const char **why)
{
	const char *p;

	if (!*s) {
		*why = "is empty";
		return -1;
	}
	if (strlen(s) >= CFG_CIPHERS_MAX) {
		*why = "is too long";
		return -1;
	}
	/* OpenSSL cipher strings: names, ':' ',' separators, + - ! @ = ops. */
	for (p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr(":,+-!@=_.", *p)) {
			*why = "has a character OpenSSL cipher lists do not use";
			return -1;
		}
	}
	return 0;
}

/* "WORD", "WORD enable" or "WORD disable": the ASA `group-url URL enable`
 * and `group-alias NAME enable` forms, so an imported config reads the same. */
int schema_split_word(const char *s, char *buf, size_t len, int *enabled,
		      const char **why)
{
	const char *sp = strchr(s, ' ');
	size_t n = sp ? (size_t)(sp - s) : strlen(s);

	*enabled = 1;
	if (sp) {
		if (strcmp(sp + 1, "disable") == 0)
			*enabled = 0;
		else if (strcmp(sp + 1, "enable") != 0) {
			*why = "may only be followed by \"enable\" or \"disable\"";
			return -1;
		}
	}
	if (n == 0 || n >= len) {
		*why = n ? "is too long" : "is empty";
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* Host part: a DNS name or IPv4 literal, or a bracketed IPv6 literal (stored
 * without the brackets).  Lower-cased because hosts compare case-insensitive. */
static int url_host(const char *a, size_t n, struct cfg_group_url *u,
		    const char **rest, const char **why)
{
	const char *h = a, *p;
	size_t hl;

	if (*a == '[') {
		const char *rb = memchr(a, ']', n);

		if (!rb) {
			*why = "has an unterminated [IPv6] host";
			return -1;
		}
		h = a + 1;
		hl = rb - h;
		*rest = rb + 1;
	} else {
		const char *colon = memchr(a, ':', n);

		hl = colon ? (size_t)(colon - a) : n;
		*rest = a + hl;
	}
	if (hl == 0) {
		*why = "has no host";
		return -1;
	}
	for (p = h; p < h + hl; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-.:", *p)) {
			*why = "has an invalid character in the host";
			return -1;
		}
		u->host[p - h] = tolower((unsigned char)*p);
	}
	u->host[hl] = '\0';
	if (h != a && schema_parse_addr(u->host, why) < 0) {
		*why = "has a bad [IPv6] host";
		return -1;
	}
	return 0;
}

/* ":port" or nothing (port 0: any local port matches). */
static int url_port(const char *p, const char *end, struct cfg_group_url *u,
		    const char **why)
{
	long v = 0;

	if (p == end)
		return 0;
	*why = "has a bad port";
	if (*p++ != ':' || p == end)
		return -1;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	u->port = (uint16_t)v;
	return 0;
}

static int url_path(const char *p, struct cfg_group_url *u, const char **why)
{
	const char *q;

	if (!*p)
		p = "/";
	if (strlen(p) >= sizeof(u->path)) {
		*why = "has a path that is too long";
		return -1;
	}
	for (q = p; *q; q++) {
		if (!isgraph((unsigned char)*q) || *q == '?' || *q == '#') {
			*why = "has a query, fragment or blank in the path";
			return -1;
		}
	}
	memcpy(u->path, p, strlen(p) + 1);
	return 0;
}

int schema_parse_url(const char *s, struct cfg_group_url *u, const char **why)
{
	const char *auth, *slash, *rest;

	memset(u, 0, sizeof(*u));
	if (schema_split_word(s, u->url, sizeof(u->url), &u->enabled, why) < 0)
		return -1;
	if (strncasecmp(u->url, "https://", 8) != 0) {
		*why = strstr(u->url, "://") ? "must use the https scheme"
					      : "is not an https:// URL";
		return -1;
	}
	auth = u->url + 8;
	slash = strchr(auth, '/');
	if (!slash)
		slash = auth + strlen(auth);
	if (memchr(auth, '@', slash - auth)) {
		*why = "must not carry user information";
		return -1;
	}
	if (url_host(auth, slash - auth, u, &rest, why) < 0 ||
	    url_port(rest, slash, u, why) < 0 || url_path(slash, u, why) < 0)
		return -1;
	return 0;
}

/* The words of s split on single blanks into w (at most n), each shorter
 * than CFG_NAME_MAX; the count, or -1. */
static int split_words(const char *s, char w[][CFG_NAME_MAX], int n)
{
	int i = 0;

	while (*s) {
		size_t len = strcspn(s, " ");

		if (i == n || len == 0 || len >= CFG_NAME_MAX)
			return -1;
		memcpy(w[i], s, len);
		w[i++][len] = '\0';
		s += len;
		if (*s == ' ' && !*++s)
			return -1;
	}
	return i;
}

int config_parse_ac_profile_ref(const char *s, char name[CFG_NAME_MAX], int *mgmt,
				const char **why)
{
	char w[3][CFG_NAME_MAX];
	int n = split_words(s, w, 3);

	*why = "is not \"NAME\", \"NAME type user\" or \"NAME type vpn-mgmt\"";
	if (n != 1 && n != 3)
		return -1;
	*mgmt = 0;
	if (n == 3) {
		if (strcmp(w[1], "type") != 0)
			return -1;
		if (strcmp(w[2], "vpn-mgmt") == 0)
			*mgmt = 1;
		else if (strcmp(w[2], "user") != 0)
			return -1;
	}
	memcpy(name, w[0], CFG_NAME_MAX);
	return 0;
}

int config_parse_ac_custom(const char *s, char type[CFG_NAME_MAX], char name[CFG_NAME_MAX],
			   const char **why)
{
	char w[3][CFG_NAME_MAX];
	int n = split_words(s, w, 3);

	*why = "is not \"TYPE value NAME\" or \"TYPE none\"";
	if (n == 2 && strcmp(w[1], "none") == 0)
		name[0] = '\0';
	else if (n == 3 && strcmp(w[1], "value") == 0)
		memcpy(name, w[2], CFG_NAME_MAX);
	else
		return -1;
	memcpy(type, w[0], CFG_NAME_MAX);
	return 0;
}
