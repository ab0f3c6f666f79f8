#!/usr/bin/python3
"""ESP interop between fpvpnd's offline mode and Scapy.

    /usr/bin/python3 esp_scapy.py BUILD_DIR/fpvpnd [--only SUBSTR] [--keep DIR]
    /usr/bin/python3 esp_scapy.py --selftest

Positive matrix, for every transform x inner family x outer family x
encapsulation (raw ESP, ESP in UDP 4500):

   peer (Scapy)                          fpvpnd --offline               inside hosts
   outside_in.pcap: ESP spi 0x1001 ───►  [outside] decrypt ─► [inside]  inside_out.pcap
   outside_out.pcap ◄── ESP spi 0x2001   [outside] encrypt ◄─ [inside]  inside_in.pcap

and asserts: inside_out is exactly the peer's inner packets, byte for byte
and in order; outside_out decrypts with a Scapy SA to exactly inside_in,
with sequence numbers 1, 2, 3..., the right outer addresses, ports,
lengths, checksums and RFC 4303 padding; `show crypto ipsec sa` counts 20
encaps and 20 decaps, shows OFFLOADED and a 20-packet replay bitmap;
`show asp drop` counts nothing.

Negative set, one run per transform and encapsulation, each at
`--burst 1` and `--burst 256` (the whole file in one vector): valid packets
interleaved with one of each bad kind (flipped ICV, replay, left of the
window, unknown and reserved SPI, truncated, bad length, bad padding, bad
pad length, empty inner packet, TFC dummy, bad next header, selector
mismatch, NAT-T keepalive, IKE on 4500, empty UDP datagram); asserts that
every valid packet comes out in order and every bad one is counted under
its `show asp drop` name (src/offload/drop.h) and nothing else is.

--selftest checks the harness without fpvpnd: Scapy and our own ESP codec
decrypt each other's packets, the checkers accept a correct gateway's
output and reject broken ones, and a small reference receiver drops each
crafted bad packet for the reason the negative set expects.

Prints "ok CASE" or "FAIL CASE: why" per case, then "N passed, M failed";
exits 1 on any failure.
"""

import argparse
import os
import shutil
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esplib as E  # noqa: E402
from scapy.layers.inet import IP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402

SRC_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_PKTS = 20
T0 = 1700000000 * 10**9
SHOW = ["show crypto ipsec sa", "show asp drop"]
NEG_BURSTS = (1, 256)  # fpvpnd --burst for the negative set


def case_name(tr, ia, oa, encap):
    return "%s/in%d/out%d/%s" % (tr, ia, oa, "udp4500" if encap else "esp")


class Case:
    """One fpvpnd run: its directory, keys, SAs as the peer sees them."""

    def __init__(self, root, tr, ia, oa, encap, prefix=""):
        self.tr, self.ia, self.oa, self.encap = tr, ia, oa, encap
        self.name = prefix + case_name(tr, ia, oa, encap)
        self.dir = os.path.join(root, self.name.replace("/", "_"))
        os.makedirs(self.dir, exist_ok=True)
        self.kin, self.kout = E.Keys(tr), E.Keys(tr)
        self.us, self.peer = E.us(oa), E.peer(oa)

    def path(self, f):
        return os.path.join(self.dir, f)

    def sa_in(self, spi=E.SPI_IN):
        """The peer's outbound SA = fpvpnd's inbound one."""
        return E.scapy_sa(self.tr, spi, self.kin, self.peer, self.us, self.encap)

    def sa_out(self):
        """fpvpnd's outbound SA, for the peer to decrypt with."""
        return E.scapy_sa(self.tr, E.SPI_OUT, self.kout, self.us, self.peer, self.encap)

    def write_inputs(self, outside, inside, outside_ether=False, inside_ether=False):
        """outside/inside: lists of raw packets; the inside ones are
        stamped half a step after the outside ones, merging them."""
        with open(self.path("site-a.cfg"), "w") as f:
            f.write(E.make_config(self.tr, self.ia, self.oa, self.encap, self.kin, self.kout))
        with open(self.path("esp_sa"), "w") as f:
            f.write(E.esp_sa_lines(self.tr, self.oa, self.kin, self.kout))
        E.write_pcap(self.path("outside_in.pcap"), outside, T0, ether=outside_ether)
        E.write_pcap(self.path("inside_in.pcap"), inside, T0 + 500000, ether=inside_ether)

    def run(self, fpvpnd, extra=()):
        p = E.run_fpvpnd(fpvpnd, self.path("site-a.cfg"),
                         [("outside", self.path("outside_in.pcap")),
                          ("inside", self.path("inside_in.pcap"))],
                         [("outside", self.path("outside_out.pcap")),
                          ("inside", self.path("inside_out.pcap"))], SHOW, extra)
        with open(self.path("stdout.txt"), "w") as f:
            f.write(p.stdout)
        with open(self.path("stderr.txt"), "w") as f:
            f.write(p.stderr)
        return p


