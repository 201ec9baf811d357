/* Unit tests for sslvpnctl's grammar (include/sslvpnd/ctlgram.def,
 * src/common/ctlgram.c): the table is whole (every word has help, every
 * command a handler in main, no orphan, no two siblings a word can't tell
 * apart), the parser's abbreviations and ASA errors, completion equals the
 * table, and every line of "help" parses back. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/ctlgram.h"
#include "sslvpnd/util.h"

/* The run column as text: main's handler of each node. */
static const char *const runs[CTLG__COUNT] = {
#define CTLN(id, parent, link, word, type, flags, run, help) [CTLG_##id] = #run,
#include "sslvpnd/ctlgram.def"
#undef CTLN
};

static int is_template(int i)
{
	return ctlg_nodes[i].parent == CTLG_NONE && !ctlg_nodes[i].word[0];
}

START_TEST(test_every_word_has_help)
{
	for (int i = 0; i < CTLG__COUNT; i++) {
		if (is_template(i))
			continue;
		ck_assert_msg(ctlg_nodes[i].word[0], "node %d has no word", i);
		ck_assert_msg(ctlg_nodes[i].help && strlen(ctlg_nodes[i].help) >= 3,
			      "\"%s\" (node %d) has no help", ctlg_nodes[i].word, i);
	}
}
END_TEST

START_TEST(test_every_command_has_a_handler)
{
	for (int i = 0; i < CTLG__COUNT; i++) {
		unsigned f = ctlg_nodes[i].flags;
		int has = strcmp(runs[i], "NULL") != 0;

		if (f & CTLG_F_LOCAL)
			ck_assert_msg(!has, "local \"%s\" names a handler of main", ctlg_nodes[i].word);
		else
			ck_assert_msg(has == !!(f & CTLG_F_END), "\"%s\": %s", ctlg_nodes[i].word,
				      has ? "a handler but no command ends here"
					  : "a command ends here without a handler");
	}
}
END_TEST

/* Reachable from the root or the pipe, through parents and links. */
START_TEST(test_no_orphan)
{
	int seen[CTLG__COUNT] = { 0 }, stack[CTLG__COUNT * 2], sp = 0;

	stack[sp++] = CTLG_ROOT;
	stack[sp++] = CTLG_PIPE;
	seen[CTLG_PIPE] = 1;
	while (sp) {
		int next[CTLG_MAX_NEXT], n = ctlg_next(stack[--sp], next);

		for (int i = 0; i < n; i++)
			if (!seen[next[i]]) {
				seen[next[i]] = 1;
				stack[sp++] = next[i];
			}
	}
	for (int i = 0; i < CTLG__COUNT; i++) {
		int p = ctlg_nodes[i].parent, l = ctlg_nodes[i].link;

		ck_assert_msg(p == CTLG_ROOT || p == CTLG_NONE || p < CTLG__COUNT, "node %d", i);
		ck_assert_msg(l == CTLG_NONE || l < CTLG__COUNT, "node %d", i);
		ck_assert_msg(seen[i] || is_template(i), "\"%s\" (node %d) is unreachable",
			      ctlg_nodes[i].word, i);
	}
}
END_TEST

/* Siblings: no keyword twice (one would never match), at most one
 * argument of a type (the second would never match), and no WORD beside
 * another argument (WORD takes everything first). */
START_TEST(test_siblings_distinct)
{
	for (int at = 0; at <= CTLG_ROOT; at++) {
		int next[CTLG_MAX_NEXT], n = ctlg_next(at, next), args = 0, word = 0;

		ck_assert_int_lt(n, CTLG_MAX_NEXT);
		for (int i = 0; i < n; i++) {
			const struct ctlg_node *a = &ctlg_nodes[next[i]];

			if (a->type != CTLG_T_KW) {
				args++;
				word |= a->type == CTLG_T_WORD || a->type == CTLG_T_LINE;
				continue;
			}
			for (int j = i + 1; j < n; j++)
				ck_assert_msg(strcasecmp(a->word, ctlg_nodes[next[j]].word),
					      "\"%s\" twice after node %d", a->word, at);
		}
		ck_assert_msg(args <= 1 || !word, "a WORD beside another argument after node %d", at);
	}
}
END_TEST

