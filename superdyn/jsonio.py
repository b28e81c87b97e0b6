"""Strict JSON: what superdyn writes parses with any JSON parser.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON (JavaScript's
``JSON.parse`` and ``jq`` reject them). Here a non-finite float becomes ``null``; where the
reason matters, the writer puts it in a neighbouring field (a claim's ``undecided`` or
``explanation``, a run's ``reason``).
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["dumps_strict", "strict"]


def strict(value):
    """``value`` with every non-finite float (NaN, inf) replaced by None, numpy scalars as Python's."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    if isinstance(value, np.ndarray):
        return [strict(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps_strict(value, **options) -> str:
    """``json.dumps`` of :func:`strict` (``value``), refusing anything non-finite that is left."""
    default = options.pop("default", None)
    if default is not None:  # objects json cannot encode go through ``default`` first, then strict
        return json.dumps(strict(json.loads(json.dumps(value, default=default))), allow_nan=False, **options)
    return json.dumps(strict(value), allow_nan=False, **options)
