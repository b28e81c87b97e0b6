"""The exponent method: pure fit, seeds, floor fit, automatic window."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import FitError
from verify.measure import average_curve, measure_exponent

T = np.logspace(0, 5, 51)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 3.0), st.lists(st.floats(0.1, 10.0), min_size=1, max_size=4))
def test_pure_power_laws_are_measured_exactly(alpha, prefactors):
    m = measure_exponent([(T, c * T**-alpha) for c in prefactors])
    assert m.alpha == pytest.approx(alpha, rel=1e-9)
    assert m.seed_spread == pytest.approx(0.0, abs=1e-9)
    assert m.uncertainty < 1e-8
    assert np.allclose(m.profile_alpha, alpha)
    assert m.auto_window is not None and m.auto_alpha == pytest.approx(alpha, rel=1e-9)


def test_seed_spread_enters_the_uncertainty():
    rng = np.random.default_rng(3)
    slopes = [0.9, 1.0, 1.1]
    curves = [(T, T**-s * np.exp(rng.normal(0, 0.01, T.size))) for s in slopes]
    m = measure_exponent(curves, window=(1e3, 1e4))
    assert m.seed_alphas == pytest.approx(slopes, abs=0.02)
    assert m.seed_spread == pytest.approx(0.1, abs=0.02)
    assert m.uncertainty >= m.seed_spread / np.sqrt(3) * 0.99
    assert m.alpha == pytest.approx(1.0, abs=0.02)


def test_floor_fit_sees_through_a_plateau():
    loss = 2.0 * T**-1.0 + 1e-4
    m = measure_exponent([(T, loss)], window=(1e2, 1e5))
    assert m.alpha < 0.9  # the plateau flattens the pure fit
    assert m.floor_alpha == pytest.approx(1.0, abs=1e-3)
    assert m.floor == pytest.approx(1e-4, rel=1e-2)


def test_average_curve_uses_common_times_and_geometric_mean():
    t, loss = average_curve([(T, np.full(T.size, 4.0)), (T[::2], np.full(T[::2].size, 1.0))])
    assert np.array_equal(t, T[::2]) and np.allclose(loss, 2.0)
    t0 = np.concatenate([[0.0], T])
    t, _ = average_curve([(t0, np.ones(t0.size))])  # t = 0 (the initial loss) is dropped
    assert t[0] > 0
    with pytest.raises(ValueError, match="at least one"):
        average_curve([])


def test_a_rising_loss_is_a_fit_error_with_the_estimate():
    with pytest.raises(FitError) as info:
        measure_exponent([(T, T**0.5)])
    assert info.value.estimate.alpha == pytest.approx(-0.5)
