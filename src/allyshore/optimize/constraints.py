"""The plan's own constraint families as blocks of rows over its core columns.

The core columns are the shares ``x`` (one per choice), then, when an option needs them, the binaries ``used``
(``x_j <= used_j``) and the change indicators ``changed`` (``|x_j - x0_j| <= changed_j``), one per choice each.
Every builder returns :class:`~allyshore.optimize.blocks.Rows` whose matrix spans the core columns
(:class:`Layout`); rows are built from polars columns as one sparse matrix each, without loops over choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from allyshore.model.network import Network
from allyshore.optimize.blocks import FloatArray, Rows
from allyshore.optimize.options import PlanOptions
from allyshore.optimize.value import ValueModel

WEEKS = 52.0


@dataclass(frozen=True)
class ShiftedRows(Rows):
    """Rows of shares whose constant part was moved into the bounds: the share a row stands for is its activity
    plus ``offset`` (and so are its bounds), which the result reports."""

    offset: FloatArray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class Layout:
    """Where the core columns sit: shares at 0..n-1, then ``used`` and ``changed`` when present."""

    n: int
    used: int | None  # first column of the binaries 'used', None without them
    changed: int | None  # first column of the change indicators, None without them

    @property
    def width(self) -> int:
        return self.n * (1 + (self.used is not None) + (self.changed is not None))


def _rows(layout: Layout, row: np.ndarray, col: np.ndarray, data: np.ndarray, n_rows: int) -> sp.csr_matrix:
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), (np.asarray(row), np.asarray(col))), shape=(n_rows, layout.width)
    )


def _labels(frame: pl.DataFrame, expr: pl.Expr) -> tuple[str, ...]:
    return tuple(frame.select(expr.alias("label")).get_column("label").to_list()) if frame.height else ()


def demand_rows(frame: pl.DataFrame, layout: Layout) -> Rows:
    """Sum of the shares of each (item, receiving site) = 1: the need is met in full."""
    groups = frame.group_by("group").agg(pl.col("item_id").first(), pl.col("to_site").first()).sort("group")
    n_groups = groups.height
    matrix = _rows(
        layout, frame.get_column("group").to_numpy(), np.arange(frame.height), np.ones(frame.height), n_groups
    )
    labels = _labels(groups, pl.format("{} into {}: shares sum to 1", "item_id", "to_site"))
    return Rows("demand met", matrix, np.ones(n_groups), np.ones(n_groups), labels, "each (item, site)'s need in full")


def used_rows(frame: pl.DataFrame, layout: Layout, options: PlanOptions) -> list[Rows]:
    """``x_j <= used_j`` and, with a minimum share, ``x_j >= m used_j`` (structural rows of the binaries)."""
    assert layout.used is not None
    n = layout.n
    j = np.arange(n)
    ones = np.ones(n)
    link = _rows(layout, np.concatenate([j, j]), np.concatenate([j, j + layout.used]), np.concatenate([ones, -ones]), n)
    labels = _labels(frame, pl.format("{} from {} into {} only if used", "item_id", "from_site", "to_site"))
    out = [Rows("source used", link, np.full(n, -np.inf), np.zeros(n), labels, "a share only from a source used")]
    m = options.used_min_share
    if m > 0:
        least = _rows(
            layout, np.concatenate([j, j]), np.concatenate([j, j + layout.used]), np.concatenate([ones, -m * ones]), n
        )
        labels = _labels(
            frame,
            pl.format("{} from {} into {}: at least {} when used", "item_id", "from_site", "to_site", pl.lit(f"{m:g}")),
        )
        out.append(
            Rows(
                "min share when used", least, np.zeros(n), np.full(n, np.inf), labels, f"a source used carries >= {m:g}"
            )
        )
    return out


def change_rows(frame: pl.DataFrame, layout: Layout, options: PlanOptions) -> list[Rows]:
    """``changed_j >= |x_j - x0_j|`` (structural) and ``sum changed <= K`` (the named limit)."""
    assert layout.changed is not None and options.max_changes is not None
    n = layout.n
    j = np.arange(n)
    ones = np.ones(n)
    x0 = frame.get_column("share_before").to_numpy()
    rows = np.concatenate([j, j, j + n, j + n])
    cols = np.concatenate([j, j + layout.changed, j, j + layout.changed])
    data = np.concatenate([ones, -ones, ones, ones])
    matrix = _rows(layout, rows, cols, data, 2 * n)
    labels = _labels(frame, pl.format("{} from {} into {} changed", "item_id", "from_site", "to_site"))
    define = Rows(
        "change indicators",
        matrix,
        np.concatenate([np.full(n, -np.inf), x0]),
        np.concatenate([x0, np.full(n, np.inf)]),
        labels + labels,
        "a share that moves counts as a change",
    )
    k = int(options.max_changes)
    limit = _rows(layout, np.zeros(n, dtype=np.int64), j + layout.changed, ones, 1)
    named = Rows(
        "max changes",
        limit,
        np.array([-np.inf]),
        np.array([float(k)]),
        (f"at most {k} source shares change",),
        f"at most {k} (item, site, source) shares move (a plan in phases)",
    )
    return [define, named]


def _capacities(network: Network, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per choice: the capacity a week of its supply node and of its source site (NaN where blank), and the
    capacities of the supply rows."""
    caps = network.supply.select(pl.col("capacity_per_week").cast(pl.Float64)).to_series().to_numpy()
    row = frame.get_column("supply_row").fill_null(-1).to_numpy()
    has = row >= 0
    cap_of = np.full(frame.height, np.nan)
    cap_of[has] = caps[row[has]]
    site_caps = network.sites.select("site_id", pl.col("capacity_per_week").cast(pl.Float64).alias("cap"))
    joined = frame.select("from_site").join(
        site_caps, left_on="from_site", right_on="site_id", how="left", maintain_order="left"
    )
    site_cap = joined.get_column("cap").fill_null(np.nan).to_numpy()
    return cap_of, site_cap, caps


