#!/usr/bin/python3
"""A minimal client of fpvpnd's control socket, for the live tests.

The tests use the real `fpvpn` client when it is built; this one is the
fallback (and NT_CLIENT=py forces it). It speaks the wire protocol of
src/cli/control_conn.h (docs/cli.md):

  client: one line, '\\n'-terminated;
  server: the output, then a terminator: a NUL byte and
          "<status> <mode> <prompt>\\n" (status 0 ok, 1 error).

  fpctl.py -s SOCK WORDS...       one command (the words joined by spaces)
  fpctl.py -s SOCK < LINES        one session, a line each (configure terminal ...)
  fpctl.py -s SOCK --raw < BYTES  send the bytes as they are, print what comes
                                  back until the server closes or is quiet for
                                  --timeout seconds (robustness tests)

Exit status: 0 if every line answered with status 0, 1 if one did not,
2 if the connection failed or closed before an answer.
"""
import argparse
import socket
import sys


def read_reply(sock, buf):
    """Read until one terminator; return (output bytes, status, mode, prompt, rest)."""
    while True:
        z = buf.find(b"\0")
        if z >= 0:
            nl = buf.find(b"\n", z)
            if nl >= 0:
                out, term, rest = buf[:z], buf[z + 1:nl], buf[nl + 1:]
                parts = term.decode("ascii", "replace").split(" ", 2)
                status = int(parts[0]) if parts and parts[0].isdigit() else 1
                mode = parts[1] if len(parts) > 1 else ""
                prompt = parts[2] if len(parts) > 2 else ""
                return out, status, mode, prompt, rest
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection before answering")
        buf += chunk


def run_lines(sock, lines, echo):
    worst, buf, prompt = 0, b"", "> "
    for line in lines:
        sock.sendall(line.encode() + b"\n")
        if echo:  # the prompt this line was typed at: the one the last reply gave
            sys.stdout.write(prompt + line + "\n")
        out, status, mode, prompt, buf = read_reply(sock, buf)
        sys.stdout.write(out.decode("utf-8", "replace"))
        sys.stdout.flush()
        worst = max(worst, status)
    return worst


def run_raw(sock, data, timeout):
    sock.sendall(data)
    sock.settimeout(timeout)
    got = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    sys.stdout.buffer.write(got.replace(b"\0", b"\n<END> "))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--socket", required=True)
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--echo", action="store_true", help="print prompt and line before each answer")
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("words", nargs="*")
    a = ap.parse_args()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(a.timeout)
    try:
        sock.connect(a.socket)
        if a.raw:
            return run_raw(sock, sys.stdin.buffer.read(), a.timeout)
        if a.words:
            return run_lines(sock, [" ".join(a.words)], a.echo)
        lines = [l.rstrip("\r\n") for l in sys.stdin]
        return run_lines(sock, lines, a.echo)
    except (OSError, ConnectionError) as e:
        print("fpctl: %s: %s" % (a.socket, e), file=sys.stderr)
        return 2
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
