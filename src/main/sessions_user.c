/* Sessions per user name: a chained hash of counts (sessions_user.h).
 * Names are what the login step decided (at most 255 bytes); an entry
 * lives while its user has a session, so the table's size follows the
 * users logged in, not everyone who ever was. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessions_user.h"

struct user_count {
	struct user_count *next;
	unsigned n;
	char name[];
};

enum { FIRST_BUCKETS = 64 };

/* FNV-1a, unkeyed: only names that authenticated enter the table, so a
 * chain of colliding names costs an attacker one account per entry. */
static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct user_count **slot(const struct sessions_users *t, const char *user)
{
	struct user_count **pp = &t->bucket[name_hash(user) & (t->n_buckets - 1)];

	while (*pp && strcmp((*pp)->name, user) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* Doubles the buckets; out of memory the chains just get longer. */
static void grow(struct sessions_users *t)
{
	size_t nb = t->n_buckets ? t->n_buckets * 2 : FIRST_BUCKETS;
	struct user_count **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct user_count *e = t->bucket[i], *n; e; e = n) {
			size_t k = name_hash(e->name) & (nb - 1);

			n = e->next;
			e->next = b[k];
			b[k] = e;
		}
	free(t->bucket);
	t->bucket = b;
	t->n_buckets = nb;
}

int sessions_users_add(struct sessions_users *t, const char *user)
{
	if (t->n_users >= t->n_buckets)
		grow(t);
	if (!t->n_buckets)
		return -1;

	struct user_count **pp = slot(t, user);

	if (*pp) {
		(*pp)->n++;
		return 0;
	}
	size_t len = strlen(user) + 1;
	struct user_count *e = malloc(sizeof(*e) + len);

	if (!e)
		return -1;
	e->next = NULL;
	e->n = 1;
	memcpy(e->name, user, len);
	*pp = e;
	t->n_users++;
	return 0;
}

void sessions_users_del(struct sessions_users *t, const char *user)
{
	if (!t->n_buckets)
		return;

	struct user_count **pp = slot(t, user), *e = *pp;

	if (!e || --e->n)
		return;
	*pp = e->next;
	free(e);
	/* the last user gone: the buckets a burst grew go too (S11) */
	if (!--t->n_users && t->n_buckets > FIRST_BUCKETS) {
		free(t->bucket);
		t->bucket = NULL;
		t->n_buckets = 0;
	}
}

unsigned sessions_users_count(const struct sessions_users *t, const char *user)
{
	if (!t->n_buckets)
		return 0;

	struct user_count *e = *slot(t, user);

	return e ? e->n : 0;
}

void sessions_users_free(struct sessions_users *t)
{
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct user_count *e = t->bucket[i], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}
