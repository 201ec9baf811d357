/* The fleet's session registry (S16): every node writes its sessions to
 * Redis, so that a client whose cookie comes to another node (DNS, a VIP
 * that moved, openconnect's server list, a phone's url2) continues its
 * session there: same address, no new login, and the first node's tunnel
 * ends.
 *
 * Ownership is the record's `node` field.  Every write goes through a Lua
 * script that compares it first: a node writes a record only while it owns
 * it, deletes it only while it owns it, and takes it over only from the
 * owner it read (compare-and-set: of two nodes racing for one cookie, one
 * wins and the other refuses).  Nothing here blocks main: each step is an
 * asynchronous command whose answer continues the work; a link that goes
 * away answers NULL, which is "unknown", never "absent".  While the fleet
 * is down every write is skipped and the reconcile on its return writes the
 * table again. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "fleet.h"
#include "fleet_lease.h"
#include "fleet_sess.h"
#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/sessfile.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

/* TTLs are refreshed this often; a record lives cookie-timeout beyond
 * two refreshes, so a dead node's records go when its cookies would have. */
enum { FLEET_SESS_REFRESH_S = 30, CLAIMS_MAX = 256, HEX_LEN = 2 * SESSION_COOKIE_HASH_LEN };

/* KEYS: record, owner's set.  ARGV: node, hash hex, TTL, set TTL, create
 * (1: a missing record is written; 0: only an existing one of ours), then
 * field/value pairs.  Returns 1 written, 0 missing (not written), or the
 * name of the node that owns it now. */
static const char PUT_LUA[] =
	"local n = redis.call('HGET', KEYS[1], 'node')\n"
	"if n and n ~= ARGV[1] then return n end\n"
	"if not n and ARGV[5] ~= '1' then return 0 end\n"
	"redis.call('HMSET', KEYS[1], 'node', ARGV[1], unpack(ARGV, 6))\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
	"redis.call('SADD', KEYS[2], ARGV[2])\n"
	"redis.call('EXPIRE', KEYS[2], ARGV[4])\n"
	"return 1\n";
/* KEYS: record, owner's set.  ARGV: node, hash hex. */
static const char GONE_LUA[] =
	"redis.call('SREM', KEYS[2], ARGV[2])\n"
	"if redis.call('HGET', KEYS[1], 'node') == ARGV[1] then\n"
	"  return redis.call('DEL', KEYS[1])\n"
	"end\n"
	"return 0\n";
/* KEYS: record, old owner's set, new owner's set.  ARGV: old, new, hash
 * hex, now (epoch ms).  1 taken, 0 the owner is no longer old. */
static const char CLAIM_LUA[] =
	"if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end\n"
	"redis.call('HMSET', KEYS[1], 'node', ARGV[2], 'moved', ARGV[4])\n"
	"redis.call('SREM', KEYS[2], ARGV[3])\n"
	"redis.call('SADD', KEYS[3], ARGV[3])\n"
	"return 1\n";

static uint64_t last_refresh_ms;
static unsigned n_claims;

/* The registry's `moved`: wall clock, for other nodes and the operator. */
static unsigned long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void hash_hex(const uint8_t h[SESSION_COOKIE_HASH_LEN], char hex[HEX_LEN + 1])
{
	util_hex(hex, h, SESSION_COOKIE_HASH_LEN, 0);
}

static void sess_key(const char *hex, char *key, size_t len)
{
	snprintf(key, len, FLEET_PREFIX "sess:%s", hex);
}

static void node_key(const char *node, char *key, size_t len)
{
	snprintf(key, len, FLEET_PREFIX "node-sess:%s", node);
}

/* A record outlives its node's last refresh by cookie-timeout (the tunnel
 * died with the node at the latest), never its vpn-session-timeout. */
static long set_ttl(const struct mainctx *m)
{
	return (long)m->cfg->general.cookie_timeout + 2 * FLEET_SESS_REFRESH_S;
}

