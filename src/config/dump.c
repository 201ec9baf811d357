/* config_dump: the effective configuration in the file's own syntax
 * (sslvpnd -T).
 *
 * Every key of schema.def is printed with its effective value, defaults
 * included, so the output answers "what is sslvpnd really using".  Keys
 * without a value (an optional path, an empty list) are left out because
 * there is nothing to print that would load back to the same thing.  Group
 * policies print only what is set: inheritance is src/policy's business
 * and an unset attribute must stay unset when the dump is loaded again.
 */
#include <stdio.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/util.h"
#include "schema.h"

struct dump {
	FILE *fp;
	int depth;
};

static void dump_indent(const struct dump *d)
{
	int i;

	for (i = 0; i < d->depth; i++)
		fputs("  ", d->fp);
}

/* libconfig string syntax: backslash escapes for \ " and control bytes. */
static void dump_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void dump_lead(const struct dump *d, const char *key)
{
	dump_indent(d);
	fprintf(d->fp, "%s = ", key);
}

static void dump_strings(FILE *fp, const char *const *v, size_t n)
{
	size_t i;

	fputs("[ ", fp);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		dump_quoted(fp, v[i]);
	}
	fputs(" ]", fp);
}

/* ---- one printer per schema type; each prints nothing when unset */
typedef void (*dump_fn)(const struct dump *d, const struct schema_key *k,
			const void *base);

static void dump_int(const struct dump *d, const struct schema_key *k,
		     const void *base)
{
	const void *f = schema_cfield(base, k);
	long long v = k->size == sizeof(uint16_t) ? *(const uint16_t *)f
						   : *(const int *)f;

	/* out of range means "no value" (e.g. key-size of a CA trustpoint) */
	if (v < k->min || v > k->max)
		return;
	dump_lead(d, k->key);
	fprintf(d->fp, "%lld;\n", v);
}

static void dump_bool(const struct dump *d, const struct schema_key *k,
		      const void *base)
{
	int v = *(const int *)schema_cfield(base, k);

	if (v < 0)
		return; /* "no value" (e.g. accept-sha1 of an identity trustpoint) */
	dump_lead(d, k->key);
	fprintf(d->fp, "%s;\n", v ? "true" : "false");
}

static void dump_text(const struct dump *d, const struct schema_key *k,
		      const char *v)
{
	if (!v || !*v)
		return;
	dump_lead(d, k->key);
	dump_quoted(d->fp, v);
	fputs(";\n", d->fp);
}

static void dump_str(const struct dump *d, const struct schema_key *k,
		     const void *base)
{
	const char *v = schema_cfield(base, k);

	/* a secret is never printed (and main no longer has it anyway) */
	dump_text(d, k, (k->flags & SF_SECRET) && *v ? "*****" : v);
}

static void dump_enum(const struct dump *d, const struct schema_key *k,
		      const void *base)
{
	dump_text(d, k, schema_enum_name(k->map, *(const int *)schema_cfield(base, k)));
}

static void dump_const(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	dump_text(d, k, k->dflt);
}

static void dump_mask(const struct dump *d, const struct schema_key *k,
		      const void *base)
{
	uint32_t m = *(const uint32_t *)schema_cfield(base, k);
	char buf[16];

	if (!m)
		return;
	schema_ipv4_str(m, buf);
	dump_text(d, k, buf);
}

static void dump_range(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	const struct cfg_pool *p = base;
	char a[16], b[16], buf[40];

	if (!p->last)
		return;
	schema_ipv4_str(p->first, a);
	schema_ipv4_str(p->last, b);
	snprintf(buf, sizeof(buf), "%s-%s", a, b);
	dump_text(d, k, buf);
}

/* n strings of stride bytes from first, as one list value. */
static void dump_rows(const struct dump *d, const struct schema_key *k,
		      const char *first, size_t stride, size_t n)
{
	const char *v[CFG_LIST_MAX];
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		v[i] = first + i * stride;
	dump_lead(d, k->key);
	dump_strings(d->fp, v, n);
	fputs(";\n", d->fp);
}

static void dump_names(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	const struct cfg_name_list *l = schema_cfield(base, k);

	dump_rows(d, k, l->v[0], sizeof(l->v[0]), l->n);
}

static void dump_texts(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	const struct cfg_text_list *l = schema_cfield(base, k);

	dump_rows(d, k, l->v[0], sizeof(l->v[0]), l->n);
}

/* A disabled group-url keeps its ASA spelling "URL disable". */
static void dump_url_list(const struct dump *d, const struct schema_key *k,
			  const struct cfg_group_url *v, size_t n)
{
	size_t i;

	if (!n)
		return;
	dump_lead(d, k->key);
	fputs("[ ", d->fp);
	for (i = 0; i < n; i++) {
		char buf[CFG_URL_MAX + 16];

		snprintf(buf, sizeof(buf), "%s%s", v[i].url, v[i].enabled ? "" : " disable");
		fputs(i ? ", " : "", d->fp);
		dump_quoted(d->fp, buf);
	}
	fputs(" ];\n", d->fp);
}

