"""Sweeps: group configurations by shape, skip what is stored, train the rest in batches.

Each batch's runs are written as soon as the batch finishes, so an interrupted sweep
resumes where it stopped and loses only the batches in flight. On a CPU, independent
batches train in parallel worker processes, one per core
(:mod:`superdyn.verify.orchestrate.workers`, :mod:`superdyn.verify.run.threads`). A damaged
stored run is moved to the store's quarantine and recomputed; a run another process is
training (it holds the run's lock) is left to it and reported as busy.
"""

from __future__ import annotations

import sys
from collections import deque
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass

from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunFailure
from tqdm.auto import tqdm

from ..run.config import TRAINING_REVISION, RunConfig
from ..run.device import resolve_device
from ..run.threads import thread_policy
from ..store.revisions import describe_revision, stale_runs
from ..store.runs import ResultStore
from .workers import InProcess, WorkerPool, using_threads

__all__ = ["ENGINES", "POOL_MIN_WORK", "SweepReport", "plan_batches", "run_sweep", "work"]


@dataclass(frozen=True, kw_only=True)
class SweepReport:
    """What a sweep did: run ids trained now, found in the store, left to another process,
    (run id, reason) of the runs that failed (``on_error="continue"``), and (run id, stale run
    id) of the runs that were stored only by another training revision (retrained now)."""

    trained: tuple
    skipped: tuple
    busy: tuple = ()
    failed: tuple = ()
    stale: tuple = ()

    def to_dict(self) -> dict:
        return {
            "trained": list(self.trained),
            "skipped": list(self.skipped),
            "busy": list(self.busy),
            "failed": [list(f) for f in self.failed],
            "stale": [list(s) for s in self.stale],
        }


class RunsProgress:
    """One line for a sweep: runs done of the total, how many were stored, trained, failed and
    are to go, and the ETA (tqdm's, from the runs trained so far)."""

    FORMAT = "{desc}: {n}/{total} runs{postfix} |{bar:12}| [{elapsed}, ETA {remaining}]"

    def __init__(self, label: str, total: int, stored: int, enabled: bool = True):
        self.label = label
        self.counts = {"stored": stored, "trained": 0, "failed": 0, "busy": 0}
        self.bar = tqdm(
            total=total,
            initial=stored,
            desc=label,
            unit="run",
            disable=not enabled,
            leave=True,
            bar_format=self.FORMAT,
            dynamic_ncols=True,
        )
        self._show()

    def _show(self, refresh: bool = True) -> None:
        to_go = self.bar.total - sum(self.counts.values())
        shown = [f"{k} {v}" for k, v in self.counts.items() if v or k != "busy"]  # busy: another process's
        self.bar.set_postfix_str(", ".join(shown) + f", to go {to_go}", refresh=refresh)

    def add(self, kind: str, n: int = 1) -> None:
        if not n:
            return
        self.counts[kind] += n
        self._show(refresh=False)  # the count and the bar move together, in one refresh
        self.bar.update(n)

    def fail(self, run_id: str, reason: str) -> None:
        tqdm.write(f"{self.label}: run {run_id} failed: {reason}", file=sys.stderr)  # even when quiet
        self.add("failed")

    def close(self) -> None:
        self.bar.close()


#: Where the batches run: in this process, or as tasks on a Ray cluster
#: (``superdyn.verify.orchestrate.distributed``).
ENGINES = ("local", "ray")


def plan_batches(configs, store: ResultStore, max_batch: int) -> tuple[list, list]:
    """Group the unstored configurations by shape into batches of at most ``max_batch``.

    Returns
    -------
    batches : list of list of RunConfig
    skipped : list of str
        Run ids already in the store.
    """
    if max_batch < 1:
        raise InvalidInput(f"max_batch must be >= 1, got {max_batch}")
    configs = list(dict.fromkeys(configs))  # drop repeats, keep order
    for config in configs:
        if not isinstance(config, RunConfig):
            raise InvalidInput(f"configs must be RunConfig objects, got {config!r}")
    skipped = []
    for config in configs:
        meta, problem = store.inspect(config)
        if meta is not None:
            skipped.append(config.run_id())
        elif problem:  # about to be recomputed: its damaged files go to the quarantine, not the bin
            store.quarantine(config, problem)
    done = set(skipped)
    groups: dict[tuple, list] = {}
    for config in configs:
        if config.run_id() not in done:
            groups.setdefault(config.shape_key, []).append(config)
    batches = [g[i : i + max_batch] for g in groups.values() for i in range(0, len(g), max_batch)]
    return batches, skipped


