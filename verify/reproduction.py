"""Run experiments into a reproduction directory and write the report.

Layout of ``out``: ``runs/`` (the result store), ``figures/``, ``manifest.json``,
``report.md``, ``report.html``, ``claims.json``. Runs already stored are skipped, so an
interrupted reproduction resumes; two experiments that need the same run share it.
"""

from __future__ import annotations

import sys
import time
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunFailure

from .claims_report import write_report
from .experiments import at_scale, check_scale, get_experiment, plan
from .orchestrate.estimate import estimate_seconds
from .orchestrate.sweep import ENGINES, POOL_MIN_WORK, plan_batches, run_sweep, work
from .orchestrate.workers import WorkerPool, using_threads
from .run.device import check_device_name, resolve_device
from .run.threads import ThreadPolicy, thread_policy
from .store.manifest import update_manifest
from .store.runs import ResultStore

__all__ = ["Reproduction", "reproduce"]


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
    workers, threads : int
        Worker processes that trained, and threads each computed with.
    estimated_seconds : float or None
        The training time estimated before it started (None: nothing to train, or Ray).
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
    workers: int = 1
    threads: int = 1
    estimated_seconds: float | None = None

    def to_dict(self) -> dict:
        listed = lambda v: [listed(x) for x in v] if isinstance(v, tuple) else v  # noqa: E731
        return {k: listed(v) for k, v in self.__dict__.items()}


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
    threads=None,
) -> Reproduction:
    """Run the experiments ``names`` (default: all that run at ``scale``) into ``out``; write the report.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names (``fig3`` ... ``liu-width``; ``fig6``/``fig14`` name their experiment).
        Default: every experiment with the scale (``medium`` has fig4, fig5, fig7, fig12, fig13).
    scale : {"tiny", "quick", "medium", "long", "paper"}
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
    threads : int, optional
        The cores to use (default: ``SUPERDYN_THREADS``, else the cores this process may use):
        on a CPU, one worker process per core trains the batches, each with one thread
        (:mod:`superdyn.verify.run.threads`). With ``progress``, the device, the workers and
        threads, and the estimated training time are printed first (on stderr).

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
        raise InvalidInput(f"engine must be one of {ENGINES}, got {engine!r}")
    names = list(dict.fromkeys(get_experiment(n).name for n in (names or at_scale(scale))))
    out = Path(out)
    store = ResultStore(out / "runs")  # fails on a file before anything runs
    configs = plan(names, scale)
    if engine == "ray":  # the device is chosen on each worker; the driver may have no GPU
        label, local = f"ray ({check_device_name(device)})", None
        update_manifest(out, names, scale, label)
        sweep = run_sweep(
            configs,
            store,
            device=device,
            max_batch=max_batch,
            progress=progress,
            engine=engine,
            address=address,
        )
        sweeps = [sweep]
    else:
        local = _plan_local(names, scale, store, device, threads, max_batch)
        label = str(local.device)
        _announce(local, scale, len(configs), progress, allow_slow)
        update_manifest(out, names, scale, label)
        sweeps = _train_local(local, store, max_batch, progress)
    with using_threads(local.policy.threads(1)) if local else nullcontext():  # the analyses' numerics
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
        workers=local.workers if local else 1,
        threads=local.threads if local else 1,
        estimated_seconds=local.estimate if local else None,
    )


@dataclass(frozen=True, kw_only=True)
class _LocalPlan:
    """What a local reproduction trains, where and with what: decided before anything trains."""

    device: object
    policy: ThreadPolicy
    owns: dict
    todo: int
    workers: int
    threads: int
    estimate: float | None


def _plan_local(names, scale, store, device, threads, max_batch) -> _LocalPlan:
    """The runs to train (each experiment's own), the workers and threads, and the estimated time."""
    target = resolve_device(device)
    policy = thread_policy(threads)
    owns = _own_configs(names, scale)
    batches = [b for own in owns.values() for b in plan_batches(own, store, max_batch)[0]]
    workers = policy.workers(len(batches), target) if sum(map(work, batches)) >= POOL_MIN_WORK else 1
    estimate = None
    if batches:
        with using_threads(policy.threads(workers)):
            estimate = estimate_seconds(batches, target, workers)
    todo = sum(map(len, batches))
    return _LocalPlan(
        device=target,
        policy=policy,
        owns=owns,
        todo=todo,
        workers=workers,
        threads=policy.threads(workers),
        estimate=estimate,
    )


def _announce(local: _LocalPlan, scale: str, planned: int, progress, allow_slow: bool) -> None:
    """Print the plan once (on stderr); stop the paper scale on a CPU unless ``allow_slow``."""
    if progress:
        estimated = f"; estimated {_minutes(local.estimate)}" if local.todo else ""
        print(
            f"superdyn reproduce {scale}: {local.todo} runs to train, {planned - local.todo} stored; "
            f"{local.device}, {local.policy.describe(local.workers)}{estimated}",
            file=sys.stderr,
        )
    if scale == "paper" and local.device.type == "cpu" and local.todo:
        message = f"the paper scale on a CPU: {_minutes(local.estimate)} of training for {local.todo} runs"
        if not allow_slow:
            raise RunFailure(f"{message}; use a GPU (--device cuda) or pass --yes to run anyway")
        warnings.warn(message, stacklevel=3)


def _own_configs(names, scale) -> dict:
    """Each experiment's configurations that no experiment before it needs (shared runs train once)."""
    owns, seen = {}, set()
    for name in names:
        owns[name] = [c for c in plan([name], scale) if c not in seen]
        seen.update(owns[name])
    return owns


def _train_local(local: _LocalPlan, store, max_batch, progress) -> list:
    """One sweep per experiment (its own progress line; a run that fails is reported and the others
    go on), all sharing one pool of workers when there are several."""
    policy = local.policy
    pool = WorkerPool(local.workers, local.threads, local.device.type) if local.workers > 1 else None
    sweeps = []
    try:
        for name, own in local.owns.items():
            sweeps.append(
                run_sweep(
                    own,
                    store,
                    device=local.device,
                    max_batch=max_batch,
                    label=name,
                    pool=pool,
                    threads=policy.cores if policy.explicit else None,
                    progress="runs" if progress else False,
                    on_error="continue",
                )
            )
    finally:
        if pool is not None:
            pool.close()
    return sweeps


def _minutes(seconds: float) -> str:
    """``"about 4 min"`` (or seconds, or hours), for a human."""
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"
