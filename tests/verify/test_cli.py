"""The console script end to end (a real subprocess through the installed entry point)."""

import json
import shutil
import subprocess
import sys

import pytest
from superdyn.theory import alpha_power_law
from superdyn.verify.experiments import plan

SCRIPT = shutil.which("superdyn")


def run(*args, timeout=120, cwd=None):
    command = [SCRIPT, *args] if SCRIPT else [sys.executable, "-m", "superdyn.verify.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_exponents_table_json():
    result = run("exponents", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    row = next(r for r in rows if r["class"] == "power-law" and r["a"] == 1.1 and r["b"] == 0.0)
    assert row["alpha"] == pytest.approx(alpha_power_law(1.1))
    # the finite-N cutoff makes N = 1024 look far steeper than 1/11 on [1e3, 1e4]
    assert 0.6 < row["alpha_N1024"] < 0.8


def test_exponent_and_error_exit():
    ok = run("exponent", "exponential", "--a", "0.5", "--json")
    assert json.loads(ok.stdout)["log_power"] == pytest.approx(1.0)
    bad = run("exponent", "power-law", "--a", "0.8", "--b", "0.05")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "superdyn: error: a power law needs a + 2b > 1, got a=0.8, b=0.05"


def test_derive_latex_and_json():
    result = run("derive", "--rate", "exp(-kappa*z**a)", "--weight", "exp(-kappa*z**a)/2", "--json")
    assert result.returncode == 0, result.stderr
    law = json.loads(result.stdout)
    assert law["alpha"] == "1" and law["log_power"] == "(1 - a)/a"
    latex = run("derive", "--rate", "(N - z)**2", "--weight", "(N - z)**2", "--edge", "N", "--latex")
    assert "\\frac{3}{2}" in latex.stdout


TRAIN = (
    "train",
    "--model",
    "superposition",
    "--features",
    "64",
    "--width",
    "16",
    "--steps",
    "200",
    "--batch-size",
    "128",
    "--eval-samples",
    "512",
    "--device",
    "cpu",
    "--quiet",
)


def test_train_prints_a_summary_and_resumes(tmp_path):
    first = run(*TRAIN, "--seeds", "0", "1", "--out", str(tmp_path))
    assert first.returncode == 0, first.stderr
    runs = json.loads(first.stdout)["runs"]
    assert [r["seed"] for r in runs] == [0, 1]
    for r in runs:
        assert r["status"] == "completed" and r["trained_now"] and r["final_loss"] > 0
        assert r["samples_per_second"] > 0 and r["wall_seconds"] > 0
        assert r["loss_measure"] == "evaluation set of 512 samples"
    second = json.loads(run(*TRAIN, "--seeds", "1", "2", "--out", str(tmp_path)).stdout)["runs"]
    assert [r["trained_now"] for r in second] == [False, True]
    assert second[0]["final_loss"] == runs[1]["final_loss"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--width", "128"), "width must be <= n_features=64"),
        (("--lr", "0"), "lr must be > 0"),
        (("--batch-size", "0"), "batch_size must be >= 1"),
        (("--width", "0"), "width must be >= 1"),
    ],
)
def test_train_rejects_bad_input_before_training(tmp_path, extra, message):
    result = run(*TRAIN, *extra, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_train_takes_the_read_out_and_measures_the_linear_one_exactly(tmp_path):
    result = run(*TRAIN, "--readout", "linear", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    (record,) = json.loads(result.stdout)["runs"]
    assert record["loss_measure"] == "population" and record["status"] == "completed"
    refused = run(
        "train", "--model", "linear", "--features", "16", "--readout", "relu", "--out", str(tmp_path)
    )
    assert refused.returncode == 2 and "readout='relu' has no effect with the linear model" in refused.stderr


def test_train_rejects_a_file_as_store_and_unknown_models(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = run(*TRAIN, "--out", str(target))
    assert result.returncode == 2 and "is a file" in result.stderr
    unknown = run("train", "--model", "mlp")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_claims_lists_the_preregistered_claims_without_training(tmp_path):
    from superdyn.verify.experiments import at_scale, declared_claims

    result = run("claims", "--scale", "quick", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    declared = declared_claims(at_scale("quick"), "quick")
    assert [(c["experiment"], c["key"]) for c in listed] == [(s.experiment, s.key) for s in declared]
    assert all(c["criterion"] and (c["paper"] is None) != (c["threshold"] is None) for c in listed)
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written
    text = run("claims", "fig13", "--scale", "medium")
    assert text.returncode == 0 and "beta: The final plateau loss scales as K^-beta" in text.stdout
    assert "against the paper's 1.3" in text.stdout and "1 claims pre-registered" in text.stdout
    assert run("claims", "fig99").returncode == 2


def test_reproduce_and_report_through_the_console_script(tmp_path):
    out = tmp_path / "repro"
    result = run("reproduce", "fig10", "fig11", "--scale", "tiny", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["experiments"] == ["fig10", "fig11"] and summary["trained"] == 0
    assert sum(summary["verdicts"].values()) == 7  # five classes and two Fig. 11 fits
    assert (out / "report.html").exists() and (out / "figures" / "fig11.png").exists()
    again = run("report", str(out))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["verdicts"] == summary["verdicts"]
    listing = run("reproduce", "--list")
    assert "liu-width" in listing.stdout and "fig14" in listing.stdout


def test_curve_writes_the_exact_loss(tmp_path):
    path = tmp_path / "curve.csv"
    result = run(
        "curve",
        "power-law",
        "--a",
        "1.5",
        "--features",
        "1000000000000",
        "--t-min",
        "1e3",
        "--t-max",
        "1e4",
        "--points",
        "11",
        "--out",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    import pandas as pd

    frame = pd.read_csv(path)
    assert list(frame.columns[:3]) == ["t", "loss", "local_exponent"] and len(frame) == 11
    assert frame["local_exponent"].to_numpy() == pytest.approx(1 / 3, abs=0.01)  # N = 1e12: no cutoff
    assert (frame["relative_error"] < 1e-8).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("reproduce", "fig99", "--scale", "tiny"), "unknown experiment 'fig99'"),
        (("report", "/nonexistent/dir"), "holds no manifest.json"),
        (("curve", "power-law", "--a", "1.1", "--t-min", "0"), "need 0 < --t-min < --t-max"),
        (("curve", "algebraic", "--a", "1", "--out", "x.txt"), "--out must end in .csv or .parquet"),
        (("curve", "power-law", "--a", "1.1", "--b", "nan"), "b must be finite"),
        (("reproduce", "fig11", "--scale", "tiny", "--out", "/dev/null"), "cannot be created"),
        (("report", "/dev/null"), "holds no manifest.json"),
        (("derive", "--rate", "[z]", "--weight", "z"), "refused: the construct List"),
        (
            ("derive", "--rate", "z**-2", "--weight", "z**-3", "--timeout", "inf"),
            "--timeout must be a finite",
        ),
        (("exponent", "power-law", "--a", "1e-310", "--b", "1", "--json"), "overflows float64 for a=1e-310"),
        (
            ("curve", "power-law", "--a", "1.5", "--lr", "30", "--batch-size", "1"),
            "lr=30 is at or beyond the stability",
        ),
        (
            ("curve", "power-law", "--a", "1.5", "--lr", "1", "--batch-size", "x"),
            "--batch-size must be a whole",
        ),
        (("curve", "power-law", "--a", "1.5", "--lr", "1"), "needs both --lr and --batch-size"),
        # argument errors: one line naming the argument, not the usage block
        (("curve", "power-law", "--a", "x"), "superdyn curve: error: argument --a: invalid float value: 'x'"),
        (("exponent", "power-law"), "the following arguments are required: --a"),
        (("train", "--features"), "argument --features: expected one argument"),
        (("nope",), "argument command: invalid choice: 'nope'"),
    ],
)
def test_command_errors_are_one_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_reproduce_on_the_ray_engine(tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "repro"
    # starting a Ray instance takes seconds on an idle machine, minutes on a loaded one
    result = run(
        "reproduce", "fig3", "--scale", "tiny", "--engine", "ray", "--out", str(out), "--quiet", timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    runs = len(plan(["fig3"], "tiny"))
    assert summary["device"] == "ray (auto)" and summary["trained"] == runs
    assert len(list((out / "runs").glob("*.parquet"))) == runs


def test_curve_gives_the_exact_sgd_expectation():
    import io

    import numpy as np
    import pandas as pd
    from superdyn.numerics import sgd_loss
    from superdyn.theory import PowerLaw, Task

    args = (
        "curve",
        "power-law",
        "--a",
        "1.5",
        "--b",
        "0.25",
        "--features",
        "64",
        "--t-min",
        "15",
        "--t-max",
        "1500",
        "--points",
        "3",
        "--lr",
        "1.5",
        "--batch-size",
        "1",
    )
    result = run(*args)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout))
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    expected = sgd_loss(task, [15.0, 150.0, 1500.0], lr=1.5, batch_size=1)
    assert np.allclose(frame["loss"], expected.loss, rtol=1e-10)


THEORY_ONLY = """
import sys
import superdyn.verify.cli
from superdyn.verify.cli import main
assert main({argv}) == 0
heavy = ("torch", "superdyn.verify.run.trainer", "superdyn.verify.experiments", "superdyn.verify.store")
heavy = sorted(m for m in heavy if m in sys.modules)
print("HEAVY", heavy)
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["exponent", "power-law", "--a", "1.1", "--b", "0.25"],
        ["exponents", "--json"],
        ["derive", "--rate", "z**-2", "--weight", "z**-3"],
        ["curve", "power-law", "--a", "1.5", "--points", "3"],
    ],
)
def test_theory_commands_never_import_torch_or_the_experiments(argv):
    code = THEORY_ONLY.format(argv=argv)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout[-500:]


def test_the_lazy_package_still_exposes_its_public_names():
    code = "import verify, sys; [getattr(verify, n) for n in verify.__all__]; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "True", result.stderr
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        from superdyn import verify

        verify.nope  # noqa: B018


def test_reproduce_prints_one_progress_line_per_experiment(tmp_path):
    result = run("reproduce", "fig3", "fig11", "--scale", "tiny", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    total = len(plan(["fig3"], "tiny"))
    assert (
        f"fig3: {total}/{total} runs" in result.stderr
        and f"trained {total}, failed 0, to go 0" in result.stderr
    )
    assert "fig11: 0/0 runs" in result.stderr
    assert json.loads(result.stdout)["failed"] == []
    again = run("reproduce", "fig3", "--scale", "tiny", "--out", str(tmp_path))
    assert f"stored {total}, trained 0" in again.stderr


def test_a_derivation_that_fails_exits_3():
    result = run("derive", "--rate", "z**-2", "--weight", "z**2")
    assert result.returncode == 3 and result.stderr.count("\n") == 1 and "no law" in result.stderr


@pytest.mark.parametrize(
    "layer, kind, status",
    [
        ("theory", "InvalidInput", 2),
        ("theory", "DerivationError", 3),
        ("verify", "RunFailure", 4),
        ("verify", "MissingRun", 4),
        ("verify", "StoreCorruption", 5),
        ("verify", "RunsBusy", 7),
    ],
)
def test_each_kind_of_failure_has_its_exit_status(layer, kind, status, monkeypatch, capsys):
    import importlib

    from superdyn.verify import cli

    def fail(args):
        raise getattr(importlib.import_module(f"superdyn.{layer}.errors"), kind)(f"a {kind}")

    monkeypatch.setattr(cli, "_cmd_exponent", fail)
    assert cli.main(["exponent", "power-law", "--a", "2"]) == status
    assert capsys.readouterr().err == f"superdyn: error: a {kind}\n"
    monkeypatch.setattr(cli, "_cmd_exponent", lambda args: int("x"))  # a plain ValueError: bad input
    assert cli.main(["exponent", "power-law", "--a", "2"]) == 2


def test_reproduce_refuses_an_experiment_without_the_scale(tmp_path, capsys):
    from superdyn.verify import cli

    assert cli.main(["reproduce", "fig3", "--scale", "medium", "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err == (
        "superdyn: error: experiment 'fig3' has no 'medium' scale; it runs at tiny, quick, paper\n"
    )
    assert not (tmp_path / "r" / "manifest.json").exists()
