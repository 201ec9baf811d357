/* The fleet's link to Redis (S16): two hiredis connections on main's libev
 * loop, a heartbeat that writes this node's record, reconnection with a
 * back-off, and a table of the messages other nodes may publish to this one.
 * What is shared (sessions, address claims, bans) lives in the files that
 * own it; they talk to Redis through fleet_cmd() and hear from other nodes
 * through the verbs table below. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libev.h>

#include "fleet.h"
#include "fleet_lease.h"
#include "fleet_nodes.h"
#include "fleet_sess.h"
#include "fleet_view.h"
#include "main.h"
#include "mban.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { LINK_CMD, LINK_SUB, LINK_COUNT };
enum { BACKOFF_MIN_S = 1, BACKOFF_MAX_S = 10, HB_MISSED_MAX = 2 };

struct fleet_link {
	redisAsyncContext *ac;
	int up;
};

struct fleet {
	struct mainctx *m;
	struct fleet_link link[LINK_COUNT];
	char host[CFG_URL_MAX];
	uint16_t port;
	char node[64];
	char chan_node[128], chan_all[64];
	ev_timer retry;          /* next connection attempt */
	ev_timer beat;           /* heartbeat (and the hung-link check) */
	int backoff_s;
	int beats_unanswered;    /* heartbeats sent without an answer */
	int ever_up;
	uint64_t down_ms;        /* when the link last went down (0: never up) */
	time_t started;
};

/* ---- what other nodes may say to this one.  One row per verb: the owner
 * of the state adds it (fleet_sess.c: kick, fleet_view.c: logoff, ...). */
static const struct {
	const char *verb;
	fleet_msg_fn *fn;
} verbs[] = {
	{ "kick", fleet_sess_on_kick },
	{ "logoff", fleet_view_logoff_msg },
	{ "ban", mban_fleet_ban },
	{ "unban", mban_fleet_unban },
	{ NULL, NULL },
};

/* ---- what runs each time the link comes (back) up: reconcile. */
static void node_record(struct mainctx *m);
static void (*const on_up[])(struct mainctx *m) = {
	node_record,
	/* sessions first: one that moved while this node was away leaves
	 * as moved (its address held elsewhere) before the claims meet */
	fleet_sess_reconcile,
	fleet_lease_reconcile,
	mban_fleet_reconcile,
};

static struct fleet *F(const struct mainctx *m)
{
	return m->fleet;
}

int fleet_enabled(const struct mainctx *m)
{
	return F(m) != NULL;
}

int fleet_up(const struct mainctx *m)
{
	const struct fleet *f = F(m);

	return f && f->link[LINK_CMD].up && f->link[LINK_SUB].up;
}

const char *fleet_node(const struct mainctx *m)
{
	return F(m) ? F(m)->node : "";
}

void fleet_status(const struct mainctx *m, char *buf, size_t len)
{
	const struct fleet *f = F(m);

	if (!f)
		snprintf(buf, len, "off (fleet.redis not set)");
	else if (fleet_up(m))
		snprintf(buf, len, "node %s, Redis %s:%u up", f->node, f->host, f->port);
	else
		snprintf(buf, len, "node %s, Redis %s:%u down for %llu s", f->node, f->host, f->port,
			 (unsigned long long)((util_now_ms() - f->down_ms) / 1000));
}

/* ---- commands */
static void reply_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct fleet *f = ac->data;
	redisReply *rep = r;
	struct { fleet_reply_fn *fn; void *arg; } *c = priv;

	if (rep && rep->type == REDIS_REPLY_ERROR)
		log_debug("fleet: Redis answered an error: %s", rep->str);
	if (c) {
		c->fn(f->m, rep, c->arg);
		free(c);
	}
}

static void *call_new(fleet_reply_fn *fn, void *arg)
{
	struct { fleet_reply_fn *fn; void *arg; } *c;

	if (!fn)
		return NULL;
	c = malloc(sizeof(*c));
	if (c) {
		c->fn = fn;
		c->arg = arg;
	}
	return c;
}

int fleet_cmd(struct mainctx *m, fleet_reply_fn *fn, void *arg, const char *fmt, ...)
{
	struct fleet *f = F(m);
	va_list ap;

	if (!fleet_up(m))
		return -1;
	void *c = call_new(fn, arg);

	if (fn && !c)
		return -1;
	va_start(ap, fmt);
	int rc = redisvAsyncCommand(f->link[LINK_CMD].ac, c ? reply_cb : NULL, c, fmt, ap);

	va_end(ap);
	if (rc != REDIS_OK) {
		free(c);
		return -1;
	}
	return 0;
}

