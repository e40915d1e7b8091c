"""Version histories on real archived pages, against the Princeton-Leuven historical privacy-policy corpus (PL).

    PALIMPSEST_PL=PATH .venv/bin/python -m benchmarks.pl_history [--verbose] [--keep DIR]

PL (public repository citp/privacy-policy-historical) keeps, per site, ``<a>/<ab>/<abc>/<site>.html`` (the archived
page as PL downloaded it, with the Wayback ``id_`` snapshot URL in a leading HTML comment) and ``<site>.md`` (PL's
own machine extraction: a reference, not a gold). Its git history holds one commit per period in which PL's copy
changed. PATH holds, per site, two of those captures and whichever of PL's ``.md`` files could be had::

    PATH/<site>/meta.json           {"site", "html_path", "md_path", "captures": [{"ts", "url", "commit"}, ...],
                                     "md": [{"ts", "url", "commit"}, ...]}
    PATH/<site>/<14-digit ts>.html  the page at that capture (PL's leading comment is dropped before use)
    PATH/<site>/<14-digit ts>.md    PL's extraction of the capture with that timestamp

Each file is ``git show <commit>:<path>`` of the PL repository (the commits are in meta.json). The corpus is never
copied into this repository (licence and size). **Only sites whose name starts with a letter from b to r are
read**: the rest of PL is kept for an independent check, so nothing here opens it.

What it does, per site: writes a WARC holding the captures at their real timestamps and original URLs (response
records, HTTP 200, ``text/html; charset=utf-8``: PL stores decoded text, so the pages are served as UTF-8), serves
it with the project's local pywb (``LocalWayback``), runs the real crawl (``run_crawl``; a site whose policy URL
moved is crawled once per URL under one site name) and reads the ``versions`` view. It prints, per site: PL's
version count over the two captures (2: they are two commits of PL's history), ours, the count a reader gets by
comparing the two pages by eye (``VERDICT``, hard-coded after reading them), and for each capture the token F1 of
our text against PL's ``.md`` of the same capture (plain number) or, where PL's ``.md`` of that capture could not be
had, of another capture showing the same policy wording, judged by eye (``~``; ``SAME_POLICY``). PL's ``.md`` is a
machine extraction (it keeps page titles, some footers), so a low F1 must be read by eye before it is blamed on us.
Trafilatura's F1 on the same pages and references is measured alongside.

Chrome under a stable policy: for a few sites (``CHROME``) one real capture is turned into four synthetic captures
three weeks apart in which only the chrome changes, the way archives show it: a rotating "latest news" box with
other headlines, the date in a header bar ("Today is Tuesday, …") and the footer's "© 2014" becoming "© 2015", a
different promotion block, and one redesign that wraps the same policy markup in a new header, sidebar and footer.
The policy's own container (found by eye once per site, located by its opening and closing markup) stays byte for
byte identical, which the benchmark asserts. The crawl must make exactly one version per site.

``--bench-json`` rows: sites whose version count agrees with PL's, sites whose count matches the by-eye verdict,
mean token F1 against PL's ``.md`` (trafilatura as reference), and versions made from chrome alone (goal 0).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from benchmarks._rows import emit, human_output_on_stderr, row
from benchmarks.extraction_eval import token_f1

LETTERS = frozenset("bcdefghijklmnopqr")
GOAL_F1 = 0.90
_NAMESPACE = uuid.UUID("5d0c8f5e-3b1a-4c0e-9d51-0f7a1e2b6c44")
_PL_HTML_HEADER = re.compile(r"\A<!--The following is the downloaded HTML source.*?-->\s*", re.DOTALL)
_PL_MD_HEADER = re.compile(r"\A> \*The following text is extracted.*?\*\n+", re.DOTALL)
_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_BODY_OPEN = re.compile(r"<body[^>]*>", re.IGNORECASE)

#: Policy versions a reader sees across each site's two captures, and why (read by eye, both pages side by side).
VERDICT: dict[str, tuple[int, str]] = {
    "babyhopes.com": (2, "2001 policy (e-mail contact) replaced by the 2008 one (AdSense/DART section, contact form)"),
    "baby2see.com": (1, "the two captures are the same page byte for byte (only PL's header comment differs)"),
    "chunkbase.com": (2, "a Twitter paragraph was added under Third-Party Services"),
    "churchart.com": (1, "same policy; the site header was redesigned (image buttons -> text links)"),
    "peteranswers.com": (2, "2015 adds a cookie-purpose sentence and the Google/DART advertising section"),
    "pets4you.com": (2, "the operator moved: Lower Lake, CA -> Tucson, AZ, new phone number"),
    "recordlocator.net": (2, "same wording, but the policy's own heading became 'Privacy Policy for TruthFinder'"),
    "recovermyfiles.com": (1, "same 2006 policy; footer year, product menu names and rel=nofollow changed"),
}

#: (site, capture ts) -> ts of a PL .md of another capture whose policy wording is the same, judged by eye.
SAME_POLICY: dict[tuple[str, str], str] = {
    ("babyhopes.com", "20130522004543"): "20141129071830",  # both the 2008 policy; PL's title differs
    ("baby2see.com", "20120326160948"): "20130406084131",  # the pages are identical
    ("churchart.com", "20040602212846"): "20041204051207",
    ("peteranswers.com", "20150403080033"): "20100104220809",  # 2010 says "www.peteranswers.com" twice
    ("pets4you.com", "20061218121453"): "20070502172642",  # PL's 2007 md keeps a breeders footer line
    ("recordlocator.net", "20170606172210"): "20161030021032",  # only the heading differs
}

#: site -> (capture ts, opening markup of the policy's container, its closing markup, brand): found by eye.
CHROME: dict[str, tuple[str, str, str, str]] = {
    "babyhopes.com": (  # the policy's own title, <h1> in DialogTitle, opens its container: a redesign keeps it
        "20130522004543",
        '<div class="DialogTitle">',
        "contact form</a>.\n\n\n\n\n\n\n\n\n</div>",
        "BabyHopes",
    ),
    "chunkbase.com": ("20180823142906", '<article class="box">', "</article>", "Chunkbase"),
    "recordlocator.net": ("20170606172210", '<section class="legal">', "</section>", "TruthFinder"),
    "recovermyfiles.com": ("20130510212133", '<div id="main" style="width:920px">', "</div><!--main-->", "GetData"),
}

_HEADLINES = [
    ["Spring catalogue now online", "Meet us at the summer fair", "Five tips from our customers"],
    ["Holiday opening hours", "Our new mobile app is here", "Customer stories: March"],
    ["We are hiring: join the team", "Free shipping this weekend", "New partnership announced"],
    ["Winter sale starts Friday", "How we test every product", "Readers' favourites of the year"],
]
_PROMOS = [
    ("Spring sale", "Save 20% on your next order with code SPRING20 - this week only."),
    ("Members' offer", "Join our newsletter and get free delivery on your first order."),
    ("Gift cards", "Give a gift card this season: any amount, delivered by e-mail."),
]


@dataclass(frozen=True)
class Capture:
    ts: str
    url: str
    body: bytes  # the page, UTF-8, without PL's leading comment


@dataclass
class Site:
    name: str
    captures: list[Capture]
    md: dict[str, str]  # capture ts -> PL's extraction as plain text (header and link targets dropped)


@dataclass
class Outcome:
    site: Site
    versions: int = 0
    texts: dict[str, str] = field(default_factory=dict)  # capture ts -> our text ("" when none)
    changes: list[tuple[str, int, int, bool]] = field(default_factory=list)  # (ts, words +, words -, minor)
    error: str | None = None


def md_text(markdown: str) -> str:
    """PL's .md as text: its header line dropped, link targets dropped (``[text](url)`` -> ``[text]``)."""
    return _MD_LINK_TARGET.sub("]", _PL_MD_HEADER.sub("", markdown, count=1))


