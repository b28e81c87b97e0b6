"""Fitted exponents of exact no-superposition sums next to the asymptotic theory.

For the power-law grid of paper Fig. 3, the exponent fitted on a finite window of the
exact N = 1024 sum is not (a + 2b - 1)/a: the slowest mode, lambda_min = p_N m2, ends
the power law once t ~ 1/lambda_min, and for small a that is inside the window. The
table shows three numbers per (a, b) so the difference is visible, not hidden:

* ``alpha_theory``: (a + 2b - 1)/a, the N -> infinity asymptote (paper Eq. 8);
* ``alpha_infinite``: the same window fitted on the exact sum at N = 1e12 (no cutoff
  in the window; what is left is the pre-asymptotic curvature);
* ``alpha_fit``: the window fitted on the exact sum at the given N.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from superdyn.theory import PowerLaw, Task, alpha_power_law
from superdyn.theory.closed_form import decay_exponent
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import as_float_array, check_count

from .exact import exact_loss
from .fit import check_window, fit_power_law

__all__ = [
    "FIG3_A",
    "FIG3_B",
    "FIG11_A",
    "ExponentRow",
    "ExponentTable",
    "decay_class_table",
    "power_law_exponent_table",
]

#: The exponents a of the exponential and algebraic-edge classes in the decay-class table (paper Fig. 11).
FIG11_A = (0.5, 1.0, 2.0)

#: superdyn's grid over the ranges of paper Fig. 3 (the paper states a in [1.1, 2], b in [0, 0.5]).
FIG3_A, FIG3_B = (1.1, 1.25, 1.5, 2.0), (0.0, 0.25, 0.5)
_INFINITE = 10**12


@dataclass(frozen=True)
class ExponentRow:
    """One (a, b) point; exponents fitted by OLS on ``window`` (see ``superdyn.numerics.fit``)."""

    a: float
    b: float
    alpha_theory: float
    alpha_infinite: float
    alpha_fit: float
    stderr: float
    local_min: float
    local_max: float


@dataclass(frozen=True)
class ExponentTable:
    """Rows of :class:`ExponentRow` for one N, window and sampling."""

    rows: tuple
    n_features: int
    window: tuple
    points_per_decade: int

    def to_dict(self) -> dict:
        return {
            "rows": [asdict(r) for r in self.rows],
            "n_features": self.n_features,
            "window": list(self.window),
            "points_per_decade": self.points_per_decade,
        }

    def __str__(self) -> str:
        head = (
            f"{'a':>5} {'b':>5} {'(a+2b-1)/a':>11} {'N=1e12 fit':>11} "
            f"{f'N={self.n_features} fit':>14} {'stderr':>7} {'local exponent range':>21}"
        )
        lines = [head]
        for r in self.rows:
            lines.append(
                f"{r.a:5.2f} {r.b:5.2f} {r.alpha_theory:11.4f} {r.alpha_infinite:11.4f} "
                f"{r.alpha_fit:14.4f} {r.stderr:7.4f} {r.local_min:10.4f}..{r.local_max:.4f}"
            )
        return "\n".join(lines)


def power_law_exponent_table(
    a_values=FIG3_A,
    b_values=FIG3_B,
    *,
    n_features=1024,
    window=(1e3, 1e4),
    points_per_decade=20,
) -> ExponentTable:
    """Fit the exact sums of p ∝ i^-a, A_ii = i^-b on ``window`` (paper Fig. 3 grid).

    Examples
    --------
    >>> table = power_law_exponent_table([1.1], [0.0])
    >>> row = table.rows[0]
    >>> round(row.alpha_theory, 4), round(row.alpha_fit, 2)
    (0.0909, 0.71)
    """
    a_values = np.atleast_1d(as_float_array("a_values", a_values))
    b_values = np.atleast_1d(as_float_array("b_values", b_values))
    if a_values.ndim != 1 or b_values.ndim != 1:
        raise InvalidInput("a_values and b_values must be 1-D sequences of numbers")
    points_per_decade = check_count("points_per_decade", points_per_decade, maximum=10_000)
    lo, hi = check_window(window)
    decades = np.log10(hi / lo)
    if decades * points_per_decade > 1e6:
        raise InvalidInput(
            f"window and points_per_decade ask for {decades * points_per_decade:.3g} times; at most 1e6"
        )
    t = np.logspace(np.log10(lo), np.log10(hi), round(decades * points_per_decade) + 1)
    if t.size < 3 or np.any(np.diff(t) <= 0):
        raise InvalidInput(
            f"window={window!r} with points_per_decade={points_per_decade} gives fewer than 3 distinct times"
        )
    rows = []
    for a in a_values.tolist():
        for b in b_values.tolist():
            finite = exact_loss(Task(PowerLaw(a), PowerLaw(b), n_features), t)
            infinite = exact_loss(Task(PowerLaw(a), PowerLaw(b), _INFINITE), t)
            fit = fit_power_law(t, finite.loss, (lo, hi))
            rows.append(
                ExponentRow(
                    float(a),
                    float(b),
                    float(alpha_power_law(a, b)),
                    fit_power_law(t, infinite.loss, (lo, hi)).alpha,
                    fit.alpha,
                    fit.stderr,
                    float(finite.local_exponent.min()),
                    float(finite.local_exponent.max()),
                )
            )
    return ExponentTable(tuple(rows), int(n_features), (lo, hi), int(points_per_decade))


def decay_class_table(n_features: int = 1024, window=(1e3, 1e4)) -> list[dict]:
    """Rows of closed-form exponents of every decay class; the power laws also fitted on ``window``.

    The power-law rows are :func:`power_law_exponent_table`'s (paper Fig. 3's grid), with the
    exponent fitted to the exact N-feature sum over ``window`` in the column ``alpha_N<N>``;
    the exponential and algebraic rows (a in ``FIG11_A``, b = 0) have the closed form only
    (None in that column).

    Examples
    --------
    >>> rows = decay_class_table(n_features=256)
    >>> [r["class"] for r in rows[-2:]], rows[-1]["alpha"]
    (['algebraic', 'algebraic'], 1.5)
    """
    finite = f"alpha_N{n_features}"
    table = power_law_exponent_table(n_features=n_features, window=window)
    rows = [
        {
            "class": "power-law",
            "a": r.a,
            "b": r.b,
            "alpha": r.alpha_theory,
            "log_power": 0.0,
            finite: r.alpha_fit,
        }
        for r in table.rows
    ]
    for decay in ("exponential", "algebraic"):
        rows += [
            {"class": decay, "a": a, "b": 0.0, **decay_exponent(decay, a), finite: None} for a in FIG11_A
        ]
    return rows
