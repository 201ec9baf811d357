/* sslvpnctl: the administrator's client of sslvpnd's control socket.
 *
 * For each command it sends one request line ("text|json <command
 * words>\n"), reads the reply ("OK\n" + output, "EXIT <n>\n" + output, or
 * "ERR <message>\n" with optional details after it): status 0, n or 1.
 * The commands and their output belong to main (src/main/ctl*.c); the
 * grammar both read is include/sslvpnd/ctlgram.def.  This file is the
 * transport and the options; cli.c the command line. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sslvpnd/ctlgram.h"
#include "sslvpnctl.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/sslvpnd"

/* TEST_TIMEOUT_MS: test aaa-server waits for a server (its timeout,
 * retransmissions): the daemon answers within 60 s (CTL_DEFER_S). */
enum { REQ_MAX = 1024, REPLY_MAX = 16 << 20, TIMEOUT_MS = 10000, TEST_TIMEOUT_MS = 65000 };

/* Where etc/sslvpnd.service puts the control socket (--ctl-socket). */
#define RUN_CTL_SOCKET "/run/sslvpnd/ctl.sock"

static void usage_line(const char *syntax, const char *help, void *arg)
{
	char line[600];

	ctlg_help_line(line, sizeof(line), syntax, help);
	for (const char *p = line; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(arg, "  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: sslvpnctl [--socket PATH | --state-dir DIR] [--json] [COMMAND...]\n"
		"  --socket PATH    sslvpnd's control socket (default " RUN_CTL_SOCKET "\n"
		"                   when it exists, as under systemd)\n"
		"  --state-dir DIR  use DIR/ctl.sock (default %s)\n"
		"  --json           machine output (one JSON document)\n"
		"  --complete WORDS...  the words that may complete the last one\n"
		"Without a command: a prompt on a terminal ('?' lists what may follow,\n"
		"Tab completes, keywords abbreviate, '| include|exclude|begin RE' filters,\n"
		"exit), else one command per line of the standard input.\n"
		"commands:\n",
		DEFAULT_STATE_DIR);
	ctlg_commands(0, usage_line, fp);
}

/* "json show vpn-sessiondb ..." with words holding blanks in quotes. */
static int build_request(char *out, size_t cap, int json, int argc, char **argv)
{
	size_t o = (size_t)snprintf(out, cap, "%s", json ? "json" : "text");

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		int quote = !*w || strpbrk(w, " \t") != NULL;

		for (const char *p = w; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '"') {
				fprintf(stderr, "sslvpnctl: argument '%s': only printable "
					"ASCII without '\"' is accepted\n", w);
				return -1;
			}
		int n = snprintf(out + o, cap - o, quote ? " \"%s\"" : " %s", w);

		if (n < 0 || (size_t)n >= cap - o) {
			fprintf(stderr, "sslvpnctl: command longer than %d bytes\n", REQ_MAX);
			return -1;
		}
		o += (size_t)n;
	}
	if (o + 1 >= cap || o > REQ_MAX) {
		fprintf(stderr, "sslvpnctl: command longer than %d bytes\n", REQ_MAX);
		return -1;
	}
	out[o++] = '\n';
	out[o] = 0;
	return (int)o;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events until the deadline: 1, or 0 on
 * timeout, -1 on error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ms();
	int rc;

	if (left <= 0)
		return 0;
	do
		rc = poll(&p, 1, (int)left);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sslvpnctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sslvpnctl: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "sslvpnctl: cannot connect to %s: %s%s\n", path, strerror(e),
			e == ENOENT || e == ECONNREFUSED
				? " (is sslvpnd running? see --socket / --state-dir)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	while (n) {
		if (wait_fd(fd, POLLOUT, deadline) <= 0)
			return -1;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole reply, NUL-terminated, or NULL (message printed). */
static char *recv_all(int fd, size_t *len, long long deadline, const char *path)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		int rc = wait_fd(fd, POLLIN, deadline);

		if (rc <= 0) {
			fprintf(stderr, "sslvpnctl: %s: %s\n", path,
				rc == 0 ? "no reply within 10 s" : strerror(errno));
			break;
		}
		if (n + 1 == cap) {
			char *p = cap * 2 <= REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!p) {
				fprintf(stderr, "sslvpnctl: reply too large\n");
				break;
			}
			buf = p;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + n, cap - 1 - n, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			fprintf(stderr, "sslvpnctl: %s: %s\n", path, strerror(errno));
			break;
		}
		if (r == 0) {
			buf[n] = 0;
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

/* The output through the filter, line by line (the ASA's pipe: every
 * line, the headers' too). */
static int write_out(const char *p, size_t len, struct out_filter *f)
{
	while (f && f->kind && len) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) + 1 : len;
		char line[4096];
		int hit;

		snprintf(line, sizeof(line), "%.*s", (int)(nl ? n - 1 : n), p);
		hit = regexec(&f->re, line, 0, NULL, 0) == 0;
		if (f->kind == CTLG_PIPE_BEGIN && hit)
			f->begun = 1;
		if (f->kind == CTLG_PIPE_INCLUDE ? hit : f->kind == CTLG_PIPE_EXCLUDE ? !hit
											: f->begun)
			if (fwrite(p, 1, n, stdout) != n)
				return -1;
		p += n;
		len -= n;
	}
	if (len && fwrite(p, 1, len, stdout) != len)
		return -1;
	return 0;
}

