"""Power-law fits of loss curves, with uncertainties and evidence when they fail.

One documented method (paper Section 3): ordinary least squares of ln L on ln t over
the points inside a window [t_lo, t_hi],

    ln L = ln c - alpha ln t + e,   stderr(alpha) = sqrt(s^2 / sum (ln t - mean)^2),
    s^2 = sum e^2 / (n - 2).

For an exact (noise-free) curve the standard error measures curvature, not noise, and
it shrinks with the density of points; it is reported, never tuned. Alongside: the
floor-subtracted fit L = c t^-alpha + L0 (the paper's Eq. 9 without the K term), the
local-exponent profile, the automatic window (the widest range where the local
exponent stays within a tolerance) and the window-sensitivity table.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass

import numpy as np
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import as_float_array, check_real

__all__ = [
    "FitError",
    "FlooredPowerLawFit",
    "LocalExponentProfile",
    "PowerLawFit",
    "WindowSensitivity",
    "find_window",
    "fit_power_law",
    "fit_power_law_with_floor",
    "local_exponent_profile",
    "matching_windows",
    "ols",
    "window_sensitivity",
]


# a power-law term that falls by less than this fraction of L over the window is no decay
_NO_DECAY = 1e-8


class FitError(ValueError):
    """A fit that is not a power law; carries the estimate and the reason.

    Attributes
    ----------
    estimate : PowerLawFit or FlooredPowerLawFit or None
        What the fit gave before it was rejected (None if nothing could be computed).
    reason : str
        Why it was rejected.
    """

    def __init__(self, reason: str, estimate=None):
        self.reason = reason
        self.estimate = estimate
        shown = f" (estimate alpha={estimate.alpha:.4g})" if estimate is not None else ""
        super().__init__(reason + shown)


@dataclass(frozen=True)
class PowerLawFit:
    """L ≈ prefactor * t^-alpha on a window.

    Attributes
    ----------
    alpha : float
        Fitted exponent.
    stderr : float
        OLS standard error of alpha.
    prefactor : float
        c = exp(intercept).
    window : tuple of float
        (t_lo, t_hi) as requested.
    n_points : int
        Points inside the window.
    residual : float
        Root-mean-square residual of ln L.
    drift : float
        max - min of the slope between neighbouring points in the window (how far
        the data are from one power law).
    """

    alpha: float
    stderr: float
    prefactor: float
    window: tuple
    n_points: int
    residual: float
    drift: float

    def predict(self, t) -> np.ndarray:
        """c t^-alpha."""
        return self.prefactor * np.asarray(t, dtype=np.float64) ** -self.alpha

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FlooredPowerLawFit:
    """L ≈ prefactor * t^-alpha + floor on a window (least squares in ln L).

    Attributes
    ----------
    alpha, stderr : float
        Exponent and its standard error (from the Jacobian).
    prefactor : float
        c.
    floor, floor_stderr : float
        L0 >= 0 and its standard error.
    window : tuple of float
    n_points : int
    residual : float
        Root-mean-square residual of ln L.
    """

    alpha: float
    stderr: float
    prefactor: float
    floor: float
    floor_stderr: float
    window: tuple
    n_points: int
    residual: float

    def predict(self, t) -> np.ndarray:
        return self.prefactor * np.asarray(t, dtype=np.float64) ** -self.alpha + self.floor

    def to_dict(self) -> dict:
        return asdict(self)


def _check_curve(t, loss, name: str = "loss"):
    t = np.atleast_1d(as_float_array("t", t))
    loss = np.atleast_1d(as_float_array(name, loss))
    if t.ndim != 1 or t.shape != loss.shape:
        raise InvalidInput(f"t and {name} must be 1-D and of the same length, got {t.shape} and {loss.shape}")
    if np.any(t <= 0):
        raise InvalidInput(f"t must be > 0 for a fit in ln t, got min(t)={t.min():g}")
    if np.any(np.diff(t) <= 0):
        raise InvalidInput("t must be strictly increasing")
    return t, loss


def check_window(window) -> tuple[float, float]:
    """Return ``window`` as (t_lo, t_hi) after checking 0 < t_lo < t_hi < inf."""
    try:
        lo, hi = (float(w) for w in window)
    except (TypeError, ValueError):
        raise InvalidInput(f"window must be a pair (t_lo, t_hi), got {window!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise InvalidInput(f"window must satisfy 0 < t_lo < t_hi, got {window!r}")
    return lo, hi


def _select(t, loss, window, minimum: int):
    if window is None:
        window = (float(t[0]), float(t[-1]))
    lo, hi = check_window(window)
    inside = (t >= lo * (1 - 1e-12)) & (t <= hi * (1 + 1e-12))
    if inside.sum() < minimum:
        raise InvalidInput(
            f"window=({lo:g}, {hi:g}) holds {int(inside.sum())} points, at least {minimum} are needed "
            f"(the data cover t in [{t[0]:g}, {t[-1]:g}])"
        )
    if np.any(loss[inside] <= 0):
        raise FitError(
            f"loss must be > 0 inside the window for a fit in ln L, got min {loss[inside].min():g}"
        )
    return t[inside], loss[inside], (lo, hi)


def ols(x, y) -> tuple[float, float, float, float]:
    """Ordinary least squares of y on x: slope, intercept, the slope's standard error and the rms residual.

    slope = sum (x - xbar)(y - ybar) / Sxx, intercept = ybar - slope xbar, and
    stderr = sqrt(sum r^2 / (n - 2) / Sxx), Sxx = sum (x - xbar)^2. With two points the
    line passes through both and the error is undefined: NaN (the callers that need one
    fit three points or more).

    Raises
    ------
    ValueError
        Fewer than two points, or x not distinct.

    Examples
    --------
    >>> slope, intercept, stderr, rms = ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> slope, intercept, stderr, rms
    (2.0, 1.0, 0.0, 0.0)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 2 or x.shape != y.shape:
        raise InvalidInput(
            f"ols needs x and y of one shape with at least two points, got {x.shape}, {y.shape}"
        )
    xm = x - x.mean()
    sxx = float(xm @ xm)
    if not sxx > 0:
        raise InvalidInput("x is constant: the times in the window are not distinct in ln t (too close)")
    slope = float(xm @ (y - y.mean())) / sxx
    intercept = float(y.mean() - slope * x.mean())
    resid = y - intercept - slope * x
    stderr = float(np.sqrt((resid @ resid) / (x.size - 2) / sxx)) if x.size > 2 else math.nan
    return slope, intercept, stderr, float(np.sqrt(np.mean(resid**2)))


