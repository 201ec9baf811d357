/* Shared helpers of the Check suites that load configuration text. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <string.h>

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

char *cfgtest_dump(const struct sslvpnd_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(config_dump(fp, cfg), 0);
	fclose(fp);
	return buf;
}

void cfgtest_load_fails(const char *text, const char *name, int line, const char *msg)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = (void *)1;
	int found = 0;

	ck_assert_int_eq(config_load_string(text, name, CFGTEST_STATE, &cfg, &errs), -1);
	for (size_t i = 0; i < errs.n; i++)
		if (errs.e[i].line == line && strstr(errs.e[i].msg, msg))
			found = 1;
	ck_assert_msg(found, "want %s:%d: ...%s...\nactual:\n%s", name, line, msg,
		      cfgtest_errs_text(&errs));
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
