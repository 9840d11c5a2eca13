"""The capacity map page: Mexico's states shaded by a sector's establishments (or employment), the
establishments counted on h3 hexagons, and the tables by state and by SCIAN code.

The page draws a ready :class:`~allyshore.capacity.results.CapacityMap` (made by
:func:`allyshore.capacity.capacity_map.capacity_map` with ``cell_resolution`` for the hexagons):
it runs no analysis. State boundaries are ``data/capacity/mexico_states.json`` (see its
``.meta.json`` and ``scripts/build_mexico_states.py``), drawn in an equirectangular projection
with parallels scaled for latitude 23.5° (true to scale along the Tropic of Cancer, which
crosses the middle of the country); at Mexico's size the distortion is a few per cent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from markupsafe import Markup
from numpy.typing import NDArray

from allyshore.report.formatting import number, percent
from allyshore.report.sections import Figure, Section, environment

if TYPE_CHECKING:
    from allyshore.capacity.results import CapacityMap

LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = -118.6, -86.4, 14.3, 32.9
_K: Final = math.cos(math.radians(23.5))
#: Canvas width of the map; its height follows from the projection.
WIDTH: Final = 1000.0
SCALE: Final = WIDTH / ((LON_MAX - LON_MIN) * _K)
HEIGHT: Final = (LAT_MAX - LAT_MIN) * SCALE
#: Sequential fills of the choropleth's classes, light to dark (the first: no establishment).
STATE_FILLS: Final = ("#f1f3f5", "#dbe9f6", "#a9cde6", "#6aaed6", "#3182bd", "#08519c")
HEX_FILLS: Final = ("#fdd49e", "#fdae6b", "#f16913", "#d94801", "#8c2d04")
#: Rows of the SCIAN table the page lists (--json or --csv give them all).
MAX_CLASS_ROWS: Final = 300
METRICS: Final = {"establishments": "Establishments", "employees_mid": "Employment (band midpoints)"}


def project(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Canvas x and y (y downward) of longitudes and latitudes.

    >>> x, y = project(np.array([LON_MIN, LON_MAX]), np.array([LAT_MAX, LAT_MIN]))
    >>> [round(float(v)) for v in x], [round(float(v)) for v in y] == [0, round(HEIGHT)]
    ([0, 1000], True)
    """
    return (lon - LON_MIN) * _K * SCALE, (LAT_MAX - lat) * SCALE