def fit_power_law(t, loss, window=None, *, max_drift=None) -> PowerLawFit:
    """Fit L = c t^-alpha by OLS of ln L on ln t over the points in ``window``.

    Parameters
    ----------
    t, loss : array_like, shape (T,)
        Increasing times > 0 and losses.
    window : (float, float), optional
        (t_lo, t_hi), inclusive; default: all points.
    max_drift : float, optional
        Reject the fit when the local slope between neighbouring points varies by more
        than this over the window.

    Raises
    ------
    FitError
        If the loss does not decay over the window (alpha <= 0) or drifts more than
        ``max_drift``; the error carries the estimate.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 4, 41)
    >>> fit = fit_power_law(t, 3.0 * t**-0.5, window=(10, 1e3))
    >>> round(fit.alpha, 12), round(fit.prefactor, 12), fit.n_points
    (0.5, 3.0, 21)
    """
    t, loss = _check_curve(t, loss)
    ts, ls, window = _select(t, loss, window, 3)
    x, y = np.log(ts), np.log(ls)
    slope, intercept, stderr, residual = ols(x, y)
    local = -np.diff(y) / np.diff(x)
    with np.errstate(over="ignore"):
        prefactor = float(np.exp(intercept))
    fit = PowerLawFit(
        -slope, stderr, prefactor, window, int(ts.size), residual, float(local.max() - local.min())
    )
    if not math.isfinite(prefactor):
        raise FitError(
            f"the prefactor of the fit of loss on window {window} overflows: no power law there", fit
        )
    if fit.alpha <= 0:
        raise FitError(f"the loss does not decay on window {window}", fit)
    if max_drift is not None and fit.drift > check_real("max_drift", max_drift, lower=0.0):
        raise FitError(
            f"the local exponent drifts by {fit.drift:.3g} > max_drift={max_drift:g} on window {window}", fit
        )
    return fit


