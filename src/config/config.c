/* Loading and validating sslvpnd.conf into a struct sslvpnd_config.
 *
 * libconfig only parses.  Everything else is driven by schema.def: the tree
 * is walked object by object so unknown keys are caught (libconfig would
 * ignore them silently), every value is type- and range-checked and stored,
 * and the rules that span objects (duplicate names, references, pools,
 * listeners) run once the whole file is read.  Every problem becomes one
 * "file:line: message" in struct cfg_errors; no check stops the others and
 * nothing here exits, so the administrator sees all mistakes in one run.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sslvpnd/config.h"
#include "sslvpnd/passwd.h"
#include "sslvpnd/util.h"
#include "schema.h"

#define CONFIG_DFLT_GP "DfltGrpPolicy"
#define CONFIG_DFLT_TG "DefaultWEBVPNGroup"
#define CONFIG_STATE_VAR "@STATE_DIR@"

enum {
	CONFIG_DESC_MAX = CFG_NAME_MAX + 48, /* "tunnel group \"<name>\"" */
	CONFIG_GP_STR_MAX = 4096,            /* banner and other free text */
	CONFIG_VAL_SHOW = 64,                /* longest value quoted in a message */
	CONFIG_FILE_MAX = 16 << 20,          /* a config beyond 16 MiB is a mistake */
};

/* One load in progress.  The libconfig tree stays alive until the cross
 * checks have run so their messages can point at the referencing line. */
struct config_ld {
	struct sslvpnd_config *cfg;
	struct cfg_errors *errs;
	const char *name;           /* file name for settings that carry none */
	const config_setting_t *root;
};

/* ---- errors */
__attribute__((format(printf, 4, 0))) static void
ld_verr(struct config_ld *ld, const char *file, int line, const char *fmt,
	va_list ap)
{
	struct cfg_errors *e = ld->errs;
	struct cfg_error *err;

	if (e->n >= CFG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	err = &e->e[e->n++];
	util_strlcpy(err->file, file ? file : ld->name, sizeof(err->file));
	err->line = line;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

/* An error at setting s (its file and line); s may be NULL (no line). */
__attribute__((format(printf, 3, 4))) static void
ld_err(struct config_ld *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_verr(ld, s ? config_setting_source_file(s) : NULL,
		s ? config_setting_source_line(s) : 0, fmt, ap);
	va_end(ap);
}

/* An error found after the walk, at a line of the main file. */
__attribute__((format(printf, 3, 4))) static void
ld_err_at(struct config_ld *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_verr(ld, NULL, line, fmt, ap);
	va_end(ap);
}

/* "<object>: <key>: <problem>" at setting s; the object is empty at top level. */
__attribute__((format(printf, 5, 6))) static void
ld_kerr(struct config_ld *ld, const config_setting_t *s, const char *desc,
	const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ld_err(ld, s, "%s%s%s: %s", desc, *desc ? ": " : "", key, what);
}

/* `<object>: <key>: "<value>" <why>`, the value cut short so that the
 * reason always fits in the message. */
static void ld_bad(struct config_ld *ld, const config_setting_t *s,
		   const char *desc, const char *key, const char *v,
		   const char *why)
{
	ld_kerr(ld, s, desc, key, "\"%.*s%s\" %s", CONFIG_VAL_SHOW, v,
		strlen(v) > CONFIG_VAL_SHOW ? "..." : "", why);
}

/* A key accepted without effect: sslvpnd -t names it with its line, so an
 * imported ASA configuration loads and the operator still learns which
 * lines mean nothing here. */
static void ld_notice(struct config_ld *ld, const config_setting_t *s,
		      const char *desc, const struct schema_key *k)
{
	struct cfg_errors *e = ld->cfg->notices;
	struct cfg_error *n;
	const char *file = config_setting_source_file(s);

	if (!e)
		return;
	if (e->n >= CFG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	n = &e->e[e->n++];
	util_strlcpy(n->file, file ? file : ld->name, sizeof(n->file));
	n->line = config_setting_source_line(s);
	snprintf(n->msg, sizeof(n->msg), "%s%s%s: not applicable on sslvpnd (accepted, no effect)",
		 desc, *desc ? " " : "", k->key);
}

static const char *ld_got(const config_setting_t *s)
{
	static const char *const names[] = {
		[CONFIG_TYPE_NONE] = "nothing",	    [CONFIG_TYPE_GROUP] = "a group",
		[CONFIG_TYPE_INT] = "an integer",   [CONFIG_TYPE_INT64] = "an integer",
		[CONFIG_TYPE_FLOAT] = "a float",    [CONFIG_TYPE_STRING] = "a string",
		[CONFIG_TYPE_BOOL] = "a boolean",   [CONFIG_TYPE_ARRAY] = "an array",
		[CONFIG_TYPE_LIST] = "a list",
	};
	int t = config_setting_type(s);

	return t >= 0 && (size_t)t < ARRAY_SIZE(names) ? names[t] : "?";
}

static const char *const ld_expected[ST__COUNT] = {
	[ST_INT] = "an integer",     [ST_BOOL] = "true or false",
	[ST_STR] = "a string",	     [ST_NAME] = "a string",
	[ST_PATH] = "a string",	     [ST_ENUM] = "a string",
	[ST_CONST] = "a string",     [ST_ADDR] = "a string",
	[ST_MASK] = "a string",	     [ST_RANGE] = "a string",
	[ST_NAMES] = "a string or a list of strings",
	[ST_URLS] = "a string or a list of strings",
	[ST_PEERS] = "a string or a list of strings",
	[ST_ALIASES] = "a string or a list of strings",
	[ST_CIPHERS] = "a string",   [ST_GROUP] = "a group { ... }",
	[ST_PWHASH] = "a string",
	[ST_ACES] = "a string or a list of strings",
	[ST_CMRULES] = "a string or a list of strings",
	[ST_PERIODIC] = "a string or a list of strings",
	[ST_ABSTIME] = "a string",
	[ST_DAPCRIT] = "a string or a list of strings",
	[ST_TEXTS] = "a string or a list of strings",
	[ST_LDMNAMES] = "a string or a list of strings",
	[ST_LDMVALUES] = "a string or a list of strings",
	[ST_GLIST] = "a list of groups ( { ... }, ... )",
};

/* Type gate: report and return 0 unless ok. */
static int ld_want(struct config_ld *ld, const struct schema_key *k,
		   const config_setting_t *s, const char *desc, int ok)
{
	if (!ok)
		ld_kerr(ld, s, desc, k->key, "expected %s, got %s",
			ld_expected[k->type], ld_got(s));
	return ok;
}

/* ---- storing values */
static void ld_store_int(void *field, size_t size, long long v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)field = (uint16_t)v;
	else
		*(int *)field = (int)v;
}

/* Whole field cleared first: equal configs are equal bytes (tests compare). */
static void ld_copy(void *field, size_t size, const char *v)
{
	memset(field, 0, size);
	util_strlcpy(field, v, size);
}

static int ld_is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

static const char *ld_string(struct config_ld *ld, const struct schema_key *k,
			     const config_setting_t *s, const char *desc)
{
	if (!ld_want(ld, k, s, desc,
		     config_setting_type(s) == CONFIG_TYPE_STRING))
		return NULL;
	return config_setting_get_string(s);
}

/* A string that must fit the field; reports "too long". */
static const char *ld_fitting(struct config_ld *ld, const struct schema_key *k,
			      const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc);

	if (v && strlen(v) >= k->size) {
		ld_kerr(ld, s, desc, k->key, "is longer than %zu characters",
			k->size - 1);
		return NULL;
	}
	return v;
}

static void ld_not_one_of(struct config_ld *ld, const struct schema_key *k,
			  const config_setting_t *s, const char *desc,
			  const char *v)
{
	char list[160], why[176];

	snprintf(why, sizeof(why), "is not one of %s",
		 schema_enum_list(k->map, list, sizeof(list)));
	ld_bad(ld, s, desc, k->key, v, why);
}

/* ---- one parser per schema type */
typedef void (*ld_parse_fn)(struct config_ld *ld, const struct schema_key *k,
			    void *base, const config_setting_t *s,
			    const char *desc);

static void ld_int(struct config_ld *ld, const struct schema_key *k,
		   void *base, const config_setting_t *s, const char *desc)
{
	long long v;

	if (!ld_want(ld, k, s, desc, ld_is_int(s)))
		return;
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max) {
		ld_kerr(ld, s, desc, k->key, "%lld is out of range %lld..%lld",
			v, k->min, k->max);
		return;
	}
	ld_store_int(schema_field(base, k), k->size, v);
}

static void ld_bool(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	if (ld_want(ld, k, s, desc, config_setting_type(s) == CONFIG_TYPE_BOOL))
		*(int *)schema_field(base, k) = config_setting_get_bool(s);
}

static void ld_str(struct config_ld *ld, const struct schema_key *k,
		   void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_fitting(ld, k, s, desc);
	int dummy;

	if (!v)
		return;
	if (k->map && schema_enum_value(k->map, v, &dummy) < 0) {
		ld_not_one_of(ld, k, s, desc, v);
		return;
	}
	ld_copy(schema_field(base, k), k->size, v);
}

static void ld_name(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;

	if (!v)
		return;
	if (schema_parse_name(v, &why) < 0) {
		ld_bad(ld, s, desc, k->key, v, why);
		return;
	}
	ld_copy(schema_field(base, k), k->size, v);
}

/* Absolute, or starting with @STATE_DIR@ (expanded once the state
 * directory is known, see ld_expand_paths). */
static void ld_path(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_fitting(ld, k, s, desc);

	if (!v)
		return;
	if (v[0] != '/' && strncmp(v, CONFIG_STATE_VAR, strlen(CONFIG_STATE_VAR))) {
		ld_bad(ld, s, desc, k->key, v,
		       "is not an absolute path (or @STATE_DIR@/...)");
		return;
	}
	ld_copy(schema_field(base, k), k->size, v);
}

static void ld_enum(struct config_ld *ld, const struct schema_key *k,
		   void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc);
	int value;

	if (!v)
		return;
	if (schema_enum_value(k->map, v, &value) < 0)
		ld_not_one_of(ld, k, s, desc, v);
	else
		*(int *)schema_field(base, k) = value;
}

static void ld_const(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc);
	int value;

	if (v && schema_enum_value(k->map, v, &value) < 0)
		ld_not_one_of(ld, k, s, desc, v);
}

static void ld_addr(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_fitting(ld, k, s, desc), *why;

	if (!v)
		return;
	if (schema_parse_addr(v, &why) < 0) {
		ld_bad(ld, s, desc, k->key, v, why);
		return;
	}
	ld_copy(schema_field(base, k), k->size, v);
}

static void ld_mask(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;
	uint32_t m;

	if (!v)
		return;
	if (schema_parse_mask(v, &m, &why) < 0)
		ld_bad(ld, s, desc, k->key, v, why);
	else
		*(uint32_t *)schema_field(base, k) = m;
}

/* Only pools have a range: it fills both first and last of struct cfg_pool. */
static void ld_range(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;
	struct cfg_pool *p = base;
	uint32_t first, last;

	if (!v)
		return;
	if (schema_parse_range(v, &first, &last, &why) < 0) {
		ld_bad(ld, s, desc, k->key, v, why);
		return;
	}
	p->first = first;
	p->last = last;
}

static void ld_ciphers(struct config_ld *ld, const struct schema_key *k,
		       void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;

	if (!v)
		return;
	if (schema_parse_ciphers(v, &why) < 0)
		ld_bad(ld, s, desc, k->key, v, why);
	else
		ld_copy(schema_field(base, k), k->size, v);
}

/* A password must be a hash: a cleartext (or a mangled hash) is refused,
 * and the message never quotes the value since it may be a password. */
static void ld_pwhash(struct config_ld *ld, const struct schema_key *k,
		      void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;
	struct passwd_hash h;

	if (!v)
		return;
	if (passwd_parse(v, &h, &why) < 0)
		ld_kerr(ld, s, desc, k->key, "%s", why);
	else
		ld_copy(schema_field(base, k), k->size, v);
}

/* The entries of a "string or list of strings" value: fills out[] and
 * returns their count, or -1 after reporting a wrong shape. */
static int ld_elems(struct config_ld *ld, const char *key,
		    const config_setting_t *s, const char *desc,
		    const config_setting_t *out[CFG_LIST_MAX])
{
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out[0] = s;
		return 1;
	}
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		ld_kerr(ld, s, desc, key, "expected a string or a list of strings, got %s",
			ld_got(s));
		return -1;
	}
	n = config_setting_length(s);
	if (n > CFG_LIST_MAX) {
		ld_kerr(ld, s, desc, key, "has %d entries, at most %d", n,
			CFG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		out[i] = config_setting_get_elem(s, i);
		if (config_setting_type(out[i]) != CONFIG_TYPE_STRING) {
			ld_kerr(ld, out[i], desc, key, "entry %d: expected a string, got %s",
				i + 1, ld_got(out[i]));
			return -1;
		}
	}
	return n;
}

