"""What users name: a policy's URL and a site. Checked where they are given, before anything is fetched or stored,
so a typo is one clear line and not a crawl of nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from palimpsest.errors import BadInput

_SITE = re.compile(r"[^\s/\\]+")
#: A host as people write one without a scheme ("example.com/privacy"): a dot, and no space before the path.
_BARE_HOST = re.compile(r"[^\s/:]+\.[^\s/:]+(?:[/?#].*)?")


def site_name(value: str) -> str:
    """A site's name as it is stored: trimmed and lower-cased, like a host. A name with whitespace or slashes
    inside is refused (it also names an export folder)."""
    name = value.strip().lower()
    if not _SITE.fullmatch(name) or name in {".", ".."}:
        raise BadInput(f"{value!r} cannot name a site: give a host-like name such as example.com")
    return name


def policy_url(value: str) -> str:
    """A page's address as the archive indexes it: http(s), with a host and no space in it."""
    url = value.strip()
    if "://" not in url:
        hint = f"; did you mean https://{url}?" if _BARE_HOST.fullmatch(url) else ""
        raise BadInput(f"{value!r} is not a URL: give the full address of the page{hint}")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise BadInput(f"{value!r} is not a web address: the archive holds http and https pages")
    if not parts.hostname or " " in parts.netloc or ("." not in parts.hostname and parts.hostname != "localhost"):
        raise BadInput(f"{value!r} has no valid host: give the full address, e.g. https://www.example.com/privacy")
    return url
