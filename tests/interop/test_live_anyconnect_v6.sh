#!/bin/bash
# The headend over an IPv6 outside (docs/remote-access.md): openconnect
# reaches fpvpnd at https://[2001:db8:100::1]/, TLS on the interface's IPv6
# address, DTLS 1.2 over IPv6 UDP 443 (the handshake's answers built with
# their UDP checksum, the rule's 6-tuple IPv6), offloaded with
# flow-offload-dtls. The tunnel carries IPv4 and IPv6 (an address from each
# pool: X-CSTP-Address-IP6). Checked: DTLS up, pings of 84 and 1328 bytes,
# iperf3, the engine's counters, show vpn-sessiondb's public IP and show asp
# table socket's IPv6 row; IPv6 inside: the client's address from the IPv6
# pool, pings and iperf3 to the inside's IPv6 address through the engine's
# rule, show vpn-sessiondb's "Assigned IPv6"; a client with --no-dtls, its
# IPv6 over CSTP; then the same over the IPv4 address of the same interface
# beside it.
#
#  netns A: fpvpnd, outside 198.51.100.1 and 2001:db8:100::1, inside TUN 10.1.0.1/24
#           and fd00:42::1/64, pools 10.3.0.100-150 and fd00:41::100/64 (50)
#  netns B: openconnect, 198.51.100.2 and 2001:db8:100::2, tunnels octun0-2
#   bash tests/interop/test_live_anyconnect_v6.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-v6
export NT_OUTER6=1 NT_INNER6=1
ac_rig
ac_conf "username bob password secret2
flow-offload-dtls" >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_bg a "$NT_WORK/iperf-s.log" iperf3 -s -B "$NT_A_IN_IP"
nt_bg a "$NT_WORK/iperf6-s.log" iperf3 -s -p 5202 -B "$AC_IN_IP6"

nt_say "alice over IPv6"
AC_HOST="[$NT_A_OUT_IP6]" ac_up six 2
six=$OC_PID
A=$(cut -d' ' -f1 "$NT_WORK/addr-octun0")
nt_check "openconnect reached the IPv6 address" grep -q "Connected to $NT_A_OUT_IP6\|Connected to \[$NT_A_OUT_IP6\]" "$NT_WORK/six.log"
ip netns exec "$NT_B" ping -I "$A" -c 5 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping6.txt" 2>&1
nt_check "5 pings through the tunnel" grep -q ' 5 received' "$NT_WORK/ping6.txt"
ip netns exec "$NT_B" ping -I "$A" -c 3 -s 1300 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping6big.txt" 2>&1
nt_check "3 pings of 1328 bytes" grep -q ' 3 received' "$NT_WORK/ping6big.txt"
ip netns exec "$NT_B" timeout 20 iperf3 -c "$NT_A_IN_IP" -B "$A" -t 2 -J >"$NT_WORK/iperf6.json" 2>&1
mbit=$(nt_iperf_mbit "$NT_WORK/iperf6.json")
nt_check "2 s of iperf3 over DTLS on IPv6: ${mbit:-no} Mbit/s" test "${mbit:-0}" -gt 0
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls6.txt"
ib=$(sed -n 's/^ *DTLS_OFFLOAD_IB_PKT_SUCCESS: //p' "$NT_WORK/dtls6.txt")
nt_check "the engine opened the records ($ib)" test "${ib:-0}" -ge 1000
nt_check "the rule in the engine" grep -q 'Offloaded sessions: 1 of 1' "$NT_WORK/dtls6.txt"
nt_cli a show vpn-sessiondb anyconnect >"$NT_WORK/sess6.txt"
nt_check "show vpn-sessiondb: public IP $NT_B_OUT_IP6" \
	grep -qE "^Assigned IP +: $A +Public IP +: $NT_B_OUT_IP6$" "$NT_WORK/sess6.txt"
nt_cli a show asp table socket >"$NT_WORK/socket6.txt"
sed 's/^/     /' "$NT_WORK/socket6.txt"
nt_check "show asp table socket: the client's IPv6 socket" grep -q "CONNECTED.*$NT_B_OUT_IP6" "$NT_WORK/socket6.txt"