static int ld_list_has(const struct cfg_name_list *l, const char *v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], v) == 0)
			return 1;
	return 0;
}

static void ld_names(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_name_list *l = schema_field(base, k);
	int i, n = ld_elems(ld, k->key, s, desc, e);
	const char *v, *why;

	for (i = 0; i < n; i++) {
		v = config_setting_get_string(e[i]);
		if (schema_parse_name(v, &why) < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else if (ld_list_has(l, v))
			ld_kerr(ld, e[i], desc, k->key, "\"%s\" is listed twice", v);
		else
			util_strlcpy(l->v[l->n++], v, CFG_NAME_MAX);
	}
}

/* Free strings ("disk0:/file.pkg 1"): kept for -T, no meaning here. */
static void ld_texts(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_text_list *l = schema_field(base, k);
	int i, n = ld_elems(ld, k->key, s, desc, e);

	for (i = 0; i < n; i++) {
		const char *v = config_setting_get_string(e[i]);

		if (strlen(v) >= CFG_PATH_MAX)
			ld_kerr(ld, e[i], desc, k->key, "entry %d is longer than %d characters",
				i + 1, CFG_PATH_MAX - 1);
		else
			util_strlcpy(l->v[l->n++], v, CFG_PATH_MAX);
	}
}

/* A list of https:// URLs into v[*n]; base_only: a load-balancing peer,
 * whose URL names a node (the redirect keeps the request's path). */
static void ld_url_list(struct config_ld *ld, const struct schema_key *k,
			const config_setting_t *s, const char *desc,
			struct cfg_group_url *v, size_t *n, int base_only)
{
	const config_setting_t *e[CFG_LIST_MAX];
	int i, ne = ld_elems(ld, k->key, s, desc, e);
	const char *str, *why;

	for (i = 0; i < ne; i++) {
		str = config_setting_get_string(e[i]);
		if (schema_parse_url(str, &v[*n], &why) < 0)
			ld_bad(ld, e[i], desc, k->key, str, why);
		else if (base_only && strcmp(v[*n].path, "/"))
			ld_bad(ld, e[i], desc, k->key, str,
			       "must be a base URL https://HOST[:PORT] (the redirect keeps the client's path)");
		else if (base_only && !v[*n].enabled)
			ld_bad(ld, e[i], desc, k->key, str, "takes no enable/disable");
		else
			(*n)++;
	}
}

/* Only tunnel groups have group-urls. */
static void ld_urls(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	struct cfg_tunnel_group *tg = base;

	ld_url_list(ld, k, s, desc, tg->urls, &tg->n_urls, 0);
}

static void ld_peers(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	struct cfg_load_balancing *lb = &((struct sslvpnd_config *)base)->load_balancing;

	ld_url_list(ld, k, s, desc, lb->peers, &lb->n_peers, 1);
}

/* group-alias NAME [enable|disable]: only enabled aliases are kept, as the
 * contract says; a disabled alias is accepted for ASA compatibility. */
static void ld_aliases(struct config_ld *ld, const struct schema_key *k,
		       void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_name_list *l = schema_field(base, k);
	int i, enabled, n = ld_elems(ld, k->key, s, desc, e);
	char word[CFG_NAME_MAX];
	const char *v, *why;

	for (i = 0; i < n; i++) {
		v = config_setting_get_string(e[i]);
		if (schema_split_word(v, word, sizeof(word), &enabled, &why) < 0 ||
		    schema_parse_name(word, &why) < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else if (enabled && !ld_list_has(l, word))
			util_strlcpy(l->v[l->n++], word, CFG_NAME_MAX);
	}
}

/* access-list entries: each parsed now so a bad one names its line.  The
 * type row comes first in schema.def; without a valid type the entries
 * cannot be judged (the type error is already reported). */
static void ld_aces(struct config_ld *ld, const struct schema_key *k,
		    void *base, const config_setting_t *s, const char *desc)
{
	struct cfg_acl *acl = base;
	const config_setting_t *e;
	const char *why;
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (config_setting_is_list(s) || config_setting_is_array(s)) {
		n = config_setting_length(s);
	} else {
		ld_kerr(ld, s, desc, k->key, "expected a string or a list of strings, got %s",
			ld_got(s));
		return;
	}
	if (n == 0 || n > ACL_MAX_ENTRIES) {
		ld_kerr(ld, s, desc, k->key, "has %d entries, must be 1..%d", n,
			ACL_MAX_ENTRIES);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_type(s) == CONFIG_TYPE_STRING ? s
								 : config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			ld_kerr(ld, e, desc, k->key, "entry %d: expected a string, got %s",
				i + 1, ld_got(e));
			continue;
		}
		if (acl->type != ACL_STANDARD && acl->type != ACL_EXTENDED)
			continue;
		if (acl_parse_entry(acl->type, config_setting_get_string(e),
				    &acl->e[acl->n], &why) < 0) {
			ld_bad(ld, e, desc, k->key, config_setting_get_string(e), why);
			continue;
		}
		acl->e[acl->n++].line = config_setting_source_line(e);
	}
}

/* certificate map rules, each parsed now (certmap_parse_rule). */
static void ld_cmrules(struct config_ld *ld, const struct schema_key *k,
		       void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_certmap *m = base;
	int i, n = ld_elems(ld, k->key, s, desc, e);
	const char *v, *why;

	if (n == 0 || n > CERTMAP_MAX_RULES) {
		ld_kerr(ld, s, desc, k->key, "has %d rules, must be 1..%d", n,
			CERTMAP_MAX_RULES);
		return;
	}
	for (i = 0; i < n; i++) {
		v = config_setting_get_string(e[i]);
		if (certmap_parse_rule(v, &m->r[m->n], &why) < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else
			m->n++;
	}
}

/* time-range periodic windows (timerange_parse_periodic). */
static void ld_periodic(struct config_ld *ld, const struct schema_key *k,
			void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_time_range *tr = base;
	int i, n = ld_elems(ld, k->key, s, desc, e);
	const char *v, *why;

	if (n == 0 || n > TR_MAX_PERIODIC) {
		ld_kerr(ld, s, desc, k->key, "has %d entries, must be 1..%d", n,
			TR_MAX_PERIODIC);
		return;
	}
	for (i = 0; i < n; i++) {
		v = config_setting_get_string(e[i]);
		if (timerange_parse_periodic(v, &tr->periodic[tr->n_periodic], &why) < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else
			tr->n_periodic++;
	}
}

static void ld_abstime(struct config_ld *ld, const struct schema_key *k,
		       void *base, const config_setting_t *s, const char *desc)
{
	const char *v = ld_string(ld, k, s, desc), *why;
	int64_t key;

	if (!v)
		return;
	if (timerange_parse_absolute(v, &key, &why) < 0)
		ld_bad(ld, s, desc, k->key, v, why);
	else
		memcpy(schema_field(base, k), &key, sizeof(key));
}

/* DAP criteria of one attribute class (dap_parse_criterion). */
static void ld_dapcrit(struct config_ld *ld, const struct schema_key *k,
		       void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct dap_criteria *c = schema_field(base, k);
	enum dap_class cls = k->obj == SO_DAP_AAA ? DAP_CLASS_AAA : DAP_CLASS_ENDPOINT;
	int i, n = ld_elems(ld, k->key, s, desc, e);
	const char *v, *why;

	for (i = 0; i < n && c->n < DAP_MAX_CRITERIA; i++) {
		v = config_setting_get_string(e[i]);
		if (dap_parse_criterion(v, cls, &c->c[c->n], &why) < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else
			c->n++;
	}
}

/* ldap attribute-map rows: map-name (ldapmap_parse_name) or map-value
 * (ldapmap_parse_value), by the key. */
static void ld_ldaprows(struct config_ld *ld, const struct schema_key *k,
			void *base, const config_setting_t *s, const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	struct cfg_ldap_map *m = base;
	int names = k->type == ST_LDMNAMES, i, n = ld_elems(ld, k->key, s, desc, e);
	const char *v, *why;
	int r;

	if (n == 0) {
		ld_kerr(ld, s, desc, k->key, "has no rows");
		return;
	}
	for (i = 0; i < n; i++) {
		v = config_setting_get_string(e[i]);
		r = names ? ldapmap_parse_name(v, &m->names[m->n_names], &why)
			  : ldapmap_parse_value(v, &m->values[m->n_values], &why);
		if (r < 0)
			ld_bad(ld, e[i], desc, k->key, v, why);
		else if (names)
			m->n_names++;
		else
			m->n_values++;
	}
}

static void ld_group(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc);
static void ld_glist(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc);

static const ld_parse_fn ld_parsers[ST__COUNT] = {
	[ST_INT] = ld_int,	   [ST_BOOL] = ld_bool,
	[ST_STR] = ld_str,	   [ST_NAME] = ld_name,
	[ST_PATH] = ld_path,	   [ST_ENUM] = ld_enum,
	[ST_CONST] = ld_const,	   [ST_ADDR] = ld_addr,
	[ST_MASK] = ld_mask,	   [ST_RANGE] = ld_range,
	[ST_NAMES] = ld_names,	   [ST_URLS] = ld_urls,
	[ST_PEERS] = ld_peers,
	[ST_ALIASES] = ld_aliases, [ST_CIPHERS] = ld_ciphers,
	[ST_PWHASH] = ld_pwhash,   [ST_ACES] = ld_aces,
	[ST_CMRULES] = ld_cmrules, [ST_PERIODIC] = ld_periodic,
	[ST_ABSTIME] = ld_abstime, [ST_DAPCRIT] = ld_dapcrit,
	[ST_TEXTS] = ld_texts,
	[ST_LDMNAMES] = ld_ldaprows, [ST_LDMVALUES] = ld_ldaprows,
	[ST_GROUP] = ld_group,	   [ST_GLIST] = ld_glist,
};

/* ---- defaults */
static void ld_default(const struct schema_key *k, void *base)
{
	void *f = schema_field(base, k);
	int v;

	if (!k->dflt || k->type == ST_CONST)
		return;
	if (k->type == ST_INT)
		ld_store_int(f, k->size, strtoll(k->dflt, NULL, 10));
	else if (k->type == ST_BOOL)
		*(int *)f = strcmp(k->dflt, "true") == 0;
	else if (k->type == ST_ENUM) {
		if (schema_enum_value(k->map, k->dflt, &v) == 0)
			*(int *)f = v;
	} else {
		ld_copy(f, k->size, k->dflt); /* the string kinds */
	}
}

static void ld_defaults(enum schema_obj obj, void *base)
{
	const struct schema_key *k;

	schema_for_each(k, obj)
	{
		if (k->type == ST_GROUP)
			ld_defaults(k->sub, base);
		else if (k->type != ST_GLIST)
			ld_default(k, base);
	}
}

/* ---- walking objects */
static void ld_unknown_keys(struct config_ld *ld, enum schema_obj obj,
			    const config_setting_t *grp, const char *desc)
{
	const config_setting_t *m;
	const char *name;
	int i;

	for (i = 0; i < config_setting_length(grp); i++) {
		m = config_setting_get_elem(grp, i);
		name = config_setting_name(m);
		if (schema_find(obj, name))
			continue;
		if (obj == SO_GROUP_POLICY && schema_gp_find(name) >= 0)
			continue;
		if (obj == SO_ROOT)
			ld_err(ld, m, "unknown top-level key \"%s\"", name);
		else
			ld_err(ld, m, "unknown key \"%s\" in %s", name, desc);
	}
}

static void ld_object(struct config_ld *ld, enum schema_obj obj, void *base,
		      const config_setting_t *grp, const char *desc)
{
	const struct schema_key *k;
	const config_setting_t *m;

	ld_unknown_keys(ld, obj, grp, desc);
	schema_for_each(k, obj)
	{
		m = config_setting_get_member(grp, k->key);
		if (m && (k->flags & SF_NA))
			ld_notice(ld, m, desc, k);
		if (m)
			ld_parsers[k->type](ld, k, base, m, desc);
		else if (k->flags & SF_REQ)
			ld_err(ld, grp, "%s: missing required key \"%s\"", desc,
			       k->key);
	}
}

static void ld_group(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	char sub[CONFIG_DESC_MAX];

	if (!ld_want(ld, k, s, desc, config_setting_is_group(s)))
		return;
	snprintf(sub, sizeof(sub), "%s%s%s", desc, *desc ? " " : "", k->key);
	ld_object(ld, k->sub, base, s, sub);
}

/* ---- list elements: the per-object rules that need the element's tree */
typedef void (*ld_finish_fn)(struct config_ld *ld, void *elem,
			     const config_setting_t *grp, const char *desc);

static void ld_finish_trustpoint(struct config_ld *ld, void *elem,
				 const config_setting_t *grp, const char *desc);
static void ld_finish_pool(struct config_ld *ld, void *elem,
			   const config_setting_t *grp, const char *desc);
static void ld_finish_policy(struct config_ld *ld, void *elem,
			     const config_setting_t *grp, const char *desc);
static void ld_finish_pool6(struct config_ld *ld, void *elem,
			    const config_setting_t *grp, const char *desc);

static void ld_finish_dap(struct config_ld *ld, void *elem,
			  const config_setting_t *grp, const char *desc);

static void ld_finish_ldap_map(struct config_ld *ld, void *elem,
			       const config_setting_t *grp, const char *desc);

static const ld_finish_fn ld_finish[SO__COUNT] = {
	[SO_LDAP_MAP] = ld_finish_ldap_map,
	[SO_DAP] = ld_finish_dap,
	[SO_TRUSTPOINT] = ld_finish_trustpoint,
	[SO_POOL] = ld_finish_pool,
	[SO_POOL6] = ld_finish_pool6,
	[SO_GROUP_POLICY] = ld_finish_policy,
};

static const size_t ld_line_off[SO__COUNT] = {
	[SO_INTERFACE] = offsetof(struct cfg_interface, line),
	[SO_TRUSTPOINT] = offsetof(struct cfg_trustpoint, line),
	[SO_POOL] = offsetof(struct cfg_pool, line),
	[SO_POOL6] = offsetof(struct cfg_pool6, line),
	[SO_GROUP_POLICY] = offsetof(struct cfg_group_policy, line),
	[SO_TUNNEL_GROUP] = offsetof(struct cfg_tunnel_group, line),
	[SO_USER] = offsetof(struct cfg_user, line),
	[SO_ACL] = offsetof(struct cfg_acl, line),
	[SO_CERTMAP] = offsetof(struct cfg_certmap, line),
	[SO_TIME_RANGE] = offsetof(struct cfg_time_range, line),
	[SO_LDAP_MAP] = offsetof(struct cfg_ldap_map, line),
	[SO_DAP] = offsetof(struct cfg_dap, line),
	[SO_LOG_HOST] = offsetof(struct cfg_log_host, line),
	[SO_LOG_MESSAGE] = offsetof(struct cfg_log_message, line),
	[SO_AAA_SERVER] = offsetof(struct cfg_aaa_server, line),
	[SO_AAA_HOST] = offsetof(struct cfg_aaa_host, line),
	[SO_AC_PROFILE] = offsetof(struct cfg_ac_profile, line),
	[SO_AC_CATTR] = offsetof(struct cfg_ac_cattr, line),
	[SO_AC_CDATA] = offsetof(struct cfg_ac_cdata, line),
};

/* Every list object has its name as first member (config.h layout). */
static const char *ld_elem_name(const void *elem)
{
	return elem;
}

static int ld_elem_line(enum schema_obj obj, const void *elem)
{
	return *(const int *)((const char *)elem + ld_line_off[obj]);
}

/* The array and count of a top-level list row. */
static char *ld_list(const struct sslvpnd_config *cfg,
		     const struct schema_key *k, size_t *n)
{
	char *arr;

	memcpy(&arr, schema_cfield(cfg, k), sizeof(arr));
	memcpy(n, (const char *)cfg + k->n_off, sizeof(*n));
	return arr;
}

static void ld_element(struct config_ld *ld, const struct schema_key *k,
		       void *elem, const config_setting_t *e, int idx)
{
	char desc[CONFIG_DESC_MAX];
	const char *name = NULL;

	ld_defaults(k->sub, elem);
	*(int *)((char *)elem + ld_line_off[k->sub]) = config_setting_source_line(e);
	if (!config_setting_is_group(e)) {
		ld_err(ld, e, "%s: entry %d: expected a group { ... }, got %s",
		       k->key, idx + 1, ld_got(e));
		return;
	}
	if (config_setting_lookup_string(e, "name", &name) && *name)
		snprintf(desc, sizeof(desc), "%s \"%s\"", k->what, name);
	else
		snprintf(desc, sizeof(desc), "%s #%d", k->what, idx + 1);
	ld_object(ld, k->sub, elem, e, desc);
	if (ld_finish[k->sub])
		ld_finish[k->sub](ld, elem, e, desc);
}

/* Elements keep their index in the file (a broken one stays as an unnamed
 * slot) so that post-walk checks can find each element's tree again. */
static void ld_glist(struct config_ld *ld, const struct schema_key *k,
		     void *base, const config_setting_t *s, const char *desc)
{
	size_t n, i;
	char *arr;

	if (!ld_want(ld, k, s, desc,
		     config_setting_is_list(s) ||
			     (config_setting_is_array(s) &&
			      config_setting_length(s) == 0)))
		return;
	n = config_setting_length(s);
	arr = calloc(n ? n : 1, k->elem_size);
	if (!arr) {
		ld_err(ld, s, "%s: out of memory", k->key);
		return;
	}
	memcpy(schema_field(base, k), &arr, sizeof(arr));
	memcpy((char *)base + k->n_off, &n, sizeof(n));
	for (i = 0; i < n; i++)
		ld_element(ld, k, arr + i * k->elem_size,
			   config_setting_get_elem(s, i), (int)i);
}

/* ---- trustpoints */
struct ld_enroll_rule {
	enum cfg_enrollment enrollment;
	const char *required[3];
	const char *forbidden[7];
};

/* Which keys make sense for which enrollment (the ASA's `crypto ca
 * trustpoint` modes); a key of another mode is a mistake, not a no-op. */
static const struct ld_enroll_rule ld_enroll_rules[] = {
	{ CFG_ENROLL_SELF, { NULL },
	  { "certificate", "key", "crl", "accept-sha1", "ignore-expiry", NULL } },
	{ CFG_ENROLL_FILE,
	  { "certificate", "key", NULL },
	  { "subject-name", "key-type", "key-size", "accept-sha1", "ignore-expiry", NULL } },
	{ CFG_ENROLL_TERMINAL,
	  { "certificate", NULL },
	  { "subject-name", "key-type", "key-size", "key", "domain", NULL } },
};

static void ld_enroll_keys(struct config_ld *ld, const struct ld_enroll_rule *r,
			   const config_setting_t *grp, const char *desc,
			   const char *mode)
{
	const config_setting_t *m;
	size_t i;

	for (i = 0; r->required[i]; i++)
		if (!config_setting_get_member(grp, r->required[i]))
			ld_err(ld, grp, "%s: enrollment %s needs \"%s\"", desc,
			       mode, r->required[i]);
	for (i = 0; r->forbidden[i]; i++) {
		m = config_setting_get_member(grp, r->forbidden[i]);
		if (m)
			ld_err(ld, m, "%s: \"%s\" does not apply to enrollment %s",
			       desc, r->forbidden[i], mode);
	}
}

/* RSA 2048/3072/4096 and EC P-256/P-384: what the ASA's `crypto key
 * generate` offers and what phones can verify. */
static int ld_key_size_ok(enum cfg_key_type t, int bits)
{
	if (t == CFG_KEY_EC)
		return bits == 256 || bits == 384;
	return bits == 2048 || bits == 3072 || bits == 4096;
}

static void ld_finish_trustpoint(struct config_ld *ld, void *elem,
				 const config_setting_t *grp, const char *desc)
{
	const struct schema_key *k = schema_find(SO_TRUSTPOINT, "enrollment");
	struct cfg_trustpoint *tp = elem;
	const char *mode = schema_enum_name(k->map, tp->enrollment);
	const config_setting_t *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ld_enroll_rules); i++)
		if (ld_enroll_rules[i].enrollment == tp->enrollment)
			ld_enroll_keys(ld, &ld_enroll_rules[i], grp, desc, mode);
	if (tp->enrollment != CFG_ENROLL_TERMINAL) {
		/* CA-only settings: no value on an identity trustpoint */
		tp->accept_sha1 = -1;
		tp->ignore_expiry = -1;
	}
	if (tp->enrollment != CFG_ENROLL_SELF) {
		/* the key defaults only describe a generated key */
		tp->key_type = 0;
		tp->key_size = 0;
	} else if (tp->key_type == CFG_KEY_EC &&
		   !config_setting_get_member(grp, "key-size")) {
		tp->key_size = 256; /* the default 2048 describes RSA */
	} else if (!ld_key_size_ok(tp->key_type, tp->key_size)) {
		m = config_setting_get_member(grp, "key-size");
		ld_err(ld, m ? m : grp,
		       "%s: key-size %d does not fit key-type %s (rsa: 2048, 3072, 4096; ec: 256, 384)",
		       desc, tp->key_size, tp->key_type == CFG_KEY_EC ? "ec" : "rsa");
	}
}

/* ---- pools */
static void ld_finish_pool(struct config_ld *ld, void *elem,
			   const config_setting_t *grp, const char *desc)
{
	const config_setting_t *r = config_setting_get_member(grp, "range");
	struct cfg_pool *p = elem;
	char a[16], b[16], m[16], x[16];
	uint32_t net, bcast;

	if (!p->mask || !p->last)
		return; /* range or mask already reported */
	schema_ipv4_str(p->first, a);
	schema_ipv4_str(p->last, b);
	schema_ipv4_str(p->mask, m);
	net = p->first & p->mask;
	bcast = net | ~p->mask;
	if ((p->last & p->mask) != net) {
		ld_err(ld, r, "%s: range %s-%s is not within one subnet of mask %s",
		       desc, a, b, m);
		return;
	}
	/* /31 and /32 have no network or broadcast address to protect */
	if (~p->mask <= 1)
		return;
	if (p->first == net || p->last == bcast) {
		schema_ipv4_str(p->first == net ? net : bcast, x);
		ld_err(ld, r, "%s: range %s-%s includes the %s address %s of mask %s",
		       desc, a, b, p->first == net ? "network" : "broadcast", x, m);
	}
}

/* ---- IPv6 pools: "ADDR/LEN" and a count that stays inside the prefix.
 * The all-zero interface identifier is the Subnet-Router anycast address
 * (RFC 4291 2.6.1), the IPv6 counterpart of the network address. */
static int pool6_parse(const char *text, uint8_t a[16], int *plen, const char **why)
{
	char buf[64], *slash, *end;
	long l;

	if (strlen(text) >= sizeof(buf) || !(slash = strchr(strcpy(buf, text), '/'))) {
		*why = "expected ADDRESS/LENGTH, e.g. 2001:db8::10/64";
		return -1;
	}
	*slash = 0;
	l = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET6, buf, a) != 1) {
		*why = "not an IPv6 address";
		return -1;
	}
	if (!slash[1] || *end || l < 1 || l > 127) {
		*why = "prefix length must be 1..127";
		return -1;
	}
	*plen = (int)l;
	return 0;
}

