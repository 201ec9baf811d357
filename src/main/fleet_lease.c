/* The addresses of a fleet (S16): pool slices, claims on Redis, sessions
 * that move between nodes.  The pure part (slices, slots held elsewhere) is
 * src/policy/pool.c; this file is the Redis side and the hooks of a
 * session's lease life.  fleet_lease.h says what each key holds.
 *
 * Nothing here waits on Redis: a lease is taken locally (from this node's
 * slice) and its claim follows asynchronously; while Redis is away nothing
 * is written and the reconcile of the next up writes everything again. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "fleet.h"
#include "fleet_lease.h"
#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/util.h"

enum {
	KEY_MAX = 512,
	VAL_MAX = 64 + 1 + 2 * SESSION_COOKIE_HASH_LEN + 1 + 256 + 1,
	SCAN_COUNT = 1000,   /* keys per SCAN page of the reconcile */
	HELD_BATCH = 4096,   /* held-elsewhere slots checked per pool per refresh */
};

/* Claim: set the lease unless another node's claim is there; 1, or that
 * claim (the caller logs the conflict; the claim of the node that took
 * the address last, the adopter, is never overwritten). */
static const char claim_lua[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v and string.sub(v, 1, #ARGV[2]) ~= ARGV[2] then return v end "
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) return 1";
/* Compare-and-delete: only this node's claim for this session goes. */
static const char drop_lua[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('DEL', KEYS[1]) end return 0";

static struct {
	int cut_read;             /* the fleet group was read (first pool cut) */
	unsigned slice, slices;   /* 0 slices: the pools are not cut */
	ev_timer refresh;
	int refresh_on;
	size_t rewritten, held_found; /* of the running reconcile, for 100880 */
	uint64_t up_ms;           /* when the link last came up */
} L;

/* ---- names */

static struct pool *pool4_by_name(struct mainctx *m, const char *name)
{
	for (size_t j = 0; m->pools && j < m->cfg->n_pools; j++)
		if (m->pools[j] && !strcmp(pool_name(m->pools[j]), name))
			return m->pools[j];
	return NULL;
}

static const char *fmt4(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { htonl(a) };

	return inet_ntop(AF_INET, &in, buf, (socklen_t)len);
}

static void lease_key(char *key, size_t len, const char *pool, uint32_t addr)
{
	char a[INET_ADDRSTRLEN];

	snprintf(key, len, FLEET_PREFIX "lease:%s:%s", pool, fmt4(addr, a, sizeof(a)));
}

static void lease_value(struct mainctx *m, const struct session *s, char *val, size_t len)
{
	char hex[2 * SESSION_COOKIE_HASH_LEN + 1];

	util_hex(hex, s->cookie_hash, SESSION_COOKIE_HASH_LEN, 0);
	snprintf(val, len, "%s %s %s", fleet_node(m), hex, s->user);
}

/* "sslvpnd:lease:<pool>:<addr>" -> the local pool and slot; -1 when the
 * pool is not one of ours or the address not in it. */
static int key_slot(struct mainctx *m, const char *key, struct pool **p, size_t *idx,
		    char *pool_out, size_t pool_len)
{
	static const char pfx[] = FLEET_PREFIX "lease:";
	char pool[KEY_MAX];
	const char *colon;

	if (strncmp(key, pfx, sizeof(pfx) - 1))
		return -1;
	key += sizeof(pfx) - 1;
	colon = strrchr(key, ':');
	if (!colon || (size_t)(colon - key) >= sizeof(pool))
		return -1;
	memcpy(pool, key, (size_t)(colon - key));
	pool[colon - key] = '\0';
	*p = pool4_by_name(m, pool);
	if (pool_out)
		util_strlcpy(pool_out, pool, pool_len);
	return *p && pool_family(*p) == 4 && pool_addr_parse(*p, colon + 1, idx) == 0 ? 0 : -1;
}

/* The node a claim names ("<node> <hash> <user>"). */
static void claim_node(const char *val, char *node, size_t len)
{
	size_t n = strcspn(val, " ");

	if (n >= len)
		n = len - 1;
	memcpy(node, val, n);
	node[n] = '\0';
}

/* ---- cutting the pools */

void fleet_lease_cut(struct mainctx *m, struct pool *p)
{
	const struct cfg_fleet *f = &m->cfg->fleet;

	if (!L.cut_read) {  /* the fleet group is read at start only */
		L.cut_read = 1;
		L.slices = f->redis[0] ? (unsigned)f->slices : 0;
		L.slice = (unsigned)f->slice;
	}
	if (L.slices > 1 && pool_set_slice(p, L.slice, L.slices) < 0)
		log_warnx("ip local pool %s: cannot cut into slice %u of %u", pool_name(p),
			  L.slice, L.slices);
}

/* ---- claims */

/* The local session other than self holding addr in p (a walk: rare). */
static struct session *holder_of(struct mainctx *m, const struct pool *p, uint32_t addr,
				 const struct session *self)
{
	for (struct session *s = m->sessions; s; s = s->next)
		if (s != self && s->pool == p && s->addr == addr)
			return s;
	return NULL;
}

/* Another node claims slot idx of p in Redis.  Its claim wins (it took
 * the address last: a session that moved there, or one leased while this
 * node could not see the claim): a local holder ends, so no address is
 * routed from two nodes for longer than one claim round trip, and the
 * slot is held elsewhere until that claim is gone. */
static void other_claim(struct mainctx *m, struct pool *p, size_t idx, const char *node)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in;
	struct session *s;

	if (pool_is_elsewhere(p, idx))
		return;
	pool_addr_format(p, idx, a, sizeof(a));
	if (pool_is_leased(p, idx)) {
		inet_pton(AF_INET, a, &in);
		s = holder_of(m, p, ntohl(in.s_addr), NULL);
		pool_hold_elsewhere(p, idx);
		log_event(LM_FLEET_LEASE_CONFLICT, a, pool_name(p), node, s ? s->user : "-");
		if (s)
			sessions_end(m, s, IPC_KICK_ADMIN, "Address in use on another node");
		return;
	}
	if (!pool_in_slice(p, idx))
		return;  /* another slice's: its node's business */
	pool_hold_elsewhere(p, idx);
	L.held_found++;
	log_event(LM_FLEET_LEASE_HELD, a, pool_name(p), node);
}

/* A claim as Redis holds it: the answer of a claim (another node's, which
 * it kept) or of the reconcile's GET (anyone's). */
static void claim_seen(struct mainctx *m, struct redisReply *r, void *arg)
{
	char *key = arg, node[64];
	struct pool *p;
	size_t idx;

	if (r && r->type == REDIS_REPLY_STRING && key_slot(m, key, &p, &idx, NULL, 0) == 0) {
		claim_node(r->str, node, sizeof(node));
		if (strcmp(node, fleet_node(m)))
			other_claim(m, p, idx, node);
		else if (!pool_is_leased(p, idx))  /* ours, its session gone */
			fleet_cmd(m, NULL, NULL, "EVAL %s 1 %s %s", drop_lua, key, r->str);
	}
	free(key);
}

void fleet_lease_claim(struct mainctx *m, const struct session *s)
{
	char key[KEY_MAX], val[VAL_MAX], prefix[80], ttl[16], *arg;

	if (!s->pool || !s->addr || !fleet_up(m))
		return;
	lease_key(key, sizeof(key), pool_name(s->pool), s->addr);
	lease_value(m, s, val, sizeof(val));
	snprintf(prefix, sizeof(prefix), "%s ", fleet_node(m));
	snprintf(ttl, sizeof(ttl), "%d", m->cfg->fleet.lease_ttl * 1000);
	arg = strdup(key);
	if (!arg)
		return;
	if (fleet_cmd(m, claim_seen, arg, "EVAL %s 1 %s %s %s %s", claim_lua, key, val,
		      prefix, ttl) < 0)
		free(arg);
}

void fleet_lease_drop(struct mainctx *m, const struct session *s)
{
	char key[KEY_MAX], val[VAL_MAX], a[INET_ADDRSTRLEN];
	int window = m->cfg->general.address_reuse_window;

	if (!s->pool || !s->addr || !fleet_up(m))
		return;
	lease_key(key, sizeof(key), pool_name(s->pool), s->addr);
	lease_value(m, s, val, sizeof(val));
	fleet_cmd(m, NULL, NULL, "EVAL %s 1 %s %s", drop_lua, key, val);
	snprintf(key, sizeof(key), FLEET_PREFIX "user-addr:%s:%s", pool_name(s->pool), s->user);
	fmt4(s->addr, a, sizeof(a));
	if (window > 0)
		fleet_cmd(m, NULL, NULL, "SET %s %s EX %d", key, a, window);
	else  /* 0: remembered as long as nobody else takes it */
		fleet_cmd(m, NULL, NULL, "SET %s %s", key, a);
}

/* ---- held elsewhere: back when the other node's claim is gone */

static void held_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	char *key = arg, a[INET_ADDRSTRLEN], pool[KEY_MAX];
	struct pool *p;
	size_t idx;

	/* NULL: the link went: unknown, the slot stays held.  A claim missing
	 * within lease-ttl of an up may be one Redis lost (restarted empty)
	 * that its node has not written again yet (nodes come back within
	 * the 10 s back-off, lease-ttl is 10 s or more): only later does a
	 * missing claim mean released or expired. */
	if (r && r->type == REDIS_REPLY_NIL &&
	    util_now_ms() - L.up_ms >= (uint64_t)m->cfg->fleet.lease_ttl * 1000 &&
	    key_slot(m, key, &p, &idx, pool, sizeof(pool)) == 0 && pool_unhold(p, idx) == 0) {
		pool_addr_format(p, idx, a, sizeof(a));
		log_event(LM_FLEET_LEASE_BACK, a, pool);
	}
	free(key);
}

