/* The fleet as its phones see it: every live node's record from Redis
 * (fleet_phones.h).  Two rounds on the command link: SMEMBERS of the node
 * names, then one HMGET per name (pipelined; replies come in the order
 * asked); a name whose record expired (a node silent for three heartbeats)
 * is left out.  Nothing blocks main. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "fleet.h"
#include "fleet_phones.h"
#include "main.h"
#include "sslvpnd/util.h"

#define LINK_LOST "the link to the fleet's Redis went away during the read"

struct nodes_read {
	fleet_nodes_fn *fn;
	void *arg;
	size_t asked, answered, n;
	int lost;                /* a reply was NULL: the link went away */
	char names[FLEET_NODES_MAX][64];
	struct fleet_node_rec rec[FLEET_NODES_MAX];
};

static int by_slice(const void *a, const void *b)
{
	const struct fleet_node_rec *x = a, *y = b;

	if (x->slice != y->slice)
		return x->slice < y->slice ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void done(struct mainctx *m, struct nodes_read *q, const char *err)
{
	if (!err)
		qsort(q->rec, q->n, sizeof(q->rec[0]), by_slice);
	q->fn(m, err ? NULL : q->rec, err ? 0 : q->n, err, q->arg);
	free(q);
}

static void str_of(const redisReply *e, char *out, size_t cap)
{
	out[0] = 0;
	if (e && e->type == REDIS_REPLY_STRING)
		util_strlcpy(out, e->str, cap);
}

/* HMGET sslvpnd:node:<name> url slice certhash; url nil = expired */
static void on_record(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct nodes_read *q = arg;
	const char *name = q->names[q->answered++];

	if (!r) {
		q->lost = 1;
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		   r->element[0]->type == REDIS_REPLY_STRING) {
		struct fleet_node_rec *rec = &q->rec[q->n++];
		char slice[16];

		util_strlcpy(rec->name, name, sizeof(rec->name));
		str_of(r->element[0], rec->url, sizeof(rec->url));
		str_of(r->element[1], slice, sizeof(slice));
		str_of(r->element[2], rec->certhash, sizeof(rec->certhash));
		rec->slice = atoi(slice);
	}
	if (q->answered == q->asked)
		done(m, q, q->lost ? LINK_LOST : NULL);
}

static void on_names(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct nodes_read *q = arg;

	if (!r || r->type != REDIS_REPLY_ARRAY) {
		done(m, q, r ? "unexpected reply to SMEMBERS " FLEET_PREFIX "nodes" : LINK_LOST);
		return;
	}
	for (size_t i = 0; i < r->elements && q->asked < FLEET_NODES_MAX; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			util_strlcpy(q->names[q->asked++], r->element[i]->str, sizeof(q->names[0]));
	if (!q->asked) {
		done(m, q, NULL);
		return;
	}
	/* every HMGET is asked before the first answer can come (one loop
	 * turn), so answered == asked only after the last */
	size_t n = q->asked;

	for (size_t i = 0; i < n; i++)
		if (fleet_cmd(m, on_record, q, "HMGET " FLEET_PREFIX "node:%s url slice certhash",
			      q->names[i]) < 0) {
			/* the link went down between two commands: the ones
			 * asked still answer (NULL), the rest never will */
			q->lost = 1;
			q->asked = i;
			if (q->answered == q->asked)
				done(m, q, LINK_LOST);
			return;
		}
}

int fleet_nodes_read(struct mainctx *m, fleet_nodes_fn *fn, void *arg, char *err,
		     size_t errlen)
{
	struct nodes_read *q;

	if (!fleet_enabled(m)) {
		snprintf(err, errlen, "this node is not in a fleet (fleet.redis is not set)");
		return -1;
	}
	if (!fleet_up(m)) {
		char st[160];

		fleet_status(m, st, sizeof(st));
		snprintf(err, errlen, "the fleet's Redis is unreachable: %s", st);
		return -1;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->fn = fn;
	q->arg = arg;
	if (fleet_cmd(m, on_names, q, "SMEMBERS " FLEET_PREFIX "nodes") < 0) {
		free(q);
		snprintf(err, errlen, "the fleet's Redis is unreachable");
		return -1;
	}
	return 0;
}
