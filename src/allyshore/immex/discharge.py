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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from allyshore.errors import InputError
from allyshore.immex.fifo import DAY_SHIFT, DAY_SPAN, allocate
from allyshore.immex.ledger import Ledger, lots, to_decimal
from allyshore.immex.results import LOT_COLUMNS, Balances, Discharges
from allyshore.immex.schema import SCALE

if TYPE_CHECKING:
    from allyshore.immex.terms import BusinessCalendar

__all__ = ["ShortfallError", "balance_report", "balances", "discharge", "requirements"]

Mode = Literal["quantity", "value"]
_EMPTY_DATE = date(1, 1, 1)


class ShortfallError(InputError):
    """An exit needs more of a material (or tariff item) than the open lots hold on its date."""


def _round_div(
    num: npt.NDArray[np.int64],
    mul: npt.NDArray[np.int64],
    den: npt.NDArray[np.int64],
    tops: tuple[int, int, int] | None = None,
) -> npt.NDArray[np.int64]:
    """``round(num * mul / den)`` half to even, exactly, for ``den > 0``.

    When the product and ``den`` are below 2**62 (the usual case: micro-units times a small coefficient), the exact
    quotient and remainder in int64. Otherwise the quotient is estimated in float64 and corrected by the exact
    remainder ``num * mul - q * den``, computed in wrapping 64-bit arithmetic: the estimate is off by far less
    than 2**10 units, so for ``den < 2**50`` the true remainder is below 2**62 and the wrapped value is the true
    one. Bounds: the product below 2**110 and the estimate below 2**61; beyond them (or for a larger ``den``)
    Python integers. ``tops``: bounds of ``|num|``, ``|mul|`` and ``den`` when the caller knows them (from the
    small tables the arrays were gathered from), else they are measured."""
    if not num.size:
        return np.empty(0, np.int64)
    if object in (num.dtype, mul.dtype, den.dtype):
        return _round_div_exact(num, mul, den)
    num_top, mul_top, den_top = tops or (_magnitude(num), _magnitude(mul), int(den.max()))
    top = num_top * mul_top
    if top < 2**62 and den_top < 2**62:
        product = num * mul
        q = product // den
        product -= q * den  # the remainder, 0 <= r < den
        return _rounded(q, product, den)
    if top < 2**110 and den_top < 2**50:
        den_f = den.astype(np.float64)
        estimate = np.floor(num.astype(np.float64) * mul.astype(np.float64) / den_f)
        if float(np.abs(estimate).max()) < 2**61:
            q = estimate.astype(np.int64)
            with np.errstate(over="ignore"):  # numpy's int64 arrays wrap around (two's complement)
                r = num * mul - q * den
            if ((r < -den) | (r >= 2 * den)).any():  # off by more than one unit: one more estimate
                step = np.floor(r.astype(np.float64) / den_f).astype(np.int64)
                q, r = q + step, r - step * den
            low = r < 0
            if low.any():
                q, r = q - low, r + low * den
            high = r >= den
            if high.any():
                q, r = q + high, r - high * den
            return _rounded(q, r, den)
    return _round_div_exact(num, mul, den)


def _magnitude(values: npt.NDArray[np.int64]) -> int:
    """The largest absolute value, as a Python integer (that of the least int64 does not fit int64)."""
    return max(abs(int(values.max(initial=0))), abs(int(values.min(initial=0))))


