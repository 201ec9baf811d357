/* tun devices for the workers (main only).
 *
 * The device is created through /dev/net/tun, whose fd is handed to a
 * worker; it is not persistent, so it disappears with its last fd and a
 * crashed worker never leaves an interface behind.  MTU and IFF_UP go
 * through rtnetlink like the routes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "netpriv.h"

static const char *open_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return " (is the tun module loaded?)";
	case EACCES:
	case EPERM:
		return " (running as root?)";
	default:
		return " (is the tun module loaded? running as root?)";
	}
}

static const char *setiff_hint(int err)
{
	switch (err) {
	case EPERM:
		return " (needs CAP_NET_ADMIN)";
	case EBUSY:
		return " (name in use by another tun)";
	case EINVAL:
		return " (name taken by a device that is not a tun?)";
	default:
		return "";
	}
}

/* Offload (S11): the worker reads TCP super packets of up to 64 KB
 * (TSO4/TSO6, which need CSUM) and cuts them itself (src/common/tunoff.c):
 * one read() instead of one per segment.  USO and ECN are not asked for:
 * the worker cuts TCP only.  A kernel that refuses keeps the vnet header
 * (all zero: plain packets), which costs nothing more than today. */
static int tun_offload(int fd, const char *name)
{
	unsigned int want = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (ioctl(fd, TUNSETOFFLOAD, want) == 0)
		return 1;
	log_debug("tun device %s: offload refused by the kernel (%s): one read per packet",
		  name, strerror(errno));
	return 0;
}

/* Open the clone device and attach a new tun called name; the kernel
 * writes the final name back into ifr (a "%d" pattern gets its number).
 * vnet: with a struct virtio_net_hdr before each packet (IFF_VNET_HDR). */
static int tun_open(const char *name, struct ifreq *ifr, int vnet)
{
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		log_warnx("cannot open /dev/net/tun: %s%s", strerror(err),
			  open_hint(err));
		return -1;
	}
	memset(ifr, 0, sizeof(*ifr));
	/* IFF_NO_PI: packets are bare IP, exactly what CSTP/DTLS carry. */
	ifr->ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		err = errno;
		log_warnx("cannot create tun device %s: %s%s", name,
			  strerror(err), setiff_hint(err));
		close(fd);
		return -1;
	}
	return fd;
}

static int link_up(struct net *n, const char *name, int ifindex, int mtu)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	int err;

	err = rtnl_link_get_kernel(n->sk, ifindex, NULL, &orig);
	if (err < 0)
		goto out;
	change = rtnl_link_alloc();
	if (change == NULL) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_mtu(change, (unsigned int)mtu);
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(n->sk, orig, change, 0);
out:
	if (err < 0)
		log_warnx("cannot set MTU %d and bring up %s: %s", mtu, name,
			  nl_geterror(err));
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return err < 0 ? -1 : 0;
}

static int name_ok(const char *name)
{
	if (name == NULL || *name == '\0' || strlen(name) >= IFNAMSIZ) {
		log_warnx("invalid tun device name \"%s\" (1 to %d characters)",
			  name != NULL ? name : "", IFNAMSIZ - 1);
		return 0;
	}
	return 1;
}

int net_tun_create(struct net *n, const char *name, int mtu, int *ifindex)
{
	return net_tun_create_vnet(n, name, mtu, ifindex, NULL);
}

int net_tun_create_vnet(struct net *n, const char *name, int mtu, int *ifindex,
			int *offload)
{
	struct ifreq ifr;
	unsigned int idx;
	int fd;

	if (!name_ok(name))
		return -1;
	/* 68 is the IPv4 minimum (RFC 791); the kernel rejects less anyway,
	 * but checking here names the cause. */
	if (mtu < 68 || mtu > 65535) {
		log_warnx("tun device %s: MTU %d out of range 68..65535", name, mtu);
		return -1;
	}
	fd = tun_open(name, &ifr, offload != NULL);
	if (fd < 0)
		return -1;
	if (offload)
		*offload = tun_offload(fd, ifr.ifr_name);
	idx = if_nametoindex(ifr.ifr_name);
	if (idx == 0) {
		log_warn("tun device %s: cannot find its interface index",
			 ifr.ifr_name);
		goto fail;
	}
	if (link_up(n, ifr.ifr_name, (int)idx, mtu) < 0)
		goto fail;
	*ifindex = (int)idx;
	return fd;
fail:
	close(fd); /* not persistent: closing removes the device again */
	return -1;
}
