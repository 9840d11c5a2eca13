"""The IMMEX discharge: known answers worked by hand (the arithmetic is written in each test) and properties.

The FIFO rule is Anexo 24 Part A (RGCE 4.3.1; docs/immex.md section 6): the oldest temporary-import pedimento
still holding the material is discharged first, then the next in chronological order.
"""

from __future__ import annotations

import copy
import random
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from allyshore.immex.discharge import ShortfallError, balance_report, discharge, requirements
from allyshore.immex.ledger import Ledger, ledger_from_document, to_decimal

P1, P2, P3 = "250734305000101", "250734305000187", "250734305000195"


def base(**tables: list[dict[str, Any]]) -> dict[str, Any]:
    """A ledger of one material R (tariff item 39012001) and one product P made of 2 R, plus ``tables``."""
    document: dict[str, Any] = {
        "materials": [{"material_id": "R", "tariff_item": "39012001", "class": "input"}],
        "products": [{"product_id": "P"}],
        "bom": [{"product_id": "P", "material_id": "R", "quantity": 2}],
        "pedimentos": [
            {"pedimento": P1, "key": "IN", "regime": "ITE", "date": "2025-01-10"},
            {"pedimento": P2, "key": "IN", "regime": "ITE", "date": "2025-02-10"},
        ],
        "pedimento_lines": [
            {"pedimento": P1, "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 200},
            {"pedimento": P2, "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 300},
        ],
        "exits": [],
    }
    document.update(tables)
    return document


def pieces(ledger: Ledger, mode: str = "quantity") -> list[tuple[str, str, int, str, Decimal, Decimal]]:
    frame = discharge(ledger, mode=mode).frame  # type: ignore[arg-type]
    return [
        (e, p, s, m, to_decimal(q), to_decimal(v))  # type: ignore[misc]
        for e, p, s, m, q, v in frame.select(
            "exit_id", "pedimento", "sequence", "material_id", "quantity", "value_usd"
        ).iter_rows()
    ]


def exit_(exit_id: str, day: str, quantity: object, **more: object) -> dict[str, object]:
    return {"exit_id": exit_id, "kind": "return", "date": day, "quantity": quantity, **more}


def test_fifo_across_two_lots() -> None:
    # 150 R on 2025-03-01: the oldest lot P1 gives all its 100 (value 200), P2 gives 50 of its 100,
    # valued 300 x 50 / 100 = 150.
    ledger = ledger_from_document(base(exits=[exit_("X1", "2025-03-01", 150, material_id="R")]))
    assert pieces(ledger) == [
        ("X1", P1, 1, "R", Decimal(100), Decimal(200)),
        ("X1", P2, 1, "R", Decimal(50), Decimal(150)),
    ]


def test_a_product_with_waste_and_scrap() -> None:
    # 10 P x 2 R x (1 + 5/100 + 2.5/100) = 20 x 1.075 = 21.5 R, all from P1, valued 200 x 21.5 / 100 = 43.
    document = base(exits=[exit_("X1", "2025-03-01", 10, product_id="P")])
    document["bom"] = [{"product_id": "P", "material_id": "R", "quantity": 2, "waste_pct": 5, "scrap_pct": 2.5}]
    assert pieces(ledger_from_document(document)) == [("X1", P1, 1, "R", Decimal("21.5"), Decimal(43))]


def test_a_cited_pedimento_is_discharged_first() -> None:
    # X1 cites P2: its 30 R come from P2 (the newer lot) although P1 is older; X2 (no citation) then takes P1.
    document = base(
        exits=[
            exit_("X1", "2025-03-01", 30, material_id="R", pedimento=P2),
            exit_("X2", "2025-03-02", 10, material_id="R"),
        ]
    )
    assert pieces(ledger_from_document(document)) == [
        ("X1", P2, 1, "R", Decimal(30), Decimal(90)),  # 300 x 30 / 100
        ("X2", P1, 1, "R", Decimal(10), Decimal(20)),  # 200 x 10 / 100
    ]


def test_a_cited_pedimento_short_of_the_need_is_topped_up_by_fifo() -> None:
    # X1 cites P2 for 130: P2 gives its 100, then FIFO from P1 gives 30.
    document = base(exits=[exit_("X1", "2025-03-01", 130, material_id="R", pedimento=P2)])
    assert pieces(ledger_from_document(document)) == [
        ("X1", P2, 1, "R", Decimal(100), Decimal(300)),
        ("X1", P1, 1, "R", Decimal(30), Decimal(60)),
    ]


def test_a_lot_whose_clock_starts_after_the_exit_is_skipped() -> None:
    # P1 is dated 2025-01-10 but its clock starts on 2025-04-01 (after the exit of 2025-03-01), so the exit's
    # 50 R come from P2 (clock start 2025-02-10); a later exit (2025-05-01) may use P1, which now comes after P2
    # in FIFO order (clock start 2025-04-01 > 2025-02-10): P2's 50 left, then 20 from P1.
    document = base(
        exits=[
            exit_("X1", "2025-03-01", 50, material_id="R"),
            exit_("X2", "2025-05-01", 70, material_id="R"),
        ]
    )
    document["pedimentos"][0]["clock_start"] = "2025-04-01"
    assert pieces(ledger_from_document(document)) == [
        ("X1", P2, 1, "R", Decimal(50), Decimal(150)),
        ("X2", P2, 1, "R", Decimal(50), Decimal(150)),
        ("X2", P1, 1, "R", Decimal(20), Decimal(40)),
    ]


def test_a_virtual_transfer_discharges_like_a_return() -> None:
    # A virtual transfer (V1) of 20 P needs 40 R: from P1, leaving it 60; the balance as of 2025-04-01 says so.
    document = base(exits=[{**exit_("V", "2025-03-15", 20, product_id="P"), "kind": "virtual_transfer"}])
    ledger = ledger_from_document(document)
    assert pieces(ledger) == [("V", P1, 1, "R", Decimal(40), Decimal(80))]
    report = balance_report(ledger, discharge(ledger), date(2025, 4, 1)).to_dict()
    first = report["lots"][0]
    assert (first["pedimento"], first["balance"], first["value_usd_balance"]) == (P1, Decimal(60), Decimal(120))


def test_a_rectification_replaces_the_lines_and_replays() -> None:
    # Exits of 100 R (2025-03-01) then 150 R (2025-06-01). Without the rectification P1+P2 hold 200: the second
    # exit is 50 short. P3 (2025-04-20) rectifies P2 to 160 R worth 480: the lot keeps P2's number and clock start
    # and the whole history replays: X1 takes P1's 100; X2 takes 150 of P2's 160, valued 480 x 150 / 160 = 450.
    exits = [exit_("X1", "2025-03-01", 100, material_id="R"), exit_("X2", "2025-06-01", 150, material_id="R")]
    with pytest.raises(ShortfallError, match=r"exit 'X2'.*50 tariff units more of material 'R'"):
        discharge(ledger_from_document(base(exits=exits)))
    document = base(exits=exits)
    document["pedimentos"].append(
        {"pedimento": P3, "key": "R1", "regime": "ITE", "date": "2025-04-20", "rectifies": P2}
    )
    document["pedimento_lines"].append(
        {"pedimento": P3, "sequence": 1, "material_id": "R", "quantity": 160, "value_usd": 480}
    )
    ledger = ledger_from_document(document)
    assert pieces(ledger) == [
        ("X1", P1, 1, "R", Decimal(100), Decimal(200)),
        ("X2", P2, 1, "R", Decimal(150), Decimal(450)),
    ]
    lots = balance_report(ledger, discharge(ledger), date(2025, 7, 1)).to_dict()["lots"]
    assert [(lot["pedimento"], lot["imported"], lot["balance"]) for lot in lots] == [
        (P1, Decimal(100), Decimal(0)),
        (P2, Decimal(160), Decimal(10)),
    ]


def test_a_shortfall_names_the_material_the_exit_and_the_missing_quantity() -> None:
    # 120 P x 2 = 240 R against 200 imported: 40 short at X1.
    document = base(exits=[exit_("X1", "2025-03-01", 120, product_id="P")])
    with pytest.raises(ShortfallError) as caught:
        discharge(ledger_from_document(document))
    message = str(caught.value)
    assert "exit 'X1'" in message and "material 'R'" in message and "needs 40 tariff units more" in message


def test_tariff_unit_conversion() -> None:
    # A cable counted in metres, declared in kg at 0.05 kg/m: 10 P x 3 m x 0.05 = 1.5 kg, from its lot of 2 kg
    # worth 30: value 30 x 1.5 / 2 = 22.5.
    document = base(exits=[exit_("X1", "2025-03-01", 10, product_id="P")])
    document["materials"].append(
        {"material_id": "C", "tariff_item": "85444299", "class": "input", "unit": "m", "tariff_unit": "kg",
         "tariff_unit_factor": "0.05"}
    )  # fmt: skip
    document["bom"] = [{"product_id": "P", "material_id": "C", "quantity": 3}]
    document["pedimento_lines"].append(
        {"pedimento": P1, "sequence": 2, "material_id": "C", "quantity": 2, "value_usd": 30}
    )
    assert pieces(ledger_from_document(document)) == [("X1", P1, 2, "C", Decimal("1.5"), Decimal("22.5"))]


def test_a_three_level_bom_in_the_version_in_force() -> None:
    # P = 2 S + 1 R; S = 3 R until 2025-02-28, 4 R from 2025-03-01. An exit of 5 P on 2025-02-15 needs
    # 5 x (2 x 3 + 1) = 35 R; one on 2025-03-15 needs 5 x (2 x 4 + 1) = 45 R: 35 + 45 = 80 from P1.
    document = base(exits=[exit_("A", "2025-02-15", 5, product_id="P"), exit_("B", "2025-03-15", 5, product_id="P")])
    document["products"].append({"product_id": "S"})
    document["bom"] = [
        {"product_id": "P", "material_id": "S", "quantity": 2},
        {"product_id": "P", "material_id": "R", "quantity": 1},
        {"product_id": "S", "material_id": "R", "quantity": 3, "effective_to": "2025-02-28"},
        {"product_id": "S", "material_id": "R", "quantity": 4, "effective_from": "2025-03-01"},
    ]
    need = requirements(ledger_from_document(document))
    assert [(e, to_decimal(q)) for e, q in need.select("exit_id", "quantity").iter_rows()] == [
        ("A", Decimal(35)),
        ("B", Decimal(45)),
    ]


def test_value_mode_pools_a_tariff_item() -> None:
    # R and R2 share tariff item 39012001. An exit of 150 R on 2025-03-01 is valued at the unit value of R's
    # latest open lot (P2: 300 / 100 = 3 USD) = 450 USD and taken FIFO by value from every lot of the tariff item:
    # P1/1 (R, 200 USD), P1/2 (R2, 100 USD), then 150 of P2/1's 300 (50 R: 100 x 150 / 300).
    document = base(exits=[exit_("X1", "2025-03-01", 150, material_id="R")])
    document["materials"].append({"material_id": "R2", "tariff_item": "39012001", "class": "input"})
    document["pedimento_lines"].append(
        {"pedimento": P1, "sequence": 2, "material_id": "R2", "quantity": 50, "value_usd": 100}
    )
    assert pieces(ledger_from_document(document), "value") == [
        ("X1", P1, 1, "R", Decimal(100), Decimal(200)),
        ("X1", P1, 2, "R2", Decimal(50), Decimal(100)),
        ("X1", P2, 1, "R", Decimal(50), Decimal(150)),
    ]


def test_values_of_an_exhausted_lot_add_up_to_its_value_exactly() -> None:
    # A lot of 3 units worth 10 USD taken one unit at a time: 3.333333, 3.333334 (cumulative 6.666667 rounded),
    # 3.333333 (cumulative 10): the pieces add up to 10 exactly, never 9.999999.
    document = base(exits=[exit_(f"X{i}", f"2025-03-0{i}", 1, material_id="R") for i in (1, 2, 3)])
    document["pedimento_lines"] = [{"pedimento": P1, "sequence": 1, "material_id": "R", "quantity": 3, "value_usd": 10}]
    values = [v for *_, v in pieces(ledger_from_document(document))]
    assert values == [Decimal("3.333333"), Decimal("3.333334"), Decimal("3.333333")]
    assert sum(values) == 10


def test_json_numbers_are_the_exact_decimals() -> None:
    # 0.1 + 0.2 R on one lot: the JSON text holds 0.1 and 0.2, not binary approximations.
    document = base(
        exits=[exit_("X1", "2025-03-01", "0.1", material_id="R"), exit_("X2", "2025-03-02", "0.2", material_id="R")]
    )
    text = discharge(ledger_from_document(document)).to_json(indent=None)
    assert '"quantity": 0.1,' in text and '"quantity": 0.2,' in text


# ---------------------------------------------------------------- properties


def reference_fifo(document: dict[str, Any]) -> dict[tuple[str, str, int], Decimal]:
    """A straightforward stepwise FIFO over material exits (no BOM): (exit, pedimento, seq) -> quantity, the cited
    pedimento's lots first. Written from the rule, independently of the kernel."""
    lots = []
    clock = {p["pedimento"]: p.get("clock_start") or p["date"] for p in document["pedimentos"]}
    for line in document["pedimento_lines"]:
        lots.append(
            [clock[line["pedimento"]], line["pedimento"], line["sequence"], Decimal(str(line["quantity"])),
             line["material_id"]]
        )  # fmt: skip
    lots.sort()
    out: dict[tuple[str, str, int], Decimal] = {}
    for ex in sorted(document["exits"], key=lambda e: (e["date"], e["exit_id"])):
        need = Decimal(str(ex["quantity"]))
        cited = [lot for lot in lots if lot[1] == ex.get("pedimento")]
        for lot in [*cited, *lots]:
            if need == 0:
                break
            if lot[0] > ex["date"] or lot[3] == 0 or lot[4] != ex["material_id"]:
                continue
            take = min(need, lot[3])
            lot[3] -= take
            need -= take
            key = (ex["exit_id"], lot[1], lot[2])
            out[key] = out.get(key, Decimal(0)) + take
        if need:
            raise ShortfallError("short")
    return out


@st.composite
def ledgers(draw: st.DrawFn, cite: bool = False) -> dict[str, Any]:
    n_lots = draw(st.integers(1, 6))
    pedimentos, lines = [], []
    for i in range(n_lots):
        number = f"25073430500{i:04d}"
        day = date(2025, 1, 1 + draw(st.integers(0, 27)))
        start = date(2025, 1 + draw(st.integers(0, 2)), 1 + draw(st.integers(0, 27)))
        pedimentos.append(
            {"pedimento": number, "key": "IN", "regime": "ITE", "date": day.isoformat(),
             "clock_start": max(day, start).isoformat()}
        )  # fmt: skip
        quantity = Decimal(draw(st.integers(1, 5000))) / 100
        lines.append(
            {"pedimento": number, "sequence": 1, "material_id": draw(st.sampled_from("RST")), "quantity": str(quantity),
             "value_usd": str(quantity * 3)}
        )  # fmt: skip
    exits = []
    for j in range(draw(st.integers(0, 8))):
        day = date(2025, 1 + draw(st.integers(0, 4)), 1 + draw(st.integers(0, 27)))
        quantity = str(Decimal(draw(st.integers(1, 3000))) / 100)
        record = exit_(f"X{j:02d}", day.isoformat(), quantity, material_id=draw(st.sampled_from("RST")))
        if cite and draw(st.booleans()):
            record["pedimento"] = pedimentos[draw(st.integers(0, n_lots - 1))]["pedimento"]
        exits.append(record)
    return {
        "materials": [{"material_id": m, "tariff_item": f"3901200{i}", "class": "input"} for i, m in enumerate("RST")],
        "pedimentos": pedimentos,
        "pedimento_lines": lines,
        "exits": exits,
    }


# Shortfalls are rejected (the properties hold for ledgers that discharge): often most of the drawn ledgers.
PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@PROPERTY
@given(ledgers(cite=True))
def test_the_kernel_equals_a_stepwise_fifo(document: dict[str, Any]) -> None:
    try:
        expected = reference_fifo(copy.deepcopy(document))
    except ShortfallError:
        with pytest.raises(ShortfallError):
            discharge(ledger_from_document(document))
    else:
        got = {(e, p, s): q for e, p, s, _, q, _ in pieces(ledger_from_document(document))}
        assert got == expected


@PROPERTY
@given(ledgers(cite=True))
def test_conservation_and_no_lot_used_before_its_clock_starts(document: dict[str, Any]) -> None:
    ledger = ledger_from_document(document)
    try:
        result = discharge(ledger)
    except ShortfallError:
        reject()
    frame = result.frame.join(ledger.pedimentos.select("pedimento", "clock_start"), on="pedimento", how="left")
    assert frame.filter(pl.col("date") < pl.col("clock_start")).height == 0
    assert frame.filter(pl.col("quantity") <= 0).height == 0
    lots = balance_report(ledger, result, date(2030, 1, 1)).lots
    assert lots.filter(pl.col("imported") != pl.col("discharged") + pl.col("balance")).height == 0
    assert lots.filter(pl.col("balance") < 0).height == 0
    assert lots.filter(pl.col("value_usd_balance") < 0).height == 0
    by_material = balance_report(ledger, result, date(2030, 1, 1)).to_dict()["by_material"]
    for row in by_material:
        m = row["material_id"]
        imported = sum(Decimal(r["quantity"]) for r in document["pedimento_lines"] if r["material_id"] == m)
        needed = sum(Decimal(e["quantity"]) for e in document["exits"] if e["material_id"] == m)
        assert row["balance"] == imported - needed


@PROPERTY
@given(ledgers(cite=True), st.randoms(use_true_random=False))
def test_any_order_of_the_records_gives_the_same_discharge(document: dict[str, Any], rng: random.Random) -> None:
    shuffled = copy.deepcopy(document)
    for table in ("pedimentos", "pedimento_lines", "exits"):
        rng.shuffle(shuffled[table])
    try:
        first = discharge(ledger_from_document(document)).frame
    except ShortfallError:
        with pytest.raises(ShortfallError):
            discharge(ledger_from_document(shuffled))
    else:
        assert discharge(ledger_from_document(shuffled)).frame.equals(first)


@PROPERTY
@given(ledgers())
def test_value_mode_is_quantity_mode_times_the_unit_value(document: dict[str, Any]) -> None:
    # Every lot is worth 3 USD per unit: value mode discharges, lot by lot, 3 x what quantity mode does.
    ledger = ledger_from_document(document)
    try:
        by_quantity = discharge(ledger).frame
    except ShortfallError:
        reject()
    by_value = discharge(ledger, mode="value").frame
    keys = ["exit_id", "pedimento", "sequence"]
    q = by_quantity.group_by(keys).agg(pl.col("quantity").sum()).sort(keys)
    v = by_value.group_by(keys).agg(pl.col("value_usd").sum(), pl.col("quantity").sum().alias("q")).sort(keys)
    assert v.get_column("value_usd").to_list() == [3 * x for x in q.get_column("quantity").to_list()]
    assert v.get_column("q").to_list() == q.get_column("quantity").to_list()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**62), st.integers(0, 2**62), st.integers(1, 2**62)), min_size=1))
