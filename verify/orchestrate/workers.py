"""Where a local sweep's batches train: in this process, or in worker processes, one per core.

Both take a batch and a store and return a :class:`concurrent.futures.Future` of what
:func:`superdyn.verify.orchestrate.batch.train_claimed` returns, so the sweep's loop is one
loop for both (and ``workers`` says how many batches it may keep in flight):

* :class:`InProcess` trains the batch when it is submitted, in this process, with the
  trainer's progress bar on request;
* :class:`WorkerPool` sends it to worker processes started with ``spawn`` (a fresh
  interpreter: no thread pool or lock of this process is inherited), each computing with
  the policy's threads (:mod:`superdyn.verify.run.threads`). Every worker takes the same
  per-run locks and writes the same one-file-per-run store as this process, so an
  interrupted parallel sweep resumes like a sequential one.

A pool is also what ``reproduce`` passes to each experiment's sweep, so the workers start
once (a worker's start, mostly importing torch, takes about 2 s).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from superdyn.theory.errors import InvalidInput

from ..run.threads import apply_threads
from .batch import train_batch, train_claimed

__all__ = ["InProcess", "WorkerPool", "using_threads"]


@contextmanager
def using_threads(threads: int):
    """Compute with ``threads`` threads inside the block; restore torch's and numba's counts after."""
    import numba
    import torch

    saved = torch.get_num_threads(), numba.get_num_threads()
    apply_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(saved[0])
        numba.set_num_threads(saved[1])


class InProcess:
    """Train each batch here, when it is submitted."""

    workers = 1

    def __init__(self, device, progress: bool = False):
        self.device = device
        self.progress = progress

    def submit(self, batch, store) -> Future:
        future = Future()
        try:
            future.set_result(train_claimed(batch, store, self.device, self.progress))
        except Exception as exc:  # the sweep decides: raise, or retry run by run
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass


class WorkerPool:
    """``workers`` worker processes, each computing with ``threads`` threads on ``device``.

    Use as a context manager, or call :meth:`close`: it lets the batches in flight finish
    (and store their runs) and drops those not started.

    Parameters
    ----------
    workers, threads : int
    device : {"cpu", "cuda"}
        The device name each worker resolves.
    """

    def __init__(self, workers: int, threads: int = 1, device: str = "cpu"):
        if workers < 1:
            raise InvalidInput(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.threads = threads
        self.device = device
        context = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def submit(self, batch, store) -> Future:
        dicts = [config.to_dict() for config in batch]
        return self._executor.submit(train_batch, dicts, str(store.directory), self.device, self.threads)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
