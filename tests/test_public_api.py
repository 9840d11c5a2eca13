"""The public API a library user relies on: what ``allyshore`` exports, the results, the calling convention.

- every name of ``allyshore.__all__`` exists, comes from allyshore and is a documented object (httpx's
  exported-members test); the result classes are among them;
- every result gives its JSON (``to_dict``, ``to_json``), flat tables that CSV holds (``frames``) and a notebook
  view (``_repr_html_``) through the one mixin, :class:`allyshore.Result`;
- every analysis takes the network first and ``as_of``, ``policy``, ``assumptions`` and ``progress`` keyword-only,
  with the one type of each; the trust policy reaches every analysis that uses trust tiers, the report's landed
  cost included;
- ``mypy --strict`` sees the real signatures behind the lazy names: a user script that misuses a result fails.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import allyshore
from allyshore.conventions import as_date
from allyshore.errors import InputError
from allyshore.io import validate_path
from allyshore.results import Result, csv_ready, dumps

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "origin-case.json"
PARTIES = ROOT / "examples" / "parties.json"
AS_OF = "2026-03-01"

#: The results of the analyses, each exported by name.
RESULTS = (
    "ExposureResult",
    "TrustTable",
    "CostComparison",
    "NetworkCost",
    "Sensitivity",
    "TariffLayers",
    "StressResult",
    "SimulationResult",
    "OriginResult",
    "NetworkOrigin",
    "QualificationPlan",
    "Certification",
    "DeterminationRecord",
    "DeterminationHistory",
    "Validation",
)

#: The analyses that take a network first: name -> the convention's options it has.
ANALYSES: dict[str, set[str]] = {
    "exposure": {"policy"},
    "compare_sources": {"as_of", "policy", "assumptions"},
    "network_cost": {"as_of", "policy", "assumptions"},
    "sensitivity": {"as_of", "policy", "assumptions"},
    "stress_test": {"policy", "progress"},
    "simulate": {"assumptions", "progress"},
    "determine_network": {"as_of"},
    "advise_qualification": {"as_of", "policy", "assumptions"},
    "write_report": {"progress"},  # its options carry the policy
}
#: The one annotation of each option of the convention.
ANNOTATIONS = {
    "as_of": "AsOf",
    "policy": "PolicySource",
    "progress": "Progress | None",
}


def test_every_exported_name_exists_and_is_allyshores() -> None:
    """httpx's exported-members test: ``__all__`` names real objects defined by allyshore, each documented."""
    assert allyshore.__all__ == sorted(allyshore.__all__)
    for name in allyshore.__all__:
        value = getattr(allyshore, name)
        assert name in dir(allyshore), name
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("allyshore"), (name, value.__module__)
            assert value.__doc__, f"allyshore.{name} has no docstring"


def test_a_subpackage_does_not_take_the_place_of_a_public_name() -> None:
    """``allyshore.exposure`` is the function also once the subpackage ``allyshore.exposure`` is imported
    (importing a subpackage binds it as an attribute of its parent, unless the package refuses)."""
    import importlib

    package = importlib.import_module("allyshore.exposure")
    assert inspect.isfunction(allyshore.exposure)
    assert allyshore.exposure is package.exposure
    assert importlib.import_module("allyshore.exposure.analysis").exposure is allyshore.exposure


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_class_is_exported_and_is_a_result(name: str) -> None:
    cls = getattr(allyshore, name)
    assert issubclass(cls, Result), name
    for method in ("to_dict", "to_json", "frames", "_repr_html_"):
        assert callable(getattr(cls, method)), (name, method)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_every_analysis_follows_the_calling_convention(name: str) -> None:
    """The network first; ``as_of``, ``policy``, ``assumptions``, ``progress`` keyword-only, with one type each."""
    parameters = inspect.signature(getattr(allyshore, name)).parameters
    first = next(iter(parameters.values()))
    assert first.name == "network" and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    convention = {"as_of", "policy", "assumptions", "progress"}
    assert convention & set(parameters) == ANALYSES[name]
    for option in ANALYSES[name]:
        parameter = parameters[option]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (name, option)
        assert parameter.default is None, (name, option)
        if option in ANNOTATIONS:
            assert parameter.annotation == ANNOTATIONS[option], (name, option, parameter.annotation)


def test_a_date_option_takes_a_date_or_its_text_and_names_itself_when_wrong() -> None:
    assert as_date("2026-03-01") == as_date(as_date("2026-03-01"))
    with pytest.raises(InputError, match=r"^--as-of '31/12/2026' is not a date \(YYYY-MM-DD\)$"):
        as_date("31/12/2026", name="--as-of")


