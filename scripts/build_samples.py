"""Build the embedded sample networks ``src/allyshore/data/samples/<name>.json`` from the tables below.

The samples are ILLUSTRATIVE (see ``src/allyshore/data/samples/README.md``): fictional companies at real
places, real HS 2022 codes, prices and lanes of a plausible order. Structure, prices, shares, capacities and
TTRs are written here by hand; what follows from geography is computed:

* lanes: mode, transit days and freight per unit from :func:`allyshore.lane_rules.lane_defaults` (ocean 8 days
  handling + 14 kn; truck 1 day + 800 km/day + 1 day at a border; sources in that module), unless a flow
  overrides them;
* the border crossing of a Mexico-US or Canada-US lane: the crossing nearest the Mexican (or Canadian) site;
* capacities and inventories from each node's weekly requirement (demand rolled down the BOM and the shares),
  times the capacity factor and weeks of stock given per supply row.

Usage: ``python scripts/build_samples.py`` (rewrites the three JSON files; deterministic).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from allyshore.geography import great_circle_km
from allyshore.lane_rules import lane_defaults

OUT = Path(__file__).resolve().parents[1] / "src" / "allyshore" / "data" / "samples"

# Land border crossings (lat, lon of the port of entry, GeoNames, rounded).
CROSSINGS = {
    "Otay Mesa": ("MX", 32.55, -116.94),
    "Nogales": ("MX", 31.33, -110.94),
    "El Paso": ("MX", 31.76, -106.45),
    "Laredo": ("MX", 27.50, -99.50),
    "Pharr": ("MX", 26.07, -98.20),
    "Detroit": ("CA", 42.31, -83.07),
    "Buffalo": ("CA", 42.91, -78.90),
}


#: Where freight practice, not distance, decides: north-east and Bajio freight crosses at Laredo, the top truck port
#: (landed-cost brief s.6).
CROSSING_BY_REGION = {
    "Nuevo Leon": "Laredo",
    "Coahuila": "Laredo",
    "San Luis Potosi": "Laredo",
    "Queretaro": "Laredo",
    "Guanajuato": "Laredo",
}


def nearest_crossing(country: str, lat: float, lon: float, region: str | None = None) -> str:
    if region in CROSSING_BY_REGION:
        return CROSSING_BY_REGION[region]
    options = [(n, la, lo) for n, (c, la, lo) in CROSSINGS.items() if c == country]
    km = great_circle_km(
        np.full(len(options), lat),
        np.full(len(options), lon),
        np.array([o[1] for o in options]),
        np.array([o[2] for o in options]),
    )
    return options[int(np.argmin(km))][0]


def _check_tiers(tiers: list[list[str]], children: dict[str, list[tuple[str, float]]]) -> None:
    """Demand is rolled down the BOM tier by tier: every item with components must be in a tier after its parents.

    An item left out would pass no requirement to its components, whose capacities and inventories would come out 0.
    """
    position = {item: k for k, tier in enumerate(tiers) for item in tier}
    missing = sorted(set(children) - set(position))
    if missing:
        raise ValueError(f"items with components missing from the tiers: {', '.join(missing)}")
    late = sorted(
        f"{child} (under {parent})"
        for parent, parts in children.items()
        for child, _q in parts
        if child in position and position[child] <= position[parent]
    )
    if late:
        raise ValueError(f"components not in a tier below their parent: {', '.join(late)}")


def build(spec: dict[str, Any]) -> dict[str, Any]:
    sites = {s[0]: s for s in spec["sites"]}
    items = {i[0]: i for i in spec["items"]}
    bom = [(p, c, q) for p, c, q in spec["bom"]]
    children = defaultdict(list)
    for p, c, q in bom:
        children[p].append((c, q))
    # supply rows: (site, item, price, share, cap_factor, inv_weeks, ttr, lead, status, certifies, extra)
    supply = spec["supply"]
    sources: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in supply:
        sources[row[1]].append(row)
    # Weekly requirement per item: demand rolled down the BOM.
    need: dict[str, float] = defaultdict(float)
    for _site, item, units, _profit in spec["demand"]:
        need[item] += units
    order = spec["tiers"]
    _check_tiers(order, children)
    for tier in order:
        for item in tier:
            for child, q in children.get(item, []):
                need[child] += q * need[item]
    out_supply = []
    for site, item, price, share, cap, inv, ttr, lead, status, certifies, *extra in supply:
        node_need = need[item] * (share if status == "active" else 0.3)
        row: dict[str, Any] = {
            "site_id": site,
            "item_id": item,
            "unit_price": price,
            "capacity_per_week": float(math.ceil(node_need * cap)),
            "inventory": float(round(node_need * inv)),
            "ttr_weeks": ttr,
            "lead_time_days": lead,
            "status": status,
        }
        if certifies is not None:
            row["supplier_certifies_origin"] = "true" if certifies else "false"
        if extra:
            row.update(extra[0])
        out_supply.append(row)
    # Flows: every node making a parent receives each child from every source of the child.
    flows = []
    seen = set()
    makers = [(r[0], r[1]) for r in supply if r[1] in children and r[8] == "active"]
    stocked = {(r[0], r[1]) for r in supply}  # a site making the child itself uses its own (no inbound flows)
    lanes = []
    for site, item in makers:
        for child, _q in children[item]:
            for src in sources[child]:
                key = (src[0], site, child)
                if key in seen or (site, child) in stocked:
                    continue
                seen.add(key)
                lanes.append((src[0], site, child, src[3] if src[8] == "active" else None, src[8]))
    for site, item, _units, _profit in spec["demand"]:
        for src in sources[item]:
            lanes.append((src[0], site, item, src[3] if src[8] == "active" else None, src[8]))
    fa = np.array([sites[a][5] for a, *_ in lanes])
    fo = np.array([sites[a][6] for a, *_ in lanes])
    ta = np.array([sites[b][5] for _, b, *_ in lanes])
    to = np.array([sites[b][6] for _, b, *_ in lanes])
    fc = np.array([sites[a][2] for a, *_ in lanes])
    tc = np.array([sites[b][2] for _, b, *_ in lanes])
    weight = np.array([items[i][5] for _, _, i, *_ in lanes])
    air = np.array([i in spec.get("air", ()) for _, _, i, *_ in lanes])
    defaults = lane_defaults(fa, fo, ta, to, fc, tc, weight, air=air)
    overrides = spec.get("lanes", {})
    for k, (a, b, item, share, status) in enumerate(lanes):
        flow: dict[str, Any] = {"from_site": a, "to_site": b, "item_id": item}
        if share is not None:
            flow["share"] = share
        flow["mode"] = str(defaults["mode"][k])
        flow["transit_days"] = float(defaults["transit_days"][k])
        flow["freight_per_unit"] = float(defaults["freight_per_unit"][k])
        pair = {fc[k], tc[k]}
        if pair in ({"MX", "US"}, {"CA", "US"}, {"MX", "CA"}):
            # the Mexican site's crossing (Mexico-Canada trucks cross into the US from Mexico), else the Canadian one
            foreign = next(x for x in (a, b) if sites[x][2] == "MX") if "MX" in pair else (a if fc[k] == "CA" else b)
            flow["crossing"] = nearest_crossing(
                sites[foreign][2], sites[foreign][5], sites[foreign][6], sites[foreign][4]
            )
        flow["status"] = status
        flow.update(overrides.get((a, b, item), {}))
        flows.append(flow)
    return {
        "format_version": 1,
        "name": spec["name"],
        "description": spec["description"],
        "sites": [
            {
                k: v
                for k, v in zip(
                    ("site_id", "name", "country", "kind", "region", "lat", "lon", "ttr_weeks", "certifications"),
                    s,
                    strict=True,
                )
                if v is not None
            }
            for s in spec["sites"]
        ],
        "items": [
            {
                k: v
                for k, v in zip(
                    ("item_id", "name", "hs_code", "unit", "unit_cost", "weight_kg", "profit_per_unit"), i, strict=True
                )
                if v is not None
            }
            for i in spec["items"]
        ],
        "bom": [{"parent_id": p, "child_id": c, "quantity": q} for p, c, q in bom],
        "supply": out_supply,
        "flows": flows,
        "demand": [
            {
                k: v
                for k, v in (("site_id", s), ("item_id", i), ("units_per_week", u), ("profit_per_unit", p))
                if v is not None
            }
            for s, i, u, p in spec["demand"]
        ],
    }


def main() -> None:
    import sample_specs  # scripts/sample_specs.py, beside this script

    OUT.mkdir(parents=True, exist_ok=True)
    for spec in sample_specs.SPECS:
        document = build(spec)
        path = OUT / f"{spec['name']}.json"
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path} ({', '.join(f'{k} {len(v)}' for k, v in document.items() if isinstance(v, list))})")


if __name__ == "__main__":
    main()