def test_exact_rounding_of_products_beyond_64_bits(triples: list[tuple[int, int, int]]) -> None:
    # round(a x b / c), half to even, equals Python's exact Fraction rounding for products up to 2**124.
    from fractions import Fraction

    import numpy as np

    from allyshore.immex.discharge import _round_div

    a, b, c = (np.asarray(x, dtype=np.int64) for x in zip(*triples, strict=True))
    b = np.minimum(b, c)  # a lot's consumed quantity never exceeds its quantity
    assert _round_div(a, b, c).tolist() == [
        round(Fraction(x * y, z)) for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True)
    ]


def test_a_requirement_is_exact_when_its_coefficient_needs_more_than_64_bits() -> None:
    # Three levels of six-decimal quantities and percentages: the coefficient's denominator has 160 bits. The
    # requirement is 7.654321 x the product of the three (quantity x (1 + pct/100)) x 0.123457, rounded once to
    # six decimals (half to even), as Python's exact fractions give it.
    from fractions import Fraction as F

    document = {
        "materials": [{"material_id": "R", "tariff_item": "39012001", "class": "input",
                       "tariff_unit_factor": "0.123457"}],
        "products": [{"product_id": "P"}, {"product_id": "S"}, {"product_id": "T"}],
        "bom": [
            {"product_id": "P", "material_id": "S", "quantity": "1.000003", "waste_pct": "0.000007"},
            {"product_id": "S", "material_id": "T", "quantity": "1.000011", "scrap_pct": "0.000013"},
            {"product_id": "T", "material_id": "R", "quantity": "1.000017", "waste_pct": "0.000019"},
        ],
        "pedimentos": [{"pedimento": P1, "key": "IN", "regime": "ITE", "date": "2025-01-10"}],
        "pedimento_lines": [{"pedimento": P1, "sequence": 1, "material_id": "R", "quantity": 1000, "value_usd": 10}],
        "exits": [exit_("X", "2025-02-01", "7.654321", product_id="P")],
    }  # fmt: skip
    c = (
        F("1.000003") * (1 + F("0.000007") / 100) * F("1.000011") * (1 + F("0.000013") / 100)
        * F("1.000017") * (1 + F("0.000019") / 100) * F("0.123457")
    )  # fmt: skip
    expected = Decimal(round(F("7.654321") * c * 10**6)) / 10**6
    assert [q for *_, q, _ in pieces(ledger_from_document(document))] == [expected]


