#!/bin/bash
# Two openconnect clients over DTLS at once against fpvpnd, and what an
# operator does to them while they run (docs/remote-access.md, docs/testing.md):
#  - alice and bob up together, each with its own address, its own DTLS rule
#    ("Offloaded sessions: 2 of 2"), pings and iperf3 from both at once;
#    openconnect's MTU probe answered at full size (each keeps its MTU);
#    --force-dpd=2: DTLS DPD answered through the rules;
#  - no flow-offload-dtls, then flow-offload-dtls, typed while iperf3 runs
#    through both tunnels: the rules move to the software pipe and back, both
#    sessions survive on DTLS (no fall-back to CSTP), no record is taken
#    for a replay, what a move caught is counted ("Caught by a move");
#  - a reconnect from the cookie over DTLS (killed without a BYE, then the
#    cookie again): the same session, the same address, DTLS up again;
#  - vpn-sessiondb logoff ends bob's client (TERMINATE) and removes his rule;
#    alice keeps passing traffic.
#
#  netns A: fpvpnd, outside 198.51.100.1 (TCP and UDP 443), inside TUN 10.1.0.1/24
#  netns B: both openconnect clients, 198.51.100.2, tunnels octun0 (alice)
#           and octun1 (bob), routed by source address
#   bash tests/interop/test_live_anyconnect_two.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-two
ac_rig
ac_conf "username bob password secret2
flow-offload-dtls" >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_bg a "$NT_WORK/iperf-s1.log" iperf3 -s -B "$NT_A_IN_IP" -p 5201
nt_bg a "$NT_WORK/iperf-s2.log" iperf3 -s -B "$NT_A_IN_IP" -p 5202

# client addresses, from what the script left
addr_of() { cut -d' ' -f1 "$NT_WORK/addr-$1" 2>/dev/null; }
mtu_of() { cut -d' ' -f2 "$NT_WORK/addr-$1" 2>/dev/null; }
dtls_stats() { nt_cli a show flow-offload-dtls statistics; }
dtls_stat() { sed -n "s/^ *$2: //p" "$1"; }
# pings NAME ADDR COUNT [SIZE]: from the client with address ADDR
pings() {
	ip netns exec "$NT_B" ping -I "$2" -c "$3" -s "${4:-56}" -i 0.2 -W 2 "$NT_A_IN_IP" \
		>"$NT_WORK/ping-$1.txt" 2>&1
	grep -q " $3 received" "$NT_WORK/ping-$1.txt"
}

nt_say "alice and bob, both over DTLS"
AC_IF=octun0 ac_up alice 2
alice_pid=$OC_PID
AC_IF=octun1 AC_USER=bob AC_PASS=secret2 ac_up bob 2
bob_pid=$OC_PID
A=$(addr_of octun0) B=$(addr_of octun1)
nt_check "two addresses from the pool (alice $A, bob $B)" test -n "$A" -a -n "$B" -a "$A" != "$B"
nt_check "alice: pings of 84 and 1328 bytes" eval 'pings alice "$A" 5 && pings alice-big "$A" 3 1300'
nt_check "bob: pings of 84 and 1328 bytes" eval 'pings bob "$B" 5 && pings bob-big "$B" 3 1300'
dtls_stats >"$NT_WORK/two-dtls.txt"
nt_check "both rules in the engine ($(grep -o 'Offloaded sessions.*' "$NT_WORK/two-dtls.txt"))" \
	grep -q 'Offloaded sessions: 2 of 2' "$NT_WORK/two-dtls.txt"
nt_cli a show vpn-sessiondb anyconnect >"$NT_WORK/two-sess.txt"
nt_check "show vpn-sessiondb anyconnect: alice at $A" \
	grep -qE "^Assigned IP +: $A +Public IP +: $NT_B_OUT_IP$" "$NT_WORK/two-sess.txt"
nt_check "... and bob at $B" grep -qE "^Assigned IP +: $B +Public IP +: $NT_B_OUT_IP$" "$NT_WORK/two-sess.txt"
nt_cli a show asp table socket >"$NT_WORK/two-socket.txt"
sed 's/^/     /' "$NT_WORK/two-socket.txt"
nt_check "show asp table socket: two client sockets" \
	test "$(grep -c "CONNECTED.*$NT_B_OUT_IP:" "$NT_WORK/two-socket.txt")" = 2