static long rec_ttl(const struct mainctx *m, const struct session *s)
{
	long ttl = set_ttl(m);

	if (s->timeout_set && s->session_timeout) {
		uint64_t age = (util_now_ms() - s->created_ms) / 1000;
		long left = age < s->session_timeout ? (long)(s->session_timeout - age) : 1;

		if (left < ttl)
			ttl = left;
	}
	return ttl;
}

static const char *fmt_addr(const struct session *s, char *buf, size_t len)
{
	return s->pool ? sessions_fmt4(s->addr, buf, len) : "";
}

/* ---- a session that another node took over */

static void moved_away(struct mainctx *m, struct session *s, const char *to, const char *how)
{
	char id[16], addr[48];

	snprintf(id, sizeof(id), "%u", s->id);
	log_event(LM_FLEET_SESS_MOVED_OUT, id, s->user, fmt_addr(s, addr, sizeof(addr)), to, how);
	sessions_moved_away(m, s, "Moved to another node");
}

/* What a put's answer refers to: the session may have ended meanwhile. */
struct sess_ref {
	uint32_t id;
	uint8_t hash[SESSION_COOKIE_HASH_LEN];
};

static struct sess_ref *ref_new(const struct session *s)
{
	struct sess_ref *r = malloc(sizeof(*r));

	if (r) {
		r->id = s->id;
		memcpy(r->hash, s->cookie_hash, sizeof(r->hash));
	}
	return r;
}

static struct session *ref_find(struct mainctx *m, const struct sess_ref *r)
{
	struct session *s = sessions_by_id(m, r->id);

	return s && !CRYPTO_memcmp(s->cookie_hash, r->hash, sizeof(r->hash)) ? s : NULL;
}

static void put_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct sess_ref *ref = arg;
	struct session *s;

	/* another node's name: it took the session while this one was not
	 * told (the kick was lost, or this node was away from the fleet) */
	if (r && r->type == REDIS_REPLY_STRING && (s = ref_find(m, ref)))
		moved_away(m, s, r->str, "found at the registry write");
	free(ref);
}

static void put(struct mainctx *m, const struct session *s, int create)
{
	struct sessfile_rec rec;
	char hex[HEX_LEN + 1], key[128], nkey[128], ttl[24], sttl[24], id[16], addr[48];
	char aaa[MACCT_LINE_MAX];
	char *text = NULL;
	size_t len = 0;

	if (!fleet_up(m))
		return;
	sessions_store_record(s, &rec);
	int rc = sessfile_encode(&rec, 1, &text, &len);

	OPENSSL_cleanse(&rec, sizeof(rec));
	if (rc < 0)
		return;  /* out of memory: the reconcile writes it again */
	hash_hex(s->cookie_hash, hex);
	sess_key(hex, key, sizeof(key));
	node_key(fleet_node(m), nkey, sizeof(nkey));
	snprintf(ttl, sizeof(ttl), "%ld", rec_ttl(m, s));
	snprintf(sttl, sizeof(sttl), "%ld", set_ttl(m));
	snprintf(id, sizeof(id), "%u", s->id);
	macct_state_line(s, aaa, sizeof(aaa));
	const char *argv[] = {
		"EVAL", PUT_LUA, "2", key, nkey, fleet_node(m), hex, ttl, sttl, create ? "1" : "0",
		"id", id, "rec", text, "user", s->user, "addr", fmt_addr(s, addr, sizeof(addr)),
		"pool", s->pool ? pool_name(s->pool) : "", "tunnel", s->state == SS_ACTIVE ? "1" : "0",
		"aaa", aaa,
	};
	size_t lens[sizeof(argv) / sizeof(argv[0])];

	for (size_t i = 0; i < sizeof(argv) / sizeof(argv[0]); i++)
		lens[i] = argv[i] == text ? len : strlen(argv[i]);
	struct sess_ref *ref = ref_new(s);

	if (ref && fleet_cmdargv(m, put_answered, ref, (int)(sizeof(argv) / sizeof(argv[0])), argv,
				 lens) < 0)
		free(ref);
	free(text);
	OPENSSL_cleanse(aaa, sizeof(aaa));
}

