/* sslvpnctl's line editor (sslvpnctl.h): a terminal in raw mode, one
 * line at a time, with what an ASA's console offers -- `?` answered at
 * once, Tab completion, history on the arrows, Ctrl-A/E/B/F/U/K/W/C/D.
 * Small on purpose: no library, no terminfo (ANSI sequences only). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sslvpnd/ctlgram.h"
#include "sslvpnctl.h"

enum { EDIT_MAX = 1024, HIST_MAX = 100 };

struct editor {
	const char *prompt;
	char buf[EDIT_MAX + 1];
	size_t len, pos;
	int hist;                 /* history entry shown (hist_n: the new line) */
	char saved[EDIT_MAX + 1]; /* the new line while browsing history */
};

static char *history[HIST_MAX];
static int hist_n;

void edit_history_add(const char *line)
{
	if (hist_n && !strcmp(history[hist_n - 1], line))
		return;
	if (hist_n == HIST_MAX) {
		free(history[0]);
		memmove(history, history + 1, (HIST_MAX - 1) * sizeof(history[0]));
		hist_n--;
	}
	if ((history[hist_n] = strdup(line)))
		hist_n++;
}

static void out(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

/* The prompt and the line again, the cursor at pos. */
static void redraw(const struct editor *e)
{
	char mv[32];

	outs("\r");
	outs(e->prompt);
	out(e->buf, e->len);
	outs("\x1b[K");
	if (e->pos < e->len) {
		snprintf(mv, sizeof(mv), "\x1b[%zuD", e->len - e->pos);
		outs(mv);
	}
}

static void insert(struct editor *e, const char *s, size_t n)
{
	if (e->len + n > EDIT_MAX)
		return;
	memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
	memcpy(e->buf + e->pos, s, n);
	e->len += n;
	e->pos += n;
	e->buf[e->len] = 0;
}

static void erase(struct editor *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	e->pos = from;
	e->buf[e->len] = 0;
}

/* Output of `?` or of a list, below the line; then the line again. */
static void below(struct editor *e, void (*fn)(struct editor *e))
{
	outs("\r\n");
	fflush(stdout);
	fn(e);
	fflush(stdout);
	fflush(stderr);
	redraw(e);
}

static void show_help(struct editor *e)
{
	cli_help(e->buf, e->pos, stdout);
}

static void complete(struct editor *e)
{
	const char *c[CTLG_MAX_NEXT];
	size_t start = e->pos, common;
	int n;

	while (start > 0 && !isspace((unsigned char)e->buf[start - 1]))
		start--;
	n = cli_candidates(e->buf, e->pos, c, CTLG_MAX_NEXT);
	if (!n) {
		outs("\a");
		return;
	}
	common = strlen(c[0]);
	for (int i = 1; i < n; i++)
		for (size_t k = 0; k < common; k++)
			if (c[i][k] != c[0][k]) {
				common = k;
				break;
			}
	if (common > e->pos - start) {
		erase(e, start, e->pos);
		insert(e, c[0], common);
		if (n == 1)
			insert(e, " ", 1);
		redraw(e);
		return;
	}
	below(e, show_help); /* nothing to add: what may follow */
}

static void hist_move(struct editor *e, int d)
{
	int to = e->hist + d;

	if (to < 0 || to > hist_n)
		return;
	if (e->hist == hist_n)
		memcpy(e->saved, e->buf, e->len + 1);
	e->hist = to;
	snprintf(e->buf, sizeof(e->buf), "%s", to == hist_n ? e->saved : history[to]);
	e->len = e->pos = strlen(e->buf);
	redraw(e);
}

/* An escape sequence: the arrows, Home/End, Delete. */
static void escape(struct editor *e)
{
	char s[3] = { 0 };

	if (read(STDIN_FILENO, s, 1) != 1 || (s[0] != '[' && s[0] != 'O'))
		return;
	if (read(STDIN_FILENO, s + 1, 1) != 1)
		return;
	switch (s[1]) {
	case 'A': hist_move(e, -1); return;
	case 'B': hist_move(e, 1); return;
	case 'C': if (e->pos < e->len) e->pos++; break;
	case 'D': if (e->pos > 0) e->pos--; break;
	case 'H': e->pos = 0; break;
	case 'F': e->pos = e->len; break;
	case '3':
		if (read(STDIN_FILENO, s + 2, 1) == 1 && s[2] == '~' && e->pos < e->len)
			erase(e, e->pos, e->pos + 1);
		break;
	default: return;
	}
	redraw(e);
}

/* One key; 1 when the line is done, -1 at end of input, else 0. */
static int key(struct editor *e, unsigned char c)
{
	size_t k;

	switch (c) {
	case '\r': case '\n': outs("\r\n"); return 1;
	case 0x04: /* Ctrl-D */
		if (!e->len)
			return -1;
		if (e->pos < e->len)
			erase(e, e->pos, e->pos + 1);
		break;
	case 0x03: /* Ctrl-C: the line is dropped, as on the ASA's console */
		outs("^C\r\n");
		e->len = e->pos = 0;
		e->buf[0] = 0;
		break;
	case 0x7f: case 0x08:
		if (e->pos > 0)
			erase(e, e->pos - 1, e->pos);
		break;
	case 0x01: e->pos = 0; break;
	case 0x05: e->pos = e->len; break;
	case 0x02: if (e->pos > 0) e->pos--; break;
	case 0x06: if (e->pos < e->len) e->pos++; break;
	case 0x15: erase(e, 0, e->pos); break;
	case 0x0b: e->len = e->pos; e->buf[e->len] = 0; break;
	case 0x17: /* Ctrl-W: the word before the cursor */
		for (k = e->pos; k > 0 && e->buf[k - 1] == ' '; k--)
			;
		while (k > 0 && e->buf[k - 1] != ' ')
			k--;
		erase(e, k, e->pos);
		break;
	case 0x10: hist_move(e, -1); return 0;
	case 0x0e: hist_move(e, 1); return 0;
	case '\t': complete(e); return 0;
	case 0x1b: escape(e); return 0;
	case '?':
		/* answered at once, the line kept (the ASA's console) */
		outs("?");
		below(e, show_help);
		return 0;
	default:
		if (c < 0x20 || c > 0x7e)
			return 0;
		insert(e, (const char *)&c, 1);
	}
	redraw(e);
	return 0;
}

char *edit_line(const char *prompt)
{
	struct editor e = { .prompt = prompt, .hist = hist_n };
	struct termios old, raw;
	int done = 0;

	fflush(stdout);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return NULL;
	raw = old;
	/* no echo, no line discipline, no signals (Ctrl-C edits the line);
	 * output processing stays (\n is \r\n) */
	raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
		return NULL;
	outs(prompt);
	while (!done) {
		unsigned char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		done = r == 1 ? key(&e, c) : -1;
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (done < 0) {
		outs("\r\n");
		return NULL;
	}
	return strdup(e.buf);
}