int fleet_cmdargv(struct mainctx *m, fleet_reply_fn *fn, void *arg, int argc,
		  const char **argv, const size_t *lens)
{
	struct fleet *f = F(m);

	if (!fleet_up(m))
		return -1;
	void *c = call_new(fn, arg);

	if (fn && !c)
		return -1;
	if (redisAsyncCommandArgv(f->link[LINK_CMD].ac, c ? reply_cb : NULL, c, argc, argv,
				  lens) != REDIS_OK) {
		free(c);
		return -1;
	}
	return 0;
}

int fleet_publish(struct mainctx *m, const char *node, const char *verb, const char *body)
{
	struct fleet *f = F(m);
	char chan[128], payload[1024];

	if (!f)
		return -1;
	if (node)
		snprintf(chan, sizeof(chan), FLEET_PREFIX "node:%s", node);
	else
		util_strlcpy(chan, f->chan_all, sizeof(chan));
	/* one argument: hiredis makes each %s its own, and PUBLISH takes
	 * exactly a channel and a message */
	if ((size_t)snprintf(payload, sizeof(payload), "%s %s %s", verb, f->node,
			     body ? body : "") >= sizeof(payload))
		return -1;
	return fleet_cmd(m, NULL, NULL, "PUBLISH %s %s", chan, payload);
}

/* ---- messages: "VERB FROM BODY" on this node's channel or the fleet's */
static void dispatch(struct fleet *f, const char *payload)
{
	char verb[32], from[64];
	int used = 0;

	if (sscanf(payload, "%31s %63s%n", verb, from, &used) != 2)
		return;
	if (!strcmp(from, f->node))  /* our own broadcast */
		return;
	const char *body = payload + used + (payload[used] == ' ');

	for (size_t i = 0; verbs[i].verb; i++)
		if (!strcmp(verbs[i].verb, verb)) {
			verbs[i].fn(f->m, from, body);
			return;
		}
	log_debug("fleet: message \"%s\" from node %s is not one this node knows",
		   verb, from);
}

static void sub_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct fleet *f = ac->data;
	redisReply *rep = r;

	(void)priv;
	if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (!strcmp(rep->element[0]->str, "message") && rep->element[2]->type == REDIS_REPLY_STRING)
		dispatch(f, rep->element[2]->str);
}

/* ---- the node record: who is in the fleet, where phones reach it
 * (written and read by fleet_nodes.c, which owns its format) */
static void node_record(struct mainctx *m)
{
	fleet_node_write(m, (long long)F(m)->started);
}

/* ---- connection life */
static void link_open(struct fleet *f, int which);

static void schedule_retry(struct fleet *f, const char *why)
{
	char next[16];

	if (ev_is_active(&f->retry))
		return;
	snprintf(next, sizeof(next), "%d", f->backoff_s);
	log_event_rl(LM_FLEET_UNREACHABLE, f->m->cfg->fleet.redis, why, next);
	ev_timer_set(&f->retry, f->backoff_s, 0);
	ev_timer_start(f->m->loop, &f->retry);
	f->backoff_s = f->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : f->backoff_s * 2;
}

/* close: a link's context freed without its callbacks (not from inside
 * one of its own callbacks: hiredis frees that one itself).  Pending
 * replies get NULL: their callers treat that as "unknown". */
static void link_close(struct fleet *f, int i)
{
	redisAsyncContext *ac = f->link[i].ac;

	f->link[i].ac = NULL;
	f->link[i].up = 0;
	if (ac) {
		ac->onConnect = NULL;
		ac->onDisconnect = NULL;
		redisAsyncFree(ac);
	}
}

static void went_down(struct fleet *f, int was_up, const char *why)
{
	if (was_up) {
		f->down_ms = util_now_ms();
		log_event(LM_FLEET_DOWN, f->node, f->m->cfg->fleet.redis, why);
	}
	if (!f->m->stopping)
		schedule_retry(f, why);
}

/* Either link lost takes the other down too: the node is "up" only with
 * both, and a fresh pair makes the reconcile run once. */
static void link_lost(struct fleet *f, int which, const char *why)
{
	int was_up = fleet_up(f->m);

	f->link[which].ac = NULL;  /* hiredis frees it after our callback */
	f->link[which].up = 0;
	for (int i = 0; i < LINK_COUNT; i++)
		if (i != which)
			link_close(f, i);
	went_down(f, was_up, why);
}

static void both_up(struct fleet *f)
{
	char how[64];

	f->backoff_s = BACKOFF_MIN_S;
	f->beats_unanswered = 0;
	if (!f->ever_up)
		snprintf(how, sizeof(how), "first connection");
	else
		snprintf(how, sizeof(how), "after %llu s without it",
			 (unsigned long long)((util_now_ms() - f->down_ms) / 1000));
	f->ever_up = 1;
	log_event(LM_FLEET_UP, f->node, f->m->cfg->fleet.redis, how);
	for (size_t i = 0; i < sizeof(on_up) / sizeof(on_up[0]); i++)
		on_up[i](f->m);
}

