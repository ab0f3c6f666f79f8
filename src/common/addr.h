/* IPv4/IPv6 addresses and prefixes, as configuration and selectors use them. */
#ifndef FP_ADDR_H
#define FP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fp_af { FP_AF_NONE = 0, FP_AF_INET = 4, FP_AF_INET6 = 6 };

/* IPv4 lives in a[0..3], network byte order; the rest is zero. */
struct fp_addr {
	uint8_t af;        /* enum fp_af */
	uint8_t a[16];
};

struct fp_prefix {
	struct fp_addr addr; /* host bits are zero */
	uint8_t len;         /* prefix length in bits */
};

#define FP_ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */

/* Parse "192.0.2.1" or "2001:db8::1". Returns 0, or -1 if not an address. */
int fp_addr_parse(struct fp_addr *a, const char *s);
/* Parse "2001:db8::/64" or "10.0.0.0/8". Host bits must be zero. */
int fp_prefix_parse(struct fp_prefix *p, const char *s);
/* Parse a dotted IPv4 mask ("255.255.255.0") to a length; -1 if not contiguous. */
int fp_mask_parse(uint8_t *len, const char *s);
/* Zero host bits past len. */
void fp_prefix_normalize(struct fp_prefix *p);

bool fp_addr_eq(const struct fp_addr *x, const struct fp_addr *y);
/* Is the address (family af, bytes a) inside prefix p? */
bool fp_prefix_match(const struct fp_prefix *p, uint8_t af, const uint8_t *a);

/* Format into buf (at least FP_ADDR_STRLEN); returns buf. */
const char *fp_addr_str(const struct fp_addr *a, char *buf, size_t n);
/* "255.255.255.0" for IPv4 lengths; "/64" style is the caller's for IPv6. */
const char *fp_mask_str(uint8_t len, char *buf, size_t n);

#endif
