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

#endif