void fleet_sess_put(struct mainctx *m, const struct session *s)
{
	put(m, s, 1);
}

/* Once in, only a record of ours is rewritten: one that is gone was
 * deleted by the node that ended the session after it moved there. */
void fleet_sess_update(struct mainctx *m, const struct session *s)
{
	put(m, s, 0);
}

static void gone_hex(struct mainctx *m, const char *hex)
{
	char key[128], nkey[128];

	sess_key(hex, key, sizeof(key));
	node_key(fleet_node(m), nkey, sizeof(nkey));
	fleet_cmd(m, NULL, NULL, "EVAL %s 2 %s %s %s %s", GONE_LUA, key, nkey, fleet_node(m), hex);
}

void fleet_sess_gone(struct mainctx *m, const struct session *s)
{
	char hex[HEX_LEN + 1];

	if (!fleet_up(m))
		return;
	hash_hex(s->cookie_hash, hex);
	gone_hex(m, hex);
}

void fleet_sess_tick(struct mainctx *m, uint64_t now_ms)
{
	char hex[HEX_LEN + 1], key[128];

	if (!fleet_up(m) || now_ms - last_refresh_ms < FLEET_SESS_REFRESH_S * 1000)
		return;
	last_refresh_ms = now_ms;
	for (const struct session *s = m->sessions; s; s = s->next) {
		hash_hex(s->cookie_hash, hex);
		sess_key(hex, key, sizeof(key));
		fleet_cmd(m, NULL, NULL, "EXPIRE %s %ld", key, rec_ttl(m, s));
	}
	node_key(fleet_node(m), key, sizeof(key));
	fleet_cmd(m, NULL, NULL, "EXPIRE %s %ld", key, set_ttl(m));
}

/* ---- reconcile: this node's view written again after an outage */

static void members_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	uint8_t h[SESSION_COOKIE_HASH_LEN];

	(void)arg;
	if (!r || r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_STRING)
			continue;
		if (e->len != HEX_LEN || util_unhex(h, sizeof(h), e->str, e->len) < 0 ||
		    !sessions_by_cookie_hash(m, h))
			gone_hex(m, e->str);  /* ended while Redis was away */
	}
}

void fleet_sess_reconcile(struct mainctx *m)
{
	char nkey[128];

	last_refresh_ms = util_now_ms();
	/* before the puts: their SADDs must not be read back as stale */
	node_key(fleet_node(m), nkey, sizeof(nkey));
	fleet_cmd(m, members_answered, NULL, "SMEMBERS %s", nkey);
	for (struct session *s = m->sessions; s; s = s->next)
		put(m, s, 1);
}

/* ---- kick: the session moved to node from */

void fleet_sess_on_kick(struct mainctx *m, const char *from, const char *body)
{
	uint8_t h[SESSION_COOKIE_HASH_LEN];
	struct session *s;

	if (strlen(body) != HEX_LEN || util_unhex(h, sizeof(h), body, HEX_LEN) < 0) {
		log_debug("fleet: kick from node %s names no cookie hash", from);
		return;
	}
	if ((s = sessions_by_cookie_hash(m, h)))
		moved_away(m, s, from, "its cookie was presented there");
}

/* ---- claim: a cookie of another node's session presented here */

struct claim;
static struct claim *claim_new(struct worker_proc *w, const struct ipc_tunnel_req *rq);

struct claim {
	uint32_t worker_id;
	pid_t worker_pid;
	struct ipc_tunnel_req rq;     /* the cookie wiped: its hash is enough */
	uint8_t hash[SESSION_COOKIE_HASH_LEN];
	char hex[HEX_LEN + 1];
	char owner[64];               /* the node the registry named */
	char pool[CFG_NAME_MAX];      /* sticky: the pool asked */
	struct sessfile_rec rec;
	struct session *s;            /* rebuilt, not in the table yet */
};

