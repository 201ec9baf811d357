/* Small utilities with no process state: see include/sslvpnd/util.h. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

size_t util_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);

	if (cap) {
		size_t c = n < cap - 1 ? n : cap - 1;

		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

void util_hex(char *dst, const uint8_t *src, size_t n, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 15];
	}
	dst[2 * n] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_hostport(const char *s, char *host, size_t hostcap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;

	if (!colon || colon == s || (size_t)(colon - s) >= hostcap || strchr(s, '/') ||
	    memchr(s, ' ', (size_t)(colon - s)))
		return -1;
	unsigned long p = strtoul(colon + 1, &end, 10);

	if (colon[1] < '0' || colon[1] > '9' || *end || p < 1 || p > 65535)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int util_unhex(uint8_t *dst, size_t n, const char *src, size_t srclen)
{
	if (srclen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(src[2 * i]), lo = hexval(src[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int util_base64(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t need = 4 * ((n + 2) / 3) + 1;

	if (cap < need || n > 0x3fffffff)
		return -1;
	return EVP_EncodeBlock((unsigned char *)dst, src, (int)n);
}

void util_hex_colon(char *dst, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			dst[o++] = ':';
		dst[o++] = digits[src[i] >> 4];
		dst[o++] = digits[src[i] & 15];
	}
	dst[o] = 0;
}

void util_sockaddr_str(const struct sockaddr *sa, char *host, size_t hostlen,
		       uint16_t *port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

	if (sa->sa_family == AF_INET6) {
		/* Show v4-mapped peers of a dual-stack socket as plain IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host,
				  (socklen_t)hostlen);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, host, (socklen_t)hostlen);
		if (port)
			*port = ntohs(s6->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, host, (socklen_t)hostlen);
		if (port)
			*port = ntohs(s4->sin_port);
	} else {
		util_strlcpy(host, "?", hostlen);
		if (port)
			*port = 0;
	}
}

const char *util_skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int util_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void util_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0)
			fatal("getrandom");
		p += r;
		n -= (size_t)r;
	}
}

/* A per-process random key: tags of the same cookie match within one
 * process's logs, and a log reader cannot replay a tag as a cookie. */
void util_cookie_tag(char out[9], const char *cookie)
{
	static uint8_t key[32];
	static int have_key;
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (!have_key) {
		util_random(key, sizeof(key));
		have_key = 1;
	}
	HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)cookie,
	     strlen(cookie), mac, &maclen);
	util_hex(out, mac, 4, 0);
}

uint64_t util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t heap_freed;
static uint64_t heap_trimmed_ms, heap_freed_ms;

void util_heap_freed(size_t n)
{
	if (!n)
		return;
	heap_freed += n;
	heap_freed_ms = util_now_ms();
}

/* glibc's per-thread cache (tcache) keeps up to 7 freed chunks of each of
 * its 64 sizes (up to 1,032 bytes) as they are, "in use" to the arena, so
 * malloc_trim releases nothing under them: after 2,000 phones ended, the
 * 448 chunks of a full cache pinned 406 pages (1.6 MB) of a worker's
 * heap, most of its excess over idle (bench/heapwalk).  Per size, every
 * cached chunk and TCACHE_TAKE more are taken out (the others come from
 * the holes between live chunks, then from free space), and freed again
 * lowest address first: the cache fills up with the lowest of them, in
 * the heap's dense start, and the others go to the arena's bins, where
 * the second trim releases their pages.  The first trim empties the fast
 * bins, which would otherwise refill the cache from anywhere.  wipe: each
 * chunk taken is cleared first (main after a configuration load: the
 * parser's freed copies of the hashes). */
enum { TCACHE_BINS = 64, TCACHE_TAKE = 48 };

static int addr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

void util_heap_trim(int wipe)
{
	void *p[TCACHE_TAKE];

	malloc_trim(0);
	for (size_t b = 0; b < TCACHE_BINS; b++) {
		for (size_t k = 0; k < TCACHE_TAKE; k++) {
			/* requests of 24 + 16 b bytes: chunks of 32 + 16 b */
			p[k] = malloc(24 + 16 * b);
			if (p[k] && wipe)
				explicit_bzero(p[k], malloc_usable_size(p[k]));
		}
		qsort(p, TCACHE_TAKE, sizeof(p[0]), addr_cmp);
		for (size_t k = 0; k < TCACHE_TAKE; k++)
			free(p[k]);
	}
	malloc_trim(0);
}

