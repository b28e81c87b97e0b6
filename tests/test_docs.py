"""The documentation builds with warnings as errors (its examples run as doctests of docs/*.md)."""


def test_sphinx_builds_without_warnings(built_docs):
    # sphinx, myst-parser and sphinx-argparse are in the test extra: no skip, so the docs cannot rot
    returncode, stderr, tmp_path = built_docs
    assert returncode == 0, stderr[-4000:]
    html = (tmp_path / "api.html").read_text()
    for name in ("exact_loss", "derive", "reproduce", "measure_exponent", "Claim"):
        assert name in html, name
    assert "superdyn reproduce" in (tmp_path / "cli.html").read_text()
    # the math renderer ships with the pages (no CDN): see tests/test_browser.py for it at work
    assert (tmp_path / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "cdn.jsdelivr" not in (tmp_path / "derivations" / "sgd.html").read_text()
