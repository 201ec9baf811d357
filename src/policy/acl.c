/* Access-list entries: ASA syntax <-> struct acl_entry.
 *
 * Pure text processing; linked into the config library (which parses every
 * entry at load time, so a malformed one is a config error with its line)
 * and used by src/policy and src/main through the stored structs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/util.h"

enum { ACL_MAX_TOKENS = 12 };

struct acl_toks {
	char buf[ACL_TEXT_MAX];
	char *t[ACL_MAX_TOKENS];
	size_t n, i;
};

static int toks_split(struct acl_toks *k, const char *text, const char **why)
{
	char *save = NULL, *tok;

	memset(k, 0, sizeof(*k));
	if (strlen(text) >= sizeof(k->buf)) {
		*why = "entry is too long";
		return -1;
	}
	memcpy(k->buf, text, strlen(text) + 1);
	for (tok = strtok_r(k->buf, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (k->n == ACL_MAX_TOKENS) {
			*why = "too many words";
			return -1;
		}
		k->t[k->n++] = tok;
	}
	return 0;
}

static const char *toks_next(struct acl_toks *k)
{
	return k->i < k->n ? k->t[k->i++] : NULL;
}

static const char *toks_peek(const struct acl_toks *k)
{
	return k->i < k->n ? k->t[k->i] : NULL;
}

int acl_type_parse(const char *s)
{
	if (strcmp(s, "standard") == 0)
		return ACL_STANDARD;
	if (strcmp(s, "extended") == 0)
		return ACL_EXTENDED;
	return -1;
}

const char *acl_type_name(enum acl_type t)
{
	return t == ACL_STANDARD ? "standard" : "extended";
}

/* ---- numbers and names */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end || *out > max ? -1 : 0;
}

struct acl_name {
	const char *name;
	int value;
};

static const struct acl_name acl_protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { NULL, 0 },
};

/* The ASA's port names that matter for VPN filters; numbers always work. */
static const struct acl_name acl_ports[] = {
	{ "ftp-data", 20 }, { "ftp", 21 },     { "ssh", 22 },     { "telnet", 23 },
	{ "smtp", 25 },     { "domain", 53 },  { "bootps", 67 },  { "bootpc", 68 },
	{ "tftp", 69 },     { "www", 80 },     { "http", 80 },    { "pop3", 110 },
	{ "ntp", 123 },     { "netbios-ns", 137 }, { "imap4", 143 }, { "snmp", 161 },
	{ "ldap", 389 },    { "https", 443 },  { "isakmp", 500 }, { "syslog", 514 },
	{ "sip", 5060 },    { NULL, 0 },
};

static int name_lookup(const struct acl_name *t, const char *s)
{
	for (; t->name; t++)
		if (strcmp(t->name, s) == 0)
			return t->value;
	return -1;
}

static const char *name_of(const struct acl_name *t, int v)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	return NULL;
}

static int parse_proto(const char *s, int16_t *out)
{
	unsigned long n;
	int v;

	if (strcmp(s, "ip") == 0) {
		*out = ACL_PROTO_IP;
		return 0;
	}
	if ((v = name_lookup(acl_protos, s)) >= 0) {
		*out = (int16_t)v;
		return 0;
	}
	if (parse_uint(s, 255, &n) < 0)
		return -1;
	*out = (int16_t)n;
	return 0;
}

static int parse_port(const char *s, uint16_t *out)
{
	unsigned long n;
	int v;

	if ((v = name_lookup(acl_ports, s)) >= 0) {
		*out = (uint16_t)v;
		return 0;
	}
	if (parse_uint(s, 65535, &n) < 0)
		return -1;
	*out = (uint16_t)n;
	return 0;
}

/* ---- addresses */
static int mask_len(uint32_t m)
{
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m ? -1 : n;
}

static int host_bits6(const uint8_t *a, int plen)
{
	for (int i = 0; i < 16; i++) {
		int keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
		uint8_t m = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		if (a[i] & (uint8_t)~m)
			return 1;
	}
	return 0;
}

static int parse_prefix6(const char *s, struct acl_addr *a, const char **why)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long plen;

	if (!slash || (size_t)(slash - s) >= INET6_ADDRSTRLEN) {
		*why = "expected an IPv6 prefix X:X::X/N";
		return -1;
	}
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (inet_pton(AF_INET6, tmp, a->a) != 1) {
		*why = "bad IPv6 address";
		return -1;
	}
	if (parse_uint(slash + 1, 128, &plen) < 0) {
		*why = "IPv6 prefix length must be 0..128";
		return -1;
	}
	if (host_bits6(a->a, (int)plen)) {
		*why = "IPv6 address has bits set outside the prefix length";
		return -1;
	}
	a->af = ACL_AF_6;
	a->plen = (uint8_t)plen;
	return 0;
}