def load(root: Path, only: set[str] | None = None) -> list[Site]:
    sites = []
    for meta_path in sorted(root.glob("*/meta.json")):
        name = meta_path.parent.name
        if name[:1].lower() not in LETTERS:
            print(f"  {name}: skipped (only sites from b to r are read)", file=sys.stderr)
            continue  # the rest of PL is reserved for an independent check: never opened
        if only and name not in only:
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        captures = []
        for item in sorted(meta["captures"], key=lambda c: c["ts"]):
            page = (meta_path.parent / f"{item['ts']}.html").read_text(encoding="utf-8")
            captures.append(Capture(item["ts"], item["url"], _PL_HTML_HEADER.sub("", page, count=1).encode()))
        md = {}
        for item in meta.get("md", []):
            path = meta_path.parent / f"{item['ts']}.md"
            if path.exists():
                md[item["ts"]] = md_text(path.read_text(encoding="utf-8"))
        sites.append(Site(name, captures, md))
    return sites


def when(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def write_warc(path: Path, records: list[tuple[str, str, bytes]]) -> None:
    """One response record per (url, 14-digit ts, body): HTTP 200, text/html; charset=utf-8."""
    from warcio.statusandheaders import StatusAndHeaders  # noqa: PLC0415 - keeps `--help` fast
    from warcio.warcwriter import WARCWriter  # noqa: PLC0415

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, ts, body in records:
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Date": when(ts).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'{url} {ts}')}>",
            },
        )
        writer.write_record(record)
    path.write_bytes(buffer.getvalue())


