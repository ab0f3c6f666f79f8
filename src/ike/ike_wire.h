/* IKEv2 wire constants (RFC 7296 section 3 and the IANA "IKEv2
 * Parameters" registry): header, payload types, exchange types, transforms,
 * identities, traffic selectors and notify types. Only numbers live here;
 * ike_msg.h parses them, ike_build.h writes them. Every list has a name
 * table (ike_wire.c) so logs and show commands print names, not numbers. */
#ifndef FP_IKE_WIRE_H
#define FP_IKE_WIRE_H

#include <stdint.h>

#define FP_IKE_HDR_LEN 28          /* SPIi 8, SPIr 8, next, version, exchange, flags, MID, length */
#define FP_IKE_GEN_HDR_LEN 4       /* generic payload header: next, C|reserved, length */
#define FP_IKE_SPI_LEN 8
#define FP_IKE_VERSION 0x20        /* major 2, minor 0 */
#define FP_IKE_NON_ESP_MARKER 4    /* four zero bytes before IKE on UDP 4500 (RFC 3948 2.2) */
#define FP_IKE_NONCE_MIN 16        /* RFC 7296 3.9 */
#define FP_IKE_NONCE_MAX 256

/* Header flags (RFC 7296 3.1). */
#define FP_IKE_FLAG_INITIATOR 0x08 /* sent by the original initiator of the IKE SA */
#define FP_IKE_FLAG_VERSION 0x10   /* "I could speak a higher major version" */
#define FP_IKE_FLAG_RESPONSE 0x20

#define FP_IKE_CRITICAL 0x80       /* generic header: reject if the type is unknown */

/* Each list below is _(enumerator, number, name): one macro makes the
 * enums here, another the name tables in ike_wire.c. */
#define FP_IKE_ENUMERATOR(n, v, s) n = v,

#define FP_IKE_EXCHANGE_LIST(_)                                         \
	_(FP_IKE_EX_IKE_SA_INIT, 34, "IKE_SA_INIT")                     \
	_(FP_IKE_EX_IKE_AUTH, 35, "IKE_AUTH")                           \
	_(FP_IKE_EX_CREATE_CHILD_SA, 36, "CREATE_CHILD_SA")             \
	_(FP_IKE_EX_INFORMATIONAL, 37, "INFORMATIONAL")                 \
	_(FP_IKE_EX_IKE_INTERMEDIATE, 43, "IKE_INTERMEDIATE")

enum fp_ike_exchange {
	FP_IKE_EXCHANGE_LIST(FP_IKE_ENUMERATOR)
};

/* Payload types with the short names charon's log uses ("[ SA KE No ]"). */
#define FP_IKE_PAYLOAD_LIST(_)                                          \
	_(FP_IKE_PL_NONE, 0, "-")                                       \
	_(FP_IKE_PL_SA, 33, "SA")                                       \
	_(FP_IKE_PL_KE, 34, "KE")                                       \
	_(FP_IKE_PL_IDI, 35, "IDi")                                     \
	_(FP_IKE_PL_IDR, 36, "IDr")                                     \
	_(FP_IKE_PL_CERT, 37, "CERT")                                   \
	_(FP_IKE_PL_CERTREQ, 38, "CERTREQ")                             \
	_(FP_IKE_PL_AUTH, 39, "AUTH")                                   \
	_(FP_IKE_PL_NONCE, 40, "No")                                    \
	_(FP_IKE_PL_NOTIFY, 41, "N")                                    \
	_(FP_IKE_PL_DELETE, 42, "D")                                    \
	_(FP_IKE_PL_VENDOR, 43, "V")                                    \
	_(FP_IKE_PL_TSI, 44, "TSi")                                     \
	_(FP_IKE_PL_TSR, 45, "TSr")                                     \
	_(FP_IKE_PL_SK, 46, "SK")                                       \
	_(FP_IKE_PL_CP, 47, "CP")                                       \
	_(FP_IKE_PL_EAP, 48, "EAP")                                     \
	_(FP_IKE_PL_SKF, 53, "SKF")

enum fp_ike_payload_type {
	FP_IKE_PAYLOAD_LIST(FP_IKE_ENUMERATOR)
};

/* Protocol IDs in proposals, notifies and deletes. */
#define FP_IKE_PROTO_LIST(_)                                            \
	_(FP_IKE_PROTO_NONE, 0, "none")                                 \
	_(FP_IKE_PROTO_IKE, 1, "IKE")                                   \
	_(FP_IKE_PROTO_AH, 2, "AH")                                     \
	_(FP_IKE_PROTO_ESP, 3, "ESP")

enum fp_ike_proto {
	FP_IKE_PROTO_LIST(FP_IKE_ENUMERATOR)
};

#define FP_IKE_TRANSFORM_TYPE_LIST(_)                                   \
	_(FP_IKE_XF_ENCR, 1, "ENCR")                                    \
	_(FP_IKE_XF_PRF, 2, "PRF")                                      \
	_(FP_IKE_XF_INTEG, 3, "INTEG")                                  \
	_(FP_IKE_XF_DH, 4, "DH")                                        \
	_(FP_IKE_XF_ESN, 5, "ESN")

