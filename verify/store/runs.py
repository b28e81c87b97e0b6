"""The result store: one set of files per run, named by the hash of its config.

For a run with id h (``RunConfig.run_id()``, which includes the training revision):

* ``h.parquet``: the curve, one row per measurement (step, t, loss, train_loss, ...);
* ``h.npz``: arrays (per-feature losses, snapshots of B or W, the frame spectrum),
  read back with ``allow_pickle=False``;
* ``h.json``: config, status, versions, device, wall time; written last.

Every file is written to a temporary name in the same directory and renamed, so a
killed process leaves either a complete run or none; the JSON, written last, holds the
SHA-256 of the other files and of itself (``meta_checksum``, over the rest of the JSON), so
an edited status or final loss is damage like any other. A run counts as stored when its
JSON is a run's metadata for exactly this config (its id and config agree) and every file,
the JSON included, matches its checksum.

Reading never deletes: a damaged run (truncated, altered, swapped, an edited config) is
reported with ``CorruptResultWarning`` and treated as absent. Only a sweep that is about
to recompute a damaged run moves its files aside, to ``quarantine/``, and says so. A run
stored by another training revision (``TRAINING_REVISION``) is *stale*: its id is not the
id its configuration has now, so it is never reused; a sweep retrains it and says how many,
a load counts the stale runs it skipped, and :meth:`ResultStore.survey` lists them.
While a sweep trains a run it holds ``<id>.lock`` (its host and process id), so two
sweeps on one store never train the same run twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import time
import warnings
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunFailure, StoreCorruption

from superdyn.jsonio import dumps_strict

from ..errors import MissingRun
from ..run.config import TRAINING_REVISION, RunConfig, code_version
from .locks import lock_holder, take_lock
from .revisions import describe_revision, stored_revision

if TYPE_CHECKING:  # reading a store needs no torch; only writing a run does
    from ..run.trainer import RunResult

__all__ = ["CorruptResultWarning", "ResultStore", "locate_store"]


class CorruptResultWarning(UserWarning):
    """A stored run is damaged (or stale: from another training revision): it is not used."""


QUARANTINE = "quarantine"
#: a run's metadata file: RunConfig.run_id() (16 hex digits) + .json
_RUN_FILE = re.compile(r"[0-9a-f]{16}\.json")
_META_KEYS = ("run", "config", "status", "n_points")


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path: Path, write) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode())  # the user's normal permissions, not mkstemp's 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata_checksum(meta: dict) -> str:
    """SHA-256 of a run's metadata without its own checksum (canonical JSON: sorted keys)."""
    body = {k: v for k, v in meta.items() if k != "meta_checksum"}
    return hashlib.sha256(dumps_strict(body, sort_keys=True).encode()).hexdigest()


