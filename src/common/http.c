/* HTTP/1.x request parsing for the pre-authentication front end.
 *
 * Every byte here comes from an unauthenticated peer, so the parser is
 * deliberately narrow: one request line, token header names, no obs-fold,
 * no chunked bodies, Content-Length only, and every size bounded by the
 * limits in http.h.  It allocates nothing.  The state between calls lives
 * in struct http_request (stage, next line, how far the partial line was
 * searched), so a request trickled in byte by byte is read once, not once
 * per read; the caller only appends to its buffer and calls
 * http_request_init between requests.
 */
#include <string.h>
#include <strings.h>

#include "sslvpnd/http.h"
#include "sslvpnd/util.h"

/* Cursor over the header block of one request: the caller's bytes and
 * the resume state in the request. */
struct lines {
	const uint8_t *data;
	size_t len; /* bytes the caller has buffered */
	struct http_request *req;
};

static const struct {
	const char *name;
	enum http_method m;
} methods[] = {
	{ "GET", HTTP_M_GET },
	{ "POST", HTTP_M_POST },
	{ "HEAD", HTTP_M_HEAD },
	{ "CONNECT", HTTP_M_CONNECT },
};

static const struct {
	int code;
	const char *text;
} statuses[] = {
	{ 200, "OK" },
	{ 302, "Found" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 413, "Payload Too Large" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

/* RFC 9110 tchar. */
static int is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar(s[i]))
			return 0;
	return 1;
}

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int too_large(struct http_request *req, int status)
{
	req->limit_hit = 1;
	return status;
}

/* Next line of the header block into s[0..*n), line end (LF or CRLF) cut.
 * Returns 1, 0 when the line is still incomplete, -431 when no line end
 * fits within max_header, -400 for a NUL or a bare CR: a CR that a proxy
 * in front of us would read as a line end must not be data here.  Only
 * bytes not searched before are searched for the LF. */
static int next_line(struct lines *l, const uint8_t **s, size_t *n)
{
	struct http_request *req = l->req;
	size_t max = req->max_header;
	size_t lim = l->len < max ? l->len : max;
	const uint8_t *p, *lf;
	size_t k, from;

	if (req->pos >= lim)
		return l->len >= max ? too_large(req, -431) : 0;
	p = l->data + req->pos;
	from = req->pos + req->scan;
	lf = from < lim ? memchr(l->data + from, '\n', lim - from) : NULL;
	if (!lf) {
		req->scan = lim - req->pos;
		return l->len >= max ? too_large(req, -431) : 0;
	}
	k = (size_t)(lf - p);
	req->pos += k + 1;
	req->scan = 0;
	if (k > 0 && p[k - 1] == '\r')
		k--;
	if (memchr(p, '\0', k) || memchr(p, '\r', k))
		return -400;
	*s = p;
	*n = k;
	return 1;
}

static enum http_method method_of(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (strlen(methods[i].name) == n &&
		    !memcmp(s, methods[i].name, n))
			return methods[i].m;
	return HTTP_M_OTHER;
}

/* "HTTP/1.<digit>"; another major version is -505, anything else -400. */
static int parse_version(struct http_request *req, const uint8_t *s, size_t n)
{
	if (n < 6 || memcmp(s, "HTTP/", 5))
		return -400;
	if (s[5] >= '0' && s[5] <= '9' && s[5] != '1')
		return -505;
	if (n != 8 || s[5] != '1' || s[6] != '.' || s[7] < '0' || s[7] > '9')
		return -400;
	req->version_minor = s[7] - '0';
	return 0;
}

/* Copy s[0..n) as a C string; -400 when it does not fit (no 414 here: the
 * front end answers a small fixed set of codes). */
