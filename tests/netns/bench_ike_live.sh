#!/usr/bin/env bash
# IKEv2 set-up time between two fpvpnd processes, live (bench/ike measures
# the same code in one process, without sockets): the two sites of the
# live tests with IKEv2 (PSK, IKE AES-GCM-256, group 19; ESP AES-GCM-256),
# a steady ping from A's inside (every 2 ms) so that a packet finds no SA
# at once after each `clear crypto ikev2 sa`; the time from the clear to
# A's `show crypto ikev2 sa` saying READY, BENCH_IKE_RUNS times. Prints the
# median, the quartiles and SAs/s = 1 / median; never passes or fails on
# speed. The figure includes A's DELETE of the old SA, the acquire, two
# round trips (IKE_SA_INIT, IKE_AUTH with the first child) and the CLI's
# polling (one `show` about every 3 ms: the resolution).
#
#   bash tests/netns/bench_ike_live.sh [BUILD_DIR]     (make bench-ike-live; as root)
#
#   BENCH_IKE_RUNS=50    set-ups measured
#   BENCH_ONLY=fpvpnd    leave out the baseline: two strongSwan charons
#                        (kernel-libipsec), the same proposals, `swanctl
#                        --initiate` timed to its return (the child installed)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/strongswan.sh"
nt_init "${1:-build}" bench-ike
nt_require ping iputils-ping
runs=${BENCH_IKE_RUNS:-50}

nt_topo_up
NT_IKE=1 nt_conf a "$NT_WORK/a.conf"
NT_IKE=1 nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_in a ping -n -q -i 0.002 -W 1 -I "$NT_A_IN_IP" "$NT_B_IN_IP" >/dev/null 2>&1 &
NT_PIDS+=("$!")
nt_wait_offloaded a || nt_die "the first tunnel did not come up"

ready() { nt_cli a show crypto ikev2 sa | grep -q ' READY '; }
: >"$NT_WORK/ms.txt"
for ((i = 0; i < runs; i++)); do
	t0=$(date +%s%N)
	nt_cli a clear crypto ikev2 sa >/dev/null
	until ready; do :; done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$NT_WORK/ms.txt"
done
# summary FILE TITLE: median, quartiles, SAs/s of the microseconds in FILE
summary() {
	sort -n "$1" | awk -v title="$2" '
		{ v[NR] = $1 }
		END {
			q1 = v[int(NR / 4) + 1]; med = v[int(NR / 2) + 1]; q3 = v[int(3 * NR / 4) + 1]
			printf "%s, %d set-ups:\n", title, NR
			printf "  median %.1f ms (quartiles %.1f / %.1f ms), one after the other %.0f SAs/s\n",
				med / 1000, q1 / 1000, q3 / 1000, 1e6 / med
		}'
}
summary "$NT_WORK/ms.txt" "two fpvpnd (PSK, group 19, AES-GCM-256), clear -> READY"
est=$(nt_cli a show crypto ikev2 stats | nt_sum_field "SAs established")
echo "  A's show crypto ikev2 stats: SAs established $est"
nt_stop a
nt_stop b

if [ "${BENCH_ONLY:-}" != fpvpnd ] && [ -x "$SS_CHARON" ]; then
	ss_topo_up
	ss_conf a "$NT_WORK/ss-a"
	ss_conf b "$NT_WORK/ss-b"
	for side in a b; do # the same IKE proposal as fpvpnd's
		sed -i "s/^        proposals = .*/        proposals = aes256gcm16-prfsha256-ecp256/" "$NT_WORK/ss-$side/swanctl.conf"
	done
	ss_start a
	ss_start b
	: >"$NT_WORK/ss-ms.txt"
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		ss_initiate gcm256 a
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$NT_WORK/ss-ms.txt"
		ss_terminate a
	done
	summary "$NT_WORK/ss-ms.txt" "baseline: two strongSwan charons, swanctl --initiate"
	ss_stop a
	ss_stop b
fi
nt_done
