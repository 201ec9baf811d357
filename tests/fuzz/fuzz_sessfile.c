/* libFuzzer target: the session registry loader (src/policy/sessfile.c
 * sessfile_decode), read by main at start from <state-dir>/sessions; a
 * torn, garbled or planted file must be refused whole with a reason, never
 * crash main or restore half a record.  Input: the file.  Checks: a
 * refusal names its reason and returns no records; a success encodes back
 * to a file that decodes to the same records, and that encoding is stable.
 */
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/sessfile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sessfile_rec *v = NULL, *w = NULL;
	char *buf = malloc(size + 1), *e1 = NULL, *e2 = NULL;
	const char *why = NULL;
	size_t l1 = 0, l2 = 0;
	long n, m;

	CHECK(buf);
	memcpy(buf, data, size);
	buf[size] = 0;
	n = sessfile_decode(buf, size, &v, &why);
	if (n < 0) {
		CHECK(n == -1 && why && *why && !v);
	} else {
		CHECK(sessfile_encode(v, (size_t)n, &e1, &l1) == 0);
		m = sessfile_decode(e1, l1, &w, &why);
		CHECK(m == n);
		CHECK(sessfile_encode(w, (size_t)m, &e2, &l2) == 0);
		CHECK(l2 == l1);
		/* decode edits its buffer in place: compare the re-encodings */
		free(e1);
		e1 = NULL;
		CHECK(sessfile_encode(v, (size_t)n, &e1, &l1) == 0);
		CHECK(l1 == l2 && !memcmp(e1, e2, l1));
	}
	free(e1);
	free(e2);
	free(v);
	free(w);
	free(buf);
	return 0;
}
