"""The result store: atomic files, tidy loading, corrupt files recomputed, sweeps that resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from verify.config import RunConfig
from verify.store import CorruptResultWarning, ResultStore, load_results
from verify.sweep import run_sweep

SMALL = dict(model="superposition", n_features=64, width=16, steps=600, batch_size=256, eval_samples=512)
SWEEP = [RunConfig(**SMALL, seed=seed) for seed in range(5)]

CHILD = """
import sys
from verify.config import RunConfig
from verify.sweep import run_sweep
configs = [RunConfig(model="superposition", n_features=64, width=16, steps=600, batch_size=256,
                     eval_samples=512, seed=seed) for seed in range(5)]
run_sweep(configs, sys.argv[1], device="cpu", max_batch=1, progress=False)
"""


def test_round_trip_and_tidy_frame(tmp_path):
    report = run_sweep(SWEEP[:2], tmp_path, device="cpu", progress=False)
    assert len(report.trained) == 2 and not report.skipped
    frame = load_results(tmp_path)
    assert set(frame["run"]) == set(report.trained)
    assert {"run", "step", "t", "loss", "train_loss", "model", "a", "b", "seed", "lr", "status"} <= set(
        frame.columns
    )
    assert np.allclose(frame["t"], frame["lr"] * frame["step"])
    store = ResultStore(tmp_path)
    arrays = store.arrays(report.trained[0])
    assert arrays["frame_spectrum"].shape == (16,)
    meta = json.loads((tmp_path / f"{report.trained[0]}.json").read_text())
    assert meta["status"] == "completed" and meta["versions"]["torch"]
    again = run_sweep(SWEEP[:2], tmp_path, device="cpu", progress=False)
    assert not again.trained and set(again.skipped) == set(report.trained)


def test_corrupt_files_are_reported_and_recomputed(tmp_path):
    (run_id,) = run_sweep(SWEEP[:1], tmp_path, device="cpu", progress=False).trained
    curve = tmp_path / f"{run_id}.parquet"
    curve.write_bytes(curve.read_bytes()[: len(curve.read_bytes()) // 2])  # truncated
    with pytest.warns(CorruptResultWarning, match="corrupt"):
        report = run_sweep(SWEEP[:1], tmp_path, device="cpu", progress=False)
    assert report.trained == (run_id,)
    assert ResultStore(tmp_path).has(SWEEP[0])


def test_a_killed_sweep_resumes_and_loses_nothing_finished(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], env=env)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(tmp_path.glob("*.json"))) < 2:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    finished = {p.stem: p.with_suffix(".parquet").read_bytes() for p in tmp_path.glob("*.json")}
    assert 2 <= len(finished) < 5, "the child should be killed midway"
    report = run_sweep(SWEEP, tmp_path, device="cpu", progress=False)
    assert set(report.skipped) == set(finished)
    assert len(report.trained) == 5 - len(finished)
    for run_id, data in finished.items():
        assert (tmp_path / f"{run_id}.parquet").read_bytes() == data  # nothing finished was redone
    assert len(load_results(tmp_path)["run"].unique()) == 5


def test_bad_store_paths(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        ResultStore(target)
    with pytest.raises(ValueError, match="no result store"):
        load_results(tmp_path / "missing")
    with pytest.raises(ValueError, match="max_batch"):
        run_sweep(SWEEP[:1], tmp_path, max_batch=0)
