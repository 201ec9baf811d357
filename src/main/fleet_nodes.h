/* fleet_nodes (S16, one module since S11): the fleet's node records in
 * Redis, sslvpnd:node:<name>, listed in sslvpnd:nodes; a record expires
 * after three heartbeats without one.  This module owns their format: it
 * writes this node's (fleet.c's heartbeat and reconcile call it) and is
 * the one reader for every view: `show fleet` (fleet_view.c),
 * `certhash --fleet` and `doctor --fleet` (ctl_cmd.c).  fleet_noderec.c is
 * the pure part (parsing, order; unit-tested), fleet_nodes.c the Redis
 * part. */
#ifndef SSLVPND_FLEET_NODES_H
#define SSLVPND_FLEET_NODES_H

#include <stddef.h>

struct mainctx;

enum {
	FLEET_NODES_MAX = 64,    /* a bound on what one read holds */
	FLEET_NODE_NFIELDS = 4,
};

/* The fields a reader asks for (HMGET), in the order fleet_node_parse
 * takes their values. */
#define FLEET_NODE_FIELDS "url slice certhash seen"

/* One node, as its record in Redis says. */
struct fleet_node_rec {
	char name[64];
	char url[256];
	int slice;               /* 0 when the record has none */
	char certhash[41 * 16];  /* comma-separated SHA-1 hex */
	long long seen;          /* epoch s of its last heartbeat; 0: none */
	int alive;               /* 0: named in sslvpnd:nodes, record expired */
};

/* What one read found: nodes in slice order, then by name. */
struct fleet_nodes {
	size_t n;
	int truncated;           /* sslvpnd:nodes named more than the bound */
	struct fleet_node_rec rec[FLEET_NODES_MAX];
};

/* fleet_node_write: this node's record (HSET url started seen version
 * certhash slice, EXPIRE three heartbeats, SADD sslvpnd:nodes); started is
 * when this node's link first came up (epoch s).  Nothing when Redis is
 * not up. */
void fleet_node_write(struct mainctx *m, long long started);

/* fleet_node_parse: rec of node name from the values of FLEET_NODE_FIELDS
 * (NULL: the field is absent).  A record without any field has expired
 * (alive 0); an unparsable number reads as 0. */
void fleet_node_parse(struct fleet_node_rec *rec, const char *name,
		      const char *const val[FLEET_NODE_NFIELDS]);

/* fleet_nodes_sort: slice order, then by name. */
void fleet_nodes_sort(struct fleet_node_rec *rec, size_t n);

/* Which nodes a read reports: only those whose record lives (what phones
 * can reach), or every name of sslvpnd:nodes (show fleet: a dead node
 * still shows, alive 0). */
enum fleet_nodes_which { FLEET_NODES_LIVE, FLEET_NODES_ALL };

/* fleet_nodes_fn: the nodes, or err set (then set is NULL): the link to
 * Redis went away during the read, or Redis answered something else than
 * a set and hashes.  set is valid during the call only. */
typedef void fleet_nodes_fn(struct mainctx *m, const struct fleet_nodes *set, const char *err,
			    void *arg);

/* fleet_nodes_read: SMEMBERS sslvpnd:nodes, then one pipelined HMGET per
 * name (two round trips on fleet.c's command link; nothing blocks main).
 * fn is called once, later, never from inside this call.  -1 with err
 * filled (fleet unset, Redis unreachable) and fn not called. */
int fleet_nodes_read(struct mainctx *m, enum fleet_nodes_which which, fleet_nodes_fn *fn,
		     void *arg, char *err, size_t errlen);

#endif
