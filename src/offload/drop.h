/* Every reason a packet is dropped or punted, in one list that makes the
 * enum, the `show asp drop` section (FRAME: the packet itself was wrong;
 * FLOW: a flow, VPN handle or policy decided), names and descriptions (VPP
 * foreach_ipsec_sa_err style). Short names follow the ASA's where it has one. */
#ifndef FP_DROP_H
#define FP_DROP_H

#include <stdbool.h>

#define FP_DROP_LIST(_)                                                                             \
	_(NONE, FRAME, "none", "Not dropped")                                                       \
	_(IP_MALFORMED, FRAME, "invalid-ip-header", "Invalid IP header")                            \
	_(IP_FRAGMENT, FRAME, "ipsec-fragment", "Fragmented ESP packet punted for reassembly")      \
	_(ESP_TRUNCATED, FRAME, "ipsec-esp-truncated", "ESP packet shorter than header, IV and ICV") \
	_(ESP_BAD_LENGTH, FRAME, "ipsec-esp-bad-length", "ESP payload not a multiple of the cipher block") \
	_(SPI_UNKNOWN, FLOW, "vpn-handle-not-found", "VPN handle not found")                        \
	_(REPLAY, FRAME, "ipsec-replay", "IPSec anti-replay: duplicate sequence number")            \
	_(REPLAY_TOO_OLD, FRAME, "ipsec-replay-old", "IPSec anti-replay: sequence number left of the window") \
	_(ICV_FAIL, FRAME, "ipsec-auth-fail", "IPSec authentication (ICV) failed")                  \
	_(BAD_PADDING, FRAME, "ipsec-bad-padding", "IPSec padding bytes are not 1, 2, 3, ...")      \
	_(BAD_PAD_LENGTH, FRAME, "ipsec-bad-pad-length", "IPSec pad length exceeds the payload")    \
	_(BAD_NEXT_HEADER, FRAME, "ipsec-bad-next-header", "IPSec next header not IPv4/IPv6 in tunnel mode") \
	_(TFC_DUMMY, FRAME, "ipsec-tfc-dummy", "IPSec dummy packet (next header 59) received")      \
	_(INNER_MALFORMED, FRAME, "ipsec-inner-malformed", "Decapsulated inner packet is malformed") \
	_(SELECTOR_MISMATCH, FLOW, "vpn-selector-failure", "Decapsulated inner packet doesn't match the SA's selectors") \
	_(NATT_KEEPALIVE, FRAME, "natt-keepalive", "NAT-T keepalive message")                       \
	_(BAD_NATT, FRAME, "bad-ipsec-natt", "Bad IPSEC NATT packet")                               \
	_(IKE_PUNT, FRAME, "ike-punt", "IKE message on the NAT-T port handed to the slow path")     \
	_(SEQ_EXHAUSTED, FRAME, "ipsec-seq-overflow", "IPSec sequence number space exhausted, SA must rekey") \
	_(SEQ_UNRESERVED, FRAME, "ipsec-seq-unreserved", "IPSec sequence number past the block saved in the state file: waits for the next reservation") \
	_(SA_EXPIRED, FRAME, "ipsec-sa-expired", "IPSec SA hard lifetime reached")                  \
	_(NO_SA, FRAME, "ipsec-tun-down", "IPSEC tunnel is down")                                   \
	_(TOO_BIG, FRAME, "ipsec-too-big", "Encapsulated packet exceeds the buffer")                \
	_(CRYPTO_ERROR, FRAME, "ctm-error", "CTM returned error")                                   \
	_(NOT_IP, FRAME, "invalid-ethertype", "Not an IPv4 or IPv6 packet")                         \
	_(NOT_ESP, FRAME, "not-offloaded", "No offload application for the packet, handed to the slow path") \
	_(BAD_SPI, FRAME, "ipsec-bad-spi", "ESP packet with a reserved SPI (0-255)")                \
	_(NO_ROUTE, FRAME, "no-route", "No route to host")                                          \
	_(VPN_MISSING_DECRYPT, FLOW, "vpn-missing-decrypt", "VPN decryption missing")               \
	_(FRAG_INVALID, FRAME, "ipsec-frag-invalid", "Fragment overlapping, too big or malformed: datagram dropped") \
	_(FRAG_TIMEOUT, FRAME, "ipsec-frag-timeout", "Fragmented datagram not complete within 30 seconds") \
	_(FRAG_NOSLOT, FRAME, "ipsec-frag-noslot", "No reassembly slot free for a new fragmented datagram") \
	_(IKE_NOT_RUNNING, FRAME, "ike-not-running", "IKE message received, IKEv2 is not enabled")  \
	_(VPN_FILTER, FLOW, "vpn-filter-deny", "Denied by the tunnel's vpn-filter")                 \
	_(TX_FAILED, FRAME, "send-failed", "The interface refused the packet (too big for its MTU, queue full)") \
	_(SA_MOVING, FLOW, "ipsec-sa-moving", "SA moving between pipes: more packets than its hold queue takes") \
	_(PREFRAG, FRAME, "ipsec-prefrag", "Too big for the outside MTU once encrypted: fragmenting it before encryption failed") \
	_(DF_TOO_BIG, FRAME, "ipsec-df-too-big", "Too big for the outside MTU once encrypted, DF set or IPv6: PMTU message sent back") \
	_(ENCAP_MISMATCH, FRAME, "ipsec-encap-mismatch", "ESP raw for an SA in UDP (NAT-T), or in UDP for a raw ESP SA") \
	_(PUNT_FULL, FRAME, "dispatch-queue-limit", "Dispatch queue tail drop: the pipe's queue to the slow path was full") \
	_(HANDOFF_FULL, FRAME, "pipe-handoff-full", "Hand-off tail drop: the ring to the pipe that owns the SA was full") \
	_(RX_OVERFLOW, FRAME, "rx-socket-overflow", "Dropped by the kernel on a socket of fpvpnd before it was read (buffer full, bad UDP checksum)") \
	_(DTLS_TRUNCATED, FRAME, "dtls-record-truncated", "DTLS record shorter than its header, nonce or IV and tag or MAC, or than its length field") \
	_(DTLS_BAD_LENGTH, FRAME, "dtls-bad-length", "DTLS record of a block cipher not a whole number of blocks, or an empty AnyConnect payload") \
	_(DTLS_BAD_HEADER, FRAME, "dtls-bad-header", "DTLS record of an unknown content type, or application data not of version 1.2") \
	_(DTLS_REPLAY, FRAME, "dtls-replay", "DTLS anti-replay: duplicate sequence number") \
	_(DTLS_REPLAY_TOO_OLD, FRAME, "dtls-replay-old", "DTLS anti-replay: sequence number left of the window") \
	_(DTLS_AUTH_FAIL, FRAME, "dtls-auth-fail", "DTLS record authentication failed (bad tag, or bad MAC or padding)") \
	_(DTLS_INNER_MALFORMED, FRAME, "dtls-inner-malformed", "Decrypted AnyConnect DATA is not a well-formed IP packet") \
	_(DTLS_INNER_SPOOF, FLOW, "dtls-inner-spoof", "Decrypted packet's source is not the address the client was given") \
	_(DTLS_SEQ_EXHAUSTED, FRAME, "dtls-seq-overflow", "DTLS sequence number space (48 bits) exhausted: the session must rehandshake") \
	_(DTLS_NO_RULE, FLOW, "dtls-rule-not-found", "No DTLS offload rule for the packet") \
	_(DTLS_UNKNOWN_SESSION, FLOW, "dtls-unknown-session", "DTLS ClientHello whose session id no remote-access session was given (dropped by the worker)") \
	_(DTLS_CONTROL_IN, FRAME, "dtls-offload-control-in-pkt", "DTLS_OFFLOAD_CONTROL_IN_PKT: AnyConnect control frame (DPD, keepalive, disconnect) handed to the slow path") \
	_(DTLS_RX_ALERT, FRAME, "dtls-offload-rx-alert", "DTLS_OFFLOAD_RX_ALERT: DTLS alert handed to the slow path") \
	_(DTLS_HANDSHAKE, FRAME, "dtls-offload-handshake", "DTLS handshake or change_cipher_spec record handed to the slow path") \
	_(DTLS_EPOCH, FRAME, "dtls-offload-epoch", "DTLS record of another epoch than the rule's handed to the slow path") \
	_(DTLS_MULTI_RECORD, FRAME, "dtls-offload-multi-record", "DTLS datagram with more than one record handed to the slow path") \
	_(RA_NO_SESSION, FRAME, "vpn-ra-no-session", "Packet to a remote-access pool address without a connected session, or its TLS queue was full")

enum fp_drop {
#define FP_DROP_ENUM(n, c, s, d) FP_DROP_##n,
	FP_DROP_LIST(FP_DROP_ENUM)
#undef FP_DROP_ENUM
	FP_DROP__COUNT
};

const char *fp_drop_name(unsigned d);  /* "ipsec-replay" */
bool fp_drop_is_flow(unsigned d);      /* listed under "Flow drop:" */
const char *fp_drop_descr(unsigned d); /* "IPSec anti-replay: ..." */

#endif
