/* Dynamic access policies: criteria, session attributes, evaluation.
 * See include/sslvpnd/dap.h for the ASA semantics reproduced here.  Pure:
 * no I/O, no OpenSSL; linked into the config library for the criterion
 * parser, used by main at login. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/config.h"
#include "sslvpnd/dap.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

/* Names as in the ASA's dap.xml where the ASA has the attribute; the
 * certificate fields are ours (the ASA reads them through its endpoint
 * certificate attributes).  ci: values compare ignoring case (names a
 * person or a device reports), else exactly (the ASA's object names). */
static const struct {
	const char *name;
	enum dap_class cls;
	int ci;
} dap_attrs[DAP_ATTR__COUNT] = {
	[DAP_AAA_GROUPPOLICY] = { "aaa.cisco.grouppolicy", DAP_CLASS_AAA, 0 },
	[DAP_AAA_USERNAME] = { "aaa.cisco.username", DAP_CLASS_AAA, 0 },
	[DAP_AAA_TUNNELGROUP] = { "aaa.cisco.tunnelgroup", DAP_CLASS_AAA, 0 },
	[DAP_AAA_CERT_SUBJECT_CN] = { "aaa.cert.subject.cn", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_SUBJECT_O] = { "aaa.cert.subject.o", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_SUBJECT_OU] = { "aaa.cert.subject.ou", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_ISSUER_CN] = { "aaa.cert.issuer.cn", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_ISSUER_O] = { "aaa.cert.issuer.o", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_ISSUER_OU] = { "aaa.cert.issuer.ou", DAP_CLASS_AAA, 1 },
	[DAP_AAA_CERT_SERIAL] = { "aaa.cert.serial", DAP_CLASS_AAA, 1 },
	[DAP_EP_CLIENTTYPE] = { "endpoint.application.clienttype", DAP_CLASS_ENDPOINT, 1 },
	[DAP_EP_PLATFORM] = { "endpoint.anyconnect.platform", DAP_CLASS_ENDPOINT, 1 },
	[DAP_EP_DEVICETYPE] = { "endpoint.anyconnect.devicetype", DAP_CLASS_ENDPOINT, 1 },
	[DAP_AAA_SERVER] = { "aaa.radius.N|aaa.ldap.NAME", DAP_CLASS_AAA, 0 },
};

