#!/bin/bash
# ctest: serial (iperf3 under a flood against iperf3 alone: other tests would skew the ratio)
# Hostile input on fpvpnd's DTLS port with a client's session offloaded
# (issue 9; docs/testing.md, Hostile cases): Debian's openconnect logs in as
# in test_live_anyconnect_dtls_fpvpnd.sh and its DTLS rule is in an engine
# pipe (flow-offload-dtls). While pings cross its tunnel, tests/netns/
# dtls_hostile.py sends from the client's namespace:
#  1. ClientHellos with session ids no session gave, from another port and
#     from the client's own DTLS port; then the client's own ClientHello
#     (its session id: it travels in clear) from both, a handshake the
#     sender cannot finish, which must not end the channel or its rule;
#  2. the client's own records taken off the wire, one byte of the cipher
#     text flipped and the sequence number moved ahead (the tag decides);
#  3. the same record replayed unchanged, at once (a duplicate) and after 80
#     more records (left of the window);
#  4. garbage (0-12 bytes, length fields that overrun, records too short for
#     nonce and tag, unknown content type, DTLS 1.0, random bytes, epoch 0,
#     two records in one datagram) from another port and from the client's own;
# each refused and counted by name (show crypto protocol ssl statistics,
# show asp drop, show flow-offload-dtls statistics, show asp table socket ID
# detail), and the tunnel passes pings after each. Then 5. iperf3 through
# the DTLS tunnel alone, under a flood of ClientHellos from 33 addresses
# and the client's own port (FLOOD_PPS a second, new ports and session
# ids), and alone again (beside the same sender flooding a sink in B, so
# that the attacker's own CPU on these shared cores is in both): the
# flooded rate / the mean of the two alone >= 0.9, measured again at most
# twice (as test_live_ike_flood.sh); every
# flood datagram counted, the headend answers openconnect's DPD during it
# and every control frame the rule opened reaches it (no DTLS dead peer),
# the session and its rule still there. FLOOD_RATIO=print only prints the
# ratio (the default with a sanitizer build).
#   bash tests/interop/test_live_anyconnect_hostile.sh BUILD_DIR   (exit 77 = skipped)
#   FLOOD_PPS (default 5000) FLOOD_SECS (iperf3 seconds a run, default 4)
# The sanitizer pass leaves it out (the ratio says nothing there; the junk
# and records run under the sanitizers in unit/test_dtls and test_ra_dtls):
# ctest: slow
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-hostile
nt_require openconnect
nt_require openssl
nt_require ping iputils-ping
nt_require iperf3
"$NT_PY" -c 'import socket; socket.AF_PACKET' 2>/dev/null || nt_skip "$NT_PY has no AF_PACKET"
pps=${FLOOD_PPS:-5000}
secs=${FLOOD_SECS:-4}
fakes=32
hostile() { nt_in b "$NT_PY" "$NT_LIB_DIR/dtls_hostile.py" "$@"; }

nt_topo_up
ac_cert
ac_script
ac_conf flow-offload-dtls >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_say "openconnect up with DTLS, its rule in the engine"
ac_up oc 1
sleep 0.5 # the rule follows the client's first record at the new epoch
nt_cli a show asp table socket >"$NT_WORK/socket.txt"
read -r sock port < <(awk '/CONNECTED/ && /198\.51\.100\.2:/ { split($5, a, ":"); print $2, a[2]; exit }' \
	"$NT_WORK/socket.txt")
nt_check "show asp table socket lists the client (socket ${sock:-none}, port ${port:-none})" \
	test -n "$sock" -a -n "$port"
nt_check "the rule is in an engine pipe" \
	grep -q 'Offloaded sessions: 1 of 1' <(nt_cli a show flow-offload-dtls statistics)
[ -n "$sock" ] || nt_die "no DTLS rule: nothing to attack"

