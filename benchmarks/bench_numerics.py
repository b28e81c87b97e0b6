"""Speed of numerics against naive references measured in the same run.

Run: python benchmarks/bench_numerics.py [--quick]

Prints, for each target, the time of superdyn's path, the time of the reference and
their ratio (reference / superdyn, so > 1 is faster), with the accuracy of the fast
path against the reference where both compute the same numbers.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numba
import numpy as np
from superdyn.numerics import exact_loss, linear_superposition, spectral_loss
from superdyn.theory import PowerLaw, Task


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@numba.njit(parallel=True, cache=True)
def _libm_sums(log_weights, rates, times):
    """The same sums with libm's exp, one value at a time (what numba does by default)."""
    total = np.empty(times.size)
    slope = np.empty(times.size)
    for it in numba.prange(times.size):
        s0 = 0.0
        s1 = 0.0
        for m in range(rates.size):
            y = math.exp(log_weights[m] - 2.0 * times[it] * rates[m])
            s0 += y
            s1 += y * rates[m]
        total[it] = s0
        slope[it] = s1
    return total, slope


def kernel(repeats):
    n, count = 100_000, 200
    task = Task(PowerLaw(1.1), n_features=n)
    modes = task.modes()
    t = np.logspace(-3, 3, count)  # where float64 holds L (the numpy reference has no log space)

    def numpy_broadcast():
        decay = modes.weights[None, :] * np.exp(-2.0 * np.outer(t, modes.rates))
        return decay.sum(axis=1), decay @ modes.rates

    fast = spectral_loss(modes.rates, modes.weights, t)
    reference, _ = numpy_broadcast()
    _libm_sums(np.log(modes.weights), modes.rates, t)
    t_fast = best_of(lambda: spectral_loss(modes.rates, modes.weights, t), repeats)
    t_numpy = best_of(numpy_broadcast, repeats)
    t_libm = best_of(lambda: _libm_sums(np.log(modes.weights), modes.rates, t), repeats)
    error = np.max(np.abs(fast.loss / reference - 1))
    print(f"kernel, N = {n}, T = {count} (loss and local exponent)")
    print(f"  superdyn kernel        {t_fast * 1e3:9.2f} ms")
    print(
        f"  numpy broadcast (N x T){t_numpy * 1e3:9.2f} ms   ratio {t_numpy / t_fast:6.1f}x   (target >= 3x)"
    )
    print(f"  numba with libm exp    {t_libm * 1e3:9.2f} ms   ratio {t_libm / t_fast:6.1f}x")
    print(f"  max relative difference to numpy: {error:.1e}")


def any_n(repeats, brute_n):
    t = np.logspace(-3, 12, 200)
    big = Task(PowerLaw(1.1), PowerLaw(0.25), n_features=10**12)
    exact_loss(big, t)  # compile and plan
    t_big = best_of(lambda: exact_loss(big, t), repeats)
    task = Task(PowerLaw(1.1), PowerLaw(0.25), n_features=brute_n)
    tail = exact_loss(task, t, method="tail")
    start = time.perf_counter()
    direct = exact_loss(task, t, method="direct")
    t_direct = time.perf_counter() - start
    t_tail = best_of(lambda: exact_loss(task, t, method="tail"), repeats)
    error = np.max(np.abs(tail.log_loss - direct.log_loss) / np.maximum(1, np.abs(direct.log_loss)))
    print("any-N sums, 200 times in [1e-3, 1e12], p ∝ i^-1.1, A = i^-0.25")
    print(f"  N = 1e12 (Euler-Maclaurin)         {t_big * 1e3:9.2f} ms   (target < 10 ms)")
    print(f"  N = {brute_n:.0e} Euler-Maclaurin          {t_tail * 1e3:9.2f} ms")
    print(
        f"  N = {brute_n:.0e} brute-force kernel       {t_direct * 1e3:9.2f} ms   "
        f"ratio to N = 1e12 {t_direct / t_big:8.0f}x   (target > 1000x)"
    )
    print(
        f"  max relative difference at N = {brute_n:.0e}: {error:.1e} "
        f"(estimate {tail.error_estimate.max():.1e})"
    )


def superposition(repeats):
    rng = np.random.default_rng(0)
    task = Task(PowerLaw(1.1), n_features=1024)
    w = rng.standard_normal((512, 1024))
    w /= np.linalg.norm(w, axis=0)
    t = np.logspace(0, 6, 200)
    linear_superposition(task, w, t)
    elapsed = best_of(lambda: linear_superposition(task, w, t), repeats)
    print("linear superposition, N = 1024, K = 512 (262144 modes), 200 times")
    print(f"  exact solver           {elapsed:9.3f} s    (target < 2 s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and N = 1e6 for brute force")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, numba {numba.__version__} ({numba.get_num_threads()} threads)"
    )
    kernel(repeats)
    any_n(repeats, 10**6 if args.quick else 10**7)
    superposition(repeats)


if __name__ == "__main__":
    main()