# --- chrome under a stable policy ------------------------------------------------------------------------------


def _container(page: str, start: str, end: str) -> tuple[int, int]:
    i = page.index(start)
    if page.count(start) != 1:
        raise ValueError(f"the container's opening markup {start!r} is not unique")
    return i, page.index(end, i) + len(end)


def chrome_variants(page: str, start: str, end: str, brand: str, first: datetime) -> list[tuple[datetime, str]]:
    """Four captures three weeks apart of ``page`` in which only the chrome around the policy container changes."""
    i, j = _container(page, start, end)
    head, policy, tail = page[:i], page[i:j], page[j:]
    title = _TITLE.search(page)
    out = []
    for k in range(4):
        moment = first + timedelta(days=21 * k, hours=3 * k)
        today = f"Today is {moment:%A}, {moment:%B} {moment.day}, {moment.year}"
        year = moment.year + (1 if k >= 2 else 0)  # the footer's year rolls over half way: © 2014 -> © 2015
        news = "".join(f'<li><a href="/news/{k}{n}">{escape(h)}</a></li>' for n, h in enumerate(_HEADLINES[k]))
        aside = f'<aside class="sidebar latest-news"><h3>Latest news</h3><ul>{news}</ul></aside>\n'
        if k < 3:
            label, pitch = _PROMOS[k]
            promo = f'\n<div class="promo"><h4>{label}</h4><p>{escape(pitch)} <a href="/shop">Shop now</a></p></div>'
            topbar = f'\n<div class="topbar"><p>{today} &middot; <a href="/account">Sign in</a></p></div>'
            footer = (
                f'<div class="legal-footer"><p>&copy; {year} {brand}. All rights reserved. '
                '<a href="/terms">Terms</a> | <a href="/sitemap">Sitemap</a></p></div>\n'
            )
            body = _BODY_OPEN.search(head)
            top = head[: body.end()] + topbar + head[body.end() :] if body else topbar + head
            cut = tail.lower().rfind("</body>")
            bottom = tail[:cut] + footer + tail[cut:] if cut >= 0 else tail + footer
            variant = top + aside + policy + promo + bottom
        else:  # a redesign: the same policy markup in a new page
            variant = (
                '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{title.group(1).strip() if title else 'Privacy policy'}</title></head>\n<body>\n"
                f'<header class="site-header"><a class="logo" href="/">{brand}</a><nav><ul>'
                '<li><a href="/">Home</a></li><li><a href="/about">About us</a></li><li><a href="/blog">Blog</a></li>'
                '<li><a href="/help">Help centre</a></li><li><a href="/contact">Contact</a></li></ul></nav>'
                f'<p class="today">{today}</p></header>\n<div class="wrap">{aside}<main id="content">\n'
                f"{policy}\n</main></div>\n"
                f'<footer class="site-footer"><p>&copy; {year} {brand}. All rights reserved.</p><nav>'
                '<a href="/terms">Terms of use</a> &middot; <a href="/privacy">Privacy</a> &middot; '
                '<a href="/cookies">Cookies</a></nav></footer>\n</body></html>\n'
            )
        a, b = _container(variant, start, end)
        if variant[a:b] != policy:
            raise AssertionError("the policy's container must stay byte-identical")
        out.append((moment, variant))
    return out