static const struct {
	const char *line;
	enum ctlg_status st;
	int at;                   /* the word in error, or the node reached */
	const char *normalized;
} cases[] = {
	{ "sh vpn-s det any", CTLG_OK, CTLG_SHOW_VPNS_DETAIL_AC, "show vpn-sessiondb detail anyconnect" },
	{ "SH VER", CTLG_OK, CTLG_SHOW_VERSION, "show version" },
	{ "s d", CTLG_AMBIGUOUS, 1, NULL },
	{ "show i", CTLG_AMBIGUOUS, 1, NULL },
	{ "show ip", CTLG_INCOMPLETE, CTLG_SHOW_IP, NULL },
	{ "sh ipv lo po", CTLG_OK, CTLG_SHOW_IPV6_LOCAL_POOL, "show ipv6 local pool" },
	{ "show ip local pool phones", CTLG_OK, CTLG_SHOW_IP_LOCAL_POOL_NAME, NULL },
	{ "show vpn-sessiondb frobnicate", CTLG_INVALID, 2, NULL },
	{ "show vpn-sessiondb", CTLG_INCOMPLETE, CTLG_SHOW_VPNS, NULL },
	{ "", CTLG_INCOMPLETE, CTLG_ROOT, NULL },
	{ "make-coffee", CTLG_INVALID, 0, NULL },
	{ "show version extra", CTLG_INVALID, 2, NULL },
	{ "sh vpn-sessiondb any fil n alice", CTLG_OK, CTLG_SHOW_VPNS_AC_F_NAME_U,
	  "show vpn-sessiondb anyconnect filter name alice" },
	{ "show vpn-sessiondb anyconnect filter ip 198.18.0.9", CTLG_OK, CTLG_SHOW_VPNS_AC_F_IP_A, NULL },
	{ "show vpn-sessiondb anyconnect filter ip nothere", CTLG_INVALID, 5, NULL },
	{ "vpn-sessiondb logoff index 12 noconfirm", CTLG_OK, CTLG_LOGOFF_NOCONFIRM, NULL },
	/* enroll's noconfirm is not logoff's (it ran logoff all before S16) */
	{ "crypto ca enroll TP noconfirm", CTLG_OK, CTLG_NOCONFIRM, NULL },
	{ "vpn-sessiondb logoff name alice noconfirm --fleet", CTLG_OK, CTLG_VPNS_LOGOFF_FLEET, NULL },
	{ "vpn-sessiondb logoff all --fleet", CTLG_OK, CTLG_VPNS_LOGOFF_FLEET, NULL },
	{ "crypto ca enroll TP --fleet", CTLG_INVALID, 4, NULL },
	{ "show vpn-sessiondb detail anyconnect --fleet", CTLG_OK, CTLG_SHOW_VPNS_FLEET, NULL },
	{ "show vpn-sessiondb anyconnect filter name alice --fleet", CTLG_OK, CTLG_SHOW_VPNS_FLEET, NULL },
	{ "show fleet", CTLG_OK, CTLG_SHOW_FLEET, NULL },
	{ "vpn-sessiondb logoff index x", CTLG_INVALID, 3, NULL },
	{ "vpn-sessiondb logoff all", CTLG_OK, CTLG_VPNS_LOGOFF_ALL, NULL },
	{ "clear ip ban 2001:db8::1", CTLG_OK, CTLG_CLEAR_IP_BAN_ADDR, NULL },
	{ "clear ip ban nothost", CTLG_INVALID, 3, NULL },
	{ "certhash A B C --tunnel-group G", CTLG_OK, CTLG_CERTHASH_TG_NAME, NULL },
	{ "certhash --fleet", CTLG_OK, CTLG_CERTHASH_FLEET, NULL },
	{ "certhash --fleet --tunnel-group G", CTLG_OK, CTLG_CERTHASH_FLEET_TG_NAME, NULL },
	{ "doctor --fleet /etc/sslvpnd/vpngroup.xml", CTLG_OK, CTLG_DOCTOR_FLEET_FILE, NULL },
	{ "doctor --fleet", CTLG_INCOMPLETE, CTLG_DOCTOR_FLEET, NULL },
	{ "debug crypto ca transactions 255", CTLG_OK, CTLG_LEVEL, NULL },
	{ "debug cr ca mes 255", CTLG_OK, CTLG_LEVEL, "debug crypto ca messages 255" },
	{ "undebug ssl 5", CTLG_INVALID, 2, NULL },
	{ "no debug all", CTLG_OK, CTLG_UNDEBUG_ALL, NULL },
	{ "test aaa-server authentication G host 198.18.0.1 username u password p", CTLG_OK,
	  CTLG_TEST_AAA_PW_P, NULL },
	{ "show running-config all group-policy DfltGrpPolicy", CTLG_OK, CTLG_SHOW_RUN_GP_NAME, NULL },
	{ "show running-config all ssl", CTLG_INVALID, 3, NULL },
	{ "exit", CTLG_OK, CTLG_EXIT, NULL },
};

static int split(char *buf, char **argv)
{
	int n = 0;

	for (char *t = strtok(buf, " "); t && n < CTLG_MAX_WORDS; t = strtok(NULL, " "))
		argv[n++] = t;
	return n;
}

START_TEST(test_parse)
{
	char buf[256], *argv[CTLG_MAX_WORDS], out[256] = "";
	struct ctlg_parse p;
	int argc;

	snprintf(buf, sizeof(buf), "%s", cases[_i].line);
	argc = split(buf, argv);
	ck_assert_int_eq(ctlg_parse(CTLG_ROOT, argc, argv, 1, &p), cases[_i].st);
	if (cases[_i].st == CTLG_OK || cases[_i].st == CTLG_INCOMPLETE)
		ck_assert_msg(p.last == cases[_i].at, "%s: node %d, expected %d", cases[_i].line,
			      p.last, cases[_i].at);
	else
		ck_assert_msg(p.at == cases[_i].at, "%s: at %d, expected %d", cases[_i].line, p.at,
			      cases[_i].at);
	for (int i = 0; i < argc; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), i ? " %s" : "%s", argv[i]);
	if (cases[_i].normalized)
		ck_assert_str_eq(out, cases[_i].normalized);
}
END_TEST

