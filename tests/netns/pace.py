"""Paced sending for the flood helpers (ike_flood.py, dtls_hostile.py)."""
import time


def paced(s, dst, pkts, secs, pps, touch):
    """Sends pkts round robin to dst on the raw socket s, pps a second for
    secs seconds, touch(pkt, n) rewriting each before its n-th send (a new
    SPI, port or session id: the packets are built once, so that the sender
    takes little of the CPU it measures); prints what it sent, what the
    kernel refused and the CPU seconds it used."""
    sent = failed = 0
    t0 = time.monotonic()
    while True:
        now = time.monotonic() - t0
        if now >= secs:
            break
        while sent + failed < int(now * pps):
            n = sent + failed
            pkt = pkts[n % len(pkts)]
            touch(pkt, n)
            try:
                s.sendto(pkt, (dst, 0))
                sent += 1
            except OSError:
                failed += 1
        time.sleep(0.002)
    print("sent", sent)
    print("failed", failed)
    print("cpu_s %.2f" % time.process_time())
