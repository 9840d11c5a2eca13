"""Resilience in the sourcing plan: time-to-survive rows per site and the priced risk of each source.

**The rows** (:func:`resilience_rows`) are a *linear proxy* of the stress test's time to survive
(:mod:`allyshore.resilience.stress`, docs/resilience.md), not its program. For a site ``s`` with a time to
recover ``tau`` and each (item, receiving site) ``g`` that takes a share ``x_s`` of its need ``w`` (units a week)
from ``s``, the plan must cover what ``s`` stops delivering, at every week ``t`` of
``{tau} U {weeks a_j < tau at which an alternate of a group hit by s comes on}``::

    x_s w max(0, t - T_s)  <=  I_g + sum_{j != s} c_j(t)                                  (survive)
    sum_{groups hit by s} c_j(t)  <=  t (C_j - load_j(x))     for the node and the site of j   (spare, pooled)
    c_j(t)  <=  max(0, t - a_j) C_j + (w t / eps) x_j,       c_j(t) >= 0                      (live or not)

* ``T_s`` = the lane's ``transit_days / 7``: the goods already on the lane keep arriving, ``x_s w`` a week for
  ``T_s`` weeks (the stress test's stock in transit, by Little's law ``x_s w T_s`` units);
* ``I_g`` = stock of the item on hand at the receiving site (its ``supply`` row's ``inventory``);
* ``c_j(t)`` = what alternate ``j`` adds by week ``t``, an auxiliary column: at most its spare capacity over
  ``t`` weeks (``C_j`` the capacity of its ``supply`` row, and of its site, ``load_j`` its weekly load under the
  plan's shares, pooled over every group the same site takes down), and, unless it keeps a share of at least
  ``eps`` (``live_share``), no more than a candidate that comes on at ``a_j = q + r/2`` (the stress test's
  qualification and ramp-up, :mod:`allyshore.resilience.candidates`: the plan writes an unused source as a
  candidate). Since ``c_j(t) >= 0``, the rows also keep every alternate they count within its capacity.

With one tier, live alternates and enough stock, ``survive`` at ``t = tau`` for a single group reads
``w tau <= I_g + x_s w min(tau, T_s) + sum_j C_j tau``: exactly the stress test's condition ``TTS >= tau``
on that network. Checking the weeks ``a_j`` too is what the time-phased program does (demand lost in one
period is not made good by a later one). The proxy is **more cautious** than the program (its TTS may be
longer than the rows admit): it ignores stock downstream of the receiving site (finished goods, warehouses), the
disrupted site's own stock, the alternates' stock and their lanes' stock in transit, and re-routing of the
alternates' other customers. It is **less cautious** where the program sees more than one tier: an alternate
whose own inputs come from ``s`` (or run short) is counted at full capacity, and the need ``w`` is today's need
(the plan does not move it). A candidate's capacity as a candidate is not pooled across the groups it could
serve.

**The priced risk** (:func:`risk_per_unit`, :func:`risk_terms`) is the expected annual disruption loss per unit
of need of each choice: by default the landed cost's country-risk default (rate of the maker's trust tier times
the price), or from a Monte Carlo :class:`~allyshore.resilience.results.SimulationResult`
(:func:`allyshore.cost.disruption_from_monte_carlo`: expected annual lost profit attributed to the source site,
per unit it ships). Note that the landed cost already counts the same disruption term: a plan that prices the
risk separately takes it out of the cost per unit (or reports it as part of it), never both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import polars as pl
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore.errors import InputError, NotFoundError
from allyshore.model.network import Network
from allyshore.optimize.blocks import Choices, Rows
from allyshore.resilience.candidates import CandidateTerms

if TYPE_CHECKING:
    from allyshore.cost.assumptions import Assumptions
    from allyshore.resilience.results import SimulationResult
    from allyshore.trust.policy import PolicySource

FloatArray = NDArray[np.float64]

#: Weeks in a year, as the roll-ups count them (``need_per_year`` = weekly need x 52).
WEEKS_PER_YEAR = 52.0
#: Share of its group's need an alternate must keep to count as live from week 0 (below it, in proportion).
DEFAULT_LIVE_SHARE = 0.01


def _weeks_text(values: pl.Expr) -> pl.Expr:
    """Weeks as short text: 8 for 8.0, 14.5 for 14.5."""
    rounded = values.round(3)
    whole = rounded == rounded.round(0)
    return pl.when(whole).then(rounded.cast(pl.Int64).cast(pl.String)).otherwise(rounded.cast(pl.String))


def site_recovery_weeks(network: Network) -> pl.DataFrame:
    """``site_id``, ``ttr_weeks``: the stress test's time to recover of each site taken down alone.

    A node's TTR is its ``supply`` row's ``ttr_weeks``, else its site's; a site's is the longest of its rows (the
    stress test's horizon for a scenario, option (a) of the brief), the site's own when it has no row. Null when
    unknown.
    """
    sites = network.sites.select("site_id", pl.col("ttr_weeks").cast(pl.Float64).alias("site_ttr"))
    rows = (
        network.supply.select("site_id", pl.col("ttr_weeks").cast(pl.Float64))
        .join(sites, on="site_id", how="left")
        .select("site_id", pl.coalesce("ttr_weeks", "site_ttr").alias("ttr"))
        .group_by("site_id")
        .agg(pl.col("ttr").max())
    )
    return (
        sites.join(rows, on="site_id", how="left")
        .select("site_id", pl.coalesce("ttr", "site_ttr").alias("ttr_weeks"))
        .unique("site_id", keep="first", maintain_order=True)
    )


def _choice_data(network: Network, choices: Choices, terms: CandidateTerms, stock_in_transit: bool) -> pl.DataFrame:
    """Per choice: weekly need, transit weeks, the source's node and site capacities, its start week as a
    candidate, and the stock on hand at the receiving site."""
    supply = (
        network.supply.select(
            "site_id",
            "item_id",
            pl.col("capacity_per_week").cast(pl.Float64).fill_null(math.inf).alias("cap_node"),
            pl.col("inventory").cast(pl.Float64).fill_null(0.0).alias("inventory"),
            (
                pl.col("qualification_weeks").cast(pl.Float64).fill_null(terms.qualification_weeks)
                + pl.col("ramp_up_weeks").cast(pl.Float64).fill_null(terms.ramp_up_weeks) / 2.0
            ).alias("node_start"),
        )
        .unique(["site_id", "item_id"], keep="first", maintain_order=True)
        .with_columns(pl.col("cap_node").fill_nan(math.inf))
    )
    sites = network.sites.select(
        "site_id", pl.col("capacity_per_week").cast(pl.Float64).fill_null(math.inf).fill_nan(math.inf).alias("cap_site")
    ).unique("site_id", keep="first", maintain_order=True)
    flows = network.flows.with_row_index("flow_row").select(
        pl.col("flow_row").cast(pl.Int64),
        (pl.col("transit_days").cast(pl.Float64).fill_null(0.0) / 7.0).alias("transit_weeks"),
        (
            pl.col("qualification_weeks").cast(pl.Float64).fill_null(terms.qualification_weeks)
            + pl.col("ramp_up_weeks").cast(pl.Float64).fill_null(terms.ramp_up_weeks) / 2.0
        ).alias("flow_start"),
    )
    frame = choices.frame.select(
        pl.col("j").cast(pl.Int64),
        pl.col("flow_row").cast(pl.Int64),
        pl.col("item_id").cast(pl.String),
        pl.col("to_site").cast(pl.String),
        pl.col("from_site").cast(pl.String),
        pl.col("group").cast(pl.Int64),
        (pl.col("need_per_year").cast(pl.Float64).fill_null(0.0).fill_nan(0.0) / WEEKS_PER_YEAR).alias("w"),
    )
    default_start = terms.qualification_weeks + terms.ramp_up_weeks / 2.0
    frame = (
        frame.join(flows, on="flow_row", how="left", maintain_order="left")
        .join(
            supply.select("site_id", "item_id", "cap_node", "node_start"),
            left_on=["from_site", "item_id"],
            right_on=["site_id", "item_id"],
            how="left",
            maintain_order="left",
        )
        .join(sites, left_on="from_site", right_on="site_id", how="left", maintain_order="left")
        .join(
            supply.select("site_id", "item_id", pl.col("inventory").alias("stock")),
            left_on=["to_site", "item_id"],
            right_on=["site_id", "item_id"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.col("transit_weeks").fill_null(0.0) if stock_in_transit else pl.lit(0.0).alias("transit_weeks"),
            pl.col("cap_node").fill_null(math.inf),
            pl.col("cap_site").fill_null(math.inf),
            pl.col("stock").fill_null(0.0),
            # As a candidate in the plan's network: the later of the lane's and the source node's start (both
            # counted, whatever their status today: the plan may switch either to candidate).
            pl.max_horizontal(
                pl.col("flow_start").fill_null(default_start), pl.col("node_start").fill_null(default_start)
            ).alias("start"),
        )
    )
    return frame


def resilience_rows(
    network: Network,
    choices: Choices,
    *,
    sites: Sequence[str] | None = None,
    stock_in_transit: bool = True,
    terms: CandidateTerms | None = None,
    live_share: float = DEFAULT_LIVE_SHARE,
) -> tuple[Rows, ...]:
    """Rows that keep each named site's (every site's when None) time-to-survive at least its time-to-recover.

    One :class:`Rows` block per site that some group takes from (``resilience:SITE``), built as the module
    docstring states: a linear proxy of the stress test's TTS (cautious where the stress test sees stock
    downstream or re-routes, optimistic where it sees more than one tier). ``sites=None`` takes every source site
    with a time to recover in the data; a named site without one is an error.

    Parameters
    ----------
    stock_in_transit
        Count the goods already on the disrupted site's lanes (as the stress test does by default).
    terms
        Qualification and ramp-up weeks of sources the plan leaves unused (the stress test's defaults).
    live_share
        Share of its group's need an alternate must keep to count as live from week 0.

    Raises
    ------
    NotFoundError
        A named site is not in ``sites``.
    InputError
        A named site has no time to recover, or ``live_share`` is not in (0, 1].
    """
    if not (0.0 < live_share <= 1.0):
        raise InputError(f"live_share must be in (0, 1], not {live_share}")
    terms = terms or CandidateTerms()
    n = choices.n
    data = _choice_data(network, choices, terms, stock_in_transit)
    ttr = site_recovery_weeks(network)
    if sites is not None:
        wanted = pl.DataFrame({"site_id": pl.Series(list(sites), dtype=pl.String)}).unique(maintain_order=True)
        found = wanted.join(ttr, on="site_id", how="left", maintain_order="left")
        unknown = found.filter(~pl.col("site_id").is_in(ttr.get_column("site_id").implode()))
        if unknown.height:
            raise NotFoundError(
                f"resilience: unknown site id(s) {', '.join(unknown.get_column('site_id').to_list())} "
                "(hint: use the site_id column of sites)"
            )
        missing = found.filter(pl.col("ttr_weeks").is_null())
        if missing.height:
            raise InputError(
                f"resilience: site(s) {', '.join(missing.get_column('site_id').to_list())} have no time to recover "
                "(hint: fill ttr_weeks in sites or supply)"
            )
        ttr = found
    ttr = ttr.filter(pl.col("ttr_weeks").is_not_null() & (pl.col("ttr_weeks") > 0))

    # The groups each site takes down: (s, g) with the choices from s.
    down = data.join(ttr, left_on="from_site", right_on="site_id", how="inner").filter(
        pl.col("from_site") != pl.col("to_site")
    )
    if down.height == 0:
        return ()
    hit = down.select(pl.col("from_site").alias("s"), "group", "ttr_weeks").unique(maintain_order=True)
    # Alternates: every other choice of a hit group.
    alternates = hit.join(data, on="group", how="inner").filter(pl.col("from_site") != pl.col("s"))
    # The weeks checked for each site: its TTR and every earlier start of an alternate of a group it hits.
    weeks = pl.concat(
        [
            hit.select("s", pl.col("ttr_weeks").alias("t")),
            alternates.filter((pl.col("start") > 0) & (pl.col("start") < pl.col("ttr_weeks"))).select(
                "s", pl.col("start").alias("t")
            ),
        ]
    ).unique()
    rows = (
        hit.join(weeks, on="s", how="inner")
        .join(
            data.group_by("group").agg(
                pl.col("item_id").first(), pl.col("to_site").first(), pl.col("stock").first(), pl.col("w").first()
            ),
            on="group",
            how="left",
        )
        .sort("s", "group", "t")
        .with_row_index("r")
        .with_columns(pl.col("r").cast(pl.Int64))
    )
    # The lost need of each row: x_s w max(0, t - T_s) for every choice from s in the group.
    lost = rows.select("r", "s", "group", "t").join(
        down.select(pl.col("from_site").alias("s"), "group", "j", "w", "transit_weeks"), on=["s", "group"]
    )
    lost = lost.with_columns((pl.col("w") * (pl.col("t") - pl.col("transit_weeks")).clip(lower_bound=0.0)).alias("a"))
    # Pairs (row, alternate): the auxiliary column c of what the alternate adds by week t.
    pairs = rows.select("r", "s", "group", "t", "item_id", "to_site", pl.col("w").alias("w_g")).join(
        data.select(
            "group",
            pl.col("j").alias("alt"),
            pl.col("from_site").alias("alt_site"),
            pl.col("item_id").alias("alt_item"),
            "cap_node",
            "cap_site",
            "start",
        ),
        on="group",
    )
    pairs = pairs.filter(pl.col("alt_site") != pl.col("s")).with_columns(
        (pl.col("t") - pl.col("start")).clip(lower_bound=0.0).alias("h"),
        pl.min_horizontal("cap_node", "cap_site").alias("cap"),
    )
    # A row with an alternate of unlimited capacity already on by week t always holds: drop it.
    unbounded = pairs.filter((pl.col("h") > 0) & pl.col("cap").is_infinite()).select("r").unique()
    keep = pl.col("r").is_in(unbounded.get_column("r").implode()).not_()
    has_loss = lost.filter(pl.col("a") > 0).select("r").unique()
    keep = keep & pl.col("r").is_in(has_loss.get_column("r").implode())
    rows = rows.filter(keep)
    if rows.height == 0:
        return ()
    # Renumber the kept rows and their pairs, sorted by site so each site's block is contiguous.
    rows = rows.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("rr"))
    renumber = rows.select("r", "rr")
    lost = lost.join(renumber, on="r").filter(pl.col("a") > 0)
    pairs = (
        pairs.join(renumber, on="r").sort("rr", "alt").with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("p"))
    )
    return _blocks(data, rows, lost, pairs, n, live_share)


def _blocks(
    data: pl.DataFrame, rows: pl.DataFrame, lost: pl.DataFrame, pairs: pl.DataFrame, n: int, eps: float
) -> tuple[Rows, ...]:
    """Assemble the rows per site (see the module docstring for the three kinds)."""
    n_main = rows.height
    m = pairs.height
    entries_r: list[NDArray[np.int64]] = []
    entries_c: list[NDArray[np.int64]] = []
    entries_v: list[FloatArray] = []
    upper: list[FloatArray] = []
    row_site: list[pl.Series] = []
    labels: list[pl.Series] = []

    def add(r: pl.Series | NDArray[np.int64], c: pl.Series | NDArray[np.int64], v: pl.Series | FloatArray) -> None:
        entries_r.append(np.asarray(r, dtype=np.int64))
        entries_c.append(np.asarray(c, dtype=np.int64))
        entries_v.append(np.asarray(v, dtype=np.float64))

    # (survive) x_s w (t - T)^+ - sum_p c_p <= stock.
    add(lost.get_column("rr"), lost.get_column("j"), lost.get_column("a"))
    add(pairs.get_column("rr"), n + pairs.get_column("p").to_numpy(), -np.ones(m))
    upper.append(rows.get_column("stock").to_numpy().astype(np.float64))
    row_site.append(rows.get_column("s"))
    t_text = _weeks_text(pl.col("t"))
    labels.append(
        rows.select(
            pl.when(pl.col("t") == pl.col("ttr_weeks"))
            .then(pl.format("{} at {} survives {} down {} wk", "item_id", "to_site", "s", t_text))
            .otherwise(
                pl.format(
                    "{} at {} covers {} down until week {} (a later source comes on)", "item_id", "to_site", "s", t_text
                )
            )
        ).to_series()
    )
    start = n_main

    # (spare, pooled) per (site down, week, alternate node) and per (site down, week, alternate site).
    for kind, keys, cap_col, load_keys in (
        ("node", ["s", "t", "alt_site", "alt_item"], "cap_node", ["from_site", "item_id"]),
        ("site", ["s", "t", "alt_site"], "cap_site", ["from_site"]),
    ):
        finite = pairs.filter(pl.col(cap_col).is_finite())
        if finite.height == 0:
            continue
        pools = (
            finite.group_by(keys, maintain_order=True)
            .agg(pl.col(cap_col).first(), pl.col("rr").first())
            .with_row_index("q")
            .with_columns((pl.col("q").cast(pl.Int64) + start).alias("row"))
        )
        member = finite.join(pools.select(*keys, "row"), on=keys)
        add(member.get_column("row"), n + member.get_column("p").to_numpy(), np.ones(member.height))
        load_on = {"from_site": "alt_site", "item_id": "alt_item"}
        load = pools.join(
            data.select(*load_keys, "j", "w"),
            left_on=[load_on[k] for k in load_keys],
            right_on=load_keys,
        )
        add(load.get_column("row"), load.get_column("j"), (load.get_column("t") * load.get_column("w")).to_numpy())
        upper.append((pools.get_column("t") * pools.get_column(cap_col)).to_numpy().astype(np.float64))
        row_site.append(pools.get_column("s"))
        what = "capacity of {}/{}" if kind == "node" else "capacity of site {}"
        names = ("alt_site", "alt_item") if kind == "node" else ("alt_site",)
        labels.append(
            pools.select(pl.format(f"spare {what} while {{}} down, by week {{}}", *names, "s", t_text)).to_series()
        )
        start += pools.height

    # (live or not) c_p - (w t / eps) x_alt <= h cap, where h cap is finite (h = 0 or a finite capacity).
    gated = pairs.filter((pl.col("h") == 0) | pl.col("cap").is_finite()).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row") + start
    )
    add(gated.get_column("row"), n + gated.get_column("p").to_numpy(), np.ones(gated.height))
    add(gated.get_column("row"), gated.get_column("alt"), -(gated.get_column("w_g") * gated.get_column("t") / eps))
    h_cap = gated.select(pl.when(pl.col("h") > 0).then(pl.col("h") * pl.col("cap")).otherwise(0.0)).to_series()
    upper.append(h_cap.to_numpy().astype(np.float64))
    row_site.append(gated.get_column("s"))
    labels.append(
        gated.select(
            pl.format(
                "{} counts for {} at {} while {} down only if kept in use, by week {}",
                "alt_site",
                "item_id",
                "to_site",
                "s",
                t_text,
            )
        ).to_series()
    )
    total = start + gated.height

    matrix = sp.csr_matrix(
        (np.concatenate(entries_v), (np.concatenate(entries_r), np.concatenate(entries_c))), shape=(total, n + m)
    )
    upper_all = np.concatenate(upper)
    site_of_row = pl.concat(row_site).to_numpy()
    label_all = np.asarray(pl.concat(labels).to_list(), dtype=object)
    pair_site = pairs.get_column("s").to_numpy()
    pair_names = pairs.select(
        pl.format("cover {}->{}/{} if {} down, wk {}", "alt_site", "to_site", "item_id", "s", t_text)
    ).to_series()
    out: list[Rows] = []
    down_sites, row_code = np.unique(site_of_row.astype(str), return_inverse=True)
    pair_code = np.searchsorted(down_sites, pair_site.astype(str))
    row_order = np.argsort(row_code, kind="stable")
    row_start = np.searchsorted(row_code[row_order], np.arange(down_sites.size + 1))
    pair_order = np.argsort(pair_code, kind="stable")
    pair_start = np.searchsorted(pair_code[pair_order], np.arange(down_sites.size + 1))
    for k, site in enumerate(down_sites.tolist()):
        mine = row_order[row_start[k] : row_start[k + 1]]
        cols = pair_order[pair_start[k] : pair_start[k + 1]]
        block = matrix[mine]
        sub = sp.hstack([block[:, :n], block[:, n + cols]], format="csr")
        out.append(
            Rows(
                name=f"resilience:{site}",
                matrix=sub,
                lower=np.full(mine.size, -np.inf),
                upper=upper_all[mine],
                labels=tuple(str(x) for x in label_all[mine]),
                detail=_detail(site, eps),
                extra_lower=np.zeros(cols.size),
                extra_upper=np.full(cols.size, np.inf),
                extra_integer=np.zeros(cols.size, dtype=bool),
                extra_names=tuple(str(x) for x in pair_names.gather(cols).to_list()),
                extra_costs=np.zeros(cols.size),
            )
        )
    return tuple(out)


def _detail(site: str, eps: float) -> str:
    return (
        f"Time to survive {site} down >= its time to recover, by a linear proxy of the stress test: each item "
        f"received from {site} must be covered, at the recovery week and at every earlier week a source comes on, "
        "by the stock on hand at the receiving site, the goods already on the lane, and the spare capacity of its "
        f"other sources under the plan's shares (pooled over every item {site} takes down; a source the plan keeps "
        f"below a share of {eps:g} counts only as a candidate after qualification and ramp-up). Cautious: ignores "
        "stock downstream and re-routing; optimistic: ignores the alternates' own inputs (one tier)."
    )


# -- the priced risk ----------------------------------------------------------------------------------------------


def risk_terms(
    network: Network,
    choices: Choices,
    *,
    policy: PolicySource = None,
    simulation: SimulationResult | None = None,
    assumptions: Assumptions = None,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Expected annual disruption loss, USD per unit of need, of each choice, and notes on how it was found.

    By default the landed cost's country-risk default: the disruption rate of the choice's trust tier (the
    ``tier`` column, else the tier of its ``country`` under ``policy``) times its ``price_per_unit``
    (:func:`allyshore.cost.options.tier_disruption_rates`, from the cost assumption book ``assumptions``). With
    ``simulation``, the Monte Carlo's expected annual lost profit attributed to the source site (its own events
    and its share of its country's), per unit the site ships today
    (:func:`allyshore.cost.disruption_from_monte_carlo`); a site that ships nothing today has no such figure and
    takes the country-risk default, noted. Unknown (no tier rate, no price) is nan, noted, never 0.
    """
    from allyshore.cost.assumptions import as_book
    from allyshore.cost.options import tier_disruption_rates

    book = as_book(assumptions)
    frame = choices.frame
    n = choices.n
    notes: list[str] = []
    countries = frame.get_column("country").cast(pl.String).fill_null("")
    tiers = (
        frame.get_column("tier").cast(pl.String)
        if "tier" in frame.columns
        else pl.Series("tier", [None] * n, dtype=pl.String)
    )
    if tiers.null_count():
        from allyshore.trust import tiers_under

        found = tiers_under(policy, sorted({c for c in countries.to_list() if c}))
        looked_up = countries.replace_strict(found, default=None, return_dtype=pl.String)
        tiers = tiers.fill_null(looked_up)
    tier_list = tiers.fill_null("").to_list()
    rate = tier_disruption_rates(book, tier_list)
    price = frame.get_column("price_per_unit").cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
    default = rate * price
    no_rate = np.isnan(rate)
    if no_rate.any():
        flagged = zip(countries.to_list(), tier_list, no_rate.tolist(), strict=True)
        which = sorted({f"{c or '?'} ({t or 'no tier'})" for c, t, u in flagged if u})
        notes.append(
            f"{int(no_rate.sum())} choice(s) have no country-risk disruption rate (tier not in the risk_tiers table): "
            + ", ".join(which[:10])
            + " (hint: give the tier a rate in the assumptions file)"
        )
    no_price = np.isnan(price) & ~no_rate
    if no_price.any():
        notes.append(
            f"{int(no_price.sum())} choice(s) have no price, so no country-risk disruption cost (hint: fill "
            "supply.unit_price)"
        )
    if simulation is None:
        notes.insert(
            0,
            f"risk: country-risk default (disruption rate of the trust tier x price; {book.path or 'shipped defaults'})",
        )
        return default, tuple(notes)
    from allyshore.cost.bridges import disruption_from_monte_carlo

    per_site = disruption_from_monte_carlo(network, simulation)
    sources = frame.get_column("from_site").cast(pl.String)
    simulated = sources.replace_strict(per_site, default=None, return_dtype=pl.Float64).fill_null(np.nan).to_numpy()
    out = np.where(np.isnan(simulated), default, simulated).astype(np.float64)
    fallback = np.isnan(simulated)
    notes.insert(
        0,
        f"risk: Monte Carlo of {simulation.runs} simulated years (seed {simulation.seed}): expected annual lost "
        "profit attributed to each source site, per unit it ships today",
    )
    if fallback.any():
        names = sorted(set(sources.filter(pl.Series(fallback)).to_list()))
        notes.append(
            f"{len(names)} source site(s) ship nothing today, so the Monte Carlo attributes them no loss per unit: "
            "the country-risk default is used for them: " + ", ".join(names[:10])
        )
    return out, tuple(notes)


def risk_per_unit(
    network: Network,
    choices: Choices,
    *,
    policy: object = None,
    simulation: SimulationResult | None = None,
    assumptions: Assumptions = None,
) -> NDArray[np.float64]:
    """Expected annual disruption loss, USD per unit of need, of taking the whole need from each choice
    (:func:`risk_terms` without its notes; nan where unknown)."""
    values, _ = risk_terms(
        network, choices, policy=cast("PolicySource", policy), simulation=simulation, assumptions=assumptions
    )
    return values