def test_sample_names_load_in_the_library() -> None:
    network = allyshore.load_network("infusion-pump")
    assert network.name == "infusion-pump"
    assert allyshore.load_network("sample:infusion-pump").summary() == network.summary()
    with pytest.raises(allyshore.NotFoundError, match="no sample network named 'toaster'"):
        allyshore.load_network("sample:toaster")


@pytest.fixture(scope="module")
def tiny() -> allyshore.Network:
    from conftest import TINY

    return allyshore.Network.from_dict(json.loads(json.dumps(TINY)))


def _results(tiny: allyshore.Network, tmp: Path) -> dict[str, Callable[[], Result]]:
    pump = "infusion-pump"

    def certification() -> Result:
        parties = json.loads(PARTIES.read_text(encoding="utf-8"))
        return allyshore.certify([allyshore.determine_origin(CASE)], parties)

    def history() -> Result:
        with allyshore.open_store(f"sqlite:///{tmp / 'store.db'}") as store:
            store.determine_and_save(CASE)
            return store.list_determinations()

    def record() -> Result:
        with allyshore.open_store(f"sqlite:///{tmp / 'record.db'}") as store:
            return store.determine_and_save(CASE)[1]

    return {
        "ExposureResult": lambda: allyshore.exposure(tiny),
        "TrustTable": lambda: allyshore.assess_countries(None, ["CN", "MX"]),
        "CostComparison": lambda: allyshore.compare_sources(tiny, "K", as_of=AS_OF),
        "NetworkCost": lambda: allyshore.network_cost(tiny, as_of=AS_OF),
        "Sensitivity": lambda: allyshore.sensitivity(tiny, "K", as_of=AS_OF),
        "TariffLayers": lambda: allyshore.tariff_layers("8536.50.90", "CN", as_of=AS_OF),
        "StressResult": lambda: allyshore.stress_test(tiny, scheduler="synchronous"),
        "SimulationResult": lambda: allyshore.simulate(tiny, runs=20, scheduler="synchronous"),
        "OriginResult": lambda: allyshore.determine_origin(CASE),
        "NetworkOrigin": lambda: allyshore.determine_network(allyshore.load_network(pump), as_of=AS_OF),
        "QualificationPlan": lambda: allyshore.advise_qualification(
            allyshore.load_network(pump), "PUMP", as_of=AS_OF, cost_basis="price"
        ),
        "Certification": certification,
        "DeterminationRecord": record,
        "DeterminationHistory": history,
        "Validation": lambda: allyshore.Validation(tuple(validate_path(pump))),
    }


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_serialises_tabulates_and_shows(name: str, tiny: allyshore.Network, tmp_path: Path) -> None:
    """JSON text is the JSON of ``to_dict`` (NaN as null); every table is a DataFrame CSV can hold; HTML shows."""
    result = _results(tiny, tmp_path)[name]()
    assert isinstance(result, getattr(allyshore, name))
    text = result.to_json()
    assert text == dumps(result.to_dict())
    assert "NaN" not in text and json.loads(text) is not None
    frames = result.frames()
    assert frames and all(isinstance(frame, pl.DataFrame) for frame in frames.values())
    for table, frame in frames.items():
        path = tmp_path / f"{table}.csv"
        csv_ready(frame).write_csv(path)
        assert pl.read_csv(path, infer_schema_length=0).height == frame.height, table
    html = result._repr_html_()
    assert html.startswith("<") and html.rstrip().endswith(">")


def test_the_default_json_of_a_result_lists_its_fields_or_its_keys() -> None:
    """One helper serialises: fields in order (nested results, tuples, dates, NaN), or the declared keys."""
    from dataclasses import dataclass
    from datetime import date

    @dataclass(frozen=True)
    class Inner(Result):
        code: str

    @dataclass(frozen=True)
    class Outer(Result):
        day: date
        inner: tuple[Inner, ...]
        value: float

        json_keys = ("day", ("items", "inner"), "value", "double")

        @property
        def double(self) -> float:
            return 2 * self.value

    outer = Outer(date(2026, 3, 1), (Inner("A"),), float("nan"))
    assert outer.to_dict()["items"] == [{"code": "A"}]
    assert json.loads(outer.to_json()) == {"day": "2026-03-01", "items": [{"code": "A"}], "value": None, "double": None}
    assert set(outer.frames()) == {"summary", "items"}


