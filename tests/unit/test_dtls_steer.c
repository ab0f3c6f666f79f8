/* The kernel steers each DTLS datagram to the worker whose pipe holds its
 * client's rule: a reuseport group of two sockets on the loopback with
 * fp_steer_dtls4 / fp_steer_dtls6, datagrams from many source ports, and
 * each must arrive on socket fp_gw_dtls_hash(address, port) % 2, the pipe
 * fp_gw_dtls_pipe_for() installs the rule on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath/dtls_session.h"
#include "datapath/steer.h"

#define N_GROUP 2

static int bound(int af, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0), one = 1;
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET, a->sin_port = htons(*port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6, a->sin6_port = htons(*port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void steer_family(int af)
{
	uint16_t port = 0;
	int g[N_GROUP];
	g[0] = bound(af, &port);
	if (g[0] < 0)
		skip(); /* no IPv6 loopback here */
	for (unsigned i = 1; i < N_GROUP; i++)
		assert_true((g[i] = bound(af, &port)) >= 0);
	int rc = af == AF_INET ? fp_steer_dtls4(g[0], N_GROUP) : fp_steer_dtls6(g[0], N_GROUP);
	assert_int_equal(rc, 0);
	struct fp_addr lo = { .af = af == AF_INET ? FP_AF_INET : FP_AF_INET6 };
	if (af == AF_INET)
		lo.a[0] = 127, lo.a[3] = 1;
	else
		lo.a[15] = 1;
	unsigned seen[N_GROUP] = { 0 };
	for (unsigned k = 0; k < 32; k++) {
		uint16_t sport = 0;
		int c = bound(af, &sport);
		assert_true(c >= 0);
		struct sockaddr_storage to;
		socklen_t tl = sizeof(to);
		getsockname(g[0], (struct sockaddr *)&to, &tl);
		assert_int_equal(sendto(c, "d", 1, 0, (struct sockaddr *)&to, tl), 1);
		usleep(2000);
		unsigned want = fp_gw_dtls_hash(&lo, sport) % N_GROUP, got = N_GROUP;
		char b[4];
		for (unsigned i = 0; i < N_GROUP; i++)
			if (recv(g[i], b, sizeof(b), 0) == 1)
				got = i;
		assert_int_equal(got, want);
		seen[got]++;
		close(c);
	}
	for (unsigned i = 0; i < N_GROUP; i++) {
		assert_true(seen[i] > 0); /* both ends used: the hash spreads */
		close(g[i]);
	}
}

static void test_steer_v4(void **state)
{
	(void)state;
	steer_family(AF_INET);
}

static void test_steer_v6(void **state)
{
	(void)state;
	steer_family(AF_INET6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steer_v4),
		cmocka_unit_test(test_steer_v6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