def run_sweep(
    configs,
    store,
    *,
    device="auto",
    max_batch=8,
    progress=True,
    engine="local",
    address=None,
    on_error="raise",
    label="sweep",
    threads=None,
    pool=None,
) -> SweepReport:
    """Train every configuration not yet in ``store``.

    Parameters
    ----------
    configs : sequence of RunConfig
    store : ResultStore or path
    device : {"auto", "cpu", "cuda"} or torch.device
    max_batch : int
        Most configurations trained in one batched computation.
    progress : bool or "runs"
        True: the trainer's progress bar for each batch (in this process; with worker
        processes, the line of ``"runs"``); "runs": one line for the whole sweep (runs done,
        stored, trained, failed, to go, ETA); False: silent.
    engine : {"local", "ray"}
        ``"ray"`` sends each batch to a Ray task (:class:`superdyn.verify.orchestrate.distributed.RayPool`),
        with the same progress line and ``on_error``.
    address : str, optional
        The Ray cluster to join (``engine="ray"`` only).
    on_error : {"raise", "continue"}
        What a run that raises does: stop the sweep, or be reported in
        ``SweepReport.failed`` (with ``progress="runs"``, also printed with its id and reason)
        while the other runs go on. A failed batch is retried run by run, so only the run
        that fails is lost.
    label : str
        Name on the ``progress="runs"`` line.
    threads : int, optional
        The cores to use (default: ``SUPERDYN_THREADS``, else the cores this process may use;
        see :mod:`superdyn.verify.run.threads`). On a CPU, independent batches train in
        parallel worker processes, one per core, each with one thread; the runs are the
        same as one process would compute.
    pool : WorkerPool, optional
        Worker processes to use instead of starting them (``reproduce`` shares one pool among
        its experiments); ``threads`` is then ignored.

    Raises
    ------
    superdyn.verify.errors.RunFailure
        A worker process died (killed, out of memory); the runs stored until then stay, and a
        new sweep resumes from them. (Python's rule for processes applies: a script that runs
        a parallel sweep guards it with ``if __name__ == "__main__":``.)

    Examples
    --------
    >>> import tempfile
    >>> from superdyn.verify import RunConfig
    >>> configs = [RunConfig(model="linear", n_features=32, width=32, steps=20, batch_size=64, seed=s)
    ...            for s in (0, 1)]
    >>> store = tempfile.mkdtemp()
    >>> len(run_sweep(configs, store, device="cpu", progress=False).trained)
    2
    >>> len(run_sweep(configs, store, device="cpu", progress=False).skipped)  # stored: nothing to do
    2
    """
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of {ENGINES}, got {engine!r}")
    if address is not None and engine != "ray":
        raise InvalidInput(f"address={address!r} applies to engine='ray' only")
    if on_error not in ("raise", "continue"):
        raise InvalidInput(f"on_error must be 'raise' or 'continue', got {on_error!r}")
    policy = thread_policy(threads)  # a bad threads= or SUPERDYN_THREADS fails before any work
    if not isinstance(store, ResultStore):
        store = ResultStore(store)
    batches, skipped = plan_batches(configs, store, max_batch)
    stale = _announce_stale(stale_runs(store, [c for batch in batches for c in batch]), label, progress)
    if batches:
        store.check_writable()  # a read-only or full store fails here, before any training
    total = len(skipped) + sum(map(len, batches))
    tally = {"trained": [], "skipped": skipped, "busy": [], "failed": []}
    with ExitStack() as stack:
        executor = _executor(stack, engine, device, address, pool, policy, batches, progress)
        # one line for the sweep, unless the trainer shows its own bar for each batch here
        shown = progress == "runs" or (progress is True and not isinstance(executor, InProcess))
        line = RunsProgress(label, total, len(skipped), enabled=shown)
        try:
            _drain(executor, batches, store, on_error, line, tally)
        finally:
            line.close()
    return _report(tally, stale)