for who in alice bob; do
	log=$NT_WORK/$who.log
	# openconnect probes the MTU with DPD requests of full size; an answer
	# cut short or missing makes it lower the MTU ("declare MTU is ...")
	for _ in $(seq 30); do grep -qE '(No change in|Detected) MTU' "$log" && break; sleep 0.1; done
	mtu_ok() { grep -qE 'No change in MTU after detection|Detected MTU of 1[34][0-9][0-9] ' "$1" &&
		! grep -q 'declare MTU is' "$1"; }
	nt_check "$who: the MTU probe answered at full size ($(grep -oE '(No change in|Detected) MTU.*' "$log" | head -1))" \
		mtu_ok "$log"
done

nt_say "iperf3 from both at once"
# iperf_both SECS NAME: both clients' iperf3 at once in the background
iperf_both() {
	ip netns exec "$NT_B" timeout $(($1 + 15)) iperf3 -c "$NT_A_IN_IP" -B "$A" -p 5201 -t "$1" -J \
		>"$NT_WORK/$2-alice.json" 2>&1 &
	IP1=$!
	ip netns exec "$NT_B" timeout $(($1 + 15)) iperf3 -c "$NT_A_IN_IP" -B "$B" -p 5202 -t "$1" -J \
		>"$NT_WORK/$2-bob.json" 2>&1 &
	IP2=$!
}
nt_cli a clear flow-offload-dtls statistics >/dev/null
iperf_both 3 both
wait "$IP1" "$IP2"
nt_check "alice: 3 s of iperf3 through her rule: $(nt_iperf_mbit "$NT_WORK/both-alice.json") Mbit/s" \
	test "$(nt_iperf_mbit "$NT_WORK/both-alice.json")" -gt 0
nt_check "bob: 3 s of iperf3 through his rule, at the same time: $(nt_iperf_mbit "$NT_WORK/both-bob.json") Mbit/s" \
	test "$(nt_iperf_mbit "$NT_WORK/both-bob.json")" -gt 0
dtls_stats >"$NT_WORK/both-dtls.txt"
nt_check "the engine opened the records ($(dtls_stat "$NT_WORK/both-dtls.txt" DTLS_OFFLOAD_IB_PKT_SUCCESS))" \
	test "$(dtls_stat "$NT_WORK/both-dtls.txt" DTLS_OFFLOAD_IB_PKT_SUCCESS)" -ge 1000
# the headend's software DTLS path saw the handshakes' first records only
soft_rx=$(nt_cli a show crypto protocol ssl statistics | sed -n 's/^ *DTLS data frames in  *//p')
nt_check "the software DTLS path's data frames did not rise with the traffic (${soft_rx:-none})" \
	test "${soft_rx:-99}" -lt 20

nt_say "flow-offload-dtls egress-optimization off, then on (iperf3 -R: the inside sends)"
# egress ON|OFF: the setting typed live, then 2 s of iperf3 to alice; the statistics in egress-WAY.txt
egress() {
	local no="" out
	[ "$1" = off ] && no="no "
	out=$(printf 'configure terminal\n%sflow-offload-dtls egress-optimization\nend\n' "$no" | nt_cli_lines a 2>&1)
	nt_check "${no}flow-offload-dtls egress-optimization typed live (${out:-no output})" \
		eval "! grep -qiE 'refus|cannot|error' <<<\"\$out\""
	nt_cli a clear flow-offload-dtls statistics >/dev/null
	ip netns exec "$NT_B" timeout 20 iperf3 -c "$NT_A_IN_IP" -B "$A" -p 5201 -t 2 -R -J \
		>"$NT_WORK/egress-$1.json" 2>&1
	dtls_stats >"$NT_WORK/egress-$1.txt"
	nt_check "egress $1: 2 s of iperf3 -R to alice: $(nt_iperf_mbit "$NT_WORK/egress-$1.json") Mbit/s" \
		test "$(nt_iperf_mbit "$NT_WORK/egress-$1.json")" -gt 0
}
egress off
nt_cli a show running-config >"$NT_WORK/running-egress.txt"
nt_check "show running-config: no flow-offload-dtls egress-optimization" \
	grep -q '^no flow-offload-dtls egress-optimization$' "$NT_WORK/running-egress.txt"
