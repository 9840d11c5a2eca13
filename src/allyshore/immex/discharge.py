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

from datetime import date
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from allyshore.errors import InputError
from allyshore.immex.fifo import allocate
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
    """``round(num * mul / den)`` half to even, exactly: in int64 when the product fits, else in Python integers."""
    if not num.size:
        return np.empty(0, np.int64)
    big = max(abs(int(num.max())), abs(int(num.min()))) * max(abs(int(mul.max())), abs(int(mul.min())))
    if big < 2**62 and int(den.max()) < 2**61:
        prod = num * mul
        q, r = np.divmod(prod, den)
        up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
        out: npt.NDArray[np.int64] = (q + up).astype(np.int64)
        return out
    out = np.empty(num.size, np.int64)
    for i, (a, b, c) in enumerate(zip(num.tolist(), mul.tolist(), den.tolist(), strict=True)):
        out[i] = round(Fraction(a * b, c))
    return out


def _flat_bom(ledger: Ledger, products: set[str]) -> pl.DataFrame:
    """Per product and start day of a stretch of days with one BOM: material -> exact coefficient (num, den),
    in tariff units per unit of product."""
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

    rows: dict[str, list[object]] = {k: [] for k in ("product_id", "start", "material_id", "num", "den")}
    for product in sorted(products):
        for day in sorted(breakpoints(product)):
            for material, c in sorted(flat(product, day).items()):
                for k, v in zip(rows, (product, day, material, c.numerator, c.denominator), strict=True):
                    rows[k].append(v)
            if not flat(product, day):
                for k, v in zip(rows, (product, day, None, None, None), strict=True):
                    rows[k].append(v)
    ints = pl.Object if any(isinstance(v, int) and abs(v) >= 2**62 for v in rows["num"] + rows["den"]) else pl.Int64
    return pl.DataFrame(
        rows,
        schema={"product_id": pl.String, "start": pl.Date, "material_id": pl.String, "num": ints, "den": ints},
    )


def requirements(ledger: Ledger) -> pl.DataFrame:
    """One row per (exit, material): exit_id, kind, date, cited, material_id, quantity (micro tariff units),
    in processing order (date, exit_id, material_id)."""
    exits = ledger.exits.sort("date", "exit_id")
    direct = (
        exits.filter(pl.col("material_id").is_not_null())
        .join(ledger.materials.select("material_id", "tariff_unit_factor"), on="material_id")
        .select(
            "exit_id",
            "kind",
            "date",
            pl.col("pedimento").alias("cited"),
            "material_id",
            pl.col("quantity").alias("q"),
            pl.col("tariff_unit_factor").alias("num"),
            pl.lit(SCALE, pl.Int64).alias("den"),
        )
    )
    made = exits.filter(pl.col("product_id").is_not_null()).drop("material_id")
    parts = [direct]
    if made.height:
        flat = _flat_bom(ledger, set(made.get_column("product_id").unique().to_list()))
        stretches = flat.select("product_id", "start").unique().sort("start")
        keyed = made.sort("date").join_asof(
            stretches, left_on="date", right_on="start", by="product_id", strategy="backward", check_sortedness=False
        )
        exploded = keyed.join(flat, on=["product_id", "start"], how="left")
        missing = exploded.filter(pl.col("material_id").is_null())
        if missing.height:
            row = missing.sort("date", "exit_id").row(0, named=True)
            raise InputError(
                f"exit '{row['exit_id']}': no BOM line of product '{row['product_id']}' is in force on {row['date']} "
                "(check the bom's effective_from and effective_to)"
            )
        parts.append(
            exploded.select(
                "exit_id",
                "kind",
                "date",
                pl.col("pedimento").alias("cited"),
                "material_id",
                pl.col("quantity").alias("q"),
                "num",
                "den",
            )
        )
    frame = (
        pl.concat([p.with_columns(pl.col("num").cast(pl.Int64), pl.col("den").cast(pl.Int64)) for p in parts])
        if all(p.schema["num"] == pl.Int64 for p in parts)
        else _object_concat(parts)
    )
    q = frame.get_column("q").to_numpy().astype(np.int64)
    need = _round_div(q, _ints(frame.get_column("num")), _ints(frame.get_column("den")))
    return (
        frame.with_columns(pl.Series("quantity", need, pl.Int64))
        .drop("q", "num", "den")
        .filter(pl.col("quantity") > 0)
        .sort("date", "exit_id", "material_id")
    )


def _ints(series: pl.Series) -> npt.NDArray[np.int64]:
    if series.dtype == pl.Object:
        objects: npt.NDArray[np.int64] = np.asarray(series.to_list(), dtype=object)
        return objects
    return series.to_numpy().astype(np.int64)


def _object_concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat([p.with_columns(pl.col("num").cast(pl.Object), pl.col("den").cast(pl.Object)) for p in parts])


def _codes(values: pl.Series, categories: pl.Series) -> npt.NDArray[np.int64]:
    """Integer codes of ``values`` in ``categories`` (-1 for null or absent)."""
    index = {v: i for i, v in enumerate(categories.to_list())}
    return (
        np.asarray([index.get(v, -1) for v in values.to_list()], dtype=np.int64)
        if values.len() < 1000
        else (values.replace_strict(index, default=-1, return_dtype=pl.Int64).to_numpy().astype(np.int64))
    )


def _days(series: pl.Series) -> npt.NDArray[np.int64]:
    return series.cast(pl.Int32).to_numpy().astype(np.int64)