# ---------------------------------------------------------------- checkers
# Each returns a list of problems, empty when all is well.


def check_inside_out(want, got):
    probs = []
    if len(got) != len(want):
        probs.append("inside_out has %d packets, want %d" % (len(got), len(want)))
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            probs.append("inside_out #%d differs from the peer's inner packet (%d vs %d bytes)%s"
                         % (i + 1, len(g), len(w), first_diff(w, g)))
            break
    return probs


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return ", first at byte %d: got 0x%02x, want 0x%02x" % (i, y, x)
    return ""


def check_one_outer(c, i, b, want):
    """Outside_out packet i (0-based): framing, SPI/seq, decryption."""
    o = E.split_outer(b)
    probs = ["#%d: %s" % (i + 1, p) for p in o["problems"]]
    if (o["src"], o["dst"]) != (c.us, c.peer):
        probs.append("#%d: outer %s -> %s, want %s -> %s" % (i + 1, o["src"], o["dst"], c.us, c.peer))
    want_proto = 17 if c.encap else 50
    if o["proto"] != want_proto:
        return probs + ["#%d: outer protocol %d, want %d" % (i + 1, o["proto"], want_proto)]
    if c.encap and (o["sport"], o["dport"]) != (E.NAT_T_PORT, E.NAT_T_PORT):
        probs.append("#%d: UDP %s -> %s, want 4500 -> 4500" % (i + 1, o["sport"], o["dport"]))
    if c.oa == 4 and c.ia == 4 and (b[6] & 0x40) != (want[6] & 0x40):
        probs.append("#%d: outer DF %d, inner DF %d: not copied (ASA default copy-df)"
                     % (i + 1, b[6] >> 6 & 1, want[6] >> 6 & 1))
    spi, seq = struct.unpack("!II", o["esp"][:8]) if len(o["esp"]) >= 8 else (None, None)
    if spi != E.SPI_OUT or seq != i + 1:
        probs.append("#%d: ESP spi %s seq %s, want spi 0x%x seq %d" % (i + 1, spi, seq, E.SPI_OUT, i + 1))
    return probs + check_decrypt(c, i, b, o["esp"], want)


def check_decrypt(c, i, b, esp, want):
    probs = []
    try:
        got = bytes(c.sa_out().decrypt(E.parse_ip(b)))
        if got != want:
            probs.append("#%d: Scapy decrypts %d bytes that differ from inside_in #%d%s"
                         % (i + 1, len(got), i + 1, first_diff(want, got)))
    except Exception as e:  # Scapy raises several types here
        probs.append("#%d: Scapy cannot decrypt: %s: %s" % (i + 1, type(e).__name__, e))
    codec = E.EspCodec(c.tr, c.kout)
    try:
        d = codec.open(esp)
    except E.EspError as e:
        return probs + ["#%d: %s" % (i + 1, e)]
    bad = E.check_trailer(d, codec.block)
    if bad:
        probs.append("#%d: %s" % (i + 1, bad))
    nh = 4 if c.ia == 4 else 41
    if d["nh"] != nh:
        probs.append("#%d: next header %d, want %d" % (i + 1, d["nh"], nh))
    return probs


def check_outside_out(c, want, got):
    probs = []
    if len(got) != len(want):
        probs.append("outside_out has %d packets, want %d" % (len(got), len(want)))
    for i, (w, g) in enumerate(zip(want, got)):
        probs += check_one_outer(c, i, g, w)
        if len(probs) > 3:
            break
    return probs


