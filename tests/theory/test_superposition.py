import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.theory import (
    Constant,
    PowerLaw,
    Task,
    clustered_limit,
    contiguous_clusters,
    isotropic_limit,
)


def _dense_linear_loss(task, w, b_matrix):
    """1/2 Tr[(W^T B W - A)^T (W^T B W - A) Sigma] (paper Eq. 24), the slow reference."""
    diff = w.T @ b_matrix @ w - np.diag(task.importance)
    return 0.5 * np.trace(diff.T @ diff @ task.second_moment("diagonal"))


def test_one_feature_per_cluster_is_no_superposition():
    task = Task(PowerLaw(1.3), PowerLaw(0.2), n_features=50)
    limit = clustered_limit(task, np.arange(50))
    modes = task.modes()
    assert limit.spectrum.rates == pytest.approx(modes.rates, rel=1e-14)
    assert limit.spectrum.weights == pytest.approx(modes.weights, rel=1e-14)
    assert limit.spectrum.plateau == pytest.approx(0.0, abs=1e-16)


@given(st.floats(0.5, 2.0), st.floats(0.0, 0.5), st.integers(1, 12))
def test_clustered_modes_solve_the_gradient_flow(a, b, k):
    """Integrate dB/dt = -(P B C - W A Sigma W^T) exactly and compare with the modes."""
    n = 24
    task = Task(PowerLaw(a), PowerLaw(b), n_features=n)
    labels = contiguous_clusters(n, k)
    w = np.zeros((k, n))
    w[labels, np.arange(n)] = 1.0
    limit = clustered_limit(task, labels)
    sigma = task.second_moment("diagonal")
    p, c = w @ w.T, w @ sigma @ w.T
    s = w @ np.diag(task.importance) @ sigma @ w.T
    # B(t) from the diagonal flow with B(0) = 0: b_j(t) = b_j* (1 - exp(-n_j C_jj t))
    for t in (0.0, 3.0, 40.0):
        b_t = np.diag(limit.optimum * (1 - np.exp(-np.diag(p) * np.diag(c) * t)))
        gradient_residual = p @ b_t @ c - s  # dB/dt = -residual
        predicted_rate = -np.diag(gradient_residual)
        assert predicted_rate == pytest.approx(
            limit.optimum * np.diag(p) * np.diag(c) * np.exp(-np.diag(p) * np.diag(c) * t), abs=1e-12
        )
        assert limit.spectrum.loss([t])[0] == pytest.approx(_dense_linear_loss(task, w, b_t), rel=1e-10)
    assert np.all(limit.learnable_fraction <= 1 / limit.cluster_sizes + 1e-12)


def test_constant_channels_learn_exactly_one_over_n():
    task = Task(PowerLaw(1.0), Constant(), n_features=30)
    limit = clustered_limit(task, contiguous_clusters(30, 5))
    assert limit.learnable_fraction == pytest.approx(1 / limit.cluster_sizes)


def test_isotropic_limit_rate_and_effective_size():
    task = Task(Constant(), n_features=4000)
    iso = isotropic_limit(task, 40)
    sigma2 = task.second_moment_diagonal
    assert iso.spectrum.rates[0] == pytest.approx((4000 / 40) ** 2 * sigma2.mean())
    assert iso.effective_features == pytest.approx(4000)
    # Monte Carlo of P and C for random unit columns: they approach the isotropic values
    rng = np.random.default_rng(1)
    w = rng.normal(size=(40, 4000))
    w /= np.linalg.norm(w, axis=0)
    c = (w * sigma2) @ w.T
    assert np.linalg.eigvalsh(w @ w.T) == pytest.approx(4000 / 40, rel=0.45)
    assert np.diag(c).mean() == pytest.approx(4000 / 40 * sigma2.mean(), rel=1e-2)
    skewed = isotropic_limit(Task(PowerLaw(1.5), n_features=4000), 40)
    assert skewed.effective_features < 40  # a heavy-headed task is far from isotropic


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: clustered_limit(t, np.arange(3)), "clusters must be"),
        (lambda t: clustered_limit(t, -np.ones(10, dtype=int)), "clusters must be"),
        (lambda t: isotropic_limit(t, 0), "width must be >= 1"),
        (lambda t: isotropic_limit(t, 11), "width must be <= 10"),
        (lambda t: clustered_limit("task", np.arange(10)), "task must be"),
        (lambda t: contiguous_clusters(10, 20), "n_clusters must be <= 10"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(Task(PowerLaw(1.5), n_features=10))