def _shortfall(mode: Mode, row: dict[str, object], missing: int) -> ShortfallError:
    what = f"tariff item {row['group']}" if mode == "value" else f"material '{row['group']}'"
    unit = "USD of value" if mode == "value" else "tariff units"
    return ShortfallError(
        f"shortfall: exit '{row['exit_id']}' of {row['date']} needs {to_decimal(missing)} {unit} more of {what} "
        "than the lots open on that day hold (imported, clock started on or before the exit, not yet discharged); "
        "nothing was discharged. Check the exit's quantity and BOM, or add the missing pedimento"
    )


def discharge(ledger: Ledger, *, mode: Mode = "quantity") -> Discharges:
    """Every exit discharged FIFO from the lots (see the module docstring); raises :class:`ShortfallError`."""
    if mode not in ("quantity", "value"):
        raise InputError(f"discharge mode '{mode}' is not quantity or value")
    lot = lots(ledger).with_row_index("lot")
    need = requirements(ledger)
    if mode == "quantity":
        lot = lot.with_columns(pl.col("material_id").alias("group"), pl.col("quantity").alias("amount"))
        need = need.with_columns(pl.col("material_id").alias("group"), pl.col("quantity").alias("amount"))
    else:
        lot = lot.with_columns(pl.col("tariff_item").alias("group"), pl.col("value_usd").alias("amount"))
        need = _valued(need, lot)
    lot = lot.sort("group", "clock_start", "pedimento", "sequence")
    need = need.sort("group", "date", "exit_id", "material_id")
    groups = pl.concat([lot.get_column("group"), need.get_column("group")]).unique().sort()
    peds = pl.concat([lot.get_column("pedimento"), need.get_column("cited")]).drop_nulls().unique().sort()
    result = allocate(
        _codes(lot.get_column("group"), groups),
        _days(lot.get_column("clock_start")),
        lot.get_column("amount").to_numpy().astype(np.int64),
        _codes(lot.get_column("pedimento"), peds),
        _codes(need.get_column("group"), groups),
        _days(need.get_column("date")),
        need.get_column("amount").to_numpy().astype(np.int64),
        _codes(need.get_column("cited"), peds),
    )
    if result.shortage is not None:
        raise _shortfall(mode, need.row(result.shortage.demand, named=True), result.shortage.missing)
    pieces = pl.DataFrame({"d": result.demand, "l": result.lot, "amount": result.amount}).with_row_index("order")
    pieces = pieces.join(
        need.select("exit_id", "kind", "date").with_row_index("d").with_columns(pl.col("d").cast(pl.Int64)), on="d"
    ).join(
        lot.select("pedimento", "sequence", "material_id", "quantity", "value_usd")
        .with_row_index("l")
        .with_columns(pl.col("l").cast(pl.Int64)),
        on="l",
    )
    pieces = pieces.sort("l", "order")
    amount = pieces.get_column("amount").to_numpy().astype(np.int64)
    consumed = pieces.select(pl.col("amount").cum_sum().over("l")).to_series().to_numpy().astype(np.int64)
    qty = pieces.get_column("quantity").to_numpy().astype(np.int64)
    val = pieces.get_column("value_usd").to_numpy().astype(np.int64)
    if mode == "quantity":
        after = _round_div(consumed, val, qty)
        before = _round_div(consumed - amount, val, qty)
        quantity, value = amount, after - before
    else:
        after = _round_div(consumed, qty, np.maximum(val, 1))
        before = _round_div(consumed - amount, qty, np.maximum(val, 1))
        quantity, value = after - before, amount
    frame = (
        pieces.with_columns(pl.Series("q", quantity, pl.Int64), pl.Series("v", value, pl.Int64))
        .sort("date", "exit_id", "material_id", "order")
        .select(
            "exit_id",
            "kind",
            "date",
            "pedimento",
            "sequence",
            "material_id",
            pl.col("q").alias("quantity"),
            pl.col("v").alias("value_usd"),
        )
    )
    return Discharges(frame=frame, mode=mode)


def _valued(need: pl.DataFrame, lot: pl.DataFrame) -> pl.DataFrame:
    """Value mode: each requirement valued at the unit value of the latest lot of its material open on its date,
    grouped by that material's tariff item."""
    latest = lot.sort("clock_start", "pedimento", "sequence").select(
        "material_id", "clock_start", "tariff_item", pl.col("quantity").alias("lq"), pl.col("value_usd").alias("lv")
    )
    priced = need.sort("date").join_asof(
        latest, left_on="date", right_on="clock_start", by="material_id", strategy="backward", check_sortedness=False
    )
    unpriced = priced.filter(pl.col("lq").is_null())
    if unpriced.height:
        row = unpriced.sort("date", "exit_id").row(0, named=True)
        raise ShortfallError(
            f"exit '{row['exit_id']}' of {row['date']}: material '{row['material_id']}' has no lot open on that day, "
            "so its unit value is unknown and value mode cannot discharge it; add the pedimento that imported it"
        )
    value = _round_div(
        priced.get_column("quantity").to_numpy().astype(np.int64),
        priced.get_column("lv").to_numpy().astype(np.int64),
        priced.get_column("lq").to_numpy().astype(np.int64),
    )
    return priced.with_columns(pl.col("tariff_item").alias("group"), pl.Series("amount", value, pl.Int64)).drop(
        "lq", "lv", "clock_start", "tariff_item"
    )


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
