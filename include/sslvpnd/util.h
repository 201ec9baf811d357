/* Small utilities with no process state. */
#ifndef SSLVPND_UTIL_H
#define SSLVPND_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* strlcpy semantics: always NUL-terminates when cap > 0; returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t cap);
/* util_hostport: "HOST:PORT" (HOST a name or IPv4 address, PORT 1..65535)
 * into host and *port; 0, or -1 when s is not of that form. */
int util_hostport(const char *s, char *host, size_t hostcap, uint16_t *port);
/* util_path_eq: two request paths name the same group-url: compared
 * case-sensitively (as the ASA does), without a query and trailing
 * slashes ("/phone/" = "/phone", "/" stays "/"). */
int util_path_eq(const char *a, const char *b);
/* Hex encode n bytes into dst (2n+1 bytes), upper or lower case. */
void util_hex(char *dst, const uint8_t *src, size_t n, int upper);
/* Hex decode exactly 2*n hex digits; returns 0 or -1 on a bad digit/length. */
int util_unhex(uint8_t *dst, size_t n, const char *src, size_t srclen);
/* Base64 (standard alphabet, padded) of n bytes into dst; returns length or
 * -1 when cap is too small. */
int util_base64(char *dst, size_t cap, const uint8_t *src, size_t n);
/* Colon-separated upper-case hex ("E5:7E:81:..."), dst >= 3n bytes. */
void util_hex_colon(char *dst, const uint8_t *src, size_t n);
/* Address of sa as text ("198.18.0.2" or "2001:db8::1") and its port. */
void util_sockaddr_str(const struct sockaddr *sa, char *host, size_t hostlen,
		       uint16_t *port);
/* Case-insensitive ASCII prefix test. */
int util_prefix_ci(const char *s, const char *prefix);
/* util_skip_blanks: s past its leading spaces and tabs. */
const char *util_skip_blanks(const char *s);
/* Fill buf with n cryptographically random bytes; aborts the process on an
 * RNG failure (there is no safe way to continue without randomness). */
void util_random(void *buf, size_t n);
/* Keyed tag of a cookie for logs: 8 hex chars, never the cookie itself. */
void util_cookie_tag(char out[9], const char *cookie);
/* Monotonic time in seconds / milliseconds. */
uint64_t util_now_ms(void);
/* Memory that comes back (S11).  glibc gives the kernel back only the top
 * of the heap; a freed chunk between live ones (a closed connection's
 * buffers among the tunnels still up) stays resident.  util_heap_freed:
 * the caller just freed about n resident bytes.  util_heap_tick (from a
 * periodic timer): malloc_trim(0) once at least UTIL_HEAP_TRIM_BYTES were
 * freed since the last trim, or less and then nothing for
 * UTIL_HEAP_QUIET_MS, and UTIL_HEAP_TRIM_GAP_MS have passed, so a burst of
 * closes costs one walk of the heap, not one per close; 1 when it trimmed. */
enum { UTIL_HEAP_TRIM_BYTES = 1 << 20, UTIL_HEAP_TRIM_GAP_MS = 2000, UTIL_HEAP_QUIET_MS = 5000 };
void util_heap_freed(size_t n);
int util_heap_tick(uint64_t now_ms);
/* util_heap_trim: malloc_trim(0), and the chunks glibc's per-thread cache
 * of this thread holds no longer pin their pages; wipe: those chunks are
 * cleared too (util.c says how). */
void util_heap_trim(int wipe);
/* util_pages_release: gives the whole pages inside [p, p + len) back to
 * the kernel (MADV_DONTNEED: they read as zeros when touched again).  For
 * static scratch buffers and tables a burst made resident and that hold
 * nothing now (S11); a page never touched costs nothing.  Returns about
 * how many bytes it covered. */
size_t util_pages_release(void *p, size_t len);
/* util_cookie_well_formed: 1 when s can be a session cookie (16-63
 * characters of URL-safe base64), else 0; checked before any lookup. */
int util_cookie_well_formed(const char *s);
/* Duration as ASA shows it: "0h:01m:05s" or "4d 1h:56m:42s". */
void util_duration(char *dst, size_t cap, uint64_t seconds);
/* Set O_NONBLOCK and FD_CLOEXEC. */
int util_nonblock(int fd);
/* Let fd queue bytes (SO_SNDBUFFORCE, else SO_SNDBUF up to wmem_max). */
int util_sndbuf(int fd, int bytes);
/* util_close_from: close every descriptor >= lowfd of the calling process
 * (close_range(2); on a kernel without it, a walk of /proc/self/fd, then
 * of every number below RLIMIT_NOFILE when /proc is absent).  Meant for a
 * single-threaded child between fork and exec: descriptors the parent
 * inherited without FD_CLOEXEC (from a shell, a supervisor) must not reach
 * a less trusted program.  Returns 0, or -1 when the descriptors could not
 * all be enumerated (errno set). */
int util_close_from(int lowfd);

/* util_wait_status: a child's wait status in words for the logs ("exit
 * status N", "killed by signal N (name)"). */
void util_wait_status(int status, char *buf, size_t len);

#endif
