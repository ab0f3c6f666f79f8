# shellcheck shell=bash
# Shared helpers of the live tests (tests/interop/test_live_*.sh), the demo
# (tests/demo/demo.sh) and the end-to-end benchmark (bench/e2e/run.sh):
# two sites in network namespaces, each with a running fpvpnd.
#
#  netns $NT_A (site A)                              netns $NT_B (site B)
#  host stack = the site network behind A           host stack = the site network behind B
#  fpvpnd A: inside TUN tun-in 10.1.0.1/24          fpvpnd B: inside TUN tun-in 10.2.0.1/24
#  outside veth $NT_AOUT 198.51.100.1/24 ======== veth $NT_BOUT 198.51.100.2/24
#     NT_OUTER6=1: also 2001:db8:100::1/64            2001:db8:100::2/64 (IKE, ESP)
#
# fpvpnd creates tun-in and routes the other site's network (its crypto ACL
# destination) into it, so `nt_in A ping -I 10.1.0.1 10.2.0.1` crosses the
# tunnel. The source must lie in 10.1.0.0/24 to match the crypto ACL.
#
# Use:
#   . tests/netns/lib.sh
#   nt_init "$build" live-traffic      # skips (exit 77) when not possible; sets the trap
#   nt_topo_up
#   nt_conf a "$NT_WORK/a.conf"; nt_conf b "$NT_WORK/b.conf"
#   nt_start a "$NT_WORK/a.conf"; nt_start b "$NT_WORK/b.conf"
#   nt_in a ping -c 3 -I 10.1.0.1 10.2.0.1
#   nt_cli a show crypto ipsec sa
#   nt_check "what" test ...           # counts failures
#   nt_done                            # exit 0 / 1 (77 with nt_pending)
#
# Everything created (namespaces, processes, files) is removed by the EXIT
# trap, also when the script fails or is interrupted. Nothing outside the
# namespaces is touched: no host route, address or sysctl.

NT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NT_ROOT=$(cd "$NT_LIB_DIR/../.." && pwd)
NT_PY=/usr/bin/python3 # Debian's python3 (Scapy); not a pyenv one on PATH

# Addresses of the topology (documented in docs/testing.md).
NT_A_OUT_IP=198.51.100.1
NT_B_OUT_IP=198.51.100.2
NT_A_OUT_IP6=2001:db8:100::1 # NT_OUTER6=1: the outside is IPv6
NT_B_OUT_IP6=2001:db8:100::2
NT_A_IN_IP=10.1.0.1
NT_B_IN_IP=10.2.0.1
NT_A_NET="10.1.0.0 255.255.255.0"
NT_B_NET="10.2.0.0 255.255.255.0"
NT_TUN=tun-in
NT_SPI_AB=0x1001 # A -> B: A's outbound, B's inbound
NT_SPI_BA=0x2001 # B -> A

NT_FAILS=0
NT_PENDING=""
NT_PIDS=()      # every background process started, killed by the trap
NT_NETNS=()     # namespaces created, deleted by the trap
declare -A NT_FPVPND_PID NT_SOCK NT_LOG

nt_log() { printf '%s %s\n' "[$(date +%T)]" "$*"; }
nt_say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
nt_skip() { echo "SKIP: $*"; exit 77; }
nt_die() { echo "FAIL: $*" >&2; NT_FAILS=$((NT_FAILS + 1)); exit 1; }

# nt_check "description" COMMAND...: run it, count a failure if it fails.
nt_check() {
	local what=$1; shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		NT_FAILS=$((NT_FAILS + 1))
	fi
}

# A check that waits on someone else's work: reported, and the test ends
# in exit 77 (skipped, with the reason) instead of 0 when all else passed.
nt_pending() { echo "PENDING $*"; NT_PENDING="$NT_PENDING; $*"; }

nt_done() {
	if [ "$NT_FAILS" -ne 0 ]; then
		echo "RESULT: $NT_FAILS check(s) failed"
		exit 1
	fi
	if [ -n "$NT_PENDING" ]; then
		echo "SKIP: all checks passed except pending work:${NT_PENDING#;}"
		exit 77
	fi
	echo "RESULT: all checks passed"
	exit 0
}

# ---------------------------------------------------------------- setup

# nt_init BUILD_DIR NAME: check what is needed (exit 77 with the reason if
# something is missing), pick unique names, make the work directory, set
# the cleanup trap. NT_SFX (default -PID) makes namespace names unique so
# tests can run in parallel (ctest -j); the demo sets it empty.
nt_init() {
	NT_BUILD=$(cd "${1:?nt_init: build dir}" 2>/dev/null && pwd) || nt_skip "build directory '$1' does not exist"
	NT_NAME=${2:-live}
	NT_FPVPND=$NT_BUILD/fpvpnd
	NT_FPVPN=$NT_BUILD/fpvpn
	[ "$(id -u)" = 0 ] || nt_skip "needs root (network namespaces, TUN devices)"
	command -v ip >/dev/null || nt_skip "ip (iproute2) not installed"
	[ -c /dev/net/tun ] || nt_skip "/dev/net/tun missing: no TUN devices"
	if [ -z "${NT_NO_FPVPND:-}" ]; then # the benchmark's strongSwan-only mode sets it
		[ -x "$NT_FPVPND" ] || nt_skip "$NT_FPVPND not built"
		"$NT_FPVPND" --help 2>&1 | grep -q -- '-s, --socket' ||
			nt_skip "$NT_FPVPND has no live mode (-s SOCKET) yet"
	fi
	local sfx=${NT_SFX-"-$$"}
	NT_A=${NT_A:-fpa$sfx}
	NT_B=${NT_B:-fpb$sfx}
	NT_AOUT=fpa-out NT_BOUT=fpb-out
	NT_WORK=$(mktemp -d "/tmp/fpvpn-$NT_NAME.XXXXXX")
	trap nt_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	trap 'exit 141' PIPE # output piped into head: still clean up
	# probe: can this machine make a namespace at all (containers often cannot)?
	if ! ip netns add "$NT_A" 2>"$NT_WORK/netns.err"; then
		nt_skip "ip netns add failed: $(head -c 200 "$NT_WORK/netns.err")"
	fi
	NT_NETNS+=("$NT_A")
	nt_gen_keys
}

