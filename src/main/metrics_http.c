/* The optional metrics listener: `metrics = { listen-port = N; }` makes main
 * answer `GET /metrics` on 127.0.0.1:N with the Prometheus text of
 * metrics_render().  No authentication, so loopback only.  Bounded like the
 * control socket: METRICS_HTTP_CLIENTS at once (more are closed at once),
 * a request of at most METRICS_HTTP_REQ_MAX bytes, METRICS_HTTP_TIMEOUT
 * seconds per client, one request per connection, never blocking main. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "main.h"
#include "metrics.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { METRICS_HTTP_CLIENTS = 4, METRICS_HTTP_REQ_MAX = 1024 };
static const double METRICS_HTTP_TIMEOUT = 5.0;

struct mhttp_client {
	struct metrics_http *h;
	int fd;                   /* -1: free slot */
	ev_io io;
	ev_timer timer;
	char req[METRICS_HTTP_REQ_MAX + 1];
	size_t req_len;
	char *out;
	size_t out_len, out_off;
};

struct metrics_http {
	struct mainctx *m;
	int fd;
	ev_io io;
	struct mhttp_client cl[METRICS_HTTP_CLIENTS];
};

static void client_close(struct mhttp_client *c)
{
	if (c->fd < 0)
		return;
	ev_io_stop(c->h->m->loop, &c->io);
	ev_timer_stop(c->h->m->loop, &c->timer);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->req_len = c->out_len = c->out_off = 0;
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mhttp_client *c = container_of(w, struct mhttp_client, io);

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
	client_close(c);
}

/* Status line, headers and body as one buffer, then write it out. */
static void respond(struct mhttp_client *c, int status, const char *reason,
		    const char *body, size_t len)
{
	FILE *fp = open_memstream(&c->out, &c->out_len);

	if (!fp) {
		client_close(c);
		return;
	}
	fprintf(fp, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
		status, reason,
		status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", len);
	fwrite(body, 1, len, fp);
	if (fclose(fp) != 0) {
		client_close(c);
		return;
	}
	ev_io_stop(c->h->m->loop, &c->io);
	ev_io_init(&c->io, write_cb, c->fd, EV_WRITE);
	ev_io_start(c->h->m->loop, &c->io);
}

static void serve_metrics(struct mhttp_client *c, int head)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int rc = fp ? metrics_render(c->h->m, fp) : -1;

	if (fp)
		fclose(fp);
	if (rc < 0 || !buf)
		respond(c, 500, "Internal Server Error", "out of memory\n", 14);
	else
		respond(c, 200, "OK", head ? "" : buf, head ? 0 : len);
	free(buf);
}

/* The answers besides 200 (metrics_http_parse). */
static const struct {
	int status;
	const char *reason, *body;
} refusals[] = {
	{ 400, "Bad Request", "bad request\n" },
	{ 404, "Not Found", "GET /metrics only\n" },
	{ 405, "Method Not Allowed", "GET /metrics only\n" },
	{ 431, "Request Header Fields Too Large", "request too large\n" },
};

static void handle(struct mhttp_client *c, int status, int head)
{
	if (status == 200) {
		serve_metrics(c, head);
		return;
	}
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].status == status) {
			respond(c, status, refusals[i].reason, refusals[i].body,
				strlen(refusals[i].body));
			return;
		}
	respond(c, 400, "Bad Request", "bad request\n", 12);
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mhttp_client *c = container_of(w, struct mhttp_client, io);
	ssize_t n = recv(c->fd, c->req + c->req_len, METRICS_HTTP_REQ_MAX - c->req_len,
			 MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->req_len += (size_t)n;
	c->req[c->req_len] = 0;
	int head, status = metrics_http_parse(c->req, c->req_len, METRICS_HTTP_REQ_MAX, &head);

	if (status)
		handle(c, status, head);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	client_close(container_of(w, struct mhttp_client, timer));
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_http *h = container_of(w, struct metrics_http, io);

	for (int k = 0; k < 8; k++) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct mhttp_client *c = NULL;

		if (fd < 0)
			return;
		for (int i = 0; i < METRICS_HTTP_CLIENTS && !c; i++)
			if (h->cl[i].fd < 0)
				c = &h->cl[i];
		if (!c) {
			close(fd); /* busy: a scraper retries at its next interval */
			continue;
		}
		c->fd = fd;
		c->req_len = 0;
		ev_io_init(&c->io, read_cb, fd, EV_READ);
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->timer, timeout_cb, METRICS_HTTP_TIMEOUT, 0.);
		ev_timer_start(loop, &c->timer);
	}
}

static int open_listener(struct metrics_http *h, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char ps[8];
	int one = 1;

	snprintf(ps, sizeof(ps), "%d", port);
	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(h->fd, 8) < 0) {
		log_event(LM_METRICS_LISTEN_FAILED, ps, strerror(errno));
		return -1;
	}
	log_event(LM_METRICS_LISTENING, ps);
	return 0;
}

int metrics_http_start(struct mainctx *m, struct metrics_http **out)
{
	int port = m->cfg->metrics.listen_port;
	struct metrics_http *h;

	*out = NULL;
	if (!port)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	h->m = m;
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++) {
		h->cl[i].h = h;
		h->cl[i].fd = -1;
	}
	if (open_listener(h, port) < 0) {
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return -1;
	}
	ev_io_init(&h->io, accept_cb, h->fd, EV_READ);
	ev_io_start(m->loop, &h->io);
	*out = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	for (int i = 0; i < METRICS_HTTP_CLIENTS; i++)
		client_close(&h->cl[i]);
	ev_io_stop(h->m->loop, &h->io);
	close(h->fd);
	free(h);
}
