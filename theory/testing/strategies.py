"""Hypothesis strategies for property-testing loss laws: parameters, profiles, tasks, laws.

Every strategy draws inside its class's validity domain (with an optional ``margin`` from
the domain's edge) and shrinks towards simple cases: round parameters, small N, the
power-law class. Parameters are multiples of 1/64 (exact rationals for sympy). The class
domains are those of :mod:`superdyn.theory.closed_form`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import assume
from hypothesis import strategies as st

from ..errors import InvalidInput
from ..profiles import AlgebraicEdge, Constant, PowerLaw, StretchedExponential
from ..task import Task
from .windows import first_true, front_window

__all__ = [
    "KINDS",
    "KnownLaw",
    "algebraic_edge_params",
    "embeddings",
    "laws",
    "power_law_params",
    "profiles",
    "spectra",
    "stretched_exponential_params",
    "tasks",
]

#: The decay classes, in the order strategies shrink towards.
KINDS = ("power-law", "stretched-exponential", "algebraic-edge")


#: Drawn parameters are multiples of 1/GRID: exact small rationals, so that a profile built
#: from them stays cheap for sympy (nsimplify of an arbitrary float gives a huge rational,
#: and limits of z^(p/q) with a huge q can take minutes and gigabytes).
GRID = 64


def _values(lo: float, hi: float, simple=(0.5, 1.0, 1.5, 2.0, 3.0)):
    """Multiples of 1/64 in [lo, hi] that shrink to round values inside the range (then to lo)."""
    if not lo <= hi:
        raise InvalidInput(f"empty range [{lo}, {hi}]")
    inside = [v for v in simple if lo <= v <= hi]
    first, last = math.ceil(lo * GRID), math.floor(hi * GRID)
    if first > last:  # no multiple of 1/64 inside: the range's own end points
        return st.sampled_from(sorted({lo, hi}))
    grid = st.integers(first, last).map(lambda k: k / GRID)
    return st.one_of(st.sampled_from(inside), grid) if inside else grid


def _range(name: str, bounds, domain_lo: float, margin: float, hi_default: float) -> tuple[float, float]:
    lo, hi = bounds if bounds is not None else (domain_lo, hi_default)
    lo = max(float(lo), domain_lo + margin)
    if not lo <= hi:
        raise InvalidInput(
            f"{name}: the bounds {bounds} leave nothing above the domain edge {domain_lo} + margin"
        )
    return lo, float(hi)


@st.composite
def power_law_params(draw, a=None, b=None, margin: float = 0.05) -> dict:
    """{"a", "b"} with a > 0, b >= 0 and a + 2b > 1 + margin (the power-law class, paper Eq. 8).

    Parameters
    ----------
    a, b : (float, float), optional
        Bounds (default a in (0, 4], b in [0, 2]).
    margin : float
        Distance kept from each edge of the domain.
    """
    a_lo, a_hi = _range("a", a, 0.0, margin, 4.0)
    b_lo, b_hi = _range("b", b, 0.0, 0.0, 2.0)
    value_a = draw(_values(a_lo, a_hi))
    need = max(b_lo, (1.0 + margin - value_a) / 2.0)
    if need > b_hi:  # this a needs a larger b than allowed: move a up instead
        value_a = max(value_a, math.ceil((1.0 + margin - 2.0 * b_hi) * GRID) / GRID)
        if value_a > a_hi:
            raise InvalidInput(f"no (a, b) in a={a}, b={b} has a + 2b > 1 + {margin}")
        need = max(b_lo, (1.0 + margin - value_a) / 2.0)
    return {"a": value_a, "b": draw(_values(max(need, b_lo), b_hi, simple=(0.0, 0.25, 0.5, 1.0)))}


@st.composite
def stretched_exponential_params(draw, kappa=None, a=None, b=None, margin: float = 0.05) -> dict:
    """{"kappa", "a", "b"} with kappa > 0, a > 0, b >= 0 (p ∝ exp(-kappa i^a); alpha = 1)."""
    k_lo, k_hi = _range("kappa", kappa, 0.0, margin, 3.0)
    a_lo, a_hi = _range("a", a, 0.0, margin, 2.0)
    b_lo, b_hi = _range("b", b, 0.0, 0.0, 1.0)
    return {
        "kappa": draw(_values(k_lo, k_hi)),
        "a": draw(_values(a_lo, a_hi)),
        "b": draw(_values(b_lo, b_hi, simple=(0.0, 0.25, 0.5))),
    }


@st.composite
def algebraic_edge_params(draw, a=None, b=None, margin: float = 0.05) -> dict:
    """{"a", "b"} with a > 0, b >= 0 (p ∝ (z* - i)^a near a finite edge; alpha = 1 + 1/a)."""
    a_lo, a_hi = _range("a", a, 0.0, margin, 4.0)
    b_lo, b_hi = _range("b", b, 0.0, 0.0, 1.0)
    return {"a": draw(_values(a_lo, a_hi)), "b": draw(_values(b_lo, b_hi, simple=(0.0, 0.25, 0.5)))}


def _check_kinds(kinds) -> tuple:
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        raise InvalidInput(f"kinds must be a non-empty subset of {KINDS}, got {kinds!r}")
    return kinds


@st.composite
def _profile_and_b(draw, kinds, margin):
    kind = draw(st.sampled_from(_check_kinds(kinds)))
    if kind == "power-law":
        p = draw(power_law_params(margin=margin))
        return PowerLaw(p["a"]), p["b"]
    if kind == "stretched-exponential":
        p = draw(stretched_exponential_params(margin=margin))
        return StretchedExponential(p["kappa"], p["a"]), p["b"]
    p = draw(algebraic_edge_params(margin=margin))
    return AlgebraicEdge(p["a"]), p["b"]


def profiles(kinds=KINDS, margin: float = 0.05):
    """Frequency profiles of the given classes ("power-law", "stretched-exponential", "algebraic-edge")."""
    return _profile_and_b(kinds, margin).map(lambda pair: pair[0])


def _class_alpha(frequencies, b: float) -> float:
    """The exponent of the law of a task with these frequencies and channels i^-b (paper Eqs. 8-10)."""
    if isinstance(frequencies, PowerLaw):
        return (frequencies.a + 2.0 * b - 1.0) / frequencies.a
    if isinstance(frequencies, StretchedExponential):
        return 1.0
    if isinstance(frequencies, AlgebraicEdge):
        return 1.0 + 1.0 / frequencies.a
    raise InvalidInput(f"no closed-form exponent for {frequencies!r}")


def _has_window(frequencies, channels, n: int, alpha: float) -> bool:

    try:
        front_window(Task(frequencies, channels, n_features=n), alpha=alpha)
    except ValueError:
        return False
    return True


@st.composite
def tasks(draw, max_features: int = 4096, kinds=KINDS, min_features: int = 1, margin: float = 0.05) -> Task:
    """Tasks with a frequency profile of ``kinds``, channels A_ii = i^-b and N in [min, max].

    Every task drawn is one that :func:`~superdyn.theory.testing.assert_law_matches_sum` can
    judge with its defaults: it has a front window (:func:`front_window` with the class's
    alpha). Where the drawn N has none, the smallest larger N that has one is taken; a
    profile with none up to ``max_features`` is not drawn (``assume``).
    """
    if not 1 <= min_features <= max_features:
        raise InvalidInput(f"need 1 <= min_features <= max_features, got {min_features}, {max_features}")
    frequencies, b = draw(_profile_and_b(kinds, margin))
    sizes = [n for n in (64, 256, 1024, 4096) if min_features <= n <= max_features]
    n = draw(
        st.one_of(st.sampled_from(sizes), st.integers(min_features, max_features))
        if sizes
        else st.integers(min_features, max_features)
    )
    channels = PowerLaw(b) if b > 0 else Constant()
    alpha = _class_alpha(frequencies, b)
    if not _has_window(frequencies, channels, n, alpha):
        assume(_has_window(frequencies, channels, max_features, alpha))
        # the window grows with N: the smallest N that has one
        n = first_true(n, max_features, lambda m: _has_window(frequencies, channels, m, alpha))
    return Task(frequencies, channels, n_features=n)


@st.composite
def spectra(draw, max_modes: int = 64, min_modes: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(rates, weights): positive float64 arrays of equal length for a loss sum (rates in [1e-6, 10])."""
    n = draw(st.integers(min_modes, max_modes))
    log_rates = draw(st.lists(st.floats(-6.0, 1.0), min_size=n, max_size=n))
    log_weights = draw(st.lists(st.floats(-6.0, 1.0), min_size=n, max_size=n))
    return 10.0 ** np.array(log_rates), 10.0 ** np.array(log_weights)


