"""Algebraic-edge profile f(z) = (z* - z)^a for z < z* (paper Appendix A.1.4).

Frequencies that vanish at a finite edge z*; the paper's "linear" profile
p_i ∝ N - i is a = 1 with z* = N. The no-superposition loss decays as
t^-(1 + 1/a) (paper Eq. 20), whatever the channel decay b.

With ``edge=None`` the edge is the Task's N. The partial sum
S(n) = sum_{j<n} (z* - n + j)^a takes the terms next to the edge one by one and the
smooth rest by Euler-Maclaurin, so any n up to 1e12 costs milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import InvalidInput
from ..validate import check_count, check_real
from ._sums import euler_maclaurin_sum
from .base import DIRECT_SUM_LIMIT, Profile

__all__ = ["AlgebraicEdge"]

#: The largest edge power a (2^1024 already leaves float64).
MAX_POWER = 1024.0


@dataclass(frozen=True)
class AlgebraicEdge(Profile):
    """f(z) = (z* - z)^a for z < z*, 0 beyond, with a > 0 and z* > 1.

    Parameters
    ----------
    a : float
        Power of the edge, in (0, MAX_POWER]: beyond, (z* - z)^a leaves float64 for any edge past
        2, and the sum's quadrature would raise numbers to an integer power of hundreds of digits.
    edge_at : float or None
        Position z* of the edge; ``None`` means z* = N, the Task's size.

    Examples
    --------
    >>> AlgebraicEdge(1.0).normalised(4).tolist()
    [0.5, 0.3333333333333333, 0.16666666666666666, 0.0]
    """

    a: float
    edge_at: float | None = None

    name = "algebraic-edge"

    def __post_init__(self):
        object.__setattr__(self, "a", check_real("a", self.a, lower=0.0, lower_open=True, upper=MAX_POWER))
        if self.edge_at is not None:
            value = check_real("edge_at", self.edge_at, lower=1.0, lower_open=True)
            object.__setattr__(self, "edge_at", value)

    def edge(self, n_features=None):
        if self.edge_at is not None:
            return sp.nsimplify(self.edge_at)
        if n_features is None:
            return sp.Symbol("N", positive=True)
        return sp.Integer(check_count("n_features", n_features))

    def _edge_value(self, n_features) -> float:
        if self.edge_at is not None:
            return self.edge_at
        if n_features is None:
            raise InvalidInput("n_features is needed: an AlgebraicEdge with edge=None sits at z* = N")
        return float(check_count("n_features", n_features))

    def last_index(self, n_features):
        n = check_count("n_features", n_features)
        return min(n, math.ceil(self._edge_value(n)) - 1)

    def expr(self, z, n_features=None):
        return (self.edge(n_features) - z) ** sp.nsimplify(self.a)

    def _values(self, index, n_features=None):
        gap = self._edge_value(n_features) - np.asarray(index, dtype=np.float64)
        return np.where(gap > 0, np.abs(gap) ** self.a, 0.0)

    def partial_sum(self, n, n_features=None):
        n = check_count("n", n)
        edge = self._edge_value(n_features)
        m = min(n, math.ceil(edge) - 1)
        if m <= DIRECT_SUM_LIMIT:
            return float(np.sum(self.values(np.arange(1, m + 1, dtype=np.float64), n_features)))
        # sum_{j=0}^{m-1} (q + j)^a with q = z* - m: the terms next to the edge directly,
        # the smooth rest (far from the singular point 0) by Euler-Maclaurin
        q = edge - m
        near = float(np.sum((q + np.arange(DIRECT_SUM_LIMIT, dtype=np.float64)) ** self.a))
        x = sp.Symbol("x", positive=True)
        shifted = (x + sp.nsimplify(q)) ** sp.nsimplify(self.a)
        return near + euler_maclaurin_sum(shifted, x, DIRECT_SUM_LIMIT, m - 1)
