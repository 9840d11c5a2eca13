"""The web pages end to end in headless Chromium (Playwright, the system's Chromium), against a real server
(uvicorn on a free loopback port, SQLite, the embedded job runner): sign in, upload a broken file and see its
problems by row, upload the sample, run exposure and a stress test and watch their progress, open the results,
save an origin case and download its certification of origin from the record's page;
at 1280 px and at phone width, keyboard first, with axe-core's checks on every page (a serious or critical
violation fails).

Screenshots are kept in ``test-artifacts/e2e/`` (not committed). axe-core comes from the npm registry at install
time (``make axe-core`` puts it in ``build/axe-core/``; MPL-2.0, used unmodified); without it, or without
Chromium, these tests skip and say why. ``make test`` installs both.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from allyshore.store.tenancy import Accounts
from allyshore.web import Settings, create_app
from allyshore.web.security import hash_password
from test_certify import PARTIES
from test_report import ARTIFACTS, CHROMIUM_ARGS, ROOT, find_chromium
from web_fixtures import ORIGIN_CASE, PASSWORD, broken_network, sample_path

pytestmark = pytest.mark.browser

AXE = ROOT / "build" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "e2e"
EMAIL = "lead@e2e.example"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _needs() -> tuple[str, Any]:
    """Chromium and Playwright, or a skip saying what is missing."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium, or run make test)")
    if not AXE.exists():
        pytest.skip(f"axe-core not found at {AXE.relative_to(ROOT)}: run `make axe-core` (make test does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    return chromium, sync_api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    app: Any


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``allyshore serve``'s application under uvicorn in a thread, on SQLite with the embedded runner."""
    _needs()
    import uvicorn

    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'allyshore.db'}"
    settings = Settings(
        url, runner_threads=1, analysis_settings={"scheduler": "synchronous"}, key_file=str(folder / "k")
    )
    app = create_app(settings)
    Accounts(app.state.store).create_user(EMAIL, "E2E", "admin", hash_password(PASSWORD))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", app)
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium(server: Server) -> Iterator[Any]:
    executable, sync_api = _needs()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """What a page reports that a person would notice: script errors, refused resources (CSP), failed requests."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):  # see _response
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        """A page's own resource that failed (a page itself may answer 4xx: an upload's problems are 422)."""
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} on {response.url}")


def axe_check(page: Any, name: str) -> None:
    """axe-core on the page as it is; fail on serious or critical violations, naming rule and elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")  # through the DevTools protocol: no CSP
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe-core on {name}:\n" + "\n".join(bad)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/networks")
    assert "/sign-in" in page.url  # sent to sign in first
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/networks")


def run_from_form(page: Any, analysis: str, title: str) -> dict[str, Any]:
    """Submit an analysis's form on the network page and follow the run page's progress to its end: the states
    the page showed, in order, without a reload."""
    page.get_by_role("button", name=f"Run {title}").click()
    page.wait_for_url("**/runs/*")
    page.evaluate("() => { window.sameDocument = true; }")
    seen = [page.locator("#run-progress").get_attribute("data-status")]
    deadline = time.monotonic() + 30
    while seen[-1] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the {analysis} run did not finish: {seen}"
        page.wait_for_timeout(150)
        status = page.locator("#run-progress").get_attribute("data-status")
        if status != seen[-1]:
            seen.append(status)
    assert page.evaluate("() => window.sameDocument === true"), "the page reloaded instead of polling"
    return {"seen": seen, "progress": page.locator("#run-progress progress").get_attribute("value")}


