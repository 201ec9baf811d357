/* The addresses of a session: IPv4 and IPv6 leases from the pools its
 * policy names, their host routes, and the pools' side of a reload (live
 * leases move into the new pool objects).  The table itself is
 * sessions.c. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_lease.h"
#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

const char *sessions_fmt4(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { htonl(a) };

	inet_ntop(AF_INET, &in, buf, (socklen_t)len);
	return buf;
}

const char *sessions_fmt6(const uint8_t a[16], char *buf, size_t len)
{
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

void sessions_lease_unroute(struct mainctx *m, struct session *s)
{
	if (s->addr && s->routed_ifindex > 0)
		net_route_host_del(m->net, htonl(s->addr), s->routed_ifindex);
	s->routed_ifindex = 0;
	if (s->pool6 && s->routed6_ifindex > 0)
		net_route_host6_del(m->net, s->addr6, s->routed6_ifindex);
	s->routed6_ifindex = 0;
}

/* The address stays remembered for the user (reuse window); the pools'
 * memory is saved soon (leases.c). */
void sessions_lease_release(struct mainctx *m, struct session *s)
{
	int64_t now = time(NULL);
	char tag[16], a[INET6_ADDRSTRLEN];

	sessions_lease_unroute(m, s);
	fleet_lease_drop(m, s);
	snprintf(tag, sizeof(tag), "%x", s->id);
	if (s->addr && s->pool && pool_release_at(s->pool, s->addr, now) == 0)
		log_event(LM_ADDR_RELEASED, tag, sessions_fmt4(s->addr, a, sizeof(a)));
	if (s->pool6 && pool_release6(s->pool6, s->addr6, now) == 0)
		log_event(LM_ADDR_RELEASED, tag, sessions_fmt6(s->addr6, a, sizeof(a)));
	if (s->pool || s->pool6)
		leases_dirty();
	s->addr = 0;
	s->pool = NULL;
	s->pool6 = NULL;
}

void sessions_lease_route(struct mainctx *m, struct session *s, int ifindex)
{
	if (s->routed_ifindex != ifindex) {
		sessions_lease_unroute(m, s);
		if (net_route_host_set(m->net, htonl(s->addr), ifindex) == 0)
			s->routed_ifindex = ifindex;
	}
	if (s->pool6 && s->routed6_ifindex != ifindex &&
	    net_route_host6_set(m->net, s->addr6, ifindex) == 0)
		s->routed6_ifindex = ifindex;
}

size_t sessions_move_leases(struct mainctx *m, struct pool *from, struct pool *to)
{
	size_t n = 0;

	for (struct session *s = m->sessions; s; s = s->next) {
		if (s->pool != from || !s->addr || !pool_contains(to, s->addr))
			continue;
		if (pool_take(to, s->addr, s->user) < 0)
			continue;
		pool_release(from, s->addr);
		s->pool = to;
		fleet_lease_claim(m, s);  /* a renamed pool is another key */
		n++;
	}
	return n;
}

static int lease(struct mainctx *m, struct session *s,
		 const struct cfg_name_list *pools)
{
	for (size_t i = 0; i < pools->n; i++) {
		for (size_t j = 0; j < m->cfg->n_pools; j++) {
			if (strcmp(m->cfg->pools[j].name, pools->v[i]))
				continue;
			if (pool_lease_at(m->pools[j], s->user, time(NULL), &s->addr) == 0) {
				s->pool = m->pools[j];
				fleet_lease_claim(m, s);
				leases_dirty();
				return 0;
			}
		}
	}
	return -1;
}

static int lease6(struct mainctx *m, struct session *s,
		  const struct cfg_name_list *pools)
{
	for (size_t i = 0; i < pools->n; i++) {
		for (size_t j = 0; j < m->n_pools6; j++) {
			if (!m->pools6[j] || strcmp(pool_name(m->pools6[j]), pools->v[i]))
				continue;
			if (pool_lease6(m->pools6[j], s->user, time(NULL), s->addr6) == 0) {
				s->pool6 = m->pools6[j];
				leases_dirty();
				return 0;
			}
		}
	}
	return -1;
}

/* ---- IPv6 pools at a reload */

static int same_pool6(struct pool *old, const struct cfg_pool6 *p)
{
	char first[64];
	size_t idx;

	return old && !strcmp(pool_name(old), p->name) && pool_size(old) == (size_t)p->count &&
	       pool_prefix_len(old) == (unsigned)p->plen &&
	       inet_ntop(AF_INET6, p->first, first, sizeof(first)) &&
	       pool_addr_parse(old, first, &idx) == 0 && idx == 0;
}

/* Live leases of old that fall inside one of the new pools move there
 * (same address, same owner), so no new session gets an address in use. */
