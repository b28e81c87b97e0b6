"""The profile interface shared by frequency and channel profiles.

A profile is a positive, non-increasing function f(z) of the feature index z. It is
used in two roles (DESIGN.md, paper Section 2.1):

* as a *frequency* profile, normalised by the :class:`~superdyn.theory.Task` so that
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

from ..validate import as_float_array, check_count, check_real, require
from ._sums import euler_maclaurin_sum

__all__ = ["DIRECT_SUM_LIMIT", "MAX_DENSE_FEATURES", "MAX_FEATURES", "Profile"]

#: Largest number of terms summed term by term; beyond it closed forms or
#: Euler-Maclaurin tails are used.
DIRECT_SUM_LIMIT = 2_000_000
#: Largest N for which per-feature arrays are allocated.
MAX_DENSE_FEATURES = 100_000_000
#: Largest N a profile or task accepts.
MAX_FEATURES = 10**12


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

    def values(self, index, n_features: int | None = None) -> np.ndarray:
        """Return f(i) as float64 for indices i >= 1 (an array of any shape).

        Raises
        ------
        ValueError
            If an index is not a finite real >= 1, ``n_features`` is not a count in
            1..1e12, or some f(i) is not a finite float64 number.
        """
        i = as_float_array("index", index, allow_empty=True)
        require(i >= 1, "index must be >= 1", index=i)
        if n_features is not None:
            n_features = check_count("n_features", n_features, maximum=MAX_FEATURES)
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.asarray(self._values(i, n_features), dtype=np.float64)
        require(np.isfinite(f), f"f(index) leaves float64 for {self!r}", index=np.broadcast_to(i, f.shape))
        return f

    @abc.abstractmethod
    def _values(self, index: np.ndarray, n_features: int | None) -> np.ndarray:
        """f(i) for a validated float64 array of indices i >= 1."""

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
        n = check_count("n_features", n_features, maximum=MAX_DENSE_FEATURES)
        total = check_real("total", total, lower=0.0, lower_open=True)
        values = self.values(np.arange(1, n + 1, dtype=np.float64), n)
        norm = self.partial_sum(n, n)
        require(norm > 0, f"the sum of f over 1..n_features underflows to 0 for {self!r}", n_features=n)
        with np.errstate(over="ignore", under="ignore"):
            normalised = total * values / norm
        require(
            np.isfinite(normalised), f"total * f / S(n_features) leaves float64 for {self!r}", total=total
        )
        return normalised

    def to_dict(self) -> dict:
        """Return the profile's name and parameters as plain Python values."""
        return {"name": self.name, **asdict(self)}