def check_sa_show(c, text, n_enc, n_dec, bitmap=None):
    probs = []
    for name, n in (("pkts encaps", n_enc), ("pkts encrypt", n_enc), ("pkts digest", n_enc),
                    ("pkts decaps", n_dec), ("pkts decrypt", n_dec), ("pkts verify", n_dec)):
        v = E.sa_counter(text, name)
        if v != n:
            probs.append("show crypto ipsec sa: #%s: %s, want %d" % (name, v, n))
    if "OFFLOADED" not in text:
        probs.append("show crypto ipsec sa: no OFFLOADED")
    if "current_peer: %s" % c.peer not in text:
        probs.append("show crypto ipsec sa: no 'current_peer: %s'" % c.peer)
    for what, spi in (("outbound", E.SPI_OUT), ("inbound", E.SPI_IN)):
        if not E.re.search(r"current %s spi\s*:\s*(0x)?0*%X\b" % (what, spi), text, E.re.I):
            probs.append("show crypto ipsec sa: no 'current %s spi: %08X'" % (what, spi))
    if bitmap is not None and E.replay_bitmap(text) != bitmap:
        got = E.replay_bitmap(text)
        probs.append("show crypto ipsec sa: inbound Anti replay bitmap %s, want 0x%X"
                     % ("missing" if got is None else "0x%X" % got, bitmap))
    return probs


def check_drops(text, expect):
    """expect: list of (set of acceptable names, count). Every counter not
    expected must be zero."""
    got = E.parse_asp_drop(text)
    probs = []
    for names, n in expect:
        have = sum(got.get(x, 0) for x in names)
        if have != n:
            probs.append("show asp drop: %s = %d, want %d" % ("|".join(sorted(names)), have, n))
    allowed = set().union(*[names for names, _ in expect]) if expect else set()
    for name, v in sorted(got.items()):
        if v and name not in allowed:
            probs.append("show asp drop: unexpected %s = %d" % (name, v))
    return probs


def check_run(p):
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-3:]
        return ["fpvpnd exited %d: %s" % (p.returncode, " | ".join(tail))]
    return []


def read_outputs(c):
    try:
        return E.read_pcap(c.path("inside_out.pcap")), E.read_pcap(c.path("outside_out.pcap")), []
    except (OSError, ValueError) as e:
        return [], [], ["cannot read fpvpnd's output: %s" % e]


# ---------------------------------------------------------------- positive matrix


def build_positive(c):
    """Inputs of a positive case; returns (peer's inner bytes, inside_in bytes)."""
    sa = c.sa_in()
    from_peer = [bytes(p) for p in E.inner_packets(c.ia, E.REMOTE_NET[c.ia], E.LOCAL_NET[c.ia], N_PKTS, 0x10)]
    outside = [E.scapy_encrypt(sa, E.parse_ip(p), i + 1, udp_csum=i % 2 == 1)
               for i, p in enumerate(from_peer)]
    to_peer = [bytes(p) for p in E.inner_packets(c.ia, E.LOCAL_NET[c.ia], E.REMOTE_NET[c.ia], N_PKTS, 0x80)]
    # Vary the capture framing: the reader must accept both.
    c.write_inputs(outside, to_peer, outside_ether=c.oa == 6 and not c.encap, inside_ether=c.encap)
    return from_peer, to_peer


def run_positive(fpvpnd, root, tr, ia, oa, encap):
    c = Case(root, tr, ia, oa, encap)
    from_peer, to_peer = build_positive(c)
    p = c.run(fpvpnd)
    probs = check_run(p)
    if probs:
        return c.name, probs
    inside, outside, probs = read_outputs(c)
    probs += check_inside_out(from_peer, inside)
    probs += check_outside_out(c, to_peer, outside)
    probs += check_sa_show(c, p.stdout, N_PKTS, N_PKTS, bitmap=(1 << N_PKTS) - 1)
    probs += check_drops(p.stdout, [])
    return c.name, probs


# ---------------------------------------------------------------- negative set

def ike_on_4500():
    """Non-ESP marker + an IKEv2 INFORMATIONAL header (RFC 3948 §2.2)."""
    ike = os.urandom(8) + os.urandom(8) + bytes([46, 0x20, 37, 0x08]) + struct.pack("!II", 1, 28)
    return b"\0\0\0\0" + ike


def bad_padding(codec, body_len):
    """At least two pad bytes, the second one wrong."""
    n = -(body_len + 2) % codec.block
    if n < 2:
        n += codec.block
    pad = bytearray(range(1, n + 1))
    pad[1] = 0xee
    return bytes(pad)


