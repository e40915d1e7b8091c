"""The HTML report, read back as HTML: self-contained, faithful to the views, linked to the archive, safe."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from palimpsest.cli import main
from palimpsest.warehouse import connect
from tests.history import NEW_URL, OLD_URL, build_history
from tests.report_sites import JA_URL, build_japanese, build_markup

ARCHIVE = "http://archive.test/web/"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "w.duckdb"
    con = connect(path)
    build_history(con)
    build_japanese(con)
    build_markup(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def page(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, lxml.html.HtmlElement]:
    out = tmp_path_factory.mktemp("out") / "report.html"
    assert main(["--db", str(db), "--replay-url", ARCHIVE, "report", str(out)]) == 0
    raw = out.read_bytes()
    return raw.decode("utf-8"), lxml.html.document_fromstring(raw.decode("utf-8"))


def site(tree: lxml.html.HtmlElement, name: str) -> lxml.html.HtmlElement:
    (found,) = tree.xpath("//section[@class='site'][@data-site=$name]", name=name)
    return found


def test_the_report_needs_nothing_from_the_network(page: tuple[str, lxml.html.HtmlElement]) -> None:
    html, tree = page
    assert tree.xpath("//link") == [] and tree.xpath("//*[@src]") == []
    assert len(tree.xpath("//script")) == 1 and len(tree.xpath("//style")) == 1
    assert "@import" not in html and "url(" not in html
    hrefs = tree.xpath("//a/@href")
    assert hrefs
    assert [h for h in hrefs if not (h.startswith("#") or h.startswith(ARCHIVE))] == []
    anchors = {h[1:] for h in hrefs if h.startswith("#")}
    assert anchors <= set(tree.xpath("//@id"))  # every in-page link lands somewhere


def test_index_lists_every_site_with_its_counts(page: tuple[str, lxml.html.HtmlElement]) -> None:
    _, tree = page
    rows = tree.xpath("//table[@id='sites']/tbody/tr")
    assert [r.get("data-site") for r in rows] == ["markup.example", "sakura-shop.example", "shop.example"]
    shop = rows[2]
    cells = [c.text_content().strip() for c in shop.xpath("td")]
    assert cells[:8] == ["shop.example", "en", "3", "2", "2019-01-01", "7", "1", "2015–2019"]
    assert [h.get("data-sort") for h in tree.xpath("//table[@id='sites']/thead//th")][:3] == ["text", "text", "num"]


def test_timeline_has_a_band_per_version_and_a_tick_per_capture(page: tuple[str, lxml.html.HtmlElement]) -> None:
    _, tree = page
    shop = site(tree, "shop.example")
    timeline = shop.xpath(".//div[@class='timeline']")[0]
    assert [b.get("data-version") for b in timeline.xpath("a[contains(@class, 'band')]")] == ["1", "2", "3"]
    assert [w.get("data-version") for w in timeline.xpath("a[@class='window']")] == ["2", "3"]
    ticks = timeline.xpath("a[contains(@class, 'tick')]")
    assert len(ticks) == 7
    kinds = [t.get("class").split()[1] for t in ticks]
    assert kinds.count("problem") == 1 and kinds.count("redirect") == 1
    assert ticks[2].get("href") == f"{ARCHIVE}20160101000000/{OLD_URL}"  # the 404, linked for inspection
    # A revert gets the colour of the text it returns to.
    colours = [b.get("class").split()[1] for b in timeline.xpath("a[contains(@class, 'band')]")]
    assert colours[0] == colours[2] != colours[1]


def test_each_change_is_bounded_by_linked_snapshots(page: tuple[str, lxml.html.HtmlElement]) -> None:
    _, tree = page
    shop = site(tree, "shop.example")
    change = shop.xpath(".//article[@data-version='3']")[0]
    links = change.xpath(".//p[@class='when']/a")
    assert [a.text for a in links] == ["2018-01-01", "2019-01-01"]
    assert [a.get("href") for a in links] == [
        f"{ARCHIVE}20180101000000/{NEW_URL}",
        f"{ARCHIVE}20190101000000/{NEW_URL}",
    ]
    assert "This returns to the text of version 1." in change.text_content()
    moved = shop.xpath(".//article[@data-version='2']")[0].text_content()
    assert f"The policy moved to {NEW_URL}." in " ".join(moved.split())


def test_a_change_holds_its_redline_behind_a_click(page: tuple[str, lxml.html.HtmlElement]) -> None:
    _, tree = page
    change = site(tree, "shop.example").xpath(".//article[@data-version='2']")[0]
    details = change.xpath(".//details[@class='diff']")[0]
    assert details.get("open") is None  # collapsed until clicked
    assert [d.text for d in details.xpath(".//del")] == ["parcels."]
    assert [i.text for i in details.xpath(".//ins")] == ["parcels and share it with our advertising partners."]


def test_sections_show_which_changed(page: tuple[str, lxml.html.HtmlElement]) -> None:
    _, tree = page
    ja = site(tree, "sakura-shop.example")
    chips = [c.text_content().strip() for c in ja.xpath(".//ul[@class='chips']/li")]
    assert chips == ["+ 第三者提供"]
    sections = ja.xpath(".//details[@class='diff']//section")
    assert [s.get("class") for s in sections] == ["sec unchanged", "sec unchanged", "sec added"]
    rows = ja.xpath(".//table[@class='matrix']//tr[td]")
    matrix = {row.xpath("th")[0].get("title"): [td.text for td in row.xpath("td")] for row in rows}
    assert matrix == {
        "個人情報保護方針": ["●", "·"],
        "個人情報保護方針 > 利用目的": ["●", "·"],
        "個人情報保護方針 > 第三者提供": ["—", "added"],
    }
    assert [row.xpath("th")[0].text for row in rows] == ["個人情報保護方針", "利用目的", "第三者提供"]


def test_japanese_is_written_as_utf8_text_and_tagged(page: tuple[str, lxml.html.HtmlElement]) -> None:
    html, tree = page
    assert '<meta charset="utf-8">' in html
    assert "広告配信事業者に購買履歴を提供することがあります。" in html  # as characters, not entities
    ja = site(tree, "sakura-shop.example")
    texts = ja.xpath(".//div[@class='policy']")
    assert texts and {t.get("lang") for t in texts} == {"ja"}
    assert ja.xpath(".//p[@class='summary']/a")[0].text == JA_URL
    problems = [li.text_content() for li in ja.xpath(".//ul[@class='problems']/li")]
    assert len(problems) == 1 and "not-found (HTTP 404)" in problems[0]


def test_text_from_the_archive_is_escaped(page: tuple[str, lxml.html.HtmlElement]) -> None:
    html, tree = page
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; friends" in html
    assert len(tree.xpath("//script")) == 1


def test_report_for_one_site_and_for_an_unknown_one(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "one.html"
    assert main(["--db", str(db), "report", str(out), "--site", "www.shop.example"]) == 0
    tree = lxml.html.document_fromstring(out.read_text(encoding="utf-8"))
    assert tree.xpath("//section[@class='site']/@data-site") == ["shop.example"]
    capsys.readouterr()
    assert main(["--db", str(db), "report", str(out), "--site", "sakura-shop.exampel"]) == 1
    assert "unknown site 'sakura-shop.exampel'; did you mean sakura-shop.example?" in capsys.readouterr().err


def test_an_empty_warehouse_still_makes_a_page(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    connect(db).close()
    out = tmp_path / "empty.html"
    assert main(["--db", str(db), "report", str(out)]) == 0
    tree = lxml.html.document_fromstring(out.read_text(encoding="utf-8"))
    assert tree.xpath("//table[@id='sites']/tbody/tr") == []
    assert "0 sites" in tree.xpath("//p[@class='lede']")[0].text_content()
