"""Closed-form limits of the linear superposition model (paper Appendix A.2).

The linear student y = W^T B W x with teacher y* = A x has loss (paper Eq. 24)

    L(B) = 1/2 Tr[(W^T B W - A)^T (W^T B W - A) Sigma],

whose exact gradient is dL/dB = P B C - W A Sigma W^T with P = W W^T and
C = W Sigma W^T. The paper's Eq. 26 writes the symmetrised form
(P B C + C B P - S - S^T)/2; the two agree whenever P B C is symmetric, as in the
clustered limit below (P, C and B diagonal), but not for a general W.

Clustered limit (A.2.2). Features are split into K clusters G_j and W_ji = 1 for
i in G_j. Then P = diag(n_j), C = diag(sum_{i in G_j} sigma_i^2), and with B(0) = 0
each cluster is one mode:

    rate      kappa_j = n_j C_jj
    optimum   b_j* = S_j / (n_j C_jj),      S_j = sum_{i in G_j} A_ii sigma_i^2
    weight    w_j = S_j^2 / (2 n_j C_jj)
    floor     L_j* = (T_j - S_j^2 / (n_j C_jj)) / 2,   T_j = sum_{i in G_j} A_ii^2 sigma_i^2.

By Cauchy-Schwarz S_j^2 <= C_jj T_j, so at most 1/n_j of a cluster's initial loss
T_j / 2 can be learned (equality when A is constant on the cluster). The paper's text
does not state this floor.

Isotropic limit (A.2.3). For W with random unit columns and N >> K,
P ~ (N/K) I and C ~ (N/K) mean(sigma^2) I, so every entry of B relaxes at the single
rate (N/K)^2 mean(sigma^2). With the Hessian replaced by that multiple of the
identity, the optimum is B* = S/rate with S = W diag(A_ii sigma_i^2) W^T, the weight
is E||S||_F^2 / (2 rate) with E||S||_F^2 = sum_i D_i^2 + ((sum_i D_i)^2 - sum_i D_i^2)/K
(D_i = A_ii sigma_i^2, E[(w_i . w_j)^2] = 1/K), and the floor is T/2 minus the weight.
C is close to isotropic only if many features share the variance: the effective
number N_eff = (sum sigma^2)^2 / sum sigma^4 must be >> K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidInput
from .spectrum import ModeSpectrum
from .task import MAX_DENSE_FEATURES, Task
from .validate import check_count

__all__ = [
    "ClusteredLimit",
    "IsotropicLimit",
    "clustered_limit",
    "contiguous_clusters",
    "isotropic_limit",
]


@dataclass(frozen=True)
class ClusteredLimit:
    """Modes of the clustered embedding.

    Attributes
    ----------
    spectrum : ModeSpectrum
        One mode per non-empty cluster (rates n_j C_jj, weights, plateau sum_j L_j*).
    cluster_sizes : ndarray of int, shape (K,)
        n_j.
    optimum : ndarray, shape (K,)
        b_j* = S_j / (n_j C_jj) (0 for empty clusters).
    learnable_fraction : ndarray, shape (K,)
        w_j / (T_j / 2) <= 1/n_j, the share of a cluster's initial loss that can be learned.
    """

    spectrum: ModeSpectrum
    cluster_sizes: np.ndarray
    optimum: np.ndarray
    learnable_fraction: np.ndarray


@dataclass(frozen=True)
class IsotropicLimit:
    """The single-rate isotropic limit.

    Attributes
    ----------
    spectrum : ModeSpectrum
        One mode: rate (N/K)^2 mean(sigma^2), its weight, and the plateau.
    effective_features : float
        N_eff = (sum sigma^2)^2 / sum sigma^4; the limit needs N_eff >> K.
    """

    spectrum: ModeSpectrum
    effective_features: float


def contiguous_clusters(n_features: int, n_clusters: int) -> np.ndarray:
    """Labels that split features 1..N into K contiguous clusters of near-equal size.

    Examples
    --------
    >>> contiguous_clusters(5, 2).tolist()
    [0, 0, 0, 1, 1]
    """
    n = check_count("n_features", n_features, maximum=MAX_DENSE_FEATURES)
    k = check_count("n_clusters", n_clusters, maximum=n)
    return (np.arange(n) * k) // n


def _require_float64(limit: str, *values) -> None:
    """Refuse a limit whose rates, weights or plateau leave float64 (0 rates are allowed)."""
    if not all(np.all(np.isfinite(v)) for v in values):
        raise InvalidInput(
            f"the {limit} limit leaves float64 for this task: its rates or weights overflow; use "
            "density and value_max nearer 1"
        )


def _task_arrays(task: Task):
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    return task.second_moment_diagonal, task.importance


def clustered_limit(task: Task, clusters) -> ClusteredLimit:
    """Exact modes of y = W^T B W x for a hard cluster assignment (paper Eqs. 27-30).

    Parameters
    ----------
    task : Task
        The task (diagonal second moment).
    clusters : array_like of int, shape (N,)
        Cluster label in 0..K-1 of each feature.

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task, contiguous_clusters
    >>> limit = clustered_limit(Task(PowerLaw(1.5), n_features=64), contiguous_clusters(64, 8))
    >>> limit.cluster_sizes.tolist()[:3], limit.learnable_fraction.round(3).tolist()[:3]
    ([8, 8, 8], [0.125, 0.125, 0.125])
    """
    sigma2, channel = _task_arrays(task)
    labels = np.asarray(clusters)
    if labels.shape != sigma2.shape or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise InvalidInput(f"clusters must be {sigma2.size} non-negative integer labels, one per feature")
    if labels.max() >= sigma2.size:
        raise InvalidInput(
            f"cluster labels must lie in 0..{sigma2.size - 1} (at most N clusters), got {int(labels.max())}"
        )
    k = int(labels.max()) + 1
    with np.errstate(all="ignore"):
        sizes = np.bincount(labels, minlength=k)
        c = np.bincount(labels, weights=sigma2, minlength=k)
        s = np.bincount(labels, weights=channel * sigma2, minlength=k)
        t = np.bincount(labels, weights=channel**2 * sigma2, minlength=k)
        rates = sizes * c
        live = rates > 0
        optimum = np.divide(s, rates, out=np.zeros(k), where=live)
        weights = np.divide(s**2, 2 * rates, out=np.zeros(k), where=live)
        floor = np.maximum(t / 2 - weights, 0.0)
        fraction = np.divide(weights, t / 2, out=np.zeros(k), where=t > 0)
    _require_float64("clustered", rates, weights, floor, optimum, fraction)
    spectrum = ModeSpectrum(rates[live], weights[live], float(floor.sum()))
    return ClusteredLimit(spectrum, sizes, optimum, fraction)


def isotropic_limit(task: Task, width: int) -> IsotropicLimit:
    """Single-rate limit of a random unit-column W with K = ``width`` (paper Eqs. 31-33).

    Examples
    --------
    >>> from superdyn.theory import Constant, Task
    >>> limit = isotropic_limit(Task(Constant(), n_features=1024), 16)
    >>> limit.spectrum.rates.round(4).tolist(), round(limit.effective_features)  # (N/K)^2 mean(p m2)
    ([1.3333], 1024)
    """
    sigma2, channel = _task_arrays(task)
    k = check_count("width", width, maximum=task.n_features)
    n = task.n_features
    with np.errstate(all="ignore"):
        rate = (n / k) ** 2 * sigma2.mean()
        d = channel * sigma2
        s_norm2 = np.sum(d**2) + (np.sum(d) ** 2 - np.sum(d**2)) / k
        weight = s_norm2 / (2 * rate)
        floor = max(float(np.sum(channel**2 * sigma2)) / 2 - weight, 0.0)
        scaled = sigma2 / sigma2.max()  # N_eff is scale-free; scaling keeps sigma^4 in float64
        n_eff = float(scaled.sum() ** 2 / np.sum(scaled**2))
    _require_float64("isotropic", rate, weight, floor, n_eff)
    return IsotropicLimit(ModeSpectrum([rate], [weight], floor), n_eff)
