/* Unit tests for src/net: tun devices and host routes.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and /dev/net/tun; otherwise the
 * whole program is skipped (exit 77, automake SKIP).  main() moves into a
 * private network namespace before any test runs, so devices and routes
 * never touch the host, and every test (forked by Check) inherits it. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>

#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/util.h"

enum { SKIP = 77 };

/* ---- observing the kernel independently of the code under test */

static int if_ioctl(unsigned long req, const char *name, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	ck_assert_int_ge(s, 0);
	memset(ifr, 0, sizeof(*ifr));
	util_strlcpy(ifr->ifr_name, name, IFNAMSIZ);
	rc = ioctl(s, req, ifr);
	close(s);
	return rc;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* Number of host routes to addr in the main table, read with ip(8) rather
 * than libnl: libnl's cache merges routes with the same key, which would
 * hide exactly the duplicates a broken replace leaves.  *ifindex gets the
 * device of the last one. */
static int routes_to(uint32_t addr, int *ifindex)
{
	char a[INET_ADDRSTRLEN], cmd[160], line[256], dev[IFNAMSIZ + 1];
	int count = 0;
	FILE *fp;

	ck_assert_ptr_nonnull(inet_ntop(AF_INET, &addr, a, sizeof(a)));
	snprintf(cmd, sizeof(cmd),
		 "PATH=$PATH:/usr/sbin:/sbin ip -4 route show table main exact %s/32",
		 a);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		ck_assert_msg(sscanf(line, "%*s dev %16s", dev) == 1,
			      "unexpected ip route line: %s", line);
		count++;
		if (ifindex != NULL)
			*ifindex = (int)if_nametoindex(dev);
	}
	ck_assert_int_eq(pclose(fp), 0);
	return count;
}

/* ---- core: tun devices */

static const struct tun_case {
	const char *name;
	int mtu;
} tuns[] = {
	{ "sslvpn0", 1406 },
	{ "sslvpn%d", 1300 },   /* the kernel picks the number */
	{ "t", 576 },
	{ "fifteen-chars-x", 9000 },
	{ "min-mtu", 68 },
};

START_TEST(test_tun_create)
{
	const struct tun_case *c = &tuns[_i];
	struct net *n = net_new();
	struct ifreq ifr;
	char name[IFNAMSIZ];
	int fd, idx = -1, fl;

	ck_assert_ptr_nonnull(n);
	fd = net_tun_create(n, c->name, c->mtu, &idx);
	ck_assert_msg(fd >= 0, "%s: expected an fd, got %d", c->name, fd);
	ck_assert_int_gt(idx, 0);
	ck_assert_ptr_nonnull(if_indextoname((unsigned)idx, name));
	if (strchr(c->name, '%') == NULL)
		ck_assert_str_eq(name, c->name);
	fl = fcntl(fd, F_GETFL);
	ck_assert_msg(fl & O_NONBLOCK, "%s: fd is blocking", c->name);
	ck_assert_msg(fcntl(fd, F_GETFD) & FD_CLOEXEC, "%s: no FD_CLOEXEC", c->name);
	ck_assert_int_eq(if_ioctl(SIOCGIFMTU, name, &ifr), 0);
	ck_assert_msg(ifr.ifr_mtu == c->mtu, "%s: expected MTU %d, got %d", name,
		      c->mtu, ifr.ifr_mtu);
	ck_assert_int_eq(if_ioctl(SIOCGIFFLAGS, name, &ifr), 0);
	ck_assert_msg(ifr.ifr_flags & IFF_UP, "%s: not up (flags %#x)", name,
		      ifr.ifr_flags);
	memset(&ifr, 0, sizeof(ifr));
	ck_assert_int_eq(ioctl(fd, TUNGETIFF, &ifr), 0);
	ck_assert_msg((ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI)) == (IFF_TUN | IFF_NO_PI),
		      "%s: expected tun flags %#x, got %#x", name,
		      IFF_TUN | IFF_NO_PI, ifr.ifr_flags);
	/* Not persistent: the device goes with its fd. */
	close(fd);
	ck_assert_msg(if_nametoindex(name) == 0, "%s outlived its fd", name);
	net_free(n);
}
END_TEST

/* ---- core: host routes */

