"""The README and the pages in docs/ are checked like code: every command they show runs as written on the demo
warehouse or says why it cannot, every SQL statement runs, every relative link resolves, and the README stays short.

A command is a line of a ```sh, ```bash or ```shell block, or a line after a ``$ `` prompt in a ```console block;
a trailing backslash joins it to the next line. Each command is one of:

- marked: its trailing comment, or an HTML comment on the line just before its block, contains one of ``MARKS``
  (``make demo   # takes minutes: …``). It is not run, and the reader is told why.
- ``palimpsest …`` or ``.venv/bin/palimpsest …``: run in-process through ``palimpsest.cli.main``, with globs
  expanded as a shell would. It must exit 0, or N when its comment says ``exits N``.
- ``export NAME=VALUE``: sets NAME for the page's later commands (``export PATH=…`` is read and ignored).

Anything else fails, so a new kind of command is either marked or taught here. A command that reaches an archive
(``ARCHIVE_COMMANDS``) must be marked: the archive settings here point at a closed loopback port, so an unmarked
one could not reach the internet anyway. Each statement of a ```sql block runs through ``palimpsest sql``, and
each ```python block runs as a script.

Each page runs in a folder of its own laid out like a checkout after ``make demo``: ``demo/palimpsest.duckdb``
holds the demo sites as the demo crawls them (the demo archive, served by pywb on loopback, crawled once per module
with the plain steps, no Prefect), the repository's folders are linked beside it for reading, and
``PALIMPSEST_DB=demo/palimpsest.duckdb`` is set, as the README's tour sets it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from palimpsest.cli import main
from tests.conftest import settings_for
from tests.shared import REPO

README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
README_LIMIT = 12_000

#: Why a command is not run here. Each says what the reader needs that this test does not have.
MARKS = (
    "needs the network",  # it reads the Internet Archive (or a page cites it)
    "needs the demo archive running",  # it crawls `palimpsest serve-demo` in another terminal
    "needs a Prefect server",  # deployments, workers, automations
    "runs until Ctrl-C",  # a server in the foreground
    "takes minutes",  # the make targets and the benchmarks: make test runs them in their own right
)
#: Commands that talk to an archive (or start one, or start Prefect): always marked.
ARCHIVE_COMMANDS = {"crawl", "discover", "crawl-sites", "refresh", "verify", "demo", "serve-demo"}
SHELL_FENCES = {"sh", "bash", "shell"}
#: Where an unmarked command that tried an archive would go: a closed port on loopback.
NOWHERE = "http://127.0.0.1:9/"


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    text: str  # without its comment
    comment: str
    marked: bool

    @property
    def expected_code(self) -> int:
        found = re.search(r"\bexits (\d+)\b", self.comment)
        return int(found.group(1)) if found else 0

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text}"


def split_comment(line: str) -> tuple[str, str]:
    """A shell line's command and its trailing comment: an unquoted ``#`` at the start or after a blank."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].strip(), line[index + 1 :].strip()
    return line.strip(), ""


def fenced_blocks(text: str) -> list[tuple[str, int, list[str], str]]:
    """Every fenced block: (language, line number of its first line, its lines, the HTML comment just before it)."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,})\s*([\w+-]*)", lines[index])
        if not opening:
            index += 1
            continue
        before = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        note = before if before.startswith("<!--") else ""
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith(opening.group(1)))
        blocks.append((opening.group(2).lower(), index + 2, lines[index + 1 : end], note))
        index = end + 1
    return blocks


def commands(path: Path) -> list[Command]:
    found = []
    for language, first, lines, note in fenced_blocks(path.read_text(encoding="utf-8")):
        if language not in SHELL_FENCES | {"console"}:
            continue
        pending, start = "", 0
        for offset, raw in enumerate(lines):
            line = raw.strip()
            if language == "console":
                if not line.startswith("$ ") and not pending:
                    continue
                line = line.removeprefix("$ ")
            if not pending and (not line or line.startswith("#")):
                continue
            if not pending:
                start = first + offset
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text, comment = split_comment(pending + line)
            pending = ""
            marked = any(mark in comment or mark in note for mark in MARKS)
            found.append(Command(path.name, start, text, comment, marked))
    return found


def python_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(first, "\n".join(lines)) for language, first, lines, _ in fenced_blocks(text) if language == "python"]


def sql_statements(path: Path) -> list[tuple[int, str]]:
    found = []
    for language, first, lines, _ in fenced_blocks(path.read_text(encoding="utf-8")):
        if language != "sql":
            continue
        body = "\n".join("" if line.lstrip().startswith("--") else line for line in lines)
        for statement in body.split(";"):
            if statement.strip():
                found.append((first, " ".join(statement.split())))
    return found


@pytest.fixture(scope="module")
def demo_warehouse(demo_build, wayback, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo sites crawled from the demo archive, as ``make demo`` leaves them, without Prefect."""
    from palimpsest.flows.crawl import run_crawl

    _, expected = demo_build
    db = tmp_path_factory.mktemp("demo-warehouse") / "palimpsest.duckdb"
    settings = settings_for(wayback, db)
    for site in expected["sites"]:
        assert run_crawl(settings, site["url"], site=site["site"]).versions == len(site["versions"])
    return db


