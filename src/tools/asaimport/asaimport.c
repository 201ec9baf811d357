/* sslvpn-asa-import: reading the ASA's CLI text.
 *
 * The input is what an administrator pastes: `show running-config` or
 * `show run all`, often copied from a web page that lost the indentation,
 * split a command over several lines, and left prompts, `--More--`,
 * `<#root>` and markdown fences in it.  Each line is cleaned, then handed to
 * the command table of the sub-mode it is in.  Indentation is used when the
 * input has it; otherwise a command unknown in the current sub-mode is tried
 * in the enclosing ones, as the ASA's own parser does when it leaves a
 * sub-mode.  Whatever is not carried over is reported with its line number:
 * "ignored" (no sslvpnd meaning), "not applicable" (IPsec, clientless),
 * "default dropped" (show run all values equal to ours), "warning", or an
 * ERROR when leaving it out would let through something the ASA refused.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/config.h"
#include "sslvpnd/passwd.h"
#include "asaimport.h"

enum {
	AI_LINE_MAX = 4096, AI_ARGS_MAX = 64, AI_TP_MAX = 64, AI_IF_MAX = 64,
	AI_PEM_MAX = 65536 * 2,
};

enum ai_mode {
	M_TOP, M_GP, M_GPWEB, M_WEBVPN, M_HSTS, M_CACHE, M_TGGEN, M_TGWEB, M_TGNA, M_TP,
	M_CHAIN, M_CERT, M_CMAP, M_USER, M_DAP, M_TR, M_AAA, M_AAAHOST, M_LDAPMAP, M_IFACE,
	M_LB, M__COUNT
};

static const enum ai_mode mode_parent[M__COUNT] = {
	[M_GPWEB] = M_GP, [M_HSTS] = M_WEBVPN, [M_CACHE] = M_WEBVPN, [M_CERT] = M_CHAIN,
};

static const char *const mode_name[M__COUNT] = {
	[M_TOP] = "configuration", [M_GP] = "group-policy attributes",
	[M_GPWEB] = "group-policy webvpn", [M_WEBVPN] = "webvpn", [M_HSTS] = "webvpn hsts",
	[M_CACHE] = "webvpn cache", [M_TGGEN] = "tunnel-group general-attributes",
	[M_TGWEB] = "tunnel-group webvpn-attributes", [M_TGNA] = "tunnel-group",
	[M_TP] = "crypto ca trustpoint", [M_CHAIN] = "crypto ca certificate chain",
	[M_CERT] = "certificate", [M_CMAP] = "crypto ca certificate map",
	[M_USER] = "username attributes", [M_DAP] = "dynamic-access-policy-record",
	[M_TR] = "time-range", [M_AAA] = "aaa-server", [M_AAAHOST] = "aaa-server host",
	[M_LDAPMAP] = "ldap attribute-map", [M_IFACE] = "interface",
	[M_LB] = "vpn load-balancing",
};

struct line {
	int no, indent, argc;
	char text[AI_LINE_MAX];      /* cleaned command text */
	char words[AI_LINE_MAX];     /* argv points here */
	char *argv[AI_ARGS_MAX + 8]; /* NULL after argc: handlers look ahead */
	size_t off[AI_ARGS_MAX + 1]; /* where word i starts in text */
};

struct tp_chain {
	char name[CFG_NAME_MAX];
	char *ca, *id;               /* PEM text collected */
	int line;
	int self;                    /* enrollment self seen */
	int enrolled;                /* an enrollment line seen */
};

struct asa_if {
	char nameif[CFG_NAME_MAX], addr[64];
	int line;
};

struct ssl_tp {
	char tp[CFG_NAME_MAX], ifname[CFG_NAME_MAX];
};

struct ai {
	struct ai_model m;
	const struct asaimport_opts *o;
	enum ai_mode mode;
	int hdr_indent[M__COUNT], indented[M__COUNT];
	struct ai_obj *cur, *web, *ssl, *cipher, *iface_obj;
	int gpweb_fresh;
	struct aihex hex;
	int hex_ca, hex_line;
	struct tp_chain tps[AI_TP_MAX];
	size_t n_tps;
	struct tp_chain *chain;
	struct asa_if ifs[AI_IF_MAX];
	size_t n_ifs;
	struct asa_if *cur_if;
	struct ssl_tp ssl_tps[AI_TP_MAX];
	size_t n_ssl_tps;
	int port, dtls_port;
	const struct cmd *row;       /* the table row being run */
};

typedef void (*ai_fn)(struct ai *ai, struct line *l, int w);

struct cmd {
	enum ai_mode mode;
	const char *words;   /* the command's leading words */
	int min_args;        /* arguments it needs after them */
	ai_fn fn;            /* NULL: reported with sev and why */
	enum ai_sev sev;
	const char *why;
	const char *key;     /* for the generic handlers */
	enum gp_type type;
};

/* ---------------------------------------------------------------- helpers */

static int is_word(const char *a, const char *b) { return a && !strcmp(a, b); }

static int all_digits(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The text from word i to the end of the line (quotes kept as typed). */
static const char *rest(const struct line *l, int i)
{
	return i < l->argc ? l->text + l->off[i] : "";
}

/* The words from i on, joined by one blank, quotes removed. */
static void join(const struct line *l, int i, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (; i < l->argc && n + 1 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", l->argv[i]);
}

/* The line for the report, secrets replaced: what follows key,
 * pre-shared-key, password and ldap-login-password. */
static void redacted(const struct line *l, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < l->argc && n + 1 < cap; i++) {
		const char *w = l->argv[i];
		int secret = i > 0 && (is_word(l->argv[i - 1], "key") ||
				       is_word(l->argv[i - 1], "pre-shared-key") ||
				       is_word(l->argv[i - 1], "password") ||
				       is_word(l->argv[i - 1], "ldap-login-password"));

		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "",
				      secret ? "<hidden>" : w);
	}
}

static void report_line(struct ai *ai, const struct line *l, enum ai_sev sev, const char *why)
{
	char buf[256];

	redacted(l, buf, sizeof(buf));
	ai_report(&ai->m, l->no, sev, "\"%s\": %s", buf, why);
}

static void malformed(struct ai *ai, const struct line *l, const char *what)
{
	report_line(ai, l, AI_WARN, what);
}

/* Splits text into words; "..." is one word without its quotes.  0, or -1
 * when there are too many words. */
static int tokenize(struct line *l)
{
	const char *p = l->text;
	char *q = l->words;

	l->argc = 0;
	memset(l->argv, 0, sizeof(l->argv));
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (l->argc == AI_ARGS_MAX)
			return -1;
		l->off[l->argc] = (size_t)(p - l->text);
		l->argv[l->argc++] = q;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				*q++ = *p;
			if (*p)
				p++;
		} else {
			while (*p && !isspace((unsigned char)*p))
				*q++ = *p++;
		}
		*q++ = 0;
	}
	l->off[l->argc] = strlen(l->text);
	return 0;
}

static struct ai_obj *singleton(struct ai *ai, enum ai_sect s, struct ai_obj **slot)
{
	if (!*slot)
		*slot = ai_new(&ai->m, s, NULL, 0);
	return *slot;
}

static void enter(struct ai *ai, const struct line *l, enum ai_mode m, struct ai_obj *cur)
{
	ai->mode = m;
	ai->cur = cur;
	ai->hdr_indent[m] = l->indent;
	ai->indented[m] = 0;
}

/* ------------------------------------------------------- pools and ACLs */

/* The mask the ASA uses when `ip local pool` gives none: the class of the
 * first address. */
static const char *classful_mask(const char *range)
{
	int a = atoi(range);

	return a < 128 ? "255.0.0.0" : a < 192 ? "255.255.0.0" : "255.255.255.0";
}

static void h_pool(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *p = ai_get(&ai->m, S_POOL, l->argv[w], l->no);

	ai_set(p, "range", K_STR, l->argv[w + 1]);
	if (is_word(l->argv[w + 2], "mask") && l->argc > w + 3) {
		ai_set(p, "mask", K_STR, l->argv[w + 3]);
	} else {
		ai_set(p, "mask", K_STR, classful_mask(l->argv[w + 1]));
		ai_report(&ai->m, l->no, AI_NOTE, "pool %s has no mask: %s, as the ASA takes it",
			  l->argv[w], classful_mask(l->argv[w + 1]));
	}
}

static void h_pool6(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *p;

	if (!all_digits(l->argv[w + 2]))
		return malformed(ai, l, "the address count is not a number");
	p = ai_get(&ai->m, S_POOL6, l->argv[w], l->no);
	ai_set(p, "prefix", K_STR, l->argv[w + 1]);
	ai_set(p, "count", K_RAW, l->argv[w + 2]);
}

/* Strips what our ACL syntax has no word for: `log ...` (logging only) is
 * dropped with a note; `inactive` drops the entry (the ASA does not apply
 * it); `time-range` cannot be honoured.  Returns 0 to keep the entry, 1 to
 * drop it quietly, -1 when it cannot be translated. */
static int acl_trim(struct ai *ai, const struct line *l, char *text, const char **why)
{
	char *p;

	if ((p = strstr(text, " inactive")) && !p[9]) {
		ai_report(&ai->m, l->no, AI_NOTE, "inactive ACE left out, as the ASA ignores it");
		return 1;
	}
	if ((p = strstr(text, " time-range "))) {
		*why = "time-range on an ACE cannot be translated";
		return -1;
	}
	if ((p = strstr(text, " log")) && (p[4] == 0 || p[4] == ' ')) {
		*p = 0;
		ai_report(&ai->m, l->no, AI_NOTE, "the ACE's log option is dropped (no per-ACE logging)");
	}
	return 0;
}

/* A deny we cannot translate would let its traffic through a vpn-filter;
 * a permit we cannot translate only blocks more. */
static void acl_bad(struct ai *ai, const struct line *l, enum acl_type t, const char *text,
		    const char *why)
{
	char msg[320];
	int deny = !strncmp(text, "deny", 4);

	snprintf(msg, sizeof(msg), "%s; %s", why,
		 t == ACL_STANDARD ? "the split-tunnel network is left out" :
		 deny ? "leaving this deny out would let its traffic through" :
			"the traffic it permits is dropped");
	report_line(ai, l, t == ACL_EXTENDED && deny ? AI_ERROR : AI_WARN, msg);
}

static void h_acl(struct ai *ai, struct line *l, int w)
{
	const char *name = l->argv[w], *kind;
	struct ai_obj *a;
	struct acl_entry e;
	const char *why = NULL;
	char text[AI_LINE_MAX];
	int t, i = w + 1;

	if (is_word(l->argv[i], "line") && all_digits(l->argv[i + 1]))
		i += 2;
	kind = l->argv[i];
	if (!kind)
		return malformed(ai, l, "access-list without a type");
	if (is_word(kind, "webtype") || is_word(kind, "ethertype"))
		return report_line(ai, l, AI_NA, "clientless / layer-2 access list");
	a = ai_get(&ai->m, S_ACL, name, l->no);
	if (is_word(kind, "remark")) {
		snprintf(text, sizeof(text), "remark %s", rest(l, i + 1));
		ai_add(a, "entries", text);
		return;
	}
	t = acl_type_parse(kind);
	if (t < 0)
		return malformed(ai, l, "access-list type is not standard, extended or remark");
	if (a->aux && a->aux != t + 1)
		return report_line(ai, l, AI_ERROR, "standard and extended entries in one list");
	if (!a->aux) {
		a->aux = t + 1;
		ai_set(a, "type", K_STR, kind);
	}
	snprintf(text, sizeof(text), "%s", rest(l, i + 1));
	switch (acl_trim(ai, l, text, &why)) {
	case 1:
		return;
	case -1:
		return acl_bad(ai, l, (enum acl_type)t, text, why);
	}
	if (acl_parse_entry((enum acl_type)t, text, &e, &why))
		return acl_bad(ai, l, (enum acl_type)t, text, why);
	ai_add(a, "entries", text);
}

