#!/usr/bin/env python3
"""
vn-admin-boundaries — the boundary files tinhso ships, made from the
vn-admin dataset (vietnamese-provinces-database, MIT licence).

Reads SRC/wards-PP-*/{code}_{name}.geojson (one commune or ward each) and
SRC/provinces/PP_{name}.geojson, and writes one compact FeatureCollection
per level into OUT:

  boundaries-PP-communes.geojson   every commune of province PP
  boundaries-PP-province.geojson   the province itself

Each feature keeps its full ring topology (every polygon, hole and vertex)
with the coordinates rounded to 6 decimals (about 0.1 m), and only the
properties tinhso reads: code (the statistics office code, as Code in
units-2025.json) and name. Features are sorted by code, so the output is
byte-for-byte reproducible.

usage: tools/vn-admin-boundaries.py [--province 24] [SRC] [OUT]
  SRC defaults to /work/shared/data/vn-admin, OUT to data/vn-admin.
"""
import argparse
import glob
import json
import os
import sys


def round_coords(c):
    """The coordinate tree with every number rounded to 6 decimals."""
    if isinstance(c, list):
        if c and not isinstance(c[0], list):
            return [round(float(v), 6) for v in c[:2]]
        return [round_coords(x) for x in c]
    raise ValueError("unexpected coordinate value %r" % (c,))


def features_of(path):
    """The features of one source file (a Feature or a FeatureCollection)."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("type") == "FeatureCollection":
        return d["features"]
    if d.get("type") == "Feature":
        return [d]
    raise ValueError("%s: neither a Feature nor a FeatureCollection" % path)


def compact(path, want_code):
    """One feature of the output from a source file."""
    feats = features_of(path)
    if len(feats) != 1:
        raise ValueError("%s: %d features, expected 1" % (path, len(feats)))
    f = feats[0]
    props = f.get("properties") or {}
    code = str(props.get("code", ""))
    if code != want_code:
        raise ValueError("%s: code %r does not match the file name" % (path, code))
    g = f["geometry"]
    if g["type"] == "Polygon":
        coords = [g["coordinates"]]
    elif g["type"] == "MultiPolygon":
        coords = g["coordinates"]
    else:
        raise ValueError("%s: geometry %s" % (path, g["type"]))
    return {
        "type": "Feature",
        "properties": {"code": code, "name": props.get("name", "")},
        "geometry": {"type": "MultiPolygon", "coordinates": round_coords(coords)},
    }


def write(out, feats, what):
    fc = {
        "type": "FeatureCollection",
        "source": "vietnamese-provinces-database by Thang Le Quoc, MIT licence "
        "(data/vn-admin/LICENSE); " + what,
        "features": sorted(feats, key=lambda f: f["properties"]["code"]),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(fc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("%s: %d features, %d bytes" % (out, len(feats), os.path.getsize(out)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--province", default="24")
    ap.add_argument("src", nargs="?", default="/work/shared/data/vn-admin")
    ap.add_argument("out", nargs="?", default="data/vn-admin")
    a = ap.parse_args()
    pp = a.province
    wards = sorted(glob.glob(os.path.join(a.src, "wards-%s-*" % pp, "*.geojson")))
    if not wards:
        sys.exit("no commune boundaries of province %s under %s" % (pp, a.src))
    communes = [compact(p, os.path.basename(p).split("_", 1)[0]) for p in wards]
    prov = glob.glob(os.path.join(a.src, "provinces", "%s_*.geojson" % pp))
    if len(prov) != 1:
        sys.exit("province %s: %d boundary files" % (pp, len(prov)))
    write(os.path.join(a.out, "boundaries-%s-communes.geojson" % pp), communes,
          "the communes and wards of province %s" % pp)
    write(os.path.join(a.out, "boundaries-%s-province.geojson" % pp), [compact(prov[0], pp)],
          "province %s" % pp)


if __name__ == "__main__":
    main()