def _executor(stack: ExitStack, engine, device, address, pool, policy, batches, progress):
    """Where the batches train: Ray's tasks, the given pool, worker processes (one per core, for
    sweeps worth their start) or this process; closed with ``stack``."""
    if engine == "ray":
        from .distributed import RayPool

        return stack.enter_context(RayPool(device if isinstance(device, str) else device.type, address))
    if pool is not None:
        return pool
    device = resolve_device(device) if isinstance(device, str) else device
    workers = 1
    if sum(map(work, batches)) >= POOL_MIN_WORK:  # below: seconds of work, less than the workers' start
        workers = policy.workers(len(batches), device)
    if workers > 1:
        return stack.enter_context(WorkerPool(workers, policy.threads(workers), device.type))
    stack.enter_context(using_threads(policy.threads(1)))
    return InProcess(device, progress is True)


def _report(tally: dict, stale: tuple) -> SweepReport:
    return SweepReport(
        trained=tuple(tally["trained"]),
        skipped=tuple(tally["skipped"]),
        busy=tuple(tally["busy"]),
        failed=tuple(tally["failed"]),
        stale=stale,
    )


#: Work (:func:`work`) below which a sweep trains in this process: 1-10 s of one core (the 2-core VM
#: ran 2e9 to 7e11 of these units a second, depending on the model), about what starting the workers
#: costs (about 2 s each, mostly torch's import).
POOL_MIN_WORK = 2e10


def work(batch) -> int:
    """A batch's dense-equivalent multiply-adds: configurations x steps x batch x K x (N + K).

    A rough guide (sparse inputs and population losses make the real cost differ by a factor
    up to 100 between models), used only to order a pool's batches (the largest first, so
    that no large batch starts last while the other workers idle) and to skip the pool for
    small sweeps.
    """
    first = batch[0]
    return len(batch) * first.steps * first.batch_size * first.width * (first.n_features + first.width)


def _drain(executor, batches, store, on_error, line, tally) -> None:
    """Keep ``executor.workers`` batches in flight until all are done; tally each as it finishes.

    A batch that raises stops the sweep (``on_error="raise"``, after the batches in flight
    are stored) or is retried run by run, so that only the run that fails is lost.
    """
    todo = deque(sorted(batches, key=work, reverse=True) if executor.workers > 1 else batches)
    running: dict = {}
    while todo or running:
        while todo and len(running) < executor.workers:
            batch = todo.popleft()
            running[executor.submit(batch, store)] = batch
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            batch = running.pop(future)
            try:
                done = future.result()
            except BrokenProcessPool:
                raise RunFailure(
                    "a worker process died (killed, or out of memory) while training; the runs "
                    "stored so far stay and a new sweep resumes from them (a script that runs a "
                    "parallel sweep must guard it with `if __name__ == '__main__':`)"
                ) from None
            except Exception as exc:
                if on_error == "raise":
                    raise
                if len(batch) > 1:  # find the run that fails: its batch-mates train one by one
                    todo.extendleft(reversed([[config] for config in batch]))
                    continue
                tally["failed"].append((batch[0].run_id(), f"{type(exc).__name__}: {exc}"))
                line.fail(*tally["failed"][-1])
                continue
            for kind, key in (("trained", "trained"), ("stored", "skipped"), ("busy", "busy")):
                tally[key] += done[key]
                line.add(kind, len(done[key]))


def _announce_stale(found: dict, label: str, progress) -> tuple:
    """Say (on stderr, unless silent) how many stored runs are stale and will be retrained."""
    if found and progress:
        revisions = sorted({describe_revision(r) for _, r in found.values()})
        tqdm.write(
            f"{label}: {len(found)} stored run(s) are stale ({', '.join(revisions)}; this is training "
            f"revision {TRAINING_REVISION}): retraining them",
            file=sys.stderr,
        )
    return tuple((new, old) for new, (old, _) in found.items())
