#!/bin/bash
# ESP interop with Scapy, through fpvpnd's offline mode (docs/interop.md).
#   bash test_esp_scapy.sh BUILD_DIR
# Exit 77 (ctest: skipped) with the reason when Debian's python3 has no
# Scapy or fpvpnd is missing or has no --offline mode; 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: test_esp_scapy.sh BUILD_DIR}
fpvpnd=$build/fpvpnd
py=/usr/bin/python3 # Debian's, with python3-scapy; not a pyenv python3 on PATH

skip() { echo "SKIP: $*"; exit 77; }

[ -x "$py" ] || skip "$py not found (apt-get install python3 python3-scapy)"
"$py" -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null ||
	skip "$py cannot import scapy and cryptography (apt-get install python3-scapy)"
[ -x "$fpvpnd" ] || skip "$fpvpnd not built"
"$fpvpnd" --help 2>&1 | grep -q -- '--offline' || skip "$fpvpnd has no --offline mode"

export PYTHONDONTWRITEBYTECODE=1
"$py" "$here/esp_scapy.py" "$fpvpnd" && exit 0
# A failure: is it fpvpnd's or the harness's? The self-test checks the
# harness without fpvpnd (Scapy vs our ESP codec, the checkers, the
# expected drop reasons).
if "$py" "$here/esp_scapy.py" --selftest >/dev/null 2>&1; then
	echo "harness self-test passes: the failures above are fpvpnd's"
else
	echo "harness self-test FAILS: run esp_scapy.py --selftest; fix tests/interop first"
fi
exit 1