@st.composite
def embeddings(draw, n: int, k: int) -> np.ndarray:
    """A K x N matrix W with unit columns (Gaussian directions from a drawn seed)."""
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and k >= 1):
        raise InvalidInput(f"n and k must be integers >= 1, got n={n!r}, k={k!r}")
    seed = draw(st.integers(0, 2**32 - 1))
    w = np.random.default_rng(seed).standard_normal((k, n))
    return w / np.linalg.norm(w, axis=0)


@dataclass(frozen=True)
class KnownLaw:
    """Modes (rate, weight) on the index z, with the law they are known to follow.

    rho(u) ~ prefactor u^(alpha - 1) (ln 1/u)^log_power as u -> 0+, so that
    L(t) ~ prefactor Gamma(alpha) (2t)^-alpha (ln 2t)^log_power (paper Appendix A.1).
    ``params`` maps the class parameters (a, b, s, kappa) to their values (rationals or
    the positive symbols themselves).
    """

    kind: str
    rate: sp.Expr
    weight: sp.Expr
    z: sp.Symbol
    edge: sp.Expr
    alpha: sp.Expr
    log_power: sp.Expr
    prefactor: sp.Expr
    params: dict


def _rational(lo, hi, simple):
    return _values(lo, hi, simple).map(lambda v: sp.Rational(Fraction(v)))


