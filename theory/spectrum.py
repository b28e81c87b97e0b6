"""The one spectral form shared by every linear model (DESIGN.md).

    L(t) = L_inf + sum_m w_m exp(-2 lambda_m t)        (gradient flow, t = eta * steps)

:class:`ModeSpectrum` holds (rates, weights, plateau). Its ``loss`` and
``local_exponent`` are plain numpy (the slow, obviously correct reference); the fast
kernel lives in ``superdyn.numerics``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .curve import LossCurve
from .errors import InvalidInput
from .validate import as_float_array, check_modes, check_real

__all__ = ["ModeSpectrum"]

_CHUNK = 1 << 22  # modes x times evaluated per block


@dataclass(frozen=True)
class ModeSpectrum:
    """Decaying modes of a linear model.

    Attributes
    ----------
    rates : ndarray, shape (M,)
        lambda_m >= 0 (1/time); zero rates are frozen modes.
    weights : ndarray, shape (M,)
        w_m >= 0, the loss each mode carries at t = 0.
    plateau : float
        L_inf >= 0, the loss no gradient flow can remove.
    """

    rates: np.ndarray
    weights: np.ndarray
    plateau: float = 0.0

    def __post_init__(self):
        rates, weights = check_modes(self.rates, self.weights, flatten=True)
        plateau = check_real("plateau", self.plateau, lower=0.0)
        with np.errstate(over="ignore"):
            scale = weights.sum() + plateau, np.dot(weights, rates)
        if not np.all(np.isfinite(scale)):
            raise InvalidInput("weights and rates: sum w and sum w lambda must stay in float64")
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "plateau", plateau)

    def _sums(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return sum_m w e^{-2 lambda t} and sum_m w lambda e^{-2 lambda t} per time."""
        t = as_float_array("t", t)
        if np.any(t < 0):
            raise InvalidInput("t must be >= 0")
        flat = t.ravel()
        total = np.zeros_like(flat)
        slope = np.zeros_like(flat)
        step = max(1, _CHUNK // max(1, self.rates.size))
        for start in range(0, flat.size, step):
            block = flat[start : start + step]
            with np.errstate(over="ignore"):  # 2 t lambda past 1e308: exp(-inf) = 0, as it should be
                decay = self.weights[None, :] * np.exp(-2.0 * np.outer(block, self.rates))
            total[start : start + step] = decay.sum(axis=1)
            slope[start : start + step] = decay @ self.rates
        return total.reshape(t.shape), slope.reshape(t.shape)

    def loss(self, t) -> np.ndarray:
        """Return L(t) = L_inf + sum_m w_m exp(-2 lambda_m t)."""
        total, _ = self._sums(t)
        return self.plateau + total

    def curve(self, t) -> LossCurve:
        """:meth:`loss` and :meth:`local_exponent` at times t as a :class:`~superdyn.theory.curve.LossCurve`
        (``superdyn.numerics.spectral_loss`` is the fast, underflow-safe evaluation of the same sum)."""
        t = np.atleast_1d(as_float_array("t", t))
        loss = self.loss(t)
        return LossCurve(t, loss, np.log(loss), self.local_exponent(t), method="mode spectrum")

    def local_exponent(self, t) -> np.ndarray:
        """Return -d ln L / d ln t = 2 t sum_m w lambda e^{-2 lambda t} / L(t)."""
        t = as_float_array("t", t)
        total, slope = self._sums(t)
        loss = self.plateau + total
        if np.any(loss <= 0):
            raise InvalidInput("the loss underflows to 0 at some t; use superdyn.numerics.spectral_loss")
        with np.errstate(over="ignore"):
            local = t * (2.0 * slope / loss)
        if not np.all(np.isfinite(local)):
            raise InvalidInput("t: the local exponent 2 t sum(w lambda e^-2 lambda t) / L overflows float64")
        return local

    def to_dict(self) -> dict:
        return {"rates": self.rates.tolist(), "weights": self.weights.tolist(), "plateau": self.plateau}