nt_require() { # nt_require CMD [PACKAGE]
	command -v "$1" >/dev/null || nt_skip "$1 not installed (apt-get install ${2:-$1})"
}

nt_ns() { # nt_ns a|b -> namespace name
	case $1 in a | A) echo "$NT_A" ;; b | B) echo "$NT_B" ;; *) echo "$1" ;; esac
}
nt_in() { local ns; ns=$(nt_ns "$1"); shift; ip netns exec "$ns" "$@"; }

# The two namespaces and the veth pair between them. NT_MTU (default 1500)
# sets the veth MTU on both ends. NT_OUTER6=1 also gives the veth pair
# IPv6 addresses (IPv6 stays off everywhere else, the TUN devices included,
# unless NT_INNER6=1: devices made later, the TUNs, have IPv6, without
# router solicitations or duplicate address detection).
nt_topo_up() {
	local ns
	[ -e "/run/netns/$NT_A" ] || { ip netns add "$NT_A" && NT_NETNS+=("$NT_A"); }
	ip netns add "$NT_B" || nt_die "ip netns add $NT_B"
	NT_NETNS+=("$NT_B")
	for ns in "$NT_A" "$NT_B"; do
		ip -n "$ns" link set lo up
		# no IPv6 router solicitations cluttering captures; no reverse-path filter
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null 2>&1 || true
		[ "${NT_INNER6:-0}" = 1 ] && ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_ra=0 >/dev/null
	done
	ip -n "$NT_A" link add "$NT_AOUT" type veth peer name "$NT_BOUT" netns "$NT_B" ||
		nt_die "cannot create the veth pair"
	ip -n "$NT_A" addr add "$NT_A_OUT_IP/24" dev "$NT_AOUT"
	ip -n "$NT_B" addr add "$NT_B_OUT_IP/24" dev "$NT_BOUT"
	ip -n "$NT_A" link set "$NT_AOUT" mtu "${NT_MTU:-1500}" up
	ip -n "$NT_B" link set "$NT_BOUT" mtu "${NT_MTU:-1500}" up
	local peer=$NT_B_OUT_IP
	if [ "${NT_OUTER6:-0}" = 1 ]; then
		nt_veth6 a "$NT_AOUT" "$NT_A_OUT_IP6"
		nt_veth6 b "$NT_BOUT" "$NT_B_OUT_IP6"
		peer=$NT_B_OUT_IP6
	fi
	# the veth is up when the peer answers ARP (neighbour discovery)
	local i
	for i in $(seq 50); do
		ip netns exec "$NT_A" ping -q -c 1 -W 1 "$peer" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	nt_die "veth $NT_AOUT <-> $NT_BOUT does not pass traffic"
}

# nt_veth6 SIDE DEV ADDR: IPv6 on this one device, usable at once (no
# duplicate address detection to wait for: the link has two ends, both
# ours), without router solicitations.
nt_veth6() {
	local k
	for k in accept_dad=0 router_solicitations=0 accept_ra=0 disable_ipv6=0; do
		nt_in "$1" sysctl -qw "net.ipv6.conf.$2.$k" >/dev/null ||
			nt_die "sysctl net.ipv6.conf.$2.$k failed: no IPv6 here?"
	done
	ip -n "$(nt_ns "$1")" addr add "$3/64" dev "$2" nodad || nt_die "cannot add $3 to $2"
}

