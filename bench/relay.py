#!/usr/bin/env python3
"""Publish while it uploads (issue 16): the time from the phone's first byte to "published",
against the phone's upload alone, over two emulated 40 Mbit/s uplinks.

Run it through bench/relay.sh, which builds the release binary. Two throttling proxies
(bench/throttle.py) sit on loopback: the phone's uplink (this script's tus upload to Cast) and the
home line's uplink (Cast to its sandboxes: Cast's BASE_URL points through it, so the platforms'
API and upload URLs all go that way). In one run of Cast, for each platform (TikTok, then
YouTube) it times:

- the phone's upload alone: the video sent over tus through the phone's link, no post;
- pipelined: the post made (`POST /api/posts` with `upload_id`) right after the upload is
  created, then the video sent; the clock stops when the target reads `published`;
- script: a script's multipart `POST /api/posts` with `video_size` before `video`, sent
  through the phone's link as one request (curl), relayed while its body arrives;
- sequential: the whole upload first, then the post; the same clock.

Cast's peak RSS (VmHWM, reset before each post) is read after each. YouTube refuses a second
copy on one channel, so each YouTube post goes to a channel of its own. Standard library only.
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import both  # noqa: E402

PART = 50 * 1024 * 1024  # what post.js sends per PATCH (under free tunnels' 100 MB cap)


def start_throttle(listen, to, mbit, log):
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.Popen(
        [sys.executable, os.path.join(here, "throttle.py"), "--listen", listen, "--to", to,
         "--up-mbit", str(mbit), "--max-seconds", "7200"],
        stdout=log, stderr=log,
    )
    host, port = listen.rsplit(":", 1)
    for _ in range(100):
        try:
            with __import__("socket").create_connection((host, int(port)), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"throttle on {listen} did not start")


def create_upload(cast, phone, size):
    conn = http.client.HTTPConnection("127.0.0.1", phone, timeout=600)
    conn.request("POST", "/uploads/tus/", headers={
        "Authorization": f"Bearer {cast.token}", "Tus-Resumable": "1.0.0",
        "Upload-Length": str(size),
        "Upload-Metadata": "filename dmlkZW8ubXA0,filetype dmlkZW8vbXA0",
    })
    res = conn.getresponse()
    res.read()
    if res.status != 201:
        raise SystemExit(f"tus create: {res.status}")
    path = res.getheader("Location")
    if path.startswith("http"):
        path = "/" + path.split("/", 3)[3]
    return conn, path


class Slice:
    """`n` bytes of `f` from where it stands, as a file-like body (never all in memory)."""

    def __init__(self, f, n):
        self.f, self.left = f, n

    def read(self, size=-1):
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.f.read(size)
        self.left -= len(data)
        return data


def send_all(cast, conn, path, video, size):
    with open(video, "rb") as f:
        offset = 0
        while offset < size:
            n = min(PART, size - offset)
            conn.request("PATCH", path, body=Slice(f, n), headers={
                "Authorization": f"Bearer {cast.token}", "Tus-Resumable": "1.0.0",
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset), "Content-Length": str(n),
            })
            res = conn.getresponse()
            res.read()
            if res.status != 204:
                raise SystemExit(f"PATCH at {offset}: {res.status}")
            offset += n


def post(cast, upload_path, targets):
    upload_id = upload_path.rstrip("/").split("/")[-1]
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", "-H", f"Authorization: Bearer {cast.token}",
         "-F", f"upload_id={upload_id}", "-F", f"targets={json.dumps(targets)}",
         cast.base + "/api/posts"],
        capture_output=True, text=True, check=True,
    )
    answer = json.loads(out.stdout)
    if "post" not in answer:
        raise SystemExit(f"post refused: {out.stdout[:500]}")
    return answer["post"]["id"]


def phone_alone(cast, phone, video, size):
    t0 = time.monotonic()
    conn, path = create_upload(cast, phone, size)
    send_all(cast, conn, path, video, size)
    return time.monotonic() - t0


def pipelined(cast, phone, video, size, targets):
    t0 = time.monotonic()
    conn, path = create_upload(cast, phone, size)
    pid = post(cast, path, targets)
    send_all(cast, conn, path, video, size)
    uploaded = time.monotonic() - t0
    both.wait_published(cast, pid)
    return time.monotonic() - t0, uploaded


def sequential(cast, phone, video, size, targets):
    t0 = time.monotonic()
    conn, path = create_upload(cast, phone, size)
    send_all(cast, conn, path, video, size)
    uploaded = time.monotonic() - t0
    both.wait_published(cast, post(cast, path, targets))
    return time.monotonic() - t0, uploaded


def scripted(cast, phone, video, size, targets):
    """A script's multipart `POST /api/posts` with `video_size` before `video`, through the
    phone's link: relayed while its body arrives (curl reads the file from disk as it sends)."""
    t0 = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", "-H", f"Authorization: Bearer {cast.token}", "-H", "Expect:",
         "-F", f"targets={json.dumps(targets)}", "-F", f"video_size={size}",
         "-F", f"video=@{video};type=video/mp4", f"http://127.0.0.1:{phone}/api/posts"],
        capture_output=True, text=True, check=True,
    )
    uploaded = time.monotonic() - t0
    answer = json.loads(out.stdout)
    if "post" not in answer:
        raise SystemExit(f"script post refused: {out.stdout[:500]}")
    both.wait_published(cast, answer["post"]["id"])
    return time.monotonic() - t0, uploaded


