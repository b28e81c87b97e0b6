"""Symbolic derivation of asymptotic loss laws by Watson's lemma (paper Appendix A.1).

For modes on a continuous index z with rate lambda(z) and weight w(z), the loss
L(t) ~ int w(z) exp(-2 lambda(z) t) dz becomes, with u = lambda(z),

    L(t) ~ int rho(u) exp(-2 u t) du,     rho(u) = w(z) / abs(lambda'(z)).

If rho(u) ~ c u^(alpha - 1) (ln 1/u)^delta [1 + d1 / ln(1/u)] as u -> 0+, then
(Watson's lemma, Olver 1974, Ch. 3 Sec. 8)

    L(t) ~ c Gamma(alpha) (2t)^-alpha (ln 2t)^delta [1 + (d1 - delta psi(alpha)) / ln 2t].

The small-u behaviour is read off as the index goes to the edge where lambda
vanishes, without inverting lambda. With l = ln lambda -> -oo and every quantity
expanded into logarithms:

    alpha - 1 = lim (ln rho)' / l'
    delta     = lim g' / (ln(-l))',          g = ln rho - (alpha - 1) l
    ln c      = lim g - delta ln(-l)
    d1        = lim (g - delta ln(-l) - ln c) (-l)

A finite edge z* is mapped to a tail by z = z* - 1/s (s -> oo), which multiplies the
weight by dz/ds = 1/s^2. Every law is then checked numerically at high precision:
rho divided by the law must tend to 1 along z -> edge; a law that fails is rejected
with the evidence, never returned.
"""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from ._subprocess import TimeLimitExceeded, call_with_time_limit
from .errors import DerivationError, InvalidInput
from .expressions import parse_expressions
from .scaling_law import ScalingLaw
from .validate import check_timeout

__all__ = ["derive"]  # DerivationError: superdyn.theory.errors

#: Positive trial values given to free parameters in the numeric check.
_TRIAL_VALUES = (1.37, 0.73, 2.21, 0.46, 1.83, 3.1, 0.29)
#: Points along the approach to the edge (decimal exponents of z or s).
_CHECK_EXPONENTS = (8, 32, 128, 512)
_CHECK_TOLERANCE = 0.05
#: Seconds allowed for the optional first log correction d1.
_CORRECTION_SECONDS = 10.0


#: What sympy raises when it cannot settle a sign, a limit or a comparison.
_UNDECIDED = (NotImplementedError, TypeError, ArithmeticError, RecursionError, AttributeError)


def _log_expand(expr: sp.Expr) -> sp.Expr:
    """ln(expr) expanded into a sum of logarithms (all symbols are taken positive)."""
    return sp.expand(sp.expand_log(sp.log(expr), force=True))


def _is_finite_number(value: sp.Expr) -> bool:
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan, sp.AccumBounds, sp.Limit):
        return False
    return value.is_finite is not False


def _limit(expr: sp.Expr, var: sp.Symbol, what: str, partial: dict) -> sp.Expr:
    """lim_{var -> oo} expr, trying a few equivalent forms; finite or DerivationError."""
    problems = []
    for prepare in (sp.simplify, lambda e: e, sp.cancel):
        try:
            value = sp.limit(prepare(expr), var, sp.oo)
        except (NotImplementedError, ValueError, TypeError, ZeroDivisionError, RecursionError) as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
            continue
        if _is_finite_number(value):
            return value
        problems.append(f"the limit is {value}")
    raise DerivationError(
        f"cannot decide the {what}: {problems[-1]} "
        "(rho(u) may not be of the form c u^(alpha-1) (ln 1/u)^delta, or a parameter's sign "
        "or size is needed; try numeric parameter values)",
        partial,
    )


