/* The control socket's request line (ctl.c), without I/O so that a fuzz
 * target (tests/fuzz/fuzz_ctl.c) can drive it; sslvpnctl splits the lines
 * typed at its prompt with the same rules (quotes group a word). */
#ifndef SSLVPND_CTLREQ_H
#define SSLVPND_CTLREQ_H

#include <stddef.h>

/* ctl_line_ok: 1 when the n bytes are printable ASCII or tabs (the line
 * goes into the log), else 0. */
int ctl_line_ok(const char *p, size_t n);

/* ctl_split_words: the words of line (in place, NUL-terminated): blanks
 * separate, "..." groups a word with blanks.  Returns their count (0..max)
 * with argv[0..count-1] set, or -1 for unbalanced quotes, a quote inside a
 * word or more than max words. */
int ctl_split_words(char *line, char **argv, int max);

#endif
