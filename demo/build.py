"""Build the demo archive: a deterministic WARC of four fictional sites, plus the versions we expect from it.

    python -m demo.build OUT_DIR      → OUT_DIR/demo.warc.gz and OUT_DIR/expected.json

Between them the sites hold what real archives hold: identical recaptures, a redesign with the same text, real
wording changes, a revert, an archived 301 to a new URL (and a draft at that URL from before the move), a 404,
a WARC revisit record, a Japanese policy served as Shift_JIS and later as UTF-8, UTF-8 declared as
iso-8859-1, and a div-only layout. Record ids and dates are derived from the content, so two builds are
byte-identical.
"""

from __future__ import annotations

import io
import json
import sys
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from palimpsest.demo import pages, texts

_NAMESPACE = uuid.UUID("5d2c1f3e-7a52-4b4e-9f0e-70a1b1e2c3d4")


@dataclass(frozen=True)
class Shot:
    """One capture to write: a response, or a revisit of an earlier identical response."""

    url: str
    when: str  # 14 digits, UTC
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    revisit_of: str | None = None  # the ``when`` of the original response
    #: False for a capture the site's history must leave out (a page at the new URL from before the move).
    joins: bool = True


@dataclass
class Site:
    site: str
    url: str
    shots: list[Shot]
    versions: list[dict] = field(default_factory=list)


def _utf8(html: str) -> bytes:
    return html.encode("utf-8")


def _wrapped(blocks: list[texts.Block], width: int = 20) -> list[texts.Block]:
    """The same text hard-wrapped about every ``width`` characters, as some CMSs write Japanese.

    Lines break only between two non-ASCII characters, as a Japanese editor would (never inside an address).
    """
    out: list[texts.Block] = []
    for kind, value in blocks:
        if kind != "p":
            out.append((kind, value))
            continue
        text, lines, start = str(value), [], 0
        for index in range(1, len(text)):
            if index - start >= width and not text[index - 1].isascii() and not text[index].isascii():
                lines.append(text[start:index])
                start = index
        lines.append(text[start:])
        out.append((kind, "\n".join(lines)))
    return out


def lantern() -> Site:
    url = "http://www.lanternbooks.example/privacy.html"
    title = "Privacy | Lantern Books"
    old = _utf8(pages.classic_table(title, texts.LANTERN_2011))
    new = _utf8(pages.modern("Privacy", texts.LANTERN_2011, site_name="Lantern Books", banner=True))
    gdpr = _utf8(pages.modern("Privacy", texts.LANTERN_2018, site_name="Lantern Books", banner=True))
    audio = _utf8(pages.modern("Privacy", texts.LANTERN_2021, site_name="Lantern Books", banner=True))
    latin = "text/html; charset=iso-8859-1"
    return Site(
        "lanternbooks.example",
        url,
        [
            Shot(url, "20110314102205", body=old, content_type=latin),
            Shot(url, "20110902081540", body=old, content_type=latin),
            Shot(url, "20120620170311", revisit_of="20110314102205", content_type=latin),
            Shot(url, "20131105120000", body=old, content_type=latin),
            Shot(url, "20150418094127", body=new),
            Shot(url, "20160830143000", body=new),
            Shot(url, "20180524065512", body=gdpr),
            Shot(url, "20191010192000", body=gdpr),
            Shot(url, "20210201111111", body=audio),
        ],
        [
            _v(1, "20110314102205", "20160830143000", 6, url, ["Harrowgate Lane", "never sell or rent"]),
            _v(2, "20180524065512", "20191010192000", 2, url, ["Legal basis and retention", "six years"]),
            _v(3, "20210201111111", "20210201111111", 1, url, ["Audiobooks", "ninety days"]),
        ],
    )


