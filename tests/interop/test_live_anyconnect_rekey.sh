#!/bin/bash
# ctest: slow (a rekey is a minute away at the shortest)
# anyconnect ssl rekey method new-tunnel (docs/remote-access.md, "Rekey"):
# with "anyconnect ssl rekey time 1" fpvpnd tells openconnect
# X-CSTP-Rekey-Time: 60 and X-CSTP-Rekey-Method: new-tunnel; a minute later
# openconnect closes its TLS connection, CONNECTs again with its cookie and
# keys a new DTLS session. Checked: the same session index and address, a
# second "Established DTLS connection", the old rule deleted and a new one
# added in the engine (flow-offload-dtls), pings every 0.2 s across the
# whole minute with at most a handful lost at the change, iperf3 after it.
#
#  netns A: fpvpnd, outside 198.51.100.1 (TCP and UDP 443), inside TUN 10.1.0.1/24
#  netns B: openconnect, 198.51.100.2, tunnel octun0
#   bash tests/interop/test_live_anyconnect_rekey.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-rekey
ac_rig
ac_conf "group-policy GP attributes
 anyconnect ssl rekey time 1
 anyconnect ssl rekey method new-tunnel
flow-offload-dtls" >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_cli a show running-config >"$NT_WORK/running.txt"
nt_check "show running-config keeps the rekey lines" \
	grep -q '^ anyconnect ssl rekey method new-tunnel$' "$NT_WORK/running.txt"

ac_up rekey 5
oc=$OC_PID
addr1=$(cut -d' ' -f1 "$NT_WORK/addr-octun0")
nt_check "fpvpnd offered the rekey" grep -q 'X-CSTP-Rekey-Method: new-tunnel' "$NT_WORK/rekey.log"
nt_check "... in a minute" grep -q 'X-CSTP-Rekey-Time: 60' "$NT_WORK/rekey.log"
before=$(ac_session_line)
nt_cli a clear flow-offload-dtls statistics >/dev/null
# pings every 0.2 s through the rekey (openconnect's is due 60 s after its CONNECT)
ip netns exec "$NT_B" ping -c 375 -i 0.2 -W 1 "$NT_A_IN_IP" >"$NT_WORK/ping-through.txt" 2>&1 &
ping_pid=$!
NT_PIDS+=("$ping_pid")
for _ in $(seq 80); do
	[ "$(grep -c 'Established DTLS connection' "$NT_WORK/rekey.log")" -ge 2 ] && break
	sleep 1
done
nt_check "openconnect: CSTP rekey due" grep -q 'CSTP rekey due' "$NT_WORK/rekey.log"
nt_check "openconnect keyed a second DTLS session" \
	test "$(grep -c 'Established DTLS connection' "$NT_WORK/rekey.log")" -ge 2
wait "$ping_pid"
got=$(nt_ping_received through)
grep 'packet loss' "$NT_WORK/ping-through.txt" | sed 's/^/     /'
nt_check "pings through the rekey: ${got:-0} of 375 (at most 10 lost at the change)" \
	test "${got:-0}" -ge 365
after=$(ac_session_line)
nt_check "the same session and address after the rekey: $after" test -n "$before" -a "$before" = "$after"
addr2=$(cut -d' ' -f1 "$NT_WORK/addr-octun0")
nt_check "openconnect kept its address ($addr1, then $addr2)" test "$addr1" = "$addr2"
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls.txt"
sed 's/^/     /' "$NT_WORK/dtls.txt"
stat() { sed -n "s/^ *$1: //p" "$NT_WORK/dtls.txt"; }
nt_check "the old DTLS rule deleted ($(stat DTLS_OFFLOAD_FLOW_IB_DEL_RULE))" \
	test "$(stat DTLS_OFFLOAD_FLOW_IB_DEL_RULE)" -ge 1
nt_check "the new one added ($(stat DTLS_OFFLOAD_FLOW_IB_ADD_RULE))" \
	test "$(stat DTLS_OFFLOAD_FLOW_IB_ADD_RULE)" -ge 1
nt_check "the new one in the engine" grep -q 'Offloaded sessions: 1 of 1' "$NT_WORK/dtls.txt"
nt_bg a "$NT_WORK/iperf-s.log" iperf3 -s -1 -B "$NT_A_IN_IP"
sleep 0.5
ip netns exec "$NT_B" timeout 20 iperf3 -c "$NT_A_IN_IP" -t 2 -J >"$NT_WORK/iperf.json" 2>&1
mbit=$(nt_iperf_mbit "$NT_WORK/iperf.json")
nt_check "iperf3 over the new DTLS session: ${mbit:-no} Mbit/s" test "${mbit:-0}" -gt 0
nt_check "openconnect still runs" kill -0 "$oc"
kill "$oc" 2>/dev/null
nt_wait_pid "$oc" 50
nt_stop a
nt_done