# counters, read by name: ssl NAME (show crypto protocol ssl statistics),
# dtls NAME (show flow-offload-dtls statistics), asp NAME (show asp drop),
# rule LABEL (the client's show asp table socket ID detail, "LABEL: N")
ssl() { nt_cli a show crypto protocol ssl statistics |
	awk -v k="$1" '{ v = $NF; $NF = ""; sub(/^ +/, ""); sub(/ +$/, "") } $0 == k { print v; exit }'; }
dtls() { nt_cli a show flow-offload-dtls statistics | sed -n "s/^ *$1: //p"; }
asp() { nt_asp a "$1"; }
rule() { nt_cli a show asp table socket "$sock" detail | tr ',' '\n' |
	awk -v k="$1:" 'index($0, k) { sub(/.*: */, ""); print; exit }'; }
# ctrl_in_out: the rule's control frames "IN OUT" from one query: those it
# opened and handed to the headend, and the answers it sealed
ctrl_in_out() { nt_cli a show asp table socket "$sock" detail |
	awk '/^(Up|Down)stream:/ { w = $1 } /^Ctrl Pkts:/ { c[w] = $3 } END { print c["Upstream:"], c["Downstream:"] }'; }
# snap NAME COUNTER...: each counter's value now, as NAME[COUNTER]
# delta NAME COUNTER: how much it moved since
declare -A before
snap() { local c; for c in "${@:2}"; do before["$1/$c"]=$(eval "$c"); done; }
delta() { echo $(($(eval "$2") - ${before["$1/$2"]:-0})); }
sent_of() { awk -v k="$2" '$1 == k { print $2 }' "$NT_WORK/$1.txt"; }
# tunnel_ok WHAT: 5 pings through the DTLS tunnel
tunnel_ok() {
	nt_in b ping -c 5 -i 0.1 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping-ok.txt" 2>&1
	nt_check "$1: 5 pings through the tunnel" grep -q ' 5 received' "$NT_WORK/ping-ok.txt"
}
# background pings through the tunnel during steps 1-4 (the records step
# takes them off the wire)
nt_bg b "$NT_WORK/ping-bg.txt" ping -i 0.02 -W 2 "$NT_A_IN_IP"
bg_ping=$NT_LAST_PID

nt_say "1. ClientHellos with unknown session ids"
snap hello "asp dtls-unknown-session" "ssl 'unknown session id'" "ssl 'DTLS handshakes'" \
	"dtls DTLS_OFFLOAD_HANDSHAKE_IN_PKT"
hostile hello "$NT_A_OUT_IP" 20 >"$NT_WORK/hello-other.txt"
hostile hello "$NT_A_OUT_IP" 20 "$NT_B_OUT_IP" "$port" >"$NT_WORK/hello-own.txt"
sleep 0.3
n=$(($(sent_of hello-other hello) + $(sent_of hello-own hello)))
nt_check "40 ClientHellos sent (20 from another port, 20 from the client's port $port)" test "$n" = 40
# the workers know the session ids the headend gave: a ClientHello naming
# none is dropped there, before the rule or the slow path sees it
nt_check "all 40 dropped by the workers: dtls-unknown-session +$(delta hello "asp dtls-unknown-session")" \
	test "$(delta hello "asp dtls-unknown-session")" = 40
nt_check "none reached the headend (unknown session id +$(delta hello "ssl 'unknown session id'")) or the rule (DTLS_OFFLOAD_HANDSHAKE_IN_PKT +$(delta hello "dtls DTLS_OFFLOAD_HANDSHAKE_IN_PKT"))" \
	test "$(delta hello "ssl 'unknown session id'")" = 0 -a "$(delta hello "dtls DTLS_OFFLOAD_HANDSHAKE_IN_PKT")" = 0
nt_check "no handshake started (DTLS handshakes +$(delta hello "ssl 'DTLS handshakes'"))" \
	test "$(delta hello "ssl 'DTLS handshakes'")" = 0
tunnel_ok hellos

