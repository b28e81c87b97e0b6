"""The exponent method: the Eq. 9 fit on a physics window decides; the other methods stand beside it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from superdyn.theory import PowerLaw, Task
from superdyn.verify.analyse.measure import (
    EQ9,
    FIXED_WINDOW,
    PURE,
    arithmetic_mean_curve,
    learning_front_window,
    mean_loss_curve,
    measure_exponent,
    plateau_free_window,
)

T = np.logspace(0, 5, 51)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 3.0), st.lists(st.floats(0.1, 10.0), min_size=1, max_size=4))
def test_pure_power_laws_are_measured_exactly_by_every_method(alpha, prefactors):
    m = measure_exponent([(T, c * T**-alpha) for c in prefactors], physics_window=(10, 1e4))
    assert m.alpha == pytest.approx(alpha, rel=1e-6)
    assert m.seed_spread == pytest.approx(0.0, abs=1e-6)
    for result in m.alternatives:
        assert result.alpha == pytest.approx(alpha, rel=1e-6), result.method
    assert np.allclose(m.profile_alpha, alpha)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.3, 2.0), st.floats(-5.0, -2.0), st.floats(0.5, 5.0))
def test_the_eq9_fit_recovers_a_planted_exponent_and_floor(alpha, log_floor, prefactor):
    floor = 10.0**log_floor * prefactor * 1e2**-alpha  # the floor sits below the curve at t = 100
    loss = prefactor * T**-alpha + floor
    m = measure_exponent([(T, loss)], physics_window=(1.0, 1e5))
    assert m.alpha == pytest.approx(alpha, rel=1e-4)
    assert m.headline.floor == pytest.approx(floor, rel=1e-3)
    # the pure fit on the same window is pulled down by the floor
    assert m.by_method(PURE, fixed=False).alpha < alpha


def test_seed_spread_enters_the_uncertainty():
    rng = np.random.default_rng(3)
    slopes = [0.9, 1.0, 1.1]
    curves = [(T, T**-s * np.exp(rng.normal(0, 0.01, T.size))) for s in slopes]
    m = measure_exponent(curves, physics_window=(1e2, 1e4))
    pure = m.by_method(PURE, fixed=True)
    assert pure.seed_alphas == pytest.approx(slopes, abs=0.02)
    assert pure.uncertainty >= np.std(pure.seed_alphas, ddof=1) / np.sqrt(3) * 0.99
    assert pure.alpha == pytest.approx(1.0, abs=0.02) and pure.window == FIXED_WINDOW
    assert m.seed_spread > 0.05 and m.uncertainty >= m.seed_spread / np.sqrt(3) * 0.99


def test_the_superposition_window_ends_before_the_plateau():
    # t^-1 from t ~ 10, then a plateau at 1e-3 (reached at t ~ 1e4): the window is where the
    # local exponent is >= half its peak
    loss = 1.0 / (1.0 + T / 10.0) + 1e-3
    lo, hi = plateau_free_window(T, loss)
    assert 3 < lo < 30 and 3e3 < hi < 3e4
    m = measure_exponent([(T, loss)])
    assert m.window == pytest.approx((lo, hi))
    assert "half its maximum" in m.method
    flat = np.full(T.size, 0.3)
    assert measure_exponent([(T, flat)]).failure  # no decay: the headline cannot be measured


def test_the_learning_front_window_follows_the_frequencies():
    task = Task(PowerLaw(1.5), n_features=1024)
    lo, hi = learning_front_window(task)
    p = task.p
    assert lo == pytest.approx(1 / (2 * p[9] * task.m2)) and hi == pytest.approx(1 / (2 * p[101] * task.m2))
    with pytest.raises(ValueError, match="learning front"):
        learning_front_window(task, last_share=2.0)


def test_seed_means_use_common_times_and_say_which_mean():
    curves = [(T, np.full(T.size, 4.0)), (T[::2], np.full(T[::2].size, 1.0))]
    geometric, arithmetic = mean_loss_curve(curves), arithmetic_mean_curve(curves)
    for mean in (geometric, arithmetic):
        assert np.array_equal(mean.t, T[::2])
    assert np.allclose(geometric.loss, 2.0) and np.allclose(arithmetic.loss, 2.5)
    # the standard errors: of ln L for the geometric mean, of L for the arithmetic one
    assert np.allclose(geometric.error_estimate, 2.0 * np.std(np.log([4.0, 1.0]), ddof=1) / np.sqrt(2))
    assert np.allclose(arithmetic.error_estimate, np.std([4.0, 1.0], ddof=1) / np.sqrt(2))
    t0 = np.concatenate([[0.0], T])
    for mean_of in (mean_loss_curve, arithmetic_mean_curve):
        one = mean_of([(t0, np.ones(t0.size))])  # t = 0 (the initial loss) is dropped
        assert one.t[0] > 0 and one.error_estimate is None
        with pytest.raises(ValueError, match="at least one"):
            mean_of([])


def test_a_rising_loss_is_a_failed_headline_with_its_estimate():
    m = measure_exponent([(T, T**0.5)], physics_window=(10, 1e4))
    assert m.failure and "does not decay" in m.failure
    assert m.by_method(PURE, fixed=True).alpha == pytest.approx(-0.5)
    assert m.headline.method == EQ9


def test_the_window_free_local_exponent_has_a_seed_band():
    from superdyn.verify.analyse.local import seed_local_exponent

    t = np.logspace(0, 4, 41)
    profile = seed_local_exponent(
        [(t, t**-0.4), (t, t**-0.6), (np.concatenate([[0.0], t]), np.concatenate([[1.0], t**-0.5]))]
    )
    assert profile.n_seeds == 3 and np.allclose(profile.mean, 0.5)
    assert np.allclose(profile.stderr, np.std([0.4, 0.6, 0.5], ddof=1) / np.sqrt(3))
    assert profile.late() == pytest.approx((0.5, np.std([0.4, 0.6, 0.5], ddof=1) / np.sqrt(3)))
    steeper = seed_local_exponent([(t, np.where(t < 100, t**-0.5, 10 * t**-1.0))])
    assert steeper.late()[0] == pytest.approx(1.0, abs=0.02) and steeper.stderr.max() == 0.0
