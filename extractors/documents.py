"""The privacy policy among the other things a page holds: terms of use, a legal page's other notices, menus.

Real policy pages often hold more than the policy (OPP-115's 2015 pages, measured 2026-12): the terms of use
after it ("TGI Fridays Privacy Policy" then "TGI Fridays Terms and Conditions"), a legal page whose privacy policy
is one part among a disclaimer and a copyright notice, or a news site's menu of headlines above it. A researcher
wants the privacy policy; every change in the terms or the menu would otherwise be a "change" of the policy.

The text is cut at its *titled* headings, headings that name a document: "Privacy Policy", "Datenschutzerklärung",
"プライバシーポリシー" on one side; "Terms of Use", "Terms and Conditions", "Disclaimer", "利用規約" on the other. A
titled heading opens a part that runs to the next titled heading at its level or above, so a terms-of-use
section that is itself called "Privacy" stays in the terms. What comes before the first titled heading is the
page's opening. Only evidence removes a part:

* nothing is cut unless a heading titles the privacy policy: without one the page cannot say where it lies;
* a part is kept when its density of privacy vocabulary (``quality.POLICY_TERMS``) is at least half that of the
  privacy policy's densest part, whatever its title (a "Cookie Policy" or "California Privacy Rights" part is
  kept that way, and so is a policy's own short "Terms of use" paragraph);
* otherwise a part titled as another document is dropped, and so is an opening or a privacy-titled part with
  almost no privacy vocabulary (a menu of headlines under the site's page title);
* the kept text must still hold most of the page's privacy vocabulary, or nothing is cut.

The titles of the other documents dropped are returned, so the capture can record what else the page held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from palimpsest.extractors.quality import POLICY_TERMS

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MARKS = re.compile(r"[*_`]+")
#: Headings longer than this are sentences, not titles.
_TITLE_WORDS = 14
PRIVACY_TITLE = re.compile(
    r"privacy|data protection|personal (?:information|data)|datenschutz|confidentialit|vie privée|"
    r"protection des données|privacidad|protección de datos|privacidade|riservatezza|プライバシー|個人情報|"
    r"隐私|个人信息|隱私|個人資料|개인정보",
    re.IGNORECASE,
)
#: Titles of the other documents a page can hold beside its privacy policy. A disclaimer or a copyright notice is
#: a section, not a document: privacy notices of public bodies hold theirs (OPP-115's archives.gov, jlab.org).
OTHER_TITLE = re.compile(
    r"terms\s+(?:of\s+(?:use|service|sale)|(?:and|&)\s+conditions)|conditions\s+of\s+(?:use|sale)|"
    r"(?:user|visitor|subscriber|end[- ]user|website|site)\s+agreement|\bTOU\b|\bTOS\b|legal notices?|"
    r"impressum|nutzungsbedingungen|\bAGB\b|geschäftsbedingungen|conditions générales|mentions légales|"
    r"conditions d'utilisation|términos\s+(?:y\s+condiciones|de\s+uso)|condiciones\s+de\s+uso|aviso legal|"
    r"termos\s+de\s+uso|利用規約|使用条款|服务条款|服務條款|使用條款|이용약관",
    re.IGNORECASE,
)
#: A privacy title that also names terms ("Privacy & Terms") titles a combined page, not one document.
_BOTH = re.compile(r"\bterms\b|\bconditions\b|\bagreement\b|\blegal\b", re.IGNORECASE)
#: The vocabulary of terms of use, disclaimers and copyright notices, which a privacy policy rarely needs.
LEGAL_TERMS = re.compile(
    r"\b(?:licen[cs](?:e|es|ed|or|ee)|warrant(?:y|ies|s)|liabilit(?:y|ies)|liable|indemni\w*|damages|arbitrat\w*|"
    r"jurisdiction|governing law|intellectual property|trademarks?|copyrights?|copyrighted|infring\w*|prohibit\w*|"
    r"terminat\w*|disclaim\w*|merchantability|endorse\w*|breach\w*|hereby|herein|hereunder|thereof|"
    r"lawsuits?|litigation|obscene|defamatory|reproduc\w*|"
    r"haftung\w*|gewährleistung\w*|lizenz\w*|urheberrecht\w*|responsabilité|garanties?|licences?|"
    r"responsabilidad|garantías?|licencias?)\b|責任|保証|免責|著作権|ライセンス|禁止",
    re.IGNORECASE,
)
#: Lines of prose: long enough and ending as a sentence does.
_SENTENCE = re.compile(r"^(?!#)(?:\S+\s+){7,}\S*[.!?:;。．！？)\"”]\s*$")
#: A part is the policy's own when it is at least this dense in privacy vocabulary, against the densest part.
_KEEP = 0.5
#: An opening or a privacy-titled part this sparse in privacy vocabulary is chrome (a menu, headlines).
_CHROME = 0.2
#: A part with less prose than this, and the privacy vocabulary of chrome, is chrome (menus, headlines).
_PROSE = 0.5
#: A part titled as another document is that document when it is this long and speaks its language.
_DOCUMENT_WORDS = 150
_DOCUMENT_LEGAL = 3
#: The kept text holds at least this share of the page's privacy vocabulary, or nothing is cut.
_HELD = 0.6
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Part:
    title: str | None  # the titled heading that opens it; None for the page's opening
    kind: str  # "privacy", "other" or "opening"
    text: str

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))

    @property
    def terms(self) -> int:
        return len(POLICY_TERMS.findall(self.text))

    @property
    def density(self) -> float:
        return self.terms / self.words if self.words else 0.0

    @property
    def legal(self) -> int:
        return len(LEGAL_TERMS.findall(self.text))

    @property
    def prose(self) -> float:
        """The share of the part's words that stand in lines of prose."""
        inside = sum(len(_WORD.findall(line)) for line in self.text.split("\n") if _SENTENCE.match(line.strip()))
        return inside / self.words if self.words else 0.0