/* Prints the reply; the exit status of the command. */
static int show_reply(const char *buf, size_t len, struct out_filter *f)
{
	const char *nl = memchr(buf, '\n', len);

	if (!nl) {
		fprintf(stderr, "sslvpnctl: malformed reply from sslvpnd\n");
		return 1;
	}
	if (nl - buf == 2 && memcmp(buf, "OK", 2) == 0) {
		size_t body = len - (size_t)(nl + 1 - buf);

		if (write_out(nl + 1, body, f) < 0)
			return 1;
		return fflush(stdout) ? 1 : 0;
	}
	/* A verdict carried by the exit status (doctor: 1 warnings, 2 errors). */
	if (nl - buf == 6 && memcmp(buf, "EXIT ", 5) == 0 && buf[5] >= '1' && buf[5] <= '9') {
		size_t body = len - (size_t)(nl + 1 - buf);

		if (write_out(nl + 1, body, f) < 0)
			return 1;
		return fflush(stdout) ? 1 : buf[5] - '0';
	}
	if (nl - buf >= 4 && memcmp(buf, "ERR ", 4) == 0) {
		size_t body = len - (size_t)(nl + 1 - buf);

		/* The details (reload: one file:line error per line) first,
		 * the verdict last. */
		write_out(nl + 1, body, f);
		fflush(stdout);
		fprintf(stderr, "sslvpnctl: %.*s\n", (int)(nl - buf - 4), buf + 4);
		return 1;
	}
	fprintf(stderr, "sslvpnctl: malformed reply from sslvpnd\n");
	return 1;
}

int ctl_exchange(const struct ctl_opts *o, int argc, char **argv, int long_wait,
		 struct out_filter *f)
{
	char req[REQ_MAX + 64];
	long long deadline;
	int fd, n, rc;
	size_t len;
	char *reply;

	n = build_request(req, sizeof(req), o->json, argc, argv);
	if (n < 0)
		return 2;
	fd = connect_to(o->path);
	if (fd < 0)
		return 1;
	deadline = now_ms() + (long_wait ? TEST_TIMEOUT_MS : TIMEOUT_MS);
	if (send_all(fd, req, (size_t)n, deadline) < 0) {
		fprintf(stderr, "sslvpnctl: %s: cannot send the request\n", o->path);
		close(fd);
		return 1;
	}
	reply = recv_all(fd, &len, deadline, o->path);
	close(fd);
	if (!reply)
		return 1;
	rc = show_reply(reply, len, f);
	free(reply);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "complete", no_argument, NULL, 'c' },
		{ "man", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .json = 0 };
	const char *sock = NULL, *state = NULL;
	int c, complete = 0;

	/* "+": options only before the command (its words may start with -). */
	while ((c = getopt_long(argc, argv, "+s:S:jh", lo, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'S': state = optarg; break;
		case 'j': o.json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'c': complete = 1; break;
		case 'm': cli_man(stdout); return fflush(stdout) ? 1 : 0;
		default: usage(stderr); return 2;
		}
	}
	if (complete) {
		cli_complete(argc - optind, argv + optind, stdout);
		return 0;
	}
	if (sock && state) {
		usage(stderr);
		return 2;
	}
	/* No choice given: the systemd unit's socket when it exists, else
	 * the default state directory's. */
	if (!sock && !state && access(RUN_CTL_SOCKET, F_OK) == 0)
		sock = RUN_CTL_SOCKET;
	if (sock)
		snprintf(o.path, sizeof(o.path), "%s", sock);
	else
		snprintf(o.path, sizeof(o.path), "%s/ctl.sock", state ? state : DEFAULT_STATE_DIR);
	if (optind < argc) {
		int rc = cli_command(&o, argc - optind, argv + optind, -1);

		return rc == CLI_EXIT ? 0 : rc;
	}
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return cli_interactive(&o);
	return cli_run_lines(&o, stdin);
}
