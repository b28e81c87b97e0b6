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
from superdyn.verify.errors import RunFailure, StoreCorruption
from superdyn.verify.orchestrate.sweep import run_sweep
from superdyn.verify.run.config import RunConfig
from superdyn.verify.store import CorruptResultWarning, ResultStore, load_results

SMALL = dict(model="superposition", n_features=64, width=16, steps=600, batch_size=256, eval_samples=512)
SWEEP = [RunConfig(**SMALL, seed=seed) for seed in range(5)]

CHILD = """
import sys
from superdyn.verify.run.config import RunConfig
from superdyn.verify.orchestrate.sweep import run_sweep
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


def _files(store_dir, run_id):
    return {p.name: p.read_bytes() for p in store_dir.glob(f"{run_id}.*")}


def _truncate(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _flip_middle(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2  # inside the data pages: the footer at the end stays intact
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def _edit_config(path):
    meta = json.loads(path.read_text())
    meta["config"]["seed"] = 99
    path.write_text(json.dumps(meta))


DAMAGE = {
    "truncated parquet": ("parquet", _truncate),
    "damaged parquet data page": ("parquet", _flip_middle),
    "truncated npz": ("npz", _truncate),
    "missing npz": ("npz", lambda p: p.unlink()),
    "json holding []": ("json", lambda p: p.write_text("[]")),
    "json holding null": ("json", lambda p: p.write_text("null")),
    "json not json": ("json", lambda p: p.write_text("{")),
    "edited config": ("json", _edit_config),
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stored")
    report = run_sweep(SWEEP[:2], directory, device="cpu", progress=False)
    return directory, report.trained


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damage_is_detected_reported_and_never_deleted_on_read(case, stored, tmp_path):
    source, run_ids = stored
    for path in source.iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    victim, intact = run_ids
    suffix, damage = DAMAGE[case]
    damage(tmp_path / f"{victim}.{suffix}")
    before = _files(tmp_path, victim)
    store = ResultStore(tmp_path)
    with pytest.warns(CorruptResultWarning, match="damaged"):
        assert store.metadata(SWEEP[0]) is None
    with pytest.warns(CorruptResultWarning, match="damaged"):
        frame = load_results(tmp_path)
    assert set(frame["run"]) == {intact}
    assert _files(tmp_path, victim) == before  # reading deleted nothing
    with pytest.raises(StoreCorruption, match="is damaged"):
        store.curve(SWEEP[0])
    # a sweep recomputes the damaged run only, after moving its files to the quarantine
    untouched = _files(tmp_path, intact)
    with pytest.warns(CorruptResultWarning, match="moved to"):
        report = run_sweep(SWEEP[:2], tmp_path, device="cpu", progress=False)
    assert report.trained == (victim,) and report.skipped == (intact,)
    assert _files(tmp_path, intact) == untouched
    quarantined = {p.name.split(".")[1] for p in (tmp_path / "quarantine").iterdir()}
    assert quarantined == {name.split(".")[1] for name in before}
    assert ResultStore(tmp_path).has(SWEEP[0])


def test_swapped_files_fail_their_checksums(stored, tmp_path):
    source, (first, second) = stored
    for path in source.iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    a, b = tmp_path / f"{first}.parquet", tmp_path / f"{second}.parquet"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)  # same row counts: only the checksums tell
    store = ResultStore(tmp_path)
    for config in SWEEP[:2]:
        meta, problem = store.inspect(config)
        assert meta is None and "checksum" in problem


def test_runs_of_another_training_revision_are_listed_when_skipped(stored, tmp_path):
    source, (run_id, _) = stored
    meta = json.loads((source / f"{run_id}.json").read_text())
    meta["training_revision"] = 0
    (tmp_path / "0123456789abcdef.json").write_text(json.dumps(meta))
    with pytest.warns(CorruptResultWarning, match=r"stale runs \(1 of training revision 0\)"):
        assert ResultStore(tmp_path).load().empty
    with pytest.warns(CorruptResultWarning), pytest.raises(ValueError, match="none of the 1 runs"):
        load_results(tmp_path)


def test_files_get_the_users_permissions(stored):
    source, (run_id, _) = stored
    mask = os.umask(0)
    os.umask(mask)
    for path in source.glob(f"{run_id}.*"):
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_store_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)

    def full(_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("superdyn.verify.store.runs.os.fsync", full)
    trained = []
    monkeypatch.setattr("superdyn.verify.orchestrate.batch.train", lambda *a, **k: trained.append(1) or [])
    with pytest.raises(RunFailure, match="cannot be written: No space left on device"):
        run_sweep(SWEEP[:1], store, device="cpu", progress=False)
    assert not trained and not list(tmp_path.iterdir())


def test_a_lock_held_by_a_live_process_is_respected(tmp_path):
    store = ResultStore(tmp_path)
    lock = tmp_path / f"{SWEEP[0].run_id()}.lock"
    import socket

    lock.write_text(f"{socket.gethostname()} 1")  # pid 1 is alive
    report = run_sweep(SWEEP[:2], store, device="cpu", progress=False)
    assert report.busy == (SWEEP[0].run_id(),) and report.trained == (SWEEP[1].run_id(),)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    lock.write_text(f"{socket.gethostname()} {dead.stdout.strip()}")  # a finished process: stale
    report = run_sweep(SWEEP[:2], store, device="cpu", progress=False)
    assert report.trained == (SWEEP[0].run_id(),) and not lock.exists()


TWIN = """
import json, sys
from superdyn.verify.run.config import RunConfig
from superdyn.verify.orchestrate.sweep import run_sweep
configs = [RunConfig(model="superposition", n_features=64, width=16, steps=600, batch_size=256,
                     eval_samples=512, seed=seed) for seed in range(5)]
