"""A synthetic policy corpus at any scale, generated inside DuckDB (for ``benchmarks/warehouse_scale.py``).

Policies are built from a pool of clauses, as real ones are: each site's policy has twelve sections, each
filled from the pool, the site's name written in. Every section changes on its own rhythm (every 2–16
versions), so consecutive versions share most of their text and many sites share clauses, and every version
states its own "Last updated" date. All words are ours.
"""

from __future__ import annotations

import itertools
import random

import duckdb

SLOTS = 12
POOL = 720

_HEADINGS = [
    "Information we collect",
    "How we use information",
    "Sharing with third parties",
    "Cookies and similar technologies",
    "Data retention",
    "Your rights",
    "Children",
    "International transfers",
    "Security",
    "Advertising",
    "Contact us",
    "Changes to this policy",
]
_WHO = ["We", "{site}", "Our company", "The {site} team", "Our service"]
_DO = [
    "collect your name, e-mail address and postal address",
    "record the pages you visit and the links you click",
    "store the device identifiers of the phones you use",
    "keep a log of your purchases and payment method",
    "may share your contact details with advertising partners",
    "never sell personal information to third parties",
    "disclose information when the law requires it",
    "use analytics providers to measure how the site is used",
    "set cookies that remember your language and basket",
    "process location data only with your consent",
    "transfer data to processors outside your country",
    "delete inactive accounts after a period of time",
]
_WHY = [
    "to deliver the services you ask for",
    "so that we can improve our products",
    "in order to show you relevant advertising",
    "to comply with our legal obligations",
    "to protect the security of our users",
    "for fraud prevention and accounting",
]
_TAIL = [
    "You may object at any time by writing to us.",
    "These records are kept for {n} months.",
    "Our partners are bound by contracts that protect your data.",
    "You can change this in your account settings.",
    "Where required we will ask for your consent first.",
    "Contact our data protection officer for details.",
]


def clauses(seed: int = 7) -> list[tuple[int, str, str]]:
    """The pool: (id, heading, body); ``{site}`` in a body stands for the site's name."""
    rng = random.Random(seed)
    combos = list(itertools.product(_WHO, _DO, _WHY, _TAIL))
    rng.shuffle(combos)
    pool = []
    for n, (who, do, why, tail) in enumerate(combos[:POOL]):
        body = f"{who} {do} {why}. {tail.replace('{n}', str(6 + n % 30))}"
        extra = rng.choice(_DO)
        body += f" In some cases {who.lower() if who == 'We' else who} also {extra.removeprefix('may ')}."
        pool.append((n, _HEADINGS[n % len(_HEADINGS)], body))
    return pool


GENERATE = """
CREATE OR REPLACE TABLE syn_version AS
WITH v AS (
    SELECT i, i % $sites AS site_id, i // $sites + 1 AS version
    FROM range($versions) AS t(i)
), dated AS (
    SELECT *, 'site' || lpad(site_id::VARCHAR, 6, '0') || '.example' AS site,
           TIMESTAMPTZ '2001-01-01 00:00:00+00'
             + to_days((hash(site_id, 'start') % 1500)::INTEGER)
             + to_days(((version - 1) * 200 + hash(site_id, version) % 150)::INTEGER) AS first_seen
    FROM v
)
SELECT site_id, site, version, first_seen,
       first_seen + to_days((20 + hash(site_id, version, 'last') % 40)::INTEGER) AS last_seen,
       (1 + hash(site_id, version, 'n') % 30)::INTEGER AS captures,
       'https://www.' || site || '/privacy' AS policy_url
FROM dated;
"""

SECTIONS = """
CREATE OR REPLACE TABLE syn_section AS
WITH slots AS (
    SELECT v.site_id, v.site, v.version, v.first_seen, s.slot,
           2 + hash(v.site_id, s.slot) % 15 AS period, hash(v.site_id, s.slot, 'phase') % 16 AS phase
    FROM syn_version AS v, range($slots) AS s(slot)
)
SELECT site, version, slot AS ord, c.heading,
       replace(c.body, '{site}', site) AS body
FROM slots
JOIN syn_clause AS c ON c.id = (hash(site_id, slot, (version + phase) // period) % ($pool // $slots)) * $slots + slot;
"""

TEXTS = """
CREATE OR REPLACE TABLE syn_text AS
SELECT v.site, v.version,
       '# Privacy policy of ' || v.site || E'\\n\\nLast updated: ' || strftime(v.first_seen, '%B %-d, %Y')
       || E'\\n\\n' || string_agg('## ' || s.heading || E'\\n\\n' || s.body, E'\\n\\n' ORDER BY s.ord) AS text
FROM syn_version AS v JOIN syn_section AS s USING (site, version)
GROUP BY v.site, v.version, v.first_seen;
"""


def generate(con: duckdb.DuckDBPyConnection, *, versions: int, sites: int) -> None:
    """Fill ``syn_clause``, ``syn_version``, ``syn_section`` and ``syn_text`` in ``con``."""
    con.execute("CREATE OR REPLACE TABLE syn_clause (id INTEGER, heading VARCHAR, body VARCHAR)")
    con.executemany("INSERT INTO syn_clause VALUES (?, ?, ?)", clauses())
    con.execute(GENERATE, {"versions": versions, "sites": min(sites, versions)})
    con.execute(SECTIONS, {"slots": SLOTS, "pool": POOL})
    con.execute(TEXTS)
