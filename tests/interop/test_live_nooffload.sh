#!/bin/bash
# Live traffic with the offload engine off, then switched at run time
# (docs/testing.md):
#  1. `no flow-offload-ipsec` in both files: pings and 3 s of iperf3 pass;
#     no SA is OFFLOADED, `#pkts not offload decrypted` counts the decaps,
#     the engine's pipes encapsulate nothing (Tx stays).
#  2. offload on at start; while a 9 s iperf3 TCP run goes A -> B, both
#     sites switch offload off (configure terminal / no flow-offload-ipsec /
#     end, one control session on stdin) and on again. The TCP connection
#     must survive: iperf3 exits 0 and moves data in every 1 s interval;
#     after each switch show crypto ipsec sa shows the new state; no
#     anti-replay drop (the SA pair moves with its sequence numbers and
#     window).
#   bash tests/interop/test_live_nooffload.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-nooffload
nt_require ping iputils-ping
nt_require iperf3
nt_topo_up

PINGS=10
nt_say "1. no flow-offload-ipsec in the configuration"
NT_OFFLOAD=0 nt_conf a "$NT_WORK/a.conf"
NT_OFFLOAD=0 nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
f=$(nt_show a run show running-config)
nt_check "a: show running-config prints 'no flow-offload-ipsec'" grep -qx 'no flow-offload-ipsec' "$f"
for s in a b; do nt_pipes_save $s; eval "rx0_$s=$NT_PIPE_RX0 tx0_$s=$NT_PIPE_TX0"; done
nt_ping a $PINGS
nt_check "pings A -> B answered ($(nt_ping_received a)/$PINGS)" test "$(nt_ping_received a)" = $PINGS
nt_ping b $PINGS
nt_check "pings B -> A answered ($(nt_ping_received b)/$PINGS)" test "$(nt_ping_received b)" = $PINGS
nt_iperf a 3 "$NT_WORK/iperf-sw.json"
nt_check "iperf3 TCP A -> B in software exits 0" test $? = 0
nt_check_iperf "$NT_WORK/iperf-sw.json" "software path"
nt_quiesce
for s in a b; do
	nt_check_sa_offload $s 0 $((2 * PINGS))
	NT_PIPE_RX0=$(eval echo "\$rx0_$s") NT_PIPE_TX0=$(eval echo "\$tx0_$s") nt_check_pipes $s 0
done
nt_stop a
nt_stop b

# switch SIDE on|off: one control session, three lines
switch() {
	local side=$1 how=$2 line=flow-offload-ipsec out
	[ "$how" = off ] && line="no flow-offload-ipsec"
	out=$(printf 'configure terminal\n%s\nend\n' "$line" | nt_cli_lines "$side" 2>&1)
	local rc=$?
	echo "     $side: configure terminal / $line / end -> status $rc${out:+: $(tr '\n' ' ' <<<"$out" | head -c 200)}"
	nt_check "$side: '$line' accepted at run time" test $rc = 0 -a -z "$(grep -i error <<<"$out")"
}
offloaded_count() { nt_cli "$1" show crypto ipsec sa | grep -c 'in use settings.*, OFFLOADED,'; }

