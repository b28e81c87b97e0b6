"""The unit of work of every engine: one batch of configurations, claimed, trained and stored.

:func:`train_claimed` trains a batch in this process; :func:`train_batch` is the same work
in the form a worker receives it (configurations as dicts, the store as a path, the device
as a name, the threads to compute with), shared by the local worker processes
(:mod:`superdyn.verify.orchestrate.workers`) and the Ray tasks
(:mod:`superdyn.verify.orchestrate.distributed`).
"""

from __future__ import annotations

from ..run.config import RunConfig
from ..run.device import resolve_device
from ..run.threads import apply_threads
from ..run.trainer import train
from ..store.runs import ResultStore

__all__ = ["train_batch", "train_claimed"]


def train_claimed(batch, store: ResultStore, device, progress: bool = False) -> dict:
    """Train the runs of ``batch`` whose locks this process takes; store them; release the locks.

    Returns
    -------
    dict
        ``trained`` (stored run ids), ``skipped`` (stored meanwhile by another process) and
        ``busy`` (locked by another live process, left to it).
    """
    mine = [c for c in batch if store.claim(c)]
    busy = [c.run_id() for c in batch if c not in mine]
    try:
        todo = [c for c in mine if not store.has(c)]  # another process may have finished it meanwhile
        skipped = [c.run_id() for c in mine if c not in todo]
        trained = [store.write(r) for r in train(todo, device=device, progress=progress)] if todo else []
    finally:
        for config in mine:
            store.release(config)
    return {"trained": trained, "skipped": skipped, "busy": busy}


def train_batch(config_dicts, store_dir, device_name: str, threads: int) -> dict:
    """A worker's body: compute with ``threads`` threads, then :func:`train_claimed` the batch.

    The per-run locks are the sweep's: a run another process (a ``superdyn train`` on the
    same store, another sweep) is training is reported busy, not trained twice. A retry after
    a hard death takes over the dead attempt's locks (same host, dead pid) and skips what it
    stored.
    """
    apply_threads(threads)
    store = ResultStore(store_dir)
    configs = [RunConfig.from_dict(d) for d in config_dicts]
    return train_claimed(configs, store, resolve_device(device_name))
