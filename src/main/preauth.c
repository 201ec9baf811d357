/* main's record of every connection it handed to a worker, and the
 * pre-authentication counts per source address and in total
 * (limits.max-preauth-per-source / max-preauth-total).
 *
 * Only main sees every connection of every worker, so both live here.  A
 * record exists from the hand-over until the worker reports the connection
 * closed (CONN_DONE) or dies: the worker, the conn id, the client's
 * address and port and our local port as the kernel gave them to main
 * (accept, getsockname), and the connection's state.  main takes these
 * facts from here, never from a worker's message, and a message naming a
 * connection that worker was not given, or not allowed in the
 * connection's state (conn_rules), is a protocol violation (100518).
 *
 * A connection counts towards the pre-auth limits from the hand-over until
 * it closes, its tunnel opens (a TUNNEL_REQ answered OK) or its worker
 * dies.  The accept path asks preauth_admit before handing a connection
 * over: a refused one is closed before any TLS byte.  Tunnels do not
 * count: a branch NAT full of phones is one address with many sessions. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "metrics.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { PA_BUCKETS = 1024 };

struct pa_src {
	uint8_t addr[16];          /* IPv4 as ::ffff:a.b.c.d */
	unsigned n;
	struct pa_src *next;
};

struct pa_conn {
	struct mconn pub;
	const struct worker_proc *w;
	struct pa_src *src;        /* counted as pre-auth while set */
	struct pa_conn *next;
};

static struct pa_src *srcs[PA_BUCKETS];
static struct pa_conn *conns[PA_BUCKETS];
static size_t total;

static void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return;
	}
	key[10] = key[11] = 0xff;
	memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
}

static size_t addr_hash(const uint8_t key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PA_BUCKETS;
}

static struct pa_src *src_find(const uint8_t key[16], int create)
{
	struct pa_src **head = &srcs[addr_hash(key)];

	for (struct pa_src *s = *head; s; s = s->next)
		if (!memcmp(s->addr, key, 16))
			return s;
	if (!create)
		return NULL;
	struct pa_src *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s->addr, key, 16);
	s->next = *head;
	*head = s;
	return s;
}

static void src_put(struct pa_src *s)
{
	if (--s->n)
		return;
	for (struct pa_src **pp = &srcs[addr_hash(s->addr)]; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			free(s);
			return;
		}
}

static void refused(const struct listener *l, const struct sockaddr *peer, unsigned n,
		    const char *scope)
{
	char host[64], port[8], count[16];
	uint16_t p;

	util_sockaddr_str(peer, host, sizeof(host), &p);
	snprintf(port, sizeof(port), "%u", p);
	snprintf(count, sizeof(count), "%u", n);
	log_event_rl(LM_PREAUTH_LIMIT, l->ifc->name, host, port, count, scope);
	metrics_count(MET_PREAUTH_REFUSED, scope[0] == 'f' ? "source" : "total");
}

int preauth_admit(struct mainctx *m, const struct listener *l, const struct sockaddr *peer)
{
	const struct cfg_limits *lim = &m->cfg->limits;
	uint8_t key[16];
	const struct pa_src *s;

	if (total >= (size_t)lim->max_preauth_total) {
		refused(l, peer, (unsigned)total, "in total (max-preauth-total)");
		return -1;
	}
	addr_key(peer, key);
	s = src_find(key, 0);
	if (s && s->n >= (unsigned)lim->max_preauth_per_source) {
		refused(l, peer, s->n, "from this address (max-preauth-per-source)");
		return -1;
	}
	return 0;
}

void preauth_add(const struct worker_proc *w, const struct ipc_conn_new *cn,
		 const struct sockaddr *peer)
{
	uint8_t key[16];
	struct pa_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return;  /* unknown to main: its messages kill the worker, the
			  * client reconnects (out of memory in main anyway) */
	addr_key(peer, key);
	c->src = src_find(key, 1);
	if (c->src) {  /* else uncounted: out of memory costs the limit */
		c->src->n++;
		total++;
	}
	c->pub.conn_id = cn->conn_id;
	c->pub.state = MCONN_HANDED;
	util_strlcpy(c->pub.peer, cn->peer, sizeof(c->pub.peer));
	c->pub.peer_port = cn->peer_port;
	c->pub.local_port = cn->local_port;
	c->pub.handed_at = time(NULL);
	c->w = w;
	c->next = conns[cn->conn_id % PA_BUCKETS];
	conns[cn->conn_id % PA_BUCKETS] = c;
}