/* -------------------------------------------------------- group policies */

/* Attributes owned by other parts of this session (names.md) that the
 * schema of this tree does not know yet: their types and defaults. */
static const struct gp_extra {
	const char *key;
	enum gp_type type;
	const char *dflt;
} gp_extra[] = {
	{ "anyconnect-custom", GPT_LIST, "none" },
	{ "anyconnect-profiles", GPT_LIST, "none" },
	{ "anyconnect-ssl-rekey-time", GPT_INT, "none" },
	{ "anyconnect-ssl-rekey-method", GPT_STR, "none" },
	{ "anyconnect-ssl-compression", GPT_STR, "none" },
	{ "anyconnect-dtls-compression", GPT_STR, "none" },
};

static const char *gp_default(const char *key)
{
	for (size_t i = 0; i < GPA__COUNT; i++)
		if (!strcmp(gp_attr_table[i].key, key))
			return gp_attr_table[i].dflt;
	for (size_t i = 0; i < sizeof(gp_extra) / sizeof(gp_extra[0]); i++)
		if (!strcmp(gp_extra[i].key, key))
			return gp_extra[i].dflt;
	return NULL;
}

/* show run all prints every attribute of DfltGrpPolicy; one equal to our
 * built-in default changes nothing (other policies inherit it either way). */
static int gp_default_dropped(struct ai *ai, const struct line *l, const char *key,
			      const char *norm)
{
	const char *d = gp_default(key);

	if (!ai->cur || !ai->cur->name || strcmp(ai->cur->name, "DfltGrpPolicy") || !d ||
	    strcmp(d, norm))
		return 0;
	report_line(ai, l, AI_DEFAULT, "equal to sslvpnd's built-in default");
	return 1;
}

/* ATTR [value] V... | ATTR none, typed by the attribute; `off` is the word
 * that means false for a boolean (disable, or none for anyconnect ssl dtls). */
static void gp_value(struct ai *ai, struct line *l, int w, const char *key, enum gp_type t,
		     const char *off)
{
	struct ai_obj *gp = ai->cur;
	char norm[AI_LINE_MAX];
	const char *v;

	if (w < l->argc && is_word(l->argv[w], "value"))
		w++;
	if (w >= l->argc)
		return malformed(ai, l, "no value");
	join(l, w, norm, sizeof(norm));
	v = l->argv[w];
	if ((t == GPT_BOOL || t == GPT_INT) && l->argc > w + 1)
		return malformed(ai, l, "one value expected");
	if (t == GPT_BOOL) {
		int on = is_word(v, "enable") || is_word(v, "true");

		if (!on && !is_word(v, off ? off : "disable") && !is_word(v, "false"))
			return malformed(ai, l, "expected enable or disable");
		snprintf(norm, sizeof(norm), "%s", on ? "true" : "false");
	} else if (t == GPT_INT && !is_word(v, "none") && !all_digits(v)) {
		return malformed(ai, l, "not a number");
	}
	if (gp_default_dropped(ai, l, key, norm))
		return;
	if (is_word(v, "none") && t != GPT_BOOL) {
		ai_set(gp, key, K_STR, "none");
	} else if (t == GPT_BOOL || t == GPT_INT) {
		ai_set(gp, key, K_RAW, norm);
	} else if (t == GPT_LIST) {
		ai_unset(gp, key);
		for (int i = w; i < l->argc; i++)
			ai_add(gp, key, l->argv[i]);
	} else {
		ai_set(gp, key, K_STR, norm);
	}
}

static const struct gp_attr_info *gp_attr(const char *key)
{
	for (size_t i = 0; i < GPA__COUNT; i++)
		if (!strcmp(gp_attr_table[i].key, key))
			return &gp_attr_table[i];
	return NULL;
}

/* Attributes spelled as in gpattrs.def. */
static void h_gpattr(struct ai *ai, struct line *l, int w)
{
	const struct gp_attr_info *a = gp_attr(l->argv[0]);

	(void)w;
	if (!a)
		return report_line(ai, l, AI_IGNORED, "not a group-policy attribute of sslvpnd");
	gp_value(ai, l, 1, a->key, a->type, NULL);
}

/* Rows whose ASA words differ from the key (table `key`, `type`). */
static void h_gpkey(struct ai *ai, struct line *l, int w)
{
	gp_value(ai, l, w, ai->row->key, ai->row->type, "none");
}

/* banner value LINE, repeated: one line each. */
static void h_banner(struct ai *ai, struct line *l, int w)
{
	struct ai_kv *kv = ai_kv_find(ai->cur, "banner");
	char text[AI_LINE_MAX];

	if (is_word(l->argv[w], "none")) {
		if (!gp_default_dropped(ai, l, "banner", "none"))
			ai_set(ai->cur, "banner", K_STR, "none");
		return;
	}
	if (!is_word(l->argv[w], "value"))
		return malformed(ai, l, "expected banner value TEXT or banner none");
	snprintf(text, sizeof(text), "%s%s%s",
		 kv && kv->n && strcmp(kv->v[0], "none") ? kv->v[0] : "",
		 kv && kv->n && strcmp(kv->v[0], "none") ? "\n" : "", rest(l, w + 1));
	ai_set(ai->cur, "banner", K_STR, text);
}

/* anyconnect-custom TYPE value NAME | anyconnect-custom TYPE none */
static void h_gpcustom(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	if (is_word(l->argv[w + 1], "none"))
		snprintf(v, sizeof(v), "%s none", l->argv[w]);
	else if (is_word(l->argv[w + 1], "value") && l->argc > w + 2)
		snprintf(v, sizeof(v), "%s value %s", l->argv[w], l->argv[w + 2]);
	else
		return malformed(ai, l, "expected anyconnect-custom TYPE value NAME or TYPE none");
	ai_add(ai->cur, "anyconnect-custom", v);
}

/* anyconnect profiles value NAME [type user|vpn-mgmt] | anyconnect profiles none */
static void h_gpprofiles(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	if (is_word(l->argv[w], "none")) {
		if (!gp_default_dropped(ai, l, "anyconnect-profiles", "none"))
			ai_set(ai->cur, "anyconnect-profiles", K_STR, "none");
		return;
	}
	if (!is_word(l->argv[w], "value") || l->argc < w + 2)
		return malformed(ai, l, "expected anyconnect profiles value NAME [type T]");
	join(l, w + 1, v, sizeof(v));
	ai_add(ai->cur, "anyconnect-profiles", v);
}

static void h_gp(struct ai *ai, struct line *l, int w)
{
	const char *name = l->argv[w], *what = l->argv[w + 1];
	struct ai_obj *gp;

	if (is_word(what, "external"))
		return report_line(ai, l, AI_ERROR,
				   "external group policies (from a AAA server) are not supported; "
				   "tunnel groups naming it will not load");
	if (!is_word(what, "internal") && !is_word(what, "attributes"))
		return malformed(ai, l, "expected group-policy NAME internal|attributes");
	gp = ai_get(&ai->m, S_GP, name, l->no);
	if (is_word(what, "attributes"))
		enter(ai, l, M_GP, gp);
}

static void h_gpwebvpn(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai->mode = M_GPWEB;
	ai->hdr_indent[M_GPWEB] = l->indent;
	ai->indented[M_GPWEB] = 0;
	ai->gpweb_fresh = 1;
}

/* ------------------------------------------------------------ webvpn */

static void h_webvpn(struct ai *ai, struct line *l, int w)
{
	(void)w;
	enter(ai, l, M_WEBVPN, singleton(ai, S_WEBVPN, &ai->web));
}

static void h_wvenable(struct ai *ai, struct line *l, int w)
{
	ai_get(&ai->m, S_IFACE, l->argv[w], l->no);
	if (l->argc > w + 1)
		report_line(ai, l, AI_NOTE, "the option after the interface name is not carried over");
}

/* webvpn, tunnel-group, user and DAP keys named by their row: a boolean
 * is true unless the line says no or disable. */
static void h_wvkey(struct ai *ai, struct line *l, int w)
{
	const struct cmd *row = ai->row;
	struct ai_obj *o = ai->cur;
	char v[AI_LINE_MAX];
	int neg = is_word(l->argv[0], "no") || is_word(l->argv[l->argc - 1], "disable");

	if (!o || row->mode == M_HSTS || row->mode == M_CACHE || row->mode == M_WEBVPN)
		o = singleton(ai, S_WEBVPN, &ai->web);
	if (row->type == GPT_BOOL)
		return ai_set(o, row->key, K_RAW, neg ? "false" : "true");
	join(l, w, v, sizeof(v));
	if (row->type == GPT_INT && !all_digits(v))
		return malformed(ai, l, "not a number");
	if (row->mode == M_DAP && is_word(v, "none"))
		return report_line(ai, l, AI_DEFAULT, "none: no text");
	ai_set(o, row->key, row->type == GPT_INT ? K_RAW : K_STR, v);
}

static void h_wvimage(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	join(l, w, v, sizeof(v));
	ai_add(singleton(ai, S_WEBVPN, &ai->web), "anyconnect-image", v);
}

/* The basename of disk0:/dir/file. */
static const char *disk_base(const char *p)
{
	const char *s = strrchr(p, '/'), *c = strrchr(p, ':');

	return s ? s + 1 : c ? c + 1 : p;
}

static void h_wvprofile(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *p = ai_get(&ai->m, S_ACPROF, l->argv[w], l->no);
	char path[AI_LINE_MAX];

	snprintf(path, sizeof(path), "%s/%s", ai->o->cert_dir ? ai->o->cert_dir : "/etc/sslvpnd",
		 disk_base(l->argv[w + 1]));
	ai_set(p, "file", K_STR, path);
	ai_report(&ai->m, l->no, AI_WARN, "copy the profile %s from the ASA to %s",
		  l->argv[w + 1], path);
}

static void h_acattr(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *a = ai_get(&ai->m, S_ACATTR, l->argv[w], l->no);

	ai_set(a, "type", K_STR, l->argv[w]);
	if (is_word(l->argv[w + 1], "description") && l->argc > w + 2) {
		char d[AI_LINE_MAX];

		join(l, w + 2, d, sizeof(d));
		ai_set(a, "description", K_STR, d);
	}
}

static void h_acdata(struct ai *ai, struct line *l, int w)
{
	char key[AI_LINE_MAX];
	struct ai_obj *d;

	snprintf(key, sizeof(key), "%s %s", l->argv[w], l->argv[w + 1]);
	d = ai_get(&ai->m, S_ACDATA, key, l->no);

	ai_set(d, "type", K_STR, l->argv[w]);
	ai_set(d, "name", K_STR, l->argv[w + 1]);
	ai_set(d, "value", K_STR, l->argv[w + 2]);
}