@dataclass(frozen=True)
class Scoped:
    text: str
    others: tuple[str, ...] = ()  # titles of the other documents the page held, dropped from the text


def title_kind(heading: str) -> str | None:
    """``privacy`` or ``other`` for a heading that names a document; None for any other heading."""
    words = heading.split()
    if len(words) > _TITLE_WORDS:
        return None
    privacy, other = PRIVACY_TITLE.search(heading), OTHER_TITLE.search(heading)
    if privacy and (other or _BOTH.search(heading)):
        return None  # "Privacy Policy & Terms": the page's own title, naming both
    return "privacy" if privacy else "other" if other else None


def _combined_title(part: Part) -> bool:
    """A part that is only a heading naming the privacy policy and other documents at once."""
    lines = [line for line in part.text.split("\n") if line.strip()]
    heading = _HEADING.match(lines[0]) if len(lines) == 1 else None
    title = _MARKS.sub("", heading.group(2)) if heading else ""
    return bool(heading and PRIVACY_TITLE.search(title) and (OTHER_TITLE.search(title) or _BOTH.search(title)))


def parts(text: str) -> list[Part]:
    """The text cut at its titled headings (see the module's note); the opening first, when there is one."""
    found: list[Part] = []
    title, kind, level, lines = None, "opening", 0, []
    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            heading = _MARKS.sub("", match.group(2)).strip()
            named = title_kind(heading)
            depth = len(match.group(1))
            # Another document's title may stand at the level of the policy's own sections (a combined page in one
            # flat list); a privacy title inside terms of use is one of their sections unless it is above them.
            if named and (kind == "opening" or depth <= level or (named == "other" and kind == "privacy")):
                if lines or title:
                    found.append(Part(title, kind, "\n".join(lines)))
                title, kind, level, lines = heading, named, depth, [line]
                continue
        lines.append(line)
    found.append(Part(title, kind, "\n".join(lines)))
    return [part for part in found if part.text.strip()]


def scope(text: str) -> Scoped:
    """The privacy policy's parts of ``text``, and the titles of the other documents it held."""
    cut = parts(text)
    privacy = [part for part in cut if part.kind == "privacy"]
    if not privacy or len(cut) == 1:
        return Scoped(text)
    main = max(cut, key=lambda part: part.terms)
    densest = main.density
    if not densest:
        return Scoped(text)
    first = next(index for index, part in enumerate(cut) if part.kind == "privacy")
    kept, others = [], []
    for index, part in enumerate(cut):
        chrome = part.prose < _PROSE and part.density < _CHROME * densest
        if part is main:
            kept.append(part)
        elif part.kind == "opening" and index < first and part.legal >= part.terms:
            pass  # a legal page's other notices before its privacy policy
        elif part.density >= _KEEP * densest:
            kept.append(part)
        elif part.kind == "other" and (chrome or (part.words >= _DOCUMENT_WORDS and part.legal >= _DOCUMENT_LEGAL)):
            others.append(part.title or "")
        elif not chrome:
            kept.append(part)
    if others and kept and _combined_title(kept[0]):
        kept = kept[1:]  # "Privacy Policy & Terms of Use": the combined page's title, not the policy's
    if len(kept) == len(cut):
        return Scoped(text)
    total = sum(part.terms for part in cut)
    if sum(part.terms for part in kept) < _HELD * total:
        return Scoped(text)
    return Scoped("\n".join(part.text for part in kept).strip(), tuple(others))


#: A run of this many headings with no text between them is a menu drawn as headings, not a policy's outline.
_MENU_HEADINGS = 3


def trim(text: str) -> str:
    """The text without menus that trafilatura keeps drawn as runs of headings of one level with no text between
    them (a help centre's category menu above the article)."""
    lines = text.split("\n")
    headings = [i for i, line in enumerate(lines) if _HEADING.match(line)]
    runs: list[list[int]] = []
    for index in headings:
        between = lines[runs[-1][-1] + 1 : index] if runs else []
        same_level = runs and _level(lines[runs[-1][-1]]) == _level(lines[index])
        if same_level and not any(line.strip() for line in between):
            runs[-1].append(index)
        else:
            runs.append([index])
    # A title, a part and a section in a row climb down the levels; a menu repeats one level.
    dropped = {i for run in runs if len(run) >= _MENU_HEADINGS for i in run}
    return "\n".join(line for i, line in enumerate(lines) if i not in dropped) if dropped else text


def _level(line: str) -> int:
    return len(line) - len(line.lstrip("#"))