nt_say "1b. the client's own ClientHello (its session id) sent again by someone else"
# the id is in openconnect's ClientHello in clear; its log has it too
sid=$(sed -n 's/.*X-DTLS-App-ID: \([0-9a-f]*\).*/\1/p' "$NT_WORK/oc.log" | head -1)
snap sid "ssl 'DTLS handshakes'" "dtls DTLS_OFFLOAD_FLOW_IB_DEL_RULE" "ssl 'DTLS channels replaced'"
sid_fail0=$(ssl 'DTLS handshakes failed')
hostile sid "$NT_A_OUT_IP" "$sid" "$NT_B_OUT_IP" "$port" >"$NT_WORK/sid.txt"
sleep 0.5
nt_check "2 ClientHellos with the session's id (${sid:0:8}...) sent, from another port and the client's" \
	test "$(sent_of sid sid)" = 2
nt_check "the channel and its rule stay: rules deleted +$(delta sid "dtls DTLS_OFFLOAD_FLOW_IB_DEL_RULE"), channels replaced +$(delta sid "ssl 'DTLS channels replaced'"), handshakes done +$(delta sid "ssl 'DTLS handshakes'")" \
	test "$(delta sid "dtls DTLS_OFFLOAD_FLOW_IB_DEL_RULE")$(delta sid "ssl 'DTLS channels replaced'")$(delta sid "ssl 'DTLS handshakes'")" = 000
nt_check "the same rule, still in the engine" \
	grep -q "CONNECTED.*$NT_B_OUT_IP:$port " <(nt_cli a show asp table socket offloaded)
tunnel_ok "the session's ClientHello sent again"

nt_say "2-3. the client's records forged (a flipped byte) and replayed"
counters="asp dtls-auth-fail|asp dtls-replay|asp dtls-replay-old|dtls nvppu_dtls_anti_drop_cnt|rule '#rcv errors'|rule '#pkts replay failed (rcv)'|rule 'Drop Pkts'"
IFS='|' read -r -a rec_counters <<<"$counters"
snap rec "${rec_counters[@]}"
hostile records "$NT_BOUT" "$NT_B_OUT_IP" "$port" "$NT_A_OUT_IP" >"$NT_WORK/records.txt" 2>&1
sleep 0.3
sed 's/^/     sent: /' "$NT_WORK/records.txt"
for c in "${rec_counters[@]}"; do echo "     $c: +$(delta rec "$c")"; done
nt_check "5 forged records (a byte flipped, sequence number ahead): dtls-auth-fail +$(delta rec 'asp dtls-auth-fail')" \
	test "$(delta rec 'asp dtls-auth-fail')" = 5
nt_check "and in the client's rule: #rcv errors +$(delta rec "rule '#rcv errors'")" \
	test "$(delta rec "rule '#rcv errors'")" = 5
nt_check "5 duplicates: dtls-replay +$(delta rec 'asp dtls-replay')" test "$(delta rec 'asp dtls-replay')" = 5
nt_check "5 replays left of the window: dtls-replay-old +$(delta rec 'asp dtls-replay-old')" \
	test "$(delta rec 'asp dtls-replay-old')" = 5
nt_check "nvppu_dtls_anti_drop_cnt +$(delta rec 'dtls nvppu_dtls_anti_drop_cnt') (10)" \
	test "$(delta rec 'dtls nvppu_dtls_anti_drop_cnt')" = 10
nt_check "the rule's #pkts replay failed (rcv) +$(delta rec "rule '#pkts replay failed (rcv)'") (10)" \
	test "$(delta rec "rule '#pkts replay failed (rcv)'")" = 10
tunnel_ok "forged and replayed records (the forged sequence numbers moved no window)"

