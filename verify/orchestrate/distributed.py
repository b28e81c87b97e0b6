"""Sweeps on a Ray cluster: the unit of work is one batch of configurations that share shapes.

:class:`RayPool` is the sweep's executor on Ray (the interface of the local ones in
:mod:`superdyn.verify.orchestrate.workers`): it sends each batch to a Ray task that
trains it with :func:`superdyn.verify.orchestrate.batch.train_batch` (the body of the local
worker processes too) and writes its runs into the same result store (one file per run,
atomic), so a sweep interrupted on a cluster resumes like a local one. A worker that dies
loses only its own unfinished batch, which Ray retries (``max_retries``); a retried batch
first skips the runs a previous attempt stored. Workers take the local sweep's per-run
locks, so no run is trained twice by two processes.

Resources: a batch asks for one CPU when the sweep runs on CPUs, and for a GPU (a quarter
of one for small models, where four batches fit side by side) when the cluster has GPUs
and the device is not ``"cpu"``. Ray is an optional extra: ``pip install
'superdyn[distributed]'``.
"""

from __future__ import annotations

from concurrent.futures import Future

from superdyn.theory.errors import missing_extra
from superdyn.verify.errors import RunFailure

from ..run.device import check_device_name
from .batch import train_batch

__all__ = ["MAX_RETRIES", "RayPool", "gpu_share"]

MAX_RETRIES = 3
#: Parameters (C x K x K or C x N x K) below which a batch takes a quarter of a GPU.
_SMALL_BATCH = 4_000_000


def _ray():
    try:
        import ray
    except ModuleNotFoundError as exc:
        missing = missing_extra(exc, "the ray engine")
        raise (missing or exc) from None
    return ray


def gpu_share(batch) -> float:
    """The share of a GPU one batch asks for: 1, or 0.25 for small models.

    Examples
    --------
    >>> from superdyn.verify import RunConfig
    >>> big, small = RunConfig(n_features=1024, width=512), RunConfig(n_features=64, width=16)
    >>> gpu_share([big] * 8), gpu_share([small])
    (1.0, 0.25)
    """
    first = batch[0]
    size = len(batch) * first.width * max(first.width, first.n_features)
    return 0.25 if size < _SMALL_BATCH else 1.0


class RayPool:
    """Batches as Ray tasks, behind the interface of the local executors: ``submit(batch, store)``
    returns a :class:`concurrent.futures.Future` of what
    :func:`superdyn.verify.orchestrate.batch.train_claimed` returns, and ``workers`` is how many
    batches the sweep keeps in flight (the cluster's CPUs, or four per GPU).

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        ``"cpu"`` keeps every task on CPUs; otherwise tasks ask for GPUs when the cluster
        has them.
    address : str, optional
        A running cluster (``"auto"`` or ``"ray://host:10001"``); default: join the Ray
        instance this process already started, or start a local one (shut down by
        :meth:`close`).
    task_body : callable, optional
        The Ray task's body, called as ``task_body(config_dicts, store_dir, device_name,
        threads)``; default: :func:`~superdyn.verify.orchestrate.batch.train_batch`. (The tests
        pass one that dies once, to check that a killed worker's batch is retried.)

    Raises
    ------
    superdyn.theory.errors.MissingDependency
        Ray is not installed.

    A batch that still fails after ``MAX_RETRIES`` retries resolves to
    :class:`~superdyn.verify.errors.RunFailure`.
    """

    def __init__(self, device="auto", address=None, task_body=None):
        self._ray = _ray()
        check_device_name(device)
        self._started = not self._ray.is_initialized()
        if self._started:
            self._ray.init(
                address=address, include_dashboard=False, log_to_driver=False, configure_logging=False
            )
        resources = self._ray.cluster_resources()
        self._gpus = resources.get("GPU", 0) > 0 and device != "cpu"
        slots = resources.get("GPU", 0) * 4 if self._gpus else resources.get("CPU", 1)
        self.workers = max(1, int(slots))
        self._task = self._ray.remote(task_body or train_batch)

    def submit(self, batch, store) -> Future:
        options = {"max_retries": MAX_RETRIES, "num_cpus": 1}
        if self._gpus:
            options["num_gpus"] = gpu_share(batch)
        dicts = [c.to_dict() for c in batch]
        device = "cuda" if self._gpus else "cpu"
        reference = self._task.options(**options).remote(dicts, str(store.directory), device, 1)
        result = Future()
        reference.future().add_done_callback(lambda done: _settle(result, done, self._ray))
        return result

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _settle(result: Future, done: Future, ray) -> None:
    """Pass a Ray task's outcome on; a task that failed after its retries becomes a RunFailure."""
    error = done.exception()
    if error is None:
        result.set_result(done.result())
    elif isinstance(error, ray.exceptions.RayError):
        result.set_exception(
            RunFailure(f"a batch failed on the cluster after {MAX_RETRIES} retries: {error}")
        )
    else:
        result.set_exception(error)