@st.composite
def laws(draw, kinds=KINDS, symbolic=None) -> KnownLaw:
    """The three classes with rate lambda = s f(z), weight w = z^-2b lambda / 2 and their known law.

    Power law f = z^-a: alpha = (a + 2b - 1)/a, c = s^((1 - 2b)/a) / (2a). Stretched
    exponential f = exp(-kappa z^a): alpha = 1, log power (1 - a - 2b)/a,
    c = kappa^((2b - 1)/a) / (2a). Algebraic edge f = (z* - z)^a: alpha = 1 + 1/a,
    c = z*^-2b s^(-1/a) / (2a). Parameters are rationals, or positive symbols when
    ``symbolic`` is True (drawn when None).
    """
    kind = draw(st.sampled_from(_check_kinds(kinds)))
    symbolic = draw(st.booleans()) if symbolic is None else bool(symbolic)
    z = sp.Symbol("z", positive=True)
    if symbolic:
        a, b, s, kappa = sp.symbols("a b s kappa", positive=True)
        edge = sp.Integer(draw(st.sampled_from([7, 1024]))) if kind == "algebraic-edge" else sp.oo
    else:
        a = draw(_rational(0.25, 4.0, (1.5, 2.0, 1.0, 3.0, 0.5)))
        b = draw(_rational(0.0, 1.0, (0.0, 0.25, 0.5)))
        if kind == "power-law" and a + 2 * b <= 1:
            b = (1 - a) / 2 + sp.Rational(1, 4)
        s = draw(_rational(0.1, 3.0, (1.0, 0.5, 2.0)))
        kappa = draw(_rational(0.1, 3.0, (1.0, 0.5, 2.0)))
        edge = sp.Integer(draw(st.sampled_from([7, 100, 1024]))) if kind == "algebraic-edge" else sp.oo
    if kind == "power-law":
        rate = s * z**-a
        known = ((a + 2 * b - 1) / a, sp.Integer(0), s ** ((1 - 2 * b) / a) / (2 * a))
    elif kind == "stretched-exponential":
        rate = s * sp.exp(-kappa * z**a)
        known = (sp.Integer(1), (1 - a - 2 * b) / a, kappa ** ((2 * b - 1) / a) / (2 * a))
    else:
        rate = s * (edge - z) ** a
        known = (1 + 1 / a, sp.Integer(0), edge ** (-2 * b) * s ** (-1 / a) / (2 * a))
    params = {"a": a, "b": b, "s": s} | ({"kappa": kappa} if kind == "stretched-exponential" else {})
    return KnownLaw(kind, rate, z ** (-2 * b) * rate / 2, z, edge, *known, params=params)
