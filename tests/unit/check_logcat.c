/* Unit tests: the event catalogue (include/sslvpnd/logmsg.def) and its
 * renderer (log_event_format in src/common/log.c).  Every catalogued event
 * is rendered in ASA and native format with recognisable dummy arguments;
 * the catalogue itself is checked for unique IDs, sane severities and ASA
 * IDs, well-formed templates that use every argument, an explanation
 * for sslvpnd-messages(7) (logdoc.def), and (S14) each ASA event against
 * the line Cisco prints for it. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sslvpnd/log.h"

struct doc {
	int id;
	const char *text;
};

static const struct doc docs[] = {
#define LOGDOC(id, text) { id, text },
#include "sslvpnd/logdoc.def"
#undef LOGDOC
};

enum { N_DOCS = sizeof(docs) / sizeof(docs[0]), MAX_ARGS = 9 };

/* Cisco's line for each event (logmsg.def's sample column), in catalogue
 * order so samples[k] belongs to log_catalogue[k]. */
struct sample {
	const char *src;    /* "seed NNN" or "unconfirmed"; NULL: no ASA twin */
	const char *values; /* the arguments, '|'-separated */
	const char *line;   /* what Cisco prints, prefix included */
	const char *drift;  /* NULL, or what ours still lacks */
};

static const struct sample samples[] = {
#define NO_SAMPLE { NULL, NULL, NULL, NULL }
#define SAMPLE(src, values, line) { src, values, line, NULL }
#define DRIFT(src, values, line, what) { src, values, line, what }
#define LOGMSG(name, id, sev, asa_id, nargs, asa_fmt, native_fmt, sample) sample,
#include "sslvpnd/logmsg.def"
#undef LOGMSG
#undef NO_SAMPLE
#undef SAMPLE
#undef DRIFT
};

/* Dummy arguments "<A1>".."<A9>": easy to find in the output, and no
 * argument text is a prefix of another. */
static const char *const dummy[MAX_ARGS] = {
	"<A1>", "<A2>", "<A3>", "<A4>", "<A5>", "<A6>", "<A7>", "<A8>", "<A9>",
};

/* Which of %1$s..%9$s a template uses (bit i-1); -1 when it holds any other
 * conversion ('%' not followed by "N$s" with N in 1..nargs, or "%%"). */
static int placeholders(const char *tpl, int nargs)
{
	int used = 0;

	for (const char *p = tpl; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] < '1' || p[1] > '0' + nargs || p[2] != '$' || p[3] != 's')
			return -1;
		used |= 1 << (p[1] - '1');
		p += 3;
	}
	return used;
}

/* The rate-limit window of log_event_rl: LOG_RL_BURST lines, then counted;
 * the count is handed back once the window is over. */
START_TEST(rate_limit_window)
{
	struct log_rl rl = { 0 };
	unsigned report, i;
	uint64_t t = 5000;

	for (i = 0; i < LOG_RL_BURST; i++) {
		ck_assert_int_eq(log_rl_admit(&rl, t + i, &report), 1);
		ck_assert_uint_eq(report, 0);
	}
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(log_rl_admit(&rl, t + 100 + i, &report), 0);
		ck_assert_uint_eq(report, 0);
	}
	ck_assert_int_eq(log_rl_admit(&rl, t + LOG_RL_WINDOW_MS - 1, &report), 0);
	ck_assert_uint_eq(report, 0);
	/* next window: the 8 suppressed are reported, and lines show again */
	ck_assert_int_eq(log_rl_admit(&rl, t + LOG_RL_WINDOW_MS, &report), 1);
	ck_assert_uint_eq(report, 8);
	ck_assert_int_eq(log_rl_admit(&rl, t + LOG_RL_WINDOW_MS + 1, &report), 1);
	ck_assert_uint_eq(report, 0);
	/* a quiet window reports nothing */
	ck_assert_int_eq(log_rl_admit(&rl, t + 5 * LOG_RL_WINDOW_MS, &report), 1);
	ck_assert_uint_eq(report, 0);
}
END_TEST

