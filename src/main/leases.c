/* Pool address memory across restarts: <state-dir>/pool-leases.
 *
 * What is kept is the pools' owner memory: which user last had which
 * address and when, so a phone that comes back after a daemon restart gets
 * the address it had (format and checks: leasefile.h).  Addresses leased at
 * save time are written with the save time: after a restart their sessions
 * are gone and the addresses are free, remembered for their owners.
 *
 * Written to a temporary file, fsync'd, renamed over the old one, then the
 * directory fsync'd: a crash leaves either the old or the new file.  A
 * file that is truncated, garbled or fails its CRC is ignored as a whole
 * with a warning (100222); a record naming a pool or address that the
 * configuration no longer has is skipped.
 *
 * Saving is debounced: changes mark the memory dirty and leases_tick
 * writes at most once per LEASES_SAVE_INTERVAL; shutdown writes at once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "main.h"
#include "sslvpnd/leasefile.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"

enum { LEASES_SAVE_INTERVAL = 5 /* seconds */ };

static const char LEASES_FILE[] = "pool-leases";

/* Main's lease memory bookkeeping (one main process, one loop). */
static struct {
	int dirty;
	time_t saved_at;
} lstate;

void leases_dirty(void)
{
	lstate.dirty = 1;
}

/* Both families in one array, as leasefile.c takes them. */
static struct pool **all_pools(struct mainctx *m, size_t *n)
{
	size_t n4 = m->pools ? m->cfg->n_pools : 0, n6 = m->pools6 ? m->n_pools6 : 0;
	struct pool **v = calloc(n4 + n6 + 1, sizeof(*v));

	if (!v)
		return NULL;
	if (n4)
		memcpy(v, m->pools, n4 * sizeof(*v));
	if (n6)
		memcpy(v + n4, m->pools6, n6 * sizeof(*v));
	*n = n4 + n6;
	return v;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* tmp, fsync, rename, fsync(dir): the file is whole, old or new. */
int leases_write_atomic(const char *dir, const char *path, const char *p, size_t n)
{
	char tmp[CFG_PATH_MAX + 32];
	int fd, dfd, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	rc = write_all(fd, p, n) < 0 || fsync(fd) < 0 ? -1 : 0;
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int leases_save(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], *text = NULL;
	size_t n = 0, len = 0;
	struct pool **v = all_pools(m, &n);
	time_t now = time(NULL);
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", m->cfg->general.state_dir, LEASES_FILE);
	errno = ENOMEM;
	if (v && leasefile_encode(v, n, now, &text, &len) == 0)
		rc = leases_write_atomic(m->cfg->general.state_dir, path, text, len);
	if (rc < 0)
		log_event(LM_LEASES_SAVE_FAILED, path, strerror(errno));
	else
		lstate.dirty = 0;
	lstate.saved_at = now;
	free(text);
	free(v);
	return rc;
}

void leases_tick(struct mainctx *m)
{
	time_t now = time(NULL);

	if (lstate.dirty && (now - lstate.saved_at >= LEASES_SAVE_INTERVAL ||
			     now < lstate.saved_at)) {
		leases_save(m);
		sessions_store_save(m); /* the sessions holding the leases */
	}
}

char *leases_read(const char *path, size_t max, size_t *len, const char **why)
{
	struct stat st;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*why = NULL;
	if (fd < 0)
		return NULL; /* no file yet: nothing to remember */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		*why = "not a regular file of sane size";
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		*why = "out of memory";
	else if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		*why = "short read";
	close(fd);
	if (*why) {
		free(buf);
		return NULL;
	}
	*len = (size_t)st.st_size;
	return buf;
}

int leases_load(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], num[24], *buf;
	const char *why;
	struct pool **v = NULL;
	size_t len = 0, n = 0;
	long kept = -1;

	snprintf(path, sizeof(path), "%s/%s", m->cfg->general.state_dir, LEASES_FILE);
	buf = leases_read(path, LEASEFILE_MAX, &len, &why);
	if (buf && !(v = all_pools(m, &n)))
		why = "out of memory";
	if (buf && v)
		kept = leasefile_decode(buf, len, v, n, time(NULL),
					(uint32_t)m->cfg->general.address_reuse_window, &why);
	free(v);
	free(buf);
	if (why) {
		log_event(LM_LEASES_IGNORED, path, why);
		return -1;
	}
	if (kept >= 0) {
		snprintf(num, sizeof(num), "%ld", kept);
		log_event(LM_LEASES_LOADED, num, path);
	}
	return 0;
}