static void h_cgmap(struct ai *ai, struct line *l, int w)
{
	char name[CFG_NAME_MAX];
	struct ai_obj *c;

	snprintf(name, sizeof(name), "%s-%s", l->argv[w], l->argv[w + 1]);
	c = ai_get(&ai->m, S_CMAP, name, l->no);
	ai_set(c, "tunnel-group", K_STR, l->argv[w + 2]);
}

static void h_wvport(struct ai *ai, struct line *l, int w)
{
	int *p = is_word(l->argv[0], "dtls") ? &ai->dtls_port : &ai->port;

	if (!all_digits(l->argv[w]))
		return malformed(ai, l, "the port is not a number");
	if (atoi(l->argv[w]) == 443)
		return report_line(ai, l, AI_DEFAULT, "443 is sslvpnd's default");
	*p = atoi(l->argv[w]);
}

static void h_hsts(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai->mode = M_HSTS;
	ai->hdr_indent[M_HSTS] = l->indent;
	ai->indented[M_HSTS] = 0;
}

static void h_cache(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai->mode = M_CACHE;
	ai->hdr_indent[M_CACHE] = l->indent;
	ai->indented[M_CACHE] = 0;
}

/* ------------------------------------------------------- tunnel groups */

/* The ASA's own default groups: DefaultRAGroup and DefaultL2LGroup serve
 * IPsec only; DefaultWEBVPNGroup is ours too. */
static int tg_ipsec_default(const char *name)
{
	return is_word(name, "DefaultRAGroup") || is_word(name, "DefaultL2LGroup");
}

static void h_tg(struct ai *ai, struct line *l, int w)
{
	const char *name = l->argv[w], *what = l->argv[w + 1];
	struct ai_obj *tg;

	if (tg_ipsec_default(name) || is_word(what, "ipsec-attributes") ||
	    is_word(what, "ppp-attributes")) {
		report_line(ai, l, AI_NA, "IPsec / L2TP settings");
		return enter(ai, l, M_TGNA, NULL);
	}
	if (is_word(what, "type")) {
		if (!is_word(l->argv[w + 2], "remote-access")) {
			report_line(ai, l, AI_NA, "only remote-access tunnel groups are served");
			return enter(ai, l, M_TGNA, NULL);
		}
		tg = ai_get(&ai->m, S_TG, name, l->no);
		ai_set(tg, "type", K_STR, "remote-access");
		return;
	}
	tg = ai_get(&ai->m, S_TG, name, l->no);
	if (is_word(what, "general-attributes"))
		return enter(ai, l, M_TGGEN, tg);
	if (is_word(what, "webvpn-attributes"))
		return enter(ai, l, M_TGWEB, tg);
	malformed(ai, l, "expected type, general-attributes or webvpn-attributes");
}

/* Words after the command, "(interface)" left out. */
static int skip_if(const struct line *l, int w)
{
	return w < l->argc && l->argv[w][0] == '(' ? w + 1 : w;
}

static void h_tgpool(struct ai *ai, struct line *l, int w)
{
	const char *key = is_word(l->argv[0], "ipv6-address-pool") ? "ipv6-address-pool" :
								    "address-pool";

	ai_unset(ai->cur, key);
	for (int i = skip_if(l, w); i < l->argc; i++)
		ai_add(ai->cur, key, l->argv[i]);
}

/* authentication-server-group [(IF)] NAME [LOCAL], and the authorization /
 * accounting ones. */
static void h_tgserver(struct ai *ai, struct line *l, int w)
{
	int i = skip_if(l, w);
	char v[AI_LINE_MAX];

	if (i >= l->argc)
		return malformed(ai, l, "no server group");
	if (is_word(l->argv[0], "authentication-server-group") && is_word(l->argv[i], "LOCAL"))
		return report_line(ai, l, AI_DEFAULT, "LOCAL is sslvpnd's default (users)");
	snprintf(v, sizeof(v), "%s%s", l->argv[i],
		 is_word(l->argv[i + 1], "LOCAL") ? " LOCAL" : "");
	ai_set(ai->cur, l->argv[0], K_STR, v);
}

static void h_tgufc(struct ai *ai, struct line *l, int w)
{
	ai_set(ai->cur, "username-from-certificate", K_STR, l->argv[w]);
	if (l->argc > w + 1)
		report_line(ai, l, AI_WARN, "only the first (primary) field names the user here");
}

static void h_tgauth(struct ai *ai, struct line *l, int w)
{
	int aaa = 0, cert = 0;

	for (int i = w; i < l->argc; i++) {
		if (is_word(l->argv[i], "aaa"))
			aaa = 1;
		else if (is_word(l->argv[i], "certificate"))
			cert = 1;
		else
			return report_line(ai, l, AI_ERROR,
					   "authentication method not supported (aaa, certificate "
					   "or both); the group would otherwise fall back to aaa");
	}
	ai_set(ai->cur, "authentication", K_STR,
	       aaa && cert ? "aaa certificate" : aaa ? "aaa" : "certificate");
}

/* group-url URL [enable|disable], group-alias NAME [enable|disable] */
static void h_tgurl(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	snprintf(v, sizeof(v), "%s%s", l->argv[w],
		 is_word(l->argv[w + 1], "disable") ? " disable" : "");
	ai_add(ai->cur, l->argv[0], v);
}

static void h_tgbool(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai_set(ai->cur, is_word(l->argv[0], "authorization-required") ? "authorize-required" :
									 l->argv[0],
	       K_RAW, "true");
}

/* ------------------------------------------------------- certificates */

static struct tp_chain *tp_chain(struct ai *ai, const char *name, int line)
{
	for (size_t i = 0; i < ai->n_tps; i++)
		if (!strcmp(ai->tps[i].name, name))
			return &ai->tps[i];
	if (ai->n_tps == AI_TP_MAX)
		return NULL;
	snprintf(ai->tps[ai->n_tps].name, CFG_NAME_MAX, "%s", name);
	ai->tps[ai->n_tps].line = line;
	return &ai->tps[ai->n_tps++];
}

static void h_tp(struct ai *ai, struct line *l, int w)
{
	if (!tp_chain(ai, l->argv[w], l->no))
		return report_line(ai, l, AI_ERROR, "too many trustpoints");
	enter(ai, l, M_TP, ai_get(&ai->m, S_TP, l->argv[w], l->no));
	if (!ai_kv_find(ai->cur, "enrollment")) /* first key; the last pass sets it */
		ai_set(ai->cur, "enrollment", K_STR, "terminal");
}

static void h_tpenroll(struct ai *ai, struct line *l, int w)
{
	struct tp_chain *c = tp_chain(ai, ai->cur->name, l->no);

	c->enrolled = 1;
	if (is_word(l->argv[w], "self")) {
		c->self = 1;
		return;
	}
	if (!is_word(l->argv[w], "terminal"))
		report_line(ai, l, AI_WARN, "only enrollment self and terminal are supported; "
					    "its certificate is taken as a CA (terminal)");
}

static void h_tpsubject(struct ai *ai, struct line *l, int w)
{
	ai_set(ai->cur, "subject-name", K_STR, rest(l, w));
}

static void h_tpkeypair(struct ai *ai, struct line *l, int w)
{
	report_line(ai, l, AI_NOTE, "the key pair is not in the configuration: an rsa 2048 "
				    "key is generated at first start (set key-type/key-size to change)");
	(void)w;
}

static void h_tprevoke(struct ai *ai, struct line *l, int w)
{
	for (int i = w; i < l->argc; i++)
		if (is_word(l->argv[i], "crl") || is_word(l->argv[i], "ocsp"))
			return report_line(ai, l, AI_ERROR,
					   "revocation checking is not carried over: put the CA's "
					   "CRL file in the trustpoint's crl key");
}

static void h_chain(struct ai *ai, struct line *l, int w)
{
	ai->chain = tp_chain(ai, l->argv[w], l->no);
	if (!ai->chain)
		return report_line(ai, l, AI_ERROR, "too many trustpoints");
	enter(ai, l, M_CHAIN, ai_get(&ai->m, S_TP, l->argv[w], l->no));
}

static void h_cert(struct ai *ai, struct line *l, int w)
{
	(void)w;
	aihex_free(&ai->hex);
	ai->hex_ca = is_word(l->argv[1], "ca");
	ai->hex_line = l->no;
	ai->mode = M_CERT;
}

static void pem_append(char **dst, const char *pem)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(pem);
	char *p = realloc(*dst, a + b + 1);

	if (!p)
		return;
	memcpy(p + a, pem, b + 1);
	*dst = p;
}

/* quit (or a line that is not hex): the certificate is complete. */
static void cert_done(struct ai *ai)
{
	static char pem[AI_PEM_MAX];
	char subject[256];

	ai->mode = M_CHAIN;
	if (!ai->chain)
		return;
	if (aihex_pem(&ai->hex, pem, sizeof(pem), subject, sizeof(subject))) {
		ai_report(&ai->m, ai->hex_line, AI_ERROR,
			  "the certificate hex dump of trustpoint %s is not one DER certificate",
			  ai->chain->name);
	} else {
		pem_append(ai->hex_ca ? &ai->chain->ca : &ai->chain->id, pem);
		ai_report(&ai->m, ai->hex_line, AI_NOTE, "%s certificate of %s: %s",
			  ai->hex_ca ? "CA" : "identity", ai->chain->name, subject);
	}
	aihex_free(&ai->hex);
}

/* 1 when the line was part of the certificate; otherwise the dump ended
 * without its quit and the line is a command again. */
static int cert_line(struct ai *ai, struct line *l)
{
	if (is_word(l->argv[0], "quit")) {
		cert_done(ai);
		return 1;
	}
	if (aihex_add(&ai->hex, l->text) == 0)
		return 1;
	ai_report(&ai->m, l->no, AI_WARN, "certificate hex dump not ended by quit");
	cert_done(ai);
	return 0;
}

/* crypto ca certificate map NAME PRIORITY */
static void h_cmap(struct ai *ai, struct line *l, int w)
{
	char name[CFG_NAME_MAX];

	snprintf(name, sizeof(name), "%s-%s", l->argv[w], l->argv[w + 1]);
	enter(ai, l, M_CMAP, ai_get(&ai->m, S_CMAP, name, l->no));
}

static void h_cmrule(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai_add(ai->cur, "rules", l->text);
}

static void h_sslttp(struct ai *ai, struct line *l, int w)
{
	struct ssl_tp *s;
	int i = w + 1;

	if (ai->n_ssl_tps == AI_TP_MAX)
		return report_line(ai, l, AI_ERROR, "too many ssl trust-point lines");
	s = &ai->ssl_tps[ai->n_ssl_tps++];
	snprintf(s->tp, sizeof(s->tp), "%s", l->argv[w]);
	s->ifname[0] = 0;
	if (i < l->argc && !is_word(l->argv[i], "domain") && !is_word(l->argv[i], "vpnlb-ip"))
		snprintf(s->ifname, sizeof(s->ifname), "%s", l->argv[i++]);
	for (; i < l->argc; i++) {
		if (is_word(l->argv[i], "domain") && i + 1 < l->argc)
			ai_add(ai_get(&ai->m, S_TP, l->argv[w], l->no), "domain", l->argv[++i]);
		else if (is_word(l->argv[i], "vpnlb-ip"))
			report_line(ai, l, AI_NA, "vpnlb-ip: VPN load balancing is not done here");
	}
}

/* ------------------------------------------------------------ ssl */

