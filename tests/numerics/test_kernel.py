"""The numba spectral kernel against its mpmath twin, and its edge cases."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import spectral_loss, spectral_loss_mpmath
from superdyn.numerics._fastexp import exp_parts, scale_bits
from superdyn.numerics.kernel import effective_rates

RTOL = 1e-12

rates_st = st.lists(st.floats(0.0, 10.0), min_size=1, max_size=40)
times_st = st.lists(st.floats(0.0, 1e12), min_size=1, max_size=8)


def _relative(fast, slow):
    slow = np.array([float(v) for v in slow])
    return np.abs(fast - slow) / np.maximum(np.abs(slow), 1e-300)


def _log_relative(curve, losses):
    """|ln L - ln L_ref|, relative to |ln L_ref| where float64 cannot hold ln L any better."""
    exact = np.array([float(mpmath.log(v)) for v in losses])
    return np.abs(curve.log_loss - exact) / np.maximum(1.0, np.abs(exact))


@given(rates=rates_st, data=st.data(), times=times_st, plateau=st.sampled_from([0.0, 1e-3]))
def test_gradient_flow_matches_the_mpmath_twin(rates, data, times, plateau):
    weights = data.draw(st.lists(st.floats(1e-6, 10.0), min_size=len(rates), max_size=len(rates)))
    curve = spectral_loss(rates, weights, times, plateau=plateau)
    losses, exponents = spectral_loss_mpmath(rates, weights, times, plateau=plateau)
    # ln L to 1e-12 absolute is L to 1e-12 relative, also where L underflows float64
    # (for |ln L| > 1 the float64 spacing of ln L itself sets the scale)
    assert np.all(_log_relative(curve, losses) < RTOL)
    exact = np.array([float(e) for e in exponents])
    assert np.all(np.abs(curve.local_exponent - exact) <= RTOL * np.maximum(1.0, np.abs(exact)))


@given(
    rates=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
    data=st.data(),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=6),
)
def test_gradient_descent_matches_the_mpmath_twin(rates, data, steps):
    weights = data.draw(st.lists(st.floats(1e-6, 1.0), min_size=len(rates), max_size=len(rates)))
    lr = data.draw(st.floats(0.01, 1.9))  # lr * rate <= 1.9 < 2
    t = lr * np.array(steps, dtype=float)
    curve = spectral_loss(rates, weights, t, lr=lr)
    losses, exponents = spectral_loss_mpmath(rates, weights, t, lr=lr)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = _log_relative(curve, losses)
    assert np.all((error < 1e-11) | (curve.loss == 0) & (np.array([float(v) for v in losses]) == 0))
    exact = np.array([float(e) for e in exponents])
    gone = np.isinf(exact)
    assert np.array_equal(np.isinf(curve.local_exponent), gone)
    fast, slow = curve.local_exponent[~gone], exact[~gone]
    assert np.all(np.abs(fast - slow) <= 1e-11 * np.maximum(1.0, np.abs(slow)))


def test_gradient_descent_is_the_discrete_recursion():
    rates, weights, lr = np.array([0.3, 1.2, 1.9]), np.array([1.0, 0.5, 0.25]), 1.0
    k = np.arange(6)
    direct = (weights * (1 - lr * rates) ** (2 * k[:, None])).sum(1)
    assert np.allclose(spectral_loss(rates, weights, lr * k, lr=lr).loss, direct, rtol=1e-14)


def test_wrong_time_convention_is_detected():
    # negative control: exp(-lambda t) instead of exp(-2 lambda t) is far outside the tolerance
    curve = spectral_loss([0.5, 0.01], [1.0, 1.0], [10.0])
    wrong = spectral_loss([0.25, 0.005], [1.0, 1.0], [10.0])
    assert _relative(wrong.loss, [curve.loss[0]])[0] > 1e3 * RTOL


def test_log_space_below_float64():
    curve = spectral_loss([1.0, 2.0], [1.0, 1.0], [1e3, 1e12])
    assert np.all(curve.loss == 0.0)
    assert np.allclose(curve.log_loss, [-2e3, -2e12], rtol=1e-15)
    assert np.allclose(curve.local_exponent, [2e3, 2e12], rtol=1e-12)


def test_zero_rates_are_frozen_and_t0_is_the_total():
    curve = spectral_loss([0.0, 1.0], [0.25, 0.75], [0.0, 1e12], plateau=0.5)
    assert curve.loss.tolist() == [1.5, 0.75]
    assert curve.local_exponent.tolist() == [0.0, 0.0]


def test_per_mode_losses_sum_to_the_loss():
    rng = np.random.default_rng(0)
    rates, weights = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    curve = spectral_loss(rates, weights, np.logspace(-2, 3, 20), plateau=0.1, per_mode=True)
    assert curve.mode_losses.shape == (20, 50)
    assert np.allclose(curve.mode_losses.sum(1) + 0.1, curve.loss, rtol=1e-13)


def test_one_step_modes_and_the_stability_limit():
    # eta lambda = 1 removes a mode in one step; eta lambda = 2 oscillates forever
    curve = spectral_loss([1.0, 2.0], [1.0, 1.0], [0.0, 1.0, 5.0], lr=1.0)
    assert curve.loss.tolist() == [2.0, 1.0, 1.0]
    assert np.isinf(effective_rates([1.0], 1.0)).all()
    gone = spectral_loss([1.0], [1.0], [0.0, 1.0], lr=1.0)
    assert gone.loss.tolist() == [1.0, 0.0] and gone.local_exponent.tolist() == [0.0, np.inf]
    with pytest.raises(ValueError, match="lr"):
        spectral_loss([3.0], [1.0], [1.0], lr=1.0)


def test_fast_exp_is_within_two_ulp():
    from numba import njit

    @njit
    def evaluate(x):
        out = np.empty_like(x)
        bits = np.empty(1, np.int64)
        scale = bits.view(np.float64)
        magic = np.empty(1)
        magic_bits = magic.view(np.int64)
        for i in range(x.size):
            p, k = exp_parts(x[i])
            magic[0] = k
            bits[0] = scale_bits(magic_bits[0])
            out[i] = p * scale[0]
        return out

    x = np.random.default_rng(1).uniform(-708, 709, 200_000)
    ulp = np.abs(evaluate(x) - np.exp(x)) / np.spacing(np.exp(x))
    assert ulp.max() <= 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rates": [], "weights": []}, "rates"),
        ({"rates": [1.0, 2.0], "weights": [1.0]}, "same length"),
        ({"rates": [-1.0], "weights": [1.0]}, "rates must be >= 0"),
        ({"rates": [1.0], "weights": [np.nan]}, "weights"),
        ({"rates": [1.0], "weights": [1.0], "t": [-1.0]}, "t must be >= 0"),
        ({"rates": [1.0], "weights": [1.0], "t": [np.inf]}, "t must be finite"),
        ({"rates": [1.0], "weights": [1.0], "plateau": -1.0}, "plateau"),
        ({"rates": [1.0], "weights": [0.0]}, "weights and plateau are all 0"),
        ({"rates": [1.0], "weights": [1.0], "lr": 0.0}, "lr"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    kwargs = {"t": [1.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        spectral_loss(kwargs.pop("rates"), kwargs.pop("weights"), kwargs.pop("t"), **kwargs)
