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


def strict(value, default=None):
    """``value`` with every non-finite float (NaN, inf) replaced by None.

    An object JSON cannot hold goes through ``default`` when one is given (as in ``json.dumps``);
    without one, numpy scalars and arrays become Python numbers and lists.
    """
    if isinstance(value, dict):
        return {k: strict(v, default) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v, default) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float):
        return value
    if default is not None:
        return strict(default(value), default)
    if isinstance(value, np.ndarray):
        return strict(value.tolist())
    if isinstance(value, np.generic):
        return strict(value.item())
    return value


def dumps_strict(value, default=None, **options) -> str:
    """``json.dumps`` of :func:`strict` (``value``), refusing anything non-finite that is left."""
    return json.dumps(strict(value, default), allow_nan=False, **options)