def _rounded(q: npt.NDArray[np.int64], r: npt.NDArray[np.int64], den: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The quotient ``q`` rounded half to even by its remainder ``0 <= r < den < 2**62``, both overwritten: up
    when ``2r > den``, or ``2r = den`` and ``q`` odd, that is when ``2r + (q & 1) > den``."""
    r <<= 1
    r += q & 1
    q += r > den
    return q


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
    """The requirements as arrays, in processing order: the exit (its place in processing order), material code,
    quantity (micro tariff units); and per exit in processing order, its row of ``exits``, its date (day number)
    and its cited pedimento (code, -1 for none)."""

    exits: pl.DataFrame  # the ledger's exits, as listed
    materials: pl.Series  # material ids by code
    exit_row: Ints
    material: Ints
    quantity: Ints
    exit_order: Ints  # the rows of ``exits`` in processing order (date, exit_id)
    exit_day: Ints
    exit_cited: Ints

    @property
    def day(self) -> Ints:
        """The date of each requirement."""
        return self.exit_day[self.exit_row]

    def exit(self, k: int) -> dict[str, Any]:
        """The exit of requirement ``k``, for messages."""
        return self.exits.row(int(self.exit_order[self.exit_row[k]]), named=True)

    def in_order(self, *columns: str | pl.Expr) -> pl.DataFrame:
        """Columns of the exits in processing order."""
        return self.exits.select(*columns)[self.exit_order]


def _needs(ledger: Ledger, pedimentos: pl.Series) -> _Needs:
    """Every exit exploded through the BOM in force on its date (module docstring, step 1), as arrays."""
    exits = ledger.exits
    order = _processing_order(exits)
    materials = ledger.materials.get_column("material_id").sort()
    factor = ledger.materials.sort("material_id").get_column("tariff_unit_factor").to_numpy().astype(np.int64)
    day = _days(exits.get_column("date"))[order]
    cited = _codes_in(exits.get_column("pedimento"), pedimentos)[order]
    qty = exits.get_column("quantity").to_numpy().astype(np.int64)[order]
    rows_parts: list[Ints] = []
    mat_parts: list[Ints] = []
    num_parts: list[Ints] = []
    den_parts: list[Ints] = []
    num_top = den_top = 0  # bounds of the coefficients (of the tables they are gathered from)
    material_of = _codes_in(exits.get_column("material_id"), materials)[order]
    direct = np.flatnonzero(material_of >= 0)
    if direct.size:
        codes = material_of[direct]
        rows_parts.append(direct)
        mat_parts.append(codes)
        num_parts.append(factor[codes])
        den_parts.append(np.full(direct.size, SCALE, np.int64))
        num_top, den_top = _magnitude(factor), SCALE
    products = exits.get_column("product_id").drop_nulls().unique().sort()
    if products.len():
        product_of = _codes_in(exits.get_column("product_id"), products)[order]
        made = np.flatnonzero(product_of >= 0)
        table = _flat_bom(ledger, set(products.to_list()))
        # The stretch of each exit: the last of its product starting on or before its date (every product's
        # first stretch starts on 0001-01-01).
        stretch_key = np.asarray(
            [products_at * DAY_SPAN + (start.toordinal() - DAY_SHIFT) for products_at, start in _coded(table)],
            dtype=np.int64,
        )
        sid = np.searchsorted(stretch_key, product_of[made] * DAY_SPAN + day[made], side="right") - 1
        counts = np.asarray([len(r[2]) for r in table], dtype=np.int64)
        empty = np.flatnonzero(counts[sid] == 0)
        if empty.size:
            row = exits.row(int(order[made[empty[0]]]), named=True)
            raise InputError(
                f"exit '{row['exit_id']}': no BOM line of product '{row['product_id']}' is in force on {row['date']} "
                "(check the bom's effective_from and effective_to)"
            )
        flat_mat = _codes_in(pl.Series([m for r in table for m, _, _ in r[2]], dtype=pl.String), materials)
        flat_num = _whole([c for r in table for _, c, _ in r[2]])
        flat_den = _whole([d for r in table for _, _, d in r[2]])
        first = np.cumsum(counts) - counts
        per_exit = counts[sid]
        owner = np.repeat(np.arange(sid.size), per_exit)
        flat_row = np.repeat(first[sid] - (np.cumsum(per_exit) - per_exit), per_exit)
        flat_row += np.arange(owner.size)
        rows_parts.append(owner if made.size == exits.height else made[owner])
        mat_parts.append(flat_mat[flat_row])
        num_parts.append(flat_num[flat_row])
        den_parts.append(flat_den[flat_row])
        if flat_num.dtype != object and flat_den.dtype != object:
            num_top, den_top = max(num_top, _magnitude(flat_num)), max(den_top, int(flat_den.max()))
    if not rows_parts:
        none = np.empty(0, np.int64)
        return _Needs(exits, materials, none, none, none, order, day, cited)
    if len(rows_parts) == 1:
        exit_row, material, num, den = rows_parts[0], mat_parts[0], num_parts[0], den_parts[0]
    else:  # exits of products and of materials: back into processing order
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
        merged = np.lexsort((material, exit_row))
        exit_row, material, num, den = exit_row[merged], material[merged], num[merged], den[merged]
    tops = None if num.dtype == object or den.dtype == object else (_magnitude(qty), num_top, den_top)
    quantity = _round_div(qty[exit_row], num, den, tops)
    if int(quantity.min(initial=1)) <= 0:
        keep = quantity > 0
        exit_row, material, quantity = exit_row[keep], material[keep], quantity[keep]
    return _Needs(exits, materials, exit_row, material, quantity, order, day, cited)


def _processing_order(exits: pl.DataFrame) -> Ints:
    """The rows of the exits in processing order (date, exit_id). Ledgers usually list their exits by id already
    (the ids are unique): then a stable sort of the day numbers alone gives that order, without comparing
    strings (as 16-bit numbers, a radix sort, when the dates span less than 2**15 days)."""
    if exits.height > 1 and exits.get_column("exit_id").is_sorted():
        day = _days(exits.get_column("date"))
        day -= day.min()
        small = np.int16 if int(day.max()) < 2**15 else np.int64
        order: Ints = np.argsort(day.astype(small), kind="stable")
        return order
    by_id: Ints = exits.select(pl.arg_sort_by("date", "exit_id")).to_series().to_numpy().astype(np.int64)
    return by_id


def _coded(table: list[tuple[str, date, list[tuple[str, int, int]]]]) -> list[tuple[int, date]]:
    """Each stretch of the flat BOM table as (product code, first day): codes number the products in order."""
    out: list[tuple[int, date]] = []
    code = -1
    previous = None
    for product, start, _ in table:
        if product != previous:
            code, previous = code + 1, product
        out.append((code, start))
    return out


def requirements(ledger: Ledger) -> pl.DataFrame:
    """One row per (exit, material): exit_id, kind, date, cited, material_id, quantity (micro tariff units),
    in processing order (date, exit_id, material_id)."""
    peds = ledger.pedimentos.get_column("pedimento").sort()
    needs = _needs(ledger, peds)
    head = needs.in_order("exit_id", "kind", "date", pl.col("pedimento").alias("cited"))[needs.exit_row]
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
    groups = int(max(lot_code.max(initial=0), need_code.max(initial=0))) + 1
    small = np.int16 if groups < 2**15 else np.int64
    lot_order = np.argsort(lot_code.astype(small), kind="stable")
    need_order = np.argsort(need_code.astype(small), kind="stable")
    need_exit = needs.exit_row[need_order]
    result = allocate(
        lot_code[lot_order],
        lot_day[lot_order],
        lot_amount[lot_order],
        _codes_in(lot.get_column("pedimento"), peds)[lot_order],
        np.repeat(np.arange(groups, dtype=np.int64), np.bincount(need_code, minlength=groups)),  # sorted codes
        needs.exit_day[need_exit],
        need_amount[need_order],
        needs.exit_cited[need_exit],
    )
    if result.shortage is not None:
        k = int(need_order[result.shortage.demand])
        what = (
            f"tariff item {items[int(need_code[k])]}"
            if mode == "value"
            else f"material '{needs.materials[int(need_code[k])]}'"
        )
        raise _shortfall(mode, needs.exit(k), what, result.shortage.missing)
    lot_row = lot_order[result.lot]
    amount = result.amount
    # Each piece's value (quantity mode) or quantity (value mode): the lot's cumulative share, rounded once per
    # piece; a piece's "before" is the previous piece's "after" in the same lot.
    # The pieces of a lot in the order they were taken (a stable sort of nearly sorted runs).
    by_lot = np.argsort(result.lot, kind="stable")
    sorted_lot, sorted_amount = lot_row[by_lot], amount[by_lot]
    consumed = np.cumsum(sorted_amount)
    first = np.r_[True, sorted_lot[1:] != sorted_lot[:-1]] if sorted_lot.size else np.empty(0, bool)
    earlier = consumed - sorted_amount  # the running total before each piece ...
    earlier[~first] = 0
    consumed -= np.maximum.accumulate(earlier, out=earlier)  # ... less that before its lot's first piece
    # V x C / Q with V / Q in lowest terms (the same rounding): the products then usually fit 62 bits.
    share, whole = _lowest_terms(lot_val, lot_qty) if mode == "quantity" else _lowest_terms(lot_qty, lot_val)
    tops = (_magnitude(lot_amount), _magnitude(share), int(whole.max(initial=1)))  # consumed <= the lot's amount
    after = _round_div(consumed, share[sorted_lot], whole[sorted_lot], tops)
    before = np.empty_like(after)  # the previous piece's "after" in the same lot, 0 for a lot's first piece
    before[1:] = after[:-1]
    before[first] = 0
    after -= before
    other = np.empty_like(amount)
    other[by_lot] = after
    # Processing order: the requirements in turn, the pieces of each in the order taken.
    slot, per_need = _slots(need_order[result.demand], needs.exit_row.size)
    lot_out = np.empty_like(lot_row)
    lot_out[slot] = lot_row
    amount_out = np.empty_like(amount)
    amount_out[slot] = amount
    other_out = np.empty_like(other)
    other_out[slot] = other
    quantity, value = (amount_out, other_out) if mode == "quantity" else (other_out, amount_out)
    frame = pl.concat(
        [
            needs.in_order("exit_id", "kind", "date")[np.repeat(needs.exit_row, per_need)],
            lot.select("pedimento", "sequence", "material_id")[lot_out],
            pl.DataFrame(
                {"quantity": quantity, "value_usd": value},
                schema={"quantity": pl.Int64, "value_usd": pl.Int64},
            ),
        ],
        how="horizontal",
    )
    return Discharges(frame=frame, mode=mode)


def _lowest_terms(top: Ints, bottom: Ints) -> tuple[Ints, Ints]:
    """``top / bottom`` per lot in lowest terms, the denominator at least 1 (a lot of no quantity or no value
    gives no pieces to value, so its placeholder 1 is never used)."""
    common = np.gcd(top, bottom)
    common[common == 0] = 1
    return top // common, np.maximum(bottom // common, 1)


def _slots(keys: Ints, n: int) -> tuple[Ints, Ints]:
    """Where each piece goes when the pieces are ordered by ``keys`` (a requirement's place in processing order,
    ``0 <= key < n``), those of one key in the order given, and how many pieces each key has. The pieces of a
    key stand in one contiguous run (the kernel serves a demand in one go): a piece's slot is the first slot of
    its key plus its place in the run; otherwise a stable sort decides."""
    per_key = np.bincount(keys, minlength=n)
    first = np.cumsum(per_key)
    first -= per_key
    slot = first[keys]
    later = np.flatnonzero(keys[1:] == keys[:-1])  # pieces after the first of their run, less one
    if keys.size - later.size != np.count_nonzero(per_key):  # a key in two runs
        slot[np.argsort(keys, kind="stable")] = np.arange(keys.size)
        return slot, per_key
    if later.size:
        later += 1
        new_run = np.r_[True, later[1:] != later[:-1] + 1]
        place = np.arange(later.size)
        slot[later] += place - np.maximum.accumulate(np.where(new_run, place, 0)) + 1
    return slot, per_key


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
        row = needs.exit(k)
        raise ShortfallError(
            f"exit '{row['exit_id']}' of {row['date']}: material '{needs.materials[int(needs.material[k])]}' has no "
            "lot open on that day, so its unit value is unknown and value mode cannot discharge it; add the "
            "pedimento that imported it"
        )
    pricing = order[at]
    return lot_item[pricing], _round_div(needs.quantity, lot_val[pricing], lot_qty[pricing])


def balances(
    ledger: Ledger, discharges: Discharges, as_of: date, calendar: BusinessCalendar | None = None
) -> pl.DataFrame:
    """One row per lot imported on or before ``as_of``: what was imported, discharged by exits on or before it,
    the balance in quantity and value, the clock start, the deadline (:func:`allyshore.immex.terms.deadlines`,
    business days of ``calendar``, default :data:`allyshore.immex.terms.MEXICO`) and the days left to it
    (negative when past). Quantities and values in micro-units. Every command that shows a deadline takes it
    from here, so that they agree."""
    from allyshore.immex.terms import MEXICO, deadlines

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
    ends = deadlines(
        out.get_column("clock_start").to_list(),
        out.get_column("class").to_list(),
        out.get_column("key").to_list(),
        program_valid_to=valid_to,
        calendar=calendar or MEXICO,
    )
    out = out.with_columns(pl.Series("deadline", ends, pl.Date)).with_columns(
        (pl.col("deadline") - pl.lit(as_of)).dt.total_days().cast(pl.Int64).alias("days_left")
    )
    # The contract's columns, with the lot's class and key after its tariff item and its origin last.
    columns = (*LOT_COLUMNS[:4], "class", "key", *LOT_COLUMNS[4:], "origin_country")
    return out.select(columns).sort("clock_start", "pedimento", "sequence")


def _program_valid_to(ledger: Ledger) -> date | None:
    """The programme's last day, when the ledger states one (it does not in format v1: unknown, None)."""
    del ledger
    return None


def balance_report(
    ledger: Ledger, discharges: Discharges, as_of: date, calendar: BusinessCalendar | None = None
) -> Balances:
    """:func:`balances` and their sums by material, as the ``immex balances`` result."""
    lot = balances(ledger, discharges, as_of, calendar)
    by_material = (
        lot.group_by("material_id").agg(pl.col("balance").sum(), pl.col("value_usd_balance").sum()).sort("material_id")
    )
    return Balances(as_of=as_of, lots=lot, by_material=by_material)
