"""The HTML report: the section registry, atomic writing, and the demo report in headless Chromium."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from allyshore import Network
from allyshore.errors import InputError, NotFoundError
from allyshore.report import (
    BUILDERS,
    MARKER,
    ReportContext,
    Section,
    chokepoints,
    overview,
    quality,
    render_context,
    render_report,
    report_steps,
    run_analyses,
    worldmap,
    write_context,
    write_report,
)
from allyshore.report.sections import Figure, build_sections

CALLS: list[str] = []


def build_first(context: ReportContext) -> Section:
    CALLS.append("first")
    return Section(
        id="first",
        title="First <section>",
        html=Markup("<p id='first-body'>one</p>"),
        figures=(Figure("Widgets", "42", headline=True),),
    )


def build_nothing(context: ReportContext) -> None:
    CALLS.append("nothing")
    return None


def build_unavailable(context: ReportContext) -> Section:
    raise NotFoundError("no origin data for item 'G'")


def build_broken(context: ReportContext) -> Section:
    raise RuntimeError("a bug in a section")


def build_plain(context: ReportContext) -> Section:
    return Section(id="plain", title="Plain", html="<script>alert(1)</script>")  # type: ignore[arg-type]


@pytest.fixture
def tiny(tiny_document: dict[str, object]) -> Network:
    return Network.from_dict(tiny_document, name="tiny")


@pytest.fixture(scope="module")
def tiny_context() -> ReportContext:
    """The analyses of the tiny network, run once for the tests that only draw sections (with a sourcing plan, so
    that every section is drawn)."""
    from allyshore.report import PlanSettings, ReportOptions
    from conftest import TINY

    options = ReportOptions(plan=PlanSettings(points=3))
    return run_analyses(Network.from_dict(copy.deepcopy(TINY), name="tiny"), options)


def test_registry_lists_the_builders_of_the_report_modules() -> None:
    assert BUILDERS, "the registry is empty"
    assert len(set(BUILDERS)) == len(BUILDERS)
    for builder in BUILDERS:
        assert callable(builder) and builder.__module__.startswith("allyshore.report."), builder


def test_sections_follow_registry_order_and_skip_none(tiny_context: ReportContext) -> None:
    CALLS.clear()
    steps: list[tuple[int, int]] = []
    sections = build_sections(
        tiny_context, [build_nothing, build_first, build_unavailable], progress=lambda *step: steps.append(step)
    )
    assert CALLS == ["nothing", "first"]
    assert steps == [(1, 3), (2, 3), (3, 3)]  # one step per builder, of the three
    assert [s.id for s in sections] == ["first", "test_report-unavailable"]
    assert "no origin data for item" in str(sections[1].html)


def test_a_bug_in_a_builder_propagates(tiny_context: ReportContext) -> None:
    with pytest.raises(RuntimeError, match="a bug"):
        build_sections(tiny_context, [build_broken])


def test_duplicate_section_ids_are_refused(tiny_context: ReportContext) -> None:
    with pytest.raises(ValueError, match="share the id 'first'"):
        build_sections(tiny_context, [build_first, build_first])


def _html(context: ReportContext) -> str:
    """The report of ``context`` without its time of making."""
    return re.sub(r"generated [^·]+·", "generated ·", render_report(render_context(context)))


def test_builders_only_draw_the_results_of_the_context(
    tiny_context: ReportContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every analysis made to fail, the report of a context made earlier is drawn all the same."""
    before = _html(tiny_context)

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("a section builder ran an analysis")

    targets = {
        "allyshore.exposure.analysis": ("exposure", "exposure_of_graph"),
        "allyshore.model.validate": ("check_network",),
        "allyshore.trust": ("assess_countries", "load_policy"),
        "allyshore.cost.network": ("network_cost",),
        "allyshore.cost.sensitivity": ("sensitivity",),
        "allyshore.cost.compare": ("compare_sources",),
        "allyshore.resilience.stress": ("stress_test",),
        "allyshore.origin.from_network": ("determine_network",),
        "allyshore.advisor": ("advise_qualification",),
        "allyshore.optimize.plan": ("optimize",),
        "allyshore.optimize.pareto": ("pareto",),
        "allyshore.optimize.model": ("build_model", "solve_model"),
    }
    import importlib
    import sys

    drawing = [m for n, m in sys.modules.items() if n.startswith("allyshore.report")]
    for module, names in targets.items():
        for name in names:
            analysis = importlib.import_module(module)
            original = getattr(analysis, name)
            monkeypatch.setattr(analysis, name, no_analysis)
            for loaded in drawing:  # a name imported into a report module at its import, too
                for attribute, value in list(vars(loaded).items()):
                    if value is original:
                        monkeypatch.setattr(loaded, attribute, no_analysis)
    assert _html(tiny_context) == before
    assert len(re.findall(r'<section[^>]* id="section-', before)) == len(BUILDERS)