static int copy_part(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	if (n >= cap)
		return -400;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Target kept undecoded and split at the first '?'.  Only visible ASCII is
 * accepted so the path can go to logs and comparisons as it is; CONNECT's
 * "CSCOSSLC/tunnel" (no leading slash, sent by some clients) is kept too. */
static int parse_target(struct http_request *req, const uint8_t *s, size_t n)
{
	const uint8_t *q;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return -400;
	q = memchr(s, '?', n);
	if (!q)
		return copy_part(req->path, sizeof(req->path), s, n);
	if (copy_part(req->path, sizeof(req->path), s, (size_t)(q - s)))
		return -400;
	return copy_part(req->query, sizeof(req->query), q + 1,
			 n - (size_t)(q - s) - 1);
}

/* METHOD SP target SP HTTP/1.x, single spaces only. */
static int parse_request_line(struct http_request *req, const uint8_t *s,
			      size_t n)
{
	const uint8_t *sp1, *sp2, *end = s + n;
	int r;

	sp1 = memchr(s, ' ', n);
	if (!sp1 || !is_token(s, (size_t)(sp1 - s)))
		return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	r = parse_version(req, sp2 + 1, (size_t)(end - sp2 - 1));
	if (r)
		return r;
	req->method = method_of(s, (size_t)(sp1 - s));
	return parse_target(req, sp1 + 1, (size_t)(sp2 - sp1 - 1));
}

/* Append s[0..n) and a NUL to hdrbuf.  Each header line shrinks when copied
 * (":" and line end become two NULs at most), so a block that passed the
 * HTTP_MAX_HEADER check always fits; the test only guards that invariant. */
static const char *store(struct http_request *req, const uint8_t *s, size_t n)
{
	char *d = req->hdrbuf + req->w;

	if (n + 1 > sizeof(req->hdrbuf) - req->w)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	req->w += n + 1;
	return d;
}

/* name ":" OWS value OWS; names are tokens, values visible chars, blanks or
 * obs-text.  A line starting with a blank is obs-fold, which RFC 9112 lets a
 * server reject; a request-smuggling favourite, so we do. */
static int parse_header(struct http_request *req, const uint8_t *s, size_t n)
{
	struct http_header *h;
	const uint8_t *colon, *v, *ve;

	if (is_blank(s[0]))
		return -400;
	colon = memchr(s, ':', n);
	if (!colon || !is_token(s, (size_t)(colon - s)))
		return -400;
	v = colon + 1;
	ve = s + n;
	while (v < ve && is_blank(*v))
		v++;
	while (ve > v && is_blank(ve[-1]))
		ve--;
	for (const uint8_t *p = v; p < ve; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return -400;
	if (req->n_headers == HTTP_MAX_HEADERS)
		return too_large(req, -431);
	h = &req->headers[req->n_headers];
	h->name = store(req, s, (size_t)(colon - s));
	h->value = store(req, v, (size_t)(ve - v));
	if (!h->name || !h->value)
		return too_large(req, -431);
	req->n_headers++;
	return 0;
}

/* Content-Length: digits only (no sign, list or blanks inside). */
static int parse_length(struct http_request *req, const char *s, size_t *out)
{
	size_t v = 0;
	int big = 0;

	if (!*s)
		return -400;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -400;
		/* saturate instead of overflowing; keep checking the digits */
		if (v > req->max_body)
			big = 1;
		else
			v = v * 10 + (size_t)(*s - '0');
	}
	if (big || v > req->max_body)
		return too_large(req, -413);
	*out = v;
	return 0;
}

/* Body framing: Content-Length only.  Conflicting lengths are the other
 * classic smuggling vector and get a 400. */
static int body_framing(struct http_request *req)
{
	size_t i, v;
	int seen = 0, r;

	if (http_header_get(req, "Transfer-Encoding"))
		return -501;
	for (i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, "Content-Length"))
			continue;
		r = parse_length(req, req->headers[i].value, &v);
		if (r)
			return r;
		if (seen && v != req->content_length)
			return -400;
		req->content_length = v;
		seen = 1;
	}
	return 0;
}

void http_request_init(struct http_request *req, size_t max_header, size_t max_body)
{
	req->method = HTTP_M_OTHER;
	req->version_minor = 0;
	req->path[0] = '\0';
	req->query[0] = '\0';
	req->n_headers = 0;
	req->content_length = 0;
	req->body = NULL;
	req->body_len = 0;
	req->consumed = 0;
	req->max_header = max_header && max_header < HTTP_MAX_HEADER ? max_header
								      : HTTP_MAX_HEADER;
	req->max_body = !max_body ? HTTP_MAX_BODY
		      : max_body < HTTP_BODY_CEILING ? max_body : HTTP_BODY_CEILING;
	req->stage = 0;
	req->pos = 0;
	req->scan = 0;
	req->w = 0;
	req->limit_hit = 0;
}

/* RFC 9112 2.2: empty lines before the request line are ignored (some
 * clients send a CRLF after a POST body). */
static int stage_request_line(struct lines *l)
{
	const uint8_t *s;
	size_t n;
	int r;

	do {
		r = next_line(l, &s, &n);
		if (r <= 0)
			return r;
	} while (n == 0);
	r = parse_request_line(l->req, s, n);
	if (r)
		return r;
	l->req->stage = 1;
	return 1;
}

static int stage_headers(struct lines *l)
{
	const uint8_t *s;
	size_t n;
	int r;

	for (;;) {
		r = next_line(l, &s, &n);
		if (r <= 0)
			return r;
		if (n == 0)
			break;
		r = parse_header(l->req, s, n);
		if (r)
			return r;
	}
	r = body_framing(l->req);
	if (r)
		return r;
	l->req->stage = 2;
	return 1;
}

