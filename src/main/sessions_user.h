/* Sessions per user name (vpn-simultaneous-logins): a count kept where a
 * session enters and leaves main's table, so a login asks in O(1) instead
 * of walking every session.  Pure: no mainctx, unit-tested on its own
 * (tests/unit/check_sessusers.c). */
#ifndef SSLVPND_SESSIONS_USER_H
#define SSLVPND_SESSIONS_USER_H

#include <stddef.h>

struct user_count;

struct sessions_users {
	struct user_count **bucket;
	size_t n_buckets;           /* a power of two, or 0 before the first add */
	size_t n_users;             /* names with at least one session */
};

/* One more session of user: 0, or -1 out of memory (nothing counted). */
int sessions_users_add(struct sessions_users *t, const char *user);
/* One session less; a name whose count reaches 0 leaves the table. */
void sessions_users_del(struct sessions_users *t, const char *user);
unsigned sessions_users_count(const struct sessions_users *t, const char *user);
void sessions_users_free(struct sessions_users *t);

#endif
