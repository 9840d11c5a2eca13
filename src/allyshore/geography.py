"""Geography: distances between places, the regions goods cross by road, and the US land border crossings.

The one place for where things are: the landed cost reads its truck miles here, and the lanes of
generated and sample networks (:mod:`allyshore.lane_rules`) their distances, regions and crossings.

* **Distance**: great-circle (haversine) distance between arrays of points, in km
  (mean Earth radius 6,371 km) or in miles (3,958.8 miles, the landed cost's figure).
* **Regions**: within North America, within Europe and between neighbours of mainland East and
  South-East Asia, goods go by road; anything else crosses the sea.
* **Crossings**: the US land border crossings, by border (``MX-US``, ``CA-US``), with their truck
  traffic where it is known: one table, ``data/cost/crossings.csv``, that the landed cost also
  reads for each crossing's border hours (its README gives the sources).

>>> import numpy as np
>>> km = great_circle_km(np.array([31.23]), np.array([121.47]), np.array([33.77]), np.array([-118.19]))
>>> int(round(km[0], -2))
10500
>>> border_crossings("CA-US")
(('Detroit', 1.6), ('Buffalo', 1.0), ('Port Huron', 0.8))
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0
EARTH_RADIUS_MILES = 3958.8
KM_PER_MILE = 1.609344

NORTH_AMERICA = ("US", "MX", "CA")
EUROPE = (
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "TR",
)  # fmt: skip
#: Mainland East and South-East Asia: neighbours within 3,000 km trade by road (Malaysia-Thailand, China-Vietnam).
MAINLAND_ASIA = ("CN", "VN", "LA", "KH", "TH", "MY", "SG", "MM")

#: The borders of :func:`border_crossings`.
BORDERS = ("MX-US", "CA-US")


def great_circle(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray, radius: float = EARTH_RADIUS_KM
) -> FloatArray:
    """Haversine distance between arrays of points (degrees), in the unit of ``radius``; NaN where a point is."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * radius * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def great_circle_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle distance in km between arrays of points (degrees)."""
    return great_circle(lat1, lon1, lat2, lon2, EARTH_RADIUS_KM)


def great_circle_miles(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle distance in miles between arrays of points (degrees)."""
    return great_circle(lat1, lon1, lat2, lon2, EARTH_RADIUS_MILES)


@cache
def crossing_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``data/cost/crossings.csv`` as text, in file order."""
    text = (files("allyshore") / "data" / "cost" / "crossings.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


@cache
def border_crossings(border: str) -> tuple[tuple[str, float], ...]:
    """The crossings of ``border`` (one of :data:`BORDERS`) whose truck traffic is known, with their trucks a
    year in millions (``trucks_millions``), in the file's order (the busiest first)."""
    if border not in BORDERS:
        raise ValueError(f"border must be one of {', '.join(BORDERS)}, not {border!r}")
    return tuple(
        (row["crossing"], float(row["trucks_millions"]))
        for row in crossing_rows()
        if row["border"] == border and (row.get("trucks_millions") or "").strip()
    )
