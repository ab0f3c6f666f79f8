"""Shared pieces of the ESP interop tests (esp_scapy.py, tshark_decrypt.py).

The tests play the peer of an fpvpnd run in offline mode: they write its
configuration with fresh random keys, build ESP for it with Scapy's
SecurityAssociation, run it on pcap files, and check what it wrote with
Scapy, with an independent ESP codec (EspCodec, on python3-cryptography)
and with tshark.

Runs under Debian's /usr/bin/python3 with python3-scapy 2.5.0.
"""

import hmac
import ipaddress
import os
import re
import struct
import subprocess

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.exceptions import InvalidTag

from scapy.layers.inet import IP, UDP, TCP, ICMP
from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest
from scapy.layers.ipsec import SecurityAssociation, ESP
from scapy.packet import Raw

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

# The gateway under test ("us") and its peer, as in docs/interop.md.
US4, PEER4 = "198.51.100.1", "198.51.100.2"
US6, PEER6 = "2001:db8:ffff::1", "2001:db8:ffff::2"
NAT_T_PORT = 4500
SPI_IN = 0x1001    # fpvpnd's inbound SA: the peer -> us
SPI_OUT = 0x2001   # fpvpnd's outbound SA: us -> the peer

# Protected networks: ours (behind "inside") and the peer's.
LOCAL_NET = {4: "10.1.0.0/24", 6: "2001:db8:1::/64"}
REMOTE_NET = {4: "10.2.0.0/24", 6: "2001:db8:2::/64"}

# Inner packets stay within a 1400-byte tunnel MTU so that no outer packet
# exceeds 1500 bytes: fragmentation and PMTU policy are not what these
# tests are about.
INNER_MTU = 1400

# fpvpn's transform names -> how each tool spells them.
#   enc/integ:    the "protocol esp encryption/integrity" keywords
#   key/salt:     cipher key bytes (salt appended for AEAD, RFC 4106/7634)
#   auth/icv:     HMAC key bytes / ICV bytes (0 = AEAD, tag of 16)
#   scapy_*:      scapy.layers.ipsec algorithm names
#   ws_*:         Wireshark 4.0 esp_sa UAT enum strings
TRANSFORMS = {
    "aes-gcm": dict(enc="aes-gcm", integ="null", key=16, salt=4, auth=0, icv=16,
                    scapy_crypt="AES-GCM", scapy_auth=None,
                    ws_enc="AES-GCM with 16 octet ICV [RFC4106]", ws_auth="NULL"),
    "aes-gcm-256": dict(enc="aes-gcm-256", integ="null", key=32, salt=4, auth=0, icv=16,
                        scapy_crypt="AES-GCM", scapy_auth=None,
                        ws_enc="AES-GCM with 16 octet ICV [RFC4106]", ws_auth="NULL"),
    "aes+sha-1": dict(enc="aes", integ="sha-1", key=16, salt=0, auth=20, icv=12,
                      scapy_crypt="AES-CBC", scapy_auth="HMAC-SHA1-96",
                      ws_enc="AES-CBC [RFC3602]", ws_auth="HMAC-SHA-1-96 [RFC2404]"),
    "aes+sha-256": dict(enc="aes", integ="sha-256", key=16, salt=0, auth=32, icv=16,
                        scapy_crypt="AES-CBC", scapy_auth="SHA2-256-128",
                        ws_enc="AES-CBC [RFC3602]", ws_auth="HMAC-SHA-256-128 [RFC4868]"),
    "aes-256+sha-256": dict(enc="aes-256", integ="sha-256", key=32, salt=0, auth=32, icv=16,
                            scapy_crypt="AES-CBC", scapy_auth="SHA2-256-128",
                            ws_enc="AES-CBC [RFC3602]", ws_auth="HMAC-SHA-256-128 [RFC4868]"),
    "aes-256+sha-384": dict(enc="aes-256", integ="sha-384", key=32, salt=0, auth=48, icv=24,
                            scapy_crypt="AES-CBC", scapy_auth="SHA2-384-192",
                            ws_enc="AES-CBC [RFC3602]", ws_auth="HMAC-SHA-384-192 [RFC4868]"),
    "aes-256+sha-512": dict(enc="aes-256", integ="sha-512", key=32, salt=0, auth=64, icv=32,
                            scapy_crypt="AES-CBC", scapy_auth="SHA2-512-256",
                            ws_enc="AES-CBC [RFC3602]", ws_auth="HMAC-SHA-512-256 [RFC4868]"),
    "chacha20-poly1305": dict(enc="chacha20-poly1305", integ="null", key=32, salt=4, auth=0,
                              icv=16, scapy_crypt="CHACHA20-POLY1305", scapy_auth=None,
                              ws_enc="ChaCha20 with Poly1305 [RFC7634]", ws_auth="NULL"),
}

