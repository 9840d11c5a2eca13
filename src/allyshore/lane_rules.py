"""The lanes of generated and sample networks: mode, transit days, freight per unit and border crossing.

Rules of thumb, vectorised over arrays of lanes, used by :mod:`allyshore.generate` and by the
script that builds the embedded samples (``scripts/build_samples.py``), so that transit times and
freight agree with where the sites are (distances, regions and crossings from
:mod:`allyshore.geography`). Every figure is a default with its source below; real lanes should
carry their own ``transit_days`` and ``freight_per_unit``.

* **Ocean**: 8 days of origin and destination handling plus the sea leg at 14 knots (622 km a day)
  over 1.1 x the great-circle distance. Shanghai -> Long Beach (10,500 km) gives 8 + 18.6 = 27 days,
  inside the 20-30 days door to door of the landed-cost brief s.5 (56ok.com; casualnavigation.com:
  about 17 days at sea to Los Angeles at 14 kn). Freight USD 0.14 per kg: Drewry World Container
  Index Shanghai-Los Angeles USD 2,726 per FEU on 3 Apr 2025 over a 20 t payload (as in
  ``allyshore/data/cost/lanes.csv``).
* **Truck** (same country, within North America, within Europe, between neighbours of mainland East and
  South-East Asia less than 3,000 km apart; anything else crosses the sea): 1 day to source a truck plus 500 miles (800 km)
  a day (mexicomlogistics FTL guide, landed-cost brief s.5), plus one day at a land border.
  Monterrey -> Laredo, TX (230 km) gives 3 days with the border. Freight USD 3 per mile for a 20 t
  truckload (USD 3-4/mile outbound Laredo, 2020, overdriveonline.com via ``lanes.csv``).
* **Air** (light, valuable parts between continents, when asked): 4 days door to door plus a day per
  8,000 km; USD 4.5 per kg, the order of the TAC/Baltic air freight index Shanghai-North America in
  2024 [verify per lane].
* **Crossing**: lanes between Mexico and the US (or Canada, through the US) cross at Laredo, Otay Mesa, El Paso, Hidalgo or
  Calexico East in proportion to their truck crossings (BTS National Transportation Statistics
  table 1-49, 2002: 1.44M, 0.73M, 0.71M, 0.39M, 0.28M; landed-cost brief s.6); lanes between Canada
  and the US at Detroit, Buffalo or Port Huron (BTS Border Crossing Entry Data, incoming trucks 2019,
  about 1.6M, 1.0M and 0.8M, rounded [verify]): the ``trucks_millions`` of ``data/cost/crossings.csv``
  (:func:`allyshore.geography.border_crossings`).

>>> import numpy as np
>>> lanes = lane_defaults(np.array([31.23, 25.67]), np.array([121.47, -100.31]), np.array([33.77, 27.51]),
...                       np.array([-118.19, -99.51]), np.array(["CN", "MX"]), np.array(["US", "US"]),
...                       np.array([1.0, 1.0]))
>>> lanes["mode"].tolist(), lanes["transit_days"].tolist()
(['ocean', 'truck'], [27.0, 3.0])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allyshore.geography import EUROPE, KM_PER_MILE, MAINLAND_ASIA, NORTH_AMERICA, border_crossings, great_circle_km
from allyshore.model.schema import MODES

FloatArray = NDArray[np.float64]
StrArray = NDArray[np.str_]

OCEAN_KM_PER_DAY = 14 * 1.852 * 24  # 14 knots
OCEAN_HANDLING_DAYS = 8.0
OCEAN_ROUTE_FACTOR = 1.1
OCEAN_USD_PER_KG = 2726.0 / 20000.0
TRUCK_KM_PER_DAY = 800.0  # 500 miles
TRUCK_USD_PER_KG_KM = 3.0 / KM_PER_MILE / 20000.0
AIR_USD_PER_KG = 4.5
MIN_FREIGHT_USD = 0.01

#: Mexico-US and Canada-US truck crossings with their trucks a year (millions), the weights of the draw.
MX_US_CROSSINGS: tuple[tuple[str, float], ...] = border_crossings("MX-US")
CA_US_CROSSINGS: tuple[tuple[str, float], ...] = border_crossings("CA-US")

#: Names behind the integer codes that :func:`lane_defaults` returns: ``mode_code`` indexes
#: :data:`allyshore.model.schema.MODES`, ``crossing_code`` this tuple ("" for none).
CROSSING_NAMES = ("", *(n for n, _ in MX_US_CROSSINGS), *(n for n, _ in CA_US_CROSSINGS))
_TRUCK, _OCEAN, _AIR = MODES.index("truck"), MODES.index("ocean"), MODES.index("air")


def _pick(names: tuple[tuple[str, float], ...], u: FloatArray) -> NDArray[np.int64]:
    """Index (into ``names``) of the crossing each uniform draw ``u`` falls on, by the crossings' weights."""
    weights = np.array([w for _, w in names])
    bounds = np.cumsum(weights) / weights.sum()
    return np.minimum(np.searchsorted(bounds, u, side="right"), len(names) - 1).astype(np.int64)


