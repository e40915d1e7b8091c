"""Version identity: what normalisation ignores and what it keeps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from palimpsest.extractors import count_words, normalise, text_sha256
from palimpsest.text.normal import fewest_words, tokens


def test_markdown_markup_and_whitespace_are_ignored() -> None:
    plain = "Privacy\nWe share data with partners.\nYour rights"
    marked = "# Privacy\n\n  We **share** data\nwith [partners](https://x.example).\n\n## Your rights\n"
    assert normalise(plain) == normalise(marked)


def test_nfkc_folds_compatibility_forms() -> None:
    assert normalise("ＡＢＣ　１２３") == normalise("ABC 123")


def test_hard_wrapped_japanese_equals_reflowed() -> None:
    wrapped = "当社は、お客様の個人情報を\n大切に扱います。（詳しくは\n）をご覧ください。"
    flowed = "当社は、お客様の個人情報を大切に扱います。（詳しくは）をご覧ください。"
    assert text_sha256(wrapped) == text_sha256(flowed)


def test_reflowed_english_equals_original() -> None:
    assert text_sha256("We keep your\naddress   for six\tyears.") == text_sha256("We keep your address for six years.")


def test_a_changed_word_is_a_different_text() -> None:
    assert text_sha256("We never sell your data.") != text_sha256("We sometimes sell your data.")


def test_normalise_is_idempotent() -> None:
    text = "# Title\n\n- item one\n- **item** two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    once = normalise(text)
    assert normalise(once) == once


def test_cjk_characters_count_as_words() -> None:
    assert count_words("個人情報") == 4
    assert count_words("We keep 個人情報 safe") == 7


def test_sections_follow_the_heading_tree() -> None:
    from palimpsest.text.sections import split_sections

    text = (
        "Intro line.\n\n# Policy\n\nWe care.\n\n## Your rights\n\nAccess.\n\n### Access\n\nAsk us.\n\n"
        "## Contact\n\nMail."
    )
    paths = [(s.path, s.body) for s in split_sections(text)]
    assert paths == [
        ("", "Intro line."),
        ("Policy", "We care."),
        ("Policy > Your rights", "Access."),
        ("Policy > Your rights > Access", "Ask us."),
        ("Policy > Contact", "Mail."),
    ]
    again = split_sections(text.replace("We care.", "We  care.\n"))
    assert [s.section_sha256 for s in again] == [s.section_sha256 for s in split_sections(text)]


_PIECES = st.sampled_from(
    [
        *"aZ9 .,'(-)!\n\t",
        *("word", "**", "__", "`", "~~", "|", "\\", "](", "[a](b c)", "\n# ", "\n> ", "\n- ", "\n1. "),
        *"日本語（）＊・ｱ",
        "\u3000",
        "\u00a0",
        "\u2212",
        "\uff0d",
        "\u301c",
        "•",
        "é",
        "e\u0301",
        "\u200b",
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_word_counts_agree_with_the_tokens_and_the_bound_never_overshoots(text: str) -> None:
    assert count_words(text) == len(tokens(text))
    assert fewest_words(text) <= count_words(text)


def test_the_plain_word_bound_counts_plain_words_only() -> None:
    assert fewest_words("We share data, e.g. with third-party partners.") == 7
    assert fewest_words("**Bold** words | in a table") == 4  # "**Bold**" and "|" may change
    assert fewest_words("See [our notice](https://example.org/privacy) now") == 0  # a link may drop words
    assert fewest_words("1. 2024 ---") == 0  # list markers, numbers and rules hold no letter
