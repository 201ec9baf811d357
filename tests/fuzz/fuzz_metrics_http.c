/* libFuzzer target: the metrics listener's request parser
 * (src/main/metrics_req.c metrics_http_parse), on the bytes of one
 * connection as they arrive.  Input: byte 0 seeds the sizes of the reads
 * (a slow client sends a few bytes at a time), the rest is the stream;
 * like the listener, at most 1024 bytes are read.  Checks: the answer is
 * one the listener knows, it never changes once given (the listener
 * answers at the first), 431 only with a full buffer, and 200 only for a
 * GET or HEAD of /metrics.
 */
#include "config.h"

#include <string.h>

#include "../../src/main/metrics.h"
#include "fuzz.h"

enum { CAP = 1024 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[CAP + 1];
	unsigned step = size ? data[0] % 16 + 1 : 1;
	size_t len = 0, n = size ? size - 1 : 0;
	int head, status = 0;

	if (n > CAP)
		n = CAP;
	while (len < n && !status) {
		size_t k = len + step < n ? step : n - len;

		memcpy(req + len, data + 1 + len, k);
		len += k;
		req[len] = 0;
		status = metrics_http_parse(req, len, CAP, &head);
	}
	CHECK(status == 0 || status == 200 || status == 400 || status == 404 ||
	      status == 405 || status == 431);
	CHECK(status != 431 || len == CAP);
	CHECK(status != 0 || len < CAP);
	if (status) /* the whole buffer again: the same answer */
		CHECK(metrics_http_parse(req, len, CAP, &(int){ 0 }) == status);
	if (status == 200) {
		const char *p = req + strspn(req, " \t\r\n\v\f");

		CHECK(!strncmp(p, head ? "HEAD" : "GET", head ? 4 : 3));
		CHECK(strstr(req, "/metrics") != NULL);
	}
	return 0;
}
