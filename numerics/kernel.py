"""The one spectral kernel: L(t) = L_inf + sum_m w_m exp(-2 lambda_m t) (DESIGN.md).

Gradient flow gives the form above with t = eta * steps. Discrete gradient descent
with learning rate eta gives L_k = L_inf + sum_m w_m (1 - eta lambda_m)^(2k), which is
the same form with the effective rates

    mu_m = -ln|1 - eta lambda_m| / eta            (t = eta k),

so one kernel serves both. The local exponent is analytic,

    -d ln L / d ln t = 2 t sum_m mu_m w_m e^{-2 mu_m t} / L(t).

Each term is evaluated as exp(ln w_m - 2 mu_m t), so tiny weights never underflow on
their own. When the whole sum falls below 1e-280 the time is recomputed in log space
(shifted by the largest exponent), so ln L and the local exponent stay exact at any
t in [0, 1e12] and beyond.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import as_float_array, check_modes, check_real

from ._fastexp import EXP_FLOOR, FASTMATH, exp_parts, scale_bits
from .curve import LossCurve

__all__ = ["check_times", "default_times", "effective_rates", "mode_sums", "spectral_loss"]

_BLOCK = 512
_TINY = 1e-280


@njit(inline="always", fastmath=FASTMATH)
def _shifted_sums(log_weights, rates, minus_2t, shift, pbuf, kbuf, kint, sint, sflt):
    """Return sum exp(lw - 2 mu t - shift) and sum mu exp(lw - 2 mu t - shift)."""
    total = 0.0
    slope = 0.0
    size = rates.size
    for start in range(0, size, _BLOCK):
        count = min(size, start + _BLOCK) - start
        for j in range(count):
            p, k = exp_parts(log_weights[start + j] + minus_2t * rates[start + j] - shift)
            pbuf[j] = p
            kbuf[j] = k
        for j in range(count):
            sint[j] = scale_bits(kint[j])
        for j in range(count):
            y = pbuf[j] * sflt[j]
            total += y
            slope += y * rates[start + j]
    return total, slope


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def mode_sums(log_weights, rates, times, plateau):
    """Return ln L(t) and sum_m mu_m w_m e^{-2 mu_m t} / L(t) for each time.

    Parameters
    ----------
    log_weights : ndarray, shape (M,)
        ln w_m (-inf for a zero weight).
    rates : ndarray, shape (M,)
        Effective rates mu_m >= 0.
    times : ndarray, shape (T,)
        t >= 0.
    plateau : float
        L_inf >= 0.
    """
    n_times = times.size
    log_loss = np.empty(n_times)
    ratio = np.empty(n_times)
    log_plateau = math.log(plateau) if plateau > 0.0 else -np.inf
    for it in prange(n_times):
        pbuf = np.empty(_BLOCK)
        kbuf = np.empty(_BLOCK)
        sint = np.empty(_BLOCK, np.int64)
        kint = kbuf.view(np.int64)
        sflt = sint.view(np.float64)
        minus_2t = -2.0 * times[it]
        total, slope = _shifted_sums(log_weights, rates, minus_2t, 0.0, pbuf, kbuf, kint, sint, sflt)
        total += plateau
        if total >= _TINY:
            log_loss[it] = math.log(total)
            ratio[it] = slope / total
            continue
        # log space: shift every exponent by the largest one
        shift = log_plateau
        for m in range(rates.size):
            shift = max(shift, log_weights[m] + minus_2t * rates[m])
        if shift == -np.inf:  # nothing left: the loss is exactly 0
            log_loss[it] = -np.inf
            ratio[it] = np.inf
            continue
        total, slope = _shifted_sums(log_weights, rates, minus_2t, shift, pbuf, kbuf, kint, sint, sflt)
        if plateau > 0.0 and log_plateau - shift >= EXP_FLOOR:
            total += math.exp(log_plateau - shift)
        log_loss[it] = shift + math.log(total)
        ratio[it] = slope / total
    return log_loss, ratio


#: The largest 2 lambda_min t evaluated: past it every mode has decayed by more than e^-1e15.
MAX_DECAY = 1e15


def check_times(t, slowest_rate=None) -> np.ndarray:
    """Return t as a 1-D float64 array after checking it is finite and >= 0.

    With ``slowest_rate`` (the smallest positive rate), times past MAX_DECAY / (2 lambda_min),
    where the loss is below exp(-1e15) and its logarithm loses its digits, are refused.
    """
    t = np.atleast_1d(as_float_array("t", t))
    if t.ndim != 1:
        raise InvalidInput(f"t must be a scalar or a 1-D array, got shape {t.shape}")
    if np.any(t < 0):
        raise InvalidInput(f"t must be >= 0, got min(t)={t.min():g}")
    if (
        slowest_rate is not None
        and slowest_rate > 0
        and t.size
        and 2.0 * float(t.max()) * float(slowest_rate) > MAX_DECAY
    ):
        limit = MAX_DECAY / (2.0 * float(slowest_rate))  # a Python float: no overflow for tiny rates
        raise InvalidInput(
            f"t must be <= {limit:.3g} (= 1e15 / (2 lambda_min)), got max(t)={t.max():g}: every mode has "
            "decayed by more than exp(-1e15) there"
        )
    return t


def effective_rates(rates, lr=None) -> np.ndarray:
    """Return mu = rates (gradient flow) or mu = -ln|1 - lr rates| / lr (gradient descent).

    Raises
    ------
    ValueError
        If lr * max(rates) > 2: gradient descent then diverges.
    """
    rates = as_float_array("rates", rates)
    if lr is None:
        return rates
    lr = check_real("lr", lr, lower=0.0, lower_open=True)
    product = lr * rates
    if np.any(product > 2.0):
        raise InvalidInput(
            f"lr * rate must be <= 2 for gradient descent to converge, got lr={lr:g} and "
            f"max rate {rates.max():g} (lr * rate = {product.max():g})"
        )
    # log1p keeps ln(1 - x) accurate for small x = lr * rate; x - 1 is exact for x in [1, 2]
    with np.errstate(divide="ignore"):
        return (
            np.where(product < 1.0, -np.log1p(-np.minimum(product, 1.0)), -np.log(np.abs(product - 1.0))) / lr
        )


def spectral_loss(rates, weights, t, *, plateau=0.0, lr=None, per_mode=False) -> LossCurve:
    """Evaluate L(t) = L_inf + sum_m w_m exp(-2 lambda_m t) and its local exponent.

    Parameters
    ----------
    rates : array_like, shape (M,)
        lambda_m >= 0 (zero rates are frozen modes).
    weights : array_like, shape (M,)
        w_m >= 0, the loss of each mode at t = 0.
    t : array_like, shape (T,)
        Times t = eta * steps >= 0.
    plateau : float
        L_inf >= 0.
    lr : float, optional
        Learning rate eta of discrete gradient descent, L(eta k) = L_inf +
        sum_m w_m (1 - eta lambda_m)^(2k); ``None`` (default) is gradient flow. Needs
        eta lambda_m <= 2; a mode with eta lambda_m = 1 is gone after one step. Where
        nothing is left the loss is 0, ``log_loss`` -inf and the local exponent inf.
    per_mode : bool
        Also return the per-mode losses (a T x M array).

    Returns
    -------
    LossCurve

    Examples
    --------
    >>> curve = spectral_loss([1.0, 0.01], [0.5, 0.5], [0.0, 1.0, 100.0])
    >>> curve.loss.round(6).tolist()
    [1.0, 0.557767, 0.067668]
    >>> curve.local_exponent.round(4).tolist()
    [0.0, 0.2602, 2.0]
    """
    rates, weights = check_modes(rates, weights)
    positive = rates[(rates > 0) & (weights > 0)]
    t = check_times(t, positive.min() if positive.size else None)
    plateau = check_real("plateau", plateau, lower=0.0)
    if plateau == 0.0 and not np.any(weights > 0):
        raise InvalidInput("weights and plateau are all 0: the loss is identically zero")
    mu = effective_rates(rates, lr)
    # a mode with eta lambda = 1 is gone after one step: it counts at t = 0 only
    instant = np.isinf(mu)
    live_weights = np.where(instant, 0.0, weights)
    with np.errstate(divide="ignore"):
        log_weights = np.log(live_weights)
    log_loss, ratio = mode_sums(log_weights, np.where(instant, 0.0, mu), t, plateau)
    start = t == 0
    if np.any(start):
        log_loss[start] = np.log(plateau + weights.sum())
    with np.errstate(invalid="ignore"):
        local = np.where(start, 0.0, t * (2.0 * ratio))
    modes = None
    if per_mode:
        with np.errstate(under="ignore", invalid="ignore"):
            modes = np.where(start[:, None], weights, np.exp(log_weights - 2.0 * np.outer(t, mu)))
    return LossCurve(t, np.exp(log_loss), log_loss, local, modes, None, "direct" if lr is None else "gd")


def default_times(rates, count: int = 200) -> np.ndarray:
    """Log-spaced times from 0.1 / max(rates) to 10 / min(positive rates), within [1e-3, 1e12]."""
    rates = np.asarray(rates, dtype=np.float64)
    positive = rates[rates > 0]
    if positive.size == 0:
        return np.logspace(-3, 12, count)
    lo = np.clip(0.1 / positive.max(), 1e-3, 1e12)
    with np.errstate(over="ignore"):
        hi = np.clip(10.0 / positive.min(), lo * 10, 1e12)
    return np.logspace(np.log10(lo), np.log10(max(hi, lo * 10)), count)
