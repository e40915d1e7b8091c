"""Build hook: an editable install maps the stage folders into the ``palimpsest`` namespace, as the wheel does.

The repository keeps ``fetchers/``, ``extractors/``, ``warehouse/`` and ``flows/`` at its top level; the wheel
installs them as ``palimpsest.fetchers`` and so on (``sources`` in pyproject.toml). Hatchling cannot make such an
editable install itself: as of hatchling 1.27 it refuses a ``sources`` rewrite that adds a prefix ("Dev mode
installations are unsupported when any path rewrite ... changes a prefix"). So an editable install gets a small
import hook instead: a ``.pth`` line that installs a finder mapping ``palimpsest.<stage>`` to the folder in this
checkout. ``palimpsest.demo`` is mapped the same way; the wheel does not ship the demo.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: Folders that live beside ``palimpsest/`` in the repository and inside it once installed.
STAGES = ("fetchers", "extractors", "warehouse", "flows", "demo")
MODULE = "_palimpsest_checkout"

FINDER = '''"""Maps palimpsest.<stage> to the folders of the checkout at {root} (written by hatch_build.py)."""

import sys
from importlib.util import spec_from_file_location

ROOT = {root!r}
STAGES = frozenset({stages!r})


class StageFinder:
    """A meta path finder (importlib.abc is left out: importing it costs 40 ms at every start-up)."""

    def find_spec(self, fullname, path=None, target=None):
        head, _, stage = fullname.partition(".")
        if head != "palimpsest" or stage not in STAGES:
            return None
        folder = ROOT + "/" + stage
        return spec_from_file_location(fullname, folder + "/__init__.py", submodule_search_locations=[folder])


if not any(isinstance(finder, StageFinder) for finder in sys.meta_path):
    sys.meta_path.append(StageFinder())
'''


class StageMap(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version != "editable":
            return
        out = Path(tempfile.mkdtemp(prefix="palimpsest-editable-"))
        (out / f"{MODULE}.py").write_text(FINDER.format(root=self.root, stages=STAGES), encoding="utf-8")
        (out / f"{MODULE}.pth").write_text(f"import {MODULE}\n", encoding="utf-8")
        build_data["force_include_editable"] = {
            str(out / f"{MODULE}.py"): f"{MODULE}.py",
            str(out / f"{MODULE}.pth"): f"{MODULE}.pth",
        }
