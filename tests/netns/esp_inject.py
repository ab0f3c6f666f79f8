#!/usr/bin/python3
"""Send hand-made ESP packets into a running fpvpnd, optionally fragmented,
from the namespace this runs in (the peer's side of tests/netns/lib.sh).

  esp_inject.py --spi 0x2001 --xform gcm256 --key HEX [--auth-key HEX]
                --outer-src 198.51.100.2 --outer-dst 198.51.100.1
                --inner-src 10.2.0.1 --inner-dst 10.1.0.1 --dport 9999
                [--count 3] [--seq 100000] [--size 1200] [--fragsize 512]
                [--encap 4500] [--tag TEXT]

Each packet is IP(inner-src -> inner-dst)/UDP(40000 -> dport)/payload of
--size bytes starting with "TAG n ", encrypted in tunnel mode with Scapy's
SecurityAssociation (sequence numbers from --seq: keep them above what the
real peer used, or the receiver's anti-replay window drops them), then cut
into IP fragments of --fragsize bytes of payload (0 = whole) and sent at
layer 3 (the namespace's routing picks the interface). Prints one line per
packet: its sequence number, outer length and number of fragments.
"""
import argparse
import sys

from scapy.all import IP, UDP, Raw, fragment, send
from scapy.layers.ipsec import ESP, SecurityAssociation

XFORMS = {  # lib.sh's nt_xform names -> Scapy's algorithms, key bytes
    "gcm128": ("AES-GCM", None, 20, 0),
    "gcm256": ("AES-GCM", None, 36, 0),
    "cbc128sha1": ("AES-CBC", "HMAC-SHA1-96", 16, 20),
    "cbc256sha256": ("AES-CBC", "SHA2-256-128", 32, 32),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spi", required=True, type=lambda s: int(s, 0))
    ap.add_argument("--xform", default="gcm256", choices=sorted(XFORMS))
    ap.add_argument("--key", required=True)
    ap.add_argument("--auth-key", default="")
    ap.add_argument("--outer-src", required=True)
    ap.add_argument("--outer-dst", required=True)
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    ap.add_argument("--dport", type=int, default=9999)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--seq", type=int, default=100000)
    ap.add_argument("--size", type=int, default=1200)
    ap.add_argument("--fragsize", type=int, default=512)
    ap.add_argument("--encap", type=int, default=0, help="UDP port (RFC 3948), 0 = raw ESP")
    ap.add_argument("--tag", default="fpvpn-inject")
    a = ap.parse_args()
    crypt, auth, klen, alen = XFORMS[a.xform]
    key = bytes.fromhex(a.key)[:klen]
    akey = bytes.fromhex(a.auth_key)[:alen] if alen else None
    sa = SecurityAssociation(
        ESP, spi=a.spi, crypt_algo=crypt, crypt_key=key, auth_algo=auth, auth_key=akey,
        tunnel_header=IP(src=a.outer_src, dst=a.outer_dst),
        nat_t_header=UDP(sport=a.encap, dport=a.encap) if a.encap else None)
    for n in range(a.count):
        body = ("%s %d " % (a.tag, n)).encode()
        body += b"x" * max(0, a.size - len(body))
        inner = IP(src=a.inner_src, dst=a.inner_dst) / UDP(sport=40000, dport=a.dport) / Raw(body)
        esp = sa.encrypt(inner, seq_num=a.seq + n)
        esp = IP(bytes(esp))  # lengths and checksums final before cutting
        frags = fragment(esp, fragsize=a.fragsize) if a.fragsize else [esp]
        send(frags, verbose=0)
        print("seq %d outer %d bytes, %d fragment(s)" % (a.seq + n, len(esp), len(frags)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