START_TEST(test_route_set_del)
{
	struct net *n = net_new();
	uint32_t a = ip("10.10.1.5");
	int fd, idx, got;

	fd = net_tun_create(n, "rt0", 1406, &idx);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(routes_to(a, NULL), 0);
	ck_assert_int_eq(net_route_host_set(n, a, idx), 0);
	ck_assert_int_eq(routes_to(a, &got), 1);
	ck_assert_msg(got == idx, "expected ifindex %d, got %d", idx, got);
	/* Setting again is idempotent. */
	ck_assert_int_eq(net_route_host_set(n, a, idx), 0);
	ck_assert_int_eq(routes_to(a, NULL), 1);
	ck_assert_int_eq(net_route_host_del(n, a, idx), 0);
	ck_assert_int_eq(routes_to(a, NULL), 0);
	/* A missing route is not an error. */
	ck_assert_int_eq(net_route_host_del(n, a, idx), 0);
	close(fd);
	net_free(n);
}
END_TEST

/* A session moving to another worker replaces the route; a late delete
 * from the old worker's side must not remove the new one. */
START_TEST(test_route_replace)
{
	struct net *n = net_new();
	uint32_t a = ip("198.19.0.77");
	int fd1, fd2, idx1, idx2, got;

	fd1 = net_tun_create(n, "w0", 1406, &idx1);
	fd2 = net_tun_create(n, "w1", 1406, &idx2);
	ck_assert(fd1 >= 0 && fd2 >= 0);
	ck_assert_int_eq(net_route_host_set(n, a, idx1), 0);
	ck_assert_int_eq(net_route_host_set(n, a, idx2), 0);
	ck_assert_int_eq(routes_to(a, &got), 1);
	ck_assert_msg(got == idx2, "expected ifindex %d, got %d", idx2, got);
	ck_assert_int_eq(net_route_host_del(n, a, idx1), 0);
	ck_assert_int_eq(routes_to(a, &got), 1);
	ck_assert_msg(got == idx2, "old worker's delete removed the route: %d", got);
	ck_assert_int_eq(net_route_host_del(n, a, idx2), 0);
	ck_assert_int_eq(routes_to(a, NULL), 0);
	close(fd1);
	close(fd2);
	net_free(n);
}
END_TEST

/* Host routes through device idx, in one ip(8) call. */
static int routes_via(int idx)
{
	char name[IFNAMSIZ], cmd[160], line[256];
	int count = 0;
	FILE *fp;

	ck_assert_ptr_nonnull(if_indextoname((unsigned)idx, name));
	snprintf(cmd, sizeof(cmd),
		 "PATH=$PATH:/usr/sbin:/sbin ip -4 route show table main dev %s",
		 name);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		count++;
	ck_assert_int_eq(pclose(fp), 0);
	return count;
}

static uint32_t many_addr(int i)
{
	return htonl(0x0a0a0000u + (uint32_t)i); /* 10.10.0.0 + i */
}

START_TEST(test_route_many)
{
	struct net *n = net_new();
	int fd, idx, i, got;

	fd = net_tun_create(n, "many0", 1406, &idx);
	ck_assert_int_ge(fd, 0);
	for (i = 1; i <= 1000; i++)
		ck_assert_int_eq(net_route_host_set(n, many_addr(i), idx), 0);
	got = routes_via(idx);
	ck_assert_msg(got == 1000, "expected 1000 routes, got %d", got);
	for (i = 1; i <= 1000; i++)
		ck_assert_int_eq(net_route_host_del(n, many_addr(i), idx), 0);
	got = routes_via(idx);
	ck_assert_msg(got == 0, "expected no routes left, got %d", got);
	close(fd);
	net_free(n);
}
END_TEST

/* Routes die with the device; deleting them afterwards (session cleanup
 * after a worker crash) still succeeds. */
START_TEST(test_route_after_tun_gone)
{
	struct net *n = net_new();
	uint32_t a = ip("10.10.1.9");
	int fd, idx;

	fd = net_tun_create(n, "gone0", 1406, &idx);
	ck_assert_int_eq(net_route_host_set(n, a, idx), 0);
	close(fd);
	ck_assert_int_eq(routes_to(a, NULL), 0);
	ck_assert_int_eq(net_route_host_del(n, a, idx), 0);
	net_free(n);
}
END_TEST

