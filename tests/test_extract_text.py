"""Text-level extraction facts: sections, near-duplicates, language, words and legacy CJK encodings."""

from __future__ import annotations

import pytest

from palimpsest.comparison.similarity import is_minor, similarity
from palimpsest.extractors import count_words, extract_policy, text_sha256
from palimpsest.extractors.charset import decode_html
from palimpsest.extractors.language import detect_language
from palimpsest.text.normal import tokens
from palimpsest.text.sections import canonical_headings, split_sections

LONG = " ".join(
    f"Clause {n}: we keep the records described in this part for as long as the law requires and then erase them."
    for n in ("one", "two", "three", "four", "five", "six", "seven", "eight")
)


def test_canonical_headings_make_sections_independent_of_the_layout() -> None:
    marked_title = (
        "# Privacy\n\nIntro.\n\n## Data\n\nWe collect.\n\n### Cookies\n\nOne cookie.\n\n## Contact\n\nMail us."
    )
    flat = "## Privacy\n\nIntro.\n\n## Data\n\nWe collect.\n\n#### Cookies\n\nOne cookie.\n\n## Contact\n\nMail us."
    assert canonical_headings(flat) == canonical_headings(marked_title) == marked_title
    expected = ["Privacy", "Privacy > Data", "Privacy > Data > Cookies", "Privacy > Contact"]
    assert [s.path for s in split_sections(canonical_headings(flat))] == expected
    untitled = "Intro.\n\n### A\n\ntext\n\n##### B\n\ntext"
    assert canonical_headings(untitled) == "Intro.\n\n# A\n\ntext\n\n## B\n\ntext"


def test_sections_strip_emphasis_from_headings() -> None:
    assert [s.heading for s in split_sections("Intro\n\n## **Your rights**\n\nAsk us.")] == [None, "Your rights"]


def test_extracted_records_carry_their_sections() -> None:
    page = (
        b"<html><body><main><h1>Privacy</h1><p>We collect data.</p><h2>Rights</h2><p>Ask us.</p></main></body></html>"
    )
    sections = extract_policy(page, "u").sections
    assert [(s.path, s.body) for s in sections] == [("Privacy", "We collect data."), ("Privacy > Rights", "Ask us.")]


@pytest.mark.parametrize(
    ("old", "new", "minor"),
    [
        (f"Last updated: 3 May 2018\n\n{LONG}", f"Last updated: 9 June 2019\n\n{LONG}", True),
        (f"Effective 2018-05-03. {LONG}", f"Effective 03/06/2019. {LONG}", True),
        (LONG, LONG.replace("erase them", "delete them", 1), True),
        (LONG, LONG.replace("we keep", "we never keep", 1), False),
        (LONG, LONG.replace("Clause one:", "Clause one (30 days):", 1), False),
        (LONG, LONG + " We also share your address with advertising partners who show you offers.", False),
        ("We never sell your data.", "We sell your data.", False),
    ],
)
def test_minor_changes_are_near_duplicates_without_weighty_words(old: str, new: str, minor: bool) -> None:
    assert is_minor(old, new) is minor


def test_similarity_is_the_share_of_words_the_alignment_keeps() -> None:
    words = tokens(LONG)
    assert similarity(words, words) == 1.0
    assert 0.95 < similarity(words, tokens(LONG.replace("erase", "delete", 1))) < 1.0
    assert similarity(tokens("a b c d"), tokens("e f g h")) == 0.0
    assert similarity(tokens("a b c d"), tokens("a b")) == 2 * 2 / 6
    assert similarity([], []) == 1.0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("We collect your name and address to deliver your orders and we never sell them to anyone.", "en"),
        ("Wir verarbeiten Ihre personenbezogenen Daten nur zur Abwicklung Ihrer Bestellung.", "de"),
        ("Nous traitons vos données personnelles uniquement pour livrer vos commandes.", "fr"),
        ("Tratamos sus datos personales únicamente para gestionar sus pedidos y citas.", "es"),
        ("当社は、お客様の個人情報を適切に取り扱い、第三者に提供することはありません。", "ja"),
    ],
)
def test_language_is_detected_in_the_five_main_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_kanji_dense_japanese_is_japanese_and_chinese_is_chinese() -> None:
    assert (
        detect_language("個人情報保護法第二十三条第一項各号に該当する場合を除き、本人の同意なく第三者提供を行わない。")
        == "ja"
    )
    assert (
        detect_language("我们仅会与物流公司和支付机构共享完成交易所必需的信息，不会向其他第三方出售您的个人信息。")
        == "zh"
    )


def test_cjk_words_are_characters_and_hangul_words_are_words() -> None:
    assert count_words("個人情報を保護します") == 10
    assert count_words("개인정보 처리방침을 안내합니다") == 3
    assert count_words("We keep 個人情報 safe") == 7


def test_hangul_spacing_is_kept_but_japanese_wrapping_is_not() -> None:
    assert text_sha256("개인정보 처리방침") != text_sha256("개인정보처리방침")
    assert text_sha256("個人情報を\n保護します") == text_sha256("個人情報を保護します")


def test_shift_jis_and_utf8_copies_are_one_version() -> None:
    """CP932 reads 0x8160 as FULLWIDTH TILDE where UTF-8 pages write WAVE DASH: normalisation folds them."""
    text = "受付時間：10時〜17時"
    from_sjis = decode_html(text.encode("cp932"), "text/html; charset=Shift_JIS").text
    assert from_sjis != text
    assert text_sha256(from_sjis) == text_sha256(text)


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "iso2022_jp", "gb2312", "big5", "euc_kr"])
def test_undeclared_legacy_cjk_encodings_are_detected(codec: str) -> None:
    samples = {
        "cp932": "当社は、お客様の個人情報を大切に扱います。",
        "euc_jp": "当社は、お客様の個人情報を大切に扱います。",
        "iso2022_jp": "当社は、お客様の個人情報を大切に扱います。",
        "gb2312": "我们深知个人信息对您的重要性，并会尽全力保护您的个人信息安全。",
        "big5": "本館重視您的隱私權，依據個人資料保護法蒐集、處理及利用您的個人資料。",
        "euc_kr": "하늘서점은 이용자의 개인정보를 소중히 여기며 개인정보 보호법을 준수합니다.",
    }
    page = f"<html><body><p>{samples[codec]}</p></body></html>".encode(codec)
    decoded = decode_html(page, "text/html")
    assert samples[codec] in decoded.text
    assert "\ufffd" not in decoded.text