# --- one trust policy everywhere -----------------------------------------------------------------------------------


@pytest.fixture
def china_home(tmp_path: Path) -> Path:
    """A policy whose home is China: China's suppliers are domestic, no longer adversary."""
    from allyshore.trust import default_policy_text

    path = tmp_path / "china-home.toml"
    path.write_text(
        default_policy_text()
        .replace('home = "US"', 'home = "CN"')
        .replace('name = "United States (allyshore default)"', 'name = "China home (test)"')
    )
    return path


def _risk(result: Any, source: str) -> float:
    row = result.flows.filter(pl.col("source_site") == source).row(0, named=True)
    return float(row["disruption"])


def test_the_trust_policy_reaches_the_landed_cost(tiny: allyshore.Network, china_home: Path) -> None:
    """The country-risk default follows the policy's tiers: S1 (China) at the adversary rate under the shipped
    policy, at the domestic rate when China is home (risk_tiers.csv: 0.04 and 0.005 of the price)."""
    shipped = allyshore.network_cost(tiny, as_of=AS_OF)
    home = allyshore.network_cost(tiny, as_of=AS_OF, policy=china_home)
    assert _risk(home, "S1") == pytest.approx(_risk(shipped, "S1") * 0.005 / 0.04)
    assert [a.value for a in home.assumptions if a.key == "trust_policy"] == ["China home (test)"]
    assert not [a for a in shipped.assumptions if a.key == "trust_policy"]
    option = allyshore.compare_sources(tiny, "K", as_of=AS_OF, policy=china_home).option("S1")
    assert "risk_tiers.domestic" in {a.key for a in option.assumptions}
    assert (
        option.per_unit
        == allyshore.sensitivity(tiny, "K", as_of=AS_OF, policy=china_home).comparison.option("S1").per_unit
    )


def test_the_report_costs_under_its_own_policy(tiny: allyshore.Network, china_home: Path) -> None:
    """``report --policy`` no longer mixes two policies: its landed cost is the cost under that policy."""
    from allyshore.report import ReportOptions, run_analyses

    context = run_analyses(tiny, ReportOptions(policy=china_home))
    assert context.policy.home == "CN"
    cost = context.cost
    assert cost is not None and not isinstance(cost, Exception)
    alone = allyshore.network_cost(tiny, policy=china_home)
    assert _risk(cost.network, "S1") == pytest.approx(_risk(alone, "S1"))
    assert cost.network.finished_goods_per_year == pytest.approx(alone.finished_goods_per_year)


# --- type checkers see the real signatures ---------------------------------------------------------------------------


@pytest.mark.slow
def test_mypy_strict_rejects_a_script_that_misuses_a_result(tmp_path: Path) -> None:
    """Behind the lazy names, ``mypy --strict`` checks a user's script: a wrong attribute of a result, a result
    field taken as the wrong type and a wrong option type are each an error; the same script used rightly passes."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        textwrap.dedent(
            """\
            import allyshore

            network = allyshore.load_network("infusion-pump")
            result = allyshore.exposure(network)
            print(result.goodz)
            count: int = result.network
            allyshore.network_cost(network, as_of=3)
            """
        )
    )
    right = tmp_path / "right.py"
    right.write_text(
        textwrap.dedent(
            """\
            import allyshore

            network = allyshore.load_network("infusion-pump")
            result: allyshore.ExposureResult = allyshore.exposure(network, policy=None)
            name: str = result.network
            cost = allyshore.network_cost(network, as_of="2026-03-01")
            print(name, result.to_json(), cost.finished_goods_per_year, result.frames()["goods"].height)
            """
        )
    )
    src = str(Path(allyshore.__file__).resolve().parents[1])
    env = {**os.environ, "MYPYPATH": src}

    def mypy(script: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
             "--cache-dir", str(tmp_path / "cache"), str(script)],
            capture_output=True, text=True, check=False, cwd=tmp_path, env=env, timeout=600,
        )  # fmt: skip

    done = mypy(wrong)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = done.stdout.splitlines()
    assert any(':5: error: "ExposureResult" has no attribute "goodz"' in line for line in errors), errors
    assert any(":6: error: Incompatible types in assignment" in line for line in errors), errors
    assert any(':7: error: Argument "as_of" to "network_cost" has incompatible type "int"' in line for line in errors)
    assert len(errors) == 3, errors
    done = mypy(right)
    assert done.returncode == 0, done.stdout + done.stderr
