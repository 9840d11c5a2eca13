"""The report's sourcing-plan section: the frontier chart, the change list, the exposure by tier before and after,
the binding constraints in words; the plan and its frontier run in the report's analysis step, never in the
section's builder.

The network is the hand-worked one of test_optimize_golden.py: one plant P in the US makes G (100 a unit, 50 a
week) from 2 units of K, bought today wholly from A (China, adversary) at 10, with candidates B (Germany, ally) at
15 and M (Mexico) at 14. The value of one G is made at P (US): 100 - 2 (10 x_A + 15 x_B + 14 x_M); at A: 20 x_A; at
B: 30 x_B; at M: 28 x_M; so the trusted share is 1 - 0.2 x_A, and a minimum trusted share s allows x_A <= (1 - s) / 0.2.
The need of K is 50 * 2 * 52 = 5,200 units a year; c_A < c_B < c_M are the landed-cost engine's unit costs (read
from the plan's choices), so each minimum s is met at x_A = (1 - s) / 0.2, x_B = 1 - x_A.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import allyshore
from allyshore.optimize.choices import build_choices
from allyshore.report import PlanSettings, ReportContext, ReportOptions, run_analyses, sourcing_plan
from allyshore.report.analyses import analysis_steps, default_sweep
from allyshore.report.formatting import percent, usd
from allyshore.report.sections import build_sections
from test_optimize_golden import NEED, network

SWEEP = "min-trusted-share=0.8:1:3"


def unit_costs(net: allyshore.Network) -> dict[str, float]:
    """The landed cost per unit of K from each source, today (the report prices the plan today)."""
    frame = build_choices(net).frame.filter(item_id="K")
    return dict(zip(frame.get_column("from_site").to_list(), frame.get_column("cost_per_unit").to_list(), strict=True))


@pytest.fixture(scope="module")
def plan_context() -> ReportContext:
    """The report's analyses with the plan of a minimum trusted share of 90% and the frontier 80%, 90%, 100%."""
    options = ReportOptions(plan=PlanSettings(options={"min_trusted_share": 0.9}, sweep=SWEEP))
    return run_analyses(network(), options)


def section_html(context: ReportContext) -> str:
    (section,) = build_sections(context, [sourcing_plan.build])
    assert section.id == "sourcing-plan" and section.title == "Sourcing plan"
    return str(section.html)


def table(html: str, table_id: str) -> list[list[str]]:
    """The cells' text of each body row of the table ``table_id``."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body is not None, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]


def test_the_frontier_chart_plots_cost_against_trusted_share(plan_context: ReportContext) -> None:
    """One mark per point of the sweep, plus today and the plan; the points' costs as derived by hand."""
    html = section_html(plan_context)
    chart = re.search(r'<svg class="chart" id="chart-plan-frontier".*?</svg>', html, re.S)
    assert chart is not None
    svg = chart.group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Trusted share of the finished goods&#39; value after the plan" in texts  # the x axis
    assert "Cost a year (USD)" in texts  # the y axis
    assert "today" in texts and "this plan" in texts
    # three plans of the frontier, today's sourcing and the plan: five marks, the frontier joined by one line
    assert svg.count('<circle class="point"') == 5 and svg.count("<polyline") == 1
    assert any(t.endswith("%") for t in texts) and any(t.startswith("$") for t in texts)  # ticks in % and USD
    c = unit_costs(network())
    assert c["A"] < c["B"] < c["M"]
    # s = 0.8: x_A = 1 (today's plan), 5,200 c_A; s = 0.9: x_A = 0.5, 5,200 (0.5 c_A + 0.5 c_B); s = 1: 5,200 c_B
    expected = [NEED * c["A"], NEED * (0.5 * c["A"] + 0.5 * c["B"]), NEED * c["B"]]
    rows = table(html, "plan-frontier-table")
    assert [r[0] for r in rows] == [
        "minimum trusted share 80%",
        "minimum trusted share 90%",
        "minimum trusted share 100%",
    ]
    assert [r[1] for r in rows] == [usd(v) for v in expected]
    assert [r[2] for r in rows] == [usd(v - expected[0]) for v in expected]  # over the cheapest point
    # trusted share 1 - 0.2 x_A: 80%, 90%, 100%; adversary (CN) 0.2 x_A: 20%, 10%, 0%
    assert [r[3] for r in rows] == ["80.0%", "90.0%", "100.0%"]
    assert [r[4] for r in rows] == ["20.0%", "10.0%", "0.0%"]


