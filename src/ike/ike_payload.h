/* IKEv2 payload bodies, second step: each typed parser checks every
 * length of one payload before it reads a field, then fills a view whose
 * pointers lead into the message buffer (iked's ikev2_validate_* and
 * ikev2_pld_* in one pass per payload). fp_ike_msg_parse() already ran
 * each of them once, so on a parsed message they only fail if the caller
 * hands them a payload of another type (FP_IKE_E_WRONG_TYPE).
 *
 * The views are also what ike_build.h writes, so a parsed message can be
 * written back byte for byte (tests/unit/test_ike_codec.c proves it on
 * charon's messages). */
#ifndef FP_IKE_PAYLOAD_H
#define FP_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike_msg.h"

#define FP_IKE_SA_MAX_PROPOSALS 32 /* in one SA payload (ike.h has the configured bound) */
#define FP_IKE_MAX_TRANSFORMS 256   /* in all proposals: charon's default offer has 70 */
#define FP_IKE_MAX_TS 16

/* SA payload (RFC 7296 3.3). Transforms of every proposal sit in one
 * array; a proposal names its slice. */
struct fp_ike_xf {
	const uint8_t *xf_attrs;      /* raw attributes, NULL when none */
	uint16_t xf_attrs_len;
	uint16_t xf_id;
	uint16_t xf_keylen;           /* Key Length attribute in bits; 0 = absent */
	uint8_t xf_type;              /* enum fp_ike_transform_type */
	bool xf_unknown_attr;         /* an attribute other than Key Length: the
	                               * transform MUST be refused (RFC 7296 3.3.6) */
};

struct fp_ike_prop {
	const uint8_t *pr_spi;        /* pr_spi_size bytes */
	uint16_t pr_first_xf;         /* index into sa_xf */
	uint8_t pr_n_xf;
	uint8_t pr_num;
	uint8_t pr_proto;             /* enum fp_ike_proto */
	uint8_t pr_spi_size;
};

struct fp_ike_sa {
	struct fp_ike_prop sa_prop[FP_IKE_SA_MAX_PROPOSALS];
	struct fp_ike_xf sa_xf[FP_IKE_MAX_TRANSFORMS];
	unsigned sa_n_prop;
	unsigned sa_n_xf;
};

struct fp_ike_ke {
	const uint8_t *ke_data;
	uint16_t ke_len;
	uint16_t ke_group;
};

struct fp_ike_notify {
	const uint8_t *n_spi;
	const uint8_t *n_data;
	uint16_t n_len;
	uint16_t n_type;              /* enum fp_ike_notify_type */
	uint8_t n_proto;
	uint8_t n_spi_size;
};

struct fp_ike_delete {
	const uint8_t *d_spis;        /* d_n_spi SPIs of d_spi_size bytes */
	uint16_t d_n_spi;
	uint8_t d_proto;
	uint8_t d_spi_size;
};

/* IDi/IDr, AUTH, CERT/CERTREQ, CP: a one-byte kind, then data. */
struct fp_ike_typed {
	const uint8_t *t_data;
	uint16_t t_len;
	uint8_t t_kind;               /* ID type, auth method, cert encoding, CP type */
};

struct fp_ike_ts {
	uint8_t ts_type;              /* FP_IKE_TS_IPV4/IPV6_ADDR_RANGE */
	uint8_t ts_proto;             /* IP protocol, 0 = any */
	uint16_t ts_sport, ts_eport;
	uint8_t ts_start[16], ts_end[16]; /* 4 bytes used for IPv4 */
};

struct fp_ike_tsp {
	struct fp_ike_ts tsp_ts[FP_IKE_MAX_TS];
	unsigned tsp_n;
};

/* SKF header (RFC 7383 2.5); the rest of the body is IV, data, ICV. */
struct fp_ike_skf {
	const uint8_t *f_data;
	uint16_t f_len;
	uint16_t f_num, f_total;
};

enum fp_ike_err fp_ike_sa_parse(const struct fp_ike_pl *pl, struct fp_ike_sa *sa);
enum fp_ike_err fp_ike_ke_parse(const struct fp_ike_pl *pl, struct fp_ike_ke *ke);
enum fp_ike_err fp_ike_nonce_parse(const struct fp_ike_pl *pl);
enum fp_ike_err fp_ike_notify_parse(const struct fp_ike_pl *pl, struct fp_ike_notify *n);
enum fp_ike_err fp_ike_delete_parse(const struct fp_ike_pl *pl, struct fp_ike_delete *d);
/* IDi, IDr, AUTH, CERT, CERTREQ and CP share the one-kind-byte layout. */
enum fp_ike_err fp_ike_typed_parse(const struct fp_ike_pl *pl, struct fp_ike_typed *t);
enum fp_ike_err fp_ike_ts_parse(const struct fp_ike_pl *pl, struct fp_ike_tsp *tsp);
enum fp_ike_err fp_ike_skf_parse(const struct fp_ike_pl *pl, struct fp_ike_skf *f);

/* Whether fpvpn knows the type (false: skipped or, if critical, refused). */
bool fp_ike_payload_known(uint8_t type);

/* Runs the typed parser of pl's type into a scratch view: what
 * fp_ike_chain_parse() calls on each known payload. */
enum fp_ike_err fp_ike_payload_check(const struct fp_ike_pl *pl);

#endif
