#!/usr/bin/env bash
# PostgreSQL as the store (SPEC §12) against the embedded sled store, on this machine, one run:
#   1. import rows/s of N synthetic enterprises (release build, the demo chains loaded first);
#   2. API write throughput (8 client threads creating enterprises for 15 s) and its latency;
#   3. convergence lag between two processes on one PostgreSQL store: one client writes to A at a
#      paced 200 writes/s (4 connections), another polls B's search; lag = when B's total reaches
#      k minus when A acknowledged its k-th write (p50 / p99 / max);
#   4. cold start of a new process over the N enterprises in PostgreSQL (empty data dir: graph and
#      index built from the store) and a restart over its own index.
# Starts a PostgreSQL server of its own (fsync and synchronous_commit on, the defaults) on a free
# port; needs PostgreSQL's binaries (apt-get install postgresql) and python3.
# Usage: scripts/bench-postgres.sh [N=200000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
cargo build --release --locked --quiet
bin=$PWD/target/release/chainscout
export CHAINSCOUT_LOG=warn
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"; as_pg=(runuser -u postgres --)
fi
${as_pg[@]+"${as_pg[@]}"} "$pgbin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
${as_pg[@]+"${as_pg[@]}"} "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=1GB" start >/dev/null
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ${as_pg[@]+"${as_pg[@]}"} "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
url="postgres://postgres@127.0.0.1:$port/postgres"
echo "machine: $(nproc) cores; PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'); N = $n"

"$bin" gen --enterprises "$n" --seed 7 --out "$work/firms.jsonl" >/dev/null
timed() { # label, command...: prints seconds
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.1f}')"
}

echo "## 1. import (demo chains first, then $n synthetic enterprises)"
for store in sled postgres; do
  args=(--data "$work/$store-a")
  [ $store = postgres ] && args+=(--store "$url")
  "$bin" "${args[@]}" import demo >/dev/null
  s=$(timed "$bin" "${args[@]}" import enterprises "$work/firms.jsonl")
  echo "$store: $n rows in $s s = $(python3 -c "print(round($n / $s))") rows/s ($(tail -1 "$work/out"))"
done

serve() { # data dir, extra args... ; sets $addr and appends the pid
  local log=$work/serve-$RANDOM.log
  "$bin" --data "$1" "${@:2}" serve --addr 127.0.0.1:0 >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1 | sed 's#http://##') || true
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  cat "$log"; exit 1
}

echo "## 2. API writes (8 threads, 15 s, each a new enterprise)"
for store in sled postgres; do
  args=()
  [ $store = postgres ] && args+=(--store "$url")
  serve "$work/$store-a" "${args[@]}"
  token=$(cat "$work/$store-a/admin.token")
  python3 - "$addr" "$token" "$store" <<'PY'
import http.client, json, sys, threading, time
addr, token, store = sys.argv[1:4]
host, port = addr.split(":")
lat, lock, stop = [], threading.Lock(), time.time() + 15
def writer(t):
    c = http.client.HTTPConnection(host, int(port))
    i = 0
    while time.time() < stop:
        body = json.dumps({"name": f"写入压测{store}{t}号{i:06d}有限公司", "region": "320412", "products": ["正极材料"]})
        s = time.perf_counter()
        c.request("POST", "/api/v1/enterprises", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status
        with lock: lat.append(time.perf_counter() - s)
        i += 1
threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"{store}: {len(lat) / 15:.0f} writes/s, p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms")
PY
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done

echo "## 3. convergence lag, two processes on PostgreSQL, 200 writes/s to A for 10 s"
serve "$work/postgres-a" --store "$url"; addr_a=$addr
serve "$work/postgres-b" --store "$url"; addr_b=$addr
token=$(cat "$work/postgres-a/admin.token")
python3 - "$addr_a" "$addr_b" "$token" <<'PY'
import http.client, json, sys, threading, time, urllib.parse, random
a, b, token = sys.argv[1:4]
auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
tag = "收敛" + "".join(random.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(4))
acked, seen, done = [], {}, threading.Event()
def conn(addr):
    h, p = addr.split(":"); return http.client.HTTPConnection(h, int(p))
lock, next_k, start = threading.Lock(), [0], time.perf_counter()
def writer():
    c = conn(a)
    while True:
        with lock:
            k = next_k[0]; next_k[0] += 1
        if k >= 2000: return
        time.sleep(max(0, start + k / 200 - time.perf_counter()))
        c.request("POST", "/api/v1/enterprises", json.dumps({"name": f"{tag}{k:05d}有限公司", "region": "320412"}), auth)
        r = c.getresponse(); r.read(); assert r.status == 201
        with lock: acked.append(time.perf_counter())
def poller():
    # Ordered by capital: the total is exact (a relevance walk may stop at its budget).
    c = conn(b); path = "/api/v1/enterprises?limit=1&sort=capital&q=" + urllib.parse.quote(tag)
    while True:
        c.request("GET", path, headers=auth); r = c.getresponse(); body = json.loads(r.read())
        assert body["total_exact"], body
        now, total = time.perf_counter(), body["total"]
        with lock: n_acked = len(acked)
        for k in range(len(seen), min(total, n_acked)):
            seen[k] = now
        if done.is_set() and len(seen) >= len(acked): return
        time.sleep(0.001)
ws, p = [threading.Thread(target=writer) for _ in range(4)], threading.Thread(target=poller)
began = time.perf_counter(); [w.start() for w in ws]; p.start(); [w.join() for w in ws]; done.set(); p.join()
acked.sort()
lags = sorted(max(0.0, seen[k] - acked[k]) * 1000 for k in range(len(acked)))
q = lambda x: lags[min(len(lags) - 1, int(x * len(lags)))]
print(f"{len(acked)} writes at {len(acked) / (acked[-1] - began):.0f}/s; lag p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {lags[-1]:.1f} ms")
PY
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
pids=()

echo "## 4. cold start over $n enterprises in PostgreSQL"
rm -rf "$work/postgres-c"
start=$(date +%s.%N); serve "$work/postgres-c" --store "$url"
echo "new process, empty data dir (graph and index built from the store): $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s to listening, $(ps -o rss= -p "${pids[-1]}" | awk '{printf "%.0f MB", $1/1024}') resident"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start=$(date +%s.%N); serve "$work/postgres-c" --store "$url"
echo "restart over its own index: $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s to listening"
start=$(date +%s.%N); serve "$work/sled-a"
echo "sled, restart over its own index (same data): $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s to listening"
echo "PostgreSQL database size: $("$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "SELECT pg_size_pretty(pg_database_size('postgres'))")"