/* Does a, a+1, ..., a+count-1 stay inside a's /plen?  And is a the
 * prefix's all-zero (anycast) address? */
static int pool6_fits(const uint8_t a[16], int plen, int count, int *anycast)
{
	uint8_t last[16];
	uint32_t carry = (uint32_t)count - 1;
	int k, zero = 1, same = 1;

	for (k = 15; k >= 0; k--) {
		carry += a[k];
		last[k] = (uint8_t)carry;
		carry >>= 8;
	}
	for (k = 0; k < 16; k++) {
		int keep = plen - 8 * k; /* prefix bits in this byte */
		uint8_t pm = keep >= 8 ? 0xff : keep > 0 ? (uint8_t)(0xff << (8 - keep)) : 0;

		same &= (a[k] & pm) == (last[k] & pm);
		zero &= (a[k] & (uint8_t)~pm) == 0;
	}
	*anycast = zero;
	return same && carry == 0;
}

static void ld_finish_pool6(struct config_ld *ld, void *elem,
			    const config_setting_t *grp, const char *desc)
{
	const config_setting_t *s = config_setting_get_member(grp, "prefix");
	struct cfg_pool6 *p = elem;
	const char *why;
	int anycast;

	if (!*p->prefix || p->count < 1)
		return; /* already reported */
	if (pool6_parse(p->prefix, p->first, &p->plen, &why) < 0) {
		ld_err(ld, s, "%s: prefix \"%s\": %s", desc, p->prefix, why);
		p->plen = 0;
		return;
	}
	if (!pool6_fits(p->first, p->plen, p->count, &anycast)) {
		ld_err(ld, config_setting_get_member(grp, "count"),
		       "%s: %d addresses from %s run past the end of its /%d",
		       desc, p->count, p->prefix, p->plen);
		p->plen = 0;
	} else if (anycast) {
		ld_err(ld, s, "%s: prefix %s starts at the Subnet-Router anycast address "
		       "of its /%d (the network address); start at ::1 of the prefix or above",
		       desc, p->prefix, p->plen);
		p->plen = 0;
	}
}

