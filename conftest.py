"""Doctests of the package folders, imported by their installed names.

The folders ``theory/``, ``numerics/`` and ``verify/`` install as ``superdyn.theory``,
``superdyn.numerics`` and ``superdyn.verify``; pytest's own doctest collector would import
them a second time under their folder names. Here each module's doctests run on the module
as a user imports it (``superdyn.theory.closed_form``), and the folders are plain
directories to pytest (nothing of them is imported to collect them).
"""

import importlib
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
FOLDERS = ("theory", "numerics", "verify")


def _in_folders(path: Path) -> bool:
    try:
        parts = Path(path).resolve().relative_to(ROOT).parts
    except ValueError:
        return False
    return bool(parts) and parts[0] in FOLDERS


def installed_name(path: Path) -> str:
    """``theory/profiles/base.py`` -> ``superdyn.theory.profiles.base``."""
    parts = Path(path).resolve().relative_to(ROOT).with_suffix("").parts
    return ".".join(["superdyn", *(p for p in parts if p != "__init__")])


class InstalledDoctestModule(DoctestModule):
    """The doctests of one module, imported as ``superdyn.<folder>...``."""

    def _getobj(self):
        return importlib.import_module(installed_name(self.path))


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    if _in_folders(path):
        return pytest.Dir.from_parent(parent, path=path)
    return None


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and _in_folders(file_path) and file_path.name != "__main__.py":
        return InstalledDoctestModule.from_parent(parent, path=file_path)
    return None
