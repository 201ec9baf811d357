/* The pool lease file: the pools' owner memory (which user last had which
 * address, and when) as text, so it survives a restart of sslvpnd.
 * Pure: buffers in, buffers out; src/main/leases.c does the file I/O.
 *
 * Format, one record a line:
 *   sslvpnd-pool-leases 1
 *   4|6 POOL ADDRESS LAST-USED OWNER     (OWNER percent-encoded: no blanks)
 *   end RECORDS CRC32                    (CRC-32 of every byte before "end")
 * A torn or garbled file fails the count, the end line or the CRC and is
 * rejected as a whole. */
#ifndef SSLVPND_LEASEFILE_H
#define SSLVPND_LEASEFILE_H

#include <stddef.h>
#include <stdint.h>

struct pool;

/* leasefile_encode: the memory of pools[0..n-1] (NULL entries skipped) at
 * time now; addresses leased now are written with last-used = now.
 * *out is malloc'd (caller frees), *len its length.  0, or -1 when out of
 * memory (or beyond LEASEFILE_MAX). */
int leasefile_encode(struct pool *const *pools, size_t n, int64_t now, char **out,
		     size_t *len);

/* leasefile_decode: check buf (modified in place) and restore its records
 * into the pools of the same family and name (pool_remember, oldest
 * first).  Records older than window seconds at now (window 0: none), for
 * a pool or address the pools do not have, or for a leased address are
 * skipped.  Returns the number restored, or -1 with *why set (static text)
 * when the file is torn or garbled: then nothing is restored. */
long leasefile_decode(char *buf, size_t len, struct pool *const *pools, size_t n,
		      int64_t now, uint32_t window, const char **why);


enum { LEASEFILE_MAX = 256 << 20 };

#endif
