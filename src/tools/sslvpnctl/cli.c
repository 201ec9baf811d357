/* sslvpnctl's command line (sslvpnctl.h): everything between the words an
 * administrator types and the exchange with main -- `?` help, completion,
 * the ASA's parse errors with a caret, "| include/exclude/begin" filters,
 * scripts on stdin and the interactive prompt.  All of it reads the one
 * grammar, include/sslvpnd/ctlgram.def. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctlreq.h"
#include "sslvpnd/ctlgram.h"
#include "sslvpnctl.h"

enum { LINE_MAX_LEN = 1024, HELP_COL = 24 };

/* A line split into words: buf holds them at their columns in line. */
struct words {
	char line[LINE_MAX_LEN + 1];
	char buf[LINE_MAX_LEN + 1];
	char *argv[CTLG_MAX_WORDS + 1];
	int argc;
};

static int split(struct words *w, const char *line, size_t len)
{
	if (len > LINE_MAX_LEN) {
		fprintf(stderr, "%% Command longer than %d characters\n", LINE_MAX_LEN);
		return -1;
	}
	memcpy(w->buf, line, len);
	w->buf[len] = 0;
	memcpy(w->line, w->buf, len + 1);
	w->argc = ctl_split_words(w->buf, w->argv, CTLG_MAX_WORDS);
	if (w->argc < 0) {
		fprintf(stderr, "%% Unbalanced quotes or more than %d words\n", CTLG_MAX_WORDS);
		return -1;
	}
	return 0;
}

static int col_of(const struct words *w, int i)
{
	return i < w->argc ? (int)(w->argv[i] - w->buf) : (int)strlen(w->line);
}

/* The ASA's answer to a bad line: the caret under the word (indent: the
 * line's column on the screen; -1: echo the line first), then the verdict. */
static void parse_error(const struct ctlg_parse *p, struct words *w, int argc, int indent)
{
	char msg[600], hint[160];

	ctlg_message(p, argc, w->argv, msg, sizeof(msg));
	ctlg_hint(p, w->argv, hint, sizeof(hint));
	if (p->status == CTLG_INVALID) {
		if (indent < 0) {
			fprintf(stderr, "%s\n", w->line);
			indent = 0;
		}
		fprintf(stderr, "%*s^\n", indent + col_of(w, p->at), "");
	}
	fprintf(stderr, "ERROR: %s\n", msg);
	if (hint[0])
		fprintf(stderr, "%s\n", hint);
}

/* ------------------------------------------------ ? and completion */

/* Where the text before the last word leads: the node after which the
 * next word comes (through "| ..." too), or -1 with the error printed. */
static int node_before(struct words *w, int argc, int indent, int quiet)
{
	struct ctlg_parse p;
	int k = 0, start = CTLG_ROOT;

	while (k < argc && strcmp(w->argv[k], "|"))
		k++;
	if (k < argc) {
		if (ctlg_parse(CTLG_ROOT, k, w->argv, 0, &p) != CTLG_OK ||
		    (p.flags & CTLG_F_LOCAL)) {
			if (!quiet)
				parse_error(&p, w, k, indent);
			return -1;
		}
		start = CTLG_PIPE;
		k++;
	} else {
		k = 0;
	}
	ctlg_parse(start, argc - k, w->argv + k, 0, &p);
	if (p.status == CTLG_INVALID || p.status == CTLG_AMBIGUOUS) {
		if (!quiet) {
			p.at += k;
			parse_error(&p, w, argc, indent);
		}
		return -1;
	}
	return p.last;
}

static void help_row(FILE *out, const char *word, const char *help)
{
	fprintf(out, "  %-*s %s\n", HELP_COL, word, help);
}

