"""A real browser opens the scoreboard: totals match the JSON, no console errors, filter works.

Runs Debian's Chromium (installed by .ci/run) through playwright's Python API with an
explicit executable path: nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pv.evidence.plan import load_plan
from pv.reports.scoreboard import build_model, write_scoreboard
from tests.conftest import optional
from tests.reports.test_scoreboard import project  # noqa: F401 - the fixed-evidence project fixture

sync_playwright = optional("playwright.sync_api").sync_playwright
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (bash scripts/test.sh installs it as root)"
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1440, "height": 900}], ids=["phone", "desktop"])
def test_scoreboard_in_chromium(project: Path, tmp_path: Path, browser, viewport: dict) -> None:  # noqa: F811
    out = tmp_path / "out"
    write_scoreboard(build_model(load_plan(root=project)), out)
    expected = json.loads((out / "scoreboard.json").read_text())["totals"]
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.append(f"request {request.url}") if not request.url.startswith("file:") else None)
    page.goto((out / "scoreboard.html").as_uri())
    shown = {key: int(page.locator(f'[data-total="{key}"] b').inner_text())
             for key in ("contracts", "falsifiers", "pass", "fail", "error", "skipped", "bound", "unbound", "pending", "mutants_killed")}
    assert shown == {key: expected[key] for key in shown}
    assert json.loads(page.locator("#totals").get_attribute("data-totals")) == expected

    def visible_ids() -> list[str]:
        return page.eval_on_selector_all(
            "#falsifiers tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())")

    assert len(visible_ids()) == 4
    page.select_option("#status-filter", "FAIL")
    assert visible_ids() == ["FALSIFY-TM-002"]
    page.select_option("#status-filter", "")
    page.fill("#filter", "length one")
    assert visible_ids() == ["FALSIFY-TM-003"]
    page.fill("#filter", "")
    page.click("#falsifiers th:nth-child(1)")
    page.click("#falsifiers th:nth-child(1)")
    assert visible_ids()[0] == "FALSIFY-TM-004"  # second click sorts descending by id
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1  # tables scroll inside their box, the page does not
    page.screenshot(path=str(tmp_path / f"scoreboard-{viewport['width']}.png"), full_page=True)
    assert problems == []
