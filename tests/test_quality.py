"""Capture quality classes: what the archive recorded in place of the policy never becomes a version.

The corpus's ``q-*`` pages are checked in test_golden.py; these cases pin the borders between classes.
"""

from __future__ import annotations

import pytest

from palimpsest.extractors.quality import classify

POLICY = (
    "Privacy Policy. We collect your name, e-mail address and the pages you visit. We use cookies to keep you "
    "logged in. We share personal data with our hosting provider and never sell it. You have the right to access "
    "and delete your data; contact privacy@example.com. "
) * 3


@pytest.mark.parametrize(
    ("text", "title", "quality"),
    [
        ("Checking your browser before accessing the site. This process is automatic.", "Just a moment...", "bot-wall"),
        ("Access denied. Your request was blocked by our security service. Reference 18.2f.", None, "bot-wall"),
        ("This domain may be for sale. Related searches: candles, soap, gifts.", "example.com", "parked"),
        ("Bitte melden Sie sich an, um fortzufahren.", "Anmelden", "login-wall"),
        ("Leider wurde die Seite nicht gefunden. Zur Startseite.", "Fehler", "soft-404"),
        ("Error 404. The page you requested does not exist.", "Not found", "soft-404"),
        ("ページが見つかりません。トップページへ戻る", None, "soft-404"),
        (
            "Fresh bread every morning. Order croissants for tomorrow and pick them up at the shop.",
            None,
            "not-a-policy",
        ),
        ("", None, "empty"),
    ],
)
def test_short_pages_are_classified_by_what_they_say(text: str, title: str | None, quality: str) -> None:
    assert classify(text, title=title) == quality


def test_a_policy_that_mentions_captchas_logins_and_404s_is_ok() -> None:
    text = POLICY + " Our forms use reCAPTCHA. Please log in to change your settings. We log 404 errors."
    assert classify(text, title="Privacy") == "ok"


def test_a_password_form_on_a_short_page_is_a_login_wall() -> None:
    html = '<form><input name="user"><input type="password" name="pw"></form>'
    assert classify("Welcome back. E-mail. Keep me signed in.", html=html) == "login-wall"


def test_a_homepage_needs_a_denser_policy_vocabulary() -> None:
    text = (
        "Welcome to Harbour Bank. Open a savings account in minutes, apply for a mortgage online and see our rates. "
        * 8
        + "Read our privacy information."
    )
    assert classify(text, url="https://harbour.example/privacy") == "ok"
    assert classify(text, url="https://harbour.example/") == "not-a-policy"


@pytest.mark.parametrize(
    "text",
    [
        "Datenschutzerklärung. Wir verarbeiten personenbezogene Daten nur, soweit dies erforderlich ist.",
        "Politique de confidentialité : nous traitons vos données personnelles avec soin.",
        "Política de privacidad: tratamos sus datos personales conforme a la ley.",
        "個人情報保護方針。当社はお客様の個人情報を適切に取り扱います。",
        "隐私政策：我们重视您的个人信息。",
        "개인정보 처리방침: 회사는 이용자의 개인정보를 보호합니다.",
    ],
)
def test_short_policies_in_every_language_are_ok(text: str) -> None:
    assert classify(text) == "ok"
