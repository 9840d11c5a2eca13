"""Generated hostile origin cases (``make fuzz``: 2,500 examples per test with HYPOTHESIS_PROFILE=fuzz).

Every input must end in exactly one of: a correct result (checked against the formulas of SOR/2020-155
s.7(2), (3) computed here by hand) or located problems (a JSON path, or the file and line). Anything else,
a traceback or an unexpected exception, fails the test. Set ``ALLYSHORE_FUZZ_TALLY`` to a file to get the
count of each outcome (docs/testing.md, "Fuzzing: origin cases").
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from allyshore.errors import InputError, ValidationError
from allyshore.origin import determine_origin
from allyshore.origin.case import case_model
from allyshore.origin.results import OriginResult
from allyshore.store import Store, open_store

pytestmark = pytest.mark.fuzz

TALLY: Counter[str] = Counter()
WORK = Path(tempfile.mkdtemp(prefix="allyshore-fuzz-"))


@pytest.fixture(autouse=True, scope="module")
def _tally() -> Iterator[None]:
    yield
    target = os.environ.get("ALLYSHORE_FUZZ_TALLY")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(TALLY.items())), indent=1))


def base_case() -> dict[str, Any]:
    return {
        "good": {"hs": "9018.90", "description": "Good"},
        "transaction_value": 100,
        "rule": {"alternatives": [{"rvc": {"transaction_value": 60, "net_cost": 50}}]},
        "materials": [
            {"id": "k", "hs": "8536.50", "value": 40},
            {"id": "m", "hs": "8536.90", "value": 5, "originating": True},
        ],
        "total_cost": 90,
        "excluded_costs": 10,
    }


def outcome(test: str, case: Any, source: str | None = None) -> OriginResult | ValidationError | InputError:
    """The result, or the error after checking that each of its problems is located."""
    try:
        result = determine_origin(case)
    except ValidationError as exc:
        assert exc.problems  # noqa: PT017 - the outcome is classified, not expected
        for p in exc.problems:
            # located at a JSON path, a line, or (for the file as a whole: its encoding, its type) the file
            assert p.column or p.row is not None or p.message.startswith("...") or (source and p.source == source), p
            if source is not None:
                assert p.source == source, p
        TALLY[f"{test}: located error"] += 1
        return exc
    except InputError as exc:  # unreadable path: the message starts with it
        assert source is not None and str(exc).startswith(source), exc  # noqa: PT017
        TALLY[f"{test}: located error"] += 1
        return exc
    if result.rvc is not None:
        assert result.rvc.value <= 100
    TALLY[f"{test}: result"] += 1
    return result


def check_rvc(result: OriginResult, doc: dict[str, Any]) -> None:
    """The RVC reported equals s.7(2) or s.7(3) computed from the validated document's values."""
    if result.rvc is None:
        return
    model = case_model(doc)
    vnm = sum((Fraction(m.value or 0) for m in model.materials if not m.originating), Fraction(0))
    if result.rvc.method == "transaction_value":
        assert model.transaction_value is not None
        base = Fraction(model.transaction_value) - Fraction(model.international_shipping)
    else:  # total cost as given, else the materials plus the other costs (docs/origin.md)
        total = (
            Fraction(model.total_cost)
            if model.total_cost is not None
            else sum((Fraction(m.value or 0) for m in model.materials), cost_sum(model.other_costs))
        )
        base = total - cost_sum(model.excluded_costs)
    assert result.rvc.value == (base - vnm) / base * 100


def cost_sum(costs: Decimal | BaseModel | None) -> Fraction:
    """A cost given as one number or as named parts (None: nothing)."""
    if costs is None:
        return Fraction(0)
    if isinstance(costs, Decimal):
        return Fraction(costs)
    return sum((Fraction(v) for v in costs.model_dump().values() if v is not None), Fraction(0))


def test_net_cost_without_a_total_cost_is_the_materials_plus_other_costs() -> None:
    """A case with neither transaction value nor total cost: total cost = materials 40 + 5 + other costs 0 = 45,
    net cost = 45 - excluded 10 = 35, VNM = 40, RVC = (35 - 40) / 35 x 100 = -100/7 % (SOR/2020-155 s.7(3)); the
    excluded costs (10) exceed the other costs (0), which cannot be when they are part of total cost: noted."""
    doc = base_case()
    del doc["transaction_value"], doc["total_cost"]
    result = determine_origin(doc)
    assert result.rvc is not None and result.rvc.method == "net_cost"
    assert result.rvc.value == Fraction(35 - 40, 35) * 100
    check_rvc(result, doc)
    assert any("net cost is probably understated" in note for note in result.explanation)
    doc["other_costs"] = 10  # other costs that hold the excluded costs (10 <= 10): no note
    assert not any("understated" in note for note in determine_origin(doc).explanation)


