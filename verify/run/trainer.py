"""The training loop, written once: online SGD (or AdamW) over a batch of configurations.

Every step draws fresh sparse samples for each configuration from its own
``torch.Generator`` (so a run's curve does not depend on what it is batched with), runs
the model's loss and gradient for all configurations at once, and updates in place.
Measurements happen at log-spaced steps: the loss on a fixed evaluation set (the same
set for every run with the same ``eval_seed`` and task) or, for the linear model, the
exact population loss; the training-batch loss; the share of active ReLU outputs; and
on request per-feature losses, parameter snapshots and the embedding diagnostics.

A configuration whose loss becomes non-finite or rises above ``divergence_factor``
times its start stops updating; its status records why, and the others go on. A run whose
final loss is above ``divergence_factor`` times its lowest recorded loss (a rise that did not
come back) is marked diverged at the end; a transient spike of SGD noise that recovers is not.

The loop reads top to bottom: :func:`sgd_steps` is a generator that yields each step's
training loss before it updates (emcee's ``sample()``), and a :class:`Recorder` keeps what
is measured and stops runs that fail; :func:`train` sets both up and drains the one into
the other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from superdyn.theory.curve import LossCurve
from superdyn.theory.errors import InvalidInput
from tqdm.auto import tqdm

from .config import RunConfig, measurement_steps
from .device import resolve_device
from .models import MODELS
from .models.feature_loss import conditional_feature_losses
from .optim import make_optimizer
from .sampler import SparseSampler

__all__ = ["Recorder", "RunResult", "sgd_steps", "train"]


@dataclass(kw_only=True)
class RunResult:
    """The outcome of one run.

    Attributes
    ----------
    config : RunConfig
    curve : dict of str -> ndarray (T,)
        ``step``, ``t`` (= lr * step), ``loss``, ``train_loss``, ``active_fraction`` and
        any per-measurement diagnostics.
    status : {"completed", "diverged"}
    reason : str
        Why a run diverged ("" when it completed).
    loss_measure : str
        What ``loss`` is ("population" or "evaluation set of n samples").
    wall_seconds, samples_per_second : float
        Wall time of the batched computation and this run's samples per second in it.
    device : str
    arrays : dict of str -> ndarray
        Per-feature losses (T, N), snapshots, the frame-operator spectrum.
    extra : dict
        Scalars recorded once (diagnostics of a fixed embedding).
    """

    config: RunConfig
    curve: dict
    status: str
    reason: str
    loss_measure: str
    wall_seconds: float
    samples_per_second: float
    device: str
    arrays: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def loss_curve(self) -> LossCurve:
        """The measured loss at t > 0 as a :class:`~superdyn.theory.curve.LossCurve` (the type theory and
        numerics return), its local exponent by differences in ln t."""
        t, loss = self.curve["t"], self.curve["loss"]
        keep = (t > 0) & np.isfinite(loss) & (loss > 0)
        return LossCurve.from_samples(
            t[keep], loss[keep], method=f"run {self.config.run_id()}: {self.loss_measure}"
        )


def _moments(configs, device, dtype):
    """Per-configuration p, A_ii, m1, m2 as (C, ...) tensors, and p as numpy rows for the sampler."""
    tasks = [c.task for c in configs]
    p_rows = [t.p for t in tasks]
    values = {
        "p": p_rows,
        "channel": [t.importance for t in tasks],
        "m1": [t.m1 for t in tasks],
        "m2": [t.m2 for t in tasks],
    }
    return {k: torch.as_tensor(np.array(v), device=device, dtype=dtype) for k, v in values.items()}, p_rows


def _generators(seeds, device):
    return [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]


def _sustained_rise(losses, factor: float) -> str:
    """Why a finished run diverged, or "": its loss rose above ``factor`` x its lowest level and stayed.

    Levels are medians of three consecutive evaluations, so a single-evaluation spike (SGD
    noise on sparse inputs: one update of a rare feature) neither sets the lowest level nor
    counts as the rise; the last level is the median of the last three evaluations.
    """
    if len(losses) < 3:
        return ""
    levels = np.median(np.lib.stride_tricks.sliding_window_view(np.asarray(losses), 3), axis=1)
    if levels[-1] > factor * levels.min():
        return (
            f"loss level {levels[-1]:.3g} at the end (median of the last three evaluations) is above "
            f"{factor} x its lowest level ({levels.min():.3g}): it rose and did not come back"
        )
    return ""


def sgd_steps(model, params, optimizer, sampler, generators, channel, live, *, steps, batch_size):
    """Online training as a generator: yield ``(k, training loss (C,))`` for k = 0 ... steps.

    Each step draws a fresh batch, takes the loss (with its gradient, except at the last,
    measurement-only step), yields, and then updates the configurations still ``live``.
    Whoever drains it may measure and stop runs (``live[c] = 0``) between the loss and the
    update; the generator ends after the last step or once no run is live.
    """
    for k in range(steps + 1):
        batch = sampler.sample(batch_size, generators)
        need_grads = k < steps
        loss, grads, _, _ = model.loss(params, batch, channel, grads=need_grads)
        yield k, loss
        if not need_grads or not bool(live.any()):
            return
        optimizer.step(params, grads, live, k)


class Recorder:
    """What a batch of runs measures at log-spaced steps, and the runs it stops.

    At a measurement step it records the loss (the exact population loss, or that on the
    fixed evaluation set), the training-batch loss, the share of active outputs, the
    model's diagnostics, and on request per-feature losses and parameter snapshots. A run
    whose loss is not finite or above ``divergence_factor`` x its start is stopped: its
    parameters are zeroed and it no longer updates.

    Parameters
    ----------
    model : Model
    params : dict of str -> Tensor (C, ...)
        The parameters being trained (read, and zeroed for a stopped run).
    configs : list of RunConfig
    moments : dict of str -> Tensor (C, ...)
        p, A_ii (``channel``), m1, m2 of each configuration's task.
    eval_batch : SparseBatch or None
        The evaluation set; None where the model has an exact population loss.
    """

    def __init__(self, model, params, configs, moments, eval_batch):
        self.model, self.params, self.configs, self.moments = model, params, configs, moments
        self.eval_batch = eval_batch
        first = configs[0]
        self.steps = set(measurement_steps(first.steps, first.points_per_decade).tolist())
        self.snapshot_steps = [{round(t / c.lr) for t in c.snapshot_times} for c in configs]
        self.measure_at = self.steps | set().union(*self.snapshot_steps)
        self.conditional = any(c.per_feature for c in configs) and eval_batch is not None
        tensor = next(iter(params.values()))
        self.live = torch.ones(len(configs), dtype=tensor.dtype, device=tensor.device)
        self.reasons = [""] * len(configs)
        self.records = [{"step": [], "loss": [], "train_loss": [], "active_fraction": []} for _ in configs]
        self.per_feature = [[] for _ in configs]
        self.per_feature_se = [[] for _ in configs]
        self.arrays = [{} for _ in configs]
        self.extra = [{} for _ in configs]
        if model.static_diagnostics:
            for name, values in model.diagnostics(params).items():
                for c in range(len(configs)):
                    self.extra[c][name] = float(values[c])

    @property
    def population(self) -> bool:
        return self.eval_batch is None

    def observe(self, k: int, train_loss: torch.Tensor) -> None:
        """Stop runs whose training loss is not finite; measure if ``k`` is a measurement step."""
        for c in torch.nonzero(~torch.isfinite(train_loss) & (self.live > 0)).flatten().tolist():
            self.stop(c, f"training loss is not finite at step {k}")
        if k in self.measure_at:
            with torch.no_grad():
                self.measure(k, train_loss)

    def stop(self, c: int, why: str) -> None:
        """Stop run ``c``: zero its parameters, record why; the others go on."""
        self.live[c] = 0.0
        self.reasons[c] = why
        for tensor in self.params.values():
            tensor[c].zero_()

    def _losses(self, k):
        """(loss (C,), per-feature losses (C, N), their standard errors or None, active share (C,))."""
        model, params, moments = self.model, self.params, self.moments
        if self.population:
            loss, features = model.population_loss(params, moments)
            active = torch.ones(len(self.configs), dtype=loss.dtype, device=loss.device)
        else:
            loss, _, features, active = model.loss(params, self.eval_batch, moments["channel"], grads=False)
        features_se = None
        linear_map = model.linear_map(params) if self.conditional else None
        if (
            linear_map is not None
        ):  # per-feature losses that see rare features (superdyn.verify.run.models.feature_loss)
            value_max = [c.value_max for c in self.configs]
            features, features_se = conditional_feature_losses(
                *linear_map, moments["channel"], moments["p"], value_max, self.eval_batch
            )
        if k == 0 and model.relu and not self.population:
            dead = [c.seed for c, a in zip(self.configs, active.tolist(), strict=True) if a == 0.0]
            if dead:
                raise InvalidInput(
                    f"dead start (seeds {dead}): no ReLU output is on at initialisation, so no gradient "
                    "flows; use init_scale > 0 (B(0) = 0 with bias(0) <= 0 never learns)"
                )
        return loss, features, features_se, active

    def measure(self, k: int, train_loss: torch.Tensor) -> None:
        """Record every live run's measurements at step ``k`` (or stop it if its loss ran away)."""
        loss, features, features_se, active = self._losses(k)
        diagnostics = {} if self.model.static_diagnostics else self.model.diagnostics(self.params)
        snaps = self.model.snapshot(self.params) if any(k in s for s in self.snapshot_steps) else {}
        factor = self.configs[0].divergence_factor
        for c, config in enumerate(self.configs):
            if self.live[c] == 0:
                continue
            value = float(loss[c])
            rec = self.records[c]
            start_loss = rec["loss"][0] if rec["loss"] else np.inf
            if not np.isfinite(value) or value > factor * start_loss:
                self.stop(
                    c,
                    f"loss {value:.3g} at step {k} is not finite or above {factor} x its start "
                    f"({start_loss:.3g})",
                )
                continue
            if k in self.steps:
                rec["step"].append(k)
                rec["loss"].append(value)
                rec["train_loss"].append(float(train_loss[c]))
                rec["active_fraction"].append(float(active[c]))
                for name, values in diagnostics.items():
                    rec.setdefault(name, []).append(float(values[c]))
                if config.per_feature:
                    self.per_feature[c].append(features[c].detach().cpu().numpy())
                    if features_se is not None:
                        self.per_feature_se[c].append(features_se[c].detach().cpu().numpy())
            if k in self.snapshot_steps[c]:
                for name, tensor in snaps.items():
                    self.arrays[c][f"{name}@step={k}"] = tensor[c].detach().cpu().numpy().copy()  # not a view

    def results(self, wall: float, device) -> list[RunResult]:
        """One RunResult per configuration, after the last step (``wall`` seconds in all)."""
        final = self.model.final_arrays(self.params)
        results = []
        for c, config in enumerate(self.configs):
            rec = self.records[c]
            reason = self.reasons[c] or _sustained_rise(rec["loss"], config.divergence_factor)
            curve = {name: np.asarray(values) for name, values in rec.items()}
            curve["t"] = config.lr * curve["step"].astype(np.float64)
            arrays = self.arrays[c]
            if self.per_feature[c]:
                arrays["per_feature_loss"] = np.stack(self.per_feature[c])
            if self.per_feature_se[c]:
                arrays["per_feature_loss_stderr"] = np.stack(self.per_feature_se[c])
            arrays.update({name: values[c] for name, values in final.items()})
            measure = "population" if self.population else f"evaluation set of {config.eval_samples} samples"
            results.append(
                RunResult(
                    config=config,
                    curve=curve,
                    status="diverged" if reason else "completed",
                    reason=reason,
                    loss_measure=measure,
                    wall_seconds=wall,
                    samples_per_second=config.batch_size * config.steps / wall,
                    device=str(device),
                    arrays=arrays,
                    extra=self.extra[c],
                )
            )
        return results


