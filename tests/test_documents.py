"""The privacy policy among the other documents of a page (extractors.documents), on texts written here that model
the layouts of real combined pages: terms after the policy at several heading levels, a legal page whose privacy
policy is one part, a public notice whose disclaimers are its own, and a menu of headlines above the policy."""

from __future__ import annotations

from palimpsest.extractors.documents import parts, scope, title_kind

POLICY = "\n\n".join(
    [
        "We collect the personal information you give us, such as your name and email address, and data about "
        "your use of the site, such as your IP address and cookies.",
        "## How we use information",
        "We use personal information to run the service, to answer you and, with your consent, to send you news. "
        "We never sell personal data to third parties.",
        "## Sharing",
        "We share information with processors who host our data, and with third parties when the law requires it. "
        "You may opt out of sharing for advertising at any time.",
        "## Your rights",
        "You have the right to see, correct and delete the personal information we hold about you; write to "
        "privacy@shop.example to exercise your rights.",
    ]
)
TERMS = "\n\n".join(
    [
        "By using this site you agree to these terms. All content is licensed to you for personal use only and "
        "remains protected by copyright and trademark law.",
        "## Warranties",
        "The site is provided as is, without warranty of any kind; we disclaim all warranties of merchantability.",
        "## Limitation of liability",
        "We are not liable for any damages arising from your use of the site, and you agree to indemnify us "
        "against any claim arising from your breach of these terms. In no event shall the company, its officers, "
        "directors or employees be liable for indirect, incidental, special or consequential damages, lost "
        "profits or lost revenue, even if advised of the possibility of such damages. Some jurisdictions do not "
        "allow these limitations, so they may not apply to you.",
        "## Your conduct",
        "You may not post material that is unlawful, obscene, defamatory or that infringes the rights of others, "
        "and you may not reproduce, modify or distribute any part of the site without our written permission. "
        "We may terminate your access at any time, without notice, if we believe that you have breached these "
        "terms.",
        "## Governing law",
        "These terms are governed by the laws of the State of Delaware, whose courts have exclusive jurisdiction "
        "over any dispute, lawsuit or arbitration.",
    ]
)


def _level(text: str, below: int) -> str:
    """``text`` with every heading moved ``below`` levels down."""
    return "\n".join(("#" * below + line) if line.startswith("#") else line for line in text.split("\n"))


def test_titles_name_documents_not_sections() -> None:
    assert title_kind("TGI Fridays Privacy Policy") == "privacy"
    assert title_kind("Datenschutzerklärung") == "privacy"
    assert title_kind("プライバシーポリシー") == "privacy"
    assert title_kind("Terms and Conditions of Use") == "other"
    assert title_kind("利用規約") == "other"
    assert title_kind("Privacy Policy & Terms") is None  # a page title naming both
    assert title_kind("General Disclaimer") is None  # a section: public notices hold their own
    assert title_kind("Your acceptance of these terms") is None
    assert title_kind("How we use information") is None


def test_terms_after_the_policy_are_left_out_and_named() -> None:
    for policy_level, terms_level in ((1, 1), (1, 2), (2, 2)):
        text = (
            f"{'#' * policy_level} Shop Privacy Policy\n\n{_level(POLICY, policy_level)}\n\n"
            f"{'#' * terms_level} Shop Terms of Use\n\n{_level(TERMS, terms_level)}"
        )
        scoped = scope(text)
        assert "Governing law" not in scoped.text and "indemnify" not in scoped.text, (policy_level, terms_level)
        assert scoped.text.startswith(f"{'#' * policy_level} Shop Privacy Policy")
        assert "privacy@shop.example" in scoped.text
        assert scoped.others == ("Shop Terms of Use",)


def test_terms_in_the_same_flat_list_as_the_policys_sections_are_left_out() -> None:
    flat = "\n".join(line.replace("## ", "## ") for line in f"# Privacy Policy\n\n{POLICY}".split("\n"))
    text = f"{flat}\n\n## TERMS OF USE\n\n{TERMS.replace('## ', '## ')}"
    scoped = scope(text)
    assert "exclusive jurisdiction" not in scoped.text
    assert "## Your rights" in scoped.text and scoped.others == ("TERMS OF USE",)


def test_terms_before_the_policy_are_left_out() -> None:
    text = f"# Terms of Service\n\n{_level(TERMS, 1)}\n\n# Privacy Notice\n\n{_level(POLICY, 1)}"
    scoped = scope(text)
    assert scoped.text.startswith("# Privacy Notice") and "merchantability" not in scoped.text


