/* sslvpnctl's grammar (ctlgram.def) as a tree of words, and what both ends
 * do with it: parse a command (unique-prefix keywords, ASA errors), list
 * the words that may follow (`?`, completion), and write every command's
 * syntax (help, usage, the man page).  No I/O, no process state: main,
 * sslvpnctl and the unit test link the same code. */
#ifndef SSLVPND_CTLGRAM_H
#define SSLVPND_CTLGRAM_H

#include <stddef.h>

enum ctlg_id {
#define CTLN(id, parent, link, word, type, flags, run, help) CTLG_##id,
#include "sslvpnd/ctlgram.def"
#undef CTLN
	CTLG__COUNT,
	CTLG_ROOT = CTLG__COUNT, /* before a command's first word */
	CTLG_NONE,               /* no parent (template) / no link */
};

enum ctlg_type { CTLG_T_KW, CTLG_T_WORD, CTLG_T_NUM, CTLG_T_ADDR, CTLG_T_LINE };

enum {
	CTLG_F_END = 1,     /* the command may end after this word */
	CTLG_F_CHANGES = 2, /* changes state (audit 111008) */
	CTLG_F_REPEAT = 4,  /* the argument may follow itself */
	CTLG_F_LOCAL = 8,   /* sslvpnctl's own (exit, quit, | filters) */
};

enum { CTLG_MAX_WORDS = 16, CTLG_MAX_NEXT = 48 };

struct ctlg_node {
	int parent, link;
	const char *word;   /* keyword, or the argument's name in `?` */
	enum ctlg_type type;
	unsigned flags;
	const char *help;
};

extern const struct ctlg_node ctlg_nodes[CTLG__COUNT];

/* ctlg_next: the nodes that may follow node at (CTLG_ROOT: a first word):
 * keywords in alphabetical order, then arguments.  Returns their count. */
int ctlg_next(int at, int out[CTLG_MAX_NEXT]);

/* ctlg_prefixed: the keywords after at that start with prefix (any case),
 * alphabetical; with exact_wins, an exact keyword alone when one is (the
 * parser: "ip" is not ambiguous beside "ipv6"; completion lists both).
 * Returns the count. */
int ctlg_prefixed(int at, const char *prefix, int exact_wins, int out[CTLG_MAX_NEXT]);

enum ctlg_status {
	CTLG_OK,          /* a whole command */
	CTLG_INCOMPLETE,  /* every word matched, more are needed */
	CTLG_INVALID,     /* word `at` is no keyword or argument here */
	CTLG_AMBIGUOUS,   /* word `at` abbreviates several keywords */
};

struct ctlg_parse {
	enum ctlg_status status;
	int at;           /* the word in error; argc when INCOMPLETE */
	int last;         /* node of the last matched word (CTLG_ROOT: none) */
	unsigned flags;   /* OR of the flags along the path (CHANGES, LOCAL) */
	int node[CTLG_MAX_WORDS];
};

/* ctlg_parse: matches argv[0..argc-1] from node start (CTLG_ROOT, or
 * CTLG_PIPE for what follows "|").  A LINE argument takes every remaining
 * word.  With normalize, each keyword in argv is replaced by the table's
 * full spelling, so the handlers see whole words.  Returns p->status. */
enum ctlg_status ctlg_parse(int start, int argc, char **argv, int normalize,
			    struct ctlg_parse *p);

/* ctlg_message: the ASA's text for a failed parse ("% Invalid input
 * detected at '^' marker.", "% Ambiguous command: ...", "% Incomplete
 * command") into buf; argv as given to ctlg_parse. */
void ctlg_message(const struct ctlg_parse *p, int argc, char **argv, char *buf, size_t cap);

/* ctlg_hint: when an INVALID word stands where an address or a number
 * was expected, what was wrong with it ("% x is not an IP address") into
 * buf; else buf is "".  The ASA says only "Invalid input". */
void ctlg_hint(const struct ctlg_parse *p, char **argv, char *buf, size_t cap);

/* ctlg_commands: cb once per command (a path ending at an END word, LOCAL
 * ones only with local), in alphabetical order: its syntax ("clear ip ban
 * [A.B.C.D]") and the help of its last word. */
void ctlg_commands(int local, void (*cb)(const char *syntax, const char *help, void *arg),
		   void *arg);

/* ctlg_help_line: one line of "help" and of sslvpnctl's usage: the
 * syntax, then its help in a column. */
void ctlg_help_line(char *buf, size_t cap, const char *syntax, const char *help);

/* ctlg_arg_ok: 1 when word is a valid value of argument node n. */
int ctlg_arg_ok(int n, const char *word);

#endif
