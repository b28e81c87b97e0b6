"""How superdyn measures a training exponent: one method decides, three others stand beside it.

The decision, fixed before any run was measured, and why:

**Headline (decides the verdict): the paper's Eq. 9 form, L = c t^-alpha + L0 (L0 >= 0),
fitted on a window set by the physics of the configuration.** Section 4.1 of the paper
extracts alpha from the stage "where c_t t^-alpha + L0 dominates", and Appendix A.1.1 says
the mid-training stage is where 1 << z_c << N. A fixed window in t is a different stage
of training for every (a, b, K, lr): at one it is mid-training, at another it already holds
the capacity plateau, which then enters the exponent. So the window comes from the
configuration, not from the result:

* without superposition (the exact learning front is known): the times at which the front
  z_c(t), defined by 2 lambda(z_c) t = 1 with lambda_i = p_i m2, lies in
  [``FRONT_FIRST``, N * ``FRONT_LAST_SHARE``] = [10, N/10] (:func:`learning_front_window`);
* with superposition (no front is known): the stretch where the local exponent of the
  seed-averaged curve is at least half its maximum (:func:`plateau_free_window`), which
  ends where the capacity plateau takes over and starts once the early transient is over.

**Beside it, in this order** (the verdict's "reproduced only if" conditions):

1. the Eq. 9 fit on the fixed window [1e3, 1e4] (Appendix A.3 gives this window for the
   fixed- and learnable-embedding runs; the paper states no window for Section 4.1);
2. a pure power law (OLS of ln L on ln t) on the physics window;
3. a pure power law on the fixed window [1e3, 1e4].

And the local-exponent profile (sliding OLS over +/- 1/4 decade), whose range inside the
physics window shows whether there is a single exponent to measure at all.

Every fit is made on the seed-averaged curve (geometric mean over seeds at each time);
its uncertainty combines the fit's standard error with the seed-to-seed standard error of
the same fit made on each seed, in quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.numerics import FitError, fit_power_law, fit_power_law_with_floor, local_exponent_profile
from superdyn.theory.curve import LossCurve
from superdyn.theory.errors import InvalidInput

from .claims import Alternative

__all__ = [
    "FIXED_WINDOW",
    "ExponentMeasurement",
    "FitResult",
    "arithmetic_mean_curve",
    "eq9_alpha",
    "fit_one",
    "learning_front_window",
    "mean_loss_curve",
    "measure_exponent",
    "plateau_free_window",
]

#: Appendix A.3's mid-training window ("t ~ 10^3 to 10^4") for the embedding runs.
FIXED_WINDOW = (1e3, 1e4)
#: The learning front's range for the no-superposition window: z_c in [10, N/10].
FRONT_FIRST, FRONT_LAST_SHARE = 10.0, 0.1
#: The superposition window: where the local exponent is at least this share of its maximum.
HALF_MAXIMUM = 0.5
#: A window narrower than this (in decades) holds no exponent worth a fit.
MIN_DECADES = 0.5

EQ9, PURE = "Eq. 9 fit c t^-alpha + L0", "pure power law (OLS of ln L on ln t)"


def learning_front_window(task, first=FRONT_FIRST, last_share=FRONT_LAST_SHARE) -> tuple[float, float]:
    """Times at which the learning front z_c(t) lies in [first, N * last_share].

    For N < 40 * first the lower end becomes N * last_share / 4.

    The front is where 2 lambda(z_c) t = 1 with lambda_i = p_i m2 (paper Eq. 11, with the
    rate of exp(-2 lambda t) in Eq. 7), so t(z) = 1 / (2 p_z m2); p decreases with i.

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> lo, hi = learning_front_window(Task(PowerLaw(2.0), n_features=1000))
    >>> round(hi / lo, 6)  # (z_hi / z_lo)^a = (100 / 10)^2
    100.0
    """
    n = task.n_features
    z_hi = float(n) * float(last_share)
    z_lo = min(float(first), z_hi / 4)  # small N (tests): keep a factor 4 between the ends
    if not 1 <= z_lo < z_hi <= n:
        raise InvalidInput(f"the learning front's range [{z_lo:g}, {z_hi:g}] must lie inside [1, N={n}]")
    p = task.frequencies_at(np.array([round(z_lo), round(z_hi)]))
    t_lo, t_hi = (float(1.0 / (2.0 * q * task.m2)) for q in p)
    if not t_lo < t_hi:
        raise InvalidInput("the frequencies do not decrease between the front's ends; no front window")
    return t_lo, t_hi


def plateau_free_window(t, loss) -> tuple[float, float]:
    """The stretch around the largest local exponent where it stays >= half of that maximum.

    Raises
    ------
    ValueError
        When that stretch is narrower than ``MIN_DECADES`` or the curve never decays.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 5, 101)
    >>> lo, hi = plateau_free_window(t, 1.0 / (1.0 + t / 10.0) + 1e-3)  # t^-1 from t ~ 10, plateau at 1e-3
    >>> bool(5 < lo < 30), bool(3e3 < hi < 3e4)
    (True, True)
    """
    t, loss = _positive(t, loss)
    profile = local_exponent_profile(t, loss)
    peak = int(np.argmax(profile.alpha))
    top = float(profile.alpha[peak])
    if not top > 0:
        raise InvalidInput("the curve does not decay anywhere; no window")
    above = profile.alpha >= HALF_MAXIMUM * top
    lo = peak
    while lo > 0 and above[lo - 1]:
        lo -= 1
    hi = peak
    while hi < above.size - 1 and above[hi + 1]:
        hi += 1
    window = (float(profile.t[lo]), float(profile.t[hi]))
    if np.log10(window[1] / window[0]) < MIN_DECADES:
        raise InvalidInput(
            f"the local exponent stays above half its maximum {top:.3g} only on t in "
            f"[{window[0]:.3g}, {window[1]:.3g}], less than {MIN_DECADES} decade"
        )
    return window


@dataclass(frozen=True, kw_only=True)
class FitResult:
    """One method's exponent, with its window and, if it failed, why.

    Attributes
    ----------
    method : str
    window : (float, float) or None
    alpha, uncertainty : float
        NaN when no estimate could be made; a rejected fit keeps its estimate and ``error``.
    floor : float or None
        L0 of an Eq. 9 fit.
    seed_alphas : tuple of float
    error : str
        "" when the fit was accepted.
    """

    method: str
    window: tuple | None
    alpha: float
    uncertainty: float
    floor: float | None = None
    seed_alphas: tuple = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and bool(np.isfinite(self.alpha))

    @property
    def condition(self) -> str:
        lo, hi = self.window if self.window else (np.nan, np.nan)
        return f"the {self.method} is used on t in [{lo:.3g}, {hi:.3g}]"

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "window": self.window,
            "alpha": self.alpha,
            "uncertainty": self.uncertainty,
            "floor": self.floor,
            "seed_alphas": list(self.seed_alphas),
            "error": self.error,
        }


def fit_one(kind, t, loss, window):
    """(alpha, stderr, floor, error) of one method (``EQ9`` or ``PURE``) on one curve."""
    fitter = fit_power_law_with_floor if kind == EQ9 else fit_power_law
    try:
        fit = fitter(t, loss, window)
        return fit.alpha, fit.stderr, getattr(fit, "floor", None), ""
    except FitError as err:
        if err.estimate is None:
            return np.nan, np.nan, None, err.reason
        return err.estimate.alpha, err.estimate.stderr, getattr(err.estimate, "floor", None), err.reason
    except ValueError as err:
        return np.nan, np.nan, None, str(err)


def eq9_alpha(t, loss, window) -> float:
    """The headline fit's alpha of one curve (a theory curve, say) on ``window``; NaN without a window."""
    return float("nan") if window is None else float(fit_one(EQ9, t, loss, window)[0])


