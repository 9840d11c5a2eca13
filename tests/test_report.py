"""The HTML report: the section registry, atomic writing, and the demo report in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from allyshore import Network
from allyshore.errors import InputError, NotFoundError
from allyshore.report import MARKER, ReportContext, Section, build_report, render_report, write_report
from allyshore.report.sections import BUILDERS, Figure, build_sections, resolve_builder

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


HERE = __name__


@pytest.fixture
def tiny(tiny_document: dict[str, object]) -> Network:
    return Network.from_dict(tiny_document, name="tiny")


def test_registry_names_importable_builders() -> None:
    assert BUILDERS, "the registry is empty"
    assert len(set(BUILDERS)) == len(BUILDERS)
    for dotted in BUILDERS:
        assert callable(resolve_builder(dotted)), dotted


def test_resolve_builder_rejects_bad_names() -> None:
    with pytest.raises(InputError, match=r"package\.module:function"):
        resolve_builder("allyshore.report.quality")
    with pytest.raises(InputError, match="has no function 'nope'"):
        resolve_builder("allyshore.report.quality:nope")


def test_sections_follow_registry_order_and_skip_none(tiny: Network) -> None:
    CALLS.clear()
    steps: list[int] = []
    context = ReportContext(network=tiny)
    sections = build_sections(
        context,
        [f"{HERE}:build_nothing", f"{HERE}:build_first", f"{HERE}:build_unavailable"],
        advance=lambda: steps.append(1),
    )
    assert CALLS == ["nothing", "first"]
    assert len(steps) == 3
    assert [s.id for s in sections] == ["first", "test_report-unavailable"]
    assert "no origin data for item" in str(sections[1].html)


def test_a_bug_in_a_builder_propagates(tiny: Network) -> None:
    with pytest.raises(RuntimeError, match="a bug"):
        build_sections(ReportContext(network=tiny), [f"{HERE}:build_broken"])


def test_duplicate_section_ids_are_refused(tiny: Network) -> None:
    with pytest.raises(ValueError, match="share the id 'first'"):
        build_sections(ReportContext(network=tiny), [f"{HERE}:build_first", f"{HERE}:build_first"])


def test_context_caches_analyses(tiny: Network) -> None:
    context = ReportContext(network=tiny)
    runs: list[int] = []
    assert context.analysis("x", lambda: runs.append(1) or 7) == 7
    assert context.analysis("x", lambda: runs.append(1) or 8) == 7
    assert runs == [1]


def test_page_escapes_titles_and_plain_html(tiny: Network) -> None:
    report = build_report(tiny, builders=[f"{HERE}:build_first", f"{HERE}:build_plain"])
    html = render_report(report)
    assert "First &lt;section&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p id='first-body'>one</p>" in html
    assert 'href="#section-first"' in html
    assert "Widgets" in html  # the headline figure


def test_write_report_is_atomic(tiny: Network, tmp_path: Path) -> None:
    out = tmp_path / "report"
    index = write_report(tiny, out, builders=[f"{HERE}:build_first"])
    assert index == out / "index.html"
    first = index.read_text()
    assert (out / MARKER).exists()
    # A failing build leaves the earlier report untouched and no temporary folder behind.
    with pytest.raises(RuntimeError):
        write_report(tiny, out, builders=[f"{HERE}:build_first", f"{HERE}:build_broken"])
    assert index.read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    # A successful build replaces it whole.
    write_report(tiny, out, builders=[f"{HERE}:build_plain"])
    assert "Plain" in index.read_text()
    assert "first-body" not in index.read_text()


def test_write_report_refuses_a_folder_of_other_files(tiny: Network, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty and holds no earlier report"):
        write_report(tiny, tmp_path, builders=[f"{HERE}:build_first"])
    assert (tmp_path / "notes.txt").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_report(tiny, empty, builders=[f"{HERE}:build_first"]).exists()


def test_quality_section_lists_exposure_findings_and_blank_columns(tiny_document: dict[str, Any]) -> None:
    del tiny_document["supply"][1]["unit_price"]
    del tiny_document["items"][1]["unit_cost"]
    network = Network.from_dict(tiny_document, name="no-price")
    (section,) = build_sections(ReportContext(network=network), ["allyshore.report.quality:build"])
    html = str(section.html)
    assert "no price for S1/K" in html
    assert "row 2, column &#39;unit_price&#39;" in html
    # and the duties the landed cost could not determine: K (8536.50) into Mexico from China (active) and from
    # the US (candidate, not marked USMCA-originating): no TIGIE table is shipped
    assert "mfn duty unknown for item K (HTS 8536.50) from CN into MX" in html
    assert "mfn duty unknown for item K (HTS 8536.50) from US into MX" in html
    assert "no Mexican IGI (TIGIE) rates are shipped" in html
    assert section.figures[0].value == "3" and section.figures[0].tone == "warn"
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
    context = ReportContext(network=Network.from_dict(doc, name="distributor"))
    sections = build_sections(
        context,
        ["allyshore.report.overview:build", "allyshore.report.worldmap:build", "allyshore.report.chokepoints:build"],
    )
    figures = {f.label: f for s in sections for f in s.figures}
    assert figures["Single-source purchased items"].value == "2"
    assert "in-house" in figures["Single-source purchased items"].note
    assert figures["Countries"].value == "4"
    overview = str(sections[0].html)
    assert "only as the maker" in overview
    chokepoints = str(sections[2].html)
    assert "D (US, made in JP)" in chokepoints
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


def test_map_draws_country_arcs_for_large_networks(tiny: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    from allyshore.report import worldmap

    (section,) = build_sections(ReportContext(network=tiny), ["allyshore.report.worldmap:build"])
    assert "Supplier 1 → Plant" in str(section.html)
    monkeypatch.setattr(worldmap, "MAX_SITE_ARCS", 2)
    (section,) = build_sections(ReportContext(network=tiny), ["allyshore.report.worldmap:build"])
    html = str(section.html)
    assert "links 3 pairs of sites" in html
    assert "China → Mexico: 1 flows" in html and "Supplier 1 → Plant" not in html
    assert html.count('class="flow"') == 3 * html.count('<svg class="map"')  # three country pairs in every view