# Kill what we started (by pid), delete our namespaces and the work dir.
nt_cleanup() {
	local rc=$?
	trap - EXIT
	trap '' INT TERM HUP PIPE # finish cleaning up whatever happens to our output
	local p ns
	for p in "${NT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${NT_PIDS[@]}"; do nt_wait_pid "$p" 30 || kill -KILL "$p" 2>/dev/null; done
	for ns in "${NT_NETNS[@]}"; do
		# processes still in our namespaces were started by us (iperf3, tshark, ...)
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${NT_WORK:-}" ]; then
		for f in "$NT_WORK"/*.log; do
			[ -s "$f" ] || continue
			echo "---- $(basename "$f") (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	if [ -n "${NT_KEEP:-}" ]; then
		echo "kept $NT_WORK"
	elif [ -n "${NT_WORK:-}" ]; then
		rm -rf "$NT_WORK"
	fi
	exit "$rc"
}

# nt_wait_pid PID TENTHS: wait up to TENTHS/10 s for PID to end.
nt_wait_pid() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# nt_bg NS LOG CMD...: start CMD in namespace NS in the background; its pid
# (the command's own: ip netns exec execs it) is in NT_LAST_PID.
nt_bg() {
	local ns log=$2; ns=$(nt_ns "$1"); shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	NT_LAST_PID=$!
	NT_PIDS+=("$NT_LAST_PID")
}

# ---------------------------------------------------------------- keys and configuration

nt_hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

# Fresh keys for every transform, both directions (mirrored in nt_conf).
nt_gen_keys() {
	NT_PSK=$(nt_hex 16)
	NT_K_AB=$(nt_hex 36) NT_K_BA=$(nt_hex 36)
	NT_H_AB=$(nt_hex 64) NT_H_BA=$(nt_hex 64)
}

# nt_xform NAME: encryption, integrity, cipher-key bytes, auth-key bytes.
nt_xform() {
	case $1 in
	gcm128) echo "aes-gcm null 20 0" ;;
	gcm256) echo "aes-gcm-256 null 36 0" ;;
	chacha) echo "chacha20-poly1305 null 36 0" ;;
	cbc128sha1) echo "aes sha-1 16 20" ;;
	cbc128sha256) echo "aes sha-256 16 32" ;;
	cbc256sha256) echo "aes-256 sha-256 32 32" ;;
	cbc256sha384) echo "aes-256 sha-384 32 48" ;;
	*) nt_die "unknown transform $1" ;;
	esac
}

# nt_conf a|b FILE: an ASA-style configuration for one site, shaped like
# examples/site-a.conf. Knobs (environment):
#   NT_XFORM     gcm256 (default), gcm128, chacha, cbc128sha1, cbc128sha256, cbc256sha256, cbc256sha384
#   NT_ENCAP     "" (raw ESP, default) or "SPORT DPORT" (set udp-encapsulation)
#   NT_OFFLOAD   1 (default) or 0 (no flow-offload-ipsec)
#   NT_MODE      tunnel (default) or transport
#   NT_REPLAY    "" or 64..1024 (set security-association replay window-size)
#   NT_ACL_A     A's protected traffic "SRC DST" (default "10.1.0.0 MASK 10.2.0.0 MASK"); B mirrors it
#   NT_IKE       1: IKEv2 negotiates the keys (PSK, each side identified by its address)
#   NT_CERT      with NT_IKE: rsa or ecdsa: certificates instead of the PSK (nt_pki's,
#                trustpoint TP; each side's ID is its certificate's DN)
#   NT_OUTER6    1: the outside is IPv6 (NT_*_OUT_IP6; nt_topo_up with NT_OUTER6=1 too)
#   NT_EXTRA     more lines appended to both files
nt_conf() {
	local side=$1 file=$2 enc integ kb ab
	read -r enc integ kb ab <<<"$(nt_xform "${NT_XFORM:-gcm256}")"
	local kab=${NT_K_AB:0:$((kb * 2))} kba=${NT_K_BA:0:$((kb * 2))}
	local hab=${NT_H_AB:0:$((ab * 2))} hba=${NT_H_BA:0:$((ab * 2))}
	local acl_a=${NT_ACL_A:-"$NT_A_NET $NT_B_NET"}
	local me peer dev in_ip acl spi_in spi_out k_in k_out h_in h_out
	if [ "$side" = a ]; then
		me=$NT_A_OUT_IP peer=$NT_B_OUT_IP dev=$NT_AOUT in_ip=$NT_A_IN_IP acl=$acl_a
		spi_in=$NT_SPI_BA spi_out=$NT_SPI_AB k_in=$kba k_out=$kab h_in=$hba h_out=$hab
		[ "${NT_OUTER6:-0}" = 1 ] && me=$NT_A_OUT_IP6 peer=$NT_B_OUT_IP6
	else
		# B protects the mirror image: swap the two halves of A's "SRC DST"
		me=$NT_B_OUT_IP peer=$NT_A_OUT_IP dev=$NT_BOUT in_ip=$NT_B_IN_IP
		acl=$(nt_acl_mirror "$acl_a")
		spi_in=$NT_SPI_AB spi_out=$NT_SPI_BA k_in=$kab k_out=$kba h_in=$hab h_out=$hba
		[ "${NT_OUTER6:-0}" = 1 ] && me=$NT_B_OUT_IP6 peer=$NT_A_OUT_IP6
	fi
	local outside_ip=" ip address $me 255.255.255.0"
	[ "${NT_OUTER6:-0}" = 1 ] && outside_ip=" ipv6 address $me/64"
	local auth=psk
	[ -n "${NT_CERT:-}" ] && auth=${NT_CERT} && nt_pki "$auth"
	local auth_in="" auth_out=""
	if [ "$ab" != 0 ]; then auth_in=" authenticator $h_in" auth_out=" authenticator $h_out"; fi
	{
		echo "! generated by tests/netns/lib.sh: site $side, ${NT_XFORM:-gcm256}, ${NT_MODE:-tunnel}${NT_ENCAP:+, udp-encapsulation $NT_ENCAP}${NT_IKE:+, IKEv2 $auth}"
		echo "hostname site-$side"
		echo "interface $dev"
		echo " nameif outside"
		echo "$outside_ip"
		echo "!"
		echo "interface $NT_TUN"
		echo " nameif inside"
		echo " ip address $in_ip 255.255.255.0"
		echo "!"
		echo "access-list VPN extended permit ip $acl"
		echo "crypto ipsec ikev2 ipsec-proposal P"
		echo " protocol esp encryption $enc"
		echo " protocol esp integrity $integ"
		echo "crypto map CM 10 match address VPN"
		echo "crypto map CM 10 set peer $peer"
		echo "crypto map CM 10 set ikev2 ipsec-proposal P"
		if [ -n "${NT_IKE:-}" ]; then
			# IKEv2 negotiates the keys: PSK, each side by its address
			echo "crypto ikev2 policy 10"
			echo " encryption aes-gcm-256"
			echo " integrity null"
			echo " group ${NT_IKE_GROUP:-19}"
			echo " prf sha256"
			echo "crypto ikev2 enable outside"
			echo "tunnel-group $peer type ipsec-l2l"
			echo "tunnel-group $peer ipsec-attributes"
			nt_conf_auth "$side"
		else
			echo "crypto map CM 10 set session-key inbound esp $spi_in cipher $k_in$auth_in"
			echo "crypto map CM 10 set session-key outbound esp $spi_out cipher $k_out$auth_out"
		fi
		[ -n "${NT_ENCAP:-}" ] && echo "crypto map CM 10 set udp-encapsulation $NT_ENCAP"
		[ "${NT_MODE:-tunnel}" != tunnel ] && echo "crypto map CM 10 set mode $NT_MODE"
		[ -n "${NT_REPLAY:-}" ] && echo "crypto map CM 10 set security-association replay window-size $NT_REPLAY"
		echo "crypto map CM interface outside"
		if [ "${NT_OFFLOAD:-1}" = 1 ]; then echo "flow-offload-ipsec"; else echo "no flow-offload-ipsec"; fi
		[ -n "${NT_EXTRA:-}" ] && printf '%s\n' "$NT_EXTRA"
	} >"$file"
}

# nt_conf_auth SIDE: the tunnel-group's authentication lines, and with
# NT_CERT the trustpoint they name (its own block: it ends the sub-mode).
nt_conf_auth() {
	if [ -z "${NT_CERT:-}" ]; then
		echo " ikev2 remote-authentication pre-shared-key $NT_PSK"
		echo " ikev2 local-authentication pre-shared-key $NT_PSK"
		return
	fi
	local pki=$NT_WORK/pki-$NT_CERT
	echo " ikev2 remote-authentication certificate"
	echo " ikev2 local-authentication certificate TP"
	echo "crypto ca trustpoint TP"
	echo " enrollment terminal"
	echo " certificate-file $pki/site-$1.crt"
	echo " private-key-file $pki/site-$1.key"
	echo " ca-file $pki/ca.crt"
}

# nt_ca_make DIR [rsa|ecdsa]: a CA (ca.key 0600, ca.crt) made with the
# openssl CLI, ECDSA P-256 unless told.
nt_ca_make() {
	local d=$1
	mkdir -p "$d"
	nt_key_make "$d/ca.key" "${2:-ecdsa}"
	openssl req -new -x509 -key "$d/ca.key" -subj "/O=fpvpn/CN=fpvpn test CA" -days 2 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$d/ca.crt" || nt_die "openssl: cannot make the CA in $d"
}

# nt_key_make FILE rsa|ecdsa: RSA-2048 or ECDSA P-256, mode 0600 from the start.
nt_key_make() {
	local opt=ec_paramgen_curve:P-256 alg=EC
	[ "$2" = rsa ] && opt=rsa_keygen_bits:2048 alg=RSA
	(umask 077 && openssl genpkey -algorithm "$alg" -pkeyopt "$opt" -out "$1" 2>/dev/null) ||
		nt_die "openssl: cannot make a $2 key"
}

# nt_cert_make DIR NAME SUBJECT SAN rsa|ecdsa: NAME.key (0600) and NAME.crt,
# signed by DIR's CA; SAN (e.g. IP:198.51.100.1, DNS:x.test) may be empty.
nt_cert_make() {
	local d=$1 name=$2 subj=$3 san=$4
	nt_key_make "$d/$name.key" "$5"
	openssl req -new -key "$d/$name.key" -subj "$subj" -out "$d/$name.csr" ||
		nt_die "openssl: cannot make $name's request"
	{
		[ -n "$san" ] && echo "subjectAltName=$san"
		printf 'keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n'
	} >"$d/$name.ext"
	openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -sha256 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null ||
		nt_die "openssl: cannot sign $name's certificate"
}

# nt_pki rsa|ecdsa: $NT_WORK/pki-ALG with a CA of that key type and a
# certificate for each site (O=fpvpn, CN=site-a / site-b), made once per run.
nt_pki() {
	local d=$NT_WORK/pki-$1
	[ -s "$d/site-b.crt" ] && return 0
	case $1 in rsa | ecdsa) ;; *) nt_die "NT_CERT: rsa or ecdsa, not '$1'" ;; esac
	nt_require openssl openssl
	nt_ca_make "$d" "$1"
	nt_cert_make "$d" site-a "/O=fpvpn/CN=site-a" "" "$1"
	nt_cert_make "$d" site-b "/O=fpvpn/CN=site-b" "" "$1"
}

# "host A host B" -> "host B host A"; "N1 M1 N2 M2" -> "N2 M2 N1 M1".
nt_acl_mirror() {
	local w; read -r -a w <<<"$1"
	case ${#w[@]} in
	4) echo "${w[2]} ${w[3]} ${w[0]} ${w[1]}" ;;
	2) echo "${w[1]} ${w[0]}" ;;
	*) nt_die "nt_acl_mirror: cannot mirror '$1'" ;;
	esac
}

# ---------------------------------------------------------------- fpvpnd

# nt_start a|b CONF [fpvpnd options...]: start fpvpnd in the site's
# namespace, wait until its control socket answers and tun-in is up.
nt_start() {
	local side=$1 conf=$2; shift 2
	local sock=$NT_WORK/$side.sock log=$NT_WORK/fpvpnd-$side.log
	nt_bg "$side" "$log" "$NT_FPVPND" -c "$conf" -s "$sock" "$@"
	NT_FPVPND_PID[$side]=$NT_LAST_PID
	NT_SOCK[$side]=$sock
	NT_LOG[$side]=$log
	local i
	for i in $(seq 200); do # 20 s: ASan builds start slowly
		if ! kill -0 "$NT_LAST_PID" 2>/dev/null; then
			echo "fpvpnd $side exited at start:"; cat "$log"
			nt_die "fpvpnd $side did not start"
		fi
		if [ -S "$sock" ] && nt_in "$side" ip link show "$NT_TUN" >/dev/null 2>&1 &&
			nt_cli "$side" show ipsec stats >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	cat "$log"
	nt_die "fpvpnd $side: control socket $sock did not answer within 20 s"
}

# nt_stop a|b: SIGTERM, wait; fails the test if it does not end cleanly
# (exit status 0 within 10 s) or leaves tun-in behind.
# nt_asp SIDE [REASON]: the count of one show asp drop reason (its short
# name), or of every reason added up
nt_asp() {
	nt_cli "$1" show asp drop |
		awk -v k="(${2:-})" '/\([a-z0-9-]+\)/ && (k == "()" || index($0, k)) { n += $NF } END { print n + 0 }'
}
# nt_dev_dropped SIDE: what its outside veth dropped before any socket saw it
nt_dev_dropped() {
	local dev=$NT_AOUT
	[ "$1" = b ] && dev=$NT_BOUT
	nt_in "$1" cat /sys/class/net/"$dev"/statistics/rx_dropped
}
# nt_wait_offloaded SIDE: up to 5 s until its SA pair is in the engine
# (after a first packet started an IKEv2 negotiation)
nt_wait_offloaded() {
	for _ in $(seq 50); do
		nt_cli "$1" show crypto ipsec sa | grep -qw OFFLOADED && return 0
		sleep 0.1
	done
	return 1
}
# nt_sites_up: the topology, both sites' configurations (a.conf, b.conf in
# NT_WORK) and both gateways started: what most tests begin with
nt_sites_up() {
	nt_topo_up
	nt_conf a "$NT_WORK/a.conf"
	nt_conf b "$NT_WORK/b.conf"
	nt_start a "$NT_WORK/a.conf"
	nt_start b "$NT_WORK/b.conf"
}
nt_stop() {
	local side=$1 pid=${NT_FPVPND_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! nt_wait_pid "$pid" 100; then
		echo "FAIL fpvpnd $side ignored SIGTERM for 10 s; killing it"
		NT_FAILS=$((NT_FAILS + 1))
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	local rc=$?
	NT_FPVPND_PID[$side]=""
	nt_check "fpvpnd $side exits 0 on SIGTERM (got $rc)" test "$rc" = 0
	nt_check "fpvpnd $side removed $NT_TUN on exit" nt_no_link "$side" "$NT_TUN"
}
nt_no_link() { ! nt_in "$1" ip link show "$2" >/dev/null 2>&1; }
nt_alive() { [ -n "${NT_FPVPND_PID[$1]:-}" ] && kill -0 "${NT_FPVPND_PID[$1]}" 2>/dev/null; }

# nt_cli a|b WORDS...: one command against that site's fpvpnd. The fpvpn
# client when it is built (NT_CLIENT=py forces the fallback), else
# tests/netns/fpctl.py, which speaks the same control protocol.
nt_cli() {
	local side=$1; shift
	if [ "${NT_CLIENT:-}" != py ] && [ -x "$NT_FPVPN" ]; then
		timeout 20 "$NT_FPVPN" -s "${NT_SOCK[$side]}" "$@"
	else
		timeout 20 "$NT_PY" "$NT_LIB_DIR/fpctl.py" -s "${NT_SOCK[$side]}" "$@"
	fi
}

# nt_cli_lines a|b < LINES: one session, several lines (configure terminal ...).
nt_cli_lines() {
	local side=$1
	if [ "${NT_CLIENT:-}" != py ] && [ -x "$NT_FPVPN" ]; then
		timeout 20 "$NT_FPVPN" -s "${NT_SOCK[$side]}"
	else
		timeout 20 "$NT_PY" "$NT_LIB_DIR/fpctl.py" -s "${NT_SOCK[$side]}"
	fi
}

# nt_has_cmd a|b WORDS...: does fpvpnd know this command? (help listing)
nt_has_cmd() {
	local side=$1; shift
	local out; out=$(nt_cli "$side" "$@" 2>&1)
	! grep -q -E "Invalid input detected|Incomplete command|Ambiguous command" <<<"$out"
}

# ---------------------------------------------------------------- counters

# nt_sum_field "LABEL" < show output: sum of the numbers after "LABEL:"
# on every line (e.g. "#pkts decaps" over all SA blocks).
nt_sum_field() {
	awk -v k="$1" '{
		s = $0
		while ((i = index(s, k ":")) > 0) {
			s = substr(s, i + length(k) + 1)
			if (match(s, /^ *[0-9]+/)) sum += substr(s, RSTART, RLENGTH) + 0
		}
	} END { printf "%d\n", sum }'
}

# nt_sum_colon "LABEL" < output: sum of "LABEL : N" lines (show flow-offload info).
nt_sum_colon() {
	awk -v k="$1" 'index($0, k) { n = split($0, a, ":"); v = a[n]; gsub(/[^0-9]/, "", v); sum += v } END { printf "%d\n", sum }'
}

# nt_counter NAME < show counters: the value of counter NAME (0 if absent).
nt_counter() {
	awk -v k="$1" '$2 == k { v += $3 } END { printf "%d\n", v }'
}

# ---------------------------------------------------------------- traffic

# nt_ping a|b COUNT [ping options]: from the site's inside address to the
# other site's; returns ping's status; output in $NT_WORK/ping-SIDE.txt.
nt_ping() {
	local side=$1 n=$2; shift 2
	local src=$NT_A_IN_IP dst=$NT_B_IN_IP
	[ "$side" = b ] && src=$NT_B_IN_IP dst=$NT_A_IN_IP
	nt_in "$side" ping -n -q -c "$n" -i 0.05 -W 2 -I "$src" "$@" "$dst" >"$NT_WORK/ping-$side.txt" 2>&1
}
nt_ping_received() { awk '/received/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^received/) print $i }' "$NT_WORK/ping-$1.txt"; }

# nt_iperf FROM SECONDS JSON [iperf3 client options]: an iperf3 server in
# the other site (one test), the client in FROM; JSON result in the file.
nt_iperf() {
	local from=$1 secs=$2 json=$3; shift 3
	local to=b src=$NT_A_IN_IP dst=$NT_B_IN_IP
	[ "$from" = b ] && to=a src=$NT_B_IN_IP dst=$NT_A_IN_IP
	nt_bg "$to" "$NT_WORK/iperf3-server.log" iperf3 -s -1 -B "$dst" -p "${NT_IPERF_PORT:-5201}"
	local spid=$NT_LAST_PID i
	for i in $(seq 50); do
		nt_in "$to" ss -ltn 2>/dev/null | grep -q ":${NT_IPERF_PORT:-5201} " && break
		sleep 0.1
	done
	nt_in "$from" timeout $((secs + 20)) iperf3 -c "$dst" -B "$src" -p "${NT_IPERF_PORT:-5201}" \
		-t "$secs" -J "$@" >"$json" 2>"$NT_WORK/iperf3-client.err"
	local rc=$?
	nt_wait_pid "$spid" 50 || kill "$spid" 2>/dev/null
	return $rc
}

# nt_iperf_summary JSON: "GBPS EXTRA MIN_INTERVAL_BPS INTERVALS BYTES", all
# from the receiver's side; EXTRA = TCP retransmits or UDP lost percent.
# "0 0 0 0 0" when the file is not a finished iperf3 result.
nt_iperf_summary() {
	"$NT_PY" - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    end = r["end"]
    rcv = end["sum_received"]
    ivs = [i["sum"]["bits_per_second"] or 0 for i in r.get("intervals", [])]
    udp = "sum" in end and "lost_percent" in end["sum"]
    extra = (end["sum"].get("lost_percent") or 0) if udp else (end.get("sum_sent", {}).get("retransmits") or 0)
    print("%.3f %s %d %d %d" % ((rcv.get("bits_per_second") or 0) / 1e9,
                                ("%.2f" % extra) if udp else int(extra),
                                min(ivs) if ivs else 0, len(ivs), rcv.get("bytes") or 0))
except Exception:
    print("0 0 0 0 0")
PY
}

# nt_iperf_mbit JSON: the receiver's Mbit/s, whole; 0 when not a finished result
nt_iperf_mbit() {
	local g
	read -r g _ <<<"$(nt_iperf_summary "$1")"
	awk -v g="$g" 'BEGIN { print int(g * 1000) }'
}

# ---------------------------------------------------------------- show commands, checked

# nt_show a|b NAME WORDS...: run a show command, keep its output in
# $NT_WORK/NAME-SIDE.txt (and echo the file name).
nt_show() {
	local side=$1 name=$2; shift 2
	local f=$NT_WORK/$name-$side.txt
	nt_cli "$side" "$@" >"$f" 2>&1
	echo "$f"
}

# The lines of show crypto ipsec sa worth printing in a test log.
nt_sa_brief() {
	grep -E 'in use settings|#pkts (encaps|decaps|not offload)|frgs needing|#send errors|crypto endpt' "$1" |
		sed 's/^ */     /' | sort | uniq -c | sed 's/^ *1 //'
}

