/* fleet_phones.c (S16): what the fleet's phones need from Redis — every
 * live node's record (url, slice, certhash), for `certhash --fleet` (the
 * CUCM vpnGroup) and the doctor's fleet check. */
#ifndef SSLVPND_FLEET_PHONES_H
#define SSLVPND_FLEET_PHONES_H

#include <stddef.h>

struct mainctx;

enum { FLEET_NODES_MAX = 32 };

/* One live node, as its record in Redis says (sslvpnd:node:<name>). */
struct fleet_node_rec {
	char name[64];
	char url[256];
	int slice;               /* 0 when the record has none */
	char certhash[41 * 16];  /* comma-separated SHA-1 hex */
};

/* fleet_nodes_fn: the live nodes in slice order (then by name), or err set
 * (then n is 0).  nodes is valid during the call only. */
typedef void fleet_nodes_fn(struct mainctx *m, const struct fleet_node_rec *nodes, size_t n,
			    const char *err, void *arg);

/* fleet_nodes_read: read every live node's record (sslvpnd:nodes, then the
 * records that have not expired); fn is called once, later.  -1 with err
 * filled (fleet unset, Redis unreachable) and fn not called. */
int fleet_nodes_read(struct mainctx *m, fleet_nodes_fn *fn, void *arg, char *err,
		     size_t errlen);

#endif
