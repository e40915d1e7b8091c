"""Chrome removal needs evidence: a common word in a class ("cmp", "cta", "toolbar") does not remove a policy.

Modelled on a real failure (a 2015 page whose CMS called its components "cmp"): the policy's own wrapper held a
third of the page, under the share that protects the main text, and with it gone a sign-in box made the page a
"login wall".
"""

from __future__ import annotations

import pytest

from palimpsest.extractors import extract_policy
from tests.test_documents import POLICY, TERMS

SIGN_IN = '<form class="signin"><input name="user"><input type="password" name="pw"><button>Sign in</button></form>'
#: The policy at a realistic length (a few hundred words), in paragraphs.
PARAGRAPHS = "".join(
    f"<p>{block} (Part {n}.)</p>" for n in range(4) for block in POLICY.split("\n\n") if not block.startswith("#")
)
SIDEBAR = "".join(f"<li><a href='/story/{n}'>Story number {n} of the week in our town</a></li>" for n in range(150))


@pytest.mark.parametrize("word", ["cmp cmp-text", "cta-block", "toolbar-content", "feedback-area"])
def test_a_generic_chrome_word_on_the_policys_own_wrapper_keeps_the_policy(word: str) -> None:
    page = (
        f"<html><head><title>Privacy</title></head><body><header>{SIGN_IN}</header>"
        f"<aside><ul>{SIDEBAR}</ul></aside><main><h1>Privacy Policy</h1><div class='{word}'>{PARAGRAPHS}</div>"
        f"<div class='{word}'>{''.join(f'<p>{b}</p>' for b in TERMS.split(chr(10) * 2) if not b.startswith('#'))}"
        "</div></main><footer>© 2015 Shop</footer></body></html>"
    )
    extracted = extract_policy(page.encode(), "http://shop.example/privacy")
    assert extracted.quality == "ok"
    assert "privacy@shop.example" in extracted.text and "never sell personal data" in extracted.text


def test_a_consent_tool_is_still_removed_whatever_it_says() -> None:
    banner = "<div id='onetrust-banner-sdk'><p>We use cookies and personal data for advertising; accept?</p></div>"
    paragraphs = "".join(f"<p>{block}</p>" for block in POLICY.split("\n\n") if not block.startswith("#"))
    page = f"<html><body>{banner}<main><h1>Privacy Policy</h1>{paragraphs}</main></body></html>"
    text = extract_policy(page.encode(), "http://shop.example/privacy").text
    assert "accept?" not in text and "never sell personal data" in text


TRAILS = [
    '<div class="location"><span>You Are Here:</span>&nbsp;<a href="/">Home</a> -&nbsp;Privacy Policy</div>',
    '<p><a href="/">Home</a> &gt; <a href="/legal">Legal</a> &gt; Privacy</p>',
    '<div id="pfad">Sie sind hier: <a href="/">Startseite</a> › <a href="/info">Info</a> › Datenschutz</div>',
    '<ol class="trail"><li><a href="/">Accueil</a> » </li><li>Confidentialité</li></ol>',
]


@pytest.mark.parametrize("trail", TRAILS)
def test_a_breadcrumb_trail_is_chrome_by_its_words_whatever_its_markup(trail: str) -> None:
    """A capture with the trail and one without it (a redesign dropped it) give the same text: no version from
    chrome alone."""
    paragraphs = "".join(f"<p>{block}</p>" for block in POLICY.split("\n\n") if not block.startswith("#"))
    pages = [
        f"<html><body><div class='main'>{crumbs}<h1>Privacy Policy</h1>{paragraphs}</div></body></html>"
        for crumbs in (trail, "")
    ]
    texts = [extract_policy(page.encode(), "http://shop.example/privacy").text for page in pages]
    assert texts[0] == texts[1] and "never sell personal data" in texts[0]


def test_a_sentence_that_opens_like_a_trail_is_kept() -> None:
    said = [
        "<p>You are here to learn how we use data: see <a href='#s4'>section 4</a>.</p>",
        "<p>Home addresses - see <a href='#s4'>section 4</a> - are never shared.</p>",
    ]
    paragraphs = "".join(f"<p>{block}</p>" for block in POLICY.split("\n\n") if not block.startswith("#"))
    page = f"<html><body><main><h1>Privacy Policy</h1>{''.join(said)}{paragraphs}</main></body></html>"
    text = extract_policy(page.encode(), "http://shop.example/privacy").text
    assert "You are here to learn how we use data" in text and "Home addresses" in text
