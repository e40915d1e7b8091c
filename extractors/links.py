"""Which link on a homepage leads to the privacy policy: link text and URL patterns in ten languages.

A link scores by what it says (a full name of the policy beats a bare "privacy") and where it points (a path
naming privacy or personal data). Links that name another legal page only (terms, cookie settings, imprint) lose
points, so that "Terms & Privacy" still wins over "Terms" and "Privacy policy" over "Cookie settings".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from palimpsest.extractors.charset import decode_html
from palimpsest.extractors.dom import parse

#: Full names of a privacy policy, by language (compared case-folded and NFKC-normalised).
POLICY_NAMES = {
    "en": ("privacy policy", "privacy notice", "privacy statement", "privacy & cookies", "privacy and cookies"),
    "ja": (
        "プライバシーポリシー",
        "個人情報保護方針",
        "個人情報の取り扱い",
        "個人情報の取扱い",
        "プライバシー・ポリシー",
    ),
    "de": ("datenschutzerklärung", "datenschutzhinweise", "datenschutzrichtlinie", "datenschutzbestimmungen"),
    "fr": ("politique de confidentialité", "politique de protection des données", "données personnelles"),
    "es": ("política de privacidad", "aviso de privacidad", "política de protección de datos"),
    "pt": ("política de privacidade", "aviso de privacidade", "proteção de dados"),
    "it": ("informativa sulla privacy", "informativa privacy", "politica sulla privacy", "tutela della privacy"),
    "nl": ("privacybeleid", "privacyverklaring", "privacystatement"),
    "zh": ("隐私政策", "隱私權政策", "隱私政策", "私隱政策", "隐私声明", "隱私聲明"),
    "ko": ("개인정보처리방침", "개인정보 처리방침", "개인정보취급방침", "개인정보 취급방침", "개인정보 보호정책"),
}
#: Words that name privacy on their own: a weaker sign than a full name.
PRIVACY_WORDS = (
    "privacy", "プライバシー", "個人情報", "datenschutz", "confidentialité", "vie privée", "privacidad",
    "privacidade", "riservatezza", "隐私", "隱私", "私隱", "개인정보",
)  # fmt: skip
#: Path fragments of policy pages, compared case-folded on the URL's path and query.
URL_PATTERNS = re.compile(
    r"privacy|privacidad|privacidade|datenschutz|confidentialit|donnees-personnelles|protection-des-donnees|"
    r"privacybeleid|privacyverklaring|informativa|riservatezza|kojinjoho|personal-?info|yinsi|gaein|"
    r"datapolicy|data-policy"
)
#: Other legal pages a footer lists beside the policy.
OTHER_PAGES = re.compile(
    r"terms|conditions|cookie settings|impressum|imprint|mentions légales|aviso legal|利用規約|服务条款|이용약관|"
    r"nutzungsbedingungen|condizioni|voorwaarden|termos"
)


@dataclass(frozen=True)
class PolicyLink:
    url: str
    text: str
    score: int


def score(text: str, href: str) -> int:
    """How strongly a link of this text, pointing at ``href``, looks like the privacy policy (0: not at all)."""
    said = _fold(text)
    points = 0
    if any(name in said for names in POLICY_NAMES.values() for name in names):
        points += 10
    elif any(word in said for word in PRIVACY_WORDS):
        points += 6
    parts = urlsplit(href)
    if URL_PATTERNS.search(_fold(f"{parts.path}?{parts.query}")):
        points += 4
    if points and OTHER_PAGES.search(said) and not any(word in said for word in PRIVACY_WORDS):
        points -= 3
    return max(points, 0)


def policy_links(body: bytes, page_url: str, content_type: str | None = None) -> list[PolicyLink]:
    """Every link of the page that may be its privacy policy, best first (document order breaks ties)."""
    root = parse(decode_html(body, content_type).text)
    if root is None:
        return []
    found: dict[str, PolicyLink] = {}
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = " ".join(" ".join(anchor.itertext()).split()) or anchor.get("title") or ""
        points = score(text, href)
        url = urljoin(page_url, href).split("#", 1)[0]
        if points and (url not in found or found[url].score < points):
            found[url] = PolicyLink(url, text, points)
    order = list(found)
    return sorted(found.values(), key=lambda link: (-link.score, order.index(link.url)))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
