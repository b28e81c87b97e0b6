"""Closed-form exponents of the three no-superposition classes (paper Eqs. 8, 19-23).

All functions are numpy-vectorised: scalars give floats, arrays give arrays. Input
outside a class's domain raises ``ValueError`` naming the parameter and the
condition; nothing returns NaN.

================  =====================  =====================  ===================
class             frequencies            alpha                  log power delta
================  =====================  =====================  ===================
power law         p ∝ i^-a               (a + 2b - 1)/a         0
exponential       p ∝ exp(-kappa i^a)    1                      (1 - a - 2b)/a
algebraic edge    p ∝ (z* - i)^a         1 + 1/a                0
================  =====================  =====================  ===================

with channel importance A_ii = i^-b. The prefactors c of rho(u) ~ c u^(alpha-1)
(ln 1/u)^delta for modes lambda = s f(z), w = z^-2b lambda / 2 are also given, so
that L(t) ~ c Gamma(alpha) (2t)^-alpha (ln 2t)^delta.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .errors import InvalidInput
from .validate import as_float_array, broadcast_arrays, check_real, require, scalar_or_array

__all__ = [
    "DECAY_CLASSES",
    "PhaseDiagram",
    "alpha_algebraic",
    "alpha_exponential",
    "alpha_power_law",
    "decay_exponent",
    "log_power_exponential",
    "phase_diagram",
    "prefactor_algebraic",
    "prefactor_exponential",
    "prefactor_power_law",
]


def _quiet(function):
    """Evaluate without numpy's overflow warnings: an overflow is a ValueError (``scalar_or_array``)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
            return function(*args, **kwargs)

    return wrapper


def _check_a_b(a, b):
    v = broadcast_arrays(a=a, b=b)
    require(v["a"] > 0, "a must be > 0", a=v["a"])
    require(v["b"] >= 0, "b must be >= 0", b=v["b"])
    return v["a"], v["b"]


@_quiet
def alpha_power_law(a, b=0.0):
    """alpha = (a + 2b - 1)/a for p ∝ i^-a, A_ii = i^-b (paper Eq. 8).

    Requires a > 0, b >= 0 and a + 2b > 1 (otherwise the tail sum diverges and
    the loss is set by the cutoff N).

    Examples
    --------
    >>> round(alpha_power_law(1.1, 0.25), 6)
    0.545455
    """
    a_, b_ = _check_a_b(a, b)
    require(a_ + 2 * b_ > 1, "a power law needs a + 2b > 1", a=a_, b=b_)
    return scalar_or_array((a_ + 2 * b_ - 1) / a_, a=a, b=b)


@_quiet
def alpha_exponential(a, b=0.0):
    """alpha = 1 for p ∝ exp(-kappa i^a), any a > 0, b >= 0 (paper Eq. 19).

    Examples
    --------
    >>> alpha_exponential(0.5)
    1.0
    """
    a_, _ = _check_a_b(a, b)
    return scalar_or_array(np.ones_like(a_), a=a, b=b)


@_quiet
def log_power_exponential(a, b=0.0):
    """delta = (1 - a - 2b)/a, the power of ln t for p ∝ exp(-kappa i^a) (Eq. 19 at b = 0).

    Examples
    --------
    >>> log_power_exponential(0.5)
    1.0
    """
    a_, b_ = _check_a_b(a, b)
    return scalar_or_array((1 - a_ - 2 * b_) / a_, a=a, b=b)


@_quiet
def alpha_algebraic(a):
    """alpha = 1 + 1/a for p ∝ (z* - i)^a near a finite edge, a > 0 (paper Eq. 20).

    The channel decay does not enter: A_ii tends to the constant A(z*) at the edge.

    Examples
    --------
    >>> alpha_algebraic(1.0)
    2.0
    """
    v = broadcast_arrays(a=a)
    require(v["a"] > 0, "a must be > 0", a=v["a"])
    return scalar_or_array(1 + 1 / v["a"], a=a)


#: The decay classes of the frequencies with a closed-form exponent (paper Eqs. 8, 19, 20).
DECAY_CLASSES = ("power-law", "exponential", "algebraic")


def decay_exponent(decay: str, a, b=0.0) -> dict:
    """alpha and the log power of a decay class: ``{"alpha": ..., "log_power": ...}``.

    ``power-law`` (p ∝ i^-a, Eq. 8), ``exponential`` (p ∝ exp(-kappa i^a), Eq. 19: alpha and the
    power of the logarithm do not depend on kappa) and ``algebraic`` (p ∝ (z* - i)^a near a
    finite edge, Eq. 20; b does not enter).

    Examples
    --------
    >>> decay_exponent("power-law", 1.5, 0.25)
    {'alpha': 0.6666666666666666, 'log_power': 0.0}
    >>> decay_exponent("algebraic", 1.0)
    {'alpha': 2.0, 'log_power': 0.0}
    """
    if decay == "power-law":
        return {"alpha": alpha_power_law(a, b), "log_power": 0.0}
    if decay == "exponential":
        return {"alpha": alpha_exponential(a, b), "log_power": log_power_exponential(a, b)}
    if decay == "algebraic":
        return {"alpha": alpha_algebraic(a), "log_power": 0.0}
    raise InvalidInput(f"decay must be one of {DECAY_CLASSES}, got {decay!r}")