# --- crawling ----------------------------------------------------------------------------------------------------


def crawl(wayback: object, db: Path, site: str, captures: list[Capture]) -> None:
    """Crawl each of the site's policy URLs, in time order, under one site name."""
    from palimpsest.fetchers.limiter import reset_limiters  # noqa: PLC0415
    from palimpsest.flows.crawl import run_crawl  # noqa: PLC0415
    from palimpsest.flows.fetching import client_for  # noqa: PLC0415
    from palimpsest.settings import Settings  # noqa: PLC0415

    settings = Settings(db=db, cdx_url=wayback.cdx_url, replay_url=wayback.replay_url, cdx_rate=600, replay_rate=6000)
    urls = list(dict.fromkeys(c.url for c in captures))
    for url in urls:
        if all(ts in stored_captures(db, site) for ts in (c.ts for c in captures if c.url == url)):
            continue  # already stored: the archive's CDX listed them under an earlier URL of the site
        reset_limiters()
        client_for.cache_clear()
        run_crawl(settings, url, site=site)


def stored_captures(db: Path, site: str) -> dict[str, str]:
    """Capture ts -> our text ("" for a capture without text) for ``site``, read from the warehouse."""
    if not db.exists():
        return {}
    from palimpsest.warehouse import connect  # noqa: PLC0415

    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            'SELECT c."timestamp", t.text FROM captures AS c LEFT JOIN policy_text AS t USING (text_sha256)'
            " WHERE c.site = ? ORDER BY 1",
            [site],
        ).fetchall()
    finally:
        con.close()
    return {moment.astimezone(UTC).strftime("%Y%m%d%H%M%S"): text or "" for moment, text in rows}


def history(db: Path, site: str) -> tuple[int, list[tuple[str, int, int, bool]]]:
    """(versions, per change: the capture that made it, words added, words removed, marked minor) of ``site``."""
    from palimpsest.warehouse import connect  # noqa: PLC0415

    con = connect(db, read_only=True)
    try:
        versions = con.execute("SELECT count(*) FROM versions WHERE site = ?", [site]).fetchone()[0]
        changes = con.execute(
            "SELECT changed_by, words_added, words_removed, minor FROM changes WHERE site = ? ORDER BY version",
            [site],
        ).fetchall()
    finally:
        con.close()
    return int(versions), [
        (moment.astimezone(UTC).strftime("%Y%m%d%H%M%S"), added or 0, removed or 0, bool(minor))
        for moment, added, removed, minor in changes
    ]


def run_site(wayback: object, db: Path, site: Site | str, captures: list[Capture]) -> Outcome:
    name = site if isinstance(site, str) else site.name
    outcome = Outcome(site if isinstance(site, Site) else Site(name, captures, {}))
    try:
        crawl(wayback, db, name, captures)
        outcome.versions, outcome.changes = history(db, name)
        outcome.texts = stored_captures(db, name)
    except Exception as err:
        outcome.error = f"{type(err).__name__}: {err}"
    return outcome


# --- scoring and report ------------------------------------------------------------------------------------------


def reference(site: Site, ts: str) -> tuple[str, bool] | None:
    """(PL's text to score the capture against, same capture?) or None when PL has none of this policy."""
    if ts in site.md:
        return site.md[ts], True
    other = SAME_POLICY.get((site.name, ts))
    if other and other in site.md:
        return site.md[other], False
    return None


def trafilatura_text(body: bytes) -> str:
    import trafilatura  # noqa: PLC0415

    from palimpsest.extractors.charset import decode_html  # noqa: PLC0415

    return trafilatura.extract(decode_html(body, "text/html; charset=utf-8").text) or ""


def score(outcomes: list[Outcome]) -> list[dict]:
    """One entry per capture with a PL reference: site, ts, same capture?, our F1, trafilatura's F1."""
    scored = []
    for outcome in outcomes:
        for capture in outcome.site.captures:
            ref = reference(outcome.site, capture.ts)
            if ref is None:
                continue
            text, same = ref
            ours = token_f1(outcome.texts.get(capture.ts, ""), text)[2]
            theirs = token_f1(trafilatura_text(capture.body), text)[2]
            md_ts = capture.ts if same else SAME_POLICY[(outcome.site.name, capture.ts)]
            scored.append(
                {"site": outcome.site.name, "ts": capture.ts, "md": md_ts, "same": same, "ours": ours, "traf": theirs}
            )
    return scored


