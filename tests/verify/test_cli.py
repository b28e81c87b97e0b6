"""The console script end to end (a real subprocess through the installed entry point)."""

import json
import shutil
import subprocess
import sys

import pytest

from theory import alpha_power_law

SCRIPT = shutil.which("superdyn")


def run(*args):
    command = [SCRIPT, *args] if SCRIPT else [sys.executable, "-m", "verify.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


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
