/* The local users' password hashes and the per-user attempt rate, in
 * sslvpnd-secmod only (main wipes its copy once it handed them over). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secmod.h"
#include "sslvpnd/log.h"
#include "sslvpnd/passwd.h"
#include "sslvpnd/tbucket.h"
#include "sslvpnd/util.h"

/* Per user: SMAUTH_BURST attempts at once, then one every
 * SMAUTH_PERIOD_MS (6 a minute): a user who mistypes a few times is never
 * slowed down, a guesser against one account gets 6 scrypt runs a minute.
 * SMAUTH_TRACKED names are remembered (least recently used replaced), so
 * random names cannot grow the table. */
enum { SMAUTH_BURST = 6, SMAUTH_PERIOD_MS = 10000, SMAUTH_TRACKED = 1024,
       SMAUTH_LOG_MS = 60000 };

struct smuser {
	char name[CFG_NAME_MAX];
	char hash[PASSWD_HASH_MAX];
};

struct smtable {
	struct smuser *u;
	size_t n, cap;
	uint32_t gen;
};

struct smrate {
	char name[CFG_NAME_MAX];
	char peer[64];
	struct tbucket b;
	uint64_t used_ms;
	uint64_t logged_ms;       /* last 100706 for this name */
	uint32_t refused;         /* since that line */
};

/* lock: cur is swapped by the event loop (a reload) while the KDF thread
 * looks a hash up; the thread copies the hash out under it and runs scrypt
 * without it. */
struct smauth {
	pthread_mutex_t lock;
	struct smtable cur, next;
	int loading;              /* a FIRST batch came, LAST not yet */
	struct smrate rate[SMAUTH_TRACKED];
};

static void table_wipe(struct smtable *t)
{
	if (t->u)
		explicit_bzero(t->u, t->cap * sizeof(*t->u));
	free(t->u);
	memset(t, 0, sizeof(*t));
}

struct smauth *smauth_new(void)
{
	struct smauth *a = calloc(1, sizeof(struct smauth));

	if (a && pthread_mutex_init(&a->lock, NULL)) {
		free(a);
		return NULL;
	}
	return a;
}

void smauth_free(struct smauth *a)
{
	if (!a)
		return;
	table_wipe(&a->cur);
	table_wipe(&a->next);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

size_t smauth_count(const struct smauth *a)
{
	return a->cur.n;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct smuser *)x)->name, ((const struct smuser *)y)->name);
}

static int table_add(struct smtable *t, const struct ipc_secmod_user *u)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct smuser *nu = calloc(cap, sizeof(*nu));

		/* not realloc: the old block would be freed unwiped */
		if (!nu)
			return -1;
		if (t->u) {
			memcpy(nu, t->u, t->n * sizeof(*nu));
			explicit_bzero(t->u, t->cap * sizeof(*t->u));
			free(t->u);
		}
		t->u = nu;
		t->cap = cap;
	}
	util_strlcpy(t->u[t->n].name, u->name, sizeof(t->u[t->n].name));
	util_strlcpy(t->u[t->n].hash, u->hash, sizeof(t->u[t->n].hash));
	t->n++;
	return 0;
}

int smauth_on_users(struct smauth *a, const struct ipc_secmod_users *b)
{
	char n[16], g[16];

	if (b->flags & IPC_USERS_FIRST) {
		table_wipe(&a->next);
		a->next.gen = b->gen;
		a->loading = 1;
	}
	if (!a->loading || b->gen != a->next.gen)
		return -1;
	for (uint16_t i = 0; i < b->n_users; i++)
		if (table_add(&a->next, &b->u[i]) < 0)
			fatalx("secmod: out of memory loading the local users");
	if (!(b->flags & IPC_USERS_LAST))
		return 0;
	if (a->next.n)  /* qsort(NULL, 0, ...) is undefined */
		qsort(a->next.u, a->next.n, sizeof(*a->next.u), by_name);
	pthread_mutex_lock(&a->lock);
	table_wipe(&a->cur);
	a->cur = a->next;
	pthread_mutex_unlock(&a->lock);
	memset(&a->next, 0, sizeof(a->next));
	a->loading = 0;
	snprintf(n, sizeof(n), "%zu", a->cur.n);
	snprintf(g, sizeof(g), "%u", a->cur.gen);
	log_event(LM_SECMOD_USERS, n, g);
	return 0;
}

static struct smrate *rate_slot(struct smauth *a, const char *user, const char *peer,
			       uint64_t now_ms)
{
	struct smrate *lru = &a->rate[0];

	for (size_t i = 0; i < SMAUTH_TRACKED; i++) {
		struct smrate *r = &a->rate[i];

		if (r->name[0] && !strcmp(r->name, user) && !strcmp(r->peer, peer))
			return r;
		if (!r->name[0] || (lru->name[0] && r->used_ms < lru->used_ms))
			lru = r;
	}
	memset(lru, 0, sizeof(*lru));
	util_strlcpy(lru->name, user, sizeof(lru->name));
	util_strlcpy(lru->peer, peer, sizeof(lru->peer));
	(void)now_ms;
	return lru;
}

int smauth_admit(struct smauth *a, const char *user, const char *peer, uint64_t now_ms)
{
	static const struct tbucket_rate rate = { SMAUTH_BURST, SMAUTH_PERIOD_MS };
	struct smrate *r = rate_slot(a, user, peer, now_ms);
	char per[16], cnt[16];

	r->used_ms = now_ms;
	if (tbucket_take(&r->b, &rate, now_ms))
		return 1;
	r->refused++;
	if (r->logged_ms && now_ms - r->logged_ms < SMAUTH_LOG_MS)
		return 0;
	snprintf(per, sizeof(per), "%u", (unsigned)(60000 / SMAUTH_PERIOD_MS));
	snprintf(cnt, sizeof(cnt), "%u", r->refused);
	log_event(LM_SECMOD_USER_LIMITED, user, peer, per, cnt);
	r->logged_ms = now_ms;
	r->refused = 0;
	return 0;
}

uint8_t smauth_verify(struct smauth *a, const char *user, const char *password,
		      size_t len)
{
	struct smuser key, found;
	const struct smuser *u = NULL;
	int known, has_hash;

	util_strlcpy(key.name, user, sizeof(key.name));
	pthread_mutex_lock(&a->lock);
	if (a->cur.n && strlen(user) < sizeof(key.name))
		u = bsearch(&key, a->cur.u, a->cur.n, sizeof(*a->cur.u), by_name);
	if (u)
		found = *u;
	pthread_mutex_unlock(&a->lock);
	known = u != NULL;
	has_hash = known && found.hash[0];
	int ok = passwd_verify(has_hash ? found.hash : NULL, password, len);

	explicit_bzero(&found, sizeof(found));
	if (!known)
		return IPC_PASSWD_NO_USER;
	return ok == 1 ? IPC_PASSWD_OK : ok == 0 && has_hash ? IPC_PASSWD_BAD
							      : IPC_PASSWD_ERROR;
}
