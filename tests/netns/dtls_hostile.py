#!/usr/bin/env python3
"""Hostile DTLS datagrams against a headend's UDP 443 (test_live_anyconnect_hostile.sh),
sent from the client's namespace; each command prints what it sent, one "name count" a
line, so that the test can find every one of them in a counter.

  dtls_hostile.py hello DST COUNT [SRC SPORT]
      DTLS 1.2 ClientHellos, each with a new random 32-byte session id, from one
      ordinary UDP socket (an ephemeral port), or from SRC:SPORT (a raw socket: the
      client's own DTLS port): "unknown session id" at the headend.
  dtls_hostile.py sid DST SID SRC SPORT
      a ClientHello with the session id SID (hex; it travels in clear in the
      client's own ClientHello, so anyone who saw that can send it) once from an
      ephemeral port, once from SRC:SPORT: a handshake the sender cannot finish.
  dtls_hostile.py junk DST SRC SPORT
      garbage from SRC:SPORT (a raw socket: SPORT may be the client's own DTLS
      port): classes "short" (0-12 bytes), "overrun" (application data at the
      rule's epoch whose length field runs past the datagram), "tiny" (a whole
      record shorter than nonce and tag), "badtype" (content type 0x63), "dtls10"
      (application data of version DTLS 1.0), "random" (random bytes of random
      length, first byte 0x30-0x7f: no content type), "epoch0" (application data
      at epoch 0) and "multi" (two records in one datagram); 50 of each.
  dtls_hostile.py records IFACE SRC SPORT DST
      takes the client's records off the wire (AF_PACKET on IFACE, outgoing UDP
      SRC:SPORT -> DST:443, application data at epoch 1) and sends from SRC:SPORT:
      "dup" the first one again unchanged, 5 times (a duplicate inside the window);
      "forged" 5 copies with one byte of the cipher text flipped and the sequence
      number moved 2^20 + i ahead (a sequence number the window has not seen: the
      tag decides); "old" the first one again once the client has sent 80 more
      records (left of the 64-record window), 5 times. Needs traffic through the
      tunnel while it runs.
  dtls_hostile.py flood DST SECONDS PPS SRC [SRC...]
      ClientHellos with new random session ids from spoofed SRC addresses and
      ports (SRC ADDR:PORT: from that port only), at a steady rate (a raw socket,
      IP_HDRINCL), the sources in turn; prints sent, failed and the CPU seconds
      it used.
(root)"""
import os
import random
import select
import socket
import struct
import sys
import time

from pace import paced

DTLS_PORT = 443
CT_APP, CT_HANDSHAKE = 23, 22
SID_OFF = 13 + 12 + 2 + 32  # record header, handshake header, client_version, random


def client_hello(sid):
    suites = struct.pack("!HHHH", 0x00A9, 0x00A8, 0x009D, 0x002F)  # PSK/legacy GCM, AES128-SHA
    body = (b"\xfe\xfd" + os.urandom(32) + bytes([len(sid)]) + sid + b"\x00" +
            struct.pack("!H", len(suites)) + suites + b"\x01\x00")
    hs = struct.pack("!B3sHHB3s", 1, len(body).to_bytes(3, "big"), 0, 0, 0,
                     len(body).to_bytes(3, "big")) + body
    return struct.pack("!BHHHIH", CT_HANDSHAKE, 0xFEFF, 0, 0, 0, len(hs)) + hs


def record(ctype, version, epoch, seq, frag, length=None):
    n = len(frag) if length is None else length
    return struct.pack("!BHHHIH", ctype, version, epoch, seq >> 32, seq & 0xFFFFFFFF, n) + frag


def ip_udp(src, sport, dst, dport, data):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                       socket.inet_aton(src), socket.inet_aton(dst)) + udp


def raw_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    return s


def report(sent):
    for name, n in sent.items():
        print(name, n)
    print("total", sum(sent.values()))
    sys.stdout.flush()


def cmd_hello(dst, count, src=None, sport=None):
    if src:
        r = raw_socket()
        send = lambda d: r.sendto(ip_udp(src, int(sport), dst, DTLS_PORT, d), (dst, 0))
    else:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        send = lambda d: u.sendto(d, (dst, DTLS_PORT))
    sent = 0
    for _ in range(int(count)):
        send(client_hello(os.urandom(32)))
        sent += 1
        time.sleep(0.001)
    report({"hello": sent})


def cmd_sid(dst, sid, src, sport):
    hello = client_hello(bytes.fromhex(sid))
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(hello, (dst, DTLS_PORT))
    raw_socket().sendto(ip_udp(src, int(sport), dst, DTLS_PORT, hello), (dst, 0))
    report({"sid": 2})


