"""What an experiment is: a named sweep at a given scale, and the analysis of its results.

An :class:`Experiment` has a ``plan`` (scale -> run configurations; empty for experiments
that need only theory and numerics) and an ``analyse`` step (stored results -> claims,
figures and notes). Experiments share runs through the result store: two experiments that
plan the same configuration train it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from superdyn.theory.curve import LossCurve
from superdyn.theory.errors import InvalidInput

from ..analyse.claims import Analysis, Claim
from ..analyse.measure import ExponentMeasurement, mean_loss_curve, measure_exponent
from ..errors import MissingRun
from ..run.config import SCALES, RunConfig
from ..store.runs import ResultStore

__all__ = [
    "SCALES",
    "Analysis",
    "Experiment",
    "StoredRuns",
    "stable_lr",
    "steps_for",
]


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise InvalidInput(f"scale must be one of {SCALES}, got {scale!r}")
    return scale


def stable_lr(config: RunConfig, fraction: float, ceiling: float) -> float:
    """Learning rate ``min(ceiling, fraction / lambda_max)``, lambda_max = p_1 m2.

    The largest mode of the no-superposition model has rate p_1 m2; gradient descent is
    stable for lr * lambda_max < 2, and SGD noise and the ReLU need a margin below that.
    The fraction is fixed per model before any fit is looked at; rounded to 3 digits.
    """
    task = config.task
    return float(f"{min(ceiling, fraction / (task.p[0] * task.m2)):.3g}")


def steps_for(t_end: float, lr: float) -> int:
    """Steps that reach time t_end = lr * steps."""
    return int(np.ceil(t_end / lr))


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    Attributes
    ----------
    name : str
        Registry name (``fig3``, ``liu-width``...).
    title : str
    figures : tuple of str
        The paper's figures it reproduces.
    plan : callable (scale) -> list of RunConfig
    analyse : callable (StoredRuns, scale) -> Analysis
    scaled_down : dict of scale -> str
        What the scale changes with respect to the paper; the experiment runs at exactly
        the scales it names (every experiment has tiny, quick and paper).
    """

    name: str
    title: str
    figures: tuple
    plan: Callable
    analyse: Callable
    scaled_down: dict

    def configs(self, scale: str) -> list:
        if check_scale(scale) not in self.scaled_down:
            raise InvalidInput(
                f"experiment {self.name!r} has no {scale!r} scale; it runs at {', '.join(self.scales)}"
            )
        return list(self.plan(scale))

    @property
    def scales(self) -> tuple:
        """The scales this experiment runs at, in the order of ``SCALES``."""
        return tuple(s for s in SCALES if s in self.scaled_down)


class _NamedArrays(dict):
    def __init__(self, run_id, arrays):
        super().__init__(arrays)
        self.run_id = run_id

    def __missing__(self, key):
        raise MissingRun(f"run {self.run_id} has no array {key!r} (stored: {sorted(self)})")


class StoredRuns:
    """Read access to the stored runs of an experiment.

    Parameters
    ----------
    store : ResultStore or path
    """

    def __init__(self, store):
        self.store = store if isinstance(store, ResultStore) else ResultStore(store)

    def curve(self, config: RunConfig, column: str = "loss") -> tuple[np.ndarray, np.ndarray]:
        """(t, column) of a completed stored run, including t = 0 (a diverged run is a ValueError)."""
        self._completed(config)
        frame = self.store.curve(config)
        return frame["t"].to_numpy(float), frame[column].to_numpy(float)

    def loss_curve(self, configs) -> LossCurve:
        """The seed mean of the completed runs ``configs`` (one configuration's seeds, or one run)
        as a :class:`~superdyn.theory.curve.LossCurve` with its standard error (``mean_loss_curve``)."""
        configs = [configs] if isinstance(configs, RunConfig) else list(configs)
        return mean_loss_curve([self.curve(c) for c in configs])

    def frame(self, config: RunConfig):
        self._completed(config)
        return self.store.curve(config)

    def _completed(self, config: RunConfig) -> None:
        meta = self.meta(config)
        if meta["status"] != "completed":
            raise MissingRun(
                f"run {config.run_id()} {meta['status']} ({meta['reason']}); it is kept out of the analysis"
            )

    def arrays(self, config: RunConfig) -> dict:
        """The stored arrays of a completed run; a missing or diverged run or array is a ValueError."""
        self._completed(config)
        return _NamedArrays(config.run_id(), self.store.arrays(config.run_id()))

    def meta(self, config: RunConfig) -> dict:
        meta = self.store.metadata(config)
        if meta is None:
            raise MissingRun(f"run {config.run_id()} is not in the store")
        return meta

    def completed(self, configs) -> list:
        """The configurations whose stored run completed (diverged runs are left out)."""
        return [c for c in configs if self.meta(c)["status"] == "completed"]

    def exponent(self, configs, physics_window=None) -> ExponentMeasurement:
        """``measure_exponent`` over the seeds ``configs`` of one configuration.

        ``physics_window``: a callable (base config) -> window, a window, or None (the
        superposition rule of ``superdyn.verify.analyse.measure``).
        """
        if callable(physics_window):
            physics_window = physics_window(configs[0])
        return measure_exponent([self.curve(c) for c in configs], physics_window)

    def exponents(self, configs, physics_window=None) -> list:
        """(base config, ExponentMeasurement, completed seeds) per configuration, seeds grouped.

        Configurations whose every seed diverged are left out.
        """
        out = []
        for base, seeds in group_seeds(configs).items():
            seeds = self.completed(seeds)
            if seeds:
                out.append((base, self.exponent(seeds, physics_window), seeds))
        return out


def group_seeds(configs) -> dict:
    """Configurations keyed by everything but the seed (order kept)."""
    groups: dict = {}
    for config in configs:
        groups.setdefault(config.replace(seed=0), []).append(config)
    return groups


def seeds_at_width(configs, model: str, width: int) -> list:
    """The configurations of ``model`` at ``width`` (its seeds, for one (a, b))."""
    return [c for c in configs if c.model == model and c.width == width]


def exponent_claim(
    *,
    experiment,
    key,
    statement,
    paper,
    paper_quote,
    measured: ExponentMeasurement,
    tolerance,
    criterion,
    theory=None,
    context="",
) -> Claim:
    """A claim about a training exponent measured by ``superdyn.verify.analyse.measure``.

    The headline (the Eq. 9 fit on the physics window) decides; the other methods are the
    claim's alternatives, in ``superdyn.verify.analyse.measure``'s order; a failed headline fit leaves the
    claim undecided.
    """
    return Claim(
        experiment=experiment,
        key=key,
        statement=statement,
        paper=float(paper),
        paper_quote=paper_quote,
        criterion=criterion,
        measured=float(measured.alpha),
        uncertainty=float(measured.uncertainty),
        method=measured.method,
        tolerance=float(tolerance),
        theory=theory,
        alternatives=measured.claim_alternatives(),
        undecided=measured.failure,
        context=context,
    )
