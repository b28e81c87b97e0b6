"""superdyn.verify: simulations, experiments, result store, plots, report and the CLI.

The only package that imports torch.
"""

from .config import MODEL_NAMES, RunConfig
from .device import resolve_device
from .store import CorruptResultWarning, ResultStore, load_results
from .sweep import SweepReport, run_sweep
from .trainer import RunResult, train

__all__ = [
    "MODEL_NAMES",
    "CorruptResultWarning",
    "ResultStore",
    "RunConfig",
    "RunResult",
    "SweepReport",
    "load_results",
    "resolve_device",
    "run_sweep",
    "train",
]