static const struct { const char *asa, *key; } ssl_versions[] = {
	{ "tlsv1", "tlsv1" }, { "tlsv1.1", "tlsv1_1" }, { "tlsv1.2", "tlsv1_2" },
	{ "tlsv1.3", "tlsv1_3" }, { "dtlsv1", "dtlsv1" }, { "dtlsv1.2", "dtlsv1_2" },
};

static void h_sslcipher(struct ai *ai, struct line *l, int w)
{
	const char *key = NULL;

	for (size_t i = 0; i < sizeof(ssl_versions) / sizeof(ssl_versions[0]); i++)
		if (is_word(l->argv[w], ssl_versions[i].asa))
			key = ssl_versions[i].key;
	if (!key && is_word(l->argv[w], "default"))
		return report_line(ai, l, AI_NOTE, "a level for every version: sslvpnd's default "
						   "lists are kept");
	if (!key)
		return malformed(ai, l, "unknown TLS version");
	if (is_word(l->argv[w + 1], "custom") && l->argc > w + 2)
		return ai_set(singleton(ai, S_CIPHER, &ai->cipher), key, K_STR, l->argv[w + 2]);
	report_line(ai, l, is_word(l->argv[w + 1], "default") ? AI_DEFAULT : AI_NOTE,
		    "a cipher level, not a list: sslvpnd's default list for the version is kept");
}

static void h_sslver(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	join(l, w, v, sizeof(v));
	if (is_word(v, "any") || is_word(v, "tlsv1") || is_word(v, "sslv3"))
		return report_line(ai, l, AI_DEFAULT,
				   "sslvpnd accepts TLS 1.0 and newer by default (never SSLv3)");
	ai_set(singleton(ai, S_SSL, &ai->ssl), "server-version", K_STR, v);
}

/* ASA 8.x: ssl encryption A B ...: one list for every TLS version.  Broken
 * ciphers are left out: a client that offers only those fails here, as a
 * 7962G fails on an ASA offering only RC4 and 3DES (seed 001). */
static const struct { const char *asa, *openssl; } ssl_enc[] = {
	{ "aes128-sha1", "AES128-SHA" }, { "aes256-sha1", "AES256-SHA" },
	{ "dhe-aes128-sha1", "DHE-RSA-AES128-SHA" }, { "dhe-aes256-sha1", "DHE-RSA-AES256-SHA" },
	{ "3des-sha1", NULL }, { "rc4-sha1", NULL }, { "rc4-md5", NULL }, { "des-sha1", NULL },
	{ "null-sha1", NULL },
};

static void h_sslenc(struct ai *ai, struct line *l, int w)
{
	char list[AI_LINE_MAX] = "";
	size_t n = 0;

	for (int i = w; i < l->argc; i++) {
		size_t k;

		for (k = 0; k < sizeof(ssl_enc) / sizeof(ssl_enc[0]); k++)
			if (is_word(l->argv[i], ssl_enc[k].asa))
				break;
		if (k == sizeof(ssl_enc) / sizeof(ssl_enc[0]) || !ssl_enc[k].openssl) {
			ai_report(&ai->m, l->no, AI_NOTE, "ssl encryption %s left out (%s)",
				  l->argv[i], k == sizeof(ssl_enc) / sizeof(ssl_enc[0]) ?
				  "unknown" : "broken cipher");
			continue;
		}
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ":" : "",
				      ssl_enc[k].openssl);
	}
	if (!n)
		return report_line(ai, l, AI_WARN, "no usable cipher: sslvpnd's defaults are kept");
	for (size_t v = 0; v < 3; v++)
		ai_set(singleton(ai, S_CIPHER, &ai->cipher), ssl_versions[v].key, K_STR, list);
}

/* ------------------------------------------------------------ users */

static void user_hide(struct ai *ai, struct ai_obj *u, int line, const char *why)
{
	char note[256];

	snprintf(note, sizeof(note), "needs a new password (%s): make a hash with "
		 "sslvpnd --hash-password and add the user", why);
	free(u->note);
	u->note = strdup(note);
	u->hidden = 1;
	ai_unset(u, "password");
	ai_report(&ai->m, line, AI_WARN, "user %s %s", u->name, note);
}

static void user_password(struct ai *ai, struct line *l, struct ai_obj *u, int w)
{
	const char *fmt = l->argv[w + 1];
	char hash[PASSWD_HASH_MAX];

	if (is_word(fmt, "pbkdf2"))
		return user_hide(ai, u, l->no, "Cisco publishes no specification of the pbkdf2 format");
	if (is_word(fmt, "encrypted") || is_word(fmt, "nt-encrypted"))
		return user_hide(ai, u, l->no, "the ASA's MD5-based hash is too weak to keep");
	if (!ai->o->hash_cleartext ||
	    passwd_hash(hash, sizeof(hash), l->argv[w], strlen(l->argv[w])))
		return user_hide(ai, u, l->no, "the cleartext password was not hashed");
	u->hidden = 0;
	ai_set(u, "password", K_STR, hash);
	report_line(ai, l, AI_NOTE, "cleartext password hashed with scrypt");
}

static void h_user(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *u = ai_get(&ai->m, S_USER, l->argv[w], l->no);
	const char *what = l->argv[w + 1];

	if (!u->nkv && !u->hidden)
		u->hidden = 1, u->note = strdup("it has no password in the input");
	if (is_word(what, "attributes"))
		return enter(ai, l, M_USER, u);
	if (is_word(what, "password") && l->argc > w + 2)
		user_password(ai, l, u, w + 2);
	else if (is_word(what, "nopassword"))
		user_hide(ai, u, l->no, "nopassword: sslvpnd never accepts an empty password");
	else
		malformed(ai, l, "expected username NAME password|nopassword|attributes");
	for (int i = w + 2; i + 1 < l->argc; i++)
		if (is_word(l->argv[i], "privilege") && strcmp(l->argv[i + 1], "0") &&
		    strcmp(l->argv[i + 1], "1"))
			report_line(ai, l, AI_NA, "privilege: management access is not a VPN setting");
}

/* A group-policy attribute on a user: the ones that restrict cannot be
 * left out silently. */
static void h_userattr(struct ai *ai, struct line *l, int w)
{
	static const char *const restricting[] = {
		"vpn-filter", "ipv6-vpn-filter", "vpn-access-hours", "vpn-tunnel-protocol",
		"vpn-simultaneous-logins", "vpn-idle-timeout", "vpn-session-timeout",
	};

	(void)w;
	for (size_t i = 0; i < sizeof(restricting) / sizeof(restricting[0]); i++)
		if (is_word(l->argv[0], restricting[i]))
			return report_line(ai, l, AI_ERROR,
					   "per-user attributes are not supported: put it in a "
					   "group policy and set the user's vpn-group-policy");
	if (gp_attr(l->argv[0]))
		return report_line(ai, l, AI_WARN, "per-user attributes are not supported");
	report_line(ai, l, AI_IGNORED, "not a user attribute of sslvpnd");
}

static void h_usergrouplock(struct ai *ai, struct line *l, int w)
{
	if (is_word(l->argv[w], "value") && l->argc > w + 1)
		return ai_set(ai->cur, "group-lock", K_STR, l->argv[w + 1]);
	if (!is_word(l->argv[w], "none"))
		malformed(ai, l, "expected group-lock value NAME or none");
}

/* service-type nas-prompt users are refused VPN sessions on the ASA: left
 * out rather than let in; admin and remote-access users may connect. */
static void h_usersvc(struct ai *ai, struct line *l, int w)
{
	if (!is_word(l->argv[w], "nas-prompt"))
		return;
	ai->cur->hidden = 1;
	free(ai->cur->note);
	ai->cur->note = strdup("service-type nas-prompt: no VPN access on the ASA");
	report_line(ai, l, AI_WARN, "the user is left out: no VPN access on the ASA");
}

/* ------------------------------------------------- DAP, time ranges, AAA */

static void h_dap(struct ai *ai, struct line *l, int w)
{
	enter(ai, l, M_DAP, ai_get(&ai->m, S_DAP, l->argv[w], l->no));
}

static void h_tr(struct ai *ai, struct line *l, int w)
{
	enter(ai, l, M_TR, ai_get(&ai->m, S_TR, l->argv[w], l->no));
}

static void h_trperiodic(struct ai *ai, struct line *l, int w)
{
	ai_add(ai->cur, "periodic", rest(l, w));
}

/* absolute [start HH:MM DD Month YYYY] [end HH:MM DD Month YYYY] */
static void h_trabsolute(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	for (int i = w; i < l->argc; i++) {
		int start = is_word(l->argv[i], "start");
		int j;

		if (!start && !is_word(l->argv[i], "end"))
			continue;
		for (j = i + 1; j < l->argc && !is_word(l->argv[j], "end"); j++)
			;
		snprintf(v, sizeof(v), "%.*s", (int)(l->off[j] - l->off[i + 1] -
						     (j < l->argc ? 1 : 0)),
			 l->text + l->off[i + 1]);
		while (*v && isspace((unsigned char)v[strlen(v) - 1]))
			v[strlen(v) - 1] = 0;
		ai_set(ai->cur, start ? "absolute-start" : "absolute-end", K_STR, v);
	}
}

static void h_aaa(struct ai *ai, struct line *l, int w)
{
	const char *name = l->argv[w];
	int i = skip_if(l, w + 1);
	struct ai_obj *srv, *host;

	if (is_word(l->argv[w + 1], "protocol")) {
		const char *p = l->argv[w + 2];

		srv = ai_get(&ai->m, S_AAA, name, l->no);
		if (!is_word(p, "radius") && !is_word(p, "ldap"))
			report_line(ai, l, AI_WARN, "only radius and ldap servers are supported: "
						    "tunnel groups using it will not load");
		ai_set(srv, "protocol", K_STR, p ? p : "");
		return enter(ai, l, M_AAA, srv);
	}
	if (!is_word(l->argv[i], "host") || i + 1 >= l->argc)
		return report_line(ai, l, AI_IGNORED, "not an aaa-server form sslvpnd knows");
	srv = ai_get(&ai->m, S_AAA, name, l->no);
	host = ai_new(&ai->m, S_AAAHOST, NULL, l->no);
	host->parent = srv;
	ai_set(host, "address", K_STR, l->argv[i + 1]);
	if (i > w + 1) {
		char ifn[CFG_NAME_MAX];

		snprintf(ifn, sizeof(ifn), "%.*s", (int)strcspn(l->argv[w + 1] + 1, ")"),
			 l->argv[w + 1] + 1);
		ai_set(host, "interface", K_STR, ifn);
	}
	if (i + 2 < l->argc && !is_word(l->argv[i + 2], "timeout"))
		ai_set(host, "key", K_STR, l->argv[i + 2]);
	enter(ai, l, M_AAAHOST, host);
}

/* reactivation-mode depletion [deadtime N] | reactivation-mode timed */
static void h_aaareact(struct ai *ai, struct line *l, int w)
{
	ai_set(ai->cur, "reactivation-mode", K_STR, l->argv[w]);
	if (is_word(l->argv[w + 1], "deadtime") && all_digits(l->argv[w + 2]))
		ai_set(ai->cur, "deadtime", K_RAW, l->argv[w + 2]);
}

/* A secret show running-config prints as asterisks is not in the input. */
static int masked(const char *s)
{
	return s && *s == '*' && strspn(s, "*") == strlen(s);
}