static void connect_cb(const redisAsyncContext *ac, int status)
{
	struct fleet *f = ac->data;
	int which = ac == f->link[LINK_CMD].ac ? LINK_CMD : LINK_SUB;

	if (status != REDIS_OK) {  /* hiredis frees ac after this */
		link_lost(f, which, ac->errstr[0] ? ac->errstr : "connection failed");
		return;
	}
	f->link[which].up = 1;
	if (which == LINK_SUB)
		redisAsyncCommand(f->link[LINK_SUB].ac, sub_cb, NULL, "SUBSCRIBE %s %s",
				  f->chan_node, f->chan_all);
	if (fleet_up(f->m))
		both_up(f);
}

static void disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct fleet *f = ac->data;
	int which = ac == f->link[LINK_CMD].ac ? LINK_CMD : LINK_SUB;

	link_lost(f, which, status == REDIS_OK ? "closed" :
		  ac->errstr[0] ? ac->errstr : "connection lost");
}

static void link_open(struct fleet *f, int which)
{
	redisAsyncContext *ac = redisAsyncConnect(f->host, f->port);

	if (!ac) {
		schedule_retry(f, "out of memory");
		return;
	}
	if (ac->err) {
		char why[128];

		util_strlcpy(why, ac->errstr, sizeof(why));
		redisAsyncFree(ac);
		schedule_retry(f, why);
		return;
	}
	ac->data = f;
	f->link[which].ac = ac;
	f->link[which].up = 0;
	redisLibevAttach(f->m->loop, ac);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fleet *f = w->data;

	(void)loop;
	(void)revents;
	f->beats_unanswered = 0;
	for (int i = 0; i < LINK_COUNT; i++)
		if (!f->link[i].ac)
			link_open(f, i);
}

/* ---- heartbeat: the node record, and a link that answers nothing (a
 * Redis stopped with SIGSTOP, a path that drops packets) is closed after
 * HB_MISSED_MAX beats so the node stops waiting on it. */
static void beat_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	(void)arg;
	if (r && m->fleet)
		m->fleet->beats_unanswered = 0;
}

static void drop_hung(struct fleet *f)
{
	int was_up = fleet_up(f->m);

	link_close(f, LINK_SUB);
	link_close(f, LINK_CMD);
	went_down(f, was_up, "no answer within two heartbeats");
}

static void beat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fleet *f = w->data;

	(void)loop;
	(void)revents;
	if (!fleet_up(f->m)) {
		/* a connect that never completes (SYN unanswered) counts too */
		if ((f->link[LINK_CMD].ac || f->link[LINK_SUB].ac) &&
		    ++f->beats_unanswered > HB_MISSED_MAX)
			drop_hung(f);
		return;
	}
	if (f->beats_unanswered++ >= HB_MISSED_MAX) {
		drop_hung(f);
		return;
	}
	node_record(f->m);
	fleet_cmd(f->m, beat_answered, NULL, "PING");
}

int fleet_start(struct mainctx *m)
{
	const struct cfg_fleet *c = &m->cfg->fleet;
	struct fleet *f;

	if (!c->redis[0])
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (util_hostport(c->redis, f->host, sizeof(f->host), &f->port) < 0) {
		free(f);  /* the configuration check refuses this already */
		return -1;
	}
	f->m = m;
	if (c->node[0])
		util_strlcpy(f->node, c->node, sizeof(f->node));
	else if (gethostname(f->node, sizeof(f->node) - 1) < 0)
		util_strlcpy(f->node, "node", sizeof(f->node));
	snprintf(f->chan_node, sizeof(f->chan_node), FLEET_PREFIX "node:%s", f->node);
	snprintf(f->chan_all, sizeof(f->chan_all), FLEET_PREFIX "all");
	f->backoff_s = BACKOFF_MIN_S;
	f->started = time(NULL);
	f->down_ms = util_now_ms();
	ev_timer_init(&f->retry, retry_cb, 0, 0);
	f->retry.data = f;
	ev_timer_init(&f->beat, beat_cb, c->heartbeat, c->heartbeat);
	f->beat.data = f;
	ev_timer_start(m->loop, &f->beat);
	m->fleet = f;
	retry_cb(m->loop, &f->retry, 0);
	return 0;
}

void fleet_stop(struct mainctx *m)
{
	struct fleet *f = F(m);

	if (!f)
		return;
	ev_timer_stop(m->loop, &f->retry);
	ev_timer_stop(m->loop, &f->beat);
	for (int i = 0; i < LINK_COUNT; i++)
		link_close(f, i);
	m->fleet = NULL;
	free(f);
}