size_t util_pages_release(void *p, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p, lo, hi;

	if (pg <= 0)
		return 0;
	lo = (a + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	hi = (a + len) & ~((uintptr_t)pg - 1);
	if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0)
		return 0;
	return hi - lo;
}

/* What the callers count is not all that is freed: libssl frees a DTLS
 * 1.2 phone's handshake object (~46 kB) when its records move to our own
 * layer, a TLS handshake's buffers when it ends, and nobody counts those.
 * The arena's free bytes (mallinfo2: a walk of the bins, once a tick) say
 * it: a rise of HEAP_OBSERVE_BYTES over their lowest since it was last
 * counted counts as freed (a rise, not every up and down: buffers taken
 * and given back between ticks under steady load trim nothing).  Without
 * it, 125 phones a worker had 5 MB of their handshakes resident until the
 * 5 s quiet rule fired, after the bench read "PSS per held session" (S11). */
enum { HEAP_OBSERVE_BYTES = UTIL_HEAP_TRIM_BYTES / 4 };
static size_t heap_free_low;

static void heap_observe(void)
{
	size_t f = mallinfo2().fordblks;

	if (f < heap_free_low) {
		heap_free_low = f;
	} else if (f - heap_free_low >= HEAP_OBSERVE_BYTES) {
		util_heap_freed(f - heap_free_low);
		heap_free_low = f;
	}
}

/* The tail of a burst (less than the threshold) goes too, once nothing
 * has been freed for UTIL_HEAP_QUIET_MS. */
int util_heap_tick(uint64_t now_ms)
{
	heap_observe();
	if (!heap_freed || now_ms - heap_trimmed_ms < UTIL_HEAP_TRIM_GAP_MS ||
	    (heap_freed < UTIL_HEAP_TRIM_BYTES && now_ms - heap_freed_ms < UTIL_HEAP_QUIET_MS))
		return 0;
	heap_freed = 0;
	heap_trimmed_ms = now_ms;
	util_heap_trim(0);
	heap_free_low = mallinfo2().fordblks;
	return 1;
}

void util_duration(char *dst, size_t cap, uint64_t s)
{
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (d)
		snprintf(dst, cap, "%llud %lluh:%02llum:%02llus", (unsigned long long)d,
			 (unsigned long long)h, (unsigned long long)m,
			 (unsigned long long)sec);
	else
		snprintf(dst, cap, "%lluh:%02llum:%02llus", (unsigned long long)h,
			 (unsigned long long)m, (unsigned long long)sec);
}

int util_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

int util_sndbuf(int fd, int bytes)
{
	/* FORCE passes net.core.wmem_max (needs CAP_NET_ADMIN: main is root);
	 * plain SO_SNDBUF, capped at wmem_max, is the fallback */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

/* The fallback when close_range(2) is missing (Linux < 5.9): the numbers
 * are read first and closed afterwards, so closing never disturbs the
 * directory stream being read (its own descriptor is skipped). */
static int close_from_proc(int lowfd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return -1;
	int self = dirfd(d);

	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd < lowfd || fd == self)
			continue;
		close((int)fd);
	}
	closedir(d);
	return 0;
}

int util_close_from(int lowfd)
{
	struct rlimit rl;

	if (lowfd < 0)
		lowfd = 0;
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return 0;
	if (close_from_proc(lowfd) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	for (rlim_t fd = (rlim_t)lowfd; fd < rl.rlim_cur && fd < (1u << 20); fd++)
		close((int)fd);
	return 0;
}

int util_cookie_well_formed(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (n == 63)
			return 0;
	}
	return n >= 16;
}

void util_wait_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
}

static size_t path_len(const char *p)
{
	size_t n = strcspn(p, "?");

	while (n > 1 && p[n - 1] == '/')
		n--;
	return n;
}

int util_path_eq(const char *a, const char *b)
{
	size_t la = path_len(a), lb = path_len(b);

	return la == lb && memcmp(a, b, la) == 0;
}
