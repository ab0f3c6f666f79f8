#!/bin/bash
# fpvpnd to fpvpnd with IKEv2, through a CHILD_SA rekey (docs/ike.md,
# "Rekeys, deletes and liveness"): a 120 s child lifetime (the smallest
# the configuration takes) with PFS group 19, so A, the child's initiator,
# rekeys it 102-114 s after it came up; pings at 20 a second both ways run
# across the rekey. Checks: the pair's SPIs changed on both sides, the new
# pair is offloaded, nothing was lost across the switch, and each side
# logged the old pair deleted as rekeyed. About 2.5 minutes.
#   bash tests/interop/test_live_ikev2_rekey.sh BUILD_DIR  (exit 77 = skipped)
# ctest: slow
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-ikev2-rekey
nt_require ping iputils-ping
nt_topo_up

spis() { nt_cli "$1" show crypto ipsec sa | awk '/spi:/ { print $NF }' | sort | tr '\n' ' '; }

nt_say "IKEv2 between the two sites, child lifetime 120 s, PFS group 19"
NT_EXTRA=$'crypto map CM 10 set security-association lifetime seconds 120\ncrypto map CM 10 set pfs group19'
for side in a b; do NT_IKE=1 NT_EXTRA=$NT_EXTRA nt_conf "$side" "$NT_WORK/$side.conf"; done
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_ping a 3
nt_wait_offloaded a
before_a=$(spis a)
before_b=$(spis b)
echo "     SPIs before: A $before_a, B $before_b"
# 125 s of pings both ways (20 a second) across the rekey at 102-114 s
nt_in a ping -n -q -c 2500 -i 0.05 -W 2 -I "$NT_A_IN_IP" "$NT_B_IN_IP" >"$NT_WORK/ping-a.txt" 2>&1 &
pa=$!
nt_in b ping -n -q -c 2500 -i 0.05 -W 2 -I "$NT_B_IN_IP" "$NT_A_IN_IP" >"$NT_WORK/ping-b.txt" 2>&1 &
pb=$!
wait "$pa" "$pb"
after_a=$(spis a)
after_b=$(spis b)
echo "     SPIs after: A $after_a, B $after_b"
nt_check "A's SPIs changed" test "$before_a" != "$after_a"
nt_check "B's SPIs changed" test "$before_b" != "$after_b"
for side in a b; do
	f=$(nt_show "$side" sa-after show crypto ipsec sa)
	nt_check "$side's new pair OFFLOADED" grep -qw OFFLOADED "$f"
	nt_check "$side logged the rekey" grep -q "CHILD_SA established.*(rekey)" "${NT_LOG[$side]}"
	nt_check "$side took the old pair down as rekeyed" grep -q "down: rekeyed\|down: Peer sent DELETE" "${NT_LOG[$side]}"
	nt_check "$side: 2500 pings across the rekey, none lost ($(nt_ping_received "$side"))" \
		test "$(nt_ping_received "$side")" = 2500
done
nt_stop a
nt_stop b
nt_done