/* ---- group policies: attributes from gpattrs.def */
typedef int (*ld_gp_fn)(struct config_ld *ld, const struct gp_attr_info *a,
			struct gp_value *v, const config_setting_t *s,
			const char *desc);

/* Values that name something get the syntax of what they name. */
static int (*const ld_gp_checks[GPA__COUNT])(const char *, const char **) = {
	[GPA_WINS_SERVER] = schema_parse_addr,
	[GPA_DNS_SERVER] = schema_parse_addr,
	[GPA_VPN_FILTER] = schema_parse_name,
	[GPA_IPV6_VPN_FILTER] = schema_parse_name,
	[GPA_GROUP_LOCK] = schema_parse_name,
	[GPA_SPLIT_TUNNEL_NETWORK_LIST] = schema_parse_name,
	[GPA_ADDRESS_POOLS] = schema_parse_name,
};

static int ld_gp_type(struct config_ld *ld, const struct gp_attr_info *a,
		      const config_setting_t *s, const char *desc, int ok,
		      const char *expected)
{
	if (!ok)
		ld_kerr(ld, s, desc, a->key, "expected %s or \"none\", got %s",
			expected, ld_got(s));
	return ok;
}

static int ld_gp_int(struct config_ld *ld, const struct gp_attr_info *a,
		     struct gp_value *v, const config_setting_t *s,
		     const char *desc)
{
	long long n;

	if (!ld_gp_type(ld, a, s, desc, ld_is_int(s), "an integer"))
		return -1;
	n = config_setting_get_int64(s);
	if (n < a->min || n > a->max) {
		ld_kerr(ld, s, desc, a->key, "%lld is out of range %lld..%lld",
			n, a->min, a->max);
		return -1;
	}
	v->num = n;
	return 0;
}

static int ld_gp_bool(struct config_ld *ld, const struct gp_attr_info *a,
		      struct gp_value *v, const config_setting_t *s,
		      const char *desc)
{
	if (!ld_gp_type(ld, a, s, desc,
			config_setting_type(s) == CONFIG_TYPE_BOOL, "true or false"))
		return -1;
	v->num = config_setting_get_bool(s);
	return 0;
}

/* One string value: allowed set, syntax check, length. */
static int ld_gp_word(struct config_ld *ld, const struct gp_attr_info *a,
		      const config_setting_t *s, const char *desc, const char *w)
{
	int (*check)(const char *, const char **) = ld_gp_checks[a - gp_attr_table];
	const char *why;

	if (a->allowed && !schema_allowed(a->allowed, w)) {
		char why_not[160];

		snprintf(why_not, sizeof(why_not), "is not one of %s", a->allowed);
		ld_bad(ld, s, desc, a->key, w, why_not);
		return -1;
	}
	if (!*w || strlen(w) >= CONFIG_GP_STR_MAX) {
		ld_kerr(ld, s, desc, a->key, "must be 1..%d characters", CONFIG_GP_STR_MAX - 1);
		return -1;
	}
	if (check && check(w, &why) < 0) {
		ld_bad(ld, s, desc, a->key, w, why);
		return -1;
	}
	return 0;
}

static int ld_gp_str(struct config_ld *ld, const struct gp_attr_info *a,
		     struct gp_value *v, const config_setting_t *s,
		     const char *desc)
{
	const char *w;

	if (!ld_gp_type(ld, a, s, desc,
			config_setting_type(s) == CONFIG_TYPE_STRING, "a string"))
		return -1;
	w = config_setting_get_string(s);
	if (ld_gp_word(ld, a, s, desc, w) < 0)
		return -1;
	v->str = strdup(w);
	if (!v->str) {
		ld_kerr(ld, s, desc, a->key, "out of memory");
		return -1;
	}
	return 0;
}

static int ld_gp_list_store(struct config_ld *ld, const struct gp_attr_info *a,
			    struct gp_value *v, const config_setting_t **e,
			    int n, const char *desc)
{
	v->list = calloc(n, sizeof(*v->list));
	if (!v->list) {
		ld_kerr(ld, e[0], desc, a->key, "out of memory");
		return -1;
	}
	for (v->n_list = 0; v->n_list < (size_t)n; v->n_list++) {
		v->list[v->n_list] = strdup(config_setting_get_string(e[v->n_list]));
		if (!v->list[v->n_list]) {
			ld_kerr(ld, e[0], desc, a->key, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* "none" is a whole value, never an entry: ["none"] would be ambiguous. */
static int ld_gp_list(struct config_ld *ld, const struct gp_attr_info *a,
		      struct gp_value *v, const config_setting_t *s,
		      const char *desc)
{
	const config_setting_t *e[CFG_LIST_MAX];
	int i, bad = 0, n = ld_elems(ld, a->key, s, desc, e);

	if (n < 0)
		return -1;
	if (n == 0) {
		ld_kerr(ld, s, desc, a->key, "is an empty list; write \"none\"");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *w = config_setting_get_string(e[i]);

		if (strcmp(w, "none") == 0) {
			ld_kerr(ld, e[i], desc, a->key,
				"\"none\" must be the whole value, not a list entry");
			bad = 1;
		} else if (ld_gp_word(ld, a, e[i], desc, w) < 0) {
			bad = 1;
		}
	}
	return bad ? -1 : ld_gp_list_store(ld, a, v, e, n, desc);
}

static const ld_gp_fn ld_gp_parsers[] = {
	[GPT_INT] = ld_gp_int,	 [GPT_STR] = ld_gp_str, [GPT_ENUM] = ld_gp_str,
	[GPT_LIST] = ld_gp_list, [GPT_BOOL] = ld_gp_bool,
};

static void ld_gp_value(struct config_ld *ld, int idx, struct gp_value *v,
			const config_setting_t *s, const char *desc)
{
	const struct gp_attr_info *a = &gp_attr_table[idx];

	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "none") == 0)
		v->state = GP_NONE;
	else if (ld_gp_parsers[a->type](ld, a, v, s, desc) == 0)
		v->state = GP_VALUE;
	if (v->state != GP_UNSET)
		v->line = config_setting_source_line(s);
}

static void ld_finish_policy(struct config_ld *ld, void *elem,
			     const config_setting_t *grp, const char *desc)
{
	struct cfg_group_policy *gp = elem;
	const config_setting_t *m;
	int i, idx;

	for (i = 0; i < config_setting_length(grp); i++) {
		m = config_setting_get_elem(grp, i);
		idx = schema_gp_find(config_setting_name(m));
		if (idx >= 0)
			ld_gp_value(ld, idx, &gp->attr[idx], m, desc);
	}
}

/* ---- DAP records */

/* The rows of one map must agree (ldapmap_check): the error names the row. */
static void ld_finish_ldap_map(struct config_ld *ld, void *elem,
			       const config_setting_t *grp, const char *desc)
{
	const struct cfg_ldap_map *m = elem;
	const config_setting_t *rows, *row;
	const char *why, *what;
	size_t i;

	if (ldapmap_check(m, &why, &i, &what) == 0)
		return;
	rows = config_setting_get_member(grp, what);
	row = rows && config_setting_type(rows) != CONFIG_TYPE_STRING
		      ? config_setting_get_elem(rows, (unsigned)i) : rows;
	ld_err(ld, row ? row : grp, "%s: %s row %zu: %s", desc, what, i + 1, why);
}

/* DfltAccessPolicy is what applies when no record matches: criteria or a
 * priority on it would mean nothing, so they are mistakes.  Quarantine
 * lets only the record's network ACL through: without one it is a mistake
 * too. */
static void ld_finish_dap(struct config_ld *ld, void *elem,
			  const config_setting_t *grp, const char *desc)
{
	struct cfg_dap *d = elem;
	const config_setting_t *m;

	if (d->action == DAP_QUARANTINE && !d->network_acls.n)
		ld_err(ld, config_setting_get_member(grp, "action"),
		       "%s: action quarantine needs a network-acl (the quarantine access list)",
		       desc);
	if (strcmp(d->name, DAP_DFLT_NAME) != 0)
		return;
	d->priority = -1;
	if ((m = config_setting_get_member(grp, "priority")))
		ld_err(ld, m, "%s: priority does not apply to DfltAccessPolicy (it applies "
			      "only when no other record is selected)", desc);
	if (d->aaa.n || d->endpoint.n)
		ld_err(ld, grp, "%s: DfltAccessPolicy has no criteria (it applies when no "
				"other record is selected)", desc);
}

/* ---- after the walk: the state directory */
static void ld_expand(struct config_ld *ld, const struct schema_key *l,
		      void *elem, const struct schema_key *k)
{
	const size_t vl = strlen(CONFIG_STATE_VAR);
	char *field = schema_field(elem, k), tmp[2 * CFG_PATH_MAX];

	if (strncmp(field, CONFIG_STATE_VAR, vl) != 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s%s", ld->cfg->general.state_dir,
		 field + vl);
	if (strlen(tmp) >= k->size)
		ld_err_at(ld, ld_elem_line(l->sub, elem),
			  "%s \"%s\": %s: longer than %zu characters after @STATE_DIR@ expansion",
			  l->what, ld_elem_name(elem), k->key, k->size - 1);
	else
		ld_copy(field, k->size, tmp);
}

/* @STATE_DIR@ may start any path of any list object (the embedded default
 * uses it for its trust folder); it means the effective state directory:
 * --state-dir, else general.state-dir, else the build-time default. */
static void ld_state_dir(struct config_ld *ld, const char *arg)
{
	const struct schema_key *l, *k;
	size_t n, i;
	char *arr;

	if (arg && (arg[0] != '/' || strlen(arg) >= CFG_PATH_MAX))
		ld_err_at(ld, 0, "state directory \"%s\" is not an absolute path shorter than %d characters",
			  arg, CFG_PATH_MAX);
	else if (arg)
		ld_copy(ld->cfg->general.state_dir, CFG_PATH_MAX, arg);
	if (ld->cfg->general.state_dir[0] != '/')
		return; /* reported by ld_path: nothing sane to expand to */
	schema_for_each(l, SO_ROOT)
	{
		if (l->type != ST_GLIST)
			continue;
		arr = ld_list(ld->cfg, l, &n);
		for (i = 0; i < n; i++) {
			schema_for_each(k, l->sub)
			{
				if (k->type == ST_PATH)
					ld_expand(ld, l, arr + i * l->elem_size, k);
			}
		}
	}
}

/* ---- implicit objects */
static void *ld_append(struct config_ld *ld, const char *list)
{
	const struct schema_key *k = schema_find(SO_ROOT, list);
	size_t n;
	char *arr = ld_list(ld->cfg, k, &n), *p;

	p = realloc(arr, (n + 1) * k->elem_size);
	if (!p) {
		ld_err_at(ld, 0, "out of memory");
		return NULL;
	}
	memset(p + n * k->elem_size, 0, k->elem_size);
	memcpy(schema_field(ld->cfg, k), &p, sizeof(p));
	n++;
	memcpy((char *)ld->cfg + k->n_off, &n, sizeof(n));
	return p + (n - 1) * k->elem_size;
}

/* DfltAccessPolicy, as on the ASA, exists even when not configured; its
 * action is then continue (builtin: DAP stays off, see dap_active). */
static void ld_implicit_dap(struct config_ld *ld)
{
	struct cfg_dap *d;

	if (config_dap(ld->cfg, DAP_DFLT_NAME) ||
	    !(d = ld_append(ld, "dynamic_access_policy_records")))
		return;
	ld_defaults(SO_DAP, d);
	util_strlcpy(d->name, DAP_DFLT_NAME, sizeof(d->name));
	d->priority = -1;
	d->builtin = 1;
}

/* The ASA always has DfltGrpPolicy (the root of inheritance) and
 * DefaultWEBVPNGroup (where a client lands when nothing selects another
 * tunnel group); the latter authenticates with aaa, the ASA default. */
static void ld_implicit(struct config_ld *ld)
{
	struct cfg_group_policy *gp;
	struct cfg_tunnel_group *tg;

	if (!config_group_policy(ld->cfg, CONFIG_DFLT_GP) &&
	    (gp = ld_append(ld, "group_policies")))
		util_strlcpy(gp->name, CONFIG_DFLT_GP, sizeof(gp->name));
	if (!config_tunnel_group(ld->cfg, CONFIG_DFLT_TG) &&
	    (tg = ld_append(ld, "tunnel_groups"))) {
		ld_defaults(SO_TUNNEL_GROUP, tg);
		util_strlcpy(tg->name, CONFIG_DFLT_TG, sizeof(tg->name));
		util_strlcpy(tg->default_group_policy, CONFIG_DFLT_GP,
			     sizeof(tg->default_group_policy));
		tg->authentication = CFG_AUTH_AAA;
		tg->builtin = 1;
	}
	ld_implicit_dap(ld);
}

/* ---- cross checks */

/* The setting of `key` in element idx of top-level list `list`; when the key
 * holds a list, the entry equal to value.  NULL for implicit objects. */
static const config_setting_t *ld_ref_setting(struct config_ld *ld,
					      const char *list, size_t idx,
					      const char *key, const char *value)
{
	const config_setting_t *l = config_setting_get_member(ld->root, list);
	const config_setting_t *e, *m, *x;
	int i;

	e = l && config_setting_is_list(l) ? config_setting_get_elem(l, idx) : NULL;
	if (!e || !config_setting_is_group(e))
		return NULL;
	m = config_setting_get_member(e, key);
	if (!m)
		return e;
	for (i = 0; value && config_setting_is_aggregate(m) &&
		    i < config_setting_length(m); i++) {
		x = config_setting_get_elem(m, i);
		if (config_setting_type(x) == CONFIG_TYPE_STRING &&
		    strcmp(config_setting_get_string(x), value) == 0)
			return x;
	}
	return m;
}

/* `<what> "<name>": <key> "<value>" is not defined (<section>)` */
static void ld_undefined(struct config_ld *ld, const struct schema_key *l,
			 size_t idx, const void *elem, const char *key,
			 const char *value, const char *section)
{
	ld_err(ld, ld_ref_setting(ld, l->key, idx, key, value),
	       "%s \"%s\": %s \"%s\" is not defined (%s)", l->what,
	       ld_elem_name(elem), key, value, section);
}

static void ld_check_dups(struct config_ld *ld)
{
	const struct schema_key *l;
	const char *a, *b;
	size_t n, i, j;
	char *arr;

	schema_for_each(l, SO_ROOT)
	{
		if (l->type != ST_GLIST)
			continue;
		arr = ld_list(ld->cfg, l, &n);
		for (i = 1; i < n; i++) {
			a = ld_elem_name(arr + i * l->elem_size);
			for (j = 0; *a && j < i; j++) {
				b = arr + j * l->elem_size;
				if (strcmp(a, ld_elem_name(b)) != 0)
					continue;
				ld_err(ld, ld_ref_setting(ld, l->key, i, "name", NULL),
				       "duplicate %s \"%s\" (first defined at line %d)",
				       l->what, a, ld_elem_line(l->sub, b));
				break;
			}
		}
	}
}

static void ld_check_pools(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "ip_local_pools");
	const struct cfg_pool *a, *b;
	size_t i, j;

	for (i = 1; i < ld->cfg->n_pools; i++) {
		a = &ld->cfg->pools[i];
		for (j = 0; a->last && j < i; j++) {
			b = &ld->cfg->pools[j];
			if (!b->last || a->first > b->last || b->first > a->last)
				continue;
			ld_err(ld, ld_ref_setting(ld, l->key, i, "range", NULL),
			       "ip local pool \"%s\": range overlaps ip local pool \"%s\" (line %d)",
			       a->name, b->name, b->line);
		}
	}
}

/* Two IPv6 pools overlap when their address runs intersect (pools never
 * wrap: the count fits the prefix). */
static int pool6_overlap(const struct cfg_pool6 *a, const struct cfg_pool6 *b)
{
	uint8_t d[16];
	const struct cfg_pool6 *lo = memcmp(a->first, b->first, 16) <= 0 ? a : b;
	const struct cfg_pool6 *hi = lo == a ? b : a;
	int borrow = 0, k;

	for (k = 15; k >= 0; k--) {
		int x = hi->first[k] - lo->first[k] - borrow;

		borrow = x < 0;
		d[k] = (uint8_t)(x + (borrow ? 256 : 0));
	}
	for (k = 0; k < 12; k++)
		if (d[k])
			return 0;
	return ((uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | (uint32_t)d[14] << 8 |
		d[15]) < (uint32_t)lo->count;
}

static void ld_check_pools6(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "ipv6_local_pools");
	const struct cfg_pool6 *a, *b;
	size_t i, j;

	for (i = 1; i < ld->cfg->n_pools6; i++) {
		a = &ld->cfg->pools6[i];
		for (j = 0; a->plen && j < i; j++) {
			b = &ld->cfg->pools6[j];
			if (!b->plen || !pool6_overlap(a, b))
				continue;
			ld_err(ld, ld_ref_setting(ld, l->key, i, "prefix", NULL),
			       "ipv6 local pool \"%s\": addresses overlap ipv6 local pool \"%s\" (line %d)",
			       a->name, b->name, b->line);
		}
	}
}

static void ld_check_iface_trustpoints(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "interfaces");
	const struct cfg_interface *ifc = &ld->cfg->interfaces[idx];
	const struct cfg_trustpoint *tp;
	size_t i;

	for (i = 0; i < ifc->trustpoints.n; i++) {
		tp = config_trustpoint(ld->cfg, ifc->trustpoints.v[i]);
		if (!tp)
			ld_undefined(ld, l, idx, ifc, "trustpoint",
				     ifc->trustpoints.v[i], "trustpoints");
		else if (tp->enrollment == CFG_ENROLL_TERMINAL)
			ld_err(ld, ld_ref_setting(ld, l->key, idx, "trustpoint", tp->name),
			       "interface \"%s\": trustpoint \"%s\" is a CA trustpoint (enrollment terminal); an interface needs an identity trustpoint (enrollment self or file)",
			       ifc->name, tp->name);
	}
}

