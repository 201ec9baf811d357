/* The objects sslvpn-asa-import builds, and their libconfig text.  A
 * section is one list (or group) of sslvpnd.conf; objects keep the order in
 * which the input first named them, keys the order in which they were set. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asaimport.h"

static const char *const sev_word[] = {
	[AI_NOTE] = "note", [AI_DEFAULT] = "default dropped", [AI_IGNORED] = "ignored",
	[AI_NA] = "not applicable", [AI_WARN] = "warning", [AI_ERROR] = "ERROR",
};

/* Written in this order; a group is one { } (ssl.cipher lives inside ssl). */
static const struct ai_sect_info {
	const char *key;
	int group;        /* 1: a { } group, not a ( ) list */
	int named;        /* list elements carry name = "..." */
} sect_info[S__COUNT] = {
	[S_AAA] = { "aaa_servers", 0, 1 },
	[S_LDAPMAP] = { "ldap_attribute_maps", 0, 1 },
	[S_IFACE] = { "interfaces", 0, 1 },
	[S_TP] = { "trustpoints", 0, 1 },
	[S_SSL] = { "ssl", 1, 0 },
	[S_POOL] = { "ip_local_pools", 0, 1 },
	[S_POOL6] = { "ipv6_local_pools", 0, 1 },
	[S_ACL] = { "access_lists", 0, 1 },
	[S_TR] = { "time_ranges", 0, 1 },
	[S_GP] = { "group_policies", 0, 1 },
	[S_TG] = { "tunnel_groups", 0, 1 },
	[S_CMAP] = { "certificate_maps", 0, 1 },
	[S_WEBVPN] = { "webvpn", 1, 0 },
	[S_LB] = { "load_balancing", 1, 0 },
	[S_ACPROF] = { "anyconnect_profiles", 0, 1 },
	[S_ACATTR] = { "anyconnect_custom_attrs", 0, 0 },
	[S_ACDATA] = { "anyconnect_custom_data", 0, 0 },
	[S_USER] = { "users", 0, 1 },
	[S_DAP] = { "dynamic_access_policy_records", 0, 1 },
};

static const enum ai_sect write_order[] = {
	S_AAA, S_LDAPMAP, S_IFACE, S_TP, S_SSL, S_POOL, S_POOL6, S_ACL, S_TR, S_GP, S_TG,
	S_CMAP, S_WEBVPN, S_LB, S_ACPROF, S_ACATTR, S_ACDATA, S_USER, S_DAP,
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fputs("sslvpn-asa-import: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

void ai_report(struct ai_model *m, int line, enum ai_sev sev, const char *fmt, ...)
{
	va_list ap;

	m->count[sev]++;
	if (!m->report)
		return;
	if (line > 0)
		fprintf(m->report, "line %d: ", line);
	fprintf(m->report, "%s: ", sev_word[sev]);
	va_start(ap, fmt);
	vfprintf(m->report, fmt, ap);
	va_end(ap);
	fputc('\n', m->report);
}

struct ai_obj *ai_find(struct ai_model *m, enum ai_sect s, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->o[i]->sect == s && m->o[i]->name && name && !strcmp(m->o[i]->name, name))
			return m->o[i];
	return NULL;
}

struct ai_obj *ai_new(struct ai_model *m, enum ai_sect s, const char *name, int line)
{
	struct ai_obj *o = xrealloc(NULL, sizeof(*o));

	memset(o, 0, sizeof(*o));
	o->sect = s;
	o->name = name ? xstrdup(name) : NULL;
	o->line = line;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 32;
		m->o = xrealloc(m->o, m->cap * sizeof(*m->o));
	}
	m->o[m->n++] = o;
	return o;
}

/* The object of that section and name, made on first mention. */
struct ai_obj *ai_get(struct ai_model *m, enum ai_sect s, const char *name, int line)
{
	struct ai_obj *o = ai_find(m, s, name);

	return o ? o : ai_new(m, s, name, line);
}

struct ai_kv *ai_kv_find(struct ai_obj *o, const char *key)
{
	for (size_t i = 0; i < o->nkv; i++)
		if (!strcmp(o->kv[i].key, key))
			return &o->kv[i];
	return NULL;
}

static struct ai_kv *kv_get(struct ai_obj *o, const char *key, enum ai_kind kind)
{
	struct ai_kv *kv = ai_kv_find(o, key);

	if (!kv) {
		o->kv = xrealloc(o->kv, (o->nkv + 1) * sizeof(*o->kv));
		kv = &o->kv[o->nkv++];
		memset(kv, 0, sizeof(*kv));
		kv->key = xstrdup(key);
	}
	kv->kind = kind;
	return kv;
}

static void kv_clear(struct ai_kv *kv)
{
	for (size_t i = 0; i < kv->n; i++)
		free(kv->v[i]);
	free(kv->v);
	kv->v = NULL;
	kv->n = 0;
}

static void kv_push(struct ai_kv *kv, const char *v)
{
	kv->v = xrealloc(kv->v, (kv->n + 1) * sizeof(*kv->v));
	kv->v[kv->n++] = xstrdup(v);
}

/* A single value (K_STR quoted, K_RAW as is), replacing any earlier one:
 * the ASA keeps the last of a repeated command too. */
void ai_set(struct ai_obj *o, const char *key, enum ai_kind kind, const char *v)
{
	struct ai_kv *kv = kv_get(o, key, kind);

	kv_clear(kv);
	kv_push(kv, v);
}

/* One more string of a list; a list that held "none" starts again.  A
 * string already there is not added twice: the ASA keeps one of a repeated
 * command too (pasted configurations often repeat a block). */