class NegBuilder:
    """The negative set's events: (label, outer bytes, acceptable drop
    names or None when valid, inner bytes when valid)."""

    def __init__(self, c):
        self.c, self.ev = c, []
        self.sa = c.sa_in()
        self.codec = E.EspCodec(c.tr, c.kin)
        self.pool = [bytes(p) for p in E.inner_packets(c.ia, E.REMOTE_NET[c.ia], E.LOCAL_NET[c.ia], 90, 0x30)]
        self.junk = bytes(E.inner_packet(c.ia, E.host(E.REMOTE_NET[c.ia], 9), E.host(E.LOCAL_NET[c.ia], 9),
                                         0, 40, 99, 0x55))
        self.sent = {}

    def frame(self, esp, udp_csum=False):
        return E.frame_outer(esp, self.c.peer, self.c.us, self.c.encap, udp_csum)

    def valid(self, *seqs):
        for s in seqs:
            inner = self.pool[len([e for e in self.ev if e[2] is None])]
            b = E.scapy_encrypt(self.sa, E.parse_ip(inner), s, udp_csum=s % 2 == 0)
            self.sent[s] = b
            self.ev.append(("valid seq %d" % s, b, None, inner))

    def bad(self, label, outer, *names):
        self.ev.append((label, outer, set(names), None))

    def seal(self, seq, body, **kw):
        return self.frame(self.codec.seal(E.SPI_IN, seq, body, **kw))


def bad_length_esp(nb, seq):
    """Cipher text that is not a whole number of blocks, correctly
    authenticated: CBC 20 bytes; AEAD a 4-byte misalignment."""
    codec = nb.codec
    if not codec.aead:
        return codec.seal_raw(E.SPI_IN, seq, os.urandom(20))
    body = nb.junk
    pad = b"" if (len(body) + 2) % 4 else b"\x01"
    return codec.seal_plain(E.SPI_IN, seq, body + pad + bytes([len(pad), 4 if nb.c.ia == 4 else 41]))


def build_negative(c):
    nb = NegBuilder(c)
    nh = 4 if c.ia == 4 else 41
    nb.valid(1, 2, *range(4, 11))                       # 3 is never sent
    icv = bytearray(E.scapy_encrypt(nb.sa, E.parse_ip(nb.junk), 11))
    icv[-1] ^= 0x01
    nb.bad("flipped ICV (seq 11)", bytes(icv), "ipsec-auth-fail")
    nb.valid(11)                                        # the failed 11 must not block it
    nb.bad("replay of seq 5", nb.sent[5], "ipsec-replay")
    nb.bad("unknown SPI", E.scapy_encrypt(c.sa_in(0xdead0001), E.parse_ip(nb.junk), 12),
           "vpn-handle-not-found")
    nb.bad("reserved SPI 200", nb.frame(nb.codec.seal(200, 12, nb.junk, nh=nh)), "ipsec-bad-spi")
    trunc = nb.codec.seal(E.SPI_IN, 13, nb.junk, nh=nh)[:8 + nb.codec.iv_len + 4]
    nb.bad("truncated ESP", nb.frame(trunc), "ipsec-esp-truncated")
    if c.encap:
        nb.bad("NAT-T keepalive", nb.frame(b"\xff"), "natt-keepalive")
        nb.bad("IKE on 4500", nb.frame(ike_on_4500()), "ike-punt", "ike-not-running")
        nb.bad("empty UDP 4500 datagram", nb.frame(b""), "bad-ipsec-natt")
    else:
        nb.bad("empty ESP payload", nb.frame(b""), "ipsec-esp-truncated")
    nb.bad("bad padding", nb.seal(14, nb.junk, nh=nh, pad=bad_padding(nb.codec, len(nb.junk))),
           "ipsec-bad-padding")
    nb.bad("pad length 255", nb.seal(15, nb.junk, nh=nh, padlen=255), "ipsec-bad-pad-length")
    nb.bad("empty inner packet", nb.seal(16, b"", nh=nh), "ipsec-inner-malformed")
    nb.bad("TFC dummy (next header 59)", nb.seal(17, os.urandom(32), nh=59), "ipsec-tfc-dummy")
    nb.bad("next header 6 in tunnel mode", nb.seal(18, nb.junk, nh=6), "ipsec-bad-next-header")
    stray = E.inner_packet(c.ia, "10.99.0.1" if c.ia == 4 else "2001:db8:99::1",
                           E.host(E.LOCAL_NET[c.ia], 3), 1, 30, 3, 0x66)
    nb.bad("inner source outside the selectors", E.scapy_encrypt(nb.sa, stray, 19), "vpn-selector-failure")
    nb.bad("cipher text not whole blocks", nb.frame(bad_length_esp(nb, 20)), "ipsec-esp-bad-length")
    nb.valid(*range(21, 81))
    nb.bad("seq 3 left of the window (highest 80)", E.scapy_encrypt(nb.sa, E.parse_ip(nb.junk), 3),
           "ipsec-replay-old")
    nb.valid(*range(81, 86))
    return nb


