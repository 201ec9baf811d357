/* Bans of main (mban.h): the score table of src/policy/ban.c fed by main's
 * own findings (wrong passwords, unknown cookies) and by the workers'
 * SRC_EVENT reports (refused client certificates, malformed requests),
 * consulted by the TCP accept path and the DTLS hello path, shown and
 * cleared by sslvpnctl. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "main.h"
#include "mban.h"
#include "sslvpnd/ban.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum {
	MBAN_SLOTS = 4096,        /* addresses scored at once */
	MBAN_LOG_EVERY = 60,      /* seconds between refusal lines of one ban */
};

/* main is one process with one loop: file-scope state, as mfail.c. */
static struct ban_table *table;
static ev_timer sweep;
static uint64_t refused_total[2];

/* Monotonic seconds: bans are shown as time left, so no wall time is
 * needed, and a step of the system clock neither lifts nor extends one.
 * (Bans do not survive a restart of main.) */
static uint64_t now_s(void)
{
	return util_now_ms() / 1000;
}

static struct ban_params params(const struct mainctx *m)
{
	struct ban_params p = {
		.threshold = (unsigned)m->cfg->bans.threshold,
		.window = (unsigned)m->cfg->bans.window,
		.duration = (unsigned)m->cfg->bans.duration,
	};
	return p;
}

static void expired_cb(const struct ban_entry *e, void *arg)
{
	char n[24];

	(void)arg;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)e->refused);
	log_event(LM_BAN_EXPIRED, e->addr, n);
}

static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mainctx *m = w->data;
	struct ban_params p = params(m);

	(void)loop;
	(void)revents;
	ban_expire(table, &p, now_s(), expired_cb, NULL);
}

int mban_start(struct mainctx *m)
{
	table = ban_new(MBAN_SLOTS);
	if (!table) {
		log_warnx("bans: out of memory");
		return -1;
	}
	ev_timer_init(&sweep, sweep_cb, 1., 1.);
	sweep.data = m;
	ev_timer_start(m->loop, &sweep);
	return 0;
}

void mban_stop(struct mainctx *m)
{
	if (!table)
		return;
	ev_timer_stop(m->loop, &sweep);
	ban_free(table);
	table = NULL;
}

/* The same text for one address whatever reported it: inet_pton +
 * inet_ntop (a worker's "::ffff:198.18.0.2" and main's "198.18.0.2" are
 * different addresses to the kernel too, so no mapping is undone). */
static int canonical(const char *in, char out[BAN_ADDR_MAX])
{
	uint8_t a[16];

	if (inet_pton(AF_INET, in, a) == 1)
		return inet_ntop(AF_INET, a, out, BAN_ADDR_MAX) ? 0 : -1;
	if (inet_pton(AF_INET6, in, a) == 1)
		return inet_ntop(AF_INET6, a, out, BAN_ADDR_MAX) ? 0 : -1;
	return -1;
}

void mban_event(struct mainctx *m, const char *peer, enum ban_cause cause)
{
	struct ban_params p = params(m);
	struct ban_entry e;
	char addr[BAN_ADDR_MAX], dur[16], score[16], thr[16];

	if (!table || !peer || canonical(peer, addr) < 0)
		return;
	if (!ban_score(table, &p, addr, cause, now_s(), &e))
		return;
	snprintf(dur, sizeof(dur), "%u", p.duration);
	snprintf(score, sizeof(score), "%u", e.score);
	snprintf(thr, sizeof(thr), "%u", p.threshold);
	log_event(LM_BAN_ADDED, addr, dur, score, thr, ban_cause_text(cause));
}

void mban_login_ok(const char *peer)
{
	char addr[BAN_ADDR_MAX];

	if (table && peer && canonical(peer, addr) == 0)
		ban_reset(table, addr);
}

int mban_refuse(enum mban_proto proto, const struct sockaddr *sa)
{
	static const char *const what[2] = { "TCP connection(s)", "DTLS ClientHello(s)" };
	char addr[BAN_ADDR_MAX], n[24], left_s[24];
	uint16_t port;
	uint64_t left, logn;

	if (!table)
		return 0;
	util_sockaddr_str(sa, addr, sizeof(addr), &port);
	left = ban_refuse(table, addr, now_s(), MBAN_LOG_EVERY, &logn);
	if (!left)
		return 0;
	refused_total[proto]++;
	if (logn) {
		snprintf(n, sizeof(n), "%llu", (unsigned long long)logn);
		snprintf(left_s, sizeof(left_s), "%llu", (unsigned long long)left);
		log_event(LM_BAN_REFUSED, n, what[proto], addr, left_s);
	}
	return 1;
}

uint64_t mban_refused_total(enum mban_proto proto)
{
	return refused_total[proto];
}

struct view_arg {
	uint64_t now;
	void (*cb)(const struct mban_view *v, void *arg);
	void *arg;
};

static void view_cb(const struct ban_entry *e, void *arg)
{
	struct view_arg *va = arg;
	struct mban_view v = {
		.addr = e->addr,
		.score = e->score,
		.cause = ban_cause_key((enum ban_cause)e->last_cause),
		.remaining = e->until > va->now ? e->until - va->now : 0,
		.refused = e->refused,
	};

	va->cb(&v, va->arg);
}

void mban_foreach(void (*cb)(const struct mban_view *v, void *arg), void *arg)
{
	struct view_arg va = { .now = now_s(), .cb = cb, .arg = arg };

	if (table)
		ban_foreach(table, va.now, view_cb, &va);
}

struct cleared_arg {
	const char *who;
};

static void cleared_cb(const struct ban_entry *e, void *arg)
{
	const struct cleared_arg *ca = arg;
	char n[24];

	snprintf(n, sizeof(n), "%llu", (unsigned long long)e->refused);
	log_event(LM_BAN_CLEARED, e->addr, ca->who, n);
}

int mban_clear(const char *peer, const char *who)
{
	struct cleared_arg ca = { .who = who };
	char addr[BAN_ADDR_MAX];

	if (peer && canonical(peer, addr) < 0)
		return -1;
	if (!table)
		return 0;
	return (int)ban_clear(table, peer ? addr : NULL, now_s(), cleared_cb, &ca);
}
