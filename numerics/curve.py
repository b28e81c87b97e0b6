"""The loss-curve result shared by every evaluator in numerics."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["LossCurve"]


@dataclass(frozen=True)
class LossCurve:
    """A loss curve L(t) with its local exponent.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Times t = eta * steps.
    loss : ndarray, shape (T,)
        L(t). Where L is below float64's range this is 0 and ``log_loss`` is exact.
    log_loss : ndarray, shape (T,)
        ln L(t), accurate even where L underflows.
    local_exponent : ndarray, shape (T,)
        -d ln L / d ln t, computed analytically (0 at t = 0).
    mode_losses : ndarray, shape (T, M), or None
        Per-mode losses w_m e^{-2 lambda_m t} when requested (paper Fig. 8).
    error_estimate : ndarray, shape (T,), or None
        Absolute error estimate of ``loss`` where the curve was not summed term by term.
    method : str
        How the curve was evaluated.
    """

    t: np.ndarray
    loss: np.ndarray
    log_loss: np.ndarray
    local_exponent: np.ndarray
    mode_losses: np.ndarray | None = None
    error_estimate: np.ndarray | None = None
    method: str = "direct"

    def to_dict(self) -> dict:
        """Return the fields as plain Python lists and strings."""
        return {
            f.name: (v.tolist() if isinstance(v, np.ndarray) else v)
            for f in fields(self)
            if (v := getattr(self, f.name)) is not None
        }