def expected_drops(events):
    groups = {}
    for _label, _b, names, _inner in events:
        if names is not None:
            k = frozenset(names)
            groups[k] = groups.get(k, 0) + 1
    return list(groups.items())


def run_negative(fpvpnd, root, tr, ia, oa, encap, known_drops, burst):
    """burst: packets per vector; 1 checks each packet against committed
    replay state, 256 has every packet of the file in one vector, where a
    duplicate or a too-old packet is only found at commit time."""
    c = Case(root, tr, ia, oa, encap, prefix="neg-b%d/" % burst)
    nb = build_negative(c)
    to_peer = [bytes(p) for p in E.inner_packets(c.ia, E.LOCAL_NET[c.ia], E.REMOTE_NET[c.ia], N_PKTS, 0x80)]
    c.write_inputs([e[1] for e in nb.ev], to_peer)
    expect = expected_drops(nb.ev)
    probs = ["harness: drop name %s is not in src/offload/drop.h" % n
             for names, _ in expect for n in sorted(names - known_drops) if not names & known_drops]
    p = c.run(fpvpnd, ["--burst", str(burst)])
    probs += check_run(p)
    if p.returncode:
        return c.name, probs
    valid = [e[3] for e in nb.ev if e[2] is None]
    inside, outside, more = read_outputs(c)
    probs += more + check_inside_out(valid, inside)
    probs += check_outside_out(c, to_peer, outside)
    probs += check_sa_show(c, p.stdout, N_PKTS, len(valid))
    probs += check_drops(p.stdout, expect)
    return c.name, probs


def negative_cases():
    """Every transform with raw ESP and with ESP in UDP, the families
    rotating so that each geometry is covered."""
    out = []
    for i, tr in enumerate(E.TRANSFORMS):
        out.append((tr, 4 if i % 2 else 6, 6 if i % 2 else 4, False))
        out.append((tr, 4 if i % 2 else 6, 4 if i % 2 else 6, True))
    return out


# ---------------------------------------------------------------- self-test


def ref_receive(c, outer, window, highest):
    """A reference receiver for the negative set: the drop name for one
    outer packet, or None when it is accepted. window: set of accepted
    sequence numbers; highest: [int] (replay state, RFC 4303 §3.4.3)."""
    o = E.split_outer(outer)
    esp = o["esp"]
    if c.encap:
        if esp == b"\xff":
            return "natt-keepalive"
        if len(esp) >= 4 and esp[:4] == b"\0\0\0\0":
            return "ike-punt"
        if len(esp) < 8:
            return "bad-ipsec-natt"
    if len(esp) < 8:
        return "ipsec-esp-truncated"
    spi, seq = struct.unpack("!II", esp[:8])
    if spi < 256:
        return "ipsec-bad-spi"
    if spi != E.SPI_IN:
        return "vpn-handle-not-found"
    codec = E.EspCodec(c.tr, c.kin)
    if len(esp) < 8 + codec.iv_len + codec.icv_len + 2:
        return "ipsec-esp-truncated"
    if (len(esp) - 8 - codec.iv_len - codec.icv_len) % codec.block:
        return "ipsec-esp-bad-length"
    if seq + 64 <= highest[0]:
        return "ipsec-replay-old"
    if seq in window:
        return "ipsec-replay"
    try:
        d = codec.open(esp)
    except E.EspError as e:
        return "ipsec-bad-pad-length" if "pad length" in str(e) else "ipsec-auth-fail"
    window.add(seq)
    highest[0] = max(highest[0], seq)
    if E.check_trailer(d, codec.block) and d["pad"] != bytes(range(1, d["padlen"] + 1)):
        return "ipsec-bad-padding"
    if d["nh"] == 59:
        return "ipsec-tfc-dummy"
    if d["nh"] not in (4, 41):
        return "ipsec-bad-next-header"
    if not d["body"]:
        return "ipsec-inner-malformed"
    inner = E.parse_ip(d["body"])
    src = inner[IP].src if IP in inner and c.ia == 4 else inner[IPv6].src
    if E.ipaddress.ip_address(src) not in E.ipaddress.ip_network(E.REMOTE_NET[c.ia]):
        return "vpn-selector-failure"
    return None


