# shellcheck shell=bash
# openconnect's DTLS rounds (test_live_anyconnect_dtls*.sh): the headend's
# certificate and its pin, the headend's configuration (DTLS enabled), and
# the client's stand-in for vpnc-script (address, MTU, the split route,
# nothing else touched). Source tests/netns/lib.sh first (nt_init: NT_WORK).

# ac_rig: what a live openconnect test needs (skipped without it), the two
# namespaces, the headend's certificate and the client's script.
ac_rig() {
	nt_require openconnect
	nt_require openssl
	nt_require iperf3
	nt_require ping iputils-ping
	nt_topo_up
	ac_cert
	ac_script
}

# ac_cert: headend.key and headend.crt in NT_WORK (CN the outside address),
# and PIN, openconnect's pin-sha256 of its key.
ac_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$NT_A_OUT_IP" -keyout "$NT_WORK/headend.key" -out "$NT_WORK/headend.crt" \
		>/dev/null 2>&1 || nt_die "openssl could not make the test certificate"
	chmod 600 "$NT_WORK/headend.key"
	PIN=$(openssl x509 -in "$NT_WORK/headend.crt" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
}

# ac_conf [LINE]: the headend's configuration on stdout, LINE last (say
# flow-offload-dtls): webvpn on outside, pool 10.3.0.100-150, user alice
# with password "secret", DTLS enabled in the group-policy. NT_OUTER6=1:
# the outside has its IPv6 address too. NT_INNER6=1: IPv6 inside the
# tunnel, the inside TUN AC_IN_IP6/64, the IPv6 pool POOL6 of 50 from
# AC_POOL6 (/64) for the tunnel-group.
AC_IN_IP6=fd00:42::1
AC_POOL6=fd00:41::100
ac_conf() {
	local v6="" in6="" pool6="" tg6=""
	[ "${NT_OUTER6:-0}" = 1 ] && v6=$'\n'" ipv6 address $NT_A_OUT_IP6/64"
	if [ "${NT_INNER6:-0}" = 1 ]; then
		in6=$'\n'" ipv6 address $AC_IN_IP6/64"
		pool6=$'\n'"ipv6 local pool POOL6 $AC_POOL6/64 50"
		tg6=$'\n'" ipv6-address-pool POOL6"
	fi
	cat <<CONF
interface $NT_AOUT
 nameif outside
 ip address $NT_A_OUT_IP 255.255.255.0$v6
interface $NT_TUN
 nameif inside
 ip address $NT_A_IN_IP 255.255.255.0$in6
ip local pool POOL 10.3.0.100-10.3.0.150 mask 255.255.255.0$pool6
access-list SPLIT standard permit 10.1.0.0 255.255.255.0
crypto ca trustpoint TP
 enrollment terminal
 certificate-file $NT_WORK/headend.crt
 private-key-file $NT_WORK/headend.key
ssl trust-point TP outside
webvpn
 enable outside
 anyconnect enable
group-policy GP internal
group-policy GP attributes
 vpn-tunnel-protocol ssl-client
 split-tunnel-policy tunnelspecified
 split-tunnel-network-list value SPLIT
 anyconnect ssl dtls enable
tunnel-group TG type remote-access
tunnel-group TG general-attributes
 address-pool POOL$tg6
 default-group-policy GP
username alice password secret
${1:-}
CONF
}

# ac_script: NT_WORK/oc-script.sh, openconnect's --script.
ac_script() {
	cat >"$NT_WORK/oc-script.sh" <<'SCRIPT'
#!/bin/sh
[ "$reason" = connect ] || exit 0
ip link set dev "$TUNDEV" mtu "$INTERNAL_IP4_MTU" up
ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV"
# by source address too: clients side by side in one namespace (ping -I,
# iperf3 -B), each its own table; unbound sockets take the first tunnel
t=$((100 + ${INTERNAL_IP4_ADDRESS##*.}))
ip rule add from "$INTERNAL_IP4_ADDRESS" lookup "$t"
ip route add 10.1.0.0/24 dev "$TUNDEV" table "$t"
ip route add 10.1.0.0/24 dev "$TUNDEV" 2>/dev/null
if [ -n "$INTERNAL_IP6_ADDRESS" ]; then
	ip -6 addr add "$INTERNAL_IP6_ADDRESS/128" dev "$TUNDEV"
	ip -6 rule add from "$INTERNAL_IP6_ADDRESS" lookup "$t"
	ip -6 route add fd00:42::/64 dev "$TUNDEV" table "$t"
	ip -6 route add fd00:42::/64 dev "$TUNDEV" 2>/dev/null
	echo "$INTERNAL_IP6_ADDRESS $INTERNAL_IP6_NETMASK" >"$(dirname "$0")/addr6-$TUNDEV"
fi
echo "$INTERNAL_IP4_ADDRESS $INTERNAL_IP4_MTU" >"$(dirname "$0")/addr-$TUNDEV"
exit 0
SCRIPT
	chmod +x "$NT_WORK/oc-script.sh"
}

# ac_up NAME DPD [openconnect options]: AC_USER (alice) logs in from B
# with AC_PASS (secret) in the background (--force-dpd=DPD), tunnel AC_IF
# (octun0), log NAME.log; checks the login and DTLS established; OC_PID is
# openconnect's pid ("" when it did not start); AC_NODTLS=1: no DTLS check
# (--no-dtls). The script leaves "ADDRESS MTU" in NT_WORK/addr-AC_IF, and
# with an IPv6 address "ADDRESS ADDRESS/LEN" in NT_WORK/addr6-AC_IF (routed:
# fd00:42::/64).
# ac_session_line: fpvpnd's (netns A) sessions as show vpn-sessiondb
# anyconnect prints them, username and index, assigned and public address:
# equal before and after a reconnect that kept the session
ac_session_line() {
	nt_cli a show vpn-sessiondb anyconnect | grep -E '^(Username|Assigned IP)' | tr -s ' '
}

ac_up() {
	local name=$1 dpd=$2 log="$NT_WORK/$1.log" addr="$NT_WORK/addr-${AC_IF:-octun0}"; shift 2
	rm -f "$addr"
	printf '%s\n' "${AC_PASS:-secret}" | timeout 30 ip netns exec "$NT_B" openconnect \
		--protocol=anyconnect --user="${AC_USER:-alice}" --passwd-on-stdin --non-inter \
		--servercert "pin-sha256:$PIN" --interface="${AC_IF:-octun0}" \
		--script="$NT_WORK/oc-script.sh" -v --timestamp --force-dpd="$dpd" \
		-b --pid-file="$NT_WORK/$name.pid" "$@" "https://${AC_HOST:-$NT_A_OUT_IP}/" >"$log" 2>&1
	nt_check "$name: openconnect logged in" test -s "$NT_WORK/$name.pid"
	OC_PID=$(cat "$NT_WORK/$name.pid" 2>/dev/null)
	[ -n "$OC_PID" ] && NT_PIDS+=("$OC_PID")
	if [ "${AC_NODTLS:-0}" != 1 ]; then
		for _ in $(seq 50); do grep -q 'Established DTLS connection' "$log" && break; sleep 0.1; done
		nt_check "$name: $(grep -o 'Established DTLS connection.*' "$log" | head -1)" \
			grep -q 'Established DTLS connection' "$log"
	fi
	for _ in $(seq 30); do [ -s "$addr" ] && break; sleep 0.1; done
}
