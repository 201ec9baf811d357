/* Configuration snapshots: a loaded configuration with a reference count.
 *
 * main holds the current snapshot; every session holds the one it was
 * admitted under.  A reload loads and validates a new configuration and,
 * only when it is valid, makes it current; the old snapshot lives on until
 * its last session ends.  Pure bookkeeping: no I/O, no clock. */
#ifndef SSLVPND_SNAPSHOT_H
#define SSLVPND_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"

struct cfg_snapshot {
	struct sslvpnd_config *cfg;  /* owned; never changed after load */
	uint32_t gen;                /* 1 at start, +1 per successful reload */
	unsigned refs;
	uint64_t fingerprint;        /* snapshot_fingerprint(cfg) */
};

/* snapshot_new: wrap cfg (ownership moves to the snapshot) with one
 * reference.  NULL when cfg is NULL or allocation fails (cfg is then
 * freed, so the caller never leaks it). */
struct cfg_snapshot *snapshot_new(struct sslvpnd_config *cfg, uint32_t gen);

/* snapshot_fingerprint: a 64-bit FNV-1a hash of the effective
 * configuration as config_dump prints it: main tells an unchanged file
 * from an edited one when it reads the file again (msecmod.c, for the
 * users' hashes after a secmod restart).  Not a security check (the file
 * is root's).  0 when the dump cannot be made. */
uint64_t snapshot_fingerprint(const struct sslvpnd_config *cfg);

/* snapshot_fnv: FNV-1a of len bytes continuing from h (start with
 * SNAPSHOT_FNV_INIT). */
#define SNAPSHOT_FNV_INIT 0xcbf29ce484222325ULL
uint64_t snapshot_fnv(uint64_t h, const void *p, size_t len);

/* snapshot_ref: one more reference; returns s (NULL stays NULL). */
struct cfg_snapshot *snapshot_ref(struct cfg_snapshot *s);

/* snapshot_unref: drop one reference; the last one frees the
 * configuration and the snapshot.  NULL is a no-op. */
void snapshot_unref(struct cfg_snapshot *s);

/* snapshot_check_listeners: a reload keeps the listening sockets, so the
 * interfaces (names, addresses, TCP and UDP ports, in order) of next must
 * equal those of cur.  Adds one error per difference to errs, naming
 * next's file and the interface's line; returns the number added. */
int snapshot_check_listeners(const struct sslvpnd_config *cur,
			     const struct sslvpnd_config *next,
			     struct cfg_errors *errs);

/* snapshot_error: append "file:line: message" to errs (counts it as
 * dropped beyond CFG_MAX_ERRORS).  line 0: not tied to a line. */
void snapshot_error(struct cfg_errors *errs, const char *file, int line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
