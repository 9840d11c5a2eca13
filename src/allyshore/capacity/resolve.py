"""Entity resolution of a user's supplier list against the DENUE establishments.

Two passes, in the manner Open Supply Hub describes for its facility matching (an exact pass on cleaned name
and place before the fuzzy matcher; automatic match above one confidence, a moderation band below it, a new
record below that; see docs/capacity.md, "Supplier resolution"):

1. **Exact**: the supplier's name key (:func:`allyshore.capacity.names.name_key`: accents, punctuation, legal
   form, abbreviations and articles normalised) equals the key of an establishment's trade name (``nom_estab``)
   or legal name (``raz_social``) in the same municipality (and state, when given). One such establishment is a
   match with score 100; several are sent to review as ambiguous.
2. **Fuzzy, within blocks**: the other suppliers are compared only with the establishments of their block: the
   h3 cells around the supplier's coordinates when it has them, else its municipality; narrowed to the SCIAN
   subsector the supplier is filed under when it gives one (widened again if that finds no match). The score is
   rapidfuzz's ``token_sort_ratio`` of the name keys (an edit-distance similarity, 0-100, blind to word
   order), the larger over ``nom_estab`` and ``raz_social``; ``process.cdist`` scores a whole block at once.

Decision: ``score >= accept`` is a match, unless another establishment of the block also reaches ``accept``
within ``ambiguity_margin`` of it (then review); ``review <= score < accept`` goes to review with the best
candidate shown; below ``review`` the supplier is unmatched. A supplier is never matched outside its block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final

import h3.api.basic_int as h3int
import numpy as np
import polars as pl

from allyshore.capacity.names import name_keys, place_key, plain_text
from allyshore.capacity.resolve_results import Evaluation, ResolveResult, SupplierMatch, Thresholds
from allyshore.errors import InputError, Problem, ValidationError

DEFAULT_ACCEPT: Final = 90.0
DEFAULT_REVIEW: Final = 75.0
AMBIGUITY_MARGIN: Final = 3.0
H3_RESOLUTION: Final = 6  # cells of ~36 km2 (edge ~3.7 km); the ring around a point covers ~250 km2
H3_RING: Final = 1
SCIAN_DIGITS: Final = 3  # a supplier's SCIAN narrows its block to the subsector
ADDRESS_MIN: Final = 70.0  # an address settles a tie only when this close to the supplier's ...
ADDRESS_MARGIN: Final = 10.0  # ... and this much closer than the next candidate's
CELLS_PER_CHUNK: Final = 8_000_000  # scores held at once (float32): ~32 MB per field
_BUCKET_DEG: Final = 0.25  # coarse grid used to keep only the establishments near supplier coordinates

#: Establishment columns the resolution reads.
COLUMNS: Final = (
    "establishment_id",
    "name",
    "legal_name",
    "scian",
    "state",
    "state_name",
    "municipality_code",
    "municipality",
    "address",
    "lat",
    "lon",
)


def default_thresholds(accept: float = DEFAULT_ACCEPT, review: float = DEFAULT_REVIEW) -> Thresholds:
    """The decision rule with the given thresholds (checked: 0 <= review <= accept <= 100)."""
    if not 0 <= review <= accept <= 100:
        raise InputError(
            f"thresholds --accept {accept:g} and --review {review:g} must satisfy 0 <= review <= accept <= 100"
        )
    return Thresholds(
        accept=float(accept),
        review=float(review),
        ambiguity_margin=AMBIGUITY_MARGIN,
        scorer="token_sort_ratio",
        fields=("name", "legal_name"),
        h3_resolution=H3_RESOLUTION,
        h3_ring=H3_RING,
        scian_digits=SCIAN_DIGITS,
    )


def resolve(
    path: str | Path,
    data: str | Path | None = None,
    *,
    accept: float = DEFAULT_ACCEPT,
    review: float = DEFAULT_REVIEW,
    workers: int = 1,
) -> ResolveResult:
    """Resolve the supplier list at ``path`` against the DENUE edition in use under ``data``."""
    from allyshore.capacity.establishments import current_edition, scan_establishments
    from allyshore.capacity.suppliers import read_suppliers

    thresholds = default_thresholds(accept, review)
    suppliers, warnings = read_suppliers(path)
    edition = current_edition(data).name
    establishments = scan_establishments(data, columns=COLUMNS).collect()
    result = resolve_suppliers(suppliers, establishments, thresholds=thresholds, workers=workers, edition=edition)
    return replace(result, warnings=tuple(warnings))


# -- preparation ----------------------------------------------------------------------------------------------


def _state_codes(suppliers: pl.DataFrame, establishments: pl.DataFrame) -> pl.Series:
    """Each supplier's state as the 2-digit code (given as a code or a name); error for an unknown one."""
    states = establishments.select("state", "state_name").unique().drop_nulls("state")
    by_name = dict(
        zip(
            place_key(states.get_column("state_name")).to_list(),
            states.get_column("state").to_list(),
            strict=True,
        )
    )
    given = suppliers.get_column("state")
    digits = given.str.contains(r"^[0-9]{1,2}$").fill_null(False)
    as_code = given.str.zfill(2)
    as_name = place_key(given).replace_strict(by_name, default=None, return_dtype=pl.String)
    code = as_code.zip_with(digits, as_name)
    known = set(states.get_column("state").to_list())
    bad = given.is_not_null() & (code.is_null() | ~code.is_in(list(known)))
    if bad.any():
        problems = [
            Problem(
                "suppliers",
                f"state '{s}' is not in the DENUE edition",
                row=r,
                column="state",
                hint="write the INEGI 2-digit code (01-32) or the state's name",
            )
            for r, s in suppliers.filter(bad).select("row", "state").head(20).iter_rows()
        ]
        raise ValidationError(problems, what="supplier list")
    return code


