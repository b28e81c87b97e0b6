"""Assertions that explain themselves: a law against the exact sum, an exponent, a derivation.

Each raises ``AssertionError`` with the window, the misfit and the local exponents side by
side, so a failing property test (and its shrunk counterexample) says what is wrong.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..engine import derive
from ..errors import InvalidInput
from ..expressions import parse_expression
from ..scaling_law import ScalingLaw
from ..task import Task
from ..validate import as_float_array, check_real
from .windows import cannot_judge, front_window, law_alpha, log_corrected_start

__all__ = [
    "assert_derivation",
    "assert_exponent",
    "assert_law_equals",
    "assert_law_matches_sum",
    "front_window",
]

#: Positive values given to free symbols when an identity must be checked numerically.
_TRIAL = (1.37, 0.73, 2.21, 0.46, 1.83)


def _window(window, task, alpha=None):
    if window is None:
        if task is None:
            raise InvalidInput("window must be (t0, t1), got None")
        try:
            return front_window(task, alpha=alpha)
        except ValueError as exc:
            cannot_judge(str(exc))
    lo, hi = (check_real(f"window[{i}]", w, lower=0.0, lower_open=True) for i, w in enumerate(window))
    if not lo < hi:
        raise InvalidInput(f"window must be (t0, t1) with 0 < t0 < t1, got {window!r}")
    return lo, hi


def _law_values(law, task, t, params):
    """The law's loss and local exponent at t (finite-N cutoff for a tail law without logarithm)."""
    if isinstance(law, ScalingLaw):
        cutoff = law.edge == sp.oo and float(law.log_power.subs(params) if params else law.log_power) == 0
        options = {"n_features": task.n_features} if cutoff else {}
        return law.loss(t, **options, **params), law.local_exponent(t, **options, **params)
    if not callable(law):
        raise InvalidInput(f"law must be a ScalingLaw or a callable L(t), got {law!r}")
    step = 1e-4
    values = np.asarray(law(t), dtype=float)
    up, down = np.asarray(law(t * math.exp(step)), float), np.asarray(law(t * math.exp(-step)), float)
    return values, -(np.log(up) - np.log(down)) / (2 * step)


def _table(t, columns: dict) -> str:
    header = "".join(f"{name:>13}" for name in ("t", *columns))
    rows = ["".join(f"{v:13.5g}" for v in (ti, *(c[i] for c in columns.values()))) for i, ti in enumerate(t)]
    return "\n".join([header, *rows])


def assert_law_matches_sum(
    law, task: Task, *, t=None, rtol=0.02, exponent_atol=None, window=None, points: int = 9, **params
):
    """Assert that a law L(t) agrees with the exact discrete sum of ``task`` on a window.

    Parameters
    ----------
    law : ScalingLaw or callable
        A derived law (evaluated with the finite-N cutoff Gamma(alpha, 2 t lambda_min) when
        it is a tail law without logarithm) or any function L(t) of an array.
    task : Task
        The exact reference: L(t) = sum_i w_i exp(-2 lambda_i t) over its N modes.
    t : array_like, optional
        The times to compare at (default: ``points`` log-spaced times in the window).
    rtol : float or None
        Largest relative misfit allowed, abs(L_law / L_sum - 1) (None: the level is not compared,
        for a law whose 1/ln t corrections are unknown).
    exponent_atol : float, optional
        Also require the local exponents -d ln L / d ln t to agree within this.
    window : (float, float), optional
        Default: :func:`front_window` with the law's alpha (the front 10 to N/10 features in,
        and the law's modes clear of the first 10). Where no such window exists at this N,
        the example is rejected inside a hypothesis test (``hypothesis.reject()``: the law
        cannot be judged there) and a ValueError is raised outside one.
    **params
        Values of the law's free parameters.

    Raises
    ------
    AssertionError
        With the window, the worst misfit and where, and a table of both losses and both
        local exponents.
    """
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    if rtol is None and exponent_atol is None:
        raise InvalidInput("rtol and exponent_atol are both None: nothing to compare")
    rtol = math.inf if rtol is None else check_real("rtol", rtol, lower=0.0, lower_open=True)
    atol = math.inf if exponent_atol is None else check_real("exponent_atol", exponent_atol, lower=0.0)
    lo, hi = _window(window, task, law_alpha(law, params))
    if window is None and t is None and isinstance(law, ScalingLaw):
        lo = log_corrected_start(law, lo, hi, params)
    t = np.geomspace(lo, hi, int(points)) if t is None else as_float_array("t", t).ravel()
    exact = task.modes()
    reference, reference_slope = exact.loss(t), exact.local_exponent(t)
    values, slope = _law_values(law, task, t, params)
    misfit, slope_misfit = values / reference - 1, slope - reference_slope
    worst, steepest = int(np.argmax(np.abs(misfit))), int(np.argmax(np.abs(slope_misfit)))
    finite = np.all(np.isfinite(misfit)) and np.all(np.isfinite(slope_misfit))
    if not finite or abs(misfit[worst]) > rtol or abs(slope_misfit[steepest]) > atol:
        raise AssertionError(
            f"the law and the exact sum of {task!r} differ by more than rtol={rtol:g} (level) or "
            f"exponent_atol={atol:g} (local exponent) on the window t in [{t.min():.4g}, {t.max():.4g}]: "
            f"worst misfit {misfit[worst]:+.4g} at t = {t[worst]:.4g}, local exponent off by "
            f"{slope_misfit[steepest]:+.4g} at t = {t[steepest]:.4g}\n"
            + _table(
                t,
                {
                    "law": values,
                    "sum": reference,
                    "misfit": misfit,
                    "exp(law)": slope,
                    "exp(sum)": reference_slope,
                },
            )
        )


