#!/bin/bash
# A crashed fpvpnd comes back without reusing a nonce (docs/configuration.md,
# "Manual keys"): AES-GCM manual keys, pings A -> B, then kill -9 site A's
# fpvpnd and start it again with B left running. A must go on from the
# state file beside its configuration: pings pass again within a few
# seconds, B counts no (or only the few in-flight) replay drops, and a
# capture on the wire shows every ESP sequence number A sent after the
# restart above every one it sent before (the AES-GCM nonce is the
# sequence number: one seen twice is two ciphertexts under one nonce).
# Then a clean stop (SIGTERM) and start: A goes on with exactly the next
# number; and once more with the crypto map renamed and renumbered (the
# numbers belong to the key, not to the entry). The state file is 0600 and
# holds no key.
#
#   netns A: fpvpnd (killed, restarted)      netns B: fpvpnd (left running)
#   fpa-out 198.51.100.1 ================== fpb-out 198.51.100.2  <- tcpdump (ESP from A)
#
#   bash tests/interop/test_live_restart.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-restart
nt_require ping iputils-ping
nt_require tcpdump
nt_topo_up

PINGS=20
NT_XFORM=gcm256 nt_conf a "$NT_WORK/a.conf"
NT_XFORM=gcm256 nt_conf b "$NT_WORK/b.conf"
STATE=$NT_WORK/a.conf.state

# what A sends, seen on B's end of the wire
nt_bg b "$NT_WORK/tcpdump.log" tcpdump -i "$NT_BOUT" -n -U -w "$NT_WORK/wire.pcap" "esp and src $NT_A_OUT_IP"
TCPDUMP=$NT_LAST_PID
for _ in $(seq 50); do grep -q listening "$NT_WORK/tcpdump.log" && break; sleep 0.1; done

replays_b() { nt_cli b show ipsec stats | awk '/Replay failures:/ { s += $3 } END { print s + 0 }'; }
# A's sequence numbers on the wire so far: "TIME SPI SEQ" lines
wire() { "$NT_PY" "$NT_ROOT/tests/interop/esp_seqs.py" "$NT_WORK/wire.pcap"; }
# the wire so far into FILE ($2); "LAST NEXT": A's last number before time $1, its first after
seq_around() {
	wire >"$2"
	awk -v t="$1" '$1 < t { s = $3 } $1 >= t && n == "" { n = $3 } END { print s + 0, n }' "$2"
}
# seconds until a ping A -> B is answered, or 99
first_ping() {
	local t0 i; t0=$(date +%s.%N)
	for i in $(seq 20); do
		if nt_in a ping -n -q -c 1 -W 1 -I "$NT_A_IN_IP" "$NT_B_IN_IP" >/dev/null 2>&1; then
			echo "$(date +%s.%N) - $t0" | bc
			return 0
		fi
	done
	echo 99
}

nt_say "before: $PINGS pings A -> B"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf"
nt_check "a: says how many tunnels continued (none: first start)" grep -q "0 of 1 tunnel(s) continued" "${NT_LOG[a]}"
nt_ping a $PINGS
nt_check "$PINGS pings A -> B answered ($(nt_ping_received a) received)" test "$(nt_ping_received a)" = $PINGS
nt_check "state file $STATE is there" test -f "$STATE"
nt_check "state file mode is 0600 ($(stat -c %a "$STATE" 2>/dev/null))" test "$(stat -c %a "$STATE" 2>/dev/null)" = 600
for k in "${NT_K_AB:0:72}" "${NT_K_BA:0:72}"; do
	nt_check "state file holds no key" bash -c "test -f '$STATE' && ! grep -qi '${k:0:32}' '$STATE'"
done
echo "     $(grep -v '^#' "$STATE")"

