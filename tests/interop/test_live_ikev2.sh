#!/bin/bash
# fpvpnd to fpvpnd with IKEv2 (docs/testing.md): the two sites of the other
# live tests, keys negotiated instead of configured (PSK, each side
# identified by its address, IKE AES-GCM-256 with group 19), for each ESP
# transform of the list: a ping from A finds no SA, A initiates, B answers;
# then pings both ways, 3 s of iperf3 TCP, both pairs OFFLOADED, and what
# one side encapsulated is what the other decapsulated, or dropped and
# counted (show asp drop, the veth's rx_dropped): nothing lost unseen, and
# no ESP packet read by another worker than its SA's (the kernel steers raw
# ESP: nothing handed over, no pipe-handoff-full; lib.sh
# nt_traffic_accounted). Raw ESP (no NAT), then NAT faked by neither: the
# NAT_DETECTION hashes agree, so no UDP encapsulation. Certificates and an
# IPv6 outside: test_live_ikev2_cert6.sh. Last, an access-list
# with two permit entries (10.1/24 <-> 10.2/24 and 10.11/24 <-> 10.12/24):
# one CHILD_SA per entry as the ASA makes them, the second by
# CREATE_CHILD_SA on the same IKE SA when its first packet comes, both
# carrying pings.
#   bash tests/interop/test_live_ikev2.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-ikev2
nt_require ping iputils-ping
nt_require iperf3
nt_topo_up

# debug crypto ikev2 protocol|platform 127 on SIDE before it negotiates
debug_on() {
	nt_cli "$1" debug crypto ikev2 protocol 127 >/dev/null
	nt_cli "$1" debug crypto ikev2 platform 127 >/dev/null
	nt_check "$1: show debug lists both" \
		test "$(nt_cli "$1" show debug | grep -c 'enabled at level 127')" = 2
}
# what the log got: each datagram both ways, the SAs into the engine, the
# ASA's SA syslogs; never the pre-shared key
debug_checks() {
	local log=${NT_LOG[$1]} want
	for want in 'IKEv2-PROTO-5: Sending Packet .* IKEv2 IKE_SA_INIT Exchange REQUEST' \
		'IKEv2-PROTO-5: Received Packet .* IKEv2 IKE_AUTH Exchange RESPONSE' \
		'IKEv2-PROTO-4: (1): AUTH_SENT -> READY' 'IKEv2-PLAT-5: SENT PKT \[198.51.100.1\]:500' \
		'IKEv2-PLAT-5: RECV PKT' 'IKEv2-PLAT-4: SA pair installed on engine pipe' \
		'%ASA-6-602303: IPSEC: An outbound LAN-to-LAN SA'; do
		nt_check "$1's log: $want" grep -q -- "$want" "$log"
	done
	nt_check "$1's log: not the pre-shared key" test "$(grep -c -F -- "$NT_PSK" "$log")" = 0
	nt_cli "$1" undebug all >/dev/null
}

for xform in gcm256 cbc256sha256; do
	nt_say "IKEv2 between the two sites, ESP $xform"
	NT_IKE=1 NT_XFORM=$xform nt_conf a "$NT_WORK/a.conf"
	NT_IKE=1 NT_XFORM=$xform nt_conf b "$NT_WORK/b.conf"
	nt_start a "$NT_WORK/a.conf"
	nt_start b "$NT_WORK/b.conf"
	[ "$xform" = gcm256 ] && debug_on a
	nt_ping a 3
	nt_wait_offloaded a
	[ "$xform" = gcm256 ] && debug_checks a
	echo "     A dropped $(nt_asp a ipsec-tun-down) packet(s) while it negotiated"
	nt_traffic_accounted "$xform" 3
	nt_stop a
	nt_stop b
done

nt_say "two permit entries: one CHILD_SA each on one IKE SA"
ACE2_A="access-list VPN extended permit ip 10.11.0.0 255.255.255.0 10.12.0.0 255.255.255.0"
ACE2_B="access-list VPN extended permit ip 10.12.0.0 255.255.255.0 10.11.0.0 255.255.255.0"
NT_IKE=1 NT_EXTRA=$ACE2_A nt_conf a "$NT_WORK/a.conf"
NT_IKE=1 NT_EXTRA=$ACE2_B nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_in a ip addr add 10.11.0.1/24 dev "$NT_TUN"
nt_in b ip addr add 10.12.0.1/24 dev "$NT_TUN"
nt_ping a 3
nt_wait_offloaded a
nt_ping a 10
nt_check "first entry: 10 pings 10.1.0.1 -> 10.2.0.1" test "$(nt_ping_received a)" = 10
nt_in a ping -n -q -c 3 -i 0.2 -W 1 -I 10.11.0.1 10.12.0.1 >/dev/null 2>&1 # its CHILD_SA comes up
nt_in a ping -n -q -c 10 -i 0.05 -W 2 -I 10.11.0.1 10.12.0.1 >"$NT_WORK/ping-ace2.txt" 2>&1
nt_check "second entry: 10 pings 10.11.0.1 -> 10.12.0.1" \
	grep -q " 10 received" "$NT_WORK/ping-ace2.txt"
for side in a b; do
	f=$(nt_show "$side" sa-aces show crypto ipsec sa)
	nt_check "$side: two SA pairs of crypto map CM 10, both OFFLOADED" \
		test "$(grep -c "in use settings.*, OFFLOADED," "$f")" = 4
	nt_check "$side: one for 10.11.0.0/24 <-> 10.12.0.0/24" grep -q "ident (addr/mask/prot/port): (10.1[12].0.0/255.255.255.0/0/0)" "$f"
	f=$(nt_show "$side" ike-aces show crypto ikev2 sa)
	nt_check "$side: one IKE SA with both children" grep -q "IKE count:1, CHILD count:2" "$f"
done
nt_stop a
nt_stop b

nt_say "both sides start at once: two IKE SAs cross, one stays"
NT_IKE=1 nt_conf a "$NT_WORK/a.conf"
NT_IKE=1 nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 3 &
pa=$!
nt_ping b 3
wait "$pa"
for _ in $(seq 30); do
	[ "$(nt_cli a show crypto ikev2 sa | grep -c ' READY ')" = 1 ] &&
		[ "$(nt_cli b show crypto ikev2 sa | grep -c ' READY ')" = 1 ] && break
	sleep 0.1
done
crossed=$(grep -c "both sides started at once" "${NT_LOG[a]}" "${NT_LOG[b]}" | awk -F: '{ s += $2 } END { print s + 0 }')
echo "     IKE SAs that crossed and were found redundant: $crossed (0: one side was first)"
for side in a b; do
	nt_check "$side: one IKE SA left, one child" grep -q "IKE count:1, CHILD count:1" <<<"$(nt_cli $side show crypto ikev2 sa)"
	nt_check "$side: no child refused" test "$(grep -c 'child SA not installed' "${NT_LOG[$side]}")" = 0
done
nt_ping a 10
nt_check "10 pings A -> B after the crossing" test "$(nt_ping_received a)" = 10
nt_ping b 10
nt_check "10 pings B -> A after the crossing" test "$(nt_ping_received b)" = 10
nt_stop a
nt_stop b
nt_done