def kumo() -> Site:
    url = "http://www.kumomail.example/privacy/"
    title = "個人情報保護方針"
    sjis = pages.japanese(title, texts.KUMO_2012, charset="Shift_JIS").encode("cp932")
    utf8 = _utf8(pages.japanese(title, _wrapped(texts.KUMO_2012), charset="UTF-8"))
    later = _utf8(pages.japanese(title, texts.KUMO_2018, charset="UTF-8"))
    missing = _utf8(pages.not_found("Kumo Mail"))
    return Site(
        "kumomail.example",
        url,
        [
            Shot(url, "20120210030000", body=sjis, content_type="text/html; charset=Shift_JIS"),
            Shot(url, "20130701043000", body=sjis, content_type="text/html; charset=Shift_JIS"),
            Shot(url, "20140915054500", body=utf8),
            Shot(url, "20160303060000", body=utf8),
            Shot(url, "20171201070000", status=404, body=missing),
            Shot(url, "20180401080000", body=later),
            Shot(url, "20200601090000", body=later),
        ],
        [
            _v(
                1,
                "20120210030000",
                "20160303060000",
                4,
                url,
                ["個人情報保護方針", "第三者に提供することはありません"],
            ),
            _v(2, "20180401080000", "20200601090000", 2, url, ["クッキーの利用", "広告配信事業者"]),
        ],
    )


def fjord() -> Site:
    old_url = "http://fjordfit.example/privacy.html"
    new_url = "https://fjordfit.example/legal/privacy"
    name = "Fjord Fitness"
    first = _utf8(pages.div_only("Privacy - Fjord Fitness", texts.FJORD_2013, site_name=name))
    second = _utf8(pages.div_only("Privacy - Fjord Fitness", texts.FJORD_2016, site_name=name))
    moved = _utf8(pages.modern("Privacy", texts.FJORD_2016, site_name=name))
    third = _utf8(pages.modern("Privacy", texts.FJORD_2019, site_name=name))
    draft = _utf8(pages.modern("Legal", texts.FJORD_DRAFT, site_name=name))
    return Site(
        "fjordfit.example",
        old_url,
        [
            Shot(old_url, "20130501100000", body=first),
            Shot(old_url, "20140809110000", body=first),
            Shot(new_url, "20150601120000", body=draft, joins=False),
            Shot(old_url, "20160120130000", body=second),
            Shot(old_url, "20170315140000", status=301, location=new_url, content_type="text/html"),
            Shot(new_url, "20170315140030", body=moved),
            Shot(old_url, "20180909150000", status=301, location=new_url, content_type="text/html"),
            Shot(new_url, "20190202160000", body=third),
            Shot(new_url, "20200707170000", body=third),
        ],
        [
            _v(1, "20130501100000", "20140809110000", 2, old_url, ["Workout data", "hosting company"]),
            _v(2, "20160120130000", "20170315140030", 2, old_url, ["Heart rate", "clubs you join"]),
            _v(3, "20190202160000", "20200707170000", 2, new_url, ["city planners", "Deleting your account"]),
        ],
    )


def pebble() -> Site:
    url = "https://pebbleweather.example/privacy"
    name = "Pebble Weather"
    honest = _utf8(pages.modern("Privacy", texts.PEBBLE_2014, site_name=name))
    # The same UTF-8 bytes, but header and <meta> claim iso-8859-1: read naively, "you’re" becomes "youâ€™re".
    liar = _utf8(
        pages.modern("Privacy", texts.PEBBLE_2014, site_name=name).replace("charset=utf-8", "charset=iso-8859-1")
    )
    liar = liar.replace(b'<meta charset="utf-8">', b'<meta charset="iso-8859-1">')
    greedy = _utf8(pages.modern("Privacy", texts.PEBBLE_2016, site_name=name))
    return Site(
        "pebbleweather.example",
        url,
        [
            Shot(url, "20140110080000", body=honest),
            Shot(url, "20150211090000", body=liar, content_type="text/html; charset=iso-8859-1"),
            Shot(url, "20160606100000", body=greedy),
            Shot(url, "20160901110000", body=greedy),
            Shot(url, "20170115120000", body=honest),
            Shot(url, "20190505130000", body=honest),
        ],
        [
            _v(
                1,
                "20140110080000",
                "20150211090000",
                2,
                url,
                ["you’re looking at the forecast", "café-sized"],
            ),
            _v(2, "20160606100000", "20160901110000", 2, url, ["advertising partners", "twelve months"]),
            _v(3, "20170115120000", "20190505130000", 2, url, ["about ten kilometres"], same_text_as=1),
        ],
    )