def unknown_capacity(network: Network, frame: pl.DataFrame) -> np.ndarray:
    """Candidate choices whose capacity is unknown: ``capacity_per_week`` blank on their supply row and on their
    source site. For an active source a blank capacity is the network format's "not limited"; for a candidate
    (an establishment nobody has quoted yet, such as a DENUE match) it is unknown."""
    cap_of, site_cap, _ = _capacities(network, frame)
    candidate = (frame.get_column("status_before") == "candidate").to_numpy()
    return np.asarray(candidate & np.isnan(cap_of) & np.isnan(site_cap), dtype=bool)


def capacity_rows(network: Network, frame: pl.DataFrame, layout: Layout) -> list[Rows]:
    """Units a week shipped on the flows of each supply node (its ``capacity_per_week``) and of each site (the
    site's ``capacity_per_week``, shared by every item it ships) at most the capacity; the plan's needs held."""
    out: list[Rows] = []
    weekly = frame.get_column("need_per_year").to_numpy() / WEEKS
    cap_of, site_cap, caps = _capacities(network, frame)
    row = frame.get_column("supply_row").fill_null(-1).to_numpy()
    limited = np.flatnonzero(~np.isnan(cap_of) & (weekly > 0))
    if limited.size:
        nodes, node_of = np.unique(row[limited], return_inverse=True)
        matrix = _rows(layout, node_of, limited, weekly[limited], nodes.shape[0])
        supply = network.supply
        ids = supply.select(pl.format("{}/{}", "site_id", "item_id")).to_series().to_list()
        labels = tuple(f"{ids[r]} ships at most {caps[r]:g} a week" for r in nodes.tolist())
        out.append(
            Rows(
                "capacity of supply nodes",
                matrix,
                np.full(nodes.shape[0], -np.inf),
                caps[nodes],
                labels,
                "units a week on the flows of a supply node <= its capacity_per_week",
            )
        )
    limited = np.flatnonzero(~np.isnan(site_cap) & (weekly > 0))
    if limited.size:
        names = frame.get_column("from_site").to_numpy()[limited]
        sites, site_of = np.unique(names, return_inverse=True)
        first = np.zeros(sites.shape[0], dtype=np.int64)
        first[site_of[::-1]] = limited[::-1]
        matrix = _rows(layout, site_of, limited, weekly[limited], sites.shape[0])
        labels = tuple(
            f"site {s} ships at most {site_cap[f]:g} a week"
            for s, f in zip(sites.tolist(), first.tolist(), strict=True)
        )
        out.append(
            Rows(
                "capacity of sites",
                matrix,
                np.full(sites.shape[0], -np.inf),
                site_cap[first],
                labels,
                "units a week on every flow from a site <= the site's capacity_per_week (shared by its items)",
            )
        )
    return out


def _pad(matrix: sp.csr_matrix, layout: Layout) -> sp.csr_matrix:
    """A goods x choices matrix widened to the core columns."""
    return sp.csr_matrix(sp.hstack([matrix, sp.csr_matrix((matrix.shape[0], layout.width - layout.n))], format="csr"))


