"""Hostile origin cases: every input ends in a correct result or in located problems, never a traceback.

The corpus in ``tests/data/hostile/cases/`` holds one file per defect class. The good of every readable
file is the same: transaction value 100, one non-originating material worth 40, a rule of RVC 60% by the
transaction value method, so RVC = (100 − 40) ÷ 100 × 100 = 60% (SOR/2020-155 s.7(2)): originating.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from allyshore.errors import InputError, ValidationError
from allyshore.origin import determine_origin
from allyshore.origin.case_bounds import MAX_DEPTH
from allyshore.store import open_store

CORPUS = Path(__file__).parent / "data" / "hostile" / "cases"
DESCRIPTION = "Café — ü"


def base_case() -> dict[str, Any]:
    return {
        "good": {"hs": "9018.90", "description": DESCRIPTION},
        "transaction_value": 100,
        "rule": {"alternatives": [{"rvc": {"transaction_value": 60}}]},
        "materials": [{"id": "k", "hs": "8536.50", "value": 40}],
    }


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("utf8_bom.json", None), ("cp1252.json", "Windows-1252"), ("utf16_bom.json", "UTF-16"),
     ("utf16be_no_bom.json", "UTF-16 big-endian")],
)  # fmt: skip
def test_encodings_are_detected_and_named(name: str, encoding: str | None) -> None:
    result = determine_origin(CORPUS / name)
    assert result.originating and result.rvc is not None and result.rvc.value == 60
    assert result.description == DESCRIPTION  # nothing lost
    notes = [c for c in result.cautions if "not UTF-8" in c]
    if encoding is None:
        assert notes == []
    else:
        assert len(notes) == 1 and encoding in notes[0] and name in notes[0]


@pytest.mark.parametrize(
    ("name", "column", "words"),
    [
        ("deep_nesting.json", None, f"more than {MAX_DEPTH} levels"),
        ("huge_integer.json", "transaction_value", "5000 characters"),
        ("huge_digit_string.json", "transaction_value", "5000 characters"),
        ("tiny_exponent.json", "transaction_value", "decimal places"),
        ("nan.json", "materials[0].value", "not a finite number"),
        ("object_as_id.json", "materials[0].id", "valid string"),
        ("shipping_above_tv.json", "international_shipping", "s.7(2)"),
        ("excluded_above_total.json", "excluded_costs", "s.7(11)"),
        ("not_an_object.json", None, "JSON object"),
        ("truncated.json", None, "not valid JSON"),
        ("lone_surrogate.json", "good.description", "surrogate"),
        ("statement_vnm_above_net_cost.json", "materials[0].supplier_statement.vnm", "s.9(2)(a)"),
    ],
)
def test_hostile_files_give_located_problems(name: str, column: str | None, words: str) -> None:
    path = CORPUS / name
    with pytest.raises(ValidationError) as info:
        determine_origin(path)
    problems = info.value.problems
    assert problems and all(p.source == str(path) for p in problems)
    assert any(p.column == column and words in p.message for p in problems), problems


def test_tiny_exponent_is_refused_before_arithmetic() -> None:
    """``1e-999999999`` as an exact fraction has a billion-digit denominator: it must never get that far."""
    for value in ("1e-999999999", Decimal("1e-999999999"), Decimal("1e999999999"), 10**5000, float("inf")):
        case = base_case() | {"transaction_value": value}
        with pytest.raises(ValidationError) as info:
            determine_origin(case)
        assert [p.column for p in info.value.problems] == ["transaction_value"]


def test_numbers_inside_bounds_are_exact() -> None:
    """24 significant digits and 12 decimal places are accepted and kept exact (s.7(2) on exact values)."""
    tv, vnm = "999999999999.000000000001", "300000000000"
    case = base_case() | {"transaction_value": tv}
    case["materials"][0]["value"] = vnm
    result = determine_origin(case)
    assert result.rvc is not None
    assert result.rvc.value == (Fraction(tv) - Fraction(vnm)) / Fraction(tv) * 100


def test_shipping_above_transaction_value_is_not_originating_at_4100_percent() -> None:
    """A shipping cost of 141 on a TV of 100 gave TV = −41 and RVC = (−41 − 40) ÷ −41 = 197.6%: refused."""
    with pytest.raises(ValidationError) as info:
        determine_origin(base_case() | {"international_shipping": 141})
    (problem,) = info.value.problems
    assert problem.column == "international_shipping" and "-41" in problem.message


def test_shipping_equal_to_transaction_value_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be positive"):
        determine_origin(base_case() | {"international_shipping": 100})


def test_negative_rvc_is_a_result() -> None:
    """VNM above TV (a good sold below the cost of its non-originating materials): RVC = (50 − 80) ÷ 50 × 100
    = −60% by s.7(2), below the threshold, a correct 'not originating'."""
    case = base_case() | {"transaction_value": 50}
    case["materials"][0]["value"] = 80
    result = determine_origin(case)
    assert not result.originating and result.rvc is not None and result.rvc.value == -60


def test_net_cost_left_negative_by_other_costs_is_refused() -> None:
    """NC = 40 + (−50) = −10 (a foreign-exchange gain larger than every cost): s.7(3) divides by NC."""
    case = base_case() | {"rule": {"alternatives": [{"rvc": {"net_cost": 50}}]}, "other_costs": {"other": -50}}
    with pytest.raises(ValidationError) as info:
        determine_origin(case)
    assert [p.column for p in info.value.problems] == ["other_costs"]


def test_python_documents_are_bounded_too() -> None:
    deep: Any = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    for bad, column in (({"x": deep}, "x"), ({1: "a"}, "(document)"), ({"good": {"hs": "\udc80"}}, "good.hs")):
        with pytest.raises(ValidationError) as info:
            determine_origin(base_case() | bad)
        assert any(p.column is not None and p.column.startswith(column) for p in info.value.problems)


def test_paths_that_are_not_case_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        determine_origin(tmp_path)
    with pytest.raises(InputError, match="no such case file"):
        determine_origin(tmp_path / "missing.json")


def allyshore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allyshore", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_exits_1_with_the_location(tmp_path: Path) -> None:
    for name in ("tiny_exponent.json", "deep_nesting.json", "object_as_id.json"):
        done = allyshore("origin", "determine", str(CORPUS / name))
        text = " ".join(done.stderr.split())
        assert done.returncode == 1 and name in text and "Traceback" not in text, done.stderr
    done = allyshore("origin", "determine", str(tmp_path))
    assert done.returncode == 1 and "is a directory" in " ".join(done.stderr.split()), done.stderr


def test_store_refuses_bad_cases_without_a_record(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for bad in (CORPUS / "tiny_exponent.json", CORPUS / "shipping_above_tv.json", tmp_path):
            with pytest.raises(InputError):
                store.determine_and_save(bad)
        with pytest.raises(ValidationError):
            store.determine_and_save(base_case() | {"transaction_value": "1e-999999999"})
        assert len(store.list_determinations().records) == 0
        result, record = store.determine_and_save(json.loads(json.dumps(base_case())))
        assert result.originating and len(store.list_determinations().records) == 1
        assert record.id == store.list_determinations().records[0].id


def test_digits_a_float_would_round_are_kept(tmp_path: Path) -> None:
    """17 significant digits: as a float 10000000.000000001 becomes 10000000.000000002; the file's text is
    kept exact, so RVC = (TV − VNM) ÷ TV × 100 (s.7(2)) with the value as written."""
    path = tmp_path / "case.json"
    text = json.dumps(base_case() | {"transaction_value": 10**8}).replace('"value": 40', '"value": 10000000.000000001')
    path.write_text(text)
    result = determine_origin(path)
    assert result.rvc is not None
    assert result.rvc.value == (10**8 - Fraction("10000000.000000001")) / 10**8 * 100


def test_union_fields_are_located_by_their_own_path() -> None:
    """other_costs is a number or an object: both complaints name the field, not pydantic's branches."""
    with pytest.raises(ValidationError) as info:
        determine_origin(base_case() | {"other_costs": "x", "excluded_costs": "1e-99"})
    assert {p.column for p in info.value.problems} == {"other_costs", "excluded_costs"}
