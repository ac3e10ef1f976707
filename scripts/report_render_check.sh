#!/usr/bin/env bash
# The report stays small and fast at scale (issue 6): runs kehu on a large transactions file and
# times headless Chromium loading report.html (browser start included), three times.
#
#   scripts/report_render_check.sh FILE [OUT_DIR]
#
# FILE: e.g. the bench's transactions_1e7.parquet (1,051,358 customers; make it with
# ../shared/bench/gen_transactions.py --rows 1e7). Needs chromium (.ci/run installs it) and a
# release build (CARGO_TARGET_DIR=$HOME/.cache/kehu-target cargo build --workspace --release).
set -euo pipefail
FILE=${1:?usage: scripts/report_render_check.sh FILE [OUT_DIR]}
OUT=${2:-/tmp/kehu-report-check}
KEHU="${CARGO_TARGET_DIR:-$HOME/.cache/kehu-target}/release/kehu"
rm -rf "$OUT"
"$KEHU" run "$FILE" --out "$OUT" --quiet > /dev/null
echo "report.html: $(stat -c %s "$OUT/report.html") bytes (goal: under 5 MB)"
for _ in 1 2 3; do
  /usr/bin/time -f "load and render: %e s (goal: under 2 s)" \
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --dump-dom "file://$OUT/report.html" 2>&1 >/dev/null | grep 'load and render'
done
