/* Logging: OpenBSD-style calls and the event catalogue (logmsg.def). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

const struct log_catalogue_entry log_catalogue[LM__COUNT] = {
#define LOGMSG(name, id, sev, asa_id, nargs, asa_fmt, native_fmt, sample) \
	[LM_##name] = { #name, id, sev, asa_id, nargs, asa_fmt, native_fmt },
#include "sslvpnd/logmsg.def"
#undef LOGMSG
};

static struct {
	const char *ident;
	int to_stderr;
	enum log_format fmt;
	int debug;
	int class_level[LOGC__COUNT];
	int facility;
} lg = { "sslvpnd", 1, LOG_FMT_ASA, 0, { 0 }, LOG_DAEMON };

static const char *const class_names[LOGC__COUNT] = {
	[LOGC_WEBVPN] = "webvpn",     [LOGC_ANYCONNECT] = "webvpn anyconnect",
	[LOGC_CRYPTO_CA] = "crypto ca", [LOGC_SSL] = "ssl",
	[LOGC_AAA] = "aaa",           [LOGC_DAP] = "dap",
	[LOGC_CRYPTO_CA_TRANSACTIONS] = "crypto ca transactions",
	[LOGC_CRYPTO_CA_MESSAGES] = "crypto ca messages",
};

enum { LOG_LINE_MAX = 2048, LOG_MAX_ARGS = 9 };

void log_init(const char *ident, int to_stderr, int facility,
	      enum log_format fmt, int debug)
{
	log_flush();  /* what is gathered goes where it was meant to */
	lg.ident = ident;
	lg.to_stderr = to_stderr;
	lg.fmt = fmt;
	lg.debug = debug;
	lg.facility = facility;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void log_get_output(struct log_output *o)
{
	o->ident = lg.ident;
	o->to_stderr = lg.to_stderr;
	o->facility = lg.facility;
	o->fmt = lg.fmt;
}

void log_set_format(enum log_format fmt)
{
	lg.fmt = fmt;
}

void log_set_debug(int debug)
{
	lg.debug = debug;
}

int log_get_debug(void)
{
	return lg.debug;
}

int log_clock(char *buf, size_t len, int kind)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	if (kind == LOG_CLOCK_ISO) {
		gmtime_r(&now.tv_sec, &tm);
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	} else {
		localtime_r(&now.tv_sec, &tm);
		n = strftime(buf, len, kind == LOG_CLOCK_ASA ? "%b %d %Y %H:%M:%S" :
			     "%b %d %H:%M:%S", &tm);
	}
	if (!n && len)
		buf[0] = 0;
	return (int)(now.tv_nsec / 1000000);
}

/* ------------------------------------------ batched stderr (main, S11) */

/* main writes about 14 lines per login, its own and the ones it relays for
 * the workers and secmod; one write() each was ~5 % of main's CPU per login
 * (perf, bench/phone-load).  With log_batch on, stderr lines of one event
 * loop iteration are gathered here and written with one write() when the
 * loop is about to sleep (mlog.c's ev_prepare), when the buffer is full,
 * at exit (fatal included) and from a handler of the crash signals, so no
 * line is lost.  The order is that of log_local's calls, the same as
 * before; the ring buffer and the logging hosts get each line at once. */
enum { LOG_BATCH_MAX = 32768, LOG_STDERR_LINE = LOG_LINE_MAX + 96 };

static struct {
	char buf[LOG_BATCH_MAX];
	volatile size_t len;  /* read by the crash handler */
	int on;
	pid_t owner;          /* a forked child must not write main's lines */
} ob;

/* Async-signal-safe: the crash handler calls it too. */
static void out_write(const char *p, size_t n)
{
	int tries = 0;

	while (n > 0 && tries < 64) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w < 0 && errno != EINTR)
			return;  /* stderr gone or full: the line is dropped, as fflush did */
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
		tries++;
	}
}

