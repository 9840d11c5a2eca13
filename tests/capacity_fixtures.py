"""Establishment tables in the shared columns of :mod:`allyshore.capacity.schema`, for the capacity tests.

The import is not needed: :func:`establishments` builds a frame from short rows, :func:`write_edition` stores
one in the layout the import writes (``DATA/denue/editions/<ed>/state=XX/part-0.parquet`` and ``DATA/denue/CURRENT``),
and :func:`denue_sample` maps the real DENUE rows of ``../shared/data/denue_sample`` with the import's own
mapping. The open band's high bound of the short rows is a fixture value (:data:`OPEN_BAND_HIGH`); the import
calibrates the real one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from allyshore.capacity.denue_validate import establishments_from_rows
from allyshore.capacity.schema import BANDS, ESTABLISHMENT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "denue_sample" / "denue_manufacturing_ags_sample.csv"
OPEN_BAND_HIGH = 500


def schema() -> dict[str, pl.DataType]:
    return {name: getattr(pl, dtype)() for name, (dtype, _) in ESTABLISHMENT_COLUMNS.items()}


def bounds(band: int) -> tuple[int, int]:
    _, low, high = BANDS[band]
    return low, OPEN_BAND_HIGH if high is None else high


def establishments(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A frame in the schema's columns from rows giving at least ``scian``, ``band`` and ``state``; the bounds
    follow from the band unless given, other columns are filled plainly (no park, no coordinates)."""
    out = []
    for number, row in enumerate(rows):
        low, high = bounds(int(row["band"]))
        full: dict[str, Any] = {
            "establishment_id": str(number + 1),
            "clee": None,
            "name": f"Establishment {number + 1}",
            "legal_name": None,
            "activity": None,
            "employees_low": low,
            "employees_high": high,
            "state_name": None,
            "municipality_code": None,
            "municipality": None,
            "locality": None,
            "address": None,
            "postal_code": None,
            "park_type": None,
            "park_name": None,
            "in_industrial_park": False,
            "lat": None,
            "lon": None,
            "added": None,
        }
        full.update(row)
        out.append(full)
    return pl.DataFrame(out, schema=schema())


def write_edition(data_dir: Path, frame: pl.DataFrame, edition: str = "2025-05") -> Path:
    """Store ``frame`` as the edition in use of ``data_dir``, one Parquet file per state."""
    root = data_dir / "denue"
    for state in sorted(frame.get_column("state").unique().to_list()):
        folder = root / "editions" / edition / f"state={state}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.filter(pl.col("state") == state).write_parquet(folder / "part-0.parquet")
    (root / "CURRENT").write_text(edition + "\n", encoding="utf-8")
    return root / "editions" / edition


def denue_sample() -> pl.DataFrame:
    """The 100 real DENUE rows (Aguascalientes, subsector 31) in the schema's columns, mapped by the import's
    own mapping (so the open band's high bound is the import's calibration, not :data:`OPEN_BAND_HIGH`)."""
    return establishments_from_rows(pl.read_csv(SAMPLE, infer_schema=False), where=str(SAMPLE))


#: (state code, name, a point inside it) for generated rows across the country.
PLACES = (
    ("02", "Baja California", 32.50, -116.95),
    ("05", "Coahuila de Zaragoza", 25.43, -101.00),
    ("08", "Chihuahua", 31.69, -106.42),
    ("11", "Guanajuato", 20.97, -101.43),
    ("14", "Jalisco", 20.67, -103.35),
    ("15", "México", 19.29, -99.65),
    ("19", "Nuevo León", 25.69, -100.32),
    ("22", "Querétaro", 20.59, -100.39),
    ("26", "Sonora", 29.07, -110.96),
    ("28", "Tamaulipas", 25.87, -97.50),
)


def generated(count: int, seed: int = 7) -> pl.DataFrame:
    """``count`` generated establishments of sectors 32-33 scattered around :data:`PLACES` (not DENUE data)."""
    rng = np.random.default_rng(seed)
    classes = ("339112", "339113", "336390", "336310", "334410", "335920", "326199", "332710", "315229")
    rows = []
    weights = np.array([3, 1, 1, 6, 2, 3, 5, 2, 1, 3], dtype=float)
    picks = rng.choice(len(PLACES), size=count, p=weights / weights.sum())
    for index in picks.tolist():
        code, name, lat, lon = PLACES[index]
        band = int(rng.choice([1, 2, 3, 4, 5, 6, 7], p=[0.5, 0.15, 0.15, 0.07, 0.06, 0.04, 0.03]))
        rows.append(
            {
                "scian": str(rng.choice(classes)),
                "band": band,
                "state": code,
                "state_name": name,
                "in_industrial_park": bool(rng.random() < 0.3),
                "lat": float(lat + rng.normal(0, 0.35)),
                "lon": float(lon + rng.normal(0, 0.35)),
            }
        )
    return establishments(rows)