static void move_leases6(struct mainctx *m, struct pool *old, struct pool **np, size_t n)
{
	for (struct session *s = m->sessions; s; s = s->next) {
		if (s->pool6 != old)
			continue;
		for (size_t i = 0; i < n; i++)
			if (np[i] && pool_take6(np[i], s->addr6, s->user) == 0) {
				pool_release6(old, s->addr6, time(NULL));
				s->pool6 = np[i];
				break;
			}
	}
}

void sessions_pools6_reload(struct mainctx *m, const struct sslvpnd_config *next)
{
	struct pool **np = calloc(next->n_pools6 + 1, sizeof(*np));
	size_t i, j;

	if (!np) {
		log_warnx("ipv6 local pools: out of memory at reload; the running pools stay");
		return;
	}
	for (i = 0; i < next->n_pools6; i++) {
		const struct cfg_pool6 *p = &next->pools6[i];

		for (j = 0; j < m->n_pools6 && !np[i]; j++)
			if (same_pool6(m->pools6[j], p)) {
				np[i] = m->pools6[j];
				m->pools6[j] = NULL; /* kept: not retired below */
			}
		if (!np[i]) {
			np[i] = pool_new6(p->name, p->first, (unsigned)p->plen, (uint32_t)p->count);
			if (np[i])
				fleet_lease_cut(m, np[i]);
		}
		if (!np[i])
			log_warnx("ipv6 local pool %s: cannot create (out of memory)", p->name);
		else
			pool_set_window(np[i], (uint32_t)next->general.address_reuse_window);
	}
	for (j = 0; j < m->n_pools6; j++) {
		if (!m->pools6[j])
			continue;
		move_leases6(m, m->pools6[j], np, next->n_pools6);
		reload_retire_pool(m, m->pools6[j], 1);
	}
	free(m->pools6);
	m->pools6 = np;
	m->n_pools6 = next->n_pools6;
	leases_dirty();
}

/* 737019 names no pool; our text lists the ones tried. */
void sessions_lease_log_no_address(const struct session *s, const struct cfg_name_list *pools,
			   const char *family)
{
	char tag[16], list[CFG_LIST_MAX * (CFG_NAME_MAX + 1) + 1] = "";
	size_t o = 0;

	snprintf(tag, sizeof(tag), "%x", s->id);
	for (size_t i = 0; i < pools->n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? "," : "",
				      pools->v[i]);
	if (!pools->n)
		util_strlcpy(list, "(none configured)", sizeof(list));
	log_event(LM_POOL_NO_ADDRESS, tag, s->user, list, family);
}

/* IPv6 pools: group policy ipv6-address-pools over tunnel group
 * ipv6-address-pool.  As on the ASA, a session that finds no IPv6 address
 * still comes up with IPv4 only. */
void sessions_lease_ipv6(struct mainctx *m, struct session *s,
			   const struct gp_effective *e, const struct cfg_tunnel_group *tg)
{
	const struct gp_value *v = e->v[GPA_IPV6_ADDRESS_POOLS];
	struct cfg_name_list pools;

	memset(&pools, 0, sizeof(pools));
	if (v->state == GP_VALUE) {
		for (size_t i = 0; i < v->n_list && i < CFG_LIST_MAX; i++)
			util_strlcpy(pools.v[pools.n++], v->list[i], CFG_NAME_MAX);
	} else if (tg) {
		pools = tg->ipv6_address_pools;
	}
	if (pools.n && lease6(m, s, &pools) < 0)
		sessions_lease_log_no_address(s, &pools, "6");
}

/* Pools: group policy address-pools over tunnel group address-pool. */
static void session_pools(struct mainctx *m, const struct gp_effective *e,
			  const struct cfg_tunnel_group *tg,
			  struct cfg_name_list *out)
{
	const struct gp_value *v = e->v[GPA_ADDRESS_POOLS];

	memset(out, 0, sizeof(*out));
	if (v->state == GP_VALUE) {
		for (size_t i = 0; i < v->n_list && i < CFG_LIST_MAX; i++)
			util_strlcpy(out->v[out->n++], v->list[i], CFG_NAME_MAX);
		return;
	}
	if (tg)
		*out = tg->address_pools;
}


static struct pool *pool4_named(struct mainctx *m, const char *name);

/* The address the AAA server assigned (Framed-IP-Address, S15): taken in
 * the session's pools, so its mask, routes and lease file work as for a
 * pool address; one in use by another session, or in none of them, refuses
 * the tunnel (100288). */