def fit_power_law_with_floor(t, loss, window=None) -> FlooredPowerLawFit:
    """Fit L = c t^-alpha + L0 (L0 >= 0) by least squares in ln L.

    Starts from the plain fit; the standard errors come from the Jacobian at the
    optimum, s^2 (J^T J)^-1 with s^2 = RSS / (n - 3).

    Raises
    ------
    FitError
        If the optimiser fails, alpha <= 0, or the floor reaches the smallest loss
        (the floor would explain the whole decay).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(1, 5, 41)
    >>> fit = fit_power_law_with_floor(t, 2.0 * t**-1.0 + 1e-4)
    >>> round(fit.alpha, 6), round(fit.floor / 1e-4, 6)
    (1.0, 1.0)
    """
    t, loss = _check_curve(t, loss)
    ts, ls, window = _select(t, loss, window, 4)
    x, y = np.log(ts), np.log(ls)
    slope, intercept, _, _ = ols(x, y)
    ceiling = float(ls.min())

    def residuals(params):
        alpha, log_c, floor = params
        return np.log(np.exp(log_c - alpha * x) + floor) - y

    start = np.array([max(-slope, 1e-3), intercept, 0.1 * ceiling])
    from scipy.optimize import least_squares  # scipy.optimize costs ~0.6 s to import: on first fit only

    result = least_squares(
        residuals,
        start,
        bounds=([0.0, -np.inf, 0.0], [np.inf, np.inf, ceiling]),
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
    )
    alpha, log_c, floor = (float(v) for v in result.x)
    resid = result.fun
    dof = max(ts.size - 3, 1)
    s2 = float(resid @ resid) / dof
    try:
        cov = s2 * np.linalg.inv(result.jac.T @ result.jac)
        errors = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        errors = np.full(3, np.inf)
    with np.errstate(over="ignore"):
        prefactor = float(np.exp(log_c))
    fit = FlooredPowerLawFit(
        alpha,
        float(errors[0]),
        prefactor,
        floor,
        float(errors[2]),
        window,
        int(ts.size),
        float(np.sqrt(np.mean(resid**2))),
    )
    if not result.success:
        raise FitError(f"the fit of loss on window {window} did not converge: {result.message}", fit)
    decay = fit.prefactor * (ts[0] ** -alpha - ts[-1] ** -alpha)
    if alpha <= 0 or decay <= _NO_DECAY * ls[0]:
        raise FitError(f"the loss does not decay on window {window}", fit)
    if floor >= ceiling * (1 - 1e-6):
        raise FitError("the floor reaches the smallest loss in the window; no power law is left", fit)
    if not (np.all(np.isfinite(errors)) and math.isfinite(prefactor)):
        raise FitError(
            f"the loss on window {window} does not determine alpha, c and the floor (singular covariance)",
            fit,
        )
    return fit


@dataclass(frozen=True)
class LocalExponentProfile:
    """alpha(t) from sliding OLS fits over +/- ``half_width`` decades.

    Attributes
    ----------
    t : ndarray
        Centres with at least 3 points in their window.
    alpha, stderr : ndarray
        Local exponent and its OLS standard error at each centre.
    half_width : float
        Half width of the sliding window, in decades.
    """

    t: np.ndarray
    alpha: np.ndarray
    stderr: np.ndarray
    half_width: float

    def to_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in asdict(self).items()}


