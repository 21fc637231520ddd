#!/usr/bin/env bash
# chainscout's search API against PostgreSQL + pg_trgm on the same synthetic enterprises and the
# same queries, one query at a time over loopback, in one run on this machine.
#
#   scripts/bench-vs-pgtrgm.sh [N]        # N synthetic enterprises, default 200000
#
# Needs PostgreSQL 15 with pg_trgm (Debian: postgresql, postgresql-contrib), wrk is not used.
# Installs psycopg from PyPI if missing. Everything runs in a temp dir and on free local ports;
# nothing is left behind. The data is synthetic (`chainscout gen --seed 42`).
#
# PostgreSQL's side is the query a contractor would write on its ground: one text column with a
# trigram GIN index, `ILIKE '%word%'` for every word, ranked by trigram similarity to the name,
# top 20, no count. chainscout's side is the public API as the search page calls it
# (`GET /api/v1/enterprises?q=…&limit=20`: hits with highlights, a total, the matching links),
# timed with a lean keep-alive HTTP client (see the floors it prints beside http.client's).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
python3 -c "import psycopg" 2>/dev/null || pip install -q "psycopg[binary]"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cargo build --release --quiet
bin=$PWD/target/release/chainscout
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
pgport=$((port + 1))
cleanup() {
  kill "${server:-}" 2>/dev/null || true
  "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

$bin gen --enterprises "$n" --seed 42 --out "$work/gen.jsonl"
$bin --data "$work/data" import enterprises "$work/gen.jsonl" > /dev/null
$bin --data "$work/data" serve --addr 127.0.0.1:$port --public-read --search-cache 0 > "$work/server.log" 2>&1 &
server=$!

# PostgreSQL runs as an unprivileged user when we are root.
pguser=$(id -un)
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ "$(id -u)" = 0 ]; then pguser=postgres; chown -R postgres "$work"; chmod 755 "$work"; fi
run_pg "'$pgbin/initdb' -D '$work/pg' -E UTF8 --locale=C.UTF-8 -A trust > '$work/initdb.log'"
run_pg "'$pgbin/pg_ctl' -D '$work/pg' -l '$work/pg.log' -o \"-p $pgport -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB -c jit=off\" -w start > /dev/null"

for _ in $(seq 1 600); do
  curl -sf http://127.0.0.1:$port/api/v1/health > /dev/null 2>&1 && break
  sleep 0.5
done

python3 - "$work/gen.jsonl" "$port" "$pgport" "$pguser" <<'PY'
import http.client, json, random, socket, statistics, sys, time, urllib.parse
import psycopg

path, port, pgport, pguser = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = [json.loads(l) for l in open(path, encoding="utf-8")]
pg = psycopg.connect(host="127.0.0.1", port=pgport, user=pguser, dbname="postgres", autocommit=True)
t = time.time()
with pg.cursor() as c:
    c.execute("CREATE EXTENSION pg_trgm")
    c.execute("CREATE TABLE ent (id int PRIMARY KEY, name text, doc text)")
    with c.copy("COPY ent (id, name, doc) FROM STDIN") as cp:
        for i, r in enumerate(rows):
            doc = " ".join([r["name"], " ".join(r.get("products", [])), r.get("description", ""), r.get("address", "")])
            cp.write_row((i, r["name"], doc))
    c.execute("CREATE INDEX ent_doc_trgm ON ent USING gin (doc gin_trgm_ops)")
    c.execute("VACUUM ANALYZE ent")
print(f"PostgreSQL: loaded and indexed {len(rows)} rows in {time.time() - t:.0f} s", file=sys.stderr)

# Queries drawn from the data: brand (字号 + industry word, as users type a firm), a product word
# of three or more characters (pg_trgm's ground: it has a trigram to look up), a two-character
# product word or part of a name (no trigram: PostgreSQL scans). 300, 300 and 100 distinct (the
# last class costs PostgreSQL about half a second each).
random.seed(11)
forms = ("集团有限公司", "股份有限公司", "有限公司")
classes = {"brand": set(), "product": set(), "2-char": set()}
for r in random.sample(rows, 20000):
    name = r["name"]
    for f in forms:
        if name.endswith(f):
            name = name[: -len(f)]
            break
    if len(name) > 6:
        classes["brand"].add(name[2:])  # drop the two-character city
    if r.get("products"):
        p = random.choice(r["products"])
        classes["product" if len(p) >= 3 else "2-char"].add(p)
    if len(name) > 4:
        i = random.randrange(0, len(name) - 2)
        classes["2-char"].add(name[i:i + 2])