def test_a_privacy_section_inside_the_terms_does_not_bring_the_terms_back() -> None:
    terms = _level(TERMS, 1).replace("### Governing law", "### 13. Privacy\n\nSee our privacy policy.\n\n### Law")
    text = f"# Privacy Policy\n\n{_level(POLICY, 1)}\n\n## Terms of Use\n\n{terms}"
    assert "Delaware" not in scope(text).text


def test_a_policys_own_short_terms_section_and_a_notices_disclaimers_are_kept() -> None:
    own = f"# Privacy Policy\n\n{POLICY}\n\n## Terms of use\n\nYour use of the site is also governed by our terms."
    assert scope(own).text == own
    notice = (
        "# Privacy and Security Notice\n\n## Security notice\n\nThis is a government computer system; use of it may "
        "be monitored, recorded and audited by authorized personnel.\n\n## Disclaimers\n\nReference to any product "
        "does not constitute endorsement, and we disclaim any liability for the content of external sites.\n\n"
        f"## Privacy notice\n\n{POLICY}"
    )
    assert scope(notice).text == notice


def test_a_legal_pages_other_notices_before_its_privacy_policy_are_left_out() -> None:
    page = (
        "# Legal\n\n## General Disclaimer\n\nMaterials on this site do not constitute legal advice; we disclaim all "
        "liability and warranties, and reproduction may infringe copyright or trademark rights.\n\n"
        "## Copyright\n\nSome materials are protected by copyright; a license from the rights holder may be needed "
        "for reproduction, and you are liable for any infringement.\n\n"
        f"## Privacy Policy\n\n{_level(POLICY, 1)}"
    )
    scoped = scope(page)
    assert scoped.text.startswith("## Privacy Policy") and "legal advice" not in scoped.text


def test_a_menu_of_headlines_under_the_sites_page_title_is_left_out() -> None:
    menu = "\n\n".join(f"### Headline {n}\n\nposted: July 02\n\nComments (3)" for n in range(40))
    page = f"## Privacy Policy - The Daily Example : Site\n\n{menu}\n\n# Privacy Policy\n\n{_level(POLICY, 2)}"
    scoped = scope(page)
    assert scoped.text.startswith("# Privacy Policy\n") and "Headline" not in scoped.text


def test_without_a_privacy_title_nothing_is_cut() -> None:
    text = f"{POLICY}\n\n## Terms of Use\n\n{TERMS}"
    assert scope(text).text == text
    assert [part.kind for part in parts(text)] == ["opening", "other"]


def test_nothing_is_cut_when_the_cut_would_lose_most_of_the_privacy_vocabulary() -> None:
    text = f"# Privacy Policy\n\nShort.\n\n## Terms of Use\n\n{POLICY}\n\n{TERMS}"
    assert scope(text).text == text


def test_a_crawl_records_what_else_the_page_held(monkeypatch, tmp_path) -> None:
    """End to end: the captures view names the other documents a combined page held; the versions hold none."""
    from palimpsest.flows import fetching
    from palimpsest.flows.crawl import run_crawl
    from palimpsest.warehouse import warehouse
    from tests.conftest import settings_for
    from tests.servers import FaultArchive, Page, quick_client

    def html(text: str) -> str:
        blocks = [b for b in text.split("\n\n") if b.strip()]
        return "".join(f"<h{b.count('#', 0, 3)}>{b.lstrip('#').strip()}</h{b.count('#', 0, 3)}>"
                       if b.startswith("#") else f"<p>{b}</p>" for b in blocks)  # fmt: skip

    body = f"<html><body><main>{html(f'# Shop Privacy Policy{chr(10) * 2}{POLICY}')}"
    body += f"{html(f'# Shop Terms of Use{chr(10) * 2}{TERMS}')}</main></body></html>"
    url = "https://shop.example/legal"
    with FaultArchive([Page(url, "20190101120000", body.encode())]) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "w.duckdb")
        run_crawl(settings, url)
    with warehouse(settings.db, read_only=True) as con:
        assert con.execute("SELECT other_documents FROM captures").fetchall() == [(["Shop Terms of Use"],)]
        (text,) = con.execute("SELECT text FROM versions").fetchone()
    assert "privacy@shop.example" in text and "indemnify" not in text