def checkout_after_demo(folder: Path, warehouse: Path) -> Path:
    """``folder`` laid out like a checkout after ``make demo``: the demo warehouse in demo/, the rest linked."""
    (folder / "demo").mkdir()
    for part in warehouse.parent.iterdir():
        if part.name.startswith(warehouse.name):
            copy = shutil.copytree if part.is_dir() else shutil.copy2
            copy(part, folder / "demo" / part.name)
    for entry in REPO.iterdir():
        if entry.is_dir() and not entry.name.startswith((".", "_")) and entry.name != "demo":
            (folder / entry.name).symlink_to(entry, target_is_directory=True)
    return folder


def run(command: Command, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    words = shlex.split(command.text)
    if words[0] == "export":
        for assignment in words[1:]:
            name, _, value = assignment.partition("=")
            if name != "PATH":
                monkeypatch.setenv(name, os.path.expandvars(value.replace("$PWD", str(folder))))
        return
    assert words[0] in {"palimpsest", ".venv/bin/palimpsest"}, (
        f"{command}: only palimpsest and export run here; mark it with one of {MARKS} if it cannot"
    )
    args = []
    for word in words[1:]:
        matches = sorted(str(p.relative_to(folder)) for p in folder.glob(word)) if re.search(r"[*?[]", word) else []
        args.extend(matches or [word])
    reaches = next((word for word in args if not word.startswith("-")), "")
    assert reaches not in ARCHIVE_COMMANDS, f"{command}: reaches an archive; mark it with one of {MARKS}"
    code = main(args)
    out, err = capsys.readouterr()
    assert code == command.expected_code, f"{command}: exit {code}\n{out[-2000:]}\n{err[-2000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_command_and_query_runs_on_the_demo_warehouse(
    page: Path,
    demo_warehouse: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    folder = checkout_after_demo(tmp_path, demo_warehouse)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PALIMPSEST_DB", "demo/palimpsest.duckdb")
    monkeypatch.setenv("PALIMPSEST_CDX_URL", NOWHERE + "cdx")
    monkeypatch.setenv("PALIMPSEST_REPLAY_URL", NOWHERE + "web/")
    for command in commands(page):
        if not command.marked:
            run(command, folder, monkeypatch, capsys)
    for line, statement in sql_statements(page):
        code = main(["sql", "--", statement])
        out, err = capsys.readouterr()
        assert code == 0, f"{page.name}:{line}: {statement}\n{out[-2000:]}\n{err[-2000:]}"
    for line, source in python_blocks(page):
        exec(compile(source, f"{page.name}:{line}", "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own pages


def test_the_pages_show_commands_and_the_readme_tour_runs() -> None:
    shown = {page.name: commands(page) for page in PAGES}
    readme = shown["README.md"]
    assert sum(not c.marked for c in readme) >= 10, "the README's tour runs on the demo warehouse"
    assert any(c.marked and " crawl " in f" {c.text} " for c in readme), "the README crawls a real policy"
    for page in PAGES[1:]:
        assert shown[page.name] or sql_statements(page) or python_blocks(page), f"{page.name} shows no example"


def test_the_readme_is_short() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; move detail into docs/ (limit {README_LIMIT})"


def test_the_readme_links_every_page_in_docs() -> None:
    linked = {target.split("#")[0] for target in links(README)}
    for page in PAGES[1:]:
        assert f"docs/{page.name}" in linked, f"README.md does not link docs/{page.name}"


def links(path: Path) -> list[str]:
    """The targets of a page's Markdown links and images, outside code."""
    text = "\n".join(
        "" if language or not lines else "\n".join(lines)
        for language, lines in _prose_and_code(path.read_text(encoding="utf-8"))
    )
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)


def _prose_and_code(text: str) -> list[tuple[str, list[str]]]:
    """The page cut into prose ("" as language) and fenced blocks ("code")."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    fence = ""
    for line in text.splitlines():
        opening = re.match(r"^(`{3,})", line)
        if fence:
            if line.startswith(fence):
                fence = ""
                parts.append(("", []))
            continue
        if opening:
            fence = opening.group(1)
            parts.append(("code", []))
            continue
        parts[-1][1].append(line)
    return parts


def anchors(path: Path) -> set[str]:
    """The anchors a page's headings get (as GitHub spells them: lower case, punctuation dropped, blanks to -)."""
    found: set[str] = set()
    for language, lines in _prose_and_code(path.read_text(encoding="utf-8")):
        for line in lines if not language else []:
            heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not heading:
                continue
            words = re.sub(r"`", "", heading.group(1)).lower()
            slug = "".join(c for c in words if c in " -_" or unicodedata.category(c)[0] in "LN").replace(" ", "-")
            candidate, count = slug, 0
            while candidate in found:
                count += 1
                candidate = f"{slug}-{count}"
            found.add(candidate)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        assert resolved.exists(), f"{page.name}: link to {target}: no such file"
        assert resolved.is_relative_to(REPO), f"{page.name}: link to {target} leaves the repository"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: link to {target}: no such heading"
