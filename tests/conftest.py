"""Shared test configuration: hypothesis profiles and tolerances.

Profiles: ``ci`` (default, quick, derandomized so that a run is repeatable) and
``thorough`` (random, many examples; select with ``HYPOTHESIS_PROFILE=thorough``).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

DOCS = Path(__file__).resolve().parent.parent / "docs"

settings.register_profile(
    "ci", max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    """Print how many inputs the fuzz suite tried and how each was answered."""
    fuzzing = sys.modules.get("fuzzing")
    if fuzzing is None or not fuzzing.OUTCOMES:
        return
    outcomes = fuzzing.OUTCOMES
    results = sum(c["result"] for c in outcomes.values())
    refused = sum(c["refused"] for c in outcomes.values())
    terminalreporter.write_sep("-", "fuzz summary")
    terminalreporter.write_line(
        f"{results + refused} calls over {len(outcomes)} public callables held: {results} finite results, "
        f"{refused} ValueErrors naming the parameter"
    )
    for case in sorted(outcomes):
        c = outcomes[case]
        terminalreporter.write_line(f"  {case:<34} {c['result']:>6} results {c['refused']:>6} refused")


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory):
    """The HTML documentation, built once with warnings as errors: (returncode, stderr, directory)."""
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode, result.stderr, out