@lru_cache(maxsize=1)
def geometry() -> dict[str, Any]:
    """The state boundaries of ``data/capacity/mexico_states.json``."""
    text = resources.files("allyshore").joinpath("data", "capacity", "mexico_states.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def geometry_source() -> str:
    text = resources.files("allyshore").joinpath("data", "capacity", "mexico_states.meta.json").read_text(encoding="utf-8")
    meta = json.loads(text)
    return (
        f"State boundaries: {meta['source']}; {meta['upstream']}. Licence: {meta['licence']}. "
        f"Simplified: {meta['simplification']}. {meta['note']}"
    )


def ring_path(flat: list[float]) -> str:
    """An SVG path of a ring given as ``[lon, lat, lon, lat, ...]``."""
    values = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
    x, y = project(values[:, 0], values[:, 1])
    points = " ".join(f"{a:.1f} {b:.1f}" for a, b in zip(x.tolist(), y.tolist(), strict=True))
    return f"M{points}Z"


@lru_cache(maxsize=64)
def state_path(code: str) -> str:
    return "".join(ring_path(r) for r in geometry()["states"][code]["rings"])


def class_breaks(values: list[float], classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` classes of the positive ``values``: quantiles rounded to two
    significant digits, distinct and increasing, the last the largest value.

    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    [2.8, 4.6, 6.4, 8.2, 10.0]
    """
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    cuts = np.quantile(np.asarray(positive, dtype=np.float64), np.linspace(0, 1, classes + 1)[1:])
    out: list[float] = []
    for cut in cuts[:-1].tolist():
        digits = 1 - math.floor(math.log10(cut)) if cut > 0 else 0
        rounded = round(cut, digits)
        if rounded > 0 and (not out or rounded > out[-1]) and rounded < positive[-1]:
            out.append(float(rounded))
    out.append(float(positive[-1]))
    return out


def class_of(value: float, breaks: list[float]) -> int:
    """The class (1 = lowest) of a positive value; 0 for none."""
    if value <= 0 or not breaks:
        return 0
    for index, bound in enumerate(breaks):
        if value <= bound:
            return index + 1
    return len(breaks)


def _legend(breaks: list[float], fills: tuple[str, ...], whole: bool) -> list[tuple[str, str]]:
    """Legend entries (fill, range) of the classes; ``whole``: the values are counts (ranges of integers).

    >>> _legend([2.0, 4.0, 33.0], ("a", "b", "c"), True)
    [('a', '1–2'), ('b', '3–4'), ('c', '5–33')]
    """
    shift = len(fills) - len(breaks)  # the darkest fills for the highest classes
    entries = []
    low = 0.0
    for index, bound in enumerate(breaks):
        if whole:
            first = math.floor(low) + 1
            label = number(bound, 0) if first >= bound else f"{number(first, 0)}–{number(bound, 0)}"
        else:
            label = f"{number(low, 0)}–{number(bound, 0)}" if index else f"up to {number(bound, 0)}"
        entries.append((fills[index + shift], label))
        low = bound
    return entries


def short_state_name(name: str) -> str:
    """A state's name short enough for a map label: the official tail dropped, but not "Ciudad de México".

    >>> short_state_name("Coahuila de Zaragoza"), short_state_name("Ciudad de México")
    ('Coahuila', 'Ciudad de México')
    """
    return name if name.startswith("Ciudad de ") else name.split(" de ")[0]


def place_labels(labels: list[dict[str, Any]], size: float = 13.0) -> list[dict[str, Any]]:
    """``labels`` (``x``, ``y``, ``text``, centred) moved down until no two overlap.

    >>> [round(l["y"]) for l in place_labels([{"x": 0, "y": 0, "text": "ab"}, {"x": 1, "y": 2, "text": "cd"}])]
    [0, 18]
    """
    placed: list[tuple[float, float, float]] = []
    out = []
    for label in labels:
        x, y = float(label["x"]), float(label["y"])
        half = 0.31 * size * len(str(label["text"]))
        while any(abs(x - px) < half + ph and abs(y - py) < size + 1 for px, py, ph in placed):
            y += size + 3
        placed.append((x, y, half))
        out.append({**label, "y": y})
    return out


def _hexagons(result: CapacityMap) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    cells = result.cells
    if cells is None or cells.height == 0:
        return [], []
    import h3

    counts = cells.get_column("establishments").to_list()
    breaks = class_breaks([float(c) for c in counts])
    out = []
    fills = HEX_FILLS
    shift = len(fills) - len(breaks)
    for row in cells.iter_rows(named=True):
        boundary = np.asarray(h3.cell_to_boundary(row["cell"]), dtype=np.float64)
        x, y = project(boundary[:, 1], boundary[:, 0])
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x.tolist(), y.tolist(), strict=True))
        level = class_of(float(row["establishments"]), breaks)
        tip = (
            f"h3 cell {row['cell']}\n{number(row['establishments'], 0)} establishment(s)\n"
            f"about {number(row['employees_mid'], 0)} employed (band midpoints)"
        )
        out.append({"points": points, "fill": fills[level - 1 + shift], "tip": tip, "cell": row["cell"]})
    return out, _legend(breaks, fills, True)


def build_capacity(result: CapacityMap, metric: str = "establishments") -> Section:
    """The capacity map's section: the choropleth, the hexagons and the tables of ``result``."""
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r}: one of {', '.join(METRICS)}")
    shapes = geometry()
    rows = {r["state"]: r for r in result.states.iter_rows(named=True)}
    values = {code: float(rows[code][metric] or 0.0) if code in rows else 0.0 for code in shapes["states"]}
    breaks = class_breaks(list(values.values()))
    shift = len(STATE_FILLS) - 1 - len(breaks)
    selected = set(result.selected_states) if result.selected_states else None
    states = []
    for code, shape in shapes["states"].items():
        row = rows.get(code)
        chosen = selected is None or code in selected
        level = class_of(values[code], breaks)
        fill = STATE_FILLS[0] if level == 0 else STATE_FILLS[level + shift]
        if row is None:
            tip = f"{shape['name']} ({code})\n" + ("no establishment in the sector" if chosen else "not selected")
        else:
            tip = (
                f"{shape['name']} ({code})\n{number(row['establishments'], 0)} establishment(s)\n"
                f"employment {number(row['employees_low'], 0)}–{number(row['employees_high'], 0)} "
                f"(mid {number(row['employees_mid'], 0)})\n{number(row['in_parks'], 0)} in industrial parks"
            )
        states.append(
            {"code": code, "path": state_path(code), "fill": fill if chosen else "#ffffff", "tip": tip, "chosen": chosen}
        )
    lx, ly = project(
        np.array([s["label"][0] for s in shapes["states"].values()], dtype=np.float64),
        np.array([s["label"][1] for s in shapes["states"].values()], dtype=np.float64),
    )
    label_at = {code: (float(x), float(y)) for code, x, y in zip(shapes["states"], lx, ly, strict=True)}
    top = sorted((c for c in values if values[c] > 0), key=lambda c: -values[c])[:6]
    labels = place_labels([
        {"x": label_at[c][0], "y": label_at[c][1], "text": f"{short_state_name(shapes['states'][c]['name'])} {number(values[c], 0)}"}
        for c in top
    ])
    other = [ring_path(r) for r in shapes.get("other", [])]
    hexagons, hex_legend = _hexagons(result)
    legend = [(STATE_FILLS[0], "none"), *_legend(breaks, STATE_FILLS[1:], metric == "establishments")]

    classes = result.classes.sort("establishments", "scian", descending=[True, False])
    t = result.totals
    total = t["establishments"] or 0
    parks = t["in_parks"]
    html = Markup(
        environment()
        .get_template("capacity.html.j2")
        .render(
            result=result,
            states=states,
            other=other,
            labels=labels,
            hexagons=hexagons,
            legend=legend,
            hex_legend=hex_legend,
            metric_label=METRICS[metric],
            width=WIDTH,
            height=HEIGHT,
            state_rows=result.states.sort("establishments", descending=True).to_dicts(),
            class_rows=classes.head(MAX_CLASS_ROWS).to_dicts(),
            class_total=classes.height,
            max_class_rows=MAX_CLASS_ROWS,
            resolution=result.cell_resolution,
        )
    )
    scope = f"SCIAN {', '.join(result.scian_prefixes)}" if result.scian_prefixes else "every activity"
    figures = (
        Figure("Establishments", number(total, 0), note=scope, headline=True),
        Figure(
            "Employment (band midpoints)",
            number(t["employees_mid"], 0) if t["employees_mid"] is not None else "unknown",
            note=f"{number(t['employees_low'], 0)} to {number(t['employees_high'], 0)} from the bands",
            headline=True,
        ),
        Figure(
            "In industrial parks",
            number(parks, 0) if parks is not None else "unknown",
            note=percent(parks / total) + " of establishments" if parks is not None and total else "",
            headline=True,
        ),
        Figure("States", str(result.states.height)),
    )
    sources = (
        f"INEGI, Directorio Estadístico Nacional de Unidades Económicas (DENUE), edition {result.edition}, "
        "under INEGI's Terms of Free Use of Information.",
        "Employment: DENUE's size bands (per_ocu). Low and high sum the bands' bounds, mid their midpoints; "
        "the open band '251 y más personas' takes the import's calibrated high bound.",
        *result.notes,
        geometry_source(),
        *(
            (f"Hexagons: Uber's H3 grid (Apache-2.0) at resolution {result.cell_resolution}, each cell's count "
             "of establishments with coordinates.",)
            if result.cell_resolution is not None
            else ()
        ),
    )
    return Section(
        id="capacity",
        title=f"Capacity map: {result.sector_title}",
        lead=f"Where Mexico's establishments of {scope} are: states shaded by {METRICS[metric].lower()}, "
        "establishments counted on hexagons, and the figures by state and SCIAN code.",
        html=html,
        figures=figures,
        sources=sources,
    )


def render_capacity_page(result: CapacityMap, metric: str = "establishments") -> str:
    """The capacity map as one self-contained HTML page (the report's template, styles and script)."""
    from allyshore.report import Report, render_report

    section = build_capacity(result, metric)
    title = f"Capacity map: {result.sector_title}"
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return render_report(Report(str(result.edition), title, (section,), generated, subject="DENUE edition"))


def write_capacity_page(result: CapacityMap, out: str | Path, metric: str = "establishments") -> Path:
    """Write :func:`render_capacity_page` to ``out`` all at once; return its path."""
    from allyshore.io.atomic import atomic_path

    out = Path(out)
    html = render_capacity_page(result, metric)
    with atomic_path(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return out
