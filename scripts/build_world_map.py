#!/usr/bin/env python3
"""Build the report's world map from Natural Earth country boundaries (via the npm package world-atlas).

The map the report draws is shipped as package data:
``src/allyshore/report/assets/world.json`` holds one SVG path per country (ISO
3166-1 alpha-2 key) in the Robinson projection of
:mod:`allyshore.report.projection`, simplified for a page about 1,000 pixels
wide, and each country's label point; ``world.meta.json`` records the source,
version and licences; ``world-atlas.LICENSE`` is the package's licence text.

Source: Natural Earth 1:50m Cultural Vectors, Admin 0 - Countries (public
domain, https://www.naturalearthdata.com/about/terms-of-use/), as TopoJSON in
the npm package ``world-atlas`` by Mike Bostock (ISC licence,
https://github.com/topojson/world-atlas). Fetch it with npm and run::

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_world_map.py "$PWD/package"

Countries are keyed by their ISO 3166-1 numeric ``id``, mapped to alpha-2
through pycountry; the three features without an id are keyed by name
(Kosovo -> XK; Northern Cyprus and Somaliland are drawn as unlabelled land).
Antarctica is left out (no supply sites; it would take a fifth of the height).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pycountry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from allyshore.report.projection import HEIGHT, WIDTH, project  # noqa: E402

ASSETS = ROOT / "src" / "allyshore" / "report" / "assets"
SCALE = "50m"
TOLERANCE = 0.35  # canvas units (about a third of a pixel at 1,000 px wide): Douglas-Peucker tolerance
MIN_RING_EXTENT = 1.2  # canvas units: smaller islands are dropped unless they are a country's largest ring
UNNUMBERED = {"Kosovo": "XK"}
LEFT_OUT = {"AQ"}


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Absolute lon/lat coordinates of every arc of a quantized TopoJSON topology."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        points = np.cumsum(np.asarray(arc, dtype=np.float64), axis=0)
        arcs.append(np.column_stack([points[:, 0] * sx + tx, points[:, 1] * sy + ty]))
    return arcs


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker simplification of a polyline (endpoints kept)."""
    if len(points) < 3:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last <= first + 1:
            continue
        segment = points[last] - points[first]
        inner = points[first + 1 : last] - points[first]
        norm = float(np.hypot(*segment))
        if norm == 0:
            distances = np.hypot(inner[:, 0], inner[:, 1])
        else:
            distances = np.abs(segment[0] * inner[:, 1] - segment[1] * inner[:, 0]) / norm
        index = int(np.argmax(distances))
        if distances[index] > tolerance:
            middle = first + 1 + index
            keep[middle] = True
            stack.extend([(first, middle), (middle, last)])
    return points[keep]