ob=$(dtls_stat "$NT_WORK/egress-off.txt" DTLS_OFFLOAD_OB_PKT_SUCCESS)
eo=$(dtls_stat "$NT_WORK/egress-off.txt" DTLS_OFFLOAD_EGRESS_OPTIMIZE_PKT)
nt_check "egress off: the engine sealed the records ($ob), none found by the pipe itself ($eo)" \
	test "${ob:-0}" -ge 1000 -a "${eo:-x}" = 0
egress on
ob=$(dtls_stat "$NT_WORK/egress-on.txt" DTLS_OFFLOAD_OB_PKT_SUCCESS)
eo=$(dtls_stat "$NT_WORK/egress-on.txt" DTLS_OFFLOAD_EGRESS_OPTIMIZE_PKT)
nt_check "egress on: $eo of the $ob records sealed were found by the pipe itself (>= 90%)" \
	test "${eo:-0}" -ge $((${ob:-1} * 9 / 10)) -a "${ob:-0}" -ge 1000

nt_say "flow-offload-dtls off and on while iperf3 runs through both"
nt_cli a clear flow-offload-dtls statistics >/dev/null
iperf_both 6 move
sleep 1.5
off=$(printf 'configure terminal\nno flow-offload-dtls\nend\n' | nt_cli_lines a 2>&1)
dtls_stats >"$NT_WORK/move-off.txt"
nt_check "no flow-offload-dtls typed live (${off:-no output})" eval "! grep -qiE 'refus|cannot|error' <<<\"\$off\""
nt_check "both rules on the software pipe" grep -q 'Offloaded sessions: 0 of 2' "$NT_WORK/move-off.txt"
sleep 2
on=$(printf 'configure terminal\nflow-offload-dtls\nend\n' | nt_cli_lines a 2>&1)
nt_check "flow-offload-dtls typed live (${on:-no output})" eval "! grep -qiE 'refus|cannot|error' <<<\"\$on\""
wait "$IP1" "$IP2"
dtls_stats >"$NT_WORK/move-dtls.txt"
sed 's/^/     /' "$NT_WORK/move-dtls.txt"
nt_check "both rules back in the engine" grep -q 'Offloaded sessions: 2 of 2' "$NT_WORK/move-dtls.txt"
for who in alice bob; do
	m=$(nt_iperf_mbit "$NT_WORK/move-$who.json")
	nt_check "$who: iperf3 went on through both moves: ${m:-no} Mbit/s over 6 s" test "${m:-0}" -gt 0
	nt_check "$who: openconnect still runs" kill -0 "$(eval echo "\$${who}_pid")"
	nt_check "$who: no fall-back to CSTP" eval "! grep -qiE 'DTLS.*(dead|fail|disabled)' '$NT_WORK/$who.log'"
done
nt_check "no record taken for a replay across the moves ($(dtls_stat "$NT_WORK/move-dtls.txt" nvppu_dtls_anti_drop_cnt))" \
	test "$(dtls_stat "$NT_WORK/move-dtls.txt" nvppu_dtls_anti_drop_cnt)" = 0
nt_check "what the moves caught is counted: $(grep -o 'Caught by a move.*' "$NT_WORK/move-dtls.txt")" \
	grep -q 'Caught by a move: [0-9]* records handed on' "$NT_WORK/move-dtls.txt"
held=$(nt_cli a show flow-offload-ipsec statistics | awk -F': ' '/^Held while their SA moved here/ { s += $2 } END { print s + 0 }')
nt_say "records the engine pipes held while the rules came back to them: ${held:-0}"
nt_cli a show asp drop >"$NT_WORK/move-drop.txt"
nt_check "no DTLS datagram dropped for want of a rule ($(grep -i 'dtls' "$NT_WORK/move-drop.txt" | tr -s ' ' | paste -sd';'))" \
	eval "! grep -qiE 'no DTLS rule' '$NT_WORK/move-drop.txt'"
