import numpy as np
import pytest
from superdyn.theory import AlgebraicEdge, Constant, PowerLaw, Task


def test_moments_and_modes_match_paper_eq7():
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    i = np.arange(1, 65.0)
    p = i**-1.5 / np.sum(i**-1.5)
    assert task.p == pytest.approx(p, rel=1e-13)
    modes = task.modes()
    assert modes.rates == pytest.approx(p / 3)
    assert modes.weights == pytest.approx(i**-0.5 * p / 6)
    t = np.array([0.0, 10.0, 1e3])
    direct = np.sum(i**-0.5 * p / 6 * np.exp(-2 / 3 * np.outer(t, p)), axis=1)
    assert modes.loss(t) == pytest.approx(direct, rel=1e-13)


def test_exact_second_moment_matches_monte_carlo():
    task = Task(PowerLaw(1.2), n_features=6, density=1.5, value_max=2.0)
    rng = np.random.default_rng(0)
    n = 400_000
    u = rng.random((n, 6)) < task.p
    x = u * rng.uniform(0, 2.0, (n, 6))
    empirical = x.T @ x / n
    exact = task.second_moment("exact")
    assert np.abs(empirical - exact).max() < 5 * np.sqrt(np.diag(exact).max() * 4 / n)
    diagonal = task.second_moment("diagonal")
    assert np.allclose(np.diag(diagonal), np.diag(exact))
    # negative control: the diagonal form misses the mean term
    assert np.abs(empirical - diagonal).max() > 10 * np.abs(empirical - exact).max()


def test_huge_task_is_cheap_and_consistent():
    task = Task(PowerLaw(1.1), n_features=10**12)
    small = Task(PowerLaw(1.1), n_features=10**6)
    p1_big, p1_small = task.frequencies_at([1])[0], small.frequencies_at([1])[0]
    assert p1_big < p1_small
    lo, hi = task.window
    assert lo == pytest.approx(1 / task.rate_max) and hi > 1e14
    with pytest.raises(ValueError, match="too large"):
        _ = task.p


def test_edge_task_window_uses_last_positive_feature():
    task = Task(AlgebraicEdge(1.0), n_features=1024)
    assert task.rate_min == pytest.approx(task.rates_at([1023])[0])
    assert task.rate_min > 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_features": 0}, "n_features must be >= 1"),
        ({"n_features": 2.5}, "n_features must be a whole number"),
        ({"n_features": 10**13}, "n_features must be <="),
        ({"density": 0.0}, "density must be > 0"),
        ({"value_max": -1.0}, "value_max must be > 0"),
        ({"density": 5.0, "n_features": 4}, "density must be <= 4"),
        ({"density": 3.0, "n_features": 4}, "not a probability"),  # p_1 = 3 / (1 + 2^-1.5 + ...) > 1
        ({"value_max": 1e-160}, "outside \\[1e-150, 1e150\\]"),
        ({"channels": "flat"}, "channels must be a theory profile"),
    ],
)
def test_bad_task(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Task(PowerLaw(1.5), **{"channels": Constant(), **kwargs})


def test_bad_indices_and_covariance():
    task = Task(PowerLaw(1.5), n_features=8)
    with pytest.raises(ValueError, match="index"):
        task.frequencies_at([0])
    with pytest.raises(ValueError, match="covariance"):
        task.second_moment("full")


def test_scaling_law_of_a_custom_profile_is_exact():
    # the numeric normaliser enters as a symbol: alpha and the log power stay exact rationals
    import sympy as sp
    from superdyn.theory import Custom

    z = sp.Symbol("z", positive=True)
    task = Task(Custom(z**-2 * sp.log(1 + z), z), n_features=10**9)
    law = task.scaling_law()
    assert (law.alpha, law.log_power) == (sp.Rational(1, 2), sp.Rational(1, 2))
    assert law.prefactor.free_symbols == set()
    scale = task.m2 / task.normaliser  # rho(u) = w |dz/du| ~ sqrt(scale) sqrt(2) / 8 u^-1/2 (ln 1/u)^1/2
    assert float(law.prefactor) == pytest.approx(np.sqrt(2 * scale) / 8, rel=1e-12)