nt_say "4. garbage on UDP 443"
junk_counters="ssl 'not a ClientHello'|ssl 'DTLS 0.9 refused'|asp dtls-rule-not-found|asp dtls-record-truncated|asp dtls-bad-header|dtls nvppu_dtls_in_drop_pkt_count|rule 'Drop Pkts'|rule '#punted to the slow path'|ssl 'channels closed or refused'|asp"
IFS='|' read -r -a junk_counters <<<"$junk_counters"
snap junk "${junk_counters[@]}"
hostile junk "$NT_A_OUT_IP" "$NT_B_OUT_IP" 40000 >"$NT_WORK/junk-other.txt"
hostile junk "$NT_A_OUT_IP" "$NT_B_OUT_IP" "$port" >"$NT_WORK/junk-own.txt"
sleep 0.3
paste "$NT_WORK/junk-other.txt" "$NT_WORK/junk-own.txt" | awk '{ printf "     sent %-8s from port 40000 %4d, from the client'"'"'s %4d\n", $1, $2, $4 }'
for c in "${junk_counters[@]}"; do echo "     $c: +$(delta junk "$c")"; done
other=$(sent_of junk-other total) own=$(sent_of junk-own total)
d_other=$(($(delta junk "ssl 'not a ClientHello'") + $(delta junk "ssl 'DTLS 0.9 refused'") + $(delta junk 'asp dtls-rule-not-found')))
nt_check "from another port: all $other refused by the headend ($d_other: not a ClientHello, DTLS 0.9, dtls-rule-not-found)" \
	test "$d_other" = "$other"
# epoch 0 and two records in one datagram are the SSL object's to judge:
# the rule hands them over as they came, the headend refuses them (the
# channel's records are the engine's now)
punted=$(($(sent_of junk-own epoch0) + $(sent_of junk-own multi)))
dropped=$((own - punted))
d_own=$(($(delta junk 'asp dtls-record-truncated') + $(delta junk 'asp dtls-bad-header')))
nt_check "from the client's port: $dropped dropped by its rule ($d_own: dtls-record-truncated, dtls-bad-header)" \
	test "$d_own" = "$dropped"
nt_check "and $punted (epoch 0, two records) handed to the headend (rule's punts +$(delta junk "rule '#punted to the slow path'")), refused there (channels closed or refused +$(delta junk "ssl 'channels closed or refused'"))" \
	test "$(delta junk "rule '#punted to the slow path'")" = "$punted" -a "$(delta junk "ssl 'channels closed or refused'")" = "$punted"
t=$(($(sent_of junk-own short) + $(sent_of junk-own overrun) + $(sent_of junk-own tiny)))
nt_check "short, overrunning and too-short records are dtls-record-truncated (>= $t: +$(delta junk 'asp dtls-record-truncated'))" \
	test "$(delta junk 'asp dtls-record-truncated')" -ge "$t"
b=$(($(sent_of junk-own badtype) + $(sent_of junk-own dtls10)))
nt_check "unknown type and DTLS 1.0 data are dtls-bad-header (>= $b: +$(delta junk 'asp dtls-bad-header'))" \
	test "$(delta junk 'asp dtls-bad-header')" -ge "$b"
nt_check "the rule's Drop Pkts +$(delta junk "rule 'Drop Pkts'"), nvppu_dtls_in_drop_pkt_count +$(delta junk 'dtls nvppu_dtls_in_drop_pkt_count') ($dropped)" \
	test "$(delta junk "rule 'Drop Pkts'")" = "$dropped" -a "$(delta junk 'dtls nvppu_dtls_in_drop_pkt_count')" = "$dropped"
tunnel_ok garbage
kill -INT "$bg_ping" 2>/dev/null
wait "$bg_ping" 2>/dev/null
sent_bg=$(awk '/transmitted/ { print $1 }' "$NT_WORK/ping-bg.txt")
recv_bg=$(awk '/transmitted/ { print $4 }' "$NT_WORK/ping-bg.txt")
nt_check "pings during steps 1-4: $recv_bg of $sent_bg answered (at most 1 lost)" \
	test -n "$sent_bg" -a "$((sent_bg - ${recv_bg:-0}))" -le 1