static int lease_framed(struct mainctx *m, struct session *s,
			const struct cfg_name_list *pools)
{
	uint32_t a = ntohl(s->aaa_framed_ip);
	char ip[INET_ADDRSTRLEN], why[160];
	struct in_addr in = { s->aaa_framed_ip };

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	for (size_t i = 0; i < pools->n; i++) {
		struct pool *p = pool4_named(m, pools->v[i]);

		if (!p || !pool_contains(p, a))
			continue;
		if (pool_take(p, a, s->user) == 0) {
			s->pool = p;
			s->addr = a;
			fleet_lease_claim(m, s);
			leases_dirty();
			return 0;
		}
		snprintf(why, sizeof(why), "Framed-IP-Address %s is in use by another session", ip);
		log_event(LM_AAA_ATTR_REFUSED, s->user, s->peer, s->aaa_server, why);
		return -1;
	}
	snprintf(why, sizeof(why), "Framed-IP-Address %s is in none of the session's pools", ip);
	log_event(LM_AAA_ATTR_REFUSED, s->user, s->peer, s->aaa_server, why);
	return -1;
}

void sessions_lease_pools(struct mainctx *m, const struct session *s,
			 struct cfg_name_list *pools)
{
	const struct sslvpnd_config *cfg = s->snap->cfg;
	struct gp_effective e;

	policy_resolve(cfg, s->policy, &e);
	session_pools(m, &e, config_tunnel_group(cfg, s->tunnel_group), pools);
}

int sessions_lease_first(struct mainctx *m, struct session *s, const struct gp_effective *e,
		    const struct cfg_tunnel_group *tg, struct cfg_name_list *pools)
{
	session_pools(m, e, tg, pools);
	if (s->aaa_framed_ip)
		return lease_framed(m, s, pools);
	return lease(m, s, pools);
}

/* ---- a session restored at start (sessions_store.c) */

static struct pool *pool4_named(struct mainctx *m, const char *name)
{
	for (size_t j = 0; m->pools && j < m->cfg->n_pools; j++)
		if (!strcmp(m->cfg->pools[j].name, name))
			return m->pools[j];
	return NULL;
}

static struct pool *pool6_named(struct mainctx *m, const char *name)
{
	for (size_t j = 0; m->pools6 && j < m->n_pools6; j++)
		if (m->pools6[j] && !strcmp(pool_name(m->pools6[j]), name))
			return m->pools6[j];
	return NULL;
}

/* The pool and address of a record, without taking the address: s->pool and
 * s->addr set, or -1 with *why (buf) when the pool or address is gone. */
int sessions_lease_locate(struct mainctx *m, struct session *s, const char *pool,
			  const char *addr, char *buf, size_t buflen, const char **why)
{
	struct pool *p = pool4_named(m, pool);
	struct in_addr in;

	if (!p) {
		snprintf(buf, buflen, "ip local pool %s no longer exists", pool);
	} else if (inet_pton(AF_INET, addr, &in) != 1 || !pool_contains(p, ntohl(in.s_addr))) {
		snprintf(buf, buflen, "address %s is no longer in ip local pool %s", addr, pool);
	} else {
		s->pool = p;
		s->addr = ntohl(in.s_addr);
		return 0;
	}
	*why = buf;
	return -1;
}

static int take4(struct mainctx *m, struct session *s, const char *pool, const char *addr,
		 char *buf, size_t buflen, const char **why)
{
	if (sessions_lease_locate(m, s, pool, addr, buf, buflen, why) < 0)
		return -1;
	if (pool_take(s->pool, s->addr, s->user) == 0)
		return 0;
	snprintf(buf, buflen, "address %s of ip local pool %s is in use", addr, pool);
	s->pool = NULL;
	s->addr = 0;
	*why = buf;
	return -1;
}

static int take6(struct mainctx *m, struct session *s, const char *pool, const char *addr,
		 char *buf, size_t buflen, const char **why)
{
	struct pool *p = pool6_named(m, pool);
	uint8_t a6[16];

	if (!p)
		snprintf(buf, buflen, "ipv6 local pool %s no longer exists", pool);
	else if (inet_pton(AF_INET6, addr, a6) != 1 || pool_take6(p, a6, s->user) < 0)
		snprintf(buf, buflen, "address %s of ipv6 local pool %s is gone or in use", addr,
			 pool);
	else {
		s->pool6 = p;
		memcpy(s->addr6, a6, 16);
		return 0;
	}
	*why = buf;
	return -1;
}

int sessions_lease_take6(struct mainctx *m, struct session *s, const char *pool6,
			 const char *addr6, char *buf, size_t buflen, const char **why)
{
	if (take6(m, s, pool6, addr6, buf, buflen, why) < 0)
		return -1;
	leases_dirty();
	return 0;
}

int sessions_lease_take(struct mainctx *m, struct session *s, const char *pool,
			const char *addr, const char *pool6, const char *addr6, char *buf,
			size_t buflen, const char **why)
{
	if (pool[0] && take4(m, s, pool, addr, buf, buflen, why) < 0)
		return -1;
	if (pool6[0] && take6(m, s, pool6, addr6, buf, buflen, why) < 0) {
		if (s->pool)
			pool_release(s->pool, s->addr);
		s->pool = NULL;
		s->addr = 0;
		return -1;
	}
	if (s->pool || s->pool6)
		leases_dirty();
	return 0;
}
