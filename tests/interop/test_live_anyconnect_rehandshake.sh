#!/bin/bash
# ctest: slow (a rekey is a minute away at the shortest)
# anyconnect ssl rekey method ssl (docs/remote-access.md, "Rekey"): fpvpnd
# tells openconnect X-DTLS-Rekey-Time: 60 and X-DTLS-Rekey-Method: ssl; a
# minute later openconnect rehandshakes its DTLS session in place (a
# renegotiation under the current keys) while the engine holds the rule.
# Two clients at once: alice with PSK-NEGOTIATE (AES-256-GCM), bob with
# legacy keying and AES128-SHA (CBC), so that both ways libssl's records are
# opened again for the engine (src/ra/ra_dtls_unseal.c) are taken. Checked:
# each client's rehandshake succeeds (a second "Established DTLS
# connection", no "Rehandshake failed"), both rules updated in place
# (DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS 2, no rule deleted or added again),
# both still in the engine, which counts the records at the new epoch,
# pings every 0.2 s from both across the minute, iperf3 after. The TLS
# connections get the headend's TLS 1.3 KeyUpdate at the same interval
# and still carry its TERMINATE after it (a logoff from the CLI).
#
#  netns A: fpvpnd, outside 198.51.100.1 (TCP and UDP 443), inside TUN 10.1.0.1/24
#  netns B: openconnect x2, 198.51.100.2, tunnels octun0 and octun1
#   bash tests/interop/test_live_anyconnect_rehandshake.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-rehandshake
ac_rig
ac_conf "group-policy GP attributes
 anyconnect ssl rekey time 1
 anyconnect ssl rekey method ssl
username bob password secret2
flow-offload-dtls" >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
nt_cli a show running-config >"$NT_WORK/running.txt"
nt_check "show running-config keeps the rekey method" \
	grep -q '^ anyconnect ssl rekey method ssl$' "$NT_WORK/running.txt"

addr_of() { cut -d' ' -f1 "$NT_WORK/addr-$1" 2>/dev/null; }
AC_IF=octun0 ac_up alice 5
alice_pid=$OC_PID
AC_IF=octun1 AC_USER=bob AC_PASS=secret2 ac_up bob 5 --dtls12-ciphers=AES128-SHA
bob_pid=$OC_PID
A=$(addr_of octun0) B=$(addr_of octun1)
nt_check "fpvpnd offered a DTLS rehandshake in a minute" \
	eval 'grep -q "X-DTLS-Rekey-Method: ssl" "$NT_WORK/alice.log" &&
	      grep -q "X-DTLS-Rekey-Time: 60" "$NT_WORK/alice.log"'
nt_check "bob keyed AES128-SHA (legacy)" grep -q 'Ciphersuite.*AES-128-CBC' "$NT_WORK/bob.log"
nt_cli a clear flow-offload-dtls statistics >/dev/null

# pings every 0.2 s from both through the rehandshakes (due 60 s after DTLS came up)
for who in alice bob; do
	src=$A
	[ "$who" = bob ] && src=$B
	ip netns exec "$NT_B" ping -I "$src" -c 350 -i 0.2 -W 1 "$NT_A_IN_IP" \
		>"$NT_WORK/ping-$who.txt" 2>&1 &
	NT_PIDS+=("$!")
	eval "ping_$who=\$!"
done
# shellcheck disable=SC2154 # set by the eval above
wait "$ping_alice" "$ping_bob"
for who in alice bob; do
	log=$NT_WORK/$who.log
	nt_check "$who: DTLS rekey due" grep -q 'DTLS rekey due' "$log"
	nt_check "$who: the rehandshake did not fail" sh -c "! grep -q 'Rehandshake failed' '$log'"
	nt_check "$who: DTLS established again ($(grep -c 'Established DTLS connection' "$log") times)" \
		test "$(grep -c 'Established DTLS connection' "$log")" -ge 2
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NT_WORK/ping-$who.txt")
	nt_check "$who: pings through the rehandshake: ${got:-0} of 350 (at most 10 lost)" \
		test "${got:-0}" -ge 340
done
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls.txt"
nt_cli a show crypto protocol ssl statistics >"$NT_WORK/ssl.txt"
sed 's/^/     /' "$NT_WORK/dtls.txt"
grep -i rehandshake "$NT_WORK/ssl.txt" | sed 's/^/     /'
stat() { sed -n "s/^ *$1: //p" "$NT_WORK/dtls.txt"; }
nt_check "both rules updated in place (DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS $(stat DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS))" \
	test "$(stat DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS)" -eq 2
nt_check "... neither deleted nor added again" \
	test "$(stat DTLS_OFFLOAD_FLOW_IB_DEL_RULE)" -eq 0 -a "$(stat DTLS_OFFLOAD_FLOW_IB_ADD_RULE)" -eq 0
nt_check "both still in the engine" grep -q 'Offloaded sessions: 2 of 2' "$NT_WORK/dtls.txt"
nt_check "the headend counted two rehandshakes done" \
	grep -qE 'DTLS rehandshakes done \(rule updated\) +2$' "$NT_WORK/ssl.txt"
nt_check "no anti-replay drop in the engine ($(stat nvppu_dtls_anti_drop_cnt))" \
	test "$(stat nvppu_dtls_anti_drop_cnt)" -eq 0

nt_bg a "$NT_WORK/iperf-s.log" iperf3 -s -1 -B "$NT_A_IN_IP"
sleep 0.5
ib0=$(stat DTLS_OFFLOAD_IB_PKT_SUCCESS)
ip netns exec "$NT_B" timeout 20 iperf3 -c "$NT_A_IN_IP" -B "$B" -t 2 -J >"$NT_WORK/iperf.json" 2>&1
mbit=$(nt_iperf_mbit "$NT_WORK/iperf.json")
nt_check "iperf3 from bob at the new epoch: ${mbit:-no} Mbit/s" test "${mbit:-0}" -gt 0
nt_cli a show flow-offload-dtls statistics >"$NT_WORK/dtls.txt"
nt_check "... its records opened by the engine ($ib0 -> $(stat DTLS_OFFLOAD_IB_PKT_SUCCESS))" \
	test "$(stat DTLS_OFFLOAD_IB_PKT_SUCCESS)" -gt $((ib0 + 1000))
nt_check "the headend updated both TLS connections' keys (TLS 1.3 KeyUpdate)" \
	grep -qE 'TLS 1.3 key updates sent \(rekey ssl\) +([2-9]|[1-9][0-9]+)$' "$NT_WORK/ssl.txt"
nt_cli a vpn-sessiondb logoff name bob noconfirm >"$NT_WORK/logoff.txt"
nt_check "bob's openconnect was told over TLS after the key update and ended" nt_wait_pid "$bob_pid" 50
nt_check "... by the server's TERMINATE" grep -qi 'terminate' "$NT_WORK/bob.log"
nt_check "alice's openconnect still runs" kill -0 "$alice_pid"
kill "$alice_pid" 2>/dev/null
nt_wait_pid "$alice_pid" 50
nt_stop a
nt_done
