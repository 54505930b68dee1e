#!/usr/bin/env python3
"""Userspace link emulator for the network tests (this kernel has no netem).

Attaches to two existing persistent TUN devices (IFF_TUN | IFF_NO_PI) and forwards every
IPv4 packet from one to the other after `delay_ms` +/- uniform `jitter_ms`, never
reordering packets within a direction. Usage: tun-link-emulator.py TUN_A TUN_B DELAY_MS JITTER_MS
Prints "ready" once both devices are attached; stops on SIGTERM or stdin EOF.
"""
import fcntl, heapq, os, random, select, signal, struct, sys, time

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000


def attach(name):
    descriptor = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(descriptor, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return descriptor


def main():
    name_a, name_b, delay_ms, jitter_ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    a, b = attach(name_a), attach(name_b)
    peer = {a: b, b: a}
    last_release = {a: 0.0, b: 0.0}
    queue, sequence = [], 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        readable, _, _ = select.select([a, b, sys.stdin], [], [], timeout)
        now = time.monotonic()
        for source in readable:
            if source is sys.stdin:
                if not sys.stdin.readline():
                    return
                continue
            while True:
                try:
                    packet = os.read(source, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    return
                wanted = now + (delay_ms + random.uniform(-jitter_ms, jitter_ms)) / 1000.0
                release = max(wanted, last_release[source])
                last_release[source] = release
                sequence += 1
                heapq.heappush(queue, (release, sequence, peer[source], packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, target, packet = heapq.heappop(queue)
            try:
                os.write(target, packet)
            except OSError:
                pass


if __name__ == '__main__':
    main()