def test_a_report_renders_from_stored_results(tiny_context: ReportContext) -> None:
    """The context is plain data: stored (here pickled) and read back, it draws the same report."""
    import pickle

    stored = pickle.loads(pickle.dumps(tiny_context))
    assert _html(stored) == _html(tiny_context)


def test_each_lower_step_reports_progress_in_the_one_convention(tiny_context: ReportContext, tmp_path: Path) -> None:
    """run_analyses, render_context and write_context call ``progress(done, total)`` (conventions.Progress) like
    every analysis: 6 analyses; one step per builder; one per builder and one for the writing."""
    seen: dict[str, list[tuple[int, int]]] = {"analyses": [], "render": [], "write": []}
    run_analyses(tiny_context.network, progress=lambda *step: seen["analyses"].append(step))
    render_context(tiny_context, [build_first, build_nothing], progress=lambda *step: seen["render"].append(step))
    write_context(tiny_context, tmp_path / "r", [build_first], progress=lambda *step: seen["write"].append(step))
    assert seen == {
        "analyses": [
            (1, 6),
            (2, 6),
            (3, 6),
            (4, 6),
            (5, 6),
            (6, 6),
        ],  # trust, validation, exposure, cost, stress, origin
        "render": [(1, 2), (2, 2)],
        "write": [(1, 2), (2, 2)],
    }