START_TEST(ids_unique)
{
	const struct log_catalogue_entry *e = &log_catalogue[_i];

	for (int k = 0; k < LM__COUNT; k++)
		ck_assert_msg(k == _i || log_catalogue[k].id != e->id,
			      "%s and %s share ID %d", e->name, log_catalogue[k].name, e->id);
	for (int k = 0; k < LM__COUNT; k++)
		ck_assert_msg(k == _i || strcmp(log_catalogue[k].name, e->name) != 0,
			      "name %s used twice", e->name);
}
END_TEST

START_TEST(fields_sane)
{
	const struct log_catalogue_entry *e = &log_catalogue[_i];

	ck_assert_msg(e->id >= 100000 && e->id <= 199999, "%s: our ID %d outside 100000-199999",
		      e->name, e->id);
	ck_assert_msg(e->severity >= 0 && e->severity <= 7, "%s: severity %d", e->name,
		      e->severity);
	ck_assert_msg(e->asa_id == 0 || (e->asa_id >= 100000 && e->asa_id <= 999999),
		      "%s: ASA ID %d is not a 6-digit ASA message ID", e->name, e->asa_id);
	ck_assert_msg(e->nargs >= 0 && e->nargs <= MAX_ARGS, "%s: nargs %d", e->name, e->nargs);
	ck_assert_msg(e->asa_fmt && e->asa_fmt[0], "%s: empty ASA template", e->name);
	ck_assert_msg(e->native_fmt && e->native_fmt[0], "%s: empty native template", e->name);
	ck_assert_msg(!strchr(e->asa_fmt, '\n') && !strchr(e->native_fmt, '\n'),
		      "%s: a template holds a newline (one event, one log line)", e->name);
}
END_TEST

/* Both templates hold only %N$s (N <= nargs) and %%; every argument is
 * shown by at least one of them (an argument nobody prints is a bug in
 * the caller or the catalogue); the native text, our own, shows them all
 * unless the ASA text already does (an ASA twin may drop fields Cisco's
 * text has no place for, never both). */
START_TEST(templates_well_formed)
{
	const struct log_catalogue_entry *e = &log_catalogue[_i];
	int all = (1 << e->nargs) - 1;
	int a = placeholders(e->asa_fmt, e->nargs);
	int n = placeholders(e->native_fmt, e->nargs);

	ck_assert_msg(a >= 0, "%s: ASA template has a conversion other than %%1$s..%%%d$s: %s",
		      e->name, e->nargs, e->asa_fmt);
	ck_assert_msg(n >= 0, "%s: native template has a conversion other than %%1$s..%%%d$s: %s",
		      e->name, e->nargs, e->native_fmt);
	ck_assert_msg((a | n) == all, "%s: arguments unused by both templates (mask %#x of %#x)",
		      e->name, a | n, all);
	if (!e->asa_id)
		ck_assert_msg(strcmp(e->asa_fmt, e->native_fmt) == 0 || a == all,
			      "%s: no ASA twin, but the 'ASA' template drops arguments", e->name);
}
END_TEST

/* The rendered line: the right prefix, every used argument in its place,
 * nothing left of the template syntax. */
