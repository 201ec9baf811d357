/* The session table's indexes: the list of sessions, by id, by cookie (its
 * SHA-256), by DTLS id, and every session's next deadline on m->timers
 * (S11).  A session enters at sessions_insert (login, restore) and leaves at
 * sessions_table_remove; its lifecycle is sessions.c's. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleet_sess.h"
#include "sessions.h"
#include "sessions_user.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

/* Bucket of a DTLS id: its bytes are random, so any four will do. */
static unsigned dtls_bucket(const uint8_t id[SESSION_DTLS_ID_LEN])
{
	uint32_t v;

	memcpy(&v, id, sizeof(v));
	return v & (SESSION_DTLS_BUCKETS - 1);
}

void sessions_dtls_id_drop(struct mainctx *m, struct session *s)
{
	if (!s->has_dtls_id)
		return;
	for (struct session **pp = &m->dtls_table[dtls_bucket(s->dtls_id)]; *pp;
	     pp = &(*pp)->dtls_next)
		if (*pp == s) {
			*pp = s->dtls_next;
			break;
		}
	s->has_dtls_id = 0;
	OPENSSL_cleanse(s->dtls_id, sizeof(s->dtls_id));
}

/* A fresh id per tunnel: the master secret is fresh too, and an old id
 * must stop routing the moment a new CONNECT replaced it. */
void sessions_dtls_id_new(struct mainctx *m, struct session *s, char hex[65])
{
	unsigned b;

	sessions_dtls_id_drop(m, s);
	util_random(s->dtls_id, sizeof(s->dtls_id));
	b = dtls_bucket(s->dtls_id);
	s->dtls_next = m->dtls_table[b];
	m->dtls_table[b] = s;
	s->has_dtls_id = 1;
	util_hex(hex, s->dtls_id, SESSION_DTLS_ID_LEN, 1);
}

/* One bucket walk, no allocation: what a flood of random ids costs.  Only
 * a session whose tunnel is up has a worker to take the datagram. */
struct session *sessions_by_dtls_id(struct mainctx *m,
				    const uint8_t id[SESSION_DTLS_ID_LEN],
				    struct worker_proc **w, uint32_t *conn_id,
				    uint32_t *session_id)
{
	for (struct session *s = m->dtls_table[dtls_bucket(id)]; s; s = s->dtls_next) {
		if (CRYPTO_memcmp(s->dtls_id, id, SESSION_DTLS_ID_LEN))
			continue;
		if (s->state != SS_ACTIVE || !s->worker)
			return NULL;
		*w = s->worker;
		*conn_id = s->conn_id;
		*session_id = s->id;
		return s;
	}
	return NULL;
}

/* Cookies are 32 random bytes as URL-safe base64 without padding: cookie-
 * safe (no ';', ',' or blanks) and opaque to every client. */
