#!/usr/bin/env bash
# make demo: two sites in network namespaces, each behind a live fpvpnd
# with the configuration of examples/site-a-ikev2.conf / site-b-ikev2.conf
# (IKEv2, pre-shared key), traffic
# both ways through the IPsec tunnel, the show commands of both gateways,
# then everything removed again.
#
#  netns fpa (site A)                                  netns fpb (site B)
#  hosts = fpa's own stack, 10.1.0.1                   hosts = fpb's own stack, 10.2.0.1
#  fpvpnd A: inside TUN tun-in 10.1.0.1/24             fpvpnd B: inside TUN tun-in 10.2.0.1/24
#  outside veth fpa-out 198.51.100.1/24 ====ESP==== veth fpb-out 198.51.100.2/24
#
#   bash tests/demo/demo.sh BUILD_DIR      (as root; make demo does it)
# Without root, network namespaces or a live fpvpnd it runs the offline
# demo (tests/demo/offline.sh) instead and says why.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) bdir=$build ;; *) bdir=$here/$build ;; esac

offline() {
	echo "demo: $1: running the offline demo (tests/demo/offline.sh) instead"
	exec bash "$here/tests/demo/offline.sh" "$build"
}
[ -x "$bdir/fpvpnd" ] || { echo "demo: $bdir/fpvpnd not built (run make demo)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || offline "not root (network namespaces and TUN devices need it)"
"$bdir/fpvpnd" --help 2>&1 | grep -q -- '-s, --socket' || offline "this fpvpnd has no live mode"
for tool in ip ping iperf3; do
	command -v $tool >/dev/null || offline "$tool is not installed (make deps installs it)"
done

# plain names fpa/fpb, unless something already uses them
NT_SFX=""
[ -e /run/netns/fpa ] || [ -e /run/netns/fpb ] && NT_SFX="-$$"
export NT_SFX
. "$here/tests/netns/lib.sh"
nt_skip() { offline "$*"; } # lib.sh's "cannot run here" goes to the offline demo
nt_init "$bdir" demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m%s# %s\033[0m\n' "$1" "${*:2}"; }
show() { # SIDE COMMAND...
	local side=$1; shift
	printf '\n\033[1msite-%s# %s\033[0m\n' "$side" "$*"
	nt_cli "$side" "$@"
}

step "1. two network namespaces, $NT_A (site A) and $NT_B (site B), joined by a veth pair"
echo "   $NT_A: fpa-out 198.51.100.1/24   <== veth ==>   $NT_B: fpb-out 198.51.100.2/24"
nt_topo_up
run "$NT_A" "ip -br addr"
nt_in a ip -br addr | sed 's/^/   /'

step "2. the configurations: examples/site-a-ikev2.conf and site-b-ikev2.conf, interface names adapted"
# a fresh pre-shared key each run: the examples' is public
psk=$(nt_hex 16)
for s in a b; do
	sed -e "s/^interface eth0$/interface fp$s-out/" -e 's/^interface eth1$/interface tun-in/' \
		-e "s/pre-shared-key EXAMPLE-not-secret-0123456789/pre-shared-key $psk/" \
		"$here/examples/site-$s-ikev2.conf" >"$NT_WORK/site-$s.conf"
done
echo "   eth0 (outside) -> fpa-out / fpb-out, the veth ends;"
echo "   eth1 (inside)  -> tun-in: it does not exist, so fpvpnd creates it as a TUN device,"
echo "                     gives it 10.1.0.1/24 (10.2.0.1/24) and routes the other site's"
echo "                     network (the crypto ACL's destination) into it."
echo "   IKEv2 negotiates the keys: pre-shared key fresh for this run, the same on both sides."
grep -E 'access-list|crypto ikev2|encryption|group|crypto map|pre-shared|flow-offload' "$NT_WORK/site-a.conf" |
	sed -E 's/(pre-shared-key) [^ ]+/\1 .../; s/^/   site-a.conf: /'

step "3. start fpvpnd in each namespace (foreground daemons; control sockets in $NT_WORK)"
run "$NT_A" "fpvpnd -c site-a.conf -s $NT_WORK/a.sock &"
nt_start a "$NT_WORK/site-a.conf"
run "$NT_B" "fpvpnd -c site-b.conf -s $NT_WORK/b.sock &"
nt_start b "$NT_WORK/site-b.conf"
sed 's/^/   /' "${NT_LOG[a]}" "${NT_LOG[b]}"
run "$NT_A" "ip route show"
nt_in a ip route show | sed 's/^/   /'

step "4. ping from site A's network (10.1.0.1) to site B's (10.2.0.1) and back"
echo "   the first packet finds no SA: A starts IKEv2 (IKE_SA_INIT, IKE_AUTH) and drops it"
echo "   as ipsec-tun-down, as the ASA does; the SA pair goes into the engine when it is up."
run "$NT_A" "ping -c 5 -I 10.1.0.1 10.2.0.1"
nt_in a ping -n -c 5 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 | sed 's/^/   /'
run "$NT_B" "ping -c 5 -I 10.2.0.1 10.1.0.1"
nt_in b ping -n -c 5 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1 | sed 's/^/   /'

step "5. iperf3: 5 seconds of TCP from site A to site B through the tunnel"
run "$NT_B" "iperf3 -s -1 -B 10.2.0.1 &"
run "$NT_A" "iperf3 -c 10.2.0.1 -B 10.1.0.1 -t 5"
nt_iperf a 5 "$NT_WORK/iperf.json"
"$NT_PY" - "$NT_WORK/iperf.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("   iperf3 gave no result"); sys.exit(0)
for i in r.get("intervals", []):
    s = i["sum"]
    print("   %5.2f-%5.2f s  %8.1f MBytes  %6.2f Gbit/s" % (s["start"], s["end"], s["bytes"] / 1e6, s["bits_per_second"] / 1e9))
e = r.get("end", {})
if "sum_received" in e:
    print("   sender %.2f Gbit/s (%d retransmits), receiver %.2f Gbit/s" % (
        e["sum_sent"]["bits_per_second"] / 1e9, e["sum_sent"].get("retransmits", 0),
        e["sum_received"]["bits_per_second"] / 1e9))
PY

step "6. what the gateways say"
for s in a b; do
	nt_has_cmd $s show crypto ikev2 sa && show $s show crypto ikev2 sa
	show $s show crypto ipsec sa
	show $s show flow-offload info detail
	show $s show counters
done

step "7. stop both gateways (SIGTERM) and remove the namespaces"
nt_stop a >/dev/null
nt_stop b >/dev/null
echo "   fpvpnd A and B stopped; they removed tun-in and its routes."
echo "   the EXIT trap now deletes $NT_A and $NT_B and $NT_WORK."
[ "$NT_FAILS" = 0 ] || echo "demo: $NT_FAILS check(s) failed (see above)"
exit $((NT_FAILS > 0))
