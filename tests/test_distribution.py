"""The distribution: the wheel holds every file the code reads, under one import name, ``superdyn``."""

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {
    "superdyn": ROOT / "superdyn",
    "superdyn.theory": ROOT / "theory",
    "superdyn.numerics": ROOT / "numerics",
    "superdyn.verify": ROOT / "verify",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel that ``pip wheel .`` builds from this checkout (isolated build, no dependencies)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 and "Could not find a version" in result.stderr:
        pytest.skip("no package index reachable for the isolated build")
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("superdyn-*.whl")
    return zipfile.ZipFile(path)


def _opened_files() -> set[str]:
    """Non-Python files the code opens beside its modules: Path(__file__).with_name("...")."""
    found = set()
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            for name in re.findall(r"with_name\(\s*[\"']([^\"']+)[\"']\s*\)", path.read_text()):
                rel = path.parent.relative_to(folder)
                found.add("/".join([package.replace(".", "/"), *rel.parts, name]))
    return found


def test_the_wheel_holds_every_file_the_code_opens(wheel):
    opened = _opened_files()
    assert "superdyn/verify/present/plots/superdyn.mplstyle" in opened  # the scan sees the style file
    missing = opened - set(wheel.namelist())
    assert not missing, f"the wheel lacks {sorted(missing)}"


def test_the_wheels_only_import_name_is_superdyn(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"superdyn"}
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/top_level.txt"))
    assert wheel.read(info).decode().split() == ["superdyn"]


def test_the_wheel_holds_every_module_and_the_license(wheel):
    names = set(wheel.namelist())
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = "/".join([package.replace(".", "/"), *path.relative_to(folder).parts])
            assert rel in names, f"{rel} is not in the wheel"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Provides-Extra: sim" in metadata
    assert not re.search(r"^Requires-Dist: torch\b(?!.*extra)", metadata, re.M)  # torch only with an extra


def test_pyproject_lists_every_package():
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(ast.literal_eval(re.search(r"^packages = (\[.*?\])", text, re.M | re.S).group(1)))
    found = {"superdyn"} | {
        ".".join([package, *p.parent.relative_to(folder).parts])
        for package, folder in FOLDERS.items()
        if package != "superdyn"
        for p in folder.rglob("__init__.py")
    }
    assert listed == found
