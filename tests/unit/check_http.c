/* Unit tests for the pre-auth HTTP request parser (src/common/http.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/http.h"
#include "sslvpnd/util.h"

/* The request is ~19 KiB: keep it off the stack of every test. */
static struct http_request req;

/* Parse from an exact-size heap copy so a sanitizer build catches any read
 * past the bytes we said we have. */
static int parse_n(const char *raw, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, raw, n);
	r = http_parse_request(&req, copy, n);
	/* body points into the copy: check it before freeing */
	if (r == 1)
		ck_assert_uint_le(req.body_len, n);
	free(copy);
	return r;
}

/* ---- well-formed requests ------------------------------------------------ */

static const struct ok_case {
	const char *raw;
	enum http_method method;
	int minor;
	const char *path;
	const char *query;
	size_t n_headers;
	size_t body_len;
	const char *hname; /* optional header to look up */
	const char *hvalue;
} ok_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: vpn.example\r\n\r\n", HTTP_M_GET, 1, "/", "",
	  1, 0, "host", "vpn.example" },
	{ "POST /phone HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", HTTP_M_POST,
	  1, "/phone", "", 1, 5, "Content-Length", "5" },
	{ "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=AB\r\n"
	  "X-CSTP-Version: 1\r\n\r\n",
	  HTTP_M_CONNECT, 1, "/CSCOSSLC/tunnel", "", 2, 0, "x-cstp-version",
	  "1" },
	{ "CONNECT CSCOSSLC/tunnel HTTP/1.1\r\n\r\n", HTTP_M_CONNECT, 1,
	  "CSCOSSLC/tunnel", "", 0, 0, NULL, NULL },
	{ "HEAD / HTTP/1.0\n\n", HTTP_M_HEAD, 0, "/", "", 0, 0, NULL, NULL },
	{ "OPTIONS * HTTP/1.1\r\n\r\n", HTTP_M_OTHER, 1, "*", "", 0, 0, NULL,
	  NULL },
	{ "get / HTTP/1.1\r\n\r\n", HTTP_M_OTHER, 1, "/", "", 0, 0, NULL,
	  NULL },
	{ "GET /a/b?c=d&e HTTP/1.1\r\n\r\n", HTTP_M_GET, 1, "/a/b", "c=d&e", 0,
	  0, NULL, NULL },
	{ "GET /? HTTP/1.1\r\n\r\n", HTTP_M_GET, 1, "/", "", 0, 0, NULL, NULL },
	{ "GET /a?b?c HTTP/1.1\r\n\r\n", HTTP_M_GET, 1, "/a", "b?c", 0, 0, NULL,
	  NULL },
	{ "\r\n\nGET / HTTP/1.1\r\n\r\n", HTTP_M_GET, 1, "/", "", 0, 0, NULL,
	  NULL },
	{ "GET / HTTP/1.1\r\nX-Empty:\r\nX-Pad: \t v w \t\r\n\r\n", HTTP_M_GET,
	  1, "/", "", 2, 0, "x-pad", "v w" },
	{ "GET / HTTP/1.1\r\nX-Empty:   \r\n\r\n", HTTP_M_GET, 1, "/", "", 1, 0,
	  "X-Empty", "" },
	{ "POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
	  HTTP_M_POST, 1, "/", "", 2, 3, NULL, NULL },
	{ "POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n1234567", HTTP_M_POST,
	  1, "/", "", 1, 7, NULL, NULL },
	{ "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HTTP_M_POST, 1, "/",
	  "", 1, 0, NULL, NULL },
	{ "GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n", HTTP_M_GET, 1, "/",
	  "", 1, 0, "X-Name", "caf\xc3\xa9" },
	{ "GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\n", HTTP_M_GET, 1, "/", "", 2, 0,
	  "b", "2" },
	{ "GET / HTTP/1.1\r\nA: first\r\na: second\r\n\r\n", HTTP_M_GET, 1, "/",
	  "", 2, 0, "A", "first" },
	{ "GET / HTTP/1.9\r\n\r\n", HTTP_M_GET, 9, "/", "", 0, 0, NULL, NULL },
	{ "GET https://vpn.example/x HTTP/1.1\r\n\r\n", HTTP_M_GET, 1,
	  "https://vpn.example/x", "", 0, 0, NULL, NULL },
};

