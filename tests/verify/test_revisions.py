"""Stored runs never go stale silently: the training revision in every run id, and metadata that
cannot be edited unnoticed."""

import json

import pytest
import superdyn.verify.run.config as config_module
import superdyn.verify.store.runs as runs_module
from superdyn.verify.cli import main
from superdyn.verify.orchestrate.sweep import run_sweep
from superdyn.verify.run.config import TRAINING_REVISION, RunConfig
from superdyn.verify.store import CorruptResultWarning, ResultStore, load_results
from superdyn.verify.store.revisions import stale_runs, survey

CONFIGS = [
    RunConfig(model="linear", n_features=16, width=16, steps=20, batch_size=32, seed=s) for s in (0, 1)
]


def _train_as_revision(revision, directory, monkeypatch):
    """Store CONFIGS as the training code of another revision would have."""
    with monkeypatch.context() as patch:
        patch.setattr(config_module, "TRAINING_REVISION", revision)
        patch.setattr(runs_module, "TRAINING_REVISION", revision)
        return run_sweep(CONFIGS, directory, device="cpu", progress=False)


def test_a_run_of_another_revision_is_stale_and_retrained(tmp_path, monkeypatch, capsys):
    old = _train_as_revision(TRAINING_REVISION - 1, tmp_path, monkeypatch)
    assert len(old.trained) == 2 and not set(old.trained) & {c.run_id() for c in CONFIGS}
    store = ResultStore(tmp_path)
    assert all(store.inspect(c) == (None, "") for c in CONFIGS)  # not reused: absent under today's id
    assert [row["state"] for row in survey(store)] == ["stale", "stale"]
    assert set(stale_runs(store, CONFIGS)) == {c.run_id() for c in CONFIGS}
    with pytest.warns(CorruptResultWarning, match=rf"2 of training revision {TRAINING_REVISION - 1}"):
        assert store.load().empty
    # a sweep retrains them, says how many, and keeps the stale files (nothing is deleted)
    report = run_sweep(CONFIGS, tmp_path, device="cpu", progress="runs", label="demo")
    assert set(report.trained) == {c.run_id() for c in CONFIGS}
    assert {new for new, _ in report.stale} == set(report.trained)
    assert {old_id for _, old_id in report.stale} == set(old.trained)
    assert "demo: 2 stored run(s) are stale" in capsys.readouterr().err
    states = sorted(row["state"] for row in survey(store))
    assert states == ["current", "current", "stale", "stale"]
    with pytest.warns(CorruptResultWarning, match="skipped stale runs"):
        assert set(load_results(tmp_path)["run"]) == set(report.trained)


def test_superdyn_runs_lists_current_and_stale_runs(tmp_path, monkeypatch, capsys):
    _train_as_revision(TRAINING_REVISION - 1, tmp_path, monkeypatch)
    run_sweep(CONFIGS[:1], tmp_path, device="cpu", progress=False)
    assert main(["runs", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "3 runs" in text and "1 current, 2 stale, 0 damaged" in text
    assert text.count(f"training revision {TRAINING_REVISION - 1}") == 2
    assert main(["runs", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["counts"] == {"current": 1, "stale": 2, "damaged": 0}


def test_runs_of_superdyn_0_3_are_stale(tmp_path):
    (record,) = run_sweep(CONFIGS[:1], tmp_path, device="cpu", progress=False).trained
    path = tmp_path / f"{record}.json"
    meta = json.loads(path.read_text())
    del meta["training_revision"], meta["meta_checksum"]  # what 0.3.0 wrote
    meta["versions"]["superdyn"] = "0.3.0"
    (tmp_path / "0123456789abcdef.json").write_text(json.dumps(meta))
    path.unlink()
    (row,) = survey(ResultStore(tmp_path))
    assert row["state"] == "stale" and row["revision"] == "none (superdyn 0.3.0)"


@pytest.mark.parametrize(
    ("field", "value"), [("final_loss", 0.5), ("status", "diverged"), ("samples_per_second", 1.0)]
)
def test_edited_metadata_is_damage(tmp_path, field, value):
    (run_id,) = run_sweep(CONFIGS[:1], tmp_path, device="cpu", progress=False).trained
    path = tmp_path / f"{run_id}.json"
    meta = json.loads(path.read_text())
    meta[field] = value
    path.write_text(json.dumps(meta))
    store = ResultStore(tmp_path)
    meta, problem = store.inspect(CONFIGS[0])
    assert meta is None and "does not match its checksum" in problem
    # the next sweep quarantines and recomputes it: the truth comes back
    with pytest.warns(CorruptResultWarning, match="moved to"):
        report = run_sweep(CONFIGS[:1], tmp_path, device="cpu", progress=False)
    assert report.trained == (run_id,)
    assert json.loads(path.read_text())[field] != value