# nt_check_sa_offload a|b WANT MIN: show crypto ipsec sa has every SA
# OFFLOADED (WANT=1) or none (WANT=0), and both encaps and decaps >= MIN.
# Leaves the output in NT_SA_FILE, the sums in NT_ENCAPS / NT_DECAPS.
nt_check_sa_offload() {
	local side=$1 want=$2 min=$3 f
	f=$(nt_show "$side" sa show crypto ipsec sa)
	NT_SA_FILE=$f
	nt_sa_brief "$f"
	NT_ENCAPS=$(nt_sum_field "#pkts encaps" <"$f")
	NT_DECAPS=$(nt_sum_field "#pkts decaps" <"$f")
	local n_set n_off
	n_set=$(grep -c 'in use settings' "$f")
	n_off=$(grep -c 'in use settings.*, OFFLOADED,' "$f")
	nt_check "$side: show crypto ipsec sa lists the SA pair" test "$n_set" -ge 2
	if [ "$want" = 1 ]; then
		nt_check "$side: every SA is CAN_BE_OFFLOADED, OFFLOADED ($n_off of $n_set)" test "$n_off" = "$n_set"
	else
		nt_check "$side: no SA is OFFLOADED ($n_off of $n_set)" test "$n_off" = 0
		local nod; nod=$(nt_sum_field "#pkts not offload decrypted" <"$f")
		nt_check "$side: #pkts not offload decrypted ($nod) counts the decaps ($NT_DECAPS)" \
			test "$nod" -ge "$min" -a "$nod" -le "$NT_DECAPS"
	fi
	nt_check "$side: #pkts encaps $NT_ENCAPS >= $min" test "$NT_ENCAPS" -ge "$min"
	nt_check "$side: #pkts decaps $NT_DECAPS >= $min" test "$NT_DECAPS" -ge "$min"
}