def _symbolic(rate: sp.Expr, weight: sp.Expr, z: sp.Symbol, edge) -> dict:
    """The limits of the module docstring; returns sympy expressions."""
    var, partial = z, {}
    if edge != sp.oo:
        var = sp.Dummy("s", positive=True)
        rate = rate.subs(z, edge - 1 / var)
        weight = weight.subs(z, edge - 1 / var) / var**2
    rate_limit = sp.limit(rate, var, sp.oo)
    if rate_limit != 0:
        raise DerivationError(f"the rate must vanish at the edge z -> {edge}; its limit is {rate_limit}")
    ln_rho = _log_expand(weight) - _log_expand(-sp.diff(rate, var))
    log_rate = _log_expand(rate)
    d_log_rate = sp.diff(log_rate, var)
    alpha_m1 = _limit(sp.diff(ln_rho, var) / d_log_rate, var, "exponent alpha", partial)
    partial["alpha"] = sp.simplify(alpha_m1 + 1)
    g = sp.expand(ln_rho - alpha_m1 * log_rate)
    log_log = sp.log(-log_rate)
    delta = _limit(sp.diff(g, var) / sp.diff(log_log, var), var, "log power delta", partial)
    partial["log_power"] = sp.simplify(delta)
    h = g - delta * log_log
    ln_c = _limit(h, var, "prefactor", partial)
    prefactor = sp.simplify(sp.powsimp(sp.exp(ln_c), force=True))
    constant, varying = (h - ln_c).as_independent(var, as_Add=True)
    residual = sp.logcombine(sp.simplify(sp.logcombine(constant, force=True)) + varying, force=True)
    return {
        "alpha": partial["alpha"],
        "log_power": partial["log_power"],
        "prefactor": prefactor,
        "residual": residual,
        "log_rate": log_rate,
        "variable": var,
        "rate": rate,
        "weight": weight,
    }


def _trial_parameters(symbols: list[sp.Symbol], alpha: sp.Expr):
    """Yield parameter assignments under which the law's condition alpha > 0 holds."""
    for shift in range(len(_TRIAL_VALUES)):
        values = {s: sp.Float(_TRIAL_VALUES[(k + shift) % len(_TRIAL_VALUES)]) for k, s in enumerate(symbols)}
        if sp.sympify(alpha.subs(values) > 0) is sp.true:  # safe: a sympy relation, not text
            yield values


def _density_and_law(found: dict, values: dict, dps: int):
    """mpmath functions u(x) and rho(x) = w / (-lambda') and the numbers (alpha, delta, c)."""
    var = found["variable"]
    rate = sp.lambdify(var, found["rate"].subs(values), "mpmath")
    slope = sp.lambdify(var, -sp.diff(found["rate"], var).subs(values), "mpmath")
    weight = sp.lambdify(var, found["weight"].subs(values), "mpmath")
    numbers = (mpmath.mpf(sp.N(found[k].subs(values), dps)) for k in ("alpha", "log_power", "prefactor"))
    return rate, (lambda x: weight(x) / slope(x)), *numbers


def _relative_errors(found: dict, values: dict, correction) -> tuple[list, list]:
    """|rho / law - 1| and ln(1/u) at the check points, at 60 digits."""
    with mpmath.workdps(60):
        rate, rho, alpha, delta, c = _density_and_law(found, values, 60)
        d1 = mpmath.mpf(sp.N(correction.subs(values), 60)) if correction is not None else 0
        errors, logs = [], []
        for exponent in _CHECK_EXPONENTS:
            x = mpmath.mpf(10) ** exponent
            u = rate(x)
            log_inv = -mpmath.log(u)
            law = c * u ** (alpha - 1) * log_inv**delta * (1 + d1 / log_inv)
            errors.append(float(abs(rho(x) / law - 1)))
            logs.append(log_inv)
    return errors, logs


def _converges(errors: list[float]) -> bool:
    """Errors small at the last point and still shrinking (or at rounding level).

    Over the last three points ln(1/u) grows 16-fold, so a 1/ln correction shrinks
    the error at least twofold there; a wrong constant, exponent or log power does not.
    """
    last = errors[-1]
    return last < _CHECK_TOLERANCE and (last < 1e-10 or last <= 0.5 * errors[-3])


