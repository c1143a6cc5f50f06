#!/usr/bin/env python3
"""One video to TikTok and YouTube at once (issue 13), against sending it to each alone.

Run it through bench/both.sh, which builds the release binary. For each size it posts the same
generated MP4 through `POST /api/posts` (curl -F, as a script would) three times, in one run of
Cast: to TikTok alone, to YouTube alone, then to both in one post. Each is timed from the first
byte sent until every target reads `published`, and Cast's peak RSS (VmHWM, reset before each
post) is read after it. YouTube refuses a second copy of a file on one channel (a duplicate), so
each post goes to a channel of its own. Standard library only, plus curl.
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the TikTok half: starting Cast, connecting an account, RSS)

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Both(bench.Cast):
    def __init__(self, binary, workdir, youtube_chunk):
        self.extra = {
            "CAST_SANDBOX_YOUTUBE_PROCESSING_MS": "0",
            "YOUTUBE_CHUNK_SIZE": str(youtube_chunk),
        }
        super().__init__(binary, workdir)

    def connect_channel(self, name):
        """Connect YouTube through the sandbox's consent page (as the owner, by API token)."""
        status, _, body = bench.request("GET", self.base + "/api/youtube/auth-url", self.token)
        if status != 200:
            raise SystemExit(f"auth-url: {status} {body[:300]!r}")
        url = json.loads(body)["url"]
        status, _, page = bench.request("GET", url, self.token)
        if status != 200:
            raise SystemExit(f"consent page: {status} {page[:300]!r}")
        form = [(k, html.unescape(v)) for k, v in HIDDEN.findall(page.decode())]
        scopes = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["scope"][0].split()
        form += [("channel_name", name), ("decision", "allow")] + [("scopes", s) for s in scopes]
        action = url.split("?")[0]
        status, headers, body = bench.request(
            "POST", action, self.token, urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status not in (302, 303):
            raise SystemExit(f"consent answer: {status} {body[:300]!r}")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)
        status, _, body = bench.request(
            "POST", self.base + "/api/youtube/login", self.token,
            json.dumps({"code": query["code"][0], "state": query["state"][0]}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            raise SystemExit(f"youtube login: {status} {body[:300]!r}")
        return json.loads(body)["account"]["channel_id"]


def tiktok(open_id):
    return {"platform": "tiktok", "account": open_id, "title": "bench", "privacy_level": "SELF_ONLY"}


def youtube(channel):
    return {
        "platform": "youtube", "account": channel, "title": "bench", "privacy_status": "private",
        "made_for_kids": False, "synthetic_media": False,
    }


def post(cast, video, targets):
    """Posts `video` to `targets`; returns seconds from the first byte to every target published."""
    t0 = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", "-H", f"Authorization: Bearer {cast.token}",
         "-F", f"video=@{video};type=video/mp4", "-F", f"targets={json.dumps(targets)}",
         cast.base + "/api/posts"],
        capture_output=True, text=True, check=True,
    )
    answer = json.loads(out.stdout)
    if "post" not in answer:
        raise SystemExit(f"post refused: {out.stdout[:500]}")
    wait_published(cast, answer["post"]["id"])
    return time.monotonic() - t0


def wait_published(cast, pid):
    """Polls the post until every target is final; exits unless all are published."""
    while True:
        _, _, body = bench.request("GET", f"{cast.base}/api/posts/{pid}", cast.token)
        states = [t["state"] for t in json.loads(body)["post"]["targets"]]
        if all(s in ("published", "failed", "cancelled", "in_inbox") for s in states):
            break
        time.sleep(0.05)
    if any(s != "published" for s in states):
        raise SystemExit(f"post {pid} ended {states}: {body[:800]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--sizes", default="1073741824", help="bytes, comma-separated")
    ap.add_argument("--youtube-chunk", type=int, default=16_777_216, help="YOUTUBE_CHUNK_SIZE")
    ap.add_argument("--workdir", default=None, help="where files go (about 4 × the largest size)")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="cast-bench-both-", dir=args.workdir)
    cast = Both(os.path.abspath(args.binary), workdir, args.youtube_chunk)
    rows = []
    try:
        open_id = cast.connect_account("bench")
        idle = bench.peak_rss_kib(cast.proc.pid)
        for size in [int(s) for s in args.sizes.split(",")]:
            video = os.path.join(workdir, f"video-{size}.mp4")
            bench.padded_mp4(video, size)
            row = {"size": size}
            for name, targets in (
                ("tiktok", lambda: [tiktok(open_id)]),
                ("youtube", lambda: [youtube(cast.connect_channel(f"alone {size}"))]),
                ("both", lambda: [tiktok(open_id), youtube(cast.connect_channel(f"both {size}"))]),
            ):
                chosen = targets()
                bench.reset_peak_rss(cast.proc.pid)
                row[name] = post(cast, video, chosen)
                row[name + "_rss"] = bench.peak_rss_kib(cast.proc.pid)
            rows.append(row)
            os.remove(video)
    finally:
        cast.stop()
    print(f"machine: {bench.machine()}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"Cast idle peak RSS: {idle / 1024:.1f} MiB")
    print()
    print("| size | TikTok alone | YouTube alone | both at once | both / slower alone | both / sum of alone | peak RSS (alone: TikTok, YouTube; both) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        slower = max(r["tiktok"], r["youtube"])
        total = r["tiktok"] + r["youtube"]
        print(
            f"| {r['size'] / 2**20:.0f} MiB | {r['tiktok']:.2f} s | {r['youtube']:.2f} s | {r['both']:.2f} s "
            f"| {r['both'] / slower:.2f}× | {r['both'] / total:.2f}× "
            f"| {r['tiktok_rss'] / 1024:.1f}, {r['youtube_rss'] / 1024:.1f}; **{r['both_rss'] / 1024:.1f} MiB** |"
        )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
