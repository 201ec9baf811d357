/* The netlink route socket and per-session host routes (main only).
 *
 * Each session's address is reached through its worker's tun by a /32
 * route with the tun as the only nexthop: no gateway, scope link.  The
 * routes carry protocol "static" so that a delete, which the kernel matches
 * on protocol and device too, never removes a route someone else made for
 * the same host through another device.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "netpriv.h"

struct net *net_new(void)
{
	struct net *n;
	int err;

	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		log_warn("net_new");
		return NULL;
	}
	n->sk = nl_socket_alloc();
	if (n->sk == NULL) {
		log_warnx("cannot allocate a netlink socket: out of memory");
		goto fail;
	}
	err = nl_connect(n->sk, NETLINK_ROUTE);
	if (err < 0) {
		log_warnx("cannot open the netlink route socket: %s",
			  nl_geterror(err));
		goto fail;
	}
	return n;
fail:
	net_free(n);
	return NULL;
}

void net_free(struct net *n)
{
	if (n == NULL)
		return;
	nl_socket_free(n->sk); /* closes the socket; NULL-safe */
	free(n);
}

static void addr_str(uint32_t addr, char *buf, size_t len)
{
	if (inet_ntop(AF_INET, &addr, buf, len) == NULL)
		buf[0] = '\0';
}

/* The route object for addr/32 via ifindex; NULL when out of memory.
 * add selects the fields only a new route needs: a delete leaves the scope
 * open so the kernel matches the route whatever scope it was created with. */
static struct rtnl_route *host_route(uint32_t addr, int ifindex, int add)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, &addr, sizeof(addr));

	if (r == NULL || nh == NULL || dst == NULL)
		goto fail;
	nl_addr_set_prefixlen(dst, 32);
	if (rtnl_route_set_family(r, AF_INET) < 0 || rtnl_route_set_dst(r, dst) < 0)
		goto fail;
	nl_addr_put(dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	if (add) {
		rtnl_route_set_scope(r, RT_SCOPE_LINK);
		rtnl_route_set_type(r, RTN_UNICAST);
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh); /* r owns nh from here */
	return r;
fail:
	nl_addr_put(dst);
	if (nh != NULL)
		rtnl_route_nh_free(nh);
	rtnl_route_put(r);
	return NULL;
}

static const char *route_hint(int err)
{
	switch (-err) {
	case NLE_NODEV:
		return " (no such interface)";
	case NLE_PERM:
	case NLE_NOACCESS:
		return " (needs CAP_NET_ADMIN)";
	default:
		return "";
	}
}

int net_route_host_set(struct net *n, uint32_t addr, int ifindex)
{
	struct rtnl_route *r;
	char a[INET_ADDRSTRLEN];
	int err;

	addr_str(addr, a, sizeof(a));
	if (ifindex <= 0) {
		log_warnx("route %s/32: invalid interface index %d", a, ifindex);
		return -1;
	}
	r = host_route(addr, ifindex, 1);
	if (r == NULL) {
		log_warnx("route %s/32: out of memory", a);
		return -1;
	}
	/* REPLACE: a session taking over an address must win over a stale
	 * route left by a crashed worker; rtnl_route_add adds NLM_F_CREATE. */
	err = rtnl_route_add(n->sk, r, NLM_F_REPLACE);
	rtnl_route_put(r);
	if (err < 0) {
		log_warnx("cannot add route %s/32 via ifindex %d: %s%s", a,
			  ifindex, nl_geterror(err), route_hint(err));
		return -1;
	}
	return 0;
}

int net_route_host_del(struct net *n, uint32_t addr, int ifindex)
{
	struct rtnl_route *r;
	char a[INET_ADDRSTRLEN];
	int err;

	addr_str(addr, a, sizeof(a));
	if (ifindex <= 0) {
		log_warnx("route %s/32: invalid interface index %d", a, ifindex);
		return -1;
	}
	r = host_route(addr, ifindex, 0);
	if (r == NULL) {
		log_warnx("route %s/32: out of memory", a);
		return -1;
	}
	err = rtnl_route_delete(n->sk, r, 0);
	rtnl_route_put(r);
	/* Gone already (ESRCH/ENOENT map to NLE_OBJ_NOTFOUND), or the device
	 * went away and took its routes along: the goal is reached. */
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	if (err < 0) {
		log_warnx("cannot delete route %s/32 via ifindex %d: %s%s", a,
			  ifindex, nl_geterror(err), route_hint(err));
		return -1;
	}
	return 0;
}
