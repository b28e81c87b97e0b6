"""The claims report of a reproduction directory, computed from its stored runs.

``write_report(directory)`` reads ``directory/manifest.json`` (which experiments, at which
scale), analyses each from the runs in ``directory/runs``, saves the figures (PNG and PDF)
in ``directory/figures`` and writes ``report.md``, ``report.html`` (figures embedded) and
``claims.json``. The pages are rendered by :mod:`superdyn.verify.present.pages`; verdicts come from
:class:`superdyn.verify.analyse.claims.Claim`.
"""

from __future__ import annotations

from pathlib import Path

from superdyn.theory.errors import InvalidInput

from superdyn.jsonio import dumps_strict

from .analyse.claims import Analysis
from .experiments import get_experiment
from .experiments.base import StoredRuns
from .present.pages import format_value, report_pages
from .present.plots import save
from .run.config import TRAINING_REVISION, code_version
from .store.manifest import MANIFEST, atomic_text, read_manifest, update_manifest
from .store.revisions import survey
from .store.runs import ResultStore

__all__ = ["MANIFEST", "build_report", "read_manifest", "update_manifest", "write_report"]


def build_report(directory) -> list:
    """[(experiment, scale, Analysis or the error text)] for every experiment in the manifest."""
    manifest = read_manifest(directory)  # a directory without one (or a file) fails here, clearly
    results = StoredRuns(Path(directory) / "runs")
    out = []
    for name, scale in manifest.items():
        experiment = get_experiment(name)
        try:
            out.append((experiment, scale, experiment.evaluate(results, scale)))
        except ValueError as exc:  # a run missing from the store, a fit that cannot be made
            out.append((experiment, scale, f"could not be analysed: {exc}"))
    return out


def write_report(directory) -> dict:
    """Analyse every experiment of ``directory`` and write the report; return the paths written.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from superdyn.verify import reproduce
    >>> out = tempfile.mkdtemp()
    >>> _ = reproduce(["fig11"], scale="tiny", out=out, progress=False)
    >>> paths = write_report(out)  # again, from the stored results
    >>> claims = json.loads(pathlib.Path(paths["claims"]).read_text())["claims"]
    >>> [c["key"] for c in claims]
    ['exponential', 'linear']
    """
    directory = Path(directory)
    for name in ("figures", "report.md", "report.html", "claims.json"):
        path = directory / name
        if path.exists() and (path.is_dir() != (name == "figures")):
            kind = "a file" if name == "figures" else "a directory"
            raise InvalidInput(f"{path} is {kind}; the report writes {name} there: move it away")
    entries = build_report(directory)
    for _, _, analysis in entries:
        if isinstance(analysis, Analysis):
            for stem, figure in analysis.figures.items():
                save(figure, directory / "figures" / stem)
    provenance = {
        "training_revision": TRAINING_REVISION,
        "superdyn": code_version(),
        "stale_runs": sum(
            row["state"] == "stale" for row in survey(ResultStore(directory / "runs"), check=False)
        ),
    }
    markdown, page = report_pages(entries, directory, provenance)
    paths = {
        "markdown": directory / "report.md",
        "html": directory / "report.html",
        "claims": directory / "claims.json",
    }
    atomic_text(paths["markdown"], markdown)
    atomic_text(paths["html"], page)
    claims = [c.to_dict() for _, _, a in entries if isinstance(a, Analysis) for c in a.claims]
    atomic_text(
        paths["claims"], dumps_strict({**provenance, "claims": claims}, indent=1, default=format_value)
    )
    return {k: str(v) for k, v in paths.items()}
