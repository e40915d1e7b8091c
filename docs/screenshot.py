"""Take the README's screenshot of a report with Debian's chromium (never a downloaded browser).

.venv/bin/python docs/screenshot.py demo/report.html docs/demo-report.png [--full] [--width 1280]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

#: Headless Chromium as root on a closed network: no sandbox, no GPU, and no background connections at all.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--full", action="store_true", help="the whole page, not the first screen")
    parser.add_argument("--open", default="", help="CSS selector of a <details> to open first")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, color_scheme="light")
        page.goto(args.report.resolve().as_uri())
        if args.open:
            page.eval_on_selector(args.open, "d => { d.open = true; }")
        page.screenshot(path=str(args.out), full_page=args.full)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
