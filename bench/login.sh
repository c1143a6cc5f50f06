#!/usr/bin/env bash
# Cast's memory under a burst of parallel wrong logins: builds the release binary, then runs
# bench/login_burst.py against it. Needs cargo and python3.
#   bench/login.sh                      # 5 bursts of 150
#   PARALLEL=300 ROUNDS=3 bench/login.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
exec python3 bench/login_burst.py --binary "$target/release/cast" \
  --parallel "${PARALLEL:-150}" --rounds "${ROUNDS:-5}"