def _method(kind, window, averaged, seeds) -> FitResult:
    if window is None:
        return FitResult(method=kind, window=None, alpha=np.nan, uncertainty=np.nan, error="no window")
    alpha, stderr, floor, error = fit_one(kind, *averaged, window)
    seed_alphas = tuple(float(fit_one(kind, *curve, window)[0]) for curve in seeds)
    finite = [a for a in seed_alphas if np.isfinite(a)]
    spread = float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0
    uncertainty = float(np.hypot(stderr, spread / np.sqrt(len(seed_alphas))))
    return FitResult(
        method=kind,
        window=tuple(window),
        alpha=float(alpha),
        uncertainty=uncertainty,
        floor=floor,
        seed_alphas=seed_alphas,
        error=error,
    )


@dataclass(frozen=True, kw_only=True)
class ExponentMeasurement:
    """A training exponent measured by the method of this module.

    Attributes
    ----------
    headline : FitResult
        The Eq. 9 fit on the physics window: decides the verdict.
    alternatives : tuple of FitResult
        Eq. 9 on the fixed window, pure fit on the physics window, pure fit on the fixed window.
    window_rule : str
        How the physics window was set.
    n_seeds : int
    profile_t, profile_alpha : ndarray
        The local-exponent profile of the seed-averaged curve.
    """

    headline: FitResult
    alternatives: tuple
    window_rule: str
    n_seeds: int
    profile_t: np.ndarray
    profile_alpha: np.ndarray

    @property
    def alpha(self) -> float:
        return self.headline.alpha

    @property
    def uncertainty(self) -> float:
        return self.headline.uncertainty

    @property
    def window(self) -> tuple | None:
        return self.headline.window

    @property
    def failure(self) -> str:
        """Why the headline could not be measured ("" when it was)."""
        return "" if self.headline.ok else f"the headline fit failed: {self.headline.error or 'no estimate'}."

    @property
    def seed_spread(self) -> float:
        finite = [a for a in self.headline.seed_alphas if np.isfinite(a)]
        return float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0

    def by_method(self, method: str, fixed: bool) -> FitResult:
        """The result of ``method`` (EQ9 or PURE) on the fixed or the physics window."""
        for result in (self.headline, *self.alternatives):
            if result.method == method and (result.window == FIXED_WINDOW) == fixed:
                return result
        raise KeyError(method)

    @property
    def profile_range(self) -> tuple[float, float]:
        """(min, max) of the local exponent inside the physics window (NaN without one)."""
        if self.window is None:
            return (np.nan, np.nan)
        inside = (self.profile_t >= self.window[0]) & (self.profile_t <= self.window[1])
        if not inside.any():
            return (np.nan, np.nan)
        return float(self.profile_alpha[inside].min()), float(self.profile_alpha[inside].max())

    @property
    def method(self) -> str:
        lo, hi = self.window or (np.nan, np.nan)
        return f"{EQ9} on t in [{lo:.3g}, {hi:.3g}] ({self.window_rule}), {self.n_seeds} seed(s)"

    def claim_alternatives(self) -> tuple:
        """The alternatives as :class:`superdyn.verify.analyse.claims.Alternative`, in the stated order."""
        return tuple(
            Alternative(r.condition, r.alpha if r.ok else None, r.uncertainty) for r in self.alternatives
        )

    def row(self) -> dict:
        """The four methods side by side, for a report table."""
        lo, hi = self.profile_range
        out = {
            "alpha (Eq. 9, physics window)": self.alpha,
            "±": self.uncertainty,
            "physics window": self.window,
        }
        names = ("Eq. 9, [1e3, 1e4]", "pure, physics window", "pure, [1e3, 1e4]")
        for name, result in zip(names, self.alternatives, strict=True):
            out[name] = result.alpha if np.isfinite(result.alpha) else None
        out["local exponent in window"] = (lo, hi)
        return out

    def to_dict(self) -> dict:
        return {
            "headline": self.headline.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "window_rule": self.window_rule,
            "n_seeds": self.n_seeds,
            "profile_t": self.profile_t.tolist(),
            "profile_alpha": self.profile_alpha.tolist(),
        }


