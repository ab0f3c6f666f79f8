/* A private network namespace for the tests that need root (ports,
 * netlink). unshare(CLONE_NEWNET) rather than `ip netns add`: the
 * namespace has no name in /run/netns and no process but this one in it,
 * so the kernel deletes it, with every TUN device, address and route made
 * inside, when the test program leaves it or dies, even on a crash. Nothing
 * the tests do can reach the host's interfaces.
 *
 * Use: cmocka_run_group_tests(tests, netns_enter, netns_leave), and
 * NETNS_REQUIRE() first in each test; without root every test shows as
 * [  SKIPPED ] and a SKIP: line says why. */
#ifndef TEST_PORT_NETNS_H
#define TEST_PORT_NETNS_H

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int netns_home = -1;   /* the namespace we came from */
static bool netns_ok;
static const char *netns_prog = "test";

#define NETNS_REQUIRE()            \
	do {                       \
		if (!netns_ok)     \
			skip();    \
	} while (0)

static int netns_link_up(const char *dev)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	return rc;
}

static int netns_enter(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("SKIP: %s needs root (network namespaces)\n", netns_prog);
		return 0;
	}
	netns_home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_home < 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: %s: no network namespace: %s\n", netns_prog, strerror(errno));
		return 0;
	}
	if (netns_link_up("lo") < 0) {
		printf("SKIP: %s: lo in the namespace: %s\n", netns_prog, strerror(errno));
		return 0;
	}
	netns_ok = true;
	return 0;
}

static int netns_leave(void **state)
{
	(void)state;
	if (netns_home >= 0) {
		if (setns(netns_home, CLONE_NEWNET) < 0)
			perror("setns");
		close(netns_home);
		netns_home = -1;
	}
	netns_ok = false;
	return 0;
}

#endif