HMAC_HASH = {"sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}


class Keys:
    """One SA's key material: cipher key (with salt for AEAD) and HMAC key."""

    def __init__(self, tr, rand=os.urandom):
        t = TRANSFORMS[tr]
        self.tr = tr
        self.cipher = rand(t["key"] + t["salt"])
        self.auth = rand(t["auth"]) if t["auth"] else b""


# ---------------------------------------------------------------- config


def us(af):
    return US4 if af == 4 else US6


def peer(af):
    return PEER4 if af == 4 else PEER6


def acl_line(inner_af):
    if inner_af == 4:
        return "access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0"
    return "access-list VPN extended permit ip 2001:db8:1::/64 2001:db8:2::/64"


def session_key(direction, spi, k):
    line = "crypto map CM 10 set session-key %s esp 0x%x cipher %s" % (direction, spi, k.cipher.hex())
    if k.auth:
        line += " authenticator %s" % k.auth.hex()
    return line


def make_config(tr, inner_af, outer_af, encap, kin, kout, extra=()):
    """The site-a configuration of docs/interop.md for one case."""
    t = TRANSFORMS[tr]
    lines = [
        "hostname site-a",
        "interface veth-out",
        " nameif outside",
        " ip address 198.51.100.1 255.255.255.0",
        " ipv6 address 2001:db8:ffff::1/64",
        "interface tun-in",
        " nameif inside",
        " ip address 10.1.0.1 255.255.255.0",
        " ipv6 address 2001:db8:1::1/64",
        acl_line(inner_af),
        "crypto ipsec ikev2 ipsec-proposal P1",
        " protocol esp encryption %s" % t["enc"],
        " protocol esp integrity %s" % t["integ"],
        "crypto map CM 10 match address VPN",
        "crypto map CM 10 set peer %s" % peer(outer_af),
        "crypto map CM 10 set ikev2 ipsec-proposal P1",
        session_key("inbound", SPI_IN, kin),
        session_key("outbound", SPI_OUT, kout),
    ]
    if encap:
        lines.append("crypto map CM 10 set udp-encapsulation %d %d" % (NAT_T_PORT, NAT_T_PORT))
    lines += list(extra)
    lines += ["crypto map CM interface outside", "flow-offload-ipsec"]
    return "\n".join(lines) + "\n"


def esp_sa_lines(tr, outer_af, kin, kout):
    """Wireshark esp_sa UAT records for both SAs of a case (the file
    ~/.config/wireshark/esp_sa, or -o 'uat:esp_sa:LINE'), for a person
    opening a kept case in Wireshark."""
    t = TRANSFORMS[tr]
    out = []
    for src, dst, spi, k in ((peer(outer_af), us(outer_af), SPI_IN, kin),
                             (us(outer_af), peer(outer_af), SPI_OUT, kout)):
        out.append('"%s","%s","%s","0x%08x","%s","0x%s","%s","%s"' % (
            "IPv4" if outer_af == 4 else "IPv6", src, dst, spi, t["ws_enc"], k.cipher.hex(),
            t["ws_auth"], "0x" + k.auth.hex() if k.auth else ""))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- inner packets

# Payload sizes: empty, around the AES block and 4-byte alignment edges,
# and up to the tunnel MTU (clamped per protocol).
PAYLOAD_SIZES = [0, 1, 2, 3, 4, 13, 14, 15, 16, 17, 31, 32, 33, 100, 255, 512, 999, 1200, 1371, 1400]


def host(net, i):
    n = ipaddress.ip_network(net)
    return str(n.network_address + 1 + (i % 200))


def payload(n, tag):
    return bytes((tag + i) & 0xff for i in range(n))


def inner_packet(af, src, dst, kind, size, i, tag):
    """One Scapy inner packet: kind 0 ICMP echo, 1 UDP, 2 TCP."""
    if af == 4:
        l3 = IP(src=src, dst=dst, id=0x1000 + i, ttl=64 - i % 3, tos=(i * 4) & 0xfc,
                flags="DF" if i % 2 else 0)
        l3len = 20
    else:
        l3 = IPv6(src=src, dst=dst, hlim=64 - i % 3, tc=(i * 4) & 0xfc, fl=i * 7919 & 0xfffff)
        l3len = 40
    if kind == 0:
        l4, l4len = (ICMP(id=0x4242, seq=i) if af == 4 else ICMPv6EchoRequest(id=0x4242, seq=i)), 8
    elif kind == 1:
        l4, l4len = UDP(sport=10000 + i, dport=53 + i), 8
    else:
        l4, l4len = TCP(sport=20000 + i, dport=443, seq=i * 1000, flags="PA" if size else "S"), 20
    size = min(size, INNER_MTU - l3len - l4len)
    return l3 / l4 / Raw(payload(size, tag))


def inner_packets(af, src_net, dst_net, n=20, tag=0):
    """n varied inner packets from src_net to dst_net, as Scapy packets."""
    out = []
    for i in range(n):
        size = PAYLOAD_SIZES[i % len(PAYLOAD_SIZES)]
        out.append(inner_packet(af, host(src_net, i), host(dst_net, i + 7), i % 3, size, i, tag + i))
    return out


# ---------------------------------------------------------------- Scapy SAs


def scapy_sa(tr, spi, keys, src, dst, encap):
    """Scapy's SecurityAssociation for one direction, tunnel mode."""
    t = TRANSFORMS[tr]
    af = 6 if ":" in src else 4
    tunnel = IP(src=src, dst=dst) if af == 4 else IPv6(src=src, dst=dst)
    return SecurityAssociation(
        ESP, spi=spi, crypt_algo=t["scapy_crypt"], crypt_key=keys.cipher,
        auth_algo=t["scapy_auth"], auth_key=keys.auth or None, tunnel_header=tunnel,
        nat_t_header=UDP(sport=NAT_T_PORT, dport=NAT_T_PORT) if encap else None)


def scapy_encrypt(sa, inner, seq, udp_csum=False):
    """sa.encrypt() with Scapy 2.5.0's NAT-T framing fixed.

    Scapy 2.5.0 freezes an IPv4 outer header before it appends the ESP
    payload, so the UDP length of ESP-in-UDP over IPv4 reads 8; it also
    leaves a zero UDP checksum over IPv6, which RFC 8200 forbids. Rebuild
    both lengths; the UDP checksum is zero over IPv4 (RFC 3948 §3.1) unless
    udp_csum, and always computed over IPv6."""
    e = sa.encrypt(inner, seq_num=seq)
    if UDP in e:
        e[UDP].len = None
        if udp_csum or IPv6 in e:
            e[UDP].chksum = None
    if IP in e:
        e[IP].len = None
        e[IP].chksum = None
    else:
        e[IPv6].plen = None
    return bytes(e)


def parse_ip(b):
    """A Scapy packet from raw IP bytes, by the version nibble."""
    return IPv6(b) if b and b[0] >> 4 == 6 else IP(b)


# ---------------------------------------------------------------- our own ESP codec


class EspError(Exception):
    pass


class EspCodec:
    """RFC 4303 ESP for one SA, independent of Scapy: to craft packets Scapy
    will not make (bad padding, odd lengths, any next header) and to check
    the trailer of what fpvpnd sends.

    AES-GCM (RFC 4106) and ChaCha20-Poly1305 (RFC 7634): 8-byte IV, nonce =
    salt | IV, AAD = SPI | seq, 16-byte tag. AES-CBC (RFC 3602): 16-byte
    IV, ICV = HMAC over SPI | seq | IV | ciphertext, truncated (RFC 4868)."""

    def __init__(self, tr, keys):
        t = TRANSFORMS[tr]
        self.tr, self.t = tr, t
        self.aead = t["auth"] == 0
        self.iv_len = 8 if self.aead else 16
        self.block = 4 if self.aead else 16
        self.icv_len = t["icv"]
        k = keys.cipher
        self.key, self.salt = (k[:-4], k[-4:]) if self.aead else (k, b"")
        self.auth_key = keys.auth

    def _aead(self):
        if self.tr == "chacha20-poly1305":
            return ChaCha20Poly1305(self.key)
        return AESGCM(self.key)

    def _mac(self, data):
        h = hmac.new(self.auth_key, data, HMAC_HASH[self.t["integ"]])
        return h.digest()[:self.icv_len]

    def trailer(self, body_len, pad=None, padlen=None, nh=4):
        """Padding + pad length + next header. Default padding is
        1, 2, 3, ... up to the block; pad/padlen override either."""
        if pad is None:
            n = -(body_len + 2) % self.block
            pad = bytes(range(1, n + 1))
        return pad + bytes([len(pad) if padlen is None else padlen, nh])

    def seal_plain(self, spi, seq, plain, iv=None):
        """Encrypt an already complete plaintext (body + trailer)."""
        iv = iv if iv is not None else os.urandom(self.iv_len)
        hdr = struct.pack("!II", spi, seq)
        if self.aead:
            return hdr + iv + self._aead().encrypt(self.salt + iv, plain, hdr)
        if len(plain) % 16:
            raise EspError("CBC plaintext of %d bytes: use seal_raw" % len(plain))
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        ct = enc.update(plain) + enc.finalize()
        return hdr + iv + ct + self._mac(hdr + iv + ct)

    def seal_raw(self, spi, seq, ct):
        """Any bytes as ciphertext, with a correct ICV (CBC only)."""
        hdr = struct.pack("!II", spi, seq)
        iv = os.urandom(self.iv_len)
        return hdr + iv + ct + self._mac(hdr + iv + ct)

    def seal(self, spi, seq, body, nh=4, pad=None, padlen=None, iv=None):
        return self.seal_plain(spi, seq, body + self.trailer(len(body), pad, padlen, nh), iv)

    def open(self, esp):
        """Decrypt and split an ESP packet; raises EspError. Returns a dict
        with spi, seq, iv, body, pad, padlen, nh."""
        if len(esp) < 8 + self.iv_len + self.icv_len + 2:
            raise EspError("truncated ESP (%d bytes)" % len(esp))
        spi, seq = struct.unpack("!II", esp[:8])
        iv = esp[8:8 + self.iv_len]
        ct = esp[8 + self.iv_len:len(esp) - self.icv_len]
        if len(ct) % self.block:
            raise EspError("cipher text of %d bytes is not a multiple of %d" % (len(ct), self.block))
        if self.aead:
            try:
                plain = self._aead().decrypt(self.salt + iv, ct + esp[len(esp) - 16:], esp[:8])
            except InvalidTag:
                raise EspError("AEAD tag does not verify")
        else:
            if not hmac.compare_digest(self._mac(esp[:len(esp) - self.icv_len]), esp[-self.icv_len:]):
                raise EspError("HMAC ICV does not verify")
            dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
            plain = dec.update(ct) + dec.finalize()
        padlen, nh = plain[-2], plain[-1]
        if padlen + 2 > len(plain):
            raise EspError("pad length %d exceeds the payload" % padlen)
        body = plain[:len(plain) - 2 - padlen]
        return dict(spi=spi, seq=seq, iv=iv, body=body, pad=plain[len(body):-2], padlen=padlen, nh=nh)


def check_trailer(d, block):
    """RFC 4303 §2.4: default padding 1, 2, 3, ... and the least of it."""
    if d["pad"] != bytes(range(1, d["padlen"] + 1)):
        return "padding is %s, not 1, 2, 3, ..." % d["pad"].hex()
    if d["padlen"] >= block:
        return "pad length %d is a block (%d) or more" % (d["padlen"], block)
    return None


# ---------------------------------------------------------------- outer framing


def frame_outer(esp, src, dst, encap, udp_csum=False):
    """Raw outer packet bytes carrying esp (ESP or ESP-in-UDP bytes)."""
    v4 = ":" not in src
    l3 = IP(src=src, dst=dst) if v4 else IPv6(src=src, dst=dst)
    if encap:
        u = UDP(sport=NAT_T_PORT, dport=NAT_T_PORT)
        if v4 and not udp_csum:
            u.chksum = 0
        return bytes(l3 / u / Raw(esp))
    if v4:
        l3.proto = 50
    else:
        l3.nh = 50
    return bytes(l3 / Raw(esp))


def inet_csum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _udp_csum(af, src, dst, udp):
    """The checksum udp (checksum field zeroed) must carry."""
    if af == 4:
        ph = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(udp), 17)
    c = inet_csum(ph + udp[:6] + b"\0\0" + udp[8:])
    return c or 0xffff


