/* tun devices and host routes (main only, needs CAP_NET_ADMIN).
 * Addresses and routes go through libnl-route; the tun itself through
 * /dev/net/tun.  All addresses are IPv4 in network byte order. */
#ifndef SSLVPND_NET_H
#define SSLVPND_NET_H

#include <stdint.h>

struct net;

/* net_new: open the netlink route socket; NULL with a logged reason. */
struct net *net_new(void);
void net_free(struct net *n);

/* net_tun_create: create tun device `name` (IFF_TUN|IFF_NO_PI, not
 * persistent), set its MTU and bring it up.  Returns the fd (O_NONBLOCK,
 * FD_CLOEXEC) and the interface index in *ifindex, or -1 with a logged
 * reason (missing /dev/net/tun, no CAP_NET_ADMIN, name taken...). */
int net_tun_create(struct net *n, const char *name, int mtu, int *ifindex);
/* net_tun_create_vnet: the same with IFF_VNET_HDR: every read and write
 * of the fd starts with a struct virtio_net_hdr (include/sslvpnd/tunoff.h).
 * *offload is 1 when the kernel also took TUNSETOFFLOAD (CSUM, TSO4,
 * TSO6: reads may be TCP super packets), 0 when it refused (logged at
 * debug; reads are plain packets behind a zero header). */
int net_tun_create_vnet(struct net *n, const char *name, int mtu, int *ifindex,
			int *offload);

/* net_route_host_set: route addr/32 via ifindex (replacing any route for
 * that host).  net_route_host_del removes it; deleting a missing route is
 * not an error.  0 or -1 with a logged reason. */
int net_route_host_set(struct net *n, uint32_t addr, int ifindex);
int net_route_host_del(struct net *n, uint32_t addr, int ifindex);
/* net_route_host6_set / _del: the same for an IPv6 host, addr/128 (network
 * order), for ipv6 local pools. */
int net_route_host6_set(struct net *n, const uint8_t addr[16], int ifindex);
int net_route_host6_del(struct net *n, const uint8_t addr[16], int ifindex);

#endif