def table(outcomes: list[Outcome], scored: list[dict]) -> list[list[str]]:
    f1 = {(s["site"], s["ts"]): s for s in scored}
    cells = [["site", "captures", "PL", "ours", "by eye", "F1 first", "F1 second", "ours differ", "PL md differ"]]
    for outcome in outcomes:
        site = outcome.site
        first, second = site.captures[0].ts, site.captures[-1].ts
        marks = []
        for ts in (first, second):
            item = f1.get((site.name, ts))
            marks.append("–" if item is None else ("" if item["same"] else "~") + f"{item['ours']:.3f}")
        ours_differ = outcome.texts.get(first) != outcome.texts.get(second)
        pl_differ = "–"
        if first in site.md and second in site.md:
            pl_differ = "yes" if site.md[first] != site.md[second] else "no"
        ours = (
            "error"
            if outcome.error
            else str(outcome.versions) + (" (minor)" if any(c[3] for c in outcome.changes) else "")
        )
        cells.append(
            [
                site.name,
                f"{first[:8]} {second[:8]}",
                str(len(site.captures)),
                ours,
                str(VERDICT.get(site.name, (0, ""))[0] or "?"),
                marks[0],
                marks[1],
                "yes" if ours_differ else "no",
                pl_differ,
            ]
        )
    return cells


def plain(cells: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def missing_corpus(bench_json: bool) -> int:
    print(
        "skipped: set PALIMPSEST_PL to a folder holding <site>/meta.json, <site>/<ts>.html and <site>/<ts>.md taken\n"
        "from the public repository citp/privacy-policy-historical (`git show <commit>:<path>` for each commit listed\n"
        "in meta.json; see this module's docstring). Only sites from b to r are read. The corpus is never copied\n"
        "into this repository.",
        file=sys.stderr,
    )
    if bench_json:
        print('{"skipped": "PALIMPSEST_PL is not set"}')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="only these sites")
    parser.add_argument("--verbose", action="store_true", help="print our text of every capture and variant")
    parser.add_argument("--keep", type=Path, help="keep the WARCs and warehouses in this folder")
    parser.add_argument("--bench-json", action="store_true", help="JSON lines on stdout, prose on stderr")
    args = parser.parse_args(argv)
    where = os.environ.get("PALIMPSEST_PL")
    if not where or not Path(where).is_dir():
        return missing_corpus(args.bench_json)
    sites = load(Path(where), set(args.only or ()))
    if not sites:
        return missing_corpus(args.bench_json)
    with human_output_on_stderr(args.bench_json):
        rows = run(sites, args)
    if args.bench_json:
        emit(rows)
    return 0


def run(sites: list[Site], args: argparse.Namespace) -> list[dict]:
    from palimpsest.demo.archive import LocalWayback  # noqa: PLC0415

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="palimpsest-pl-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        real = [(c.url, c.ts, c.body) for site in sites for c in site.captures]
        write_warc(work / "pl-real.warc.gz", real)
        chrome_sites, chrome_records = [], {}
        for site in sites:
            if site.name not in CHROME:
                continue
            ts, start, end, brand = CHROME[site.name]
            base = next(c for c in site.captures if c.ts == ts)
            variants = chrome_variants(base.body.decode(), start, end, brand, when(ts) + timedelta(days=7))
            # another host, so that these captures never mix with the real ones in the archive's index
            url = base.url.replace("://", "://chrome-test.", 1)
            chrome_records[site.name] = [Capture(m.strftime("%Y%m%d%H%M%S"), url, v.encode()) for m, v in variants]
            chrome_sites.append(site.name)
        write_warc(
            work / "pl-chrome.warc.gz", [(c.url, c.ts, c.body) for caps in chrome_records.values() for c in caps]
        )
        with LocalWayback([work / "pl-real.warc.gz"]) as wayback:
            outcomes = [run_site(wayback, work / "pl-real.duckdb", site, site.captures) for site in sites]
        with LocalWayback([work / "pl-chrome.warc.gz"]) as wayback:
            chrome = [
                run_site(wayback, work / "pl-chrome.duckdb", f"chrome-test.{name}", chrome_records[name])
                for name in chrome_sites
            ]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    scored = score(outcomes)
    return report(outcomes, chrome, scored, args.verbose, time.monotonic() - started)


