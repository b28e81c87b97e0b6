"""The exact no-superposition loss of a Task (paper Eq. 7 with normalised p), any N.

Without superposition (K = N, W = I, B(0) = 0) gradient flow gives

    L(t) = sum_i (A_ii^2 lambda_i / 2) exp(-2 lambda_i t),   lambda_i = p_i m2,

with the paper's diagonal second moment. With the exact one,
Sigma = diag(p m2) + (p p^T - diag(p^2)) m1^2 = V diag(s) V^T, B - A = -A e^{-Sigma t}, so

    L(t) = sum_k (s_k / 2) ||A v_k||^2 exp(-2 s_k t).

For large N the diagonal sum is split into the first and the last ``head`` terms,
summed exactly by the kernel, and the smooth middle, summed by Euler-Maclaurin with
an error estimate (``superdyn.numerics._tail``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
from superdyn.theory import Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.task import MAX_MATRIX_FEATURES
from superdyn.theory.validate import check_count

from ._tail import tail_plan
from .curve import LossCurve
from .kernel import check_times, default_times, mode_sums, spectral_loss

__all__ = ["DIRECT_LIMIT", "exact_loss"]

#: Largest number of modes ``method="auto"`` sums term by term.
DIRECT_LIMIT = 20_000
_METHODS = ("auto", "direct", "tail")


def _check_task(task) -> Task:
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    return task


def _exact_covariance(task: Task, t, per_mode: bool) -> LossCurve:
    if task.n_features > MAX_MATRIX_FEATURES:
        raise InvalidInput(
            f"covariance='exact' needs an N x N eigendecomposition; n_features={task.n_features} "
            f"exceeds {MAX_MATRIX_FEATURES}"
        )
    spectrum, vectors = np.linalg.eigh(task.second_moment("exact"))
    spectrum = np.clip(spectrum, 0.0, None)  # Sigma is positive semi-definite
    weights = 0.5 * spectrum * (task.importance**2 @ vectors**2)
    curve = spectral_loss(spectrum, weights, t, per_mode=per_mode)
    return replace(curve, method="eigen")


@lru_cache(maxsize=32)
def _plan(task: Task, first: int, last: int, decade: int, log_floor: float):
    return tail_plan(task, first, last, 10.0**decade, log_floor)


def _tail_loss(task: Task, t: np.ndarray, head: int, last: int) -> LossCurve:
    stop = last - head
    exact_index = np.concatenate([np.arange(1, head + 1), np.arange(stop + 1, last + 1)]).astype(np.float64)
    rates = task.rates_at(exact_index)
    decade = int(np.ceil(np.log10(max(t.max(), 1.0))))
    # far in the tail lambda(z) = c z^-a underflows to 0 (its logarithm, used below, does not)
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        log_weights = np.log(task.weights_at(exact_index))
        log_head, ratio = mode_sums(log_weights, rates, t, 0.0)
        # every exact term at t_max bounds L(t <= t_max) from below (rounded down to a whole number)
        log_floor = float(np.floor(np.max(log_weights - 2.0 * 10.0**decade * rates)))
        log_s0, log_s1, relative = _plan(task, head + 1, stop, decade, log_floor).log_sums(t)
        log_loss = np.logaddexp(log_head, log_s0)
        log_slope = np.logaddexp(log_head + np.log(ratio), log_s1)
        local = np.where(t > 0, t * (2.0 * np.exp(log_slope - log_loss)), 0.0)
        error = relative * np.exp(log_s0 - log_loss)
    if not (np.all(np.isfinite(log_loss)) and np.all(np.isfinite(local)) and np.all(np.isfinite(error))):
        raise InvalidInput(f"the tail sum of the task leaves float64 at some t in [{t.min():g}, {t.max():g}]")
    return LossCurve(t, np.exp(log_loss), log_loss, local, None, error, "euler-maclaurin")


def exact_loss(task: Task, t=None, *, covariance="diagonal", method="auto", head=1000, per_mode=False):
    """Return the no-superposition loss curve of ``task`` under gradient flow.

    Parameters
    ----------
    task : superdyn.theory.Task
        Any N the Task allows (up to 1e12).
    t : array_like, optional
        Times t = eta * steps >= 0; default: 200 log-spaced points over the task's
        window widened tenfold each way (within [1e-3, 1e12]).
    covariance : {"diagonal", "exact"}
        The paper's diagonal second moment (default) or the exact one with the mean
        term, evaluated through the eigenbasis of Sigma (N <= 20000).
    method : {"auto", "direct", "tail"}
        ``"direct"`` sums every mode; ``"tail"`` sums the first and the last ``head``
        modes exactly and the rest by Euler-Maclaurin;
        ``"auto"`` sums directly up to 20000 modes.
    head : int
        Number of modes summed exactly at each end by ``"tail"`` (>= 100).
    per_mode : bool
        Also return the per-mode losses (direct summation only).

    Returns
    -------
    LossCurve
        With ``error_estimate`` (relative) for ``"tail"``.

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> curve = exact_loss(Task(PowerLaw(1.5), n_features=10**12), [1e2, 1e4, 1e6])
    >>> curve.local_exponent.round(4).tolist()
    [0.3333, 0.3333, 0.3334]
    >>> bool(curve.error_estimate.max() < 1e-10)
    True
    """
    task = _check_task(task)
    if covariance not in ("diagonal", "exact"):
        raise InvalidInput(f"covariance must be 'diagonal' or 'exact', got {covariance!r}")
    if method not in _METHODS:
        raise InvalidInput(f"method must be one of {_METHODS}, got {method!r}")
    head = check_count("head", head, minimum=100)
    last = task.frequencies.last_index(task.n_features)
    if t is None:
        t = default_times([task.rate_max, task.rates_at([last])[0]])
    t = check_times(t, task.rates_at([task.frequencies.last_index(task.n_features)])[0])
    if covariance == "exact":
        return _exact_covariance(task, t, per_mode)
    small = last <= 2 * head + 2
    if method == "direct" or (method == "auto" and last <= DIRECT_LIMIT) or small:
        if last > 10**8:
            raise InvalidInput(f"method='direct' sums every mode; n_features={last} is above 1e8")
        index = np.arange(1, last + 1, dtype=np.float64)
        return spectral_loss(task.rates_at(index), task.weights_at(index), t, per_mode=per_mode)
    if per_mode:
        raise InvalidInput("per_mode=True needs every mode; use method='direct' (N <= 1e8)")
    with np.errstate(over="ignore", invalid="ignore"):  # _tail_loss checks its result
        return _tail_loss(task, t, head, last)
