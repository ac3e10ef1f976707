#!/usr/bin/env bash
# Runs the RFM benchmark of ../shared/bench with kehu as one more peer (see README.md).
#
#   bench/run_kehu_peer.sh SIZE [BENCH_DIR]      SIZE = 1e6 | 1e7 | 5e7; BENCH_DIR default /tmp/bench
#
# BENCH_DIR is a writable copy of ../shared/bench (made here if missing, then ./setup.sh).
# The kehu binary must be built first, with a whole-workspace command:
#   CARGO_TARGET_DIR=$HOME/.cache/kehu-target cargo build --workspace --release --examples
# Knobs of run_peers.sh pass through: RUNS=3, PEERS="polars duckdb kehu", COMPARE, PROBE.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE=${1:?usage: bench/run_kehu_peer.sh SIZE [BENCH_DIR]}
BENCH_DIR=${2:-/tmp/bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kehu-target}
BIN="$CARGO_TARGET_DIR/release/examples/rfm_peer"
SRC="$ROOT/crates/pipeline/examples/rfm_peer.rs"
if [ ! -x "$BIN" ]; then
  echo "no $BIN: build it with" >&2
  echo "  CARGO_TARGET_DIR=$CARGO_TARGET_DIR cargo build --workspace --release --examples" >&2
  exit 1
fi
[ "$BIN" -nt "$SRC" ] || echo "warning: $BIN is older than $SRC; rebuild it" >&2
if [ ! -d "$BENCH_DIR" ]; then
  cp -r "$ROOT/../shared/bench" "$BENCH_DIR"
  chmod -R u+w "$BENCH_DIR"
fi
[ -x "$BENCH_DIR/.venv/bin/python" ] || (cd "$BENCH_DIR" && ./setup.sh)
PEERS_FILE="$ROOT/bench/peers.list" "$BENCH_DIR/run_peers.sh" "$SIZE"
echo "report: $BENCH_DIR/results-$SIZE.md; output agreement: its 'Output agreement' section (data/out/$SIZE/compare.md)" >&2
