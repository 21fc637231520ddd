#!/usr/bin/env bash
# How chainscout grows with the number of enterprises (issue 7): for each N, generate N synthetic
# enterprises (labelled synthetic), import them over the demo and measure import rate and peak
# memory, store and index size, cold start of `serve` (open the store, build the graph, check
# the index) and its resident memory, search and lead latency over HTTP, a cold start that must
# replay 10k rows the index missed, backup and restore. Prints a markdown table.
# Usage: scripts/bench-scale.sh [N...]   (default: 10000 100000 1000000). Needs curl, python3.
# CHAINSCOUT_BIN=path/to/chainscout measures that binary instead of building this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
# CHAINSCOUT_BIN measures another build (e.g. an earlier commit's) with the same script.
if [ -n "${CHAINSCOUT_BIN:-}" ]; then
  bin=$CHAINSCOUT_BIN
else
  cargo build --release --quiet
  bin=$PWD/target/release/chainscout
fi
work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
export CHAINSCOUT_LOG=warn

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# Starts serve, prints "pid addr seconds-to-listen".
start_server() {
  local data=$1 t0 log=$work/serve.log
  t0=$(now)
  "$bin" --data "$data" serve --addr 127.0.0.1:0 >"$log" 2>&1 &
  local pid=$!
  until grep -q "listening on" "$log"; do sleep 0.05; kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }; done
  local addr
  addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
  echo "$pid $addr $(since "$t0")"
}

# SIGTERM, then wait until the process is gone (it is not this shell's child, so `wait` cannot).
stop_server() {
  kill "$1"
  while kill -0 "$1" 2>/dev/null; do sleep 0.1; done
}

# Median and p99 of 100 requests, in ms.
latency() {
  local url=$1 token=$2
  for _ in $(seq 100); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"; done |
    sort -n | awk '{a[NR]=$1} END {printf "%.1f / %.1f", a[int(NR/2)]*1000, a[int(NR*0.99)]*1000}'
}

printf '| N | gen s | import rows/s | import peak MB | store MB | index MB | cold start s | RSS after start MB | RSS after queries MB | search 宁德 ms (median / p99) | search 正极材料 ms | leads ms | replay 10k rows s | backup s (MB) | restore s |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  data=$work/data-$n
  rm -rf "$data"
  t=$(now); "$bin" gen --enterprises "$n" --seed 1 --out "$work/gen-$n.jsonl" >/dev/null; gen_s=$(since "$t")
  "$bin" --data "$data" import demo >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --data "$data" import enterprises "$work/gen-$n.jsonl" >/dev/null
  read -r import_s import_kb <"$work/time"
  store_mb=$(du -sm "$data/store" | cut -f1)
  index_mb=$(du -sm "$data/search" | cut -f1)

  read -r pid addr cold_s < <(start_server "$data")
  token=$(cat "$data/admin.token")
  rss_start=$(rss_mb "$pid")
  s1=$(latency "$addr/api/v1/enterprises?q=%E5%AE%81%E5%BE%B7" "$token")
  s2=$(latency "$addr/api/v1/enterprises?q=%E6%AD%A3%E6%9E%81%E6%9D%90%E6%96%99" "$token")
  l=$(latency "$addr/api/v1/chains/lithium-battery/leads?limit=50" "$token")
  rss_q=$(rss_mb "$pid")
  t=$(now); curl -s -X POST -H "Authorization: Bearer $token" "$addr/api/v1/backup" -o "$work/backup-$n.jsonl"; backup_s=$(since "$t")
  backup_mb=$(du -m "$work/backup-$n.jsonl" | cut -f1)
  stop_server "$pid"

  # A crash that left the index 10k rows behind: save the index, import 10k more, put it back.
  cp -r "$data/search" "$work/saved-index"
  "$bin" gen --enterprises 10000 --seed 99 --out "$work/more.jsonl" >/dev/null
  "$bin" --data "$data" import enterprises "$work/more.jsonl" >/dev/null
  rm -rf "$data/search"; mv "$work/saved-index" "$data/search"
  read -r pid addr replay_s < <(start_server "$data")
  stop_server "$pid"

  rm -rf "$work/restored"
  t=$(now); "$bin" --data "$work/restored" restore "$work/backup-$n.jsonl" >/dev/null; restore_s=$(since "$t")
  rm -rf "$work/restored" "$work/backup-$n.jsonl"

  printf '| %s | %.1f | %.0f | %.0f | %s | %s | %.2f | %s | %s | %s | %s | %s | %.2f | %.1f (%s) | %.1f |\n' \
    "$n" "$gen_s" "$(echo "$n / $import_s" | bc -l)" "$(echo "$import_kb / 1024" | bc -l)" "$store_mb" "$index_mb" \
    "$cold_s" "$rss_start" "$rss_q" "$s1" "$s2" "$l" "$replay_s" "$backup_s" "$backup_mb" "$restore_s"
done
[ -z "${BENCH_DIR:-}" ] && rm -rf "$work"
exit 0
