/* Logging: OpenBSD-style calls plus one catalogue of operational events.
 *
 * Every operational event is declared once in logmsg.def with our stable ID,
 * severity, the ASA message ID and template where the meaning really matches
 * Cisco's, and a native template.  With format "asa" events print as
 * "%ASA-<sev>-<id>: <text>"; events without an ASA twin (asa id 0) print with
 * our own prefix "%SSLVPND-<sev>-<id>: <text>" in both formats.
 *
 * Event arguments are always strings; templates use positional conversions
 * (%1$s ... %9$s) so the ASA and native texts may order them differently.
 * Never pass passwords, keys or cookies: a cookie is logged only through
 * util_cookie_tag() (a keyed hash).
 */
#ifndef SSLVPND_LOG_H
#define SSLVPND_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdnoreturn.h>

enum log_format { LOG_FMT_ASA = 0, LOG_FMT_NATIVE = 1 };

enum log_event {
#define LOGMSG(name, id, sev, asa_id, nargs, asa_fmt, native_fmt, sample) LM_##name,
#include "sslvpnd/logmsg.def"
#undef LOGMSG
	LM__COUNT
};

struct log_catalogue_entry {
	const char *name;       /* LM_ name without prefix */
	int id;                 /* our stable ID */
	int severity;           /* syslog severity 0..7 */
	int asa_id;             /* ASA message ID, 0 = none */
	int nargs;              /* number of string arguments */
	const char *asa_fmt;    /* ASA template (positional %N$s) */
	const char *native_fmt; /* our template (positional %N$s) */
};

extern const struct log_catalogue_entry log_catalogue[LM__COUNT];

/* log_init: ident is the program name shown in each line; to_stderr selects
 * stderr (with timestamps) instead of syslog(facility); debug 0..255 enables
 * log_debug and debug-severity events when > 0. Safe to call again (reconfig). */
void log_init(const char *ident, int to_stderr, int facility,
	      enum log_format fmt, int debug);
void log_set_format(enum log_format fmt);
void log_set_debug(int debug);
int log_get_debug(void);
/* Where lines go (the sandbox pre-renders its SIGSYS line with it). */
struct log_output {
	const char *ident;
	int to_stderr, facility;
	enum log_format fmt;
};
void log_get_output(struct log_output *o);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Debug classes, as the ASA's debug commands name them ("debug webvpn
 * anyconnect 255", "debug crypto ca 255").  Each has a level 0..255 set at
 * run time (sslvpnctl debug ...); the effective level of a class is the
 * larger of its own and the global debug level.  Debug output is event
 * 100901, so in ASA format it carries 711001. */
enum log_class {
	LOGC_WEBVPN,            /* debug webvpn: HTTP and the XML auth exchange */
	LOGC_ANYCONNECT,        /* debug webvpn anyconnect: CONNECT, CSTP, DTLS */
	LOGC_CRYPTO_CA,         /* debug crypto ca: client certificates */
	LOGC_SSL,               /* debug ssl: TLS handshakes */
	LOGC_AAA,               /* debug aaa: authentication decisions */
	LOGC_DAP,               /* debug dap: access policy evaluation */
	/* The ASA's two parts of "debug crypto ca" (seed 000's troubleshooting
	 * list): no output of their own here; each enables the crypto ca
	 * output (log_class_on), so the seed's commands work as typed. */
	LOGC_CRYPTO_CA_TRANSACTIONS, /* debug crypto ca transactions */
	LOGC_CRYPTO_CA_MESSAGES,     /* debug crypto ca messages */
	LOGC__COUNT
};

/* log_class_name: the words after "debug" ("webvpn anyconnect"). */
const char *log_class_name(enum log_class c);
/* log_class_lookup: the class whose name the n words (1..3) spell, each
 * the keyword or an abbreviation of 2+ letters; -1 when none. */
int log_class_lookup(const char *const *words, int n);
/* log_class_set: a class's own level, clamped to 0..255. */
void log_class_set(enum log_class c, int level);
/* log_class_get: a class's own level (not the global one). */
int log_class_get(enum log_class c);
/* log_class_on: 1 when debug output of class c at level is enabled; for
 * crypto ca, its transactions and messages parts count too. */
int log_class_on(enum log_class c, int level);
/* log_debugc: debug output of class c, shown when log_class_on(c, level):
 * "<class>: <text>" as event 100901 (ASA 711001). */
void log_debugc(enum log_class c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_event: emit catalogue event ev with exactly nargs string arguments
 * (NULL prints as "").  Debug-severity events (7) print only when debug > 0. */
void log_event(enum log_event ev, ...);

/* Rate-limited events, for refusals a client can repeat at will (limits,
 * timeouts): at most LOG_RL_BURST lines of one event per LOG_RL_WINDOW_MS;
 * the rest are counted and reported as one LM_LOG_SUPPRESSED line ("N more
 * suppressed") when the next window starts: at the next line of that event
 * or at log_rl_flush, whichever comes first. */
enum { LOG_RL_BURST = 10, LOG_RL_WINDOW_MS = 10000 };

struct log_rl {
	uint64_t start_ms;      /* window start, 0 = none yet */
	unsigned shown;         /* lines shown in this window */
	unsigned suppressed;    /* lines held back in this window */
};

/* log_rl_admit: 1 when a line may be shown at now_ms, 0 when it is
 * suppressed (and counted).  *report is the number suppressed in the window
 * that just ended (0 when none ended or none were suppressed). */
int log_rl_admit(struct log_rl *rl, uint64_t now_ms, unsigned *report);
/* log_event_rl: log_event through the process-wide window of ev. */
void log_event_rl(enum log_event ev, ...);
/* log_rl_flush: report the suppressed counts of windows over at now_ms
 * (called from a periodic timer so a flood that stopped is still told). */
void log_rl_flush(uint64_t now_ms);

/* Remote syslog, the ASA's "logging host" (src/common/loghost.c): every
 * line written locally also goes to each host at level trap or more
 * severe, never blocking (UDP drops, TCP queues 64 KiB then drops, retries
 * a refusing host every 5 s).  spec.address must be a literal IP; port 0 =
 * 514 (UDP) / 1470 (TCP). */
enum { LOG_HOSTS_MAX = 16 };
struct log_host_spec {
	const char *address;     /* resolved by log_hosts_set, not kept */
	int port, tcp, rfc5424;
};
/* log_hosts_set: replaces the hosts (none: n 0); trap -1 sends nothing;
 * facility as syslog(3)'s.  -1 and err on a bad address (no host kept). */
int log_hosts_set(const struct log_host_spec *spec, size_t n, int trap, int facility,
		  char *err, size_t errlen);
/* log_hosts_emit: one rendered line (log_emit calls it). */
void log_hosts_emit(int sev, const char *msg);
/* log_clock: the time now into buf, local "Dec 07 14:31:05" (the stderr
 * log) or, with iso_utc, "2026-12-07T14:31:05" (RFC 5424); returns the
 * milliseconds, the ".mmm" both lines carry. */
int log_clock(char *buf, size_t len, int iso_utc);
/* log_hosts_flush: TCP hosts' queues and reconnects (the 1 s tick). */
void log_hosts_flush(uint64_t now_ms);

/* log_event_format: render ev into buf (no prefix or newline) in format fmt;
 * returns the length that would have been written (snprintf semantics).
 * Used by log_event and by the unit tests of every catalogued event. */
int log_event_format(char *buf, size_t len, enum log_format fmt,
		     enum log_event ev, const char *const *args);

#endif
