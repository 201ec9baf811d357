/* The metrics listener's request rule (metrics_http.c), without I/O so that
 * a fuzz target (tests/fuzz/fuzz_metrics_http.c) can drive it: the bytes
 * of one connection read so far decide whether to wait for more or which
 * answer to give. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "metrics.h"

int metrics_http_parse(const char *req, size_t len, size_t cap, int *head)
{
	char method[8] = "", path[64] = "";

	*head = 0;
	/* the request line decides; the headers are read to the blank line
	 * only so that the connection is not reset with unread input */
	if (!memmem(req, len, "\r\n\r\n", 4) && !memmem(req, len, "\n\n", 2))
		return len >= cap ? 431 : 0;
	if (sscanf(req, "%7s %63s HTTP/1.%*c", method, path) != 2)
		return 400;
	*head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") && !*head)
		return 405;
	return strcmp(path, "/metrics") ? 404 : 200;
}
