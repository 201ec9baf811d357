/* sslvpnctl's grammar (ctlgram.h): the tree of ctlgram.def and the walks
 * over it that the parser, `?`, completion and the command list share. */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/ctlgram.h"

enum { END = CTLG_F_END, CHANGES = CTLG_F_CHANGES, REPEAT = CTLG_F_REPEAT,
       LOCAL = CTLG_F_LOCAL };

const struct ctlg_node ctlg_nodes[CTLG__COUNT] = {
#define CTLN(id, parent, link, word, type, flags, run, help) \
	[CTLG_##id] = { CTLG_##parent, CTLG_##link, word, CTLG_T_##type, flags, help },
#include "sslvpnd/ctlgram.def"
#undef CTLN
};

/* Links are followed at most this deep (a template may link on). */
enum { LINK_DEPTH = 4 };

static int cmp_nodes(const void *a, const void *b)
{
	const struct ctlg_node *x = &ctlg_nodes[*(const int *)a];
	const struct ctlg_node *y = &ctlg_nodes[*(const int *)b];

	if ((x->type == CTLG_T_KW) != (y->type == CTLG_T_KW))
		return x->type == CTLG_T_KW ? -1 : 1;
	return x->type == CTLG_T_KW ? strcmp(x->word, y->word) : 0;
}

static int add_children(int of, int *out, int n)
{
	for (int i = 0; i < CTLG__COUNT && n < CTLG_MAX_NEXT; i++)
		if (ctlg_nodes[i].parent == of)
			out[n++] = i;
	return n;
}

int ctlg_next(int at, int out[CTLG_MAX_NEXT])
{
	int n = 0, k = at;

	if (at < CTLG__COUNT && (ctlg_nodes[at].flags & REPEAT))
		out[n++] = at;
	for (int d = 0; d < LINK_DEPTH && k != CTLG_NONE; d++) {
		n = add_children(k, out, n);
		k = k < CTLG__COUNT ? ctlg_nodes[k].link : CTLG_NONE;
	}
	/* stable for arguments: insertion sort keeps their table order */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp_nodes(&out[j - 1], &out[j]) > 0; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

int ctlg_prefixed(int at, const char *prefix, int exact_wins, int out[CTLG_MAX_NEXT])
{
	int next[CTLG_MAX_NEXT], n = ctlg_next(at, next), m = 0;
	size_t len = strlen(prefix);

	for (int i = 0; i < n; i++) {
		const struct ctlg_node *c = &ctlg_nodes[next[i]];

		if (c->type != CTLG_T_KW || strncasecmp(c->word, prefix, len))
			continue;
		if (exact_wins && strlen(c->word) == len) {
			/* an exact word wins over the longer ones ("ip", "ipv6") */
			out[0] = next[i];
			return 1;
		}
		out[m++] = next[i];
	}
	return m;
}

int ctlg_arg_ok(int n, const char *word)
{
	unsigned char a[16];

	switch (ctlg_nodes[n].type) {
	case CTLG_T_NUM:
		return *word && strspn(word, "0123456789") == strlen(word) && strlen(word) <= 10;
	case CTLG_T_ADDR:
		return inet_pton(AF_INET, word, a) == 1 || inet_pton(AF_INET6, word, a) == 1;
	case CTLG_T_WORD:
	case CTLG_T_LINE:
		return *word != 0;
	default:
		return 0;
	}
}

/* The node word may be after at: 0 and *node set, or the status. */
static enum ctlg_status match_word(int at, const char *word, int *node)
{
	int next[CTLG_MAX_NEXT], n, m = ctlg_prefixed(at, word, 1, next);

	if (m == 1 && *word) {
		*node = next[0];
		return CTLG_OK;
	}
	if (m > 1 && *word)
		return CTLG_AMBIGUOUS;
	n = ctlg_next(at, next);
	for (int i = 0; i < n; i++)
		if (ctlg_nodes[next[i]].type != CTLG_T_KW && ctlg_arg_ok(next[i], word)) {
			*node = next[i];
			return CTLG_OK;
		}
	return CTLG_INVALID;
}

enum ctlg_status ctlg_parse(int start, int argc, char **argv, int normalize,
			    struct ctlg_parse *p)
{
	int at = start;

	memset(p, 0, sizeof(*p));
	p->last = start;
	for (int i = 0; i < argc; i++) {
		int node;
		enum ctlg_status st = i < CTLG_MAX_WORDS ? match_word(at, argv[i], &node)
							 : CTLG_INVALID;

		if (st != CTLG_OK) {
			p->status = st;
			p->at = i;
			return st;
		}
		p->node[i] = node;
		p->flags |= ctlg_nodes[node].flags & (CHANGES | LOCAL);
		p->last = at = node;
		if (normalize && ctlg_nodes[node].type == CTLG_T_KW)
			/* handlers never write into a keyword */
			argv[i] = (char *)(uintptr_t)ctlg_nodes[node].word;
		if (ctlg_nodes[node].type == CTLG_T_LINE)
			break;
	}
	p->at = argc;
	p->status = at != start && (ctlg_nodes[at].flags & END) ? CTLG_OK : CTLG_INCOMPLETE;
	return p->status;
}

void ctlg_message(const struct ctlg_parse *p, int argc, char **argv, char *buf, size_t cap)
{
	size_t o = 0;

	switch (p->status) {
	case CTLG_OK:
		buf[0] = 0;
		break;
	case CTLG_INCOMPLETE:
		snprintf(buf, cap, "%% Incomplete command");
		break;
	case CTLG_INVALID:
		snprintf(buf, cap, "%% Invalid input detected at '^' marker.");
		break;
	case CTLG_AMBIGUOUS:
		o = (size_t)snprintf(buf, cap, "%% Ambiguous command: \"");
		for (int i = 0; i <= p->at && i < argc && o < cap; i++)
			o += (size_t)snprintf(buf + o, cap - o, i ? " %s" : "%s", argv[i]);
		if (o < cap)
			snprintf(buf + o, cap - o, "\"");
		break;
	}
}

void ctlg_hint(const struct ctlg_parse *p, char **argv, char *buf, size_t cap)
{
	int next[CTLG_MAX_NEXT], n = p->status == CTLG_INVALID ? ctlg_next(p->last, next) : 0;

	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		const struct ctlg_node *a = &ctlg_nodes[next[i]];

		if (a->type == CTLG_T_ADDR)
			snprintf(buf, cap, "%% %.100s is not an IP address", argv[p->at]);
		else if (a->type == CTLG_T_NUM)
			snprintf(buf, cap, "%% %.100s is not a number %s", argv[p->at], a->word);
	}
}

/* ------------------------------------------------ the command list */

struct walk {
	int local;
	void (*cb)(const char *syntax, const char *help, void *arg);
	void *arg;
	char line[512];
};

/* One leaf argument or keyword after an END word is written as optional
 * on the same line ("clear ip ban [A.B.C.D]"), not as a second command. */
static int lone_leaf(int at)
{
	int next[CTLG_MAX_NEXT], n = ctlg_next(at, next), m = 0, leaf = -1;

	for (int i = 0; i < n; i++) {
		int sub[CTLG_MAX_NEXT];

		if (next[i] == at)
			continue; /* REPEAT */
		m++;
		leaf = next[i];
		if (ctlg_next(next[i], sub) || !(ctlg_nodes[next[i]].flags & END))
			return -1;
	}
	return m == 1 ? leaf : -1;
}

/* help: that of the path's last keyword so far (a command's help is its
 * last keyword's: an argument's help names the argument). */
static void walk(struct walk *w, int at, size_t len, int depth, const char *help)
{
	int next[CTLG_MAX_NEXT], n = ctlg_next(at, next);

	for (int i = 0; i < n && depth < CTLG_MAX_WORDS; i++) {
		const struct ctlg_node *c = &ctlg_nodes[next[i]];
		size_t l = len;
		const char *h;
		int leaf;

		if (next[i] == at || ((c->flags & LOCAL) && !w->local))
			continue;
		l += (size_t)snprintf(w->line + l, sizeof(w->line) - l, "%s%s", len ? " " : "",
				      c->word);
		if (c->flags & REPEAT)
			l += (size_t)snprintf(w->line + l, sizeof(w->line) - l, " [%s...]",
					      c->word);
		if (l >= sizeof(w->line))
			continue;
		h = c->type == CTLG_T_KW ? c->help : help;
		if (c->flags & END) {
			leaf = lone_leaf(next[i]);
			if (leaf >= 0) {
				snprintf(w->line + l, sizeof(w->line) - l, " [%s]",
					 ctlg_nodes[leaf].word);
				w->cb(w->line, h, w->arg);
				continue;
			}
			w->line[l] = 0;
			w->cb(w->line, h, w->arg);
		}
		walk(w, next[i], l, depth + 1, h);
	}
}

void ctlg_commands(int local, void (*cb)(const char *syntax, const char *help, void *arg),
		   void *arg)
{
	struct walk w = { .local = local, .cb = cb, .arg = arg };

	walk(&w, CTLG_ROOT, 0, 0, "");
}

void ctlg_help_line(char *buf, size_t cap, const char *syntax, const char *help)
{
	enum { COL = 46 };

	/* a long syntax keeps its line; the help goes below, in the column */
	if (strlen(syntax) <= COL)
		snprintf(buf, cap, "%-*s %s", COL, syntax, help);
	else
		snprintf(buf, cap, "%s\n%-*s %s", syntax, COL, "", help);
}
