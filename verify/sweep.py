"""Sweeps: group configurations by shape, skip what is stored, train the rest in batches.

Each batch's runs are written as soon as the batch finishes, so an interrupted sweep
resumes where it stopped and loses only the batch in flight.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import RunConfig
from .device import resolve_device
from .store import ResultStore
from .trainer import train

__all__ = ["SweepReport", "run_sweep"]


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: run ids trained now and run ids found in the store."""

    trained: tuple
    skipped: tuple

    def to_dict(self) -> dict:
        return {"trained": list(self.trained), "skipped": list(self.skipped)}


def run_sweep(configs, store, *, device="auto", max_batch=8, progress=True) -> SweepReport:
    """Train every configuration not yet in ``store``.

    Parameters
    ----------
    configs : sequence of RunConfig
    store : ResultStore or path
    device : {"auto", "cpu", "cuda"}
    max_batch : int
        Most configurations trained in one batched computation.
    progress : bool
        Progress bars.

    Examples
    --------
    >>> import tempfile
    >>> from verify import RunConfig
    >>> configs = [RunConfig(model="linear", n_features=32, width=32, steps=20, batch_size=64, seed=s)
    ...            for s in (0, 1)]
    >>> store = tempfile.mkdtemp()
    >>> len(run_sweep(configs, store, device="cpu", progress=False).trained)
    2
    >>> len(run_sweep(configs, store, device="cpu", progress=False).skipped)  # stored: nothing to do
    2
    """
    if not isinstance(store, ResultStore):
        store = ResultStore(store)
    if max_batch < 1:
        raise ValueError(f"max_batch must be >= 1, got {max_batch}")
    configs = list(dict.fromkeys(configs))  # drop repeats, keep order
    for config in configs:
        if not isinstance(config, RunConfig):
            raise ValueError(f"configs must be RunConfig objects, got {config!r}")
    device = resolve_device(device) if isinstance(device, str) else device
    skipped = [c.run_id() for c in configs if store.has(c)]
    todo = [c for c in configs if c.run_id() not in set(skipped)]
    groups: dict[tuple, list] = {}
    for config in todo:
        groups.setdefault(config.shape_key, []).append(config)
    trained = []
    for group in groups.values():
        for start in range(0, len(group), max_batch):
            for result in train(group[start : start + max_batch], device=device, progress=progress):
                trained.append(store.write(result))
    return SweepReport(tuple(trained), tuple(skipped))
