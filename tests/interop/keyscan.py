#!/usr/bin/env python3
"""Keys typed on fpvpnd's control socket must not stay in its memory nor
come back in a reply (tests/interop/test_live_secrets.sh).

  keyscan.py SOCKET PID [CONFIG-FILE]

One session: exec lines and configure terminal lines that carry fresh keys,
well placed (refused: manual keys cannot change live) and misplaced (where
an SPI, a direction, a sequence number, a map name or a command word
belongs), show with a key, '?' help and completion with a key. Then every
readable mapping of PID is read through /proc/PID/mem and searched for runs
of 16 hex digits; any run sharing 16 characters with a typed key is a leak.
The keys of CONFIG-FILE (loaded at start, not typed) are reported, not
judged. Prints figures; exits 1 on a leak.
"""
import os
import random
import re
import socket
import sys

RUN = 16  # FP_CFG_KEY_HEX_RUN: the shortest run treated as a key
HUGE = 2 << 30  # mappings past this are a sanitizer's shadow and reserves: not read


def hexkey():
    return os.urandom(36).hex()


def digitkey():
    return "".join(random.choice("0123456789") for _ in range(72))


def session_lines(k):
    m = "crypto map CM 10 set session-key "
    return [
        "show " + k[0],
        "show crypto " + k[1] + " sa",
        k[2],
        m + "inbound esp 0x3001 cipher " + k[3],  # exec mode: not a command
        "show " + k[4] + "?",
        "show capture " + k[5],
        "\x01complete show " + k[6],
        "configure terminal",
        m + "inbound esp 0x3001 cipher " + k[7],  # well placed: refused
        m + "outbound esp 0x3002 cipher " + k[8],
        m + "inbound esp " + k[9] + " cipher " + k[10],  # SPI
        m + k[11] + " esp 0x3001 cipher 00",  # direction
        "crypto map CM " + k[12] + " set session-key inbound esp 0x3001 cipher 00",  # seq
        "crypto map CM " + k[13] + " set session-key inbound esp 0x3001 cipher 00",  # digits
        "crypto map " + k[14] + " 10 set session-key inbound esp 0x3001 cipher 00",  # map
        "crypto map CM 10 set " + k[15] + " inbound esp 0x3001 cipher 00",  # keyword
        k[16],  # command word
        "no " + k[17] + " ?",
        "do show " + k[18],
        "show " + k[19],
        m + "inbound esp 0x3001 cipher " + k[20][:36] + " " + k[20][36:],  # a blank inside
        m + "inbound esp 0x3001 " + k[21] + " 00",  # where 'cipher' belongs
        "end",
    ]


def converse(path, lines):
    """Send every line, return the replies (one per line) as text."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall("".join(line + "\n" for line in lines).encode())
    buf = b""
    while buf.count(b"\0") < len(lines):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.decode(errors="replace")


def windows(keys):
    """Every RUN-character piece of every key, lower case."""
    return {k[i:i + RUN].lower() for k in keys for i in range(len(k) - RUN + 1)}


def leaks(text, wins):
    """Hex runs of text (RUN or longer) that share a piece with a key."""
    found = []
    for m in re.finditer(rb"[0-9a-fA-F]{%d,}" % RUN, text):
        run = m.group().decode().lower()
        if any(run[i:i + RUN] in wins for i in range(len(run) - RUN + 1)):
            found.append(run)
    return found


def regions(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5] if len(parts) > 5 else "[anon]"
            if "r" in parts[1] and name not in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                yield lo, hi, name


def scan(pid, wins, cfg_wins):
    """(bytes read, hex runs seen, leaks [(region, run)], config-key runs, skipped)."""
    total = runs = skipped = 0
    hits, cfg_hits = [], 0
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for lo, hi, name in regions(pid):
            if hi - lo > HUGE:
                skipped += 1
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue
            total += len(data)
            runs += len(re.findall(rb"[0-9a-fA-F]{%d,}" % RUN, data))
            hits += [(name, r) for r in leaks(data, wins)]
            cfg_hits += len(leaks(data, cfg_wins)) if cfg_wins else 0
    return total, runs, hits, cfg_hits, skipped


def config_keys(path):
    if not path:
        return set()
    with open(path) as f:
        return {w for w in f.read().split() if re.fullmatch(r"[0-9a-fA-F]{32,}", w)}


def main():
    path, pid = sys.argv[1], int(sys.argv[2])
    keys = [hexkey() for _ in range(22)]
    keys[13] = digitkey()
    lines = session_lines(keys)
    if os.environ.get("KEYSCAN_ONLY"):  # debugging: a subset of the lines, by index
        lines = [lines[int(i)] for i in os.environ["KEYSCAN_ONLY"].split(",")]
    replies = converse(path, lines)
    wins = windows(keys)
    bad_replies = leaks(replies.encode(), wins)
    print("lines sent: %d, replies: %d, bytes back: %d" % (len(lines), replies.count("\0"),
                                                           len(replies)))
    print("replies quoting a typed key: %d" % len(bad_replies))
    for r in bad_replies[:5]:
        print("  reply quoted: " + r[:40] + "...")
    total, runs, hits, cfg_hits, skipped = scan(pid, wins, windows(config_keys(sys.argv[3] if len(sys.argv) > 3 else None)))
    print("memory read: %.1f MiB, hex runs of %d+: %d, runs of typed keys: %d"
          % (total / 1048576, RUN, runs, len(hits)))
    if skipped:
        print("mappings over %d GiB not read (a sanitizer build's shadow): %d"
              % (HUGE >> 30, skipped))
    print("runs of the configuration file's keys (read at start, not typed; not judged): %d"
          % cfg_hits)
    for name, r in hits[:10]:
        which = [i for i, k in enumerate(keys) if any(r[j:j + RUN] in windows([k])
                                                       for j in range(len(r) - RUN + 1))]
        print("  leak in %s: %s... (key of line %s)" % (name, r[:40],
                                                       [lines.index(next(l for l in lines if keys[i] in l)) for i in which]))
    ok = replies.count("\0") == len(lines) and not bad_replies and not hits
    print("RESULT: " + ("no typed key in replies or memory" if ok else "LEAK"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
