/* The node record's pure part (fleet_nodes.h): the values of one HMGET
 * into a struct, and the order every view lists nodes in.  No Redis here,
 * so check_fleet_nodes tests it alone. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fleet_nodes.h"
#include "sslvpnd/util.h"

enum { F_URL, F_SLICE, F_CERTHASH, F_SEEN };

static long long num(const char *s)
{
	char *end;
	long long v;

	if (!s)
		return 0;
	v = strtoll(s, &end, 10);
	return end == s || *end ? 0 : v;
}

void fleet_node_parse(struct fleet_node_rec *rec, const char *name,
		      const char *const val[FLEET_NODE_NFIELDS])
{
	long long slice = num(val[F_SLICE]);

	memset(rec, 0, sizeof(*rec));
	util_strlcpy(rec->name, name, sizeof(rec->name));
	for (int i = 0; i < FLEET_NODE_NFIELDS; i++)
		rec->alive |= val[i] != NULL;
	util_strlcpy(rec->url, val[F_URL] ? val[F_URL] : "", sizeof(rec->url));
	util_strlcpy(rec->certhash, val[F_CERTHASH] ? val[F_CERTHASH] : "",
		     sizeof(rec->certhash));
	rec->slice = slice > 0 && slice <= 0xffff ? (int)slice : 0;
	rec->seen = num(val[F_SEEN]);
}

static int by_slice(const void *a, const void *b)
{
	const struct fleet_node_rec *x = a, *y = b;

	if (x->slice != y->slice)
		return x->slice < y->slice ? -1 : 1;
	return strcmp(x->name, y->name);
}

void fleet_nodes_sort(struct fleet_node_rec *rec, size_t n)
{
	if (n)
		qsort(rec, n, sizeof(rec[0]), by_slice);
}
