/* The control socket's transport: sslvpnctl talks to main over a UNIX stream socket
 * (mode 0600, default <state-dir>/ctl.sock, or --ctl-socket PATH).
 *
 * Protocol, one exchange per connection:
 *   request   "<format> <word> <word> ...\n"  at most CTL_REQ_MAX bytes,
 *             format "text" or "json", printable ASCII only; a word with
 *             blanks is written in double quotes ("John Smith").
 *   response  "OK\n" followed by the output (ASA text or one JSON
 *             document), or "EXIT <n>\n" and the output of a command that
 *             ran but tells its verdict by sslvpnctl's exit status (doctor),
 *             or "ERR <message>\n"; then main closes.
 * Main never blocks on a client: the socket is non-blocking, at most
 * CTL_MAX_CLIENTS are served at once (more are told "ERR busy" and closed),
 * and each client has CTL_TIMEOUT seconds for its whole exchange. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "ctl.h"
#include "ctlreq.h"
#include "main.h"
#include "metrics.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/showrun.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

static const double CTL_TIMEOUT = 5.0;


/* ------------------------------------------------------------ client I/O */

static void client_close(struct ctl_client *cl)
{
	struct ev_loop *loop = cl->ctl->m->loop;

	if (cl->fd < 0)
		return;
	ev_io_stop(loop, &cl->io);
	ev_timer_stop(loop, &cl->timer);
	close(cl->fd);
	cl->fd = -1;
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = cl->req_len = 0;
	cl->deferred = 0;
}

/* After the reply: wait for the client's EOF, discarding what it still
 * sends.  Closing a UNIX socket with unread input resets it, and the
 * client would lose the reply (e.g. "ERR ... longer than 1024 bytes").
 * The client's timer bounds the wait. */
static void client_drain_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);
	char sink[4096];
	ssize_t n = recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0)
		client_close(cl);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);

	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	shutdown(cl->fd, SHUT_WR);
	ev_io_stop(loop, &cl->io);
	ev_io_init(&cl->io, client_drain_cb, cl->fd, EV_READ);
	ev_io_start(loop, &cl->io);
}

/* The reply as one buffer: status line + body. */
static void reply_set(struct ctl_client *cl, const char *status, const char *body, size_t len)
{
	size_t sl = strlen(status);

	cl->out = malloc(sl + len + 1);
	if (!cl->out) {
		client_close(cl);
		return;
	}
	memcpy(cl->out, status, sl);
	if (len)
		memcpy(cl->out + sl, body, len);
	cl->out_len = sl + len;
	cl->out_off = 0;
	ev_io_stop(cl->ctl->m->loop, &cl->io);
	ev_io_init(&cl->io, client_write_cb, cl->fd, EV_WRITE);
	ev_io_start(cl->ctl->m->loop, &cl->io);
	client_write_cb(cl->ctl->m->loop, &cl->io, EV_WRITE);
}

static void reply_err(struct ctl_client *cl, const char *msg)
{
	char line[256];

	snprintf(line, sizeof(line), "ERR %s\n", msg);
	reply_set(cl, line, NULL, 0);
}

/* The client waiting for deferred answer id (its wait ends), or NULL
 * when it left. */
static struct ctl_client *deferred_client(struct ctl *c, uint32_t id)
{
	for (size_t i = 0; id && i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd >= 0 && cl->deferred == id) {
			cl->deferred = 0;
			return cl;
		}
	}
	return NULL;
}

void ctl_deferred_end(struct ctl *c, uint32_t id, const char *err, int exit_code,
		      const char *text)
{
	struct ctl_client *cl = deferred_client(c, id);
	char status[200] = "OK\n";

	if (!cl)
		return;
	if (err)
		snprintf(status, sizeof(status), "ERR ERROR: %.150s\n", err);
	else if (exit_code)
		snprintf(status, sizeof(status), "EXIT %d\n", exit_code);
	reply_set(cl, status, text, strlen(text));
}

void ctl_deferred_reply(struct ctl *c, uint32_t id, const char *text)
{
	ctl_deferred_end(c, id, NULL, 0, text);
}

void ctl_deferred_fail(struct ctl *c, uint32_t id, const char *msg)
{
	struct ctl_client *cl = deferred_client(c, id);

	if (cl)
		reply_err(cl, msg);
}

/* The command words as one line for the audit log (111008/111009); the
 * word after "password" (test aaa-server) is never logged. */
static void join_words(char *out, size_t cap, const struct request *r)
{
	size_t o = 0;

	out[0] = 0;
	for (int i = 0; i < r->argc && o + 1 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, i ? " %s" : "%s",
				      i && !strcmp(r->argv[i - 1], "password") ? "*****"
									   : r->argv[i]);
}

