"""The distribution installs one top-level package, ``palimpsest``, and everything in it imports from the wheel.

The stage folders (``fetchers/``, ``extractors/``, ``warehouse/``, ``flows/``) sit at the repository's top level and
are mapped into the namespace by the build; these tests build the real wheel and read it back.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.shared import REPO

UV = REPO / ".tools" / "bin" / "uv"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not UV.exists():
        pytest.skip(f"{UV} is missing: `make setup` installs it")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([str(UV), "build", "--wheel", "--quiet", "--out-dir", str(out), str(REPO)], check=True)
    (found,) = out.glob("*.whl")
    return found


def test_the_wheel_holds_only_the_palimpsest_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"palimpsest", "palimpsest_policy-0.1.0.dist-info"}
    for stage in ("fetchers", "extractors", "warehouse", "flows"):
        assert f"palimpsest/{stage}/__init__.py" in names
    assert "palimpsest/warehouse/schema/0001_init.sql" in names
    assert not any("/demo/" in name or "__pycache__" in name for name in names)


def test_every_module_of_the_wheel_imports_from_the_wheel_alone(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    modules = sorted(
        ".".join(path.relative_to(target).with_suffix("").parts).removesuffix(".__init__")
        for path in (target / "palimpsest").rglob("*.py")
    )
    # -I -S: no checkout on the path and no .pth files (the editable install's own mapping stays out); the
    # dependencies come from this environment's site-packages, appended after the wheel.
    script = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(target)!r}]\n"
        f"sys.path.append({sysconfig.get_paths()['purelib']!r})\n"
        f"for name in {modules!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(target)!r}), (name, module.__file__)\n"
        "print(len(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
