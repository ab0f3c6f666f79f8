/* IKEv2 message writer: the header and the payloads of ike_payload.h into
 * a caller's bounded buffer. Each put links itself into the chain (it
 * writes its type into the previous payload's next-payload field) and
 * fp_ike_wr_finish() writes the header's length. Writing past the buffer
 * never happens: the writer stops and finish reports -1.
 *
 * Views given to the puts are those the parsers fill, so building from a
 * parsed message gives the same bytes back (reserved fields as zero). */
#ifndef FP_IKE_BUILD_H
#define FP_IKE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_payload.h"

struct fp_ike_wr {
	uint8_t *w_buf;
	size_t w_cap;
	size_t w_len;
	size_t w_prev;       /* offset of the previous payload's header, or one of WR_* */
	uint8_t w_first;     /* type of the first payload (an SK's inner chain) */
	bool w_hdr;          /* an outer message: finish writes its length */
	bool w_closed;       /* an SK or SKF payload was written: nothing may follow */
	bool w_overflow;     /* something did not fit, or followed SK */
};

/* An outer message: put the header first. */
void fp_ike_wr_init(struct fp_ike_wr *w, uint8_t *buf, size_t cap);
/* An inner chain (an SK payload's plaintext): no header; w_first names it. */
void fp_ike_wr_init_inner(struct fp_ike_wr *w, uint8_t *buf, size_t cap);
/* h_next and h_length are written by the puts and by finish. */
void fp_ike_put_hdr(struct fp_ike_wr *w, const struct fp_ike_hdr *h);
/* The length written, or -1 when anything overflowed. */
long fp_ike_wr_finish(struct fp_ike_wr *w);

/* A payload whose body the caller has as bytes (nonce, vendor ID, and an
 * unknown one copied through). */
void fp_ike_put_raw(struct fp_ike_wr *w, uint8_t type, bool critical, const uint8_t *body,
		    size_t len);
void fp_ike_put_sa(struct fp_ike_wr *w, const struct fp_ike_sa *sa);
void fp_ike_put_ke(struct fp_ike_wr *w, const struct fp_ike_ke *ke);
void fp_ike_put_notify(struct fp_ike_wr *w, const struct fp_ike_notify *n);
void fp_ike_put_delete(struct fp_ike_wr *w, const struct fp_ike_delete *d);
/* IDi, IDr, AUTH, CERT, CERTREQ, CP. */
void fp_ike_put_typed(struct fp_ike_wr *w, uint8_t type, const struct fp_ike_typed *t);
/* TSi or TSr. */
void fp_ike_put_ts(struct fp_ike_wr *w, uint8_t type, const struct fp_ike_tsp *tsp);
/* The SK payload, last in the message; its next field is inner, the
 * first payload inside. body (IV, ciphertext, ICV) is copied if given;
 * returns where it goes so SK encryption can fill it in place, or NULL. */
uint8_t *fp_ike_put_sk(struct fp_ike_wr *w, uint8_t inner, const uint8_t *body, size_t len);
/* One fragment (RFC 7383); inner is the first payload in fragment 1 only. */
uint8_t *fp_ike_put_skf(struct fp_ike_wr *w, uint8_t inner, uint16_t num, uint16_t total,
			const uint8_t *body, size_t len);

#endif
