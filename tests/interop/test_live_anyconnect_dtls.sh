#!/bin/bash
# DTLS of the remote-access headend (src/ra/ra_dtls.c) against Debian's
# openconnect, before fpvpnd carries UDP 443: the headend runs inside
# tests/interop/ra_dtls_harness.c (its own TCP 443 listener, a plain UDP
# 443 socket, an inside that answers pings), not inside fpvpnd. Both
# keying modes: PSK-NEGOTIATE (openconnect's default) and the Cisco legacy
# master secret (--dtls12-ciphers sends no PSK-NEGOTIATE: AES256-GCM-SHA384
# and AES128-SHA; --dtls-ciphers=OC-DTLS1_2-AES128-GCM). Checked:
# "Established DTLS connection" with the suite, openconnect's MTU probe
# answered at full size, pings of 84 and 1328 bytes
# over DTLS (the harness counts DTLS data frames both ways), DTLS DPD
# answered, no fall-back to CSTP for data. A PSK round more and the CBC
# round with the harness as the datapath will be ("engine"): the rule
# taken after the handshake, records opened and sealed by fp_dtls_* with
# the keys libssl's session gives.
#
#  netns A: ra_dtls_harness on 198.51.100.1 (TCP and UDP 443)
#  netns B: openconnect, 198.51.100.2, tunnel octun0
#   bash tests/interop/test_live_anyconnect_dtls.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
NT_NO_FPVPND=1 # the headend runs in ra_dtls_harness, not in fpvpnd
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-dtls
nt_require openconnect
nt_require openssl
HARNESS="$NT_BUILD/tests/ra_dtls_harness"
[ -x "$HARNESS" ] || nt_skip "$HARNESS not built"
nt_topo_up

ac_cert
ac_script
ac_conf >"$NT_WORK/a.conf"

# round NAME [openconnect options]: the harness started, openconnect in the
# background, pings, both stopped; the harness's counters in NAME.stats.
round() {
	local name=$1 log="$NT_WORK/$1.log" pid hpid; shift
	nt_bg a "$NT_WORK/$name.stats" "$HARNESS" "$NT_WORK/a.conf" ${H_MODE:-}
	hpid=$NT_LAST_PID
	for _ in $(seq 50); do nt_in a ss -lun | grep -q "$NT_A_OUT_IP:443" && break; sleep 0.1; done
	ac_up "$name" 2 "$@"
	pid=$OC_PID
	mtu_ok() { grep -qE 'No change in MTU after detection|Detected MTU of 1[34][0-9][0-9] ' "$log" &&
		! grep -q 'declare MTU is' "$log"; }
	nt_check "$name: the MTU probe echoed ($(grep -oE '(No change in|Detected) MTU.*' "$log" | head -1))" mtu_ok
	ip netns exec "$NT_B" ping -c 5 -i 0.2 -W 2 10.1.0.1 >"$NT_WORK/$name-ping.txt" 2>&1
	nt_check "$name: 5 pings to 10.1.0.1" grep -q ' 5 received' "$NT_WORK/$name-ping.txt"
	ip netns exec "$NT_B" ping -c 3 -s 1300 -i 0.2 -W 2 10.1.0.1 >"$NT_WORK/$name-big.txt" 2>&1
	nt_check "$name: 3 pings of 1328 bytes" grep -q ' 3 received' "$NT_WORK/$name-big.txt"
	sleep 3 # --force-dpd=2: a DTLS DPD at least
	nt_check "$name: DTLS DPD answered" grep -q 'Got DTLS DPD response' "$log"
	nt_check "$name: no fall-back to CSTP" eval "! grep -qiE 'DTLS.*(dead|fail|disabled)' '$log'"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	sleep 0.5
	kill "$hpid" 2>/dev/null
	wait "$hpid" 2>/dev/null
	sed 's/^/     /' "$NT_WORK/$name.stats"
	stat() { sed -n "s/^$1 //p" "$NT_WORK/$name.stats"; }
	local by=dtls
	[ -n "${H_MODE:-}" ] && by=engine
	nt_check "$name: data frames in through $by ($(stat ${by}_data_rx)$(stat ${by}_data_in)) >= 8" \
		test "$(stat ${by}_data_rx)$(stat ${by}_data_in)" -ge 8
	nt_check "$name: data frames out through $by ($(stat ${by}_data_tx)$(stat ${by}_data_out)) >= 8" \
		test "$(stat ${by}_data_tx)$(stat ${by}_data_out)" -ge 8
	nt_check "$name: no DTLS handshake failed" test "$(stat dtls_hs_fail)" = 0
	nt_check "$name: the engine could take it (not software only)" test "$(stat dtls_software_only)" = 0
}

nt_say "PSK-NEGOTIATE (openconnect's default)"
round psk
nt_check "psk: the suite is a PSK one" grep -q 'Established DTLS connection.*PSK' "$NT_WORK/psk.log"

nt_say "legacy: the client's master secret, AES256-GCM-SHA384"
round legacy --dtls12-ciphers=AES256-GCM-SHA384
nt_check "legacy: AES-256-GCM" grep -q 'Established DTLS connection.*AES-256-GCM' "$NT_WORK/legacy.log"

nt_say "legacy with OpenConnect's name: X-DTLS-CipherSuite OC-DTLS1_2-AES128-GCM"
round legacy-oc --dtls-ciphers=OC-DTLS1_2-AES128-GCM
nt_check "legacy-oc: AES-128-GCM" grep -q 'Established DTLS connection.*AES-128-GCM' "$NT_WORK/legacy-oc.log"

nt_say "PSK-NEGOTIATE, the rule taken into the engine after the handshake"
H_MODE=engine round psk-engine
stat() { sed -n "s/^$1 //p" "$NT_WORK/psk-engine.stats"; }
nt_check "psk-engine: the engine answered DPD ($(stat engine_ctrl_in) in, $(stat engine_ctrl_out) out)" \
	test "$(stat engine_ctrl_out)" -ge 1
nt_check "psk-engine: no replay or verify failure" test "$(stat engine_replay_fail)$(stat engine_rcv_fail)" = 00
nt_check "psk-engine: libssl never wrote after the rule" test "$(stat dtls_write_frozen)" = 0

nt_say "legacy CBC: AES128-SHA, in the engine too"
H_MODE=engine round legacy-cbc --dtls12-ciphers=AES128-SHA
nt_check "legacy-cbc: AES-128-CBC" grep -q 'Established DTLS connection.*AES-128-CBC' "$NT_WORK/legacy-cbc.log"
stat() { sed -n "s/^$1 //p" "$NT_WORK/legacy-cbc.stats"; }
nt_check "legacy-cbc: no replay or verify failure in the engine" \
	test "$(stat engine_replay_fail)$(stat engine_rcv_fail)" = 00
nt_done