/* aaa.radius.N / aaa.ldap.NAME: an AAA server's attribute (S15). */
static int server_key(const char *s, size_t n)
{
	static const char *const pre[] = { "aaa.radius.", "aaa.ldap." };

	for (size_t i = 0; i < ARRAY_SIZE(pre); i++) {
		size_t pl = strlen(pre[i]);
		size_t k;

		if (n <= pl || n >= DAP_KEY_MAX || strncmp(s, pre[i], pl) != 0)
			continue;
		for (k = pl; k < n; k++)
			if (i == 0 ? !isdigit((unsigned char)s[k])
				   : !(isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'))
				return 0;
		return 1;
	}
	return 0;
}

const char *dap_attr_name(int attr)
{
	return attr >= 0 && attr < DAP_ATTR__COUNT ? dap_attrs[attr].name : NULL;
}

enum dap_class dap_attr_class(int attr)
{
	return dap_attrs[attr].cls;
}

/* ---- criteria */
static int attr_find(const char *s, size_t n)
{
	for (int i = 0; i < DAP_ATTR__COUNT; i++)
		if (strlen(dap_attrs[i].name) == n && strncmp(dap_attrs[i].name, s, n) == 0)
			return i;
	return -1;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int dap_parse_criterion(const char *text, enum dap_class cls,
			struct dap_criterion *out, const char **why)
{
	const char *p = skip_blanks(text), *name = p, *v;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (*p && *p != ' ' && *p != '\t' && *p != '=' && *p != '!')
		p++;
	n = (size_t)(p - name);
	out->attr = server_key(name, n) ? DAP_AAA_SERVER : attr_find(name, n);
	if (out->attr == DAP_AAA_SERVER)
		memcpy(out->key, name, n);
	if (out->attr < 0) {
		/* short enough to fit a config error message with the value */
		*why = "names no DAP attribute (aaa.cisco.grouppolicy|tunnelgroup|username, "
		       "aaa.cert.subject|issuer.cn|o|ou, aaa.cert.serial, aaa.radius.N, aaa.ldap.NAME, "
		       "endpoint.application.clienttype, endpoint.anyconnect.platform|devicetype)";
		return -1;
	}
	if (dap_attrs[out->attr].cls != cls) {
		*why = cls == DAP_CLASS_AAA ? "is an endpoint attribute, not an aaa one"
					    : "is an aaa attribute, not an endpoint one";
		return -1;
	}
	p = skip_blanks(p);
	out->negate = p[0] == '!' && p[1] == '=';
	if (!out->negate && p[0] != '=') {
		*why = "has no operator: write ATTRIBUTE = VALUE or ATTRIBUTE != VALUE";
		return -1;
	}
	v = skip_blanks(p + 1 + out->negate);
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(out->value)) {
		*why = n ? "has a value longer than 127 characters" : "has an empty value";
		return -1;
	}
	memcpy(out->value, v, n);
	return 0;
}

int dap_format_criterion(const struct dap_criterion *c, char *buf, size_t len)
{
	const char *name = c->attr == DAP_AAA_SERVER ? c->key : dap_attr_name(c->attr);
	int n;

	if (!name)
		return -1;
	n = snprintf(buf, len, "%s %s %s", name, c->negate ? "!=" : "=", c->value);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* ---- the session's attributes */

/* The first "KEY=value" of an RFC 2253 name whose key is `key` (ignoring
 * case), unescaped into out; "" when absent. */
static void dn_field(const char *dn, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	out[0] = '\0';
	while (dn && *dn) {
		int hit = strncasecmp(dn, key, kl) == 0 && dn[kl] == '=';
		size_t o = 0;

		dn += hit ? kl + 1 : 0;
		for (; *dn && *dn != ',' && *dn != '+'; dn++) {
			if (*dn == '\\' && dn[1])
				dn++;
			if (hit && o + 1 < len)
				out[o++] = *dn;
		}
		if (hit) {
			out[o] = '\0';
			return;
		}
		if (*dn)
			dn++;
	}
}

static const char *client_type(const char *ua)
{
	if (util_prefix_ci(ua, "Cisco SVC IPPhone Client"))
		return "IPPhone";
	/* openconnect up to 8.x says "Open AnyConnect VPN Agent v...", later
	 * ones "AnyConnect-compatible OpenConnect VPN Agent v..." */
	if (strcasestr(ua, "OpenConnect") || util_prefix_ci(ua, "Open AnyConnect"))
		return "OpenConnect";
	if (strcasestr(ua, "AnyConnect") || strcasestr(ua, "Secure Client"))
		return "AnyConnect";
	return "Unknown";
}

/* AnyConnect names its platform in the User-Agent ("Cisco AnyConnect VPN
 * Agent for Windows 4.10", "AnyConnect Linux_64 4.10"); the ASA's
 * endpoint.anyconnect.platform values. */
static const char *platform(const char *ua)
{
	static const struct {
		const char *word, *value;
	} map[] = {
		{ "Linux_64", "linux-64" }, { "Linux", "linux" },
		{ "Windows", "win" },       { "Mac OS", "mac-intel" },
		{ "Darwin", "mac-intel" },  { "Android", "android" },
		{ "iPhone", "apple-ios" },  { "iOS", "apple-ios" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasestr(ua, map[i].word))
			return map[i].value;
	return "";
}

/* A manufacturing certificate's CN is MODEL-SEPMAC: "CP-7962G-SEP8CB64F576113". */
static void phone_model(const char *cn, char *out, size_t len)
{
	const char *sep = strstr(cn, "-SEP");
	size_t n;

	out[0] = '\0';
	if (strncasecmp(cn, "CP-", 3) != 0 || !sep || strlen(sep + 4) != 12)
		return;
	for (const char *p = sep + 4; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return;
	n = (size_t)(sep - cn);
	if (n >= len)
		return;
	memcpy(out, cn, n);
	out[n] = '\0';
}

static void put(struct dap_session *s, enum dap_attr a, const char *v)
{
	util_strlcpy(s->v[a], v ? v : "", sizeof(s->v[a]));
}

void dap_session_init(struct dap_session *s, const struct dap_input *in)
{
	const char *ua = in->user_agent ? in->user_agent : "";

	memset(s, 0, sizeof(*s));
	put(s, DAP_AAA_GROUPPOLICY, in->group_policy);
	put(s, DAP_AAA_USERNAME, in->username);
	put(s, DAP_AAA_TUNNELGROUP, in->tunnel_group);
	dn_field(in->cert_subject, "CN", s->v[DAP_AAA_CERT_SUBJECT_CN], DAP_ATTR_MAX);
	dn_field(in->cert_subject, "O", s->v[DAP_AAA_CERT_SUBJECT_O], DAP_ATTR_MAX);
	dn_field(in->cert_subject, "OU", s->v[DAP_AAA_CERT_SUBJECT_OU], DAP_ATTR_MAX);
	dn_field(in->cert_issuer, "CN", s->v[DAP_AAA_CERT_ISSUER_CN], DAP_ATTR_MAX);
	dn_field(in->cert_issuer, "O", s->v[DAP_AAA_CERT_ISSUER_O], DAP_ATTR_MAX);
	dn_field(in->cert_issuer, "OU", s->v[DAP_AAA_CERT_ISSUER_OU], DAP_ATTR_MAX);
	put(s, DAP_AAA_CERT_SERIAL, in->cert_serial);
	put(s, DAP_EP_CLIENTTYPE, client_type(ua));
	put(s, DAP_EP_PLATFORM, platform(ua));
	phone_model(s->v[DAP_AAA_CERT_SUBJECT_CN], s->v[DAP_EP_DEVICETYPE], DAP_ATTR_MAX);
	if (in->server_attrs)
		util_strlcpy(s->server, in->server_attrs, sizeof(s->server));
}

/* Does the AAA server's attribute key have value among its "key=value"
 * lines?  An attribute with several values has a line each (memberOf of
 * several groups): one equal is enough, as on the ASA.  aaa.ldap names and
 * values ignore case, as the directory does; RADIUS values are exact. */
static int server_has(const char *lines, const char *key, const char *value)
{
	int ci = util_prefix_ci(key, "aaa.ldap.");
	size_t kl = strlen(key), vl = strlen(value), n;

	for (const char *p = lines; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if ((ci ? strncasecmp(p, key, kl) : strncmp(p, key, kl)) || p[kl] != '=')
			continue;
		n = strcspn(p + kl + 1, "\n");
		if (n == vl && (ci ? strncasecmp(p + kl + 1, value, n)
				   : strncmp(p + kl + 1, value, n)) == 0)
			return 1;
	}
	return 0;
}

/* ---- matching */
static int criterion_holds(const struct dap_criterion *c, const struct dap_session *s)
{
	const char *v = s->v[c->attr];
	int eq = c->attr == DAP_AAA_SERVER
			 ? server_has(s->server, c->key, c->value)
			 : *v && (dap_attrs[c->attr].ci ? strcasecmp(v, c->value)
							: strcmp(v, c->value)) == 0;

	return c->negate ? !eq : eq;
}

static int class_holds(const struct dap_criteria *k, const struct dap_session *s)
{
	size_t hits = 0;

	if (!k->n)
		return 1;
	for (size_t i = 0; i < k->n; i++)
		hits += criterion_holds(&k->c[i], s) != 0;
	switch (k->match) {
	case DAP_MATCH_ALL: return hits == k->n;
	case DAP_MATCH_NONE: return hits == 0;
	default: return hits > 0;
	}
}

int dap_record_matches(const struct cfg_dap *r, const struct dap_session *s)
{
	return class_holds(&r->aaa, s) && class_holds(&r->endpoint, s);
}

int dap_active(const struct sslvpnd_config *cfg)
{
	for (size_t i = 0; cfg && i < cfg->n_daps; i++)
		if (!cfg->daps[i].builtin)
			return 1;
	return 0;
}

/* ---- evaluation */

/* Higher priority first; equal priorities keep file order (the sort is
 * stable: insertion into a small array). */
static void select_records(const struct sslvpnd_config *cfg, const struct dap_session *s,
			   struct dap_result *out)
{
	for (size_t i = 0; i < cfg->n_daps && out->n_selected < DAP_MAX_RECORDS; i++) {
		const struct cfg_dap *r = &cfg->daps[i];
		size_t j;

		if (!strcmp(r->name, DAP_DFLT_NAME) || !dap_record_matches(r, s))
			continue;
		for (j = out->n_selected; j > 0 && out->selected[j - 1]->priority < r->priority; j--)
			out->selected[j] = out->selected[j - 1];
		out->selected[j] = r;
		out->n_selected++;
	}
	if (out->n_selected == 0) {
		const struct cfg_dap *d = config_dap(cfg, DAP_DFLT_NAME);

		if (d) {
			out->selected[0] = d;
			out->n_selected = 1;
		}
		out->dflt = 1;
	}
}

static void append(char *buf, size_t len, const char *sep, const char *word)
{
	size_t o = strlen(buf);

	if (o)
		o += util_strlcpy(buf + o, sep, len - o);
	if (o + 1 < len)
		util_strlcpy(buf + o, word, len - o);
}

/* The combined action: terminate > quarantine > continue. */
static int combined_action(const struct dap_result *r)
{
	int a = DAP_CONTINUE;

	for (size_t i = 0; i < r->n_selected; i++) {
		if (r->selected[i]->action == DAP_TERMINATE)
			return DAP_TERMINATE;
		if (r->selected[i]->action == DAP_QUARANTINE)
			a = DAP_QUARANTINE;
	}
	return a;
}

static int filter_has(const char *filter, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = filter; *p;) {
		const char *sp = strchr(p, ' ');
		size_t l = sp ? (size_t)(sp - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return 1;
		p += l + (sp != NULL);
	}
	return 0;
}

/* The network ACLs of the records that decide the session (all selected
 * records; under quarantine only the quarantining ones), in priority
 * order, each list once.  -1 when they do not fit. */
static int aggregate_acls(struct dap_result *r)
{
	size_t lists = 0;

	for (size_t i = 0; i < r->n_selected; i++) {
		const struct cfg_dap *d = r->selected[i];

		if (r->action == DAP_QUARANTINE && d->action != DAP_QUARANTINE)
			continue;
		for (size_t k = 0; k < d->network_acls.n; k++) {
			const char *acl = d->network_acls.v[k];
			size_t o = strlen(r->filter);

			if (filter_has(r->filter, acl))
				continue;
			if (o + strlen(acl) + 2 > sizeof(r->filter))
				return -1;
			append(r->filter, sizeof(r->filter), " ", acl);
			lists++;
		}
	}
	r->deny_first = lists > 1;
	return 0;
}

/* Names for 734001/734002 and the user messages of the deciding records:
 * under terminate the terminating records, else every selected record. */
static void describe(struct dap_result *r)
{
	for (size_t i = 0; i < r->n_selected; i++) {
		const struct cfg_dap *d = r->selected[i];
		int decides = r->action != DAP_TERMINATE || d->action == DAP_TERMINATE;

		append(r->records, sizeof(r->records), ", ", d->name);
		if (d->action == DAP_TERMINATE)
			append(r->terminated_by, sizeof(r->terminated_by), ", ", d->name);
		if (decides && d->user_message[0])
			append(r->message, sizeof(r->message), " ", d->user_message);
	}
}

static void attr_lines(const struct dap_session *s, struct dap_result *r)
{
	for (int a = 0; a < DAP_ATTR__COUNT; a++) {
		char *line = r->attrs[r->n_attrs];

		if (!s->v[a][0])
			continue;
		/* "name = value": the longest name plus DAP_ATTR_MAX fits */
		util_strlcpy(line, dap_attrs[a].name, DAP_LINE_MAX);
		append(line, DAP_LINE_MAX, " = ", s->v[a]);
		r->n_attrs++;
	}
}

int dap_evaluate(const struct sslvpnd_config *cfg, const struct dap_session *s,
		 struct dap_result *out)
{
	memset(out, 0, sizeof(*out));
	attr_lines(s, out);
	select_records(cfg, s, out);
	out->action = combined_action(out);
	describe(out);
	if (out->n_selected == 0) /* no DfltAccessPolicy: a snapshot not from config_load */
		util_strlcpy(out->records, DAP_DFLT_NAME, sizeof(out->records));
	if (out->action != DAP_TERMINATE && aggregate_acls(out) < 0) {
		out->action = DAP_TERMINATE;
		out->filter[0] = '\0';
		util_strlcpy(out->terminated_by, out->records, sizeof(out->terminated_by));
		util_strlcpy(out->message, "too many network ACLs in the selected DAP records",
			     sizeof(out->message));
		return -1;
	}
	return 0;
}

void dap_login_events(const struct dap_result *r, const char *user, const char *addr,
		      dap_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < r->n_attrs; i++) {
		const char *a[] = { user, addr, r->attrs[i] };

		emit(arg, LM_DAP_ATTRIBUTE, a);
	}
	if (r->action != DAP_TERMINATE)
		return;
	const char *sel[] = { user, addr, DAP_CONNECTION, r->records };
	const char *term[] = { user, addr, r->terminated_by };

	emit(arg, LM_DAP_SELECTED, sel);
	emit(arg, LM_DAP_TERMINATED, term);
}

/* ---- show running-config dynamic-access-policy-record */
static const char *const dap_action_names[] = { "", "continue", "terminate", "quarantine" };
static const char *const dap_match_names[] = { "", "ANY", "ALL", "NONE" };

static void showrun_criteria(FILE *fp, const char *cls, const struct dap_criteria *k)
{
	char buf[DAP_TEXT_MAX];

	for (size_t i = 0; i < k->n; i++)
		if (dap_format_criterion(&k->c[i], buf, sizeof(buf)) >= 0)
			fprintf(fp, " ! %s %s: %s\n", cls, dap_match_names[k->match], buf);
}

static void showrun_record(FILE *fp, const struct cfg_dap *d)
{
	fprintf(fp, "dynamic-access-policy-record %s\n", d->name);
	if (d->description[0])
		fprintf(fp, " description \"%s\"\n", d->description);
	for (size_t i = 0; i < d->network_acls.n; i++)
		fprintf(fp, " network-acl %s\n", d->network_acls.v[i]);
	if (d->priority >= 0)
		fprintf(fp, " priority %d\n", d->priority);
	if (d->user_message[0])
		fprintf(fp, " user-message \"%s\"\n", d->user_message);
	if (d->action >= DAP_CONTINUE && d->action <= DAP_QUARANTINE)
		fprintf(fp, " action %s\n", dap_action_names[d->action]);
	showrun_criteria(fp, "aaa", &d->aaa);
	showrun_criteria(fp, "endpoint", &d->endpoint);
}

int dap_showrun(FILE *fp, const struct sslvpnd_config *cfg, const char *name)
{
	const struct cfg_dap *dflt = config_dap(cfg, DAP_DFLT_NAME);

	if (name) {
		const struct cfg_dap *d = config_dap(cfg, name);

		if (!d)
			return -1;
		showrun_record(fp, d);
		return 0;
	}
	if (dflt)
		showrun_record(fp, dflt);
	for (size_t i = 0; i < cfg->n_daps; i++)
		if (&cfg->daps[i] != dflt)
			showrun_record(fp, &cfg->daps[i]);
	return 0;
}
