/* Where a rendered line goes besides the local log (S14): the ASA's
 * "logging buffered" ring, "logging timestamp" / "logging device-id", the
 * per-event overrides ("logging message ID level L", "no logging message
 * ID"), and the hand-over of the sandboxed processes' lines to main (see
 * log.h: log_forward_set, log_relay). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { LS_LINE_MAX = 2300 };

/* ------------------------------------------------------- overrides */

/* Per event: LOG_MSG_DEFAULT, LOG_MSG_DISABLED or the level 0..7. */
static signed char ovr[LM__COUNT];
static int ovr_init;

static void ovr_reset(void)
{
	memset(ovr, LOG_MSG_DEFAULT, sizeof(ovr));
	ovr_init = 1;
}

void log_messages_reset(void)
{
	ovr_reset();
}

int log_message_set(int id, int level)
{
	int n = 0;

	if (!ovr_init)
		ovr_reset();
	for (int ev = 0; ev < LM__COUNT; ev++) {
		if (log_catalogue[ev].asa_id != id && log_catalogue[ev].id != id)
			continue;
		ovr[ev] = (signed char)level;
		n++;
	}
	return n;
}

int log_id_known(int id)
{
	for (int ev = 0; ev < LM__COUNT; ev++)
		if (log_catalogue[ev].asa_id == id || log_catalogue[ev].id == id)
			return 1;
	return 0;
}

int log_event_severity(enum log_event ev)
{
	if ((unsigned)ev >= LM__COUNT)
		return LOG_MSG_DEFAULT;
	if (!ovr_init || ovr[ev] == LOG_MSG_DEFAULT)
		return log_catalogue[ev].severity;
	return ovr[ev];
}

/* --------------------------------------------------- buffer (ring) */

static struct {
	char *ring;              /* lines, each ending in '\n' */
	size_t size, head, len;  /* oldest byte at head, len bytes used */
	int level;               /* -1: off */
	unsigned long logged;
} lb = { .level = -1 };

void log_buffer_set(int level, size_t size)
{
	lb.level = level;
	if (level < 0 || size == lb.size)
		return;
	free(lb.ring);
	lb.ring = malloc(size);
	lb.size = lb.ring ? size : 0;
	lb.head = lb.len = 0;
}

void log_buffer_clear(void)
{
	lb.head = lb.len = 0;
}

unsigned long log_buffer_logged(void)
{
	return lb.logged;
}

int log_buffer_level(void)
{
	return lb.level;
}

/* Forget the oldest line (up to and including its newline). */
static void ring_drop_oldest(void)
{
	while (lb.len) {
		char c = lb.ring[lb.head];

		lb.head = (lb.head + 1) % lb.size;
		lb.len--;
		if (c == '\n')
			return;
	}
}

static void ring_put(const char *line, size_t n)
{
	if (!lb.size || n + 1 > lb.size)
		return;
	while (lb.size - lb.len < n + 1)
		ring_drop_oldest();
	for (size_t i = 0; i <= n; i++)
		lb.ring[(lb.head + lb.len + i) % lb.size] = i < n ? line[i] : '\n';
	lb.len += n + 1;
	lb.logged++;
}

void log_buffer_each(void (*fn)(const char *line, size_t len, void *arg), void *arg)
{
	char line[LS_LINE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < lb.len; i++) {
		char c = lb.ring[(lb.head + i) % lb.size];

		if (c != '\n') {
			if (n < sizeof(line))
				line[n++] = c;
			continue;
		}
		fn(line, n, arg);
		n = 0;
	}
}

/* -------------------------------------------- timestamp, device-id */

static struct {
	int timestamp;
	char device_id[128];
} ld;

void log_decor_set(int timestamp, const char *device_id)
{
	ld.timestamp = timestamp;
	util_strlcpy(ld.device_id, device_id ? device_id : "", sizeof(ld.device_id));
}

/* The ASA's order: "Dec 07 2026 14:31:05 asa-1 : %ASA-..." (either part
 * may be absent; a timestamp alone ends in ": "). */
static const char *decorate(const char *msg, char *out, size_t len)
{
	char ts[40] = "";

	if (!ld.timestamp && !ld.device_id[0])
		return msg;
	if (ld.timestamp)
		log_clock(ts, sizeof(ts), LOG_CLOCK_ASA);
	if (ld.device_id[0])
		snprintf(out, len, "%s%s%s : %s", ts, ts[0] ? " " : "", ld.device_id, msg);
	else
		snprintf(out, len, "%s: %s", ts, msg);
	return out;
}