def test_rounding_of_many_quotients_at_the_edges_of_the_float_estimate() -> None:
    # The quotient is estimated in float64 and corrected by the exact remainder: every row equals Python's exact
    # rounding of the fraction, for divisors up to 2**49 (the estimate's path), 2**55 (int64 division) and
    # products up to 2**109, with exact halves (a x b = (2k + 1) x c / 2) mixed in.
    from fractions import Fraction

    import numpy as np

    from allyshore.immex.discharge import _round_div

    rng = np.random.default_rng(7)
    rows: list[tuple[int, int, int]] = []
    for bits_a, bits_b, bits_c in [(20, 10, 5), (31, 31, 49), (40, 21, 3), (55, 54, 49), (60, 2, 55), (31, 30, 1)]:
        for _ in range(300):
            c = int(rng.integers(2 ** (bits_c - 1), 2**bits_c, endpoint=True))
            rows.append((int(rng.integers(0, 2**bits_a)), int(rng.integers(0, 2**bits_b)), c))
    for k in range(300):  # halves: a = 2k + 1, b = c / 2 for even c
        c = 2 * int(rng.integers(1, 2**40))
        rows.append((2 * k + 1, c // 2, c))
    a, b, c = (np.asarray(x, dtype=np.int64) for x in zip(*rows, strict=True))
    expected = [round(Fraction(x * y, z)) for x, y, z in rows]
    assert _round_div(a, b, c).tolist() == expected
    # The same rows in groups of one kind, so that each group takes its own path.
    for i in range(0, len(rows), 300):
        assert _round_div(a[i : i + 300], b[i : i + 300], c[i : i + 300]).tolist() == expected[i : i + 300]


def test_exits_listed_by_id_are_processed_by_date_then_id() -> None:
    # The ids are listed in order (E1 < E2 < E3 < E4) but their dates are not; E2 and E4 share a day. Processing
    # order is (date, exit_id): E3 (03-01), E2 and E4 (04-01, by id), E1 (05-01). E2, E3, E4 each take
    # 2 x 30 = 60 of R (2 R per P): E3 the first 60 of P1's 100, E2 P1's last 40 and 20 of P2, E4 60 of P2;
    # E1 (2 x 10 = 20) the last 20 of P2 (200 imported - 180 before it).
    document = base(
        exits=[
            exit_("E1", "2025-05-01", 10, product_id="P"),
            exit_("E2", "2025-04-01", 30, product_id="P"),
            exit_("E3", "2025-03-01", 30, product_id="P"),
            exit_("E4", "2025-04-01", 30, product_id="P"),
        ]
    )
    got = pieces(ledger_from_document(document))
    assert [(e, p, q) for e, p, _, _, q, _ in got] == [
        ("E3", P1, Decimal(60)),
        ("E2", P1, Decimal(40)),
        ("E2", P2, Decimal(20)),
        ("E4", P2, Decimal(60)),
        ("E1", P2, Decimal(20)),
    ]
    assert requirements(ledger_from_document(document)).get_column("exit_id").to_list() == ["E3", "E2", "E4", "E1"]


def test_a_lot_is_open_on_its_clock_start_day() -> None:
    # "Clock start on or before the exit date": P1's clock starts 2025-01-10, P2's 2025-02-10 (their dates).
    # E1 on 2025-01-10 takes 2 x 10 = 20 R from P1 that very day. E2 on 2025-02-10 needs 2 x 50 = 100: P1's
    # remaining 80, then 20 from P2, open that day too. E3 on 2025-02-10 cites P2 and takes 2 x 5 = 10 from it
    # (its own pedimento first, open the same day), leaving P2 100 - 20 - 10 = 70.
    document = base(
        exits=[
            exit_("E1", "2025-01-10", 10, product_id="P"),
            exit_("E2", "2025-02-10", 50, product_id="P"),
            exit_("E3", "2025-02-10", 5, product_id="P", pedimento=P2),
        ]
    )
    got = pieces(ledger_from_document(document))
    assert [(e, p, q) for e, p, _, _, q, _ in got] == [
        ("E1", P1, Decimal(20)),
        ("E2", P1, Decimal(80)),
        ("E2", P2, Decimal(20)),
        ("E3", P2, Decimal(10)),
    ]


def test_rounding_when_the_float_estimate_is_one_off() -> None:
    # Above 2**53 float64 rounds to a multiple of a power of two: with m = 2**50, 768m is a multiple of 2**8
    # (the spacing of floats near 2**59.6), so 768m - 2 and 768m + 5 both become 768m, whose third is 256m.
    # Exact: (768m - 2) / 3 = 256m - 2/3, which rounds to 256m - 1 (the estimate is one too high);
    # (768m + 5) / 3 = 256m + 5/3 = 256m + 1 + 2/3, which rounds to 256m + 2 (the estimate is one too low).
    import numpy as np

    from allyshore.immex.discharge import _round_div

    m = 2**50
    num = np.asarray([768 * m - 2, 768 * m + 5], dtype=np.int64)
    one = np.ones(2, dtype=np.int64)
    assert _round_div(num, one, 3 * one).tolist() == [256 * m - 1, 256 * m + 2]
