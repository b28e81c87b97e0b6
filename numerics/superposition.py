"""Exact gradient flow of the linear superposition model y = W^T B W x (paper A.2).

With P = W W^T, C = W Sigma W^T and S = W A Sigma W^T, the loss
L(B) = 1/2 Tr[(W^T B W - A) Sigma (W^T B W - A)^T] has gradient P B C - S, and in the
eigenbases P = U diag(d_P) U^T, C = V diag(d_C) V^T the flow from B(0) = 0 decouples
into K^2 independent modes:

    B~ = U^T B V,  S~ = U^T S V,   dB~_jk/dt = -(d_P,j d_C,k B~_jk - S~_jk),

    L(t) = L_inf + sum_jk  S~_jk^2 / (2 r_jk) exp(-2 r_jk t),   r_jk = d_P,j d_C,k,
    L_inf = L(0) - sum_jk S~_jk^2 / (2 r_jk),                   L(0) = 1/2 sum_i A_ii^2 Sigma_ii.

(The quadratic part of L is 1/2 Tr[dB C dB^T P] = 1/2 sum_jk r_jk dB~_jk^2.) A mode
with r_jk = 0 has S~_jk = 0 exactly (W^T u = 0 or Sigma^(1/2) W^T v = 0), so it is frozen
and carries nothing. The clustered and isotropic limits of ``superdyn.theory.superposition``
are special cases.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from superdyn.theory import ModeSpectrum, Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.task import MAX_MATRIX_FEATURES

from .curve import LossCurve
from .exact import _check_task
from .kernel import check_times, default_times, spectral_loss

__all__ = ["linear_superposition", "superposition_modes"]

# Products r_jk below this multiple of max(r) are round-off of an exact zero.
_FROZEN = 1e-13


def _check_embedding(task: Task, embedding) -> np.ndarray:
    try:
        w = np.asarray(embedding, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"W must be a real (K, N) matrix, got {embedding!r}") from exc
    if w.ndim != 2 or w.shape[1] != task.n_features or w.shape[0] < 1:
        raise InvalidInput(f"W must have shape (K, N) with N = n_features = {task.n_features}, got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise InvalidInput("W must be finite")
    return w


def superposition_modes(task: Task, W, *, covariance="diagonal") -> ModeSpectrum:
    """Return the K^2 modes (rates d_P,j d_C,k, weights, plateau) of y = W^T B W x.

    Parameters
    ----------
    task : superdyn.theory.Task
        The task; N up to 20000 (the N x N work is a few products with W).
    W : array_like, shape (K, N)
        The fixed embedding.
    covariance : {"diagonal", "exact"}
        Second moment used for Sigma.

    Examples
    --------
    >>> import numpy as np
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), n_features=4)
    >>> modes = superposition_modes(task, np.eye(4))  # W = I: no superposition
    >>> np.allclose(np.sort(modes.rates[modes.weights > 0]), np.sort(task.modes().rates))
    True
    """
    task = _check_task(task)
    w = _check_embedding(task, W)
    if task.n_features > MAX_MATRIX_FEATURES:
        raise InvalidInput(f"n_features={task.n_features} exceeds {MAX_MATRIX_FEATURES} for the exact solver")
    if covariance not in ("diagonal", "exact"):
        raise InvalidInput(f"covariance must be 'diagonal' or 'exact', got {covariance!r}")
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        if covariance == "diagonal":
            sigma2 = task.second_moment_diagonal
            c = (w * sigma2) @ w.T
            s = (w * (task.importance * sigma2)) @ w.T
        else:
            sigma = task.second_moment("exact")
            sigma2 = np.diag(sigma)
            c = w @ sigma @ w.T
            s = w @ (task.importance[:, None] * sigma) @ w.T
        gram = w @ w.T
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(s)) and np.all(np.isfinite(gram))):
        raise InvalidInput("W: W W^T or W Sigma W^T leaves float64; use entries nearer 1")
    d_p, u = np.linalg.eigh(gram)
    d_c, v = np.linalg.eigh(c)
    rates = np.outer(np.clip(d_p, 0.0, None), np.clip(d_c, 0.0, None)).ravel()
    projected = (u.T @ s @ v).ravel()
    live = rates > _FROZEN * rates.max()
    weights = np.zeros_like(rates)
    weights[live] = projected[live] ** 2 / (2.0 * rates[live])
    initial = 0.5 * float(np.sum(task.importance**2 * sigma2))
    plateau = max(initial - float(weights.sum()), 0.0)
    rates[~live] = 0.0
    return ModeSpectrum(rates, weights, plateau)


def linear_superposition(
    task: Task, W, t=None, *, covariance="diagonal", lr=None, per_mode=False
) -> LossCurve:
    """Exact loss curve of the linear superposition model under gradient flow.

    Parameters
    ----------
    task : superdyn.theory.Task
        The task (N <= 20000).
    W : array_like, shape (K, N)
        The fixed embedding.
    t : array_like, optional
        Times t = eta * steps; default: 200 log-spaced points over the modes' window.
    covariance : {"diagonal", "exact"}
        Second moment used for Sigma ("exact": that of the sparse inputs the trainer draws).
    lr : float, optional
        Learning rate eta of discrete gradient descent, each mode decaying as
        (1 - eta r_jk)^(2k) at t = eta k (``spectral_loss``); ``None``: gradient flow. The
        mean of online SGD from B = 0 follows it exactly (the gradient is linear in B).
    per_mode : bool
        Also return the K^2 per-mode losses.

    Returns
    -------
    LossCurve

    Examples
    --------
    >>> import numpy as np
    >>> from superdyn.numerics import exact_loss
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), n_features=64)
    >>> t = np.logspace(0, 3, 4)
    >>> bool(np.allclose(linear_superposition(task, np.eye(64), t).loss, exact_loss(task, t).loss))  # W = I
    True
    >>> rng = np.random.default_rng(0)
    >>> W = rng.normal(size=(16, 64))
    >>> W /= np.linalg.norm(W, axis=0)
    >>> curve = linear_superposition(task, W, t)
    >>> bool(curve.loss[-1] > exact_loss(task, t).loss[-1])  # K = 16 < N: a floor remains
    True
    """
    modes = superposition_modes(task, W, covariance=covariance)
    t = default_times(modes.rates) if t is None else check_times(t)
    curve = spectral_loss(modes.rates, modes.weights, t, plateau=modes.plateau, lr=lr, per_mode=per_mode)
    return replace(curve, method="modes" if lr is None else "modes, gd")
