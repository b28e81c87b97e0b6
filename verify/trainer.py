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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import RunConfig, measurement_steps
from .device import resolve_device
from .models import MODELS
from .models.feature_loss import conditional_feature_losses
from .optim import make_optimizer
from .sampler import SparseSampler

__all__ = ["RunResult", "train"]


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


def _moments(configs, device, dtype):
    """Per-configuration p, A_ii, m1, m2 as (C, ...) tensors, and p as numpy rows for the sampler."""
    tasks = [c.task for c in configs]
    p_rows = [t.p for t in tasks]
    values = {"p": p_rows, "channel": [t.channel for t in tasks], "m1": [t.m1 for t in tasks],
              "m2": [t.m2 for t in tasks]}  # fmt: skip
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


def train(configs, *, device="auto", progress=True) -> list[RunResult]:
    """Train configurations that share shapes in one batched computation.

    Parameters
    ----------
    configs : sequence of RunConfig
        Equal ``shape_key`` (model, N, K, batch size, steps, optimiser, dtype, ...).
    device : {"auto", "cpu", "cuda"} or torch.device
    progress : bool
        Show a progress bar over steps.

    Raises
    ------
    ValueError
        Mixed shapes, or a dead start (no ReLU output on at initialisation).

    Examples
    --------
    >>> from verify import RunConfig
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
        raise ValueError("configs must not be empty")
    if len({c.shape_key for c in configs}) != 1:
        raise ValueError("configs in one batch must share shape_key; group them (verify.run_sweep does)")
    device = device if isinstance(device, torch.device) else resolve_device(device)
    first = configs[0]
    dtype = torch.float64 if first.dtype == "float64" else torch.float32
    model = MODELS[first.model]()
    moments, p_rows = _moments(configs, device, dtype)
    sampler = SparseSampler(p_rows, [c.value_max for c in configs], device, dtype)
    generators = _generators([c.seed for c in configs], device)
    params = model.init(configs, generators, device, dtype)
    optimizer = make_optimizer(first.optimizer, params, model.trainable, configs, model.decayed)
    population = model.population_loss(params, moments) is not None
    eval_batch = None
    if not population:
        eval_batch = sampler.sample(first.eval_samples, _generators([c.eval_seed for c in configs], device))
    n_configs = len(configs)
    steps = measurement_steps(first.steps, first.points_per_decade)
    snapshot_steps = [{round(t / c.lr) for t in c.snapshot_times} for c in configs]
    measure_at = set(steps.tolist()) | set().union(*snapshot_steps)
    live = torch.ones(n_configs, dtype=dtype, device=device)
    reasons = [""] * n_configs
    records = [{"step": [], "loss": [], "train_loss": [], "active_fraction": []} for _ in configs]
    per_feature = [[] for _ in configs]
    per_feature_se = [[] for _ in configs]
    conditional = any(c.per_feature for c in configs) and eval_batch is not None
    value_max = [c.value_max for c in configs]
    arrays = [{} for _ in configs]
    extra = [{} for _ in configs]
    if model.static_diagnostics:
        for name, values in model.diagnostics(params).items():
            for c in range(n_configs):
                extra[c][name] = float(values[c])

    def measure(k, train_loss):
        if population:
            loss, features = model.population_loss(params, moments)
            active = torch.ones(n_configs, dtype=dtype, device=device)
        else:
            loss, _, features, active = model.loss(params, eval_batch, moments["channel"], grads=False)
        features_se = None
        linear_map = model.linear_map(params) if conditional else None
        if linear_map is not None:  # per-feature losses that see rare features (verify.models.feature_loss)
            features, features_se = conditional_feature_losses(
                *linear_map, moments["channel"], moments["p"], value_max, eval_batch
            )
        if k == 0 and model.relu and not population:
            dead = [c.seed for c, a in zip(configs, active.tolist(), strict=True) if a == 0.0]
            if dead:
                raise ValueError(
                    f"dead start (seeds {dead}): no ReLU output is on at initialisation, so no gradient "
                    "flows; use init_scale > 0 (B(0) = 0 with bias(0) <= 0 never learns)"
                )
        diagnostics = {} if model.static_diagnostics else model.diagnostics(params)
        snaps = model.snapshot(params) if any(k in s for s in snapshot_steps) else {}
        for c in range(n_configs):
            if live[c] == 0:
                continue
            value = float(loss[c])
            history = records[c]["loss"]
            start_loss = history[0] if history else np.inf
            factor = first.divergence_factor
            if not np.isfinite(value) or value > factor * start_loss:
                kill(c, f"loss {value:.3g} at step {k} is not finite or above {factor} x its start "
                     f"({start_loss:.3g})")  # fmt: skip
                continue
            if k in steps_set:
                rec = records[c]
                rec["step"].append(k)
                rec["loss"].append(value)
                rec["train_loss"].append(float(train_loss[c]))
                rec["active_fraction"].append(float(active[c]))
                for name, values in diagnostics.items():
                    rec.setdefault(name, []).append(float(values[c]))
                if configs[c].per_feature:
                    per_feature[c].append(features[c].detach().cpu().numpy())
                    if features_se is not None:
                        per_feature_se[c].append(features_se[c].detach().cpu().numpy())
            if k in snapshot_steps[c]:
                for name, tensor in snaps.items():
                    arrays[c][f"{name}@step={k}"] = tensor[c].detach().cpu().numpy().copy()  # not a view of B

    def kill(c, why):
        live[c] = 0.0
        reasons[c] = why
        for tensor in params.values():
            tensor[c].zero_()

    steps_set = set(steps.tolist())
    start = time.perf_counter()
    bar = tqdm(total=first.steps, disable=not progress, desc=f"{first.model} x{n_configs}", mininterval=1.0)
    for k in range(first.steps + 1):
        batch = sampler.sample(first.batch_size, generators)
        need_grads = k < first.steps
        loss, grads, _, _ = model.loss(params, batch, moments["channel"], grads=need_grads)
        for c in torch.nonzero(~torch.isfinite(loss) & (live > 0)).flatten().tolist():
            kill(c, f"training loss is not finite at step {k}")
        if k in measure_at:
            with torch.no_grad():
                measure(k, loss)
        if not need_grads or not bool(live.any()):
            break
        optimizer.step(params, grads, live, k)
        bar.update(1)
    bar.close()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    wall = time.perf_counter() - start
    frames = None
    if "enc" in params or "W" in params:
        rows = params["enc"] if "enc" in params else params["W"]
        frames = torch.linalg.eigvalsh(torch.bmm(rows.transpose(1, 2), rows).double()).cpu().numpy()
    for c, rec in enumerate(records):
        if not reasons[c]:
            reasons[c] = _sustained_rise(rec["loss"], first.divergence_factor)
    results = []
    for c, config in enumerate(configs):
        curve = {name: np.asarray(values) for name, values in records[c].items()}
        curve["t"] = config.lr * curve["step"].astype(np.float64)
        if per_feature[c]:
            arrays[c]["per_feature_loss"] = np.stack(per_feature[c])
        if per_feature_se[c]:
            arrays[c]["per_feature_loss_stderr"] = np.stack(per_feature_se[c])
        if frames is not None:
            arrays[c]["frame_spectrum"] = frames[c]
        measure_name = "population" if population else f"evaluation set of {config.eval_samples} samples"
        status = "diverged" if reasons[c] else "completed"
        speed = config.batch_size * config.steps / wall
        results.append(
            RunResult(
                config=config,
                curve=curve,
                status=status,
                reason=reasons[c],
                loss_measure=measure_name,
                wall_seconds=wall,
                samples_per_second=speed,
                device=str(device),
                arrays=arrays[c],
                extra=extra[c],
            )
        )
    return results
