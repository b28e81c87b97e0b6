"""The reproduction manifest: which experiments a reproduction directory holds, at which scale."""

from __future__ import annotations

import json
import time
from pathlib import Path

from superdyn.theory.errors import InvalidInput

from superdyn.jsonio import dumps_strict

from ..run.config import code_version
from .runs import _atomic_write

__all__ = ["MANIFEST", "atomic_text", "read_manifest", "update_manifest"]

MANIFEST = "manifest.json"


def atomic_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def read_manifest(directory) -> dict:
    """{experiment name: scale} of a reproduction directory."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise InvalidInput(
            f"{str(directory)!r} holds no {MANIFEST}; run `superdyn reproduce --out {directory}` first"
        )
    try:
        return dict(json.loads(path.read_text())["experiments"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path} is not a reproduction manifest ({type(exc).__name__}: {exc})") from None


def update_manifest(directory, names, scale: str, device: str) -> dict:
    """Record that ``names`` were run at ``scale`` (merged with what is there)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        experiments = read_manifest(directory)
    except ValueError:
        experiments = {}
    experiments.update({name: scale for name in names})
    body = {
        "experiments": experiments,
        "device": device,
        "superdyn": code_version(),
        "updated": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    atomic_text(directory / MANIFEST, dumps_strict(body, indent=1))
    return experiments