void ai_add(struct ai_obj *o, const char *key, const char *v)
{
	struct ai_kv *kv = ai_kv_find(o, key);

	for (size_t i = 0; kv && kv->kind == K_LIST && i < kv->n; i++)
		if (!strcmp(kv->v[i], v))
			return;

	if (kv && (kv->kind != K_LIST || (kv->n == 1 && !strcmp(kv->v[0], "none"))))
		kv_clear(kv);
	kv = kv_get(o, key, K_LIST);
	if (!strcmp(v, "none"))
		kv_clear(kv);
	kv_push(kv, v);
}

void ai_unset(struct ai_obj *o, const char *key)
{
	struct ai_kv *kv = ai_kv_find(o, key);

	if (!kv)
		return;
	kv_clear(kv);
	free(kv->key);
	memmove(kv, kv + 1, (size_t)(o->kv + o->nkv - (kv + 1)) * sizeof(*kv));
	o->nkv--;
}

/* A libconfig string: quotes, backslashes and control bytes escaped. */
static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void put_kv(FILE *out, const struct ai_kv *kv, const char *ind)
{
	if (kv->kind == K_NOTE) {
		fprintf(out, "%s# %s\n", ind, kv->n ? kv->v[0] : "");
		return;
	}
	fprintf(out, "%s%s = ", ind, kv->key);
	if (kv->kind == K_RAW) {
		fputs(kv->n ? kv->v[0] : "0", out);
	} else if (kv->kind == K_STR) {
		put_str(out, kv->n ? kv->v[0] : "");
	} else if (kv->n == 1 && !strcmp(kv->v[0], "none")) {
		put_str(out, "none");
	} else {
		fputs("[ ", out);
		for (size_t i = 0; i < kv->n; i++) {
			if (i)
				fputs(", ", out);
			put_str(out, kv->v[i]);
		}
		fputs(" ]", out);
	}
	fputs(";\n", out);
}

static void put_obj_body(struct ai_model *m, FILE *out, const struct ai_obj *o, const char *ind);

/* The hosts of an aaa server are a list inside it. */
static void put_children(struct ai_model *m, FILE *out, const struct ai_obj *o, const char *ind)
{
	int n = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->o[i]->parent != o || m->o[i]->hidden)
			continue;
		if (n++)
			fprintf(out, ",\n%s  {\n", ind);
		else
			fprintf(out, "%shosts = (\n%s  {\n", ind, ind);
		put_obj_body(m, out, m->o[i], ind);
		fprintf(out, "%s  }", ind);
	}
	if (n)
		fprintf(out, "\n%s);\n", ind);
}

static void put_obj_body(struct ai_model *m, FILE *out, const struct ai_obj *o, const char *ind)
{
	char sub[32];

	snprintf(sub, sizeof(sub), "%s    ", ind);
	if (o->name && sect_info[o->sect].named) {
		fprintf(out, "%sname = ", sub);
		put_str(out, o->name);
		fputs(";\n", out);
	}
	for (size_t i = 0; i < o->nkv; i++)
		put_kv(out, &o->kv[i], sub);
	if (o->sect == S_AAA)
		put_children(m, out, o, sub);
}

static void put_hidden(FILE *out, const struct ai_obj *o)
{
	fprintf(out, "\n  # %s \"%s\" (input line %d) is left out: %s\n",
		sect_info[o->sect].key, o->name ? o->name : "", o->line,
		o->note ? o->note : "see the report");
}

static void put_group(struct ai_model *m, FILE *out, enum ai_sect s)
{
	struct ai_obj *g = NULL, *c = NULL;

	for (size_t i = 0; i < m->n; i++) {
		if (m->o[i]->sect == s)
			g = m->o[i];
		if (s == S_SSL && m->o[i]->sect == S_CIPHER)
			c = m->o[i];
	}
	if (!(g && g->nkv) && !(c && c->nkv))
		return;
	fprintf(out, "%s = {\n", sect_info[s].key);
	for (size_t i = 0; g && i < g->nkv; i++)
		put_kv(out, &g->kv[i], "  ");
	if (c && c->nkv) {
		fputs("  cipher = {\n", out);
		for (size_t i = 0; i < c->nkv; i++)
			put_kv(out, &c->kv[i], "    ");
		fputs("  };\n", out);
	}
	fputs("};\n\n", out);
}

static void put_list(struct ai_model *m, FILE *out, enum ai_sect s)
{
	int n = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct ai_obj *o = m->o[i];

		if (o->sect != s)
			continue;
		if (o->hidden) {
			put_hidden(out, o);
			continue;
		}
		if (n++)
			fputs(",\n  {\n", out);
		else
			fprintf(out, "%s = (\n  {\n", sect_info[s].key);
		put_obj_body(m, out, o, "");
		fputs("  }", out);
	}
	if (n)
		fputs("\n);\n\n", out);
}

int ai_write(struct ai_model *m, FILE *out, const char *source)
{
	fprintf(out, "# sslvpnd.conf written by sslvpn-asa-import from %s.\n"
		"# Check it with `sslvpnd -t -c FILE`; the importer's report lists every\n"
		"# input line it did not carry over.\n\n", source ? source : "standard input");
	for (size_t i = 0; i < sizeof(write_order) / sizeof(write_order[0]); i++) {
		if (sect_info[write_order[i]].group)
			put_group(m, out, write_order[i]);
		else
			put_list(m, out, write_order[i]);
	}
	return fflush(out) || ferror(out) ? -1 : 0;
}

void ai_free(struct ai_model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct ai_obj *o = m->o[i];

		for (size_t k = 0; k < o->nkv; k++) {
			kv_clear(&o->kv[k]);
			free(o->kv[k].key);
		}
		free(o->kv);
		free(o->name);
		free(o->note);
		free(o);
	}
	free(m->o);
	m->o = NULL;
	m->n = m->cap = 0;
}
