"""Slow, obviously correct twins of the fast evaluators, in mpmath.

They evaluate the defining formulas term by term at a chosen precision, with no
change of variables: gradient flow through exp(-2 lambda t), gradient descent through
``|1 - eta lambda|^(2 t / eta)``, the local exponent from the exact derivative. Tests compare
the numba kernel and the any-N sums against them.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
from superdyn.theory import Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import check_batch_size, check_count, check_modes, check_real

from .kernel import check_times
from .sgd import sgd_moments, whole_steps  # the checks and the moments, not the recursion

__all__ = ["exact_loss_mpmath", "sgd_loss_dense", "spectral_loss_mpmath"]


def spectral_loss_mpmath(rates, weights, t, *, plateau=0.0, lr=None, dps=40):
    """Return (L(t), -d ln L / d ln t) as lists of mpf, summed term by term.

    Parameters
    ----------
    rates, weights : sequence of float
        lambda_m >= 0 and w_m >= 0.
    t : sequence of float
        Times >= 0.
    plateau : float
        L_inf.
    lr : float, optional
        Learning rate of discrete gradient descent; ``None`` is gradient flow.
    dps : int
        Decimal digits of working precision.

    Examples
    --------
    >>> loss, exponent = spectral_loss_mpmath([1.0, 0.01], [0.5, 0.5], [10.0])
    >>> float(loss[0]), round(float(exponent[0]), 6)
    (0.409365..., 0.2)
    """
    checked, _ = check_modes(rates, weights)  # the same checks as the fast twin, on float64 copies
    rates, weights = list(rates), list(weights)  # the values themselves stay as given (mpf keeps its range)
    positive = checked[checked > 0]
    check_times(t, positive.min() if positive.size else None)
    if check_real("plateau", plateau, lower=0.0) == 0 and not any(w > 0 for w in weights):
        raise InvalidInput("weights and plateau are all 0: the loss is identically zero")
    if lr is not None:
        check_real("lr", lr, lower=0.0, lower_open=True)
        if float(lr) * max((float(r) for r in rates), default=0.0) > 2:
            raise InvalidInput(f"lr * max(rates) must be <= 2 for gradient descent to converge, got lr={lr}")
    check_count("dps", dps, minimum=15, maximum=10_000)
    with mpmath.workdps(dps):
        modes = [(mpmath.mpf(r), mpmath.mpf(w)) for r, w in zip(rates, weights, strict=True)]
        losses, exponents = [], []
        for time in np.atleast_1d(t):
            time = mpmath.mpf(float(time))
            loss = mpmath.mpf(float(plateau))
            minus_slope = mpmath.mpf(0)  # -dL/dt
            for rate, weight in modes:
                if lr is None:
                    decay = mpmath.exp(-2 * rate * time)
                    minus_slope += 2 * rate * weight * decay
                else:
                    eta = mpmath.mpf(float(lr))
                    base = abs(1 - eta * rate)
                    if base == 0:
                        decay = mpmath.mpf(1) if time == 0 else mpmath.mpf(0)
                    else:
                        decay = base ** (2 * time / eta)
                        minus_slope -= 2 / eta * mpmath.log(base) * weight * decay
                loss += weight * decay
            losses.append(loss)
            exponents.append(time * minus_slope / loss if loss > 0 else mpmath.inf)
        return losses, exponents


def exact_loss_mpmath(task: Task, t, *, dps=40, covariance="diagonal"):
    """Return the no-superposition loss of ``task`` (paper Eq. 7) term by term in mpmath.

    The frequencies are normalised in mpmath too, so nothing is taken from float64
    except the profile values f(i) and g(i). Feasible for N up to about 1e5.

    Returns
    -------
    (list of mpf, list of mpf)
        L(t) and the local exponent.

    Examples
    --------
    >>> import numpy as np
    >>> from superdyn.numerics import exact_loss
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), n_features=100)
    >>> slow, _ = exact_loss_mpmath(task, [10.0, 1e3])
    >>> bool(np.allclose(np.array(slow, dtype=float), exact_loss(task, [10.0, 1e3]).loss, rtol=1e-12))
    True
    """
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    if covariance != "diagonal":
        raise InvalidInput(f"covariance must be 'diagonal' for the mpmath reference, got {covariance!r}")
    n = task.n_features
    if n > 200_000:
        raise InvalidInput(f"n_features={n} is too large for a term-by-term mpmath sum (limit 200000)")
    dps = check_count("dps", dps, minimum=15, maximum=10_000)
    index = np.arange(1, n + 1, dtype=np.float64)
    with mpmath.workdps(dps):
        f = [mpmath.mpf(float(v)) for v in task.frequencies.values(index, n)]
        g = [mpmath.mpf(float(v)) for v in task.channels.values(index, n)]
        scale = mpmath.mpf(task.density) * mpmath.mpf(task.value_max) ** 2 / 3 / mpmath.fsum(f)
        rates = [scale * fi for fi in f]
        weights = [gi**2 * r / 2 for gi, r in zip(g, rates, strict=True)]
    return spectral_loss_mpmath(rates, weights, t, dps=dps)


#: most steps the dense SGD reference takes (about 3 s at N = 1, a minute at N = 12)
DENSE_MAX_STEPS = 10**5


def sgd_loss_dense(task: Task, t, *, lr, batch_size, init_scale=0.0):
    """The SGD expected-loss recursion of :func:`superdyn.numerics.sgd_loss` with dense tensors (N <= 12).

    M <- M - lr (Sigma M + M Sigma) + lr^2 [(1/b) X4 : M + (1 - 1/b) Sigma M Sigma], where the
    fourth-moment tensor X4_ijkl = E[x_i x_j x_k x_l] is built entry by entry from independence
    (a product over the distinct indices of E[x^multiplicity]), not from the contraction the
    fast recursion uses. Returns the losses 1/2 Tr[Sigma M] at steps round(t / lr), at most
    ``DENSE_MAX_STEPS`` (1e5; a step is a few dense products in Python, ~30 us at N = 1).
    """
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    n = task.n_features
    if n > 12:
        raise InvalidInput(f"n_features={n}: the dense twin builds N^4 moments, at most N = 12")
    lr = check_real("lr", lr, lower=0.0, lower_open=True)
    inv_b = 1.0 / check_batch_size(batch_size)
    init_scale = check_real("init_scale", init_scale, lower=0.0, upper=1e100)
    steps = whole_steps(t, lr, maximum=DENSE_MAX_STEPS).astype(np.int64)
    moment = [None] + [sgd_moments(task)[k] for k in ("mu", "s", "e3", "e4")]

    def expectation(indices):
        counts = {}
        for i in indices:
            counts[i] = counts.get(i, 0) + 1
        return float(np.prod([moment[c][i] for i, c in counts.items()]))

    sigma = np.array([[expectation((i, j)) for j in range(n)] for i in range(n)])
    x4 = np.empty((n, n, n, n))
    for index in itertools.product(range(n), repeat=4):
        x4[index] = expectation(index)
    M = np.diag(task.importance**2 + n * init_scale**2)
    losses, done = {}, 0
    for target in sorted(set(steps.tolist())):
        with np.errstate(over="ignore", invalid="ignore"):  # an unstable lr is refused below
            while done < target and np.isfinite(M).all():
                M = (
                    M
                    - lr * (sigma @ M + M @ sigma)
                    + lr**2 * (inv_b * np.einsum("ijkl,kl->ij", x4, M) + (1 - inv_b) * sigma @ M @ sigma)
                )
                done += 1
            losses[target] = 0.5 * float(np.trace(sigma @ M))
    out = np.array([losses[s] for s in steps.tolist()])
    if not np.all(np.isfinite(out)):
        raise InvalidInput(f"lr={lr:g}: the dense recursion leaves float64 (beyond the stability limit)")
    return out