nt_say "IPv6 inside alice's tunnel"
A6=$(cut -d' ' -f1 "$NT_WORK/addr6-octun0" 2>/dev/null)
nt_check "openconnect got an IPv6 address from the pool: $(cat "$NT_WORK/addr6-octun0" 2>/dev/null)" \
	grep -q "^$AC_POOL6 $AC_POOL6/64$" "$NT_WORK/addr6-octun0"
nt_cli a clear flow-offload-dtls statistics >/dev/null
ip netns exec "$NT_B" ping -6 -I "$A6" -c 5 -i 0.2 -W 2 "$AC_IN_IP6" >"$NT_WORK/ping66.txt" 2>&1
nt_check "5 IPv6 pings to $AC_IN_IP6" grep -q ' 5 received' "$NT_WORK/ping66.txt"
ip netns exec "$NT_B" ping -6 -I "$A6" -c 3 -s 1300 -i 0.2 -W 2 "$AC_IN_IP6" >"$NT_WORK/ping66big.txt" 2>&1
nt_check "3 IPv6 pings of 1348 bytes" grep -q ' 3 received' "$NT_WORK/ping66big.txt"
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls66.txt"
ib=$(sed -n 's/^ *DTLS_OFFLOAD_IB_PKT_SUCCESS: //p' "$NT_WORK/dtls66.txt")
ob=$(sed -n 's/^ *DTLS_OFFLOAD_OB_PKT_SUCCESS: //p' "$NT_WORK/dtls66.txt")
nt_check "the engine opened and sealed them ($ib in, $ob out)" test "${ib:-0}" -ge 8 -a "${ob:-0}" -ge 8
ip netns exec "$NT_B" timeout 20 iperf3 -6 -c "$AC_IN_IP6" -p 5202 -B "$A6" -t 2 -J >"$NT_WORK/iperf66.json" 2>&1
mbit=$(nt_iperf_mbit "$NT_WORK/iperf66.json")
nt_check "2 s of iperf3 over IPv6 inside the tunnel: ${mbit:-no} Mbit/s" test "${mbit:-0}" -gt 0
nt_cli a show vpn-sessiondb anyconnect >"$NT_WORK/sess66.txt"
nt_check "show vpn-sessiondb: Assigned IPv6 $A6" grep -qE "^Assigned IPv6: $A6$" "$NT_WORK/sess66.txt"
nt_cli a show asp drop >"$NT_WORK/drop66.txt"
nt_check "no anti-spoofing drop" sh -c "! grep -q 'dtls-inner-spoof' '$NT_WORK/drop66.txt'"

nt_say "carol with --no-dtls: IPv6 over CSTP"
AC_IF=octun2 AC_NODTLS=1 ac_up carol 2 --no-dtls
carol=$OC_PID
C6=$(cut -d' ' -f1 "$NT_WORK/addr6-octun2" 2>/dev/null)
nt_check "carol's IPv6 address: ${C6:-none}" test -n "$C6" -a "$C6" != "$A6"
ip netns exec "$NT_B" ping -6 -I "$C6" -c 3 -i 0.2 -W 2 "$AC_IN_IP6" >"$NT_WORK/ping6c.txt" 2>&1
nt_check "carol: 3 IPv6 pings over CSTP" grep -q ' 3 received' "$NT_WORK/ping6c.txt"
kill "$carol" 2>/dev/null
nt_wait_pid "$carol" 50

nt_say "bob over IPv4 on the same interface, beside alice"
AC_IF=octun1 AC_USER=bob AC_PASS=secret2 ac_up four 2
four=$OC_PID
B=$(cut -d' ' -f1 "$NT_WORK/addr-octun1")
ip netns exec "$NT_B" ping -I "$B" -c 3 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping4.txt" 2>&1
nt_check "bob: 3 pings" grep -q ' 3 received' "$NT_WORK/ping4.txt"
ip netns exec "$NT_B" ping -I "$A" -c 3 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping6b.txt" 2>&1
nt_check "alice: 3 pings still" grep -q ' 3 received' "$NT_WORK/ping6b.txt"
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls64.txt"
nt_check "both rules in the engine" grep -q 'Offloaded sessions: 2 of 2' "$NT_WORK/dtls64.txt"
kill "$six" "$four" 2>/dev/null
nt_wait_pid "$six" 50
nt_wait_pid "$four" 50
nt_stop a
nt_done
