#!/bin/bash
# fpvpnd to fpvpnd with IKEv2 (docs/testing.md), what test_live_ikev2.sh
# leaves out: certificates, and an IPv6 outside. Both gateways run two
# engine pipes (--pipes 2), so the kernel's ESP steering is at work.
#  - Certificates from a CA made with the openssl CLI (nt_pki: RSA-2048,
#    then ECDSA P-256), each side identified by its DN. A fragments its
#    IKE messages at 576 bytes (`crypto ikev2 fragmentation mtu 576`), B at
#    1500, so A's IKE_AUTH request crosses in fragments that B reassembles.
#    Pings both ways, both pairs OFFLOADED, `Auth sign: RSA` (`ECDSA`) on
#    both sides, every packet accounted for.
#  - The outside veth pair on IPv6 (2001:db8:100::1 and ::2, the crypto map
#    peer and the tunnel-group too), the inside still IPv4 (PSK): IKE over
#    IPv6, ESP over IPv6, pings, 2 s of iperf3, OFFLOADED, every packet
#    accounted for. Raw ESP over IPv6 is steered to the worker of its SA by
#    its socket filter as IPv4's is: no ESP handed to another pipe.
#   bash tests/interop/test_live_ikev2_cert6.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-ikev2-cert6
nt_require ping iputils-ping
nt_require iperf3
nt_require openssl openssl
NT_OUTER6=1 nt_topo_up # the veths carry both families; each round's configuration picks one

# stat_of SIDE LABEL: a counter of show crypto ikev2 stats
stat_of() { nt_cli "$1" show crypto ikev2 stats | awk -v l="$2" 'index($0, l) { print $NF; exit }'; }

# sites_up: both configurations (the caller's NT_* knobs) with A's and B's
# NT_EXTRA given, both started; A's first pings start the negotiation,
# which B logs at debug level 4 (the peer certificate it accepted)
sites_up() {
	NT_EXTRA=$1 nt_conf a "$NT_WORK/a.conf"
	NT_EXTRA=$2 nt_conf b "$NT_WORK/b.conf"
	nt_start a "$NT_WORK/a.conf" --pipes 2
	nt_start b "$NT_WORK/b.conf" --pipes 2
	nt_cli b debug crypto ikev2 protocol 4 >/dev/null
	nt_ping a 3
	nt_check "the pair came up and into the engine" nt_wait_offloaded a
}

# spi_pipe SIDE: the pipe (of 2) that holds SIDE's inbound SA, the one its
# ESP must reach: fp_gw_spi_hash(SPI) % 2 (datapath/gateway.h)
spi_pipe() {
	local spi
	spi=$(nt_cli "$1" show crypto ipsec sa | awk '/current inbound spi/ { print $NF; exit }')
	echo $(((((0x${spi:-0} * 0x9e3779b1) & 0xffffffff) >> 16) % 2))
}

for alg in rsa ecdsa; do
	kind=RSA && [ "$alg" = ecdsa ] && kind=ECDSA
	nt_say "IKEv2 with $kind certificates, A's IKE_AUTH in fragments of 576 bytes"
	NT_IKE=1 NT_CERT=$alg sites_up "crypto ikev2 fragmentation mtu 576" "crypto ikev2 fragmentation mtu 1500"
	nt_traffic_accounted "$alg" 0
	for side in a b; do
		f=$(nt_show "$side" "ikesa-$alg" show crypto ikev2 sa)
		nt_check "$alg: $side's show crypto ikev2 sa: Auth sign: $kind, Auth verify: $kind" \
			grep -q "Auth sign: $kind, Auth verify: $kind" "$f"
		fails=$(stat_of "$side" "Authentication Failures:")
		nt_check "$alg: no authentication failure at $side ($fails)" test "${fails:-1}" = 0
	done
	a_sent=$(stat_of a "Messages sent in fragments:") b_got=$(stat_of b "Messages reassembled:")
	b_sent=$(stat_of b "Messages sent in fragments:")
	echo "     A sent $a_sent message(s) in fragments, B reassembled $b_got; B (mtu 1500) sent $b_sent in fragments"
	nt_check "$alg: A's IKE_AUTH went in fragments ($a_sent) and B reassembled it ($b_got)" \
		test "${a_sent:-0}" -ge 1 -a "${b_got:-0}" -ge 1
	# the certificates have no subjectAltName: the ID that matched is the DN
	nt_check "$alg: B accepted A's certificate and ID (its DN)" grep -q \
		"IKEv2-PROTO-4: (1): peer certificate /O=fpvpn/CN=site-a: chain, key usage and ID verified" "${NT_LOG[b]}"
	nt_stop a
	nt_stop b
done

nt_say "IKEv2 and ESP over an IPv6 outside, IPv4 inside"
NT_IKE=1 NT_OUTER6=1 sites_up "" ""
# worker 0 reads first when nothing steers: want an SA in pipe 1 on one
# side at least (3 times in 4), else new SPIs: the child cleared, a new one
# by CREATE_CHILD_SA on the next pings (a new IKE SA would wait out the
# 10 s between two acquires of a tunnel)
for try in 1 2 3 4 5 6; do
	pa=$(spi_pipe a) pb=$(spi_pipe b)
	[ "$pa$pb" != 00 ] && break
	echo "     both inbound SAs in pipe 0 (try $try): clear crypto ipsec sa, new SPIs"
	nt_cli a clear crypto ipsec sa >/dev/null
	sleep 0.2
	nt_ping a 3
	nt_wait_offloaded a
done
nt_check "v6: an inbound SA in pipe 1 (A's in pipe $pa, B's in pipe $pb)" test "$pa$pb" != 00
for side in a b; do
	f=$(nt_show "$side" ikesa-v6 show crypto ikev2 sa)
	nt_check "v6: $side's IKE SA is between the IPv6 addresses" grep -q "2001:db8:100::[12]/500 *2001:db8:100::[12]/500" "$f"
	f=$(nt_show "$side" sa-v6-ep show crypto ipsec sa)
	nt_check "v6: $side's SAs' endpoints are IPv6" grep -q "local crypto endpt.: 2001:db8:100::" "$f"
done
nt_traffic_accounted v6 2
nt_stop a
nt_stop b
nt_done