static void uncount(struct pa_conn *c)
{
	if (!c->src)
		return;
	src_put(c->src);
	c->src = NULL;
	total--;
}

static void drop(struct pa_conn **pp)
{
	struct pa_conn *c = *pp;

	*pp = c->next;
	uncount(c);
	free(c);
}

static struct pa_conn **find(const struct worker_proc *w, uint32_t conn_id)
{
	for (struct pa_conn **pp = &conns[conn_id % PA_BUCKETS]; *pp; pp = &(*pp)->next)
		if ((*pp)->pub.conn_id == conn_id && (*pp)->w == w)
			return pp;
	return NULL;
}

void preauth_tunnel(const struct worker_proc *w, uint32_t conn_id)
{
	struct pa_conn **pp = find(w, conn_id);

	if (!pp)
		return;
	uncount(*pp);
	(*pp)->pub.state = MCONN_TUNNEL;
}

void preauth_worker_gone(const struct worker_proc *w)
{
	for (size_t i = 0; i < PA_BUCKETS; i++)
		for (struct pa_conn **pp = &conns[i]; *pp;)
			if ((*pp)->w == w)
				drop(pp);
			else
				pp = &(*pp)->next;
}

size_t preauth_count(void)
{
	return total;
}

/* Which worker message may name a connection in which state, and what it
 * makes of it.  A worker confirms a connection once (CONN_TAKEN, before it
 * reads a byte); logins and CONNECTs come before the tunnel; CONN_DONE
 * ends the record.  TUNNEL_CLOSED / TUNNEL_STATS are not here: they name a
 * session's tunnel (sessions.c matches worker, session and conn id) and
 * may come after the connection's CONN_DONE. */
enum { M_HANDED = 1 << MCONN_HANDED, M_TAKEN = 1 << MCONN_TAKEN, M_TUNNEL = 1 << MCONN_TUNNEL };

static const struct {
	enum ipc_type type;
	unsigned allowed;          /* mask of 1 << enum mconn_state */
	int next;                  /* new state, -1 unchanged, -2 record ends */
} conn_rules[] = {
	{ IPC_CONN_TAKEN, M_HANDED, MCONN_TAKEN },
	{ IPC_AUTH_REQ, M_TAKEN, -1 },
	{ IPC_TUNNEL_REQ, M_TAKEN, -1 },
	{ IPC_PROFILE_REQ, M_TAKEN, -1 },
	{ IPC_SRC_EVENT, M_TAKEN | M_TUNNEL, -1 },
	{ IPC_CONN_DONE, M_TAKEN | M_TUNNEL, -2 },
};

const struct mconn *mconn_find(const struct worker_proc *w, uint32_t conn_id)
{
	struct pa_conn **pp = find(w, conn_id);

	return pp ? &(*pp)->pub : NULL;
}

const char *mconn_state_name(enum mconn_state st)
{
	static const char *const names[] = {
		[MCONN_HANDED] = "handed over", [MCONN_TAKEN] = "taken",
		[MCONN_TUNNEL] = "tunnel",
	};
	return names[st];
}

const struct mconn *mconn_check(struct worker_proc *w, uint32_t conn_id,
				enum ipc_type type)
{
	struct pa_conn **pp = find(w, conn_id);
	char state[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(conn_rules) && conn_rules[i].type != type; i++)
		;
	if (i == ARRAY_SIZE(conn_rules))
		return NULL;  /* a bug: every caller's type has a rule */
	if (!pp) {
		snprintf(state, sizeof(state), "ready, connection %u unknown", conn_id);
		proc_violation(w, ipc_msgs[type].name, state,
			       "a connection main never handed to it");
		return NULL;
	}
	if (!(conn_rules[i].allowed & (1u << (*pp)->pub.state))) {
		snprintf(state, sizeof(state), "ready, connection %u %s", conn_id,
			 mconn_state_name((*pp)->pub.state));
		proc_violation(w, ipc_msgs[type].name, state,
			       "not allowed in the connection's state");
		return NULL;
	}
	if (conn_rules[i].next == -2) {
		static struct mconn last;  /* main is single-threaded */

		last = (*pp)->pub;
		drop(pp);
		return &last;
	}
	if (conn_rules[i].next >= 0)
		(*pp)->pub.state = (enum mconn_state)conn_rules[i].next;
	return &(*pp)->pub;
}
