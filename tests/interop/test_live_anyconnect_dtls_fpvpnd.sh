#!/bin/bash
# DTLS against fpvpnd itself (docs/remote-access.md, DTLS; docs/dtls-offload.md,
# wiring): Debian's openconnect, without --no-dtls, logs in over TLS, gets the
# X-DTLS-* offer, and brings DTLS up on UDP 443 of fpvpnd's outside address;
# the handshake runs in the headend's libssl (gw->dtls_punt), its answers
# leave by the datapath, and once it is done the session's records are the
# engine's rule (flow-offload-dtls) or the software pipe's (no
# flow-offload-dtls). Rounds: PSK-NEGOTIATE, legacy AES256-GCM-SHA384 and AES128-SHA with
# flow-offload-dtls; PSK-NEGOTIATE without, then flow-offload-dtls typed with
# the session up (its rule moves to the engine). Checked each time: "Established
# DTLS connection", pings of 84 and 1328 bytes, the rule's data counters in
# show asp table socket, the session listed there, show flow-offload-dtls
# statistics.
#
#  netns A: fpvpnd, outside 198.51.100.1 (TCP and UDP 443), inside TUN 10.1.0.1/24
#  netns B: openconnect, 198.51.100.2, tunnel octun0
#   bash tests/interop/test_live_anyconnect_dtls_fpvpnd.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect-dtls-fpvpnd
nt_require openconnect
nt_require openssl
nt_require ping iputils-ping
nt_topo_up

ac_cert
ac_script