static void check_rendered(const struct log_catalogue_entry *e, enum log_format fmt)
{
	char buf[4096], prefix[64];
	const char *tpl = fmt == LOG_FMT_ASA ? e->asa_fmt : e->native_fmt;
	int used = placeholders(tpl, e->nargs);
	int n = log_event_format(buf, sizeof(buf), fmt, (enum log_event)(e - log_catalogue),
				 dummy);

	if (fmt == LOG_FMT_ASA && e->asa_id)
		snprintf(prefix, sizeof(prefix), "%%ASA-%d-%d: ", e->severity, e->asa_id);
	else
		snprintf(prefix, sizeof(prefix), "%%SSLVPND-%d-%d: ", e->severity, e->id);
	ck_assert_msg(n > 0 && (size_t)n == strlen(buf), "%s: length %d for \"%s\"", e->name, n,
		      buf);
	ck_assert_msg(strncmp(buf, prefix, strlen(prefix)) == 0, "%s: expected prefix %s in %s",
		      e->name, prefix, buf);
	for (int i = 0; i < e->nargs; i++)
		if (used & (1 << i))
			ck_assert_msg(strstr(buf, dummy[i]) != NULL, "%s: argument %d missing in %s",
				      e->name, i + 1, buf);
	ck_assert_msg(!strstr(buf, "$s"), "%s: template syntax left in %s", e->name, buf);
	for (const char *p = buf + strlen(prefix); *p; p++)
		ck_assert_msg(!(p[0] == '%' && p[1] >= '0' && p[1] <= '9'),
			      "%s: conversion left in %s", e->name, buf);
	ck_assert_msg(!strchr(buf, '\n') && buf[strlen(buf) - 1] != ' ',
		      "%s: newline or trailing blank in %s", e->name, buf);
}

START_TEST(render_asa)
{
	check_rendered(&log_catalogue[_i], LOG_FMT_ASA);
}
END_TEST

START_TEST(render_native)
{
	check_rendered(&log_catalogue[_i], LOG_FMT_NATIVE);
}
END_TEST

/* Render an event from its sample's values, as an ASA line. */
static void render_sample(const struct sample *sm, int ev, char *out, size_t len)
{
	char vals[1024], *save = NULL;
	const char *args[MAX_ARGS] = { 0 };
	int n = 0;

	ck_assert_uint_lt(strlen(sm->values), sizeof(vals));
	strcpy(vals, sm->values);
	for (char *t = strtok_r(vals, "|", &save); t && n < MAX_ARGS;
	     t = strtok_r(NULL, "|", &save))
		args[n++] = t;
	ck_assert_msg(n == log_catalogue[ev].nargs, "%s: sample has %d values, the event %d arguments",
		      log_catalogue[ev].name, n, log_catalogue[ev].nargs);
	log_event_format(out, len, LOG_FMT_ASA, (enum log_event)ev, args);
}

/* S14: every ASA event carries Cisco's line and its source; rendered from
 * the sample's values it is that line, byte for byte (prefix, so Cisco's
 * default level, included).  A known drift must still differ: fixing it
 * means flipping DRIFT to SAMPLE, so the catalogue stays honest. */
START_TEST(asa_sample)
{
	const struct log_catalogue_entry *e = &log_catalogue[_i];
	const struct sample *sm = &samples[_i];
	char buf[4096];

	if (!e->asa_id) {
		ck_assert_msg(!sm->src, "%s: a Cisco sample for an event without ASA twin", e->name);
		return;
	}
	ck_assert_msg(sm->src && sm->line && sm->values, "%s (ASA %d): no Cisco sample", e->name,
		      e->asa_id);
	ck_assert_msg(strcmp(sm->src, "unconfirmed") == 0 ||
		      (strncmp(sm->src, "seed ", 5) == 0 && strlen(sm->src) == 8),
		      "%s: sample source '%s' is neither \"seed NNN\" nor \"unconfirmed\"",
		      e->name, sm->src);
	render_sample(sm, _i, buf, sizeof(buf));
	if (sm->drift)
		ck_assert_msg(strcmp(buf, sm->line) != 0,
			      "%s: now renders Cisco's line; make its DRIFT a SAMPLE", e->name);
	else
		ck_assert_msg(strcmp(buf, sm->line) == 0, "%s: format drift\n ours:  %s\n Cisco: %s",
			      e->name, buf, sm->line);
}
END_TEST

/* Every event has an explanation for sslvpnd-messages(7). */
START_TEST(documented)
{
	const struct log_catalogue_entry *e = &log_catalogue[_i];
	int found = 0;

	for (size_t d = 0; d < N_DOCS; d++)
		if (docs[d].id == e->id) {
			found++;
			ck_assert_msg(strlen(docs[d].text) > 10, "%d: explanation too short",
				      e->id);
		}
	ck_assert_msg(found == 1, "%d (%s): %d explanations in logdoc.def, expected 1", e->id,
		      e->name, found);
}
END_TEST

