#!/usr/bin/env python3
"""Latency of single API writes end to end, one at a time, against a release server over a copy of
the demo. `enterprises` (default): POST /api/v1/enterprises, each flushed and indexed before its
answer. `events`: POST /api/v1/projects/{id}/events (a figure update), each flushed before its
answer. Not part of the test command.
Usage: scripts/bench-writes.py [N=300] [BINARY=target/release/chainscout] [enterprises|events]"""
import http.client, json, os, re, statistics, subprocess, sys, tempfile, time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/chainscout"
mode = sys.argv[3] if len(sys.argv) > 3 else "enterprises"
work = tempfile.mkdtemp()
data = os.path.join(work, "data")
env = dict(os.environ, CHAINSCOUT_LOG="warn")
subprocess.run([binary, "--data", data, "import", "demo"], check=True, stdout=subprocess.DEVNULL, env=env)
server = subprocess.Popen([binary, "--data", data, "serve", "--addr", "127.0.0.1:0"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
try:
    addr = None
    for line in server.stdout:
        m = re.search(r"http://([0-9.]+):([0-9]+)", line)
        if m:
            addr = (m.group(1), int(m.group(2)))
            break
    token = open(os.path.join(data, "admin.token")).read().strip()
    conn = http.client.HTTPConnection(*addr)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = "/api/v1/enterprises"
    if mode == "events":
        conn.request("POST", "/api/v1/projects", json.dumps(
            {"unit": "wujin", "enterprise": "E00000001", "name": "写入测试项目", "stage": "signed"}), headers)
        r = conn.getresponse()
        project = json.loads(r.read())["id"]
        path = f"/api/v1/projects/{project}/events"
    times = []
    for i in range(n):
        if mode == "events":
            body = json.dumps({"invested_total": 100 + i, "note": f"进度更新 {i}"})
        else:
            body = json.dumps({"name": f"写入测试{i}号有限公司", "region": "320412", "products": ["正极材料"]})
        t = time.perf_counter()
        conn.request("POST", path, body, headers)
        r = conn.getresponse()
        r.read()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status == 201, r.status
    times.sort()
    print(f"{n} {mode} writes: median {statistics.median(times):.1f} ms, p90 {times[int(n * 0.9)]:.1f} ms, "
          f"p99 {times[int(n * 0.99)]:.1f} ms")
finally:
    server.terminate()
    server.wait()
