"""How superdyn measures a training exponent: one documented method, applied everywhere.

Given the loss curves of several seeds of one configuration (seeds of W and of the data):

1. **Pure power law.** OLS of ln L on ln t over the stated window (default
   t in [1e3, 1e4], the paper's mid-training window) for every seed, and for the
   seed-averaged curve (geometric mean over seeds at each time).
   ``alpha`` is the fit of the averaged curve; its ``uncertainty`` combines the fit's
   standard error with the seed-to-seed standard error of the per-seed exponents in
   quadrature.
2. **Local exponent profile.** Sliding fits over +/- 1/4 decade of the averaged curve:
   shows whether the window holds a power law at all.
3. **Floor-subtracted fit.** L = c t^-alpha + L0 on the same window (paper Eq. 9 without
   the width term): sensitive to the plateau the bottleneck adds late in training.
4. **Automatic window.** The widest window (>= 1/2 decade) where the local exponent
   varies by at most 0.1, and the pure fit on it.

All four are reported; the first is the headline. None is chosen after the fact to agree
with a reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics import FitError, find_window, fit_power_law, fit_power_law_with_floor, local_exponent_profile

__all__ = ["DEFAULT_WINDOW", "ExponentMeasurement", "average_curve", "measure_exponent"]

#: The paper's mid-training fit window (Section 4.1, Appendix A.3).
DEFAULT_WINDOW = (1e3, 1e4)
_AUTO_TOLERANCE = 0.1


@dataclass(frozen=True)
class ExponentMeasurement:
    """A training exponent measured by the method of this module.

    Attributes
    ----------
    alpha, uncertainty : float
        Pure fit of the seed-averaged curve on ``window``; fit and seed errors combined.
    stderr : float
        The fit's OLS standard error alone.
    window : (float, float)
    seed_alphas : tuple of float
        Pure fit of every seed on ``window``.
    seed_spread : float
        Standard deviation of ``seed_alphas`` (0 for one seed).
    floor_alpha, floor_stderr, floor : float or None
        Floor-subtracted fit (None with ``floor_error`` set when it is rejected).
    floor_error : str
    auto_window : (float, float) or None
        Widest window of nearly constant local exponent, and ``auto_alpha`` fitted there.
    auto_alpha : float or None
    profile_t, profile_alpha : ndarray
        Local exponent profile of the averaged curve.
    """

    alpha: float
    uncertainty: float
    stderr: float
    window: tuple
    seed_alphas: tuple
    seed_spread: float
    floor_alpha: float | None
    floor_stderr: float | None
    floor: float | None
    floor_error: str
    auto_window: tuple | None
    auto_alpha: float | None
    profile_t: np.ndarray
    profile_alpha: np.ndarray

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["profile_t"] = self.profile_t.tolist()
        out["profile_alpha"] = self.profile_alpha.tolist()
        out["seed_alphas"] = list(self.seed_alphas)
        return out

    @property
    def method(self) -> str:
        lo, hi = self.window
        return f"OLS of ln L on ln t, t in [{lo:g}, {hi:g}], {len(self.seed_alphas)} seed(s)"


def _positive(t, loss):
    t, loss = np.asarray(t, dtype=float), np.asarray(loss, dtype=float)
    keep = (t > 0) & np.isfinite(loss)
    return t[keep], loss[keep]


def average_curve(curves) -> tuple[np.ndarray, np.ndarray]:
    """Geometric mean over seeds at the times every seed measured.

    Parameters
    ----------
    curves : sequence of (t, loss)
        One pair of arrays per seed.
    """
    curves = [_positive(t, loss) for t, loss in curves]
    if not curves:
        raise ValueError("curves must hold at least one (t, loss) pair")
    common = curves[0][0]
    for t, _ in curves[1:]:
        common = np.intersect1d(common, t)
    if common.size == 0:
        raise ValueError("the seeds share no measurement time")
    logs = [np.log(np.clip(loss[np.searchsorted(t, common)], 1e-300, None)) for t, loss in curves]
    return common, np.exp(np.mean(logs, axis=0))


def measure_exponent(curves, window=DEFAULT_WINDOW) -> ExponentMeasurement:
    """Measure the training exponent of one configuration from its seeds' curves.

    Parameters
    ----------
    curves : sequence of (t, loss)
        One pair per seed (t = lr * steps, the measured loss).
    window : (float, float)
        The fit window in t.

    Raises
    ------
    FitError
        When the averaged curve does not decay on ``window`` (carries the estimate).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 5, 51)
    >>> m = measure_exponent([(t, 2 * t**-0.8), (t, 3 * t**-0.8)])
    >>> round(m.alpha, 10), round(m.seed_spread, 10)
    (0.8, 0.0)
    """
    t, loss = average_curve(curves)
    fit = fit_power_law(t, loss, window)
    seed_alphas = []
    for ts, ls in curves:
        ts, ls = _positive(ts, ls)
        try:
            seed_alphas.append(fit_power_law(ts, ls, window).alpha)
        except FitError as err:
            seed_alphas.append(err.estimate.alpha)
    spread = float(np.std(seed_alphas, ddof=1)) if len(seed_alphas) > 1 else 0.0
    uncertainty = float(np.hypot(fit.stderr, spread / np.sqrt(len(seed_alphas))))
    floor_alpha = floor_stderr = floor = None
    floor_error = ""
    try:
        floored = fit_power_law_with_floor(t, loss, window)
        floor_alpha, floor_stderr, floor = floored.alpha, floored.stderr, floored.floor
    except FitError as err:
        floor_error = err.reason
    profile = local_exponent_profile(t, loss)
    auto_window = auto_alpha = None
    try:
        auto_window = find_window(profile.t, profile.alpha, _AUTO_TOLERANCE)
        auto_alpha = fit_power_law(t, loss, auto_window).alpha
    except ValueError:  # no flat stretch (FitError is a ValueError too)
        auto_window = None
    return ExponentMeasurement(
        fit.alpha,
        uncertainty,
        fit.stderr,
        tuple(window),
        tuple(seed_alphas),
        spread,
        floor_alpha,
        floor_stderr,
        floor,
        floor_error,
        auto_window,
        auto_alpha,
        profile.t,
        profile.alpha,
    )
