"""Report sections of simulate, optimize and capacity-match runs: drawn from the run's stored result (the report
runs no analysis), on results made by hand with the figures worked out here, and through the API."""

from __future__ import annotations

import re

import numpy as np

from allyshore.capacity.concordance import MatchClass
from allyshore.capacity.results import Candidate, CapacityMatch, ItemMatch, ScoreWeights
from allyshore.io import load_network
from allyshore.resilience.results import Contribution, SimulationResult
from allyshore.web.reports import has_report, render_run_report
from web_fixtures import Platform, sample_path


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table ``table_id``."""
    table = html[html.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_every_analysis_of_a_run_has_a_report_section() -> None:
    for analysis in ("exposure", "origin", "cost", "stress", "simulate", "optimize", "capacity-match"):
        assert has_report(analysis), analysis


def test_the_simulation_section_shows_the_stored_distribution_and_sources() -> None:
    network = load_network(sample_path())
    # four simulated years losing 0, 0, 100 and 300 USD: mean (0 + 0 + 100 + 300) / 4 = 100, a loss in 2 of 4
    # years (50%), worst year 300; the site S1 is 75 USD of the mean (75%), the country MX 25 (25%)
    result = SimulationResult(
        network="pump",
        runs=4,
        seed=7,
        annual_losses=np.array([0.0, 0.0, 100.0, 300.0]),
        contributions=(
            Contribution("MX", "country", "MX", 25.0, 0.25, 0.1),
            Contribution("S1", "site", "MX", 75.0, 0.75, 0.5),
        ),
        events=3,
        merged_events=3,
        overlaps=0,
        sets_solved=2,
        lp_solves=2,
        notes=("a stated assumption",),
    )
    html = render_run_report("simulate", network, result)
    assert html is not None and 'id="section-simulation"' in html
    summary = cells(html, "simulation-summary")[0]
    assert summary[1] == "$100.00" and summary[5] == "$300.00" and summary[6] == "50.0%"
    sources = cells(html, "simulation-sources-table")
    assert [row[0] for row in sources] == ["S1", "MX"]  # largest expected loss first
    assert sources[0][3:5] == ["$75.00", "75.0%"]
    assert 'id="simulation-sources"' in html  # the chart
    assert "a stated assumption" in html


def test_the_capacity_match_section_lists_the_best_candidates_per_item() -> None:
    network = load_network(sample_path())
    candidate = Candidate(
        establishment_id="E1",
        name="Moldes <del>Norte</del>",  # text of the data is escaped, never markup
        scian="326199",
        state="Nuevo León",
        municipality="Apodaca",
        lat=25.78,
        lon=-100.19,
        distance_km=120.4,
        employees_low=51,
        employees_high=100,
        score=0.8125,
        score_parts={},
        near_site="MTY",
    )
    match = CapacityMatch(
        network="pump",
        within_km=300.0,
        min_employees=None,
        top=5,
        road_circuity=1.3,
        weights=ScoreWeights(),
        items=(
            ItemMatch("housing", "3926.90", (MatchClass("32619", 1.0, ("326199",)),), (candidate,), ("MTY",), 7),
            ItemMatch("sensor", "9026.10", (), (), (), 0, note="no SCIAN class for its HS code"),
        ),
        establishments=1234,
    )
    html = render_run_report("capacity-match", network, match)
    assert html is not None and 'id="section-capacity-match"' in html
    rows = cells(html, "capacity-match-table")
    assert rows == [
        [
            "housing",
            "1",
            "Moldes &lt;del&gt;Norte&lt;/del&gt;",
            "326199",
            "Apodaca, Nuevo León",
            "120",
            "51-100",
            "0.812",
            "MTY",
        ]
    ]
    assert "1 of 2" in html and "1,234" in html  # items with a candidate; establishments read
    assert "sensor (no SCIAN class for its HS code)" in html
    assert 'id="capacity-match-in-range"' in html


def test_simulate_and_optimize_runs_answer_their_report(platform: Platform) -> None:
    org = platform.a
    made = {}
    for analysis, options in (("simulate", {"runs": 50}), ("optimize", {})):
        created = platform.client.post(
            f"/api/v1/networks/{org.network_id}/runs",
            headers=org.auth(),
            json={"analysis": analysis, "options": options},
        )
        assert created.status_code == 202
        made[analysis] = created.json()["id"]
    platform.run_pending()
    for analysis, section in (("simulate", "simulation"), ("optimize", "sourcing-plan")):
        report = platform.client.get(f"/api/v1/runs/{made[analysis]}/report", headers=org.auth("viewer"))
        assert report.status_code == 200, report.text
        assert f'id="section-{section}"' in report.text