START_TEST(test_ok)
{
	const struct ok_case *c = &ok_cases[_i];
	size_t n = strlen(c->raw);
	int r = parse_n(c->raw, n);

	ck_assert_msg(r == 1, "case %d: expected 1, got %d", _i, r);
	ck_assert_msg(req.method == c->method, "case %d: method %d, got %d", _i,
		      c->method, req.method);
	ck_assert_int_eq(req.version_minor, c->minor);
	ck_assert_str_eq(req.path, c->path);
	ck_assert_str_eq(req.query, c->query);
	ck_assert_msg(req.n_headers == c->n_headers,
		      "case %d: expected %zu headers, got %zu", _i,
		      c->n_headers, req.n_headers);
	ck_assert_uint_eq(req.content_length, c->body_len);
	ck_assert_uint_eq(req.body_len, c->body_len);
	ck_assert_msg(req.consumed == n, "case %d: consumed %zu of %zu", _i,
		      req.consumed, n);
	if (c->hname) {
		const char *v = http_header_get(&req, c->hname);

		ck_assert_msg(v && !strcmp(v, c->hvalue),
			      "case %d: %s expected '%s', got '%s'", _i,
			      c->hname, c->hvalue, v ? v : "(null)");
	}
	ck_assert_ptr_null(http_header_get(&req, "X-Not-There"));
}
END_TEST

/* Every prefix of a complete request is "need more", never an error. */
START_TEST(test_ok_bytewise)
{
	const struct ok_case *c = &ok_cases[_i];
	size_t n = strlen(c->raw), k;
	int r;

	for (k = 0; k < n; k++) {
		r = parse_n(c->raw, k);
		ck_assert_msg(r == 0, "case %d prefix %zu: expected 0, got %d",
			      _i, k, r);
	}
	r = parse_n(c->raw, n);
	ck_assert_msg(r == 1, "case %d: expected 1, got %d", _i, r);
}
END_TEST

/* ---- rejected requests --------------------------------------------------- */

/* clang-format off */
#define R(s, st) { s, 0, st }
#define RN(s, st) { s, sizeof(s) - 1, st }
/* clang-format on */