def _positive(t, loss):
    t, loss = np.asarray(t, dtype=float), np.asarray(loss, dtype=float)
    keep = (t > 0) & np.isfinite(loss)
    return t[keep], loss[keep]


def _geometric_mean(curves) -> tuple[np.ndarray, np.ndarray]:
    """(t, exp(mean_s ln L_s)) at the times every seed measured (t > 0)."""
    common, logs = _shared_logs(curves)
    return common, np.exp(np.mean(logs, axis=0))


def _shared_times(curves):
    """The seeds' curves at t > 0 and the times every seed measured."""
    curves = [_positive(t, loss) for t, loss in curves]
    if not curves:
        raise InvalidInput("curves must hold at least one (t, loss) pair")
    common = curves[0][0]
    for t, _ in curves[1:]:
        common = np.intersect1d(common, t)
    if common.size == 0:
        raise InvalidInput("the seeds share no measurement time")
    return curves, common


def _shared_logs(curves):
    """The times every seed measured (t > 0) and ln L of each seed there: (T,), (seeds, T)."""
    curves, common = _shared_times(curves)
    return common, np.array(
        [np.log(np.clip(loss[np.searchsorted(t, common)], 1e-300, None)) for t, loss in curves]
    )


def arithmetic_mean_curve(curves, method: str = "seed mean (arithmetic)") -> LossCurve:
    """The seeds' arithmetic-mean loss as a :class:`~superdyn.theory.curve.LossCurve`, with its
    standard error.

    L(t) = mean_s L_s(t) at the times every seed measured (t > 0): the expected loss that an
    exact theory of the runs (``superdyn.numerics.sgd_loss``) predicts. The error estimate is
    sd_s(L_s(t)) / sqrt(S) (None for one seed).
    """
    curves, common = _shared_times(curves)
    losses = np.array([loss[np.searchsorted(t, common)] for t, loss in curves])
    error = losses.std(0, ddof=1) / np.sqrt(len(losses)) if len(losses) > 1 else None
    return LossCurve.from_samples(common, losses.mean(0), error=error, method=f"{method} of {len(losses)}")