/* The worker and connection still waiting for this answer, or NULL. */
static struct worker_proc *claim_worker(struct mainctx *m, const struct claim *c)
{
	struct worker_proc *w = c->worker_id < MAIN_MAX_WORKERS ? &m->workers[c->worker_id] : NULL;
	const struct mconn *mc;

	if (!w || w->pid != c->worker_pid || w->sock < 0)
		return NULL;
	mc = mconn_find(w, c->rq.conn_id);
	return mc && mc->state == MCONN_TAKEN ? w : NULL;
}

static void claim_free(struct claim *c)
{
	if (c->s) {
		sessions_free(c->s);
		c->s = NULL;
	}
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
	n_claims--;
}

/* Answer the waiting worker (s NULL: refused with why) and forget c. */
static void claim_done(struct mainctx *m, struct claim *c, struct session *s, const char *why,
		       int score)
{
	struct worker_proc *w = claim_worker(m, c);

	if (w)
		mauth_tunnel_answer(w, s, &c->rq, why, score);
	claim_free(c);
}

/* A session that cannot move here: 100872 names why. */
static void claim_refused(struct mainctx *m, struct claim *c, const char *why)
{
	log_event(LM_FLEET_SESS_NOT_MOVED, c->rec.user[0] ? c->rec.user : "?", c->owner,
		  c->rq.peer, why);
	claim_done(m, c, NULL, "session of another node cannot move here", 0);
}

static void claim_revert(struct mainctx *m, const struct claim *c)
{
	char key[128], okey[128], nkey[128], now[24];

	sess_key(c->hex, key, sizeof(key));
	node_key(fleet_node(m), okey, sizeof(okey));
	node_key(c->owner, nkey, sizeof(nkey));
	snprintf(now, sizeof(now), "%llu", wall_ms());
	fleet_cmd(m, NULL, NULL, "EVAL %s 3 %s %s %s %s %s %s %s", CLAIM_LUA, key, okey, nkey,
		  fleet_node(m), c->owner, c->hex, now);
}

/* The session is ours in the registry: its address here, into the table,
 * the old owner told, the tunnel opened as for a local resume. */
static void claim_adopt(struct mainctx *m, struct claim *c)
{
	char buf[256], id[16], addr[48];
	const char *why = NULL;
	struct session *s = c->s;

	if (s->pool && fleet_lease_adopt(m, s, &why) < 0) {
		claim_revert(m, c);
		snprintf(buf, sizeof(buf), "address %s: %s", c->rec.addr, why);
		claim_refused(m, c, buf);
		return;
	}
	/* IPv6 is best effort: without it the CONNECT leases a new one */
	if (c->rec.pool6[0] &&
	    sessions_lease_take6(m, s, c->rec.pool6, c->rec.addr6, buf, sizeof(buf), &why) < 0)
		log_debug("fleet: session %u moved without its IPv6 address: %s", s->id, why);
	if (sessions_insert(m, s) < 0) {
		sessions_lease_release(m, s);
		claim_revert(m, c);
		claim_refused(m, c, "out of memory");
		return;
	}
	c->s = NULL;
	snprintf(id, sizeof(id), "%u", s->id);
	log_event(LM_FLEET_SESS_MOVED_IN, id, s->user, fmt_addr(s, addr, sizeof(addr)), c->owner);
	fleet_publish(m, c->owner, "kick", c->hex);
	claim_done(m, c, s, NULL, 0);
}