def test_the_change_list_names_each_moved_share(plan_context: ReportContext) -> None:
    """At s = 0.9, x_A = (1 - 0.9) / 0.2 = 0.5 and x_B = 0.5: A 100% -> 50%, B (new) 0% -> 50%, M untouched."""
    rows = table(section_html(plan_context), "plan-changes-table")
    assert [r[:5] for r in rows] == [
        ["K", "P", "A", "CN", "Adversary"],
        ["K", "P", "B new", "DE", "Ally"],
    ]
    assert [r[5:] for r in rows] == [["100.0%", "50.0%", "-50.0%"], ["0.0%", "50.0%", "+50.0%"]]


def test_exposure_by_tier_before_and_after(plan_context: ReportContext) -> None:
    """Value of one G today (x_A = 1): at P 100 - 20 = 80 (domestic), at A 20 (adversary): 80% / 20%. After
    (x_A = x_B = 0.5): at P 100 - 2 (5 + 7.5) = 75, at B 30 * 0.5 = 15 (ally), at A 20 * 0.5 = 10: 75% / 15% / 10%."""
    html = section_html(plan_context)
    chart = re.search(r'<svg class="chart" id="chart-plan-tiers".*?</svg>', html, re.S)
    assert chart is not None
    tips = re.findall(r'data-tip="([^"]*)"', chart.group(0))
    assert tips == [
        "Today\nDomestic: 80.0%",
        "Today\nAdversary: 20.0%",
        "Plan\nDomestic: 75.0%",
        "Plan\nAlly: 15.0%",
        "Plan\nAdversary: 10.0%",
    ]
    assert table(html, "plan-goods-table") == [["G", "80.0%", "90.0%", "20.0%", "10.0%"]]


def test_the_binding_constraints_in_words(plan_context: ReportContext) -> None:
    """The trusted-share row binds; its shadow price: one more unit of share needs x_A lower by 1 / 0.2 = 5, moved
    from A to B at 5,200 (c_B - c_A) a year per unit of x, so 5 * 5,200 (c_B - c_A) a year per unit of share,
    one hundredth of it per percentage point. Demand, which always binds, is not listed."""
    html = section_html(plan_context)
    binding = re.search(r'<ul id="plan-binding">(.*?)</ul>', html, re.S)
    assert binding is not None
    items = re.findall(r"<li>(.*?)</li>", binding.group(1), re.S)
    assert len(items) == 1
    (words,) = items
    assert words.startswith("<strong>Min trusted share</strong>: trusted (ally or above) share of each finished")
    assert "&gt;= 0.9" in words
    c = unit_costs(network())
    per_unit = 5 * NEED * (c["B"] - c["A"])
    assert f"would save about {usd(per_unit / 100)} a year" in words
    assert "demand met" not in binding.group(1).lower()


def test_the_section_figures_and_summary(plan_context: ReportContext) -> None:
    (section,) = build_sections(plan_context, [sourcing_plan.build])
    figures = {f.label: f.value for f in section.figures}
    assert figures["Plan"] == "optimal"
    assert figures["Trusted share of value"] == f"{percent(0.8)} → {percent(0.9)}"
    assert figures["Adversary share of value"] == f"{percent(0.2)} → {percent(0.1)}"
    assert figures["Share changes"] == "2"
    c = unit_costs(network())
    # the plan against today: 5,200 (0.5 c_A + 0.5 c_B) - 5,200 c_A = 2,600 (c_B - c_A), dearer
    assert figures["Cost a year, plan against today"] == "+" + usd(NEED / 2 * (c["B"] - c["A"]))


