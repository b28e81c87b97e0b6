"""Constant profile f(z) = 1.

As a channel profile it is the paper's default teacher A = I (b = 0); as a frequency
profile it gives uniform p_i = E/N, the isotropic reference of Appendix A.2.3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..validate import check_count
from .base import Profile

__all__ = ["Constant"]


@dataclass(frozen=True)
class Constant(Profile):
    """f(z) = 1.

    Examples
    --------
    >>> Constant().partial_sum(10**12)
    1000000000000.0
    """

    name = "constant"

    def expr(self, z, n_features=None):
        return sp.Integer(1)

    def _values(self, index, n_features=None):
        return np.ones_like(np.asarray(index, dtype=np.float64))

    def partial_sum(self, n, n_features=None):
        return float(check_count("n", n))
