"""The result of a derivation: an asymptotic loss law and its finite-time corrections.

With rho(u) ~ c u^(alpha-1) (ln 1/u)^delta [1 + d1 / ln(1/u)] (see :mod:`superdyn.theory.engine`):

* leading law (Watson's lemma):  L(t) ~ c Gamma(alpha) (2t)^-alpha (ln 2t)^delta;
* first log correction: the factor [1 + (d1 - delta psi(alpha)) / ln 2t];
* finite-N cutoff (delta = 0): the modes stop at lambda_min, so
  L_N(t) = c (2t)^-alpha Gamma(alpha, 2 t lambda_min) (upper incomplete gamma),
  with local exponent alpha + y^alpha e^-y / Gamma(alpha, y), y = 2 t lambda_min.
  The discrete sum over i = 1..N is read as the midpoint rule on [1/2, N + 1/2],
  so lambda_min = lambda(N + 1/2) (for an edge z*, lambda(i_last + 1/2));
* mid-training window 1/lambda(1) << t << 1/lambda_min.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace

import mpmath
import numpy as np
import sympy as sp

from .curve import LossCurve
from .errors import InvalidInput
from .expressions import parse_expression, parse_expressions
from .validate import as_float_array, check_count, check_real

__all__ = ["ScalingLaw", "finite_size_exponent"]


def _finite(values, what: str, params: dict) -> np.ndarray:
    """``values`` if all finite, else a ValueError naming t and the parameters."""
    if not np.all(np.isfinite(values)):
        raise InvalidInput(
            f"the law's {what} leaves float64 at some t for {params}; use t nearer the law's window"
        )
    return values


#: Where ln Gamma(alpha, y) switches from mpmath to its expansions at y -> 0 and y -> oo.
_SMALL_Y, _LARGE_Y = 1e-10, 1e10


def _log_upper_gamma(alpha: float, y):
    """ln Gamma(alpha, y) for y >= 0 of any size (an mpmath number), at bounded cost.

    y < 1e-10: Gamma(alpha) - y^alpha / alpha (the next term is y times smaller); y > 1e10:
    (alpha - 1) ln y - y + ln(1 + (alpha - 1)/y) (the next term is below (alpha/y)^2 <= 1e-12
    for alpha <= 1e4); mpmath's gammainc between. mpmath alone, given y = 10^(-10^7) or
    10^(10^7), raises its precision without bound.
    """
    y = mpmath.mpf(y)
    if y == 0:
        return mpmath.loggamma(alpha)
    with mpmath.workdps(30):
        if y < _SMALL_Y:
            return mpmath.log(mpmath.gamma(alpha) - mpmath.exp(alpha * mpmath.log(y)) / alpha)
        if y > _LARGE_Y:
            return (alpha - 1) * mpmath.log(y) - y + mpmath.log1p((alpha - 1) / y)
        return mpmath.log(mpmath.gammainc(alpha, y))


def _cutoff_ratio(alpha: float, y) -> float:
    """y^alpha e^-y / Gamma(alpha, y) at y = 2 t lambda_min (an mpmath number, any size).

    Both factors leave float64 for large y and cancel to about y + 1 - alpha: the ratio is
    taken in logs, ln y - ln(1 + (alpha - 1)/y) beyond y = 1e10, where the cancellation is
    done by hand.
    """
    y = mpmath.mpf(y)
    if y == 0:
        return 0.0
    with mpmath.workdps(30):
        if y > _LARGE_Y:
            return float(y / (1 + (alpha - 1) / y))
        return float(mpmath.exp(alpha * mpmath.log(y) - y - _log_upper_gamma(alpha, y)))


def _at_times(function, alpha: float, rate_min, t: np.ndarray) -> np.ndarray:
    """``function(alpha, y)`` at y = 2 t lambda_min for every t, in mpmath (y may leave float64)."""
    values = [float(function(alpha, 2 * mpmath.mpf(float(ti)) * rate_min)) for ti in t.ravel()]
    return np.array(values).reshape(t.shape)


def finite_size_exponent(alpha: float, rate_min: float, t) -> np.ndarray:
    """Local exponent alpha + y^alpha e^-y / Gamma(alpha, y), y = 2 t lambda_min, of the
    finite-N law L_N(t) = c (2t)^-alpha Gamma(alpha, 2 t lambda_min).

    Exact for any t: the ratio is evaluated in mpmath with the precision that its
    cancellation needs (for y >> 1 it approaches y + 1 - alpha).

    Examples
    --------
    >>> round(float(finite_size_exponent(0.5, 1e-3, [1.0])[0]), 4)
    0.5265
    >>> float(finite_size_exponent(0.5, 1e-3, [1e22])[0])  # y = 2e19: about y + 1/2
    2e+19
    """
    check_real("alpha", alpha, lower=0.0, lower_open=True, upper=1e4)  # Gamma(alpha, y) is slow beyond
    check_real("rate_min", rate_min, lower=0.0, lower_open=True)
    t = as_float_array("t", t)
    if np.any(t < 0):
        raise InvalidInput(f"t must be >= 0, got min(t)={t.min():g}")
    out = alpha + _at_times(_cutoff_ratio, alpha, rate_min, t)
    if not np.all(np.isfinite(out)):
        raise InvalidInput(f"t: the local exponent leaves float64 for alpha={alpha:g}, rate_min={rate_min:g}")
    return out


@dataclass(frozen=True)
class ScalingLaw:
    """An asymptotic loss law L(t) ~ c Gamma(alpha) (2t)^-alpha (ln 2t)^delta.

    Attributes
    ----------
    alpha : sympy.Expr
        Power-law exponent of the loss.
    log_power : sympy.Expr
        delta, the power of the logarithm.
    prefactor : sympy.Expr
        c in rho(u) ~ c u^(alpha-1) (ln 1/u)^delta as u -> 0+.
    correction : sympy.Expr or None
        d1 of the next term of rho (None when the engine could not find it).
    conditions : tuple of sympy relationals
        Conditions on the parameters for the law to hold (empty: always).
    rate, weight : sympy.Expr
        The mode rate lambda(z) and weight w(z) the law was derived from.
    variable : sympy.Symbol
        The index z.
    edge : sympy.Expr
        Where lambda vanishes (``oo`` for a tail).
    checked_at : tuple of dict
        Parameter values and relative errors of the numeric check.
    seconds : float
        Time the derivation took.
    """

    alpha: sp.Expr
    log_power: sp.Expr
    prefactor: sp.Expr
    correction: sp.Expr | None
    conditions: tuple
    rate: sp.Expr
    weight: sp.Expr
    variable: sp.Symbol
    edge: sp.Expr = sp.oo
    checked_at: tuple = ()
    seconds: float = field(default=0.0, compare=False)

    def __post_init__(self):
        # a law built by hand may carry text: it is parsed (never sympified: sympify runs Python)
        z = self.variable if isinstance(self.variable, sp.Symbol) else parse_expression(self.variable)
        if not isinstance(z, sp.Symbol):
            raise InvalidInput(f"variable must be a sympy Symbol or a name, got {self.variable!r}")
        object.__setattr__(self, "variable", z)
        for name in ("alpha", "log_power", "prefactor", "correction", "rate", "weight", "edge"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, sp.Basic):
                (parsed,) = parse_expressions([value], symbols={z.name: z}, labels=(name,), positive=True)
                object.__setattr__(self, name, parsed)
        if not all(isinstance(c, sp.Basic) for c in self.conditions):
            raise InvalidInput(f"conditions must be sympy relations, got {self.conditions!r}")

    # -- parameters --------------------------------------------------------------
    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free parameters of the law (symbols other than the index), sorted by name."""
        found = self.rate.free_symbols | self.weight.free_symbols | self.edge.free_symbols
        return tuple(sorted(found - {self.variable}, key=str))

    def _substitution(self, params: dict) -> dict:
        names = {s.name: s for s in self.parameters}
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise InvalidInput(f"unknown parameter(s) {unknown}; the law has {sorted(names)}")
        missing = sorted(set(names) - set(params))
        if missing:
            raise InvalidInput(f"missing value(s) for parameter(s) {missing}")
        for name, value in params.items():  # the law was derived under its symbols' assumptions
            symbol = names[name]
            if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)):
                raise InvalidInput(f"{name} must be a finite real number, got {value!r}")
            # a positive symbol's law holds at 0 as its limit where it is finite (b = 0: no channel decay)
            if (symbol.is_positive or symbol.is_nonnegative) and not value >= 0:
                raise InvalidInput(
                    f"{name} must be >= 0 (the law was derived for {name} in [0, oo)), got {value!r}"
                )
        return {
            names[k]: sp.nsimplify(v) if isinstance(v, int) else sp.Float(v, 30) for k, v in params.items()
        }

    def _numbers(self, params: dict) -> tuple[float, float, float, float]:
        sub = self._substitution(params)
        for condition in self.conditions:
            try:
                holds = sp.sympify(condition.subs(sub))  # safe: a sympy relation, not text
            except TypeError:  # the condition is undefined there (a division by zero)
                holds = sp.false
            if holds is sp.false:
                raise InvalidInput(f"the parameters {params} violate the law's condition {condition}")
        values = []
        for expr in (self.alpha, self.log_power, self.prefactor, self.correction or sp.Integer(0)):
            value = complex(sp.N(expr.subs(sub), 30))
            if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)) or not math.isfinite(value.real):
                raise InvalidInput(f"the law is not real and finite at {params}: {expr} = {value}")
            values.append(value.real)
        return tuple(values)

    def _rate_exact(self, z: float, params: dict):
        """lambda(z) as an mpmath number (its exponent is not bounded by float64's)."""
        try:
            value = sp.N(self.rate.subs(self._substitution(params)).subs(self.variable, sp.Float(z, 30)), 30)
        except (OverflowError, RecursionError) as exc:
            raise InvalidInput(f"the rate at z={z} cannot be evaluated for {params} ({exc})") from None
        if not (value.is_real and value.is_positive and value.is_finite):
            raise InvalidInput(f"the rate at z={z} is {value}, not a positive real number, for {params}")
        return mpmath.mpf(str(value))

    def _rate_at(self, z: float, params: dict) -> float:
        value = float(self._rate_exact(z, params))
        if not np.finfo(np.float64).tiny <= value < math.inf:
            raise InvalidInput(f"the rate at z={z} is {value:g}, not a normal positive float64, for {params}")
        return value

    def _cutoff_index(self, n_features: int, params: dict) -> int:
        n = check_count("n_features", n_features)
        if self.edge == sp.oo:
            return n
        edge = float(sp.N(self.edge.subs(self._substitution(params))))
        return min(n, math.ceil(edge) - 1)

    def window(self, n_features: int, **params) -> tuple[float, float]:
        """Mid-training window (1/lambda(1), 1/lambda(i_last)) for N features."""
        last = self._cutoff_index(n_features, params)
        return 1.0 / self._rate_at(1, params), 1.0 / self._rate_at(last, params)

    def rate_min(self, n_features: int, **params) -> float:
        """The cutoff rate lambda(i_last + 1/2) of the finite-N law."""
        return self._rate_at(self._cutoff_index(n_features, params) + 0.5, params)

    # -- evaluation --------------------------------------------------------------
    def _prepare(self, t, n_features, log_correction, params):
        t = as_float_array("t", t)
        if np.any(t <= 0):
            raise InvalidInput("t must be > 0")
        alpha, delta, c, d1 = self._numbers(params)
        if not 0 < alpha <= 1e4:
            raise InvalidInput(f"the law's exponent alpha = {alpha:g} is not in (0, 1e4] at {params}")
        k = (d1 - delta * float(mpmath.digamma(alpha))) if log_correction else 0.0
        if (delta != 0 or k != 0) and np.any(t <= 0.5):
            raise InvalidInput("t must be > 1/2 for a law with a logarithmic factor (ln 2t > 0)")
        if n_features is not None and delta != 0:
            raise InvalidInput(
                f"the finite-N cutoff in closed form needs log_power = 0, got {delta:g}; "
                "use the exact discrete sum (superdyn.numerics.exact_loss) instead"
            )
        rate_min = None
        if n_features is not None:  # exact: lambda(i_last + 1/2) may be far below float64's range
            rate_min = self._rate_exact(self._cutoff_index(n_features, params) + 0.5, params)
        return t, alpha, delta, c, k, rate_min

    def _log_loss(self, t, n_features, log_correction, params) -> np.ndarray:
        """ln L(t), in log space throughout: 2t, (2t)^-alpha and Gamma(alpha, y) may leave float64."""
        t, alpha, delta, c, k, rate_min = self._prepare(t, n_features, log_correction, params)
        if c <= 0:
            raise InvalidInput(f"the law's prefactor is {c:g}, not > 0, at {params}")
        x = math.log(2.0) + np.log(t)  # ln 2t, finite for every finite t > 0
        factor = 1.0 + k / x if k else np.ones_like(x)
        if np.any(factor <= 0):
            raise InvalidInput("the log correction exceeds the leading term at the smallest t; use larger t")
        if rate_min is None:
            log_upper = np.full_like(x, float(mpmath.loggamma(alpha)))
        else:
            log_upper = _at_times(_log_upper_gamma, alpha, rate_min, t)
        log_loss = math.log(c) - alpha * x + log_upper + np.log(factor)
        if delta:
            log_loss = log_loss + delta * np.log(x)
        return _finite(log_loss, "loss", params)

    def loss(self, t, *, n_features: int | None = None, log_correction: bool = True, **params) -> np.ndarray:
        """Asymptotic loss at times t (t = eta * steps).

        Parameters
        ----------
        t : array_like
            Times, > 0 (> 1/2 when the law has a logarithm).
        n_features : int, optional
            Apply the finite-N cutoff of a Task with N features (needs delta = 0).
        log_correction : bool
            Include the first log-correction factor [1 + (d1 - delta psi(alpha)) / ln 2t].
        **params : float
            Values of the law's parameters.
        """
        with np.errstate(over="ignore"):  # checked: a loss above float64's range is refused
            loss = np.exp(self._log_loss(t, n_features, log_correction, params))
        return _finite(loss, "loss", params)

    def curve(self, t, *, n_features: int | None = None, log_correction: bool = True, **params) -> LossCurve:
        """:meth:`loss` and :meth:`local_exponent` at times t as a :class:`~superdyn.theory.curve.LossCurve`.

        Examples
        --------
        >>> from superdyn.theory import PowerLaw, Task
        >>> law = Task(PowerLaw(2.0), n_features=10**6).scaling_law()
        >>> curve = law.curve([1e2, 1e3], log_correction=False)
        >>> curve.method, [round(float(x), 12) for x in curve.local_exponent]
        ('scaling law', [0.5, 0.5])
        """
        options = {"n_features": n_features, "log_correction": log_correction, **params}
        log_loss = np.atleast_1d(self._log_loss(t, n_features, log_correction, params))
        loss = np.exp(log_loss)  # may underflow to 0 where the law is below 1e-308: log_loss keeps it
        local = np.atleast_1d(self.local_exponent(t, **options))
        return LossCurve(
            np.atleast_1d(np.asarray(t, dtype=float)), loss, log_loss, local, method="scaling law"
        )

    def local_exponent(
        self, t, *, n_features: int | None = None, log_correction: bool = True, **params
    ) -> np.ndarray:
        """-d ln L / d ln t of :meth:`loss`, computed analytically.

        alpha - delta/x + (k/x^2) / (1 + k/x) with x = ln 2t and k = d1 - delta psi(alpha);
        with the finite-N cutoff add y^alpha e^-y / Gamma(alpha, y), y = 2 t lambda_min.
        """
        t, alpha, delta, _, k, rate_min = self._prepare(t, n_features, log_correction, params)
        x = math.log(2.0) + np.log(t)
        out = np.full_like(t, alpha)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
            if delta:
                out -= delta / x
            if k:
                out += (k / x**2) / (1.0 + k / x)
        if rate_min is not None:
            out += _at_times(_cutoff_ratio, alpha, rate_min, t)
        return _finite(out, "local exponent", params)

    # -- presentation ------------------------------------------------------------
    def latex(self) -> str:
        r"""LaTeX of the law, ``\mathcal{L}(t) \simeq ...``."""
        amplitude = sp.latex(sp.simplify(self.prefactor * sp.gamma(self.alpha)))
        text = rf"\mathcal{{L}}(t) \simeq {amplitude}\,(2t)^{{-{sp.latex(self.alpha)}}}"
        if self.log_power != 0:
            text += rf"\,(\ln 2t)^{{{sp.latex(self.log_power)}}}"
        return text

    def _repr_latex_(self) -> str:
        """The law in Jupyter: the equation, its conditions and its mid-training window."""
        z = self.variable

        def short(expr):  # floats to 6 digits for reading
            return expr.xreplace({f: sp.Float(f, 6) for f in expr.atoms(sp.Float)})

        rate = sp.latex(short(self.rate))
        parts = [replace(self, prefactor=short(self.prefactor)).latex()]
        if self.conditions:
            parts.append(r"\text{for } " + r",\ ".join(sp.latex(c) for c in self.conditions))
        last = r"z_N" if self.edge == sp.oo else sp.latex(self.edge) + "-1"
        parts.append(
            rf"\text{{in }} 1/\lambda(1) \ll t \ll 1/\lambda({last}),\ \lambda({sp.latex(z)}) = {rate}"
        )
        return "$" + r",\quad ".join(parts) + "$"

    def to_dict(self) -> dict:
        return {
            "alpha": str(self.alpha),
            "log_power": str(self.log_power),
            "prefactor": str(self.prefactor),
            "correction": None if self.correction is None else str(self.correction),
            "conditions": [str(c) for c in self.conditions],
            "rate": str(self.rate),
            "weight": str(self.weight),
            "variable": str(self.variable),
            "edge": str(self.edge),
            "checked_at": list(self.checked_at),
            "seconds": self.seconds,
        }