static void h_hostkey(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	join(l, w, v, sizeof(v));
	if (masked(v))
		return report_line(ai, l, AI_ERROR, "the secret is masked in show running-config: "
						    "take the file from more system:running-config");
	ai_set(ai->cur, l->argv[0], K_STR, v);
}

static void h_hostint(struct ai *ai, struct line *l, int w)
{
	if (!all_digits(l->argv[w]))
		return malformed(ai, l, "not a number");
	ai_set(ai->cur, l->argv[0], K_RAW, l->argv[w]);
}

/* ldap-over-ssl enable: sslvpnd verifies the LDAP server against one CA
 * trustpoint (ldap-ca-trustpoint), a key the ASA has no counterpart of.
 * Guessing the trustpoint would trust the wrong CA and naming none does
 * not load: the output keeps both keys as a comment for the admin to fill
 * in, and the report says it binds in cleartext until then. */
static void h_hostssl(struct ai *ai, struct line *l, int w)
{
	char v[AI_LINE_MAX];

	if (!is_word(l->argv[w], "enable"))
		return ai_set(ai->cur, "ldap-over-ssl", K_RAW, "false");
	snprintf(v, sizeof(v), "ldap-over-ssl = true; ldap-ca-trustpoint = \"CA-TRUSTPOINT\"; "
		 "(input line %d: name the CA trustpoint that signed the LDAP server's "
		 "certificate, then uncomment)", l->no);
	ai_set(ai->cur, "ldap-over-ssl", K_NOTE, v);
	report_line(ai, l, AI_ERROR, "needs ldap-ca-trustpoint, which the ASA has no key for: "
				     "the host is written without LDAPS (cleartext binds) and a comment "
				     "in its place; set ldap-ca-trustpoint to the CA trustpoint of the "
				     "LDAP server's certificate and uncomment ldap-over-ssl = true");
}

/* interim-accounting-update [periodic [HOURS]]: periodic records every
 * HOURS (ASA default 24); sslvpnd counts seconds, at most a day.  Without
 * periodic the ASA sends one when the address is assigned, which sslvpnd's
 * Start record already carries. */
static void h_aaainterim(struct ai *ai, struct line *l, int w)
{
	char v[32];
	int h = 24;

	if (!is_word(l->argv[w], "periodic"))
		return report_line(ai, l, AI_IGNORED, "no periodic interim records asked for: "
						      "the Start record carries the assigned address");
	if (l->argv[w + 1]) {
		if (!all_digits(l->argv[w + 1]) || (h = atoi(l->argv[w + 1])) < 1)
			return malformed(ai, l, "hours: not a positive number");
	}
	if (h > 24) {
		report_line(ai, l, AI_WARN, "interim-accounting-update is at most 24 hours here: "
					    "records are sent every 24 hours");
		h = 24;
	}
	snprintf(v, sizeof(v), "%d", h * 3600);
	ai_set(ai->cur, "interim-accounting-update", K_RAW, v);
}

/* dynamic-authorization [port N] (RFC 5176; the ASA's default port 1700 is
 * sslvpnd's too). */
static void h_aaadynauth(struct ai *ai, struct line *l, int w)
{
	ai_set(ai->cur, "dynamic-authorization", K_RAW, "true");
	if (!is_word(l->argv[w], "port"))
		return;
	if (!all_digits(l->argv[w + 1]))
		return malformed(ai, l, "port: not a number");
	ai_set(ai->cur, "dynamic-authorization-port", K_RAW, l->argv[w + 1]);
}

/* vpn load-balancing: a node's configuration does not list its peers,
 * which sslvpnd needs (it redirects to them in turn, exchanging no load),
 * so the block is written with participate = false and the report asks
 * for the peers. */
static void h_lb(struct ai *ai, struct line *l, int w)
{
	struct ai_obj *lb = ai_get(&ai->m, S_LB, NULL, l->no);

	(void)w;
	ai_set(lb, "participate", K_RAW, "false");
	enter(ai, l, M_LB, lb);
}

static void h_lbaddr(struct ai *ai, struct line *l, int w)
{
	ai_set(ai->cur, "cluster-address", K_STR, l->argv[w]);
}

static void h_lbpart(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai_set(ai->cur, "peers", K_NOTE, "peers = [ \"https://NODE1\", \"https://NODE2\" ]; "
					"participate = true; (the nodes of the cluster: not in this "
					"ASA's configuration)");
	report_line(ai, l, AI_WARN, "the cluster's nodes are not in this configuration: "
				    "load_balancing is written with participate = false; list the "
				    "nodes in load_balancing.peers, then set participate = true");
}

static void h_ldapmap(struct ai *ai, struct line *l, int w)
{
	enter(ai, l, M_LDAPMAP, ai_get(&ai->m, S_LDAPMAP, l->argv[w], l->no));
}

static void h_restlist(struct ai *ai, struct line *l, int w)
{
	ai_add(ai->cur, l->argv[0], rest(l, w));
}

/* ------------------------------------------------------------ interfaces */

static void h_iface(struct ai *ai, struct line *l, int w)
{
	(void)w;
	ai->cur_if = ai->n_ifs < AI_IF_MAX ? &ai->ifs[ai->n_ifs++] : NULL;
	if (ai->cur_if) {
		memset(ai->cur_if, 0, sizeof(*ai->cur_if));
		ai->cur_if->line = l->no;
	}
	enter(ai, l, M_IFACE, NULL);
}

static void h_nameif(struct ai *ai, struct line *l, int w)
{
	if (ai->cur_if)
		snprintf(ai->cur_if->nameif, sizeof(ai->cur_if->nameif), "%s", l->argv[w]);
}

static void h_ipaddr(struct ai *ai, struct line *l, int w)
{
	if (ai->cur_if && !is_word(l->argv[w], "dhcp"))
		snprintf(ai->cur_if->addr, sizeof(ai->cur_if->addr), "%s", l->argv[w]);
}

static void h_exit(struct ai *ai, struct line *l, int w)
{
	(void)l;
	(void)w;
	ai->mode = mode_parent[ai->mode];
}

/* ------------------------------------------------------------ tables */

#define NA(m, w, why) { m, w, 0, NULL, AI_NA, why, NULL, 0 }
#define IGN(m, w, why) { m, w, 0, NULL, AI_IGNORED, why, NULL, 0 }
#define DFLT(m, w, why) { m, w, 0, NULL, AI_DEFAULT, why, NULL, 0 }
#define CMD(m, w, n, fn) { m, w, n, fn, 0, NULL, NULL, 0 }
#define KEY(m, w, n, fn, key, type) { m, w, n, fn, 0, NULL, key, type }

static const char ipsec[] = "IPsec / L2TP setting";
static const char clientless[] = "clientless (browser) WebVPN setting";
static const char exec_cmd[] = "an exec command, not configuration";
static const char lb_nodes[] = "the nodes exchange nothing: each redirects on its own";