# nt_check_pipes a|b: the engine's counters add up, read at rest (no
# traffic), with the SA counters of the last nt_check_sa_offload:
#   show counters:  IPSEC OFFLOAD_IB_PKT_PROCESS_SUCCESS == sum of #pkts decaps of OFFLOADED SAs
#                   IPSEC OFFLOAD_OB_PKT_PROCESS_SUCCESS == sum of #pkts encaps of OFFLOADED SAs
#   show flow-offload info detail, summed over pipes:
#                   Tx Packet count == IB success + OB success (what the pipes decapsulated
#                                       and encapsulated: every good packet leaves once)
#                   Rx Packet count >= Tx Packet count (also counts what a pipe did not keep)
#                   Rx, Tx > 0
# With offload off (WANT=0) the pipes' Tx must not move during the traffic
# (compared with NT_PIPE_TX0 saved before); Rx may (classified, punted).
nt_check_pipes() {
	local side=$1 want=${2:-1} fo fc
	if ! nt_has_cmd "$side" show flow-offload info detail; then
		nt_pending "show flow-offload info detail not implemented yet (pipe counter checks not run)"
		return
	fi
	fo=$(nt_show "$side" flow-offload show flow-offload info detail)
	local rx tx err drop
	rx=$(nt_sum_colon "Rx Packet count" <"$fo")
	tx=$(nt_sum_colon "Tx Packet count" <"$fo")
	err=$(nt_sum_colon "Error Packet count" <"$fo")
	drop=$(nt_sum_colon "Drop Packet count" <"$fo")
	echo "     $side pipes: Rx $rx, Tx $tx, Error $err, Drop $drop ($(grep -c 'Packet stats of Pipe' "$fo") pipe blocks)"
	if [ "$want" = 0 ]; then
		# Rx may count what the pipes classified and handed to the slow path
		echo "     $side: pipes' Rx ${NT_PIPE_RX0:-0} -> $rx with offload off (classified, then punted)"
		nt_check "$side: pipes' Tx did not move with offload off (${NT_PIPE_TX0:-0} -> $tx)" test "$tx" = "${NT_PIPE_TX0:-0}"
		return
	fi
	nt_check "$side: pipes' Rx Packet count > 0" test "$rx" -gt 0
	nt_check "$side: pipes' Tx Packet count > 0" test "$tx" -gt 0
	nt_check "$side: pipes' Rx ($rx) >= Tx ($tx)" test "$rx" -ge "$tx"
	if ! nt_has_cmd "$side" show counters; then
		nt_pending "show counters not implemented yet (IB/OB success vs SA counters not checked)"
		return
	fi
	fc=$(nt_show "$side" counters show counters)
	local ib ob
	ib=$(nt_counter OFFLOAD_IB_PKT_PROCESS_SUCCESS <"$fc")
	ob=$(nt_counter OFFLOAD_OB_PKT_PROCESS_SUCCESS <"$fc")
	echo "     $side show counters: IB success $ib, OB success $ob; SAs: decaps $NT_DECAPS, encaps $NT_ENCAPS"
	nt_check "$side: OFFLOAD_IB_PKT_PROCESS_SUCCESS ($ib) == SA #pkts decaps ($NT_DECAPS)" test "$ib" = "$NT_DECAPS"
	nt_check "$side: OFFLOAD_OB_PKT_PROCESS_SUCCESS ($ob) == SA #pkts encaps ($NT_ENCAPS)" test "$ob" = "$NT_ENCAPS"
	nt_check "$side: pipes' Tx ($tx) == IB success + OB success ($((ib + ob)))" test "$tx" = $((ib + ob))
}