# part 2 with the SAs of $1 (manual | ikev2)
switch_under_iperf() {
	local kind=$1 s f nod dec replay lost decaps_before iperf_job
	nt_say "2. $kind: offload switched off and on while iperf3 TCP runs"
	NT_IKE=$([ "$kind" = ikev2 ] && echo 1) nt_conf a "$NT_WORK/a.conf"
	NT_IKE=$([ "$kind" = ikev2 ] && echo 1) nt_conf b "$NT_WORK/b.conf"
	nt_start a "$NT_WORK/a.conf"
	nt_start b "$NT_WORK/b.conf"
	nt_ping a 3 || true
	if [ "$kind" = ikev2 ]; then # its first packets were dropped while it negotiated
		nt_wait_offloaded a
		nt_cli a clear asp drop >/dev/null
	fi
	nt_iperf a 9 "$NT_WORK/iperf-switch-$kind.json" &
	iperf_job=$!
	sleep 2
	decaps_before=$(nt_cli b show crypto ipsec sa | nt_sum_field "#pkts decaps")
	switch a off
	switch b off
	nt_check "$kind: a: no SA OFFLOADED after the switch off" test "$(offloaded_count a)" = 0
	nt_check "$kind: b: no SA OFFLOADED after the switch off" test "$(offloaded_count b)" = 0
	sleep 3
	f=$(nt_show b "sa-off-$kind" show crypto ipsec sa)
	nod=$(nt_sum_field "#pkts not offload decrypted" <"$f")
	dec=$(nt_sum_field "#pkts decaps" <"$f")
	echo "     b while off: #pkts decaps $dec (were $decaps_before when offloaded), #pkts not offload decrypted $nod"
	nt_check "$kind: b: decaps go on in software" test "$dec" -gt "$decaps_before"
	# the ASA counts in 'not offload decrypted' the packets the software decrypted
	nt_check "$kind: b: #pkts not offload decrypted ($nod) counts only software decaps (<= $dec - $decaps_before)" \
		test "$nod" -le $((dec - decaps_before))
	switch a on
	switch b on
	nt_cli b show flow-offload-ipsec statistics | grep -E 'Held|Punted' | sed 's/^/     b: /'
	nt_check "$kind: a: SAs OFFLOADED again after the switch on" test "$(offloaded_count a)" = 2
	nt_check "$kind: b: SAs OFFLOADED again after the switch on" test "$(offloaded_count b)" = 2
	wait $iperf_job
	nt_check "$kind: iperf3 TCP across the two switches exits 0" test $? = 0
	nt_check_iperf "$NT_WORK/iperf-switch-$kind.json" "across off/on"
	for s in a b; do
		f=$(nt_show $s "asp-$kind" show asp drop)
		replay=$(grep -i -E 'replay' "$f" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }')
		# the new pipe holds an SA's packets until its state arrives, and the
		# slow path runs what was punted before it gives an SA up: nothing
		# falls behind the window
		nt_check "$kind: $s: no anti-replay drop across the switches ($replay)" test "$replay" = 0
		# the SA pairs move with their state, and packets caught in the move are
		# sent on to the SA's new home instead of being dropped
		lost=$(grep -E 'ipsec-tun-down|vpn-handle-not-found|ipsec-sa-moving' "$f" | awk '{ s += $NF } END { print s + 0 }')
		nt_check "$kind: $s: nothing lost to the moves (tun-down + handle-not-found + sa-moving = $lost)" test "$lost" = 0
		grep -v -E '^\s*$|Last clearing' "$f" | sed 's/^/       /'
	done
}

# the SPIs of SIDE's pairs, one line
spis() { nt_cli "$1" show crypto ipsec sa | awk '/^ *spi: /{ print $2 }' | sort | tr '\n' ' '; }

# part 3, on the IKEv2 sites part 2 left running
clear_children() {
	nt_say "3. ikev2: clear crypto ipsec sa"
	local before after ike_before ike_after
	before=$(spis a)
	ike_before=$(nt_cli a show crypto ikev2 sa | awk '/READY/{ print $1 }')
	nt_cli a clear crypto ipsec sa >/dev/null
	for _ in $(seq 50); do [ -z "$(spis b)" ] && break; sleep 0.1; done
	nt_check "b: no pair after A's DELETE" test -z "$(spis b)"
	nt_ping a 5 || true
	nt_wait_offloaded a
	after=$(spis a)
	ike_after=$(nt_cli a show crypto ikev2 sa | awk '/READY/{ print $1 }')
	echo "     A's SPIs before: $before; after: $after; IKE SA $ike_before -> $ike_after"
	nt_check "a: new SPIs after the clear" test -n "$after" -a "$after" != "$before"
	nt_check "a: the same IKE SA carries the new child" test -n "$ike_after" -a "$ike_after" = "$ike_before"
	nt_ping a 10
	nt_check "pings A -> B after the clear ($(nt_ping_received a)/10)" test "$(nt_ping_received a)" = 10
}

switch_under_iperf manual
nt_stop a
nt_stop b
switch_under_iperf ikev2
clear_children
nt_check "a: alive" nt_alive a
nt_check "b: alive" nt_alive b
nt_stop a
nt_stop b
nt_done
