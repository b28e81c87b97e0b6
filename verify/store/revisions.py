"""Training revisions of stored runs: which runs are current, which are stale.

A run's id hashes its configuration and the training revision
(:data:`~superdyn.verify.run.config.TRAINING_REVISION`). A run stored by another revision is
*stale*: nothing reuses it, a sweep that asks for its configuration retrains it (and counts
it), and :func:`survey` (``superdyn runs``) lists it. Runs of superdyn 0.3.0 and older record
no revision; they are stale too.
"""

from __future__ import annotations

import json

from ..run.config import TRAINING_REVISION, RunConfig

__all__ = ["describe_revision", "stale_runs", "stored_revision", "survey"]


def _config_key(config: dict) -> str:
    return json.dumps(config, sort_keys=True)


def stored_revision(meta: dict):
    """The training revision a run's metadata records (None for runs of superdyn 0.3.0 and older)."""
    revision = meta.get("training_revision")
    if revision is None:
        versions = meta.get("versions")
        version = versions.get("superdyn") if isinstance(versions, dict) else None
        return f"none (superdyn {version})" if version else None
    return revision


def describe_revision(revision) -> str:
    """``training revision 1``, or ``no training revision (superdyn 0.3.0)`` for older runs."""
    if isinstance(revision, str) and revision.startswith("none"):
        return "no training revision" + revision[4:]
    return f"training revision {revision}"


def survey(store, check: bool = True) -> list[dict]:
    """Every run's metadata file in ``store`` (a ResultStore): run id, config, status, revision and its state.

    ``state`` is ``"current"`` (intact, this training revision), ``"stale"`` (another
    revision: never reused, retrained by the next sweep that asks for it) or ``"damaged"``
    (with ``problem``). Nothing is changed on disk. ``check=False`` skips the checksums of the
    current runs (their state is then "current" unchecked), for callers that want the stale ones.
    """
    rows = []
    for meta_path in store.metadata_files():
        row = {
            "run": meta_path.stem,
            "config": None,
            "status": None,
            "revision": None,
            "state": "damaged",
            "problem": "",
        }
        try:
            meta = json.loads(meta_path.read_text())
            config = RunConfig.from_dict(meta["config"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            row["problem"] = f"its metadata does not read ({type(exc).__name__})"
            rows.append(row)
            continue
        row.update(config=config.to_dict(), status=meta.get("status"), revision=stored_revision(meta))
        if row["revision"] != TRAINING_REVISION:
            row["state"] = "stale"
        elif not check:
            row["state"] = "current"
        else:
            meta, problem = store.inspect(config) if config.run_id() == meta_path.stem else (None, "")
            row["problem"] = problem or ("" if meta else "its stored config does not match its run id")
            row["state"] = "current" if meta is not None else "damaged"
        rows.append(row)
    return rows


def stale_runs(store, configs) -> dict:
    """{run id now: (stale run id, its revision)} for each config that is stored only stale."""
    wanted = {_config_key(c.to_dict()): c for c in configs if store.inspect(c)[0] is None}
    found = {}
    if not wanted:
        return found
    for row in survey(store, check=False):
        if row["state"] == "stale":
            config = wanted.get(_config_key(row["config"]))
            if config is not None:
                found[config.run_id()] = (row["run"], row["revision"])
    return found