void log_sinks(int sev, const char *msg, const char *ident, int pid)
{
	char buf[LS_LINE_MAX];
	struct log_line l = { sev, msg, decorate(msg, buf, sizeof(buf)), ident, pid };

	if (sev <= lb.level)
		ring_put(l.decorated, strlen(l.decorated));
	log_hosts_emit(&l);
}

/* ------------------------------------------- worker/secmod -> main */

static struct {
	int fd;                  /* -1: write locally */
	unsigned long dropped;   /* since the last report */
} fw = { -1, 0 };

int log_forward_set(int fd)
{
	struct stat st;

	fw.fd = -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	fw.fd = fd;
	return 0;
}

unsigned long log_forward_dropped(void)
{
	return fw.dropped;
}

int log_forward_fd(void)
{
	return fw.fd;
}

/* A record: severity, a spare byte, the event (LM_ index, the same build
 * on both ends), then the text. */
void log_forward_hdr(unsigned char *hdr, unsigned ev, int sev)
{
	hdr[0] = (unsigned char)sev;
	hdr[1] = 0;
	hdr[2] = (unsigned char)(ev >> 8);
	hdr[3] = (unsigned char)ev;
}

/* 1 sent, 0 full, -1 dead. */
static int forward_send(unsigned ev, int sev, const char *msg)
{
	unsigned char rec[LOG_FWD_MAX];
	size_t n = strlen(msg);

	if (n > LOG_FWD_MAX - LOG_FWD_HDR)
		n = LOG_FWD_MAX - LOG_FWD_HDR;
	log_forward_hdr(rec, ev, sev);
	memcpy(rec + LOG_FWD_HDR, msg, n);
	if (send(fw.fd, rec, LOG_FWD_HDR + n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 1;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS ? 0
											   : -1;
}

/* The drop count goes first, as a line of its own (100760). */
static int forward_report(void)
{
	char count[24], msg[256];
	const char *args[1] = { count };
	struct log_output o;
	int rc;

	snprintf(count, sizeof(count), "%lu", fw.dropped);
	log_get_output(&o);
	log_event_format(msg, sizeof(msg), o.fmt, LM_LOG_DROPPED, args);
	rc = forward_send(LM_LOG_DROPPED, log_event_severity(LM_LOG_DROPPED), msg);
	if (rc > 0)
		fw.dropped = 0;
	return rc;
}

int log_forward_line(unsigned ev, int sev, const char *msg)
{
	int rc;

	if (fw.fd < 0)
		return 0;
	rc = fw.dropped ? forward_report() : 1;
	if (rc > 0)
		rc = forward_send(ev, sev, msg);
	if (rc == 0) {
		fw.dropped++;
		return 1;
	}
	if (rc < 0) {
		fw.fd = -1;  /* main is gone: the local log from now on */
		return 0;
	}
	return 1;
}

/* "%ASA-6-..." / "%SSLVPND-6-...": the level digit after the first '-'. */
static void set_prefix_level(char *msg, int sev)
{
	char *d = strchr(msg, '-');

	if (msg[0] == '%' && d && d[1] >= '0' && d[1] <= '7' && d[2] == '-')
		d[1] = (char)('0' + sev);
}

int log_relay(const char *ident, int pid, const void *rec, size_t len)
{
	const unsigned char *r = rec;
	char msg[LOG_FWD_MAX];
	unsigned ev;
	int sev;

	if (len < LOG_FWD_HDR || len > LOG_FWD_MAX || r[0] > 7)
		return -1;
	sev = r[0];
	ev = (unsigned)r[2] << 8 | r[3];
	if (ev != LOG_FWD_NOEVENT && ev >= LM__COUNT)
		return -1;
	memcpy(msg, r + LOG_FWD_HDR, len - LOG_FWD_HDR);
	msg[len - LOG_FWD_HDR] = 0;
	/* one line of text: a control byte from a less trusted process
	 * (a newline, a carriage return, a terminal escape) could fake a
	 * second line or rewrite one on a console (fuzz_logrelay) */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 ? *p != '\t' : *p == 0x7f)
			*p = '?';
	if (ev != LOG_FWD_NOEVENT && ovr_init && ovr[ev] != LOG_MSG_DEFAULT) {
		if (ovr[ev] == LOG_MSG_DISABLED)
			return 0;
		/* moved to debugging: shown only with debug on, as main's own */
		if (ovr[ev] >= LOG_DEBUG && sev < LOG_DEBUG && log_get_debug() <= 0)
			return 0;
		sev = ovr[ev];
		set_prefix_level(msg, sev);
	}
	log_local(ident, pid, sev, msg);
	log_sinks(sev, msg, ident, pid);
	return 0;
}