def _prepare_suppliers(suppliers: pl.DataFrame, establishments: pl.DataFrame) -> pl.DataFrame:
    municipality = pl.col("municipality")
    coded = municipality.str.contains(r"^[0-9]{1,5}$").fill_null(False)
    names = (
        establishments.select("state", "municipality_code", "municipality")
        .unique(subset=["state", "municipality_code"])
        .drop_nulls()
    )
    frame = suppliers.with_columns(state=_state_codes(suppliers, establishments)).with_columns(
        # a 5-digit municipality is state + municipality code; up to 3 digits is the code within the given state
        _state5=pl.when(coded & (municipality.str.len_chars() == 5)).then(municipality.str.slice(0, 2)),
        _mun3=pl.when(coded).then(municipality.str.slice(-3).str.zfill(3)),
    )
    frame = frame.with_columns(state=pl.coalesce("_state5", "state"))
    frame = frame.join(
        names.rename({"municipality": "_mun_name"}),
        left_on=["state", "_mun3"],
        right_on=["state", "municipality_code"],
        how="left",
    )
    frame = frame.with_columns(
        s=pl.int_range(pl.len(), dtype=pl.Int64),
        _mun_text=pl.when(coded).then(pl.col("_mun_name")).otherwise(municipality),
        scian_block=pl.col("scian").str.slice(0, SCIAN_DIGITS),
        has_point=pl.col("lat").is_not_null() & pl.col("lon").is_not_null(),
        address_key=plain_text(pl.col("address")),
    )
    keys = name_keys(frame.get_column("name"))
    frame = frame.with_columns(
        mun_key=place_key(frame.get_column("_mun_text")), key=keys.get_column("key"), sort=keys.get_column("sorted")
    )
    unknown = frame.filter(pl.col("municipality").is_not_null() & pl.col("mun_key").is_null())
    if unknown.height:
        problems = [
            Problem(
                "suppliers",
                f"municipality code '{m}' is not in the DENUE edition" + ("" if st else " (no state given)"),
                row=r,
                column="municipality",
                hint="write the 5-digit code (state + municipality, e.g. 01001), or the 3-digit code with the state, "
                "or the municipality's name",
            )
            for r, m, st in unknown.select("row", "municipality", "state").head(20).iter_rows()
        ]
        raise ValidationError(problems, what="supplier list")
    return frame.drop("_state5", "_mun3", "_mun_name", "_mun_text")


def _bucket(lat: pl.Expr, lon: pl.Expr) -> pl.Expr:
    return (lat / _BUCKET_DEG).floor().cast(pl.Int64) * 10_000 + (lon / _BUCKET_DEG).floor().cast(pl.Int64)