def homepages() -> list[tuple[str, str, list[Shot], list[dict]]]:
    """Archived front pages that link to the policies, for discovery: (site, homepage, shots, expected lineage).

    Fjord Fitness's link text and target change when its policy moves; Kumo Mail's link is in Japanese and sits
    beside its terms of use; Lantern Books lists a cookie page beside its policy. Pebble Weather's bare homepage
    is only ever archived as a 301 to its https, ``www.`` English landing page, which holds the link.
    """
    fjord_home = "http://fjordfit.example/"
    fjord_old = [("Classes", "/classes.html"), ("Privacy", "/privacy.html"), ("Contact", "/contact.html")]
    fjord_new = [("Classes", "/classes"), ("Terms", "/legal/terms"), ("Privacy policy", "/legal/privacy")]
    tagline = "Training plans that fit your week."
    fjord_shots = [
        Shot(fjord_home, when, body=_utf8(pages.homepage("Fjord Fitness", tagline, links)))
        for when, links in (
            ("20130601090000", fjord_old),
            ("20140301090000", fjord_old),
            ("20160201090000", fjord_old),
            ("20180101090000", fjord_new),
            ("20200301090000", fjord_new),
        )
    ]
    # The 2018 homepage is served over https but links with a relative path: the link resolves against it.
    fjord_shots[3] = replace(fjord_shots[3], url="https://fjordfit.example/")
    fjord_shots[4] = replace(fjord_shots[4], url="https://fjordfit.example/")
    kumo_home = "http://www.kumomail.example/"
    kumo_links = [("利用規約", "/terms/"), ("個人情報保護方針", "/privacy/"), ("お問い合わせ", "/contact/")]
    kumo_body = _utf8(pages.homepage("クモメール", "軽くて速いメールサービス。", kumo_links, lang="ja"))
    lantern_home = "http://www.lanternbooks.example/"
    lantern_links = [("Cookie settings", "/cookies.html"), ("Your privacy", "privacy.html")]
    lantern_body = _utf8(pages.homepage("Lantern Books", "Secondhand and new, since 1987.", lantern_links))
    pebble_home = "http://pebbleweather.example/"
    pebble_landing = "https://www.pebbleweather.example/en/"
    pebble_links = [("Forecasts", "/en/forecasts"), ("Privacy", "https://pebbleweather.example/privacy")]
    pebble_body = _utf8(pages.homepage("Pebble Weather", "Tomorrow's weather, one pebble at a time.", pebble_links))
    pebble_shots = [
        shot
        for year in ("2015", "2018")
        for shot in (
            Shot(pebble_home, f"{year}0301090000", status=301, location=pebble_landing, content_type="text/html"),
            Shot(pebble_landing, f"{year}0301090004", body=pebble_body),
        )
    ]
    return [
        (
            "fjordfit.example",
            fjord_home,
            fjord_shots,
            [
                {"url": "http://fjordfit.example/privacy.html", "since": _iso("20130601090000")},
                {"url": "https://fjordfit.example/legal/privacy", "since": _iso("20180101090000")},
            ],
        ),
        (
            "kumomail.example",
            kumo_home,
            [Shot(kumo_home, "20120301090000", body=kumo_body), Shot(kumo_home, "20190301090000", body=kumo_body)],
            [{"url": "http://www.kumomail.example/privacy/", "since": _iso("20120301090000")}],
        ),
        (
            "lanternbooks.example",
            lantern_home,
            [Shot(lantern_home, "20110401090000", body=lantern_body)],
            [{"url": "http://www.lanternbooks.example/privacy.html", "since": _iso("20110401090000")}],
        ),
        (
            "pebbleweather.example",
            pebble_home,
            pebble_shots,
            [{"url": "https://pebbleweather.example/privacy", "since": _iso("20150301090004")}],
        ),
    ]