/* Literal compare after parsing, so "::0" and "::" are the same listener. */
static int ld_same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET;
	int fb = strchr(b, ':') ? AF_INET6 : AF_INET;

	if (fa != fb || inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return strcmp(a, b) == 0;
	return memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

static void ld_check_listeners(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "interfaces");
	const struct cfg_interface *a = &ld->cfg->interfaces[idx], *b;
	size_t j;

	for (j = 0; *a->name && j < idx; j++) {
		b = &ld->cfg->interfaces[j];
		if (!*b->name || !ld_same_addr(a->address, b->address))
			continue;
		if (a->port == b->port)
			ld_err(ld, ld_ref_setting(ld, l->key, idx, "port", NULL),
			       "interface \"%s\": address %s port %u is already used by interface \"%s\" (line %d)",
			       a->name, a->address, a->port, b->name, b->line);
		if (a->dtls_port == b->dtls_port)
			ld_err(ld, ld_ref_setting(ld, l->key, idx, "dtls-port", NULL),
			       "interface \"%s\": address %s dtls-port %u is already used by interface \"%s\" (line %d)",
			       a->name, a->address, a->dtls_port, b->name, b->line);
	}
}

static void ld_check_interfaces(struct config_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->cfg->n_interfaces; i++) {
		ld_check_iface_trustpoints(ld, i);
		ld_check_listeners(ld, i);
	}
}

static void ld_check_tg_refs(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "tunnel_groups");
	const struct cfg_tunnel_group *tg = &ld->cfg->tunnel_groups[idx];
	const struct cfg_name_list *pools = &tg->address_pools;
	const struct cfg_name_list *tps = &tg->validation_trustpoints;
	size_t i;

	for (i = 0; i < pools->n; i++)
		if (!config_pool(ld->cfg, pools->v[i]))
			ld_undefined(ld, l, idx, tg, "address-pool", pools->v[i],
				     "ip_local_pools");
	for (i = 0; i < tg->ipv6_address_pools.n; i++)
		if (!config_pool6(ld->cfg, tg->ipv6_address_pools.v[i]))
			ld_undefined(ld, l, idx, tg, "ipv6-address-pool",
				     tg->ipv6_address_pools.v[i], "ipv6_local_pools");
	if (*tg->default_group_policy &&
	    !config_group_policy(ld->cfg, tg->default_group_policy))
		ld_undefined(ld, l, idx, tg, "default-group-policy",
			     tg->default_group_policy, "group_policies");
	for (i = 0; i < tps->n; i++)
		if (!config_trustpoint(ld->cfg, tps->v[i]))
			ld_undefined(ld, l, idx, tg, "validation-trustpoints",
				     tps->v[i], "trustpoints");
}

/* The S15 server groups a tunnel group names: authentication-server-group
 * is "NAME" or "NAME LOCAL" (the ASA's fallback to the local database);
 * accounting goes to RADIUS only. */
static void ld_check_tg_aaa(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "tunnel_groups");
	const struct cfg_tunnel_group *tg = &ld->cfg->tunnel_groups[idx];
	const struct cfg_aaa_server *as;
	char name[CFG_NAME_MAX + 8];
	int local;

	if (*tg->authentication_server_group &&
	    config_aaa_group(tg->authentication_server_group, name, sizeof(name), &local) < 0)
		ld_err(ld, ld_ref_setting(ld, l->key, idx, "authentication-server-group", NULL),
		       "tunnel group \"%s\": authentication-server-group \"%s\": expected "
		       "\"NAME\" or \"NAME LOCAL\"", tg->name, tg->authentication_server_group);
	else if (*tg->authentication_server_group && !config_aaa_server(ld->cfg, name))
		ld_undefined(ld, l, idx, tg, "authentication-server-group", name, "aaa_servers");
	if (*tg->authorization_server_group &&
	    !config_aaa_server(ld->cfg, tg->authorization_server_group))
		ld_undefined(ld, l, idx, tg, "authorization-server-group",
			     tg->authorization_server_group, "aaa_servers");
	as = config_aaa_server(ld->cfg, tg->accounting_server_group);
	if (*tg->accounting_server_group && !as)
		ld_undefined(ld, l, idx, tg, "accounting-server-group",
			     tg->accounting_server_group, "aaa_servers");
	else if (as && as->protocol != CFG_AAA_RADIUS)
		ld_err(ld, ld_ref_setting(ld, l->key, idx, "accounting-server-group", NULL),
		       "tunnel group \"%s\": accounting-server-group \"%s\" is not a RADIUS "
		       "group (accounting is RADIUS only)", tg->name, as->name);
	if (tg->authorize_required && !*tg->authorization_server_group)
		ld_err(ld, ld_ref_setting(ld, l->key, idx, "authorize-required", NULL),
		       "tunnel group \"%s\": authorize-required needs an "
		       "authorization-server-group", tg->name);
}

/* An LDAP host needs where and by what to search; TLS needs the CA to check
 * the server against (never the system's store); what it names must
 * exist.  Its port, when the file gives none (the RADIUS default is left),
 * is the LDAP one: 389, or 636 for ldap-over-ssl.  ldap-over-ssl on port 389
 * is StartTLS. */
static void ld_check_ldap_host(struct config_ld *ld, const struct cfg_aaa_server *as,
			       struct cfg_aaa_host *c)
{
	const struct cfg_trustpoint *tp = config_trustpoint(ld->cfg, c->ldap_ca_trustpoint);
	const char *n = as->name, *a = c->address;

	if (c->authentication_port == CFG_AAA_RADIUS_AUTH_PORT)
		c->authentication_port = c->ldap_over_ssl ? 636 : 389;
	if (!c->ldap_base_dn[0] || !c->ldap_naming_attribute[0])
		ld_err_at(ld, c->line, "aaa-server \"%s\" host %s: LDAP needs ldap-base-dn and "
			  "ldap-naming-attribute", n, a);
	if (c->ldap_over_ssl && !c->ldap_ca_trustpoint[0])
		ld_err_at(ld, c->line, "aaa-server \"%s\" host %s: ldap-over-ssl needs "
			  "ldap-ca-trustpoint (the CA the server's certificate must chain to)", n, a);
	if (c->ldap_ca_trustpoint[0] && (!tp || tp->enrollment != CFG_ENROLL_TERMINAL))
		ld_err_at(ld, c->line, "aaa-server \"%s\" host %s: ldap-ca-trustpoint \"%s\" is "
			  "not a CA trustpoint (trustpoints, enrollment terminal)", n, a,
			  c->ldap_ca_trustpoint);
	if (c->ldap_attribute_map[0] && !config_ldap_map(ld->cfg, c->ldap_attribute_map))
		ld_err_at(ld, c->line, "aaa-server \"%s\" host %s: ldap-attribute-map \"%s\" is "
			  "not defined (ldap_attribute_maps)", n, a, c->ldap_attribute_map);
}

/* A group without hosts cannot answer; a RADIUS host without a key cannot
 * sign its requests. */