def local_exponent_profile(t, loss, half_width=0.25) -> LocalExponentProfile:
    """Local exponent -d ln L / d ln t of measured data by sliding OLS fits.

    For exact curves use ``LossCurve.local_exponent``, which is analytic.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 4, 41)
    >>> profile = local_exponent_profile(t, t**-0.5 + t**-2.0)
    >>> profile.alpha[-1].round(3), bool(profile.alpha[0] > 1)  # t^-0.5 wins late; t^-2 early
    (np.float64(0.5), True)
    """
    t, loss = _check_curve(t, loss)
    half = check_real("half_width", half_width, lower=0.0, lower_open=True) * np.log(10.0)
    if np.any(loss <= 0):
        raise InvalidInput("loss must be > 0 for a local exponent")
    x, y = np.log(t), np.log(loss)
    lo = np.searchsorted(x, x - half * (1 + 1e-12), "left")
    hi = np.searchsorted(x, x + half * (1 + 1e-12), "right")
    keep = (hi - lo) >= 3
    centres, alphas, errors = [], [], []
    for i in np.flatnonzero(keep):
        slope, _, stderr, _ = ols(x[lo[i] : hi[i]], y[lo[i] : hi[i]])
        centres.append(t[i])
        alphas.append(-slope)
        errors.append(stderr)
    if not centres:
        raise InvalidInput(f"no point has 3 neighbours within half_width={half_width:g} decades")
    return LocalExponentProfile(np.array(centres), np.array(alphas), np.array(errors), float(half_width))


def find_window(t, local_exponent, tolerance=0.05, *, min_decades=0.5) -> tuple[float, float]:
    """Return the widest window (in ln t) where max - min of the local exponent <= tolerance.

    Parameters
    ----------
    t : array_like
        Increasing times > 0.
    local_exponent : array_like
        The local exponent at each t (analytic from a LossCurve, or a profile's alpha).
    tolerance : float
        Allowed spread of the local exponent inside the window.
    min_decades : float
        The window must span at least this many decades.

    Raises
    ------
    FitError
        If no window of ``min_decades`` keeps the spread within ``tolerance``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 4, 5)
    >>> find_window(t, [0.2, 0.9, 1.0, 1.02, 1.5], tolerance=0.15)
    (10.0, 1000.0)
    """
    t, local = _check_curve(t, local_exponent, "local_exponent")
    tol = check_real("tolerance", tolerance, lower=0.0, lower_open=True)
    min_decades = check_real("min_decades", min_decades, lower=0.0)
    x = np.log(t)
    best = (-1.0, 0, 0)
    low, high = deque(), deque()  # indices of running min and max
    start = 0
    for end in range(t.size):
        while low and local[low[-1]] >= local[end]:
            low.pop()
        low.append(end)
        while high and local[high[-1]] <= local[end]:
            high.pop()
        high.append(end)
        while local[high[0]] - local[low[0]] > tol:
            start += 1
            if low[0] < start:
                low.popleft()
            if high[0] < start:
                high.popleft()
        if x[end] - x[start] > best[0]:
            best = (x[end] - x[start], start, end)
    span, i, j = best
    if span < min_decades * np.log(10.0):
        raise FitError(
            f"no window of min_decades={min_decades:g} decades keeps the local_exponent within "
            f"tolerance={tol:g}"
        )
    return float(t[i]), float(t[j])


