/* Per-source scores and bans (S10): every failed login, unknown cookie,
 * refused client certificate or malformed request adds its cause's weight
 * (bancause.def) to the score of the client's address; bans.threshold
 * points within bans.window seconds ban the address for bans.duration
 * seconds.  A successful login resets the score.
 *
 * Pure logic, no I/O, no clock: callers pass the time (seconds).  A fixed
 * table allocated once (no allocation per event); when it is full, the
 * unbanned entry idle longest is reused, else the ban ending first. */
#ifndef SSLVPND_BAN_H
#define SSLVPND_BAN_H

#include <stddef.h>
#include <stdint.h>

enum ban_cause {
#define BANCAUSE(name, key, weight, text) BAN_##name,
#include "sslvpnd/bancause.def"
#undef BANCAUSE
	BAN__COUNT
};

enum { BAN_ADDR_MAX = 64 };

struct ban_params {
	unsigned threshold;   /* points that ban; 0: never ban (scores kept) */
	unsigned window;      /* seconds points are summed over (>= 1) */
	unsigned duration;    /* seconds a ban lasts (>= 1) */
};

struct ban_entry {
	char addr[BAN_ADDR_MAX];
	unsigned score;           /* points in the current window */
	uint8_t last_cause;       /* enum ban_cause of the latest point */
	uint64_t window_start;    /* time of the first point of the window */
	uint64_t last;            /* time of the latest point */
	uint64_t until;           /* banned while now < until; 0: not banned */
	uint64_t refused;         /* connections refused during this ban */
	uint64_t refused_unlogged; /* refusals not yet in a log line */
	uint64_t log_after;       /* next refusal log line not before */
};

struct ban_table;

/* ban_new: a table for at most cap addresses (cap >= 1); NULL on ENOMEM.
 * ban_free(NULL) is a no-op. */
struct ban_table *ban_new(size_t cap);
void ban_free(struct ban_table *t);

/* ban_cause_key / ban_cause_text / ban_cause_weight: the row of cause
 * (bancause.def); key "?" and weight 0 for a value outside the enum. */
const char *ban_cause_key(enum ban_cause cause);
/* ban_cause_of: the cause of a key, BAN__COUNT for none. */
enum ban_cause ban_cause_of(const char *key);
const char *ban_cause_text(enum ban_cause cause);
unsigned ban_cause_weight(enum ban_cause cause);

/* ban_score: one event of cause from addr at now.  Points older than the
 * window are forgotten first (the window restarts at now).  Returns 1 when
 * this event banned addr (the entry is copied to *out when out is not
 * NULL), 0 otherwise: an address already banned gains no points and its
 * ban is not extended. */
int ban_score(struct ban_table *t, const struct ban_params *p, const char *addr,
	      enum ban_cause cause, uint64_t now, struct ban_entry *out);

/* ban_impose: addr banned until `until` whatever its score (a ban another
 * node of the fleet decided); a running ban that lasts longer is kept.
 * Returns 1 when this started or lengthened the ban. */
int ban_impose(struct ban_table *t, const char *addr, enum ban_cause cause, uint64_t now,
	       uint64_t until);

/* ban_refuse: is addr banned at now?  0: no.  Otherwise counts one refused
 * connection and returns the seconds of the ban left (>= 1); *log_count is
 * set to the refusals to report now (the first of a ban at once, the
 * following ones at most once per log_every seconds), 0 for none. */
uint64_t ban_refuse(struct ban_table *t, const char *addr, uint64_t now,
		    unsigned log_every, uint64_t *log_count);

/* ban_reset: a successful login from addr: its score goes to 0.  A running
 * ban is untouched (a banned address cannot log in). */
void ban_reset(struct ban_table *t, const char *addr);

/* ban_clear: lifts the ban of addr (NULL: of every address) and forgets
 * its score; cb (may be NULL) sees each lifted ban first.  Returns the
 * number of bans lifted. */
size_t ban_clear(struct ban_table *t, const char *addr, uint64_t now,
		 void (*cb)(const struct ban_entry *e, void *arg), void *arg);

/* ban_expire: lifts every ban over at now (cb sees each first) and
 * forgets scores whose window passed.  Returns the number of bans lifted. */
size_t ban_expire(struct ban_table *t, const struct ban_params *p, uint64_t now,
		  void (*cb)(const struct ban_entry *e, void *arg), void *arg);

/* ban_foreach: cb for each address banned at now, in table order. */
void ban_foreach(const struct ban_table *t, uint64_t now,
		 void (*cb)(const struct ban_entry *e, void *arg), void *arg);

/* ban_get: the entry of addr, or NULL. */
const struct ban_entry *ban_get(const struct ban_table *t, const char *addr);

#endif