static void claim_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct claim *c = arg;
	struct session *here = sessions_by_cookie_hash(m, c->hash);

	if (here) {  /* a second CONNECT with the cookie, whose claim won */
		claim_done(m, c, here, NULL, 0);
		return;
	}
	if (!r || r->type != REDIS_REPLY_INTEGER) {
		/* the takeover may have happened: this node's reconcile deletes
		 * a record of its own that its table does not hold */
		claim_refused(m, c, "the fleet's Redis did not answer the takeover");
		return;
	}
	if (r->integer != 1) {
		claim_refused(m, c, "another node took the session over first");
		return;
	}
	claim_adopt(m, c);
}

/* The record as a session of this node (not in the table yet), or why not. */
static const char *claim_rebuild(struct mainctx *m, struct claim *c, char *buf, size_t len)
{
	const char *why = NULL;
	struct session *s;
	const struct cfg_tunnel_group *tg;

	c->s = s = sessions_store_rebuild(m, &c->rec, buf, len, &why);
	if (!s)
		return why;
	if (c->rec.pool[0] &&
	    sessions_lease_locate(m, s, c->rec.pool, c->rec.addr, buf, len, &why) < 0)
		return why;
	/* ids are per node: the moved session takes one of this node's */
	s->id = ++m->next_session_id;
	snprintf(s->cookie_tag, sizeof(s->cookie_tag), "%08x", s->id);
	tg = config_tunnel_group(s->snap->cfg, s->tunnel_group);
	if (tg)  /* accounting as the login set it (mauth.c) */
		util_strlcpy(s->acct_group, tg->accounting_server_group, sizeof(s->acct_group));
	return NULL;
}

/* What the AAA server decided (filter, timeouts, Class) comes along: the
 * session is not let in wider here.  Accounting: the old node sends its
 * Stop when told (finish() there), this node a Start at the tunnel with
 * the same Acct-Session-Id, as a RADIUS server expects of a roaming
 * session. */
static void claim_aaa(struct mainctx *m, struct session *s, const redisReply *aaa)
{
	if (aaa->type == REDIS_REPLY_STRING && aaa->len)
		macct_state_apply(m, s, aaa->str);
	s->acct_started = 0;
}

/* The record read: absent -> refused as any unknown cookie; present ->
 * rebuilt and taken over (compare-and-set on node). */
static void record_answered(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct claim *c = arg;
	char buf[256], key[128], okey[128], nkey[128], now[24];
	struct sessfile_rec *v = NULL;
	const char *why = NULL;
	struct session *here;

	if (!claim_worker(m, c)) {  /* the client left: nothing to answer */
		claim_free(c);
		return;
	}
	/* a second CONNECT with the cookie, whose claim won meanwhile */
	if ((here = sessions_by_cookie_hash(m, c->hash))) {
		claim_done(m, c, here, NULL, 0);
		return;
	}
	if (!r) {
		claim_done(m, c, NULL, "cookie cannot be checked: the fleet's Redis did not answer",
			   0);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || !strcmp(r->element[0]->str, fleet_node(m))) {
		/* unknown, or a record of ours that the table no longer holds */
		claim_done(m, c, NULL, "cookie is not acceptable", 1);
		return;
	}
	util_strlcpy(c->owner, r->element[0]->str, sizeof(c->owner));
	if (r->element[1]->type != REDIS_REPLY_STRING) {
		claim_refused(m, c, "its registry record has no session");
		return;
	}
	char *text = malloc(r->element[1]->len + 1);

	if (text) {
		memcpy(text, r->element[1]->str, r->element[1]->len);
		text[r->element[1]->len] = 0;
	}
	long n = text ? sessfile_decode(text, r->element[1]->len, &v, &why) : -1;

	free(text);
	if (n == 1)
		c->rec = v[0];
	if (v)
		OPENSSL_cleanse(v, (size_t)n * sizeof(*v));
	free(v);
	hash_hex(c->rec.cookie_hash, buf);
	if (n != 1 || strcmp(buf, c->hex)) {
		claim_refused(m, c, why ? why : "its registry record is not one session");
		return;
	}
	if ((why = claim_rebuild(m, c, buf, sizeof(buf)))) {
		claim_refused(m, c, why);
		return;
	}
	claim_aaa(m, c->s, r->element[2]);
	sess_key(c->hex, key, sizeof(key));
	node_key(c->owner, okey, sizeof(okey));
	node_key(fleet_node(m), nkey, sizeof(nkey));
	snprintf(now, sizeof(now), "%llu", wall_ms());
	if (fleet_cmd(m, claim_answered, c, "EVAL %s 3 %s %s %s %s %s %s %s", CLAIM_LUA, key, okey,
		      nkey, c->owner, fleet_node(m), c->hex, now) < 0)
		claim_refused(m, c, "the fleet's Redis went away");
}