# Save the pipes' Rx/Tx sums (for nt_check_pipes SIDE 0).
nt_pipes_save() {
	local fo
	NT_PIPE_RX0=0 NT_PIPE_TX0=0
	nt_has_cmd "$1" show flow-offload info detail || return 0
	fo=$(nt_show "$1" flow-offload0 show flow-offload info detail)
	NT_PIPE_RX0=$(nt_sum_colon "Rx Packet count" <"$fo")
	NT_PIPE_TX0=$(nt_sum_colon "Tx Packet count" <"$fo")
}

# nt_check_iperf JSON WHAT: iperf3 finished, moved data in every interval.
nt_check_iperf() {
	local json=$1 what=$2 gbps extra mn n bytes
	read -r gbps extra mn n bytes <<<"$(nt_iperf_summary "$json")"
	echo "     iperf3 $what: $gbps Gbit/s, $n intervals, slowest $((mn / 1000000)) Mbit/s, retransmits/lost% $extra"
	nt_check "iperf3 $what: finished with a result" test "$n" -gt 0
	if [ -n "${FPVPN_SANITIZED:-}" ]; then
		# ASan/UBSan make fpvpnd several times slower: kernel socket queues
		# overflow and TCP backs off for a second now and then. Reported,
		# not failed; the release build runs the strict check.
		echo "     (sanitizer build: slowest interval $((mn / 1000000)) Mbit/s, not checked)"
	else
		nt_check "iperf3 $what: throughput > 0 in every interval" test "$mn" -gt 0
	fi
}

