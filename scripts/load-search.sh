#!/usr/bin/env bash
# Load test of the search API with wrk (Debian package `wrk`): 64 connections, >= 1,000 distinct
# queries drawn from the demo data (names, name parts, short names, products, places), no response
# cache. Optionally with a 100k-row import running at the same time.
#
#   scripts/load-search.sh                       # over the demo, in a temp data dir
#   scripts/load-search.sh target/bench-data-1000000 [--with-import]
#
# Loopback only; bounded in time (30 s per run).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/chainscout
work=$(mktemp -d)
data=${1:-$work/data}
with_import=${2:-}
port=$((20000 + RANDOM % 20000))
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/queries.txt" <<'PY'
import json, random, sys, urllib.parse
random.seed(7)
qs = set()
for line in open("src/demo/enterprises.jsonl", encoding="utf-8"):
    r = json.loads(line)
    name = r["name"]
    qs.update(r["aliases"][:1])
    if len(name) > 6:
        i = random.randrange(0, len(name) - 3)
        qs.add(name[i:i + random.choice([2, 3, 4])])
    qs.update(p for p in r["products"][:2] if 2 <= len(p) <= 6)
qs = sorted(qs)
random.shuffle(qs)
qs = qs[:3000] + ["常州 电池", "江苏 储能", "宁德时代", "300750", "正极材料", "苏州 半导体"]
with open(sys.argv[1], "w") as f:
    for q in qs:
        f.write(urllib.parse.quote(q) + "\n")
print(f"{len(qs)} distinct queries", file=sys.stderr)
PY

cat > "$work/search.lua" <<'LUA'
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do queries[#queries + 1] = line end
local i = 0
init = function(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000); i = math.random(1, #queries) end
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/enterprises?q=" .. queries[i] .. "&limit=20")
end
LUA

demo_flag=""
[ -d "$data/store" ] || demo_flag="--demo"
$bin --data "$data" serve --addr 127.0.0.1:$port --public-read $demo_flag > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf http://127.0.0.1:$port/api/v1/health > /dev/null 2>&1 && break
  sleep 0.5
done
echo "server: $(curl -s http://127.0.0.1:$port/api/v1/health)"

if [ "$with_import" = "--with-import" ]; then
  admin=$(cat "$data/admin.token")
  $bin gen --enterprises 100000 --seed 99 --out "$work/import.jsonl" > /dev/null
  ( curl -s -o "$work/import-report.json" -w "import: HTTP %{http_code} in %{time_total}s\n" \
      -H "Authorization: Bearer $admin" -H "Content-Type: application/x-ndjson" \
      --data-binary @"$work/import.jsonl" http://127.0.0.1:$port/api/v1/imports > "$work/import.txt" ) &
  importer=$!
fi

QUERIES="$work/queries.txt" wrk -t2 -c64 -d30s --latency -s "$work/search.lua" http://127.0.0.1:$port | tee "$work/wrk.txt"

if [ -n "${importer:-}" ]; then
  wait $importer
  cat "$work/import.txt"
  python3 -c "import json;r=json.load(open('$work/import-report.json'));print('import report: inserted',r['inserted'],'updated',r['updated'],'rejected',len(r['rejected']))"
fi
grep -E "Non-2xx|Socket errors" "$work/wrk.txt" || echo "errors: none (no non-2xx responses, no socket errors)"
