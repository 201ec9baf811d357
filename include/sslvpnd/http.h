/* HTTP/1.x request parsing for the pre-authentication front end.
 *
 * Untrusted input: every limit below is enforced and every failure maps to
 * the status code the caller must answer before closing the connection.
 * The parser copies the header block into the request (so the caller may
 * reuse its read buffer) and points body at the caller's buffer.
 *
 * It resumes: http_parse_more() continues where the previous call stopped
 * (lines already parsed are not read again, a partial line is not searched
 * again), so reading a request in many small pieces costs O(request), not
 * O(request^2).
 */
#ifndef SSLVPND_HTTP_H
#define SSLVPND_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum {
	HTTP_MAX_HEADER = 16384, /* request line + headers, bytes (ceiling) */
	HTTP_MAX_HEADERS = 64,   /* header lines */
	HTTP_MAX_BODY = 262144,  /* default Content-Length limit */
	HTTP_BODY_CEILING = 1048576, /* largest configurable body limit */
	HTTP_MAX_PATH = 1024,
};

enum http_method {
	HTTP_M_OTHER = 0,
	HTTP_M_GET,
	HTTP_M_POST,
	HTTP_M_HEAD,
	HTTP_M_CONNECT,
};

struct http_header {
	const char *name;  /* points into hdrbuf, NUL-terminated */
	const char *value; /* leading/trailing blanks removed */
};

struct http_request {
	enum http_method method;
	int version_minor;             /* HTTP/1.<minor> */
	char path[HTTP_MAX_PATH];      /* target without query, not decoded */
	char query[HTTP_MAX_PATH];     /* after '?', may be empty */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	size_t content_length;
	const uint8_t *body;           /* into the caller's buffer */
	size_t body_len;
	size_t consumed;               /* bytes of this request incl. body */
	/* limits and resume state (http_request_init) */
	size_t max_header;             /* <= HTTP_MAX_HEADER */
	size_t max_body;               /* <= HTTP_BODY_CEILING */
	int stage;                     /* 0 request line, 1 headers, 2 body */
	size_t pos;                    /* start of the next unparsed line */
	size_t scan;                   /* bytes from pos known to hold no LF */
	size_t w;                      /* bytes used in hdrbuf */
	int limit_hit;                 /* failure was a limit (413/431) */
	char hdrbuf[HTTP_MAX_HEADER];
};

/* http_request_init: an empty request to parse with these limits (0 =
 * the defaults HTTP_MAX_HEADER / HTTP_MAX_BODY; larger values are cut to
 * the ceilings). */
void http_request_init(struct http_request *req, size_t max_header, size_t max_body);

/* http_parse_more: like http_parse_request, resuming the parse of req.
 * data[0..len) must start with the bytes given to the previous calls since
 * http_request_init (the caller only appends).  Once it returned nonzero,
 * call http_request_init before the next request. */
int http_parse_more(struct http_request *req, const uint8_t *data, size_t len);

/* http_header_block_done: 1 once the header block of req is complete
 * (req->pos is its length and content_length is known), else 0. */
int http_header_block_done(const struct http_request *req);

/* http_parse_request: parse one request from data[0..len), from scratch,
 * with the default limits.
 * Returns 1 when a complete request (headers and Content-Length body) is in
 * the buffer, 0 when more bytes are needed, or a negative HTTP status code to
 * answer before closing: -400 malformed, -413 body too large, -431 headers
 * too large / too many, -501 unsupported (Transfer-Encoding), -505 not
 * HTTP/1.x.  Bytes after req->consumed belong to the next request. */
int http_parse_request(struct http_request *req, const uint8_t *data, size_t len);

/* Case-insensitive header lookup; NULL when absent (first match wins). */
const char *http_header_get(const struct http_request *req, const char *name);

/* Value of cookie `name` from the Cookie header(s) into out; 0 when found
 * (may be empty), -1 when absent or longer than cap-1. */
int http_cookie_get(const struct http_request *req, const char *name,
		    char *out, size_t cap);

/* Field `name` of an application/x-www-form-urlencoded body, %XX and '+'
 * decoded, into out; 0 when found, -1 when absent, too long, or when the
 * decoded value contains a NUL byte. */
int http_form_get(const uint8_t *body, size_t len, const char *name,
		  char *out, size_t cap);

/* Percent-encode src for a header value (X-CSTP-Banner): every byte outside
 * [A-Za-z0-9-._~ ] becomes %XX.  Returns the length, or -1 if cap is short. */
int http_percent_encode(char *dst, size_t cap, const char *src);

/* Reason phrase for a status code ("Bad Request"). */
const char *http_status_text(int status);

#endif
