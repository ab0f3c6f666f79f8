#!/usr/bin/env bash
# The offline demo (make demo runs tests/demo/demo.sh, the live one; this
# one needs no root and no network namespaces: bash tests/demo/offline.sh
# BUILD_DIR). Two sites, A and B, each a fpvpnd in offline mode with the
# configuration in examples/. Traffic goes both ways through the tunnel:
#
#   hosts 10.1.0.0/24 --inside-- [site A] ==ESP== [site B] --inside-- hosts 10.2.0.0/24
#                                198.51.100.1     198.51.100.2
#
# 1. A's hosts send pings and UDP to B's hosts (a capture made with Scapy)
# 2. site A encrypts them: what leaves A's outside interface is ESP
# 3. site B reads that ESP on its outside interface and decrypts it
# 4. B's hosts answer; site B encrypts; site A decrypts the answers
# Each step prints what came out (tshark) and the sites' show commands.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
fpvpnd=$here/$build/fpvpnd
py=/usr/bin/python3
work=$(mktemp -d /tmp/fpvpn-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$fpvpnd" ] || { echo "demo: $fpvpnd not built (run make demo)" >&2; exit 1; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show_pcap() { tshark -n -r "$1" -T fields -E separator=' ' \
	-e frame.number -e ip.src -e ip.dst -e _ws.col.Protocol -e frame.len -e _ws.col.Info 2>/dev/null |
	sed 's/^/   /' | head -n 12; }

say "1. hosts behind site A send 8 pings and 4 UDP datagrams to site B's hosts"
"$py" - "$work/a-hosts.pcap" <<'PY'
import sys
from scapy.all import IP, ICMP, UDP, Raw, wrpcap
pkts = []
for i in range(8):
    pkts.append(IP(src="10.1.0.10", dst="10.2.0.20") / ICMP(id=7, seq=i + 1) / Raw(b"fpvpn demo " * 4))
for i in range(4):
    pkts.append(IP(src="10.1.0.11", dst="10.2.0.21") / UDP(sport=5000 + i, dport=5001) / Raw(b"x" * (100 * (i + 1))))
for n, p in enumerate(pkts):
    p.time = 1700000000 + n * 0.01
wrpcap(sys.argv[1], pkts, linktype=228)
PY
show_pcap "$work/a-hosts.pcap"

say "2. site A: inside -> crypto map -> offload engine -> outside (ESP)"
"$fpvpnd" -c "$here/examples/site-a.conf" --offline \
	--read inside="$work/a-hosts.pcap" --write outside="$work/a-wire.pcap"
show_pcap "$work/a-wire.pcap"

say "3. site B: outside (ESP) -> offload engine -> inside"
"$fpvpnd" -c "$here/examples/site-b.conf" --offline \
	--read outside="$work/a-wire.pcap" --write inside="$work/b-hosts.pcap"
show_pcap "$work/b-hosts.pcap"

say "4. site B's hosts answer; B encrypts, A decrypts"
"$py" - "$work/b-hosts.pcap" "$work/b-answers.pcap" <<'PY'
import sys
from scapy.all import IP, ICMP, UDP, Raw, rdpcap, wrpcap
out = []
for p in rdpcap(sys.argv[1]):
    ip = p[IP] if IP in p else IP(bytes(p))
    if ICMP in ip:
        r = IP(src=ip.dst, dst=ip.src) / ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq) / Raw(bytes(ip[ICMP].payload))
    else:
        r = IP(src=ip.dst, dst=ip.src) / UDP(sport=ip[UDP].dport, dport=ip[UDP].sport) / Raw(b"answer")
    r.time = float(p.time) + 0.001
    out.append(r)
wrpcap(sys.argv[2], out, linktype=228)
PY
"$fpvpnd" -c "$here/examples/site-b.conf" --offline \
	--read outside="$work/a-wire.pcap" --read inside="$work/b-answers.pcap" \
	--write outside="$work/b-wire.pcap" --write inside="$work/b-hosts2.pcap" \
	--exec "show crypto ipsec sa" --exec "show ipsec stats" > "$work/b-show.txt"
"$fpvpnd" -c "$here/examples/site-a.conf" --offline \
	--read inside="$work/a-hosts.pcap" --read outside="$work/b-wire.pcap" \
	--write outside="$work/a-wire2.pcap" --write inside="$work/a-hosts2.pcap" \
	--exec "show crypto ipsec sa" --exec "show asp drop" > "$work/a-show.txt"
echo "   what reaches site A's hosts:"
show_pcap "$work/a-hosts2.pcap"

say "5. site A: show crypto ipsec sa, show asp drop"
cat "$work/a-show.txt"
say "6. site B: show crypto ipsec sa, show ipsec stats"
cat "$work/b-show.txt"

say "7. the same tunnel with 'no flow-offload-ipsec': the software path carries it"
sed 's/^flow-offload-ipsec$/no flow-offload-ipsec/' "$here/examples/site-a.conf" > "$work/site-a-sw.conf"
"$fpvpnd" -c "$work/site-a-sw.conf" --offline \
	--read inside="$work/a-hosts.pcap" --read outside="$work/b-wire.pcap" \
	--write inside="$work/a-hosts3.pcap" --exec "show crypto ipsec sa" 2>/dev/null |
	grep -E 'in use settings|#pkts (encaps|decaps|not offload)' | sed 's/^ */   /'

sent=$(tshark -r "$work/a-hosts.pcap" 2>/dev/null | wc -l)
back=$(tshark -r "$work/a-hosts2.pcap" 2>/dev/null | wc -l)
say "demo done: $sent packets sent from site A, $back answers came back through the tunnel"
[ "$sent" -eq "$back" ]
