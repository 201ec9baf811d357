/* Parser for the AnyConnect aggregate-auth document (config-auth).
 *
 * Our own small non-validating XML reader instead of a general library: the
 * ASA's pre-auth XML parser was CVE-2018-0101, and a DTD, external entities
 * or entity expansion have no business in a login form.  What is accepted is
 * a strict subset of XML 1.0: an optional XML declaration, comments, CDATA,
 * elements with quoted attributes, the five predefined entities and numeric
 * character references.  Everything else (DOCTYPE, processing instructions,
 * other entities, malformed UTF-8, control characters) rejects the whole
 * document.  Nothing is allocated: element names are spans into the body,
 * the open elements sit on a fixed stack, and text goes straight into the
 * bounded fields of struct xmlauth_req.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sslvpnd/http.h"
#include "sslvpnd/util.h"
#include "sslvpnd/xmlauth.h"

enum {
	XML_MAX_DEPTH = XMLAUTH_DEPTH_CEILING,
	XML_MAX_ATTRS = 16, /* per start tag; AnyConnect's device-id has 5 */
	XML_ATTR_SCRATCH = 32,
};

/* What an open element means for extraction. */
enum kind {
	K_OTHER, /* checked, content dropped */
	K_ROOT, /* <config-auth> */
	K_AUTH, /* <config-auth><auth> */
	K_SG, /* <config-auth><opaque is-for="sg"> */
	K_FIELD, /* text goes to a member of struct xmlauth_req */
};

struct span {
	const uint8_t *p;
	size_t n;
};

/* Destination of decoded text; p == NULL drops it (but it is still checked). */
struct sink {
	char *p;
	size_t cap;
	size_t len;
};

struct frame {
	struct span name;
	enum kind kind;
	int field; /* index into fields[] for K_FIELD, else -1 */
	int veto; /* an attribute says this is not the element we want */
	struct sink text;
};

struct xp {
	const uint8_t *p;
	const uint8_t *end;
	struct xmlauth_req *out;
	struct frame st[XML_MAX_DEPTH];
	int depth;
	unsigned int seen; /* fields[] already filled */
	int max_depth;
	size_t elements, max_elements;
	enum xmlauth_err err; /* which limit stopped the parse */
};

/* clang-format off */
#define FIELD(parent, tag, member)                           \
	{ parent, tag, offsetof(struct xmlauth_req, member), \
	  sizeof(((struct xmlauth_req *)0)->member) }
/* clang-format on */

/* Where each extracted string lives.  A field that appears twice rejects
 * the document: with two usernames there is no right answer to pick. */
static const struct field {
	enum kind parent;
	const char *tag;
	size_t off;
	size_t cap;
} fields[] = {
	FIELD(K_ROOT, "version", version),
	FIELD(K_ROOT, "device-id", device_id),
	FIELD(K_ROOT, "group-select", group_select),
	FIELD(K_ROOT, "group-access", group_access),
	FIELD(K_ROOT, "session-token", session_token),
	FIELD(K_AUTH, "username", username),
	FIELD(K_AUTH, "password", password),
	FIELD(K_AUTH, "secondary_password", secondary_password),
	FIELD(K_AUTH, "group_list", group_list),
	FIELD(K_SG, "tunnel-group", opaque_tunnel_group),
	FIELD(K_SG, "aggauth-handle", aggauth_handle),
};

static const struct {
	const char *name;
	enum xmlauth_type type;
} types[] = {
	{ "init", XA_INIT },
	{ "auth-reply", XA_AUTH_REPLY },
	{ "logout", XA_LOGOUT },
};

static const struct {
	const char *name;
	char c;
} entities[] = {
	{ "lt", '<' },	 { "gt", '>' },	   { "amp", '&' },
	{ "quot", '"' }, { "apos", '\'' },
};

static const uint8_t bom[3] = { 0xef, 0xbb, 0xbf };

/* ---- characters ---------------------------------------------------------- */

