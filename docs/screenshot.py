"""Take the README's screenshot of a report with Debian's chromium (never a downloaded browser).

Usage: .venv/bin/python docs/screenshot.py demo/report.html docs/demo-report.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import chromium


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshot a Palimpsest report.")
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--open", default="article.change details.diff", help="the <details> to open first")
    args = parser.parse_args()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, color_scheme="light")
        page.goto(args.report.resolve().as_uri())
        if args.open:
            page.eval_on_selector(args.open, "d => { d.open = true; }")
        page.screenshot(path=str(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
