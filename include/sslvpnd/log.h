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
/* log_batch(1): stderr lines are gathered and written together by
 * log_flush (main's event loop before it sleeps; at exit, when full and on
 * a crash signal by themselves); log_batch(0) flushes and writes each line
 * at once again.  syslog, the buffer and the hosts are not batched. */
void log_batch(int on);
void log_flush(void);

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
/* log_debug_events_set: produce debugging-level events (725008...) even
 * with debug off: logging trap or buffered is at debugging, so a sink
 * wants them (main from its configuration, a worker from WCFG_GENERAL). */
void log_debug_events_set(int on);
/* log_event_wanted: whether log_event(ev, ...) would write anything (not
 * disabled; a debugging-level one only as debug_shown allows), for
 * callers that build costly arguments. */
int log_event_wanted(enum log_event ev);
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
/* One line on its way to the sinks: msg as rendered ("%ASA-6-...: text"),
 * decorated the same with the ASA's "logging timestamp" / "logging
 * device-id" prefix (BSD hosts and the buffer carry it), and whose line it
 * is (main's own, or a worker's or secmod's relayed by main). */
struct log_line {
	int sev;
	const char *msg;
	const char *decorated;
	const char *ident;
	int pid;
};
/* log_hosts_emit: one line (log_emit calls it). */
void log_hosts_emit(const struct log_line *l);
/* log_hosts_sent: lines sent (or queued) to the hosts since start. */
unsigned long log_hosts_sent(void);
/* log_clock: the time now into buf: LOG_CLOCK_LOCAL "Dec 07 14:31:05"
 * (the stderr log), LOG_CLOCK_ISO "2026-12-07T14:31:05" (UTC, RFC 5424) or
 * LOG_CLOCK_ASA "Dec 07 2026 14:31:05" (local, the ASA's logging
 * timestamp); returns the milliseconds, the ".mmm" the first two carry. */
enum { LOG_CLOCK_LOCAL = 0, LOG_CLOCK_ISO = 1, LOG_CLOCK_ASA = 2 };
int log_clock(char *buf, size_t len, int kind);
/* log_hosts_flush: TCP hosts' queues and reconnects (the 1 s tick). */
void log_hosts_flush(uint64_t now_ms);

/* The sandboxed processes' lines (S14, src/common/logsink.c).  A worker
 * (fd LOG_FWD_WORKER_FD) or secmod (LOG_FWD_SECMOD_FD) holds one end of a
 * SOCK_SEQPACKET pair main made before exec; once log_forward_set names it,
 * every line goes to main as one record (header + rendered text) and main
 * writes it to the local log, the buffer and the hosts as its own: a
 * chrooted process cannot reach /dev/log after a syslog restart, nor a
 * host.  Sending never blocks: a full socket drops the line and counts it;
 * the count is told (100760) with the first line that gets through.  A
 * dead socket (main gone) sends the line to the local log instead. */
enum { LOG_FWD_WORKER_FD = 5, LOG_FWD_SECMOD_FD = 4 };
enum { LOG_FWD_HDR = 4, LOG_FWD_NOEVENT = 0xffff, LOG_FWD_MAX = LOG_FWD_HDR + 2048 };
/* log_forward_set: forward to fd (-1: stop); 0, or -1 when fd is not a
 * socket (the process then logs locally, as when run by hand). */
int log_forward_set(int fd);
/* log_forward_fd: the socket lines go to, -1 none; log_forward_hdr: a
 * record's header (LOG_FWD_HDR bytes) for the pre-rendered SIGSYS line. */
int log_forward_fd(void);
void log_forward_hdr(unsigned char *hdr, unsigned ev, int sev);
/* log_forward_dropped: lines dropped since the last report. */
unsigned long log_forward_dropped(void);
/* log_relay: main writes one record of ident[pid] to every sink, with the
 * per-event overrides applied (a disabled event is dropped, an overridden
 * level replaces the one in the prefix).  -1 on a malformed record. */
int log_relay(const char *ident, int pid, const void *rec, size_t len);

/* The ASA's "logging buffered LEVEL" + "logging buffer-size N": a ring of
 * the last N bytes of lines at LEVEL or more severe (level -1: off; the
 * contents survive a change of level, not of size). */
void log_buffer_set(int level, size_t size);
void log_buffer_clear(void);
/* log_buffer_each: each buffered line, oldest first (no newline). */
void log_buffer_each(void (*fn)(const char *line, size_t len, void *arg), void *arg);
/* log_buffer_stats: lines ever buffered, the level (-1 off). */
unsigned long log_buffer_logged(void);
int log_buffer_level(void);
/* log_decor_set: "logging timestamp" and "logging device-id" (NULL or
 * "": none); the prefix goes before the %ASA tag of the hosts' and the
 * buffer's lines. */
void log_decor_set(int timestamp, const char *device_id);
/* Per-event overrides: "logging message ID level L" (level 0..7) and
 * "no logging message ID" (LOG_MSG_DISABLED).  ID is Cisco's (every event
 * of that ASA ID) or ours.  log_message_set returns the number of events
 * changed (0: no such ID); log_messages_reset drops every override. */
enum { LOG_MSG_DEFAULT = -1, LOG_MSG_DISABLED = -2 };
int log_message_set(int id, int level);
/* log_id_known: 1 when id is an event's ASA ID or ours. */
int log_id_known(int id);
void log_messages_reset(void);
/* log_event_severity: ev's level with its override; LOG_MSG_DISABLED. */
int log_event_severity(enum log_event ev);
/* Inside libcommon (log.c <-> logsink.c): log_sinks writes a line to the
 * buffer and the hosts; log_forward_line hands it to main (1) or says the
 * caller must write it itself (0); ev is LOG_FWD_NOEVENT for plain lines. */
void log_sinks(int sev, const char *msg, const char *ident, int pid);
int log_forward_line(unsigned ev, int sev, const char *msg);
void log_local(const char *ident, int pid, int sev, const char *msg);

/* log_event_format: render ev into buf (no prefix or newline) in format fmt;
 * returns the length that would have been written (snprintf semantics).
 * Used by log_event and by the unit tests of every catalogued event. */
int log_event_format(char *buf, size_t len, enum log_format fmt,
		     enum log_event ev, const char *const *args);

#endif