def train(configs, *, device="auto", progress=True, model_options=None) -> list[RunResult]:
    """Train configurations that share shapes in one batched computation.

    Parameters
    ----------
    configs : sequence of RunConfig
        Equal ``shape_key`` (model, N, K, batch size, steps, optimiser, dtype, ...).
    device : {"auto", "cpu", "cuda"} or torch.device
    progress : bool
        Show a progress bar over steps.
    model_options : dict, optional
        Code-path choices passed to the model's constructor (``fuse_on_cpu``,
        ``sparse_below``, ``scatter_forward``: see :mod:`superdyn.verify.run.models`); by default each
        model chooses. They change rounding at most, never the maths.

    Raises
    ------
    ValueError
        Mixed shapes, or a dead start (no ReLU output on at initialisation).

    Examples
    --------
    >>> from superdyn.verify import RunConfig
    >>> configs = [RunConfig(model="linear", n_features=64, width=64, lr=4.0, batch_size=256, steps=50,
    ...                      seed=s) for s in (0, 1)]
    >>> first, second = train(configs, device="cpu", progress=False)
    >>> first.status, first.loss_measure, first.curve["t"][-1]  # t = lr * steps
    ('completed', 'population', np.float64(200.0))
    >>> bool(first.curve["loss"][-1] < 0.5 * first.curve["loss"][0])
    True
    """
    configs = list(configs)
    if not configs:
        raise InvalidInput("configs must not be empty")
    if len({c.shape_key for c in configs}) != 1:
        raise InvalidInput("configs in one batch must share shape_key; group them (verify.run_sweep does)")
    device = device if isinstance(device, torch.device) else resolve_device(device)
    first = configs[0]
    dtype = torch.float64 if first.dtype == "float64" else torch.float32
    model = MODELS[first.model].for_runs(configs, **(model_options or {}))
    moments, p_rows = _moments(configs, device, dtype)
    sampler = SparseSampler(p_rows, [c.value_max for c in configs], device, dtype)
    generators = _generators([c.seed for c in configs], device)
    params = model.init(configs, generators, device, dtype)
    optimizer = make_optimizer(first.optimizer, params, model.trainable, configs, model.decayed)
    eval_batch = None
    if model.population_loss(params, moments) is None:
        eval_batch = sampler.sample(first.eval_samples, _generators([c.eval_seed for c in configs], device))
    recorder = Recorder(model, params, configs, moments, eval_batch)
    loop = sgd_steps(
        model,
        params,
        optimizer,
        sampler,
        generators,
        moments["channel"],
        recorder.live,
        steps=first.steps,
        batch_size=first.batch_size,
    )
    start = time.perf_counter()
    with tqdm(
        total=first.steps, disable=not progress, desc=f"{first.model} x{len(configs)}", mininterval=1.0
    ) as bar:
        for k, loss in loop:
            recorder.observe(k, loss)
            bar.update(int(k > 0))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return recorder.results(time.perf_counter() - start, device)
