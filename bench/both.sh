#!/usr/bin/env bash
# One video to TikTok and YouTube at once, against each alone (issue 13): builds the release
# binary, then runs bench/both.py against Cast in sandbox mode. Needs cargo, python3 and curl,
# and about 3 GiB free in the work folder.
#   bench/both.sh                       # 1 GiB
#   SIZES=104857600,1073741824 bench/both.sh
#   BENCH_DIR=/big/disk bench/both.sh   # where the generated videos and Cast's data go
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
args=(--binary "$target/release/cast" --sizes "${SIZES:-1073741824}")
if [ -n "${BENCH_DIR:-}" ]; then args+=(--workdir "$BENCH_DIR"); fi
exec python3 bench/both.py "${args[@]}"