static const struct cmd cmds[] = {
	/* top level */
	CMD(M_TOP, "ip local pool", 2, h_pool),
	CMD(M_TOP, "ipv6 local pool", 3, h_pool6),
	CMD(M_TOP, "access-list", 2, h_acl),
	CMD(M_TOP, "group-policy", 2, h_gp),
	CMD(M_TOP, "webvpn", 0, h_webvpn),
	CMD(M_TOP, "anyconnect-custom-data", 3, h_acdata),
	CMD(M_TOP, "tunnel-group", 2, h_tg),
	CMD(M_TOP, "crypto ca trustpoint", 1, h_tp),
	CMD(M_TOP, "crypto ca certificate chain", 1, h_chain),
	CMD(M_TOP, "crypto ca certificate map", 2, h_cmap),
	NA(M_TOP, "crypto ca enroll", exec_cmd), NA(M_TOP, "crypto ca authenticate", exec_cmd),
	NA(M_TOP, "crypto ca export", exec_cmd), NA(M_TOP, "crypto ca import", exec_cmd),
	IGN(M_TOP, "crypto ca trustpool", "the ASA's trusted CA pool is not used"),
	NA(M_TOP, "crypto ikev1", ipsec), NA(M_TOP, "crypto ikev2", ipsec),
	NA(M_TOP, "crypto ipsec", ipsec), NA(M_TOP, "crypto map", ipsec),
	NA(M_TOP, "crypto dynamic-map", ipsec),
	IGN(M_TOP, "crypto key", "key pairs are generated with their trustpoints"),
	CMD(M_TOP, "ssl trust-point", 1, h_sslttp),
	CMD(M_TOP, "ssl cipher", 2, h_sslcipher),
	CMD(M_TOP, "ssl server-version", 1, h_sslver),
	NA(M_TOP, "ssl client-version", "sslvpnd makes no outbound TLS connections"),
	CMD(M_TOP, "ssl encryption", 1, h_sslenc),
	IGN(M_TOP, "ssl dh-group", "the key exchange groups are OpenSSL's"),
	IGN(M_TOP, "ssl ecdh-group", "the key exchange groups are OpenSSL's"),
	CMD(M_TOP, "username", 2, h_user),
	CMD(M_TOP, "dynamic-access-policy-record", 1, h_dap),
	CMD(M_TOP, "time-range", 1, h_tr),
	CMD(M_TOP, "aaa-server", 2, h_aaa),
	CMD(M_TOP, "ldap attribute-map", 1, h_ldapmap),
	CMD(M_TOP, "interface", 1, h_iface),
	CMD(M_TOP, "vpn load-balancing", 0, h_lb),
	CMD(M_TOP, "exit", 0, h_exit),
	/* group-policy NAME attributes */
	CMD(M_GP, "webvpn", 0, h_gpwebvpn),
	KEY(M_GP, "vpn-idle-timeout alert-interval", 1, h_gpkey,
	    "vpn-idle-timeout-alert-interval", GPT_INT),
	KEY(M_GP, "vpn-session-timeout alert-interval", 1, h_gpkey,
	    "vpn-session-timeout-alert-interval", GPT_INT),
	CMD(M_GP, "banner", 1, h_banner),
	CMD(M_GP, "anyconnect-custom", 2, h_gpcustom),
	NA(M_GP, "ip-comp", ipsec), NA(M_GP, "re-xauth", ipsec), NA(M_GP, "pfs", ipsec),
	NA(M_GP, "ipsec-udp", ipsec), NA(M_GP, "ipsec-udp-port", ipsec),
	NA(M_GP, "backup-servers", ipsec), NA(M_GP, "nem", ipsec), NA(M_GP, "leap-bypass", ipsec),
	NA(M_GP, "secure-unit-authentication", ipsec), NA(M_GP, "user-authentication", ipsec),
	NA(M_GP, "user-authentication-idle-timeout", ipsec), NA(M_GP, "client-access-rule", ipsec),
	NA(M_GP, "client-firewall", ipsec), NA(M_GP, "ip-phone-bypass", ipsec),
	NA(M_GP, "password-storage", ipsec), NA(M_GP, "l2tp-ipsec", ipsec),
	NA(M_GP, "nac-settings", "NAC is not supported"),
	NA(M_GP, "msie-proxy", "Internet Explorer proxy settings are not pushed"),
	NA(M_GP, "smartcard-removal-disconnect", "not pushed to clients"),
	NA(M_GP, "intercept-dhcp", "not pushed to clients"),
	NA(M_GP, "vlan", "no VLAN mapping here"), NA(M_GP, "security-group-tag", "no TrustSec here"),
	NA(M_GP, "scep-forwarding-url", "no SCEP proxy here"),
	NA(M_GP, "gateway-fqdn", "not pushed to clients"),
	IGN(M_GP, "ipv6-split-tunnel-policy", "IPv6 split routes come from the same standard list"),
	/* group-policy webvpn sub-mode */
	KEY(M_GPWEB, "anyconnect mtu", 1, h_gpkey, "anyconnect-mtu", GPT_INT),
	KEY(M_GPWEB, "anyconnect ssl keepalive", 1, h_gpkey, "anyconnect-ssl-keepalive", GPT_INT),
	KEY(M_GPWEB, "anyconnect dpd-interval client", 1, h_gpkey,
	    "anyconnect-dpd-interval-client", GPT_INT),
	KEY(M_GPWEB, "anyconnect dpd-interval gateway", 1, h_gpkey,
	    "anyconnect-dpd-interval-gateway", GPT_INT),
	KEY(M_GPWEB, "anyconnect ssl dtls", 1, h_gpkey, "anyconnect-ssl-dtls", GPT_BOOL),
	CMD(M_GPWEB, "anyconnect profiles", 1, h_gpprofiles),
	KEY(M_GPWEB, "anyconnect ssl rekey time", 1, h_gpkey, "anyconnect-ssl-rekey-time", GPT_INT),
	KEY(M_GPWEB, "anyconnect ssl rekey method", 1, h_gpkey, "anyconnect-ssl-rekey-method",
	    GPT_STR),
	KEY(M_GPWEB, "anyconnect ssl compression", 1, h_gpkey, "anyconnect-ssl-compression",
	    GPT_STR),
	KEY(M_GPWEB, "anyconnect dtls compression", 1, h_gpkey, "anyconnect-dtls-compression",
	    GPT_STR),
	NA(M_GPWEB, "anyconnect keep-installer", "client software is not served"),
	NA(M_GPWEB, "anyconnect modules", "client software is not served"),
	NA(M_GPWEB, "anyconnect ask", "client software is not served"),
	NA(M_GPWEB, "anyconnect firewall-rule", "client firewall rules are not pushed"),
	IGN(M_GPWEB, "anyconnect ssl df-bit-ignore", "packets are never fragmented here"),
	IGN(M_GPWEB, "anyconnect routing-filtering-ignore", "not pushed to clients"),
	NA(M_GPWEB, "url-list", clientless), NA(M_GPWEB, "filter", clientless),
	NA(M_GPWEB, "homepage", clientless), NA(M_GPWEB, "customization", clientless),
	NA(M_GPWEB, "port-forward", clientless), NA(M_GPWEB, "smart-tunnel", clientless),
	NA(M_GPWEB, "html-content-filter", clientless), NA(M_GPWEB, "keep-alive-ignore", clientless),
	NA(M_GPWEB, "http-comp", clientless), NA(M_GPWEB, "auto-signon", clientless),
	NA(M_GPWEB, "sso-server", clientless), NA(M_GPWEB, "deny-message", clientless),
	NA(M_GPWEB, "hidden-shares", clientless), NA(M_GPWEB, "file-entry", clientless),
	NA(M_GPWEB, "file-browsing", clientless), NA(M_GPWEB, "url-entry", clientless),
	NA(M_GPWEB, "http-proxy", clientless), NA(M_GPWEB, "storage-objects", clientless),
	NA(M_GPWEB, "unix-auth-uid", clientless), NA(M_GPWEB, "unix-auth-gid", clientless),
	NA(M_GPWEB, "activex-relay", clientless), NA(M_GPWEB, "always-on-vpn", clientless),
	NA(M_GPWEB, "storage-key", clientless), NA(M_GPWEB, "user-storage", clientless),
	NA(M_GPWEB, "smart-tunnel-tunnel-policy", clientless),
	/* webvpn */
	CMD(M_WEBVPN, "enable", 1, h_wvenable),
	DFLT(M_WEBVPN, "anyconnect enable", "AnyConnect is always on where webvpn is enabled"),
	CMD(M_WEBVPN, "anyconnect image", 1, h_wvimage),
	CMD(M_WEBVPN, "anyconnect profiles", 2, h_wvprofile),
	CMD(M_WEBVPN, "anyconnect-custom-attr", 1, h_acattr),
	KEY(M_WEBVPN, "tunnel-group-list enable", 0, h_wvkey, "tunnel-group-list", GPT_BOOL),
	KEY(M_WEBVPN, "csd enable", 0, h_wvkey, "csd", GPT_BOOL),
	KEY(M_WEBVPN, "csd image", 1, h_wvkey, "csd-image", GPT_STR),
	KEY(M_WEBVPN, "hostscan image", 1, h_wvkey, "csd-image", GPT_STR),
	KEY(M_WEBVPN, "error-recovery disable", 0, h_wvkey, "error-recovery", GPT_BOOL),
	KEY(M_WEBVPN, "anyconnect-essentials", 0, h_wvkey, "anyconnect-essentials", GPT_BOOL),
	KEY(M_WEBVPN, "no anyconnect-essentials", 0, h_wvkey, "anyconnect-essentials", GPT_BOOL),
	CMD(M_WEBVPN, "hsts", 0, h_hsts),
	CMD(M_WEBVPN, "cache", 0, h_cache),
	CMD(M_WEBVPN, "certificate-group-map", 3, h_cgmap),
	CMD(M_WEBVPN, "port", 1, h_wvport),
	CMD(M_WEBVPN, "dtls port", 1, h_wvport),
	NA(M_WEBVPN, "keepout", clientless), NA(M_WEBVPN, "apcf", clientless),
	NA(M_WEBVPN, "file-encoding", clientless), NA(M_WEBVPN, "character-encoding", clientless),
	NA(M_WEBVPN, "http-headers", clientless), NA(M_WEBVPN, "portal", clientless),
	NA(M_WEBVPN, "smart-tunnel", clientless), NA(M_WEBVPN, "onscreen-keyboard", clientless),
	NA(M_WEBVPN, "internal-password", clientless), NA(M_WEBVPN, "rewrite", clientless),
	NA(M_WEBVPN, "auto-signon", clientless), NA(M_WEBVPN, "login-message", clientless),
	NA(M_WEBVPN, "logout-message", clientless), NA(M_WEBVPN, "default-idle-timeout", clientless),
	NA(M_WEBVPN, "cookie", clientless),
	KEY(M_HSTS, "enable", 0, h_wvkey, "hsts", GPT_BOOL),
	KEY(M_HSTS, "no enable", 0, h_wvkey, "hsts", GPT_BOOL),
	KEY(M_HSTS, "max-age", 1, h_wvkey, "hsts-max-age", GPT_INT),
	KEY(M_HSTS, "include-sub-domains", 0, h_wvkey, "hsts-include-sub-domains", GPT_BOOL),
	KEY(M_HSTS, "no include-sub-domains", 0, h_wvkey, "hsts-include-sub-domains", GPT_BOOL),
	KEY(M_HSTS, "preload", 0, h_wvkey, "hsts-preload", GPT_BOOL),
	KEY(M_HSTS, "no preload", 0, h_wvkey, "hsts-preload", GPT_BOOL),
	KEY(M_CACHE, "disable", 0, h_wvkey, "cache", GPT_BOOL),
	KEY(M_CACHE, "enable", 0, h_wvkey, "cache", GPT_BOOL),
	IGN(M_CACHE, "max-object-size", clientless), IGN(M_CACHE, "min-size", clientless),
	IGN(M_CACHE, "lmfactor", clientless), IGN(M_CACHE, "expiry-time", clientless),
	/* tunnel-group general-attributes */
	CMD(M_TGGEN, "address-pool", 1, h_tgpool),
	CMD(M_TGGEN, "ipv6-address-pool", 1, h_tgpool),
	KEY(M_TGGEN, "default-group-policy", 1, h_wvkey, "default-group-policy", GPT_STR),
	CMD(M_TGGEN, "authentication-server-group", 1, h_tgserver),
	CMD(M_TGGEN, "authorization-server-group", 1, h_tgserver),
	CMD(M_TGGEN, "accounting-server-group", 1, h_tgserver),
	CMD(M_TGGEN, "authorization-required", 0, h_tgbool),
	CMD(M_TGGEN, "username-from-certificate", 1, h_tgufc),
	IGN(M_TGGEN, "secondary-username-from-certificate", "no double authentication"),
	IGN(M_TGGEN, "secondary-authentication-server-group", "no double authentication"),
	IGN(M_TGGEN, "password-management", "no password expiry handling"),
	IGN(M_TGGEN, "strip-realm", "user names are taken as sent"),
	IGN(M_TGGEN, "strip-group", "user names are taken as sent"),
	IGN(M_TGGEN, "override-account-disable", "not used"),
	NA(M_TGGEN, "dhcp-server", "addresses come from local pools only"),
	NA(M_TGGEN, "nat-assigned-to-public-ip", "no NAT here"),
	NA(M_TGGEN, "scep-enrollment", "no SCEP proxy here"),
	/* tunnel-group webvpn-attributes */
	CMD(M_TGWEB, "authentication", 1, h_tgauth),
	CMD(M_TGWEB, "group-url", 1, h_tgurl),
	CMD(M_TGWEB, "group-alias", 1, h_tgurl),
	CMD(M_TGWEB, "without-csd", 0, h_tgbool),
	NA(M_TGWEB, "customization", clientless), NA(M_TGWEB, "nbns-server", clientless),
	IGN(M_TGWEB, "pre-fill-username", "the user name is the client's"),
	IGN(M_TGWEB, "secondary-pre-fill-username", "no double authentication"),
	IGN(M_TGWEB, "dns-group", "DNS servers come from the group policy"),
	IGN(M_TGWEB, "radius-reject-message", "not shown"),
	IGN(M_TGWEB, "proxy-auth", "not supported"),
	/* crypto ca trustpoint */
	CMD(M_TP, "enrollment", 1, h_tpenroll),
	CMD(M_TP, "subject-name", 1, h_tpsubject),
	CMD(M_TP, "keypair", 1, h_tpkeypair),
	CMD(M_TP, "revocation-check", 1, h_tprevoke),
	IGN(M_TP, "fqdn", "the generated certificate has its subject-name only"),
	IGN(M_TP, "email", "the generated certificate has its subject-name only"),
	IGN(M_TP, "ip-address", "the generated certificate has its subject-name only"),
	IGN(M_TP, "serial-number", "the generated certificate has its subject-name only"),
	IGN(M_TP, "validation-usage", "every CA trustpoint validates client certificates"),
	IGN(M_TP, "no validation-usage", "every CA trustpoint validates client certificates"),
	IGN(M_TP, "id-usage", "identity use comes from ssl trust-point"),
	IGN(M_TP, "ignore-ssl-keyusage", "key usage is not checked on client certificates"),
	IGN(M_TP, "ignore-ipsec-keyusage", ipsec),
	IGN(M_TP, "crl configure", "CRLs are files here (the trustpoint's crl key)"),
	IGN(M_TP, "proxy-ldc-issuer", "no TLS proxy here"),
	IGN(M_TP, "password", "enrollment passwords are not used"),
	/* crypto ca certificate chain */
	CMD(M_CHAIN, "certificate ca", 1, h_cert),
	CMD(M_CHAIN, "certificate", 1, h_cert),
	/* crypto ca certificate map */
	CMD(M_CMAP, "subject-name", 2, h_cmrule),
	CMD(M_CMAP, "issuer-name", 2, h_cmrule),
	{ M_CMAP, "alt-subject-name", 0, NULL, AI_ERROR,
	  "rule not supported: without it the map would match more certificates", NULL, 0 },
	{ M_CMAP, "extended-key-usage", 0, NULL, AI_ERROR,
	  "rule not supported: without it the map would match more certificates", NULL, 0 },
	/* username NAME attributes */
	KEY(M_USER, "vpn-group-policy", 1, h_wvkey, "vpn-group-policy", GPT_STR),
	CMD(M_USER, "group-lock", 1, h_usergrouplock),
	CMD(M_USER, "service-type", 1, h_usersvc),
	/* dynamic-access-policy-record NAME */
	KEY(M_DAP, "description", 1, h_wvkey, "description", GPT_STR),
	KEY(M_DAP, "priority", 1, h_wvkey, "priority", GPT_INT),
	KEY(M_DAP, "action", 1, h_wvkey, "action", GPT_STR),
	KEY(M_DAP, "user-message", 1, h_wvkey, "user-message", GPT_STR),
	CMD(M_DAP, "network-acl", 1, h_restlist),
	NA(M_DAP, "webtype-acl", clientless), NA(M_DAP, "webvpn", clientless),
	/* time-range NAME */
	CMD(M_TR, "periodic", 1, h_trperiodic),
	CMD(M_TR, "absolute", 1, h_trabsolute),
	/* aaa-server NAME protocol P */
	CMD(M_AAA, "max-failed-attempts", 1, h_hostint),
	CMD(M_AAA, "reactivation-mode", 1, h_aaareact),
	IGN(M_AAA, "accounting-mode", "accounting goes to one server at a time"),
	CMD(M_AAA, "interim-accounting-update", 0, h_aaainterim),
	CMD(M_AAA, "dynamic-authorization", 0, h_aaadynauth),
	IGN(M_AAA, "merge-dacl", "no downloadable ACLs"),
	/* aaa-server NAME (IF) host ADDR */
	CMD(M_AAAHOST, "key", 1, h_hostkey),
	CMD(M_AAAHOST, "authentication-port", 1, h_hostint),
	CMD(M_AAAHOST, "accounting-port", 1, h_hostint),
	CMD(M_AAAHOST, "timeout", 1, h_hostint),
	CMD(M_AAAHOST, "retry-interval", 1, h_hostint),
	CMD(M_AAAHOST, "server-type", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-base-dn", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-scope", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-naming-attribute", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-login-dn", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-login-password", 1, h_hostkey),
	CMD(M_AAAHOST, "ldap-over-ssl", 1, h_hostssl),
	CMD(M_AAAHOST, "ldap-attribute-map", 1, h_hostkey),
	IGN(M_AAAHOST, "radius-common-pw", "the key is per host"),
	IGN(M_AAAHOST, "acl-netmask-convert", "no downloadable ACLs"),
	/* ldap attribute-map NAME */
	CMD(M_LDAPMAP, "map-name", 2, h_restlist),
	CMD(M_LDAPMAP, "map-value", 3, h_restlist),
	/* vpn load-balancing */
	CMD(M_LB, "cluster ip address", 1, h_lbaddr),
	CMD(M_LB, "participate", 0, h_lbpart),
	IGN(M_LB, "redirect-fqdn enable", "name the peers by FQDN in load_balancing.peers"),
	IGN(M_LB, "cluster encryption", lb_nodes), IGN(M_LB, "cluster key", lb_nodes),
	IGN(M_LB, "cluster port", lb_nodes), IGN(M_LB, "cluster interface", lb_nodes),
	IGN(M_LB, "interface", lb_nodes), IGN(M_LB, "nat", lb_nodes),
	IGN(M_LB, "priority", lb_nodes),
	/* interface */
	CMD(M_IFACE, "nameif", 1, h_nameif),
	CMD(M_IFACE, "ip address", 1, h_ipaddr),
};

/* The row for the line in mode m: the one with the most leading words
 * matching; *w is how many.  Group-policy attributes spelled as our keys
 * match a generic row. */
static const struct cmd *lookup(enum ai_mode m, const struct line *l, int *w)
{
	static const struct cmd gp_generic = CMD(M_GP, "", 0, h_gpattr);
	static const struct cmd user_generic = CMD(M_USER, "", 0, h_userattr);
	const struct cmd *best = NULL;
	int bestw = 0;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *p = cmds[i].words;
		int k = 0;

		if (cmds[i].mode != m)
			continue;
		while (*p && k < l->argc) {
			size_t n = strcspn(p, " ");

			if (strlen(l->argv[k]) != n || strncmp(p, l->argv[k], n))
				break;
			k++;
			p += n + (p[n] == ' ');
		}
		if (*p || k <= bestw)
			continue;
		/* hsts and cache hold bare words (enable, disable): a line
		 * with more is no longer theirs ("enable outside") */
		if ((m == M_HSTS || m == M_CACHE) && l->argc > k + cmds[i].min_args)
			continue;
		best = &cmds[i];
		bestw = k;
	}
	if (!best && (m == M_GP || m == M_USER) && l->argc && gp_attr(l->argv[0])) {
		*w = 1;
		return m == M_GP ? &gp_generic : &user_generic;
	}
	*w = bestw;
	return best;
}

