"""Date expressions as policies write them: "May 3, 2018", "3 mai 2018", "2018年5月3日", "平成30年5月3日", "05/03/2018".

Shared by the extractor, which reads the date a policy states for itself, and by the comparison, which masks
dates so that a changed "Last updated" line alone is a minor change.
"""

from __future__ import annotations

import re

MONTHS = {
    **dict.fromkeys(["january", "jan", "januar", "jänner", "janvier", "enero"], 1),
    **dict.fromkeys(["february", "feb", "februar", "février", "fevrier", "febrero"], 2),
    **dict.fromkeys(["march", "mar", "märz", "maerz", "mars", "marzo"], 3),
    **dict.fromkeys(["april", "apr", "avril", "abril"], 4),
    **dict.fromkeys(["may", "mai", "mayo"], 5),
    **dict.fromkeys(["june", "jun", "juni", "juin", "junio"], 6),
    **dict.fromkeys(["july", "jul", "juli", "juillet", "julio"], 7),
    **dict.fromkeys(["august", "aug", "août", "aout", "agosto"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septembre", "septiembre", "setiembre"], 9),
    **dict.fromkeys(["october", "oct", "oktober", "octobre", "octubre"], 10),
    **dict.fromkeys(["november", "nov", "novembre", "noviembre"], 11),
    **dict.fromkeys(["december", "dec", "dezember", "décembre", "decembre", "diciembre"], 12),
}
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
#: Every date form read, as (kind, pattern).
DATE_PATTERNS = (
    ("ymd", re.compile(r"(\d{4})\s*[-/.年년]\s*(\d{1,2})\s*[-/.月월]\s*(\d{1,2})(?:\s*[日일])?")),
    ("era", re.compile(r"(明治|大正|昭和|平成|令和)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")),
    ("mdy", re.compile(rf"\b({MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE)),
    (
        "dmy",
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?({MONTH_NAMES})\.?,?\s+(?:de\s+)?(\d{{4}})", re.I
        ),
    ),
    ("numeric", re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")),
    ("my", re.compile(rf"\b({MONTH_NAMES})\.?\s+(\d{{4}})\b", re.IGNORECASE)),
)
