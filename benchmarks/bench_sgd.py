"""Speed of the exact SGD expected-loss recursion (superdyn.numerics.sgd_loss).

Run: python benchmarks/bench_sgd.py [--quick]

Targets (issue: exact SGD theory): the exact recursion at N = 1024 for 1e4 steps with 50
log-spaced outputs under 60 s on one core; at least 20x faster than the same recursion
written with dense matrices (Sigma M, M Sigma, Sigma M Sigma as O(N^3) products) at N = 256;
the diagonal model at N = 1e6 for 1e4 steps under 10 s. Each line prints the measured time,
the reference time where there is one, and their ratio; the dense reference and the fast
recursion are also compared number for number.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np
from superdyn.numerics import sgd_loss
from superdyn.numerics.sgd import sgd_moments
from superdyn.theory import PowerLaw, Task


def dense_recursion(task: Task, steps: int, lr: float, batch: float) -> float:
    """The recursion with dense matrices: O(N^3) products for the Sigma terms."""
    m = sgd_moments(task)
    mu, s, e3, e4 = m["mu"], m["s"], m["e3"], m["e4"]
    sigma = np.diag(m["d"]) + np.outer(mu, mu)
    inv_b = 1.0 / batch
    M = np.diag(task.importance**2)
    for _ in range(steps):
        u = M @ mu
        diag = np.diag(M).copy()
        w = u - diag * mu
        big_s, big_q = float(diag @ s), float(mu @ u)
        big_p = big_q - float(diag @ mu**2)
        # E[x x^T M x x^T], term by term over the index coincidences (i != j, then i = j)
        four = (
            np.outer(diag * e3, mu)
            + np.outer(mu, diag * e3)
            + 2 * M * np.outer(s, s)
            + np.outer(mu, mu) * (big_s - (diag * s)[:, None] - (diag * s)[None, :])
            + 2 * np.outer(s, mu) * (u[:, None] - (diag * mu)[:, None] - M * mu[None, :])
            + 2 * np.outer(mu, s) * (u[None, :] - (diag * mu)[None, :] - M * mu[:, None])
            + np.outer(mu, mu)
            * (big_p - 2 * (mu * w)[:, None] - 2 * (mu * w)[None, :] + 2 * M * np.outer(mu, mu))
        )
        np.fill_diagonal(four, diag * e4 + 2 * e3 * w + s * (big_s - diag * s) + s * (big_p - 2 * mu * w))
        M = M - lr * (sigma @ M + M @ sigma) + lr**2 * (inv_b * four + (1 - inv_b) * sigma @ M @ sigma)
    return 0.5 * float(np.trace(sigma @ M))


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(quick: bool) -> None:
    numba.set_num_threads(1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; numba on 1 thread")
    lr, batch = 1.0, 1
    # warm the compiled kernels
    sgd_loss(Task(PowerLaw(1.5), n_features=8), [1.0], lr=lr, batch_size=batch)
    sgd_loss(Task(PowerLaw(1.5), n_features=8), [1.0], lr=lr, batch_size=batch, covariance="diagonal")

    n, steps = 256, 50 if quick else 200
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=n)
    fast_time, fast = timed(lambda: sgd_loss(task, [lr * steps], lr=lr, batch_size=batch).loss[0])
    slow_time, slow = timed(lambda: dense_recursion(task, steps, lr, batch))
    ratio, difference = slow_time / fast_time, abs(fast / slow - 1)
    print(
        f"exact, N={n}, {steps} steps: {fast_time:.3f} s vs dense {slow_time:.3f} s -> "
        f"{ratio:.1f}x faster (target >= 20x); relative difference {difference:.1e}"
    )

    n, steps = 1024, 1000 if quick else 10_000
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=n)
    times = lr * np.unique(np.rint(np.logspace(0, np.log10(steps), 50)))
    elapsed, _ = timed(lambda: sgd_loss(task, times, lr=lr, batch_size=batch))
    print(f"exact, N={n}, {steps} steps, {times.size} outputs: {elapsed:.1f} s (target < 60 s for 1e4 steps)")

    n, steps = 10**5 if quick else 10**6, 10_000
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=n)
    elapsed, _ = timed(lambda: sgd_loss(task, [lr * steps], lr=lr, batch_size=batch, covariance="diagonal"))
    print(f"diagonal, N={n}, {steps} steps: {elapsed:.2f} s (target < 10 s at N = 1e6)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    main(parser.parse_args().quick)
