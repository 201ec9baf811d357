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
#include <stdnoreturn.h>

enum log_format { LOG_FMT_ASA = 0, LOG_FMT_NATIVE = 1 };

enum log_event {
#define LOGMSG(name, id, sev, asa_id, nargs, asa_fmt, native_fmt) LM_##name,
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

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_event: emit catalogue event ev with exactly nargs string arguments
 * (NULL prints as "").  Debug-severity events (7) print only when debug > 0. */
void log_event(enum log_event ev, ...);

/* log_event_format: render ev into buf (no prefix or newline) in format fmt;
 * returns the length that would have been written (snprintf semantics).
 * Used by log_event and by the unit tests of every catalogued event. */
int log_event_format(char *buf, size_t len, enum log_format fmt,
		     enum log_event ev, const char *const *args);

#endif