/* One request line: parse, run, reply. */
static void execute(struct ctl_client *cl, char *line)
{
	struct request r = { .ctl = cl->ctl, .who = cl->who };
	struct text t = { 0 };
	struct json j;
	char cmd[CTL_REQ_MAX + 1];
	const char *body;
	char status[200] = "OK\n";
	size_t len = 0;
	int changes;

	json_init(&j, CTL_REPLY_MAX);
	r.t = &t;
	r.j = &j;
	r.argc = ctl_split_words(line, r.argv, CTL_MAX_WORDS);
	if (r.argc < 1 || (strcmp(r.argv[0], "text") && strcmp(r.argv[0], "json"))) {
		log_event(LM_CTL_REFUSED, "bad request line", cl->who);
		reply_err(cl, r.argc < 0 ? "bad request: unbalanced quotes or too many words"
					 : "bad request: expected 'text' or 'json' first");
		goto out;
	}
	r.json = strcmp(r.argv[0], "json") == 0;
	memmove(r.argv, r.argv + 1, (size_t)--r.argc * sizeof(r.argv[0]));
	for (int i = r.argc; i < CTL_MAX_WORDS; i++)
		r.argv[i] = NULL;
	join_words(cmd, sizeof(cmd), &r);
	ctl_cmd_dispatch(&r);
	changes = r.changes;
	log_event(changes ? LM_CTL_EXEC : LM_CTL_SHOW, cl->who, cmd);
	if (r.deferred && !r.err[0]) {
		/* the answer comes later: the client waits, bounded */
		cl->deferred = r.deferred;
		cl->deferred_from = r.deferred_timeout;
		ev_io_stop(cl->ctl->m->loop, &cl->io);
		ev_timer_stop(cl->ctl->m->loop, &cl->timer);
		ev_timer_set(&cl->timer, CTL_DEFER_S, 0.);
		ev_timer_start(cl->ctl->m->loop, &cl->timer);
		goto out;
	}
	if (r.err[0] && (r.json ? !j.len : !t.len)) {
		char msg[200];

		snprintf(msg, sizeof(msg), "ERROR: %s", r.err);
		reply_err(cl, msg);
		goto out;
	}
	/* A failed command with output (reload's errors): ERR + the output. */
	if (r.err[0])
		snprintf(status, sizeof(status), "ERR ERROR: %s\n", r.err);
	else if (r.exit_code)
		snprintf(status, sizeof(status), "EXIT %d\n", r.exit_code);
	if (r.json) {
		body = json_result(&j, &len);
	} else {
		body = t.err ? NULL : (t.p ? t.p : "");
		len = t.p ? t.len : 0;
	}
	if (!body) {
		reply_err(cl, "ERROR: reply too large or out of memory");
		goto out;
	}
	if (r.json) {
		/* JSON documents end with a newline for line-oriented tools. */
		char *p = malloc(len + 1);

		if (!p) {
			reply_err(cl, "ERROR: out of memory");
			goto out;
		}
		memcpy(p, body, len);
		p[len++] = '\n';
		reply_set(cl, status, p, len);
		free(p);
	} else {
		reply_set(cl, status, body, len);
	}
out:
	json_free(&j);
	free(t.p);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, io);
	ssize_t n = recv(cl->fd, cl->req + cl->req_len, sizeof(cl->req) - 1 - cl->req_len,
			 MSG_DONTWAIT);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		client_close(cl);
		return;
	}
	cl->req_len += (size_t)n;
	cl->req[cl->req_len] = 0;
	nl = memchr(cl->req, '\n', cl->req_len);
	if (!nl && n > 0 && cl->req_len <= CTL_REQ_MAX)
		return; /* more to come */
	if (!nl && n == 0 && cl->req_len == 0) {
		client_close(cl);
		return;
	}
	if (!nl && n > 0) {
		log_event(LM_CTL_REFUSED, "request line longer than 1024 bytes", cl->who);
		reply_err(cl, "bad request: line longer than 1024 bytes");
		return;
	}
	size_t len = nl ? (size_t)(nl - cl->req) : cl->req_len;

	if (len && cl->req[len - 1] == '\r')
		len--;
	cl->req[len] = 0;
	if (!ctl_line_ok(cl->req, len) || memchr(cl->req, 0, len)) {
		log_event(LM_CTL_REFUSED, "non-printable bytes in the request", cl->who);
		reply_err(cl, "bad request: only printable ASCII is accepted");
		return;
	}
	execute(cl, cl->req);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, timer);

	if (cl->deferred) {
		cl->deferred = 0;
		reply_err(cl, cl->deferred_from ? cl->deferred_from
						: "ERROR: no answer from the security module");
		return;
	}
	log_event(LM_CTL_REFUSED, "client too slow", cl->who);
	client_close(cl);
}

