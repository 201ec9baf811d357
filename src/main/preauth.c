/* Pre-authentication connections counted per source address and in total
 * (limits.max-preauth-per-source / max-preauth-total).
 *
 * Only main sees every connection of every worker, so the count lives
 * here: a connection counts from the moment a worker gets it (hand_over)
 * until the worker reports it closed (CONN_DONE), its tunnel opens (a
 * TUNNEL_REQ answered OK) or its worker dies.  The accept path asks
 * preauth_admit before handing a connection over: a refused one is closed
 * before any TLS byte.  Tunnels do not count: a branch NAT full of phones
 * is one address with many sessions. */
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
	uint32_t conn_id;
	const struct worker_proc *w;
	struct pa_src *src;
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

void preauth_add(const struct worker_proc *w, uint32_t conn_id, const struct sockaddr *peer)
{
	uint8_t key[16];
	struct pa_conn *c = calloc(1, sizeof(*c));

	addr_key(peer, key);
	if (!c || !(c->src = src_find(key, 1))) {
		free(c);  /* uncounted: out of memory costs the limit, not the client */
		return;
	}
	c->src->n++;
	c->conn_id = conn_id;
	c->w = w;
	c->next = conns[conn_id % PA_BUCKETS];
	conns[conn_id % PA_BUCKETS] = c;
	total++;
}

static void drop(struct pa_conn **pp)
{
	struct pa_conn *c = *pp;

	*pp = c->next;
	src_put(c->src);
	free(c);
	total--;
}

void preauth_end(uint32_t conn_id)
{
	for (struct pa_conn **pp = &conns[conn_id % PA_BUCKETS]; *pp; pp = &(*pp)->next)
		if ((*pp)->conn_id == conn_id) {
			drop(pp);
			return;
		}
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
