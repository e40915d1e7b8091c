"""CDX parsing in every wire shape, from recorded IA answers and from a real pywb."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from palimpsest.fetchers.captures import Capture
from palimpsest.fetchers.cdx import collapse, dedupe, parse_cdx, parse_cdx_timestamp
from tests.shared import cassette, cdx_fixture


def test_ia_text_page_with_resume_key_from_recording() -> None:
    first = cassette("test_search_multipage.yaml")[0]
    page = parse_cdx(first["body"].decode("utf-8"))
    assert page.dialect == "ia"
    assert len(page.captures) == 25
    assert page.resume_key is not None and page.resume_key.startswith("com%2Ccnn%29%2F")
    assert not page.malformed
    capture = page.captures[0]
    assert capture.urlkey.startswith("com,cnn)/")
    assert capture.timestamp.tzinfo is UTC
    assert capture.original.startswith("http")
    assert len(capture.digest) == 32


def test_ia_text_last_page_has_no_resume_key() -> None:
    pages = cassette("test_search_with_date.yaml")
    last = parse_cdx(pages[-1]["body"].decode("utf-8"))
    assert last.resume_key is None
    assert last.captures


def test_ia_revisits_and_bodiless_redirects_keep_their_fields() -> None:
    rows = [c for item in cassette("test_search_with_date.yaml") for c in parse_cdx(item["body"].decode()).captures]
    revisits = [c for c in rows if c.is_revisit]
    assert revisits and all(c.statuscode is None for c in revisits)
    redirects = [c for c in rows if c.is_redirect]
    assert any(c.digest == "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ" for c in redirects)


def test_ia_json_with_header_row_and_resume_key() -> None:
    text_page = parse_cdx(cassette("test_search_multipage.yaml")[0]["body"].decode())
    fields = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    rows = [
        [c.urlkey, c.timestamp_raw, c.original, c.mimetype, str(c.statuscode or "-"), c.digest, str(c.length or "-")]
        for c in text_page.captures
    ]
    body = json.dumps([fields, *rows, [], ["the-resume-key"]])
    page = parse_cdx(body)
    assert page.resume_key == "the-resume-key"
    assert [c.key for c in page.captures] == [c.key for c in text_page.captures]


def test_duplicate_lines_are_dropped_once() -> None:
    page = parse_cdx(cassette("test_search.yaml")[0]["body"].decode())
    unique = list(dedupe(page.captures))
    assert len(unique) < len(page.captures)
    assert len({c.key for c in unique}) == len(unique)


def test_malformed_lines_are_counted_and_skipped() -> None:
    page = parse_cdx(cdx_fixture("malformed_cdx.txt"))
    assert len(page.malformed) == 1
    assert "not an http(s) URL" in page.malformed[0].reason
    assert len(page.captures) == 4


def test_month_or_day_00_timestamps_are_read_not_dropped() -> None:
    page = parse_cdx(cdx_fixture("bad_timestamp_cdx.txt"))
    assert not page.malformed
    odd = [c for c in page.captures if c.timestamp_raw == "20000800241623"]
    assert odd[0].timestamp == datetime(2000, 8, 2, 0, 16, 23, tzinfo=UTC)  # day 00 → 01, hour 24 rolls over
    assert odd[0].replay_timestamp == "20000800241623"


def test_dash_length_is_none() -> None:
    page = parse_cdx(cdx_fixture("zero_length_cdx.txt"))
    assert page.captures[-1].length is None
    assert page.captures[0].length == 24186


@pytest.mark.parametrize(
    "line",
    [
        "",
        "one two three",
        '{"timestamp": "2020", "url": 5}',
        "[[1,2],[3]",
        "urlkey 2020xx01000000 http://a.example/ text/html 200 D 1",
        "urlkey 20200101000000 http://a.example/ text/html two D 1",
    ],
)
def test_garbage_never_raises(line: str) -> None:
    page = parse_cdx(line)
    assert not page.captures


def test_html_instead_of_cdx_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="HTML"):
        parse_cdx("<!DOCTYPE html><html><body>Welcome</body></html>")


def test_pywb_ndjson_and_cdxj_shapes() -> None:
    ndjson = (
        '{"urlkey": "example,a)/p", "timestamp": "20150102030405", "url": "http://a.example/p", '
        '"mime": "text/html", "status": "200", "digest": "ABC", "length": "364"}\n'
        '{"urlkey": "example,a)/p", "timestamp": "20170102030405", "url": "http://a.example/p", '
        '"mime": "warc/revisit", "digest": "ABC", "length": "392"}\n'
        '{"urlkey": "example,b)/", "timestamp": "20170102030405", "url": "http://b.example/", '
        '"mime": "text/html", "status": "200", "digest": "XYZ", "is_fuzzy": "1"}\n'
    )
    page = parse_cdx(ndjson)
    assert page.dialect == "pywb"
    assert page.fuzzy == 1
    assert [c.statuscode for c in page.captures] == [200, None]
    assert page.captures[1].is_revisit
    cdxj = 'example,a)/p 20150102030405 {"url": "http://a.example/p", "mime": "text/html", "status": "301"}'
    assert parse_cdx(cdxj).captures[0].is_redirect


def test_client_side_collapse_keeps_first_of_each_run() -> None:
    def capture(ts: str, digest: str) -> Capture:
        return Capture(parse_cdx_timestamp(ts), "http://a.example/", digest)

    rows = [capture("20200101000000", "A"), capture("20200201000000", "A"), capture("20200301000000", "B")]
    rows.append(capture("20210101000000", "A"))
    assert [c.digest for c in collapse(rows, "digest")] == ["A", "B", "A"]
    assert [c.ts14[:4] for c in collapse(rows, "timestamp:4")] == ["2020", "2021"]


def test_pywb_answers_parse_as_pywb(wayback: object) -> None:
    import requests

    url = "https://pebbleweather.example/privacy"
    answer = requests.get(wayback.cdx_url, params={"url": url, "output": "json"}, timeout=30)  # type: ignore[attr-defined]
    page = parse_cdx(answer.text)
    assert page.dialect == "pywb"
    assert len(page.captures) == 6
    assert {c.statuscode for c in page.captures} == {200}
