"""Headless Chromium for tests and the README screenshot: Debian's ``chromium`` (``make test`` installs it),
driven by Playwright, never a browser that Playwright downloads.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: As root on a closed network Chromium needs no sandbox and no GPU, and must open no connection of its own:
#: without the background-networking flags it keeps trying to reach update and sync services (seen 2026-11).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright ``Browser``) with a fresh profile, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def japanese_fonts() -> set[str]:
    """Font families fontconfig says cover Japanese (empty when fontconfig's tools are missing)."""
    if shutil.which("fc-list") is None:
        return set()
    listing = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False).stdout
    return {name.strip() for line in listing.splitlines() for name in line.split(",") if name.strip()}
