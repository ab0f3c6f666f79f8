#!/usr/bin/env python3
"""Print 'TIME SPI SEQ' for every ESP packet (raw, IPv4) in a pcap file:
the sequence numbers test_live_restart.sh checks for reuse. Reads the
classic pcap format tcpdump -w writes (Ethernet or raw IP), nothing else."""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(end + "I", head[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(end + "IIII", rec)
            data = f.read(caplen)
            yield sec + frac / (1e9 if nano else 1e6), link, data


def esp(link, data):
    off = 14 if link == 1 else 0  # DLT_EN10MB, else raw IP
    if link == 1 and data[12:14] != b"\x08\x00":
        return None
    ip = data[off:]
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 50:
        return None
    hl = (ip[0] & 15) * 4
    return struct.unpack(">II", ip[hl:hl + 8])


for ts, link, data in packets(sys.argv[1]):
    e = esp(link, data)
    if e:
        print("%.6f 0x%08x %d" % (ts, e[0], e[1]))
