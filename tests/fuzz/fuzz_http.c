/* libFuzzer target: the pre-auth HTTP request parser and its helpers.
 *
 * Beyond "no crash", it checks the properties the worker relies on:
 * consumed stays inside the input, the body lies inside it, every shorter
 * prefix of a complete request asks for more bytes (incremental reads can
 * neither succeed early nor fail differently), and the string outputs are
 * always terminated within their buffers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/http.h"
#include "fuzz.h"

static struct http_request req;

/* Helpers that take the parsed request or its body. */
static void use_request(const uint8_t *data, size_t size)
{
	char out[64];
	size_t i;

	CHECK(req.consumed > 0 && req.consumed <= size);
	CHECK(req.body_len == req.content_length);
	CHECK(req.body >= data &&
	      req.body + req.body_len == data + req.consumed);
	CHECK(strlen(req.path) < sizeof(req.path));
	CHECK(strlen(req.query) < sizeof(req.query));
	CHECK(req.n_headers <= HTTP_MAX_HEADERS);
	for (i = 0; i < req.n_headers; i++)
		CHECK(http_header_get(&req, req.headers[i].name) != NULL);
	if (http_cookie_get(&req, "webvpn", out, sizeof(out)) == 0)
		CHECK(strlen(out) < sizeof(out));
	/* the phone's SVC POST and the legacy form login (wauth.c form_login) */
	static const char *const fields[] = { "username", "password", "group_list",
					      "group%5flist" };
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (http_form_get(req.body, req.body_len, fields[i], out, 16 + 16 * i) == 0)
			CHECK(strlen(out) < 16 + 16 * i);
	CHECK(http_percent_encode(out, sizeof(out), req.path) >= -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, used;
	char out[32];
	int r;

	/* pipelined requests, as the worker walks its read buffer */
	while (off < size) {
		r = http_parse_request(&req, data + off, size - off);
		CHECK(r == 1 || r == 0 || r == -400 || r == -413 || r == -431 ||
		      r == -501 || r == -505);
		if (r != 1)
			break;
		use_request(data + off, size - off);
		used = req.consumed;
		/* the same request one byte short must be "need more" */
		CHECK(http_parse_request(&req, data + off, used - 1) == 0);
		off += used;
	}
	/* any bytes as a form body, with a tiny destination */
	if (http_form_get(data, size, "password", out, 8) == 0)
		CHECK(strlen(out) < 8);
	return 0;
}