START_TEST(docs_name_events)
{
	int found = 0;

	for (int k = 0; k < LM__COUNT; k++)
		found += log_catalogue[k].id == docs[_i].id;
	ck_assert_msg(found == 1, "logdoc.def: %d names %d catalogued events, expected 1",
		      docs[_i].id, found);
}
END_TEST

/* snprintf semantics: a short buffer is filled and terminated, the return
 * is the full length; NULL arguments print as empty strings. */
START_TEST(truncation)
{
	char full[1024], small[20];
	const char *args[MAX_ARGS] = { "group", "user", "198.18.0.2", "198.19.0.1" };
	int n = log_event_format(full, sizeof(full), LOG_FMT_ASA, LM_ADDR_ASSIGNED, args);
	int m = log_event_format(small, sizeof(small), LOG_FMT_ASA, LM_ADDR_ASSIGNED, args);

	ck_assert_str_eq(full, "%ASA-4-722051: Group <group> User <user> IP <198.18.0.2> "
			       "Address <198.19.0.1> assigned to session");
	ck_assert_int_eq(m, n);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert(strncmp(small, full, sizeof(small) - 1) == 0);
	ck_assert_int_eq(log_event_format(NULL, 0, LOG_FMT_NATIVE, LM_ADDR_ASSIGNED, args),
			 (int)strlen("%SSLVPND-4-100204: address 198.19.0.1 assigned to user user "
				     "from 198.18.0.2 (group policy group)"));
}
END_TEST

START_TEST(null_args)
{
	char buf[256];
	const char *args[MAX_ARGS] = { NULL };

	log_event_format(buf, sizeof(buf), LOG_FMT_NATIVE, LM_DAEMON_STOP, args);
	ck_assert_str_eq(buf, "%SSLVPND-5-100002: sslvpnd stopping: ");
	log_event_format(buf, sizeof(buf), LOG_FMT_ASA, LM_DEBUG_TRACE, args);
	ck_assert_str_eq(buf, "%ASA-7-711001: ");
}
END_TEST

/* Debug classes: names as the ASA's debug commands spell them, with
 * abbreviations; levels clamped; the global level covers every class. */
START_TEST(class_lookup)
{
	const char *w1[] = { "webvpn", "anyconnect" }, *w2[] = { "we", "any" };
	const char *w3[] = { "crypto", "ca" }, *w4[] = { "ssl" }, *w5[] = { "webvpn" };
	const char *w6[] = { "crypto" }, *w7[] = { "s" }, *w8[] = { "webvpn", "bogus" };

	ck_assert_int_eq(log_class_lookup(w1, 2), LOGC_ANYCONNECT);
	ck_assert_int_eq(log_class_lookup(w2, 2), LOGC_ANYCONNECT);
	ck_assert_int_eq(log_class_lookup(w3, 2), LOGC_CRYPTO_CA);
	ck_assert_int_eq(log_class_lookup(w4, 1), LOGC_SSL);
	ck_assert_int_eq(log_class_lookup(w5, 1), LOGC_WEBVPN);
	ck_assert_int_eq(log_class_lookup(w6, 1), -1);
	ck_assert_int_eq(log_class_lookup(w7, 1), -1);
	ck_assert_int_eq(log_class_lookup(w8, 2), -1);
	/* seed 000's "debug crypto ca transactions|messages 255" */
	const char *w9[] = { "crypto", "ca", "transactions" }, *w10[] = { "cr", "ca", "mes" };
	const char *w11[] = { "crypto", "ca", "bogus" };

	ck_assert_int_eq(log_class_lookup(w9, 3), LOGC_CRYPTO_CA_TRANSACTIONS);
	ck_assert_int_eq(log_class_lookup(w10, 3), LOGC_CRYPTO_CA_MESSAGES);
	ck_assert_int_eq(log_class_lookup(w11, 3), -1);
	ck_assert_int_eq(log_class_lookup(w3, 2), LOGC_CRYPTO_CA);
	for (int c = 0; c < LOGC__COUNT; c++)
		ck_assert_str_ne(log_class_name((enum log_class)c), "?");
}
END_TEST

