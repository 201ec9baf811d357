/* Private to src/net: the state behind struct net. */
#ifndef SSLVPND_NETPRIV_H
#define SSLVPND_NETPRIV_H

struct nl_sock;

/* One NETLINK_ROUTE socket for links and routes.  Requests are synchronous
 * (each waits for the kernel's ACK), so errors come back to the caller. */
struct net {
	struct nl_sock *sk;
};

#endif
