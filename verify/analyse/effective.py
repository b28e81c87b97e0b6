"""The effective spectrum of a trained model: one (rate, weight, floor) per feature, from L_i(t).

Is the superposition model a linear model with renormalised rates? Without superposition
feature i's loss is exactly one mode, L_i(t) = w_i exp(-2 lambda_i t) with lambda_i = p_i m2
(``superdyn.theory``). This module reads the same three numbers off measured per-feature
losses, without a fit, and sums them back (the closure test). The definitions, fixed before
any measurement:

* start S_i = p_i m2 A_ii^2 / 2, the exact loss of feature i at B = 0 (the student starts
  within init_scale of it);
* floor f_i: the mean of L_i over the last ``FLOOR_SHARE`` of ln t, capped at S_i (fig13's
  plateau share);
* decay time tau_i: the first t at which L_i(t) - f_i <= (S_i - f_i) / e, interpolated in
  ln t between measurements; censored (no value) when that never happens before t_end;
* lambda_eff(i) = 1 / (2 tau_i) and w_eff(i) = S_i - f_i.

For one mode f_i + w_i exp(-2 lambda_i t) this gives lambda_i and w_i exactly; a feature that
first rises through interference and then decays has its tau_i delayed by the rise, as its
curve is. The closure curve is

    L_closure(t) = sum_i f_i + sum_i w_eff(i) exp(-2 lambda_eff(i) t),

with a censored feature's rate taken from the power law fitted to the others (extrapolated
in i). The power laws lambda_eff ∝ i^-gamma and w_eff ∝ i^-beta (OLS in ln i over the
features with a decay time) give the exponent that Eq. 8's sum gives a power-law spectrum,
alpha = (beta - 1) / gamma; without superposition gamma = a, beta = a + 2b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.numerics.fit import ols
from superdyn.theory.errors import InvalidInput

__all__ = ["FLOOR_SHARE", "EffectiveSpectrum", "effective_spectrum"]

#: The share of ln t whose mean is a feature's floor (fig13's plateau share).
FLOOR_SHARE = 0.2


@dataclass(frozen=True)
class EffectiveSpectrum:
    """Per-feature effective rates, weights and floors, and their power laws.

    Attributes
    ----------
    rate : ndarray (N,)
        lambda_eff(i); NaN where the decay time is censored.
    weight, floor : ndarray (N,)
        w_eff(i) = S_i - f_i and f_i.
    gamma, gamma_se, beta, beta_se : float
        lambda_eff ∝ i^-gamma and w_eff ∝ i^-beta over the features with a decay time.
    rate_prefactor : float
        c in lambda_eff ≈ c i^-gamma.
    """

    rate: np.ndarray
    weight: np.ndarray
    floor: np.ndarray
    gamma: float
    gamma_se: float
    beta: float
    beta_se: float
    rate_prefactor: float

    @property
    def decayed(self) -> np.ndarray:
        """Which features have a decay time before t_end."""
        return np.isfinite(self.rate)

    @property
    def power_law_alpha(self) -> float:
        """(beta - 1) / gamma, the exponent of a power-law spectrum (Eq. 8's form)."""
        return (self.beta - 1.0) / self.gamma if self.gamma > 0 else float("nan")

    def closure(self, t) -> np.ndarray:
        """sum_i f_i + w_i exp(-2 lambda_i t), censored rates from the fitted power law."""
        t = np.asarray(t, dtype=float)
        index = np.arange(1, self.rate.size + 1)
        rate = np.where(self.decayed, self.rate, self.rate_prefactor * index**-self.gamma)
        return self.floor.sum() + np.exp(-2.0 * np.outer(t, rate)) @ self.weight


def effective_spectrum(t, per_feature, start) -> EffectiveSpectrum:
    """Read (lambda_eff, w_eff, f) off per-feature losses (the module docstring's definitions).

    Parameters
    ----------
    t : array_like (T,)
        Measurement times, increasing; those <= 0 are ignored.
    per_feature : array_like (T, N)
        L_i(t) (a seed mean).
    start : array_like (N,)
        S_i = p_i m2 A_ii^2 / 2.

    Examples
    --------
    >>> t = np.logspace(-1, 4, 60)
    >>> rates, weights = 0.5 * np.arange(1, 41.0) ** -1.0, 0.5 * np.arange(1, 41.0) ** -1.5
    >>> spectrum = effective_spectrum(t, weights * np.exp(-2 * np.outer(t, rates)), weights)
    >>> round(spectrum.gamma, 3), round(spectrum.beta, 3)
    (1.0, 1.5)
    """
    t = np.asarray(t, dtype=float)
    losses = np.asarray(per_feature, dtype=float)
    start = np.asarray(start, dtype=float)
    if losses.ndim != 2 or losses.shape[0] != t.size or start.shape != (losses.shape[1],):
        raise InvalidInput(
            f"per_feature must be (T, N) with T = len(t) = {t.size} and start (N,), got {losses.shape} "
            f"and {start.shape}"
        )
    keep = t > 0
    t, losses = t[keep], losses[keep]
    if t.size < 3:
        raise InvalidInput("t must hold at least three times > 0")
    log_t = np.log(t)
    late = log_t >= log_t[-1] - FLOOR_SHARE * (log_t[-1] - log_t[0])
    floor = np.minimum(losses[late].mean(0), start)
    weight = start - floor
    rate = np.full(start.size, np.nan)
    for i in np.flatnonzero(weight > 0):
        excess = (losses[:, i] - floor[i]) / weight[i]
        below = np.flatnonzero(excess <= np.exp(-1.0))
        if below.size == 0:
            continue
        j = below[0]
        if j == 0:
            tau = t[0]
        else:  # interpolate ln(excess) against ln t between the last point above and the first below
            y0, y1 = np.log(max(excess[j - 1], 1e-300)), np.log(max(excess[j], 1e-300))
            share = (y0 + 1.0) / (y0 - y1) if y0 != y1 else 1.0
            tau = float(np.exp(log_t[j - 1] + share * (log_t[j] - log_t[j - 1])))
        rate[i] = 1.0 / (2.0 * tau)
    index = np.arange(1, start.size + 1, dtype=float)
    fitted = np.isfinite(rate)
    if fitted.sum() < 3:
        raise InvalidInput(
            f"only {int(fitted.sum())} feature(s) decayed before t_end; need 3 for the power laws"
        )
    slope, intercept, slope_se, _ = ols(np.log(index[fitted]), np.log(rate[fitted]))
    w_slope, _, w_se, _ = ols(np.log(index[fitted]), np.log(weight[fitted]))
    return EffectiveSpectrum(
        rate=rate,
        weight=weight,
        floor=floor,
        gamma=float(-slope),
        gamma_se=float(slope_se),
        beta=float(-w_slope),
        beta_se=float(w_se),
        rate_prefactor=float(np.exp(intercept)),
    )
