"""Power-law profile f(z) = z^-a (paper Eq. 1 frequencies, Eq. 2 channels).

As a frequency profile it gives p_i ∝ i^-a; the no-superposition exponent is
alpha = (a + 2b - 1)/a for a + 2b > 1 (paper Eq. 8). As a channel profile
``PowerLaw(b)`` gives A_ii = i^-b.

The partial sum uses the Hurwitz zeta function,
S(n) = zeta(a, 1) - zeta(a, n + 1) (a != 1), or the harmonic number H_n (a = 1),
so a Task with N = 1e12 costs microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..validate import check_count, check_real
from .base import DIRECT_SUM_LIMIT, Profile

__all__ = ["PowerLaw"]


@dataclass(frozen=True)
class PowerLaw(Profile):
    """f(z) = z^-a with a >= 0.

    Examples
    --------
    >>> PowerLaw(1.1).normalised(4).round(4).tolist()
    [0.5043, 0.2353, 0.1506, 0.1098]
    """

    a: float

    name = "power-law"

    def __post_init__(self):
        object.__setattr__(self, "a", check_real("a", self.a, lower=0.0))

    def expr(self, z, n_features=None):
        return z ** (-sp.nsimplify(self.a))

    def _values(self, index, n_features=None):
        return np.asarray(index, dtype=np.float64) ** (-self.a)

    def partial_sum(self, n, n_features=None):
        n = check_count("n", n)
        if n <= DIRECT_SUM_LIMIT:
            return super().partial_sum(n)
        with mpmath.workdps(30):
            if self.a == 1.0:
                return float(mpmath.harmonic(n))
            return float(mpmath.zeta(self.a, 1) - mpmath.zeta(self.a, n + 1))
