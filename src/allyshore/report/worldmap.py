"""The world map: sites and flows coloured by trust tier, border crossings marked.

Country shapes are Natural Earth boundaries (see ``assets/world.meta.json`` and
``scripts/build_world_map.py``) in the Robinson projection of
:mod:`allyshore.report.projection`. Every country is tinted by its trust tier
under the report's policy (strongly where the network has sites); sites are
marked by kind and coloured by the tier of their country; flows are drawn as
arcs from the shipping to the receiving site, and a flow that names a border
``crossing`` gets a marker where its arc leaves the shipping country. A site
without coordinates is placed at its country's label point and listed under the
map.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.countries import country_name
from allyshore.geography import NORTH_AMERICA
from allyshore.report.context import ReportContext
from allyshore.report.exposure import maker_countries
from allyshore.report.formatting import percent, tier_label
from allyshore.report.projection import WIDTH, parallel_width, project
from allyshore.report.sections import Figure, Section

KIND_SHAPES = {"supplier": "circle", "plant": "square", "warehouse": "diamond", "customer": "triangle"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: Above this many linked site pairs the map draws one arc per pair of countries instead.
MAX_SITE_ARCS = 400


@lru_cache(maxsize=1)
def world() -> dict[str, Any]:
    """The map data of ``assets/world.json``: view box, country paths and label points."""
    from allyshore.report import asset_text

    data: dict[str, Any] = json.loads(asset_text("world.json"))
    return data


@lru_cache(maxsize=1)
def world_source() -> str:
    from allyshore.report import asset_text

    meta = json.loads(asset_text("world.meta.json"))
    return f"Map: {meta['what']}. Source: {meta['source']}. Licence: {meta['licence']}. {meta['note']}"


@lru_cache(maxsize=512)
def country_rings(code: str) -> tuple[NDArray[np.float64], ...]:
    """The rings of a country's map path as arrays of canvas points."""
    path = world()["countries"].get(code, {}).get("path", "")
    rings = []
    for part in path.split("M")[1:]:
        values = np.array([float(v) for v in _NUMBER.findall(part)], dtype=np.float64)
        rings.append(values.reshape(-1, 2))
    return tuple(rings)