static const struct bad_case {
	const char *raw;
	size_t len; /* 0: strlen(raw); set when raw holds a NUL */
	int status;
} bad_cases[] = {
	R("GET / HTTP/2.0\r\n\r\n", -505),
	R("GET / HTTP/0.9\r\n\r\n", -505),
	R("GET / HTTP/3\r\n\r\n", -505),
	R("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -505),
	R("GET / HTTP/1.1 \r\n\r\n", -400),
	R("GET / HTTP/1.10\r\n\r\n", -400),
	R("GET / HTTP/1.x\r\n\r\n", -400),
	R("GET / HTTP/1\r\n\r\n", -400),
	R("GET / http/1.1\r\n\r\n", -400),
	R("GET / HTTPS/1.1\r\n\r\n", -400),
	R("GET /\r\n\r\n", -400),
	R("GET\r\n\r\n", -400),
	R("GET  / HTTP/1.1\r\n\r\n", -400),
	R(" GET / HTTP/1.1\r\n\r\n", -400),
	R("G(T / HTTP/1.1\r\n\r\n", -400),
	R("GET /a\x01z HTTP/1.1\r\n\r\n", -400),
	R("GET /a\x7f HTTP/1.1\r\n\r\n", -400),
	R("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", -400),
	R("GET /a\tb HTTP/1.1\r\n\r\n", -400),
	R("GET /a\rb HTTP/1.1\r\n\r\n", -400),
	RN("GET /\0 HTTP/1.1\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nNoColon\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\n: empty\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nX(y): 1\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", -400),
	R("GET / HTTP/1.1\r\nX: a\r\r\n\r\n", -400),
	RN("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", -400),
	RN("GET / HTTP/1.1\r\nX\0: b\r\n\r\n", -400),
	RN("GET / HTTP/1.1\r\nX: b\r\n\0\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", -400),
	R("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx", -400),
	R("POST / HTTP/1.1\r\nContent-Length: 1 1\r\n\r\nx", -400),
	R("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	  -400),
	R("POST / HTTP/1.1\r\nContent-Length: 262145\r\n\r\n", -413),
	R("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
	  -413),
	R("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	  -501),
	R("POST / HTTP/1.1\r\nContent-Length: 3\r\ntransfer-encoding: identity"
	  "\r\n\r\nabc",
	  -501),
	/* errors are reported as soon as the offending line is complete */
	R("GET / HTTP/2.0\r\n", -505),
	R("GET /a\x01 HTTP/1.1\n", -400),
	R("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n", -400),
	R("GET / HTTP/1.1\r\nBad Name: a\r\n", -400),
#undef R
#undef RN
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t n = c->len ? c->len : strlen(c->raw);
	int r = parse_n(c->raw, n);

	ck_assert_msg(r == c->status, "case %d: expected %d, got %d", _i,
		      c->status, r);
}
END_TEST

/* Prefixes of a bad request are "need more" or the same error. */
START_TEST(test_bad_bytewise)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t n = c->len ? c->len : strlen(c->raw), k;
	int r;

	for (k = 0; k < n; k++) {
		r = parse_n(c->raw, k);
		ck_assert_msg(r == 0 || r == c->status,
			      "case %d prefix %zu: expected 0 or %d, got %d",
			      _i, k, c->status, r);
	}
}
END_TEST

START_TEST(test_pipelined)
{
	static const char in[] =
		"GET /a HTTP/1.1\r\n\r\n"
		"POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi\r\n"
		"GET /c HTTP/1.1\r\n\r\nGET /d HT";
	static const struct {
		const char *path;
		const char *body;
	} want[] = { { "/a", "" }, { "/b", "hi" }, { "/c", "" } };
	const uint8_t *p = (const uint8_t *)in;
	size_t left = sizeof(in) - 1, i;
	int r;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		r = http_parse_request(&req, p, left);
		ck_assert_msg(r == 1, "request %zu: expected 1, got %d", i, r);
		ck_assert_str_eq(req.path, want[i].path);
		ck_assert_uint_eq(req.body_len, strlen(want[i].body));
		ck_assert(!memcmp(req.body, want[i].body, req.body_len));
		ck_assert_ptr_eq(req.body, p + req.consumed - req.body_len);
		p += req.consumed;
		left -= req.consumed;
	}
	/* the stray CRLF after the POST body was skipped with /c; the last
	 * request is still incomplete */
	ck_assert_int_eq(http_parse_request(&req, p, left), 0);
	ck_assert_int_eq(http_parse_request(&req, p, 0), 0);
}
END_TEST

/* The body may arrive later than the headers and is not copied. */
START_TEST(test_body_pending)
{
	static const char in[] =
		"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789XY";
	size_t hdr = sizeof(in) - 1 - 12, k;

	for (k = hdr; k < hdr + 10; k++)
		ck_assert_int_eq(
			http_parse_request(&req, (const uint8_t *)in, k), 0);
	ck_assert_int_eq(http_parse_request(&req, (const uint8_t *)in, k), 1);
	ck_assert_uint_eq(req.consumed, hdr + 10);
	ck_assert(!memcmp(req.body, "0123456789", 10));
}
END_TEST

/* ---- cookies, forms, encoding -------------------------------------------- */

static const struct cookie_case {
	const char *headers;
	const char *name;
	size_t cap;
	int ret;
	const char *value;
} cookie_cases[] = {
	{ "Cookie: webvpn=ABC\r\n", "webvpn", 64, 0, "ABC" },
	{ "Cookie: a=b; webvpn=X\r\n", "webvpn", 64, 0, "X" },
	{ "Cookie: a=b;webvpn=X;c=d\r\n", "webvpn", 64, 0, "X" },
	{ "Cookie: webvpnc=1; webvpn=X\r\n", "webvpn", 64, 0, "X" },
	{ "Cookie: webvpnc=1; webvpn=X\r\n", "webvpnc", 64, 0, "1" },
	{ "Cookie: xwebvpn=1\r\n", "webvpn", 64, -1, NULL },
	{ "Cookie: a=1\r\nHost: h\r\nCookie: webvpn=Y\r\n", "webvpn", 64, 0,
	  "Y" },
	{ "cookie: webvpn=Z\r\n", "webvpn", 64, 0, "Z" },
	{ "Cookie: webvpn=\r\n", "webvpn", 64, 0, "" },
	{ "Cookie: webvpn=; a=1\r\n", "webvpn", 64, 0, "" },
	{ "Cookie: webvpn=a=b\r\n", "webvpn", 64, 0, "a=b" },
	{ "Cookie: webvpn=1; webvpn=2\r\n", "webvpn", 64, 0, "1" },
	{ "Cookie: webvpn=1\r\nCookie: webvpn=2\r\n", "webvpn", 64, 0, "1" },
	{ "Cookie: webvpn=X ; a=1\r\n", "webvpn", 64, 0, "X" },
	{ "Cookie: ;;  webvpn=X\r\n", "webvpn", 64, 0, "X" },
	{ "Cookie: WEBVPN=X\r\n", "webvpn", 64, -1, NULL },
	{ "Cookie: webvpn\r\n", "webvpn", 64, -1, NULL },
	{ "Host: h\r\n", "webvpn", 64, -1, NULL },
	{ "Cookie: webvpn=abc\r\n", "webvpn", 4, 0, "abc" },
	{ "Cookie: webvpn=abcd\r\n", "webvpn", 4, -1, NULL },
	{ "Cookie: webvpn=abcd\r\n", "webvpn", 0, -1, NULL },
	{ "Cookie: =x\r\n", "", 64, -1, NULL },
};

START_TEST(test_cookie)
{
	const struct cookie_case *c = &cookie_cases[_i];
	char raw[256], out[64];
	int r;

	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\n%s\r\n", c->headers);
	ck_assert_int_eq(
		http_parse_request(&req, (const uint8_t *)raw, strlen(raw)), 1);
	ck_assert_uint_le(c->cap, sizeof(out));
	r = http_cookie_get(&req, c->name, out, c->cap);
	ck_assert_msg(r == c->ret, "case %d: expected %d, got %d", _i, c->ret,
		      r);
	if (r == 0)
		ck_assert_str_eq(out, c->value);
}
END_TEST

static const struct form_case {
	const char *body;
	size_t len; /* 0: strlen */
	const char *name;
	size_t cap;
	int ret;
	const char *value;
} form_cases[] = {
	{ "username=a%40b&password=x+y", 0, "username", 64, 0, "a@b" },
	{ "username=a%40b&password=x+y", 0, "password", 64, 0, "x y" },
	{ "username=1&username=2", 0, "username", 64, 0, "1" },
	{ "username=%zz&username=2", 0, "username", 64, -1, NULL },
	{ "group%5flist=G&group_list=H", 0, "group_list", 64, 0, "G" },
	{ "group%5Flist=G", 0, "group_list", 64, 0, "G" },
	{ "a=1&password", 0, "password", 64, 0, "" },
	{ "password=", 0, "password", 64, 0, "" },
	{ "password=%00", 0, "password", 64, -1, NULL },
	{ "password=a\0b", 12, "password", 64, -1, NULL },
	{ "password=%zz", 0, "password", 64, -1, NULL },
	{ "password=%4", 0, "password", 64, -1, NULL },
	{ "password=%", 0, "password", 64, -1, NULL },
	{ "user=x", 0, "username", 64, -1, NULL },
	{ "username=1", 0, "user", 64, -1, NULL },
	{ "usernamex=1&username=2", 0, "username", 64, 0, "2" },
	{ "username=abcd", 0, "username", 4, -1, NULL },
	{ "username=abc", 0, "username", 4, 0, "abc" },
	{ "username=a%2", 0, "username", 64, -1, NULL },
	{ "", 0, "username", 64, -1, NULL },
	{ "&&username=x&", 0, "username", 64, 0, "x" },
	{ "username=x%26y%3Dz", 0, "username", 64, 0, "x&y=z" },
	{ "u%zzsername=1&username=2", 0, "username", 64, 0, "2" },
	{ "%00=1&x=2", 0, "x", 64, 0, "2" },
	{ "username=%C3%A9", 0, "username", 64, 0, "\xc3\xa9" },
	{ "username=x", 0, "", 64, -1, NULL },
	{ "username=x", 0, "username", 0, -1, NULL },
};

START_TEST(test_form)
{
	const struct form_case *c = &form_cases[_i];
	size_t n = c->len ? c->len : strlen(c->body);
	char out[64];
	int r;

	r = http_form_get((const uint8_t *)c->body, n, c->name, out, c->cap);
	ck_assert_msg(r == c->ret, "case %d: expected %d, got %d", _i, c->ret,
		      r);
	if (r == 0)
		ck_assert_str_eq(out, c->value);
}
END_TEST

static const struct pct_case {
	const char *src;
	size_t cap;
	int ret;
	const char *out;
} pct_cases[] = {
	{ "Welcome to the VPN", 64, 18, "Welcome to the VPN" },
	{ "a-b._~Z9", 64, 8, "a-b._~Z9" },
	{ "line1\nline2", 64, 13, "line1%0Aline2" },
	{ "100%", 64, 6, "100%25" },
	{ "caf\xc3\xa9", 64, 9, "caf%C3%A9" },
	{ "a;b,c\"", 64, 12, "a%3Bb%2Cc%22" },
	{ "", 64, 0, "" },
	{ "", 0, -1, NULL },
	{ "abc", 4, 3, "abc" },
	{ "abc", 3, -1, NULL },
	{ "a\n", 5, 4, "a%0A" },
	{ "a\n", 4, -1, NULL },
};

START_TEST(test_percent)
{
	const struct pct_case *c = &pct_cases[_i];
	char out[64];
	int r = http_percent_encode(out, c->cap, c->src);

	ck_assert_msg(r == c->ret, "case %d: expected %d, got %d", _i, c->ret,
		      r);
	if (r >= 0)
		ck_assert_str_eq(out, c->out);
}
END_TEST

static const struct {
	int code;
	const char *text;
} status_cases[] = {
	{ 200, "OK" },
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
	{ 999, "Unknown" },
	{ -400, "Unknown" },
};

START_TEST(test_status)
{
	ck_assert_str_eq(http_status_text(status_cases[_i].code),
			 status_cases[_i].text);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

static char big[HTTP_MAX_HEADER + HTTP_MAX_BODY + 4096];

/* "GET / HTTP/1.1" CRLF "X: aaa..." CRLF [CRLF] of exactly total bytes
 * (without the final blank line when !terminated). */
static size_t make_block(size_t total, int terminated, int bare_lf)
{
	const char *eol = bare_lf ? "\n" : "\r\n";
	size_t el = strlen(eol), n, fill;

	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1%sX: ", eol);
	fill = total - n - el - (terminated ? el : 0);
	memset(big + n, 'a', fill);
	n += fill;
	memcpy(big + n, eol, el);
	n += el;
	if (terminated) {
		memcpy(big + n, eol, el);
		n += el;
	}
	ck_assert_uint_eq(n, total);
	return n;
}

static const struct size_case {
	size_t total;
	int terminated;
	int bare_lf;
	int ret;
} size_cases[] = {
	{ HTTP_MAX_HEADER - 1, 1, 0, 1 },
	{ HTTP_MAX_HEADER, 1, 0, 1 },
	{ HTTP_MAX_HEADER, 1, 1, 1 },
	{ HTTP_MAX_HEADER + 1, 1, 0, -431 },
	{ HTTP_MAX_HEADER + 1, 1, 1, -431 },
	{ HTTP_MAX_HEADER + 2, 1, 0, -431 },
	{ HTTP_MAX_HEADER - 1, 0, 0, 0 },
	{ HTTP_MAX_HEADER, 0, 0, -431 },
	{ HTTP_MAX_HEADER + 100, 0, 0, -431 },
};

START_TEST(test_header_size)
{
	const struct size_case *c = &size_cases[_i];
	size_t n = make_block(c->total, c->terminated, c->bare_lf);
	int r = parse_n(big, n);

	ck_assert_msg(r == c->ret, "case %d (%zu bytes): expected %d, got %d",
		      _i, c->total, c->ret, r);
	if (r == 1)
		ck_assert_uint_eq(strlen(http_header_get(&req, "X")),
				  c->total - (c->bare_lf ? 20 : 23));
}
END_TEST

/* An unterminated line never waits past the limit. */
START_TEST(test_header_incomplete)
{
	memset(big, 'A', HTTP_MAX_HEADER + 1);
	ck_assert_int_eq(parse_n(big, HTTP_MAX_HEADER - 1), 0);
	ck_assert_int_eq(parse_n(big, HTTP_MAX_HEADER), -431);
	ck_assert_int_eq(parse_n(big, HTTP_MAX_HEADER + 1), -431);
}
END_TEST

static size_t make_headers(size_t count)
{
	size_t n, i;

	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (i = 0; i < count; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "H%zu: %zu\r\n",
				      i, i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	return n;
}

static const struct {
	size_t count;
	int ret;
} count_cases[] = {
	{ HTTP_MAX_HEADERS - 1, 1 },
	{ HTTP_MAX_HEADERS, 1 },
	{ HTTP_MAX_HEADERS + 1, -431 },
	{ 1000, -431 },
};

START_TEST(test_header_count)
{
	size_t n = make_headers(count_cases[_i].count);
	int r = parse_n(big, n);

	ck_assert_msg(r == count_cases[_i].ret,
		      "%zu headers: expected %d, got %d", count_cases[_i].count,
		      count_cases[_i].ret, r);
	if (r == 1) {
		ck_assert_uint_eq(req.n_headers, count_cases[_i].count);
		ck_assert_str_eq(http_header_get(&req, "H0"), "0");
	}
}
END_TEST

static const struct {
	size_t clen;
	int ret;
} body_cases[] = {
	{ HTTP_MAX_BODY - 1, 1 },
	{ HTTP_MAX_BODY, 1 },
	{ HTTP_MAX_BODY + 1, -413 },
	{ (size_t)HTTP_MAX_BODY * 10, -413 },
};

START_TEST(test_body_size)
{
	size_t n, clen = body_cases[_i].clen;
	int r;

	n = (size_t)snprintf(big, sizeof(big),
			     "POST / HTTP/1.1\r\nContent-Length: %zu\r\n\r\n",
			     clen);
	/* the headers alone decide an oversize body: no need to send it */
	if (body_cases[_i].ret < 0) {
		r = parse_n(big, n);
	} else {
		ck_assert_int_eq(parse_n(big, n), 0);
		memset(big + n, 'b', clen);
		r = parse_n(big, n + clen);
	}
	ck_assert_msg(r == body_cases[_i].ret,
		      "Content-Length %zu: expected %d, got %d", clen,
		      body_cases[_i].ret, r);
}
END_TEST

static const struct {
	size_t path;
	size_t query; /* (size_t)-1: no '?' */
	int ret;
} target_cases[] = {
	{ HTTP_MAX_PATH - 1, (size_t)-1, 1 },
	{ HTTP_MAX_PATH, (size_t)-1, -400 },
	{ 1, HTTP_MAX_PATH - 1, 1 },
	{ 1, HTTP_MAX_PATH, -400 },
	{ HTTP_MAX_PATH - 1, HTTP_MAX_PATH - 1, 1 },
	{ HTTP_MAX_PATH, 5, -400 },
};

START_TEST(test_target_size)
{
	size_t n, p = target_cases[_i].path, q = target_cases[_i].query;
	int r;

	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'p', p - 1);
	n += p - 1;
	if (q != (size_t)-1) {
		big[n++] = '?';
		memset(big + n, 'q', q);
		n += q;
	}
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\n\r\n");
	r = parse_n(big, n);
	ck_assert_msg(r == target_cases[_i].ret,
		      "path %zu query %zu: expected %d, got %d", p, q,
		      target_cases[_i].ret, r);
	if (r == 1) {
		ck_assert_uint_eq(strlen(req.path), p);
		ck_assert_uint_eq(strlen(req.query), q == (size_t)-1 ? 0 : q);
	}
}
END_TEST

/* Many small headers fill hdrbuf most densely: still no overflow. */
START_TEST(test_hdrbuf_dense)
{
	size_t n, i;

	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++) {
		size_t len = (HTTP_MAX_HEADER - 40) / HTTP_MAX_HEADERS - 4;

		big[n++] = 'N';
		big[n++] = ':';
		memset(big + n, 'v', len);
		n += len;
		big[n++] = '\n';
	}
	big[n++] = '\n';
	ck_assert_uint_le(n, HTTP_MAX_HEADER);
	ck_assert_int_eq(parse_n(big, n), 1);
	ck_assert_uint_eq(req.n_headers, HTTP_MAX_HEADERS);
}
END_TEST

/* ---- resuming and configured limits ------------------------------------ */

/* The parser resumes: bytes it has parsed are not read again (here they are
 * overwritten after the first call and the result still holds the original
 * request line), and a partial line is not searched again for its LF. */
START_TEST(test_resume_no_rescan)
{
	static char buf[256];
	const char *a = "GET /first HTTP/1.1\r\nHost: x\r\nX-Part: abc";
	const char *b = "def\r\n\r\n";
	size_t na = strlen(a), nb = strlen(b);

	memcpy(buf, a, na);
	http_request_init(&req, 0, 0);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)buf, na), 0);
	/* the partial line was searched once; one more byte adds one */
	ck_assert_uint_eq(req.scan, strlen("X-Part: abc"));
	buf[na] = 'd';
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)buf, na + 1), 0);
	ck_assert_uint_eq(req.scan, strlen("X-Part: abcd"));
	/* scribble over the parsed request line: it is not read again */
	memcpy(buf, "PUT /other", 10);
	memcpy(buf + na, b, nb);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)buf, na + nb), 1);
	ck_assert_str_eq(req.path, "/first");
	ck_assert_int_eq(req.method, HTTP_M_GET);
	ck_assert_str_eq(http_header_get(&req, "X-Part"), "abcdef");
}
END_TEST