/* ---- limits: refusals */

static const struct bad_tun_case {
	const char *what;
	const char *name;
	int mtu;
} bad_tuns[] = {
	{ "NULL name", NULL, 1406 },
	{ "empty name", "", 1406 },
	{ "16-char name", "sixteen-chars-xx", 1406 },
	{ "name of a non-tun device", "lo", 1406 },
	{ "MTU 0", "badmtu0", 0 },
	{ "MTU below IPv4 minimum", "badmtu1", 67 },
	{ "MTU above 65535", "badmtu2", 65536 },
	{ "negative MTU", "badmtu3", -1 },
};

START_TEST(test_tun_bad)
{
	const struct bad_tun_case *c = &bad_tuns[_i];
	struct net *n = net_new();
	int idx = -42, fd;

	fd = net_tun_create(n, c->name, c->mtu, &idx);
	ck_assert_msg(fd == -1, "%s: expected -1, got %d", c->what, fd);
	ck_assert_msg(idx == -42, "%s: *ifindex written on failure", c->what);
	if (c->name != NULL && *c->name != '\0' && strcmp(c->name, "lo") != 0)
		ck_assert_msg(if_nametoindex(c->name) == 0, "%s: device left behind",
			      c->what);
	net_free(n);
}
END_TEST

START_TEST(test_tun_name_taken)
{
	struct net *n = net_new();
	int fd, fd2, idx, idx2 = -42;

	fd = net_tun_create(n, "dup0", 1406, &idx);
	ck_assert_int_ge(fd, 0);
	fd2 = net_tun_create(n, "dup0", 1406, &idx2);
	ck_assert_int_eq(fd2, -1);
	ck_assert_int_eq(idx2, -42);
	close(fd);
	net_free(n);
}
END_TEST

static const struct bad_route_case {
	const char *what;
	int ifindex;  /* 0 / negative, or a number no device has */
	int set_rc, del_rc;
} bad_routes[] = {
	{ "ifindex 0", 0, -1, -1 },
	{ "negative ifindex", -5, -1, -1 },
	/* no such device: set fails; del has nothing to remove */
	{ "unknown ifindex", 99999, -1, 0 },
};

START_TEST(test_route_bad_ifindex)
{
	const struct bad_route_case *c = &bad_routes[_i];
	struct net *n = net_new();
	uint32_t a = ip("10.10.1.6");
	int rc;

	rc = net_route_host_set(n, a, c->ifindex);
	ck_assert_msg(rc == c->set_rc, "%s: set expected %d, got %d", c->what,
		      c->set_rc, rc);
	ck_assert_int_eq(routes_to(a, NULL), 0);
	rc = net_route_host_del(n, a, c->ifindex);
	ck_assert_msg(rc == c->del_rc, "%s: del expected %d, got %d", c->what,
		      c->del_rc, rc);
	net_free(n);
}
END_TEST

START_TEST(test_free_null)
{
	net_free(NULL);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(core, test_tun_create, 0, (int)ARRAY_SIZE(tuns));
	tcase_add_test(core, test_route_set_del);
	tcase_add_test(core, test_route_replace);
	tcase_add_test(core, test_route_many);
	tcase_add_test(core, test_route_after_tun_gone);
	suite_add_tcase(s, core);

	tcase_add_loop_test(limits, test_tun_bad, 0, (int)ARRAY_SIZE(bad_tuns));
	tcase_add_test(limits, test_tun_name_taken);
	tcase_add_loop_test(limits, test_route_bad_ifindex, 0, (int)ARRAY_SIZE(bad_routes));
	tcase_add_test(limits, test_free_null);
	suite_add_tcase(s, limits);
	return s;
}

/* Everything the tests need that a build or CI machine may lack. */
static int can_run(void)
{
	if (geteuid() != 0) {
		printf("check_net: SKIP: needs root\n");
		return 0;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("check_net: SKIP: /dev/net/tun: %s\n", strerror(errno));
		return 0;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		printf("check_net: SKIP: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 0;
	}
	return 1;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!can_run())
		return SKIP;
	log_init("check_net", 1, 0, LOG_FMT_NATIVE, 0);
	sr = srunner_create(net_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
