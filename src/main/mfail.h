/* Failed-login counters of the main process, per user name and per client
 * address.  Private to src/main.  They feed the rejection log line (113015
 * "failures: N for this user, M from this address"); the bans of S10 keep
 * their own weighted, windowed score per address (mban.c, recorded at the
 * same place in mauth.c).  A fixed table (no allocation): when full, the
 * entry with the oldest failure is reused. */
#ifndef SSLVPND_MFAIL_H
#define SSLVPND_MFAIL_H

#include <stdint.h>

enum mfail_kind { MFAIL_USER = 0, MFAIL_IP = 1 };

/* mfail_record: count one failed login of user from ip (either may be ""
 * to count only the other) at time now (seconds).  Returns nothing; read
 * the counts back with mfail_count. */
void mfail_record(const char *user, const char *ip, uint64_t now);

/* mfail_count: failures recorded for key (a user name or an address). */
unsigned mfail_count(enum mfail_kind kind, const char *key);

/* mfail_clear: forget the failures of a user (after a good password). */
void mfail_clear(enum mfail_kind kind, const char *key);

#endif