static void make_cookie(char out[48])
{
	uint8_t raw[32];
	char b64[64];

	util_random(raw, sizeof(raw));
	util_base64(b64, sizeof(b64), raw, sizeof(raw));
	size_t o = 0;

	for (const char *p = b64; *p && *p != '=' && o < 47; p++)
		out[o++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	out[o] = 0;
	OPENSSL_cleanse(raw, sizeof(raw));
}

/* SHA-256 of a cookie: what the table (and the registry file) keeps to
 * find a session; the cookie itself leaves main only in the login reply. */
void sessions_cookie_hash(const char *cookie, uint8_t out[SESSION_COOKIE_HASH_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(cookie, strlen(cookie), out, &n, EVP_sha256(), NULL) ||
	    n != SESSION_COOKIE_HASH_LEN)
		util_random(out, SESSION_COOKIE_HASH_LEN); /* matches nothing */
}

/* Bucket of a cookie's SHA-256: the bits of a hash, so the bucket a guess
 * falls in tells nothing about the cookies in the table. */
static unsigned cookie_bucket(const uint8_t h[SESSION_COOKIE_HASH_LEN])
{
	uint32_t v;

	memcpy(&v, h, sizeof(v));
	return v & (SESSION_COOKIE_BUCKETS - 1);
}

static void cookie_drop(struct mainctx *m, struct session *s)
{
	for (struct session **pp = &m->cookie_table[cookie_bucket(s->cookie_hash)]; *pp;
	     pp = &(*pp)->cookie_next)
		if (*pp == s) {
			*pp = s->cookie_next;
			break;
		}
	s->cookie_next = NULL;
}

/* A list of sessions (m->sessions, m->ending) with O(1) unlink. */
void sessions_list_push(struct session **head, struct session *s)
{
	s->next = *head;
	if (s->next)
		s->next->pprev = &s->next;
	s->pprev = head;
	*head = s;
}

void sessions_list_unlink(struct session *s)
{
	if (!s->pprev)
		return;
	*s->pprev = s->next;
	if (s->next)
		s->next->pprev = s->pprev;
	s->next = NULL;
	s->pprev = NULL;
}

static struct session **id_slot(struct mainctx *m, uint32_t id)
{
	return &m->id_table[id & (SESSION_ID_BUCKETS - 1)];
}

struct session *sessions_by_id(struct mainctx *m, uint32_t id)
{
	for (struct session *s = *id_slot(m, id); s; s = s->id_next)
		if (s->id == id)
			return s;
	return NULL;
}

static void id_drop(struct mainctx *m, struct session *s)
{
	for (struct session **pp = id_slot(m, s->id); *pp; pp = &(*pp)->id_next)
		if (*pp == s) {
			*pp = s->id_next;
			break;
		}
	s->id_next = NULL;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The session's next deadline, UINT64_MAX for none: its vpn-session-timeout,
 * its cookie's expiry while it has no tunnel (cookie-timeout of the
 * snapshot it was admitted under), its next Interim-Update. */
uint64_t sessions_next_due(const struct mainctx *m, const struct session *s)
{
	uint64_t due = UINT64_MAX, acct = macct_interim_due(m, s);

	if (s->session_timeout)
		due = s->created_ms + (uint64_t)s->session_timeout * 1000;
	if (s->state != SS_ACTIVE)
		due = earliest(due, s->idle_since_ms +
					    (uint64_t)s->snap->cfg->general.cookie_timeout * 1000);
	return acct ? earliest(due, acct) : due;
}

/* Every session of the table has its node in m->timers (UINT64_MAX when
 * nothing is due), placed at sessions_insert: a move never allocates. */
void sessions_rearm(struct mainctx *m, struct session *s)
{
	if (dheap_queued(&s->timer))
		(void)dheap_set(&m->timers, &s->timer, sessions_next_due(m, s));
}

void sessions_rearm_all(struct mainctx *m)
{
	for (struct session *s = m->sessions; s; s = s->next)
		sessions_rearm(m, s);
}

int sessions_insert(struct mainctx *m, struct session *s)
{
	if (dheap_set(&m->timers, &s->timer, sessions_next_due(m, s)) < 0)
		return -1;
	if (sessions_users_add(&m->users, s->user) < 0) {
		/* uncounted, it could outnumber vpn-simultaneous-logins */
		dheap_del(&m->timers, &s->timer);
		return -1;
	}
	unsigned b = cookie_bucket(s->cookie_hash);

	s->cookie_next = m->cookie_table[b];
	m->cookie_table[b] = s;
	s->id_next = *id_slot(m, s->id);
	*id_slot(m, s->id) = s;
	sessions_list_push(&m->sessions, s);
	s->peak_before = m->peak_sessions;
	m->n_sessions++;
	if (m->n_sessions > m->peak_sessions)
		m->peak_sessions = m->n_sessions;
	leases_dirty(); /* the registry lists it (sessions_store.c) */
	fleet_sess_put(m, s); /* and the fleet's (fleet_sess.c) */
	return 0;
}

struct session *sessions_create(struct mainctx *m, const char *user,
				const char *tunnel_group, const char *policy,
				const char *peer)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->id = ++m->next_session_id;
	make_cookie(s->cookie);
	sessions_cookie_hash(s->cookie, s->cookie_hash);
	util_cookie_tag(s->cookie_tag, s->cookie);
	util_strlcpy(s->user, user, sizeof(s->user));
	util_strlcpy(s->tunnel_group, tunnel_group, sizeof(s->tunnel_group));
	util_strlcpy(s->policy, policy, sizeof(s->policy));
	util_strlcpy(s->peer, peer, sizeof(s->peer));
	s->snap = snapshot_ref(m->snap);
	s->state = SS_AUTHENTICATED;
	s->created_ms = s->idle_since_ms = util_now_ms();
	s->login_time = time(NULL);
	if (sessions_insert(m, s) < 0) {
		sessions_free(s);
		return NULL;
	}
	return s;
}

const char *session_cookie(const struct session *s)
{
	return s->cookie;
}

/* One bucket, not the table (S11: this runs at every CONNECT); constant-
 * time compare within it: the cookie is the tunnel's only credential. */
struct session *sessions_by_cookie_hash(struct mainctx *m,
					const uint8_t h[SESSION_COOKIE_HASH_LEN])
{
	struct session *found = NULL;

	for (struct session *s = m->cookie_table[cookie_bucket(h)]; s; s = s->cookie_next)
		if (!found && CRYPTO_memcmp(s->cookie_hash, h, SESSION_COOKIE_HASH_LEN) == 0)
			found = s;
	return found;
}

struct session *sessions_by_cookie(struct mainctx *m, const char *cookie)
{
	uint8_t h[SESSION_COOKIE_HASH_LEN];

	sessions_cookie_hash(cookie, h);
	return sessions_by_cookie_hash(m, h);
}

/* Out of every index of the table (list, id, cookie, DTLS id, timers,
 * per-user count); the registry is told.  The addresses are the caller's. */
void sessions_table_remove(struct mainctx *m, struct session *s)
{
	sessions_list_unlink(s);
	id_drop(m, s);
	dheap_del(&m->timers, &s->timer);
	m->n_sessions--;
	sessions_users_del(&m->users, s->user);
	cookie_drop(m, s);
	leases_dirty(); /* out of the registry too */
	sessions_dtls_id_drop(m, s);
}
