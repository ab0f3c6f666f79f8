#!/usr/bin/env python3
"""Floods a gateway's UDP port 500 with IKE_SA_INIT requests from spoofed
source addresses (a raw socket, IP_HDRINCL), at a steady rate, and prints
how many it sent. Each request is one the gateway parses and would answer:
a new SPIi, one proposal of AES-GCM-256 / PRF SHA-256 / group 19 (what
tests/netns/lib.sh configures with NT_IKE=1), a KE of group 19 (the P-256
generator: a valid point), a nonce (the same for every request of one
address: the responder keeps nothing of a request it answers with a
COOKIE). Nothing it sends is ever answered to it: the answers go to the
spoofed addresses. It prints what it sent and the CPU seconds it used.

  ike_flood.py DST SECONDS PPS SRC [SRC...]      (root)"""
import os
import socket
import struct
import sys

from pace import paced

# P-256's generator G = 1 * G: on the curve, as a public value x | y
P256_G = bytes.fromhex(
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def transform(last, ttype, tid, attrs=b""):
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def sa_init(spi_i):
    xf = (transform(False, 1, 20, struct.pack("!HH", 0x800E, 256)) +  # ENCR AES-GCM-16, 256
          transform(False, 2, 5) +                                     # PRF HMAC-SHA-256
          transform(True, 4, 19))                                      # DH ECP-256
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xf), 1, 1, 0, 3) + xf
    body = (payload(34, prop) +                                        # SA, next KE
            payload(40, struct.pack("!HH", 19, 0) + P256_G) +          # KE, next Nonce
            payload(0, os.urandom(32)))                                # Nonce
    hdr = spi_i + bytes(8) + struct.pack("!BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(body))
    return hdr + body


def ip_udp(src, dst, data):
    udp = struct.pack("!HHHH", 500, 500, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def main():
    dst, secs, pps, srcs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # one datagram per source address, built once; each send only writes a
    # new SPIi into it (IP 20 + UDP 8 bytes in), so that the sender's own CPU
    # takes little from the machine it measures
    base = os.urandom(4)
    pkts = [bytearray(ip_udp(src, dst, sa_init(bytes(8)))) for src in srcs]
    def touch(pkt, n):
        pkt[28:32] = base
        struct.pack_into("!I", pkt, 32, n)

    paced(s, dst, pkts, secs, pps, touch)


if __name__ == "__main__":
    main()