# nt_traffic_accounted TAG SECS: with both sites' SA pairs up, 10 pings
# each way and SECS s of iperf3 A -> B (none with 0); both pairs OFFLOADED; what one side
# encapsulated the other decapsulated, or dropped and counted (its show asp
# drop, its veth's rx_dropped): nothing lost unseen. No ESP packet was read
# by a worker other than its SA's (ESP handed to another pipe: 0, no
# pipe-handoff-full): the kernel steered each to its pipe (steer.c).
nt_traffic_accounted() {
	local tag=$1 secs=$2 side f
	nt_cli a clear asp drop >/dev/null
	nt_cli b clear asp drop >/dev/null
	local a_dev0 b_dev0
	a_dev0=$(nt_dev_dropped a) b_dev0=$(nt_dev_dropped b)
	nt_ping a 10
	nt_check "$tag: 10 pings A -> B" test "$(nt_ping_received a)" = 10
	nt_ping b 10
	nt_check "$tag: 10 pings B -> A" test "$(nt_ping_received b)" = 10
	if [ "$secs" -gt 0 ]; then
		nt_check "$tag: $secs s of iperf3 A -> B" nt_iperf a "$secs" "$NT_WORK/iperf-$tag.json"
		nt_iperf_summary "$NT_WORK/iperf-$tag.json" | sed "s/^/     /"
	fi
	for side in a b; do
		f=$(nt_show "$side" "sa-$tag" show crypto ipsec sa)
		nt_check "$tag: $side's pair OFFLOADED" grep -qw OFFLOADED "$f"
	done
	local a_enc b_dec b_enc a_dec a_lost b_lost
	a_enc=$(nt_sum_field "#pkts encaps" <"$NT_WORK/sa-$tag-a.txt")
	b_dec=$(nt_sum_field "#pkts decaps" <"$NT_WORK/sa-$tag-b.txt")
	b_enc=$(nt_sum_field "#pkts encaps" <"$NT_WORK/sa-$tag-b.txt")
	a_dec=$(nt_sum_field "#pkts decaps" <"$NT_WORK/sa-$tag-a.txt")
	# what the receiver did not decapsulate is in its show asp drop
	# (rx-socket-overflow: its kernel dropped it on a full socket) or was
	# dropped by its veth before any socket (a full backlog on 2 busy cores)
	b_lost=$(($(nt_asp b) + $(nt_dev_dropped b) - b_dev0))
	a_lost=$(($(nt_asp a) + $(nt_dev_dropped a) - a_dev0))
	echo "     A encapsulated $a_enc, B decapsulated $b_dec (+$b_lost dropped and counted at B);" \
		"B encapsulated $b_enc, A decapsulated $a_dec (+$a_lost at A)"
	nt_check "$tag: A -> B every packet accounted for ($b_dec + $b_lost of $a_enc)" \
		test "$a_enc" = "$((b_dec + b_lost))"
	nt_check "$tag: B -> A every packet accounted for ($a_dec + $a_lost of $b_enc)" \
		test "$b_enc" = "$((a_dec + a_lost))"
	nt_cli b show asp drop | sed 's/^/     b: /' | grep -v "^     b: *$"
	local pipes handed full
	for side in a b; do
		f=$(nt_show "$side" "fo-$tag" show flow-offload-ipsec statistics)
		pipes=$(awk -F': ' '/^Engine pipes:/ { print $2 }' "$f")
		handed=$(awk -F': ' '/^ESP handed to another pipe:/ { print $2 }' "$f")
		full=$(nt_asp "$side" pipe-handoff-full)
		nt_check "$tag: $side's workers ($pipes pipes) read only their own ESP: handed to another pipe ${handed:-?}, pipe-handoff-full $full" \
			test "${handed:-x}" = 0 -a "$full" = 0
	done
}