def test_each_analysis_runs_once(tiny: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stress test runs twice (every site, then every country at once) and the origin advisor once per
    failing good, however many sections show them; the progress bar counts every step."""
    from allyshore import advisor
    from allyshore.resilience import stress
    from test_origin_advise import three_inputs

    calls: list[str] = []

    def counted(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(stress, "stress_test")
    counted(advisor, "advise_qualification")
    steps: list[tuple[int, int]] = []
    write_report(tiny, tmp_path / "tiny", progress=lambda done, total: steps.append((done, total)))
    assert calls == ["stress_test", "stress_test"]  # G originates: no plan
    assert steps == [(done, report_steps()) for done in range(1, report_steps() + 1)]
    calls.clear()
    index = write_report(Network.from_dict(three_inputs()), tmp_path / "three")
    assert calls.count("advise_qualification") == 1  # G, made in Mexico from Chinese K, L and M, does not originate
    assert "Cost to qualify the rest" in index.read_text()


def test_cost_section_needs_no_more_sensitivities_than_are_run() -> None:
    """run_analyses costs only the candidates the cost section can still show: with every candidate's sensitivity
    given, the section is drawn the same."""
    import dataclasses

    import allyshore
    from allyshore.cost.sensitivity import sensitivity
    from allyshore.report import cost
    from allyshore.report.analyses import comparable_items
    from allyshore.report.context import ItemSensitivity

    network = allyshore.load_sample("infusion-pump")
    context = run_analyses(network)
    assert context.cost is not None and not isinstance(context.cost, Exception)
    pairs = comparable_items(context.cost.network)
    assert len(context.cost.items) < len(pairs)
    every = tuple(ItemSensitivity(i, s, sensitivity(network, i, s)) for i, s in pairs)
    whole = dataclasses.replace(context, cost=dataclasses.replace(context.cost, items=every))
    shown, drawn = cost.build(context), cost.build(whole)
    assert shown is not None and drawn is not None
    assert str(shown.html) == str(drawn.html)


def test_page_escapes_titles_and_plain_html(tiny_context: ReportContext) -> None:
    report = render_context(tiny_context, builders=[build_first, build_plain])
    html = render_report(report)
    assert "First &lt;section&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p id='first-body'>one</p>" in html
    assert 'href="#section-first"' in html
    assert "Widgets" in html  # the headline figure


def test_write_report_is_atomic(tiny: Network, tiny_context: ReportContext, tmp_path: Path) -> None:
    out = tmp_path / "report"
    index = write_report(tiny, out, builders=[build_first])
    assert index == out / "index.html"
    first = index.read_text()
    assert (out / MARKER).exists()
    # A failing build leaves the earlier report untouched and no temporary folder behind.
    with pytest.raises(RuntimeError):
        write_context(tiny_context, out, builders=[build_first, build_broken])
    assert index.read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    # A successful build replaces it whole.
    write_context(tiny_context, out, builders=[build_plain])
    assert "Plain" in index.read_text()
    assert "first-body" not in index.read_text()


def test_write_report_refuses_a_folder_of_other_files(
    tiny: Network, tiny_context: ReportContext, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty and holds no earlier report"):
        write_report(tiny, tmp_path, builders=[build_first])
    with pytest.raises(InputError, match="not empty and holds no earlier report"):
        write_context(tiny_context, tmp_path, builders=[build_first])
    assert (tmp_path / "notes.txt").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_context(tiny_context, empty, builders=[build_first]).exists()


def test_quality_section_lists_exposure_findings_and_blank_columns(tiny_document: dict[str, Any]) -> None:
    del tiny_document["supply"][1]["unit_price"]
    del tiny_document["items"][1]["unit_cost"]
    network = Network.from_dict(tiny_document, name="no-price")
    (section,) = build_sections(run_analyses(network), [quality.build])
    html = str(section.html)
    assert "no price for S1/K" in html
    assert "row 2, column &#39;unit_price&#39;" in html
    # and the duties the landed cost could not determine: K (8536.50) into Mexico from China (active) and from
    # the US (candidate, not marked USMCA-originating): no TIGIE table is shipped
    # (one finding: the same reason)
    assert "mfn duty unknown for item K (HTS 8536.50) from CN, US into MX" in html
    assert "(2 duty(ies), 2 flow(s))" in html
    assert "no Mexican IGI (TIGIE) rates are shipped" in html
    assert section.figures[0].value == "2" and section.figures[0].tone == "warn"
    assert section.figures[3].label == "Unknown duties" and section.figures[3].value == "2"
    # completeness: 2 of 3 supply rows carry a price; no site has coordinates
    assert re.search(r'unit_price</td>\s*<td class="num" data-sort="[0-9.]+">2 of 3</td>', html)
    assert re.search(r'lat</td>\s*<td class="num" data-sort="0.0">0 of 4</td>', html)


def test_key_figures_count_purchased_single_sources_and_makers_countries(tiny_document: dict[str, Any]) -> None:
    """TINY: G is made at plant PL from 2 K bought from S1 (CN) alone. Give S1's K a sub-assembly of PL's own
    (H, made at PL from K) and a US distributor D selling G's second part J, made in Japan (origin_country JP).

    Single-source purchased items: K and J (G is the finished good, H an in-house sub-assembly): 2.
    Countries: the sites' MX, CN, US, plus JP, named only as a maker's country: 4.
    """
    doc = tiny_document
    doc["sites"].append({"site_id": "D", "name": "Distributor", "country": "US", "kind": "supplier"})
    doc["items"] += [{"item_id": "H", "unit_cost": 40}, {"item_id": "J", "unit_cost": 5}]
    doc["bom"] = [
        {"parent_id": "G", "child_id": "H", "quantity": 1},
        {"parent_id": "G", "child_id": "J", "quantity": 1},
        {"parent_id": "H", "child_id": "K", "quantity": 2},
    ]
    doc["supply"] += [
        {"site_id": "PL", "item_id": "H", "unit_price": 40},
        {"site_id": "D", "item_id": "J", "unit_price": 5, "origin_country": "JP"},
    ]
    doc["flows"].append({"from_site": "D", "to_site": "PL", "item_id": "J", "crossing": "Laredo"})
    context = run_analyses(Network.from_dict(doc, name="distributor"))
    sections = build_sections(context, [overview.build, worldmap.build, chokepoints.build])
    figures = {f.label: f for s in sections for f in s.figures}
    assert figures["Single-source purchased items"].value == "2"
    assert "in-house" in figures["Single-source purchased items"].note
    assert figures["Countries"].value == "4"
    assert "only as the maker" in str(sections[0].html)
    assert "D (US, made in JP)" in str(sections[2].html)
    goods = context.exposure_dict()["goods"]
    assert goods[0]["by_country"]["JP"] == pytest.approx(5 / 100)


def test_report_command_uses_the_given_policy(tiny_path: Path, tmp_path: Path) -> None:
    """With Mexico as home country, the Mexican plant's country is domestic on the map and in the overview."""
    import re

    from allyshore.cli import main
    from allyshore.trust import TIER_COLORS, default_policy_text

    policy = tmp_path / "mx.toml"
    policy.write_text(default_policy_text().replace('home = "US"', 'home = "MX"'))
    assert 'home = "MX"' in policy.read_text()
    for name, options in (("us", []), ("mx", ["--policy", str(policy)])):
        with pytest.raises(SystemExit) as exit_info:
            main(["report", str(tiny_path), "-o", str(tmp_path / name), *options])
        assert exit_info.value.code == 0
    us = (tmp_path / "us" / "index.html").read_text()
    mx = (tmp_path / "mx" / "index.html").read_text()
    mexico = re.compile(r'data-country="MX" data-tip="Mexico \(MX\)\nTrust tier: (\w+)')
    assert mexico.search(us).group(1) == "USMCA"  # type: ignore[union-attr]
    assert mexico.search(mx).group(1) == "Domestic"  # type: ignore[union-attr]
    assert f'fill="{TIER_COLORS["domestic"]}"' in mx
    assert "home country MX" in mx and "home country US" in us


def test_an_unreadable_policy_stops_the_report(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The policy is read before any analysis: a bad file is an error, not a report of failed sections."""
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tiny_path), "-o", str(tmp_path / "r"), "--policy", str(tmp_path / "missing.toml")])
    assert exit_info.value.code == 1
    assert "cannot read the policy file" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# --- the demo report in headless Chromium -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """Debian's Chromium (``make test`` installs it where missing); never a downloaded browser."""
    import shutil

    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    for path in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if Path(path).exists():
            return path
    return None


def test_demo_command_prints_where_the_report_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from allyshore.cli import main

    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(out)])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert str((out / "index.html").resolve()) in printed
    assert (out / "index.html").stat().st_size > 50_000


