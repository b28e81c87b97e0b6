"""superdyn.verify: simulations, experiments, result store, plots, report and the CLI.

The only package that imports torch. Its public names load on first use (PEP 562), so
``import verify.cli`` and the commands that need only ``theory`` and ``numerics``
(``superdyn exponent``, ``exponents``, ``derive``, ``curve``) start without torch.
"""

from importlib import import_module

#: public name -> the submodule that defines it
_HOMES = {
    "Claim": "claims",
    "MODEL_NAMES": "config",
    "RunConfig": "config",
    "resolve_device": "device",
    "EXPERIMENTS": "experiments",
    "get_experiment": "experiments",
    "ExponentMeasurement": "measure",
    "measure_exponent": "measure",
    "write_report": "report",
    "Reproduction": "reproduction",
    "reproduce": "reproduction",
    "CorruptResultWarning": "store",
    "ResultStore": "store",
    "load_results": "store",
    "SweepReport": "sweep",
    "run_sweep": "sweep",
    "RunResult": "trainer",
    "train": "trainer",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'verify' has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
