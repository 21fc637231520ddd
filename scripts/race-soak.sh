#!/usr/bin/env bash
# Runs the race tests (tests/it/races.rs) and the model-based property test N times in a row
# (issue 11 asks for 50) and counts failures. Each run gets fresh seeds. Not part of the test
# command: run it by hand. Usage: scripts/race-soak.sh [N=50]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
cargo test --no-run --locked --test it 2>/dev/null
bin=$(cargo test --no-run --locked --test it --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "it":
        print(m["executable"])')
passed=0 failed=0
for i in $(seq 1 "$n"); do
  if "$bin" races properties::after_every_write --test-threads=2 >"/tmp/race-soak-$i.log" 2>&1; then
    passed=$((passed + 1))
    rm -f "/tmp/race-soak-$i.log"
  else
    failed=$((failed + 1))
    echo "run $i failed: /tmp/race-soak-$i.log"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
