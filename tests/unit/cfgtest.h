/* Shared helpers of the Check suites that load configuration text. */
#ifndef SSLVPND_CFGTEST_H
#define SSLVPND_CFGTEST_H

#include "sslvpnd/config.h"

#define CFGTEST_STATE "/var/lib/sslvpnd-test"

/* cfgtest_errs_text: the errors as config_errors_print writes them, in a
 * static buffer (valid until the next call). */
const char *cfgtest_errs_text(const struct cfg_errors *errs);

/* cfgtest_load_ok: loads text as file name (state dir CFGTEST_STATE) and
 * fails the running test, printing the errors and the text, unless it
 * loads.  The caller frees the result with config_free. */
struct sslvpnd_config *cfgtest_load_ok(const char *text, const char *name);

/* cfgtest_dump: what `sslvpnd -T` prints for cfg (config_dump), as a
 * string the caller frees. */
char *cfgtest_dump(const struct sslvpnd_config *cfg);

/* A configuration text the loader must refuse with msg at line. */
struct cfgtest_bad {
	const char *text;
	int line;
	const char *msg;
};

/* cfgtest_load_fails: loads text as file name and fails the running test
 * unless it is refused with an error at line that contains msg. */
void cfgtest_load_fails(const char *text, const char *name, int line, const char *msg);

#endif
