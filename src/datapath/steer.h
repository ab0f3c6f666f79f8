/* ESP steered to its SA's worker in the kernel (steer.c). */
#ifndef FP_STEER_H
#define FP_STEER_H

/* The reuseport group of one UDP port: the socket of worker
 * fp_gw_spi_hash(SPI) % n_workers. 0, or -1 and errno. */
int fp_steer_udp(int fd, unsigned n_workers);
/* The reuseport group of the DTLS port (dtls_session.h): the socket of
 * worker fp_gw_dtls_hash(client address, port) % n_workers, for IPv4 and
 * IPv6 sockets. */
int fp_steer_dtls4(int fd, unsigned n_workers);
int fp_steer_dtls6(int fd, unsigned n_workers);
/* Worker `worker`'s raw ESP socket (IPv4, IPv6) keeps only its SPIs. */
int fp_steer_esp4(int fd, unsigned worker, unsigned n_workers);
int fp_steer_esp6(int fd, unsigned worker, unsigned n_workers);

#endif
