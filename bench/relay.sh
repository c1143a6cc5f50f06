#!/usr/bin/env bash
# Publish while it uploads (issue 16): builds the release binary, then runs bench/relay.py, which
# puts a 40 Mbit/s throttle (bench/throttle.py, loopback only) on the phone's uplink and on the
# home line's uplink, and times a 500 MB video to TikTok and to YouTube, pipelined (tus and a
# script's multipart with video_size) and sequential, against the phone's upload alone.
# Needs cargo, python3 and curl, ~2 GB free.
#   bench/relay.sh
#   SIZE=100000000 MBIT=40 PLATFORMS=tiktok SEQUENTIAL=0 bench/relay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
args=(--binary "$target/release/cast" --size "${SIZE:-500000000}" --mbit "${MBIT:-40}"
  --platforms "${PLATFORMS:-tiktok,youtube}" --sequential "${SEQUENTIAL:-1}" --script "${SCRIPT:-1}")
if [ -n "${BENCH_DIR:-}" ]; then args+=(--workdir "$BENCH_DIR"); fi
exec python3 bench/relay.py "${args[@]}"
