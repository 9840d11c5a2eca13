"""Discharge: each exit exploded through the BOM in force on its date, in tariff units, taken FIFO from the lots.

Method (docs/immex.md, "Discharge"):

1. **Explosion.** An exit of a product needs, of each material, ``quantity x c`` where ``c`` sums over the BOM
   paths from the product to the material (a BOM line may name another product: a multi-level BOM) the product
   of ``line quantity x (1 + waste_pct/100 + scrap_pct/100)``, each line taken in the version in force on the
   exit's date (``effective_from <= date <= effective_to``, blanks open), times the material's
   ``tariff_unit_factor``. An exit of a material needs ``quantity x tariff_unit_factor``. ``c`` is an exact
   fraction; the requirement is rounded once, half to even, to the ledger's six decimals.
2. **FIFO.** Requirements are taken, exit by exit in (date, exit_id) order, from the lots of that material
   (:func:`allyshore.immex.ledger.lots`) in (clock_start, pedimento, sequence) order, skipping lots whose
   clock starts after the exit's date and lots already exhausted; the lots of a pedimento the exit cites
   come first (:mod:`allyshore.immex.fifo`).
3. **Values.** A piece of ``q`` taken from a lot of quantity ``Q`` and value ``V`` carries the value
   ``round(V x C / Q) - round(V x C' / Q)`` where ``C'``, ``C`` are the lot's consumed quantity before and after it
   (half to even): an exhausted lot has discharged exactly ``V``.
4. **Value mode** (Anexo 24 Part B; rule 7.1.4 companies; Anexo 30's control): each requirement is valued at the
   unit value (``V / Q``) of the latest lot of its material whose clock started on or before the exit's date, and
   that value is taken FIFO from the lots of the *tariff item* (the line's, else the material's); a piece's
   quantity is its value's share of the lot's quantity, rounded as in 3.

A shortfall raises :class:`ShortfallError` naming the material (or tariff item), the exit and the quantity
missing; nothing is returned, nothing written. The result is a pure function of the ledger: a back-dated event
or a rectification is handled by discharging the whole ledger again, so it always equals a full recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from allyshore.errors import InputError
from allyshore.immex.fifo import DAY_SHIFT, DAY_SPAN, allocate
from allyshore.immex.ledger import Ledger, lots, to_decimal
from allyshore.immex.results import Balances, Discharges
from allyshore.immex.schema import SCALE

__all__ = ["ShortfallError", "balance_report", "balances", "discharge", "requirements"]

Mode = Literal["quantity", "value"]
_EMPTY_DATE = date(1, 1, 1)


class ShortfallError(InputError):
    """An exit needs more of a material (or tariff item) than the open lots hold on its date."""


def _round_div(
    num: npt.NDArray[np.int64], mul: npt.NDArray[np.int64], den: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``round(num * mul / den)`` half to even, exactly, for ``den > 0``.

    In int64 when the product fits; else from a float64 estimate of the quotient corrected by the exact
    remainder, computed modulo 2**64 (it is small, so the wrapped value is the true one); else, for products
    beyond 2**110, in Python integers."""
    if not num.size:
        return np.empty(0, np.int64)
    if object in (num.dtype, mul.dtype, den.dtype):
        return _round_div_exact(num, mul, den)
    top = max(abs(int(num.max())), abs(int(num.min()))) * max(abs(int(mul.max())), abs(int(mul.min())))
    if top < 2**62:
        q, r = np.divmod(num * mul, den)
    elif top < 2**110 and int(den.max()) < 2**61:
        estimate = np.floor(num.astype(np.float64) * mul.astype(np.float64) / den.astype(np.float64))
        if float(np.abs(estimate).max()) >= 2**61:
            return _round_div_exact(num, mul, den)
        q = estimate.astype(np.int64)
        with np.errstate(over="ignore"):
            wrapped = num.astype(np.uint64) * mul.astype(np.uint64) - q.astype(np.uint64) * den.astype(np.uint64)
        r = wrapped.astype(np.int64)
        step = np.floor_divide(r, den)
        q, r = q + step, r - step * den
    else:
        return _round_div_exact(num, mul, den)
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    out: npt.NDArray[np.int64] = (q + up).astype(np.int64)
    return out


