/* Wire headers and the few byte-order and checksum helpers the engine needs.
 * Packets are parsed through these byte-level accessors so an unaligned
 * header never becomes an unaligned load. */
#ifndef FP_INET_H
#define FP_INET_H

#include <stdint.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fp_get/fp_put assume a little-endian host"
#endif

#define FP_IPV4_HLEN 20u
#define FP_IPV6_HLEN 40u
#define FP_UDP_HLEN 8u
#define FP_ESP_HLEN 8u

#define FP_IPPROTO_ICMP 1
#define FP_IPPROTO_IPIP 4
#define FP_IPPROTO_TCP 6
#define FP_IPPROTO_UDP 17
#define FP_IPPROTO_IPV6 41
#define FP_IPPROTO_FRAG 44
#define FP_IPPROTO_ESP 50
#define FP_IPPROTO_ICMPV6 58
#define FP_IPPROTO_NONE 59

#define FP_IKE_PORT 500
#define FP_NATT_PORT 4500

/* memcpy + byte swap compiles to one load or store and a bswap; byte by
 * byte shifts cost a dozen instructions per field on the hot path. */
static inline uint16_t fp_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return __builtin_bswap16(v);
}

static inline uint32_t fp_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void fp_put16(uint8_t *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, 2);
}

static inline void fp_put32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline void fp_put64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

/* One's complement sum of a buffer, folded later by fp_csum_fold. */
uint32_t fp_csum_partial(const uint8_t *p, uint32_t len, uint32_t sum);

static inline uint16_t fp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Fill in the IPv4 header checksum of the header at h (ihl from h). */
void fp_ipv4_csum_set(uint8_t *h);
/* Checksum of an upper-layer message l4 (its checksum field zero) under
 * the IPv6 header h: RFC 8200 §8.1 pseudo-header. */
uint16_t fp_ip6_l4_csum(const uint8_t *h, uint8_t proto, const uint8_t *l4, uint32_t len);
/* UDP checksum over an IPv6 header h followed by the UDP datagram u. */
uint16_t fp_udp6_csum(const uint8_t *h, const uint8_t *u, uint32_t ulen);

#endif
