#!/bin/bash
# Route-based tunnels between two fpvpnd (docs/testing.md): no crypto map,
# no access-list. Each site has interface Tunnel1 (tunnel source outside,
# destination the other site, crypto ipsec profile with PFS group 19) and
# "route vti NET MASK GW" to the other site's network. A ping from A finds
# the VTI's tunnel without an SA, A initiates with 0.0.0.0/0 selectors both
# ways, B answers from its Tunnel interface; then pings both ways and 2 s of
# iperf3, both pairs OFFLOADED and listed under "interface: vti" as
# __vti-crypto-map-Tunnel1-0-1; show running-config writes the lines back.
# A third network that no route names is not carried; a route typed in
# configure terminal is taken from the next packet. Then configure
# terminal changes the profile's lifetime on A (its sub-mode kept between
# lines): after clear crypto ikev2 sa the next negotiation uses it.
# Last, when strongSwan is installed, charon (kernel-libipsec, ESP in UDP)
# as the peer of A's Tunnel1 with 0.0.0.0/0 selectors both ways: charon
# initiates, pings both ways, A's pair OFFLOADED; then A initiates.
#   bash tests/interop/test_live_vti.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/strongswan.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-vti
nt_require ping iputils-ping
nt_require iperf3
nt_topo_up

# vti_conf a|b FILE: the site's configuration, route-based.
vti_conf() {
	local side=$1 me=$NT_A_OUT_IP peer=$NT_B_OUT_IP in_ip=$NT_A_IN_IP dev=$NT_AOUT
	local remote=$NT_B_NET vti_me=169.254.10.1 vti_peer=169.254.10.2
	if [ "$side" = b ]; then
		me=$NT_B_OUT_IP peer=$NT_A_OUT_IP in_ip=$NT_B_IN_IP dev=$NT_BOUT
		remote=$NT_A_NET vti_me=169.254.10.2 vti_peer=169.254.10.1
	fi
	cat >"$2" <<EOF
hostname site-$side
interface $dev
 nameif outside
 ip address $me 255.255.255.0
!
interface $NT_TUN
 nameif inside
 ip address $in_ip 255.255.255.0
!
crypto ikev2 policy 10
 encryption aes-gcm-256
 integrity null
 group 19
 prf sha256
crypto ikev2 enable outside
crypto ipsec ikev2 ipsec-proposal P
 protocol esp encryption aes-gcm-256
crypto ipsec profile PROF
 set ikev2 ipsec-proposal P
 set pfs group19
 set security-association lifetime seconds 3600
interface Tunnel1
 nameif vti
 ip address $vti_me 255.255.255.252
 tunnel source interface outside
 tunnel destination $peer
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile PROF
!
route vti $remote $vti_peer 1
tunnel-group $peer type ipsec-l2l
tunnel-group $peer ipsec-attributes
 ikev2 remote-authentication pre-shared-key $NT_PSK
 ikev2 local-authentication pre-shared-key $NT_PSK
flow-offload-ipsec
EOF
}

# nt_cli_grep SIDE REGEX WORDS...: the command's output has a line matching REGEX
nt_cli_grep() {
	local side=$1 re=$2; shift 2
	nt_cli "$side" "$@" | grep -q -- "$re"
}

nt_say "route-based tunnel (VTI) between the two sites"
vti_conf a "$NT_WORK/a.conf"
vti_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 3
nt_check "A's first packet brings the VTI's SA pair up, offloaded" nt_wait_offloaded a
echo "     A dropped $(nt_asp a ipsec-tun-down) packet(s) while it negotiated"
nt_ping a 10
nt_check "10 pings A -> B through Tunnel1" test "$(nt_ping_received a)" = 10
nt_ping b 10
nt_check "10 pings B -> A through Tunnel1" test "$(nt_ping_received b)" = 10
nt_check "2 s of iperf3 A -> B" nt_iperf a 2 "$NT_WORK/iperf.json"
nt_iperf_summary "$NT_WORK/iperf.json" | sed "s/^/     Gbit\/s retr min-interval intervals bytes: /"
for side in a b; do
	f=$(nt_show "$side" sa show crypto ipsec sa)
	nt_sa_brief "$f"
	nt_check "$side: the pair is OFFLOADED" grep -q "in use settings.*, OFFLOADED," "$f"
	nt_check "$side: listed under interface: vti" grep -q "^interface: vti$" "$f"
	nt_check "$side: crypto map tag __vti-crypto-map-Tunnel1-0-1, seq 65280" \
		grep -q "Crypto map tag: __vti-crypto-map-Tunnel1-0-1, seq num: 65280" "$f"
	nt_check "$side: selectors 0.0.0.0/0 both ways" \
		grep -q "remote ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)" "$f"
	nt_check "$side: traffic both ways on it" \
		test "$(nt_sum_field "#pkts encaps" <"$f")" -gt 10 -a "$(nt_sum_field "#pkts decaps" <"$f")" -gt 10
done
f=$(nt_show a ike show crypto ikev2 sa)
nt_check "A: show crypto ikev2 sa has the child with 0.0.0.0/0 selectors" \
	grep -q "local selector  0.0.0.0/0 - 255.255.255.255/65535" "$f"
f=$(nt_show a run show running-config)
nt_check "A: show running-config writes interface Tunnel1 back" \
	grep -q "^ tunnel protection ipsec profile PROF$" "$f"