enum fp_ike_transform_type {
	FP_IKE_TRANSFORM_TYPE_LIST(FP_IKE_ENUMERATOR)
};

/* Transform IDs fpvpn negotiates (issue 8's algorithm list) and the ones
 * charon offers by default, so a log shows what was refused. */
#define FP_IKE_ENCR_AES_CBC 12
#define FP_IKE_ENCR_AES_CTR 13
#define FP_IKE_ENCR_AES_GCM_8 18
#define FP_IKE_ENCR_AES_GCM_12 19
#define FP_IKE_ENCR_AES_GCM_16 20
#define FP_IKE_ENCR_CHACHA20_POLY1305 28
#define FP_IKE_PRF_HMAC_SHA1 2
#define FP_IKE_PRF_HMAC_SHA2_256 5
#define FP_IKE_PRF_HMAC_SHA2_384 6
#define FP_IKE_PRF_HMAC_SHA2_512 7
#define FP_IKE_INTEG_NONE 0
#define FP_IKE_INTEG_HMAC_SHA1_96 2
#define FP_IKE_INTEG_HMAC_SHA2_256_128 12
#define FP_IKE_INTEG_HMAC_SHA2_384_192 13
#define FP_IKE_INTEG_HMAC_SHA2_512_256 14
#define FP_IKE_DH_MODP_2048 14
#define FP_IKE_DH_MODP_3072 15
#define FP_IKE_DH_MODP_4096 16
#define FP_IKE_DH_ECP_256 19
#define FP_IKE_DH_ECP_384 20
#define FP_IKE_DH_ECP_521 21
#define FP_IKE_DH_CURVE25519 31
#define FP_IKE_ESN_NO 0
#define FP_IKE_ESN_YES 1

/* Transform attributes (RFC 7296 3.3.5): the top bit of the type says
 * TV (2-byte value inline) rather than TLV. Key Length is the only one. */
#define FP_IKE_ATTR_TV 0x8000
#define FP_IKE_ATTR_KEY_LENGTH 14

#define FP_IKE_ID_LIST(_)                                               \
	_(FP_IKE_ID_IPV4_ADDR, 1, "ID_IPV4_ADDR")                       \
	_(FP_IKE_ID_FQDN, 2, "ID_FQDN")                                 \
	_(FP_IKE_ID_RFC822_ADDR, 3, "ID_RFC822_ADDR")                   \
	_(FP_IKE_ID_IPV6_ADDR, 5, "ID_IPV6_ADDR")                       \
	_(FP_IKE_ID_DER_ASN1_DN, 9, "ID_DER_ASN1_DN")                   \
	_(FP_IKE_ID_DER_ASN1_GN, 10, "ID_DER_ASN1_GN")                  \
	_(FP_IKE_ID_KEY_ID, 11, "ID_KEY_ID")

enum fp_ike_id_type {
	FP_IKE_ID_LIST(FP_IKE_ENUMERATOR)
};

#define FP_IKE_AUTH_LIST(_)                                             \
	_(FP_IKE_AUTH_RSA_SIG, 1, "RSA signature")                      \
	_(FP_IKE_AUTH_PSK, 2, "PSK")                                    \
	_(FP_IKE_AUTH_DSS_SIG, 3, "DSS signature")                      \
	_(FP_IKE_AUTH_ECDSA_256, 9, "ECDSA-256")                        \
	_(FP_IKE_AUTH_ECDSA_384, 10, "ECDSA-384")                       \
	_(FP_IKE_AUTH_ECDSA_521, 11, "ECDSA-521")                       \
	_(FP_IKE_AUTH_DIGITAL_SIG, 14, "digital signature")

enum fp_ike_auth_method {
	FP_IKE_AUTH_LIST(FP_IKE_ENUMERATOR)
};

#define FP_IKE_TS_IPV4_ADDR_RANGE 7
#define FP_IKE_TS_IPV6_ADDR_RANGE 8
#define FP_IKE_CERT_X509_SIG 4

/* Notify types: errors below 16384, status from 16384 (RFC 7296 3.10.1;
 * RFC 7383 for fragmentation, RFC 7427 for hash algorithms). A status
 * notify fpvpn does not know is ignored, an unknown error one ends the
 * exchange. */