# --------------------------------------------------------------------------- hostile values anywhere

PATHS: list[tuple[str | int, ...]] = [
    ("transaction_value",),
    ("international_shipping",),
    ("total_cost",),
    ("excluded_costs",),
    ("other_costs",),
    ("materials", 0, "value"),
    ("materials", 0, "id"),
    ("materials", 0, "hs"),
    ("materials", 0, "originating"),
    ("materials", 0, "adjustments"),
    ("materials", 0, "supplier_statement"),
    ("materials", 1, "materials"),
    ("materials",),
    ("good",),
    ("good", "hs"),
    ("good", "description"),
    ("rule", "alternatives", 0, "rvc", "transaction_value"),
    ("rule", "alternatives", 0, "tariff_shift"),
    ("rule",),
    ("as_of",),
    ("averaging",),
    ("set",),
    ("textile",),
    ("unknown_key",),
]


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"materials": [value]}
    return value


HOSTILE = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60),
    st.sampled_from([10**5000, -(10**400), 2**64, 10**15, 10**15 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["1e-999999999", "1e999999999", "-0", "1" * 5000, "0." + "0" * 11 + "1", "1E+15", "NaN", "-Infinity"]
    ),
    st.from_regex(r"\A-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,12})?\Z"),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "8536.50", "85", "8536-8537", "aaaa.bb", "", " "]),
    st.booleans(),
    st.none(),
    st.builds(nested, st.integers(min_value=1, max_value=80)),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4),
    st.lists(st.integers() | st.text(max_size=5) | st.dictionaries(st.text(max_size=4), st.integers()), max_size=4),
)


def put(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = doc
    for part in path[:-1]:
        target = target[part]
        if target is None:
            return
    target[path[-1]] = value


@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE), min_size=1, max_size=3))
def test_hostile_values_end_in_a_result_or_located_problems(edits: list[tuple[tuple[str | int, ...], Any]]) -> None:
    doc = base_case()
    for path, value in edits:
        try:
            put(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced the container
    out = outcome("values", doc)
    if isinstance(out, OriginResult):
        check_rvc(out, doc)


# --------------------------------------------------------------------------- numbers as written in the file

NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,60})(\.[0-9]{1,60})?([eE][+-]?[0-9]{1,12})?\Z"),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e-999999999", "9" * 5000, "1e400", "0.0"]),
)


@given(tv=NUMBER_TEXT, value=NUMBER_TEXT, where=st.sampled_from(["transaction_value", "value"]))
def test_numbers_written_in_the_file(tv: str, value: str, where: str) -> None:
    text = json.dumps(base_case()).replace('"transaction_value": 100', f'"transaction_value": {tv}')
    text = text.replace('"value": 40', f'"value": {value}')
    path = WORK / f"number-{where}.json"
    path.write_text(text)
    out = outcome("numbers", path, str(path))
    if isinstance(out, OriginResult):
        check_rvc(out, json.loads(text, parse_float=Decimal, parse_int=Decimal))


# --------------------------------------------------------------------------- encodings

CP1252 = "".join(chr(c) for c in range(32, 256) if chr(c).encode("cp1252", "ignore")) + "€œŸ"


@given(
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"]),
)
def test_encodings_are_read_without_silent_loss(data: st.DataObject, encoding: str) -> None:
    single = encoding in ("cp1252", "latin-1")
    alphabet = (
        CP1252 if encoding == "cp1252" else "".join(map(chr, range(32, 127))) + "".join(map(chr, range(0xA0, 0x100)))
    )
    description = data.draw(st.text(alphabet=alphabet, max_size=20) if single else st.text(max_size=20))
    doc = base_case()
    doc["good"]["description"] = description
    raw = json.dumps(doc, ensure_ascii=False).encode(encoding)
    path = WORK / "encoding.json"
    path.write_bytes(raw)
    out = outcome("encodings", path, str(path))
    assert isinstance(out, OriginResult), out
    notes = [c for c in out.cautions if "not UTF-8" in c]
    try:
        as_utf8: str | None = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        as_utf8 = None
    if encoding.startswith("utf-8") or (single and as_utf8 is not None):
        assert as_utf8 is not None and notes == []  # valid UTF-8 is read as UTF-8
        assert out.description == json.loads(as_utf8)["good"]["description"]
    else:
        assert len(notes) == 1 and out.description == description


# --------------------------------------------------------------------------- damaged files