static void check_held(struct mainctx *m, struct pool *p)
{
	size_t idx[HELD_BATCH], n = pool_elsewhere_list(p, idx, HELD_BATCH);
	char key[KEY_MAX], a[INET_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		char *arg;

		pool_addr_format(p, idx[i], a, sizeof(a));
		snprintf(key, sizeof(key), FLEET_PREFIX "lease:%s:%s", pool_name(p), a);
		arg = strdup(key);
		if (arg && fleet_cmd(m, held_answered, arg, "GET %s", key) < 0)
			free(arg);
	}
}

/* Every local claim again (its TTL restarts) and every held slot checked:
 * one pipelined burst, answers handled as they come. */
static size_t refresh_all(struct mainctx *m)
{
	size_t n = 0;

	if (!fleet_up(m))
		return 0;
	for (struct session *s = m->sessions; s; s = s->next)
		if (s->pool && s->addr) {
			fleet_lease_claim(m, s);
			n++;
		}
	for (size_t j = 0; m->pools && j < m->cfg->n_pools; j++)
		if (m->pools[j] && pool_elsewhere(m->pools[j]))
			check_held(m, m->pools[j]);
	return n;
}

static void refresh_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	refresh_all(w->data);
}

/* ---- reconcile: the claims of other nodes in this node's slice */