void log_flush(void)
{
	size_t n = ob.len;

	if (!n)
		return;
	ob.len = 0;
	if (ob.owner == getpid())
		out_write(ob.buf, n);
}

static void on_crash(int sig)
{
	size_t n = ob.len;

	ob.len = 0;
	if (n && ob.owner == getpid())
		out_write(ob.buf, n);
	raise(sig);  /* SA_RESETHAND: the default action (core) from here */
}

static void crash_flush_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = (int)(SA_RESETHAND | SA_NODEFER);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

void log_batch(int on)
{
	static int hooked;

	if (!on) {
		log_flush();
		ob.on = 0;
		return;
	}
	if (!hooked) {
		hooked = 1;
		(void)atexit(log_flush);
		crash_flush_install();
	}
	ob.owner = getpid();
	ob.on = 1;
}

static void out_line(const char *line, size_t n)
{
	if (ob.on && ob.owner != getpid()) {
		ob.len = 0;  /* a forked child: main's pending lines are main's */
		ob.on = 0;
	}
	if (!ob.on) {
		out_write(line, n);
		return;
	}
	if (ob.len + n > sizeof(ob.buf))
		log_flush();
	if (n > sizeof(ob.buf)) {
		out_write(line, n);
		return;
	}
	memcpy(ob.buf + ob.len, line, n);
	ob.len += n;
}

/* The local log: stderr lines carry a timestamp and the pid so interleaved
 * worker and main output stays readable.  A line main relays for a worker
 * or secmod keeps that process's name and pid: on stderr as its own, in
 * syslog (whose header names main) ahead of the text. */