@given(
    cuts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.binary(max_size=6), st.integers(0, 6)), max_size=6
    ),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"[" * 70]),
)
def test_damaged_files(cuts: list[tuple[int, bytes, int]], prefix: bytes) -> None:
    raw = prefix + json.dumps(base_case(), indent=1).encode()
    for at, insert, delete in cuts:
        raw = raw[:at] + insert + raw[at + delete :]
    path = WORK / "damaged.json"
    path.write_bytes(raw)
    outcome("damaged", path, str(path))


# --------------------------------------------------------------------------- consistency with the Regulations

AMOUNT = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
SMALL = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(
    tv=AMOUNT,
    shipping=st.one_of(SMALL, AMOUNT),
    values=st.lists(st.tuples(AMOUNT, st.booleans()), min_size=1, max_size=4),
    total=AMOUNT,
    excluded=st.one_of(SMALL, AMOUNT),
    method=st.sampled_from(["transaction_value", "net_cost"]),
)
def test_inconsistent_costs_are_refused_by_name(
    tv: Decimal, shipping: Decimal, values: list[tuple[Decimal, bool]], total: Decimal, excluded: Decimal, method: str
) -> None:
    doc: dict[str, Any] = {
        "good": {"hs": "9018.90"},
        "transaction_value": str(tv),
        "international_shipping": str(shipping),
        "rule": {"alternatives": [{"rvc": {method: 50}}]},
        "materials": [
            {"id": f"m{i}", "hs": "8536.50", "value": str(v), "originating": o} for i, (v, o) in enumerate(values)
        ],
        "total_cost": str(total),
        "excluded_costs": str(excluded),
    }
    expected = set()
    expected |= {name for name, amount in (("transaction_value", tv), ("total_cost", total)) if amount == 0}  # gt=0
    if not expected and shipping >= tv:  # checked once every field is valid
        expected.add("international_shipping")  # s.7(2): TV after the adjustment must be positive
    if not expected - {"international_shipping"} and excluded and excluded >= total:
        expected.add("excluded_costs")  # s.7(11), (13)
    out = outcome("consistency", doc)
    if expected:
        assert isinstance(out, ValidationError), (expected, out)
        assert {p.column for p in out.problems} == expected
    else:
        assert isinstance(out, OriginResult), out
        check_consistent(out, values, method, (Fraction(tv) - Fraction(shipping), Fraction(total), Fraction(excluded)))


def check_consistent(
    out: OriginResult, values: list[tuple[Decimal, bool]], method: str, amounts: tuple[Fraction, Fraction, Fraction]
) -> None:
    """The verdict of s.3(3), s.5(4) or s.7(2)-(3), computed here from the generated amounts."""
    tv, total, excluded = amounts
    vnm = sum((Fraction(v) for v, o in values if not o), Fraction(0))
    bases = {"transaction_value": tv, "net_cost": total - excluded}  # s.7(2); s.7(3), (11)
    if all(o for _, o in values):  # s.3(3): criterion C, whatever the RVC
        assert out.originating and out.criterion == "C"
        assert out.rvc is None or out.rvc.value == (bases[out.rvc.method] - vnm) / bases[out.rvc.method] * 100
        return
    if any(vnm <= b / 10 for b in (tv, total)):  # s.5(4): de minimis, the RVC need not be met
        assert out.originating and out.rvc is None
        return
    base = bases[method]
    assert out.rvc is not None and out.rvc.method == method
    assert out.rvc.value == (base - vnm) / base * 100
    assert out.originating == (out.rvc.value >= 50)


# --------------------------------------------------------------------------- the store saves only what is decided

_STORE: list[Store] = []


def store() -> Store:
    if not _STORE:
        _STORE.append(open_store(f"sqlite:///{WORK / 'store.db'}"))
    return _STORE[0]


@settings(deadline=None)  # a database write per example
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE), min_size=1, max_size=2))
def test_store_keeps_no_record_of_a_refused_case(edits: list[tuple[tuple[str | int, ...], Any]]) -> None:
    doc = base_case()
    for path, value in edits:
        try:
            put(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    saved = store()
    before = len(saved.list_determinations())
    refused = save(saved, doc)
    assert len(saved.list_determinations()) == before + (0 if refused else 1)


def save(saved: Store, doc: dict[str, Any]) -> bool:
    """Decide and save ``doc``; True when it is refused with located problems."""
    try:
        result, record = saved.determine_and_save(doc)
    except ValidationError as exc:
        assert all(p.column or p.row is not None or p.message.startswith("...") for p in exc.problems)  # noqa: PT017
        TALLY["store: located error, no record"] += 1
        return True
    assert record.id is not None
    check_rvc(result, doc)
    TALLY["store: result saved"] += 1
    return False