void cli_help(const char *line, size_t len, FILE *out)
{
	struct words w;
	int next[CTLG_MAX_NEXT], n, at, argc;
	const char *partial = NULL;

	if (split(&w, line, len) < 0)
		return;
	argc = w.argc;
	if (len && !isspace((unsigned char)line[len - 1]) && argc)
		partial = w.argv[--argc];
	at = node_before(&w, argc, -1, 0);
	if (at < 0)
		return;
	if (at < CTLG__COUNT && ctlg_nodes[at].type == CTLG_T_LINE) {
		help_row(out, "<cr>", "");
		return;
	}
	if (partial) {
		n = ctlg_prefixed(at, partial, 0, next);
		for (int i = 0; i < n; i++)
			help_row(out, ctlg_nodes[next[i]].word, ctlg_nodes[next[i]].help);
		n = n ? n : ctlg_next(at, next);
		for (int i = 0; i < n; i++)
			if (ctlg_nodes[next[i]].type != CTLG_T_KW && ctlg_arg_ok(next[i], partial))
				help_row(out, ctlg_nodes[next[i]].word, ctlg_nodes[next[i]].help);
		return;
	}
	n = ctlg_next(at, next);
	for (int i = 0; i < n; i++)
		help_row(out, ctlg_nodes[next[i]].word, ctlg_nodes[next[i]].help);
	if (at < CTLG__COUNT && (ctlg_nodes[at].flags & CTLG_F_END)) {
		if (!(ctlg_nodes[at].flags & CTLG_F_LOCAL))
			help_row(out, "|", ctlg_nodes[CTLG_PIPE].help);
		help_row(out, "<cr>", "");
	}
}

int cli_candidates(const char *line, size_t len, const char **out, int cap)
{
	struct words w;
	int next[CTLG_MAX_NEXT], n, at, argc, m = 0;
	const char *partial = "";

	if (split(&w, line, len) < 0)
		return 0;
	argc = w.argc;
	if (len && !isspace((unsigned char)line[len - 1]) && argc)
		partial = w.argv[--argc];
	at = node_before(&w, argc, -1, 1);
	if (at < 0)
		return 0;
	n = ctlg_prefixed(at, partial, 0, next);
	for (int i = 0; i < n && m < cap; i++)
		out[m++] = ctlg_nodes[next[i]].word;
	return m;
}

void cli_complete(int argc, char **argv, FILE *out)
{
	char line[LINE_MAX_LEN + 1];
	const char *c[CTLG_MAX_NEXT];
	size_t o = 0;
	int n;

	line[0] = 0;
	for (int i = 0; i < argc && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", i ? " " : "", argv[i]);
	if (o >= sizeof(line))
		return;
	if (!argc) /* nothing typed yet: the first words */
		line[o++] = ' ', line[o] = 0;
	n = cli_candidates(line, o, c, CTLG_MAX_NEXT);
	for (int i = 0; i < n; i++)
		fprintf(out, "%s\n", c[i]);
}

/* ------------------------------------------------ commands */

/* "| include RE" etc. after word k: the filter, or -1 (told why). */
static int pipe_filter(const struct ctl_opts *o, struct words *w, int k, int indent,
		       struct out_filter *f)
{
	struct ctlg_parse p;
	char re[LINE_MAX_LEN + 1];
	size_t len = 0;
	int rc;

	if (ctlg_parse(CTLG_PIPE, w->argc - k - 1, w->argv + k + 1, 1, &p) != CTLG_OK) {
		p.at += k + 1;
		parse_error(&p, w, w->argc, indent);
		return -1;
	}
	if (o->json) {
		fprintf(stderr, "%% Output filters apply to text: '| %s' with --json\n",
			w->argv[k + 1]);
		return -1;
	}
	/* the expression is the rest of the line, blanks included */
	for (int i = k + 2; i < w->argc; i++)
		len += (size_t)snprintf(re + len, sizeof(re) - len, "%s%s", i > k + 2 ? " " : "",
					w->argv[i]);
	rc = regcomp(&f->re, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		fprintf(stderr, "%% | %s: \"%s\" is not a regular expression\n", w->argv[k + 1], re);
		return -1;
	}
	f->kind = p.node[0];
	f->begun = 0;
	return 0;
}

/* One command line: the words of w. */
static int run_words(const struct ctl_opts *o, struct words *w, int indent)
{
	char *orig[CTLG_MAX_WORDS + 1];
	struct out_filter f = { 0 };
	struct ctlg_parse p;
	int k = 0, rc;

	if (w->argc && *w->argv[w->argc - 1] &&
	    w->argv[w->argc - 1][strlen(w->argv[w->argc - 1]) - 1] == '?') {
		/* `?` typed with Enter (scripts, one-shot): the help of the line */
		char *q = w->argv[w->argc - 1];
		size_t len = (size_t)(q - w->buf) + strlen(q) - 1;

		cli_help(w->line, len, stdout);
		return 0;
	}
	while (k < w->argc && strcmp(w->argv[k], "|"))
		k++;
	memcpy(orig, w->argv, sizeof(orig));
	if (ctlg_parse(CTLG_ROOT, k, w->argv, 1, &p) != CTLG_OK) {
		memcpy(w->argv, orig, sizeof(orig));
		parse_error(&p, w, k, indent);
		return 1;
	}
	if (p.flags & CTLG_F_LOCAL)
		return CLI_EXIT;
	if (k < w->argc) {
		memcpy(w->argv, orig, sizeof(orig));
		if (pipe_filter(o, w, k, indent, &f) < 0)
			return 1;
		ctlg_parse(CTLG_ROOT, k, w->argv, 1, &p);
	}
	/* deferred answers: a test's server, the fleet's Redis */
	rc = ctl_exchange(o, k, w->argv,
			  p.node[0] == CTLG_TEST || (k > 1 && (p.node[1] == CTLG_CERTHASH_FLEET || p.node[1] == CTLG_DOCTOR_FLEET)), &f);
	if (f.kind)
		regfree(&f.re);
	return rc;
}

int cli_command(const struct ctl_opts *o, int argc, char **argv, int indent)
{
	struct words w;
	size_t len = 0;

	if (argc > CTLG_MAX_WORDS) {
		fprintf(stderr, "%% More than %d words\n", CTLG_MAX_WORDS);
		return 1;
	}
	/* one-shot words: as a line, so that the caret has columns (a word
	 * with blanks stays one word) */
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (len + l + 2 > LINE_MAX_LEN) {
			fprintf(stderr, "%% Command longer than %d characters\n", LINE_MAX_LEN);
			return 2;
		}
		if (i)
			w.line[len] = ' ', w.buf[len++] = 0;
		w.argv[i] = w.buf + len;
		memcpy(w.buf + len, argv[i], l + 1);
		memcpy(w.line + len, argv[i], l + 1);
		len += l;
	}
	w.line[len] = w.buf[len] = 0;
	w.argc = argc;
	return run_words(o, &w, indent);
}