static void ld_check_aaa_servers(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "aaa_servers");

	for (size_t i = 0; i < ld->cfg->n_aaa_servers; i++) {
		const struct cfg_aaa_server *as = &ld->cfg->aaa_servers[i];

		if (!as->n_hosts)
			ld_err(ld, ld_ref_setting(ld, l->key, i, "name", NULL),
			       "aaa-server \"%s\": no hosts", as->name);
		for (size_t h = 0; as->protocol == CFG_AAA_RADIUS && h < as->n_hosts; h++)
			if (!as->hosts[h].key[0])
				ld_err_at(ld, as->hosts[h].line,
					  "aaa-server \"%s\" host %s: RADIUS needs a key",
					  as->name, as->hosts[h].address);
		for (size_t h = 0; as->protocol == CFG_AAA_LDAP && h < as->n_hosts; h++)
			ld_check_ldap_host(ld, as, &ld->cfg->aaa_servers[i].hosts[h]);
	}
}

static int ld_same_url(const struct cfg_group_url *a, const struct cfg_group_url *b)
{
	return a->enabled && b->enabled && a->port == b->port &&
	       strcmp(a->host, b->host) == 0 && strcmp(a->path, b->path) == 0;
}

/* A group-url or alias that selects two tunnel groups would make the
 * choice depend on file order: refuse it. */
static void ld_check_tg_selectors(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "tunnel_groups");
	const struct cfg_tunnel_group *a = &ld->cfg->tunnel_groups[idx], *b;
	size_t j, u, v;

	for (j = 0; j < idx; j++) {
		b = &ld->cfg->tunnel_groups[j];
		for (u = 0; u < a->n_urls; u++)
			for (v = 0; v < b->n_urls; v++)
				if (ld_same_url(&a->urls[u], &b->urls[v]))
					ld_err(ld, ld_ref_setting(ld, l->key, idx, "group-url", NULL),
					       "tunnel group \"%s\": group-url \"%s\" is already used by tunnel group \"%s\"",
					       a->name, a->urls[u].url, b->name);
		for (u = 0; u < a->aliases.n; u++)
			if (ld_list_has(&b->aliases, a->aliases.v[u]))
				ld_err(ld, ld_ref_setting(ld, l->key, idx, "group-alias", NULL),
				       "tunnel group \"%s\": group-alias \"%s\" is already used by tunnel group \"%s\"",
				       a->name, a->aliases.v[u], b->name);
	}
}

const char *const config_asa_compat_items[] = { "dtls-cipher", "temp-ec-cert", "lb-redirect",
						 NULL };

int config_asa_compat_any(const struct sslvpnd_config *cfg, unsigned bit)
{
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++)
		if (cfg->tunnel_groups[i].asa_compat_mask & bit)
			return 1;
	return 0;
}

unsigned config_asa_compat_bit(const char *name)
{
	for (unsigned i = 0; config_asa_compat_items[i]; i++)
		if (!strcmp(config_asa_compat_items[i], name))
			return 1u << i;
	return 0;
}

/* asa-compat names ASA failure modes: an unknown one must not pass as a
 * silent no-op, since a firmware lab relies on seeing the failure. */
static void ld_check_tg_asa_compat(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "tunnel_groups");
	struct cfg_tunnel_group *tg = &ld->cfg->tunnel_groups[idx];

	tg->asa_compat_mask = 0;
	for (size_t i = 0; i < tg->asa_compat.n; i++) {
		unsigned bit = config_asa_compat_bit(tg->asa_compat.v[i]);

		if (!bit)
			ld_err(ld, ld_ref_setting(ld, l->key, idx, "asa-compat", tg->asa_compat.v[i]),
			       "tunnel group \"%s\": asa-compat \"%s\" is not an ASA behaviour sslvpnd reproduces (known: dtls-cipher, temp-ec-cert, lb-redirect)",
			       tg->name, tg->asa_compat.v[i]);
		tg->asa_compat_mask |= bit;
	}
}

static void ld_check_tunnel_groups(struct config_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->cfg->n_tunnel_groups; i++) {
		ld_check_tg_refs(ld, i);
		ld_check_tg_aaa(ld, i);
		ld_check_tg_asa_compat(ld, i);
		ld_check_tg_selectors(ld, i);
	}
}

/* A policy attribute naming an access list: it must exist and be of the
 * type its use reads (split-tunnel-network-list: standard; vpn-filter:
 * extended). */
static void ld_check_policy_acl(struct config_ld *ld, size_t idx,
				enum gp_attr a, enum acl_type want)
{
	const struct schema_key *l = schema_find(SO_ROOT, "group_policies");
	const struct cfg_group_policy *gp = &ld->cfg->policies[idx];
	const struct gp_value *v = &gp->attr[a];
	const char *key = gp_attr_table[a].key;
	const struct cfg_acl *acl;

	if (v->state != GP_VALUE)
		return;
	acl = config_acl(ld->cfg, v->str);
	if (!acl)
		ld_undefined(ld, l, idx, gp, key, v->str, "access_lists");
	else if (acl->type != (int)want)
		ld_err(ld, ld_ref_setting(ld, l->key, idx, key, NULL),
		       "group policy \"%s\": %s \"%s\" must be an access list of type %s "
		       "(line %d defines it %s)",
		       gp->name, key, v->str, acl_type_name(want), acl->line,
		       acl_type_name(acl->type));
}

static void ld_check_policy(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "group_policies");
	const struct cfg_group_policy *gp = &ld->cfg->policies[idx];
	const struct gp_value *pools = &gp->attr[GPA_ADDRESS_POOLS];
	const struct gp_value *lock = &gp->attr[GPA_GROUP_LOCK];
	const struct gp_value *hours = &gp->attr[GPA_VPN_ACCESS_HOURS];
	size_t i;

	for (i = 0; pools->state == GP_VALUE && i < pools->n_list; i++)
		if (!config_pool(ld->cfg, pools->list[i]))
			ld_undefined(ld, l, idx, gp, "address-pools", pools->list[i],
				     "ip_local_pools");
	pools = &gp->attr[GPA_IPV6_ADDRESS_POOLS];
	for (i = 0; pools->state == GP_VALUE && i < pools->n_list; i++)
		if (!config_pool6(ld->cfg, pools->list[i]))
			ld_undefined(ld, l, idx, gp, "ipv6-address-pools", pools->list[i],
				     "ipv6_local_pools");
	if (lock->state == GP_VALUE && !config_tunnel_group(ld->cfg, lock->str))
		ld_undefined(ld, l, idx, gp, "group-lock", lock->str,
			     "tunnel_groups");
	if (hours->state == GP_VALUE && !config_time_range(ld->cfg, hours->str))
		ld_undefined(ld, l, idx, gp, "vpn-access-hours", hours->str, "time_ranges");
	ld_check_policy_acl(ld, idx, GPA_SPLIT_TUNNEL_NETWORK_LIST, ACL_STANDARD);
	ld_check_policy_acl(ld, idx, GPA_VPN_FILTER, ACL_EXTENDED);
	ld_check_policy_acl(ld, idx, GPA_IPV6_VPN_FILTER, ACL_EXTENDED);
}

/* ---- AnyConnect profiles and custom attributes */

/* The name is the last part of the download URI: keep it to characters a
 * URI carries as they are. */
static int ld_profile_name_ok(const char *n)
{
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("-_.", *n))
			return 0;
	return 1;
}

/* Main reads the profile like the configuration itself: the workers are
 * told its bytes (they open no file), and -t finds a missing one. */
static void ld_read_profile(struct config_ld *ld, struct cfg_ac_profile *p, size_t idx)
{
	const config_setting_t *s = ld_ref_setting(ld, "anyconnect_profiles", idx, "file", NULL);
	const char *why = NULL;
	struct stat st;
	ssize_t got = 0;
	/* O_NONBLOCK: a FIFO named as a profile must not hang the load */
	int fd = open(p->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0 || st.st_size > CFG_PROFILE_MAX)
		why = st.st_size ? "larger than 256 KiB" : "empty";
	else if (!(p->data = malloc(st.st_size)))
		why = "out of memory";
	else {
		for (p->len = 0; p->len < (size_t)st.st_size; p->len += got) {
			got = read(fd, p->data + p->len, st.st_size - p->len);
			if (got <= 0) {
				why = got ? strerror(errno) : "shorter than its size";
				break;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	if (why)
		ld_err(ld, s, "anyconnect profile \"%s\": file %s: %s", p->name, p->file, why);
}

static void ld_check_ac_data(struct config_ld *ld)
{
	const struct cfg_ac_cdata *d, *o;
	size_t i, j, k;
	int known;

	for (i = 0; i < ld->cfg->n_ac_cdata; i++) {
		d = &ld->cfg->ac_cdata[i];
		for (known = 0, k = 0; k < ld->cfg->n_ac_cattrs; k++)
			known |= !strcmp(ld->cfg->ac_cattrs[k].type, d->type);
		if (!known)
			ld_err(ld, ld_ref_setting(ld, "anyconnect_custom_data", i, "type", NULL),
			       "anyconnect custom data \"%s %s\": type \"%s\" is not defined "
			       "(anyconnect_custom_attrs)", d->type, d->name, d->type);
		for (j = 0; j < i; j++) {
			o = &ld->cfg->ac_cdata[j];
			if (!strcmp(o->type, d->type) && !strcmp(o->name, d->name)) {
				ld_err(ld, ld_ref_setting(ld, "anyconnect_custom_data", i, "name", NULL),
				       "duplicate anyconnect custom data \"%s %s\" (first defined at "
				       "line %d)", d->type, d->name, o->line);
				break;
			}
		}
	}
}

static void ld_check_ac(struct config_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->cfg->n_ac_profiles; i++) {
		struct cfg_ac_profile *p = &ld->cfg->ac_profiles[i];

		if (!ld_profile_name_ok(p->name))
			ld_err(ld, ld_ref_setting(ld, "anyconnect_profiles", i, "name", NULL),
			       "anyconnect profile \"%s\": name: only letters, digits, "
			       "'-', '_' and '.' (it names the download URI)", p->name);
		else if (p->file[0])
			ld_read_profile(ld, p, i);
	}
	ld_check_ac_data(ld);
}

/* anyconnect-profiles names profiles; anyconnect-custom a type and one of
 * its data (each type once per policy: the ASA keeps one value per type). */
static void ld_check_policy_ac(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "group_policies");
	const struct cfg_group_policy *gp = &ld->cfg->policies[idx];
	const struct gp_value *v = &gp->attr[GPA_ANYCONNECT_PROFILES];
	char name[CFG_NAME_MAX], type[CFG_NAME_MAX], seen[CFG_LIST_MAX][CFG_NAME_MAX];
	const char *why;
	size_t i, j;
	int mgmt;

	for (i = 0; v->state == GP_VALUE && i < v->n_list; i++) {
		if (config_parse_ac_profile_ref(v->list[i], name, &mgmt, &why) < 0)
			ld_err_at(ld, v->line, "group policy \"%s\": anyconnect-profiles: \"%s\" %s",
				  gp->name, v->list[i], why);
		else if (!config_ac_profile(ld->cfg, name))
			ld_undefined(ld, l, idx, gp, "anyconnect-profiles", name,
				     "anyconnect_profiles");
	}
	v = &gp->attr[GPA_ANYCONNECT_CUSTOM];
	for (i = 0; v->state == GP_VALUE && i < v->n_list; i++) {
		if (config_parse_ac_custom(v->list[i], type, name, &why) < 0) {
			ld_err_at(ld, v->line, "group policy \"%s\": anyconnect-custom: \"%s\" %s",
				  gp->name, v->list[i], why);
			continue;
		}
		for (j = 0; j < i && strcmp(seen[j], type); j++)
			;
		memcpy(seen[i], type, CFG_NAME_MAX);
		if (j < i)
			ld_err_at(ld, v->line, "group policy \"%s\": anyconnect-custom: type \"%s\" "
				  "is given twice", gp->name, type);
		else if (name[0] && !config_ac_cdata(ld->cfg, type, name))
			ld_err_at(ld, v->line, "group policy \"%s\": anyconnect-custom: \"%s %s\" "
				  "is not defined (anyconnect_custom_data)", gp->name, type, name);
	}
}

static void ld_check_policies(struct config_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->cfg->n_policies; i++)
	{
		ld_check_policy(ld, i);
		ld_check_policy_ac(ld, i);
	}
}

/* username X attributes: vpn-group-policy and group-lock must resolve. */
static void ld_check_user(struct config_ld *ld, size_t idx)
{
	const struct schema_key *l = schema_find(SO_ROOT, "users");
	const struct cfg_user *u = &ld->cfg->users[idx];

	if (*u->vpn_group_policy && !config_group_policy(ld->cfg, u->vpn_group_policy))
		ld_undefined(ld, l, idx, u, "vpn-group-policy", u->vpn_group_policy,
			     "group_policies");
	if (*u->group_lock && !config_tunnel_group(ld->cfg, u->group_lock))
		ld_undefined(ld, l, idx, u, "group-lock", u->group_lock,
			     "tunnel_groups");
}

