"""superdyn.verify: simulations, experiments, result store, plots, report and the CLI.

The only package that imports torch. Its folders are its layers, each importing only those
before it (``docs/architecture.md`` draws them):

* ``run``: run configurations, the sampler, optimisers, models and the training loop;
* ``store``: the result store and the reproduction manifest;
* ``orchestrate``: sweeps batched here or on Ray;
* ``analyse``: exponent measurements and claims;
* ``present``: figures and the report's pages;
* ``experiments``: the paper's experiments (plans and analyses), with ``reproduction``
  and ``claims_report`` the pipelines that run them and write their claims report;
* ``cli``: parses, calls one of the above, prints.

Its public names load on first use (PEP 562), so ``import superdyn.verify.cli`` and the commands
that need only ``superdyn.theory`` and ``superdyn.numerics`` (``superdyn exponent``, ``exponents``,
``derive``, ``curve``) start without torch.
"""

from importlib import import_module

from superdyn.theory.errors import missing_extra

#: public name -> the submodule that defines it
_HOMES = {
    "Claim": "analyse.claims",
    "MODEL_NAMES": "run.config",
    "RunConfig": "run.config",
    "resolve_device": "run.device",
    "EXPERIMENTS": "experiments",
    "get_experiment": "experiments",
    "ExponentMeasurement": "analyse.measure",
    "measure_exponent": "analyse.measure",
    "write_report": "claims_report",
    "Reproduction": "reproduction",
    "reproduce": "reproduction",
    "CorruptResultWarning": "store",
    "ResultStore": "store",
    "load_results": "store",
    "SweepReport": "orchestrate.sweep",
    "run_sweep": "orchestrate.sweep",
    "RunResult": "run.trainer",
    "train": "run.trainer",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'superdyn.verify' has no attribute {name!r}")
    try:
        module = import_module(f".{home}", __name__)
    except ModuleNotFoundError as exc:  # torch, pandas...: the superdyn[sim] extra
        missing = missing_extra(exc, f"superdyn.verify.{name}")
        if missing is None:
            raise
        raise missing from None
    value = getattr(module, name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
