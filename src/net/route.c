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

/* The route object for addr (4 or 16 bytes of family af) as a host route
 * via ifindex; NULL when out of memory.  add selects the fields only a new
 * route needs: a delete leaves the scope open so the kernel matches the
 * route whatever scope it was created with. */
static struct rtnl_route *host_route(int af, const void *addr, int ifindex, int add)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	unsigned int alen = af == AF_INET ? 4 : 16;
	struct nl_addr *dst = nl_addr_build(af, addr, alen);

	if (r == NULL || nh == NULL || dst == NULL)
		goto fail;
	nl_addr_set_prefixlen(dst, (int)alen * 8);
	if (rtnl_route_set_family(r, (uint8_t)af) < 0 || rtnl_route_set_dst(r, dst) < 0)
		goto fail;
	nl_addr_put(dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	if (add && af == AF_INET) {
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

/* Add (REPLACE: a session taking over an address must win over a stale
 * route left by a crashed worker) or delete the host route of addr.
 * Deleting a route that is gone already (ESRCH/ENOENT map to
 * NLE_OBJ_NOTFOUND), or whose device went away and took its routes along,
 * reaches the goal. */
static int route_op(struct net *n, int af, const void *addr, int ifindex, int add)
{
	struct rtnl_route *r;
	char a[INET6_ADDRSTRLEN];
	int plen = af == AF_INET ? 32 : 128;
	int err;

	if (inet_ntop(af, addr, a, sizeof(a)) == NULL)
		a[0] = '\0';
	if (ifindex <= 0) {
		log_warnx("route %s/%d: invalid interface index %d", a, plen, ifindex);
		return -1;
	}
	r = host_route(af, addr, ifindex, add);
	if (r == NULL) {
		log_warnx("route %s/%d: out of memory", a, plen);
		return -1;
	}
	err = add ? rtnl_route_add(n->sk, r, NLM_F_REPLACE) : rtnl_route_delete(n->sk, r, 0);
	rtnl_route_put(r);
	if (!add && (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV))
		return 0;
	if (err < 0) {
		log_warnx("cannot %s route %s/%d via ifindex %d: %s%s", add ? "add" : "delete",
			  a, plen, ifindex, nl_geterror(err), route_hint(err));
		return -1;
	}
	return 0;
}

int net_route_host_set(struct net *n, uint32_t addr, int ifindex)
{
	return route_op(n, AF_INET, &addr, ifindex, 1);
}

int net_route_host_del(struct net *n, uint32_t addr, int ifindex)
{
	return route_op(n, AF_INET, &addr, ifindex, 0);
}

int net_route_host6_set(struct net *n, const uint8_t addr[16], int ifindex)
{
	return route_op(n, AF_INET6, addr, ifindex, 1);
}

int net_route_host6_del(struct net *n, const uint8_t addr[16], int ifindex)
{
	return route_op(n, AF_INET6, addr, ifindex, 0);
}