/* Peer credentials: only the daemon's own user (root) may command it; the
 * socket's mode says the same, this holds even if the mode was changed. */
static int peer_allowed(int fd, char who[24])
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		util_strlcpy(who, "unknown", 24);
		return 0;
	}
	if (uc.uid == 0)
		util_strlcpy(who, "root", 24);
	else
		snprintf(who, 24, "uid %u", (unsigned)uc.uid);
	return uc.uid == 0 || uc.uid == geteuid();
}

static void busy(int fd)
{
	static const char msg[] = "ERR busy: too many control clients, try again\n";

	/* Best effort, never blocks: the reply fits any socket buffer. */
	if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing more to do for this client */
	}
	close(fd);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *c = container_of(w, struct ctl, io);

	/* A bounded number per wakeup keeps main's loop fair. */
	for (int k = 0; k < 8; k++) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *cl = NULL;
		char who[24];

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control socket: accept");
			return;
		}
		if (!peer_allowed(fd, who)) {
			log_event(LM_CTL_REFUSED, "peer is not root", who);
			busy(fd);
			continue;
		}
		for (int i = 0; i < CTL_MAX_CLIENTS && !cl; i++)
			if (c->clients[i].fd < 0)
				cl = &c->clients[i];
		if (!cl) {
			log_event(LM_CTL_REFUSED, "too many clients", who);
			busy(fd);
			continue;
		}
		cl->fd = fd;
		cl->req_len = 0;
		util_strlcpy(cl->who, who, sizeof(cl->who));
		ev_io_init(&cl->io, client_read_cb, fd, EV_READ);
		ev_io_start(loop, &cl->io);
		ev_timer_init(&cl->timer, client_timeout_cb, CTL_TIMEOUT, 0.);
		ev_timer_start(loop, &cl->timer);
	}
}

/* ------------------------------------------------------------ the socket */

/* A socket file left by a daemon that died is removed; one that answers
 * belongs to a running daemon and is left alone. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		log_warnx("control socket %s: another sslvpnd is listening on it", path);
		return -1;
	}
	if (unlink(path) < 0) {
		log_warn("control socket %s: cannot remove the stale socket", path);
		return -1;
	}
	return 0;
}

static int open_socket(struct ctl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	util_strlcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	if (clear_stale(c->path, &sa) < 0)
		return -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		log_warn("control socket");
		return -1;
	}
	old = umask(0077); /* never a moment with a wider mode */
	rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(c->path, 0600) < 0 || listen(c->fd, 8) < 0) {
		log_warn("control socket %s", c->path);
		return -1;
	}
	return 0;
}

int ctl_start(struct mainctx *m)
{
	struct ctl *c = calloc(1, sizeof(*c));
	int n;

	if (!c || ctl_cmd_check() < 0) {
		free(c);
		return -1;
	}
	c->m = m;
	c->fd = -1;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		c->clients[i].ctl = c;
		c->clients[i].fd = -1;
	}
	m->ctl = c;
	if (m->ctl_path_arg)
		n = snprintf(c->path, sizeof(c->path), "%s", m->ctl_path_arg);
	else
		n = snprintf(c->path, sizeof(c->path), "%s/ctl.sock",
			     m->cfg->general.state_dir);
	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		log_warnx("control socket path too long (at most %zu bytes): %s%s",
			  sizeof(c->path) - 1, m->ctl_path_arg ? m->ctl_path_arg
							 : m->cfg->general.state_dir,
			  m->ctl_path_arg ? "" : "/ctl.sock");
		c->path[0] = 0;
		return -1;
	}
	if (open_socket(c) < 0) {
		c->path[0] = 0; /* not ours to remove */
		return -1;
	}
	util_random(&c->audit_prefix, sizeof(c->audit_prefix));
	/* The fleet (S16): the first byte is this node's pool slice, which
	 * no other node has, so two nodes never make the same Audt Sess ID /
	 * Acct-Session-Id; the rest stays new at each start, as alone. */
	if (m->cfg->fleet.redis[0])
		c->audit_prefix = ((uint32_t)m->cfg->fleet.slice << 24) |
				  (c->audit_prefix & 0xffffffu);
	metrics_init();
	if (metrics_http_start(m, &c->http) < 0)
		return -1;
	ev_io_init(&c->io, accept_cb, c->fd, EV_READ);
	ev_io_start(m->loop, &c->io);
	log_event(LM_CTL_LISTENING, c->path);
	return 0;
}

void ctl_stop(struct mainctx *m)
{
	struct ctl *c = m->ctl;

	if (!c)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&c->clients[i]);
	metrics_http_stop(c->http);
	if (c->fd >= 0) {
		ev_io_stop(m->loop, &c->io);
		close(c->fd);
		if (c->path[0])
			unlink(c->path);
	}
	free(c);
	m->ctl = NULL;
}