def _prepare_establishments(establishments: pl.DataFrame, suppliers: pl.DataFrame) -> pl.DataFrame:
    """The establishments in some supplier's block (same municipality name, or near its coordinates), keyed."""
    frame = establishments.select(COLUMNS)
    places = frame.select("municipality").unique()
    places = places.with_columns(mun_key=place_key(places.get_column("municipality")))
    frame = frame.join(places, on="municipality", how="left", nulls_equal=True)
    wanted = frame.get_column("mun_key").is_in(suppliers.get_column("mun_key").drop_nulls().unique().implode())
    points = suppliers.filter("has_point")
    if points.height:
        near = points.select(_bucket(pl.col("lat"), pl.col("lon")).alias("b")).to_series()
        around = pl.concat([near + di * 10_000 + dj for di in (-1, 0, 1) for dj in (-1, 0, 1)]).unique()
        bucket = frame.select(_bucket(pl.col("lat"), pl.col("lon"))).to_series()
        wanted = wanted | bucket.is_in(around.implode()).fill_null(False)
    frame = frame.filter(wanted).with_row_index("e").with_columns(pl.col("e").cast(pl.Int64))
    name, legal = name_keys(frame.get_column("name")), name_keys(frame.get_column("legal_name"))
    frame = frame.with_columns(
        name_key_=name.get_column("key"),
        legal_key_=legal.get_column("key"),
        name_sort=name.get_column("sorted").fill_null(""),
        legal_sort=legal.get_column("sorted").fill_null(""),
    )
    # every distinct sorted key numbered once (code 0 is the empty key), so that a block scores each key once
    every = pl.concat([frame.get_column("name_sort"), frame.get_column("legal_sort"), pl.Series([""])])
    vocabulary = every.unique().sort().rename("key").to_frame().with_row_index("code")
    codes = {
        c: frame.select(pl.col(c).alias("key")).join(vocabulary, on="key", how="left", maintain_order="left")
        for c in ("name_sort", "legal_sort")
    }
    return frame.with_columns(
        name_code=codes["name_sort"].get_column("code").cast(pl.Int64),
        legal_code=codes["legal_sort"].get_column("code").cast(pl.Int64),
    )


# -- the exact pass -------------------------------------------------------------------------------------------


def _exact_candidates(sup: pl.DataFrame, est: pl.DataFrame) -> pl.DataFrame:
    """(s, e, field) for every establishment whose name or legal-name key equals the supplier's, same place."""
    left = sup.filter(pl.col("key").is_not_null() & pl.col("mun_key").is_not_null()).select(
        "s", "key", "mun_key", "state"
    )
    found = []
    for field, column in (("name", "name_key_"), ("legal_name", "legal_key_")):
        right = est.select("e", pl.col(column).alias("key"), "mun_key", pl.col("state").alias("state_e"))
        hits = left.join(right.drop_nulls("key"), on=["key", "mun_key"], how="inner")
        hits = hits.filter(pl.col("state").is_null() | (pl.col("state") == pl.col("state_e")))
        found.append(hits.select("s", "e", pl.lit(field).alias("field")))
    return pl.concat(found).unique(subset=["s", "e"], keep="first", maintain_order=True)


# -- the fuzzy pass -------------------------------------------------------------------------------------------


