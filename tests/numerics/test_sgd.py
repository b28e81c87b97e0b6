"""The exact SGD expected-loss recursion: against its dense twin, gradient descent and its bounds."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import sgd_loss, sgd_stability_limit, spectral_loss
from superdyn.numerics.reference import sgd_loss_dense
from superdyn.numerics.sgd import AUTO_EXACT_MAX_FEATURES, _diagonal_radius, _diagonal_run, sgd_moments
from superdyn.theory import PowerLaw, Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.testing import power_law_params

INF = float("inf")


@given(
    p=power_law_params(a=(1.05, 3.0), b=(0.0, 1.0)),
    n=st.integers(1, 9),
    batch=st.sampled_from([1, 2, 3, 8, INF]),
    fraction=st.floats(0.05, 0.9),
    init_scale=st.sampled_from([0.0, 0.3]),
    value_max=st.sampled_from([1.0, 2.0]),
)
def test_the_contracted_recursion_equals_the_dense_one(p, n, batch, fraction, init_scale, value_max):
    a, b = p["a"], p["b"]
    task = Task(PowerLaw(a), PowerLaw(b), n_features=n, value_max=value_max)
    lr = fraction * sgd_stability_limit(task, batch_size=batch, covariance="exact")
    t = lr * np.array([0.0, 1.0, 2.0, 7.0, 40.0])
    fast = sgd_loss(task, t, lr=lr, batch_size=batch, init_scale=init_scale)
    slow = sgd_loss_dense(task, t, lr=lr, batch_size=batch, init_scale=init_scale)
    assert np.allclose(fast.loss, slow, rtol=1e-10, atol=0)


def test_an_infinite_batch_is_gradient_descent():
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=48)
    lr, t = 2.0, np.array([0.0, 2.0, 20.0, 200.0, 2000.0])
    modes = task.modes()  # the diagonal model's gradient descent, mode by mode
    direct = spectral_loss(modes.rates, modes.weights, t, lr=lr).loss
    diagonal = sgd_loss(task, t, lr=lr, batch_size=INF, covariance="diagonal").loss
    assert np.allclose(diagonal, direct, rtol=1e-12, atol=0)
    # the exact covariance: L = 1/2 Tr[Sigma (I - lr Sigma)^k A^T A (I - lr Sigma)^k]
    sigma = task.second_moment("exact")
    values, vectors = np.linalg.eigh(sigma)
    a_rot = vectors.T @ np.diag(task.importance**2) @ vectors
    expected = [0.5 * np.sum(values * (1 - lr * values) ** (2 * k) * np.diag(a_rot)) for k in np.rint(t / lr)]
    assert np.allclose(sgd_loss(task, t, lr=lr, batch_size=INF).loss, expected, rtol=1e-10, atol=0)
    # a large batch approaches it: the noise term is O(1/b)
    big = sgd_loss(task, t, lr=lr, batch_size=10**6).loss
    assert np.allclose(big, expected, rtol=1e-4)


def test_time_is_taken_at_whole_steps_and_the_curve_says_which():
    task = Task(PowerLaw(1.5), n_features=16)
    curve = sgd_loss(task, [0.0, 1.0, 3.3, 3.0], lr=1.5, batch_size=4)
    assert curve.t.tolist() == [0.0, 1.5, 3.0, 3.0] and curve.loss[2] == curve.loss[3]
    assert curve.method == "sgd-exact" and curve.local_exponent[0] == 0.0


@pytest.mark.parametrize("batch", [1, 8, INF])
def test_the_stability_limit_is_where_the_recursion_starts_to_grow(batch):
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    limit = sgd_stability_limit(task, batch_size=batch)
    m = sgd_moments(task)
    inv_b = 1.0 / batch
    assert _diagonal_radius(limit * (1 - 1e-6), m["s"], m["e4"], inv_b) < 1.0
    assert _diagonal_radius(limit * (1 + 1e-6), m["s"], m["e4"], inv_b) > 1.0
    steps = np.array([1000, 2000], dtype=np.int64)
    for factor, grows in ((0.97, False), (1.03, True)):
        start = task.importance**2
        losses = _diagonal_run(start.copy(), m["s"], m["e4"], factor * limit, inv_b, steps)
        assert np.all(np.isfinite(losses)) and (losses[1] > losses[0]) == grows, (factor, losses)
    with pytest.raises(ValueError, match=r"lr=.* is at or beyond the stability limit"):
        sgd_loss(task, [1.0], lr=1.01 * limit, batch_size=batch, covariance="diagonal")
    assert sgd_loss(task, [1.0], lr=0.99 * limit, batch_size=batch, covariance="diagonal").loss[0] > 0


def test_single_samples_lower_the_stability_limit_below_gradient_descent():
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=64)
    limits = [sgd_stability_limit(task, batch_size=b) for b in (1, 8, 64, INF)]
    assert limits == sorted(limits)
    assert limits[-1] == pytest.approx(2.0 / task.rate_max, rel=1e-9)  # gradient descent: 2 / lambda_max
    exact = sgd_stability_limit(task, batch_size=1, covariance="exact")
    with pytest.raises(ValueError, match="stability limit"):
        sgd_loss(task, [1.0], lr=1.02 * exact, batch_size=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"lr": -1.0}, "lr must be > 0"),
        ({"t": [-1.0]}, "t must be >= 0"),
        ({"init_scale": -0.1}, "init_scale must be >= 0"),
        ({"covariance": "full"}, "covariance must be one of"),
        ({"t": [1e12]}, "at most 1e\\+08"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, message):
    task = Task(PowerLaw(1.5), n_features=8)
    with pytest.raises(ValueError, match=message):
        sgd_loss(task, **{"t": [1.0], "lr": 0.5, "batch_size": 1, **kwargs})


def test_auto_covariance_is_the_full_recursion_up_to_2048_features_and_the_diagonal_beyond():
    times = [10.0, 100.0]
    edge = AUTO_EXACT_MAX_FEATURES
    for n, expected in ((edge, "sgd-exact"), (edge + 1, "sgd-diagonal")):
        task = Task(PowerLaw(1.5), n_features=n)
        auto = sgd_loss(task, times, lr=0.5, batch_size=64, covariance="auto")
        chosen = sgd_loss(task, times, lr=0.5, batch_size=64, covariance=expected.removeprefix("sgd-"))
        assert auto.method == expected and np.array_equal(auto.loss, chosen.loss)
    with pytest.raises(InvalidInput, match="covariance must be one of"):
        sgd_loss(task, times, lr=0.5, batch_size=64, covariance="full")