def test_the_builder_only_draws(plan_context: ReportContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the optimiser, the sweep and the exposure engine made to fail, the section is drawn the same."""
    import importlib

    before = section_html(plan_context)

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sourcing-plan builder ran an analysis")

    targets = {
        "allyshore.optimize": ("optimize", "pareto"),
        "allyshore.optimize.plan": ("optimize", "side", "apply_plan"),
        "allyshore.optimize.pareto": ("pareto",),
        "allyshore.optimize.model": ("build_model", "solve_model"),
        "allyshore.optimize.choices": ("build_choices",),
        "allyshore.exposure.analysis": ("exposure",),
        "allyshore.report.analyses": ("plan_results", "run_analyses"),
    }
    for module, names in targets.items():
        loaded = importlib.import_module(module)
        for name in names:
            monkeypatch.setattr(loaded, name, no_analysis)
    assert section_html(plan_context) == before


def test_no_plan_asked_no_section() -> None:
    """Without ``plan`` in the options the plan is not run and the section is left out."""
    context = run_analyses(network())
    assert context.plan is None and ReportOptions().plan is None
    assert build_sections(context, [sourcing_plan.build]) == []
    assert analysis_steps(ReportOptions()) == 6 and analysis_steps(ReportOptions(plan=PlanSettings())) == 7


def test_an_infeasible_plan_is_explained() -> None:
    """min trusted share 0.9 needs x_A <= 0.5, but with DE and MX capped at 0 only A is left: the constraints
    conflict by 0.1 (the trusted share of x_A = 1 is 0.8). The frontier's 80% point is today's plan; 90% and 100%
    have none."""
    options = {"min_trusted_share": 0.9, "max_country_share": {"DE": 0.0, "MX": 0.0}}
    context = run_analyses(network(), ReportOptions(plan=PlanSettings(options=options, sweep=SWEEP)))
    html = section_html(context)
    assert "infeasible" in html
    conflicts = re.search(r'<ul id="plan-conflicts">(.*?)</ul>', html, re.S)
    assert conflicts is not None and "needs to give way by 0.1" in conflicts.group(1)
    assert 'id="plan-changes-table"' not in html  # no plan, no change list
    infeasible = re.search(r'id="plan-frontier-infeasible">(.*?)</p>', html, re.S)
    assert infeasible is not None
    assert infeasible.group(1) == "No plan meets every constraint with a minimum trusted share of 90% or 100%."
    assert table(html, "plan-frontier-table")[0][0] == "minimum trusted share 80%"


def test_the_default_sweep_spans_today_and_the_plan() -> None:
    """Five points in round steps to 100% from at or below the lowest good's trusted share, today's or the plan's:
    lowest 0.66 -> 0.65; (1 - 0.65) / 4 = 0.0875, rounded up to 0.1, so 0.6, 0.7, 0.8, 0.9, 1."""
    from allyshore.optimize import OptimizeResult, PlanOptions

    def result(today: float, after: float) -> OptimizeResult:
        def side(low: float) -> dict[str, Any]:
            # the total's share 0.9 (or the lowest good's, if higher); the goods' lowest share ``low``
            goods = [{"trusted_share": low}, {"trusted_share": max(low, 0.95)}]
            return {"trusted_share": max(0.9, low), "goods": goods}

        return OptimizeResult("optimal", 0.0, "2026-01-15", {}, side(today), side(after), (), (), ())

    assert default_sweep(result(0.7, 0.66), PlanOptions(), 5) == ("min-trusted-share=0.6:1:5", "")
    # lowest 0.8: (1 - 0.8) / 4 = 0.05 exactly: 0.8, 0.85, ..., 1
    assert default_sweep(result(0.8, 0.9), PlanOptions(), 5) == ("min-trusted-share=0.8:1:5", "")
    # the total's share (0.9) with trusted_scope = "total", three points: (1 - 0.9) / 2 = 0.05: 0.9, 0.95, 1
    assert default_sweep(result(0.7, 0.66), PlanOptions(trusted_scope="total"), 3)[0] == "min-trusted-share=0.9:1:3"
    sweep, note = default_sweep(result(1.0, 1.0), PlanOptions(), 5)
    assert sweep is None and "wholly from trusted tiers" in note
    assert default_sweep(result(0.7, 0.66), PlanOptions(), 0) == (None, "")


def test_the_default_frontier_is_refined_where_it_ends() -> None:
    """With DE capped at 0.1 of G's value, x_B <= 0.1 / 0.3 and x_M takes the rest of the trusted share, so 100%
    is reachable; capping MX at 0 too, the trusted share is at most 1 - 0.2 (1 - 1/3) = 0.8667: the default sweep
    (0.8 to 1 in 3) meets 0.8 only, and the points between 0.8 and 0.9 are added."""
    options = {"max_country_share": {"DE": 0.1, "MX": 0.0}}
    context = run_analyses(network(), ReportOptions(plan=PlanSettings(options=options, points=3)))
    assert context.plan is not None and not isinstance(context.plan, Exception)
    assert context.plan.sweep == "min-trusted-share=0.8:1:3"
    frontier = context.plan.frontier
    assert frontier is not None and not isinstance(frontier, Exception)
    values = [(round(float(p["value"]), 4), p["status"]) for p in frontier.frontier]
    # 0.8 + k * 0.1 / 4 for k = 1..3: 0.825, 0.85 (both <= 0.8667, met) and 0.875 (not)
    assert values == [
        (0.8, "optimal"),
        (0.825, "optimal"),
        (0.85, "optimal"),
        (0.875, "infeasible"),
        (0.9, "infeasible"),
        (1.0, "infeasible"),
    ]


def test_report_command_adds_the_plan_of_the_policy_file(tmp_path: Path) -> None:
    """`allyshore report NET --optimize --policy plan.toml` with only an [optimize] table: the shipped trust
    policy and the plan's minimum of 90% (x_A = 0.5, as above); without --optimize no plan section."""
    from allyshore.cli import main
    from allyshore.io import write_network

    net = write_network(network(), tmp_path / "net.json")
    plan = tmp_path / "plan.toml"
    plan.write_text("[optimize]\nmin-trusted-share = 0.9\n")
    for name, extra in (("with", ["--optimize", "--sweep-points", "2"]), ("without", [])):
        with pytest.raises(SystemExit) as exit_info:
            main(["report", str(net), "-o", str(tmp_path / name), "--policy", str(plan), *extra])
        assert exit_info.value.code == 0
    html = (tmp_path / "with" / "index.html").read_text()
    assert 'id="section-sourcing-plan"' in html and 'id="chart-plan-frontier"' in html
    assert "Trusted share of the finished goods' value 80.0% → 90.0%" in html
    assert 'id="section-sourcing-plan"' not in (tmp_path / "without" / "index.html").read_text()


def test_a_bad_sweep_stops_the_report_before_anything_runs(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tiny_path), "-o", str(tmp_path / "r"), "--sweep", "min-trusted-share=0.5:1"])
    assert exit_info.value.code == 1
    assert "--sweep 'min-trusted-share=0.5:1'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_plan_stopped_by_the_time_limit_without_a_solution_is_drawn_as_no_plan(plan_context: ReportContext) -> None:
    """A stored result with no plan (the time limit reached first: costs unknown, 'after' repeats 'before') is
    drawn from the context alone: no change list, no 'this plan' mark, no cost figure."""
    import dataclasses
    import math

    from allyshore.report.context import PlanResults

    assert isinstance(plan_context.plan, PlanResults)
    stored = plan_context.plan.result
    nan = math.nan
    objective = dict.fromkeys(
        ("total_per_year", "landed_cost_per_year", "qualification_per_year", "risk_per_year"), nan
    )
    stopped = dataclasses.replace(
        stored, status="time_limit", objective=objective, after=stored.before, plan=(), changes=(), network=None
    )
    context = dataclasses.replace(plan_context, plan=dataclasses.replace(plan_context.plan, result=stopped))
    (section,) = build_sections(context, [sourcing_plan.build])
    html = str(section.html)
    assert "the solver reached its time limit before finding one" in html
    assert 'id="plan-changes-table"' not in html and "this plan" not in html
    assert 'id="chart-plan-frontier"' in html  # the frontier's own points stand
    assert {f.label for f in section.figures} == {"Plan"}


def test_the_plan_section_in_chromium(plan_context: ReportContext, tmp_path: Path) -> None:
    """In headless Chromium: no page error, the frontier's marks carry their hover text, the change list sorts."""
    from allyshore.report import write_context
    from test_report import CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium, or run make test)")
    from playwright import sync_api

    index = write_context(plan_context, tmp_path / "report")
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(index.resolve().as_uri())
            marks = page.locator("#chart-plan-frontier circle.point")
            assert marks.count() == 5
            marks.nth(3).hover()  # today's sourcing: x_A = 1, trusted 80%
            assert "Today's sourcing" in page.locator("#tooltip").inner_text()
            first_source = page.locator("#plan-changes-table tbody tr").first
            page.locator("#plan-changes-table th").nth(7).click()  # by change: A -50% first, then B +50% first
            assert first_source.inner_text().split("\t")[2] == "A"
            page.locator("#plan-changes-table th").nth(7).click()
            assert first_source.inner_text().split("\t")[2].startswith("B")
        finally:
            browser.close()
    assert errors == []
