"""What an experiment is: its scales, its plan, its pre-registered claims and its analysis.

An :class:`Experiment` is declared in one module: its scales (frozen dataclasses, one per
scale), ``plan`` (settings -> the runs, grouped in named parts; no runs for experiments of
theory and numerics), ``claims`` (plan -> the :class:`~superdyn.verify.analyse.registered.ClaimSpec`
it will judge, built before any run is read) and ``analyse`` (stored runs, plan ->
measurements keyed by claim, figures, tables, notes). :meth:`Experiment.evaluate` joins them:
the verdicts come from the declarations alone. Experiments share runs through the result
store: two experiments that plan the same configuration train it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from superdyn.theory.curve import LossCurve
from superdyn.theory.errors import InvalidInput

from ..analyse.claims import Analysis
from ..analyse.measure import ExponentMeasurement, arithmetic_mean_curve, mean_loss_curve, measure_exponent
from ..analyse.registered import Measurement, judge_all
from ..errors import MissingRun
from ..run.config import SCALES, RunConfig
from ..store.runs import ResultStore
from .setup import describe

__all__ = [
    "SCALES",
    "Analysis",
    "Experiment",
    "Plan",
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


def _flatten(part) -> list:
    if isinstance(part, dict):
        return [c for value in part.values() for c in _flatten(value)]
    if isinstance(part, RunConfig):
        return [part]
    return [c for value in part for c in _flatten(value)]


@dataclass(frozen=True)
class Plan:
    """What an experiment runs at one scale, computed once and handed to its claims and analysis.

    Attributes
    ----------
    experiment, scale : str
    setup : dataclass
        The scale's settings.
    parts : dict
        Named groups of runs (a list of RunConfig, or a dict of such lists).
    """

    experiment: str
    scale: str
    setup: object
    parts: dict = field(default_factory=dict)

    @cached_property
    def configs(self) -> list:
        """Every run of the plan, each once, in the order of the parts."""
        return list(dict.fromkeys(_flatten(self.parts)))

    def __getitem__(self, part: str):
        return self.parts[part]


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
    scales : dict of scale -> settings dataclass
        The scales it runs at (every experiment has tiny, quick and paper).
    plan_runs : callable (settings) -> dict of part -> runs
    claims : callable (Plan) -> list of ClaimSpec
        The pre-registered claims; reads the plan only.
    analyse : callable (StoredRuns, Plan) -> Analysis
        Fills ``Analysis.measurements`` (key -> Measurement or NotMeasured), figures, tables, notes.
    """

    name: str
    title: str
    figures: tuple
    scales: dict
    plan_runs: Callable
    claims: Callable
    analyse: Callable

    def plan(self, scale: str) -> Plan:
        if check_scale(scale) not in self.scales:
            raise InvalidInput(
                f"experiment {self.name!r} has no {scale!r} scale; it runs at {', '.join(self.scale_names)}"
            )
        setup = self.scales[scale]
        return Plan(self.name, scale, setup, dict(self.plan_runs(setup)))

    def configs(self, scale: str) -> list:
        return list(self.plan(scale).configs)

    def declared(self, scale: str) -> list:
        """The claims this experiment will judge at ``scale``, built without reading a run."""
        return list(self.claims(self.plan(scale)))

    def describe(self, scale: str) -> str:
        """What the scale sets, generated from its settings (the paper's, then superdyn's)."""
        return describe(self.plan(scale).setup)

    def evaluate(self, stored, scale: str) -> Analysis:
        """Analyse the stored runs and judge every declared claim (see ``judge_all``)."""
        plan = self.plan(scale)
        specs = self.claims(plan)
        analysis = self.analyse(stored, plan)
        claims, notes = judge_all(specs, analysis.measurements)
        analysis.claims = claims
        analysis.notes.extend(notes)
        return analysis

    @property
    def scale_names(self) -> tuple:
        """The scales this experiment runs at, in the order of ``SCALES``."""
        return tuple(s for s in SCALES if s in self.scales)


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

    def loss_curve(self, configs, mean: str = "geometric") -> LossCurve:
        """The seed mean of the completed runs ``configs`` (one configuration's seeds, or one run)
        as a :class:`~superdyn.theory.curve.LossCurve` with its standard error.

        ``mean="geometric"``: exp(mean_s ln L_s) (``mean_loss_curve``), the mean the fits use;
        ``"arithmetic"``: mean_s L_s, the expected loss that an exact theory of the runs predicts.
        """
        configs = [configs] if isinstance(configs, RunConfig) else list(configs)
        curves = [self.curve(c) for c in configs]
        if mean == "geometric":
            return mean_loss_curve(curves)
        if mean == "arithmetic":
            return arithmetic_mean_curve(curves)
        raise InvalidInput(f"mean must be 'geometric' or 'arithmetic', got {mean!r}")

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


def exponent_measurement(measured: ExponentMeasurement, *, theory=None, context: str = "") -> Measurement:
    """A training exponent measured by ``superdyn.verify.analyse.measure`` as a claim's measurement.

    The headline (the Eq. 9 fit on the physics window) decides; the other methods are the
    claim's alternatives, in ``superdyn.verify.analyse.measure``'s order; a failed headline fit
    leaves the claim undecided.
    """
    return Measurement(
        value=float(measured.alpha),
        uncertainty=float(measured.uncertainty),
        method=measured.method,
        theory=theory,
        alternatives=measured.claim_alternatives(),
        undecided=measured.failure,
        context=context,
    )
