#!/bin/bash
# Remote access (docs/remote-access.md): Debian's openconnect logs in to
# fpvpnd over TLS with a password (--no-dtls: CSTP only), gets an address
# from the pool and the split-include route, pings the gateway's inside
# host through the tunnel, and logs off (the CSTP DISCONNECT ends the
# session). A wrong password is refused and counted.
#
#  netns A: fpvpnd, outside 198.51.100.1 (TLS on 443), inside TUN tun-in 10.1.0.1/24
#  netns B: openconnect, 198.51.100.2, tunnel octun0 with a pool address 10.3.0.x
#   bash tests/interop/test_live_anyconnect.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/anyconnect.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-anyconnect
nt_require openconnect
nt_require openssl
nt_require ping iputils-ping
nt_require iperf3
nt_topo_up

RA_USER=alice
RA_PASS='s3cr&t$"<x>;|`' # shell- and XML-hostile on purpose
POOL_NET=10.3.0

nt_say "certificate, configuration, fpvpnd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=$NT_A_OUT_IP" -keyout "$NT_WORK/headend.key" -out "$NT_WORK/headend.crt" \
	>/dev/null 2>&1 || nt_die "openssl could not make the test certificate"
chmod 600 "$NT_WORK/headend.key"
# a CA for client certificates, bob's certificate from it, and one from a CA nobody trusts
# mkcert NAME CN [CA]: NAME.key and NAME.crt, self-signed without CA
mkcert() {
	local ca=${3:-}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$NT_WORK/$1.key" -out "$NT_WORK/$1.csr" >/dev/null 2>&1 &&
	if [ -n "$ca" ]; then
		openssl x509 -req -in "$NT_WORK/$1.csr" -CA "$NT_WORK/$ca.crt" -CAkey "$NT_WORK/$ca.key" \
			-CAcreateserial -days 2 -out "$NT_WORK/$1.crt" >/dev/null 2>&1
	else
		openssl x509 -req -in "$NT_WORK/$1.csr" -signkey "$NT_WORK/$1.key" -days 2 \
			-extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n') \
			-out "$NT_WORK/$1.crt" >/dev/null 2>&1
	fi || nt_die "openssl could not make certificate $1"
}
mkcert ca "Test CA"
mkcert bob bob ca
mkcert rogue-ca "Rogue CA"
mkcert mallory bob rogue-ca
PIN=$(openssl x509 -in "$NT_WORK/headend.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
cat >"$NT_WORK/a.conf" <<CONF
hostname headend
interface $NT_AOUT
 nameif outside
 ip address $NT_A_OUT_IP 255.255.255.0
interface $NT_TUN
 nameif inside
 ip address $NT_A_IN_IP 255.255.255.0
ip local pool POOL $POOL_NET.100-$POOL_NET.150 mask 255.255.255.0
access-list SPLIT standard permit 10.1.0.0 255.255.255.0
crypto ca trustpoint TP
 enrollment terminal
 certificate-file $NT_WORK/headend.crt
 private-key-file $NT_WORK/headend.key
 ca-file $NT_WORK/ca.crt
ssl trust-point TP outside
webvpn
 enable outside
 anyconnect enable
 tunnel-group-list enable
group-policy GP internal
group-policy GP attributes
 vpn-tunnel-protocol ssl-client
 split-tunnel-policy tunnelspecified
 split-tunnel-network-list value SPLIT
 dns-server value 10.1.0.53
 anyconnect dpd-interval gateway 30
 banner value Authorized users only: 100% logged
tunnel-group TG type remote-access
tunnel-group TG general-attributes
 address-pool POOL
 default-group-policy GP
tunnel-group TG webvpn-attributes
 group-alias TG enable
tunnel-group TG2 type remote-access
tunnel-group TG2 general-attributes
 address-pool POOL
tunnel-group TG2 webvpn-attributes
 group-alias Second enable
tunnel-group CERT type remote-access
tunnel-group CERT general-attributes
 address-pool POOL
 default-group-policy GP
tunnel-group CERT webvpn-attributes
 authentication certificate
 group-alias CertTG enable
username $RA_USER password $RA_PASS
CONF
nt_start a "$NT_WORK/a.conf"
no_sessions() { nt_cli a show vpn-sessiondb anyconnect | grep -q 'no active sessions'; }
# no_plain FILE: the password appears nowhere in FILE
no_plain() { ! grep -qF -- "$RA_PASS" "$1"; }
listening() { nt_in a ss -ltn | grep -q "$NT_A_OUT_IP:443"; }
nt_check "fpvpnd listens on TCP $NT_A_OUT_IP:443" listening
nt_cli a show running-config >"$NT_WORK/running.txt"
nt_check "the running configuration has the PBKDF2 hash" \
	grep -q "^username $RA_USER password [$]sha256[$].* pbkdf2$" "$NT_WORK/running.txt"
nt_check "the running configuration has no plain password" no_plain "$NT_WORK/running.txt"
kill -HUP "${NT_FPVPND_PID[a]}"
reloaded() { grep -q 'SIGHUP: configuration .* reloaded' "${NT_LOG[a]}"; }
for _ in $(seq 30); do reloaded && break; sleep 0.1; done
nt_check "SIGHUP with the file unchanged reloads (a typed password keeps its hash)" reloaded

# The client's stand-in for vpnc-script: the address, MTU and split routes
# openconnect hands it, nothing else touched (anyconnect-peer.md).
cat >"$NT_WORK/oc-script.sh" <<'SCRIPT'
#!/bin/sh
env | grep -E '^(reason|TUNDEV|INTERNAL_IP4_|CISCO_)' | sort >"$OC_ENV_FILE.$reason"
[ "$reason" = connect ] || exit 0
ip link set dev "$TUNDEV" mtu "$INTERNAL_IP4_MTU" up
ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV"
i=0
while [ "$i" -lt "${CISCO_SPLIT_INC:-0}" ]; do
	eval "a=\$CISCO_SPLIT_INC_${i}_ADDR l=\$CISCO_SPLIT_INC_${i}_MASKLEN"
	ip route add "$a/$l" dev "$TUNDEV"
	i=$((i + 1))
done
SCRIPT
chmod +x "$NT_WORK/oc-script.sh"

# oc PASSWORD LOG [more openconnect options]: log in from B, to the group
# OC_GROUP (--authgroup; default TG, "" for none) at https://A/OC_PATH.
oc() {
	local pass=$1 log=$2 group=${OC_GROUP-TG}; shift 2
	printf '%s\n' "$pass" | OC_ENV_FILE="$NT_WORK/oc-env" timeout 30 ip netns exec "$NT_B" \
		openconnect --protocol=anyconnect --user="$RA_USER" --passwd-on-stdin --non-inter \
		--servercert "pin-sha256:$PIN" ${group:+--authgroup="$group"} --no-dtls --interface=octun0 \
		--script="$NT_WORK/oc-script.sh" -v --timestamp "$@" "https://$NT_A_OUT_IP/${OC_PATH:-}" >"$log" 2>&1
}

nt_say "a wrong password is refused"
oc 'wrong-password' "$NT_WORK/oc-wrong.log"
rc=$?
nt_check "openconnect exits non-zero on a wrong password (rc $rc)" test "$rc" != 0
nt_check "no tunnel device after the refusal" nt_no_link b octun0

nt_say "login, address, ping across, logoff"
oc "$RA_PASS" "$NT_WORK/oc.log" -b --pid-file="$NT_WORK/oc.pid" --force-dpd=1
rc=$?
nt_check "openconnect logged in and went to the background (rc $rc)" test "$rc" = 0
OC_PID=$(cat "$NT_WORK/oc.pid" 2>/dev/null)
[ -n "$OC_PID" ] && NT_PIDS+=("$OC_PID")
for _ in $(seq 50); do [ -s "$NT_WORK/oc-env.connect" ] && break; sleep 0.1; done
nt_check "the script ran with reason=connect" test -s "$NT_WORK/oc-env.connect"
sed 's/^/     /' "$NT_WORK/oc-env.connect" 2>/dev/null
addr=$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$NT_WORK/oc-env.connect" 2>/dev/null)
nt_check "the client got a pool address ($addr)" grep -q "^$POOL_NET\.1[0-5][0-9]$" <<<"$addr"
nt_check "netmask 255.255.255.0" grep -q '^INTERNAL_IP4_NETMASK=255.255.255.0$' "$NT_WORK/oc-env.connect"
nt_check "split-include 10.1.0.0/24" grep -q '^CISCO_SPLIT_INC_0_ADDR=10.1.0.0$' "$NT_WORK/oc-env.connect"
nt_check "the group-policy's banner (X-CSTP-Banner) reached the client's script" \
	grep -q '^CISCO_BANNER=Authorized users only: 100% logged$' "$NT_WORK/oc-env.connect"
nt_check "DNS 10.1.0.53" grep -q '^INTERNAL_IP4_DNS=10.1.0.53$' "$NT_WORK/oc-env.connect"
has_addr() { ip -n "$NT_B" addr show octun0 | grep -q "inet $addr/32"; }
nt_check "octun0 carries $addr" has_addr
ip netns exec "$NT_B" ping -c 5 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping-ra.txt" 2>&1
nt_check "5 pings from the client to the inside host $NT_A_IN_IP" \
	grep -q ' 5 received' "$NT_WORK/ping-ra.txt"
ip netns exec "$NT_B" ping -c 3 -s 1300 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping-ra-big.txt" 2>&1
nt_check "3 pings of 1328 bytes" grep -q ' 3 received' "$NT_WORK/ping-ra-big.txt"
# TCP both ways: many frames at once, each in its own TLS record (openconnect
# takes one frame from each SSL_read: several in one record end the tunnel)
nt_bg a "$NT_WORK/iperf-s.log" iperf3 -s -B "$NT_A_IN_IP"
sleep 0.5
for dir in "" -R; do
	way="client -> inside"
	[ -n "$dir" ] && way="inside -> client"
	ip netns exec "$NT_B" timeout 20 iperf3 -c "$NT_A_IN_IP" -t 2 $dir -J >"$NT_WORK/iperf$dir.json" 2>&1
	mbit=$(nt_iperf_mbit "$NT_WORK/iperf$dir.json")
	nt_check "2 s of iperf3 TCP $way through CSTP: ${mbit:-no} Mbit/s" test "${mbit:-0}" -gt 0
done
nt_check "openconnect still runs after the TCP bursts" kill -0 "$OC_PID"

sleep 3 # openconnect's shortest DPD interval is 2 s: one request at least
dpd_ok() { grep -q 'Got CSTP DPD response' "$NT_WORK/oc.log" && ! grep -qiE 'dead peer|reconnect' "$NT_WORK/oc.log"; }
nt_check "CSTP DPD answered (no dead peer, no reconnect)" dpd_ok

nt_say "hostile clients beside the tunnel"
# ssl_say TEXT: TEXT over a TLS connection of its own, the answer on stdout
ssl_say() {
	printf '%b' "$1" | timeout 5 ip netns exec "$NT_B" openssl s_client -quiet -ign_eof \
		-connect "$NT_A_OUT_IP:443" 2>/dev/null
}
printf 'GARBAGE, NOT TLS\r\n\r\n' | timeout 3 ip netns exec "$NT_B" \
	bash -c "cat >/dev/tcp/$NT_A_OUT_IP/443" 2>/dev/null
ssl_say 'PUT / HTTP/1.1\r\nHost: x\r\n\r\n' >"$NT_WORK/put.txt"
nt_check "a PUT is refused (no answer, connection closed)" test ! -s "$NT_WORK/put.txt"
ssl_say "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=$(printf '%064d' 0)\r\n\r\n" >"$NT_WORK/forged.txt"
nt_check "a forged cookie gets 401" grep -q '^HTTP/1.1 401' "$NT_WORK/forged.txt"
# 150 TCP connections that never speak TLS: more than the table holds
cat >"$NT_WORK/halfopen.py" <<'PY'
import socket, sys, time
held = []
for _ in range(150):
    try:
        held.append(socket.create_connection((sys.argv[1], 443), timeout=2))
    except OSError:
        pass
time.sleep(4)
PY
ip netns exec "$NT_B" python3 "$NT_WORK/halfopen.py" "$NT_A_OUT_IP" &
halfopen=$!
NT_PIDS+=("$halfopen")
sleep 1
ip netns exec "$NT_B" ping -c 5 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping-ra-flood.txt" 2>&1
nt_check "5 pings across while 150 half-open connections wait" grep -q ' 5 received' "$NT_WORK/ping-ra-flood.txt"
wait "$halfopen"
nt_cli a show crypto protocol ssl statistics >"$NT_WORK/ssl-stats.txt"
sed 's/^/     /' "$NT_WORK/ssl-stats.txt"
stat() { sed -n "s/^  $1  *\([0-9]*\)$/\1/p" "$NT_WORK/ssl-stats.txt"; }
nt_check "the handshake that was not TLS is counted ($(stat 'handshakes failed'))" test "$(stat 'handshakes failed')" -ge 1
nt_check "the PUT is counted as bad-method" test "$(stat bad-method)" = 1
nt_check "the forged cookie is counted" test "$(stat 'unknown cookie')" = 1
nt_check "the wrong password is counted" test "$(stat 'logins failed')" = 1
nt_check "connections past the table's 128 refused ($(stat 'refused (table full)'))" \
	test "$(stat 'refused (table full)')" -ge 1
nt_check "DPD requests answered ($(stat 'DPD requests answered'))" test "$(stat 'DPD requests answered')" -ge 1

nt_say "show vpn-sessiondb anyconnect"
nt_cli a show vpn-sessiondb anyconnect >"$NT_WORK/sessiondb.txt"
sed 's/^/     /' "$NT_WORK/sessiondb.txt"
nt_check "the session shows user $RA_USER with $addr" \
	grep -qE "^Assigned IP +: $addr +Public IP +: $NT_B_OUT_IP$" "$NT_WORK/sessiondb.txt"
nt_check "... its user" grep -qE "^Username +: $RA_USER " "$NT_WORK/sessiondb.txt"
nt_check "... its group policy and tunnel group" \
	grep -qE "^Group Policy +: GP +Tunnel Group +: TG$" "$NT_WORK/sessiondb.txt"
nt_check "... over the SSL tunnel" grep -q "^Protocol *: AnyConnect-Parent SSL-Tunnel$" "$NT_WORK/sessiondb.txt"
tx=$(sed -n 's/^Bytes Tx *: \([0-9]*\) .*/\1/p' "$NT_WORK/sessiondb.txt")
rx=$(sed -n 's/.*Bytes Rx *: \([0-9]*\)$/\1/p' "$NT_WORK/sessiondb.txt")
nt_check "... bytes both ways (tx $tx, rx $rx; 8 echoes of 84 and 1328 bytes each way at least)" \
	test "${tx:-0}" -ge $((5 * 84 + 3 * 1328)) -a "${rx:-0}" -ge $((5 * 84 + 3 * 1328))
nt_cli a show vpn-sessiondb detail anyconnect >"$NT_WORK/sessiondb-detail.txt"
sed 's/^/     /' "$NT_WORK/sessiondb-detail.txt"
nt_check "detail: the SSL-Tunnel block" grep -q '^SSL-Tunnel:$' "$NT_WORK/sessiondb-detail.txt"
nt_check "detail: TLS version and cipher suite" \
	grep -qE '^  Ciphersuite  : (TLS_|ECDHE-)' "$NT_WORK/sessiondb-detail.txt"
nt_check "detail: openconnect's User-Agent" \
	grep -q '^  Client Ver   : Open AnyConnect VPN Agent' "$NT_WORK/sessiondb-detail.txt"
nt_check "detail: packets both ways" \
	grep -qE '^  Pkts Tx      : ([89]|[1-9][0-9]+) +Pkts Rx      : ([89]|[1-9][0-9]+)$' "$NT_WORK/sessiondb-detail.txt"

nt_say "logoff"
kill -TERM "$OC_PID" 2>/dev/null
nt_wait_pid "$OC_PID" 50
nt_check "openconnect ended" nt_wait_pid "$OC_PID" 1
for _ in $(seq 30); do grep -q 'ended: the client disconnected' "${NT_LOG[a]}" && break; sleep 0.1; done
nt_check "fpvpnd ended the session on the client's DISCONNECT" \
	grep -q 'ended: the client disconnected' "${NT_LOG[a]}"
nt_check "no session after the logoff" no_sessions
nt_check "fpvpnd logged the failed login" grep -q 'failed: wrong user name or password' "${NT_LOG[a]}"
nt_check "fpvpnd never logged the password" no_plain "${NT_LOG[a]}"
nt_say "a reconnect with the cookie keeps the session and its address"
# the login alone (--authenticate prints the cookie), then the tunnel from
# the cookie, killed without a BYE, then the tunnel again from the cookie
oc "$RA_PASS" "$NT_WORK/oc-auth.log" --authenticate
cookie=$(sed -n "s/^COOKIE='\(.*\)'$/\1/p" "$NT_WORK/oc-auth.log")
nt_check "openconnect --authenticate got a cookie" test -n "$cookie"
# oc_cookie LOG: the tunnel from the cookie, in the background
oc_cookie() {
	printf '%s\n' "$cookie" | OC_ENV_FILE="$NT_WORK/oc-env-$1" timeout 30 ip netns exec "$NT_B" \
		openconnect --protocol=anyconnect --cookie-on-stdin --non-inter --no-dtls \
		--servercert "pin-sha256:$PIN" --interface=octun0 --script="$NT_WORK/oc-script.sh" \
		-b --pid-file="$NT_WORK/oc-$1.pid" -v "https://$NT_A_OUT_IP/" >"$NT_WORK/oc-$1.log" 2>&1
}
wait_env() { for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
oc_cookie one
nt_check "the tunnel came up from the cookie" wait_env "$NT_WORK/oc-env-one.connect"
addr1=$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$NT_WORK/oc-env-one.connect" 2>/dev/null)
before=$(ac_session_line)
pid=$(cat "$NT_WORK/oc-one.pid" 2>/dev/null)
kill -KILL "$pid" 2>/dev/null
nt_wait_pid "$pid" 50
sleep 0.5 # fpvpnd sees the TCP connection end
oc_cookie two
nt_check "the tunnel came up again from the same cookie" wait_env "$NT_WORK/oc-env-two.connect"
addr2=$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$NT_WORK/oc-env-two.connect" 2>/dev/null)
after=$(ac_session_line)
nt_check "the same address again ($addr1, then $addr2)" test -n "$addr1" -a "$addr1" = "$addr2"
nt_check "the same session (index and address): $after" test -n "$before" -a "$before" = "$after"
ip netns exec "$NT_B" ping -c 2 -i 0.2 -W 2 "$NT_A_IN_IP" >"$NT_WORK/ping-ra-again.txt" 2>&1
nt_check "pings across after the reconnect" grep -q ' 2 received' "$NT_WORK/ping-ra-again.txt"

nt_say "logoff from the command line"
pid=$(cat "$NT_WORK/oc-two.pid" 2>/dev/null)
nt_cli a vpn-sessiondb logoff name "$RA_USER" noconfirm >"$NT_WORK/logoff.txt"
sed 's/^/     /' "$NT_WORK/logoff.txt"
nt_check "one session logged off" grep -q "^INFO: Number of sessions with name \"$RA_USER\" logged off : 1$" "$NT_WORK/logoff.txt"
nt_check "openconnect was told and ended" nt_wait_pid "$pid" 50
nt_check "... by the server's TERMINATE" grep -qi 'terminate' "$NT_WORK/oc-two.log"
nt_check "no session left" no_sessions
printf '%s\n' "$cookie" | timeout 20 ip netns exec "$NT_B" openconnect --protocol=anyconnect \
	--cookie-on-stdin --non-inter --no-dtls --servercert "pin-sha256:$PIN" --interface=octun0 \
	--script="$NT_WORK/oc-script.sh" "https://$NT_A_OUT_IP/" >"$NT_WORK/oc-stale.log" 2>&1
rc=$?
nt_check "the cookie is refused after the logoff (rc $rc)" test "$rc" != 0
nt_say "the tunnel-group: by --authgroup, by the URL"
tg_of_last() { nt_cli a show vpn-sessiondb anyconnect | sed -n 's/.*Tunnel Group *: //p' | tail -n 1; }
OC_GROUP=Second oc "$RA_PASS" "$NT_WORK/oc-second.log" --authenticate
nt_check "--authgroup=Second logs in to TG2 (got $(tg_of_last))" test "$(tg_of_last)" = TG2
OC_GROUP='' OC_PATH=Second oc "$RA_PASS" "$NT_WORK/oc-url.log" --authenticate
nt_check "https://$NT_A_OUT_IP/Second logs in to TG2 (got $(tg_of_last))" test "$(tg_of_last)" = TG2
OC_GROUP=Nope oc "$RA_PASS" "$NT_WORK/oc-nope.log" --authenticate
rc=$?
nt_check "an unknown --authgroup gets no session (rc $rc)" test "$rc" != 0
nt_cli a vpn-sessiondb logoff name "$RA_USER" >/dev/null
nt_check "no session left" no_sessions

nt_say "client certificate login (authentication certificate)"
# oc_cert NAME LOG [options]: log in to CertTG with certificate NAME, no password
oc_cert() {
	local name=$1 log=$2; shift 2
	timeout 30 ip netns exec "$NT_B" openconnect --protocol=anyconnect --non-inter \
		--servercert "pin-sha256:$PIN" --certificate="$NT_WORK/$name.crt" \
		--sslkey="$NT_WORK/$name.key" --authgroup=CertTG --no-dtls "$@" \
		"https://$NT_A_OUT_IP/" </dev/null >"$log" 2>&1
}
oc_cert bob "$NT_WORK/oc-bob.log" --authenticate
rc=$?
nt_check "bob's certificate from the trusted CA logs in (rc $rc)" test "$rc" = 0
nt_cli a show vpn-sessiondb detail anyconnect >"$NT_WORK/sessiondb-cert.txt"
nt_check "the session is bob's, in tunnel-group CERT" \
	grep -qE '^Group Policy +: GP +Tunnel Group +: CERT$' "$NT_WORK/sessiondb-cert.txt"
nt_check "... user name from the certificate" grep -qE '^Username +: bob ' "$NT_WORK/sessiondb-cert.txt"
nt_check "... auth mode Certificate" grep -q '^  Auth Mode    : Certificate$' "$NT_WORK/sessiondb-cert.txt"
oc_cert mallory "$NT_WORK/oc-mallory.log" --authenticate
rc=$?
nt_check "a certificate from another CA is refused (rc $rc)" test "$rc" != 0
OC_GROUP=CertTG oc "$RA_PASS" "$NT_WORK/oc-nocert.log" --authenticate
rc=$?
nt_check "a password without a certificate is refused by CertTG (rc $rc)" test "$rc" != 0
nt_check "fpvpnd said why" grep -q 'CERT failed: no valid client certificate' "${NT_LOG[a]}"
nt_cli a vpn-sessiondb logoff name bob >/dev/null
nt_stop a
nt_done