def inside(code: str, points: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which canvas points fall inside a country's shape (even-odd rule over all its rings)."""
    result = np.zeros(len(points), dtype=bool)
    px, py = points[:, 0:1], points[:, 1:2]
    for ring in country_rings(code):
        x0, y0 = ring[:, 0], ring[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        straddles = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        hits = straddles & (px < cross_x)
        result ^= (hits.sum(axis=1) % 2).astype(bool)
    return result


@dataclass(frozen=True)
class Arc:
    """A flow's arc on the canvas: a quadratic curve from ``start`` to ``end`` bending toward ``control``."""

    start: tuple[float, float]
    control: tuple[float, float]
    end: tuple[float, float]

    @classmethod
    def between(cls, start: tuple[float, float], end: tuple[float, float], bend: float = 0.18) -> Arc:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        dx, dy = end[0] - start[0], end[1] - start[1]
        px, py = -dy, dx
        if py > 0:  # bow toward the pole, as great circles of the northern hemisphere do
            px, py = -px, -py
        return cls(start, (mx + px * bend, my + py * bend), end)

    def points(self, count: int = 48) -> NDArray[np.float64]:
        t = np.linspace(0.0, 1.0, count)[:, None]
        p0, p1, p2 = (np.array(p) for p in (self.start, self.control, self.end))
        out: NDArray[np.float64] = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
        return out

    def path(self) -> str:
        (x0, y0), (cx, cy), (x1, y1) = self.start, self.control, self.end
        return f"M{x0:.1f} {y0:.1f}Q{cx:.1f} {cy:.1f} {x1:.1f} {y1:.1f}"

    def exit_point(self, country: str) -> tuple[float, float]:
        """Where the arc first leaves ``country`` (its midpoint when the shape cannot tell)."""
        return self._border_point(country, self.points())

    def entry_point(self, country: str) -> tuple[float, float]:
        """Where the arc last enters ``country`` (its midpoint when the shape cannot tell)."""
        return self._border_point(country, self.points()[::-1])

    @staticmethod
    def _border_point(country: str, points: NDArray[np.float64]) -> tuple[float, float]:
        if country_rings(country):
            outside = ~inside(country, points)
            outside[0] = False
            hits = np.flatnonzero(outside)
            if hits.size:
                x, y = points[hits[0]]
                return float(x), float(y)
        x, y = points[len(points) // 2]
        return float(x), float(y)


def place_crossing(candidates: list[tuple[tuple[float, float], ...]]) -> tuple[float, float]:
    """One point for a border crossing named on several flows.

    Each flow offers candidate points (where it leaves its origin country and
    where it enters its destination: they differ when a third country lies
    between, as for Canada to Mexico through the US). Starting from the median
    of all candidates, each flow takes its candidate nearest the current centre,
    and the centre moves to their mean; a lone flow keeps where it leaves its origin.
    """
    if len(candidates) == 1:
        return candidates[0][0]
    every = np.array([point for options in candidates for point in options])
    centre = np.median(every, axis=0)
    for _ in range(3):
        chosen = [
            min(options, key=lambda p: float(np.hypot(p[0] - centre[0], p[1] - centre[1]))) for options in candidates
        ]
        centre = np.mean(np.array(chosen), axis=0)
    return float(centre[0]), float(centre[1])


def flow_arcs(start: tuple[float, float], end: tuple[float, float]) -> list[Arc]:
    """The arcs drawing a flow: one, or two when the shorter way runs across the map's edge (the Pacific).

    The first arc starts at ``start`` (and leaves the map at an edge when the flow wraps).
    """
    dx = end[0] - start[0]
    if abs(dx) <= WIDTH / 2:
        return [Arc.between(start, end)]
    sign = -1.0 if dx > 0 else 1.0
    shifted_end = (end[0] + sign * parallel_width(end[1]), end[1])
    shifted_start = (start[0] - sign * parallel_width(start[1]), start[1])
    return [Arc.between(start, shifted_end), Arc.between(shifted_start, end)]


def site_positions(sites: pl.DataFrame) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Canvas position of every site, and the ids of those placed at their country's label point."""
    labels = world()["countries"]
    lon = sites.get_column("lon").to_numpy()
    lat = sites.get_column("lat").to_numpy()
    known = ~(np.isnan(lon.astype(np.float64)) | np.isnan(lat.astype(np.float64)))
    x, y = project(np.where(known, lon, 0.0), np.where(known, lat, 0.0))
    positions: dict[str, tuple[float, float]] = {}
    approximate: list[str] = []
    fallback_count: dict[str, int] = defaultdict(int)
    for i, (site, country) in enumerate(zip(sites.get_column("site_id"), sites.get_column("country"), strict=True)):
        if known[i]:
            positions[site] = (float(x[i]), float(y[i]))
            continue
        approximate.append(site)
        lx, ly = labels.get(country, {}).get("label", [500.0, 250.0])
        k = fallback_count[country]
        fallback_count[country] += 1
        angle = k * 2.399963  # golden angle: spread sites of one country around its label point
        radius = 0.0 if k == 0 else 2.2 * math.sqrt(k)
        positions[site] = (lx + radius * math.cos(angle), ly + radius * math.sin(angle))
    return positions, approximate


def label_places(crossings: list[dict[str, Any]], unit: float) -> dict[str, tuple[float, float]]:
    """Where to write each crossing's name (right of its marker), moved down until no two names overlap.

    >>> places = label_places([{"name": "Laredo", "x": 10.0, "y": 10.0}, {"name": "Pharr", "x": 11.0, "y": 10.5}], 1.0)
    >>> places["Laredo"], places["Pharr"]
    ((16.0, 13.5), (17.0, 27.0))
    """
    placed: list[tuple[float, float, float, float]] = []
    out: dict[str, tuple[float, float]] = {}
    for c in sorted(crossings, key=lambda c: (c["y"], c["x"])):
        x, y = c["x"] + 6 * unit, c["y"] + 3.5 * unit
        width, height = 0.62 * 11 * unit * len(c["name"]), 13 * unit
        while any(x < px + pw and px < x + width and y - height < py and py - ph < y for px, py, pw, ph in placed):
            y += height
        placed.append((x, y, width, height))
        out[c["name"]] = (x, y)
    return out


def _marker(shape: str, x: float, y: float, r: float) -> tuple[str, dict[str, str]]:
    if shape == "square":
        return "rect", {
            "x": f"{x - r * 0.9:.2f}",
            "y": f"{y - r * 0.9:.2f}",
            "width": f"{r * 1.8:.2f}",
            "height": f"{r * 1.8:.2f}",
        }
    if shape == "diamond":
        pts = f"{x:.2f},{y - r * 1.25:.2f} {x + r * 1.25:.2f},{y:.2f} {x:.2f},{y + r * 1.25:.2f} {x - r * 1.25:.2f},{y:.2f}"
        return "polygon", {"points": pts}
    if shape == "triangle":
        pts = f"{x:.2f},{y - r * 1.3:.2f} {x + r * 1.2:.2f},{y + r * 0.9:.2f} {x - r * 1.2:.2f},{y + r * 0.9:.2f}"
        return "polygon", {"points": pts}
    return "circle", {"cx": f"{x:.2f}", "cy": f"{y:.2f}", "r": f"{r:.2f}"}


@dataclass(frozen=True)
class MapView:
    """One framing of the map: a view box on the canvas and the size of marks in it."""

    id: str
    title: str
    view_box: tuple[float, float, float, float]

    @property
    def unit(self) -> float:
        """Canvas units per rendered pixel at about 1,150 px wide: marks keep their size when zoomed."""
        return self.view_box[2] / 1150.0


def _view_around(points: list[tuple[float, float]], title: str, view_id: str) -> MapView:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    width = max(x1 - x0, 60.0) * 1.3
    height = max(y1 - y0, 30.0) * 1.4
    ratio = 1000.0 / 426.0 * 1.1  # a little taller than the world view
    if width / height > ratio:
        height = width / ratio
    else:
        width = height * ratio
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return MapView(view_id, title, (cx - width / 2, cy - height / 2, width, height))


def build(context: ReportContext) -> Section:
    network = context.network
    sites = network.sites
    colors = context.tier_colors
    data = world()
    positions, approximate = site_positions(sites)
    site_country = dict(zip(sites.get_column("site_id"), sites.get_column("country"), strict=True))
    site_name = {s: n or s for s, n in zip(sites.get_column("site_id"), sites.get_column("name"), strict=True)}
    site_kind = dict(zip(sites.get_column("site_id"), sites.get_column("kind"), strict=True))
    site_countries = set(site_country.values())
    makers = maker_countries(network)

    value_share: dict[str, float] = {}
    for choke in context.exposure_dict().get("choke_points", []):
        value_share[str(choke["site_id"])] = float(choke.get("share_of_value") or 0.0)

    countries = []
    for code, entry in data["countries"].items():
        tier = context.tier_of(code)
        used = code in site_countries or code in makers
        count = sum(1 for c in site_country.values() if c == code)
        tip = f"{country_name(code)} ({code})\nTrust tier: {tier_label(tier)}"
        if count:
            tip += f"\n{count} site{'s' if count != 1 else ''} in the network"
        if code in makers:
            tip += f"\nMaker's country of {makers[code]} source{'s' if makers[code] != 1 else ''} bought through a distributor"
        countries.append(
            {"code": code, "path": entry["path"], "color": colors.get(tier, "#cccccc"), "used": used, "tip": tip}
        )

    flows = network.flows.filter(pl.col("from_site").is_in(list(positions)) & pl.col("to_site").is_in(list(positions)))
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in flows.iter_rows(named=True):
        if row["from_site"] != row["to_site"]:
            grouped[(row["from_site"], row["to_site"])].append(row)
    # (start, end, shipping country, receiving country, title, rows) of every arc to draw
    links: list[tuple[tuple[float, float], tuple[float, float], str, str, str, list[dict[str, Any]]]] = []
    by_country = len(grouped) > MAX_SITE_ARCS
    if by_country:
        labels = data["countries"]
        pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for (source, target), rows in grouped.items():
            a, b = site_country[source], site_country[target]
            if a != b and a in labels and b in labels:
                pairs[(a, b)].extend(rows)
        for (a, b), rows in pairs.items():
            title = f"{country_name(a)} → {country_name(b)}: {len(rows)} flows"
            links.append((tuple(labels[a]["label"]), tuple(labels[b]["label"]), a, b, title, rows))
    else:
        for (source, target), rows in grouped.items():
            title = f"{site_name[source]} → {site_name[target]}"
            links.append(
                (positions[source], positions[target], site_country[source], site_country[target], title, rows)
            )
    arcs: list[dict[str, Any]] = []
    crossing_points: dict[str, list[tuple[tuple[float, float], ...]]] = defaultdict(list)
    crossing_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start, end, from_country, to_country, title, rows in links:
        pieces = flow_arcs(start, end)
        active = any((r["status"] or "active") == "active" for r in rows)
        tier = context.tier_of(from_country)
        items = sorted({str(r["item_id"]) for r in rows})
        modes = sorted({str(r["mode"]) for r in rows if r["mode"]})
        crossings = sorted({str(r["crossing"]) for r in rows if r["crossing"]})
        tip = f"{title}\n{', '.join(items[:6])}{' …' if len(items) > 6 else ''}"
        if modes:
            tip += f"\nMode: {', '.join(modes)}"
        if crossings:
            tip += f"\nCrossing: {', '.join(crossings[:6])}{' …' if len(crossings) > 6 else ''}"
        if not active:
            tip += "\nCandidate flow (not used today)"
        path = "".join(piece.path() for piece in pieces)
        width = 1.0 + 0.5 * math.log2(len(rows)) if by_country else None
        arcs.append({"path": path, "color": colors.get(tier, "#888888"), "active": active, "tip": tip, "width": width})
        for name in crossings:
            crossing_points[name].append((pieces[0].exit_point(from_country), pieces[-1].entry_point(to_country)))
            crossing_rows[name].extend(r for r in rows if r["crossing"] == name)
    arcs.sort(key=lambda a: bool(a["active"]))  # candidates underneath

    crossings_out = []
    for name, candidates in sorted(crossing_points.items()):
        x, y = place_crossing(candidates)
        rows = crossing_rows[name]
        items = sorted({str(r["item_id"]) for r in rows})
        active_count = sum(1 for r in rows if (r["status"] or "active") == "active")
        tip = f"Border crossing: {name}\n{active_count} active and {len(rows) - active_count} candidate flow(s)\nItems: {', '.join(items[:8])}{' …' if len(items) > 8 else ''}"
        crossings_out.append({"name": name, "x": x, "y": y, "tip": tip})

    markers = []
    for site, (x, y) in positions.items():
        tier = context.tier_of(site_country[site])
        share = value_share.get(site, 0.0)
        kind = site_kind[site]
        tip = (
            f"{site_name[site]} ({site})\n{kind.capitalize()} · {country_name(site_country[site])} · {tier_label(tier)}"
        )
        if share:
            tip += f"\nAdds {percent(share)} of the weekly value of all finished goods"
        if site in approximate:
            tip += "\nNo coordinates given: placed at the country's label point"
        markers.append(
            {
                "x": x,
                "y": y,
                "shape": KIND_SHAPES.get(kind, "circle"),
                "scale": 1.0 + 2.2 * math.sqrt(share),
                "color": colors.get(tier, "#888888"),
                "tip": tip,
                "kind": kind,
                "site_id": site,
            }
        )
    markers.sort(key=lambda m: -float(m["scale"]))

    views = [MapView("world", "World", tuple(data["view_box"]))]
    na_points = [positions[s] for s, c in site_country.items() if c in NORTH_AMERICA]
    if len(na_points) >= 2 and len(na_points) < len(positions):
        views.append(_view_around(na_points, "North America (USMCA)", "north-america"))

    rendered = []
    for view in views:
        u = view.unit
        view_markers = []
        for m in markers:
            element, attrs = _marker(str(m["shape"]), float(m["x"]), float(m["y"]), 4.2 * u * float(m["scale"]))
            view_markers.append({**m, "element": element, "attrs": attrs})
        rendered.append({"view": view, "unit": u, "markers": view_markers, "labels": label_places(crossings_out, u)})

    all_countries = site_countries | set(makers)
    used_tiers = [t for t in context.tiers if any(context.tier_of(c) == t for c in all_countries)]
    only_makers = len(all_countries - site_countries)
    figures = (
        Figure("Sites", str(sites.height), headline=True),
        Figure(
            "Countries",
            str(len(all_countries)),
            note=f"{only_makers} only as the maker's country of a distributor's part" if only_makers else "",
            headline=True,
        ),
        Figure("Flows", str(network.flows.height)),
        Figure("Border crossings", str(len(crossings_out))),
    )
    html = context.render(
        "worldmap.html.j2",
        countries=countries,
        other=data.get("other", []),
        arcs=arcs,
        crossings=crossings_out,
        views=rendered,
        tiers=context.tiers,
        used_tiers=used_tiers,
        colors=colors,
        approximate=[f"{site_name[s]} ({s})" for s in approximate],
        by_country=by_country,
        site_pairs=len(grouped),
        kinds=sorted({str(m["kind"]) for m in markers}),
        shapes=KIND_SHAPES,
    )
    return Section(
        id="map",
        title="Sites and flows",
        lead="Where the network's sites are and how goods move between them. Countries are tinted by their trust "
        "tier (strongly where the network has sites); site markers take the colour of their country's tier and "
        "grow with the share of value the site adds; arcs run from the shipping to the receiving site.",
        html=html,
        figures=figures,
        sources=(world_source(),),
    )
