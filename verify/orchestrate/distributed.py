"""Sweeps on a Ray cluster: the unit of work is one batch of configurations that share shapes.

``run_batches_on_ray(batches, store, device, address)`` sends each batch to a Ray task that
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

from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunFailure

from ..run.device import check_device_name
from ..store.runs import ResultStore
from .batch import train_batch

__all__ = ["MAX_RETRIES", "gpu_share", "run_batches_on_ray"]

MAX_RETRIES = 3
#: Parameters (C x K x K or C x N x K) below which a batch takes a quarter of a GPU.
_SMALL_BATCH = 4_000_000


def _ray():
    try:
        import ray
    except ImportError:
        raise InvalidInput(
            "the ray engine needs Ray, which is not installed; install it with "
            "pip install 'superdyn[distributed]'"
        ) from None
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


def run_batches_on_ray(
    batches, store: ResultStore, *, device="auto", address=None, progress=True, task_body=None
) -> dict:
    """Train ``batches`` (lists of RunConfig sharing a shape) as Ray tasks.

    Returns
    -------
    dict
        Run ids: ``trained``, ``skipped`` (stored meanwhile) and ``busy`` (locked by another
        live process), as :func:`superdyn.verify.orchestrate.batch.train_claimed` gives them.

    Parameters
    ----------
    batches : list of list of RunConfig
    store : ResultStore
        A directory every worker can reach (a shared file system on a cluster).
    device : {"auto", "cpu", "cuda"}
        ``"cpu"`` keeps every task on CPUs; otherwise tasks ask for GPUs when the cluster
        has them.
    address : str, optional
        A running cluster (``"auto"`` or ``"ray://host:10001"``); default: join the Ray
        instance this process already started, or start a local one.
    progress : bool
    task_body : callable, optional
        The Ray task's body, called as ``task_body(config_dicts, store_dir, device_name,
        threads)``; default: claim, train and store the batch. (The tests pass one that dies
        once, to check that a killed worker's batch is retried.)

    Raises
    ------
    ValueError
        Ray is not installed.
    superdyn.verify.errors.RunFailure
        A batch failed after its retries.
    """
    ray = _ray()
    check_device_name(device)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        gpus = ray.cluster_resources().get("GPU", 0) > 0 and device != "cpu"
        task = ray.remote(task_body or train_batch)
        futures = []
        for batch in batches:
            options = {"max_retries": MAX_RETRIES, "num_cpus": 1}
            if gpus:
                options["num_gpus"] = gpu_share(batch)
            worker_device = "cuda" if gpus else "cpu"
            dicts = [c.to_dict() for c in batch]
            futures.append(task.options(**options).remote(dicts, str(store.directory), worker_device, 1))
        return _collect(ray, futures, progress)
    finally:
        if started:
            ray.shutdown()


def _collect(ray, futures, progress) -> list:
    from tqdm.auto import tqdm

    stored = {"trained": [], "skipped": [], "busy": []}
    pending = list(futures)
    with tqdm(total=len(futures), disable=not progress, desc="ray batches") as bar:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                for key, ids in ray.get(done[0]).items():
                    stored[key].extend(ids)
            except ray.exceptions.RayError as exc:
                raise RunFailure(
                    f"a batch failed on the cluster after {MAX_RETRIES} retries: {exc}"
                ) from None
            bar.update(1)
    return stored
