"""How long a sweep will take, from short probes of its shapes: before training, for a decision.

Each distinct batch shape (model, N, K, batch size, configurations per batch, dtype,
per-feature losses) trains twice, ``_SHORT`` and ``_LONG`` steps, with one measurement per
decade and an evaluation set of at most 512 samples. The difference of the two times gives
the time per step without the set-up; the set-up is what remains of the short probe. A
batch then takes

    set-up + steps * (time per step) + points * (time per step) * eval_samples / (2 * batch)

(the last term: its measurements on the evaluation set, one forward pass, about half a step
per batch of samples; none for the linear model's exact population loss). With several
workers, the batches are assigned largest first to the least loaded worker, as the pool
takes them, and the estimate is the most loaded worker's time plus the workers' start.

On the 2-core VM this estimate was within 25% of the measured quick-scale training time
(``benchmarks/bench_cores.py`` prints both).
"""

from __future__ import annotations

import heapq
import time

from ..run.config import measurement_steps
from ..run.device import resolve_device
from ..run.trainer import train

__all__ = ["WORKER_START_SECONDS", "batch_seconds", "estimate_seconds"]

_SHORT, _LONG = 5, 45
_PROBE_EVAL = 512
#: What starting the worker processes costs (measured on the 2-core VM: mostly torch's import).
WORKER_START_SECONDS = 2.5


def _probe_key(batch) -> tuple:
    first = batch[0]
    return (
        first.model,
        first.n_features,
        first.width,
        first.batch_size,
        len(batch),
        first.dtype,
        first.per_feature,
        first.optimizer,
        first.tied,
    )


def _step_equivalents(config, steps: int, points_per_decade: int, eval_samples: int) -> float:
    """Training steps plus the measurements' forward passes, in steps (see the module's formula)."""
    points = len(measurement_steps(steps, points_per_decade))
    evaluation = 0.0 if config.model == "linear" else eval_samples / (2 * config.batch_size)
    return steps + points * evaluation


def _probe(batch, device) -> tuple[float, float]:
    """(set-up seconds, seconds per step) of ``batch``'s shape."""
    seconds, work = [], []
    for steps in (_SHORT, _LONG):
        probe = [
            c.replace(
                steps=steps,
                points_per_decade=1,
                eval_samples=min(c.eval_samples, _PROBE_EVAL),
                snapshot_times=(),
                warmup_steps=min(c.warmup_steps, steps),
            )
            for c in batch
        ]
        start = time.perf_counter()
        train(probe, device=device, progress=False)
        seconds.append(time.perf_counter() - start)
        work.append(_step_equivalents(probe[0], steps, 1, probe[0].eval_samples))
    per_step = max(seconds[1] - seconds[0], 0.0) / (work[1] - work[0])
    return max(seconds[0] - work[0] * per_step, 0.0), per_step


def batch_seconds(batches, device="auto") -> list[float]:
    """The estimated training time of each batch (lists of RunConfig sharing a shape)."""
    device = resolve_device(device) if isinstance(device, str) else device
    probes: dict = {}
    out = []
    for batch in batches:
        key = _probe_key(batch)
        if key not in probes:
            probes[key] = _probe(batch, device)
        setup, per_step = probes[key]
        first = batch[0]
        out.append(
            setup
            + per_step * _step_equivalents(first, first.steps, first.points_per_decade, first.eval_samples)
        )
    return out


def estimate_seconds(batches, device="auto", workers: int = 1) -> float:
    """The estimated wall time of training ``batches`` with ``workers`` worker processes.

    Examples
    --------
    >>> from superdyn.verify import RunConfig
    >>> batch = [RunConfig(model="linear", n_features=32, width=32, steps=2000, batch_size=8)]
    >>> 0 < estimate_seconds([batch], device="cpu") < 60
    True
    """
    times = sorted(batch_seconds(batches, device), reverse=True)
    if workers <= 1:
        return sum(times)
    loads = [0.0] * workers
    for seconds in times:  # largest first, to the least loaded worker
        heapq.heapreplace(loads, loads[0] + seconds)
    return max(loads) + WORKER_START_SECONDS
