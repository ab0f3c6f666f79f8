/* ESP steered to its SA's worker in the kernel (steer.c). */
#ifndef FP_STEER_H
#define FP_STEER_H

/* The reuseport group of one UDP port: the socket of worker
 * fp_gw_spi_hash(SPI) % n_workers. 0, or -1 and errno. */
int fp_steer_udp(int fd, unsigned n_workers);
/* Worker `worker`'s raw ESP socket (IPv4, IPv6) keeps only its SPIs. */
int fp_steer_esp4(int fd, unsigned worker, unsigned n_workers);
int fp_steer_esp6(int fd, unsigned worker, unsigned n_workers);

#endif
