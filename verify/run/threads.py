"""The thread policy of the CPU path: chosen once, at the edge, and applied to torch and numba together.

superdyn trains on a CPU with **one thread per process** and runs independent batches in
**one worker process per core** it may use. ``benchmarks/bench_cores.py`` measured why (the
2-core VM, torch 2.13.0 CPU, superposition model, N = 1024, K = 128 and 512, 1 and 8
configurations, batch 64 and 1024): idle, a second torch thread changes one batch's speed by
-18% to +50%, while two single-thread processes give 1.4-2.3x the throughput of one; beside
one busy process, the second thread makes a batch 1.7-3.6x slower than one thread, because
OpenMP's threads wait at every barrier for the one that is descheduled. So the default takes
the parallelism from processes, which the operating system shares fairly among everything
that runs.

The cores superdyn may use are, in this order: the ``threads`` argument (the CLI's
``--threads``), the ``SUPERDYN_THREADS`` setting, or the cores this process may run on
(:func:`superdyn.numerics.threads.usable_cores`: its CPU affinity and any cgroup quota).
When the cores are given explicitly (argument or setting), superdyn takes them as its own:
a sweep with fewer batches than cores gives each worker the spare cores as threads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from superdyn.numerics.threads import set_numba_threads, usable_cores
from superdyn.theory.errors import InvalidInput

__all__ = ["SETTING", "ThreadPolicy", "apply_threads", "thread_policy"]

#: The environment setting that fixes the cores superdyn uses.
SETTING = "SUPERDYN_THREADS"
_MAX_THREADS = 4096


@dataclass(frozen=True, kw_only=True)
class ThreadPolicy:
    """The cores superdyn uses and how a sweep spreads them.

    Attributes
    ----------
    cores : int
        Cores superdyn may use.
    source : str
        Where ``cores`` came from: ``"--threads"`` (the argument), ``"SUPERDYN_THREADS"`` or
        ``"usable cores"``.
    """

    cores: int
    source: str

    @property
    def explicit(self) -> bool:
        """Whether the cores were given (argument or setting) rather than found."""
        return self.source != "usable cores"

    def workers(self, batches: int, device="cpu") -> int:
        """Worker processes for ``batches`` independent batches: one per core, at most one per
        batch; one (this process) on a GPU, whose batches queue on the one device anyway.

        Examples
        --------
        >>> policy = ThreadPolicy(cores=4, source="usable cores")
        >>> policy.workers(10), policy.workers(2), policy.workers(0), policy.workers(10, "cuda")
        (4, 2, 1, 1)
        """
        if _device_type(device) != "cpu":
            return 1
        return max(1, min(self.cores, batches))

    def threads(self, workers: int) -> int:
        """Threads per worker: one, or the cores shared among the workers when they were given.

        Examples
        --------
        >>> ThreadPolicy(cores=4, source="usable cores").threads(1)
        1
        >>> ThreadPolicy(cores=4, source="SUPERDYN_THREADS").threads(1)
        4
        """
        return max(1, self.cores // max(1, workers)) if self.explicit else 1

    def describe(self, workers: int) -> str:
        """One line: ``"2 workers x 1 thread (2 usable cores)"``, ``"... (SUPERDYN_THREADS=4)"``."""
        threads = self.threads(workers)
        plural = lambda n, word: f"{n} {word}" + ("s" if n != 1 else "")  # noqa: E731
        if self.source == "usable cores":
            source = plural(self.cores, "usable core")
        elif self.source == "--threads":
            source = f"--threads {self.cores}"
        else:
            source = f"{self.source}={self.cores}"
        return f"{plural(workers, 'worker')} x {plural(threads, 'thread')} ({source})"


def _device_type(device) -> str:
    return device if isinstance(device, str) else device.type


def thread_policy(threads=None, environ=None) -> ThreadPolicy:
    """The policy from ``threads``, else ``SUPERDYN_THREADS``, else the usable cores.

    Raises
    ------
    InvalidInput
        ``threads`` or the setting is not a whole number in [1, 4096].

    Examples
    --------
    >>> thread_policy(3)
    ThreadPolicy(cores=3, source='--threads')
    >>> thread_policy(environ={"SUPERDYN_THREADS": "2"})
    ThreadPolicy(cores=2, source='SUPERDYN_THREADS')
    >>> thread_policy(environ={}).source
    'usable cores'
    """
    environ = os.environ if environ is None else environ
    if threads is not None:
        return ThreadPolicy(cores=_check_threads(threads, "threads"), source="--threads")
    setting = environ.get(SETTING, "").strip()
    if setting:
        return ThreadPolicy(cores=_check_threads(setting, SETTING), source=SETTING)
    return ThreadPolicy(cores=usable_cores(), source="usable cores")


def _check_threads(value, name: str) -> int:
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not 1 <= number <= _MAX_THREADS:
        raise InvalidInput(f"{name} must be a whole number in [1, {_MAX_THREADS}], got {value!r}")
    return number


def apply_threads(threads: int) -> int:
    """Make this process compute with ``threads`` threads: torch's intra-op pool and numba's together.

    Returns the number set. (torch's inter-op pool is left alone: superdyn issues one operation
    at a time.) Without torch installed, only numba's threads are set.
    """
    threads = _check_threads(threads, "threads")
    try:
        import torch
    except ModuleNotFoundError:  # a lean install (no superdyn[sim]): numba's threads only
        pass
    else:
        torch.set_num_threads(threads)
    set_numba_threads(threads)
    return threads
