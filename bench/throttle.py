#!/usr/bin/env python3
"""A rate-limited TCP proxy on loopback, to emulate a slow link in benchmarks.

    python3 bench/throttle.py --listen 127.0.0.1:4100 --to 127.0.0.1:3000 --up-mbit 40

Bytes from the client to the target (the "uplink": a phone uploading, or a home line sending to
a platform) are paced to --up-mbit megabits per second, shared by all connections, with a token
bucket refilled every 10 ms; bytes back are paced to --down-mbit (default: unlimited). It only
ever connects to the --to address, which must be on loopback, and it stops by itself after
--max-seconds. Standard library only.
"""

import argparse
import asyncio
import ipaddress
import sys
import time

CHUNK = 64 * 1024


class Bucket:
    """A shared token bucket: `take(n)` returns once n bytes may pass at the configured rate."""

    def __init__(self, mbit):
        self.rate = mbit * 1_000_000 / 8 if mbit else None
        self.tokens = 0.0
        self.last = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self, n):
        if self.rate is None:
            return
        async with self.lock:
            while True:
                now = time.monotonic()
                # At most 50 ms of burst: a link does not save up bandwidth while idle.
                self.tokens = min(self.tokens + (now - self.last) * self.rate, self.rate * 0.05)
                self.last = now
                if self.tokens >= n:
                    self.tokens -= n
                    return
                await asyncio.sleep(max((n - self.tokens) / self.rate, 0.01))


async def pump(reader, writer, bucket, counter, key):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            await bucket.take(len(data))
            writer.write(data)
            await writer.drain()
            counter[key] += len(data)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="host:port to listen on (loopback)")
    p.add_argument("--to", required=True, help="host:port to forward to (loopback only)")
    p.add_argument("--up-mbit", type=float, default=40.0)
    p.add_argument("--down-mbit", type=float, default=0.0, help="0 = unlimited")
    p.add_argument("--max-seconds", type=float, default=3600.0)
    args = p.parse_args()
    lhost, lport = args.listen.rsplit(":", 1)
    thost, tport = args.to.rsplit(":", 1)
    if not (loopback(lhost) and loopback(thost)):
        sys.exit("throttle.py only listens on and forwards to loopback addresses")
    up, down = Bucket(args.up_mbit), Bucket(args.down_mbit)
    counter = {"up": 0, "down": 0}

    async def handle(creader, cwriter):
        try:
            treader, twriter = await asyncio.open_connection(thost, int(tport))
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(
            pump(creader, twriter, up, counter, "up"),
            pump(treader, cwriter, down, counter, "down"),
        )

    server = await asyncio.start_server(handle, lhost, int(lport))
    print(f"throttle: {args.listen} -> {args.to}, up {args.up_mbit} Mbit/s", flush=True)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), timeout=args.max_seconds)
        except asyncio.TimeoutError:
            pass
    print(f"throttle: done, {counter['up']} bytes up, {counter['down']} down", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
