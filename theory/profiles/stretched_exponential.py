"""Stretched-exponential profile f(z) = exp(-kappa z^a) (paper Appendix A.1.3).

The paper's "exponential" class. The no-superposition loss decays as
t^-1 (ln t)^delta with delta = 1/a - 1 for b = 0 (paper Eq. 19) and
delta = (1 - a - 2b)/a with channel decay A_ii = i^-b.

Terms below 1e-17 of the first one are dropped from the partial sum (they cannot
change a float64 total), so S(n) costs at most ((kappa + 40)/kappa)^(1/a) terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..validate import check_count, check_real
from .base import Profile

__all__ = ["StretchedExponential"]

# Terms with kappa (i^a - 1) > _DROP are below exp(-40) ~ 4e-18 of the first term.
_DROP = 40.0


@dataclass(frozen=True)
class StretchedExponential(Profile):
    """f(z) = exp(-kappa z^a) with kappa > 0 and a > 0.

    Examples
    --------
    >>> round(StretchedExponential(0.5, 1.0).partial_sum(10**12), 12)
    1.541494082537
    """

    kappa: float
    a: float

    name = "stretched-exponential"

    def __post_init__(self):
        object.__setattr__(self, "kappa", check_real("kappa", self.kappa, lower=0.0, lower_open=True))
        object.__setattr__(self, "a", check_real("a", self.a, lower=0.0, lower_open=True))

    def expr(self, z, n_features=None):
        return sp.exp(-sp.nsimplify(self.kappa) * z ** sp.nsimplify(self.a))

    def _values(self, index, n_features=None):
        return np.exp(-self.kappa * np.asarray(index, dtype=np.float64) ** self.a)

    def partial_sum(self, n, n_features=None):
        n = check_count("n", n)
        # the last term that counts: kappa (i^a - 1) = _DROP, compared in logs (it can pass 1e308)
        log_cut = math.log1p(_DROP / self.kappa) / self.a
        if log_cut < math.log(n):
            n = min(n, math.ceil(math.exp(log_cut) + 1.0))
        return super().partial_sum(n)
