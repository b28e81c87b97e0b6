"""Exact linear superposition dynamics against the matrix flow and the theory limits."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import exact_loss, linear_superposition, spectral_loss, superposition_modes
from superdyn.theory import Constant, PowerLaw, Task, clustered_limit, contiguous_clusters, isotropic_limit


def _unit_columns(rng, k, n):
    w = rng.standard_normal((k, n))
    return w / np.linalg.norm(w, axis=0)


def _matrix_flow(task, w, t, covariance="diagonal"):
    """vec(B) under dB/dt = -(P B C - S), B(0) = 0, by the matrix exponential; then L(B)."""
    sigma = task.second_moment(covariance)
    a = np.diag(task.importance)
    p, c, s = w @ w.T, w @ sigma @ w.T, w @ a @ sigma @ w.T
    k = w.shape[0]
    generator = np.kron(p, c)  # row-major vec: vec(P B C) = (P kron C) vec(B)
    target = s.ravel()
    out = []
    for time in t:
        # B(t) = int_0^t exp(-G (t - s)) ds S = phi(G t) t S via the augmented exponential
        aug = np.zeros((k * k + 1, k * k + 1))
        aug[: k * k, : k * k] = -generator
        aug[: k * k, -1] = target
        b = (scipy.linalg.expm(aug * time)[: k * k, -1]).reshape(k, k)
        delta = w.T @ b @ w - a
        out.append(0.5 * np.trace(delta @ sigma @ delta.T))
    return np.array(out)


@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
    n=st.integers(4, 9),
    covariance=st.sampled_from(["diagonal", "exact"]),
)
def test_modes_match_the_matrix_flow(seed, k, n, covariance):
    rng = np.random.default_rng(seed)
    task = Task(PowerLaw(1.3), PowerLaw(0.3), n_features=n)
    w = rng.standard_normal((k, n))
    t = [0.0, 0.5, 5.0, 50.0]
    curve = linear_superposition(task, w, t, covariance=covariance)
    assert np.allclose(curve.loss, _matrix_flow(task, w, t, covariance), rtol=1e-9, atol=1e-14)


def _gradient_descent(task, w, lr, steps, covariance):
    """B_{k+1} = B_k - lr (P B_k C - S) from B = 0, and L(B_k) at every step."""
    sigma = task.second_moment(covariance)
    a = np.diag(task.importance)
    p, c, s = w @ w.T, w @ sigma @ w.T, w @ a @ sigma @ w.T
    b = np.zeros_like(p)
    out = []
    for _ in range(steps + 1):
        delta = w.T @ b @ w - a
        out.append(0.5 * np.trace(delta @ sigma @ delta.T))
        b = b - lr * (p @ b @ c - s)
    return np.array(out)


@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
    n=st.integers(4, 9),
    share=st.floats(0.05, 0.95),
    covariance=st.sampled_from(["diagonal", "exact"]),
)
def test_modes_at_a_learning_rate_match_gradient_descent(seed, k, n, share, covariance):
    rng = np.random.default_rng(seed)
    task = Task(PowerLaw(1.3), PowerLaw(0.3), n_features=n)
    w = _unit_columns(rng, k, n)
    modes = superposition_modes(task, w, covariance=covariance)
    lr = share * 2.0 / modes.rates.max()  # stable: lr r_jk < 2 for every mode
    steps = 40
    curve = linear_superposition(task, w, lr * np.arange(steps + 1), covariance=covariance, lr=lr)
    assert np.allclose(curve.loss, _gradient_descent(task, w, lr, steps, covariance), rtol=1e-8, atol=1e-14)


def test_identity_embedding_is_no_superposition():
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    t = np.logspace(-1, 5, 30)
    assert np.allclose(linear_superposition(task, np.eye(64), t).loss, exact_loss(task, t).loss, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 8, 16])
def test_clustered_embedding_is_the_clustered_limit_exactly(k):
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    labels = contiguous_clusters(64, k)
    w = np.zeros((k, 64))
    w[labels, np.arange(64)] = 1.0
    limit = clustered_limit(task, labels).spectrum
    t = np.logspace(-2, 5, 40)
    exact = linear_superposition(task, w, t)
    expected = spectral_loss(limit.rates, limit.weights, t, plateau=limit.plateau)
    assert np.allclose(exact.loss, expected.loss, rtol=1e-12)
    assert np.allclose(exact.local_exponent, expected.local_exponent, rtol=1e-10, atol=1e-13)


def _learned_error(task, k, rng):
    """Largest relative error of the learned loss L(0) - L(t), t <= 3 / rate, against the limit."""
    iso = isotropic_limit(task, k)
    rates, weights, plateau = iso.spectrum.rates, iso.spectrum.weights, iso.spectrum.plateau
    t = np.linspace(0.0, 3.0 / rates[0], 40)
    exact = linear_superposition(task, _unit_columns(rng, k, task.n_features), t).loss
    reference = spectral_loss(rates, weights, t, plateau=plateau).loss
    return np.max(np.abs((exact[0] - exact[1:]) / (reference[0] - reference[1:]) - 1))


def test_isotropic_limit_is_approached_as_n_over_k_grows():
    # W W^T spreads around (N/K) I by O(sqrt(K/N)); the learned loss was measured 2.9e-2 off
    # at N/K = 64 and 6.6e-3 off at N/K = 256 (constant profile, K = 16, seed 7)
    rng = np.random.default_rng(7)
    errors = [_learned_error(Task(Constant(), n_features=n), 16, rng) for n in (1024, 4096)]
    assert errors[0] < 0.05 and errors[1] < 0.015 and errors[1] < errors[0] / 2


def test_isotropic_limit_fails_for_heavy_tails():
    # negative control: p ∝ i^-1.5 has N_eff ~ 6 << N, and the single-rate limit is far off
    task = Task(PowerLaw(1.5), n_features=4096)
    assert isotropic_limit(task, 16).effective_features < 40
    assert _learned_error(task, 16, np.random.default_rng(3)) > 0.5


def test_modes_conserve_the_initial_loss():
    rng = np.random.default_rng(0)
    task = Task(PowerLaw(1.1), n_features=200)
    modes = superposition_modes(task, _unit_columns(rng, 50, 200))
    assert modes.rates.size == 2500
    initial = 0.5 * np.sum(task.importance**2 * task.second_moment_diagonal)
    assert np.isclose(modes.weights.sum() + modes.plateau, initial, rtol=1e-12)
    assert modes.plateau > 0  # K < N: not every feature can be learned


def test_bad_embeddings():
    task = Task(PowerLaw(1.5), n_features=8)
    with pytest.raises(ValueError, match="shape"):
        linear_superposition(task, np.ones((2, 7)))
    with pytest.raises(ValueError, match="finite"):
        linear_superposition(task, np.full((2, 8), np.nan))
    with pytest.raises(ValueError, match="covariance"):
        linear_superposition(task, np.ones((2, 8)), covariance="full")