def lane_defaults(
    from_lat: FloatArray,
    from_lon: FloatArray,
    to_lat: FloatArray,
    to_lon: FloatArray,
    from_country: NDArray[np.generic],
    to_country: NDArray[np.generic],
    weight_kg: FloatArray,
    air: NDArray[np.bool_] | None = None,
    draw: FloatArray | None = None,
    countries: tuple[str, ...] | None = None,
) -> dict[str, NDArray[np.generic]]:
    """Mode, transit days, freight per unit and border crossing of each lane (arrays of equal length).

    ``air`` marks lanes to fly when they cross an ocean; ``draw`` (uniform 0..1 per lane) picks the
    border crossing by its share (the first crossing, the busiest, when not given). Countries are ISO
    alpha-2 codes, or integer positions in ``countries`` (faster for millions of lanes). Besides the
    ``mode`` and ``crossing`` names (``""`` for none), ``mode_code`` and ``crossing_code`` index
    :data:`allyshore.model.schema.MODES` and :data:`CROSSING_NAMES`.
    """
    n = from_lat.shape[0]
    km = great_circle_km(from_lat, from_lon, to_lat, to_lon)
    if countries is None:
        table, inverse = np.unique(np.concatenate([from_country, to_country]).astype(str), return_inverse=True)
        names = tuple(table.tolist())
        src, dst = inverse[:n], inverse[n:]
    else:
        names, src, dst = countries, np.asarray(from_country), np.asarray(to_country)
    code = np.asarray(names, dtype=str) if names else np.zeros(0, dtype=str)

    def member(group: tuple[str, ...]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        flags = np.isin(code, group)
        return flags[src], flags[dst]

    same = src == dst
    na_from, na_to = member(NORTH_AMERICA)
    eu_from, eu_to = member(EUROPE)
    asia_from, asia_to = member(MAINLAND_ASIA)
    by_road = same | (na_from & na_to) | (eu_from & eu_to) | (asia_from & asia_to & (km < 3000))
    fly = (~by_road) & (np.zeros(n, dtype=bool) if air is None else air)
    border = by_road & ~same
    truck_days = np.ceil(1.0 + km / TRUCK_KM_PER_DAY) + border
    ocean_days = np.ceil(OCEAN_HANDLING_DAYS + OCEAN_ROUTE_FACTOR * km / OCEAN_KM_PER_DAY)
    air_days = np.ceil(4.0 + km / 8000.0)
    mode_code = np.where(by_road, _TRUCK, np.where(fly, _AIR, _OCEAN)).astype(np.int64)
    transit = np.where(by_road, truck_days, np.where(fly, air_days, ocean_days)).astype(np.float64)
    per_kg = np.where(
        by_road, TRUCK_USD_PER_KG_KM * np.maximum(km, 50.0), np.where(fly, AIR_USD_PER_KG, OCEAN_USD_PER_KG)
    )
    freight = np.maximum(np.round(per_kg * weight_kg, 4), MIN_FREIGHT_USD)
    u = np.zeros(n) if draw is None else draw
    mx_from, mx_to = member(("MX",))
    us_from, us_to = member(("US",))
    ca_from, ca_to = member(("CA",))
    # Mexico-Canada trucks cross into the US from Mexico first: the crossing recorded is the Mexican one.
    mx_us = ((us_from | ca_from) & mx_to) | (mx_from & (us_to | ca_to))
    ca_us = (ca_from & us_to) | (us_from & ca_to)
    crossing_code = np.where(
        mx_us, 1 + _pick(MX_US_CROSSINGS, u), np.where(ca_us, 1 + len(MX_US_CROSSINGS) + _pick(CA_US_CROSSINGS, u), 0)
    ).astype(np.int64)
    return {
        "mode": np.asarray(MODES)[mode_code],
        "mode_code": mode_code,
        "transit_days": transit,
        "freight_per_unit": freight,
        "crossing": np.asarray(CROSSING_NAMES)[crossing_code],
        "crossing_code": crossing_code,
        "km": km,
    }
