/* libFuzzer target: the control socket's request line as main takes it
 * apart (src/main/ctlreq.c: ctl_line_ok, then ctl_split_words into at
 * most 16 words), before any command runs.  Input: the bytes a client
 * sends; like main, the line ends at the first newline (a CR before it
 * dropped) and is at most 1024 bytes.  Checks: a line with a control or
 * non-ASCII byte is refused; the words lie inside the line, are
 * terminated there, hold no quote and no blank unless quoted, and
 * splitting their blank-joined form again (quoting the words with blanks)
 * gives the same words.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../../src/main/ctlreq.h"
#include "fuzz.h"

enum { REQ_MAX = 1024, MAX_WORDS = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[REQ_MAX + 1], again[3 * REQ_MAX];
	char *argv[MAX_WORDS], *argv2[MAX_WORDS];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) : size, o = 0;
	int argc, argc2;

	if (len > REQ_MAX)
		return 0; /* main refuses the line before reading it */
	memcpy(line, data, len);
	if (len && line[len - 1] == '\r')
		len--;
	line[len] = 0;
	if (!ctl_line_ok(line, len) || memchr(line, 0, len)) {
		for (size_t i = 0; i < len; i++)
			if ((line[i] < 0x20 && line[i] != '\t') || (unsigned char)line[i] > 0x7e) {
				return 0;
			}
		CHECK(memchr(line, 0, len) != NULL);
		return 0;
	}
	argc = ctl_split_words(line, argv, MAX_WORDS);
	CHECK(argc >= -1 && argc <= MAX_WORDS);
	if (argc <= 0)
		return 0;
	for (int i = 0; i < argc; i++) {
		CHECK(argv[i] >= line && argv[i] + strlen(argv[i]) <= line + len);
		CHECK(!strchr(argv[i], '"'));
		int quoted = argv[i] > line && argv[i][-1] == '"';

		CHECK(quoted || (!strchr(argv[i], ' ') && !strchr(argv[i], '\t') && argv[i][0]));
		o += (size_t)snprintf(again + o, sizeof(again) - o, quoted ? "%s\"%s\"" : "%s%s",
				      i ? " " : "", argv[i]);
	}
	argc2 = ctl_split_words(again, argv2, MAX_WORDS);
	CHECK(argc2 == argc);
	for (int i = 0; i < argc; i++)
		CHECK(!strcmp(argv[i], argv2[i]));
	return 0;
}
