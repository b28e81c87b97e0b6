"""How many cores this process may use, and numba's share of them.

``usable_cores()`` is what superdyn's thread policy starts from
(:mod:`superdyn.verify.run.threads`): the CPUs the scheduler lets this process run on
(``os.sched_getaffinity``), capped by a cgroup CPU quota where one is set (a container
limited to 1.5 CPUs sees all the host's CPUs in its affinity mask but gets 1.5 of them).
``os.cpu_count()`` counts neither.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["cgroup_cpu_limit", "set_numba_threads", "usable_cores"]

_CGROUP = Path("/sys/fs/cgroup")


def cgroup_cpu_limit(root=_CGROUP) -> float | None:
    """The CPUs a cgroup quota allows (quota / period), or None where none is set.

    Reads cgroup v2 (``cpu.max``: ``"max 100000"`` or ``"150000 100000"``) and, failing that,
    cgroup v1 (``cpu/cpu.cfs_quota_us``, -1 for none, and ``cpu/cpu.cfs_period_us``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "cpu.max").write_text("150000 100000\\n")
    >>> cgroup_cpu_limit(root)
    1.5
    >>> _ = (root / "cpu.max").write_text("max 100000\\n")
    >>> cgroup_cpu_limit(root) is None
    True
    """
    root = Path(root)
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else _ratio(quota, period)
    except (OSError, ValueError):
        pass
    try:
        quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
        period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
    except OSError:
        return None
    try:
        return None if int(quota) < 0 else _ratio(quota, period)
    except ValueError:
        return None


def _ratio(quota: str, period: str) -> float | None:
    quota, period = int(quota), int(period)
    return quota / period if quota > 0 and period > 0 else None


def usable_cores(affinity=None, quota=None, cgroup_root=_CGROUP) -> int:
    """The cores this process may use: its CPU affinity, capped by the cgroup quota (rounded up).

    Parameters
    ----------
    affinity : set of int, optional
        The CPUs the process may run on (default ``os.sched_getaffinity(0)``, or
        ``os.cpu_count()`` where the platform has no affinity call).
    quota : float, optional
        CPUs allowed by a quota (default: read from ``cgroup_root``).

    Examples
    --------
    >>> usable_cores(affinity={0, 1, 2, 3}, quota=1.5)
    2
    >>> usable_cores(affinity={0, 1}, quota=8.0)
    2
    >>> usable_cores() >= 1
    True
    """
    if affinity is None:
        try:
            affinity = os.sched_getaffinity(0)
        except AttributeError:  # macOS, Windows
            affinity = range(os.cpu_count() or 1)
    cores = max(1, len(affinity))
    if quota is None:
        quota = cgroup_cpu_limit(cgroup_root)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return cores


def set_numba_threads(threads: int) -> int:
    """Set numba's parallel threads to ``threads``, at most the pool numba started with; return it.

    numba starts ``NUMBA_NUM_THREADS`` threads (default: every CPU) and can use fewer, never
    more.
    """
    import numba

    threads = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(threads)
    return threads
