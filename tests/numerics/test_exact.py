"""exact_loss: direct sums, Euler-Maclaurin tails for any N, the exact covariance."""

import mpmath
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import exact_loss, exact_loss_mpmath
from superdyn.theory import AlgebraicEdge, Constant, PowerLaw, StretchedExponential, Task, alpha_power_law
from superdyn.theory.testing import power_law_params

T = np.logspace(-3, 12, 61)
TAIL_RTOL = 1e-10

PROFILES = [
    (PowerLaw(1.1), Constant()),
    (PowerLaw(1.5), PowerLaw(0.25)),
    (StretchedExponential(0.5, 1.0), Constant()),
    (StretchedExponential(0.01, 0.7), PowerLaw(0.5)),
    (AlgebraicEdge(1.0), Constant()),
    (AlgebraicEdge(2.5), PowerLaw(0.25)),
]


def _agree(tail, direct, rtol):
    """Relative error of L (through ln L, valid where L underflows) and of the local exponent.

    Where L underflows, both curves carry ln L with the float64 spacing of |ln L|, so a
    ratio of two such sums is known to about 4 eps |ln L| and no better.
    """
    scale = np.maximum(1.0, np.abs(direct.log_loss))
    loss_error = np.abs(tail.log_loss - direct.log_loss) / scale
    local_error = np.abs(tail.local_exponent - direct.local_exponent) / np.maximum(1.0, direct.local_exponent)
    return loss_error.max() < rtol and np.all(local_error < rtol + 4 * np.finfo(float).eps * scale)


@pytest.mark.parametrize(("frequencies", "channels"), PROFILES)
def test_tail_matches_brute_force_at_one_million(frequencies, channels):
    task = Task(frequencies, channels, n_features=10**6)
    tail = exact_loss(task, T, method="tail")
    direct = exact_loss(task, T, method="direct")
    assert tail.method == "euler-maclaurin" and direct.method == "direct"
    assert _agree(tail, direct, TAIL_RTOL)
    assert tail.error_estimate.max() < TAIL_RTOL


@pytest.mark.slow
@pytest.mark.parametrize(("frequencies", "channels"), PROFILES)
def test_tail_matches_brute_force_at_ten_million(frequencies, channels):
    task = Task(frequencies, channels, n_features=10**7)
    assert _agree(exact_loss(task, T, method="tail"), exact_loss(task, T, method="direct"), TAIL_RTOL)


@given(
    p=power_law_params(a=(1.05, 3.0), b=(0.0, 1.0)), n=st.integers(2_500, 60_000), head=st.integers(100, 1000)
)
def test_tail_matches_brute_force_for_random_power_laws(p, n, head):
    a, b = p["a"], p["b"]
    task = Task(PowerLaw(a), PowerLaw(b), n_features=n)
    t = np.logspace(-3, 12, 16)
    tail = exact_loss(task, t, method="tail", head=head)
    assert _agree(tail, exact_loss(task, t, method="direct"), TAIL_RTOL)


@pytest.mark.parametrize(("frequencies", "channels"), PROFILES[::2])
def test_against_mpmath(frequencies, channels):
    task = Task(frequencies, channels, n_features=3000)
    t = [0.1, 10.0, 1e3, 1e5, 1e8]
    losses, exponents = exact_loss_mpmath(task, t, dps=30)
    reference_log = np.array([float(mpmath.log(v)) for v in losses])
    reference_local = np.array([float(e) for e in exponents])
    for method, rtol in (("direct", 1e-12), ("tail", TAIL_RTOL)):
        curve = exact_loss(task, t, method=method)
        assert np.all(np.abs(curve.log_loss - reference_log) < rtol * np.maximum(1, np.abs(reference_log)))
        assert np.all(np.abs(curve.local_exponent - reference_local) < rtol * np.maximum(1, reference_local))


def test_a_trillion_features_follows_the_asymptotic_law():
    # no cutoff inside t < 1e12 at N = 1e12: the local exponent is (a + 2b - 1)/a
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=10**12)
    curve = exact_loss(task, [1e4, 1e6, 1e8])
    assert np.allclose(curve.local_exponent, alpha_power_law(1.5, 0.25), atol=1e-3)
    law = task.scaling_law()
    assert np.allclose(curve.loss / law.loss(curve.t), 1.0, atol=2e-3)
    assert curve.error_estimate.max() < TAIL_RTOL


def test_exact_covariance_is_the_matrix_flow():
    task = Task(PowerLaw(1.2), PowerLaw(0.5), n_features=12, density=1.5, value_max=2.0)
    sigma = task.second_moment("exact")
    a = np.diag(task.importance)
    t = [0.0, 0.3, 3.0, 30.0]
    expected = []
    for time in t:
        delta = -a @ scipy.linalg.expm(-sigma * time)  # B - A with B(0) = 0
        expected.append(0.5 * np.trace(delta @ sigma @ delta.T))
    curve = exact_loss(task, t, covariance="exact")
    assert curve.method == "eigen"
    assert np.allclose(curve.loss, expected, rtol=1e-12)
    # the mean term matters: the diagonal form differs
    assert not np.allclose(exact_loss(task, t).loss, expected, rtol=1e-3)


def test_per_mode_losses_show_the_traveling_wave():
    task = Task(PowerLaw(1.5), n_features=256)
    curve = exact_loss(task, [10.0, 1e3], per_mode=True)
    assert curve.mode_losses.shape == (2, 256)
    # the mode that carries most loss moves to later features as t grows
    assert np.argmax(curve.mode_losses[1]) > np.argmax(curve.mode_losses[0])


def test_default_times_cover_the_window():
    task = Task(PowerLaw(1.5), n_features=1024)
    curve = exact_loss(task)
    lo, hi = task.window
    assert curve.t.size == 200 and curve.t[0] <= lo and curve.t[-1] >= hi


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"covariance": "full"}, "covariance"),
        ({"method": "fast"}, "method"),
        ({"head": 10}, "head"),
        ({"t": [-1.0]}, "t must be >= 0"),
        ({"t": []}, "t must not be empty"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        exact_loss(Task(PowerLaw(1.5), n_features=100), **{"t": [1.0], **kwargs})


def test_bad_task_and_sizes():
    with pytest.raises(ValueError, match="task"):
        exact_loss("power-law", [1.0])
    with pytest.raises(ValueError, match="exact"):
        exact_loss(Task(PowerLaw(1.5), n_features=10**5), [1.0], covariance="exact")
    with pytest.raises(ValueError, match="per_mode"):
        exact_loss(Task(PowerLaw(1.5), n_features=10**6), [1.0], per_mode=True)