/* XML 1.0 Char production. */
static int xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Length of the well-formed UTF-8 sequence at p[0..n) if it encodes an XML
 * Char, else 0 (overlong forms, surrogates and controls included). */
static size_t utf8_char(const uint8_t *p, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (p[0] < 0x80)
		return xml_char(p[0]) ? 1 : 0;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] < 0xf5) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000))
		return 0;
	return xml_char(c) ? len : 0;
}

/* The whole body is checked once up front, so every string we hand out is
 * valid UTF-8 without controls, and the parser proper deals only with
 * structure. */
static int valid_chars(const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_char(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

static size_t utf8_put(uint8_t out[4], uint32_t c)
{
	if (c < 0x80) {
		out[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (uint8_t)(0xc0 | c >> 6);
		out[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (uint8_t)(0xe0 | c >> 12);
		out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | c >> 18);
	out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append to a sink, keeping it NUL-terminated; -1 when it would not fit. */
static int put(struct sink *s, const void *b, size_t n)
{
	if (!s->p)
		return 0;
	if (n >= s->cap - s->len)
		return -1;
	memcpy(s->p + s->len, b, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

/* ---- cursor helpers ------------------------------------------------------ */

static size_t left(const struct xp *x)
{
	return (size_t)(x->end - x->p);
}

static int at(const struct xp *x, const char *s)
{
	size_t n = strlen(s);

	return left(x) >= n && !memcmp(x->p, s, n);
}

static size_t skip_ws(struct xp *x)
{
	const uint8_t *start = x->p;

	while (x->p < x->end && is_ws(*x->p))
		x->p++;
	return (size_t)(x->p - start);
}

/* Offset of s in p[0..n), or n when absent. */
static size_t find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (p[i] == (uint8_t)s[0] && !memcmp(p + i, s, k))
			return i;
	return n;
}

static int span_is(struct span s, const char *str)
{
	return strlen(str) == s.n && !memcmp(s.p, str, s.n);
}

static int span_eq(struct span a, struct span b)
{
	return a.n == b.n && !memcmp(a.p, b.p, a.n);
}

/* ASCII names only: nothing in config-auth needs more. */
static int name(struct xp *x, struct span *out)
{
	const uint8_t *s = x->p;
	uint8_t c;

	while (x->p < x->end) {
		c = *x->p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == ':' ||
		      (x->p > s &&
		       ((c >= '0' && c <= '9') || c == '-' || c == '.'))))
			break;
		x->p++;
	}
	out->p = s;
	out->n = (size_t)(x->p - s);
	return out->n ? 0 : -1;
}

/* ---- references ---------------------------------------------------------- */

/* &#NN; or &#xNN; at p[0..n) (p after "&#"); the code point must be an XML
 * Char, so &#0; and control characters cannot sneak into a password. */
static int numref(const uint8_t *p, size_t n, size_t *used, uint32_t *cp)
{
	uint32_t base = 10, c = 0, d;
	size_t i = 0, digits = 0;

	if (n && p[0] == 'x') {
		base = 16;
		i = 1;
	}
	for (; i < n && p[i] != ';'; i++, digits++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (base == 16 && (p[i] | 0x20) >= 'a' &&
			 (p[i] | 0x20) <= 'f')
			d = (uint32_t)((p[i] | 0x20) - 'a' + 10);
		else
			return -1;
		c = c * base + d;
		if (c > 0x10ffff)
			return -1;
	}
	if (i == n || !digits || !xml_char(c))
		return -1;
	*used = i + 1;
	*cp = c;
	return 0;
}

/* Decode the reference at *pp (pointing at '&') into s and advance. */
static int reference(const uint8_t **pp, const uint8_t *end, struct sink *s)
{
	const uint8_t *p = *pp + 1;
	size_t n = (size_t)(end - p), used, i;
	uint8_t u[4];
	uint32_t c;

	if (n && p[0] == '#') {
		if (numref(p + 1, n - 1, &used, &c))
			return -1;
		*pp = p + 1 + used;
		return put(s, u, utf8_put(u, c));
	}
	for (i = 0; i < ARRAY_SIZE(entities); i++) {
		used = strlen(entities[i].name);
		if (n > used && !memcmp(p, entities[i].name, used) &&
		    p[used] == ';') {
			*pp = p + used + 1;
			return put(s, &entities[i].c, 1);
		}
	}
	return -1; /* any other entity: we have no DTD to define it */
}

/* Decode character data p[0..n) into s.  In attribute values '<' is
 * forbidden; in text the caller stops at '<' already. */
static int decode(const uint8_t *p, size_t n, struct sink *s)
{
	const uint8_t *end = p + n, *run;

	while (p < end) {
		if (*p == '&') {
			if (reference(&p, end, s))
				return -1;
			continue;
		}
		if (*p == '<')
			return -1;
		run = p;
		while (p < end && *p != '&' && *p != '<')
			p++;
		if (put(s, run, (size_t)(p - run)))
			return -1;
	}
	return 0;
}

/* ---- markup -------------------------------------------------------------- */

static int comment(struct xp *x)
{
	size_t k;

	x->p += 4;
	k = find(x->p, left(x), "--");
	/* "--" must end the comment (XML 1.0 2.5) */
	if (k + 3 > left(x) || x->p[k + 2] != '>')
		return -1;
	x->p += k + 3;
	return 0;
}

static int cdata(struct xp *x, struct sink *s)
{
	size_t k;

	x->p += 9;
	k = find(x->p, left(x), "]]>");
	if (k == left(x))
		return -1;
	if (put(s, x->p, k))
		return -1;
	x->p += k + 3;
	return 0;
}

/* Character data up to the next '<'. */
static int text(struct xp *x, struct sink *s)
{
	const uint8_t *start = x->p;
	size_t n;

	while (x->p < x->end && *x->p != '<')
		x->p++;
	n = (size_t)(x->p - start);
	if (find(start, n, "]]>") != n)
		return -1;
	return decode(start, n, s);
}

/* Decode an interesting attribute into dst; too long is malformed. */
static int attr_str(struct span raw, char *dst, size_t cap)
{
	struct sink s = { dst, cap, 0 };

	dst[0] = '\0';
	return decode(raw.p, raw.n, &s);
}

static int on_root_attr(struct xp *x, struct span n, struct span raw)
{
	char v[XML_ATTR_SCRATCH];
	size_t i;

	if (span_is(n, "client"))
		return attr_str(raw, x->out->client, sizeof(x->out->client));
	if (!span_is(n, "type"))
		return decode(raw.p, raw.n, &(struct sink){ 0 });
	if (attr_str(raw, v, sizeof(v)))
		return -1;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(v, types[i].name))
			x->out->type = types[i].type;
	return 0;
}

/* Attributes that change what an element means: config-auth@type/@client,
 * opaque@is-for (only the "sg" opaque is ours) and version@who (only the
 * client's own version).  All others are decoded only to check them. */
static int on_attr(struct xp *x, struct frame *f, struct span n,
		   struct span raw)
{
	char v[XML_ATTR_SCRATCH];
	int opaque = f->kind == K_SG, version;

	if (f->kind == K_ROOT)
		return on_root_attr(x, n, raw);
	version = f->kind == K_FIELD &&
		  !strcmp(fields[f->field].tag, "version");
	if ((opaque && span_is(n, "is-for")) ||
	    (version && span_is(n, "who"))) {
		if (attr_str(raw, v, sizeof(v)))
			return -1;
		f->veto = strcmp(v, opaque ? "sg" : "vpn") != 0;
		return 0;
	}
	return decode(raw.p, raw.n, &(struct sink){ 0 });
}

/* One name="value" or name='value'. */
static int attr(struct xp *x, struct span *n, struct span *raw)
{
	const uint8_t *q;
	uint8_t quote;

	if (name(x, n))
		return -1;
	skip_ws(x);
	if (!at(x, "="))
		return -1;
	x->p++;
	skip_ws(x);
	if (!left(x) || (*x->p != '"' && *x->p != '\''))
		return -1;
	quote = *x->p++;
	q = memchr(x->p, quote, left(x));
	if (!q)
		return -1;
	raw->p = x->p;
	raw->n = (size_t)(q - x->p);
	x->p = q + 1;
	return 0;
}

/* Attributes up to '>' or '/>'; *empty tells which.  Duplicate names are
 * not well-formed XML and would make "which type= counts" ambiguous. */
static int attrs(struct xp *x, struct frame *f, int *empty)
{
	struct span names[XML_MAX_ATTRS], raw;
	size_t n = 0, i;
	int sep;

	for (;;) {
		sep = skip_ws(x) > 0;
		if (at(x, ">") || at(x, "/>")) {
			*empty = *x->p == '/';
			x->p += *empty ? 2 : 1;
			return 0;
		}
		if (!sep || n == XML_MAX_ATTRS || attr(x, &names[n], &raw))
			return -1;
		for (i = 0; i < n; i++)
			if (span_eq(names[i], names[n]))
				return -1;
		if (on_attr(x, f, names[n++], raw))
			return -1;
	}
}

static int field_of(enum kind parent, struct span n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i].parent == parent && span_is(n, fields[i].tag))
			return (int)i;
	return -1;
}

/* Meaning of a new element from its parent and name, before attributes. */
static int classify(struct xp *x, struct frame *f)
{
	const struct frame *up = x->depth ? &x->st[x->depth - 1] : NULL;

	f->kind = K_OTHER;
	f->field = -1;
	if (!up) {
		if (!span_is(f->name, "config-auth"))
			return -1;
		f->kind = K_ROOT;
		return 0;
	}
	if (up->kind == K_ROOT && span_is(f->name, "auth")) {
		f->kind = K_AUTH;
	} else if (up->kind == K_ROOT && span_is(f->name, "opaque")) {
		f->kind = K_SG;
		f->veto = 1; /* until is-for="sg" turns up */
	} else {
		f->field = field_of(up->kind, f->name);
		if (f->field >= 0)
			f->kind = K_FIELD;
	}
	return 0;
}

/* After the attributes: apply vetoes, record flags, bind the text sink. */
static int settle(struct xp *x, struct frame *f)
{
	const struct field *fd;
	const struct frame *up = x->depth ? &x->st[x->depth - 1] : NULL;

	if (f->veto)
		f->kind = K_OTHER;
	if (f->kind == K_AUTH)
		x->out->has_auth = 1;
	if (up && up->kind == K_ROOT && span_is(f->name, "client-cert-fail"))
		x->out->client_cert_fail = 1;
	if (f->kind != K_FIELD)
		return 0;
	if (x->seen & 1u << f->field)
		return -1;
	x->seen |= 1u << f->field;
	fd = &fields[f->field];
	f->text.p = (char *)x->out + fd->off;
	f->text.cap = fd->cap;
	f->text.len = 0;
	f->text.p[0] = '\0';
	return 0;
}

static int start_tag(struct xp *x)
{
	struct frame f = { .field = -1 };
	int empty, r;

	x->p++;
	if (x->depth >= x->max_depth) {
		x->err = XAE_DEPTH;
		return -1;
	}
	if (++x->elements > x->max_elements) {
		x->err = XAE_ELEMENTS;
		return -1;
	}
	if (name(x, &f.name) || classify(x, &f))
		return -1;
	r = attrs(x, &f, &empty);
	if (!r)
		r = settle(x, &f);
	if (!r && !empty)
		x->st[x->depth++] = f;
	return r;
}

static int end_tag(struct xp *x)
{
	struct span n;

	x->p += 2;
	if (name(x, &n) || !span_eq(n, x->st[x->depth - 1].name))
		return -1;
	skip_ws(x);
	if (!at(x, ">"))
		return -1;
	x->p++;
	x->depth--;
	return 0;
}

/* Content of the open elements until the root closes. */
static int content(struct xp *x)
{
	struct sink *s;
	int r;

	while (x->depth > 0) {
		s = &x->st[x->depth - 1].text;
		if (!left(x))
			r = -1; /* unclosed element */
		else if (*x->p != '<')
			r = text(x, s);
		else if (at(x, "</"))
			r = end_tag(x);
		else if (at(x, "<!--"))
			r = comment(x);
		else if (at(x, "<![CDATA["))
			r = cdata(x, s);
		else if (at(x, "<!") || at(x, "<?"))
			r = -1; /* DOCTYPE, other declarations, PIs */
		else
			r = start_tag(x);
		if (r)
			return r;
	}
	return 0;
}

/* Whitespace and comments around the root element. */
static int misc(struct xp *x)
{
	for (;;) {
		skip_ws(x);
		if (!at(x, "<!--"))
			return 0;
		if (comment(x))
			return -1;
	}
}

/* "<?xml ...?>": its pseudo-attributes are not needed (the body is checked
 * as UTF-8 whatever it claims), only its end. */
static int xml_decl(struct xp *x)
{
	size_t k;

	if (!at(x, "<?xml") || left(x) < 6 ||
	    !(is_ws(x->p[5]) || x->p[5] == '?'))
		return 0;
	k = find(x->p, left(x), "?>");
	if (k == left(x) || memchr(x->p + 2, '<', k - 2))
		return -1;
	x->p += k + 2;
	return 0;
}

static int document(struct xp *x)
{
	if (left(x) >= sizeof(bom) && !memcmp(x->p, bom, sizeof(bom)))
		x->p += sizeof(bom);
	/* leading blanks before the declaration are not XML, but clients
	 * that build the body by hand send them and nothing depends on it */
	skip_ws(x);
	if (xml_decl(x) || misc(x))
		return -1;
	if (!at(x, "<") || at(x, "<!") || at(x, "<?") || start_tag(x))
		return -1;
	if (content(x) || misc(x))
		return -1;
	return left(x) ? -1 : 0;
}

int xmlauth_is_xml(const uint8_t *body, size_t len)
{
	struct xp x;

	if (!len)
		return 0;
	x.p = body;
	x.end = body + len;
	if (len >= sizeof(bom) && !memcmp(body, bom, sizeof(bom)))
		x.p += sizeof(bom);
	skip_ws(&x);
	return at(&x, "<?xml") || at(&x, "<config-auth");
}

static const struct xmlauth_limits default_limits = {
	.max_bytes = HTTP_MAX_BODY,
	.max_depth = XMLAUTH_DEPTH_DEFAULT,
	.max_elements = (size_t)-1,
};

static const char *const err_text[] = {
	[XAE_NONE] = "",
	[XAE_MALFORMED] = "malformed config-auth XML",
	[XAE_SIZE] = "XML document size",
	[XAE_DEPTH] = "XML nesting depth",
	[XAE_ELEMENTS] = "XML element count",
};

const char *xmlauth_err_text(enum xmlauth_err e)
{
	return (unsigned)e < ARRAY_SIZE(err_text) ? err_text[e] : "?";
}

int xmlauth_parse_limited(struct xmlauth_req *out, const uint8_t *body, size_t len,
			  const struct xmlauth_limits *lim, enum xmlauth_err *err)
{
	struct xp x = { .out = out };

	if (!lim)
		lim = &default_limits;
	x.max_depth = lim->max_depth < XML_MAX_DEPTH ? lim->max_depth : XML_MAX_DEPTH;
	x.max_elements = lim->max_elements;
	memset(out, 0, sizeof(*out));
	*err = XAE_NONE;
	if (len > lim->max_bytes || len > HTTP_BODY_CEILING) {
		*err = XAE_SIZE;
		return -1;
	}
	if (!len || !valid_chars(body, len)) {
		*err = XAE_MALFORMED;
		return -1;
	}
	x.p = body;
	x.end = body + len;
	if (document(&x)) {
		/* never hand back half a request, nor keep half a password */
		memset(out, 0, sizeof(*out));
		*err = x.err ? x.err : XAE_MALFORMED;
		return -1;
	}
	return 0;
}

int xmlauth_parse(struct xmlauth_req *out, const uint8_t *body, size_t len)
{
	enum xmlauth_err err;

	return xmlauth_parse_limited(out, body, len, NULL, &err);
}

int xmlauth_escape(char *dst, size_t cap, const char *src)
{
	static const char *const esc[] = {
		['&'] = "&amp;",  ['<'] = "&lt;",    ['>'] = "&gt;",
		['"'] = "&quot;", ['\''] = "&apos;",
	};
	size_t o = 0, n;
	const char *r;
	uint8_t c;

	if (cap == 0)
		return -1;
	for (; *src; src++) {
		c = (uint8_t)*src;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		if (c < ARRAY_SIZE(esc) && esc[c]) {
			r = esc[c];
			n = strlen(r);
		} else {
			r = src;
			n = 1;
		}
		if (n >= cap - o)
			return -1;
		memcpy(dst + o, r, n);
		o += n;
	}
	dst[o] = '\0';
	return (int)o;
}

/* ---- S7: profile manifest and custom attributes */

#define PROFILE_URI "/CACHE/stc/profiles/"

/* printf at out + *used; -1 (and nothing counted) when it does not fit. */
__attribute__((format(printf, 4, 5))) static int
appendf(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* The document of n kept entries: its length, "" when none was kept. */
static int finish(char *out, size_t used, size_t kept)
{
	if (!kept) {
		out[0] = '\0';
		return 0;
	}
	return (int)used;
}

int xmlauth_manifest(char *out, size_t cap, const char *profiles,
		     const char *(*sha1_of)(const void *ctx, const char *name), const void *ctx)
{
	char copy[1024], *save = NULL, *tok;
	size_t used = 0, files = 0;

	if (cap == 0 || strlen(profiles) >= sizeof(copy))
		return -1;
	out[0] = '\0';
	memcpy(copy, profiles, strlen(profiles) + 1);
	if (appendf(out, cap, &used, "<vpn-profile-manifest><vpn rev=\"1.0\">") < 0)
		return -1;
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');
		const char *sha1;

		if (!colon)
			continue;
		*colon = '\0';
		if (!(sha1 = sha1_of(ctx, tok)))
			continue;
		if (appendf(out, cap, &used,
			    "<file type=\"profile\" service-type=\"%s\"><uri>" PROFILE_URI
			    "%s</uri><hash type=\"sha1\">%s</hash></file>",
			    strcmp(colon + 1, "vpn-mgmt") ? "user" : "vpn-mgmt", tok, sha1) < 0)
			return -1;
		files++;
	}
	if (appendf(out, cap, &used, "</vpn></vpn-profile-manifest>") < 0)
		return -1;
	return finish(out, used, files);
}

int xmlauth_profile_listed(const char *profiles, const char *name)
{
	size_t n = strlen(name);

	if (!n)
		return 0;
	for (const char *p = profiles; (p = strstr(p, name)); p += n)
		if ((p == profiles || p[-1] == ' ') && p[n] == ':')
			return 1;
	return 0;
}

static int xml_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return 0;
	return 1;
}

static int cdata_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return strstr(s, "]]>") == NULL;
}

int xmlauth_custom_attrs(char *out, size_t cap, const char *const *type_names,
			 const char *const *values, size_t n)
{
	size_t used = 0, kept = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (appendf(out, cap, &used, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
				     "<config-auth client=\"vpn\" type=\"complete\" "
				     "aggregate-auth-version=\"2\"><config client=\"vpn\" "
				     "type=\"private\"><opaque is-for=\"vpn-client\"><custom-attr>") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!xml_name_ok(type_names[i]) || !cdata_ok(values[i]))
			continue;
		if (appendf(out, cap, &used, "<%s><![CDATA[%s]]></%s>", type_names[i], values[i],
			    type_names[i]) < 0)
			return -1;
		kept++;
	}
	if (appendf(out, cap, &used, "</custom-attr></opaque></config></config-auth>") < 0)
		return -1;
	return finish(out, used, kept);
}
