#!/bin/bash
# Bad input on fpvpnd's control socket (docs/testing.md, docs/cli.md). After
# each case `show ipsec stats` still answers on a new connection, the
# daemon is alive, and at the end traffic still crosses the tunnel, the
# running configuration is unchanged and no descriptor leaked.
#   1. unknown commands, abbreviations that are ambiguous, lone '?'
#   2. a 100 KB line (then a good line on the same connection)
#   3. 4 KB of binary garbage from /dev/urandom, and NUL/escape bytes
#   4. clients that disconnect mid-line, mid-answer, right after connecting
#   5. a client that asks for megabytes of output and never reads
#   6. more connections than the daemon takes sessions (16), held idle, or
#      trickling a byte at a time: a new client still gets in
#   7. configure mode fed garbage, then end
#   8. 500 connect/close cycles (descriptor leak)
#   bash tests/interop/test_live_control.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-control
nt_require ping iputils-ping
nt_sites_up
SOCK=${NT_SOCK[a]}
PID=${NT_FPVPND_PID[a]}
ctl() { timeout 20 "$NT_PY" "$NT_LIB_DIR/fpctl.py" -s "$SOCK" "$@"; }

# still_serving WHAT: the daemon lives and answers a new client
still_serving() {
	local out
	out=$(nt_cli a show ipsec stats 2>&1)
	nt_check "after $1: fpvpnd alive" nt_alive a
	nt_check "after $1: show ipsec stats answers" grep -q "IPsec Global Statistics" <<<"$out"
}

fds0=$(ls /proc/"$PID"/fd | wc -l)
run0=$(nt_cli a show running-config)

nt_say "1. unknown and malformed commands"
for line in "foo" "show foo bar" "sh cry i s" "show crypto ipsec sa peer 300.1.1.1" "?" "show ?" \
	"clear" "configure" "show crypto ipsec sa peer" "$(printf 'show\tipsec\tstats')"; do
	out=$(nt_cli a $line 2>&1)
	rc=$?
	echo "     '$line' -> status $rc: $(head -c 120 <<<"$out" | tr '\n' '|')"
done
out=$(nt_cli a foo 2>&1)
rc=$?
nt_check "unknown command 'foo' answered 'Invalid input'" grep -q 'Invalid input' <<<"$out"
nt_check "unknown command: fpvpn exits 1 (got $rc)" test $rc = 1
ctl foo >/dev/null 2>&1
rc=$?
nt_check "unknown command: the protocol's status is 1 (fpctl exit $rc)" test $rc = 1
still_serving "unknown commands"

nt_say "2. a 100 KB line, then a good one on the same connection"
"$NT_PY" - "$SOCK" >"$NT_WORK/long.txt" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b"show " + b"A" * 100000 + b"\n" + b"show ipsec stats\n")
buf = b""
try:
    while buf.count(b"\0") < 2:
        c = s.recv(65536)
        if not c: break
        buf += c
except socket.timeout:
    pass
print("replies:", buf.count(b"\0"), "bytes:", len(buf))
print(buf.replace(b"\0", b"<END>").decode(errors="replace")[:300])
PY
sed 's/^/     /' "$NT_WORK/long.txt" | head -6
nt_check "100 KB line refused with an error, the connection goes on" grep -q "replies: 2" "$NT_WORK/long.txt"
nt_check "the good line after it answered" grep -q "IPsec Global Statistics" "$NT_WORK/long.txt"
still_serving "a 100 KB line"

nt_say "3. binary garbage"
head -c 4096 /dev/urandom | ctl --raw --timeout 2 >"$NT_WORK/garbage.txt" 2>&1
echo "     4 KB of /dev/urandom -> $(wc -c <"$NT_WORK/garbage.txt") bytes back, $(grep -c '<END>' "$NT_WORK/garbage.txt") replies"
still_serving "4 KB of random bytes"
printf 'show ipsec\0 stats\nshow \033[2J ipsec stats\n\001complete \377\376\nshow ipsec stats\n' |
	ctl --raw --timeout 2 >"$NT_WORK/nul.txt" 2>&1
nt_check "NUL/escape/0xff lines answered, then a good line" grep -q "IPsec Global Statistics" "$NT_WORK/nul.txt"
still_serving "NUL and escape bytes"
head -c 65536 /dev/zero | ctl --raw --timeout 2 >/dev/null 2>&1
still_serving "64 KB of NUL bytes"