void log_local(const char *ident, int pid, int sev, const char *msg)
{
	if (!lg.to_stderr) {
		if (pid == (int)getpid())
			syslog(sev, "%s", msg);
		else
			syslog(sev, "%s[%d]: %s", ident, pid, msg);
		return;
	}
	char ts[32], line[LOG_STDERR_LINE];
	int ms = log_clock(ts, sizeof(ts), LOG_CLOCK_LOCAL);
	int n = snprintf(line, sizeof(line), "%s.%03d %s[%d]: %s\n", ts, ms, ident, pid, msg);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {  /* cut: still one line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	out_line(line, (size_t)n);
}

/* One output path for everything.  A sandboxed process hands its line to
 * main; main (or a process run by hand) writes the local log first, then
 * the buffer and the logging hosts (which never block, so the local line
 * is never held back). */
static void log_emit_ev(unsigned ev, int sev, const char *msg)
{
	if (log_forward_line(ev, sev, msg))
		return;
	log_local(lg.ident, (int)getpid(), sev, msg);
	log_sinks(sev, msg, lg.ident, (int)getpid());
}

static void log_emit(int sev, const char *msg)
{
	log_emit_ev(LOG_FWD_NOEVENT, sev, msg);
}

static void __attribute__((format(printf, 2, 0)))
log_vemit(int sev, const char *fmt, va_list ap, int with_errno)
{
	char msg[LOG_LINE_MAX];
	int saved = errno;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	log_emit(sev, msg);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

static void emit_debug_event(const char *text);

/* Debug output is event 100901 (ASA 711001) so a filter on 711001 finds
 * all of it, as on the ASA. */
void log_debug(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	if (lg.debug <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit_debug_event(msg);
}

const char *log_class_name(enum log_class c)
{
	return (unsigned)c < LOGC__COUNT ? class_names[c] : "?";
}

static int word_is(const char *word, const char *kw, size_t kwlen)
{
	size_t n = strlen(word);

	return n >= 2 && n <= kwlen && strncmp(word, kw, n) == 0;
}

/* 1 when the n words spell name ("crypto ca messages"), word by word. */
static int words_spell(const char *const *words, int n, const char *name)
{
	int i = 0;

	for (const char *p = name; *p; i++) {
		size_t len = strcspn(p, " ");

		if (i >= n || !word_is(words[i], p, len))
			return 0;
		p += len + (p[len] == ' ');
	}
	return i == n;
}

/* Names of one to three words: "ssl", "webvpn anyconnect",
 * "crypto ca transactions". */
int log_class_lookup(const char *const *words, int n)
{
	for (int c = 0; c < LOGC__COUNT; c++)
		if (words_spell(words, n, class_names[c]))
			return c;
	return -1;
}

void log_class_set(enum log_class c, int level)
{
	if ((unsigned)c < LOGC__COUNT)
		lg.class_level[c] = level < 0 ? 0 : level > 255 ? 255 : level;
}

int log_class_get(enum log_class c)
{
	return (unsigned)c < LOGC__COUNT ? lg.class_level[c] : 0;
}

int log_class_on(enum log_class c, int level)
{
	int have = log_class_get(c);

	if (c == LOGC_CRYPTO_CA) {
		if (lg.class_level[LOGC_CRYPTO_CA_TRANSACTIONS] > have)
			have = lg.class_level[LOGC_CRYPTO_CA_TRANSACTIONS];
		if (lg.class_level[LOGC_CRYPTO_CA_MESSAGES] > have)
			have = lg.class_level[LOGC_CRYPTO_CA_MESSAGES];
	}

	if (lg.debug > have)
		have = lg.debug;
	return level > 0 && have >= level;
}

void log_debugc(enum log_class c, int level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;
	int n;

	if (!log_class_on(c, level))
		return;
	n = snprintf(msg, sizeof(msg), "%s: ", log_class_name(c));
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	emit_debug_event(msg);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/* Render a positional template ("%2$s") with string arguments.  We expand
 * it ourselves instead of calling vsnprintf with a runtime format: the
 * catalogue is trusted, but this keeps -Wformat-nonliteral honest and makes
 * a missing argument print "" instead of undefined behaviour. */
static int render(char *buf, size_t len, const char *tpl,
		  const char *const *args, int nargs)
{
	size_t o = 0;
	int total = 0;

	for (const char *p = tpl; *p; p++) {
		const char *ins = NULL;
		char one[2] = { *p, 0 };

		if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[2] == '$' &&
		    p[3] == 's') {
			int i = p[1] - '1';
			ins = (i < nargs && args[i]) ? args[i] : "";
			p += 3;
		} else if (p[0] == '%' && p[1] == '%') {
			ins = "%";
			p++;
		} else {
			ins = one;
		}
		for (; *ins; ins++, total++)
			if (len && o + 1 < len)
				buf[o++] = *ins;
	}
	if (len)
		buf[o] = 0;
	return total;
}

int log_event_format(char *buf, size_t len, enum log_format fmt,
		     enum log_event ev, const char *const *args)
{
	const struct log_catalogue_entry *e = &log_catalogue[ev];
	int n;

	int sev = log_event_severity(ev);

	if (sev == LOG_MSG_DISABLED)
		sev = e->severity;
	if (e->asa_id && fmt == LOG_FMT_ASA)
		n = snprintf(buf, len, "%%ASA-%d-%d: ", sev, e->asa_id);
	else
		n = snprintf(buf, len, "%%SSLVPND-%d-%d: ", sev, e->id);
	if (n < 0)
		return n;
	size_t off = (size_t)n < len ? (size_t)n : len;
	const char *tpl = (fmt == LOG_FMT_ASA) ? e->asa_fmt : e->native_fmt;

	return n + render(buf + off, len - off, tpl, args, e->nargs);
}

static void emit_debug_event(const char *text)
{
	const char *args[1] = { text };
	char msg[LOG_LINE_MAX];

	int sev = log_event_severity(LM_DEBUG_TRACE);

	if (sev == LOG_MSG_DISABLED)
		return;
	log_event_format(msg, sizeof(msg), lg.fmt, LM_DEBUG_TRACE, args);
	log_emit_ev(LM_DEBUG_TRACE, sev, msg);
}

/* A debug-level ASA event shows with debug on, with logging trap or
 * buffered at debugging (log_debug_events_set), or with the debug class
 * the ASA shows it under: the 725xxx TLS lines (725008, 725010, 725011,
 * 725012, 725014) with `debug ssl`, the 717xxx certificate lines with
 * `debug crypto ca`. */
static int debug_events;

void log_debug_events_set(int on)
{
	debug_events = on;
}

static int debug_shown(enum log_event ev)
{
	int asa = log_catalogue[ev].asa_id;

	if (lg.debug > 0 || debug_events)
		return 1;
	if (asa / 1000 == 725)
		return log_class_get(LOGC_SSL) > 0;
	if (asa / 1000 == 717)
		return log_class_on(LOGC_CRYPTO_CA, 1);
	return 0;
}

int log_event_wanted(enum log_event ev)
{
	int sev = log_event_severity(ev);

	return sev != LOG_MSG_DISABLED && (sev < LOG_DEBUG || debug_shown(ev));
}

static void event_argv(enum log_event ev, const char *const *args)
{
	char msg[LOG_LINE_MAX];

	/* disabled (no logging message ID), or debug-level while neither
	 * debug nor its class is on: the level with its override decides */
	if (!log_event_wanted(ev))
		return;
	log_event_format(msg, sizeof(msg), lg.fmt, ev, args);
	log_emit_ev(ev, log_event_severity(ev), msg);
}

void log_event(enum log_event ev, ...)
{
	const struct log_catalogue_entry *e = &log_catalogue[ev];
	const char *args[LOG_MAX_ARGS] = { 0 };
	va_list ap;

	va_start(ap, ev);
	for (int i = 0; i < e->nargs && i < LOG_MAX_ARGS; i++)
		args[i] = va_arg(ap, const char *);
	va_end(ap);
	event_argv(ev, args);
}

int log_rl_admit(struct log_rl *rl, uint64_t now_ms, unsigned *report)
{
	*report = 0;
	if (!rl->start_ms || now_ms - rl->start_ms >= LOG_RL_WINDOW_MS) {
		*report = rl->suppressed;
		rl->start_ms = now_ms ? now_ms : 1;
		rl->shown = 0;
		rl->suppressed = 0;
	}
	if (rl->shown < LOG_RL_BURST) {
		rl->shown++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}

static void report_suppressed(enum log_event ev, unsigned n)
{
	char count[16], id[16], window[16];
	const char *args[3] = { count, id, window };

	snprintf(count, sizeof(count), "%u", n);
	snprintf(id, sizeof(id), "%d", log_catalogue[ev].id);
	snprintf(window, sizeof(window), "%d", LOG_RL_WINDOW_MS / 1000);
	event_argv(LM_LOG_SUPPRESSED, args);
}

/* One window per event, per process: refusals are per-event floods. */
static struct log_rl rl_state[LM__COUNT];

void log_event_rl(enum log_event ev, ...)
{
	const struct log_catalogue_entry *e = &log_catalogue[ev];
	const char *args[LOG_MAX_ARGS] = { 0 };
	unsigned report;
	va_list ap;
	int show = log_rl_admit(&rl_state[ev], util_now_ms(), &report);

	if (report)
		report_suppressed(ev, report);
	if (!show)
		return;
	va_start(ap, ev);
	for (int i = 0; i < e->nargs && i < LOG_MAX_ARGS; i++)
		args[i] = va_arg(ap, const char *);
	va_end(ap);
	event_argv(ev, args);
}

void log_rl_flush(uint64_t now_ms)
{
	log_hosts_flush(now_ms);
	for (int ev = 0; ev < LM__COUNT; ev++) {
		struct log_rl *rl = &rl_state[ev];

		if (rl->suppressed && now_ms - rl->start_ms >= LOG_RL_WINDOW_MS) {
			unsigned n = rl->suppressed;

			rl->suppressed = 0;
			rl->shown = 0;
			rl->start_ms = 0;
			report_suppressed((enum log_event)ev, n);
		}
	}
}