def _round_div_exact(
    num: npt.NDArray[np.int64], mul: npt.NDArray[np.int64], den: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The same in Python integers (object arrays)."""
    pairs = [divmod(a * b, c) for a, b, c in zip(num.tolist(), mul.tolist(), den.tolist(), strict=True)]
    rounded = [
        q + (1 if 2 * r > c or (2 * r == c and q % 2) else 0) for (q, r), c in zip(pairs, den.tolist(), strict=True)
    ]
    return np.asarray(rounded, dtype=np.int64)


def _flat_bom(ledger: Ledger, products: set[str]) -> list[tuple[str, date, list[tuple[str, int, int]]]]:
    """Per product and first day of a stretch of days with one BOM (sorted): each material and its exact
    coefficient (numerator, denominator) in tariff units per unit of product."""
    bom = ledger.bom
    is_product = set(ledger.products.get_column("product_id").to_list())
    factor = dict(ledger.materials.select("material_id", "tariff_unit_factor").iter_rows())
    lines: dict[str, list[tuple[str, Fraction, date, date]]] = {}
    for parent, child, qty, waste, scrap, lo, hi in bom.select(
        "product_id", "material_id", "quantity", "waste_pct", "scrap_pct", "effective_from", "effective_to"
    ).iter_rows():
        coef = Fraction(qty, SCALE) * (1 + Fraction(waste + scrap, 100 * SCALE))
        lines.setdefault(parent, []).append((child, coef, lo or _EMPTY_DATE, hi or date.max))
    starts: dict[str, set[date]] = {}

    def breakpoints(product: str) -> set[date]:
        if product not in starts:
            found = {_EMPTY_DATE}
            for child, _, lo, hi in lines.get(product, ()):
                found.add(lo)
                if hi < date.max:
                    found.add(date.fromordinal(hi.toordinal() + 1))
                if child in is_product:
                    found |= breakpoints(child)
            starts[product] = found
        return starts[product]

    memo: dict[tuple[str, date], dict[str, Fraction]] = {}

    def flat(product: str, day: date) -> dict[str, Fraction]:
        key = (product, day)
        if key not in memo:
            out: dict[str, Fraction] = {}
            for child, coef, lo, hi in lines.get(product, ()):
                if not lo <= day <= hi:
                    continue
                parts = flat(child, day) if child in is_product else {child: Fraction(factor[child], SCALE)}
                for material, c in parts.items():
                    out[material] = out.get(material, Fraction(0)) + coef * c
            memo[key] = out
        return memo[key]

    out: list[tuple[str, date, list[tuple[str, int, int]]]] = []
    for product in sorted(products):
        for day in sorted(breakpoints(product)):
            parts = [(m, c.numerator, c.denominator) for m, c in sorted(flat(product, day).items())]
            out.append((product, day, parts))
    return out


Ints = npt.NDArray[np.int64]


def _whole(values: list[int]) -> Ints:
    """Whole numbers as int64, or as Python integers (object array) when one does not fit 62 bits."""
    if any(abs(v) >= 2**62 for v in values):
        return np.asarray(values, dtype=object)
    return np.asarray(values, dtype=np.int64)


@dataclass(frozen=True)
class _Needs:
    """The requirements as arrays, in processing order: the exit (row of ``exits``), material code, date (day
    number), cited pedimento (code, -1 for none), quantity (micro tariff units)."""

    exits: pl.DataFrame  # the exits in processing order (date, exit_id)
    materials: pl.Series  # material ids by code
    exit_row: Ints
    material: Ints
    day: Ints
    cited: Ints
    quantity: Ints


def _needs(ledger: Ledger, pedimentos: pl.Series) -> _Needs:
    """Every exit exploded through the BOM in force on its date (module docstring, step 1), as arrays."""
    exits = ledger.exits.sort("date", "exit_id")
    materials = ledger.materials.get_column("material_id").sort()
    code_of = pl.Enum(materials)
    factor = ledger.materials.sort("material_id").get_column("tariff_unit_factor").to_numpy().astype(np.int64)
    day = _days(exits.get_column("date"))
    cited = _codes_in(exits.get_column("pedimento"), pedimentos)
    qty = exits.get_column("quantity").to_numpy().astype(np.int64)
    rows_parts: list[Ints] = []
    mat_parts: list[Ints] = []
    num_parts: list[Ints] = []
    den_parts: list[Ints] = []
    direct = np.flatnonzero(exits.get_column("material_id").is_not_null().to_numpy())
    if direct.size:
        codes = (
            exits.get_column("material_id")
            .cast(code_of)
            .to_physical()
            .cast(pl.Int64)
            .fill_null(-1)
            .to_numpy()
            .astype(np.int64)[direct]
        )
        rows_parts.append(direct)
        mat_parts.append(codes)
        num_parts.append(factor[codes])
        den_parts.append(np.full(direct.size, SCALE, np.int64))
    made = np.flatnonzero(exits.get_column("product_id").is_not_null().to_numpy())
    if made.size:
        products = set(exits.get_column("product_id").drop_nulls().unique().to_list())
        table = _flat_bom(ledger, products)
        stretches = pl.DataFrame(
            {"product_id": [r[0] for r in table], "start": [r[1] for r in table]},
            schema={"product_id": pl.String, "start": pl.Date},
        ).with_row_index("sid")
        keyed = (
            exits.select("product_id", "date")
            .with_row_index("row")
            .filter(pl.col("product_id").is_not_null())
            .join_asof(
                stretches.with_columns(pl.col("sid").cast(pl.Int64)),
                left_on="date",
                right_on="start",
                by="product_id",
                strategy="backward",
                check_sortedness=False,
            )
        )
        sid = keyed.get_column("sid").to_numpy().astype(np.int64)
        counts = np.asarray([len(r[2]) for r in table], dtype=np.int64)
        empty = np.flatnonzero(counts[sid] == 0)
        if empty.size:
            row = exits.row(int(made[empty[0]]), named=True)
            raise InputError(
                f"exit '{row['exit_id']}': no BOM line of product '{row['product_id']}' is in force on {row['date']} "
                "(check the bom's effective_from and effective_to)"
            )
        flat_mat = (
            (pl.Series([m for r in table for m, _, _ in r[2]], dtype=pl.String).cast(code_of).to_physical())
            .to_numpy()
            .astype(np.int64)
        )
        flat_num = _whole([c for r in table for _, c, _ in r[2]])
        flat_den = _whole([d for r in table for _, _, d in r[2]])
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        per_exit = counts[sid]
        owner = np.repeat(np.arange(sid.size), per_exit)
        within = np.arange(owner.size) - np.repeat(np.cumsum(per_exit) - per_exit, per_exit)
        flat_row = first[sid][owner] + within
        rows_parts.append(made[owner])
        mat_parts.append(flat_mat[flat_row])
        num_parts.append(flat_num[flat_row])
        den_parts.append(flat_den[flat_row])
    if not rows_parts:
        none = np.empty(0, np.int64)
        return _Needs(exits, materials, none, none, none, none, none)
    exit_row = np.concatenate(rows_parts)
    material = np.concatenate(mat_parts)
    num = (
        np.concatenate(num_parts)
        if all(p.dtype != object for p in num_parts)
        else np.concatenate([p.astype(object) for p in num_parts])
    )
    den = (
        np.concatenate(den_parts)
        if all(p.dtype != object for p in den_parts)
        else np.concatenate([p.astype(object) for p in den_parts])
    )
    if len(rows_parts) > 1:  # exits of products and of materials: back into processing order
        order = np.lexsort((material, exit_row))
        exit_row, material, num, den = exit_row[order], material[order], num[order], den[order]
    quantity = _round_div(qty[exit_row], num, den)
    keep = quantity > 0
    return _Needs(
        exits, materials, exit_row[keep], material[keep], day[exit_row][keep], cited[exit_row][keep], quantity[keep]
    )


def requirements(ledger: Ledger) -> pl.DataFrame:
    """One row per (exit, material): exit_id, kind, date, cited, material_id, quantity (micro tariff units),
    in processing order (date, exit_id, material_id)."""
    peds = ledger.pedimentos.get_column("pedimento").sort()
    needs = _needs(ledger, peds)
    head = needs.exits.select("exit_id", "kind", "date", pl.col("pedimento").alias("cited"))[needs.exit_row]
    return head.with_columns(
        pl.Series("material_id", needs.materials.to_numpy()[needs.material] if needs.material.size else [], pl.String),
        pl.Series("quantity", needs.quantity, pl.Int64),
    )


def _codes_in(values: pl.Series, categories: pl.Series) -> Ints:
    """Codes of ``values`` among the sorted, distinct ``categories`` (-1 for null)."""
    if not values.len():
        return np.empty(0, np.int64)
    out: Ints = values.cast(pl.Enum(categories)).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    return out.astype(np.int64)


def _days(series: pl.Series) -> Ints:
    return series.cast(pl.Int32).to_numpy().astype(np.int64)


def _shortfall(mode: Mode, exit_row: dict[str, object], what: str, missing: int) -> ShortfallError:
    unit = "USD of value" if mode == "value" else "tariff units"
    return ShortfallError(
        f"shortfall: exit '{exit_row['exit_id']}' of {exit_row['date']} needs {to_decimal(missing)} {unit} more of "
        f"{what} than the lots open on that day hold (imported, clock started on or before the exit, not yet "
        "discharged); nothing was discharged. Check the exit's quantity and BOM, or add the missing pedimento"
    )


def discharge(ledger: Ledger, *, mode: Mode = "quantity") -> Discharges:
    """Every exit discharged FIFO from the lots (see the module docstring); raises :class:`ShortfallError`."""
    if mode not in ("quantity", "value"):
        raise InputError(f"discharge mode '{mode}' is not quantity or value")
    lot = lots(ledger)  # in FIFO order
    peds = ledger.pedimentos.get_column("pedimento").sort()
    needs = _needs(ledger, peds)
    lot_material = _codes_in(lot.get_column("material_id"), needs.materials)
    lot_day = _days(lot.get_column("clock_start"))
    lot_qty = lot.get_column("quantity").to_numpy().astype(np.int64)
    lot_val = lot.get_column("value_usd").to_numpy().astype(np.int64)
    items = lot.get_column("tariff_item").unique().sort()
    if mode == "quantity":
        lot_code, lot_amount = lot_material, lot_qty
        need_code, need_amount = needs.material, needs.quantity
    else:
        lot_code, lot_amount = _codes_in(lot.get_column("tariff_item"), items), lot_val
        need_code, need_amount = _valued(needs, lot_material, lot_day, lot_qty, lot_val, lot_code)
    small = np.int16 if int(max(lot_code.max(initial=0), need_code.max(initial=0))) < 2**15 else np.int64
    lot_order = np.argsort(lot_code.astype(small), kind="stable")
    need_order = np.argsort(need_code.astype(small), kind="stable")
    result = allocate(
        lot_code[lot_order],
        lot_day[lot_order],
        lot_amount[lot_order],
        _codes_in(lot.get_column("pedimento"), peds)[lot_order],
        need_code[need_order],
        needs.day[need_order],
        need_amount[need_order],
        needs.cited[need_order],
    )
    if result.shortage is not None:
        k = int(need_order[result.shortage.demand])
        what = (
            f"tariff item {items[int(need_code[k])]}"
            if mode == "value"
            else f"material '{needs.materials[int(need_code[k])]}'"
        )
        raise _shortfall(mode, needs.exits.row(int(needs.exit_row[k]), named=True), what, result.shortage.missing)
    need_row = need_order[result.demand]
    lot_row = lot_order[result.lot]
    amount = result.amount
    # Each piece's value (quantity mode) or quantity (value mode): the lot's cumulative share, rounded once per
    # piece; a piece's "before" is the previous piece's "after" in the same lot.
    # The pieces of a lot in the order they were taken (a stable sort of nearly sorted runs).
    by_lot = np.argsort(result.lot, kind="stable")
    sorted_lot, sorted_amount = lot_row[by_lot], amount[by_lot]
    running = np.cumsum(sorted_amount)
    first = np.r_[True, sorted_lot[1:] != sorted_lot[:-1]] if sorted_lot.size else np.empty(0, bool)
    consumed = running - np.maximum.accumulate(np.where(first, running - sorted_amount, 0))
    if mode == "quantity":
        after = _round_div(consumed, lot_val[sorted_lot], lot_qty[sorted_lot])
    else:
        after = _round_div(consumed, lot_qty[sorted_lot], np.maximum(lot_val[sorted_lot], 1))
    before = np.where(first, 0, np.r_[0, after[:-1]]) if after.size else after
    other = np.empty_like(amount)
    other[by_lot] = after - before
    quantity, value = (amount, other) if mode == "quantity" else (other, amount)
    order = _grouped_order(need_row)  # processing order, then the order taken
    exit_rows = needs.exit_row[need_row[order]]
    frame = pl.concat(
        [
            needs.exits.select("exit_id", "kind", "date")[exit_rows],
            lot.select("pedimento", "sequence", "material_id")[lot_row[order]],
            pl.DataFrame(
                {"quantity": quantity[order], "value_usd": value[order]},
                schema={"quantity": pl.Int64, "value_usd": pl.Int64},
            ),
        ],
        how="horizontal",
    )
    return Discharges(frame=frame, mode=mode)


def _grouped_order(keys: Ints) -> Ints:
    """The stable sorting permutation of ``keys`` whose equal values stand in contiguous runs (the pieces of one
    requirement are emitted together): a counting sort, linear in the number of pieces."""
    if not keys.size:
        return np.empty(0, np.int64)
    run_start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    run_length = np.diff(np.r_[run_start, keys.size])
    counts = np.bincount(keys, minlength=int(keys.max()) + 1)
    if run_start.size != np.count_nonzero(counts):  # a key in two runs: no shortcut
        stable: Ints = np.argsort(keys, kind="stable")
        return stable
    first_slot = np.cumsum(counts) - counts
    slot = np.repeat(first_slot[keys[run_start]] - run_start, run_length) + np.arange(keys.size)
    order = np.empty(keys.size, np.int64)
    order[slot] = np.arange(keys.size)
    return order


def _valued(
    needs: _Needs, lot_material: Ints, lot_day: Ints, lot_qty: Ints, lot_val: Ints, lot_item: Ints
) -> tuple[Ints, Ints]:
    """Value mode: each requirement valued at the unit value of the latest lot of its material open on its date
    (lots in FIFO order: the last of the material with clock start <= date), grouped by that lot's tariff item."""
    order = np.lexsort((np.arange(lot_material.size), lot_material))  # by material, FIFO order kept
    key = lot_material[order] * DAY_SPAN + lot_day[order] + DAY_SHIFT
    at = np.searchsorted(key, needs.material * DAY_SPAN + needs.day + DAY_SHIFT, side="right") - 1
    found = (at >= 0) & (lot_material[order][np.maximum(at, 0)] == needs.material) if at.size else at >= 0
    if not found.all():
        k = int(np.flatnonzero(~found)[0])
        row = needs.exits.row(int(needs.exit_row[k]), named=True)
        raise ShortfallError(
            f"exit '{row['exit_id']}' of {row['date']}: material '{needs.materials[int(needs.material[k])]}' has no "
            "lot open on that day, so its unit value is unknown and value mode cannot discharge it; add the "
            "pedimento that imported it"
        )
    pricing = order[at]
    return lot_item[pricing], _round_div(needs.quantity, lot_val[pricing], lot_qty[pricing])


def balances(ledger: Ledger, discharges: Discharges, as_of: date) -> pl.DataFrame:
    """One row per lot imported on or before ``as_of``: what was imported, discharged by exits on or before it,
    the balance in quantity and value, the clock start, the deadline (:func:`allyshore.immex.terms.deadline`)
    and the days left to it (negative when past). Quantities and values in micro-units."""
    from allyshore.immex.terms import deadline

    lot = lots(ledger).filter(pl.col("date") <= as_of)
    done = (
        discharges.frame.filter(pl.col("date") <= as_of)
        .group_by("pedimento", "sequence")
        .agg(pl.col("quantity").sum().alias("discharged"), pl.col("value_usd").sum().alias("dv"))
    )
    classes = ledger.materials.select("material_id", "class")
    out = (
        lot.join(done, on=["pedimento", "sequence"], how="left")
        .join(classes, on="material_id", how="left")
        .with_columns(pl.col("discharged").fill_null(0), pl.col("dv").fill_null(0))
        .with_columns(
            pl.col("quantity").alias("imported"),
            (pl.col("quantity") - pl.col("discharged")).alias("balance"),
            (pl.col("value_usd") - pl.col("dv")).alias("value_usd_balance"),
        )
    )
    valid_to = _program_valid_to(ledger)
    ends = [
        deadline(start, klass, key, program_valid_to=valid_to)
        for start, klass, key in out.select("clock_start", "class", "key").iter_rows()
    ]
    out = out.with_columns(pl.Series("deadline", ends, pl.Date)).with_columns(
        (pl.col("deadline") - pl.lit(as_of)).dt.total_days().cast(pl.Int64).alias("days_left")
    )
    return out.select(
        "pedimento",
        "sequence",
        "material_id",
        "tariff_item",
        "class",
        "key",
        "imported",
        "discharged",
        "balance",
        "value_usd_balance",
        "clock_start",
        "deadline",
        "days_left",
        "origin_country",
    ).sort("clock_start", "pedimento", "sequence")


def _program_valid_to(ledger: Ledger) -> date | None:
    """The programme's last day, when the ledger states one (it does not in format v1: unknown, None)."""
    del ledger
    return None


def balance_report(ledger: Ledger, discharges: Discharges, as_of: date) -> Balances:
    """:func:`balances` and their sums by material, as the ``immex balances`` result."""
    lot = balances(ledger, discharges, as_of)
    by_material = (
        lot.group_by("material_id").agg(pl.col("balance").sum(), pl.col("value_usd_balance").sum()).sort("material_id")
    )
    return Balances(as_of=as_of, lots=lot, by_material=by_material)
