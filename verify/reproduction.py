"""Run experiments into a reproduction directory and write the report.

Layout of ``out``: ``runs/`` (the result store), ``figures/``, ``manifest.json``,
``report.md``, ``report.html``, ``claims.json``. Runs already stored are skipped, so an
interrupted reproduction resumes; two experiments that need the same run share it.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from superdyn.theory.errors import RunFailure

from .experiments import at_scale, check_scale, get_experiment, plan
from .orchestrate.sweep import ENGINES, run_sweep
from .report import write_report
from .run.device import check_device_name, resolve_device
from .run.trainer import train
from .store.manifest import update_manifest
from .store.runs import ResultStore

__all__ = ["Reproduction", "estimate_seconds", "reproduce"]

_PROBE_STEPS = 20


@dataclass(frozen=True, kw_only=True)
class Reproduction:
    """What ``reproduce`` did.

    Attributes
    ----------
    experiments : tuple of str
    scale, device : str
    trained, skipped : int
        Runs trained now and runs found in the store.
    retrained_stale : int
        Of the runs trained now, those stored before only by another training revision.
    failed : tuple of (str, str)
        (run id, reason) of the runs that raised; the others went on, and the experiments
        that need a failed run say so in the report.
    seconds : float
        Wall time, training and report.
    paths : dict
        The report files.
    """

    experiments: tuple
    scale: str
    device: str
    trained: int
    skipped: int
    seconds: float
    paths: dict
    failed: tuple = ()
    retrained_stale: int = 0

    def to_dict(self) -> dict:
        listed = lambda v: [listed(x) for x in v] if isinstance(v, tuple) else v  # noqa: E731
        return {k: listed(v) for k, v in self.__dict__.items()}


def estimate_seconds(configs, device="auto", max_batch=8) -> float:
    """Estimated training time of ``configs``: a short probe of each shape, scaled up.

    Each distinct (model, N, K, batch size) trains ``_PROBE_STEPS`` steps in a batch of
    up to ``max_batch``; the time per step is extrapolated to every batch's steps.
    """
    device = resolve_device(device) if isinstance(device, str) else device
    groups: dict = {}
    for config in configs:
        groups.setdefault(config.shape_key, []).append(config)
    per_step: dict = {}
    total = 0.0
    for group in groups.values():
        first = group[0]
        key = (first.model, first.n_features, first.width, first.batch_size, min(len(group), max_batch))
        if key not in per_step:
            probe = [c.replace(steps=_PROBE_STEPS, eval_samples=min(c.eval_samples, 512)) for c in group]
            start = time.perf_counter()
            train(probe[:max_batch], device=device, progress=False)
            per_step[key] = (time.perf_counter() - start) / _PROBE_STEPS
        batches = -(-len(group) // max_batch)
        total += per_step[key] * first.steps * batches
    return total


def reproduce(
    names=None,
    *,
    scale="quick",
    out="reproduction",
    device="auto",
    progress=True,
    max_batch=8,
    allow_slow=False,
    engine="local",
    address=None,
) -> Reproduction:
    """Run the experiments ``names`` (default: all that run at ``scale``) into ``out``; write the report.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names (``fig3`` ... ``liu-width``; ``fig6``/``fig14`` name their experiment).
        Default: every experiment with the scale (``medium`` has fig4, fig5, fig7, fig12, fig13).
    scale : {"tiny", "quick", "medium", "paper"}
    out : path
        The reproduction directory (created; must not be a file).
    device : {"auto", "cpu", "cuda"}
    allow_slow : bool
        ``paper`` scale on a CPU first estimates the time and stops with a RunFailure that
        gives it, unless this is set (local engine).
    engine : {"local", "ray"}
        Where the batches train: in this process, or as Ray tasks
        (``superdyn.verify.orchestrate.distributed``;
        the device is then chosen on each worker).
    address : str, optional
        The Ray cluster to join; default: a local Ray instance.

    Raises
    ------
    ValueError
        Unknown experiment or scale, an experiment without that scale, ``out`` a file.
    RunFailure
        ``paper`` on a CPU without ``allow_slow``.

    Examples
    --------
    >>> import tempfile
    >>> result = reproduce(["fig10"], scale="tiny", out=tempfile.mkdtemp(), progress=False)
    >>> result.experiments, result.trained, sorted(result.paths)  # fig10 needs no training
    (('fig10',), 0, ['claims', 'html', 'markdown'])
    """
    start = time.perf_counter()
    check_scale(scale)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    names = list(dict.fromkeys(get_experiment(n).name for n in (names or at_scale(scale))))
    out = Path(out)
    store = ResultStore(out / "runs")  # fails on a file before anything runs
    configs = plan(names, scale)
    if engine == "ray":  # the device is chosen on each worker; the driver may have no GPU
        target, label = check_device_name(device), f"ray ({device})"
    else:
        target = resolve_device(device)
        label = str(target)
        todo = [c for c in configs if not store.has(c)]
        if scale == "paper" and target.type == "cpu" and todo:
            hours = estimate_seconds(todo, target, max_batch) / 3600
            message = f"the paper scale on a CPU: about {hours:.1f} hours of training for {len(todo)} runs"
            if not allow_slow:
                raise RunFailure(f"{message}; use a GPU (--device cuda) or pass --yes to run anyway")
            warnings.warn(message, stacklevel=2)
    update_manifest(out, names, scale, label)
    if engine == "ray":
        sweeps = [run_sweep(configs, store, device=target, max_batch=max_batch, progress=progress,
                            engine=engine, address=address)]  # fmt: skip
    else:  # one progress line per experiment; a run that fails is reported and the others go on
        sweeps, seen = [], set()
        for name in names:
            own = [c for c in plan([name], scale) if c not in seen]
            seen.update(own)
            sweeps.append(run_sweep(own, store, device=target, max_batch=max_batch, label=name,
                                    progress="runs" if progress else False, on_error="continue"))  # fmt: skip
    paths = write_report(out)
    return Reproduction(
        experiments=tuple(names),
        scale=scale,
        device=label,
        trained=sum(len(s.trained) for s in sweeps),
        skipped=sum(len(s.skipped) for s in sweeps),
        seconds=time.perf_counter() - start,
        paths=paths,
        failed=tuple(f for s in sweeps for f in s.failed),
        retrained_stale=sum(len(s.stale) for s in sweeps),
    )