/* Fed one byte at a time, the resumable parser gives the same request as
 * one call; each byte is searched for a line end once. */
START_TEST(test_resume_bytewise)
{
	const char *raw = "\r\nPOST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
			  "Cookie: webvpn=abc\r\n\r\nxyz";
	size_t n = strlen(raw), k;
	int r = 0;

	http_request_init(&req, 0, 0);
	for (k = 1; k <= n; k++) {
		r = http_parse_more(&req, (const uint8_t *)raw, k);
		if (k < n)
			ck_assert_msg(r == 0, "prefix %zu: %d", k, r);
	}
	ck_assert_int_eq(r, 1);
	ck_assert_str_eq(req.path, "/p");
	ck_assert_str_eq(req.query, "q=1");
	ck_assert_uint_eq(req.body_len, 3);
	ck_assert_int_eq(memcmp(req.body, "xyz", 3), 0);
	ck_assert_uint_eq(req.consumed, n);
	ck_assert_int_eq(http_header_block_done(&req), 1);
}
END_TEST

/* Configured limits, and limit_hit tells a limit from malformed input. */
START_TEST(test_configured_limits)
{
	static char big[4096];
	int n;

	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-A: %0900d\r\n\r\n", 0);
	http_request_init(&req, 1024, 100);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)big, (size_t)n), 1);
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-A: %01100d\r\n\r\n", 0);
	http_request_init(&req, 1024, 100);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)big, (size_t)n), -431);
	ck_assert_int_eq(req.limit_hit, 1);
	n = snprintf(big, sizeof(big), "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
	http_request_init(&req, 1024, 100);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)big, (size_t)n), -413);
	ck_assert_int_eq(req.limit_hit, 1);
	n = snprintf(big, sizeof(big), "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
	http_request_init(&req, 1024, 100);
	ck_assert_int_eq(http_parse_more(&req, (uint8_t *)big, (size_t)n), 0);
	ck_assert_int_eq(http_header_block_done(&req), 1);
	ck_assert_uint_eq(req.content_length, 100);
	http_request_init(&req, 1024, 100);
	ck_assert_int_eq(http_parse_more(&req, (const uint8_t *)"GET  HTTP/1.1\r\n", 15), -400);
	ck_assert_int_eq(req.limit_hit, 0);
	/* values above the ceilings are cut to them */
	http_request_init(&req, 1u << 30, 1u << 30);
	ck_assert_uint_eq(req.max_header, HTTP_MAX_HEADER);
	ck_assert_uint_eq(req.max_body, HTTP_BODY_CEILING);
	http_request_init(&req, 0, 0);
	ck_assert_uint_eq(req.max_body, HTTP_MAX_BODY);
}
END_TEST

