/* The pool lease file (leasefile.h): encode and decode, no I/O. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/leasefile.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/recfile.h"

static const char MAGIC[] = "sslvpnd-pool-leases 1\n";

enum { LINE_MAX_LEN = 3 * POOL_OWNER_MAX + 256 };

/* ---- encode */

struct out {
	struct recfile_out f;
	size_t records;
};

/* %XX for every byte that is not a printable non-blank, and for '%'. */
static void owner_encode(char *out, const char *owner)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *s = (const unsigned char *)owner; *s; s++) {
		if (*s > 0x20 && *s < 0x7f && *s != '%') {
			*out++ = (char)*s;
			continue;
		}
		*out++ = '%';
		*out++ = hex[*s >> 4];
		*out++ = hex[*s & 15];
	}
	*out = 0;
}

struct enc {
	struct out *o;
	const struct pool *p;
	int64_t now;
};

static int enc_entry(const struct pool_entry *e, void *arg)
{
	struct enc *c = arg;
	char line[LINE_MAX_LEN], addr[64], owner[3 * POOL_OWNER_MAX + 1];
	int n;

	if (!e->owner || !pool_addr_format(c->p, e->index, addr, sizeof(addr)))
		return 0;
	owner_encode(owner, e->owner);
	n = snprintf(line, sizeof(line), "%d %s %s %lld %s\n", pool_family(c->p),
		     pool_name(c->p), addr, (long long)(e->leased ? c->now : e->last_used),
		     owner);
	if (n > 0 && (size_t)n < sizeof(line)) {
		recfile_put(&c->o->f, line, (size_t)n);
		c->o->records++;
	}
	return 0;
}

int leasefile_encode(struct pool *const *pools, size_t n, int64_t now, char **out,
		     size_t *len)
{
	struct out o = { .f.max = LEASEFILE_MAX };

	recfile_put(&o.f, MAGIC, sizeof(MAGIC) - 1);
	for (size_t i = 0; i < n; i++) {
		struct enc c = { .o = &o, .p = pools[i], .now = now };

		if (pools[i])
			pool_foreach(pools[i], enc_entry, &c);
	}
	return recfile_finish(&o.f, o.records, out, len);
}

/* ---- decode */

struct rec {
	struct pool *pool;
	size_t index;
	int64_t last_used;
	const char *owner;
};

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int owner_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		int h = hexval(s[1]), l = h < 0 ? -1 : hexval(s[2]);

		if (l < 0 || (h == 0 && l == 0))
			return -1;
		*o++ = (char)(h << 4 | l);
		s += 2;
	}
	*o = 0;
	return 0;
}

static struct pool *find_pool(struct pool *const *pools, size_t n, int family,
			      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (pools[i] && pool_family(pools[i]) == family &&
		    strcmp(pool_name(pools[i]), name) == 0)
			return pools[i];
	return NULL;
}

/* One record (NUL-terminated).  -1: garbled; 0 with r->pool NULL: well
 * formed but for a pool or address these pools do not have. */
static int parse_record(char *line, struct pool *const *pools, size_t n, struct rec *r)
{
	char *f[5], *save = NULL, *end;
	int k = 0;

	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (k == 5)
			return -1;
		f[k++] = t;
	}
	if (k != 5 || (strcmp(f[0], "4") && strcmp(f[0], "6")) || owner_decode(f[4]) < 0 ||
	    !*f[4] || strlen(f[4]) >= POOL_OWNER_MAX)
		return -1;
	errno = 0;
	r->last_used = strtoll(f[3], &end, 10);
	if (errno || *end || r->last_used < 0)
		return -1;
	r->pool = find_pool(pools, n, f[0][0] - '0', f[1]);
	if (r->pool && pool_addr_parse(r->pool, f[2], &r->index) < 0)
		r->pool = NULL;
	r->owner = f[4];
	return 0;
}

/* Magic, final newline, end line, CRC.  Sets [*body, *body_end) to the
 * records and *records to their announced count. */
static const char *verify(char *buf, size_t len, char **body, char **body_end,
			  size_t *records)
{
	size_t ml = sizeof(MAGIC) - 1;
	const char *why;

	if (len < ml || memcmp(buf, MAGIC, ml))
		return "not a lease file (bad first line)";
	why = recfile_trailer(buf, len, buf + ml, body_end, records);
	if (!why)
		*body = buf + ml;
	return why;
}

static const char *parse_all(char *body, char *body_end, struct pool *const *pools,
			     size_t n, struct rec *v, size_t records, size_t *nv)
{
	size_t lines = 0;

	*nv = 0;
	while (body < body_end) {
		char *nl = memchr(body, '\n', (size_t)(body_end - body));

		if (!nl || lines++ == records)
			return "record count mismatch";
		*nl = 0;
		if (parse_record(body, pools, n, &v[*nv]) < 0)
			return "garbled record";
		if (v[*nv].pool)
			(*nv)++;
		body = nl + 1;
	}
	return lines == records ? NULL : "record count mismatch";
}

static int by_last_used(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->last_used < y->last_used ? -1 : x->last_used > y->last_used;
}

long leasefile_decode(char *buf, size_t len, struct pool *const *pools, size_t n,
		      int64_t now, uint32_t window, const char **why)
{
	char *body, *body_end;
	size_t records = 0, nv = 0;
	struct rec *v;
	long kept = 0;

	*why = verify(buf, len, &body, &body_end, &records);
	if (*why)
		return -1;
	if (records > len / 8) {
		*why = "record count mismatch";
		return -1;
	}
	v = calloc(records + 1, sizeof(*v));
	if (!v) {
		*why = "out of memory";
		return -1;
	}
	*why = parse_all(body, body_end, pools, n, v, records, &nv);
	if (*why) {
		free(v);
		return -1;
	}
	/* Oldest first: pool_remember moves each address to the end of the
	 * reuse order, so the most recent memories are reused last. */
	qsort(v, nv, sizeof(*v), by_last_used);
	for (size_t i = 0; i < nv; i++) {
		if (window && now > v[i].last_used && now - v[i].last_used > (int64_t)window)
			continue;
		kept += pool_remember(v[i].pool, v[i].index, v[i].owner, v[i].last_used) == 0;
	}
	free(v);
	return kept;
}
