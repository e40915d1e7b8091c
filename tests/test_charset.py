"""Bytes → Unicode: declarations, lies and legacy encodings."""

from __future__ import annotations

import pytest

from palimpsest.extractors.charset import decode_html

TEXT = "Privacy — we don’t sell your data. Café. 個人情報"


def test_utf8_declared_as_latin1_is_read_as_utf8() -> None:
    body = f'<meta charset="iso-8859-1"><p>{TEXT}</p>'.encode()
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert TEXT in decoded.text
    assert decoded.encoding == "utf-8"


@pytest.mark.parametrize("codec", ["shift_jis", "euc-jp", "iso-2022-jp", "gb2312", "big5"])
def test_legacy_cjk_encodings_from_the_header(codec: str) -> None:
    text = {"gb2312": "个人信息保护政策", "big5": "個人資料保護政策"}.get(codec, "個人情報保護方針")
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    decoded = decode_html(body, f"text/html; charset={codec}")
    assert text in decoded.text
    assert "\ufffd" not in decoded.text


def test_meta_declaration_used_when_header_has_none() -> None:
    body = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head>'
    body += "<body>個人情報</body></html>"
    assert "個人情報" in decode_html(body.encode("cp932")).text


def test_bom_wins_over_a_wrong_header() -> None:
    body = "\ufeff<p>Café</p>".encode("utf-8")
    assert decode_html(body, "text/html; charset=shift_jis").text.endswith("<p>Café</p>")


def test_mojibake_baked_into_the_bytes_is_repaired() -> None:
    baked = TEXT.encode("utf-8").decode("cp1252", errors="replace").replace("\ufffd", "")
    body = f"<p>{TEXT.encode('utf-8').decode('latin-1')}</p>".encode()
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert "don’t" in decoded.text and decoded.repaired
    assert baked  # the naive reading is indeed garbled


def test_undeclared_cp1252_is_detected_without_replacement_characters() -> None:
    body = "<p>We don\u2019t share your data \u2014 ever. Caf\u00e9 cr\u00e8me.</p>".encode("cp1252")
    decoded = decode_html(body)
    assert "\ufffd" not in decoded.text
    assert "Café crème" in decoded.text