def _numeric_check(found: dict, symbols: list[sp.Symbol]) -> tuple[dict, ...]:
    """Check rho / law -> 1 along the approach to the edge; return the points used."""
    for values in _trial_parameters(symbols, found["alpha"]):
        errors, _ = _relative_errors(found, values, None)
        evidence = {str(k): float(v) for k, v in values.items()}
        evidence["relative_errors"] = errors
        if not _converges(errors):
            raise DerivationError(
                "the derived law fails the numeric check: rho(u) / law(u) does not tend to 1 "
                f"(relative errors {[f'{e:.2e}' for e in errors]} at parameters {evidence})",
                {k: found[k] for k in ("alpha", "log_power", "prefactor")},
            )
        return (evidence,)
    return ()


def _symbols(rate, weight, z, edge) -> list[sp.Symbol]:
    """The parameters of parsed (sympy) rate, weight and edge."""
    return sorted((rate.free_symbols | weight.free_symbols | edge.free_symbols) - {z}, key=str)


def _leading_worker(rate, weight, z, edge, check):
    """Leading law, conditions and numeric check (runs in the worker process)."""
    start = time.perf_counter()
    found = _symbolic(rate, weight, z, edge)
    condition = sp.simplify(found["alpha"] > 0)
    if condition is sp.false:
        raise DerivationError(
            f"alpha = {found['alpha']} <= 0: rho is not integrable at u -> 0, so the loss is set by "
            "the finite-N cutoff and Watson's lemma gives no law",
            {k: found[k] for k in ("alpha", "log_power", "prefactor")},
        )
    checked = _numeric_check(found, _symbols(rate, weight, z, edge)) if check else ()
    found["conditions"] = () if condition is sp.true else (condition,)
    found["checked_at"] = checked
    found["seconds"] = time.perf_counter() - start
    return found


def _numeric_correction(found: dict) -> sp.Float | None:
    """d1 from f(L) = L (rho/law - 1) = d1 + O(1/L), extrapolated from two points (no parameters)."""
    with mpmath.workdps(300):
        rate, rho, alpha, delta, c = _density_and_law(found, {}, 300)
        points = []
        for exponent in _CHECK_EXPONENTS[1:3]:
            x = mpmath.mpf(10) ** exponent
            u = rate(x)
            log_inv = -mpmath.log(u)
            ratio = rho(x) / (c * u ** (alpha - 1) * log_inv**delta)
            points.append((log_inv, log_inv * (ratio - 1)))
        (l1, f1), (l2, f2) = points
        d1 = (l2 * f2 - l1 * f1) / (l2 - l1)
    return sp.Float(d1, 15) if mpmath.isfinite(d1) else None


def _correction_worker(found: dict, symbols: list[sp.Symbol]):
    """d1 of rho ~ c u^(alpha-1) L^delta (1 + d1/L), kept only if it passes the numeric check.

    The symbolic limit is tried first; for a law without free parameters a numeric
    extrapolation is the fallback. Returns None when neither gives a checked value.
    """
    var = found["variable"]
    try:
        d1 = sp.simplify(sp.limit(found["residual"] * (-found["log_rate"]), var, sp.oo))
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError, RecursionError):
        d1 = None
    if d1 is None or not _is_finite_number(d1):
        d1 = None if symbols else _numeric_correction(found)
    if d1 is None:
        return None
    if d1.is_Rational and d1.q > 10**6:  # a float in disguise (from Float coefficients)
        d1 = sp.Float(d1, 30)
    for values in _trial_parameters(symbols, found["alpha"]):
        errors, logs = _relative_errors(found, values, d1)
        if not (_converges(errors) and float(errors[-1] * logs[-1]) < _CHECK_TOLERANCE):
            return None
        break
    return d1