def split_outer(b):
    """Parse an outer packet by hand: dict(af, src, dst, proto, sport,
    dport, esp, problems), where problems lists wrong IP/UDP lengths and
    checksums."""
    probs = []
    r = dict(sport=None, dport=None, problems=probs)
    if len(b) >= 20 and b[0] >> 4 == 4:
        hl = (b[0] & 15) * 4
        r.update(af=4, proto=b[9], src=str(ipaddress.ip_address(b[12:16])),
                 dst=str(ipaddress.ip_address(b[16:20])))
        if struct.unpack("!H", b[2:4])[0] != len(b):
            probs.append("IPv4 total length %d, packet %d bytes" % (struct.unpack("!H", b[2:4])[0], len(b)))
        if inet_csum(b[:hl]) != 0:
            probs.append("bad IPv4 header checksum")
        if struct.unpack("!H", b[6:8])[0] & 0x3fff:
            probs.append("outer packet is a fragment")
        sa, da, l4 = b[12:16], b[16:20], b[hl:]
    elif len(b) >= 40 and b[0] >> 4 == 6:
        r.update(af=6, proto=b[6], src=str(ipaddress.ip_address(b[8:24])),
                 dst=str(ipaddress.ip_address(b[24:40])))
        if struct.unpack("!H", b[4:6])[0] + 40 != len(b):
            probs.append("IPv6 payload length %d, packet %d bytes" % (struct.unpack("!H", b[4:6])[0], len(b)))
        sa, da, l4 = b[8:24], b[24:40], b[40:]
    else:
        raise ValueError("not an IP packet: %s" % b[:8].hex())
    r["esp"] = l4
    if r["proto"] == 17 and len(l4) >= 8:
        sport, dport, ulen, csum = struct.unpack("!HHHH", l4[:8])
        r.update(sport=sport, dport=dport, esp=l4[8:])
        if ulen != len(l4):
            probs.append("UDP length %d, datagram %d bytes" % (ulen, len(l4)))
        if csum or r["af"] == 6:
            want = _udp_csum(r["af"], sa, da, l4)
            if csum != want:
                probs.append("bad UDP checksum 0x%04x (want 0x%04x)" % (csum, want))
    return r


