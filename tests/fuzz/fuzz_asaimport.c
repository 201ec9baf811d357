/* libFuzzer target: sslvpn-asa-import (src/tools/asaimport) on any text.
 * An administrator pastes whatever a web page or a terminal gave them, so
 * the importer must survive anything.  Input: the text.  Checks: the
 * return value is the number of report lines of severity ERROR; the written
 * configuration is valid libconfig syntax whatever the names and strings
 * held (quotes, backslashes, control bytes escaped).  No files are written
 * (no --cert-dir) and cleartext passwords are not hashed (scrypt is slow). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "../../src/tools/asaimport/asaimport.h"
#include "fuzz.h"

/* Report lines whose severity is ERROR ("line N: ERROR: ..." or
 * "ERROR: ..."); the quoted input on other lines may hold the word too. */
static int count_errors(const char *s)
{
	int n = 0;

	for (; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		const char *p = s;

		if (!strncmp(p, "line ", 5))
			p += 5 + strspn(p + 5, "0123456789") + 2;
		n += !strncmp(p, "ERROR: ", 7);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asaimport_opts o = { .cert_dir = NULL, .listen = NULL, .source = "fuzz" };
	char *in = malloc(size + 1), *out = NULL, *rep = NULL;
	size_t on = 0, rn = 0;
	FILE *fin, *fout, *frep;
	config_t cfg;
	int rc;

	CHECK(in);
	memcpy(in, data, size);
	in[size] = 0;
	CHECK((fin = fmemopen(in, size ? size : 1, "r")));
	CHECK((fout = open_memstream(&out, &on)));
	CHECK((frep = open_memstream(&rep, &rn)));
	rc = asaimport_run(fin, fout, frep, &o);
	fclose(fin);
	fclose(fout);
	fclose(frep);
	CHECK(rc >= 0);
	CHECK(rc == count_errors(rep));
	config_init(&cfg);
	if (config_read_string(&cfg, out) != CONFIG_TRUE) {
		fprintf(stderr, "line %d: %s\n%s\n", config_error_line(&cfg),
			config_error_text(&cfg), out);
		CHECK(!"the output is libconfig");
	}
	config_destroy(&cfg);
	free(in);
	free(out);
	free(rep);
	return 0;
}