report = run_sweep(configs, sys.argv[1], device="cpu", max_batch=1, progress=False)
print(json.dumps(report.to_dict()))
"""


def test_two_concurrent_sweeps_never_train_a_run_twice(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", TWIN, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    reports = [json.loads(child.communicate(timeout=600)[0]) for child in children]
    first, second = (set(r["trained"]) for r in reports)
    assert not first & second  # no run trained by both
    assert first | second == {c.run_id() for c in SWEEP}
    assert not list(tmp_path.glob("*.lock"))


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


def test_load_results_reads_a_reproduction_folder_and_never_its_report_files(stored, tmp_path):
    source, run_ids = stored
    runs = tmp_path / "runs"
    runs.mkdir()
    for path in source.iterdir():
        if path.is_file():
            (runs / path.name).write_bytes(path.read_bytes())
    for name in ("claims.json", "manifest.json"):  # what `superdyn reproduce` writes beside runs/
        (tmp_path / name).write_text(json.dumps({"claims": [], "experiments": {}}))
    (runs / "claims.json").write_text("{}")  # a stray JSON inside the store is not a run either
    frame = load_results(tmp_path)  # filterwarnings=error: no "not a run's metadata" warning
    assert set(frame["run"]) == set(run_ids)
    assert frame["loss"].dtype == float and frame["t"].dtype == float
    assert set(load_results(runs)["run"]) == set(run_ids)


def test_a_folder_without_runs_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ValueError, match=r"no runs in .*runs/"):
        load_results(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(ValueError, match="no runs in"):
        load_results(tmp_path)


def test_a_failing_run_is_reported_and_the_others_go_on(tmp_path, monkeypatch, capsys):
    import superdyn.verify.orchestrate.batch

    real_train = superdyn.verify.orchestrate.batch.train

    def train_or_fail(configs, **kwargs):
        if any(c.seed == 1 for c in configs):
            raise RuntimeError("injected fault")
        return real_train(configs, **kwargs)

    monkeypatch.setattr(superdyn.verify.orchestrate.batch, "train", train_or_fail)
    with pytest.raises(RuntimeError, match="injected"):
        run_sweep(SWEEP[:3], tmp_path / "strict", device="cpu", progress=False)
    report = run_sweep(
        SWEEP[:3], tmp_path, device="cpu", max_batch=3, progress="runs", on_error="continue", label="demo"
    )
    bad = SWEEP[1].run_id()
    assert report.failed == ((bad, "RuntimeError: injected fault"),)
    assert set(report.trained) == {SWEEP[0].run_id(), SWEEP[2].run_id()}  # batch-mates retried alone
    err = capsys.readouterr().err
    assert f"demo: run {bad} failed: RuntimeError: injected fault" in err
    assert "demo: 3/3 runs" in err and "trained 2, failed 1, to go 0" in err
    again = run_sweep(SWEEP[:3], tmp_path, device="cpu", progress=False, on_error="continue")
    assert again.skipped == (SWEEP[0].run_id(), SWEEP[2].run_id()) and again.failed == (
        (bad, report.failed[0][1]),
    )
    with pytest.raises(ValueError, match="on_error"):
        run_sweep(SWEEP[:1], tmp_path, on_error="ignore")