# nt_quiesce: wait (up to 5 s) until neither site's SA counters move for
# 0.5 s, so counters read next are read at rest (TCP may still be closing).
nt_quiesce() {
	local prev="" cur i s
	for i in $(seq 10); do
		cur=""
		for s in a b; do
			nt_alive "$s" && cur+=$(nt_cli "$s" show crypto ipsec sa 2>/dev/null | grep -E '#pkts (en|de)caps' | tr -d ' \n')
		done
		[ -n "$prev" ] && [ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.5
	done
	echo "     (counters still moving after 5 s)"
}

# ---------------------------------------------------------------- floods

# nt_flood_ratio ALONE AFTER FLOODED: the throughput under a flood over the
# mean of the runs alone before and after it, "%.3f" (0 when none ran)
nt_flood_ratio() {
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { m = (a + b) / 2; printf "%.3f", (m > 0) ? f / m : 0 }'
}
nt_ratio_ok() { awk -v r="$1" 'BEGIN { exit !(r >= 0.9) }'; }

# nt_flood_measure FN: FN N (alone, under the flood, alone again; it sets
# ratio) once, then again at most twice while ratio < 0.9: on two busy
# shared cores iperf3 alone swings by +-20 % from one run to the next.
nt_flood_measure() {
	local again
	"$1" 1
	for again in 2 3; do
		nt_ratio_ok "$ratio" && break
		nt_say "below 0.9: measured again ($again of 3)"
		"$1" "$again"
	done
}

# nt_check_flood_ratio: ratio >= 0.9, checked; FLOOD_RATIO=print only
# prints it, the default with a sanitizer build (its fpvpnd runs several
# times slower: the ratio says little there).
nt_check_flood_ratio() {
	[ -n "${FPVPN_SANITIZED:-}" ] && FLOOD_RATIO=${FLOOD_RATIO:-print}
	if [ "${FLOOD_RATIO:-assert}" = assert ]; then
		nt_check "iperf3 under the flood keeps >= 90 % of its throughput ($ratio)" nt_ratio_ok "$ratio"
	else
		echo "     (ratio $ratio printed, not asserted: FLOOD_RATIO=print)"
	fi
}