def mean_loss_curve(curves, method: str = "seed mean") -> LossCurve:
    """The seeds' geometric-mean loss as a :class:`~superdyn.theory.curve.LossCurve`, with its standard error.

    L(t) = exp(mean_s ln L_s(t)) at the times every seed measured; the error estimate is
    L(t) sd_s(ln L_s(t)) / sqrt(S) (None for one seed). The mean the exponent fits use.
    """
    common, logs = _shared_logs(curves)
    mean = np.exp(np.mean(logs, axis=0))
    error = mean * np.std(logs, axis=0, ddof=1) / np.sqrt(len(logs)) if len(logs) > 1 else None
    return LossCurve.from_samples(common, mean, error=error, method=f"{method} of {len(logs)}")


def measure_exponent(curves, physics_window=None, *, fixed_window=FIXED_WINDOW) -> ExponentMeasurement:
    """Measure the training exponent of one configuration from its seeds' curves.

    Parameters
    ----------
    curves : sequence of (t, loss)
        One pair per seed (t = lr * steps, the measured loss).
    physics_window : (float, float), optional
        The window set by the configuration (``learning_front_window`` without
        superposition); default: ``plateau_free_window`` of the seed-averaged curve.
    fixed_window : (float, float)
        The fixed window of the alternatives (Appendix A.3's by default).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 5, 51)
    >>> m = measure_exponent([(t, 2 * t**-0.8), (t, 3 * t**-0.8)], physics_window=(10, 1e4))
    >>> round(m.alpha, 6), round(m.seed_spread, 10)
    (0.8, 0.0)
    """
    averaged = _geometric_mean(curves)
    seeds = [_positive(t, loss) for t, loss in curves]
    rule = "set by the learning front, z_c in [10, N/10]"
    if physics_window is None:
        rule = "where the local exponent is >= half its maximum"
        try:
            physics_window = plateau_free_window(*averaged)
        except ValueError as err:
            rule += f" (none: {err})"
            physics_window = None
    else:
        lo, hi = (float(w) for w in physics_window)
        physics_window = (max(lo, float(averaged[0][0])), min(hi, float(averaged[0][-1])))
        if not physics_window[0] < physics_window[1]:
            rule += " (outside the measured times)"
            physics_window = None
    fixed_window = tuple(float(w) for w in fixed_window)
    headline = _method(EQ9, physics_window, averaged, seeds)
    alternatives = (
        _method(EQ9, fixed_window, averaged, seeds),
        _method(PURE, physics_window, averaged, seeds),
        _method(PURE, fixed_window, averaged, seeds),
    )
    try:
        profile = local_exponent_profile(*averaged)
        profile_t, profile_alpha = profile.t, profile.alpha
    except ValueError:
        profile_t = profile_alpha = np.array([])
    return ExponentMeasurement(
        headline=headline,
        alternatives=alternatives,
        window_rule=rule,
        n_seeds=len(seeds),
        profile_t=profile_t,
        profile_alpha=profile_alpha,
    )
