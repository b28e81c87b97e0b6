"""A profile from any sympy expression f(z), for laws beyond the paper's classes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import InvalidInput
from ..expressions import parse_expression, parse_expressions
from ..validate import check_real, overflow_as_inf
from .base import Profile

__all__ = ["Custom"]

#: The time limit on parsing an expression given as text, in seconds.
PARSE_SECONDS = 30.0


@dataclass(frozen=True)
class Custom(Profile):
    """f(z) given as a sympy expression in one symbol.

    Parameters
    ----------
    expression : sympy.Expr or str
        Positive, non-increasing f(z) with no free symbols other than ``z``.
    z : sympy.Symbol or str
        The index variable.
    edge_at : number or None
        A finite edge z* where f vanishes, or ``None`` for a tail (z -> oo).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", positive=True)
    >>> Custom(z**-2 * sp.log(z + 1), z).values([1, 2]).round(4).tolist()
    [0.6931, 0.2747]
    """

    expression: sp.Expr
    z: sp.Symbol
    edge_at: float | None = None

    name = "custom"

    def __post_init__(self):
        z = sp.Symbol(self.z, positive=True) if isinstance(self.z, str) else self.z
        if not isinstance(z, sp.Symbol):
            raise InvalidInput(f"z must be a sympy Symbol or a name, got {self.z!r}")
        # text is parsed, never run, and in the time-limited worker (PARSE_SECONDS)
        if isinstance(self.expression, str):
            (expression,) = parse_expressions(
                [self.expression], symbols={z.name: z}, timeout=PARSE_SECONDS, labels=("Custom",)
            )
        else:
            expression = parse_expression(self.expression, {z.name: z})
        if self.edge_at is not None:
            edge_at = check_real("edge_at", self.edge_at, lower=1.0, lower_open=True)
            object.__setattr__(self, "edge_at", edge_at)
        extra = expression.free_symbols - {z}
        if extra:
            names = ", ".join(sorted(s.name for s in extra))
            raise InvalidInput(f"expression must depend on {z} only; it also has {names}")
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "expression", expression)
        probe = self.values(np.array([1.0, 2.0, 10.0]))
        if not np.all(np.isfinite(probe)) or np.any(probe < 0):
            raise InvalidInput(f"expression must be finite and >= 0 for z >= 1, got {expression}")

    def edge(self, n_features=None):
        return sp.oo if self.edge_at is None else sp.nsimplify(self.edge_at)

    def last_index(self, n_features):
        n = super().last_index(n_features)
        if self.edge_at is None:
            return n
        return min(n, int(np.ceil(self.edge_at)) - 1)

    def expr(self, z, n_features=None):
        return self.expression.subs(self.z, z)

    def _values(self, index, n_features=None):
        fn = sp.lambdify(self.z, self.expression, modules=["scipy", "numpy"])
        index = np.asarray(index, dtype=np.float64)
        try:
            values = fn(index)
        except (TypeError, NameError):  # a function neither vectorises: mpmath, one value at a time
            one = overflow_as_inf(sp.lambdify(self.z, self.expression, modules="mpmath"))
            values = np.vectorize(lambda v: _real_or_nan(one(v)), otypes=[np.float64])(index)
        except (OverflowError, ZeroDivisionError):
            values = np.full(index.shape, np.inf)
        out = np.broadcast_to(np.asarray(values, dtype=np.float64), index.shape).copy()
        if self.edge_at is not None:
            out[index >= self.edge_at] = 0.0
        return out

    def to_dict(self):
        return {
            "name": self.name,
            "expression": str(self.expression),
            "z": self.z.name,
            "edge_at": self.edge_at,
        }


def _real_or_nan(value) -> float:
    """``value`` as a float; NaN (refused by :meth:`Profile.values`) when it is not real."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
