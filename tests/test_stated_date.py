"""The date a policy states for itself, in every form the corpus languages write it."""

from __future__ import annotations

from datetime import date

import pytest

from palimpsest.extractors.stated_date import stated_date


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Last updated: March 3, 2009", "en", date(2009, 3, 3)),
        ("This policy was last revised on 2 May 2018.", "en", date(2018, 5, 2)),
        ("Effective Date: 04/15/2019", "en", date(2019, 4, 15)),
        ("Version 3.1, effective 1st July 2021", "en", date(2021, 7, 1)),
        ("Effective: May 2018", "en", date(2018, 5, 1)),
        ("Updated 2020-09-01", "en", date(2020, 9, 1)),
        ("Stand: 12. März 2019", "de", date(2019, 3, 12)),
        ("Zuletzt aktualisiert am 08.02.2021", "de", date(2021, 2, 8)),
        ("Mise à jour : 4 juin 2020", "fr", date(2020, 6, 4)),
        ("Dernière mise à jour : 1er février 2019", "fr", date(2019, 2, 1)),
        ("Última actualización: 15 de enero de 2022", "es", date(2022, 1, 15)),
        ("Fecha de entrada en vigor: 02/03/2023", "es", date(2023, 3, 2)),
        ("最終更新日：2015年4月1日", "ja", date(2015, 4, 1)),
        ("改定日：令和2年10月1日", "ja", date(2020, 10, 1)),
        ("制定日 平成30年5月25日", "ja", date(2018, 5, 25)),
        ("施行日：令和元年7月1日", "ja", date(2019, 7, 1)),
        ("更新日期：2021年6月30日", "zh", date(2021, 6, 30)),
        ("本政策最後修訂日期：2018年11月5日", "zh", date(2018, 11, 5)),
        ("시행일자: 2020년 3월 1일", "ko", date(2020, 3, 1)),
    ],
)
def test_labelled_dates_are_read(text: str, language: str, expected: date) -> None:
    assert stated_date(f"# Policy\n\n{text}\n\nWe collect data.", language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("平成15年6月1日制定", date(2003, 6, 1)), ("2019年4月1日改定\n2015年4月1日制定", date(2019, 4, 1))],
)
def test_japanese_labels_may_follow_the_date(text: str, expected: date) -> None:
    assert stated_date(f"■プライバシーポリシー\n{text}\n当館は個人情報を大切に扱います。", "ja") == expected


def test_the_latest_labelled_date_wins() -> None:
    text = "Effective date: 1 January 2018. Last updated: 9 June 2019."
    assert stated_date(text, "en") == date(2019, 6, 9)


def test_dates_without_a_label_are_not_stated_dates() -> None:
    assert stated_date("Under the Data Protection Act 1998, amended on 3 May 2018, you may ask us.", "en") is None


def test_impossible_dates_are_ignored() -> None:
    assert stated_date("Last updated: 31/02/2019", "de") is None
