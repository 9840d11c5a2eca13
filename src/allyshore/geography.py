"""Lanes from geography: great-circle distance, transport mode, transit days and freight per unit.

Rules of thumb, vectorised over arrays of lanes, used by :mod:`allyshore.generate` and by the
script that builds the embedded samples (``scripts/build_samples.py``), so that transit times and
freight agree with where the sites are. Every figure is a default with its source below; real
lanes should carry their own ``transit_days`` and ``freight_per_unit``.

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
  about 1.6M, 1.0M and 0.8M, rounded [verify]).

>>> import numpy as np
>>> km = great_circle_km(np.array([31.23]), np.array([121.47]), np.array([33.77]), np.array([-118.19]))
>>> int(round(km[0], -2))
10500
>>> lanes = lane_defaults(np.array([31.23, 25.67]), np.array([121.47, -100.31]), np.array([33.77, 27.51]),
...                       np.array([-118.19, -99.51]), np.array(["CN", "MX"]), np.array(["US", "US"]),
...                       np.array([1.0, 1.0]))
>>> lanes["mode"].tolist(), lanes["transit_days"].tolist()
(['ocean', 'truck'], [27.0, 3.0])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
StrArray = NDArray[np.str_]

EARTH_RADIUS_KM = 6371.0
OCEAN_KM_PER_DAY = 14 * 1.852 * 24  # 14 knots
OCEAN_HANDLING_DAYS = 8.0
OCEAN_ROUTE_FACTOR = 1.1
OCEAN_USD_PER_KG = 2726.0 / 20000.0
TRUCK_KM_PER_DAY = 800.0  # 500 miles
TRUCK_USD_PER_KG_KM = 3.0 / 1.609344 / 20000.0
AIR_USD_PER_KG = 4.5
MIN_FREIGHT_USD = 0.01

NORTH_AMERICA = ("US", "MX", "CA")
EUROPE = (
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "TR",
)  # fmt: skip

#: Mainland East and South-East Asia: neighbours within 3,000 km trade by road (Malaysia-Thailand, China-Vietnam).
MAINLAND_ASIA = ("CN", "VN", "LA", "KH", "TH", "MY", "SG", "MM")

#: Mexico-US truck crossings and their shares of truck crossings (BTS NTS table 1-49, 2002).
MX_US_CROSSINGS: tuple[tuple[str, float], ...] = (
    ("Laredo", 1.44),
    ("Otay Mesa", 0.73),
    ("El Paso", 0.71),
    ("Hidalgo", 0.39),
    ("Calexico East", 0.28),
)
#: Canada-US truck crossings, incoming trucks in millions (BTS Border Crossing Entry Data, 2019, rounded).
CA_US_CROSSINGS: tuple[tuple[str, float], ...] = (("Detroit", 1.6), ("Buffalo", 1.0), ("Port Huron", 0.8))


def great_circle_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Haversine distance in km between arrays of points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def _pick(names: tuple[tuple[str, float], ...], u: FloatArray) -> StrArray:
    weights = np.array([w for _, w in names])
    bounds = np.cumsum(weights) / weights.sum()
    index = np.minimum(np.searchsorted(bounds, u, side="right"), len(names) - 1)
    return np.array([n for n, _ in names])[index]


def lane_defaults(
    from_lat: FloatArray,
    from_lon: FloatArray,
    to_lat: FloatArray,
    to_lon: FloatArray,
    from_country: StrArray,
    to_country: StrArray,
    weight_kg: FloatArray,
    air: NDArray[np.bool_] | None = None,
    draw: FloatArray | None = None,
) -> dict[str, NDArray[np.generic]]:
    """Mode, transit days, freight per unit and border crossing of each lane (arrays of equal length).

    ``air`` marks lanes to fly when they cross an ocean; ``draw`` (uniform 0..1 per lane) picks the
    border crossing by its share (the first crossing, the busiest, when not given).
    """
    n = from_lat.shape[0]
    km = great_circle_km(from_lat, from_lon, to_lat, to_lon)
    same = from_country == to_country
    in_na = np.isin(from_country, NORTH_AMERICA) & np.isin(to_country, NORTH_AMERICA)
    in_eu = np.isin(from_country, EUROPE) & np.isin(to_country, EUROPE)
    in_sea = np.isin(from_country, MAINLAND_ASIA) & np.isin(to_country, MAINLAND_ASIA) & (km < 3000)
    by_road = same | in_na | in_eu | in_sea
    fly = (~by_road) & (np.zeros(n, dtype=bool) if air is None else air)
    border = by_road & ~same
    truck_days = np.ceil(1.0 + km / TRUCK_KM_PER_DAY) + border
    ocean_days = np.ceil(OCEAN_HANDLING_DAYS + OCEAN_ROUTE_FACTOR * km / OCEAN_KM_PER_DAY)
    air_days = np.ceil(4.0 + km / 8000.0)
    mode = np.where(by_road, "truck", np.where(fly, "air", "ocean"))
    transit = np.where(by_road, truck_days, np.where(fly, air_days, ocean_days)).astype(np.float64)
    per_kg = np.where(
        by_road, TRUCK_USD_PER_KG_KM * np.maximum(km, 50.0), np.where(fly, AIR_USD_PER_KG, OCEAN_USD_PER_KG)
    )
    freight = np.maximum(np.round(per_kg * weight_kg, 4), MIN_FREIGHT_USD)
    u = np.zeros(n) if draw is None else draw
    # Mexico-Canada trucks cross into the US from Mexico first: the crossing recorded is the Mexican one.
    mx_us = (np.isin(from_country, ("US", "CA")) & (to_country == "MX")) | (
        (from_country == "MX") & np.isin(to_country, ("US", "CA"))
    )
    ca_us = ((from_country == "CA") & (to_country == "US")) | ((from_country == "US") & (to_country == "CA"))
    crossing = np.where(mx_us, _pick(MX_US_CROSSINGS, u), np.where(ca_us, _pick(CA_US_CROSSINGS, u), ""))
    return {"mode": mode, "transit_days": transit, "freight_per_unit": freight, "crossing": crossing, "km": km}
