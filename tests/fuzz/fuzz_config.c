/* libFuzzer target: the configuration loader from a string
 * (src/config/config.c config_load_string with the schema, ACLs,
 * certificate maps, time ranges and DAP records it validates).  The file
 * is root's, but a reload parses it inside the running daemon, so it must
 * fail cleanly on anything.  Input: the text.  Checks: success and errors
 * exclude each other, every error names the file and a message, and an
 * accepted configuration dumps (config_dump) to text that loads again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_errors errs, errs2;
	struct sslvpnd_config *cfg = NULL, *again = NULL;
	char *text = malloc(size + 1), *dump = NULL;
	size_t dlen = 0;
	FILE *fp;
	int rc;

	CHECK(text);
	memcpy(text, data, size);
	text[size] = 0;
	memset(&errs, 0, sizeof(errs));
	rc = config_load_string(text, "fuzz.conf", "/nonexistent/sslvpnd-fuzz", &cfg, &errs);
	if (rc == 0) {
		CHECK(cfg && errs.n == 0);
		CHECK((fp = open_memstream(&dump, &dlen)));
		CHECK(config_dump(fp, cfg) == 0);
		fclose(fp);
		memset(&errs2, 0, sizeof(errs2));
		if (config_load_string(dump, "dump.conf", "/nonexistent/sslvpnd-fuzz", &again,
				       &errs2)) {
			config_errors_print(stderr, &errs2);
			CHECK(!"the dump of an accepted configuration loads");
		}
		config_free(again);
		free(dump);
		config_free(cfg);
	} else {
		CHECK(rc == -1 && !cfg && (errs.n > 0 || errs.dropped > 0));
		for (size_t i = 0; i < errs.n && i < CFG_MAX_ERRORS; i++)
			CHECK(errs.e[i].file[0] && errs.e[i].msg[0]);
	}
	free(text);
	return 0;
}
