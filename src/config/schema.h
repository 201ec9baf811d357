/* The config schema: one table (schema.def) of every key of every object.
 *
 * Private to src/config.  The loader (config.c) walks the libconfig tree
 * against this table, the dumper (dump.c) prints from it, and the man page
 * man/sslvpnd.conf.5.in documents the same rows.  Group-policy attributes are the
 * exception: their table is include/sslvpnd/gpattrs.def (gp_attr_table),
 * shared with src/policy which owns inheritance.
 */
#ifndef SSLVPND_SCHEMA_H
#define SSLVPND_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"

/* The objects of the file.  Singletons (general, logging, ssl, ssl cipher,
 * webvpn) store relative to struct sslvpnd_config; list elements store
 * relative to their own struct (cfg_interface, ...). */
enum schema_obj {
	SO_ROOT,
	SO_GENERAL,
	SO_LOGGING,
	SO_INTERFACE,
	SO_TRUSTPOINT,
	SO_SSL,
	SO_SSL_CIPHER,
	SO_POOL,
	SO_POOL6,
	SO_GROUP_POLICY,
	SO_TUNNEL_GROUP,
	SO_WEBVPN,
	SO_USER,
	SO_ACL,
	SO_CERTMAP,
	SO_TIME_RANGE,
	SO_LDAP_MAP,
	SO_DAP,
	SO_DAP_AAA,
	SO_DAP_ENDPOINT,
	SO_METRICS,
	SO_LIMITS,
	SO_BANS,
	SO_LOG_HOST,
	SO_LOG_MESSAGE,
	SO_AAA_SERVER,
	SO_AAA_HOST,
	SO_AC_PROFILE,
	SO_AC_CATTR,
	SO_AC_CDATA,
	SO_LOAD_BALANCING,
	SO_FLEET,
	SO__COUNT
};

/* What a value is (man page "type" column: integer, boolean, string,
 * string or list, group, list of groups). */
enum schema_type {
	ST_INT,    /* integer in min..max; stored in an int or a uint16_t */
	ST_BOOL,   /* true / false; stored in an int */
	ST_STR,    /* string shorter than the field; one of map when map set */
	ST_NAME,   /* object name: non-empty, no blanks, < CFG_NAME_MAX */
	ST_PATH,   /* absolute path; "@STATE_DIR@" prefix expanded */
	ST_ENUM,   /* string, one of map; the map value stored in an int */
	ST_CONST,  /* string, one of map; ASA syntax only, stored nowhere */
	ST_ADDR,   /* IPv4 or IPv6 address literal, stored as text */
	ST_MASK,   /* contiguous IPv4 netmask, uint32_t host order */
	ST_RANGE,  /* "FIRST-LAST" IPv4, into cfg_pool first/last */
	ST_NAMES,  /* string or list of names, into cfg_name_list */
	ST_URLS,   /* string or list of "URL [enable|disable]", tunnel group */
	ST_PEERS,  /* string or list of base https:// URLs, load_balancing */
	ST_ALIASES, /* string or list of "ALIAS [enable|disable]", tunnel group */
	ST_CIPHERS, /* OpenSSL cipher list text */
	ST_PWHASH, /* password hash "$scrypt$...", checked by passwd_parse */
	ST_ACES,   /* list of access-list entries, into cfg_acl (acl.h) */
	ST_CMRULES, /* list of certificate map rules, into cfg_certmap */
	ST_PERIODIC, /* list of "DAYS HH:MM to HH:MM", into cfg_time_range */
	ST_ABSTIME, /* "HH:MM DD Month YYYY", an int64_t timerange_key */
	ST_DAPCRIT, /* list of DAP criteria "ATTR = VALUE", into struct dap_criteria */
	ST_TEXTS,  /* string or list of free strings, into cfg_text_list */
	ST_LDMNAMES, /* list of "LDAPATTR CISCOATTR", into cfg_ldap_map names */
	ST_LDMVALUES, /* list of "LDAPATTR VALUE CISCOVALUE", into cfg_ldap_map values */
	ST_GROUP,  /* { ... } holding object `sub` */
	ST_GLIST,  /* ( { ... }, ... ) of object `sub` */
	ST__COUNT
};

enum schema_flags {
	SF_REQ = 1,        /* must be present */
	SF_SECRET = 2,     /* a key or password: printed as "*****" */
	SF_NA = 4,         /* accepted, no effect: a notice of sslvpnd -t */
};

struct schema_enum {
	const char *name;
	int value;
};

struct schema_key {
	enum schema_obj obj;     /* the object this key belongs to */
	const char *key;
	enum schema_type type;
	unsigned flags;
	long long min, max;      /* ST_INT */
	const char *dflt;        /* default as text, NULL = none */
	const struct schema_enum *map; /* ST_ENUM / ST_CONST / ST_STR allowed values */
	size_t off, size;        /* the field, relative to the object's base */
	enum schema_obj sub;     /* ST_GROUP / ST_GLIST */
	const char *what;        /* ST_GLIST: element name in messages */
	size_t n_off;            /* ST_GLIST: offset of the element count */
	size_t elem_size;        /* ST_GLIST: size of one element */
	const char *doc;
};

extern const struct schema_key schema_keys[];
extern const size_t schema_n_keys;

/* schema_find: the row of `key` in object obj, NULL when unknown. */
const struct schema_key *schema_find(enum schema_obj obj, const char *key);
/* schema_gp_find: the gpattrs.def index of `key`, -1 when unknown. */
int schema_gp_find(const char *key);
/* Map lookups: 0 and *value set / -1; name of value or NULL. */
int schema_enum_value(const struct schema_enum *map, const char *name, int *value);
const char *schema_enum_name(const struct schema_enum *map, int value);
/* "a|b|c" of a map, for messages; cut short to fit len. */
const char *schema_enum_list(const struct schema_enum *map, char *buf, size_t len);
/* Does `word` occur in "a|b|c"? */
int schema_allowed(const char *allowed, const char *word);

/* ---- text parsers shared by the loader and the dumper.  Each returns 0 or
 * -1 with *why set to a static reason for the error message. */
int schema_parse_ipv4(const char *s, uint32_t *out);
int schema_parse_mask(const char *s, uint32_t *out, const char **why);
int schema_parse_range(const char *s, uint32_t *first, uint32_t *last,
		       const char **why);
int schema_parse_addr(const char *s, const char **why);
int schema_parse_name(const char *s, const char **why);
int schema_parse_ciphers(const char *s, const char **why);
/* schema_parse_url: "https://host[:port][/path]" optionally followed by
 * " enable" or " disable", into u (url text without the keyword). */
int schema_parse_url(const char *s, struct cfg_group_url *u, const char **why);
/* schema_split_word: "NAME enable|disable" -> NAME into buf, *enabled. */
int schema_split_word(const char *s, char *buf, size_t len, int *enabled,
		      const char **why);
void schema_ipv4_str(uint32_t a, char buf[16]);

/* Ordering helper: the rows of one object, in table order. */
#define schema_for_each(k, objid)                                              \
	for ((k) = schema_keys; (k) < schema_keys + schema_n_keys; (k)++)      \
		if ((k)->obj == (objid))

/* Field access in an object's base. */
static inline void *schema_field(void *base, const struct schema_key *k)
{
	return (char *)base + k->off;
}

static inline const void *schema_cfield(const void *base,
					const struct schema_key *k)
{
	return (const char *)base + k->off;
}

#endif
