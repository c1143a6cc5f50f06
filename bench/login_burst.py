#!/usr/bin/env python3
"""Cast's memory under a login burst (issue 11). Run it through bench/login.sh, which builds the
release binary.

Starts `cast serve`, measures its resident memory idle, then fires ROUNDS bursts of 150 parallel
wrong logins, each guess from its own forged X-Forwarded-For address with TRUSTED_PROXY=forwarded
(the worst case: only the bound on concurrent password checks holds them back, not the
per-address throttle). Reports peak RSS (VmHWM) beside the idle RSS of the same run, the answers
(401 checked / 429 refused at once) and how long each burst took. Standard library only.
"""

import argparse
import concurrent.futures
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

PASSWORD = "bench-password-123456"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=120) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


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
    ap.add_argument("--parallel", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="cast-login-bench-")
    data = os.path.join(workdir, "data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATA_DIR": data,
        "LISTEN": f"127.0.0.1:{port}",
        "TRUSTED_PROXY": "forwarded",
        "RUST_LOG": "warn",
    }
    os.makedirs(data, exist_ok=True)
    subprocess.run([args.binary, "set-password"], env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=data)
    log = open(os.path.join(workdir, "cast.log"), "w")
    proc = subprocess.Popen([args.binary, "serve"], env=env, stdout=log, stderr=log, cwd=data)
    try:
        for _ in range(400):
            try:
                if request("GET", base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("Cast did not start")
        status, headers, body = request("GET", base + "/login")
        cookie = headers["Set-Cookie"].split(";")[0]
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode({"csrf_token": csrf, "password": "wrong guess", "next": "/"}).encode()
        time.sleep(1)  # let start-up settle before reading the idle figure
        idle_rss = status_kib(proc.pid, "VmRSS")
        idle_hwm = status_kib(proc.pid, "VmHWM")

        def guess(i):
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255 or 1}"
            return request("POST", base + "/login", form, {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "X-Forwarded-For": ip,
            })[0]

        rounds = []
        n = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
            for _ in range(args.rounds):
                t0 = time.monotonic()
                codes = list(pool.map(guess, range(n, n + args.parallel)))
                n += args.parallel
                rounds.append((time.monotonic() - t0, codes.count(401), codes.count(429), len(codes)))
        peak = status_kib(proc.pid, "VmHWM")
        after = status_kib(proc.pid, "VmRSS")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"idle RSS: {idle_rss / 1024:.1f} MiB (peak so far {idle_hwm / 1024:.1f} MiB)")
    print(f"peak RSS over {args.rounds} bursts of {args.parallel}: {peak / 1024:.1f} MiB "
          f"({peak / max(idle_rss, 1):.2f}× idle); RSS after: {after / 1024:.1f} MiB")
    print()
    print("| burst | parallel wrong logins | checked (401) | refused at once (429) | burst time |")
    print("|---|---|---|---|---|")
    for i, (secs, checked, refused, total) in enumerate(rounds, 1):
        print(f"| {i} | {total} | {checked} | {refused} | {secs:.2f} s |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