def junk_classes():
    return {
        "short": lambda i: os.urandom(i % 13),
        "overrun": lambda i: record(CT_APP, 0xFEFD, 1, 1 << 40 | i, os.urandom(40), 0x4000),
        "tiny": lambda i: record(CT_APP, 0xFEFD, 1, 1 << 40 | i, os.urandom(8)),
        "badtype": lambda i: record(0x63, 0xFEFD, 1, 1 << 40 | i, os.urandom(64)),
        "dtls10": lambda i: record(CT_APP, 0xFEFF, 1, 1 << 40 | i, os.urandom(64)),
        "random": lambda i: bytes([random.randint(0x30, 0x7F)]) + os.urandom(random.randint(0, 1400)),
        "epoch0": lambda i: record(CT_APP, 0xFEFD, 0, 1 << 40 | i, os.urandom(64)),
        "multi": lambda i: (record(CT_APP, 0xFEFD, 1, 1 << 40 | i, os.urandom(40)) +
                            record(CT_APP, 0xFEFD, 1, 1 << 40 | i, os.urandom(40))),
    }


def cmd_junk(dst, src, sport, each=50):
    s = raw_socket()
    sent = {}
    for name, make in junk_classes().items():
        sent[name] = 0
        for i in range(each):
            s.sendto(ip_udp(src, int(sport), dst, DTLS_PORT, make(i)), (dst, 0))
            sent[name] += 1
            time.sleep(0.002)
    report(sent)


class Wire:
    """The client's outgoing application data records at epoch 1, off IFACE."""

    def __init__(self, iface, src, sport, dst):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL: outgoing too
        self.s.bind((iface, 0))
        self.key = (socket.inet_aton(src), int(sport), socket.inet_aton(dst))

    def next(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not select.select([self.s], [], [], 0.2)[0]:
                continue
            frame, addr = self.s.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 13:
                continue
            ip = frame[14:]
            hl = (ip[0] & 15) * 4
            if ip[9] != socket.IPPROTO_UDP or (ip[12:16], ip[16:20]) != (self.key[0], self.key[2]):
                continue
            sport, dport = struct.unpack("!HH", ip[hl:hl + 4])
            rec = ip[hl + 8:]
            if sport == self.key[1] and dport == DTLS_PORT and rec[0] == CT_APP and rec[3:5] == b"\0\1":
                return rec
        raise SystemExit("no record of the client's seen on the wire within %.0f s" % timeout)


def seq_of(rec):
    hi, lo = struct.unpack("!HI", rec[5:11])
    return hi << 32 | lo


def with_seq(rec, seq):
    return rec[:5] + struct.pack("!HI", seq >> 32, seq & 0xFFFFFFFF) + rec[11:]


def cmd_records(iface, src, sport, dst):
    wire = Wire(iface, src, sport, dst)
    s = raw_socket()
    send = lambda rec: s.sendto(ip_udp(src, int(sport), dst, DTLS_PORT, rec), (dst, 0))
    first = wire.next()
    sent = {"dup": 0, "forged": 0, "old": 0}
    for _ in range(5):
        send(first)
        sent["dup"] += 1
    for i in range(5):
        forged = bytearray(with_seq(first, seq_of(first) + (1 << 20) + i))
        forged[13 + 8 + i] ^= 0x01  # past the explicit nonce (GCM) or in the IV's block (CBC)
        send(bytes(forged))
        sent["forged"] += 1
    # the socket sees what this one sent too: the forged numbers are not the client's
    while not seq_of(first) + 80 <= seq_of(wire.next()) < seq_of(first) + (1 << 20):
        pass
    for _ in range(5):
        send(first)
        sent["old"] += 1
    print("first_seq", seq_of(first))
    report(sent)


def cmd_flood(dst, secs, pps, srcs):
    secs, pps = float(secs), int(pps)
    s = raw_socket()
    # one datagram per source, built once; each send writes a new port
    # (unless the source is ADDR:PORT) and session id into it, so that the
    # sender takes little of the CPU it measures
    ends = [(a, int(p) if p else 0) for a, _, p in (src.partition(":") for src in srcs)]
    pkts = [bytearray(ip_udp(a, p or 1024, dst, DTLS_PORT, client_hello(bytes(32)))) for a, p in ends]
    base = os.urandom(28)

    def touch(pkt, n):
        if not ends[n % len(pkts)][1]:
            struct.pack_into("!H", pkt, 20, 1024 + (n // len(pkts)) % 60000)
        pkt[28 + SID_OFF + 1:28 + SID_OFF + 29] = base
        struct.pack_into("!I", pkt, 28 + SID_OFF + 29, n)

    paced(s, dst, pkts, secs, pps, touch)


def main():
    cmds = {"hello": cmd_hello, "sid": cmd_sid, "junk": cmd_junk, "records": cmd_records}
    if len(sys.argv) > 1 and sys.argv[1] == "flood":
        cmd_flood(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif len(sys.argv) > 1 and sys.argv[1] in cmds:
        cmds[sys.argv[1]](*sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
