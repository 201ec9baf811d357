/* Shared helpers of the Check suites that load configuration text. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>

#include "cfgtest.h"

const char *cfgtest_errs_text(const struct cfg_errors *errs)
{
	static char buf[16384];
	FILE *fp = fmemopen(buf, sizeof(buf), "w");

	if (!fp)
		return "(fmemopen failed)";
	config_errors_print(fp, errs);
	fclose(fp);
	return buf;
}

struct sslvpnd_config *cfgtest_load_ok(const char *text, const char *name)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = NULL;
	int rc = config_load_string(text, name, CFGTEST_STATE, &cfg, &errs);

	ck_assert_msg(rc == 0 && cfg, "expected the config to load, got:\n%s\nconfig:\n%s",
		      cfgtest_errs_text(&errs), text);
	return cfg;
}
