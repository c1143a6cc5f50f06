#!/usr/bin/env bash
# Cast's upload benchmark: builds the release binary, then runs bench/bench.py against Cast in
# sandbox mode. Needs cargo, python3 and curl, and about 4 GiB free in the work folder.
#   bench/run.sh                       # 100 MiB and 1 GiB
#   SIZES=104857600 bench/run.sh       # just 100 MiB
#   BENCH_DIR=/big/disk bench/run.sh   # where the generated videos and Cast's data go
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
args=(--binary "$target/release/cast" --sizes "${SIZES:-104857600,1073741824}")
if [ -n "${BENCH_DIR:-}" ]; then args+=(--workdir "$BENCH_DIR"); fi
exec python3 bench/bench.py "${args[@]}"