def ring_points(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, index in enumerate(indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts)


def split_at_antimeridian(ring: np.ndarray) -> list[np.ndarray]:
    """Cut a lon/lat ring that jumps between -180 and +180 into pieces that stay on one side.

    Natural Earth closes such rings (Russia's Chukotka, Fiji) along the
    antimeridian; a planar map would draw each jump as a line across the world.
    """
    jumps = np.flatnonzero(np.abs(np.diff(ring[:, 0])) > 180) + 1
    if jumps.size == 0:
        return [ring]
    pieces = np.split(ring, jumps)
    # the first and last pieces are on the same side: join them
    if len(pieces) > 2:
        pieces = [np.concatenate([pieces[-1], pieces[0]]), *pieces[1:-1]]
    return [piece for piece in pieces if len(piece) >= 3]


def project_ring(ring: np.ndarray) -> np.ndarray:
    x, y = project(ring[:, 0], ring[:, 1])
    return simplify(np.column_stack([x, y]), TOLERANCE)


def ring_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def ring_centroid(points: np.ndarray) -> tuple[float, float]:
    x, y = points[:, 0], points[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if abs(area) < 1e-9:
        return float(x.mean()), float(y.mean())
    return float(((x + np.roll(x, -1)) * cross).sum() / (6 * area)), float(
        ((y + np.roll(y, -1)) * cross).sum() / (6 * area)
    )


def path_text(rings: list[np.ndarray]) -> str:
    out = []
    for ring in rings:
        coords = np.round(ring, 1)
        # drop consecutive duplicates after rounding
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = np.any(np.diff(coords, axis=0) != 0, axis=1)
        coords = coords[keep]
        if len(coords) < 3:
            continue
        numbers = [f"{v:g}" for v in coords.ravel()]
        pairs = [f"{numbers[i]} {numbers[i + 1]}" for i in range(0, len(numbers), 2)]
        out.append("M" + " ".join(pairs) + "Z")
    return "".join(out)


def alpha2(geometry: dict[str, Any]) -> str | None:
    name = geometry.get("properties", {}).get("name", "")
    if name in UNNUMBERED:
        return UNNUMBERED[name]
    code = geometry.get("id")
    if code is None:
        return None
    found = pycountry.countries.get(numeric=str(code).zfill(3))
    return None if found is None else str(found.alpha_2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the unpacked world-atlas npm package folder")
    args = parser.parse_args()
    meta_in = json.loads((args.package / "package.json").read_text())
    source_file = args.package / f"countries-{SCALE}.json"
    raw = source_file.read_bytes()
    topology = json.loads(raw)
    arcs_lonlat = decode_arcs(topology)
    # Project every arc once and simplify it once: shared borders stay shared.
    arcs = []
    for arc in arcs_lonlat:
        x, y = project(arc[:, 0], arc[:, 1])
        arcs.append(simplify(np.column_stack([x, y]), TOLERANCE))

    countries: dict[str, dict[str, Any]] = {}
    other: list[str] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        code = alpha2(geometry)
        if code in LEFT_OUT:
            continue
        rings = []
        outer = []
        for polygon in polygons:
            for k, ring in enumerate(polygon):
                lonlat = ring_points(ring, arcs_lonlat)
                if np.any(np.abs(np.diff(lonlat[:, 0])) > 180):
                    pieces = [project_ring(piece) for piece in split_at_antimeridian(lonlat)]
                else:
                    pieces = [ring_points(ring, arcs)]
                rings.extend(pieces)
                if k == 0:
                    outer.extend(pieces)
        largest = max(outer, key=ring_area)
        kept = []
        for ring in rings:
            extent = float(np.max(np.ptp(ring, axis=0)))
            if extent >= MIN_RING_EXTENT or ring is largest:
                kept.append(ring)
        if not any(r is largest for r in kept):
            kept.append(largest)
        path = path_text(kept)
        if code is None:
            other.append(path)
            continue
        cx, cy = ring_centroid(largest)
        entry = countries.setdefault(code, {"name": geometry["properties"]["name"], "path": "", "label": [0.0, 0.0]})
        entry["path"] += path
        entry["label"] = [round(cx, 1), round(cy, 1)]

    south = project([0.0], [-58.0])[1][0]
    north = project([0.0], [84.0])[1][0]
    document = {
        "projection": "Robinson (allyshore.report.projection)",
        "width": WIDTH,
        "height": round(HEIGHT, 2),
        "view_box": [0, round(float(north), 1), WIDTH, round(float(south - north), 1)],
        "countries": dict(sorted(countries.items())),
        "other": other,
    }
    ASSETS.mkdir(parents=True, exist_ok=True)
    (ASSETS / "world.json").write_text(json.dumps(document, separators=(",", ":")) + "\n")
    meta = {
        "file": "world.json",
        "what": f"Country boundaries, Natural Earth 1:{SCALE} Admin 0 - Countries, Robinson projection, simplified "
        f"(Douglas-Peucker {TOLERANCE} of {WIDTH:g} canvas units); Antarctica left out",
        "source": f"npm package world-atlas {meta_in['version']} (countries-{SCALE}.json), "
        "https://github.com/topojson/world-atlas, built from Natural Earth https://www.naturalearthdata.com/",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "licence": "Natural Earth: public domain; world-atlas: ISC (see world-atlas.LICENSE)",
        "built_by": "scripts/build_world_map.py",
        "countries": len(countries),
        "note": "Boundaries are Natural Earth's de facto boundaries; they imply no position on disputed territory.",
    }
    (ASSETS / "world.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    (ASSETS / "world-atlas.LICENSE").write_text((args.package / "LICENSE").read_text())
    size = (ASSETS / "world.json").stat().st_size
    print(f"wrote {ASSETS / 'world.json'}: {len(countries)} countries, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
