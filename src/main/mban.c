/* Bans of main (mban.h): the score table of src/policy/ban.c fed by main's
 * own findings (wrong passwords, unknown cookies) and by the workers'
 * SRC_EVENT reports (refused client certificates, malformed requests),
 * consulted by the TCP accept path and the DTLS hello path, shown and
 * cleared by sslvpnctl. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "fleet.h"
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

/* ---- the fleet (S16): a ban decided here is every node's.  Key
 * sslvpnd:ban:<addr> = "<until-epoch> <cause> <node>" EX the seconds left
 * (a node that was away reads it at reconcile), and "ban <addr> <secs>
 * <cause> <score> <threshold>" published to the others, which refuse the
 * address at once.  No-ops when the fleet is off or Redis is away: the
 * reconcile writes what was decided meanwhile. */
static void share(struct mainctx *m, const struct ban_entry *e, uint64_t secs)
{
	char key[96], val[160], body[160];
	const char *cause = ban_cause_key((enum ban_cause)e->last_cause);

	if (!fleet_up(m) || !secs)
		return;
	snprintf(key, sizeof(key), FLEET_PREFIX "ban:%s", e->addr);
	snprintf(val, sizeof(val), "%lld %s %s", (long long)time(NULL) + (long long)secs, cause,
		 fleet_node(m));
	/* NX: a ban another node wrote first stays its own */
	fleet_cmd(m, NULL, NULL, "SET %s %s EX %llu NX", key, val, (unsigned long long)secs);
	snprintf(body, sizeof(body), "%s %llu %s %u %u", e->addr, (unsigned long long)secs, cause,
		 e->score, (unsigned)m->cfg->bans.threshold);
	fleet_publish(m, NULL, "ban", body);
}

/* Another node's ban: refused here from now on, logged as 100720 naming
 * the node (score and threshold are that node's). */
static int impose(const char *addr_in, uint64_t secs, const char *cause_key, const char *from,
		  const char *score, const char *thr, int loaded)
{
	enum ban_cause cause = ban_cause_of(cause_key);
	char addr[BAN_ADDR_MAX], dur[24], last[160];

	if (!table || canonical(addr_in, addr) < 0 || cause == BAN__COUNT || !secs)
		return -1;
	if (!ban_impose(table, addr, cause, now_s(), now_s() + secs))
		return 0;
	snprintf(dur, sizeof(dur), "%llu", (unsigned long long)secs);
	if (loaded) {
		log_event(LM_FLEET_BAN_LOADED, addr, dur, from, ban_cause_text(cause));
		return 0;
	}
	snprintf(last, sizeof(last), "%s; decided by fleet node %s", ban_cause_text(cause), from);
	log_event(LM_BAN_ADDED, addr, dur, score, thr, last);
	return 0;
}

void mban_fleet_ban(struct mainctx *m, const char *from, const char *body)
{
	char addr[BAN_ADDR_MAX], cause[32], score[16] = "?", thr[16] = "?";
	unsigned long long secs;

	(void)m;
	if (sscanf(body, "%63s %llu %31s %15s %15s", addr, &secs, cause, score, thr) < 3 ||
	    impose(addr, secs, cause, from, score, thr, 0) < 0)
		log_debug("fleet: ban \"%s\" from node %s is not one this node understands", body,
			  from);
}

void mban_fleet_unban(struct mainctx *m, const char *from, const char *body)
{
	char who[96];

	(void)m;
	snprintf(who, sizeof(who), "fleet node %s", from);
	if (mban_clear(strcmp(body, "*") ? body : NULL, who) < 0)
		log_debug("fleet: unban \"%s\" from node %s names no address", body, from);
}

/* ---- the fleet's ban keys, read (reconcile) or deleted (clear ip ban)
 * with SCAN: bounded batches, never KEYS. */
struct ban_scan {
	int del;
};

static void scan_step(struct mainctx *m, struct ban_scan *sc, const char *cursor);

static void loaded_cb(struct mainctx *m, struct redisReply *r, void *arg)
{
	char *key = arg, until[24], cause[32], node[64];
	long long left;

	(void)m;
	if (r && r->type == REDIS_REPLY_STRING &&
	    sscanf(r->str, "%23s %31s %63s", until, cause, node) == 3 &&
	    (left = strtoll(until, NULL, 10) - (long long)time(NULL)) > 0 &&
	    strcmp(node, fleet_node(m)))
		impose(key + strlen(FLEET_PREFIX "ban:"), (uint64_t)left, cause, node, "?", "?", 1);
	free(key);
}

static void scanned_cb(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct ban_scan *sc = arg;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
		free(sc);  /* link lost: the next reconcile reads again */
		return;
	}
	for (size_t i = 0; i < r->element[1]->elements; i++) {
		const redisReply *k = r->element[1]->element[i];
		char *key;

		if (k->type != REDIS_REPLY_STRING)
			continue;
		if (sc->del)
			fleet_cmd(m, NULL, NULL, "DEL %s", k->str);
		else if ((key = strdup(k->str)) && fleet_cmd(m, loaded_cb, key, "GET %s", key) < 0)
			free(key);
	}
	if (strcmp(r->element[0]->str, "0"))
		scan_step(m, sc, r->element[0]->str);
	else
		free(sc);
}

static void scan_step(struct mainctx *m, struct ban_scan *sc, const char *cursor)
{
	if (fleet_cmd(m, scanned_cb, sc, "SCAN %s MATCH " FLEET_PREFIX "ban:* COUNT 500",
		      cursor) < 0)
		free(sc);
}

static void scan_start(struct mainctx *m, int del)
{
	struct ban_scan *sc = calloc(1, sizeof(*sc));

	if (sc) {
		sc->del = del;
		scan_step(m, sc, "0");
	}
}

static void push_cb(const struct ban_entry *e, void *arg)
{
	struct mainctx *m = arg;

	share(m, e, e->until - now_s());
}

void mban_fleet_reconcile(struct mainctx *m)
{
	if (!table)
		return;
	/* what was decided here while Redis was away, then everybody's */
	ban_foreach(table, now_s(), push_cb, m);
	scan_start(m, 0);
}

void mban_fleet_cleared(struct mainctx *m, const char *peer)
{
	char addr[BAN_ADDR_MAX];

	if (!fleet_up(m) || (peer && canonical(peer, addr) < 0))
		return;
	if (peer)
		fleet_cmd(m, NULL, NULL, "DEL " FLEET_PREFIX "ban:%s", addr);
	else
		scan_start(m, 1);
	fleet_publish(m, NULL, "unban", peer ? addr : "*");
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
	share(m, &e, p.duration);
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
