#!/usr/bin/env bash
# Load test of the search API with wrk (Debian package `wrk`): 64 connections, >= 1,000 distinct
# queries drawn from the demo data (names, name parts, short names, products, places). Two runs:
# "cold" with the result cache off (`--search-cache 0`: every request computes its answer) and
# "warm" with a cache large enough for them (the 3,006 queries cycle, so nearly every answer is
# cached). The
# CPU wrk itself takes is printed as a share of the two cores. Optionally with a 100k-row import
# running at the same time (warm run only).
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
# Wait for the server to end: the next run over the same data dir needs its lock.
trap 'kill ${server:-} 2>/dev/null && wait ${server:-} 2>/dev/null; rm -rf "$work"' EXIT

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
    products = [p["name"] if isinstance(p, dict) else p for p in r["products"][:2]]
    qs.update(p for p in products if 2 <= len(p) <= 6)
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
start_server() {
  $bin --data "$data" serve --addr 127.0.0.1:$port --public-read $demo_flag --search-cache "$1" > "$work/server.log" 2>&1 &
  server=$!
  demo_flag=""
  for _ in $(seq 1 600); do
    curl -sf http://127.0.0.1:$port/api/v1/health > /dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || break
    sleep 0.5
  done
  curl -sf http://127.0.0.1:$port/api/v1/health > /dev/null 2>&1 || { echo "the server did not start:" >&2; tail -5 "$work/server.log" >&2; exit 1; }
  echo "server: $(curl -s http://127.0.0.1:$port/api/v1/health)"
}
run_wrk() {
  echo "== $1"
  QUERIES="$work/queries.txt" /usr/bin/time -f "wrk CPU: %U s user + %S s system" \
    wrk -t2 -c64 -d30s --latency -s "$work/search.lua" http://127.0.0.1:$port 2>&1 | tee "$work/wrk.txt"
  python3 - "$work/wrk.txt" <<'PY2'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"wrk CPU: ([\d.]+) s user \+ ([\d.]+) s system", t)
if m:
    cpu = float(m.group(1)) + float(m.group(2))
    print(f"wrk took {cpu:.1f} CPU-seconds of 60 (two cores for 30 s): {cpu / 60:.0%} of the machine")
PY2
  }

if [ "$with_import" != "--with-import" ]; then
  start_server 0
  run_wrk "cold: result cache off, every request computed"
  kill $server; wait $server 2>/dev/null || true
fi
# Room for all 3,006 queries (the default, 1,024 per half, suits a bureau's few hundred).
start_server 4096

if [ "$with_import" = "--with-import" ]; then
  admin=$(cat "$data/admin.token")
  $bin gen --enterprises 100000 --seed 99 --out "$work/import.jsonl" > /dev/null
  ( curl -s -o "$work/import-report.json" -w "import: HTTP %{http_code} in %{time_total}s\n" \
      -H "Authorization: Bearer $admin" -H "Content-Type: application/x-ndjson" \
      --data-binary @"$work/import.jsonl" http://127.0.0.1:$port/api/v1/imports > "$work/import.txt" ) &
  importer=$!
fi

run_wrk "warm: result cache on (4,096 entries per half)"

if [ -n "${importer:-}" ]; then
  wait $importer
  cat "$work/import.txt"
  python3 -c "import json;r=json.load(open('$work/import-report.json'));print('import report: inserted',r['inserted'],'updated',r['updated'],'rejected',len(r['rejected']))"
fi