nt_say "kill -9 site A, start it again (B keeps running)"
rep0=$(replays_b)
sleep 0.3 # the last packets on the wire before the kill
t_kill=$(date +%s.%N)
kill -KILL "${NT_FPVPND_PID[a]}"
wait "${NT_FPVPND_PID[a]}" 2>/dev/null
nt_in a ip link del "$NT_TUN" 2>/dev/null # kill -9 leaves the TUN device behind
nt_start a "$NT_WORK/a.conf"
nt_check "a: continued from saved state after the crash" grep -q "1 of 1 tunnel(s) continued" "${NT_LOG[a]}"
secs=$(first_ping)
nt_check "a ping A -> B is answered again ${secs} s after the restart (within 5 s)" test "$(echo "$secs < 5" | bc)" = 1
nt_ping a $PINGS
nt_check "after the crash: $PINGS pings A -> B answered ($(nt_ping_received a) received)" test "$(nt_ping_received a)" = $PINGS
rep1=$(replays_b)
nt_check "b: replay drops after the restart: $((rep1 - rep0)) (at most 2)" test $((rep1 - rep0)) -le 2

sleep 1 # tcpdump writes what it saw
wire >"$NT_WORK/seqs-crash.txt"
last_before=$(awk -v t="$t_kill" '$1 < t { s = $3 } END { print s + 0 }' "$NT_WORK/seqs-crash.txt")
first_after=$(awk -v t="$t_kill" '$1 >= t { print $3; exit }' "$NT_WORK/seqs-crash.txt")
n_before=$(awk -v t="$t_kill" '$1 < t' "$NT_WORK/seqs-crash.txt" | wc -l)
n_after=$(awk -v t="$t_kill" '$1 >= t' "$NT_WORK/seqs-crash.txt" | wc -l)
echo "     wire: $n_before ESP packets from A before the kill (last seq $last_before), $n_after after (first seq ${first_after:-none})"
nt_check "wire: A's first sequence number after the crash (${first_after:-none}) is above its last before ($last_before)" \
	test "${first_after:-0}" -gt "$last_before"
dups=$(awk '{ print $2, $3 }' "$NT_WORK/seqs-crash.txt" | sort | uniq -d | wc -l)
nt_check "wire: no (SPI, sequence number) sent twice by A: $dups seen twice" test "$dups" = 0

nt_say "clean stop (SIGTERM) and start: nothing skipped"
t_stop=$(date +%s.%N)
nt_stop a
nt_start a "$NT_WORK/a.conf"
nt_ping a 5
nt_check "after a clean restart: 5 pings A -> B answered" test "$(nt_ping_received a)" = 5
sleep 1 # tcpdump writes what it saw
read -r last next <<<"$(seq_around "$t_stop" "$NT_WORK/seqs-clean.txt")"
nt_check "wire: after the clean restart A sends ${next:-none}, right after ${last:-none}" test "${next:-0}" = $((last + 1))
rep2=$(replays_b)
nt_check "b: no replay drop after the clean restart ($((rep2 - rep1)))" test "$rep2" = "$rep1"

nt_say "crypto map renamed and renumbered (CM 10 -> VP 20), same keys: A goes on, never from 1"
sed -e 's/^crypto map CM 10 /crypto map VP 20 /' -e 's/^crypto map CM interface /crypto map VP interface /' \
	"$NT_WORK/a.conf" >"$NT_WORK/a-renamed.conf"
t_ren=$(date +%s.%N)
nt_stop a
nt_start a "$NT_WORK/a-renamed.conf" --state "$STATE"
nt_check "a: the renamed entry continued from saved state" grep -q "1 of 1 tunnel(s) continued" "${NT_LOG[a]}"
nt_ping a 5
nt_check "after the rename: 5 pings A -> B answered" test "$(nt_ping_received a)" = 5
sleep 1 # tcpdump writes what it saw
read -r last next <<<"$(seq_around "$t_ren" "$NT_WORK/seqs-renamed.txt")"
nt_check "wire: after the rename A sends ${next:-none}, right after ${last:-none}" test "${next:-0}" = $((last + 1))
dups=$(awk '{ print $2, $3 }' "$NT_WORK/seqs-renamed.txt" | sort | uniq -d | wc -l)
nt_check "wire: no (SPI, sequence number) sent twice by A in the whole run: $dups seen twice" test "$dups" = 0
rep3=$(replays_b)
nt_check "b: no replay drop after the rename ($((rep3 - rep2)))" test "$rep3" = "$rep2"

kill -TERM "$TCPDUMP" 2>/dev/null
nt_stop a
nt_stop b
nt_done