queries = {k: sorted(v)[: (100 if k == "2-char" else 300)] for k, v in classes.items()}
for k in queries:
    random.shuffle(queries[k])

# The HTTP client. Python's http.client parses every response's headers in pure Python (its
# email parser): on this machine that is ~85 µs a request, more than the server spends on most
# searches, while psycopg parses PostgreSQL's replies in C. So searches are timed with a lean
# keep-alive client (one socket, the request written whole, the body read by Content-Length), and
# the floors of each client (a request that does nothing) are printed first: add the difference
# of the two HTTP floors for what an http.client user sees. (Timing both clients on each query
# would time the second one warm: the first had just brought the query's postings into cache.)
api = http.client.HTTPConnection("127.0.0.1", port)
bodies = {}
lean = socket.create_connection(("127.0.0.1", port))
lean.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
pending = b""
def lean_get(path):
    global pending
    lean.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\n\r\n")
    def more():
        got = lean.recv(65536)
        if not got:
            raise ConnectionError("the server closed the connection")
        return got
    while b"\r\n\r\n" not in pending:
        pending += more()
    head, _, rest = pending.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:100]
    assert b"content-length:" in head.lower(), head  # the server sends every body with its length
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += more()
    pending = rest[length:]
    return rest[:length]

def chainscout(q):
    body = lean_get("/api/v1/enterprises?" + urllib.parse.urlencode({"q": q, "limit": 20}))
    bodies[q] = body  # parsed after the clock stops: the client's JSON parsing is not the server's time
    return body

SQL = ("SELECT id, name FROM ent WHERE " + "{}" + " ORDER BY similarity(name, %s) DESC LIMIT 20")
def postgres(q):
    words = q.split()
    where = " AND ".join(["doc ILIKE %s"] * len(words))
    with pg.cursor() as c:
        c.execute(SQL.format(where), [f"%{w}%" for w in words] + [q], prepare=True)
        return len(c.fetchall())

def timed(f, q):
    t = time.perf_counter()
    n = f(q)
    return (time.perf_counter() - t) * 1000, n

# Warm both (page cache, PostgreSQL buffers, prepared plans) on other queries of each class,
# then measure, interleaved. chainscout runs with its result cache off (--search-cache 0), so
# every answer is computed.
for qs in classes.values():
    for q in sorted(qs)[-20:]:
        chainscout(q); postgres(q)
def floor(f):
    for _ in range(200):
        f()
    return statistics.median(timed(lambda _: f(), None)[0] for _ in range(1000))
def health_httpclient():
    api.request("GET", "/api/v1/health"); r = api.getresponse(); r.read()
def select_1():
    with pg.cursor() as c:
        c.execute("SELECT 1", prepare=True); c.fetchall()
print("\nclient floors, median of 1000 (ms): lean HTTP /api/v1/health "
      f"{floor(lambda: lean_get('/api/v1/health')):.3f}, http.client /api/v1/health "
      f"{floor(health_httpclient):.3f}, psycopg SELECT 1 {floor(select_1):.3f}")

results = {}
for cls, qs in queries.items():
    ours, theirs, empty = [], [], 0
    for q in qs:
        a, _ = timed(chainscout, q)
        b, _ = timed(postgres, q)
        ours.append(a); theirs.append(b)
        empty += not json.loads(bodies[q])["hits"]
    results[cls] = (ours, theirs, empty)

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]
print(f"\n{len(rows)} synthetic enterprises; {sum(len(q) for q in queries.values())} distinct queries, one at a time over loopback (ms)\n")
print("| class | chainscout median | pg_trgm median | chainscout p99 | pg_trgm p99 | queries with no chainscout hit |")
print("|---|---|---|---|---|---|")
all_ours, all_theirs = [], []
for cls, (ours, theirs, empty) in results.items():
    all_ours += ours; all_theirs += theirs
    print(f"| {cls} | {statistics.median(ours):.3f} | {statistics.median(theirs):.3f} | {pct(ours, .99):.2f} | {pct(theirs, .99):.2f} | {empty} of {len(ours)} |")
print(f"| all | {statistics.median(all_ours):.3f} | {statistics.median(all_theirs):.3f} | {pct(all_ours, .99):.2f} | {pct(all_theirs, .99):.2f} | |")
print(f"\np99 ratio (pg_trgm / chainscout) over all queries: {pct(all_theirs, .99) / pct(all_ours, .99):.1f}x")
PY