/* The debug output of one call, captured from stderr. */
static char *capture_debugc(enum log_class c, int level, const char *text)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	static char out[4096];
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	log_debugc(c, level, "%s", text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return out;
}

START_TEST(class_levels)
{
	log_init("check_logcat", 1, 0, LOG_FMT_ASA, 0);
	log_class_set(LOGC_CRYPTO_CA, 300);
	ck_assert_int_eq(log_class_get(LOGC_CRYPTO_CA), 255);
	log_class_set(LOGC_CRYPTO_CA, -1);
	ck_assert_int_eq(log_class_get(LOGC_CRYPTO_CA), 0);
	ck_assert_str_eq(capture_debugc(LOGC_CRYPTO_CA, 1, "off"), "");
	log_class_set(LOGC_CRYPTO_CA, 10);
	ck_assert(log_class_on(LOGC_CRYPTO_CA, 10));
	ck_assert(!log_class_on(LOGC_CRYPTO_CA, 11));
	ck_assert(!log_class_on(LOGC_SSL, 1));
	ck_assert_str_eq(capture_debugc(LOGC_CRYPTO_CA, 11, "too deep"), "");
	ck_assert_ptr_nonnull(strstr(capture_debugc(LOGC_CRYPTO_CA, 5, "chain ok"),
				     "%ASA-7-711001: crypto ca: chain ok\n"));
	ck_assert_str_eq(capture_debugc(LOGC_SSL, 1, "other class"), "");
	log_set_format(LOG_FMT_NATIVE);
	ck_assert_ptr_nonnull(strstr(capture_debugc(LOGC_CRYPTO_CA, 1, "x"),
				     "%SSLVPND-7-100901: debug: crypto ca: x\n"));
	log_set_format(LOG_FMT_ASA);
	log_set_debug(3); /* the global level reaches every class */
	ck_assert(log_class_on(LOGC_SSL, 3));
	ck_assert(!log_class_on(LOGC_SSL, 4));
	log_set_debug(0);
	log_class_set(LOGC_CRYPTO_CA, 0);
	ck_assert(!log_class_on(LOGC_CRYPTO_CA, 1));
	/* either part of crypto ca turns its output on */
	log_class_set(LOGC_CRYPTO_CA_MESSAGES, 255);
	ck_assert(log_class_on(LOGC_CRYPTO_CA, 255));
	ck_assert_ptr_nonnull(strstr(capture_debugc(LOGC_CRYPTO_CA, 1, "msg"),
				     "%ASA-7-711001: crypto ca: msg\n"));
	log_class_set(LOGC_CRYPTO_CA_MESSAGES, 0);
	log_class_set(LOGC_CRYPTO_CA_TRANSACTIONS, 3);
	ck_assert(log_class_on(LOGC_CRYPTO_CA, 3));
	ck_assert(!log_class_on(LOGC_CRYPTO_CA, 4));
	log_class_set(LOGC_CRYPTO_CA_TRANSACTIONS, 0);
	ck_assert(!log_class_on(LOGC_CRYPTO_CA, 1));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logcat");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_test(core, rate_limit_window);
	tcase_add_loop_test(core, ids_unique, 0, LM__COUNT);
	tcase_add_loop_test(core, fields_sane, 0, LM__COUNT);
	tcase_add_loop_test(core, templates_well_formed, 0, LM__COUNT);
	tcase_add_loop_test(core, render_asa, 0, LM__COUNT);
	tcase_add_loop_test(core, render_native, 0, LM__COUNT);
	tcase_add_loop_test(core, asa_sample, 0, LM__COUNT);
	tcase_add_loop_test(core, documented, 0, LM__COUNT);
	tcase_add_loop_test(core, docs_name_events, 0, N_DOCS);
	tcase_add_test(lim, truncation);
	tcase_add_test(lim, null_args);
	tcase_add_test(core, class_lookup);
	tcase_add_test(core, class_levels);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
