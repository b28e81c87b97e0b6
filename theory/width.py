"""Loss against model width m (Liu, Liu & Gore 2025, "Superposition yields robust neural
scaling"; summary in ``shared/paper``).

Weak superposition: only the m most frequent features are represented, each
perfectly, and the rest are dropped, so (in superdyn's convention L = 1/2 E||y* - y||^2)

    L(m) = 1/2 sum_{i > m} A_ii^2 p_i m2  ∝  m^-(a + 2b - 1)   for p ∝ i^-a, A_ii = i^-b,

a power law only when a + 2b > 1 (Liu et al.'s m^-(a-1) at b = 0).

Strong superposition: all features are represented and the loss comes from the
overlaps of their vectors, whose mean square is 1/m for random unit vectors (and for
near-equiangular frames), so L ∝ 1/m whatever the frequencies. Liu et al. measure
alpha_m ≈ 1 for a <= 1 and a larger exponent for skewed data (≈ 1.3 at a = 2),
tending to 2(a - 1) when a is large; only the universal 1/m is a closed form here.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidInput
from .task import Task
from .validate import as_float_array, broadcast_arrays, check_count, require, scalar_or_array

__all__ = [
    "weak_superposition_loss",
    "width_exponent_strong",
    "width_exponent_weak",
]


def width_exponent_weak(a, b=0.0):
    """Exponent of L ∝ m^-alpha_m under weak superposition: a + 2b - 1 (needs a + 2b > 1).

    Examples
    --------
    >>> width_exponent_weak(2.0)
    1.0
    """
    v = broadcast_arrays(a=a, b=b)
    require(v["a"] > 0, "a must be > 0", a=v["a"])
    require(v["b"] >= 0, "b must be >= 0", b=v["b"])
    require(v["a"] + 2 * v["b"] > 1, "weak-superposition width scaling needs a + 2b > 1", a=v["a"], b=v["b"])
    return scalar_or_array(v["a"] + 2 * v["b"] - 1, a=a, b=b)


def width_exponent_strong() -> float:
    """Exponent of L ∝ m^-1 under strong superposition: 1 (mean squared overlap 1/m).

    Examples
    --------
    >>> width_exponent_strong()
    1.0
    """
    return 1.0


def weak_superposition_loss(task: Task, width) -> np.ndarray | float:
    """L(m) = 1/2 sum_{i > m} A_ii^2 p_i m2 for the m most frequent features kept.

    Parameters
    ----------
    task : Task
        The task (N up to the dense limit).
    width : int or array_like of int
        Model widths m, 0 <= m <= N.

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> loss = weak_superposition_loss(Task(PowerLaw(2.0), n_features=1000), [10, 100])
    >>> round(float(loss[0] / loss[1]), 1)  # ~ (10 / 100)^-(a - 1), cut off at N = 1000
    10.5
    """
    if not isinstance(task, Task):
        raise InvalidInput(f"task must be a superdyn.theory.Task, got {task!r}")
    m = as_float_array("width", width)
    if np.any(m < 0) or np.any(m > task.n_features) or np.any(m != np.round(m)):
        raise InvalidInput(f"width must hold whole numbers in 0..{task.n_features}")
    check_count("n_features", task.n_features)
    per_feature = 0.5 * task.importance**2 * task.second_moment_diagonal
    tail = np.concatenate([np.cumsum(per_feature[::-1])[::-1], [0.0]])
    return scalar_or_array(tail[m.astype(np.int64)], width=width)
