"""Theory against a user's own runs: superdyn.verify.present.plots.compare and `superdyn plot` on a
stored sweep."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from superdyn.numerics import exact_loss, linear_superposition, sgd_loss
from superdyn.verify import RunConfig, load_results, run_sweep
from superdyn.verify.present.plots import compare
from superdyn.verify.present.plots.compare import group_runs
from superdyn.verify.run.models.superposition import run_embedding

LINEAR = [
    RunConfig(
        model="linear",
        n_features=32,
        width=32,
        a=a,
        lr=0.5,
        batch_size=64,
        steps=300,
        eval_samples=1024,
        seed=s,
    )
    for a in (1.5, 2.0)
    for s in (0, 1)
]
SUPERPOSITION = [
    RunConfig(
        model="superposition",
        n_features=32,
        width=8,
        a=1.5,
        b=b,
        lr=0.5,
        batch_size=64,
        steps=300,
        eval_samples=1024,
        seed=s,
    )
    for b in (0.0, 0.5)
    for s in (0, 1)
]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    store = tmp_path_factory.mktemp("sweep")
    run_sweep(LINEAR + SUPERPOSITION, store, device="cpu", progress=False)
    return store


def _lines(ax, style):
    return [line for line in ax.get_lines() if line.get_linestyle() == style and len(line.get_xdata())]


def test_runs_are_grouped_over_seeds(sweep):
    groups = group_runs(load_results(sweep))
    assert len(groups) == 4 and all(len(curves) == 2 for _, curves in groups)
    assert {(c.model, c.a, c.b) for c, _ in groups} == {
        ("linear", 1.5, 0.0),
        ("linear", 2.0, 0.0),
        ("superposition", 1.5, 0.0),
        ("superposition", 1.5, 0.5),
    }


def test_compare_overlays_each_configuration_with_its_own_theory(sweep):
    fig = compare(sweep, theory=True)
    linear, sup = fig.axes[:2]
    assert linear.get_title().startswith("linear") and sup.get_title().startswith("superposition")
    measured, theory = _lines(linear, "-"), _lines(linear, "--")
    assert len(measured) == 2 and len(theory) == 2
    for line, expected_a, own in zip(measured, (1.5, 2.0), theory, strict=True):
        assert line.get_label().startswith(f"a={expected_a:g}: $\\alpha$ = ") and "±" in line.get_label()
        assert line.get_color() == own.get_color()  # the theory takes its run's colour
        config = next(c for c in LINEAR if c.a == expected_a)
        t = own.get_xdata()
        assert np.allclose(own.get_ydata(), sgd_loss(config.task, t, lr=0.5, batch_size=64).loss, rtol=1e-12)
    assert measured[0].get_color() != measured[1].get_color()
    # superposition: the linear-superposition loss for the run's own W, and the no-superposition loss
    own, other = _lines(sup, "--"), _lines(sup, "-.")
    assert len(own) == 2 and len(other) == 2
    config = next(c for c in SUPERPOSITION if c.b == 0.5 and c.seed == 0)
    t = own[1].get_xdata()
    assert np.allclose(own[1].get_ydata(), linear_superposition(config.task, run_embedding(config), t).loss)
    assert np.allclose(other[1].get_ydata(), exact_loss(config.task, t).loss)
    labels = [text.get_text() for text in sup.get_legend().get_texts()]
    assert labels[0].startswith("b=0:") and "linear superposition, same W (exact)" in labels
    assert [t.get_text() for t in linear.get_legend().get_texts()][
        -1
    ] == "exact SGD theory at the run's lr, batch"
    plain = compare(load_results(sweep), theory=False)
    assert not _lines(plain.axes[0], "--") and len(_lines(plain.axes[0], "-")) == 2


def test_the_legend_names_the_theory_each_run_got(tmp_path):
    # AdamW has no SGD theory: its run falls back to gradient flow, and the legend says so
    adamw = LINEAR[0].replace(optimizer="adamw", lr=0.01, steps=100)
    run_sweep([LINEAR[0].replace(steps=100), adamw], tmp_path, device="cpu", progress=False)
    fig = compare(tmp_path, theory=True, by="optimizer")
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert set(labels[-2:]) == {"exact SGD theory at the run's lr, batch", "gradient-flow theory (exact)"}


def test_runs_with_and_without_a_later_field_are_plotted_each_with_its_theory(tmp_path):
    # a run stored with readout at its default has no "readout" in its dict; beside a linear read-out
    # run it is still the paper's read-out, and the linear one is drawn against its exact solver
    default = SUPERPOSITION[0].replace(steps=100)
    linear = default.replace(readout="linear")
    run_sweep([default, linear], tmp_path, device="cpu", progress=False)
    assert sorted(c.readout for c, _ in group_runs(load_results(tmp_path))) == ["linear", "relu_bias"]
    fig = compare(tmp_path, theory=True, by="readout")
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "exact linear superposition at the run's lr, same W" in labels


def test_the_regenerated_embedding_is_the_trained_one(sweep):
    from superdyn.verify.store import ResultStore

    store = ResultStore(sweep)
    for config in SUPERPOSITION:
        stored = store.arrays(config.run_id())["frame_spectrum"]
        w = run_embedding(config)
        assert np.allclose(np.linalg.eigvalsh(w @ w.T), stored, rtol=1e-5, atol=1e-6)


def test_compare_rejects_bad_input(sweep, tmp_path):
    with pytest.raises(ValueError, match="by must be a RunConfig field"):
        compare(sweep, by="colour")
    with pytest.raises(ValueError, match="no runs in"):
        compare(tmp_path)


def test_superdyn_plot_writes_the_figure(sweep, tmp_path):
    script = shutil.which("superdyn")
    command = [script] if script else [sys.executable, "-m", "superdyn.verify.cli"]
    out = tmp_path / "fig.pdf"
    result = subprocess.run(
        [*command, "plot", str(sweep), "--theory", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary == {"out": str(out), "runs": 8, "models": ["linear", "superposition"]}
    assert out.read_bytes()[:5] == b"%PDF-" and not out.with_suffix(".png").exists()
    empty = subprocess.run(
        [*command, "plot", str(tmp_path), "--out", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1 and "no runs in" in empty.stderr