# round NAME [openconnect options]: openconnect up with DTLS, pings, the
# gateway's views saved (NAME-socket.txt, NAME-dtls.txt), openconnect stopped.
round() {
	local name=$1 log="$NT_WORK/$1.log" pid id; shift
	nt_cli a clear flow-offload-dtls statistics >/dev/null
	ac_up "$name" 1 "$@"
	pid=$OC_PID
	sleep 0.5 # the rule follows the client's first record at the new epoch
	ip netns exec "$NT_B" ping -c 5 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/$name-ping.txt" 2>&1
	nt_check "$name: 5 pings to $NT_A_IN_IP" grep -q ' 5 received' "$NT_WORK/$name-ping.txt"
	ip netns exec "$NT_B" ping -c 3 -s 1300 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/$name-big.txt" 2>&1
	nt_check "$name: 3 pings of 1328 bytes" grep -q ' 3 received' "$NT_WORK/$name-big.txt"
	# --force-dpd=1: a DTLS DPD at least, answered by the headend through the rule
	for _ in $(seq 40); do grep -q 'Got DTLS DPD response' "$log" && break; sleep 0.1; done
	nt_check "$name: DTLS DPD answered" grep -q 'Got DTLS DPD response' "$log"
	nt_cli a show asp table socket >"$NT_WORK/$name-socket.txt"
	nt_cli a show flow-offload-dtls statistics >"$NT_WORK/$name-dtls.txt"
	id=$(awk '/CONNECTED/ && /198\.51\.100\.2:/ { print $2; exit }' "$NT_WORK/$name-socket.txt")
	nt_check "$name: show asp table socket lists the client (${id:-none})" test -n "$id"
	nt_cli a show asp table socket "${id:-0}" detail >"$NT_WORK/$name-rule.txt"
	sed 's/^/     /' "$NT_WORK/$name-socket.txt" "$NT_WORK/$name-rule.txt"
	# data_pkts WAY: the rule's Data Pkts of Upstream (client to us) or Downstream
	data_pkts() { awk -v w="$1:" '$0 == w { f = 1 } f && /^Data Pkts/ { split($3, a, "/"); print a[1]; exit }' \
		"$NT_WORK/$name-rule.txt"; }
	nt_check "$name: the rule opened the client's data ($(data_pkts Upstream) >= 8)" \
		test "$(data_pkts Upstream)" -ge 8
	nt_check "$name: the rule sealed the replies ($(data_pkts Downstream) >= 8)" \
		test "$(data_pkts Downstream)" -ge 8
	nt_check "$name: no fall-back to CSTP" eval "! grep -qiE 'DTLS.*(dead|fail|disabled)' '$log'"
	# show vpn-sessiondb: the DTLS tunnel, and its packets as the rule counted them
	nt_cli a show vpn-sessiondb detail anyconnect >"$NT_WORK/$name-sess.txt"
	nt_check "$name: vpn-sessiondb: AnyConnect-Parent SSL-Tunnel DTLS-Tunnel" \
		grep -q 'Protocol *: AnyConnect-Parent SSL-Tunnel DTLS-Tunnel' "$NT_WORK/$name-sess.txt"
	dtls_rx=$(awk '/^DTLS-Tunnel:/ { f = 1 } f && /Pkts Rx/ { print $NF; exit }' "$NT_WORK/$name-sess.txt")
	nt_check "$name: vpn-sessiondb's DTLS-Tunnel Pkts Rx ($dtls_rx) = the rule's Upstream Data Pkts ($(data_pkts Upstream))" \
		test "${dtls_rx:-x}" = "$(data_pkts Upstream)"
	grep -A14 '^DTLS-Tunnel:' "$NT_WORK/$name-sess.txt" | sed 's/^/     /'
	[ -z "${ROUND_MORE:-}" ] || "$ROUND_MORE" "$name" # with the session still up
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
# dtls_stat NAME COUNTER: a show flow-offload-dtls statistics counter of round NAME
dtls_stat() { sed -n "s/^ *$2: //p" "$NT_WORK/$1-dtls.txt"; }
# offloaded NAME: the engine pipes opened and sealed the round's pings
offloaded() {
	sed 's/^/     /' "$NT_WORK/$1-dtls.txt"
	nt_check "$1: engine inbound records ($(dtls_stat "$1" DTLS_OFFLOAD_IB_PKT_SUCCESS)) >= 8" \
		test "$(dtls_stat "$1" DTLS_OFFLOAD_IB_PKT_SUCCESS)" -ge 8
	nt_check "$1: engine outbound records ($(dtls_stat "$1" DTLS_OFFLOAD_OB_PKT_SUCCESS)) >= 8" \
		test "$(dtls_stat "$1" DTLS_OFFLOAD_OB_PKT_SUCCESS)" -ge 8
	nt_check "$1: the DPD frames went by the engine (control in/out punted and sent)" \
		test "$(dtls_stat "$1" DTLS_OFFLOAD_CONTROL_OUT_PKT)" -ge 1
}

nt_say "flow-offload-dtls: PSK-NEGOTIATE"
ac_conf flow-offload-dtls >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
round psk
nt_check "psk: the suite is a PSK one" grep -q 'Established DTLS connection.*PSK' "$NT_WORK/psk.log"
offloaded psk

nt_say "flow-offload-dtls: legacy AES256-GCM-SHA384"
round legacy --dtls12-ciphers=AES256-GCM-SHA384
nt_check "legacy: AES-256-GCM" grep -q 'Established DTLS connection.*AES-256-GCM' "$NT_WORK/legacy.log"
offloaded legacy

nt_say "flow-offload-dtls: legacy AES128-GCM-SHA256"
round legacy128 --dtls12-ciphers=AES128-GCM-SHA256
nt_check "legacy128: AES-128-GCM" grep -q 'Established DTLS connection.*AES-128-GCM' "$NT_WORK/legacy128.log"
offloaded legacy128

nt_say "flow-offload-dtls: openconnect's own AES-128-GCM name (OC-DTLS1_2-AES128-GCM)"
round oc128 --dtls-ciphers=OC-DTLS1_2-AES128-GCM
nt_check "oc128: AES-128-GCM" grep -q 'Established DTLS connection.*AES-128-GCM' "$NT_WORK/oc128.log"
offloaded oc128

nt_say "flow-offload-dtls: legacy AES128-SHA (CBC, MAC-then-encrypt in the engine)"
round cbc --dtls12-ciphers=AES128-SHA
nt_check "cbc: AES-128-CBC" grep -q 'Established DTLS connection.*AES-128-CBC' "$NT_WORK/cbc.log"
offloaded cbc

nt_say "flow-offload-dtls: legacy AES256-SHA"
round cbc256 --dtls12-ciphers=AES256-SHA
nt_check "cbc256: AES-256-CBC" grep -q 'Established DTLS connection.*AES-256-CBC' "$NT_WORK/cbc256.log"
offloaded cbc256
nt_stop a

nt_say "no flow-offload-dtls: PSK-NEGOTIATE on the software pipe's rule"
ac_conf >"$NT_WORK/a.conf"
nt_start a "$NT_WORK/a.conf"
# switch_on NAME: flow-offload-dtls typed with the session up: its rule
# moves from the software pipe to an engine pipe, the pings go on there
switch_on() {
	local out
	out=$(printf 'configure terminal\nflow-offload-dtls\nend\n' | nt_cli_lines a 2>&1)
	nt_check "$1: flow-offload-dtls typed live (${out:-no output})" \
		eval "! grep -qiE 'refus|cannot|error' <<<\"\$out\""
	nt_cli a clear flow-offload-dtls statistics >/dev/null
	ip netns exec "$NT_B" ping -c 5 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/$1-on-ping.txt" 2>&1
	nt_check "$1: 5 pings after the switch" grep -q ' 5 received' "$NT_WORK/$1-on-ping.txt"
	nt_cli a show flow-offload-dtls statistics >"$NT_WORK/$1-on-dtls.txt"
	nt_check "$1: the rule moved to the engine" grep -q 'Offloaded sessions: 1 of 1' "$NT_WORK/$1-on-dtls.txt"
	nt_check "$1: engine records after the switch ($(dtls_stat "$1-on" DTLS_OFFLOAD_IB_PKT_SUCCESS) in) >= 5" \
		test "$(dtls_stat "$1-on" DTLS_OFFLOAD_IB_PKT_SUCCESS)" -ge 5
	nt_check "$1: no replay drop at the move ($(dtls_stat "$1-on" nvppu_dtls_anti_drop_cnt))" \
		test "$(dtls_stat "$1-on" nvppu_dtls_anti_drop_cnt)" = 0
}
ROUND_MORE=switch_on round soft
nt_check "soft: nothing in the engine pipes" grep -q 'Offloaded sessions: 0 of 1' "$NT_WORK/soft-dtls.txt"
nt_stop a
nt_done