int fleet_sess_claim(struct worker_proc *w, const struct ipc_tunnel_req *rq)
{
	struct mainctx *m = w->m;
	char key[128];
	struct claim *c = claim_new(w, rq);

	if (!c)
		return 0;
	sess_key(c->hex, key, sizeof(key));
	if (fleet_cmd(m, record_answered, c, "HMGET %s node rec aaa", key) < 0) {
		claim_free(c);
		return 0;
	}
	return 1;
}

/* ---- sticky: a login's first CONNECT keeps the user's address */

static struct claim *claim_new(struct worker_proc *w, const struct ipc_tunnel_req *rq)
{
	struct claim *c;

	if (!fleet_up(w->m) || n_claims >= CLAIMS_MAX || !(c = calloc(1, sizeof(*c))))
		return NULL;
	n_claims++;
	c->worker_id = w->id;
	c->worker_pid = w->pid;
	c->rq = *rq;
	OPENSSL_cleanse(c->rq.cookie, sizeof(c->rq.cookie));
	sessions_cookie_hash(rq->cookie, c->hash);
	hash_hex(c->hash, c->hex);
	return c;
}

/* addr in c->pool for s, or nothing (s then leases as always). */
static void sticky_take(struct mainctx *m, struct session *s, const char *pool, uint32_t addr)
{
	char a[48], buf[256];
	const char *why = NULL;

	sessions_fmt4(addr, a, sizeof(a));
	if (sessions_lease_locate(m, s, pool, a, buf, sizeof(buf), &why) == 0 &&
	    fleet_lease_adopt(m, s, &why) == 0) {
		log_event(LM_FLEET_SESS_STICKY, s->user, a, pool);
		return;
	}
	s->pool = NULL;
	s->addr = 0;
	log_debug("fleet: %s does not get %s again: %s", s->user, a, why);
}

static void sticky_answered(struct mainctx *m, uint32_t addr, void *arg)
{
	struct claim *c = arg;
	struct session *s = sessions_by_cookie_hash(m, c->hash);

	if (!claim_worker(m, c)) {
		claim_free(c);
		return;
	}
	if (!s) {  /* ended while the registry was asked (a logoff) */
		claim_done(m, c, NULL, "cookie is not acceptable", 1);
		return;
	}
	if (addr && !s->addr)
		sticky_take(m, s, c->pool, addr);
	claim_done(m, c, s, NULL, 0);
}

int fleet_sess_sticky(struct worker_proc *w, struct session *s,
		      const struct ipc_tunnel_req *rq)
{
	struct cfg_name_list pools;
	struct claim *c;

	/* the AAA server's Framed-IP-Address decides where it is given */
	if (s->addr || s->aaa_framed_ip || s->state != SS_AUTHENTICATED || !fleet_up(w->m))
		return 0;
	sessions_lease_pools(w->m, s, &pools);
	if (!pools.n || !(c = claim_new(w, rq)))
		return 0;
	util_strlcpy(c->pool, pools.v[0], sizeof(c->pool));
	/* the answer may come at once (Redis away): it answers rq itself */
	fleet_lease_sticky(w->m, c->pool, s->user, sticky_answered, c);
	return 1;
}
