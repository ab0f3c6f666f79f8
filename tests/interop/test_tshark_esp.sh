#!/bin/bash
# tshark decrypts fpvpnd's ESP (docs/interop.md).
#   bash test_tshark_esp.sh BUILD_DIR
# Exit 77 (ctest: skipped) with the reason when tshark, Debian's python3
# with Scapy, or fpvpnd with --offline is missing; 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: test_tshark_esp.sh BUILD_DIR}
fpvpnd=$build/fpvpnd
py=/usr/bin/python3 # Debian's, with python3-scapy; not a pyenv python3 on PATH

skip() { echo "SKIP: $*"; exit 77; }

command -v tshark >/dev/null || skip "tshark not installed (apt-get install tshark)"
[ -x "$py" ] || skip "$py not found (apt-get install python3 python3-scapy)"
"$py" -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null ||
	skip "$py cannot import scapy and cryptography (apt-get install python3-scapy)"
[ -x "$fpvpnd" ] || skip "$fpvpnd not built"
"$fpvpnd" --help 2>&1 | grep -q -- '--offline' || skip "$fpvpnd has no --offline mode"

export PYTHONDONTWRITEBYTECODE=1
exec "$py" "$here/tshark_decrypt.py" "$fpvpnd"
