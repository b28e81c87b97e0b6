"""The effective spectrum read off per-feature losses: exact on planted modes, and its closure."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from superdyn.verify.analyse.effective import FLOOR_SHARE, effective_spectrum
from superdyn.verify.experiments import get_experiment

T = np.concatenate([[0.0], np.logspace(-2, 5, 141)])


def _modes(rates, weights, floors):
    return floors + weights * np.exp(-2 * np.outer(T, rates))


@settings(max_examples=40, deadline=None)
@given(
    gamma=st.floats(0.3, 2.0),
    beta=st.floats(1.05, 3.0),
    scale=st.floats(0.05, 1.0),
    n=st.integers(8, 60),
)
def test_planted_power_law_modes_are_read_back(gamma, beta, scale, n):
    index = np.arange(1, n + 1.0)
    rates, weights = scale * index**-gamma, 0.5 * index**-beta
    spectrum = effective_spectrum(T, _modes(rates, weights, 0.0), weights)
    # a mode that is gone long before the floor's window (tau below a fifth of its start) is read back to
    # the interpolation error between grid points; slower ones carry part of their decay in the floor
    log_t = np.log(T[1:])
    floor_start = np.exp(log_t[-1] - FLOOR_SHARE * (log_t[-1] - log_t[0]))
    clean = 1 / (2 * rates) < floor_start / 5
    assert np.all(spectrum.decayed[clean])
    assert np.allclose(spectrum.rate[clean], rates[clean], rtol=0.01)
    assert np.allclose(spectrum.weight[clean], weights[clean], rtol=1e-3)
    if np.all(clean[spectrum.decayed]):  # the power law over clean modes only is exact
        assert spectrum.gamma == pytest.approx(gamma, abs=0.01)
    assert spectrum.power_law_alpha == pytest.approx((spectrum.beta - 1) / spectrum.gamma)


def test_floors_are_the_late_level_and_the_closure_sums_the_modes():
    index = np.arange(1, 31.0)
    rates, weights = 0.3 * index**-1.2, 0.4 * index**-1.5
    floors = 0.1 * weights  # each feature stops at a tenth of its start
    start = weights + floors
    spectrum = effective_spectrum(T, _modes(rates, weights, floors), start)
    late = np.log(T[1:]) >= np.log(T[-1]) - FLOOR_SHARE * (np.log(T[-1]) - np.log(T[1]))
    assert late.sum() > 10
    assert np.allclose(spectrum.floor[:10], floors[:10], rtol=1e-6)  # the fast ones are flat at the end
    assert np.allclose(spectrum.weight[:10], weights[:10], rtol=1e-6)
    total = _modes(rates, weights, floors).sum(1)
    assert np.allclose(spectrum.closure(T)[T > 0][:80], total[T > 0][:80], rtol=0.05)


def test_a_feature_that_rises_first_decays_later():
    t = T
    start = np.array([1.0, 1.0, 1.0, 1.0])
    rise = 1.0 + 0.5 * (1 - np.exp(-t))  # interference lifts the loss before the mode takes over
    losses = np.stack(
        [np.exp(-2 * 0.1 * t), rise * np.exp(-2 * 0.1 * t), np.exp(-2 * 0.01 * t), np.ones_like(t)], 1
    )
    spectrum = effective_spectrum(t, losses, start)
    assert spectrum.rate[1] < spectrum.rate[0]  # delayed by the rise
    assert np.isnan(spectrum.rate[3]) and spectrum.weight[3] == 0  # never decays: no rate, all floor


@pytest.mark.parametrize(
    ("t", "losses", "start", "match"),
    [
        (T, np.ones((T.size, 3)), np.ones(4), "per_feature must be"),
        (T[:3], np.ones((3, 3)), np.ones(3), "at least three times"),
        (T, np.ones((T.size, 5)), np.ones(5), "only 0 feature"),
    ],
)
def test_bad_input(t, losses, start, match):
    with pytest.raises(ValueError, match=match):
        effective_spectrum(t, losses, start)


def test_the_experiment_declares_three_claims_per_point_and_runs_with_per_feature_losses():
    experiment = get_experiment("effective-spectrum")
    plan = experiment.plan("medium")
    assert all(c.per_feature for c in plan.configs)
    assert {c.replace(per_feature=False) for c in plan.configs} == set(
        get_experiment("fig5").configs("medium")
    )
    assert len(experiment.declared("medium")) == 3 * 6 * 3