for who in alice bob; do # --force-dpd=2: a DTLS DPD once the tunnel was quiet for 2 s
	for _ in $(seq 50); do grep -q 'Got DTLS DPD response' "$NT_WORK/$who.log" && break; sleep 0.1; done
	nt_check "$who: DTLS DPD answered" grep -q 'Got DTLS DPD response' "$NT_WORK/$who.log"
done
nt_check "alice: pings after the moves" pings alice-after "$A" 3
nt_check "bob: pings after the moves" pings bob-after "$B" 3

nt_say "vpn-sessiondb logoff ends bob's DTLS session"
nt_cli a vpn-sessiondb logoff name bob noconfirm >"$NT_WORK/logoff.txt"
nt_check "one session logged off" grep -q 'logged off : 1$' "$NT_WORK/logoff.txt"
nt_check "bob's openconnect was told and ended" nt_wait_pid "$bob_pid" 50
nt_check "... by the server's TERMINATE" grep -qi 'terminate' "$NT_WORK/bob.log"
dtls_stats >"$NT_WORK/logoff-dtls.txt"
nt_check "bob's rule is gone, alice's stays" grep -q 'Offloaded sessions: 1 of 1' "$NT_WORK/logoff-dtls.txt"
nt_check "alice: pings after bob's logoff" pings alice-alone "$A" 3
kill "$alice_pid" 2>/dev/null
nt_wait_pid "$alice_pid" 50

nt_say "a reconnect from the cookie, over DTLS"
printf 'secret\n' | timeout 30 ip netns exec "$NT_B" openconnect --protocol=anyconnect --user=alice \
	--passwd-on-stdin --non-inter --servercert "pin-sha256:$PIN" --authenticate \
	"https://$NT_A_OUT_IP/" >"$NT_WORK/auth.log" 2>&1
cookie=$(sed -n "s/^COOKIE='\(.*\)'$/\1/p" "$NT_WORK/auth.log")
nt_check "openconnect --authenticate got a cookie" test -n "$cookie"
# from_cookie NAME: the tunnel (octun2) from the cookie, DTLS up
from_cookie() {
	rm -f "$NT_WORK/addr-octun2"
	printf '%s\n' "$cookie" | timeout 30 ip netns exec "$NT_B" openconnect --protocol=anyconnect \
		--cookie-on-stdin --non-inter --servercert "pin-sha256:$PIN" --interface=octun2 \
		--script="$NT_WORK/oc-script.sh" -v --timestamp -b --pid-file="$NT_WORK/$1.pid" \
		"https://$NT_A_OUT_IP/" >"$NT_WORK/$1.log" 2>&1
	for _ in $(seq 50); do grep -q 'Established DTLS connection' "$NT_WORK/$1.log" && break; sleep 0.1; done
	nt_check "$1: DTLS up from the cookie" grep -q 'Established DTLS connection' "$NT_WORK/$1.log"
	for _ in $(seq 30); do [ -s "$NT_WORK/addr-octun2" ] && break; sleep 0.1; done
}
from_cookie cookie1
c1=$(addr_of octun2)
before=$(ac_session_line)
pid=$(cat "$NT_WORK/cookie1.pid" 2>/dev/null)
kill -KILL "$pid" 2>/dev/null
nt_wait_pid "$pid" 50
sleep 0.5 # fpvpnd sees the TCP connection end
from_cookie cookie2
c2=$(addr_of octun2)
after=$(ac_session_line)
nt_check "the same address again ($c1, then $c2)" test -n "$c1" -a "$c1" = "$c2"
nt_check "the same session: $after" test -n "$before" -a "$before" = "$after"
nt_check "pings over the new DTLS session" pings cookie2 "$c2" 3
dtls_stats >"$NT_WORK/cookie-dtls.txt"
nt_check "one rule, in the engine (the first one's gone)" grep -q 'Offloaded sessions: 1 of 1' "$NT_WORK/cookie-dtls.txt"
pid=$(cat "$NT_WORK/cookie2.pid" 2>/dev/null)
kill "$pid" 2>/dev/null
nt_wait_pid "$pid" 50
nt_stop a
nt_done
