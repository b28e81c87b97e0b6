"""superdyn: power-law training dynamics under feature superposition.

Three subpackages, with dependencies that point one way, ``verify -> numerics -> theory``:

* :mod:`superdyn.theory`: symbolic and closed-form results (sympy, mpmath, numpy);
* :mod:`superdyn.numerics`: exact discrete sums, exact linear dynamics and fits (numba, scipy);
* :mod:`superdyn.verify`: simulations of the paper's models, experiments, the result store,
  the report and the ``superdyn`` command (torch: the ``superdyn[sim]`` extra).

Each subpackage is imported on first use, so ``import superdyn`` costs nothing.
"""

from importlib import import_module, metadata

try:
    __version__ = metadata.version("superdyn")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

_SUBPACKAGES = ("theory", "numerics", "verify")
__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'superdyn' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