/* certificate-group-map: the tunnel group must exist. */
static void ld_check_certmaps(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "certificate_maps");
	size_t i;

	for (i = 0; i < ld->cfg->n_certmaps; i++) {
		const struct cfg_certmap *m = &ld->cfg->certmaps[i];

		if (*m->tunnel_group && !config_tunnel_group(ld->cfg, m->tunnel_group))
			ld_undefined(ld, l, i, m, "tunnel-group", m->tunnel_group,
				     "tunnel_groups");
	}
}

static void ld_check_time_ranges(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "time_ranges");
	size_t i;

	for (i = 0; i < ld->cfg->n_time_ranges; i++) {
		const struct cfg_time_range *t = &ld->cfg->time_ranges[i];

		if (t->start && t->end && t->end < t->start)
			ld_err(ld, ld_ref_setting(ld, l->key, i, "absolute-end", NULL),
			       "time range \"%s\": absolute-end is before absolute-start",
			       t->name);
	}
}

/* logging host IF ADDR: IF must be one of the interfaces, as on the ASA
 * (a nameif). */
static void ld_check_log_hosts(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "logging_hosts");

	for (size_t i = 0; i < ld->cfg->n_log_hosts; i++) {
		const struct cfg_log_host *h = &ld->cfg->log_hosts[i];

		if (!config_interface(ld->cfg, h->interface))
			ld_err(ld, ld_ref_setting(ld, l->key, i, "interface", h->interface),
			       "logging host #%zu (%s): interface \"%s\" is not defined "
			       "(interfaces)", i + 1, h->address, h->interface);
	}
}

/* logging message ID: an ID of the catalogue (ASA's or ours); device-id
 * string needs its text, one word as the ASA's. */
/* participate needs somewhere to send logins and the name they arrive
 * by: without cluster-address every login would be redirected, the
 * redirected ones again on a node listing itself. */
static void ld_check_load_balancing(struct config_ld *ld)
{
	const struct cfg_load_balancing *lb = &ld->cfg->load_balancing;
	const config_setting_t *g = config_setting_get_member(ld->root, "load_balancing");

	if (!lb->participate)
		return;
	if (!lb->n_peers)
		ld_err(ld, g, "load_balancing.participate needs load_balancing.peers: "
		       "the nodes logins are redirected to (https://HOST[:PORT])");
	if (!lb->cluster_address[0] || strpbrk(lb->cluster_address, " \t/:@"))
		ld_err(ld, g, "load_balancing.participate needs load_balancing.cluster-address: "
		       "the host name or IPv4 address clients connect to (ASA: cluster ip address)");
	for (size_t i = 0; i < lb->n_peers; i++)
		if (!strcasecmp(lb->peers[i].host, lb->cluster_address))
			ld_err(ld, g, "load_balancing.peers: %s names the cluster-address %s, "
			       "a redirect to itself for ever: list each node by its own address",
			       lb->peers[i].url, lb->cluster_address);
}

/* A fleet needs a Redis address that parses and a slice that exists: a
 * node outside every slice would lease nothing during a Redis outage. */
static void ld_check_fleet(struct config_ld *ld)
{
	const struct cfg_fleet *f = &ld->cfg->fleet;
	const config_setting_t *g = config_setting_get_member(ld->root, "fleet");
	char host[CFG_URL_MAX];
	uint16_t port;

	if (f->slice > f->slices)
		ld_err(ld, g, "fleet.slice %d is beyond fleet.slices %d: number the nodes 1..slices",
		       f->slice, f->slices);
	if (f->redis[0] && util_hostport(f->redis, host, sizeof(host), &port) < 0)
		ld_err(ld, g, "fleet.redis \"%s\" is not HOST:PORT (for example 198.18.0.1:6379)",
		       f->redis);
	if (strpbrk(f->node, " \t:/"))
		ld_err(ld, g, "fleet.node \"%s\": a node name has no blank, ':' or '/'", f->node);
}

static void ld_check_logging(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "logging_messages");
	const struct cfg_logging *lg = &ld->cfg->logging;
	const config_setting_t *g = config_setting_get_member(ld->root, "logging");

	for (size_t i = 0; i < ld->cfg->n_log_messages; i++) {
		const struct cfg_log_message *m = &ld->cfg->log_messages[i];

		if (!log_id_known(m->id))
			ld_err(ld, ld_ref_setting(ld, l->key, i, "id", NULL),
			       "logging message #%zu: %d is no message ID of sslvpnd "
			       "(sslvpnd-messages(7) lists them)", i + 1, m->id);
	}
	if (lg->device_id == CFG_DEVID_STRING &&
	    (!lg->device_id_string[0] || strpbrk(lg->device_id_string, " \t"))) {
		const config_setting_t *at = g ? config_setting_get_member(g, "device-id-string")
					       : NULL;

		if (!at && g)  /* not set: point at device-id */
			at = config_setting_get_member(g, "device-id");
		ld_err(ld, at, "logging.device-id \"string\" needs logging.device-id-string: "
		       "one word");
	}
}

/* network-acl: every list must exist and be extended (it filters traffic,
 * like vpn-filter); at most DAP_MAX_RECORDS records. */
static void ld_check_daps(struct config_ld *ld)
{
	const struct schema_key *l = schema_find(SO_ROOT, "dynamic_access_policy_records");
	const struct cfg_acl *acl;
	size_t i, k;

	if (ld->cfg->n_daps > DAP_MAX_RECORDS)
		ld_err(ld, config_setting_get_member(ld->root, l->key),
		       "%s: %zu records, at most %d", l->key, ld->cfg->n_daps,
		       DAP_MAX_RECORDS);
	for (i = 0; i < ld->cfg->n_daps; i++) {
		const struct cfg_dap *d = &ld->cfg->daps[i];

		for (k = 0; k < d->network_acls.n; k++) {
			acl = config_acl(ld->cfg, d->network_acls.v[k]);
			if (!acl)
				ld_undefined(ld, l, i, d, "network-acl", d->network_acls.v[k],
					     "access_lists");
			else if (acl->type != ACL_EXTENDED)
				ld_err(ld, ld_ref_setting(ld, l->key, i, "network-acl", acl->name),
				       "DAP record \"%s\": network-acl \"%s\" must be an access list "
				       "of type extended (line %d defines it %s)",
				       d->name, acl->name, acl->line, acl_type_name(acl->type));
		}
	}
}

static void ld_check_users(struct config_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->cfg->n_users; i++)
		ld_check_user(ld, i);
}

/* The lines of the ssl cipher lists: OpenSSL judges them later (src/tls),
 * and its errors must point at the list it refused. */
static void ld_ssl_lines(struct config_ld *ld)
{
	static const char *const keys[CFG_SSLVER__COUNT] = {
		[CFG_TLSV1] = "tlsv1", [CFG_TLSV1_1] = "tlsv1_1",
		[CFG_TLSV1_2] = "tlsv1_2", [CFG_DTLSV1] = "dtlsv1",
		[CFG_DTLSV1_2] = "dtlsv1_2", [CFG_TLSV1_3] = "tlsv1_3",
	};
	const config_setting_t *ssl = config_setting_get_member(ld->root, "ssl");
	const config_setting_t *c = ssl && config_setting_is_group(ssl) ?
					    config_setting_get_member(ssl, "cipher") :
					    NULL;
	const config_setting_t *k;

	for (size_t i = 0; i < CFG_SSLVER__COUNT; i++) {
		k = c && config_setting_is_group(c) ?
			    config_setting_get_member(c, keys[i]) :
			    NULL;
		k = k ? k : c ? c : ssl;
		ld->cfg->ssl.cipher_line[i] = k ? config_setting_source_line(k) : 0;
	}
}

/* ---- loading */
/* main checks that general.user/group exist (an account lookup is no job
 * of this I/O-free module): its error names these lines. */
static void ld_general_lines(struct config_ld *ld)
{
	const config_setting_t *g = config_setting_get_member(ld->root, "general");
	const config_setting_t *u = g ? config_setting_get_member(g, "user") : NULL;
	const config_setting_t *gr = g ? config_setting_get_member(g, "group") : NULL;

	ld->cfg->general.user_line = u ? config_setting_source_line(u) : 0;
	ld->cfg->general.group_line = gr ? config_setting_source_line(gr) : 0;
}

static void ld_sort_errors(struct cfg_errors *e);

static struct sslvpnd_config *ld_build(struct config_ld *ld,
				       const config_t *lc,
				       const char *state_dir)
{
	ld->cfg = calloc(1, sizeof(*ld->cfg));
	if (!ld->cfg) {
		ld_err_at(ld, 0, "out of memory");
		return NULL;
	}
	ld->cfg->notices = calloc(1, sizeof(*ld->cfg->notices));
	ld->root = config_root_setting(lc);
	ld_defaults(SO_ROOT, ld->cfg);
	ld_object(ld, SO_ROOT, ld->cfg, ld->root, "");
	ld_ssl_lines(ld);
	ld_general_lines(ld);
	ld_state_dir(ld, state_dir);
	ld_implicit(ld);
	ld_check_dups(ld);
	ld_check_pools(ld);
	ld_check_pools6(ld);
	ld_check_interfaces(ld);
	ld_check_aaa_servers(ld);
	ld_check_tunnel_groups(ld);
	ld_check_policies(ld);
	ld_check_users(ld);
	ld_check_certmaps(ld);
	ld_check_time_ranges(ld);
	ld_check_daps(ld);
	ld_check_ac(ld);
	ld_check_log_hosts(ld);
	ld_check_logging(ld);
	if (ld->cfg->notices)
		ld_sort_errors(ld->cfg->notices); /* file order, as the errors */
	ld_check_load_balancing(ld);
	ld_check_fleet(ld);
	return ld->cfg;
}

/* libconfig stops at its first syntax error; it names the file only when
 * the error is inside an @include. */
static void ld_parse_error(struct config_ld *ld, const config_t *lc)
{
	ld_err_at(ld, config_error_line(lc), "%s", config_error_text(lc));
	if (config_error_file(lc))
		util_strlcpy(ld->errs->e[0].file, config_error_file(lc),
			     sizeof(ld->errs->e[0].file));
}

/* Errors come out of the walk per object and of the cross checks at the
 * end; the administrator reads them best in file order (stable: messages
 * of one line keep the order they were found in). */
static void ld_sort_errors(struct cfg_errors *e)
{
	struct cfg_error tmp;
	size_t i, j;

	for (i = 1; i < e->n; i++) {
		tmp = e->e[i];
		for (j = i; j > 0; j--) {
			int c = strcmp(e->e[j - 1].file, tmp.file);

			if (c < 0 || (c == 0 && e->e[j - 1].line <= tmp.line))
				break;
			e->e[j] = e->e[j - 1];
		}
		e->e[j] = tmp;
	}
}

static int includes_check(const char *text, const char *file, const char *dir,
			  int depth, struct cfg_errors *errs);

/* Common tail of every load: lc has been read (read_ok) or failed to parse. */
static int config_from_tree(config_t *lc, int read_ok, const char *name,
			    int embedded, const char *state_dir,
			    struct sslvpnd_config **out, struct cfg_errors *errs)
{
	struct cfg_errors local;
	struct config_ld ld = { .errs = errs ? errs : &local, .name = name };
	struct sslvpnd_config *cfg = NULL;

	ld.errs->n = 0;
	ld.errs->dropped = 0;
	if (read_ok)
		cfg = ld_build(&ld, lc, state_dir);
	else
		ld_parse_error(&ld, lc);
	config_destroy(lc);
	if (ld.errs->n || ld.errs->dropped) {
		ld_sort_errors(ld.errs);
		config_free(cfg);
		*out = NULL;
		return -1;
	}
	util_strlcpy(cfg->source, name, sizeof(cfg->source));
	cfg->embedded = embedded;
	*out = cfg;
	return 0;
}

static int config_load_text(const char *text, const char *name, int embedded,
			    const char *state_dir, struct sslvpnd_config **out,
			    struct cfg_errors *errs)
{
	config_t lc;

	*out = NULL;
	if (errs)
		memset(errs, 0, sizeof(*errs));
	if (includes_check(text, name, NULL, 0, errs))
		return -1;
	config_init(&lc);
	return config_from_tree(&lc, config_read_string(&lc, text) == CONFIG_TRUE,
				name, embedded, state_dir, out, errs);
}

int config_load_string(const char *text, const char *name, const char *state_dir,
		       struct sslvpnd_config **out, struct cfg_errors *errs)
{
	return config_load_text(text, name ? name : "<string>", 0, state_dir,
				out, errs);
}

static void config_file_error(const char *path, const char *why,
			      struct cfg_errors *errs)
{
	if (!errs)
		return;
	memset(errs, 0, sizeof(*errs));
	errs->n = 1;
	util_strlcpy(errs->e[0].file, path, sizeof(errs->e[0].file));
	util_strlcpy(errs->e[0].msg, why, sizeof(errs->e[0].msg));
}