START_TEST(test_messages)
{
	char buf[64] = "s d", *argv[4], msg[128];
	struct ctlg_parse p;
	int argc = split(buf, argv);

	ctlg_parse(CTLG_ROOT, argc, argv, 0, &p);
	ctlg_message(&p, argc, argv, msg, sizeof(msg));
	ck_assert_str_eq(msg, "% Ambiguous command: \"s d\"");
	snprintf(buf, sizeof(buf), "show frob");
	argc = split(buf, argv);
	ctlg_parse(CTLG_ROOT, argc, argv, 0, &p);
	ctlg_message(&p, argc, argv, msg, sizeof(msg));
	ck_assert_str_eq(msg, "% Invalid input detected at '^' marker.");
}
END_TEST

START_TEST(test_pipe)
{
	char buf[64] = "i Tunnel Group", *argv[8];
	struct ctlg_parse p;
	int argc = split(buf, argv);

	ck_assert_int_eq(ctlg_parse(CTLG_PIPE, argc, argv, 1, &p), CTLG_OK);
	ck_assert_int_eq(p.node[0], CTLG_PIPE_INCLUDE);
	ck_assert_str_eq(argv[0], "include");
	ck_assert(p.flags & CTLG_F_LOCAL);
}
END_TEST

/* Completion equals the table: after each node, the keywords offered for
 * "" are exactly its children's, its link's and (REPEAT) itself. */
START_TEST(test_completion_is_the_table)
{
	for (int at = 0; at <= CTLG_ROOT; at++) {
		int got[CTLG_MAX_NEXT], n = ctlg_prefixed(at, "", 0, got), want = 0;

		for (int k = at, d = 0; k != CTLG_NONE && d < 4; d++) {
			for (int i = 0; i < CTLG__COUNT; i++)
				if (ctlg_nodes[i].parent == k && ctlg_nodes[i].type == CTLG_T_KW)
					want++;
			k = k < CTLG__COUNT ? ctlg_nodes[k].link : CTLG_NONE;
		}
		if (at < CTLG__COUNT && (ctlg_nodes[at].flags & CTLG_F_REPEAT) &&
		    ctlg_nodes[at].type == CTLG_T_KW)
			want++;
		ck_assert_msg(n == want, "after node %d: %d keywords offered, %d in the table", at,
			      n, want);
		for (int i = 1; i < n; i++)
			ck_assert_msg(strcmp(ctlg_nodes[got[i - 1]].word, ctlg_nodes[got[i]].word) < 0,
				      "not alphabetical after node %d", at);
	}
}
END_TEST

/* Every line of "help" is a command: with sample arguments and without
 * its optional words it parses OK, with its optional word too. */
static int n_lines;

static void parse_back(const char *syntax, const char *help, void *arg)
{
	char buf[512], *argv[CTLG_MAX_WORDS], *out[CTLG_MAX_WORDS];
	struct ctlg_parse p;
	int argc, n = 0, with_opt = *(int *)arg;

	ck_assert_msg(help && *help, "%s: no help", syntax);
	snprintf(buf, sizeof(buf), "%s", syntax);
	argc = split(buf, argv);
	for (int i = 0; i < argc; i++) {
		char *w = argv[i];
		size_t len = strlen(w);

		if (w[0] == '[') {
			if (!with_opt || strstr(w, "..."))
				continue;
			w++;
			w[len - 2] = 0;
		}
		out[n++] = !strcmp(w, "WORD") ? "x" : !strcmp(w, "A.B.C.D") ? "198.18.0.1"
			 : w[0] == '<' ? "1" : w;
	}
	ck_assert_msg(ctlg_parse(CTLG_ROOT, n, out, 0, &p) == CTLG_OK, "help line \"%s\" does not parse",
		      syntax);
	n_lines++;
}

START_TEST(test_help_parses)
{
	int with_opt = _i;

	n_lines = 0;
	ctlg_commands(0, parse_back, &with_opt);
	ck_assert_int_gt(n_lines, 40);
}
END_TEST

static Suite *ctlgram_suite(void)
{
	Suite *s = suite_create("ctlgram");
	TCase *t = tcase_create("table"), *p = tcase_create("parser");

	tcase_add_test(t, test_every_word_has_help);
	tcase_add_test(t, test_every_command_has_a_handler);
	tcase_add_test(t, test_no_orphan);
	tcase_add_test(t, test_siblings_distinct);
	tcase_add_test(t, test_completion_is_the_table);
	tcase_add_loop_test(t, test_help_parses, 0, 2);
	suite_add_tcase(s, t);
	tcase_add_loop_test(p, test_parse, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(p, test_messages);
	tcase_add_test(p, test_pipe);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctlgram_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
