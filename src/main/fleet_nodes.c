/* The fleet's node records (fleet_nodes.h): this node's, written at every
 * heartbeat, and every node's, read.  Reading takes two rounds on the
 * command link: SMEMBERS of the node names, then one HMGET per name
 * (pipelined; replies come in the order asked).  A name whose record
 * expired (a node silent for three heartbeats) between the two rounds or
 * before is reported dead or left out, as the caller asked.  Every command
 * gets a reply or NULL when the link drops, so a read always ends. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "fleet.h"
#include "fleet_nodes.h"
#include "main.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

/* certhash: what phones pin on this node (tls_phone_sha1s), read from the
 * certificate files once per configuration and worker generation (a reload
 * that changes a certificate starts one), not every heartbeat; slice:
 * certhash --fleet lists the nodes in slice order. */
static const char *node_certhash(const struct mainctx *m)
{
	static const struct sslvpnd_config *cfg_seen;
	static uint32_t gen_seen;
	static char hashes[41 * 16];

	if (cfg_seen != m->cfg || gen_seen != m->worker_gen || !hashes[0]) {
		cfg_seen = m->cfg;
		gen_seen = m->worker_gen;
		tls_phone_sha1s(m->cfg, hashes, sizeof(hashes));
	}
	return hashes;
}

/* The record lives three heartbeats: a node silent that long is gone.
 * started and version are for people reading Redis; the readers take
 * FLEET_NODE_FIELDS. */
void fleet_node_write(struct mainctx *m, long long started)
{
	const char *node = fleet_node(m);
	char key[128], since[24], seen[24], ttl[16], slice[8];

	snprintf(key, sizeof(key), FLEET_PREFIX "node:%s", node);
	snprintf(since, sizeof(since), "%lld", started);
	snprintf(seen, sizeof(seen), "%lld", (long long)time(NULL));
	snprintf(ttl, sizeof(ttl), "%d", 3 * m->cfg->fleet.heartbeat);
	snprintf(slice, sizeof(slice), "%d", m->cfg->fleet.slice);
	fleet_cmd(m, NULL, NULL, "HSET %s url %s started %s seen %s version %s certhash %s slice %s",
		  key, m->cfg->fleet.url, since, seen, PACKAGE_VERSION, node_certhash(m), slice);
	fleet_cmd(m, NULL, NULL, "EXPIRE %s %s", key, ttl);
	fleet_cmd(m, NULL, NULL, "SADD " FLEET_PREFIX "nodes %s", node);
}

#define LINK_LOST "the link to the fleet's Redis went away during the read"

struct nodes_read {
	fleet_nodes_fn *fn;
	void *arg;
	enum fleet_nodes_which which;
	size_t asked, answered;
	const char *bad;         /* the first failure: the read fails */
	char names[FLEET_NODES_MAX][64];
	struct fleet_nodes set;
};

static void done(struct mainctx *m, struct nodes_read *q)
{
	if (!q->bad)
		fleet_nodes_sort(q->set.rec, q->set.n);
	q->fn(m, q->bad ? NULL : &q->set, q->bad, q->arg);
	free(q);
}

/* HMGET sslvpnd:node:<name> FLEET_NODE_FIELDS */
static void on_record(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct nodes_read *q = arg;
	const char *name = q->names[q->answered++];

	if (!r) {
		q->bad = LINK_LOST;
	} else if (r->type != REDIS_REPLY_ARRAY || r->elements != FLEET_NODE_NFIELDS) {
		if (!q->bad)
			q->bad = "unexpected reply to HMGET of a node record";
	} else if (!q->bad) {
		const char *val[FLEET_NODE_NFIELDS];
		struct fleet_node_rec *rec = &q->set.rec[q->set.n];

		for (size_t i = 0; i < FLEET_NODE_NFIELDS; i++)
			val[i] = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str
									   : NULL;
		fleet_node_parse(rec, name, val);
		if (rec->alive || q->which == FLEET_NODES_ALL)
			q->set.n++;
	}
	if (q->answered == q->asked)
		done(m, q);
}

static void on_names(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct nodes_read *q = arg;

	if (!r || r->type != REDIS_REPLY_ARRAY) {
		q->bad = r ? "unexpected reply to SMEMBERS " FLEET_PREFIX "nodes" : LINK_LOST;
		done(m, q);
		return;
	}
	for (size_t i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if (q->asked == FLEET_NODES_MAX) {
			q->set.truncated = 1;
			break;
		}
		util_strlcpy(q->names[q->asked++], r->element[i]->str, sizeof(q->names[0]));
	}
	if (!q->asked) {
		done(m, q);
		return;
	}
	/* every HMGET is asked before the first answer can come (one loop
	 * turn), so answered == asked only after the last */
	size_t n = q->asked;

	for (size_t i = 0; i < n; i++)
		if (fleet_cmd(m, on_record, q, "HMGET " FLEET_PREFIX "node:%s " FLEET_NODE_FIELDS,
			      q->names[i]) < 0) {
			/* the link went down between two commands: the ones
			 * asked still answer (NULL), the rest never will */
			q->bad = LINK_LOST;
			q->asked = i;
			if (q->answered == q->asked)
				done(m, q);
			return;
		}
}

int fleet_nodes_read(struct mainctx *m, enum fleet_nodes_which which, fleet_nodes_fn *fn,
		     void *arg, char *err, size_t errlen)
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
	q->which = which;
	if (fleet_cmd(m, on_names, q, "SMEMBERS " FLEET_PREFIX "nodes") < 0) {
		free(q);
		snprintf(err, errlen, "the fleet's Redis is unreachable");
		return -1;
	}
	return 0;
}