static int run_line(const struct ctl_opts *o, const char *line, int indent)
{
	struct words w;

	if (split(&w, line, strlen(line)) < 0)
		return 1;
	if (!w.argc || w.argv[0][0] == '!' || w.argv[0][0] == '#')
		return 0; /* blank or a comment, as in ASA scripts */
	return run_words(o, &w, indent);
}

int cli_run_lines(const struct ctl_opts *o, FILE *in)
{
	char line[LINE_MAX_LEN + 2];
	int worst = 0;

	while (fgets(line, sizeof(line), in)) {
		size_t n = strcspn(line, "\r\n");
		int rc;

		if (n == strlen(line) && !feof(in)) {
			fprintf(stderr, "%% Line longer than %d characters\n", LINE_MAX_LEN);
			return 2;
		}
		line[n] = 0;
		rc = run_line(o, line, -1);
		if (rc == CLI_EXIT)
			break;
		worst = rc > worst ? rc : worst;
	}
	return worst;
}

int cli_interactive(const struct ctl_opts *o)
{
	char host[64] = "sslvpnd", prompt[80];
	char *line;
	int rc = 0;

	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "sslvpnd");
	host[strcspn(host, ".")] = 0;
	snprintf(prompt, sizeof(prompt), "%s# ", host);
	while ((line = edit_line(prompt))) {
		if (line[strspn(line, " \t")])
			edit_history_add(line);
		rc = run_line(o, line, (int)strlen(prompt));
		free(line);
		fflush(stdout);
		if (rc == CLI_EXIT)
			return 0;
	}
	return 0;
}

/* ------------------------------------------------ sslvpnctl(8) */

/* One syntax line in man(7): keywords bold, arguments italic. */
static void man_row(const char *syntax, const char *help, void *arg)
{
	FILE *out = arg;

	fputs(".TP\n", out);
	for (const char *p = syntax; *p;) {
		size_t n = strcspn(p, " ");
		int keyword = 0;

		for (size_t i = 0; i < n; i++)
			keyword |= islower((unsigned char)p[i]) != 0;
		fputs(keyword ? "\\fB" : "\\fI", out);
		for (size_t i = 0; i < n; i++)
			fputs(p[i] == '-' ? "\\-" : p[i] == '\\' ? "\\e" : (char[2]){ p[i], 0 }, out);
		fputs("\\fR", out);
		p += n;
		if (*p)
			fputc(*p++, out);
	}
	fprintf(out, "\n%s\n", help);
}

void cli_man(FILE *out)
{
	ctlg_commands(0, man_row, out);
}
