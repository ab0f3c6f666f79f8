#!/bin/bash
# Fragmentation around the tunnel (docs/testing.md, docs/architecture.md
# "Fragmentation and PMTU").
#
# The kernel reassembles IP fragments addressed to the host before any
# socket sees them (ip_local_deliver), raw ESP and UDP sockets alike: an
# ESP packet bigger than the outside MTU can only have come in pieces, and
# fpvpnd counts it in `#decapsulated frgs needing reassembly`.
#
#  1. inner fragments: ping -s 3000 -M dont through the 1400-byte TUN, raw
#     ESP: every fragment is its own ESP packet; both ways.
#  2. outer fragments from the path: veth MTU 1000 on both ends, ESP in
#     UDP/4500, B with `crypto ipsec fragmentation after-encryption
#     outside`, ping -s 1300 -M dont from B: its ESP datagrams (~1380
#     bytes) are cut by B's UDP socket; tcpdump on A's veth sees the
#     fragments; pings answered; A counts the reassembled ESP.
#  3. injected: Scapy on site B's side builds ESP (B's outbound SA, high
#     sequence numbers, fpvpnd B stopped) carrying UDP to a listener on
#     10.1.0.1:9999, cuts each into 3 IP fragments and sends them to site
#     A (MTU 1000): the listener gets every datagram; A counts them.
#  4. pre-fragmentation (the default), raw ESP, MTU 1000, ping -s 1300 -M
#     dont: A cuts the inner packet so each ESP packet fits; answered;
#     `#pre-frag successes` and `#fragments created` count it.
#  5. post-fragmentation of raw ESP (after-encryption on both): fpvpnd cuts
#     its own ESP packets (raw sockets send them as they are); answered;
#     A's `Post-fragmentation successes`, B's reassembled ESP count it.
#  6. DF set: ping -s 1300 -M do from A's host: A answers with ICMP
#     "fragmentation needed" carrying the inner MTU the tunnel takes (946
#     for AES-GCM-256 over raw ESP in 1000 bytes), which ping reports;
#     `#PMTUs sent` counts it.
#  7. a router on the path says 900: Scapy sends A an ICMP "fragmentation
#     needed" (MTU 900) quoting one of A's ESP packets; A's tunnel learns
#     path mtu 900 (#PMTUs rcvd, PMTU time remaining), and ping -M do -s
#     880 now gets "mtu = 846" back, 800 bytes pass.
#   bash tests/interop/test_live_frag.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-frag
nt_require ping iputils-ping
nt_require tcpdump
[ -x "$NT_PY" ] && "$NT_PY" -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null ||
	nt_skip "$NT_PY cannot import scapy (apt-get install python3-scapy)"
nt_topo_up

reasm_of() { nt_cli "$1" show crypto ipsec sa | nt_sum_field "#decapsulated frgs needing reassembly"; }
check_reasm() { # SIDE WHAT
	local r; r=$(reasm_of "$1")
	nt_check "$1: #decapsulated frgs needing reassembly = $r after $2" test "$r" -gt 0
}
# the value of a "Name: N" line of show ipsec stats
stat_of() { nt_cli "$1" show ipsec stats | awk -F': ' -v k="$2" '$1 ~ k"$" { print $2 + 0; exit }'; }

nt_say "1. inner fragments: ping -s 3000 through the tunnel, raw ESP"
nt_conf a "$NT_WORK/a.conf"
nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 5 -s 3000 -M dont
nt_check "5 pings of 3000 bytes A -> B answered ($(nt_ping_received a)/5)" test "$(nt_ping_received a)" = 5
nt_ping b 5 -s 3000 -M dont
nt_check "5 pings of 3000 bytes B -> A answered ($(nt_ping_received b)/5)" test "$(nt_ping_received b)" = 5
enc=$(nt_cli a show crypto ipsec sa | nt_sum_field "#pkts encaps")
# 3028-byte IP packets in 1400-byte fragments: 3 each; 5 requests + 5 replies
nt_check "a: every inner fragment encapsulated (#pkts encaps $enc >= 30)" test "$enc" -ge 30
nt_stop a
nt_stop b