nt_say "5. iperf3 through the DTLS tunnel alone, then under a flood of ClientHellos ($pps a second, $((fakes + 1)) addresses and the client's port)"
# the client's own address and port among them: those reach its rule,
# which hands them to the headend as they came (dtls-offload-handshake)
srcs=("$NT_B_OUT_IP" "$NT_B_OUT_IP:$port")
for i in $(seq "$fakes"); do srcs+=("203.0.113.$i"); done
# The attacker runs on the same two cores as openconnect and iperf3, which
# would charge its own CPU to fpvpnd: the measurements "alone" run beside
# the same sender at the same rate towards a veth pair inside B (to
# 192.0.2.99, a neighbour whose address nobody has: the other end drops
# each frame), so that only the flood's way into fpvpnd differs.
ip -n "$NT_B" link add fpdecoy type veth peer name fpdecoy-p &&
	ip -n "$NT_B" link set fpdecoy up && ip -n "$NT_B" link set fpdecoy-p up &&
	ip -n "$NT_B" addr add 192.0.2.1/24 dev fpdecoy &&
	ip -n "$NT_B" neigh add 192.0.2.99 lladdr 02:00:00:00:00:99 dev fpdecoy ||
	nt_die "no veth pair for the decoy sender"
# decoy NAME: the same flood towards the dummy, in the background (DECOY_PID)
decoy() {
	nt_bg b "$NT_WORK/decoy-$1.txt" "$NT_PY" "$NT_LIB_DIR/dtls_hostile.py" flood 192.0.2.99 \
		$((secs + 2)) "$pps" "${srcs[@]}"
	DECOY_PID=$NT_LAST_PID
	sleep 1
}
# iperf_gbps NAME: iperf3 client -> the inside host 10.1.0.1, through openconnect's tunnel
iperf_gbps() {
	local g _ spid
	nt_bg a "$NT_WORK/iperf3-server.log" iperf3 -s -1 -B "$NT_A_IN_IP" -p 5201
	spid=$NT_LAST_PID
	for _ in $(seq 50); do nt_in a ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
	nt_in b timeout $((secs + 20)) iperf3 -c "$NT_A_IN_IP" -p 5201 -t "$secs" -J \
		>"$NT_WORK/iperf-$1.json" 2>>"$NT_WORK/iperf3-client.err"
	nt_wait_pid "$spid" 50 || kill "$spid" 2>/dev/null
	read -r g _ <<<"$(nt_iperf_summary "$NT_WORK/iperf-$1.json")"
	echo "$g"
}
# flood counters, by a short name: fc NAME
fc() {
	case $1 in
	no-session) echo $(($(ssl 'unknown session id') + $(asp dtls-unknown-session))) ;;
	punt-full) asp dispatch-queue-limit ;;
	rx-overflow) asp rx-socket-overflow ;;
	handoff-full) asp pipe-handoff-full ;;
	veth) nt_dev_dropped a ;;
	dpd) ssl 'DTLS DPD requests answered' ;;
	oc-dpd) grep -c 'Got DTLS DPD response' "$NT_WORK/oc.log" ;;
	hs-in) dtls DTLS_OFFLOAD_HANDSHAKE_IN_PKT ;;
	esac
}
fcs=(no-session punt-full rx-overflow handoff-full veth dpd oc-dpd hs-in)
declare -A fd # each one's move during the last flood
# measure N: alone, flooded (the flood goes on 4 s after iperf3, the
# tunnel idle: openconnect's DPD is sent then), alone again; sets ratio
measure() {
	local after flood_pid c in0 out0 in1 out1
	decoy "alone-$1"
	before_g=$(iperf_gbps "alone-$1")
	nt_wait_pid "$DECOY_PID" 150
	for c in "${fcs[@]}"; do snap "flood-$1" "fc $c"; done
	read -r in0 out0 <<<"$(ctrl_in_out)"
	nt_bg b "$NT_WORK/flood-$1.txt" "$NT_PY" "$NT_LIB_DIR/dtls_hostile.py" flood "$NT_A_OUT_IP" \
		$((secs + 5)) "$pps" "${srcs[@]}"
	flood_pid=$NT_LAST_PID
	sleep 1
	flooded=$(iperf_gbps "flood-$1")
	nt_wait_pid "$flood_pid" 150
	sleep 0.5
	for c in "${fcs[@]}"; do fd[$c]=$(delta "flood-$1" "fc $c"); done
	read -r in1 out1 <<<"$(ctrl_in_out)"
	fd[ctrl-in]=$((in1 - in0)) fd[ctrl-out]=$((out1 - out0))
	flood_sent=$(awk '$1 == "sent" { print $2 }' "$NT_WORK/flood-$1.txt")
	sed 's/^/     flood: /' "$NT_WORK/flood-$1.txt"
	decoy "after-$1"
	after=$(iperf_gbps "after-$1")
	nt_wait_pid "$DECOY_PID" 150
	ratio=$(nt_flood_ratio "$before_g" "$after" "$flooded")
	echo "     iperf3 ${secs} s: alone $before_g Gbit/s, under the flood $flooded Gbit/s," \
		"alone again $after Gbit/s: ratio $ratio"
}
nt_flood_measure measure
for c in "${fcs[@]}" ctrl-in ctrl-out; do echo "     $c: +${fd[$c]}"; done
counted=$((fd[no-session] + fd[punt-full] + fd[rx-overflow] + fd[handoff-full] + fd[veth]))
nt_check "the flood sent ClientHellos (${flood_sent:-0})" test "${flood_sent:-0}" -gt $((pps * secs / 2))
nt_check "every one counted: dtls-unknown-session (workers) or unknown session id (headend), dispatch-queue-limit, rx-socket-overflow, pipe-handoff-full, veth drops ($counted of $flood_sent)" \
	test "$counted" = "$flood_sent"