/* The whole file as one string.  Read here rather than by libconfig: its
 * scanner exit()s on a read error (a directory, say), and we want a
 * message instead.  NULL with *why set on failure. */
static char *config_slurp(const char *path, const char **why)
{
	FILE *fp = fopen(path, "r");
	size_t len = 0, cap = 0, got = 1;
	char *text = NULL, *p;

	if (!fp) {
		*why = strerror(errno);
		return NULL;
	}
	while (got > 0) {
		if (cap - len < 4096 + 1) {
			cap = cap ? 2 * cap : 8192;
			p = cap <= CONFIG_FILE_MAX ? realloc(text, cap) : NULL;
			if (!p) {
				*why = "file too large";
				goto fail;
			}
			text = p;
		}
		got = fread(text + len, 1, 4096, fp);
		len += got;
	}
	if (ferror(fp)) {
		*why = strerror(errno);
		goto fail;
	}
	fclose(fp);
	text[len] = '\0';
	if (strlen(text) != len) {
		*why = "contains a NUL byte";
		free(text);
		return NULL;
	}
	return text;
fail:
	fclose(fp);
	free(text);
	return NULL;
}

/* libconfig 1.5's scanner exit()s the whole process when an @include names
 * something it cannot read as a file ("input in flex scanner failed": a
 * directory, say), which would take main down on a reload.  So every
 * @include it would open (at the start of a line, outside comments and
 * strings; nested ones too, as deep as libconfig goes) is checked first,
 * and one that exists but is not a regular file is an error at its line.
 * A missing file is left to libconfig, which reports it. */
enum { INCLUDE_DEPTH_MAX = 10 };

static void include_error(struct cfg_errors *errs, const char *file, int line,
			  const char *name, const char *why)
{
	if (!errs || errs->n >= CFG_MAX_ERRORS)
		return;
	struct cfg_error *e = &errs->e[errs->n++];

	util_strlcpy(e->file, file, sizeof(e->file));
	e->line = line;
	snprintf(e->msg, sizeof(e->msg), "@include \"%.150s\": %s", name, why);
}

/* The file an @include at p names (after the opening quote); 0, or -1
 * when the name does not end on its line or is too long. */
static int include_name(const char *p, const char *dir, char *name, size_t nlen,
			char *path, size_t plen)
{
	size_t n = strcspn(p, "\"\n");

	if (p[n] != '"' || n >= nlen)
		return -1;
	memcpy(name, p, n);
	name[n] = 0;
	if (name[0] == '/' || !dir)
		return snprintf(path, plen, "%s", name) < (int)plen ? 0 : -1;
	return snprintf(path, plen, "%s/%s", dir, name) < (int)plen ? 0 : -1;
}

static int include_one(const char *p, const char *file, int line, const char *dir,
		       int depth, struct cfg_errors *errs)
{
	char name[CFG_PATH_MAX], path[2 * CFG_PATH_MAX];
	const char *why = NULL;
	struct stat st;
	char *text;
	int bad;

	if (include_name(p, dir, name, sizeof(name), path, sizeof(path)) ||
	    stat(path, &st))
		return 0;
	if (!S_ISREG(st.st_mode)) {
		include_error(errs, file, line, name, "not a regular file");
		return -1;
	}
	if (depth + 1 >= INCLUDE_DEPTH_MAX || !(text = config_slurp(path, &why)))
		return 0; /* libconfig says what is wrong */
	bad = includes_check(text, path, dir, depth + 1, errs);
	free(text);
	return bad;
}

static int includes_check(const char *text, const char *file, const char *dir,
			  int depth, struct cfg_errors *errs)
{
	const char *p = text;
	int line = 1, bad = 0, bol = 1;

	while (*p) {
		if (bol) {
			const char *q = p + strspn(p, " \t");

			if (!strncmp(q, "@include", 8) && (q[8] == ' ' || q[8] == '\t')) {
				q += 8 + strspn(q + 8, " \t");
				if (*q == '"')
					bad |= include_one(q + 1, file, line, dir, depth, errs);
			}
			bol = 0;
		}
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			p += *p ? 1 : 0;
		} else {
			if (*p == '\n') {
				line++;
				bol = 1;
			}
			p++;
		}
	}
	return bad;
}

/* @include "x" is relative to the including file, not to our cwd. */
static void config_include_dir(config_t *lc, const char *path, char *dir,
			       size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash || (size_t)(slash - path) >= len)
		return;
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	config_set_include_dir(lc, slash == path ? "/" : dir);
}

int config_load(const char *path, const char *state_dir,
		struct sslvpnd_config **out, struct cfg_errors *errs)
{
	char dir[CFG_PATH_MAX], why[128];
	const char *reason = NULL;
	config_t lc;
	char *text;
	int ok;

	if (!path)
		return config_load_text(config_embedded_default, CFG_EMBEDDED_NAME,
					1, state_dir, out, errs);
	*out = NULL;
	text = config_slurp(path, &reason);
	if (!text) {
		snprintf(why, sizeof(why), "cannot read: %s", reason);
		config_file_error(path, why, errs);
		return -1;
	}
	config_init(&lc);
	config_include_dir(&lc, path, dir, sizeof(dir));
	if (errs)
		memset(errs, 0, sizeof(*errs));
	if (includes_check(text, path, config_get_include_dir(&lc), 0, errs)) {
		free(text);
		config_destroy(&lc);
		if (errs && errs->n > 1)
			ld_sort_errors(errs);
		return -1;
	}
	ok = config_read_string(&lc, text) == CONFIG_TRUE;
	free(text);
	return config_from_tree(&lc, ok, path, 0, state_dir, out, errs);
}

/* ---- lookups: every list object starts with its name (config.h) */
_Static_assert(offsetof(struct cfg_interface, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_trustpoint, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_pool, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_pool6, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_group_policy, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_tunnel_group, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_user, name) == 0, "name first");
_Static_assert(sizeof(((struct cfg_user *)0)->password) == PASSWD_HASH_MAX,
	       "a user's password field holds the longest accepted hash");

static const void *config_find(const void *arr, size_t n, size_t size,
			       const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (strcmp((const char *)arr + i * size, name) == 0)
			return (const char *)arr + i * size;
	return NULL;
}

const struct cfg_tunnel_group *config_tunnel_group(const struct sslvpnd_config *cfg,
						   const char *name)
{
	return cfg ? config_find(cfg->tunnel_groups, cfg->n_tunnel_groups,
				 sizeof(*cfg->tunnel_groups), name) : NULL;
}

const struct cfg_group_policy *config_group_policy(const struct sslvpnd_config *cfg,
						   const char *name)
{
	return cfg ? config_find(cfg->policies, cfg->n_policies,
				 sizeof(*cfg->policies), name) : NULL;
}

const struct cfg_pool *config_pool(const struct sslvpnd_config *cfg,
				   const char *name)
{
	return cfg ? config_find(cfg->pools, cfg->n_pools, sizeof(*cfg->pools),
				 name) : NULL;
}

const struct cfg_pool6 *config_pool6(const struct sslvpnd_config *cfg,
				     const char *name)
{
	return cfg ? config_find(cfg->pools6, cfg->n_pools6, sizeof(*cfg->pools6),
				 name) : NULL;
}

const struct cfg_trustpoint *config_trustpoint(const struct sslvpnd_config *cfg,
					       const char *name)
{
	return cfg ? config_find(cfg->trustpoints, cfg->n_trustpoints,
				 sizeof(*cfg->trustpoints), name) : NULL;
}

const struct cfg_interface *config_interface(const struct sslvpnd_config *cfg,
					     const char *name)
{
	return cfg ? config_find(cfg->interfaces, cfg->n_interfaces,
				 sizeof(*cfg->interfaces), name) : NULL;
}

const struct cfg_acl *config_acl(const struct sslvpnd_config *cfg, const char *name)
{
	return config_find(cfg->acls, cfg->n_acls, sizeof(*cfg->acls), name);
}

const struct cfg_time_range *config_time_range(const struct sslvpnd_config *cfg,
					       const char *name)
{
	return config_find(cfg->time_ranges, cfg->n_time_ranges, sizeof(*cfg->time_ranges),
			   name);
}

_Static_assert(offsetof(struct cfg_ldap_map, name) == 0, "name first");

const struct cfg_ldap_map *config_ldap_map(const struct sslvpnd_config *cfg,
					   const char *name)
{
	return cfg ? config_find(cfg->ldap_maps, cfg->n_ldap_maps, sizeof(*cfg->ldap_maps),
				 name) : NULL;
}

_Static_assert(offsetof(struct cfg_dap, name) == 0, "name first");

const struct cfg_ac_profile *config_ac_profile(const struct sslvpnd_config *cfg,
					       const char *name)
{
	return cfg ? config_find(cfg->ac_profiles, cfg->n_ac_profiles,
				 sizeof(*cfg->ac_profiles), name) : NULL;
}

const struct cfg_ac_cdata *config_ac_cdata(const struct sslvpnd_config *cfg,
					   const char *type, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_ac_cdata; i++)
		if (!strcmp(cfg->ac_cdata[i].type, type) && !strcmp(cfg->ac_cdata[i].name, name))
			return &cfg->ac_cdata[i];
	return NULL;
}

const struct cfg_dap *config_dap(const struct sslvpnd_config *cfg, const char *name)
{
	return cfg ? config_find(cfg->daps, cfg->n_daps, sizeof(*cfg->daps), name) : NULL;
}

const struct cfg_aaa_server *config_aaa_server(const struct sslvpnd_config *cfg,
					      const char *name)
{
	return cfg && name && *name ? config_find(cfg->aaa_servers, cfg->n_aaa_servers,
						  sizeof(*cfg->aaa_servers), name) : NULL;
}

int config_aaa_group(const char *text, char *name, size_t len, int *local)
{
	const char *sp = strchr(text, ' ');
	size_t n = sp ? (size_t)(sp - text) : strlen(text);

	*local = sp != NULL;
	if (!n || n >= len || n >= CFG_NAME_MAX || (sp && strcmp(sp, " LOCAL") != 0))
		return -1;
	memcpy(name, text, n);
	name[n] = '\0';
	return 0;
}

const struct cfg_user *config_user(const struct sslvpnd_config *cfg,
				   const char *name)
{
	return cfg ? config_find(cfg->users, cfg->n_users, sizeof(*cfg->users),
				 name) : NULL;
}

/* ---- teardown and reporting */
static void config_free_policy(struct cfg_group_policy *gp)
{
	struct gp_value *v;
	size_t i;

	for (v = gp->attr; v < gp->attr + GPA__COUNT; v++) {
		free(v->str);
		for (i = 0; i < v->n_list; i++)
			free(v->list[i]);
		free(v->list);
	}
}

void config_free(struct sslvpnd_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_policies; i++)
		config_free_policy(&cfg->policies[i]);
	free(cfg->policies);
	free(cfg->tunnel_groups);
	free(cfg->pools);
	free(cfg->pools6);
	free(cfg->trustpoints);
	free(cfg->interfaces);
	free(cfg->users);
	free(cfg->acls);
	free(cfg->certmaps);
	free(cfg->time_ranges);
	free(cfg->ldap_maps);
	free(cfg->log_hosts);
	free(cfg->log_messages);
	free(cfg->daps);
	for (i = 0; i < cfg->n_aaa_servers; i++) {
		explicit_bzero(cfg->aaa_servers[i].hosts,
			       cfg->aaa_servers[i].n_hosts * sizeof(struct cfg_aaa_host));
		free(cfg->aaa_servers[i].hosts);
	}
	free(cfg->aaa_servers);
	for (i = 0; i < cfg->n_ac_profiles; i++)
		free(cfg->ac_profiles[i].data);
	free(cfg->ac_profiles);
	free(cfg->ac_cattrs);
	free(cfg->ac_cdata);
	free(cfg->notices);
	free(cfg);
}

void config_notices_print(FILE *fp, const struct sslvpnd_config *cfg)
{
	const struct cfg_errors *e = cfg->notices;

	for (size_t i = 0; e && i < e->n; i++)
		fprintf(fp, "%s:%d: notice: %s\n", e->e[i].file, e->e[i].line, e->e[i].msg);
}

void config_errors_print(FILE *fp, const struct cfg_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		if (errs->e[i].line > 0)
			fprintf(fp, "%s:%d: %s\n", errs->e[i].file,
				errs->e[i].line, errs->e[i].msg);
		else
			fprintf(fp, "%s: %s\n", errs->e[i].file, errs->e[i].msg);
	}
	if (errs->dropped)
		fprintf(fp, "%s: %zu more errors not shown\n",
			errs->n ? errs->e[0].file : "config", errs->dropped);
}
