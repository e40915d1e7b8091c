"""Talking to web archives: CDX search, ``id_`` replay, rate limits, retries and the raw WARC store.

Nothing here imports duckdb: fetchers hand typed records to the flows, which store them.
"""

from palimpsest.fetchers.captures import Capture, Fetched, sha1_base32
from palimpsest.fetchers.client import ArchiveClient
from palimpsest.fetchers.groups import GroupResult, fetch_group
from palimpsest.fetchers.replay import fetch_capture
from palimpsest.fetchers.search import SearchResult, search_captures
from palimpsest.fetchers.warcstore import WarcRef, WarcStore

__all__ = [
    "ArchiveClient",
    "Capture",
    "Fetched",
    "GroupResult",
    "SearchResult",
    "WarcRef",
    "WarcStore",
    "fetch_capture",
    "fetch_group",
    "search_captures",
    "sha1_base32",
]
