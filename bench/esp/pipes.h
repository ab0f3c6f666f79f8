/* The engine side of bench/esp, shared with bench/ike: two pipes (A
 * encapsulates, B decapsulates) with one SA pair between them (SPI 0x1001,
 * 10.1.0.0/24 <-> 10.2.0.0/24), a burst of packets of one size, their
 * ESP form, and the restores that give every timed round fresh packets. */
#ifndef FP_BENCH_ESP_PIPES_H
#define FP_BENCH_ESP_PIPES_H

#include <stdint.h>

#include "offload/pipe.h"
#include "offload/sadb.h"

#define BURST 32u

struct xform {
	const char *name;
	enum fp_cipher c;
	enum fp_integ i;
	uint8_t ckey_len, akey_len;
};

struct esp_pipes {
	struct fp_pipe a, b;
	uint32_t out, in;          /* the pair's SA ids in a and b */
	struct fp_pkt *pkt[BURST];
	uint8_t inner[BURST][1500];
	uint32_t inner_len[BURST];
	uint8_t esp[BURST][1600];
	uint32_t esp_len[BURST];
	uint64_t bytes;            /* inner bytes per burst */
};

/* Pipes with room for max_sa SAs each; NULL on failure. */
struct esp_pipes *esp_pipes_new(uint32_t max_sa);
void esp_pipes_free(struct esp_pipes *b);
/* The SA pair of transform x; its outbound parameters into *p. 0 or -1. */
int esp_pipes_sas(struct esp_pipes *b, const struct xform *x, struct fp_sa_params *p);
/* A burst of inner packets of size bytes (0 = IMIX), encapsulated once for
 * the ESP form and decapsulated once as a check. 0 or -1. */
int esp_pipes_packets(struct esp_pipes *b, unsigned size);
/* The inner burst back in place (bound for the outbound SA). */
void esp_restore_inner(struct esp_pipes *b);
/* The ESP burst back in place, B's replay window reset. */
void esp_restore_esp(struct esp_pipes *b);
/* This thread's CPU time. */
uint64_t esp_cpu_ns(void);
int esp_cmp_double(const void *x, const void *y);

#endif
