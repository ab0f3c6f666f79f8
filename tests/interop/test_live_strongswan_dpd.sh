#!/bin/bash
# A peer that dies, restarts or deletes, against strongSwan charon
# (docs/testing.md). fpvpnd has `isakmp keepalive threshold 10 retry 2`.
#  1. charon restarts (kill -9, started again, it initiates): its
#     INITIAL_CONTACT makes fpvpnd drop the stale IKE SA and its pair at
#     once; one IKE SA and one pair left, pings cross.
#  2. charon deletes its IKE SA (swanctl --terminate): fpvpnd removes it
#     and the pair at once; then a ping from fpvpnd's side brings the
#     tunnel up again with fpvpnd initiating.
#  3. charon is killed for good: fpvpnd's DPD notices within the threshold
#     (10 s without traffic, then 5 retries 2 s apart: gone by ~22 s),
#     counts the dead peer and takes the pair out of the engine.
#   bash tests/interop/test_live_strongswan_dpd.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/strongswan.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-ss-dpd
ss_require
nt_require ping iputils-ping

ss_fpvpnd_topo
ss_fpvpnd_conf "$NT_WORK/a.conf"
cat >>"$NT_WORK/a.conf" <<EOT
tunnel-group $SS_B_OUT_IP ipsec-attributes
 isakmp keepalive threshold 10 retry 2
EOT
nt_start a "$NT_WORK/a.conf"
ss_conf b "$NT_WORK/ss-b" "$SS_B_OUT_IP" "$SS_A_OUT_IP" 198.18.12.0/24 198.18.11.0/24 ssb.test "$SS_A_OUT_IP"
ss_start b "$SS_B"

pings() { nt_in a ping -n -q -c "$1" -i 0.1 -W 1 -I "$SS_A_LAN" "$SS_B_LAN" 2>&1 | grep -o '[0-9]* received' | cut -d' ' -f1; }
ike_sas() { nt_cli a show crypto ikev2 sa | grep -c ' READY '; }
pairs() { nt_cli a show crypto ipsec sa | grep -c 'inbound esp sas'; }
spi_in() { nt_cli a show crypto ipsec sa | awk '/current inbound spi/ { print $NF }'; }

nt_say "1. charon restarts: INITIAL_CONTACT"
ss_initiate gcm256 b
nt_check "up: pings cross ($(pings 3) of 3)" test "$(pings 3)" = 3
old=$(spi_in)
kill -KILL "${SS_PID[b]}"
wait "${SS_PID[b]}" 2>/dev/null
SS_PID[b]=""
ss_start b "$SS_B"
ss_initiate gcm256 b
for _ in $(seq 30); do [ "$(ike_sas)" = 1 ] && [ "$(spi_in)" != "$old" ] && break; sleep 0.1; done
nt_check "the stale IKE SA is gone: one READY" test "$(ike_sas)" = 1
nt_check "one pair, the new one ($old -> $(spi_in))" test "$(pairs)" = 1 -a "$(spi_in)" != "$old"
nt_check "fpvpnd logged INITIAL_CONTACT" grep -q "INITIAL_CONTACT" "${NT_LOG[a]}"
nt_check "pings cross the new pair ($(pings 3) of 3)" test "$(pings 3)" = 3

nt_say "2. charon deletes: DELETE, then fpvpnd initiates on traffic"
ss_terminate b
for _ in $(seq 30); do [ "$(ike_sas)" = 0 ] && break; sleep 0.1; done
nt_check "the IKE SA is gone at once" test "$(ike_sas)" = 0
nt_check "and its pair" test "$(pairs)" = 0
got=$(pings 10)
nt_check "a ping from fpvpnd's side brings it up again ($got of 10 answered)" test "${got:-0}" -ge 7
nt_check "fpvpnd is the initiator" grep -q INITIATOR <<<"$(nt_cli a show crypto ikev2 sa)"

nt_say "3. charon dies: DPD"
kill -KILL "${SS_PID[b]}"
wait "${SS_PID[b]}" 2>/dev/null
SS_PID[b]=""
t0=$(date +%s)
for _ in $(seq 300); do [ "$(ike_sas)" = 0 ] && break; sleep 0.1; done
dt=$(($(date +%s) - t0))
echo "     fpvpnd gave the peer up after $dt s"
nt_check "DPD removed the IKE SA within 25 s ($dt s)" test "$(ike_sas)" = 0 -a "$dt" -le 25
nt_check "and took the pair out of the engine" test "$(pairs)" = 0
dead=$(nt_cli a show crypto ikev2 stats | nt_sum_field "Peers found dead (DPD)")
nt_check "show crypto ikev2 stats counts the dead peer ($dead)" test "${dead:-0}" = 1
nt_check "fpvpnd logged why" grep -q "DPD: peer not responding" "${NT_LOG[a]}"
nt_check "fpvpnd alive" nt_alive a
nt_stop a
nt_done
