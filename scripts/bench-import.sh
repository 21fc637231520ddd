#!/usr/bin/env bash
# Measures import throughput, `chain` latency and store size (issue 2). Not part of the test
# command: run it by hand on a quiet machine. Usage: scripts/bench-import.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --quiet
bin=target/release/chainscout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

demo_s=$(secs $bin --data "$work/demo" import demo)
demo_rows=$($bin --data "$work/demo" --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["enterprises"])')
$bin gen --enterprises "$n" --seed 1 --out "$work/gen.jsonl" >/dev/null
$bin --data "$work/big" import demo >/dev/null
big_s=$(secs $bin --data "$work/big" import enterprises "$work/gen.jsonl")
reimport_s=$(secs $bin --data "$work/big" import enterprises "$work/gen.jsonl")

chain_ms() {
  local dir=$1 total=0 t
  for _ in 1 2 3 4 5; do t=$(secs $bin --data "$dir" chain lithium-battery); total=$(echo "$total + $t" | bc -l); done
  echo "$total * 1000 / 5" | bc -l
}
store_mb() { $bin --data "$1" --json info | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["store_bytes"]/1e6,1))'; }

printf '| measurement | value |\n|---|---|\n'
printf '| demo import (%s listed companies + 8 chains) | %.2f s = %.0f rows/s |\n' "$demo_rows" "$demo_s" "$(echo "$demo_rows / $demo_s" | bc -l)"
printf '| import %s generated rows (new) | %.2f s = %.0f rows/s |\n' "$n" "$big_s" "$(echo "$n / $big_s" | bc -l)"
printf '| re-import the same %s rows (nothing changes: all unchanged) | %.2f s = %.0f rows/s |\n' "$n" "$reimport_s" "$(echo "$n / $reimport_s" | bc -l)"
printf '| `chain lithium-battery` on the demo (process start to exit) | %.0f ms |\n' "$(chain_ms "$work/demo")"
printf '| `chain lithium-battery` on demo + %s | %.0f ms |\n' "$n" "$(chain_ms "$work/big")"
printf '| store on disk: demo | %s MB |\n' "$(store_mb "$work/demo")"
printf '| store on disk: demo + %s (after a full re-import) | %s MB |\n' "$n" "$(store_mb "$work/big")"