def test_report_command_reports_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from allyshore.cli import main

    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "infusion-pump", "-o", str(tmp_path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert "Traceback" not in err


def check_in_chromium(network: Network, out_dir: Path, screenshot: Path | None = None) -> None:
    """Write the report of ``network``, open it in headless Chromium and check what a reader sees."""
    from playwright import sync_api

    import allyshore
    from allyshore.report.formatting import percent

    chromium = find_chromium()
    assert chromium is not None
    index = write_report(network, out_dir)
    result = allyshore.exposure(network).to_dict()
    good = max(result["goods"], key=lambda g: g["by_tier"].get("adversary", 0.0))
    adversary = percent(good["by_tier"].get("adversary", 0.0))

    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(index.as_uri(), wait_until="load")

            # Key figures: the most exposed good and its adversary share, the site count.
            row = page.locator(f'#exposure-table tr[data-item="{good["item_id"]}"]')
            assert row.count() == 1
            assert row.locator("td.adversary-share").inner_text().strip() == adversary
            assert page.locator(f'#goods-table tr[data-item="{good["item_id"]}"]').count() == 1
            sites_figure = page.locator('.headline .figure[data-label="Sites"]')
            assert sites_figure.locator(".figure-value").inner_text().strip() == str(network.sites.height)

            # The map and the charts rendered as SVG with real geometry.
            assert page.locator("#map-world path[data-country]").count() > 150
            assert page.locator("#map-world .sites > *").count() == network.sites.height
            assert page.locator("#map-world path.flow").count() > 0
            assert page.locator("#chart-tiers rect.segment").count() >= len(result["goods"])
            assert page.locator("#chart-countries rect.segment").count() >= len(result["goods"])
            box = page.locator("#map-world").bounding_box()
            assert box is not None and box["width"] > 800 and box["height"] > 300
            mexico = page.locator('#map-world path[data-country="MX"]').bounding_box()
            assert mexico is not None and mexico["width"] > 40  # a real shape, drawn to scale

            # Hover text on a site marker (the inline script).
            marker = page.locator("#map-world .sites > *").last
            site = marker.get_attribute("data-site")
            marker.dispatch_event("mouseover")
            tooltip = page.locator("#tooltip")
            assert tooltip.is_visible()
            assert f"({site})" in tooltip.inner_text()
            marker.dispatch_event("mouseout")
            assert not tooltip.is_visible()

            # Sorting by a numeric column: the largest adversary share comes first on the second click.
            header = page.locator("#exposure-table th", has_text="Adversary").first
            header.click()
            header.click()
            first = page.locator("#exposure-table tbody tr").first.locator("td.adversary-share").inner_text()
            assert first.strip() == adversary

            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.mouse.move(0, 0)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    offline = [url for url in requests if not url.startswith(("file:", "data:", "about:"))]
    assert not offline, f"the report requests the network: {offline}"


@pytest.mark.browser
@pytest.mark.slow
def test_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    if find_chromium() is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium, or run make test)")
    import allyshore
    from allyshore.cli.report import DEMO_SAMPLE

    check_in_chromium(allyshore.load_sample(DEMO_SAMPLE), tmp_path / "report", ARTIFACTS / "report.png")


