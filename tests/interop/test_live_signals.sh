#!/bin/bash
# Signals and a second instance (docs/testing.md, "Hostile cases covered"):
#   1. SIGHUP with the file unchanged: nothing changes, fpvpnd lives
#   2. SIGHUP after a live change in the file (hostname, no
#      flow-offload-ipsec): applied as configure terminal applies it
#   3. SIGHUP after a change that needs a restart (an access-list entry), or
#      with a file that does not parse: nothing applied, the log says why
#   4. SIGHUP after the --log file was moved away: a new log file
#   5. SIGUSR1 (a status line), SIGUSR2 and SIGPIPE: ignored, fpvpnd lives
#   6. a second fpvpnd on the same addresses: refuses before binding
#      anything, names the address and port and the first one's pid; the
#      first one's traffic and control socket are untouched
#   7. a fatal signal it does not handle (SIGABRT: a background job of a
#      script inherits SIGQUIT ignored) kills it: the control socket stays
#      behind, the next start replaces it
# Traffic crosses the tunnel after each case.
#   bash tests/interop/test_live_signals.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-signals
nt_require ping iputils-ping
nt_require ss iproute2
nt_topo_up
nt_conf a "$NT_WORK/a.conf"
nt_conf b "$NT_WORK/b.conf"
LOG=$NT_WORK/a-file.log
nt_start a "$NT_WORK/a.conf" --log "$LOG"
nt_start b "$NT_WORK/b.conf"
PID=${NT_FPVPND_PID[a]}

# crosses WHAT: pings from A reach B through the tunnel
crosses() {
	nt_ping a 5
	nt_check "after $1: 5 pings cross" test "$(nt_ping_received a)" = 5
}
# hup_says TEXT: SIGHUP, then TEXT in the log within 5 s
hup_says() {
	local n0
	n0=$(grep -c 'SIGHUP' "$LOG" 2>/dev/null)
	kill -HUP "$PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'SIGHUP' "$LOG" 2>/dev/null)" -gt "$n0" ] && break
		sleep 0.1
	done
	tail -n 1 "$LOG" | sed 's/^/     log: /'
	tail -n 1 "$LOG" | grep -q -- "$1"
}
answers() { nt_cli a show ipsec stats >/dev/null; }
crosses "start"

nt_say "1. SIGHUP, file unchanged"
run0=$(nt_cli a show running-config)
nt_check "SIGHUP: reloaded" hup_says "configuration $NT_WORK/a.conf reloaded"
nt_check "SIGHUP: fpvpnd alive" nt_alive a
nt_check "SIGHUP: running configuration unchanged" test "$(nt_cli a show running-config)" = "$run0"
crosses "SIGHUP"

nt_say "2. SIGHUP after a change that applies live"
cp "$NT_WORK/a.conf" "$NT_WORK/a.conf.orig"
sed -i -e 's/^hostname site-a$/hostname site-a-hup/' -e 's/^flow-offload-ipsec$/no flow-offload-ipsec/' \
	"$NT_WORK/a.conf"
nt_check "SIGHUP: reloaded" hup_says "reloaded"
run=$(nt_cli a show running-config)
nt_check "hostname from the file" grep -q '^hostname site-a-hup' <<<"$run"
nt_check "no flow-offload-ipsec from the file" grep -q '^no flow-offload-ipsec' <<<"$run"
nt_check "the SAs left the engine" bash -c "! grep -qw OFFLOADED <<<\"\$1\"" _ "$(nt_cli a show crypto ipsec sa)"
crosses "a live change"
cp "$NT_WORK/a.conf.orig" "$NT_WORK/a.conf"
nt_check "SIGHUP: back as it was" hup_says "reloaded"
nt_check "the SAs are in the engine again" grep -qw OFFLOADED <<<"$(nt_cli a show crypto ipsec sa)"