#define FP_IKE_NOTIFY_LIST(_)                                           \
	_(FP_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 1, "UNSUPPORTED_CRITICAL_PAYLOAD") \
	_(FP_IKE_N_INVALID_IKE_SPI, 4, "INVALID_IKE_SPI")               \
	_(FP_IKE_N_INVALID_MAJOR_VERSION, 5, "INVALID_MAJOR_VERSION")   \
	_(FP_IKE_N_INVALID_SYNTAX, 7, "INVALID_SYNTAX")                 \
	_(FP_IKE_N_INVALID_MESSAGE_ID, 9, "INVALID_MESSAGE_ID")         \
	_(FP_IKE_N_INVALID_SPI, 11, "INVALID_SPI")                      \
	_(FP_IKE_N_NO_PROPOSAL_CHOSEN, 14, "NO_PROPOSAL_CHOSEN")        \
	_(FP_IKE_N_INVALID_KE_PAYLOAD, 17, "INVALID_KE_PAYLOAD")        \
	_(FP_IKE_N_AUTHENTICATION_FAILED, 24, "AUTHENTICATION_FAILED")  \
	_(FP_IKE_N_SINGLE_PAIR_REQUIRED, 34, "SINGLE_PAIR_REQUIRED")    \
	_(FP_IKE_N_NO_ADDITIONAL_SAS, 35, "NO_ADDITIONAL_SAS")          \
	_(FP_IKE_N_INTERNAL_ADDRESS_FAILURE, 36, "INTERNAL_ADDRESS_FAILURE") \
	_(FP_IKE_N_FAILED_CP_REQUIRED, 37, "FAILED_CP_REQUIRED")        \
	_(FP_IKE_N_TS_UNACCEPTABLE, 38, "TS_UNACCEPTABLE")              \
	_(FP_IKE_N_INVALID_SELECTORS, 39, "INVALID_SELECTORS")          \
	_(FP_IKE_N_TEMPORARY_FAILURE, 43, "TEMPORARY_FAILURE")          \
	_(FP_IKE_N_CHILD_SA_NOT_FOUND, 44, "CHILD_SA_NOT_FOUND")        \
	_(FP_IKE_N_INITIAL_CONTACT, 16384, "INITIAL_CONTACT")           \
	_(FP_IKE_N_SET_WINDOW_SIZE, 16385, "SET_WINDOW_SIZE")           \
	_(FP_IKE_N_ADDITIONAL_TS_POSSIBLE, 16386, "ADDITIONAL_TS_POSSIBLE") \
	_(FP_IKE_N_IPCOMP_SUPPORTED, 16387, "IPCOMP_SUPPORTED")         \
	_(FP_IKE_N_NAT_DETECTION_SOURCE_IP, 16388, "NAT_DETECTION_SOURCE_IP") \
	_(FP_IKE_N_NAT_DETECTION_DESTINATION_IP, 16389, "NAT_DETECTION_DESTINATION_IP") \
	_(FP_IKE_N_COOKIE, 16390, "COOKIE")                             \
	_(FP_IKE_N_USE_TRANSPORT_MODE, 16391, "USE_TRANSPORT_MODE")     \
	_(FP_IKE_N_REKEY_SA, 16393, "REKEY_SA")                         \
	_(FP_IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, 16394, "ESP_TFC_PADDING_NOT_SUPPORTED") \
	_(FP_IKE_N_NON_FIRST_FRAGMENTS_ALSO, 16395, "NON_FIRST_FRAGMENTS_ALSO") \
	_(FP_IKE_N_MOBIKE_SUPPORTED, 16396, "MOBIKE_SUPPORTED")         \
	_(FP_IKE_N_NO_ADDITIONAL_ADDRESSES, 16399, "NO_ADDITIONAL_ADDRESSES") \
	_(FP_IKE_N_REDIRECT_SUPPORTED, 16406, "REDIRECT_SUPPORTED")     \
	_(FP_IKE_N_MULTIPLE_AUTH_SUPPORTED, 16404, "MULTIPLE_AUTH_SUPPORTED") \
	_(FP_IKE_N_EAP_ONLY_AUTHENTICATION, 16417, "EAP_ONLY_AUTHENTICATION") \
	_(FP_IKE_N_CHILDLESS_IKEV2_SUPPORTED, 16418, "CHILDLESS_IKEV2_SUPPORTED") \
	_(FP_IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED, 16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED") \
	_(FP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 16430, "IKEV2_FRAGMENTATION_SUPPORTED") \
	_(FP_IKE_N_SIGNATURE_HASH_ALGORITHMS, 16431, "SIGNATURE_HASH_ALGORITHMS")

enum fp_ike_notify_type {
	FP_IKE_NOTIFY_LIST(FP_IKE_ENUMERATOR)
};
#define FP_IKE_N_STATUS_MIN 16384

/* Names for logs and show output; "unknown" for a number not listed. */
const char *fp_ike_exchange_name(unsigned v);
const char *fp_ike_payload_name(unsigned v);
const char *fp_ike_proto_name(unsigned v);
const char *fp_ike_transform_type_name(unsigned v);
const char *fp_ike_id_name(unsigned v);
const char *fp_ike_auth_name(unsigned v);
const char *fp_ike_notify_name(unsigned v);

/* fn(e): the string of each _(name, string) entry of an error list, for
 * the enums that number their entries from 0 (ike_dh.h, ike_sk.h). */
#define FP_IKE_ERR_STRING(n, s) s,
#define FP_IKE_ERR_NAME_FN(fn, list, count)                                   \
	const char *fn(unsigned e)                                            \
	{                                                                     \
		static const char *const names[] = {list(FP_IKE_ERR_STRING)}; \
		return e < (count) ? names[e] : "unknown";                    \
	}

#endif
