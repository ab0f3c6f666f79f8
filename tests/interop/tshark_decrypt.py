#!/usr/bin/python3
"""tshark decrypts the ESP that fpvpnd sends.

    /usr/bin/python3 tshark_decrypt.py BUILD_DIR/fpvpnd [--keep DIR]

For each transform (AES-GCM-128, AES-GCM-256, AES-256/SHA-256,
AES-128/SHA-1, ChaCha20-Poly1305) and geometry (inner/outer family, raw
ESP or ESP in UDP 4500), fpvpnd in offline mode encrypts ICMP echo
requests arriving on `inside`; tshark, given the outbound SA's keys in its
esp_sa table, must dissect every packet of outside_out.pcap down to the
inner ICMP: inner addresses, echo sequence and payload as sent, ESP SPI and
sequence 1, 2, 3..., and "ICV correct" (esp.icv_good).

Every case is calibrated, so that a pass means something:
  - control: tshark must decrypt Scapy's ESP for the same SA the same way;
    if it cannot (Wireshark 4.0 has no ChaCha20-Poly1305 in esp_sa), the
    transform is skipped with a message, not failed;
  - wrong key: with one key bit flipped tshark must not find a correct ICV
    in fpvpnd's packets.

Prints "ok CASE" / "skip CASE: why" / "FAIL CASE: why", then
"N passed, M failed, K skipped"; exits 1 on any failure.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esplib as E  # noqa: E402
from scapy.layers.inet import IP, ICMP  # noqa: E402
from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest  # noqa: E402
from scapy.packet import Raw  # noqa: E402

TRANSFORMS = ["aes-gcm", "aes-gcm-256", "aes-256+sha-256", "aes+sha-1", "chacha20-poly1305"]
GEOMETRIES = [(4, 4, False), (6, 6, True), (4, 6, True), (6, 4, False)]
# Wireshark's esp_sa names for ChaCha20-Poly1305 (RFC 7634), newest first;
# 4.0 has none of them and rejects the UAT line.
CHACHA_WS_NAMES = ["ChaCha20-Poly1305 [RFC7634]", "ChaCha20 with Poly1305 [RFC7634]"]
SIZES = [0, 1, 16, 56, 100, 255, 512, 1000, 1300, 1352]
FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
          "esp.spi", "esp.sequence", "icmp.seq", "icmpv6.echo.sequence_number", "data.data",
          "esp.icv_good", "esp.icv_bad", "_ws.malformed"]
T0 = 1700000000 * 10**9


def echo_requests(af):
    """ICMP echo requests from our protected network to the peer's."""
    out = []
    for i, n in enumerate(SIZES):
        src, dst = E.host(E.LOCAL_NET[af], i), E.host(E.REMOTE_NET[af], i + 3)
        data = Raw(E.payload(n, 0x21 + i))
        if af == 4:
            out.append(IP(src=src, dst=dst, flags="DF" if i % 2 else 0) / ICMP(id=0x77, seq=i + 1) / data)
        else:
            out.append(IPv6(src=src, dst=dst) / ICMPv6EchoRequest(id=0x77, seq=i + 1) / data)
    return [bytes(p) for p in out]


def uat(tr, outer_af, keys, ws_enc):
    t = E.TRANSFORMS[tr]
    auth = "0x" + keys.auth.hex() if keys.auth else ""
    return 'uat:esp_sa:"%s","%s","%s","0x%08x","%s","0x%s","%s","%s"' % (
        "IPv4" if outer_af == 4 else "IPv6", E.us(outer_af), E.peer(outer_af), E.SPI_OUT,
        ws_enc, keys.cipher.hex(), t["ws_auth"], auth)


