"""Old public names kept working for a while, with a DeprecationWarning that names the new one."""

from __future__ import annotations

import warnings


def renamed(module: str, old_names: dict):
    """A module ``__getattr__`` for names that were renamed: ``{old: (new name, object)}``."""

    def __getattr__(name):
        if name in old_names:
            new, value = old_names[name]
            warnings.warn(f"{module}.{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
