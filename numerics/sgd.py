"""The exact expected loss of online mini-batch SGD on the linear model without superposition.

The trainer's linear model y = B x with B(0) = B0 takes the step
B <- B - eta (1/b) sum_{s=1}^b (B - A) x_s x_s^T on b fresh samples. With D = B - A and
C = (1/b) sum_s x_s x_s^T this is D <- D (I - eta C), so the second moment of the error
summed over output rows, M = E[D^T D], follows the exact linear recursion::

    M <- M - eta (Sigma M + M Sigma) + eta^2 [ (1/b) E[x x^T M x x^T] + (1 - 1/b) Sigma M Sigma ],

and the population loss is L = 1/2 Tr[Sigma M] (the loss is linear in M, the samples are
independent of M). Sigma = diag(d) + mu mu^T with mu_i = p_i m1, s_i = p_i m2 and
d = s - mu^2. Because the coordinates x_i = u_i v_i are independent, the fourth moments
E[x_i x_j x_k x_l] are products of the per-feature moments e_n = p m_n (m_n = v_max^n/(n+1)),
and the recursion contracts to an O(N^2) step (the derivation: docs/derivations/sgd.md)::

    M'_ij = c_ij M_ij + h_i mu_j + mu_i h_j + kappa mu_i mu_j        (i != j)
    c_ij  = (1 - eta d_i)(1 - eta d_j) + (eta^2 / b) d_i d_j

with u = M mu, w_i = u_i - M_ii mu_i, Q = mu^T M mu, P = Q - sum_k M_kk mu_k^2,
S = sum_k M_kk s_k, beta = eta^2 / b and::

    h_i   = -eta u_i + eta^2 (1 - 1/b) d_i u_i
            + beta (M_ii e3_i + 2 s_i w_i - mu_i s_i M_ii - 2 mu_i^2 w_i)
    kappa = eta^2 (1 - 1/b) Q + beta (S + P),

and on the diagonal::

    M'_ii = M_ii - 2 eta (d_i M_ii + mu_i u_i) + eta^2 (1 - 1/b)(d_i^2 M_ii + 2 d_i mu_i u_i + mu_i^2 Q)
            + beta (M_ii e4_i + 2 e3_i w_i + s_i (S - M_ii s_i) + s_i (P - 2 mu_i w_i)).

``covariance="diagonal"`` is the paper's diagonal model: Sigma = diag(p m2) and the odd
moments dropped (mu = 0), so M stays diagonal and a step costs O(N):
m_i' = m_i [(1 - eta s_i)^2 + beta (e4_i - 2 s_i^2)] + beta s_i sum_k s_k m_k.
``batch_size=inf`` is the expectation of the step itself: full-batch gradient descent.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from superdyn.theory import Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import check_batch_size, check_real

from .curve import LossCurve
from .kernel import check_times

__all__ = ["MAX_SGD_STEPS", "sgd_loss", "sgd_moments", "sgd_stability_limit"]

#: Most steps one curve may take (the recursion runs step by step).
MAX_SGD_STEPS = 100_000_000
#: Largest N for the exact (N x N) recursion.
MAX_EXACT_FEATURES = 8192
_COVARIANCES = ("exact", "diagonal", "auto")
#: ``covariance="auto"``: the full recursion up to this many features, the diagonal model beyond.
AUTO_EXACT_MAX_FEATURES = 2048


def sgd_moments(task: Task) -> dict:
    """Per-feature moments of x_i: mu = E x, s = E x^2, e3 = E x^3, e4 = E x^4, d = s - mu^2."""
    p = task.p
    vmax = np.float64(task.value_max)
    with np.errstate(over="ignore"):
        if not np.isfinite(vmax**4):
            raise InvalidInput(f"value_max={task.value_max:g}: E v^4 = value_max^4 / 5 leaves float64")
    with np.errstate(over="ignore", under="ignore"):
        mu, s = p * (vmax / 2), p * (vmax**2 / 3)
        moments = {"mu": mu, "s": s, "e3": p * (vmax**3 / 4), "e4": p * (vmax**4 / 5), "d": s - mu**2}
    if not all(np.all(np.isfinite(v)) for v in moments.values()):
        raise InvalidInput(f"value_max={task.value_max:g}: the fourth moment p v_max^4 / 5 leaves float64")
    return moments


@njit(cache=True, fastmath=True)
def _exact_step(M, mu, s, e3, e4, d, lr, inv_b, out):  # pragma: no cover - compiled
    n = M.shape[0]
    beta = lr * lr * inv_b
    full = lr * lr * (1.0 - inv_b)
    u = M @ mu
    Q = 0.0
    S = 0.0
    diag_mu2 = 0.0
    for k in range(n):
        Q += mu[k] * u[k]
        S += M[k, k] * s[k]
        diag_mu2 += M[k, k] * mu[k] * mu[k]
    P = Q - diag_mu2
    kappa = full * Q + beta * (S + P)
    a = np.empty(n)
    h = np.empty(n)
    for i in range(n):
        a[i] = 1.0 - lr * d[i]
        w = u[i] - M[i, i] * mu[i]
        h[i] = (
            -lr * u[i]
            + full * d[i] * u[i]
            + beta * (M[i, i] * e3[i] + 2.0 * s[i] * w - mu[i] * s[i] * M[i, i] - 2.0 * mu[i] * mu[i] * w)
        )
    for i in range(n):  # row by row, contiguous (M stays symmetric: each half is computed alike)
        ai, bdi, hi, mi = a[i], beta * d[i], h[i], mu[i]
        ki = kappa * mi
        row, target = M[i], out[i]
        for j in range(n):
            target[j] = (ai * a[j] + bdi * d[j]) * row[j] + hi * mu[j] + mi * h[j] + ki * mu[j]
    for i in range(n):
        w = u[i] - M[i, i] * mu[i]
        m = M[i, i]
        out[i, i] = (
            m
            - 2.0 * lr * (d[i] * m + mu[i] * u[i])
            + full * (d[i] * d[i] * m + 2.0 * d[i] * mu[i] * u[i] + mu[i] * mu[i] * Q)
            + beta * (m * e4[i] + 2.0 * e3[i] * w + s[i] * (S - m * s[i]) + s[i] * (P - 2.0 * mu[i] * w))
        )


@njit(cache=True)
def _exact_run(M, mu, s, e3, e4, d, lr, inv_b, steps):  # pragma: no cover - compiled
    """Run the exact recursion; return 2 L = Tr[Sigma M] at each requested step (sorted)."""
    out = np.empty_like(M)
    losses = np.empty(steps.size)
    done = 0
    k = 0
    for target in steps:
        while done < target:
            _exact_step(M, mu, s, e3, e4, d, lr, inv_b, out)
            M, out = out, M
            done += 1
        total = 0.0
        for i in range(M.shape[0]):
            total += d[i] * M[i, i]
        losses[k] = 0.5 * (total + mu @ (M @ mu))
        k += 1
    return losses


@njit(cache=True, fastmath=True)
def _diagonal_run(m, s, e4, lr, inv_b, steps):  # pragma: no cover - compiled
    n = m.size
    beta = lr * lr * inv_b
    q = np.empty(n)
    for i in range(n):
        q[i] = (1.0 - lr * s[i]) ** 2 + beta * (e4[i] - 2.0 * s[i] * s[i])
    losses = np.empty(steps.size)
    feedback = 0.0  # sum_k s_k m_k, carried from one step to the next (one pass a step)
    for i in range(n):
        feedback += s[i] * m[i]
    done = 0
    k = 0
    for target in steps:
        while done < target:
            push = beta * feedback
            feedback = 0.0
            for i in range(n):
                m[i] = q[i] * m[i] + push * s[i]
                feedback += s[i] * m[i]
            done += 1
        losses[k] = 0.5 * feedback
        k += 1
    return losses


def whole_steps(t, lr: float, maximum: int = MAX_SGD_STEPS) -> np.ndarray:
    """round(t / lr) for checked times t >= 0 and lr > 0; at most ``maximum`` steps."""
    t = check_times(t)
    with np.errstate(over="ignore"):
        steps = np.rint(t / lr)
    if not steps.max() <= maximum:
        raise InvalidInput(
            f"t / lr asks for {steps.max():.3g} steps with lr={lr:g}; at most {maximum:g} "
            "(raise lr or lower t)"
        )
    return steps


def _diagonal_radius(lr: float, s, e4, inv_b: float) -> float:
    """Largest eigenvalue of the diagonal step matrix diag(q) + beta s s^T (>= 0; inf past float64)."""
    with np.errstate(over="ignore", invalid="ignore"):
        beta = lr * lr * inv_b
        q = (1.0 - lr * s) ** 2 + beta * (e4 - 2.0 * s * s)
        top = float(q.max())
        spread = beta * float(s @ s)
    if not (np.isfinite(top) and np.isfinite(spread)):
        return math.inf
    if beta == 0.0:
        return top
    # secular equation 1 = beta sum_i s_i^2 / (lam - q_i) for lam > max q: bisect on lam
    s2 = s * s  # modes whose s_i^2 underflows to 0 do not couple
    lo, hi = top, top + spread + 1e-300
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore"):  # mid = max q: the sum is infinite, mid is below the root
            secular = beta * float(np.sum(np.divide(s2, mid - q, out=np.zeros_like(s), where=s2 > 0)))
        if secular > 1.0:
            lo = mid
        else:
            hi = mid
    return hi


def _exact_radius(moments: dict, lr: float, inv_b: float, iterations: int = 300) -> float:
    """Spectral radius of the exact step map (it keeps the PSD cone): power iteration from I."""
    n = moments["mu"].size
    M = np.eye(n)
    out = np.empty_like(M)
    radius = 0.0
    args = [moments[k] for k in ("mu", "s", "e3", "e4", "d")]
    for _ in range(iterations):
        with np.errstate(over="ignore", invalid="ignore"):
            _exact_step(M, *args, lr, inv_b, out)
        trace = float(np.trace(out))
        if not (np.isfinite(trace) and trace > 0):
            return math.inf
        previous, radius = radius, trace / float(np.trace(M))
        M, out = out / trace, M
        if abs(radius - previous) <= 1e-9 * radius:
            break
    return radius


def sgd_stability_limit(task: Task, *, batch_size, covariance: str = "diagonal") -> float:
    """The largest learning rate at which the expected-loss recursion does not grow.

    For the diagonal model the step matrix is diag(q) + beta s s^T with
    q_i = (1 - eta s_i)^2 + beta (e4_i - 2 s_i^2) and beta = eta^2 / b; it is non-negative,
    so its spectral radius is its largest eigenvalue, which is < 1 exactly when
    max_i q_i < 1 and beta sum_i s_i^2 / (1 - q_i) < 1. The stable learning rates form an
    interval (0, eta_max); eta_max is found by bisection on that condition. For
    ``covariance="exact"`` the spectral radius of the full map is found by power iteration
    (N <= 512).

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    >>> gd = sgd_stability_limit(task, batch_size=float("inf"))  # 2 / lambda_max
    >>> round(gd * task.rate_max, 6)
    2.0
    >>> sgd_stability_limit(task, batch_size=1) < gd  # single samples: a lower limit
    True
    """
    if covariance not in _COVARIANCES:
        raise InvalidInput(f"covariance must be one of {_COVARIANCES}, got {covariance!r}")
    inv_b = 1.0 / check_batch_size(batch_size)
    moments = sgd_moments(_checked_task(task, covariance))
    if covariance == "exact" and moments["mu"].size > 512:
        raise InvalidInput(
            f"n_features={moments['mu'].size}: the exact stability limit is computed for N <= 512"
        )

    diagonal = _bisect_limit(
        lambda lr: _diagonal_radius(lr, moments["s"], moments["e4"], inv_b),
        0.0,
        2.0 / float(moments["s"].max()),  # beyond 2/max s even gradient descent grows
    )
    if covariance == "diagonal":
        return diagonal
    # the exact map's limit lies within a few per cent of the diagonal model's: bracket it there
    return _bisect_limit(lambda lr: _exact_radius(moments, lr, inv_b), 0.5 * diagonal, 1.5 * diagonal)


def _bisect_limit(radius, lo: float, hi: float) -> float:
    """The lr where radius(lr) reaches 1, to a relative 1e-10, from a bracket widened as needed."""
    for _ in range(64):
        if radius(hi) >= 1.0:
            break
        lo, hi = hi, 2.0 * hi
    for _ in range(64):
        if lo == 0.0 or radius(lo) < 1.0:
            break
        lo, hi = 0.5 * lo, lo
    while hi - lo > 1e-10 * hi:
        mid = 0.5 * (lo + hi)
        if radius(mid) < 1.0:
            lo = mid
        else:
            hi = mid
    return lo


def _checked_task(task, covariance) -> Task:
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    limit = MAX_EXACT_FEATURES if covariance == "exact" else 100_000_000
    if task.n_features > limit:
        raise InvalidInput(f"n_features={task.n_features} is above {limit} for covariance={covariance!r}")
    return task


def sgd_loss(
    task: Task, t, *, lr, batch_size, covariance: str = "exact", init_scale: float = 0.0
) -> LossCurve:
    """The exact expected population loss of online mini-batch SGD on the linear model.

    Parameters
    ----------
    task : Task
        The task; the inputs are the trainer's: independent Bernoulli(p_i) times U(0, v_max).
    t : array_like
        Times t = lr * steps, >= 0; each is taken at the nearest whole step (the curve's t
        says which).
    lr : float
        Learning rate, > 0 and below the recursion's stability limit.
    batch_size : int or inf
        Fresh samples per step (inf: full-batch gradient descent).
    covariance : {"exact", "diagonal", "auto"}
        The full recursion (O(N^2) a step, N <= 8192), the paper's diagonal model (O(N)), or
        ``"auto"``: the full recursion for N <= ``AUTO_EXACT_MAX_FEATURES`` (2048), the diagonal
        model beyond.
    init_scale : float
        B(0) ~ N(0, init_scale^2) entrywise (0: the trainer's B(0) = 0); E[M(0)] = A^T A +
        N init_scale^2 I.

    Returns
    -------
    LossCurve
        ``local_exponent`` from central differences in ln t between the returned points (0
        at t = 0); ``method`` is ``"sgd-exact"`` or ``"sgd-diagonal"``.

    Raises
    ------
    ValueError
        For lr at or beyond the stability limit (the prediction would grow without bound),
        batch_size < 1, negative t or init_scale, or more than 1e8 steps.

    Examples
    --------
    >>> import numpy as np
    >>> from superdyn.numerics import spectral_loss
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    >>> gd = sgd_loss(task, [15.0, 450.0], lr=1.5, batch_size=float("inf"), covariance="diagonal")
    >>> direct = spectral_loss(task.modes().rates, task.modes().weights, [15.0, 450.0], lr=1.5)
    >>> bool(np.allclose(gd.loss, direct.loss, rtol=1e-12))
    True
    >>> single = sgd_loss(task, [15.0, 450.0, 1500.0], lr=1.5, batch_size=1)  # single samples
    >>> full = sgd_loss(task, [15.0, 450.0, 1500.0], lr=1.5, batch_size=float("inf"))
    >>> (single.loss / full.loss).round(2).tolist()  # SGD noise: far above gradient descent
    [1.97, 3.25, 4.6]
    """
    if covariance not in _COVARIANCES:
        raise InvalidInput(f"covariance must be one of {_COVARIANCES}, got {covariance!r}")
    if covariance == "auto":
        covariance = "exact" if task.n_features <= AUTO_EXACT_MAX_FEATURES else "diagonal"
    task = _checked_task(task, covariance)
    lr = check_real("lr", lr, lower=0.0, lower_open=True)
    batch = check_batch_size(batch_size)
    inv_b = 1.0 / batch
    init_scale = check_real("init_scale", init_scale, lower=0.0, upper=1e100)
    t = check_times(t)
    steps = whole_steps(t, lr)
    moments = sgd_moments(task)
    if covariance == "diagonal":
        radius = _diagonal_radius(lr, moments["s"], moments["e4"], inv_b)
    else:
        radius = _exact_radius(moments, lr, inv_b)
    if not radius < 1.0:
        limit = sgd_stability_limit(
            task, batch_size=batch, covariance=covariance if task.n_features <= 512 else "diagonal"
        )
        raise InvalidInput(
            f"lr={lr:g} is at or beyond the stability limit of SGD with batch_size={batch:g} (about "
            f"{limit:.4g}): the expected loss grows without bound (spectral radius {radius:.6g} >= 1)"
        )
    order = np.argsort(steps, kind="stable")
    wanted = steps[order].astype(np.int64)
    with np.errstate(over="ignore"):
        g2 = task.importance**2
    if not np.all(np.isfinite(g2)):
        raise InvalidInput(
            "channels: A_ii^2 leaves float64; the error's second moment M(0) = A^T A is not finite"
        )
    n = task.n_features
    if covariance == "diagonal":
        sorted_losses = _diagonal_run(g2 + n * init_scale**2, moments["s"], moments["e4"], lr, inv_b, wanted)
    else:
        M = np.diag(g2 + n * init_scale**2)
        args = [moments[k] for k in ("mu", "s", "e3", "e4", "d")]
        sorted_losses = _exact_run(M, *args, lr, inv_b, wanted)
    losses = np.empty_like(sorted_losses)
    losses[order] = sorted_losses
    if not np.all(np.isfinite(losses)) or np.any(losses < 0):
        raise InvalidInput(f"the recursion left float64 for lr={lr:g}, batch_size={batch:g}")
    if np.any(losses == 0):
        raise InvalidInput(
            f"lr={lr:g}: the expected loss is exactly 0 at some t (a mode learned in one step, "
            "lr = 1/lambda); its logarithm and local exponent are undefined"
        )
    times = steps * lr
    log_loss = np.log(losses)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        local = _local_exponent(times, log_loss)
    if not np.all(np.isfinite(local)):
        raise InvalidInput(
            f"t: the local exponent leaves float64 between the requested times {t.tolist()[:4]}..."
        )
    return LossCurve(times, losses, log_loss, local, method=f"sgd-{covariance}")


def _local_exponent(t: np.ndarray, log_loss: np.ndarray) -> np.ndarray:
    """-d ln L / d ln t by central differences over the distinct positive times (0 at t = 0)."""
    local = np.zeros_like(t)
    positive = t > 0
    grid, first = np.unique(t[positive], return_index=True)
    if grid.size >= 2:
        values = log_loss[positive][first]
        slope = -np.gradient(values, np.log(grid))
        local[positive] = np.interp(t[positive], grid, slope)
    return local