# --- the world map data -------------------------------------------------------------------------------------------


def test_world_map_has_every_major_country_with_provenance() -> None:
    import json

    from allyshore.report import asset_text
    from allyshore.report.worldmap import world

    data = world()
    for code in ("US", "MX", "CA", "CN", "DE", "JP", "KR", "TW", "VN", "IN", "MY", "SG", "HK", "RU", "BR", "XK"):
        assert data["countries"][code]["path"].startswith("M"), code
    assert "AQ" not in data["countries"]
    meta = json.loads(asset_text("world.meta.json"))
    assert "Natural Earth" in meta["source"] and "world-atlas" in meta["source"]
    assert "ISC" in meta["licence"] and "public domain" in meta["licence"]
    assert "Permission to use, copy, modify" in asset_text("world-atlas.LICENSE")


def test_no_country_ring_spans_the_antimeridian() -> None:
    """A ring that jumps from -180 to +180 would draw a line across the whole map (Russia, Fiji)."""
    import numpy as np

    from allyshore.report.worldmap import country_rings, world

    for code in world()["countries"]:
        for ring in country_rings(code):
            assert np.ptp(ring[:, 0]) < 600, code


def test_points_fall_in_the_right_country() -> None:
    import numpy as np

    from allyshore.report.projection import project
    from allyshore.report.worldmap import inside

    # Mexico City, Chicago, Toronto, Shenzhen (lon, lat)
    x, y = project([-99.13, -87.63, -79.38, 114.06], [19.43, 41.88, 43.65, 22.54])
    points = np.column_stack([x, y])
    assert inside("MX", points).tolist() == [True, False, False, False]
    assert inside("US", points).tolist() == [False, True, False, False]
    assert inside("CA", points).tolist() == [False, False, True, False]
    assert inside("CN", points).tolist() == [False, False, False, True]


def test_a_truck_flow_crosses_the_border_near_the_border() -> None:
    from allyshore.report.projection import project
    from allyshore.report.worldmap import Arc, inside

    (mx_x, us_x), (mx_y, us_y) = project([-100.31, -87.63], [25.69, 41.88])  # Monterrey -> Chicago
    arc = Arc.between((float(mx_x), float(mx_y)), (float(us_x), float(us_y)))
    exit_x, exit_y = arc.exit_point("MX")
    import numpy as np

    _, border_north = project([-100.0], [29.8])  # the Rio Grande near Laredo-Del Rio lies below about 29.8 N
    _, monterrey = project([-100.0], [25.69])
    assert monterrey[0] > exit_y > border_north[0] - 3  # y grows southward
    assert not inside("MX", np.array([[exit_x, exit_y]]))[0]


def test_map_draws_country_arcs_for_large_networks(
    tiny_context: ReportContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    (section,) = build_sections(tiny_context, [worldmap.build])
    assert "Supplier 1 → Plant" in str(section.html)
    monkeypatch.setattr(worldmap, "MAX_SITE_ARCS", 2)
    (section,) = build_sections(tiny_context, [worldmap.build])
    html = str(section.html)
    assert "links 3 pairs of sites" in html
    assert "China → Mexico: 1 flows" in html and "Supplier 1 → Plant" not in html
    assert html.count('class="flow"') == 3 * html.count('<svg class="map"')  # three country pairs in every view


def test_unknown_duties_with_one_reason_make_one_finding(tiny_document: dict[str, Any]) -> None:
    """Ten more Chinese inputs into the Mexican plant, all without a TIGIE rate: one finding names the first
    eight items and counts the rest; the figure counts every duty."""
    for i in range(10):
        tiny_document["items"].append({"item_id": f"P{i}", "hs_code": "8536.50", "unit_cost": 1})
        tiny_document["bom"].append({"parent_id": "G", "child_id": f"P{i}", "quantity": 1})
        tiny_document["supply"].append({"site_id": "S1", "item_id": f"P{i}", "unit_price": 1})
        tiny_document["flows"].append({"from_site": "S1", "to_site": "PL", "item_id": f"P{i}", "share": 1.0})
    (section,) = build_sections(run_analyses(Network.from_dict(tiny_document)), [quality.build])
    html = str(section.html)
    assert "mfn duty unknown for 11 items (K, P0, P1, P2, P3, P4, P5, P6 and 3 more) into MX" in html
    assert section.figures[3].value == "12"  # K from CN and from the US candidate, and P0-P9