def selftest_codec(tr, oa, encap):
    """Scapy and EspCodec decrypt each other's packets, both families."""
    probs = []
    k = E.Keys(tr)
    src, dst = E.peer(oa), E.us(oa)
    codec = E.EspCodec(tr, k)
    for ia in (4, 6):
        pkts = E.inner_packets(ia, E.REMOTE_NET[ia], E.LOCAL_NET[ia], 8, 1)
        enc = E.scapy_sa(tr, E.SPI_IN, k, src, dst, encap)
        for i, p in enumerate(pkts):
            b = E.scapy_encrypt(enc, p, i + 1, udp_csum=i % 2 == 1)
            o = E.split_outer(b)
            probs += o["problems"]
            d = codec.open(o["esp"])
            if d["body"] != bytes(p) or E.check_trailer(d, codec.block) or d["seq"] != i + 1:
                probs.append("in%d #%d: codec disagrees with Scapy's ESP" % (ia, i))
            mine = E.frame_outer(codec.seal(E.SPI_IN, i + 1, bytes(p), nh=4 if ia == 4 else 41),
                                 src, dst, encap, udp_csum=i % 2 == 0)
            probs += E.split_outer(mine)["problems"]
            dec = E.scapy_sa(tr, E.SPI_IN, k, src, dst, encap)
            if bytes(dec.decrypt(E.parse_ip(mine))) != bytes(p):
                probs.append("in%d #%d: Scapy disagrees with the codec's ESP" % (ia, i))
    return probs


def selftest_checkers(root, tr, ia, oa, encap):
    """The checkers pass what a correct gateway would write and catch
    broken variants."""
    c = Case(root, tr, ia, oa, encap, prefix="self/")
    from_peer, to_peer = build_positive(c)
    enc = E.scapy_sa(tr, E.SPI_OUT, c.kout, c.us, c.peer, encap)
    good = [E.scapy_encrypt(enc, E.parse_ip(p), i + 1) for i, p in enumerate(to_peer)]
    E.write_pcap(c.path("o.pcap"), good)
    good = E.read_pcap(c.path("o.pcap"))
    if E.read_pcap(c.path("inside_in.pcap")) != to_peer:
        return ["pcap round trip changed the packets"]
    probs = check_outside_out(c, to_peer, good) + check_inside_out(from_peer, list(from_peer))
    broken = {
        "reordered": good[1:2] + good[:1] + good[2:],
        "one missing": good[:-1],
        "flipped byte": good[:5] + [good[5][:-1] + bytes([good[5][-1] ^ 1])] + good[6:],
        "wrong peer": [E.frame_outer(E.split_outer(b)["esp"], c.us, c.us, encap) for b in good],
    }
    for what, pkts in broken.items():
        if not check_outside_out(c, to_peer, pkts):
            probs.append("checker accepts outside_out %s" % what)
    if not check_inside_out(from_peer, from_peer[:3] + from_peer[4:5] + from_peer[3:4] + from_peer[5:]):
        probs.append("checker accepts a reordered inside_out")
    return probs + selftest_show(c)


def selftest_show(c):
    """check_sa_show / check_drops on ASA-layout text."""
    text = ("interface: outside\n    Crypto map tag: CM, seq num: 10, local addr: %s\n"
            "      current_peer: %s\n\n"
            "      #pkts encaps: 20, #pkts encrypt: 20, #pkts digest: 20\n"
            "      #pkts decaps: 20, #pkts decrypt: 20, #pkts verify: 20\n"
            "      current outbound spi: 00002001\n      current inbound spi : 00001001\n"
            "    inbound esp sas:\n      spi: 0x00001001 (4097)\n"
            "         in use settings ={L2L, Tunnel, IKEv2, CAN_BE_OFFLOADED, OFFLOADED, }\n"
            "         Anti replay bitmap:\n          0x00000000 0x000FFFFF\n"
            "Frame drop:\n  IPSec anti-replay: duplicate sequence number (ipsec-replay)"
            "                 1\n\nFlow drop:\n") % (c.us, c.peer)
    probs = []
    if check_sa_show(c, text, 20, 20, (1 << 20) - 1):
        probs.append("check_sa_show rejects a correct show: %s" % check_sa_show(c, text, 20, 20, 0xFFFFF))
    if not check_sa_show(c, text.replace("decaps: 20", "decaps: 19"), 20, 20):
        probs.append("check_sa_show accepts a wrong counter")
    if check_drops(text, [({"ipsec-replay"}, 1)]) or not check_drops(text, []):
        probs.append("check_drops is wrong on a one-line show asp drop")
    return probs


