"""Where a law can be judged against the exact sum: the window it states.

A law is an asymptotic statement about an integral over the modes; the exact sum of a Task
agrees with it where (1) the modes that carry the law at time t lie past the first few
features and before the finite-N cutoff, (2) neighbouring rates are close enough for the sum
to be an integral, and (3) the law's neglected log terms are small. :func:`front_window` gives
that window; where none exists at the task's N, the law cannot be judged there.
"""

from __future__ import annotations

import functools
import math

import hypothesis
import mpmath
import numpy as np
import sympy as sp

from ..errors import InvalidInput
from ..profiles import PowerLaw
from ..scaling_law import ScalingLaw
from ..task import Task
from ..validate import check_real

__all__ = ["FRONT", "SHARE", "SPACING", "front_window"]

#: The learning front's distance from the start of a tail (or from a finite edge), in features.
FRONT = (10, 0.1)
#: The share of the law's integrand allowed outside the front window (see :func:`front_window`).
SHARE = 0.005
#: The largest ln(lambda_i / lambda_(i+1)) at the front for the sum to be close to the law's integral.
SPACING = 0.5


@functools.lru_cache(maxsize=256)
def _gamma_quantile(alpha: float, share: float) -> float:
    """x with P(S > x) = share for S ~ Gamma(alpha, 1): the law's integrand s^(alpha-1) e^-s above x."""
    lo, hi = 0.0, max(1.0, alpha)
    while mpmath.gammainc(alpha, hi, regularized=True) > share:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mpmath.gammainc(alpha, mid, regularized=True) > share else (lo, mid)
    return hi


def last_true(lo: int, hi: int, holds) -> int:
    """The largest integer in [lo, hi] where ``holds``, for a ``holds`` true up to a point (true at lo)."""
    if holds(hi):
        return hi
    while hi - lo > 1:  # holds(lo), not holds(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if holds(mid) else (lo, mid)
    return lo


def first_true(lo: int, hi: int, holds) -> int:
    """The smallest integer in [lo, hi] where ``holds``, for a ``holds`` true from a point on (true at hi)."""
    return hi - last_true(0, hi - lo, lambda k: holds(hi - k))


def _last_normal_index(task: Task, far: int) -> int:
    """The largest index <= ``far`` whose rate is a normal float64 (a tail's rates underflow)."""
    tiny = np.finfo(np.float64).tiny
    normal = lambda i: task.rates_at(np.array([float(i)]))[0] >= tiny  # noqa: E731
    if not normal(1):
        raise InvalidInput(f"the first rate of {task!r} is not a normal float64")
    return last_true(1, far, normal)


def _spacing(task: Task, index: float) -> float:
    """ln(lambda_i / lambda_(i+1)): how far apart in rate two neighbouring modes are (inf past float64)."""
    rates = task.rates_at(np.array([index, index + 1.0]))
    if not rates[1] > 0:
        return math.inf
    return float(np.log(rates[0]) - np.log(rates[1]))


def _dense_stretch(task: Task, near: float, far: float) -> tuple[float, float]:
    """[near, far] narrowed to where neighbouring rates are within SPACING in log (a continuum).

    The law is an integral over the modes; the sum is close to it where one mode's e^(-2 lambda t)
    differs little from the next one's at the front (s = 1). Spacings fall with the index for
    power laws and stretched exponentials with a <= 1, and rise for a > 1.
    """
    first, last = _spacing(task, near), _spacing(task, far)
    dense = lambda i: _spacing(task, i) <= SPACING  # noqa: E731
    if first > SPACING and last < first:  # falling: start where it is small enough
        near = first_true(near, far, dense)
    elif last > SPACING and last > first:  # rising: stop before it is too large
        far = last_true(near, far, dense)
    if max(_spacing(task, near), _spacing(task, far)) > SPACING:
        raise InvalidInput(
            f"{task!r} has no front window: neighbouring rates differ by more than e^{SPACING:g} between "
            f"features {near:g} and {far:g} (a staircase, not the continuum the law integrates)"
        )
    return near, far