nt_say "4. clients that go away"
"$NT_PY" - "$SOCK" <<'PY'
import socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); return s
s = conn(); s.sendall(b"show crypto ipsec s"); s.close()              # mid-line
s = conn(); s.sendall(b"show crypto ipsec sa\n" * 200); s.close()     # before the answers
s = conn(); s.close()                                                 # nothing at all
s = conn(); s.sendall(b"configure terminal\nno flow-offload-ipsec egress-optimiz"); s.close()  # mid config line
s = conn(); s.sendall(b"show running-config\n"); s.recv(10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0"); s.close()   # RST mid-answer
time.sleep(0.5)
PY
still_serving "clients that disconnect mid-command"
nt_check "egress-optimization unchanged by a half line" \
	grep -qx 'flow-offload-ipsec egress-optimization' <<<"$(nt_cli a show running-config)"

nt_say "5. a client that asks for megabytes and never reads"
"$NT_PY" - "$SOCK" >"$NT_WORK/noread.txt" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
sent = 0
try:
    for i in range(20000):
        s.sendall(b"show crypto ipsec sa\n"); sent += 1
except Exception as e:
    print("sending stopped after", sent, "lines:", type(e).__name__)
time.sleep(3)   # never read; the daemon must not wait for us
print("sent", sent)
PY
noread=$!
sleep 2
t0=$(date +%s%N)
still_serving "a client that does not read"
t1=$(date +%s%N)
nt_check "the other client was answered within 2 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 2000
wait $noread
sed 's/^/     /' "$NT_WORK/noread.txt"

nt_say "6. 20 idle connections (the daemon takes 16 sessions)"
"$NT_PY" - "$SOCK" >"$NT_WORK/idle.txt" 2>&1 <<'PY' &
import socket, sys, time
held = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sys.argv[1]); held.append(s)
    except OSError as e:
        print("connect", i, "failed:", e)
print("holding", len(held), flush=True)
time.sleep(3)
PY
idle=$!
sleep 1
out=$(nt_cli a show ipsec stats 2>&1)
echo "     while 20 idle clients hold connections: $(head -1 <<<"$out")"
nt_check "a new client is answered while 20 idle clients hold connections" \
	grep -q "IPsec Global Statistics" <<<"$out"
wait $idle
sed 's/^/     /' "$NT_WORK/idle.txt"
still_serving "20 idle connections, closed"

nt_say "6b. 16 clients trickling a byte every 0.2 s (bytes are not commands)"
"$NT_PY" - "$SOCK" >"$NT_WORK/trickle.txt" 2>&1 <<'PY' &
import socket, sys, time
held = []
for i in range(16):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); held.append(s)
for r in range(15):
    for s in held:
        try: s.send(b"s")
        except OSError: pass
    time.sleep(0.2)
PY
trickle=$!
sleep 1
t0=$(date +%s%N)
out=$(nt_cli a show ipsec stats 2>&1)
t1=$(date +%s%N)
nt_check "a new client is answered at once while 16 clients trickle bytes ($(((t1 - t0) / 1000000)) ms)" \
	grep -q "IPsec Global Statistics" <<<"$out"
wait $trickle
still_serving "16 trickling clients"

nt_say "7. configure mode fed garbage"
{
	echo "configure terminal"
	echo "interface eth9"
	echo "crypto map CM 10 set peer 1.2.3.4"
	echo "access-list X extended permit ip any any"
	echo "no no no"
	head -c 300 /dev/urandom | tr -dc 'a-z -' | fold -w 60
	echo
	echo "hostname"
	echo "end"
	echo "show ipsec stats"
} | ctl >"$NT_WORK/config.txt" 2>&1
nt_check "configure garbage: session ends in exec mode and answers" grep -q "IPsec Global Statistics" "$NT_WORK/config.txt"
run1=$(nt_cli a show running-config)
nt_check "running-config unchanged by the garbage" test "$run0" = "$run1"
[ "$run0" = "$run1" ] || diff <(echo "$run0") <(echo "$run1") | head -10
still_serving "configure garbage"

nt_say "8. 500 connect/close cycles"
"$NT_PY" - "$SOCK" <<'PY'
import socket, sys
for i in range(500):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    if i % 2: s.sendall(b"show ipsec stats\n")
    s.close()
PY
sleep 1
still_serving "500 short connections"
fds1=$(ls /proc/"$PID"/fd | wc -l)
nt_check "no descriptor leaked ($fds0 -> $fds1)" test "$fds1" -le "$fds0"

nt_ping a 5
nt_check "traffic still crosses the tunnel ($(nt_ping_received a)/5)" test "$(nt_ping_received a)" = 5
nt_stop a
nt_stop b
nt_done