def _score_block(
    queries: list[str],
    name_code: np.ndarray,
    legal_code: np.ndarray,
    vocabulary: np.ndarray,
    cutoff: float,
    workers: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each query: the best establishment (position in the block), its score, whether its legal name gave
    it, and the runner-up score (the best of any other establishment).

    Each distinct key of the block (codes into ``vocabulary``, whose code 0 is the empty key) is scored once,
    in one cdist over trade and legal names together. The best key's first establishment is the match; the
    runner-up is the same score when another establishment has that key, else the best key left once the
    match's own two keys are set aside."""
    from rapidfuzz import fuzz, process

    width = len(name_code)
    distinct, inverse = np.unique(np.concatenate([name_code, legal_code]), return_inverse=True)
    of_name, of_legal = inverse[:width], inverse[width:]
    positions = np.arange(width)
    own_legal = (of_legal != of_name) & (distinct[of_legal] != 0)
    keys = np.concatenate([of_name, of_legal[own_legal]])
    holders = np.concatenate([positions, positions[own_legal]])
    is_legal = np.concatenate([np.zeros(width, dtype=bool), np.ones(int(own_legal.sum()), dtype=bool)])
    count = np.bincount(keys, minlength=len(distinct))
    first = np.zeros(len(distinct), dtype=np.int64)
    first_legal = np.zeros(len(distinct), dtype=bool)
    first[keys[::-1]] = holders[::-1]  # the first holder wins (trade names before legal names)
    first_legal[keys[::-1]] = is_legal[::-1]
    choices = vocabulary[distinct]
    empty = distinct == 0
    n = len(queries)
    best = np.zeros(n, dtype=np.int64)
    score = np.zeros(n, dtype=np.float32)
    legal = np.zeros(n, dtype=bool)
    second = np.zeros(n, dtype=np.float32)
    step = max(1, CELLS_PER_CHUNK // max(len(distinct), 1))
    for start in range(0, n, step):
        chunk = queries[start : start + step]
        scores = process.cdist(
            chunk, choices, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32, workers=workers
        )
        scores[:, empty] = 0.0
        rows = np.arange(len(chunk))
        top = scores.argmax(axis=1)
        top_score = scores[rows, top]
        holder = first[top]
        span = slice(start, start + len(chunk))
        best[span], score[span], legal[span] = holder, top_score, first_legal[top]
        scores[rows, of_name[holder]] = -1.0
        scores[rows, of_legal[holder]] = -1.0
        second[span] = np.where(count[top] >= 2, top_score, scores.max(axis=1) if scores.shape[1] else 0.0)
    return best, score, legal, np.maximum(second, 0.0)


def _h3_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """The h3 cell (64-bit integer form) of each point; 0 where a coordinate is missing. h3 has no array
    form of this call: it runs once per point, and only for the establishments near a supplier's point."""
    cells = np.zeros(len(lat), dtype=np.uint64)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    cells[ok] = [h3int.latlng_to_cell(float(a), float(o), resolution) for a, o in zip(lat[ok], lon[ok], strict=True)]
    return cells


def _blocks(sup: pl.DataFrame, est: pl.DataFrame, thresholds: Thresholds) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """Each supplier's block label (frame of s, block) and the establishment rows of each block (before any
    SCIAN narrowing): its municipality (in its state when given), or the h3 ring around its point."""
    labels: list[pl.DataFrame] = []
    members: dict[str, np.ndarray] = {}
    state_label = pl.format("municipality={}:{}", pl.col("state").fill_null("*"), pl.col("mun_key"))
    places = sup.filter(~pl.col("has_point") & pl.col("mun_key").is_not_null())
    if places.height:
        labels.append(places.select("s", state_label.alias("block")))
        wanted = places.select(state_label.alias("block")).unique().get_column("block")
        by_state = est.group_by("state", "mun_key").agg("e").with_columns(state_label.alias("block"))
        by_name = (
            est.group_by("mun_key")
            .agg("e")
            .with_columns(pl.format("municipality=*:{}", pl.col("mun_key")).alias("block"))
        )
        for frame in (by_state, by_name):
            kept = frame.filter(pl.col("block").is_in(wanted.implode()))
            for label, rows in zip(kept.get_column("block").to_list(), kept.get_column("e").to_list(), strict=True):
                members[label] = np.asarray(rows, dtype=np.int64)
    points = sup.filter("has_point")
    if points.height:
        lat, lon = est.get_column("lat").to_numpy(), est.get_column("lon").to_numpy()
        near = _bucket(pl.col("lat"), pl.col("lon"))
        around = pl.concat(
            [points.select(near).to_series() + di * 10_000 + dj for di in (-1, 0, 1) for dj in (-1, 0, 1)]
        )
        candidate = est.select(near.is_in(around.unique().implode()).fill_null(False)).to_series().to_numpy()
        rows = np.flatnonzero(candidate)
        cells = _h3_cells(lat[rows], lon[rows], thresholds.h3_resolution)
        order = np.argsort(cells, kind="stable")
        cells, rows = cells[order], rows[order]
        centre = _h3_cells(
            points.get_column("lat").to_numpy(), points.get_column("lon").to_numpy(), thresholds.h3_resolution
        )
        block_of = [f"h3={h3int.int_to_str(int(c))}+{thresholds.h3_ring}" for c in centre]
        for c, label in zip(centre, block_of, strict=True):
            if label in members:
                continue
            ring = np.asarray(sorted(h3int.grid_disk(int(c), thresholds.h3_ring)), dtype=np.uint64)
            lo, hi = np.searchsorted(cells, ring, side="left"), np.searchsorted(cells, ring, side="right")
            members[label] = np.sort(np.concatenate([rows[i:j] for i, j in zip(lo, hi, strict=True)]))
        labels.append(points.select("s").with_columns(pl.Series("block", block_of, dtype=pl.String)))
    assign = pl.concat(labels) if labels else pl.DataFrame(schema={"s": pl.Int64, "block": pl.String})
    return assign, members


def _vocabulary(est: pl.DataFrame) -> np.ndarray:
    """The sorted keys by code (see :func:`_prepare_establishments`)."""
    size = est.height * 2 + 1  # codes are below the number of distinct keys
    vocabulary = np.full(size, "", dtype=object)
    vocabulary[est.get_column("name_code").to_numpy()] = est.get_column("name_sort").to_numpy()
    vocabulary[est.get_column("legal_code").to_numpy()] = est.get_column("legal_sort").to_numpy()
    return vocabulary


def _fuzzy(
    sup: pl.DataFrame,
    est: pl.DataFrame,
    assign: pl.DataFrame,
    members: dict[str, np.ndarray],
    thresholds: Thresholds,
    workers: int,
    *,
    narrow: bool,
) -> pl.DataFrame:
    """The best fuzzy candidate of each supplier in ``sup`` within its block (narrowed to its SCIAN subsector
    when ``narrow``): columns s, block, e, score, field, runner_up, block_size (e null when nothing reached
    the review threshold)."""
    name_code = est.get_column("name_code").to_numpy()
    legal_code = est.get_column("legal_code").to_numpy()
    vocabulary = _vocabulary(est)
    scian = est.get_column("scian").fill_null("").to_numpy().astype(str)
    frame = sup.select("s", "sort", "scian_block").join(assign, on="s", how="inner")
    groups = frame.group_by("block", "scian_block" if narrow else pl.lit(""), maintain_order=True).agg("s", "sort")
    out_s, out_e, out_score, out_legal, out_second, out_size, out_block = [], [], [], [], [], [], []
    for block, subsector, s_ids, queries in groups.iter_rows():
        idx = members.get(block, np.zeros(0, dtype=np.int64))
        if narrow and idx.size:
            idx = idx[np.char.startswith(scian[idx], subsector)]
        label = f"{block}+scian={subsector}" if narrow else block
        n = len(s_ids)
        out_s.append(np.asarray(s_ids, dtype=np.int64))
        out_block.extend([label] * n)
        out_size.append(np.full(n, idx.size, dtype=np.int64))
        if idx.size == 0:
            out_e.append(np.full(n, -1, dtype=np.int64))
            out_score.append(np.zeros(n, dtype=np.float32))
            out_legal.append(np.zeros(n, dtype=bool))
            out_second.append(np.zeros(n, dtype=np.float32))
            continue
        best, score, legal, second = _score_block(
            list(queries), name_code[idx], legal_code[idx], vocabulary, thresholds.review, workers
        )
        out_e.append(np.where(score > 0, idx[best], -1))
        out_score.append(score)
        out_legal.append(legal)
        out_second.append(second)
    if not out_s:
        return pl.DataFrame(
            schema={
                "s": pl.Int64,
                "block": pl.String,
                "e": pl.Int64,
                "score": pl.Float64,
                "field": pl.String,
                "runner_up": pl.Float64,
                "block_size": pl.Int64,
            }
        )
    found = pl.col("e") >= 0
    return pl.DataFrame(
        {
            "s": np.concatenate(out_s),
            "block": out_block,
            "e": np.concatenate(out_e),
            "score": np.concatenate(out_score).astype(np.float64),
            "legal": np.concatenate(out_legal),
            "runner_up": np.concatenate(out_second).astype(np.float64),
            "block_size": np.concatenate(out_size),
        }
    ).select(
        "s",
        "block",
        pl.when(found).then(pl.col("e")).alias("e"),
        pl.when(found).then(pl.col("score")).alias("score"),
        pl.when(found)
        .then(pl.when(pl.col("legal")).then(pl.lit("legal_name")).otherwise(pl.lit("name")))
        .alias("field"),
        pl.when(pl.col("runner_up") > 0).then(pl.col("runner_up")).alias("runner_up"),
        "block_size",
    )


# -- decision -------------------------------------------------------------------------------------------------


def resolve_suppliers(
    suppliers: pl.DataFrame,
    establishments: pl.DataFrame,
    *,
    thresholds: Thresholds | None = None,
    workers: int = 1,
    edition: str | None = None,
) -> ResolveResult:
    """Resolve ``suppliers`` (the canonical table of :func:`allyshore.capacity.suppliers.canonical_suppliers`)
    against ``establishments`` (columns of :mod:`allyshore.capacity.schema`, at least :data:`COLUMNS`)."""
    rule = thresholds or default_thresholds()
    sup = _prepare_suppliers(suppliers, establishments)
    est = _prepare_establishments(establishments, sup)

    exact = _exact_candidates(sup, est)
    exact_counts = exact.group_by("s").agg(pl.len().alias("n"), pl.col("e").first(), pl.col("field").first())
    exact_rows = exact_counts.join(sup.select("s", "state", "mun_key"), on="s").select(
        "s",
        pl.format("municipality={}:{}", pl.col("state").fill_null("*"), pl.col("mun_key")).alias("block"),
        pl.col("e"),
        pl.lit(100.0).alias("score"),
        "field",
        pl.when(pl.col("n") > 1).then(pl.lit(100.0)).alias("runner_up"),
        pl.lit("exact").alias("method"),
        pl.col("n").alias("exact_count"),
    )
    rest = sup.join(exact_counts.select("s"), on="s", how="anti")
    assign, members = _blocks(rest, est, rule)
    narrow_part = rest.filter(pl.col("scian_block").is_not_null())
    fuzzy = _fuzzy(rest.filter(pl.col("scian_block").is_null()), est, assign, members, rule, workers, narrow=False)
    if narrow_part.height:
        narrow = _fuzzy(narrow_part, est, assign, members, rule, workers, narrow=True)
        retry = narrow.filter(pl.col("score").fill_null(0) < rule.accept).select("s")
        wide = _fuzzy(narrow_part.join(retry, on="s"), est, assign, members, rule, workers, narrow=False)
        better = wide.join(narrow.select("s", pl.col("score").alias("narrow")), on="s").filter(
            pl.col("score").fill_null(-1) > pl.col("narrow").fill_null(-1)
        )
        narrow = pl.concat([narrow.join(better.select("s"), on="s", how="anti"), better.drop("narrow")])
        fuzzy = pl.concat([fuzzy, narrow])
    fuzzy = fuzzy.with_columns(pl.lit("fuzzy").alias("method"), pl.lit(None, pl.UInt32).alias("exact_count"))
    decided = pl.concat([exact_rows.with_columns(pl.col("exact_count").cast(pl.UInt32)), fuzzy], how="diagonal_relaxed")
    decided = _break_ties(sup, est, decided, exact, members, rule)
    return _result(sup, est, decided, rule, edition)


def _break_ties(
    sup: pl.DataFrame,
    est: pl.DataFrame,
    decided: pl.DataFrame,
    exact: pl.DataFrame,
    members: dict[str, np.ndarray],
    rule: Thresholds,
) -> pl.DataFrame:
    """Ambiguous decisions (several establishments of one name, e.g. the branches of one firm) settled by the
    supplier's address when one candidate's address is clearly the closest: address score (``token_sort_ratio``
    of the plain addresses) >= :data:`ADDRESS_MIN` and :data:`ADDRESS_MARGIN` above the next candidate's.
    Only the ambiguous suppliers with an address are visited (one small comparison each)."""
    from rapidfuzz import fuzz, process

    score = pl.col("score").fill_null(-1.0)
    runner = pl.col("runner_up").fill_null(-1.0)
    ambiguous = decided.filter((runner >= rule.accept) & (score - runner < rule.ambiguity_margin)).join(
        sup.filter(pl.col("address_key").is_not_null()).select("s", "sort", "address_key", "scian_block"), on="s"
    )
    decided = decided.with_columns(pl.lit(None, pl.Float64).alias("address_score"), pl.lit(False).alias("by_address"))
    if not ambiguous.height:
        return decided
    names = est.get_column("name_sort").to_numpy()
    legals = est.get_column("legal_sort").to_numpy()
    scian = est.get_column("scian").fill_null("").to_numpy().astype(str)
    exact_of = exact.join(ambiguous.select("s"), on="s").group_by("s").agg("e")
    exact_members = dict(zip(exact_of.get_column("s").to_list(), exact_of.get_column("e").to_list(), strict=True))
    # the candidates of each ambiguous supplier: its exact hits, or its block's establishments scoring within
    # the margin of the best (one cdist per block)
    candidates: dict[int, np.ndarray] = {}
    for row in ambiguous.filter(pl.col("method") == "exact").select("s").iter_rows():
        candidates[row[0]] = np.asarray(exact_members[row[0]], dtype=np.int64)
    fuzzy = (
        ambiguous.filter(pl.col("method") == "fuzzy").group_by("block").agg("s", "sort", pl.col("scian_block").first())
    )
    for block_label, s_ids, queries, subsector in fuzzy.iter_rows():
        block, _, narrowed = (block_label or "").partition("+scian=")
        idx = members.get(block, np.zeros(0, dtype=np.int64))
        if narrowed:
            idx = idx[np.char.startswith(scian[idx], subsector)]
        both = np.maximum(
            process.cdist(queries, names[idx], scorer=fuzz.ratio, dtype=np.float32),
            process.cdist(queries, legals[idx], scorer=fuzz.ratio, dtype=np.float32),
        )
        floor = np.maximum(rule.accept, both.max(axis=1) - rule.ambiguity_margin)
        for k, s_id in enumerate(s_ids):
            candidates[s_id] = idx[both[k] >= floor[k]]
    pooled = np.unique(np.concatenate([c for c in candidates.values() if c.size >= 2] or [np.zeros(0, np.int64)]))
    plain = est[pooled].select(plain_text(pl.col("address")).fill_null("")).to_series().to_numpy()
    address_of = dict(zip(pooled.tolist(), plain.tolist(), strict=True))
    settled: list[dict[str, object]] = []
    for s_id, address in ambiguous.select("s", "address_key").iter_rows():
        found = candidates.get(s_id, np.zeros(0, dtype=np.int64))
        if found.size < 2:
            continue
        near = process.cdist([address], [address_of[e] for e in found.tolist()], scorer=fuzz.token_sort_ratio)[0]
        order = np.argsort(-near)
        first, second = float(near[order[0]]), float(near[order[1]])
        if first >= ADDRESS_MIN and first - second >= ADDRESS_MARGIN:
            settled.append({"s": s_id, "e_new": int(found[order[0]]), "address_score": round(first, 1)})
    if not settled:
        return decided
    fix = pl.DataFrame(settled, schema={"s": pl.Int64, "e_new": pl.Int64, "address_score": pl.Float64})
    decided = decided.drop("address_score").join(fix, on="s", how="left")
    return decided.with_columns(
        pl.coalesce("e_new", "e").alias("e"),
        pl.col("e_new").is_not_null().alias("by_address"),
    ).drop("e_new")


def _status(rule: Thresholds) -> pl.Expr:
    score = pl.col("score").fill_null(-1.0)
    ambiguous = (pl.col("runner_up").fill_null(-1.0) >= rule.accept) & (
        score - pl.col("runner_up").fill_null(-1.0) < rule.ambiguity_margin
    )
    ambiguous = ambiguous & ~pl.col("by_address").fill_null(False)
    return (
        pl.when((score >= rule.accept) & ~ambiguous)
        .then(pl.lit("matched"))
        .when(score >= rule.review)
        .then(pl.lit("review"))
        .otherwise(pl.lit("unmatched"))
    )


def _reason(rule: Thresholds) -> pl.Expr:
    score = pl.col("score").fill_null(-1.0)
    return (
        pl.when(pl.col("by_address").fill_null(False))
        .then(
            pl.format(
                "several establishments tie on the name; the address picks this one (address score {})",
                pl.col("address_score"),
            )
        )
        .when(pl.col("exact_count") > 1)
        .then(pl.format("{} establishments of the block have this exact name", pl.col("exact_count")))
        .when(pl.col("method") == "exact")
        .then(pl.lit("exact name in the municipality"))
        .when(pl.col("status") == "matched")
        .then(pl.format("score >= accept ({})", pl.lit(rule.accept)))
        .when((pl.col("status") == "review") & (score >= rule.accept))
        .then(
            pl.format(
                "ambiguous: runner-up {} within {} of the best", pl.col("runner_up"), pl.lit(rule.ambiguity_margin)
            )
        )
        .when(pl.col("status") == "review")
        .then(pl.format("review band [{}, {})", pl.lit(rule.review), pl.lit(rule.accept)))
        .when((pl.col("block_size") == 0) & pl.col("block").str.starts_with("municipality="))
        .then(pl.lit("no establishment in the block (check that the municipality is spelled as INEGI does)"))
        .when(pl.col("block_size") == 0)
        .then(pl.lit("no establishment in the block"))
        .otherwise(pl.format("no candidate scored >= review ({}) in the block", pl.lit(rule.review)))
    )


def _result(
    sup: pl.DataFrame, est: pl.DataFrame, decided: pl.DataFrame, rule: Thresholds, edition: str | None
) -> ResolveResult:
    details = est.select(
        "e",
        pl.col("establishment_id").alias("match_id"),
        pl.col("name").alias("matched_name"),
        pl.col("legal_name").alias("matched_legal_name"),
        pl.col("municipality").alias("matched_municipality"),
    )
    frame = (
        sup.select("s", "row", "supplier_id", "name", "municipality", "expected_establishment_id")
        .join(decided, on="s", how="left")
        .join(details, on="e", how="left")
        .with_columns(
            pl.col("score").round(1),
            pl.col("runner_up").round(1),
        )
        .with_columns(status=_status(rule))
        .with_columns(reason=_reason(rule))
        .sort("s")
    )
    keep = pl.col("status") != "unmatched"
    frame = frame.with_columns(
        pl.when(keep).then(pl.col(c)).alias(c)
        for c in ("match_id", "matched_name", "matched_legal_name", "matched_municipality", "score", "field", "method")
    )
    records = tuple(
        SupplierMatch(
            row=r["row"],
            supplier_id=r["supplier_id"],
            name=r["name"],
            municipality=r["municipality"],
            status=r["status"],
            establishment_id=r["match_id"],
            matched_name=r["matched_name"],
            matched_legal_name=r["matched_legal_name"],
            matched_municipality=r["matched_municipality"],
            score=r["score"],
            method=r["method"],
            field=r["field"],
            block=r["block"],
            runner_up_score=r["runner_up"],
            address_score=r["address_score"],
            reason=r["reason"],
        )
        for r in frame.iter_rows(named=True)
    )
    labelled = sup.get_column("expected_establishment_id")
    evaluation = evaluate(frame) if labelled.is_not_null().any() else None
    return ResolveResult(
        thresholds=rule,
        suppliers=records,
        edition=edition,
        establishments_searched=est.height,
        evaluation=evaluation,
    )


def evaluate(frame: pl.DataFrame) -> Evaluation:
    """Precision and recall of decisions (columns status, match_id, expected_establishment_id; a blank
    expected id is a supplier known to be absent from DENUE)."""
    expected = pl.col("expected_establishment_id")
    correct = pl.col("match_id") == expected
    counts = frame.select(
        labelled=pl.len(),
        positives=expected.is_not_null().sum(),
        negatives=expected.is_null().sum(),
        matched_correct=((pl.col("status") == "matched") & correct.fill_null(False)).sum(),
        matched_wrong=((pl.col("status") == "matched") & ~correct.fill_null(False)).sum(),
        review_correct=((pl.col("status") == "review") & correct.fill_null(False)).sum(),
        review_wrong=((pl.col("status") == "review") & ~correct.fill_null(False)).sum(),
        negatives_matched=((pl.col("status") == "matched") & expected.is_null()).sum(),
    ).row(0, named=True)
    matched = counts["matched_correct"] + counts["matched_wrong"]
    positives = counts["positives"]

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return Evaluation(
        labelled=counts["labelled"],
        positives=positives,
        negatives=counts["negatives"],
        matched_correct=counts["matched_correct"],
        matched_wrong=counts["matched_wrong"],
        review_correct=counts["review_correct"],
        review_wrong=counts["review_wrong"],
        precision=ratio(counts["matched_correct"], matched),
        recall=ratio(counts["matched_correct"], positives),
        recall_with_review=ratio(counts["matched_correct"] + counts["review_correct"], positives),
        false_match_rate_on_negatives=ratio(counts["negatives_matched"], counts["negatives"]),
    )


__all__: Sequence[str] = (
    "DEFAULT_ACCEPT",
    "DEFAULT_REVIEW",
    "default_thresholds",
    "evaluate",
    "resolve",
    "resolve_suppliers",
)
