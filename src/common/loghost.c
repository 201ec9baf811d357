/* Remote syslog for the ASA's "logging host": every line log_emit writes
 * locally also goes, at logging trap level or more severe, to each
 * configured host over UDP or TCP.  Never blocking and never holding the
 * local log back: sockets are non-blocking; a UDP datagram that cannot go
 * is dropped; a TCP host queues up to LH_QUEUE_MAX bytes while it connects
 * or is slow and drops lines beyond that; a host that refuses or closes is
 * retried every LH_RETRY_MS (at the next line or log_hosts_flush). */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { LH_MAX = LOG_HOSTS_MAX, LH_QUEUE_MAX = 64 * 1024, LH_RETRY_MS = 5000, LH_LINE_MAX = 2300 };

struct log_host {
	struct log_host_spec spec;
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd;                  /* -1: closed (retry at retry_ms) */
	int connecting;          /* TCP connect in progress */
	uint64_t retry_ms;
	char *q;                 /* TCP: framed lines not yet sent */
	size_t qlen;
	unsigned long dropped;
};

static struct {
	struct log_host h[LH_MAX];
	size_t n;
	int trap;                /* -1: send nothing */
	int facility;
	char hostname[256];
	unsigned long sent;      /* lines at trap level or above (show logging) */
} lh = { .trap = -1 };

static void host_close(struct log_host *h, uint64_t now)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->connecting = 0;
	h->retry_ms = now + LH_RETRY_MS;
}

static void host_open(struct log_host *h, uint64_t now)
{
	int type = h->spec.tcp ? SOCK_STREAM : SOCK_DGRAM;

	h->fd = socket(h->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		host_close(h, now);
		return;
	}
	if (connect(h->fd, (struct sockaddr *)&h->sa, h->salen) == 0)
		return;
	if (errno == EINPROGRESS && h->spec.tcp)
		h->connecting = 1;
	else
		host_close(h, now);
}

/* A TCP connect in progress: done (1), still going (0), failed (-1). */
static int host_connected(struct log_host *h)
{
	struct pollfd p = { .fd = h->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (!h->connecting)
		return 1;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		return -1;
	h->connecting = 0;
	return 1;
}

static void host_send_queue(struct log_host *h, uint64_t now)
{
	if (h->fd < 0 && now >= h->retry_ms)
		host_open(h, now);
	if (h->fd < 0 || !h->qlen)
		return;
	int c = host_connected(h);

	if (c < 0) {
		host_close(h, now);
		return;
	}
	while (c && h->qlen) {
		ssize_t n = send(h->fd, h->q, h->qlen, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				host_close(h, now);
			return;
		}
		memmove(h->q, h->q + n, h->qlen - (size_t)n);
		h->qlen -= (size_t)n;
	}
}

/* RFC 6587 octet counting: "LEN SP line". */
static void host_queue(struct log_host *h, const char *line, size_t len)
{
	char pre[16];
	int p = snprintf(pre, sizeof(pre), "%zu ", len);

	if (!h->q && !(h->q = malloc(LH_QUEUE_MAX)))
		return;
	if (h->qlen + (size_t)p + len > LH_QUEUE_MAX) {
		h->dropped++;
		return;
	}
	memcpy(h->q + h->qlen, pre, (size_t)p);
	memcpy(h->q + h->qlen + (size_t)p, line, len);
	h->qlen += (size_t)p + len;
}

/* The line as the host wants it: the ASA's "<PRI>%ASA-6-...: text" (with
 * its timestamp / device-id prefix when configured), or an RFC 5424 header,
 * naming the process the line is from, ahead of the plain text. */
static int host_line(const struct log_host *h, const struct log_line *l, char *out, size_t len)
{
	int pri = (lh.facility & ~7) | (l->sev & 7);

	if (!h->spec.rfc5424)
		return snprintf(out, len, "<%d>%s", pri, l->decorated);
	char ts[40];
	int ms = log_clock(ts, sizeof(ts), LOG_CLOCK_ISO);

	return snprintf(out, len, "<%d>1 %s.%03dZ %s %s %d - - %s", pri, ts, ms,
			lh.hostname, l->ident, l->pid, l->msg);
}

unsigned long log_hosts_sent(void)
{
	return lh.sent;
}

void log_hosts_emit(const struct log_line *l)
{
	char line[LH_LINE_MAX];
	uint64_t now;

	if (!lh.n || l->sev > lh.trap)
		return;
	lh.sent++;
	now = util_now_ms();
	for (size_t i = 0; i < lh.n; i++) {
		struct log_host *h = &lh.h[i];
		int n = host_line(h, l, line, sizeof(line));

		if (n < 0)
			continue;
		if ((size_t)n >= sizeof(line))
			n = (int)sizeof(line) - 1;
		if (h->spec.tcp) {
			host_queue(h, line, (size_t)n);
			host_send_queue(h, now);
			continue;
		}
		if (h->fd < 0 && now >= h->retry_ms)
			host_open(h, now);
		if (h->fd >= 0 && send(h->fd, line, (size_t)n, MSG_DONTWAIT) < 0 &&
		    errno != ECONNREFUSED)
			h->dropped++;
	}
}

void log_hosts_flush(uint64_t now_ms)
{
	for (size_t i = 0; i < lh.n; i++)
		if (lh.h[i].spec.tcp)
			host_send_queue(&lh.h[i], now_ms);
}

static void hosts_clear(void)
{
	for (size_t i = 0; i < lh.n; i++) {
		host_close(&lh.h[i], 0);
		free(lh.h[i].q);
	}
	memset(lh.h, 0, sizeof(lh.h));
	lh.n = 0;
}

static int resolve(struct log_host *h, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = h->spec.tcp ? SOCK_STREAM : SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%d", h->spec.port ? h->spec.port : h->spec.tcp ? 1470 : 514);
	rc = getaddrinfo(h->spec.address, port, &hints, &ai);
	if (rc || !ai) {
		snprintf(err, errlen, "logging host %s: not an IP address (%s)", h->spec.address,
			 gai_strerror(rc));
		return -1;
	}
	memcpy(&h->sa, ai->ai_addr, ai->ai_addrlen);
	h->salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int log_hosts_set(const struct log_host_spec *spec, size_t n, int trap, int facility,
		  char *err, size_t errlen)
{
	hosts_clear();
	if (n > LH_MAX) {
		snprintf(err, errlen, "%zu logging hosts: at most %d", n, LH_MAX);
		return -1;
	}
	lh.trap = trap;
	lh.facility = facility;
	if (gethostname(lh.hostname, sizeof(lh.hostname) - 1) < 0 || !lh.hostname[0])
		util_strlcpy(lh.hostname, "-", sizeof(lh.hostname));
	for (size_t i = 0; i < n; i++) {
		struct log_host *h = &lh.h[lh.n];

		h->spec = spec[i];
		h->fd = -1;
		if (resolve(h, err, errlen) < 0) {
			hosts_clear();
			return -1;
		}
		lh.n++;
		host_open(h, util_now_ms());
	}
	return 0;
}
