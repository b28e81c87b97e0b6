"""superdyn.theory.testing composes: a user's test with default arguments is green on every task
that ``tasks()`` draws, and a planted wrong law fails on every one (thousands of examples, slow tier)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).with_name("user_suite") / "user_test_laws.py"


def _run_user_suite(tmp_path, examples: int) -> subprocess.CompletedProcess:
    """pytest on a copy of the user's file, from an empty directory outside the checkout."""
    shutil.copy(SUITE, tmp_path / "test_user_laws.py")
    env = {**os.environ, "EXAMPLES": str(examples)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            "test_user_laws.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=5400,
    )


def test_a_users_default_test_passes_a_few_examples(tmp_path):
    result = _run_user_suite(tmp_path, examples=25)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


@pytest.mark.slow
def test_a_users_default_test_passes_thousands_of_examples(tmp_path):
    result = _run_user_suite(tmp_path, examples=2000)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
