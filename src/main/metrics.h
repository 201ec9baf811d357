/* Prometheus metrics of the main process (metrics.c), private to src/main.
 *
 * Counters main cannot derive from its state at scrape time are counted
 * here as events happen (metrics_count); gauges (sessions, pools, workers)
 * are read from main's tables when the text is rendered. */
#ifndef SSLVPND_METRICS_H
#define SSLVPND_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "sslvpnd/ipc.h"

struct mainctx;

/* Event counters.  The label of a labelled counter is a short fixed word
 * chosen by the caller (never user input): at most METRICS_MAX_LABELS
 * distinct values per counter are kept, later ones are counted under
 * "other" so a bug cannot grow the output without bound. */
enum metrics_counter {
	MET_AUTH_SUCCESS,       /* no label */
	MET_AUTH_FAILURE,       /* label: reason */
	MET_DAP_TERMINATED,     /* no label (DfltAccessPolicy included) */
	MET_WORKER_RESTART,     /* no label */
	MET_TLS_HANDSHAKE,      /* label: completed | failed (CONN_DONE) */
	MET_PREAUTH_REFUSED,    /* label: source | total (preauth.c) */
	MET__COUNT
};
enum { METRICS_MAX_LABELS = 24 };

/* metrics_init: remember the start time (once, when main starts). */
void metrics_init(void);
time_t metrics_start_time(void);

/* metrics_count: one event; label NULL for the unlabelled counters. */
void metrics_count(enum metrics_counter c, const char *label);

/* metrics_auth_reason: the label of an authentication failure from the
 * refusal text main logs in 716039 (a fixed word such as "password",
 * "certificate", "group-lock", "vpn-access-hours"; "other" otherwise). */
const char *metrics_auth_reason(const char *why);

/* metrics_tunnel_closed: the final counters of a tunnel (TUNNEL_CLOSED),
 * added to the totals of ended tunnels.  metrics_tunnel_lost: the last
 * report of a tunnel whose worker died (no TUNNEL_CLOSED will come). */
void metrics_tunnel_closed(const struct ipc_tunnel_closed *c);
void metrics_tunnel_lost(const struct ipc_tunnel_stats *st);

/* metrics_http_start (metrics_http.c): when metrics.listen-port is set,
 * listen on 127.0.0.1:port in m->loop and answer GET /metrics; *out is the
 * listener (NULL when off).  0, or -1 when the port cannot be opened
 * (logged as 100531).  metrics_http_stop closes it and its clients; NULL is
 * a no-op. */
struct metrics_http;

/* metrics_http_parse (metrics_req.c): the first len bytes a metrics client
 * sent (req NUL-terminated after them; cap: the most the listener reads).
 * 0: wait for more; else the status to answer: 200 for GET or HEAD
 * /metrics (*head 1 for HEAD), 400 no request line, 405 another method,
 * 404 another path, 431 cap bytes without the end of the header. */
int metrics_http_parse(const char *req, size_t len, size_t cap, int *head);
int metrics_http_start(struct mainctx *m, struct metrics_http **out);
void metrics_http_stop(struct metrics_http *h);

/* metrics_render: the Prometheus text exposition format (version 0.0.4)
 * of everything main knows, written to fp; 0, or -1 when out of memory. */
int metrics_render(struct mainctx *m, FILE *fp);

#endif