nt_say "2. outer fragments: veth MTU 1000, ESP in UDP 4500, ping -s 1300"
ip -n "$NT_A" link set "$NT_AOUT" mtu 1000
ip -n "$NT_B" link set "$NT_BOUT" mtu 1000
NT_ENCAP="4500 4500" nt_conf a "$NT_WORK/a.conf"
NT_ENCAP="4500 4500" NT_EXTRA="crypto ipsec fragmentation after-encryption outside" \
	nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_bg a "$NT_WORK/tcpdump.log" tcpdump -i "$NT_AOUT" -n -U --immediate-mode -w "$NT_WORK/frag-a.pcap" ip
tcpdump_pid=$NT_LAST_PID
for i in $(seq 50); do grep -q listening "$NT_WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
nt_ping b 5 -s 1300 -M dont
nt_check "5 pings of 1300 bytes B -> A over MTU 1000 answered ($(nt_ping_received b)/5)" test "$(nt_ping_received b)" = 5
sleep 0.3
kill -INT "$tcpdump_pid"; nt_wait_pid "$tcpdump_pid" 30
nfrag=$(tcpdump -n -r "$NT_WORK/frag-a.pcap" 'ip[6:2] & 0x3fff != 0' 2>/dev/null | wc -l)
echo "     fragments seen on A's veth: $nfrag of $(tcpdump -n -r "$NT_WORK/frag-a.pcap" 2>/dev/null | wc -l) IP packets"
tcpdump -n -v -r "$NT_WORK/frag-a.pcap" 2>/dev/null | head -4 | sed 's/^/       /'
nt_check "ESP-in-UDP fragments arrived on A's veth ($nfrag)" test "$nfrag" -ge 10
f=$(nt_show a sa2 show crypto ipsec sa)
nt_check "a: decaps >= 5 (fragmented ESP reassembled and decrypted)" test "$(nt_sum_field '#pkts decaps' <"$f")" -ge 5
check_reasm a "fragmented ESP-in-UDP from the path"
nt_stop a
nt_stop b

nt_say "3. Scapy: fragmented raw ESP injected into site A"
nt_conf a "$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_bg a "$NT_WORK/listener.log" "$NT_PY" -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.0.1", 9999)); s.settimeout(8)
print("listening", flush=True)
try:
    while True:
        d, a = s.recvfrom(65535)
        print("got", len(d), d[:20].decode(errors="replace"), flush=True)
except socket.timeout:
    pass
'
listener=$NT_LAST_PID
for i in $(seq 50); do grep -q listening "$NT_WORK/listener.log" 2>/dev/null && break; sleep 0.1; done
read -r _ _ kb _ <<<"$(nt_xform "${NT_XFORM:-gcm256}")"
nt_in b "$NT_PY" "$NT_LIB_DIR/esp_inject.py" --spi "$NT_SPI_BA" --xform "${NT_XFORM:-gcm256}" \
	--key "${NT_K_BA:0:$((kb * 2))}" --outer-src "$NT_B_OUT_IP" --outer-dst "$NT_A_OUT_IP" \
	--inner-src "$NT_B_IN_IP" --inner-dst "$NT_A_IN_IP" --dport 9999 --count 3 --size 1200 \
	--fragsize 512 --seq 1000 2>&1 | sed 's/^/     sent: /'
sleep 1
kill "$listener" 2>/dev/null
got=$(grep -c '^got 1200 fpvpn-inject' "$NT_WORK/listener.log")
nt_check "3 fragmented ESP packets decrypted and delivered to 10.1.0.1:9999 ($got)" test "$got" = 3
check_reasm a "3 ESP packets injected in 3 fragments each"
nt_stop a
# A's window now stands at the injected numbers (1002), which B, going on
# from its own saved count, has not reached: new keys, as after any
# injection with the real key
nt_gen_keys

nt_say "4. pre-fragmentation: raw ESP, outside MTU 1000, ping -s 1300 -M dont"
nt_conf a "$NT_WORK/a.conf"
nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 3 -s 1300 -M dont
nt_check "3 pings of 1300 bytes A -> B over raw ESP and MTU 1000 answered ($(nt_ping_received a)/3)" \
	test "$(nt_ping_received a)" = 3
f=$(nt_show a sa4 show crypto ipsec sa)
grep -E 'pre-frag|PMTUs' "$f" | sed 's/^/     a: /'
nt_check "a: #pre-frag successes >= 3" test "$(nt_sum_field '#pre-frag successes' <"$f")" -ge 3
nt_check "a: #fragments created >= 6" test "$(nt_sum_field '#fragments created' <"$f")" -ge 6
nt_check "a: nothing refused by the link (send-failed)" \
	test -z "$(nt_cli a show asp drop | grep -E '\(send-failed\)')"
