#!/usr/bin/env python3
"""Floods UDP port 4500 of a gateway with datagrams of known classes, as
fast as one socket sends, and prints how many of each it sent, so that a
test can check that every one of them ends in a counter of show asp drop:

  unknown-spi   ESP with a random SPI >= 256          vpn-handle-not-found
  reserved-spi  ESP with an SPI of 1-255               ipsec-bad-spi
  keepalive     the one-byte 0xFF NAT-T keepalive       natt-keepalive
  truncated     an SPI and nothing else                 ipsec-esp-truncated
  ike           non-ESP marker and an IKE header        ike-not-running
  encap         the SPI of a raw-ESP SA, in UDP         ipsec-encap-mismatch

  udp_flood.py DST SPI_OF_A_RAW_SA COUNT"""
import os
import random
import socket
import struct
import sys


def datagrams(spi_raw):
    esp = lambda spi: struct.pack("!II", spi, random.randint(1, 1 << 30)) + os.urandom(64)
    return {
        "unknown-spi": lambda: esp(random.randint(0x10000, 0xFFFFFFFF)),
        "reserved-spi": lambda: esp(random.randint(1, 255)),
        "keepalive": lambda: b"\xff",
        "truncated": lambda: struct.pack("!I", random.randint(0x10000, 0xFFFFFFFF)),
        "ike": lambda: b"\0\0\0\0" + os.urandom(8) + b"\0" * 8 + bytes([33, 0x20, 34, 8]) + b"\0" * 8,
        "encap": lambda: esp(spi_raw),
    }


def main():
    dst, spi_raw, count = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3])
    kinds = datagrams(spi_raw)
    names = list(kinds)
    pool = {n: [kinds[n]() for _ in range(64)] for n in names}
    sent = dict.fromkeys(names, 0)
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
    for i in range(count):
        n = names[i % len(names)]
        s = socks[i % len(socks)]
        try:
            s.sendto(pool[n][i % 64], (dst, 4500))
            sent[n] += 1
        except (BlockingIOError, OSError):
            pass  # not sent: not counted as sent
    for n in names:
        print(n, sent[n])
    print("total", sum(sent.values()))


main()