def derive(
    rate, weight, z, *, edge=sp.oo, timeout: float | None = 60.0, check: bool = True, correction: bool = True
) -> ScalingLaw:
    """Derive the asymptotic loss law of modes with rate lambda(z) and weight w(z).

    Parameters
    ----------
    rate, weight : sympy.Expr or str
        lambda(z) > 0, vanishing at ``edge``, and w(z) > 0. Other symbols are
        parameters (declare them ``positive=True`` for symbolic results).
    z : sympy.Symbol
        The continuous feature index.
    edge : sympy expression
        End of the domain where the rate vanishes: ``sympy.oo`` for a tail
        (power law, stretched exponential), z* for an algebraic edge.
    timeout : float or None
        Wall-clock limit in seconds; the derivation runs in a child process that
        is killed when it passes. ``None`` runs in this process without a limit.
    check : bool
        Verify the law numerically along the approach to the edge (default).
    correction : bool
        Also look for the first log correction d1 (default; it can take seconds, at most
        10 s with a ``timeout``). False leaves ``correction=None``.

    Returns
    -------
    ScalingLaw
        rho(u) ~ prefactor u^(alpha - 1) (ln 1/u)^log_power, with conditions.

    Raises
    ------
    DerivationError
        If a limit cannot be decided, the law fails its numeric check, or the
        time limit passes. ``err.partial`` holds what was found.

    Examples
    --------
    >>> import sympy as sp
    >>> z, a, b = sp.symbols("z a b", positive=True)
    >>> law = derive(z**-a / 3, z**(-a - 2*b) / 6, z)
    >>> law.alpha
    (a + 2*b - 1)/a
    """
    if isinstance(z, str):
        z = sp.Symbol(z, positive=True)
    if not isinstance(z, sp.Symbol):
        raise InvalidInput(f"z must be a sympy Symbol, got {z!r}")
    timeout = check_timeout(timeout)
    # text is parsed, never evaluated (superdyn.theory.expressions), in the timed worker when there is a limit
    texts = (rate, weight, edge)
    rate, weight, edge = parse_expressions(
        texts,
        symbols={z.name: z},
        timeout=timeout if any(isinstance(x, str) for x in texts) else None,
        labels=("rate", "weight", "edge"),
    )
    if z not in rate.free_symbols:
        raise InvalidInput(f"rate must depend on {z}, got {rate}")
    try:
        return _derive_parsed(rate, weight, z, edge, timeout, check, correction)
    except DerivationError as exc:  # say which law it is about
        raise DerivationError(f"no law for rate={rate}, weight={weight}: {exc}", exc.partial) from None


def _derive_parsed(rate, weight, z, edge, timeout, check, with_correction=True) -> ScalingLaw:
    """:func:`derive` for parsed expressions."""
    try:
        if timeout is None:
            found = _leading_worker(rate, weight, z, edge, check)
        else:
            found = call_with_time_limit(_leading_worker, (rate, weight, z, edge, check), seconds=timeout)
    except TimeLimitExceeded as exc:
        raise DerivationError(f"the derivation did not finish: {exc} (timeout={timeout:g} s)") from None
    except _UNDECIDED as exc:  # sympy could not settle a sign or a limit
        raise DerivationError(
            f"the engine could not decide the law ({type(exc).__name__}: {exc}); give the parameters "
            "assumptions, for example sympy.Symbol('a', positive=True)"
        ) from None
    prefactor = sp.sympify(found["prefactor"])  # safe: the engine's own sympy result, not text
    if prefactor.is_number and (prefactor.is_extended_real is False or prefactor.is_negative):
        raise DerivationError(
            f"the weight must be real and >= 0 where the loss is decided (near the edge), but the "
            f"prefactor comes out as {prefactor}: a loss cannot be negative or complex",
            found,
        )
    args = (found, _symbols(rate, weight, z, edge))
    try:
        if not with_correction:
            correction = None
        elif timeout is None:
            correction = _correction_worker(*args)
        else:
            correction = call_with_time_limit(
                _correction_worker, args, seconds=min(_CORRECTION_SECONDS, timeout)
            )
    except (TimeLimitExceeded, *_UNDECIDED):
        correction = None
    return ScalingLaw(
        alpha=found["alpha"],
        log_power=found["log_power"],
        prefactor=found["prefactor"],
        correction=correction,
        conditions=found["conditions"],
        rate=rate,
        weight=weight,
        variable=z,
        edge=edge,
        checked_at=found["checked_at"],
        seconds=found["seconds"],
    )