nt_say "3. SIGHUP after a change that needs a restart, and a broken file"
sed -i 's/^access-list VPN extended permit ip .*/&\naccess-list VPN extended permit ip host 10.9.9.9 any/' \
	"$NT_WORK/a.conf"
nt_check "SIGHUP: refused, naming what differs" hup_says "access-lists differ"
nt_check "running configuration unchanged" test "$(nt_cli a show running-config)" = "$run0"
printf 'crypto map CM 10 set peer\n' >>"$NT_WORK/a.conf"
nt_check "SIGHUP: parse error with file and line" hup_says "not reloaded: $NT_WORK/a.conf:[0-9]*:"
nt_check "running configuration unchanged" test "$(nt_cli a show running-config)" = "$run0"
cp "$NT_WORK/a.conf.orig" "$NT_WORK/a.conf"
crosses "refused reloads"

nt_say "4. SIGHUP opens a moved log again"
mv "$LOG" "$LOG.1"
kill -HUP "$PID"
for _ in $(seq 50); do [ -s "$LOG" ] && break; sleep 0.1; done
nt_check "a new log file, with the reload in it" grep -q "reloaded" "$LOG"
nt_check "the new log is mode 600" test "$(stat -c %a "$LOG")" = 600

nt_say "5. SIGUSR1, SIGUSR2, SIGPIPE"
kill -USR1 "$PID"
kill -USR2 "$PID"
kill -PIPE "$PID"
sleep 0.5
nt_check "SIGUSR1: a status line" grep -q "running: .* tunnel(s)" "$LOG"
nt_check "SIGUSR2: said ignored" grep -q "User defined signal 2 ignored" "$LOG"
nt_check "fpvpnd alive after USR1, USR2, PIPE" nt_alive a
crosses "USR1, USR2, PIPE"

nt_say "6. a second fpvpnd on the same addresses"
udp0=$(nt_in a ss -Huanp | grep -c fpvpnd)
rc=0
nt_in a timeout 20 "$NT_FPVPND" -c "$NT_WORK/a.conf" -s "${NT_SOCK[a]}" >"$NT_WORK/second.log" 2>&1 || rc=$?
sed 's/^/     /' "$NT_WORK/second.log"
nt_check "second instance exits 1 (got $rc)" test "$rc" = 1
nt_check "it names the address and port in use" grep -q "UDP $NT_A_OUT_IP:[0-9]* on outside ($NT_AOUT) is in use" "$NT_WORK/second.log"
nt_check "it names the first one's pid" grep -q "another fpvpnd (pid $PID) runs" "$NT_WORK/second.log"
rc=0
nt_in a timeout 20 "$NT_FPVPND" -c "$NT_WORK/a.conf" -s "$NT_WORK/second.sock" >"$NT_WORK/second2.log" 2>&1 || rc=$?
nt_check "with its own socket: exits 1 too (got $rc)" test "$rc" = 1
nt_check "and left no socket behind" test ! -e "$NT_WORK/second.sock"
nt_check "no UDP socket joined the first one's" test "$(nt_in a ss -Huanp | grep -c fpvpnd)" = "$udp0"
nt_check "the first one's control socket still answers" answers
nt_check "the first one holds its state file's lock" bash -c "! flock -n '$NT_WORK/a.conf.state.lock' true"
nt_check "the lock names its pid" grep -qx "$PID" "$NT_WORK/a.conf.state.lock"
crosses "a second instance"

nt_say "7. SIGABRT, then a start over the socket left behind"
ulimit -c 0
kill -ABRT "$PID"
nt_check "SIGABRT: fpvpnd died" nt_wait_pid "$PID" 100
nt_check "SIGABRT: the control socket was left behind" test -S "${NT_SOCK[a]}"
NT_FPVPND_PID[a]=""
nt_start a "$NT_WORK/a.conf"
nt_check "the next start replaced it and answers" answers
nt_stop a
nt_stop b
nt_done
