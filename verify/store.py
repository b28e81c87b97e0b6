"""The result store: one set of files per run, named by the hash of its config.

For a run with id h (``RunConfig.run_id()``, which includes the code version):

* ``h.parquet``: the curve, one row per measurement (step, t, loss, train_loss, ...);
* ``h.npz``: arrays (per-feature losses, snapshots of B or W, the frame spectrum),
  read back with ``allow_pickle=False``;
* ``h.json``: config, status, versions, device, wall time; written last.

Every file is written to a temporary name in the same directory and renamed, so a
killed process leaves either a complete run or none. A run counts as stored when its
JSON parses and names a curve file with the promised number of rows; anything else is
reported (``CorruptResultWarning``), removed and recomputed.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import torch

from .config import RunConfig, code_version
from .trainer import RunResult

__all__ = ["CorruptResultWarning", "ResultStore", "load_results"]


class CorruptResultWarning(UserWarning):
    """A stored run could not be read; it will be recomputed."""


def _atomic_write(path: Path, write) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _save_arrays(path: str, arrays: dict) -> None:
    with open(path, "wb") as handle:  # a file object: np.savez would append ".npz" to a name
        np.savez(handle, **arrays)


class ResultStore:
    """A directory of runs.

    Parameters
    ----------
    directory : path
        Created if missing; must not be a file.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"the result store {str(self.directory)!r} is a file, not a directory")
        self.directory.mkdir(parents=True, exist_ok=True)

    def _paths(self, run_id: str):
        return tuple(self.directory / f"{run_id}.{ext}" for ext in ("json", "parquet", "npz"))

    def metadata(self, config: RunConfig) -> dict | None:
        """The stored metadata of ``config``, or None when it is not (validly) stored."""
        meta_path, curve_path, array_path = self._paths(config.run_id())
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            rows = pq.read_metadata(curve_path).num_rows
            if rows != meta["n_points"]:
                raise ValueError(
                    f"{curve_path.name} has {rows} rows, the metadata promises {meta['n_points']}"
                )
            if meta.get("arrays"):
                with np.load(array_path, allow_pickle=False) as data:
                    missing = set(meta["arrays"]) - set(data.files)
                if missing:
                    raise ValueError(f"{array_path.name} lacks {sorted(missing)}")
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            warnings.warn(f"run {config.run_id()} is corrupt ({exc}); it will be recomputed",
                          CorruptResultWarning, stacklevel=2)  # fmt: skip
            for path in (meta_path, curve_path, array_path):
                path.unlink(missing_ok=True)
            return None
        return meta

    def has(self, config: RunConfig) -> bool:
        """Whether ``config`` is stored and readable."""
        return self.metadata(config) is not None

    def write(self, result: RunResult) -> str:
        """Store one run atomically; return its id."""
        run_id = result.config.run_id()
        meta_path, curve_path, array_path = self._paths(run_id)
        frame = pd.DataFrame(result.curve)
        _atomic_write(curve_path, lambda tmp: frame.to_parquet(tmp, index=False))
        if result.arrays:
            _atomic_write(array_path, lambda tmp: _save_arrays(tmp, result.arrays))
        meta = {
            "run": run_id,
            "config": result.config.to_dict(),
            "status": result.status,
            "reason": result.reason,
            "loss_measure": result.loss_measure,
            "n_points": len(frame),
            "final_loss": float(frame["loss"].iloc[-1]) if len(frame) else None,
            "wall_seconds": result.wall_seconds,
            "samples_per_second": result.samples_per_second,
            "device": result.device,
            "arrays": sorted(result.arrays),
            "extra": result.extra,
            "versions": {
                "superdyn": code_version(),
                "torch": torch.__version__,
                "numpy": np.__version__,
                "python": platform.python_version(),
            },
        }
        _atomic_write(meta_path, lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=1)))
        return run_id

    def curve(self, config: RunConfig) -> pd.DataFrame:
        """The stored curve of ``config`` (one row per measurement).

        Raises
        ------
        ValueError
            When the run is not stored (or is corrupt and was removed).
        """
        if self.metadata(config) is None:
            raise ValueError(f"run {config.run_id()} ({config.model}, K={config.width}) is not in the store")
        return pd.read_parquet(self.directory / f"{config.run_id()}.parquet")

    def arrays(self, run_id: str) -> dict:
        """The arrays of a stored run (no pickle)."""
        path = self.directory / f"{run_id}.npz"
        if not path.exists():
            return {}
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def load(self) -> pd.DataFrame:
        """A tidy DataFrame: one row per run and measurement, with the config fields as columns."""
        frames = []
        for meta_path in sorted(self.directory.glob("*.json")):
            try:
                meta = json.loads(meta_path.read_text())
                config = RunConfig.from_dict(meta["config"])
            except (ValueError, KeyError, json.JSONDecodeError):
                warnings.warn(
                    f"{meta_path.name} is not a run's metadata; skipped", CorruptResultWarning, stacklevel=2
                )
                continue
            if self.metadata(config) is None:
                continue
            frame = pd.read_parquet(meta_path.with_suffix(".parquet"))
            frame.insert(0, "run", meta["run"])
            for name, value in meta["config"].items():
                if name != "snapshot_times":
                    frame[name] = value
            frame["status"] = meta["status"]
            frame["loss_measure"] = meta["loss_measure"]
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["run", "step", "t", "loss"])
        return pd.concat(frames, ignore_index=True)


def load_results(directory) -> pd.DataFrame:
    """Load every run stored in ``directory`` as one tidy DataFrame (see ``ResultStore.load``).

    Examples
    --------
    >>> import tempfile
    >>> from verify import RunConfig, run_sweep
    >>> store = tempfile.mkdtemp()
    >>> _ = run_sweep([RunConfig(model="linear", n_features=32, width=32, steps=20, batch_size=64)], store,
    ...               device="cpu", progress=False)
    >>> frame = load_results(store)
    >>> {"run", "t", "loss", "model", "a", "seed"} <= set(frame.columns), frame["model"].unique().tolist()
    (True, ['linear'])
    """
    if not Path(directory).is_dir():
        raise ValueError(f"no result store at {str(directory)!r}")
    return ResultStore(directory).load()