nt_check "those on the client's port were dropped before its rule too (DTLS_OFFLOAD_HANDSHAKE_IN_PKT +${fd[hs-in]}, about $((flood_sent / ${#srcs[@]})) sent)" \
	test "${fd[hs-in]}" = 0
nt_check "the headend answered openconnect's DTLS DPD during the flood (+${fd[dpd]} answered, openconnect got +${fd[oc-dpd]})" \
	test "${fd[oc-dpd]}" -ge 1
# a DPD request the rule opened and punted during the flood that the
# headend never answered was lost on the way (the punt ring full)
nt_check "the rule sealed an answer to every control frame it opened during the flood (${fd[ctrl-out]} of ${fd[ctrl-in]})" \
	test "${fd[ctrl-in]}" = "${fd[ctrl-out]}"
nt_check "iperf3 ran alone and under the flood ($before_g, $flooded Gbit/s)" \
	awk -v a="$before_g" -v f="$flooded" 'BEGIN { exit !(a > 0 && f > 0) }'

nt_say "after it all"
nt_check "openconnect still runs" kill -0 "$OC_PID"
nt_check "no dead peer (DTLS or CSTP), no fall-back to CSTP in openconnect's log" \
	eval "! grep -qiE 'DTLS.*(dead|fail|disabled)|Dead Peer' '$NT_WORK/oc.log'"
nt_check "one DTLS connection all along" test "$(grep -c 'Established DTLS connection' "$NT_WORK/oc.log")" = 1
nt_check "the handshake the replayed ClientHello started stalled and went (DTLS handshakes failed +$(($(ssl 'DTLS handshakes failed') - sid_fail0)))" \
	test "$(($(ssl 'DTLS handshakes failed') - sid_fail0))" = 1
nt_check "the same rule, still in the engine" \
	grep -q "CONNECTED.*$NT_B_OUT_IP:$port " <(nt_cli a show asp table socket offloaded)
tunnel_ok "after the flood"
nt_cli a show asp table socket "$sock" detail | sed 's/^/     /'
nt_cli a show asp drop | grep -E 'dtls|dispatch|overflow|handoff' | sed 's/^/     /'
nt_check "fpvpnd alive" nt_alive a
nt_check_flood_ratio
nt_stop a
nt_done
