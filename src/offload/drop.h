/* Every reason a packet is dropped or punted, in one list that makes the
 * enum, the `show asp drop` names and descriptions (VPP foreach_ipsec_sa_err
 * style). Short names follow the ASA's where it has one. */
#ifndef FP_DROP_H
#define FP_DROP_H

#define FP_DROP_LIST(_)                                                                  \
	_(NONE, "none", "Not dropped")                                                    \
	_(IP_MALFORMED, "invalid-ip-header", "Invalid IP header")                        \
	_(IP_FRAGMENT, "ipsec-fragment", "Fragmented ESP packet punted for reassembly")   \
	_(ESP_TRUNCATED, "ipsec-esp-truncated", "ESP packet shorter than header, IV and ICV") \
	_(ESP_BAD_LENGTH, "ipsec-esp-bad-length", "ESP payload not a multiple of the cipher block") \
	_(SPI_UNKNOWN, "vpn-handle-not-found", "VPN handle not found")                    \
	_(REPLAY, "ipsec-replay", "IPSec anti-replay: duplicate sequence number")          \
	_(REPLAY_TOO_OLD, "ipsec-replay-old", "IPSec anti-replay: sequence number left of the window") \
	_(ICV_FAIL, "ipsec-auth-fail", "IPSec authentication (ICV) failed")                \
	_(BAD_PADDING, "ipsec-bad-padding", "IPSec padding bytes are not 1, 2, 3, ...")    \
	_(BAD_PAD_LENGTH, "ipsec-bad-pad-length", "IPSec pad length exceeds the payload")  \
	_(BAD_NEXT_HEADER, "ipsec-bad-next-header", "IPSec next header not IPv4/IPv6 in tunnel mode") \
	_(TFC_DUMMY, "ipsec-tfc-dummy", "IPSec dummy packet (next header 59) received")    \
	_(INNER_MALFORMED, "ipsec-inner-malformed", "Decapsulated inner packet is malformed") \
	_(SELECTOR_MISMATCH, "vpn-selector-failure", "Decapsulated inner packet doesn't match the SA's selectors") \
	_(NATT_KEEPALIVE, "natt-keepalive", "NAT-T keepalive message")                     \
	_(BAD_NATT, "bad-ipsec-natt", "Bad IPSEC NATT packet")                              \
	_(IKE_PUNT, "ike-punt", "IKE message on the NAT-T port handed to the slow path")   \
	_(SEQ_EXHAUSTED, "ipsec-seq-overflow", "IPSec sequence number space exhausted, SA must rekey") \
	_(SA_EXPIRED, "ipsec-sa-expired", "IPSec SA hard lifetime reached")                \
	_(NO_SA, "ipsec-tun-down", "IPSEC tunnel is down")                                 \
	_(TOO_BIG, "ipsec-too-big", "Encapsulated packet exceeds the buffer")              \
	_(CRYPTO_ERROR, "ctm-error", "CTM returned error")                                 \
	_(NOT_IP, "invalid-ethertype", "Not an IPv4 or IPv6 packet")                        \
	_(NOT_ESP, "not-offloaded", "No offload application for the packet, handed to the slow path") \
	_(BAD_SPI, "ipsec-bad-spi", "ESP packet with a reserved SPI (0-255)")                \
	_(NO_ROUTE, "no-route", "No route to host")                                        \
	_(VPN_MISSING_DECRYPT, "vpn-missing-decrypt", "VPN decryption missing")            \
	_(IKE_NOT_RUNNING, "ike-not-running", "IKE message received, IKEv2 is not enabled")

enum fp_drop {
#define FP_DROP_ENUM(n, s, d) FP_DROP_##n,
	FP_DROP_LIST(FP_DROP_ENUM)
#undef FP_DROP_ENUM
	FP_DROP__COUNT
};

const char *fp_drop_name(unsigned d);  /* "ipsec-replay" */
const char *fp_drop_descr(unsigned d); /* "IPSec anti-replay: ..." */

#endif