nt_check "A: ... and the route" grep -q "^route vti 10.2.0.0 255.255.255.0 169.254.10.2 1$" "$f"
nt_check "A: ... and the profile" grep -q "^ set pfs group19$" "$f"
# a network no route sends into Tunnel1 stays out of it
nt_in a ip route add 10.7.0.0/24 dev "$NT_TUN"
enc0=$(nt_cli a show crypto ipsec sa | nt_sum_field "#pkts encaps")
nt_in a ping -n -q -c 3 -i 0.05 -W 1 -I "$NT_A_IN_IP" 10.7.0.1 >/dev/null 2>&1
enc1=$(nt_cli a show crypto ipsec sa | nt_sum_field "#pkts encaps")
nt_check "A: 10.7.0.1 (no route into vti) is not encrypted ($enc0 -> $enc1)" test "$enc0" = "$enc1"
# a route typed in configure terminal: the next packet to that network takes the tunnel
nt_in b ip addr add 10.22.0.1/24 dev "$NT_TUN"
printf 'configure terminal\nroute vti 10.22.0.0 255.255.255.0\nend\n' | nt_cli_lines a >/dev/null 2>&1
nt_in a ping -n -q -c 5 -i 0.05 -W 2 -I "$NT_A_IN_IP" 10.22.0.1 >"$NT_WORK/ping-live-route.txt" 2>&1
nt_check "A: 'route vti 10.22.0.0 ...' typed live: 5 pings to 10.22.0.1 through Tunnel1" \
	grep -q " 5 received" "$NT_WORK/ping-live-route.txt"
out=$(printf 'configure terminal\ncrypto ipsec profile PROF\nset security-association lifetime seconds 1800\nend\n' |
	nt_cli_lines a 2>&1)
nt_check "A: configure terminal takes the profile's new lifetime" \
	nt_cli_grep a "^ set security-association lifetime seconds 1800$" show running-config
echo "$out" | grep -i error | sed 's/^/     /'
nt_cli a clear crypto ikev2 sa >/dev/null
sleep 0.5
nt_ping a 3
nt_check "A: the tunnel comes up again after clear crypto ikev2 sa" nt_wait_offloaded a
nt_ping a 5
nt_check "A: 5 pings on the new SA" test "$(nt_ping_received a)" = 5
f=$(nt_show a sa-life show crypto ipsec sa)
grep "remaining key lifetime" "$f" | sed 's/^ */     /'
nt_check "A: the new SA has the new lifetime (1800 s)" \
	grep -q "remaining key lifetime (kB/sec): ([^/]*/1[78][0-9][0-9])" "$f"
nt_stop a
nt_stop b

if [ ! -x "$SS_CHARON" ] || [ ! -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
	! command -v swanctl >/dev/null; then
	echo "NOTE charon as the VTI's peer not run: strongSwan (charon, swanctl, kernel-libipsec) not installed"
	nt_done
fi
nt_say "charon as the peer of Tunnel1, 0.0.0.0/0 <-> 0.0.0.0/0"
ip -n "$NT_A" link del "$NT_AOUT"
ss_fpvpnd_topo
ss_fpvpnd_conf "$NT_WORK/a-ss.conf" vti
nt_start a "$NT_WORK/a-ss.conf"
ss_conf b "$NT_WORK/ss-b" "$SS_B_OUT_IP" "$SS_A_OUT_IP" 0.0.0.0/0 0.0.0.0/0 ssb.test "$SS_A_OUT_IP"
ss_start b "$SS_B"
ss_initiate gcm256 b
ip netns exec "$SS_B" ping -n -q -c 5 -i 0.1 -W 2 -I "$SS_B_LAN" "$SS_A_LAN" >"$NT_WORK/ping-ss.txt" 2>&1
nt_check "charon initiates: 5 pings charon's LAN -> A's inside" grep -q ' 5 received' "$NT_WORK/ping-ss.txt"
nt_in a ping -n -q -c 5 -i 0.1 -W 2 -I "$SS_A_LAN" "$SS_B_LAN" >"$NT_WORK/ping-fp.txt" 2>&1
nt_check "5 pings A's inside -> charon's LAN" grep -q ' 5 received' "$NT_WORK/ping-fp.txt"
f=$(nt_show a sa-ss show crypto ipsec sa)
nt_sa_brief "$f"
nt_check "A's pair with charon OFFLOADED under interface: vti" \
	sh -c "grep -q '^interface: vti$' $f && grep -q 'in use settings.*, OFFLOADED,' $f"
ss_sas b | sed "s/^/     charon: /" | head -12
ss_sas b >"$NT_WORK/ss-sas.txt"
nt_check "charon's child has 0.0.0.0/0 both ways" \
	test "$(grep -c -E '^ +(local|remote) +0\.0\.0\.0/0$' "$NT_WORK/ss-sas.txt")" = 2
ss_terminate b
sleep 0.5
nt_in a ping -n -q -c 3 -i 0.3 -W 1 -I "$SS_A_LAN" "$SS_B_LAN" >/dev/null 2>&1
nt_in a ping -n -q -c 5 -i 0.1 -W 2 -I "$SS_A_LAN" "$SS_B_LAN" >"$NT_WORK/ping-fp.txt" 2>&1
nt_check "A initiates towards charon on traffic: 5 pings" grep -q ' 5 received' "$NT_WORK/ping-fp.txt"
nt_check "charon answered as responder" \
	sh -c "swanctl --list-sas --uri unix://$NT_WORK/ss-b/charon.vici | grep -q '_r\*'"
ss_stop b
nt_stop a
nt_done