static int parse_host(struct acl_toks *k, struct acl_addr *a, const char **why)
{
	const char *s = toks_next(k);

	if (!s) {
		*why = "\"host\" needs an address";
		return -1;
	}
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->af = ACL_AF_4;
		a->plen = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->af = ACL_AF_6;
		a->plen = 128;
		return 0;
	}
	*why = "\"host\" needs an IPv4 or IPv6 address";
	return -1;
}

static int parse_net4(struct acl_toks *k, const char *s, struct acl_addr *a,
		      const char **why)
{
	const char *ms = toks_next(k);
	uint32_t addr, mask;
	int len;

	if (inet_pton(AF_INET, s, &addr) != 1) {
		*why = "expected any, any4, any6, host A, A M or an IPv6 prefix";
		return -1;
	}
	if (!ms || inet_pton(AF_INET, ms, &mask) != 1) {
		*why = "IPv4 address needs a netmask (A M) or \"host A\"";
		return -1;
	}
	if ((len = mask_len(ntohl(mask))) < 0) {
		*why = "netmask is not contiguous";
		return -1;
	}
	if (addr & ~mask) {
		*why = "address and mask do not pair (host bits set)";
		return -1;
	}
	memcpy(a->a, &addr, 4);
	a->af = ACL_AF_4;
	a->plen = (uint8_t)len;
	return 0;
}

static int parse_addr(struct acl_toks *k, struct acl_addr *a, const char **why)
{
	const char *s = toks_next(k);

	memset(a, 0, sizeof(*a));
	if (!s) {
		*why = "missing address";
		return -1;
	}
	if (strcmp(s, "any") == 0)
		return 0;
	if (strcmp(s, "any4") == 0 || strcmp(s, "any6") == 0) {
		a->af = s[3] == '4' ? ACL_AF_4 : ACL_AF_6;
		return 0;
	}
	if (strcmp(s, "host") == 0)
		return parse_host(k, a, why);
	if (strchr(s, ':'))
		return parse_prefix6(s, a, why);
	return parse_net4(k, s, a, why);
}

/* Optional port operator after an extended address (tcp / udp only). */
static int parse_portop(struct acl_toks *k, int16_t proto, struct acl_port *p,
			const char **why)
{
	static const char *const ops[] = { "", "eq", "neq", "lt", "gt", "range" };
	const char *s = toks_peek(k);
	unsigned op;

	for (op = ACL_OP_EQ; s && op <= ACL_OP_RANGE; op++)
		if (strcmp(s, ops[op]) == 0)
			break;
	if (!s || op > ACL_OP_RANGE)
		return 0;
	if (proto != 6 && proto != 17) {
		*why = "port operators need protocol tcp or udp";
		return -1;
	}
	k->i++;
	p->op = (uint8_t)op;
	s = toks_next(k);
	if (!s || parse_port(s, &p->lo) < 0) {
		*why = "bad or missing port";
		return -1;
	}
	if (op != ACL_OP_RANGE)
		return 0;
	s = toks_next(k);
	if (!s || parse_port(s, &p->hi) < 0 || p->hi < p->lo) {
		*why = "range needs two ports, low first";
		return -1;
	}
	return 0;
}

static int parse_action(struct acl_toks *k, struct acl_entry *e, const char **why)
{
	const char *s = toks_next(k);

	if (s && strcmp(s, "permit") == 0)
		e->permit = 1;
	else if (!s || strcmp(s, "deny") != 0) {
		*why = "must start with permit, deny or remark";
		return -1;
	}
	return 0;
}

static int parse_extended(struct acl_toks *k, struct acl_entry *e, const char **why)
{
	const char *p = toks_next(k);

	if (!p || parse_proto(p, &e->proto) < 0) {
		*why = "expected a protocol (ip, tcp, udp, icmp, icmp6, 0..255)";
		return -1;
	}
	if (parse_addr(k, &e->src, why) < 0 ||
	    parse_portop(k, e->proto, &e->sport, why) < 0 ||
	    parse_addr(k, &e->dst, why) < 0 ||
	    parse_portop(k, e->proto, &e->dport, why) < 0)
		return -1;
	if (e->src.af && e->dst.af && e->src.af != e->dst.af) {
		*why = "source and destination are of different address families";
		return -1;
	}
	return 0;
}

/* remark TEXT: the text as written (inner spacing kept), up to 100
 * characters like the ASA's "access-list NAME remark" */
static int is_remark(const char *text)
{
	text += strspn(text, " \t");
	return !strncmp(text, "remark", 6) &&
	       (text[6] == '\0' || text[6] == ' ' || text[6] == '\t');
}

