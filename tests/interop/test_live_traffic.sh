#!/bin/bash
# Live traffic through two fpvpnd with offload on (docs/testing.md):
# ping both ways and 5 s of iperf3 TCP, raw ESP then ESP in UDP/4500; then
# the SAs are OFFLOADED with encaps/decaps >= the pings, the engine's pipe
# counters are non-zero and add up with the SA counters (nt_check_pipes in
# tests/netns/lib.sh says exactly what must match), and site A's encaps are
# site B's decaps. fpvpnd exits 0 on SIGTERM and removes its TUN.
#   bash tests/interop/test_live_traffic.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-traffic
nt_require ping iputils-ping
nt_require iperf3
nt_topo_up

PINGS=10
for variant in esp udp; do
	nt_say "offload on, ${variant/esp/raw ESP}${variant/udp/ in UDP 4500}"
	encap=""
	[ "$variant" = udp ] && encap="4500 4500"
	NT_ENCAP=$encap nt_conf a "$NT_WORK/a.conf"
	NT_ENCAP=$encap nt_conf b "$NT_WORK/b.conf"
	nt_start a "$NT_WORK/a.conf"
	nt_start b "$NT_WORK/b.conf"

	nt_ping a $PINGS
	nt_check "$variant: $PINGS pings A -> B answered ($(nt_ping_received a) received)" test "$(nt_ping_received a)" = $PINGS
	nt_ping b $PINGS
	nt_check "$variant: $PINGS pings B -> A answered ($(nt_ping_received b) received)" test "$(nt_ping_received b)" = $PINGS

	nt_iperf a 5 "$NT_WORK/iperf-$variant.json"
	nt_check "$variant: iperf3 TCP A -> B, 5 s, exits 0" test $? = 0
	nt_check_iperf "$NT_WORK/iperf-$variant.json" "$variant A -> B"

	nt_quiesce
	# every ping is an encap on one side and a decap on the other: each
	# site sent PINGS requests and PINGS replies, and received as many
	for s in a b; do
		nt_check_sa_offload $s 1 $((2 * PINGS))
		declare "enc_$s=$NT_ENCAPS" "dec_$s=$NT_DECAPS"
		if [ "$variant" = udp ]; then
			nt_check "$s: SAs are NAT-T-Encaps on 4500" grep -q 'in use settings.*NAT-T-Encaps' "$NT_SA_FILE"
			nt_check "$s: crypto endpoints on port 4500" grep -q 'remote crypto endpt.: 198.51.100.[12]/4500' "$NT_SA_FILE"
		fi
		nt_check_pipes $s 1
	done
	# what A encrypted B decrypted, less what the kernel dropped on the way
	# (socket buffers under iperf3): at most 1% apart, never more decaps
	nt_check "$variant: B decaps ($dec_b) <= A encaps ($enc_a), within 1%" \
		test "$dec_b" -le "$enc_a" -a $((enc_a - dec_b)) -le $((enc_a / 100 + 1))
	nt_check "$variant: A decaps ($dec_a) <= B encaps ($enc_b), within 1%" \
		test "$dec_a" -le "$enc_b" -a $((enc_b - dec_a)) -le $((enc_b / 100 + 1))
	f=$(nt_show a asp show asp drop)
	echo "     a: show asp drop:"; sed 's/^/       /' "$f" | head -20

	if [ "$variant" = esp ]; then
		# egress optimization: with it on (the default) pings after the first
		# skip the policy walk; switched off at run time, none do, and the
		# traffic still flows; switched on again, they do again
		eg() { nt_cli a show counters | awk '/OFFLOAD_EGRESS_OPTIMIZE_PKT/ { print $3 }'; }
		on1=$(eg)
		nt_check "a: egress-optimized packets counted with it on (${on1:-0})" test "${on1:-0}" -gt 0
		printf 'configure terminal\nno flow-offload-ipsec egress-optimization\nend\n' | nt_cli_lines a >/dev/null
		nt_ping a 5
		nt_check "egress-optimization off: 5 pings A -> B answered" test "$(nt_ping_received a)" = 5
		off=$(eg)
		nt_check "a: no packet egress-optimized while off (${on1:-0} -> ${off:-0})" test "${off:-0}" = "${on1:-0}"
		printf 'configure terminal\nflow-offload-ipsec egress-optimization\nend\n' | nt_cli_lines a >/dev/null
		nt_ping a 5
		on2=$(eg)
		nt_check "a: egress-optimized again once on (${off:-0} -> ${on2:-0})" test "${on2:-0}" -gt "${off:-0}"
	fi

	nt_stop a
	nt_stop b
done
nt_done
