"""Old public names kept working for a while, with a DeprecationWarning that names the new one."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: verify's modules before its layers were folders: old module -> new module (a package maps
#: its submodules too: verify.models.base -> verify.run.models.base).
MOVED_MODULES = {
    "verify.config": "verify.run.config",
    "verify.device": "verify.run.device",
    "verify.sampler": "verify.run.sampler",
    "verify.optim": "verify.run.optim",
    "verify.trainer": "verify.run.trainer",
    "verify.models": "verify.run.models",
    "verify.sweep": "verify.orchestrate.sweep",
    "verify.distributed": "verify.orchestrate.distributed",
    "verify.measure": "verify.analyse.measure",
    "verify.claims": "verify.analyse.claims",
    "verify.plots": "verify.present.plots",
    "verify.cli_runs": "verify.cli.runs",
}


def renamed(module: str, old_names: dict):
    """A module ``__getattr__`` for names that were renamed: ``{old: (new name, object)}``."""

    def __getattr__(name):
        if name in old_names:
            new, value = old_names[name]
            warnings.warn(f"{module}.{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def _new_home(fullname: str, moved: dict) -> str | None:
    for old, new in moved.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old) :]
    return None


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a moved module under its old name: the same module object, with a warning."""

    def __init__(self, moved: dict):
        self.moved = moved

    def find_spec(self, fullname, path=None, target=None):
        new = _new_home(fullname, self.moved)
        return importlib.util.spec_from_loader(fullname, self) if new else None

    def create_module(self, spec):
        new = _new_home(spec.name, self.moved)
        warnings.warn(f"{spec.name} moved to {new}; import it from there", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module):
        """Nothing to run: the module was imported under its new name (the import system files
        it under the old one too)."""


def install_module_aliases(moved: dict) -> None:
    """Let ``import old.name`` find the module now at ``moved[old.name]`` (once per process)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias(moved))  # before the path finders, which would load a second copy
