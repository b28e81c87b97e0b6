"""superdyn.verify: simulations, experiments, result store, plots, report and the CLI.

The only package that imports torch.
"""

from .claims import Claim
from .config import MODEL_NAMES, RunConfig
from .device import resolve_device
from .experiments import EXPERIMENTS, get_experiment
from .measure import ExponentMeasurement, measure_exponent
from .report import write_report
from .reproduction import Reproduction, reproduce
from .store import CorruptResultWarning, ResultStore, load_results
from .sweep import SweepReport, run_sweep
from .trainer import RunResult, train

__all__ = [
    "EXPERIMENTS",
    "MODEL_NAMES",
    "Claim",
    "CorruptResultWarning",
    "ExponentMeasurement",
    "Reproduction",
    "ResultStore",
    "RunConfig",
    "RunResult",
    "SweepReport",
    "get_experiment",
    "load_results",
    "measure_exponent",
    "reproduce",
    "resolve_device",
    "run_sweep",
    "train",
    "write_report",
]