static void scan_page(struct mainctx *m, const char *cursor);

static void reconcile_done(struct mainctx *m, struct redisReply *r, void *arg)
{
	char w[24], h[24];

	(void)arg;
	if (!r)
		return;
	snprintf(w, sizeof(w), "%zu", L.rewritten);
	snprintf(h, sizeof(h), "%zu", L.held_found);
	log_event(LM_FLEET_LEASE_RECONCILED, w, h);
}

static void scan_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct redisReply *keys;

	(void)arg;
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		return;  /* the link went: the next up reconciles again */
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		char *key;

		if (keys->element[i]->type != REDIS_REPLY_STRING)
			continue;
		key = strdup(keys->element[i]->str);
		if (key && fleet_cmd(m, claim_seen, key, "GET %s", key) < 0)
			free(key);
	}
	if (strcmp(r->element[0]->str, "0"))
		scan_page(m, r->element[0]->str);
	else  /* answered after every GET above: the count is complete */
		fleet_cmd(m, reconcile_done, NULL, "PING");
}

static void scan_page(struct mainctx *m, const char *cursor)
{
	fleet_cmd(m, scan_answered, NULL, "SCAN %s MATCH " FLEET_PREFIX "lease:* COUNT %d",
		  cursor, SCAN_COUNT);
}

void fleet_lease_reconcile(struct mainctx *m)
{
	double every = m->cfg->fleet.lease_ttl / 3.0;

	L.up_ms = util_now_ms();
	L.held_found = 0;
	L.rewritten = refresh_all(m);
	scan_page(m, "0");
	if (!L.refresh_on) {
		ev_timer_init(&L.refresh, refresh_cb, every, every);
		L.refresh.data = m;
		ev_timer_start(m->loop, &L.refresh);
		L.refresh_on = 1;
	}
}

void fleet_lease_stop(struct mainctx *m)
{
	if (L.refresh_on)
		ev_timer_stop(m->loop, &L.refresh);
	L.refresh_on = 0;
}

/* ---- sessions that move between nodes (the interface of FS) */

static struct pool *pool_holding(struct mainctx *m, const struct session *s)
{
	if (s->pool && pool_contains(s->pool, s->addr))
		return s->pool;
	for (size_t j = 0; m->pools && j < m->cfg->n_pools; j++)
		if (m->pools[j] && pool_contains(m->pools[j], s->addr))
			return m->pools[j];
	return NULL;
}

