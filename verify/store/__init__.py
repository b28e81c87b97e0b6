"""Storing runs: the content-addressed result store (``runs``) and the reproduction manifest.

Depends on ``superdyn.verify.run`` only (a run's configuration names its files).
"""

from .runs import CorruptResultWarning, ResultStore
from .tables import load_results

__all__ = ["CorruptResultWarning", "ResultStore", "load_results"]