/* The webvpn cookie's format, checked by main before any lookup. */
static const struct {
	const char *s;
	int ok;
} cookie_fmt_cases[] = {
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1 },   /* 43: ours */
	{ "abcdefghij-_0123", 1 },                              /* 16 */
	{ "abcdefghij-_012", 0 },                               /* 15 */
	{ "", 0 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1 }, /* 63 */
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0 }, /* 64 */
	{ "AAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAAAA", 0 },   /* not URL-safe */
	{ "AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA", 0 },
	{ "AAAAAAAAAAAAAAAAAAAA%AAAAAAAAAAAAAAAAAAAAAA", 0 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0 },
};

START_TEST(test_cookie_format)
{
	ck_assert_msg(util_cookie_well_formed(cookie_fmt_cases[_i].s) == cookie_fmt_cases[_i].ok,
		      "\"%s\"", cookie_fmt_cases[_i].s);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(core, test_ok, 0, ARRAY_SIZE(ok_cases));
	tcase_add_loop_test(core, test_ok_bytewise, 0, ARRAY_SIZE(ok_cases));
	tcase_add_loop_test(core, test_bad, 0, ARRAY_SIZE(bad_cases));
	tcase_add_loop_test(core, test_bad_bytewise, 0, ARRAY_SIZE(bad_cases));
	tcase_add_test(core, test_pipelined);
	tcase_add_test(core, test_body_pending);
	tcase_add_loop_test(core, test_cookie, 0, ARRAY_SIZE(cookie_cases));
	tcase_add_loop_test(core, test_form, 0, ARRAY_SIZE(form_cases));
	tcase_add_loop_test(core, test_percent, 0, ARRAY_SIZE(pct_cases));
	tcase_add_loop_test(core, test_status, 0, ARRAY_SIZE(status_cases));
	suite_add_tcase(s, core);

	tcase_add_loop_test(limits, test_header_size, 0,
			    ARRAY_SIZE(size_cases));
	tcase_add_test(limits, test_header_incomplete);
	tcase_add_loop_test(limits, test_header_count, 0,
			    ARRAY_SIZE(count_cases));
	tcase_add_loop_test(limits, test_body_size, 0, ARRAY_SIZE(body_cases));
	tcase_add_loop_test(limits, test_target_size, 0,
			    ARRAY_SIZE(target_cases));
	tcase_add_test(limits, test_hdrbuf_dense);
	tcase_add_test(limits, test_resume_no_rescan);
	tcase_add_test(limits, test_resume_bytewise);
	tcase_add_test(limits, test_configured_limits);
	tcase_add_loop_test(limits, test_cookie_format, 0, ARRAY_SIZE(cookie_fmt_cases));
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
