/* IKEv2 message parsing, first step: the header and the generic payload
 * chain (RFC 7296 3.1, 3.2), checked before anything is interpreted.
 *
 * fp_ike_msg_parse() reads a datagram (after the non-ESP marker on 4500)
 * into a view that points into the caller's buffer: no allocation, no
 * copy. Every payload it knows is also checked in depth by its typed
 * parser (ike_payload.h), so a message that parses has no bad length
 * anywhere; the exchange code then reads payloads through those parsers.
 * An unknown payload is skipped unless its critical bit is set, which
 * fails the message with FP_IKE_E_CRITICAL (the peer is then owed an
 * UNSUPPORTED_CRITICAL_PAYLOAD notify naming m_err_type).
 *
 * The SK (encrypted) or SKF (fragment) payload ends the outer chain; its
 * next-payload field names the first payload inside. Once decrypted, the
 * inner chain is read with fp_ike_chain_parse(). */
#ifndef FP_IKE_MSG_H
#define FP_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_wire.h"

#define FP_IKE_MAX_PAYLOADS 64   /* charon's largest, IKE_AUTH with certificates, has ~15 */

/* Why a message or payload was refused: one list makes the enum and the
 * names printed by logs and debug crypto ikev2. */
#define FP_IKE_ERR_LIST(_)                                                             \
	_(OK, "ok")                                                                    \
	_(TRUNCATED, "shorter than the IKE header")                                    \
	_(VERSION, "major version is not 2")                                           \
	_(LENGTH, "header length differs from the datagram")                           \
	_(PAYLOAD_TRUNCATED, "payload header runs past the message")                   \
	_(PAYLOAD_LENGTH, "payload length below 4 or past the message")                \
	_(TRAILING, "bytes after the last payload")                                    \
	_(CRITICAL, "unknown payload with the critical bit")                           \
	_(TOO_MANY, "more payloads than fpvpn keeps")                                  \
	_(SK_NOT_LAST, "SK or SKF payload not the last one")                           \
	_(SK_NESTED, "SK or SKF payload inside an encrypted one")                      \
	_(SK_LENGTH, "SK or SKF payload too short")                                    \
	_(SKF_NUMBER, "fragment number 0 or above the total")                          \
	_(PROPOSAL_LENGTH, "proposal length below 8, past the SA payload or its SPI")  \
	_(PROPOSAL_LAST, "proposal 'more' flag disagrees with the bytes left")         \
	_(PROPOSAL_SPI, "proposal SPI size not 0, 4 or 8")                             \
	_(TRANSFORM_LENGTH, "transform length below 8 or past its proposal")           \
	_(TRANSFORM_LAST, "transform 'more' flag disagrees with the bytes left")       \
	_(TRANSFORM_COUNT, "transform count differs from the transforms present")      \
	_(ATTR_LENGTH, "transform attribute runs past its transform")                  \
	_(SA_TOO_MANY, "more proposals or transforms than fpvpn keeps")                \
	_(SA_EMPTY, "SA payload without a proposal")                                   \
	_(KE_LENGTH, "KE payload shorter than its header")                             \
	_(NONCE_LENGTH, "nonce shorter than 16 or longer than 256 bytes")              \
	_(NOTIFY_LENGTH, "notify shorter than its header and SPI")                     \
	_(DELETE_LENGTH, "delete length differs from its SPI count")                   \
	_(ID_LENGTH, "identification payload shorter than its header")                 \
	_(AUTH_LENGTH, "authentication payload shorter than its header")               \
	_(CERT_LENGTH, "certificate payload without its encoding byte")                \
	_(TS_LENGTH, "traffic selector length wrong for its type or past the payload") \
	_(TS_COUNT, "traffic selector count differs from the selectors present")       \
	_(TS_TYPE, "traffic selector type not IPv4 or IPv6 range")                     \
	_(TS_TOO_MANY, "more traffic selectors than fpvpn keeps")                      \
	_(CP_LENGTH, "configuration attribute runs past its payload")                  \
	_(WRONG_TYPE, "typed parser called on a payload of another type")

enum fp_ike_err {
#define FP_IKE_X(n, s) FP_IKE_E_##n,
	FP_IKE_ERR_LIST(FP_IKE_X)
#undef FP_IKE_X
	FP_IKE_E__COUNT
};

const char *fp_ike_err_name(unsigned e);

struct fp_ike_hdr {
	uint8_t h_spi_i[FP_IKE_SPI_LEN];
	uint8_t h_spi_r[FP_IKE_SPI_LEN];
	uint8_t h_next;               /* first payload */
	uint8_t h_version;            /* FP_IKE_VERSION */
	uint8_t h_exchange;           /* enum fp_ike_exchange */
	uint8_t h_flags;              /* FP_IKE_FLAG_* */
	uint32_t h_msgid;
	uint32_t h_length;            /* whole message, header included */
};

/* One payload of a chain: where its body is, nothing interpreted. */
struct fp_ike_pl {
	const uint8_t *pl_body;       /* after the 4-byte generic header */
	uint16_t pl_len;              /* body length (generic length - 4) */
	uint8_t pl_type;              /* enum fp_ike_payload_type, or an unknown number */
	uint8_t pl_next;              /* as on the wire: for SK/SKF, the first inner payload */
	bool pl_critical;
	bool pl_known;                /* false: unknown, non-critical, skipped */
};

struct fp_ike_chain {
	struct fp_ike_pl c_pl[FP_IKE_MAX_PAYLOADS];
	unsigned c_n;
	unsigned c_skipped;           /* unknown non-critical payloads */
	/* On error: the payload type and its offset from the chain's start. */
	uint8_t c_err_type;
	uint32_t c_err_off;
};

struct fp_ike_msg {
	struct fp_ike_hdr m_hdr;
	struct fp_ike_chain m_chain;
	const uint8_t *m_buf;         /* the datagram, header included */
	uint32_t m_len;
};

/* Parse and check a whole message (the header's length must be len).
 * Returns FP_IKE_E_OK, or the first fault found, with m_chain.c_err_type
 * and c_err_off naming the payload where there is one. */
enum fp_ike_err fp_ike_msg_parse(struct fp_ike_msg *m, const uint8_t *buf, size_t len);

/* Only the fixed header: what a dispatcher needs (SPIs, exchange, MID)
 * before it knows whose message it is. */
enum fp_ike_err fp_ike_hdr_parse(struct fp_ike_hdr *h, const uint8_t *buf, size_t len);

/* A payload chain starting with type first over buf[0..len): the outer
 * one after the header, or an SK payload's plaintext (without padding).
 * inner: the chain was encrypted, so SK/SKF may not appear in it. */
enum fp_ike_err fp_ike_chain_parse(struct fp_ike_chain *c, uint8_t first, const uint8_t *buf,
				   size_t len, bool inner);

/* The first payload of type in the chain, from index *at on (NULL: from
 * 0); *at is left past it so a loop finds each one. NULL if none. */
const struct fp_ike_pl *fp_ike_chain_find(const struct fp_ike_chain *c, uint8_t type,
					  unsigned *at);

#endif
