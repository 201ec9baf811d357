/* The control socket's request line (ctlreq.h): the checks and the word
 * splitting main applies before a command runs. */
#include "config.h"

#include <string.h>

#include "ctlreq.h"

int ctl_line_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			if (p[i] != '\t')
				return 0;
	return 1;
}

int ctl_split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return argc;
		if (argc == max)
			return -1;
		if (*p == '"') {
			char *end = strchr(++p, '"');

			if (!end || (end[1] && end[1] != ' ' && end[1] != '\t'))
				return -1;
			argv[argc++] = p;
			*end = 0;
			p = end + 1;
			continue;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '"')
			p++;
		if (*p == '"')
			return -1;
		if (*p)
			*p++ = 0;
	}
}
