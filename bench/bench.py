#!/usr/bin/env python3
"""Cast's upload benchmark (issue 6). Run it through bench/run.sh, which builds the release binary.

For each size it:
  1. posts a generated MP4 to Cast's API (curl -F, as a script would) and times
     "client starts sending" -> "job published", reading Cast's peak RSS (VmHWM) after each run;
  2. uploads the same file straight to the sandbox's upload URL with plain curl PUTs (same chunk
     plan), timed from init to the last chunk's 201: the baseline the ratio is taken against;
  3. reads the video check's time from Cast's log ("video checked ... probe_ms").
Standard library only, plus curl.
"""

import argparse
import hashlib
import json
import secrets
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OK_MP4 = os.path.join(ROOT, "tests", "fixtures", "ok.mp4")
CHUNK = 5_242_880  # Cast's default TIKTOK_CHUNK_SIZE; the baseline uses the same plan.
SCOPES = "user.info.basic,video.upload,video.publish"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(method, url, token=None, data=None, headers=None):
    """Returns (status, headers, body bytes); never raises on HTTP errors."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with OPENER.open(req, timeout=600) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def padded_mp4(path, total):
    """ok.mp4 followed by one `free` box: a valid MP4 of `total` bytes (sparse zeros)."""
    with open(OK_MP4, "rb") as f:
        head = f.read()
    pad = total - len(head)
    with open(path, "wb") as f:
        f.write(head)
        f.write(pad.to_bytes(4, "big") + b"free")
        f.truncate(total)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_peak_rss(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Cast:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.data = os.path.join(workdir, "data")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "DATA_DIR": self.data,
            "LISTEN": f"127.0.0.1:{port}",
            "CAST_SANDBOX_PROCESSING_MS": "0",
            "MAX_UPLOAD_MB": "4000",
            "RUST_LOG": "info,sqlx=warn,actix_server=warn",
        }
        # Settings a script built on this one adds (bench/both.py: the YouTube sandbox's).
        self.env.update(getattr(self, "extra", {}))
        os.makedirs(self.data, exist_ok=True)
        self.cli(["set-password"], "bench-password-123456\n")
        self.token = self.cli(["token", "create", "--name", "bench"]).strip().splitlines()[-1].strip()
        self.log_path = os.path.join(workdir, "cast.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(200):
            try:
                if request("GET", self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("Cast did not start; see " + self.log_path)

    def cli(self, args, stdin=None):
        out = subprocess.run([self.binary, *args], env=self.env, input=stdin, capture_output=True, text=True, cwd=self.data)
        if out.returncode != 0:
            raise SystemExit(f"cast {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()

    def consent(self, username, state, challenge):
        """Approves the sandbox's consent page as the owner (API token); returns the code.
        `challenge` is the PKCE code_challenge (hex SHA-256 of the verifier, TikTok's form)."""
        form = [
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("client_key", "cast-sandbox"),
            ("response_type", "code"),
            ("redirect_uri", self.base + "/auth/tiktok/callback"),
            ("scope", SCOPES),
            ("state", state),
            ("username", username),
            ("decision", "authorize"),
        ] + [("scopes", s) for s in SCOPES.split(",")]
        status, headers, body = request(
            "POST",
            self.base + "/sandbox/tiktok/v2/auth/authorize/",
            self.token,
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 303:
            raise SystemExit(f"consent failed: {status} {body[:300]!r}")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)
        return query["code"][0]

    def connect_account(self, username):
        status, _, body = request("GET", self.base + "/api/tiktok/auth-url", self.token)
        answer = json.loads(body)
        state = answer["state"]
        query = urllib.parse.parse_qs(urllib.parse.urlparse(answer["url"]).query)
        code = self.consent(username, state, query["code_challenge"][0])
        status, _, body = request(
            "POST", self.base + "/api/tiktok/login", self.token,
            json.dumps({"code": code, "state": state}).encode(), {"Content-Type": "application/json"},
        )
        if status != 200:
            raise SystemExit(f"connect failed: {status} {body[:300]!r}")
        return json.loads(body)["account"]["open_id"]

    def sandbox_token(self, username):
        """A sandbox access token of our own, for the curl baseline."""
        verifier = secrets.token_urlsafe(48)
        challenge = hashlib.sha256(verifier.encode()).hexdigest()
        code = self.consent(username, "bench", challenge)
        form = {
            "code_verifier": verifier,
            "client_key": "cast-sandbox",
            "client_secret": "cast-sandbox-secret",
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": self.base + "/auth/tiktok/callback",
        }
        status, _, body = request(
            "POST", self.base + "/sandbox/tiktok/v2/oauth/token/", None,
            urllib.parse.urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return json.loads(body)["access_token"]

    def probe_ms(self, upload_id):
        with open(self.log_path) as f:
            for line in f:
                line = ANSI.sub("", line)
                if "video checked" in line and upload_id in line:
                    m = re.search(r"probe_ms=([0-9.]+)", line)
                    if m:
                        return float(m.group(1))
        return None


def through_cast(cast, open_id, video):
    """Posts the video to Cast's API; returns (accepted_s, end_to_end_s, upload_id)."""
    t0 = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", "-H", f"Authorization: Bearer {cast.token}",
         "-F", f"video=@{video};type=video/mp4", "-F", "privacy_level=SELF_ONLY", "-F", f"open_id={open_id}",
         cast.base + "/api/tiktok/upload-video"],
        capture_output=True, text=True, check=True,
    )
    accepted = time.monotonic() - t0
    job = json.loads(out.stdout).get("upload")
    if not job:
        raise SystemExit(f"upload refused: {out.stdout}")
    while True:
        status, _, body = request("GET", f"{cast.base}/api/uploads/{job['id']}", cast.token)
        job = json.loads(body)["upload"]
        if job["state"] in ("published", "failed"):
            break
        time.sleep(0.05)
    if job["state"] != "published":
        raise SystemExit(f"upload failed: {job}")
    return accepted, time.monotonic() - t0, job["id"]