def measured(cast, fn, *args):
    bench.reset_peak_rss(cast.proc.pid)
    out = fn(cast, *args)
    return out, bench.peak_rss_kib(cast.proc.pid)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--size", type=int, default=500_000_000)
    ap.add_argument("--mbit", type=float, default=40.0, help="each uplink's rate")
    ap.add_argument("--youtube-chunk", type=int, default=8_388_608, help="YOUTUBE_CHUNK_SIZE")
    ap.add_argument("--platforms", default="tiktok,youtube")
    ap.add_argument("--sequential", default="1", help="0: skip the sequential runs")
    ap.add_argument("--script", default="1", help="0: skip the script's multipart runs")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="cast-bench-relay-", dir=args.workdir)
    log = open(os.path.join(workdir, "throttle.log"), "w")
    home, phone = bench.free_port(), bench.free_port()
    cast = RelayCast(os.path.abspath(args.binary), workdir, args.youtube_chunk, home)
    throttles = [
        start_throttle(f"127.0.0.1:{home}", cast.base.split("//")[1], args.mbit, log),
        start_throttle(f"127.0.0.1:{phone}", cast.base.split("//")[1], args.mbit, log),
    ]
    rows = []
    try:
        open_id = cast.connect_account("bench")
        idle = bench.peak_rss_kib(cast.proc.pid)
        video = os.path.join(workdir, "video.mp4")
        bench.padded_mp4(video, args.size)
        for platform in args.platforms.split(","):
            def targets(tag):
                if platform == "tiktok":
                    return [both.tiktok(open_id)]
                return [both.youtube(cast.connect_channel(f"relay {tag}"))]
            alone, alone_rss = measured(cast, phone_alone, phone, video, args.size)
            row = {"platform": platform, "alone": alone, "alone_rss": alone_rss}
            (row["pipe"], row["pipe_up"]), row["pipe_rss"] = measured(
                cast, pipelined, phone, video, args.size, targets("pipelined"))
            if args.script != "0":
                (row["script"], row["script_up"]), row["script_rss"] = measured(
                    cast, scripted, phone, video, args.size, targets("script"))
            if args.sequential != "0":
                (row["seq"], row["seq_up"]), row["seq_rss"] = measured(
                    cast, sequential, phone, video, args.size, targets("sequential"))
            rows.append(row)
    finally:
        cast.stop()
        for t in throttles:
            t.terminate()
    print(f"machine: {bench.machine()}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"size: {args.size} bytes; each uplink {args.mbit:g} Mbit/s; Cast idle peak RSS {idle / 1024:.1f} MiB")
    print()
    print("| platform | phone's upload alone (baseline) | pipelined (tus): first byte → published | ratio | script's multipart: first byte → published | ratio | sequential: first byte → published | ratio | peak RSS (pipelined; script; sequential) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        def timed(key):
            return f"{r[key]:.1f} s | {r[key] / r['alone']:.2f}×" if key in r else "— | —"

        rss = "; ".join(f"{r[k] / 1024:.1f}" for k in ("pipe_rss", "script_rss", "seq_rss") if k in r)
        print(
            f"| {r['platform']} | {r['alone']:.1f} s | {r['pipe']:.1f} s | **{r['pipe'] / r['alone']:.2f}×** "
            f"| {timed('script')} | {timed('seq')} | {rss} MiB |"
        )
    if os.environ.get("KEEP_BENCH") == "1":
        print(f"kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


class RelayCast(both.Both):
    """Cast whose BASE_URL is the home uplink's proxy: every call to a sandbox goes through it
    (the sandboxes name their API and upload URLs after BASE_URL). This script itself talks to
    Cast's own address, unthrottled, except for the phone's upload."""

    def __init__(self, binary, workdir, youtube_chunk, home_port):
        self.extra = {
            "CAST_SANDBOX_YOUTUBE_PROCESSING_MS": "0",
            "YOUTUBE_CHUNK_SIZE": str(youtube_chunk),
            "BASE_URL": f"http://127.0.0.1:{home_port}",
        }
        self.home = self.extra["BASE_URL"]
        bench.Cast.__init__(self, binary, workdir)

    def consent(self, username, state, challenge):
        # The callback TikTok's consent names is BASE_URL's.
        here, self.base = self.base, self.home
        try:
            return super().consent(username, state, challenge)
        finally:
            self.base = here


if __name__ == "__main__":
    sys.exit(main())