def _curve(curve):
    if hasattr(curve, "t") and hasattr(curve, "loss"):
        t, loss = curve.t, curve.loss
    else:
        try:
            t, loss = curve
        except (TypeError, ValueError):
            raise InvalidInput(
                f"curve must have .t and .loss or be a pair (t, loss), got {curve!r}"
            ) from None
    t, loss = as_float_array("t", t).ravel(), as_float_array("loss", loss).ravel()
    if t.shape != loss.shape:
        raise InvalidInput(f"t and loss must have the same length, got {t.size} and {loss.size}")
    return t, loss


def assert_exponent(curve, alpha, *, window, atol: float = 0.02):
    """Assert that a loss curve decays as t^-alpha on ``window`` (a least-squares fit of ln L on ln t).

    Parameters
    ----------
    curve : LossCurve or (t, loss)
        Measured or exact.
    alpha : float
        The expected exponent.
    window : (float, float)
        The fit window; it must hold at least three points of the curve.
    atol : float
        Largest allowed abs(fitted - alpha).
    """
    t, loss = _curve(curve)
    alpha = check_real("alpha", alpha)
    atol = check_real("atol", atol, lower=0.0, lower_open=True)
    lo, hi = _window(window, None)
    inside = (t >= lo) & (t <= hi) & (loss > 0)
    if np.unique(t[inside]).size < 3:
        raise InvalidInput(
            f"window [{lo:g}, {hi:g}] holds {int(inside.sum())} points of the curve; at least 3"
        )
    x, y = np.log(t[inside]), np.log(loss[inside])
    slope, _ = np.polyfit(x, y, 1)
    fitted = -float(slope)
    if not abs(fitted - alpha) <= atol:
        local = -np.gradient(y, x)
        raise AssertionError(
            f"the curve decays as t^-{fitted:.4f} on the window [{lo:.4g}, {hi:.4g}] ({x.size} points), not "
            f"t^-{alpha:.4f}: off by {fitted - alpha:+.4f}, more than atol={atol:g}\n"
            + _table(np.exp(x), {"loss": np.exp(y), "local exp": local})
        )


def _differs(derived, expected) -> tuple | None:
    """None when derived == expected (symbolically, or at trial values); else (point, d, e)."""
    derived = parse_expression(derived, positive=True)  # text is parsed, never sympified
    expected = parse_expression(expected, positive=True)
    try:
        if sp.simplify(derived - expected) == 0:
            return None
    except (TypeError, NotImplementedError, RecursionError):
        pass
    symbols = sorted(derived.free_symbols | expected.free_symbols, key=str)
    for shift in range(len(_TRIAL)):
        point = {s: sp.Float(_TRIAL[(i + shift) % len(_TRIAL)]) for i, s in enumerate(symbols)}
        d, e = complex(derived.subs(point).evalf(30)), complex(expected.subs(point).evalf(30))
        if not abs(d - e) <= 1e-9 * max(1.0, abs(e)):
            return point, d, e
    return None


def assert_law_equals(law: ScalingLaw, *, alpha, log_power=0, prefactor=None):
    """Assert that a derived law has the given alpha, log power and (optionally) prefactor.

    Compares symbolically where sympy can simplify the difference to 0, numerically (at
    several positive values of the free symbols, to 1e-9) where it cannot; a failure names
    the quantity, both expressions and where they differ.
    """
    if not isinstance(law, ScalingLaw):
        raise InvalidInput(f"law must be a ScalingLaw, got {law!r}")
    expected = {"alpha": alpha, "log_power": log_power}
    if prefactor is not None:
        expected["prefactor"] = prefactor
    for name, value in expected.items():
        found = _differs(getattr(law, name), value)
        if found is not None:
            point, d, e = found
            at = ", ".join(f"{s}={float(v):g}" for s, v in point.items()) or "no free symbols"
            raise AssertionError(
                f"{name}: derived {getattr(law, name)}, expected {parse_expression(value, positive=True)}; "
                f"at {at} they are {d.real:.10g} and {e.real:.10g} (rate={law.rate}, weight={law.weight}, "
                f"edge={law.edge})"
            )


def assert_derivation(rate, weight, z, *, alpha, log_power=0, prefactor=None, edge=sp.oo, timeout=None):
    """Derive the law of (rate, weight) with :func:`superdyn.theory.derive`; assert its alpha, log power
    and prefactor.

    The comparison is :func:`assert_law_equals`. The first log correction is not derived
    (it is not compared). ``timeout`` (seconds) runs the derivation in a worker process
    that is killed when it passes; None (default) runs it here, which is faster for many
    small derivations.

    Returns
    -------
    ScalingLaw
        The derived law.
    """
    law = derive(rate, weight, z, edge=edge, timeout=timeout, correction=False)
    assert_law_equals(law, alpha=alpha, log_power=log_power, prefactor=prefactor)
    return law
