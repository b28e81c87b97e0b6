"""The loss curve: the one result type of theory, numerics and training runs.

A closed-form law (``ScalingLaw.curve``), a mode spectrum (``ModeSpectrum.curve``), an
exact sum (``superdyn.numerics.exact_loss``, ``spectral_loss``, ``sgd_loss``) and a run
(``RunResult.loss_curve``, ``StoredRuns.loss_curve``) all give a :class:`LossCurve`, and
the figures take one, so theory and experiment compare in one line::

    measured = stored.loss_curve(seeds)          # seed mean with its standard error
    theory = exact_loss(config.task, measured.t)  # the same times
    worst = measured.relative_deviation(theory)   # max abs(L / L_theory - 1)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .errors import InvalidInput
from .validate import as_float_array

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
        -d ln L / d ln t: analytic where the curve comes from theory or numerics (0 at t = 0),
        a centred difference in ln t for a measured curve.
    mode_losses : ndarray, shape (T, M), or None
        Per-mode losses w_m e^{-2 lambda_m t} when requested (paper Fig. 8).
    error_estimate : ndarray, shape (T,), or None
        Absolute error of ``loss``: the summation error where the curve was not summed term
        by term, the standard error of the seed mean for measured curves.
    method : str
        How the curve was evaluated or measured.
    """

    t: np.ndarray
    loss: np.ndarray
    log_loss: np.ndarray
    local_exponent: np.ndarray
    mode_losses: np.ndarray | None = None
    error_estimate: np.ndarray | None = None
    method: str = "direct"

    @classmethod
    def from_samples(cls, t, loss, *, error=None, method: str = "measured") -> LossCurve:
        """A curve from sampled values (a run, or a law evaluated pointwise), t > 0 increasing.

        The local exponent is -d ln L / d ln t by ``numpy.gradient`` in ln t (second order in
        the interior, one-sided at the ends).

        Raises
        ------
        ValueError
            t not increasing and positive, shapes that differ, fewer than 2 points, or L <= 0.

        Examples
        --------
        >>> import numpy as np
        >>> curve = LossCurve.from_samples(np.logspace(0, 2, 21), np.logspace(0, 2, 21) ** -0.5)
        >>> float(curve.local_exponent.mean().round(12))
        0.5
        """
        t = np.atleast_1d(as_float_array("t", t))
        loss = np.atleast_1d(as_float_array("loss", loss))
        if t.ndim != 1 or t.shape != loss.shape or t.size < 2:
            raise InvalidInput(f"t and loss must be 1-D of one length >= 2, got {t.shape} and {loss.shape}")
        if not (t[0] > 0 and np.all(np.diff(t) > 0)):
            raise InvalidInput("t must be positive and increasing (leave t = 0 out)")
        if np.any(loss <= 0):
            raise InvalidInput(f"loss must be > 0 for a loss curve, got min {loss.min():g}")
        log_loss = np.log(loss)
        local = -np.gradient(log_loss, np.log(t))
        error = None if error is None else np.broadcast_to(as_float_array("error", error), t.shape).copy()
        return cls(t, loss, log_loss, local, None, error, method)

    def relative_deviation(self, reference: LossCurve) -> float:
        """max over the shared times of abs(L / L_reference - 1), taken in log space (exact under underflow).

        Raises
        ------
        ValueError
            The curves share no time.
        """
        shared, mine, theirs = np.intersect1d(self.t, reference.t, return_indices=True)
        if shared.size == 0:
            raise InvalidInput("the curves share no time; evaluate the reference at this curve's t")
        return float(np.max(np.abs(np.expm1(self.log_loss[mine] - reference.log_loss[theirs]))))

    def to_dict(self) -> dict:
        """Return the fields as plain Python lists and strings."""
        return {
            f.name: (v.tolist() if isinstance(v, np.ndarray) else v)
            for f in fields(self)
            if (v := getattr(self, f.name)) is not None
        }