static void dump_urls(const struct dump *d, const struct schema_key *k,
		      const void *base)
{
	const struct cfg_tunnel_group *tg = base;

	dump_url_list(d, k, tg->urls, tg->n_urls);
}

static void dump_peers(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	const struct cfg_load_balancing *lb = &((const struct sslvpnd_config *)base)->load_balancing;

	dump_url_list(d, k, lb->peers, lb->n_peers);
}

/* Access-list entries in canonical ASA form (acl_format_entry), one per
 * line so that diffs of -T output read like diffs of show access-list. */
static void dump_aces(const struct dump *d, const struct schema_key *k,
		      const void *base)
{
	const struct cfg_acl *acl = base;
	char buf[ACL_TEXT_MAX];
	size_t i;

	if (!acl->n)
		return;
	dump_lead(d, k->key);
	fputs("[\n", d->fp);
	for (i = 0; i < acl->n; i++) {
		if (acl_format_entry(acl->type, &acl->e[i], buf, sizeof(buf)) < 0)
			util_strlcpy(buf, "remark (entry too long to print)", sizeof(buf));
		dump_indent(d);
		fputs("  ", d->fp);
		dump_quoted(d->fp, buf);
		fputs(i + 1 < acl->n ? ",\n" : "\n", d->fp);
	}
	dump_indent(d);
	fputs("];\n", d->fp);
}