def front_window(
    task: Task, near: float = FRONT[0], far: float = FRONT[1], *, alpha=None, share: float = SHARE
) -> tuple[float, float]:
    """Times when the learning front i_c (2 t lambda(i_c) = 1) is ``near`` to ``far`` * N features in.

    For a tail (power law, stretched exponential) the distance counts from i = 1, for an
    algebraic edge from z*: the law is an asymptotic statement there, away from both the
    first modes and the finite-N cutoff. Classes whose corrections decay slowly (a log
    power, an edge with a channel decay) need the front deeper: larger ``near``, smaller
    ``far``. A tail's front stops at the last index whose rate is a normal float64.

    With the law's exponent ``alpha``, the window starts later: the law is an integral over
    modes whose integrand in s = 2 t lambda is s^(alpha-1) e^-s, so the modes with s up to
    the Gamma(alpha) quantile x (P(S > x) = ``share``) must all lie beyond ``near``:
    t >= x / (2 lambda(near)). The larger alpha or the smaller the frequency decay a, the
    wider this spread in index (a factor x^(1/a)); at small N no window is left. At an
    algebraic edge with channels A_ii = i^-b, the law takes A at the edge: the front stays
    within ``share`` / (2b) * N of the edge, where A^2 differs from its edge value by less than
    ``share``. A tail's front also stays where neighbouring rates differ by less than
    ``SPACING`` in log (a stretched exponential with a > 1 is a staircase beyond).

    Raises
    ------
    ValueError
        When no window is left at this N (the law cannot be judged against the sum there).
    """
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    n = task.n_features
    near = check_real("near", near, lower=1.0)
    far = check_real("far", far, lower=0.0, lower_open=True, upper=1.0) * n
    share = check_real("share", share, lower=0.0, lower_open=True, upper=0.5)
    if not far >= 10 * near:
        raise InvalidInput(
            f"n_features={n}: the front window needs far * N >= 10 near (a decade), got near={near:g}, "
            f"far * N = {far:g}; pass window=(t0, t1) or a larger N"
        )
    edge = task.frequencies.edge(n)
    if edge == sp.oo:
        indices = np.array(_dense_stretch(task, near, _last_normal_index(task, math.floor(far) - 1)))
    else:
        b = task.channels.a if alpha is not None and isinstance(task.channels, PowerLaw) else 0.0
        far = min(far, share / (2.0 * b) * n) if b > 0 else far
        indices = float(edge) - np.array([far, near])
    rates = task.rates_at(np.round(indices))
    lo, hi = float(1.0 / (2.0 * rates[0])), float(1.0 / (2.0 * rates[1]))
    if alpha is not None:
        lo *= _gamma_quantile(check_real("alpha", alpha, lower=0.0, lower_open=True), share)
    if not (math.isfinite(hi) and lo < hi):
        raise InvalidInput(
            f"{task!r} has no front window: the modes that carry all but {share:g} of the law at a time t "
            f"do not fit between feature {near:g} and {far:g} at any t (t from {lo:.4g}, front at N/10 by "
            f"{hi:.4g}); a larger N has one"
        )
    return lo, hi


def law_alpha(law, params) -> float | None:
    """The law's alpha at ``params`` (None for a callable or a symbolic alpha)."""
    if not isinstance(law, ScalingLaw):
        return None
    value = law.alpha.subs({s: params[s.name] for s in law.alpha.free_symbols if s.name in params})
    return float(value) if value.is_number else None


def cannot_judge(reason: str):
    """Inside a hypothesis test, reject the example (the law is not testable there); else raise."""
    if hypothesis.currently_in_test_context():
        hypothesis.reject()
    raise InvalidInput(reason)


def log_corrected_start(law: ScalingLaw, lo: float, hi: float, params: dict) -> float:
    """Where a law with a logarithm is accurate: its neglected second-order term below SHARE.

    A law c (ln 2t)^delta [1 + k / ln 2t] (k = d1 - delta psi(alpha)) neglects a term C / (ln 2t)^2;
    C is estimated as the largest of k^2, the log power's own second-order coefficient
    |delta (delta - 1)| / 2 (psi(alpha)^2 + psi'(alpha)) (Watson's lemma with (ln 1/u)^delta), and
    the second-order term d2 = d1^2 (delta - 1) / (2 delta) that comes with d1 when d1 is a shift
    of the logarithm (ln(1/u) - s0)^delta (a normalisation or an index offset: d1 = -delta s0), and
    the window starts where C / (ln 2t)^2 <= SHARE. A log power whose first correction was not
    derived cannot be judged at a level (``rtol``) at all.
    """
    alpha, delta, _, d1 = law._numbers(params)
    if delta != 0 and law.correction is None:
        cannot_judge(
            f"the law's first log correction is unknown (log power {delta:g}): its level cannot be compared "
            "with the sum; compare the local exponent instead (rtol=None, exponent_atol=...)"
        )
    psi, trigamma = float(mpmath.digamma(alpha)), float(mpmath.psi(1, alpha))
    k = d1 - delta * psi
    shifted = abs(d1**2 * (delta - 1) / (2 * delta)) if delta else 0.0
    second = max(k**2, abs(delta * (delta - 1)) / 2 * (psi**2 + trigamma), shifted)
    if second:
        start = math.sqrt(second / SHARE)  # ln 2t from which C / (ln 2t)^2 <= SHARE
        lo = max(lo, 0.5 * math.exp(start)) if start < 700 else math.inf
        if not lo < hi:
            cannot_judge(
                f"the law's neglected log terms (about {second:.3g} / (ln 2t)^2) stay above {SHARE:g} in the "
                f"front window (up to t = {hi:.4g}): a larger N reaches where they are small"
            )
    return lo