def report(
    outcomes: list[Outcome], chrome: list[Outcome], scored: list[dict], verbose: bool, took: float
) -> list[dict]:
    print(f"{len(outcomes)} sites of PL (b to r), two captures each; {took:.0f} s\n")
    print(plain(table(outcomes, scored)))
    print(
        "\nPL: versions in PL's history over the two captures (two commits). by eye: policy versions a reader sees."
        "\nF1: token F1 of our text against PL's .md of the same capture; ~: of another capture with the same policy"
        "\nwording (by eye); –: PL has no .md of this policy. PL's .md is a machine extraction: read low scores by eye."
    )
    for outcome in outcomes:
        verdict = VERDICT.get(outcome.site.name)
        note = f"  {outcome.site.name}: {verdict[1] if verdict else 'no verdict'}"
        if outcome.error:
            note += f"; ERROR {outcome.error}"
        print(note)
    print("\nper capture: token F1 of ours and of trafilatura against PL's .md (of the same capture, or ~ another)")
    for s in scored:
        mark = "" if s["same"] else "~"
        print(f"  {s['site']:<20} {s['ts']}  ours {s['ours']:.3f}  trafilatura {s['traf']:.3f}  ({mark}md {s['md']})")
    same = [s for s in scored if s["same"]]
    mean = statistics.mean(s["ours"] for s in scored) if scored else 0.0
    mean_traf = statistics.mean(s["traf"] for s in scored) if scored else 0.0
    print(
        f"\nmean token F1 vs PL .md: ours {mean:.3f}, trafilatura {mean_traf:.3f} over {len(scored)} captures"
        + (
            f"; same capture only ({len(same)}): ours {statistics.mean(s['ours'] for s in same):.3f},"
            f" trafilatura {statistics.mean(s['traf'] for s in same):.3f}"
            if same
            else ""
        )
    )
    print("\nchrome under a stable policy (4 synthetic captures of one real version; goal: 1 version each)")
    extra = 0
    for outcome in chrome:
        if outcome.error:
            print(f"  {outcome.site.name}: ERROR {outcome.error}")
            extra += 3
            continue
        extra += max(outcome.versions - 1, 0)
        print(f"  {outcome.site.name}: {outcome.versions} version(s) from {len(outcome.texts)} captures")
        for ts, added, removed, minor in outcome.changes:
            print(f"    new version at {ts}: +{added} -{removed} words" + (" (minor)" if minor else ""))
    if verbose:
        for outcome in [*outcomes, *chrome]:
            for ts, text in outcome.texts.items():
                print(f"\n--- {outcome.site.name} {ts} ---\n{text}")
    agree = sum(1 for o in outcomes if not o.error and o.versions == len(o.site.captures))
    by_eye = sum(1 for o in outcomes if not o.error and o.versions == VERDICT.get(o.site.name, (None,))[0])
    n = len(outcomes)
    print(
        f"\nsummary: version counts agree with PL on {agree}/{n} sites, with the by-eye verdict on {by_eye}/{n};"
        f" mean F1 {mean:.3f} (trafilatura {mean_traf:.3f}); versions from chrome alone {extra}"
        f" ({len(chrome)} sites x 4 captures)"
    )
    return [
        row("PL history: version counts agreeing with PL", agree, n, "sites", "sites", "= all sites"),
        row("PL history: version counts matching the pages read by eye", by_eye, n, "sites", "sites", "= all sites"),
        row(
            f"PL history: mean token F1 vs PL .md ({len(scored)} captures)",
            mean,
            mean_traf,
            "trafilatura",
            "F1",
            f">= {GOAL_F1}",
        ),
        row(
            f"PL history: versions from chrome alone ({len(chrome)} sites x 4 captures)",
            extra,
            None,
            "-",
            "versions",
            "0",
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
