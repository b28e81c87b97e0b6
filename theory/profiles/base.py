"""The profile interface shared by frequency and channel profiles.

A profile is a positive, non-increasing function f(z) of the feature index z. It is
used in two roles (DESIGN.md, paper Section 2.1):

* as a *frequency* profile, normalised by the :class:`~theory.Task` so that
  ``p_i = E f(i) / sum_j f(j)`` for i = 1..N;
* as a *channel* profile, used unnormalised as the teacher diagonal ``A_ii = f(i)``.

Each concrete profile supplies its sympy form, fast float64 values and the partial
sum ``S(n) = sum_{i=1}^n f(i)`` for any n up to 1e12 without allocating n numbers.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass

import numpy as np
import sympy as sp

from .._validate import check_count
from ._sums import euler_maclaurin_sum

__all__ = ["DIRECT_SUM_LIMIT", "Profile"]

#: Largest number of terms summed term by term; beyond it closed forms or
#: Euler-Maclaurin tails are used.
DIRECT_SUM_LIMIT = 2_000_000


@dataclass(frozen=True)
class Profile(abc.ABC):
    """A feature profile f(z) (abstract base).

    Subclasses are frozen dataclasses whose fields are the profile's parameters.
    """

    #: Short registry name, for example ``"power-law"``.
    name = "profile"

    @abc.abstractmethod
    def expr(self, z: sp.Symbol, n_features=None) -> sp.Expr:
        """Return the sympy form f(z).

        ``n_features`` matters only for profiles whose shape depends on N (an
        algebraic edge at z* = N); it may be an integer or a sympy symbol.
        """

    @abc.abstractmethod
    def values(self, index: np.ndarray, n_features: int | None = None) -> np.ndarray:
        """Return f(i) as float64 for an array of integer indices i >= 1."""

    def edge(self, n_features=None):
        """Return the end of the domain where f vanishes (``sympy.oo`` for a tail)."""
        return sp.oo

    def last_index(self, n_features: int) -> int:
        """Return the largest index i <= N with f(i) > 0."""
        return check_count("n_features", n_features)

    def partial_sum(self, n: int, n_features: int | None = None) -> float:
        """Return ``S(n) = sum_{i=1}^n f(i)`` in float64.

        The default sums term by term up to :data:`DIRECT_SUM_LIMIT` terms and uses
        an Euler-Maclaurin tail beyond; subclasses override it with closed forms.
        """
        n = check_count("n", n)
        if n <= DIRECT_SUM_LIMIT:
            return float(np.sum(self.values(np.arange(1, n + 1, dtype=np.float64), n_features)))
        head = DIRECT_SUM_LIMIT // 2
        z = sp.Symbol("z", positive=True)
        tail = euler_maclaurin_sum(self.expr(z, n_features), z, head + 1, n)
        return self.partial_sum(head, n_features) + tail

    def normalised(self, n_features: int, total: float = 1.0) -> np.ndarray:
        """Return ``total * f(i) / S(N)`` for i = 1..N (float64, sums to ``total``)."""
        n = check_count("n_features", n_features)
        values = self.values(np.arange(1, n + 1, dtype=np.float64), n)
        return total * values / self.partial_sum(n, n)

    def to_dict(self) -> dict:
        """Return the profile's name and parameters as plain Python values."""
        return {"name": self.name, **asdict(self)}
