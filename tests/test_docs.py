"""The documentation builds with warnings as errors (its examples run as doctests of docs/*.md)."""

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_sphinx_builds_without_warnings(tmp_path):
    # sphinx, myst-parser and sphinx-argparse are in the test extra: no skip, so the docs cannot rot
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    html = (tmp_path / "api.html").read_text()
    for name in ("exact_loss", "derive", "reproduce", "measure_exponent", "Claim"):
        assert name in html, name
    assert "superdyn reproduce" in (tmp_path / "cli.html").read_text()
