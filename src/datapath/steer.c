/* Steering ESP to the worker whose pipe holds its SA, in the kernel: the
 * packet's SPI hashed the way fp_gw_pipe_for_spi() hashes it, in classic
 * BPF, so that no packet crosses to another worker through the hand-off
 * ring (which overflows under load: pipe-handoff-full).
 *   UDP (4500 and the udp-encapsulation ports): a reuseport program picks
 *   the group's socket (workers first, by index) from the first word of
 *   the UDP payload, the SPI; IKE's non-ESP marker (0) hashes to worker 0,
 *   and a datagram too short for a word (a NAT-T keepalive) ends the
 *   program with 0: worker 0 too.
 *   Raw ESP: every worker has a raw socket, and each one's filter keeps
 *   only the packets whose SPI is its own. An IPv4 raw socket's filter
 *   sees the IPv4 header (of whatever length) before the SPI; an IPv6 one
 *   sees the packet from the ESP header on, its IPv6 header and any
 *   extension headers already pulled (rawv6_rcv, unlike raw_rcv, does not
 *   push them back), so the SPI is the first word. */
#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "datapath/gateway.h"
#include "datapath/steer.h"

/* A = the SPI's pipe index: fp_gw_spi_hash(A) % n. */
#define STEER_HASH(n)                                                \
	BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, FP_GW_SPI_MULT),         \
	BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, FP_GW_SPI_SHIFT),        \
	BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (n))

int fp_steer_udp(int fd, unsigned n_workers)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), /* the SPI, or the marker */
		STEER_HASH(n_workers),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog fp = {.len = sizeof(prog) / sizeof(prog[0]), .filter = prog};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp));
}

/* Keep the packet when its SPI's pipe is `worker`. X = the SPI's offset. */
#define STEER_KEEP(worker, n)                                        \
	BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), /* A = the SPI */     \
	STEER_HASH(n),                                               \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (worker), 0, 1),         \
	BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),                      \
	BPF_STMT(BPF_RET | BPF_K, 0)

static int steer_attach(int fd, struct sock_filter *prog, unsigned short len)
{
	struct sock_fprog fp = {.len = len, .filter = prog};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

/* DTLS: the client's address (IPv4, or an IPv6 address's last word) XOR
 * its UDP port, hashed as fp_gw_dtls_hash() does. The program runs with
 * the UDP payload at offset 0, so the headers are read relative to the
 * network header (SKF_NET_OFF). */
static int steer_dtls(int fd, unsigned n_workers, bool v6)
{
	struct sock_filter v4prog[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF), /* X = the IPv4 header's length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF),  /* A = the source port */
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12), /* the source address */
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		STEER_HASH(n_workers),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_filter v6prog[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_NET_OFF + 40), /* the source port */
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 20), /* the address's last word */
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		STEER_HASH(n_workers),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog fp = {.len = v6 ? sizeof(v6prog) / sizeof(v6prog[0])
					  : sizeof(v4prog) / sizeof(v4prog[0]),
				.filter = v6 ? v6prog : v4prog};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp));
}

int fp_steer_dtls4(int fd, unsigned n_workers)
{
	return steer_dtls(fd, n_workers, false);
}

int fp_steer_dtls6(int fd, unsigned n_workers)
{
	return steer_dtls(fd, n_workers, true);
}

int fp_steer_esp4(int fd, unsigned worker, unsigned n_workers)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = the IPv4 header's length */
		STEER_KEEP(worker, n_workers),
	};
	return steer_attach(fd, prog, sizeof(prog) / sizeof(prog[0]));
}

int fp_steer_esp6(int fd, unsigned worker, unsigned n_workers)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LDX | BPF_IMM, 0), /* X = 0: no IP header in front */
		STEER_KEEP(worker, n_workers),
	};
	return steer_attach(fd, prog, sizeof(prog) / sizeof(prog[0]));
}
