/* rtnetlink (io/netlink.c) in a private network namespace (root), on a
 * TUN device made here: link up with an MTU, addresses and routes of both
 * families, checked through the handle itself and through ip(8)'s view,
 * then removed again by the undo log. What was there before the handle
 * added it is left alone.
 *
 *     fpnl0 (TUN): 10.20.0.1/24, fd00:20::1/64
 *                  routes 10.30.0.0/16, fd00:30::/48 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/if_tun.h>

#include "io/netlink.h"
#include "test_port_netns.h"

#define DEV "fpnl0"

static int tun_fd = -1;
static struct fp_netlink *NL;

static int tun_make(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, IFNAMSIZ, DEV);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	return fd;
}

/* Does ip(8) print a line with both words for this command? */
static bool ip_shows(const char *cmd, const char *w1, const char *w2)
{
	char line[512];
	bool found = false;
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, w1) && (!w2 || strstr(line, w2)))
			found = true;
	pclose(f);
	return found;
}

static struct fp_prefix pfx(const char *s)
{
	struct fp_prefix p;

	assert_int_equal(fp_prefix_parse(&p, s), 0);
	return p;
}

/* fp_prefix_parse wants host bits zero; an interface address has them. */
static struct fp_prefix ifaddr(const char *a, uint8_t len)
{
	struct fp_prefix p = { .len = len };

	assert_int_equal(fp_addr_parse(&p.addr, a), 0);
	return p;
}

static struct fp_addr addr(const char *a)
{
	struct fp_addr x;

	assert_int_equal(fp_addr_parse(&x, a), 0);
	return x;
}

static int setup(void **state)
{
	return netns_enter(state);
}

static int teardown(void **state)
{
	return netns_leave(state);
}

static int test_setup(void **state)
{
	char err[160];

	(void)state;
	if (!netns_ok)
		return 0;
	tun_fd = tun_make();
	NL = fp_netlink_open(err, sizeof(err));
	return NL ? 0 : -1;
}

static int test_teardown(void **state)
{
	(void)state;
	if (NL) {
		fp_netlink_undo(NL);
		fp_netlink_close(NL);
		NL = NULL;
	}
	if (tun_fd >= 0)
		close(tun_fd);
	tun_fd = -1;
	return 0;
}

static void test_link_up(void **state)
{
	char err[160];
	struct ifreq ifr = {0};
	int s;

	(void)state;
	NETNS_REQUIRE();
	assert_true(fp_netlink_ifindex(DEV) > 0);
	assert_int_equal(fp_netlink_ifindex("nosuchdev0"), 0);
	assert_int_equal(fp_netlink_link_up(NL, DEV, 1400, err, sizeof(err)), 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, DEV);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	assert_int_equal(ioctl(s, SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1400);
	close(s);
	assert_int_equal(fp_netlink_link_up(NL, DEV, 0, err, sizeof(err)), 0); /* MTU kept */
	assert_int_equal(fp_netlink_link_up(NL, "nosuchdev0", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nosuchdev0"));
	assert_int_equal(fp_netlink_link_up(NL, DEV, 100000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Invalid argument"));
}

static void test_add_and_undo(void **state)
{
	char err[160];
	struct fp_prefix a4 = ifaddr("10.20.0.1", 24), a6 = ifaddr("fd00:20::1", 64);
	struct fp_prefix r4 = pfx("10.30.0.0/16"), r6 = pfx("fd00:30::/48");
	struct fp_addr x4 = addr("10.20.0.1"), x6 = addr("fd00:20::1"), other = addr("10.20.0.2");

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_netlink_link_up(NL, DEV, 0, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x4), 0);
	assert_int_equal(fp_netlink_addr_add(NL, DEV, &a4, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_addr_add(NL, DEV, &a6, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_route_add(NL, DEV, &r4, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_route_add(NL, DEV, &r6, err, sizeof(err)), 0);

	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x4), 1);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x6), 1);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &other), 0);
	assert_int_equal(fp_netlink_has_addr(NL, "lo", &x4), 0);
	assert_int_equal(fp_netlink_has_addr(NL, "nosuchdev0", &x4), 0);
	assert_true(ip_shows("ip -4 addr show dev " DEV, "inet 10.20.0.1/24", NULL));
	assert_true(ip_shows("ip -6 addr show dev " DEV, "inet6 fd00:20::1/64", NULL));
	assert_true(ip_shows("ip -4 route show dev " DEV, "10.30.0.0/16", "proto static"));
	assert_true(ip_shows("ip -6 route show dev " DEV, "fd00:30::/48", "proto static"));

	fp_netlink_undo(NL);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x4), 0);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x6), 0);
	assert_false(ip_shows("ip -4 route show dev " DEV, "10.30.0.0/16", NULL));
	assert_false(ip_shows("ip -6 route show dev " DEV, "fd00:30::/48", NULL));
	fp_netlink_undo(NL);   /* nothing left: no-op */
}

/* Present before: adding says yes, undo leaves it. */
static void test_not_ours(void **state)
{
	char err[160];
	struct fp_prefix a4 = ifaddr("10.40.0.1", 24), r4 = pfx("10.50.0.0/16");
	struct fp_addr x4 = addr("10.40.0.1");

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(system("ip link set " DEV " up && ip addr add 10.40.0.1/24 dev " DEV
				" && ip route add 10.50.0.0/16 dev " DEV), 0);
	assert_int_equal(fp_netlink_addr_add(NL, DEV, &a4, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_route_add(NL, DEV, &r4, err, sizeof(err)), 0);
	fp_netlink_undo(NL);
	assert_int_equal(fp_netlink_has_addr(NL, DEV, &x4), 1);
	assert_true(ip_shows("ip -4 route show dev " DEV, "10.50.0.0/16", NULL));
}

static void test_errors(void **state)
{
	char err[160];
	struct fp_prefix a4 = ifaddr("10.20.0.1", 24), r4 = pfx("10.30.0.0/16");

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_netlink_addr_add(NL, "nosuchdev0", &a4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10.20.0.1/24"));
	assert_non_null(strstr(err, "nosuchdev0"));
	assert_int_equal(fp_netlink_route_add(NL, "nosuchdev0", &r4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such device"));
	/* a route through a device that is down: the kernel refuses */
	assert_int_equal(fp_netlink_route_add(NL, DEV, &r4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "add route 10.30.0.0/16 on " DEV));
}

/* The device goes first (fpvpnd closed the TUN): its addresses and
 * routes went with it, and undo does not mind. */
static void test_undo_after_device_gone(void **state)
{
	char err[160];
	struct fp_prefix a4 = ifaddr("10.20.0.1", 24), r4 = pfx("10.30.0.0/16");

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_netlink_link_up(NL, DEV, 0, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_addr_add(NL, DEV, &a4, err, sizeof(err)), 0);
	assert_int_equal(fp_netlink_route_add(NL, DEV, &r4, err, sizeof(err)), 0);
	close(tun_fd);
	tun_fd = -1;
	assert_int_equal(fp_netlink_ifindex(DEV), 0);
	fp_netlink_undo(NL);
	assert_false(ip_shows("ip -4 route", "10.30.0.0/16", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_up, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_add_and_undo, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_errors, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_undo_after_device_gone, test_setup,
						test_teardown),
	};
	netns_prog = "test_netlink";
	return cmocka_run_group_tests(tests, setup, teardown);
}
