/* A few of libssl's 16 KB record buffers and of the tunnel's own input
 * and output buffers kept for the next record (bufcache.c).  Process-wide: one worker is one thread. */
#ifndef SSLVPND_WORKER_BUFCACHE_H
#define SSLVPND_WORKER_BUFCACHE_H

#include <stddef.h>
#include <stdint.h>

enum {
	BUFCACHE_IN = 4096,         /* TUNNEL_IN_FIRST */
	BUFCACHE_LO = 16384,        /* requests from here ... */
	BUFCACHE_SIZE = 16768,      /* ... to here are served as blocks of this */
	BUFCACHE_OUT = 65536,       /* OUTQ_BYTES */
	BUFCACHE_CLASSES = 3,
	BUFCACHE_SLOTS = 4,         /* blocks kept at most, per size */
	BUFCACHE_IDLE_MS = 5000,    /* none taken for this long: the cache empties */
};

struct bufcache_stats {
	uint64_t hits, misses, drained;
	unsigned held;
};

/* CRYPTO_set_mem_functions: must run before OpenSSL allocates anything
 * (first in main); -1 when it was too late. */
int bufcache_install(void);
void *bufcache_alloc(size_t n);
void *bufcache_realloc(void *p, size_t n);
void bufcache_free(void *p);
/* bufcache_tick: empties the cache when no block was taken for
 * BUFCACHE_IDLE_MS; both return the bytes given back to the heap. */
size_t bufcache_tick(uint64_t now_ms);
size_t bufcache_drain(void);
void bufcache_stats(struct bufcache_stats *st);

#endif