def share_rows(
    name: str,
    value: ValueModel,
    in_set: np.ndarray,
    layout: Layout,
    *,
    lower: float | None = None,
    upper: float | None = None,
    scope: str = "goods",
    what: str = "",
) -> list[Rows]:
    """Share of each good's value (``scope`` goods), and/or of all goods' value a week (total), made in the node
    set ``in_set`` at least ``lower`` / at most ``upper``. Rows are in shares: ``(A x + C) / V``."""
    a, constant = value.linear(in_set)
    unit_value = value.unit_value
    goods = value.good_ids
    out: list[Rows] = []
    lo_text = f">= {lower:g}" if lower is not None else ""
    hi_text = f"<= {upper:g}" if upper is not None else ""
    bound = lo_text or hi_text
    if scope in ("goods", "both"):
        ok = np.flatnonzero(unit_value > 0)
        if upper is not None:  # a cap binds only goods that can have value in the set
            reach = np.asarray(abs(a).sum(axis=1)).ravel() + np.abs(constant)
            ok = ok[reach[ok] > 1e-12]
        if ok.size:
            scale = sp.diags(1.0 / unit_value[ok])
            matrix = _pad(sp.csr_matrix(scale @ a[ok]), layout)
            offset = constant[ok] / unit_value[ok]
            labels = tuple(f"{what} share of {goods[g]} {bound}" for g in ok.tolist())
            out.append(
                ShiftedRows(
                    name,
                    matrix,
                    (lower - offset) if lower is not None else np.full(ok.size, -np.inf),
                    (upper - offset) if upper is not None else np.full(ok.size, np.inf),
                    labels,
                    f"{what} share of each finished good's value {bound} (value linearised around today's plan)",
                    offset=offset,
                )
            )
    if scope in ("total", "both"):
        weekly = value.goods[1]
        total = float(weekly @ unit_value)
        if total > 0:
            row = sp.csr_matrix((weekly / total) @ a)
            shift = float(weekly @ constant) / total
            out.append(
                ShiftedRows(
                    f"{name} (total value)",
                    _pad(sp.csr_matrix(row), layout),
                    np.array([lower - shift if lower is not None else -np.inf]),
                    np.array([upper - shift if upper is not None else np.inf]),
                    (f"{what} share of all goods' value {bound}",),
                    f"{what} share of the value of every finished good a week {bound}",
                    offset=np.array([shift]),
                )
            )
    return out


def fixed_zero_rows(name: str, picked: np.ndarray, frame: pl.DataFrame, layout: Layout, detail: str) -> Rows:
    """``x_j <= 0`` for the choices ``picked`` (a boolean mask)."""
    j = np.flatnonzero(picked)
    matrix = _rows(layout, np.arange(j.size), j, np.ones(j.size), j.size)
    labels = _labels(
        frame.filter(pl.Series(picked)),
        pl.format("no {} from {} ({}) into {}", "item_id", "from_site", "country", "to_site"),
    )
    return Rows(name, matrix, np.full(j.size, -np.inf), np.zeros(j.size), labels, detail)


def source_share_rows(frame: pl.DataFrame, layout: Layout, cap: float) -> Rows:
    """``x_j <= cap`` for the choices of every (item, site) with more than one source."""
    size = frame.group_by("group").len()
    several = frame.join(size, on="group", how="left", maintain_order="left").get_column("len").to_numpy() > 1
    j = np.flatnonzero(several)
    matrix = _rows(layout, np.arange(j.size), j, np.ones(j.size), j.size)
    labels = _labels(
        frame.filter(pl.Series(several)),
        pl.format("{} from {} into {} <= {}", "item_id", "from_site", "to_site", pl.lit(f"{cap:g}")),
    )
    return Rows(
        "max share per source",
        matrix,
        np.full(j.size, -np.inf),
        np.full(j.size, cap),
        labels,
        f"no source carries more than {cap:g} of an (item, site) that has several sources",
    )


def min_source_rows(frame: pl.DataFrame, layout: Layout, options: PlanOptions) -> tuple[Rows | None, str]:
    """``sum used_j >= N`` per (item, site): ``min_sources`` where the item has that many choices, the per-item
    counts everywhere. Returns the block and a note on what was left out."""
    assert layout.used is not None
    size = (
        frame.group_by("group")
        .agg(pl.len().alias("choices"), pl.col("item_id").first(), pl.col("to_site").first())
        .sort("group")
    )
    per_item = dict(options.min_sources_per_item)
    required = size.with_columns(
        pl.col("item_id").replace_strict(per_item, default=None, return_dtype=pl.Int64).alias("n")
    )
    overall = options.min_sources
    if overall is not None:
        required = required.with_columns(
            pl.when(pl.col("n").is_null() & (pl.col("choices") >= overall))
            .then(pl.lit(overall))
            .otherwise(pl.col("n"))
            .alias("n")
        )
    skipped = 0
    if overall is not None:
        skipped = required.filter(pl.col("n").is_null() & (pl.col("choices") > 1)).height
    chosen = required.filter(pl.col("n").is_not_null())
    note = f"{skipped} (item, site) pair(s) with fewer than {overall} possible sources left out" if skipped else ""
    if chosen.height == 0:
        return None, note
    row_of = np.full(size.height, -1, dtype=np.int64)
    row_of[chosen.get_column("group").to_numpy()] = np.arange(chosen.height)
    group = frame.get_column("group").to_numpy()
    j = np.flatnonzero(row_of[group] >= 0)
    matrix = _rows(layout, row_of[group[j]], j + layout.used, np.ones(j.size), chosen.height)
    counts = chosen.get_column("n").to_numpy().astype(np.float64)
    labels = _labels(chosen, pl.format("{} into {}: at least {} sources", "item_id", "to_site", "n"))
    rows = Rows(
        "min sources",
        matrix,
        counts,
        np.full(chosen.height, np.inf),
        labels,
        "at least N sources used per (item, site)" + (f"; {note}" if note else ""),
    )
    return rows, note


def zeros(n: int) -> FloatArray:
    return np.zeros(n, dtype=np.float64)
