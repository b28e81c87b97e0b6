"""Power-law fits: exact recovery, honest standard errors, rejections that carry evidence."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from superdyn.numerics.fit import (
    FitError,
    find_window,
    fit_power_law,
    fit_power_law_with_floor,
    local_exponent_profile,
    ols,
    window_sensitivity,
)

T = np.logspace(0, 5, 101)


@given(alpha=st.floats(0.05, 3.0), c=st.floats(1e-3, 1e3), lo=st.floats(0.0, 2.0), width=st.floats(1.0, 3.0))
def test_plain_fit_recovers_a_power_law(alpha, c, lo, width):
    window = (10**lo, 10 ** (lo + width))
    fit = fit_power_law(T, c * T**-alpha, window)
    assert fit.alpha == pytest.approx(alpha, abs=1e-10)
    assert fit.prefactor == pytest.approx(c, rel=1e-9)
    assert fit.n_points == np.sum((T >= window[0] * (1 - 1e-12)) & (T <= window[1] * (1 + 1e-12)))
    assert fit.stderr < 1e-10 and fit.drift < 1e-9


def test_standard_error_matches_the_spread_over_noise_draws():
    # ln L = ln c - alpha ln t + N(0, 0.05^2): the OLS stderr must match the empirical spread
    rng = np.random.default_rng(11)
    noisy = [2 * T**-0.8 * np.exp(rng.normal(0, 0.05, T.size)) for _ in range(400)]
    fits = [fit_power_law(T, loss, (10, 1e4)) for loss in noisy]
    spread = np.std([f.alpha for f in fits])
    assert np.mean([f.stderr for f in fits]) == pytest.approx(spread, rel=0.1)
    assert np.mean([f.alpha for f in fits]) == pytest.approx(0.8, abs=3 * spread / np.sqrt(400))


def test_floor_fit_recovers_the_floor_the_plain_fit_misses():
    loss = 2.0 * T**-0.7 + 1e-3
    plain = fit_power_law(T, loss, (1e2, 1e5))
    floored = fit_power_law_with_floor(T, loss, (1e2, 1e5))
    assert plain.alpha < 0.6  # negative control: the floor bends a plain fit
    assert floored.alpha == pytest.approx(0.7, abs=1e-6)
    assert floored.floor == pytest.approx(1e-3, rel=1e-5)
    assert floored.prefactor == pytest.approx(2.0, rel=1e-5)


def test_rejections_carry_the_estimate():
    with pytest.raises(FitError, match="does not decay") as info:
        fit_power_law(T, T**0.3, (1, 1e3))
    assert info.value.estimate.alpha == pytest.approx(-0.3)
    broken = np.where(T < 100, T**-0.5, 10 * T**-1.0)
    with pytest.raises(FitError, match="drifts") as info:
        fit_power_law(T, broken, (1, 1e4), max_drift=0.1)
    assert 0.5 < info.value.estimate.alpha < 1.0
    with pytest.raises(FitError, match="does not decay"):
        fit_power_law_with_floor(T, np.full(T.size, 0.5), (1, 1e3))
    rising = T**-1.0 + 1e-4 * T  # turns up again after t = 100
    with pytest.raises(FitError, match="floor reaches") as info:
        fit_power_law_with_floor(T, rising, (1, 1e3))
    assert info.value.estimate.floor == pytest.approx(rising[T <= 1e3].min(), rel=1e-5)


def test_auto_window_finds_the_straight_part():
    broken = np.where(T < 100, T**-0.5, 10 * T**-1.0)
    fit = fit_power_law(T, broken, (1, 1e5))
    profile = local_exponent_profile(T, broken, half_width=0.1)
    window = find_window(profile.t, profile.alpha, tolerance=0.01, min_decades=1)
    assert window[0] >= 100 and window[1] == pytest.approx(1e5)  # the wider of the two straight parts
    assert fit_power_law(T, broken, window).alpha == pytest.approx(1.0, abs=1e-9)
    assert 0.5 < fit.alpha < 1.0
    with pytest.raises(FitError, match="no window"):
        find_window(T, np.linspace(0, 5, T.size), tolerance=0.01)


def test_window_sensitivity_tabulates_every_window():
    loss = 2.0 * T**-0.7 + 1e-3
    table = window_sensitivity(T, loss)
    assert len(table.fits) + len(table.rejected) == 9 + 7  # 1- and 2-decade windows every half decade
    lo, hi = table.alpha_range
    assert lo < 0.45 and hi == pytest.approx(0.7, abs=0.01)  # the floor bends the late windows
    assert "alpha" in str(table) and len(table.to_dict()["fits"]) == len(table.fits)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((T, T**-1.0, (1e6, 1e7)), "holds 0 points"),
        ((T, T**-1.0, (10, 1)), "t_lo < t_hi"),
        ((T, T[:-1] ** -1.0, None), "same length"),
        ((-T, T**-1.0, None), "t must be > 0"),
        ((T[::-1], T**-1.0, None), "increasing"),
        ((T, np.where(T > 10, -1.0, 1.0), None), "loss must be > 0"),
        ((T, np.full(T.size, np.nan), None), "loss must be finite"),
    ],
)
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(*args)


@settings(max_examples=50, deadline=None)
@given(st.integers(3, 40), st.floats(-3, 3), st.floats(-5, 5), st.integers(0, 2**31 - 1))
def test_ols_matches_lstsq(n, slope, intercept, seed):
    # the one OLS of every layer (numerics' fits, verify's frontier, plateau and width slopes)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 10, n)) + np.arange(n) * 1e-3
    y = intercept + slope * x + rng.normal(0, 0.1, n)
    (s, c), *_ = np.linalg.lstsq(np.column_stack([x, np.ones(n)]), y, rcond=None)
    resid = y - c - s * x
    stderr = np.sqrt(resid @ resid / (n - 2) / np.sum((x - x.mean()) ** 2))
    np.testing.assert_allclose(ols(x, y), (s, c, stderr, np.sqrt(np.mean(resid**2))), rtol=1e-9, atol=1e-12)


def test_ols_with_two_points_has_no_error_bar_and_refuses_less():
    slope, intercept, stderr, rms = ols([1.0, 2.0], [3.0, 5.0])
    assert (slope, intercept, rms) == (2.0, 1.0, 0.0) and np.isnan(stderr)
    with pytest.raises(ValueError, match="at least two points"):
        ols([1.0], [1.0])
    with pytest.raises(ValueError, match="not distinct"):
        ols([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
