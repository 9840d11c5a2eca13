"""Geography: one distance, one table of border crossings, read by the landed cost and the generated lanes alike."""

from __future__ import annotations

import csv
import io
from importlib.resources import files

import numpy as np
import pytest

from allyshore.geography import (
    EARTH_RADIUS_KM,
    EARTH_RADIUS_MILES,
    border_crossings,
    great_circle_km,
    great_circle_miles,
)
from allyshore.lane_rules import CROSSING_NAMES, lane_defaults


def test_great_circle_quarter_meridian_and_miles() -> None:
    # Equator to pole along a meridian is a quarter of the circumference, whatever the unit.
    zero, ninety = np.array([0.0]), np.array([90.0])
    assert great_circle_km(zero, zero, ninety, zero)[0] == pytest.approx(np.pi / 2 * EARTH_RADIUS_KM)
    assert great_circle_miles(zero, zero, ninety, zero)[0] == pytest.approx(np.pi / 2 * EARTH_RADIUS_MILES)
    # A missing coordinate gives no distance, not 0.
    assert np.isnan(great_circle_miles(np.array([np.nan]), zero, zero, zero)[0])


def test_crossings_come_from_the_one_table() -> None:
    text = (files("allyshore") / "data" / "cost" / "crossings.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    weighted = [(r["crossing"], float(r["trucks_millions"])) for r in rows if r["trucks_millions"]]
    assert border_crossings("MX-US") + border_crossings("CA-US") == tuple(weighted)
    assert ("", *(name for name, _ in weighted)) == CROSSING_NAMES
    with pytest.raises(ValueError, match="border must be one of"):
        border_crossings("MX-GT")


def test_crossing_draw_follows_the_truck_counts() -> None:
    """Draws below Laredo's share of the listed Mexico-US trucks (1.44 of 3.55 million) cross at Laredo."""
    n = 5
    lanes = lane_defaults(
        np.full(n, 25.67),
        np.full(n, -100.31),
        np.full(n, 29.76),
        np.full(n, -95.37),
        np.array(["MX"] * n),
        np.array(["US"] * n),
        np.ones(n),
        draw=np.array([0.0, 1.44 / 3.55 - 1e-9, 1.44 / 3.55 + 1e-9, 0.99, 0.999999]),
    )
    assert lanes["crossing"].tolist() == ["Laredo", "Laredo", "Otay Mesa", "Calexico East", "Calexico East"]
