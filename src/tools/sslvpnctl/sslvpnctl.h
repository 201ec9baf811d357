/* sslvpnctl's parts: the transport to main's control socket
 * (sslvpnctl.c), the command line around it (cli.c: one-shot words,
 * scripts on stdin, the interactive prompt with `?`, completion, history
 * and output filters) and the line editor (edit.c).  The grammar is
 * include/sslvpnd/ctlgram.def, the daemon's own. */
#ifndef SSLVPNCTL_H
#define SSLVPNCTL_H

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

struct ctl_opts {
	char path[4096];          /* the control socket */
	int json;
};

/* An output filter: "| include RE", "| exclude RE", "| begin RE". */
struct out_filter {
	int kind;                 /* 0 none, else CTLG_PIPE_INCLUDE... node */
	int begun;                /* begin: a line matched already */
	regex_t re;
};

/* ctl_exchange: sends the command words to main and prints the reply
 * through f (NULL: none); sslvpnctl's exit status of the command. */
int ctl_exchange(const struct ctl_opts *o, int argc, char **argv, int long_wait,
		 struct out_filter *f);

/* cli_command: one command as words (one-shot or a line): `?` help,
 * parse errors with the ASA's caret (indent: the column the line started
 * at on the screen, -1 to echo the line first), "| filter", then the
 * exchange.  Returns the exit status, or CLI_EXIT for exit/quit. */
enum { CLI_EXIT = -1 };
int cli_command(const struct ctl_opts *o, int argc, char **argv, int indent);

/* cli_run_lines: commands from in, one per line (scripts); the highest
 * exit status.  cli_interactive: the prompt on a terminal. */
int cli_run_lines(const struct ctl_opts *o, FILE *in);
int cli_interactive(const struct ctl_opts *o);

/* cli_complete: the words that may complete the last of argv (bash
 * completion: sslvpnctl --complete WORDS... ''), one per line. */
void cli_complete(int argc, char **argv, FILE *out);

/* cli_candidates: the keywords that may complete the last word of
 * line[0..len) (all of them after a blank); their count, at most cap. */
int cli_candidates(const char *line, size_t len, const char **out, int cap);

/* cli_help: what `?` prints after the text line[0..len) (ASA layout). */
void cli_help(const char *line, size_t len, FILE *out);

/* cli_man: the grammar as man(7) lines for sslvpnctl(8). */
void cli_man(FILE *out);

/* edit.c: reads one line on the terminal with the prompt (editing,
 * history on up/down, `?` and Tab answered at once).  Returns a malloc'ed
 * line, or NULL at end of input (Ctrl-D on an empty line). */
char *edit_line(const char *prompt);
void edit_history_add(const char *line);

#endif
