/* A few of libssl's record buffers kept between records (S11 idle cost).
 *
 * A resting tunnel (conn_rest_tick) runs with SSL_MODE_RELEASE_BUFFERS:
 * libssl allocates its 16.7 KB read buffer for every record that arrives
 * and its 16.6 KB write buffer for every record it sends (a DPD answer),
 * and frees each right after.  With 10,000 idle phones that is a malloc
 * and a free of 16 KB per keepalive, taken from a heap fragmented by
 * thousands of tunnels (7 % of the worker's CPU at 5,000 phones, most in
 * _int_malloc walking the bins).  Holding the buffers per tunnel would
 * cost 33 KB of PSS each, over the 48 KiB a session may cost; a worker
 * handles one record at a time, so a handful of buffers, shared by all its
 * tunnels, serves them all: freed, a buffer of that size waits here for
 * the next record instead of going back to the heap.
 *
 * The same holds for the tunnel's own buffers that a resting tunnel gives
 * back (conn_rest_tick): the 4 KB input buffer a keepalive brings back,
 * the 64 KB output queue a DPD answer brings back.  Only requests of the
 * sizes in `classes` are served from here (libssl 3.0's TLS read and write
 * buffers are 16,712 and 16,584 bytes: both served as BUFCACHE_SIZE
 * blocks); everything else goes straight to malloc.  A block is
 * recognised on free by its usable size.  A record's bytes in a reused
 * buffer are what glibc's reuse of a freed chunk would hand on too.  When
 * no buffer was taken for BUFCACHE_IDLE_MS, the cache empties (the memory
 * that comes back after sessions end, util_heap_tick). */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "sslvpnd/util.h"
#include "bufcache.h"

/* The sizes kept, smallest first: a request from lo to size bytes is
 * served as a block of size. */
static const struct {
	size_t lo, size;
} classes[BUFCACHE_CLASSES] = {
	{ BUFCACHE_IN, BUFCACHE_IN },       /* a tunnel's first input buffer */
	{ BUFCACHE_LO, BUFCACHE_SIZE },     /* libssl's record buffers */
	{ BUFCACHE_OUT, BUFCACHE_OUT },     /* a tunnel's output queue */
};

static struct {
	void *slot[BUFCACHE_CLASSES][BUFCACHE_SLOTS];
	unsigned n[BUFCACHE_CLASSES];
	uint64_t taken_ms;   /* the last time a block was taken */
	struct bufcache_stats st;
} bc;

static int class_of_request(size_t n)
{
	for (int k = 0; k < BUFCACHE_CLASSES; k++)
		if (n >= classes[k].lo && n <= classes[k].size)
			return k;
	return -1;
}

/* A block of a class has at least its size usable; one much larger is
 * someone else's and goes back to the heap. */
static int class_of_block(size_t usable)
{
	for (int k = 0; k < BUFCACHE_CLASSES; k++)
		if (usable >= classes[k].size && usable < classes[k].size + 64)
			return k;
	return -1;
}

void *bufcache_alloc(size_t n)
{
	int k = n >= BUFCACHE_IN ? class_of_request(n) : -1;

	if (k < 0)
		return malloc(n);
	bc.taken_ms = util_now_ms();
	if (bc.n[k]) {
		bc.st.hits++;
		return bc.slot[k][--bc.n[k]];
	}
	bc.st.misses++;
	return malloc(classes[k].size);
}

void bufcache_free(void *p)
{
	size_t u;
	int k;

	if (!p)
		return;
	u = malloc_usable_size(p);
	k = u >= BUFCACHE_IN ? class_of_block(u) : -1;
	if (k >= 0 && bc.n[k] < BUFCACHE_SLOTS) {
		bc.slot[k][bc.n[k]++] = p;
		return;
	}
	free(p);
}

void *bufcache_realloc(void *p, size_t n)
{
	if (!p)
		return bufcache_alloc(n);
	if (!n) {
		bufcache_free(p);
		return NULL;
	}
	return realloc(p, n);
}

size_t bufcache_drain(void)
{
	size_t bytes = 0;

	for (int k = 0; k < BUFCACHE_CLASSES; k++) {
		bc.st.drained += bc.n[k];
		bytes += bc.n[k] * classes[k].size;
		while (bc.n[k])
			free(bc.slot[k][--bc.n[k]]);
	}
	return bytes;
}

size_t bufcache_tick(uint64_t now_ms)
{
	if (now_ms - bc.taken_ms < BUFCACHE_IDLE_MS)
		return 0;
	return bufcache_drain();
}

void bufcache_stats(struct bufcache_stats *st)
{
	*st = bc.st;
	st->held = 0;
	for (int k = 0; k < BUFCACHE_CLASSES; k++)
		st->held += bc.n[k];
}

static void *ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return bufcache_alloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return bufcache_realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	bufcache_free(p);
}

int bufcache_install(void)
{
	return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) ? 0 : -1;
}