@dataclass(frozen=True)
class WindowSensitivity:
    """Fits of one curve on many windows.

    Attributes
    ----------
    fits : tuple of PowerLawFit
        The fits that succeeded.
    rejected : tuple of (window, reason)
        Windows where no power law could be fitted, and why.
    """

    fits: tuple
    rejected: tuple

    @property
    def alpha_range(self) -> tuple[float, float]:
        alphas = [f.alpha for f in self.fits]
        if not alphas:
            raise InvalidInput(f"no window gave a power-law fit ({len(self.rejected)} rejected)")
        return min(alphas), max(alphas)

    def to_dict(self) -> dict:
        return {"fits": [f.to_dict() for f in self.fits], "rejected": [list(r) for r in self.rejected]}

    def __str__(self) -> str:
        lines = [f"{'t_lo':>10} {'t_hi':>10} {'alpha':>8} {'stderr':>8} {'n':>4}"]
        for f in self.fits:
            lines.append(
                f"{f.window[0]:10.3g} {f.window[1]:10.3g} {f.alpha:8.4f} {f.stderr:8.4f} {f.n_points:4d}"
            )
        lines += [f"{w[0]:10.3g} {w[1]:10.3g}  rejected: {why}" for w, why in self.rejected]
        return "\n".join(lines)


def window_sensitivity(t, loss, windows=None) -> WindowSensitivity:
    """Fit ``loss`` on each window; default: one- and two-decade windows every half decade.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 4, 41)
    >>> spread = window_sensitivity(t, t**-0.5 + 1e-2)  # a floor bends the late windows
    >>> tuple(round(x, 2) for x in spread.alpha_range)  # one- and two-decade windows
    (0.32, 0.49)
    """
    t, loss = _check_curve(t, loss)
    if windows is None:
        first, last = np.ceil(2 * np.log10(t[0])) / 2, np.floor(2 * np.log10(t[-1])) / 2
        starts = np.arange(first, last, 0.5)
        windows = [(10**s, 10 ** (s + w)) for w in (1.0, 2.0) for s in starts if s + w <= last + 1e-9]
    try:
        windows = list(windows)
    except TypeError:
        raise InvalidInput(f"windows must be a list of (t_lo, t_hi) pairs, got {windows!r}") from None
    if not windows:
        raise InvalidInput("windows must hold at least one (t_lo, t_hi) pair, got none")
    fits, rejected = [], []
    for k, window in enumerate(windows):
        try:
            fits.append(fit_power_law(t, loss, window))
        except FitError as err:
            rejected.append((tuple(window), err.reason))
        except (ValueError, TypeError) as err:  # a malformed window, not a failed fit
            raise InvalidInput(f"windows[{k}]: {err}") from None
    return WindowSensitivity(tuple(fits), tuple(rejected))


def matching_windows(t, loss, target, tolerance, *, min_decades=1.0) -> tuple:
    """Every window [t_i, t_j] of the sample times whose plain fit is within ``tolerance`` of ``target``.

    This is a search, not a method: it shows which windows reproduce a quoted exponent
    (for example a paper's fit), so that the choice can be stated next to the result.

    Returns
    -------
    tuple of PowerLawFit
        Sorted by window start, then end.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.logspace(0, 4, 41)
    >>> found = matching_windows(t, t**-0.5 + t**-2.0, target=0.5, tolerance=0.01)
    >>> bool(found) and all(f.window[0] >= 2.0 for f in found)  # only windows past the t^-2 part
    True
    """
    t, loss = _check_curve(t, loss)
    target = check_real("target", target)
    tolerance = check_real("tolerance", tolerance, lower=0.0, lower_open=True)
    min_decades = check_real("min_decades", min_decades, lower=0.0)
    if np.any(loss <= 0):
        raise InvalidInput(f"loss must be > 0 for fits in ln L, got min(loss)={loss.min():g}")
    x, y = np.log(t), np.log(loss)
    found = []
    for i in range(t.size):
        for j in range(i + 2, t.size):
            if x[j] - x[i] < min_decades * np.log(10.0) * (1 - 1e-9):
                continue
            slope, _, _, _ = ols(x[i : j + 1], y[i : j + 1])
            if abs(-slope - target) <= tolerance:
                found.append(fit_power_law(t, loss, (t[i], t[j])))
    return tuple(found)