def _stamp(paths) -> tuple:
    return tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in paths)


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
            raise InvalidInput(f"the result store {str(self.directory)!r} is a file, not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a parent that is a file, no permission
            raise InvalidInput(
                f"the result store {str(self.directory)!r} cannot be created: {exc.strerror}"
            ) from None
        self._checked: dict = {}

    def _paths(self, run_id: str):
        return tuple(self.directory / f"{run_id}.{ext}" for ext in ("json", "parquet", "npz"))

    def inspect(self, config: RunConfig) -> tuple[dict | None, str]:
        """(metadata, "") for an intact run, (None, "") for an absent one, (None, why) for a damaged one.

        Nothing is changed on disk.
        """
        run_id = config.run_id()
        paths = self._paths(run_id)
        stamp = _stamp(paths)
        cached = self._checked.get(run_id)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        meta, problem = self._check(config, run_id, paths)
        self._checked[run_id] = (stamp, meta, problem)
        return meta, problem

    def _check(self, config, run_id, paths):
        meta_path, curve_path, array_path = paths
        if not meta_path.exists():
            return None, ""
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            return None, f"its metadata does not parse ({exc})"
        if not isinstance(meta, dict) or any(key not in meta for key in _META_KEYS):
            return None, f"its metadata is not a run's ({type(meta).__name__} without {list(_META_KEYS)})"
        if meta.get("meta_checksum") != metadata_checksum(meta):
            return None, "its metadata does not match its checksum (edited)"
        try:
            if meta["run"] != run_id or RunConfig.from_dict(meta["config"]).run_id() != run_id:
                return None, "its stored config does not match its run id (edited or swapped)"
        except (TypeError, ValueError) as exc:
            return None, f"its stored config is not valid ({exc})"
        checksums = meta.get("checksums")
        try:
            if checksums is not None:
                for path in (curve_path, array_path):
                    expected = checksums.get(path.suffix[1:])
                    if expected is None:
                        continue
                    if not path.exists():
                        return None, f"{path.name} is missing"
                    if _sha256(path) != expected:
                        return None, f"{path.name} does not match its checksum (damaged or altered)"
            rows = pq.read_metadata(curve_path).num_rows
            if rows != meta["n_points"]:
                return None, f"{curve_path.name} has {rows} rows, the metadata promises {meta['n_points']}"
            if checksums is None:  # an older layout: decode everything instead
                pd.read_parquet(curve_path)
            if meta.get("arrays"):
                with np.load(array_path, allow_pickle=False) as data:
                    missing = set(meta["arrays"]) - set(data.files)
                    if checksums is None:
                        for name in data.files:
                            data[name]
                if missing:
                    return None, f"{array_path.name} lacks {sorted(missing)}"
        except Exception as exc:  # any decoding failure of a damaged file (BadZipFile, ArrowInvalid, ...)
            return None, f"its files do not read ({type(exc).__name__}: {exc})"
        return meta, ""

    def metadata(self, config: RunConfig) -> dict | None:
        """The stored metadata of ``config``; None when it is absent or damaged (damage is reported)."""
        meta, problem = self.inspect(config)
        if problem:
            warnings.warn(
                f"run {config.run_id()} is damaged: {problem}; it is not used",
                CorruptResultWarning,
                stacklevel=2,
            )
        return meta

    def quarantine(self, config: RunConfig, problem: str) -> Path:
        """Move a damaged run's files to ``quarantine/`` (before it is recomputed); say so."""
        target = self.directory / QUARANTINE
        target.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for path in self._paths(config.run_id()):
            if path.exists():
                os.replace(path, target / f"{path.name}.{stamp}")
        self._checked.pop(config.run_id(), None)
        warnings.warn(
            f"run {config.run_id()} is damaged ({problem}); its files were moved to {target} and it is "
            "recomputed",
            CorruptResultWarning,
            stacklevel=2,
        )
        return target

    def check_writable(self, probe_bytes: int = 1 << 20) -> None:
        """Raise a ValueError now if runs cannot be written here (read-only, no space)."""
        probe = self.directory / f".probe-{os.getpid()}"
        try:
            with open(probe, "wb") as handle:
                handle.write(b"\0" * probe_bytes)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise RunFailure(
                f"the result store {str(self.directory)!r} cannot be written: {exc.strerror}"
            ) from None
        finally:
            probe.unlink(missing_ok=True)

    def _lock(self, config: RunConfig) -> Path:
        return self.directory / f"{config.run_id()}.lock"

    def claim(self, config: RunConfig) -> bool:
        """Take ``<id>.lock`` for training ``config``; False if another live process holds it.

        A lock left by a dead process on this host, or an empty one older than
        ``LOCK_GRACE_SECONDS``, is taken over (:mod:`superdyn.verify.store.locks`).
        """
        return take_lock(self._lock(config), _file_mode())

    def lock_holder(self, config: RunConfig) -> str:
        """Who holds ``config``'s lock: "host H, process P" (or what the lock file says), "" if none."""
        return lock_holder(self._lock(config))

    def release(self, config: RunConfig) -> None:
        self._lock(config).unlink(missing_ok=True)

    def has(self, config: RunConfig) -> bool:
        """Whether ``config`` is stored and readable."""
        return self.metadata(config) is not None

    def write(self, result: RunResult) -> str:
        """Store one run atomically; return its id."""
        import torch  # a run comes from the trainer, which has imported it already

        run_id = result.config.run_id()
        meta_path, curve_path, array_path = self._paths(run_id)
        frame = pd.DataFrame(result.curve)
        _atomic_write(curve_path, lambda tmp: frame.to_parquet(tmp, index=False))
        if result.arrays:
            _atomic_write(array_path, lambda tmp: _save_arrays(tmp, result.arrays))
        checksums = {"parquet": _sha256(curve_path)}
        if result.arrays:
            checksums["npz"] = _sha256(array_path)
        diverged = result.status != "completed"
        meta = {
            "run": run_id,
            "config": result.config.to_dict(),
            "status": result.status,
            "reason": result.reason,
            "loss_measure": result.loss_measure,
            "n_points": len(frame),
            # a diverged run's last finite loss would look healthy: it has none
            "final_loss": float(frame["loss"].iloc[-1]) if len(frame) and not diverged else None,
            "last_finite_loss": float(frame["loss"].iloc[-1]) if len(frame) else None,
            "checksums": checksums,
            "wall_seconds": result.wall_seconds,
            "samples_per_second": result.samples_per_second,
            "device": result.device,
            "arrays": sorted(result.arrays),
            "extra": result.extra,
            "training_revision": TRAINING_REVISION,
            "versions": {
                "superdyn": code_version(),
                "torch": torch.__version__,
                "numpy": np.__version__,
                "python": platform.python_version(),
            },
        }
        meta["meta_checksum"] = metadata_checksum(meta)
        _atomic_write(meta_path, lambda tmp: Path(tmp).write_text(dumps_strict(meta, indent=1)))
        return run_id

    def curve(self, config: RunConfig) -> pd.DataFrame:
        """The stored curve of ``config`` (one row per measurement).

        Raises
        ------
        ValueError
            When the run is not stored.
        superdyn.verify.errors.StoreCorruption
            When its files are damaged (a ValueError too).
        """
        meta, problem = self.inspect(config)
        if meta is None:
            what = f"run {config.run_id()} ({config.model}, K={config.width})"
            if problem:
                raise StoreCorruption(f"{what} is damaged ({problem})")
            raise MissingRun(f"{what} is not in the store")
        return pd.read_parquet(self.directory / f"{config.run_id()}.parquet")

    def arrays(self, run_id: str) -> dict:
        """The arrays of a stored run (no pickle)."""
        path = self.directory / f"{run_id}.npz"
        if not path.exists():
            return {}
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def metadata_files(self) -> list:
        """The ``<run id>.json`` files, sorted; other JSON (a report's claims, a manifest) is not a run."""
        return sorted(p for p in self.directory.glob("*.json") if _RUN_FILE.fullmatch(p.name))

    def load(self) -> pd.DataFrame:
        """A tidy DataFrame: one row per run and measurement, with the config fields as columns.

        Damaged runs are reported and left out (nothing is deleted); stale runs (stored by
        another training revision) are counted, by revision, in one warning.
        """
        frames, stale = [], {}
        for meta_path in self.metadata_files():
            try:
                meta = json.loads(meta_path.read_text())
                config = RunConfig.from_dict(meta["config"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                warnings.warn(
                    f"{meta_path.name} is damaged or not a run's metadata; skipped",
                    CorruptResultWarning,
                    stacklevel=2,
                )
                continue
            revision = stored_revision(meta)
            if revision != TRAINING_REVISION:
                stale[revision] = stale.get(revision, 0) + 1
                continue
            if config.run_id() != meta_path.stem:
                text = (
                    f"run {meta_path.stem} is damaged: its stored config does not match its run id (edited)"
                )
                warnings.warn(text + "; it is not used", CorruptResultWarning, stacklevel=2)
                continue
            if self.metadata(config) is None:
                continue
            frame = pd.read_parquet(meta_path.with_suffix(".parquet"))
            frame.insert(0, "run", meta["run"])
            for field in fields(config):  # every field, so runs stored without a later one get its default
                if field.name != "snapshot_times":
                    frame[field.name] = getattr(config, field.name)
            frame["status"] = meta["status"]
            frame["loss_measure"] = meta["loss_measure"]
            frames.append(frame)
        if stale:
            listed = ", ".join(f"{n} of {describe_revision(r)}" for r, n in sorted(stale.items(), key=str))
            warnings.warn(
                f"skipped stale runs ({listed}); this is training revision {TRAINING_REVISION}: "
                "superdyn reproduce or superdyn train retrains them",
                CorruptResultWarning,
                stacklevel=2,
            )
        if not frames:
            return pd.DataFrame(columns=["run", "step", "t", "loss"])
        return pd.concat(frames, ignore_index=True)


def locate_store(directory) -> ResultStore:
    """The result store at ``directory``: a store itself, or the ``runs/`` of a reproduction folder."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput(f"no result store at {str(directory)!r}")
    store = ResultStore(directory)
    if not store.metadata_files() and (directory / "runs").is_dir():  # a reproduction folder
        store = ResultStore(directory / "runs")
    return store