def test_a_team_member_uploads_runs_and_reads_results(server: Server, chromium: Any, tmp_path: Path) -> None:
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    watch = Watch(page)
    try:
        sign_in(page, server)
        axe_check(page, "the networks page (empty)")

        # a broken file: every problem shown by file, row and column; nothing stored
        page.get_by_label("Network file").set_input_files(str(broken_network(tmp_path, "broken-network.json")))
        page.get_by_role("button", name="Upload").click()
        problems = page.locator("#problems tbody tr")
        problems.first.wait_for()
        rows = [problems.nth(i).locator("td").all_inner_texts() for i in range(problems.count())]
        assert ["broken-network.json [sites]", "3", "country"] in [r[:3] for r in rows], rows
        assert ["broken-network.json [items]", "2", "unit_cost"] in [r[:3] for r in rows], rows
        assert page.get_by_text("No network yet").is_visible()
        shot(page, "upload-problems")
        axe_check(page, "the upload's problems")

        # the sample: its page with the map and the exposure summary
        page.get_by_label("Network file").set_input_files(str(sample_path()))
        page.get_by_role("button", name="Upload").click()
        page.wait_for_url("**/networks/*")
        assert page.locator('[data-section="map"] svg').first.is_visible()
        assert page.locator('[data-section="exposure"]').is_visible()
        network_url = page.url
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the network page is {overflow} px wider than 1280 px"
        shot(page, "network")
        axe_check(page, "the network page")

        # exposure, then its result: the report's sections
        page.get_by_label("Choke points listed").fill("5")
        exposure = run_from_form(page, "exposure", "exposure")
        assert exposure["seen"][-1] == "succeeded" and exposure["progress"] == "1.0"
        assert "choke-points\n5" in page.locator("dl.facts").inner_text()  # the form's option, as the run took it
        shot(page, "exposure-run")
        axe_check(page, "a finished run")
        page.get_by_role("link", name="Open the result").click()
        page.wait_for_url("**/result")
        assert page.locator('[data-section="exposure"] tbody tr').count() >= 1
        assert page.locator('[data-section="chokepoints"]').is_visible()
        shot(page, "exposure-result")
        axe_check(page, "the exposure result")

        # a stress test, watched: a live state first, then succeeded, updated in place by htmx
        page.goto(network_url)
        stress = run_from_form(page, "stress", "stress test")
        assert stress["seen"][0] in ("queued", "running") and stress["seen"][-1] == "succeeded", stress
        assert page.get_by_role("button", name="Cancel the run").count() == 0  # gone once finished
        page.get_by_role("link", name="Open the result").click()
        page.wait_for_url("**/result")
        assert page.locator('[data-section="resilience"]').is_visible()
        shot(page, "stress-result")

        # a token, shown once
        page.get_by_role("link", name="API tokens").click()
        page.get_by_label("Name").fill("e2e script")
        page.get_by_role("button", name="Create").click()
        assert page.locator("#new-token").inner_text().startswith("alsh_")
        axe_check(page, "the tokens page")
        page.get_by_role("link", name="Members").click()
        axe_check(page, "the members page")
    finally:
        context.close()
    assert not watch.problems, watch.problems


def test_phone_width_and_keyboard(server: Server, chromium: Any) -> None:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    watch = Watch(page)
    try:
        page.goto(f"{server.url}/sign-in")
        page.keyboard.press("Tab")  # the skip link comes first, and is visible when focused
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
        assert page.locator(".skip-link").bounding_box()["y"] >= 0
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), "no visible focus"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "email"  # keyboard order follows the page
        page.keyboard.type(EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/networks")
        if page.locator("table a").count() == 0:  # run alone: a network to show
            page.get_by_label("Network file").set_input_files(str(sample_path()))
            page.get_by_role("button", name="Upload").click()
            page.wait_for_url("**/networks/*")
        for path, name in (("/networks", "phone-networks"), (None, "phone-network"), ("/runs", "phone-runs")):
            if path is None:
                page.locator("table a").first.click()
                page.wait_for_url("**/networks/*")
            else:
                page.goto(server.url + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name}: the page is {overflow} px wider than the phone"
            shot(page, name)
            axe_check(page, name)
    finally:
        context.close()
    assert not watch.problems, watch.problems


def test_certificate_download(server: Server, chromium: Any, tmp_path: Path) -> None:
    """A case saved on the records page, its record opened, its certification downloaded through the form."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page)
    try:
        sign_in(page, server)
        page.get_by_role("link", name="Origin records").click()
        page.wait_for_url("**/origin/records")
        axe_check(page, "the origin records page")
        case = tmp_path / "case.json"
        case.write_text(json.dumps(ORIGIN_CASE), encoding="utf-8")
        page.get_by_label("Origin case file").set_input_files(str(case))
        page.get_by_role("button", name="Decide and save").click()
        page.wait_for_url("**/origin/records/*")
        # RVC net cost (88 - 40) / 88 = 54.5% >= 50%: originating under criterion B
        assert "54.5%" in page.locator("#record-facts").inner_text()
        page.get_by_label("Parties (JSON)").fill(json.dumps(PARTIES, indent=2))
        page.get_by_label("From").fill("2027-01-01")
        page.get_by_label("To", exact=True).fill("2027-12-31")
        shot(page, "origin-record")
        axe_check(page, "an origin record")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the certificate (PDF)").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.startswith("certification-of-origin-") and saved.read_bytes().startswith(b"%PDF")
        # Chromium ends the form's navigation when it becomes a download: the one "failed" request that is expected
        aborted = f"request failed: {server.url}/origin/records/"
        watch.problems = [p for p in watch.problems if not (p.startswith(aborted) and p.endswith("/certificate"))]
        page.goto(f"{server.url}/origin/records")
        assert page.locator("#records tbody tr").count() >= 1
        shot(page, "origin-records")
        axe_check(page, "the origin records page with a record")
    finally:
        context.close()
    assert not watch.problems, watch.problems
