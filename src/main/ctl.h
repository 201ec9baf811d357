/* The control socket's private interface, shared by its three files:
 *   ctl.c       transport: the socket, peer credentials, request/reply
 *               framing, the audit log of each request;
 *   ctl_cmd.c   the commands: the grammar (include/sslvpnd/ctlgram.def,
 *               word by word, shared with sslvpnctl) mapped to main's
 *               handlers, the dispatcher and "help";
 *   ctl_view.c  the renderers of the show commands (ASA text or JSON).
 * Private to src/main. */
#ifndef SSLVPND_CTL_H
#define SSLVPND_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "main.h"
#include "sslvpnd/ctlgram.h"

enum {
	CTL_MAX_CLIENTS = 4,
	CTL_REQ_MAX = 1024,
	CTL_MAX_WORDS = 16,
	CTL_REPLY_MAX = 16 << 20,
};

struct ctl_client {
	struct ctl *ctl;
	int fd;                   /* -1: free slot */
	ev_io io;
	ev_timer timer;
	char who[24];             /* "root" or "uid N" (SO_PEERCRED) */
	char req[CTL_REQ_MAX + 2];
	size_t req_len;
	char *out;
	size_t out_len, out_off;
	uint32_t deferred;        /* waiting for ctl_deferred_reply(id) (0: no) */
	const char *deferred_from; /* its timeout's error (NULL: secmod's) */
};

struct ctl {
	struct mainctx *m;
	int fd;
	ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t audit_prefix;    /* first field of every Audt Sess ID */
	struct metrics_http *http; /* metrics.listen-port (metrics_http.c) */
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/* Text output growing to at most CTL_REPLY_MAX bytes; err set on failure. */
struct text {
	char *p;
	size_t len, cap;
	int err;
};

/* One parsed request: the words after the format word. */
struct request {
	struct ctl *ctl;
	int json;
	int argc;
	char *argv[CTL_MAX_WORDS];
	/* the grammar's node of each word (ctlgram.def): handlers read what
	 * a word is from it, the value from argv */
	int node[CTL_MAX_WORDS];
	struct text *t;           /* text output */
	struct json *j;           /* JSON output */
	char err[160];            /* set: the command failed */
	int changes;              /* the command changes state (111008) */
	int exit_code;            /* succeeded: sslvpnctl's exit status (doctor:
				   * 1 warnings, 2 errors); sent as "EXIT N" */
	const char *who;          /* the peer: "root" or "uid N" */
	/* A command whose answer comes later (test aaa-server: secmod asks
	 * the server) sets deferred to an id != 0 and answers with
	 * ctl_deferred_reply; the client waits at most CTL_DEFER_S, then gets
	 * deferred_timeout (a static "ERROR: ..."; NULL: the security
	 * module's). */
	uint32_t deferred;
	const char *deferred_timeout;
};

enum { CTL_DEFER_S = 60 };

/* ctl_deferred_reply: the text answer of the deferred request id (no-op
 * when its client left). */
void ctl_deferred_reply(struct ctl *c, uint32_t id, const char *text);
/* ctl_deferred_fail: the same as a failure (ERR + msg). */
void ctl_deferred_fail(struct ctl *c, uint32_t id, const char *msg);

/* fleet_view.c (S16): show fleet; show vpn-sessiondb ... --fleet from
 * ctl_view_anyconnect (filter_node: the grammar's filter word, 0 none;
 * fv its value); logoff ... --fleet from cmd_logoff (what: the ASA's
 * words for the selector).  Each defers its answer until Redis replied. */
void ctl_view_fleet(struct request *r);
void ctl_fleet_sessions(struct request *r, int detail, int filter_node, const char *fv);
void ctl_fleet_logoff(struct request *r, const struct session_selector *sel, const char *what);
/* ctl_deferred_end: the same with a failure (err: "ERR ERROR: err", text
 * may be "") or an exit status (exit_code != 0: doctor's verdict). */
void ctl_deferred_end(struct ctl *c, uint32_t id, const char *err, int exit_code,
		      const char *text);

/* ctl_aaa.c (S15): show aaa-server [NAME], test aaa-server; the hosts'
 * counters from secmod (AAA_STATS); ctl_aaa_test_done: secmod's answer
 * to a test (0), -1 when id is not a test's. */
void ctl_view_aaa(struct request *r);
void ctl_cmd_test_aaa(struct request *r);

/* ctl_printf: appends to t (printf format); on overflow or ENOMEM sets
 * t->err and ignores later calls. */
void ctl_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ctl_invalid: r->err = the ASA's "Invalid input detected at" word at, or
 * "Incomplete command" when at is past the last word. */
void ctl_invalid(struct request *r, int at);

/* ctl_cmd_check: -1 (logged) when a command of the grammar has no
 * handler in main, else 0; ctl_start refuses to start then. */
int ctl_cmd_check(void);

/* ctl_cmd_dispatch: runs the command of r from the grammar (ctl_cmd.c);
 * output in r->t / r->j, failure in r->err; sets r->changes. */
void ctl_cmd_dispatch(struct request *r);

/* Views (ctl_view.c): each renders one show command of r. */
void ctl_view_anyconnect(struct request *r);
void ctl_view_summary(struct request *r);
void ctl_view_license(struct request *r);
void ctl_view_run(struct request *r);
void ctl_view_dap(struct request *r);
void ctl_view_pool(struct request *r, int family);
void ctl_view_metrics(struct request *r);
void ctl_view_version(struct request *r);
void ctl_view_ssl(struct request *r);
void ctl_view_debug(struct request *r);
void ctl_view_bans(struct request *r);
/* ctl_log.c: show logging, clear logging buffer, and the logging part of
 * show running-config (ASA syntax; all: defaults too). */
void ctl_view_logging(struct request *r);
void ctl_clear_logging(struct request *r);
int showrun_logging(FILE *fp, const struct sslvpnd_config *cfg, int all);

#endif
