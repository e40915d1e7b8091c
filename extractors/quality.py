"""Capture quality: is this capture the policy, or something the archive recorded in its place?

Archives keep whatever the URL answered: error pages served with status 200 ("soft 404s"), bot challenges,
parked domains after a company folded, login walls, and homepages that a retired policy URL redirects to. Only
``ok`` captures make versions; the others stay visible in ``captures`` with their class, so a history never
"changes" to a captcha page and back.

Classes, checked in this order:

``empty``
    no text at all (also raised as :class:`~palimpsest.errors.EmptyText` by extraction).
``bot-wall``, ``parked``, ``login-wall``, ``soft-404``
    a short page whose title or text says so, in any of the corpus languages. Policies mention captchas,
    logins and "page not found" too, so these apply only to pages too short to be a policy, or whose text has
    little policy vocabulary.
``not-a-policy``
    text with (almost) no policy vocabulary: a homepage, a product page, a blog post.
"""

from __future__ import annotations

import re
from itertools import islice

from palimpsest.text.normal import count_words

OK = "ok"
CLASSES = ("ok", "soft-404", "bot-wall", "parked", "login-wall", "not-a-policy", "empty")

_SHORT = 150  # words: shorter than the shortest policy in our corpus by a wide margin
POLICY_TERMS = re.compile(
    r"\b(?:privacy|personal|data|information|collects?|collected|cookies?|consent|third[- ]part(?:y|ies)|"
    r"retain|retention|shares?|sharing|process(?:ing)?|rights|gdpr|ccpa|opt[- ]out|"
    r"datenschutz\w*|personenbezogene\w*|daten|données|confidentialité|vie privée|"
    r"privacidad|datos|protección)\b|"
    r"個人情報|プライバシー|クッキー|情報|隐私|个人信息|信息|隱私|個人資料|資料|개인정보|정보",
    re.IGNORECASE,
)
_HOME_PATH = re.compile(r"^https?://[^/]+/?(?:index\.\w+|home|default\.\w+)?(?:[?#].*)?$", re.IGNORECASE)
#: A policy mentions its subject at least once every _SPARSE words; at a homepage URL (a retired policy URL
#: redirecting to the front page) it must say so at least _HOME_TERMS times and once every _DENSE words.
_SPARSE = 300
_DENSE = 40
_HOME_TERMS = 4
_SIGNS = {
    "bot-wall": re.compile(
        r"captcha|are you a (?:human|robot)|verify (?:that )?you are (?:a )?human|checking your browser|"
        r"unusual traffic|access denied|request (?:unsuccessful|blocked)|attention required|"
        r"enable (?:javascript and )?cookies to continue|pardon our interruption|ddos protection|"
        r"bot (?:protection|detection)|just a moment|zugriff verweigert|accès refusé|acceso denegado|"
        r"アクセスが拒否|ロボットではありません",
        re.IGNORECASE,
    ),
    "parked": re.compile(
        r"domain (?:is |may be )?(?:for sale|parked)|buy this domain|this domain (?:has expired|is available)|"
        r"parked (?:free|domain|by)|domain name registration|make an offer on this domain|sponsored listings|"
        r"related searches|domain steht zum verkauf|ce domaine est à vendre|este dominio está a la venta|"
        r"このドメインは販売",
        re.IGNORECASE,
    ),
    "login-wall": re.compile(
        r"(?:sign|log) ?in to (?:continue|view|see|access)|you must (?:be )?(?:logged|signed) in|"
        r"please (?:sign|log) ?in|members only|session (?:has )?expired|bitte melden sie sich an|"
        r"veuillez vous connecter|inicie sesión para continuar|ログインしてください",
        re.IGNORECASE,
    ),
    "soft-404": re.compile(
        r"\b404\b|page (?:was )?not found|page (?:you requested |you are looking for )?(?:does not|doesn't|no "
        r"longer) exist|(?:cannot|can't|could not) (?:be )?f(?:ou|i)nd (?:the|this|that) page|no longer available|"
        r"seite (?:wurde )?nicht gefunden|page introuvable|página no encontrada|ページが見つかりません|"
        r"お探しのページ|页面不存在|找不到",
        re.IGNORECASE,
    ),
}
_FORM_SIGNS = {
    "login-wall": re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE),
    "bot-wall": re.compile(r"g-recaptcha|h-captcha|cf-chl|challenge-platform|_incapsula_", re.IGNORECASE),
}


def classify(text: str, *, title: str | None = None, html: str | None = None, url: str | None = None) -> str:
    """The quality class of one capture's extracted ``text`` (with the page's ``title``, raw ``html`` and ``url``).

    A homepage URL (a policy URL that now redirects to the site's front page) needs a denser policy vocabulary.
    """
    words = count_words(text)
    if not words:
        return "empty"
    least, every = (_HOME_TERMS, _DENSE) if url and _HOME_PATH.match(url) else (2, _SPARSE)
    needed = max(least, -(-words // every))  # at least ``least`` terms, and one every ``every`` words
    # Counting stops once there are enough: a long policy names its subject early and often.
    policy_like = next(islice(POLICY_TERMS.finditer(text), needed - 1, None), None) is not None
    head = f"{title or ''}\n{text[:2000]}"
    if words < _SHORT or not policy_like:
        for name, sign in _SIGNS.items():
            if sign.search(head):
                return name
        for name, sign in _FORM_SIGNS.items():
            if html and words < _SHORT and sign.search(html):
                return name
    if not policy_like:
        return "not-a-policy"
    return OK
