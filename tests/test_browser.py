"""The report and the documentation as a reader sees them: pages rendered in headless Chromium.

Skipped where Chromium or playwright is missing (``.ci/run`` installs both); the browser is
``$SUPERDYN_CHROMIUM`` or ``/usr/bin/chromium``.
"""

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("SUPERDYN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: a laptop's window
VIEWPORT = {"width": 1366, "height": 768}
# with no network, Chromium's background services only make noise: keep them off
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _offline_page(browser):
    """A page that can load file:// URLs only: every other request is refused."""
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    page = context.new_page()
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
    )
    return page


OVERFLOW = """() => {
  const cells = [...document.querySelectorAll('td, th')];
  const spill = cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.slice(0, 60));
  const wide = [...document.querySelectorAll('table, figure, img, p, li, h1, h2, h3')]
      .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map(e => e.tagName + ': ' + e.textContent.slice(0, 60));
  const root = document.documentElement;
  return {spill, wide, page: root.scrollWidth, view: root.clientWidth};
}"""
IMAGES = "() => [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0}))"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from superdyn.verify import reproduce

    out = tmp_path_factory.mktemp("report")
    reproduce(["fig10", "fig11"], scale="tiny", out=out, progress=False)  # figures and claims, no training
    return out / "report.html"


def test_the_report_reads_at_a_laptops_width(browser, report, tmp_path):
    page = _offline_page(browser)
    page.goto(report.as_uri())
    images = page.evaluate(IMAGES)
    assert len(images) == 2 and all(i["ok"] for i in images), images
    layout = page.evaluate(OVERFLOW)
    assert layout["spill"] == [] and layout["wide"] == [], layout
    assert layout["page"] <= layout["view"]  # no horizontal scrolling
    colours = page.evaluate(
        "() => [...document.querySelectorAll('td.ok, td.no, td.cond')]"
        ".map(c => getComputedStyle(c).backgroundColor)"
    )
    assert colours and len(set(colours)) >= 1 and "rgba(0, 0, 0, 0)" not in colours  # verdicts are coloured
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_a_derivation_page_typesets_its_equations_without_a_network(browser, built_docs):
    returncode, stderr, html = built_docs
    assert returncode == 0, stderr[-2000:]
    page = _offline_page(browser)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((html / "derivations" / "no_superposition.html").as_uri())
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000
    )
    page.evaluate("() => MathJax.startup.promise")
    typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    raw = page.evaluate("() => (document.body.innerText.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length")
    assert typeset >= 5, f"{typeset} equations typeset"
    assert raw == 0, f"{raw} equations left as raw TeX"
    assert not [url for url in failed if url.startswith("file:")], failed