nt_stop a
nt_stop b

nt_say "5. post-fragmentation: raw ESP, after-encryption on both sites"
NT_EXTRA="crypto ipsec fragmentation after-encryption outside" nt_conf a "$NT_WORK/a.conf"
NT_EXTRA="crypto ipsec fragmentation after-encryption outside" nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 3 -s 1300 -M dont
nt_check "3 pings of 1300 bytes A -> B answered ($(nt_ping_received a)/3)" \
	test "$(nt_ping_received a)" = 3
post=$(stat_of a "Post-fragmentation successes")
nt_check "a: Post-fragmentation successes ($post) >= 3" test "${post:-0}" -ge 3
nt_check "a: the tunnel is not offloaded (post-fragmentation)" \
	test -z "$(nt_cli a show crypto ipsec sa | grep 'OFFLOADED,')"
check_reasm b "A's post-fragmented raw ESP"
nt_stop a
nt_stop b

nt_say "6. DF set: ping -s 1300 -M do gets 'fragmentation needed' from A"
nt_conf a "$NT_WORK/a.conf"
nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
# not nt_ping: -q would hide the ICMP error ping prints
nt_in a ping -n -c 2 -i 0.2 -W 1 -s 1300 -M do -I "$NT_A_IN_IP" "$NT_B_IN_IP" >"$NT_WORK/ping-a.txt" 2>&1 || true
grep -i -E 'mtu|frag|transmitted' "$NT_WORK/ping-a.txt" | sed 's/^/     ping: /' | head -4
nt_check "ping reports the tunnel's inner MTU (946)" grep -q -E 'mtu ?= ?946' "$NT_WORK/ping-a.txt"
f=$(nt_show a sa6 show crypto ipsec sa)
nt_check "a: #PMTUs sent >= 1" test "$(nt_sum_field '#PMTUs sent' <"$f")" -ge 1
nt_check "a: #pre-frag failures >= 1 (DF set)" test "$(nt_sum_field '#pre-frag failures' <"$f")" -ge 1
nt_ping a 3 -s 900 -M do
nt_check "pings that fit (900 bytes, DF set) answered ($(nt_ping_received a)/3)" \
	test "$(nt_ping_received a)" = 3
nt_stop a
nt_stop b

nt_say "7. a router says 900: the path MTU reaches A's tunnel"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_in b "$NT_PY" -c '
import struct, sys
from scapy.all import ICMP, IP, Raw, send
a, b, spi = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
quoted = IP(src=a, dst=b, proto=50, len=1300, id=7) / Raw(struct.pack("!II", spi, 1) + bytes(8))
send(IP(src=b, dst=a) / ICMP(type=3, code=4, nexthopmtu=900) / quoted, verbose=0)
' "$NT_A_OUT_IP" "$NT_B_OUT_IP" "$NT_SPI_AB"
sleep 0.3
f=$(nt_show a sa7 show crypto ipsec sa)
grep -E 'PMTU|path mtu' "$f" | sed 's/^/     a: /'
nt_check "a: #PMTUs rcvd = 1" test "$(nt_sum_field '#PMTUs rcvd' <"$f")" = 1
nt_check "a: path mtu 900, media mtu 1000" grep -q 'path mtu 900,.*media mtu 1000' "$f"
nt_check "a: the path MTU ages (PMTU time remaining > 0)" \
	grep -q -E 'PMTU time remaining \(sec\): [1-9]' "$f"
nt_in a ping -n -c 2 -i 0.2 -W 1 -s 880 -M do -I "$NT_A_IN_IP" "$NT_B_IN_IP" >"$NT_WORK/ping-a.txt" 2>&1 || true
grep -i -E 'mtu|transmitted' "$NT_WORK/ping-a.txt" | sed 's/^/     ping: /' | head -3
nt_check "ping reports the inner MTU for a 900-byte path (846)" grep -q -E 'mtu ?= ?846' "$NT_WORK/ping-a.txt"
nt_ping a 3 -s 800 -M do
nt_check "pings that fit the path (800 bytes, DF set) answered ($(nt_ping_received a)/3)" \
	test "$(nt_ping_received a)" = 3
nt_check "a: alive" nt_alive a
nt_check "b: alive" nt_alive b
nt_stop a
nt_stop b
nt_done