static void dump_cmrules(const struct dump *d, const struct schema_key *k,
			 const void *base)
{
	const struct cfg_certmap *m = base;
	char buf[CERTMAP_TEXT_MAX];
	size_t i;

	if (!m->n)
		return;
	dump_lead(d, k->key);
	fputs("[ ", d->fp);
	for (i = 0; i < m->n; i++) {
		if (certmap_format_rule(&m->r[i], buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		fputs(i ? ", " : "", d->fp);
		dump_quoted(d->fp, buf);
	}
	fputs(" ];\n", d->fp);
}

static void dump_ldaprows(const struct dump *d, const struct schema_key *k,
			  const void *base)
{
	const struct cfg_ldap_map *m = base;
	int names = k->type == ST_LDMNAMES;
	size_t i, n = names ? m->n_names : m->n_values;
	char buf[LDAPMAP_TEXT_MAX];

	if (!n)
		return;
	dump_lead(d, k->key);
	fputs("[ ", d->fp);
	for (i = 0; i < n; i++) {
		if ((names ? ldapmap_format_name(&m->names[i], buf, sizeof(buf))
			   : ldapmap_format_value(&m->values[i], buf, sizeof(buf))) < 0)
			buf[0] = '\0';
		fputs(i ? ", " : "", d->fp);
		dump_quoted(d->fp, buf);
	}
	fputs(" ];\n", d->fp);
}

static void dump_periodic(const struct dump *d, const struct schema_key *k,
			  const void *base)
{
	const struct cfg_time_range *t = base;
	char buf[128];
	size_t i;

	if (!t->n_periodic)
		return;
	dump_lead(d, k->key);
	fputs("[ ", d->fp);
	for (i = 0; i < t->n_periodic; i++) {
		if (timerange_format_periodic(&t->periodic[i], buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		fputs(i ? ", " : "", d->fp);
		dump_quoted(d->fp, buf);
	}
	fputs(" ];\n", d->fp);
}

static void dump_abstime(const struct dump *d, const struct schema_key *k,
			 const void *base)
{
	int64_t key;
	char buf[64];

	memcpy(&key, schema_cfield(base, k), sizeof(key));
	if (key && timerange_format_absolute(key, buf, sizeof(buf)) >= 0)
		dump_text(d, k, buf);
}

static void dump_dapcrit(const struct dump *d, const struct schema_key *k,
			 const void *base)
{
	const struct dap_criteria *c = schema_cfield(base, k);
	char buf[DAP_TEXT_MAX];
	size_t i;

	if (!c->n)
		return;
	dump_lead(d, k->key);
	fputs("[ ", d->fp);
	for (i = 0; i < c->n; i++) {
		if (dap_format_criterion(&c->c[i], buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		fputs(i ? ", " : "", d->fp);
		dump_quoted(d->fp, buf);
	}
	fputs(" ];\n", d->fp);
}

static void dump_group(const struct dump *d, const struct schema_key *k,
		       const void *base);
static void dump_glist(const struct dump *d, const struct schema_key *k,
		       const void *base);

static const dump_fn dump_fns[ST__COUNT] = {
	[ST_INT] = dump_int,	 [ST_BOOL] = dump_bool,	  [ST_STR] = dump_str,
	[ST_NAME] = dump_str,	 [ST_PATH] = dump_str,	  [ST_ENUM] = dump_enum,
	[ST_CONST] = dump_const, [ST_ADDR] = dump_str,	  [ST_MASK] = dump_mask,
	[ST_RANGE] = dump_range, [ST_NAMES] = dump_names, [ST_URLS] = dump_urls,
	[ST_PEERS] = dump_peers,
	[ST_ALIASES] = dump_names, [ST_CIPHERS] = dump_str,
	[ST_PWHASH] = dump_str, /* the hash: the file never has a cleartext */
	[ST_ACES] = dump_aces,     [ST_CMRULES] = dump_cmrules,
	[ST_PERIODIC] = dump_periodic, [ST_ABSTIME] = dump_abstime,
	[ST_GROUP] = dump_group, [ST_GLIST] = dump_glist,
	[ST_DAPCRIT] = dump_dapcrit, [ST_TEXTS] = dump_texts,
	[ST_LDMNAMES] = dump_ldaprows, [ST_LDMVALUES] = dump_ldaprows,
};

static void dump_object(const struct dump *d, enum schema_obj obj,
			const void *base)
{
	const struct schema_key *k;

	schema_for_each(k, obj)
	{
		dump_fns[k->type](d, k, base);
	}
}

static void dump_group(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	struct dump in = { d->fp, d->depth + 1 };

	dump_lead(d, k->key);
	fputs("{\n", d->fp);
	dump_object(&in, k->sub, base);
	dump_indent(d);
	fputs("};\n", d->fp);
}

/* ---- group-policy attributes: only what is set */
static void dump_gp_value(FILE *fp, const struct gp_attr_info *a,
			  const struct gp_value *v)
{
	if (v->state == GP_NONE)
		dump_quoted(fp, "none");
	else if (a->type == GPT_INT)
		fprintf(fp, "%lld", v->num);
	else if (a->type == GPT_BOOL)
		fputs(v->num ? "true" : "false", fp);
	else if (a->type == GPT_LIST)
		dump_strings(fp, (const char *const *)v->list, v->n_list);
	else
		dump_quoted(fp, v->str);
}

static void dump_policy_attrs(const struct dump *d,
			      const struct cfg_group_policy *gp)
{
	int i;

	for (i = 0; i < GPA__COUNT; i++) {
		if (gp->attr[i].state == GP_UNSET)
			continue;
		dump_lead(d, gp_attr_table[i].key);
		dump_gp_value(d->fp, &gp_attr_table[i], &gp->attr[i]);
		fputs(";\n", d->fp);
	}
}

/* The implicit DefaultWEBVPNGroup is shown as a comment: printed as an
 * object it would load back as a declared one (builtin = 0). */
static int dump_hidden(enum schema_obj obj, const void *elem)
{
	const struct cfg_tunnel_group *tg = elem;
	const struct cfg_dap *dap = elem;

	return (obj == SO_TUNNEL_GROUP && tg->builtin) || (obj == SO_DAP && dap->builtin);
}

static void dump_hidden_note(const struct dump *d, enum schema_obj obj,
			     const void *elem)
{
	const struct cfg_tunnel_group *tg = elem;

	dump_indent(d);
	if (obj == SO_DAP) {
		fprintf(d->fp, "# implicit: { name = \"%s\"; action = \"continue\"; }\n",
			DAP_DFLT_NAME);
		return;
	}
	fprintf(d->fp, "# implicit: { name = \"%s\"; authentication = \"aaa\"; "
		       "default-group-policy = \"%s\"; }\n",
		tg->name, tg->default_group_policy);
}

static void dump_element(const struct dump *d, enum schema_obj obj,
			 const void *elem, int first)
{
	struct dump in = { d->fp, d->depth + 1 };

	if (!first)
		fputs(",\n", d->fp);
	dump_indent(d);
	fputs("{\n", d->fp);
	dump_object(&in, obj, elem);
	if (obj == SO_GROUP_POLICY)
		dump_policy_attrs(&in, elem);
	dump_indent(d);
	fputs("}", d->fp);
}

static void dump_glist(const struct dump *d, const struct schema_key *k,
		       const void *base)
{
	struct dump in = { d->fp, d->depth + 1 };
	const char *arr;
	size_t n, i;
	int first = 1;

	memcpy(&arr, schema_cfield(base, k), sizeof(arr));
	memcpy(&n, (const char *)base + k->n_off, sizeof(n));
	for (i = 0; i < n; i++)
		if (dump_hidden(k->sub, arr + i * k->elem_size))
			dump_hidden_note(d, k->sub, arr + i * k->elem_size);
	dump_lead(d, k->key);
	fputs("(\n", d->fp);
	for (i = 0; i < n; i++) {
		if (dump_hidden(k->sub, arr + i * k->elem_size))
			continue;
		dump_element(&in, k->sub, arr + i * k->elem_size, first);
		first = 0;
	}
	fputs(first ? "" : "\n", d->fp);
	dump_indent(d);
	fputs(");\n", d->fp);
}

int config_dump(FILE *fp, const struct sslvpnd_config *cfg)
{
	struct dump d = { fp, 0 };

	fprintf(fp, "# sslvpnd effective configuration, loaded from %s\n",
		cfg->source);
	dump_object(&d, SO_ROOT, cfg);
	fflush(fp);
	return ferror(fp) ? -1 : 0;
}