/* ------------------------------------------------------------ lines */

/* Pager and web-page noise that is no part of any command. */
static void strip_noise(char *s)
{
	static const char *const noise[] = { "<--- More --->", "--More--", "<#root>" };
	char *p;

	for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		while ((p = strstr(s, noise[i])))
			memmove(p, p + strlen(noise[i]), strlen(p + strlen(noise[i])) + 1);
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = ' ';
	for (p = s + strlen(s); p > s && isspace((unsigned char)p[-1]);)
		*--p = 0;
}

/* A prompt "host# ", "host(config)# ", "host(config-group-policy)# "
 * before the command: its length, or 0. */
static size_t prompt_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.')
		n++;
	if (s[n] == '(') {
		size_t c = strcspn(s + n, ")");

		if (!s[n + c] || strncmp(s + n + 1, "config", 6))
			return 0;
		n += c + 1;
	}
	if (s[n] != '#' && s[n] != '>')
		return 0;
	n++;
	while (s[n] == ' ')
		n++;
	return n;
}

/* Lines that carry no command: exec commands around the paste, show run
 * headers and trailers, comments. */
static int skip_whole(const char *s)
{
	static const char *const skip[] = {
		"!", ":", "```", "<snip>", "[output omitted]", "Building configuration",
		"ASA Version", "Cryptochecksum", "end",
	};

	if (!strncmp(s, "show ", 5) || !strncmp(s, "sh ", 3) || !strncmp(s, "more ", 5) ||
	    !strcmp(s, "configure terminal") || !strcmp(s, "conf t") ||
	    !strncmp(s, "write", 5) || !strncmp(s, "copy ", 5))
		return 1;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(s, skip[i], strlen(skip[i])) &&
		    (i != sizeof(skip) / sizeof(skip[0]) - 1 || !s[3]))
			return 1;
	return 0;
}

/* Commands a web page split over several lines (one word per line in
 * seed 004): held until they have their words. */
static const struct { const char *words; int need; } joins[] = {
	{ "ip local pool", 5 }, { "ipv6 local pool", 5 }, { "access-list", 4 },
	{ "group-policy", 3 }, { "tunnel-group", 3 }, { "vpn-tunnel-protocol", 2 },
	{ "split-tunnel-network-list value", 3 }, { "address-pools value", 3 },
	{ "default-group-policy", 2 },
};

static int words_of(const char *s)
{
	int n = 0;

	for (; *s; n++) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		s += strcspn(s, " \t");
	}
	return n;
}

static int needs_more(const char *s)
{
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		size_t n = strlen(joins[i].words);

		if (!strncmp(s, joins[i].words, n) && (s[n] == 0 || s[n] == ' ') &&
		    words_of(s) < joins[i].need)
			return 1;
	}
	return 0;
}

static void dispatch(struct ai *ai, struct line *l)
{
	enum ai_mode m = ai->mode;
	const struct cmd *c = NULL;
	int w = 0;

	if (m == M_CERT) {
		if (cert_line(ai, l))
			return;
		m = ai->mode;
	}
	/* indentation, where the input has it, ends a sub-mode; pasted text
	 * indents at random, so a command the enclosing modes do not know is
	 * tried in the sub-mode after all */
	while (m != M_TOP && ai->indented[m] && l->indent <= ai->hdr_indent[m])
		m = mode_parent[m];
	for (int pass = 0; pass < 2 && !c; pass++, m = ai->mode) {
		for (;; m = mode_parent[m]) {
			c = lookup(m, l, &w);
			if (c || m == M_TOP)
				break;
		}
	}
	/* `webvpn` right after group-policy attributes, without indentation,
	 * may have been the global one */
	if (ai->mode == M_GPWEB && ai->gpweb_fresh && (!c || c->mode != M_GPWEB) &&
	    lookup(M_WEBVPN, l, &w)) {
		c = lookup(M_WEBVPN, l, &w);
		ai_report(&ai->m, l->no, AI_NOTE, "the webvpn line before was the global webvpn");
		ai->cur = singleton(ai, S_WEBVPN, &ai->web);
	}
	if (ai->mode == M_GPWEB)
		ai->gpweb_fresh = 0;
	if (!c) {
		char why[128];

		if (ai->mode != M_TOP && ai->mode != M_TGNA)
			ai->indented[ai->mode] |= l->indent > ai->hdr_indent[ai->mode];
		snprintf(why, sizeof(why), "not a setting sslvpnd has (in %s)", mode_name[ai->mode]);
		return report_line(ai, l, ai->mode == M_TGNA ? AI_NA : AI_IGNORED, why);
	}
	if (c->mode != ai->mode && c->mode == M_TOP)
		ai->cur = NULL;
	if (c->mode == M_WEBVPN && ai->mode != M_WEBVPN && ai->mode != M_HSTS &&
	    ai->mode != M_CACHE)
		ai->cur = singleton(ai, S_WEBVPN, &ai->web);
	ai->mode = c->mode;
	if (c->mode != M_TOP)
		ai->indented[c->mode] |= l->indent > ai->hdr_indent[c->mode];
	if (l->argc - w < c->min_args)
		return malformed(ai, l, "too few words for this command");
	if (!c->fn)
		return report_line(ai, l, c->sev, c->why);
	ai->row = c;
	c->fn(ai, l, w);
}

/* Cleans one input line; 1 when it carries a command. */
static int clean(char *raw, struct line *l)
{
	char *s = raw;

	strip_noise(s);
	l->indent = 0;
	while (*s == ' ' || *s == '\t')
		s++, l->indent++;
	s += prompt_len(s);
	if (!*s || skip_whole(s))
		return 0;
	snprintf(l->text, sizeof(l->text), "%s", s);
	return 1;
}

