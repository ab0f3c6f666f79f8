/* The kernel's ESP steering (datapath/steer.c) against the hash the
 * gateway places SAs with (fp_gw_spi_hash): each classic BPF program run by
 * the kernel on datagrams of known SPIs, no root needed.
 *   Raw ESP filters: attached to one end of an AF_UNIX datagram socketpair,
 *   whose filter sees the datagram from its first byte, as an IPv6 raw
 *   socket's sees the ESP header and an IPv4 one's the IPv4 header.
 *   The UDP reuseport program: a group of UDP sockets on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath/gateway.h"
#include "datapath/steer.h"

#define N_SPI 200

/* SPIs spread over the 32 bits, small ones too (manual keys' 0x1001). */
static uint32_t spi_at(unsigned i)
{
	return i < 8 ? 0x1001u + i : (uint32_t)i * 0x01000193u + 0x2b1u;
}

static bool owned(uint32_t spi, unsigned worker, unsigned n)
{
	return fp_gw_spi_hash(spi) % n == worker;
}

/* Send each SPI after `hlen` bytes of header (byte 0 = hdr0), then read
 * back what the filter kept: it must be exactly the worker's SPIs. */
static void check_filter(int (*attach)(int, unsigned, unsigned), uint8_t hdr0, size_t hlen,
			 unsigned worker, unsigned n)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(attach(sv[1], worker, n), 0);
	unsigned want = 0, got = 0;
	for (unsigned i = 0; i < N_SPI; i++) {
		uint8_t b[64] = { hdr0 };
		uint32_t spi = htonl(spi_at(i));
		memcpy(b + hlen, &spi, 4);
		assert_int_equal(send(sv[0], b, hlen + 16, 0), (ssize_t)(hlen + 16));
		want += owned(spi_at(i), worker, n);
		uint8_t r[64];
		ssize_t k = recv(sv[1], r, sizeof(r), 0);
		if (k < 0) {
			assert_int_equal(errno, EAGAIN);
			assert_false(owned(spi_at(i), worker, n));
			continue;
		}
		memcpy(&spi, r + hlen, 4);
		assert_int_equal(ntohl(spi), spi_at(i));
		assert_true(owned(spi_at(i), worker, n));
		got++;
	}
	assert_int_equal(got, want);
	assert_true(got > 0 && got < N_SPI); /* a filter that keeps some, not all */
	close(sv[0]);
	close(sv[1]);
}

/* IPv6: the SPI is the first word. */
static void test_esp6(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 4; n++)
		for (unsigned w = 0; w < n; w++)
			check_filter(fp_steer_esp6, 0, 0, w, n);
}

/* IPv4: the SPI after the header, 20 bytes or 24 with an option. */
static void test_esp4(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 4; n++)
		for (unsigned w = 0; w < n; w++) {
			check_filter(fp_steer_esp4, 0x45, 20, w, n);
			check_filter(fp_steer_esp4, 0x46, 24, w, n);
		}
}

static int udp_bound(uint16_t port)
{
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* A group of three (two workers, then the slow path's socket): each
 * datagram at the socket of its SPI's worker; a keepalive (one byte) and
 * IKE's non-ESP marker at worker 0. */
static void test_udp_reuseport(void **state)
{
	(void)state;
	int fd[3], tx = socket(AF_INET, SOCK_DGRAM, 0);
	fd[0] = udp_bound(0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(fd[0], (struct sockaddr *)&a, &al), 0);
	fd[1] = udp_bound(ntohs(a.sin_port));
	fd[2] = udp_bound(ntohs(a.sin_port));
	assert_int_equal(fp_steer_udp(fd[0], 2), 0);
	for (unsigned i = 0; i < N_SPI + 2; i++) {
		uint8_t b[16] = { 0 };
		uint32_t spi = i < N_SPI ? spi_at(i) : 0, nspi = htonl(spi);
		memcpy(b, &nspi, 4);
		size_t len = i == N_SPI + 1 ? 1 : sizeof(b); /* the last: a keepalive */
		assert_int_equal(sendto(tx, b, len, 0, (struct sockaddr *)&a, al), (ssize_t)len);
		unsigned to = spi ? fp_gw_spi_hash(spi) % 2 : 0;
		uint8_t r[16];
		struct pollfd p = { .fd = fd[to], .events = POLLIN };
		assert_int_equal(poll(&p, 1, 2000), 1);
		for (unsigned s = 0; s < 3; s++)
			assert_int_equal(recv(fd[s], r, sizeof(r), 0), s == to ? (ssize_t)len : -1);
	}
	for (unsigned s = 0; s < 3; s++)
		close(fd[s]);
	close(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esp6),
		cmocka_unit_test(test_esp4),
		cmocka_unit_test(test_udp_reuseport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
