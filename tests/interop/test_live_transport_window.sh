#!/bin/bash
# Two SAs that stay in the slow path (docs/testing.md):
#
#  1. Transport mode between the two gateways. Transport mode protects
#     traffic whose end points are the SA's end points, here the gateways'
#     outside addresses: access-list "host 198.51.100.1 host 198.51.100.2".
#     The protected packets come from the gateway host's own stack and are
#     sent to the peer's outside address, so they must enter fpvpnd's
#     inside TUN: fpvpnd routes the ACL destination (198.51.100.2/32) into
#     tun-in itself. Its own ESP to the same address must not follow that
#     route back into the TUN, so each namespace gets a policy rule that
#     sends ESP (IP protocol 50, or 255 for a hdrincl raw socket) and UDP
#     from port 4500 by a table with only the outside subnet. With that,
#     `ping -I 198.51.100.1 198.51.100.2` in site A crosses the tunnel;
#     tcpdump on the veth shows ESP between the gateways whose IP length is
#     that of transport mode (no inner IP header).
#     Without the rule transport mode between TUN-based gateways cannot
#     work: that is a limit of the topology (a real deployment protects
#     the gateway's own traffic the same way, or gives fpvpnd a socket
#     mark), not something this test hides.
#  2. A 512-packet replay window (tunnel mode): not CAN_BE_OFFLOADED, the
#     software pipe decrypts (`#pkts not offload decrypted`), traffic flows,
#     the inbound SA shows a 16-word (512-bit) bitmap.
#   bash tests/interop/test_live_transport_window.sh BUILD_DIR  (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-transport
nt_require ping iputils-ping
nt_require iperf3
nt_require tcpdump
nt_require tshark
nt_topo_up

# ESP and ESP-in-UDP from the gateway itself bypass the route into tun-in
bypass() {
	local side=$1 dev=$NT_AOUT
	[ "$side" = b ] && dev=$NT_BOUT
	nt_in "$side" ip route add 198.51.100.0/24 dev "$dev" table 100
	nt_in "$side" ip rule add pref 100 ipproto 50 table 100
	nt_in "$side" ip rule add pref 101 ipproto 255 table 100
	nt_in "$side" ip rule add pref 102 ipproto udp sport 4500 table 100
}

nt_say "1. transport mode between the gateways (raw ESP)"
bypass a
bypass b
NT_MODE=transport NT_ACL_A="host $NT_A_OUT_IP host $NT_B_OUT_IP" nt_conf a "$NT_WORK/a.conf"
NT_MODE=transport NT_ACL_A="host $NT_A_OUT_IP host $NT_B_OUT_IP" nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
echo "     a: $(nt_in a ip route get $NT_B_OUT_IP from $NT_A_OUT_IP | head -1)"
nt_check "a: fpvpnd routed the ACL destination $NT_B_OUT_IP into $NT_TUN" \
	sh -c "ip netns exec $NT_A ip route show $NT_B_OUT_IP | grep -q $NT_TUN"

nt_bg a "$NT_WORK/tcpdump.log" tcpdump -i "$NT_AOUT" -n -U --immediate-mode -w "$NT_WORK/transport.pcap" 'ip proto 50'
tcpdump_pid=$NT_LAST_PID
for i in $(seq 50); do grep -q listening "$NT_WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
PINGS=5
nt_in a ping -n -q -c $PINGS -i 0.1 -W 2 -I "$NT_A_OUT_IP" "$NT_B_OUT_IP" >"$NT_WORK/ping-t.txt" 2>&1
got=$(awk '/received/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^received/) print $i }' "$NT_WORK/ping-t.txt")
nt_check "transport: $PINGS pings gateway A -> gateway B answered (${got:-0} received)" test "${got:-0}" = $PINGS
sleep 0.3
kill -INT "$tcpdump_pid"; nt_wait_pid "$tcpdump_pid" 30
# GCM-256, ICMP of 64 bytes: IP 20 + ESP 8 + IV 8 + (64 + 2 -> 68) + ICV 16 = 120;
# tunnel mode would carry the 20-byte inner header as well: 140
tshark -n -r "$NT_WORK/transport.pcap" -T fields -e ip.src -e ip.dst -e ip.len -e esp.spi 2>/dev/null >"$NT_WORK/transport.txt"
sed 's/^/     wire: /' "$NT_WORK/transport.txt" | head -4
n_ab=$(awk -v s=$NT_A_OUT_IP -v d=$NT_B_OUT_IP '$1 == s && $2 == d && $3 == 120' "$NT_WORK/transport.txt" | wc -l)
n_ba=$(awk -v s=$NT_B_OUT_IP -v d=$NT_A_OUT_IP '$1 == s && $2 == d && $3 == 120' "$NT_WORK/transport.txt" | wc -l)
nt_check "transport: $PINGS ESP packets A -> B of transport-mode length 120 on the wire ($n_ab)" test "$n_ab" -ge $PINGS
nt_check "transport: $PINGS ESP packets B -> A of transport-mode length 120 on the wire ($n_ba)" test "$n_ba" -ge $PINGS
for s in a b; do
	f=$(nt_show $s sa-t show crypto ipsec sa)
	nt_sa_brief "$f"
	nt_check "$s: SAs in use as Transport" grep -q 'in use settings ={L2L, Transport' "$f"
	nt_check "$s: transport SAs not CAN_BE_OFFLOADED" sh -c "! grep -q 'CAN_BE_OFFLOADED' '$f'"
	nt_check "$s: #pkts decaps >= $PINGS" test "$(nt_sum_field '#pkts decaps' <"$f")" -ge $PINGS
	nt_check "$s: #pkts not offload decrypted >= $PINGS" test "$(nt_sum_field '#pkts not offload decrypted' <"$f")" -ge $PINGS
done
nt_stop a
nt_stop b

nt_say "2. a 512-packet anti-replay window (tunnel mode, slow path)"
NT_REPLAY=512 nt_conf a "$NT_WORK/a.conf"
NT_REPLAY=512 nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
PINGS=10
nt_ping a $PINGS
nt_check "window 512: pings A -> B answered ($(nt_ping_received a)/$PINGS)" test "$(nt_ping_received a)" = $PINGS
nt_ping b $PINGS
nt_check "window 512: pings B -> A answered ($(nt_ping_received b)/$PINGS)" test "$(nt_ping_received b)" = $PINGS
nt_iperf a 3 "$NT_WORK/iperf-w512.json"
nt_check "window 512: iperf3 TCP A -> B exits 0" test $? = 0
nt_check_iperf "$NT_WORK/iperf-w512.json" "window 512"
for s in a b; do
	nt_check_sa_offload $s 0 $((2 * PINGS))
	nt_check "$s: SAs not CAN_BE_OFFLOADED (window 512)" sh -c "! grep -q CAN_BE_OFFLOADED '$NT_SA_FILE'"
	# the inbound SA's bitmap: 512 bits = 16 words of 0x%08x
	words=$(awk '/inbound esp sas:/ { inb = 1 } /outbound esp sas:/ { inb = 0 }
		inb && /Anti replay bitmap:/ { bm = 1; next }
		inb && bm && /^ *0x/ { n += NF; next } { bm = 0 } END { print n + 0 }' "$NT_SA_FILE")
	nt_check "$s: inbound replay bitmap has 16 words (512 packets), got $words" test "$words" = 16
done
nt_stop a
nt_stop b
nt_done