static void one_line(struct ai *ai, struct line *l)
{
	for (const char *p = l->text; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return report_line(ai, l, AI_IGNORED, "not ASA CLI (translated text)");
	if (tokenize(l))
		return malformed(ai, l, "too many words");
	/* ASA 8.x spelled the AnyConnect commands "svc" */
	if (l->argc && is_word(l->argv[0], "svc"))
		l->argv[0] = "anyconnect";
	if (l->argc)
		dispatch(ai, l);
}

/* -------------------------------------------------------- the last pass */

static void tp_path(struct ai *ai, const char *tp, const char *suffix, char *buf, size_t cap)
{
	char safe[CFG_NAME_MAX];
	size_t i;

	for (i = 0; tp[i] && i + 1 < sizeof(safe); i++)
		safe[i] = isalnum((unsigned char)tp[i]) || tp[i] == '-' || tp[i] == '_' ?
				  tp[i] : '_';
	safe[i] = 0;
	snprintf(buf, cap, "%s/%s%s", ai->o->cert_dir ? ai->o->cert_dir : "/etc/sslvpnd/ca",
		 safe, suffix);
}

static int write_file(struct ai *ai, const char *path, const char *text, int line)
{
	FILE *fp;

	if (!ai->o->cert_dir) {
		ai_report(&ai->m, line, AI_WARN, "no --cert-dir: %s was not written", path);
		return -1;
	}
	if (mkdir(ai->o->cert_dir, 0755) && errno != EEXIST) {
		ai_report(&ai->m, line, AI_ERROR, "cannot create %s: %s", ai->o->cert_dir,
			  strerror(errno));
		return -1;
	}
	fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp)) {
		ai_report(&ai->m, line, AI_ERROR, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* self: generated at first start; a chain's identity certificate without
 * its key (which no configuration shows) cannot be served; CA certificates
 * become the trustpoint's PEM file. */
static void tp_finish(struct ai *ai, struct tp_chain *c)
{
	struct ai_obj *tp = ai_find(&ai->m, S_TP, c->name);
	char path[AI_LINE_MAX], key[AI_LINE_MAX];

	if (!tp)
		return;
	if (c->self) {
		ai_set(tp, "enrollment", K_STR, "self");
		if (c->id)
			ai_report(&ai->m, c->line, AI_WARN,
				  "trustpoint %s: the ASA's self-signed certificate cannot be carried "
				  "over (its key is not in the configuration); a new one is generated "
				  "at first start: phones pin its hash, so upload it to CUCM "
				  "(Phone-VPN-trust) before they reconnect (sslvpnd --crypto certhash %s)",
				  c->name, c->name);
		return;
	}
	tp_path(ai, c->name, ".pem", path, sizeof(path));
	if (c->id) {
		tp_path(ai, c->name, ".key", key, sizeof(key));
		ai_set(tp, "enrollment", K_STR, "file");
		ai_set(tp, "certificate", K_STR, path);
		ai_set(tp, "key", K_STR, key);
		pem_append(&c->id, c->ca ? c->ca : "");
		write_file(ai, path, c->id, c->line);
		ai_report(&ai->m, c->line, AI_ERROR,
			  "trustpoint %s is an identity whose private key is not in the "
			  "configuration: export it on the ASA (crypto ca export %s pkcs12 PASS) "
			  "and put the key in %s", c->name, c->name, key);
		return;
	}
	ai_set(tp, "enrollment", K_STR, "terminal");
	ai_set(tp, "certificate", K_STR, path);
	ai_unset(tp, "subject-name");
	if (c->ca)
		write_file(ai, path, c->ca, c->line);
	else
		ai_report(&ai->m, c->line, AI_WARN, "trustpoint %s: no certificate in the input: "
			  "put its CA certificate(s) in %s (crypto ca authenticate)", c->name, path);
	if (!c->enrolled && !c->ca)
		ai_report(&ai->m, c->line, AI_WARN, "trustpoint %s has no enrollment line", c->name);
}

static const struct asa_if *asa_if(struct ai *ai, const char *nameif)
{
	for (size_t i = 0; i < ai->n_ifs; i++)
		if (!strcmp(ai->ifs[i].nameif, nameif))
			return &ai->ifs[i];
	return NULL;
}

/* Interfaces (webvpn enable IF): their address, ports, identity. */
static void if_finish(struct ai *ai, struct ai_obj *o)
{
	const struct asa_if *a = asa_if(ai, o->name);
	char port[16];

	if (a && a->addr[0]) {
		ai_set(o, "address", K_STR, a->addr);
	} else {
		ai_set(o, "address", K_STR, ai->o->listen ? ai->o->listen : "0.0.0.0");
		if (!ai->o->listen)
			ai_report(&ai->m, o->line, AI_NOTE, "interface %s has no address in the "
				  "input: it listens on every address (--listen ADDR to choose)",
				  o->name);
	}
	if (ai->port) {
		snprintf(port, sizeof(port), "%d", ai->port);
		ai_set(o, "port", K_RAW, port);
	}
	if (ai->dtls_port) {
		snprintf(port, sizeof(port), "%d", ai->dtls_port);
		ai_set(o, "dtls-port", K_RAW, port);
	}
	for (size_t i = 0; i < ai->n_ssl_tps; i++)
		if (!strcmp(ai->ssl_tps[i].ifname, o->name))
			ai_add(o, "trustpoint", ai->ssl_tps[i].tp);
	for (size_t i = 0; i < ai->n_ssl_tps && !ai_kv_find(o, "trustpoint"); i++)
		if (!ai->ssl_tps[i].ifname[0])
			ai_add(o, "trustpoint", ai->ssl_tps[i].tp);
}

/* A name one object gives another that is not there. */
static const struct ref {
	enum ai_sect from;
	const char *key;
	enum ai_sect to;
} refs[] = {
	{ S_GP, "vpn-filter", S_ACL }, { S_GP, "ipv6-vpn-filter", S_ACL },
	{ S_GP, "split-tunnel-network-list", S_ACL }, { S_GP, "address-pools", S_POOL },
	{ S_GP, "ipv6-address-pools", S_POOL6 }, { S_GP, "vpn-access-hours", S_TR },
	{ S_TG, "default-group-policy", S_GP }, { S_TG, "address-pool", S_POOL },
	{ S_TG, "ipv6-address-pool", S_POOL6 }, { S_USER, "vpn-group-policy", S_GP },
	{ S_DAP, "network-acl", S_ACL }, { S_IFACE, "trustpoint", S_TP },
	{ S_CMAP, "tunnel-group", S_TG },
};

static void check_refs(struct ai *ai)
{
	for (size_t i = 0; i < ai->m.n; i++) {
		struct ai_obj *o = ai->m.o[i];

		for (size_t r = 0; r < sizeof(refs) / sizeof(refs[0]); r++) {
			struct ai_kv *kv = refs[r].from == o->sect ? ai_kv_find(o, refs[r].key) : NULL;

			for (size_t k = 0; kv && k < kv->n; k++) {
				if (!strcmp(kv->v[k], "none") ||
				    (refs[r].to == S_GP && !strcmp(kv->v[k], "DfltGrpPolicy")) ||
				    ai_find(&ai->m, refs[r].to, kv->v[k]))
					continue;
				ai_report(&ai->m, o->line, AI_ERROR, "%s: %s %s names nothing "
					  "in the input", o->name ? o->name : "", refs[r].key,
					  kv->v[k]);
			}
		}
	}
}

/* A map no certificate-group-map names selects nothing on the ASA; one
 * whose rules were all refused must not match every certificate. */
static void cmap_hide(struct ai *ai, struct ai_obj *o)
{
	o->hidden = 1;
	free(o->note);
	o->note = strdup(ai_kv_find(o, "rules") ? "no webvpn certificate-group-map names it" :
						  "none of its rules could be carried over");
	ai_report(&ai->m, o->line, AI_WARN, "certificate map %s: %s", o->name, o->note);
}

static void finish(struct ai *ai)
{
	if (ai->mode == M_CERT) {
		ai_report(&ai->m, ai->hex_line, AI_WARN, "certificate hex dump not ended by quit");
		cert_done(ai);
	}
	for (size_t i = 0; i < ai->n_tps; i++)
		tp_finish(ai, &ai->tps[i]);
	for (size_t i = 0; i < ai->m.n; i++) {
		struct ai_obj *o = ai->m.o[i];

		if (o->sect == S_IFACE)
			if_finish(ai, o);
		if (o->sect == S_CMAP && (!ai_kv_find(o, "tunnel-group") || !ai_kv_find(o, "rules")))
			cmap_hide(ai, o);
		if (o->sect == S_DAP && strcmp(o->name, "DfltAccessPolicy"))
			ai_report(&ai->m, o->line, AI_WARN,
				  "DAP record %s: its criteria live in dap.xml on the ASA, not in the "
				  "running-config; with none it matches every session: add its aaa / "
				  "endpoint criteria", o->name);
		if (o->sect == S_ACL && !o->aux && ai_kv_find(o, "entries")) {
			ai_set(o, "type", K_STR, "extended");
			ai_report(&ai->m, o->line, AI_NOTE, "access list %s has only remarks", o->name);
		}
	}
	check_refs(ai);
}

static void summary(struct ai *ai)
{
	const int *c = ai->m.count;

	if (!ai->m.report)
		return;
	fprintf(ai->m.report, "summary: %d error(s), %d warning(s), %d ignored, %d not "
		"applicable, %d default(s) dropped\n", c[AI_ERROR], c[AI_WARN], c[AI_IGNORED],
		c[AI_NA], c[AI_DEFAULT]);
	for (size_t i = 0; i < ai->m.n; i++)
		if (ai->m.o[i]->sect == S_USER && ai->m.o[i]->hidden)
			fprintf(ai->m.report, "needs a new password: %s\n", ai->m.o[i]->name);
}

int asaimport_run(FILE *in, FILE *out, FILE *report, const struct asaimport_opts *o)
{
	static struct ai zero;
	struct ai *ai = malloc(sizeof(*ai));
	struct line *l = malloc(sizeof(*l));
	char raw[AI_LINE_MAX], held[AI_LINE_MAX] = "";
	int no = 0, held_no = 0, held_indent = 0, rc;

	if (!ai || !l) {
		free(ai);
		free(l);
		return -1;
	}
	*ai = zero;
	ai->o = o;
	ai->m.report = report;
	while (fgets(raw, sizeof(raw), in)) {
		no++;
		if (!strchr(raw, '\n') && !feof(in)) {
			int ch;

			while ((ch = fgetc(in)) != EOF && ch != '\n')
				;
			ai_report(&ai->m, no, AI_WARN, "line longer than %d bytes left out",
				  AI_LINE_MAX - 1);
			continue;
		}
		if (!clean(raw, l))
			continue;
		if (held[0]) {
			size_t n = strlen(held);

			if (n + 1 + strlen(l->text) >= sizeof(held))
				held[0] = 0; /* too long to be a split command */
			else
				held[n] = ' ', memcpy(held + n + 1, l->text, strlen(l->text) + 1);
			if (held[0])
				memcpy(l->text, held, strlen(held) + 1);
			l->indent = held_indent;
		}
		l->no = held[0] ? held_no : no;
		if (needs_more(l->text) && (!held[0] || no - held_no < 6)) {
			if (!held[0])
				held_no = no, held_indent = l->indent;
			snprintf(held, sizeof(held), "%s", l->text);
			continue;
		}
		held[0] = 0;
		one_line(ai, l);
	}
	if (held[0]) {
		snprintf(l->text, sizeof(l->text), "%s", held);
		l->no = held_no;
		one_line(ai, l);
	}
	finish(ai);
	rc = ai_write(&ai->m, out, o->source);
	summary(ai);
	if (rc == 0)
		rc = ai->m.count[AI_ERROR];
	for (size_t i = 0; i < ai->n_tps; i++) {
		free(ai->tps[i].ca);
		free(ai->tps[i].id);
	}
	aihex_free(&ai->hex);
	ai_free(&ai->m);
	free(ai);
	free(l);
	return rc;
}