def plan(size):
    if size <= 64_000_000:
        return size, 1
    return CHUNK, size // CHUNK


def through_curl(cast, token, video, workdir):
    """Init + chunk PUTs with plain curl, straight to the sandbox; returns seconds (init → last 201)."""
    size = os.path.getsize(video)
    chunk, count = plan(size)
    # Cut the chunks out beforehand (untimed): curl sends a whole file per PUT.
    parts = []
    with open(video, "rb") as f:
        for i in range(count):
            first = i * chunk
            last = size - 1 if i == count - 1 else first + chunk - 1
            part = os.path.join(workdir, f"part{i:04d}")
            with open(part, "wb") as out:
                remaining = last - first + 1
                while remaining:
                    buf = f.read(min(remaining, 1 << 20))
                    out.write(buf)
                    remaining -= len(buf)
            parts.append((part, first, last))
    t0 = time.monotonic()
    body = {
        "post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": False},
        "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count},
    }
    status, _, raw = request(
        "POST", cast.base + "/sandbox/tiktok/v2/post/publish/video/init/", token,
        json.dumps(body).encode(), {"Content-Type": "application/json; charset=UTF-8"},
    )
    url = json.loads(raw)["data"]["upload_url"]
    # One curl process for every chunk (`--next`), so the connection is reused as a client would.
    cmd = ["curl", "-sS"]
    for i, (part, first, last) in enumerate(parts):
        if i:
            cmd.append("--next")
        # -T would append the file name to a URL whose path ends in '/'; --data-binary does not.
        cmd += ["-o", "/dev/null", "-w", "%{http_code}\n", "-X", "PUT", "--data-binary", f"@{part}",
                "-H", "Content-Type: video/mp4", "-H", f"Content-Range: bytes {first}-{last}/{size}", url]
    codes = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    if codes[:-1] != ["206"] * (count - 1) or codes[-1:] != ["201"]:
        raise SystemExit(f"curl chunks answered {codes}")
    elapsed = time.monotonic() - t0
    for part, _, _ in parts:
        os.remove(part)
    return elapsed


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} × {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--sizes", default="104857600,1073741824", help="bytes, comma-separated")
    ap.add_argument("--workdir", default=None, help="where files go (needs about 4 × the largest size free)")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="cast-bench-", dir=args.workdir)
    cast = Cast(os.path.abspath(args.binary), workdir)
    rows = []
    try:
        open_id = cast.connect_account("bench")
        token = cast.sandbox_token("bench_curl")
        idle_rss = peak_rss_kib(cast.proc.pid)
        for size in [int(s) for s in args.sizes.split(",")]:
            video = os.path.join(workdir, f"video-{size}.mp4")
            padded_mp4(video, size)
            baseline = through_curl(cast, token, video, workdir)
            reset_peak_rss(cast.proc.pid)
            accepted, e2e, upload_id = through_cast(cast, open_id, video)
            rss = peak_rss_kib(cast.proc.pid)
            rows.append((size, baseline, accepted, e2e, e2e / baseline, rss, cast.probe_ms(upload_id)))
            os.remove(video)
    finally:
        cast.stop()
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"Cast idle peak RSS: {idle_rss / 1024:.1f} MiB")
    print()
    print("| size | curl baseline (init → last chunk) | Cast: accepted | Cast: end to end (published) | ratio | Cast peak RSS | video check |")
    print("|---|---|---|---|---|---|---|")
    for size, baseline, accepted, e2e, ratio, rss, probe in rows:
        probe_text = f"{probe:.1f} ms" if probe is not None else "n/a"
        print(f"| {size / 2**20:.0f} MiB | {baseline:.2f} s | {accepted:.2f} s | {e2e:.2f} s | {ratio:.2f}× | {rss / 1024:.1f} MiB | {probe_text} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
