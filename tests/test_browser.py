"""The demo report in a real browser: the demo archive crawled by the real flow through pywb, the report
written, and opened in headless Chromium the way a reader would use it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from palimpsest.warehouse import connect
from tests.browser import CHROMIUM, chromium, japanese_fonts
from tests.conftest import settings_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_report(wayback, demo_build, prefect_harness, tmp_path_factory) -> dict:
    """Crawl every demo site with ``crawl_policy`` and write the report, as ``make demo`` does."""
    from palimpsest.flows import crawl_policy
    from palimpsest.report import write_report

    _, expected = demo_build
    settings = settings_for(wayback, tmp_path_factory.mktemp("browser") / "palimpsest.duckdb")
    given = {
        "PALIMPSEST_DB": str(settings.db),
        "PALIMPSEST_CDX_URL": settings.cdx_url,
        "PALIMPSEST_REPLAY_URL": settings.replay_url,
        "PALIMPSEST_CDX_RATE": str(settings.cdx_rate),
        "PALIMPSEST_REPLAY_RATE": str(settings.replay_rate),
    }
    os.environ.update(given)
    try:
        for site in expected["sites"]:
            crawl_policy(url=site["url"], site=site["site"])
    finally:
        for name in given:  # only these: the session's own settings (tests/conftest.py) stay
            del os.environ[name]
    con = connect(settings.db, read_only=True)
    try:
        path = write_report(con, settings.db.with_name("report.html"), replay_prefix=settings.replay_url)
        captures = dict(con.execute("SELECT site, count(*) FROM captures GROUP BY site").fetchall())
    finally:
        con.close()
    return {"path": path, "expected": expected, "captures": captures, "prefix": settings.replay_url}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium when run as root")
        pytest.skip(f"{CHROMIUM} is missing: run `make test` as root (apt-get install chromium)")
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser, demo_report: dict) -> Iterator[dict]:
    """The report open at 1280 px, with every console message, page error and request recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen: dict = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda message: seen["console"].append((message.type, message.text)))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    url = Path(demo_report["path"]).resolve().as_uri()
    page.goto(url)
    yield {"page": page, "seen": seen, "url": url, **demo_report}
    page.close()


def test_loads_offline_without_console_errors(page: dict) -> None:
    p = page["page"]
    p.wait_for_load_state("load")
    assert page["seen"]["errors"] == []
    assert [m for m in page["seen"]["console"] if m[0] in {"error", "warning"}] == []
    assert page["seen"]["requests"] == [page["url"]]  # nothing else is fetched: no CDN, no font, no image


def test_each_timeline_shows_the_expected_versions_and_captures(page: dict) -> None:
    p = page["page"]
    for site in page["expected"]["sites"]:
        section = p.locator(f"section.site[data-site='{site['site']}']")
        bands = section.locator(".timeline a.band")
        assert bands.count() == len(site["versions"]), site["site"]
        assert bands.first.is_visible()
        assert section.locator(".timeline a.tick").count() == page["captures"][site["site"]]
        assert section.locator(".timeline a.window").count() == len(site["versions"]) - 1
        # Every band is drawn inside the timeline, with a real width.
        box = section.locator(".timeline").bounding_box()
        for n in range(bands.count()):
            band = bands.nth(n).bounding_box()
            assert band["width"] >= 4 and box["x"] <= band["x"] and band["x"] + band["width"] <= box["x"] + box["width"]


def test_a_diff_expands_on_click(page: dict) -> None:
    p = page["page"]
    change = p.locator("section.site[data-site='lanternbooks.example'] article.change").first
    inserted = change.locator("details.diff ins").first
    assert not inserted.is_visible()
    change.locator("details.diff > summary").click()
    assert inserted.is_visible()
    assert "personal data we process" in change.locator("details.diff").inner_text()
    unchanged = change.locator("section.sec.unchanged").first
    assert not unchanged.is_visible()
    change.locator("input.show-unchanged").check()
    assert unchanged.is_visible()


def test_a_change_window_on_the_timeline_opens_its_change(page: dict) -> None:
    p = page["page"]
    window = p.locator("section.site[data-site='pebbleweather.example'] .timeline a.window").last
    window.click()
    assert p.evaluate("location.hash") == "#site-pebbleweather-example-change-3"
    card = p.locator("#site-pebbleweather-example-change-3")
    assert card.locator("details.diff").evaluate("d => d.open")
    assert "returns to the text of version 1" in card.inner_text()


def test_the_index_sorts_and_filters(page: dict) -> None:
    p = page["page"]
    rows = p.locator("#sites tbody tr")
    header = p.locator("#sites th", has_text="Captures")
    header.click()
    ascending = [int(n) for n in rows.evaluate_all("rs => rs.map(r => r.cells[5].textContent.trim())")]
    assert ascending == sorted(ascending) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    descending = [int(n) for n in rows.evaluate_all("rs => rs.map(r => r.cells[5].textContent.trim())")]
    assert descending == sorted(ascending, reverse=True)
    p.locator("#filter").fill("kumo")
    visible = [r.get_attribute("data-site") for r in rows.all() if r.is_visible()]
    assert visible == ["kumomail.example"]
    assert p.locator("section.site[data-site='fjordfit.example']").is_hidden()
    assert p.locator("#shown").inner_text() == "1 of 4 sites"


def test_japanese_renders_with_a_japanese_font(page: dict) -> None:
    p = page["page"]
    excerpt = p.locator("section.site[data-site='kumomail.example'] p.excerpt")
    assert "個人情報" in excerpt.inner_text()
    assert excerpt.get_attribute("lang") == "ja"
    covering = japanese_fonts()
    if not covering:
        pytest.skip("fontconfig's fc-list is missing: cannot tell which fonts cover Japanese")
    cdp = p.context.new_cdp_session(p)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send(
        "DOM.querySelector", {"nodeId": root, "selector": "section.site[data-site='kumomail.example'] p.excerpt"}
    )
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    # Every glyph of the Japanese paragraph is drawn by a font that covers Japanese: no missing-glyph boxes.
    assert fonts and {f["familyName"] for f in fonts} <= covering, fonts


@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_spills_sideways(browser, demo_report: dict, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(Path(demo_report["path"]).resolve().as_uri())
    page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()