int http_parse_more(struct http_request *req, const uint8_t *data, size_t len)
{
	struct lines l = { .data = data, .len = len, .req = req };
	int r;

	if (req->stage == 0 && (r = stage_request_line(&l)) <= 0)
		return r;
	if (req->stage == 1 && (r = stage_headers(&l)) <= 0)
		return r;
	if (len - req->pos < req->content_length)
		return 0;
	req->body = data + req->pos;
	req->body_len = req->content_length;
	req->consumed = req->pos + req->content_length;
	return 1;
}

int http_header_block_done(const struct http_request *req)
{
	return req->stage == 2;
}

int http_parse_request(struct http_request *req, const uint8_t *data, size_t len)
{
	http_request_init(req, 0, 0);
	return http_parse_more(req, data, len);
}

const char *http_header_get(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->n_headers; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

/* Look for name=value among the "; "-separated pairs of one Cookie value.
 * Returns 0 copied, -1 found but too long, 1 not in this header. */
static int cookie_find(const char *s, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p, *e, *v;

	while (*s) {
		e = strchr(s, ';');
		if (!e)
			e = s + strlen(s);
		p = s;
		while (p < e && is_blank((uint8_t)*p))
			p++;
		s = *e ? e + 1 : e;
		if ((size_t)(e - p) <= nlen || memcmp(p, name, nlen) ||
		    p[nlen] != '=')
			continue;
		v = p + nlen + 1;
		while (e > v && is_blank((uint8_t)e[-1]))
			e--;
		if ((size_t)(e - v) >= cap)
			return -1;
		memcpy(out, v, (size_t)(e - v));
		out[e - v] = '\0';
		return 0;
	}
	return 1;
}

int http_cookie_get(const struct http_request *req, const char *name, char *out,
		    size_t cap)
{
	size_t i;
	int r;

	if (!*name || cap == 0)
		return -1;
	for (i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, "Cookie"))
			continue;
		r = cookie_find(req->headers[i].value, name, out, cap);
		if (r <= 0)
			return r;
	}
	return -1;
}

/* One decoded byte of a form field at s[*i]: '+' is a space, %XX a byte.
 * Returns the byte, or -1 for a broken escape. */
static int form_byte(const uint8_t *s, size_t n, size_t *i)
{
	int hi, lo;
	uint8_t c = s[*i];

	if (c != '%') {
		(*i)++;
		return c == '+' ? ' ' : c;
	}
	if (n - *i < 3)
		return -1;
	hi = hexval(s[*i + 1]);
	lo = hexval(s[*i + 2]);
	if (hi < 0 || lo < 0)
		return -1;
	*i += 3;
	return hi << 4 | lo;
}

/* Decoded key equals name?  ocserv's clients send "group%5flist", so keys
 * are compared after decoding; a broken escape never matches. */
static int key_eq(const uint8_t *k, size_t n, const char *name)
{
	size_t i = 0;
	int c;

	while (i < n) {
		c = form_byte(k, n, &i);
		if (c <= 0 || c != (uint8_t)*name++)
			return 0;
	}
	return *name == '\0';
}

static int form_decode(char *out, size_t cap, const uint8_t *v, size_t n)
{
	size_t i = 0, o = 0;
	int c;

	while (i < n) {
		c = form_byte(v, n, &i);
		/* a NUL would silently truncate the C string (password) */
		if (c <= 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int http_form_get(const uint8_t *body, size_t len, const char *name, char *out,
		  size_t cap)
{
	const uint8_t *f, *amp, *eq;
	size_t pos = 0, flen, klen;

	if (!*name || cap == 0)
		return -1;
	while (pos < len) {
		f = body + pos;
		amp = memchr(f, '&', len - pos);
		flen = amp ? (size_t)(amp - f) : len - pos;
		pos += flen + 1;
		eq = memchr(f, '=', flen);
		klen = eq ? (size_t)(eq - f) : flen;
		if (!key_eq(f, klen, name))
			continue;
		/* first occurrence wins, even when it is unusable: falling
		 * through to a later duplicate would let a client pick which
		 * copy a front proxy and we each believe */
		if (!eq) {
			out[0] = '\0';
			return 0;
		}
		return form_decode(out, cap, eq + 1, flen - klen - 1);
	}
	return -1;
}

static int unreserved(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("-._~ ", c) != NULL;
}

int http_percent_encode(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	uint8_t c;

	if (cap == 0)
		return -1;
	for (; *src; src++) {
		c = (uint8_t)*src;
		if (unreserved(c)) {
			if (o + 1 >= cap)
				return -1;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 3 >= cap)
			return -1;
		dst[o++] = '%';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
	return (int)o;
}

const char *http_status_text(int status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Unknown";
}