# ---------------------------------------------------------------- pcap files

_PCAP_MAGIC = {0xa1b2c3d4: 1000, 0xa1b23c4d: 1}  # -> ns per sub-second unit


def write_pcap(path, pkts, t0_ns=1700000000 * 10**9, step_ns=10**6, ether=False):
    """Raw IP packets (bytes) into a microsecond pcap file: LINKTYPE_RAW,
    or Ethernet-framed with a VLAN tag on every other frame when ether.
    Packet i is stamped t0_ns + i * step_ns; an item may also be a
    (bytes, ts_ns) pair."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                            LINKTYPE_ETHERNET if ether else LINKTYPE_RAW))
        for i, item in enumerate(pkts):
            b, ts = item if isinstance(item, tuple) else (item, t0_ns + i * step_ns)
            if ether:
                b = ether_frame(b, vlan=100 + i if i % 2 else None)
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(b), len(b)))
            f.write(b)


def ether_frame(ip, vlan=None):
    mac = bytes.fromhex("020000000001020000000002")
    et = b"\x08\x00" if ip[0] >> 4 == 4 else b"\x86\xdd"
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return mac + tag + et + ip


def read_pcap_records(path):
    """(linktype, [(ts_ns, frame bytes)]) of a pcap file, either byte
    order, micro- or nanosecond."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: %d bytes, no pcap header" % (path, len(data)))
    for end in "<>":
        magic = struct.unpack(end + "I", data[:4])[0]
        if magic in _PCAP_MAGIC:
            break
    else:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, data[:4].hex()))
    unit = _PCAP_MAGIC[magic]
    lt = struct.unpack(end + "I", data[20:24])[0] & 0xffff
    out, off = [], 24
    while off + 16 <= len(data):
        sec, sub, cap, _wire = struct.unpack(end + "IIII", data[off:off + 16])
        out.append((sec * 10**9 + sub * unit, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    if off != len(data):
        raise ValueError("%s: %d trailing bytes" % (path, len(data) - off))
    return lt, out


def read_pcap(path):
    """The packets of a pcap file as raw IP bytes (raw IP or Ethernet)."""
    lt, recs = read_pcap_records(path)
    out = []
    for _ts, data in recs:
        if lt == LINKTYPE_ETHERNET:
            off = 12
            while data[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
                off += 4
            data = data[off + 2:]
        elif lt not in (LINKTYPE_RAW, 12, 14, 228, 229):
            raise ValueError("%s: unexpected link type %d" % (path, lt))
        out.append(bytes(data))
    return out


# ---------------------------------------------------------------- fpvpnd


def fpvpnd_supports_offline(fpvpnd):
    try:
        p = subprocess.run([fpvpnd, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--offline" in p.stdout + p.stderr


def run_fpvpnd(fpvpnd, cfg, reads, writes, execs, extra=(), timeout=30):
    """fpvpnd -c cfg --offline [extra] --read IF=F... --write IF=F...
    --exec C... Returns the CompletedProcess (text)."""
    cmd = [fpvpnd, "-c", cfg, "--offline"] + list(extra)
    for ifc, f in reads:
        cmd += ["--read", "%s=%s" % (ifc, f)]
    for ifc, f in writes:
        cmd += ["--write", "%s=%s" % (ifc, f)]
    for c in execs:
        cmd += ["--exec", c]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- show output

_DROP_LINE = re.compile(r"^\s+(.*\S)\s+\(([A-Za-z0-9_-]+)\)\s+(\d+)\s*$")


def parse_asp_drop(text):
    """show asp drop -> {short name: count} (Frame and Flow drop summed)."""
    out = {}
    for line in text.splitlines():
        m = _DROP_LINE.match(line)
        if m:
            out[m.group(2)] = out.get(m.group(2), 0) + int(m.group(3))
    return out


def sa_counter(text, name):
    """The first '#NAME: N' counter of show crypto ipsec sa, or None."""
    m = re.search(r"#%s:\s*(\d+)" % re.escape(name), text)
    return int(m.group(1)) if m else None


def replay_bitmap(text):
    """The first (inbound) 'Anti replay bitmap:' as one integer, or None."""
    m = re.search(r"Anti replay bitmap:\s*((?:0x[0-9A-Fa-f]{8}\s*)+)", text)
    if not m:
        return None
    return int("".join(w[2:] for w in m.group(1).split()), 16)


def drop_names(src_root):
    """The short drop names of src/offload/drop.h (FP_DROP_LIST)."""
    path = os.path.join(src_root, "src", "offload", "drop.h")
    with open(path) as f:
        return set(re.findall(r'_\(\s*[A-Z0-9_]+\s*,\s*(?:FRAME|FLOW)\s*,\s*"([^"]+)"', f.read()))