def _v(number: int, first: str, last: str, captures: int, url: str, contains: list[str], **extra: object) -> dict:
    return {
        "version": number,
        "first_seen": _iso(first),
        "last_seen": _iso(last),
        "captures": captures,
        "policy_url": url,
        "contains": contains,
        **extra,
    }


def _outcomes(site: Site) -> dict[str, int]:
    """Capture outcomes the crawl must record: one ``version`` per version, the rest of the 200s ``same-text``."""
    joined = [shot for shot in site.shots if shot.joins]
    counts = {
        "version": len(site.versions),
        "same-text": sum(shot.status == 200 for shot in joined) - len(site.versions),
        "redirect": sum(shot.status == 301 for shot in joined),
        "not-found": sum(shot.status == 404 for shot in joined),
    }
    return {name: count for name, count in counts.items() if count}


def _iso(stamp: str) -> str:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


SITES = (lantern, kumo, fjord, pebble)
#: Byte sequences that betray mojibake or lost characters; none may appear in any extracted demo text.
MOJIBAKE = ["\ufffd", "â€", "Ã©", "Ã¨", "Â ", "ã‚", "ã€", "縺", "繧"]


def build(out_dir: Path) -> tuple[Path, Path]:
    """Write ``demo.warc.gz`` and ``expected.json`` into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sites = [make() for make in SITES]
    warc_path = out_dir / "demo.warc.gz"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    fronts = homepages()
    for shots in [site.shots for site in sites] + [front[2] for front in fronts]:
        digests: dict[str, str] = {}
        for shot in sorted(shots, key=lambda s: s.when):
            writer.write_record(_record(writer, shot, digests))
    warc_path.write_bytes(buffer.getvalue())
    expected = {
        "sites": [
            {
                "site": s.site,
                "url": s.url,
                "captures": sum(shot.joins for shot in s.shots),
                "outcomes": _outcomes(s),
                "versions": s.versions,
            }
            for s in sites
        ],
        "mojibake": MOJIBAKE,
        "homepages": [{"site": site, "homepage": home, "lineage": spans} for site, home, _, spans in fronts],
    }
    expected_path = out_dir / "expected.json"
    expected_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return warc_path, expected_path


def _record(writer: WARCWriter, shot: Shot, digests: dict[str, str]):
    date = datetime.strptime(shot.when, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    warc_date = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    record_id = f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'{shot.url} {shot.when}')}>"
    headers = [("Content-Type", shot.content_type)]
    if shot.location:
        headers.append(("Location", shot.location))
    reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}[shot.status]
    if shot.revisit_of:
        original_date = datetime.strptime(shot.revisit_of, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        record = writer.create_revisit_record(
            shot.url,
            digest=digests[shot.revisit_of],
            refers_to_uri=shot.url,
            refers_to_date=original_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            http_headers=StatusAndHeaders(f"200 {reason}", headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Record-ID": record_id},
        )
        return record
    headers.append(("Content-Length", str(len(shot.body))))
    record = writer.create_warc_record(
        shot.url,
        "response",
        payload=io.BytesIO(shot.body),
        http_headers=StatusAndHeaders(f"{shot.status} {reason}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": warc_date, "WARC-Record-ID": record_id},
    )
    digests[shot.when] = record.rec_headers.get_header("WARC-Payload-Digest")
    return record


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("demo/build")
    warc, expected = build(out)
    print(f"wrote {warc} and {expected}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