int fleet_lease_adopt(struct mainctx *m, struct session *s, const char **why)
{
	static char buf[512];
	struct pool *p = s->addr ? pool_holding(m, s) : NULL;
	char key[KEY_MAX], val[VAL_MAX], ttl[16], a[INET_ADDRSTRLEN], tag[16];
	const struct session *holder;
	size_t idx;

	fmt4(s->addr, a, sizeof(a));
	if (!p) {
		snprintf(buf, sizeof(buf), "address %s is in no ip local pool of this node", a);
		*why = buf;
		return -1;
	}
	pool_addr_parse(p, a, &idx);
	if (pool_is_leased(p, idx)) {
		holder = holder_of(m, p, s->addr, s);
		if (!holder) {  /* s holds it already: adopted before */
			s->pool = p;
			return 0;
		}
		snprintf(buf, sizeof(buf), "address %s of ip local pool %s is held here by a "
			 "session of user %s", a, pool_name(p), holder->user);
		*why = buf;
		return -1;
	}
	if (pool_take(p, s->addr, s->user) < 0) {
		snprintf(buf, sizeof(buf), "address %s of ip local pool %s cannot be taken", a,
			 pool_name(p));
		*why = buf;
		return -1;
	}
	s->pool = p;
	leases_dirty();
	snprintf(tag, sizeof(tag), "%x", s->id);
	log_event(LM_FLEET_LEASE_ADOPTED, tag, s->user, a, pool_name(p));
	if (!fleet_up(m))
		return 0;  /* the reconcile of the next up claims it */
	/* the adopter's claim replaces the home node's: it moved last */
	lease_key(key, sizeof(key), pool_name(p), s->addr);
	lease_value(m, s, val, sizeof(val));
	snprintf(ttl, sizeof(ttl), "%d", m->cfg->fleet.lease_ttl * 1000);
	fleet_cmd(m, NULL, NULL, "SET %s %s PX %s", key, val, ttl);
	return 0;
}

void fleet_lease_moved_away(struct mainctx *m, struct session *s)
{
	char tag[16], a[INET_ADDRSTRLEN];
	size_t idx;

	sessions_lease_unroute(m, s);
	if (s->pool && s->addr) {
		snprintf(tag, sizeof(tag), "%x", s->id);
		fmt4(s->addr, a, sizeof(a));
		if (pool_addr_parse(s->pool, a, &idx) == 0)
			pool_hold_elsewhere(s->pool, idx);
		log_event(LM_FLEET_LEASE_MOVED, tag, s->user, a, pool_name(s->pool));
	}
	if (s->pool6)
		pool_release6(s->pool6, s->addr6, time(NULL));
	if (s->pool || s->pool6)
		leases_dirty();
	s->addr = 0;
	s->pool = NULL;
	s->pool6 = NULL;
}

/* ---- the address a user held last, fleet-wide */

struct sticky {
	fleet_sticky_fn *cb;
	void *arg;
	uint32_t addr;
	char pool[CFG_NAME_MAX];
};

static void sticky_end(struct mainctx *m, struct sticky *st, uint32_t addr)
{
	st->cb(m, addr, st->arg);
	free(st);
}

static void sticky_node(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct sticky *st = arg;

	/* 0: no node record, the holder is dead; NULL: unknown, no address */
	sticky_end(m, st, r && r->type == REDIS_REPLY_INTEGER && r->integer == 0 ? st->addr : 0);
}

static void sticky_lease(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct sticky *st = arg;
	char node[64];

	if (!r || (r->type != REDIS_REPLY_NIL && r->type != REDIS_REPLY_STRING)) {
		sticky_end(m, st, 0);
		return;
	}
	if (r->type == REDIS_REPLY_NIL) {
		sticky_end(m, st, st->addr);
		return;
	}
	claim_node(r->str, node, sizeof(node));
	if (!strcmp(node, fleet_node(m)) ||
	    fleet_cmd(m, sticky_node, st, "EXISTS " FLEET_PREFIX "node:%s", node) < 0)
		sticky_end(m, st, 0);
}

static void sticky_addr(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct sticky *st = arg;
	struct in_addr in;
	char key[KEY_MAX];

	if (!r || r->type != REDIS_REPLY_STRING || inet_pton(AF_INET, r->str, &in) != 1) {
		sticky_end(m, st, 0);
		return;
	}
	st->addr = ntohl(in.s_addr);
	lease_key(key, sizeof(key), st->pool, st->addr);
	if (fleet_cmd(m, sticky_lease, st, "GET %s", key) < 0)
		sticky_end(m, st, 0);
}

void fleet_lease_sticky(struct mainctx *m, const char *pool, const char *user,
			fleet_sticky_fn *cb, void *arg)
{
	struct sticky *st = fleet_up(m) ? calloc(1, sizeof(*st)) : NULL;

	if (!st) {
		cb(m, 0, arg);
		return;
	}
	st->cb = cb;
	st->arg = arg;
	util_strlcpy(st->pool, pool, sizeof(st->pool));
	if (fleet_cmd(m, sticky_addr, st, "GET " FLEET_PREFIX "user-addr:%s:%s", pool,
		      user) < 0)
		sticky_end(m, st, 0);
}