def selftest_negative(root, tr, ia, oa, encap, known):
    """The reference receiver drops each crafted packet for the expected
    reason and accepts every valid one."""
    c = Case(root, tr, ia, oa, encap, prefix="self-neg/")
    nb = build_negative(c)
    probs = ["drop name %s not in drop.h" % n for _l, _b, names, _i in nb.ev if names
             for n in names if n not in known and not names & known]
    window, highest = set(), [0]
    for label, b, names, inner in nb.ev:
        why = ref_receive(c, b, window, highest)
        if (names is None and why is not None) or (names is not None and why not in names):
            probs.append("%s: reference receiver says %s, harness expects %s" % (label, why, names))
    return probs


def selftest(root):
    known = E.drop_names(SRC_ROOT)
    results = []
    for tr in E.TRANSFORMS:
        for oa in (4, 6):
            for encap in (False, True):
                results.append(("self/codec/%s/out%d/%s" % (tr, oa, "udp4500" if encap else "esp"),
                                selftest_codec(tr, oa, encap)))
        results.append(("self/" + case_name(tr, 6, 4, True), selftest_checkers(root, tr, 6, 4, True)))
        results.append(("self/" + case_name(tr, 4, 6, False), selftest_checkers(root, tr, 4, 6, False)))
    for tr, ia, oa, encap in negative_cases():
        results.append(("self-neg/" + case_name(tr, ia, oa, encap),
                        selftest_negative(root, tr, ia, oa, encap, known)))
    return results


# ---------------------------------------------------------------- main


def all_cases(fpvpnd, root, only):
    """(name, thunk) for every case whose name contains only."""
    known = E.drop_names(SRC_ROOT)
    for tr in E.TRANSFORMS:
        for ia in (4, 6):
            for oa in (4, 6):
                for encap in (False, True):
                    a = (tr, ia, oa, encap)
                    yield case_name(*a), lambda a=a: run_positive(fpvpnd, root, *a)
    for burst in NEG_BURSTS:
        for a in negative_cases():
            yield ("neg-b%d/" % burst + case_name(*a),
                   lambda a=a, b=burst: run_negative(fpvpnd, root, *a, known, b))


def report_one(name, probs):
    if probs:
        more = " (+%d more)" % (len(probs) - 4) if len(probs) > 4 else ""
        print("FAIL %s: %s%s" % (name, "; ".join(probs[:4]), more))
    else:
        print("ok %s" % name)
    sys.stdout.flush()


def run_all(fpvpnd, root, only):
    results = []
    for name, thunk in all_cases(fpvpnd, root, only):
        if only not in name:
            continue
        try:
            name, probs = thunk()
        except Exception as e:  # a harness bug or an fpvpnd hang: report, go on
            probs = ["harness exception %s: %s" % (type(e).__name__, e)]
        report_one(name, probs)
        results.append((name, probs))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fpvpnd", nargs="?", help="path to BUILD_DIR/fpvpnd")
    ap.add_argument("--selftest", action="store_true", help="check the harness, no fpvpnd")
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--keep", help="work in this directory and keep it")
    a = ap.parse_args()
    if not a.selftest and not a.fpvpnd:
        ap.error("give BUILD_DIR/fpvpnd or --selftest")
    root = a.keep or tempfile.mkdtemp(prefix="esp_scapy.")
    os.makedirs(root, exist_ok=True)
    t = time.time()
    try:
        if a.selftest:
            results = []
            for name, probs in selftest(root):
                report_one(name, probs)
                results.append((name, probs))
        else:
            results = run_all(a.fpvpnd, root, a.only)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    failed = sum(1 for _n, p in results if p)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    print("(%.1f s%s)" % (time.time() - t, ", files in %s" % root if a.keep else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