@_quiet
def prefactor_power_law(a, b=0.0, rate_scale=1.0):
    """c = s^((1 - 2b)/a) / (2a) for lambda = s z^-a, w = z^-2b lambda / 2.

    Examples
    --------
    >>> prefactor_power_law(2.0)  # s = 1: 1 / (2a)
    0.25
    >>> round(prefactor_power_law(1.5, 0.25, rate_scale=1 / 3), 6)  # s^(1 - alpha) / (2a)
    0.23112
    """
    v = broadcast_arrays(a=a, b=b, rate_scale=rate_scale)
    alpha = alpha_power_law(v["a"], v["b"])
    require(v["rate_scale"] > 0, "rate_scale must be > 0", rate_scale=v["rate_scale"])
    return scalar_or_array(
        positive=True, value=v["rate_scale"] ** (1 - alpha) / (2 * v["a"]), a=a, b=b, rate_scale=rate_scale
    )


@_quiet
def prefactor_exponential(a, kappa, b=0.0):
    """c = kappa^((2b - 1)/a) / (2a) for lambda = s exp(-kappa z^a), w = z^-2b lambda / 2.

    The rate scale s enters only the first log correction, d1 = delta ln s.

    Examples
    --------
    >>> prefactor_exponential(1.0, 0.5)  # kappa^(-1/a) / (2a)
    1.0
    """
    v = broadcast_arrays(a=a, kappa=kappa, b=b)
    _check_a_b(v["a"], v["b"])
    require(v["kappa"] > 0, "kappa must be > 0", kappa=v["kappa"])
    return scalar_or_array(
        positive=True, value=v["kappa"] ** ((2 * v["b"] - 1) / v["a"]) / (2 * v["a"]), a=a, kappa=kappa, b=b
    )


@_quiet
def prefactor_algebraic(a, edge, b=0.0, rate_scale=1.0):
    """c = edge^-2b s^(-1/a) / (2a) for lambda = s (z* - z)^a, w = z^-2b lambda / 2.

    Examples
    --------
    >>> prefactor_algebraic(1.0, 1024)  # b = 0, s = 1: 1 / (2a)
    0.5
    >>> prefactor_algebraic(2.0, 1024, rate_scale=4.0)  # s^(-1/a) / (2a)
    0.125
    """
    v = broadcast_arrays(a=a, edge=edge, b=b, rate_scale=rate_scale)
    _check_a_b(v["a"], v["b"])
    require(v["edge"] > 0, "edge must be > 0", edge=v["edge"])
    require(v["rate_scale"] > 0, "rate_scale must be > 0", rate_scale=v["rate_scale"])
    value = v["edge"] ** (-2 * v["b"]) * v["rate_scale"] ** (-1 / v["a"]) / (2 * v["a"])
    return scalar_or_array(positive=True, value=value, a=a, edge=edge, b=b, rate_scale=rate_scale)


@dataclass(frozen=True)
class PhaseDiagram:
    """alpha against a for each decay class (paper Fig. 10).

    Attributes
    ----------
    a : ndarray
        The grid of decay parameters.
    power_law, exponential, algebraic : ndarray
        alpha of each class on ``a``; entries outside a class's domain are absent
        from its ``*_a`` grid rather than NaN.
    power_law_a : ndarray
        The subset of ``a`` where the power law holds (a + 2b > 1).
    b : float
        Channel decay used.
    """

    a: np.ndarray
    power_law_a: np.ndarray
    power_law: np.ndarray
    exponential: np.ndarray
    algebraic: np.ndarray
    b: float

    def to_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}


def phase_diagram(a, b: float = 0.0) -> PhaseDiagram:
    """Tabulate alpha(a) for the three classes (paper Fig. 10).

    Examples
    --------
    >>> d = phase_diagram([0.5, 1.0, 2.0])
    >>> d.power_law_a.tolist(), d.power_law.tolist(), d.algebraic.tolist()
    ([2.0], [0.5], [3.0, 2.0, 1.5])
    """
    grid = as_float_array("a", a).ravel()
    b = check_real("b", b, lower=0.0)
    _check_a_b(grid, b)
    inside = grid + 2 * b > 1
    return PhaseDiagram(
        a=grid,
        power_law_a=grid[inside],
        power_law=np.asarray(alpha_power_law(grid[inside], b)) if inside.any() else np.empty(0),
        exponential=np.asarray(alpha_exponential(grid, b)),
        algebraic=np.asarray(alpha_algebraic(grid)),
        b=float(b),
    )