static int parse_remark(const char *text, struct acl_entry *out, const char **why)
{
	const char *r = text + strspn(text, " \t") + strlen("remark");
	size_t n;

	r += strspn(r, " \t");
	n = strlen(r);
	while (n && (r[n - 1] == ' ' || r[n - 1] == '\t'))
		n--;
	if (n >= sizeof(out->remark_text)) {
		*why = "remark text is longer than 100 characters";
		return -1;
	}
	memcpy(out->remark_text, r, n);
	out->remark_text[n] = '\0';
	out->remark = 1;
	return 0;
}

int acl_parse_entry(enum acl_type t, const char *text, struct acl_entry *out,
		    const char **why)
{
	struct acl_toks k;

	memset(out, 0, sizeof(*out));
	out->proto = ACL_PROTO_IP;
	/* before the word split: a remark is free text of any word count */
	if (is_remark(text))
		return parse_remark(text, out, why);
	if (toks_split(&k, text, why) < 0)
		return -1;
	if (parse_action(&k, out, why) < 0)
		return -1;
	if (t == ACL_STANDARD) {
		if (parse_addr(&k, &out->dst, why) < 0)
			return -1;
	} else if (parse_extended(&k, out, why) < 0) {
		return -1;
	}
	if (k.i != k.n) {
		*why = "unexpected words at the end";
		return -1;
	}
	return 0;
}

/* ---- printing */
int acl_format_addr(const struct acl_addr *a, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	uint32_t mask;
	int n;

	if (a->af == ACL_AF_ANY)
		n = snprintf(buf, len, "any");
	else if (a->af == ACL_AF_4 && a->plen == 0 && !memcmp(a->a, "\0\0\0", 4))
		n = snprintf(buf, len, "any4");
	else if (a->af == ACL_AF_6 && a->plen == 0)
		n = snprintf(buf, len, "any6");
	else if (a->af == ACL_AF_4) {
		mask = a->plen ? htonl(0xffffffffu << (32 - a->plen)) : 0;
		inet_ntop(AF_INET, a->a, s, sizeof(s));
		inet_ntop(AF_INET, &mask, m, sizeof(m));
		n = a->plen == 32 ? snprintf(buf, len, "host %s", s)
				  : snprintf(buf, len, "%s %s", s, m);
	} else {
		inet_ntop(AF_INET6, a->a, s, sizeof(s));
		n = a->plen == 128 ? snprintf(buf, len, "host %s", s)
				   : snprintf(buf, len, "%s/%u", s, a->plen);
	}
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static int format_port(const struct acl_port *p, char *buf, size_t len)
{
	static const char *const ops[] = { "", "eq", "neq", "lt", "gt", "range" };
	const char *lo = name_of(acl_ports, p->lo), *hi = name_of(acl_ports, p->hi);
	char a[8], b[8];
	int n;

	if (p->op == ACL_OP_NONE) {
		buf[0] = '\0';
		return 0;
	}
	snprintf(a, sizeof(a), "%u", p->lo);
	snprintf(b, sizeof(b), "%u", p->hi);
	n = p->op == ACL_OP_RANGE
		    ? snprintf(buf, len, " range %s %s", lo ? lo : a, hi ? hi : b)
		    : snprintf(buf, len, " %s %s", ops[p->op], lo ? lo : a);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int acl_format_entry(enum acl_type t, const struct acl_entry *e, char *buf,
		     size_t len)
{
	char src[64], dst[64], sp[32], dp[32], pr[8];
	const char *act = e->permit ? "permit" : "deny";
	const char *pn;
	int n;

	if (e->remark) {
		n = snprintf(buf, len, "remark%s%s", e->remark_text[0] ? " " : "",
			     e->remark_text);
		return n < 0 || (size_t)n >= len ? -1 : n;
	}
	if (acl_format_addr(&e->dst, dst, sizeof(dst)) < 0)
		return -1;
	if (t == ACL_STANDARD) {
		n = snprintf(buf, len, "%s %s", act, dst);
		return n < 0 || (size_t)n >= len ? -1 : n;
	}
	if (acl_format_addr(&e->src, src, sizeof(src)) < 0 ||
	    format_port(&e->sport, sp, sizeof(sp)) < 0 ||
	    format_port(&e->dport, dp, sizeof(dp)) < 0)
		return -1;
	pn = e->proto == ACL_PROTO_IP ? "ip" : name_of(acl_protos, e->proto);
	if (!pn) {
		snprintf(pr, sizeof(pr), "%d", e->proto);
		pn = pr;
	}
	n = snprintf(buf, len, "%s %s %s%s %s%s", act, pn, src, sp, dst, dp);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int acl_prefix4(const struct acl_addr *a, uint32_t *addr, uint32_t *mask)
{
	if (a->af != ACL_AF_4)
		return -1;
	memcpy(addr, a->a, 4);
	*mask = a->plen ? htonl(0xffffffffu << (32 - a->plen)) : 0;
	return 0;
}