def tshark(pcap, uat_line):
    """Run tshark; returns (rows as dicts, error text or None)."""
    cmd = ["tshark", "-n", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE", "-o", uat_line,
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode:
        err = [x for x in p.stderr.splitlines() if "Running as user" not in x]
        m = re.search(r"(esp_sa:\d+: .*)$", p.stderr, re.M)
        return [], m.group(1) if m else (" | ".join(err[-2:]) or "tshark exited %d" % p.returncode)
    rows = []
    for line in p.stdout.splitlines():
        vals = line.split("\t")
        rows.append(dict(zip(FIELDS, vals + [""] * (len(FIELDS) - len(vals)))))
    return rows, None


def last(v):
    return v.split(",")[-1] if v else ""


def echo_data(inner):
    """The echo payload as Scapy dissected it (ICMPv6 keeps it in .data)."""
    if ICMPv6EchoRequest in inner:
        return bytes(inner[ICMPv6EchoRequest].data)
    return bytes(inner[Raw].load) if Raw in inner else b""


def row_problems(i, row, want, ia, icv):
    """What tshark shows of packet i against the inner packet we sent."""
    inner = E.parse_ip(want)
    fam = "ip" if ia == 4 else "ipv6"
    src, dst = inner[IP if ia == 4 else IPv6].src, inner[IP if ia == 4 else IPv6].dst
    seq = "icmp.seq" if ia == 4 else "icmpv6.echo.sequence_number"
    probs = []
    got = (last(row[fam + ".src"]), last(row[fam + ".dst"]), row[seq])
    if got != (src, dst, str(i + 1)):
        probs.append("#%d: tshark shows inner %s -> %s echo seq %s, want %s -> %s seq %d"
                     % ((i + 1,) + got + (src, dst, i + 1)))
    body = echo_data(inner)
    if row["data.data"] != body.hex():
        probs.append("#%d: inner echo payload differs (%d hex chars, want %d)"
                     % (i + 1, len(row["data.data"]), 2 * len(body)))
    if row["esp.spi"].lower() != "0x%08x" % E.SPI_OUT or row["esp.sequence"] != str(i + 1):
        probs.append("#%d: ESP spi %s seq %s" % (i + 1, row["esp.spi"], row["esp.sequence"]))
    if icv and (row["esp.icv_good"], row["esp.icv_bad"]) != ("1", "0"):
        probs.append("#%d: ICV not correct (good=%s bad=%s)" % (i + 1, row["esp.icv_good"], row["esp.icv_bad"]))
    if row["_ws.malformed"]:
        probs.append("#%d: tshark says malformed" % (i + 1))
    return probs


def check_rows(rows, sent, ia, icv):
    probs = []
    if len(rows) != len(sent):
        probs.append("tshark read %d packets, want %d" % (len(rows), len(sent)))
    for i, (row, want) in enumerate(zip(rows, sent)):
        probs += row_problems(i, row, want, ia, icv)
        if len(probs) > 3:
            break
    return probs


def case_name(tr, ia, oa, encap):
    return "tshark/%s/in%d/out%d/%s" % (tr, ia, oa, "udp4500" if encap else "esp")


class TsharkCase:
    def __init__(self, root, tr, ia, oa, encap):
        self.tr, self.ia, self.oa, self.encap = tr, ia, oa, encap
        self.name = case_name(tr, ia, oa, encap)
        self.dir = os.path.join(root, self.name.replace("/", "_"))
        os.makedirs(self.dir)
        self.kin, self.kout = E.Keys(tr), E.Keys(tr)
        self.sent = echo_requests(ia)

    def path(self, f):
        return os.path.join(self.dir, f)

    def control(self):
        """Scapy's ESP for fpvpnd's outbound SA: what tshark must manage."""
        sa = E.scapy_sa(self.tr, E.SPI_OUT, self.kout, E.us(self.oa), E.peer(self.oa), self.encap)
        E.write_pcap(self.path("control.pcap"),
                     [E.scapy_encrypt(sa, E.parse_ip(p), i + 1) for i, p in enumerate(self.sent)])

    def ws_names(self):
        t = E.TRANSFORMS[self.tr]
        return CHACHA_WS_NAMES if self.tr == "chacha20-poly1305" else [t["ws_enc"]]

    def calibrate(self):
        """The esp_sa name tshark decrypts the control with, and whether it
        checks the ICV; (None, why) when it decrypts it with none."""
        why = None
        for ws in self.ws_names():
            rows, err = tshark(self.path("control.pcap"), uat(self.tr, self.oa, self.kout, ws))
            if err:
                why = err
                continue
            icv = all(r["esp.icv_good"] == "1" for r in rows)
            probs = check_rows(rows, self.sent, self.ia, icv)
            if not probs:
                return ws, icv
            why = probs[0]
        return None, why

    def run_fpvpnd(self, fpvpnd):
        with open(self.path("site-a.cfg"), "w") as f:
            f.write(E.make_config(self.tr, self.ia, self.oa, self.encap, self.kin, self.kout))
        E.write_pcap(self.path("outside_in.pcap"), [])
        E.write_pcap(self.path("inside_in.pcap"), self.sent, T0)
        return E.run_fpvpnd(fpvpnd, self.path("site-a.cfg"),
                            [("outside", self.path("outside_in.pcap")),
                             ("inside", self.path("inside_in.pcap"))],
                            [("outside", self.path("outside_out.pcap")),
                             ("inside", self.path("inside_out.pcap"))], [])

    def wrong_key(self):
        k = E.Keys(self.tr, rand=lambda n: bytes(n))
        k.cipher = bytes([self.kout.cipher[0] ^ 1]) + self.kout.cipher[1:]
        k.auth = bytes([self.kout.auth[0] ^ 1]) + self.kout.auth[1:] if self.kout.auth else b""
        return k


def run_case(fpvpnd, root, tr, ia, oa, encap):
    """(name, status, problems): status 'ok', 'skip' or 'FAIL'."""
    c = TsharkCase(root, tr, ia, oa, encap)
    c.control()
    ws, icv = c.calibrate()
    if ws is None:
        if tr == "chacha20-poly1305":
            return c.name, "skip", ["tshark cannot decrypt ChaCha20-Poly1305 ESP (RFC 7634): "
                                    "esp_sa knows none of %s (%s)" % (CHACHA_WS_NAMES, icv)]
        return c.name, "FAIL", ["harness: tshark cannot decrypt Scapy's own ESP: %s" % icv]
    p = c.run_fpvpnd(fpvpnd)
    if p.returncode:
        return c.name, "FAIL", ["fpvpnd exited %d: %s" % (p.returncode, p.stderr.strip()[-300:])]
    rows, err = tshark(c.path("outside_out.pcap"), uat(tr, oa, c.kout, ws))
    probs = [err] if err else check_rows(rows, c.sent, ia, icv)
    if icv and not probs:
        rows, err = tshark(c.path("outside_out.pcap"), uat(tr, oa, c.wrong_key(), ws))
        if err or any(r["esp.icv_good"] == "1" for r in rows):
            probs.append("calibration: tshark finds a correct ICV with a wrong key (%s)" % err)
    return c.name, "FAIL" if probs else "ok", probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fpvpnd", help="path to BUILD_DIR/fpvpnd")
    ap.add_argument("--keep", help="work in this directory and keep it")
    a = ap.parse_args()
    root = a.keep or tempfile.mkdtemp(prefix="tshark_esp.")
    os.makedirs(root, exist_ok=True)
    t = time.time()
    counts = {"ok": 0, "FAIL": 0, "skip": 0}
    unsupported = {}  # transform -> why tshark cannot decrypt it
    try:
        for tr in TRANSFORMS:
            for ia, oa, encap in GEOMETRIES:
                try:
                    if tr in unsupported:
                        name, status, probs = case_name(tr, ia, oa, encap), "skip", unsupported[tr]
                    else:
                        name, status, probs = run_case(a.fpvpnd, root, tr, ia, oa, encap)
                    if status == "skip":
                        unsupported[tr] = probs
                except Exception as e:  # harness bug or a hung tool: report, go on
                    name, status = case_name(tr, ia, oa, encap), "FAIL"
                    probs = ["harness exception %s: %s" % (type(e).__name__, e)]
                counts[status] += 1
                print("%s %s%s" % (status, name, ": " + "; ".join(probs[:4]) if probs else ""))
                sys.stdout.flush()
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (counts["ok"], counts["FAIL"], counts["skip"]))
    print("(%.1f s%s)" % (time.time() - t, ", files in %s" % root if a.keep else ""))
    return 1 if counts["FAIL"] or not counts["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
